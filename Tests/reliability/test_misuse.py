"""Caller misuse: strings that are not UTF-8, 2 MiB strings, request_json that is not a
valid request, out-of-range numbers, header injection, and setters racing with calls. Each
is MILVUS_ERR_INVALID_ARGUMENT before any I/O (the server records no connection), or works
where that is meaningful; nothing crashes. NULL and "" for every pointer parameter are
Tests/sanitizers/every_call.c's (run by `make test-c`, under valgrind and ASan)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from support import (INVALID_ARGUMENT, NO_CALLBACK, OK, OK_LIST, TIMEOUT, TOO_LARGE, TRANSPORT, fixed,
                     refused_port, replying, response)

LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
INT_MIN = -(2**31)

COMPLETED = (b'{"code":0,"data":{"records":[],"jobId":"1","collectionName":"c","state":"Completed",'
             b'"progress":100}}')


@pytest.fixture
def noio(servers):
    """A server that must never be contacted."""
    return servers(fixed(response(200, OK_LIST)))


@pytest.fixture
def works(servers):
    return servers(replying(lambda req: response(200, COMPLETED, close=False), keep_alive=True))


def invalid(out, *fragments):
    assert not out.ok, f"expected INVALID_ARGUMENT, got text {out.text[:120]!r}"
    assert (out.code, out.http, out.server) == (INVALID_ARGUMENT, 0, 0), out.describe()
    message = out.msg
    assert message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# ======================================================================================
# Strings that are not UTF-8
# ======================================================================================

NOT_UTF8 = {
    "lone-0xff": b"\xff",
    "continuation-first": b"abc\x80def",
    "overlong-slash": b"\xc0\xaf",
    "surrogate": b"\xed\xa0\x80",
    "above-U+10FFFF": b"\xf4\x90\x80\x80",
    "truncated": b"ab\xe2\x82",
}


@pytest.mark.parametrize("bad", list(NOT_UTF8.values()), ids=list(NOT_UTF8))
def test_non_utf8_strings_are_refused_without_io(lib, client, noio, bad):
    url = noio.url.encode()
    c = client(noio.url)
    text_calls = [
        ("milvus_list_import_jobs", (url + b"/" + bad, None)),
        ("milvus_list_import_jobs", (url, bad)),
        ("milvus_get_import_progress", (url + b"/" + bad, b"1")),
        ("milvus_get_import_progress", (url, bad)),
        ("milvus_bulk_import", (url + b"/" + bad, b"c", b'[["a"]]')),
        ("milvus_bulk_import", (url, bad, b'[["a"]]')),
        ("milvus_bulk_import", (url, b"c", b'[["' + bad + b'"]]')),
        ("milvus_client_list_import_jobs", (c, b'{"collectionName":"' + bad + b'"}')),
        ("milvus_client_list_all_import_jobs", (c, b'{"dbName":"' + bad + b'"}')),
        ("milvus_client_get_import_progress", (c, b'{"jobId":"' + bad + b'"}')),
        ("milvus_client_bulk_import", (c, b'{"collectionName":"c","files":[["' + bad + b'"]]}')),
        ("milvus_client_commit_import", (c, b'{"jobId":"1","x":"' + bad + b'"}')),
        ("milvus_client_abort_import", (c, bad + b'{"jobId":"1"}')),
        ("milvus_client_wait_import_job", (c, bad, 1000, 10, NO_CALLBACK, None)),
        ("milvus_client_wait_import_job_with_request", (c, b'{"jobId":"' + bad + b'"}', 1000, 10,
                                                        NO_CALLBACK, None)),
    ]
    for name, args in text_calls:
        invalid(lib.text_call(name, *args), "UTF-8")
    assert not lib.milvus_client_new(url + b"/" + bad)
    assert lib.last()[0] == INVALID_ARGUMENT
    setters = [
        ("milvus_client_set_api_key", (c, bad)),
        ("milvus_client_set_database", (c, bad)),
        ("milvus_client_set_tls", (c, 1, b"/tmp/" + bad)),
        ("milvus_client_set_client_cert", (c, b"/tmp/" + bad, None)),
        ("milvus_client_set_client_cert", (c, b"/tmp/c.pem", b"/tmp/" + bad)),
        ("milvus_client_set_header", (c, b"X-" + bad, b"v")),
        ("milvus_client_set_header", (c, b"X-A", bad)),
        ("milvus_client_set_proxy", (c, b"http://127.0.0.1:1/" + bad)),
    ]
    for name, args in setters:
        invalid(lib.status_call(name, *args))
    assert noio.connections == 0


def test_a_refused_setting_leaves_the_old_one(lib, client, servers):
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    c = client(srv.url)
    assert lib.milvus_client_set_api_key(c, b"kept-token") == OK
    assert lib.milvus_client_set_header(c, b"X-Kept", b"yes") == OK
    assert lib.milvus_client_set_database(c, b"kept_db") == OK
    invalid(lib.status_call("milvus_client_set_api_key", c, b"\xff"))
    invalid(lib.status_call("milvus_client_set_api_key", c, b"a\r\nX-Injected: 1"))
    invalid(lib.status_call("milvus_client_set_header", c, b"X-Kept", b"no\r\nX-Injected: 1"))
    invalid(lib.status_call("milvus_client_set_header", c, b"X Kept", b"v"))
    invalid(lib.status_call("milvus_client_set_header", c, b"X-Kept:", b"v"))
    invalid(lib.status_call("milvus_client_set_database", c, b"db\nX-Injected: 1"))
    out = lib.list(c)
    assert out.ok, out.describe()
    req = srv.requests[-1]
    assert req.header("Authorization") == "Bearer kept-token"
    assert req.header("X-Kept") == "yes"
    assert req.header("DB-Name") == "kept_db"
    assert not req.has_header("X-Injected")


@pytest.mark.parametrize("name", [b"Content-Type", b"content-type", b"Content-Length", b"Host"])
def test_headers_the_library_owns_cannot_be_set(lib, client, noio, name):
    c = client(noio.url)
    invalid(lib.status_call("milvus_client_set_header", c, name, b"text/plain"))


# ======================================================================================
# 2 MiB strings
# ======================================================================================

TWO_MIB = 2 << 20


def test_2mib_collection_name_works(lib, client, servers):
    name = "n" * TWO_MIB
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    c = client(srv.url)
    out = lib.list(c, json.dumps({"collectionName": name}).encode())
    assert out.ok, out.describe()
    assert srv.requests[-1].json["collectionName"] == name
    out = lib.text_call("milvus_list_import_jobs", srv.url.encode(), name.encode())
    assert out.ok, out.describe()
    assert srv.requests[-1].json == {"collectionName": name}
    out = lib.text_call("milvus_bulk_import", srv.url.encode(), name.encode(), b'[["a.parquet"]]')
    assert out.ok, out.describe()
    assert srv.requests[-1].json == {"collectionName": name, "files": [["a.parquet"]]}
    out = lib.text_call("milvus_get_import_progress", srv.url.encode(), name.encode())
    assert out.ok, out.describe()
    assert srv.requests[-1].json == {"jobId": name}


def _big_string_cases():
    big = "v" * TWO_MIB
    return {
        "api-key": ("milvus_client_set_api_key", (big.encode(),),
                    lambda r: r.header("Authorization") == "Bearer " + big),
        "database": ("milvus_client_set_database", (big.encode(),), lambda r: r.header("DB-Name") == big),
        "header-value": ("milvus_client_set_header", (b"X-Big", big.encode()), lambda r: r.header("X-Big") == big),
        "body-dbName": (None, (json.dumps({"dbName": big}).encode(),), lambda r: r.header("DB-Name") == big),
    }


@pytest.mark.parametrize("case", ["api-key", "database", "header-value", "body-dbName"])
def test_2mib_header_values_work_or_are_invalid(lib, client, servers, case):
    """A 2 MiB token, database or header value either goes out whole or is refused as
    INVALID_ARGUMENT (at the setter or the call) before any I/O. Never NO_MEMORY: the
    process has plenty; libcurl refuses request headers over 1 MiB with
    CURLE_OUT_OF_MEMORY, which the library must not pass on as an allocation failure."""
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    c = client(srv.url)
    setter, args, check = _big_string_cases()[case]
    request = b"{}"
    if setter:
        out = lib.status_call(setter, c, *args)
        if not out.ok:
            invalid(out)
            assert srv.connections == 0
            return
    else:
        request = args[0]
    out = lib.list(c, request)
    if out.ok:
        assert check(srv.requests[-1]), "the value did not arrive whole"
    else:
        invalid(out)
        assert srv.connections == 0, "INVALID_ARGUMENT after I/O"


def test_2mib_url_works_or_is_invalid(lib, servers):
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    prefix = "/p" * (TWO_MIB // 2)
    handle = lib.milvus_client_new((srv.url + prefix).encode())
    if not handle:
        assert lib.last()[0] == INVALID_ARGUMENT
        return
    try:
        lib.milvus_client_set_max_retries(handle, 0)
        out = lib.list(handle)
        if out.ok:
            assert srv.requests[-1].path == prefix + "/v2/vectordb/jobs/import/list"
        else:
            invalid(out)
            assert srv.connections == 0
    finally:
        lib.free_client(handle)


# ======================================================================================
# request_json that is not a valid request
# ======================================================================================

ALL_CALLS = ["milvus_client_list_import_jobs", "milvus_client_list_all_import_jobs",
             "milvus_client_get_import_progress", "milvus_client_bulk_import",
             "milvus_client_commit_import", "milvus_client_abort_import"]

NOT_AN_OBJECT = {
    "empty": (b"", "not valid JSON"),
    "unterminated": (b'{"jobId":"1"', "not valid JSON"),
    "array": (b'[{"jobId":"1"}]', "must be a JSON object"),
    "string": (b'"{}"', "not valid JSON"),
    "number": (b"42", "not valid JSON"),
    "null": (b"null", "not valid JSON"),
    "trailing": (b'{"jobId":"1"} {}', "not valid JSON"),
    "duplicate-key": (b'{"jobId":"1","jobId":"2"}', "duplicate"),
    "nested-100000": (b"[" * 100000, "not valid JSON"),
    "nested-object-3000": (b'{"a":' * 3000 + b"1" + b"}" * 3000, "not valid JSON"),
    "escaped-nul": (b'{"jobId":"1\\u0000"}', "not valid JSON"),
    "huge-number": (b'{"jobId":"1","x":1e999}', "not valid JSON"),
}


@pytest.mark.parametrize("name", list(NOT_AN_OBJECT))
def test_request_json_not_an_object(lib, client, noio, name):
    request, fragment = NOT_AN_OBJECT[name]
    c = client(noio.url)
    for call in ALL_CALLS:
        invalid(lib.text_call(call, c, request), fragment)
    invalid(lib.text_call("milvus_client_wait_import_job_with_request", c, request, 1000, 10, NO_CALLBACK, None),
            fragment)
    assert noio.connections == 0


def test_request_integers_beyond_64_bits(lib, client, servers):
    """An integer beyond 64 bits in a known integer field is refused; in a field passed
    through it is refused too, or sent as written: never rewritten, and never turning the
    request's other numbers into reals (5 must not go out as 5.0)."""
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    c = client(srv.url)
    for field in ("pageSize", "currentPage"):
        invalid(lib.list(c, b'{"%s":99999999999999999999}' % field.encode()))
    assert srv.connections == 0
    request = b'{"collectionName":"c","clusterId":"x","regionSize":99999999999999999999,"n":5}'
    out = lib.list(c, request)
    if out.ok:
        sent = srv.requests[-1].body
        assert b"99999999999999999999" in sent and b'"n":5' in sent and b"5.0" not in sent, sent
    else:
        invalid(out)
        assert srv.connections == 0


