"""Drop-ins for pymilvus's ``pymilvus.bulk_writer`` REST helpers.

Same names, keyword names, order and defaults as pymilvus 3.0.2's ``list_import_jobs``,
``get_import_progress`` and ``bulk_import`` (plus ``commit_import``/``abort_import`` with
``get_import_progress``'s keywords), and the same request bodies, with these differences:

* they return the parsed envelope as a ``dict`` (pymilvus returns a ``requests.Response``);
* failures raise :class:`~milvus_import.errors.MilvusImportError` subclasses that keep
  the kind, HTTP status, server code and message (pymilvus raises ``MilvusException``);
* connections are reused: each distinct (url, api_key, db_name, verify, cert, headers,
  timeout) gets one cached :class:`~milvus_import.client.Client` (an LRU of 16 clients);
* ``headers``, ``timeout`` (and ``partition_name``/``options`` for ``bulk_import``) are
  named parameters rather than ``**kwargs``; any other keyword is a ``TypeError``;
* ``None``-valued lists (``files``, ``object_urls``, ``data_paths``) are left out of the
  body instead of being sent as JSON ``null`` (the server reads both the same way);
* ``Authorization`` is sent only when ``api_key`` is set; no browser User-Agent or
  misspelt ``Accept-Encodin`` headers; the URL is normalised (no ``//`` after a
  trailing slash).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .client import Cert, Client, Timeout, Verify, _ClientClosed, _keeps, _list_request

__all__ = [
    "list_import_jobs",
    "get_import_progress",
    "bulk_import",
    "commit_import",
    "abort_import",
    "clear_client_cache",
    "CLIENT_CACHE_SIZE",
]

#: How many cached clients (one per url and settings) the module-level functions keep.
CLIENT_CACHE_SIZE = 16

_cache: "OrderedDict[Tuple[Any, ...], Client]" = OrderedDict()
_cache_lock = threading.Lock()
#: The cache's most recently used (key, client), set under _cache_lock whenever the LRU
#: order changes: the usual call (the same settings as the last one) finds its client here,
#: without the lock and without moving it to the end (it is there already). Replaced as one
#: tuple, so a thread reads a key and its client together.
_last: Tuple[Tuple[Any, ...], Optional[Client]] = ((), None)
#: The last list_import_jobs call with plain arguments (str, int, a bool verify, an int,
#: float or None timeout; no cert, no headers): its arguments, its timeout's type, the client that
#: served it and the body it sent. A loop that asks for the same list again (the usual poll)
#: takes both from here while that client is still the cache's most recent one (``_last``),
#: so the LRU order is what a lookup would leave: no body written, no key built, no lookup.
#: Replaced as one tuple.
_last_list_call: Tuple[Tuple[Any, ...], Optional[type], Optional[Client], bytes] = ((), None, None, b"")


_PLAIN = (str, bool, int, float, type(None))
#: The timeout types a kept list call may have (None: no limit).
_KEPT_TIMEOUTS = (int, float, type(None))


def _own_text(value: Any) -> Optional[str]:
    """The text the Client sends for a str setting (``_lib.encode``): a str's or an
    os.PathLike's own text, never through a subclass's methods; None for anything else."""
    if type(value) is not str and isinstance(value, os.PathLike):
        value = os.fspath(value)
    return str.__str__(value) if isinstance(value, str) else None


def _scalar(value: Any) -> Any:
    """A path or number as a key part, by the value the Client reads: a str's or path's own
    text, a number subclass's own value (no argument's __eq__ or __hash__ decides a match);
    anything else matches nothing (the Client refuses it)."""
    if type(value) in _PLAIN:  # the usual case, without the os.PathLike ABC check
        return value
    text = _own_text(value)
    if text is not None:
        return text
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return _Uncached()


def _freeze(value: Any) -> Any:
    """A verify or cert setting: a scalar, or a list or tuple of scalars as a tuple (a
    container inside matches nothing: the Client refuses it)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_scalar(v) for v in value)
    return _scalar(value)


def _text(value: Any) -> Any:
    """The url as a key part: its own text, or a part that matches nothing (refused)."""
    text = _own_text(value)
    return _Uncached() if text is None else text


def _optional_text(value: Any) -> Any:
    """An api_key or db_name as a key part, read as the Client reads it: an empty one (by its
    own truth value, ``if api_key:``) is no setting, the same as ""."""
    return "" if not value else _text(value)


def _typed(value: Any) -> Any:
    """A timeout with its type (and its parts' types): equal values of other types (True and
    1) never share a client, so a value the Client refuses is refused whatever is cached."""
    if isinstance(value, (tuple, list)):
        return (type(value), tuple((type(v), _scalar(v)) for v in value))
    return (type(value), _scalar(value))


