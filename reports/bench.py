"""A full-size workshop for the export benchmark (bench_exports), built with bulk inserts.

80 participants, 2 sessions, 10 breakout groups (5 per session), 2,000 notes on concept
maps, a reflection grid and proposal boards, with votes, clusters, links and comments.
Deterministic (seeded). Used only by the benchmark command and its test.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.db import transaction

from mapping.models import Board, Category, Cluster, Comment, Link, Note, Vote
from participants.models import PRACTITIONERS, Attendance, Country, Participant, Stakeholder
from workshops.models import BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop

ROME = zoneinfo.ZoneInfo("Europe/Rome")
WORDS_EN = ("online", "learning", "teachers", "students", "internet", "platform", "devices", "rural", "colleges",
            "support", "training", "video", "lessons", "quality", "assessment", "cooperation", "regional", "policy")
WORDS_RU = ("обучение", "онлайн", "учителя", "студенты", "интернет", "платформа", "колледжи", "поддержка")
COUNTRIES = [Country.KAZAKHSTAN, Country.KYRGYZ_REPUBLIC, Country.TAJIKISTAN, Country.UZBEKISTAN,
             Country.TURKMENISTAN]


def _text(rng: random.Random) -> str:
    words = WORDS_RU if rng.random() < 0.3 else WORDS_EN
    return " ".join(rng.choice(words) for _ in range(rng.randint(4, 22))).capitalize()


@transaction.atomic
def build_full_workshop(*, slug: str, participants: int = 80, groups: int = 10, notes: int = 2000,
                        seed: int = 7) -> Workshop:
    rng = random.Random(seed)
    workshop = Workshop.objects.create(
        title="Benchmark: distance and online learning in Central Asia", slug=slug,
        objectives="Benchmark objectives.", background="Benchmark background.",
        contact_persons="Bench Contact", country_coordinator="Bench Coordinator",
    )
    start = dt.datetime(2026, 11, 18, 10, tzinfo=ROME)
    s1 = Session.objects.create(workshop=workshop, order=1, title="Session 1", starts_at=start,
                                ends_at=start + dt.timedelta(hours=3))
    s2 = Session.objects.create(workshop=workshop, order=2, title="Session 2", builds_on=s1,
                                starts_at=start + dt.timedelta(days=8), ends_at=start + dt.timedelta(days=8, hours=3))
    stakeholders = list(Stakeholder.values)
    people = Participant.objects.bulk_create([
        Participant(workshop=workshop, display_name=f"Person {i:03d}", country=COUNTRIES[i % len(COUNTRIES)],
                    stakeholder=stakeholders[i % len(stakeholders)])
        for i in range(participants)
    ])
    practitioners = [p for p in people if p.stakeholder in PRACTITIONERS]
    others = [p for p in people if p.stakeholder not in PRACTITIONERS]
    in_s1 = practitioners + others[: len(others) // 3]
    in_s2 = others + practitioners[: len(practitioners) // 3]
    Attendance.objects.bulk_create(
        [Attendance(participant=p, session=s1) for p in in_s1] + [Attendance(participant=p, session=s2) for p in in_s2]
    )
    boards: list[tuple[Board, list[Category], list[Cluster]]] = []
    per_session = max(1, groups // 2)
    for session, members, template in ((s1, in_s1, Board.Template.CONCEPT_MAP), (s2, in_s2, Board.Template.PROPOSALS)):
        rnd = BreakoutRound.objects.create(session=session)
        made = BreakoutGroup.objects.bulk_create(
            [BreakoutGroup(round=rnd, order=i + 1, name=f"Group {i + 1}") for i in range(per_session)]
        )
        GroupMembership.objects.bulk_create(
            [GroupMembership(group=made[i % per_session], round=rnd, participant=p) for i, p in enumerate(members)]
        )
        mode = Board.AuthorMode.NAMED if template == Board.Template.CONCEPT_MAP else Board.AuthorMode.BY_ROLE
        for group in [None, *made]:
            board = Board.objects.create(session=session, group=group, template=template, author_mode=mode,
                                         title=f"{session.title} {group.name if group else 'plenary'}")
            names = ["Threats", "Obstacles", "Enablers"] if template == Board.Template.CONCEPT_MAP else ["Proposals"]
            cats = Category.objects.bulk_create(
                [Category(board=board, order=i + 1, name=n, colour=["#fde2e4", "#fff3b0", "#d8f3dc"][i % 3])
                 for i, n in enumerate(names)]
            )
            clusters = Cluster.objects.bulk_create([Cluster(board=board, name=f"Cluster {i + 1}") for i in range(3)])
            boards.append((board, cats, clusters))
    reflection = Board.objects.create(session=s1, template=Board.Template.REFLECTION, title="Reflection grid",
                                      author_mode=Board.AuthorMode.ANONYMOUS)
    rcats = Category.objects.bulk_create(
        [Category(board=reflection, order=i + 1, name=n) for i, n in enumerate(["What worked", "What did not"])]
    )
    boards.append((reflection, rcats, []))
    rows: list[Note] = []
    for i in range(notes):
        board, cats, clusters = boards[i % len(boards)]
        authors = in_s1 if board.session_id == s1.pk else in_s2
        rows.append(Note(
            board=board, category=rng.choice(cats), cluster=rng.choice(clusters) if clusters and rng.random() < 0.6
            else None, text=_text(rng), x=rng.uniform(0, 3000), y=rng.uniform(0, 2000), author=rng.choice(authors),
        ))
    created = Note.objects.bulk_create(rows, batch_size=500)
    # A quarter of the proposal-board notes become support ideas under a proposal on the same board.
    by_board: dict[int, list[Note]] = {}
    for note in created:
        by_board.setdefault(note.board_id, []).append(note)
    children = []
    for board, _cats, _clusters in boards:
        if board.template != Board.Template.PROPOSALS:
            continue
        items = by_board.get(board.pk, [])
        heads = items[: max(1, len(items) // 4)]
        for note in items[len(heads):]:
            note.parent = rng.choice(heads)
            children.append(note)
    Note.objects.bulk_update(children, ["parent"], batch_size=500)
    voters = list(people)
    Vote.objects.bulk_create(
        [Vote(note=rng.choice(created), voter=rng.choice(voters)) for _ in range(notes * 3 // 2)], batch_size=1000
    )
    links = []
    for _ in range(notes // 6):
        a = rng.choice(created)
        same = by_board[a.board_id]
        b = rng.choice(same)
        if a.pk != b.pk:
            links.append(Link(board_id=a.board_id, source=a, target=b))
    Link.objects.bulk_create(links, batch_size=1000)
    Comment.objects.bulk_create(
        [Comment(note=rng.choice(created), author=rng.choice(voters), text=_text(rng)) for _ in range(notes // 10)]
    )
    return workshop
