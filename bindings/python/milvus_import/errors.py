"""Exceptions raised by :mod:`milvus_import`.

Every failure of the library surfaces as an exception; nothing returns an error as a
value. All of them derive from :class:`MilvusImportError`, which carries the details the
C library leaves in the calling thread's last error:

``kind``
    a short string naming the class of failure (``"server"``, ``"auth"``, ...), one per
    ``milvus_status`` value of the C ABI.
``status``
    the numeric :class:`Status` (the C ``milvus_status``).
``http_status``
    the HTTP status of the response behind the error (e.g. ``200`` for a server error
    carried inside a 200, ``401``, ``404``); ``0`` when no HTTP response arrived.
``server_code``
    the ``code`` of the server's JSON envelope (e.g. ``100`` collection not found, ``1800``
    not authenticated, ``2100``/``2101`` import failed); ``0`` when there was none.
``message``
    a one-line description; it never contains the API token, a URL password or
    object-store keys (the library replaces them with ``***``).

:class:`StorageError`, the object store's refusals, also carries ``storage_code``: the S3
error ``Code`` (``"NoSuchBucket"``, ``"SignatureDoesNotMatch"``, ...).

One subclass exists per kind. Some also derive from the matching built-in exception so
that generic handlers work: :class:`InvalidArgumentError` is a :class:`ValueError`,
:class:`TransportError` a :class:`ConnectionError`, :class:`ImportTimeoutError` a
:class:`TimeoutError` and :class:`NoMemoryError` a :class:`MemoryError`.
:class:`ClientClosedError`, a call on a closed :class:`~milvus_import.Client`, is an
:class:`InvalidArgumentError` (a :class:`ValueError`, as :mod:`io` raises for a closed file).

An argument of the wrong Python type is a plain :class:`TypeError` naming the parameter
(``job_id must be a str, got int``), raised before anything reaches the library.
"""

from __future__ import annotations

import builtins
import enum
from typing import Any, Dict, Optional, Tuple, Type, Union

__all__ = [
    "Status",
    "MilvusImportError",
    "InvalidArgumentError",
    "TransportError",
    "ImportTimeoutError",
    "TLSError",
    "HTTPError",
    "AuthenticationError",
    "ServerError",
    "MalformedResponseError",
    "ResponseTooLargeError",
    "JobNotFoundError",
    "NoMemoryError",
    "CancelledError",
    "StorageError",
    "ClientClosedError",
]


class Status(enum.IntEnum):
    """The C ABI's ``milvus_status`` values (append only; numbers never change)."""

    OK = 0
    INVALID_ARGUMENT = 1
    TRANSPORT = 2
    TIMEOUT = 3
    TLS = 4
    HTTP = 5
    AUTH = 6
    SERVER = 7
    MALFORMED_RESPONSE = 8
    TOO_LARGE = 9
    JOB_NOT_FOUND = 10
    NO_MEMORY = 11
    CANCELLED = 12
    STORAGE = 13


def _rebuild(cls: "Type[MilvusImportError]", message: str, status: int, http_status: int, server_code: int) -> "MilvusImportError":
    return cls(message, status=status, http_status=http_status, server_code=server_code)


#: status number -> exception class, filled by the subclasses' declarations.
_BY_STATUS: Dict[int, "Type[MilvusImportError]"] = {}


class MilvusImportError(Exception):
    """Base class of every error raised by :mod:`milvus_import`.

    Args:
        message: the human-readable description (secrets already removed).
        status: the numeric :class:`Status`; defaults to the subclass's own status.
        http_status: the HTTP status behind the error, ``0`` when no response arrived.
        server_code: the server envelope's ``code``, ``0`` when there was none.

    Attributes:
        kind (str): one of ``"invalid_argument"``, ``"transport"``, ``"timeout"``,
            ``"tls"``, ``"http"``, ``"auth"``, ``"server"``, ``"malformed_response"``,
            ``"too_large"``, ``"job_not_found"``, ``"no_memory"``, ``"cancelled"``,
            ``"storage"`` (``"unknown"`` for a status this version of the binding does not
            know).
        status (Status | int), http_status (int), server_code (int), message (str).
    """

    kind: str = "unknown"
    _default_status: int = -1

    def __init_subclass__(cls, kind: Optional[str] = None, status: Optional[Status] = None, **kwargs: Any) -> None:
        """``class XError(MilvusImportError, kind=..., status=...)`` declares the class of one
        status kind: raised for that status by :func:`error_from_status`."""
        super().__init_subclass__(**kwargs)
        if kind is not None and status is not None:
            cls.kind, cls._default_status = kind, status
            _BY_STATUS[status] = cls

    def __init__(
        self,
        message: str = "",
        *,
        status: Union[int, None] = None,
        http_status: int = 0,
        server_code: int = 0,
    ) -> None:
        super().__init__(message)
        if status is None:
            status = self._default_status
        try:
            status = Status(status)
        except ValueError:
            pass
        self.message: str = message
        self.status: Union[Status, int] = status
        self.http_status: int = int(http_status)
        self.server_code: int = int(server_code)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(kind={self.kind!r}, http_status={self.http_status}, "
            f"server_code={self.server_code}, message={self.message!r})"
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, int(self.status), self.http_status, self.server_code))


