"""Locating ``libmilvus_import`` and binding its C ABI with :mod:`ctypes`.

Lookup order (the first library that loads wins):

1. the environment variable ``MILVUS_IMPORT_LIBRARY``: a full path to the shared library;
2. a copy shipped inside this package: ``milvus_import/libmilvus_import.so*``;
3. the system: ``ctypes.util.find_library("milvus_import")`` (``ldconfig`` cache,
   ``LD_LIBRARY_PATH``, standard directories).

When none loads, one :class:`ImportError` names all three places and why each failed.
After loading, ``milvus_version()`` is checked against the ABI this binding was written
for (0.1.x), and every function of ``include/milvus_import.h`` is bound from one table
with its ``argtypes``/``restype``; a missing symbol is an :class:`ImportError` too.

Every ``char *`` that the library returns as NEW is declared ``c_void_p``; the errcheck
hooks copy it with :func:`ctypes.string_at` and free it with ``milvus_free`` in a
``finally``, so no Python caller ever frees anything. (The client calls also have copies
in :data:`CALLS`, returning a :class:`NewString` that ``Client._send`` checks, copies and
frees the same way, inline.) A NULL (or a non-OK status) is
turned into the matching :class:`~milvus_import.errors.MilvusImportError` subclass, filled
from the thread-local ``milvus_last_error_*`` accessors, read right after the call on the
same thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .errors import InvalidArgumentError, MilvusImportError, error_from_status

__all__ = ["lib", "LIBRARY_PATH", "LIBRARY_VERSION", "ENV_VAR", "PROGRESS_FN", "encode", "load_library"]

#: The environment variable naming the library's full path.
ENV_VAR = "MILVUS_IMPORT_LIBRARY"
#: The (major, minor) of the C ABI this binding is written against.
ABI_VERSION: Tuple[int, int] = (0, 1)

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE_PATTERNS = ("libmilvus_import.so*", "libmilvus_import*.dylib")

#: ``int (*milvus_progress_fn)(const char *describe_json, void *user_data)``.
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


def _package_copies() -> List[Path]:
    found: List[Path] = []
    for pattern in _PACKAGE_PATTERNS:
        found.extend(p for p in _PACKAGE_DIR.glob(pattern) if p.is_file())
    # the plain name first, then the SONAME, then fully versioned names
    return sorted(set(found), key=lambda p: (len(p.name), p.name))


def load_library() -> Tuple[ctypes.CDLL, str]:
    """Load the shared library following the documented order.

    Returns:
        ``(CDLL, where)``: the loaded library and the path or name it was loaded from.
    Raises:
        ImportError: nothing loaded; the message lists all three places tried.
    """
    tried: List[str] = []

    env = os.environ.get(ENV_VAR, "")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as err:
            tried.append(f"1. ${ENV_VAR}={env!r}: {err}")
    else:
        tried.append(f"1. ${ENV_VAR}: not set")

    copies = _package_copies()
    if not copies:
        tried.append(f"2. package copy {_PACKAGE_DIR / 'libmilvus_import.so*'}: none found")
    for copy in copies:
        try:
            return ctypes.CDLL(str(copy)), str(copy)
        except OSError as err:
            tried.append(f"2. package copy {copy}: {err}")

    name = ctypes.util.find_library("milvus_import")
    if name:
        try:
            return ctypes.CDLL(name), name
        except OSError as err:
            tried.append(f'3. ctypes.util.find_library("milvus_import") -> {name!r}: {err}')
    else:
        tried.append('3. ctypes.util.find_library("milvus_import"): not found on the system')

    raise ImportError(
        "milvus_import: cannot load libmilvus_import; tried, in order:\n  "
        + "\n  ".join(tried)
        + f"\nBuild it (`make` gives build/lib/libmilvus_import.so), install it "
        f"(`make install`), or set {ENV_VAR} to its full path."
    )


# --------------------------------------------------------------------------------------
# errcheck hooks
# --------------------------------------------------------------------------------------

_lib_for_errors: Optional[ctypes.CDLL] = None


def _last_error(func_name: str, returned_status: int = 0) -> MilvusImportError:
    """The calling thread's last error as an exception. Call right after a failed call."""
    lib = _lib_for_errors
    assert lib is not None
    code = int(lib.milvus_last_error_code())
    http_status = int(lib.milvus_last_error_http_status())
    server_code = int(lib.milvus_last_error_server_code())
    raw = lib.milvus_last_error_message()
    message = raw.decode("utf-8", "replace") if raw else ""
    if code == 0:
        code = returned_status
    if code == 0:
        return MilvusImportError(
            f"{func_name} failed without reporting an error (library bug)",
            status=-1,
            http_status=http_status,
            server_code=server_code,
        )
    return error_from_status(code, message, http_status, server_code)


