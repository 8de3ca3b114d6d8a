"""fork(): a child must not use the connections its parent pooled (both would read and
write one socket), and the parent's must survive the child. The library notices a fork
through a pthread_atfork handler (no getpid() per call); these tests fork a process that
holds a warm connection, in the client API and in the stateless functions' shared pool."""

from __future__ import annotations

import os

from support import OK_LIST, replying, response


def keep_alive_server(servers):
    return servers(replying(lambda _req: response(200, OK_LIST, close=False), keep_alive=True))


def in_child(call) -> int:
    """Runs `call` twice in a forked child; returns the child's exit code (0: both worked)."""
    pid = os.fork()
    if pid == 0:  # the child: no pytest here, only the library, then out
        code = 0 if call() and call() else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_forked_child_opens_its_own_connection_and_the_parent_keeps_its_own(lib, client, servers):
    srv = keep_alive_server(servers)
    handle = client(srv.url)
    assert lib.list(handle).ok
    assert srv.connections == 1
    assert in_child(lambda: lib.list(handle).ok) == 0
    # The child's two calls went over one new connection of its own ...
    assert srv.connections == 2
    # ... and the parent's pooled connection still works, with no new one.
    outcome = lib.list(handle)
    assert outcome.ok, outcome.describe()
    assert outcome.json == {"code": 0, "data": {"records": []}}
    assert srv.connections == 2
    assert len(srv.requests) == 4


def test_the_stateless_pool_is_not_shared_with_a_child(lib, servers):
    srv = keep_alive_server(servers)
    url = srv.url.encode()

    def stateless() -> bool:
        return lib.text_call("milvus_list_import_jobs", url, b"").ok

    assert stateless()
    assert srv.connections == 1
    assert in_child(stateless) == 0
    assert srv.connections == 2
    assert stateless()
    assert srv.connections == 2
    assert len(srv.requests) == 4
