"""Board content for the demo workshop ("Exploring distance and online learning in Central
Asia"): session one's concept map and reflection grid, session two's cooperation
proposals and its carried-forward input boards. Everything goes through apply_op, as
the participants' own ops would, so the boards have real logs.

Idempotent: boards are found by session and title, and every op has a fixed op id that
apply_op will not apply twice.
"""

from __future__ import annotations

from participants.identity import Actor
from participants.models import Participant
from workshops.models import BreakoutRound, Workshop

from . import services
from .models import Board

CONCEPT_MAP = "Concept map: distance and online learning in VET"
REFLECTION = "Reflection: what worked, what did not"
PROPOSALS = "Proposals for regional cooperation"

# (author, category index, text, x, y)
CONCEPT_NOTES = [
    ("Aigerim", 0, "Quality VET for every learner, wherever they live", 120, 80),
    ("Bakyt", 0, "Цифровые навыки для всех преподавателей к 2030 году", 380, 60),
    ("Dilshod", 0, "Flexible pathways combining online and work-based learning", 640, 80),
    ("Gulnora", 1, "Blended learning as the norm, not the emergency response", 380, 240),
    ("Farrukh", 1, "Виртуальные мастерские и симуляторы для практического обучения", 660, 250),
    ("Cholpon", 1, "A regional repository of open educational resources in Russian and national languages", 120, 250),
    ("Madina", 2, "Learners dropping out when classes moved online", 880, 420),
    ("Merdan", 2, "Неравный доступ к интернету в сельских районах", 880, 560),
    ("Nurlan", 3, "Unstable internet and too few devices in rural colleges", 620, 520),
    ("Ayna", 3, "Teachers lack training in online pedagogy", 380, 440),
    ("Bakyt", 3, "Practical training is hard to do at a distance", 620, 400),
    ("Cholpon", 4, "Teachers' own initiative and peer support networks", 120, 440),
    ("Dilshod", 4, "Messaging apps reached learners when platforms could not", 120, 580),
    ("Farrukh", 4, "Поддержка доноров и международных партнёров", 380, 600),
]
# (source text index, target text index, label)
CONCEPT_LINKS = [
    (9, 3, "blocks"), (11, 3, "enables"), (8, 6, "leads to"), (5, 0, "supports"), (12, 6, "reduces"),
    (13, 5, "funds"),
]
CONCEPT_VOTES = [("Aigerim", 9), ("Bakyt", 9), ("Cholpon", 8), ("Madina", 8), ("Nurlan", 5), ("Gulnora", 3),
                 ("Merdan", 9), ("Ayna", 11)]

REFLECTION_NOTES = [
    ("Nurlan", 0, "Recorded lessons learners could watch again later"),
    ("Gulnora", 0, "Группы в Telegram для быстрой связи с учащимися"),
    ("Ayna", 0, "Colleagues sharing their lesson plans"),
    ("Madina", 1, "Assessing practical skills online"),
    ("Merdan", 1, "Long video calls on mobile phones"),
    ("Bakyt", 2, "Workshops and labs without any equipment at home"),
    ("Farrukh", 3, "Free mobile data for learners"),
    ("Dilshod", 3, "Training for teachers before the switch, not after"),
    ("Aigerim", 3, "Единая платформа вместо десятка разных приложений"),
]

# (author, card text, [(author, support idea)])
PROPOSAL_CARDS = [
    ("Yerlan", "More cooperation in open and distance learning across Central Asia", [
        ("Asel", "Joint online teacher-training courses"),
        ("Shahnoza", "Обмен опытом между колледжами разных стран"),
    ]),
    ("Asel", "Better use of existing resources", [
        ("Begench", "Map the platforms and content countries already have"),
        ("Yerlan", "Translate good courses into the national languages"),
    ]),
    ("Rustam", "Donor coordination at national and regional level", [
        ("Claire", "A shared overview of donor projects in VET"),
        ("Rustam", "Ежегодный региональный круглый стол доноров"),
    ]),
    ("Shahnoza", "A competency framework for learners in digital and online learning", [
        ("Claire", "Build on DigComp, adapted to VET"),
    ]),
]
PROPOSAL_VOTES = [("Yerlan", 0), ("Asel", 0), ("Rustam", 2), ("Begench", 1), ("Claire", 2), ("Shahnoza", 3),
                  ("Asel", 3), ("Begench", 0)]