WRONG_TYPES = [
    (b'{"collectionName":5}', '"collectionName" must be a string'),
    (b'{"collectionName":null}', '"collectionName" must be a string'),
    (b'{"dbName":["a"]}', '"dbName" must be a string'),
    (b'{"partitionName":{}}', '"partitionName" must be a string'),
    (b'{"clusterId":1}', '"clusterId" must be a string'),
    (b'{"jobId":448761313698322011}', '"jobId" must be a string'),
    (b'{"accessKey":true}', '"accessKey" must be a string'),
    (b'{"pageSize":"10"}', '"pageSize" must be an integer'),
    (b'{"pageSize":1.5}', '"pageSize" must be an integer'),
    (b'{"pageSize":0}', '"pageSize" must be at least 1'),
    (b'{"pageSize":-1}', '"pageSize" must be at least 1'),
    (b'{"currentPage":false}', '"currentPage" must be an integer'),
    (b'{"currentPage":-9223372036854775808}', '"currentPage" must be at least 1'),
    (b'{"files":"a.parquet"}', '"files" must be a list of lists of strings'),
    (b'{"files":["a.parquet"]}', '"files" must be a list of lists of strings'),
    (b'{"files":[]}', '"files" must be a list of lists of strings'),
    (b'{"files":[[]]}', '"files" must be a list of lists of strings'),
    (b'{"files":[["a",1]]}', '"files" must be a list of lists of strings'),
    (b'{"files":[[""]]}', '"files" must be a list of lists of strings'),
    (b'{"options":"auto_commit=false"}', '"options" must be an object of string values'),
    (b'{"options":{"auto_commit":false}}', '"options" values must be strings'),
]


