"""The Python binding itself: pymilvus parity (signatures and request bodies), dict
results, connection reuse, threads, waiting, lifecycle, settings, TLS, proxies, and the
library lookup order with its ImportError."""

from __future__ import annotations

import inspect
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import milvus_import as mi
from milvus_import import _ca_bundle as mca
from milvus_import import _lib as mlib
from milvus_import import functions as mfun
from integration_support import REPO, RecordingServer, library_path, ok_reply
from silent_server import SilentServer

import pymilvus.bulk_writer as pbw
import importlib

pbw_module = importlib.import_module("pymilvus.bulk_writer.bulk_import")

HEADER = REPO / "include" / "milvus_import.h"
LIST1 = {"code": 0, "data": {"records": [{"collectionName": "quick_setup", "jobId": "448761313698322011", "progress": 50, "state": "Importing"}]}}


def describe(state: str, progress: int, job: str = "448761313698322011") -> Dict[str, Any]:
    return {"code": 0, "data": {"jobId": job, "collectionName": "c", "state": state, "progress": progress,
                                "importedRows": 0, "totalRows": 0, "details": []}}


def always(body: Any):
    return lambda rec, i: ok_reply(body)


@pytest.fixture
def server(server_factory):
    return server_factory(always(LIST1))


# ======================================================================================
# pymilvus parity: signatures
# ======================================================================================

POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
# what pymilvus 3.0.2 takes through **kwargs and we name explicitly
EXTRA_NAMED = {
    "list_import_jobs": [("headers", None), ("timeout", 20), ("retries", 2)],
    "get_import_progress": [("headers", None), ("timeout", 20), ("retries", 2)],
    "commit_import": [("headers", None), ("timeout", 20), ("retries", 2)],
    "abort_import": [("headers", None), ("timeout", 20), ("retries", 2)],
    "bulk_import": [("headers", None), ("timeout", 20), ("partition_name", ""), ("options", None), ("retries", 2)],
}


def _pymilvus_params(name: str) -> List[inspect.Parameter]:
    # pymilvus 3.0.2 has no commit_import/abort_import: ours take get_import_progress's keywords
    fn = getattr(pbw, name, None) or pbw.get_import_progress
    return [p for p in inspect.signature(fn).parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


@pytest.mark.parametrize("name", sorted(EXTRA_NAMED))
def test_signature_matches_pymilvus(name: str) -> None:
    ours = list(inspect.signature(getattr(mi, name)).parameters.values())
    theirs = _pymilvus_params(name)
    # same names, same order (so positional calls mean the same), same defaults
    assert [p.name for p in ours[: len(theirs)]] == [p.name for p in theirs]
    for o, t in zip(ours, theirs):
        assert o.kind == POS, o
        assert o.default == t.default and type(o.default) is type(t.default), (o, t)
    assert [(p.name, p.default) for p in ours[len(theirs):]] == EXTRA_NAMED[name]
    assert all(p.kind == POS for p in ours)  # no **kwargs: a misspelt keyword is a TypeError


def test_pymilvus_kwargs_defaults_match_ours() -> None:
    # pymilvus's hidden defaults: timeout=20 in _post_request, partition_name "" and options {}
    assert inspect.signature(pbw_module._post_request).parameters["timeout"].default == 20
    src = inspect.getsource(pbw.bulk_import)
    assert 'kwargs.pop("partition_name", "")' in src
    assert 'kwargs.pop("options", {})' in src


def test_commit_and_abort_absent_from_pinned_pymilvus() -> None:
    """Recorded fact (see the report): pymilvus 3.0.2 has no commit_import/abort_import."""
    assert not hasattr(pbw, "commit_import") and not hasattr(pbw, "abort_import")


def test_unknown_keyword_is_type_error() -> None:
    with pytest.raises(TypeError):
        mi.list_import_jobs("http://127.0.0.1:1", colection_name="typo")  # type: ignore[call-arg]


CLIENT_DROPPED = {"url", "api_key", "verify", "cert", "headers", "timeout", "retries"}


@pytest.mark.parametrize("name", ["list_import_jobs", "get_import_progress", "bulk_import", "commit_import", "abort_import"])
def test_client_methods_take_the_same_keywords(name: str) -> None:
    ours = [(p.name, p.default) for p in inspect.signature(getattr(mi.Client, name)).parameters.values()][1:]
    module = [(p.name, p.default) for p in inspect.signature(getattr(mi, name)).parameters.values() if p.name not in CLIENT_DROPPED]
    assert sorted(ours, key=str) == sorted(module, key=str)


def test_client_constructor_signature() -> None:
    params = inspect.signature(mi.Client).parameters
    assert [(n, p.default) for n, p in params.items()] == [
        ("url", inspect.Parameter.empty), ("api_key", ""), ("db_name", ""), ("timeout", 20), ("connect_timeout", 10),
        ("verify", True), ("cert", None), ("headers", None), ("proxy", None), ("max_retries", 2),
        ("retry_backoff", 0.25), ("max_response_bytes", 256 * 1024 * 1024), ("attempt_timeout", None),
    ]
    wait = inspect.signature(mi.Client.wait_import_job).parameters
    assert list(wait)[:5] == ["self", "job_id", "timeout", "poll_interval", "on_progress"]
    assert wait["on_progress"].default is None


# ======================================================================================
# pymilvus parity: the bytes on the wire
# ======================================================================================

PARITY = [
    ("list_import_jobs", {"collection_name": "quick_setup"}),
    ("list_import_jobs", {}),
    ("list_import_jobs", {"collection_name": "c", "db_name": "db_a", "cluster_id": "in01-x", "project_id": "proj-1",
                          "region_id": "aws-us-west-2", "api_key": "key-123", "page_size": 50, "current_page": 3}),
    ("get_import_progress", {"job_id": "448761313698322011"}),
    ("get_import_progress", {"job_id": "job-01", "cluster_id": "in01-x", "db_name": "db_b", "api_key": "root:Milvus"}),
    ("bulk_import", {"collection_name": "quick_setup", "files": [["a.parquet"], ["b.json"]]}),
    ("bulk_import", {"collection_name": "c", "db_name": "db_a", "files": [["1.npy", "2.npy"]], "partition_name": "p1",
                     "options": {"auto_commit": "false"}, "api_key": "root:Milvus"}),
    ("bulk_import", {"collection_name": "c", "cluster_id": "in01-x", "object_urls": [["s3://b/a.parquet"]],
                     "access_key": "AK", "secret_key": "SK", "token": "T"}),
    ("bulk_import", {"collection_name": "c", "cluster_id": "in01-x", "volume_name": "vol", "data_paths": [["f/"]]}),
]


@pytest.mark.parametrize("name,kwargs", PARITY, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PARITY)])
def test_request_body_matches_pymilvus(name: str, kwargs: Dict[str, Any], server_factory) -> None:
    answer = {"code": 0, "data": {"jobId": "1", "records": []}}
    theirs_srv = server_factory(always(answer))
    ours_srv = server_factory(always(answer))
    getattr(pbw, name)(theirs_srv.url, **kwargs)
    result = getattr(mi, name)(ours_srv.url, **kwargs)
    assert result == answer
    (theirs,), (ours,) = theirs_srv.snapshot(), ours_srv.snapshot()
    assert ours.path == theirs.path
    # identical bodies, except that pymilvus sends JSON null for an unset list and we omit it
    expected = {k: v for k, v in theirs.json.items() if v is not None}
    assert ours.json == expected
    assert list(ours.json) == list(expected)  # same field order, too
    assert ours.header("DB-Name") == theirs.header("DB-Name")
    if kwargs.get("api_key"):
        assert ours.header("Authorization") == theirs.header("Authorization") == f"Bearer {kwargs['api_key']}"
    else:  # deliberate difference: pymilvus sends "Bearer " with an empty token
        assert theirs.header("Authorization") == "Bearer "
        assert ours.header("Authorization") is None
    assert ours.header("Content-Type") == "application/json"


