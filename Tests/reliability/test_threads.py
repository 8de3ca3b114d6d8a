"""Threads: eight threads share one client (and a few more) and use the stateless
functions, 500 calls each, mixing successes with every failure kind a server or a caller
can cause. After each call the thread checks its own result and last error: the kind,
HTTP status, server code, and a tag that only its own call could have put in the message."""

from __future__ import annotations

import json
import threading
import time

from support import (AUTH, CANCELLED, HTTP, INVALID_ARGUMENT, JOB_NOT_FOUND, MALFORMED, OK, PROGRESS_FN, SERVER,
                     TIMEOUT, TOO_LARGE, TRANSPORT, Lib, ScriptServer, refused_port, replying, response)

THREADS = 8
CALLS = 500
SMALL_CAP = 1000
SLOW_TIMEOUT_MS = 80


def route(server: ScriptServer, conn) -> None:
    """Answers by path and body: the collection name or job id says what to do, and the
    answer echoes it back so the caller can tell its own answer from anyone else's."""
    while True:
        req = server.read(conn)
        body = req.json or {}
        if req.path.endswith("/describe"):
            job = body.get("jobId", "")
            if job.startswith("gone-"):
                out = response(200, json.dumps({"code": 2100, "message": f"import job does not exist ({job})"}),
                               close=False)
            else:
                out = response(200, json.dumps({"code": 0, "data": {"jobId": job, "state": "Completed",
                                                                    "progress": 100}}), close=False)
            conn.send(out)
            continue
        name = body.get("collectionName", "")
        kind, _, tag = name.partition(":")
        if kind == "ok":
            out = response(200, json.dumps({"code": 0, "data": {"records": [
                {"collectionName": name, "jobId": tag, "state": "Completed", "progress": 100}]}}), close=False)
        elif kind == "code100":
            out = response(200, json.dumps({"code": 100, "message": f"collection not found[{tag}]"}), close=False)
        elif kind == "http404":
            out = response(404, f"404 page not found {tag}", "text/plain", close=False)
        elif kind == "malformed":
            out = response(200, f"<html><head><title>{tag}</title></head></html>", "text/html", close=False)
        elif kind == "auth":
            out = response(401, json.dumps({"code": 1800, "message": f"user hasn't authenticated {tag}"}),
                           close=False)
        elif kind == "big":
            out = response(200, json.dumps({"code": 0, "data": {"records": [], "pad": "x" * 4000}}), close=False)
        elif kind == "slow":
            time.sleep(0.25)
            out = response(200, b'{"code":0,"data":{"records":[]}}')
        else:
            out = response(400, f"unknown case {name}", "text/plain", close=False)
        conn.send(out)


