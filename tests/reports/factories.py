"""Plain factories for report tests: rows built directly with the ORM.

`full_workshop()` builds the small but complete workshop most report tests read: two
sessions, breakout rounds and groups, people from four countries with attendances, a
named concept map (categories, clusters, votes, links, comments), a group board, an
anonymous reflection grid, a by-role proposals board with support ideas, a Russian
note, a formula-looking note, a deleted note and a still-private note.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from types import SimpleNamespace

from mapping.models import Board, Category, Cluster, Comment, Link, Note, Vote
from mapping.services import apply_op, sync_input_boards
from participants.models import Attendance, Country, Participant, Role, Stakeholder
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop

ROME = zoneinfo.ZoneInfo("Europe/Rome")
_seq = itertools.count(1)

RUSSIAN_NOTE = "Нехватка устройств и интернета у студентов в сёлах"
FORMULA_NOTE = '=HYPERLINK("http://evil.example","click")'
ANONYMOUS_AUTHOR = "Zarina Secretova"
BY_ROLE_AUTHOR = "Yerlan Hiddenov"


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=ROME).astimezone(dt.UTC)


def make_workshop(**kwargs) -> Workshop:
    n = next(_seq)
    defaults = {
        "title": "Exploring distance and online learning in Central Asia",
        "slug": f"central-asia-{n}",
        "objectives": "Share experience of online learning in VET.",
        "background": "Two linked online sessions for practitioners, then policy makers.",
        "description": "",
        "organiser": "European Training Foundation",
        "contact_persons": "Anna Rossi, ETF\nMarco Bianchi, ETF",
        "country_coordinator": "Gulnara Coordinatorova",
        "home_timezone": "Europe/Rome",
        "home_city": "Turin",
    }
    defaults.update(kwargs)
    return Workshop.objects.create(**defaults)


def make_session(workshop: Workshop, order: int = 1, **kwargs) -> Session:
    defaults = {"title": f"Session {order}", "starts_at": at(17 + order, 10), "ends_at": at(17 + order, 13)}
    defaults.update(kwargs)
    return Session.objects.create(workshop=workshop, order=order, **defaults)


def make_participant(workshop: Workshop, name: str, country=Country.KAZAKHSTAN, stakeholder=Stakeholder.TEACHER,
                     *, sessions=(), **kwargs) -> Participant:
    person = Participant.objects.create(workshop=workshop, display_name=name, country=country,
                                        stakeholder=stakeholder, **kwargs)
    for session in sessions:
        Attendance.objects.create(participant=person, session=session)
    return person


def make_round(session: Session, group_names=("Group A", "Group B"), strategy=BreakoutRound.Strategy.MIXED_COUNTRIES):
    rnd = BreakoutRound.objects.create(session=session, strategy=strategy)
    groups = [BreakoutGroup.objects.create(round=rnd, order=i, name=name) for i, name in enumerate(group_names, 1)]
    return rnd, groups


def join_group(group: BreakoutGroup, *people: Participant) -> None:
    for person in people:
        GroupMembership.objects.create(group=group, round=group.round, participant=person)


def make_board(session: Session, title: str, template=Board.Template.CONCEPT_MAP, *, group=None,
               author_mode=Board.AuthorMode.NAMED, categories=(), **kwargs) -> Board:
    board = Board.objects.create(session=session, group=group, title=title, template=template,
                                 author_mode=author_mode, **kwargs)
    for i, name in enumerate(categories, 1):
        Category.objects.create(board=board, order=i, name=name, colour=["#fde2e4", "#fff3b0", "#d8f3dc"][i % 3])
    return board


def category(board: Board, name: str) -> Category:
    return board.categories.get(name=name)


def make_note(board: Board, text: str, author: Participant | None = None, *, category=None, cluster=None,
              parent=None, votes=(), x=None, y=None, **kwargs) -> Note:
    n = next(_seq)
    note = Note.objects.create(board=board, text=text, author=author, category=category, cluster=cluster,
                               parent=parent, x=x if x is not None else (n % 7) * 220.0,
                               y=y if y is not None else (n // 7 % 9) * 130.0, **kwargs)
    for voter in votes:
        Vote.objects.create(note=note, voter=voter)
    return note


def full_workshop() -> SimpleNamespace:
    w = make_workshop()
    s1 = make_session(w, 1, title="Session 1: practitioners", audience=[Stakeholder.TEACHER, Stakeholder.VET_STUDENT])
    s2 = make_session(w, 2, title="Session 2: policy dialogue", builds_on=s1, audience=[Stakeholder.POLICY_MAKER])
    AgendaItem.objects.create(session=s1, order=1, title="Welcome", kind=AgendaItem.Kind.PLENARY, planned_minutes=10)
    AgendaItem.objects.create(session=s1, order=2, title="Concept map", kind=AgendaItem.Kind.GROUP_WORK,
                              planned_minutes=45)
    AgendaItem.objects.create(session=s2, order=1, title="Proposals", kind=AgendaItem.Kind.GROUP_WORK,
                              planned_minutes=50)
    aigerim = make_participant(w, "Aigerim Teacherova", Country.KAZAKHSTAN, Stakeholder.TEACHER, sessions=[s1, s2])
    bakyt = make_participant(w, "Bakyt Managerov", Country.KYRGYZ_REPUBLIC, Stakeholder.SCHOOL_MANAGER,
                             sessions=[s1])
    farrukh = make_participant(w, "Farrukh Trainerov", Country.TAJIKISTAN, Stakeholder.INSERVICE_TRAINER,
                               sessions=[s1])
    zarina = make_participant(w, ANONYMOUS_AUTHOR, Country.UZBEKISTAN, Stakeholder.TEACHER, sessions=[s1])
    yerlan = make_participant(w, BY_ROLE_AUTHOR, Country.KAZAKHSTAN, Stakeholder.POLICY_MAKER, sessions=[s2])
    rustam = make_participant(w, "Rustam Donorov", Country.TAJIKISTAN, Stakeholder.DONOR, sessions=[s2])
    _r1, (group_a, group_b) = make_round(s1)
    join_group(group_a, aigerim, zarina)
    join_group(group_b, bakyt, farrukh)
    _r2, (group_c,) = make_round(s2, ("Policy group",), BreakoutRound.Strategy.SAME_STAKEHOLDER)
    join_group(group_c, yerlan, rustam)

    cmap = make_board(s1, "Concept map of online learning", categories=("Threats", "Obstacles", "Enablers"))
    connectivity = Cluster.objects.create(board=cmap, name="Connectivity")
    threats, obstacles, enablers = (category(cmap, c) for c in ("Threats", "Obstacles", "Enablers"))
    top_threat = make_note(cmap, "Unstable internet in rural colleges", aigerim, category=threats,
                           cluster=connectivity, votes=[aigerim, bakyt, farrukh])
    second_threat = make_note(cmap, "Power cuts during lessons", bakyt, category=threats, cluster=connectivity,
                              votes=[farrukh])
    lonely_threat = make_note(cmap, "Learners drop out unnoticed", farrukh, category=threats, votes=[aigerim, bakyt])
    russian = make_note(cmap, RUSSIAN_NOTE, farrukh, category=obstacles, votes=[aigerim, bakyt, farrukh, zarina])
    practice = make_note(cmap, "Teachers lack practice with online tools", bakyt, category=obstacles)
    top_enabler = make_note(cmap, "Peer support networks of teachers", aigerim, category=enablers,
                            votes=[bakyt, farrukh])
    formula = make_note(cmap, FORMULA_NOTE, bakyt, category=enablers)
    deleted = make_note(cmap, "A note someone deleted", aigerim, category=enablers, deleted_at=at(18, 11))
    Link.objects.create(board=cmap, source=top_threat, target=lonely_threat, label="leads to")
    Link.objects.create(board=cmap, source=top_enabler, target=practice)
    Comment.objects.create(note=top_threat, author=bakyt, text="Same in Osh")
    Comment.objects.create(note=top_threat, author=farrukh, text="And in Khujand")

    group_board = make_board(s1, "Group A map", group=group_a, categories=("Threats",))
    group_note = make_note(group_board, "Cheap mobile data is a must", aigerim, category=category(group_board,
                                                                                                  "Threats"))
    private = make_note(group_board, "Still private draft", aigerim, private=True)
    Board.objects.filter(pk=group_board.pk).update(private_until_reveal=True)

    reflection = make_board(s1, "Reflection grid", Board.Template.REFLECTION,
                            author_mode=Board.AuthorMode.ANONYMOUS, categories=("What worked", "What did not"))
    worked = make_note(reflection, "Short video lessons worked", zarina, category=category(reflection, "What worked"),
                       votes=[aigerim])
    not_worked = make_note(reflection, "Long webinars did not", zarina,
                           category=category(reflection, "What did not"))

    proposals = make_board(s2, "Regional cooperation proposals", Board.Template.PROPOSALS,
                           author_mode=Board.AuthorMode.BY_ROLE)
    policy_proposal = make_note(proposals, "Regional platform of open VET courses", yerlan, votes=[rustam, aigerim])
    support_1 = make_note(proposals, "Donors co-fund hosting", rustam, parent=policy_proposal, votes=[yerlan])
    support_2 = make_note(proposals, "Shared quality criteria", aigerim, parent=policy_proposal)
    practitioner_proposal = make_note(proposals, "Exchange of teachers' digital lesson plans", aigerim,
                                      votes=[rustam])
    support_3 = make_note(proposals, "Monthly online meet-ups", yerlan, parent=practitioner_proposal)
    return SimpleNamespace(**locals())


def pull(board: Board, source: Board, *notes: Note) -> list[Note]:
    """Pull `notes` from `source` into `board` as the live op does (copies, provenance,
    links among them), as the system."""
    ack = apply_op(board=board, actor=None, op="note.pull", op_id="",
                   data={"source_board": source.pk, "notes": [n.pk for n in notes]})
    return [Note.objects.get(pk=pk) for pk in ack["ids"]]


def workshop_with_copies() -> SimpleNamespace:
    """full_workshop() as a real two-session day leaves it: rounds named by their agenda
    items (one more round of five groups for the reflection), an observer at both
    sessions and a facilitator at the first (both with attendances), two group notes
    (voted and linked in the group) pulled into the plenary map and voted again there,
    session two's read-only input boards carried from session one (mirrored votes), and
    the plenary's top threat pulled from the input board into session two's proposals
    board and voted there."""
    ws = full_workshop()
    concept_item = ws.s1.agenda_items.get(title="Concept map")
    BreakoutRound.objects.filter(pk=ws._r1.pk).update(agenda_item=concept_item)
    BreakoutRound.objects.filter(pk=ws._r2.pk).update(agenda_item=ws.s2.agenda_items.get(title="Proposals"))
    reflect_item = AgendaItem.objects.create(session=ws.s1, order=3, title="What worked for us",
                                             kind=AgendaItem.Kind.GROUP_WORK, planned_minutes=20)
    r3, _groups = make_round(ws.s1, [f"Reflection {i}" for i in range(1, 6)])
    BreakoutRound.objects.filter(pk=r3.pk).update(agenda_item=reflect_item,
                                                  board_template=Board.Template.REFLECTION)
    observer = make_participant(ws.w, "Olga Observerova", Country.KAZAKHSTAN, Stakeholder.OTHER,
                                sessions=[ws.s1, ws.s2], role=Role.OBSERVER)
    facilitator = make_participant(ws.w, "Fatima Facilitatorova", Country.OTHER, Stakeholder.OTHER,
                                   sessions=[ws.s1], role=Role.FACILITATOR)
    for voter in (ws.aigerim, ws.zarina):
        Vote.objects.create(note=ws.group_note, voter=voter)
    shared_phones = make_note(ws.group_board, "Teachers share one phone", ws.aigerim,
                              category=category(ws.group_board, "Threats"))
    Link.objects.create(board=ws.group_board, source=ws.group_note, target=shared_phones, label="worsens")
    group_copy, phones_copy = pull(ws.cmap, ws.group_board, ws.group_note, shared_phones)
    Vote.objects.create(note=group_copy, voter=ws.bakyt)
    sync_input_boards(session=ws.s2)
    input_map = Board.objects.get(session=ws.s2, source_board=ws.cmap, read_only_input=True)
    input_threat = input_map.notes.get(source_note=ws.top_threat)
    (carried_threat,) = pull(ws.proposals, input_map, input_threat)
    Vote.objects.create(note=carried_threat, voter=ws.rustam)
    return SimpleNamespace(**{**vars(ws), **{k: v for k, v in locals().items() if k != "ws"}})
