"""The demo workshop: the ETF's "Exploring distance and online learning in Central Asia".

Loaded by `python manage.py load_demo` (in mapping/management/commands: it adds the boards
from mapping.demo); idempotent (keyed by the workshop's slug).

It shows the whole journey: two linked sessions with agendas and join links; session one's
practitioners and session two's policy makers, donors and EC services, three of session
one's people attending both; in session one two finished breakout rounds (mixed countries,
then no repeat pairings) with rapporteurs; in session two a proposed round (mixed
stakeholder groups) ready for the facilitator to adjust and open.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from participants.models import Attendance, Country, Participant, Stakeholder

from . import services
from .models import AgendaItem, JoinLink, Session, Workshop

DEMO_SLUG = "central-asia-online-learning"
FACILITATOR_USERNAME = "facilitator"
FACILITATOR_PASSWORD = "workshop-demo"  # noqa: S105 - demo only; printed by `make run`

ROME = zoneinfo.ZoneInfo("Europe/Rome")

PEOPLE_S1 = [
    ("Aigerim", Country.KAZAKHSTAN, Stakeholder.TEACHER),
    ("Nurlan", Country.KAZAKHSTAN, Stakeholder.VET_STUDENT),
    ("Bakyt", Country.KYRGYZ_REPUBLIC, Stakeholder.SCHOOL_MANAGER),
    ("Cholpon", Country.KYRGYZ_REPUBLIC, Stakeholder.TEACHER),
    ("Farrukh", Country.TAJIKISTAN, Stakeholder.INSERVICE_TRAINER),
    ("Madina", Country.TAJIKISTAN, Stakeholder.VET_STUDENT),
    ("Dilshod", Country.UZBEKISTAN, Stakeholder.SCHOOL_MANAGER),
    ("Gulnora", Country.UZBEKISTAN, Stakeholder.TEACHER),
    ("Merdan", Country.TURKMENISTAN, Stakeholder.TEACHER),
    ("Ayna", Country.TURKMENISTAN, Stakeholder.INSERVICE_TRAINER),
]
PEOPLE_S2 = [
    ("Yerlan", Country.KAZAKHSTAN, Stakeholder.POLICY_MAKER),
    ("Asel", Country.KYRGYZ_REPUBLIC, Stakeholder.POLICY_MAKER),
    ("Rustam", Country.TAJIKISTAN, Stakeholder.DONOR),
    ("Shahnoza", Country.UZBEKISTAN, Stakeholder.POLICY_MAKER),
    ("Begench", Country.TURKMENISTAN, Stakeholder.POLICY_MAKER),
    ("Claire", Country.OTHER, Stakeholder.EC_SERVICES),
]


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ROME).astimezone(dt.UTC)


@transaction.atomic
def load_demo() -> Workshop:
    user_model = get_user_model()
    facilitators, _ = Group.objects.get_or_create(name="facilitators")
    facilitators.permissions.add(*Permission.objects.filter(codename__in=["facilitate", "export"]))
    user = user_model.objects.filter(username=FACILITATOR_USERNAME).first()
    if user is None:
        user = user_model.objects.create_user(FACILITATOR_USERNAME, password=FACILITATOR_PASSWORD, is_staff=True)
    user.groups.add(facilitators)

    workshop, created = Workshop.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "Exploring distance and online learning in Central Asia",
            "objectives": (
                "Share experience of distance and online learning in vocational education and training "
                "during and after the pandemic; identify threats, obstacles and enablers; co-create "
                "proposals for regional cooperation."
            ),
            "background": (
                "The European Training Foundation supports Kazakhstan, the Kyrgyz Republic, Tajikistan, "
                "Uzbekistan and Turkmenistan in modernising VET. Two linked online sessions gathered "
                "practitioners first, then policy makers, donors and EC services."
            ),
            "organiser": "European Training Foundation",
            "contact_persons": "Workshop team, ETF Turin",
            "country_coordinator": "ETF Central Asia country coordinator",
            "home_timezone": "Europe/Rome",
            "home_city": "Turin",
            "languages": ["en", "ru"],
            "created_by": user,
        },
    )
    if not created:
        return workshop
    s1 = Session.objects.create(
        workshop=workshop, order=1, title="Session 1: practitioners' experience",
        starts_at=_at(18, 10), ends_at=_at(18, 13),
        audience=[Stakeholder.VET_STUDENT, Stakeholder.TEACHER, Stakeholder.SCHOOL_MANAGER,
                  Stakeholder.INSERVICE_TRAINER],
    )
    s2 = Session.objects.create(
        workshop=workshop, order=2, title="Session 2: policy dialogue and regional cooperation",
        starts_at=_at(26, 10), ends_at=_at(26, 13), builds_on=s1,
        audience=[Stakeholder.POLICY_MAKER, Stakeholder.DONOR, Stakeholder.EC_SERVICES],
    )
    for session, items in (
        (s1, [("Welcome and objectives", AgendaItem.Kind.PLENARY, 10),
              ("Panel: learners and teachers on a year of online learning", AgendaItem.Kind.PANEL, 30),
              ("Group work: concept map of digital and online learning", AgendaItem.Kind.GROUP_WORK, 45),
              ("Break", AgendaItem.Kind.BREAK, 10),
              ("Group work: what worked, what did not", AgendaItem.Kind.GROUP_WORK, 30),
              ("Plenary: reporting back", AgendaItem.Kind.PLENARY, 30)]),
        (s2, [("Findings of session 1", AgendaItem.Kind.PLENARY, 15),
              ("Panel: policy makers and donors", AgendaItem.Kind.PANEL, 40),
              ("Group work: proposals for regional cooperation", AgendaItem.Kind.GROUP_WORK, 50),
              ("Plenary: conclusions and next steps", AgendaItem.Kind.PLENARY, 30)]),
    ):
        for order, (title, kind, minutes) in enumerate(items, start=1):
            AgendaItem.objects.create(session=session, order=order, title=title, kind=kind, planned_minutes=minutes)
        JoinLink.objects.create(session=session)
    people = {}
    for name, country, stakeholder in PEOPLE_S1 + PEOPLE_S2:
        people[name] = Participant.objects.create(
            workshop=workshop, display_name=name, country=country, stakeholder=stakeholder,
            language="ru" if country != Country.OTHER else "en", consent_at=s1.starts_at,
            timezone=ZONES[country],
        )
    for name, *_rest in PEOPLE_S1:
        Attendance.objects.create(participant=people[name], session=s1, last_seen_at=s1.ends_at)
    for name in [n for n, *_rest in PEOPLE_S2] + BOTH_SESSIONS:
        Attendance.objects.create(participant=people[name], session=s2)
    _demo_rounds(s1, s2)
    # Boards: the board helper's mapping.demo adds the sessions' boards here (concept map,
    # reflection grid, proposals; one board per breakout group). Not imported from here:
    # workshops must not import mapping. Call site for the lead:
    #     mapping.demo.load_boards(workshop)
    return workshop


#: Session one's people who came back for session two (same participant, two attendances).
BOTH_SESSIONS = ["Aigerim", "Bakyt", "Dilshod"]
ZONES = {
    Country.KAZAKHSTAN: "Asia/Almaty", Country.KYRGYZ_REPUBLIC: "Asia/Bishkek",
    Country.TAJIKISTAN: "Asia/Dushanbe", Country.UZBEKISTAN: "Asia/Tashkent",
    Country.TURKMENISTAN: "Asia/Ashgabat", Country.OTHER: "Europe/Brussels",
}


def _demo_rounds(s1: Session, s2: Session) -> None:
    """Rounds made through the same services the console uses (fixed seeds, so the demo
    is the same every time)."""
    items = {item.title: item for item in AgendaItem.objects.filter(session__in=[s1, s2])}
    first = services.create_round(
        session=s1, agenda_item=items["Group work: concept map of digital and online learning"],
        strategy="mixed_countries", n_groups=3, seed=18,
    )
    services.open_round(round_=first)
    for group in first.groups.order_by("order"):
        member = group.memberships.order_by("participant__display_name").first()
        if member is not None:
            services.set_rapporteur(group=group, participant=member.participant)
    services.signal_group(group=first.groups.order_by("order").first(), signal="done", by="Aigerim")
    services.recall(session=s1)
    second = services.create_round(
        session=s1, agenda_item=items["Group work: what worked, what did not"], strategy="no_repeat", n_groups=3,
        seed=19,
    )
    services.open_round(round_=second)
    services.recall(session=s1)
    services.create_round(
        session=s2, agenda_item=items["Group work: proposals for regional cooperation"],
        strategy="mixed_stakeholders", n_groups=3, seed=26,
    )
