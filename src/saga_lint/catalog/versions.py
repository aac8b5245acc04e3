"""Version references, resolved the way EventCatalog does.

A reference is omitted or ``latest``, exact (``1.0.0``), number-like (``1``, ``v1``, ``1.2``), an
npm range (``^1.0.0``, ``~1.2.0``, ``>=1.5``, ``1.0.0 - 2.0.0``) or an x-range (``1.x``, ``0.x.1``,
``x``). Range matching is semantic_version's ``NpmSpec`` (npm's grammar); resource versions are
coerced first (``1`` -> ``1.0.0``). When several versions match, the newest wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_NUMBER_LIKE = re.compile(r"^v?\d+(\.\d+){0,2}$")


def is_valid_resource_version(text: str) -> bool:
    """A resource's own ``version``: semver, number-like (``1``, ``v1``, ``1.2``) or ``latest``."""
    return bool(_SEMVER.match(text) or _NUMBER_LIKE.match(text) or text == "latest")


@lru_cache(maxsize=65536)
def coerce(text: str):
    """Coerce a resource version to a ``semantic_version.Version`` (``v1`` -> 1.0.0); None when it
    is not one."""
    import semantic_version as sv  # imported when first needed: it costs about 15 ms

    t = text.strip()
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
def _spec(ref: str):
    import semantic_version as sv

    try:
        return sv.NpmSpec(ref)
    except ValueError:
        return None


def is_valid_reference(ref) -> bool:
    if ref is None:
        return True
    ref = str(ref).strip()
    return ref in ("", "latest") or coerce(ref) is not None or _spec(ref) is not None


def newest(versions) -> str | None:
    """The newest of some version strings (non-semver versions sort first, by text)."""
    best = None
    best_key = None
    for v in versions:
        c = coerce(v) if v is not None else None
        key = (1, c, "") if c is not None else (0, None, str(v))
        if best_key is None or _gt(key, best_key):
            best, best_key = v, key
    return best


def _gt(a, b) -> bool:
    if a[0] != b[0]:
        return a[0] > b[0]
    if a[0] == 1:
        return a[1] > b[1]
    return a[2] > b[2]


def resolve(ref, available) -> str | None:
    """The version among ``available`` that the reference ``ref`` selects, or None."""
    available = [v for v in available if v is not None]
    if not available:
        return None
    if ref is None:
        return newest(available)
    ref = str(ref).strip()
    if ref in ("", "latest"):
        return newest(available)
    if ref in available:
        return ref
    exact = coerce(ref)
    if exact is not None and not any(ch in ref for ch in "x*^~<>= "):
        same = [v for v in available if coerce(v) == exact]
        if same:
            return same[0]
        if exact.prerelease:
            return None  # semantic_version's NpmSpec("1.0.0-beta") would also match 1.0.0; npm does not
    spec = _spec(ref)
    if spec is None:
        return None
    matching = [v for v in available if (c := coerce(v)) is not None and spec.match(c)]
    return newest(matching) if matching else None
