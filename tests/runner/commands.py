"""Parse workflow commands as the GitHub runner does (actions/runner ActionCommand.cs)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "WorkflowCommand",
    "parse_command",
    "parse_commands",
    "unescape_data",
    "unescape_property",
]


def unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


@dataclass(frozen=True)
class WorkflowCommand:
    name: str
    data: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.properties.get("title", "")


def parse_command(line: str) -> WorkflowCommand | None:
    """The command on ``line`` in either form the runner accepts, or None."""
    stripped = line.lstrip()
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            return None
        head, data = stripped[2:end], stripped[end + 2 :]
        name, _, props = head.partition(" ")
        return WorkflowCommand(name.lower(), unescape_data(data), _properties(props, ","))
    legacy = line.find("##[")
    if legacy >= 0:
        close = line.find("]", legacy)
        if close > legacy:
            head, data = line[legacy + 3 : close], line[close + 1 :]
            name, _, props = head.partition(" ")
            return WorkflowCommand(name.lower(), unescape_data(data), _properties(props, ";"))
    return None


def _properties(text: str, separator: str) -> dict[str, str]:
    properties: dict[str, str] = {}
    for piece in text.strip().split(separator):
        key, sep, value = piece.partition("=")
        if sep and key.strip() and value:
            properties[key.strip().lower()] = unescape_property(value)
    return properties


def parse_commands(output: str) -> list[WorkflowCommand]:
    return [c for line in output.splitlines() if (c := parse_command(line)) is not None]
