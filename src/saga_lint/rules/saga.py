"""``saga/*``: the saga rules (see saga_lint.saga for the model they read)."""

from __future__ import annotations
