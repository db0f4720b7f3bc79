"""Cleaning rules as pure functions on column profiles."""

from __future__ import annotations

import pytest

from hpdp.application.cleaning import (
    cast_target,
    categories_rule,
    constant_rule,
    duplicates_rule,
    key_columns,
    markers_rule,
    plan,
    suggest,
)
from hpdp.domain.cleaning import ColumnProfile
from hpdp.domain.errors import InvalidInputError


def text(name: str, values: int = 10, **counts: int) -> ColumnProfile:
    fields = {"rows": values, "nulls": 0, "distinct": values, "text": True, "values": values, **counts}
    return ColumnProfile(name, "VARCHAR", **fields)  # type: ignore[arg-type]


def test_a_text_column_is_cast_to_the_narrowest_type_all_its_values_parse_as() -> None:
    assert cast_target(text("n", as_bigint=10, as_double=10)) == "BIGINT"
    assert cast_target(text("x", as_bigint=9, as_double=10)) == "DOUBLE"
    assert cast_target(text("d", as_date=10, as_timestamp=10)) == "DATE"
    assert cast_target(text("t", as_date=0, as_timestamp=10)) == "TIMESTAMP"
    assert cast_target(text("b", as_boolean=10)) == "BOOLEAN"
    assert cast_target(text("mixed", as_bigint=9, as_double=9)) is None  # one value does not parse
    assert cast_target(text("empty", values=0)) is None
    numeric = ColumnProfile("v", "BIGINT", 10, 0, 10)
    assert cast_target(numeric) is None


def test_markers_are_reported_and_planned_before_the_cast() -> None:
    profile = text("amount", values=8, markers=2, as_bigint=8, as_double=8)
    assert markers_rule(profile) is not None
    [change] = plan([profile])
    assert change.nullify_markers and change.cast == "BIGINT"


def test_case_variants_map_to_the_first_spelling_and_are_not_mixed_with_a_cast() -> None:
    city = text("city", variants=(("Paris", "paris", " Paris "), ("Lyon", "LYON")))
    suggestion = categories_rule(city)
    assert suggestion is not None and "2 categories" in suggestion.message
    [change] = plan([city])
    assert change.canonical == {"paris": "Paris", " Paris ": "Paris", "LYON": "Lyon"} and change.cast is None
    numbers = text("code", as_bigint=10, as_double=10, variants=(("01", " 01"),))
    assert categories_rule(numbers) is None


def test_constant_and_all_null_columns_are_reported_but_never_changed() -> None:
    constant = ColumnProfile("c", "VARCHAR", 5, 0, 1)
    nulls = ColumnProfile("n", "DOUBLE", 5, 5, 0)
    assert constant_rule(constant) is not None and not constant_rule(constant).applied  # type: ignore[union-attr]
    assert "only NULL" in constant_rule(nulls).message  # type: ignore[union-attr]
    assert constant_rule(ColumnProfile("single", "VARCHAR", 1, 0, 1)) is None
    assert plan([constant, nulls]) == []


def test_duplicate_keys_use_the_given_key_or_an_id_like_column() -> None:
    profiles = [ColumnProfile("name", "VARCHAR", 3, 0, 3), ColumnProfile("order_id", "BIGINT", 3, 0, 2)]
    assert key_columns(profiles, None) == ["order_id"]
    assert key_columns(profiles, ["name"]) == ["name"]
    assert key_columns(profiles[:1], None) == []
    with pytest.raises(InvalidInputError, match="'nope' is not a column"):
        key_columns(profiles, ["nope"])
    dup = duplicates_rule(["order_id"], 1, [7])
    assert dup is not None and not dup.applied and "7" in dup.message
    assert duplicates_rule(["order_id"], 0, []) is None


def test_a_clean_table_gets_no_suggestions() -> None:
    assert suggest([ColumnProfile("v", "DOUBLE", 10, 0, 10), text("name")]) == []
