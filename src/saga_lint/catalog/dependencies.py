"""External resources a catalog declares in ``eventcatalog.config.js`` (``dependencies``): the
linter treats them as existing (``Catalog.dependencies``, ``Catalog.lookup``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from saga_lint.catalog.classify import COLLECTIONS
from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped

_DEP_ITEM = re.compile(r"""id\s*:\s*['"]([^'"]+)['"]""")
_DEP_KIND = re.compile(r"(events|commands|queries|services|domains|channels|flows|containers|entities)\s*:\s*\[([^\[\]]*)\]")


def read_config_text(root: Path) -> tuple[str, str] | None:
    """The name and text of the catalog's ``eventcatalog.config.*`` file (its first megabyte,
    capped and decoded leniently), or None: no such file, unreadable, or a link out of the catalog."""
    for name in ("eventcatalog.config.js", "eventcatalog.config.cjs", "eventcatalog.config.mjs"):
        path = root / name
        if not path.is_file():
            continue
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        if not real.startswith(real_root + os.sep):
            return None  # a symlink out of the catalog: never read
        try:
            raw, _st = read_capped(str(path), MAX_FILE_BYTES)
        except OSError:
            return None
        if raw is None:
            return None
        return name, raw[:1_000_000].decode("utf-8", errors="replace")
    return None


def config_dependencies(config: tuple[str, str] | None) -> dict[str, set[str]]:
    """External resources declared in the config file's ``dependencies`` (the linter treats them
    as existing). ``config``: its name and text (``read_config_text``). Read with a tolerant
    pattern: the file is JavaScript and is never executed."""
    if config is None:
        return {}
    text = config[1]
    start = text.find("dependencies")
    if start < 0:
        return {}
    out: dict[str, set[str]] = {}
    for kind, items in _DEP_KIND.findall(text[start : start + 200_000]):
        rtype = COLLECTIONS[kind]
        out.setdefault(rtype, set()).update(_DEP_ITEM.findall(items))
    return out
