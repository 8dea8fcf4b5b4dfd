"""Distributed Maps run inline with what they read and write (ItemReader
from S3 objects or a mock of the Map's name, ResultWriter into the S3
fake), the optimized EventBridge integration's ``EventBridge.FailedEntry``,
and ``$now`` with a picture string (once a simulator limit reported as
``States.QueryEvaluationError``). What the simulator cannot honour is a
SimulationError saying so, never an AWS error."""

from __future__ import annotations

import json

import jsonata
import pytest

from ndr_workflows.simulate import S3, EventBridge, Services, SimulationError, run

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"


def reader_map(reader: dict, **fields) -> dict:
    child = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}
    each = {"Type": "Map", "ItemReader": reader, "ItemProcessor": child, "End": True, **fields}
    return {"StartAt": "Each", "States": {"Each": each}}


def csv_reader(**config) -> dict:
    return {"Resource": GET, "ReaderConfig": {"InputType": "CSV", **config}, "Parameters": {"Bucket": "in", "Key.$": "$.key"}}


def test_a_csv_object_becomes_one_item_per_row_with_string_values():
    services = Services(s3=S3({"in/rows.csv": "id,name\n1,Ada\n2,\"Lovelace, A.\"\n"}))
    execution = run(reader_map(csv_reader(CSVHeaderLocation="FIRST_ROW")), {"key": "rows.csv"}, services=services)
    assert execution.output == [{"id": "1", "name": "Ada"}, {"id": "2", "name": "Lovelace, A."}]
    given = reader_map(csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["a", "b"], MaxItems=2))
    assert run(given, {"key": "rows.csv"}, services=services).output == [{"a": "id", "b": "name"}, {"a": "1", "b": "Ada"}]


def test_json_and_jsonl_objects_and_a_mock_of_the_maps_name_answer_the_reader():
    json_reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "in", "Key": "items.json"}}
    services = Services(s3=S3({"in/items.json": [{"n": 1}, {"n": 2}]}))
    assert run(reader_map(json_reader), {}, services=services).output == [{"n": 1}, {"n": 2}]
    jsonl = {"Resource": GET, "ReaderConfig": {"InputType": "JSONL"}, "Parameters": {"Bucket": "in", "Key": "items.jsonl"}}
    mocks = {"StateMachines": {"m": {"TestCases": {"T": {"Each": "Lines"}}}}, "MockedResponses": {"Lines": {"0": {"Return": '{"n": 3}\n\n{"n": 4}\n'}}}}
    assert run(reader_map(jsonl), {}, mocks=mocks, test_case="T", state_machine="m").output == [{"n": 3}, {"n": 4}]


def test_list_objects_gives_the_object_summaries_under_the_prefix():
    lister = {"Resource": LIST, "Parameters": {"Bucket": "in", "Prefix": "incoming/"}, "ReaderConfig": {"MaxItemsPath": "$.limit"}}
    services = Services(s3=S3({"in/incoming/b": "22", "in/incoming/a": "1", "in/other/c": "333"}))
    items = run(reader_map(lister), {"limit": 5}, services=services).output
    assert [(item["Key"], item["Size"]) for item in items] == [("incoming/a", 1), ("incoming/b", 2)]
    assert set(items[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}


def test_an_object_that_cannot_be_read_fails_the_map_with_item_reader_failed():
    services = Services(s3=S3({"in/rows.csv": "id,name\n1\n", "in/bad.json": "{not json"}))
    short_row = run(reader_map(csv_reader()), {"key": "rows.csv"}, services=services)
    assert short_row.error == "States.ItemReaderFailed" and "CSV row 1 has 1 fields, the header 2" in short_row.cause
    bad = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "in", "Key": "bad.json"}}
    assert run(reader_map(bad), {}, services=services).error == "States.ItemReaderFailed"
    mocks = {"StateMachines": {"m": {"TestCases": {"T": {"Each": "Gone"}}}}, "MockedResponses": {"Gone": {"0": {"Throw": {"Error": "S3.NoSuchKey", "Cause": "no"}}}}}
    missing = run(reader_map(csv_reader()), {"key": "x"}, mocks=mocks, test_case="T", state_machine="m")
    assert (missing.error, "S3.NoSuchKey" in missing.cause) == ("States.ItemReaderFailed", True)


def test_an_object_nothing_holds_stops_the_simulation_naming_it():
    with pytest.raises(SimulationError, match=r"Each: nothing answers arn:aws:states:::s3:getObject .* holding s3://in/rows.csv"):
        run(reader_map(csv_reader()), {"key": "rows.csv"})


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        ({"Resource": GET, "ReaderConfig": {"InputType": "MANIFEST"}, "Parameters": {"Bucket": "b", "Key": "k"}}, "does not support ReaderConfig InputType MANIFEST"),
        ({"Resource": GET, "ReaderConfig": {"InputType": "PARQUET"}, "Parameters": {"Bucket": "b", "Key": "k"}}, "does not support ReaderConfig InputType PARQUET"),
    ],
)
def test_readers_the_simulator_cannot_honour_are_refused_before_running(reader, message):
    with pytest.raises(SimulationError, match=f"Each: ItemReader: the simulator {message}"):
        run(reader_map(reader), {})


