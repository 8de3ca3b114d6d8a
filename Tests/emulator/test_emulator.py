"""The emulator's own behaviour, with exact statuses, content types, bodies and messages.

Run: build/venv/bin/python -m pytest Tests/emulator   (or `make test-emulator`)
Jobs run on a long --job-seconds and the tests move the emulator's clock
(POST /_emulator/clock), so progress values are exact, not timing-dependent.
"""
from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import EMULATOR, Emulator, connect, http_call, make_tls_files  # noqa: E402

P = "/v2/vectordb/jobs/import/"
JSON_CT = "application/json; charset=utf-8"
CORS = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Headers", "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, "
     "Authorization, accept, origin, Cache-Control, X-Requested-With"),
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"),
    ("Access-Control-Allow-Origin", "*"),
]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIRST_ID = 448761313698322011
LIMIT_MSG = ("The number of jobs has reached the limit, please try again later. If your request is set to "
             "only import a single file, please consider importing multiple files in one request for better "
             "efficiency.: importing data failed")


def ok(data) -> bytes:
    return json.dumps({"code": 0, "data": data}, separators=(",", ":"), sort_keys=True).encode()


def err(code: int, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}, separators=(",", ":"), ensure_ascii=False).encode()


def expect_json(reply, body: bytes, status: int = 200):
    assert (reply.status, reply.header("Content-Type"), reply.body) == (status, JSON_CT, body)


def missing_rows(path: str) -> int:
    """The documented count for a file that is not on disk."""
    return 1000 + zlib.crc32(path.encode()) % 9000


@pytest.fixture(scope="module")
def server():
    with Emulator("--job-seconds", "100", "--collection", "quick_setup",
                  "--collection", "coll_a@db_a:p1") as emu:
        yield emu


@pytest.fixture
def emu(server):
    server.reset()
    return server


def create(emu, files=(("a.json",),), headers=None, **fields):
    body = {"collectionName": "quick_setup", "files": [list(g) for g in files], **fields}
    reply = emu.call(P + "create", body, headers=headers)
    assert reply.status == 200, reply
    return reply.json()["data"]["jobId"]


def describe(emu, job_id, headers=None):
    reply = emu.call(P + "describe", {"jobId": job_id}, headers=headers)
    assert reply.status == 200 and reply.header("Content-Type") == JSON_CT, reply
    return reply.json()


# ---- process ---------------------------------------------------------------------------------
def test_first_line_port_file_and_sigterm(tmp_path):
    port_file = tmp_path / "url"
    proc = subprocess.Popen([sys.executable, str(EMULATOR), "--port", "0", "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(r"listening on http://127\.0\.0\.1:\d+\n", line)
        assert port_file.read_text() == line[len("listening on "):]
        assert http_call(line.split()[-1], P + "list", {}).status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert proc.stderr.read() == ""


# ---- routing, as gin does it ---------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/vectordb/jobs/import/nope"), ("POST", "/"), ("POST", "/v1/vector/collections"),
    ("GET", P + "list"), ("PUT", P + "create"), ("DELETE", P + "describe"), ("PATCH", P + "list"),
    ("FOO", P + "list"), ("POST", "//v2/vectordb/jobs/import/list"), ("POST", "/V2/vectordb/jobs/import/list"),
    ("POST", "/milvus" + P + "list"),
])
def test_unknown_path_or_method_is_gin_404(emu, method, path):
    reply = emu.call(path, "{}", method=method)
    assert (reply.status, reply.body) == (404, b"404 page not found")
    assert reply.headers[:5] == CORS + [("Content-Type", "text/plain")]
    assert [k for k, _ in reply.headers[5:]] == ["Date", "Content-Length"]
    assert reply.header("Content-Length") == "18"
    assert emu.requests()[-1]["path"] == path  # the raw path, even "//v2/..."


def test_head_404_has_length_but_no_body(emu):
    reply = emu.call("/nope", method="HEAD")
    assert (reply.status, reply.header("Content-Type"), reply.header("Content-Length"), reply.body) == \
        (404, "text/plain", "18", b"")


def test_options_is_a_bare_204(emu):
    reply = emu.call(P + "list", method="OPTIONS")
    assert (reply.status, reply.body) == (204, b"")
    assert reply.headers[:4] == CORS and reply.header("Content-Length") is None


