"""TLS against HTTPS servers on 127.0.0.1 with a throwaway PKI made by the `openssl`
command at test time: default verification refuses an unknown CA (MILVUS_ERR_TLS, a
message naming the problem), a CA file or the insecure switch accepts, the insecure
switch is never the default, and a server that requires a client certificate accepts
one and refuses a client without. The same through the Python binding's verify= and
cert= (bindings/python)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import (INVALID_ARGUMENT, OK, OK_LIST, REPO, TLS, Conn, ScriptServer, library_path,
                     response)

BINDING = REPO / "bindings" / "python"


# ======================================================================================
# The throwaway PKI
# ======================================================================================


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{proc.stderr}")


def _issue(d: Path, name: str, subject: str, ext: str, ca: str = "ca") -> None:
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=d)
    (d / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)


def _ca(d: Path, name: str, subject: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", subject,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=d)


class PKI:
    def __init__(self, d: Path) -> None:
        self.dir = d
        _ca(d, "ca", "/CN=milvus-import throwaway CA")
        _ca(d, "other-ca", "/CN=some other CA")
        server_ext = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
        _issue(d, "server", "/CN=127.0.0.1", server_ext)
        _issue(d, "wrong-name", "/CN=milvus.invalid",
               "subjectAltName=DNS:milvus.invalid\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        client_ext = "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"
        _issue(d, "client", "/CN=milvus-import test client", client_ext)
        _issue(d, "stranger", "/CN=stranger", client_ext, ca="other-ca")
        (d / "client-combined.pem").write_text((d / "client.pem").read_text() + (d / "client.key").read_text())

    def path(self, name: str) -> str:
        return str(self.dir / name)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> PKI:
    if not shutil.which("openssl"):
        pytest.fail("the openssl command is required for the TLS tests")
    return PKI(tmp_path_factory.mktemp("pki"))


class TLSServer(ScriptServer):
    """An HTTPS ScriptServer. A failed handshake ends the way real servers end it: the
    alert is sent, then a FIN (not a RST that could overtake the alert)."""

    def __init__(self, handler, pki: PKI, cert: str = "server", require_client_cert: bool = False,
                 max_version=None) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki.path(f"{cert}.pem"), pki.path(f"{cert}.key"))
        if max_version:
            ctx.maximum_version = max_version
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(pki.path("ca.pem"))
        self.ctx = ctx
        self.handshake_failures: list = []
        self.peers: list = []
        super().__init__(handler)
        self.url = f"https://127.0.0.1:{self.port}"

    def wrap(self, sock: socket.socket) -> socket.socket:
        tls = self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        try:
            tls.settimeout(10)
            tls.do_handshake()
        except (ssl.SSLError, OSError) as err:
            self.handshake_failures.append(err)
            try:
                tls.shutdown(socket.SHUT_WR)
                while tls.recv(65536):
                    pass
            except OSError:
                pass
            raise
        cert = tls.getpeercert()
        if cert:
            self.peers.append(dict(x[0] for x in cert["subject"])["commonName"])
        return tls


def ok_handler(server, conn: Conn) -> None:
    while True:
        server.read(conn)
        conn.send(response(200, OK_LIST, close=False))


@pytest.fixture
def https(pki):
    started = []

    def start(**kw) -> TLSServer:
        srv = TLSServer(ok_handler, pki, **kw)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.close()


def wait_for(condition, seconds: float = 2.0) -> bool:
    """The server's threads record what they saw a moment after the client returns."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def tls_failure(out, *fragments):
    assert not out.ok, f"expected a TLS failure, got {out.text[:100]!r}"
    assert (out.code, out.http, out.server) == (TLS, 0, 0), out.describe()
    assert out.msg.startswith("list import jobs: TLS failed: "), out.msg
    for fragment in fragments:
        assert fragment in out.msg, f"{fragment!r} not in {out.msg!r}"


# ======================================================================================
# Server verification
# ======================================================================================


def test_default_verification_rejects_an_unknown_ca(lib, client, https):
    srv = https()
    out = lib.list(client(srv.url))
    tls_failure(out, "SSL certificate problem: unable to get local issuer certificate")
    assert srv.requests == []


