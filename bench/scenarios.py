"""The scenarios of issue 8, each returning a report :class:`~bench.report.Section`.

Every scenario repeats its measurement ``runs`` times and interleaves the tools within
each round (the order rotates from round to round), so a noisy machine slows all of
them alike. One unrecorded warm-up round first fills the page cache and writes the
bytecode caches, except where coldness is the point (the bootstrap).
"""

from __future__ import annotations

import json
import marshal
import re
import shutil
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.dists import make_release
from bench.measure import Measured, run
from bench.publish import (
    LEAN,
    TOOLS,
    Release,
    Stage,
    Tool,
    ours_phases,
)
from bench.report import Section, Summary, Target, mib, ratio, seconds, summarize, table, times
from bench.tools import BOOTSTRAP_LOCK, ROOT, RUNTIME_LOCK, Tools

__all__ = [
    "CASES",
    "Case",
    "Context",
    "bootstrap",
    "cli_start",
    "end_to_end",
    "memory",
    "rounds",
    "signing",
]

T = TypeVar("T")
MiB = 2**20
CLI_TARGET = 0.150
E2E_TARGET = 1.3
RSS_TARGET = 150 * 10**6  # "150 MB"
BOOTSTRAP_TARGET = 2.0
BOOTSTRAP_RATIO_TARGET = 0.25
BOOTSTRAP_SCRIPT = ROOT / "requirements" / "bootstrap.py"
# What a publish imports beyond the standard library: timed right after a cold bootstrap,
# when (with uv, which does not compile bytecode) none of it has a .pyc yet.
PUBLISH_IMPORTS = (
    "sigstore.sign, sigstore.verify, pypi_attestations, twine.repository, twine.package, "
    "id, requests, readme_renderer.markdown, readme_renderer.rst, packaging.metadata"
)
HEAVY_PACKAGES = (
    "sigstore",
    "pypi_attestations",
    "twine",
    "requests",
    "urllib3",
    "pydantic",
    "cryptography",
    "rich",
    "id",
    "readme_renderer",
    "docutils",
)


@dataclass
class Context:
    scratch: Path
    tools: Tools
    runs: int
    host_env: dict[str, str]
    base_python: Path
    log: Path
    say: Callable[[str], None] = print
    stage: Stage | None = None
    profile: bool = True  # one extra run of ours under cProfile per end-to-end case
    ours_peaks: dict[str, Summary] = field(default_factory=dict)  # case -> our peak RSS

    def need_stage(self) -> Stage:
        assert self.stage is not None, "start the stand-ins first"
        return self.stage


def rounds(items: Sequence[T], runs: int) -> Iterator[tuple[int, T]]:
    """``runs`` rounds over ``items``, each round starting one further along."""
    for number in range(runs):
        shift = number % len(items)
        for item in [*items[shift:], *items[:shift]]:
            yield number, item


# -- CLI start ----------------------------------------------------------------------------


def cli_start(ctx: Context) -> Section:
    tools = ctx.tools
    commands: dict[str, list[str]] = {
        "`trusted-publish --help`": [str(tools.ours_cli), "--help"],
        "`trusted-publish --version`": [str(tools.ours_cli), "--version"],
        "`twine --help`": [str(tools.twine), "--help"],
        "`twine --version`": [str(tools.twine), "--version"],
        "`uv publish --help`": [str(tools.uv), "publish", "--help"],
        "`uv --version`": [str(tools.uv), "--version"],
        "`python -c pass` (the floor)": [str(tools.ours), "-c", "pass"],
    }
    runs = max(ctx.runs, 20)
    env = {**ctx.host_env, "HOME": str(ctx.scratch / "home")}
    envs = {name: tools.ours_environment(env) if "trusted" in name else env for name in commands}
    cwd = ctx.scratch
    ctx.say(f"CLI start: {len(commands)} commands x {runs} runs")
    for name, argv in commands.items():  # warm-up: bytecode and page cache
        run(argv, env=envs[name], cwd=cwd, log=ctx.log, check="warm-up")
    found: dict[str, list[float]] = {name: [] for name in commands}
    for _, name in rounds(list(commands), runs):
        measured = run(commands[name], env=envs[name], cwd=cwd, check=name, poll_interval=None)
        found[name].append(measured.seconds)
    stats = {name: summarize(values) for name, values in found.items()}
    imports = _start_imports(ctx, env)
    section = Section(
        "CLI start",
        f"Wall time from `exec` to exit of each command, {runs} runs, interleaved, after one "
        "warm-up run (bytecode compiled, files in the page cache). Ours is the console script "
        "of the project venv (Python "
        f"{_python_version(tools.ours)}); twine and uv as installed for the comparison.",
    )
    section.blocks.append(
        table(
            ["command", "median", "min", "max", "target"],
            [
                (
                    name,
                    seconds(s.median),
                    seconds(s.min),
                    seconds(s.max),
                    "≤ 150 ms" if "trusted-publish" in name else "",
                )
                for name, s in stats.items()
            ],
        )
    )
    heavy, top = imports
    section.blocks.append(
        "The slowest imports of `trusted-publish --version` (`python -X importtime`, median "
        "of 5 runs, at any depth, by cumulative time, so a module is followed by the slow "
        "imports inside it; importtime's own overhead inflates these figures):"
    )
    section.blocks.append(
        table(
            ["module", "cumulative", "self"],
            [(f"`{m}`", seconds(c), seconds(s)) for m, c, s in top],
        )
    )
    section.blocks.append(
        "Heavy packages on the start path: "
        + (", ".join(f"`{h}`" for h in heavy) if heavy else f"none of {', '.join(HEAVY_PACKAGES)}")
        + "."
    )
    floor = stats["`python -c pass` (the floor)"]
    for name in ("`trusted-publish --help`", "`trusted-publish --version`"):
        s = stats[name]
        slowest = ", ".join(f"`{m}` {seconds(c)}" for m, c, _ in top[:3])
        section.targets.append(
            Target(
                f"CLI start {name}",
                "≤ 150 ms",
                seconds(s.median),
                s.median <= CLI_TARGET,
                ""
                if s.median <= CLI_TARGET
                else f"Python itself takes {seconds(floor.median)}; "
                f"the slowest imports are {slowest}",
            )
        )
    section.raw = {name: list(s.values) for name, s in stats.items()}
    return section


def _start_imports(
    ctx: Context, env: dict[str, str]
) -> tuple[list[str], list[tuple[str, float, float]]]:
    """Heavy packages imported by ``--version``, and its slowest top-level imports."""
    samples: dict[str, list[tuple[float, float]]] = {}
    loaded: set[str] = set()
    for _ in range(5):
        measured = run(
            [str(ctx.tools.ours), "-X", "importtime", "-m", "trusted_publish", "--version"],
            env=ctx.tools.ours_environment(env),
            cwd=ctx.scratch,
            check="importtime",
        )
        for line in measured.lines:
            found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line.text)
            if not found:
                continue
            name = found.group(4)
            loaded.add(name.split(".")[0])
            samples.setdefault(name, []).append(
                (int(found.group(2)) / 1e6, int(found.group(1)) / 1e6)
            )
    top = sorted(
        (
            (name, statistics.median(c for c, _ in v), statistics.median(s for _, s in v))
            for name, v in samples.items()
        ),
        key=lambda item: -item[1],
    )[:10]
    return [h for h in HEAVY_PACKAGES if h in loaded], top


def _python_version(python: Path) -> str:
    import subprocess

    result = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


# -- cold bootstrap -------------------------------------------------------------------------


