"""No network access, ever: saga-lint runs with networking made impossible, on a catalog whose
schemas, paths and components all point at a real listening socket that must never be contacted.

Two ways of making networking impossible: a wrapper that replaces every way to open a connection
in the socket module (records the attempt and raises), and, where the machine allows it, a
process in a fresh network namespace (``unshare -n``). The listening socket is checked for a
pending connection afterwards; control tests show that both detectors do detect.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest
from conftest import write_catalog

# replaces the socket module's ways out, records each attempt in $NET_LOG, then runs saga-lint
WRAPPER = textwrap.dedent(
    """
    import os, runpy, socket, sys

    def _deny(*args, **kwargs):
        with open(os.environ["NET_LOG"], "a") as fh:
            fh.write(repr(args[1:] if args and isinstance(args[0], socket.socket) else args) + "\\n")
        raise OSError("network access is forbidden here")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        setattr(socket.socket, name, _deny)
    socket.create_connection = _deny
    socket.getaddrinfo = _deny
    sys.argv = ["saga-lint"] + sys.argv[1:]
    if sys.argv[1:2] == ["--run-file"]:
        path = sys.argv[2]
        sys.argv = [path]
        runpy.run_path(path, run_name="__main__")
    else:
        runpy.run_module("saga_lint", run_name="__main__")
    """
)


@pytest.fixture
def listener():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    yield srv
    srv.close()


def was_contacted(srv: socket.socket, wait: float = 0.3) -> bool:
    readable, _, _ = select.select([srv], [], [], wait)
    if not readable:
        return False
    try:
        conn, _ = srv.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def catalog_pointing_at(root, port: int):
    url = f"http://127.0.0.1:{port}"
    return write_catalog(
        root,
        {
            "events/A/index.mdx": f"""
                ---
                id: a
                name: A
                version: 1.0.0
                schemaPath: schema.json
                schemas:
                  - id: remote
                    path: {url}/schemas/a.json
                ---
                <SchemaViewer file="{url}/viewer.json" />
                """,
            "events/A/schema.json": json.dumps(
                {
                    "type": "object",
                    "properties": {
                        "plain": {"$ref": f"{url}/plain.json"},
                        "network_path": {"$ref": f"//127.0.0.1:{port}/np.json"},
                        "https": {"$ref": f"https://127.0.0.1:{port}/s.json#/x"},
                        "nested": {"$id": f"{url}/base/", "properties": {"r": {"$ref": "relative.json"}}},
                    },
                },
                indent=2,
            ),
            "events/B/index.mdx": f"""
                ---
                id: b
                name: B
                version: 1.0.0
                schemaPath: {url}/b.json
                ---
                """,
            "services/S/index.mdx": f"""
                ---
                id: s
                name: S
                version: 1.0.0
                specifications:
                  openapiPath: {url}/openapi.yml
                sends:
                  - id: a
                ---
                """,
        },
    )


def _run(args, log, prefix=()):
    env = dict(os.environ, NET_LOG=str(log))
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [*prefix, sys.executable, "-c", WRAPPER, *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def _assert_remote_refs_reported(stdout: str):
    doc = json.loads(stdout)
    remote = [f for f in doc["findings"] if f["rule"] == "security/remote-ref"]
    assert len(remote) >= 4, [f["message"] for f in remote]
    assert any(f["rule"] == "security/path-outside-catalog" for f in doc["findings"])


def test_check_never_touches_the_network(tmp_path, listener):
    port = listener.getsockname()[1]
    root = catalog_pointing_at(tmp_path / "cat", port)
    log = tmp_path / "net.log"
    out = tmp_path / "out"
    out.mkdir()
    outputs = []
    for fmt in ("sarif", "github", "junit", "markdown"):
        outputs += ["-o", f"{fmt}={out / fmt}"]
    proc = _run(["check", root, "--format", "json", *outputs], log)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    _assert_remote_refs_reported(proc.stdout)
    assert not log.exists() or not log.read_text().strip(), log.read_text()
    assert not was_contacted(listener)


def test_the_wrapper_records_and_blocks_a_connection(tmp_path, listener):
    """Control: code that does try to connect is stopped and recorded by the wrapper."""
    port = listener.getsockname()[1]
    script = tmp_path / "connect.py"
    script.write_text(
        "import urllib.request\n"
        f"try:\n    urllib.request.urlopen('http://127.0.0.1:{port}/x', timeout=2)\n"
        "except Exception as e:\n    print('blocked', type(e).__name__)\n"
    )
    log = tmp_path / "net.log"
    proc = _run(["--run-file", script], log)
    assert "blocked" in proc.stdout, proc.stderr
    assert log.exists() and log.read_text().strip()
    assert not was_contacted(listener)


def test_the_listener_detects_a_connection(listener):
    """Control: a real connection to the listening socket is seen."""
    c = socket.create_connection(listener.getsockname(), timeout=2)
    try:
        assert was_contacted(listener, wait=2)
    finally:
        c.close()


def _unshare_prefix() -> tuple | None:
    """``unshare -n`` as root; ``unshare -r -n`` (a user namespace too) for an unprivileged user."""
    if not shutil.which("unshare"):
        return None
    for prefix in (("unshare", "-n"), ("unshare", "-r", "-n")):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


UNSHARE = _unshare_prefix()


@pytest.mark.skipif(UNSHARE is None, reason="unshare -n (a private network namespace) is not permitted here")
def test_check_in_a_namespace_without_network(tmp_path, listener):
    """The same catalog in a fresh network namespace: no network exists at all, and the run is the
    same (so nothing in it depended on the network)."""
    port = listener.getsockname()[1]
    root = catalog_pointing_at(tmp_path / "cat", port)
    log = tmp_path / "net.log"
    inside = _run(["check", root, "--format", "json"], log, prefix=UNSHARE)
    assert inside.returncode in (0, 1), inside.stderr
    _assert_remote_refs_reported(inside.stdout)
    outside = _run(["check", root, "--format", "json"], tmp_path / "net2.log")
    key = lambda d: sorted((f["rule"], f["file"], f["line"], f["message"]) for f in json.loads(d)["findings"])  # noqa: E731
    assert key(inside.stdout) == key(outside.stdout)
    assert not was_contacted(listener)
