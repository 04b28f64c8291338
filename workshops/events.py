"""The session's event log and its one way out: `emit`.

Every live change of a session is appended as a SessionEvent with the session's next seq
and published after commit: the full frame on `session.<id>` when everyone may see it;
otherwise the full frame on the audience's streams (facilitators always) and a
placeholder `{"type": "session.hidden", "seq": N}` on `session.<id>`, so everyone's gap
detection still works. Frames carry `seq`; a client that sees a hole asks for the state.

The seq is the log's last seq + 1, read under the session row's lock (held until
commit), so events of one session commit, and are published, in seq order. It is not a
column on Session: sessions are saved from forms and the admin, which would write a
stale copy back.

An op arriving over the websocket is recorded with `recording(op_id=..., actor=...)`
around its handler: the first event it emits carries the op id, so a resent op is
recognised from the log (live.ops), as a board's is from BoardEvent.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from realtime.broadcast import publish

from .models import Session, SessionEvent

#: The audience of an event visible to everyone in the session.
EVERYONE: tuple[str, ...] = ()


def session_stream(session_id: int) -> str:
    return f"session.{session_id}"


def facilitators_stream(session_id: int) -> str:
    return f"facilitators.{session_id}"


def participant_stream(participant_id: int) -> str:
    return f"participant.{participant_id}"


def group_stream(group_id: int) -> str:
    return f"group.{group_id}"


@dataclass
class Recording:
    op_id: str
    participant_id: int | None
    user_id: int | None
    event: SessionEvent | None = None
    events: list[SessionEvent] = field(default_factory=list)


_recording: contextvars.ContextVar[Recording | None] = contextvars.ContextVar("session_op", default=None)


@contextmanager
def recording(*, op_id: str, participant_id: int | None, user_id: int | None) -> Iterator[Recording]:
    """Mark the events emitted inside as the work of one op (see the module docstring)."""
    rec = Recording(op_id=op_id, participant_id=participant_id, user_id=user_id)
    token = _recording.set(rec)
    try:
        yield rec
    finally:
        _recording.reset(token)


def head_seq(session_id: int) -> int:
    """The seq of the session's last event (0: none yet)."""
    return SessionEvent.objects.filter(session_id=session_id).aggregate(m=Max("seq"))["m"] or 0


def heads(session_ids: list[int]) -> dict[int, int]:
    """Head seq of each session, in one query (sessions without events are left out)."""
    rows = SessionEvent.objects.filter(session_id__in=session_ids).values("session_id").annotate(m=Max("seq"))
    return {row["session_id"]: row["m"] for row in rows}


def placeholder(seq: int) -> dict[str, Any]:
    return {"type": "session.hidden", "seq": seq}


def emit(*, session_id: int, frame: dict[str, Any], audience: tuple[str, ...] | list[str] = EVERYONE) -> int:
    """Append `frame` to the session's log with the next seq and publish it after commit
    (to `audience`'s streams in full and a placeholder to everyone else, or to everyone
    when the audience is EVERYONE). Must run inside the caller's transaction. Returns the
    seq."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() runs inside the service's transaction")
    Session.objects.select_for_update().filter(pk=session_id).values_list("pk", flat=True).get()
    seq = head_seq(session_id) + 1
    frame = {**frame, "seq": seq}
    streams = list(dict.fromkeys([facilitators_stream(session_id), *audience])) if audience else []
    rec = _recording.get()
    event = SessionEvent(session_id=session_id, seq=seq, type=frame["type"], data=frame, audience=streams)
    if rec is not None and rec.event is None:
        event.op_id = rec.op_id
        event.actor_participant_id = rec.participant_id
        event.actor_user_id = rec.user_id
    event.save()
    if rec is not None:
        rec.event = rec.event or event
        rec.events.append(event)
    if not streams:
        publish(session_stream(session_id), frame)
    else:
        publish(session_stream(session_id), placeholder(seq))
        for stream in streams:
            publish(stream, frame)
    return seq


def prior_ack(*, session_id: int, op_id: str, participant_id: int | None, user_id: int | None) -> dict | None:
    """The ack fields of an op id this actor already had applied in this session, or None."""
    event = SessionEvent.objects.filter(
        session_id=session_id, op_id=op_id, actor_participant_id=participant_id, actor_user_id=user_id
    ).first()
    if event is None:
        return None
    return {"seq": event.seq, **event.result}


def remember_result(rec: Recording, result: dict[str, Any]) -> None:
    if rec.event is not None and result:
        SessionEvent.objects.filter(pk=rec.event.pk).update(result=result)