def _bootstrap_variants(ctx: Context) -> dict[str, Callable[[Path, Path], list[list[str]]]]:
    base, uv = str(ctx.base_python), str(ctx.tools.uv)

    def pip(venv: Path, cache: Path) -> list[list[str]]:
        python = str(venv / "bin" / "python")
        return [
            [base, "-m", "venv", str(venv)],
            [
                *(python, "-m", "pip", "install", "--quiet", "--require-hashes"),
                *("--only-binary=:all:", "--cache-dir", str(cache), "-r", str(RUNTIME_LOCK)),
            ],
        ]

    def uv_present(venv: Path, cache: Path) -> list[list[str]]:
        return [
            [
                *(uv, "venv", "--no-config", "--quiet", "--cache-dir", str(cache)),
                *("--python", base, str(venv)),
            ],
            [
                *(uv, "pip", "install", "--no-config", "--python"),
                *(str(venv / "bin" / "python"), "--require-hashes", "--no-build"),
                *("--cache-dir", str(cache), "-r", str(RUNTIME_LOCK)),
            ],
        ]

    variants: dict[str, Callable[[Path, Path], list[list[str]]]] = {
        "pip (venv + pip install)": pip,
        "uv, already on the machine": uv_present,
    }
    if BOOTSTRAP_SCRIPT.exists() and "--venv" in BOOTSTRAP_SCRIPT.read_text(encoding="utf-8"):

        def action(venv: Path, cache: Path) -> list[list[str]]:
            return [[base, str(BOOTSTRAP_SCRIPT), "install", "--venv", str(venv)]]

        variants["ours: `requirements/bootstrap.py install` (fetches uv too)"] = action
    return variants


def bootstrap(ctx: Context) -> Section:
    variants = _bootstrap_variants(ctx)
    env = {**ctx.host_env, "HOME": str(ctx.scratch / "home")}
    ctx.say(f"Cold bootstrap from PyPI: {len(variants)} installers x {ctx.runs} runs")
    setup: dict[str, list[float]] = {name: [] for name in variants}
    first: dict[str, list[float]] = {name: [] for name in variants}
    second: dict[str, list[float]] = {name: [] for name in variants}
    steps: dict[str, list[dict[str, float]]] = {}
    for number, name in rounds(list(variants), ctx.runs):
        ctx.say(f"  round {number + 1}: {name}")
        work = ctx.scratch / "bootstrap"
        shutil.rmtree(work, ignore_errors=True)
        venv, cache = work / "venv", work / "cache"
        cache.mkdir(parents=True)
        total = 0.0
        for argv in variants[name](venv, cache):
            measured = run(argv, env=env, cwd=work, log=ctx.log, check=name)
            total += measured.seconds
            steps.setdefault(name, []).append(_install_steps(measured))
        setup[name].append(total)
        importing = [str(venv / "bin" / "python"), "-c", f"import {PUBLISH_IMPORTS}"]
        first[name].append(run(importing, env=env, cwd=work, check="first import").seconds)
        second[name].append(run(importing, env=env, cwd=work, check="second import").seconds)
        shutil.rmtree(work)
    stats = {name: summarize(values) for name, values in setup.items()}
    pip = stats["pip (venv + pip install)"]
    section = Section(
        "Cold bootstrap (fresh venv, empty cache, from PyPI)",
        f"Each run makes a new venv and installs `requirements/runtime.txt` (hash-checked, "
        f"{_count_pins()} packages, binary only) with an empty cache, from PyPI over this "
        "machine's network (no mirror: `PIP_CONFIG_FILE=/dev/null`, no `PIP_*`/`UV_*`), "
        f"{ctx.runs} runs, interleaved. uv is {ctx.tools.uv_version} (pinned in "
        f"`{BOOTSTRAP_LOCK.relative_to(ROOT)}`); pip is the one `python -m venv` installs. "
        "The first/second import columns time `import` of the publish path's third-party "
        "modules in the new venv right after the install: pip compiles bytecode while "
        "installing, uv does not, so uv's first run pays for it instead.",
    )
    rows = []
    for name, s in stats.items():
        f, w = summarize(first[name]), summarize(second[name])
        rows.append(
            (
                name,
                seconds(s.median),
                seconds(s.min),
                seconds(s.max),
                times(ratio(s, pip)),
                seconds(f.median),
                seconds(w.median),
                seconds(s.median + f.median),
            )
        )
    section.blocks.append(
        table(
            [
                "installer",
                "median",
                "min",
                "max",
                "÷ pip",
                "first import (cold .pyc)",
                "second import",
                "install + first import",
            ],
            rows,
        )
    )
    breakdown = _steps_table(steps, stats)
    if breakdown:
        section.blocks += [
            "Where uv's time goes, as uv and `bootstrap.py` report it in their own output "
            "(medians; resolving and preparing are mostly waiting for PyPI):",
            breakdown,
        ]
    ours_name = next((n for n in stats if n.startswith("ours")), "uv, already on the machine")
    ours = stats[ours_name]
    with_import = summarize(a + b for a, b in zip(setup[ours_name], first[ours_name], strict=True))
    pip_with_import = summarize(
        a + b
        for a, b in zip(
            setup["pip (venv + pip install)"], first["pip (venv + pip install)"], strict=True
        )
    )
    network = _median_step(steps.get(ours_name, []), ("fetch uv", "resolve", "download, unpack"))
    why_time = (
        f"{seconds(network)} of it is waiting for PyPI (fetching uv, resolving, downloading "
        f"the packages: see the breakdown); uv already on the machine needs "
        f"{seconds(stats['uv, already on the machine'].median)}"
    )
    section.targets += [
        Target(
            "Cold bootstrap time",
            "≤ 2 s",
            seconds(ours.median),
            ours.median <= BOOTSTRAP_TARGET,
            "" if ours.median <= BOOTSTRAP_TARGET else why_time,
        ),
        Target(
            "Cold bootstrap ÷ pip",
            "≤ 0.25x",
            times(ratio(ours, pip)),
            ratio(ours, pip) <= BOOTSTRAP_RATIO_TARGET,
        ),
        Target(
            "Cold bootstrap + first import ÷ pip's (uv leaves bytecode to the first run)",
            "0.25x",
            times(ratio(with_import, pip_with_import)),
            ratio(with_import, pip_with_import) <= BOOTSTRAP_RATIO_TARGET,
            informative=True,
        ),
    ]
    section.raw = {"setup": setup, "first_import": first, "second_import": second}
    return section


