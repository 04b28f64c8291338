"""Who is here: one model (live.models.Presence), one TTL, one frame shape.

Each open socket has a row for the session (board null) and one per board it shows.
Every server process's ticker touches its sockets' rows every HEARTBEAT seconds; rows
not touched for PRESENCE_TTL are gone (a killed process's sockets fade out within that;
nothing lives in Redis, so its restart forgets nobody). Frames are coalesced by the
ticker: at most one per session and board per tick, never one per join.

The frame, for a session (to its facilitators) and for a board (to its viewers):
    {"type": "presence", "session": S, "board": B | null, "count": N, "people": [...]}
A session's people are {participant, name, country, stakeholder}; a board's are shown
as its author mode allows (names on a named board, country and stakeholder group by
role, nobody but a count when anonymous).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mapping import selectors as board_selectors
from mapping.models import Board
from participants.identity import Actor
from participants.models import Attendance, Participant
from realtime.broadcast import publish
from workshops.events import facilitators_stream

from .models import Presence

PRESENCE_TTL = 90  # seconds without a heartbeat before a socket counts as gone
HEARTBEAT = 30  # seconds between a process's touches of its sockets' rows


def _cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=PRESENCE_TTL)


def join(*, socket: str, session_id: int, actor: Actor, board_id: int | None = None) -> None:
    """Record that `socket` is in the session (board None) or shows `board_id`; idempotent.
    A participant's attendance notes when they were last seen."""
    now = timezone.now()
    Presence.objects.update_or_create(
        socket=socket, board_id=board_id,
        defaults={"session_id": session_id, "participant_id": actor.participant_id, "user_id": actor.user_id,
                  "seen_at": now},
    )
    if board_id is None and actor.participant_id is not None:
        Attendance.objects.filter(session_id=session_id, participant_id=actor.participant_id).update(
            last_seen_at=now)


def leave(*, socket: str, board_ids: list[int] | None = None) -> None:
    """The socket stopped showing these boards; with None it closed (every row goes)."""
    rows = Presence.objects.filter(socket=socket)
    if board_ids is not None:
        rows = rows.filter(board_id__in=board_ids)
    rows.delete()


def touch(*, sockets: list[str]) -> None:
    """One UPDATE for every socket of a process: they are still open."""
    if sockets:
        Presence.objects.filter(socket__in=sockets).update(seen_at=timezone.now())


def expire() -> tuple[set[int], set[int]]:
    """Forget sockets not touched within PRESENCE_TTL; the (sessions, boards) they were in."""
    stale = Presence.objects.filter(seen_at__lt=_cutoff())
    rows = list(stale.values_list("session_id", "board_id"))
    if rows:
        stale.delete()
    return {s for s, _ in rows}, {b for _, b in rows if b is not None}


def admit(*, socket: str, session_id: int, actor: Actor, limit: int) -> bool:
    """Record a new socket (as `join`) unless its person has `limit` live sockets already;
    False when refused. Counting and recording are one step per person (their row is
    locked; SQLite's write transactions are serial anyway), so sockets opened all at once
    cannot all pass the count before any of them is recorded."""
    with transaction.atomic():
        if actor.participant_id is not None:
            Participant.objects.select_for_update().filter(pk=actor.participant_id).values_list("pk").first()
        else:
            get_user_model().objects.select_for_update().filter(pk=actor.user_id).values_list("pk").first()
        if sockets_open(actor) >= limit:
            return False
        join(socket=socket, session_id=session_id, actor=actor)
        return True


def sockets_open(actor: Actor) -> int:
    """How many live sockets this participant (or facilitator account) has, in any process."""
    who = Q(participant_id=actor.participant_id) if actor.participant_id is not None else Q(user_id=actor.user_id)
    return Presence.objects.filter(who, board__isnull=True, seen_at__gte=_cutoff()).count()


def online_ids(session_id: int) -> set[int]:
    """Participants with at least one live socket in the session."""
    return set(
        Presence.objects.filter(session_id=session_id, board__isnull=True, participant__isnull=False,
                                seen_at__gte=_cutoff()).values_list("participant_id", flat=True)
    )


def session_frame(session_id: int) -> dict:
    rows = (Presence.objects.filter(session_id=session_id, board__isnull=True, participant__isnull=False,
                                    seen_at__gte=_cutoff()).select_related("participant"))
    people = {}
    for row in rows:
        p = row.participant
        people[p.pk] = {"participant": p.pk, "name": p.display_name, "country": p.country,
                        "stakeholder": p.stakeholder}
    shown = sorted(people.values(), key=lambda v: (v["name"], v["participant"]))
    return {"type": "presence", "session": session_id, "board": None, "count": len(shown), "people": shown}


def board_frames(board_ids: list[int]) -> list[dict]:
    boards = {b.pk: b for b in Board.objects.filter(pk__in=board_ids).only("pk", "session_id", "author_mode")}
    seen: dict[int, dict[tuple, dict]] = {pk: {} for pk in boards}
    rows = Presence.objects.filter(board_id__in=boards, seen_at__gte=_cutoff()).select_related("participant", "user")
    for row in rows:
        key = ("p", row.participant_id) if row.participant_id else ("u", row.user_id)
        seen[row.board_id][key] = board_selectors.author_view(boards[row.board_id].author_mode, row.participant,
                                                              row.user)
    frames = []
    for pk, people in seen.items():
        board = boards[pk]
        shown = [] if board.author_mode == Board.AuthorMode.ANONYMOUS else sorted(
            people.values(), key=lambda v: (v.get("name", ""), v.get("country", ""), v.get("stakeholder", "")))
        frames.append({"type": "presence", "session": board.session_id, "board": pk, "count": len(people),
                       "people": shown})
    return frames


def publish_presence(*, session_ids: list[int], board_ids: list[int]) -> None:
    """One frame per session (to its facilitators) and per board (to its viewers)."""
    for session_id in sorted(session_ids):
        publish(facilitators_stream(session_id), session_frame(session_id))
    for frame in board_frames(sorted(board_ids)):
        publish(f"board.{frame['board']}", frame)