def test_trailing_slash_differs_from_pymilvus(server_factory) -> None:
    """pymilvus concatenates (giving //v2/...); we normalise."""
    theirs_srv, ours_srv = server_factory(always(LIST1)), server_factory(always(LIST1))
    pbw.list_import_jobs(theirs_srv.url + "/")
    mi.list_import_jobs(ours_srv.url + "/")
    assert theirs_srv.snapshot()[0].target.startswith("//v2/")
    assert ours_srv.snapshot()[0].target == "/v2/vectordb/jobs/import/list"


# ======================================================================================
# Results are dicts
# ======================================================================================


def test_results_are_dicts_with_exact_ints(server_factory) -> None:
    body = {"code": 0, "data": {"jobId": "448761313698322011", "state": "Completed", "progress": 100,
                                "importedRows": 9007199254740993, "fileSize": 12.5, "details": [{"fileName": "名前.parquet"}]}}
    srv = server_factory(always(body))
    got = mi.get_import_progress(srv.url, "448761313698322011")
    assert type(got) is dict and got == body
    assert got["data"]["importedRows"] == 9007199254740993 and isinstance(got["data"]["jobId"], str)
    with mi.Client(srv.url) as c:
        assert c.get_import_progress("448761313698322011") == body


# ======================================================================================
# Connection reuse
# ======================================================================================


def test_module_functions_reuse_one_connection(server_factory) -> None:
    srv = server_factory(always(LIST1))
    for _ in range(15):
        assert mi.list_import_jobs(srv.url, collection_name="quick_setup")["data"]["records"][0]["jobId"] == "448761313698322011"
    for _ in range(5):
        mi.get_import_progress(srv.url, "448761313698322011")
    assert len(srv.snapshot()) == 20
    assert srv.connections == 1, f"{srv.connections} TCP connections for 20 calls"


def test_different_settings_get_their_own_client(server_factory) -> None:
    srv = server_factory(always(LIST1))
    mi.list_import_jobs(srv.url, api_key="a")
    mi.list_import_jobs(srv.url, api_key="b")
    mi.list_import_jobs(srv.url, api_key="a")
    auths = [r.header("Authorization") for r in srv.snapshot()]
    assert auths == ["Bearer a", "Bearer b", "Bearer a"]
    assert srv.connections == 2


def test_client_reuses_one_connection(server_factory) -> None:
    srv = server_factory(always(LIST1))
    with mi.Client(srv.url, api_key="root:Milvus") as c:
        for _ in range(25):
            c.list_import_jobs("quick_setup")
    assert len(srv.snapshot()) == 25
    assert srv.connections == 1


def test_client_cache_is_bounded_and_closes_evicted(server_factory) -> None:
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    for i in range(mfun.CLIENT_CACHE_SIZE + 4):
        mi.list_import_jobs(srv.url, timeout=10 + i)
    with mfun._cache_lock:
        cached = list(mfun._cache.values())
    assert len(cached) == mfun.CLIENT_CACHE_SIZE
    assert not any(c.closed for c in cached)
    mi.clear_client_cache()
    assert all(c.closed for c in cached)
    assert mi.list_import_jobs(srv.url)["code"] == 0  # a fresh client after clearing


def test_client_cache_evicts_the_least_recently_used(server_factory) -> None:
    """A cached client used again becomes the most recent, so eviction takes the oldest."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()

    def newest() -> mi.Client:
        return next(reversed(mfun._cache.values()))

    mi.list_import_jobs(srv.url, timeout=1001)  # A
    a = newest()
    mi.list_import_jobs(srv.url, timeout=1002)  # B, now the most recent
    b = newest()
    assert a is not b
    mi.list_import_jobs(srv.url, timeout=1001)  # A again: moved after B
    assert newest() is a
    mi.list_import_jobs(srv.url, timeout=1001)
    assert newest() is a
    for i in range(mfun.CLIENT_CACHE_SIZE - 1):  # fills the cache and evicts exactly one: B
        mi.list_import_jobs(srv.url, timeout=2000 + i)
    assert b.closed and not a.closed
    mi.list_import_jobs(srv.url, timeout=1001)
    assert newest() is a and not a.closed
    mi.clear_client_cache()
    assert a.closed and len(mfun._cache) == 0
    assert mi.list_import_jobs(srv.url, timeout=1001)["code"] == 0 and newest() is not a
    assert len(srv.snapshot()) == 6 + mfun.CLIENT_CACHE_SIZE - 1


class _EqualToAll(str):
    """A str that claims to equal anything."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


