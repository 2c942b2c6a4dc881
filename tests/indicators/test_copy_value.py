"""The COPY encoding of stored summaries (indicators.sql.copy_value and copy_csv)."""

import csv
import datetime as dt
import json

from indicators.sql import COPY_NULL, copy_csv, copy_value, summary_load_statements


def test_none_is_the_null_marker_the_copy_statement_names():
    assert copy_value(None) == COPY_NULL == "\\N"
    assert f"NULL '{COPY_NULL}'" in summary_load_statements(["period"], []).copy


def test_booleans_are_t_and_f_not_python_words():
    assert (copy_value(True), copy_value(False)) == ("t", "f")


def test_lists_and_dicts_are_json():
    events = [{"kind": "admission", "occurred_on": "2026-01-15", "visible_to_patient": False}]
    assert json.loads(copy_value(events)) == events
    assert copy_value({}) == "{}"
    assert copy_value([]) == "[]"


def test_datetimes_keep_their_offset():
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert copy_value(moment) == "2026-03-01T09:30:00+00:00"


def test_numbers_and_text_are_written_as_themselves():
    assert [copy_value(v) for v in (0, 7, 0.125, 73.5, "2026Q1", "")] == [
        "0",
        "7",
        "0.125",
        "73.5",
        "2026Q1",
        "",
    ]


def test_copy_csv_quotes_json_and_keeps_nulls_and_empty_text_apart():
    buffer = copy_csv([[1, "2026Q1", None, "", [{"kind": 'a "quoted", kind'}], True]])
    text = buffer.read()
    assert text.startswith('1,2026Q1,\\N,,"[{""kind"": ""a \\""quoted\\"", kind""}]",t')
    (row,) = csv.reader(text.splitlines())
    assert row[2] == "\\N"
    assert row[3] == ""
    assert json.loads(row[4]) == [{"kind": 'a "quoted", kind'}]
