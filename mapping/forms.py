"""Forms for boards a facilitator adds to a session from the console."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Board

MAX_CATEGORIES = 12
PALETTE = ["#cfe8ff", "#d9f2d9", "#ffd6d6", "#ffe7c2", "#e6dcff", "#fff3b0", "#d6f5f5", "#f5d6eb"]


class BoardForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Empty: the template's name."))
    template = forms.ChoiceField(label=_("Template"), choices=Board.Template.choices,
                                 initial=Board.Template.REFLECTION)
    author_mode = forms.ChoiceField(label=_("Who wrote a note is shown"), choices=Board.AuthorMode.choices,
                                    initial=Board.AuthorMode.NAMED)
    categories = forms.CharField(label=_("Categories of a blank board, one per line"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if any(ord(c) < 32 for c in title):
            raise forms.ValidationError(_("Control characters are not allowed."))
        return title

    def clean_categories(self) -> list[tuple[str, str]] | None:
        lines = [line.strip() for line in self.cleaned_data["categories"].splitlines() if line.strip()]
        if len(lines) > MAX_CATEGORIES:
            raise forms.ValidationError(_("At most %(n)d categories.") % {"n": MAX_CATEGORIES})
        if any(len(line) > 80 for line in lines):
            raise forms.ValidationError(_("A category name has at most 80 characters."))
        if len({line.casefold() for line in lines}) != len(lines):
            raise forms.ValidationError(_("Each category once."))
        return [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(lines)] or None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("categories") and cleaned.get("template") != Board.Template.BLANK:
            self.add_error("categories", _("Only a blank board takes its own categories; the others come with theirs."))
        return cleaned
