"""Everything the load script assumes about the join path (participants/, workshops/) and
the board protocol (mapping/, docs/protocol.md), in one place.

If the join page or the protocol changes, this module is the one to change; the engine
in tests/load/engine.py only speaks in these terms:

* `create_fixture()` (Django ORM, driver side): a workshop, a session, a participant join
  link and one concept-map board (the session's plenary board) -> Fixture.
* `join()` (HTTP, client side): GET /j/<token>/, POST the one-screen profile form with its
  CSRF token, follow the redirect to the room; returns the cookies (the Django session
  remembers the participant) and the session uuid taken from the room URL.
* `ws_url()`, `subscribe_frame()`, `op_frame()`: what the client sends.
* `classify()`: what the server sends, reduced to the few kinds the engine needs.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

# --- Driver side: the workshop, session, join link and board --------------------------


@dataclass(frozen=True)
class Fixture:
    join_url: str  # path, e.g. /j/<token>/
    session_uuid: str
    board_id: int
    categories: list[int]


def create_fixture(*, vote_budget: int = 100) -> Fixture:
    """Rows for one load run. Uses mapping.services.create_board when it exists (it adds
    the template's categories); joining itself goes through HTTP, not through here."""
    from django.utils import timezone

    from mapping.models import Board, Category
    from workshops.models import JoinLink, Session, Workshop

    now = timezone.now()
    tag = f"{now:%H%M%S%f}"
    workshop = Workshop.objects.create(title=f"Load test {tag}", slug=f"load-{tag}")
    session = Session.objects.create(workshop=workshop, title="Load session", starts_at=now - dt.timedelta(minutes=5),
                                     ends_at=now + dt.timedelta(hours=3))
    link = JoinLink.objects.create(session=session)
    try:
        from mapping.services import create_board
    except ImportError:  # the foundation alone: a bare board
        board = Board.objects.create(session=session, title="Concept map", template=Board.Template.CONCEPT_MAP)
        Category.objects.create(board=board, order=1, name="Goals & Vision")
    else:
        board = create_board(session=session, template=Board.Template.CONCEPT_MAP)
    Board.objects.filter(pk=board.pk).update(vote_budget=vote_budget)
    categories = list(Category.objects.filter(board=board).order_by("order").values_list("pk", flat=True))
    return Fixture(join_url=f"/j/{link.token}/", session_uuid=str(session.uuid), board_id=board.pk,
                   categories=categories)


# --- Client side: joining through the real HTTP join path ------------------------------

COUNTRIES = ["KZ", "KG", "TJ", "UZ", "TM"]
STAKEHOLDERS = ["teacher", "vet_student", "school_manager", "inservice_trainer", "policy_maker", "donor"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ROOM_PATH = re.compile(r"/s/([0-9a-f-]{36})/")


@dataclass(frozen=True)
class Joined:
    cookie_header: str
    session_uuid: str


class JoinFailed(Exception):
    pass


def join(base_url: str, join_url: str, index: int) -> Joined:
    """One participant joins like a browser: the join page, the profile form, the room.
    Blocking (urllib); the engine runs it in a thread."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = urllib.parse.urljoin(base_url, join_url)
    with opener.open(url, timeout=30) as response:
        page = response.read().decode()
    match = CSRF_INPUT.search(page)
    if match is None:
        raise JoinFailed(f"no profile form on {url}")
    form = {
        "csrfmiddlewaretoken": match.group(1),
        "display_name": f"Load participant {index:03d}",
        "country": COUNTRIES[index % len(COUNTRIES)],
        "stakeholder": STAKEHOLDERS[index % len(STAKEHOLDERS)],
        "organisation": "",
        "language": "ru" if index % 2 else "en",
        "timezone_name": "Asia/Almaty",
        "consent": "on",
    }
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Referer": url})
    with opener.open(request, timeout=30) as response:  # follows the redirect into the room
        final_url, status = response.geturl(), response.status
        response.read()
    room = ROOM_PATH.search(urllib.parse.urlparse(final_url).path)
    if status != 200 or room is None:
        raise JoinFailed(f"join ended at {final_url} ({status}), not in a session room")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise JoinFailed("no session cookie after joining")
    return Joined("; ".join(f"{k}={v}" for k, v in cookies.items()), room.group(1))


# --- The websocket protocol (docs/protocol.md) ----------------------------------------


def ws_url(base_url: str, session_uuid: str) -> str:
    return base_url.replace("http", "ws", 1).rstrip("/") + f"/ws/sessions/{session_uuid}/"


def board_from_welcome(welcome: dict[str, Any], wanted: int | None) -> int:
    """The board to work on: `wanted`, or else the first board the welcome offers."""
    ids = [b["id"] for b in welcome.get("boards", [])]
    if wanted is not None:
        if wanted not in ids:
            raise JoinFailed(f"board {wanted} is not among the welcome's boards {ids}")
        return wanted
    if not ids:
        raise JoinFailed("the welcome frame offers no board")
    return ids[0]


def subscribe_frame(board: int) -> dict[str, Any]:
    return {"type": "subscribe", "board": board, "since": None}


def ping_frame() -> dict[str, Any]:
    return {"type": "ping"}


def note_add(board: int, op_id: str, text: str, category: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {"text": text}
    if category is not None:
        data["category"] = category
    return {"type": "op", "op_id": op_id, "op": "note.add", "board": board, "data": data}


def note_move(board: int, op_id: str, note: int, x: float, y: float) -> dict[str, Any]:
    return {"type": "op", "op_id": op_id, "op": "note.move", "board": board, "data": {"id": note, "x": x, "y": y}}


def vote_add(board: int, op_id: str, note: int) -> dict[str, Any]:
    return {"type": "op", "op_id": op_id, "op": "vote.add", "board": board, "data": {"note": note}}


@dataclass(frozen=True)
class Incoming:
    """A server frame reduced to what the engine needs. kind: welcome, snapshot, event,
    ack, error, pong, resync or other."""

    kind: str
    board: int | None = None
    seq: int | None = None
    op_id: str | None = None
    op: str | None = None
    new_note: int | None = None  # the id of a note an event added
    votes_left: int | None = None
    heads: dict[str, int] | None = None
    raw: dict[str, Any] | None = None


def classify(frame: dict[str, Any]) -> Incoming:
    kind = frame.get("type")
    if kind == "event":
        data = frame.get("data") or {}
        note = data.get("note") if frame.get("op") == "note.add" else None
        return Incoming("event", board=frame.get("board"), seq=frame.get("seq"), op_id=frame.get("op_id"),
                        op=frame.get("op"), new_note=note.get("id") if isinstance(note, dict) else None)
    if kind == "snapshot":
        me = frame.get("me") or {}
        return Incoming("snapshot", board=frame.get("board"), seq=frame.get("seq"), votes_left=me.get("votes_left"),
                        raw=frame)
    if kind == "ack":
        return Incoming("ack", board=frame.get("board"), seq=frame.get("seq"), op_id=frame.get("op_id"),
                        votes_left=frame.get("votes_left"), raw=frame)
    if kind == "error":
        return Incoming("error", op_id=frame.get("op_id"), raw=frame)
    if kind == "pong":
        return Incoming("pong", heads=frame.get("heads") or {})
    if kind in {"welcome", "resync"}:
        return Incoming(kind, raw=frame)
    return Incoming("other", raw=frame)
