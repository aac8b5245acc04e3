"""The baseline: the findings a team accepts for now, so that only new ones fail the run.

``saga-lint check --write-baseline FILE`` writes the current findings; ``--baseline FILE`` drops
every finding the file lists and reports each entry that matches no finding any more as a
``baseline/stale`` finding, so that the file shrinks as old findings are fixed.

A finding is known by its fingerprint (``Finding.fingerprint``: rule, catalog-relative file,
resource, step, field and message, never a line number), so an entry survives unrelated edits and
is the same on every machine. An entry carries a ``count``: the same fingerprint can occur more
than once (one problem at two places of one page); a baseline entry of count 2 absorbs two
occurrences, a third is new. The file is sorted JSON with no timestamp and no absolute path, so
writing it twice on an unchanged catalog gives the same bytes::

    {
      "version": 1,
      "tool": "saga-lint",
      "findings": [
        {"fingerprint": "…", "rule": "refs/orphan-messages", "file": "events/X/index.mdx",
         "resource": "event x@1.0.0", "message": "…", "count": 1}
      ]
    }

Only ``fingerprint`` and ``count`` are read back; the other fields are for the reviewer of the
file's diffs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_lint.findings import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from saga_lint.config import Config

FORMAT_VERSION = 1
STALE_RULE = "baseline/stale"


class BaselineError(Exception):
    """The baseline file cannot be read or written (exit 2 with this reason)."""


@dataclass(frozen=True)
class Entry:
    """One baseline entry: a fingerprint, how often it may occur, and what it was about."""

    fingerprint: str
    count: int
    rule: str = ""
    file: str | None = None
    resource: str | None = None
    message: str = ""


def entries_of(findings: Iterable[Finding]) -> list[Entry]:
    """The baseline entries of ``findings``, one per fingerprint, sorted by file, rule, fingerprint."""
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for f in findings:
        counts[f.fingerprint] += 1
        first.setdefault(f.fingerprint, f)
    out = [
        Entry(fp, counts[fp], f.rule, f.file, str(f.resource) if f.resource else None, f.message)
        for fp, f in first.items()
    ]
    out.sort(key=lambda e: (e.file or "", e.rule, e.fingerprint))
    return out


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file's text for ``findings`` (sorted, stable, ends with a newline)."""
    items = [
        {"fingerprint": e.fingerprint, "rule": e.rule, "file": e.file, "resource": e.resource, "message": e.message,
         "count": e.count}
        for e in entries_of(f for f in findings if f.rule != STALE_RULE)
    ]
    doc = {"version": FORMAT_VERSION, "tool": "saga-lint", "findings": items}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: str | Path, findings: Iterable[Finding]) -> int:
    """Write the baseline of ``findings`` to ``path``; the number of entries."""
    text = dumps(findings)
    try:
        Path(path).write_text(text, "utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(json.loads(text)["findings"])


def _entry(item: object, where: str) -> Entry:
    if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
        raise BaselineError(f"{where}: each entry must be an object with a string 'fingerprint'")
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f"{where}: 'count' must be a whole number of at least 1")
    file = item.get("file")
    resource = item.get("resource")
    return Entry(item["fingerprint"], count, str(item.get("rule") or ""), str(file) if file is not None else None,
                 str(resource) if resource is not None else None, str(item.get("message") or ""))


def read(path: str | Path) -> list[Entry]:
    """The entries of the baseline file at ``path``."""
    try:
        data: Any = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} not found (write one with --write-baseline {path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline {path}: not a saga-lint baseline (an object with a 'findings' list)")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise BaselineError(f"baseline {path}: version {data.get('version')!r} is not supported (this saga-lint "
                            f"reads version {FORMAT_VERSION})")
    return [_entry(item, f"baseline {path}: findings[{i}]") for i, item in enumerate(data["findings"])]


def apply(findings: list[Finding], entries: Iterable[Entry]) -> tuple[list[Finding], list[Entry]]:
    """``(new, stale)``: the findings the baseline does not absorb (in their order), and the
    entries (or the part of an entry's count) that matched nothing."""
    left = Counter[str]()
    by_fp: dict[str, Entry] = {}
    for e in entries:
        left[e.fingerprint] += e.count
        by_fp.setdefault(e.fingerprint, e)
    new = []
    for f in findings:
        if left[f.fingerprint] > 0:
            left[f.fingerprint] -= 1
        else:
            new.append(f)
    stale = [Entry(fp, n, e.rule, e.file, e.resource, e.message) for fp, e in by_fp.items() if (n := left[fp]) > 0]
    return new, stale


def stale_findings(stale: Iterable[Entry], baseline: str, config: Config) -> list[Finding]:
    """One ``baseline/stale`` finding per stale entry, at the entry's file, graded by ``config``."""
    out = []
    for e in stale:
        if e.rule and not config.selected(e.rule):
            continue  # --select / --ignore left its rule out: it could not match
        level = config.severity_for(STALE_RULE, e.file, "warning")
        if level == "off":
            continue
        times = f" ({e.count} occurrences)" if e.count > 1 else ""
        about = f"{e.rule}: {e.message.rstrip('.')}" if e.rule else e.fingerprint
        message = (f"baseline entry matches no finding any more{times}: {about}. Remove it from {baseline} "
                   f"(or rewrite the file with --write-baseline)")
        # known by the entry it is about, not by the message (which names the file as the user spelt it)
        fingerprint = hashlib.sha256(f"{STALE_RULE}\x1f{e.fingerprint}".encode()).hexdigest()[:32]
        out.append(Finding(STALE_RULE, Severity(level), message, e.file, fingerprint=fingerprint))
    return out


def filter_result(findings: list[Finding], baseline: str, config: Config) -> list[Finding]:
    """``findings`` without those in the baseline file ``baseline``, plus its stale entries, sorted."""
    new, stale = apply(findings, read(baseline))
    return sorted(new + stale_findings(stale, baseline, config), key=Finding.sort_key)
