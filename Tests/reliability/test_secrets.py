"""Secrets and schemes.

1. The whole hostile-server and misuse matrix (secrets_matrix.py, run in its own process)
   with a distinctive API token, URL passwords, object-store keys and a proxy password:
   none of them, nor their HTTP Basic encodings, may appear in any error message, nor in
   the process's stdout or stderr.
2. Only http and https ever reach the network: other schemes are refused before any I/O
   (INVALID_ARGUMENT), as base URLs, through the stateless calls, as proxies, and as
   redirect targets (a redirect is an HTTP error; nothing is fetched from its Location).

Failure output names the secret, never prints it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support import (HERE, HTTP, INVALID_ARGUMENT, OK, OK_LIST, fixed, replying, response,
                     run_env)


def hide(text: str, secrets: dict) -> str:
    for name, value in sorted(secrets.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, f"<{name}>")
    return text


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    report = tmp_path_factory.mktemp("secrets") / "report.json"
    proc = subprocess.run([sys.executable, str(HERE / "secrets_matrix.py"), str(report)], capture_output=True,
                          timeout=80, env=run_env())
    data = json.loads(report.read_text()) if report.exists() else None
    secrets = data["secrets"] if data else {}
    if proc.returncode != 0 or data is None:
        pytest.fail(f"secrets_matrix.py failed (rc={proc.returncode}):\n"
                    + hide(proc.stderr.decode("utf-8", "replace")[-3000:], secrets))
    return {"proc": proc, **data}


def test_matrix_is_real(matrix):
    """The servers echoed the secrets they received, so the messages were put to the test:
    many show the library's "***" where a secret was."""
    results = matrix["results"]
    assert len(results) > 400, len(results)
    redacted = [r for r in results if "***" in r["message"]]
    assert len(redacted) > 100, f"only {len(redacted)} messages show a redaction"
    scenarios = {r["scenario"] for r in redacted}
    for expected in ("200-server-error", "401-envelope", "200-job-gone", "429-envelope", "403-text-rot0",
                     "502-html-title-rot0", "200-malformed-text-rot3", "407-proxy"):
        assert expected in scenarios, f"no redaction seen in scenario {expected}"
    calls = {r["call"] for r in results}
    assert {"token create", "url-password list", "via-proxy list", "stateless list"} <= calls
    assert any(r["scenario"] == "binding" for r in results) or not (HERE.parents[1] / "bindings" / "python").exists()


def test_no_secret_in_any_error_message(matrix):
    secrets = matrix["secrets"]
    leaks = []
    for r in matrix["results"]:
        found = [name for name, value in secrets.items() if value in r["message"]]
        if found:
            leaks.append(f"[{r['scenario']} / {r['call']}] leaks {', '.join(found)}: "
                         f"{hide(r['message'], secrets)[:300]}")
    if leaks:
        kinds = {}
        for r in matrix["results"]:
            for name, value in secrets.items():
                if value in r["message"]:
                    kinds.setdefault(name, set()).add(r["scenario"].split("-rot")[0])
        summary = "\n".join(f"  {name}: {len(s)} scenario(s), e.g. {sorted(s)[:6]}" for name, s in kinds.items())
        pytest.fail(f"{len(leaks)} message(s) leak secrets:\n{summary}\nexamples:\n" + "\n".join(leaks[:12]))


def test_no_secret_in_stdout_or_stderr(matrix):
    secrets = matrix["secrets"]
    proc = matrix["proc"]
    for stream, data in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        text = data.decode("utf-8", "replace")
        found = [name for name, value in secrets.items() if value in text]
        assert not found, f"{stream} holds {found}: {hide(text, secrets)[:500]}"
    # The library itself writes nothing at all.
    assert proc.stdout == b"" and proc.stderr == b"", hide((proc.stdout + proc.stderr).decode("utf-8", "replace"),
                                                           secrets)[:500]


# ======================================================================================
# Only http and https reach the network
# ======================================================================================

OTHER_SCHEMES = ["file", "ftp", "ftps", "gopher", "gophers", "dict", "scp", "sftp", "ldap", "ldaps", "telnet",
                 "tftp", "smb", "smbs", "imap", "imaps", "pop3", "pop3s", "smtp", "smtps", "rtsp", "rtmp", "mqtt",
                 "ws", "wss", "javascript", "data", "jar", "unix"]


@pytest.fixture
def listener(servers):
    """A TCP listener on 127.0.0.1 that must see no connection."""
    return servers(fixed(response(200, OK_LIST)))


