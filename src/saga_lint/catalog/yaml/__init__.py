"""YAML handling: a page's frontmatter text in, plain values with source positions out.

Modules and their public names (import them from the module, not from this package):

- ``frontmatter``: ``split(text) -> Split``, a Markdown/MDX page cut into its YAML and its body,
  with the first line of each;
- ``locations``: ``load(text, line_offset, lazy_locations) -> (value, Locations)``, the plain
  Python value of one YAML document and its map of key path -> ``(line, column)``
  (``LazyLocations`` when built on first use); ``load_lazily(text, line_offset)``, the same with
  lazy positions and whether ``fast`` read it (a page's digest masks its summary only then);
  ``YamlProblem``, the error every module here
  raises (rule name, message, position); the bounds ``MAX_NODES`` and ``MAX_DEPTH``;
- ``fast``: ``parse(text)``, the fast path of ``load`` for the plain block YAML that almost every
  frontmatter is, or ``NOT_SIMPLE``; ``plain_tag`` and ``scalar_value``, the scalar typing both
  paths share.

Inside this package ``import yaml`` still means PyYAML: imports are absolute, and this package is
reached only as ``saga_lint.catalog.yaml``. (Its parent ``saga_lint/catalog/__init__.py`` must not
bind a global named ``yaml``: importing this package sets that attribute on the parent.)
"""
