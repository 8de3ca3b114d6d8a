"""Hostile servers: purpose-built tiny servers on 127.0.0.1 that refuse, reset, truncate,
stall, flood, lie and redirect. Each call must end with its documented error kind, HTTP
status, server code and a useful one-line message, within its timeout, without crashing."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import zlib

import pytest

from support import (AUTH, HTTP, INVALID_ARGUMENT, MALFORMED, OK, OK_LIST, SERVER, TIMEOUT, TOO_LARGE,
                     TRANSPORT, Conn, fixed, refused_port, replying, response, run_env)

LIST = b"list import jobs: "


def expect(out, kind, http=0, server=0, fragments=(), absent=()):
    """The exact kind, HTTP status and server code, message fragments present and absent,
    a message that is one line of valid UTF-8."""
    assert not out.ok, f"expected a failure, got text {out.text[:200]!r}"
    assert (out.code, out.http, out.server) == (kind, http, server), out.describe()
    message = out.msg  # strict UTF-8
    assert message, "empty error message"
    assert len(out.message) <= 1023
    assert "\n" not in message and "\r" not in message and "\x00" not in message, out.describe()
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    for fragment in absent:
        assert fragment not in message, f"{fragment!r} in {message!r}"


# ======================================================================================
# The connection itself
# ======================================================================================


def test_connection_refused(lib, client):
    port = refused_port()
    out = lib.list(client(f"http://127.0.0.1:{port}"))
    expect(out, TRANSPORT, fragments=["list import jobs: transport failed: ", f"port {port}", "connect"])
    assert out.elapsed < 1.0


def test_connection_refused_is_retried_then_reported(lib, client):
    port = refused_port()
    c = client(f"http://127.0.0.1:{port}", retries=2)
    assert lib.milvus_client_set_retry_backoff_ms(c, 10) == OK
    out = lib.list(c)
    expect(out, TRANSPORT, fragments=["list import jobs (3 attempts): transport failed: "])


def _reset_on_accept(server, conn: Conn) -> None:
    conn.reset()


def _reset_after_request(server, conn: Conn) -> None:
    server.read(conn)
    conn.reset()


def _reset_during_body(server, conn: Conn) -> None:
    server.read(conn)
    conn.send(response(200, b'{"code":0,"data":{"records":[' + b" " * 200, length=4096))
    time.sleep(0.05)
    conn.reset()


@pytest.mark.parametrize("handler,fragment", [(_reset_on_accept, ""), (_reset_after_request, "reset"),
                                              (_reset_during_body, "reset")],
                         ids=["on-accept", "before-body", "during-body"])
def test_reset(lib, client, servers, handler, fragment):
    """A RST right at accept may surface as a failed connect or a reset: TRANSPORT either way."""
    srv = servers(handler)
    out = lib.list(client(srv.url))
    expect(out, TRANSPORT, fragments=[LIST.decode() + "transport failed: ", fragment])
    assert out.elapsed < 2.0


def test_closed_without_answer(lib, client, servers):
    srv = servers(lambda s, conn: s.read(conn))
    expect(lib.list(client(srv.url)), TRANSPORT, fragments=["transport failed: Empty reply from server"])
    assert len(srv.requests) == 1


def test_body_shorter_than_content_length(lib, client, servers):
    body = b'{"code":0,"data":{"records":[]}}'
    srv = servers(fixed(response(200, body, length=len(body) + 468)))
    expect(lib.list(client(srv.url)), TRANSPORT,
           fragments=["transport failed: ", "transfer closed with 468 bytes remaining to read"])


def test_chunked_body_cut_short(lib, client, servers):
    def handler(server, conn):
        server.read(conn)
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"20\r\n" + b'{"code":0,"data":{"records":[]  ' + b"\r\n")
    srv = servers(handler)
    expect(lib.list(client(srv.url)), TRANSPORT, fragments=["transport failed: "])


def test_bad_chunk_syntax(lib, client, servers):
    srv = servers(fixed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n"))
    expect(lib.list(client(srv.url)), TRANSPORT, fragments=["chunked"])


# ======================================================================================
# Stalling servers: TIMEOUT within the call's timeout plus a small margin
# ======================================================================================


def _never_answers(server, conn: Conn) -> None:
    server.read(conn)
    server.stop.wait(30)


def _headers_never_end(server, conn: Conn) -> None:
    server.read(conn)
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    while not server.stop.is_set():
        conn.send(b"X-Slow: still coming\r\n")
        time.sleep(0.05)


def _body_dribbles(server, conn: Conn) -> None:
    server.read(conn)
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
    while not server.stop.is_set():
        conn.send(b" ")
        time.sleep(0.05)


@pytest.mark.parametrize("handler", [_never_answers, _headers_never_end, _body_dribbles],
                         ids=["accept-never-answer", "headers-never-end", "body-dribbles"])
def test_stall_times_out(lib, client, servers, handler):
    srv = servers(handler)
    c = client(srv.url, timeout_ms=700)
    out = lib.list(c)
    expect(out, TIMEOUT, fragments=["list import jobs: timed out after 700 ms"])
    assert 0.69 <= out.elapsed <= 0.7 + 0.5, out.elapsed
    srv.close()


def test_timeout_bounds_the_whole_call_with_retries_on(lib, client, servers):
    """The timeout is the whole call's: with retries and the default backoff, one attempt
    takes all of it, and nothing is tried or paused after it."""
    srv = servers(_never_answers)
    c = client(srv.url, timeout_ms=500, retries=2)
    out = lib.list(c)
    expect(out, TIMEOUT, fragments=["list import jobs: timed out after 500 ms"])
    assert 0.49 <= out.elapsed < 1.2, out.elapsed
    assert srv.connections == 1
    srv.close()


def test_attempt_timeout_retries_within_the_call(lib, client, servers):
    """An attempt timeout makes room for retries inside the call's timeout; the last
    attempt gets what is left, and the call still ends at its timeout."""
    srv = servers(_never_answers)
    c = client(srv.url, timeout_ms=5000, retries=2)
    assert lib.milvus_client_set_attempt_timeout_ms(c, 300) == OK
    assert lib.milvus_client_set_retry_backoff_ms(c, 0) == OK
    out = lib.list(c)
    expect(out, TIMEOUT, fragments=["list import jobs (3 attempts): timed out (timeout 300 ms"])
    assert 0.89 <= out.elapsed <= 0.9 + 0.5, out.elapsed
    assert srv.connections == 3
    # Ten retries of 300 ms do not fit in 700 ms: the call ends at its timeout.
    assert lib.milvus_client_set_max_retries(c, 10) == OK
    assert lib.milvus_client_set_timeout_ms(c, 700) == OK
    out = lib.list(c)
    expect(out, TIMEOUT, fragments=["list import jobs (3 attempts): timed out after 700 ms"])
    assert 0.69 <= out.elapsed < 0.7 + 0.5, out.elapsed
    srv.close()


def test_connect_timeout(lib, client):
    """A listener whose backlog is full drops SYNs: the connect itself stalls."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(f)
        time.sleep(0.1)
        c = client(f"http://127.0.0.1:{port}", timeout_ms=5000)
        assert lib.milvus_client_set_connect_timeout_ms(c, 500) == OK
        out = lib.list(c)
        # The attempt's limit is what is left of the call's 5000 ms: the connect timeout ends it.
        expect(out, TIMEOUT, fragments=["list import jobs: timed out (timeout ", " ms, connect timeout 500 ms)"])
        assert 0.4 <= out.elapsed <= 1.5, out.elapsed
    finally:
        for f in fillers:
            f.close()
        sock.close()