@pytest.mark.parametrize("request_json,fragment", WRONG_TYPES, ids=[r.decode()[:40] for r, _ in WRONG_TYPES])
def test_request_json_wrong_types(lib, client, noio, request_json, fragment):
    c = client(noio.url)
    for call in ALL_CALLS:
        invalid(lib.text_call(call, c, request_json), fragment)
    assert noio.connections == 0


@pytest.mark.parametrize("call,request_json,fragment", [
    ("milvus_client_get_import_progress", b"{}", '"jobId" is required'),
    ("milvus_client_get_import_progress", b'{"jobId":""}', '"jobId" is required'),
    ("milvus_client_commit_import", b'{"collectionName":"c"}', '"jobId" is required'),
    ("milvus_client_abort_import", b'{"jobId":""}', '"jobId" is required'),
    ("milvus_client_bulk_import", b'{"files":[["a"]]}', '"collectionName" is required'),
    ("milvus_client_bulk_import", b'{"collectionName":"","files":[["a"]]}', '"collectionName" is required'),
    ("milvus_client_bulk_import", b'{"collectionName":"c"}', '"files" is required'),
])
def test_request_json_missing_required_fields(lib, client, noio, call, request_json, fragment):
    invalid(lib.text_call(call, client(noio.url), request_json), fragment)
    assert noio.connections == 0


