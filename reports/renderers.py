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
from .selectors import WorkshopData, country_label, country_order, origin, stakeholder_label

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
    """The report as one Markdown document. Pictures point to `picture_name(ref)` files
    (written beside it by export_workshop), or keep their `picture:` reference."""
    out = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    for title, body in report.sections:
        out += [f"## {title}", ""]
        text = body
        if picture_name is not None:
            lines = []
            for line in body.split("\n"):
                match = markup.PICTURE.match(line.strip())
                lines.append(f"![{match['alt']}]({picture_name(match['ref'])})" if match else line)
            text = "\n".join(lines)
        out += [text.strip(), ""]
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
        _("Category"), _("Cluster"), _("Text"), _("Author"), _("Country"), _("Stakeholder group"),
        _("From session"), _("From group"), _("Copy"), _("Copied from"), _("Original note"), _("Votes"),
        _("Item votes"), _("Comments"), _("Links"), _("Created (UTC)"), _("Edited (UTC)"),
    ]




def _utc(moment) -> dt.datetime | None:
    """A naive UTC datetime (spreadsheets have no time zones; the header says UTC)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0) if moment else None


def _utc_text(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def contribution_rows(data: WorkshopData) -> list[list]:
    """One row per visible note, copies included, each with its provenance: a pulled or
    carried copy has no author of its own, so country, stakeholder group, session and
    group come from where it was written (note.provenance). Author name only on named
    boards; role on by-role boards; nothing about the author on anonymous boards.
    "Votes" are the note's own; "Item votes" its item's, as the flash report counts
    them (copies summed, an input board's mirrored votes left out)."""
    boards = data.boards_by_id
    rows = []
    for note in data.notes:
        board = boards[note.board_id]
        author = data.participants.get(note.author_id) if note.author_id else None
        found = origin(data, note, board)
        name = country = stakeholder = ""
        if board.author_mode != Board.AuthorMode.ANONYMOUS:
            country = country_label(found.country) if found.country else ""
            stakeholder = stakeholder_label(found.stakeholder) if found.stakeholder else ""
            if board.author_mode == Board.AuthorMode.NAMED:
                name = found.name
            elif author is not None:
                name = author.get_role_display()
        source = data.source_id(note)
        if source is None:
            copy = ""
        elif board.read_only_input:
            copy = _("carried forward")
        else:
            copy = _("pulled")
        root = data.root_id(note)
        category = data.categories.get(note.category_id) if note.category_id else None
        cluster = data.clusters.get(note.cluster_id) if note.cluster_id else None
        rows.append([
            data.workshop.title, board.session.title, board.group.name if board.group_id else "", board.title,
            board.get_author_mode_display(), note.pk, note.parent_id or "", category.name if category else "",
            cluster.name if cluster else "", note.text, name, country, stakeholder, found.session, found.group,
            copy, source or "", root if root != note.pk else "", data.votes.get(note.pk, 0),
            data.item_votes(note), data.comments.get(note.pk, 0), data.links_count(note.pk),
            _utc(note.created_at), _utc(note.updated_at),
        ])
    return rows


def render_csv(data: WorkshopData) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Cyrillic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(contribution_columns())
    for row in contribution_rows(data):
        writer.writerow([_utc_text(v) if isinstance(v, dt.datetime) else neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def attendance_rows(data: WorkshopData) -> tuple[list[str], list[list]]:
    """Participants per session (and in all sessions) by country x stakeholder group;
    observers and facilitators present are counted in their own columns, not in Total."""
    from participants.models import Role, Stakeholder

    header = [_("Session"), _("Country"), *[str(label) for _code, label in Stakeholder.choices], _("Total"),
              _("Observers"), _("Facilitators")]
    sets = [(s.title, data.attendance.get(s.pk, set()), data.attendance_apart.get(s.pk, {})) for s in data.sessions]
    if len(data.sessions) > 1:
        every = set.intersection(*(ids for _t, ids, _a in sets))
        apart = {role: set.intersection(*(a.get(role, set()) for _t, _i, a in sets))
                 for role in (Role.OBSERVER, Role.FACILITATOR)}
        sets.append((_("Attended all sessions"), every, apart))
    rows = []
    for title, ids, apart in sets:
        people = [data.participants[pid] for pid in ids]
        observers = [data.participants[pid] for pid in apart.get(Role.OBSERVER, set())]
        facilitators = [data.participants[pid] for pid in apart.get(Role.FACILITATOR, set())]
        for code in sorted({p.country for p in people + observers + facilitators}, key=country_order):
            counts = [sum(1 for p in people if p.country == code and p.stakeholder == s) for s, _l in
                      Stakeholder.choices]
            rows.append([title, country_label(code), *counts, sum(counts),
                         sum(1 for p in observers if p.country == code),
                         sum(1 for p in facilitators if p.country == code)])
    return header, rows


#: Fitted column widths (characters): at least a short header, at most a readable note.
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _width(value) -> int:
    if isinstance(value, dt.datetime):
        return len(DATE_FORMAT)
    text = "" if value is None else str(value)
    return max((len(line) for line in text.split("\n")), default=0)


def _write_sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    """One sheet as staff filter it: bold frozen header row, an autofilter over every
    column, widths fitted to the content, dates as real date cells, text never a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    # Widths must be set before the first row is streamed (write-only mode).
    for index, name in enumerate(header, start=1):
        widest = max([_width(name) + 2, *(_width(row[index - 1]) + 1 for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, widest))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])


def render_xlsx(data: WorkshopData) -> bytes:
    """Two sheets: contributions (one row per note) and attendance. Write-only mode keeps
    2,000 rows fast and small."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _write_sheet(book, _("Contributions"), contribution_columns(), contribution_rows(data))
    header, rows = attendance_rows(data)
    _write_sheet(book, _("Attendance"), header, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    """Strings are stored as text, never as formulas, and neutralised as in the CSV;
    datetimes are date cells shown as dates."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
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
