"""The Flight endpoint through a plain pyarrow.flight client: reads, SQL, writes, concurrency and tokens."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pytest

from tests.integration.flight.conftest import NUMBERS, url


def ordered(table: pa.Table) -> pa.Table:
    return table.sort_by([("id", "ascending")])


def lake_table(lake, name, as_of=None):
    return ordered(lake.container.workbench().table(name, as_of=as_of, format="arrow"))


def read(client: fl.FlightClient, descriptor: fl.FlightDescriptor) -> tuple[fl.FlightInfo, pa.Table]:
    info = client.get_flight_info(descriptor)
    return info, pa.concat_tables([client.do_get(e.ticket).read_all() for e in info.endpoints])


def put(client: fl.FlightClient, command: dict, data: pa.Table) -> dict:
    writer, answers = client.do_put(fl.FlightDescriptor.for_command(json.dumps(command)), data.schema)
    with writer:
        writer.write_table(data, max_chunksize=1)  # many batches, one commit
        writer.done_writing()
        answer = answers.read()
    return json.loads(answer.to_pybytes())


def error_code(exc: fl.FlightError) -> str:
    return json.loads(exc.extra_info)["code"]


def test_list_flights_gives_each_table_with_its_schema_and_row_count(lake, server):
    with fl.connect(url(server)) as client:
        infos = {info.descriptor.path[0].decode(): info for info in client.list_flights()}
    assert {name: info.total_records for name, info in infos.items()} == {"numbers": NUMBERS, "people": 3}
    assert infos["people"].schema.names == ["id", "name"]
    assert infos["numbers"].schema == lake_table(lake, "numbers").schema


def test_do_get_of_a_table_equals_the_lake_now_and_at_an_older_snapshot(lake, server):
    with fl.connect(url(server)) as client:
        info, now = read(client, fl.FlightDescriptor.for_path("numbers"))
        old_info, old = read(client, fl.FlightDescriptor.for_path("numbers", str(lake.first_snapshot)))
        by_json_ticket = client.do_get(fl.Ticket(json.dumps({"table": "numbers", "as_of": lake.first_snapshot})))
        old_again = by_json_ticket.read_all()
    assert info.total_records == NUMBERS and ordered(now).equals(lake_table(lake, "numbers"))
    assert old_info.total_records == NUMBERS // 2
    assert ordered(old).equals(lake_table(lake, "numbers", as_of=lake.first_snapshot))
    assert ordered(old_again).equals(ordered(old))


def test_a_table_streams_in_batches_not_as_one(lake, server):
    with fl.connect(url(server)) as client:
        chunks = list(client.do_get(fl.Ticket(b"numbers")))
    assert len(chunks) > 1 and sum(c.data.num_rows for c in chunks) == NUMBERS


def test_a_sql_command_runs_read_only_on_the_store(lake, server):
    query = "SELECT count(*) AS n, sum(id) AS s FROM numbers WHERE id % 2 = 0"
    with fl.connect(url(server)) as client:
        info, result = read(client, fl.FlightDescriptor.for_command(query))
        schema = client.get_schema(fl.FlightDescriptor.for_command(query)).schema
    expected = lake.container.workbench().sql(query, format="arrow")
    assert result.equals(expected) and schema == expected.schema
    assert info.total_records == -1  # unknown before it runs


def test_a_write_statement_as_sql_is_refused_and_changes_nothing(lake, server):
    with fl.connect(url(server)) as client:
        for statement in ("DELETE FROM numbers", "DROP TABLE people"):
            with pytest.raises(fl.FlightServerError) as caught:
                client.do_get(fl.Ticket(statement.encode())).read_all()
            assert error_code(caught.value) == "read_only_statement"
            assert "Traceback" not in str(caught.value)
        with pytest.raises(fl.FlightServerError) as caught:
            client.get_flight_info(fl.FlightDescriptor.for_command("INSERT INTO people VALUES (9, 'x')"))
        assert error_code(caught.value) == "read_only_statement"
    assert {t.name: t.rows for t in lake.container.workbench().tables()} == {"numbers": NUMBERS, "people": 3}


def test_an_unknown_table_is_one_sentence_with_its_code_and_the_server_goes_on(lake, server):
    with fl.connect(url(server)) as client:
        with pytest.raises(fl.FlightServerError) as caught:
            client.do_get(fl.Ticket(b"nope")).read_all()
        assert error_code(caught.value) == "table_not_found"
        assert str(caught.value).startswith(json.loads(caught.value.extra_info)["message"].rstrip("."))
        with pytest.raises(fl.FlightServerError) as bad_snapshot:
            client.get_flight_info(fl.FlightDescriptor.for_path("numbers", "soon"))
        assert error_code(bad_snapshot.value) == "invalid_input"
        assert client.do_get(fl.Ticket(b"people")).read_all().num_rows == 3


def test_do_put_appends_replaces_and_merges_as_one_commit_each(lake, server):
    hp = lake.container.workbench()
    before = hp.current_snapshot()
    rows = pa.table({"id": [4, 5], "name": ["dee", "eve"]})
    with fl.connect(url(server)) as client:
        appended = put(client, {"table": "people"}, rows)
        assert appended["mode"] == "append" and appended["rows_written"] == 2
        # five one-row batches, one snapshot (the ledger's record of the transfer is bookkeeping, not listed)
        assert [s.id for s in hp.snapshots() if s.id > before] == [appended["snapshot"]]
        _, after_append = read(client, fl.FlightDescriptor.for_path("people"))
        assert ordered(after_append).equals(lake_table(lake, "people"))
        assert ordered(after_append)["id"].to_pylist() == [1, 2, 3, 4, 5]

        merged = put(
            client,
            {"table": "people", "mode": "merge", "key": ["id"]},
            pa.table({"id": [2, 6], "name": ["BOB", "fay"]}),
        )
        assert merged["mode"] == "merge"
        _, after_merge = read(client, fl.FlightDescriptor.for_path("people"))
        assert ordered(after_merge).equals(lake_table(lake, "people"))
        assert ordered(after_merge)["name"].to_pylist() == ["ada", "BOB", "cy", "dee", "eve", "fay"]

        writer, answers = client.do_put(fl.FlightDescriptor.for_path("people", "replace"), rows.schema)
        with writer:
            writer.write_table(rows)
            writer.done_writing()
            answers.read()
        _, after_replace = read(client, fl.FlightDescriptor.for_path("people"))
    assert ordered(after_replace).equals(lake_table(lake, "people")) and after_replace.num_rows == 2
    lake.container.recorder().flush()
    ledger = "SELECT links->>'direction' AS way, links->>'mode' AS mode, rows FROM hpdp_meta.executions "
    ledger += "WHERE kind = 'transfer' AND subject = 'people' ORDER BY started"
    transfers = hp.sql(ledger, format="arrow").to_pylist()
    assert [t for t in transfers if t["way"] == "in"] == [
        {"way": "in", "mode": mode, "rows": 2} for mode in ("append", "merge", "replace")
    ]
    assert [t["rows"] for t in transfers if t["way"] == "out"] == [5, 6, 2]  # each read, with its rows


def test_a_refused_write_leaves_the_table_as_it_was(lake, server):
    with fl.connect(url(server)) as client:
        with pytest.raises(fl.FlightServerError) as caught:
            put(client, {"table": "people", "mode": "merge"}, pa.table({"id": [7], "name": ["x"]}))
        assert error_code(caught.value) == "merge_key_missing"
        with pytest.raises(fl.FlightServerError) as bad_mode:
            put(client, {"table": "people", "mode": "upsert", "key": "id"}, pa.table({"id": [7], "name": ["x"]}))
        assert error_code(bad_mode.value) == "write_mode_invalid"
    assert lake_table(lake, "people")["id"].to_pylist() == [1, 2, 3]


def test_eight_streams_at_once_all_finish_with_every_row(lake, server):
    def whole_table(i: int) -> tuple[int, int]:
        with fl.connect(url(server)) as client:
            ticket = b"numbers" if i % 2 else fl.Ticket(b"SELECT * FROM numbers").ticket
            table = client.do_get(fl.Ticket(ticket)).read_all()
        return table.num_rows, pc.sum(table["id"]).as_py()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(whole_table, range(8)))
    assert results == [(NUMBERS, NUMBERS * (NUMBERS - 1) // 2)] * 8


def test_with_a_token_every_call_without_it_is_refused(lake, start_server):
    server = start_server(token="s3cret")
    descriptor = fl.FlightDescriptor.for_path("people")
    rows = pa.table({"id": [9], "name": ["x"]})

    def calls(client, options):
        def do_put():
            writer, _ = client.do_put(descriptor, rows.schema, options)
            with writer:
                writer.write_table(rows)

        return {
            "list_flights": lambda: list(client.list_flights(b"", options)),
            "get_flight_info": lambda: client.get_flight_info(descriptor, options),
            "get_schema": lambda: client.get_schema(descriptor, options),
            "do_get": lambda: client.do_get(fl.Ticket(b"people"), options).read_all(),
            "do_put": do_put,
            "list_actions": lambda: client.list_actions(options),
        }

    wrong = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer guess")])
    with fl.connect(url(server)) as client:
        for options in (fl.FlightCallOptions(), wrong):
            for name, call in calls(client, options).items():
                # the client library reports get_schema's status as an OSError: same status, same sentence
                with pytest.raises((fl.FlightUnauthenticatedError, OSError), match="needs a token") as caught:
                    call()
                assert "Unauthenticated" in str(caught.value) and "s3cret" not in str(caught.value), name
        assert lake_table(lake, "people")["id"].to_pylist() == [1, 2, 3]
        right = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer s3cret")])
        assert client.do_get(fl.Ticket(b"people"), right).read_all().num_rows == 3