@pytest.mark.parametrize("files", [b"", b"{", b"[]", b"[[]]", b'["a"]', b"[[1]]", b'{"a":["b"]}', b'[[""]]',
                                   b'[["a"]] x'])
def test_stateless_files_json_must_be_a_list_of_lists_of_strings(lib, noio, files):
    invalid(lib.text_call("milvus_bulk_import", noio.url.encode(), b"c", files), "files")
    assert noio.connections == 0


@pytest.mark.parametrize("db_name", ["db\r\nX-Injected: yes", "db\nX-Injected: yes", "db\rX-Injected: yes",
                                     "db\x7f", "db\x01"], ids=["crlf", "lf", "cr", "del", "soh"])
def test_request_dbname_cannot_inject_headers(lib, client, servers, db_name):
    """"dbName" of a request goes out as the DB-Name header, so it obeys the rule of
    milvus_client_set_database (no CR, LF or other control characters): every call refuses
    such a request before any I/O, and no header is ever injected."""
    srv = servers(replying(lambda req: response(200, COMPLETED, close=False), keep_alive=True))
    c = client(srv.url)
    body = {"dbName": db_name, "jobId": "1", "collectionName": "c", "files": [["a.parquet"]]}
    raw = json.dumps(body).encode()
    wrong = []
    for call in ALL_CALLS + ["wait"]:
        before = len(srv.requests)
        if call == "wait":
            out = lib.text_call("milvus_client_wait_import_job_with_request", c, raw, 2000, 10, NO_CALLBACK, None)
        else:
            out = lib.text_call(call, c, raw)
        sent = srv.requests[before:]
        injected = [r.raw_head for r in sent if r.has_header("X-Injected") or b"X-Injected" in r.raw_head]
        if injected:
            wrong.append(f"{call}: header injected: {injected[0][-80:]!r}")
        elif out.code != INVALID_ARGUMENT or sent:
            wrong.append(f"{call}: {len(sent)} request(s) sent, {out.describe()}")
    assert not wrong, "\n".join(wrong)


