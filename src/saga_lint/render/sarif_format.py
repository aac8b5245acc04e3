"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, IDE viewers).

Every rule is described under ``tool.driver.rules`` (summary, full documentation, default level,
a human ``name`` and a ``helpUri`` to its section of docs/rules.md: ``saga_lint.doclinks``);
every finding is a result with its rule, level, message, location and a line-independent
``partialFingerprints`` entry (the finding's fingerprint), so that an alert survives unrelated
edits above it.

Locations are relative to the repository root (``uriBaseId: %SRCROOT%``): findings carry paths
relative to the catalog folder, and the catalog is often a sub-folder of a git repository, so the
catalog's path inside its repository (``RepoFacts.prefix``, found by ``saga_lint.repo``) is
prepended (``render.repopath``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from saga_lint import __version__
from saga_lint.doclinks import rule_help_uri, rule_title
from saga_lint.render.repopath import repo_path
from saga_lint.render.safe import utf8_text
from saga_lint.results import RepoFacts

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import Checked
    from saga_lint.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "sagaLintFingerprint/v1"


def _uri(path: str) -> str:
    """Percent-encode a path; a file name's undecodable bytes are encoded as the bytes on disk."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = utf8_text(path).encode("utf-8")
    return quote(data, safe="/-._~")


DESCRIPTION_CAP = 1024  # GitHub code scanning's limit for rule descriptions; help is not capped
_HEADINGS = re.compile(r"^(What it checks|Why|Example that fails|Example|Fix|Broken means):")


def _cap(text: str, limit: int = DESCRIPTION_CAP) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for sep in ("\n\n", "\n", ". ", " "):
        i = cut.rfind(sep)
        if i > limit // 2:
            cut = cut[: i + (1 if sep == ". " else 0)]
            break
    return cut.rstrip() + "…"


def help_markdown(doc: str) -> str:
    """A rule's docstring as Markdown: indented examples fenced, section labels bold."""
    out: list[str] = []
    code: list[str] = []

    def flush() -> None:
        if code:
            fence = "`" * max(3, 1 + max((len(m) for c in code for m in re.findall(r"`+", c)), default=0))
            out.extend(["", fence, *code, fence, ""])
            code.clear()

    for line in doc.splitlines():
        if line.startswith("    ") and line.strip():
            code.append(line[4:])
            continue
        flush()
        m = _HEADINGS.match(line)
        if m:
            out.extend(["", f"**{m.group(1)}:**{line[m.end():]}"])
        else:
            out.append(line)
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _rule_descriptor(r: Rule) -> dict[str, Any]:
    doc = utf8_text(r.doc) or utf8_text(r.name)
    summary = utf8_text(r.summary) or utf8_text(r.name)
    return {
        "id": r.name,
        "name": rule_title(r.name),
        "shortDescription": {"text": _cap(summary)},
        "fullDescription": {"text": _cap(doc)},
        "help": {"text": doc, "markdown": help_markdown(doc)},
        "helpUri": rule_help_uri(r.name),
        "defaultConfiguration": {"level": LEVELS.get(r.severity, "warning")},
        "properties": {"tags": [r.family], "family": r.family, "official": bool(r.official)},
    }


def _result(f: Finding, index: dict[str, int], prefix: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": utf8_text(f.rule),
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": utf8_text(f.message) or utf8_text(f.rule)},
        "partialFingerprints": {FINGERPRINT_KEY: utf8_text(f.fingerprint)},
    }
    if f.rule in index:
        res["ruleIndex"] = index[f.rule]
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(repo_path(prefix, f.file, raw=True)), "uriBaseId": "%SRCROOT%"}}
    if isinstance(f.line, int) and f.line >= 1:
        region = {"startLine": f.line}
        if isinstance(f.column, int) and f.column >= 1:
            region["startColumn"] = f.column
        physical["region"] = region
    res["locations"] = [{"physicalLocation": physical}]
    props: dict[str, Any] = {}
    if f.resource is not None:
        props["resource"] = {k: utf8_text(v) if v is not None else None for k, v in f.resource.to_json().items()}
    if f.step:
        props["step"] = utf8_text(f.step)
    if f.field:
        props["field"] = utf8_text(f.field)
    if props:
        res["properties"] = props
    return res


def render(result: Checked, repo: RepoFacts) -> str:
    from saga_lint.rules import all_rules

    rules = all_rules()
    names = sorted(rules)
    # findings of rules the registry does not know (should not happen) still get a descriptor
    extra = sorted({f.rule for f in result.findings if f.rule not in rules})
    descriptors = [_rule_descriptor(rules[n]) for n in names]
    for n in extra:
        descriptors.append({"id": utf8_text(n), "shortDescription": {"text": utf8_text(n)}})
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "saga-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "automationDetails": {"id": "saga-lint/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index, repo.prefix) for f in result.findings],
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
