"""End-to-end flows of the Python binding against the project's Milvus REST emulator
(Tests/emulator), on every server line it emulates (2.4 to 3.0): create, wait with
progress, list, describe, two-phase commit/abort, authentication, errors, Zilliz Cloud
paging, injected faults, and pymilvus itself on the same server for comparison.
Everything runs on 127.0.0.1."""

from __future__ import annotations

import sys
from typing import List

import pytest

import milvus_import as mi
import pymilvus.bulk_writer as pbw
from integration_support import REPO

EMULATOR_DIR = REPO / "Tests" / "emulator"
if not (EMULATOR_DIR / "harness.py").exists():  # pragma: no cover - the emulator ships in the repo
    pytest.skip("Tests/emulator/harness.py not present", allow_module_level=True)
sys.path.insert(0, str(EMULATOR_DIR))
from harness import MILVUS_VERSIONS, Emulator  # noqa: E402

TOKEN = "root:Milvus-T0ken"
MAX_JOBS = 3


def at_least(version: str, line: str) -> bool:
    """Whether the emulated server line `version` is `line` or newer."""
    return MILVUS_VERSIONS.index(version) >= MILVUS_VERSIONS.index(line)


@pytest.fixture(scope="module", params=MILVUS_VERSIONS)
def oss(request):
    with Emulator("--mode", "oss", "--token", TOKEN, "--job-seconds", "0.6", "--max-jobs", str(MAX_JOBS),
                  "--milvus-version", request.param,
                  "--collection", "quick_setup", "--collection", "coll_b@db_a:p1") as emu:
        emu.version = request.param
        yield emu


@pytest.fixture
def emu(oss):
    oss.reset()
    return oss


def test_create_wait_list_describe(emu) -> None:
    job_a = mi.bulk_import(emu.url, "quick_setup", files=[["a.parquet"]], api_key=TOKEN)["data"]["jobId"]
    job_b = mi.bulk_import(emu.url, "coll_b", db_name="db_a", partition_name="p1", files=[["b.json"], ["c.json"]],
                           api_key=TOKEN)["data"]["jobId"]
    assert isinstance(job_a, str) and job_a.isdigit() and job_a != job_b

    progress: List[int] = []
    with mi.Client(emu.url, api_key=TOKEN) as client:
        last = client.wait_import_job(job_a, timeout=30, poll_interval=0.05,
                                      on_progress=lambda env: progress.append(env["data"]["progress"]))
        assert last["data"]["state"] == "Completed" and last["data"]["progress"] == 100
        assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 2
        last_b = client.wait_import_job(job_b, timeout=30, poll_interval=0.05, db_name="db_a")
        assert last_b["data"]["state"] == "Completed"
        assert len(last_b["data"]["details"]) == 2

        everything = client.list_import_jobs()
        assert {r["jobId"] for r in everything["data"]["records"]} >= {job_a}
        in_db_a = client.list_import_jobs(collection_name="coll_b", db_name="db_a")
        assert [r["jobId"] for r in in_db_a["data"]["records"]] == [job_b]

    desc = mi.get_import_progress(emu.url, job_b, api_key=TOKEN, db_name="db_a")
    assert desc["data"]["collectionName"] == "coll_b" and desc["data"]["state"] == "Completed"
    # pymilvus against the same server sees the same answer as ours
    theirs = pbw.get_import_progress(emu.url, job_b, api_key=TOKEN, db_name="db_a").json()
    assert theirs == desc
    theirs_list = pbw.list_import_jobs(emu.url, collection_name="quick_setup", api_key=TOKEN).json()
    assert theirs_list == mi.list_import_jobs(emu.url, collection_name="quick_setup", api_key=TOKEN)


