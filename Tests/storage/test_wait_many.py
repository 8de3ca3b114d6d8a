"""milvus_client_wait_import_jobs through the raw C ABI against the emulator: one list per
poll, each job described once, on the poll whose list first shows it finished; a job the list
does not show, the state None, timeout and cancel."""
from __future__ import annotations

import json

import pytest
from harness import Emulator
from milvus_abi import KINDS, PROGRESS_FN, load, take

LIST = "/v2/vectordb/jobs/import/list"
DESCRIBE = "/v2/vectordb/jobs/import/describe"
FINISHED = ("Completed", "Failed", "Uncommitted")


@pytest.fixture
def emu():
    with Emulator("--job-seconds", "1.0", "--collection", "quick_setup", "--collection", "other") as emulator:
        yield emulator


@pytest.fixture
def client(emu):
    lib = load()
    handle = lib.milvus_client_new(emu.url.encode())
    assert handle
    yield handle
    lib.milvus_client_free(handle)


def create_jobs(emu, count: int, collection: str = "quick_setup", name: str = "rows") -> list[str]:
    ids = []
    for i in range(count):
        reply = emu.call("/v2/vectordb/jobs/import/create",
                         {"collectionName": collection, "files": [[f"{name}-{i}.json"]]})
        ids.append(reply.json()["data"]["jobId"])
    return ids


def wait(client, request: dict, timeout_ms: int = 30_000, poll_ms: int = 100, stop_after: int | None = None):
    """(result envelope or None, the progress texts, the error kind or None)."""
    lib = load()
    seen: list[dict] = []

    def on_progress(text, _user):
        seen.append(json.loads(text))
        return 1 if stop_after is not None and len(seen) >= stop_after else 0

    callback = PROGRESS_FN(on_progress)
    text = take(lib, lib.milvus_client_wait_import_jobs(client, json.dumps(request).encode(), timeout_ms, poll_ms,
                                                        callback, None))
    if text is None:
        return None, seen, KINDS[lib.milvus_last_error_code()]
    return json.loads(text), seen, None


def polls_of(log: list[dict]) -> list[list[dict]]:
    """The request log cut at each list: [list, describe, ...] per poll."""
    polls: list[list[dict]] = []
    for request in log:
        if request["path"] == LIST:
            polls.append([request])
        else:
            polls[-1].append(request)
    return polls


def check_one_list_per_poll(log: list[dict], seen: list[dict], ids: list[str]) -> None:
    """Each poll is a list, then a describe of each job that poll first shows finished."""
    polls = polls_of(log)
    assert len(polls) == len(seen)
    before: set[str] = set()
    for poll, progress in zip(polls, seen):
        assert [r["path"] for r in poll[1:]] == [DESCRIBE] * (len(poll) - 1)
        finished = {job["jobId"] for job in progress["jobs"] if job["state"] in FINISHED}
        described = [json.loads(r["body"])["jobId"] for r in poll[1:]]
        assert sorted(described) == sorted(finished - before)
        before = finished
    assert before == set(ids)


def test_twenty_jobs_cost_one_list_per_poll_and_one_describe_each(emu, client):
    ids = create_jobs(emu, 20)
    start = len(emu.requests())
    result, seen, error = wait(client, {"jobIds": ids})
    assert error is None
    log = emu.requests()[start:]
    assert [job["jobId"] for job in result["data"]["jobs"]] == ids
    assert {job["state"] for job in result["data"]["jobs"]} == {"Completed"}
    assert all(job["importedRows"] == job["totalRows"] > 0 for job in result["data"]["jobs"])
    assert sum(r["path"] == LIST for r in log) == len(seen) >= 2
    assert sorted(json.loads(r["body"])["jobId"] for r in log if r["path"] == DESCRIBE) == sorted(ids)
    assert all(json.loads(r["body"]) == {"pageSize": 100, "currentPage": 1} for r in log if r["path"] == LIST)
    check_one_list_per_poll(log, seen, ids)
    assert seen[0] == {"phase": "import", "jobs": [{"jobId": i, "state": seen[0]["jobs"][n]["state"],
                                                    "progress": seen[0]["jobs"][n]["progress"]}
                                                   for n, i in enumerate(ids)]}