# ======================================================================================
# Numbers out of range: refused, and the old setting stays
# ======================================================================================

BAD_NUMBERS = [
    ("milvus_client_set_timeout_ms", [0, -1, LONG_MIN], "timeout"),
    ("milvus_client_set_connect_timeout_ms", [0, -1, LONG_MIN], "connect timeout"),
    ("milvus_client_set_attempt_timeout_ms", [-1, LONG_MIN], "attempt timeout"),
    ("milvus_client_set_max_retries", [-1, 11, INT_MIN, 2**31 - 1], "retries"),
    ("milvus_client_set_retry_backoff_ms", [-1, 60001, LONG_MIN, LONG_MAX], "backoff"),
    ("milvus_client_set_max_response_bytes", [0, -1, (1 << 40) + 1, LONG_MIN, LONG_MAX], "limit"),
]


@pytest.mark.parametrize("setter,values,fragment", BAD_NUMBERS, ids=[b[0][18:] for b in BAD_NUMBERS])
def test_out_of_range_numbers_are_refused(lib, client, noio, setter, values, fragment):
    c = client(noio.url)
    for value in values:
        invalid(lib.status_call(setter, c, value), fragment)
    assert noio.connections == 0


@pytest.mark.parametrize("setter,value", [
    ("milvus_client_set_timeout_ms", 1), ("milvus_client_set_timeout_ms", LONG_MAX),
    ("milvus_client_set_connect_timeout_ms", 1), ("milvus_client_set_connect_timeout_ms", LONG_MAX),
    ("milvus_client_set_attempt_timeout_ms", 0), ("milvus_client_set_attempt_timeout_ms", LONG_MAX),
    ("milvus_client_set_max_retries", 0), ("milvus_client_set_max_retries", 10),
    ("milvus_client_set_retry_backoff_ms", 0), ("milvus_client_set_retry_backoff_ms", 60000),
    ("milvus_client_set_max_response_bytes", 1), ("milvus_client_set_max_response_bytes", 1 << 40),
])
def test_edge_numbers_are_accepted(lib, client, noio, setter, value):
    assert lib.status_call(setter, client(noio.url), value).ok


