#!/usr/bin/env python3
"""An emulator of Milvus's bulk-import REST API (`/v2/vectordb/jobs/import/*`).

Standard library only.  `python3 milvus_emulator.py --port 0` prints
`listening on http://127.0.0.1:PORT` as its first line and serves until killed.

`--milvus-version V` picks the server line it answers as: 2.4 (the releases after 2.4.13),
2.5, 2.6.18 (2.6.0-2.6.18), 2.6.19 (2.6.19 and later) or 3.0 (the default); a patch number
within a line means that line.  What differs between them is the table PROFILES (class
Profile): job-not-found and job-limit codes (2100, or 2101 from 2.6.19), the text for a
jobId that is no integer, the database check (2.4: every route), the file types, createTime,
the progress phases (2.4 has no stats phase), two-phase import (3.0: commit, abort,
auto_commit, Uncommitted/Committing), the file-size reason and Idempotency-Key.

What it reproduces on every line, and where from (milvus-io/milvus):
- routing and the 404/307/204 answers of the gin engine in front of the proxy
  (`internal/distributed/proxy/service.go`), checked against a real Milvus 2.3.5:
  an unknown path or method is `404`, `Content-Type: text/plain`, body `404 page not found`,
  with the CORS headers the proxy's middleware adds; a POST route with a trailing slash is a
  307 to the path without it; OPTIONS is a bare 204; authentication (with --token) runs
  before the 404, so bad credentials on an unknown path are a 401;
- `wrapperPost` of `httpserver/handler_v2.go`: the body is decoded like Go's encoding/json
  Decoder into the request struct (first value only, case-insensitive keys, unknown keys
  ignored) and validated (`binding:"required"`), giving 1801/1802 with the server's texts;
  the database is the body's `dbName`, else the `DB-Name` header, else `default`;
- the proxy/datacoord checks of `ImportV2`, `GetImportProgress`, `ListImports`
  (database 800, collection 100, partition 200, empty request 1100 after empty file groups
  are dropped, file types, the `timeout` option, the job limit); list without a collection
  returns the jobs of every database; the job's progress ranges of `datacoord/import_util.go`
  with per-file `details` of the import tasks once importing starts (file name formatted as
  Go's `%v` of the path list: `[a.json]`); job ids are int64 strings, not consecutive (the
  allocator also numbers each file group's tasks);
- jobs that fail later: a missing object (with --s3-endpoint or --data-dir), a file group over 16 GiB
  (`maxImportFileSizeInGB`), a `timeout` option that runs out (`import timeout`); a failed
  job shows progress 0, rows 0 and no completeTime; completeTime and createTime are in the
  server's zone (--timezone);
- error texts of `pkg/util/merr` (`<detail>: importing data failed` and so on); responses
  are compact JSON with sorted keys and `<>&` escaped, as gin's `c.JSON` writes them.

Emulator-only parts: `--mode cloud` (Zilliz Cloud: clusterId, paging, `job-...` ids),
failing files (a name containing `fail` fails its job at 55% of --job-seconds), and the
control API (outside /v2, never recorded):
  POST /_emulator/faults   {"kind": ..., "count": N, "path": "describe", ...}: see Fault
  GET  /_emulator/requests every other request: method, raw path, headers, body, conn
  GET  /_emulator/jobs     the jobs as the emulator holds them
  POST /_emulator/clock    {"advance": S}: jobs behave as if S more seconds had passed
  POST /_emulator/unknown_state {"jobId": ...}: the job's state becomes one the proxy cannot
                           name (`None`, reason `unknown import job state`)
  POST /_emulator/reset    no jobs, faults, log or clock offset; ids start again
Rows and sizes come from the files, read where Milvus would read them: with
`--s3-endpoint URL --bucket NAME --access-key K --secret-key S [--region R]` the paths are
object keys in that bucket (HEAD for sizes, GET for content, by `curl --aws-sigv4`); with
--data-dir relative paths are files below it; otherwise files of the working directory.
Rows: JSON (a list of rows or `{"rows":[...]}`, as Milvus's reader takes; JSON lines too),
CSV (rows after the header), .npy (the first dimension of the header's shape), Parquet
(num_rows of the footer). With an object store or --data-dir a file that is not there fails
its job with Milvus's reason; without either it counts 1000 + crc32(path) % 9000 rows and
128 bytes a row (so do files whose rows cannot be read).
"""
from __future__ import annotations

import argparse
import ast
import base64
import binascii
import contextlib
import csv
import gzip
import io
import itertools
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------------------------------------
# Constants of the server
# ---------------------------------------------------------------------------------------------
IMPORT_PREFIX = "/v2/vectordb/jobs/import/"
JSON_CT = "application/json; charset=utf-8"
NOT_FOUND_BODY = b"404 page not found"
NOT_FOUND_CT = "text/plain"
# The proxy's CORS middleware (Milvus 2.3.5 exactly; on every answer gin produces).
CORS_HEADERS = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Headers", "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, "
     "Authorization, accept, origin, Cache-Control, X-Requested-With"),
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"),
    ("Access-Control-Allow-Origin", "*"),
]
DEFAULT_DB = "default"
DEFAULT_PARTITION = "_default"
OSS_JOB_ID_BASE = 448761313698322011
CLOUD_JOB_ID_BASE = 0x0123456789ABCDEF01234
MAX_FILES_PER_REQUEST = 1024

# merr (pkg/util/merr/errors.go): code and message of the errors the import API returns.
E_COLLECTION_NOT_FOUND = (100, "collection not found")
E_PARTITION_NOT_FOUND = (200, "partition not found")
E_DATABASE_NOT_FOUND = (800, "database not found")
E_PARAMETER_INVALID = (1100, "invalid parameter")
E_NEED_AUTHENTICATE = (1800, "user hasn't authenticated")
E_INCORRECT_PARAMETER_FORMAT = (1801, "can only accept json format request")
E_MISSING_REQUIRED_PARAMETERS = (1802, "missing required parameters")
E_HTTP_RATE_LIMIT = (1807, "request is rejected by limiter")
E_IMPORT_FAILED = (2100, "importing data failed")
E_IMPORT_SERVER = (2101, "importing data failed on server side")
E_REQUEST_TIMEOUT = (10001, "request timeout")
E_CLOUD_BAD_API_KEY = (21119, "The apikey is illegal.")


class ApiError(Exception):
    """An error answered as `{"code":N,"message":...}` (HTTP 200 unless `status` says)."""

    def __init__(self, code: int, message: str, status: int = 200):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def wrap(err: tuple[int, str], detail: str) -> ApiError:
    """merr.WrapErr...(err, detail): "<detail>: <message>"."""
    return ApiError(err[0], f"{detail}: {err[1]}")


def go_json(obj) -> bytes:
    """JSON as Go's encoding/json.Marshal writes a gin.H: compact, map keys sorted,
    HTML-significant characters and U+2028/U+2029 escaped, bad surrogates replaced."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return re.sub("[\ud800-\udfff]", "\ufffd", text).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Go's encoding/json Decoder, as gin's ShouldBindBodyWith(binding.JSON) uses it
# ---------------------------------------------------------------------------------------------
class GoEOF(Exception):
    """io.EOF: the body holds no value at all."""


class GoSyntaxError(Exception):
    pass


def _go_quote_char(c: int) -> str:
    """encoding/json quoteChar: a byte shown as Go's strconv.Quote of rune(c)."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    named = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 0x5C: "\\\\"}
    if c in named:
        return f"'{named[c]}'"
    if chr(c).isprintable():  # as Go's unicode.IsPrint: no controls, no separators but ' '
        return f"'{chr(c)}'"
    if c < 0x80:
        return f"'\\x{c:02x}'"
    return f"'\\u{c:04x}'"


