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
import subprocess
import sys
import threading
import time
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List

import pytest

import milvus_import as mi
from milvus_import import _lib as mlib
from milvus_import import functions as mfun
from integration_support import REPO, RecordingServer, library_path, ok_reply

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
    "list_import_jobs": [("headers", None), ("timeout", 20)],
    "get_import_progress": [("headers", None), ("timeout", 20)],
    "commit_import": [("headers", None), ("timeout", 20)],
    "abort_import": [("headers", None), ("timeout", 20)],
    "bulk_import": [("headers", None), ("timeout", 20), ("partition_name", ""), ("options", None)],
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


CLIENT_DROPPED = {"url", "api_key", "verify", "cert", "headers", "timeout"}


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
        ("retry_backoff", 0.25), ("max_response_bytes", 256 * 1024 * 1024),
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


def test_client_cache_keeps_lru_order_through_the_last_used_shortcut(server_factory) -> None:
    """The same settings as the last call take the cached client without the lock (mfun._last);
    that client must be the most recently used one, so eviction still takes the oldest."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    assert mfun._last == ((), None)
    mi.list_import_jobs(srv.url, timeout=1001)  # A
    a = mfun._last[1]
    mi.list_import_jobs(srv.url, timeout=1002)  # B, now the most recent
    b = mfun._last[1]
    assert a is not None and b is not None and a is not b
    mi.list_import_jobs(srv.url, timeout=1001)  # A again: moved after B
    assert mfun._last[1] is a
    mi.list_import_jobs(srv.url, timeout=1001)  # the shortcut: still A, still the most recent
    assert mfun._last[1] is a
    for i in range(mfun.CLIENT_CACHE_SIZE - 1):  # fills the cache and evicts exactly one: B
        mi.list_import_jobs(srv.url, timeout=2000 + i)
    assert b.closed and not a.closed
    mi.list_import_jobs(srv.url, timeout=1001)
    assert mfun._last[1] is a and not a.closed
    mi.clear_client_cache()
    assert mfun._last == ((), None) and a.closed
    assert mi.list_import_jobs(srv.url, timeout=1001)["code"] == 0 and mfun._last[1] is not a
    assert len(srv.snapshot()) == 6 + mfun.CLIENT_CACHE_SIZE - 1


def test_repeated_list_call_takes_the_last_client_and_body(server_factory, monkeypatch) -> None:
    """The same list_import_jobs arguments as the last call go to the same client with the
    same body, without a lookup (mfun._last_list_call); equal values of other types, a list
    timeout, headers, a client no longer the most recent and a closed client take the lookup."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    assert mfun._last_list_call == ((), None, None, b"")
    lookups: List[Any] = []
    real = mfun._client_for
    monkeypatch.setattr(mfun, "_client_for", lambda *a: lookups.append(a[-1]) or real(*a))
    body = (b'{"collectionName":"c","dbName":"","clusterId":"","projectId":"","regionId":"",'
            b'"pageSize":10,"currentPage":1}')

    def sent() -> List[bytes]:
        return [r.body for r in srv.snapshot()]

    mi.list_import_jobs(srv.url, collection_name="c", timeout=5)
    kept = mfun._last_list_call
    a = kept[2]
    assert kept[0] == (srv.url, "c", "", "", "", "", 10, 1, "", True, 5) and kept[3] == body
    assert mi.list_import_jobs(srv.url, collection_name="c", timeout=5) == LIST1
    assert lookups == [5] and mfun._last_list_call is kept and sent() == [body, body]

    class Name(str):
        def __eq__(self, other: object) -> bool:  # equal to anything: must still not match
            return True

        __hash__ = str.__hash__

    mi.list_import_jobs(srv.url, collection_name=Name("d"), timeout=5)
    assert lookups == [5, 5] and sent()[-1] == body.replace(b'"c"', b'"d"') and mfun._last_list_call is kept
    del lookups[0]
    mi.list_import_jobs(srv.url, collection_name="c", timeout=5.0)  # equal, another type: its own client
    assert lookups == [5, 5.0] and mfun._last[1] is not a
    with pytest.raises(mi.InvalidArgumentError, match='"currentPage" must be an integer'):
        mi.list_import_jobs(srv.url, collection_name="c", timeout=5.0, current_page=True)  # True == 1
    assert lookups == [5, 5.0, 5.0] and len(sent()) == 4

    pair = [5, 5]
    mi.list_import_jobs(srv.url, collection_name="c", timeout=pair)
    pair[1] = 6  # changed in place: must not match what was kept
    mi.list_import_jobs(srv.url, collection_name="c", timeout=pair)
    assert lookups[3:] == [[5, 6], [5, 6]] and len(mfun._cache) == 4
    mi.list_import_jobs(srv.url, collection_name="c", headers={"X-A": "1"}, timeout=5)
    mi.list_import_jobs(srv.url, collection_name="c", headers={"X-A": "1"}, timeout=5)
    assert lookups[5:] == [5, 5] and [r.header("X-A") for r in srv.snapshot()[-2:]] == ["1", "1"]

    mi.list_import_jobs(srv.url, collection_name="c", timeout=5)  # kept again, on a
    assert lookups[7:] == [5] and mfun._last_list_call[2] is a
    mi.get_import_progress(srv.url, "448761313698322011", timeout=7)  # another client is the most recent
    mi.list_import_jobs(srv.url, collection_name="c", timeout=5)  # so this one moves a to the end
    assert lookups[8:] == [7, 5] and mfun._last[1] is a and next(reversed(mfun._cache.values())) is a

    a.close()  # closed while kept: the call finds its successor
    assert mi.list_import_jobs(srv.url, collection_name="c", timeout=5) == LIST1
    assert lookups[10:] == [5] and mfun._last_list_call[2] is not a and not mfun._last_list_call[2].closed
    mi.clear_client_cache()
    assert mfun._last_list_call == ((), None, None, b"")
    mi.list_import_jobs(srv.url, collection_name="c", timeout=5)
    assert lookups[11:] == [5] and sent()[-1] == body
    mi.list_import_jobs(srv.url, collection_name="c", timeout=None)  # no limit: kept as well
    mi.list_import_jobs(srv.url, collection_name="c", timeout=None)
    assert lookups[12:] == [None] and sent()[-1] == body
    mi.clear_client_cache()


