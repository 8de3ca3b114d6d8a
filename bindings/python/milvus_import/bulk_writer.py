"""A drop-in for pymilvus's ``pymilvus.bulk_writer`` import-job functions.

``from milvus_import.bulk_writer import list_import_jobs, bulk_import, get_import_progress``
in place of ``from pymilvus.bulk_writer import ...``: the same signatures (names, order,
defaults of pymilvus 3.0.2), the same request bodies, and a :class:`Response` with what
pymilvus code uses of ``requests.Response`` (``.json()``, ``.status_code``, ``.text``,
``.content``, ``.ok``, ``.headers``, ``.raise_for_status()``).

Errors, as pymilvus has them: pymilvus raises ``pymilvus.exceptions.MilvusException`` for
every failure (an answer other than 200, a non-zero ``code``, no connection). Here each
failure is the typed :class:`~milvus_import.errors.MilvusImportError` subclass
(:class:`~milvus_import.errors.ServerError`, ...), and, when pymilvus is imported in the
process (as it is in code that catches its ``MilvusException``), also a subclass of
``MilvusException``, with its ``code`` (1, ``ErrorCode.UNEXPECTED_ERROR``, as pymilvus
gives these) and ``message``. pymilvus is not needed otherwise, and never imported here.

What differs from pymilvus: connections are reused (a cached client per url and
settings, as :mod:`milvus_import.functions`); ``timeout`` bounds the whole call, retries
included, and ``retries`` (default 2, 0 turns them off) retries list and describe after a
transport error or HTTP 408/429/502/503/504; an unknown keyword is a ``TypeError``
(pymilvus hands ``**kwargs`` to ``requests.post``); ``headers``, ``timeout``,
``partition_name`` and ``options`` are named parameters. The dict-returning functions of
:mod:`milvus_import` stay as they are.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Dict, List, Mapping, Optional, Type

from .client import Cert, Timeout, Verify
from .errors import HTTPError, MilvusImportError, StorageError
from .functions import COMMON_DOC, create_body, job_body, list_body, send

__all__ = ["Response", "list_import_jobs", "bulk_import", "get_import_progress"]


class Response:
    """One answer of the server, with what pymilvus code uses of ``requests.Response``.

    A Response exists only for an answer the library accepted: a 2xx whose body is a
    Milvus envelope with ``code`` 0 (every other answer raises, as in pymilvus).

    Attributes:
        status_code (int): 200 (the library does not report which 2xx it was).
        ok (bool): True (``status_code`` below 400).
        content (bytes): the body as it arrived (UTF-8 JSON).
        text (str): the body as text.
        headers (dict): empty: the library does not pass the server's headers on.
        url (str): the endpoint called, e.g. ``"http://127.0.0.1:19530/v2/vectordb/jobs/import/list"``.
        encoding (str): ``"utf-8"``.
    """

    def __init__(self, url: str, content: bytes) -> None:
        self.url = url
        self.content = content
        self.status_code = 200
        self.reason = "OK"
        self.encoding = "utf-8"
        self.headers: Dict[str, str] = {}

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def json(self, **kwargs: Any) -> Any:
        """The body parsed by :func:`json.loads` (keywords passed on, as requests does)."""
        return json.loads(self.content, **kwargs)

    def raise_for_status(self) -> None:
        """As ``requests.Response.raise_for_status``: HTTPError for a 4xx or 5xx status,
        which a Response never has, so this returns None."""
        if not self.ok:
            raise HTTPError(f"{self.status_code} {self.reason} for url: {self.url}", http_status=self.status_code)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


# --------------------------------------------------------------------------------------
# pymilvus's MilvusException
# --------------------------------------------------------------------------------------

_as_pymilvus: Dict[Type[MilvusImportError], Type[MilvusImportError]] = {}
_as_pymilvus_lock = threading.Lock()


def _message_get(self: Any) -> str:
    return self._message


def _message_set(self: Any, value: str) -> None:
    self._message = value


def _pymilvus_class(cls: Type[MilvusImportError], milvus_exception: type) -> Type[MilvusImportError]:
    """``cls`` that is also pymilvus's MilvusException, with the attributes its
    constructor gives by default (``code`` 1 among them), made once per class."""
    with _as_pymilvus_lock:
        mixed = _as_pymilvus.get(cls)
        if mixed is None:
            defaults = {k: v for k, v in vars(milvus_exception()).items() if k != "_message"}

            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                cls.__init__(self, *args, **kwargs)
                vars(self).update(defaults)  # MilvusException's own, whatever __init__ ran before

            def __reduce__(self: Any) -> Any:  # the class is made here, so pickle names its base
                return (_error, (cls, self.message, _details(self)))

            mixed = type(cls.__name__, (cls, milvus_exception), {
                "__module__": __name__, "__doc__": cls.__doc__, "__init__": __init__, "__reduce__": __reduce__,
                # MilvusException's message is read-only; ours is set by our constructor
                "message": property(_message_get, _message_set),
            })
            _as_pymilvus[cls] = mixed
        return mixed


def _details(err: MilvusImportError) -> Dict[str, Any]:
    details: Dict[str, Any] = {"status": int(err.status), "http_status": err.http_status,
                               "server_code": err.server_code}
    if isinstance(err, StorageError):
        details["storage_code"] = err.storage_code
    return details


def _error(cls: Type[MilvusImportError], message: str, details: Dict[str, Any]) -> MilvusImportError:
    """The exception of class ``cls``, also a MilvusException when pymilvus is loaded."""
    pymilvus = sys.modules.get("pymilvus.exceptions")
    if pymilvus is not None:
        cls = _pymilvus_class(cls, pymilvus.MilvusException)
    return cls(message, **details)


def _call(function: str, path: str, body: Dict[str, Any], url: str, api_key: Optional[str],
          db_name: Optional[str], verify: Verify, cert: Cert, headers: Optional[Mapping[str, str]],
          timeout: Timeout, retries: int) -> Response:
    try:
        content = send(function, body, url, api_key, db_name, verify, cert, headers, timeout, retries)
    except MilvusImportError as err:
        if "pymilvus.exceptions" not in sys.modules:
            raise
        raise _error(type(err), err.message, _details(err)) from None
    return Response(url.rstrip("/") + path, content)


# --------------------------------------------------------------------------------------
# The three functions
# --------------------------------------------------------------------------------------


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
) -> Response:
    """List import jobs, as pymilvus does. ``POST {url}/v2/vectordb/jobs/import/list``.

    Body, as pymilvus sends it: ``collectionName``, ``dbName``, ``clusterId``,
    ``projectId``, ``regionId``, ``pageSize``, ``currentPage`` (empty strings included).

    Returns a :class:`Response`; ``resp.json()["data"]["records"]`` lists the jobs.
    """
    body = list_body(collection_name, db_name, cluster_id, project_id, region_id, page_size, current_page)
    return _call("milvus_client_list_import_jobs", "/v2/vectordb/jobs/import/list", body,
                 url, api_key, db_name, verify, cert, headers, timeout, retries)


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
) -> Response:
    """Describe one import job, as pymilvus does.
    ``POST {url}/v2/vectordb/jobs/import/describe`` (falls back to ``.../get_progress``
    on a 404).

    Body, as pymilvus sends it: ``jobId``, ``clusterId``, ``projectId``, ``regionId``;
    ``db_name`` goes in the ``DB-Name`` header.

    Returns a :class:`Response`; ``resp.json()["data"]`` has ``state``, ``progress``,
    ``importedRows``, ``details``... Also raises JobNotFoundError when the job is gone.
    """
    return _call("milvus_client_get_import_progress", "/v2/vectordb/jobs/import/describe",
                 job_body(job_id, cluster_id, project_id, region_id),
                 url, api_key, db_name, verify, cert, headers, timeout, retries)


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
) -> Response:
    """Create an import job, as pymilvus does. ``POST {url}/v2/vectordb/jobs/import/create``.

    Body, as pymilvus sends it (``files``/``objectUrls``/``dataPaths`` left out when None,
    ``options`` ``{}`` when None). Never retried unless ``headers`` carries an
    ``Idempotency-Key``. Object-store keys never appear in error messages.

    Returns a :class:`Response`; ``resp.json()["data"]["jobId"]`` is the new job's id.
    """
    body = create_body(collection_name, db_name, files, object_url, object_urls, cluster_id, project_id, region_id,
                       access_key, secret_key, token, volume_name, data_paths, partition_name, options)
    return _call("milvus_client_bulk_import", "/v2/vectordb/jobs/import/create", body,
                 url, api_key, db_name, verify, cert, headers, timeout, retries)


for _fn in (list_import_jobs, get_import_progress, bulk_import):
    _fn.__doc__ = (_fn.__doc__ or "") + COMMON_DOC + """
    With pymilvus imported, each of these is also a ``pymilvus.exceptions.MilvusException``.
"""
del _fn
