import io

import pytest
from django.core.management import call_command

from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def test_bench_exports_runs_on_a_tiny_workshop_prints_every_format_and_leaves_nothing_behind():
    out = io.StringIO()
    call_command("bench_exports", "--participants", "8", "--groups", "2", "--notes", "40", "--repeat", "1",
                 stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("built workshop ")
    assert "8 participants, 2 sessions, 2 groups, 40 notes" in lines[0]
    assert lines[1] == "median of 1 run(s) per format"
    assert lines[2].split() == ["step", "seconds", "x", "baseline", "bytes", "target"]
    assert lines[3].startswith("baseline: read data")
    assert [line.split()[0] for line in lines[4:]] == ["md", "docx", "pdf", "xlsx", "csv", "json", "svg"]
    assert all(line.endswith("ok (<10 s)") for line in lines[4:] if line.split()[0] in ("docx", "pdf", "xlsx"))
    assert Workshop.objects.count() == 0