def test_two_phase_commit_and_abort(emu) -> None:
    """Milvus 3.0 waits in Uncommitted until a commit (through Committing to Completed) or
    an abort (Failed); 2.x servers ignore auto_commit and have no commit or abort route."""
    with mi.Client(emu.url, api_key=TOKEN) as client:
        job = client.bulk_import("quick_setup", files=[["x.parquet"]], options={"auto_commit": "false"})["data"]["jobId"]
        if not at_least(emu.version, "3.0"):
            assert client.wait_import_job(job, timeout=30, poll_interval=0.05)["data"]["state"] == "Completed"
            for call in (client.commit_import, client.abort_import):
                with pytest.raises(mi.HTTPError) as info:
                    call(job)
                assert (info.value.http_status, info.value.server_code) == (404, 0)
                assert "commit and abort need Milvus 3.0" in info.value.message
            return
        assert client.wait_import_job(job, timeout=30, poll_interval=0.05)["data"]["state"] == "Uncommitted"
        assert mi.commit_import(emu.url, job, api_key=TOKEN) == {"code": 0, "data": {}}
        assert client.wait_import_job(job, timeout=30, poll_interval=0.05)["data"]["state"] == "Completed"

        job2 = client.bulk_import("quick_setup", files=[["y.parquet"]], options={"auto_commit": "false"})["data"]["jobId"]
        assert client.wait_import_job(job2, timeout=30, poll_interval=0.05)["data"]["state"] == "Uncommitted"
        assert client.abort_import(job2)["code"] == 0
        last = client.wait_import_job(job2, timeout=30, poll_interval=0.05)["data"]
        assert (last["state"], last["reason"]) == ("Failed", "aborted by user")


def test_errors_from_the_emulator(emu) -> None:
    with pytest.raises(mi.AuthenticationError) as info:
        mi.list_import_jobs(emu.url, api_key="root:wrong-password")
    assert (info.value.http_status, info.value.server_code) == (401, 1800)
    assert "wrong-password" not in str(info.value)
    with pytest.raises(mi.AuthenticationError):
        mi.list_import_jobs(emu.url)  # no token at all
    with pytest.raises(mi.ServerError) as info:
        mi.list_import_jobs(emu.url, collection_name="no_such_collection", api_key=TOKEN)
    assert info.value.server_code == 100 and "collection not found" in info.value.message
    with pytest.raises(mi.ServerError) as info:
        mi.bulk_import(emu.url, "quick_setup", files=[["a.parquet"]], db_name="no_such_db", api_key=TOKEN)
    assert info.value.server_code == 800


def test_an_unknown_job_is_job_not_found_on_every_version(emu) -> None:
    """2.4 to 2.6.18 answer 2100, 2.6.19 and 3.0 answer 2101; both are JobNotFoundError."""
    code = 2101 if at_least(emu.version, "2.6.19") else 2100
    with pytest.raises(mi.JobNotFoundError) as info:
        mi.get_import_progress(emu.url, "448761313698399999", api_key=TOKEN)
    assert (info.value.kind, info.value.http_status, info.value.server_code) == ("job_not_found", 200, code)
    assert "import job does not exist" in info.value.message
    with mi.Client(emu.url, api_key=TOKEN) as client:
        with pytest.raises(mi.JobNotFoundError) as info:
            client.wait_import_job("448761313698399999", timeout=5, poll_interval=0.05)
        assert info.value.server_code == code
        if at_least(emu.version, "3.0"):  # commit and abort exist on 3.0 only
            for call in (client.commit_import, client.abort_import):
                with pytest.raises(mi.JobNotFoundError) as info:
                    call("448761313698399999")
                assert info.value.server_code == 2101
                assert "job 448761313698399999 not found" in info.value.message


def test_the_job_limit_is_a_server_error_on_every_version(emu) -> None:
    """The limit of unfinished jobs: 2100 up to 2.6.18, 2101 from 2.6.19; never job-not-found."""
    with mi.Client(emu.url, api_key=TOKEN) as client:
        for n in range(MAX_JOBS):
            client.bulk_import("quick_setup", files=[[f"limit{n}.parquet"]])
        with pytest.raises(mi.ServerError) as info:
            client.bulk_import("quick_setup", files=[["one-too-many.parquet"]])
    assert type(info.value) is mi.ServerError
    code = 2101 if at_least(emu.version, "2.6.19") else 2100
    assert (info.value.kind, info.value.server_code) == ("server", code)
    assert "reached the limit" in info.value.message


