"""The raw C ABI through ctypes (independent of the package): what the calls send and
return, setters applied to later calls, and waiting with a C callback. NULL and invalid
arguments, the setters' bounds and the last-error rules are Tests/sanitizers/every_call.c's;
the last error per thread is Tests/sanitizers/threads.c's."""

from __future__ import annotations

import ctypes
import json
from typing import List

from integration_support import RawC, ok_reply

LIST1 = {"code": 0, "data": {"records": [{"collectionName": "quick_setup", "jobId": "448761313698322011", "progress": 50, "state": "Importing"}]}}


def always(body):
    return lambda rec, i: ok_reply(body)


def test_null_collection_name_lists_every_collection(raw: RawC, server_factory) -> None:
    srv = server_factory(always(LIST1))
    text = raw.take(raw.lib.milvus_list_import_jobs(srv.url.encode(), None))
    assert json.loads(text) == LIST1
    assert srv.snapshot()[0].json == {}  # no collectionName sent


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
