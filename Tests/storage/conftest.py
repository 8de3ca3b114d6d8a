"""Object-storage suites: a SeaweedFS S3 server for the session, a fresh bucket per test.

Fixtures: `seaweed` (a started Tests/support/seaweed.py SeaweedFS: endpoint, access_key,
secret_key, region, make_bucket, put, get, head, list, list_multipart_uploads, env) and
`bucket` (the name of a new, empty bucket, deleted after the test). Tests/support and
Tests/emulator are importable (milvus_abi, seaweed, harness.Emulator).
"""
from __future__ import annotations

import os
import secrets
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(TESTS, "support"), os.path.join(TESTS, "emulator")]

from milvus_abi import library_path  # noqa: E402
from seaweed import SeaweedFS  # noqa: E402

# Everything talks to 127.0.0.1 only: never route it through a proxy from the environment.
for _name in ("NO_PROXY", "no_proxy"):
    _have = [p for p in os.environ.get(_name, "").split(",") if p]
    os.environ[_name] = ",".join(_have + ["127.0.0.1", "localhost"])

os.environ.setdefault("MILVUS_IMPORT_LIBRARY", library_path())


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    with SeaweedFS(tmp_path_factory.mktemp("seaweed")) as s3:
        yield s3


@pytest.fixture
def bucket(seaweed):
    name = seaweed.make_bucket("test-" + secrets.token_hex(6))
    yield name
    try:
        seaweed.delete_bucket(name)
    except Exception:  # a test may have deleted it or left it unreachable on purpose
        pass