def test_trailing_slash_redirects_a_post(emu):
    reply = emu.call(P + "list/?a=1", "{}")
    assert (reply.status, reply.body) == (307, b"")
    assert reply.headers[0] == ("Location", P + "list?a=1")
    assert reply.header("Content-Length") == "0" and reply.header("Content-Type") is None


def test_query_and_percent_encoding_route_like_gin(emu):
    expect_json(emu.call(P + "list?pretty=1", "{}"), ok({"records": []}))
    expect_json(emu.call("/v2/vectordb/jobs/import/%6cist", "{}"), ok({"records": []}))


# ---- binding: Go's encoding/json and the validator, as wrapperPost answers -------------------------
FORMAT = "can only accept json format request, error: "
BINDING_CASES = [
    ("list", b"", 1801, "can only accept json format request, the request body should be nil, however {} is valid"),
    ("list", b"  \n", 1801, "can only accept json format request, the request body should be nil, however {} is valid"),
    ("list", b"{bad", 1801, FORMAT + "invalid character 'b' looking for beginning of object key string"),
    ("list", b'{"a":}', 1801, FORMAT + "invalid character '}' looking for beginning of value"),
    ("list", b'{"a"', 1801, FORMAT + "unexpected EOF"),
    ("list", b'{"a":1,}', 1801, FORMAT + "invalid character '}' looking for beginning of object key string"),
    ("list", b'{"a" 1}', 1801, FORMAT + "invalid character '1' after object key"),
    ("list", b'{"a":1 "b":2}', 1801, FORMAT + "invalid character '\"' after object key:value pair"),
    ("list", b'{"a":[1 2]}', 1801, FORMAT + "invalid character '2' after array element"),
    ("list", b'{"a":tru}', 1801, FORMAT + "invalid character '}' in literal true (expecting 'e')"),
    ("list", b'{"a":nulL}', 1801, FORMAT + "invalid character 'L' in literal null (expecting 'l')"),
    ("list", b'{"a":"\\q"}', 1801, FORMAT + "invalid character 'q' in string escape code"),
    ("list", b'{"a":"\\u12"}', 1801, FORMAT + "invalid character '\"' in \\u hexadecimal character escape"),
    ("list", b'{"a":"x\ty"}', 1801, FORMAT + "invalid character '\\t' in string literal"),
    ("list", b'{"a":-}', 1801, FORMAT + "invalid character '}' in numeric literal"),
    ("list", b'{"a":1.}', 1801, FORMAT + "invalid character '}' after decimal point in numeric literal"),
    ("list", b'{"a":1e}', 1801, FORMAT + "invalid character '}' in exponent of numeric literal"),
    ("list", b'{"a":01}', 1801, FORMAT + "invalid character '1' after object key:value pair"),
    ("list", b"\xc3\xa9", 1801, FORMAT + "invalid character '\u00c3' looking for beginning of value"),
    ("list", b"'", 1801, FORMAT + "invalid character '\\'' looking for beginning of value"),
    ("list", b"\x7f", 1801, FORMAT + "invalid character '\\x7f' looking for beginning of value"),
    ("list", b"nul", 1801, FORMAT + "unexpected EOF"),
    ("list", b"[]", 1801, FORMAT + "json: cannot unmarshal array into Go value of type httpserver.OptionalCollectionNameReq"),
    ("list", b'"s"x', 1801, FORMAT + "json: cannot unmarshal string into Go value of type httpserver.OptionalCollectionNameReq"),
    ("list", b"12 x", 1801, FORMAT + "json: cannot unmarshal number into Go value of type httpserver.OptionalCollectionNameReq"),
    ("list", b'{"collectionName":1}', 1801,
     FORMAT + "json: cannot unmarshal number into Go struct field OptionalCollectionNameReq.collectionName of type string"),
    ("list", b'{"dbName":{"a":1}}', 1801,
     FORMAT + "json: cannot unmarshal object into Go struct field OptionalCollectionNameReq.dbName of type string"),
    ("describe", b'{"jobId":448761313698322011}', 1801,
     FORMAT + "json: cannot unmarshal number into Go struct field JobIDReq.jobId of type string"),
    ("describe", b'{"JOBID":true}', 1801,
     FORMAT + "json: cannot unmarshal bool into Go struct field JobIDReq.jobId of type string"),
    ("create", b'{"collectionName":"quick_setup","files":[["a.json"]],"options":{"auto_commit":false}}', 1801,
     FORMAT + "json: cannot unmarshal bool into Go struct field ImportReq.options of type string"),
    ("create", b'{"collectionName":"quick_setup","files":"a.json"}', 1801,
     FORMAT + "json: cannot unmarshal string into Go struct field ImportReq.files of type [][]string"),
    ("create", b'{"collectionName":"quick_setup","files":["a.json"]}', 1801,
     FORMAT + "json: cannot unmarshal string into Go struct field ImportReq.files of type []string"),
    ("create", b'{"collectionName":"quick_setup","files":[[1]]}', 1801,
     FORMAT + "json: cannot unmarshal number into Go struct field ImportReq.files of type string"),
    ("create", b'{"collectionName":"quick_setup","files":[["a.json"]],"options":"x"}', 1801,
     FORMAT + "json: cannot unmarshal string into Go struct field ImportReq.options of type map[string]string"),
    ("describe", b"{}", 1802, "missing required parameters, error: Key: 'JobIDReq.JobID' Error:Field validation "
                              "for 'JobID' failed on the 'required' tag"),
    ("describe", b'{"jobId":""}', 1802, "missing required parameters, error: Key: 'JobIDReq.JobID' Error:Field "
                                        "validation for 'JobID' failed on the 'required' tag"),
    ("describe", b"null", 1802, "missing required parameters, error: Key: 'JobIDReq.JobID' Error:Field validation "
                                "for 'JobID' failed on the 'required' tag"),
    ("create", b'{"files":[["a.json"]]}', 1802, "missing required parameters, error: Key: 'ImportReq.CollectionName' "
                                               "Error:Field validation for 'CollectionName' failed on the 'required' tag"),
    ("create", b'{"collectionName":"quick_setup","files":null}', 1802,
     "missing required parameters, error: Key: 'ImportReq.Files' Error:Field validation for 'Files' failed on the "
     "'required' tag"),
    ("create", b"{}", 1802,
     "missing required parameters, error: Key: 'ImportReq.CollectionName' Error:Field validation for "
     "'CollectionName' failed on the 'required' tag\nKey: 'ImportReq.Files' Error:Field validation for 'Files' "
     "failed on the 'required' tag"),
]


