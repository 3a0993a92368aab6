"""``make mobile-check``: can the client be packaged for Android and iOS, and what goes in it?

Two questions, answered the way ``flet build apk``/``ipa`` would answer them, without Flet's
mobile index (not reachable from every machine) and without a device toolchain:

1. **Wheels.** The client's dependency set (``[project] dependencies``, markers evaluated as
   ``flet build`` does: pip on the build host with ``platform.system()`` faked to
   ``Android``/``iOS``) is resolved against PyPI for the Python the build bundles. Every package
   must be pure Python (a ``none-any`` wheel), be on Flet's mobile index at that version (the
   committed inventory ``mobile/flet-mobile-index.toml``), or have a wheel for the device on
   PyPI. The closure is resolved once for manylinux (where every package has wheels) and walked
   again with the device's markers; a package that is not pure there is probed for the device.
2. **Files.** The files that ``[tool.flet.app]`` path and exclude leave in the package (exact
   relative paths, as serious_python compares them, plus flet's default excludes: hidden entries
   at the top, ``__pycache__``, virtual environments). No test, bench, docs, ``.git`` or server
   module may be among them; server files the client still imports are listed explicitly in
   ``[tool.wijkweb.mobile] allowed-server-files``.

    python mobile/check.py [--pyproject FILE] [--list]     exit 1 when something fails
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = Path(__file__).resolve().parent / "flet-mobile-index.toml"
REFERENCE_PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
FORBIDDEN_TOP = ("tests", "bench", "docs", ".git", "sync_server", "mobile", ".venv", "var")


@dataclass(frozen=True)
class Target:
    """One device: its wheel platform tag and the markers pip sees while building for it."""

    name: str
    tag: str
    markers: dict[str, str]


TARGETS = (
    Target("android", "android_24_arm64_v8a",
           {"platform_system": "Android", "sys_platform": "linux", "platform_machine": "aarch64",
            "os_name": "posix"}),
    Target("ios", "ios_13_0_arm64_iphoneos",
           {"platform_system": "iOS", "sys_platform": "darwin", "platform_machine": "arm64",
            "os_name": "posix"}),
)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)


def _abi_args(python: str, *platforms: str) -> list[str]:
    nodot = python.replace(".", "")
    out = ["--only-binary", ":all:", "--python-version", python, "--implementation", "cp",
           "--abi", f"cp{nodot}", "--abi", "abi3", "--abi", "none"]
    for p in platforms:
        out += ["--platform", p]
    return out


def _env(target: Target, python: str) -> dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "platform_release": "", "platform_version": "", "extra": "", **target.markers}


def _applies(req: Requirement, env: dict[str, str], extras: frozenset[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**env, "extra": e}) for e in (extras or {""}))


def resolve(requirements: list[str], python: str) -> dict[str, dict]:
    """name → pip report item, resolved for manylinux: the whole closure, with its metadata."""
    with tempfile.TemporaryDirectory() as tmp:
        reqs = Path(tmp) / "requirements.txt"
        reqs.write_text("\n".join(requirements) + "\n")
        report = Path(tmp) / "report.json"
        done = _pip("install", "--dry-run", "--ignore-installed", "--quiet", "--report",
                    str(report), *_abi_args(python, *REFERENCE_PLATFORMS), "-r", str(reqs))
        if done.returncode:
            raise SystemExit(f"pip could not resolve the client's dependencies:\n{done.stderr}")
        items = json.loads(report.read_text())["install"]
    return {canonicalize_name(i["metadata"]["name"]): i for i in items}


def closure(roots: list[Requirement], resolved: dict[str, dict],
            env: dict[str, str]) -> dict[str, dict]:
    """The packages the device installs: the manylinux closure walked with the device's markers."""
    needed: dict[str, dict] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [r for r in roots if _applies(r, env, frozenset())]
    while todo:
        req = todo.pop()
        name, extras = canonicalize_name(req.name), frozenset(req.extras)
        if (name, extras) in seen or name not in resolved:
            continue  # not in the manylinux closure: needed only off Linux, reported by pip there
        seen.add((name, extras))
        item = needed[name] = resolved[name]
        for dep in item["metadata"].get("requires_dist") or []:
            sub = Requirement(dep)
            if _applies(sub, env, extras):
                todo.append(sub)
    return needed


