"""The emulator's own behaviour, with exact statuses, content types, bodies and messages.

Run: build/venv/bin/python -m pytest Tests/emulator   (or `make test-emulator`)
Jobs run on a long --job-seconds and the tests move the emulator's clock
(POST /_emulator/clock), so progress values are exact, not timing-dependent.
Behaviour every server line shares runs against each --milvus-version; a difference between
lines is a test that names both.
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
from harness import EMULATOR, MILVUS_VERSIONS, Emulator, connect, http_call, make_tls_files  # noqa: E402
from milvus_emulator import profile_for  # noqa: E402

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


VERSIONS = list(MILVUS_VERSIONS)


@pytest.fixture(scope="module")
def servers():
    """servers(version): a reset emulator of that version (started once per module)."""
    running = {}

    def get(version: str) -> Emulator:
        if version not in running:
            running[version] = Emulator("--milvus-version", version, "--job-seconds", "100", "--collection",
                                        "quick_setup", "--collection", "coll_a@db_a:p1").start()
        running[version].reset()
        return running[version]
    yield get
    for e in running.values():
        e.__exit__(None, None, None)


@pytest.fixture(params=VERSIONS)
def any_emu(request, servers):
    return servers(request.param)


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
def test_collection_partition_and_file_errors(any_emu):
    emu = any_emu
    expect_json(emu.call(P + "list", {"collectionName": "coll_a"}),
                err(100, "collection not found[database=default][collection=coll_a]"))
    expect_json(emu.call(P + "create", {"collectionName": "x", "files": [["a.json"]]}),
                err(100, "collection not found[database=default][collection=x]"))
    expect_json(emu.call(P + "create", {"collectionName": "coll_a", "dbName": "db_a", "partitionName": "p2",
                                        "files": [["a.json"]]}), err(200, "partition not found[partition=p2]"))
    for files in ([], [[]], [[], []]):  # empty groups are dropped before the checks
        expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": files}),
                    err(1100, "import request is empty: invalid parameter"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.txt"]]}),
                err(2100, "unexpected file type, files=[a.txt]: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json", "b.json"]]}),
                err(2100, "for JSON import, accepts only one file: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.npy", "b.json"]]}),
                err(2100, "inconsistency in file types, (a.npy) vs (b.json): importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["f.json"]] * 1025}),
                err(2100, "The max number of import files should not exceed 1024, but got 1025: importing data failed"))
    expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json"]],
                                        "options": {"timeout": "5"}}),
                err(2100, 'parse timeout failed, err=time: missing unit in duration "5": importing data failed'))
    assert emu.jobs() == []
    jid = create(emu, files=[[], ["a.json"], []])
    assert [j["files"] for j in emu.jobs()] == [[["a.json"]]] and jid == str(FIRST_ID)


UNKNOWN_JOB = {"2.4": 2100, "2.5": 2100, "2.6.18": 2100, "2.6.19": 2101, "3.0": 2101}


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_job_2_4_to_2_6_18_answer_2100_2_6_19_and_3_0_answer_2101(servers, version):
    emu, code = servers(version), UNKNOWN_JOB[version]
    suffix = {2100: "importing data failed", 2101: "importing data failed on server side"}[code]
    for route in ("describe", "get_progress"):
        expect_json(emu.call(P + route, {"jobId": "448761313698322099"}),
                    err(code, f"import job does not exist, jobID=448761313698322099: {suffix}"))


BAD_JOB_ID = {
    "2.4": (2100, 'parse job id failed, err=%wstrconv.ParseInt: parsing "job-1": invalid syntax: importing data failed'),
    "2.5": (2100, 'parse job id failed, err=%wstrconv.ParseInt: parsing "job-1": invalid syntax: importing data failed'),
    "2.6.18": (2100, 'parse job id failed: strconv.ParseInt: parsing "job-1": invalid syntax: importing data failed'),
    "2.6.19": (1100, 'parse job id failed: strconv.ParseInt: parsing "job-1": invalid syntax: invalid parameter'),
    "3.0": (1100, 'parse job id failed: strconv.ParseInt: parsing "job-1": invalid syntax: invalid parameter'),
}


@pytest.mark.parametrize("version", VERSIONS)
def test_describe_of_a_non_integer_job_id_2_5_2100_err_w_2_6_18_2100_colon_2_6_19_1100(servers, version):
    expect_json(servers(version).call(P + "describe", {"jobId": "job-1"}), err(*BAD_JOB_ID[version]))


def test_describe_of_an_out_of_range_job_id(emu):
    expect_json(emu.call(P + "get_progress", {"jobId": "99999999999999999999"}),
                err(1100, 'parse job id failed: strconv.ParseInt: parsing "99999999999999999999": '
                          'value out of range: invalid parameter'))


def test_database_2_4_checks_every_route_2_5_checks_only_collection_lookups(servers):
    """2.4: wrapperCheckDatabase answers 800 on every route; 2.5 (and later): only a collection
    lookup finds the database missing, list without a collection and describe ignore it."""
    old, new = servers("2.4"), servers("2.5")
    for emu in (old, new):
        create(emu, collectionName="coll_a", dbName="db_a")
    rest_text = err(800, "database not found, database: nodb")
    expect_json(old.call(P + "list", {"dbName": "nodb"}), rest_text)
    expect_json(old.call(P + "list", {"collectionName": "quick_setup", "dbName": "nodb"}), rest_text)
    expect_json(old.call(P + "create", {"collectionName": "quick_setup", "dbName": "nodb", "files": [["a.json"]]}),
                rest_text)
    expect_json(old.call(P + "describe", {"jobId": str(FIRST_ID)}, headers={"DB-Name": "nodb"}), rest_text)

    proxy_text = err(800, "database not found[database=nodb]")
    expect_json(new.call(P + "list", {"collectionName": "quick_setup", "dbName": "nodb"}), proxy_text)
    expect_json(new.call(P + "create", {"collectionName": "quick_setup", "dbName": "nodb", "files": [["a.json"]]}),
                proxy_text)
    expect_json(new.call(P + "list", {"dbName": "nodb"}), ok({"records": [
        {"collectionName": "coll_a", "jobId": str(FIRST_ID), "progress": 0, "state": "Pending"}]}))
    assert describe(new, str(FIRST_ID), headers={"DB-Name": "nodb"})["data"]["collectionName"] == "coll_a"


@pytest.mark.parametrize("version", VERSIONS)
def test_list_without_a_collection_shows_every_database(servers, version):
    """Body dbName wins for list and create; describe reads only the DB-Name header (checked on
    2.4 only); list without collectionName returns the jobs of every database."""
    emu = servers(version)
    jid = create(emu, collectionName="coll_a", dbName="db_a", headers={"DB-Name": "nodb"})
    jid2 = create(emu, collectionName="coll_a", headers={"DB-Name": "db_a"})
    jid3 = create(emu)
    assert [j["dbName"] for j in emu.jobs()] == ["db_a", "db_a", "default"]
    expect_json(emu.call(P + "create", {"collectionName": "coll_a", "files": [["a.json"]]}),
                err(100, "collection not found[database=default][collection=coll_a]"))
    everything = [{"collectionName": c, "jobId": j, "progress": 0, "state": "Pending"}
                  for c, j in (("coll_a", jid), ("coll_a", jid2), ("quick_setup", jid3))]
    for body, headers in (({}, None), ({"dbName": "db_a"}, None), ({}, {"DB-Name": "db_a"})):
        expect_json(emu.call(P + "list", body, headers=headers), ok({"records": everything}))
    expect_json(emu.call(P + "list", {"collectionName": "coll_a", "dbName": "db_a"}, headers={"DB-Name": "nodb"}),
                ok({"records": everything[:2]}))
    expect_json(emu.call(P + "list", {"collectionName": "quick_setup"}, headers={"DB-Name": "default"}),
                ok({"records": everything[2:]}))
    assert describe(emu, jid)["data"]["jobId"] == jid
    assert describe(emu, jid, headers={"DB-Name": "db_a"})["data"]["collectionName"] == "coll_a"


FILE_TYPES = {"2.4": (".json", ".npy", ".parquet"), "2.5": (".json", ".npy", ".parquet", ".csv"),
              "2.6.18": (".json", ".npy", ".parquet", ".csv", ".jsonl", ".ndjson")}


@pytest.mark.parametrize("version", ["2.4", "2.5", "2.6.18"])
def test_file_types_2_4_no_csv_2_5_csv_2_6_18_jsonl_and_ndjson(servers, version):
    emu = servers(version)
    for ext in (".json", ".npy", ".parquet", ".csv", ".jsonl", ".ndjson"):
        reply = emu.call(P + "create", {"collectionName": "quick_setup", "files": [[f"a{ext}"]]})
        if ext in FILE_TYPES[version]:
            assert reply.json()["code"] == 0, (ext, reply)
        else:
            expect_json(reply, err(2100, f"unexpected file type, files=[a{ext}]: importing data failed"))
    assert len(emu.jobs()) == len(FILE_TYPES[version])


def test_create_time_absent_on_2_5_present_on_2_6_18(servers):
    for version, has in (("2.5", False), ("2.6.18", True)):
        emu = servers(version)
        data = describe(emu, create(emu))["data"]
        assert ("createTime" in data) == has, version
        if has:
            assert RFC3339.match(data["createTime"])


def test_commit_and_abort_routes_404_on_2_6_19_exist_on_3_0(servers):
    old, new = servers("2.6.19"), servers("3.0")
    for route in ("commit", "abort"):
        reply = old.call(P + route, {"jobId": "1"})
        assert (reply.status, reply.header("Content-Type"), reply.body) == (404, "text/plain", b"404 page not found")
        expect_json(new.call(P + route, {"jobId": "1"}),
                    err(2101, "job 1 not found: importing data failed on server side"))


def test_auto_commit_ignored_by_2_6_19_validated_by_3_0(servers):
    old, new = servers("2.6.19"), servers("3.0")
    bad = {"collectionName": "quick_setup", "files": [["a.json"]], "options": {"auto_commit": "no"}}
    jid = create(old, options={"auto_commit": "no"})
    create(old, options={"auto_commit": "false"})
    old.advance(101)
    assert [r["state"] for r in old.call(P + "list", {}).json()["data"]["records"]] == ["Completed"] * 2
    assert describe(old, jid)["data"]["state"] == "Completed"
    message = err(1801, 'options.auto_commit must be one of "true" or "false"')
    for value in ("no", "", "1", "f", " true"):
        expect_json(new.call(P + "create", {**bad, "options": {"auto_commit": value}}), message)
    expect_json(new.call(P + "create", b'{"collectionName":"quick_setup","files":[["a.json"]],'
                                       b'"options":{"auto_commit":null}}'), message)
    for value in ("TRUE", "True", "tRuE", "FALSE", "False"):
        create(new, options={"auto_commit": value})
    new.advance(101)
    assert [r["state"] for r in new.call(P + "list", {}).json()["data"]["records"]] == \
        ["Completed"] * 3 + ["Uncommitted"] * 2


def test_idempotency_key_ignored_by_2_6_19_honoured_by_2_6_24_and_3_0(servers):
    old = servers("2.6.19")
    assert create(old, headers={"Idempotency-Key": "k-1"}) != create(old, headers={"Idempotency-Key": "k-1"})
    assert create(old, headers={"Idempotency-Key": ""})  # not checked either
    with Emulator("--milvus-version", "2.6.24") as emu:
        assert create(emu, headers={"Idempotency-Key": "k-1"}) == create(emu, headers={"Idempotency-Key": "k-1"})
    emu = servers("3.0")
    a = create(emu, headers={"Idempotency-Key": "k-1"})
    assert create(emu, headers={"Idempotency-Key": "k-1"}) == a
    assert create(emu, headers={"Idempotency-Key": "k-2"}) != a
    msg = "Idempotency-Key must be 1 to 256 bytes of printable ASCII: invalid parameter"
    for bad in ("x" * 257, "tab\there", ""):
        expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json"]]},
                             headers={"Idempotency-Key": bad}), err(1100, msg))
    assert len(emu.jobs()) == 2


@pytest.mark.parametrize("given,line,idempotency", [
    ("2.4", "2.4", False), ("2.4.17", "2.4", False), ("2.5.3", "2.5", False), ("2.6.5", "2.6.18", False),
    ("2.6.18", "2.6.18", False), ("2.6.19", "2.6.19", False), ("2.6.20", "2.6.19", False), ("2.6", "2.6.19", False),
    ("2.6.24", "2.6.19", True), ("3.0", "3.0", True), ("3.0.1", "3.0", False), ("3.0.2", "3.0", True)])
def test_version_names_map_to_a_line(given, line, idempotency):
    p = profile_for(given)
    assert (p.name, p.idempotency_key) == (line, idempotency)


def test_unknown_version_or_zone_is_refused():
    for args, text in ((["--milvus-version", "2.3"], "unknown Milvus version '2.3'"),
                       (["--timezone", "CET"], "time zone must be Z or +HH:MM / -HH:MM, not 'CET'")):
        r = subprocess.run([sys.executable, str(EMULATOR), *args], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and text in r.stderr and r.stdout == ""


# ---- jobs ----------------------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path):
    (tmp_path / "rows.json").write_text(json.dumps({"rows": [{"id": i} for i in range(4)]}))
    (tmp_path / "lines.json").write_text("".join(json.dumps({"id": i}) + "\n" for i in range(6)))
    (tmp_path / "t.csv").write_text('id,text\n1,"two\nlines"\n2,b\n3,c\n')
    return tmp_path


def test_ids_are_int64_strings_not_consecutive(emu):
    ids = [create(emu), create(emu, files=[["a.json"], ["b.json"]]), create(emu)]
    # the allocator also gives ids to each file group's pre-import and import tasks
    assert ids == [str(FIRST_ID), str(FIRST_ID + 3), str(FIRST_ID + 8)]
    emu.reset()
    assert create(emu) == str(FIRST_ID)


# progress at 75%, 90% and 96.5% of --job-seconds: 2.4 builds indexes from 70 to 90 (no stats
# phase), 2.5 and 2.6 sort 70-80 then build 80-90, 3.0 builds until 95% then commits at 99
LATE_PROGRESS = {"2.4": (73, 83, 87), "2.5": (75, 85, 88), "2.6.18": (75, 85, 88), "2.6.19": (75, 85, 88),
                 "3.0": (75, 86, 99)}


@pytest.mark.parametrize("version", VERSIONS)
def test_job_lifecycle_exact(version, files):
    """Jobs of 100000 s: the real milliseconds between calls move no progress value."""
    with Emulator("--milvus-version", version, "--job-seconds", "100000") as emu:
        third, third_rows = ("t.csv", 3) if version != "2.4" else ("rows.json", 4)  # 2.4 has no CSV import
        paths = [str(files / "rows.json"), str(files / "lines.json"), str(files / third), "remote/x.parquet"]
        jid = create(emu, files=[[p] for p in paths])
        rows = [4, 6, third_rows, missing_rows("remote/x.parquet")]
        sizes = [os.path.getsize(p) for p in paths[:3]] + [rows[3] * 128]
        total = sum(rows)

        def at(percent):  # of the job's duration
            emu.advance((percent - at.now) * 1000)
            at.now = percent
            data = describe(emu, jid)["data"]
            created = data.pop("createTime", None)
            assert (created is not None) == (version not in ("2.4", "2.5")) and (created is None or RFC3339.match(created))
            return data
        at.now = 0

        def details(state, done, complete=False):
            out = []
            for p, r, s in zip(paths, rows, sizes):
                prog = int(int(r * done) / r * 100)
                out.append({"completeTime": complete, "fileName": f"[{p}]", "fileSize": s,
                            "importedRows": prog * r // 100, "progress": prog, "state": state, "totalRows": r})
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
        done_time = at(75)["details"][0]["completeTime"]
        assert RFC3339.match(done_time)
        imported_all = {**base, "details": details("Completed", 1.0, done_time), "fileSize": sum(sizes),
                        "importedRows": total, "state": "Importing", "totalRows": total}
        assert [at(p) for p in (75, 90, 96.5)] == [{**imported_all, "progress": n} for n in LATE_PROGRESS[version]]
        d = at(101)
        assert RFC3339.match(d["completeTime"]) and d["completeTime"] >= done_time
        assert d == {**imported_all, "completeTime": d["completeTime"], "progress": 100, "state": "Completed"}
        expect_json(emu.call(P + "list", {"collectionName": "quick_setup"}),
                    ok({"records": [{"collectionName": "quick_setup", "jobId": jid, "progress": 100,
                                     "state": "Completed"}]}))
        # the old name of describe answers the same
        again = emu.call(P + "get_progress", {"jobId": jid}).json()["data"]
        again.pop("createTime", None)
        assert again == d


def test_times_in_the_server_zone():
    with Emulator("--job-seconds", "10", "--timezone", "+08:00") as emu:
        jid = create(emu)
        emu.advance(11)
        d = describe(emu, jid)["data"]
        zoned = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
        assert zoned.match(d["completeTime"]) and zoned.match(d["createTime"])
        assert zoned.match(d["details"][0]["completeTime"])


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


def failed(jid, reason, file_size=0, details=()):
    """describe's data of a failed job (no createTime)."""
    return {"collectionName": "quick_setup", "completeTime": "", "details": list(details), "fileSize": file_size,
            "importedRows": 0, "jobId": jid, "progress": 0, "reason": reason, "state": "Failed", "totalRows": 0}


