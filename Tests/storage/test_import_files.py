"""milvus_client_import_files through the raw C ABI: local files uploaded to SeaweedFS, the
emulator importing them from that bucket (true row counts), every rule checked before any
upload or job, several jobs past 1024 groups, progress, cancel, a rerun that uploads nothing."""
from __future__ import annotations

import json

import numpy
import pytest
from harness import Emulator
from milvus_abi import KINDS, PROGRESS_FN, load, take

CREATE = "/v2/vectordb/jobs/import/create"


@pytest.fixture
def emu(seaweed, bucket):
    with Emulator("--job-seconds", "0.5", "--collection", "quick_setup", "--s3-endpoint", seaweed.endpoint,
                  "--bucket", bucket, "--access-key", seaweed.access_key, "--secret-key", seaweed.secret_key,
                  "--region", seaweed.region) as emulator:
        yield emulator


@pytest.fixture
def client(emu, seaweed):
    lib = load()
    handle = lib.milvus_client_new(emu.url.encode())
    assert handle
    assert lib.milvus_client_set_storage(handle, seaweed.endpoint.encode(), seaweed.region.encode(),
                                         seaweed.access_key.encode(), seaweed.secret_key.encode(), None) == 0
    yield handle
    lib.milvus_client_free(handle)


@pytest.fixture
def data(tmp_path):
    """A folder of every kind: JSON (2 rows), JSON lines (3), CSV (4), a NumPy table (5)."""
    folder = tmp_path / "data"
    (folder / "table").mkdir(parents=True)
    (folder / "rows.json").write_text(json.dumps({"rows": [{"id": 1}, {"id": 2}]}))
    (folder / "rows.jsonl").write_text("".join(json.dumps({"id": i}) + "\n" for i in range(3)))
    (folder / "rows.csv").write_text("id\n1\n2\n3\n4\n")
    numpy.save(folder / "table" / "id.npy", numpy.arange(5, dtype=numpy.int64))
    numpy.save(folder / "table" / "vec.npy", numpy.zeros((5, 4), dtype=numpy.float32))
    return folder


def import_files(client, request: dict, timeout_ms: int = 30_000, poll_ms: int = 50, stop=None):
    """(result data or None, progress texts, error kind or None)."""
    lib = load()
    seen: list[dict] = []

    def on_progress(text, _user):
        seen.append(json.loads(text))
        return 1 if stop is not None and stop(seen[-1]) else 0

    callback = PROGRESS_FN(on_progress)
    text = take(lib, lib.milvus_client_import_files(client, json.dumps(request).encode(), timeout_ms, poll_ms,
                                                    callback, None))
    if text is None:
        return None, seen, KINDS[lib.milvus_last_error_code()]
    envelope = json.loads(text)
    assert envelope["code"] == 0
    return envelope["data"], seen, None


def message() -> str:
    return load().milvus_last_error_message().decode()


def creates(emu) -> list[dict]:
    return [json.loads(r["body"]) for r in emu.requests() if r["path"] == CREATE]


KEYS = ["run1/rows.csv", "run1/rows.json", "run1/rows.jsonl", "run1/table/id.npy", "run1/table/vec.npy"]


def test_a_folder_is_uploaded_grouped_imported_and_waited_for(emu, client, seaweed, bucket, data):
    result, seen, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket,
                                                "prefix": "run1", "paths": [str(data)]})
    assert error is None, message()
    assert creates(emu) == [{"collectionName": "quick_setup",
                             "files": [[KEYS[0]], [KEYS[1]], [KEYS[2]], [KEYS[3], KEYS[4]]]}]
    [job] = result["jobs"]
    assert job["state"] == "Completed"
    assert job["importedRows"] == job["totalRows"] == 4 + 2 + 3 + 5
    stored = {o["key"]: o for o in seaweed.list(bucket)}
    assert sorted(stored) == KEYS
    local = {"run1/" + str(p.relative_to(data)): p for p in data.rglob("*") if p.is_file()}
    assert result["objects"] == [{"key": key, "size": local[key].stat().st_size, "etag": stored[key]["etag"],
                                  "path": str(local[key]), "uploaded": True} for key in KEYS]
    assert all(seaweed.get(bucket, key) == local[key].read_bytes() for key in KEYS)
    # Progress: the upload's texts, then the wait's.
    phases = [text["phase"] for text in seen]
    assert phases == ["upload"] * phases.count("upload") + ["import"] * phases.count("import")
    last_upload = [text for text in seen if text["phase"] == "upload"][-1]
    assert last_upload["bytesDone"] == last_upload["bytesTotal"] == sum(p.stat().st_size for p in local.values())
    assert seen[-1] == {"phase": "import", "jobs": [{"jobId": job["jobId"], "state": "Completed", "progress": 100}]}


