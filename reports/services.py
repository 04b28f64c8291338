"""Writes of the reports app: the report draft staff edit, and export jobs.

Reports only read the other apps (reports.selectors); these services write ReportDraft
and Export rows, and files through Django's storage API. The one exception that writes
other apps' rows is reports.archive.import_archive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import renderers
from .archive import export_archive
from .flash import SECTION_KEYS, build_sections, section_title
from .markup import clean
from .models import Export, ReportDraft
from .selectors import WorkshopData, workshop_data

logger = logging.getLogger(__name__)

MAX_SECTION_CHARS = 100_000


@dataclass(frozen=True)
class Format:
    label: object
    extension: str
    content_type: str


FORMATS: dict[str, Format] = {
    "docx": Format(gettext_lazy("Flash report (Word)"), "docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": Format(gettext_lazy("Flash report (PDF)"), "pdf", "application/pdf"),
    "md": Format(gettext_lazy("Flash report (Markdown)"), "md", "text/markdown; charset=utf-8"),
    "csv": Format(gettext_lazy("Contributions (CSV)"), "csv", "text/csv; charset=utf-8"),
    "xlsx": Format(gettext_lazy("Contributions and attendance (Excel)"), "xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": Format(gettext_lazy("Full archive (JSON)"), "json", "application/json"),
    "svg": Format(gettext_lazy("Pictures: maps and attendance chart (SVG and PNG, zip)"), "zip",
                  "application/zip"),
}

Progress = Callable[[int, str], None]  # (percent, step)


class ReportError(ValueError):
    """Bad input for a report service; nothing was saved."""


def _merge(existing: dict, generated: dict[str, dict[str, str]], *, discard_edits: bool) -> dict:
    sections = {}
    for key in SECTION_KEYS:
        old = existing.get(key) or {}
        if old.get("edited") and not discard_edits:
            sections[key] = {"title": old.get("title") or generated[key]["title"], "body": old.get("body", ""),
                             "edited": True}
        else:
            sections[key] = {**generated[key], "edited": False}
    return sections


def generate_draft(
    *, workshop_id: int, discard_edits: bool = False, progress: Progress | None = None,
    data: WorkshopData | None = None,
) -> ReportDraft:
    """(Re)generate the flash report's draft from the workshop's data.

    Sections staff edited are kept unless `discard_edits`: staff may regenerate after
    the workshop's data changed without losing their wording. The data is read first,
    then the draft row is locked and merged in one short transaction.
    """
    data = data or workshop_data(workshop_id=workshop_id)
    total = len(SECTION_KEYS)

    def step(key: str, done: int, _total: int) -> None:
        if progress is not None:
            progress(round(60 * done / total), _("Section: %(title)s") % {"title": section_title(key)})

    generated = build_sections(data, progress=step)
    with transaction.atomic():
        draft, _created = ReportDraft.objects.select_for_update().get_or_create(workshop_id=workshop_id)
        draft.sections = _merge(draft.sections or {}, generated, discard_edits=discard_edits)
        draft.generated_at = timezone.now()
        draft.save()
    return draft


@transaction.atomic
def update_section(*, workshop_id: int, key: str, body: str) -> ReportDraft:
    """Save staff's text for one section and mark it edited, so regeneration keeps it.

    Preconditions: `key` is one of flash.SECTION_KEYS; the draft may not exist yet (it
    is generated first, so the other sections are filled).
    """
    if key not in SECTION_KEYS:
        raise ReportError(_("Unknown section."))
    if len(body) > MAX_SECTION_CHARS:
        raise ReportError(_("This section is too long (at most %(n)d characters).") % {"n": MAX_SECTION_CHARS})
    if not ReportDraft.objects.filter(workshop_id=workshop_id).exists():
        generate_draft(workshop_id=workshop_id)
    draft = ReportDraft.objects.select_for_update().get(workshop_id=workshop_id)
    sections = dict(draft.sections or {})
    old = sections.get(key) or {"title": section_title(key)}
    sections[key] = {"title": old.get("title") or section_title(key), "body": body.replace("\r\n", "\n"),
                     "edited": True}
    draft.sections = sections
    draft.save(update_fields=["sections", "updated_at"])
    return draft


def flash_report(*, workshop_id: int, progress: Progress | None = None) -> renderers.FlashReport:
    """The report as it will be exported: regenerated sections, staff's edits kept."""
    data = workshop_data(workshop_id=workshop_id)
    draft = generate_draft(workshop_id=workshop_id, progress=progress, data=data)
    sessions = data.sessions
    dates = ""
    if sessions:
        first = sessions[0].starts_at.astimezone(data.workshop.home_zone)
        last = sessions[-1].starts_at.astimezone(data.workshop.home_zone)
        from django.utils import dateformat

        dates = dateformat.format(first, "j E Y")
        if last.date() != first.date():
            dates += " – " + dateformat.format(last, "j E Y")
    subtitle = _("Flash report") + (f" · {dates}" if dates else "")
    return renderers.FlashReport(
        title=clean(data.workshop.title), subtitle=subtitle,
        sections=[(clean(draft.sections[k]["title"]), clean(draft.sections[k]["body"])) for k in SECTION_KEYS],
        data=data,
    )