def _unmarked(req: Requirement) -> str:
    """The requirement without its marker (pip would evaluate it for this host, not a phone)."""
    bare = Requirement(str(req))
    bare.marker = None
    return str(bare)


def _wheel(item: dict) -> str:
    return item["download_info"]["url"].rsplit("/", 1)[-1]


def device_wheel(name: str, version: str, target: Target, python: str) -> str | None:
    """The wheel pip picks from PyPI for the device, or None when there is none."""
    done = _pip("install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet", "--report",
                "-", *_abi_args(python, target.tag), f"{name}=={version}")
    if done.returncode:
        return None
    return _wheel(json.loads(done.stdout)["install"][0])


def check_wheels(project: dict, inventory: dict[str, list[str]], python: str) -> list[str]:
    """One line per problem; prints what each device gets."""
    roots = [Requirement(r) for r in project["project"]["dependencies"]]
    wanted = [_unmarked(r) for r in roots
              if any(_applies(r, _env(t, python), frozenset()) for t in TARGETS)]
    resolved = resolve(wanted, python)
    index = {canonicalize_name(k): set(v) for k, v in inventory.items()}
    problems: list[str] = []
    for target in TARGETS:
        print(f"{target.name} ({target.tag}, Python {python}):")
        for name, item in sorted(closure(roots, resolved, _env(target, python)).items()):
            version, wheel = item["metadata"]["version"], _wheel(item)
            if wheel.endswith("-none-any.whl"):
                how = "pure Python"
            elif version in index.get(name, ()):
                how = "Flet mobile index"
            elif (found := device_wheel(name, version, target, python)) is not None:
                how = "pure Python" if found.endswith("-none-any.whl") else f"PyPI {found}"
            else:
                how = "NO PHONE WHEEL"
                listed = sorted(index.get(name, ()))
                problems.append(f"{target.name}: {name} {version} is neither pure Python nor on "
                                f"Flet's mobile index (index has: {', '.join(listed) or 'none'})")
            print(f"  {name:24} {version:12} {how}")
    return problems


def packaged_files(project_dir: Path, flet_app: dict) -> list[str]:
    """The app's files as ``flet build`` packages them (relative paths, ``/``-separated)."""
    app_dir = (project_dir / flet_app.get("path", ".")).resolve()
    exclude = {os.path.normpath(p) for p in ["build", *flet_app.get("exclude", [])]}
    include = {os.path.normpath(p) for p in flet_app.get("include", [])}
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(app_dir):
        rel_dir = os.path.relpath(dirpath, app_dir)

        def kept(name: str, is_dir: bool, rel_dir: str = rel_dir, dirpath: str = dirpath) -> bool:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in exclude:
                return False
            default_out = (rel_dir == "." and name.startswith(".")) or (is_dir and (
                name == "__pycache__" or os.path.isfile(os.path.join(dirpath, name, "pyvenv.cfg"))))
            return not default_out or rel in include

        dirnames[:] = sorted(d for d in dirnames if kept(d, True))
        files += [os.path.normpath(os.path.join(rel_dir, f)).replace(os.sep, "/")
                  for f in sorted(filenames) if kept(f, False)]
    return files


def check_files(files: list[str], allowed_server: list[str]) -> list[str]:
    """Packaged files that must not be in a phone's package."""
    return [f"packaged but must not be: {f}" for f in files
            if f.split("/", 1)[0] in FORBIDDEN_TOP and f not in allowed_server]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mobile/check.py", description=__doc__.split("\n")[0])
    p.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    p.add_argument("--inventory", type=Path, default=INVENTORY)
    p.add_argument("--list", action="store_true", help="print every packaged file")
    args = p.parse_args(argv)
    project = tomllib.loads(args.pyproject.read_text())
    mobile = project["tool"]["wijkweb"]["mobile"]
    inventory = tomllib.loads(args.inventory.read_text())
    print(f"inventory: {inventory['source']} at {inventory['commit'][:12]} "
          f"({inventory['commit_date']}, read {inventory['read_on']})")
    problems = check_wheels(project, inventory["packages"], mobile["python"])
    files = packaged_files(args.pyproject.parent, project["tool"]["flet"]["app"])
    print(f"packaged: {len(files)} files")
    for f in files if args.list else [f for f in files if not f.startswith("app/")]:
        print(f"  {f}")
    problems += check_files(files, mobile.get("allowed-server-files", []))
    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    print("mobile-check: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
