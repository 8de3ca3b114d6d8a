"""The library against a real Milvus 2.3.5, which has no import REST API: list, describe and
create all fail with MILVUS_ERR_HTTP, status 404, and a message that says why, through the
C ABI and the Python binding alike."""
from __future__ import annotations

import ctypes

import pytest

import milvus_abi
import milvus_import

MILVUS_ERR_HTTP = 5
HINT = "the server has no import REST API at this URL: a Milvus older than 2.4, the wrong port"


def stateless_calls(lib, url):
    return {
        "list": lambda: lib.milvus_list_import_jobs(url, b"quick_setup"),
        "describe": lambda: lib.milvus_get_import_progress(url, b"448761313698322011"),
        "create": lambda: lib.milvus_bulk_import(url, b"quick_setup", b'[["a.json"]]'),
    }


@pytest.mark.parametrize("call", ["list", "describe", "create"])
def test_c_abi_reports_http_404_with_the_reason(real_milvus_url, call):
    lib = milvus_abi.load()
    pointer = stateless_calls(lib, real_milvus_url.encode())[call]()
    assert not pointer
    assert lib.milvus_last_error_code() == MILVUS_ERR_HTTP
    assert lib.milvus_last_error_http_status() == 404
    assert lib.milvus_last_error_server_code() == 0
    message = lib.milvus_last_error_message().decode()
    assert 'HTTP 404 Not Found (text/plain): "404 page not found"' in message
    assert HINT in message


def test_python_binding_raises_http_error(real_milvus_url):
    with pytest.raises(milvus_import.HTTPError) as error:
        milvus_import.list_import_jobs(real_milvus_url, collection_name="quick_setup")
    assert error.value.http_status == 404 and error.value.kind == "http"
    with pytest.raises(milvus_import.HTTPError):
        milvus_import.get_import_progress(real_milvus_url, job_id="448761313698322011")
    with pytest.raises(milvus_import.HTTPError):
        milvus_import.bulk_import(real_milvus_url, collection_name="quick_setup", files=[["a.json"]])
