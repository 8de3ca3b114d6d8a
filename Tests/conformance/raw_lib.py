"""The built library through plain ctypes (no binding in between): MILVUS_IMPORT_LIBRARY."""
from __future__ import annotations

import ctypes
import functools
import os

C, P, V = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p
SIGNATURES = {
    "milvus_list_import_jobs": (V, [C, C]),
    "milvus_get_import_progress": (V, [C, C]),
    "milvus_bulk_import": (V, [C, C, C]),
    "milvus_free": (None, [V]),
    "milvus_last_error_code": (ctypes.c_int, []),
    "milvus_last_error_http_status": (ctypes.c_int, []),
    "milvus_last_error_server_code": (ctypes.c_longlong, []),
    "milvus_last_error_message": (C, []),
    "milvus_client_new": (P, [C]),
    "milvus_client_free": (None, [P]),
    "milvus_client_set_api_key": (ctypes.c_int, [P, C]),
    "milvus_client_set_database": (ctypes.c_int, [P, C]),
    "milvus_client_list_import_jobs": (V, [P, C]),
    "milvus_client_bulk_import": (V, [P, C]),
    "milvus_client_wait_import_job": (V, [P, C, ctypes.c_long, ctypes.c_long, V, V]),
}


@functools.lru_cache(maxsize=1)
def load() -> ctypes.CDLL:
    lib = ctypes.CDLL(os.environ["MILVUS_IMPORT_LIBRARY"])
    for name, (restype, argtypes) in SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib
