"""milvus_import.bulk_writer, the drop-in for pymilvus.bulk_writer: pymilvus's documented
examples for list_import_jobs, bulk_import and get_import_progress run unchanged but for
the import line, against the emulator, once with pymilvus and once with milvus_import;
both must print the same, send the same requests, and fail the same way. Then the
Response object and the errors as pymilvus code sees them.

The examples: the docstring examples of pymilvus 3.0.2's bulk_import (its other two
functions have none), read from the installed source with doctest's parser, and the
Python examples of milvus.io's "Import data" page
(https://milvus.io/docs/import-data.md, milvus-docs site/en/userGuide/data-import/
import-data.md), copied below. The server URL of each example is replaced by the
emulator's, and the describe example's job id by the id its create example printed.
"""

from __future__ import annotations

import contextlib
import doctest
import inspect
import io
import json
import pickle
import sys
from typing import Any, Dict, List, Optional, Tuple

import pytest

import milvus_import as mi
import milvus_import.bulk_writer as mbw
import pymilvus.bulk_writer as pbw
from pymilvus.exceptions import MilvusException
from integration_support import REPO

sys.path.insert(0, str(REPO / "Tests" / "emulator"))
from harness import Emulator  # noqa: E402

OUR_IMPORT = "from milvus_import.bulk_writer import"
THEIR_IMPORT = "from pymilvus.bulk_writer import"

# milvus.io, "Import data": one example per function, as published
DOCS_BULK_IMPORT = '''from pymilvus.bulk_writer import bulk_import

url = f"http://127.0.0.1:19530"

# Bulk-insert data from a set of JSON files already uploaded to the MinIO server
resp = bulk_import(
    url=url,
    collection_name="quick_setup",
    files=[['a1e18323-a658-4d1b-95a7-9907a4391bcf/1.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/2.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/3.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/4.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/5.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/6.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/7.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/8.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/9.parquet'],
           ['a1e18323-a658-4d1b-95a7-9907a4391bcf/10.parquet']],
)

job_id = resp.json()['data']['jobId']
print(job_id)
'''

DOCS_GET_IMPORT_PROGRESS = '''import json
from pymilvus.bulk_writer import get_import_progress

url = f"http://127.0.0.1:19530"

# Get bulk-insert job progress
resp = get_import_progress(
    url=url,
    job_id="453265736269038336",
)

print(json.dumps(resp.json(), indent=4))
'''

DOCS_LIST_IMPORT_JOBS = '''import json
from pymilvus.bulk_writer import list_import_jobs

url = f"http://127.0.0.1:19530"

# List bulk-insert jobs
resp = list_import_jobs(
    url=url,
    collection_name="quick_setup",
)

print(json.dumps(resp.json(), indent=4))
'''

DOCS_JOB_ID = "453265736269038336"
OSS_URL = "http://127.0.0.1:19530"
CLOUD_URL = "https://api.cloud.zilliz.com"


def docstring_examples(fn: Any) -> List[str]:
    """The ``>>>`` examples of a pymilvus function's docstring, each as source text."""
    return [ex.source for ex in doctest.DocTestParser().get_examples(inspect.getdoc(fn) or "")]


# a docstring example assumes the function imported: the import line the module's users write
BULK_IMPORT_DOCSTRING = [f"{THEIR_IMPORT} bulk_import\n{src}" for src in docstring_examples(pbw.bulk_import)]


def test_the_docstring_examples_are_the_expected_four() -> None:
    assert len(BULK_IMPORT_DOCSTRING) == 4
    assert [OSS_URL in src or CLOUD_URL in src for src in BULK_IMPORT_DOCSTRING] == [True] * 4
    assert docstring_examples(pbw.list_import_jobs) == [] and docstring_examples(pbw.get_import_progress) == []


class Run:
    """What running one example showed: its output, whether it raised MilvusException (and
    its message), and the requests the emulator received."""

    def __init__(self, stdout: str, error: Optional[BaseException], requests: List[Dict[str, Any]]) -> None:
        self.stdout, self.error, self.requests = stdout, error, requests


