"""Files from a workshop's data: the flash report (Markdown, DOCX, PDF), contributions
(CSV, XLSX) and pictures. Pure functions from data to bytes; nothing here writes the
database (reports.services stores the results).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from mapping.models import Board

from . import markup
from .pictures import attendance_scene, map_scene, picture_png, to_png, to_svg
from .selectors import WorkshopData, country_label, country_order, stakeholder_label

# WeasyPrint logs every layout step at INFO; our root logger is at INFO.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

PDF_CSS = Path(__file__).resolve().parent / "pdf.css"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class FlashReport:
    """What every flash-report format shows: title, sections in order, and the pictures."""

    title: str
    subtitle: str
    sections: list[tuple[str, str]]  # (title, body in reports.markup)
    data: WorkshopData
    _pictures: dict[str, bytes | None] = field(default_factory=dict)

    def picture(self, ref: str) -> bytes | None:
        if ref not in self._pictures:
            self._pictures[ref] = picture_png(self.data, ref)
        return self._pictures[ref]


# --- Flash report -------------------------------------------------------------------------------


def render_markdown(report: FlashReport, *, picture_name: Callable[[str], str] | None = None) -> str:
    """The report as one Markdown document, its text escaped (markup.to_markdown). Pictures
    point to `picture_name(ref)` files (written beside it by export_workshop), or keep their
    `picture:` reference."""
    out = [f"# {markup.markdown_escape(report.title)}", "", f"_{markup.markdown_escape(report.subtitle)}_", ""]
    for title, body in report.sections:
        out += [f"## {markup.markdown_escape(title)}", ""]
        out += [markup.to_markdown(body, picture_target=picture_name).strip(), ""]
    return "\n".join(out).rstrip() + "\n"


def render_docx(report: FlashReport) -> bytes:
    """A Word document with real headings, bullet lists, tables and the pictures."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    document.core_properties.title = report.title
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    width = document.sections[0].page_width - document.sections[0].left_margin - document.sections[0].right_margin
    # python-docx looks a style up by name on every add_paragraph (a scan of all styles);
    # with ~2,000 bullets that was half the time, so resolve the ids once and set them directly.
    style_ids = {name: document.styles[name].style_id for name in ("List Bullet", "List Bullet 2", "Caption")}

    def styled(text: str, style: str) -> None:
        paragraph = document.add_paragraph(text)
        paragraph._p.style = style_ids[style]

    for title, body in report.sections:
        document.add_heading(title, level=1)
        for block in markup.parse(body):
            if isinstance(block, markup.Heading):
                document.add_heading(block.text, level=min(4, max(2, block.level - 1)))
            elif isinstance(block, markup.Paragraph):
                document.add_paragraph(block.text)
            elif isinstance(block, markup.Bullets):
                for level, text in block.items:
                    styled(text, "List Bullet 2" if level else "List Bullet")
            elif isinstance(block, markup.Table):
                table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
                table.style = "Table Grid"
                for row_cells, values in zip(table.rows, [block.header, *block.rows], strict=True):
                    for cell, value in zip(row_cells.cells, values, strict=True):
                        cell.text = value
                for cell in table.rows[0].cells:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
                document.add_paragraph()
            elif isinstance(block, markup.Picture):
                png = report.picture(block.ref)
                if png is None:
                    document.add_paragraph(f"[{block.alt}]")
                    continue
                document.add_picture(io.BytesIO(png), width=min(width, Cm(16)))
                styled(block.alt, "Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html_blocks(report: FlashReport) -> list[dict]:
    sections = []
    for title, body in report.sections:
        blocks = []
        for block in markup.parse(body):
            if isinstance(block, markup.Heading):
                blocks.append({"kind": "heading", "tag": f"h{min(5, max(3, block.level))}", "text": block.text})
            elif isinstance(block, markup.Paragraph):
                blocks.append({"kind": "paragraph", "text": block.text})
            elif isinstance(block, markup.Bullets):
                items: list[dict] = []
                for level, text in block.items:
                    if level and items:
                        items[-1]["children"].append(text)
                    else:
                        items.append({"text": text, "children": []})
                blocks.append({"kind": "bullets", "items": items})
            elif isinstance(block, markup.Table):
                blocks.append({"kind": "table", "header": block.header, "rows": block.rows})
            elif isinstance(block, markup.Picture):
                png = report.picture(block.ref)
                src = "data:image/png;base64," + base64.b64encode(png).decode() if png else ""
                blocks.append({"kind": "picture", "src": src, "alt": block.alt})
        sections.append({"title": title, "blocks": blocks})
    return sections


def render_html(report: FlashReport) -> str:
    return render_to_string(
        "reports/flash_report_pdf.html",
        {"title": report.title, "subtitle": report.subtitle, "sections": _html_blocks(report)},
    )


def render_pdf(report: FlashReport) -> bytes:
    """WeasyPrint from an HTML template; DejaVu Sans so Cyrillic renders."""
    from weasyprint import CSS, HTML

    return HTML(string=render_html(report)).write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])