class _Uncached:
    """A cache key part equal only to itself: settings that cannot be keyed by what is sent
    (the Client refuses them with its usual error; nothing is cached)."""


def _headers_key(headers: Any) -> Tuple[Any, ...]:
    """The header lines as the Client sends them (a bytes value as latin-1), sorted by name
    without case; a mapping it would refuse gets a key of its own."""
    if not isinstance(headers, Mapping):
        return (_Uncached(),)
    lines = []
    for name, value in headers.items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        name_text = _own_text(name)
        value_text = None if value is None else _own_text(value)  # None goes to the library as NULL
        if name_text is None or (value is not None and value_text is None):
            return (_Uncached(),)
        lines.append((name_text, value_text))
    return tuple(sorted(lines, key=lambda line: line[0].lower()))


def _key(url: str, api_key: str, db_name: str, verify: Verify, cert: Cert,
         headers: Optional[Mapping[str, str]], timeout: Timeout) -> Tuple[Any, ...]:
    if (headers is None and cert is None and type(verify) is bool and type(timeout) in _PLAIN
            and type(url) is str and type(api_key) is str and type(db_name) is str):
        # the usual call: the same tuple as below, without building it through the helpers
        return (url, api_key, db_name, "bool", verify, None, (), (type(timeout), timeout))
    frozen_headers = _headers_key(headers) if headers else ()
    return (_text(url), _optional_text(api_key), _optional_text(db_name), type(verify).__name__, _freeze(verify),
            _freeze(cert), frozen_headers, _typed(timeout))


def _client_for(url: str, api_key: str, db_name: str, verify: Verify, cert: Cert,
                headers: Optional[Mapping[str, str]], timeout: Timeout) -> Client:
    global _last, _last_list_call
    key = _key(url, api_key, db_name, verify, cert, headers, timeout)
    last_key, last_client = _last
    if last_client is not None and last_key == key and not last_client._closed:
        return last_client  # closed after this check: _call looks it up again
    _cache_lock.acquire()  # `with _cache_lock:` spelt out
    try:
        client = _cache.get(key)
        if client is not None and not client._closed:  # Client.closed without the property call
            _cache.move_to_end(key)
            _last = (key, client)
            return client
    finally:
        _cache_lock.release()
    if isinstance(timeout, (tuple, list)):
        connect: Optional[float] = None  # taken from the pair
    else:
        connect = timeout  # requests semantics: the same limit for connecting
    created = Client(url, api_key=api_key, db_name=db_name, timeout=timeout, connect_timeout=connect,
                     verify=verify, cert=cert, headers=headers)
    evicted: List[Client] = []
    with _cache_lock:
        existing = _cache.get(key)
        if existing is not None and not existing.closed:  # another thread won the race
            evicted.append(created)
            created = existing
            _cache.move_to_end(key)
        else:
            if existing is not None:  # a closed client under this key: replaced, now the most recent
                _cache.pop(key)
            _cache[key] = created
            while len(_cache) > max(CLIENT_CACHE_SIZE, 1):
                evicted.append(_cache.popitem(last=False)[1])
                if evicted[-1] is _last_list_call[2]:
                    _last_list_call = ((), None, None, b"")
        _last = (key, created)
    for old in evicted:
        old.close()  # deferred by the client itself while another thread still uses it
    return created


def _call(method: str, body: Optional[Dict[str, Any]], url: str, api_key: str, db_name: str, verify: Verify,
          cert: Cert, headers: Optional[Mapping[str, str]], timeout: Timeout,
          encoded: Optional[bytes] = None,
          list_args: Optional[Tuple[Tuple[Any, ...], type]] = None) -> Dict[str, Any]:
    """One call on the cached client for these settings; ``encoded``: the body already
    encoded (``client._list_request``), sent instead of ``body``; ``list_args``: a list
    call's arguments and its timeout's type, kept with the client and ``encoded`` in
    ``_last_list_call``."""
    for _attempt in range(8):
        client = _client_for(url, api_key, db_name, verify, cert, headers, timeout)
        try:
            result = client._call(method, body) if encoded is None else client._send(method, encoded)
        except _ClientClosed:
            continue  # evicted and closed between lookup and use: look it up again
        if list_args is not None and encoded is not None:
            _remember_list_call(list_args, client, encoded)
        return result
    raise RuntimeError("milvus_import: client cache kept closing clients")  # pragma: no cover


def _remember_list_call(list_args: Tuple[Tuple[Any, ...], type], client: Client, encoded: bytes) -> None:
    """Keep a list call for the next one (``_last_list_call``) if its client is still the
    cache's most recent: never a client evicted or closed meanwhile (evictions and
    clear_client_cache drop what is kept, under the same lock)."""
    global _last_list_call
    with _cache_lock:
        if client is _last[1] and not client._closed:
            _last_list_call = (*list_args, client, encoded)


