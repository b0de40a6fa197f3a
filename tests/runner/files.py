"""Read the runner's key/value file commands (GITHUB_OUTPUT, GITHUB_ENV) like FileCommandManager."""

from __future__ import annotations

__all__ = ["FileCommandError", "parse_key_values"]


class FileCommandError(ValueError):
    pass


def parse_key_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
            values[name] = value
            continue
        if heredoc < 0:
            raise FileCommandError(f"Invalid format '{line}'")
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        if not name or not delimiter:
            raise FileCommandError("Name must not be empty and delimiter must not be empty")
        body: list[str] = []
        while True:
            if index >= len(lines):
                raise FileCommandError(f"Invalid value. Matching delimiter not found '{delimiter}'")
            current = lines[index]
            index += 1
            if current == delimiter:
                break
            body.append(current)
        values[name] = "\n".join(body)
    return values
