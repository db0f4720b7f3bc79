"""JSON pages to Arrow, in Python and with Arrow's reader (pure functions, no I/O)."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pytest

from hpdp.adapters.sources.records import ArrowBodyParser, records_at, table_digest, to_table
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
    table, meta = ArrowBodyParser("data", keep_text=False)(body, "u")
    assert meta == {"next": "p2"}
    assert table.schema.field("at").type == pa.timestamp("us")
    assert table.column("o").to_pylist() == [{"z": "1"}]
    assert table_digest(table) == table_digest(table.slice(0))


def test_the_arrow_reader_handles_empty_pages_and_declines_what_it_cannot_read():
    table, meta = ArrowBodyParser("data", keep_text=False)(b'{"data": [], "next": null}', "u")
    assert table.num_rows == 0 and meta == {"next": None}
    assert (
        ArrowBodyParser("data", keep_text=False)(b'{\n "data": [{"a": 1}]\n}', "u") is None
    )  # several lines: Python parses it
    assert ArrowBodyParser("data", keep_text=False)(b"[1, 2]", "u") is None
    assert ArrowBodyParser("data", keep_text=False)(b'{"data": [1, 2]}', "u") is None
    with pytest.raises(SourceError, match="has no 'rows' in its body"):
        ArrowBodyParser("rows", keep_text=False)(b'{"data": []}', "u")


def test_the_auto_parser_keeps_iso_strings_as_text_on_every_page():
    parse = ArrowBodyParser("data", keep_text=True)
    first, _ = parse(b'{"data": [{"id": 1, "at": "2024-01-01T00:00:00", "o": {"t": "2024-01-02"}}]}', "u")
    second, _ = parse(b'{"data": [{"id": 2, "at": "2024-01-03T00:00:00", "o": {"t": "2024-01-04"}}]}', "u")
    for table in (first, second):
        assert table.schema.field("at").type == pa.string()
        assert table.schema.field("o").type == pa.struct([("t", pa.string())])
    assert second.column("at").to_pylist() == ["2024-01-03T00:00:00"]


def test_the_auto_parser_infers_again_when_a_field_changes_type():
    parse = ArrowBodyParser("data", keep_text=True)
    parse(b'{"data": [{"id": 1, "at": "2024-01-01T00:00:00"}]}', "u")
    table, _ = parse(b'{"data": [{"id": "x-2", "at": "2024-01-03T00:00:00"}]}', "u")
    assert table.column("id").to_pylist() == ["x-2"]
