"""Plain factories for workshops, sessions, people and rounds (no factory library)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from participants.models import Attendance, Participant
from realtime.broadcast import group_name
from workshops.models import AgendaItem, JoinLink, Session, Workshop

_seq = itertools.count(1)


def make_workshop(**kw) -> Workshop:
    n = next(_seq)
    return Workshop.objects.create(**{"title": f"Workshop {n}", "slug": f"workshop-{n}", **kw})


def make_session(workshop: Workshop | None = None, **kw) -> Session:
    workshop = workshop or make_workshop()
    start = timezone.now() + dt.timedelta(days=1)
    order = kw.pop("order", Session.objects.filter(workshop=workshop).count() + 1)
    return Session.objects.create(**{"workshop": workshop, "order": order, "title": f"Session {order}",
                                     "starts_at": start, "ends_at": start + dt.timedelta(hours=3), **kw})


def make_item(session: Session, **kw) -> AgendaItem:
    order = AgendaItem.objects.filter(session=session).count() + 1
    return AgendaItem.objects.create(**{"session": session, "order": order, "title": f"Item {order}", **kw})


def make_link(session: Session, **kw) -> JoinLink:
    return JoinLink.objects.create(session=session, **kw)


def make_participant(session: Session, name: str | None = None, *, country="KZ", stakeholder="teacher",
                     **kw) -> Participant:
    p = Participant.objects.create(workshop=session.workshop, display_name=name or f"Person {next(_seq)}",
                                   country=country, stakeholder=stakeholder, consent_at=timezone.now(), **kw)
    Attendance.objects.create(participant=p, session=session)
    return p


def make_facilitator(username: str = "fac", password: str = "pw-12345-x"):  # noqa: S107
    user = get_user_model().objects.create_user(username, password=password)
    group, _ = Group.objects.get_or_create(name="facilitators")
    group.permissions.add(Permission.objects.get(codename="facilitate"))
    user.groups.add(group)
    return user


class Listener:
    """Subscribes a channel to streams on the current channel layer and collects the
    frames that services publish (after commit)."""

    def __init__(self, *streams: str):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for stream in streams:
            async_to_sync(self.layer.group_add)(group_name(stream), self.channel)

    def frames(self) -> list[tuple[str, dict]]:
        out: list[tuple[str, dict]] = []

        async def drain():
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return
                out.append((message["stream"], json.loads(message["text"])))

        async_to_sync(drain)()
        return out
