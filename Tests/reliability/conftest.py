"""Fixtures of the reliability suite: the library (raw ctypes), a watchdog per test, and a
process without proxy variables (the stateless calls read them)."""

from __future__ import annotations

import faulthandler
import os
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "support")]

import support  # noqa: E402

for _name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
              "no_proxy", "NO_PROXY"):
    os.environ.pop(_name, None)

# A hung call must fail the run, not stall CI: no test here needs more than a minute.
WATCHDOG_SECONDS = 90


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def lib() -> support.Lib:
    path = support.library_path()
    if not Path(path).exists():
        pytest.fail(f"the library is not built: {path} (run make, or set MILVUS_IMPORT_LIBRARY)")
    return support.Lib(path)


@pytest.fixture(scope="session")
def cbin(tmp_path_factory):
    """Compiles a C program of this directory once per session: cbin("name") -> path."""
    out = tmp_path_factory.mktemp("cbin")
    built = {}

    def build(name: str) -> Path:
        if name not in built:
            built[name] = support.compile_c(support.HERE / f"{name}.c", out)
        return built[name]

    return build


@pytest.fixture
def servers():
    """Servers started by a test, closed after it."""
    started = []

    def start(handler, listen: bool = True) -> support.ScriptServer:
        srv = support.ScriptServer(handler, listen=listen)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.close()
    for srv in started:
        assert not srv.errors, f"a test server failed: {srv.errors!r}"


@pytest.fixture
def client(lib):
    """Clients made by a test (lib.client defaults), freed after it."""
    made = []

    def make(url, **kw) -> int:
        handle = lib.client(url, **kw)
        made.append(handle)
        return handle

    yield make
    for handle in made:
        lib.free_client(handle)