def test_failing_file_fails_the_job(emu):
    jid = create(emu, files=[["ok.json"], ["data/part_fail.json"]])
    reason = "failed to import file data/part_fail.json: the file name contains 'fail' (emulated failure)"
    emu.advance(50)
    assert describe(emu, jid)["data"]["state"] == "Importing"
    emu.advance(10)
    d = describe(emu, jid)["data"]
    assert [(x["fileName"], x["state"], x["progress"], x["reason"]) for x in d["details"]] == [
        ("[ok.json]", "Failed", 0, reason), ("[data/part_fail.json]", "Failed", 0, reason)]
    d.pop("createTime")
    assert d == failed(jid, reason, (missing_rows("ok.json") + missing_rows("data/part_fail.json")) * 128, d["details"])
    expect_json(emu.call(P + "list", {}), ok({"records": [{"collectionName": "quick_setup", "jobId": jid,
                                                           "progress": 0, "reason": reason, "state": "Failed"}]}))


SIZE_SUFFIX = {"2.4": "", "2.5": "", "2.6.18": ": invalid parameter", "2.6.19": ": invalid parameter",
               "3.0": ": invalid parameter"}


@pytest.mark.parametrize("version", VERSIONS)
def test_jobs_fail_later_missing_object_too_large_timeout(version, tmp_path):
    """With --data-dir a missing file fails its job in pre-import as a missing object does; so
    does a file group over 16 GiB (2.6 adds ': invalid parameter'); a `timeout` option that
    runs out fails the job with `import timeout`."""
    (tmp_path / "ok.json").write_text('{"rows":[{"id":1},{"id":2}]}')
    with open(tmp_path / "big.parquet", "wb") as f:
        f.truncate((16 << 30) + 1)  # sparse
    with Emulator("--milvus-version", version, "--job-seconds", "100", "--data-dir", str(tmp_path)) as emu:
        missing = create(emu, files=[["ok.json"], ["nope/a.json"]])
        big = create(emu, files=[["big.parquet"]])
        timed = create(emu, options={"timeout": "60s"}, files=[["ok.json"]])
        fine = create(emu, options={"timeout": "1h"}, files=[["ok.json"]])
        emu.advance(20)
        assert {r["jobId"]: r["state"] for r in emu.call(P + "list", {}).json()["data"]["records"]} == \
            {missing: "Importing", big: "Importing", timed: "Importing", fine: "Importing"}
        emu.advance(10)

        def data(jid):
            d = describe(emu, jid)["data"]
            d.pop("createTime", None)
            return d
        assert data(missing) == failed(missing, "The specified key does not exist.: key not found[key=nope/a.json]")
        assert data(big) == failed(big, "The import file size has reached the maximum limit allowed for importing, "
                                        f"fileSize={(16 << 30) + 1}, maxSize={16 << 30}{SIZE_SUFFIX[version]}")
        emu.advance(31)
        d = data(timed)
        assert [(x["state"], x["reason"]) for x in d["details"]] == [("Failed", "import timeout")]
        assert d == failed(timed, "import timeout", (tmp_path / "ok.json").stat().st_size, d["details"])
        emu.advance(40)
        assert (data(fine)["state"], data(fine)["totalRows"]) == ("Completed", 2)


