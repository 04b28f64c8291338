"""The one-screen profile a participant fills in when joining."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from realtime.schema import FORM_TEXT

from .models import Country, Language, Stakeholder


def zone_name(value: str, *, message: str) -> str:
    """A known IANA time zone name (stripped), else a ValidationError with `message`.
    Shared by the profile and the workshop form (its home time zone)."""
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise forms.ValidationError(message) from None
    return name


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=80, validators=[FORM_TEXT])
    # No default: a skipped field would skew the country counts used for grouping and the
    # report. A returning person finds their last answers filled in (views.join_link).
    country = forms.ChoiceField(label=_("Country"), choices=[("", _("Choose…")), *Country.choices],
                                error_messages={"required": _("Please choose your country.")})
    stakeholder = forms.ChoiceField(label=_("You are a..."), choices=[("", _("Choose…")), *Stakeholder.choices],
                                    error_messages={"required": _("Please choose your stakeholder group.")})
    organisation = forms.CharField(label=_("Organisation (optional)"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    timezone_name = forms.CharField(label=_("Your time zone"), max_length=64, initial="Asia/Almaty")
    consent = forms.BooleanField(
        label=_("I agree that my name, country and contributions are recorded for the workshop report."),
    )

    def __init__(self, *args, require_consent: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["timezone_name"].widget.attrs.update({"data-guess-timezone": "1", "list": "tz-list"})
        if not require_consent:
            del self.fields["consent"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please tell us your name."))
        return name

    def clean_timezone_name(self) -> str:
        return zone_name(self.cleaned_data["timezone_name"], message=_("Unknown time zone, e.g. Asia/Almaty."))
