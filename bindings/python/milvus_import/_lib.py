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

Every function that can fail gets the one errcheck :func:`_check`: a NULL or a non-zero
status becomes the matching :class:`~milvus_import.errors.MilvusImportError` subclass,
filled from the thread-local ``milvus_last_error_*`` accessors right after the call on the
same thread. A ``char *`` that the library returns as NEW is declared ``c_void_p`` (a
``c_char_p`` would copy it and lose the address to free); :func:`_check` copies it with
:func:`ctypes.string_at` and frees it with ``milvus_free`` in a ``finally``, so no Python
caller ever frees anything.

Callbacks from the library (the interrupt check every client gets, and ``on_progress``)
run Python code on the calling thread, where a Ctrl-C's ``KeyboardInterrupt`` surfaces:
:func:`call` keeps, per call, the first exception one of them caught, and raises it once
the library has returned (see "Callbacks" below).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import operator
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Generator, Iterator, List, Optional, Sequence, Tuple

from .errors import InvalidArgumentError, MilvusImportError, error_from_status

__all__ = [
    "lib", "LIBRARY_PATH", "LIBRARY_VERSION", "ENV_VAR", "PROGRESS_FN", "INTERRUPT_FN", "encode", "type_error",
    "load_library", "call", "progress_callback", "set_interrupt",
]

#: The environment variable naming the library's full path.
ENV_VAR = "MILVUS_IMPORT_LIBRARY"
#: The (major, minor) of the C ABI this binding is written against.
ABI_VERSION: Tuple[int, int] = (0, 1)

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE_PATTERNS = ("libmilvus_import.so*", "libmilvus_import*.dylib")

#: ``int (*milvus_progress_fn)(const char *describe_json, void *user_data)``.
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
#: ``int (*milvus_interrupt_fn)(void *user_data)``; the binding's user data is a Python
#: object (a pointer, as ``void *`` is), handed back to the callback as that object.
INTERRUPT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object)


def _package_copies() -> List[Path]:
    found: List[Path] = []
    for pattern in _PACKAGE_PATTERNS:
        found.extend(p for p in _PACKAGE_DIR.glob(pattern) if p.is_file())
    # the plain name first, then the SONAME, then fully versioned names
    return sorted(set(found), key=lambda p: (len(p.name), p.name))


def _candidates() -> Iterator[Tuple[str, Optional[str]]]:
    """The places to look, in order: (what to call the place, the path or name to load, or
    None when the place has nothing to load). Lazy, so a later place is only searched when
    an earlier one did not load."""
    env = os.environ.get(ENV_VAR, "")
    yield (f"1. ${ENV_VAR}={env!r}", env) if env else (f"1. ${ENV_VAR}: not set", None)
    copies = _package_copies()
    if not copies:
        yield f"2. package copy {_PACKAGE_DIR / 'libmilvus_import.so*'}: none found", None
    for copy in copies:
        yield f"2. package copy {copy}", str(copy)
    name = ctypes.util.find_library("milvus_import")
    if name:
        yield f'3. ctypes.util.find_library("milvus_import") -> {name!r}', name
    else:
        yield '3. ctypes.util.find_library("milvus_import"): not found on the system', None


def load_library() -> Tuple[ctypes.CDLL, str]:
    """Load the shared library following the documented order.

    Returns:
        ``(CDLL, where)``: the loaded library and the path or name it was loaded from.
    Raises:
        ImportError: nothing loaded; the message lists all three places tried.
    """
    tried: List[str] = []
    for place, path in _candidates():
        if path is None:
            tried.append(place)
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as err:
            tried.append(f"{place}: {err}")
    raise ImportError(
        "milvus_import: cannot load libmilvus_import; tried, in order:\n  "
        + "\n  ".join(tried)
        + f"\nBuild it (`make` gives build/lib/libmilvus_import.so), install it "
        f"(`make install`), or set {ENV_VAR} to its full path."
    )


# --------------------------------------------------------------------------------------
# The whole ABI, one table: name -> (restype, argtypes, checked)
# --------------------------------------------------------------------------------------


class _Client(ctypes.Structure):
    """The opaque ``milvus_client``."""


_c = ctypes
_str = _c.c_char_p  # const char * in (bytes or None), or STATIC/BORROWED char * out
_new = _c.c_void_p  # NEW char * out: kept as an address so that it can be freed
_handle = _c.POINTER(_Client)  # milvus_client *
_status = _c.c_int  # milvus_status: 0 is OK