def test_jobs_finishing_at_different_polls_are_described_on_the_poll_they_finish(emu, client):
    early = create_jobs(emu, 3)
    emu.advance(0.6)
    late = create_jobs(emu, 3, name="late")
    failing = create_jobs(emu, 1, name="fail")
    ids = late + early + failing
    start = len(emu.requests())
    result, seen, error = wait(client, {"jobIds": ids}, poll_ms=50)
    assert error is None
    log = emu.requests()[start:]
    check_one_list_per_poll(log, seen, ids)
    assert [job["state"] for job in result["data"]["jobs"]] == ["Completed"] * 6 + ["Failed"]
    # The early jobs finished polls before the late ones.
    finished_at = {job: next(n for n, p in enumerate(seen) if any(j["jobId"] == job and j["state"] in FINISHED
                                                                  for j in p["jobs"])) for job in ids}
    assert max(finished_at[j] for j in early) < min(finished_at[j] for j in late)


def test_a_collection_alone_waits_for_its_jobs_not_finished_at_the_start(emu, client):
    done = create_jobs(emu, 2)
    emu.advance(5)
    running = create_jobs(emu, 3)
    create_jobs(emu, 2, collection="other")
    start = len(emu.requests())
    result, seen, error = wait(client, {"collectionName": "quick_setup"})
    assert error is None
    assert [job["jobId"] for job in result["data"]["jobs"]] == running
    log = emu.requests()[start:]
    assert all(json.loads(r["body"]) == {"collectionName": "quick_setup", "pageSize": 100, "currentPage": 1}
               for r in log if r["path"] == LIST)
    assert not set(done) & {json.loads(r["body"])["jobId"] for r in log if r["path"] == DESCRIBE}
    check_one_list_per_poll(log, seen, running)


def test_a_job_of_another_collection_is_described_on_each_poll(emu, client):
    mine = create_jobs(emu, 1)
    theirs = create_jobs(emu, 1, collection="other")
    start = len(emu.requests())
    result, seen, error = wait(client, {"collectionName": "quick_setup", "jobIds": mine + theirs})
    assert error is None
    log = emu.requests()[start:]
    described = [json.loads(r["body"])["jobId"] for r in log if r["path"] == DESCRIBE]
    # Not in the collection's list: described on every poll; the listed job once.
    assert described.count(theirs[0]) == len(seen)
    assert described.count(mine[0]) == 1
    assert [job["collectionName"] for job in result["data"]["jobs"]] == ["quick_setup", "other"]


def test_a_job_the_server_does_not_know_is_job_not_found(emu, client):
    result, _, error = wait(client, {"jobIds": create_jobs(emu, 1) + ["448761313698399999"]})
    assert result is None and error == "job_not_found"
    assert "448761313698399999" in load().milvus_last_error_message().decode()


def test_the_state_none_ends_the_wait_at_once(emu, client):
    ids = create_jobs(emu, 2)
    emu.unknown_state(ids[1])
    start = len(emu.requests())
    result, seen, error = wait(client, {"jobIds": ids})
    assert result is None and error == "server"
    assert load().milvus_last_error_message().decode() == (
        f"wait for import job {ids[1]}: the server reports the state None, which cannot be waited on:"
        " unknown import job state")
    assert [r["path"] for r in emu.requests()[start:]] == [LIST]
    assert seen == []


def test_a_timeout_names_the_jobs_not_finished(emu, client):
    ids = create_jobs(emu, 2)
    result, seen, error = wait(client, {"jobIds": ids}, timeout_ms=300, poll_ms=100)
    assert result is None and error == "timeout"
    message = load().milvus_last_error_message().decode()
    assert message.startswith(f"wait for import jobs: 2 of 2 not finished after 300 ms ({ids[0]} ")
    assert len(seen) >= 2


def test_the_callback_stops_the_wait(emu, client):
    ids = create_jobs(emu, 2)
    start = len(emu.requests())
    result, seen, error = wait(client, {"jobIds": ids}, stop_after=1)
    assert result is None and error == "cancelled"
    assert len(seen) == 1
    assert [r["path"] for r in emu.requests()[start:]] == [LIST]


def test_two_hundred_jobs_one_list_per_poll(emu, client):
    ids = create_jobs(emu, 200)
    start = len(emu.requests())
    result, seen, error = wait(client, {"collectionName": "quick_setup", "jobIds": ids}, poll_ms=200)
    assert error is None
    log = emu.requests()[start:]
    lists = sum(r["path"] == LIST for r in log)
    describes = sum(r["path"] == DESCRIBE for r in log)
    assert lists == len(seen) and describes == 200 and len(log) == lists + 200
    assert len(result["data"]["jobs"]) == 200
    check_one_list_per_poll(log, seen, ids)
