"""The Python side of `make bench` (run.py runs it in build/venv-bench).

Small list: a long-lived worker, so run.py can alternate short rounds with no interpreter
start-up in between. It sets itself up, makes WARMUP calls, then reads commands on stdin
("run MS": call for MS milliseconds, at most 60,000) and answers each with one JSON line
{"calls","seconds","cpu_seconds","rate"}; EOF or "quit" ends it.

    bench_py.py worker small-binding  URL   milvus_import.list_import_jobs (a dict)
    bench_py.py worker small-pymilvus URL   pymilvus list_import_jobs(...).json()
    bench_py.py worker small-requests URL   requests.Session().post(...).json()
    bench_py.py worker small-ctypes-min URL for reference: the least a ctypes binding of the
                                            library can do per call (see minimal_call)

"calls N" (at most 1,000,000) makes N calls and answers {"calls": N}: for callgrind, which
counts the instructions of a run with fewer calls and one with more.

Large list: one fresh process per sample (peak RSS starts from a clean interpreter).

    bench_py.py large-binding  URL CALLS    milvus_import.list_import_jobs (a dict)
    bench_py.py large-pymilvus URL CALLS    pymilvus list_import_jobs(...).json()

Uploads: one fresh process per sample; keys from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.

    bench_py.py upload-minio ENDPOINT BUCKET KEY FILE
                                            minio-py fput_object with its defaults, as
                                            pymilvus's RemoteBulkWriter uploads

Waiting for many jobs (run.py's emulator; IDS is a file of job ids, one a line):

    bench_py.py wait-pymilvus URL IDS POLL_MS
                                            pymilvus get_import_progress(...).json() per
                                            unfinished job per poll
    bench_py.py wait-binding URL COLLECTION IDS POLL_MS
                                            milvus_import.Client.wait_import_jobs

URL is a base URL on run.py's nginx or emulator (127.0.0.1). Loops are bounded in time and calls.
The binding is found through PYTHONPATH and MILVUS_IMPORT_LIBRARY (set by run.py).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

LIST_PATH = "/v2/vectordb/jobs/import/list"


def proc_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1


def reset_peak() -> None:
    """VmHWM back to the current RSS (Linux >= 4.0): the peak of what follows is measured."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def minimal_call(url: str, collection: str):
    """For reference: the least a ctypes binding of the library can do per call, with the
    binding's request (pymilvus's body) on one client made once: a prebuilt CFUNCTYPE call,
    ``.value``, ``milvus_free``, and one ``json.loads`` of the text. No keyword arguments,
    settings, client cache, lock, error channel or checks: a lower bound for the binding,
    not a usable binding.
    """
    import ctypes

    lib = ctypes.CDLL(os.environ["MILVUS_IMPORT_LIBRARY"])

    class Text(ctypes.c_char_p):
        """A subclass, so ctypes hands back the pointer (to free), not a bytes copy."""

    new = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p)(("milvus_client_new", lib))
    client = new(url.encode())
    if not client:
        raise SystemExit("bench_py: milvus_client_new failed")
    call = ctypes.CFUNCTYPE(Text, ctypes.c_void_p, ctypes.c_char_p)(("milvus_client_list_import_jobs", lib))
    free = ctypes.CFUNCTYPE(None, Text)(("milvus_free", lib))
    request = json.dumps({"collectionName": collection, "dbName": "", "clusterId": "", "projectId": "",
                          "regionId": "", "pageSize": 10, "currentPage": 1}, separators=(",", ":")).encode()
    def one():
        result = call(client, request)
        if not result:
            raise SystemExit("bench_py: milvus_client_list_import_jobs failed")
        try:
            raw = result.value
        finally:
            free(result)
        return json.loads(raw.decode("utf-8"))

    return one


def make_call(mode: str, url: str, collection: str):
    """The call to time: returns the parsed envelope (a dict) every time."""
    if mode.endswith("-ctypes-min"):
        return minimal_call(url, collection)
    if mode.endswith("-binding"):
        from milvus_import import list_import_jobs

        return lambda: list_import_jobs(url, collection_name=collection)
    if mode.endswith("-pymilvus"):
        from pymilvus.bulk_writer import list_import_jobs

        return lambda: list_import_jobs(url, collection_name=collection).json()
    if mode.endswith("-requests"):
        import requests

        session = requests.Session()
        body = {"collectionName": collection}
        full = url + LIST_PATH

        def call():
            response = session.post(full, json=body, timeout=20)
            response.raise_for_status()
            return response.json()

        return call
    raise SystemExit(f"bench_py: unknown mode {mode}")


