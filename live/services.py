"""Changes that span the data apps, each one transaction, so there is never a moment
when the room says one thing and the boards another: a new session has its plenary board
(and, building on an earlier session, its input boards); opening a round makes its groups'
boards before anyone is sent to them. Views and op handlers call these; nothing creates
boards while answering a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from mapping import services as boards
from mapping.models import Board, Note
from realtime.errors import DomainError
from workshops import services as rooms
from workshops.models import BreakoutGroup, BreakoutRound, Session, Workshop


@transaction.atomic
def save_session(*, workshop: Workshop, session: Session | None, fields: Mapping[str, Any]) -> Session:
    """Create or edit a session (workshops.services.save_session); a new one gets its
    plenary board (a concept map), and a session that builds on an earlier one gets that
    session's plenary boards as read-only input boards."""
    created = session is None
    session = rooms.save_session(workshop=workshop, session=session, fields=fields)
    if created:
        boards.ensure_plenary_board(session=session)
    if session.builds_on_id is not None:
        boards.sync_input_boards(session=session)
    return session


@transaction.atomic
def open_round(*, round_: BreakoutRound) -> BreakoutRound:
    """Send everyone to their groups: each group's board exists (with the round's
    template) before the room is told, in the same transaction."""
    boards.ensure_group_boards(round=round_)
    return rooms.open_round(round_=round_)


@transaction.atomic
def add_plenary_board(*, session: Session, template: str = Board.Template.CONCEPT_MAP, title: str = "") -> Board:
    """The session's plenary board, made if it has none (the console's explicit action
    for sessions created before boards came with them)."""
    return boards.ensure_plenary_board(session=session, template=template, title=title)


@transaction.atomic
def remove_group(*, group: BreakoutGroup) -> None:
    """Take an empty group out of its round (proposed one too many, or everyone moved
    out). Refused while anyone is in it, once the round was recalled, or when its board
    holds notes (nothing written is ever thrown away with a group)."""
    group = BreakoutGroup.objects.select_for_update().select_related("round").get(pk=group.pk)
    if group.round.closed_at is not None:
        raise DomainError("conflict", "this round was already recalled")
    if group.memberships.exists():
        raise DomainError("conflict", "the group still has people in it", fields={"group": "not empty"})
    if Note.objects.filter(board__group=group).exists():
        raise DomainError("conflict", "the group's board holds notes", fields={"group": "has notes"})
    rooms.remove_group(group=group)


@transaction.atomic
def add_board(*, session: Session, template: str, title: str = "", author_mode: str = Board.AuthorMode.NAMED,
              categories: list[tuple[str, str]] | None = None) -> Board:
    """Another plenary board for the session (a reflection grid, proposals for session
    two, a blank board with the facilitator's own categories). Everyone's screens are
    told (`boards.changed`), so rooms offer it without a reload."""
    board = boards.create_board(session=session, template=template, title=title, author_mode=author_mode,
                                categories=categories if template == Board.Template.BLANK else None)
    rooms.boards_changed(session=session)
    return board
