"""Workshops, their ordered sessions, agendas, join links and breakout groups.

All datetimes are stored in UTC; a workshop's `home_timezone` is how its organisers
speak of times ("10:00 Turin time"), each viewer sees their own zone beside it.
"""

import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read aloud or typed on a phone survives.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Attribution(models.TextChoices):
    """How a board shows who wrote each note (Board.AuthorMode), and a workshop's default
    for its new boards."""

    NAMED = "named", _("Named")
    BY_ROLE = "by_role", _("Attributed by role")
    ANONYMOUS = "anonymous", _("Anonymous")


class WorkshopQuerySet(models.QuerySet):
    def run_by(self, user) -> "WorkshopQuerySet":
        """The workshops this facilitator account runs: those it created (their owner) and
        those it co-facilitates; a superuser runs them all. A workshop with neither owner
        nor co-facilitators (made by a command, or its owner's account was deleted) is
        run by every facilitator, so that somebody can still open it and name its people.
        Callers check first that the user is a facilitator at all."""
        if getattr(user, "is_superuser", False):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ownerless = models.Q(created_by__isnull=True) & ~models.Exists(
            Workshop.co_facilitators.through.objects.filter(workshop_id=models.OuterRef("pk")))
        return self.filter(models.Q(created_by=user) | models.Q(co_facilitators=user) | ownerless).distinct()


class Workshop(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    objectives = models.TextField(_("main objectives"), blank=True)
    background = models.TextField(_("background"), blank=True)
    description = models.TextField(_("short description"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    contact_persons = models.TextField(_("contact persons"), blank=True, help_text=_("One per line."))
    country_coordinator = models.CharField(_("country coordinator"), max_length=200, blank=True)
    home_timezone = models.CharField(_("home time zone"), max_length=64, default="Europe/Rome")
    home_city = models.CharField(
        _("home city"), max_length=80, default="Turin", help_text=_('Used in "10:00 Turin time".')
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # Privacy by default: government and donor participants speak more freely when their
    # names are not on the board. Each board can still be changed on its own.
    default_author_mode = models.CharField(
        _("authors shown on new boards"), max_length=16, choices=Attribution.choices, default=Attribution.BY_ROLE,
        help_text=_("Named: name, country and role. By role: country and role only. Anonymous: nothing about "
                    "the author. Each board can be changed later."),
    )
    # The owner; with the co-facilitators, the only facilitators who see and change it
    # (WorkshopQuerySet.run_by; participants.identity reads these through the user).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_workshops"
    )
    co_facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_facilitated_workshops",
        verbose_name=_("co-facilitators"),
        help_text=_("Facilitators who see and run this workshop with you."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        permissions = [
            ("facilitate", _("Can create and run workshops")),
            ("export", _("Can export reports and data")),
        ]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return self.title

    @property
    def home_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.home_timezone)


class Session(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    audience = models.JSONField(_("audience"), default=list, blank=True, help_text=_("Stakeholder group codes."))
    builds_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followed_by",
        verbose_name=_("builds on"),
    )
    current_item = models.ForeignKey(
        "AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("current agenda item"),
    )
    # Everyone in plenary (False) or in their breakout groups (True).
    groups_open = models.BooleanField(default=False)
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_label = models.CharField(max_length=120, blank=True)
    # A paused countdown: the seconds it had left (timer_ends_at is then null).
    timer_paused_left = models.PositiveIntegerField(null=True, blank=True)
    # When this countdown ends, the groups are called back (live.consumers.Ticker).
    timer_recalls = models.BooleanField(default=False)
    # The facilitator's last message to everyone, kept so late joiners and reconnecting
    # participants see it too; empty when cleared.
    message_text = models.CharField(max_length=500, blank=True)
    message_from = models.CharField(max_length=200, blank=True)
    message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workshop", "order", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["workshop", "order"], name="uniq_session_order")]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.title


class JoinLink(models.Model):
    """A way into one session: a URL token and a short code, revocable, expiring."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="join_links")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    role = models.CharField(max_length=16, default="participant")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("join link")
        verbose_name_plural = _("join links")

    def __str__(self) -> str:
        return self.code

    def is_open(self, now=None) -> bool:
        """Whether the link lets people join now: not revoked and not expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def role_label(self) -> str:
        """The role this link joins as, in the reader's language."""
        from participants.models import Role

        return str(Role(self.role).label) if self.role in Role.values else self.role


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PANEL = "panel", _("Panel discussion")
        GROUP_WORK = "group_work", _("Group work")
        PLENARY = "plenary", _("Plenary")
        BREAK = "break", _("Break")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PLENARY)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=15)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class BreakoutRound(models.Model):
    """One round of group work: its groups and how people were assigned."""

    class Strategy(models.TextChoices):
        MANUAL = "manual", _("Manual")
        RANDOM = "random", _("Random, balanced")
        MIXED_COUNTRIES = "mixed_countries", _("Mixed countries")
        MIXED_STAKEHOLDERS = "mixed_stakeholders", _("Mixed stakeholder groups")
        SAME_STAKEHOLDER = "same_stakeholder", _("Same stakeholder group")
        SELF_SELECT = "self_select", _("Self-select")
        NO_REPEAT = "no_repeat", _("No repeat pairings")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rounds")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds"
    )
    strategy = models.CharField(_("strategy"), max_length=24, choices=Strategy.choices, default=Strategy.RANDOM)
    # The template of the groups' boards (mapping.models.Board.Template values; workshops
    # does not import mapping). Empty: as the agenda item suggests (a concept map unless
    # it is a reflection or proposals round).
    board_template = models.CharField(_("board for the groups"), max_length=16, blank=True, choices=[
        ("", _("As the agenda item suggests")), ("concept_map", _("Concept map")), ("reflection", _("Reflection")),
        ("proposals", _("Regional cooperation proposals")), ("blank", _("Blank")),
    ])
    self_select_cap = models.PositiveSmallIntegerField(_("places per group"), null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.session} / {self.get_strategy_display()}"


class BreakoutGroup(models.Model):
    round = models.ForeignKey(BreakoutRound, on_delete=models.CASCADE, related_name="groups")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(_("name"), max_length=120)
    video_url = models.URLField(_("video room link"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    help_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "order", "id"]
        verbose_name = _("breakout group")
        verbose_name_plural = _("breakout groups")

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """A participant in a group of one round; `is_rapporteur` marks who reports back."""

    group = models.ForeignKey(BreakoutGroup, on_delete=models.CASCADE, related_name="memberships")
    round = models.ForeignKey(BreakoutRound, on_delete=models.CASCADE, related_name="memberships")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="memberships"
    )
    is_rapporteur = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # One group per person per round: moving is an update, never a second row.
            models.UniqueConstraint(fields=["round", "participant"], name="uniq_membership_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.group_id}"


class SessionEvent(models.Model):
    """The session's log, as BoardEvent is a board's: every live change of the session
    (agenda, timer, message, groups opened/recalled, moves, rapporteurs, signals) with the
    session's next seq, so clients notice a lost frame, and a resent op id is recognised
    (`op_id` + actor) however long ago it was sent. Written only by workshops.events.emit.

    `audience` empty: everyone in the session sees the frame. Otherwise the streams that
    get it in full (facilitators always); everyone else gets a placeholder with the seq.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    audience = models.JSONField(default=list, blank=True)
    op_id = models.CharField(max_length=64, blank=True)
    actor_participant = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ack's extra fields, so a resent op id gets the very same ack.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="uniq_session_seq")]
        indexes = [models.Index(fields=["session", "op_id"], name="session_event_op_id")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.type}"
