"""python manage.py export_workshop <slug or id> --format docx|pdf|md|csv|xlsx|json|svg --out DIR"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reports import renderers, services
from reports.selectors import workshop_data
from workshops.models import Workshop


def find_workshop(ref: str) -> Workshop:
    workshop = Workshop.objects.filter(slug=ref).first()
    if workshop is None and ref.isdigit():
        workshop = Workshop.objects.filter(pk=int(ref)).first()
    if workshop is None:
        raise CommandError(f"No workshop with slug or id {ref!r}.")
    return workshop


class Command(BaseCommand):
    help = "Export a workshop's flash report, contributions, pictures or archive into a directory."

    def add_arguments(self, parser):
        parser.add_argument("workshop", help="slug or id")
        parser.add_argument("--format", required=True, help="one or more of: " + ", ".join(services.FORMATS)
                            + " (comma separated)")
        parser.add_argument("--out", required=True, help="directory to write into (created if missing)")
        parser.add_argument("--language", default="en", help="language of the generated text (en, ru)")

    def handle(self, *args, workshop, format, out, language, **options):
        formats = [f.strip() for f in format.split(",") if f.strip()]
        unknown = [f for f in formats if f not in services.FORMATS]
        if unknown or not formats:
            raise CommandError(f"Unknown format {', '.join(unknown) or format!r}; use {', '.join(services.FORMATS)}.")
        target = find_workshop(workshop)
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        with translation.override(language):
            for fmt in formats:
                for path in self._export(target, fmt, directory):
                    self.stdout.write(str(path))

    def _export(self, workshop: Workshop, fmt: str, directory: Path) -> list[Path]:
        if fmt == "svg":  # single files, not the web page's zip
            written = []
            for name, content in renderers.picture_files(workshop_data(workshop_id=workshop.pk)).items():
                path = directory / f"{workshop.slug}-{name}"
                path.write_bytes(content)
                written.append(path)
            return written
        if fmt == "md":  # the report and its pictures beside it
            report = services.flash_report(workshop_id=workshop.pk)
            names: dict[str, str] = {}

            def picture_name(ref: str) -> str:
                names[ref] = f"{workshop.slug}-{ref}.png"
                return names[ref]

            path = directory / f"{workshop.slug}-flash-report.md"
            path.write_text(renderers.render_markdown(report, picture_name=picture_name), encoding="utf-8")
            written = [path]
            for ref, name in names.items():
                png = report.picture(ref)
                if png is not None:
                    (directory / name).write_bytes(png)
                    written.append(directory / name)
            return written
        name, content = services.build_export(workshop_id=workshop.pk, format=fmt)
        path = directory / name
        path.write_bytes(content)
        return [path]