@pytest.mark.parametrize("route,body,code,message", BINDING_CASES)
def test_binding_errors(emu, route, body, code, message):
    expect_json(emu.call(P + route, body), err(code, message))


def test_first_value_only_unknown_fields_ignored_keys_case_insensitive(emu):
    expect_json(emu.call(P + "list", b"{} trailing garbage"), ok({"records": []}))
    expect_json(emu.call(P + "list", {"clusterId": "x", "pageSize": 10, "extra": [1, {"a": None}]}),
                ok({"records": []}))
    expect_json(emu.call(P + "list", {"COLLECTIONNAME": "nope"}),
                err(100, "collection not found[database=default][collection=nope]"))
    # later keys overwrite earlier ones, a null leaves the value as it was
    expect_json(emu.call(P + "list", b'{"collectionName":"nope","collectionName":null}'),
                err(100, "collection not found[database=default][collection=nope]"))


def test_expect_100_continue(emu):
    reply = emu.call(P + "list", "{}", headers={"Expect": "100-continue"})
    assert reply.status == 200


# ---- list / create / describe errors ---------------------------------------------------------------
def test_collection_database_and_partition_errors(emu):
    expect_json(emu.call(P + "list", {"collectionName": "coll_a"}),
                err(100, "collection not found[database=default][collection=coll_a]"))
    expect_json(emu.call(P + "list", {"dbName": "nodb"}), err(800, "database not found, database: nodb"))
    expect_json(emu.call(P + "create", {"collectionName": "x", "files": [["a.json"]]}),
                err(100, "collection not found[database=default][collection=x]"))
    expect_json(emu.call(P + "create", {"collectionName": "coll_a", "dbName": "db_a", "partitionName": "p2",
                                        "files": [["a.json"]]}), err(200, "partition not found[partition=p2]"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": []}),
                err(1100, "import request is empty: invalid parameter"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [[]]}),
                err(2100, "no file to import: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.txt"]]}),
                err(2100, "unexpected file type, files=[a.txt]: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json", "b.json"]]}),
                err(2100, "for JSON import, accepts only one file: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.npy", "b.json"]]}),
                err(2100, "inconsistency in file types, (a.npy) vs (b.json): importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["f.json"]] * 1025}),
                err(2100, "The max number of import files should not exceed 1024, but got 1025: importing data failed"))
    assert emu.jobs() == []