def run_example(source: str, emu: Emulator, ours: bool, url: str, job_first: bool = False) -> Run:
    """Run an example as a script (its import line changed for ours) with the emulator's
    URL for ``url``, on a reset emulator; ``job_first``: one job is created first and the
    example's job id replaced by it (its requests are left out of the result)."""
    if ours:
        assert THEIR_IMPORT in source
        source = source.replace(THEIR_IMPORT, OUR_IMPORT)
    source = source.replace(url, emu.url)
    emu.reset()
    if job_first:
        emu.call("/v2/vectordb/jobs/import/create", {"collectionName": "quick_setup", "files": [["a.parquet"]]})
        source = source.replace(DOCS_JOB_ID, emu.jobs()[0]["jobId"])
    setup = len(emu.requests())
    out = io.StringIO()
    error: Optional[BaseException] = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, "<example>", "exec"), {"__name__": "__example__"})
        except MilvusException as err:
            error = err
    return Run(out.getvalue(), error, emu.requests()[setup:])


def without_nulls(body: Dict[str, Any]) -> Dict[str, Any]:
    """pymilvus sends JSON null for an unset list; milvus_import leaves it out."""
    return {k: v for k, v in body.items() if v is not None}


def assert_same(theirs: Run, ours: Run) -> None:
    assert ours.stdout == theirs.stdout
    assert (ours.error is None) == (theirs.error is None), (theirs.error, ours.error)
    assert [r["path"] for r in ours.requests] == [r["path"] for r in theirs.requests]
    for t, o in zip(theirs.requests, ours.requests):
        assert json.loads(o["body"]) == without_nulls(json.loads(t["body"]))
        headers_t = {k.lower(): v for k, v in t["header_list"]}
        headers_o = {k.lower(): v for k, v in o["header_list"]}
        assert headers_o.get("db-name") == headers_t.get("db-name")
        if headers_t["authorization"] != "Bearer ":  # pymilvus sends "Bearer " for no token; we send none
            assert headers_o["authorization"] == headers_t["authorization"]
        else:
            assert "authorization" not in headers_o


@pytest.fixture(scope="module")
def oss():
    # jobs that take an hour: the progress a describe shows does not move between two runs
    with Emulator("--mode", "oss", "--job-seconds", "3600") as emu:
        yield emu


@pytest.fixture(scope="module")
def oss_with_token():
    with Emulator("--mode", "oss", "--job-seconds", "0.5", "--token", "username:password",
                  "--collection", "my_collection") as emu:
        yield emu


@pytest.fixture(scope="module")
def cloud():
    with Emulator("--mode", "cloud", "--job-seconds", "0.5", "--token", "YOUR_API_KEY",
                  "--collection", "my_collection") as emu:
        yield emu


@pytest.mark.parametrize("source", [DOCS_BULK_IMPORT, DOCS_GET_IMPORT_PROGRESS, DOCS_LIST_IMPORT_JOBS],
                         ids=["bulk_import", "get_import_progress", "list_import_jobs"])
def test_milvus_io_examples(source: str, oss) -> None:
    job_first = source is not DOCS_BULK_IMPORT
    theirs = run_example(source, oss, False, OSS_URL, job_first)
    ours = run_example(source, oss, True, OSS_URL, job_first)
    assert theirs.error is None and ours.error is None
    assert_same(theirs, ours)
    assert len(ours.requests) == 1
    if source is DOCS_BULK_IMPORT:
        assert ours.stdout.strip().isdigit()  # the new job's id
    else:
        printed = json.loads(ours.stdout)
        assert printed["code"] == 0 and printed["data"]


@pytest.mark.parametrize("index", range(len(BULK_IMPORT_DOCSTRING)))
def test_bulk_import_docstring_examples(index: int, oss_with_token, cloud) -> None:
    source = BULK_IMPORT_DOCSTRING[index]
    emu, url = (oss_with_token, OSS_URL) if OSS_URL in source else (cloud, CLOUD_URL)
    theirs = run_example(source, emu, False, url)
    ours = run_example(source, emu, True, url)
    assert_same(theirs, ours)
    if ours.error is not None:  # the emulator refused the example: as a MilvusException in both
        assert isinstance(ours.error, mi.MilvusImportError)
    else:
        assert len(ours.requests) == 1 and ours.requests[0]["path"] == "/v2/vectordb/jobs/import/create"


# ======================================================================================
# Signatures, the Response, errors
# ======================================================================================

EXTRAS = {
    "list_import_jobs": [("headers", None), ("timeout", 20), ("retries", 2)],
    "get_import_progress": [("headers", None), ("timeout", 20), ("retries", 2)],
    "bulk_import": [("headers", None), ("timeout", 20), ("partition_name", ""), ("options", None), ("retries", 2)],
}


