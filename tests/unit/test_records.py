"""JSON pages to Arrow, in Python and with Arrow's reader (pure functions, no I/O)."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pytest

from hpdp.adapters.sources.records import arrow_body, records_at, table_digest, to_table
from hpdp.domain.sources import SourceError


def test_records_with_different_fields_become_one_table_with_nulls():
    table = to_table([{"a": 1}, {"a": 2, "b": {"c": [1, 2]}}], "page")
    assert table.column_names == ["a", "b"]
    assert table.column("b").to_pylist() == [None, {"c": [1, 2]}]


def test_records_at_a_path_and_clear_errors():
    assert records_at({"d": {"items": [{"a": 1}]}}, "d.items", "u") == [{"a": 1}]
    assert records_at({"d": None}, "d", "u") == []
    with pytest.raises(SourceError, match=r"u has no 'd\.rows' in its body"):
        records_at({"d": {}}, "d.rows", "u")
    with pytest.raises(SourceError, match="is a int, not a list of records"):
        records_at({"d": 3}, "d", "u")


def test_the_arrow_reader_gives_records_and_the_other_fields():
    body = orjson.dumps({"data": [{"id": 1, "at": "2024-01-01T00:00:00Z", "o": {"z": "1"}}], "next": "p2"})
    table, meta = arrow_body(body, "data", "u")
    assert meta == {"next": "p2"}
    assert table.schema.field("at").type == pa.timestamp("us")
    assert table.column("o").to_pylist() == [{"z": "1"}]
    assert table_digest(table) == table_digest(table.slice(0))


def test_the_arrow_reader_handles_empty_pages_and_declines_what_it_cannot_read():
    table, meta = arrow_body(b'{"data": [], "next": null}', "data", "u")
    assert table.num_rows == 0 and meta == {"next": None}
    assert arrow_body(b'{\n "data": [{"a": 1}]\n}', "data", "u") is None  # several lines: Python parses it
    assert arrow_body(b"[1, 2]", "data", "u") is None
    assert arrow_body(b'{"data": [1, 2]}', "data", "u") is None
    with pytest.raises(SourceError, match="has no 'rows' in its body"):
        arrow_body(b'{"data": []}', "rows", "u")