def test_describe_errors(emu):
    expect_json(emu.call(P + "describe", {"jobId": "448761313698322099"}),
                err(2100, "import job does not exist, jobID=448761313698322099: importing data failed"))
    # datacoord formats this one with fmt.Sprint("... err=%w", err): the %w stays in the text
    expect_json(emu.call(P + "describe", {"jobId": "job-1"}),
                err(2100, 'parse job id failed, err=%wstrconv.ParseInt: parsing "job-1": invalid syntax: '
                          'importing data failed'))
    expect_json(emu.call(P + "get_progress", {"jobId": "99999999999999999999"}),
                err(2100, 'parse job id failed, err=%wstrconv.ParseInt: parsing "99999999999999999999": '
                          'value out of range: importing data failed'))


def test_database_rules(emu):
    """Body dbName wins for list and create; describe reads only the DB-Name header."""
    jid = create(emu, collectionName="coll_a", dbName="db_a", headers={"DB-Name": "nodb"})
    assert emu.jobs()[0]["dbName"] == "db_a"
    jid2 = create(emu, collectionName="coll_a", headers={"DB-Name": "db_a"})
    assert emu.jobs()[1]["dbName"] == "db_a"
    expect_json(emu.call(P + "create", {"collectionName": "coll_a", "files": [["a.json"]]}),
                err(100, "collection not found[database=default][collection=coll_a]"))
    records = emu.call(P + "list", {"dbName": "db_a"}, headers={"DB-Name": "nodb"}).json()["data"]["records"]
    assert [r["jobId"] for r in records] == [jid, jid2]
    assert emu.call(P + "list", {}, headers={"DB-Name": "db_a"}).json()["data"]["records"] == records
    expect_json(emu.call(P + "list", {}), ok({"records": []}))  # default database: none there
    # describe: a body dbName is not a field of JobIDReq; the header is checked
    assert describe(emu, jid)["data"]["jobId"] == jid
    expect_json(emu.call(P + "describe", {"jobId": jid, "dbName": "db_a"}, headers={"DB-Name": "nodb"}),
                err(800, "database not found, database: nodb"))
    assert describe(emu, jid, headers={"DB-Name": "db_a"})["data"]["collectionName"] == "coll_a"


# ---- jobs ----------------------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path):
    (tmp_path / "rows.json").write_text(json.dumps({"rows": [{"id": i} for i in range(4)]}))
    (tmp_path / "lines.json").write_text("".join(json.dumps({"id": i}) + "\n" for i in range(6)))
    (tmp_path / "t.csv").write_text('id,text\n1,"two\nlines"\n2,b\n3,c\n')
    return tmp_path


def test_ids_are_int64_strings_increasing_from_a_realistic_base(emu):
    ids = [create(emu) for _ in range(3)]
    assert ids == [str(FIRST_ID), str(FIRST_ID + 1), str(FIRST_ID + 2)]
    emu.reset()
    assert create(emu) == str(FIRST_ID)


@pytest.fixture
def slow():
    """Jobs of 100000 s: the real milliseconds between calls move no progress value."""
    with Emulator("--job-seconds", "100000") as emu:
        yield emu


