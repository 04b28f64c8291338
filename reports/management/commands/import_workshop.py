"""python manage.py import_workshop file.json"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from reports.archive import ArchiveError, import_archive


class Command(BaseCommand):
    help = "Import a workshop archive made by export_workshop --format json (a new workshop; ids remapped)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                payload = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            workshop = import_archive(payload=payload)
        except ArchiveError as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self.stdout.write(f"Imported workshop {workshop.pk} ({workshop.slug}): {workshop.title}")