# checked: the function reports failure by its result (NULL or a non-zero status), so it
# gets the errcheck _check; the others cannot fail.
_TABLE: Dict[str, Tuple[Any, Sequence[Any], bool]] = {
    # version and status text (STATIC)
    "milvus_version": (_str, [], False),
    "milvus_status_string": (_str, [_c.c_int], False),
    # the last error of the calling thread
    "milvus_last_error_code": (_c.c_int, [], False),
    "milvus_last_error_http_status": (_c.c_int, [], False),
    "milvus_last_error_server_code": (_c.c_longlong, [], False),
    "milvus_last_error_message": (_str, [], False),  # BORROWED, copied at once by c_char_p
    "milvus_last_error_storage_code": (_str, [], False),  # BORROWED, copied at once
    # memory
    "milvus_free": (None, [_c.c_void_p], False),
    # stateless calls
    "milvus_set_stateless_max_retries": (_status, [_c.c_int], True),
    "milvus_list_import_jobs": (_new, [_str, _str], True),
    "milvus_get_import_progress": (_new, [_str, _str], True),
    "milvus_bulk_import": (_new, [_str, _str, _str], True),
    # clients
    "milvus_client_new": (_handle, [_str], True),
    "milvus_client_free": (None, [_handle], False),
    "milvus_client_set_api_key": (_status, [_handle, _str], True),
    "milvus_client_set_database": (_status, [_handle, _str], True),
    "milvus_client_set_timeout_ms": (_status, [_handle, _c.c_long], True),
    "milvus_client_set_connect_timeout_ms": (_status, [_handle, _c.c_long], True),
    "milvus_client_set_tls": (_status, [_handle, _c.c_int, _str], True),
    "milvus_client_set_client_cert": (_status, [_handle, _str, _str], True),
    "milvus_client_set_header": (_status, [_handle, _str, _str], True),
    "milvus_client_set_proxy": (_status, [_handle, _str], True),
    "milvus_client_set_max_retries": (_status, [_handle, _c.c_int], True),
    "milvus_client_set_attempt_timeout_ms": (_status, [_handle, _c.c_long], True),
    # the interrupt check: a milvus_interrupt_fn (as a void *) and its user data (an object)
    "milvus_client_set_interrupt": (_status, [_handle, _c.c_void_p, _c.py_object], True),
    "milvus_client_set_retry_backoff_ms": (_status, [_handle, _c.c_long], True),
    "milvus_client_set_max_response_bytes": (_status, [_handle, _c.c_longlong], True),
    # object storage: endpoint, region, access key, secret key, session token
    "milvus_client_set_storage": (_status, [_handle, _str, _str, _str, _str, _str], True),
    "milvus_client_set_storage_virtual_host": (_status, [_handle, _c.c_int], True),
    "milvus_client_set_upload_part_size": (_status, [_handle, _c.c_longlong], True),
    "milvus_client_set_upload_stall_timeout_ms": (_status, [_handle, _c.c_long], True),
    # calls
    "milvus_client_list_import_jobs": (_new, [_handle, _str], True),
    "milvus_client_list_all_import_jobs": (_new, [_handle, _str], True),
    "milvus_client_get_import_progress": (_new, [_handle, _str], True),
    "milvus_client_bulk_import": (_new, [_handle, _str], True),
    "milvus_client_commit_import": (_new, [_handle, _str], True),
    "milvus_client_abort_import": (_new, [_handle, _str], True),
    # waiting; the callback slot is a void * so that None passes as NULL
    "milvus_client_wait_import_job": (_new, [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p], True),
    "milvus_client_wait_import_job_with_request": (
        _new, [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p], True,
    ),
    "milvus_client_wait_import_jobs": (_new, [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p], True),
    # local files: upload, then import
    "milvus_client_upload_files": (_new, [_handle, _str, _c.c_void_p, _c.c_void_p], True),
    "milvus_client_import_files": (_new, [_handle, _str, _c.c_long, _c.c_long, _c.c_void_p, _c.c_void_p], True),
}


def _last_error(func_name: str, returned_status: int = 0) -> MilvusImportError:
    """The calling thread's last error as an exception. Call right after a failed call."""
    code = int(lib.milvus_last_error_code())
    http_status = int(lib.milvus_last_error_http_status())
    server_code = int(lib.milvus_last_error_server_code())
    raw = lib.milvus_last_error_message()
    message = raw.decode("utf-8", "replace") if raw else ""
    raw_code = lib.milvus_last_error_storage_code()
    storage_code = raw_code.decode("utf-8", "replace") if raw_code else ""
    if code == 0:
        code = returned_status
    if code == 0:
        return MilvusImportError(
            f"{func_name} failed without reporting an error (library bug)",
            status=-1,
            http_status=http_status,
            server_code=server_code,
        )
    return error_from_status(code, message, http_status, server_code, storage_code)


def _check(result: Any, func: Any, args: Tuple[Any, ...]) -> Any:
    """errcheck of every function that can fail: a non-zero status or a NULL raises; a NEW
    string is returned as bytes (copied, then freed); a status or a handle as it is."""
    if func.restype is _status:
        if result != 0:
            raise _last_error(func.__name__, result)
        return result
    if not result:
        raise _last_error(func.__name__)
    if func.restype is not _new:
        return result
    try:
        return ctypes.string_at(result)
    finally:
        lib.milvus_free(result)


def _bind(cdll: ctypes.CDLL, where: str) -> None:
    for name, (restype, argtypes, checked) in _TABLE.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise ImportError(f"milvus_import: {where} does not export {name}: not a compatible libmilvus_import") from None
        fn.restype = restype
        fn.argtypes = list(argtypes)
        if checked:
            fn.errcheck = _check


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


