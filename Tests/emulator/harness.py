"""Start the Milvus import REST emulator from a test, talk to its control API, stop it.

    import sys; sys.path.insert(0, "Tests/emulator")
    from harness import Emulator

    with Emulator("--mode", "oss", "--job-seconds", "0.5", "--milvus-version", "2.6.19") as emu:
        emu.url                      # "http://127.0.0.1:PORT" ("https://..." with --tls-cert)
        emu.arm("delay", count=1, ms=200)   # POST /_emulator/faults
        emu.requests()               # recorded requests: method, path, headers, body, conn, ...
        emu.call("/v2/vectordb/jobs/import/list", {})   # -> Reply(status, headers, body)
        emu.reset()                  # jobs, faults and the request log cleared
        emu.advance(2.5)             # the jobs' clock moves 2.5 s forward
        emu.unknown_state(job_id)    # the job's state becomes `None` (one the proxy cannot name)

MILVUS_VERSIONS lists the server lines `--milvus-version` takes (3.0 is the default), for
suites that run against each of them.

Standard library only, so it also works outside the test venv.  `make_tls_files(dir)`
writes a CA, a server certificate for 127.0.0.1/localhost and a client certificate
with the `openssl` command-line tool, for the `--tls-cert/--tls-key/--client-ca` options.
"""
from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMULATOR = HERE / "milvus_emulator.py"
LISTENING = "listening on "
MILVUS_VERSIONS = ("2.4", "2.5", "2.6.18", "2.6.19", "3.0")


class EmulatorError(RuntimeError):
    pass


class Reply:
    """One HTTP answer: status, headers (list of pairs, as sent), body (bytes)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.header('Content-Type')!r}, {self.body[:300]!r})"


def http_call(url: str, path: str, body=None, method: str = "POST", headers: dict | None = None,
              conn: http.client.HTTPConnection | None = None, timeout: float = 10,
              context: ssl.SSLContext | None = None) -> Reply:
    """Send one request to `url` + `path` exactly as given (a dict body is sent as JSON).
    Pass `conn` (see `connect`) to reuse a keep-alive connection."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    own = conn is None
    if own:
        conn = connect(url, timeout=timeout, context=context)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, resp.getheaders(), data)
    finally:
        if own:
            conn.close()


def connect(url: str, timeout: float = 10, context: ssl.SSLContext | None = None) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        if context is None:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=context)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


class Emulator:
    """A running emulator process; a context manager (also usable with start()/stop())."""

    def __init__(self, *args: str, startup_timeout: float = 15.0,
                 client_cert: tuple[str, str] | None = None, cwd: str | None = None):
        self.args = [str(a) for a in args]
        self.startup_timeout = startup_timeout
        self.client_cert = client_cert  # (cert, key) for control calls when --client-ca is on
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self._stderr = None

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> "Emulator":
        self._stderr = tempfile.TemporaryFile()
        cmd = [sys.executable, str(EMULATOR), "--host", "127.0.0.1", "--port", "0", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL, cwd=self.cwd)
        line = self._first_line()
        if not line.startswith(LISTENING):
            self.stop()
            raise EmulatorError(f"emulator did not start ({' '.join(cmd)}): first line {line!r}; "
                                f"stderr: {self.stderr()}")
        self.url = line[len(LISTENING):].strip()
        return self

    def _first_line(self) -> str:
        assert self.proc and self.proc.stdout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.startup_timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
        sel.close()
        return buf.split(b"\n", 1)[0].decode("utf-8", "replace")

    def stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-4000:]

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # ---- the control API ------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def _ssl_context(self):
        if not self.url.startswith("https://"):
            return None
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert:
            ctx.load_cert_chain(*self.client_cert)
        return ctx

    def control(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10, context=self._ssl_context()) as resp:
            return json.loads(resp.read() or b"null")

    def call(self, path: str, body=None, method: str = "POST", headers: dict | None = None, **kw) -> Reply:
        """A request to the emulator's API, e.g. emu.call("/v2/vectordb/jobs/import/list", {})."""
        return http_call(self.url, path, body, method, headers, context=kw.pop("context", self._ssl_context()), **kw)

    def arm(self, kind: str, count: int = 1, **params) -> dict:
        """Arm a fault for the next `count` requests (optionally only those whose path
        contains `path=...`). Kinds and parameters: see milvus_emulator.py, class Fault."""
        return self.control("POST", "/_emulator/faults", {"kind": kind, "count": count, **params})

    def requests(self) -> list[dict]:
        return self.control("GET", "/_emulator/requests")

    def reset(self) -> None:
        self.control("POST", "/_emulator/reset", {})

    def advance(self, seconds: float) -> None:
        """Move the emulator's job clock forward (jobs progress as if `seconds` had passed)."""
        self.control("POST", "/_emulator/clock", {"advance": seconds})

    def unknown_state(self, job_id: str) -> None:
        """Put a job in a state the server's proxy cannot name: describe and list show `None`."""
        self.control("POST", "/_emulator/unknown_state", {"jobId": job_id})

    def jobs(self) -> list[dict]:
        """The emulator's view of its jobs (ids, db, collection, files, state)."""
        return self.control("GET", "/_emulator/jobs")


def make_tls_files(directory: str | os.PathLike) -> dict[str, str]:
    """CA, server cert (127.0.0.1, localhost) and client cert under `directory`, by openssl.
    Returns paths: ca, server_cert, server_key, client_cert, client_key."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    p = {k: str(d / f) for k, f in {
        "ca": "ca.pem", "ca_key": "ca.key", "server_cert": "server.pem", "server_key": "server.key",
        "client_cert": "client.pem", "client_key": "client.key"}.items()}

    def run(*cmd: str) -> None:
        subprocess.run(["openssl", *cmd], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=emulator test CA",
        "-keyout", p["ca_key"], "-out", p["ca"])
    ext = d / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for who, cn in (("server", "127.0.0.1"), ("client", "emulator test client")):
        csr = str(d / f"{who}.csr")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", p[f"{who}_key"], "-out", csr)
        extra = ["-extfile", str(ext)] if who == "server" else []
        run("x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca_key"], "-CAcreateserial",
            "-days", "2", "-out", p[f"{who}_cert"], *extra)
    return p
