"""The library (through its C ABI and its Python binding) against pymilvus, the reference
client, on the same emulator: the same create -> describe -> list flow, the requests both
send compared field by field and header by header, and the same results.

Every difference is deliberate and listed in the README ("Compared with pymilvus"):
- the library sends no `Authorization: Bearer ` with an empty token;
- it leaves out the fields pymilvus sends as null (`objectUrls`, `dataPaths`, `files`);
- it sends none of pymilvus's browser headers (User-Agent, misspelt Accept-Encodin/-Languag).
"""
from __future__ import annotations

import ctypes
import json
import time

import pytest
from harness import MILVUS_VERSIONS, Emulator
from pymilvus_flow import TERMINAL, pymilvus_flow

import milvus_abi
import milvus_import

P = "/v2/vectordb/jobs/import/"
SAME_HEADERS = ("Content-Type", "DB-Name")


def library_flow(emu, *, collection_name="quick_setup", files=(("a.json",),), db_name="", api_key=""):
    """The pymilvus flow, through the Python binding's drop-in functions."""
    emu.reset()
    created = milvus_import.bulk_import(emu.url, collection_name=collection_name, db_name=db_name,
                                        files=[list(g) for g in files], api_key=api_key)
    job_id = created["data"]["jobId"]
    progress = []
    deadline = time.monotonic() + 30
    while True:
        answer = milvus_import.get_import_progress(emu.url, job_id=job_id, db_name=db_name, api_key=api_key)
        progress.append(answer)
        if answer["data"]["state"] in TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    listing = milvus_import.list_import_jobs(emu.url, collection_name=collection_name, db_name=db_name,
                                             api_key=api_key)
    return created, progress, listing, emu.requests()


def c_flow(emu, *, collection_name="quick_setup", files=(("a.json",),), db_name="", api_key=""):
    """The same flow through the raw C ABI: a milvus_client and request_json bodies."""
    lib = milvus_abi.load()
    emu.reset()
    client = lib.milvus_client_new(emu.url.encode())
    assert client
    try:
        if api_key:
            assert lib.milvus_client_set_api_key(client, api_key.encode()) == 0
        if db_name:
            assert lib.milvus_client_set_database(client, db_name.encode()) == 0

        def call(function, body):
            pointer = function(client, json.dumps(body).encode())
            assert pointer, lib.milvus_last_error_message().decode()
            try:
                return json.loads(ctypes.string_at(pointer))
            finally:
                lib.milvus_free(pointer)

        created = call(lib.milvus_client_bulk_import,
                       {"collectionName": collection_name, "files": [list(g) for g in files]})
        job_id = created["data"]["jobId"]
        pointer = lib.milvus_client_wait_import_job(client, job_id.encode(), 30_000, 50, None, None)
        assert pointer, lib.milvus_last_error_message().decode()
        final = json.loads(ctypes.string_at(pointer))
        lib.milvus_free(pointer)
        listing = call(lib.milvus_client_list_import_jobs, {"collectionName": collection_name})
    finally:
        lib.milvus_client_free(client)
    return created, [final], listing, emu.requests()


def by_path(requests):
    result = {}
    for r in requests:
        result.setdefault(r["path"], []).append(r)
    return result


def header(request, name):
    return next((v for k, v in request["headers"].items() if k.lower() == name.lower()), None)


def without_nulls(body):
    return {k: v for k, v in body.items() if v is not None}


def masked(envelope):
    """An envelope with job ids, times and sizes replaced, for comparing two runs."""
    text = json.dumps(envelope, sort_keys=True)
    data = json.loads(text)

    def walk(value):
        if isinstance(value, dict):
            return {k: ("<id>" if k == "jobId" else "<time>" if k.endswith("Time") else walk(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return walk(data)


@pytest.fixture(scope="module", params=MILVUS_VERSIONS)
def emu(request):
    """The same flows against each Milvus line the emulator answers as."""
    with Emulator("--job-seconds", "0.3", "--milvus-version", request.param, "--collection", "quick_setup",
                  "--collection", "coll_b@db_b", "--token", "root:Milvus") as e:
        yield e


CASES = [
    dict(api_key="root:Milvus"),
    dict(api_key="root:Milvus", collection_name="coll_b", db_name="db_b"),
]


@pytest.mark.parametrize("flow", [library_flow, c_flow], ids=["python", "c"])
@pytest.mark.parametrize("case", CASES, ids=["default-db", "named-db"])
def test_same_requests_and_results_as_pymilvus(emu, flow, case):
    reference = pymilvus_flow(emu, poll_interval=0.05, **case)
    created, progress, listing, requests = flow(emu, **case)

    ours, theirs = by_path(requests), by_path(reference.requests)
    assert set(ours) == set(theirs) == {P + "create", P + "describe", P + "list"}
    for path in ours:
        for mine in ours[path]:
            model = theirs[path][0]
            # Bodies: pymilvus's fields, its nulls left out (and the C flow sends only what it names).
            mine_body, model_body = json.loads(mine["body"]), without_nulls(json.loads(model["body"]))
            if flow is library_flow:
                assert mine_body == model_body, path
            else:  # the C flow names fewer fields (no empty strings), each with pymilvus's value
                assert mine_body.items() <= model_body.items(), path
            for name in SAME_HEADERS:
                assert header(mine, name) == header(model, name), (path, name)
            assert header(mine, "Authorization") == header(model, "Authorization") == "Bearer root:Milvus"
            assert header(mine, "User-Agent").startswith("libmilvus_import/")
            assert header(mine, "Accept-Encodin") is None and header(model, "Accept-Encodin") == "gzip,deflate,sdch"

    # Results: the same envelopes but for ids and times.
    assert masked(created) == masked(reference.created)
    assert masked(progress[-1]) == masked(reference.progress[-1])
    assert progress[-1]["data"]["state"] == "Completed" and progress[-1]["data"]["progress"] == 100
    assert masked(listing) == masked(reference.listing)
    assert created["data"]["jobId"].isdigit() and reference.created["data"]["jobId"].isdigit()


def test_no_bearer_header_with_an_empty_token():
    with Emulator() as emu:
        reference = pymilvus_flow(emu, poll_interval=0.05)
        *_, requests = library_flow(emu)
    assert all(header(r, "Authorization") == "Bearer " for r in reference.requests)
    assert all(header(r, "Authorization") is None for r in requests)


def test_library_reuses_one_connection_where_pymilvus_opens_one_per_call(emu):
    reference = pymilvus_flow(emu, poll_interval=0.05, api_key="root:Milvus")
    *_, requests = c_flow(emu, api_key="root:Milvus")
    assert len({r["conn"] for r in reference.requests}) == len(reference.requests)
    assert len({r["conn"] for r in requests}) == 1


def test_both_report_an_unknown_collection(emu):
    from pymilvus.exceptions import MilvusException
    with pytest.raises(MilvusException) as theirs:
        pymilvus_flow(emu, api_key="root:Milvus", collection_name="nope")
    with pytest.raises(milvus_import.ServerError) as ours:
        milvus_import.bulk_import(emu.url, collection_name="nope", files=[["a.json"]], api_key="root:Milvus")
    assert "code: 100" in str(theirs.value)
    assert ours.value.server_code == 100 and ours.value.http_status == 200
    assert "collection not found" in ours.value.message