# ---- files in an object store (--s3-endpoint) ------------------------------------------------------
@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    sys.path.insert(0, str(HERE.parent / "support"))
    from seaweed import SeaweedFS
    with SeaweedFS(tmp_path_factory.mktemp("seaweed"), buckets=("imports",)) as s3:
        yield s3


def s3_emulator(s3, *args, secret_key=None):
    return Emulator("--job-seconds", "100", "--s3-endpoint", s3.endpoint, "--bucket", "imports",
                    "--access-key", s3.access_key, "--secret-key", secret_key or s3.secret_key, *args)


def test_objects_give_real_sizes_and_rows(seaweed):
    """The files of a job are keys in the bucket: each group's size is its objects' sizes and
    its rows are counted from its first object, for every format Milvus reads."""
    import io as bytes_io

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    def npy(array) -> bytes:
        buf = bytes_io.BytesIO()
        np.save(buf, array)
        return buf.getvalue()

    parquet = bytes_io.BytesIO()
    pq.write_table(pa.table({"id": list(range(7)), "text": [f"row {i}" for i in range(7)]}), parquet)
    objects = {
        "in/list.json": json.dumps([{"id": i} for i in range(3)]).encode(),
        "in/rows.json": json.dumps({"rows": [{"id": i} for i in range(2)]}).encode(),
        "in/lines.jsonl": "".join(json.dumps({"id": i}) + "\n" for i in range(4)).encode(),
        "in/t.csv": b'id,text\n1,"two\nlines"\n2,b\n3,c\n4,d\n',
        "in/v/id.npy": npy(np.arange(5)),
        "in/v/vec.npy": npy(np.zeros((5, 4), dtype=np.float32)),
        "in/p.parquet": parquet.getvalue(),
    }
    for key, data in objects.items():
        seaweed.put("imports", key, data)
    groups = [["in/list.json"], ["in/rows.json"], ["in/lines.jsonl"], ["in/t.csv"],
              ["in/v/id.npy", "in/v/vec.npy"], ["in/p.parquet"]]
    rows = [3, 2, 4, 4, 5, 7]
    with s3_emulator(seaweed) as emu:
        jid = create(emu, files=groups)
        emu.advance(101)
        d = describe(emu, jid)["data"]
    assert [(x["fileName"], x["fileSize"], x["totalRows"], x["importedRows"]) for x in d["details"]] == [
        ("[" + " ".join(g) + "]", sum(len(objects[k]) for k in g), r, r) for g, r in zip(groups, rows)]
    assert (d["state"], d["totalRows"], d["importedRows"], d["fileSize"]) == (
        "Completed", sum(rows), sum(rows), sum(len(v) for v in objects.values()))


