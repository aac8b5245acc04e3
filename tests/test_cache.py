"""The cache of ``saga-lint check`` (``saga_lint/cache.py``): a hit gives the cold run's output byte
for byte; any change of an input (a page, a schema, the config, saga-lint's version, the rule set)
is a miss; a corrupt, truncated or foreign cache is ignored and rewritten; two runs at once both
finish with the right output; a folder that cannot be written means no cache, not an error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, OUR_CATALOG

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "benchmarks" / "generate.py"


def _run(*args, env=None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "SAGA_LINT_CACHE_DIR", "SAGA_LINT_NO_CACHE")}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "saga_lint", *map(str, args)], capture_output=True, text=True, env=e,
                          timeout=300)


def _check(path, cache: Path | None, *extra, timings=False) -> subprocess.CompletedProcess:
    opts = ["--no-cache"] if cache is None else ["--cache-dir", cache]
    proc = _run("check", path, *opts, *extra, env={"SAGA_LINT_TIMINGS": "1"} if timings else None)
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def _ran_pipeline(proc: subprocess.CompletedProcess) -> bool:
    return "saga-lint timing: rules" in proc.stderr  # printed by the pipeline only, not by a cache hit


@pytest.fixture
def catalog(tmp_path) -> Path:
    out = tmp_path / "cat"
    subprocess.run([sys.executable, str(GENERATE), "--shape", "saga-dense", "10", str(out)], check=True,
                   capture_output=True)
    return out


def _pages(cat: Path, pattern: str) -> list[Path]:
    return sorted(cat.glob(pattern))


def test_hit_gives_the_cold_output_and_skips_the_pipeline(catalog, tmp_path):
    cache = tmp_path / "cache"
    cold = _check(catalog, None, "-f", "json")
    first = _check(catalog, cache, "-f", "json", timings=True)
    second = _check(catalog, cache, "-f", "json", timings=True)
    assert _ran_pipeline(first) and not _ran_pipeline(second)
    assert first.stdout == second.stdout == cold.stdout
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    for fmt in ("text", "sarif", "junit", "markdown", "github", "gitlab"):  # every format from the one entry
        assert _check(catalog, cache, "-f", fmt).stdout == _check(catalog, None, "-f", fmt).stdout, fmt


@pytest.mark.parametrize("edit", ["page", "schema", "config", "new file", "removed file"])
def test_a_changed_input_is_a_miss_and_the_findings_change_as_in_a_cold_run(catalog, tmp_path, edit):
    cache = tmp_path / "cache"
    _check(catalog, cache)
    if edit == "page":
        svc = _pages(catalog, "domains/*/systems/*/services/*/index.mdx")[1]
        svc.write_text(svc.read_text().replace("owners:", "ownres:", 1))
    elif edit == "schema":
        _pages(catalog, "domains/*/systems/*/services/*/events/*/schema.json")[0].write_text('{"type": "strnig"}')
    elif edit == "config":
        (catalog / "saga-lint.yaml").write_text("rules:\n  best-practices/description-required: off\n  saga/*: off\n")
    elif edit == "new file":
        (catalog / "teams" / "extra.mdx").write_text("---\nid: extra\nname: Extra\n---\n")
    else:
        _pages(catalog, "users/*.mdx")[0].unlink()
    warm = _check(catalog, cache, "-f", "json", timings=True)
    cold = _check(catalog, None, "-f", "json")
    assert _ran_pipeline(warm)
    assert warm.stdout == cold.stdout
    assert _check(catalog, cache, "-f", "json").stdout == cold.stdout  # and now a hit with the new result
    if edit in ("page", "schema"):
        assert json.loads(cold.stdout)["findings"]


def test_the_key_covers_version_rule_set_and_config(catalog, tmp_path, monkeypatch):
    import inspect

    import saga_lint.cache as cache_mod
    import saga_lint.rules as rules_mod
    from saga_lint.config import load_config, rulesets_dir

    cache = cache_mod.CheckCache.open(catalog, str(tmp_path / "cache"))
    assert cache is not None
    config = load_config(catalog)
    base = cache.key(config)
    assert cache.key(config) == base  # stable
    monkeypatch.setattr(cache_mod, "__version__", "99.0.0")
    assert cache.key(config) != base
    monkeypatch.undo()
    # the rule set is saga-lint's code and rulesets: every file of both is in the code's signature
    signed = {name for name, _ in cache_mod._code_signature()}
    rule_files = {inspect.getfile(r.func) for r in rules_mod.all_rules().values() if r.func is not None}
    package = Path(cache_mod.__file__).resolve().parent
    assert {str(Path(f).resolve().relative_to(package)) for f in rule_files} <= signed
    assert {p.name for p in rulesets_dir().iterdir() if p.suffix in (".yaml", ".yml", ".json")} <= signed
    real = cache_mod._code_signature()
    monkeypatch.setattr(cache_mod, "_code_signature", lambda: (*real[:-1], (real[-1][0], "0" * 32)))
    assert cache.key(config) != base  # one file of them edited
    monkeypatch.undo()
    config.severities = {**config.severities, "saga/pivot": "warning"}
    assert cache.key(config) != base


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign layout", "other key", "bad finding", "bad index"])
def test_a_damaged_cache_is_ignored_and_rewritten(catalog, tmp_path, damage):
    cache = tmp_path / "cache"
    svc = _pages(catalog, "domains/*/systems/*/services/*/index.mdx")[1]
    svc.write_text(svc.read_text().replace("owners:", "ownres:", 1))  # findings to restore
    cold = _check(catalog, None, "-f", "json").stdout
    _check(catalog, cache)
    entry = next(cache.glob("check-*.json"))
    index = next(cache.glob("files-*.json"))
    doc = json.loads(entry.read_text())
    if damage == "truncated":
        entry.write_text(entry.read_text()[: len(entry.read_text()) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "foreign layout":
        entry.write_text(json.dumps({**doc, "layout": 999, "findings": []}))
    elif damage == "other key":
        entry.write_text(json.dumps({**doc, "key": "0" * 40, "findings": []}))
    elif damage == "bad finding":
        entry.write_text(json.dumps({**doc, "findings": [{"rule": "x"}]}))
    else:
        index.write_text('{"layout": 6, "written": 0, "folders": {"": [1, 2, "x", 4, 5], "teams": "d1:2:3\\u0000fx/1:2:3:4/00"}}')
    warm = _check(catalog, cache, "-f", "json", timings=True)
    assert warm.stdout == cold
    assert _ran_pipeline(warm) == (damage != "bad index")  # a bad index only means reading the files again
    assert json.loads(entry.read_text())["findings"] == json.loads(cold)["findings"]  # rewritten
    assert _check(catalog, cache, "-f", "json").stdout == cold


def test_two_runs_at_once_both_finish_with_the_right_output(catalog, tmp_path):
    cache = tmp_path / "cache"
    cold = _check(catalog, None, "-f", "json").stdout
    env = {k: v for k, v in os.environ.items() if k not in ("SAGA_LINT_CACHE_DIR", "SAGA_LINT_NO_CACHE")}
    for _ in range(2):  # once on an empty cache, once on a full one
        procs = [subprocess.Popen([sys.executable, "-m", "saga_lint", "check", str(catalog), "--cache-dir", str(cache),
                                   "-f", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(3)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
        assert all(out == cold for out, _ in outs)
    assert not list(cache.glob("*.tmp"))  # no temporary file left behind


def test_default_folder_is_in_the_catalog_root_and_not_linted(catalog):
    first = _run("check", catalog, "-f", "json")
    folder = catalog / ".saga-lint-cache"
    assert folder.is_dir() and (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    second = _run("check", catalog, "-f", "json")
    assert first.stdout == second.stdout  # the cache folder is not a file of the catalog
    assert json.loads(second.stdout)["summary"]["files"] == json.loads(_check(catalog, None, "-f", "json").stdout)[
        "summary"]["files"]


def test_environment_variable_chooses_the_folder(catalog, tmp_path):
    where = tmp_path / "elsewhere"
    proc = _run("check", catalog, env={"SAGA_LINT_CACHE_DIR": str(where)})
    assert proc.returncode == 0, proc.stderr
    assert list(where.glob("check-*.json")) and not (catalog / ".saga-lint-cache").exists()


def test_a_folder_that_cannot_be_made_means_no_cache(catalog, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = _check(catalog, blocker / "cache", "-f", "json")
    assert proc.stdout == _check(catalog, None, "-f", "json").stdout
    assert proc.stderr == ""


def test_a_folder_the_walk_would_see_means_no_cache(catalog):
    visible = catalog / "cache-here"
    proc = _check(catalog, visible, "-f", "json")
    assert not visible.exists()
    assert proc.stdout == _check(catalog, None, "-f", "json").stdout
    hidden = catalog / ".cache" / "saga-lint"
    _check(catalog, hidden)
    assert list(hidden.glob("check-*.json"))


def test_no_cache_writes_nothing(catalog):
    _run("check", catalog, "--no-cache")
    _run("check", catalog, env={"SAGA_LINT_NO_CACHE": "1"})
    assert not (catalog / ".saga-lint-cache").exists()


@pytest.mark.parametrize("which", ["corpus", "ours"])
def test_cached_equals_uncached_on_real_catalogs(which, tmp_path):
    src = CORPUS if which == "corpus" else OUR_CATALOG
    if not src.is_dir():
        pytest.skip(f"{src} is not here")
    cat = tmp_path / "cat"
    shutil.copytree(src, cat, symlinks=True)  # the corpus is read-only, and no cache goes into the repo
    cache = tmp_path / "cache"
    for fmt in ("json", "sarif", "text"):
        cold = _check(cat, None, "-f", fmt).stdout
        assert _check(cat, cache, "-f", fmt).stdout == cold
        assert _check(cat, cache, "-f", fmt).stdout == cold


def test_an_input_edited_while_the_check_runs_is_not_cached(catalog, tmp_path, monkeypatch):
    from conftest import cli_runner

    import saga_lint.pipeline as pipeline
    from saga_lint.cli import main

    cache = tmp_path / "cache"
    page = _pages(catalog, "domains/*/systems/*/services/*/index.mdx")[1]
    real = pipeline.run_check

    def edit_then_run(path, config=None):
        page.write_text(page.read_text() + "\nA line added while the check ran.\n")
        return real(path, config)

    monkeypatch.setattr(pipeline, "run_check", edit_then_run)
    monkeypatch.delenv("SAGA_LINT_NO_CACHE", raising=False)
    result = cli_runner().invoke(main, ["check", str(catalog), "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    assert not list(cache.glob("check-*.json"))


def test_symbolic_links_are_part_of_the_key(catalog, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    cache = tmp_path / "cache"
    link = catalog / "linked.json"
    link.symlink_to(outside)  # a link out of the catalog: the walk reports it
    first = _check(catalog, cache, "-f", "json")
    assert first.stdout == _check(catalog, None, "-f", "json").stdout
    link.unlink()
    link.symlink_to(catalog / "README.md")  # now a link inside: no finding
    again = _check(catalog, cache, "-f", "json", timings=True)
    assert _ran_pipeline(again)
    assert again.stdout == _check(catalog, None, "-f", "json").stdout != first.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_the_shared_walk_gives_the_same_key_as_one_process(catalog, tmp_path, monkeypatch):
    """A large catalog's key is walked by this process and a forked one: the same lines, and
    when the forked one fails, this process walks its half."""
    import saga_lint.cache as cache_mod

    (catalog / ".hidden").mkdir()
    (catalog / ".hidden" / "x.mdx").write_text("not walked")
    (catalog / "domains" / "link.json").symlink_to(tmp_path / "nowhere.json")
    cache = cache_mod.CheckCache.open(catalog, str(tmp_path / "cache"))
    assert cache is not None
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 10**9)
    alone = cache._folder_lines()
    index = json.loads(cache.index_file.read_text())["folders"]
    assert ".hidden" not in index and "domains" in index and "" in index and len(alone) == len(index)
    assert index["domains"].split("\0")[6] == "link.json"  # the links field: the name, never the target
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 0)
    assert cache._folder_lines() == alone
    from saga_lint import forked

    real = forked.Child.result
    monkeypatch.setattr(forked.Child, "result", lambda child: real(child) and None)
    assert cache._folder_lines() == alone
    # the forked process finds other folders near the root than this one (a folder added between
    # the two listings): its half is not used, this process walks its own idea of it
    monkeypatch.setattr(forked.Child, "result", real)
    parent, real_halves = os.getpid(), cache_mod._halves

    def halves(root, near_root):
        theirs, mine = real_halves(root, near_root)
        return (theirs[1:] if os.getpid() != parent else theirs), mine

    monkeypatch.setattr(cache_mod, "_halves", halves)
    assert cache._folder_lines() == alone
    # an index given to both processes as the same bytes: a warm shared walk reuses every record
    monkeypatch.setattr(cache_mod, "_halves", real_halves)
    assert cache._folder_lines() == alone


def test_select_ignore_and_baseline_with_the_cache_give_the_cold_output(tmp_path):
    """--select/--ignore narrow the effective config, so they are part of the key; the baseline is
    applied after the cache: each run from the cache prints what a cold run prints."""
    cat = tmp_path / "cat"
    shutil.copytree(ROOT / "catalog-examples" / "broken-checkout", cat)
    cache = tmp_path / "cache"
    for extra in ([], ["--select", "saga/*"], ["--ignore", "saga/*"], ["--select", "saga/*"]):
        assert _check(cat, cache, "-f", "json", *extra).stdout == _check(cat, None, "-f", "json", *extra).stdout, extra
    baseline = tmp_path / "baseline.json"
    _run("check", cat, "--cache-dir", cache, "--write-baseline", baseline)
    warm = _run("check", cat, "--cache-dir", cache, "--baseline", baseline, "-f", "json")
    cold = _run("check", cat, "--no-cache", "--baseline", baseline, "-f", "json")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (0, cold.stdout)


@pytest.mark.parametrize("edit", ["new file", "removed file", "renamed folder", "file became a folder"])
def test_a_listing_from_the_index_still_sees_entries_added_and_removed(catalog, tmp_path, edit):
    """A folder's listing comes from the index when the folder is unchanged since (#17): adding,
    removing or renaming an entry changes the folder's modification time, so the next run lists it
    again and the result is the cold one."""
    import time

    from saga_lint.cache import RACY_NS

    cache = tmp_path / "cache"
    time.sleep(RACY_NS / 1e9 + 0.2)  # every folder older than the racy window of the index below
    _check(catalog, cache)
    index = json.loads(next(cache.glob("files-*.json")).read_text())["folders"]
    assert "teams" in index and index["teams"].startswith("d")
    assert not _ran_pipeline(_check(catalog, cache, timings=True))  # listings reused: a hit
    teams = catalog / "teams"
    if edit == "new file":
        (teams / "extra.mdx").write_text("---\nid: extra\nname: Extra\n---\n")
    elif edit == "removed file":
        _pages(catalog, "users/*.mdx")[0].unlink()
    elif edit == "renamed folder":
        svc = _pages(catalog, "domains/*/systems/*/services/*/index.mdx")[0].parent
        svc.rename(svc.with_name(svc.name + "Renamed"))
    else:
        page = sorted(teams.glob("*.mdx"))[0]
        page.unlink()
        page.mkdir()
        (page / "index.mdx").write_text("---\nid: folded\nname: Folded\n---\n")
    warm = _check(catalog, cache, "-f", "json", timings=True)
    cold = _check(catalog, None, "-f", "json")
    assert _ran_pipeline(warm)
    assert warm.stdout == cold.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_catalog_does_not_hang_the_cached_check(catalog, tmp_path):
    """The loader never blocks on a FIFO named like a page (``fileio.read_capped``); the cache's
    key must not either: a blocking open of the FIFO waited forever for a writer."""
    os.mkfifo(catalog / "teams" / "pipe.mdx")
    os.mkfifo(catalog / "notes.json")
    cold = _check(catalog, None, "-f", "json")
    cache = tmp_path / "cache"
    for _ in range(2):  # cold into the cache, then from the index
        e = {k: v for k, v in os.environ.items() if k not in ("SAGA_LINT_CACHE_DIR", "SAGA_LINT_NO_CACHE")}
        proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(catalog), "--cache-dir", str(cache),
                               "-f", "json"], capture_output=True, text=True, env=e, timeout=60)
        assert proc.stdout == cold.stdout, proc.stderr


def test_a_warm_walk_of_a_large_catalog_leaves_the_index_as_it_is(catalog, tmp_path, monkeypatch):
    """The folders the shared walk of a large catalog lists near the root are recorded in the
    index like the others (#17): an unchanged catalog's walk does not write the index again."""
    import time

    import saga_lint.cache as cache_mod

    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 0)  # the shared walk, whatever the size
    cache = cache_mod.CheckCache.open(catalog, str(tmp_path / "cache"))
    assert cache is not None
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)  # every folder older than the index's racy window
    first = cache._folder_lines()
    written = cache.index_file.stat().st_mtime_ns
    index = json.loads(cache.index_file.read_text())["folders"]
    assert "" in index and "domains" in index  # the root and the folders near it, too
    time.sleep(0.05)
    assert cache._folder_lines() == first
    assert cache.index_file.stat().st_mtime_ns == written


