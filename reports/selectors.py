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
from mapping.services import shown_category_name
from participants.models import Attendance, Country, Participant, Role, Stakeholder
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop

#: Roles counted as participants; observers and facilitators are counted apart.
PARTICIPANT_ROLES = frozenset({Role.PARTICIPANT, Role.RAPPORTEUR})


@dataclass
class WorkshopData:
    """Everything a report reads about one workshop, keyed for in-memory joins.

    Items: a pulled or carried-forward note is a copy of its source note (`source_note`,
    or `provenance["note"]` for older copies); a note and all its copies are one *item*,
    rooted at the note first written. The report shows each item once, at its
    representative (`shows`), with the votes of all its copies summed (`item_votes`),
    except the copies on read-only input boards, whose votes mirror their source's.
    """

    workshop: Workshop
    sessions: list[Session]
    participants: dict[int, Participant]  # everyone, any role (authors may be observers' or facilitators')
    attendance: dict[int, set[int]]  # session id -> ids of participants (PARTICIPANT_ROLES) present
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
    # session id -> role -> ids of observers and facilitators present (counted apart)
    attendance_apart: dict[int, dict[str, set[int]]] = field(default_factory=dict)
    children: dict[int, list[Note]] = field(default_factory=dict)  # proposal id -> support ideas

    @property
    def sessions_by_id(self) -> dict[int, Session]:
        return {s.pk: s for s in self.sessions}

    @property
    def boards_by_id(self) -> dict[int, Board]:
        return self._boards_by_id

    # --- Items: a note and its copies counted once ---------------------------------------

    def source_id(self, note: Note) -> int | None:
        """The note `note` was copied from (pulled or carried), if any, visible or not."""
        if note.source_note_id is not None:
            return note.source_note_id
        stored = (note.provenance or {}).get("note")
        return stored if isinstance(stored, int) and stored != note.pk else None

    def root_id(self, note: Note) -> int:
        """The id of the note this item was first written as (itself when not a copy)."""
        return self._root[note.pk]

    def copies(self, note: Note) -> list[Note]:
        """Every visible note of `note`'s item, the original first, then by id."""
        return self._members[self._root[note.pk]]

    def shows(self, note: Note) -> bool:
        """Whether the report lists `note` as its item (once per item, never a copy beside
        its source). The representative is the first copy on a plenary board (the
        session's synthesis, earliest session first), else the original; never a copy on
        a read-only input board."""
        return self._shown.get(self._root[note.pk]) == note.pk

    def item_votes(self, note: Note) -> int:
        """Votes of `note`'s item: its copies' votes summed (a pulled note keeps the group's
        votes and gains the plenary's), without the input boards' mirrored votes."""
        return self._item_votes[self._root[note.pk]]

    def representative(self, root_id: int) -> Note | None:
        shown = self._shown.get(root_id)
        return self._notes_by_id[shown] if shown is not None else None

    def item_children(self, note: Note) -> list[Note]:
        """Support ideas of `note`'s item: the children of every copy, one per item."""
        found: dict[int, Note] = {}
        for member in self.copies(note):
            if self._boards_by_id[member.board_id].read_only_input:
                continue
            for child in self.children.get(member.pk, []):
                root = self._root[child.pk]
                if root not in found or self.shows(child):
                    found[root] = child
        return list(found.values())

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
        self._boards_by_id = {b.pk: b for b in self.boards}
        self._index_items()

    def _index_items(self) -> None:
        by_id = {n.pk: n for n in self.notes}
        self._notes_by_id = by_id
        root: dict[int, int] = {}
        for note in self.notes:
            chain = [note.pk]
            current = note
            while True:
                source = self.source_id(current)
                if source is None or source not in by_id or source in chain:
                    break
                if source in root:
                    chain.append(root[source])
                    break
                chain.append(source)
                current = by_id[source]
            for pk in chain:
                root[pk] = chain[-1]
        self._root = root
        members: dict[int, list[Note]] = defaultdict(list)
        for note in sorted(self.notes, key=lambda n: (n.pk != root[n.pk], n.pk)):
            members[root[note.pk]].append(note)
        self._members = dict(members)
        order = {s.pk: i for i, s in enumerate(self.sessions)}
        board_order = {b.pk: i for i, b in enumerate(self.boards)}
        self._shown: dict[int, int] = {}
        self._item_votes: dict[int, int] = {}
        for root_id, notes in self._members.items():
            own = [n for n in notes if not self._boards_by_id[n.board_id].read_only_input]
            self._item_votes[root_id] = sum(self.votes.get(n.pk, 0) for n in own)
            plenary = [n for n in own if self._boards_by_id[n.board_id].group_id is None]
            if plenary:
                first = min(plenary, key=lambda n: (
                    order.get(self._boards_by_id[n.board_id].session_id, 0), board_order[n.board_id], n.pk))
                self._shown[root_id] = first.pk
            elif own:
                self._shown[root_id] = own[0].pk


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
    apart: dict[int, dict[str, set[int]]] = {s.pk: {} for s in sessions}
    for session_id, participant_id in Attendance.objects.filter(session__workshop_id=workshop_id).values_list(
        "session_id", "participant_id"
    ):
        role = participants[participant_id].role
        if role in PARTICIPANT_ROLES:
            attendance.setdefault(session_id, set()).add(participant_id)
        else:
            apart.setdefault(session_id, {}).setdefault(role, set()).add(participant_id)
    rounds = list(
        BreakoutRound.objects.filter(session__workshop_id=workshop_id)
        .select_related("agenda_item")
        .order_by("session__order", "session_id", "created_at", "id")
    )
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
    for category in categories.values():  # template categories in the export's language
        category.name = shown_category_name(category.name)
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
        notes=notes, votes=votes, comments=comments, links=links, attendance_apart=apart,
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


