from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from mapping import services
from mapping.models import Board, Category
from participants.models import Participant
from workshops.models import BreakoutGroup, BreakoutRound, Session

from . import factories as f


@dataclass
class World:
    session: Session
    board: Board
    cats: list[Category]
    p1: Participant
    p2: Participant
    observer: Participant
    fac_user: Any
    group: BreakoutGroup
    other_group: BreakoutGroup
    group_board: Board
    ids: dict[str, int] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def actor(self, who: str):
        if who == "fac":
            return f.facilitator_actor(self.fac_user)
        return f.actor(getattr(self, who))

    def op(self, who: str, op: str, data: dict, board: Board | None = None) -> dict:
        return services.apply_op(board=board or self.board, actor=self.actor(who), op=op, op_id="", data=data)


def build_world() -> World:
    """A session with a named concept-map plenary board holding a little of everything,
    two participants (p1 and p2, both in group A), an observer, a facilitator, and group
    A's board with a cluster of two linked notes (for pulls)."""
    ws = f.workshop()
    sess = f.session(ws)
    board = services.create_board(session=sess, template=Board.Template.CONCEPT_MAP, author_mode=Board.AuthorMode.NAMED)
    p1 = f.participant(ws, "Aigerim", country="KZ", stakeholder="teacher")
    p2 = f.participant(ws, "Bakyt", country="KG", stakeholder="school_manager")
    observer = f.participant(ws, "Olga", role="observer")
    fac_user = f.facilitator_user()
    rnd, (group, other_group) = f.breakout(sess, ["Group A", "Group B"], open_groups=False)
    # The round ran and was recalled: it is the session's current round, whose rapporteurs
    # report back in plenary.
    BreakoutRound.objects.filter(pk=rnd.pk).update(opened_at=timezone.now(), closed_at=timezone.now())
    f.member(group, p1, rapporteur=True)
    f.member(group, p2)
    group_board = services.create_board(session=sess, group=group, template=Board.Template.CONCEPT_MAP)
    cats = list(board.categories.order_by("order"))
    w = World(session=sess, board=board, cats=cats, p1=p1, p2=p2, observer=observer, fac_user=fac_user,
              group=group, other_group=other_group, group_board=group_board)
    ids = w.ids
    ids["n1"] = w.op("p1", "note.add", {"text": "Stable internet in rural colleges", "category": cats[0].pk})["id"]
    ids["n2"] = w.op("p2", "note.add", {"text": "Teachers' digital skills", "category": cats[1].pk})["id"]
    ids["n3"] = w.op("p2", "note.add", {"text": "Donor coordination"})["id"]
    ids["l1"] = w.op("p1", "link.add", {"source": ids["n1"], "target": ids["n2"], "label": "leads to"})["id"]
    ids["k1"] = w.op("p1", "cluster.add", {"name": "Infrastructure", "notes": [ids["n1"]]})["id"]
    ids["c1"] = w.op("p2", "comment.add", {"note": ids["n1"], "text": "Also in Naryn"})["id"]
    w.op("p1", "vote.add", {"note": ids["n2"]})
    gcats = list(group_board.categories.order_by("order"))
    ids["g1"] = w.op("p1", "note.add", {"text": "Open educational resources", "category": gcats[2].pk},
                     group_board)["id"]
    ids["g2"] = w.op("p2", "note.add", {"text": "Shared platform for the region"}, group_board)["id"]
    w.op("p1", "link.add", {"source": ids["g1"], "target": ids["g2"]}, group_board)
    ids["gk"] = w.op("p1", "cluster.add", {"name": "Resources", "notes": [ids["g1"], ids["g2"]]}, group_board)["id"]
    w.cookies = {
        "p1": f.participant_cookie(p1), "p2": f.participant_cookie(p2), "observer": f.participant_cookie(observer),
        "fac": f.user_cookie(fac_user),
    }
    return w


@pytest.fixture
def world(transactional_db) -> World:
    return build_world()


@pytest.fixture
def fast_ticks(settings):
    settings.LIVE_TICK = 0.1
    settings.BOARD_HEADS_INTERVAL = 0.2


@pytest.fixture(autouse=True, scope="session")
def _no_persistent_connections_in_worker_threads():
    """The consumer's worker threads keep PostgreSQL connections for CONN_MAX_AGE (60 s),
    which then block dropping the test database at the end. Closing them after each
    database_sync_to_async call (as CONN_MAX_AGE=0 does) keeps teardown clean."""
    from django.db import connections

    connections["default"].settings_dict["CONN_MAX_AGE"] = 0