def test_a_rerun_uploads_nothing_and_imports_again(emu, client, bucket, data):
    request = {"collectionName": "quick_setup", "bucket": bucket, "prefix": "run1", "paths": [str(data)]}
    first, _, error = import_files(client, request)
    assert error is None, message()
    again, seen, error = import_files(client, request)
    assert error is None, message()
    assert [o["uploaded"] for o in again["objects"]] == [False] * 5
    assert [(o["key"], o["etag"]) for o in again["objects"]] == [(o["key"], o["etag"]) for o in first["objects"]]
    assert again["jobs"][0]["jobId"] != first["jobs"][0]["jobId"]
    assert again["jobs"][0]["importedRows"] == 14
    assert len(creates(emu)) == 2


def test_lists_files_and_options_go_into_the_create_as_given(emu, client, bucket, data):
    request = {"collectionName": "quick_setup", "bucket": bucket, "dbName": "default",
               "partitionName": "_default", "options": {"timeout": "300s"},
               "paths": [[str(data / "table" / "id.npy"), str(data / "table" / "vec.npy")], str(data / "rows.json")]}
    result, _, error = import_files(client, request)
    assert error is None, message()
    assert creates(emu) == [{"collectionName": "quick_setup", "dbName": "default", "partitionName": "_default",
                             "files": [["id.npy", "vec.npy"], ["rows.json"]], "options": {"timeout": "300s"}}]
    assert result["jobs"][0]["importedRows"] == 7


@pytest.mark.parametrize("name, detail", [
    ("notes.txt", '".txt" is not a file type Milvus reads'),
    ("rows.JSON", '".JSON" is not a file type Milvus reads'),
])
def test_a_file_breaking_a_rule_stops_everything_before_any_upload(emu, client, seaweed, bucket, data, name, detail):
    (data / name).write_text("x")
    result, seen, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket,
                                                "paths": [str(data)]})
    assert result is None and error == "invalid_argument"
    assert message() == (f"cannot import {data / name}: {detail} (.json, .jsonl, .ndjson, .csv, .parquet, .npy;"
                         " case matters)")
    assert seen == [] and seaweed.list(bucket) == [] and emu.requests() == []


def test_a_data_file_in_a_numpy_group_is_refused_before_any_upload(emu, client, seaweed, bucket, data):
    group = [str(data / "table" / "id.npy"), str(data / "rows.csv")]
    result, _, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket, "paths": [group]})
    assert result is None and error == "invalid_argument"
    assert message().startswith(f"{data / 'rows.csv'} and {data / 'table' / 'id.npy'} are in one file group:")
    assert seaweed.list(bucket) == [] and emu.requests() == []


def many_files(tmp_path, count: int):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(count):
        (folder / f"r{i:04}.json").write_text('[{"id": %d}]' % i)
    return folder


def test_more_than_1024_groups_make_several_jobs(seaweed, bucket, tmp_path):
    folder = many_files(tmp_path, 1025)
    # An emulator that does not read the 1025 objects at create (it would take minutes):
    # the uploads still go to SeaweedFS, the rows are the emulator's made-up counts.
    with Emulator("--job-seconds", "0.5", "--collection", "quick_setup") as emu:
        lib = load()
        client = lib.milvus_client_new(emu.url.encode())
        try:
            assert lib.milvus_client_set_storage(client, seaweed.endpoint.encode(), seaweed.region.encode(),
                                                 seaweed.access_key.encode(), seaweed.secret_key.encode(), None) == 0
            result, _, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket,
                                                     "paths": [str(folder)]}, timeout_ms=60_000, poll_ms=200)
        finally:
            lib.milvus_client_free(client)
        assert error is None, message()
        made = creates(emu)
    assert [len(body["files"]) for body in made] == [1024, 1]
    assert made[0]["files"][0] == ["r0000.json"] and made[1]["files"] == [["r1024.json"]]
    assert [job["state"] for job in result["jobs"]] == ["Completed", "Completed"]
    assert len(result["objects"]) == 1025 and len(seaweed.list(bucket)) == 1025


def test_an_idempotency_key_with_several_jobs_is_refused_before_any_upload(emu, client, seaweed, bucket, tmp_path):
    folder = many_files(tmp_path, 1025)
    assert load().milvus_client_set_header(client, b"Idempotency-Key", b"run-1") == 0
    result, _, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket,
                                             "paths": [str(folder)]})
    assert result is None and error == "invalid_argument"
    assert message() == ("1025 file groups make 2 jobs, and the client's Idempotency-Key header would make the server"
                         " take each as the first; remove the header or import at most 1024 groups a call")
    assert seaweed.list(bucket) == [] and emu.requests() == []