def test_missing_object_fails_its_job_with_milvus_reason(seaweed):
    seaweed.put("imports", "here.json", b"[{}]")
    with s3_emulator(seaweed) as emu:
        jid = create(emu, files=[["here.json"], ["gone/a.json"]])
        emu.advance(30)
        d = describe(emu, jid)["data"]
        d.pop("createTime")
        assert d == failed(jid, "The specified key does not exist.: key not found[key=gone/a.json]")


def test_refused_keys_fail_the_job_without_the_secret(seaweed):
    """A store that refuses the signature fails the job in pre-import with its HTTP status."""
    seaweed.put("imports", "here.json", b"[{}]")
    wrong = "WRONGsecret" + "x" * 20
    with s3_emulator(seaweed, secret_key=wrong) as emu:
        jid = create(emu, files=[["here.json"]])
        emu.advance(30)
        d = describe(emu, jid)["data"]
        d.pop("createTime")
        assert d == failed(jid, "failed to read object here.json from bucket imports: HTTP 403")
        assert wrong not in emu.stderr()


@pytest.mark.parametrize("args, text", [
    (["--s3-endpoint", "http://127.0.0.1:1", "--bucket", "b"], "--s3-endpoint needs --bucket, --access-key and --secret-key"),
    (["--s3-endpoint", "http://127.0.0.1:1", "--bucket", "b", "--access-key", "k", "--secret-key", "s",
      "--data-dir", "."], "--s3-endpoint and --data-dir are two places to read files from: give one"),
    (["--bucket", "b"], "--bucket needs --s3-endpoint")])
