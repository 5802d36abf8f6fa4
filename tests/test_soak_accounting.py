"""The soak test's bookkeeping (benchmarks/soak.py), without a server: what counts as lost,
duplicated or stale, which failures the kill explains, and that only ``--only soak`` runs it.
The soak run itself (gunicorn, kill -9, a minute per engine) is not a test: too slow and too
dependent on the machine's load for one."""

from __future__ import annotations

import threading

import pytest

from benchmarks import __main__ as bench_main
from benchmarks import soak
from benchmarks.soak import Attempt, Clock, Setup, Span, Stored, Writer, judge

PLACE = (7, 0, 0, 5, "framing")


def make_writer(name: str = "w01") -> Writer:
    clock = Clock(end=0.0, hard_end=0.0)
    return Writer(name, 0, "token", clock, threading.Event(), Setup({}, "", [], []), 1)


def acknowledged(writer: Writer, client_id: str, span_id: int, place=PLACE) -> Span:
    writer.sent.add(client_id)
    span = Span(client_id, span_id, place)
    writer.spans[client_id] = span
    writer.acked["create"] += 1
    return span


def test_every_acknowledged_span_stored_once_is_clean():
    writer = make_writer()
    acknowledged(writer, "c1", 1)
    acknowledged(writer, "c2", 2, (7, 1, 0, 5, "framing")).note = "edit 3"
    verdict = judge([writer], [Stored(1, "w01", "c1", PLACE, ""),
                               Stored(2, "w01", "c2", (7, 1, 0, 5, "framing"), "edit 3")])
    assert (verdict.acknowledged, verdict.lost, verdict.duplicated, verdict.stale) \
        == (2, [], [], [])


def test_an_acknowledged_span_missing_is_lost():
    writer = make_writer()
    acknowledged(writer, "c1", 1)
    verdict = judge([writer], [])
    assert len(verdict.lost) == 1 and "c1" in verdict.lost[0]


def test_a_span_stored_under_another_id_does_not_stand_for_the_acknowledged_one():
    writer = make_writer()
    acknowledged(writer, "c1", 1)
    verdict = judge([writer], [Stored(5, "w01", "c1", PLACE, "")])
    assert len(verdict.lost) == 1


def test_second_rows_and_rows_never_acknowledged_are_duplicates():
    writer = make_writer()
    acknowledged(writer, "c1", 1)
    writer.sent.add("c2")
    writer.refused["c2"] = "409 {}"
    stored = [
        Stored(1, "w01", "c1", PLACE, ""),
        Stored(2, "w01", "c1", PLACE, ""),  # a second row of the client_id
        Stored(3, "w01", "c2", (7, 2, 0, 5, "framing"), ""),  # refused, yet stored
        Stored(4, "w01", None, (7, 3, 0, 5, "framing"), ""),  # no client_id
        Stored(5, "w01", "c9", (7, 4, 0, 5, "framing"), ""),  # never sent
    ]
    verdict = judge([writer], stored)
    assert [d.split()[2] for d in verdict.duplicated] == ["2", "3", "4", "5"]
    assert verdict.lost == []


def test_an_equal_span_under_a_second_client_id_is_a_duplicate():
    writer = make_writer()
    acknowledged(writer, "c1", 1)
    writer.sent.add("c2")
    writer.unresolved_creates.add("c2")
    verdict = judge([writer], [Stored(1, "w01", "c1", PLACE, ""),
                               Stored(2, "w01", "c2", PLACE, "")])
    assert len(verdict.duplicated) == 1 and "same place" in verdict.duplicated[0]


def test_unresolved_creates_are_neither_lost_nor_duplicated():
    writer = make_writer()
    for client_id in ("c1", "c2"):
        writer.sent.add(client_id)
        writer.unresolved_creates.add(client_id)
    writer.unresolved["create"] = 2
    verdict = judge([writer], [Stored(1, "w01", "c1", PLACE, "")])
    assert (verdict.lost, verdict.duplicated) == ([], [])
    assert (sum(verdict.unresolved.values()), verdict.unresolved_stored) == (2, 1)


def test_deletes_and_patches_are_checked_against_the_last_acknowledged_write():
    writer = make_writer()
    acknowledged(writer, "c1", 1).deleted = True
    acknowledged(writer, "c2", 2, (7, 1, 0, 5, "framing")).note = "edit 4"
    unanswered = acknowledged(writer, "c3", 3, (7, 2, 0, 5, "framing"))
    unanswered.maybe_notes.add("edit 6")
    acknowledged(writer, "c4", 4, (7, 3, 0, 5, "framing")).maybe_deleted = True
    stored = [
        Stored(1, "w01", "c1", PLACE, ""),  # deleted, still there
        Stored(2, "w01", "c2", (7, 1, 0, 5, "framing"), ""),  # the PATCH did not stick
        Stored(3, "w01", "c3", (7, 2, 0, 5, "framing"), "edit 6"),  # may have applied
    ]  # c4: a DELETE never answered may have applied
    verdict = judge([writer], stored)
    assert len(verdict.stale) == 2
    assert "DELETE" in verdict.stale[0] and "edit 4" in verdict.stale[1]
    assert verdict.lost == []


def test_failures_are_expected_only_around_the_kill():
    clock = Clock(end=100, hard_end=115, kill=40, ready_again=45)

    def attempt(started, ended, **kw):
        return soak._expected(Attempt("create", started, ended, **kw), clock)

    assert attempt(41, 41.1, failure="refused")
    assert attempt(39, 40.5, failure="cut")  # in flight at the kill
    assert attempt(30, 45.5, failure="timeout")  # overlaps the window
    assert not attempt(47, 47.1, failure="refused")  # after the restart's margin
    assert not attempt(41, 41.2, status=500)  # a 5xx is an error, kill or not
    assert not attempt(10, 10.2, status=409)
    assert attempt(10, 10.2, status=201)
    assert not attempt(10, 11, status=200, failure="bad body")


@pytest.mark.parametrize(("argv", "soak_runs"), [
    ([], False),
    (["--only", "soak", "--seconds", "20"], True),
    (["--only", "api,soak"], True),
    (["--only", "api"], False),
])
def test_the_soak_test_runs_only_when_named(argv, soak_runs):
    args = bench_main.parse_args(argv)
    names = [b.name for b in bench_main.select(args.selected)]
    assert ("soak" in names) is soak_runs
    assert names and (argv or names == [b.name for b in bench_main.BENCHMARKS
                                        if b.name != "soak"])