def clear_client_cache() -> None:
    """Close every cached client of the module-level functions (runs at exit too).

    Thread-safe; calls under way finish first.
    """
    global _last, _last_list_call
    with _cache_lock:
        clients = list(_cache.values())
        _cache.clear()
        _last = ((), None)
        _last_list_call = ((), None, None, b"")
    for client in clients:
        client.close()


atexit.register(clear_client_cache)

_COMMON_DOC = """
    Args (shared): url is the server's base URL (``http``/``https``, optional path prefix);
    api_key is sent as ``Authorization: Bearer`` (an API key, or ``"user:password"``), none
    when ``""``; verify is True, False or a CA file path; cert a client certificate path or
    ``(cert, key)``; headers extra request headers (``Content-Type`` excluded); timeout the
    per-attempt limit in seconds (float, used for connecting too), or ``(connect, read)``.

    Returns the parsed JSON envelope as a dict; nothing to free. Thread-safe; connections
    are reused through a cached client per (url, settings).

    Raises InvalidArgumentError (bad URL, scheme, query string, types: nothing is sent),
    TransportError, ImportTimeoutError, TLSError, HTTPError (404 from a Milvus older than
    2.4, 3xx, 5xx), AuthenticationError (401/403), ServerError (non-zero ``code``),
    MalformedResponseError, ResponseTooLargeError, NoMemoryError.
"""


def list_import_jobs(
    url: str,
    collection_name: str = "",
    db_name: str = "",
    cluster_id: str = "",
    project_id: str = "",
    region_id: str = "",
    api_key: str = "",
    page_size: int = 10,
    current_page: int = 1,
    verify: Verify = True,
    cert: Cert = None,
    headers: Optional[Mapping[str, str]] = None,
    timeout: Timeout = 20,
) -> Dict[str, Any]:
    """List import jobs (pymilvus-compatible). ``POST {url}/v2/vectordb/jobs/import/list``.

    Body, as pymilvus sends it: ``collectionName``, ``dbName``, ``clusterId``,
    ``projectId``, ``regionId``, ``pageSize``, ``currentPage`` (empty strings included;
    open-source Milvus ignores the cloud fields and paging and returns every job).
    ``db_name`` also goes out as the ``DB-Name`` header when not empty.

    Returns ``{"code": 0, "data": {"records": [...]}}`` as a dict.
    """
    args = (url, collection_name, db_name, cluster_id, project_id, region_id, page_size, current_page, api_key,
            verify, timeout)
    last_args, last_timeout_type, last_client, last_request = _last_list_call
    # the types first: equal values of other types (True and 1, a str subclass) never match,
    # and only built-in comparisons run (never an argument's own __eq__)
    if (cert is None and headers is None and type(url) is str and type(collection_name) is str
            and type(db_name) is str and type(cluster_id) is str and type(project_id) is str
            and type(region_id) is str and type(page_size) is int and type(current_page) is int
            and type(api_key) is str and type(verify) is bool and type(timeout) is last_timeout_type
            and args == last_args and last_client is _last[1]):
        try:
            return last_client._send("milvus_client_list_import_jobs", last_request)
        except _ClientClosed:
            pass  # closed since: the lookup below finds or makes its successor
    request = _list_request(collection_name, db_name, cluster_id, project_id, region_id,
                            page_size, current_page, True)
    if request is not None:  # the body below, already encoded
        # a body at all: the five strs and two ints were exact; kept only with the rest plain
        kept = (cert is None and headers is None and type(url) is str and type(api_key) is str
                and type(verify) is bool and type(timeout) in _KEPT_TIMEOUTS and _keeps(request, page_size, current_page))
        return _call("milvus_client_list_import_jobs", None, url, api_key, db_name, verify, cert, headers, timeout,
                     request, (args, type(timeout)) if kept else None)
    body = {
        "collectionName": collection_name,
        "dbName": db_name,
        "clusterId": cluster_id,
        "projectId": project_id,
        "regionId": region_id,
        "pageSize": page_size,
        "currentPage": current_page,
    }
    return _call("milvus_client_list_import_jobs", body, url, api_key, db_name, verify, cert, headers, timeout)


def _job_body(job_id: str, cluster_id: str, project_id: str, region_id: str) -> Dict[str, Any]:
    return {"jobId": job_id, "clusterId": cluster_id, "projectId": project_id, "regionId": region_id}