def test_cache_shares_a_client_only_for_equal_plain_settings(server_factory, monkeypatch) -> None:
    """Equal settings of exact built-in types share one cached client; any other setting (a
    str subclass, a bool timeout) gets a client for that call alone, closed after it."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    made: List[mi.Client] = []
    real = mfun.Client
    monkeypatch.setattr(mfun, "Client", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    for _ in range(3):  # equal values, new objects each time
        url = "".join(["http://", srv.url[len("http://"):]])
        mi.list_import_jobs(url, api_key="k", verify=True, headers={"X-A": "1"}, timeout=(5, 5.0))
    assert len(made) == 1 and list(mfun._cache.values()) == made and not made[0].closed
    assert srv.connections == 1
    assert mi.list_import_jobs(_EqualToAll(srv.url), api_key="k", headers={"X-A": "1"}, timeout=(5, 5.0)) == LIST1
    assert len(made) == 2 and made[1].closed and list(mfun._cache.values()) == made[:1]
    mi.list_import_jobs(srv.url, timeout=1)
    with pytest.raises(TypeError, match="^timeout must be a number of seconds, got bool$"):
        mi.list_import_jobs(srv.url, timeout=True)  # refused although a client with 1 s is cached
    assert len(mfun._cache) == 2 and [r.header("X-A") for r in srv.snapshot()] == ["1"] * 4 + [None]
    mi.clear_client_cache()


def test_module_functions_from_threads_with_eviction(server_factory) -> None:
    """Threads racing on the cache while it evicts: every call still succeeds."""
    srv = server_factory(always(LIST1))
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(30):
                mi.list_import_jobs(srv.url, timeout=5 + (n * 30 + i) % 40)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(srv.snapshot()) == 240


# ======================================================================================
# Threads
# ======================================================================================


def test_eight_threads_share_one_client(server_factory) -> None:
    def responder(rec, i):
        name = rec.json.get("collectionName", "")
        if name.startswith("auth"):
            return {"status": 401, "content_type": "application/json", "body": json.dumps({"code": 1800, "message": "user hasn't authenticated"})}
        if name.startswith("missing"):
            return ok_reply({"code": 100, "message": f"collection not found[collection={name}]"})
        return ok_reply({"code": 0, "data": {"records": [{"collectionName": name, "jobId": f"job-{name}"}]}})

    srv = server_factory(responder)
    client = mi.Client(srv.url, max_retries=0)
    results: Dict[int, List[str]] = {}
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        seen: List[str] = []
        barrier.wait()
        for i in range(20):
            kind = ("ok", "auth", "missing")[(n + i) % 3]
            name = f"{kind}_{n}_{i}"
            try:
                env = client.list_import_jobs(collection_name=name)
                seen.append("ok" if env["data"]["records"][0]["jobId"] == f"job-{name}" else "WRONG")
            except mi.AuthenticationError as err:
                seen.append("auth" if (err.http_status, err.server_code) == (401, 1800) else "WRONG")
            except mi.ServerError as err:
                seen.append("missing" if err.server_code == 100 and name in err.message else "WRONG")
            assert seen[-1] == kind, (name, seen[-1])
        results[n] = seen

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert sorted(results) == list(range(8))
    assert all(len(v) == 20 for v in results.values())
    assert len(srv.snapshot()) == 160
    assert 1 <= srv.connections <= 8


def test_close_while_another_thread_calls(server_factory) -> None:
    srv = server_factory(lambda rec, i: dict(ok_reply(LIST1), delay_ms=400))
    client = mi.Client(srv.url)
    got: List[Any] = []
    t = threading.Thread(target=lambda: got.append(client.list_import_jobs("quick_setup")))
    t.start()
    time.sleep(0.15)
    client.close()  # must not free the handle under the running call
    t.join()
    assert got and got[0]["code"] == 0
    with pytest.raises(mi.InvalidArgumentError, match="closed"):
        client.list_import_jobs()


# ======================================================================================
# Waiting
# ======================================================================================


def _seq(*bodies: Dict[str, Any]):
    return lambda rec, i: ok_reply(bodies[min(i, len(bodies) - 1)])


def test_wait_until_completed_with_progress(server_factory) -> None:
    srv = server_factory(_seq(describe("Pending", 0), describe("Importing", 50), describe("Completed", 100)))
    seen: List[Any] = []
    with mi.Client(srv.url) as c:
        last = c.wait_import_job("448761313698322011", timeout=10, poll_interval=0.02, db_name="db_a",
                                 on_progress=lambda env: seen.append(env["data"]["progress"]))
    assert last["data"]["state"] == "Completed"
    assert seen == [0, 50, 100]
    reqs = srv.snapshot()
    assert len(reqs) == 3
    assert all(r.path == "/v2/vectordb/jobs/import/describe" and r.json["jobId"] == "448761313698322011" for r in reqs)
    assert all(r.header("DB-Name") == "db_a" for r in reqs)


@pytest.mark.parametrize("state", ["Failed", "Uncommitted"])
def test_wait_returns_failed_and_uncommitted(state: str, server_factory) -> None:
    srv = server_factory(_seq(describe("Importing", 10), describe(state, 99 if state == "Uncommitted" else 0)))
    with mi.Client(srv.url) as c:
        last = c.wait_import_job("448761313698322011", timeout=10, poll_interval=0.01)
    assert last["data"]["state"] == state
    assert len(srv.snapshot()) == 2


def test_wait_cancelled_by_callback(server_factory) -> None:
    srv = server_factory(_seq(describe("Importing", 10)))
    calls: List[int] = []
    with mi.Client(srv.url) as c:
        with pytest.raises(mi.CancelledError) as info:
            c.wait_import_job("448761313698322011", timeout=10, poll_interval=0.01,
                              on_progress=lambda env: calls.append(1) or len(calls) >= 2)
    assert info.value.kind == "cancelled" and info.value.status == mi.Status.CANCELLED
    assert len(calls) == 2 and len(srv.snapshot()) == 2


class _Stop(BaseException):
    pass


@pytest.mark.parametrize("exc", [ValueError("boom in callback"), KeyError("k"), _Stop()])
def test_wait_reraises_callback_exception(exc: BaseException, server_factory) -> None:
    srv = server_factory(_seq(describe("Importing", 10)))

    def cb(env: Dict[str, Any]) -> None:
        raise exc

    with mi.Client(srv.url) as c:
        with pytest.raises(type(exc)) as info:
            c.wait_import_job("448761313698322011", timeout=10, poll_interval=0.01, on_progress=cb)
        assert info.value is exc
        assert len(srv.snapshot()) == 1  # stopped at once
        # the client is still usable afterwards
        assert c.get_import_progress("448761313698322011")["data"]["state"] == "Importing"


def test_wait_times_out(server_factory) -> None:
    srv = server_factory(_seq(describe("Importing", 10)))
    with mi.Client(srv.url) as c:
        t0 = time.monotonic()
        with pytest.raises(mi.ImportTimeoutError) as info:
            c.wait_import_job("448761313698322011", timeout=0.3, poll_interval=0.05)
        elapsed = time.monotonic() - t0
    assert isinstance(info.value, TimeoutError) and info.value.http_status == 0
    assert 0.25 <= elapsed < 2.0, elapsed
    assert 2 <= len(srv.snapshot()) <= 10


def test_wait_job_not_found(server_factory) -> None:
    srv = server_factory(always({"code": 2100, "message": "import job does not exist, jobID=1"}))
    with mi.Client(srv.url) as c:
        with pytest.raises(mi.JobNotFoundError) as info:
            c.wait_import_job("1", timeout=5, poll_interval=0.01)
    assert info.value.server_code == 2100


def test_wait_cloud_request_fields(server_factory) -> None:
    srv = server_factory(_seq(describe("Completed", 100, job="job-01")))
    with mi.Client(srv.url, api_key="cloud-key") as c:
        c.wait_import_job("job-01", timeout=5, poll_interval=0.01, cluster_id="in01-abc")
    r = srv.snapshot()[0]
    assert r.json["jobId"] == "job-01" and r.json["clusterId"] == "in01-abc"
    assert r.header("Authorization") == "Bearer cloud-key"


def test_wait_from_threads_with_callbacks(server_factory) -> None:
    def responder(rec, i):
        job = rec.json["jobId"]
        n = sum(1 for r in srv.snapshot() if r.json["jobId"] == job)
        return ok_reply(describe("Completed" if n >= 3 else "Importing", min(100, n * 30), job=job))

    srv = server_factory(responder)
    out: Dict[str, Any] = {}
    with mi.Client(srv.url) as c:
        def work(n: int) -> None:
            seen: List[str] = []
            env = c.wait_import_job(f"job-{n}", timeout=10, poll_interval=0.01,
                                    on_progress=lambda e: seen.append(e["data"]["jobId"]))
            out[f"job-{n}"] = (env["data"]["state"], seen)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(out) == [f"job-{n}" for n in range(6)]
    for job, (state, seen) in out.items():
        assert state == "Completed" and seen == [job] * 3


# ======================================================================================
# list_all, lifecycle, settings
# ======================================================================================


def test_list_all_import_jobs_merges_pages(server_factory) -> None:
    pages = {1: ["a", "b"], 2: ["c", "d"], 3: ["e"]}

    def responder(rec, i):
        p = rec.json["currentPage"]
        return ok_reply({"code": 0, "data": {"count": 5, "currentPage": p, "pageSize": 2,
                                             "records": [{"jobId": j} for j in pages.get(p, [])]}})

    srv = server_factory(responder)
    with mi.Client(srv.url) as c:
        env = c.list_all_import_jobs(cluster_id="in01-x", page_size=2)
    assert [r["jobId"] for r in env["data"]["records"]] == ["a", "b", "c", "d", "e"]
    assert env["data"]["count"] == 5
    assert [r.json["currentPage"] for r in srv.snapshot()] == [1, 2, 3]
    assert all(r.json["pageSize"] == 2 and r.json["clusterId"] == "in01-x" for r in srv.snapshot())


def test_client_context_manager_and_close(server) -> None:
    with mi.Client(server.url) as c:
        assert not c.closed
        c.list_import_jobs()
    assert c.closed
    c.close()  # idempotent
    with pytest.raises(mi.InvalidArgumentError):
        c.list_import_jobs()


def test_client_repr_masks_password() -> None:
    c = mi.Client("http://root:Sup3rS3cret@127.0.0.1:1/milvus")
    try:
        assert "Sup3rS3cret" not in repr(c) and "***" in repr(c)
    finally:
        c.close()


def test_client_defaults_db_name_and_override(server) -> None:
    with mi.Client(server.url, db_name="db_default") as c:
        c.list_import_jobs("c1")
        c.list_import_jobs("c2", db_name="db_other")
        c.get_import_progress("1")
    r1, r2, r3 = server.snapshot()
    assert r1.header("DB-Name") == "db_default" and r1.json.get("dbName") == "db_default"
    assert r2.header("DB-Name") == "db_other" and r2.json["dbName"] == "db_other"
    assert r3.header("DB-Name") == "db_default"


def test_client_compact_bodies(server) -> None:
    with mi.Client(server.url) as c:
        c.list_import_jobs()
        c.bulk_import("c", files=[["a.parquet"]])
        c.get_import_progress("9")
    a, b, d = (r.json for r in server.snapshot())
    assert a == {"pageSize": 10, "currentPage": 1}
    assert b == {"collectionName": "c", "files": [["a.parquet"]]}
    assert d == {"jobId": "9"}


def test_timeout_seconds_to_ms(server_factory) -> None:
    srv = server_factory(lambda rec, i: dict(ok_reply({"code": 0, "data": {"jobId": "1"}}), delay_ms=1500))
    t0 = time.monotonic()
    with pytest.raises(mi.ImportTimeoutError):
        mi.bulk_import(srv.url, "c", files=[["a.parquet"]], timeout=0.3)
    assert time.monotonic() - t0 < 1.2
    t0 = time.monotonic()
    with pytest.raises(mi.ImportTimeoutError):
        mi.bulk_import(srv.url, "c", files=[["a.parquet"]], timeout=(0.2, 0.2))
    assert time.monotonic() - t0 < 1.2
    assert mi.bulk_import(srv.url, "c", files=[["a.parquet"]], timeout=5)["data"]["jobId"] == "1"


@pytest.mark.parametrize("kwargs", [
    {"timeout": 0}, {"timeout": -1}, {"connect_timeout": 0}, {"max_retries": 11}, {"attempt_timeout": 0},
    {"max_retries": -1}, {"retry_backoff": -0.1}, {"max_response_bytes": 0}, {"max_response_bytes": 2**40 + 1},
    {"cert": ("a", "b", "c")}, {"headers": {"Content-Type": "text/plain"}},
    {"headers": {"Bad Name": "x"}}, {"headers": {"X-A": "a\r\nX-B: b"}}, {"api_key": "a\nb"}, {"db_name": "x\r\ny"},
])
def test_bad_settings_raise_invalid_argument(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(mi.InvalidArgumentError) as info:
        mi.Client("http://127.0.0.1:1", **kwargs)
    assert info.value.kind == "invalid_argument" and isinstance(info.value, ValueError)


# ======================================================================================
# Python types, None, a closed client
# ======================================================================================


@pytest.mark.parametrize("kwargs,message", [
    ({"timeout": "20"}, "timeout must be a number of seconds, got str"),
    ({"attempt_timeout": "5"}, "attempt_timeout must be a number of seconds, got str"),
    ({"verify": 3}, "verify must be a bool or a CA file path, got int"),
    ({"max_retries": 1.5}, "max_retries must be an int, got float"),
    ({"max_retries": True}, "max_retries must be an int, got bool"),
    ({"api_key": 5}, "api_key must be a str, got int"),
    ({"db_name": b"db"}, "db_name must be a str, got bytes"),
    ({"headers": [("X-A", "1")]}, "headers must be a mapping of str to str, got list"),
])
def test_bad_setting_types_raise_type_error(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as info:
        mi.Client("http://127.0.0.1:1", **kwargs)
    assert str(info.value) == message and not isinstance(info.value, mi.MilvusImportError)


@pytest.mark.parametrize("url,message", [(None, "url must be a str, got None"), (19530, "url must be a str, got int"),
                                         (Path("/x"), "url must be a str, got PosixPath")])
def test_url_of_the_wrong_type(url: Any, message: str) -> None:
    with pytest.raises(TypeError) as info:
        mi.Client(url)
    assert str(info.value) == message
    with pytest.raises(TypeError) as info:
        mi.list_import_jobs(url)
    assert str(info.value) == message


WRONG_TYPES = [
    (lambda c: c.get_import_progress(448761313698322011), "job_id must be a str, got int"),
    (lambda c: c.get_import_progress(None), "job_id must be a str, got None"),
    (lambda c: c.wait_import_job(1, timeout=1), "job_id must be a str, got int"),
    (lambda c: c.commit_import(b"1"), "job_id must be a str, got bytes"),
    (lambda c: c.list_import_jobs(collection_name=5), "collection_name must be a str, got int"),
    (lambda c: c.list_import_jobs(page_size="10"), "page_size must be an int, got str"),
    (lambda c: c.list_all_import_jobs(cluster_id=1), "cluster_id must be a str, got int"),
    (lambda c: c.bulk_import(None, files=[["a.json"]]), "collection_name must be a str, got None"),
    (lambda c: c.bulk_import("c", files="a.json"), "files must be a list of lists of str, got str"),
    (lambda c: c.bulk_import("c", files=["a.json"]), "each element of files must be a list of str, got str"),
    (lambda c: c.bulk_import("c", files=[["a.json"]], options={"auto_commit": False}),
     "options['auto_commit'] must be a str, got bool"),
    (lambda c: c.wait_import_jobs(["1", 2]), "each element of job_ids must be a str, got int"),
    (lambda c: c.wait_import_job("1", timeout="60"), "timeout must be a number of seconds, got str"),
    (lambda c: c.wait_import_job("1", on_progress=5), "on_progress must be callable or None, got int"),
    (lambda c: mi.get_import_progress(c.url, 448761313698322011), "job_id must be a str, got int"),
    (lambda c: mi.list_import_jobs(c.url, current_page="2"), "current_page must be an int, got str"),
    (lambda c: mi.bulk_import(c.url, "c", files=[["a.json"]], partition_name=3), "partition_name must be a str, got int"),
    (lambda c: mi.list_import_jobs(c.url, retries="2"), "max_retries must be an int, got str"),
]


@pytest.mark.parametrize("call,message", WRONG_TYPES, ids=[m for _, m in WRONG_TYPES])
def test_wrong_types_are_type_errors_naming_the_parameter(call: Any, message: str, server) -> None:
    with mi.Client(server.url) as c:
        with pytest.raises(TypeError) as info:
            call(c)
    assert str(info.value) == message and not isinstance(info.value, mi.MilvusImportError)
    assert server.snapshot() == []  # nothing sent


def test_none_means_not_given(server) -> None:
    """db_name=None is no database, as api_key=None is no token; so for the other optional
    strings of the module functions and the client's methods."""
    with mi.Client(server.url, api_key=None, db_name=None) as c:
        c.list_import_jobs(collection_name=None, db_name=None, cluster_id=None)
        c.get_import_progress("1", db_name=None)
    mi.list_import_jobs(server.url, collection_name=None, db_name=None, api_key=None)
    mi.get_import_progress(server.url, "1", db_name=None, cluster_id=None)
    a, b, m1, m2 = server.snapshot()
    for r in (a, b, m1, m2):
        assert r.header("DB-Name") is None and r.header("Authorization") is None
    assert a.json == {"pageSize": 10, "currentPage": 1} and b.json == {"jobId": "1"}
    assert m1.json == {"collectionName": "", "dbName": "", "clusterId": "", "projectId": "", "regionId": "",
                       "pageSize": 10, "currentPage": 1}
    assert m2.json == {"jobId": "1", "clusterId": "", "projectId": "", "regionId": ""}