def test_refused_numbers_keep_the_old_values(lib, client, servers):
    stall = servers(lambda s, conn: (s.read(conn), s.stop.wait(30)))
    c = client(stall.url, timeout_ms=300)
    for bad in (0, -1, LONG_MIN):
        invalid(lib.status_call("milvus_client_set_timeout_ms", c, bad))
    out = lib.list(c)
    assert out.code == TIMEOUT and out.msg == "list import jobs: timed out after 300 ms", out.describe()
    assert out.elapsed < 1.3
    stall.close()

    big = servers(fixed(response(200, OK_LIST)))
    c = client(big.url)
    assert lib.milvus_client_set_max_response_bytes(c, 10) == OK
    for bad in (0, -1, (1 << 40) + 1):
        invalid(lib.status_call("milvus_client_set_max_response_bytes", c, bad))
    out = lib.list(c)
    assert out.code == TOO_LARGE and "limit of 10 bytes" in out.msg, out.describe()

    port = refused_port()
    c = client(f"http://127.0.0.1:{port}", retries=0)
    for bad in (-1, 11):
        invalid(lib.status_call("milvus_client_set_max_retries", c, bad))
    out = lib.list(c)
    assert out.code == TRANSPORT and "attempts" not in out.msg, out.describe()


def test_huge_timeouts_work(lib, client, works):
    c = client(works.url)
    assert lib.milvus_client_set_timeout_ms(c, LONG_MAX) == OK
    assert lib.milvus_client_set_connect_timeout_ms(c, LONG_MAX) == OK
    assert lib.list(c).ok
    out = lib.text_call("milvus_client_wait_import_job", c, b"1", LONG_MAX, 1, NO_CALLBACK, None)
    assert out.ok, out.describe()
    out = lib.text_call("milvus_client_wait_import_job", c, b"1", LONG_MAX, LONG_MAX, NO_CALLBACK, None)
    assert out.ok, out.describe()


@pytest.mark.parametrize("timeout_ms,poll_ms", [(0, 1), (-1, 1), (LONG_MIN, 1), (1000, 0), (1000, -1),
                                                 (1000, 1001), (1000, LONG_MIN), (1, LONG_MAX)])
def test_wait_bad_times_are_refused(lib, client, noio, timeout_ms, poll_ms):
    c = client(noio.url)
    invalid(lib.text_call("milvus_client_wait_import_job", c, b"1", timeout_ms, poll_ms, NO_CALLBACK, None))
    invalid(lib.text_call("milvus_client_wait_import_job_with_request", c, b'{"jobId":"1"}', timeout_ms, poll_ms,
                          NO_CALLBACK, None))
    assert noio.connections == 0


def test_wait_times_out_on_a_job_that_never_finishes(lib, client, servers):
    body = b'{"code":0,"data":{"jobId":"1","state":"Importing","progress":50}}'
    srv = servers(replying(lambda req: response(200, body, close=False), keep_alive=True))
    c = client(srv.url)
    out = lib.text_call("milvus_client_wait_import_job", c, b"1", 300, 50, NO_CALLBACK, None)
    assert (out.code, out.http, out.server) == (TIMEOUT, 0, 0), out.describe()
    assert "still Importing at 50% after 300 ms" in out.msg
    assert 0.25 <= out.elapsed <= 1.3
    assert 3 <= len(srv.requests) <= 10


# ======================================================================================
# Setters racing with calls on the same client
# ======================================================================================


