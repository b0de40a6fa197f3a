"""Run the fault matrix and the bad-input list, and count what they prove.

    python -m tests.e2e.fault_report

prints how many faults were injected (at which stages), how many runs survived
them by retrying, how many failed with one clear annotation, whether every
re-run completed, and how many bad inputs were refused before any network call.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.test_bad_inputs import BAD_INPUTS
from tests.e2e.test_faults import FAULT_MATRIX

HERE = Path(__file__).parent


class _Outcomes:
    def __init__(self) -> None:
        self.passed: set[str] = set()
        self.failed: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            (self.passed if report.passed else self.failed).add(report.nodeid)


def main() -> int:
    outcomes = _Outcomes()
    code = pytest.main(
        [
            "-q",
            "-p",
            "no:cacheprovider",
            str(HERE / "test_faults.py"),
            str(HERE / "test_bad_inputs.py"),
        ],
        plugins=[outcomes],
    )
    fault_ids = {f"test_fault[{case}]": case for case in FAULT_MATRIX}
    passed = {nodeid.rsplit("::", 1)[-1] for nodeid in outcomes.passed}
    proven = [case for test_id, case in fault_ids.items() if test_id in passed]
    stages = Counter(case.fault.route for case in FAULT_MATRIX)
    survived = sum(case.survives for case in proven)
    bad = [
        b for b in BAD_INPUTS if f"test_bad_input_is_refused_before_any_network_call[{b}]" in passed
    ]
    print()
    print(
        f"Faults injected: {len(FAULT_MATRIX)} at {len(stages)} stages "
        f"({', '.join(f'{route} {n}' for route, n in sorted(stages.items()))})."
    )
    print(
        f"  survived by retrying: {survived}; failed with one clear annotation: "
        f"{len(proven) - survived}; re-run completed afterwards: {len(proven)} of "
        f"{len(FAULT_MATRIX)}; index left with only whole files: {len(proven)}."
    )
    print(
        f"Bad inputs tried: {len(BAD_INPUTS)}; refused before any network call with a "
        f"clear annotation: {len(bad)}."
    )
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