# --- Contributions -----------------------------------------------------------------------------


def neutralise(value):
    """Spreadsheet formula injection: a text cell starting with = + - @ tab or CR gets a
    leading apostrophe, so Excel/LibreOffice show it as text instead of running it.
    Control characters (which XLSX cannot hold) are dropped first."""
    if isinstance(value, str):
        value = markup.clean(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def contribution_columns() -> list[str]:
    return [
        _("Workshop"), _("Session"), _("Group"), _("Board"), _("Authors shown"), _("Note"), _("Proposal"),
        _("Category"), _("Cluster"), _("Text"), _("Author"), _("Country"), _("Stakeholder group"), _("Votes"),
        _("Comments"), _("Links"), _("Created (UTC)"), _("Edited (UTC)"),
    ]


def _utc(moment) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def contribution_rows(data: WorkshopData) -> list[list]:
    """One row per visible note. Author name only on named boards; role/country on
    by-role boards; nothing about the author on anonymous boards."""
    boards = {b.pk: b for b in data.boards}
    rows = []
    for note in data.notes:
        board = boards[note.board_id]
        author = data.participants.get(note.author_id) if note.author_id else None
        name = country = stakeholder = ""
        if board.author_mode != Board.AuthorMode.ANONYMOUS and author is not None:
            country = country_label(author.country)
            stakeholder = stakeholder_label(author.stakeholder)
            if board.author_mode == Board.AuthorMode.NAMED:
                name = author.display_name
            else:
                name = author.get_role_display()
        category = data.categories.get(note.category_id) if note.category_id else None
        cluster = data.clusters.get(note.cluster_id) if note.cluster_id else None
        rows.append([
            data.workshop.title, board.session.title, board.group.name if board.group_id else "", board.title,
            board.get_author_mode_display(), note.pk, note.parent_id or "", category.name if category else "",
            cluster.name if cluster else "", note.text, name, country, stakeholder, data.votes.get(note.pk, 0),
            data.comments.get(note.pk, 0), data.links_count(note.pk), _utc(note.created_at), _utc(note.updated_at),
        ])
    return rows


def render_csv(data: WorkshopData) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Cyrillic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(contribution_columns())
    for row in contribution_rows(data):
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def attendance_rows(data: WorkshopData) -> tuple[list[str], list[list]]:
    """Participants per session (and in all sessions) by country x stakeholder group."""
    from participants.models import Stakeholder

    header = [_("Session"), _("Country"), *[str(label) for _code, label in Stakeholder.choices], _("Total")]
    sets = [(s.title, data.attendance.get(s.pk, set())) for s in data.sessions]
    if len(data.sessions) > 1:
        sets.append((_("Attended all sessions"), set.intersection(*(ids for _t, ids in sets))))
    rows = []
    for title, ids in sets:
        people = [data.participants[pid] for pid in ids]
        for code in sorted({p.country for p in people}, key=country_order):
            counts = [sum(1 for p in people if p.country == code and p.stakeholder == s) for s, _l in
                      Stakeholder.choices]
            rows.append([title, country_label(code), *counts, sum(counts)])
    return header, rows


def render_xlsx(data: WorkshopData) -> bytes:
    """Two sheets: contributions (one row per note) and attendance. Write-only mode keeps
    2,000 rows fast and small."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Contributions"))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header_cells(ws, names):
        cells = []
        for name in names:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            cells.append(cell)
        return cells

    sheet.append(header_cells(sheet, contribution_columns()))
    for row in contribution_rows(data):
        sheet.append([_text_cell(sheet, v) for v in row])
    attendance = book.create_sheet(_("Attendance"))
    header, rows = attendance_rows(data)
    attendance.append(header_cells(attendance, header))
    for row in rows:
        attendance.append([_text_cell(attendance, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value):
    """Strings are stored as text, never as formulas, and neutralised as in the CSV."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    return cell


# --- Pictures -----------------------------------------------------------------------------------


def picture_files(data: WorkshopData) -> dict[str, bytes]:
    """Every board's map and the attendance chart, as SVG and PNG: {file name: bytes}."""
    files: dict[str, bytes] = {}
    for index, board in enumerate(data.boards, start=1):
        scene = map_scene(data, board)
        files[f"board-{index}.svg"] = to_svg(scene).encode()
        files[f"board-{index}.png"] = to_png(scene)
    chart = attendance_scene(data)
    files["attendance.svg"] = to_svg(chart).encode()
    files["attendance.png"] = to_png(chart)
    return files


def render_pictures_zip(data: WorkshopData) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in picture_files(data).items():
            # PNG is compressed already; only the SVG text gains from deflating.
            kind = zipfile.ZIP_DEFLATED if name.endswith(".svg") else zipfile.ZIP_STORED
            archive.writestr(name, content, compress_type=kind)
    return buffer.getvalue()
