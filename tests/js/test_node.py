"""The JavaScript unit tests (tests/js/*.test.mjs, node:test, no packages) as part of
the pytest run; skipped where node is not installed."""

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_javascript_unit_tests_pass():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    result = subprocess.run([node, "--no-warnings", "--test", *files], capture_output=True, text=True, timeout=120,
                            cwd=HERE.parents[1])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
