"""Reading EventCatalog catalogs: layout, frontmatter with locations, bodies, versions, schema files.

``load_catalog(root) -> Catalog`` (``loader``); the page facts the rules read (``pagefacts``).
The names below are imported on first use: a light module of this package (``locate``, ``walk``)
does not pay for the loader (a run answered from the cache never loads a page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saga_lint.catalog.loader import load_catalog
    from saga_lint.catalog.model import Catalog, Resource

__all__ = ["Catalog", "Resource", "load_catalog"]


def __getattr__(name: str) -> Any:
    if name == "load_catalog":
        from saga_lint.catalog.loader import load_catalog

        return load_catalog
    if name in ("Catalog", "Resource"):
        from saga_lint.catalog import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
