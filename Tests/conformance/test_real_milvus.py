"""A real Milvus 2.3.5 (PyPI `milvus`) on loopback, against the emulator.

- 2.3.5 has no import REST API: list, describe and create answer gin's 404 text;
- the emulator's 404 (and its 204 for OPTIONS, 307 for a trailing slash) equals the real
  server's answer byte for byte, but for the Date header;
- the emulator decodes request bodies as the real server's Go decoder does: bodies that fail
  decoding are sent to the real server's v1 create route (same gin binding and error prefix)
  and the messages must match the emulator's for the same struct.
The server starts once per session (conftest.real_milvus_url) and stops at its end.
"""
from __future__ import annotations

import pytest
from harness import Emulator, http_call
from milvus_emulator import ApiError, Field, ReqType, bind
from pymilvus.bulk_writer import list_import_jobs
from pymilvus.exceptions import MilvusException

P = "/v2/vectordb/jobs/import/"
NOT_FOUND = (404, "text/plain", b"404 page not found")


@pytest.fixture(scope="module")
def emu():
    with Emulator() as e:
        yield e


def answer(reply):
    """Everything but the Date header's value."""
    return reply.status, [(k, "<date>" if k == "Date" else v) for k, v in reply.headers], reply.body


@pytest.mark.parametrize("route", ["list", "describe", "create", "get_progress"])
def test_real_server_has_no_import_api(real_milvus_url, route):
    reply = http_call(real_milvus_url, P + route, {"collectionName": "quick_setup", "jobId": "1", "files": [["a.json"]]},
                      headers={"Content-Type": "application/json"})
    assert (reply.status, reply.header("Content-Type"), reply.body) == NOT_FOUND


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/vectordb/jobs/import/unknown"), ("POST", "/"), ("POST", "//v2/vectordb/jobs/import/list"),
    ("GET", "/v2/vectordb/jobs/import/list"), ("PUT", "/v2/vectordb/jobs/import/create?x=1"), ("DELETE", "/nope"),
    ("HEAD", "/nope"), ("OPTIONS", "/v2/vectordb/jobs/import/list"),
])
def test_emulator_answers_unknown_paths_as_the_real_server(real_milvus_url, emu, method, path):
    real = http_call(real_milvus_url, path, "{}", method=method)
    assert answer(http_call(emu.url, path, "{}", method=method)) == answer(real)
    if method not in ("HEAD", "OPTIONS"):
        assert (real.status, real.header("Content-Type"), real.body) == NOT_FOUND


def test_trailing_slash_redirect_has_the_real_shape(real_milvus_url, emu):
    """2.3.5 has no import route to redirect; its v1 create route shows gin's 307 for a POST."""
    real = http_call(real_milvus_url, "/v1/vector/collections/create/?a=1", "{}")
    mine = http_call(emu.url, P + "list/?a=1", "{}")
    assert answer(real) == (307, [("Location", "/v1/vector/collections/create?a=1"), ("Date", "<date>"),
                                  ("Content-Length", "0")], b"")
    assert answer(mine) == (307, [("Location", P + "list?a=1"), ("Date", "<date>"), ("Content-Length", "0")], b"")


def test_pymilvus_against_the_real_server(real_milvus_url):
    url = real_milvus_url + P + "list"
    with pytest.raises(MilvusException) as e:
        list_import_jobs(real_milvus_url, collection_name="quick_setup")
    assert e.value.message == (f"Failed to post url: {url}, error: <MilvusException: (code=1, message="
                               f"Failed to post url: {url}, status code: 404)>")


# v1's CreateCollectionReq (internal/distributed/proxy/httpserver/request.go, 2.3.5)
CREATE_COLLECTION_REQ = ReqType("CreateCollectionReq", (
    Field("dbName", "DbName", "string"), Field("collectionName", "CollectionName", "string"),
    Field("dimension", "Dimension", "int32"), Field("description", "Description", "string"),
    Field("metricType", "MetricType", "string"), Field("primaryField", "PrimaryField", "string"),
    Field("vectorField", "VectorField", "string")))

# every body fails decoding (1801), so nothing is ever created on the real server
UNDECODABLE = [
    b"{bad", b'{"a":}', b'{"a"', b"x", b'{"a":1,}', b"[]", b'"s"', b"12 x", b"12x", b"tx", b"0x", b"-", b"nul",
    b'{"a":tru}', b'{"a":nulL}', b'{"a":"\\q"}', b'{"a":"\\u12"}', b'{"a":-}', b'{"a":1.}', b'{"a":1e}', b"[1,]",
    b"\xc3\xa9", b"{\xc3", b'{"a":[1 2]}', b'{"a" 1}', b'{"a":1 "b":2}', b'{"a":"b"', b'{"a":[', b'{"a":01}',
    b"\x7f", b"'", b'{"a":"x\ty"}', b'{"a":"\x01"}', b'{"a":"\xff', b'{"collectionName":1}',
    b'{"collectionName":{"a":1}}', b'{"metricType":[1]}', b'{"dimension":"x"}', b'{"dimension":1.5}',
    b'{"dimension":99999999999}', b'{"dimension":-2147483649}', b'{"dimension":1e3}', b'{"dimension":true}',
    b'{"dimension":"\xff"}', b'{"DIMENSION":"4"}', b'{"dimension":4,"collectionName":5}',
    b'{"dimension":[1],"collectionName":true}', b'{"collectionName":"a","dimension":4',
    b'{"collectionName":"a","dimension":4,"extra":[1,{"x":nul}]}',
]


@pytest.mark.parametrize("body", UNDECODABLE, ids=[repr(b)[2:-1] for b in UNDECODABLE])
def test_go_json_decoding_matches_the_real_server(real_milvus_url, body):
    real = http_call(real_milvus_url, "/v1/vector/collections/create", body).json()
    assert real["code"] == 1801, real
    with pytest.raises(ApiError) as e:
        bind(CREATE_COLLECTION_REQ, body)
    assert (e.value.code, e.value.message) == (real["code"], real["message"])