class _GoScanner:
    """Finds the end of the first JSON value of `data` or raises Go's error for it."""

    WS = b" \t\r\n"

    def __init__(self, data: bytes):
        self.d, self.i = data, 0

    def fail(self, context: str):
        if self.i >= len(self.d):
            raise GoSyntaxError("unexpected EOF")
        raise GoSyntaxError(f"invalid character {_go_quote_char(self.d[self.i])} {context}")

    def peek(self) -> int | None:
        return self.d[self.i] if self.i < len(self.d) else None

    def skip_ws(self):
        while self.i < len(self.d) and self.d[self.i] in self.WS:
            self.i += 1

    def first_value_end(self) -> int:
        self.skip_ws()
        if self.i >= len(self.d):
            raise GoEOF()
        self.value()
        return self.i

    def value(self):
        self.skip_ws()
        c = self.peek()
        if c is None:
            self.fail("")
        if c == 0x7B:
            self.obj()
        elif c == 0x5B:
            self.arr()
        elif c == 0x22:
            self.string()
        elif c == 0x2D or 0x30 <= c <= 0x39:
            self.number()
        elif c in b"tfn":
            self.literal({0x74: b"true", 0x66: b"false", 0x6E: b"null"}[c])
        else:
            self.fail("looking for beginning of value")

    def obj(self):
        self.i += 1
        self.skip_ws()
        if self.peek() == 0x7D:
            self.i += 1
            return
        while True:
            self.skip_ws()
            if self.peek() != 0x22:
                self.fail("looking for beginning of object key string")
            self.string()
            self.skip_ws()
            if self.peek() != 0x3A:
                self.fail("after object key")
            self.i += 1
            self.value()
            self.skip_ws()
            c = self.peek()
            if c == 0x2C:
                self.i += 1
            elif c == 0x7D:
                self.i += 1
                return
            else:
                self.fail("after object key:value pair")

    def arr(self):
        self.i += 1
        self.skip_ws()
        if self.peek() == 0x5D:
            self.i += 1
            return
        while True:
            self.value()
            self.skip_ws()
            c = self.peek()
            if c == 0x2C:
                self.i += 1
            elif c == 0x5D:
                self.i += 1
                return
            else:
                self.fail("after array element")

    def string(self):
        self.i += 1
        while True:
            c = self.peek()
            if c is None:
                self.fail("")
            if c == 0x22:
                self.i += 1
                return
            if c == 0x5C:
                self.i += 1
                e = self.peek()
                if e is None:
                    self.fail("")
                if e == 0x75:
                    for _ in range(4):
                        self.i += 1
                        h = self.peek()
                        if h is None or h not in b"0123456789abcdefABCDEF":
                            self.fail("in \\u hexadecimal character escape")
                elif e not in b'"\\/bfnrt':
                    self.fail("in string escape code")
            elif c < 0x20:
                self.fail("in string literal")
            self.i += 1

    def digits(self):
        while self.peek() is not None and 0x30 <= self.peek() <= 0x39:
            self.i += 1

    def number(self):
        if self.peek() == 0x2D:
            self.i += 1
            c = self.peek()
            if c is None or not 0x30 <= c <= 0x39:
                self.fail("in numeric literal")
        if self.peek() == 0x30:
            self.i += 1
        else:
            self.digits()
        if self.peek() == 0x2E:
            self.i += 1
            c = self.peek()
            if c is None or not 0x30 <= c <= 0x39:
                self.fail("after decimal point in numeric literal")
            self.digits()
        if self.peek() in (0x65, 0x45):
            self.i += 1
            if self.peek() in (0x2B, 0x2D):
                self.i += 1
            c = self.peek()
            if c is None or not 0x30 <= c <= 0x39:
                self.fail("in exponent of numeric literal")
            self.digits()

    def literal(self, word: bytes):
        self.i += 1
        for expected in word[1:]:
            c = self.peek()
            if c != expected:
                self.fail(f"in literal {word.decode()} (expecting {_go_quote_char(expected)})")
            self.i += 1


INT_KINDS = ("int", "int32", "int64")


class GoNumber(str):
    """A JSON number kept as its literal text (Go reports it as "number <text>")."""


def _go_kind(v) -> str:
    if isinstance(v, GoNumber):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, list) and not isinstance(v, _Pairs):
        return "array"
    return "object"


class _Pairs(list):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


@dataclass(frozen=True)
class Field:
    json: str
    go: str
    kind: str  # "string", "int", "int32", "int64", "[][]string", "map[string]string" (Go types)
    required: bool = False


@dataclass(frozen=True)
class ReqType:
    name: str
    fields: tuple[Field, ...]
    db_getter: bool = False  # implements requestutil.DBNameGetter


class _Decoder:
    def __init__(self, rt: ReqType):
        self.rt, self.error = rt, None

    def type_error(self, value, go_type: str, field_name: str | None):
        if self.error is None:
            v = _go_kind(value)
            if v == "number" and go_type in INT_KINDS:
                v = f"number {value}"
            if field_name is None:
                self.error = f"json: cannot unmarshal {v} into Go value of type {go_type}"
            else:
                self.error = (f"json: cannot unmarshal {v} into Go struct field "
                              f"{self.rt.name}.{field_name} of type {go_type}")

    def string(self, v, fname, zero=""):
        if v is None:
            return zero
        if isinstance(v, str) and not isinstance(v, GoNumber):
            return str(v)
        self.type_error(v, "string", fname)
        return zero

    def integer(self, v, fname, go_type, zero=0):
        if v is None:
            return zero
        bits = 32 if go_type == "int32" else 64
        if isinstance(v, GoNumber) and re.fullmatch(r"-?\d+", v) and -2**(bits - 1) <= int(v) < 2**(bits - 1):
            return int(v)
        self.type_error(v, go_type, fname)
        return zero

    def str_list(self, v, fname, go_type):
        if v is None:
            return None
        if _go_kind(v) != "array":
            self.type_error(v, go_type, fname)
            return None
        return v

    def decode(self, root):
        values = {f.json: None if f.kind in ("[][]string", "map[string]string") else
                  (0 if f.kind in INT_KINDS else "") for f in self.rt.fields}
        if root is None:
            return values
        if not isinstance(root, _Pairs):
            self.type_error(root, f"httpserver.{self.rt.name}", None)
            return values
        for key, v in root:
            f = next((f for f in self.rt.fields if f.json == key), None) or \
                next((f for f in self.rt.fields if f.json.lower() == key.lower()), None)
            if f is None:
                continue
            if f.kind == "string":
                values[f.json] = self.string(v, f.json, values[f.json])
            elif f.kind in INT_KINDS:
                values[f.json] = self.integer(v, f.json, f.kind, values[f.json])
            elif f.kind == "[][]string":
                outer = self.str_list(v, f.json, "[][]string")
                if outer is not None:
                    values[f.json] = [[self.string(s, f.json) for s in (self.str_list(g, f.json, "[]string") or [])]
                                      for g in outer]
                elif v is None:
                    values[f.json] = None
            elif f.kind == "map[string]string":
                if v is None:
                    values[f.json] = None
                elif not isinstance(v, _Pairs):
                    self.type_error(v, "map[string]string", f.json)
                else:
                    m = values[f.json] if values[f.json] is not None else {}
                    for k, item in v:
                        m[k] = self.string(item, f.json)
                    values[f.json] = m
        return values


def bind(rt: ReqType, body: bytes) -> dict:
    """gin ShouldBindBodyWith(binding.JSON) + wrapperPost's error answers (1801/1802)."""
    try:
        end = _GoScanner(body).first_value_end()
    except GoEOF:
        raise ApiError(E_INCORRECT_PARAMETER_FORMAT[0], E_INCORRECT_PARAMETER_FORMAT[1]
                       + ", the request body should be nil, however {} is valid") from None
    except GoSyntaxError as e:
        raise ApiError(E_INCORRECT_PARAMETER_FORMAT[0],
                       f"{E_INCORRECT_PARAMETER_FORMAT[1]}, error: {e}") from None
    root = json.loads(body[:end].decode("utf-8", "replace"), object_pairs_hook=_Pairs,
                      parse_int=GoNumber, parse_float=GoNumber, parse_constant=GoNumber)
    dec = _Decoder(rt)
    values = dec.decode(root)
    if dec.error:
        raise ApiError(E_INCORRECT_PARAMETER_FORMAT[0], f"{E_INCORRECT_PARAMETER_FORMAT[1]}, error: {dec.error}")
    missing = [f for f in rt.fields if f.required and not values[f.json] and values[f.json] != []]
    if missing:
        detail = "\n".join(f"Key: '{rt.name}.{f.go}' Error:Field validation for '{f.go}' failed on the "
                           f"'required' tag" for f in missing)
        raise ApiError(E_MISSING_REQUIRED_PARAMETERS[0], f"{E_MISSING_REQUIRED_PARAMETERS[1]}, error: {detail}")
    return values


def go_parse_int64(s: str) -> int:
    """strconv.ParseInt(s, 10, 64); raises ValueError with Go's message."""
    if not re.fullmatch(r"[+-]?\d+", s):
        raise ValueError(f'strconv.ParseInt: parsing {json.dumps(s, ensure_ascii=False)}: invalid syntax')
    n = int(s)
    if not -2**63 <= n < 2**63:
        raise ValueError(f'strconv.ParseInt: parsing {json.dumps(s, ensure_ascii=False)}: value out of range')
    return n


# ---------------------------------------------------------------------------------------------
# Server lines: what differs between Milvus versions (the spec's "How the answers changed")
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Phase:
    """A stretch of a job's life: from `start` (a share of --job-seconds) on, datacoord's job
    state is `internal`, clients see `state`, and progress goes from `low` to `high`."""
    start: float
    internal: str
    state: str
    low: int
    high: int


