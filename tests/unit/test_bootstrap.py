"""requirements/bootstrap.py's decisions, for every platform, without running a runner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from requirements.bootstrap import (
    BootstrapError,
    Layout,
    Platform,
    check,
    core_environment,
    default_layout,
    describe_platform,
    environment_key,
    install,
    main,
    manifest_from_index,
    pick_wheel,
    read_manifest,
    read_pin,
    site_packages,
    uv_environment,
    venv_python,
)

ROOT = Path(__file__).resolve().parents[2]
_, UV_FILES = read_manifest(ROOT / "requirements" / "bootstrap.json")


@pytest.mark.parametrize(
    ("facts", "tag"),
    [
        (("linux", "x86_64", "glibc 2.35", ""), "manylinux_2_17_x86_64.manylinux2014_x86_64"),
        (("linux", "aarch64", "glibc 2.27", ""), "manylinux_2_17_aarch64.manylinux2014_aarch64"),
        (("linux", "x86_64", "", ""), "musllinux_1_1_x86_64"),  # Alpine: no glibc
        (("linux", "riscv64", "glibc 2.39", ""), "manylinux_2_31_riscv64"),
        (("darwin", "arm64", "", "14.5"), "macosx_11_0_arm64"),
        (("darwin", "x86_64", "", "13.6.1"), "macosx_10_12_x86_64"),
        (("win32", "AMD64", "", ""), "win_amd64"),
        (("win32", "ARM64", "", ""), "win_arm64"),
        (("win32", "x86", "", ""), "win32"),
    ],
)
def test_the_uv_wheel_for_each_runner(facts: tuple[str, str, str, str], tag: str) -> None:
    wheel = pick_wheel(UV_FILES, describe_platform(*facts))
    assert wheel is not None
    platform_tags = wheel.filename.removesuffix(".whl").split("-")[-1]
    assert platform_tags.startswith(tag.split(".", maxsplit=1)[0])


@pytest.mark.parametrize(
    "here",
    [
        Platform("linux", "x86_64", "glibc", (2, 12)),  # older than manylinux2014
        Platform("darwin", "arm64", mac_version=(10, 15)),
        Platform("freebsd14", "x86_64"),
    ],
)
def test_no_wheel_where_uv_does_not_run(here: Platform) -> None:
    assert pick_wheel(UV_FILES, here) is None


def test_windows_and_posix_venv_layouts() -> None:
    venv = Path("/t/venv")
    assert venv_python(venv, windows=True) == venv / "Scripts" / "python.exe"
    assert venv_python(venv, windows=False) == venv / "bin" / "python"
    assert site_packages(venv, True, (3, 12)) == venv / "Lib" / "site-packages"
    assert site_packages(venv, False, (3, 12)) == venv / "lib" / "python3.12" / "site-packages"


def test_inputs_become_input_variables_as_the_runner_names_them() -> None:
    inputs = {"repository-url": "https://x/", "print_hash": "false", "odd name": None}
    env = core_environment(
        {"TP_INPUTS": json.dumps(inputs), "TP_PYTHON": "/p", "PATH": "/bin", "INPUT_OLD": "kept"}
    )
    assert env == {
        "PATH": "/bin",
        "INPUT_OLD": "kept",
        "INPUT_REPOSITORY-URL": "https://x/",
        "INPUT_PRINT_HASH": "false",
        "INPUT_ODD_NAME": "",
    }


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]"])
def test_inputs_that_are_not_a_json_object_are_refused(raw: str) -> None:
    with pytest.raises(BootstrapError, match="TP_INPUTS"):
        core_environment({"TP_INPUTS": raw})


def test_the_run_command_reports_bad_inputs_as_an_annotation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run"], {"TP_INPUTS": "{"}) == 1
    assert capsys.readouterr().out.startswith("::error title=trusted-publish could not start::")


def test_uv_sees_index_settings_but_nothing_that_changes_the_lock() -> None:
    env = uv_environment(
        {
            "PATH": "/bin",
            "UV_DEFAULT_INDEX": "https://mirror.example/simple",
            "UV_CACHE_DIR": "/workspace/cache",
            "UV_NO_VERIFY_HASHES": "1",
            "UV_CONSTRAINT": "c.txt",
            "uv_python": "/other/python",
            "VIRTUAL_ENV": "/workspace/.venv",
            "PIP_NO_INDEX": "",
            "HTTPS_PROXY": "http://proxy:3128",
        }
    )
    assert env == {
        "PATH": "/bin",
        "UV_DEFAULT_INDEX": "https://mirror.example/simple",
        "HTTPS_PROXY": "http://proxy:3128",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
    }


def test_the_manifest_is_made_from_the_index_page_for_locked_wheels_only() -> None:
    pin = read_pin(ROOT / "requirements" / "bootstrap.txt")
    locked = sorted(pin.hashes)[0]
    unlocked = "0" * 64
    links = [
        f"aa/uv-{pin.version}-py3-none-win_amd64.whl#sha256={locked}",
        f"bb/uv-{pin.version}-py3-none-win32.whl#sha256={unlocked}",  # not in the lock
        f"cc/uv-{pin.version}.tar.gz#sha256={locked}",  # the sdist
        f"dd/uv-0.0.1-py3-none-win_amd64.whl#sha256={locked}",  # another version
    ]
    page = "".join(f'<a href="https://files.example/{link}">x</a>' for link in links)
    assert manifest_from_index(page, pin) == {
        "version": pin.version,
        "files": [
            {
                "filename": f"uv-{pin.version}-py3-none-win_amd64.whl",
                "url": f"https://files.example/aa/uv-{pin.version}-py3-none-win_amd64.whl",
                "sha256": locked,
            }
        ],
    }


def test_the_environment_key_follows_the_locks_and_the_core(tmp_path: Path) -> None:
    lock, core = tmp_path / "runtime.txt", tmp_path / "core"
    core.mkdir()
    lock.write_text("a==1\n")
    (core / "m.py").write_text("x = 1\n")
    first = environment_key([lock], core, "/usr/bin/python3")
    assert environment_key([lock], core, "/usr/bin/python3") == first
    assert environment_key([lock], core, "/opt/python3") != first
    (core / "m.py").write_text("x = 2\n")
    second = environment_key([lock], core, "/usr/bin/python3")
    assert second != first
    lock.write_text("a==2\n")
    assert environment_key([lock], core, "/usr/bin/python3") not in {first, second}


def test_check_accepts_this_interpreter(capsys: pytest.CaptureFixture[str]) -> None:
    assert check() == 0
    assert capsys.readouterr().out.strip() == sys.executable


def test_the_default_layout_is_the_actions_own_files() -> None:
    layout = default_layout()
    assert layout == Layout(
        ROOT / "requirements" / "runtime.txt",
        ROOT / "requirements" / "bootstrap.txt",
        ROOT / "requirements" / "bootstrap.json",
        ROOT / "src" / "trusted_publish",
    )
    assert all(p.exists() for p in (layout.lock, layout.bootstrap_lock, layout.manifest))
    assert (layout.core / "__main__.py").exists()


def test_install_refuses_to_replace_a_directory_that_is_not_a_venv(tmp_path: Path) -> None:
    precious = tmp_path / "project"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(BootstrapError, match="not a virtual environment"):
        install(default_layout(), tmp_path / "work", precious, {})
    assert (precious / "keep.txt").read_text() == "mine"
