"""Board pages: the board screen, the facilitators' synthesis view (every group's board
side by side), and the HTTP twins of the websocket (`apply_op`, snapshot) for callers
without a socket. Thin: authorise, validate, call one service, respond."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from live import services as live_services
from participants.identity import Actor, actor_for
from participants.models import Country, Stakeholder
from realtime.errors import DomainError, http_status
from realtime.protocol import OP_ID_RE
from workshops.models import Session

from . import selectors, services
from .forms import BoardForm
from .models import Board


def _actor(request: HttpRequest, workshop_id: int) -> Actor:
    return actor_for(user=request.user, session=request.session, workshop_id=workshop_id)


def access_board(request: HttpRequest, board_id: int) -> tuple[Board, Actor, selectors.Access]:
    """The board and what this request's person may do there; 404 for a board they may
    not see, as for a missing one."""
    board = get_object_or_404(Board.objects.select_related("session__workshop", "group"), pk=board_id)
    actor = _actor(request, board.session.workshop_id)
    if actor.is_anonymous:
        raise Http404
    try:
        access = selectors.board_access(board, actor)
    except DomainError:
        raise Http404 from None
    return board, actor, access


def _optional_static(path: str) -> str:
    """URL of a static file another helper may not have written yet, else ''."""
    return static(path) if finders.find(path) else ""


def board_client_config() -> dict:
    """What static/js/board.js mountBoard() needs wherever a board is shown (its page, the
    participant's room): the map libraries' URLs and the labels of countries and roles."""
    return {
        "cytoscape": static("vendor/cytoscape/dist/cytoscape.esm.min.mjs"),
        # The map's "Arrange" (static/js/board-arrange.js), loaded on first use.
        "elk": static("vendor/elkjs/lib/elk-api.js"),
        "elkWorker": static("vendor/elkjs/lib/elk-worker.min.js"),
        "labels": {
            "countries": {k: str(v) for k, v in Country.choices},
            "stakeholders": {k: str(v) for k, v in Stakeholder.choices},
        },
    }


def _page_config(session: Session, boards: list[Board]) -> dict:
    return {
        "session": str(session.uuid),
        "boards": [b.pk for b in boards],
        **board_client_config(),
        "live": static("js/live.js"),
        "sessionBar": _optional_static("js/session.js"),
    }


def board_page(request: HttpRequest, board_id: int) -> HttpResponse:
    board, actor, access = access_board(request, board_id)
    config = _page_config(board.session, [board])
    config["template"] = board.template
    plenary = None
    if board.group_id is not None:
        plenary = Board.objects.filter(session=board.session, group__isnull=True, read_only_input=False).order_by(
            "id").values_list("id", flat=True).first()
    config["plenary"] = plenary
    return render(request, "mapping/board.html", {
        "board": board, "session": board.session, "workshop": board.session.workshop, "access": access,
        "config": config,
    })


def synthesis_page(request: HttpRequest, session_uuid) -> HttpResponse:
    """Every group's board side by side with the plenary board, live, for facilitators
    (and whoever may pull): they pull notes and clusters into plenary from here."""
    session = get_object_or_404(Session.objects.select_related("workshop"), uuid=session_uuid)
    actor = _actor(request, session.workshop_id)
    if not actor.is_facilitator:
        raise Http404
    boards = list(selectors.boards_of_session(session.pk))
    plenary = [b for b in boards if b.group_id is None and not b.read_only_input]
    # The newest round's groups side by side; earlier rounds' boards as links.
    all_groups = [b for b in boards if b.group_id is not None]
    latest = max((b.group.round_id for b in all_groups), default=None)
    groups = [b for b in all_groups if b.group.round_id == latest]
    earlier = [b for b in all_groups if b.group.round_id != latest]
    inputs = [b for b in boards if b.read_only_input]
    config = _page_config(session, plenary[:1] + groups + inputs)
    config["plenary"] = plenary[0].pk if plenary else None
    return render(request, "mapping/synthesis.html", {
        "session": session, "workshop": session.workshop, "plenary": plenary[0] if plenary else None,
        "groups": groups, "earlier": earlier, "inputs": inputs, "config": config,
    })


def plenary_page(request: HttpRequest, session_uuid) -> HttpResponse:
    """The session's plenary board: where the facilitator console and the workshops list
    link to, so workshops need not know boards. Boards come with the session
    (live.services.save_session); a read never makes one."""
    session = get_object_or_404(Session.objects.only("pk", "workshop_id"), uuid=session_uuid)
    actor = _actor(request, session.workshop_id)
    if actor.is_anonymous:
        raise Http404
    board = Board.objects.filter(session=session, group__isnull=True, read_only_input=False).select_related(
        "session").order_by("id").first()
    if board is None:
        raise Http404
    try:  # a facilitator of another workshop does not learn the board's id either
        selectors.board_access(board, actor)
    except DomainError:
        raise Http404 from None
    return redirect("mapping:board", board_id=board.pk)


@require_POST
def board_op(request: HttpRequest, board_id: int) -> JsonResponse:
    """POST {"op", "op_id", "data"}: the same apply_op as the websocket."""
    board, actor, _ = access_board(request, board_id)
    op_id = ""
    try:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise DomainError("bad_json", "body is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("op"), str) or not isinstance(
                body.get("data", {}), dict):
            raise DomainError("bad_frame", "send {op, op_id, data}")
        op_id = body.get("op_id") or ""
        if not isinstance(op_id, str) or (op_id and not OP_ID_RE.match(op_id)):
            raise DomainError("bad_frame", "op_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
        ack = services.apply_op(board=board, actor=actor, op=body["op"], op_id=op_id, data=body.get("data", {}))
    except DomainError as exc:
        return JsonResponse(exc.frame(op_id=op_id or None), status=http_status(exc.code))
    return JsonResponse(ack)


@require_GET
def board_snapshot(request: HttpRequest, board_id: int) -> JsonResponse:
    board, _, access = access_board(request, board_id)
    board = Board.objects.select_related("session").get(pk=board.pk)
    return JsonResponse(selectors.snapshot(board, access))


@require_POST
def board_create(request: HttpRequest, session_uuid) -> HttpResponse:
    """The console's "add a board" form: a facilitator adds a plenary board of any
    template to the session; refused field by field, nothing saved, when the form is
    wrong."""
    session = get_object_or_404(Session.objects.select_related("workshop"), uuid=session_uuid)
    if not _actor(request, session.workshop_id).is_facilitator:
        raise Http404
    form = BoardForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("workshops:console", uuid=session.uuid)
    board = live_services.add_board(session=session, template=form.cleaned_data["template"],
                                    title=form.cleaned_data["title"], author_mode=form.cleaned_data["author_mode"],
                                    categories=form.cleaned_data["categories"])
    messages.success(request, _("Board “%(title)s” added; everyone in the session is offered it.") % {
        "title": board.title})
    return redirect("workshops:console", uuid=session.uuid)