# ======================================================================================
# Floods: TOO_LARGE at the cap, memory bounded
# ======================================================================================

CAP = 1 << 20


def _endless_chunked(server, conn: Conn) -> None:
    server.read(conn)
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"1\r\n{\r\n")
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    while not server.stop.is_set():
        conn.send(chunk)


def _endless_gzip(server, conn: Conn) -> None:
    """A gzip stream of zeros that never ends, compressed as it is sent."""
    server.read(conn)
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    while not server.stop.is_set():
        data = z.compress(zeros) + z.flush(zlib.Z_SYNC_FLUSH)
        conn.send(b"%x\r\n" % len(data) + data + b"\r\n")


_BOMB = {}


def gzip_bomb(mib: int = 64) -> bytes:
    """``mib`` MiB of zeros, gzipped (about 1000:1), with a JSON-looking start."""
    if mib not in _BOMB:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1 << 20)
        parts = [z.compress(b'{"code":0,"data":"')]
        parts += [z.compress(zeros) for _ in range(mib)]
        _BOMB[mib] = b"".join(parts) + z.flush()
    return _BOMB[mib]


def _fixed_bomb(server, conn: Conn) -> None:
    server.read(conn)
    conn.send(response(200, gzip_bomb(), headers={"Content-Encoding": "gzip"}))


FLOODS = {"endless-chunked": _endless_chunked, "endless-gzip": _endless_gzip, "gzip-bomb-64MiB": _fixed_bomb}


@pytest.mark.parametrize("name", list(FLOODS))
def test_flood_is_cut_at_the_cap(lib, client, servers, name):
    srv = servers(FLOODS[name])
    c = client(srv.url)
    assert lib.milvus_client_set_max_response_bytes(c, CAP) == OK
    out = lib.list(c)
    expect(out, TOO_LARGE, http=200,
           fragments=[f"list import jobs: the response is larger than the limit of {CAP} bytes"])
    assert out.elapsed < 3.0
    srv.close()