def test_a_closed_client_raises_client_closed_error(server) -> None:
    assert "ClientClosedError" in mi.__all__ and mi.ClientClosedError is mi.errors.ClientClosedError
    assert issubclass(mi.ClientClosedError, mi.MilvusImportError) and issubclass(mi.ClientClosedError, ValueError)
    c = mi.Client(server.url)
    c.close()
    for call in (c.list_import_jobs, lambda: c.get_import_progress("1"), lambda: c.wait_import_job("1"),
                 lambda: c.set_storage(access_key="k", secret_key="s")):
        with pytest.raises(mi.ClientClosedError, match="^milvus_import.Client is closed$") as info:
            call()
        assert info.value.kind == "invalid_argument"
    err = pickle.loads(pickle.dumps(info.value))
    assert type(err) is mi.ClientClosedError and str(err) == "milvus_import.Client is closed"
    assert server.snapshot() == []


# ======================================================================================
# Timeouts bound the whole call; retries
# ======================================================================================


@pytest.fixture
def silent():
    with SilentServer() as s:
        yield s


def test_timeout_bounds_the_whole_call_retries_included(silent) -> None:
    t0 = time.monotonic()
    with pytest.raises(mi.ImportTimeoutError):
        mi.list_import_jobs(silent.url, timeout=0.5)  # 2 retries by default: still 0.5 s in all
    assert 0.45 <= time.monotonic() - t0 < 1.0
    # No pauses between attempts (their jitter could leave no room for the third attempt):
    # three attempts of 0.3 s fit in the call's 1 s.
    with mi.Client(silent.url, timeout=1.0, attempt_timeout=0.3, retry_backoff=0) as c:
        t0 = time.monotonic()
        with pytest.raises(mi.ImportTimeoutError):
            c.list_import_jobs()
        assert 0.85 <= time.monotonic() - t0 < 1.5
    assert silent.connections == 1 + 3  # one attempt above, then three of 0.3 s within 1 s


