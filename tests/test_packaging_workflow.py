"""The Windows CI workflow: schema-valid, and it does what the delivery needs.

``check-jsonschema`` validates against its vendored GitHub-workflow schema
(offline); the structural checks make sure the job runs on Windows, installs
with uv, runs pytest, freezes, runs the frozen self-test, builds the
installer with ISCC and uploads it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    # As a module of this Python, not a script beside it: the Wine rehearsal's
    # Windows Python has its packages in a --target folder without Scripts/.
    assert importlib.util.find_spec("check_jsonschema"), "check-jsonschema (a dev dependency) is not installed"
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def steps(workflow) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def _commands(steps: list[dict]) -> str:
    return "\n".join(step.get("run", "") for step in steps)


def test_the_workflow_passes_the_schema_linter():
    result = _lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_rejects_a_broken_workflow(tmp_path, workflow):
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:", 1)
    broken.write_text(text, encoding="utf-8")
    assert _lint(broken).returncode != 0


def test_runs_on_windows(workflow):
    (job,) = workflow["jobs"].values()
    assert str(job["runs-on"]).startswith("windows-")
    assert job["timeout-minutes"] <= 150


def test_installs_with_uv_and_runs_pytest(steps):
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("astral-sh/setup-uv@") for u in uses)
    commands = _commands(steps)
    assert "uv sync --locked" in commands
    assert "uv run pytest" in commands
    for listed in ("tests/test_explorer.py", "tests/test_single_instance.py", "tests/test_selftest.py"):
        assert listed in commands
        assert (ROOT / listed).is_file()


def test_every_file_with_windows_only_tests_runs_in_the_windows_job(steps):
    """A test marked ``windows`` is skipped on Linux: unless its file is listed here it runs nowhere."""
    commands = _commands(steps)
    marked = sorted(f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py")
                    if "pytest.mark.windows" in p.read_text(encoding="utf-8"))
    assert "tests/test_media_discover.py" in marked
    assert [f for f in marked if f not in commands] == []


def test_freezes_self_tests_builds_and_uploads_in_that_order(steps):
    commands = [step.get("run", "") for step in steps]

    def first(fragment: str) -> int:
        return next(i for i, c in enumerate(commands) if fragment in c)

    freeze = first("packaging/freeze.py")
    self_test = first(r"packaging\dist\PhotoSort\photosort-cli.exe self-test")
    iscc = first("ISCC.exe")
    upload = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert freeze < self_test < iscc < upload
    assert r"packaging\photosort.iss" in commands[iscc]
    assert "$LASTEXITCODE" in commands[self_test]  # a failing self-test fails the job
    assert steps[upload]["with"]["path"].startswith("packaging/Output/")
    assert steps[upload]["with"]["if-no-files-found"] == "error"


def test_checks_the_installer_registry_against_python(steps):
    assert "packaging/sync_installer.py --check" in _commands(steps)


def test_every_script_the_workflow_calls_exists(steps):
    for script in ("packaging/freeze.py", "packaging/sync_installer.py", "packaging/verify_install.py"):
        assert script in _commands(steps)
        assert (ROOT / script).is_file()
