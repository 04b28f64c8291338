"""A broadcast travels the whole server stack to a joined socket: the full ASGI
application (origin check, cookies, session, auth, routing, consumer), the hub and the
outbox, on both channel layers."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from config.asgi import application
from participants.identity import remember_participant
from participants.models import Attendance, Participant
from realtime.broadcast import asend_encoded
from workshops.models import Session, Workshop

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def joined_cookie(client, participant) -> bytes:
    session = client.session
    remember_participant(session, participant)
    session.save()
    return f"sessionid={session.session_key}".encode()


@pytest.mark.django_db(transaction=True)
async def test_a_session_broadcast_reaches_every_joined_socket_in_order(any_layer, client):
    def make():
        now = timezone.now()
        workshop = Workshop.objects.create(title="W", slug="w")
        session = Session.objects.create(workshop=workshop, title="S", starts_at=now,
                                         ends_at=now + dt.timedelta(hours=1))
        people = [Participant.objects.create(workshop=workshop, display_name=f"P{i}", country="KZ",
                                             stakeholder="teacher") for i in range(3)]
        # Joined this session, not merely the workshop (what the join service records).
        Attendance.objects.bulk_create(Attendance(participant=p, session=session) for p in people)
        cookies = []
        for person in people:
            client.cookies.clear()
            cookies.append(joined_cookie(client, person))
        return session, cookies

    session, cookies = await sync_to_async(make)()
    sockets = []
    for cookie in cookies:
        ws = WebsocketCommunicator(application, f"/ws/sessions/{session.uuid}/", headers=[ORIGIN, (b"cookie", cookie)])
        connected, _ = await ws.connect()
        assert connected
        first = await ws.receive_json_from(timeout=5)
        assert first["type"] == "welcome", first
        sockets.append(ws)

    for n in range(1, 6):
        await asend_encoded(f"session.{session.pk}", f'{{"type":"t","n":{n}}}')
    received = [[(await ws.receive_json_from(timeout=5))["n"] for _ in range(5)] for ws in sockets]

    assert received == [[1, 2, 3, 4, 5]] * 3
    for ws in sockets:
        assert await ws.receive_nothing(timeout=0.05)
        await ws.disconnect()
    # The consumer's database thread keeps its connection (CONN_MAX_AGE); close it so
    # the test database can be dropped at the end of the run.
    await sync_to_async(connections.close_all)()
