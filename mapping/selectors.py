"""Reads of a board shared by the services (event payloads), the websocket catch-up
(snapshots) and the pages: how a note, link, comment... looks on the wire, and who may
see what. Authors are shown per the board's mode and never by name unless it is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from participants import permissions
from participants.identity import Actor
from participants.models import Attendance, Role
from realtime.errors import DomainError
from workshops.models import BreakoutRound, GroupMembership

from .models import Board, Category, Cluster, Comment, Link, Note, Vote


@dataclass(frozen=True)
class Access:
    """What one actor may do on one board (role x board, before the board's state)."""

    write: bool
    vote: bool
    moderate: bool
    pull: bool
    participant_id: int | None = None
    user_id: int | None = None
    system: bool = False

    def owns(self, obj: Note | Comment) -> bool:
        if self.participant_id is not None and obj.author_id == self.participant_id:
            return True
        return self.user_id is not None and obj.author_user_id == self.user_id


SYSTEM_ACCESS = Access(write=True, vote=False, moderate=True, pull=True, system=True)


def board_access(board: Board, actor: Actor | None) -> Access:
    """May `actor` see `board`, and what else may they do there? `None` is the system
    (demo loader, carry-forward): everything. Raises DomainError("not_found") for a board
    they may not see, the same answer as for a missing one.

    A group board is its members' (plus facilitators, and observers read-only); a
    session's plenary and input boards are for those who attend that session.
    """
    if actor is None:
        return SYSTEM_ACCESS
    if actor.is_facilitator:
        return Access(
            write=permissions.can(actor, permissions.BOARD_WRITE),
            vote=permissions.can(actor, permissions.BOARD_VOTE) and actor.participant is not None,
            moderate=permissions.can(actor, permissions.BOARD_MODERATE),
            pull=permissions.can(actor, permissions.BOARD_PULL),
            participant_id=actor.participant_id,
            user_id=actor.user_id,
        )
    participant = actor.participant
    workshop_id = board.session.workshop_id
    if participant is None or participant.workshop_id != workshop_id or not permissions.can(
        actor, permissions.BOARD_VIEW
    ):
        raise DomainError("not_found", "no such board")
    if board.group_id is not None:
        if participant.role != Role.OBSERVER and not GroupMembership.objects.filter(
            group_id=board.group_id, participant=participant
        ).exists():
            raise DomainError("not_found", "no such board")
    elif not Attendance.objects.filter(participant=participant, session_id=board.session_id).exists():
        # A session's plenary and input boards are for that session's attendees.
        raise DomainError("not_found", "no such board")
    return Access(
        write=permissions.can(actor, permissions.BOARD_WRITE),
        vote=permissions.can(actor, permissions.BOARD_VOTE),
        moderate=permissions.can(actor, permissions.BOARD_MODERATE),
        pull=permissions.can(actor, permissions.BOARD_PULL),
        participant_id=participant.pk,
        user_id=actor.user_id,
    )


def reports_back(*, participant_id: int, group_id: int) -> bool:
    """Is this participant the rapporteur of this group now? Only while the group's round
    is its session's current round (the newest that was opened, running or recalled): a
    rapporteur of an earlier round, or of session one in session two, is not one any more."""
    membership = GroupMembership.objects.filter(
        group_id=group_id, participant_id=participant_id, is_rapporteur=True
    ).select_related("round").first()
    if membership is None or membership.round.opened_at is None:
        return False
    round_ = membership.round
    newer = BreakoutRound.objects.filter(session_id=round_.session_id, opened_at__gt=round_.opened_at)
    return not newer.exists()


def author_view(mode: str, participant, user) -> dict[str, Any]:
    """How an author is shown on a board in `mode`: {name, country, stakeholder} when
    named, {country, stakeholder} by role, {} when anonymous or unknown."""
    if mode == Board.AuthorMode.ANONYMOUS:
        return {}
    if participant is not None:
        view = {"country": participant.country, "stakeholder": participant.stakeholder}
        if mode == Board.AuthorMode.NAMED:
            view["name"] = participant.display_name
        return view
    if user is not None:
        view = {"role": "facilitator"}
        if mode == Board.AuthorMode.NAMED:
            view["name"] = user.get_full_name() or user.get_username()
        return view
    return {}


_PRIVACY = {Board.AuthorMode.NAMED: 0, Board.AuthorMode.BY_ROLE: 1, Board.AuthorMode.ANONYMOUS: 2}


def strictest(*modes: str | None) -> str:
    """The most private of some author modes (None: no say)."""
    return max((m for m in modes if m), key=_PRIVACY.__getitem__, default=Board.AuthorMode.NAMED)


def provenance_view(mode: str, provenance: dict[str, Any], source_mode: str | None = None) -> dict[str, Any]:
    """A copied note's provenance as shown on a board in `mode`, when the boards it was
    copied from show authors as `source_mode` now (copy_source_modes): the stricter of the
    two wins, so a copy shows the author as the board it is on now allows and never more
    than its origin allows now. A name only when both are named (it was stored only if the
    origin was named when copied); no country or stakeholder group when either is
    anonymous. Where it came from (session, group, board) is always shown."""
    if not provenance:
        return {}
    shown = strictest(mode, source_mode)
    hidden = set()
    if shown != Board.AuthorMode.NAMED:
        hidden.add("name")
    if shown == Board.AuthorMode.ANONYMOUS:
        hidden |= {"country", "stakeholder"}
    return {k: v for k, v in provenance.items() if k not in hidden}


def copy_source_modes(notes) -> dict[int, str]:
    """note id -> the strictest author mode, now, of the boards each copied note came
    from: the board its provenance names (where it was written) and the board of the
    note it was copied from (a carried-forward input board follows its own source).
    Notes that are not copies are absent. Two queries, none without copies."""
    copies = [n for n in notes if n.provenance or n.source_note_id]
    if not copies:
        return {}
    via = dict(Note.objects.filter(pk__in={n.source_note_id for n in copies if n.source_note_id})
               .values_list("pk", "board_id"))
    origin = {n.pk: n.provenance.get("board") if isinstance(n.provenance.get("board"), int) else None
              for n in copies}
    board_ids = set(via.values()) | {b for b in origin.values() if b is not None}
    modes = dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "author_mode"))
    return {n.pk: strictest(modes.get(origin[n.pk]), modes.get(via.get(n.source_note_id))) for n in copies}


