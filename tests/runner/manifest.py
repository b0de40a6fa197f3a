"""An action's ``action.yml``, read as the runner reads it (ActionManifestManager.cs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.runner.expressions import Scope
from tests.runner.templates import render_string
from tests.runner.values import Value
from tests.runner.yamlfile import load_yaml, scalar_text

__all__ = [
    "DEFAULT_CONTEXTS",
    "ActionManifest",
    "InputDefinition",
    "ManifestError",
    "load_manifest",
    "resolve_inputs",
]

# What an input default may use (action_yaml.json input-default-context), plus hashFiles.
DEFAULT_CONTEXTS = frozenset({"github", "strategy", "matrix", "job", "runner"})


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class InputDefinition:
    name: str
    description: str = ""
    default: str | None = None  # an expression template
    required: bool = False  # never checked by the runner
    deprecation_message: str | None = None


@dataclass(frozen=True)
class ActionManifest:
    directory: Path
    name: str
    using: str  # "composite", "node20", "docker", ...
    inputs: dict[str, InputDefinition] = field(default_factory=dict)
    outputs: dict[str, str | None] = field(default_factory=dict)  # name -> value template
    steps: list[Mapping[str, object]] = field(default_factory=list)
    raw: Mapping[str, object] = field(default_factory=dict)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(f"{where} must be a mapping")
    return {str(k): v for k, v in value.items()}


def load_manifest(directory: Path) -> ActionManifest:
    """Read ``action.yml`` (or ``action.yaml``) from ``directory``."""
    path = directory / "action.yml"
    if not path.exists():
        path = directory / "action.yaml"
    if not path.exists():
        raise ManifestError(
            f"Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '{directory}'."
        )
    raw = _mapping(load_yaml(path), "action.yml")
    runs = _mapping(raw.get("runs"), "runs")
    inputs: dict[str, InputDefinition] = {}
    for name, spec in _mapping(raw.get("inputs"), "inputs").items():
        fields = _mapping(spec, f"inputs.{name}")
        default = fields.get("default")
        message = fields.get("deprecationMessage")
        inputs[name] = InputDefinition(
            name,
            str(fields.get("description", "")),
            None if default is None else scalar_text(default),
            fields.get("required") is True,
            None if message is None else str(message),
        )
    outputs: dict[str, str | None] = {}
    for name, spec in _mapping(raw.get("outputs"), "outputs").items():
        value = _mapping(spec, f"outputs.{name}").get("value")
        outputs[name] = None if value is None else scalar_text(value)
    steps_value = runs.get("steps") or []
    if not isinstance(steps_value, list):
        raise ManifestError("runs.steps must be a sequence")
    steps = [_mapping(step, "runs.steps[]") for step in steps_value]
    return ActionManifest(
        directory=directory,
        name=str(raw.get("name", directory.name)),
        using=str(runs.get("using", "")),
        inputs=inputs,
        outputs=outputs,
        steps=steps,
        raw=raw,
    )


def resolve_inputs(
    manifest: ActionManifest, given: Mapping[str, str], defaults: Scope
) -> tuple[dict[str, Value], list[str]]:
    """ActionRunner: every declared input from ``with:`` (names match case-insensitively)
    or its default expression, else ''; undeclared ones passed on. Also the warnings the
    runner gives: deprecated inputs the caller set, and unexpected inputs."""
    warnings = [
        f"Input '{name}' has been deprecated with message: {definition.deprecation_message}"
        for name, definition in manifest.inputs.items()
        if name in given and definition.deprecation_message
    ]
    declared = {name.lower() for name in manifest.inputs}
    unexpected = [name for name in given if name.lower() not in declared]
    if unexpected:
        valid = ", ".join(f"'{n}'" for n in manifest.inputs)
        named = ", ".join(f"'{n}'" for n in unexpected)
        warnings.append(f"Unexpected input(s) {named}, valid inputs are [{valid}]")
    lowered = {name.lower(): value for name, value in given.items()}
    values: dict[str, Value] = {}
    for name, definition in manifest.inputs.items():
        if name.lower() in lowered:
            values[name] = lowered[name.lower()]
        elif definition.default is not None:
            values[name] = render_string(definition.default, defaults)
        else:
            values[name] = ""
    values.update({name: given[name] for name in unexpected})
    return values, warnings