def type_error(what: str, wanted: str, value: Any) -> TypeError:
    """``TypeError("job_id must be a str, got int")``: a Python argument of the wrong type."""
    got = "None" if value is None else type(value).__name__
    return TypeError(f"{what} must be {wanted}, got {got}")


def encode(value: Optional[str], what: str) -> Optional[bytes]:
    """A Python string or path as NUL-terminated UTF-8 for the C side (None stays NULL).

    Raises:
        TypeError: not a str (or os.PathLike); the message names ``what``.
        InvalidArgumentError: contains NUL, or not encodable as UTF-8 (lone surrogates).
        Nothing is sent either way.
    """
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise type_error(what, "a str", value)
    if "\x00" in value:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{what} is not valid Unicode (lone surrogate)") from None


# --------------------------------------------------------------------------------------
# Callbacks
#
# A pending Ctrl-C raises KeyboardInterrupt in the main thread at the interpreter's next
# check, and a Python function checks on entry, before its first line: an exception raised
# there leaves a ctypes callback unseen ("Exception ignored on calling ctypes callback"),
# with an undefined return value. A generator resumed by ``send`` checks after its
# ``yield``, which can sit inside ``try``: so each callback is the ``send`` of a generator
# paused inside ``try``, which catches whatever is raised (in the user's code or by the
# signal), keeps it for the call, and answers "stop" (1).
# --------------------------------------------------------------------------------------


class _Calls(threading.local):
    """Per thread: the exception a callback caught during the current call, and this
    thread's interrupt check (a generator each thread owns, as one generator cannot run on
    two threads at once)."""

    def __init__(self) -> None:
        self.caught: Optional[BaseException] = None
        checks = self._interrupt_checks()
        next(checks)
        #: what the interrupt callback calls, through operator.methodcaller("send", None)
        self.send = checks.send

    def keep(self, err: BaseException) -> None:
        if self.caught is None:  # the first exception wins; a later Ctrl-C adds nothing
            self.caught = err

    def _interrupt_checks(self) -> Generator[int, None, None]:
        while True:
            try:
                while True:
                    yield 0 if self.caught is None else 1
            except GeneratorExit:
                return
            except BaseException as err:  # KeyboardInterrupt from a pending Ctrl-C
                self.keep(err)


_CALLS = _Calls()
# The interrupt check of every client: the library calls it with _CALLS as user data, and
# methodcaller looks up this thread's generator without running any Python code that could
# be interrupted outside a ``try``.
_INTERRUPT = INTERRUPT_FN(operator.methodcaller("send", None))
# A callback declared with the describe text alone: the library also passes user_data (NULL
# here), which the C calling convention lets a callee leave unread.
_TEXT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p)


def set_interrupt(handle: Any) -> None:
    """Give a client the binding's interrupt check (milvus_client_set_interrupt)."""
    lib.milvus_client_set_interrupt(handle, ctypes.cast(_INTERRUPT, ctypes.c_void_p), _CALLS)


def _progress_checks(on_progress: Callable[[Dict[str, Any]], Any]) -> Generator[int, Optional[bytes], None]:
    stop = 0
    while True:
        try:
            while True:
                text = yield stop
                stop = 1 if on_progress(json.loads(text) if text else {}) else 0
        except GeneratorExit:
            return
        except BaseException as err:  # the callback's own exception, or a pending Ctrl-C
            _CALLS.keep(err)
            stop = 1


def progress_callback(on_progress: Callable[[Dict[str, Any]], Any]) -> Any:
    """A milvus_progress_fn that gives ``on_progress`` each JSON text as a dict; a true
    result stops the call (CANCELLED). Keep the returned object alive until the call
    returns; pass it as ``ctypes.cast(cb, ctypes.c_void_p)``."""
    checks = _progress_checks(on_progress)
    next(checks)
    return _TEXT_FN(checks.send)


def call(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` (a bound library function), raising the exception a callback caught
    during it (the user's ``on_progress`` error, or ``KeyboardInterrupt``) in place of
    the library's CancelledError, or of its result. Calls nest (an ``on_progress`` may
    call the library): each keeps its own."""
    calls = _CALLS  # touched here first, so this thread's state exists before any callback
    outer, calls.caught = calls.caught, None
    try:
        result = fn(*args)
    except MilvusImportError:
        caught, calls.caught = calls.caught, outer
        if caught is not None:
            raise caught from None
        raise
    except BaseException:
        calls.caught = outer
        raise
    caught, calls.caught = calls.caught, outer
    if caught is not None:  # caught at the last check of a call that then succeeded
        raise caught
    return result


lib, LIBRARY_PATH = load_library()
#: The version string the loaded library reports, e.g. ``"0.1.0"``.
LIBRARY_VERSION: str = _check_version(lib, LIBRARY_PATH)
_bind(lib, LIBRARY_PATH)
