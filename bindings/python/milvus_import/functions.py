"""The import-job calls as module-level functions that return dicts.

The keyword names, order and defaults of pymilvus 3.0.2's ``pymilvus.bulk_writer``
``list_import_jobs``, ``get_import_progress`` and ``bulk_import`` (plus
``commit_import``/``abort_import`` with ``get_import_progress``'s keywords), and the same
request bodies, but not drop-ins: :mod:`milvus_import.bulk_writer` is the drop-in (it
returns response objects as pymilvus does). Here:

* they return the parsed envelope as a ``dict`` (pymilvus returns a ``requests.Response``);
* failures raise :class:`~milvus_import.errors.MilvusImportError` subclasses that keep
  the kind, HTTP status, server code and message (pymilvus raises ``MilvusException``);
* ``timeout`` bounds the whole call, retries and pauses included; ``retries`` (default
  2, 0 turns them off) retries list and describe after a transport error, a timeout, or
  HTTP 408/429/502/503/504 (create only with an ``Idempotency-Key`` header);
* connections are reused: each distinct (url, api_key, db_name, verify, cert, headers,
  timeout, retries) gets one cached :class:`~milvus_import.client.Client` (an LRU of 16 clients)
  when every setting is a plain ``str``, ``bool``, number, ``None``, or a tuple or dict of
  them; any other setting (a ``Path``, a ``str`` subclass) gets a client for that call
  alone, closed after it;
* ``headers``, ``timeout``, ``retries`` (and ``partition_name``/``options`` for
  ``bulk_import``) are named parameters rather than ``**kwargs``; any other keyword is a
  ``TypeError``, and so is an argument of the wrong type (``job_id must be a str, got
  int``); None for an optional str (``db_name=None``) means not given, as ``""`` does;
* ``None``-valued lists (``files``, ``object_urls``, ``data_paths``) are left out of the
  body instead of being sent as JSON ``null`` (the server reads both the same way);
* ``Authorization`` is sent only when ``api_key`` is set; no browser User-Agent or
  misspelt ``Accept-Encodin`` headers; the URL is normalised (no ``//`` after a
  trailing slash).
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .client import Cert, Client, Timeout, Verify, _groups, _integer, _loads, _options, _required_text, _text
from .errors import ClientClosedError

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

_cache: "OrderedDict[Tuple[Any, ...], Client]" = OrderedDict()  # least recently used first
_cache_lock = threading.Lock()

_NUMBER = (int, float, type(None))  # a timeout or one part of a (connect, read) pair


def _all_str(values: Any) -> bool:
    return all(type(value) is str for value in values)


def _cache_key(url: Any, api_key: Any, db_name: Any, verify: Any, cert: Any, headers: Any,
               timeout: Any, retries: Any) -> Optional[Tuple[Any, ...]]:
    """The settings as a cache key, or None unless each is of an exact built-in type it may
    have: then equal keys mean equal settings (True is not a timeout of 1, and no subclass's
    own ``__eq__`` or ``__hash__`` decides which client a call gets)."""
    plain = (
        type(url) is str
        and type(api_key) in (str, type(None))
        and type(db_name) in (str, type(None))
        and type(verify) in (bool, str)
        and (cert is None or type(cert) is str or (type(cert) is tuple and _all_str(cert)))
        and (headers is None or (type(headers) is dict and _all_str(headers) and _all_str(headers.values())))
        and (type(timeout) in _NUMBER or (type(timeout) is tuple and all(type(t) in _NUMBER for t in timeout)))
        and type(retries) is int
    )
    if not plain:
        return None
    return (url, api_key, db_name, verify, cert, None if headers is None else tuple(headers.items()), timeout,
            retries)


def _new_client(url: str, api_key: str, db_name: str, verify: Verify, cert: Cert,
                headers: Optional[Mapping[str, str]], timeout: Timeout, retries: int) -> Client:
    # requests semantics: a scalar timeout limits connecting too; a (connect, read) pair sets both
    connect = None if isinstance(timeout, (tuple, list)) else timeout
    return Client(url, api_key=api_key, db_name=db_name, timeout=timeout, connect_timeout=connect,
                  verify=verify, cert=cert, headers=headers, max_retries=retries)


def _cached_client(key: Tuple[Any, ...], *settings: Any) -> Client:
    """The cached client for these settings, made when missing; the least recently used
    one is closed when the cache is full."""
    with _cache_lock:
        client = _cache.get(key)
        if client is not None:
            _cache.move_to_end(key)
            return client
        client = _new_client(*settings)
        while _cache and len(_cache) >= CLIENT_CACHE_SIZE:
            _cache.popitem(last=False)[1].close()  # a call under way on it finishes first
        _cache[key] = client
        return client


def send(method: str, body: Dict[str, Any], url: str, api_key: Optional[str], db_name: Optional[str],
         verify: Verify, cert: Cert, headers: Optional[Mapping[str, str]], timeout: Timeout,
         retries: int) -> bytes:
    """One call on the cached client for these settings, or on a client made for this call
    alone when a setting is not of a plain built-in type: the envelope's text."""
    settings = (url, api_key, db_name, verify, cert, headers, timeout, retries)
    key = _cache_key(*settings)
    if key is None:
        with _new_client(*settings) as client:
            return client._call_raw(method, body)
    while True:
        try:
            return _cached_client(key, *settings)._call_raw(method, body)
        except ClientClosedError:
            continue  # evicted or cleared by another thread since the lookup: look it up again


