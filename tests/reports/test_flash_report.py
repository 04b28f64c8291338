import io
import shutil
import subprocess
from collections import Counter

import pytest
from docx import Document
from pypdf import PdfReader

from participants.models import Participant
from reports import renderers, services
from reports.flash import SECTION_KEYS
from reports.models import ReportDraft
from tests.reports.factories import ANONYMOUS_AUTHOR, BY_ROLE_AUTHOR, FORMULA_NOTE, RUSSIAN_NOTE

pytestmark = pytest.mark.django_db

COUNTRY_NAMES = {"KZ": "Kazakhstan", "KG": "Kyrgyz Republic", "TJ": "Tajikistan", "UZ": "Uzbekistan"}


def _md(ws) -> str:
    return services.build_export(workshop_id=ws.w.pk, format="md")[1].decode()


def _docx(ws) -> Document:
    return Document(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="docx")[1]))


def _expected_by_country(ws) -> dict[str, int]:
    people = Participant.objects.filter(workshop=ws.w).exclude(attendances=None).order_by("pk")
    counts = Counter(p.country for p in set(people))
    return {COUNTRY_NAMES[code]: n for code, n in counts.items()}


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_markdown_lists_each_category_ranked_by_votes_with_clusters_as_headings(ws):
    section = _section(_md(ws), "Key outcomes: concept map")
    lines = [line for line in section.split("\n") if line.startswith(("#", "- "))]
    assert lines[:8] == [
        "## Key outcomes: concept map",
        "### Threats",
        "#### Connectivity",
        "- Unstable internet in rural colleges (votes: 3; Aigerim Teacherova · Session 1: practitioners · "
        "Kazakhstan · Teacher)",
        "- Power cuts during lessons (votes: 1; Bakyt Managerov · Session 1: practitioners · Kyrgyz Republic · "
        "School manager)",
        "#### Not clustered",
        "- Learners drop out unnoticed (votes: 2; Farrukh Trainerov · Session 1: practitioners · Tajikistan · "
        "In-service trainer)",
        "- Cheap mobile data is a must (votes: 0; Aigerim Teacherova · Session 1: practitioners · Group A · "
        "Kazakhstan · Teacher)",
    ]
    assert lines[8:11] == [
        "### Obstacles",
        f"- {RUSSIAN_NOTE} (votes: 4; Farrukh Trainerov · Session 1: practitioners · Tajikistan · In-service trainer)",
        "- Teachers lack practice with online tools (votes: 0; Bakyt Managerov · Session 1: practitioners · "
        "Kyrgyz Republic · School manager)",
    ]
    assert "![Concept map of online learning — Plenary · Session 1: practitioners](picture:board-1)" in section


def test_anonymous_reflection_grid_shows_no_names_and_no_provenance(ws):
    text = _md(ws)
    assert _section(text, "Key outcomes: reflection grid").split("\n")[2:9] == [
        "### What worked", "", "- Short video lessons worked (votes: 1)", "", "### What did not", "",
        "- Long webinars did not (votes: 0)",
    ]
    assert ANONYMOUS_AUTHOR not in text


def test_proposals_are_split_by_stakeholder_tier_with_support_ideas_and_counts(ws):
    section = _section(_md(ws), "Key outcomes: proposals for regional cooperation")
    assert [line for line in section.split("\n") if line.strip()] == [
        "## Key outcomes: proposals for regional cooperation",
        "### Practitioners",
        "- Exchange of teachers' digital lesson plans (votes: 1; Session 2: policy dialogue · Kazakhstan · Teacher)"
        " — support ideas: 1, support: 2",
        "  - Monthly online meet-ups (votes: 0; Session 2: policy dialogue · Kazakhstan · Policy maker)",
        "### Policy makers, donors and EC services",
        "- Regional platform of open VET courses (votes: 2; Session 2: policy dialogue · Kazakhstan · Policy maker)"
        " — support ideas: 2, support: 4",
        "  - Donors co-fund hosting (votes: 1; Session 2: policy dialogue · Tajikistan · Donor)",
        "  - Shared quality criteria (votes: 0; Session 2: policy dialogue · Kazakhstan · Teacher)",
    ]
    assert BY_ROLE_AUTHOR not in section


