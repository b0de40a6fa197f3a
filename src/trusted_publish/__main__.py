"""Command-line entry point: read the inputs, run the pipeline, turn failures into exit codes."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from trusted_publish.catalogue import Diagnosis, diagnose
from trusted_publish.errors import PublishError
from trusted_publish.inputs import load, read_runner
from trusted_publish.report import Reporter, diagnosis_markdown

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    runner = read_runner()
    reporter = Reporter(
        github=runner.github_actions,
        output_file=runner.output_file,
        summary_file=runner.summary_file,
    )
    try:
        inputs = load(argv)
        if inputs.password is not None:
            reporter.mask(inputs.password)
        from trusted_publish.pipeline import run  # noqa: PLC0415 -- keeps --help fast

        run(inputs, runner, reporter)
    except PublishError as exc:
        _report_failure(reporter, exc.diagnosis)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 -- the one boundary that turns any error into a report
        reporter.debug("".join(traceback.format_exception(exc)))
        _report_failure(reporter, diagnose("unexpected", reason=f"{type(exc).__name__}: {exc}"))
        return EXIT_FAILED
    return EXIT_OK


def _report_failure(reporter: Reporter, diagnosis: Diagnosis) -> None:
    reporter.error(diagnosis)
    reporter.add_summary(diagnosis_markdown(diagnosis))


if __name__ == "__main__":
    sys.exit(main())