def test_job_lifecycle_exact(slow, files):
    emu = slow
    paths = [str(files / "rows.json"), str(files / "lines.json"), str(files / "t.csv"), "remote/x.parquet"]
    jid = create(emu, files=[[p] for p in paths])
    rows = [4, 6, 3, missing_rows("remote/x.parquet")]
    sizes = [os.path.getsize(p) for p in paths[:3]] + [rows[3] * 128]
    total = sum(rows)

    def at(percent):  # of the job's duration
        emu.advance((percent - at.now) * 1000)
        at.now = percent
        return describe(emu, jid)["data"]
    at.now = 0

    def details(state, done, complete=False):
        out = []
        for p, r, s in zip(paths, rows, sizes):
            prog = int(int(r * done) / r * 100)
            out.append({"completeTime": complete, "fileName": f"[{p}]", "fileSize": s, "importedRows": prog * r // 100,
                        "progress": prog, "state": state, "totalRows": r})
        return out

    base = {"collectionName": "quick_setup", "completeTime": "", "jobId": jid}
    assert at(5) == {**base, "details": [], "fileSize": 0, "importedRows": 0, "progress": 5, "state": "Pending",
                     "totalRows": 0}
    assert at(25) == {**base, "details": [], "fileSize": 0, "importedRows": 0, "progress": 25,
                      "state": "Importing", "totalRows": 0}
    assert at(42) == {**base, "details": details("Pending", 0.0, ""), "fileSize": sum(sizes), "importedRows": 0,
                      "progress": 40, "state": "Importing", "totalRows": total}
    d = at(57.5)
    imported = sum(int(r * 0.5) for r in rows)
    assert d == {**base, "details": details("InProgress", 0.5, ""), "fileSize": sum(sizes),
                 "importedRows": imported, "progress": 40 + int(imported / total * 30), "state": "Importing",
                 "totalRows": total}
    d = at(75)
    done_time = d["details"][0]["completeTime"]
    assert RFC3339.match(done_time)
    assert d == {**base, "details": details("Completed", 1.0, done_time), "fileSize": sum(sizes),
                 "importedRows": total, "progress": 75, "state": "Importing", "totalRows": total}
    assert at(90)["progress"] == 90
    d = at(101)
    assert RFC3339.match(d["completeTime"]) and d["completeTime"] >= done_time
    assert d == {**base, "completeTime": d["completeTime"], "details": details("Completed", 1.0, done_time),
                 "fileSize": sum(sizes), "importedRows": total, "progress": 100, "state": "Completed",
                 "totalRows": total}
    expect_json(emu.call(P + "list", {"collectionName": "quick_setup"}),
                ok({"records": [{"collectionName": "quick_setup", "jobId": jid, "progress": 100,
                                 "state": "Completed"}]}))
    # the old name of describe answers the same
    assert emu.call(P + "get_progress", {"jobId": jid}).json()["data"] == d


def test_parquet_and_npy_rows(emu, tmp_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"id": list(range(7))}), tmp_path / "p.parquet")
    np.save(tmp_path / "id.npy", np.arange(5))
    np.save(tmp_path / "vec.npy", np.zeros((5, 4), dtype=np.float32))
    jid = create(emu, files=[[str(tmp_path / "p.parquet")], [str(tmp_path / "id.npy"), str(tmp_path / "vec.npy")]])
    emu.advance(200)
    data = describe(emu, jid)["data"]
    assert [(d["fileName"], d["totalRows"]) for d in data["details"]] == [
        (f"[{tmp_path / 'p.parquet'}]", 7), (f"[{tmp_path / 'id.npy'} {tmp_path / 'vec.npy'}]", 5)]
    assert data["totalRows"] == 12


def test_failing_file_fails_the_job(emu):
    jid = create(emu, files=[["ok.json"], ["data/part_fail.json"]])
    reason = "failed to import file data/part_fail.json: the file name contains 'fail' (emulated failure)"
    emu.advance(50)
    assert describe(emu, jid)["data"]["state"] == "Importing"
    emu.advance(10)
    d = describe(emu, jid)["data"]
    assert RFC3339.match(d["completeTime"])
    assert {k: v for k, v in d.items() if k not in ("details", "completeTime")} == {
        "collectionName": "quick_setup", "fileSize": (missing_rows("ok.json") + missing_rows("data/part_fail.json")) * 128,
        "importedRows": 0, "jobId": jid, "progress": 0, "reason": reason, "state": "Failed", "totalRows": 0}
    assert [(x["fileName"], x["state"], x["progress"], x["reason"]) for x in d["details"]] == [
        ("[ok.json]", "Failed", 0, reason), ("[data/part_fail.json]", "Failed", 0, reason)]
    expect_json(emu.call(P + "list", {}), ok({"records": [{"collectionName": "quick_setup", "jobId": jid,
                                                           "progress": 0, "reason": reason, "state": "Failed"}]}))


def test_retention_and_max_jobs():
    with Emulator("--job-seconds", "10", "--retention-seconds", "5", "--max-jobs", "2") as emu:
        first, second = create(emu), create(emu)
        expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json"]]}),
                    err(2100, LIMIT_MSG))
        emu.advance(11)  # both finished at 10 s: slots free again, still visible
        assert describe(emu, first)["data"]["state"] == "Completed"
        third = create(emu)
        emu.advance(3.5)  # 4.5 s after completion
        assert [r["jobId"] for r in emu.call(P + "list", {}).json()["data"]["records"]] == [first, second, third]
        emu.advance(1)  # 5.5 s after completion: gone
        expect_json(emu.call(P + "describe", {"jobId": first}),
                    err(2100, f"import job does not exist, jobID={first}: importing data failed"))
        assert [r["jobId"] for r in emu.call(P + "list", {}).json()["data"]["records"]] == [third]


