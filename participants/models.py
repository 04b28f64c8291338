"""Who someone is in a workshop.

A Participant is one person within one workshop, with no account: they join through a
session's link or code and keep a personal rejoin token. Attending session two after
session one is the same Participant with two Attendance rows.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    KAZAKHSTAN = "KZ", _("Kazakhstan")
    KYRGYZ_REPUBLIC = "KG", _("Kyrgyz Republic")
    TAJIKISTAN = "TJ", _("Tajikistan")
    UZBEKISTAN = "UZ", _("Uzbekistan")
    TURKMENISTAN = "TM", _("Turkmenistan")
    OTHER = "XX", _("Other")


class Stakeholder(models.TextChoices):
    VET_STUDENT = "vet_student", _("VET student")
    TEACHER = "teacher", _("Teacher")
    SCHOOL_MANAGER = "school_manager", _("School manager")
    INSERVICE_TRAINER = "inservice_trainer", _("In-service trainer")
    POLICY_MAKER = "policy_maker", _("Policy maker")
    DONOR = "donor", _("Donor")
    EC_SERVICES = "ec_services", _("EC services")
    OTHER = "other", _("Other")


#: Stakeholder tiers used to split outcomes in the flash report.
PRACTITIONERS = frozenset(
    {Stakeholder.VET_STUDENT, Stakeholder.TEACHER, Stakeholder.SCHOOL_MANAGER, Stakeholder.INSERVICE_TRAINER}
)
POLICY_TIER = frozenset({Stakeholder.POLICY_MAKER, Stakeholder.DONOR, Stakeholder.EC_SERVICES})


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    OBSERVER = "observer", _("Observer")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    FACILITATOR = "facilitator", _("Facilitator")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")


def new_rejoin_token() -> str:
    return secrets.token_urlsafe(24)


class Participant(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey("workshops.Workshop", on_delete=models.CASCADE, related_name="participants")
    # Set for a facilitator or staff member who takes part through their account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    display_name = models.CharField(_("display name"), max_length=80)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    stakeholder = models.CharField(_("stakeholder group"), max_length=32, choices=Stakeholder.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=5, choices=Language.choices, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Almaty")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PARTICIPANT)
    consent_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    rejoin_token = models.CharField(max_length=64, unique=True, default=new_rejoin_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.display_name


class Attendance(models.Model):
    """A participant's presence in one session: joined once, seen last at."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey("workshops.Session", on_delete=models.CASCADE, related_name="attendances")
    joined_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "session"], name="uniq_attendance")]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.session_id}"
