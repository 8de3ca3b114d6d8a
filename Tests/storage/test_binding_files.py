"""The Python binding's calls for local files and many jobs: Client.set_storage,
Client.upload_files, Client.import_files, Client.wait_import_jobs and StorageError.

Against a real SeaweedFS (the `seaweed` fixture) and the emulator reading the objects it
imports from the same bucket, so sizes, ETags and row counts are the files' own. Checked:
the returned values exactly, the bytes in the bucket, the requests the emulator saw, the
progress reports, cancelling, the error kinds, and that no secret reaches a message.
"""
from __future__ import annotations

import json
import pickle
import secrets
from pathlib import Path

import pytest

import milvus_import as mi
from harness import Emulator

ROWS = [{"id": i, "vector": [0.5, 0.25]} for i in range(4)]


@pytest.fixture(scope="module")
def store(seaweed):
    """A bucket of this module's, and the emulator importing from it."""
    name = seaweed.make_bucket("binding-" + secrets.token_hex(4))
    with Emulator("--mode", "oss", "--job-seconds", "0.3", "--s3-endpoint", seaweed.endpoint,
                  "--bucket", name, "--access-key", seaweed.access_key,
                  "--secret-key", seaweed.secret_key) as emu:
        emu.bucket = name
        yield emu


@pytest.fixture
def emu(store):
    store.reset()
    return store


@pytest.fixture
def client(seaweed, emu):
    with mi.Client(emu.url) as c:
        c.set_storage(endpoint=seaweed.endpoint.removeprefix("http://"), access_key=seaweed.access_key,
                      secret_key=seaweed.secret_key, secure=False)
        yield c


@pytest.fixture
def prefix() -> str:
    return "py-" + secrets.token_hex(4)


@pytest.fixture
def files(tmp_path) -> dict:
    (tmp_path / "rows.json").write_text(json.dumps({"rows": ROWS}))
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:3]))
    (tmp_path / "more" / "b.csv").write_text("id,vector\n1,\"[0.5, 0.25]\"\n2,\"[0.5, 0.25]\"\n")
    return {"rows": tmp_path / "rows.json", "more": tmp_path / "more"}


def stored(seaweed, bucket, prefix) -> dict:
    return {o["key"]: o for o in seaweed.list(bucket, prefix + "/")}


# ---- signatures -------------------------------------------------------------------------------

def test_storage_keywords_are_pymilvus_s3_connect_param_names() -> None:
    import inspect

    from pymilvus.bulk_writer import RemoteBulkWriter

    theirs = list(inspect.signature(RemoteBulkWriter.S3ConnectParam).parameters)
    ours = list(inspect.signature(mi.Client.set_storage).parameters)[1:]
    shared = [name for name in theirs if name in ours]
    assert shared == ["endpoint", "access_key", "secret_key", "secure", "enable_virtual_style_endpoint",
                      "session_token", "region"]
    assert ours == shared + ["part_size", "stall_timeout"]
    for method in (mi.Client.upload_files, mi.Client.import_files):
        assert "bucket_name" in inspect.signature(method).parameters
    wait = inspect.signature(mi.Client.wait_import_jobs).parameters
    assert list(wait)[:5] == ["self", "job_ids", "timeout", "poll_interval", "on_progress"]


# ---- upload_files --------------------------------------------------------------------------------