def _check_new_string(result: Optional[int], func: Any, args: Tuple[Any, ...]) -> bytes:
    """errcheck for functions returning a NEW ``char *``: copy, free, or raise."""
    if not result:
        raise _last_error(func.__name__)
    try:
        return ctypes.string_at(result)
    finally:
        _lib_for_errors.milvus_free(result)  # type: ignore[union-attr]


def _check_handle(result: Optional[int], func: Any, args: Tuple[Any, ...]) -> int:
    """errcheck for ``milvus_client_new``: a NULL handle raises."""
    if not result:
        raise _last_error(func.__name__)
    return int(result)


def _check_status(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """errcheck for setters returning a ``milvus_status``: non-zero raises."""
    if result != 0:
        raise _last_error(func.__name__, result)
    return result


# --------------------------------------------------------------------------------------
# The whole ABI, one table: name -> (restype, argtypes, errcheck)
# --------------------------------------------------------------------------------------

_c = ctypes
_str = _c.c_char_p  # const char * in (bytes or None), or STATIC/BORROWED char * out
_new = _c.c_void_p  # NEW char * out: kept as an address so it can be freed
_handle = _c.c_void_p  # milvus_client *
_Check = Optional[Callable[..., Any]]

_TABLE: Dict[str, Tuple[Any, Sequence[Any], _Check]] = {
    # version and status text (STATIC)
    "milvus_version": (_str, [], None),
    "milvus_status_string": (_str, [_c.c_int], None),
    # the last error of the calling thread
    "milvus_last_error_code": (_c.c_int, [], None),
    "milvus_last_error_http_status": (_c.c_int, [], None),
    "milvus_last_error_server_code": (_c.c_longlong, [], None),
    "milvus_last_error_message": (_str, [], None),  # BORROWED, copied at once by c_char_p
    # memory
    "milvus_free": (None, [_c.c_void_p], None),
    # stateless calls
    "milvus_list_import_jobs": (_new, [_str, _str], _check_new_string),
    "milvus_get_import_progress": (_new, [_str, _str], _check_new_string),
    "milvus_bulk_import": (_new, [_str, _str, _str], _check_new_string),
    # clients
    "milvus_client_new": (_handle, [_str], _check_handle),
    "milvus_client_free": (None, [_handle], None),
    "milvus_client_set_api_key": (_c.c_int, [_handle, _str], _check_status),
    "milvus_client_set_database": (_c.c_int, [_handle, _str], _check_status),
    "milvus_client_set_timeout_ms": (_c.c_int, [_handle, _c.c_long], _check_status),
    "milvus_client_set_connect_timeout_ms": (_c.c_int, [_handle, _c.c_long], _check_status),
    "milvus_client_set_tls": (_c.c_int, [_handle, _c.c_int, _str], _check_status),
    "milvus_client_set_client_cert": (_c.c_int, [_handle, _str, _str], _check_status),
    "milvus_client_set_header": (_c.c_int, [_handle, _str, _str], _check_status),
    "milvus_client_set_proxy": (_c.c_int, [_handle, _str], _check_status),
    "milvus_client_set_max_retries": (_c.c_int, [_handle, _c.c_int], _check_status),
    "milvus_client_set_retry_backoff_ms": (_c.c_int, [_handle, _c.c_long], _check_status),
    "milvus_client_set_max_response_bytes": (_c.c_int, [_handle, _c.c_longlong], _check_status),
    # calls
    "milvus_client_list_import_jobs": (_new, [_handle, _str], _check_new_string),
    "milvus_client_list_all_import_jobs": (_new, [_handle, _str], _check_new_string),
    "milvus_client_get_import_progress": (_new, [_handle, _str], _check_new_string),
    "milvus_client_bulk_import": (_new, [_handle, _str], _check_new_string),
    "milvus_client_commit_import": (_new, [_handle, _str], _check_new_string),
    "milvus_client_abort_import": (_new, [_handle, _str], _check_new_string),
    # waiting; the callback slot is a void * so that None passes as NULL
    "milvus_client_wait_import_job": (
        _new,
        [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p],
        _check_new_string,
    ),
    "milvus_client_wait_import_job_with_request": (
        _new,
        [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p],
        _check_new_string,
    ),
}


def _bind(cdll: ctypes.CDLL, where: str) -> None:
    for name, (restype, argtypes, errcheck) in _TABLE.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise ImportError(f"milvus_import: {where} does not export {name}: not a compatible libmilvus_import") from None
        fn.restype = restype
        fn.argtypes = list(argtypes)
        if errcheck is not None:
            fn.errcheck = errcheck


def _check_version(cdll: ctypes.CDLL, where: str) -> str:
    try:
        fn = cdll.milvus_version
    except AttributeError:
        raise ImportError(f"milvus_import: {where} does not export milvus_version: not libmilvus_import") from None
    fn.restype, fn.argtypes = ctypes.c_char_p, []
    raw = fn()
    version = raw.decode("ascii", "replace") if raw else ""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ImportError(f"milvus_import: {where} reports an unreadable version {version!r}") from None
    wanted_major, wanted_minor = ABI_VERSION
    # 0.x: every minor release may change the ABI; from 1.0 on, a newer minor is compatible.
    compatible = major == wanted_major and (minor == wanted_minor if major == 0 else minor >= wanted_minor)
    if not compatible:
        raise ImportError(
            f"milvus_import: {where} is libmilvus_import {version}, this binding needs "
            f"{wanted_major}.{wanted_minor}.x"
        )
    return version


def encode(value: Optional[str], what: str) -> Optional[bytes]:
    """A Python string as NUL-terminated UTF-8 for the C side (None stays NULL).

    Raises:
        InvalidArgumentError: not a str, contains NUL, or not encodable as UTF-8 (lone
            surrogates). Nothing is sent.
    """
    if value is None:
        return None
    if type(value) is not str and isinstance(value, os.PathLike):  # a plain str skips the ABC check
        value = os.fspath(value)
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    if type(value) is not str:
        value = str.__str__(value)  # the text itself, never through a subclass's own methods
    if "\x00" in value:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{what} is not valid Unicode (lone surrogate)") from None


# --------------------------------------------------------------------------------------
# The calls' fast path: second function objects for the client calls, without errcheck
# --------------------------------------------------------------------------------------


class NewString(ctypes.c_char_p):
    """The restype of :data:`CALLS`: a NEW ``char *`` kept as a ctypes object.

    ctypes converts a plain ``c_char_p`` result to bytes (losing the address to free), but
    returns a subclass as an instance; its ``.value`` copies the text (None for NULL), and
    the instance itself is the argument of :data:`free_new`.
    """


#: ``void milvus_free(void *)`` taking a :class:`NewString` (the same symbol as
#: ``lib.milvus_free``; the GIL is released as for every library call).
free_new: Any = None
#: The ``milvus_client_*`` calls ``(milvus_client *, const char *request) -> NEW char *``
#: as separate function objects with a :class:`NewString` restype and no errcheck, for
#: ``Client._send`` (milvus_import.client), which checks, copies and frees inline exactly
#: as :func:`_check_new_string` does, without its Python calls (errcheck, string_at) per
#: request. The ``lib.milvus_client_*`` attributes keep their errcheck.
CALLS: Dict[str, Any] = {}
_CLIENT_CALLS = (
    "milvus_client_list_import_jobs",
    "milvus_client_list_all_import_jobs",
    "milvus_client_get_import_progress",
    "milvus_client_bulk_import",
    "milvus_client_commit_import",
    "milvus_client_abort_import",
)


def _bind_calls(cdll: ctypes.CDLL) -> None:
    global free_new
    # prototype((name, library)): a foreign function exported by the library (documented
    # ctypes API); CFUNCTYPE functions release the GIL like the CDLL attributes
    free_new = ctypes.CFUNCTYPE(None, NewString)(("milvus_free", cdll))
    proto = ctypes.CFUNCTYPE(NewString, _handle, _str)
    for name in _CLIENT_CALLS:
        assert _TABLE[name][1] == [_handle, _str] and _TABLE[name][2] is _check_new_string
        CALLS[name] = proto((name, cdll))


lib, LIBRARY_PATH = load_library()
_check_version(lib, LIBRARY_PATH)
_bind(lib, LIBRARY_PATH)
_bind_calls(lib)
_lib_for_errors = lib
#: The version string the loaded library reports, e.g. ``"0.1.0"``.
LIBRARY_VERSION: str = lib.milvus_version().decode("ascii", "replace")