PENDING = Phase(0.00, "Pending", "Pending", 0, 10)
PRE_IMPORTING = Phase(0.10, "PreImporting", "Importing", 10, 40)
IMPORTING = Phase(0.40, "Importing", "Importing", 40, 70)
TASKS_RUNNING = 0.45  # import tasks start a little after the Importing phase does
TASKS_DONE = 0.70     # the end of the Importing phase: every file imported
COMMITTING_AT = 0.95  # Milvus 3.0: the commit phase (Uncommitted / Committing, progress 99)
COMMIT_SHARE = 0.05   # a commit takes this share of --job-seconds
PHASES_NO_STATS = (PENDING, PRE_IMPORTING, IMPORTING, Phase(0.70, "IndexBuilding", "Importing", 70, 90))
PHASES_STATS = (PENDING, PRE_IMPORTING, IMPORTING, Phase(0.70, "Sorting", "Importing", 70, 80),
                Phase(0.80, "IndexBuilding", "Importing", 80, 90))
PHASES_COMMIT = PHASES_STATS + (Phase(COMMITTING_AT, "Committing", "Importing", 99, 99),)


@dataclass(frozen=True)
class Profile:
    """The facts of one server line that the import API shows."""
    name: str
    job_error: tuple[int, str]     # merr error of job-not-found and of the job limit
    limit_prefix: str              # what the job-limit message starts with
    bad_job_id: tuple[tuple[int, str], str]  # describe of a jobId that is no int64: error, format
    database_check: bool           # wrapperCheckDatabase on every import route (800, REST text)
    file_exts: tuple[str, ...]     # importutilv2.GetFileType
    create_time: bool              # describe has createTime
    phases: tuple[Phase, ...]
    two_phase: bool                # commit/abort routes, auto_commit, Uncommitted/Committing
    size_error_suffix: str         # after the file-size reason
    idempotency_key: bool          # Idempotency-Key honoured on create


FILE_EXTS_24 = (".json", ".npy", ".parquet")
FILE_EXTS_25 = FILE_EXTS_24 + (".csv",)
FILE_EXTS_26 = FILE_EXTS_25 + (".jsonl", ".ndjson")
LIMIT_BROADCAST = "failed to broadcast import: failed to validate import request: "
BAD_JOB_ID_OLD = (E_IMPORT_FAILED, "parse job id failed, err=%w{}")  # fmt.Sprint with %w, verbatim
BAD_JOB_ID_COLON = (E_IMPORT_FAILED, "parse job id failed: {}")
BAD_JOB_ID_INVALID = (E_PARAMETER_INVALID, "parse job id failed: {}")

# Each line as what changed since the one before it.
MILVUS_2_4 = Profile(name="2.4", job_error=E_IMPORT_FAILED, limit_prefix="", bad_job_id=BAD_JOB_ID_OLD,
                     database_check=True, file_exts=FILE_EXTS_24, create_time=False, phases=PHASES_NO_STATS,
                     two_phase=False, size_error_suffix="", idempotency_key=False)
MILVUS_2_5 = replace(MILVUS_2_4, name="2.5", database_check=False, file_exts=FILE_EXTS_25, phases=PHASES_STATS)
MILVUS_2_6_18 = replace(MILVUS_2_5, name="2.6.18", bad_job_id=BAD_JOB_ID_COLON, file_exts=FILE_EXTS_26,
                        create_time=True, size_error_suffix=": " + E_PARAMETER_INVALID[1])
MILVUS_2_6_19 = replace(MILVUS_2_6_18, name="2.6.19", job_error=E_IMPORT_SERVER, limit_prefix=LIMIT_BROADCAST,
                        bad_job_id=BAD_JOB_ID_INVALID)
MILVUS_3_0 = replace(MILVUS_2_6_19, name="3.0", phases=PHASES_COMMIT, two_phase=True, idempotency_key=True)
PROFILES = {p.name: p for p in (MILVUS_2_4, MILVUS_2_5, MILVUS_2_6_18, MILVUS_2_6_19, MILVUS_3_0)}
DEFAULT_VERSION = "3.0"


def profile_for(version: str) -> Profile:
    """The profile of a version: 2.4[.x], 2.5[.x], 2.6[.x] (2.6.0-2.6.18 -> 2.6.18, 2.6.19 and
    later or plain 2.6 -> 2.6.19; from 2.6.24 Idempotency-Key is honoured), 3.0[.x] (3.0.0 and
    3.0.1 ignore Idempotency-Key)."""
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version.strip())
    line = m and f"{m.group(1)}.{m.group(2)}"
    patch = int(m.group(3)) if m and m.group(3) is not None else None
    if line == "2.6":
        p = PROFILES["2.6.18" if patch is not None and patch <= 18 else "2.6.19"]
        return replace(p, idempotency_key=patch is not None and patch >= 24)
    if line in PROFILES:
        return replace(PROFILES[line], idempotency_key=PROFILES[line].idempotency_key and
                       (patch is None or patch >= 2))
    raise ValueError(f"unknown Milvus version {version!r}: give 2.4, 2.5, 2.6.18, 2.6.19 or 3.0 "
                     f"(a patch number within a line is accepted)")


# Request structs of httpserver/request_v2.go (and the cloud's extra fields).
LIST_REQ = ReqType("OptionalCollectionNameReq", (
    Field("dbName", "DbName", "string"), Field("collectionName", "CollectionName", "string")), db_getter=True)
IMPORT_REQ = ReqType("ImportReq", (
    Field("dbName", "DbName", "string"), Field("collectionName", "CollectionName", "string", True),
    Field("partitionName", "PartitionName", "string"), Field("files", "Files", "[][]string", True),
    Field("options", "Options", "map[string]string")), db_getter=True)
JOB_ID_REQ = ReqType("JobIDReq", (Field("jobId", "JobID", "string", True),))
CLOUD_FIELDS = (Field("clusterId", "ClusterID", "string"), Field("pageSize", "PageSize", "int"),
                Field("currentPage", "CurrentPage", "int"))
CLOUD_IMPORT_REQ = ReqType("ImportReq", (
    Field("dbName", "DbName", "string"), Field("collectionName", "CollectionName", "string", True),
    Field("partitionName", "PartitionName", "string"), Field("files", "Files", "[][]string"),
    Field("objectUrl", "ObjectURL", "string"), Field("options", "Options", "map[string]string"),
    *CLOUD_FIELDS), db_getter=True)


def cloud_type(rt: ReqType) -> ReqType:
    if rt is IMPORT_REQ:
        return CLOUD_IMPORT_REQ
    return ReqType(rt.name, rt.fields + CLOUD_FIELDS, rt.db_getter)


# ---------------------------------------------------------------------------------------------
# Files: size and row count of what a job imports
# ---------------------------------------------------------------------------------------------
MAX_FILE_SIZE = 16 << 30  # dataNode.import.maxImportFileSizeInGB (16) in bytes
JSON_EXTS = (".json", ".jsonl", ".ndjson")


class StoreError(Exception):
    """The object store refused or could not be reached (the reason a job fails with)."""


class LocalFiles:
    """Files on this machine. With a root (--data-dir) relative paths are read below it and a
    path that is not there is missing, as an object is; without one they are read from the
    working directory and a path that is not there is virtual (its rows come from its name)."""

    def __init__(self, root: str | None):
        self.root = root
        self.strict = root is not None

    def _local(self, path: str) -> str:
        return path if os.path.isabs(path) or self.root is None else os.path.join(self.root, path)

    def size(self, path: str) -> int | None:
        local = self._local(path)
        return os.path.getsize(local) if os.path.isfile(local) else None

    def open(self, path: str):
        return open(self._local(path), "rb")

    def tail(self, path: str, count: int) -> bytes:
        with open(self._local(path), "rb") as f:
            f.seek(max(os.path.getsize(self._local(path)) - count, 0))
            return f.read()


