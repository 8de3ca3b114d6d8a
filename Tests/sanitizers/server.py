#!/usr/bin/env python3
"""A tiny Milvus import REST server for every_call.c and threads.c (standard library only).

One server answers every scenario; the first path segment chooses the behaviour, so a
C program reaches each failure kind through its own base URL:

    {base}/ok/v2/vectordb/jobs/import/{list,create,describe,commit,abort}   successes
    {base}/404/...          404 text/plain (a Milvus older than 2.4, a wrong port)
    {base}/code100/...      200 with {"code":100,...} (collection not found)
    {base}/auth/...         401 with {"code":1800,...}
    {base}/malformed/...    200 text/html, not a JSON envelope
    {base}/busy/...         503 HTML (retried, then MILVUS_ERR_HTTP)
    {base}/big/...          a 64 KiB envelope (MILVUS_ERR_TOO_LARGE with a small cap)
    {base}/slow/...         answers after 400 ms (MILVUS_ERR_TIMEOUT with a short timeout)
    {base}/old/.../describe 404, .../get_progress works (Milvus 2.4 before the rename)

The failures name the request's collectionName (404's body, code 100's and 401's message,
the HTML title of /malformed), so a thread can tell its own error from another's.
Describe on /ok (and /old's get_progress) depends on the jobId:
    "gone..."     code 2100 "import job does not exist (JOBID)"  (MILVUS_ERR_JOB_NOT_FOUND)
    "running..."  always Importing  (waits time out or are cancelled)
    "failed..."   Failed            (returned by a wait, not an error)
    "steps..."    Importing twice, then Completed (per jobId, counted by the server)
    anything else Completed
List on /ok answers records of the request's collectionName; it pages when the request has
"currentPage": 5 jobs, "count": 5.

    python3 server.py --run -- PROGRAM ARGS...
starts the server on 127.0.0.1 (a free port) and runs PROGRAM with, in its environment
(proxy variables removed):
    MILVUS_TEST_URL      http://127.0.0.1:PORT, this server;
    MILVUS_NOIO_URL      a listener that must not be contacted: when it was, the run fails;
    MILVUS_REFUSED_URL   a closed port;
    MILVUS_EMULATOR_URL  Tests/emulator/milvus_emulator.py as Milvus 3.0 (OSS, jobs of 0.5 s);
and exits with the program's status.
    python3 server.py
just serves, printing "listening on URL".
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))
from harness import Emulator  # noqa: E402

PREFIX = "/v2/vectordb/jobs/import/"
_steps: dict[str, int] = {}
_steps_lock = threading.Lock()


def envelope(data, code: int = 0) -> bytes:
    return json.dumps({"code": code, "data": data}, separators=(",", ":")).encode()


def record(i: int, collection: str = "quick_setup") -> dict:
    return {"collectionName": collection, "jobId": str(448761313698322011 + i),
            "progress": 100, "state": "Completed"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server_version = "sanitizer-test"
    sys_version = ""

    def log_message(self, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8",
             extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send(405, b"method not allowed", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            request = {}
        parts = self.path.split("/", 2)  # "", scenario, rest
        scenario = parts[1] if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        if not rest.startswith(PREFIX):
            return self.send(404, b"404 page not found", "text/plain")
        op = rest[len(PREFIX):]
        name = str(request.get("collectionName") or "")

        if scenario == "404":
            return self.send(404, f"404 page not found {name}".strip().encode(), "text/plain")
        if scenario == "code100":
            return self.send(200, json.dumps({
                "code": 100, "message": f"collection not found[database=default][collection={name}]"}).encode())
        if scenario == "auth":
            return self.send(401, json.dumps({"code": 1800, "message": f"user hasn't authenticated {name}"}).encode())
        if scenario == "malformed":
            return self.send(200, f"<html><head><title>Welcome \x01 to nginx {name}</title></head>\n"
                                  "<body>\x00</body></html>".encode(), "text/html")
        if scenario == "busy":
            return self.send(503, b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
                             "text/html")
        if scenario == "big":
            return self.send(200, envelope({"records": [record(i) for i in range(700)]}))
        if scenario == "slow":
            time.sleep(0.4)
            return self.send(200, envelope({"records": []}))
        if scenario == "old" and op == "describe":
            return self.send(404, b"404 page not found", "text/plain")
        if scenario not in ("ok", "old"):
            return self.send(404, b"404 page not found", "text/plain")

        if op == "list":
            if "currentPage" in request:
                size = int(request.get("pageSize") or 100)
                page = int(request["currentPage"])
                ids = range((page - 1) * size, min(page * size, 5))
                return self.send(200, envelope({"records": [record(i) for i in ids], "count": 5}))
            return self.send(200, envelope({"records": [record(0, name or "quick_setup"),
                                                        record(1, name or "quick_setup")]}))
        if op == "create":
            return self.send(200, envelope({"jobId": "448761313698322099"}))
        if op in ("describe", "get_progress"):
            job = str(request.get("jobId", ""))
            if job.startswith("gone"):
                return self.send(200, json.dumps({"code": 2100, "message": f"import job does not exist ({job})"}).encode())
            state, progress = "Completed", 100
            if job.startswith("running"):
                state, progress = "Importing", 40
            elif job.startswith("failed"):
                state, progress = "Failed", 10
            elif job.startswith("steps"):
                with _steps_lock:
                    n = _steps[job] = _steps.get(job, 0) + 1
                if n % 3:
                    state, progress = "Importing", 33 * (n % 3)
            return self.send(200, envelope({"jobId": job, "state": state, "progress": progress,
                                            "collectionName": "quick_setup", "importedRows": 10,
                                            "totalRows": 10, "details": []}))
        if op in ("commit", "abort"):
            return self.send(200, envelope({}))
        return self.send(404, b"404 page not found", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up (timeouts, TLS to plain HTTP) are part of the tests


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Untouchable:
    """A listener on 127.0.0.1 that counts the connections it accepts (none are expected)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def main(argv: list[str]) -> int:
    server = Server(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    if "--run" not in argv:
        print("listening on " + url, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    if not command:
        print("usage: server.py --run -- PROGRAM ARGS...", file=sys.stderr)
        return 2
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    noio = Untouchable()
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env["MILVUS_TEST_URL"] = url
    env["MILVUS_NOIO_URL"] = noio.url
    env["MILVUS_REFUSED_URL"] = f"http://127.0.0.1:{closed_port()}"
    try:
        with Emulator("--mode", "oss", "--milvus-version", "3.0", "--job-seconds", "0.5") as emulator:
            env["MILVUS_EMULATOR_URL"] = emulator.url
            status = subprocess.call(command, env=env)
    finally:
        server.shutdown()
        server.server_close()
        noio.sock.close()
    if noio.connections:
        print(f"server.py: {noio.connections} connection(s) reached MILVUS_NOIO_URL: a call that must be "
              "refused before any I/O made one", file=sys.stderr)
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
