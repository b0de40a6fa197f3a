"""An action's ``action.yml``, read as the runner reads it (ActionManifestManager.cs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.runner.yamlfile import load_yaml, scalar_text

__all__ = ["ActionManifest", "InputDefinition", "ManifestError", "load_manifest"]


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
