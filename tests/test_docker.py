"""The Dockerfile, the image for GitLab CI and other CIs (docs/docker.md).

Where docker runs, the image is built and run on an example catalog, and its JSON output compared
with this checkout's. Docker is optional on every machine, CI's included: without a docker daemon
that test skips with the reason, also under CI=true (it does not go through conftest.missing_tool,
which fails there). What runs everywhere: the Dockerfile's structure, and that the files it copies
into the image (and .dockerignore lets through) build the wheel with everything it needs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
import zipfile

import pytest
from conftest import ROOT, check_json

DOCKERFILE = ROOT / "Dockerfile"
EXAMPLE = ROOT / "catalog-examples" / "broken-checkout"


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text("utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            word, _, rest = pending.partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def copies() -> list[tuple[str, str]]:
    """``(source, destination)`` of every COPY (a COPY of several sources into ``./`` gives one pair each)."""
    pairs = []
    for word, args in instructions():
        if word == "COPY":
            *sources, dest = args.split()
            pairs += [(s, s if dest == "./" else dest) for s in sources]
    return pairs


def test_dockerfile_structure():
    steps = instructions()
    words = [w for w, _ in steps]
    assert words[0] == "FROM" and steps[0][1].startswith("python:") and steps[0][1].endswith("-slim")
    assert "ENTRYPOINT" not in words  # GitLab runs the job's script in the image's shell
    assert dict(steps)["CMD"] == '["saga-lint", "--help"]'
    runs = " ".join(a for w, a in steps if w == "RUN")
    assert "--constraint constraints/action.txt ." in runs  # the Action's exact versions
    assert "install -y --no-install-recommends git" in runs and "safe.directory" in runs
    assert "saga-lint --version" in runs  # the build fails if the installed command does not start
    for source, _ in copies():
        assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text("utf-8").splitlines()
    assert ignored[1] == "*"  # everything else stays out of the build context
    for source, _ in copies():
        assert f"!{source.rstrip('/')}" in {line.rstrip("/") for line in ignored}, source


def test_the_files_the_image_gets_build_the_wheel(tmp_path):
    """What the Dockerfile copies is enough for pyproject.toml's build (readme, license, rules,
    src): the same ``pip install .`` as in the image, here as ``pip wheel``."""
    context = tmp_path / "context"
    for source, dest in copies():
        src, dst = ROOT / source, context / dest
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dst)
    out = tmp_path / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(context)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "hatchling" in proc.stderr and "No matching distribution" in proc.stderr:
        pytest.skip(f"cannot build a wheel here (no build backend reachable): {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    (whl,) = out.glob("*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    for rel in ("saga_lint/rulesets/default.yaml", "saga_lint/saga/x-saga.schema.json", "saga_lint/cli/__init__.py",
                "saga_lint/render/html/templates/report.html.j2"):
        assert rel in names, rel


def docker_or_skip() -> None:
    """Skip (never fail, also under CI=true: docker is optional there) unless a docker daemon answers."""
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed: the image is built and run only where docker is (docs/docker.md)")
    info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0 or not info.stdout.strip():
        reason = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"docker is installed but no docker daemon answers ({reason})")


def test_the_image_builds_and_checks_a_catalog():
    docker_or_skip()
    tag = f"saga-lint-test:{uuid.uuid4().hex[:12]}"
    build = subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stderr[-2000:]
    try:
        mount = ["-v", f"{EXAMPLE}:/repo/catalog:ro"]
        version = subprocess.run(["docker", "run", "--rm", tag, "saga-lint", "--version"],
                                 capture_output=True, text=True, timeout=300)
        assert version.stdout.startswith("saga-lint, version "), version.stderr
        run = subprocess.run(["docker", "run", "--rm", *mount, tag, "saga-lint", "check", "catalog", "--format", "json",
                              "--no-cache"], capture_output=True, text=True, timeout=300)
        assert run.returncode == 1, run.stderr  # the broken example has errors
        assert json.loads(run.stdout) == check_json(EXAMPLE)
        text = subprocess.run(["docker", "run", "--rm", *mount, tag, "saga-lint", "check", "catalog", "--format", "concise",
                               "--no-cache"], capture_output=True, text=True, timeout=300)
        assert text.stdout.startswith("catalog/"), text.stdout[:200]  # relative to the working directory, /repo
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, text=True, timeout=300)