def test_attempt_timeout_without_retries(silent) -> None:
    with mi.Client(silent.url, timeout=5, attempt_timeout=0.3, max_retries=0) as c:
        t0 = time.monotonic()
        with pytest.raises(mi.ImportTimeoutError):
            c.get_import_progress("1")
        assert 0.25 <= time.monotonic() - t0 < 0.8
    assert silent.connections == 1


def test_module_functions_take_retries(server_factory) -> None:
    srv = server_factory(lambda rec, i: {"status": 503, "content_type": "text/plain", "body": "busy"})
    mi.clear_client_cache()
    with pytest.raises(mi.HTTPError) as info:
        mi.list_import_jobs(srv.url, retries=0)
    assert info.value.http_status == 503 and len(srv.snapshot()) == 1
    with pytest.raises(mi.HTTPError):
        mi.get_import_progress(srv.url, "1", retries=1)
    assert len(srv.snapshot()) == 1 + 2
    with pytest.raises(mi.HTTPError):
        mi.list_import_jobs(srv.url)  # 2 by default
    assert len(srv.snapshot()) == 3 + 3
    assert sorted(key[-1] for key in mfun._cache) == [0, 1, 2]  # retries is part of the key
    with pytest.raises(mi.InvalidArgumentError, match="max_retries must be from 0 to 10, got 11"):
        mi.list_import_jobs(srv.url, retries=11)
    mi.clear_client_cache()


