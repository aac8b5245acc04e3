"""saga-lint: lint EventCatalog catalogs and review the sagas they describe."""

__version__ = "0.1.0"
