import pytest

from hpdp.domain.errors import HpdpError, WriteError
from hpdp.domain.model import Aggregation, Condition, WriteMode, merge_keys, table_name


def test_write_modes_parse_from_text():
    assert WriteMode.parse("merge") is WriteMode.MERGE


def test_an_unknown_write_mode_lists_the_accepted_ones():
    with pytest.raises(WriteError, match="use one of: append, replace, merge"):
        WriteMode.parse("upsert")


def test_a_merge_needs_a_key_and_other_modes_do_not():
    with pytest.raises(WriteError, match="needs a key"):
        merge_keys(WriteMode.MERGE, None)
    assert merge_keys(WriteMode.APPEND, None) == ()
    assert merge_keys(WriteMode.MERGE, "id") == ("id",)
    assert merge_keys(WriteMode.MERGE, ["a", "b"]) == ("a", "b")


@pytest.mark.parametrize("bad", ["", "1abc", "a b", "a;drop", "x.y.z", 'q"uote'])
def test_table_names_must_be_plain_identifiers(bad):
    with pytest.raises(HpdpError, match="Invalid table name"):
        table_name(bad)


def test_schema_qualified_names_are_allowed():
    assert table_name("main.flights") == "main.flights"


def test_conditions_and_aggregations_check_their_operator():
    with pytest.raises(HpdpError, match="Unknown operator"):
        Condition("a", "~", 1)
    with pytest.raises(HpdpError, match="Unknown aggregate"):
        Aggregation("x", "a", "avg")