_STEP_PATTERNS = (
    ("fetch uv", re.compile(r"uv \S+ \(\w+, sha256 verified\) in ([\d.]+) ?(s)")),
    ("resolve", re.compile(r"Resolved \d+ packages? in ([\d.]+) ?(ms|s)")),
    ("download, unpack", re.compile(r"Prepared \d+ packages? in ([\d.]+) ?(ms|s)")),
    ("install", re.compile(r"Installed \d+ packages? in ([\d.]+) ?(ms|s)")),
)


def _install_steps(measured: Measured) -> dict[str, float]:
    """The steps an installer reports in its own output (uv and bootstrap.py do)."""
    found: dict[str, float] = {}
    for line in measured.lines:
        for step, pattern in _STEP_PATTERNS:
            match = pattern.search(line.text)
            if match:
                value = float(match.group(1))
                found[step] = value / 1000 if match.group(2) == "ms" else value
    return found


def _median_step(runs: list[dict[str, float]], names: Sequence[str]) -> float:
    per_run = [sum(r.get(n, 0.0) for n in names) for r in runs if r]
    return statistics.median(per_run) if per_run else 0.0


def _steps_table(steps: dict[str, list[dict[str, float]]], totals: dict[str, Summary]) -> str:
    rows = []
    names = [step for step, _ in _STEP_PATTERNS]
    for installer, runs in steps.items():
        reported = [r for r in runs if r]
        if not reported:
            continue
        values = [_median_step(reported, [n]) for n in names]
        rest = totals[installer].median - sum(values)
        rows.append(
            (installer, *(seconds(v) if v else "" for v in values), seconds(max(rest, 0.0)))
        )
    if not rows:
        return ""
    return table(["installer", *names, "the rest (venv, start-up, core)"], rows)


