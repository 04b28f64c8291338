"""Reads for reports: one workshop's whole record, loaded in a fixed number of queries.

Every export (flash report, CSV/XLSX, pictures, attendance) starts from one
`WorkshopData`, so the number of queries does not grow with the number of notes,
boards or people (tests/reports/test_selectors.py counts them). Reports never write
the other apps' tables; the only exception is reports.archive.import_archive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from mapping.models import Board, Category, Cluster, Comment, Link, Note, Vote
from participants.models import Attendance, Country, Participant, Stakeholder
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop


@dataclass
class WorkshopData:
    """Everything a report reads about one workshop, keyed for in-memory joins."""

    workshop: Workshop
    sessions: list[Session]
    participants: dict[int, Participant]
    attendance: dict[int, set[int]]  # session id -> participant ids
    rounds: list[BreakoutRound]
    groups: dict[int, BreakoutGroup]
    memberships: list[GroupMembership]
    boards: list[Board]
    categories: dict[int, Category]
    clusters: dict[int, Cluster]
    notes: list[Note]  # visible notes only (not deleted, not still private), in board/id order
    votes: dict[int, int]  # note id -> votes
    comments: dict[int, int]  # note id -> comments
    links: list[Link]
    children: dict[int, list[Note]] = field(default_factory=dict)  # proposal id -> support ideas

    @property
    def sessions_by_id(self) -> dict[int, Session]:
        return {s.pk: s for s in self.sessions}

    def links_count(self, note_id: int) -> int:
        return self._links_count.get(note_id, 0)

    def __post_init__(self) -> None:
        counts: dict[int, int] = defaultdict(int)
        for link in self.links:
            counts[link.source_id] += 1
            counts[link.target_id] += 1
        self._links_count = dict(counts)
        children: dict[int, list[Note]] = defaultdict(list)
        for note in self.notes:
            if note.parent_id is not None:
                children[note.parent_id].append(note)
        self.children = dict(children)


def visible_notes(queryset):
    """Notes a report may show: not deleted, and not still private to their author."""
    return queryset.filter(deleted_at__isnull=True).exclude(private=True, board__revealed_at__isnull=True)


def workshop_data(*, workshop_id: int) -> WorkshopData:
    """Load one workshop for reporting in a constant number of queries (13).

    Raises Workshop.DoesNotExist when there is no such workshop.
    """
    workshop = Workshop.objects.get(pk=workshop_id)
    sessions = list(
        Session.objects.filter(workshop_id=workshop_id)
        .order_by("order", "starts_at", "id")
        .prefetch_related(Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "id")))
    )
    participants = {p.pk: p for p in Participant.objects.filter(workshop_id=workshop_id).order_by("id")}
    attendance: dict[int, set[int]] = {s.pk: set() for s in sessions}
    for session_id, participant_id in Attendance.objects.filter(session__workshop_id=workshop_id).values_list(
        "session_id", "participant_id"
    ):
        attendance.setdefault(session_id, set()).add(participant_id)
    rounds = list(BreakoutRound.objects.filter(session__workshop_id=workshop_id).order_by("session__order", "id"))
    groups = {
        g.pk: g
        for g in BreakoutGroup.objects.filter(round__session__workshop_id=workshop_id)
        .select_related("round")
        .order_by("round_id", "order", "id")
    }
    memberships = list(GroupMembership.objects.filter(round__session__workshop_id=workshop_id).order_by("id"))
    # Sorted here, not in SQL: databases disagree on where NULL (the plenary board) sorts.
    boards = sorted(
        Board.objects.filter(session__workshop_id=workshop_id).select_related("session", "group").order_by("pk"),
        key=lambda b: (
            b.session.order, b.session_id, b.group_id is not None, b.group.round_id if b.group_id else 0,
            b.group.order if b.group_id else 0, b.group_id or 0, b.pk,
        ),
    )
    categories = {c.pk: c for c in Category.objects.filter(board__session__workshop_id=workshop_id).order_by("pk")}
    clusters = {c.pk: c for c in Cluster.objects.filter(board__session__workshop_id=workshop_id).order_by("id")}
    board_order = {b.pk: i for i, b in enumerate(boards)}
    notes = sorted(
        visible_notes(Note.objects.filter(board__session__workshop_id=workshop_id).order_by("pk")),
        key=lambda n: (board_order[n.board_id], n.pk),
    )
    votes = dict(
        Vote.objects.filter(note__board__session__workshop_id=workshop_id)
        .order_by()
        .values("note_id")
        .annotate(n=Count("id"))
        .values_list("note_id", "n")
    )
    comments = dict(
        Comment.objects.filter(note__board__session__workshop_id=workshop_id)
        .order_by()
        .values("note_id")
        .annotate(n=Count("id"))
        .values_list("note_id", "n")
    )
    visible_ids = {n.pk for n in notes}
    links = [
        link
        for link in Link.objects.filter(board__session__workshop_id=workshop_id).order_by("id")
        if link.source_id in visible_ids and link.target_id in visible_ids
    ]
    return WorkshopData(
        workshop=workshop, sessions=sessions, participants=participants, attendance=attendance, rounds=rounds,
        groups=groups, memberships=memberships, boards=boards, categories=categories, clusters=clusters,
        notes=notes, votes=votes, comments=comments, links=links,
    )


# --- Small lookups shared by the renderers -------------------------------------------------


def country_order(code: str) -> tuple[int, str]:
    """Countries in the order of participants.models.Country (Kazakhstan first, Other last)."""
    values = list(Country.values)
    return (values.index(code) if code in values else len(values), code)


def country_label(code: str) -> str:
    try:
        return str(Country(code).label)
    except ValueError:
        return code


def stakeholder_label(code: str) -> str:
    try:
        return str(Stakeholder(code).label)
    except ValueError:
        return code


@dataclass(frozen=True)
class Provenance:
    session: str
    group: str
    country: str
    stakeholder: str  # code, for tier splits
    author: str  # display name; empty unless the board is named

    def parts(self) -> list[str]:
        return [p for p in (self.session, self.group, self.country, stakeholder_label(self.stakeholder)
                            if self.stakeholder else "") if p]


def provenance(data: WorkshopData, note: Note, board: Board) -> Provenance | None:
    """Where a note came from, as the report may show it; None on an anonymous board.

    A pulled or carried-forward note keeps its origin in `note.provenance`
    ({session, group, country, stakeholder}); values may be ids or names. Names only
    appear for boards in named mode.
    """
    if board.author_mode == Board.AuthorMode.ANONYMOUS:
        return None
    stored = note.provenance or {}
    author = data.participants.get(note.author_id) if note.author_id else None
    session_title = board.session.title
    group_name = board.group.name if board.group_id else ""
    country = author.country if author else ""
    stakeholder = author.stakeholder if author else ""
    if stored:
        sessions = data.sessions_by_id
        value = stored.get("session")
        if isinstance(value, int) and value in sessions:
            session_title = sessions[value].title
        elif isinstance(value, str) and value:
            session_title = value
        value = stored.get("group")
        if isinstance(value, int) and value in data.groups:
            group_name = data.groups[value].name
        elif isinstance(value, str):
            group_name = value
        country = stored.get("country") or country
        stakeholder = stored.get("stakeholder") or stakeholder
    name = author.display_name if (author and board.author_mode == Board.AuthorMode.NAMED) else ""
    return Provenance(
        session=session_title, group=group_name, country=country_label(country) if country else "",
        stakeholder=stakeholder, author=name,
    )


def stakeholder_code(data: WorkshopData, note: Note) -> str:
    """The stakeholder group behind a note (stored provenance first, then its author)."""
    stored = (note.provenance or {}).get("stakeholder")
    if stored:
        return str(stored)
    author = data.participants.get(note.author_id) if note.author_id else None
    return author.stakeholder if author else ""