def clear_client_cache() -> None:
    """Close every cached client of the module-level functions (runs at exit too).

    Thread-safe; calls under way finish first.
    """
    with _cache_lock:
        for client in _cache.values():
            client.close()
        _cache.clear()


atexit.register(clear_client_cache)

COMMON_DOC = """
    Args (shared): url is the server's base URL (``http``/``https``, optional path prefix);
    api_key is sent as ``Authorization: Bearer`` (an API key, or ``"user:password"``), none
    when ``""`` or None; db_name None is no database, as ``""``; verify is True, False or a
    CA file path; cert a client certificate path or ``(cert, key)``; headers extra request
    headers (``Content-Type`` excluded); timeout the longest the whole call may take, in
    seconds (float, also the connect limit), retries and pauses included, or ``(connect,
    read)`` (connect bounds each connection, the whole call gets connect + read); retries
    how many times list and describe are retried (0 to 10, default 2; 0 turns them off).

    Thread-safe; connections are reused through a cached client per (url, settings).
    Ctrl-C raises KeyboardInterrupt within about a second.

    Raises TypeError (an argument of the wrong type, named: nothing is sent),
    InvalidArgumentError (bad URL, scheme, query string: nothing is sent), TransportError,
    ImportTimeoutError (``timeout`` passed, retries included), TLSError, HTTPError (404
    from a Milvus older than 2.4, 3xx, 5xx), AuthenticationError (401/403), ServerError
    (non-zero ``code``), MalformedResponseError, ResponseTooLargeError, NoMemoryError.
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
    retries: int = 2,
) -> Dict[str, Any]:
    """List import jobs (pymilvus's keywords). ``POST {url}/v2/vectordb/jobs/import/list``.

    Body, as pymilvus sends it: ``collectionName``, ``dbName``, ``clusterId``,
    ``projectId``, ``regionId``, ``pageSize``, ``currentPage`` (empty strings included;
    open-source Milvus ignores the cloud fields and paging and returns every job).
    ``db_name`` also goes out as the ``DB-Name`` header when not empty.

    Returns ``{"code": 0, "data": {"records": [...]}}`` as a dict; nothing to free.
    """
    body = list_body(collection_name, db_name, cluster_id, project_id, region_id, page_size, current_page)
    return _loads(send("milvus_client_list_import_jobs", body, url, api_key, db_name, verify, cert, headers, timeout,
                       retries))


def list_body(collection_name: Any, db_name: Any, cluster_id: Any, project_id: Any, region_id: Any,
              page_size: Any, current_page: Any) -> Dict[str, Any]:
    """The body pymilvus sends to list, empty strings included."""
    return {
        "collectionName": _text(collection_name, "collection_name"),
        "dbName": _text(db_name, "db_name"),
        "clusterId": _text(cluster_id, "cluster_id"),
        "projectId": _text(project_id, "project_id"),
        "regionId": _text(region_id, "region_id"),
        "pageSize": _integer(page_size, "page_size"),
        "currentPage": _integer(current_page, "current_page"),
    }


def job_body(job_id: Any, cluster_id: Any, project_id: Any, region_id: Any) -> Dict[str, Any]:
    """The body pymilvus sends to describe (and ours to commit and abort)."""
    return {"jobId": _required_text(job_id, "job_id"), "clusterId": _text(cluster_id, "cluster_id"),
            "projectId": _text(project_id, "project_id"), "regionId": _text(region_id, "region_id")}


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
    retries: int = 2,
) -> Dict[str, Any]:
    """Describe one import job (pymilvus's keywords).
    ``POST {url}/v2/vectordb/jobs/import/describe`` (falls back to ``.../get_progress``
    on a 404).

    Body, as pymilvus sends it: ``jobId`` (a str), ``clusterId``, ``projectId``,
    ``regionId``; ``db_name`` goes only in the ``DB-Name`` header, where the server reads it.

    Returns the envelope with ``data.state``, ``data.progress``, ``data.details``...;
    also raises JobNotFoundError when the job is gone (code 2100 or 2101).
    """
    return _loads(send("milvus_client_get_import_progress", job_body(job_id, cluster_id, project_id, region_id),
                       url, api_key, db_name, verify, cert, headers, timeout, retries))


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
    retries: int = 2,
) -> Dict[str, Any]:
    """Commit a two-phase import job (Milvus 3.0 only). ``POST {url}/v2/vectordb/jobs/import/commit``.

    Same keywords and body as :func:`get_import_progress`. Returns ``{"code": 0, "data": {}}``;
    also raises JobNotFoundError.
    """
    return _loads(send("milvus_client_commit_import", job_body(job_id, cluster_id, project_id, region_id),
                       url, api_key, db_name, verify, cert, headers, timeout, retries))


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
    retries: int = 2,
) -> Dict[str, Any]:
    """Abort a two-phase import job (Milvus 3.0 only). ``POST {url}/v2/vectordb/jobs/import/abort``.

    Same keywords and body as :func:`get_import_progress`. Returns ``{"code": 0, "data": {}}``;
    also raises JobNotFoundError.
    """
    return _loads(send("milvus_client_abort_import", job_body(job_id, cluster_id, project_id, region_id),
                       url, api_key, db_name, verify, cert, headers, timeout, retries))


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
    retries: int = 2,
) -> Dict[str, Any]:
    """Create an import job (pymilvus's keywords). ``POST {url}/v2/vectordb/jobs/import/create``.

    Body, as pymilvus sends it: ``collectionName``, ``dbName``, ``partitionName``,
    ``files``, ``objectUrl``, ``objectUrls``, ``clusterId``, ``projectId``, ``regionId``,
    ``accessKey``, ``secretKey``, ``token``, ``volumeName``, ``dataPaths``, ``options``
    (``{}`` when None), empty strings included; ``files``/``objectUrls``/``dataPaths`` left
    out when None. ``options`` values must be strings (``{"auto_commit": "false"}``).
    Never retried unless ``headers`` carries an ``Idempotency-Key`` (``retries`` applies
    then). Object-store keys never appear in error messages.

    Returns ``{"code": 0, "data": {"jobId": "..."}}`` as a dict; nothing to free.
    """
    body = create_body(collection_name, db_name, files, object_url, object_urls, cluster_id, project_id, region_id,
                       access_key, secret_key, token, volume_name, data_paths, partition_name, options)
    return _loads(send("milvus_client_bulk_import", body, url, api_key, db_name, verify, cert, headers, timeout,
                       retries))


def create_body(collection_name: Any, db_name: Any, files: Any, object_url: Any, object_urls: Any, cluster_id: Any,
                project_id: Any, region_id: Any, access_key: Any, secret_key: Any, token: Any, volume_name: Any,
                data_paths: Any, partition_name: Any, options: Any) -> Dict[str, Any]:
    """The body pymilvus sends to create, empty strings included, the unset lists left out."""
    body: Dict[str, Any] = {
        "collectionName": _required_text(collection_name, "collection_name"),
        "dbName": _text(db_name, "db_name"),
        "partitionName": _text(partition_name, "partition_name"),
        "files": _groups(files, "files"),
        "objectUrl": _text(object_url, "object_url"),
        "objectUrls": _groups(object_urls, "object_urls"),
        "clusterId": _text(cluster_id, "cluster_id"),
        "projectId": _text(project_id, "project_id"),
        "regionId": _text(region_id, "region_id"),
        "accessKey": _text(access_key, "access_key"),
        "secretKey": _text(secret_key, "secret_key"),
        "token": _text(token, "token"),
        "volumeName": _text(volume_name, "volume_name"),
        "dataPaths": _groups(data_paths, "data_paths"),
        "options": _options(options) or {},
    }
    return {k: v for k, v in body.items() if v is not None}


for _fn in (list_import_jobs, get_import_progress, commit_import, abort_import, bulk_import):
    _fn.__doc__ = (_fn.__doc__ or "") + COMMON_DOC + """
    Returns the parsed JSON envelope as a dict; nothing to free.
"""
del _fn