# ======================================================================================
# Ctrl-C
# ======================================================================================

SIGINT_CHILD = """
import sys, time, milvus_import as mi
url, what = sys.argv[1], sys.argv[2]
c = mi.Client(url, timeout=60)
print("ready", flush=True)
try:
    if what == "list":
        c.list_import_jobs()
    elif what == "list-all":
        c.list_all_import_jobs()
    elif what == "wait-many":
        c.wait_import_jobs([sys.argv[3]], timeout=600, poll_interval=5)
    else:
        c.wait_import_job(sys.argv[3], timeout=600, poll_interval=5,
                          on_progress=(lambda e: None) if what == "wait-progress" else None)
    print("returned", flush=True)
except BaseException as e:
    print(type(e).__name__, flush=True)
"""


def _interrupted(url: str, *args: str) -> Tuple[str, float, str]:
    """Run SIGINT_CHILD, send SIGINT 1 s after it is ready: (what it printed, seconds from
    the signal to that line, its stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = PACKAGE_PARENT
    child = subprocess.Popen([sys.executable, "-c", SIGINT_CHILD, url, *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        line = child.stdout.readline().strip()
        elapsed = time.monotonic() - t0
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return line, elapsed, stderr


@pytest.fixture(scope="module")
def slow_job_emulator():
    sys.path.insert(0, str(REPO / "Tests" / "emulator"))
    from harness import Emulator

    with Emulator("--mode", "oss", "--job-seconds", "3600") as emu:
        emu.call("/v2/vectordb/jobs/import/create", {"collectionName": "quick_setup", "files": [["a.parquet"]]})
        yield emu, emu.jobs()[0]["jobId"]


@pytest.mark.parametrize("what,run", [(w, r) for w in ("wait", "wait-progress") for r in (1, 2, 3)]
                         + [("wait-many", 1)])
def test_ctrl_c_stops_a_wait_within_a_second(what: str, run: int, slow_job_emulator) -> None:
    """A wait polling every 5 s, with and without on_progress, and a wait for many jobs:
    Ctrl-C raises KeyboardInterrupt from the call at once (the interrupt check runs every
    100 ms in its pauses)."""
    emu, job = slow_job_emulator
    line, elapsed, stderr = _interrupted(emu.url, what, job)
    assert line == "KeyboardInterrupt", stderr
    assert elapsed < 1.5, elapsed
    assert "Exception ignored" not in stderr and "Traceback" not in stderr, stderr


@pytest.mark.parametrize("what,run", [("list", 1), ("list", 2), ("list", 3), ("list-all", 1)])
def test_ctrl_c_stops_a_call_to_a_server_that_never_answers(what: str, run: int, silent) -> None:
    """Ctrl-C during a request that gets no answer (the check runs at least once a second)."""
    line, elapsed, stderr = _interrupted(silent.url, what)
    assert line == "KeyboardInterrupt", stderr
    assert elapsed < 1.5, elapsed
    assert "Exception ignored" not in stderr and "Traceback" not in stderr, stderr


def test_keyboard_interrupt_in_on_progress_and_nested_calls(server_factory) -> None:
    """A KeyboardInterrupt raised in on_progress is raised from the wait, as any exception
    of the callback; a call made inside the callback keeps its own."""
    srv = server_factory(_seq(describe("Importing", 10)))
    with mi.Client(srv.url) as c:
        def nested(env: Dict[str, Any]) -> None:
            with pytest.raises(mi.JobNotFoundError):
                c.wait_import_job("2", timeout=5, poll_interval=0.01,
                                  on_progress=lambda e: (_ for _ in ()).throw(mi.JobNotFoundError("inner")))
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            c.wait_import_job("1", timeout=5, poll_interval=0.01, on_progress=nested)
        assert c.get_import_progress("1")["data"]["state"] == "Importing"  # nothing left over


@pytest.mark.parametrize("url", ["", "127.0.0.1:19530", "file:///etc/passwd", "http://h/?q=1", "http://h/#f", "http://a\x00b"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(mi.InvalidArgumentError):
        mi.Client(url)


def test_headers_setting(server) -> None:
    with mi.Client(server.url, headers={"X-Trace": "t-1", "Request-Timeout": "15"}) as c:
        c.list_import_jobs()
    r = server.snapshot()[0]
    assert r.header("X-Trace") == "t-1" and r.header("Request-Timeout") == "15"


def test_explicit_proxy_is_used(server_factory) -> None:
    proxy = server_factory(always(LIST1))
    with mi.Client("http://milvus.invalid:19530", proxy=proxy.url, max_retries=0) as c:
        assert c.list_import_jobs("quick_setup")["data"]["records"][0]["jobId"] == "448761313698322011"
    (r,) = proxy.snapshot()
    assert r.target == "http://milvus.invalid:19530/v2/vectordb/jobs/import/list"


PACKAGE_PARENT = str(Path(mi.__file__).resolve().parent.parent)


def _run_py(code: str, env: Dict[str, str], cwd: str = "/") -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter that imports the package under test (PYTHONPATH
    given in env wins, so the lookup tests can point at their own copy)."""
    env = dict(env)
    env.setdefault("PYTHONPATH", PACKAGE_PARENT)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_proxy_from_environment_and_empty_proxy(server_factory) -> None:
    proxy = server_factory(always(LIST1))
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy", "pythonpath")}
    env["http_proxy"] = proxy.url
    code = (
        "import milvus_import as mi\n"
        "print(mi.Client('http://milvus.invalid:19530', max_retries=0).list_import_jobs()['code'])\n"
        "try:\n"
        "    mi.Client('http://milvus.invalid:19530', proxy='', max_retries=0, timeout=5).list_import_jobs()\n"
        "except mi.TransportError as e:\n"
        "    print('transport')\n"
    )
    res = _run_py(code, env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["0", "transport"]
    assert [r.target for r in proxy.snapshot()] == ["http://milvus.invalid:19530/v2/vectordb/jobs/import/list"]


# ======================================================================================
# TLS
# ======================================================================================


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


def _tls_server(server_factory, tls_files, require_client_cert: bool = False) -> RecordingServer:
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*tls_files)
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(tls_files[0])
    srv = RecordingServer(always(LIST1), tls=ctx)
    return srv


