"""Support for the reliability tests: calls through the raw C ABI (Tests/support/milvus_abi.py)
that read the last error right after, socket-level scripted servers on 127.0.0.1 that
record every connection and request, and helpers to build and run small C programs.

Nothing here prints, and nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from milvus_abi import KINDS, PROGRESS_FN, REPO, library_path, load

HERE = Path(__file__).resolve().parent
INCLUDE = REPO / "include"

# milvus_status, as include/milvus_import.h numbers it.
OK = 0
INVALID_ARGUMENT = 1
TRANSPORT = 2
TIMEOUT = 3
TLS = 4
HTTP = 5
AUTH = 6
SERVER = 7
MALFORMED = 8
TOO_LARGE = 9
JOB_NOT_FOUND = 10
NO_MEMORY = 11
CANCELLED = 12

KIND_NAMES = {code: name.upper() for code, name in enumerate(KINDS)}

#: A NULL milvus_progress_fn.
NO_CALLBACK = PROGRESS_FN()


@dataclass
class Outcome:
    """What one call left behind, read on the calling thread right after it returned."""

    text: Optional[bytes]  # the NEW text (already copied and freed), None on failure
    code: int
    http: int
    server: int
    message: bytes
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.text is not None

    @property
    def msg(self) -> str:
        return self.message.decode("utf-8")  # strict: a message must be valid UTF-8

    @property
    def json(self):
        return json.loads(self.text)

    def describe(self) -> str:
        return (f"kind={KIND_NAMES.get(self.code, self.code)} http={self.http} server={self.server} "
                f"msg={self.message[:300]!r}")


class Lib:
    """libmilvus_import (milvus_abi.load), with calls that read the last error after."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path or library_path()
        self.dll = load(self.path)

    def __getattr__(self, name: str):
        return getattr(self.dll, name)

    # ---- the last error ------------------------------------------------------------
    def last(self) -> Tuple[int, int, int, bytes]:
        d = self.dll
        message = d.milvus_last_error_message()
        assert message is not None, "milvus_last_error_message returned NULL"
        return (d.milvus_last_error_code(), d.milvus_last_error_http_status(),
                d.milvus_last_error_server_code(), message)

    def text_call(self, name: str, *args) -> Outcome:
        """Calls a function returning NEW text; copies and frees it; reads the last error."""
        fn = getattr(self.dll, name)
        started = time.monotonic()
        ptr = fn(*args)
        elapsed = time.monotonic() - started
        code, http, server, message = self.last()
        text = None
        if ptr:
            text = ctypes.string_at(ptr)
            self.dll.milvus_free(ptr)
        return Outcome(text, code, http, server, message, elapsed)

    def status_call(self, name: str, *args) -> Outcome:
        fn = getattr(self.dll, name)
        started = time.monotonic()
        rc = fn(*args)
        elapsed = time.monotonic() - started
        code, http, server, message = self.last()
        assert rc == code, f"{name} returned {rc} but left last error {code} ({message!r})"
        return Outcome(b"" if rc == OK else None, rc, http, server, message, elapsed)

    # ---- clients -------------------------------------------------------------------
    def client(self, url: str | bytes, retries: int = 0, timeout_ms: int = 5000,
               proxy: Optional[str] = "") -> int:
        """A client with test-friendly defaults: no retries, 5 s timeout, no proxy."""
        raw = url.encode() if isinstance(url, str) else url
        handle = self.dll.milvus_client_new(raw)
        assert handle, f"milvus_client_new({raw!r}) failed: {self.last()}"
        assert self.dll.milvus_client_set_max_retries(handle, retries) == OK
        assert self.dll.milvus_client_set_timeout_ms(handle, timeout_ms) == OK
        if proxy is not None:
            assert self.dll.milvus_client_set_proxy(handle, proxy.encode()) == OK
        return handle

    def free_client(self, handle: int) -> None:
        self.dll.milvus_client_free(handle)

    def list(self, handle: int, request: Optional[bytes] = b"{}") -> Outcome:
        return self.text_call("milvus_client_list_import_jobs", handle, request)


