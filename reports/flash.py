"""The flash report's sections, generated from a workshop's data as draft text.

Follows the ETF flash-report template: event and dates, objectives, background, short
description (sessions, audiences, organisation, participants by country and stakeholder
group), key outcomes (concept map by category with clusters as headings, the reflection
grid, cooperation proposals split by stakeholder tier), conclusions, contacts, country
coordinator. Each section is text in the small Markdown subset of reports.markup, so staff
can edit it and every format shows their edit. Pure functions: nothing here writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mapping.models import Board, Note
from mapping.services import template_for_round
from participants.models import POLICY_TIER, PRACTITIONERS, Role, Stakeholder
from workshops.models import BreakoutRound

from .markup import one_line, table_cell
from .pictures import board_caption, report_maps
from .selectors import (
    WorkshopData,
    country_label,
    country_order,
    link_summary,
    provenance,
    stakeholder_code,
    stakeholder_label,
)

#: Top items listed per cluster (or per category without clusters); the rest are counted.
TOP_ITEMS = 10
#: Proposals listed per stakeholder tier, and support ideas per proposal; the rest are counted.
TOP_PROPOSALS = 15
TOP_SUPPORTS = 8

#: Section keys in report order, with their titles.
SECTIONS: list[tuple[str, object]] = [
    ("event", gettext_lazy("Event")),
    ("objectives", gettext_lazy("Main objectives")),
    ("background", gettext_lazy("Background")),
    ("description", gettext_lazy("Short description")),
    ("outcomes_map", gettext_lazy("Key outcomes: concept map")),
    ("outcomes_reflection", gettext_lazy("Key outcomes: reflection grid")),
    ("outcomes_proposals", gettext_lazy("Key outcomes: proposals for regional cooperation")),
    ("conclusions", gettext_lazy("Conclusions")),
    ("contacts", gettext_lazy("Contact persons")),
    ("coordinator", gettext_lazy("Country coordinator")),
]
SECTION_KEYS = [key for key, _title in SECTIONS]


def section_title(key: str) -> str:
    return str(dict(SECTIONS)[key])


# --- Helpers -----------------------------------------------------------------------------------


def _day(data: WorkshopData, moment) -> str:
    local = moment.astimezone(data.workshop.home_zone)
    return dateformat.format(local, "j E Y")


def _home_time(data: WorkshopData, moment) -> str:
    local = moment.astimezone(data.workshop.home_zone)
    return _("%(time)s %(city)s time") % {"time": f"{local:%H:%M}", "city": data.workshop.home_city}


def _boards(data: WorkshopData, template: str) -> list[Board]:
    return [b for b in data.boards if b.template == template and not b.read_only_input]


def heading(level: int, text: str) -> str:
    """A Markdown heading. (Not `f"### {_('…')}"`: xgettext cannot see strings inside
    f-strings, so they never reached the catalogue.)"""
    return f"{'#' * level} {one_line(text)}"


def votes_text(n: int) -> str:
    return _("votes: %(n)d") % {"n": n}


def item_line(data: WorkshopData, note: Note, board: Board) -> str:
    """One outcome: its text, its item's votes (copies summed), and where it came from
    (never a name unless named)."""
    votes = votes_text(data.item_votes(note))
    origin = provenance(data, note, board)
    if origin is None:
        return f"{one_line(note.text)} ({votes})"
    where = " · ".join(([origin.author] if origin.author else []) + origin.parts())
    return f"{one_line(note.text)} ({votes}; {where})" if where else f"{one_line(note.text)} ({votes})"


def more(n: int) -> str:
    return _("… and %(n)d more (see the data export)") % {"n": n}


def _ranked(data: WorkshopData, notes: list[Note]) -> list[Note]:
    return sorted(notes, key=lambda n: (-data.item_votes(n), n.pk))


def _shown(data: WorkshopData, boards: list[Board]) -> list[Note]:
    """Top-level notes of `boards` that represent their item (each item once)."""
    ids = {b.pk for b in boards}
    return [n for n in data.notes if n.board_id in ids and n.parent_id is None and data.shows(n)]


def _category_key(data: WorkshopData, note: Note) -> str:
    category = data.categories.get(note.category_id) if note.category_id else None
    return category.name if category else ""


def _category_sections(data: WorkshopData, boards: list[Board], *, level: str = "###") -> list[str]:
    """Notes of these boards by category name (board order), clusters as sub-headings."""
    board_by_id = {b.pk: b for b in boards}
    notes = _shown(data, boards)
    order: list[str] = []
    for board in boards:
        for category in sorted(
            (c for c in data.categories.values() if c.board_id == board.pk), key=lambda c: (c.order, c.pk)
        ):
            if category.name not in order:
                order.append(category.name)
    by_category: dict[str, list[Note]] = defaultdict(list)
    for note in notes:
        by_category[_category_key(data, note)].append(note)
    if "" in by_category:
        order.append("")
    lines: list[str] = []
    for name in order:
        members = by_category.get(name, [])
        if not members:
            continue
        lines.append(f"{level} {one_line(name) if name else _('Not categorised')}")
        lines.append("")
        clusters: dict[str, list[Note]] = defaultdict(list)
        for note in members:
            cluster = data.clusters.get(note.cluster_id) if note.cluster_id else None
            clusters[cluster.name if cluster else ""].append(note)
        named = sorted(
            (c for c in clusters if c),
            key=lambda c: (-sum(data.item_votes(n) for n in clusters[c]), c),
        )
        groups = [(c, clusters[c]) for c in named]
        if "" in clusters:
            groups.append(("" if not named else _("Not clustered"), clusters[""]))
        for cluster_name, cluster_notes in groups:
            if cluster_name:
                lines.append(f"{level}# {one_line(cluster_name)}")
                lines.append("")
            ranked = _ranked(data, cluster_notes)
            for note in ranked[:TOP_ITEMS]:
                lines.append(f"- {item_line(data, note, board_by_id[note.board_id])}")
            if len(ranked) > TOP_ITEMS:
                lines.append(f"- {more(len(ranked) - TOP_ITEMS)}")
            lines.append("")
    return lines


# --- Sections ----------------------------------------------------------------------------------


def event(data: WorkshopData) -> str:
    w = data.workshop
    lines = [one_line(w.title)]
    if w.organiser:
        lines[0] += f" — {one_line(w.organiser)}"
    lines.append("")
    for session in data.sessions:
        lines.append(
            f"- {one_line(session.title)}: {_day(data, session.starts_at)}, {_home_time(data, session.starts_at)}"
            f" ({session.starts_at.astimezone(w.home_zone):%H:%M}–{session.ends_at.astimezone(w.home_zone):%H:%M})"
        )
    return "\n".join(lines).strip()


def objectives(data: WorkshopData) -> str:
    return data.workshop.objectives.strip()


def background(data: WorkshopData) -> str:
    return data.workshop.background.strip()


def _participants_table(data: WorkshopData, participant_ids: set[int]) -> list[str]:
    """Country x stakeholder group, with totals; only the columns someone is in."""
    people = [data.participants[pid] for pid in participant_ids]
    countries = sorted({p.country for p in people}, key=country_order)
    groups = [code for code, _label in Stakeholder.choices if any(p.stakeholder == code for p in people)]
    header = [_("Country"), *[stakeholder_label(g) for g in groups], _("Total")]
    lines = ["| " + " | ".join(table_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    for country in countries:
        row = [sum(1 for p in people if p.country == country and p.stakeholder == g) for g in groups]
        lines.append("| " + " | ".join([table_cell(country_label(country)), *map(str, row), str(sum(row))]) + " |")
    totals = [sum(1 for p in people if p.stakeholder == g) for g in groups]
    lines.append("| " + " | ".join([_("Total"), *map(str, totals), str(len(people))]) + " |")
    return lines


def attended_ids(data: WorkshopData) -> set[int]:
    """Participants (not observers or facilitators) with an attendance; when none was
    recorded at all, every registered participant."""
    ids = set().union(*data.attendance.values()) if data.attendance else set()
    if ids or any(data.attendance_apart.get(s.pk) for s in data.sessions):
        return ids
    return {pid for pid, p in data.participants.items() if p.role in (Role.PARTICIPANT, Role.RAPPORTEUR)}


def in_every_session(data: WorkshopData) -> set[int]:
    return set.intersection(*(data.attendance.get(s.pk, set()) for s in data.sessions)) if data.sessions else set()


def groups_text(n: int) -> str:
    return ngettext("%(n)d breakout group", "%(n)d breakout groups", n) % {"n": n}


def round_template(data: WorkshopData, rnd: BreakoutRound) -> str:
    """The template the round's groups worked on: their boards', else the one chosen for
    the round, else the one its agenda item calls for (mapping.services.template_for_round)."""
    used = [b.template for b in data.boards if b.group_id is not None and b.group.round_id == rnd.pk]
    if used:
        return Counter(used).most_common(1)[0][0]
    return template_for_round(rnd)  # a query, only for a round whose groups have no board


def template_label(template: str) -> str:
    try:
        return str(Board.Template(template).label)
    except ValueError:
        return template


def round_lines(data: WorkshopData) -> list[str]:
    """One bullet per round: its session, its purpose (the agenda item), how many groups
    formed how, and the board they worked on."""
    lines: list[str] = []
    sessions = data.sessions_by_id
    number: dict[int, int] = defaultdict(int)
    for rnd in data.rounds:
        number[rnd.session_id] += 1
        purpose = rnd.agenda_item.title if rnd.agenda_item_id else _("Round %(n)d") % {"n": number[rnd.session_id]}
        count = sum(1 for g in data.groups.values() if g.round_id == rnd.pk)
        lines.append("- " + _("%(session)s — %(purpose)s: %(groups)s (%(strategy)s), board: %(template)s") % {
            "session": one_line(sessions[rnd.session_id].title), "purpose": one_line(purpose),
            "groups": groups_text(count), "strategy": rnd.get_strategy_display(),
            "template": template_label(round_template(data, rnd)),
        })
    return lines


def _apart_text(data: WorkshopData) -> str:
    """"Not counted: 1 observer, 2 facilitators." over all sessions, or empty."""
    observers: set[int] = set()
    facilitators: set[int] = set()
    for session in data.sessions:
        by_role = data.attendance_apart.get(session.pk, {})
        observers |= by_role.get(Role.OBSERVER, set())
        facilitators |= by_role.get(Role.FACILITATOR, set())
    parts = []
    if observers:
        parts.append(ngettext("%(n)d observer", "%(n)d observers", len(observers)) % {"n": len(observers)})
    if facilitators:
        parts.append(ngettext("%(n)d facilitator", "%(n)d facilitators", len(facilitators)) % {
            "n": len(facilitators)})
    return _("Not counted as participants: %(people)s.") % {"people": ", ".join(parts)} if parts else ""


def participant_lines(data: WorkshopData) -> list[str]:
    ids = attended_ids(data)
    lines = [heading(3, _("Participants")), ""]
    summary = ngettext("%(n)d participant took part", "%(n)d participants took part", len(ids)) % {"n": len(ids)}
    per_session = "; ".join(
        _("%(session)s — %(n)d") % {"session": one_line(s.title), "n": len(data.attendance.get(s.pk, set()))}
        for s in data.sessions
    )
    text = f"{summary} ({per_session})." if per_session else f"{summary}."
    if len(data.sessions) > 1:
        both = len(in_every_session(data))
        if len(data.sessions) == 2:
            text += " " + ngettext("%(n)d person attended both sessions.", "%(n)d people attended both sessions.",
                                   both) % {"n": both}
        else:
            text += " " + ngettext("%(n)d person attended all sessions.", "%(n)d people attended all sessions.",
                                   both) % {"n": both}
    apart = _apart_text(data)
    lines += [f"{text} {apart}".strip(), ""]
    if len(data.sessions) > 1:
        for session in data.sessions:
            present = data.attendance.get(session.pk, set())
            lines += [f"#### {one_line(session.title)}", ""]
            lines += [*_participants_table(data, present), ""] if present else [_("No attendance recorded."), ""]
        lines += [heading(4, _("All sessions")), ""]
    lines += [*_participants_table(data, ids), ""]
    return lines


def description(data: WorkshopData) -> str:
    w = data.workshop
    lines: list[str] = []
    if w.description.strip():
        lines += [w.description.strip(), ""]
    lines += [heading(3, _("Sessions")), ""]
    for session in data.sessions:
        audience = ", ".join(stakeholder_label(a) for a in session.audience) or _("everyone")
        label = _("audience")
        lines.append(f"- {one_line(session.title)} — {label}: {audience}")
        for item in session.agenda_items.all():
            minutes = _("%(n)d min") % {"n": item.planned_minutes}
            lines.append(f"  - {one_line(item.title)} ({item.get_kind_display()}, {minutes})")
    lines.append("")
    rounds = round_lines(data)
    if rounds:
        lines += [heading(3, _("How the work was organised")), "", *rounds, ""]
    lines += participant_lines(data)
    alt = _("Participants per session by country")
    lines.append(f"![{alt}](picture:attendance)")
    return "\n".join(lines).strip()


def links_text(n: int) -> str:
    return ngettext("%(n)d link", "%(n)d links", n) % {"n": n}


def link_lines(data: WorkshopData, boards: list[Board]) -> list[str]:
    """"Obstacles → Enablers: 7 links", per pair of categories, most linked first."""
    summary = link_summary(data, boards)
    if not summary:
        return []
    lines = [heading(3, _("Links between notes")), ""]
    for row in summary:
        source = one_line(row.source) if row.source else _("Not categorised")
        target = one_line(row.target) if row.target else _("Not categorised")
        lines.append(f"- {source} → {target}: {links_text(row.links)}")
    return [*lines, ""]


def outcomes_map(data: WorkshopData) -> str:
    boards = _boards(data, Board.Template.CONCEPT_MAP)
    if not boards:
        return _("No concept map was used.")
    lines = _category_sections(data, boards)
    lines += link_lines(data, boards)
    for index, board in report_maps(data):
        # "]" would end the alt text of the draft's picture line.
        alt = board_caption(board).replace("[", "(").replace("]", ")")
        lines += [f"![{alt}](picture:board-{index})", ""]
    return "\n".join(lines).strip()


def outcomes_reflection(data: WorkshopData) -> str:
    boards = _boards(data, Board.Template.REFLECTION)
    if not boards:
        return _("No reflection grid was used.")
    return "\n".join(_category_sections(data, boards)).strip()


def tier_of(code: str) -> str:
    if code in PRACTITIONERS:
        return "practitioners"
    if code in POLICY_TIER:
        return "policy"
    return "other"


def outcomes_proposals(data: WorkshopData) -> str:
    boards = _boards(data, Board.Template.PROPOSALS)
    if not boards:
        return _("No proposals board was used.")
    board_by_id = {b.pk: b for b in boards}
    proposals = _shown(data, boards)
    tiers: dict[str, list[Note]] = defaultdict(list)
    for note in proposals:
        board = board_by_id[note.board_id]
        if board.author_mode == Board.AuthorMode.ANONYMOUS:
            tiers["anonymous"].append(note)
        else:
            tiers[tier_of(stakeholder_code(data, note))].append(note)
    headings = [
        ("practitioners", _("Practitioners")),
        ("policy", _("Policy makers, donors and EC services")),
        ("other", _("Other participants")),
        ("anonymous", _("Not attributed (anonymous boards)")),
    ]

    def support(note: Note) -> tuple[int, int]:
        return len(data.item_children(note)), data.item_votes(note)

    lines: list[str] = []
    for key, heading in headings:
        notes = tiers.get(key)
        if not notes:
            continue
        lines += [f"### {heading}", ""]
        ranked = sorted(notes, key=lambda n: (-sum(support(n)), n.pk))
        for note in ranked[:TOP_PROPOSALS]:
            ideas, votes = support(note)
            board = board_by_id[note.board_id]
            lines.append(
                f"- {item_line(data, note, board)} — "
                + _("support ideas: %(ideas)d, support: %(total)d") % {"ideas": ideas, "total": ideas + votes}
            )
            children = _ranked(data, data.item_children(note))
            for child in children[:TOP_SUPPORTS]:
                lines.append(f"  - {item_line(data, child, data.boards_by_id[child.board_id])}")
            if len(children) > TOP_SUPPORTS:
                lines.append(f"  - {more(len(children) - TOP_SUPPORTS)}")
        if len(ranked) > TOP_PROPOSALS:
            lines.append(f"- {more(len(ranked) - TOP_PROPOSALS)}")
        lines.append("")
    return "\n".join(lines).strip()


def conclusions(data: WorkshopData) -> str:
    """The five items with most votes (copies summed); an item nobody voted for is not
    "most support", so with no votes at all the section is left to the team."""
    boards = _boards(data, Board.Template.CONCEPT_MAP) + _boards(data, Board.Template.PROPOSALS)
    top = [n for n in _ranked(data, _shown(data, boards)) if data.item_votes(n) > 0][:5]
    if not top:
        return _("To be completed by the workshop team.")
    lines = [_("The items that gathered most support:"), ""]
    lines += [f"- {one_line(n.text)} ({votes_text(data.item_votes(n))})" for n in top]
    return "\n".join(lines)


def contacts(data: WorkshopData) -> str:
    people = [line.strip() for line in data.workshop.contact_persons.splitlines() if line.strip()]
    return "\n".join(f"- {one_line(p)}" for p in people)


def coordinator(data: WorkshopData) -> str:
    return data.workshop.country_coordinator.strip()


BUILDERS: dict[str, Callable[[WorkshopData], str]] = {
    "event": event, "objectives": objectives, "background": background, "description": description,
    "outcomes_map": outcomes_map, "outcomes_reflection": outcomes_reflection,
    "outcomes_proposals": outcomes_proposals, "conclusions": conclusions, "contacts": contacts,
    "coordinator": coordinator,
}


def build_sections(
    data: WorkshopData, *, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, dict[str, str]]:
    """Every section's generated title and body, in order; `progress(key, done, total)` after each."""
    sections: dict[str, dict[str, str]] = {}
    for i, key in enumerate(SECTION_KEYS, start=1):
        sections[key] = {"title": section_title(key), "body": BUILDERS[key](data)}
        if progress is not None:
            progress(key, i, len(SECTION_KEYS))
    return sections
