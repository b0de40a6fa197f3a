"""The benchmark harness (``bench/``) still runs: its smallest scenario once, and its helpers.

Timings are never asserted here; this only keeps the harness from rotting unnoticed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from bench import scenarios
from bench.publish import Stage
from bench.report import Section, render
from bench.run import BEGIN, END, write_block
from bench.scenarios import Case, Context, rounds
from bench.tools import GuardProxy, tools_from_venv

from tests.netguard import sitecustomize as netguard
from tests.standins.world import World


def test_rounds_rotate_the_order_so_no_tool_always_goes_first() -> None:
    order = [tool for _, tool in rounds(["a", "b", "c"], 3)]
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


def test_the_generated_block_replaces_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Title\n\nhand-written\n\n{BEGIN}\nold\n{END}\n\nnotes\n")
    write_block(path, "new\n")
    assert path.read_text() == f"# Title\n\nhand-written\n\n{BEGIN}\nnew\n{END}\n\nnotes\n"


@pytest.mark.slow
def test_the_smallest_end_to_end_scenario_runs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ours, twine and uv each publish a two-file release once (uv and twine from this venv)."""
    # World points this process's CA variables and the guard's host map at its own
    # servers; give both back afterwards, so the session's stand-ins are untouched.
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(netguard, "_host_map", dict(netguard._host_map))
    tools = tools_from_venv(Path(sys.executable).parent)
    ctx = Context(
        scratch=tmp_path,
        tools=tools,
        runs=1,
        host_env=dict(os.environ),
        base_python=Path(sys.executable),
        log=tmp_path / "commands.log",
        say=lambda _: None,
        profile=False,
    )
    with World(tmp_path / "world") as world, GuardProxy() as guard:
        ctx.stage = Stage(world, tools, guard, tmp_path)
        section = scenarios.end_to_end(ctx, Case("tiny", "a tiny release", 1, 1, 4096))
        assert guard.requests == []

    text = render([section], [("machine", "this one")], "pytest")
    for tool in ("ours", "twine", "uv"):
        assert f"| {tool} |" in text
    assert section.targets[0].what.startswith("End to end, tiny")
    assert isinstance(section, Section)
