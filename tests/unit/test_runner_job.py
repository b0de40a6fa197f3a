"""The emulator's step runner and workflow runner on small actions and workflows."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.runner.actions import ActionResolver, Stub
from tests.runner.contexts import GitHubFacts, Machine
from tests.runner.job import Job, JobResult
from tests.runner.stubs import StubCall
from tests.runner.workflow import JobIdentity, WorkflowError, WorkflowRun


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    if sys.platform == "win32":
        pytest.skip("these jobs run bash scripts with POSIX tools")
    else:
        return Machine(tmp_path / "runner", {"PATH": os.environ["PATH"]}).prepare()


def write_action(directory: Path, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "action.yml").write_text(textwrap.dedent(text), encoding="utf-8")


def run(
    machine: Machine,
    workspace: Path,
    steps: list[Mapping[str, object]],
    **options: object,
) -> JobResult:
    resolver = ActionResolver(machine.actions_dir)
    return Job(machine, workspace, resolver, **options).run(steps)  # type: ignore[arg-type]


GREETER = """\
    name: greeter
    inputs:
      who:
        default: ${{ github.repository }}
      whom:
        deprecationMessage: Use `who` instead.
    outputs:
      greeting:
        value: ${{ steps.say.outputs.greeting }}
    runs:
      using: composite
      steps:
        - id: say
          shell: bash
          env:
            WHO: ${{ inputs.who }}
            REPOSITORY: ${{ github.action_repository }}
          run: |
            echo "inputs in the environment: $(env | grep -c '^INPUT_' || true)"
            echo "action repository in run: '$GITHUB_ACTION_REPOSITORY', in env: '$REPOSITORY'"
            { echo "greeting<<EOF"; echo "hello $WHO"; echo "second line"; echo "EOF"; } \
              >> "$GITHUB_OUTPUT"
            echo "SHARED=from-composite" >> "$GITHUB_ENV"
        - shell: bash
          run: echo "sibling sees $SHARED"