def test_cancel_during_the_upload_creates_no_job_and_a_rerun_resumes(emu, client, seaweed, bucket, data):
    request = {"collectionName": "quick_setup", "bucket": bucket, "prefix": "run1", "paths": [str(data)]}
    result, seen, error = import_files(client, request, stop=lambda text: text["phase"] == "upload")
    assert result is None and error == "cancelled"
    assert len(seen) == 1 and creates(emu) == []
    left = {o["key"] for o in seaweed.list(bucket)}
    assert left <= set(KEYS)
    again, _, error = import_files(client, request)
    assert error is None, message()
    assert {o["key"] for o in again["objects"] if not o["uploaded"]} == left


def test_cancel_during_the_wait_leaves_the_job_running(emu, client, seaweed, bucket, data):
    request = {"collectionName": "quick_setup", "bucket": bucket, "paths": [str(data)]}
    result, seen, error = import_files(client, request, stop=lambda text: text["phase"] == "import")
    assert result is None and error == "cancelled"
    assert message() == "wait for import jobs: cancelled by the progress callback"
    assert len(creates(emu)) == 1 and len(emu.jobs()) == 1
    assert len(seaweed.list(bucket)) == 5


def test_a_create_the_server_refuses_keeps_the_objects(emu, client, seaweed, bucket, data):
    result, _, error = import_files(client, {"collectionName": "no_such", "bucket": bucket,
                                             "paths": [str(data / "rows.json")]})
    assert result is None and error == "server"
    assert message().startswith("create import job: ")
    assert "collection not found" in message()
    assert [o["key"] for o in seaweed.list(bucket)] == ["rows.json"]


@pytest.mark.parametrize("request_json, text", [
    ({"bucket": "b", "paths": ["x"]}, '"collectionName" is required (a non-empty string)'),
    ({"collectionName": "c", "paths": ["x"]}, '"bucket" is required (a non-empty string)'),
    ({"collectionName": "c", "bucket": "b", "paths": []},
     '"paths" must be a non-empty list of local files or folders, each a string, or a list of them taken as one'
     ' file group'),
    ({"collectionName": "c", "bucket": "b", "paths": [[1]]},
     '"paths" must be a non-empty list of local files or folders, each a string, or a list of them taken as one'
     ' file group'),
    ({"collectionName": "c", "bucket": "b", "paths": ["x"], "files": [["a.json"]]},
     '"files" is not a member of an import-files request (collectionName, bucket, paths, prefix, dbName,'
     ' partitionName, options)'),
    ({"collectionName": "c", "bucket": "b", "paths": ["x"], "options": {"timeout": 300}},
     '"options" values must be strings ("timeout" is not); e.g. {"auto_commit":"false"}'),
    ({"collectionName": "c", "bucket": "b", "paths": ["/nonexistent/rows.json"]},
     "cannot read /nonexistent/rows.json: No such file or directory"),
])
def test_a_bad_request_is_refused_without_any_request(emu, client, seaweed, request_json, text):
    result, _, error = import_files(client, request_json)
    assert result is None and error == "invalid_argument"
    assert message() == text
    assert emu.requests() == []


def test_an_extension_only_a_newer_milvus_reads_is_left_to_the_server(seaweed, bucket, data):
    # .jsonl is read from Milvus 2.6 on: the library uploads it, a 2.5 server refuses the create.
    with Emulator("--milvus-version", "2.5", "--collection", "quick_setup", "--s3-endpoint", seaweed.endpoint,
                  "--bucket", bucket, "--access-key", seaweed.access_key, "--secret-key", seaweed.secret_key,
                  "--region", seaweed.region) as emu:
        lib = load()
        client = lib.milvus_client_new(emu.url.encode())
        try:
            assert lib.milvus_client_set_storage(client, seaweed.endpoint.encode(), seaweed.region.encode(),
                                                 seaweed.access_key.encode(), seaweed.secret_key.encode(), None) == 0
            result, _, error = import_files(client, {"collectionName": "quick_setup", "bucket": bucket,
                                                     "paths": [str(data / "rows.jsonl")]})
            assert result is None and error == "server"
            assert message() == ("create import job: server error 2100: unexpected file type,"
                                 " files=[rows.jsonl]: importing data failed")
            assert lib.milvus_last_error_server_code() == 2100
        finally:
            lib.milvus_client_free(client)
        assert [r["path"] for r in emu.requests()] == [CREATE]
    assert [o["key"] for o in seaweed.list(bucket)] == ["rows.jsonl"]
