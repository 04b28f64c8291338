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
          "Text", "Author", "Country", "Stakeholder group", "From session", "From group", "Copy", "Copied from",
          "Original note", "Votes", "Item votes", "Comments", "Links", "Created (UTC)", "Edited (UTC)"]
COLUMN = {name: i for i, name in enumerate(HEADER)}


def _xlsx(ws):
    return load_workbook(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="xlsx")[1]))


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
    book = _xlsx(ws)
    assert book.sheetnames == ["Contributions", "Attendance"]
    sheet = book["Contributions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) - 1 == _visible_notes(ws).count()
    by_text = {r[COLUMN["Text"]]: r for r in rows[1:]}
    assert by_text["'" + FORMULA_NOTE][COLUMN["Votes"]] == 0
    formula_cell = next(c for c in sheet["J"] if c.value == "'" + FORMULA_NOTE)
    assert formula_cell.data_type == "s"
    assert by_text[RUSSIAN_NOTE][COLUMN["Country"]] == "Tajikistan"
    top = by_text["Unstable internet in rural colleges"]
    assert (top[COLUMN["Votes"]], top[COLUMN["Comments"]], top[COLUMN["Links"]]) == (3, 2, 1)
    assert not any(ANONYMOUS_AUTHOR in str(v) or BY_ROLE_AUTHOR in str(v) for r in rows for v in r)
    attendance = list(book["Attendance"].iter_rows(values_only=True))
    assert attendance[0][:2] == ("Session", "Country")
    assert attendance[0][-3:] == ("Total", "Observers", "Facilitators")
    totals = {(r[0], r[1]): r[-3] for r in attendance[1:]}
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
    book = _xlsx(ws)
    assert "Bell and formfeed" in [r[COLUMN["Text"]] for r in book["Contributions"].iter_rows(values_only=True)]
    for fmt in ("pdf", "svg", "csv", "md", "json"):
        assert services.build_export(workshop_id=ws.w.pk, format=fmt)[1]


def test_russian_catalogue_for_reports_keeps_every_placeholder():
    import json
    import re
    from pathlib import Path

    from django.conf import settings

    catalogue = json.loads((Path(settings.BASE_DIR) / "i18n" / "ru" / "reports.json").read_text(encoding="utf-8"))
    placeholder = re.compile(r"%\(\w+\)[sd]")
    forms = {k: v if isinstance(v, list) else [v] for k, v in catalogue.items()}  # a list: plural forms
    mismatched = {k for k, vs in forms.items() for v in vs if sorted(placeholder.findall(k)) != sorted(
        placeholder.findall(v))}
    assert mismatched == set()
    assert {k for k, vs in forms.items() if not all(v.strip() for v in vs)} == set()
    assert {k for k, v in catalogue.items() if isinstance(v, list) and len(v) != 4} == set()
    assert catalogue["Key outcomes: concept map"] == "Основные результаты: концептуальная карта"


def test_every_copy_in_the_csv_carries_country_stakeholder_group_and_source_note(wsc):
    rows = {int(r["Note"]): r for r in _csv_rows(wsc)}
    input_copy = Note.objects.get(board__read_only_input=True, source_note=wsc.group_copy)
    keys = ("Author", "Country", "Stakeholder group", "From session", "From group", "Copy", "Copied from",
            "Original note", "Votes", "Item votes")
    assert [[rows[n.pk][k] for k in keys] for n in (wsc.group_note, wsc.group_copy, input_copy)] == [
        ["Aigerim Teacherova", "Kazakhstan", "Teacher", "Session 1: practitioners", "Group A", "", "", "", "2",
         "3"],
        ["Aigerim Teacherova", "Kazakhstan", "Teacher", "Session 1: practitioners", "Group A", "pulled",
         str(wsc.group_note.pk), str(wsc.group_note.pk), "1", "3"],
        ["Aigerim Teacherova", "Kazakhstan", "Teacher", "Session 1: practitioners", "Group A", "carried forward",
         str(wsc.group_copy.pk), str(wsc.group_note.pk), "1", "3"],  # its vote mirrors the plenary copy's
    ]
    # Carried from session one, then pulled into session two's by-role board: no name, same origin.
    assert [rows[wsc.carried_threat.pk][k] for k in keys] == [
        "", "Kazakhstan", "Teacher", "Session 1: practitioners", "", "pulled", str(wsc.input_threat.pk),
        str(wsc.top_threat.pk), "1", "4"]
    assert rows[wsc.carried_threat.pk]["Session"] == "Session 2: policy dialogue"
    copies = [r for r in rows.values() if r["Copy"]]
    assert len(copies) == Note.objects.filter(board__session__workshop=wsc.w, deleted_at=None, private=False,
                                              source_note__isnull=False).count()
    for row in copies:
        original = rows[int(row["Original note"])]
        if "Anonymous" not in (row["Authors shown"], original["Authors shown"]):
            assert (row["Country"], row["Stakeholder group"]) == (original["Country"], original["Stakeholder group"])
        else:
            assert (row["Author"], row["Country"], row["Stakeholder group"]) == ("", "", "")
    assert ANONYMOUS_AUTHOR not in "\n".join(",".join(r.values()) for r in rows.values())


def test_xlsx_has_real_dates_filters_frozen_headers_and_fitted_widths(wsc):
    import datetime as dt

    from openpyxl.utils import get_column_letter

    book = _xlsx(wsc)
    sheet = book["Contributions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(HEADER))}{len(rows)}"
    by_note = {r[COLUMN["Note"]]: r for r in rows[1:]}
    created = by_note[wsc.top_threat.pk][COLUMN["Created (UTC)"]]
    assert isinstance(created, dt.datetime)
    assert created == wsc.top_threat.created_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    cell = sheet.cell(row=2, column=COLUMN["Created (UTC)"] + 1)
    assert cell.is_date
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"
    widths = {name: sheet.column_dimensions[get_column_letter(i + 1)].width for name, i in COLUMN.items()}
    assert all(6 <= w <= 60 for w in widths.values())
    assert widths["Text"] == max(len(r[COLUMN["Text"]]) for r in rows[1:]) + 1
    assert widths["Note"] == len("Note") + 2
    assert widths["Created (UTC)"] == len("yyyy-mm-dd hh:mm:ss") + 1
    attendance = book["Attendance"]
    assert attendance.freeze_panes == "A2"
    assert attendance.auto_filter.ref.startswith("A1:")


def test_xlsx_attendance_counts_observers_and_facilitators_apart(wsc):
    rows = list(_xlsx(wsc)["Attendance"].iter_rows(values_only=True))
    header = rows[0]
    table = {(r[0], r[1]): dict(zip(header[2:], r[2:], strict=True)) for r in rows[1:]}
    assert {k: (v["Total"], v["Observers"], v["Facilitators"]) for k, v in table.items()} == {
        ("Session 1: practitioners", "Kazakhstan"): (1, 1, 0),
        ("Session 1: practitioners", "Kyrgyz Republic"): (1, 0, 0),
        ("Session 1: practitioners", "Tajikistan"): (1, 0, 0),
        ("Session 1: practitioners", "Uzbekistan"): (1, 0, 0),
        ("Session 1: practitioners", "Other"): (0, 0, 1),
        ("Session 2: policy dialogue", "Kazakhstan"): (2, 1, 0),
        ("Session 2: policy dialogue", "Tajikistan"): (1, 0, 0),
        ("Attended all sessions", "Kazakhstan"): (1, 1, 0),
    }
    assert table[("Session 1: practitioners", "Kazakhstan")]["Other"] == 0  # the observer is not a participant
