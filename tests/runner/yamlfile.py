"""Load action and workflow YAML as GitHub reads it.

GitHub's parser follows YAML 1.2's core schema: only ``true``/``false`` are
booleans, so ``on:`` and ``yes`` stay strings (PyYAML's YAML 1.1 default would
turn ``on:`` into ``True``). Numbers stay numbers (``3.10`` is ``3.1``, as on
GitHub); :func:`scalar_text` gives the string a step or input sees.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.runner.values import from_python, to_string

__all__ = ["load_yaml", "scalar_text"]


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(source: str | Path) -> object:
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    return yaml.load(text, Loader=_Loader)


def scalar_text(value: object) -> str:
    """The string the runner makes of a YAML scalar (numbers as the expression engine prints)."""
    if value is None:
        return ""
    return to_string(from_python(value)) if isinstance(value, (bool, int, float)) else str(value)