def note_dict(note: Note, mode: str, *, votes: int = 0, pulled: list[int] | None = None,
              source_modes: dict[int, str] | None = None) -> dict[str, Any]:
    """A note on the wire. `pulled`: the boards (other than read-only input boards) that
    hold a live copy of it, by id (see pulled_into). `source_modes`: copy_source_modes of
    a batch of notes including this one; left out, a copy looks its sources up itself."""
    if source_modes is None and (note.provenance or note.source_note_id):
        source_modes = copy_source_modes([note])
    return {
        "id": note.pk,
        "text": note.text,
        "category": note.category_id,
        "cluster": note.cluster_id,
        "parent": note.parent_id,
        "colour": note.colour,
        "x": note.x,
        "y": note.y,
        "author": author_view(mode, note.author, note.author_user),
        "private": note.private,
        "provenance": provenance_view(mode, note.provenance, (source_modes or {}).get(note.pk)),
        "votes": votes,
        "pulled": pulled or [],
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
    }


def pulled_into(notes) -> dict[int, list[int]]:
    """note id -> sorted ids of the boards holding a live copy of it (pulled there), read-only
    input boards left out (their copies are carried forward, not pulled). One query;
    `notes` is a queryset or a list of ids. Notes pulled nowhere are absent."""
    rows = (
        Note.objects.filter(source_note__in=notes, deleted_at__isnull=True, board__read_only_input=False)
        .values_list("source_note_id", "board_id").distinct()
    )
    pulled: dict[int, set[int]] = {}
    for note_id, board_id in rows:
        pulled.setdefault(note_id, set()).add(board_id)
    return {note_id: sorted(boards) for note_id, boards in pulled.items()}


def link_dict(link: Link) -> dict[str, Any]:
    return {"id": link.pk, "source": link.source_id, "target": link.target_id, "label": link.label}