def b(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else text.encode("utf-8")


# ======================================================================================
# Scripted servers
# ======================================================================================


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: List[Tuple[str, str]]
    body: bytes
    raw_head: bytes
    when: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        target = self.target
        if "://" in target:  # absolute form, through a proxy
            target = "/" + target.split("://", 1)[1].split("/", 1)[-1]
        return target.split("?", 1)[0]

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


class Closed(Exception):
    """The peer closed the connection before a whole request arrived."""


class Conn:
    """A server-side connection with a small read buffer."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buffer += data

    def read_request(self, max_head: int = 8 << 20) -> Request:
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > max_head:
                raise Closed()
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = 0
        chunked = False
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
            if name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                while b"\r\n" not in self.buffer:
                    self._fill()
                size_line, self.buffer = self.buffer.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                while len(self.buffer) < size + 2:
                    self._fill()
                body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
                if size == 0:
                    break
        else:
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Request(parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "",
                       headers, body, head)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()


Handler = Callable[["ScriptServer", Conn], None]


class ScriptServer:
    """A TCP listener on 127.0.0.1: each accepted connection runs ``handler(server, conn)``
    on its own thread. Records how many connections arrived and every request handlers
    read through ``server.read(conn)``.

    Every instance gets a port no earlier instance of this process had, so nothing the
    library remembers per URL (the stateless client cache, the describe path) carries
    over from one test to the next.
    """

    _used: set = set()
    _used_lock = threading.Lock()

    def __init__(self, handler: Handler, listen: bool = True) -> None:
        self.handler = handler
        self.requests: List[Request] = []
        self.connections = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors: List[BaseException] = []
        for _ in range(100):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            with ScriptServer._used_lock:
                if port not in ScriptServer._used:
                    ScriptServer._used.add(port)
                    break
            sock.close()
        else:  # pragma: no cover
            raise RuntimeError("no fresh loopback port")
        self.sock = sock
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.threads: List[threading.Thread] = []
        if listen:
            sock.listen(128)
            self.acceptor = threading.Thread(target=self._accept, daemon=True)
            self.acceptor.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            t = threading.Thread(target=self._run, args=(conn,), daemon=True)
            t.start()

    def wrap(self, sock: socket.socket) -> socket.socket:
        """Hook for TLS servers."""
        return sock

    def _run(self, raw: socket.socket) -> None:
        try:
            sock = self.wrap(raw)
        except Exception:
            raw.close()
            return
        conn = Conn(sock)
        try:
            self.handler(self, conn)
        except (Closed, OSError):
            pass
        except BaseException as err:  # a test bug: keep it for the test to see
            with self.lock:
                self.errors.append(err)
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def read(self, conn: Conn) -> Request:
        req = conn.read_request()
        with self.lock:
            self.requests.append(req)
        return req

    def close(self) -> None:
        self.stop.set()
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "ScriptServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def response(status: int = 200, body: bytes | str = b"", content_type: Optional[str] = "application/json",
             headers: Optional[Dict[str, str]] = None, reason: Optional[str] = None,
             close: bool = True, length: Optional[int] = None) -> bytes:
    """One HTTP/1.1 response as bytes."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    phrase = reason or {200: "OK", 302: "Found", 404: "Not Found"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {phrase}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def replying(make: Callable[[Request], bytes], keep_alive: bool = False) -> Handler:
    """A handler answering every request with ``make(request)`` (complete response bytes)."""

    def handler(server: ScriptServer, conn: Conn) -> None:
        while True:
            req = server.read(conn)
            conn.send(make(req))
            if not keep_alive:
                return

    return handler


def fixed(data: bytes) -> Handler:
    return replying(lambda _req: data)


OK_LIST = b'{"code":0,"data":{"records":[]}}'


def ok_server(body: bytes = OK_LIST) -> ScriptServer:
    return ScriptServer(fixed(response(200, body)))


def refused_port() -> int:
    """A loopback port with nothing listening on it."""
    srv = ScriptServer(lambda s, c: None, listen=False)
    port = srv.port
    srv.close()
    return port


# ======================================================================================
# C programs
# ======================================================================================


def compile_c(source: Path, out_dir: Path, extra: Optional[List[str]] = None) -> Path:
    """Builds ``source`` against include/ and the library under test; returns the binary."""
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise RuntimeError("no C compiler (cc) on PATH")
    lib = Path(library_path()).resolve()
    out = out_dir / source.stem
    cmd = [cc, "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-I", str(INCLUDE),
           str(source), "-o", str(out), str(lib), f"-Wl,-rpath,{lib.parent}", "-lpthread"] + (extra or [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"compiling {source.name} failed:\n{proc.stderr}")
    return out


def run_env() -> Dict[str, str]:
    env = dict(os.environ)
    lib = Path(library_path()).resolve()
    env["LD_LIBRARY_PATH"] = str(lib.parent) + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    return env
