"""The tree passes ruff's lint (configured in pyproject.toml), so CI refuses code that does not."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: run scripts/setup.sh (it installs the test extra)")
    result = subprocess.run([ruff, "check", "src", "tests", "benchmarks", "scripts"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
