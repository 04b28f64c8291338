"""Who may see reports: staff accounts and facilitators (participants.permissions.REPORT_EXPORT);
a board's picture also whoever may see that board.

The same answer (404) for a workshop that does not exist and one the user may not export,
so ids cannot be probed.
"""

from __future__ import annotations

from django.http import Http404

from mapping.models import Board
from mapping.selectors import board_access
from participants.identity import actor_for
from participants.permissions import REPORT_EXPORT, can
from realtime.errors import DomainError
from workshops.models import Workshop

from .models import Export


def access_workshop_reports(request, workshop_id: int) -> Workshop:
    """The workshop, if the requesting user may export its reports; else Http404.

    Precondition: the user is authenticated (views redirect to the login page first)."""
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None:
        raise Http404
    actor = actor_for(user=request.user, session=request.session, workshop_id=workshop.pk)
    if not can(actor, REPORT_EXPORT):
        raise Http404
    return workshop


def access_export(request, export_id: int) -> Export:
    export = Export.objects.filter(pk=export_id).first()
    if export is None:
        raise Http404
    access_workshop_reports(request, export.workshop_id)
    return export


def access_board_picture(request, board_id: int) -> Board:
    """The board, if the requester may export its workshop's reports or may see the board
    itself (the board page links its picture); else Http404, as for a missing board.

    The picture shows no more than the board screen does: visible notes only, no authors."""
    board = Board.objects.select_related("session", "group").filter(pk=board_id).first()
    if board is None:
        raise Http404
    actor = actor_for(user=request.user, session=request.session, workshop_id=board.session.workshop_id)
    if can(actor, REPORT_EXPORT):
        return board
    if actor.is_anonymous:
        raise Http404
    try:
        board_access(board, actor)
    except DomainError:
        raise Http404 from None
    return board
