"""Threads: Tests/sanitizers/threads.c, the one thread scenario (also run under ThreadSanitizer
by `make test-tsan`), run plain: eight threads share clients and use the stateless functions,
500 calls each, mixing successes with every failure kind a server or a caller can cause;
after each call the thread checks its own result and last error (kind, HTTP status, server
code, and a tag only its own call could have put in the answer or the message). Then the
progress callback: it runs on the waiting thread and may call into the library."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

from support import (CANCELLED, INVALID_ARGUMENT, OK, PROGRESS_FN, REPO, Lib, ScriptServer, compile_c, replying,
                     response, run_env)

SANITIZERS = REPO / "Tests" / "sanitizers"
THREADS = 8
CALLS = 500


def test_eight_threads_share_clients(tmp_path):
    program = compile_c(SANITIZERS / "threads.c", tmp_path)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(SANITIZERS / "server.py"), "--run", "--", str(program),
                           str(THREADS), str(CALLS)], capture_output=True, text=True, timeout=120, env=run_env())
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = re.fullmatch(rf"threads: {THREADS} threads x {CALLS} calls \({THREADS * CALLS} made\), (\d+) checks, "
                           r"0 failed", proc.stdout.splitlines()[-1])
    assert summary and int(summary[1]) > THREADS * CALLS, proc.stdout
    assert proc.stderr == ""
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
