"""pymilvus[bulk-writer]==3.0.2, the reference client, against the emulator.

What pymilvus sends (paths, exact bodies, headers, one TCP connection per call) and that
its results parse.  The library's own requests are compared with these elsewhere
(pymilvus_flow.pymilvus_flow gives the same flow and its request log).
"""
from __future__ import annotations

import json

import pymilvus
import pytest
from harness import MILVUS_VERSIONS, Emulator
from pymilvus.bulk_writer import bulk_import, get_import_progress, list_import_jobs
from pymilvus.exceptions import MilvusException
from pymilvus_flow import pymilvus_flow

P = "/v2/vectordb/jobs/import/"
UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_0) AppleWebKit/535.11 (KHTML, like Gecko) "
      "Chrome/17.0.963.56 Safari/535.11")


def pymilvus_headers(emu, body: str, authorization: str = "Bearer ", db_name: str | None = None) -> list:
    """The headers pymilvus 3.0.2 sends, in order (requests' defaults, then its own; typos included)."""
    headers = [["Host", emu.url.split("//")[1]], ["User-Agent", UA], ["Accept-Encoding", "gzip, deflate"],
               ["Accept", "application/json"], ["Connection", "keep-alive"],
               ["Accept-Encodin", "gzip,deflate,sdch"], ["Accept-Languag", "en-US,en;q=0.5"],
               ["Authorization", authorization]]
    if db_name:
        headers.append(["DB-Name", db_name])
    return headers + [["Content-Length", str(len(body.encode()))], ["Content-Type", "application/json"]]


def create_body(collection="quick_setup", db="", files=(("a.json",),), options=None, **cloud) -> str:
    params = {"collectionName": collection, "dbName": db, "partitionName": "", "files": [list(g) for g in files],
              "objectUrl": "", "objectUrls": None, "clusterId": "", "projectId": "", "regionId": "",
              "accessKey": "", "secretKey": "", "token": "", "volumeName": "", "dataPaths": None}
    params.update(cloud)
    params["options"] = options or {}
    return json.dumps(params)


def test_pinned_version():
    assert pymilvus.__version__ == "3.0.2"


@pytest.fixture(scope="module", params=MILVUS_VERSIONS)
def emu(request):
    """pymilvus 3.0.2 against each Milvus line the emulator answers as."""
    with Emulator("--job-seconds", "0.4", "--milvus-version", request.param,
                  "--collection", "quick_setup", "--collection", "coll_a@db_a") as e:
        e.version = request.param
        yield e


def test_full_flow_requests_and_results(emu):
    flow = pymilvus_flow(emu, files=[["a.json"], ["b.parquet"]])
    jid = flow.job_id
    assert jid == "448761313698322011" and flow.created == {"code": 0, "data": {"jobId": jid}}

    # create -> describe (until Completed) -> list, every call on a new TCP connection
    log = flow.requests
    assert [r["path"] for r in log] == [P + "create"] + [P + "describe"] * len(flow.progress) + [P + "list"]
    assert {r["method"] for r in log} == {"POST"}
    assert len({r["conn"] for r in log}) == len(log)

    body = create_body(files=[["a.json"], ["b.parquet"]])
    assert log[0]["body"] == body
    assert log[0]["header_list"] == pymilvus_headers(emu, body)
    body = json.dumps({"jobId": jid, "clusterId": "", "projectId": "", "regionId": ""})
    assert log[1]["body"] == body and log[1]["header_list"] == pymilvus_headers(emu, body)
    body = json.dumps({"collectionName": "quick_setup", "dbName": "", "clusterId": "", "projectId": "",
                       "regionId": "", "pageSize": 10, "currentPage": 1})
    assert log[-1]["body"] == body and log[-1]["header_list"] == pymilvus_headers(emu, body)

    # the answers parse, states move forward, the job ends Completed
    states = [a["data"]["state"] for a in flow.progress]
    order = ["Pending", "Importing", "Completed"]
    assert states == sorted(states, key=order.index) and states[-1] == "Completed"
    progress = [a["data"]["progress"] for a in flow.progress]
    assert progress == sorted(progress) and progress[-1] == 100
    final = flow.progress[-1]["data"]
    assert (final["jobId"], final["collectionName"], final["importedRows"] == final["totalRows"] > 0) == \
        (jid, "quick_setup", True)
    assert [d["fileName"] for d in final["details"]] == ["[a.json]", "[b.parquet]"]
    assert flow.listing == {"code": 0, "data": {"records": [
        {"collectionName": "quick_setup", "jobId": jid, "progress": 100, "state": "Completed"}]}}