# ---- two-phase import ----------------------------------------------------------------------------
def test_two_phase_commit_and_abort(emu):
    a = create(emu, options={"auto_commit": "false"})
    b = create(emu, options={"auto_commit": "false", "other": "x"})
    c = create(emu)
    expect_json(emu.call(P + "commit", {"jobId": a}),
                err(2100, f"import job cannot be committed in state Pending, jobID={a}: importing data failed"))
    emu.advance(150)
    da = describe(emu, a)["data"]
    assert (da["state"], da["progress"], da["completeTime"], da["importedRows"] == da["totalRows"]) == \
        ("Uncommitted", 99, "", True)
    assert describe(emu, c)["data"]["state"] == "Completed"
    expect_json(emu.call(P + "commit", {"jobId": a}), ok({}))
    d = describe(emu, a)["data"]
    assert (d["state"], d["progress"]) == ("Completed", 100) and RFC3339.match(d["completeTime"])
    expect_json(emu.call(P + "abort", {"jobId": b}), ok({}))
    d = describe(emu, b)["data"]
    assert (d["state"], d["progress"], d["reason"]) == ("Failed", 0, "import job aborted")
    expect_json(emu.call(P + "abort", {"jobId": c}),
                err(2100, f"import job cannot be aborted in state Completed, jobID={c}: importing data failed"))
    expect_json(emu.call(P + "commit", {"jobId": "abc"}),
                err(1100, 'parse job id failed, err=strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter'))
    expect_json(emu.call(P + "abort", {"jobId": "1"}),
                err(2100, "import job does not exist, jobID=1: importing data failed"))
    expect_json(emu.call(P + "commit", {"jobId": 1}),
                err(1801, FORMAT + "json: cannot unmarshal number into Go struct field JobIDReq.jobId of type string"))


def test_no_two_phase_and_no_describe():
    with Emulator("--job-seconds", "1", "--no-two-phase", "--no-describe") as emu:
        jid = create(emu, options={"auto_commit": "false"})
        for route in ("commit", "abort", "describe"):
            reply = emu.call(P + route, {"jobId": jid})
            assert (reply.status, reply.header("Content-Type"), reply.body) == (404, "text/plain", b"404 page not found")
        emu.advance(2)
        assert emu.call(P + "get_progress", {"jobId": jid}).json()["data"]["state"] == "Completed"


def test_idempotency_key(emu):
    a = create(emu, headers={"Idempotency-Key": "k-1"})
    assert create(emu, headers={"Idempotency-Key": "k-1"}) == a
    assert create(emu, headers={"Idempotency-Key": "k-2"}) != a
    msg = "Idempotency-Key must be 1 to 256 bytes of printable ASCII: invalid parameter"
    for bad in ("x" * 257, "tab\there", ""):
        expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json"]]},
                             headers={"Idempotency-Key": bad}), err(1100, msg))
    assert len(emu.jobs()) == 2


# ---- JSON as Go writes it --------------------------------------------------------------------------
def test_go_json_escaping(emu):
    reply = emu.call(P + "list", {"collectionName": "<a&b>\u2028é"})
    assert reply.body == ('{"code":100,"message":"collection not found[database=default][collection='
                          '\\u003ca\\u0026b\\u003e\\u2028é]"}').encode()


# ---- authentication ----------------------------------------------------------------------------------
def test_token_auth():
    with Emulator("--token", "root:Milvus") as emu:
        unauth = err(1800, "user hasn't authenticated")
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer root:wrong"},
                        {"Authorization": "Bearer root"}, {"Authorization": "Basic " + base64.b64encode(b"root:x").decode()}):
            expect_json(emu.call(P + "list", {}, headers=headers), unauth, status=401)
        expect_json(emu.call(P + "list", b"{bad"), unauth, status=401)  # before the body is read
        expect_json(emu.call(P + "list", {}, headers={"Authorization": "Bearer root:Milvus"}), ok({"records": []}))
        reply = emu.call(P + "list", {}, headers={"Authorization": "Basic " + base64.b64encode(b"root:Milvus").decode()})
        expect_json(reply, ok({"records": []}))
        assert reply.header("Www-Authenticate") == 'Basic realm="restricted", charset="UTF-8"'
        assert emu.call("/nope", {}).status == 404


