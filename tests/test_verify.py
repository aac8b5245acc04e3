"""saga-lint verify / run: the reference orchestrator on SQLite and PostgreSQL.

PostgreSQL tests read SAGA_LINT_TEST_PG (e.g. postgresql://saga:saga@127.0.0.1:5432/saga, set by
.ci/run when .ci/system-deps started a server) and skip with the reason when it is unset or the
server cannot be reached.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil

import pytest
from conftest import OUR_CATALOG, missing_tool, run_cli

FLOW_PAGE = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
PG_ENV = "SAGA_LINT_TEST_PG"


_PG_SCHEMA: dict = {}


def pg_url_or_skip() -> str:
    """The test server's URL, bound to a fresh schema for this test session (dropped at exit), so
    that tables left by older runs or other sessions never matter."""
    if "url" in _PG_SCHEMA:
        return _PG_SCHEMA["url"]
    if "skip" in _PG_SCHEMA:
        pytest.skip(_PG_SCHEMA["skip"])
    url = _base_pg_url()
    import atexit
    import uuid
    from urllib.parse import quote

    from saga_lint.orchestrator.store import Store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with Store(url, create=False) as s:
        s.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    _PG_SCHEMA["url"] = f"{url}{sep}options={quote(f'-c search_path={schema}')}"

    def drop():
        try:
            with Store(url, create=False) as s:
                s.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        except Exception:  # noqa: BLE001 - best effort at exit
            pass

    atexit.register(drop)
    return _PG_SCHEMA["url"]


def _base_pg_url() -> str:
    try:
        return _probe_pg()
    except pytest.skip.Exception as exc:
        _PG_SCHEMA["skip"] = str(exc.msg)
        raise


def _probe_pg() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        missing_tool(f"{PG_ENV} is not set: no PostgreSQL server to test against (.ci/system-deps starts one)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing_tool("psycopg is not installed (pip install 'saga-lint[postgres]')")
    from saga_lint.orchestrator.store import Store, StoreError

    try:
        Store(url).close()
    except StoreError as exc:
        missing_tool(f"PostgreSQL at {PG_ENV} is unreachable: {exc}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    if request.param == "sqlite":
        return "sqlite://"
    return pg_url_or_skip()


@pytest.fixture
def store(db_url):
    from saga_lint.orchestrator.store import Store

    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def checkout():
    from saga_lint.pipeline import run_check

    sagas = {s.id: s for s in run_check(OUR_CATALOG).sagas}
    return sagas["checkout-saga"]


def verify(store, saga, **kw):
    from saga_lint.orchestrator.verify import verify_saga

    return verify_saga(store, saga, **kw)


def invariants_of(report) -> set:
    return {v["invariant"] for v in report.violations}


def copy_catalog(tmp_path, edit) -> str:
    dst = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, dst)
    page = dst / FLOW_PAGE
    text = page.read_text(encoding="utf-8")
    new = edit(text)
    assert new != text, "the mutation did not apply"
    page.write_text(new, encoding="utf-8")
    return str(dst)


# --- our catalog passes every scenario ----------------------------------------------------------


def test_our_checkout_saga_passes_every_scenario(store, checkout):
    report = verify(store, checkout)
    assert report.violations == []
    assert report.scenarios > 30
    # crash points and duplicate deliveries are in the count: well beyond the 26 base scenarios
    from saga_lint.orchestrator.scenarios import base_scenarios

    assert report.scenarios > 3 * len(base_scenarios(checkout))


def test_cli_verify_json_our_catalog():
    proc = run_cli("verify", OUR_CATALOG, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    flow, choreography = data["flows"]
    assert flow["flow"] == "checkout-saga" and flow["violations"] == [] and flow["scenarios"] > 30
    assert flow["verified"] is True and flow["not_verified"] is None and flow["coordination"] == "orchestration"
    # the choreography runs on the choreography engine (tests/test_verify_choreography.py): every scenario
    assert choreography == {
        "flow": "order-fulfilment", "structured": True, "coordination": "choreography", "verified": True,
        "not_verified": None, "scenarios": 144, "violations": [], "notes": [],
        "scenario_kinds": {"all steps succeed": 1, "business failure event": 2, "delivery lost then redelivered": 8,
                           "trigger dead-lettered": 2, "trigger delivered twice": 2, "compensation event lost": 2,
                           "compensation dead-lettered": 2, "trigger redelivered after the compensation": 1,
                           "consumer crash before commit": 42, "consumer crash after commit": 42,
                           "every delivery duplicated": 20, "status events reordered": 20},
    }
    assert sum(flow["scenario_kinds"].values()) == flow["scenarios"] and flow["scenario_kinds"]["orchestrator crash"] > 400


def test_cli_verify_text_our_catalog():
    proc = run_cli("verify", OUR_CATALOG, "--max-scenarios", "60", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"checkout-saga \(x-saga\): (\d+) scenarios, all invariants hold", proc.stdout)
    assert m and int(m.group(1)) == 60
    assert "sampled" in proc.stdout
    assert ("order-fulfilment (x-saga; choreography: participants as event consumers): 60 scenarios, "
            "all invariants hold\n") in proc.stdout
    assert "note: sampled 40 of 124 crash/duplicate/reordering variants (seed 3)" in proc.stdout
    assert proc.stdout.endswith("2 flows, 120 scenarios, 0 violations\n")


def test_every_invariant_has_one_documented_check():
    """Each invariant is checked by one function whose docstring says what it guarantees and why."""
    from saga_lint.orchestrator.invariants import CHECKS, CHOREOGRAPHY_CHECKS, INVARIANTS

    assert set(CHECKS) | set(CHOREOGRAPHY_CHECKS) == set(INVARIANTS)
    for name, invariant in (CHECKS | CHOREOGRAPHY_CHECKS).items():
        assert invariant.__doc__ and len(invariant.__doc__.split()) >= 20, name


def test_sampling_is_seeded(checkout):
    from saga_lint.orchestrator.scenarios import base_scenarios, sample, with_variants

    bases = base_scenarios(checkout)
    variants = with_variants(bases, {b: 12 for b in bases})
    a, b, c = sample(variants, 40, 1), sample(variants, 40, 1), sample(variants, 40, 2)
    assert a == b and a != c and len(a) == 40
    assert sample(variants, 10_000, 1) == variants


# --- the scenarios behave as the catalog says -----------------------------------------------------


def run_one(store, saga, text, **opts):
    import uuid

    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.scenarios import expected, parse
    from saga_lint.orchestrator.verify import run_scenario

    sc = parse(text, saga)
    ref = None
    if sc.crash_after is not None:
        ref = run_scenario(store, saga, sc.base(), f"t-{uuid.uuid4().hex}", **opts).snap
    res = run_scenario(store, saga, sc, f"t-{uuid.uuid4().hex}", **opts)
    return res, check(saga, sc, expected(saga, sc), res.snap, ref)


def test_declined_payment_releases_stock_and_shows_declined(store, checkout):
    res, viol = run_one(store, checkout, "authorize_payment=declined")
    assert viol == []
    snap = res.snap
    assert snap["state"] == "compensated" and snap["status"] == "PAYMENT_DECLINED"
    assert snap["timeline"] == ["PROCESSING", "PAYMENT_DECLINED"]
    assert snap["ops"] == [("do", "reserve_inventory"), ("undo", "reserve_inventory")]
    assert snap["outcomes"] == [] and snap["outbox"] == []


def test_success_writes_one_outcome_and_one_event(store, checkout):
    res, viol = run_one(store, checkout, "ok, duplicates=yes")
    assert viol == []
    assert res.snap["outcomes"] == ["order-created"] and res.snap["outbox"] == ["order-created"]
    assert res.snap["timeline"] == ["PROCESSING", "CONFIRMED"]
    assert any("duplicate reply" in line for line in res.trace)


def test_retries_follow_the_policy_on_a_virtual_clock(store, checkout):
    import time

    t0 = time.monotonic()
    res, viol = run_one(store, checkout, "create_order=transient:4")
    assert viol == [] and res.snap["state"] == "completed"
    sends = [e for e in res.snap["log"] if e["kind"] == "send" and e["step"] == "create_order"]
    assert [e["attempt"] for e in sends] == [1, 2, 3, 4, 5]
    assert [e["detail"]["wait"] for e in sends] == [0, 0.5, 1.0, 2.0, 4.0]
    assert res.snap["clock"] == pytest.approx(4 * 3 + 0.5 + 1 + 2 + 4)
    assert time.monotonic() - t0 < 5  # virtual time: 19.5s of retries without sleeping


def test_timeout_after_effect_is_deduplicated_by_the_participant(store, checkout):
    res, viol = run_one(store, checkout, "authorize_payment=timeout-after-effect")
    assert viol == [] and res.snap["state"] == "completed"
    assert [s for op, s in res.snap["ops"]].count("authorize_payment") == 1


def test_compensation_that_never_succeeds_needs_attention(store, checkout):
    res, viol = run_one(store, checkout, "create_order=exhaust, reserve_inventory.compensation=fail")
    assert viol == []
    assert res.snap["status"] == "NEEDS_ATTENTION" and res.snap["state"] == "compensation-failed"
    assert res.snap["rows"]["reserve_inventory"][1] == "open"  # surfaced, not silent
    assert res.snap["rows"]["authorize_payment"][1] == "closed"


@pytest.mark.parametrize("crash", range(1, 12))
def test_crash_after_each_log_write_converges(store, checkout, crash):
    res, viol = run_one(store, checkout, f"create_order=exhaust, crash={crash}")
    assert viol == [], viol
    assert res.crashed
    assert any("RESTART" in line for line in res.trace)
    assert res.snap["status"] == "FAILED"


def test_scenario_parse_errors(checkout):
    from saga_lint.orchestrator.scenarios import ScenarioError, parse

    assert parse("authorize_payment=declined", checkout).forward == (("authorize_payment", "business:payment-declined"),)
    assert parse("ok", checkout).name == "ok"
    sc = parse("create_order=transient:2; reserve_inventory.compensation=fail, crash=3, duplicates=yes", checkout)
    assert parse(sc.name, checkout) == sc
    for bad in ("nostep=ok", "create_order=declined", "crash=0", "reserve_inventory.compensation=maybe", "x"):
        with pytest.raises(ScenarioError):
            parse(bad, checkout)


def test_store_urls():
    from saga_lint.orchestrator.store import StoreError, parse_url

    assert parse_url("sqlite://") == ("sqlite", ":memory:")
    assert parse_url("sqlite:///a/b.db") == ("sqlite", "a/b.db")
    assert parse_url("sqlite:////tmp/x.db") == ("sqlite", "/tmp/x.db")
    assert parse_url("postgresql://u:p@h/db")[0] == "postgresql"
    with pytest.raises(StoreError):
        parse_url("mysql://x")


def test_sqlite_file_store_keeps_state(tmp_path, checkout):
    from saga_lint.orchestrator.store import Store

    url = f"sqlite:///{tmp_path}/saga.db"
    with Store(url) as s:
        res, viol = run_one(s, checkout, "ok")
        assert viol == []
    with Store(url) as s:
        assert s.one("SELECT COUNT(*) FROM outcome")[0] == 1


# --- mutants are caught with counterexamples ------------------------------------------------------


def test_mutant_without_compensation_is_caught(tmp_path):
    def edit(text):
        # reserve_inventory says it has nothing to undo
        return re.sub(r"      compensation:\n        command: release-inventory\n.*?\n.*?timeout: 3s }\n",
                      "      compensation: none\n", text, count=1, flags=re.S)

    path = copy_catalog(tmp_path, edit)
    proc = run_cli("verify", path, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    flow = json.loads(proc.stdout)["flows"][0]
    by_inv = {}
    for v in flow["violations"]:
        by_inv.setdefault(v["invariant"], []).append(v)
    assert "compensated-once-reverse" in by_inv and "nothing-left-open" in by_inv
    v = by_inv["compensated-once-reverse"][0]
    assert "reserve_inventory acted but was never compensated" in v["message"]
    assert v["scenario"] == "reserve_inventory=timeout-after-effect" or "=" in v["scenario"]
    assert any("cannot compensate reserve_inventory" in line for line in v["trace"])
    # the text format shows the counterexample too
    text = run_cli("verify", path)
    assert text.returncode == 1 and "minimal scenario:" in text.stdout and "nothing-left-open" in text.stdout


def test_mutant_compensation_in_wrong_order_is_caught(store, checkout):
    report = verify(store, checkout, compensation_order="forward", max_scenarios=40)
    wrong = [v for v in report.violations if v["invariant"] == "compensated-once-reverse"]
    assert wrong, report.violations
    v = wrong[0]
    assert "reserve_inventory, authorize_payment" in v["message"]
    assert "reverse order is authorize_payment, reserve_inventory" in v["message"]
    assert v["scenario"] in ("create_order=exhaust", "create_order=timeout-after-effect") or "create_order" in v["scenario"]
    assert any("compensate reserve_inventory" in line for line in v["trace"])


def test_mutant_model_without_compensation_object(store, checkout):
    saga = copy.deepcopy(checkout)
    saga.step("authorize_payment").compensation = None
    report = verify(store, saga, max_scenarios=40)
    assert {"compensated-once-reverse", "nothing-left-open"} <= invariants_of(report)
    msgs = " ".join(v["message"] for v in report.violations)
    assert "authorization made by authorize_payment" in msgs


def test_mutant_pivot_followed_by_failing_step_is_caught(tmp_path):
    def edit(text):
        text = text.replace(
            "    authorize_payment:\n      type: compensatable",
            "    authorize_payment:\n      type: pivot", 1)
        text = re.sub(r"(    authorize_payment:.*?)      compensation:\n        command: void-authorization\n.*?timeout: 3s }\n",
                      r"\1      compensation: none\n      compensationNote: mutant\n", text, count=1, flags=re.S)
        return text.replace("    create_order:\n      type: pivot", "    create_order:\n      type: retriable", 1)

    path = copy_catalog(tmp_path, edit)
    proc = run_cli("verify", path, "--format", "json", "--max-scenarios", "100")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    flow = json.loads(proc.stdout)["flows"][0]
    open_ = [v for v in flow["violations"] if v["invariant"] == "nothing-left-open"]
    assert open_, flow["violations"]
    assert any("authorization made by authorize_payment" in v["message"] for v in open_)
    assert any("after authorize_payment (not compensatable) had acted" in v["message"] for v in open_)
    assert all(v["scenario"].startswith("create_order=") for v in open_)


# --- a retriable step after the pivot whose retries can run out: verify agrees with check ----------


def _confirmation_saga(tmp_path, status: str):
    """Our catalog with send_confirmation, a retriable step after the pivot create_order whose 3
    attempts can run out (tests/test_saga_drawn.py), its technical failures ending in ``status``:
    the catalog, its checkout saga, and saga/retry-policy's messages from ``check``."""
    from test_saga_drawn import FLOW, _confirmation_after_the_pivot, _edited

    from saga_lint.pipeline import run_check

    root = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, root)
    _confirmation_after_the_pivot(root)
    if status != "CONFIRMED":
        _edited(root, FLOW, ("[{ error: timeout, status: CONFIRMED }]", f"[{{ error: timeout, status: {status} }}]"))
    result = run_check(root)
    saga = next(s for s in result.sagas if s.id == "checkout-saga")
    return root, saga, [f.message for f in result.findings if f.rule == "saga/retry-policy"]


