"""What a Flight call asks for, and how an error leaves the server and comes back to a remote workbench."""

from __future__ import annotations

import json

import pyarrow.flight as fl
import pytest

from hpdp.application.exposure import check_exposure
from hpdp.application.remote_errors import error_fields, error_from_fields
from hpdp.domain.errors import (
    InvalidInputError,
    NotFoundError,
    QueryCancelledError,
    StoreUnavailableError,
    UnknownTableError,
)
from hpdp.presentation.flight.errors import flight_error
from hpdp.presentation.flight.requests import Read, Write, read_of_descriptor, read_of_ticket, write_of_descriptor


def test_a_path_names_a_table_and_optionally_a_snapshot():
    assert read_of_descriptor(fl.FlightDescriptor.for_path("t")) == Read(table="t")
    assert read_of_descriptor(fl.FlightDescriptor.for_path("t", "3")) == Read(table="t", as_of=3)
    for bad in (("t", "-1"), ("t", "x"), ("t", "1", "2")):
        with pytest.raises(InvalidInputError):
            read_of_descriptor(fl.FlightDescriptor.for_path(*bad))


def test_a_command_is_sql_or_json_and_a_ticket_round_trips():
    assert read_of_descriptor(fl.FlightDescriptor.for_command("SELECT 1")) == Read(sql="SELECT 1")
    assert read_of_descriptor(fl.FlightDescriptor.for_command('{"table": "t", "as_of": 2}')) == Read("t", as_of=2)
    for read in (Read(table="t", as_of=4), Read(sql="SELECT 2")):
        assert read_of_ticket(read.ticket()) == read
    assert read_of_ticket(fl.Ticket(b"people")) == Read(table="people")
    with pytest.raises(InvalidInputError, match="JSON"):
        read_of_ticket(fl.Ticket(b"{not json"))
    with pytest.raises(InvalidInputError, match="snapshot"):
        read_of_ticket(fl.Ticket(b'{"table": "t", "as_of": true}'))


def test_a_write_is_a_json_command_or_a_path_and_appends_unless_told():
    command = fl.FlightDescriptor.for_command(json.dumps({"table": "t", "mode": "merge", "key": "id"}))
    assert write_of_descriptor(command) == Write("t", "merge", ("id",))
    assert write_of_descriptor(fl.FlightDescriptor.for_path("t")) == Write("t")
    assert write_of_descriptor(fl.FlightDescriptor.for_path("t", "merge", "a", "b")) == Write("t", "merge", ("a", "b"))
    for bad in ('{"mode": "append"}', '{"table": "t", "key": [1]}', "SELECT 1"):
        with pytest.raises(InvalidInputError):
            write_of_descriptor(fl.FlightDescriptor.for_command(bad))


def test_errors_leave_as_flight_errors_with_their_sentence_and_fields():
    missing = flight_error(UnknownTableError("Table 'x' does not exist.", hint="check the name."))
    assert isinstance(missing, fl.FlightServerError)
    assert str(missing).startswith("Table 'x' does not exist; check the name.")
    assert json.loads(missing.extra_info)["code"] == "table_not_found"
    assert isinstance(flight_error(StoreUnavailableError("The lake is locked.")), fl.FlightUnavailableError)
    assert isinstance(flight_error(QueryCancelledError("Cancelled.")), fl.FlightCancelledError)
    internal = flight_error(RuntimeError("password=hunter2 broke"))
    assert isinstance(internal, fl.FlightInternalError) and "hunter2" not in str(internal) + str(internal.extra_info)


def test_the_fields_raise_the_same_kind_and_code_again():
    again = error_from_fields(error_fields(UnknownTableError("Table 'x' does not exist.", hint="check the name.")))
    assert isinstance(again, NotFoundError) and again.code == "table_not_found"
    assert again.sentence == "Table 'x' does not exist; check the name."
    unknown = error_from_fields({"title": "Teapot"})
    assert isinstance(unknown, InvalidInputError) and unknown.message == "Teapot"


def test_only_this_machine_may_be_served_without_a_token():
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"):
        check_exposure(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        with pytest.raises(InvalidInputError, match="token is required"):
            check_exposure(host, None)
        check_exposure(host, "t")
