"""Replay every shared case (../shared/cases/import-rest-cases.jsonl) and every case of
cases-extra.jsonl against a local recording server, four ways where the case fits:

* ``py``: the pymilvus-compatible module function (milvus_import.list_import_jobs, ...)
* ``pyclient``: milvus_import.Client
* ``c``: the raw C client (milvus_client_new + setters + milvus_client_* with request_json)
* ``c_stateless``: milvus_list_import_jobs / milvus_get_import_progress / milvus_bulk_import

Each run asserts the exact request (path, body fields, headers, count) and the result
(records, jobIds, or the error kind, HTTP status, server code and message text).
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from integration_support import (
    EXTRA_CASES,
    SHARED_CASES,
    case_responder,
    case_url,
    check_outcome,
    load_cases,
    modes_for,
    run_c_client,
    run_c_stateless,
    run_python,
)


def _cases() -> List[Dict[str, Any]]:
    if not SHARED_CASES.exists():
        raise RuntimeError(f"shared cases missing: {SHARED_CASES} (shared/ must sit beside the repository)")
    return load_cases(SHARED_CASES) + load_cases(EXTRA_CASES)


CASES = _cases()

# Library bugs these cases found, while they are open: a strict xfail per param id (an
# XPASS then fails the run, so a fixed bug's entry must go). None are open.
KNOWN_LIBRARY_BUGS: Dict[str, str] = {}


def _param(case: Dict[str, Any], mode: str) -> Any:
    pid = f"{case['id']}-{mode}"
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_LIBRARY_BUGS[pid])] if pid in KNOWN_LIBRARY_BUGS else []
    return pytest.param(case, mode, id=pid, marks=marks)


PARAMS = [_param(case, mode) for case in CASES for mode in modes_for(case)]


def test_case_ids_are_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_known_bugs_name_real_params() -> None:
    assert set(KNOWN_LIBRARY_BUGS) <= {p.id for p in PARAMS}


def test_every_shared_case_is_replayed() -> None:
    shared = load_cases(SHARED_CASES)
    assert len(shared) >= 17
    replayed = {p.values[0]["id"] for p in PARAMS}
    assert {c["id"] for c in shared} <= replayed
    # and through the raw C ABI as well as through Python
    for c in shared:
        assert {"pyclient", "c"} <= set(modes_for(c)), c["id"]


@pytest.mark.parametrize("case,mode", PARAMS)
def test_case(case: Dict[str, Any], mode: str, server_factory, raw) -> None:
    server = server_factory(case_responder(case))
    url = case_url(case, server)
    if mode == "py":
        out = run_python(case, url, use_client=False)
    elif mode == "pyclient":
        out = run_python(case, url, use_client=True)
    elif mode == "c":
        out = run_c_client(case, url, raw)
    else:
        out = run_c_stateless(case, url, raw)
    check_outcome(case, mode, out, server.snapshot())