def test_exhausted_retries_after_the_pivot_that_reach_a_person_are_escalated(tmp_path):
    """send_confirmation's technical failures end in NEEDS_ATTENTION, the onCompensationFailure
    status (check is clean): when its retries run out the saga is past its pivot, so nothing is
    compensated; the order stays as it is, in NEEDS_ATTENTION for a person to resolve, as for a
    compensation that never succeeds. verify reports that as escalated, not as a violation."""
    from saga_lint.orchestrator.store import Store

    root, saga, retry_policy = _confirmation_saga(tmp_path, "NEEDS_ATTENTION")
    assert retry_policy == []
    store = Store("sqlite://")
    try:
        res, viol = run_one(store, saga, "send_confirmation=exhaust")
        assert viol == []
        snap = res.snap
        assert snap["state"] == "escalated" and snap["status"] == "NEEDS_ATTENTION"
        assert snap["timeline"] == ["PROCESSING", "NEEDS_ATTENTION"]
        assert snap["ops"] == [("do", "reserve_inventory"), ("do", "authorize_payment"), ("do", "create_order")]
        assert {s: st for s, (_kind, st, _p) in snap["rows"].items()} == {
            "reserve_inventory": "open", "authorize_payment": "open", "create_order": "open"}
        assert snap["outcomes"] == [] and snap["outbox"] == []
        assert res.trace[-1].endswith("end escalated, status NEEDS_ATTENTION (send_confirmation ran out of retries "
                                      "after the pivot create_order: nothing is compensated, a person resolves it)")
        res, viol = run_one(store, saga, "send_confirmation=exhaust, crash=9")
        assert viol == [] and res.crashed and res.snap["state"] == "escalated"
    finally:
        store.close()
    proc = run_cli("verify", root, "--flow", "checkout-saga", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    assert flow["violations"] == []
    escalated = [n for n in flow["notes"] if n.startswith("escalated")]
    assert len(escalated) == 1 and escalated[0].startswith(
        "escalated, not a violation: send_confirmation=exhaust ends in NEEDS_ATTENTION (onCompensationFailure): "
        "send_confirmation ran out of retries after the pivot create_order, so nothing is compensated and a person "
        "resolves the order (and "), escalated
    # past the pivot there is nothing to undo, so no compensation fault is run on that path
    from saga_lint.orchestrator.scenarios import base_scenarios

    assert [sc.name for sc in base_scenarios(saga) if sc.name.startswith("send_confirmation=exhaust")] == [
        "send_confirmation=exhaust"]


def test_mutant_orchestrator_that_compensates_past_the_pivot_is_caught(tmp_path, monkeypatch):
    """An orchestrator that does not escalate what the catalog escalates (it compensates the steps
    before the pivot, leaving an order without its payment): caught on the store's data."""
    from saga_lint.orchestrator import engine as engine_mod
    from saga_lint.orchestrator.store import Store

    _root, saga, _ = _confirmation_saga(tmp_path, "NEEDS_ATTENTION")
    monkeypatch.setattr(engine_mod, "escalated", lambda *_args: None)
    store = Store("sqlite://")
    try:
        res, viol = run_one(store, saga, "send_confirmation=exhaust")
    finally:
        store.close()
    assert res.snap["state"] == "compensated"
    assert [(v.invariant, v.message) for v in viol] == [
        ("compensated-once-reverse", "authorize_payment was compensated although send_confirmation failed after the pivot "
         "(escalated: nothing is undone)"),
        ("compensated-once-reverse", "reserve_inventory was compensated although send_confirmation failed after the pivot "
         "(escalated: nothing is undone)"),
        ("nothing-left-open", "send_confirmation failed after create_order (not compensatable) had acted: the catalog "
         "escalates its exhausted retries to a person (NEEDS_ATTENTION): nothing may be undone past the pivot and the "
         "saga must end escalated"),
        ("nothing-left-open", "the saga ended compensated (NEEDS_ATTENTION) with the order made by create_order at "
         "order-service still open")]


def test_exhausted_retries_after_the_pivot_that_reach_no_one_are_a_violation_with_checks_fix(tmp_path):
    """The same step whose technical failures end in CONFIRMED: check reports it at maxAttempts, and
    verify's counterexample (send_confirmation=exhaust) says what is wrong and gives check's fix."""
    root, _saga, retry_policy = _confirmation_saga(tmp_path, "CONFIRMED")
    (check_message,) = retry_policy
    fix = check_message[check_message.index("Give its technical failures"):]
    proc = run_cli("verify", root, "--flow", "checkout-saga", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    assert not [n for n in flow["notes"] if n.startswith("escalated")]
    after_pivot = [v for v in flow["violations"] if "after the pivot" in v["message"]]
    assert [(v["invariant"], v["scenario"], v["message"]) for v in after_pivot] == [(
        "nothing-left-open", "send_confirmation=exhaust",
        "send_confirmation failed after create_order (not compensatable) had acted: it comes after the pivot "
        "create_order, so it must be retried until it succeeds, but its 3 attempts (retry.maxAttempts) ran out, the "
        "saga can neither finish nor undo create_order, and the status CONFIRMED of its technical failures reaches no "
        "one. " + fix)]
    assert fix == ("Give its technical failures the status onCompensationFailure declares (NEEDS_ATTENTION), which must "
                   "reach a person, as for a compensation that never succeeds.")


def test_mutant_undeclared_compensation_failure_status(store, checkout):
    saga = copy.deepcopy(checkout)
    saga.on_compensation_failure = None
    report = verify(store, saga, max_scenarios=40)
    v = [x for x in report.violations if x["invariant"] == "compensation-failure-surfaced"]
    assert v and "never succeeded" in v[0]["message"] and ".compensation=fail" in v[0]["scenario"]


def test_mutant_wrong_status_vocabulary(store, checkout):
    saga = copy.deepcopy(checkout)
    saga.step("reserve_inventory").failures[0].status = "SOLD_OUT"
    report = verify(store, saga, max_scenarios=40)
    v = [x for x in report.violations if x["invariant"] == "declared-status"]
    assert v and "SOLD_OUT is not in the declared status vocabulary" in v[0]["message"]
    assert v[0]["scenario"] == "reserve_inventory=inventory-unavailable"


def test_mutant_deadline_too_short(store, checkout):
    saga = copy.deepcopy(checkout)
    saga.deadline = 10.0
    report = verify(store, saga, max_scenarios=40)
    assert "deadline" in invariants_of(report)


def test_mutant_orchestrator_that_forgets_its_log_is_caught(store, checkout, monkeypatch):
    """An orchestrator that restarts from scratch (ignoring its log) re-runs the steps after a
    crash: crash-convergence catches it."""
    from saga_lint.orchestrator import engine as engine_mod

    real_load = engine_mod.Engine.load

    def amnesiac(self, saga_id):
        st = real_load(self, saga_id)
        if st.seq and not st.ended:
            fresh = engine_mod.State()
            fresh.seq, fresh.clock, fresh.seen = st.seq, st.clock, st.seen
            return fresh
        return st

    monkeypatch.setattr(engine_mod.Engine, "load", amnesiac)
    res, viol = run_one(store, checkout, "authorize_payment=declined, crash=6")
    assert "crash-convergence" in {v.invariant for v in viol}


# --- plain EventCatalog flows: the corpus -------------------------------------------------------


def test_corpus_checkout_saga_yields_counterexamples(corpus):
    proc = run_cli("verify", corpus, "--flow", "checkout-saga", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    assert flow["flow"] == "checkout-saga" and flow["structured"] is False
    invs = {v["invariant"] for v in flow["violations"]}
    assert {"terminates", "compensated-once-reverse", "declared-status"} <= invs
    undefined = [v for v in flow["violations"] if v["invariant"] == "terminates"]
    assert any("create_order" in v["message"] and "no failure path" in v["message"] and "remain open" in v["message"]
               for v in undefined)
    for v in flow["violations"]:
        assert v["scenario"] and v["trace"] and v["trace"][0].startswith("scenario:")


def test_cli_run_prints_trace_and_timeline():
    proc = run_cli("run", "checkout-saga", OUR_CATALOG, "--scenario", "authorize_payment=declined, crash=5")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "CRASH after log write 5" in out and "RESTART" in out
    assert "status timeline: PROCESSING -> PAYMENT_DECLINED" in out
    assert "all invariants hold" in out
    js = run_cli("run", "checkout-saga", OUR_CATALOG, "--scenario", "create_order=exhaust", "--format", "json")
    data = json.loads(js.stdout)
    assert data["status"] == "FAILED" and data["timeline"] == ["PROCESSING", "FAILED"] and data["violations"] == []


def test_cli_errors_exit_2():
    assert run_cli("run", "nope", OUR_CATALOG).returncode == 2
    bad = run_cli("run", "checkout-saga", OUR_CATALOG, "--scenario", "create_order=declined")
    assert bad.returncode == 2 and "business failures" in bad.stderr
    assert run_cli("verify", OUR_CATALOG, "--db", "mysql://x").returncode == 2
    assert run_cli("verify", OUR_CATALOG, "--flow", "nope").returncode == 2


def test_cli_verify_escapes_catalog_text(tmp_path):
    def edit(text):
        return text.replace("id: checkout-saga\n", "id: \"checkout-\\u001b[31msaga\"\n", 1)

    path = copy_catalog(tmp_path, edit)
    proc = run_cli("verify", path, "--max-scenarios", "30")
    assert "\x1b" not in proc.stdout


# --- real processes on PostgreSQL: SIGKILL at random points; 4 workers with SKIP LOCKED ---------


def _worker(url, prefix, *extra):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "saga_lint.orchestrator.worker", "--db", url, "--catalog", str(OUR_CATALOG),
         "--flow", "checkout-saga", "--prefix", prefix, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _queued(store, prefix) -> int:
    return store.one("SELECT COUNT(*) FROM saga_queue WHERE saga_id LIKE ?", (prefix + "%",))[0]


def _running(store, prefix) -> int:
    return store.one("SELECT COUNT(*) FROM saga_instance WHERE saga_id LIKE ? AND state = 'running'", (prefix + "%",))[0]


def test_sigkill_crash_test_200_sagas_on_postgresql(checkout):
    import random
    import signal
    import time
    import uuid

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.worker import check_all, enqueue

    url = pg_url_or_skip()
    store = Store(url)
    prefix = f"k{uuid.uuid4().hex[:8]}-"
    enqueue(store, checkout, 200, prefix, seed=7)
    rng = random.Random(11)
    kills = 0
    interrupted = 0  # kills that left a saga half-done (running, with log entries)
    for _ in range(40):
        if _queued(store, prefix) == 0:
            break
        proc = _worker(url, prefix)
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.05, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            interrupted += store.one(
                "SELECT COUNT(*) FROM saga_instance i WHERE i.saga_id LIKE ? AND i.state = 'running' "
                "AND EXISTS (SELECT 1 FROM saga_log l WHERE l.saga_id = i.saga_id)", (prefix + "%",))[0]
        else:
            proc.wait()
        if kills >= 6:
            break
    final = _worker(url, prefix)  # the restarted orchestrator finishes everything from the logs
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    assert kills >= 3
    assert interrupted >= 1, "no kill landed in the middle of a saga"
    assert _queued(store, prefix) == 0 and _running(store, prefix) == 0
    problems = check_all(store, checkout, prefix)
    assert problems == [], problems[:5]
    assert store.one("SELECT COUNT(*) FROM saga_instance WHERE saga_id LIKE ?", (prefix + "%",))[0] == 200
    store.close()


def test_four_workers_skip_locked_over_1000_sagas_on_postgresql(checkout):
    import uuid

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.worker import check_all, enqueue

    url = pg_url_or_skip()
    store = Store(url)
    prefix = f"w{uuid.uuid4().hex[:8]}-"
    enqueue(store, checkout, 1000, prefix, seed=3)
    procs = [_worker(url, prefix) for _ in range(4)]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
        done.append(json.loads(out.strip().splitlines()[-1])["done"])
    assert sum(done) == 1000 and all(d > 0 for d in done), done  # every saga claimed once, work shared
    assert _queued(store, prefix) == 0 and _running(store, prefix) == 0
    dup = store.one(
        "SELECT COUNT(*) FROM (SELECT saga_id FROM outcome WHERE saga_id LIKE ? GROUP BY saga_id HAVING COUNT(*) > 1) d",
        (prefix + "%",))[0]
    assert dup == 0
    problems = check_all(store, checkout, prefix)  # no lost compensation, one outcome, statuses...
    assert problems == [], problems[:5]
    store.close()


def test_check_all_catches_a_wrong_worker(checkout, tmp_path):
    """The same harness catches an orchestrator process that compensates in the wrong order."""
    import io

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.worker import check_all, enqueue, work

    url = f"sqlite:///{tmp_path}/worker.db"
    with Store(url) as store:
        enqueue(store, checkout, 60, "m-", seed=5)
        out = io.StringIO()
        assert work(url, checkout, "m-", "forward", out=out) == 60
        assert out.getvalue().splitlines() == ["ready", '{"done": 60}']
        problems = check_all(store, checkout, "m-")
        assert any(p["invariant"] == "compensated-once-reverse" for p in problems)
        # and the correct orchestrator passes the same harness
        enqueue(store, checkout, 60, "r-", seed=5)
        assert work(url, checkout, "r-", out=io.StringIO()) == 60
        assert check_all(store, checkout, "r-") == []


# --- bad input never crashes ---------------------------------------------------------------------

def _replace_first(*pairs):
    """An edit of the flow page: each (old, new) pair replaced once, in order."""

    def edit(text):
        for old, new in pairs:
            text = text.replace(old, new, 1)
        return text

    return edit


ODD_EDITS = {
    "bad-retry-values": _replace_first(
        ("retry: { maxAttempts: 3, initialInterval: 200ms", 'retry: { maxAttempts: "three", initialInterval: soon, timeout: -4')),
    "huge-max-attempts": _replace_first((
        "retry: { maxAttempts: 5, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 4s, timeout: 3s }\n"
        "      compensation: none",
        "retry: { maxAttempts: 100000, initialInterval: 1ms, backoffCoefficient: 0.5, maxInterval: 4s, timeout: 0 }\n"
        "      compensation: none")),
    "odd-failures": _replace_first(("        - { event: payment-declined, status: PAYMENT_DECLINED }",
                                    "        - { event: null }\n        - 5\n        - { error: 7, status: [1] }")),
    "odd-statuses": _replace_first(("  onSuccess: { status: CONFIRMED }", "  onSuccess: 5\n  statuses: [1, 2]"),
                                   ("  statuses:\n    PROCESSING", "  statusesX:\n    PROCESSING")),
    "odd-compensation": _replace_first(("        command: void-authorization", "        command: { id: [1] }")),
    "odd-step-type": _replace_first(("      type: pivot", "      type: banana")),
    "steps-not-a-map": lambda t: re.sub(r"  steps:\n    reserve_inventory:.*?\n---", "  steps: [1, 2]\n---", t,
                                        count=1, flags=re.S),
    "outcome-a-string": _replace_first(
        ("  outcome:\n    container: order-database\n    event: order-created", "  outcome: order-database")),
}


@pytest.mark.parametrize("name", sorted(set(ODD_EDITS) - {"huge-max-attempts"}))
def test_odd_x_saga_values_never_crash(tmp_path, name):
    path = copy_catalog(tmp_path, ODD_EDITS[name])
    proc = run_cli("verify", path, "--format", "json", "--max-scenarios", "40")
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert all(isinstance(f["scenarios"], int) for f in data["flows"])


def test_huge_max_attempts_is_capped_with_a_note(tmp_path):
    path = copy_catalog(tmp_path, ODD_EDITS["huge-max-attempts"])
    proc = run_cli("verify", path, "--format", "json", "--max-scenarios", "40")
    assert proc.returncode in (0, 1), proc.stderr
    flow = json.loads(proc.stdout)["flows"][0]
    assert any("maxAttempts 100000 is run as 100 attempts" in n for n in flow["notes"])


def test_pg_tests_run_in_their_own_schema():
    url = pg_url_or_skip()
    from saga_lint.orchestrator.store import Store

    with Store(url) as s:
        assert s.one("SELECT current_schema()")[0].startswith("t_")
        assert s.one("SELECT COUNT(*) FROM information_schema.tables "
                     "WHERE table_schema = current_schema() AND table_name = 'saga_log'")[0] == 1


# --- restart and the participant interface ----------------------------------------------------------


def test_restarted_orchestrator_resumes_every_unfinished_saga(store, checkout):
    import uuid

    from saga_lint.orchestrator.engine import Crash, Engine
    from saga_lint.orchestrator.invariants import snapshot
    from saga_lint.orchestrator.scenarios import parse

    ids = []
    for i, text in enumerate(["ok", "authorize_payment=declined", "create_order=exhaust"]):
        sid = f"r-{uuid.uuid4().hex}"
        eng = Engine(store, checkout, crash_after=3 + i)
        with pytest.raises(Crash):
            eng.start_and_run(sid, parse(text, checkout))
        ids.append(sid)
    assert all(snapshot(store, sid)["state"] == "running" for sid in ids)
    resumed = Engine(store, checkout).resume_all()
    assert set(ids) <= set(resumed)
    states = [snapshot(store, sid)["status"] for sid in ids]
    assert states == ["CONFIRMED", "PAYMENT_DECLINED", "FAILED"]
    assert Engine(store, checkout).unfinished() == []


class InMemoryParticipant:
    """What a team's real participant looks like: idempotent by key, stored replies."""

    def __init__(self, step):
        self.step, self.replies, self.calls = step, {}, 0

    def handle(self, command):
        from saga_lint.orchestrator.participants import Reply

        self.calls += 1
        if command.key not in self.replies:
            self.replies[command.key] = Reply(f"{command.key}#r", command.key, "ok", self.step.success)
        return [self.replies[command.key]]


def test_engine_runs_any_participant_implementing_the_protocol(checkout):
    import uuid

    from saga_lint.orchestrator.engine import Engine
    from saga_lint.orchestrator.participants import Participant
    from saga_lint.orchestrator.scenarios import Scenario
    from saga_lint.orchestrator.store import Store

    made = {}

    def factory(step, scenario):
        made[step.id] = InMemoryParticipant(step)
        return made[step.id]

    assert isinstance(InMemoryParticipant(None), Participant)
    with Store("sqlite://") as s:
        state = Engine(s, checkout, participant_for=factory).start_and_run(f"p-{uuid.uuid4().hex}", Scenario())
        assert state.end_state == "completed" and state.status == "CONFIRMED"
    assert sorted(made) == ["authorize_payment", "create_order", "reserve_inventory"]
    assert all(p.calls == 1 for p in made.values())


def test_participant_entry_points_are_loaded(monkeypatch):
    import importlib.metadata as md

    from saga_lint.orchestrator import participants

    class EP:
        def __init__(self, name, obj=None, broken=False):
            self.name, self.obj, self.broken = name, obj, broken

        def load(self):
            if self.broken:
                raise ImportError("broken plug-in")
            return self.obj

    def fake_entry_points(group=None):
        assert group == participants.ENTRY_POINT_GROUP
        return [EP("payment-service", InMemoryParticipant), EP("bad", broken=True)]

    monkeypatch.setattr(md, "entry_points", fake_entry_points)
    assert participants.entry_point_factories() == {"payment-service": InMemoryParticipant}


# --- any combination of faults: the engine stays correct -------------------------------------------


def test_random_fault_combinations_keep_every_invariant(checkout):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from saga_lint.orchestrator.scenarios import Scenario
    from saga_lint.orchestrator.store import Store

    store = Store("sqlite://")
    steps = [s.id for s in checkout.steps]
    forward_faults = {
        "reserve_inventory": ["ok", "business:inventory-unavailable", "transient:1", "transient:2", "exhaust",
                              "timeout-after-effect"],
        "authorize_payment": ["ok", "business:payment-declined", "transient:1", "transient:2", "exhaust", "timeout-after-effect"],
        "create_order": ["ok", "transient:1", "transient:4", "exhaust", "timeout-after-effect"],
    }
    comp = st.sampled_from(["ok", "transient:1", "transient:3", "transient:4", "fail"])

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        fwd=st.fixed_dictionaries({s: st.sampled_from(forward_faults[s]) for s in steps}),
        comps=st.fixed_dictionaries({"reserve_inventory": comp, "authorize_payment": comp}),
        crash=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
        dups=st.booleans(),
    )
    def prop(fwd, comps, crash, dups):
        text = ", ".join([f"{s}={b.split(':', 1)[1] if b.startswith('business:') else b}" for s, b in fwd.items()]
                         + [f"{s}.compensation={b}" for s, b in comps.items() if b != "ok"]
                         + ([f"crash={crash}"] if crash else []) + (["duplicates=yes"] if dups else []))
        res, viol = run_one(store, checkout, text)
        assert viol == [], (text, viol, res.trace)
        assert res.snap["state"] in ("completed", "compensated", "compensation-failed")

    prop()
    assert Scenario().name == "ok"
    store.close()


def test_verify_never_crashes_on_generated_catalogs():
    """The fuzz catalogs of tests/badinput (random and mutated x-saga blocks): verify exits 0 or 1,
    its JSON parses and its text carries no control characters."""
    import tempfile
    from pathlib import Path

    from badinput.generate import CONTROL, catalogs, write_catalog
    from conftest import cli_runner
    from hypothesis import HealthCheck, given, settings

    from saga_lint.cli import main

    ran = {"flows": 0}

    @settings(max_examples=int(os.environ.get("SAGA_LINT_FUZZ_EXAMPLES", "40")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(catalogs())
    def prop(files):
        with tempfile.TemporaryDirectory(prefix="saga-lint-verify-fuzz-") as tmp:
            root = write_catalog(Path(tmp) / "cat", files)
            env = {"GITHUB_STEP_SUMMARY": None, "SAGA_LINT_DEBUG": None}
            js = cli_runner().invoke(main, ["verify", str(root), "--max-scenarios", "20", "--format", "json"], env=env)
            assert js.exit_code in (0, 1), js.output[-2000:]
            ran["flows"] += len(json.loads(js.stdout)["flows"])
            text = cli_runner().invoke(main, ["verify", str(root), "--max-scenarios", "20"], env=env)
            assert text.exit_code == js.exit_code, text.output[-2000:]
            assert not {c for c in text.stdout if c in CONTROL}

    prop()
    assert ran["flows"] > 0  # some generated catalogs had sagas to run


def test_mutant_orchestrator_taking_duplicate_replies_is_caught(store, checkout):
    res, viol = run_one(store, checkout, "duplicates=yes", dedupe_replies=False)
    assert any(v.invariant == "success-iff-all-steps" and "authorize_payment never acted" in v.message for v in viol), viol
    assert any("taken as a new reply" in line for line in res.trace)
    ok, none = run_one(store, checkout, "duplicates=yes")
    assert none == [] and ok.snap["ops"] == [("do", "reserve_inventory"), ("do", "authorize_payment"), ("do", "create_order")]


def test_cli_run_calls_an_installed_participant_plugin(tmp_path):
    """``run --participants plugins``: a real installed distribution (a dist-info with an entry
    point, found on sys.path) serves the payment step; the other steps stay simulated."""
    import os
    import textwrap

    site = tmp_path / "site"
    (site / "acme_pay-1.0.dist-info").mkdir(parents=True)
    (site / "acme_pay-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pay\nVersion: 1.0\n")
    (site / "acme_pay-1.0.dist-info" / "entry_points.txt").write_text(
        "[saga_lint.participants]\npayment-service = acme_pay:PaymentParticipant\n")
    calls = tmp_path / "calls.txt"
    (site / "acme_pay.py").write_text(textwrap.dedent(f"""
        from saga_lint.orchestrator.participants import SimulatedParticipant

        class PaymentParticipant(SimulatedParticipant):
            # a stand-in for a client of the real payment service: it records each command
            def __init__(self, store, saga, step):
                super().__init__(store, saga, step, lambda step_id, direction, attempt: "ok")

            def handle(self, cmd):
                with open({str(calls)!r}, "a") as fh:
                    fh.write(f"{{cmd.step}} {{cmd.direction}} {{cmd.attempt}}\\n")
                return super().handle(cmd)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    proc = run_cli("run", "checkout-saga", OUR_CATALOG, "--participants", "plugins",
                   "--scenario", "create_order=exhaust", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "step authorize_payment: plug-in payment-service" in proc.stderr
    assert "step reserve_inventory: simulated" in proc.stderr
    assert "all invariants hold" in proc.stdout
    # forward, then voided when create_order gives up
    assert calls.read_text().splitlines() == ["authorize_payment forward 1", "authorize_payment compensate 1"]
    plain = run_cli("run", "checkout-saga", OUR_CATALOG, "--scenario", "create_order=exhaust", env=env)
    assert plain.returncode == 0 and calls.read_text().count("\n") == 2  # simulated by default


# -- long sagas: the base scenarios within the budget -----------------------------------------------


def _long_saga(checkout, n: int):
    """The checkout saga with its first step repeated ``n`` times (ids ``reserve_0``...)."""
    saga = copy.deepcopy(checkout)
    first = saga.steps[0]
    repeated = []
    for i in range(n):
        step = copy.deepcopy(first)
        step.id = f"reserve_{i}"
        repeated.append(step)
    saga.steps = repeated + saga.steps[1:]
    for i, step in enumerate(saga.steps):
        step.index = i
    return saga


def test_long_saga_bases_are_budgeted_but_every_fault_runs(checkout):
    """A long saga has about n^2 compensation faults: beyond the budget, every forward fault and
    each distinct compensation fault still run once, a seeded sample fills half the budget, and the
    crash and duplicate variants keep the other half (they used to get none)."""
    from saga_lint.orchestrator.scenarios import base_scenarios, budget_bases

    saga = _long_saga(checkout, 12)
    bases = base_scenarios(saga)
    assert len(bases) > 300  # quadratic: the case this budget is for
    kept, left_out = budget_bases(bases, 300, seed=7)
    assert left_out == len(bases) - len(kept) > 0 and len(kept) == 150
    assert [b for b in bases if not b.compensation] == [b for b in kept if not b.compensation]
    assert {b.compensation for b in bases} == {b.compensation for b in kept}
    assert kept == [b for b in bases if b in kept]  # in their order
    assert budget_bases(bases, 300, seed=7) == (kept, left_out)
    assert budget_bases(bases, len(bases), seed=7) == (bases, 0)  # within the budget: all of them
    # more forward and distinct compensation faults than half the budget: all of them still run
    must, _ = budget_bases(bases, 2, seed=7)
    assert {b.compensation for b in must} == {b.compensation for b in bases} and len(must) < len(bases)


def test_long_saga_verify_stays_within_budget_and_finds_a_broken_compensation(store, checkout):
    saga = _long_saga(checkout, 12)
    report = verify(store, saga, max_scenarios=200)
    assert report.scenarios == 200 and not report.violations, report.violations
    assert any(re.match(r"sampled 1\d\d of 4\d\d base scenarios", n) for n in report.notes), report.notes
    assert any("crash/duplicate variants" in n for n in report.notes), report.notes
    assert {"orchestrator crash", "every reply delivered twice"} <= set(report.kinds), report.kinds
    broken = copy.deepcopy(saga)
    broken.step("reserve_5").compensation = None
    report = verify(store, broken, max_scenarios=200)
    assert {"compensated-once-reverse", "nothing-left-open"} <= invariants_of(report), report.violations


def test_verify_says_why_nothing_was_verified(tmp_path):
    """A catalog whose flows are no sagas (a journey drawn by one team) is verified in nothing: the
    text says so, and how to find out why, instead of a bare "0 flows"; exit 0, JSON unchanged."""
    from conftest import write_catalog

    write_catalog(tmp_path, {
        "domains/Shop/flows/Browse/index.mdx": "---\nid: browse\nname: Browse\nversion: 1.0.0\nsteps:\n"
        "  - id: look\n    title: Look\n    next_step: buy\n  - id: buy\n    title: Buy\n---\n",
    })
    proc = run_cli("verify", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("no saga to verify: none of the 1 flow page in ") and "saga-lint explain FLOW" in proc.stdout
    assert proc.stdout.endswith("0 flows, 0 scenarios, 0 violations\n")
    assert json.loads(run_cli("verify", tmp_path, "--format", "json").stdout) == {"flows": []}
    (tmp_path / "domains" / "Shop" / "flows" / "Browse" / "index.mdx").unlink()
    assert run_cli("verify", tmp_path).stdout.startswith("no saga to verify: ") and "has no flow page" in \
        run_cli("verify", tmp_path).stdout
