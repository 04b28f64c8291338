"""The live board: boards, categories, notes, links, clusters, comments, votes, and the
event log that is the truth about every change (BoardEvent, one seq per board).

Rows change only through mapping.services.apply_op, which appends the event in the same
transaction; see docs/protocol.md.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workshops.models import Attribution


class Board(models.Model):
    class Template(models.TextChoices):
        CONCEPT_MAP = "concept_map", _("Concept map")
        REFLECTION = "reflection", _("Reflection")
        PROPOSALS = "proposals", _("Regional cooperation proposals")
        BLANK = "blank", _("Blank")

    AuthorMode = Attribution  # one set of choices with the workshop's default for new boards

    session = models.ForeignKey("workshops.Session", on_delete=models.CASCADE, related_name="boards")
    # Null: the session's plenary board; set: the group's own board.
    group = models.ForeignKey(
        "workshops.BreakoutGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="boards"
    )
    title = models.CharField(_("title"), max_length=200)
    template = models.CharField(_("template"), max_length=16, choices=Template.choices)
    author_mode = models.CharField(
        _("authors shown"), max_length=16, choices=AuthorMode.choices, default=AuthorMode.NAMED
    )
    vote_budget = models.PositiveSmallIntegerField(_("votes per person"), default=5)
    private_until_reveal = models.BooleanField(_("private until revealed"), default=False)
    revealed_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    # A carried-forward input board (an earlier session's plenary) is read-only.
    read_only_input = models.BooleanField(default=False)
    source_board = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_into"
    )
    head_seq = models.PositiveBigIntegerField(default=0)
    # Seq of the last change of author_mode: older events show authors the old way, so a
    # client behind it catches up from a snapshot, never by replay.
    mode_changed_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # By ids: ordering through the related models loops (session -> round -> session).
        ordering = ["session_id", "group_id", "id"]
        verbose_name = _("board")
        verbose_name_plural = _("boards")

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="categories")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(_("name"), max_length=120)
    colour = models.CharField(max_length=7, default="#fff3b0")

    class Meta:
        ordering = ["board", "order", "id"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Cluster(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(_("name"), max_length=120)
    # On a read-only input board: the cluster of the source board this one mirrors.
    source_cluster = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    MAX_TEXT = 500

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="notes")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    # A support idea beneath a proposal card (proposals template).
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    text = models.CharField(_("text"), max_length=MAX_TEXT)
    colour = models.CharField(max_length=7, blank=True)
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    author = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written while the board is private-until-reveal: only its author sees it until revealed.
    private = models.BooleanField(default=False)
    # Where a pulled or carried-forward note came from: {session, group, country, stakeholder, note}.
    provenance = models.JSONField(default=dict, blank=True)
    source_note = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["board", "id"]
        constraints = [
            # A board holds at most one live copy of a note: pulling it again returns that copy.
            models.UniqueConstraint(
                fields=["board", "source_note"], name="uniq_live_copy_per_board",
                condition=models.Q(source_note__isnull=False, deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Link(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="links_in")
    label = models.CharField(_("label"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"


class Comment(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=1000)
    # On a read-only input board: the comment of the source board this one mirrors.
    source_comment = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Vote(models.Model):
    """One dot: a person may put several dots on one note, within the board's budget."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey("participants.Participant", on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"vote {self.voter_id} -> {self.note_id}"


class BoardEvent(models.Model):
    """The log: every applied op, in the board's order. Replay and audit read it."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    op = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    op_id = models.CharField(max_length=64, blank=True)
    actor_participant = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the ack carried (ids made), so a resent op id gets the very same ack.
    result = models.JSONField(default=dict, blank=True)
    # Set for an event about a private (not yet revealed) note: only this participant and
    # the board's moderators see its content; everyone else gets a seq placeholder.
    private_to = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["board", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["board", "seq"], name="uniq_board_seq"),
        ]
        indexes = [models.Index(fields=["board", "op_id"], name="board_event_op_id")]

    def __str__(self) -> str:
        return f"{self.board_id}#{self.seq} {self.op}"