class _EqualToAll(str):
    """A str that claims to equal anything."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class _StrictName(str):
    """A typed id that refuses to be compared with a plain str."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not _StrictName:
            raise TypeError("compared with " + type(other).__name__)
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_arguments_own_eq_never_decides_a_match(server_factory) -> None:
    """The shortcuts compare only exact built-in values: an argument's own __eq__ neither
    raises out of a call nor sends it to another server's client (review of 94c4f0a)."""
    good, other = server_factory(always(LIST1)), server_factory(always(describe("Completed", 100)))
    mi.clear_client_cache()
    mi.list_import_jobs(good.url, collection_name="c")
    assert mi.list_import_jobs(good.url, collection_name=_StrictName("c")) == LIST1
    with pytest.raises(mi.InvalidArgumentError, match="not JSON-serialisable"):
        mi.list_import_jobs(good.url, collection_name=object())  # type: ignore[arg-type]
    assert [r.json["collectionName"] for r in good.snapshot()] == ["c", "c"]
    mi.get_import_progress(_EqualToAll(other.url), "448761313698322011")  # now the most recent client
    mi.list_import_jobs(good.url)  # equal to that url by its __eq__, but not the same text
    mi.get_import_progress(other.url, "448761313698322011")  # the same text: the same client
    assert len(good.snapshot()) == 3 and len(other.snapshot()) == 2
    assert other.connections == 1 and len(mfun._cache) == 2
    mi.clear_client_cache()


def test_settings_keyed_by_what_the_client_reads(server_factory) -> None:
    """An empty api_key or db_name (None or "") is one client, as the Client reads them the
    same; a tuple cert's str-subclass parts are keyed by their text (review of fe370d0)."""
    srv, other = server_factory(always(LIST1)), server_factory(always(LIST1))
    mi.clear_client_cache()
    mi.list_import_jobs(other.url)
    for _ in range(3):
        mi.list_import_jobs(srv.url, api_key=None)  # type: ignore[arg-type]
        mi.list_import_jobs(srv.url, api_key="")
    assert srv.connections == 1 and other.connections == 1 and len(mfun._cache) == 2
    assert mfun._client_for(srv.url, "", None, True, None, None, 20) is mfun._last[1]  # type: ignore[arg-type]
    assert len(mfun._cache) == 2
    mi.list_import_jobs(other.url)
    assert other.connections == 1
    real = mfun._client_for("https://127.0.0.1:1", "", "", True, ("/real.pem", "/real.key"), None, 20)
    odd = mfun._client_for("https://127.0.0.1:1", "", "", True, (_EqualToAll("/x"), _EqualToAll("/y")), None, 20)
    same = mfun._client_for("https://127.0.0.1:1", "", "", True, [_EqualToAll("/real.pem"), "/real.key"], None, 20)
    assert odd is not real and same is real
    mi.clear_client_cache()


class _Truthless:
    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")


class _Quiet(str):
    """A str whose own length says empty: the Client skips it as an api_key."""

    def __len__(self) -> int:
        return 0