def check(envelope) -> int:
    if envelope.get("code") != 0:
        raise SystemExit(f"bench_py: code is not 0: {str(envelope)[:200]}")
    return len(envelope["data"]["records"])


def worker(mode: str, url: str) -> None:
    call = make_call(mode, url, "bench")
    for _ in range(50):
        check(call())
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        if parts[0] == "calls" and len(parts) == 2 and parts[1].isdecimal() and int(parts[1]) <= 1_000_000:
            for _ in range(int(parts[1])):
                check(call())
            print(json.dumps({"calls": int(parts[1])}), flush=True)
            continue
        ms = int(parts[1])
        if parts[0] != "run" or not 1 <= ms <= 60_000:
            raise SystemExit(f"bench_py: bad command {line!r}")
        check(call())  # the connection is warm before the clock starts
        calls = 0
        t0, c0 = time.perf_counter(), cpu_seconds()
        deadline = t0 + ms / 1000
        while time.perf_counter() < deadline and calls < 10_000_000:
            check(call())
            calls += 1
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        print(json.dumps({"threads": 1, "calls": calls, "seconds": wall, "cpu_seconds": cpu,
                          "rate": calls / wall}), flush=True)


def large(mode: str, url: str, calls: int) -> dict:
    call = make_call(mode, url, "")
    samples = []
    for _ in range(calls):
        rss_before = proc_bytes("VmRSS")
        reset_peak()
        t0, c0 = time.perf_counter(), cpu_seconds()
        envelope = call()
        records = check(envelope)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        samples.append({"wall": wall, "cpu": cpu, "rss_before": rss_before,
                        "peak_rss": proc_bytes("VmHWM"), "records": records})
        del envelope
    return {"mode": mode, "samples": samples}


def upload_minio(endpoint: str, bucket: str, key: str, path: str) -> dict:
    from minio import Minio

    client = Minio(endpoint.split("://", 1)[1], access_key=os.environ["AWS_ACCESS_KEY_ID"],
                   secret_key=os.environ["AWS_SECRET_ACCESS_KEY"], secure=False, region="us-east-1")
    rss_before = proc_bytes("VmRSS")
    reset_peak()
    t0, c0 = time.perf_counter(), cpu_seconds()
    client.fput_object(bucket_name=bucket, object_name=key, file_path=path)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return {"wall": wall, "cpu": cpu, "rss_before": rss_before, "peak_rss": proc_bytes("VmHWM"),
            "bytes": os.path.getsize(path)}


FINISHED = ("Completed", "Failed", "Uncommitted")


def wait_jobs(mode: str, url: str, collection: str, ids_path: str, poll_ms: int) -> dict:
    with open(ids_path) as f:
        ids = [line.strip() for line in f if line.strip()]
    polls = 0
    t0, c0 = time.perf_counter(), cpu_seconds()
    if mode == "wait-binding":
        from milvus_import import Client

        def count(_report):
            nonlocal polls
            polls += 1

        Client(url).wait_import_jobs(ids, timeout=600, poll_interval=poll_ms / 1000, on_progress=count,
                                     collection_name=collection)
    else:
        from pymilvus.bulk_writer import get_import_progress

        left = list(ids)
        while left and time.perf_counter() - t0 < 600:
            if polls:
                time.sleep(poll_ms / 1000)
            polls += 1
            left = [job for job in left
                    if get_import_progress(url, job).json()["data"]["state"] not in FINISHED]
        if left:
            raise SystemExit("bench_py: jobs still running after 600 s")
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return {"wall": wall, "cpu": cpu, "polls": polls, "jobs": len(ids)}


def main(argv) -> int:
    if len(argv) >= 4 and argv[1] == "worker" and argv[2].startswith("small-"):
        worker(argv[2], argv[3])
        return 0
    if len(argv) >= 4 and argv[1].startswith("large-"):
        calls = int(argv[3])
        if not 1 <= calls <= 100:
            raise SystemExit("bench_py: CALLS must be 1 to 100")
        print(json.dumps(large(argv[1], argv[2], calls)), flush=True)
        return 0
    if len(argv) == 6 and argv[1] == "upload-minio":
        print(json.dumps(upload_minio(*argv[2:6])), flush=True)
        return 0
    if len(argv) == 5 and argv[1] == "wait-pymilvus":
        print(json.dumps(wait_jobs(argv[1], argv[2], "", argv[3], int(argv[4]))), flush=True)
        return 0
    if len(argv) == 6 and argv[1] == "wait-binding":
        print(json.dumps(wait_jobs(argv[1], argv[2], argv[3], argv[4], int(argv[5]))), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