def test_object_store_options_go_together(args, text):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    r = subprocess.run([sys.executable, str(EMULATOR), *args], capture_output=True, text=True, timeout=10, env=env)
    assert r.returncode == 2 and text in r.stderr and r.stdout == ""

@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_state_is_none(servers, version):
    emu = servers(version)
    jid = create(emu)
    emu.unknown_state(jid)
    reply = emu.call("/_emulator/unknown_state", {"jobId": "1"})
    assert (reply.status, reply.json()) == (404, {"error": "no job 1"})
    d = describe(emu, jid)["data"]
    assert (d["state"], d["progress"], d["reason"], d["completeTime"]) == ("None", 0, "unknown import job state", "")
    expect_json(emu.call(P + "list", {}), ok({"records": [{"collectionName": "quick_setup", "jobId": jid,
                                                           "progress": 0, "reason": "unknown import job state",
                                                           "state": "None"}]}))


LIMIT = ("The number of jobs has reached the limit, please try again later. If your request is set to only import a "
         "single file, please consider importing multiple files in one request for better efficiency.")
LIMIT_ANSWER = {"2.6.18": err(2100, LIMIT + ": importing data failed"),
                "2.6.19": err(2101, "failed to broadcast import: failed to validate import request: " + LIMIT
                              + ": importing data failed on server side")}