def get_import_progress(
    url: str,
    job_id: str,
    cluster_id: str = "",
    project_id: str = "",
    region_id: str = "",
    api_key: str = "",
    db_name: str = "",
    verify: Verify = True,
    cert: Cert = None,
    headers: Optional[Mapping[str, str]] = None,
    timeout: Timeout = 20,
) -> Dict[str, Any]:
    """Describe one import job (pymilvus-compatible).
    ``POST {url}/v2/vectordb/jobs/import/describe`` (falls back to ``.../get_progress``
    on a 404).

    Body, as pymilvus sends it: ``jobId`` (a str), ``clusterId``, ``projectId``,
    ``regionId``; ``db_name`` goes only in the ``DB-Name`` header, where the server reads it.

    Returns the envelope with ``data.state``, ``data.progress``, ``data.details``...;
    also raises JobNotFoundError when the job is gone (code 2100).
    """
    return _call("milvus_client_get_import_progress", _job_body(job_id, cluster_id, project_id, region_id),
                 url, api_key, db_name, verify, cert, headers, timeout)


def commit_import(
    url: str,
    job_id: str,
    cluster_id: str = "",
    project_id: str = "",
    region_id: str = "",
    api_key: str = "",
    db_name: str = "",
    verify: Verify = True,
    cert: Cert = None,
    headers: Optional[Mapping[str, str]] = None,
    timeout: Timeout = 20,
) -> Dict[str, Any]:
    """Commit a two-phase import job (Milvus 3.x). ``POST {url}/v2/vectordb/jobs/import/commit``.

    Same keywords and body as :func:`get_import_progress`. Returns ``{"code": 0, "data": {}}``;
    also raises JobNotFoundError.
    """
    return _call("milvus_client_commit_import", _job_body(job_id, cluster_id, project_id, region_id),
                 url, api_key, db_name, verify, cert, headers, timeout)


def abort_import(
    url: str,
    job_id: str,
    cluster_id: str = "",
    project_id: str = "",
    region_id: str = "",
    api_key: str = "",
    db_name: str = "",
    verify: Verify = True,
    cert: Cert = None,
    headers: Optional[Mapping[str, str]] = None,
    timeout: Timeout = 20,
) -> Dict[str, Any]:
    """Abort a two-phase import job (Milvus 3.x). ``POST {url}/v2/vectordb/jobs/import/abort``.

    Same keywords and body as :func:`get_import_progress`. Returns ``{"code": 0, "data": {}}``;
    also raises JobNotFoundError.
    """
    return _call("milvus_client_abort_import", _job_body(job_id, cluster_id, project_id, region_id),
                 url, api_key, db_name, verify, cert, headers, timeout)


def bulk_import(
    url: str,
    collection_name: str,
    db_name: str = "",
    files: Optional[List[List[str]]] = None,
    object_url: str = "",
    object_urls: Optional[List[List[str]]] = None,
    cluster_id: str = "",
    project_id: str = "",
    region_id: str = "",
    api_key: str = "",
    access_key: str = "",
    secret_key: str = "",
    token: str = "",
    volume_name: str = "",
    data_paths: Optional[List[List[str]]] = None,
    verify: Verify = True,
    cert: Cert = None,
    headers: Optional[Mapping[str, str]] = None,
    timeout: Timeout = 20,
    partition_name: str = "",
    options: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]:
    """Create an import job (pymilvus-compatible). ``POST {url}/v2/vectordb/jobs/import/create``.

    Body, as pymilvus sends it: ``collectionName``, ``dbName``, ``partitionName``,
    ``files``, ``objectUrl``, ``objectUrls``, ``clusterId``, ``projectId``, ``regionId``,
    ``accessKey``, ``secretKey``, ``token``, ``volumeName``, ``dataPaths``, ``options``
    (``{}`` when None), empty strings included; ``files``/``objectUrls``/``dataPaths`` left
    out when None. ``options`` values must be strings (``{"auto_commit": "false"}``).
    Never retried unless ``headers`` carries an ``Idempotency-Key``. Object-store keys
    never appear in error messages.

    Returns ``{"code": 0, "data": {"jobId": "..."}}`` as a dict.
    """
    body: Dict[str, Any] = {
        "collectionName": collection_name,
        "dbName": db_name,
        "partitionName": partition_name,
        "files": files,
        "objectUrl": object_url,
        "objectUrls": object_urls,
        "clusterId": cluster_id,
        "projectId": project_id,
        "regionId": region_id,
        "accessKey": access_key,
        "secretKey": secret_key,
        "token": token,
        "volumeName": volume_name,
        "dataPaths": data_paths,
        "options": {} if options is None else options,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return _call("milvus_client_bulk_import", body, url, api_key, db_name, verify, cert, headers, timeout)


for _fn in (list_import_jobs, get_import_progress, commit_import, abort_import, bulk_import):
    _fn.__doc__ = (_fn.__doc__ or "") + _COMMON_DOC
del _fn