@dataclass(frozen=True)
class Origin:
    """Where a note was written: for a copy, its source's session, group and author."""

    session: str
    group: str
    country: str  # code
    stakeholder: str  # code
    name: str  # the author's display name, whatever the board's mode (callers decide)


def origin(data: WorkshopData, note: Note, board: Board) -> Origin:
    """Where `note` came from, before any hiding. A pulled or carried-forward note keeps
    its origin in `note.provenance` ({session, session_title, group, country, stakeholder,
    name, note}); values may be ids or names. A copy has no author of its own."""
    stored = note.provenance or {}
    author = data.participants.get(note.author_id) if note.author_id else None
    session_title = board.session.title
    group_name = board.group.name if board.group_id else ""
    country = author.country if author else ""
    stakeholder = author.stakeholder if author else ""
    name = author.display_name if author else ""
    if stored:
        sessions = data.sessions_by_id
        value = stored.get("session")
        if isinstance(value, int) and value in sessions:
            session_title = sessions[value].title
        elif isinstance(value, str) and value:
            session_title = value
        elif stored.get("session_title"):
            session_title = str(stored["session_title"])
        value = stored.get("group")
        if isinstance(value, int) and value in data.groups:
            group_name = data.groups[value].name
        elif isinstance(value, str):
            group_name = value
        elif "session" in stored:  # copied from a plenary board: no group
            group_name = ""
        country = stored.get("country") or country
        stakeholder = stored.get("stakeholder") or stakeholder
        name = stored.get("name") or name
    return Origin(session=session_title, group=group_name, country=str(country), stakeholder=str(stakeholder),
                  name=str(name))


def provenance(data: WorkshopData, note: Note, board: Board) -> Provenance | None:
    """Where a note came from, as the report may show it; None on an anonymous board.

    Names only appear for boards in named mode (a copy's name only if its source board
    showed it: mapping.services._provenance stores none otherwise).
    """
    if board.author_mode == Board.AuthorMode.ANONYMOUS:
        return None
    found = origin(data, note, board)
    return Provenance(
        session=found.session, group=found.group, country=country_label(found.country) if found.country else "",
        stakeholder=found.stakeholder, author=found.name if board.author_mode == Board.AuthorMode.NAMED else "",
    )


@dataclass(frozen=True)
class LinkCount:
    source: str  # category name ("" when not categorised)
    target: str
    links: int


def link_summary(data: WorkshopData, boards: list[Board]) -> list[LinkCount]:
    """Links between items on `boards`, by the categories of their ends, most first.

    A link and its copies (pulled or carried with their notes) count once: ends are
    items (WorkshopData.root_id), a pair of items once whichever way it points, and each
    end's category is the one its item is shown under.
    """
    ids = {b.pk for b in boards}
    notes = {n.pk: n for n in data.notes}
    seen: set[frozenset[int]] = set()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for link in data.links:
        if link.board_id not in ids:
            continue
        ends = [data.root_id(notes[link.source_id]), data.root_id(notes[link.target_id])]
        pair = frozenset(ends)
        if len(pair) < 2 or pair in seen:
            continue
        seen.add(pair)
        names = []
        for root in ends:
            shown = data.representative(root) or notes[root]
            category = data.categories.get(shown.category_id) if shown.category_id else None
            names.append(category.name if category else "")
        counts[(names[0], names[1])] += 1
    return [LinkCount(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def stakeholder_code(data: WorkshopData, note: Note) -> str:
    """The stakeholder group behind a note (stored provenance first, then its author)."""
    stored = (note.provenance or {}).get("stakeholder")
    if stored:
        return str(stored)
    author = data.participants.get(note.author_id) if note.author_id else None
    return author.stakeholder if author else ""