def test_a_list_without_collection_shows_every_database(emu) -> None:
    ours = mi.bulk_import(emu.url, "quick_setup", files=[["a.parquet"]], api_key=TOKEN)["data"]["jobId"]
    theirs = mi.bulk_import(emu.url, "coll_b", db_name="db_a", files=[["b.parquet"]], api_key=TOKEN)["data"]["jobId"]
    listed = mi.list_import_jobs(emu.url, db_name="db_a", api_key=TOKEN)["data"]["records"]
    assert {r["jobId"] for r in listed} == {ours, theirs}


def test_jsonl_files_pass_where_the_server_takes_them(emu) -> None:
    """The library refuses no extension: 2.6 and later take .jsonl; older lines refuse it."""
    if at_least(emu.version, "2.6.18"):
        job = mi.bulk_import(emu.url, "quick_setup", files=[["rows.jsonl"]], api_key=TOKEN)["data"]["jobId"]
        assert job.isdigit()
    else:
        with pytest.raises(mi.ServerError) as info:
            mi.bulk_import(emu.url, "quick_setup", files=[["rows.jsonl"]], api_key=TOKEN)
        assert "unexpected file type" in info.value.message


def test_the_state_none_ends_a_wait_at_once(emu) -> None:
    with mi.Client(emu.url, api_key=TOKEN) as client:
        job = client.bulk_import("quick_setup", files=[["a.parquet"]])["data"]["jobId"]
        emu.unknown_state(job)
        with pytest.raises(mi.ServerError) as info:
            client.wait_import_job(job, timeout=30, poll_interval=0.05)
    assert info.value.message == (f"wait for import job {job}: the server reports the state None, which cannot"
                                  " be waited on: unknown import job state")


def test_injected_faults_are_retried_or_classified(emu) -> None:
    with mi.Client(emu.url, api_key=TOKEN, retry_backoff=0.01) as client:
        emu.arm("html", count=1, status=503)
        assert client.list_import_jobs()["code"] == 0  # retried once
        emu.arm("timeout408", count=-1, format="json")
        with pytest.raises(mi.ImportTimeoutError) as info:
            client.list_import_jobs()
        assert (info.value.http_status, info.value.server_code) == (408, 10001)
        emu.reset()
        emu.arm("gzip", count=1)
        assert client.list_import_jobs()["code"] == 0
        emu.arm("huge", count=1, bytes=4096)
        with mi.Client(emu.url, api_key=TOKEN, max_response_bytes=1024) as small:
            with pytest.raises(mi.ResponseTooLargeError):
                small.list_import_jobs()


def test_old_server_without_describe() -> None:
    with Emulator("--mode", "oss", "--job-seconds", "0.3", "--no-describe") as emu:
        with mi.Client(emu.url) as client:
            job = client.bulk_import("quick_setup", files=[["a.parquet"]])["data"]["jobId"]
            assert client.wait_import_job(job, timeout=30, poll_interval=0.05)["data"]["state"] == "Completed"
            paths = [r["path"] for r in emu.requests()]
        assert "/v2/vectordb/jobs/import/get_progress" in paths
        # the client remembered: /describe was asked once, not on every poll
        assert paths.count("/v2/vectordb/jobs/import/describe") == 1


def test_cloud_paging() -> None:
    with Emulator("--mode", "cloud", "--token", "cloud-api-key-123", "--job-seconds", "0.2") as emu:
        with mi.Client(emu.url, api_key="cloud-api-key-123") as client:
            ids = [client.bulk_import("quick_setup", cluster_id="in01-0123456789abcdef",
                                      object_url=f"s3://bucket/{n}.parquet")["data"]["jobId"] for n in range(5)]
            merged = client.list_all_import_jobs(cluster_id="in01-0123456789abcdef", page_size=2)
            assert sorted(r["jobId"] for r in merged["data"]["records"]) == sorted(ids)
            pages = [r for r in emu.requests() if r["path"].endswith("/list")]
            assert len(pages) == 3
            one = mi.list_import_jobs(emu.url, cluster_id="in01-0123456789abcdef", api_key="cloud-api-key-123",
                                      page_size=2, current_page=3)
            assert len(one["data"]["records"]) == 1
