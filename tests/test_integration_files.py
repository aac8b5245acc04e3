"""The GitHub integration files: the example workflow, the composite action and the pre-commit hook.

Their YAML structure is asserted, and the action's and the workflow's shell steps are run locally
with bash, the way the runner runs them (``bash --noprofile --norc -eo pipefail``), with
``${{ ... }}`` expressions substituted and ``$GITHUB_OUTPUT`` carried from step to step. Nothing
here can reach GitHub: ``gh`` is a stub on PATH that records its arguments and answers the
comment listing from a file, and ``saga-lint review`` is stubbed (``check`` is the real one), but
for one test that runs the real review in a real git repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import OUR_CATALOG, ROOT, missing_tool, write_catalog

WORKFLOW = ROOT / ".github" / "workflows" / "saga-lint.yml"
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
MARKER = "<!-- saga-lint:review -->"

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(doc: dict) -> dict:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    return {on: None} if isinstance(on, str) else dict(on or {})


# --- structure -------------------------------------------------------------------------------


def test_workflow_structure():
    wf = load_yaml(WORKFLOW)
    assert "pull_request" in triggers(wf)
    assert triggers(wf)["push"] == {"branches": ["main"]}  # the default branch saves the cache pull requests restore
    assert "|| github.ref" in wf["concurrency"]["group"]  # a push has no pull request number
    perms = wf["permissions"]
    assert perms["security-events"] == "write" and perms["pull-requests"] == "write"
    assert perms["contents"] == "read"
    (job,) = wf["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    checkout = steps[uses.index(next(u for u in uses if u.startswith("actions/checkout@")))]
    assert checkout["with"]["fetch-depth"] == 0  # the review needs the base branch
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs
    assert re.search(r'saga-lint check "\$CATALOG" .*-o sarif=saga-lint\.sarif', runs)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "saga-lint.sarif"
    assert "always()" in upload["if"]
    review = next(s for s in steps if s.get("id") == "review")
    assert re.search(r'saga-lint review "\$CATALOG" --base "origin/\$BASE_REF" > review\.md', review["run"])
    assert review["env"]["BASE_REF"] == "${{ github.base_ref }}"
    comment = next(s for s in steps if s.get("id") == "comment")
    assert MARKER in comment["run"] and "curl " in comment["run"] and "gh " not in comment["run"]
    assert "call PATCH" in comment["run"] and "call POST" in comment["run"]
    assert comment["env"]["TOKEN"] == "${{ github.token }}"
    # fork pull requests: neither the upload nor the comment (their token is read-only)
    assert "steps.guard.outputs.write == 'true'" in upload["if"] and "steps.guard.outputs.write == 'true'" in comment["if"]
    install = next(s for s in steps if s.get("name") == "Install saga-lint")
    assert '--constraint "$src/constraints/action.txt"' in install["run"]
    # catalog-controlled or user-controlled values never spliced into a script
    for s in steps:
        assert "${{" not in s.get("run", ""), s.get("name")


def test_action_structure():
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("path", "base", "fail-on", "sarif-file"):
        assert name in inputs and "description" in inputs[name]
    assert inputs["fail-on"]["default"] == "error"
    steps = action["runs"]["steps"]
    text = yaml.safe_dump(steps)
    for name in inputs:  # every input is used by some step
        assert f"inputs.{name}" in text, name
    for s in steps:
        if "run" in s:
            assert s.get("shell") == "bash", s["name"]  # composite run steps must name a shell
            assert "${{" not in s["run"], s["name"]  # inputs only through env
            assert "if" not in s, s["name"]  # the local runner below runs every run step
    install = steps[0]
    assert "pip install" in install["run"] and install["env"]["SAGA_LINT_SOURCE"] == "${{ github.action_path }}"
    assert '--constraint "$SAGA_LINT_SOURCE/constraints/action.txt"' in install["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "steps.guard.outputs.write == 'true'" in upload["if"]  # no upload with a read-only token
    assert "gh " not in text and "GH_TOKEN" not in text
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    comment = next(s for s in steps if s.get("id") == "comment")
    assert MARKER in comment["run"]
    for out in action["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.[a-z-]+\.outputs\.[a-z-]+ \}\}", out["value"])


def test_the_cache_is_kept_between_runs():
    """The action (unless ``cache: false``) and the workflow restore saga-lint's cache before the
    check and save it after, whether the check found something or not (``actions/cache`` alone
    saves only after a job that passed): keyed by the commit, restored from the newest of any
    earlier commit (saga-lint keys its entries by content, so any restored cache is safe)."""
    action = load_yaml(ACTION)
    assert action["inputs"]["cache"]["default"] == "true"
    (job,) = load_yaml(WORKFLOW)["jobs"].values()
    for steps, when in ((action["runs"]["steps"], "inputs.cache == 'true'"), (job["steps"], None)):
        names = [s.get("uses", "").split("@")[0] or s.get("id") for s in steps]
        assert "actions/cache" not in names  # its save step would run only after a job that passed
        restore, save = steps[names.index("actions/cache/restore")], steps[names.index("actions/cache/save")]
        assert names.index("actions/cache/restore") < names.index("check") < names.index("actions/cache/save")
        # in the runner's temporary folder, which the check is told to use: never a folder of the
        # checkout, where a change could commit a forged cache (docs/security.md)
        assert restore["with"]["path"] == save["with"]["path"] == "${{ runner.temp }}/saga-lint-cache"
        assert restore.get("if") == when and restore["id"] == "cache"
        assert save["if"] == " && ".join(["always()", *([when] if when else []), "steps.cache.outputs.cache-hit != 'true'"])
        assert re.search(r'export SAGA_LINT_CACHE_DIR="\$(\{RUNNER_TEMP:-/tmp\}|RUNNER_TEMP)/saga-lint-cache"',
                         steps[names.index("check")]["run"])
        assert restore["with"]["key"] == "saga-lint-${{ runner.os }}-${{ github.sha }}"
        assert restore["with"]["restore-keys"] == "saga-lint-${{ runner.os }}-"
        assert save["with"]["key"] == "${{ steps.cache.outputs.cache-primary-key }}"


def test_every_action_used_is_pinned_by_commit():
    """``uses:`` names a full commit (a tag can be moved), with the tag it was in a comment beside it."""
    wf = load_yaml(WORKFLOW)
    (job,) = wf["jobs"].values()
    used = [s["uses"] for s in job["steps"] + load_yaml(ACTION)["runs"]["steps"] if "uses" in s]
    assert len(used) == 8  # checkout, setup-python, cache restore and save, upload-sarif (workflow and action)
    for uses in used:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
    for path in (WORKFLOW, ACTION):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*(- )?uses:", line):
                assert re.search(r"@[0-9a-f]{40}  # v\d+\.\d+\.\d+$", line), line


def test_pre_commit_hook():
    hooks = load_yaml(HOOKS)
    (hook,) = [h for h in hooks if h["id"] == "saga-lint"]
    assert hook["entry"] == "saga-lint check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["args"] == ["catalog"]  # the catalog folder, documented default (#19)
    files = re.compile(hook["files"])
    for name in ("catalog/events/A/index.md", "catalog/x/index.mdx", "catalog/schema.json", "saga-lint.yaml",
                 "catalog/b.yml", "catalog/.eventcatalogrc.js", "pyproject.toml", "catalog/.saga-lint.yaml"):
        assert files.search(name), name
    for name in ("src/app.py", "image.png", "docs/index.md", "other/schema.json", "catalog/image.png"):
        assert not files.search(name), name


def test_readme_ci_recipes_and_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[2:6] == [
        "```bash", "pip install . && saga-lint check catalog", "pip install '.[test]' && python -m pytest", "```",
    ]
    section = readme.split("## CI recipes", 1)[1]
    for needle in ("GitHub Actions", "GitLab CI", "pre-commit", "-o gitlab=", "codequality", "junit", "id: saga-lint"):
        assert needle in section, needle


# --- running the steps locally -------------------------------------------------------------------

API = "https://api.github.example"  # github.api_url in the local runner; only the curl stub answers it

CURL_STUB = r'''#!PYTHON
"""curl stub: records every call as {method, path, query, fields, token, argv} in $API_STUB_LOG and
answers the GitHub REST API: a comment listing from $API_STUB_COMMENTS (per_page, page), 201 for a
POST, 200 for a PATCH, or $API_STUB_STATUS for writes when set. The token is read from the config
on stdin (``--config -``), where the action writes it."""
import json, os, sys
from urllib.parse import parse_qs, urlsplit

args = sys.argv[1:]
method, out, fmt, data, url, config, i = "GET", None, "", None, None, "", 0
takes_value = {"-X", "--request", "-o", "--output", "-w", "--write-out", "-H", "--header", "--data-binary",
               "--retry", "--max-time", "-K", "--config"}
while i < len(args):
    a = args[i]
    if a in takes_value:
        v = args[i + 1]
        if a in ("-X", "--request"):
            method = v
        elif a in ("-o", "--output"):
            out = v
        elif a in ("-w", "--write-out"):
            fmt = v
        elif a == "--data-binary":
            data = open(v[1:], encoding="utf-8").read() if v.startswith("@") else v
        elif a in ("-K", "--config") and v == "-":
            config = sys.stdin.read()
        i += 2
        continue
    if not a.startswith("-"):
        url = a
    i += 1
parts = urlsplit(url)
token = next((line.split("Bearer ", 1)[1].rstrip('"') for line in config.splitlines() if "Bearer " in line), None)
record = {"argv": args, "method": method, "path": parts.path.lstrip("/"), "query": parse_qs(parts.query),
          "fields": json.loads(data) if data else {}, "token": token}
with open(os.environ["API_STUB_LOG"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(record) + "\n")
if method == "GET":
    q = record["query"]
    per, page = int(q.get("per_page", ["30"])[0]), int(q.get("page", ["1"])[0])
    comments = json.load(open(os.environ["API_STUB_COMMENTS"], encoding="utf-8"))
    status, answer = 200, comments[(page - 1) * per: page * per]
else:
    status = int(os.environ.get("API_STUB_STATUS") or (201 if method == "POST" else 200))
    answer = {"id": 1} if status < 300 else {"message": "Resource not accessible by integration"}
if out:
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(answer, fh)
sys.stdout.write(fmt.replace("%{http_code}", str(status)))
'''

GH_TRAP = r'''#!PYTHON
"""gh on PATH only to prove it is never called: the integration works without it."""
import os, sys
open(os.environ["API_STUB_LOG"], "a", encoding="utf-8").write('{"gh": true}\n')
sys.exit(97)
'''

SAGA_LINT_STUB = r'''#!PYTHON
"""saga-lint on PATH: the real one, except `review` prints $REVIEW_STUB_TEXT when that is set."""
import json, os, subprocess, sys

with open(os.environ["SAGA_LINT_LOG"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\n")
if sys.argv[1:2] == ["review"] and "REVIEW_STUB_TEXT" in os.environ:
    if "--help" in sys.argv:
        print("Usage: saga-lint review [PATH] --base REF [--head REF] [--fail-on LEVEL]")
        sys.exit(0)
    sys.stdout.write(os.environ.get("REVIEW_STUB_TEXT", ""))
    sys.exit(int(os.environ.get("REVIEW_STUB_EXIT", "0")))
sys.exit(subprocess.run([sys.executable, "-m", "saga_lint", *sys.argv[1:]]).returncode)
'''

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class LocalRunner:
    """Runs `run:` steps of a workflow job or a composite action like the GitHub runner would."""

    def __init__(self, tmp: Path, inputs: dict | None = None, github: dict | None = None):
        self.workspace = tmp / "workspace"
        self.workspace.mkdir()
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.api_log = tmp / "api.log"
        self.saga_log = tmp / "saga-lint.log"
        self.comments = tmp / "comments.json"
        self.comments.write_text("[]", encoding="utf-8")
        self.summary = tmp / "step-summary.md"
        self.summary.write_text("", encoding="utf-8")
        for name, text in (("curl", CURL_STUB), ("gh", GH_TRAP), ("saga-lint", SAGA_LINT_STUB)):
            p = self.bin / name
            p.write_text(text.replace("PYTHON", sys.executable, 1), encoding="utf-8")
            p.chmod(0o755)
        self.ctx = {
            "inputs": dict(inputs or {}),
            "github": {
                "action_path": str(ROOT), "base_ref": "main", "repository": "octo/shop", "token": "stub-token",
                "event_name": "pull_request", "actor": "octocat", "api_url": API,
                "event": {"pull_request": {"number": 7, "head": {"repo": {"full_name": "octo/shop"}}}},
                **(github or {}),
            },
            "steps": {},
            "env": {},
        }
        # input defaults may be expressions (github-token: ${{ github.token }})
        self.ctx["inputs"] = {k: self.expand(v) for k, v in self.ctx["inputs"].items()}
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(tmp), "RUNNER_TEMP": str(tmp), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_STEP_SUMMARY": str(self.summary), "API_STUB_LOG": str(self.api_log),
            "API_STUB_COMMENTS": str(self.comments), "SAGA_LINT_LOG": str(self.saga_log),
            "GIT_CEILING_DIRECTORIES": str(tmp), "PYTHONPATH": str(ROOT / "src"), "LANG": "C.UTF-8",
        }

    def expand(self, value) -> str:
        def one(m):
            node = self.ctx
            parts = m.group(1).split(".")
            if parts[0] not in self.ctx or (parts[0] == "inputs" and parts[1] not in self.ctx["inputs"]):
                raise AssertionError(f"the local runner does not know ${{{{ {m.group(1)} }}}}")
            for part in parts:
                if not isinstance(node, dict) or part not in node:
                    return ""  # like GitHub: a missing property is null, an empty string in text
                node = node[part]
            return "" if node is None else str(node)

        return _EXPR.sub(one, str(value))

    def run_step(self, step: dict, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        out = self.workspace.parent / f"output-{len(self.ctx['steps'])}"
        out.write_text("", encoding="utf-8")
        env = {**self.env, "GITHUB_OUTPUT": str(out), **(extra_env or {})}
        env.update({k: self.expand(v) for k, v in (step.get("env") or {}).items()})
        script = self.workspace.parent / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True, timeout=120)
        outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines() if "=" in line)
        if step.get("id"):
            self.ctx["steps"][step["id"]] = {"outputs": outputs, "outcome": "success" if proc.returncode == 0 else "failure"}
        return proc

    def api_calls(self) -> list[dict]:
        """The REST calls the steps made (through the curl stub); a call of ``gh`` fails the test."""
        if not self.api_log.exists():
            return []
        calls = [json.loads(line) for line in self.api_log.read_text(encoding="utf-8").splitlines()]
        assert not any(c.get("gh") for c in calls), "gh was called"
        return calls

    def saga_calls(self) -> list[list]:
        if not self.saga_log.exists():
            return []
        return [json.loads(line) for line in self.saga_log.read_text(encoding="utf-8").splitlines()]


def our_catalog_copy(dest: Path) -> Path:
    """A temporary copy of the project's own catalog folder (with one finding-free page added if
    it is still empty, so that the check has something to read)."""
    shutil.copytree(OUR_CATALOG, dest, symlinks=True)
    if not any(p.suffix in (".md", ".mdx") for p in dest.rglob("*")):
        write_catalog(dest, {"teams/core.md": "---\nid: core\nname: Core\nsummary: The core team.\n---\nWe build it.\n"})
    return dest


def expected_check_exit(catalog: Path, fail_on: str) -> int:
    proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(catalog), "--fail-on", fail_on, "-f", "json"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode


def action_inputs(**given) -> dict:
    """The action's inputs: its declared defaults, overridden by ``given`` (``fail_on`` -> ``fail-on``)."""
    declared = load_yaml(ACTION)["inputs"]
    values = {k: str(v.get("default", "")) for k, v in declared.items()}
    for k, v in given.items():
        k = k.replace("_", "-")
        assert k in declared, f"the action has no input {k}"
        values[k] = v
    return values


