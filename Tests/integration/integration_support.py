"""Test support for Tests/integration: a recording HTTP server on 127.0.0.1, the raw C ABI
(Tests/support/milvus_abi.py, independent of the package: a binding bug must not hide a
library bug, or the other way round), and the case runner shared by test_cases.py and
test_binding.py.
"""

from __future__ import annotations

import base64
import ctypes
import gzip
import http.server
import json
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from milvus_abi import KINDS, PROGRESS_FN, REPO, library_path, load

SHARED_CASES = (REPO / ".." / "shared" / "cases" / "import-rest-cases.jsonl").resolve()
EXTRA_CASES = Path(__file__).resolve().parent / "cases-extra.jsonl"


def load_cases(path: Path) -> List[Dict[str, Any]]:
    cases = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                case = json.loads(line)
                case["_source"] = f"{path.name}:{n}"
                cases.append(case)
    return cases


# ======================================================================================
# The recording server
# ======================================================================================


@dataclass
class Recorded:
    requestline: str
    method: str
    target: str  # the raw request-target from the request line (no // rewriting)
    headers: List[Tuple[str, str]]
    body: bytes
    client_port: int
    when: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> List[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


Reply = Dict[str, Any]
Responder = Callable[[Recorded, int], Reply]

_used_ports: set = set()
_used_ports_lock = threading.Lock()


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed TLS handshakes and reset connections are part of the tests


class RecordingServer:
    """A tiny HTTP/1.1 (keep-alive) server on 127.0.0.1 that records every request and
    answers with ``responder(recorded, index)``.

    A reply dict: ``status``, ``content_type``, ``body`` (text) or ``body_b64``,
    ``headers`` (dict), ``delay_ms``, ``gzip`` (bool), ``truncate`` (announce more bytes
    than sent, then close), ``close`` (close the connection after replying).
    Every server of a test session gets a port no earlier server had, so a library that
    remembers something per server URL cannot carry it from one test into another.
    """

    def __init__(self, responder: Responder, tls: Optional["ssl.SSLContext"] = None) -> None:
        self.responder = responder
        self.tls = tls
        self.requests: List[Recorded] = []
        self.ports: List[int] = []  # client port of each accepted TCP connection
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                if outer.tls is not None:
                    self.request = outer.tls.wrap_socket(self.request, server_side=True)
                super().setup()
                with outer._lock:
                    outer.ports.append(self.client_address[1])

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _read_body(self) -> bytes:
                if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                body = self._read_body()
                parts = self.requestline.split(" ")
                rec = Recorded(
                    requestline=self.requestline,
                    method=self.command,
                    target=parts[1] if len(parts) > 1 else "",
                    headers=list(self.headers.items()),
                    body=body,
                    client_port=self.client_address[1],
                )
                with outer._lock:
                    index = len(outer.requests)
                    outer.requests.append(rec)
                try:
                    reply = outer.responder(rec, index)
                except Exception as err:  # a test bug: make it visible
                    reply = {"status": 599, "content_type": "text/plain", "body": f"responder failed: {err!r}"}
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.get("delay_ms"):
                    time.sleep(reply["delay_ms"] / 1000.0)
                if "body_b64" in reply:
                    payload = base64.b64decode(reply["body_b64"])
                else:
                    payload = (reply.get("body") or "").encode("utf-8")
                headers = dict(reply.get("headers") or {})
                if reply.get("gzip"):
                    payload = gzip.compress(payload)
                    headers["Content-Encoding"] = "gzip"
                self.send_response(int(reply.get("status", 200)))
                if reply.get("content_type"):
                    self.send_header("Content-Type", reply["content_type"])
                for k, v in headers.items():
                    self.send_header(k, str(v))
                length = len(payload) + (100 if reply.get("truncate") else 0)
                self.send_header("Content-Length", str(length))
                if reply.get("close") or reply.get("truncate"):
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            do_POST = _handle
            do_GET = _handle
            do_PUT = _handle
            do_DELETE = _handle

        for _ in range(50):
            server = _Server(("127.0.0.1", 0), Handler)
            port = server.server_address[1]
            with _used_ports_lock:
                if port not in _used_ports:
                    _used_ports.add(port)
                    break
            server.server_close()
        else:  # pragma: no cover
            raise RuntimeError("no fresh loopback port")
        self._server = server
        self.port = port
        self.hostport = f"127.0.0.1:{port}"
        self.url = f"{'https' if tls is not None else 'http'}://127.0.0.1:{port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "RecordingServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def snapshot(self) -> List[Recorded]:
        with self._lock:
            return list(self.requests)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(set(self.ports))


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ok_reply(body: Any) -> Reply:
    return {"status": 200, "content_type": "application/json; charset=utf-8", "body": json.dumps(body)}


def case_responder(case: Dict[str, Any]) -> Responder:
    """Serve a case's ``response``: one reply, ``pages`` (by currentPage), ``sequence``
    (in order, the last repeating) or ``by_path`` (path suffix -> reply)."""
    resp = case.get("response")
    if resp is None:
        return lambda rec, i: {"status": 598, "content_type": "text/plain", "body": "no request expected"}
    if "pages" in resp:
        pages = resp["pages"]

        def by_page(rec: Recorded, i: int) -> Reply:
            page = None
            try:
                page = rec.json.get("currentPage")
            except Exception:
                pass
            n = page if isinstance(page, int) and not isinstance(page, bool) else i + 1
            if 1 <= n <= len(pages):
                return pages[n - 1]
            return {"status": 597, "content_type": "text/plain", "body": f"no page {n}"}

        return by_page
    if "sequence" in resp:
        seq = resp["sequence"]
        return lambda rec, i: seq[min(i, len(seq) - 1)]
    if "by_path" in resp:
        table = resp["by_path"]

        def by_path(rec: Recorded, i: int) -> Reply:
            for suffix, reply in table.items():
                if rec.path.endswith(suffix):
                    return reply
            return {"status": 404, "content_type": "text/plain", "body": "404 page not found"}

        return by_path
    return lambda rec, i: resp


# ======================================================================================
# The raw C ABI, bound independently of the package
# ======================================================================================


class RawC:
    """The C ABI (Tests/support/milvus_abi.py), independent of the package. Every NEW string
    is copied and freed; errors are read on the calling thread."""

    PROGRESS = PROGRESS_FN

    def __init__(self, path: str) -> None:
        self.path = path
        self.lib = load(path)

    def take(self, ptr: Optional[int]) -> Optional[str]:
        """Copy a NEW string and free it; None for NULL."""
        if not ptr:
            return None
        try:
            return ctypes.string_at(ptr).decode("utf-8")
        finally:
            self.lib.milvus_free(ptr)

    def last_error(self) -> Dict[str, Any]:
        L = self.lib
        code = L.milvus_last_error_code()
        msg = L.milvus_last_error_message()
        return {
            "code": code,
            "kind": KINDS[code] if 0 <= code < len(KINDS) else f"unknown({code})",
            "http_status": L.milvus_last_error_http_status(),
            "server_code": L.milvus_last_error_server_code(),
            "message": msg.decode("utf-8", "replace") if msg is not None else None,
        }


# ======================================================================================
# Running one case
# ======================================================================================

FIELD = {
    "collection_name": "collectionName", "db_name": "dbName", "cluster_id": "clusterId",
    "project_id": "projectId", "region_id": "regionId", "page_size": "pageSize",
    "current_page": "currentPage", "job_id": "jobId", "files": "files",
    "object_url": "objectUrl", "object_urls": "objectUrls", "access_key": "accessKey",
    "secret_key": "secretKey", "token": "token", "volume_name": "volumeName",
    "data_paths": "dataPaths", "partition_name": "partitionName", "options": "options",
}
URL_ARGS = {"url_suffix", "url_override"}
SETTING_ARGS = {"api_key", "headers", "timeout", "verify", "cert"}
C_CALL = {
    "list": "milvus_client_list_import_jobs",
    "list_all": "milvus_client_list_all_import_jobs",
    "describe": "milvus_client_get_import_progress",
    "create": "milvus_client_bulk_import",
    "commit": "milvus_client_commit_import",
    "abort": "milvus_client_abort_import",
}
STATELESS_ARGS = {"list": {"collection_name"}, "describe": {"job_id"}, "create": {"collection_name", "files"}}


@dataclass
class Outcome:
    ok: bool
    envelope: Optional[Dict[str, Any]] = None
    raw: Optional[str] = None
    kind: Optional[str] = None
    http_status: Optional[int] = None
    server_code: Optional[int] = None
    message: Optional[str] = None
    exc: Optional[BaseException] = None
    elapsed: float = 0.0


def case_url(case: Dict[str, Any], server: RecordingServer) -> str:
    args = case.get("args", {})
    if "url_override" in args:
        return args["url_override"].format(hostport=server.hostport, closed_hostport=f"127.0.0.1:{closed_port()}")
    return server.url + args.get("url_suffix", "")


def modes_for(case: Dict[str, Any]) -> List[str]:
    """Which ways a case is run: the pymilvus-style function (py), the Python Client
    (pyclient), the raw C client (c), and the stateless C function where it fits."""
    call, args = case["call"], case.get("args", {})
    modes = []
    if call != "list_all" and "client" not in case:
        modes.append("py")
    modes += ["pyclient", "c"]
    allowed = STATELESS_ARGS.get(call)
    if (
        allowed is not None
        and "client" not in case
        and set(args) - URL_ARGS <= allowed
        and all(isinstance(args[k], str) for k in ("collection_name", "job_id") if k in args)
    ):
        modes.append("c_stateless")
    return modes


def run_python(case: Dict[str, Any], url: str, use_client: bool) -> Outcome:
    import milvus_import as mi

    call = case["call"]
    args = {k: v for k, v in case.get("args", {}).items() if k not in URL_ARGS}
    t0 = time.monotonic()
    try:
        if not use_client:
            fn = {
                "list": mi.list_import_jobs, "describe": mi.get_import_progress, "create": mi.bulk_import,
                "commit": mi.commit_import, "abort": mi.abort_import,
            }[call]
            env = fn(url, **args)
        else:
            settings = {k: args.pop(k) for k in list(args) if k in SETTING_ARGS}
            settings.update(case.get("client", {}))
            with mi.Client(url, **settings) as client:
                method = {
                    "list": client.list_import_jobs, "list_all": client.list_all_import_jobs,
                    "describe": client.get_import_progress, "create": client.bulk_import,
                    "commit": client.commit_import, "abort": client.abort_import,
                }[call]
                env = method(**args)
    except mi.MilvusImportError as err:
        return Outcome(False, kind=err.kind, http_status=err.http_status, server_code=err.server_code,
                       message=err.message, exc=err, elapsed=time.monotonic() - t0)
    except TypeError as err:  # a value of the wrong Python type: the binding's invalid_argument, before any I/O
        return Outcome(False, kind="invalid_argument", message=str(err), elapsed=time.monotonic() - t0)
    return Outcome(True, envelope=env, raw=json.dumps(env), elapsed=time.monotonic() - t0)


def c_request(case: Dict[str, Any]) -> Dict[str, Any]:
    return {FIELD[k]: v for k, v in case.get("args", {}).items() if k in FIELD}


def _c_error(raw: RawC, t0: float) -> Outcome:
    e = raw.last_error()
    return Outcome(False, kind=e["kind"], http_status=e["http_status"], server_code=e["server_code"],
                   message=e["message"], elapsed=time.monotonic() - t0)


def _c_ok(text: str, t0: float) -> Outcome:
    return Outcome(True, envelope=json.loads(text), raw=text, elapsed=time.monotonic() - t0)


def run_c_client(case: Dict[str, Any], url: str, raw: RawC) -> Outcome:
    L = raw.lib
    args = case.get("args", {})
    t0 = time.monotonic()
    client = L.milvus_client_new(url.encode("utf-8", "surrogateescape"))
    if not client:
        return _c_error(raw, t0)
    try:
        settings: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        if args.get("api_key"):
            settings.append((L.milvus_client_set_api_key, (args["api_key"].encode(),)))
        for name, value in (args.get("headers") or {}).items():
            settings.append((L.milvus_client_set_header, (name.encode(), value.encode())))
        if "timeout" in args:
            ms = int(args["timeout"] * 1000)
            settings.append((L.milvus_client_set_timeout_ms, (ms,)))
            settings.append((L.milvus_client_set_connect_timeout_ms, (ms,)))
        cfg = case.get("client", {})
        if "max_retries" in cfg:
            settings.append((L.milvus_client_set_max_retries, (cfg["max_retries"],)))
        if "retry_backoff" in cfg:
            settings.append((L.milvus_client_set_retry_backoff_ms, (int(cfg["retry_backoff"] * 1000),)))
        if "max_response_bytes" in cfg:
            settings.append((L.milvus_client_set_max_response_bytes, (cfg["max_response_bytes"],)))
        if "timeout" in cfg:
            settings.append((L.milvus_client_set_timeout_ms, (int(cfg["timeout"] * 1000),)))
        for setter, values in settings:
            status = setter(client, *values)
            if status != 0:
                out = _c_error(raw, t0)
                assert out.kind == KINDS[status], f"setter returned {status} but last error is {out.kind}"
                return out
        request = json.dumps(c_request(case))  # ensure_ascii: lone surrogates stay \\u escapes
        text = raw.take(getattr(L, C_CALL[case["call"]])(client, request.encode("ascii")))
        if text is None:
            return _c_error(raw, t0)
        return _c_ok(text, t0)
    finally:
        L.milvus_client_free(client)


def run_c_stateless(case: Dict[str, Any], url: str, raw: RawC) -> Outcome:
    L = raw.lib
    args = case.get("args", {})

    def enc(s: Optional[str]) -> Optional[bytes]:
        # surrogateescape: a lone surrogate becomes an invalid UTF-8 byte on purpose
        return None if s is None else s.encode("utf-8", "surrogateescape")

    t0 = time.monotonic()
    call = case["call"]
    if call == "list":
        ptr = L.milvus_list_import_jobs(enc(url), enc(args.get("collection_name")))
    elif call == "describe":
        ptr = L.milvus_get_import_progress(enc(url), enc(args.get("job_id")))
    else:
        files = json.dumps(args["files"]) if "files" in args else None
        ptr = L.milvus_bulk_import(enc(url), enc(args.get("collection_name")), enc(files))
    text = raw.take(ptr)
    if text is None:
        return _c_error(raw, t0)
    return _c_ok(text, t0)


def stateless_body(case: Dict[str, Any]) -> Dict[str, Any]:
    """The body the header documents for the stateless functions."""
    args = case.get("args", {})
    if case["call"] == "list":
        name = args.get("collection_name")
        return {"collectionName": name} if name else {}
    if case["call"] == "describe":
        return {"jobId": args["job_id"]}
    return {"collectionName": args["collection_name"], "files": args["files"]}


# ======================================================================================
# Checking a case
# ======================================================================================


def _as_list(v: Any) -> List[Any]:
    return v if isinstance(v, list) else [v]


def secrets_of(case: Dict[str, Any]) -> List[str]:
    args = case.get("args", {})
    found = [args[k] for k in ("api_key", "access_key", "secret_key", "token") if args.get(k)]
    found += [s for s in case.get("secrets", [])]
    return found


def check_outcome(case: Dict[str, Any], mode: str, out: Outcome, requests: List[Recorded]) -> None:
    import milvus_import as mi

    exp = case["expect"]
    label = f"[{case['id']} via {mode}]"
    if exp.get("ok"):
        assert out.ok, f"{label} expected success, got {out.kind} http={out.http_status} code={out.server_code}: {out.message}"
        env = out.envelope
        assert isinstance(env, dict) and env.get("code") == 0, f"{label} envelope {env!r}"
        data = env.get("data")
        if "records" in exp:
            assert isinstance(data, dict) and isinstance(data.get("records"), list), f"{label} no records in {env!r}"
            assert len(data["records"]) == exp["records"], f"{label} records {data['records']!r}"
        if "jobIds" in exp:
            if isinstance(data, dict) and "records" in data:
                ids = [r.get("jobId") for r in data["records"]]
            else:
                ids = [data.get("jobId")] if isinstance(data, dict) else []
            assert ids == exp["jobIds"], f"{label} jobIds {ids!r}"
            assert all(isinstance(i, str) for i in ids), f"{label} jobId not kept as text: {ids!r}"
        if "state" in exp:
            assert data.get("state") == exp["state"], f"{label} state {data!r}"
        for text in _as_list(exp.get("raw_contains", [])):
            assert text in (out.raw or ""), f"{label} {text!r} not in {out.raw!r}"
    else:
        assert not out.ok, f"{label} expected {exp.get('kind')} but the call succeeded: {out.envelope!r}"
        assert out.kind == exp["kind"], f"{label} kind {out.kind!r} != {exp['kind']!r} (http={out.http_status} code={out.server_code} msg={out.message!r})"
        if "http_status" in exp:
            assert out.http_status == exp["http_status"], f"{label} http_status {out.http_status} != {exp['http_status']} ({out.message!r})"
        if "server_code" in exp:
            assert out.server_code == exp["server_code"], f"{label} server_code {out.server_code} != {exp['server_code']} ({out.message!r})"
        assert isinstance(out.message, str) and out.message, f"{label} empty error message"
        assert len(out.message.encode("utf-8")) <= 1023, f"{label} message longer than 1023 bytes"
        assert "\n" not in out.message, f"{label} message is not one line: {out.message!r}"
        for text in _as_list(exp.get("message_contains", [])):
            assert text.lower() in out.message.lower(), f"{label} {text!r} not in message {out.message!r}"
        for text in _as_list(exp.get("message_excludes", [])):
            assert text not in out.message, f"{label} message leaks {text!r}: {out.message!r}"
        if out.exc is not None:
            cls = mi.errors.CLASS_BY_KIND[exp["kind"]]
            assert type(out.exc) is cls, f"{label} exception class {type(out.exc).__name__} != {cls.__name__}"
            assert isinstance(out.exc, mi.MilvusImportError)
            assert int(out.exc.status) == KINDS.index(exp["kind"])
            assert str(out.exc) == out.message
    # never a secret anywhere in what the caller sees
    for secret in secrets_of(case):
        for text in (out.message, repr(out.exc) if out.exc is not None else None):
            if text:
                assert secret not in text, f"{label} secret leaked into {text!r}"
    if "max_elapsed_s" in exp:
        assert out.elapsed <= exp["max_elapsed_s"], f"{label} took {out.elapsed:.2f}s"
    if "min_elapsed_s" in exp:
        assert out.elapsed >= exp["min_elapsed_s"], f"{label} took only {out.elapsed:.2f}s"
    check_requests(case, mode, requests)


def check_requests(case: Dict[str, Any], mode: str, requests: List[Recorded]) -> None:
    exp = case["expect"]
    label = f"[{case['id']} via {mode}]"
    if case.get("response") is None:
        assert requests == [], f"{label} no request may be sent, got {[r.requestline for r in requests]}"
        return
    assert requests, f"{label} no request reached the server"
    for r in requests:
        assert r.method == "POST", f"{label} {r.requestline}"
        assert "//" not in r.target, f"{label} doubled slash in {r.requestline!r}"
        assert r.header("Content-Type") == "application/json", f"{label} Content-Type {r.header('Content-Type')!r}"
        assert isinstance(r.json, dict), f"{label} body is not a JSON object: {r.body!r}"
        for name in ("Authorization", "DB-Name", "Content-Type"):
            assert len(r.header_all(name)) <= 1, f"{label} {name} sent twice"
    if "request_count" in exp:
        assert len(requests) == exp["request_count"], f"{label} {len(requests)} requests: {[r.requestline for r in requests]}"
    if "request_paths" in exp:
        assert [r.path for r in requests] == exp["request_paths"], f"{label} paths {[r.path for r in requests]}"
    elif "request_path" in exp:
        assert all(r.path == exp["request_path"] for r in requests), f"{label} paths {[r.path for r in requests]}"
    else:
        default = {
            "list": "/v2/vectordb/jobs/import/list", "list_all": "/v2/vectordb/jobs/import/list",
            "describe": "/v2/vectordb/jobs/import/describe", "create": "/v2/vectordb/jobs/import/create",
            "commit": "/v2/vectordb/jobs/import/commit", "abort": "/v2/vectordb/jobs/import/abort",
        }[case["call"]]
        prefix = case.get("args", {}).get("url_suffix", "").rstrip("/")
        assert requests[0].path == prefix + default, f"{label} path {requests[0].path}"
    for r in requests:
        body = r.json
        for key, value in exp.get("request_body_has", {}).items():
            assert key in body, f"{label} body lacks {key!r}: {body!r}"
            assert body[key] == value and type(body[key]) is type(value), f"{label} body[{key!r}] = {body[key]!r}, want {value!r}"
        for key in exp.get("request_body_lacks", []):
            assert key not in body, f"{label} body has {key!r}: {body!r}"
        for name, value in exp.get("request_header", {}).items():
            assert r.header(name) == value, f"{label} header {name}: {r.header(name)!r}, want {value!r}"
        for name in exp.get("request_header_absent", []):
            assert r.header(name) is None, f"{label} header {name} sent: {r.header(name)!r}"
    if mode == "c_stateless":
        assert requests[0].json == stateless_body(case), f"{label} stateless body {requests[0].json!r}"
        for name in ("Authorization", "DB-Name"):
            if name not in exp.get("request_header", {}):  # a URL's user:password is Basic auth
                assert requests[0].header(name) is None, f"{label} stateless call sent {name}"
