#!/usr/bin/env python3
"""Write the fuzz seed corpora from the shared cases (run at build time; nothing committed).

    make_corpus.py CASES.jsonl OUT_DIR

creates OUT_DIR/classify/ and OUT_DIR/request/, one seed a file, in the input layouts of
Tests/fuzz/fuzz_classify.swift and Tests/fuzz/fuzz_request.swift:

  classify: 2 bytes status (big-endian) | 1 byte content-type length (255 = none) |
            content type | body
  request:  base URL \\0 request_json \\0 token \\0 database \\0 header name \\0 header value

Every response of every case (and each page of a paged one) becomes a classify seed;
every case's URL and arguments (pymilvus names mapped to the REST fields) a request seed.
A few hand-written seeds add what the cases do not cover. A missing cases file is not an
error: the hand-written seeds alone are written.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

BASE = "http://127.0.0.1:19530"

# pymilvus argument -> REST body field
FIELDS = {
    "collection_name": "collectionName", "db_name": "dbName", "job_id": "jobId",
    "files": "files", "partition_name": "partitionName", "cluster_id": "clusterId",
    "project_id": "projectId", "region_id": "regionId", "page_size": "pageSize",
    "current_page": "currentPage", "options": "options", "object_urls": "objectUrls",
    "access_key": "accessKey", "secret_key": "secretKey",
}


def classify_seed(status: int, content_type: str | None, body: str | bytes) -> bytes:
    ct = b"" if content_type is None else content_type.encode()[:254]
    body_bytes = body if isinstance(body, bytes) else body.encode()
    return (bytes([(status >> 8) & 0xFF, status & 0xFF, 255 if content_type is None else len(ct)])
            + ct + body_bytes)


def request_seed(url: str, request: str | None, token: str = "", database: str = "",
                 header: tuple[str, str] | None = None) -> bytes:
    parts = [url, request if request is not None else "{}", token, database]
    if header:
        parts += list(header)
    return b"\0".join(p.encode() for p in parts)


HAND_CLASSIFY = [
    (200, "application/json", '{"code":0,"data":{"records":[]}}'),
    (200, "application/json", '{"code":"0"}'),
    (200, "application/json", '{"code":0.0}'),
    (200, "application/json", '{"code":1e400}'),
    (200, "application/json", '{"code":99999999999999999999999}'),
    (200, "application/json", '{"code":-1,"message":"\\u0007bell\\r\\nnew line"}'),
    (200, "application/json", '{"code":1800,"message":"user hasn\'t authenticated"}'),
    (200, "application/json", '{"code":21119,"message":"invalid API key"}'),
    (200, "application/json", '{"code":2100,"message":"import job does not exist"}'),
    (200, "application/json", '{"code":0,"code":1}'),
    (200, "application/json", '[{"code":0}]'),
    (200, "application/json", '"code"'),
    (200, "application/json", "42"),
    (200, "application/json", "[" * 300 + "]" * 300),
    (200, "text/html", "<html><title>x</title></html>"),
    (200, None, b'{"code":0}\x00trailing'),
    (200, "application/json", b'{"code":0,"message":"\xff\xfe"}'),
    (204, None, ""),
    (302, "text/html", "<a href='http://elsewhere/'>moved</a>"),
    (401, None, ""),
    (403, "application/json", '{"code":1800,"message":"forbidden"}'),
    (407, "text/html", "<html><head><title>407 Proxy Authentication Required</title></head></html>"),
    (408, "text/plain", "timeout"),
    (429, "application/json", '{"code":429,"message":"rate limited"}'),
    (503, "text/html", "<title>503</title><title>again</title>"),
    (504, "text/html", "</title><title>"),
    (0, None, ""),
    (999, "x/\x01y", "\x1b[31mred\x1b[0m"),
]

HAND_REQUEST = [
    request_seed(BASE, None),
    request_seed("https://user:p%40ss@example.com:443/milvus//v2/", '{"jobId":"1"}'),
    request_seed("HTTP://Example.COM//a//b///", '{"collectionName":"c","files":[["a.parquet"]]}'),
    request_seed("http://[::1]:19530", '{"pageSize":10,"currentPage":2}'),
    request_seed("http://127.0.0.1:19530/p%2Fq", '{"jobId":"1","dbName":"db_a"}', "root:Milvus", "db_b"),
    request_seed("http://h/?q", "{}"),
    request_seed("http://h/#f", "{}"),
    request_seed("ftp://h/", "{}"),
    request_seed("http://h:99999/", "{}"),
    request_seed("http://h/%", "{}"),
    request_seed(BASE, '{"collectionName":"c","objectUrls":[["s3://b/k"]],"accessKey":"AK","secretKey":"SK",'
                       '"options":{"timeout":"300"}}', "", "", ("Idempotency-Key", "k-1")),
    request_seed(BASE, '{"jobId":"1","dbName":"a\\tb"}', "tok", "", ("Request-Timeout", "5")),
    request_seed(BASE, '{"collectionName":"\\u96c6\\u5408","dbName":""}', "", "", ("X-Remove", "")),
]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    cases_path, out = Path(argv[1]), Path(argv[2])
    seeds: dict[str, set[bytes]] = {"classify": set(), "request": set()}
    for status, content_type, body in HAND_CLASSIFY:
        seeds["classify"].add(classify_seed(status, content_type, body))
    seeds["request"].update(HAND_REQUEST)

    cases = []
    if cases_path.is_file():
        cases = [json.loads(line) for line in cases_path.read_text().splitlines() if line.strip()]
    else:
        print(f"make_corpus: {cases_path} not found; hand-written seeds only", file=sys.stderr)
    for case in cases:
        response = case.get("response") or {}
        for answer in [response] + list(response.get("pages") or []):
            if isinstance(answer, dict) and "status" in answer:
                seeds["classify"].add(classify_seed(int(answer["status"]), answer.get("content_type"),
                                                    answer.get("body") or ""))
        args = dict(case.get("args") or {})
        url = args.pop("url_override", None) or BASE + args.pop("url_suffix", "")
        token = args.pop("api_key", "") or ""
        body = {FIELDS[k]: v for k, v in args.items() if k in FIELDS and v not in (None, "")}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        seeds["request"].add(request_seed(url, text, token, args.get("db_name", "") or ""))

    for target, items in seeds.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for seed in items:
            (directory / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    print(f"make_corpus: {len(seeds['classify'])} classify and {len(seeds['request'])} request seeds "
          f"from {len(cases)} cases in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
