"""The interrupt check (milvus_client_set_interrupt): a C function the library asks during
every request and every pause of a call; once it says stop the call ends with
MILVUS_ERR_CANCELLED, against servers that never answer and during a wait's long pause."""

from __future__ import annotations

import time

from milvus_abi import INTERRUPT_FN
from support import CANCELLED, NO_CALLBACK, OK, replying, response


def _never_answers(server, conn) -> None:
    server.read(conn)
    server.stop.wait(30)


class FlipAfter:
    """An interrupt function that says stop once `seconds` have passed since `start()`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self.calls = 0
        self.fn = INTERRUPT_FN(self._ask)  # kept alive as long as this object

    def start(self) -> None:
        self.started = time.monotonic()

    def _ask(self, _user_data) -> int:
        self.calls += 1
        return 1 if time.monotonic() - self.started >= self.seconds else 0


def test_an_interrupt_stops_a_list_that_hangs(lib, client, servers):
    srv = servers(_never_answers)
    c = client(srv.url, timeout_ms=20000, retries=2)
    flip = FlipAfter(0.3)
    assert lib.milvus_client_set_interrupt(c, flip.fn, None) == OK
    flip.start()
    out = lib.list(c)
    assert (out.code, out.http, out.server) == (CANCELLED, 0, 0), out.describe()
    assert out.msg == "list import jobs: interrupted"
    assert 0.3 <= out.elapsed < 1.5, out.elapsed
    assert srv.connections == 1  # never retried
    srv.close()


def test_an_interrupt_stops_a_wait_during_its_pause(lib, client, servers):
    importing = b'{"code":0,"data":{"jobId":"1","state":"Importing","progress":40}}'
    srv = servers(replying(lambda _req: response(200, importing), keep_alive=True))
    c = client(srv.url)
    flip = FlipAfter(0.3)
    assert lib.milvus_client_set_interrupt(c, flip.fn, None) == OK
    flip.start()
    out = lib.text_call("milvus_client_wait_import_job", c, b"1", 60000, 5000, NO_CALLBACK, None)
    assert (out.code, out.http, out.server) == (CANCELLED, 0, 0), out.describe()
    assert out.msg == "wait for import job 1: interrupted"
    assert 0.3 <= out.elapsed < 1.5, out.elapsed
    assert len(srv.requests) == 1


def test_an_interrupt_that_never_says_stop_changes_nothing(lib, client, servers):
    body = b'{"code":0,"data":{"records":[]}}'
    srv = servers(replying(lambda _req: response(200, body)))
    c = client(srv.url)
    flip = FlipAfter(3600)
    assert lib.milvus_client_set_interrupt(c, flip.fn, None) == OK
    out = lib.list(c)
    assert out.ok and out.text == body, out.describe()
    assert flip.calls >= 1
    # Removed, it is not asked again.
    assert lib.milvus_client_set_interrupt(c, None, None) == OK
    asked = flip.calls
    assert lib.list(c).ok
    assert flip.calls == asked
