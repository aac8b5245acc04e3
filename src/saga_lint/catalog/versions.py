"""Version references, resolved the way EventCatalog does.

A reference is omitted or ``latest``, exact (``1.0.0``), number-like (``1``, ``v1``, ``1.2``), an
npm range (``^1.0.0``, ``~1.2.0``, ``>=1.5``, ``1.0.0 - 2.0.0``) or an x-range (``1.x``, ``0.x.1``,
``x``). Range matching is semantic_version's ``NpmSpec`` (npm's grammar); resource versions are
coerced first (``1`` -> ``1.0.0``). When several versions match, the newest wins.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from semantic_version import NpmSpec, Version

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
    re.ASCII,  # digits as EventCatalog's semver reads them: ASCII only
)
_NUMBER_LIKE = re.compile(r"^v?\d+(\.\d+){0,2}$", re.ASCII)
_MAX_PART_DIGITS = 64  # longer numbers are no version anyone writes (and int() refuses 4,300 digits)


# what the official linter (@eventcatalog/linter 1.1.1) accepts as a resource's own ``version``:
# x.y.z with an optional pre-release and build, ``latest``, an x-range (``1.x``), ``^``/``~`` and x.y.z
_OFFICIAL_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[\w.-]+)?(?:\+[\w.-]+)?", re.ASCII)
_OFFICIAL_X_RANGE = re.compile(r"\d+(?:\.\d+)*\.x", re.ASCII)


def is_valid_resource_version(text: str) -> bool:
    """A resource's own ``version`` as the official linter accepts it (``schema/valid-semver``):
    ``1.0.0`` (pre-release and build allowed), ``latest``, ``1.x``, ``^1.0.0`` or ``~1.0.0``.
    Number-like versions (``1``, ``v1``, ``1.2``) are not: EventCatalog coerces them when it
    resolves a reference (``coerce``), but the official linter rejects them, and so does the rule."""
    if text == "latest":
        return True
    if ".x" in text:
        return bool(_OFFICIAL_X_RANGE.fullmatch(text))
    if text.startswith(("^", "~")):
        text = text[1:]
    return bool(_OFFICIAL_SEMVER.fullmatch(text))


@lru_cache(maxsize=65536)
def coerce(text: str) -> Version | None:
    """Coerce a resource version to a ``semantic_version.Version`` (``v1`` -> 1.0.0); None when it
    is not one."""
    import semantic_version as sv  # imported when first needed: it costs about 15 ms

    t = text.strip()
    if any(len(part) > _MAX_PART_DIGITS for part in re.split(r"[.+-]", t)):
        return None
    if _SEMVER.match(t):
        try:
            return sv.Version(t)
        except ValueError:
            return None
    if _NUMBER_LIKE.match(t):
        nums = t.lstrip("v").split(".")
        nums += ["0"] * (3 - len(nums))
        return sv.Version(".".join(str(int(n)) for n in nums))
    return None


@lru_cache(maxsize=16384)
def _spec(ref: str) -> NpmSpec | None:
    import semantic_version as sv

    try:
        return sv.NpmSpec(ref)
    except ValueError:
        return None


def is_valid_reference(ref: object) -> bool:
    if ref is None:
        return True
    text = str(ref).strip()
    return text in ("", "latest") or coerce(text) is not None or _spec(text) is not None


# how versions compare: (1, semantic version, "") for versions, (0, None, text) for anything else
_SortKey = tuple[int, "Version | None", str]


def newest(versions: Iterable[str | None]) -> str | None:
    """The newest of some version strings (non-semver versions sort first, by text)."""
    best = None
    best_key: _SortKey | None = None
    for v in versions:
        c = coerce(v) if v is not None else None
        key: _SortKey = (1, c, "") if c is not None else (0, None, str(v))
        if best_key is None or _gt(key, best_key):
            best, best_key = v, key
    return best


def _gt(a: _SortKey, b: _SortKey) -> bool:
    if a[0] != b[0]:
        return a[0] > b[0]
    va, vb = a[1], b[1]
    if va is not None and vb is not None:  # both versions
        return bool(va > vb)
    return a[2] > b[2]


def means_latest(ref: object) -> bool:
    """The reference asks for no particular version (absent, empty or ``latest``)."""
    return ref is None or str(ref).strip() in ("", "latest")


def resolve(ref: object, available: Collection[str | None]) -> str | None:
    """The version among ``available`` that the reference ``ref`` selects, or None. A version
    ``available`` holds exactly is answered by one membership test (``Catalog.lookup`` passes its
    index's keys: one event of 8,000 versions made a pass over all of them per reference)."""
    if ref is None and len(available) == 1:
        return next(iter(available))  # the latest of one version: it (None for a page without one: none)
    asked = str(ref).strip() if ref is not None else ""
    if asked not in ("", "latest") and asked in available:
        return asked
    have = [v for v in available if v is not None]
    if not have:
        return None
    if ref is None:
        return newest(have)
    text = str(ref).strip()
    if text in ("", "latest"):
        return newest(have)
    if text in have:
        return text
    exact = coerce(text)
    if exact is not None and not any(ch in text for ch in "x*^~<>= "):
        same = [v for v in have if coerce(v) == exact]
        if same:
            return same[0]
        if exact.prerelease:
            return None  # semantic_version's NpmSpec("1.0.0-beta") would also match 1.0.0; npm does not
    spec = _spec(text)
    if spec is None:
        return None
    matching = [v for v in have if (c := coerce(v)) is not None and spec.match(c)]
    return newest(matching) if matching else None
