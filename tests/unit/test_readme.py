"""The README documents what the action is: every catalogue entry, every input."""

from __future__ import annotations

from pathlib import Path

from trusted_publish.catalogue import CATALOGUE

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def troubleshooting_section() -> str:
    start = README.index("## Troubleshooting")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_every_catalogue_entry_is_in_the_troubleshooting_section() -> None:
    section = troubleshooting_section()
    missing = [
        key for key, entry in CATALOGUE.items() if f"**{entry.title}** (`{key}`)" not in section
    ]
    assert missing == []


def test_the_troubleshooting_section_lists_no_entry_that_no_longer_exists() -> None:
    listed = [
        line.split("(`", 1)[1].split("`)", 1)[0]
        for line in troubleshooting_section().splitlines()
        if line.startswith("| **")
    ]
    assert sorted(listed) == sorted(CATALOGUE)
