"""Reading EventCatalog catalogs: layout, frontmatter with locations, bodies, versions, schema files.

``load_catalog(root) -> Catalog`` (``loader``); the page facts the rules read (``pagefacts``).
"""

from saga_lint.catalog.loader import load_catalog
from saga_lint.catalog.model import Catalog, Resource

__all__ = ["Catalog", "Resource", "load_catalog"]
