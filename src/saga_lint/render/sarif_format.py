"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, IDE viewers).

Every rule is described under ``tool.driver.rules`` (summary, full documentation, default level);
every finding is a result with its rule, level, message, location and a line-independent
``partialFingerprints`` entry (the finding's fingerprint), so that an alert survives unrelated
edits above it.

Locations are relative to the repository root (``uriBaseId: %SRCROOT%``): findings carry paths
relative to the catalog folder, and the catalog is often a sub-folder of a git repository, so the
catalog's path inside its repository is prepended (:func:`repo_prefix`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from saga_lint import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "sagaLintFingerprint/v1"


def clean(text) -> str:
    """Any value as text that encodes as UTF-8 (lone surrogates from undecodable names replaced)."""
    s = "" if text is None else str(text)
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _git_toplevel(folder: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=15,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        proc = None
    if proc is not None and proc.returncode == 0 and proc.stdout.strip():
        return Path(proc.stdout.strip())
    # git missing or refusing (e.g. "dubious ownership"): look for .git ourselves
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            return parent
    return None


def repo_prefix(root) -> str:
    """The catalog folder's POSIX path relative to its git repository's top level ('' if the
    catalog is the repository root or is in no repository)."""
    try:
        folder = Path(root).resolve()
    except (OSError, RuntimeError):
        return ""
    top = _git_toplevel(folder)
    if top is None:
        return ""
    try:
        rel = folder.relative_to(top.resolve())
    except (ValueError, OSError, RuntimeError):
        return ""
    return "" if str(rel) in ("", ".") else rel.as_posix()


def repo_path(prefix: str, file: str | None, raw: bool = False) -> str:
    """A finding's file joined to the catalog's prefix, POSIX, without ``./``; ``raw`` keeps
    undecodable bytes of a file name (as surrogate escapes) for :func:`_uri`."""
    f = (str(file or ".") if raw else clean(file or ".")).replace("\\", "/")
    joined = PurePosixPath(prefix, f) if prefix else PurePosixPath(f)
    s = str(joined)
    return "." if s in ("", ".") else s


def _uri(path: str) -> str:
    """Percent-encode a path; a file name's undecodable bytes are encoded as the bytes on disk."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = clean(path).encode("utf-8")
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

    def flush():
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


def _rule_descriptor(r) -> dict:
    doc = clean(r.doc) or clean(r.name)
    summary = clean(r.summary) or clean(r.name)
    return {
        "id": r.name,
        "name": r.name,
        "shortDescription": {"text": _cap(summary)},
        "fullDescription": {"text": _cap(doc)},
        "help": {"text": doc, "markdown": help_markdown(doc)},
        "defaultConfiguration": {"level": LEVELS.get(r.severity, "warning")},
        "properties": {"tags": [r.family], "family": r.family, "official": bool(r.official)},
    }


def _result(f, index: dict, prefix: str) -> dict:
    res: dict = {
        "ruleId": clean(f.rule),
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": clean(f.message) or clean(f.rule)},
        "partialFingerprints": {FINGERPRINT_KEY: clean(f.fingerprint)},
    }
    if f.rule in index:
        res["ruleIndex"] = index[f.rule]
    physical: dict = {"artifactLocation": {"uri": _uri(repo_path(prefix, f.file, raw=True)), "uriBaseId": "%SRCROOT%"}}
    if isinstance(f.line, int) and f.line >= 1:
        region = {"startLine": f.line}
        if isinstance(f.column, int) and f.column >= 1:
            region["startColumn"] = f.column
        physical["region"] = region
    res["locations"] = [{"physicalLocation": physical}]
    props = {}
    if f.resource is not None:
        props["resource"] = {k: clean(v) if v is not None else None for k, v in f.resource.to_json().items()}
    if f.step:
        props["step"] = clean(f.step)
    if f.field:
        props["field"] = clean(f.field)
    if props:
        res["properties"] = props
    return res


def render(result, **kw) -> str:
    from saga_lint.rules import all_rules

    prefix = kw.get("prefix")
    if prefix is None:
        prefix = repo_prefix(result.root)
    rules = all_rules()
    names = sorted(rules)
    # findings of rules the registry does not know (should not happen) still get a descriptor
    extra = sorted({f.rule for f in result.findings if f.rule not in rules})
    descriptors = [_rule_descriptor(rules[n]) for n in names]
    for n in extra:
        descriptors.append({"id": clean(n), "shortDescription": {"text": clean(n)}})
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
                "results": [_result(f, index, prefix) for f in result.findings],
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