def test_a_folder_listed_again_reads_only_its_new_and_changed_files(catalog, tmp_path, monkeypatch):
    """A folder whose entries changed is listed again, but its files that did not change keep the
    digests its index record holds (#17): one new page in a folder of many reads one file."""
    import time

    import saga_lint.cache as cache_mod

    cache = cache_mod.CheckCache.open(catalog, str(tmp_path / "cache"))
    assert cache is not None
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)  # every file older than the index's racy window
    first = cache._folder_lines()
    read: list[str] = []
    real = cache_mod._content_digest
    monkeypatch.setattr(cache_mod, "_content_digest", lambda path: read.append(path) or real(path))
    assert cache._folder_lines() == first and read == []
    teams = catalog / "teams"
    (teams / "other.mdx").write_text("---\nid: other\nname: Other\n---\n")
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)
    first = cache._folder_lines()
    read.clear()
    (teams / "extra.mdx").write_text("---\nid: extra\nname: Extra\n---\n")
    second = cache._folder_lines()
    assert [Path(p).name for p in read] == ["extra.mdx"] and second != first
    (teams / "extra.mdx").unlink()
    read.clear()
    assert cache._folder_lines() == first and read == []  # the record of teams/ again as it was


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_the_shared_walk_keeps_each_half_in_its_own_part_of_the_index(catalog, tmp_path, monkeypatch):
    """With the walk shared, each process parses and writes only its part of the index (#17:
    half the parsing each); the first shared walk after one process wrote every record finds
    the forked half's records in the other part, so it reads no file; the key is the same."""
    import time

    import saga_lint.cache as cache_mod

    cache = cache_mod.CheckCache.open(catalog, str(tmp_path / "cache"))
    assert cache is not None
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 10**9)  # one process
    time.sleep(cache_mod.RACY_NS / 1e9 + 0.2)  # every file older than the index's racy window
    alone = cache._folder_lines()
    every = set(json.loads(cache.index_file.read_text())["folders"])
    assert not cache.fork_index_file.exists()
    log = tmp_path / "read.log"  # the forked process's reads, too
    real = cache_mod._content_digest

    def logged(path: str) -> str:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(path + "\n")
        return real(path)

    monkeypatch.setattr(cache_mod, "_content_digest", logged)
    monkeypatch.setattr(cache_mod, "PARALLEL_FROM", 0)  # shared, whatever the size
    assert cache._folder_lines() == alone
    assert not log.exists(), log.read_text()
    own = set(json.loads(cache.index_file.read_text())["folders"])
    forked = set(json.loads(cache.fork_index_file.read_text())["folders"])
    assert own | forked == every and "" in own & forked  # the folders near the root are in both
    assert own - forked and forked - own  # and each half in its own part only
    written = (cache.index_file.stat().st_mtime_ns, cache.fork_index_file.stat().st_mtime_ns)
    time.sleep(0.05)
    assert cache._folder_lines() == alone and not log.exists()
    assert (cache.index_file.stat().st_mtime_ns, cache.fork_index_file.stat().st_mtime_ns) == written
    cache.fork_index_file.write_text("garbage")  # a damaged part: its records are read again, the key the same
    assert cache._folder_lines() == alone and log.exists()
    assert set(json.loads(cache.fork_index_file.read_text())["folders"]) == forked