def test_the_insecure_switch_is_never_the_default(lib, https):
    srv = https()
    handle = lib.dll.milvus_client_new(srv.url.encode())
    try:
        assert lib.dll.milvus_client_set_max_retries(handle, 0) == OK
        assert lib.dll.milvus_client_set_proxy(handle, b"") == OK
        tls_failure(lib.list(handle), "certificate")
    finally:
        lib.free_client(handle)
    # The stateless functions too (their own defaults; TLS failures are not retried).
    out = lib.text_call("milvus_list_import_jobs", srv.url.encode(), None)
    assert (out.code, out.http) == (TLS, 0) and "certificate" in out.msg, out.describe()
    assert "attempts" not in out.msg
    assert srv.requests == []


def test_ca_file_accepts(lib, client, https, pki):
    srv = https()
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    out = lib.list(c)
    assert out.ok and out.text == OK_LIST, out.describe()
    assert len(srv.requests) == 1


def test_insecure_switch_accepts_and_can_be_turned_off_again(lib, client, https, pki):
    srv = https()
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 0, None) == OK
    assert lib.list(c).ok
    assert lib.milvus_client_set_tls(c, 1, None) == OK
    tls_failure(lib.list(c), "unable to get local issuer certificate")
    assert lib.milvus_client_set_tls(c, 1, b"") == OK
    tls_failure(lib.list(c), "unable to get local issuer certificate")
    assert len(srv.requests) == 1


def test_a_different_ca_is_refused(lib, client, https, pki):
    srv = https()
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("other-ca.pem").encode()) == OK
    tls_failure(lib.list(c), "certificate")
    assert srv.requests == []


def test_host_name_mismatch_is_refused(lib, client, https, pki):
    srv = https(cert="wrong-name")
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    tls_failure(lib.list(c), "127.0.0.1")
    assert srv.requests == []
    # The insecure switch also skips the host name check.
    assert lib.milvus_client_set_tls(c, 0, None) == OK
    assert lib.list(c).ok


@pytest.mark.parametrize("ca", ["missing.pem", "server.key", "empty.pem"])
def test_unusable_ca_file(lib, client, https, pki, ca, tmp_path):
    (pki.dir / "empty.pem").write_text("")
    srv = https()
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path(ca).encode()) == OK  # not read until the first call
    tls_failure(lib.list(c))
    assert srv.requests == []


# ======================================================================================
# Client certificates
# ======================================================================================

TLS_VERSIONS = {"tls1.3": None, "tls1.2": ssl.TLSVersion.TLSv1_2}


@pytest.mark.parametrize("version", list(TLS_VERSIONS))
def test_client_certificate_required(lib, client, https, pki, version):
    srv = https(require_client_cert=True, max_version=TLS_VERSIONS[version])
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    assert lib.milvus_client_set_client_cert(c, pki.path("client.pem").encode(), pki.path("client.key").encode()) == OK
    out = lib.list(c)
    assert out.ok, out.describe()
    assert lib.milvus_client_set_client_cert(c, pki.path("client-combined.pem").encode(), None) == OK
    out = lib.list(c)
    assert out.ok, out.describe()
    assert srv.peers == ["milvus-import test client"] * 2
    assert len(srv.requests) == 2


@pytest.mark.parametrize("version", list(TLS_VERSIONS))
def test_no_client_certificate_is_refused_as_tls(lib, client, https, pki, version):
    """Without a client certificate the server refuses the handshake. With TLS 1.3 the
    client learns it from an alert after its own side of the handshake is done (libcurl
    then reports a receive error), yet it is still a TLS failure: MILVUS_ERR_TLS."""
    srv = https(require_client_cert=True, max_version=TLS_VERSIONS[version])
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    out = lib.list(c)
    tls_failure(out, "alert")
    assert srv.requests == []
    assert wait_for(lambda: len(srv.handshake_failures) == 1), "the server saw no failed handshake"


@pytest.mark.parametrize("version", list(TLS_VERSIONS))
def test_a_certificate_from_another_ca_is_refused_as_tls(lib, client, https, pki, version):
    srv = https(require_client_cert=True, max_version=TLS_VERSIONS[version])
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    assert lib.milvus_client_set_client_cert(c, pki.path("stranger.pem").encode(),
                                             pki.path("stranger.key").encode()) == OK
    tls_failure(lib.list(c), "alert")
    assert srv.requests == []