# ---- cloud mode ----------------------------------------------------------------------------------
def test_cloud_mode():
    with Emulator("--mode", "cloud", "--token", "api-key-1", "--job-seconds", "10") as emu:
        auth = {"Authorization": "Bearer api-key-1"}
        for headers in ({}, {"Authorization": "Bearer nope"}):
            expect_json(emu.call(P + "list", {"clusterId": "in01-x"}, headers=headers),
                        err(21119, "The apikey is illegal."))
        expect_json(emu.call(P + "list", {}, headers=auth),
                    err(1802, "missing required parameters, error: clusterId is required"))
        ids = []
        for i in range(3):
            reply = emu.call(P + "create", {"clusterId": "in01-x", "collectionName": "quick_setup",
                                            "objectUrl": f"s3://b/{i}.parquet", "accessKey": "a", "secretKey": "s"},
                             headers=auth)
            ids.append(reply.json()["data"]["jobId"])
        assert ids == ["job-0123456789abcdef01234", "job-0123456789abcdef01235", "job-0123456789abcdef01236"]
        page = lambda n: emu.call(P + "list", {"clusterId": "in01-x", "pageSize": 2, "currentPage": n},
                                  headers=auth)
        expect_json(page(1), ok({"count": 3, "currentPage": 1, "pageSize": 2, "records": [
            {"collectionName": "quick_setup", "jobId": ids[0], "progress": 0, "state": "Pending"},
            {"collectionName": "quick_setup", "jobId": ids[1], "progress": 0, "state": "Pending"}]}))
        expect_json(page(2), ok({"count": 3, "currentPage": 2, "pageSize": 2, "records": [
            {"collectionName": "quick_setup", "jobId": ids[2], "progress": 0, "state": "Pending"}]}))
        expect_json(emu.call(P + "list", {"clusterId": "in01-x", "pageSize": "2"}, headers=auth),
                    err(1801, FORMAT + "json: cannot unmarshal string into Go struct field "
                                       "OptionalCollectionNameReq.pageSize of type int"))
        emu.advance(11)
        d = emu.call(P + "describe", {"clusterId": "in01-x", "jobId": ids[0]}, headers=auth).json()["data"]
        assert (d["jobId"], d["state"], d["details"][0]["fileName"]) == (ids[0], "Completed", "[s3://b/0.parquet]")


# ---- faults ----------------------------------------------------------------------------------------
def test_fault_delay_and_count(emu):
    emu.arm("delay", count=2, ms=300)
    times = []
    for _ in range(3):
        t = time.monotonic()
        assert emu.call(P + "list", {}).status == 200
        times.append(time.monotonic() - t)
    assert times[0] >= 0.3 and times[1] >= 0.3 and times[2] < 0.3


def test_fault_path_filter(emu):
    emu.arm("raw", path="describe", status=500, content_type="application/json", body='{"code":500}')
    assert emu.call(P + "list", {}).status == 200
    reply = emu.call(P + "describe", {"jobId": "1"})
    assert (reply.status, reply.header("Content-Type"), reply.body) == (500, "application/json", b'{"code":500}')
    assert emu.call(P + "describe", {"jobId": "1"}).status == 200


def test_fault_close_and_reset_connection(emu):
    emu.arm("close")
    with pytest.raises((ConnectionError, OSError)):
        emu.call(P + "list", {})
    emu.arm("close", reset=True)
    with pytest.raises(ConnectionResetError):
        emu.call(P + "list", {})
    assert emu.call(P + "list", {}).status == 200
    assert len(emu.requests()) == 3  # both unanswered requests are in the log


