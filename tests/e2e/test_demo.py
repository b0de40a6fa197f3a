"""The README's demo command keeps working: the example package is published and read back."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import child_environment, python_executable

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_publishes_the_example_package(tmp_path: Path) -> None:
    result = subprocess.run(
        [python_executable(), str(DEMO)],
        env=child_environment({"HOME": str(tmp_path)}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    landed = [line for line in lines if "bytes identical; attested by" in line]
    assert len(landed) == 2
    assert "Published 2 new of 2 files to PyPI." in result.stdout
    assert "::add-mask::" not in result.stdout  # the log is shown as GitHub shows it
