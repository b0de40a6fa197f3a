"""Run a workflow file's jobs for one event: needs, if, matrix, environments, permissions and
reusable workflows (``jobs.<id>.uses: ./.github/workflows/x.yml``).

Jobs run one after another on the same emulated machine (see :mod:`tests.runner`);
``runs-on`` is recorded, not emulated. A job granted ``id-token: write`` gets the
OIDC request variables from ``oidc``, which is told the job's identity (which
workflow file, called workflow, environment), as GitHub's token would state it.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.runner.actions import ActionResolver
from tests.runner.contexts import GitHubFacts, Machine
from tests.runner.expressions import Scope
from tests.runner.job import Job, JobResult
from tests.runner.templates import evaluate_condition, render, render_string
from tests.runner.values import Obj, Value, from_python
from tests.runner.yamlfile import load_yaml, scalar_text

__all__ = ["JobIdentity", "WorkflowError", "WorkflowResult", "WorkflowRun"]


class WorkflowError(ValueError):
    pass


@dataclass(frozen=True)
class JobIdentity:
    """What an OIDC token for this job says about it."""

    workflow_file: str  # the top-level workflow (workflow_ref)
    called_workflow: str | None  # the reusable workflow running the job (job_workflow_ref)
    environment: str | None
    ref: str
    event_name: str


@dataclass
class WorkflowResult:
    jobs: dict[str, JobResult] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def conclusion(self) -> str:
        failed = any(job.conclusion == "failure" for job in self.jobs.values())
        return "failure" if failed else "success"

    def job(self, name: str) -> JobResult:
        return self.jobs[name]

    @property
    def text(self) -> str:
        return "\n".join(f"=== {name}\n{job.text}" for name, job in self.jobs.items())


def _mapping(value: object) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise WorkflowError(f"expected a mapping, got {value!r}")
    return {str(k): v for k, v in value.items()}


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return list(_mapping(value))


def _matrix(strategy: Mapping[str, object]) -> list[dict[str, object]]:
    """strategy.matrix: the cross product of its lists, minus exclude, plus include."""
    matrix = _mapping(strategy.get("matrix"))
    if not matrix:
        return [{}]
    include = matrix.pop("include", None) or []
    exclude = matrix.pop("exclude", None) or []
    keys = list(matrix)
    axes = [v if isinstance(v, list) else [v] for v in matrix.values()]
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*axes)]
    assert isinstance(exclude, list)
    assert isinstance(include, list)
    for rule in exclude:
        rule_items = _mapping(rule).items()
        combos = [c for c in combos if not all(c.get(k) == v for k, v in rule_items)]
    for entry in include:
        extra = _mapping(entry)
        matched = [
            c for c in combos if all(c.get(k, v) == v for k, v in extra.items() if k in keys)
        ]
        if matched and keys:
            for combo in matched:
                combo.update(extra)
        else:
            combos.append(dict(extra))
    return combos or [{}]


@dataclass
class WorkflowRun:
    """One run of workflows in a repository whose files are ``repository``."""

    machine: Machine
    repository: Path
    resolver: Callable[[], ActionResolver]
    facts: GitHubFacts
    oidc: Callable[[JobIdentity], Mapping[str, str]] | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    run_dir: Path | None = None

    def run(self, workflow: str, inputs: Mapping[str, object] | None = None) -> WorkflowResult:
        """Run ``.github/workflows/<workflow>`` for the run's event (``facts.event_name``)."""
        document = self._load(workflow)
        if not self._triggered(document):
            raise WorkflowError(
                f"{workflow} does not run on {self.facts.event_name} {self.facts.ref}"
            )
        result = WorkflowResult()
        facts = replace(
            self.facts, workflow=str(document.get("name") or workflow), workflow_file=workflow
        )
        self._run_jobs(_Level(document, facts, None, dict(inputs or {}), result, ""))
        return result

    # -- triggers -----------------------------------------------------------------------------

    def _load(self, workflow: str) -> dict[str, object]:
        path = self.repository / ".github" / "workflows" / workflow
        return _mapping(load_yaml(path))

    def _triggered(self, document: Mapping[str, object]) -> bool:
        triggers = document.get("on")
        event = self.facts.event_name
        if event not in _names(triggers):
            return False
        if not isinstance(triggers, Mapping):
            return True
        filters = _mapping(triggers.get(event))
        if "tags" not in filters and "branches" not in filters:
            return True
        # With either filter present, the ref must match the filter of its own kind.
        kind, name = ("tags", self.facts.ref.removeprefix("refs/tags/"))
        if self.facts.ref.startswith("refs/heads/"):
            kind, name = ("branches", self.facts.ref.removeprefix("refs/heads/"))
        return any(fnmatch.fnmatchcase(name, p) for p in _names(filters.get(kind)))

    # -- jobs ---------------------------------------------------------------------------------

    def _order(self, jobs: Mapping[str, object]) -> list[str]:
        ordered: list[str] = []
        pending = dict(jobs)
        while pending:
            ready = [
                name
                for name, job in pending.items()
                if all(n in ordered for n in _names(_mapping(job).get("needs")))
            ]
            if not ready:
                raise WorkflowError(f"jobs with unmet or circular needs: {sorted(pending)}")
            for name in ready:
                ordered.append(name)
                del pending[name]
        return ordered

    def _run_jobs(self, level: _Level) -> dict[str, dict[str, object]]:
        """Every job of one workflow (top-level or called), in needs order."""
        jobs = _mapping(level.document.get("jobs"))
        needs_context: dict[str, dict[str, object]] = {}
        for name in self._order(jobs):
            job = _mapping(jobs[name])
            needed = {n: needs_context[n] for n in _names(job.get("needs"))}
            scope = Scope(
                {
                    "github": Obj(level.facts.context(job=name)),
                    "needs": from_python(needed),
                    "inputs": from_python(level.inputs),
                    "vars": Obj(dict(self.variables)),
                },
                _status(needed),
            )
            if not evaluate_condition(_condition(job.get("if")), scope):
                level.result.skipped.append(level.prefix + name)
                needs_context[name] = {"result": "skipped", "outputs": {}}
            elif "uses" in job:
                needs_context[name] = self._call_workflow(level, job, scope, level.prefix + name)
            else:
                needs_context[name] = self._run_matrix(level, name, job, scope)
        return needs_context

    def _run_matrix(
        self, level: _Level, name: str, job: Mapping[str, object], scope: Scope
    ) -> dict[str, object]:
        conclusion, outputs = "success", {}
        for combo in _matrix(_mapping(job.get("strategy"))):
            values = ", ".join(map(str, combo.values()))
            label = level.prefix + name + (f" ({values})" if combo else "")
            matrix_scope = Scope({**scope.contexts, "matrix": from_python(combo)}, scope.functions)
            job_result = self._run_job(level, name, job, matrix_scope, matrix=combo, label=label)
            level.result.jobs[label] = job_result
            if job_result.conclusion == "failure":
                conclusion = "failure"
            outputs.update(job_result.outputs)
        return {"result": conclusion, "outputs": outputs}

    def _run_job(
        self,
        level: _Level,
        name: str,
        job: Mapping[str, object],
        scope: Scope,
        *,
        matrix: dict[str, object],
        label: str,
    ) -> JobResult:
        facts, caller = level.facts, level.caller
        identity = JobIdentity(
            workflow_file=caller.workflow_file if caller else facts.workflow_file,
            called_workflow=facts.workflow_file if caller else None,
            environment=_environment(job.get("environment"), scope),
            ref=facts.ref,
            event_name=facts.event_name,
        )
        permissions = _permissions(level.document, job, caller)
        id_token = None
        if permissions.get("id-token") == "write" and self.oidc is not None:
            id_token = dict(self.oidc(identity))
        run_dir = self.run_dir or self.machine.root / "runs"
        folder = re.sub(r"[^\w.-]+", "_", label)
        runner = Job(
            self.machine,
            run_dir / folder / "workspace",
            self.resolver(),
            github=replace(facts, workflow_file=identity.workflow_file),
            env={**_strings(level.document.get("env"), scope), **_strings(job.get("env"), scope)},
            job_id=name,
            id_token=id_token,
            secrets=caller.secrets if caller else self.secrets,
            variables=self.variables,
            matrix=matrix,
            workflow_inputs=level.inputs if caller else None,
            needs=_mapping(scope.context("needs")),
            artifacts=run_dir / "artifacts",
        )
        outcome = runner.run(_with_default_shell(level.document, job.get("steps")))
        if job.get("outputs"):
            steps = Obj({k: v.context() for k, v in outcome.steps.items()})
            step_scope = Scope({**scope.contexts, "steps": steps}, scope.functions)
            outcome.outputs = _strings(job["outputs"], step_scope)
        return outcome

    def _call_workflow(
        self, level: _Level, job: Mapping[str, object], scope: Scope, label: str
    ) -> dict[str, object]:
        """``jobs.<id>.uses``: the called workflow's jobs, with its inputs and capped rights."""
        uses = scalar_text(job["uses"])
        if not uses.startswith("./.github/workflows/"):
            raise WorkflowError(f"only reusable workflows of this repository are emulated: {uses}")
        called_file = uses.removeprefix("./.github/workflows/")
        called = self._load(called_file)
        if "workflow_call" not in _names(called.get("on")):
            raise WorkflowError(f"{called_file} has no `on: workflow_call`")
        call = _mapping(_mapping(called.get("on")).get("workflow_call"))
        given = {
            str(k): render(scalar_text(v), scope) for k, v in _mapping(job.get("with")).items()
        }
        inputs: dict[str, object] = {}
        for key, spec in _mapping(call.get("inputs")).items():
            default = _mapping(spec).get("default")
            inputs[key] = given.get(key, default if default is not None else "")
        if job.get("secrets") == "inherit":
            secrets = dict(self.secrets)
        else:
            secret_scope = Scope({**scope.contexts, "secrets": Obj(dict(self.secrets))})
            secrets = _strings(job.get("secrets"), secret_scope)
        caller = _Caller(
            level.caller.workflow_file if level.caller else level.facts.workflow_file,
            _permissions(level.document, job, level.caller),
            secrets,
        )
        nested = _Level(
            called,
            replace(level.facts, workflow_file=called_file),
            caller,
            inputs,
            level.result,
            label + " / ",
        )
        needs = self._run_jobs(nested)
        failed = any(n["result"] == "failure" for n in needs.values())
        outputs: dict[str, object] = {}
        for key, spec in _mapping(call.get("outputs")).items():
            value = scalar_text(_mapping(spec).get("value"))
            outputs[key] = render_string(value, Scope({"jobs": from_python(needs)}))
        return {"result": "failure" if failed else "success", "outputs": outputs}