def test_setters_while_other_threads_call(lib, client, servers):
    srv = servers(replying(lambda req: response(200, OK_LIST, close=False), keep_alive=True))
    c = client(srv.url)
    stop = threading.Event()
    problems = []
    counts = {"ok": 0, "too_large": 0, "setter_refused": 0}
    lock = threading.Lock()

    def caller():
        while not stop.is_set():
            out = lib.list(c)
            with lock:
                if out.ok:
                    if out.text != OK_LIST:
                        problems.append(f"wrong text {out.text[:80]!r}")
                    counts["ok"] += 1
                elif out.code == TOO_LARGE and "limit of 1 bytes" in out.msg and out.http == 200:
                    counts["too_large"] += 1
                else:
                    problems.append(out.describe())

    def setter():
        d = lib.dll
        i = 0
        while not stop.is_set():
            i += 1
            steps = [
                d.milvus_client_set_api_key(c, [b"token-A", b"token-B", None][i % 3]),
                d.milvus_client_set_header(c, b"X-Mode", [b"m1", b"m2", None][i % 3]),
                d.milvus_client_set_database(c, [b"db_one", b"db_two", None][i % 3]),
                d.milvus_client_set_timeout_ms(c, 3000 + i % 2),
                d.milvus_client_set_connect_timeout_ms(c, 2000 + i % 2),
                d.milvus_client_set_max_response_bytes(c, 1 if i % 5 == 0 else 1 << 20),
                d.milvus_client_set_retry_backoff_ms(c, i % 3),
                d.milvus_client_set_max_retries(c, 0),
                d.milvus_client_set_tls(c, i % 2, None),
                d.milvus_client_set_client_cert(c, None, None),
                d.milvus_client_set_proxy(c, b""),
            ]
            if any(rc != OK for rc in steps):
                with lock:
                    problems.append(f"a valid setter failed: {steps} {lib.last()}")
            # An invalid setting on this thread: its own last error, nobody else's.
            rc = d.milvus_client_set_timeout_ms(c, -1)
            code, http, server, message = lib.last()
            with lock:
                if rc != INVALID_ARGUMENT or code != INVALID_ARGUMENT or b"timeout" not in message:
                    problems.append(f"setter thread's own last error lost: {rc} {code} {message!r}")
                counts["setter_refused"] += 1
            time.sleep(0.0005)

    threads = [threading.Thread(target=caller) for _ in range(4)] + [threading.Thread(target=setter)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join(30)
        assert not t.is_alive(), "a thread hung"
    assert not problems, problems[:5]
    assert counts["ok"] > 50 and counts["too_large"] > 0 and counts["setter_refused"] > 50, counts
    seen_auth = set()
    for req in srv.requests:
        auth, mode, db = req.header("Authorization"), req.header("X-Mode"), req.header("DB-Name")
        assert auth in (None, "Bearer token-A", "Bearer token-B"), auth
        assert mode in (None, "m1", "m2"), mode
        assert db in (None, "db_one", "db_two"), db
        # One call, one snapshot of the settings: the body's dbName and the header agree.
        assert (req.json or {}).get("dbName") == db, (req.json, db)
        seen_auth.add(auth)
    assert len(seen_auth) >= 2, "the setter never changed what went out"


# ======================================================================================
# What goes on the wire: the caller's text as given, and no 100-continue
# ======================================================================================


def test_the_request_text_goes_out_byte_for_byte(lib, client, servers):
    srv = servers(replying(lambda _req: response(200, OK_LIST, close=False), keep_alive=True))
    handle = client(srv.url)
    text = b'{ "collectionName" : "caf\\u00e9",\n  "pageSize": 2 }'
    assert lib.list(handle, text).ok
    sent = srv.requests[-1]
    assert sent.body == text
    assert sent.header("Content-Length") == str(len(text))
    assert sent.header("User-Agent").startswith("libmilvus_import/")
    assert not sent.has_header("Expect")
    # The client's database fills in dbName: then the body is serialised (compact JSON).
    assert lib.milvus_client_set_database(handle, b"db_a") == OK
    assert lib.list(handle, text).ok
    sent = srv.requests[-1]
    assert sent.body == '{"collectionName":"café","pageSize":2,"dbName":"db_a"}'.encode()
    assert sent.header("DB-Name") == "db_a"


def test_a_body_over_one_mib_does_not_wait_for_100_continue(lib, client, servers):
    srv = servers(replying(lambda _req: response(200, b'{"code":0,"data":{"jobId":"7"}}', close=False),
                           keep_alive=True))
    handle = client(srv.url)
    files = [[f"batch/{i:06d}/part-0000.parquet"] for i in range(40_000)]
    text = json.dumps({"collectionName": "c", "files": files}, separators=(",", ":")).encode()
    assert len(text) > 1 << 20
    out = lib.text_call("milvus_client_bulk_import", handle, text)
    assert out.ok, out.describe()
    sent = srv.requests[-1]
    assert not sent.has_header("Expect")  # libcurl would ask for 100-continue and wait up to 1 s
    assert sent.body == text