def _count_pins() -> int:
    return len(re.findall(r"^[A-Za-z0-9._-]+==", RUNTIME_LOCK.read_text(), re.M))


# -- end to end -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    wheels: int
    sdists: int
    size: int


CASES = {
    "typical": Case("typical", "typical release: 1 sdist + 10 wheels, 5 MiB each", 10, 1, 5 * MiB),
    "large": Case("large", "large release: 1 sdist + 19 wheels, 50 MiB each", 19, 1, 50 * MiB),
}


def make_case(ctx: Context, case: Case) -> Release:
    workspace = ctx.scratch / f"release-{case.key}"
    shutil.rmtree(workspace, ignore_errors=True)
    make_release(workspace / "dist", wheels=case.wheels, sdists=case.sdists, size=case.size)
    return Release.of(workspace)


def warm_up(ctx: Context) -> None:
    """One tiny publish per tool: bytecode compiled, everything checked once."""
    tiny = make_case(ctx, Case("warm-up", "", 2, 1, 64 * 1024))
    for tool in TOOLS:
        ctx.need_stage().publish(tool, tiny, log=ctx.log)
    shutil.rmtree(tiny.workspace)


@dataclass
class Rounds:
    """The measured runs of each tool, and how long the index spent on our attestations."""

    runs: dict[Tool, list[Measured]]
    index_attestations: list[float]  # per run of ours


def publish_rounds(
    ctx: Context,
    release: Release,
    tools: Sequence[Tool] = TOOLS,
    *,
    max_file_size: int = 100 * MiB,
    poll_interval: float = 0.02,
) -> Rounds:
    stage = ctx.need_stage()
    found = Rounds({tool: [] for tool in tools}, [])
    for number, tool in rounds(tools, ctx.runs):
        measured = stage.publish(
            tool, release, log=ctx.log, max_file_size=max_file_size, poll_interval=poll_interval
        )
        ctx.say(f"  round {number + 1}: {tool:9} {seconds(measured.seconds)}")
        found.runs[tool].append(measured)
        if tool == "ours":
            found.index_attestations.append(stage.index_attestation_seconds)
    return found


def end_to_end(ctx: Context, case: Case) -> Section:
    ctx.say(f"End to end, {case.title}: making the files")
    release = make_case(ctx, case)
    ctx.say(f"End to end, {case.title}: 3 tools (and ours-lean) x {ctx.runs} runs")
    found = publish_rounds(ctx, release, (*TOOLS, LEAN))
    profile, passes = profile_ours(ctx, release) if ctx.profile else ([], 0.0)
    shutil.rmtree(release.workspace)
    wall = {tool: summarize(m.seconds for m in found.runs[tool]) for tool in found.runs}
    section = Section(
        f"End to end: {case.title}",
        f"{len(release.files)} files, {mib(release.size)} in all, published by each tool to an "
        f"empty PyPI stand-in, {ctx.runs} runs, interleaved. Ours: `python -m trusted_publish` "
        "with the action's default inputs (trusted publishing, attestations, metadata check, "
        "verify after upload); twine and uv: a static API token. Same files, same server "
        "(TLS on loopback), same job environment. A run counts only if every file landed "
        "with the right sha256 (and, for ours, with its attestation). For information, "
        "*ours-lean* is ours with `attestations: false` and `verify: false` (still trusted "
        "publishing and the metadata check): what the two extra stages cost.",
    )
    section.blocks.append(_tool_table(found.runs, wall))
    table_text, phases = _phase_table(found.runs["ours"])
    index = summarize(found.index_attestations)
    section.blocks += [
        "Where our time goes (time stamps of the `::group::` lines in its log):",
        table_text,
        f"Inside our upload stage, the index spent {seconds(index.median)} (median) checking "
        "the attestations (signature, certificate chain, transparency log entry, publisher), "
        "as PyPI does; twine and uv upload none.",
        *profile,
    ]
    goal = ratio(wall["ours"], wall["twine"])
    section.targets.append(
        Target(
            f"End to end, {case.key} ({len(release.files)} x {mib(case.size)})",
            "≤ 1.3x twine",
            f"{times(goal)} ({seconds(wall['ours'].median)} vs {seconds(wall['twine'].median)})",
            goal <= E2E_TARGET,
            "" if goal <= E2E_TARGET else _e2e_why(phases, wall, index, passes),
        )
    )
    lean = ratio(wall[LEAN], wall["twine"])
    section.blocks.append(
        f"For information: with attestations and verification off, ours takes "
        f"{seconds(wall[LEAN].median)}, {times(lean)} twine's time."
    )
    section.targets.append(
        Target(
            f"ours-lean (attestations and verify off), {case.key}",
            "1.3x twine",
            f"{times(lean)} ({seconds(wall[LEAN].median)} vs {seconds(wall['twine'].median)})",
            lean <= E2E_TARGET,
            informative=True,
        )
    )
    ctx.ours_peaks[case.key] = summarize(m.peak_rss for m in found.runs["ours"])
    section.raw = {**_raw(found.runs), "index_attestation_seconds": found.index_attestations}
    return section