def test_event_section_gives_dates_and_home_time(ws):
    section = _section(_md(ws), "Event")
    assert "- Session 1: practitioners: 18 November 2026, 10:00 Turin time (10:00–13:00)" in section
    assert "- Session 2: policy dialogue: 19 November 2026, 10:00 Turin time (10:00–13:00)" in section


def test_docx_has_real_headings_participant_table_pictures_and_no_hidden_names(ws):
    document = _docx(ws)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Exploring distance and online learning in Central Asia")
    assert [t for s, t in headings if s == "Heading 1"] == [
        "Event", "Main objectives", "Background", "Short description", "Key outcomes: concept map",
        "Key outcomes: reflection grid", "Key outcomes: proposals for regional cooperation", "Conclusions",
        "Contact persons", "Country coordinator",
    ]
    assert ("Heading 2", "Threats") in headings
    assert ("Heading 3", "Connectivity") in headings
    table = document.tables[2]  # session one, session two, then all sessions
    header = [c.text for c in table.rows[0].cells]
    assert header[0] == "Country"
    assert header[-1] == "Total"
    totals = {row.cells[0].text: int(row.cells[-1].text) for row in table.rows[1:-1]}
    assert totals == _expected_by_country(ws)
    assert len(document.inline_shapes) == 3  # attendance chart, the plenary concept map, group A's map
    text = "\n".join(p.text for p in document.paragraphs)
    assert RUSSIAN_NOTE in text
    assert ANONYMOUS_AUTHOR not in text
    assert BY_ROLE_AUTHOR not in text
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet 2"]
    assert "Donors co-fund hosting (votes: 1; Session 2: policy dialogue · Tajikistan · Donor)" in bullets


def test_pdf_renders_cyrillic_and_hides_names_and_page_one_is_saved_as_png(ws, artifacts_dir, tmp_path):
    content = services.build_export(workshop_id=ws.w.pk, format="pdf")[1]
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    normalised = " ".join(text.split())
    assert RUSSIAN_NOTE in normalised
    assert "Key outcomes: proposals for regional cooperation" in normalised
    assert "Regional platform of open VET courses" in normalised
    assert ANONYMOUS_AUTHOR not in normalised
    assert BY_ROLE_AUTHOR not in normalised
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # embedded fonts
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(artifacts_dir / "flash-report-page1")], check=True)
        assert (artifacts_dir / "flash-report-page1.png").stat().st_size > 10_000
        cyrillic = next(i for i, page in enumerate(reader.pages, 1) if "Нехватка" in page.extract_text())
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(cyrillic), "-l", str(cyrillic), "-singlefile",
                        str(pdf), str(artifacts_dir / "flash-report-cyrillic-page")], check=True)


def test_formula_looking_note_is_plain_text_in_the_report(ws):
    assert f"- {FORMULA_NOTE} (votes: 0;" in _md(ws)


def test_regenerating_keeps_edited_sections_until_edits_are_discarded(ws):
    services.generate_draft(workshop_id=ws.w.pk)
    services.update_section(workshop_id=ws.w.pk, key="conclusions", body="### Our view\n- Keep going")
    ws.w.objectives = "New objectives"
    ws.w.save()
    draft = services.generate_draft(workshop_id=ws.w.pk)
    assert draft.sections["conclusions"] == {"title": "Conclusions", "body": "### Our view\n- Keep going",
                                             "edited": True}
    assert draft.sections["objectives"] == {"title": "Main objectives", "body": "New objectives", "edited": False}
    document = _docx(ws)
    assert ("Heading 2", "Our view") in [(p.style.name, p.text) for p in document.paragraphs]
    draft = services.generate_draft(workshop_id=ws.w.pk, discard_edits=True)
    assert draft.sections["conclusions"]["edited"] is False
    assert draft.sections["conclusions"]["body"].startswith("The items that gathered most support:")
    assert sorted(ReportDraft.objects.get(workshop=ws.w).sections) == sorted(SECTION_KEYS)


def test_update_section_refuses_unknown_sections_and_keeps_the_draft(ws):
    services.generate_draft(workshop_id=ws.w.pk)
    before = ReportDraft.objects.get(workshop=ws.w).sections
    with pytest.raises(services.ReportError):
        services.update_section(workshop_id=ws.w.pk, key="nope", body="x")
    with pytest.raises(services.ReportError):
        services.update_section(workshop_id=ws.w.pk, key="objectives", body="x" * 100_001)
    assert ReportDraft.objects.get(workshop=ws.w).sections == before


