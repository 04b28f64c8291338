"""python manage.py bench_exports: time DOCX, PDF and XLSX (and the rest) on a full workshop.

Builds a full workshop (80 participants, 2 sessions, 10 groups, 2,000 notes) in the
database it runs on, times each format once (after one warm-up of the baseline), prints
seconds and the ratio to a baseline measured in the same run (reading the workshop's
data), then deletes the workshop unless --keep. Target: DOCX, PDF, XLSX under 10 s each.
"""

from __future__ import annotations

import statistics
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import transaction

from reports import services
from reports.bench import build_full_workshop
from reports.selectors import workshop_data

TARGET_SECONDS = 10.0
FORMATS = ["md", "docx", "pdf", "xlsx", "csv", "json", "svg"]


class Command(BaseCommand):
    help = "Benchmark the exports on a full workshop built for the purpose."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=80)
        parser.add_argument("--groups", type=int, default=10)
        parser.add_argument("--notes", type=int, default=2000)
        parser.add_argument("--repeat", type=int, default=3, help="runs per format; the median is printed")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark workshop afterwards")

    def handle(self, *args, participants, groups, notes, repeat, keep, **options):
        self.repeat = max(1, repeat)
        # One transaction, rolled back at the end unless --keep: the database is left as it was
        # (and Model.delete() is not needed; see docs/performance-exports.md).
        with transaction.atomic():
            self._run(participants=participants, groups=groups, notes=notes)
            if not keep:
                transaction.set_rollback(True)

    def _run(self, *, participants: int, groups: int, notes: int) -> None:
        started = time.perf_counter()
        workshop = build_full_workshop(slug=f"bench-{uuid.uuid4().hex[:8]}", participants=participants,
                                       groups=groups, notes=notes)
        self.stdout.write(
            f"built workshop {workshop.pk}: {participants} participants, 2 sessions, {groups} groups, "
            f"{notes} notes in {time.perf_counter() - started:.2f} s"
        )
        workshop_data(workshop_id=workshop.pk)  # warm-up: imports, connections
        baseline, _ = self._median(lambda: workshop_data(workshop_id=workshop.pk), runs=max(5, self.repeat))
        self.stdout.write(f"median of {self.repeat} run(s) per format")
        self.stdout.write(f"{'step':<22}{'seconds':>9}{'x baseline':>12}{'bytes':>11}  target")
        self.stdout.write(f"{'baseline: read data':<22}{baseline:>9.3f}{1.0:>12.1f}{'':>11}")
        for fmt in FORMATS:
            seconds, (_name, content) = self._median(
                lambda fmt=fmt: services.build_export(workshop_id=workshop.pk, format=fmt), runs=self.repeat)
            verdict = ""
            if fmt in ("docx", "pdf", "xlsx"):
                verdict = "ok (<10 s)" if seconds < TARGET_SECONDS else "SLOW (>=10 s)"
            ratio = seconds / baseline if baseline else 0.0
            self.stdout.write(f"{fmt:<22}{seconds:>9.3f}{ratio:>12.1f}{len(content):>11}  {verdict}")

    @staticmethod
    def _median(call, *, runs: int):
        """(median seconds, last result): the machine is shared, a single run is noisy."""
        times, result = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), result
