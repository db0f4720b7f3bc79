"""One contract for both processors: the same shapes and values for the same input."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from hpdp.domain.errors import HpdpError
from hpdp.domain.model import Aggregation, ColumnSummary, Condition
from hpdp.infrastructure.registries import PROCESSORS, Registries
from tests.integration.contracts.engines import PROCESSOR_NAMES

assert set(PROCESSOR_NAMES) == set(PROCESSORS)

DATA = pa.table(
    {
        "city": ["oslo", "rome", "oslo", None, "rome", "oslo"],
        "temp": pa.array([3.5, 18.0, None, 7.0, 20.0, 1.5], pa.float64()),
        "rain": pa.array([10, 0, 4, 2, 0, 6], pa.int64()),
        "day": pa.array([dt.date(2024, 1, d) for d in (1, 1, 2, 2, 3, 3)], pa.date32()),
    }
)


@pytest.fixture(params=[pytest.param(n, marks=getattr(pytest.mark, n)) for n in PROCESSOR_NAMES])
def processor(request: pytest.FixtureRequest):
    return Registries().processors.get(request.param)()


def test_summary_describes_every_column(processor):
    by_name = {s.column: s for s in processor.summary(DATA)}
    assert by_name["temp"] == ColumnSummary("temp", "double", 6, 1, 5, 1.5, 20.0, 10.0)
    assert by_name["rain"] == ColumnSummary("rain", "int64", 6, 0, 5, 0.0, 10.0, pytest.approx(22 / 6))
    assert by_name["city"] == ColumnSummary("city", "string", 6, 1, 2, "oslo", "rome", None)
    assert by_name["day"].min == "2024-01-01" and by_name["day"].max == "2024-01-03"
    assert [s.column for s in processor.summary(DATA)] == DATA.column_names


@pytest.mark.parametrize("convert", [pl.from_arrow, lambda t: t.to_pandas()], ids=["from-polars", "from-pandas"])
def test_summary_accepts_polars_and_pandas_input(processor, convert):
    assert processor.summary(convert(DATA))[1].mean == 10.0


def test_profile_reports_shape_and_memory(processor):
    profile = processor.profile(DATA)
    assert (profile["rows"], profile["columns"], profile["engine"]) == (6, 4, processor.engine)
    assert profile["memory_bytes"] > 0 and len(profile["summary"]) == 4


def test_filter_keeps_matching_rows_and_the_schema(processor):
    out = processor.filter(DATA, [Condition("city", "==", "oslo"), Condition("rain", ">", 4)])
    assert out.schema == DATA.schema
    assert out.column("rain").to_pylist() == [10, 6]
    assert processor.filter(DATA, [Condition("city", "is null", None)]).num_rows == 1
    assert processor.filter(DATA, [Condition("city", "in", ["rome"])]).column("temp").to_pylist() == [18.0, 20.0]


def test_aggregate_groups_sorted_with_canonical_types(processor):
    out = processor.aggregate(
        DATA,
        ["city"],
        [
            Aggregation("n", "rain", "count"),
            Aggregation("total", "rain", "sum"),
            Aggregation("avg_temp", "temp", "mean"),
            Aggregation("hottest", "temp", "max"),
        ],
    )
    assert out.schema == pa.schema(
        [
            ("city", pa.string()),
            ("n", pa.int64()),
            ("total", pa.int64()),
            ("avg_temp", pa.float64()),
            ("hottest", pa.float64()),
        ]
    )
    assert out.to_pylist() == [
        {"city": "oslo", "n": 3, "total": 20, "avg_temp": 2.5, "hottest": 3.5},
        {"city": "rome", "n": 2, "total": 0, "avg_temp": 19.0, "hottest": 20.0},
        {"city": None, "n": 1, "total": 2, "avg_temp": 7.0, "hottest": 7.0},
    ]


def test_aggregate_without_groups_gives_one_row(processor):
    out = processor.aggregate(DATA, [], [Aggregation("days", "day", "n_unique"), Aggregation("wet", "rain", "median")])
    assert out.to_pylist() == [{"days": 3, "wet": 3.0}]


def test_both_processors_agree_on_every_operation():
    registries = Registries()
    engines = [registries.processors.get(n)() for n in PROCESSOR_NAMES]
    summaries = [e.summary(DATA) for e in engines]
    assert summaries[0] == summaries[1]
    aggs = [Aggregation("s", "temp", "std"), Aggregation("lo", "day", "min")]
    results = [e.aggregate(DATA, ["day"], aggs) for e in engines]
    assert results[0].equals(results[1])


def test_unknown_columns_are_one_clear_error(processor):
    with pytest.raises(HpdpError, match="Unknown column"):
        processor.filter(DATA, [Condition("nope", "==", 1)])


def test_pandas_input_with_an_index_is_read_as_columns(processor):
    frame = pd.DataFrame({"a": [1, 2]}, index=[10, 11])
    assert processor.profile(frame)["columns"] == 1
