"""Everything the user sees: workflow commands, masks, groups, job summary, step outputs.

This is the only module that writes to stdout or to the runner's files. Every
value is escaped as GitHub specifies before it becomes part of a workflow
command, and every registered secret is redacted from everything written.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from trusted_publish.catalogue import Diagnosis
from trusted_publish.secret import Secret

__all__ = [
    "Reporter",
    "diagnosis_markdown",
    "escape_data",
    "escape_property",
    "markdown_escape",
    "markdown_table",
    "workflow_command",
]

Level = Literal["error", "warning", "notice"]
_REDACTED = "***"


def escape_data(value: str) -> str:
    """Escape a workflow command's data part (after the second ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command property value (``title=...``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _neutralise_legacy_commands(value: str) -> str:
    # The runner also honours the legacy `##[command]` form anywhere in a line; a
    # zero-width joiner between the two hashes keeps untrusted text inert.
    return value.replace("##[", "#\u200d#[")


def workflow_command(name: str, data: str = "", **properties: str) -> str:
    """Format ``::name k=v,...::data`` with every part escaped."""
    props = ",".join(
        f"{key}={escape_property(_neutralise_legacy_commands(value))}"
        for key, value in properties.items()
        if value
    )
    head = f"{name} {props}" if props else name
    return f"::{head}::{escape_data(_neutralise_legacy_commands(data))}"


@dataclass
class Reporter:
    """Writes to a stream as a GitHub step would, or as plain text for a terminal.

    ``github`` selects workflow commands; outside GitHub Actions the same calls
    produce readable plain text, and masks are never printed.
    """

    github: bool
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    output_file: Path | None = None
    summary_file: Path | None = None
    _secrets: list[str] = field(default_factory=list)

    # -- secrets -------------------------------------------------------------
    def mask(self, secret: Secret) -> None:
        """Register ``secret`` for redaction; on GitHub also tell the runner to mask it."""
        value = secret.reveal()
        if not value.strip() or value in self._secrets:
            return
        self._secrets.append(value)
        # Longest first, so a secret containing another is redacted whole.
        self._secrets.sort(key=len, reverse=True)
        if self.github:
            self._write_line(f"::add-mask::{escape_data(value)}", redact=False)

    def redact(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, _REDACTED)
        return text

    # -- log lines -----------------------------------------------------------
    def info(self, message: str) -> None:
        self._write_text(message)

    def debug(self, message: str) -> None:
        if self.github:
            for line in message.splitlines() or [""]:
                self._write_line(workflow_command("debug", self.redact(line)))
        # Debug output stays silent on a terminal.

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        if self.github:
            self._write_line(workflow_command("group", self.redact(title)))
        else:
            self._write_text(f"== {title}")
        try:
            yield
        finally:
            if self.github:
                self._write_line("::endgroup::")

    def annotate(self, level: Level, title: str, message: str) -> None:
        if self.github:
            self._write_line(
                workflow_command(level, self.redact(message), title=self.redact(title))
            )
        else:
            self._write_text(f"{level}: {title}\n{message}")

    def error(self, diagnosis: Diagnosis) -> None:
        self.annotate("error", diagnosis.title, diagnosis.as_text())

    # -- runner files --------------------------------------------------------
    def set_output(self, name: str, value: str) -> None:
        if self.output_file is None:
            return
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        value = self.redact(value)
        with self.output_file.open("a", encoding="utf-8") as out:
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def add_summary(self, markdown: str) -> None:
        if self.summary_file is None:
            return
        with self.summary_file.open("a", encoding="utf-8") as out:
            out.write(self.redact(markdown).rstrip("\n") + "\n")

    # -- plumbing ------------------------------------------------------------
    def _write_text(self, text: str) -> None:
        """Write free text; on GitHub each line is kept from being read as a command."""
        for line in self.redact(text).splitlines() or [""]:
            self._write_line(self._inert(line) if self.github else line)

    @staticmethod
    def _inert(line: str) -> str:
        stripped = line.lstrip()
        if stripped.startswith("::"):
            # A leading character that is not whitespace stops the runner's parser.
            line = "\u200b" + line
        return _neutralise_legacy_commands(line)

    def _write_line(self, line: str, *, redact: bool = True) -> None:
        self.stream.write((self.redact(line) if redact else line) + "\n")
        self.stream.flush()


def markdown_escape(value: str) -> str:
    """Make an outside value inert inside Markdown text or a table cell."""
    for char in "\\`*_[]<>|":
        value = value.replace(char, "\\" + char)
    return " ".join(value.splitlines())


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines.extend("| " + " | ".join(markdown_escape(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def diagnosis_markdown(diagnosis: Diagnosis) -> str:
    parts = [
        f"### :x: {markdown_escape(diagnosis.title)}",
        "",
        "\n\n".join(markdown_escape(p) for p in diagnosis.happened.split("\n")),
        "",
        f"**Why:** {markdown_escape(diagnosis.cause)}",
        "",
        "**Fix:**",
        "",
        "```",
        diagnosis.fix.replace("```", "'''"),
        "```",
    ]
    if diagnosis.facts:
        parts += ["", markdown_table(("Claim", "Value"), diagnosis.facts)]
    if diagnosis.link:
        parts += ["", f"More: <{diagnosis.link}>"]
    return "\n".join(parts) + "\n"
