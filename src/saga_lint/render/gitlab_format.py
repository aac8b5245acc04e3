"""``--format gitlab``: a GitLab Code Quality report (the Code Climate issue subset GitLab reads).

A JSON array, one issue per finding: ``description`` (the message, ending with the rule),
``check_name`` (the rule), ``fingerprint``, ``severity``, ``location.path`` (relative to the
repository's top level, like SARIF's) and ``location.lines.begin``. Severities follow the usual
mapping of linters to GitLab's scale: error -> major, warning -> minor, info -> info.

GitLab keeps one issue per fingerprint, so two findings that differ only by their line (the same
rule, file, resource and message) must not share one: the fingerprint is the finding's own
(line-free, so unrelated edits keep it) plus its rank among those twins, in line order.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from saga_lint.render.repopath import repo_path
from saga_lint.render.safe import utf8_text

if TYPE_CHECKING:
    from saga_lint.results import Checked, RepoFacts

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(result: Checked, repo: RepoFacts) -> str:
    issues: list[dict[str, Any]] = []
    seen: Counter[str] = Counter()
    for f in result.findings:
        rank = seen[f.fingerprint]
        seen[f.fingerprint] += 1
        fingerprint = f.fingerprint if rank == 0 else hashlib.sha256(f"{f.fingerprint}#{rank}".encode()).hexdigest()[:32]
        line = f.line if isinstance(f.line, int) and f.line >= 1 else 1
        issues.append({
            "type": "issue",
            "description": f"{utf8_text(f.message)} ({f.rule})",
            "check_name": f.rule,
            "fingerprint": fingerprint,
            "severity": SEVERITY.get(str(f.severity), "info"),
            "categories": ["Bug Risk" if str(f.severity) == "error" else "Style"],
            "location": {"path": repo_path(repo.prefix, f.file), "lines": {"begin": line}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