def _board(session, template: str, title: str, **kwargs) -> Board:
    board = Board.objects.filter(session=session, title=title, group__isnull=True).first()
    return board or services.create_board(session=session, template=template, title=title, **kwargs)


def load_board_demo(workshop: Workshop) -> list[Board]:
    """Fill the demo workshop's boards (creating them if needed); safe to run again."""
    sessions = list(workshop.sessions.order_by("order"))
    if not sessions:
        return []
    people = {p.display_name: p for p in Participant.objects.filter(workshop=workshop)}

    def op(board: Board, who: str, name: str, op_id: str, data: dict) -> dict:
        actor = Actor(participant=people[who]) if who in people else None
        return services.apply_op(board=board, actor=actor, op=name, op_id=f"demo-{op_id}", data=data)

    first = sessions[0]
    concept = _board(first, Board.Template.CONCEPT_MAP, CONCEPT_MAP, author_mode=Board.AuthorMode.BY_ROLE)
    cats = list(concept.categories.order_by("order", "id"))
    ids = []
    for i, (who, cat, text, x, y) in enumerate(CONCEPT_NOTES):
        ack = op(concept, who, "note.add", f"cm-{i}", {"text": text, "category": cats[cat].pk if cat < len(cats)
                                                        else None, "x": x, "y": y})
        ids.append(ack["id"])
    for i, (source, target, label) in enumerate(CONCEPT_LINKS):
        op(concept, "", "link.add", f"cm-link-{i}", {"source": ids[source], "target": ids[target], "label": label})
    op(concept, "", "cluster.add", "cm-cluster", {"name": "Connectivity", "notes": [ids[7], ids[8]]})
    for i, (who, target) in enumerate(CONCEPT_VOTES):
        op(concept, who, "vote.add", f"cm-vote-{i}", {"note": ids[target]})
    op(concept, "Bakyt", "comment.add", "cm-comment",
       {"note": ids[9], "text": "Особенно для мастеров производственного обучения"})

    reflection = _board(first, Board.Template.REFLECTION, REFLECTION)
    rcats = list(reflection.categories.order_by("order", "id"))
    for i, (who, cat, text) in enumerate(REFLECTION_NOTES):
        op(reflection, who, "note.add", f"rf-{i}", {"text": text, "category": rcats[cat].pk if cat < len(rcats)
                                                    else None})
    boards = [concept, reflection]
    if len(sessions) > 1:
        second = sessions[1]
        proposals = _board(second, Board.Template.PROPOSALS, PROPOSALS, author_mode=Board.AuthorMode.BY_ROLE)
        pcat = proposals.categories.order_by("order", "id").first()
        cards = []
        for i, (who, text, ideas) in enumerate(PROPOSAL_CARDS):
            card = op(proposals, who, "note.add", f"pr-{i}", {"text": text, "category": pcat.pk if pcat else None,
                                                              "x": 160 + 260 * i, "y": 100})["id"]
            cards.append(card)
            for j, (author, idea) in enumerate(ideas):
                op(proposals, author, "note.add", f"pr-{i}-{j}", {"text": idea, "parent": card,
                                                                   "category": pcat.pk if pcat else None,
                                                                   "x": 160 + 260 * i, "y": 220 + 90 * j})
        for i, (who, card) in enumerate(PROPOSAL_VOTES):
            op(proposals, who, "vote.add", f"pr-vote-{i}", {"note": cards[card]})
        boards.append(proposals)
        if second.builds_on_id:
            boards.extend(s.board for s in services.sync_input_boards(session=second))
    # The demo's rounds were opened through workshops.services alone (workshops does not
    # import mapping); their groups' boards are made here, as live.services.open_round does.
    for round_ in BreakoutRound.objects.filter(session__in=sessions, opened_at__isnull=False).order_by("id"):
        boards.extend(services.ensure_group_boards(round=round_))
    return boards
