"""Configuration: which rules run, at what severity, on which files; and where it is found.

Found as ruff finds its own: from the catalog folder up to the repository root (the folder
holding ``.git``; without a repository, the catalog folder only), the nearest folder with
``saga-lint.yaml``, ``.saga-lint.yaml``, ``saga-lint.yml`` or a ``pyproject.toml`` that has a
``[tool.saga-lint]`` table (a ``pyproject.toml`` without one is passed over); else the official
linter's ``.eventcatalogrc.js`` in the catalog folder (``saga_lint.rcjs``); ``--config FILE``
wins over all of them; else the ``default`` ruleset. Shape::

    extends: default            # a ruleset in rules/ (default, strict, relaxed) or a path
    fail-on: error              # error | warning | info
    rules:                      # severity per rule or family wildcard: error|warning|info|off
      best-practices/description-required: off
      saga/*: error
    ignore: ["drafts/**"]       # files whose findings are dropped
    overrides:                  # per-path severities, later entries win
      - files: ["domains/Legacy/**"]
        rules: {refs/orphan-messages: off}

Globs are gitignore-style (``saga_lint.globs``): ``*`` within a folder, ``**`` across folders, a
name without a slash at any depth, ``!pattern`` to re-include. They are matched against a
finding's path relative to the catalog and, for a configuration found in a folder above the
catalog, relative to that folder too (``catalog/drafts/**`` at the repository root).

The command line narrows a configuration with ``--select`` and ``--ignore`` (``with_selection``).

A bad config is a ``ConfigError`` (exit 2 with a one-line reason), never a guess.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saga_lint.globs import Globs

LEVELS = ("error", "warning", "info", "off")
ALIASES = {"warn": "warning", "err": "error"}


class ConfigError(Exception):
    pass


def rulesets_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "rulesets"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rules"  # a source checkout (editable install)


def _norm_level(value: object, where: str) -> str:
    if isinstance(value, list) and value:
        value = value[0]  # official linter style: [severity, {options}]
    if value is False:
        value = "off"  # YAML 1.1 reads a bare `off` as false
    v = ALIASES.get(str(value).lower(), str(value).lower())
    if v not in LEVELS:
        raise ConfigError(f"{where}: severity must be one of error, warning, info, off; got {value!r}")
    return v


def _apply_levels(table: dict[str, str], new: dict[str, str], known: Collection[str]) -> None:
    """Lay ``new`` (rule or wildcard -> level) over ``table``: ``*`` first, then family wildcards,
    then exact names, so a wildcard overrides the exact entries of the ruleset beneath it but not
    the exact entries written beside it."""

    def rank(k: str) -> int:
        return 0 if k == "*" else 1 if k.endswith("/*") else 2

    for k in sorted(new, key=rank):
        lvl = new[k]
        table[k] = lvl
        if k == "*":
            table.update({n: lvl for n in known})
        elif k.endswith("/*"):
            table.update({n: lvl for n in known if n.startswith(k[:-1])})


Levels = dict[str, str]  # rule name or wildcard (``*``, ``family/*``) -> level


def pattern_matches(pattern: str, rule: str) -> bool:
    """Whether a rule pattern (a name, ``family/*`` or ``*``) names ``rule``."""
    return pattern in ("*", rule) or (pattern.endswith("/*") and rule.startswith(pattern[:-1]))


@dataclass
class Config:
    severities: Levels = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)
    overrides: list[tuple[list[str], Levels]] = field(default_factory=list)  # [(globs, {rule: level})]
    fail_on: str = "error"
    source: str | None = None
    sagas: list[str] = field(default_factory=list)  # flow ids to treat as sagas
    schema_compatibility: dict[str, Any] = field(default_factory=dict)
    extends: str = "default"
    notes: list[str] = field(default_factory=list)  # what was left out when reading the configuration
    glob_prefix: str = ""  # the catalog folder relative to the configuration's folder ('' when the same)
    select: list[str] | None = None  # --select: only these rules (names or wildcards); None: all
    deselect: list[str] = field(default_factory=list)  # --ignore: never these rules
    eventcatalog_version: str | None = None  # used when the catalog's package.json declares none

    def __post_init__(self) -> None:
        """The globs, compiled once (a hostile one is a ``ConfigError`` here, not mid-run)."""
        from saga_lint.globs import GlobError, Globs

        try:
            self._ignored = Globs(self.ignore)
            self._override_globs = [(Globs(globs), table) for globs, table in self.overrides]
        except GlobError as exc:
            raise ConfigError(str(exc)) from None

    @staticmethod
    def _lookup(table: Levels, rule: str) -> str | None:
        if rule in table:
            return table[rule]
        family = rule.split("/", 1)[0] + "/*"
        if family in table:
            return table[family]
        return table.get("*")

    def selected(self, rule: str) -> bool:
        """Whether the command line's ``--select`` / ``--ignore`` leave ``rule`` in."""
        if self.select is not None and not any(pattern_matches(p, rule) for p in self.select):
            return False
        return not any(pattern_matches(p, rule) for p in self.deselect)

    def _glob_match(self, globs: Globs, file: str) -> bool:
        return globs.match(file) or bool(self.glob_prefix) and globs.match(f"{self.glob_prefix}/{file}")

    def severity_for(self, rule: str, file: str | None, default: str) -> str:
        """The level of ``rule`` for a finding in ``file`` (``off`` included): the rules table,
        then every override whose globs match the file, later ones winning."""
        if not self.selected(rule):
            return "off"
        level = self._lookup(self.severities, rule) or default
        if file:
            for globs, table in self._override_globs:
                if self._glob_match(globs, file):
                    level = self._lookup(table, rule) or level
        return level

    def rule_may_run(self, rule: str, default: str) -> bool:
        if not self.selected(rule):
            return False
        if (self._lookup(self.severities, rule) or default) != "off":
            return True
        return any((self._lookup(t, rule) or "off") != "off" for _, t in self.overrides)

    def is_ignored(self, file: str | None) -> bool:
        return bool(file) and self._glob_match(self._ignored, file or "")


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 10x faster
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=loader)  # a safe loader
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: the file is not valid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping")
    return data


def _ruleset(name: str, base_dir: Path, seen: tuple[str, ...] = ()) -> Levels:
    if name in seen:
        raise ConfigError(f"ruleset {name!r} extends itself")
    candidate = Path(name)
    if not candidate.suffix:
        candidate = rulesets_dir() / f"{name}.yaml"
    elif not candidate.is_absolute():
        candidate = base_dir / candidate
    if not candidate.is_file():
        available = ", ".join(sorted(p.stem for p in rulesets_dir().glob("*.yaml")))
        raise ConfigError(f"unknown ruleset {name!r} (available: {available})")
    data = _read_yaml(candidate)
    out: Levels = {}
    if data.get("extends"):
        out.update(_ruleset(str(data["extends"]), candidate.parent, seen + (name,)))
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{candidate}: rules must be a mapping of rule name to severity")
    _apply_levels(out, {str(k): _norm_level(v, f"{candidate}: {k}") for k, v in rules.items()}, known_rules())
    return out


def known_rules() -> frozenset[str]:
    """Every rule's name, from the default ruleset, which lists every rule (a test holds it to the
    registry). Read from the data, not from ``saga_lint.rules``: the rules depend on the
    configuration, never the other way round."""
    return frozenset(str(name) for name in (_read_yaml(rulesets_dir() / "default.yaml").get("rules") or {}))


def _did_you_mean(word: str, candidates: Collection[str]) -> str:
    """`` Did you mean 'x'?`` for the nearest candidates (case-insensitive), or ''."""
    from saga_lint.suggest import nearest

    close = nearest(word, candidates, cutoff=0.6, most=2)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _check_names(table: dict[Any, Any], known: Collection[str], source: str | None, *path: str | int) -> None:
    """Every rule name of ``table`` (at ``path`` in the configuration) is a rule or a wildcard."""
    for name in table:
        if name == "*" or name.endswith("/*") or name in known:
            continue
        hint = _did_you_mean(str(name), known)
        where = _where(source, *path, str(name)) + (f": {path[0]}[{path[1]}]" if len(path) > 2 else "")
        raise ConfigError(f"{where}: unknown rule {name!r} (see `saga-lint rules`).{hint}".rstrip("."))


# every key a configuration may have (``ignorePatterns`` and ``fail_on`` as the official linter's
# config and older saga-lint configs spell them)
TOP_LEVEL_KEYS = ("extends", "rules", "ignore", "ignorePatterns", "overrides", "fail-on", "fail_on", "sagas",
                  "schema-compatibility", "eventcatalog-version")


def _check_keys(data: dict[str, Any], source: str | None) -> None:
    """An unknown top-level key is an error (a misspelt ``rules:`` would silently do nothing), at
    its line when the configuration is a YAML file."""
    for key in data:
        if str(key) in TOP_LEVEL_KEYS:
            continue
        where = _where(source, str(key))
        hint = _did_you_mean(str(key), TOP_LEVEL_KEYS)
        known = ", ".join(k for k in TOP_LEVEL_KEYS if k not in ("ignorePatterns", "fail_on"))
        raise ConfigError(f"{where}: unknown key {key!r}.{hint} (a configuration has: {known})")


def _where(source: str | None, *path: str | int) -> str:
    """``file:line`` of the key (or list item) at ``path`` in a YAML configuration file, else the file."""
    line = _key_line(source, *path)
    return f"{source}:{line}" if line else str(source)


def _key_line(source: str | None, *path: str | int) -> int | None:
    """The line of the key (or list item) at ``path`` in a YAML configuration file (read again:
    only on an error)."""
    if not source or not source.endswith((".yaml", ".yml")) or not path:
        return None
    import yaml

    try:
        node = yaml.compose(Path(source).read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if found is None:
                return line
            line, node = int(found[0].start_mark.line) + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = int(node.start_mark.line) + 1
        else:
            return line
    return line


def _overrides(data: dict[str, Any], known: Collection[str], source: str | None) -> list[tuple[list[str], Levels]]:
    out = []
    for i, ov in enumerate(data.get("overrides") or []):
        if not isinstance(ov, dict) or not isinstance(ov.get("files"), list) or not isinstance(ov.get("rules", {}), dict):
            hint = " (files, not file)" if isinstance(ov, dict) and "file" in ov and "files" not in ov else ""
            raise ConfigError(f"{_where(source, 'overrides', i)}: overrides[{i}] must be "
                              f"{{files: [globs], rules: {{rule: severity}}}}{hint}")
        _check_names(ov.get("rules", {}), known, source, "overrides", i, "rules")
        table = {str(k): _norm_level(v, f"{_where(source, 'overrides', i, 'rules', str(k))}: overrides[{i}].{k}")
                 for k, v in ov.get("rules", {}).items()}
        out.append(([str(g) for g in ov["files"]], table))
    return out


def _fail_on(data: dict[str, Any], source: str | None) -> str:
    fail_on = data.get("fail-on", data.get("fail_on"))
    if fail_on is None:
        return "error"
    level = _norm_level(fail_on, f"{source}: fail-on")
    if level == "off":
        raise ConfigError(f"{source}: fail-on must be one of error, warning, info; got {fail_on!r}")
    return level


def from_mapping(data: dict[str, Any], base_dir: Path, source: str | None = None) -> Config:
    _check_keys(data, source)
    known = known_rules()
    severities = _ruleset(str(data.get("extends", "default")), base_dir)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{source}: rules must be a mapping of rule name to severity")
    _check_names(rules, known, source, "rules")
    _apply_levels(severities, {str(k): _norm_level(v, f"{_where(source, 'rules', str(k))}: rules.{k}")
                               for k, v in rules.items()}, known)
    ignore = data.get("ignore", data.get("ignorePatterns", [])) or []
    if not isinstance(ignore, list):
        raise ConfigError(f"{source}: ignore must be a list of globs")
    overrides = _overrides(data, known, source)
    fail_on = _fail_on(data, source)
    sagas = data.get("sagas") or []
    compat = data.get("schema-compatibility") or {}
    return Config(
        severities=severities,
        ignore=[str(g) for g in ignore],
        overrides=overrides,
        fail_on=fail_on,
        source=source,
        sagas=[str(s) for s in sagas] if isinstance(sagas, list) else [],
        schema_compatibility=compat if isinstance(compat, dict) else {},
        extends=str(data.get("extends", "default")),
        eventcatalog_version=str(data["eventcatalog-version"]) if data.get("eventcatalog-version") else None,
    )


CONFIG_NAMES = ("saga-lint.yaml", ".saga-lint.yaml", "saga-lint.yml")


def _folders_up(root: Path) -> list[tuple[Path, Path]]:
    """``(shown, resolved)`` for the catalog folder and each folder above it up to the repository
    root (the first folder holding ``.git``); the catalog folder alone outside a repository."""
    start = root.resolve()
    chain = [start, *start.parents]
    top = next((i for i, folder in enumerate(chain) if (folder / ".git").exists()), None)
    if top is None:
        return [(root, start)]
    return [(root, start), *((Path(os.path.relpath(folder)), folder) for folder in chain[1:top + 1])]


def find_config(catalog_root: str | os.PathLike[str]) -> tuple[Path, Path, dict[str, Any] | None] | None:
    """The configuration that applies to the catalog at ``catalog_root``: ``(file as shown, its
    folder resolved, the pyproject table or None for a YAML file)``, or None for none. Without
    one, the official linter's ``.eventcatalogrc.js`` in the catalog folder (``saga_lint.rcjs``)."""
    folders = _folders_up(Path(catalog_root))
    for shown, folder in folders:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return shown / name, folder, None
        if (folder / "pyproject.toml").is_file():
            section = _pyproject_section(shown / "pyproject.toml")
            if section is not None:
                return shown / "pyproject.toml", folder, section
    from saga_lint.rcjs import RC_NAME

    shown, folder = folders[0]
    if (folder / RC_NAME).is_file():
        return shown / RC_NAME, folder, None
    return None


def from_rc(path: Path, folder: Path) -> Config:
    """The configuration of an ``.eventcatalogrc.js``: its rules (those saga-lint has), ignorePatterns
    and overrides; the rules it left out are in ``notes``."""
    from saga_lint.rcjs import RcError, read_rc, to_config_mapping

    try:
        mapping, unknown = to_config_mapping(read_rc(path), known_rules())
    except RcError as exc:
        raise ConfigError(str(exc)) from None
    config = from_mapping(mapping, folder, f"{path} (@eventcatalog/linter)")
    config.notes = [f"{path}: {name!r} is no saga-lint rule; left out" for name in unknown]
    return config


def load_config(catalog_root: str | os.PathLike[str], explicit: str | None = None) -> Config:
    """The configuration for the catalog at ``catalog_root``: ``explicit`` (``--config``) when
    given, else the nearest one found (``find_config``), else the default ruleset."""
    root = Path(catalog_root)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {explicit} not found")
        if path.name == "pyproject.toml":
            section = _pyproject_section(path)
            if section is None:
                raise ConfigError(f"{explicit} has no [tool.saga-lint] table")
            return from_mapping(section, path.parent, f"{path} [tool.saga-lint]")
        if path.name.endswith(".js"):
            return from_rc(path, path.parent)
        return from_mapping(_read_yaml(path), path.parent, str(path))
    found = find_config(root)
    if found is None:
        return from_mapping({}, root, None)
    path, folder, section = found
    if section is not None:
        config = from_mapping(section, folder, f"{path} [tool.saga-lint]")
    elif path.name.endswith(".js"):
        config = from_rc(path, folder)
    else:
        config = from_mapping(_read_yaml(path), folder, str(path))
    prefix = os.path.relpath(root.resolve(), folder)
    config.glob_prefix = "" if prefix == "." else Path(prefix).as_posix()
    return config


def _toml_loads(text: str) -> dict[str, Any]:
    """TOML: ``tomllib`` from Python 3.11, the ``tomli`` package before (a dependency there)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    try:  # pragma: no cover - Python 3.10
        import tomli
    except ImportError:  # pragma: no cover - Python 3.10 without the declared dependency
        raise ConfigError("reading [tool.saga-lint] on Python 3.10 needs the tomli package: pip install tomli") from None
    data: dict[str, Any] = tomli.loads(text)  # pragma: no cover - Python 3.10
    return data  # pragma: no cover - Python 3.10


def _pyproject_section(pyproject: Path) -> dict[str, Any] | None:
    """``[tool.saga-lint]`` of a pyproject.toml (None without one)."""
    try:
        data = _toml_loads(pyproject.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {pyproject}: {exc}") from None
    tool = data.get("tool")
    section = tool.get("saga-lint") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.saga-lint] must be a table")
    return section


def with_selection(config: Config, select: Collection[str], ignore: Collection[str]) -> Config:
    """``config`` narrowed by the command line's ``--select`` and ``--ignore`` (rule names,
    ``family/*`` or ``*``; an unknown name is a ``ConfigError`` naming the near miss)."""
    known = known_rules()
    families = {n.split("/", 1)[0] + "/*" for n in known}
    for option, names in (("--select", select), ("--ignore", ignore)):
        for name in names:
            if name == "*" or name in known or name in families:
                continue
            hint = _did_you_mean(name, families if name.endswith("/*") else known)
            raise ConfigError(f"{option}: unknown rule {name!r} (see `saga-lint rules`).{hint}".rstrip("."))
    if select:
        config.select = [*(config.select or []), *select]
    config.deselect = [*config.deselect, *ignore]
    return config


def describe(config: Config) -> str:
    """``check --show-config``: which file was used and the effective configuration, as YAML."""
    import yaml

    known = known_rules()
    rules = {name: config.severity_for(name, None, config.severities.get(name, "off")) for name in sorted(known)}
    doc: dict[str, Any] = {
        "extends": config.extends,
        "fail-on": config.fail_on,
        "ignore": config.ignore,
        "overrides": [{"files": globs, "rules": table} for globs, table in config.overrides],
        "sagas": config.sagas,
        "rules": rules,
    }
    if config.schema_compatibility:
        doc["schema-compatibility"] = config.schema_compatibility
    head = f"# config: {config.source or 'none found (the default ruleset)'}\n"
    head += "".join(f"# note: {note}\n" for note in config.notes)
    if config.glob_prefix:
        head += f"# globs also match paths relative to the config's folder: {config.glob_prefix}/...\n"
    if config.select is not None or config.deselect:
        head += f"# command line: --select {config.select or ['*']} --ignore {config.deselect}\n"
    return head + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)
