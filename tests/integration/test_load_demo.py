"""`python manage.py load_demo`: the demo workshop with its boards, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mapping import demo as board_demo
from mapping.models import Board, BoardEvent, Note, Vote
from participants.models import Participant
from workshops import demo
from workshops.models import JoinLink, Session, Workshop

pytestmark = pytest.mark.django_db


def _counts():
    return (Workshop.objects.count(), Session.objects.count(), Participant.objects.count(), Board.objects.count(),
            Note.objects.count(), BoardEvent.objects.count(), Vote.objects.count())


def test_load_demo_fills_the_boards_prints_the_logins_and_changes_nothing_the_second_time():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    counts = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == counts
    workshop = Workshop.objects.get(slug=demo.DEMO_SLUG)
    link = JoinLink.objects.filter(session__workshop=workshop).order_by("session__order").first()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Demo workshop ready: {workshop.title} (11 boards)"
    assert lines[1].startswith(f"  Facilitator login: {demo.FACILITATOR_USERNAME} / {demo.FACILITATOR_PASSWORD}  at ")
    assert lines[2].endswith(f"/j/{link.token}/  (code {link.code})")
    titles = list(Board.objects.filter(session__workshop=workshop).order_by("session__order", "id").values_list(
        "session__order", "title", "read_only_input"))
    assert titles == [
        (1, board_demo.CONCEPT_MAP, False), (1, board_demo.REFLECTION, False),
        *[(1, f"Group {i}", False) for i in (1, 2, 3)] * 2,
        (2, board_demo.PROPOSALS, False), (2, board_demo.CONCEPT_MAP, True), (2, board_demo.REFLECTION, True),
    ]
    assert Note.objects.filter(board__session__workshop=workshop).count() > 40