def comment_dict(comment: Comment, mode: str) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "note": comment.note_id,
        "text": comment.text,
        "author": author_view(mode, comment.author, comment.author_user),
        "created_at": comment.created_at.isoformat(),
    }


def category_dict(category: Category) -> dict[str, Any]:
    return {"id": category.pk, "name": category.name, "colour": category.colour, "order": category.order}


def cluster_dict(cluster: Cluster) -> dict[str, Any]:
    return {"id": cluster.pk, "name": cluster.name}


def board_dict(board: Board) -> dict[str, Any]:
    return {
        "id": board.pk,
        "title": board.title,
        "template": board.template,
        "author_mode": board.author_mode,
        "vote_budget": board.vote_budget,
        "private_until_reveal": board.private_until_reveal,
        "revealed": board.revealed_at is not None,
        "locked": board.locked,
        "read_only_input": board.read_only_input,
        "group": board.group_id,
        "session": board.session_id,
    }


def visible_notes(board: Board, access: Access):
    """Live notes of `board` this actor may see: private ones only to their author and
    moderators."""
    notes = Note.objects.filter(board=board, deleted_at__isnull=True)
    if not access.moderate:
        mine = Q(author_id=access.participant_id) if access.participant_id else Q(pk__in=[])
        notes = notes.filter(Q(private=False) | mine)
    return notes


def my_state(board: Board, access: Access) -> dict[str, Any]:
    """What only this viewer needs: the notes they wrote and their dots (2 queries)."""
    mine: list[int] = []
    votes: dict[str, int] = {}
    owner = Q()
    if access.participant_id:
        owner |= Q(author_id=access.participant_id)
    if access.user_id:
        owner |= Q(author_user_id=access.user_id)
    if owner:
        mine = list(
            Note.objects.filter(owner, board=board, deleted_at__isnull=True).order_by("id").values_list("id", flat=True)
        )
    if access.participant_id:
        rows = (
            Vote.objects.filter(voter_id=access.participant_id, note__board=board, note__deleted_at__isnull=True)
            .values("note_id")
            .annotate(n=Count("id"))
        )
        votes = {str(row["note_id"]): row["n"] for row in rows}
    used = sum(votes.values())
    pull = access.pull
    if not pull and board.group_id is not None and access.participant_id is not None:
        # A group's rapporteur reports its notes back into plenary (see note.pull).
        pull = reports_back(participant_id=access.participant_id, group_id=board.group_id)
    return {
        "notes": mine,
        "votes": votes,
        "votes_left": max(board.vote_budget - used, 0),
        "may": {"write": access.write, "vote": access.vote, "moderate": access.moderate, "pull": pull},
    }


def snapshot(board: Board, access: Access) -> dict[str, Any]:
    """The whole board as this viewer may see it, with its head seq. A constant number
    of queries whatever the number of notes (see the query-count test)."""
    mode = board.author_mode
    notes = list(
        visible_notes(board, access)
        .select_related("author", "author_user")
        .annotate(n_votes=Count("votes"))
        .order_by("id")
    )
    ids = {n.pk for n in notes}
    pulled = pulled_into(Note.objects.filter(board=board).values("pk"))
    sources = copy_source_modes(notes)
    links = [
        link_dict(link)
        for link in Link.objects.filter(board=board).order_by("id")
        if link.source_id in ids and link.target_id in ids
    ]
    comments = [
        comment_dict(c, mode)
        for c in Comment.objects.filter(note__board=board, note__deleted_at__isnull=True)
        .select_related("author", "author_user")
        .order_by("id")
        if c.note_id in ids
    ]
    return {
        "type": "snapshot",
        "board": board.pk,
        "seq": board.head_seq,
        "info": board_dict(board),
        "categories": [category_dict(c) for c in Category.objects.filter(board=board).order_by("order", "id")],
        "clusters": [cluster_dict(c) for c in Cluster.objects.filter(board=board).order_by("id")],
        "notes": [note_dict(n, mode, votes=n.n_votes, pulled=pulled.get(n.pk), source_modes=sources) for n in notes],
        "links": links,
        "comments": comments,
        "me": my_state(board, access),
    }


def boards_of_session(session_id: int):
    return Board.objects.filter(session_id=session_id).select_related("group").order_by("group_id", "id")
