"""The :class:`Client`: one server, its settings, and a pool of reused connections."""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
import urllib.parse
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _lib
from ._ca_bundle import ca_file_for_verify
from ._lib import type_error
from .errors import ClientClosedError, InvalidArgumentError, MalformedResponseError

__all__ = ["Client", "Timeout", "Verify", "Cert", "ProgressCallback", "Paths"]

#: The longest a whole call may take, retries and pauses included: seconds (float), a
#: requests-style ``(connect, read)`` pair (connect bounds each connection, the whole call
#: gets connect + read), or None for no limit (about 24.8 days, the largest value the C
#: ``long`` settings take everywhere).
Timeout = Union[float, int, Tuple[Optional[float], Optional[float]], None]
#: ``True`` (verify with the system CA store), ``False`` (no verification, tests only),
#: or the path of a PEM CA bundle to trust instead.
Verify = Union[bool, str, "os.PathLike[str]", None]
#: The path of a PEM client certificate (key inside), or a ``(cert, key)`` pair.
Cert = Union[str, "os.PathLike[str]", Tuple[str, str], None]
#: Called with each describe envelope while waiting (or each progress report of the calls
#: on many jobs and local files); return a true value to cancel.
ProgressCallback = Callable[[Dict[str, Any]], Optional[bool]]
#: Local files and folders: one path, or a list of them (for :meth:`Client.import_files` an
#: element may itself be a list of paths, taken as one file group).
Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]]]

_NO_LIMIT_MS = 2**31 - 1
_DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
_DEFAULT_PART_SIZE = 64 * 1024 * 1024


def _seconds_to_ms(value: Any, what: str, allow_zero: bool = False) -> int:
    """Seconds (int/float) -> whole milliseconds, rounded up; None or inf -> no limit."""
    if value is None:
        return _NO_LIMIT_MS
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise type_error(what, "a number of seconds", value)
    if math.isnan(value) or value < 0 or (value == 0 and not allow_zero):
        raise InvalidArgumentError(f"{what} must be {'>= 0' if allow_zero else '> 0'} seconds, got {value!r}")
    if math.isinf(value):
        return _NO_LIMIT_MS
    return min(int(math.ceil(value * 1000.0)), _NO_LIMIT_MS)


def _split_timeout(timeout: Timeout) -> Tuple[int, Optional[int]]:
    """(total_ms, connect_ms or None) from a scalar or a requests-style (connect, read)."""
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise InvalidArgumentError(f"timeout must be seconds or a (connect, read) pair, got {len(timeout)} values")
        connect_ms = _seconds_to_ms(timeout[0], "connect timeout")
        read_ms = _seconds_to_ms(timeout[1], "read timeout")
        return min(connect_ms + read_ms, _NO_LIMIT_MS), connect_ms
    return _seconds_to_ms(timeout, "timeout"), None


def _masked_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for repr and messages)."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        user = parts.username or ""
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "<url>"


def _dumps(body: Optional[Mapping[str, Any]]) -> Optional[bytes]:
    """A request dict as compact UTF-8 JSON text (None stays NULL, i.e. ``{}``)."""
    if body is None:
        return None
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError(f"request is not JSON-serialisable: {err}") from None
    return _lib.encode(text, "request")


def _loads(raw: bytes) -> Dict[str, Any]:
    """The library's envelope text as a dict (ints stay exact)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except ValueError as err:  # UnicodeDecodeError too: the library validates; be strict anyway
        raise MalformedResponseError(f"the library returned text that is not JSON: {err}") from None
    if not isinstance(value, dict):  # the library only returns envelopes; be strict anyway
        raise MalformedResponseError("the library returned a non-object envelope")
    return value


def _compact(**fields: Any) -> Dict[str, Any]:
    """Keyword fields as a request body, leaving out None and "" (so defaults apply).

    The library checks the body (types, ``dbName`` without control characters, as it
    travels as the ``DB-Name`` header) before any I/O.
    """
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def _text(value: Any, what: str) -> str:
    """An optional str argument: None means not given (``""``); another type is a TypeError."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise type_error(what, "a str", value)
    return value


def _required_text(value: Any, what: str) -> str:
    """A required str argument (``""`` reaches the library, which refuses it)."""
    if not isinstance(value, str):
        raise type_error(what, "a str", value)
    return value


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise type_error(what, "an int", value)
    return value


def _groups(value: Any, what: str) -> Optional[List[List[str]]]:
    """``files``, ``object_urls``, ``data_paths``: None, or a list of lists of str."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise type_error(what, "a list of lists of str", value)
    groups = []
    for group in value:
        if isinstance(group, (str, bytes)) or not isinstance(group, Sequence):
            raise type_error(f"each element of {what}", "a list of str", group)
        groups.append([_required_text(item, f"each file of {what}") for item in group])
    return groups


def _options(value: Any) -> Optional[Dict[str, str]]:
    """``options``: None, or a mapping of str to str."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise type_error("options", "a dict of str to str", value)
    return {_required_text(k, "each options key"): _required_text(v, f"options[{k!r}]") for k, v in value.items()}


