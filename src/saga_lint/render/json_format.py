"""``--format json``: the stable machine interface (documented in docs/json-output.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.results import Checked


def render(result: Checked) -> str:
    doc = {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
        "summary": result.summary(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
