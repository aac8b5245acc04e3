"""``catalog.wire``: a loader worker's part reaches the main process equal to what the worker parsed,
whether its pages travel as marshalled rows or, when they are not plain data, pickled."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_lint.catalog import wire
from saga_lint.catalog.model import Resource
from saga_lint.catalog.units import FolderTree, LoadedPart, load_unit
from saga_lint.catalog.walk import Folder
from saga_lint.catalog.yaml.locations import LazyLocations, Locations
from saga_lint.findings import Finding, Severity

OUR_CATALOG = Path(__file__).resolve().parents[1] / "catalog"


def _our_part() -> LoadedPart:
    root = OUR_CATALOG.resolve()
    return load_unit(FolderTree(Folder(str(root), "")), str(root))


def _pickled_pages(blob: bytes) -> int:
    """How many pages of an encoded part travel pickled (the others are marshalled rows)."""
    import marshal
    import pickle

    _shell, rows = pickle.loads(blob)
    return sum(isinstance(item, bytes) for item in marshal.loads(rows))


def _same(a: LoadedPart, b: LoadedPart) -> None:
    assert [(f.rule, f.file, f.line, f.message) for f in a.walk_findings] == \
        [(f.rule, f.file, f.line, f.message) for f in b.walk_findings]
    assert [(f.rule, f.file, f.line, f.message) for f in a.parse_findings] == \
        [(f.rule, f.file, f.line, f.message) for f in b.parse_findings]
    assert (a.files_seen, a.other_files) == (b.files_seen, b.other_files)
    assert len(a.pages) == len(b.pages)
    for x, y in zip(a.pages, b.pages, strict=True):
        assert type(y) is type(x)
        assert (x.type, x.file, x.folder, x.data, x.body, x.body_line, x.versioned_folder, x.head_digest) == \
            (y.type, y.file, y.folder, y.data, y.body, y.body_line, y.versioned_folder, y.head_digest)
        assert x.key == y.key and x.locs.find("id") == y.locs.find("id")
        assert dict(x.locs) == dict(y.locs)


def test_our_catalog_travels_as_rows_and_arrives_equal():
    part = _our_part()
    assert len(part.pages) > 40 and part.other_files
    part.parse_findings.append(Finding("parse/yaml", Severity.ERROR, "broken", "x/index.mdx", 3, 1))
    blob = wire.encode(part)
    dated = [r for r in part.pages if any(type(v) is not str and "Date" in type(v).__name__.title() for v in r.data.values())]
    assert dated  # our changelogs' createdAt: YAML dates, which marshal cannot encode
    assert _pickled_pages(blob) == len(dated)  # those pages are pickled, every other one is a row
    back = wire.decode(blob)
    _same(part, back)
    assert back.parse_findings[0].message == "broken"
    assert type(back.pages[0].locs) is LazyLocations  # positions are still computed only when asked


def test_a_page_whose_positions_were_computed_keeps_them():
    part = _our_part()
    res = part.pages[0]
    where = res.locs.find("id")  # computes the map
    assert type(res.locs) is LazyLocations and res.locs._pending is None
    back = wire.decode(wire.encode(part)).pages[0]
    assert type(back.locs) is Locations and back.locs.find("id") == where


@pytest.mark.parametrize("odd", [
    datetime.date(2024, 1, 2),  # a YAML timestamp, as a frontmatter value
    {"at": [datetime.datetime(2024, 1, 2, 3, 4, 5)]},  # nested, as the YAML fallback parser gives it
])
def test_a_page_that_is_not_plain_data_is_pickled_and_arrives_equal(odd):
    part = _our_part()
    assert not isinstance(part.pages[3].data.get("createdAt"), datetime.date)
    before = _pickled_pages(wire.encode(part))
    part.pages[3].data["when"] = odd
    blob = wire.encode(part)
    assert _pickled_pages(blob) == before + 1
    back = wire.decode(blob)
    _same(part, back)
    assert back.pages[3].data["when"] == odd


class Special(Resource):
    """A page of a type of its own (pickled: marshal would lose its class)."""


def test_a_resource_subclass_is_pickled():
    part = _our_part()
    r = part.pages[1]
    before = _pickled_pages(wire.encode(part))
    part.pages[1] = Special(r.type, r.file, r.folder, r.data, r.locs, r.body, r.body_line, r.versioned_folder)
    blob = wire.encode(part)
    assert _pickled_pages(blob) == before + 1
    assert type(wire.decode(blob).pages[1]) is Special


@pytest.mark.parametrize("blob", [b"", b"X123", b"\x80\x05N.", b"\x80\x05K\x01K\x02\x86\x94.",
                                  b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00\x8c\x01a\x94."])
def test_bytes_that_are_not_a_part_raise_value_error(blob):
    with pytest.raises(ValueError):
        wire.decode(blob)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                     st.floats(allow_nan=False))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(), st.integers(), st.booleans()), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(), _values, max_size=6), body=st.text(), text=st.text())
def test_any_frontmatter_arrives_equal(data, body, text):
    res = Resource("event", "events/E/index.mdx", "events/E", data, LazyLocations(text, 3), body, 7, None)
    back = wire.decode(wire.encode(LoadedPart(pages=[res]))).pages[0]
    assert back.data == data and back.body == body and back.locs._pending == (text, 3)  # type: ignore[attr-defined]
    assert not any(isinstance(v, float) and math.isnan(v) for v in data.values())
