import csv
import io
from collections import Counter

import pytest
from openpyxl import load_workbook

from mapping.models import Note
from participants.models import Attendance
from reports import renderers, services
from tests.reports.factories import ANONYMOUS_AUTHOR, BY_ROLE_AUTHOR, FORMULA_NOTE, RUSSIAN_NOTE

pytestmark = pytest.mark.django_db

HEADER = ["Workshop", "Session", "Group", "Board", "Authors shown", "Note", "Proposal", "Category", "Cluster",
          "Text", "Author", "Country", "Stakeholder group", "Votes", "Comments", "Links", "Created (UTC)",
          "Edited (UTC)"]


def _csv_rows(ws) -> list[dict]:
    content = services.build_export(workshop_id=ws.w.pk, format="csv")[1]
    assert content.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    header = next(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in reader]


def _visible_notes(ws):
    return Note.objects.filter(board__session__workshop=ws.w, deleted_at=None, private=False).order_by("pk")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_could_start_a_formula_get_an_apostrophe(value):
    assert renderers.neutralise(value) == "'" + value


def test_ordinary_text_and_numbers_are_left_alone():
    assert renderers.neutralise("Plain, text") == "Plain, text"
    assert renderers.neutralise(-3) == -3


def test_csv_has_one_row_per_visible_note_with_counts_from_the_database(ws):
    rows = _csv_rows(ws)
    notes = list(_visible_notes(ws))
    assert sorted(int(r["Note"]) for r in rows) == [n.pk for n in notes]
    by_id = {int(r["Note"]): r for r in rows}
    top = by_id[ws.top_threat.pk]
    assert (top["Votes"], top["Comments"], top["Links"], top["Category"], top["Cluster"]) == (
        "3", "2", "1", "Threats", "Connectivity")
    assert top["Author"] == "Aigerim Teacherova"
    assert by_id[ws.support_1.pk]["Proposal"] == str(ws.policy_proposal.pk)
    assert by_id[ws.russian.pk]["Text"] == RUSSIAN_NOTE
    assert by_id[ws.formula.pk]["Text"] == "'" + FORMULA_NOTE
    assert by_id[ws.group_note.pk]["Group"] == "Group A"


def test_csv_counts_per_country_match_the_database(ws):
    rows = _csv_rows(ws)
    named_or_role = [r for r in rows if r["Authors shown"] != "Anonymous"]
    expected = Counter(
        n.author.get_country_display() for n in _visible_notes(ws).select_related("author")
        if n.board.author_mode != "anonymous"
    )
    assert Counter(r["Country"] for r in named_or_role) == expected


def test_csv_hides_authors_on_anonymous_boards_and_names_on_by_role_boards(ws):
    rows = _csv_rows(ws)
    anonymous = [r for r in rows if r["Board"] == "Reflection grid"]
    assert [(r["Author"], r["Country"], r["Stakeholder group"]) for r in anonymous] == [("", "", "")] * 2
    by_role = {r["Text"]: r for r in rows if r["Board"] == "Regional cooperation proposals"}
    assert (by_role["Regional platform of open VET courses"]["Author"],
            by_role["Regional platform of open VET courses"]["Country"],
            by_role["Regional platform of open VET courses"]["Stakeholder group"]) == (
        "Participant", "Kazakhstan", "Policy maker")
    flat = "\n".join(",".join(r.values()) for r in rows)
    assert ANONYMOUS_AUTHOR not in flat
    assert BY_ROLE_AUTHOR not in flat


def test_xlsx_holds_contributions_as_text_and_attendance_per_country(ws):
    content = services.build_export(workshop_id=ws.w.pk, format="xlsx")[1]
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Contributions", "Attendance"]
    sheet = book["Contributions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) - 1 == _visible_notes(ws).count()
    by_text = {r[9]: r for r in rows[1:]}
    assert by_text["'" + FORMULA_NOTE][13] == 0
    formula_cell = next(c for c in sheet["J"] if c.value == "'" + FORMULA_NOTE)
    assert formula_cell.data_type == "s"
    assert by_text[RUSSIAN_NOTE][11] == "Tajikistan"
    assert by_text["Unstable internet in rural colleges"][13:16] == (3, 2, 1)
    assert not any(ANONYMOUS_AUTHOR in str(v) or BY_ROLE_AUTHOR in str(v) for r in rows for v in r)
    attendance = list(book["Attendance"].iter_rows(values_only=True))
    assert attendance[0][:2] == ("Session", "Country")
    assert attendance[0][-1] == "Total"
    totals = {(r[0], r[1]): r[-1] for r in attendance[1:]}
    expected = Counter(
        (a.session.title, a.participant.get_country_display())
        for a in Attendance.objects.filter(session__workshop=ws.w).select_related("session", "participant")
        .order_by("pk")
    )
    assert {k: v for k, v in totals.items() if k[0] != "Attended all sessions"} == dict(expected)
    assert {k: v for k, v in totals.items() if k[0] == "Attended all sessions"} == {
        ("Attended all sessions", "Kazakhstan"): 1}


def test_control_characters_in_a_note_do_not_break_any_export(ws):
    from docx import Document

    from tests.reports.factories import make_note

    make_note(ws.cmap, "Bell\x07 and\x0b form\x0cfeed", ws.aigerim, category=ws.top_threat.category)
    document = Document(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="docx")[1]))
    assert "Bell and formfeed (votes: 0; Aigerim Teacherova · Session 1: practitioners · Kazakhstan · Teacher)" in [
        p.text for p in document.paragraphs]
    book = load_workbook(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="xlsx")[1]))
    assert "Bell and formfeed" in [r[9] for r in book["Contributions"].iter_rows(values_only=True)]
    for fmt in ("pdf", "svg", "csv", "md", "json"):
        assert services.build_export(workshop_id=ws.w.pk, format=fmt)[1]


def test_russian_catalogue_for_reports_keeps_every_placeholder():
    import json
    import re
    from pathlib import Path

    from django.conf import settings

    catalogue = json.loads((Path(settings.BASE_DIR) / "i18n" / "ru" / "reports.json").read_text(encoding="utf-8"))
    placeholder = re.compile(r"%\(\w+\)[sd]")
    mismatched = {k for k, v in catalogue.items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))}
    assert mismatched == set()
    assert {k for k, v in catalogue.items() if not v.strip()} == set()
    assert catalogue["Key outcomes: concept map"] == "Основные результаты: концептуальная карта"
