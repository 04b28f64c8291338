import csv
import io
import json

import pytest
from django.core.management import call_command
from docx import Document

from mapping.models import Board, Note
from participants.models import Participant
from reports import services
from reports.archive import ArchiveError, export_archive, import_archive
from workshops.models import Workshop

pytestmark = pytest.mark.django_db

ID_COLUMNS = ("Note", "Proposal")


def _report_texts(workshop_id: int) -> dict[str, object]:
    md = services.build_export(workshop_id=workshop_id, format="md")[1].decode()
    docx = Document(io.BytesIO(services.build_export(workshop_id=workshop_id, format="docx")[1]))
    rows = list(csv.DictReader(io.StringIO(
        services.build_export(workshop_id=workshop_id, format="csv")[1].decode("utf-8-sig"))))
    for row in rows:  # ids differ in a new installation; everything else must not
        for column in ID_COLUMNS:
            row[column] = bool(row[column])
    return {
        "md": md,
        "docx": [(p.style.name, p.text) for p in docx.paragraphs],
        "docx_tables": [[[c.text for c in r.cells] for r in t.rows] for t in docx.tables],
        "csv": rows,
    }


def test_export_import_export_yields_equal_reports(ws):
    services.update_section(workshop_id=ws.w.pk, key="conclusions", body="- Staff wrote this")
    before = _report_texts(ws.w.pk)
    payload = json.loads(json.dumps(export_archive(workshop_id=ws.w.pk)))
    copy = import_archive(payload=payload)
    assert copy.pk != ws.w.pk
    after = _report_texts(copy.pk)
    assert after == before
    assert "- Staff wrote this" in after["md"]


def test_import_into_an_installation_that_has_the_original_remaps_ids_tokens_and_slug(ws):
    payload = export_archive(workshop_id=ws.w.pk)
    assert "rejoin_token" not in payload["tables"]["participants.participant"][0]
    copy = import_archive(payload=payload)
    assert copy.slug == f"{ws.w.slug}-2"
    originals = set(Participant.objects.filter(workshop=ws.w).values_list("uuid", "rejoin_token"))
    copies = set(Participant.objects.filter(workshop=copy).values_list("uuid", "rejoin_token"))
    assert len(copies) == 6
    assert not originals & copies
    new_support = Note.objects.get(board__session__workshop=copy, text="Donors co-fund hosting")
    assert new_support.parent.text == "Regional platform of open VET courses"
    assert new_support.parent.board.session.workshop_id == copy.pk
    assert new_support.created_at == ws.support_1.created_at
    session2 = copy.sessions.get(order=2)
    assert session2.builds_on.workshop_id == copy.pk
    assert session2.builds_on.order == 1
    assert list(Board.objects.filter(session__workshop=copy).order_by("pk").values_list("head_seq", flat=True)) == [
        0] * 4


def test_a_damaged_archive_is_refused_and_nothing_is_saved(ws):
    payload = export_archive(workshop_id=ws.w.pk)
    payload["tables"]["mapping.note"][0]["board"] = 999_999  # points nowhere
    workshops, notes = Workshop.objects.count(), Note.objects.count()
    with pytest.raises(ArchiveError):
        import_archive(payload=payload)
    with pytest.raises(ArchiveError):
        import_archive(payload={"format": "something else"})
    with pytest.raises(ArchiveError):
        import_archive(payload={**payload, "version": 99})
    assert (Workshop.objects.count(), Note.objects.count()) == (workshops, notes)


def test_export_and_import_commands_round_trip_through_files(ws, tmp_path):
    out = io.StringIO()
    call_command("export_workshop", ws.w.slug, "--format", "json,md,svg,csv,xlsx,docx,pdf", "--out", str(tmp_path),
                 stdout=out)
    written = sorted(p.name for p in tmp_path.iterdir())
    slug = ws.w.slug
    assert written == sorted([
        f"{slug}-archive.json", f"{slug}-flash-report.md", f"{slug}-contributions.csv",
        f"{slug}-contributions.xlsx", f"{slug}-flash-report.docx", f"{slug}-flash-report.pdf",
        *[f"{slug}-board-{i}.{ext}" for i in range(1, 5) for ext in ("svg", "png")],
        f"{slug}-attendance.svg", f"{slug}-attendance.png",
    ])
    md = (tmp_path / f"{slug}-flash-report.md").read_text(encoding="utf-8")
    assert f"![Concept map of online learning — Plenary · Session 1: practitioners]({slug}-board-1.png)" in md
    out = io.StringIO()
    call_command("import_workshop", str(tmp_path / f"{slug}-archive.json"), stdout=out)
    copy = Workshop.objects.get(slug=f"{slug}-2")
    assert out.getvalue() == f"Imported workshop {copy.pk} ({copy.slug}): {copy.title}\n"
    assert _report_texts(copy.pk) == _report_texts(ws.w.pk)


def test_export_command_refuses_unknown_workshops_and_formats(ws, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No workshop"):
        call_command("export_workshop", "no-such-workshop", "--format", "md", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="Unknown format"):
        call_command("export_workshop", str(ws.w.pk), "--format", "doc", "--out", str(tmp_path))