def test_tls_verification(tls_files) -> None:
    cert, key = tls_files
    with _tls_server(None, tls_files) as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        with pytest.raises(mi.TLSError) as info:
            mi.list_import_jobs(srv.url)  # self-signed: not in the system store
        assert info.value.kind == "tls" and info.value.http_status == 0
        assert mi.list_import_jobs(srv.url, verify=cert)["code"] == 0
        assert mi.list_import_jobs(srv.url, verify=Path(cert))["code"] == 0
        assert mi.list_import_jobs(srv.url, verify=False)["code"] == 0
        with mi.Client(srv.url, verify=cert) as c:
            assert c.list_import_jobs()["code"] == 0
        assert len(srv.snapshot()) == 4


def test_tls_client_certificate(tls_files) -> None:
    cert, key = tls_files
    with _tls_server(None, tls_files, require_client_cert=True) as srv:
        assert mi.list_import_jobs(srv.url, verify=cert, cert=(cert, key))["code"] == 0
        both = Path(cert).parent / "both.pem"
        both.write_text(Path(cert).read_text() + Path(key).read_text())
        assert mi.list_import_jobs(srv.url, verify=cert, cert=str(both))["code"] == 0
        with pytest.raises((mi.TLSError, mi.TransportError)):
            mi.list_import_jobs(srv.url, verify=cert, timeout=5)
        assert len(srv.snapshot()) == 2


def test_verify_true_ca_file_probe() -> None:
    """verify=True: $SSL_CERT_FILE wins; libcurl's compiled-in Debian file when it exists;
    else the first host bundle found, in order; else None (libcurl's default)."""
    def host(*files: str):
        return lambda path: path in files

    probe = mca.ca_file_for_verify
    debian = "/etc/ssl/certs/ca-certificates.crt"
    rhel, suse = "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem"
    extracted, alpine = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"
    assert probe({}, host(debian, rhel)) is None
    assert probe({}, host(rhel, suse, extracted, alpine)) == rhel
    assert probe({}, host(suse, extracted, alpine)) == suse
    assert probe({}, host(extracted, alpine)) == extracted
    assert probe({}, host(alpine)) == alpine
    assert probe({}, host()) is None
    assert probe({"SSL_CERT_FILE": "/opt/ca.pem"}, host(debian, rhel)) == "/opt/ca.pem"
    assert probe({"SSL_CERT_FILE": ""}, host(rhel)) == rhel


def test_verify_true_trusts_ssl_cert_file(tls_files, monkeypatch) -> None:
    cert, _ = tls_files
    with _tls_server(None, tls_files) as srv:
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        with mi.Client(srv.url) as c:
            assert c.list_import_jobs()["code"] == 0
        monkeypatch.setenv("SSL_CERT_FILE", str(Path(cert).parent / "missing.pem"))
        with mi.Client(srv.url) as c, pytest.raises(mi.TLSError):
            c.list_import_jobs()
        assert len(srv.snapshot()) == 1


# ======================================================================================
# Exceptions
# ======================================================================================


def test_exception_hierarchy() -> None:
    assert issubclass(mi.InvalidArgumentError, ValueError)
    assert issubclass(mi.TransportError, ConnectionError)
    assert issubclass(mi.ImportTimeoutError, TimeoutError)
    assert issubclass(mi.NoMemoryError, MemoryError)
    kinds = {
        mi.InvalidArgumentError: "invalid_argument", mi.TransportError: "transport", mi.ImportTimeoutError: "timeout",
        mi.TLSError: "tls", mi.HTTPError: "http", mi.AuthenticationError: "auth", mi.ServerError: "server",
        mi.MalformedResponseError: "malformed_response", mi.ResponseTooLargeError: "too_large",
        mi.JobNotFoundError: "job_not_found", mi.NoMemoryError: "no_memory", mi.CancelledError: "cancelled",
        mi.StorageError: "storage",
    }
    for cls, kind in kinds.items():
        assert issubclass(cls, mi.MilvusImportError) and cls.kind == kind
        err = mi.errors.error_from_status(mi.Status[kind.upper()] if kind != "auth" else mi.Status.AUTH, "m", 401, 1800)
        assert type(err) is mi.errors.CLASS_BY_KIND[kind]
    assert mi.errors.error_from_status(99, "future").kind == "unknown"


def test_exceptions_pickle_and_attributes(server_factory) -> None:
    srv = server_factory(lambda rec, i: {"status": 401, "content_type": "application/json",
                                         "body": json.dumps({"code": 1800, "message": "user hasn't authenticated"})})
    with pytest.raises(mi.AuthenticationError) as info:
        mi.list_import_jobs(srv.url, api_key="root:hunter2-secret")
    err = info.value
    assert (err.kind, err.status, err.http_status, err.server_code) == ("auth", mi.Status.AUTH, 401, 1800)
    assert "hunter2-secret" not in str(err) and "hunter2-secret" not in repr(err)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is mi.AuthenticationError
    assert (copy.kind, copy.status, copy.http_status, copy.server_code, copy.message) == (
        err.kind, err.status, err.http_status, err.server_code, err.message)