def test_a_cache_restored_into_a_fresh_checkout_elsewhere_answers(catalog, tmp_path):
    """What CI's actions/cache does (action.yml, the example workflow): the catalog's own cache
    folder, made by a run in one checkout, restored into another checkout of the same files at
    another path with other timestamps. The walk reads every file again (no signature matches),
    the key is the same, and the result is the cold run's; an edited page is still a miss."""
    first = _check(catalog, None, "-f", "json")
    assert _ran_pipeline(_check(catalog, catalog / ".saga-lint-cache", "-f", "json", timings=True))
    clone = tmp_path / "elsewhere" / "cat"
    shutil.copytree(catalog, clone)
    for path in clone.rglob("*"):
        if ".saga-lint-cache" not in path.parts:
            os.utime(path, (1_000_000_000, 1_000_000_000))
    restored = _check(clone, clone / ".saga-lint-cache", "-f", "json", timings=True)
    assert not _ran_pipeline(restored)
    assert restored.stdout == first.stdout.replace(str(catalog), str(clone))
    page = next(clone.glob("domains/*/systems/*/services/*/index.mdx"))
    page.write_text(page.read_text().replace("version:", "version: 9.9.9\nx-was:", 1))
    edited = _check(clone, clone / ".saga-lint-cache", "-f", "json", timings=True)
    assert _ran_pipeline(edited) and edited.stdout == _check(clone, None, "-f", "json").stdout


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_cache_committed_with_the_catalog_is_never_read(tmp_path):
    """The catalog is untrusted (docs/security.md): a change that commits a cache folder holding a
    forged entry (no findings, under the key of its own content) must not pass. Such a folder is
    not read, the check runs and says so on stderr; once out of git, the cache works again."""
    cat = tmp_path / "repo" / "cat"
    shutil.copytree(ROOT / "catalog-examples" / "broken-checkout", cat)
    cold = _check(cat, None, "-f", "json")
    assert json.loads(cold.stdout)["findings"]
    assert _ran_pipeline(_check(cat, cat / ".saga-lint-cache", "-f", "json", timings=True))
    (entry,) = (cat / ".saga-lint-cache").glob("check-*.json")
    stored = json.loads(entry.read_text())
    stored["findings"] = []  # the forgery: the same key, nothing found
    entry.write_text(json.dumps(stored))
    forged = _check(cat, cat / ".saga-lint-cache", "-f", "json", timings=True)
    assert not _ran_pipeline(forged) and not json.loads(forged.stdout)["findings"]  # what a forged entry does if read
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", "-A")
    _git(tmp_path / "repo", "add", "-f", "cat/.saga-lint-cache")  # its .gitignore says "*": forced in
    _git(tmp_path / "repo", "commit", "-q", "-m", "a change with its own cache")
    committed = _check(cat, cat / ".saga-lint-cache", "-f", "json", timings=True)
    assert _ran_pipeline(committed) and committed.stdout == cold.stdout
    assert "committed to git" in committed.stderr
    assert entry.read_text() == json.dumps(stored)  # not written to: its files are the change's
    _git(tmp_path / "repo", "rm", "-r", "-q", "--cached", "cat/.saga-lint-cache")
    shutil.rmtree(cat / ".saga-lint-cache")  # as in a fresh checkout of the next commit
    again = _check(cat, cat / ".saga-lint-cache", "-f", "json", timings=True)
    assert "committed to git" not in again.stderr and again.stdout == cold.stdout and _ran_pipeline(again)
    assert not _ran_pipeline(_check(cat, cat / ".saga-lint-cache", "-f", "json", timings=True))  # and stored



