"""Render a step's output the way the GitHub log shows it: masks applied, commands consumed."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.runner.commands import parse_command

__all__ = ["LogRenderer"]

_ANNOTATIONS = {"error": "Error", "warning": "Warning", "notice": "Notice"}


@dataclass
class LogRenderer:
    """Feed it output lines; it returns what a reader of the job log would see."""

    secrets: list[str] = field(default_factory=list)

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def line(self, raw: str) -> str | None:
        command = parse_command(raw)
        if command is None:
            return self.mask(raw)
        if command.name == "add-mask":
            if command.data.strip():
                self.secrets.append(command.data)
                self.secrets.extend(
                    part.strip() for part in command.data.splitlines() if part.strip()
                )
            return None
        if command.name == "group":
            return self.mask(f"▸ {command.data}")
        if command.name in {"endgroup", "debug"}:
            return None
        if command.name in _ANNOTATIONS:
            title = f"{command.title}: " if command.title else ""
            body = f"{_ANNOTATIONS[command.name]}: {title}{command.data}"
            return self.mask(body.replace("\n", "\n  "))
        return self.mask(raw)  # unregistered commands are printed as they are