@pytest.mark.parametrize("name", sorted(EXTRAS))
def test_signatures_are_pymilvus(name: str) -> None:
    """pymilvus's named parameters in its order with its defaults, then what pymilvus takes
    through **kwargs (timeout 20, partition_name "", options) named, and retries."""
    theirs = [(p.name, p.default) for p in inspect.signature(getattr(pbw, name)).parameters.values()
              if p.kind is not p.VAR_KEYWORD]
    ours = [(p.name, p.default) for p in inspect.signature(getattr(mbw, name)).parameters.values()]
    assert ours == theirs + EXTRAS[name]
    assert sorted(mbw.__all__) == ["Response", "bulk_import", "get_import_progress", "list_import_jobs"]


def test_response_has_what_pymilvus_code_uses(oss) -> None:
    oss.reset()
    resp = mbw.bulk_import(oss.url, "quick_setup", files=[["a.parquet"]])
    raw = oss.requests()[0]
    assert raw["path"] == "/v2/vectordb/jobs/import/create"
    assert resp.status_code == 200 and resp.ok is True and bool(resp) is True
    job = oss.jobs()[0]["jobId"]
    assert resp.json() == {"code": 0, "data": {"jobId": job}}
    assert resp.text == json.dumps({"code": 0, "data": {"jobId": job}}, separators=(",", ":"))
    assert resp.content == resp.text.encode("utf-8") and resp.headers == {}
    assert resp.url == oss.url + "/v2/vectordb/jobs/import/create"
    assert resp.raise_for_status() is None and repr(resp) == "<Response [200]>"
    from decimal import Decimal
    assert resp.json(parse_int=Decimal)["code"] == Decimal(0)  # keywords go to json.loads, as in requests
    progress = mbw.get_import_progress(oss.url + "/", job_id=job).json()["data"]
    assert progress["jobId"] == job and progress["state"] in ("Pending", "Importing")
    listed = mbw.list_import_jobs(oss.url, collection_name="quick_setup").json()["data"]["records"]
    assert [r["jobId"] for r in listed] == [job]


def test_errors_are_milvus_exceptions_and_typed(oss) -> None:
    """pymilvus raises MilvusException for a non-zero code; so do we, as the typed class."""
    oss.reset()
    with pytest.raises(MilvusException) as theirs:
        pbw.bulk_import(oss.url, "no_such_collection", files=[["a.parquet"]])
    with pytest.raises(MilvusException) as ours:
        mbw.bulk_import(oss.url, "no_such_collection", files=[["a.parquet"]])
    err = ours.value
    assert isinstance(err, mi.ServerError) and type(err).__module__ == "milvus_import.bulk_writer"
    assert (err.kind, err.http_status, err.server_code) == ("server", 200, 100)
    assert err.code == theirs.value.code == 1  # pymilvus's ErrorCode.UNEXPECTED_ERROR for these
    assert "collection not found" in err.message and str(err) == err.message
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err) and (copy.code, copy.server_code, copy.message) == (1, 100, err.message)
    assert "collection not found" in theirs.value.message
    with pytest.raises(MilvusException) as gone:
        mbw.get_import_progress(oss.url, job_id="1")
    assert isinstance(gone.value, mi.JobNotFoundError) and gone.value.server_code == 2101  # Milvus 3.0
    with pytest.raises(MilvusException) as down:
        mbw.list_import_jobs("http://127.0.0.1:1", retries=0)
    assert isinstance(down.value, mi.TransportError) and isinstance(down.value, ConnectionError)
    with pytest.raises(TypeError, match="^job_id must be a str, got int$"):
        mbw.get_import_progress(oss.url, job_id=448761313698322011)  # type: ignore[arg-type]


def test_without_pymilvus_the_typed_error_alone(oss, tmp_path) -> None:
    """pymilvus is never imported by milvus_import: without it, errors are ours alone."""
    code = (
        "import sys, milvus_import.bulk_writer as b, milvus_import as mi\n"
        f"try:\n    b.bulk_import({oss.url!r}, 'no_such_collection', files=[['a.parquet']])\n"
        "except mi.ServerError as e:\n    print(type(e).__module__, e.server_code, 'pymilvus' in sys.modules)\n"
    )
    import subprocess

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["milvus_import.errors", "100", "False"]