@dataclass(frozen=True)
class _Level:
    """One workflow being run: the top-level one, or one a job called."""

    document: Mapping[str, object]
    facts: GitHubFacts
    caller: _Caller | None
    inputs: dict[str, object]
    result: WorkflowResult
    prefix: str


@dataclass(frozen=True)
class _Caller:
    """A reusable workflow's caller: its file, the permissions it grants, its secrets."""

    workflow_file: str
    permissions: Mapping[str, str]
    secrets: dict[str, str]


_LEVELS = {"none": 0, "read": 1, "write": 2}


def _permissions(
    document: Mapping[str, object], job: Mapping[str, object], caller: _Caller | None
) -> dict[str, str]:
    """The job's permissions (job-level replaces workflow-level), capped by a caller's."""
    chosen = job.get("permissions", document.get("permissions"))
    if chosen == "write-all":
        granted = {"id-token": "write", "contents": "write"}
    elif chosen == "read-all":
        granted = {"contents": "read"}
    else:
        granted = {str(k): str(v) for k, v in _mapping(chosen).items()}
    if caller is not None:
        granted = {
            k: v
            for k, v in granted.items()
            if _LEVELS.get(caller.permissions.get(k, "none"), 0) >= _LEVELS.get(v, 0)
        }
    return granted