"""


def test_a_composite_action_gets_inputs_through_expressions_only(
    machine: Machine, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    write_action(workspace / "greeter", GREETER)

    result = run(
        machine,
        workspace,
        [
            {"id": "greet", "uses": "./greeter", "with": {"whom": "x", "typo": "y"}},
            {"id": "after", "run": 'echo "shared=$SHARED" >> "$GITHUB_OUTPUT"'},
        ],
    )

    assert result.conclusion == "success", result.text
    assert result.step("greet").outputs == {
        "greeting": "hello octo-org/hello-trusted-publish\nsecond line"
    }
    assert [w.message for w in result.warnings] == [
        "Input 'whom' has been deprecated with message: Use `who` instead.",
        "Unexpected input(s) 'typo', valid inputs are ['who', 'whom']",
    ]
    assert "inputs in the environment: 0" in result.text
    assert "action repository in run: '', in env: ''" in result.text  # local action
    assert "sibling sees from-composite" in result.text
    assert result.step("after").outputs == {"shared": "from-composite"}
    assert result.env["SHARED"] == "from-composite"


def test_a_remote_action_is_downloaded_and_knows_its_repository(
    machine: Machine, tmp_path: Path
) -> None:
    source = tmp_path / "greeter-repo"
    write_action(source, GREETER)
    resolver = ActionResolver(machine.actions_dir)
    resolver.add_repository("octo/greeter", source)
    job = Job(machine, tmp_path / "ws", resolver)

    result = job.run([{"uses": "octo/greeter@v2"}])

    assert result.conclusion == "success", result.text
    assert "in run: '', in env: 'octo/greeter'" in result.text
    assert resolver.downloads == ["octo/greeter@v2"]
    assert (machine.actions_dir / "octo" / "greeter" / "v2" / "action.yml").exists()


def test_failure_skips_later_steps_unless_they_ask(machine: Machine, tmp_path: Path) -> None:
    result = run(
        machine,
        tmp_path / "ws",
        [
            {"id": "bad", "run": 'v=hu; v="${v}sh"; echo "::add-mask::$v"; echo "$v"; exit 3'},
            {"id": "skipped", "run": "echo never"},
            {"id": "cleanup", "if": "failure()", "run": "echo cleanup"},
            {"id": "tolerated", "if": "always()", "run": "exit 1", "continue-on-error": True},
        ],
    )

    assert result.conclusion == "failure"
    assert {k: (v.outcome, v.conclusion) for k, v in result.steps.items()} == {
        "bad": ("failure", "failure"),
        "skipped": ("skipped", "skipped"),
        "cleanup": ("success", "success"),
        "tolerated": ("failure", "success"),
    }
    assert "Process completed with exit code 3." in [e.message for e in result.errors]
    assert "hush" not in result.text


def test_outputs_need_an_id_path_and_env_carry_over(machine: Machine, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    result = run(
        machine,
        tmp_path / "ws",
        [
            {"run": 'echo "lost=1" >> "$GITHUB_OUTPUT"'},
            {
                "run": f'echo "{tools}/a" >> "$GITHUB_PATH"; echo "{tools}/b" >> "$GITHUB_PATH"\n'
                'echo "NODE_OPTIONS=--inspect" >> "$GITHUB_ENV"'
            },
            {"id": "see", "run": 'echo "path=${PATH%%:*}" >> "$GITHUB_OUTPUT"'},
        ],
    )

    assert result.conclusion == "success", result.text
    assert list(result.steps) == ["see"]
    assert result.step("see").outputs == {"path": f"{tools}/b"}  # newest first
    assert "NODE_OPTIONS" not in result.env
    assert [e.message for e in result.errors] == [
        "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command."
    ]


def test_a_malformed_output_file_fails_the_step(machine: Machine, tmp_path: Path) -> None:
    result = run(machine, tmp_path / "ws", [{"run": 'echo "x<<EOF" >> "$GITHUB_OUTPUT"'}])
    assert result.conclusion == "failure"
    assert "Unable to process file command 'output' successfully." in result.text


def test_summaries_are_masked_secrets_too(machine: Machine, tmp_path: Path) -> None:
    result = run(
        machine,
        tmp_path / "ws",
        [{"run": 'echo "### token ${{ secrets.TOKEN }}" >> "$GITHUB_STEP_SUMMARY"'}],
        secrets={"TOKEN": "pypi-secret-value"},
    )
    assert result.summary == "### token ***\n"


def test_composite_steps_must_name_a_shell(machine: Machine, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    write_action(workspace / "noshell", "runs:\n  using: composite\n  steps:\n    - run: echo hi\n")
    result = run(machine, workspace, [{"uses": "./noshell"}])
    assert [e.message for e in result.errors] == ["Required property is missing: shell"]


def test_a_stub_action_gets_inputs_as_input_variables(machine: Machine, tmp_path: Path) -> None:
    seen: dict[str, str] = {}

    def stub(call: StubCall) -> None:
        seen.update({k: v for k, v in call.env.items() if k.startswith("INPUT_")})
        call.set_output("multi", "a\nb")

    resolver = ActionResolver(machine.actions_dir)
    resolver.add_stub("actions/thing", Stub(stub, {"update-environment": "true"}))
    job = Job(machine, tmp_path / "ws", resolver)

    result = job.run([{"id": "t", "uses": "actions/thing@v1", "with": {"python-version": 3.10}}])

    assert seen == {"INPUT_PYTHON-VERSION": "3.1", "INPUT_UPDATE-ENVIRONMENT": "true"}
    assert result.step("t").outputs == {"multi": "a\nb"}


def test_a_container_job_gives_expressions_host_paths(machine: Machine, tmp_path: Path) -> None:
    steps: list[Mapping[str, object]] = [
        {
            "id": "paths",
            "env": {"EXPR": "${{ runner.temp }}"},
            "run": '{ echo "expr=$EXPR"; echo "env=$RUNNER_TEMP"; } >> "$GITHUB_OUTPUT"',
        }
    ]
    result = run(machine, tmp_path / "ws", steps, container=True)
    outputs = result.step("paths").outputs
    assert outputs["env"] == str(machine.temp)
    assert outputs["expr"] != outputs["env"]
    assert not Path(outputs["expr"]).exists()


def test_step_timeouts(machine: Machine, tmp_path: Path) -> None:
    result = run(machine, tmp_path / "ws", [{"run": "sleep 5", "timeout-minutes": 0.01}])
    assert result.conclusion == "failure"
    assert "timed out" in result.errors[0].message


# -- workflows ---------------------------------------------------------------------------------

WORKFLOW = """\
name: CI
on:
  push:
    tags: ["v*"]
