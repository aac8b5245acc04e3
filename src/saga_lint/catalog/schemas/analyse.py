"""A schema file into its problems: the schema against its metaschema (jsonschema), then its
``$ref``s inside the catalog and their loops (``resolve.RefAnalysis``). Plain schemas of a known
draft with nothing to resolve skip both (``plain``): most catalog schemas."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.schemas import plain
from saga_lint.catalog.schemas.model import RULE_INVALID, LoadedSchema, SchemaFile, SchemaProblem, short
from saga_lint.catalog.schemas.resolve import RefAnalysis, uri_for

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from saga_lint.catalog.files import CatalogFiles

# $schema (or None) -> (validator class, whether $schema names a known dialect)
_DIALECTS: dict[object, tuple[type[Validator], bool]] = {}


class _Invalid(Exception):
    def __init__(self, message: str, path: tuple[Hashable, ...]):
        super().__init__(message)
        self.path = path


def analyse(files: CatalogFiles, f: SchemaFile) -> LoadedSchema:
    """The schema in ``f`` (read from the catalog of ``files``), with its problems and a registry."""
    loaded = LoadedSchema(f.file, f.document if f.parsed else None, list(f.problems))
    if not f.parsed:
        return loaded
    doc = f.document
    # the fast path: a plain schema of a known draft with nothing to resolve needs neither
    # jsonschema nor referencing (most catalog schemas; see plain.plainly_valid and plain.needs_ref_analysis)
    if isinstance(doc, dict):
        draft = plain.plain_draft(doc)
        if (
            draft is not None
            and plain.plainly_valid(doc, 0)
            and (plain.surely_refless(f) or not plain.needs_ref_analysis(doc, legacy_ids=draft == "Draft4Validator"))
        ):
            loaded.uri = uri_for(files.schemas.base, f.file)
            loaded.registry_factory = lambda: RefAnalysis(files, f).registry
            return loaded
    _check_metaschema(f, doc, loaded.problems)
    if isinstance(doc, (dict, bool)):
        _check_refs(files, f, doc, loaded)
    return loaded


def _validator_for(doc: Any) -> tuple[type[Validator], bool]:
    """The validator class of a schema and whether its ``$schema`` names a known dialect; memoised
    by ``$schema`` (``validator_for`` normalises the URI)."""
    from jsonschema.validators import Draft202012Validator, validator_for

    dialect = doc.get("$schema") if isinstance(doc, dict) else None
    found = _DIALECTS.get(dialect)
    if found is None:
        # default=None: None for a $schema jsonschema does not know (its stubs only allow a class)
        known = dialect is None or validator_for(doc, default=None) is not None  # type: ignore[arg-type]
        found = (validator_for(doc, default=Draft202012Validator), known)
        if len(_DIALECTS) < 1000:
            _DIALECTS[dialect] = found
    return found


def _check_metaschema(f: SchemaFile, doc: Any, problems: list[SchemaProblem]) -> None:
    """The schema against its metaschema (``$schema``, draft 2020-12 when absent)."""
    try:
        from jsonschema.exceptions import SchemaError

        if isinstance(doc, dict) and not isinstance(doc.get("$schema", ""), str):
            raise _Invalid("$schema must be a string (the URI of a JSON Schema dialect)", ("$schema",))
        if not isinstance(doc, (dict, bool)):
            raise _Invalid(f"a JSON Schema must be an object or a boolean, not a {type(doc).__name__}", ())
        cls, known_dialect = _validator_for(doc)
        is_plain = isinstance(doc, dict) and cls.__name__ in plain.PLAIN_DRAFTS and known_dialect
        if not (is_plain and plain.plainly_valid(doc, 0)):
            cls.check_schema(doc)  # type: ignore[arg-type]  # a boolean is a schema too (its stubs say dict)
    except _Invalid as exc:
        line, col = f.locate(exc.path)
        problems.append(SchemaProblem(RULE_INVALID, f"not a valid JSON Schema: {exc}", f.file, line, col))
    except SchemaError as exc:
        path = tuple(exc.path)
        line, col = f.locate(path)
        where = "/" + "/".join(str(p) for p in path) if path else "the top level"
        problems.append(
            SchemaProblem(
                RULE_INVALID, f"not a valid JSON Schema: {short(exc.message)} (at {short(where, 80)})", f.file, line, col
            )
        )
    except RecursionError:
        problems.append(
            SchemaProblem(RULE_INVALID, "schema nests too deeply to be checked; flatten it with $defs and $ref", f.file)
        )
    except Exception as exc:  # never a crash on a schema file
        problems.append(SchemaProblem(RULE_INVALID, f"schema cannot be checked: {type(exc).__name__}", f.file))


def _check_refs(files: CatalogFiles, f: SchemaFile, doc: dict[str, Any] | bool, loaded: LoadedSchema) -> None:
    """``$ref``: resolved inside the catalog only; loops. Gives ``loaded`` its registry."""
    try:
        analysis = RefAnalysis(files, f)
        if plain.needs_ref_analysis(doc, plain.uses_legacy_ids(analysis.default_spec)):
            analysis.run()
        seen = {p.key for p in loaded.problems}
        loaded.problems.extend(p for p in analysis.problems if p.key not in seen)
        loaded.registry = analysis.registry
        loaded.uri = analysis.root_uri
    except RecursionError:
        loaded.problems.append(SchemaProblem(RULE_INVALID, "schema $refs nest too deeply to be resolved", f.file))
    except Exception as exc:  # never a crash on a schema file
        loaded.problems.append(SchemaProblem(RULE_INVALID, f"schema $refs cannot be resolved: {type(exc).__name__}", f.file))