@pytest.mark.parametrize("cert,key,fragment", [
    ("missing.pem", None, "missing.pem"),
    ("client.pem", "server.key", "private key"),
    ("client.key", None, "client"),
])
def test_unusable_client_certificate(lib, client, https, pki, cert, key, fragment):
    srv = https(require_client_cert=True)
    c = client(srv.url)
    assert lib.milvus_client_set_tls(c, 1, pki.path("ca.pem").encode()) == OK
    assert lib.milvus_client_set_client_cert(c, pki.path(cert).encode(), pki.path(key).encode() if key else None) == OK
    tls_failure(lib.list(c), fragment)
    assert srv.requests == []


def test_client_key_without_certificate_is_invalid(lib, client, https, pki):
    srv = https()
    c = client(srv.url)
    out = lib.status_call("milvus_client_set_client_cert", c, None, pki.path("client.key").encode())
    assert out.code == INVALID_ARGUMENT, out.describe()
    assert srv.connections == 0


# ======================================================================================
# The same through the Python binding (verify=, cert=)
# ======================================================================================


@pytest.fixture(scope="module")
def binding():
    if not (BINDING / "milvus_import" / "__init__.py").exists():
        pytest.skip(f"the Python binding is not in this checkout ({BINDING} is missing)")
    os.environ["MILVUS_IMPORT_LIBRARY"] = library_path()
    sys.path.insert(0, str(BINDING))
    import milvus_import  # noqa: PLC0415

    return milvus_import


def test_binding_client_verify(binding, https, pki):
    srv = https()
    with binding.Client(srv.url, max_retries=0) as c:
        with pytest.raises(binding.TLSError) as caught:
            c.list_import_jobs()
    err = caught.value
    assert (err.kind, int(err.status), err.http_status, err.server_code) == ("tls", TLS, 0, 0)
    assert "unable to get local issuer certificate" in err.message
    with binding.Client(srv.url, verify=pki.path("ca.pem"), max_retries=0) as c:
        assert c.list_import_jobs() == {"code": 0, "data": {"records": []}}
    with binding.Client(srv.url, verify=Path(pki.path("ca.pem")), max_retries=0) as c:
        assert c.list_import_jobs()["code"] == 0
    with binding.Client(srv.url, verify=False, max_retries=0) as c:
        assert c.list_import_jobs()["code"] == 0
    with binding.Client(srv.url, verify=True, max_retries=0) as c:
        with pytest.raises(binding.TLSError):
            c.list_import_jobs()


def test_binding_client_cert(binding, https, pki):
    srv = https(require_client_cert=True)
    ca = pki.path("ca.pem")
    with binding.Client(srv.url, verify=ca, cert=(pki.path("client.pem"), pki.path("client.key")),
                        max_retries=0) as c:
        assert c.list_import_jobs()["code"] == 0
    with binding.Client(srv.url, verify=ca, cert=pki.path("client-combined.pem"), max_retries=0) as c:
        assert c.list_import_jobs()["code"] == 0
    with binding.Client(srv.url, verify=ca, max_retries=0) as c:
        with pytest.raises(binding.MilvusImportError) as caught:
            c.list_import_jobs()
    assert isinstance(caught.value, binding.TLSError), repr(caught.value)
    assert srv.peers == ["milvus-import test client"] * 2


def test_binding_functions_verify_and_cert(binding, https, pki):
    srv = https()
    with pytest.raises(binding.TLSError):
        binding.list_import_jobs(srv.url, collection_name="c")
    resp = binding.list_import_jobs(srv.url, collection_name="c", verify=pki.path("ca.pem"))
    assert resp == {"code": 0, "data": {"records": []}}
    assert binding.list_import_jobs(srv.url, verify=False)["code"] == 0
    mtls = https(require_client_cert=True)
    resp = binding.list_import_jobs(mtls.url, verify=pki.path("ca.pem"),
                                    cert=(pki.path("client.pem"), pki.path("client.key")))
    assert resp["code"] == 0
    assert mtls.peers == ["milvus-import test client"]
    with pytest.raises(binding.MilvusImportError) as caught:
        binding.list_import_jobs(mtls.url, verify=pki.path("ca.pem"))
    assert isinstance(caught.value, binding.TLSError), repr(caught.value)
