"""Shared setup: library path, loopback-only proxies, fixtures."""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "support")]

from integration_support import RawC, RecordingServer, library_path  # noqa: E402

# Everything talks to 127.0.0.1 only: never route it through a proxy from the environment.
for _name in ("NO_PROXY", "no_proxy"):
    _have = [p for p in os.environ.get(_name, "").split(",") if p]
    os.environ[_name] = ",".join(_have + ["127.0.0.1", "localhost"])

# The package under test loads build/lib's library, unless MILVUS_IMPORT_TEST_INSTALLED is
# set: then an installed package finds its own copy (Tests/wheel runs a subset so).
if not os.environ.get("MILVUS_IMPORT_TEST_INSTALLED"):
    os.environ.setdefault("MILVUS_IMPORT_LIBRARY", library_path())


def pytest_report_header(config: pytest.Config) -> str:
    try:
        import milvus_import

        where = os.path.dirname(milvus_import.__file__)
    except ImportError as err:
        where = f"not importable: {err}"
    library = os.environ.get("MILVUS_IMPORT_LIBRARY", "the package's own copy")
    return f"libmilvus_import: {library}; milvus_import package: {where}"


@pytest.fixture(scope="session")
def raw() -> RawC:
    path = library_path()
    if not os.path.exists(path):
        pytest.fail(f"library not built: {path} (run `make`)")
    return RawC(path)


@pytest.fixture
def server_factory():
    servers = []

    def make(responder):
        s = RecordingServer(responder)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()