def test_python_side_invalid_strings_send_nothing(server) -> None:
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(server.url, collection_name="bad\udcff")
    with pytest.raises(TypeError, match="^each file of files must be a str, got object$"):
        mi.bulk_import(server.url, "c", files=[[object()]])  # type: ignore[list-item]
    with pytest.raises(mi.InvalidArgumentError):
        mi.Client(server.url, api_key="a\x00b")
    assert server.snapshot() == []


# ======================================================================================
# The library table, version, lookup order
# ======================================================================================


def _header_functions() -> List[str]:
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return sorted(set(re.findall(r"\b(milvus_[a-z_]+)\s*\(", text)) - {"milvus_progress_fn"})


def test_table_binds_the_whole_header() -> None:
    declared = _header_functions()
    assert len(declared) >= 30
    assert sorted(mlib._TABLE) == declared
    for name in declared:
        fn = getattr(mlib.lib, name)
        assert fn.argtypes is not None, name


def test_new_strings_are_void_pointers() -> None:
    """Every NEW ``char *`` of the header is bound as c_void_p (a c_char_p would lose the
    address to free) with the errcheck that copies and frees it."""
    import ctypes

    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    new = re.findall(r"^char \*(milvus_[a-z_]+)\(", text, flags=re.M)
    assert len(new) == 14
    for name in new:
        fn = getattr(mlib.lib, name)
        assert fn.restype is ctypes.c_void_p and fn.errcheck is mlib._check, name


def test_version_matches_header() -> None:
    m = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', HEADER.read_text())
    assert m and mi.LIBRARY_VERSION == m.group(1) and mi.__version__ == m.group(1)
    assert os.path.realpath(mi.LIBRARY_PATH) == os.path.realpath(library_path())
    assert mi.library_version() == mi.LIBRARY_VERSION and isinstance(mi.library_path(), str)
    assert os.path.realpath(mi.library_path()) == os.path.realpath(library_path())


@pytest.fixture
def pkg_copy(tmp_path):
    """A copy of the package under test, without a library inside."""
    src = Path(mi.__file__).resolve().parent
    dst = tmp_path / "site" / "milvus_import"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "libmilvus_import*"))
    return dst


PROBE = "import milvus_import._lib as l; print(l.LIBRARY_PATH); print(l.LIBRARY_VERSION)"


def _env(pkg_dir: Path, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MILVUS_IMPORT_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env["PYTHONPATH"] = str(pkg_dir.parent)
    env.update(extra)
    return env


def _system_has_library() -> bool:
    res = subprocess.run([sys.executable, "-c", "import ctypes.util; print(ctypes.util.find_library('milvus_import'))"],
                         env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}, capture_output=True, text=True)
    return res.stdout.strip() != "None"


def test_lookup_env_first(pkg_copy, tmp_path) -> None:
    shutil.copy(library_path(), pkg_copy / "libmilvus_import.so")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(library_path(), other / "libmilvus_import.so")
    res = _run_py(PROBE, _env(pkg_copy, MILVUS_IMPORT_LIBRARY=str(other / "libmilvus_import.so")))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [str(other / "libmilvus_import.so"), mi.LIBRARY_VERSION]


def test_lookup_package_copy_second(pkg_copy) -> None:
    shutil.copy(library_path(), pkg_copy / "libmilvus_import.so.0")
    res = _run_py(PROBE, _env(pkg_copy))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == str(pkg_copy / "libmilvus_import.so.0")
    # a broken $MILVUS_IMPORT_LIBRARY falls through to the package copy
    res = _run_py(PROBE, _env(pkg_copy, MILVUS_IMPORT_LIBRARY="/nonexistent/libmilvus_import.so"))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == str(pkg_copy / "libmilvus_import.so.0")


def test_lookup_system_third(pkg_copy) -> None:
    if shutil.which("ld") is None and shutil.which("gcc") is None and not _system_has_library():
        pytest.skip("find_library needs ld, gcc or ldconfig to search LD_LIBRARY_PATH")
    libdir = str(Path(library_path()).parent)
    res = _run_py(PROBE + "; import milvus_import as m; print(m.Client('http://127.0.0.1:1').closed)",
                  _env(pkg_copy, LD_LIBRARY_PATH=libdir))
    assert res.returncode == 0, res.stderr
    out = res.stdout.split()
    assert out[0].startswith("libmilvus_import.so"), out
    assert out[1:] == [mi.LIBRARY_VERSION, "False"]


def test_lookup_failure_names_all_three(pkg_copy) -> None:
    if _system_has_library():
        pytest.skip("a libmilvus_import is installed system-wide")
    res = _run_py("import milvus_import", _env(pkg_copy, MILVUS_IMPORT_LIBRARY="/nonexistent/libmilvus_import.so"))
    assert res.returncode != 0
    assert "ImportError" in res.stderr
    assert "MILVUS_IMPORT_LIBRARY='/nonexistent/libmilvus_import.so'" in res.stderr
    assert str(pkg_copy) in res.stderr and "none found" in res.stderr
    assert 'find_library("milvus_import")' in res.stderr
    res = _run_py("import milvus_import", _env(pkg_copy))
    assert "$MILVUS_IMPORT_LIBRARY: not set" in res.stderr


def test_lookup_rejects_a_foreign_library(pkg_copy) -> None:
    libc = "libc.so.6"
    res = _run_py("import milvus_import", _env(pkg_copy, MILVUS_IMPORT_LIBRARY=libc))
    assert res.returncode != 0 and "ImportError" in res.stderr and "milvus_version" in res.stderr


def test_interpreter_shutdown_is_clean(server) -> None:
    code = (
        "import milvus_import as mi, threading\n"
        f"url = {server.url!r}\n"
        "c = mi.Client(url)\n"
        "c.list_import_jobs()\n"
        "mi.list_import_jobs(url)\n"
        "cycle = [mi.Client(url)]; cycle.append(cycle)\n"
        "keep = c\n"
        "print('done')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = _run_py(code, env)
    assert res.returncode == 0 and res.stdout.strip() == "done"
    assert res.stderr == "", res.stderr
