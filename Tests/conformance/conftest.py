"""Fixtures for the conformance tests.

- `real_milvus_url` (session): base URL of a real Milvus 2.3.5 (PyPI `milvus`) on 127.0.0.1,
  started once per session and stopped at its end; skips, loudly, only when the package
  cannot be installed (see real_milvus.py).
- Tests/emulator, Tests/support and Tests/conformance are on sys.path: `from harness import
  Emulator`, `import milvus_abi`, `from pymilvus_flow import pymilvus_flow`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for p in (HERE, HERE.parent / "emulator", HERE.parent / "support"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from real_milvus import VERSION, NotInstallable, RealMilvus  # noqa: E402

_SKIP_BANNER = "!" * 100


@pytest.fixture(scope="session")
def real_milvus(request):
    """The running server (url, metrics_url, log)."""
    try:
        server = RealMilvus.start()
    except NotInstallable as e:
        message = f"REAL MILVUS TESTS SKIPPED: the milvus=={VERSION} package cannot be installed: {e}"
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"\n{_SKIP_BANNER}\n{message}\n{_SKIP_BANNER}", red=True, bold=True)
        print(message, file=sys.stderr)
        pytest.skip(message)
    request.addfinalizer(server.stop)
    return server


@pytest.fixture(scope="session")
def real_milvus_url(real_milvus) -> str:
    """"http://127.0.0.1:PORT": the real Milvus's HTTP port (the proxy port, 19530 unless taken)."""
    return real_milvus.url
