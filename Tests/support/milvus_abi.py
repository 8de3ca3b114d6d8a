"""libmilvus_import's C ABI through plain ctypes, for the test suites that call the library
directly: every export of include/milvus_import.h declared once, with no binding in between
(a bug of bindings/python must not hide a bug of the library, or the other way round).

    from milvus_abi import load, take
    lib = load()                      # MILVUS_IMPORT_LIBRARY, else build/lib/libmilvus_import.so
    text = take(lib, lib.milvus_list_import_jobs(b"http://127.0.0.1:19530", b"c"))

Functions returning NEW text are typed void * (ctypes would copy a char * and lose the
pointer to free): `take` copies and frees. The suites' conftest.py put this directory on
sys.path.
"""
from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]

# milvus_status, in the header's order: KINDS[code] is the kind's name.
KINDS = [
    "ok", "invalid_argument", "transport", "timeout", "tls", "http", "auth", "server",
    "malformed_response", "too_large", "job_not_found", "no_memory", "cancelled", "storage",
]

#: milvus_progress_fn. The wait functions take the callback as void *, which accepts None,
#: a PROGRESS_FN and a pointer cast alike.
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

#: milvus_interrupt_fn. milvus_client_set_interrupt takes it as void * too (None removes it);
#: the caller keeps the INTERRUPT_FN object alive while the client may call it.
INTERRUPT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)

_text, _ptr, _int, _long, _llong = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_longlong
SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    "milvus_version": (_text, []),
    "milvus_status_string": (_text, [_int]),
    "milvus_last_error_code": (_int, []),
    "milvus_last_error_http_status": (_int, []),
    "milvus_last_error_server_code": (_llong, []),
    "milvus_last_error_message": (_text, []),
    "milvus_free": (None, [_ptr]),
    "milvus_list_import_jobs": (_ptr, [_text, _text]),
    "milvus_get_import_progress": (_ptr, [_text, _text]),
    "milvus_bulk_import": (_ptr, [_text, _text, _text]),
    "milvus_set_stateless_max_retries": (_int, [_int]),
    "milvus_client_new": (_ptr, [_text]),
    "milvus_client_free": (None, [_ptr]),
    "milvus_client_set_api_key": (_int, [_ptr, _text]),
    "milvus_client_set_database": (_int, [_ptr, _text]),
    "milvus_client_set_timeout_ms": (_int, [_ptr, _long]),
    "milvus_client_set_attempt_timeout_ms": (_int, [_ptr, _long]),
    "milvus_client_set_connect_timeout_ms": (_int, [_ptr, _long]),
    "milvus_client_set_tls": (_int, [_ptr, _int, _text]),
    "milvus_client_set_client_cert": (_int, [_ptr, _text, _text]),
    "milvus_client_set_header": (_int, [_ptr, _text, _text]),
    "milvus_client_set_proxy": (_int, [_ptr, _text]),
    "milvus_client_set_max_retries": (_int, [_ptr, _int]),
    "milvus_client_set_interrupt": (_int, [_ptr, _ptr, _ptr]),
    "milvus_client_set_retry_backoff_ms": (_int, [_ptr, _long]),
    "milvus_client_set_max_response_bytes": (_int, [_ptr, _llong]),
    "milvus_client_list_import_jobs": (_ptr, [_ptr, _text]),
    "milvus_client_list_all_import_jobs": (_ptr, [_ptr, _text]),
    "milvus_client_get_import_progress": (_ptr, [_ptr, _text]),
    "milvus_client_bulk_import": (_ptr, [_ptr, _text]),
    "milvus_client_commit_import": (_ptr, [_ptr, _text]),
    "milvus_client_abort_import": (_ptr, [_ptr, _text]),
    "milvus_client_wait_import_job": (_ptr, [_ptr, _text, _long, _long, _ptr, _ptr]),
    "milvus_client_wait_import_job_with_request": (_ptr, [_ptr, _text, _long, _long, _ptr, _ptr]),
    "milvus_client_wait_import_jobs": (_ptr, [_ptr, _text, _long, _long, _ptr, _ptr]),
    "milvus_client_import_files": (_ptr, [_ptr, _text, _long, _long, _ptr, _ptr]),
    "milvus_last_error_storage_code": (_text, []),
    "milvus_client_set_storage": (_int, [_ptr, _text, _text, _text, _text, _text]),
    "milvus_client_set_storage_virtual_host": (_int, [_ptr, _int]),
    "milvus_client_set_upload_part_size": (_int, [_ptr, _llong]),
    "milvus_client_set_upload_stall_timeout_ms": (_int, [_ptr, _long]),
    "milvus_client_upload_files": (_ptr, [_ptr, _text, _ptr, _ptr]),
}


def library_path() -> str:
    """MILVUS_IMPORT_LIBRARY, else the one `make lib` builds."""
    return os.environ.get("MILVUS_IMPORT_LIBRARY") or str(REPO / "build" / "lib" / "libmilvus_import.so")


@functools.lru_cache(maxsize=None)
def load(path: Optional[str] = None) -> ctypes.CDLL:
    """The library at `path` (default: library_path()), every export typed."""
    lib = ctypes.CDLL(path or library_path())
    for name, (restype, argtypes) in SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


def take(lib: ctypes.CDLL, pointer: Optional[int]) -> Optional[bytes]:
    """The NEW text at `pointer`, copied, then freed; None for NULL."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer)
    finally:
        lib.milvus_free(pointer)
