"""Run a job's steps as GitHub's runner does (StepsRunner.cs, ActionRunner.cs, Handlers/*).

Each step: its ``if:`` (implicit ``success() &&``), its ``env:``, then either a
``run:`` script in its ``shell`` (fresh file-command files, both output
streams parsed for workflow commands) or a ``uses:`` action: a composite
action's steps run in a nested scope with its own ``inputs`` and ``steps``
contexts; a JavaScript action is played by a Python stand-in that gets its
inputs as ``INPUT_*``. See :mod:`tests.runner` for the gaps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.runner.actions import ActionResolver, ResolvedAction, Stub, UsesError
from tests.runner.contexts import GitHubFacts, Machine, hash_files
from tests.runner.expressions import Scope
from tests.runner.file_commands import JobState, apply_file_commands
from tests.runner.files import FileCommandError, StepFiles
from tests.runner.functions import Function
from tests.runner.manifest import (
    DEFAULT_CONTEXTS,
    ActionManifest,
    ManifestError,
    load_manifest,
    resolve_inputs,
)
from tests.runner.processes import run_process
from tests.runner.results import JobResult, StepResult
from tests.runner.shells import ShellError, prepare_script
from tests.runner.stubs import StubCall, StubFailure
from tests.runner.templates import evaluate_condition, render, render_string
from tests.runner.values import ExpressionError, Obj, Value, from_python, truthy
from tests.runner.workflow_commands import JobLog, StepCommands
from tests.runner.yamlfile import scalar_text

__all__ = ["Job", "JobResult", "StepResult"]

_HOST_PREFIX = "/__host__"  # where expressions point in a container job: not in the container
_GITHUB_VARIABLES = (  # the github context keys the runner exports as GITHUB_<KEY>
    *("action", "action_path", "action_ref", "action_repository", "actor", "actor_id"),
    *("api_url", "base_ref", "event_name", "graphql_url", "head_ref", "job", "ref"),
    *("ref_name", "ref_protected", "ref_type", "repository", "repository_id"),
    *("repository_owner", "repository_owner_id", "retention_days", "run_attempt", "run_id"),
    *("run_number", "server_url", "sha", "triggering_actor", "workflow", "workflow_ref"),
    *("workflow_sha", "workspace"),
)


@dataclass
class _Frame:
    """One level of steps: the job's own, or one composite action's (its own steps context)."""

    job: Job
    parent: _Frame | None = None
    inputs: Obj | None = None
    caller_env: dict[str, str] = field(default_factory=dict)
    action: ResolvedAction | None = None
    steps: dict[str, StepResult] = field(default_factory=dict)
    failed: bool = False
    counters: dict[str, int] = field(default_factory=dict)
    prefix: str = ""  # "outer/" for the steps of the composite action step "outer"

    def env(self) -> dict[str, str]:
        base = self.parent.env() if self.parent else dict(self.job.state.env)
        base.update(self.caller_env)
        return base

    @property
    def composite(self) -> bool:
        return self.parent is not None

    def step_name(self, step: Mapping[str, object]) -> str:
        """GITHUB_ACTION: the id, or __run, __run_2, ... or __owner_repo."""
        if step.get("id"):
            return str(step["id"])
        base = "__run"
        if "uses" in step:
            base = "__" + str(step["uses"]).split("@")[0].replace("/", "_").lstrip("._")
        count = self.counters.get(base, 0) + 1
        self.counters[base] = count
        return base if count == 1 else f"{base}_{count}"


@dataclass
class _Step:
    """One step being run: where it sits, its YAML, and what evaluating it produced."""

    frame: _Frame
    body: Mapping[str, object]
    name: str  # GITHUB_ACTION
    path: str  # key in JobResult.records: "outer/inner" inside composite actions
    commands: StepCommands
    env: dict[str, str] = field(default_factory=dict)
    scope: Scope | None = None

    def render(self, value: object) -> str:
        assert self.scope is not None, "evaluate the step's env first"
        return render_string(scalar_text(value), self.scope)


class Job:
    """One job on one runner machine; :meth:`run` executes workflow steps in order."""

    def __init__(
        self,
        machine: Machine,
        workspace: Path,
        resolver: ActionResolver,
        *,
        github: GitHubFacts | None = None,
        env: Mapping[str, str] | None = None,
        job_id: str = "publish",
        id_token: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
        matrix: Mapping[str, object] | None = None,
        workflow_inputs: Mapping[str, object] | None = None,
        needs: Mapping[str, object] | None = None,
        container: bool = False,
        debug: bool = False,
        artifacts: Path | None = None,
        step_timeout: float = 600,
    ) -> None:
        self.machine = machine
        self.workspace = workspace
        self.resolver = resolver
        self.github = github or GitHubFacts()
        self.state = JobState(env=dict(env or {}))
        self.job_id = job_id
        self.id_token = dict(id_token) if id_token is not None else None
        self.secrets = dict(secrets or {})
        self.variables = dict(variables or {})
        self.matrix = dict(matrix) if matrix is not None else None
        self.workflow_inputs = dict(workflow_inputs) if workflow_inputs is not None else None
        self.needs = dict(needs or {})
        self.container = container
        self.debug = debug
        self.artifacts = artifacts or machine.root / "artifacts"
        self.step_timeout = step_timeout
        self.log = JobLog()
        self.records: dict[str, StepResult] = {}
        for value in self.secrets.values():
            if value:
                self.log.masker.add(value)
        workspace.mkdir(parents=True, exist_ok=True)
        machine.prepare()
        self.event_path = self.github.write_event(machine.temp / "_github_workflow")

    # -- public ---------------------------------------------------------------------------

    def run(self, steps: Sequence[Mapping[str, object]]) -> JobResult:
        frame = _Frame(self)
        for step in steps:
            self._run_step(frame, step)
        return JobResult(
            conclusion="failure" if frame.failed else "success",
            steps=dict(frame.steps),
            log=self.log,
            summary="".join(self.state.summaries),
            env=dict(self.state.env),
            path=list(self.state.path),
            records=dict(self.records),
        )

    def expression_path(self, path: Path | str) -> str:
        """A path as ``${{ }}`` shows it: the host's path in a container job."""
        return f"{_HOST_PREFIX}{path}" if self.container else str(path)

    # -- contexts -------------------------------------------------------------------------

    def _github_context(self, frame: _Frame, action_name: str) -> dict[str, Value]:
        extra: dict[str, str] = {
            "job": self.job_id,
            "action": action_name,
            "workspace": self.expression_path(self.workspace),
        }
        if frame.action is not None:
            directory = frame.action.directory or Path()
            extra["action_path"] = self.expression_path(directory)
            extra["action_repository"] = frame.action.repository
            extra["action_ref"] = frame.action.ref
        return self.github.context(**extra)

    def _scope(
        self, frame: _Frame, action_name: str, step_env: Mapping[str, str] | None = None
    ) -> Scope:
        env = frame.env()
        env.update(step_env or {})
        contexts: dict[str, Value] = {
            "github": Obj(self._github_context(frame, action_name)),
            "env": Obj(dict(env)),
            "runner": Obj(dict(self._runner_context())),
            "job": Obj({"status": "failure" if frame.failed else "success"}),
            "steps": Obj({k: v.context() for k, v in frame.steps.items()}),
            "strategy": Obj({"fail-fast": True, "job-index": 0.0, "job-total": 1.0}),
            "matrix": from_python(self.matrix) if self.matrix is not None else None,
        }
        if frame.composite:
            contexts["inputs"] = frame.inputs
        else:
            contexts["secrets"] = Obj(dict(self.secrets))
            contexts["vars"] = Obj(dict(self.variables))
            contexts["needs"] = from_python(self.needs)
            contexts["inputs"] = (
                from_python(self.workflow_inputs) if self.workflow_inputs is not None else None
            )
        return Scope(contexts, self._functions(frame))

    def _runner_context(self) -> dict[str, str]:
        return self.machine.runner_context(
            self.expression_path(self.machine.temp),
            self.expression_path(self.workspace.parent),
            self.debug,
        )

    def _functions(self, frame: _Frame) -> dict[str, Function]:
        failed = frame.failed
        return {
            "success": lambda _: not failed,
            "failure": lambda _: failed,
            "cancelled": lambda _: False,
            "always": lambda _: True,
            "hashFiles": lambda patterns: hash_files(self.workspace, patterns),
        }

    # -- steps ----------------------------------------------------------------------------

    def _run_step(self, frame: _Frame, body: Mapping[str, object]) -> None:
        name = frame.step_name(body)
        step_id = str(body.get("id") or "")
        commands = StepCommands(
            self.log,
            str(body.get("name") or step_id or name),
            self.workspace,
            debug=self.debug,
            allow_unsecure=self.state.env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS") == "true",
        )
        step = _Step(frame, body, name, frame.prefix + name, commands)
        try:
            result = self._attempt(step)
        except (ExpressionError, ShellError, UsesError, ManifestError, FileCommandError) as exc:
            commands.error(str(exc))
            result = StepResult("failure", "failure")
        if result.outcome == "failure" and self._continue_on_error(step):
            result = StepResult("failure", "success", result.outputs)
        if result.conclusion == "failure":
            frame.failed = True
        if step_id:
            frame.steps[step_id] = result
        self.records[step.path] = result

    def _continue_on_error(self, step: _Step) -> bool:
        value = step.body.get("continue-on-error", False)
        if isinstance(value, str):
            return truthy(render(value, self._scope(step.frame, step.name)))
        return value is True

    def _attempt(self, step: _Step) -> StepResult:
        condition = step.body.get("if")
        scope = self._scope(step.frame, step.name)
        if not evaluate_condition(condition if isinstance(condition, (str, bool)) else None, scope):
            return StepResult("skipped", "skipped")
        step.env = {
            str(k): render_string(scalar_text(v), scope)
            for k, v in _mapping(step.body.get("env")).items()
        }
        step.scope = self._scope(step.frame, step.name, step.env)
        if "run" in step.body:
            return self._run_script(step)
        if "uses" in step.body:
            return self._run_uses(step)
        step.commands.error("A step must have either `run` or `uses`.")
        return StepResult("failure", "failure")

    def _run_script(self, step: _Step) -> StepResult:
        body, commands = step.body, step.commands
        if step.frame.composite and not body.get("shell"):
            raise ShellError("Required property is missing: shell")
        script_text = step.render(body["run"])
        directory = self.workspace
        if body.get("working-directory"):
            directory = self.workspace / step.render(body["working-directory"])
        files = StepFiles.create(self.machine.temp)
        env = self._process_env(step, files)
        script = prepare_script(
            script_text,
            str(body["shell"]) if body.get("shell") else None,
            runner_temp=self.machine.temp,
            search_path=env.get("PATH", ""),
            windows=self.machine.os == "Windows",
        )
        self._log_header(script_text, script.shell_line, step.env)
        code = run_process(
            script.argv,
            directory,
            env,
            commands.feed,
            timeout=_timeout(body, self.step_timeout),
            on_timeout=commands.error,
        )
        script.path.unlink(missing_ok=True)
        if code != 0:
            commands.error(f"Process completed with exit code {code}.")
        outputs = {**commands.outputs, **self._apply(files, commands)}
        outcome = "failure" if code != 0 or commands.failures else "success"
        return StepResult(outcome, outcome, outputs)

    def _run_uses(self, step: _Step) -> StepResult:
        uses = scalar_text(step.body["uses"])
        resolved = self.resolver.resolve(uses, self.workspace)
        given = {str(k): step.render(v) for k, v in _mapping(step.body.get("with")).items()}
        self.log.write(f"##[group]Run {uses}")
        for key, value in given.items():
            self.log.write(f"  {key}: {value}")
        self.log.write("##[endgroup]")
        if resolved.stub is not None:
            return self._run_stub(step, resolved.stub, given)
        assert resolved.directory is not None
        manifest = load_manifest(resolved.directory)
        if manifest.using != "composite":
            msg = f"this emulator runs composite actions only, not '{manifest.using}'"
            raise ManifestError(msg)
        return self._run_composite(step, manifest, resolved, given)

    def _run_composite(
        self,
        step: _Step,
        manifest: ActionManifest,
        resolved: ResolvedAction,
        given: dict[str, str],
    ) -> StepResult:
        inputs = self._resolve_inputs(step, manifest, given)
        child = _Frame(
            self,
            parent=step.frame,
            inputs=Obj(inputs),
            caller_env=step.env,
            action=resolved,
            prefix=step.path + "/",
        )
        for inner in manifest.steps:
            self._run_step(child, inner)
        scope = self._scope(child, step.name)
        outputs = {
            name: render_string(template, scope) if template else ""
            for name, template in manifest.outputs.items()
        }
        outcome = "failure" if child.failed else "success"
        return StepResult(outcome, outcome, outputs)

    def _resolve_inputs(
        self, step: _Step, manifest: ActionManifest, given: dict[str, str]
    ) -> dict[str, Value]:
        contexts = self._scope(step.frame, "").contexts
        defaults = Scope(
            {k: v for k, v in contexts.items() if k in DEFAULT_CONTEXTS},
            {"hashFiles": lambda patterns: hash_files(self.workspace, patterns)},
        )
        values, warnings = resolve_inputs(manifest, given, defaults)
        for warning in warnings:
            step.commands.warning(warning)
        return values

    def _run_stub(self, step: _Step, stub: Stub, given: dict[str, str]) -> StepResult:
        """A JavaScript action's stand-in: inputs as INPUT_*, answers as file commands."""
        files = StepFiles.create(self.machine.temp)
        env = self._process_env(step, files)
        for name, value in {**stub.defaults, **given}.items():
            env[f"INPUT_{name.replace(' ', '_').upper()}"] = value
        call = StubCall(
            env, self.workspace, self.machine, self.artifacts, files, step.commands.feed
        )
        failed = False
        try:
            stub.run(call)
        except StubFailure as exc:
            step.commands.error(str(exc))
            failed = True
        outputs = self._apply(files, step.commands)
        outcome = "failure" if failed or step.commands.failures else "success"
        return StepResult(outcome, outcome, outputs)

    # -- processes and file commands --------------------------------------------------------

    def _process_env(self, step: _Step, files: StepFiles) -> dict[str, str]:
        """The order of ScriptHandler: runner env, env context, PATH, GITHUB_*, RUNNER_*, ..."""
        frame = step.frame
        env = dict(self.machine.base_env)
        env.update(frame.env())
        env.update(step.env)
        env["PATH"] = os.pathsep.join([*self.state.path, env.get("PATH", "")])
        github = self._github_context(frame, step.name)
        for key in _GITHUB_VARIABLES:
            value = github.get(key)
            env[f"GITHUB_{key.upper()}"] = value if isinstance(value, str) else ""
        # Scripts see the real (in a container: translated) paths, and no action_* refs.
        env["GITHUB_WORKSPACE"] = str(self.workspace)
        env["GITHUB_ACTION_REPOSITORY"] = env["GITHUB_ACTION_REF"] = ""
        if frame.action is not None and frame.action.directory is not None:
            env["GITHUB_ACTION_PATH"] = str(frame.action.directory)
        else:
            env.pop("GITHUB_ACTION_PATH", None)
        env["GITHUB_EVENT_PATH"] = str(self.event_path)
        env.update(files.environment())
        runner = self.machine.runner_context(
            str(self.machine.temp), str(self.workspace.parent), self.debug
        )
        env.update({f"RUNNER_{k.upper()}": v for k, v in runner.items()})
        if self.id_token is not None:
            env.update(self.id_token)
        env["GITHUB_ACTIONS"] = "true"
        env.setdefault("CI", "true")
        return env

    def _apply(self, files: StepFiles, commands: StepCommands) -> dict[str, str]:
        windows = self.machine.os == "Windows"
        return apply_file_commands(files, commands, self.state, self.log.masker, windows=windows)

    def _log_header(self, body: str, shell_line: str, step_env: Mapping[str, str]) -> None:
        lines = body.rstrip("\n").split("\n")
        self.log.write(f"##[group]Run {lines[0]}")
        for line in lines:
            self.log.write(f"  {line}")
        self.log.write(f"  shell: {shell_line}")
        if step_env:
            self.log.write("  env:")
            for key, value in step_env.items():
                self.log.write(f"    {key}: {value}")
        self.log.write("##[endgroup]")


def _mapping(value: object) -> Mapping[str, object]:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return {}


def _timeout(step: Mapping[str, object], default: float) -> float:
    minutes = step.get("timeout-minutes")
    if isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
        return float(minutes) * 60
    return default