def test_eight_threads_share_one_client(lib: Lib):
    srv = ScriptServer(route)
    d = lib.dll
    url = srv.url.encode()
    port = refused_port()

    def new_client(target, **settings):
        handle = lib.client(target)
        for setter, value in settings.items():
            assert getattr(d, f"milvus_client_set_{setter}")(handle, value) == OK
        return handle

    shared = new_client(srv.url)
    small = new_client(srv.url, max_response_bytes=SMALL_CAP)
    hasty = new_client(srv.url, timeout_ms=SLOW_TIMEOUT_MS)
    refused = new_client(f"http://127.0.0.1:{port}")
    failures: list = []
    tallies: dict = {}
    tally_lock = threading.Lock()

    def listing(client, kind, tag):
        return lib.list(client, json.dumps({"collectionName": f"{kind}:{tag}"}).encode())

    # Each op: (name, call(tag) -> Outcome, expected (kind, http, server), fragment(tag) or None)
    ops = [
        ("client-ok", lambda t: listing(shared, "ok", t), (OK, 0, 0), None),
        ("client-code100", lambda t: listing(shared, "code100", t), (SERVER, 200, 100),
         lambda t: f"list import jobs: server error 100: collection not found[{t}]"),
        ("client-404", lambda t: listing(shared, "http404", t), (HTTP, 404, 0),
         lambda t: f'HTTP 404 Not Found (text/plain): "404 page not found {t}"'),
        ("client-malformed", lambda t: listing(shared, "malformed", t), (MALFORMED, 200, 0),
         lambda t: f'malformed response (HTTP 200, text/html): not JSON'),
        ("client-malformed-own", lambda t: listing(shared, "malformed", t), (MALFORMED, 200, 0),
         lambda t: f'): "{t}"'),
        ("client-auth", lambda t: listing(shared, "auth", t), (AUTH, 401, 1800),
         lambda t: f"HTTP 401 Unauthorized, server code 1800: user hasn't authenticated {t}"),
        ("client-gone", lambda t: lib.text_call("milvus_client_get_import_progress", shared,
                                                json.dumps({"jobId": f"gone-{t}"}).encode()),
         (JOB_NOT_FOUND, 200, 2100), lambda t: f"import job does not exist (gone-{t})"),
        ("client-describe-ok", lambda t: lib.text_call("milvus_client_get_import_progress", shared,
                                                       json.dumps({"jobId": f"job-{t}"}).encode()),
         (OK, 0, 0), None),
        ("client-invalid", lambda t: lib.text_call("milvus_client_bulk_import", shared,
                                                   json.dumps({"collectionName": t, "files": [[t, 7]]}).encode()),
         (INVALID_ARGUMENT, 0, 0), lambda t: '"files" must be a list of lists of strings'),
        ("small-too-large", lambda t: listing(small, "big", t), (TOO_LARGE, 200, 0),
         lambda t: f"limit of {SMALL_CAP} bytes"),
        ("refused-transport", lambda t: listing(refused, "ok", t), (TRANSPORT, 0, 0),
         lambda t: f"port {port}"),
        ("stateless-ok", lambda t: lib.text_call("milvus_list_import_jobs", url, f"ok:{t}".encode()), (OK, 0, 0),
         None),
        ("stateless-code100", lambda t: lib.text_call("milvus_list_import_jobs", url, f"code100:{t}".encode()),
         (SERVER, 200, 100), lambda t: f"collection not found[{t}]"),
        ("stateless-gone", lambda t: lib.text_call("milvus_get_import_progress", url, f"gone-{t}".encode()),
         (JOB_NOT_FOUND, 200, 2100), lambda t: f"(gone-{t})"),
        ("stateless-invalid", lambda t: lib.text_call("milvus_bulk_import", url, t.encode(), b'[["a"],'),
         (INVALID_ARGUMENT, 0, 0), lambda t: "files_json"),
    ]
    slow_op = ("hasty-timeout", lambda t: listing(hasty, "slow", t), (TIMEOUT, 0, 0),
               lambda t: f"timed out (timeout {SLOW_TIMEOUT_MS} ms")

    def worker(tid: int) -> None:
        mine = {}
        for i in range(CALLS):
            tag = f"t{tid}-{i}"
            op = slow_op if i % 50 == 25 else ops[(i * 7 + tid) % len(ops)]
            name, call, (kind, http, server), fragment = op
            out = call(tag)
            mine[name] = mine.get(name, 0) + 1
            got = (out.code, out.http, out.server)
            problem = None
            if kind == OK:
                if not out.ok or got != (OK, 0, 0) or out.message != b"":
                    problem = f"expected success: {out.describe()}"
                else:
                    data = out.json["data"]
                    own = (data["records"][0]["collectionName"] == f"ok:{tag}" if "records" in data
                           else data["jobId"] == f"job-{tag}")
                    if not own:
                        problem = f"got someone else's answer: {out.text[:120]!r}"
            elif out.ok or got != (kind, http, server):
                problem = f"expected {(kind, http, server)}: {out.describe()}"
            elif fragment and fragment(tag) not in out.msg:
                problem = f"message is not this call's ({fragment(tag)!r}): {out.describe()}"
            if problem:
                failures.append(f"thread {tid} call {i} {name}: {problem}")
                if len(failures) > 20:
                    return
        with tally_lock:
            for k, v in mine.items():
                tallies[k] = tallies.get(k, 0) + v

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - started
    try:
        assert not any(t.is_alive() for t in threads), "a thread hung"
        assert not failures, "\n".join(failures[:10])
        assert sum(tallies.values()) == THREADS * CALLS
        assert set(tallies) == {op[0] for op in ops} | {slow_op[0]}, tallies
        assert not srv.errors, srv.errors
    finally:
        for handle in (shared, small, hasty, refused):
            lib.free_client(handle)
        srv.close()
    assert elapsed < 60, f"{THREADS * CALLS} calls took {elapsed:.1f} s"


# ======================================================================================
# Re-entrant calls from the progress callback
# ======================================================================================


def _job_server(completes_after: int) -> ScriptServer:
    count = [0]

    def make(req):
        count[0] += 1
        state = "Completed" if count[0] >= completes_after else "Importing"
        return response(200, json.dumps({"code": 0, "data": {"jobId": "1", "state": state, "progress": 50}}),
                        close=False)

    return ScriptServer(replying(make, keep_alive=True))


def test_progress_callback_runs_on_the_waiting_thread_and_may_call_in(lib: Lib):
    """The callback runs on the waiting thread and may call into the library. Its calls
    leave their own last error; once the wait itself returns, the last error is the
    wait's: MILVUS_OK after a success ("" message), CANCELLED after a stop."""
    srv = _job_server(completes_after=3)
    c = lib.client(srv.url)
    seen = []

    @PROGRESS_FN
    def failing_inner_call(describe_json, user_data):
        ptr = lib.dll.milvus_client_list_import_jobs(None, None)  # fails: INVALID_ARGUMENT
        seen.append((threading.get_ident(), ptr, lib.last()[0], json.loads(describe_json)["data"]["state"]))
        return 0

    try:
        out = lib.text_call("milvus_client_wait_import_job", c, b"1", 5000, 5, failing_inner_call, None)
        assert out.ok and out.json["data"]["state"] == "Completed", out.describe()
        assert [s[3] for s in seen] == ["Importing", "Importing", "Completed"]
        assert all(s[0] == threading.get_ident() and s[1] is None and s[2] == INVALID_ARGUMENT for s in seen)
        assert (out.code, out.http, out.server, out.message) == (OK, 0, 0, b""), (
            f"the wait succeeded but the last error is still the callback's: {out.describe()}")

        @PROGRESS_FN
        def succeeding_inner_call_then_stop(describe_json, user_data):
            ptr = lib.dll.milvus_client_list_import_jobs(c, None)
            lib.dll.milvus_free(ptr)
            return 1

        out = lib.text_call("milvus_client_wait_import_job", c, b"1", 5000, 5, succeeding_inner_call_then_stop, None)
        assert (out.code, out.http, out.server) == (CANCELLED, 0, 0), out.describe()
        assert "cancelled by the progress callback" in out.msg
    finally:
        lib.free_client(c)
        srv.close()
