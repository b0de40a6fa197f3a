"""Copy the example package to DEST as PROJECT==VERSION: a throwaway release for the self-test.

usage: python throwaway.py SOURCE PROJECT VERSION DEST
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path


def throwaway(source: Path, project: str, version: str, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("dist", "__pycache__"))
    pyproject = destination / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    module = next(p.name for p in (destination / "src").iterdir() if p.is_dir())
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{project}"', text, count=1)
    text = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1)
    text += f'\n[tool.flit.module]\nname = "{module}"\n'
    pyproject.write_text(text, encoding="utf-8")
    return pyproject


def main(argv: list[str]) -> int:
    if len(argv) != 4 or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", argv[1]):
        print(__doc__, file=sys.stderr)
        return 2
    throwaway(Path(argv[0]), argv[1], argv[2], Path(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
