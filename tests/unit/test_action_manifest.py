"""action.yml, the workflows and the bootstrap's pins, checked against the core and each other.

Adding an input is one block in action.yml plus one InputSpec in INPUTS; these tests
fail when the two drift apart or when a hardening rule is broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from requirements.bootstrap import read_manifest, read_pin

from tests.runner.yamlfile import load_yaml
from trusted_publish.inputs import INPUTS

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DEPRECATION = "The inputs have been normalized to use kebab-case. Use `{name}` instead."
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def mapping(value: object) -> Mapping[str, object]:
    assert isinstance(value, Mapping), value
    return value


def action() -> Mapping[str, object]:
    return mapping(load_yaml(ROOT / "action.yml"))


def inputs() -> Mapping[str, Mapping[str, object]]:
    return {name: mapping(spec) for name, spec in mapping(action()["inputs"]).items()}


def steps() -> list[Mapping[str, object]]:
    value = mapping(action()["runs"])["steps"]
    assert isinstance(value, list)
    return [mapping(step) for step in value]


def test_inputs_are_exactly_the_cores_inputs_and_their_aliases() -> None:
    expected = {spec.name for spec in INPUTS} | {spec.alias for spec in INPUTS if spec.alias}
    assert set(inputs()) == expected


@pytest.mark.parametrize("spec", INPUTS, ids=lambda spec: spec.name)
def test_each_input_documents_the_cores_default(spec: object) -> None:
    from trusted_publish.inputs import InputSpec

    assert isinstance(spec, InputSpec)
    declared = inputs()[spec.name]
    assert "default" not in declared, "defaults live in the core, so aliases stay visible"
    assert "deprecationMessage" not in declared
    if spec.default:
        assert spec.default in str(declared["description"]), spec.name


@pytest.mark.parametrize("spec", [s for s in INPUTS if s.alias], ids=lambda spec: spec.name)
def test_each_alias_is_deprecated_with_the_anchors_message(spec: object) -> None:
    from trusted_publish.inputs import InputSpec

    assert isinstance(spec, InputSpec)
    assert spec.alias is not None
    alias = inputs()[spec.alias]
    assert alias["deprecationMessage"] == DEPRECATION.format(name=spec.name)
    assert "default" not in alias


def test_every_input_reaches_the_core_through_one_env_value() -> None:
    publish = next(step for step in steps() if step.get("id") == "publish")
    assert mapping(publish["env"])["TP_INPUTS"] == "${{ toJSON(inputs) }}"


def test_no_expression_inside_any_run_script() -> None:
    documents = [action(), *(mapping(load_yaml(path)) for path in WORKFLOWS)]
    runs = [str(step["run"]) for doc in documents for step in _all_steps(doc) if "run" in step]
    assert runs
    assert [run for run in runs if "${{" in run] == []


def test_paths_come_from_the_environment_not_expressions() -> None:
    """${{ github.action_path }} and ${{ runner.temp }} are host paths in container jobs."""
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    body = text.split("runs:", 1)[1]
    assert "github.action_path" not in body
    assert "runner.temp" not in body


def test_outputs_are_the_publish_steps_outputs() -> None:
    for name, spec in mapping(action()["outputs"]).items():
        assert mapping(spec)["value"] == f"${{{{ steps.publish.outputs.{name} }}}}"
        assert mapping(spec)["description"]


def _all_steps(document: Mapping[str, object]) -> list[Mapping[str, object]]:
    if "runs" in document:
        found = mapping(document["runs"]).get("steps") or []
        assert isinstance(found, list)
        return [mapping(s) for s in found]
    result: list[Mapping[str, object]] = []
    for job in mapping(document.get("jobs")).values():
        found = mapping(job).get("steps") or []
        assert isinstance(found, list)
        result.extend(mapping(s) for s in found)
    return result


def _uses_lines(path: Path) -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(- )?uses:", line)
    ]


@pytest.mark.parametrize("path", [ROOT / "action.yml", *WORKFLOWS], ids=lambda p: p.name)
def test_every_remote_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    for line in _uses_lines(path):
        reference, _, comment = line.partition(" # ")
        if reference.startswith("./"):
            continue
        assert PINNED.match(reference), line
        assert re.match(r"v\d+\.\d+\.\d+", comment), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_grant_nothing_by_default_and_bound_every_job(path: Path) -> None:
    workflow = mapping(load_yaml(path))
    assert workflow["permissions"] == {}
    for name, value in mapping(workflow["jobs"]).items():
        job = mapping(value)
        assert "permissions" in job, name
        assert isinstance(job.get("timeout-minutes"), int), name
        for scope, level in mapping(job["permissions"]).items():
            assert level in {"read", "write"}, (name, scope)


def test_only_the_publishing_jobs_may_request_an_oidc_token() -> None:
    granted = {
        (path.name, name)
        for path in WORKFLOWS
        for name, job in mapping(mapping(load_yaml(path))["jobs"]).items()
        if mapping(mapping(job)["permissions"]).get("id-token") == "write"
    }
    assert granted == {("self-test.yml", "publish")}


def test_the_uv_manifest_matches_the_lock() -> None:
    pin = read_pin(ROOT / "requirements" / "bootstrap.txt")
    version, files = read_manifest(ROOT / "requirements" / "bootstrap.json")
    assert version == pin.version
    assert files
    for wheel in files:
        assert wheel.sha256 in pin.hashes, wheel.filename
        assert wheel.filename.startswith(f"uv-{pin.version}-")
        assert wheel.url.startswith("https://files.pythonhosted.org/packages/")
        assert wheel.url.endswith("/" + wheel.filename)
    # every locked wheel is listed (the lock also pins the sdist, which is never fetched)
    assert len(pin.hashes) - len(files) <= 1


def test_dependabot_watches_actions_requirements_and_the_base_image() -> None:
    config = mapping(load_yaml(ROOT / ".github" / "dependabot.yml"))
    updates = config["updates"]
    assert isinstance(updates, list)
    ecosystems = {mapping(u)["package-ecosystem"] for u in updates}
    assert ecosystems == {"github-actions", "pip", "docker"}
    for update in updates:
        days = mapping(mapping(update)["cooldown"])["default-days"]
        assert isinstance(days, int)
        assert days >= 7


def test_the_readme_input_table_lists_every_kebab_case_input() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([a-z-]+)` \|", readme, re.M))
    assert {spec.name for spec in INPUTS} <= table


def test_the_readme_output_table_lists_every_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in mapping(action()["outputs"]):
        assert f"| `{name}` |" in readme, name


def test_the_manifest_has_only_the_fields_the_bootstrap_reads() -> None:
    data = json.loads((ROOT / "requirements" / "bootstrap.json").read_text(encoding="utf-8"))
    assert set(data) == {"version", "files"}
    assert all(set(f) == {"filename", "url", "sha256"} for f in data["files"])
