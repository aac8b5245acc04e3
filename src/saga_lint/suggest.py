"""The one "did you mean": the nearest known names to a misspelt one.

Used for references to resources, flow steps, frontmatter keys, rule names and configuration
keys. Names are compared folded (case, ``-``, ``_``, ``.``, spaces and ``/`` ignored), so
``OrderPlaced``, ``order_placed`` and ``order-placed`` are one name; a candidate may be known by
several names (a resource by its id, its ``name`` and its folder), each pointing at the name to
suggest. Only the best match is offered, and a second one only when it is as good, so a
suggestion is never a guess among many. For names of the catalog (references, flow steps), whose
suggestion says "you misspelt X", a match must also be a plausible slip (``slips_only``): at most
one edit (insertion, deletion, substitution) per six characters of the two names together,
Python's own bound for its "Did you mean" (``subscription_rejected`` shares most of its letters
with ``cancel_subscription_request`` but is no misspelling of it). Rule and config names keep the
ratio alone: ``saga/nope/*`` is still told of ``saga/*``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

_SEPARATORS = re.compile(r"[\s_\-./]+")


def fold(name: str) -> str:
    """A name with case and separators folded away: ``Order_Placed`` -> ``orderplaced``."""
    return _SEPARATORS.sub("", name).lower()


def nearest(word: str, known: Iterable[str] | Mapping[str, str], cutoff: float = 0.75, most: int = 1,
            slips_only: bool = False) -> list[str]:
    """The names to suggest for ``word``: ``known`` is a list of names, or a mapping of the names a
    thing is known by to the name to suggest for it. At most ``most`` suggestions, the second only
    when its score is within 0.05 of the best; none when nothing scores ``cutoff`` or more (or,
    with ``slips_only``, is no plausible slip: see the module's docstring)."""
    aliases = known if isinstance(known, Mapping) else {k: k for k in known}
    by_folded: dict[str, str] = {}
    for alias, target in aliases.items():
        by_folded.setdefault(fold(alias), target)
    target_word = fold(word)
    if target_word in by_folded and by_folded[target_word] != word:
        return [by_folded[target_word]]  # the same name but for case and separators
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(target_word)
    scored: list[tuple[float, str]] = []
    for folded, target in by_folded.items():
        matcher.set_seq1(folded)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff and target != word and (not slips_only or _slip(folded, target_word)):
                scored.append((score, target))
    scored.sort(key=lambda item: (-item[0], item[1]))
    out: list[str] = []
    for score, target in scored:
        if len(out) >= most or score < scored[0][0] - 0.05:
            break
        if target not in out:
            out.append(target)
    return out


def _slip(known: str, word: str) -> bool:
    """Whether ``word`` is within Python's bound of edits of ``known`` (see the module's docstring)."""
    return edit_distance(known, word) <= (len(known) + len(word) + 3) // 6


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance of two (short) names."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def did_you_mean(word: str, known: Iterable[str] | Mapping[str, str], cutoff: float = 0.75,
                 slips_only: bool = False) -> str:
    """`` Did you mean "x"?`` for the best match, or ''."""
    close = nearest(word, known, cutoff, slips_only=slips_only)
    return phrased(close[0] if close else None)


def phrased(match: str | None) -> str:
    """`` Did you mean "x"?`` for a match found already (``nearest``), or '' for none."""
    return f' Did you mean "{match}"?' if match else ""