# What reads a whole distribution in our run: (file suffix, function, what it computes).
_FILE_READERS = (
    ("trusted_publish/distributions.py", "digests", "our digests: sha256, md5, blake2b-256"),
    ("twine/package.py", "from_filename", "twine's PackageFile: sha256, blake2b-256 (8 KiB reads)"),
    ("pypi_attestations/_impl.py", "from_file", "pypi-attestations' Distribution: sha256"),
)
_Key = tuple[str, int, str]


def profile_ours(ctx: Context, release: Release) -> tuple[list[str], float]:
    """One more run of ours under cProfile: who reads the files, and the top functions.

    Returns the report's blocks and how many times each file was read and hashed.
    """
    ctx.say("  one more run of ours under cProfile")
    out = ctx.scratch / "ours.prof"
    ctx.need_stage().publish("ours", release, log=ctx.log, profile=out)
    with out.open("rb") as stream:
        # cProfile's dump: {(file, line, function): (calls, ncalls, own, cumulative, callers)}
        raw: dict[_Key, tuple[int, int, float, float, dict[_Key, tuple[int, int, float, float]]]]
        raw = marshal.load(stream)
    out.unlink()
    files = len(release.files)
    rows = []
    passes = 0.0
    for suffix, function, what in _FILE_READERS:
        for (path, _, name), (*_, callers) in raw.items():
            if not (path.endswith(suffix) and name == function):
                continue
            for (caller_path, _, caller), (count, _, _, caller_cumulative) in callers.items():
                where = f"`{Path(caller_path).parent.name}/{Path(caller_path).name}:{caller}`"
                rows.append((what, where, f"{count / files:g}", seconds(caller_cumulative)))
                passes += count / files
    top = sorted(raw.items(), key=lambda item: -item[1][2])[:8]
    return [
        f"Evidence from one run of ours under cProfile (slower than the timed runs): how many "
        f"times each file is read and hashed ({passes:g} passes per file in all; twine hashes "
        "each file once, in its PackageFile):",
        table(["reader", "called from", "passes per file", "cumulative"], rows),
        "and the functions with the most own time:",
        table(
            ["function", "calls", "own time", "cumulative"],
            [
                (f"`{Path(path).name}:{line}({name})`", str(nc), seconds(tt), seconds(ct))
                for (path, line, name), (_, nc, tt, ct, _) in top
            ],
        ),
    ], passes


def _tool_table(found: dict[Tool, list[Measured]], wall: dict[Tool, Summary]) -> str:
    rows = []
    for tool, runs in found.items():
        s = wall[tool]
        rows.append(
            (
                tool,
                seconds(s.median),
                seconds(s.min),
                seconds(s.max),
                times(ratio(wall["ours"], s)),
                seconds(statistics.median(m.cpu_seconds for m in runs)),
                mib(statistics.median(m.peak_rss for m in runs)),
            )
        )
    return table(
        ["tool", "median", "min", "max", "ours ÷ this", "CPU (median)", "peak RSS (median)"], rows
    )