def action_run_steps() -> list[dict]:
    steps = load_yaml(ACTION)["runs"]["steps"]
    return [s for s in steps if "run" in s and s.get("id") != "install"]  # install needs PyPI


REVIEW_TEXT = f"{MARKER}\n## saga-lint review\n\n**1 new finding** in `checkout` | a <b>pipe</b>\n"


@needs_bash
@pytest.mark.parametrize("existing", [True, False])
def test_action_runs_check_review_and_sticky_comment(tmp_path, existing):
    runner = LocalRunner(tmp_path, inputs=action_inputs(sarif_file="reports/saga-lint.sarif"))
    (runner.workspace / "reports").mkdir()
    catalog = our_catalog_copy(runner.workspace / "catalog")
    comments = [{"id": 11, "body": "LGTM"}, {"id": 12, "body": f"> {MARKER} quoted by a human"}]
    if existing:
        comments.append({"id": 42, "body": f"{MARKER}\nold review"})
    runner.comments.write_text(json.dumps(comments), encoding="utf-8")

    results = {}
    for step in action_run_steps():
        results[step.get("id") or step["name"]] = runner.run_step(step, {"REVIEW_STUB_TEXT": REVIEW_TEXT})
    for name, proc in results.items():
        if name != "Result":
            assert proc.returncode == 0, (name, proc.stdout, proc.stderr)

    # check: the real saga-lint, with the action's inputs
    check_args = next(c for c in runner.saga_calls() if c[0] == "check")
    assert check_args[1] == "catalog" and check_args[check_args.index("--fail-on") + 1] == "error"
    assert "sarif=reports/saga-lint.sarif" in check_args
    sarif = json.loads((runner.workspace / "reports" / "saga-lint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert runner.ctx["steps"]["check"]["outputs"]["sarif-written"] == "true"
    want = expected_check_exit(catalog, "error")
    assert runner.ctx["steps"]["check"]["outputs"]["status"] == str(want)
    assert (results["Result"].returncode == 0) == (want == 0)

    # review: against origin/<base_ref> when the base input is empty
    review_args = [c for c in runner.saga_calls() if c[:1] == ["review"] and "--help" not in c]
    assert review_args == [["review", "catalog", "--base", "origin/main", "--fail-on", "error"]]
    assert REVIEW_TEXT in runner.summary.read_text(encoding="utf-8")

    # the sticky comment: list, then PATCH the marked comment or POST a new one
    calls = runner.api_calls()
    assert calls[0]["method"] == "GET" and calls[0]["path"] == "repos/octo/shop/issues/7/comments"
    assert calls[0]["query"] == {"per_page": ["100"], "page": ["1"]}
    assert len(calls) == 2 and all(c["token"] == "stub-token" for c in calls)
    if existing:
        assert (calls[1]["method"], calls[1]["path"]) == ("PATCH", "repos/octo/shop/issues/comments/42")
    else:
        assert (calls[1]["method"], calls[1]["path"]) == ("POST", "repos/octo/shop/issues/7/comments")
    assert calls[1]["fields"]["body"] == REVIEW_TEXT


@needs_bash
def test_action_adds_the_marker_and_honours_inputs(tmp_path):
    runner = LocalRunner(tmp_path, inputs=action_inputs(
        path="cat", base="origin/release", fail_on="warning", sarif_file="out.sarif", upload_sarif="false",
        format="text", github_token="t2"))
    write_catalog(runner.workspace / "cat", {
        "events/E/index.md": "---\nid: E\nname: E\nversion: 1.0.0\nsummary: s\nowners: [core]\n---\nx\n",
        "teams/core.md": "---\nid: core\nname: Core\nsummary: c\n---\nx\n",
    })
    results = {}
    for step in action_run_steps():
        stub = {"REVIEW_STUB_TEXT": "no marker here\n", "REVIEW_STUB_EXIT": "1"}
        results[step.get("id") or step["name"]] = runner.run_step(step, stub)
    check_args = next(c for c in runner.saga_calls() if c[0] == "check")
    assert check_args[check_args.index("--fail-on") + 1] == "warning" and "--format" in check_args
    assert check_args[check_args.index("--format") + 1] == "text"
    assert runner.ctx["steps"]["check"]["outputs"]["status"] == "1"  # orphan event: a warning
    assert ["review", "cat", "--base", "origin/release", "--fail-on", "warning"] in runner.saga_calls()
    calls = runner.api_calls()
    assert calls[-1]["method"] == "POST" and calls[-1]["fields"]["body"] == f"{MARKER}\nno marker here\n"
    assert calls[-1]["token"] == "t2"
    assert results["Result"].returncode == 1


def run_action(runner: LocalRunner, review_text: str = REVIEW_TEXT, **env) -> dict:
    """Every run step of the action in order (the review stubbed): ``{step id or name: process}``."""
    return {step.get("id") or step["name"]: runner.run_step(step, {"REVIEW_STUB_TEXT": review_text, **env})
            for step in action_run_steps()}


FORK = {"pull_request": {"number": 7, "head": {"repo": {"full_name": "mallory/shop"}}}}
DELETED_FORK = {"pull_request": {"number": 7, "head": {"repo": None}}}


@needs_bash
@pytest.mark.parametrize("github, why", [
    ({"event": FORK}, "the pull request comes from mallory/shop, not octo/shop"),
    ({"event": DELETED_FORK}, "the pull request comes from a deleted fork, not octo/shop"),
    ({"actor": "dependabot[bot]"}, "the pull request is Dependabot's"),
])
def test_action_with_a_read_only_token_neither_comments_nor_uploads(tmp_path, github, why):
    runner = LocalRunner(tmp_path, inputs=action_inputs(), github=github)
    our_catalog_copy(runner.workspace / "catalog")
    results = run_action(runner)
    assert runner.ctx["steps"]["guard"]["outputs"] == {"write": "false"}
    assert results["guard"].stdout == (f"saga-lint: {why}, so its token is read-only: no SARIF upload and no comment "
                                       "(the review goes to the step summary)\n")
    for sid in ("guard", "check", "review", "comment"):
        assert results[sid].returncode == 0, (sid, results[sid].stderr)
    assert "token is read-only" in results["comment"].stdout
    assert runner.api_calls() == []  # no call at all: nothing that could fail the job
    assert REVIEW_TEXT in runner.summary.read_text(encoding="utf-8")  # the review is still there
    assert (runner.workspace / "saga-lint.sarif").is_file()  # written, only not uploaded


@needs_bash
@pytest.mark.parametrize("github, write", [
    ({}, "true"),  # a pull request from a branch of the repository
    ({"event_name": "push", "event": {}}, "true"),
    ({"event_name": "pull_request_target", "event": FORK}, "true"),  # runs with the base repository's token
])
def test_action_guard_allows_writes_with_a_writable_token(tmp_path, github, write):
    runner = LocalRunner(tmp_path, inputs=action_inputs(), github=github)
    guard = next(s for s in action_run_steps() if s.get("id") == "guard")
    proc = runner.run_step(guard)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert runner.ctx["steps"]["guard"]["outputs"] == {"write": write}


@needs_bash
def test_action_finds_its_comment_on_a_later_page(tmp_path):
    runner = LocalRunner(tmp_path, inputs=action_inputs())
    our_catalog_copy(runner.workspace / "catalog")
    comments = [{"id": n, "body": f"comment {n}"} for n in range(1, 151)]
    comments[119]["body"] = f"{MARKER}\nold review"
    runner.comments.write_text(json.dumps(comments), encoding="utf-8")
    results = run_action(runner)
    assert results["comment"].returncode == 0 and results["comment"].stdout == "saga-lint: updated review comment 120\n"
    calls = runner.api_calls()
    assert [(c["method"], c["path"], c["query"].get("page")) for c in calls] == [
        ("GET", "repos/octo/shop/issues/7/comments", ["1"]),
        ("GET", "repos/octo/shop/issues/7/comments", ["2"]),
        ("PATCH", "repos/octo/shop/issues/comments/120", None),
    ]
    assert calls[-1]["fields"] == {"body": REVIEW_TEXT} and all(c["token"] == "stub-token" for c in calls)
    assert not any("stub-token" in " ".join(c["argv"]) for c in calls)  # never on curl's command line


@needs_bash
@pytest.mark.parametrize("status", ["403", "404", "500"])
def test_action_comment_refused_is_a_warning_not_a_failure(tmp_path, status):
    runner = LocalRunner(tmp_path, inputs=action_inputs())
    our_catalog_copy(runner.workspace / "catalog")
    results = run_action(runner, API_STUB_STATUS=status)
    assert results["comment"].returncode == 0
    assert results["comment"].stdout == (f"::warning title=saga-lint::the review comment was not posted: posting the "
                                         f"comment answered HTTP {status} (the review is in the step summary)\n")
    assert [c["method"] for c in runner.api_calls()] == ["GET", "POST"]


@needs_bash
@pytest.mark.parametrize("github, write", [({}, "true"), ({"event": FORK}, "false"), ({"actor": "dependabot[bot]"}, "false")])
def test_workflow_guard(tmp_path, github, write):
    wf = load_yaml(WORKFLOW)
    (job,) = wf["jobs"].values()
    runner = LocalRunner(tmp_path, github=github)
    guard = next(s for s in job["steps"] if s.get("id") == "guard")
    assert runner.run_step(guard).returncode == 0
    assert runner.ctx["steps"]["guard"]["outputs"] == {"write": write}


@needs_bash
@pytest.mark.parametrize("passed", [True, False])
def test_workflow_on_a_push_checks_and_uploads_but_neither_reviews_nor_comments(tmp_path, passed):
    (job,) = load_yaml(WORKFLOW)["jobs"].values()
    runner = LocalRunner(tmp_path, github={"event_name": "push", "base_ref": "", "event": {}})
    our_catalog_copy(runner.workspace / "catalog")
    if not passed:
        write_catalog(runner.workspace / "catalog", {"teams/bare.md": "---\nid: bare\nname: Bare\n---\n"})
    env = {k: runner.expand(v) for k, v in load_yaml(WORKFLOW)["env"].items()}
    by_id = {s.get("id"): s for s in job["steps"]}
    for sid in ("guard", "check", "review"):
        proc = runner.run_step(by_id[sid], env)
        assert proc.returncode == 0, (sid, proc.stderr)
    (runner.workspace / "review.md").write_text(REVIEW_TEXT, encoding="utf-8")  # a file of the repository's
    proc = runner.run_step(by_id["comment"], env)
    assert proc.returncode == 0 and "not a pull request: no comment" in proc.stdout, proc.stderr
    assert runner.ctx["steps"]["guard"]["outputs"] == {"write": "true"}  # the branch's SARIF is uploaded
    assert (runner.workspace / "saga-lint.sarif").is_file()
    assert [c[0] for c in runner.saga_calls()] == ["check"]
    assert runner.api_calls() == []
    assert runner.ctx["steps"]["review"]["outputs"]["status"] == "0"
    final = runner.run_step(job["steps"][-1], env)  # fail on findings: the check's alone
    assert (final.returncode == 0) == passed == (runner.ctx["steps"]["check"]["outputs"]["status"] == "0")


@needs_bash
def test_action_without_a_base_skips_review_and_comment(tmp_path):
    runner = LocalRunner(tmp_path, inputs=action_inputs(), github={"base_ref": "", "event": {}})
    our_catalog_copy(runner.workspace / "catalog")
    for step in action_run_steps():
        proc = runner.run_step(step)
        if step.get("id") in ("check", "review", "comment"):
            assert proc.returncode == 0, proc.stderr
    assert not [c for c in runner.saga_calls() if c[0] == "review"]
    assert runner.api_calls() == []
    assert runner.ctx["steps"]["review"]["outputs"]["status"] == "0"


@needs_bash
def test_action_stops_when_saga_lint_cannot_run(tmp_path):
    runner = LocalRunner(tmp_path, inputs=action_inputs(path="missing"))
    check = next(s for s in action_run_steps() if s.get("id") == "check")
    proc = runner.run_step(check)
    assert proc.returncode == 2 and "could not run" in proc.stdout


@needs_bash
@pytest.mark.parametrize("existing", [True, False])
def test_workflow_steps_run_locally(tmp_path, existing):
    wf = load_yaml(WORKFLOW)
    (job,) = wf["jobs"].values()
    runner = LocalRunner(tmp_path)
    our_catalog_copy(runner.workspace / "catalog")
    runner.comments.write_text(json.dumps([{"id": 5, "body": f"{MARKER}\nold"}] if existing else [{"id": 6, "body": "hi"}]),
                               encoding="utf-8")
    env = {k: runner.expand(v) for k, v in wf["env"].items()}
    by_id = {s.get("id"): s for s in job["steps"]}
    for sid in ("check", "review", "comment"):
        proc = runner.run_step(by_id[sid], {**env, "REVIEW_STUB_TEXT": REVIEW_TEXT})
        assert proc.returncode == 0, (sid, proc.stderr)
    assert (runner.workspace / "saga-lint.sarif").is_file()
    assert ["review", "catalog", "--base", "origin/main"] in runner.saga_calls()
    calls = runner.api_calls()
    want = ("PATCH", "repos/octo/shop/issues/comments/5") if existing else ("POST", "repos/octo/shop/issues/7/comments")
    assert (calls[-1]["method"], calls[-1]["path"]) == want
    assert calls[-1]["fields"]["body"] == REVIEW_TEXT
    final = runner.run_step(job["steps"][-1])  # fail on findings
    assert (final.returncode == 0) == (runner.ctx["steps"]["check"]["outputs"]["status"] == "0")


def test_run_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        missing_tool("shellcheck is not installed (Debian package shellcheck; .ci/system-deps installs it)")
    wf = load_yaml(WORKFLOW)
    (job,) = wf["jobs"].values()
    steps = [("workflow", s) for s in job["steps"]] + [("action", s) for s in load_yaml(ACTION)["runs"]["steps"]]
    for where, s in steps:
        if "run" not in s:
            continue
        script = "#!/usr/bin/env bash\nset -eo pipefail\n" + s["run"]
        proc = subprocess.run(["shellcheck", "-s", "bash", "-"], input=script, capture_output=True, text=True)
        assert proc.returncode == 0, (where, s["name"], proc.stdout)


def test_readme_ci_recipes_are_valid_yaml_and_commands_run(tmp_path):
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## CI recipes", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    docs = [yaml.safe_load(b) for b in blocks]
    github, gitlab, precommit = docs
    assert any(s.get("uses") == "./tools/saga-lint" for s in github["steps"])
    assert (ROOT / "action.yml").is_file()  # what ./tools/saga-lint names in a repository that has this one as a submodule
    assert github["permissions"]["security-events"] == "write"
    hook = precommit[0]["hooks"][0]
    assert precommit[0]["repo"] == "local" and hook["id"] == "saga-lint" and hook["pass_filenames"] is False
    assert hook["entry"].startswith("saga-lint check ")
    files = re.compile(hook["files"])
    assert files.search("catalog/events/x/index.mdx") and files.search("saga-lint.yaml") and not files.search("src/x.py")
    assert "OWNER" not in section  # no placeholder to fill in
    job = gitlab["saga-lint"]
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality.json", "junit": "saga-lint.xml"}
    # the GitLab job's saga-lint command, run here on a copy of our catalog
    (cmd,) = [c for c in job["script"] if c.startswith("saga-lint ")]
    catalog = our_catalog_copy(tmp_path / "catalog")
    args = cmd.split()[1:]
    proc = subprocess.run([sys.executable, "-m", "saga_lint", *args], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == expected_check_exit(catalog, "error"), proc.stderr
    import xml.etree.ElementTree as ET

    assert ET.parse(tmp_path / "saga-lint.xml").getroot().tag == "testsuites"
    issues = json.loads((tmp_path / "gl-code-quality.json").read_text(encoding="utf-8"))
    assert isinstance(issues, list)  # validated against GitLab's schema in tests/test_outputs.py


@needs_bash
def test_action_with_the_real_review_in_a_git_repository(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "saga_lint", "review", "--help"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("saga-lint review is not available")
    runner = LocalRunner(tmp_path, inputs=action_inputs(base="HEAD"))
    ws = runner.workspace
    our_catalog_copy(ws / "catalog")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(ws)], check=True, capture_output=True)
    subprocess.run([*git, "add", "-A"], cwd=ws, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=ws, check=True, capture_output=True)
    write_catalog(
        ws / "catalog", {"events/BrandNew/index.md": "---\nid: BrandNew\nname: Brand new\nversion: 1.0.0\nsummary: s\n---\nx\n"}
    )
    for step in action_run_steps():
        proc = runner.run_step(step)
        if step.get("id") in ("check", "review", "comment"):
            assert proc.returncode == 0, (step["name"], proc.stderr)
    assert runner.ctx["steps"]["review"]["outputs"]["status"] == "1"  # an unowned event is new
    (post,) = [c for c in runner.api_calls() if c["method"] == "POST"]
    body = post["fields"]["body"]
    assert body.startswith(MARKER) and "BrandNew" in body
    assert body == (ws / "saga-lint-review.md").read_text(encoding="utf-8")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "catalog"],
                            cwd=ws, capture_output=True, text=True).stdout
    assert status.strip() == "?? catalog/events/BrandNew/index.md"  # the review left the tree as it was


@needs_bash
def test_action_updates_its_own_comment_not_a_look_alike(tmp_path):
    """Anyone can post a comment that starts with the marker before the action does; the action
    updates the bot's own marked comment (a PATCH of someone else's is refused, and the review
    would never be posted), and falls back to the first marked comment when no bot wrote one."""
    runner = LocalRunner(tmp_path, inputs=action_inputs())
    our_catalog_copy(runner.workspace / "catalog")
    mallory = {"login": "mallory", "type": "User"}
    comments = [{"id": 5, "body": f"{MARKER}\nfake", "user": mallory},
                {"id": 9, "body": f"{MARKER}\nold review", "user": {"login": "github-actions[bot]", "type": "Bot"}}]
    runner.comments.write_text(json.dumps(comments), encoding="utf-8")
    results = run_action(runner)
    assert results["comment"].stdout == "saga-lint: updated review comment 9\n"
    assert [(c["method"], c["path"]) for c in runner.api_calls()][-1] == ("PATCH", "repos/octo/shop/issues/comments/9")