def test_progress_advances_as_each_section_is_built(ws):
    seen = []
    services.build_export(workshop_id=ws.w.pk, format="docx", progress=lambda p, step: seen.append((p, step)))
    assert [p for p, _step in seen] == sorted(p for p, _step in seen)
    assert [step for _p, step in seen[:10]] == [f"Section: {t}" for t in (
        "Event", "Main objectives", "Background", "Short description", "Key outcomes: concept map",
        "Key outcomes: reflection grid", "Key outcomes: proposals for regional cooperation", "Conclusions",
        "Contact persons", "Country coordinator")]
    assert seen[-1] == (70, "Writing the file")


def test_russian_interface_generates_russian_titles_and_keeps_notes(ws, settings):
    from django.utils import translation

    with translation.override("ru"):
        report = services.flash_report(workshop_id=ws.w.pk)
        text = renderers.render_markdown(report)
    assert RUSSIAN_NOTE in text


def test_an_empty_workshop_exports_in_every_format():
    from tests.reports.factories import make_workshop

    w = make_workshop(contact_persons="", country_coordinator="", objectives="", background="")
    for fmt in services.FORMATS:
        name, content = services.build_export(workshop_id=w.pk, format=fmt)
        assert name.startswith(w.slug)
        assert content
    text = services.build_export(workshop_id=w.pk, format="md")[1].decode()
    assert "No concept map was used." in text
    assert "No proposals board was used." in text


def test_dates_in_russian_use_the_genitive_month(ws):
    from django.utils import translation

    with translation.override("ru"):
        text = services.build_export(workshop_id=ws.w.pk, format="md")[1].decode()
    assert "18 ноября 2026" in text


OUTCOMES = ("Key outcomes: concept map", "Key outcomes: reflection grid",
            "Key outcomes: proposals for regional cooperation")


def _outcomes(text: str) -> list[str]:
    return [line for title in OUTCOMES for line in _section(text, title).split("\n") if line.startswith("- ")]


def _pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it (pypdf when poppler is not installed)."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout
        return " ".join(text.decode().split())
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


ROUND_LINES = [
    "- Session 1: practitioners — Concept map: 2 breakout groups (Mixed countries), board: Concept map",
    "- Session 1: practitioners — What worked for us: 5 breakout groups (Mixed countries), board: Reflection",
    "- Session 2: policy dialogue — Proposals: 1 breakout group (Same stakeholder group), board: Regional "
    "cooperation proposals",
]
PARTICIPANTS_LINE = (
    "6 participants took part (Session 1: practitioners — 4; Session 2: policy dialogue — 3). 1 person attended "
    "both sessions. Not counted as participants: 1 observer, 1 facilitator."
)


def test_each_round_is_described_by_its_purpose_and_board_with_correct_plurals(wsc):
    section = _section(_md(wsc), "Short description")
    assert [line for line in section.split("\n") if "breakout group" in line] == ROUND_LINES


def test_participants_are_counted_per_session_by_country_and_stakeholder_without_observers(wsc):
    text = _md(wsc)
    section = _section(text, "Short description")
    assert PARTICIPANTS_LINE in section.split("\n")
    document = _docx(wsc)
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    assert tables[:2] == [
        [["Country", "Teacher", "School manager", "In-service trainer", "Total"],
         ["Kazakhstan", "1", "0", "0", "1"], ["Kyrgyz Republic", "0", "1", "0", "1"],
         ["Tajikistan", "0", "0", "1", "1"], ["Uzbekistan", "1", "0", "0", "1"], ["Total", "2", "1", "1", "4"]],
        [["Country", "Teacher", "Policy maker", "Donor", "Total"],
         ["Kazakhstan", "1", "1", "0", "2"], ["Tajikistan", "0", "0", "1", "1"], ["Total", "1", "1", "1", "3"]],
    ]
    assert tables[2][-1] == ["Total", "2", "1", "1", "1", "1", "6"]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    wanted = ["Session 1: practitioners", "Session 2: policy dialogue", "All sessions"]
    assert [h for h in headings if h in wanted] == wanted
    assert "Olga Observerova" not in text
    assert "Fatima Facilitatorova" not in text