def test_a_fresh_install_of_the_same_code_keeps_the_key(catalog, tmp_path):
    """CI installs saga-lint afresh in every job (pip gives each file the install's time): the
    code's signature is its files' content, so a cache restored there answers; a changed module
    is a miss."""
    import saga_lint
    from saga_lint.config import rulesets_dir

    package = Path(saga_lint.__file__).resolve().parent
    cache = tmp_path / "cache"
    outputs = []
    for copy, edit in (("a", False), ("b", False), ("c", True)):
        src = tmp_path / copy / "src"
        shutil.copytree(package, src / "saga_lint", ignore=shutil.ignore_patterns("__pycache__"))
        if not (src / "saga_lint" / "rulesets").is_dir():  # a source checkout: its rulesets beside src/
            shutil.copytree(rulesets_dir(), tmp_path / copy / "rules")
        if edit:
            words = src / "saga_lint" / "words.py"
            words.write_text(words.read_text() + "\n# an edit\n")
        for path in src.rglob("*"):
            os.utime(path, ns=(10**18 + len(copy), 10**18 + len(copy)))
        env = {"PYTHONPATH": str(src), "SAGA_LINT_TIMINGS": "1"}
        proc = _run("check", catalog, "--cache-dir", cache, "-f", "json", env=env)
        assert proc.returncode in (0, 1), proc.stderr
        outputs.append((_ran_pipeline(proc), proc.stdout))
    assert [ran for ran, _ in outputs] == [True, False, True]
    assert len({out for _, out in outputs}) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_cache_git_cannot_vouch_for_is_not_read(tmp_path):
    """Fail closed: a cache folder inside a git repository is read only when git says none of its
    files is committed. Where git cannot be asked (not on PATH, "dubious ownership", an error), a
    forged entry committed with the change must not pass either; outside any repository, a cache
    is used as before."""
    from saga_lint.cache import untrusted

    cat = tmp_path / "repo" / "cat"
    shutil.copytree(ROOT / "catalog-examples" / "broken-checkout", cat)
    cold = _check(cat, None, "-f", "json")
    _check(cat, cat / ".saga-lint-cache", "-f", "json")
    assert untrusted(cat / ".saga-lint-cache") is None  # no repository around it
    (entry,) = (cat / ".saga-lint-cache").glob("check-*.json")
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "findings": []}))
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", "-A")
    _git(tmp_path / "repo", "add", "-f", "cat/.saga-lint-cache")
    _git(tmp_path / "repo", "commit", "-q", "-m", "a forged cache")
    no_git = _run("check", cat, "--cache-dir", cat / ".saga-lint-cache", "-f", "json",
                  env={"PATH": str(tmp_path / "empty"), "SAGA_LINT_TIMINGS": "1"})
    assert _ran_pipeline(no_git) and no_git.stdout == cold.stdout and "could not be asked" in no_git.stderr
    # a committed folder under another case names the same folder on a case-insensitive file system
    _git(tmp_path / "repo", "mv", "cat/.saga-lint-cache", "cat/.Saga-Lint-Cache")
    _git(tmp_path / "repo", "commit", "-q", "-m", "the forged cache under another case")
    (cat / ".saga-lint-cache").mkdir()
    assert untrusted(cat / ".saga-lint-cache") == "it holds files committed to git"
    (tmp_path / "other").mkdir()
    assert untrusted(tmp_path / "other") is None
