"""Which EventCatalog version a catalog is built with, and so which content schemas apply.

The version comes from, in this order: ``--eventcatalog-version`` (``SAGA_LINT_EVENTCATALOG_VERSION``),
the catalog's ``package.json`` (``@eventcatalog/core`` in ``dependencies`` or ``devDependencies``,
a range such as ``^3.48.0`` read as the newest known version it allows), the configuration's
``eventcatalog-version``, else the latest release (``LATEST``). Only the major version changes
the schemas saga-lint knows (docs/eventcatalog-versions.md has the table): ``3`` is the released
3.x line (3.48.4), ``4`` the repository's newer core (4.x, read from its source).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

LATEST = "3.48.4"  # the latest release on the npm registry
# versions whose content schemas saga-lint carries, newest of each line
KNOWN = ("3.48.4", "4.7.5")
ENV = "SAGA_LINT_EVENTCATALOG_VERSION"
_PACKAGE = "@eventcatalog/core"
_PREFIX = re.compile(r"^[\^~=v<>\s]+")
_NUMBERS = re.compile(r"(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


@dataclass(frozen=True)
class EcVersion:
    """The version a catalog is checked against and where it came from."""

    version: str  # e.g. "3.48.4"
    source: str  # "--eventcatalog-version", "package.json", "config" or "latest release"
    declared: str = ""  # the text as written (a range such as "^4.0.0"), "" for the latest release

    @property
    def major(self) -> int:
        m = _NUMBERS.match(self.version)
        return int(m.group(1)) if m else 3

    @property
    def assumed(self) -> bool:
        """No version was declared (flag, package.json, config): the latest release stands in."""
        return self.source == "latest release"

    @property
    def line(self) -> str:
        """``"3"`` or ``"4"``: the schema line (later majors read as 4, earlier as 3)."""
        return "4" if self.major >= 4 else "3"

    def label(self) -> str:
        """``EventCatalog 3.48.4 (latest release)`` for the output."""
        where = self.source if not self.declared or self.declared == self.version else f"{self.source}: {self.declared}"
        return f"EventCatalog {self.version} ({where})"


def from_text(text: str) -> str | None:
    """The version a declared version or npm range stands for: the newest known version of its
    major line when it is a range or partial (``^3.40.0`` -> 3.48.4, ``4`` -> 4.7.5), the exact
    text when it is an exact version, the lowest version a range allows on a line saga-lint knows
    no release of (``^2.39.2`` -> 2.39.2, read with 3.x's schemas); None when it names no version."""
    t = _PREFIX.sub("", text.strip())
    m = _NUMBERS.match(t)
    if m is None:
        return None
    major = m.group(1)
    exact = m.group(2) and m.group(3) and m.group(2).isdigit() and m.group(3).isdigit() and text.strip()[0].isdigit()
    if exact:
        return f"{major}.{m.group(2)}.{m.group(3)}"
    for known in reversed(KNOWN):
        if known.split(".")[0] == major:
            return known
    # a line saga-lint knows no release of (2.x): the lowest version the range allows, never 2.0.0 for ^2.39.2
    minor = m.group(2) if m.group(2) and m.group(2).isdigit() else "0"
    patch = m.group(3) if m.group(3) and m.group(3).isdigit() and minor == m.group(2) else "0"
    return f"{major}.{minor}.{patch}"


def _from_package_json(root: Path) -> str | None:
    from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped

    try:
        # the one safe reader: a FIFO (or anything but a regular file) is no package.json, and never blocks
        raw, _ = read_capped(str(root / "package.json"), MAX_FILE_BYTES)
        if raw is None:
            return None
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    for section in ("dependencies", "devDependencies"):
        deps = data.get(section)
        if isinstance(deps, dict) and isinstance(deps.get(_PACKAGE), str):
            return str(deps[_PACKAGE])
    return None


def detect(root: str | os.PathLike[str], configured: str | None = None, flag: str | None = None) -> EcVersion:
    """The EventCatalog version of the catalog at ``root`` (see the module's docstring)."""
    flag = flag or os.environ.get(ENV) or None
    candidates = (
        (flag, "--eventcatalog-version"),
        (_from_package_json(Path(root)), "package.json"),
        (configured, "config"),
    )
    for declared, source in candidates:
        if declared:
            version = from_text(str(declared))
            if version is not None:
                return EcVersion(version, source, str(declared))
    return EcVersion(LATEST, "latest release")


def applies(versions: str, ec: EcVersion) -> bool:
    """Whether an issue that holds for the schema lines ``versions`` ("" = every line) holds for ``ec``."""
    return not versions or ec.line in versions