def test_upload_files(client, seaweed, emu, files, prefix):
    reports = []
    objects = client.upload_files([files["rows"], str(files["more"])], bucket_name=emu.bucket, prefix=prefix,
                                  on_progress=reports.append)
    there = stored(seaweed, emu.bucket, prefix)
    keys = [f"{prefix}/rows.json", f"{prefix}/a.jsonl", f"{prefix}/b.csv"]
    assert objects == [
        {"key": k, "size": there[k]["size"], "etag": there[k]["etag"], "path": str(p), "uploaded": True}
        for k, p in zip(keys, [files["rows"], files["more"] / "a.jsonl", files["more"] / "b.csv"])]
    assert seaweed.get(emu.bucket, f"{prefix}/rows.json") == files["rows"].read_bytes()
    total = sum(o["size"] for o in objects)
    assert reports and all(r["phase"] == "upload" and r["bytesTotal"] == total for r in reports)
    assert reports[-1]["bytesDone"] == total
    assert {r["key"] for r in reports} <= set(keys)

    # a rerun sends nothing; one path needs no list
    again = client.upload_files(files["rows"], emu.bucket, prefix)
    assert again == [dict(objects[0], uploaded=False)]
    assert emu.requests() == []  # Milvus is never asked


def test_upload_cancelled_by_the_callback(client, emu, files, prefix, seaweed):
    with pytest.raises(mi.CancelledError):
        client.upload_files(files["rows"], emu.bucket, prefix, on_progress=lambda report: True)

    class Stop(Exception):
        pass

    def boom(report):
        raise Stop("from the callback")

    with pytest.raises(Stop, match="from the callback"):
        client.upload_files(files["more"], emu.bucket, prefix, on_progress=boom)
    assert seaweed.list_multipart_uploads(emu.bucket) == []


def test_storage_errors(seaweed, emu, files, prefix):
    wrong = "wrong-s3cr3t-" + secrets.token_hex(8)
    with mi.Client(emu.url) as c:
        with pytest.raises(mi.InvalidArgumentError):  # no storage set yet
            c.upload_files(files["rows"], emu.bucket)
        c.set_storage(endpoint=seaweed.endpoint, access_key=seaweed.access_key, secret_key=wrong)
        with pytest.raises(mi.StorageError) as info:
            c.upload_files(files["rows"], emu.bucket, prefix)
        err = info.value
        assert (err.kind, err.status, err.http_status, err.server_code, err.storage_code) == (
            "storage", mi.Status.STORAGE, 403, 0, "SignatureDoesNotMatch")
        assert int(err.status) == 13
        assert wrong not in str(err) and wrong not in repr(err)
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is mi.StorageError and copy.storage_code == "SignatureDoesNotMatch"
        assert (copy.message, copy.http_status) == (err.message, 403)

        c.set_storage(endpoint=seaweed.endpoint, access_key=seaweed.access_key, secret_key=seaweed.secret_key)
        with pytest.raises(mi.InvalidArgumentError, match="no_such.json"):
            c.upload_files(files["rows"].parent / "no_such.json", emu.bucket)
    assert emu.requests() == []


def test_set_storage_endpoint_and_values(seaweed, emu):
    assert mi.errors.CLASS_BY_KIND["storage"] is mi.StorageError
    assert issubclass(mi.StorageError, mi.MilvusImportError)
    with mi.Client(emu.url) as c:
        with pytest.raises(mi.InvalidArgumentError, match="secure=True"):
            c.set_storage(endpoint=seaweed.endpoint, access_key="k", secret_key="s", secure=True)
        with pytest.raises(mi.InvalidArgumentError):
            c.set_storage(endpoint="127.0.0.1:1", access_key="k", secret_key="")
        with pytest.raises(mi.InvalidArgumentError):
            c.set_storage(endpoint="127.0.0.1:1", access_key="k", secret_key="s", part_size=1024)
        with pytest.raises(mi.InvalidArgumentError):
            c.set_storage(endpoint="127.0.0.1:1", access_key="k", secret_key="s", stall_timeout=0)
        with pytest.raises(TypeError, match="^paths must be a path or a list of paths, got int$"):
            c.upload_files(42, "b")  # type: ignore[arg-type]


# ---- import_files -----------------------------------------------------------------------------

