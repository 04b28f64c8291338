"""Validation of what facilitators type: workshops, sessions (times in the workshop's
home zone), agenda items, join links, breakout rounds and groups."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from participants.forms import zone_name
from participants.models import Role, Stakeholder
from realtime.schema import FORM_TEXT

from .models import AgendaItem, BreakoutGroup, BreakoutRound, Session, Workshop


class WorkshopForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=[("en", _("English")), ("ru", _("Russian"))],
        widget=forms.CheckboxSelectMultiple, initial=["en", "ru"],
    )

    class Meta:
        model = Workshop
        fields = ["title", "objectives", "background", "description", "organiser", "contact_persons",
                  "country_coordinator", "home_timezone", "home_city", "languages"]
        widgets = {"objectives": forms.Textarea(attrs={"rows": 3}), "background": forms.Textarea(attrs={"rows": 3}),
                   "description": forms.Textarea(attrs={"rows": 2}),
                   "contact_persons": forms.Textarea(attrs={"rows": 2})}

    def clean_home_timezone(self) -> str:
        return zone_name(self.cleaned_data["home_timezone"], message=_("Unknown time zone, e.g. Europe/Rome."))


class SessionForm(forms.Form):
    """Date and times as the organisers speak of them: in the workshop's home zone."""

    title = forms.CharField(label=_("Title"), max_length=200, validators=[FORM_TEXT])
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts at (home time)"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at (home time)"), widget=forms.TimeInput(attrs={"type": "time"}))
    audience = forms.MultipleChoiceField(label=_("Audience"), choices=Stakeholder.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    builds_on = forms.ModelChoiceField(label=_("Builds on"), queryset=Session.objects.none(), required=False)

    def __init__(self, *args, workshop: Workshop, instance: Session | None = None, **kwargs):
        self.workshop = workshop
        if instance is not None and "initial" not in kwargs:
            start = instance.starts_at.astimezone(workshop.home_zone)
            end = instance.ends_at.astimezone(workshop.home_zone)
            kwargs["initial"] = {"title": instance.title, "date": start.date(), "start": start.time(),
                                 "end": end.time(), "audience": instance.audience, "builds_on": instance.builds_on}
        super().__init__(*args, **kwargs)
        others = Session.objects.filter(workshop=workshop)
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        self.fields["builds_on"].queryset = others

    def clean(self):
        data = super().clean()
        if {"date", "start", "end"} <= data.keys():
            zone = self.workshop.home_zone
            data["starts_at"] = dt.datetime.combine(data["date"], data["start"], tzinfo=zone).astimezone(dt.UTC)
            data["ends_at"] = dt.datetime.combine(data["date"], data["end"], tzinfo=zone).astimezone(dt.UTC)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("The session must end after it starts."))
        return data


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "kind", "planned_minutes", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "description"):  # shown live to everyone (agenda.current)
            self.fields[name].validators.append(FORM_TEXT)


class JoinLinkForm(forms.Form):
    role = forms.ChoiceField(label=_("People joining are"),
                             choices=[(Role.PARTICIPANT, _("Participants")), (Role.OBSERVER, _("Observers"))])
    expires_in_hours = forms.IntegerField(label=_("Expires after (hours, empty: never)"), min_value=1,
                                          max_value=24 * 90, required=False)


class RoundForm(forms.Form):
    agenda_item = forms.ModelChoiceField(label=_("For agenda item"), queryset=AgendaItem.objects.none(),
                                         required=False)
    n_groups = forms.IntegerField(label=_("Number of groups"), min_value=1, max_value=50, initial=4)
    strategy = forms.ChoiceField(label=_("Assign people"), choices=BreakoutRound.Strategy.choices,
                                 initial=BreakoutRound.Strategy.MIXED_COUNTRIES)
    cap = forms.IntegerField(label=_("Places per group (self-select)"), min_value=1, max_value=200, required=False)
    board_template = forms.ChoiceField(label=_("Board for the groups"),
                                       choices=BreakoutRound._meta.get_field("board_template").choices, required=False)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(
            session=session, kind=AgendaItem.Kind.GROUP_WORK
        )
        if session.current_item_id and session.current_item.kind == AgendaItem.Kind.GROUP_WORK:
            self.fields["agenda_item"].initial = session.current_item_id
        # The next round starts from what the last one used, not from the defaults.
        last = session.rounds.order_by("-created_at", "-id").annotate(n=Count("groups")).first()
        if last is not None:
            self.fields["n_groups"].initial = last.n or self.fields["n_groups"].initial
            self.fields["strategy"].initial = last.strategy
            self.fields["cap"].initial = last.self_select_cap
            self.fields["board_template"].initial = last.board_template


class GroupForm(forms.ModelForm):
    video_url = forms.URLField(label=_("Video room link"), required=False, assume_scheme="https")

    class Meta:
        model = BreakoutGroup
        fields = ["name", "video_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(FORM_TEXT)
