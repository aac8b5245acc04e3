"""Snapshots of saga-lint's machine-readable output, to prove a refactor changed nothing.

    python scripts/golden.py --write tests/golden      # record today's output
    python scripts/golden.py --compare tests/golden    # exit 1 and a diff when anything moved

For each catalog (the real corpus beside the project when it is there, catalog/,
catalog-examples/broken-checkout/): ``check --format json`` and ``--format sarif``, ``explain
--format json`` of every saga, and ``review --format json`` of one generic change made in a
throw-away git repository (a page deleted, a required field added to a JSON schema, a flow step
relabelled, an owner dropped). Absolute temporary paths are replaced by placeholders, so the
snapshots are stable from machine to machine. tests/test_golden.py runs the comparison.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT.parent / "shared" / "corpus" / "eventcatalog-default").resolve()
CATALOGS = {
    "corpus": CORPUS,
    "catalog": ROOT / "catalog",
    "broken-checkout": ROOT / "catalog-examples" / "broken-checkout",
}


def _environ(**extra: str) -> dict[str, str]:
    """This process's environment for a child, with ``PYTHONPATH`` made absolute: a child that runs
    in another folder (the review's temporary repository) would otherwise not find a relative
    ``PYTHONPATH=src`` and run whichever saga-lint is installed."""
    env = {**os.environ, **extra}
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    return env


def _saga_lint(*args: str, cwd: Path | None = None) -> str:
    env = _environ(SAGA_LINT_JOBS="1", NO_COLOR="1", SAGA_LINT_NO_CACHE="1")  # no cache written in the catalogs
    proc = subprocess.run([sys.executable, "-m", "saga_lint", *args], capture_output=True, text=True,
                          cwd=str(cwd) if cwd else None, env=env, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"saga-lint {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    subprocess.run(["git", "-c", "user.name=g", "-c", "user.email=g@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=str(cwd), env=env, check=True,
                   capture_output=True)


def _mutate(cat: Path) -> None:
    """One generic change, chosen by sorted path so it is the same every time."""
    pages = sorted(p for p in cat.rglob("index.md*") if p.is_file())
    events = [p for p in pages if "/events/" in p.as_posix()]
    if events:
        events[-1].unlink()
    for schema in sorted(cat.rglob("schema.json")):
        try:
            doc = json.loads(schema.read_text("utf-8"))
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("properties"), dict):
            doc["properties"]["goldenField"] = {"type": "string"}
            doc["required"] = [*doc.get("required", []), "goldenField"]
            schema.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
            break
    for flow in (p for p in pages if "/flows/" in p.as_posix()):
        text = flow.read_text("utf-8")
        changed = re.sub(r"(\n\s+label: )([^\n]+)", r"\1Golden \2", text, count=1)
        if changed != text:
            flow.write_text(changed, "utf-8")
            break
    for page in (p for p in pages if p.exists()):
        text = page.read_text("utf-8")
        changed = re.sub(r"\nowners:\n(\s+- [^\n]+\n)", "\nowners:\n", text, count=1)
        if changed != text and "\nowners:\n  - " in changed:
            page.write_text(changed, "utf-8")
            break


def _review(name: str, src: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(src, repo / "cat", symlinks=True)
        _git(repo, "init", "-q")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "base")
        _mutate(repo / "cat")
        out = _saga_lint("review", "cat", "--base", "HEAD", "--format", "json", cwd=repo)
        return out.replace(tmp, "<TMP>")


def _flows_of(path: Path) -> list[str]:
    code = ("import json,sys; from saga_lint.pipeline import run_check; "
            "r = run_check(sys.argv[1]); print(json.dumps(sorted({s.flow.id for s in r.sagas})))")
    env = _environ(SAGA_LINT_JOBS="1")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          env=env, check=True)
    return list(json.loads(proc.stdout))


def snapshots() -> dict[str, str]:
    """Every snapshot, by file name."""
    out: dict[str, str] = {}
    for name, path in CATALOGS.items():
        if not path.is_dir():
            continue
        root = str(path)
        out[f"{name}.check.json"] = _saga_lint("check", root, "--format", "json").replace(root, "<CAT>")
        out[f"{name}.check.sarif"] = _saga_lint("check", root, "--format", "sarif").replace(root, "<CAT>")
        for flow in _flows_of(path):
            out[f"{name}.explain.{flow}.json"] = _saga_lint("explain", flow, root, "--format", "json").replace(root, "<CAT>")
        out[f"{name}.review.json"] = _review(name, path)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--compare", type=Path)
    args = parser.parse_args()
    snaps = snapshots()
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for old in args.write.glob("*"):
            old.unlink()
        for fname, text in snaps.items():
            (args.write / fname).write_text(text, "utf-8")
        print(f"wrote {len(snaps)} snapshots to {args.write}")
        return 0
    bad = 0
    for fname, text in sorted(snaps.items()):
        want_file = args.compare / fname
        want = want_file.read_text("utf-8") if want_file.exists() else ""
        if want != text:
            bad += 1
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                       f"recorded/{fname}", f"now/{fname}", n=2))
    print(f"{len(snaps) - bad} of {len(snaps)} snapshots unchanged")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