def test_body_exactly_at_the_cap_is_accepted_and_one_more_byte_is_not(lib, client, servers):
    body = b'{"code":0,"data":{"records":[]}}'
    srv = servers(replying(lambda req: response(200, body), keep_alive=False))
    c = client(srv.url)
    assert lib.milvus_client_set_max_response_bytes(c, len(body)) == OK
    out = lib.list(c)
    assert out.ok and out.text == body, out.describe()
    assert lib.milvus_client_set_max_response_bytes(c, len(body) - 1) == OK
    expect(lib.list(c), TOO_LARGE, http=200, fragments=[f"limit of {len(body) - 1} bytes"])


def test_content_length_over_the_cap_fails_before_the_body(lib, client, servers):
    def handler(server, conn):
        server.read(conn)
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{")
        server.stop.wait(30)

    srv = servers(handler)
    c = client(srv.url, timeout_ms=5000)
    assert lib.milvus_client_set_max_response_bytes(c, CAP) == OK
    out = lib.list(c)
    expect(out, TOO_LARGE, http=200, fragments=[f"limit of {CAP} bytes"])
    assert out.elapsed < 1.0, "waited for a body it had already refused"
    srv.close()


def test_response_headers_flood(lib, client, servers):
    def handler(server, conn):
        server.read(conn)
        conn.send(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Flood: " + b"f" * 1000 + b"\r\n"
        while not server.stop.is_set():
            conn.send(line * 64)
    srv = servers(handler)
    out = lib.list(client(srv.url))
    expect(out, TRANSPORT, fragments=["transport failed: ", "header"])
    srv.close()


def test_one_endless_header_line(lib, client, servers):
    """A single header line that never ends. libcurl gives up at its 100 KiB header-line
    limit and reports CURLE_OUT_OF_MEMORY; the process is not out of memory, so this is
    the server's fault: the same kind as the header flood above (TRANSPORT), never
    MILVUS_ERR_NO_MEMORY, which tells the caller its process is in trouble."""
    def handler(server, conn):
        server.read(conn)
        conn.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        while not server.stop.is_set():
            conn.send(b"e" * 65536)
    srv = servers(handler)
    out = lib.list(client(srv.url))
    expect(out, TRANSPORT, fragments=["list import jobs: ", "header"])
    srv.close()


@pytest.mark.parametrize("name", list(FLOODS))
def test_flood_peak_memory_is_bounded(cbin, servers, name):
    """Peak RSS (VmHWM) of a separate process grows by far less than the flood."""
    probe = cbin("rss_probe")
    warm = servers(fixed(response(200, OK_LIST)))
    srv = servers(FLOODS[name])
    proc = subprocess.run([str(probe), warm.url, srv.url, str(CAP)], capture_output=True, text=True,
                          timeout=60, env=run_env())
    assert proc.returncode == 0, proc.stderr
    fields = dict(kv.split("=") for kv in proc.stdout.split())
    assert int(fields["code"]) == TOO_LARGE and int(fields["http"]) == 200, proc.stdout
    growth_kb = int(fields["hwm_after_kb"]) - int(fields["hwm_before_kb"])
    # The body buffer (at most the cap, grown by doubling) plus libcurl's and zlib's buffers.
    limit_kb = 2 * (CAP >> 10) + 4096
    assert growth_kb < limit_kb, f"peak RSS grew by {growth_kb} KiB for a {CAP >> 10} KiB cap (limit {limit_kb})"
    srv.close()


def test_peak_memory_probe_sees_a_big_body(cbin, servers):
    """The probe is real: with the default 256 MiB cap the 64 MiB bomb is held in memory
    (then refused as malformed), and VmHWM shows it."""
    probe = cbin("rss_probe")
    warm = servers(fixed(response(200, OK_LIST)))
    srv = servers(_fixed_bomb)
    proc = subprocess.run([str(probe), warm.url, srv.url, str(256 << 20)], capture_output=True, text=True,
                          timeout=60, env=run_env())
    assert proc.returncode == 0, proc.stderr
    fields = dict(kv.split("=") for kv in proc.stdout.split())
    assert int(fields["code"]) == MALFORMED, proc.stdout
    growth_kb = int(fields["hwm_after_kb"]) - int(fields["hwm_before_kb"])
    assert growth_kb > 48 * 1024, f"peak RSS grew by only {growth_kb} KiB: the probe measures nothing"


def test_a_large_list_costs_memory_for_its_text_not_for_a_tree(cbin, servers):
    """A valid 8.5 MB list is checked without a jansson tree (which alone would take about
    nine times the text): the peak grows by the body and little else."""
    probe = cbin("rss_probe")
    body = big_list(records=b",".join([BIG_RECORD] * 100_000))
    warm = servers(fixed(response(200, OK_LIST)))
    srv = servers(fixed(response(200, body)))
    proc = subprocess.run([str(probe), warm.url, srv.url, str(256 << 20)], capture_output=True, text=True,
                          timeout=60, env=run_env())
    assert proc.returncode == 0, proc.stderr
    fields = dict(kv.split("=") for kv in proc.stdout.split())
    assert int(fields["code"]) == OK and int(fields["http"]) == 0, proc.stdout
    growth_kb = int(fields["hwm_after_kb"]) - int(fields["hwm_before_kb"])
    limit_kb = 2 * len(body) // 1024
    assert growth_kb < limit_kb, f"peak RSS grew by {growth_kb} KiB for a {len(body) >> 10} KiB list"


def test_broken_gzip(lib, client, servers):
    srv = servers(fixed(response(200, b"this is not gzip", headers={"Content-Encoding": "gzip"})))
    expect(lib.list(client(srv.url)), MALFORMED, http=200,
           fragments=["list import jobs: the response body cannot be decoded: "])


def test_gzip_envelope_is_fine(lib, client, servers):
    srv = servers(fixed(response(200, zlib.compress(OK_LIST), headers={"Content-Encoding": "deflate"})))
    out = lib.list(client(srv.url))
    assert out.ok and out.text == OK_LIST, out.describe()


# ======================================================================================
# Gateways and proxies
# ======================================================================================

NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
             b"</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n")
HTML_503 = (b"<!DOCTYPE html><html><head><meta charset=utf-8><title>503 Service Unavailable</title></head>"
            b"<body><p>The server is temporarily unable to service your request.</p></body></html>")
HTML_504 = (b"<!DOCTYPE html>\n<html><head><title>504 Gateway Time-out</title></head><body>\n<h1>504</h1>"
            b"<p>upstream timed out</p></body></html>")


@pytest.mark.parametrize("status,body,title,phrase", [
    (502, NGINX_502, "502 Bad Gateway", "Bad Gateway"),
    (503, HTML_503, "503 Service Unavailable", "Service Unavailable"),
    (504, HTML_504, "504 Gateway Time-out", "Gateway Timeout"),
])
def test_html_gateway_errors(lib, client, servers, status, body, title, phrase):
    srv = servers(fixed(response(status, body, "text/html; charset=utf-8")))
    out = lib.list(client(srv.url))
    expect(out, HTTP, http=status,
           fragments=[f"list import jobs: HTTP {status} {phrase} (text/html; charset=utf-8): \"{title}\""],
           absent=["<html", "<body", "<title"])
    assert len(srv.requests) == 1


def test_html_gateway_errors_are_retried(lib, client, servers):
    srv = servers(fixed(response(502, NGINX_502, "text/html")))
    c = client(srv.url, retries=2)
    assert lib.milvus_client_set_retry_backoff_ms(c, 1) == OK
    expect(lib.list(c), HTTP, http=502, fragments=["list import jobs (3 attempts): HTTP 502 Bad Gateway"])
    assert len(srv.requests) == 3


PROXY_407 = response(407, b"<html><head><title>407 Proxy Authentication Required</title></head></html>",
                     "text/html", headers={"Proxy-Authenticate": 'Basic realm="proxy"'})


def test_proxy_407_for_http(lib, client, servers):
    target = servers(fixed(response(200, OK_LIST)))
    proxy = servers(fixed(PROXY_407))
    c = client(target.url, proxy=proxy.url)
    out = lib.list(c)
    expect(out, HTTP, http=407, fragments=["list import jobs: HTTP 407 Proxy Authentication Required"])
    assert len(proxy.requests) == 1
    assert proxy.requests[0].target == target.url + "/v2/vectordb/jobs/import/list"
    assert target.connections == 0


def test_proxy_407_for_https_connect(lib, client, servers):
    """For https the proxy refuses the CONNECT tunnel: a proxy failure (TRANSPORT) whose
    message names the 407; the target is never reached."""
    target = servers(fixed(response(200, OK_LIST)))
    proxy = servers(fixed(PROXY_407))
    c = client(f"https://127.0.0.1:{target.port}", proxy=proxy.url)
    out = lib.list(c)
    assert out.code == TRANSPORT and out.http in (0, 407) and out.server == 0, out.describe()
    assert "407" in out.msg
    assert proxy.requests[0].method == "CONNECT" and proxy.requests[0].target == f"127.0.0.1:{target.port}"
    assert target.connections == 0


def test_proxy_refused(lib, client, servers):
    target = servers(fixed(response(200, OK_LIST)))
    port = refused_port()
    out = lib.list(client(target.url, proxy=f"http://127.0.0.1:{port}"))
    expect(out, TRANSPORT, fragments=["transport failed: "])
    assert target.connections == 0


# ======================================================================================
# Rate limits and retries
# ======================================================================================


def test_429_without_retries(lib, client, servers):
    srv = servers(fixed(response(429, b'{"code":1807,"message":"rate limit exceeded"}',
                                 headers={"Retry-After": "30"})))
    out = lib.list(client(srv.url, retries=0))
    expect(out, HTTP, http=429, server=1807,
           fragments=["list import jobs: HTTP 429 Too Many Requests, server code 1807: rate limit exceeded"])
    assert out.elapsed < 1.0, "slept for Retry-After with no retry to make"


def test_429_retry_after_is_honoured(lib, client, servers):
    count = [0]

    def make(req):
        count[0] += 1
        if count[0] == 1:
            return response(429, b"slow down", "text/plain", headers={"Retry-After": "1"})
        return response(200, OK_LIST)

    srv = servers(replying(make))
    c = client(srv.url, retries=1)
    assert lib.milvus_client_set_retry_backoff_ms(c, 0) == OK
    out = lib.list(c)
    assert out.ok and out.text == OK_LIST, out.describe()
    assert len(srv.requests) == 2
    gap = srv.requests[1].when - srv.requests[0].when
    assert 0.95 <= gap <= 2.0, gap


def test_retries_with_short_backoff(lib, client, servers):
    count = [0]

    def make(req):
        count[0] += 1
        if count[0] <= 2:
            return response(503, b"busy", "text/plain")
        return response(200, OK_LIST)

    srv = servers(replying(make))
    c = client(srv.url, retries=2)
    assert lib.milvus_client_set_retry_backoff_ms(c, 20) == OK
    out = lib.list(c)
    assert out.ok and out.text == OK_LIST, out.describe()
    assert len(srv.requests) == 3
    assert out.elapsed < 1.0
    # The same server with one retry fewer: the error names the attempts.
    count[0] = 0
    assert lib.milvus_client_set_max_retries(c, 1) == OK
    expect(lib.list(c), HTTP, http=503, fragments=["list import jobs (2 attempts): HTTP 503 Service Unavailable"])


def test_what_is_retried(lib, client, servers):
    srv = servers(fixed(response(503, b"busy", "text/plain")))
    c = client(srv.url, retries=2)
    assert lib.milvus_client_set_retry_backoff_ms(c, 1) == OK
    create = b'{"collectionName":"c","files":[["a.parquet"]]}'
    job = b'{"jobId":"1"}'
    cases = [
        ("milvus_client_bulk_import", create, 1, "create import job: HTTP 503"),
        ("milvus_client_commit_import", job, 1, "commit import job: HTTP 503"),
        ("milvus_client_abort_import", job, 1, "abort import job: HTTP 503"),
        ("milvus_client_get_import_progress", job, 3, "describe import job (3 attempts): HTTP 503"),
        ("milvus_client_list_import_jobs", b"{}", 3, "list import jobs (3 attempts): HTTP 503"),
    ]
    for name, request, attempts, fragment in cases:
        before = len(srv.requests)
        expect(lib.text_call(name, c, request), HTTP, http=503, fragments=[fragment])
        assert len(srv.requests) - before == attempts, name
    # An Idempotency-Key makes create retryable.
    assert lib.milvus_client_set_header(c, b"Idempotency-Key", b"k-1") == OK
    before = len(srv.requests)
    expect(lib.text_call("milvus_client_bulk_import", c, create), HTTP, http=503,
           fragments=["create import job (3 attempts): HTTP 503"])
    assert len(srv.requests) - before == 3
    assert all(r.header("Idempotency-Key") == "k-1" for r in srv.requests[before:])


def test_stateless_retries_are_a_process_wide_setting(lib, servers):
    srv = servers(fixed(response(503, b"busy", "text/plain")))
    try:
        assert lib.milvus_set_stateless_max_retries(0) == OK
        out = lib.text_call("milvus_list_import_jobs", srv.url.encode(), b"c")
        expect(out, HTTP, http=503, fragments=["list import jobs: HTTP 503"], absent=["attempts"])
        assert len(srv.requests) == 1
        assert lib.milvus_set_stateless_max_retries(1) == OK
        out = lib.text_call("milvus_get_import_progress", srv.url.encode(), b"1")
        expect(out, HTTP, http=503, fragments=["describe import job (2 attempts): HTTP 503"])
        assert len(srv.requests) == 3
        out = lib.status_call("milvus_set_stateless_max_retries", 11)
        assert out.code == INVALID_ARGUMENT, out.describe()
        lib.text_call("milvus_list_import_jobs", srv.url.encode(), b"c")
        assert len(srv.requests) == 5, "a refused value changed the setting"
    finally:
        assert lib.milvus_set_stateless_max_retries(2) == OK


# ======================================================================================
# Redirects: never followed, credentials never leave the first server
# ======================================================================================


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_is_not_followed(lib, client, servers, status):
    other = servers(fixed(response(200, OK_LIST)))
    first = servers(fixed(response(status, b"", None,
                                   headers={"Location": other.url + "/v2/vectordb/jobs/import/list"})))
    c = client(first.url)
    assert lib.milvus_client_set_api_key(c, b"redirect-token-4711") == OK
    out = lib.list(c)
    expect(out, HTTP, http=status, fragments=[f"list import jobs: HTTP {status}", "redirects are not followed"],
           absent=["redirect-token-4711"])
    assert len(first.requests) == 1
    assert first.requests[0].header("Authorization") == "Bearer redirect-token-4711"
    assert other.connections == 0 and other.requests == []


# ======================================================================================
# Bodies that are not a Milvus envelope
# ======================================================================================

MALFORMED_CASES = {
    "invalid-utf8": (b'{"code":0,"data":{"x":"\xff\xfe"}}', ["not JSON", "0xff"]),
    "invalid-utf8-in-message": (b'{"code":100,"message":"bad \xc3\x28 name"}', ["not JSON"]),
    "overlong-utf8": (b'{"code":0,"data":{"x":"\xc0\xaf"}}', ["not JSON"]),
    "raw-nul": (b'{"code":0,"data":{"x":"a\x00b"}}', ["not JSON"]),
    "escaped-nul": (b'{"code":0,"data":{"x":"a\\u0000b"}}', ["not JSON"]),
    "json-array": (b'[{"code":0,"data":{}}]', ["a JSON array, not an object"]),
    "json-string": (b'"hello"', ["not JSON"]),
    "json-number": (b"42", ["not JSON"]),
    "json-null": (b"null", ["not JSON"]),
    "json-true": (b"true", ["not JSON"]),
    "nested-arrays-10000": (b'{"code":0,"data":' + b"[" * 10000 + b"]" * 10000 + b"}",
                            ["not JSON", "maximum parsing depth"]),
    "nested-objects-10000": (b'{"a":' * 10000 + b"1" + b"}" * 10000, ["not JSON", "maximum parsing depth"]),
    "nested-unterminated-10000": (b"[" * 10000, ["not JSON"]),
    "duplicate-code": (b'{"code":0,"code":100}', ["not JSON", "duplicate"]),
    "duplicate-code-reversed": (b'{"code":100,"code":0,"data":{"records":[]}}', ["not JSON", "duplicate"]),
    "duplicate-inner-key": (b'{"code":0,"data":{"records":[],"records":[{"jobId":"1"}]}}',
                            ["not JSON", "duplicate"]),
    "code-string": (b'{"code":"0","data":{}}', ['"code" is not an integer']),
    "code-float": (b'{"code":0.0,"data":{}}', ['"code" is not an integer']),
    "code-exponent": (b'{"code":1e2,"message":"x"}', ['"code" is not an integer']),
    "code-bool": (b'{"code":false,"data":{}}', ['"code" is not an integer']),
    "code-null": (b'{"code":null,"data":{}}', ['"code" is not an integer']),
    "code-object": (b'{"code":{"value":0},"data":{}}', ['"code" is not an integer']),
    "code-huge": (b'{"code":100000000000000000000000000,"message":"x"}', ["100000000000000000000000000"]),
    "code-int64-max-plus-one": (b'{"code":9223372036854775808,"message":"x"}', ["9223372036854775808"]),
    # An integer beyond 64 bits anywhere is malformed: never rounded, never guessed around.
    "code-float-beside-a-big-integer": (b'{"code":0.0,"data":{"records":[],"n":99999999999999999999}}',
                                        ["not JSON (too big integer"]),
    "code-exponent-beside-a-big-integer": (b'{"code":1e2,"message":"m","n":99999999999999999999}',
                                           ["not JSON (too big integer"]),
    "no-code": (b'{"data":{"records":[]}}', ['no "code"']),
    "trailing-garbage": (b'{"code":0,"data":{}} xx', ["not JSON"]),
    "two-documents": (b'{"code":0}{"code":1}', ["not JSON"]),
    "utf8-bom": (b'\xef\xbb\xbf{"code":0}', ["not JSON"]),
    "html-200": (b"<html><head><title>Welcome</title></head></html>", ["not JSON"]),
}


@pytest.mark.parametrize("name", list(MALFORMED_CASES))
def test_malformed_2xx_body(lib, client, servers, name):
    body, fragments = MALFORMED_CASES[name]
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    expect(out, MALFORMED, http=200,
           fragments=["list import jobs: malformed response (HTTP 200, application/json): "] + fragments)
    assert out.elapsed < 2.0


# A list of over 256 KiB is checked without a jansson tree (EnvelopeScan): every defect
# must still be found, with the message (and byte position) of a whole parse.
BIG_RECORD = b'{"collectionName":"c","jobId":"448761313698322011","progress":37,"state":"Importing"}'
BIG_RECORDS = b",".join([BIG_RECORD] * 4000)


def records_with(extra: bytes, at: int) -> bytes:
    """The big records with `extra` as one more record after the first `at`."""
    return b",".join([BIG_RECORD] * at + [extra] + [BIG_RECORD] * (4000 - at))


def big_list(head: bytes = b'{"code":0,', records: bytes = BIG_RECORDS, tail: bytes = b"}") -> bytes:
    return head + b'"data":{"records":[' + records + b"]}" + tail


def big_defects():
    broken = records_with(b'{"jobId":"1","fileSize":18446744073709551615}', 2500)
    twice = records_with(b'{"jobId":"1","jobId":"2"}', 3500)
    comma = BIG_RECORDS + b","
    return {
        "too-big-integer-deep-inside": (big_list(records=broken), ["not JSON (too big integer"]),
        "duplicate-key-in-a-record": (big_list(records=twice), ["not JSON (duplicate object key"]),
        "trailing-comma-in-records": (big_list(records=comma), ["not JSON (", "at byte"]),
        "code-twice": (big_list(tail=b',"code":1}'), ["not JSON (duplicate object key"]),
        "no-code": (big_list(head=b"{"), ['no "code"']),
        "code-is-text": (big_list(head=b'{"code":"0",'), ['"code" is not an integer']),
        "trailing-garbage": (big_list(tail=b"} xx"), ["not JSON (", "at byte"]),
        "cut-short": (big_list()[:-7], ["not JSON (", "at byte"]),
        "nul-byte": (big_list(records=BIG_RECORDS[:150_000] + b"\x00" + BIG_RECORDS[150_000:]),
                     ["not JSON (NUL byte in the text at byte"]),
        "invalid-utf8": (big_list(records=BIG_RECORDS[:150_001] + b"\xc3\x28" + BIG_RECORDS[150_003:]),
                         ["not JSON (", "at byte"]),
    }


@pytest.mark.parametrize("name", list(big_defects()))
def test_malformed_large_2xx_body(lib, client, servers, name):
    body, fragments = big_defects()[name]
    assert len(body) > 256 * 1024
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    expect(out, MALFORMED, http=200,
           fragments=["list import jobs: malformed response (HTTP 200, application/json): "] + fragments)


def test_large_body_positions_are_counted_from_the_start_of_the_body(lib, client, servers):
    body = big_list(records=records_with(b'{"n":99999999999999999999}', 2500))
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    # jansson reports the byte after the number it could not hold
    end = body.index(b"99999999999999999999") + len(b"99999999999999999999")
    expect(out, MALFORMED, http=200, fragments=[f"too big integer near '99999999999999999999' at byte {end})"])


def test_large_lists_come_back_byte_for_byte(lib, client, servers):
    body = b" \n" + big_list(head=b'{"code":0,"message":"",') + b"\n"
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    assert out.ok, out.describe()
    assert out.text == body
    stateless = lib.text_call("milvus_list_import_jobs", srv.url.encode(), b"")
    assert stateless.ok, stateless.describe()
    assert stateless.text == body


def test_large_server_errors_keep_their_code_and_message(lib, client, servers):
    body = big_list(head=b'{"code":65535,"message":"collection not found",')
    srv = servers(fixed(response(200, body)))
    expect(lib.list(client(srv.url)), SERVER, http=200, server=65535,
           fragments=["list import jobs: server error 65535: collection not found"])
    srv = servers(fixed(response(503, big_list(head=b'{"code":1,"message":"busy",'))))
    expect(lib.list(client(srv.url)), HTTP, http=503, server=1,
           fragments=["HTTP 503 Service Unavailable, server code 1: busy"])


def test_empty_2xx_body(lib, client, servers):
    srv = servers(fixed(response(200, b"")))
    out = lib.list(client(srv.url))
    expect(out, MALFORMED, http=200,
           fragments=["list import jobs: malformed response (HTTP 200, application/json): empty body"])
    assert out.msg.count("empty body") == 1, f"the message repeats itself: {out.msg!r}"


def test_204_no_content(lib, client, servers):
    srv = servers(fixed(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
    expect(lib.list(client(srv.url)), MALFORMED, http=204, fragments=["malformed response (HTTP 204"])


@pytest.mark.parametrize("code", [-1, 1, 100, 65535, 2**31, 9223372036854775807, -9223372036854775808])
def test_extreme_integer_codes_are_server_errors(lib, client, servers, code):
    srv = servers(fixed(response(200, json.dumps({"code": code, "message": "edge"}).encode())))
    expect(lib.list(client(srv.url)), SERVER, http=200, server=code,
           fragments=[f"list import jobs: server error {code}: edge"])


def test_integers_beyond_64_bits_outside_code_are_malformed(lib, client, servers):
    body = b'{"code":0,"data":{"records":[{"jobId":"1","fileSize":18446744073709551615,"n":5}]}}'
    srv = servers(fixed(response(200, body)))
    expect(lib.list(client(srv.url)), MALFORMED, http=200, fragments=["not JSON (too big integer"])


def test_invalid_utf8_in_text_error_body_is_repaired(lib, client, servers):
    srv = servers(fixed(response(500, b"oops \xff\xfe \xc3 end", "text/plain")))
    expect(lib.list(client(srv.url)), HTTP, http=500,
           fragments=["HTTP 500 Internal Server Error (text/plain): \"oops ", " end\"", "\ufffd"])


def test_nul_bytes_in_text_error_body_do_not_cut_the_message(lib, client, servers):
    srv = servers(fixed(response(500, b"before\x00\x00after\x01\x1b[31mred", "text/plain")))
    out = lib.list(client(srv.url))
    expect(out, HTTP, http=500, fragments=["before", "after", "red"], absent=["\x1b"])


def test_control_characters_in_server_message_are_flattened(lib, client, servers):
    body = json.dumps({"code": 100, "message": "collection\r\nnot\tfound\x1b[2J\u0085here"}).encode()
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    expect(out, SERVER, http=200, server=100, fragments=["server error 100: collection not found", "here"],
           absent=["\x1b", "\t", "\u0085"])


def test_huge_server_message_is_cut_to_one_kib(lib, client, servers):
    body = json.dumps({"code": 100, "message": "é" * 100000}).encode()
    srv = servers(fixed(response(200, body)))
    out = lib.list(client(srv.url))
    expect(out, SERVER, http=200, server=100, fragments=["server error 100: éé"])
    assert len(out.message) <= 1023


@pytest.mark.parametrize("raw", [
    b'{"code":0,"data":{"records":[]}}',
    b"FOO BAR BAZ\r\n\r\n{\"code\":0}",
    b"HTTP/1.1 000 Zero\r\nContent-Length: 10\r\n\r\n{\"code\":0}",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
], ids=["no-status-line", "garbage-status-line", "status-000", "http2-preface"])
def test_reply_that_is_not_http(lib, client, servers, raw):
    """The request went out and the server answered with something that is not HTTP/1.x.
    That is the server's fault (a TRANSPORT failure: no HTTP response arrived), never
    MILVUS_ERR_INVALID_ARGUMENT, which promises that nothing was sent."""
    srv = servers(fixed(raw))
    out = lib.list(client(srv.url))
    expect(out, TRANSPORT, fragments=["list import jobs: ", "HTTP"], absent=["URL"])
    assert len(srv.requests) == 1


def test_http_status_outside_the_usual_range(lib, client, servers):
    srv = servers(fixed(b"HTTP/1.1 999 Weird\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nweird"))
    expect(lib.list(client(srv.url)), HTTP, http=999, fragments=["HTTP 999", "weird"])


# ======================================================================================
# The same faults through the stateless functions (default settings: 2 retries)
# ======================================================================================


def test_stateless_malformed_and_404_are_not_retried(lib, servers):
    srv = servers(fixed(response(404, b"404 page not found", "text/plain")))
    out = lib.text_call("milvus_list_import_jobs", srv.url.encode(), b"c")
    expect(out, HTTP, http=404, fragments=['HTTP 404 Not Found (text/plain): "404 page not found"',
                                           "a Milvus older than 2.4"])
    assert len(srv.requests) == 1
    out = lib.text_call("milvus_get_import_progress", srv.url.encode(), b"448761313698322011")
    expect(out, HTTP, http=404, fragments=["describe import job: HTTP 404"])
    assert [r.path for r in srv.requests[1:]] == ["/v2/vectordb/jobs/import/describe",
                                                   "/v2/vectordb/jobs/import/get_progress"]
    bad = servers(fixed(response(200, b'{"code":"0"}')))
    out = lib.text_call("milvus_bulk_import", bad.url.encode(), b"c", b'[["a.parquet"]]')
    expect(out, MALFORMED, http=200, fragments=["create import job: malformed response"])
    assert len(bad.requests) == 1


def test_stateless_auth_and_server_errors(lib, servers):
    srv = servers(fixed(response(401, b'{"code":1800,"message":"user hasn\'t authenticated"}')))
    expect(lib.text_call("milvus_list_import_jobs", srv.url.encode(), None), AUTH, http=401, server=1800,
           fragments=["HTTP 401 Unauthorized, server code 1800: user hasn't authenticated"])
    gone = servers(fixed(response(200, b'{"code":2100,"message":"import job does not exist"}')))
    out = lib.text_call("milvus_get_import_progress", gone.url.encode(), b"1")
    assert (out.code, out.http, out.server) == (10, 200, 2100), out.describe()