def test_a_pulled_or_carried_copy_is_listed_once_with_its_votes_summed(wsc):
    lines = _outcomes(_md(wsc))
    assert [line for line in lines if "Cheap mobile data" in line] == [
        # 2 votes in Group A + 1 on the plenary copy; the input board's mirrored vote is not counted again
        "- Cheap mobile data is a must (votes: 3; Aigerim Teacherova · Session 1: practitioners · Group A · "
        "Kazakhstan · Teacher)"]
    assert [line for line in lines if "Unstable internet" in line] == [
        # 3 on session one's map + 1 on session two's proposals board (carried, then pulled there)
        "- Unstable internet in rural colleges (votes: 4; Aigerim Teacherova · Session 1: practitioners · "
        "Kazakhstan · Teacher)"]
    assert len(lines) == len(set(lines))
    texts = [line.split(" (votes:")[0] for line in lines]
    assert len(texts) == len(set(texts))


def test_the_map_links_are_summarised_by_category_pair(wsc):
    section = _section(_md(wsc), "Key outcomes: concept map")
    # The link pulled with its notes into the plenary (and carried into session two) counts once.
    assert section.split("### Links between notes\n\n")[1].split("\n\n")[0].split("\n") == [
        "- Threats → Threats: 2 links", "- Enablers → Obstacles: 1 link"]


def test_items_without_votes_are_never_most_supported():
    from tests.reports.factories import make_board, make_note, make_participant, make_session, make_workshop

    w = make_workshop()
    s = make_session(w, 1)
    person = make_participant(w, "P", sessions=[s])
    board = make_board(s, "Map", categories=("Threats",))
    make_note(board, "Nobody voted", person)
    text = services.build_export(workshop_id=w.pk, format="md")[1].decode()
    assert _section(text, "Conclusions").split("\n")[2] == "To be completed by the workshop team."
    make_note(board, "One vote", person, votes=[person])
    text = services.build_export(workshop_id=w.pk, format="md")[1].decode()
    assert [line for line in _section(text, "Conclusions").split("\n") if line.startswith("- ")] == [
        "- One vote (votes: 1)"]


def test_the_pdf_says_what_the_markdown_says(wsc, tmp_path):
    text = _pdf_text(services.build_export(workshop_id=wsc.w.pk, format="pdf")[1], tmp_path)
    for line in [*ROUND_LINES, PARTICIPANTS_LINE, "- Threats → Threats: 2 links"]:
        assert line.removeprefix("- ") in text
    assert text.count("Cheap mobile data is a must") == 2  # once in the outcomes, once in the conclusions
    assert "Olga Observerova" not in text


def test_russian_report_uses_russian_plural_forms(wsc, tmp_path):
    from django.utils import translation

    with translation.override("ru"):
        text = _md(wsc)
        pdf = _pdf_text(services.build_export(workshop_id=wsc.w.pk, format="pdf")[1], tmp_path)
    rounds = [line for line in _section(text, "Краткое описание").split("\n") if "групп" in line and "—" in line]
    assert [line.split(": ", 2)[2].split(" (")[0] for line in rounds] == ["2 группы", "5 групп", "1 группа"]
    assert "6 участников" in text
    assert "Не учтены как участники: 1 наблюдатель, 1 ведущий." in text
    # Template categories in the report's language (issue 11); a facilitator's own names as written.
    assert "Threats → Threats" not in text
    assert "Угрозы → Угрозы: 2 связи" in text
    assert "Факторы успеха → Препятствия: 1 связь" in text
    for english in ("How the work was organised", "All sessions", "Links between notes", "breakout group"):
        assert english not in text
    for heading in ("### Как была организована работа", "#### Все сессии", "### Связи между заметками"):
        assert heading in text.split("\n")
    assert "2 группы" in pdf
    assert "5 групп" in pdf


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is not installed")
def test_a_russian_table_with_every_stakeholder_group_stays_on_the_page(tmp_path):
    import re

    from django.utils import translation

    from participants.models import Country, Stakeholder
    from tests.reports.factories import make_participant, make_session, make_workshop

    w = make_workshop()
    sessions = [make_session(w, 1), make_session(w, 2)]
    for country in Country.values:
        for stakeholder in Stakeholder.values:
            make_participant(w, f"{country} {stakeholder}", country, stakeholder, sessions=sessions)
    with translation.override("ru"):
        content = services.build_export(workshop_id=w.pk, format="pdf")[1]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    width = float(re.search(r'<page width="([\d.]+)"', html)[1])
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', html))
    assert "Службы" in html
    assert right < width - 20  # inside the right margin, nothing cut off
