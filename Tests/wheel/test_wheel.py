"""The wheel and the sdist that `make wheel` leaves in build/dist (mk/wheel.mk): the wheel
installed into a fresh venv loads its own library with no environment variable and passes
a smoke subset of the binding's tests; its manylinux tag is the one auditwheel reports;
its library exports only milvus_* and finds libcurl, libjansson and OpenSSL in the
wheel's milvus_import.libs/; the sdist carries what builds the library and says what it
needs when there is no toolchain."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
import tarfile
import threading
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "build" / "dist"
WHEEL_VENV_BIN = REPO / "build" / "venv-wheel" / "bin"
VERSION = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', (REPO / "include" / "milvus_import.h").read_text()).group(1)
SONAME = f"libmilvus_import.so.{VERSION.split('.')[0]}"

# The smoke subset of the binding's own tests run from the installed wheel: request bodies,
# connection reuse, waiting, HTTPS through the bundled libcurl and OpenSSL, the CA probe,
# and the main flows against the emulator as Milvus 3.0.
SMOKE_FILES = ["Tests/integration/test_binding.py", "Tests/integration/test_emulator_flow.py"]
SMOKE_TESTS = {
    "test_request_body_matches_pymilvus", "test_client_reuses_one_connection",
    "test_wait_until_completed_with_progress", "test_tls_verification", "test_verify_true_ca_file_probe",
    "test_verify_true_trusts_ssl_cert_file", "test_create_wait_list_describe", "test_two_phase_commit_and_abort",
    "test_errors_from_the_emulator",
}
SMOKE_SELECT = (
    "(create_wait_list_describe or two_phase_commit_and_abort or errors_from_the_emulator) and 3.0"
    " or request_body_matches_pymilvus or client_reuses_one_connection or wait_until_completed_with_progress"
    " or tls_verification or verify_true"
)


def _one(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"{DIST}/{pattern}: {found} (run `make wheel`)"
    return found[0]


@pytest.fixture(scope="module")
def wheel() -> Path:
    return _one(f"milvus_import-{VERSION}-py3-none-manylinux_*_x86_64.whl")


@pytest.fixture(scope="module")
def sdist() -> Path:
    return _one(f"milvus_import-{VERSION}.tar.gz")


def _clean_env(**extra: str) -> Dict[str, str]:
    """This environment without anything that could point at a library or CA file."""
    drop = ("MILVUS_IMPORT_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH", "SSL_CERT_FILE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Dict[str, Path]:
    """A fresh venv with the wheel installed from the file alone. The smoke run's own
    dependencies (pytest, pymilvus) come from the test venv through a .pth, which puts them
    after the fresh venv's site-packages, so `milvus_import` is the wheel's."""
    root = tmp_path_factory.mktemp("wheel-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
                    str(wheel)], check=True, env=_clean_env())
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return {"python": python, "site": site, "cwd": root}


def test_installed_package_loads_its_own_library(venv) -> None:
    probe = ("import json, milvus_import as m; print(json.dumps([m.__file__, m.library_path(), "
             "m.library_version(), m.__version__]))")
    res = subprocess.run([str(venv["python"]), "-c", probe], cwd=venv["cwd"], env=_clean_env(),
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    package = venv["site"] / "milvus_import"
    assert json.loads(res.stdout) == [str(package / "__init__.py"), str(package / SONAME), VERSION, VERSION]


def test_binding_smoke_subset_from_the_wheel(venv) -> None:
    res = subprocess.run(
        [str(venv["python"]), "-m", "pytest", "-v", "-p", "no:cacheprovider", "-k", SMOKE_SELECT,
         *[str(REPO / f) for f in SMOKE_FILES]],
        cwd=venv["cwd"], env=_clean_env(MILVUS_IMPORT_TEST_INSTALLED="1"), capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    header = f"libmilvus_import: the package's own copy; milvus_import package: {venv['site'] / 'milvus_import'}"
    assert header in res.stdout
    outcomes: Dict[str, List[str]] = {}
    for name, outcome in re.findall(r"::(test_\w+)(?:\[[^\]]*\])? (PASSED|FAILED|SKIPPED|ERROR)", res.stdout):
        outcomes.setdefault(name, []).append(outcome)
    assert set(outcomes) == SMOKE_TESTS
    assert {o for runs in outcomes.values() for o in runs} == {"PASSED"}


@pytest.fixture(scope="module")
def https_url(tmp_path_factory) -> Iterator[Dict[str, str]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate that answers every POST
    with an empty job list."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = b'{"code":0,"data":{"records":[]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"https://127.0.0.1:{server.server_address[1]}", "cert": str(cert)}
    server.shutdown()
    server.server_close()


# How each host keeps its CA store, made in a private mount namespace over an overlay of
# /etc: the server's certificate as the only CA, where that distribution has its bundle.
HOSTS = {
    "debian": "cp {cert} /etc/ssl/certs/ca-certificates.crt",
    "rhel": "rm /etc/ssl/certs/ca-certificates.crt && mkdir -p /etc/pki/tls/certs"
            " && cp {cert} /etc/pki/tls/certs/ca-bundle.crt",
}


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_https_with_the_hosts_ca_store(host, venv, https_url, tmp_path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to lay out another distribution's /etc")
    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    call = "import milvus_import as m, sys; print(m.Client(sys.argv[1], max_retries=0).list_import_jobs())"
    script = (f"mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc && "
              + HOSTS[host].format(cert=https_url["cert"]) + ' && exec "$0" -c "$1" "$2"')
    res = subprocess.run(["unshare", "-m", "sh", "-c", script, str(venv["python"]), call, https_url["url"]],
                         cwd=venv["cwd"], env=_clean_env(), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "{'code': 0, 'data': {'records': []}}\n"


def test_auditwheel_tag_is_honest(wheel) -> None:
    res = subprocess.run([str(WHEEL_VENV_BIN / "auditwheel"), "show", str(wheel)], capture_output=True, text=True,
                         env=_clean_env(PATH=f"{WHEEL_VENV_BIN}:{os.environ['PATH']}"))
    assert res.returncode == 0, res.stderr
    reported = re.search(r'consistent\s+with\s+the\s+following\s+platform\s+tag:\s+"([^"]+)"', res.stdout)
    assert reported, res.stdout
    tag = wheel.name[:-len(".whl")].split("-")[-1]
    assert reported.group(1) == tag and re.fullmatch(r"manylinux_2_\d+_x86_64", tag)
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"milvus_import-{VERSION}.dist-info/WHEEL").decode()
    assert f"Tag: py3-none-{tag}\n" in meta and "Root-Is-Purelib: false\n" in meta


def test_build_dist_holds_the_wheel_and_the_sdist_only(wheel, sdist) -> None:
    assert sorted(os.listdir(DIST)) == sorted([wheel.name, sdist.name])


def test_bundled_library_exports_only_milvus(venv) -> None:
    res = subprocess.run(["nm", "-D", "--defined-only", str(venv["site"] / "milvus_import" / SONAME)],
                         capture_output=True, text=True, check=True)
    names = [line.split()[-1] for line in res.stdout.splitlines() if line.strip()]
    assert "milvus_version" in names and "milvus_client_new" in names
    assert [n for n in names if not n.startswith("milvus_")] == []


def test_library_finds_its_dependencies_in_the_wheel(venv) -> None:
    res = subprocess.run(["ldd", str(venv["site"] / "milvus_import" / SONAME)], env=_clean_env(),
                         capture_output=True, text=True, check=True)
    assert "not found" not in res.stdout, res.stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", res.stdout, re.M))
    libs = venv["site"] / "milvus_import.libs"
    for stem in ("libjansson", "libcurl", "libssl", "libcrypto"):
        mine = [path for name, path in resolved.items() if re.match(rf"{stem}-[0-9a-f]{{8}}\.so", name)]
        assert len(mine) == 1, (stem, res.stdout)
        assert Path(os.path.realpath(mine[0])).parent == libs
    assert not [name for name in resolved if re.match(r"lib(jansson|curl|ssl|crypto)\.so", name)], res.stdout


def test_sdist_carries_what_builds_the_library(sdist) -> None:
    top = f"milvus_import-{VERSION}/"
    with tarfile.open(sdist) as t:
        names = {n[len(top):] for n in t.getnames()}
    for needed in ("setup.py", "pyproject.toml", "PKG-INFO", "Makefile", "Package.swift", "mk/exports.map",
                   "include/milvus_import.h", "Sources/MilvusImportC/Exports.swift", "milvus_import/__init__.py",
                   "milvus_import/_lib.py", "LICENSE", "NOTICE"):
        assert needed in names, needed
    assert not [n for n in names if "libmilvus_import.so" in n or "__pycache__" in n]


def test_sdist_without_a_toolchain_says_what_it_needs(sdist, tmp_path) -> None:
    with tarfile.open(sdist) as t:
        t.extractall(tmp_path, filter="data")
    build = "import setuptools.build_meta as b; b.build_wheel('out')"
    res = subprocess.run([str(WHEEL_VENV_BIN / "python"), "-c", build], cwd=tmp_path / f"milvus_import-{VERSION}",
                         env=_clean_env(SWIFT="/nonexistent/swift"), capture_output=True, text=True)
    assert res.returncode != 0
    assert "building the library from source needs a Swift 6.3 toolchain" in res.stderr + res.stdout
    assert list((tmp_path / f"milvus_import-{VERSION}").glob("out/*.whl")) == []
