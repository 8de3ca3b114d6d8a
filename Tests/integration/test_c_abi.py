"""The raw C ABI through ctypes (independent of the package): NULL and invalid
arguments, setters, the thread-local last error and its reset rules, the stateless
functions, and waiting with a C callback."""

from __future__ import annotations

import ctypes
import json
import threading
from typing import Any, Dict, List

import pytest

from integration_support import RawC, ok_reply

LIST1 = {"code": 0, "data": {"records": [{"collectionName": "quick_setup", "jobId": "448761313698322011", "progress": 50, "state": "Importing"}]}}
INVALID = 1


def always(body):
    return lambda rec, i: ok_reply(body)


@pytest.fixture
def client(raw: RawC):
    c = raw.lib.milvus_client_new(b"http://127.0.0.1:1")
    assert c
    yield c
    raw.lib.milvus_client_free(c)


def _fails_invalid(raw: RawC, ptr: Any) -> Dict[str, Any]:
    assert raw.take(ptr) is None
    err = raw.last_error()
    assert err["kind"] == "invalid_argument", err
    assert err["http_status"] == 0 and err["server_code"] == 0
    assert err["message"], "an error needs a message"
    return err


def test_version_and_status_strings(raw: RawC) -> None:
    L = raw.lib
    assert L.milvus_version() == b"0.1.0"
    texts = [L.milvus_status_string(i) for i in range(13)]
    assert all(t for t in texts) and len(set(texts)) == 13
    assert L.milvus_status_string(99) == b"unknown status"
    assert L.milvus_status_string(-1) == b"unknown status"


def test_null_arguments_stateless(raw: RawC, server_factory) -> None:
    srv = server_factory(always(LIST1))
    url = srv.url.encode()
    L = raw.lib
    _fails_invalid(raw, L.milvus_list_import_jobs(None, b"c"))
    _fails_invalid(raw, L.milvus_get_import_progress(None, b"1"))
    _fails_invalid(raw, L.milvus_get_import_progress(url, None))
    _fails_invalid(raw, L.milvus_get_import_progress(url, b""))
    _fails_invalid(raw, L.milvus_bulk_import(None, b"c", b'[["a"]]'))
    _fails_invalid(raw, L.milvus_bulk_import(url, None, b'[["a"]]'))
    _fails_invalid(raw, L.milvus_bulk_import(url, b"", b'[["a"]]'))
    _fails_invalid(raw, L.milvus_bulk_import(url, b"c", None))
    for bad in (b"", b"[]", b'["a"]', b'[[1]]', b'{"a":1}', b"not json", b'[["a"]] x', b'[["\xff"]]'):
        _fails_invalid(raw, L.milvus_bulk_import(url, b"c", bad))
    _fails_invalid(raw, L.milvus_list_import_jobs(url, b"bad\xffname"))  # never "all jobs"
    assert srv.snapshot() == []
    # NULL collection name = every collection: no collectionName sent
    text = raw.take(L.milvus_list_import_jobs(url, None))
    assert json.loads(text) == LIST1
    assert srv.snapshot()[0].json == {}


