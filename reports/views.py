"""Staff pages for the flash report draft and exports; thin: authorise, validate, call a
service, respond."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .access import access_board_picture, access_export, access_workshop_reports
from .flash import SECTION_KEYS, section_title
from .models import Export, ReportDraft
from .pictures import map_scene, to_png, to_svg
from .selectors import workshop_data

RECENT_EXPORTS = 10


def export_status(export: Export) -> dict:
    """The JSON the progress bar polls."""
    done = export.status == Export.Status.DONE and bool(export.file)
    return {
        "id": export.pk,
        "format": export.format,
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "progress": export.progress,
        "step": export.step,
        "error": export.error if export.status == Export.Status.FAILED else "",
        "download_url": reverse("reports:download", args=[export.pk]) if done else None,
    }


@login_required
@require_GET
def workshop_reports(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access_workshop_reports(request, workshop_id)
    draft = ReportDraft.objects.filter(workshop=workshop).first()
    sections = []
    if draft is not None:
        for key in SECTION_KEYS:
            section = (draft.sections or {}).get(key) or {}
            sections.append({"key": key, "title": section.get("title") or section_title(key),
                             "body": section.get("body", ""), "edited": bool(section.get("edited"))})
    exports = list(Export.objects.filter(workshop=workshop).order_by("-created_at", "-id")[:RECENT_EXPORTS])
    return render(request, "reports/workshop_reports.html", {
        "workshop": workshop, "draft": draft, "sections": sections,
        "formats": [(key, fmt.label) for key, fmt in services.FORMATS.items()],
        "exports": [(e, export_status(e)) for e in exports],
    })


@login_required
@require_POST
def generate(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access_workshop_reports(request, workshop_id)
    discard = request.POST.get("discard_edits") == "1"
    services.generate_draft(workshop_id=workshop.pk, discard_edits=discard)
    messages.success(request, _("The draft was regenerated; your edits were discarded.") if discard
                     else _("The draft was regenerated; edited sections were kept."))
    return redirect("reports:workshop", workshop_id=workshop.pk)


@login_required
@require_POST
def save_section(request: HttpRequest, workshop_id: int, key: str) -> HttpResponse:
    workshop = access_workshop_reports(request, workshop_id)
    try:
        services.update_section(workshop_id=workshop.pk, key=key, body=request.POST.get("body", ""))
    except services.ReportError as exc:
        messages.error(request, str(exc))
        return redirect("reports:workshop", workshop_id=workshop.pk)
    messages.success(request, _("Section saved: %(title)s") % {"title": section_title(key)})
    return redirect(reverse("reports:workshop", args=[workshop.pk]) + f"#section-{key}")


@login_required
@require_POST
def start_export(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access_workshop_reports(request, workshop_id)
    fmt = request.POST.get("format", "")
    try:
        services.request_export(workshop_id=workshop.pk, format=fmt, user_id=request.user.pk,
                                language=request.LANGUAGE_CODE)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("reports:workshop", args=[workshop.pk]) + "#exports")


@never_cache
@login_required
@require_GET
def status(request: HttpRequest, export_id: int) -> JsonResponse:
    return JsonResponse(export_status(access_export(request, export_id)))


@login_required
@require_GET
def download(request: HttpRequest, export_id: int) -> FileResponse:
    export = access_export(request, export_id)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    fmt = services.FORMATS.get(export.format)
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=os.path.basename(export.file.name),
        content_type=fmt.content_type if fmt else "application/octet-stream",
    )


@require_GET
def board_picture(request: HttpRequest, board_id: int, ext: str) -> HttpResponse:
    """A board's map now, drawn from the stored positions, for whoever may see the board
    (participants join without an account, so no login_required: access decides)."""
    board = access_board_picture(request, board_id)
    data = workshop_data(workshop_id=board.session.workshop_id)
    board = next(b for b in data.boards if b.pk == board.pk)
    scene = map_scene(data, board)
    if ext == "svg":
        response = HttpResponse(to_svg(scene), content_type="image/svg+xml; charset=utf-8")
    else:
        response = HttpResponse(to_png(scene), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{data.workshop.slug}-board-{board.pk}.{ext}"'
    return response