permissions: {}
env:
  LEVEL: workflow
jobs:
  build:
    strategy:
      matrix:
        os: [linux, mac]
        py: ["3.10", "3.12"]
        exclude:
          - os: mac
            py: "3.10"
        include:
          - os: linux
            extra: yes
    runs-on: ${{ matrix.os }}
    permissions:
      contents: read
    outputs:
      seen: ${{ steps.s.outputs.seen }}
    steps:
      - id: s
        run: |
          echo "seen=$LEVEL-${{ matrix.os }}-${{ matrix.py }}-${{ matrix.extra }}" \
            >> "$GITHUB_OUTPUT"
  release:
    needs: build
    if: startsWith(github.ref, 'refs/tags/')
    environment: pypi
    permissions:
      id-token: write
    steps:
      - env:
          SEEN: ${{ needs.build.outputs.seen }}
        run: echo "got $SEEN and token ${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-none}"
  after-failure:
    needs: release
    if: failure()
    permissions: {}
    steps:
      - run: echo never
  publish:
    needs: release
    uses: ./.github/workflows/publish.yml
    permissions:
      contents: read
    with:
      target: testpypi
"""

CALLED = """\
on:
  workflow_call:
    inputs:
      target:
        type: string
      extra:
        type: string
        default: fallback
permissions: {}
jobs:
  upload:
    permissions:
      id-token: write
    steps:
      - run: |
          echo "target=${{ inputs.target }} extra=${{ inputs.extra }}" \
            "token=${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-none}"
"""


def test_a_workflow_runs_jobs_in_order_with_matrix_needs_and_reusable_workflows(
    machine: Machine, tmp_path: Path
) -> None:
    repository = tmp_path / "repo"
    workflows = repository / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (workflows / "publish.yml").write_text(CALLED, encoding="utf-8")
    identities: list[JobIdentity] = []

    def oidc(identity: JobIdentity) -> dict[str, str]:
        identities.append(identity)
        return {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "granted"}

    run = WorkflowRun(
        machine,
        repository,
        lambda: ActionResolver(machine.actions_dir),
        GitHubFacts(ref="refs/tags/v1.2.3"),
        oidc=oidc,
        run_dir=tmp_path / "run",
    )

    result = run.run("ci.yml")

    assert result.conclusion == "success", result.text
    assert list(result.jobs) == [
        "build (linux, 3.10, yes)",
        "build (linux, 3.12, yes)",
        "build (mac, 3.12)",
        "release",
        "publish / upload",
    ]
    assert result.skipped == ["after-failure"]
    assert "got workflow-mac-3.12- and token granted" in result.job("release").text
    # The caller grants contents: read only, so the called job gets no OIDC token.
    assert "target=testpypi extra=fallback token=none" in result.job("publish / upload").text
    assert identities == [JobIdentity("ci.yml", None, "pypi", "refs/tags/v1.2.3", "push")]


def test_a_workflow_only_runs_for_its_triggers(machine: Machine, tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / ".github" / "workflows").mkdir(parents=True)
    (repository / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    run = WorkflowRun(
        machine,
        repository,
        lambda: ActionResolver(machine.actions_dir),
        GitHubFacts(ref="refs/heads/main"),
    )
    with pytest.raises(WorkflowError, match="does not run on push refs/heads/main"):
        run.run("ci.yml")