def raw_exchange(emu, request: bytes, timeout=5.0) -> bytes:
    host, port = emu.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_fault_short_body(emu):
    emu.arm("short_body")
    data = raw_exchange(emu, b"POST /v2/vectordb/jobs/import/list HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    head, body = data.split(b"\r\n\r\n", 1)
    full = b'{"code":0,"data":{"records":[]}}'
    assert b"\r\nContent-Length: %d\r\n" % len(full) in head + b"\r\n"
    assert body == full[:len(full) // 2]  # then the connection closed


def test_fault_html_408_429(emu):
    emu.arm("html", status=503)
    reply = emu.call(P + "list", {})
    assert (reply.status, reply.header("Content-Type")) == (503, "text/html")
    assert reply.body == (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
                          b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx"
                          b"</center>\r\n</body>\r\n</html>\r\n")
    emu.arm("html")
    assert emu.call(P + "list", {}).body.startswith(b"<html>\r\n<head><title>502 Bad Gateway</title>")
    emu.arm("timeout408")
    expect_json(emu.call(P + "list", {}), b'{"code":10001,"message":"request timeout"}', status=408)
    emu.arm("timeout408", format="text")
    reply = emu.call(P + "list", {})
    assert (reply.status, reply.header("Content-Type"), reply.body) == (408, "text/plain; charset=utf-8", b"Request Timeout")
    emu.arm("status429", retry_after=3)
    reply = emu.call(P + "list", {})
    expect_json(reply, b'{"code":1807,"message":"request is rejected by limiter"}', status=429)
    assert reply.header("Retry-After") == "3"


def test_fault_gzip(emu):
    emu.arm("gzip")
    reply = emu.call(P + "list", {})
    assert (reply.status, reply.header("Content-Encoding")) == (200, "gzip")
    assert gzip.decompress(reply.body) == b'{"code":0,"data":{"records":[]}}'
    assert reply.header("Content-Length") == str(len(reply.body))


def test_fault_huge(emu):
    emu.arm("huge", bytes=3_000_000)
    reply = emu.call(P + "list", {})
    assert (reply.status, len(reply.body), reply.header("Content-Length")) == (200, 3_000_000, "3000000")
    assert reply.json()["data"]["records"] == []


def test_fault_endless(emu):
    emu.arm("endless", interval_ms=1)
    conn = connect(emu.url, timeout=5)
    conn.request("POST", P + "list", body=b"{}")
    resp = conn.getresponse()
    assert (resp.status, resp.getheader("Transfer-Encoding")) == (200, "chunked")
    got = resp.read(200_000)  # keeps coming
    assert len(got) == 200_000 and got.startswith(b'{"code":0,"data":{"records":[{"collectionName"')
    conn.close()
    assert emu.call(P + "list", {}).status == 200  # the server lives on


def test_fault_errors(emu):
    reply = emu.call("/_emulator/faults", {"kind": "nope"})
    assert (reply.status, reply.json()) == (400, {"error": "kind must be one of delay, close, short_body, html, "
                                                           "timeout408, gzip, huge, endless, status429, raw"})


# ---- request log, connections, reset -----------------------------------------------------------------
def test_request_log(emu):
    conn = connect(emu.url)
    for body in ('{"collectionName":"quick_setup"}', "{}"):
        http_call(emu.url, P + "list", body, headers={"DB-Name": "default", "X-Custom": "v"}, conn=conn)
    conn.close()
    http_call(emu.url, "//v2/vectordb/jobs/import/list?x=1", "{}", method="PUT")
    log = emu.requests()
    assert [(r["seq"], r["method"], r["path"], r["body"]) for r in log] == [
        (1, "POST", P + "list", '{"collectionName":"quick_setup"}'),
        (2, "POST", P + "list", "{}"),
        (3, "PUT", "//v2/vectordb/jobs/import/list?x=1", "{}")]
    assert log[0]["headers"]["DB-Name"] == "default" and log[0]["headers"]["X-Custom"] == "v"
    assert ["DB-Name", "default"] in log[0]["header_list"]
    assert log[0]["conn"] == log[1]["conn"] != log[2]["conn"]
    emu.arm("delay", count=5)
    create(emu)
    emu.reset()
    assert emu.requests() == [] and emu.jobs() == []
    assert emu.control("GET", "/_emulator/faults") == {"armed": []}


# ---- TLS -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def test_tls(tls):
    with Emulator("--tls-cert", tls["server_cert"], "--tls-key", tls["server_key"]) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=tls["ca"])
        expect_json(emu.call(P + "list", {}, context=ctx), ok({"records": []}))
        with pytest.raises(ssl.SSLCertVerificationError):
            emu.call(P + "list", {}, context=ssl.create_default_context())


def test_tls_client_certificates(tls):
    with Emulator("--tls-cert", tls["server_cert"], "--tls-key", tls["server_key"], "--client-ca", tls["ca"],
                  client_cert=(tls["client_cert"], tls["client_key"])) as emu:
        ctx = ssl.create_default_context(cafile=tls["ca"])
        with pytest.raises((ssl.SSLError, ConnectionError)):
            emu.call(P + "list", {}, context=ctx)
        ctx.load_cert_chain(tls["client_cert"], tls["client_key"])
        expect_json(emu.call(P + "list", {}, context=ctx), ok({"records": []}))
        assert len(emu.requests()) == 1