def build_export(*, workshop_id: int, format: str, progress: Progress | None = None) -> tuple[str, bytes]:
    """(file name, content) of one export format. Reads only; no rows are written except
    the report draft for the flash-report formats."""
    if format not in FORMATS:
        raise ReportError(_("Unknown export format."))
    report_step = progress or (lambda percent, step: None)
    if format in ("docx", "pdf", "md"):
        report = flash_report(workshop_id=workshop_id, progress=report_step)
        slug = report.data.workshop.slug
        report_step(70, _("Writing the file"))
        if format == "md":
            content = renderers.render_markdown(report).encode()
        elif format == "docx":
            content = renderers.render_docx(report)
        else:
            content = renderers.render_pdf(report)
        return f"{slug}-flash-report.{format}", content
    report_step(10, _("Reading the workshop"))
    if format == "json":
        payload = export_archive(workshop_id=workshop_id)
        slug = payload["tables"]["workshops.workshop"][0]["slug"]
        report_step(70, _("Writing the file"))
        return f"{slug}-archive.json", json.dumps(payload, ensure_ascii=False, indent=1).encode()
    data = workshop_data(workshop_id=workshop_id)
    slug = data.workshop.slug
    report_step(40, _("Writing the file"))
    if format == "csv":
        return f"{slug}-contributions.csv", renderers.render_csv(data)
    if format == "xlsx":
        return f"{slug}-contributions.xlsx", renderers.render_xlsx(data)
    return f"{slug}-pictures.zip", renderers.render_pictures_zip(data)


@transaction.atomic
def request_export(*, workshop_id: int, format: str, user_id: int | None, language: str = "en") -> Export:
    """Record an export and enqueue it after commit, so the worker sees the row. The file's
    generated text will be in `language` (the requester's), not the worker's default."""
    if format not in FORMATS:
        raise ReportError(_("Unknown export format."))
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    export = Export.objects.create(workshop_id=workshop_id, format=format, requested_by_id=user_id,
                                   language=language, step=_("Waiting for a worker"))
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: int) -> None:
    """Hand the export to Celery; if the queue cannot be reached, say so on the row
    instead of leaving it "waiting" forever (and instead of failing the staff's request)."""
    from .tasks import task_run_export

    try:
        task_run_export.delay(export_id)
    except Exception as exc:  # broker down or misconfigured: kombu raises several kinds
        logger.exception("could not enqueue export %s", export_id)
        reason = f"{type(exc).__name__}: {exc}"[:500]
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, step=_("Failed"), finished_at=timezone.now(),
            error=_("The export queue could not be reached: %(error)s") % {"error": reason},
        )


def run_export(*, export_id: int) -> Export:
    """Build an export's file and store it (Export.file, Django storage).

    Not one transaction on purpose: each progress step is committed at once so the
    staff page's progress bar can see it while the file is being built. A failure is
    recorded on the row (status failed, error) instead of raised, so the page can say so.
    """
    export = Export.objects.get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export  # a redelivered task: the file exists already
    with translation.override(export.language or settings.LANGUAGE_CODE):
        return _run_export(export)


def _run_export(export: Export) -> Export:
    export_id = export.pk

    def progress(percent: int, step: str) -> None:
        Export.objects.filter(pk=export_id).update(progress=min(99, max(0, percent)), step=step[:120])

    Export.objects.filter(pk=export_id).update(status=Export.Status.RUNNING, progress=1, step=_("Starting"))
    try:
        name, content = build_export(workshop_id=export.workshop_id, format=export.format, progress=progress)
        export.refresh_from_db()
        export.file.save(name, ContentFile(content), save=False)
        export.status = Export.Status.DONE
        export.progress = 100
        export.step = _("Ready")
        export.error = ""
    except Exception as exc:  # recorded for the staff page; the worker carries on
        logger.exception("export %s failed", export_id)
        export.refresh_from_db()
        export.status = Export.Status.FAILED
        export.error = f"{type(exc).__name__}: {exc}"[:2000]
        export.step = _("Failed")
    export.finished_at = timezone.now()
    export.save()
    return export
