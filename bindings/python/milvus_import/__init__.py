"""milvus_import: Milvus bulk-import jobs over the REST API, through libmilvus_import.

A pure-Python (ctypes) binding of the C library ``libmilvus_import``:

* :mod:`milvus_import.bulk_writer`: the drop-in for ``pymilvus.bulk_writer``'s
  ``list_import_jobs``, ``bulk_import`` and ``get_import_progress`` (response objects, as
  pymilvus returns them);
* :func:`list_import_jobs`, :func:`get_import_progress`, :func:`bulk_import`,
  :func:`commit_import`, :func:`abort_import`: pymilvus's keywords and defaults, but
  returning the server's envelope as a dict; connections reused;
* :class:`Client`: one server with its settings (token, database, TLS, headers, proxy,
  retries, limits), thread-safe, with :meth:`Client.list_all_import_jobs`,
  :meth:`Client.wait_import_job` and :meth:`Client.wait_import_jobs` (many jobs, one
  request per poll);
* local files to imported rows: :meth:`Client.set_storage` (an S3-compatible object store,
  with pymilvus's ``S3ConnectParam`` keywords), :meth:`Client.upload_files` and
  :meth:`Client.import_files` (upload, check, create the jobs, wait);
* :class:`MilvusImportError` and one subclass per error kind; an argument of the wrong
  type is a :class:`TypeError` naming it.

``timeout`` bounds each whole call, retries included; Ctrl-C raises ``KeyboardInterrupt``
within about a second in every call.

The shared library is found through ``$MILVUS_IMPORT_LIBRARY``, a copy inside this
package, or ``ctypes.util.find_library("milvus_import")``, in that order.

Example::

    import milvus_import
    resp = milvus_import.list_import_jobs("http://127.0.0.1:19530", collection_name="quick_setup")
    for job in resp["data"]["records"]:
        print(job["jobId"], job["state"], job["progress"])
"""

import importlib.metadata
import re
from pathlib import Path

from . import errors
from ._lib import LIBRARY_PATH, LIBRARY_VERSION
from .client import Client
from .errors import *  # noqa: F403  Status, MilvusImportError and one subclass per kind
from .functions import abort_import, bulk_import, clear_client_cache, commit_import, get_import_progress, list_import_jobs


def _version() -> str:
    """The header's MILVUS_IMPORT_VERSION (the project's one version source): read from the
    header when this package runs from the source tree, else from the installed package's
    metadata, which the build read from the same header."""
    header = Path(__file__).resolve().parents[3] / "include" / "milvus_import.h"
    if header.is_file():
        match = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', header.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    return importlib.metadata.version("milvus-import")


#: The version of this binding, e.g. ``"0.1.0"``.
__version__ = _version()


def library_path() -> str:
    """Where the loaded ``libmilvus_import`` came from: the full path of
    ``$MILVUS_IMPORT_LIBRARY`` or of the package's own copy, or the name that
    ``ctypes.util.find_library`` gave (the dynamic loader found it on the system)."""
    return LIBRARY_PATH


def library_version() -> str:
    """The loaded library's ``milvus_version()``, e.g. ``"0.1.0"``."""
    return LIBRARY_VERSION


__all__ = [
    "Client", "list_import_jobs", "get_import_progress", "bulk_import", "commit_import", "abort_import",
    "clear_client_cache", *errors.__all__, "LIBRARY_PATH", "LIBRARY_VERSION", "library_path",
    "library_version", "__version__",
]