class ObjectStore:
    """The objects of one bucket, read as Milvus reads its own bucket (path-style S3 with
    Signature V4), through `curl --aws-sigv4`: HEAD for sizes, GET for content. The keys go
    to curl in a config on its stdin, never on its command line."""

    strict = True

    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str):
        self.endpoint, self.bucket, self.region = endpoint.rstrip("/"), bucket, region
        self.access_key, self.secret_key = access_key, secret_key

    def _config(self, key: str, *extra: str) -> bytes:
        def quoted(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        url = f"{self.endpoint}/{urllib.parse.quote(self.bucket)}/{urllib.parse.quote(key, safe='/~')}"
        lines = [f"url = {quoted(url)}", f"aws-sigv4 = {quoted('aws:amz:' + self.region + ':s3')}",
                 f"user = {quoted(self.access_key + ':' + self.secret_key)}", "silent", "connect-timeout = 5",
                 *extra]
        return ("\n".join(lines) + "\n").encode()

    def size(self, key: str) -> int | None:
        """The object's size; None when there is no such object."""
        done = subprocess.run(["curl", "-K", "-"], capture_output=True, timeout=60, input=self._config(
            key, "head", "max-time = 30", 'write-out = "%{http_code} %header{content-length}"',
            'output = "/dev/null"'))
        status, _, length = done.stdout.decode("latin-1").partition(" ")
        if status == "404":
            return None
        if status != "200" or not length.strip().isdigit():
            raise StoreError(f"failed to read object {key} from bucket {self.bucket}: "
                             + (f"HTTP {status}" if status not in ("", "000") else f"cannot reach {self.endpoint}"))
        return int(length)

    @contextlib.contextmanager
    def open(self, key: str, byte_range: str | None = None):
        """The object's content as a stream (curl's stdout); curl ends when the block does."""
        extra = ["fail"] + ([f"range = {byte_range}"] if byte_range else [])
        proc = subprocess.Popen(["curl", "-K", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        try:
            proc.stdin.write(self._config(key, *extra))
            proc.stdin.close()
            yield proc.stdout
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()

    def tail(self, key: str, count: int) -> bytes:
        with self.open(key, f"-{count}") as f:
            return f.read()


def _count_rows(path: str, files, options: dict) -> int | None:
    """Rows in a file (LocalFiles or ObjectStore), or None when they cannot be counted here."""
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".parquet":
            (length,) = struct.unpack("<I", files.tail(path, 8)[:4])
            return _parquet_rows(files.tail(path, length + 8)[:length])
        with files.open(path) as f:
            if ext in JSON_EXTS:
                data = f.read()
                try:
                    doc = json.loads(data)
                except ValueError:  # JSON lines
                    return sum(1 for line in data.splitlines() if line.strip())
                # Milvus's JSON reader takes a list of rows, or an object whose key "rows"
                # (in any case) holds that list.
                if isinstance(doc, dict) and len(doc) == 1:
                    rows = next(iter(doc.values())) if next(iter(doc)).lower() == "rows" else None
                    if isinstance(rows, list):
                        return len(rows)
                return len(doc) if isinstance(doc, list) else 1
            if ext == ".csv":
                text = io.TextIOWrapper(f, encoding="utf-8", errors="replace", newline="")
                rows = sum(1 for _ in csv.reader(text, delimiter=(options.get("sep") or ",")[0]))
                return max(rows - 1, 0)
            if ext == ".npy":
                head = f.read(12)
                if head[:6] != b"\x93NUMPY":
                    return None
                if head[6] == 1:  # version 1: a 2-byte header length; 2 and 3: 4 bytes
                    (hlen,) = struct.unpack("<H", head[8:10])
                    header = head[10:] + f.read(hlen - 2)
                else:
                    (hlen,) = struct.unpack("<I", head[8:12])
                    header = f.read(hlen)
                shape = ast.literal_eval(header.decode("latin-1"))["shape"]
                return int(shape[0]) if shape else 1
    except (OSError, ValueError, KeyError, IndexError, SyntaxError, struct.error, subprocess.SubprocessError):
        return None
    return None


def _parquet_rows(footer: bytes) -> int:
    """num_rows (field 3, an i64) of a Parquet footer, the Thrift compact encoding of
    FileMetaData; the fields before it are skipped by their types."""
    pos = 0

    def byte() -> int:
        nonlocal pos
        pos += 1
        return footer[pos - 1]

    def varint() -> int:
        shift = value = 0
        while True:
            b = byte()
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value
            shift += 7

    def zigzag() -> int:
        v = varint()
        return (v >> 1) ^ -(v & 1)

    def skip(kind: int, in_collection: bool = False) -> None:
        nonlocal pos
        if kind in (1, 2):  # booleans: in the field header, or one byte in a collection
            pos += 1 if in_collection else 0
        elif kind == 3:
            pos += 1
        elif kind in (4, 5, 6):
            varint()
        elif kind == 7:
            pos += 8
        elif kind == 8:
            n = varint()
            pos += n
        elif kind in (9, 10):  # list, set
            head = byte()
            n = head >> 4 if head >> 4 != 15 else varint()
            for _ in range(n):
                skip(head & 0x0F, True)
        elif kind == 11:  # map
            n = varint()
            types = byte() if n else 0
            for _ in range(n):
                skip(types >> 4, True)
                skip(types & 0x0F, True)
        elif kind == 12:
            for _ in fields():
                pass
        else:
            raise ValueError(f"thrift type {kind}")

    def fields():
        """(id, type) of each field of a struct, skipping its value unless the caller reads it."""
        last = 0
        while True:
            head = byte()
            if head == 0:
                return
            last = last + (head >> 4) if head >> 4 else zigzag()
            start = pos
            yield last, head & 0x0F
            if pos == start:
                skip(head & 0x0F)

    for fid, kind in fields():
        if fid == 3 and kind == 6:
            return zigzag()
    raise ValueError("no num_rows in the Parquet footer")


def _virtual_rows(path: str) -> int:
    return 1000 + zlib.crc32(path.encode("utf-8", "surrogatepass")) % 9000


@dataclass
class FileGroup:
    """One entry of `files` (one ImportFile): its paths, size and rows, the first path that is
    not there (looked for in an object store or --data-dir) and the store's refusal if any."""
    paths: list[str]
    size: int
    rows: int
    missing: str | None = None
    unreadable: str | None = None

    @property
    def name(self) -> str:  # fmt.Sprintf("%v", paths)
        return "[" + " ".join(self.paths) + "]"

    @classmethod
    def measure(cls, paths: list[str], files, options: dict) -> "FileGroup":
        """Sizes from the files; rows from the first one, counted only when the group is
        within the size limit (a failing group is not read)."""
        size, found_first, missing = 0, False, None
        for i, p in enumerate(paths):
            try:
                found = files.size(p)
            except StoreError as e:
                return cls(paths, 0, 0, unreadable=str(e))
            if found is not None:
                size += found
                found_first = found_first or i == 0
            elif files.strict:
                missing = missing or p
            else:
                size += _virtual_rows(p) * 128
        rows = None
        if found_first and missing is None and size <= MAX_FILE_SIZE:
            rows = _count_rows(paths[0], files, options)
        return cls(paths, size, _virtual_rows(paths[0]) if rows is None else rows, missing)


# ---------------------------------------------------------------------------------------------
# Jobs and the store
# ---------------------------------------------------------------------------------------------
class Zone:
    """The server's time zone, as Go writes a time with "2006-01-02T15:04:05Z07:00"."""

    def __init__(self, spec: str = "Z"):
        m = re.fullmatch(r"([+-])(\d\d):(\d\d)", spec)
        if spec in ("Z", "UTC", "+00:00"):
            self.offset = 0
        elif m and int(m.group(2)) < 24 and int(m.group(3)) < 60:
            self.offset = (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
        else:
            raise ValueError(f"time zone must be Z or +HH:MM / -HH:MM, not {spec!r}")
        self.suffix = "Z" if self.offset == 0 else spec

    def format(self, ts: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + self.offset)) + self.suffix


def _frac(x: float, lo: float, hi: float) -> float:
    return min(max((x - lo) / (hi - lo), 0.0), 0.999999)


FAIL_AT = 0.55      # a file named *fail* fails its job here, during the Importing phase
PREIMPORT_AT = 0.25  # a missing or too large file group fails its job here, in pre-import
UNKNOWN_STATE = "unknown import job state"
ABORTED = "aborted by user"
TIMED_OUT = "import timeout"


def go_duration(text: str) -> float:
    """time.ParseDuration in seconds; raises ValueError with Go's message."""
    units = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
             "h": 3600.0}
    quoted = json.dumps(text, ensure_ascii=False)
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    parts = re.findall(r"(\d+\.?\d*|\.\d+)([^\d.]*)", body)
    if not body or "".join(n + u for n, u in parts) != body:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    for number, unit in parts:
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in units:
            raise ValueError(f"time: unknown unit {json.dumps(unit, ensure_ascii=False)} in duration {quoted}")
        total += float(number) * units[unit]
    return -total if text.startswith("-") else total


@dataclass
class Job:
    job_id: str
    db: str
    collection: str
    partition: str
    groups: list[FileGroup]
    options: dict
    phases: tuple[Phase, ...]
    duration: float
    created: float  # monotonic
    created_wall: float
    two_phase: bool = False
    failure: tuple[float, str] | None = None  # (monotonic time, reason) decided at creation
    timeout_at: float | None = None  # the `timeout` option's deadline (monotonic)
    committed: float | None = None  # when commit moved the job to Committing
    aborted: float | None = None
    unknown_state: bool = False  # POST /_emulator/unknown_state: the proxy cannot name the state

    def at(self, frac: float) -> float:
        return self.created + frac * self.duration

    def completion(self) -> float | None:
        """When the job completes (monotonic), or None while a two-phase job is not committed."""
        if not self.two_phase:
            return self.at(1.0)
        return None if self.committed is None else self.committed + COMMIT_SHARE * self.duration

    def outcome(self, now: float) -> tuple[str, float, str] | None:
        """How the job ended by `now`: (Completed or Failed, monotonic time, reason), or None."""
        events = []
        if self.failure:
            events.append(("Failed", *self.failure))
        if self.aborted is not None:
            events.append(("Failed", self.aborted, ABORTED))
        done = self.completion()
        if done is not None:
            events.append(("Completed", done, ""))
        settled = self.committed if self.committed is not None else done  # the timeout cannot strike after
        if self.timeout_at is not None and (settled is None or self.timeout_at < settled):
            events.append(("Failed", self.timeout_at, TIMED_OUT))
        past = [e for e in events if e[1] <= now]
        return min(past, key=lambda e: e[1]) if past else None

    def terminal_since(self, now: float) -> float | None:
        """Monotonic time the job became Completed or Failed, or None."""
        end = self.outcome(now)
        return end[1] if end else None

    def phase(self, now: float) -> tuple[str, str, int]:
        """(datacoord's state, the state clients see, progress) of a job not yet ended."""
        f = (now - self.created) / self.duration if self.duration > 0 else 1.0
        if self.two_phase and f >= COMMITTING_AT:
            return ("Uncommitted", "Uncommitted", 99) if self.committed is None else ("Committing", "Committing", 99)
        current = [p for p in self.phases if p.start <= f][-1]
        end = next((p.start for p in self.phases if p.start > current.start), 1.0)
        if current is IMPORTING:  # progress by rows imported
            total = sum(g.rows for g in self.groups)
            share = sum(int(g.rows * self.imported_share(now)) for g in self.groups) / total if total else 0.0
            return current.internal, current.state, IMPORTING.low + int(share * (IMPORTING.high - IMPORTING.low))
        return current.internal, current.state, current.low + int(_frac(f, current.start, end) *
                                                                  (current.high - current.low))

    def imported_share(self, now: float) -> float:
        f = (now - self.created) / self.duration if self.duration > 0 else 1.0
        return 1.0 if f >= TASKS_DONE else _frac(f, TASKS_RUNNING, TASKS_DONE) if f >= TASKS_RUNNING else 0.0

    def internal_state(self, now: float) -> str:
        end = self.outcome(now)
        return end[0] if end else self.phase(now)[0]

    def snapshot(self, now: float, zone: Zone) -> dict:
        """state, progress, rows, completeTime, reason and details at `now`."""
        total = sum(g.rows for g in self.groups)
        f = (now - self.created) / self.duration if self.duration > 0 else 1.0
        wall = lambda mono: zone.format(self.created_wall + (mono - self.created))  # noqa: E731

        def details(state: str, done: float, complete: str = "", reason: str = ""):
            """One entry per file group (GetTaskProgresses); `done` is the share of rows imported."""
            out = []
            for g in self.groups:
                task_progress = int(int(g.rows * done) / g.rows * 100) if g.rows else 100
                out.append({"fileName": g.name, "fileSize": g.size, "progress": task_progress,
                            "completeTime": complete, "state": state,
                            "importedRows": task_progress * g.rows // 100, "totalRows": g.rows,
                            **({"reason": reason} if reason else {})})
            return out

        snap = {"state": "Importing", "progress": 0, "importedRows": 0, "totalRows": 0,
                "completeTime": "", "reason": "", "details": [], "createTime": wall(self.created)}
        done_details = lambda: details("Completed", 1.0, wall(self.at(TASKS_DONE)))  # noqa: E731
        end = self.outcome(now)
        if self.unknown_state:
            snap.update(state="None", reason=UNKNOWN_STATE)
        elif end and end[0] == "Failed":  # no import tasks (details) exist before the Importing phase
            when, reason = end[1], end[2]
            snap.update(state="Failed", reason=reason,
                        details=details("Failed", 0.0, reason=reason) if when >= self.at(IMPORTING.start) else [])
        elif end:
            snap.update(state="Completed", progress=100, importedRows=total, totalRows=total,
                        completeTime=wall(end[1]), details=done_details())
        else:
            _, state, progress = self.phase(now)
            snap.update(state=state, progress=progress)
            if f >= TASKS_DONE:
                snap.update(importedRows=total, totalRows=total, details=done_details())
            elif f >= IMPORTING.start:
                share = self.imported_share(now)
                snap.update(importedRows=sum(int(g.rows * share) for g in self.groups), totalRows=total,
                            details=details("InProgress" if f >= TASKS_RUNNING else "Pending", share))
        return snap


class Store:
    """All jobs, under one lock; finished jobs vanish after the retention window."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.next_oss_id = OSS_JOB_ID_BASE
        self.counter = itertools.count()
        self.idempotency: dict[str, str] = {}
        self.offset = 0.0  # seconds the clock was advanced by POST /_emulator/clock

    def reset(self):
        with self.lock:
            self.jobs.clear()
            self.next_oss_id = OSS_JOB_ID_BASE
            self.counter = itertools.count()
            self.idempotency.clear()
            self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds

    def _new_id(self, groups: list) -> str:
        """Cloud: `job-` and a counter. Milvus: int64 ids from the allocator, which also hands
        ids to each file group's pre-import and import tasks, so job ids are not consecutive."""
        if self.cfg.mode == "cloud":
            return f"job-{CLOUD_JOB_ID_BASE + next(self.counter):021x}"
        job_id = self.next_oss_id
        self.next_oss_id += 1 + 2 * len(groups)
        return str(job_id)

    def _purge(self, now: float):
        for jid in [jid for jid, j in self.jobs.items()
                    if (t := j.terminal_since(now)) is not None and now - t >= self.cfg.retention_seconds]:
            del self.jobs[jid]

    def create(self, db, collection, partition, groups, options, idem_key, two_phase, timeout) -> str:
        p = self.cfg.profile
        with self.lock:
            now = self.now()
            self._purge(now)
            if idem_key is not None and idem_key in self.idempotency:
                return self.idempotency[idem_key]
            executing = sum(1 for j in self.jobs.values() if j.terminal_since(now) is None)
            if executing >= self.cfg.max_jobs:
                raise wrap(p.job_error, p.limit_prefix + "The number of jobs has reached the limit, please try "
                           "again later. If your request is set to only import a single file, please consider "
                           "importing multiple files in one request for better efficiency.")
            job = Job(self._new_id(groups), db, collection, partition, groups, options, p.phases,
                      self.cfg.job_seconds, now, time.time() + self.offset, two_phase=two_phase,
                      timeout_at=None if timeout is None else now + timeout)
            job.failure = self._failure(job)
            self.jobs[job.job_id] = job
            if idem_key is not None:
                self.idempotency[idem_key] = job.job_id
            return job.job_id

    def _failure(self, job: Job) -> tuple[float, str] | None:
        """The failure a job meets, decided by its files: a missing object or a group over the
        size limit in pre-import (the server's reasons), a file named *fail* while importing."""
        for g in job.groups:
            if g.unreadable is not None:
                return job.at(PREIMPORT_AT), g.unreadable
            if g.missing is not None:
                return job.at(PREIMPORT_AT), f"The specified key does not exist.: key not found[key={g.missing}]"
            if g.size > MAX_FILE_SIZE:
                return job.at(PREIMPORT_AT), (f"The import file size has reached the maximum limit allowed for "
                                              f"importing, fileSize={g.size}, maxSize={MAX_FILE_SIZE}"
                                              f"{self.cfg.profile.size_error_suffix}")
        failing = next((p for g in job.groups for p in g.paths if "fail" in os.path.basename(p)), None)
        if failing:
            return job.at(FAIL_AT), f"failed to import file {failing}: the file name contains 'fail' (emulated failure)"
        return None

    def get(self, job_id: str) -> tuple[Job, dict] | None:
        with self.lock:
            now = self.now()
            self._purge(now)
            job = self.jobs.get(job_id)
            return (job, job.snapshot(now, self.cfg.zone)) if job else None

    def all(self) -> list[tuple[Job, dict]]:
        with self.lock:
            now = self.now()
            self._purge(now)
            return [(j, j.snapshot(now, self.cfg.zone)) for j in self.jobs.values()]

    def mark_unknown_state(self, job_id: str) -> bool:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is not None:
                job.unknown_state = True
            return job is not None

    def decide(self, job_id: str, action: str) -> None:
        """Milvus 3.0's commit (Uncommitted -> Committing; again on Committing or Completed: done)
        and abort (-> Failed, `aborted by user`; again on an aborted job: done)."""
        server_side = lambda text: wrap(E_IMPORT_SERVER, text)  # noqa: E731
        with self.lock:
            now = self.now()
            self._purge(now)
            job = self.jobs.get(job_id)
            if job is None:
                raise server_side(f"job {job_id} not found")
            if not job.two_phase:
                raise server_side(f"job {job_id} is auto-commit, manual commit/abort not allowed")
            state = job.internal_state(now)
            if action == "commit":
                if state == "Uncommitted":
                    job.committed = now
                elif state not in ("Committing", "Completed"):
                    raise server_side(f"job {job_id} is in state {state}, expected Uncommitted")
            elif job.aborted is None:
                if state in ("Committing", "Completed", "Failed"):
                    raise server_side(f"job {job_id} is in terminal/committed state {state}, abort not allowed")
                job.aborted = now


# ---------------------------------------------------------------------------------------------
# Faults, armed through POST /_emulator/faults for the next N requests
# ---------------------------------------------------------------------------------------------
NGINX_PAGES = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass
class Fault:
    """kind and its parameters:
    delay        ms (default 1000): wait, then answer normally
    close        reset (bool): close the connection without answering (RST when reset)
    short_body   send (bytes, default half): the real answer cut short, Content-Length of the whole
    html         status (502/503/504, default 502): nginx's HTML error page
    timeout408   format ("json" default: {"code":10001,...}, or "text": "Request Timeout")
    gzip         the real answer gzip-encoded (Content-Encoding: gzip)
    huge         bytes (default 16 MiB): a valid JSON answer of exactly that size
    endless      interval_ms (default 5): a chunked JSON body that never ends
    status429    retry_after (default "1"): 429 with Retry-After and a 1807 body
    raw          status, content_type, body, headers: exactly that answer
    Every fault takes count (requests it applies to; -1 = until reset) and path (only
    requests whose path contains it)."""
    kind: str
    count: int = 1
    path: str = ""
    params: dict = field(default_factory=dict)

    KINDS = ("delay", "close", "short_body", "html", "timeout408", "gzip", "huge", "endless",
             "status429", "raw")
    ALTERS_ANSWER = ("gzip", "short_body")  # these change the real answer; the others replace it

    @classmethod
    def from_json(cls, spec: dict) -> "Fault":
        if not isinstance(spec, dict) or spec.get("kind") not in cls.KINDS:
            raise ValueError(f"kind must be one of {', '.join(cls.KINDS)}")
        params = {k: v for k, v in spec.items() if k not in ("kind", "count", "path")}
        count = int(spec.get("count", 1))
        if count == 0 or count < -1:
            raise ValueError("count must be positive, or -1 for every request")
        return cls(spec["kind"], count, str(spec.get("path", "")), params)


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.armed: list[Fault] = []

    def arm(self, fault: Fault):
        with self.lock:
            self.armed.append(fault)

    def take(self, path: str) -> Fault | None:
        with self.lock:
            for f in self.armed:
                if f.path in path:
                    if f.count > 0:
                        f.count -= 1
                        if f.count == 0:
                            self.armed.remove(f)
                    return f
        return None

    def clear(self):
        with self.lock:
            self.armed.clear()

    def pending(self) -> list[dict]:
        with self.lock:
            return [{"kind": f.kind, "count": f.count, "path": f.path, **f.params} for f in self.armed]


# ---------------------------------------------------------------------------------------------
# The API: routing table and handlers
# ---------------------------------------------------------------------------------------------
@dataclass
class Config:
    mode: str = "oss"
    credentials: str | None = None  # USER:PASSWORD (oss) or the API key (cloud)
    collections: dict = field(default_factory=lambda: {(DEFAULT_DB, "quick_setup"): {DEFAULT_PARTITION}})
    job_seconds: float = 5.0
    retention_seconds: float = 10800.0
    max_jobs: int = 1024
    describe: bool = True
    two_phase: bool = True  # False: no commit/abort routes even where the version has them
    # Where the files of a job are read: LocalFiles (--data-dir, or the working directory
    # with virtual files when None) or an ObjectStore (--s3-endpoint ...).
    files: "LocalFiles | ObjectStore" = field(default_factory=lambda: LocalFiles(None))
    profile: Profile = PROFILES[DEFAULT_VERSION]
    zone: Zone = field(default_factory=Zone)

    @property
    def databases(self) -> set:
        return {DEFAULT_DB} | {db for db, _ in self.collections}

    @property
    def commit_routes(self) -> bool:
        return self.two_phase and self.profile.two_phase


@dataclass
class Request:
    method: str
    path: str  # the raw request-target
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return ""


class Api:
    """The import routes; each handler gets bound values and the database, returns `data`."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.store = Store(cfg)
        self.routes = {IMPORT_PREFIX + "list": (LIST_REQ, self.list),
                       IMPORT_PREFIX + "create": (IMPORT_REQ, self.create),
                       IMPORT_PREFIX + "get_progress": (JOB_ID_REQ, self.describe)}
        if cfg.describe:
            self.routes[IMPORT_PREFIX + "describe"] = (JOB_ID_REQ, self.describe)
        if cfg.commit_routes:
            self.routes[IMPORT_PREFIX + "commit"] = (JOB_ID_REQ, self.commit)
            self.routes[IMPORT_PREFIX + "abort"] = (JOB_ID_REQ, self.abort)

    # -- the middleware chain ------------------------------------------------------------------
    def handle(self, req: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) for a request that is not under /_emulator/."""
        target = req.path
        if target.startswith(("http://", "https://")):  # absolute-form request-target
            target = urllib.parse.urlsplit(target).path or "/"
        raw_path, _, query = target.partition("?")
        path = urllib.parse.unquote(raw_path)
        route = self.routes.get(path) if req.method == "POST" else None
        extra: list[tuple[str, str]] = []
        try:
            if route is None:
                if req.method == "POST" and path.endswith("/") and path[:-1] in self.routes:
                    # gin's RedirectTrailingSlash: 307 for a POST, before any middleware
                    return 307, [("Location", path[:-1] + (f"?{query}" if query else ""))], b""
                if req.method == "OPTIONS":  # the CORS middleware answers it first
                    return 204, list(CORS_HEADERS), b""
                if self.cfg.mode == "oss":  # authentication, then gin's 404
                    extra = self.authenticate(req)
                return 404, CORS_HEADERS + extra + [("Content-Type", NOT_FOUND_CT)], NOT_FOUND_BODY
            if self.cfg.mode == "oss":
                extra = self.authenticate(req)
            rt, handler = route
            if self.cfg.mode == "cloud":
                self.check_api_key(req)
                rt = cloud_type(rt)
            values = bind(rt, req.body)
            db = (values.get("dbName") if rt.db_getter else "") or req.header("DB-Name") or DEFAULT_DB
            if self.cfg.mode == "cloud" and not values.get("clusterId"):
                raise ApiError(E_MISSING_REQUIRED_PARAMETERS[0],
                               f"{E_MISSING_REQUIRED_PARAMETERS[1]}, error: clusterId is required")
            if self.cfg.profile.database_check and db not in self.cfg.databases:  # wrapperCheckDatabase
                raise ApiError(E_DATABASE_NOT_FOUND[0], f"{E_DATABASE_NOT_FOUND[1]}, database: {db}")
            data = handler(values, db, req)
            body = go_json({"code": 0, "data": data})
            status = 200
        except ApiError as e:
            status, body = e.status, go_json({"code": e.code, "message": e.message})
        return status, CORS_HEADERS + extra + [("Content-Type", JSON_CT)], body

    def authenticate(self, req: Request) -> list[tuple[str, str]]:
        """OSS with --token: Basic or Bearer user:password, else 401 + 1800."""
        if self.cfg.credentials is None:
            return []
        auth, extra = req.header("Authorization"), []
        user = password = None
        scheme, _, rest = auth.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, sep, password = base64.b64decode(rest, validate=True).decode("utf-8").partition(":")
                extra = [("Www-Authenticate", 'Basic realm="restricted", charset="UTF-8"')]
                if not sep:
                    user = None
            except (binascii.Error, UnicodeDecodeError):
                user = None
        if user is None:
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
            user, sep, password = token.partition(":")
            if not sep:
                user = None
        if not user or not password or f"{user}:{password}" != self.cfg.credentials:
            raise ApiError(E_NEED_AUTHENTICATE[0], E_NEED_AUTHENTICATE[1], status=401)
        return extra

    def check_api_key(self, req: Request):
        if self.cfg.credentials is None:
            return
        auth = req.header("Authorization")
        if not auth.startswith("Bearer ") or auth[len("Bearer "):] != self.cfg.credentials:
            raise ApiError(*E_CLOUD_BAD_API_KEY)

    # -- helpers -------------------------------------------------------------------------------
    def collection(self, db: str, name: str) -> set:
        """The proxy's collection lookup: database first (from 2.5 the only database check of
        create and list), then the collection."""
        if db not in self.cfg.databases:
            raise ApiError(E_DATABASE_NOT_FOUND[0], f"{E_DATABASE_NOT_FOUND[1]}[database={db}]")
        parts = self.cfg.collections.get((db, name))
        if parts is None:
            raise ApiError(E_COLLECTION_NOT_FOUND[0],
                           f"{E_COLLECTION_NOT_FOUND[1]}[database={db}][collection={name}]")
        return parts

    def job_not_found(self, job_id: str) -> ApiError:
        return wrap(self.cfg.profile.job_error, f"import job does not exist, jobID={job_id}")

    # -- handlers ------------------------------------------------------------------------------
    def list(self, values: dict, db: str, req: Request) -> dict:
        """Every database's jobs, or the jobs of one collection of `db`."""
        name = values["collectionName"]
        if name:
            self.collection(db, name)
        records = []
        for job, snap in self.store.all():
            if not name or (job.db, job.collection) == (db, name):
                rec = {"collectionName": job.collection, "jobId": job.job_id,
                       "progress": snap["progress"], "state": snap["state"]}
                if snap["reason"]:
                    rec["reason"] = snap["reason"]
                records.append(rec)
        if self.cfg.mode == "oss":
            return {"records": records}
        size = values["pageSize"] if 0 < values["pageSize"] <= 100 else 10
        page = values["currentPage"] if values["currentPage"] > 0 else 1
        return {"count": len(records), "currentPage": page, "pageSize": size,
                "records": records[(page - 1) * size: page * size]}

    def create(self, values: dict, db: str, req: Request) -> dict:
        options = values["options"] or {}
        two_phase = False
        if self.cfg.commit_routes and "auto_commit" in options:
            if options["auto_commit"].lower() not in ("true", "false"):
                raise ApiError(E_INCORRECT_PARAMETER_FORMAT[0], 'options.auto_commit must be one of "true" or "false"')
            two_phase = options["auto_commit"].lower() == "false"
        name = values["collectionName"]
        partitions = self.collection(db, name)
        files = values["files"] or []
        if self.cfg.mode == "cloud" and not files and values.get("objectUrl"):
            files = [[values["objectUrl"]]]
        files = [g for g in files if g]  # empty file groups are dropped before the checks
        if not files:
            raise wrap(E_PARAMETER_INVALID, "import request is empty")
        if len(files) > MAX_FILES_PER_REQUEST:
            raise wrap(E_IMPORT_FAILED, f"The max number of import files should not exceed "
                                        f"{MAX_FILES_PER_REQUEST}, but got {len(files)}")
        partition = values["partitionName"] or DEFAULT_PARTITION
        if partition not in partitions:
            raise ApiError(E_PARTITION_NOT_FOUND[0], f"{E_PARTITION_NOT_FOUND[1]}[partition={partition}]")
        for group in files:
            check_file_type(group, self.cfg.profile.file_exts)
        timeout = None
        if "timeout" in options:
            try:
                timeout = go_duration(options["timeout"])
            except ValueError as e:
                raise wrap(E_IMPORT_FAILED, f"parse timeout failed, err={e}") from None
        key = None
        if self.cfg.profile.idempotency_key and any(k.lower() == "idempotency-key" for k, _ in req.headers):
            key = req.header("Idempotency-Key")
            if not key or len(key.encode()) > 256 or not all(0x20 <= ord(c) < 0x7F for c in key):
                raise wrap(E_PARAMETER_INVALID, "Idempotency-Key must be 1 to 256 bytes of printable ASCII")
        groups = [FileGroup.measure(g, self.cfg.files, options) for g in files]
        return {"jobId": self.store.create(db, name, partition, groups, options, key, two_phase, timeout)}

    def describe(self, values: dict, db: str, req: Request) -> dict:
        jid = values["jobId"]
        if self.cfg.mode == "oss":
            try:
                go_parse_int64(jid)
            except ValueError as e:
                err, text = self.cfg.profile.bad_job_id
                raise wrap(err, text.format(e)) from None
        found = self.store.get(jid)
        if found is None:
            raise self.job_not_found(jid)
        job, snap = found
        data = {"jobId": jid, "collectionName": job.collection, "completeTime": snap["completeTime"],
                "state": snap["state"], "progress": snap["progress"], "importedRows": snap["importedRows"],
                "totalRows": snap["totalRows"], "details": snap["details"],
                "fileSize": sum(d["fileSize"] for d in snap["details"])}
        if self.cfg.profile.create_time:
            data["createTime"] = snap["createTime"]
        if snap["reason"]:
            data["reason"] = snap["reason"]
        return data

    def decide(self, values: dict, action: str) -> dict:
        jid = values["jobId"]
        if self.cfg.mode == "oss":
            try:
                go_parse_int64(jid)
            except ValueError as e:
                raise ApiError(E_PARAMETER_INVALID[0],
                               f"{e}: {E_PARAMETER_INVALID[1]}[expected=int64 jobId][actual={jid}]") from None
        self.store.decide(jid, action)
        return {}

    def commit(self, values: dict, db: str, req: Request) -> dict:
        return self.decide(values, "commit")

    def abort(self, values: dict, db: str, req: Request) -> dict:
        return self.decide(values, "abort")


def check_file_type(paths: list[str], accepted: tuple[str, ...]) -> None:
    """importutilv2.GetFileType, with the extensions the version accepts."""
    exts = [os.path.splitext(p)[1] for p in paths]
    for p, e in zip(paths[1:], exts[1:]):
        if e != exts[0]:
            raise wrap(E_IMPORT_FAILED, f"inconsistency in file types, ({paths[0]}) vs ({p})")
    if exts[0] not in accepted:
        raise wrap(E_IMPORT_FAILED, f"unexpected file type, files=[{' '.join(paths)}]")
    if exts[0] != ".npy" and len(paths) != 1:
        kind = {".parquet": "Parquet", ".csv": "CSV"}.get(exts[0], "JSON")
        raise wrap(E_IMPORT_FAILED, f"for {kind} import, accepts only one file")


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
    # holds the body until the client's delayed ACK, about 40 ms per answer on a kept-alive
    # connection (a real Milvus answers in well under a millisecond on loopback).
    disable_nagle_algorithm = True
    server: "EmulatorServer"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):  # handshake here, not in the accept loop
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        self.conn_id = self.server.next_conn_id()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    # every method, including unknown ones, goes to dispatch()
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def send_response(self, code, message=None):  # no Server header, as Go
        self.log_request(code)
        self.send_response_only(code, message)

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        raw_path = self.requestline.split(" ")[1] if " " in self.requestline else self.path
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            return self.write(400, [("Content-Type", "text/plain; charset=utf-8")], b"400 Bad Request")
        if raw_path.startswith("/_emulator/"):
            return self.control(raw_path.split("?")[0], body)
        req = Request(self.command, raw_path, list(self.headers.items()), body)
        self.server.record(req, self.conn_id)
        fault = self.server.faults.take(raw_path)
        if fault and fault.kind == "delay":
            time.sleep(float(fault.params.get("ms", 1000)) / 1000)
            fault = None
        if fault and fault.kind not in Fault.ALTERS_ANSWER:
            return self.apply_fault(fault)
        status, headers, payload = self.server.api.handle(req)
        if fault is None:
            self.write(status, headers, payload)
        elif fault.kind == "gzip":
            self.write(status, headers + [("Content-Encoding", "gzip")], gzip.compress(payload))
        else:  # short_body: the whole answer's Content-Length, part of it, then close
            send = int(fault.params.get("send", len(payload) // 2))
            self.write(status, headers, payload, length=len(payload), send=payload[:send])
            self.close_connection = True

    def write_head(self, status, headers, length: int | None):
        """Headers sorted by name (as Go writes them), then Date and Content-Length (if any)."""
        self.send_response(status)
        for k, v in sorted(headers, key=lambda kv: kv[0]):
            self.send_header(k, v)
        self.send_header("Date", self.date_time_string())
        if length is not None and status >= 200 and status not in (204, 304):
            self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def write(self, status, headers, body: bytes, length: int | None = None, send: bytes | None = None):
        self.write_head(status, headers, len(body) if length is None else length)
        if self.command != "HEAD":
            self.wfile.write(body if send is None else send)
        self.wfile.flush()

    def apply_fault(self, fault: Fault):
        p = fault.params
        if fault.kind == "close":
            self.close_connection = True
            if p.get("reset"):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault.kind == "html":
            code = int(p.get("status", 502))
            title = NGINX_PAGES.get(code, f"{code} Error")
            page = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
                    f"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
            return self.write(code, [("Content-Type", "text/html")], page)
        if fault.kind == "timeout408":
            if p.get("format", "json") == "text":
                return self.write(408, [("Content-Type", "text/plain; charset=utf-8")], b"Request Timeout")
            return self.write(408, [("Content-Type", JSON_CT)],
                              go_json({"code": E_REQUEST_TIMEOUT[0], "message": E_REQUEST_TIMEOUT[1]}))
        if fault.kind == "status429":
            return self.write(429, [("Content-Type", JSON_CT), ("Retry-After", str(p.get("retry_after", "1")))],
                              go_json({"code": E_HTTP_RATE_LIMIT[0], "message": E_HTTP_RATE_LIMIT[1]}))
        if fault.kind == "raw":
            headers = [(k, str(v)) for k, v in (p.get("headers") or {}).items()]
            if p.get("content_type") is not None:
                headers.append(("Content-Type", p["content_type"]))
            return self.write(int(p.get("status", 200)), headers, str(p.get("body", "")).encode("utf-8"))
        if fault.kind == "huge":
            return self.write_huge(int(p.get("bytes", 16 << 20)))
        if fault.kind == "endless":
            return self.write_endless(float(p.get("interval_ms", 5)) / 1000)
        raise AssertionError(fault.kind)

    def write_huge(self, size: int):
        head, tail = b'{"code":0,"data":{"records":[],"pad":"', b'"}}'
        pad = max(size - len(head) - len(tail), 0)
        self.write_head(200, [("Content-Type", JSON_CT)], len(head) + pad + len(tail))
        try:
            self.wfile.write(head)
            block = b"x" * 65536
            while pad > 0:
                self.wfile.write(block[:pad])
                pad -= len(block)
            self.wfile.write(tail)
        except OSError:
            self.close_connection = True

    def write_endless(self, interval: float):
        self.write_head(200, [("Content-Type", JSON_CT), ("Transfer-Encoding", "chunked")], None)
        self.close_connection = True
        record = go_json({"collectionName": "quick_setup", "jobId": str(OSS_JOB_ID_BASE), "progress": 0,
                          "state": "Pending"}) + b","
        try:
            for chunk in itertools.chain([b'{"code":0,"data":{"records":['], itertools.repeat(record)):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass

    # -- /_emulator/ ---------------------------------------------------------------------------
    def control(self, path: str, body: bytes):
        srv, answer, status = self.server, None, 200
        try:
            if path == "/_emulator/faults" and self.command == "POST":
                srv.faults.arm(Fault.from_json(json.loads(body or b"{}")))
                answer = {"armed": srv.faults.pending()}
            elif path == "/_emulator/faults" and self.command == "GET":
                answer = {"armed": srv.faults.pending()}
            elif path == "/_emulator/requests" and self.command == "GET":
                with srv.log_lock:
                    answer = list(srv.log)
            elif path == "/_emulator/jobs" and self.command == "GET":
                answer = [{"jobId": j.job_id, "dbName": j.db, "collectionName": j.collection,
                           "partitionName": j.partition, "files": [g.paths for g in j.groups],
                           "options": j.options, "state": s["state"], "progress": s["progress"]}
                          for j, s in srv.api.store.all()]
            elif path == "/_emulator/unknown_state" and self.command == "POST":
                job_id = str(json.loads(body or b"{}").get("jobId", ""))
                if srv.api.store.mark_unknown_state(job_id):
                    answer = {}
                else:
                    status, answer = 404, {"error": f"no job {job_id}"}
            elif path == "/_emulator/clock" and self.command == "POST":
                srv.api.store.advance(float(json.loads(body or b"{}").get("advance", 0)))
                answer = {"offset": srv.api.store.offset}
            elif path == "/_emulator/reset" and self.command == "POST":
                srv.reset()
                answer = {}
            else:
                status, answer = 404, {"error": f"no control route {self.command} {path}"}
        except (ValueError, TypeError) as e:
            status, answer = 400, {"error": str(e)}
        self.write(status, [("Content-Type", JSON_CT)], json.dumps(answer).encode())


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many clients connecting at once are queued, not reset

    def __init__(self, addr, cfg: Config, verbose=False):
        super().__init__(addr, Handler)
        self.api = Api(cfg)
        self.faults = Faults()
        self.verbose = verbose
        self.log: list[dict] = []
        self.log_lock = threading.Lock()
        self._conn_ids = itertools.count(1)

    def next_conn_id(self) -> int:
        return next(self._conn_ids)

    def record(self, req: Request, conn: int):
        headers: dict[str, str] = {}
        for k, v in req.headers:
            headers[k] = f"{headers[k]}, {v}" if k in headers else v
        with self.log_lock:
            self.log.append({"seq": len(self.log) + 1, "method": req.method, "path": req.path,
                             "headers": headers, "header_list": [list(kv) for kv in req.headers],
                             "body": req.body.decode("utf-8", "replace"), "conn": conn})

    def reset(self):
        self.api.store.reset()
        self.faults.clear()
        with self.log_lock:
            self.log.clear()

    def handle_error(self, request, client_address):
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)) and not self.verbose:
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def parse_collection(spec: str) -> tuple[tuple[str, str], set]:
    """NAME[@DB][:PARTITION,PARTITION...]; every collection has the _default partition."""
    spec, _, parts = spec.partition(":")
    name, _, db = spec.partition("@")
    if not name:
        raise argparse.ArgumentTypeError(f"bad --collection {spec!r}")
    return (db or DEFAULT_DB, name), {DEFAULT_PARTITION, *filter(None, parts.split(","))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--port-file", help="also write the URL to this file (for shell scripts)")
    ap.add_argument("--mode", choices=("oss", "cloud"), default="oss")
    ap.add_argument("--token", help="USER:PASSWORD (oss) or the API key (cloud): authentication on")
    ap.add_argument("--collection", action="append", type=parse_collection, metavar="NAME[@DB][:PARTS]",
                    help="a collection that exists (repeatable; default quick_setup in default)")
    ap.add_argument("--job-seconds", type=float, default=5.0, help="how long a job takes")
    ap.add_argument("--retention-seconds", type=float, default=10800.0,
                    help="how long finished jobs stay visible")
    ap.add_argument("--max-jobs", type=int, default=1024, help="unfinished jobs allowed at once")
    ap.add_argument("--milvus-version", default=DEFAULT_VERSION, metavar="V",
                    help="answer as this server line: 2.4, 2.5, 2.6.18, 2.6.19 or 3.0 (default), a patch "
                         "number accepted (2.6.0-2.6.18 -> 2.6.18, later 2.6 -> 2.6.19)")
    ap.add_argument("--timezone", default="Z", help="the server's zone for times: Z (default) or +HH:MM")
    ap.add_argument("--data-dir", help="the object store: relative file paths are read from here, and a "
                                       "file missing here fails its job (without it, files that are not "
                                       "found count rows from their name)")
    ap.add_argument("--s3-endpoint", metavar="URL", help="the object store, as Milvus's minio settings name "
                    "it: the files of a job are keys in --bucket, read by curl --aws-sigv4, and a missing "
                    "key fails its job")
    ap.add_argument("--bucket", help="the bucket of --s3-endpoint")
    ap.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID"),
                    help="the object store's access key (default: $AWS_ACCESS_KEY_ID)")
    ap.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY"),
                    help="the object store's secret key (default: $AWS_SECRET_ACCESS_KEY)")
    ap.add_argument("--region", default="us-east-1", help="the object store's region (default us-east-1)")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--no-describe", action="store_true", help="no /describe route (early 2.4 servers)")
    ap.add_argument("--no-two-phase", action="store_true", help="no /commit, /abort on 3.0 either")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    a = ap.parse_args(argv)
    if bool(a.tls_cert) != bool(a.tls_key) or (a.client_ca and not a.tls_cert):
        ap.error("--tls-cert and --tls-key go together; --client-ca needs them")
    if a.s3_endpoint and not (a.bucket and a.access_key and a.secret_key):
        ap.error("--s3-endpoint needs --bucket, --access-key and --secret-key")
    if a.s3_endpoint and a.data_dir:
        ap.error("--s3-endpoint and --data-dir are two places to read files from: give one")
    if a.bucket and not a.s3_endpoint:
        ap.error("--bucket needs --s3-endpoint")
    files = (ObjectStore(a.s3_endpoint, a.bucket, a.access_key, a.secret_key, a.region) if a.s3_endpoint
             else LocalFiles(a.data_dir))

    try:
        profile, zone = profile_for(a.milvus_version), Zone(a.timezone)
    except ValueError as e:
        ap.error(str(e))
    cfg = Config(mode=a.mode, credentials=a.token, job_seconds=a.job_seconds,
                 retention_seconds=a.retention_seconds, max_jobs=a.max_jobs, describe=not a.no_describe,
                 two_phase=not a.no_two_phase, files=files, profile=profile, zone=zone)
    if a.collection:
        cfg.collections = dict(a.collection)
    server = EmulatorServer((a.host, a.port), cfg, verbose=a.verbose)
    scheme = "http"
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    url = f"{scheme}://{a.host}:{server.server_address[1]}"
    if a.port_file:  # written before the line, so either one means "ready"
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(url + "\n")
        os.replace(tmp, a.port_file)
    print(f"listening on {url}", flush=True)

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