def _phase_table(ours: list[Measured]) -> tuple[str, dict[str, Summary]]:
    per_run = [ours_phases(m) for m in ours]
    names = [name for name in per_run[0] if all(name in p for p in per_run)]
    stats = {name: summarize(p[name] for p in per_run) for name in names}
    rows = [(n, seconds(s.median), seconds(s.min), seconds(s.max)) for n, s in stats.items()]
    return table(["stage of our run", "median", "min", "max"], rows), stats


def _e2e_why(
    phases: dict[str, Summary], wall: dict[Tool, Summary], index: Summary, passes: float
) -> str:
    """The stages that make up the difference, largest first."""
    twine = wall["twine"].median
    upload = phases["upload"].median if "upload" in phases else 0.0
    others = sorted(
        ((name, s.median) for name, s in phases.items() if name != "upload"),
        key=lambda item: -item[1],
    )
    listed = ", ".join(f"{name} {seconds(value)}" for name, value in others if value >= 0.05)
    reads = f"; each file is read and hashed {passes:g} times (twine: once)" if passes else ""
    return (
        f"twine's whole run takes {seconds(twine)}; our upload stage alone "
        f"{seconds(upload)} (of which the index checking attestations {seconds(index.median)}), "
        f"and the stages twine does not have add {seconds(sum(v for _, v in others))}: {listed}"
        f"{reads}"
    )


def _raw(found: dict[Tool, list[Measured]]) -> dict[str, object]:
    return {
        tool: [
            {
                "seconds": m.seconds,
                "cpu": m.cpu_seconds,
                "peak_rss": m.peak_rss,
                "anon": m.peak_anon,
            }
            for m in runs
        ]
        for tool, runs in found.items()
    }


# -- peak memory ---------------------------------------------------------------------------------


def memory(ctx: Context, size: int = 1024 * MiB) -> Section:
    ctx.say(f"Peak memory: making one {mib(size)} wheel")
    workspace = ctx.scratch / "release-memory"
    shutil.rmtree(workspace, ignore_errors=True)
    make_release(workspace / "dist", wheels=1, sdists=0, size=size)
    release = Release.of(workspace)
    ctx.say(f"Peak memory: 3 tools x {ctx.runs} runs")
    found = publish_rounds(ctx, release, max_file_size=2 * size, poll_interval=0.01)
    shutil.rmtree(workspace)
    rss = {tool: summarize(m.peak_rss for m in found.runs[tool]) for tool in TOOLS}
    anon = {tool: summarize(m.peak_anon for m in found.runs[tool]) for tool in TOOLS}
    wall = {tool: summarize(m.seconds for m in found.runs[tool]) for tool in TOOLS}
    section = Section(
        f"Peak memory: one {mib(size)} wheel",
        "Peak resident memory of the whole process tree of each tool while it publishes one "
        f"{mib(size)} wheel (the stand-in's size limit raised for it), {ctx.runs} runs, "
        "interleaved, polled every 10 ms from `/proc/<pid>/status`: the larger of any "
        "process's `VmHWM` (the kernel's exact high-water mark) and the largest sum of "
        "`VmRSS` over the tree (`ru_maxrss` is useless here: a child of this large benchmark "
        "process inherits its size at exec). RSS counts mapped files (a Python process maps "
        "its interpreter and extension modules, uv its 40 MB binary); the anonymous column "
        "(`RssAnon`) is the memory the tool itself allocated.",
    )
    rows = [
        (
            tool,
            mib(rss[tool].median),
            mib(rss[tool].min),
            mib(rss[tool].max),
            mib(anon[tool].median),
            times(ratio(rss["ours"], rss[tool])),
            seconds(wall[tool].median),
        )
        for tool in TOOLS
    ]
    section.blocks.append(
        table(
            ["tool", "peak RSS median", "min", "max", "anonymous (median)", "ours ÷ this", "time"],
            rows,
        )
    )
    sizes = [(k, v) for k, v in ctx.ours_peaks.items()] + [(f"{mib(size)}", rss["ours"])]
    if len(sizes) > 1:
        section.blocks.append(
            "Our peak RSS by file size (the end-to-end runs above and this one): "
            + "; ".join(f"{k}: {mib(v.median)} (max {mib(v.max)})" for k, v in sizes)
            + "."
        )
    worst = max(rss["ours"].max, *(v.max for v in ctx.ours_peaks.values()))
    section.targets.append(
        Target(
            "Peak RSS, whatever the file size",
            "≤ 150 MB",
            f"{mib(rss['ours'].median)} for {mib(size)} (worst run of any size: {mib(worst)})",
            worst <= RSS_TARGET,
            ""
            if worst <= RSS_TARGET
            else f"anonymous memory {mib(anon['ours'].median)}; the rest is mapped code",
        )
    )
    section.raw = _raw(found.runs)
    return section


