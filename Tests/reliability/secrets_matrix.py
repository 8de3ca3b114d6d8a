"""The secrets matrix, run in a process of its own by test_secrets.py (whose stdout and
stderr are then searched too).

usage: python secrets_matrix.py REPORT.json

Every hostile-server scenario of this suite, as servers that echo everything they
received (request line, headers, Basic credentials decoded, body) into their answers,
reached through clients holding a distinctive API token, a password inside the URL,
object-store keys in create requests and a password inside the proxy URL; plus the
caller-misuse cases that carry those secrets. Writes every error message (and, when
bindings/python is present, the binding's exception texts) to REPORT.json. Prints nothing.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "support")]

from support import (NO_CALLBACK, OK, REPO, Lib, ScriptServer, library_path,  # noqa: E402
                     refused_port, response)

TOKEN = "tok-Z9q7XK2mLw4"
TOKEN_USER_PASS = "root:tokpw-Vb71"
URL_USER, URL_PASSWORD = "svcuser", "pw-R8vT3nQx"
URL_PASSWORD_ENCODED, URL_PASSWORD_DECODED = "p%40ss-J6yH%2F1", "p@ss-J6yH/1"
ACCESS_KEY = "AKIA-TESTKEY-7HQ2"
SECRET_KEY = "sk-wJalr-XUtnF-EMI"
PROXY_USER, PROXY_PASSWORD = "puser", "px-Kd93-Lq"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: name -> the text that must never appear in an error message or in the process output.
SECRETS = {
    "api token": TOKEN,
    "password of a user:password token": TOKEN_USER_PASS.split(":", 1)[1],
    "URL password": URL_PASSWORD,
    "URL password (percent-encoded)": URL_PASSWORD_ENCODED,
    "URL password (decoded)": URL_PASSWORD_DECODED,
    "object-store access key": ACCESS_KEY,
    "object-store secret key": SECRET_KEY,
    "proxy password": PROXY_PASSWORD,
    "URL credentials as HTTP Basic": b64(f"{URL_USER}:{URL_PASSWORD}"),
    "encoded URL credentials as HTTP Basic": b64(f"{URL_USER}:{URL_PASSWORD_DECODED}"),
    "token credentials as HTTP Basic": b64(TOKEN_USER_PASS),
    "proxy credentials as HTTP Basic": b64(f"{PROXY_USER}:{PROXY_PASSWORD}"),
}

KEYS = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
CREATE = json.dumps({"collectionName": "c", "files": [["a.parquet"]], **KEYS}).encode()
CREATE_CLOUD = json.dumps({"collectionName": "c", "clusterId": "in01-x", "objectUrl": "s3://b/a.parquet",
                           **KEYS}).encode()
JOB = json.dumps({"jobId": "448761313698322011"}).encode()


# ======================================================================================
# Echoing servers
# ======================================================================================


def echo_parts(req) -> list:
    """What the server received, secret-bearing parts first: Authorization,
    Proxy-Authorization, any Basic credentials decoded, the body, the whole head."""
    auth = req.header("Authorization") or ""
    proxy_auth = req.header("Proxy-Authorization") or ""
    decoded = []
    for value in (auth, proxy_auth):
        if value.startswith("Basic "):
            try:
                decoded.append(base64.b64decode(value[6:]).decode("utf-8", "replace"))
            except ValueError:
                pass
    return [f"auth={auth}", f"proxy-auth={proxy_auth}", "basic=" + " ".join(decoded),
            "body=" + req.body.decode("utf-8", "replace"), "head=" + req.raw_head.decode("latin-1")]


def echo(req, rotate: int = 0) -> str:
    parts = echo_parts(req)
    k = rotate % len(parts)
    return " | ".join(parts[k:] + parts[:k])


def replying_echo(make):
    def handler(server, conn):
        req = server.read(conn)
        conn.send(make(req))
    return handler


def scenario_servers():
    """name -> (handler, extra client settings)."""
    scenarios = {}
    for r in range(5):  # the snippet shows 120 characters: each part first once
        scenarios[f"403-text-rot{r}"] = replying_echo(
            lambda req, r=r: response(403, echo(req, r), "text/plain"))
        scenarios[f"502-html-title-rot{r}"] = replying_echo(
            lambda req, r=r: response(502, f"<html><head><title>{echo(req, r)}</title></head></html>", "text/html"))
        scenarios[f"200-malformed-text-rot{r}"] = replying_echo(
            lambda req, r=r: response(200, echo(req, r), "text/plain"))
        scenarios[f"404-text-rot{r}"] = replying_echo(
            lambda req, r=r: response(404, echo(req, r), "text/plain"))
    scenarios["200-server-error"] = replying_echo(
        lambda req: response(200, json.dumps({"code": 1100, "message": echo(req)})))
    scenarios["401-envelope"] = replying_echo(
        lambda req: response(401, json.dumps({"code": 1800, "message": echo(req)})))
    scenarios["200-job-gone"] = replying_echo(
        lambda req: response(200, json.dumps({"code": 2100, "message": "import job does not exist: " + echo(req)})))
    scenarios["429-envelope"] = replying_echo(
        lambda req: response(429, json.dumps({"code": 1807, "message": echo(req)}), headers={"Retry-After": "0"}))
    scenarios["200-json-array"] = replying_echo(lambda req: response(200, json.dumps([echo(req)])))
    scenarios["200-code-string"] = replying_echo(
        lambda req: response(200, json.dumps({"code": "1", "message": echo(req)})))
    scenarios["200-duplicate-keys"] = replying_echo(
        lambda req: response(200, b'{"code":0,"code":1,"message":' + json.dumps(echo(req)).encode() + b"}"))
    scenarios["302-redirect"] = replying_echo(lambda req: response(
        302, echo(req), "text/plain",
        headers={"Location": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:1/?token={TOKEN}&sk={SECRET_KEY}"}))
    scenarios["407-proxy"] = replying_echo(lambda req: response(
        407, f"<html><head><title>{echo(req, 1)}</title></head></html>", "text/html",
        headers={"Proxy-Authenticate": 'Basic realm="p"'}))

    def reset(server, conn):
        server.read(conn)
        conn.reset()

    def truncated(server, conn):
        server.read(conn)
        body = echo(server.requests[-1]).encode()
        conn.send(response(200, body, "text/plain", length=len(body) + 50))

    def stall(server, conn):
        server.read(conn)
        server.stop.wait(10)

    def big(server, conn):
        server.read(conn)
        conn.send(response(200, (echo(server.requests[-1]) * 50).encode(), "text/plain"))

    def not_http(server, conn):
        server.read(conn)
        conn.send(echo(server.requests[-1]).encode() + b"\r\n\r\n")

    scenarios["reset"] = reset
    scenarios["truncated"] = truncated
    scenarios["timeout"] = stall
    scenarios["too-large"] = big
    scenarios["not-http"] = not_http
    return scenarios


# ======================================================================================
# Clients and calls
# ======================================================================================


def run(lib: Lib, report: list) -> None:
    d = lib.dll

    def record(scenario: str, call: str, out) -> None:
        report.append({"scenario": scenario, "call": call, "ok": out.ok, "kind": out.code,
                       "http": out.http, "message": out.message.decode("utf-8", "replace")})

    def configure(handle, scenario):
        assert d.milvus_client_set_max_retries(handle, 0) == OK
        assert d.milvus_client_set_timeout_ms(handle, 100 if scenario == "timeout" else 5000) == OK
        if scenario == "too-large":
            assert d.milvus_client_set_max_response_bytes(handle, 64) == OK
        return handle

    def calls(scenario, handle, label):
        record(scenario, f"{label} list", lib.list(handle))
        record(scenario, f"{label} create", lib.text_call("milvus_client_bulk_import", handle, CREATE))
        record(scenario, f"{label} create-cloud", lib.text_call("milvus_client_bulk_import", handle, CREATE_CLOUD))
        record(scenario, f"{label} describe", lib.text_call("milvus_client_get_import_progress", handle, JOB))
        record(scenario, f"{label} commit", lib.text_call("milvus_client_commit_import", handle, JOB))
        record(scenario, f"{label} wait", lib.text_call("milvus_client_wait_import_job", handle,
                                                        b"448761313698322011", 2000, 50, NO_CALLBACK, None))

    for scenario, handler in scenario_servers().items():
        srv = ScriptServer(handler)
        host = f"127.0.0.1:{srv.port}"
        try:
            clients = {
                "token": f"http://{host}",
                "user-pass-token": f"http://{host}",
                "url-password": f"http://{URL_USER}:{URL_PASSWORD}@{host}",
                "url-password-encoded": f"http://{URL_USER}:{URL_PASSWORD_ENCODED}@{host}/milvus",
            }
            for label, url in clients.items():
                handle = configure(lib.client(url), scenario)
                try:
                    if label == "token":
                        assert d.milvus_client_set_api_key(handle, TOKEN.encode()) == OK
                        assert d.milvus_client_set_header(handle, b"X-Api-Key", TOKEN.encode()) == OK
                    if label == "user-pass-token":
                        assert d.milvus_client_set_api_key(handle, TOKEN_USER_PASS.encode()) == OK
                    calls(scenario, handle, label)
                finally:
                    lib.free_client(handle)
            # The scenario server as an HTTP proxy with credentials, for a target never reached.
            target = f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{refused_port()}"
            handle = configure(lib.client(target, proxy=f"http://{PROXY_USER}:{PROXY_PASSWORD}@{host}"), scenario)
            try:
                assert d.milvus_client_set_api_key(handle, TOKEN.encode()) == OK
                calls(scenario, handle, "via-proxy")
            finally:
                lib.free_client(handle)
            if scenario not in ("timeout", "429-envelope", "reset"):  # stateless calls retry those
                url = f"http://{URL_USER}:{URL_PASSWORD}@{host}".encode()
                record(scenario, "stateless list", lib.text_call("milvus_list_import_jobs", url, b"c"))
                record(scenario, "stateless describe", lib.text_call("milvus_get_import_progress", url, b"1"))
                record(scenario, "stateless create",
                       lib.text_call("milvus_bulk_import", url, b"c", b'[["a.parquet"]]'))
        finally:
            srv.close()

    # Transport failures with credentials in the URL: refused, and TLS to a non-TLS server.
    for label, url in {
        "refused": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{refused_port()}",
        "tls": None,
    }.items():
        srv = None
        if url is None:
            # Answers plain HTTP to the ClientHello: a TLS failure on the client's side.
            srv = ScriptServer(lambda server, conn: conn.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
            url = f"https://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{srv.port}"
        handle = configure(lib.client(url), label)
        try:
            assert d.milvus_client_set_api_key(handle, TOKEN.encode()) == OK
            calls(label, handle, "url-password")
        finally:
            lib.free_client(handle)
            if srv:
                srv.close()

    misuse(lib, record)
    binding(report)


def misuse(lib: Lib, record) -> None:
    """Refused arguments that carry secrets."""
    d = lib.dll
    port = refused_port()
    handle = lib.client(f"http://127.0.0.1:{port}")
    try:
        requests = {
            "wrong type beside the keys": {"collectionName": 5, **KEYS},
            "bad files beside the keys": {"collectionName": "c", "files": "a.parquet", **KEYS},
            "key of the wrong type": {"collectionName": "c", "files": [["a"]], "accessKey": ACCESS_KEY,
                                      "secretKey": [SECRET_KEY]},
        }
        for label, body in requests.items():
            record("misuse", label, lib.text_call("milvus_client_bulk_import", handle, json.dumps(body).encode()))
        raw = {
            "secret key read from a file with its newline":
                b'{"collectionName":"c","files":[["a"]],"accessKey":"' + ACCESS_KEY.encode()
                + b'","secretKey":"' + SECRET_KEY.encode() + b'\n"}',
            "access key with a tab": b'{"collectionName":"c","files":[["a"]],"accessKey":"' + ACCESS_KEY.encode()
                                     + b'\t","secretKey":"' + SECRET_KEY.encode() + b'"}',
            "request cut after the secret key": b'{"collectionName":"c","accessKey":"' + ACCESS_KEY.encode()
                                                + b'","secretKey":"' + SECRET_KEY.encode(),
            "unquoted keys": b'{"collectionName":"c","accessKey":' + ACCESS_KEY.encode() + b',"secretKey":'
                             + SECRET_KEY.encode() + b"}",
            "token field with a NUL escape": b'{"collectionName":"c","token":"' + TOKEN.encode() + b'\\u0000"}',
        }
        for label, body in raw.items():
            record("misuse", label, lib.text_call("milvus_client_bulk_import", handle, body))
        for label, args in {
            "token with CR LF": ("milvus_client_set_api_key", (TOKEN.encode() + b"\r\nX: 1",)),
            "token with a control character": ("milvus_client_set_api_key", (b"\x01" + TOKEN.encode(),)),
            "Authorization header with LF": ("milvus_client_set_header", (b"Authorization",
                                                                          b"Bearer " + TOKEN.encode() + b"\n")),
            "secret header with LF": ("milvus_client_set_header", (b"X-Secret-Key", SECRET_KEY.encode() + b"\n")),
            "proxy URL with a space": ("milvus_client_set_proxy",
                                       (f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:1 x".encode(),)),
        }.items():
            name, rest = args
            record("misuse", label, lib.status_call(name, handle, *rest))
    finally:
        lib.free_client(handle)
    for label, url in {
        "bad port": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:99999/",
        "query string": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:1/?a=b",
        "fragment": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:1/#top",
        "ftp scheme": f"ftp://{URL_USER}:{URL_PASSWORD}@127.0.0.1:1/",
        "file scheme": f"file://{URL_USER}:{URL_PASSWORD}@localhost/etc/passwd",
        "bad IPv6": f"http://{URL_USER}:{URL_PASSWORD}@[::1/",
        "space": f"http://{URL_USER}:{URL_PASSWORD} @127.0.0.1:1/",
        "no scheme": f"{URL_USER}:{URL_PASSWORD}@127.0.0.1:1",
        "bad escape in password": f"http://{URL_USER}:{URL_PASSWORD}%zz@127.0.0.1:99999/",
    }.items():
        assert not d.milvus_client_new(url.encode())
        code, http, server, message = lib.last()
        record("misuse", f"client_new {label}", type("O", (), {"ok": False, "code": code, "http": http,
                                                               "message": message})())
        record("misuse", f"stateless {label}", lib.text_call("milvus_list_import_jobs", url.encode(), None))


def binding(report: list) -> None:
    """The Python binding's exceptions and reprs (when bindings/python is present)."""
    if not (REPO / "bindings" / "python" / "milvus_import" / "__init__.py").exists():
        return
    os.environ["MILVUS_IMPORT_LIBRARY"] = library_path()
    sys.path.insert(0, str(REPO / "bindings" / "python"))
    import milvus_import  # noqa: PLC0415

    srv = ScriptServer(replying_echo(lambda req: response(401, json.dumps({"code": 1800, "message": echo(req)}))))
    try:
        url = f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{srv.port}"
        with milvus_import.Client(url, api_key=TOKEN, max_retries=0, proxy="") as client:
            texts = [repr(client), str(client)]
            for call in (lambda: client.list_import_jobs(collection_name="c"),
                         lambda: client.bulk_import("c", files=[["a.parquet"]], access_key=ACCESS_KEY,
                                                    secret_key=SECRET_KEY)):
                try:
                    call()
                except milvus_import.MilvusImportError as err:
                    texts += [str(err), repr(err), err.message, str(err.args)]
        try:
            milvus_import.list_import_jobs(url, api_key=TOKEN)
        except milvus_import.MilvusImportError as err:
            texts += [str(err), repr(err)]
        for text in texts:
            report.append({"scenario": "binding", "call": "python", "ok": False, "kind": -1, "http": 0,
                           "message": text})
    finally:
        srv.close()


def main() -> int:
    out = Path(sys.argv[1])
    report: list = []
    started = time.monotonic()
    run(Lib(), report)
    out.write_text(json.dumps({"secrets": SECRETS, "results": report,
                               "seconds": time.monotonic() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