class _Loud(str):
    """A str whose own encode says something else: the Client sends its text."""

    def encode(self, *args: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        return b"other"


def test_settings_read_as_sent_never_through_their_own_methods(server_factory) -> None:
    """The key and the Client read a setting the same way: a url is never asked for its truth
    value, an api_key is by its own truth value (skipped when empty) and sent by its text, a
    PathLike header value is one client, a cert that contains itself is refused (review of
    b98f74a)."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    with pytest.raises(mi.InvalidArgumentError, match="url must be a str"):
        mi.list_import_jobs(_Truthless())  # type: ignore[arg-type]
    job = "448761313698322011"
    mi.get_import_progress(srv.url, job, api_key="secret")
    mi.get_import_progress(srv.url, job, api_key=_Quiet("secret"))
    mi.get_import_progress(srv.url, job, api_key=_Loud("secret"))
    with mi.Client(srv.url, api_key=_Loud("secret")) as own:  # a client of its own
        own.get_import_progress(job)
    auths = [r.header("Authorization") for r in srv.snapshot()]
    assert auths == ["Bearer secret", None, "Bearer secret", "Bearer secret"]
    assert len(mfun._cache) == 2
    for _ in range(3):
        mi.list_import_jobs(srv.url, headers={"X-A": PurePosixPath("v")})  # type: ignore[dict-item]
    assert srv.snapshot()[-1].header("X-A") == "v" and len(mfun._cache) == 3
    loop: List[Any] = []
    cert = (loop, "/k")
    loop.append(cert)
    with pytest.raises(mi.InvalidArgumentError, match="cert must be a str"):
        mfun._client_for("https://127.0.0.1:1", "", "", True, cert, None, 20)  # type: ignore[arg-type]
    mi.clear_client_cache()


def test_kept_list_call_never_holds_a_closed_client(server_factory) -> None:
    """What list_import_jobs keeps for its next call goes when its client is evicted or the
    cache is cleared, and a call that ends after either keeps nothing (review of 94c4f0a)."""
    a, b = server_factory(always(LIST1)), server_factory(always(LIST1))
    mi.clear_client_cache()
    saved = mfun.CLIENT_CACHE_SIZE
    try:
        mfun.CLIENT_CACHE_SIZE = 1
        mi.list_import_jobs(a.url)
        kept = mfun._last_list_call[2]
        assert kept is not None and not kept.closed
        mi.get_import_progress(b.url, "448761313698322011")  # evicts a's client
        assert kept.closed and mfun._last_list_call == ((), None, None, b"")
        mi.list_import_jobs(a.url)
        late = mfun._last_list_call
        mi.clear_client_cache()
        assert late[2].closed and mfun._last_list_call == ((), None, None, b"")
        mfun._remember_list_call(late[:2], late[2], late[3])  # a call that ends after the clear
        assert mfun._last_list_call == ((), None, None, b"")
    finally:
        mfun.CLIENT_CACHE_SIZE = saved
        mi.clear_client_cache()


def test_client_cache_keys_settings_by_what_is_sent(server_factory) -> None:
    """A bytes header value goes out as latin-1, so b"x" and the str "b'x'" are two clients;
    True is not a timeout of 1 s, cached or not; a cache size under 1 keeps one client."""
    srv = server_factory(always(LIST1))
    mi.clear_client_cache()
    mi.list_import_jobs(srv.url, headers={"X-A": b"x"})
    mi.list_import_jobs(srv.url, headers={"X-A": "b'x'"})  # str(b"x"), the key of each before
    mi.list_import_jobs(srv.url, headers={"X-A": "x"})  # what b"x" sends: the same client
    assert [r.header("X-A") for r in srv.snapshot()] == ["x", "b'x'", "x"]
    assert len(mfun._cache) == 2
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(srv.url, timeout=True)
    mi.list_import_jobs(srv.url, timeout=1)
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(srv.url, timeout=True)  # refused although a 1 s client is cached
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(srv.url, timeout=(1, True))
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(srv.url, headers={"X-A": 1})
    with pytest.raises(mi.InvalidArgumentError):
        mi.list_import_jobs(srv.url, headers=[("X-A", "1")])  # type: ignore[arg-type]
    saved = mfun.CLIENT_CACHE_SIZE
    try:
        mfun.CLIENT_CACHE_SIZE = 0
        assert mi.list_import_jobs(srv.url, timeout=3)["code"] == 0
        assert mi.list_import_jobs(srv.url, timeout=4)["code"] == 0
        assert len(mfun._cache) == 1 and not mfun._last[1].closed
    finally:
        mfun.CLIENT_CACHE_SIZE = saved
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


# The list body is written directly (client._list_request) when every argument is a plain
# str or int; it must be, byte for byte, what the general path (_dumps of the dict) sends,
# and hand anything it cannot write (a lone surrogate, an int past Python's digit limit, a
# subclass, a bool) back.
_LIST_STRINGS = ["", "c", "quick_setup", "é中文🙂", 'q"uote\\back', "tab\t nl\n \x01 \x7f \u2028", "\u00e9\u0301",
                 "</script>", "nul\x00", "a" * 3000]
_LIST_INTS = [0, 1, 10, -5, 2**63 - 1, 2**64, 10**40]


def _general_list_body(keep_empty: bool, c: Any, d: Any, cl: Any, pr: Any, r: Any, size: Any, page: Any) -> Any:
    from milvus_import import client as mcl
    fields = {"collectionName": c, "dbName": d, "clusterId": cl, "projectId": pr, "regionId": r,
              "pageSize": size, "currentPage": page}
    if not keep_empty:  # as Client.list_import_jobs builds it
        fields = mcl._compact(collectionName=c, dbName=d, clusterId=cl, projectId=pr, regionId=r)
        fields["pageSize"] = size
        fields["currentPage"] = page
    return mcl._dumps(fields)


@pytest.mark.parametrize("keep_empty", [True, False], ids=["module-function", "client-method"])
def test_direct_list_body_is_the_general_body(keep_empty: bool) -> None:
    from milvus_import import client as mcl
    import itertools
    import random
    rng = random.Random(6)
    checked = 0
    for _ in range(3000):
        args = [rng.choice(_LIST_STRINGS) for _ in range(5)] + [rng.choice(_LIST_INTS), rng.choice(_LIST_INTS)]
        direct = mcl._list_request(*args, keep_empty)
        assert direct is not None
        assert direct == _general_list_body(keep_empty, *args), args
        checked += 1
    for bad in ["\ud800", 10**5000, True, 1.5, None, type("S", (str,), {})("sub"), b"bytes"]:
        for position in range(7):
            args: List[Any] = ["c", "", "", "", "", 10, 1]
            args[position] = bad
            assert mcl._list_request(*args, keep_empty) is None, (position, bad)
    assert checked == 3000


def test_direct_list_body_repeats_only_for_the_same_arguments() -> None:
    """The last body is given again for the same arguments only: equal values of another
    type (True for 1) still go to the general path, and keep_empty is part of the match."""
    from milvus_import import client as mcl
    args = ["c", "", "", "", "", 1, 1]
    first = mcl._list_request(*args, True)
    assert first == b'{"collectionName":"c","dbName":"","clusterId":"","projectId":"","regionId":"","pageSize":1,"currentPage":1}'
    assert mcl._list_request(*args, True) is first
    assert mcl._list_request("c", "", "", "", "", True, 1, True) is None
    assert mcl._list_request("c", "", "", "", "", 1, True, True) is None
    assert mcl._list_request(*args, False) == b'{"collectionName":"c","pageSize":1,"currentPage":1}'
    assert mcl._list_request("d", "", "", "", "", 1, 1, False) == b'{"collectionName":"d","pageSize":1,"currentPage":1}'
    assert mcl._list_request(*args, True) == first
    long = mcl._list_request("x" * 5000, "", "", "", "", 1, 1, True)  # over 4 KiB: not kept
    assert long is not None and mcl._last_list[1] == first
    saved = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(0)  # no limit: 701 digits are written, but not kept
        assert mcl._list_request("c", "", "", "", "", 10**700, 1, True) is not None
        sys.set_int_max_str_digits(640)  # then the limit holds for the same arguments
        assert mcl._list_request("c", "", "", "", "", 10**700, 1, True) is None
    finally:
        sys.set_int_max_str_digits(saved)
    assert mcl._last_list[1] == first


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
    {"timeout": 0}, {"timeout": -1}, {"timeout": "20"}, {"connect_timeout": 0}, {"max_retries": 11},
    {"max_retries": -1}, {"retry_backoff": -0.1}, {"max_response_bytes": 0}, {"max_response_bytes": 2**40 + 1},
    {"verify": 3}, {"cert": ("a", "b", "c")}, {"headers": {"Content-Type": "text/plain"}},
    {"headers": {"Bad Name": "x"}}, {"headers": {"X-A": "a\r\nX-B: b"}}, {"api_key": "a\nb"}, {"db_name": "x\r\ny"},
])
def test_bad_settings_raise_invalid_argument(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(mi.InvalidArgumentError) as info:
        mi.Client("http://127.0.0.1:1", **kwargs)
    assert info.value.kind == "invalid_argument" and isinstance(info.value, ValueError)


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
    with pytest.raises(mi.InvalidArgumentError):
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
    import ctypes

    for name, (restype, _args, check) in mlib._TABLE.items():
        if check is mlib._check_new_string:
            assert restype is ctypes.c_void_p, name


def test_version_matches_header() -> None:
    m = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', HEADER.read_text())
    assert m and mi.LIBRARY_VERSION == m.group(1)
    assert os.path.realpath(mi.LIBRARY_PATH) == os.path.realpath(library_path())


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