# -- signing ---------------------------------------------------------------------------------------


def signing(ctx: Context, count: int = 50, size: int = 256 * 1024) -> Section:
    stage = ctx.need_stage()
    workspace = ctx.scratch / "release-signing"
    shutil.rmtree(workspace, ignore_errors=True)
    make_release(workspace / "dist", wheels=count, sdists=0, size=size)
    driver = Path(__file__).with_name("sign_driver.py")
    ctx.say(f"Signing {count} distributions: {ctx.runs} runs")
    results: list[dict[str, float]] = []
    walls: list[float] = []
    requests: list[tuple[int, int]] = []
    for number in range(ctx.runs + 1):  # the first is the warm-up
        stage.world.sigstore.reset()
        runner_temp = ctx.scratch / "runner-temp-signing"
        shutil.rmtree(runner_temp, ignore_errors=True)
        runner_temp.mkdir()
        env = ctx.tools.ours_environment(stage.world.job_environment(workspace, runner_temp))
        measured = run(
            [str(ctx.tools.ours), str(driver), str(workspace / "dist"), str(runner_temp / "out")],
            env=env,
            cwd=workspace,
            log=ctx.log,
            check="signing",
        )
        if number == 0:
            continue
        results.append(json.loads(measured.lines[-1].text))
        walls.append(measured.seconds)
        requests.append(
            (
                stage.world.sigstore.fulcio.certificate_requests,
                stage.world.sigstore.rekor.entry_requests,
            )
        )
        ctx.say(f"  run {number}: {seconds(measured.seconds)}")
    shutil.rmtree(workspace)
    section = Section(
        f"Signing {count} distributions (ours)",
        f"{count} wheels of {size // 1024} KiB: `attest.sign` (one Fulcio certificate, one Rekor "
        "entry per file) then `attest.verify` of each attestation, as the publish step does, "
        "in a child process in the job environment, against the sigstore stand-ins on "
        f"loopback, {ctx.runs} runs after one warm-up. twine and uv do not sign.",
    )
    rows = [("whole process", summarize(walls))]
    for key, label in (
        ("import", "import trusted_publish.attest, sigstore, pypi_attestations"),
        ("trust", "load the trust config"),
        ("sign", f"sign {count} (certificate + {count} log entries)"),
        ("verify", f"verify {count}"),
    ):
        rows.append((label, summarize(r[key] for r in results)))
    section.blocks.append(
        table(
            ["stage", "median", "min", "max", "per file (median)"],
            [
                (
                    label,
                    seconds(s.median),
                    seconds(s.min),
                    seconds(s.max),
                    seconds(s.median / count) if label.startswith(("sign", "verify")) else "",
                )
                for label, s in rows
            ],
        )
    )
    certs = sorted({c for c, _ in requests})
    entries = sorted({e for _, e in requests})
    section.blocks.append(
        f"Requests seen by the stand-ins per run: {'/'.join(map(str, certs))} Fulcio "
        f"certificate(s), {'/'.join(map(str, entries))} Rekor entries."
    )
    section.raw = {"wall": walls, "stages": results, "requests": requests}
    return section