@pytest.mark.parametrize("scheme", OTHER_SCHEMES)
def test_other_schemes_are_refused_before_any_io(lib, listener, scheme):
    url = f"{scheme}://127.0.0.1:{listener.port}/".encode()
    assert not lib.dll.milvus_client_new(url)
    assert lib.last()[0] == INVALID_ARGUMENT
    for name, args in (("milvus_list_import_jobs", (url, None)),
                       ("milvus_get_import_progress", (url, b"1")),
                       ("milvus_bulk_import", (url, b"c", b'[["a.parquet"]]'))):
        out = lib.text_call(name, *args)
        assert (out.code, out.http, out.server) == (INVALID_ARGUMENT, 0, 0), out.describe()
        assert "http" in out.msg
    assert listener.connections == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:/etc/passwd", "127.0.0.1:19530", "//127.0.0.1:19530",
                                 "localhost", "/v2/vectordb/jobs/import/list", "http:", "http://", "https:/x"])
def test_urls_without_an_http_authority_are_refused(lib, url):
    assert not lib.dll.milvus_client_new(url.encode())
    assert lib.last()[0] == INVALID_ARGUMENT
    out = lib.text_call("milvus_list_import_jobs", url.encode(), None)
    assert (out.code, out.http, out.server) == (INVALID_ARGUMENT, 0, 0), out.describe()


@pytest.mark.parametrize("scheme", ["HTTP", "Http", "hTTp"])
def test_scheme_case_does_not_matter(lib, client, servers, scheme):
    srv = servers(fixed(response(200, OK_LIST)))
    out = lib.list(client(f"{scheme}://127.0.0.1:{srv.port}"))
    assert out.ok and out.text == OK_LIST, out.describe()


PROXY_SCHEMES = ["file:///etc/passwd", "ftp://127.0.0.1:{port}", "gopher://127.0.0.1:{port}",
                 "dict://127.0.0.1:{port}", "ldap://127.0.0.1:{port}", "telnet://127.0.0.1:{port}",
                 "scp://127.0.0.1:{port}", "imap://127.0.0.1:{port}"]


def test_proxy_urls_with_other_schemes_are_refused(lib, client, servers, listener):
    """A proxy URL libcurl will never use is a bad value: INVALID_ARGUMENT from
    milvus_client_set_proxy (or, at the latest, from the call, before any I/O)."""
    target = servers(fixed(response(200, OK_LIST)))
    wrong = []
    for proxy in PROXY_SCHEMES:
        c = client(target.url)
        value = proxy.format(port=listener.port)
        rc = lib.dll.milvus_client_set_proxy(c, value.encode())
        if rc == OK:
            out = lib.list(c)
            if (out.code, out.http, out.server) != (INVALID_ARGUMENT, 0, 0):
                wrong.append(f"set_proxy({value!r}) accepted; the call then: {out.describe()}")
        elif rc != INVALID_ARGUMENT or lib.last()[0] != INVALID_ARGUMENT:
            wrong.append(f"set_proxy({value!r}) returned {rc}")
    assert not wrong, "\n".join(wrong)
    assert listener.connections == 0 and target.connections == 0


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["file://{canary}", "ftp://127.0.0.1:{port}/x", "gopher://127.0.0.1:{port}/x",
                                    "dict://127.0.0.1:{port}/d:x", "ldap://127.0.0.1:{port}/",
                                    "scp://127.0.0.1:{port}/x", "telnet://127.0.0.1:{port}",
                                    "http://127.0.0.1:{port}/v2/vectordb/jobs/import/list"],
                         ids=["file", "ftp", "gopher", "dict", "ldap", "scp", "telnet", "http"])
def test_redirect_targets_are_never_fetched(lib, client, servers, listener, tmp_path, status, target):
    canary = tmp_path / "canary.json"
    canary.write_text('{"code":0,"data":{"records":[{"jobId":"CANARY-FILE-READ"}]}}')
    location = target.format(canary=canary, port=listener.port)
    srv = servers(replying(lambda req: response(status, b"", None, headers={"Location": location})))
    c = client(srv.url)
    for call, request in (("milvus_client_list_import_jobs", b"{}"),
                          ("milvus_client_get_import_progress", b'{"jobId":"1"}'),
                          ("milvus_client_bulk_import", b'{"collectionName":"c","files":[["a"]]}')):
        out = lib.text_call(call, c, request)
        assert (out.code, out.http, out.server) == (HTTP, status, 0), out.describe()
        assert "redirects are not followed" in out.msg
        assert "CANARY" not in out.msg
    out = lib.text_call("milvus_list_import_jobs", srv.url.encode(), None)
    assert (out.code, out.http) == (HTTP, status), out.describe()
    assert listener.connections == 0