def test_import_files(client, seaweed, emu, files, prefix):
    phases = []
    result = client.import_files("quick_setup", [files["rows"], files["more"]], emu.bucket, prefix=prefix,
                                 options={"timeout": "300s"}, poll_interval=0.05,
                                 on_progress=lambda r: phases.append(r["phase"]))
    keys = [f"{prefix}/rows.json", f"{prefix}/a.jsonl", f"{prefix}/b.csv"]
    assert sorted(result) == ["jobs", "objects"]
    assert [o["key"] for o in result["objects"]] == keys
    [job] = result["jobs"]
    assert (job["state"], job["collectionName"], job["importedRows"], job["totalRows"]) == (
        "Completed", "quick_setup", 4 + 3 + 2, 4 + 3 + 2)
    assert phases[0] == "upload" and phases[-1] == "import"
    assert phases == sorted(phases, key=["upload", "import"].index)  # bytes first, then jobs
    [create] = [json.loads(q["body"]) for q in emu.requests() if q["path"].endswith("/create")]
    assert create == {"collectionName": "quick_setup", "files": [[k] for k in keys],
                      "options": {"timeout": "300s"}}

    # one file group of explicit paths; nothing uploaded again
    result = client.import_files("quick_setup", [[files["rows"]]], emu.bucket, prefix=prefix, poll_interval=0.05)
    assert [o["uploaded"] for o in result["objects"]] == [False]
    assert result["jobs"][0]["importedRows"] == 4


def test_import_files_refuses_before_creating(client, emu, tmp_path, prefix):
    notes = tmp_path / "notes.txt"
    notes.write_text("not rows")
    with pytest.raises(mi.InvalidArgumentError, match="notes.txt"):
        client.import_files("quick_setup", notes, emu.bucket, prefix=prefix)
    assert emu.requests() == []


# ---- wait_import_jobs ---------------------------------------------------------------------------

def test_wait_import_jobs(client, emu):
    ids = [client.bulk_import("quick_setup", files=[[name]])["data"]["jobId"]
           for name in ("missing_a.json", "missing_b.json", "missing_c.json")]
    reports = []
    finals = client.wait_import_jobs(list(reversed(ids)), timeout=30, poll_interval=0.05,
                                     on_progress=reports.append)
    waits = emu.requests()[len(ids):]  # after the creates
    assert [d["jobId"] for d in finals] == list(reversed(ids))
    # The objects are not in the bucket: Milvus's reason, as the emulator reads the store.
    assert all(d["state"] == "Failed" and d["reason"] for d in finals)
    assert finals == [client.get_import_progress(i)["data"] for i in reversed(ids)]
    assert reports and all(r["phase"] == "import" and [j["jobId"] for j in r["jobs"]] == list(reversed(ids))
                           for r in reports)

    assert all(q["path"].endswith(("/list", "/describe")) for q in waits)
    described = [json.loads(q["body"])["jobId"] for q in waits if q["path"].endswith("/describe")]
    assert sorted(described) == sorted(ids)  # once each
    polls = [q for q in waits if q["path"].endswith("/list")]
    assert len(polls) == len(reports)  # one request per poll


def test_wait_import_jobs_of_a_collection_and_cancel(client, emu):
    emu.reset()
    job = client.bulk_import("quick_setup", files=[["missing.json"]])["data"]["jobId"]
    with pytest.raises(mi.CancelledError):
        client.wait_import_jobs([job], poll_interval=0.05, on_progress=lambda r: True)
    finals = client.wait_import_jobs([], collection_name="quick_setup", timeout=30, poll_interval=0.05)
    assert [d["jobId"] for d in finals] == [job]
    lists = [json.loads(q["body"]) for q in emu.requests() if q["path"].endswith("/list")]
    assert lists[-1]["collectionName"] == "quick_setup"
    with pytest.raises(mi.JobNotFoundError):
        client.wait_import_jobs(["448761313698322999"], timeout=5, poll_interval=0.05)
    with pytest.raises(TypeError, match="^job_ids must be a list of str, got str$"):
        client.wait_import_jobs("448761313698322999")  # one str, not a list