def _job_body(job_id: Any, cluster_id: Any, project_id: Any, region_id: Any, db_name: Any) -> Dict[str, Any]:
    """The body of describe, commit and abort: ``jobId`` always (even "", which the library
    refuses), the other fields when given."""
    body = _compact(jobId=_required_text(job_id, "job_id"), clusterId=_text(cluster_id, "cluster_id"),
                    projectId=_text(project_id, "project_id"), regionId=_text(region_id, "region_id"),
                    dbName=_text(db_name, "db_name"))
    body.setdefault("jobId", job_id)
    return body


def _list_body(collection_name: Any, db_name: Any, cluster_id: Any, project_id: Any, region_id: Any) -> Dict[str, Any]:
    """The fields of list and list-all that are given (not None, not "")."""
    return _compact(collectionName=_text(collection_name, "collection_name"), dbName=_text(db_name, "db_name"),
                    clusterId=_text(cluster_id, "cluster_id"), projectId=_text(project_id, "project_id"),
                    regionId=_text(region_id, "region_id"))


def _path_text(path: Any, what: str) -> str:
    """One local path as text for the request (the library reads the file, not Python)."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise type_error(what, "a str or os.PathLike path", path)
    return path


def _paths(paths: Paths, groups: bool = False) -> List[Any]:
    """``paths`` as the request's list: one path becomes a list of one; with ``groups``, an
    inner list or tuple stays a list (one file group)."""
    if isinstance(paths, (str, os.PathLike)):
        return [_path_text(paths, "paths")]
    if not isinstance(paths, (list, tuple)):
        raise type_error("paths", "a path or a list of paths", paths)
    out: List[Any] = []
    for path in paths:
        if groups and isinstance(path, (list, tuple)):
            out.append([_path_text(p, "each path of a file group") for p in path])
        else:
            out.append(_path_text(path, "each element of paths"))
    return out


def _storage_endpoint(endpoint: Optional[str], secure: bool) -> Optional[str]:
    """pymilvus's ``S3ConnectParam`` endpoint ("host:port", the scheme chosen by ``secure``)
    as the library's base URL; a full http(s) URL is taken as it is; None/"" stays None
    (AWS S3)."""
    if endpoint is None or endpoint == "":
        return None
    if not isinstance(endpoint, str):
        raise type_error("endpoint", "a str", endpoint)
    scheme = endpoint.split("://", 1)[0].lower() if "://" in endpoint else ""
    if scheme == "":
        return ("https://" if secure else "http://") + endpoint
    if secure and scheme != "https":
        raise InvalidArgumentError(f"endpoint {endpoint!r} is not https but secure=True")
    return endpoint


class Client:
    """A client for one Milvus (or Zilliz Cloud) server: settings plus reused connections.

    Wraps a C ``milvus_client``. Connections are kept alive and reused across calls and
    threads. The job calls return the server's JSON envelope parsed into a ``dict``
    (e.g. ``{"code": 0, "data": {...}}``); :meth:`wait_import_jobs`, :meth:`upload_files`
    and :meth:`import_files` return their result's data. Nothing is left for Python code
    to free. Local files reach Milvus's bucket through :meth:`set_storage` (the object
    store) and :meth:`upload_files` or :meth:`import_files`.

    Args:
        url: the base URL, ``http`` or ``https``, optional port and path prefix
            (``"https://proxy.example.com/milvus"``); trailing slashes are dropped; a query
            or fragment is refused. A ``user:password@`` in it is sent as HTTP Basic auth.
        api_key: sent as ``Authorization: Bearer <api_key>``: a Zilliz Cloud API key or
            ``"user:password"`` for Milvus with authentication on; ``""`` or None sends no
            Authorization header.
        db_name: the database for calls that do not name one (``DB-Name`` header, and
            ``dbName`` in list and create bodies); ``""`` or None for the server's default.
        timeout: the longest one call to Milvus may take, in seconds (float): the whole
            call, retries and pauses included; it then raises :class:`ImportTimeoutError`.
            A requests-style ``(connect, read)`` pair: ``connect`` bounds each connection,
            the whole call gets ``connect + read``. None = no limit. (The waits have their
            own ``timeout``; each describe inside them is bounded by this one too. Uploads
            are bounded by ``stall_timeout`` of :meth:`set_storage` instead.)
        connect_timeout: the TCP+TLS connect timeout in seconds (ignored when ``timeout``
            is a pair).
        verify: True (system CAs), False (no verification: tests only), or a CA file path.
        cert: a client certificate path (key inside) or a ``(cert_path, key_path)`` pair.
        headers: extra request headers (e.g. ``{"Idempotency-Key": "k1"}``, which also
            makes create retryable); ``Content-Type`` cannot be set.
        proxy: an HTTP(S) proxy URL; ``""`` for none at all (environment ignored); None
            for the environment's ``http_proxy``/``https_proxy``/``no_proxy``.
        max_retries: 0-10 retries of list and describe (and create with an
            Idempotency-Key) after a transport error, a timeout, or HTTP 408/429/502/503/504,
            within ``timeout``; 0 turns them off.
        retry_backoff: the initial retry backoff in seconds (0-60), doubled per retry.
        max_response_bytes: the largest response body accepted, in bytes (1 to 2**40).
        attempt_timeout: the longest one HTTP attempt may take, in seconds, so that a server
            that stops answering is retried within ``timeout`` (e.g. ``timeout=20,
            attempt_timeout=5``: up to three attempts); None (the default): an attempt may
            take what is left of ``timeout``.

    Raises:
        TypeError: an argument of the wrong type, named (``url must be a str, got None``).
        InvalidArgumentError: a bad URL or setting (nothing is sent).
        NoMemoryError: the library could not allocate the client.

    Ctrl-C: every call of the client (waits, list all, uploads and single calls alike)
    raises ``KeyboardInterrupt`` within about a second of a Ctrl-C (the library asks the
    client's interrupt check at least once a second during a request and every 100 ms in
    pauses); what already happened on the server stays (a created job keeps running).

    Thread-safety: one Client may be shared by any number of threads; :meth:`close` waits
    for no one: calls already under way finish first and the handle is freed after the last.
    Use it as a context manager, or call :meth:`close`; garbage collection also frees it.
    """

    def __init__(
        self,
        url: str,
        api_key: str = "",
        db_name: str = "",
        timeout: Timeout = 20,
        connect_timeout: Optional[float] = 10,
        verify: Verify = True,
        cert: Cert = None,
        headers: Optional[Mapping[str, str]] = None,
        proxy: Optional[str] = None,
        max_retries: int = 2,
        retry_backoff: float = 0.25,
        max_response_bytes: int = _DEFAULT_MAX_RESPONSE_BYTES,
        attempt_timeout: Optional[float] = None,
    ) -> None:
        self._lock = threading.Lock()
        self._handle: Any = None  # the milvus_client *, None once freed
        self._inflight = 0
        self._closed = False
        lib = _lib.lib
        # kept on the instance so close() and __del__ work during interpreter shutdown
        self._lib = lib
        self._free = lib.milvus_client_free
        self.url: str = _required_text(url, "url")

        handle = lib.milvus_client_new(_lib.encode(url, "url"))
        try:
            self._configure(
                lib, handle, api_key, db_name, timeout, connect_timeout, verify, cert,
                headers, proxy, max_retries, retry_backoff, max_response_bytes, attempt_timeout,
            )
            _lib.set_interrupt(handle)
        except BaseException:
            lib.milvus_client_free(handle)
            raise
        self._handle = handle

    # ------------------------------------------------------------------ settings
    @staticmethod
    def _configure(
        lib: ctypes.CDLL,
        h: Any,
        api_key: str,
        db_name: str,
        timeout: Timeout,
        connect_timeout: Optional[float],
        verify: Verify,
        cert: Cert,
        headers: Optional[Mapping[str, str]],
        proxy: Optional[str],
        max_retries: int,
        retry_backoff: float,
        max_response_bytes: int,
        attempt_timeout: Optional[float],
    ) -> None:
        enc = _lib.encode
        if _text(api_key, "api_key"):
            lib.milvus_client_set_api_key(h, enc(api_key, "api_key"))
        if _text(db_name, "db_name"):
            lib.milvus_client_set_database(h, enc(db_name, "db_name"))

        total_ms, pair_connect_ms = _split_timeout(timeout)
        lib.milvus_client_set_timeout_ms(h, total_ms)
        if pair_connect_ms is not None:
            lib.milvus_client_set_connect_timeout_ms(h, pair_connect_ms)
        elif connect_timeout is not None:
            lib.milvus_client_set_connect_timeout_ms(h, _seconds_to_ms(connect_timeout, "connect_timeout"))
        if attempt_timeout is not None:
            lib.milvus_client_set_attempt_timeout_ms(h, _seconds_to_ms(attempt_timeout, "attempt_timeout"))

        if verify is None or verify is True:
            # the host's CA store: libcurl's compiled-in file, or the bundle _ca_bundle finds
            ca_file = ca_file_for_verify()
            if ca_file is not None:
                lib.milvus_client_set_tls(h, 1, enc(ca_file, "CA file"))
        elif verify is False:
            lib.milvus_client_set_tls(h, 0, None)
        elif isinstance(verify, (str, os.PathLike)):
            lib.milvus_client_set_tls(h, 1, enc(verify, "verify"))  # type: ignore[arg-type]
        else:
            raise type_error("verify", "a bool or a CA file path", verify)

        if cert is not None and cert != "":
            if isinstance(cert, (tuple, list)):
                if len(cert) != 2:
                    raise InvalidArgumentError("cert must be a path or a (cert, key) pair")
                lib.milvus_client_set_client_cert(h, enc(cert[0], "cert"), enc(cert[1], "cert key"))
            elif isinstance(cert, (str, os.PathLike)):
                lib.milvus_client_set_client_cert(h, enc(cert, "cert"), None)  # type: ignore[arg-type]
            else:
                raise type_error("cert", "a path or a (cert, key) pair", cert)

        if headers:
            if not isinstance(headers, Mapping):
                raise type_error("headers", "a mapping of str to str", headers)
            for name, value in headers.items():
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                lib.milvus_client_set_header(h, enc(name, "header name"), enc(value, f"header {name!r}"))

        if proxy is not None:
            lib.milvus_client_set_proxy(h, enc(proxy, "proxy"))
        if not 0 <= _integer(max_retries, "max_retries") <= 10:
            raise InvalidArgumentError(f"max_retries must be from 0 to 10, got {max_retries}")
        lib.milvus_client_set_max_retries(h, max_retries)
        lib.milvus_client_set_retry_backoff_ms(h, _seconds_to_ms(retry_backoff, "retry_backoff", allow_zero=True))
        if not 1 <= _integer(max_response_bytes, "max_response_bytes") <= 2**40:
            raise InvalidArgumentError(f"max_response_bytes must be from 1 to 2**40, got {max_response_bytes}")
        lib.milvus_client_set_max_response_bytes(h, max_response_bytes)

    # ------------------------------------------------------------------ lifetime
    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @contextmanager
    def _use(self) -> Iterator[Any]:
        """Hold the C handle for one call: counted in use, so that a close() on another
        thread frees it only after this call returns."""
        with self._lock:
            if self._closed or self._handle is None:
                raise ClientClosedError("milvus_import.Client is closed")
            self._inflight += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._inflight -= 1
                self._free_if_unused()

    def _free_if_unused(self) -> None:
        """Free the handle once the client is closed and no call uses it (lock held)."""
        if self._closed and self._inflight == 0 and self._handle is not None:
            self._free(self._handle)
            self._handle = None

    def close(self) -> None:
        """Close the client's connections and free it. Idempotent; never raises.

        Calls already running on other threads finish normally; the handle is freed
        when the last of them returns. Later calls raise :class:`ClientClosedError`.
        """
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed early
            return
        with lock:
            self._closed = True
            self._free_if_unused()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<milvus_import.Client {_masked_url(self.url)!r} {state}>"

    # ------------------------------------------------------------------ calls
    def _call(self, function: str, body: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        """One ``milvus_client_*`` call with a request dict: the envelope as a dict."""
        return _loads(self._call_raw(function, body))

    def _call_raw(self, function: str, body: Optional[Mapping[str, Any]]) -> bytes:
        """One ``milvus_client_*`` call with a request dict: the envelope's text."""
        request = _dumps(body)
        fn = getattr(self._lib, function)
        with self._use() as handle:
            return _lib.call(fn, handle, request)

    def list_import_jobs(
        self,
        collection_name: str = "",
        db_name: str = "",
        cluster_id: str = "",
        project_id: str = "",
        region_id: str = "",
        page_size: int = 10,
        current_page: int = 1,
    ) -> Dict[str, Any]:
        """List import jobs: one page on Zilliz Cloud, every job on open-source Milvus.

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/list``.

        Args:
            collection_name: only this collection's jobs; ``""`` for all collections.
            db_name: the database; ``""`` uses the client's ``db_name``.
            cluster_id, project_id, region_id: Zilliz Cloud ids (``""`` = not sent).
            page_size: records per page (Zilliz Cloud; open-source Milvus ignores it).
            current_page: the 1-based page (Zilliz Cloud).

        Returns:
            The envelope, e.g. ``{"code": 0, "data": {"records": [{"jobId": "4487...",
            "collectionName": "quick_setup", "state": "Importing", "progress": 50}]}}``.
            ``jobId`` is a str. Nothing to free.

        Raises:
            TypeError (an argument of the wrong type, named, before any I/O),
            InvalidArgumentError, TransportError, ImportTimeoutError (``timeout`` of the
            client passed, retries included), TLSError, HTTPError (e.g. 404 from a Milvus
            older than 2.4), AuthenticationError, ServerError, MalformedResponseError,
            ResponseTooLargeError, NoMemoryError, ClientClosedError (after :meth:`close`),
            KeyboardInterrupt (Ctrl-C, within about a second).

        Thread-safe.
        """
        body = _list_body(collection_name, db_name, cluster_id, project_id, region_id)
        body["pageSize"] = _integer(page_size, "page_size")
        body["currentPage"] = _integer(current_page, "current_page")
        return self._call("milvus_client_list_import_jobs", body)

    def list_all_import_jobs(
        self,
        collection_name: str = "",
        db_name: str = "",
        cluster_id: str = "",
        project_id: str = "",
        region_id: str = "",
        page_size: int = 100,
    ) -> Dict[str, Any]:
        """Every import job, all pages merged: ``{"code": 0, "data": {"records": [...],
        "count": N}}``.

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/list``, once per page: walks
        ``currentPage`` from 1 until ``count`` records are in, an empty page, a page equal
        to the previous one, or 10000 pages. A server without paging costs one call.

        Args:
            collection_name, db_name, cluster_id, project_id, region_id: as in
                :meth:`list_import_jobs`.
            page_size: records asked per page.

        Returns:
            The merged envelope as a dict. Nothing to free.

        Raises:
            the exceptions of :meth:`list_import_jobs`.

        Thread-safe.
        """
        body = _list_body(collection_name, db_name, cluster_id, project_id, region_id)
        body["pageSize"] = _integer(page_size, "page_size")
        return self._call("milvus_client_list_all_import_jobs", body)

    def get_import_progress(
        self,
        job_id: str,
        cluster_id: str = "",
        project_id: str = "",
        region_id: str = "",
        db_name: str = "",
    ) -> Dict[str, Any]:
        """Describe one import job: state, progress (0-100), rows, per-file details.

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/describe`` (a server that answers
        it with 404 is asked at ``.../get_progress``, and the path is remembered).

        Args:
            job_id: the job's id, a str (e.g. ``"448761313698322011"``); not empty.
            cluster_id, project_id, region_id: Zilliz Cloud ids (``""`` = not sent).
            db_name: the database (sent as the ``DB-Name`` header, which is where the server
                reads it); ``""`` uses the client's ``db_name``.

        Returns:
            The envelope; ``data["state"]`` is an open str (``Pending``, ``Importing``,
            ``Completed``, ``Failed``, ``Uncommitted``, ...). A Failed job is returned, not
            raised. Nothing to free.

        Raises:
            JobNotFoundError (the server no longer knows the job, code 2100 or 2101), and the
            exceptions of :meth:`list_import_jobs`.

        Thread-safe.
        """
        body = _job_body(job_id, cluster_id, project_id, region_id, db_name)
        return self._call("milvus_client_get_import_progress", body)

    def bulk_import(
        self,
        collection_name: str,
        db_name: str = "",
        files: Optional[Sequence[Sequence[str]]] = None,
        object_url: str = "",
        object_urls: Optional[Sequence[Sequence[str]]] = None,
        cluster_id: str = "",
        project_id: str = "",
        region_id: str = "",
        access_key: str = "",
        secret_key: str = "",
        token: str = "",
        volume_name: str = "",
        data_paths: Optional[Sequence[Sequence[str]]] = None,
        partition_name: str = "",
        options: Optional[Mapping[str, str]] = None,
    ) -> Dict[str, Any]:
        """Create an import job.

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/create``. Never retried unless the
        client has an ``Idempotency-Key`` header.

        Args:
            collection_name: the target collection; not empty.
            db_name: the database; ``""`` uses the client's ``db_name``.
            files: file groups, a list of lists of str (one inner list per JSON/Parquet
                file or per set of NumPy files); required on open-source Milvus.
            object_url, object_urls, access_key, secret_key, token, volume_name,
                data_paths: Zilliz Cloud sources and object-store credentials (the keys
                never appear in error messages).
            cluster_id, project_id, region_id: Zilliz Cloud ids.
            partition_name: the target partition.
            options: str-valued options, e.g. ``{"auto_commit": "false"}`` for a two-phase
                import (Milvus 3.0); a non-str value is a TypeError.
            ``""``/None arguments are not sent.

        Returns:
            The envelope, ``{"code": 0, "data": {"jobId": "..."}}``. Nothing to free.

        Raises:
            the exceptions of :meth:`list_import_jobs`.

        Thread-safe.
        """
        body = _compact(
            collectionName=_required_text(collection_name, "collection_name"), dbName=_text(db_name, "db_name"),
            partitionName=_text(partition_name, "partition_name"), files=_groups(files, "files"),
            objectUrl=_text(object_url, "object_url"), objectUrls=_groups(object_urls, "object_urls"),
            clusterId=_text(cluster_id, "cluster_id"), projectId=_text(project_id, "project_id"),
            regionId=_text(region_id, "region_id"), accessKey=_text(access_key, "access_key"),
            secretKey=_text(secret_key, "secret_key"), token=_text(token, "token"),
            volumeName=_text(volume_name, "volume_name"), dataPaths=_groups(data_paths, "data_paths"),
            options=_options(options),
        )
        body.setdefault("collectionName", collection_name)
        return self._call("milvus_client_bulk_import", body)

    def commit_import(
        self, job_id: str, cluster_id: str = "", project_id: str = "", region_id: str = "", db_name: str = ""
    ) -> Dict[str, Any]:
        """Commit a two-phase import job waiting in ``Uncommitted`` (Milvus 3.0 only).

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/commit``.

        Args: as :meth:`get_import_progress`.
        Returns: the envelope, ``{"code": 0, "data": {}}``. Nothing to free.
        Raises: the exceptions of :meth:`get_import_progress`.
        Thread-safe.
        """
        body = _job_body(job_id, cluster_id, project_id, region_id, db_name)
        return self._call("milvus_client_commit_import", body)

    def abort_import(
        self, job_id: str, cluster_id: str = "", project_id: str = "", region_id: str = "", db_name: str = ""
    ) -> Dict[str, Any]:
        """Abort a two-phase import job (it ends ``Failed``; Milvus 3.0 only).

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/abort``.

        Args: as :meth:`get_import_progress`.
        Returns: the envelope, ``{"code": 0, "data": {}}``. Nothing to free.
        Raises: the exceptions of :meth:`get_import_progress`.
        Thread-safe.
        """
        body = _job_body(job_id, cluster_id, project_id, region_id, db_name)
        return self._call("milvus_client_abort_import", body)

    def wait_import_job(
        self,
        job_id: str,
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        on_progress: Optional[ProgressCallback] = None,
        cluster_id: str = "",
        project_id: str = "",
        region_id: str = "",
        db_name: str = "",
    ) -> Dict[str, Any]:
        """Describe a job every ``poll_interval`` seconds until it is ``Completed``,
        ``Failed`` or ``Uncommitted`` (a two-phase job waiting for commit). Every other
        state is waited on (``Committing`` and states newer servers add), except ``None``,
        the server's answer for a state it does not know: :class:`ServerError` at once,
        with the job's reason in the message.

        Endpoint: ``POST {url}/v2/vectordb/jobs/import/describe``, repeatedly (through
        ``milvus_client_wait_import_job_with_request``).

        Args:
            job_id: the job's id (str, not empty).
            timeout: the longest wait in seconds (> 0).
            poll_interval: the pause between describes in seconds (> 0; clamped to
                ``timeout``).
            on_progress: None, or ``callback(envelope: dict) -> bool | None`` run on this
                thread after every describe. Return a true value to stop waiting
                (:class:`CancelledError`); None/False goes on. An exception raised inside
                it stops the wait and is re-raised here, unchanged, once the library
                has returned.
            cluster_id, project_id, region_id: Zilliz Cloud ids; db_name as in
                :meth:`get_import_progress`.

        Returns:
            The last describe envelope as a dict: check ``data["state"]`` (a Failed job is
            returned, not raised). Nothing to free.

        Raises:
            ImportTimeoutError (``timeout`` passed first, or an HTTP timeout),
            CancelledError (``on_progress`` returned a true value), any exception that
            ``on_progress`` raised, and the exceptions of :meth:`get_import_progress`.

        Thread-safe: any number of threads may wait on one client at once.
        """
        timeout_ms = _seconds_to_ms(timeout, "timeout")
        poll_ms = min(_seconds_to_ms(poll_interval, "poll_interval"), timeout_ms)
        body = _job_body(job_id, cluster_id, project_id, region_id, db_name)
        return self._call_with_progress(
            "milvus_client_wait_import_job_with_request", _dumps(body), (timeout_ms, poll_ms), on_progress
        )

    def _call_with_progress(
        self, function: str, request: Optional[bytes], numbers: Tuple[int, ...], on_progress: Optional[ProgressCallback]
    ) -> Dict[str, Any]:
        """One ``milvus_client_*(client, request, *numbers, on_progress, user_data)`` call:
        the envelope as a dict. The callback gets each JSON text as a dict; an exception it
        raises stops the call and is re-raised here, unchanged, once the library returned."""
        callback: Any = None
        if on_progress is not None:
            if not callable(on_progress):
                raise type_error("on_progress", "callable or None", on_progress)
            callback = _lib.progress_callback(on_progress)  # referenced until the call returns
        fn = getattr(self._lib, function)
        pointer = ctypes.cast(callback, ctypes.c_void_p) if callback is not None else None
        with self._use() as handle:
            raw = _lib.call(fn, handle, request, *numbers, pointer, None)
        return _loads(raw)

    def wait_import_jobs(
        self,
        job_ids: Sequence[str],
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        on_progress: Optional[ProgressCallback] = None,
        collection_name: str = "",
        db_name: str = "",
    ) -> List[Dict[str, Any]]:
        """Wait until every job of ``job_ids`` is ``Completed``, ``Failed`` or
        ``Uncommitted``, at one request per poll (not one per job): each poll lists the
        jobs, and each job is described once, when the list shows it finished.

        Endpoints: ``POST {url}/v2/vectordb/jobs/import/list`` once per poll (of
        ``collection_name`` when given, else every job), ``.../describe`` once per job
        (through ``milvus_client_wait_import_jobs``).

        Args:
            job_ids: the jobs' ids (str); ``[]`` with ``collection_name``: every job of the
                collection not finished when the wait starts.
            timeout: the longest wait in seconds (> 0).
            poll_interval: the pause between polls in seconds (> 0; clamped to ``timeout``).
            on_progress: None, or ``callback(report: dict) -> bool | None`` run on this
                thread after every poll with ``{"phase": "import", "jobs": [{"jobId": ...,
                "state": "Importing", "progress": 40}, ...]}`` (one entry per job, in the
                order of ``job_ids``). A true value stops the wait (:class:`CancelledError`);
                an exception raised inside it is re-raised here.
            collection_name: list only this collection's jobs (cheaper on a busy server).
            db_name: the database; ``""`` uses the client's ``db_name``.

        Returns:
            The final describe ``data`` of each job, a list of dicts in the order of
            ``job_ids`` (check each ``["state"]``: a Failed job is returned, not raised).

        Raises:
            JobNotFoundError (a job the server does not know), ServerError (a job in state
            ``None``), ImportTimeoutError, CancelledError, any exception that
            ``on_progress`` raised, and the exceptions of :meth:`list_import_jobs`.

        Thread-safe.
        """
        if isinstance(job_ids, (str, bytes)) or not isinstance(job_ids, Sequence):
            raise type_error("job_ids", "a list of str", job_ids)
        timeout_ms = _seconds_to_ms(timeout, "timeout")
        poll_ms = min(_seconds_to_ms(poll_interval, "poll_interval"), timeout_ms)
        body: Dict[str, Any] = {"jobIds": [_required_text(job, "each element of job_ids") for job in job_ids]}
        body.update(_compact(collectionName=_text(collection_name, "collection_name"), dbName=_text(db_name, "db_name")))
        if not body["jobIds"] and "collectionName" in body:
            del body["jobIds"]  # the collection's unfinished jobs
        envelope = self._call_with_progress(
            "milvus_client_wait_import_jobs", _dumps(body), (timeout_ms, poll_ms), on_progress
        )
        return envelope["data"]["jobs"]

    # ------------------------------------------------------------------ local files
    def set_storage(
        self,
        endpoint: Optional[str] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        secure: bool = False,
        enable_virtual_style_endpoint: bool = False,
        session_token: Optional[str] = None,
        region: Optional[str] = None,
        part_size: int = _DEFAULT_PART_SIZE,
        stall_timeout: float = 60.0,
    ) -> None:
        """The object store that :meth:`upload_files` and :meth:`import_files` use: the
        S3-compatible bucket Milvus imports from (AWS S3, MinIO, SeaweedFS, ...). The
        keywords are those of pymilvus's ``RemoteBulkWriter.S3ConnectParam`` (the bucket
        is named per call, ``bucket_name``). No I/O happens here.

        Args:
            endpoint: ``"host:port"`` as pymilvus takes it (e.g. ``"127.0.0.1:9000"``),
                http or https by ``secure``; a full ``http://`` or ``https://`` URL is used
                as it is; None for AWS S3 (``https://s3.<region>.amazonaws.com``).
            access_key: the access key id; required.
            secret_key: the secret access key; required; never in a message.
            secure: https for a ``"host:port"`` endpoint (pymilvus's default: False).
            enable_virtual_style_endpoint: address the bucket as ``bucket.endpoint``
                instead of ``endpoint/bucket`` (path style, the default).
            session_token: a temporary credential's token (``x-amz-security-token``).
            region: the signing region; None for ``"us-east-1"``.
            part_size: the part size of multipart uploads in bytes, 5 MiB to 5 GiB
                (default 64 MiB); larger files go up in parts, several at once.
            stall_timeout: an upload fails with :class:`ImportTimeoutError` when no byte
                moves for this many seconds (uploads have no overall limit).
            TLS (``verify``, ``cert``) and ``proxy`` are the client's.

        Raises:
            InvalidArgumentError: a bad endpoint, a missing or bad key, a part size out of
                range; the settings are then partly applied: call again.

        Thread-safe: calls already under way keep the settings they started with.
        """
        url = _storage_endpoint(endpoint, secure)
        enc = _lib.encode
        _integer(part_size, "part_size")
        with self._use() as h:
            self._lib.milvus_client_set_storage(
                h, enc(url, "endpoint"), enc(region or None, "region"), enc(access_key, "access_key"),
                enc(secret_key, "secret_key"), enc(session_token or None, "session_token"),
            )
            self._lib.milvus_client_set_storage_virtual_host(h, 1 if enable_virtual_style_endpoint else 0)
            self._lib.milvus_client_set_upload_part_size(h, part_size)
            self._lib.milvus_client_set_upload_stall_timeout_ms(h, _seconds_to_ms(stall_timeout, "stall_timeout"))

    def upload_files(
        self,
        paths: Paths,
        bucket_name: str,
        prefix: str = "",
        on_progress: Optional[ProgressCallback] = None,
    ) -> List[Dict[str, Any]]:
        """Upload local files and folders to the bucket (see :meth:`set_storage`).

        Keys: ``prefix/basename`` for a file, ``prefix/relative/path`` for each file under a
        folder (hidden files skipped; the folder's own name not included); without a
        prefix, the bare names. An object already there with the same size and ETag is not
        sent again, so a rerun resumes. Files are streamed from disk; large ones go up in
        parts, and a multipart upload that fails or is cancelled is aborted.

        Endpoints (the object store): HEAD, PUT, and the multipart upload calls.

        Args:
            paths: a local file or folder, or a list of them.
            bucket_name: the bucket (as in pymilvus's ``S3ConnectParam``).
            prefix: the key prefix, e.g. ``"imports/2026"``; ``""`` for none.
            on_progress: None, or ``callback(report: dict) -> bool | None`` run on this
                thread as bytes go up, with ``{"phase": "upload", "key": "<object being
                sent>", "bytesDone": N, "bytesTotal": M}`` (bytes of the whole call). A true
                value stops (:class:`CancelledError`; complete objects stay).

        Returns:
            One dict per object, ``{"key": ..., "size": N (bytes), "etag": ..., "path":
            "<local path>", "uploaded": bool}`` (``uploaded`` False: it was already there).

        Raises:
            InvalidArgumentError (no storage set, a missing or unreadable path: the message
            names it), StorageError (the store refused; see ``storage_code``),
            TransportError, ImportTimeoutError (the stall limit), TLSError, CancelledError,
            any exception ``on_progress`` raised, NoMemoryError.

        Thread-safe.
        """
        body = _compact(bucket=_required_text(bucket_name, "bucket_name"), prefix=_text(prefix, "prefix"))
        body.setdefault("bucket", bucket_name)
        body["paths"] = _paths(paths)
        envelope = self._call_with_progress("milvus_client_upload_files", _dumps(body), (), on_progress)
        return envelope["data"]["objects"]

    def import_files(
        self,
        collection_name: str,
        paths: Paths,
        bucket_name: str,
        prefix: str = "",
        db_name: str = "",
        partition_name: str = "",
        options: Optional[Mapping[str, str]] = None,
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        on_progress: Optional[ProgressCallback] = None,
    ) -> Dict[str, Any]:
        """Local files to imported rows in one call: upload what is missing (as
        :meth:`upload_files`), check every object and Milvus's file-group rules, create the
        import jobs (1024 file groups per job) and wait for all of them (as
        :meth:`wait_import_jobs`).

        File groups: each ``.json``, ``.jsonl``, ``.ndjson``, ``.csv`` or ``.parquet``
        file is one; the ``.npy`` files of one folder are one (one file per field). A group
        is at most 16 GiB. A file that breaks a rule is an :class:`InvalidArgumentError`
        naming it, raised before any job is created.

        Endpoints: the object store's, then ``POST {url}/v2/vectordb/jobs/import/create``,
        ``.../list`` and ``.../describe``.

        Args:
            collection_name: the target collection.
            paths: local files and folders as for :meth:`upload_files`; an element may also
                be a list of paths, taken as one file group.
            bucket_name, prefix: as for :meth:`upload_files`.
            db_name: the database; ``""`` uses the client's ``db_name``.
            partition_name: the target partition; ``""`` for none.
            options: str-valued import options, as for :meth:`bulk_import`.
            timeout: the longest wait for the jobs once created, in seconds (> 0); uploads
                are bounded by ``stall_timeout`` of :meth:`set_storage` instead.
            poll_interval: the pause between polls of the jobs, in seconds.
            on_progress: None, or a callback as for :meth:`upload_files` while bytes go up,
                then as for :meth:`wait_import_jobs` after every poll (``report["phase"]``
                is ``"upload"`` or ``"import"``). A true value stops (:class:`CancelledError`;
                what was uploaded stays, jobs already created keep running on the server).

        Returns:
            ``{"jobs": [<each job's final describe data>], "objects": [<as upload_files>]}``
            (check each job's ``["state"]``: a Failed job is returned, not raised).

        Raises:
            the exceptions of :meth:`upload_files`, :meth:`bulk_import` and
            :meth:`wait_import_jobs`.

        Thread-safe.
        """
        timeout_ms = _seconds_to_ms(timeout, "timeout")
        poll_ms = min(_seconds_to_ms(poll_interval, "poll_interval"), timeout_ms)
        body = _compact(
            collectionName=_required_text(collection_name, "collection_name"),
            bucket=_required_text(bucket_name, "bucket_name"), prefix=_text(prefix, "prefix"),
            dbName=_text(db_name, "db_name"), partitionName=_text(partition_name, "partition_name"),
            options=_options(options),
        )
        body.setdefault("collectionName", collection_name)
        body.setdefault("bucket", bucket_name)
        body["paths"] = _paths(paths, groups=True)
        envelope = self._call_with_progress(
            "milvus_client_import_files", _dumps(body), (timeout_ms, poll_ms), on_progress
        )
        return envelope["data"]