@pytest.mark.parametrize("version", ["2.6.18", "2.6.19"])
def test_retention_and_job_limit_2_6_18_answers_2100_2_6_19_answers_2101(version):
    with Emulator("--milvus-version", version, "--job-seconds", "10", "--retention-seconds", "5",
                  "--max-jobs", "2") as emu:
        first, second = create(emu), create(emu)
        expect_json(emu.call(P + "create", {"collectionName": "quick_setup", "files": [["a.json"]]}),
                    LIMIT_ANSWER[version])
        emu.advance(11)  # both finished at 10 s: slots free again, still visible
        assert describe(emu, first)["data"]["state"] == "Completed"
        third = create(emu)
        emu.advance(3.5)  # 4.5 s after completion
        assert [r["jobId"] for r in emu.call(P + "list", {}).json()["data"]["records"]] == [first, second, third]
        emu.advance(1)  # 5.5 s after completion: gone
        expect_json(emu.call(P + "describe", {"jobId": first}), err(UNKNOWN_JOB[version], (
            f"import job does not exist, jobID={first}: importing data failed"
            + (" on server side" if version == "2.6.19" else ""))))
        assert [r["jobId"] for r in emu.call(P + "list", {}).json()["data"]["records"]] == [third]


# ---- two-phase import (3.0) ------------------------------------------------------------------------
def test_two_phase_commit(emu):
    a = create(emu, options={"auto_commit": "false"})
    auto = create(emu)
    expect_json(emu.call(P + "commit", {"jobId": a}),
                err(2101, f"job {a} is in state Pending, expected Uncommitted: importing data failed on server side"))
    emu.advance(50)
    expect_json(emu.call(P + "commit", {"jobId": a}),
                err(2101, f"job {a} is in state Importing, expected Uncommitted: importing data failed on server side"))
    emu.advance(46)  # 96 s: the commit phase
    d = describe(emu, a)["data"]
    assert (d["state"], d["progress"], d["completeTime"], d["importedRows"] == d["totalRows"]) == \
        ("Uncommitted", 99, "", True)
    assert (describe(emu, auto)["data"]["state"], describe(emu, auto)["data"]["progress"]) == ("Importing", 99)
    for job in (auto,):
        for route in ("commit", "abort"):
            expect_json(emu.call(P + route, {"jobId": job}),
                        err(2101, f"job {job} is auto-commit, manual commit/abort not allowed: importing data "
                                  f"failed on server side"))
    emu.advance(100)
    assert describe(emu, a)["data"]["state"] == "Uncommitted"  # waits for its commit
    expect_json(emu.call(P + "commit", {"jobId": a}), ok({}))
    d = describe(emu, a)["data"]
    assert (d["state"], d["progress"], d["completeTime"]) == ("Committing", 99, "")
    expect_json(emu.call(P + "commit", {"jobId": a}), ok({}))  # again while Committing
    expect_json(emu.call(P + "abort", {"jobId": a}),
                err(2101, f"job {a} is in terminal/committed state Committing, abort not allowed: importing data "
                          f"failed on server side"))
    emu.advance(5)  # a commit takes 5% of --job-seconds
    d = describe(emu, a)["data"]
    assert (d["state"], d["progress"]) == ("Completed", 100) and RFC3339.match(d["completeTime"])
    expect_json(emu.call(P + "commit", {"jobId": a}), ok({}))  # again when Completed
    expect_json(emu.call(P + "abort", {"jobId": a}),
                err(2101, f"job {a} is in terminal/committed state Completed, abort not allowed: importing data "
                          f"failed on server side"))


