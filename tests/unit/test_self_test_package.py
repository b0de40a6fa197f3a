"""The self-test workflow's throwaway package: the example under another name and version."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import child_environment

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "throwaway.py"


def test_the_throwaway_package_builds_under_its_new_name_and_version(tmp_path: Path) -> None:
    project = tmp_path / "project"
    subprocess.run(
        [sys.executable, str(SCRIPT), str(ROOT / "examples" / "hello-trusted-publish"),
         "trusted-publish-selftest", "0.0.42.1", str(project)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist"),
         str(project)],
        check=True,
        capture_output=True,
        env=child_environment({}),
    )  # fmt: skip

    built = sorted(p.name for p in (tmp_path / "dist").iterdir())
    assert built == [
        "trusted_publish_selftest-0.0.42.1-py3-none-any.whl",
        "trusted_publish_selftest-0.0.42.1.tar.gz",
    ]
    with zipfile.ZipFile(tmp_path / "dist" / built[0]) as wheel:
        assert "hello_trusted_publish/__init__.py" in wheel.namelist()


def test_a_project_name_that_is_not_a_name_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(ROOT / "examples" / "hello-trusted-publish"),
         "bad name; rm -rf /", "1.0", str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert not (tmp_path / "p").exists()
