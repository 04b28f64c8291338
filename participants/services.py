"""Writes about people: creating a participant from the one-screen profile, editing it.

Joining a session (link, code, attendance, late-joiner placement) lives in
workshops.services.join_session, which calls create_participant.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Participant, Role


@transaction.atomic
def create_participant(
    *, workshop, display_name: str, country: str, stakeholder: str, organisation: str = "",
    language: str = "en", timezone_name: str = "Asia/Almaty", consent: bool, role: str = Role.PARTICIPANT,
) -> Participant:
    """A new person in `workshop`. Precondition: the profile was validated
    (participants.forms.ProfileForm) and consent is given; we refuse to store anyone who
    did not accept the data notice."""
    if not consent:
        raise ValueError("consent to the data notice is required")
    return Participant.objects.create(
        workshop=workshop, display_name=display_name.strip(), country=country, stakeholder=stakeholder,
        organisation=organisation.strip(), language=language, timezone=timezone_name, role=role,
        consent_at=timezone.now(),
    )


@transaction.atomic
def update_profile(
    *, participant: Participant, display_name: str, country: str, stakeholder: str, organisation: str = "",
    language: str = "en", timezone_name: str,
) -> Participant:
    """Change what a person said about themselves; their role and tokens stay."""
    participant.display_name = display_name.strip()
    participant.country = country
    participant.stakeholder = stakeholder
    participant.organisation = organisation.strip()
    participant.language = language
    participant.timezone = timezone_name
    participant.save(update_fields=["display_name", "country", "stakeholder", "organisation", "language",
                                    "timezone"])
    return participant