def test_two_phase_abort(emu):
    early = create(emu, options={"auto_commit": "false"})
    late = create(emu, options={"auto_commit": "False"})
    failing = create(emu, options={"auto_commit": "false"}, files=[["x_fail.json"]])
    emu.advance(20)
    expect_json(emu.call(P + "abort", {"jobId": early}), ok({}))
    emu.advance(80)
    expect_json(emu.call(P + "abort", {"jobId": late}), ok({}))
    for jid in (early, late):
        d = describe(emu, jid)["data"]
        assert (d["state"], d["progress"], d["reason"], d["completeTime"]) == ("Failed", 0, "aborted by user", "")
        expect_json(emu.call(P + "abort", {"jobId": jid}), ok({}))  # again: done already
        expect_json(emu.call(P + "commit", {"jobId": jid}),
                    err(2101, f"job {jid} is in state Failed, expected Uncommitted: importing data failed on "
                              f"server side"))
    expect_json(emu.call(P + "abort", {"jobId": failing}),
                err(2101, f"job {failing} is in terminal/committed state Failed, abort not allowed: importing data "
                          f"failed on server side"))


def test_commit_and_abort_job_id_errors(emu):
    expect_json(emu.call(P + "commit", {"jobId": "abc"}),
                err(1100, 'strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter[expected=int64 jobId]'
                          '[actual=abc]'))
    expect_json(emu.call(P + "abort", {"jobId": "1"}), err(2101, "job 1 not found: importing data failed on server side"))
    expect_json(emu.call(P + "commit", {"jobId": 1}),
                err(1801, FORMAT + "json: cannot unmarshal number into Go struct field JobIDReq.jobId of type string"))