def test_null_arguments_client(raw: RawC, client) -> None:
    L = raw.lib
    assert not L.milvus_client_new(None)
    assert raw.last_error()["kind"] == "invalid_argument"
    for fn in ("list_import_jobs", "list_all_import_jobs", "get_import_progress", "bulk_import", "commit_import", "abort_import"):
        _fails_invalid(raw, getattr(L, f"milvus_client_{fn}")(None, b"{}"))
    for fn in ("get_import_progress", "bulk_import", "commit_import", "abort_import"):
        _fails_invalid(raw, getattr(L, f"milvus_client_{fn}")(client, None))  # a required field is missing
    for bad in (b"", b"[]", b"null", b"42", b'"x"', b"{", b'{"jobId":1}', b'{"jobId":null}', b'{"jobId":"1"} trailing'):
        _fails_invalid(raw, L.milvus_client_get_import_progress(client, bad))
    _fails_invalid(raw, L.milvus_client_list_import_jobs(client, b'{"collectionName":5}'))
    _fails_invalid(raw, L.milvus_client_list_import_jobs(client, b'{"pageSize":1.5}'))
    _fails_invalid(raw, L.milvus_client_list_import_jobs(client, b'{"currentPage":"2"}'))
    _fails_invalid(raw, L.milvus_client_bulk_import(client, b'{"collectionName":"c","files":[["a"]],"options":{"auto_commit":false}}'))
    _fails_invalid(raw, L.milvus_client_bulk_import(client, b'{"collectionName":"c"}'))
    _fails_invalid(raw, L.milvus_client_wait_import_job(None, b"1", 1000, 10, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job(client, None, 1000, 10, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job(client, b"", 1000, 10, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job(client, b"1", 0, 10, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job(client, b"1", 1000, 0, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job(client, b"1", 1000, 2000, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job_with_request(client, b"{}", 1000, 10, None, None))
    _fails_invalid(raw, L.milvus_client_wait_import_job_with_request(client, None, 1000, 10, None, None))
    # no-ops
    L.milvus_free(None)
    L.milvus_client_free(None)


@pytest.mark.parametrize("setter,args", [
    ("set_api_key", (b"a\r\nb",)),
    ("set_database", (b"d\nb",)),
    ("set_timeout_ms", (0,)),
    ("set_timeout_ms", (-5,)),
    ("set_connect_timeout_ms", (0,)),
    ("set_header", (b"Content-Type", b"text/plain")),
    ("set_header", (b"content-type", b"text/plain")),
    ("set_header", (b"Bad Name", b"x")),
    ("set_header", (b"", b"x")),
    ("set_header", (None, b"x")),
    ("set_header", (b"X-A", b"a\r\nX-B: b")),
    ("set_max_retries", (11,)),
    ("set_max_retries", (-1,)),
    ("set_retry_backoff_ms", (-1,)),
    ("set_retry_backoff_ms", (60001,)),
    ("set_max_response_bytes", (0,)),
    ("set_max_response_bytes", (2**40 + 1,)),
    ("set_proxy", (b"not a url\r\n",)),
])
def test_setters_refuse_bad_values(raw: RawC, client, setter: str, args) -> None:
    fn = getattr(raw.lib, f"milvus_client_{setter}")
    assert fn(client, *args) == INVALID
    assert raw.last_error()["kind"] == "invalid_argument"
    assert fn(None, *args) == INVALID


@pytest.mark.parametrize("setter,args", [
    ("set_api_key", (b"root:Milvus",)), ("set_api_key", (None,)), ("set_api_key", (b"",)),
    ("set_database", (b"db_a",)), ("set_database", (None,)),
    ("set_timeout_ms", (1,)), ("set_connect_timeout_ms", (500,)),
    ("set_tls", (1, None)), ("set_tls", (0, b"")), ("set_tls", (1, b"/nonexistent/ca.pem")),
    ("set_client_cert", (None, None)), ("set_client_cert", (b"/nonexistent/c.pem", b"/nonexistent/k.pem")),
    ("set_header", (b"Idempotency-Key", b"k-1")), ("set_header", (b"X-Remove", None)),
    ("set_proxy", (b"",)), ("set_proxy", (None,)), ("set_proxy", (b"http://127.0.0.1:3128",)),
    ("set_max_retries", (0,)), ("set_max_retries", (10,)),
    ("set_retry_backoff_ms", (0,)), ("set_retry_backoff_ms", (60000,)),
    ("set_max_response_bytes", (1,)), ("set_max_response_bytes", (2**40,)),
])
def test_setters_accept_good_values(raw: RawC, client, setter: str, args) -> None:
    assert getattr(raw.lib, f"milvus_client_{setter}")(client, *args) == 0
    assert raw.last_error()["code"] == 0


def test_last_error_reset_and_untouched_by_accessors(raw: RawC, server_factory) -> None:
    L = raw.lib
    srv = server_factory(lambda rec, i: ok_reply({"code": 100, "message": "collection not found[collection=x]"})
                         if rec.json.get("collectionName") == "x" else ok_reply(LIST1))
    url = srv.url.encode()
    assert raw.take(L.milvus_list_import_jobs(url, b"x")) is None
    first = raw.last_error()
    assert (first["kind"], first["http_status"], first["server_code"]) == ("server", 200, 100)
    assert "collection not found" in first["message"]
    # accessors, status strings, version and free leave it alone
    L.milvus_status_string(3)
    L.milvus_version()
    L.milvus_free(None)
    assert raw.last_error() == first
    # a successful call resets it
    assert raw.take(L.milvus_list_import_jobs(url, b"quick_setup")) is not None
    assert raw.last_error() == {"code": 0, "kind": "ok", "http_status": 0, "server_code": 0, "message": ""}
    # and a successful setter too
    assert raw.take(L.milvus_list_import_jobs(url, b"x")) is None
    c = L.milvus_client_new(url)
    assert raw.last_error()["code"] == 0
    L.milvus_client_free(c)


def test_last_error_is_per_thread(raw: RawC, server_factory) -> None:
    L = raw.lib

    def responder(rec, i):
        name = rec.json.get("collectionName")
        if name == "auth":
            return {"status": 401, "content_type": "application/json", "body": '{"code":1800,"message":"user hasn\'t authenticated"}'}
        if name == "missing":
            return ok_reply({"code": 100, "message": "collection not found[collection=missing]"})
        return ok_reply(LIST1)

    srv = server_factory(responder)
    url = srv.url.encode()
    failed, other_done = threading.Barrier(3), threading.Barrier(3)
    seen: Dict[str, Any] = {}

    def failing(name: str) -> None:
        assert raw.take(L.milvus_list_import_jobs(url, name.encode())) is None
        failed.wait()
        other_done.wait()  # the other threads have made their own calls meanwhile
        seen[name] = raw.last_error()

    def succeeding() -> None:
        failed.wait()
        assert raw.take(L.milvus_list_import_jobs(url, b"quick_setup")) is not None
        seen["ok"] = raw.last_error()
        other_done.wait()

    threads = [threading.Thread(target=failing, args=("auth",)), threading.Thread(target=failing, args=("missing",)),
               threading.Thread(target=succeeding)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (seen["auth"]["kind"], seen["auth"]["http_status"], seen["auth"]["server_code"]) == ("auth", 401, 1800)
    assert (seen["missing"]["kind"], seen["missing"]["server_code"]) == ("server", 100)
    assert seen["ok"]["code"] == 0 and seen["ok"]["message"] == ""


def test_stateless_calls_reuse_connections(raw: RawC, server_factory) -> None:
    srv = server_factory(always(LIST1))
    url = srv.url.encode()
    for _ in range(10):
        assert json.loads(raw.take(raw.lib.milvus_list_import_jobs(url, b"quick_setup"))) == LIST1
    assert srv.connections == 1


def test_returned_text_is_the_servers_text(raw: RawC, server_factory) -> None:
    body = ('{"code":0,"data":{"records":[{"jobId":"448761313698322011","importedRows":9223372036854775807,'
            '"totalRows":-9223372036854775808,"fileSize":1.5e3,"name":"\\u96c6\\u5408"}]}}')
    srv = server_factory(lambda rec, i: {"status": 200, "content_type": "application/json", "body": body})
    text = raw.take(raw.lib.milvus_list_import_jobs(srv.url.encode(), b"c"))
    assert text is not None, raw.last_error()
    rec = json.loads(text)["data"]["records"][0]
    assert rec["jobId"] == "448761313698322011"
    assert rec["importedRows"] == 9223372036854775807 and rec["totalRows"] == -9223372036854775808
    assert rec["name"] == "\u96c6\u5408"


def test_integers_beyond_int64_are_malformed(raw: RawC, server_factory) -> None:
    body = '{"code":0,"data":{"records":[{"jobId":"1","ts":18446744073709551615}]}}'
    srv = server_factory(lambda rec, i: {"status": 200, "content_type": "application/json", "body": body})
    text = raw.take(raw.lib.milvus_list_import_jobs(srv.url.encode(), b"c"))
    assert text is None
    assert raw.lib.milvus_last_error_code() == 8
    assert "too big integer" in raw.lib.milvus_last_error_message().decode()


def test_wait_with_c_callback(raw: RawC, server_factory) -> None:
    L = raw.lib
    states = [("Pending", 0), ("Importing", 40), ("Importing", 80), ("Completed", 100)]
    srv = server_factory(lambda rec, i: ok_reply({"code": 0, "data": {"jobId": "7", "state": states[min(i, 3)][0],
                                                                       "progress": states[min(i, 3)][1]}}))
    c = L.milvus_client_new(srv.url.encode())
    seen: List[int] = []
    marker = ctypes.c_int(1234)

    @RawC.PROGRESS
    def cb(text: bytes, user_data: int) -> int:
        assert ctypes.cast(user_data, ctypes.POINTER(ctypes.c_int))[0] == 1234
        seen.append(json.loads(text)["data"]["progress"])
        return 0

    try:
        text = raw.take(L.milvus_client_wait_import_job(c, b"7", 10000, 5, ctypes.cast(cb, ctypes.c_void_p),
                                                         ctypes.cast(ctypes.byref(marker), ctypes.c_void_p)))
        assert text is not None, raw.last_error()
        assert json.loads(text)["data"]["state"] == "Completed"
        assert seen == [0, 40, 80, 100]

        @RawC.PROGRESS
        def stop(text: bytes, user_data: int) -> int:
            return 7

        assert raw.take(L.milvus_client_wait_import_job_with_request(
            c, b'{"jobId":"7","dbName":"db_w"}', 10000, 5, ctypes.cast(stop, ctypes.c_void_p), None)) is None
        assert raw.last_error()["kind"] == "cancelled"
        last = srv.snapshot()[-1]
        assert last.header("DB-Name") == "db_w" and last.json["jobId"] == "7"

        # a callback may call into the library itself (here: the status string)
        @RawC.PROGRESS
        def reentrant(text: bytes, user_data: int) -> int:
            return 0 if L.milvus_status_string(0) else 1

        assert raw.take(L.milvus_client_wait_import_job(c, b"7", 10000, 5, ctypes.cast(reentrant, ctypes.c_void_p), None))
    finally:
        L.milvus_client_free(c)


def test_null_request_means_empty_object(raw: RawC, server_factory) -> None:
    srv = server_factory(always(LIST1))
    L = raw.lib
    c = L.milvus_client_new(srv.url.encode())
    try:
        assert json.loads(raw.take(L.milvus_client_list_import_jobs(c, None))) == LIST1
        merged = json.loads(raw.take(L.milvus_client_list_all_import_jobs(c, None)))
        assert [r["jobId"] for r in merged["data"]["records"]] == ["448761313698322011"]
    finally:
        L.milvus_client_free(c)
    first, second = srv.snapshot()
    assert first.json == {}
    assert second.json.get("currentPage") == 1 and second.json.get("pageSize") == 100


def test_setters_apply_to_later_calls(raw: RawC, server_factory) -> None:
    srv = server_factory(always(LIST1))
    L = raw.lib
    c = L.milvus_client_new(srv.url.encode())
    try:
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}"))
        assert L.milvus_client_set_api_key(c, b"root:Milvus") == 0
        assert L.milvus_client_set_database(c, b"db_x") == 0
        assert L.milvus_client_set_header(c, b"X-Trace", b"t1") == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}"))
        assert raw.take(L.milvus_client_get_import_progress(c, b'{"jobId":"5"}'))
        assert L.milvus_client_set_api_key(c, None) == 0
        assert L.milvus_client_set_database(c, b"") == 0
        assert L.milvus_client_set_header(c, b"x-trace", None) == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}"))
    finally:
        L.milvus_client_free(c)
    before, listed, described, after = srv.snapshot()
    assert before.header("Authorization") is None and before.header("DB-Name") is None
    assert listed.header("Authorization") == "Bearer root:Milvus" and listed.header("DB-Name") == "db_x"
    assert listed.json.get("dbName") == "db_x" and listed.header("X-Trace") == "t1"
    assert described.header("DB-Name") == "db_x" and described.json == {"jobId": "5"}
    assert after.header("Authorization") is None and after.header("DB-Name") is None and after.header("X-Trace") is None
    assert after.json == {}


def test_stateless_repeats_send_each_name_as_asked(raw: RawC, server_factory) -> None:
    # The stateless list keeps the last body it serialised per URL: every name still goes
    # out as its own body, byte for byte.
    srv = server_factory(always(LIST1))
    url = srv.url.encode()
    names = [b"a", b"a", b"b", b"", None, b"a", b"caf\xc3\xa9", b"caf\xc3\xa9", b'q"uote']
    for name in names:
        assert raw.take(raw.lib.milvus_list_import_jobs(url, name)) is not None, raw.last_error()
    assert [r.body for r in srv.snapshot()] == [
        b'{"collectionName":"a"}', b'{"collectionName":"a"}', b'{"collectionName":"b"}', b"{}", b"{}",
        b'{"collectionName":"a"}', b'{"collectionName":"caf\xc3\xa9"}', b'{"collectionName":"caf\xc3\xa9"}',
        b'{"collectionName":"q\\"uote"}']
    assert srv.connections == 1


def test_transport_setters_apply_to_the_next_call_on_the_same_connection(raw: RawC, server_factory) -> None:
    # A pooled connection handle set up for a client's settings is set up again when they change.
    srv = server_factory(lambda rec, i: dict(ok_reply(LIST1), delay_ms=300 if i == 3 else 0))
    L = raw.lib
    c = L.milvus_client_new(srv.url.encode())
    try:
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is not None
        assert L.milvus_client_set_max_response_bytes(c, 10) == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is None
        err = raw.last_error()
        assert (err["kind"], err["http_status"]) == ("too_large", 200)
        assert err["message"] == "list import jobs: the response is larger than the limit of 10 bytes"
        assert L.milvus_client_set_max_response_bytes(c, 1 << 20) == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is not None
        assert L.milvus_client_set_max_retries(c, 0) == 0
        assert L.milvus_client_set_timeout_ms(c, 100) == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is None
        assert raw.last_error()["kind"] == "timeout"
        assert L.milvus_client_set_timeout_ms(c, 5000) == 0
        assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is not None
    finally:
        L.milvus_client_free(c)
    assert [r.body for r in srv.snapshot()] == [b"{}"] * 5


def test_text_that_only_looks_the_same_goes_out_as_given(raw: RawC, server_factory) -> None:
    # "café" with U+00E9 and "cafe" + U+0301 are equal as Swift Strings but different
    # bytes: nothing the library keeps between calls (the stateless list body, the header
    # list, the URL of a pooled handle, the stateless client of a URL) may stand in for
    # the other.
    nfc, nfd = b"caf\xc3\xa9", b"cafe\xcc\x81"
    srv = server_factory(always(LIST1))
    L = raw.lib
    url = srv.url.encode()
    for name in (nfc, nfd, nfc):
        assert raw.take(L.milvus_list_import_jobs(url, name)) is not None, raw.last_error()
    c = L.milvus_client_new(url)
    try:
        for value in (nfc, nfd):
            assert L.milvus_client_set_header(c, b"X-Name", value) == 0
            assert raw.take(L.milvus_client_list_import_jobs(c, b"{}")) is not None, raw.last_error()
        for value in (nfc, nfd):
            body = b'{"dbName":"' + value + b'"}'
            assert raw.take(L.milvus_client_list_import_jobs(c, body)) is not None, raw.last_error()
    finally:
        L.milvus_client_free(c)
    for prefix in (nfc, nfd):
        assert raw.take(L.milvus_list_import_jobs(url + b"/" + prefix, b"c")) is not None, raw.last_error()
    sent = srv.snapshot()
    assert [r.body for r in sent[:3]] == [b'{"collectionName":"' + n + b'"}' for n in (nfc, nfd, nfc)]
    assert [dict(r.headers).get("X-Name", "").encode("latin-1") for r in sent[3:5]] == [nfc, nfd]
    assert [dict(r.headers).get("DB-Name", "").encode("latin-1") for r in sent[5:7]] == [nfc, nfd]
    # libcurl writes the path percent-encoded: the two clients stay apart.
    assert [r.target for r in sent[7:]] == ["/caf%c3%a9/v2/vectordb/jobs/import/list",
                                            "/cafe%cc%81/v2/vectordb/jobs/import/list"]
