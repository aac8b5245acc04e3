"""What one catalog knows of its files: ``CatalogFiles``, one object per catalog.

The root and its real path, the files the walk saw, whether there is a ``public/`` folder, the
answers of ``paths.resolve_in_catalog`` so far, the paths it looked up on disk because the walk
did not see them (``unwalked``: in a hidden or skipped folder such as ``public/``, through a link,
or missing; the result cache keys them too, ``cache.py``), and the JSON schema files read and
analysed so far (``SchemaStore``, with the catalog's unguessable base URI). ``Catalog.files`` is one; a loader
worker builds its own from the same root and base URI, so that both compute the same page facts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.catalog.schemas.model import LoadedSchema, SchemaFile
    from saga_lint.catalog.schemas.resolve import RefAnalysis

PUBLIC_DIR = "public"  # where EventCatalog serves static files (icons) from, relative to the root
SCHEMA_HOST = "https://saga-lint.invalid/"  # .invalid can never resolve; the token makes it unguessable

# (status, catalog-relative path or None): see paths.resolve_in_catalog
Resolution = tuple[str, str | None]


def new_schema_base() -> str:
    """A base URI no schema can name: the catalog's files are ``<base><path>`` in $ref resolution."""
    return f"{SCHEMA_HOST}{os.urandom(16).hex()}/"


@dataclass(eq=False)
class SchemaStore:
    """The JSON schema files of one catalog read so far (``files``, by catalog-relative path) and
    analysed so far (``analysed``; None for a file that is no JSON schema: Avro, OpenAPI, ...)."""

    base: str = field(default_factory=new_schema_base)
    files: dict[str, SchemaFile] = field(default_factory=dict)
    analysed: dict[str, LoadedSchema | None] = field(default_factory=dict)
    # (file URI, dialect) -> the $ref table of a file other schemas $ref (``resolve.RefAnalysis``):
    # walked once, not once per schema that reaches it (None: over the node budget alone)
    ref_tables: dict[tuple[str, str], RefAnalysis | None] = field(default_factory=dict)


@dataclass(eq=False)
class CatalogFiles:
    """The files of one catalog (see the module's docstring). ``walked`` is filled by the loader."""

    root: Path
    real_root: str = ""  # os.path.realpath(root); computed from root when not given
    walked: set[str] = field(default_factory=set)  # every non-page file the walk saw (relative)
    schemas: SchemaStore = field(default_factory=SchemaStore)
    resolved: dict[tuple[str, str], Resolution] = field(default_factory=dict)  # (folder, path) -> answer
    has_public_dir: bool = field(init=False)
    # the catalog-relative paths looked up on disk, not in ``walked`` (in the order asked;
    # ``public`` first: whether it is a folder decides whether icons are checked)
    unwalked: list[str] = field(default_factory=lambda: [PUBLIC_DIR])

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if not self.real_root:
            self.real_root = os.path.realpath(str(self.root))
        self.has_public_dir = os.path.isdir(os.path.join(str(self.root), PUBLIC_DIR))

    def abs_path(self, rel: str) -> str:
        """The file system path of a catalog-relative POSIX path (already resolved inside it)."""
        if os.sep == "/":
            return f"{self.root}/{rel}" if rel else str(self.root)
        return os.path.join(str(self.root), *rel.split("/"))