def test_result_writer_stores_the_results_and_the_map_gives_their_manifest():
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}, "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}}
    s3 = S3({"in/rows.csv": "id\n1\n2\n"})
    execution = run(reader_map(csv_reader(), ResultWriter=writer), {"key": "rows.csv"}, services=Services(s3=s3))
    details = execution.output["ResultWriterDetails"]
    assert details["Bucket"] == "out" and details["Key"].startswith("runs/") and details["Key"].endswith("/manifest.json")
    assert execution.output["MapRunArn"].startswith("arn:aws:states:us-east-1:123456789012:mapRun:machine/Each:")
    folder = details["Key"].rsplit("/", 1)[0]
    assert s3.objects["out", f"{folder}/SUCCEEDED_0.jsonl"].decode() == '{"id":"1"}\n{"id":"2"}\n'
    manifest = json.loads(s3.objects["out", details["Key"]])
    assert manifest["ResultFiles"]["SUCCEEDED"][0]["Key"] == f"{folder}/SUCCEEDED_0.jsonl"
    again = run(reader_map(csv_reader(), ResultWriter=writer), {"key": "rows.csv"}, services=Services(s3=S3({"in/rows.csv": "id\n1\n2\n"})))
    assert again.output == execution.output  # the map run id is the same in every rerun


def test_a_writer_config_alone_flattens_the_results():
    child = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Work", "States": {"Work": {"Type": "Pass", "OutputPath": "$.Items", "End": True}}}
    each = {"Type": "Map", "ItemsPath": "$.xs", "ItemBatcher": {"MaxItemsPerBatch": 2}, "ItemProcessor": child, "ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN"}}, "End": True}
    assert run({"StartAt": "Each", "States": {"Each": each}}, {"xs": [1, 2, 3]}).output == [1, 2, 3]


def test_put_events_with_a_failed_entry_fails_with_event_bridge_failed_entry_and_is_retried():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {"Entries": [{"Source": "orders", "DetailType": "Shipped", "Detail": {"id.$": "$.id"}}]},
        "Retry": [{"ErrorEquals": ["EventBridge.FailedEntry"], "MaxAttempts": 2}],
        "End": True,
    }
    events = EventBridge(fail_entries=1)
    execution = run({"StartAt": "Publish", "States": {"Publish": state}}, {"id": "o-1"}, services=Services(events=events))
    assert execution.status == "SUCCEEDED" and len(execution.calls) == 2
    assert [entry for entry in execution.trace if entry[0] == "retry"][0][3][0] == "EventBridge.FailedEntry"
    assert events.entries == [{"Source": "orders", "DetailType": "Shipped", "Detail": {"id": "o-1"}}]
    sdk = dict(state, Resource="arn:aws:states:::aws-sdk:eventbridge:putEvents")
    answered = run({"StartAt": "Publish", "States": {"Publish": sdk}}, {"id": "o-1"}, services=Services(events=EventBridge(fail_entries=1)))
    assert answered.output["FailedEntryCount"] == 1  # the aws-sdk integration returns the response as it is


PICTURES = ["[Y0001]-[M01]-[D01]", "[H01]:[m01]:[s01].[f001]", "[FNn], [D1o] [MNn] [Y]", "[h].[m01][Pn]", "[Y]-[d]"]


@pytest.mark.parametrize("picture", PICTURES)
@pytest.mark.parametrize("zone", [None, "+0530", "-0800"])
def test_now_with_a_picture_is_from_millis_of_the_simulated_clock(picture, zone):
    """$now(picture, timezone) is $fromMillis($millis(), picture, timezone):
    the same text as the reference JSONata engine gives for the same instant."""
    call = f"$now('{picture}'" + (f", '{zone}')" if zone else ")")
    machine = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": f"{{% {call} %}}", "End": True}}}
    execution = run(machine, {}, start_time="2025-03-01T13:07:09.042Z")
    reference = jsonata.Jsonata(f"$fromMillis(1740834429042, '{picture}'" + (f", '{zone}')" if zone else ")")).evaluate(None)
    assert (execution.status, execution.output) == ("SUCCEEDED", reference)


def test_now_with_a_bad_picture_is_a_query_evaluation_error():
    machine = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $now('[Q]') %}", "End": True}}}
    execution = run(machine, {})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")
    assert "D3132" in execution.cause  # JSONata's "unknown component specifier"
