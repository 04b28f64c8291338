"""Plain factories for board tests: rows made directly with the ORM."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from mapping import services
from participants.identity import Actor, remember_participant
from participants.models import Attendance, Participant
from workshops.models import BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop

_n = itertools.count(1)


def workshop(**kw) -> Workshop:
    n = next(_n)
    return Workshop.objects.create(**{"title": f"Workshop {n}", "slug": f"ws-{n}", **kw})


def session(ws: Workshop | None = None, **kw) -> Session:
    ws = ws or workshop()
    start = timezone.now()
    order = ws.sessions.count() + 1
    return Session.objects.create(**{
        "workshop": ws, "order": order, "title": f"Session {order}", "starts_at": start,
        "ends_at": start + dt.timedelta(hours=3), **kw,
    })


def participant(ws: Workshop, name: str = "", **kw) -> Participant:
    """A participant who has joined every session the workshop has so far (as the join
    page records it: an attendance per session; sockets are refused without one)."""
    n = next(_n)
    person = Participant.objects.create(**{
        "workshop": ws, "display_name": name or f"Person {n}", "country": "KZ", "stakeholder": "teacher", **kw,
    })
    Attendance.objects.bulk_create(Attendance(participant=person, session=s) for s in ws.sessions.all())
    return person


def facilitator_user(username: str = ""):
    # No password: tests sign in with force_login (hashing a password costs ~0.3 s).
    user = get_user_model().objects.create_user(username or f"fac{next(_n)}", password=None)
    group, _ = Group.objects.get_or_create(name="facilitators")
    user.groups.add(group)
    return user


def facilitator_actor(user=None) -> Actor:
    user = user or facilitator_user()
    return Actor(user_id=user.pk, is_facilitator=True, is_staff=user.is_staff)


def actor(p: Participant) -> Actor:
    return Actor(participant=p)


def breakout(sess: Session, names: list[str], *, open_groups: bool = True) -> tuple[BreakoutRound, list[BreakoutGroup]]:
    rnd = BreakoutRound.objects.create(session=sess, opened_at=timezone.now() if open_groups else None)
    groups = [BreakoutGroup.objects.create(round=rnd, order=i, name=name) for i, name in enumerate(names, 1)]
    if open_groups:
        # As live.services.open_round: an opened round's groups have their boards.
        Session.objects.filter(pk=sess.pk).update(groups_open=True)
        services.ensure_group_boards(round=rnd)
    return rnd, groups


def member(group: BreakoutGroup, p: Participant, *, rapporteur: bool = False) -> GroupMembership:
    return GroupMembership.objects.create(group=group, round=group.round, participant=p, is_rapporteur=rapporteur)


def participant_cookie(p: Participant) -> str:
    """A browser session that remembers `p` (as the join page would), as a cookie header."""
    client = Client()
    session = client.session
    remember_participant(session, p)
    session.save()
    return f"sessionid={session.session_key}"


def user_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"
