"""``--format junit``: JUnit XML for CI test reports (GitLab, Jenkins, Azure, ...).

One ``<testsuite>`` per rule family (``refs``, ``schema``, ``flow``, ...), one ``<testcase>`` per
finding with a ``<failure>`` whose ``type`` is the severity; a clean catalog gives one passing
test case. Built with ``xml.etree``, which escapes markup; characters XML 1.0 cannot hold at all
(control characters, lone surrogates) are removed first (``safe.xml_text``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from saga_lint.render.repopath import repo_path
from saga_lint.render.safe import xml_text
from saga_lint.results import RepoFacts

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import Checked

__all__ = ["render", "xml_text"]


def _location(f: Finding, prefix: str) -> str:
    where = repo_path(prefix, f.file) if f.file else "(catalog)"
    if isinstance(f.line, int) and f.line >= 1:
        where += f":{f.line}"
        if isinstance(f.column, int) and f.column >= 1:
            where += f":{f.column}"
    return where


def _details(f: Finding, where: str) -> str:
    lines = [f"{f.severity}: {f.message}", f"rule: {f.rule}", f"at: {where}"]
    if f.resource is not None:
        lines.append(f"resource: {f.resource}")
    if f.step:
        lines.append(f"step: {f.step}")
    if f.field:
        lines.append(f"field: {f.field}")
    lines.append(f"fingerprint: {f.fingerprint}")
    return "\n".join(lines)


def _suite(root: ET.Element, family: str, items: list[Finding], prefix: str) -> None:
    suite = ET.SubElement(
        root, "testsuite",
        name=xml_text(f"saga-lint.{family}"), tests=str(len(items)), failures=str(len(items)),
        errors="0", skipped="0", time="0",
    )
    for f in items:
        where = _location(f, prefix)
        case = ET.SubElement(
            suite, "testcase",
            classname=xml_text(f"saga-lint.{family}"), name=xml_text(f"{f.rule} at {where}"), time="0",
        )
        if f.file:
            case.set("file", xml_text(repo_path(prefix, f.file)))
        if isinstance(f.line, int) and f.line >= 1:
            case.set("line", str(f.line))
        failure = ET.SubElement(case, "failure", message=xml_text(f.message), type=xml_text(f.severity))
        failure.text = xml_text(_details(f, where))


def render(result: Checked, repo: RepoFacts) -> str:
    families: dict[str, list[Finding]] = {}
    for f in result.findings:
        families.setdefault(f.rule.split("/", 1)[0], []).append(f)

    root = ET.Element("testsuites", name="saga-lint")
    total = 0
    for family in sorted(families):
        _suite(root, family, families[family], repo.prefix)
        total += len(families[family])
    if not families:
        suite = ET.SubElement(root, "testsuite", name="saga-lint", tests="1", failures="0", errors="0", skipped="0", time="0")
        ET.SubElement(suite, "testcase", classname="saga-lint", name="catalog has no problems", time="0")
        root.set("tests", "1")
    else:
        root.set("tests", str(total))
    root.set("failures", str(total))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