def test_timeout_does_not_strike_a_committed_job(emu):
    jid = create(emu, options={"auto_commit": "false", "timeout": "98s"})
    emu.advance(96)
    expect_json(emu.call(P + "commit", {"jobId": jid}), ok({}))
    emu.advance(10)
    assert describe(emu, jid)["data"]["state"] == "Completed"
    waiting = create(emu, options={"auto_commit": "false", "timeout": "120s"})
    emu.advance(121)
    assert describe(emu, waiting)["data"]["reason"] == "import timeout"


def test_no_two_phase_and_no_describe():
    with Emulator("--job-seconds", "1", "--no-two-phase", "--no-describe") as emu:
        jid = create(emu, options={"auto_commit": "no"})  # not checked without two-phase import
        for route in ("commit", "abort", "describe"):
            reply = emu.call(P + route, {"jobId": jid})
            assert (reply.status, reply.header("Content-Type"), reply.body) == (404, "text/plain", b"404 page not found")
        emu.advance(2)
        assert emu.call(P + "get_progress", {"jobId": jid}).json()["data"]["state"] == "Completed"


# ---- JSON as Go writes it --------------------------------------------------------------------------
def test_go_json_escaping(emu):
    reply = emu.call(P + "list", {"collectionName": "<a&b>\u2028é"})
    assert reply.body == ('{"code":100,"message":"collection not found[database=default][collection='
                          '\\u003ca\\u0026b\\u003e\\u2028é]"}').encode()


# ---- authentication ----------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_token_auth_runs_before_routing(version):
    with Emulator("--milvus-version", version, "--token", "root:Milvus") as emu:
        unauth = err(1800, "user hasn't authenticated")
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer root:wrong"},
                        {"Authorization": "Bearer root"}, {"Authorization": "Basic " + base64.b64encode(b"root:x").decode()}):
            expect_json(emu.call(P + "list", {}, headers=headers), unauth, status=401)
            expect_json(emu.call("/nope", {}, headers=headers), unauth, status=401)  # before routing
        expect_json(emu.call(P + "list", b"{bad"), unauth, status=401)  # before the body is read
        good = {"Authorization": "Bearer root:Milvus"}
        expect_json(emu.call(P + "list", {}, headers=good), ok({"records": []}))
        reply = emu.call(P + "list", {}, headers={"Authorization": "Basic " + base64.b64encode(b"root:Milvus").decode()})
        expect_json(reply, ok({"records": []}))
        assert reply.header("Www-Authenticate") == 'Basic realm="restricted", charset="UTF-8"'
        assert (emu.call("/nope", {}, headers=good).status, emu.call("/nope", {}, headers=good).body) == \
            (404, b"404 page not found")
        # a trailing slash and OPTIONS are answered before authentication
        assert emu.call(P + "list/", {}).status == 307 and emu.call(P + "list", method="OPTIONS").status == 204


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
