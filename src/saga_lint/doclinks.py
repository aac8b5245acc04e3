"""Where a rule's documentation is on the web, and its human name: for SARIF's ``helpUri`` and ``name``.

saga-lint has no documentation site: its documentation is the repository's ``docs/`` folder, read
on the repository host. ``REPOSITORY`` is the repository URL that pyproject.toml's
``[project.urls]`` names (tests/test_sarif_links.py holds the two equal); a rule's page is
``docs/rules.md`` on the ``main`` branch, at the heading the generator writes for the rule
(``### saga/retry-policy``), whose anchor is the host's slug of that heading (``#sagaretry-policy``:
lower case, every character but letters, digits, ``-`` and ``_`` dropped). docs/formats.md says so.
"""

from __future__ import annotations

import re

REPOSITORY = "https://github.com/saga-lint/saga-lint"
DOCS_URL = f"{REPOSITORY}/blob/main/docs/"
RULES_PAGE = f"{DOCS_URL}rules.md"


def rule_anchor(name: str) -> str:
    """The anchor of the heading ``### NAME`` in docs/rules.md (GitHub's slug of the heading text)."""
    return re.sub(r"[^a-z0-9_ -]", "", name.lower()).replace(" ", "-")


def rule_help_uri(name: str) -> str:
    """The URL of a rule's section in docs/rules.md."""
    return f"{RULES_PAGE}#{rule_anchor(name)}"


def rule_title(name: str) -> str:
    """A rule's human name, PascalCase from its id: ``saga/retry-policy`` -> ``SagaRetryPolicy``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