class InvalidArgumentError(MilvusImportError, ValueError, kind="invalid_argument", status=Status.INVALID_ARGUMENT):
    """Bad input from the caller (URL, name, JSON, setting); nothing was sent."""


class TransportError(MilvusImportError, ConnectionError, kind="transport", status=Status.TRANSPORT):
    """DNS failure, connection refused or reset, truncated body, proxy failure."""


class ImportTimeoutError(MilvusImportError, builtins.TimeoutError, kind="timeout", status=Status.TIMEOUT):
    """The timeout ran out, or the server answered HTTP 408 (or a wait timed out)."""


class TLSError(MilvusImportError, kind="tls", status=Status.TLS):
    """The TLS handshake or certificate verification failed."""


class HTTPError(MilvusImportError, kind="http", status=Status.HTTP):
    """A non-2xx HTTP status other than 401/403/408 (3xx redirects are not followed)."""


class AuthenticationError(MilvusImportError, kind="auth", status=Status.AUTH):
    """HTTP 401/403, or server code 1800 (Milvus) / 21119 (Zilliz Cloud's bad API key)."""


class ServerError(MilvusImportError, kind="server", status=Status.SERVER):
    """A Milvus envelope with a non-zero ``code`` (kept in :attr:`server_code`)."""


class MalformedResponseError(MilvusImportError, kind="malformed_response", status=Status.MALFORMED_RESPONSE):
    """A 2xx response whose body is not a Milvus JSON envelope."""


class ResponseTooLargeError(MilvusImportError, kind="too_large", status=Status.TOO_LARGE):
    """The response body passed the client's ``max_response_bytes``."""


class JobNotFoundError(MilvusImportError, kind="job_not_found", status=Status.JOB_NOT_FOUND):
    """The server no longer knows the job: code 2100 (Milvus up to 2.6.18) or 2101 (2.6.19
    and later) with "import job does not exist" or "job N not found"."""


class NoMemoryError(MilvusImportError, MemoryError, kind="no_memory", status=Status.NO_MEMORY):
    """An allocation inside the library failed."""


class CancelledError(MilvusImportError, kind="cancelled", status=Status.CANCELLED):
    """A wait or an upload was stopped because the ``on_progress`` callback returned a true
    value."""


class StorageError(MilvusImportError, kind="storage", status=Status.STORAGE):
    """The object store (S3 API) refused a request: wrong keys (403
    ``SignatureDoesNotMatch``, ``InvalidAccessKeyId``), a missing bucket (404
    ``NoSuchBucket``), ``AccessDenied``, ...

    Attributes:
        storage_code (str): the S3 error ``Code``; ``""`` when the answer had none (e.g. a
            HEAD, whose answers have no body). :attr:`http_status` is the store's status.
    """

    def __init__(self, message: str = "", *, storage_code: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.storage_code: str = storage_code

    def __repr__(self) -> str:
        return (
            f"StorageError(kind='storage', http_status={self.http_status}, "
            f"storage_code={self.storage_code!r}, message={self.message!r})"
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild_storage, (self.message, int(self.status), self.http_status, self.server_code, self.storage_code))


class ClientClosedError(InvalidArgumentError):
    """A call on a :class:`~milvus_import.Client` after :meth:`~milvus_import.Client.close`
    (an :class:`InvalidArgumentError`, so a :class:`ValueError`); nothing was sent."""


def _rebuild_storage(message: str, status: int, http_status: int, server_code: int, storage_code: str) -> StorageError:
    return StorageError(message, status=status, http_status=http_status, server_code=server_code,
                        storage_code=storage_code)


#: kind string -> exception class, for callers that dispatch on ``kind``.
CLASS_BY_KIND: Dict[str, Type[MilvusImportError]] = {cls.kind: cls for cls in _BY_STATUS.values()}


def error_from_status(
    status: int, message: str, http_status: int = 0, server_code: int = 0, storage_code: str = ""
) -> MilvusImportError:
    """Build the exception matching a ``milvus_status`` number (``storage_code``: the S3
    ``Code`` of a :class:`StorageError`, ignored for the other kinds).

    An unknown number (a newer library) gives a plain :class:`MilvusImportError` whose
    ``kind`` is ``"unknown"`` and whose ``status`` is the raw int.
    """
    cls = _BY_STATUS.get(int(status), MilvusImportError)
    if cls is StorageError:
        return StorageError(message, status=int(status), http_status=http_status, server_code=server_code,
                            storage_code=storage_code)
    return cls(message, status=int(status), http_status=http_status, server_code=server_code)