def _environment(value: object, scope: Scope) -> str | None:
    if value is None:
        return None
    name = _mapping(value).get("name") if isinstance(value, Mapping) else value
    return render_string(scalar_text(name), scope) or None


def _strings(value: object, scope: Scope) -> dict[str, str]:
    return {str(k): render_string(scalar_text(v), scope) for k, v in _mapping(value).items()}


def _with_default_shell(document: Mapping[str, object], steps: object) -> list[dict[str, object]]:
    """``defaults.run.shell`` applies to the job's own run steps (not inside actions)."""
    assert isinstance(steps, list), "a job needs steps"
    shell = _mapping(_mapping(document.get("defaults")).get("run")).get("shell")
    prepared = [_mapping(step) for step in steps]
    if shell:
        prepared = [{"shell": shell, **step} if "run" in step else step for step in prepared]
    return prepared


def _condition(value: object) -> str | bool | None:
    return value if isinstance(value, (str, bool)) else None


def _status(
    needed: Mapping[str, Mapping[str, object]],
) -> dict[str, Callable[[Sequence[Value]], Value]]:
    failed = any(n.get("result") in {"failure", "cancelled"} for n in needed.values())
    skipped = any(n.get("result") == "skipped" for n in needed.values())
    return {
        "success": lambda _: not failed and not skipped,
        "failure": lambda _: failed,
        "cancelled": lambda _: False,
        "always": lambda _: True,
    }
