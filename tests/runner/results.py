"""What running steps and jobs produced: outcomes, outputs, the log and its annotations."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.runner.values import Obj
from tests.runner.workflow_commands import Annotation, JobLog

__all__ = ["JobResult", "StepResult"]


@dataclass(frozen=True)
class StepResult:
    outcome: str  # success | failure | skipped
    conclusion: str
    outputs: dict[str, str] = field(default_factory=dict)

    def context(self) -> Obj:
        return Obj(
            {
                "outputs": Obj(dict(self.outputs)),
                "outcome": self.outcome,
                "conclusion": self.conclusion,
            }
        )


@dataclass
class JobResult:
    conclusion: str
    steps: dict[str, StepResult]
    log: JobLog
    summary: str
    env: dict[str, str]
    path: list[str]
    records: dict[str, StepResult] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The job log as GitHub stores it (masked, commands consumed)."""
        return self.log.text

    def annotations(self, level: str | None = None) -> list[Annotation]:
        return [a for a in self.log.annotations if level is None or a.level == level]

    @property
    def errors(self) -> list[Annotation]:
        return self.annotations("error")

    @property
    def warnings(self) -> list[Annotation]:
        return self.annotations("warning")

    @property
    def notices(self) -> list[Annotation]:
        return self.annotations("notice")

    def step(self, step_id: str) -> StepResult:
        """A top-level step by id; ``"outer/inner"`` reaches into composite actions."""
        return self.steps[step_id] if "/" not in step_id else self.records[step_id]