def test_flow_with_database_and_token():
    with Emulator("--job-seconds", "0.3", "--token", "root:Milvus", "--collection", "coll_a@db_a") as emu:
        flow = pymilvus_flow(emu, collection_name="coll_a", db_name="db_a", api_key="root:Milvus")
        assert flow.progress[-1]["data"]["state"] == "Completed"
        for r in flow.requests:  # DB-Name and the token on every call
            assert r["headers"]["DB-Name"] == "db_a" and r["headers"]["Authorization"] == "Bearer root:Milvus"
        assert json.loads(flow.requests[0]["body"])["dbName"] == "db_a"
        assert json.loads(flow.requests[-1]["body"])["dbName"] == "db_a"
        assert "dbName" not in json.loads(flow.requests[1]["body"])  # describe: header only
        assert emu.jobs()[0]["dbName"] == "db_a"

        with pytest.raises(MilvusException) as e:
            list_import_jobs(emu.url, api_key="root:nope")
        url = emu.url + P + "list"
        assert e.value.message == (f"Failed to post url: {url}, error: <MilvusException: (code=1, message="
                                   f"Failed to post url: {url}, status code: 401)>")


def test_server_errors_reach_the_caller(emu):
    emu.reset()
    with pytest.raises(MilvusException) as e:
        get_import_progress(emu.url, job_id="448761313698322099")
    # Milvus 2.6.19 and later answer 2101, "... on server side"; earlier lines 2100.
    newer = MILVUS_VERSIONS.index(emu.version) >= MILVUS_VERSIONS.index("2.6.19")
    code, tail = (2101, " on server side") if newer else (2100, "")
    assert e.value.message == (f"Failed to request url: {emu.url}{P}describe, code: {code}, message: import job "
                               f"does not exist, jobID=448761313698322099: importing data failed{tail}")
    with pytest.raises(MilvusException) as e:
        bulk_import(emu.url, collection_name="nope", files=[["a.json"]])
    assert e.value.message == (f"Failed to request url: {emu.url}{P}create, code: 100, message: collection not "
                               f"found[database=default][collection=nope]")
    # pymilvus sends "files": null when it has none: the server's 1802
    with pytest.raises(MilvusException) as e:
        bulk_import(emu.url, collection_name="quick_setup")
    assert e.value.message.endswith("code: 1802, message: missing required parameters, error: Key: "
                                    "'ImportReq.Files' Error:Field validation for 'Files' failed on the 'required' tag")


def test_two_phase_options_pass_through(emu):
    emu.reset()
    jid = bulk_import(emu.url, collection_name="quick_setup", files=[["a.json"]],
                      options={"auto_commit": "false"}).json()["data"]["jobId"]
    assert emu.requests()[0]["body"] == create_body(options={"auto_commit": "false"})
    emu.advance(1)
    # Only Milvus 3.0 has two-phase import; 2.x lines ignore the option and complete the job.
    expected = "Uncommitted" if emu.version == "3.0" else "Completed"
    assert get_import_progress(emu.url, job_id=jid).json()["data"]["state"] == expected


def test_pymilvus_on_faults(emu):
    """pymilvus has no retries: a gateway error or a 404 is its exception; gzip is decoded by requests."""
    emu.reset()
    url = emu.url + P + "list"
    emu.arm("html", status=502)
    with pytest.raises(MilvusException) as e:
        list_import_jobs(emu.url)
    assert e.value.message == (f"Failed to post url: {url}, error: <MilvusException: (code=1, message="
                               f"Failed to post url: {url}, status code: 502)>")
    emu.arm("gzip")
    assert list_import_jobs(emu.url).json() == {"code": 0, "data": {"records": []}}
    assert len(emu.requests()) == 2


def test_cloud_flow():
    with Emulator("--mode", "cloud", "--token", "api-key", "--job-seconds", "0.3") as emu:
        flow = pymilvus_flow(emu, files=None, cluster_id="in01-0123456789abcdef", api_key="api-key",
                             object_url="s3://bucket/a.parquet", access_key="ak", secret_key="sk")
        assert flow.job_id == "job-0123456789abcdef01234"
        assert flow.requests[0]["body"] == json.dumps(json.loads(create_body(
            files=(), objectUrl="s3://bucket/a.parquet", clusterId="in01-0123456789abcdef", accessKey="ak",
            secretKey="sk")) | {"files": None})
        assert flow.progress[-1]["data"]["details"][0]["fileName"] == "[s3://bucket/a.parquet]"
        assert flow.listing == {"code": 0, "data": {"count": 1, "currentPage": 1, "pageSize": 10, "records": [
            {"collectionName": "quick_setup", "jobId": flow.job_id, "progress": 100, "state": "Completed"}]}}
        with pytest.raises(MilvusException) as e:
            list_import_jobs(emu.url, cluster_id="in01-0123456789abcdef", api_key="wrong")
        assert e.value.message.endswith("code: 21119, message: The apikey is illegal.")
