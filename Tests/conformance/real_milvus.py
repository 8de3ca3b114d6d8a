"""A real Milvus 2.3.5 (PyPI `milvus`, "embedded Milvus") on loopback, for conformance tests.

Two halves in one file:
- run as a script under build/venv-milvus's python, it starts the server and prints
  `ready <proxy url> <metrics url>` once Milvus answers, then serves until SIGTERM, SIGINT
  or the end of its stdin (so it also stops when the test process dies);
- imported by the tests (conftest.py), `RealMilvus.start()` installs the venv through the
  Makefile (`make venv-milvus`) when needed, runs the script and stops it at the end.

Facts found on this machine (Milvus 2.3.5-lite, go1.20.4):
- the HTTP API (gin, v1 routes only) shares the proxy's gRPC port, 19530 by default; the
  metrics/health port (9091) is another gin engine without the CORS headers;
- an unknown path answers 404, `Content-Type: text/plain`, body `404 page not found`;
  so do all of `/v2/vectordb/jobs/import/*`: 2.3.5 predates the import REST API;
- two embedded servers cannot run at once on one machine (the second one's embedded etcd
  fails and Milvus panics in GetEmbedEtcdClient), so starts are serialised by a lock file;
- it listens on all interfaces (`*:19530`, `*:9091`); only etcd binds 127.0.0.1; the tests
  talk to 127.0.0.1 only;
- SIGTERM alone does not stop it within 20 s; the package's stop() kills it after 1 s.
"""
from __future__ import annotations

import fcntl
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "build" / "venv-milvus"
VENV_OK = VENV / ".ok"
DATA_DIR = ROOT / "build" / "milvus-data"
LOCK_FILE = Path("/tmp/libmilvus_import-real-milvus.lock")  # machine-wide: one embedded Milvus at a time
VERSION = "2.3.5"
START_TIMEOUT = 300.0
LOCK_TIMEOUT = 900.0


class NotInstallable(RuntimeError):
    """The milvus package could not be installed: the only reason to skip."""


# ---- the test side ---------------------------------------------------------------------------
class RealMilvus:
    def __init__(self, proc: subprocess.Popen, url: str, metrics_url: str, log: Path):
        self.proc, self.url, self.metrics_url, self.log = proc, url, metrics_url, log

    @staticmethod
    def ensure_installed() -> Path:
        """build/venv-milvus/bin/python, made by `make venv-milvus` if missing."""
        python = VENV / "bin" / "python"
        if not VENV_OK.exists():
            run = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "venv-milvus"],
                                 capture_output=True, text=True)
            if run.returncode != 0 or not VENV_OK.exists():
                raise NotInstallable(f"`make venv-milvus` failed (exit {run.returncode}): "
                                     f"{(run.stdout + run.stderr).strip()[-2000:]}")
        check = subprocess.run([str(python), "-c", "import milvus; print(milvus.__version__)"],
                               capture_output=True, text=True)
        if check.returncode != 0 or check.stdout.strip() != VERSION:
            raise NotInstallable(f"{python} has no milvus {VERSION}: {check.stdout}{check.stderr}")
        return python

    @classmethod
    def start(cls) -> "RealMilvus":
        python = cls.ensure_installed()
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        log = DATA_DIR / "runner.log"
        with open(log, "ab") as err:
            proc = subprocess.Popen([str(python), __file__, "--data-dir", str(DATA_DIR)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        line = cls._read_line(proc, LOCK_TIMEOUT + START_TIMEOUT + 30)
        if not line.startswith("ready "):
            cls._terminate(proc)
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the real Milvus did not start: {line!r}\n{tail}")
        _, url, metrics_url = line.split()
        return cls(proc, url, metrics_url, log)

    @staticmethod
    def _read_line(proc: subprocess.Popen, timeout: float) -> str:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf, deadline = b"", time.monotonic() + timeout
        while b"\n" not in buf and time.monotonic() < deadline:
            if sel.select(max(deadline - time.monotonic(), 0)):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
        sel.close()
        return buf.split(b"\n", 1)[0].decode(errors="replace")

    @staticmethod
    def _terminate(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the runner's own session: it and its Milvus
                proc.wait()

    def stop(self) -> None:
        self._terminate(self.proc)
        for f in (self.proc.stdin, self.proc.stdout):
            if f:
                f.close()


# ---- the server side (build/venv-milvus) ---------------------------------------------------------
def _serve(data_dir: Path) -> int:
    from milvus import MilvusServer, MilvusServerConfig  # only in build/venv-milvus

    lock = open(LOCK_FILE, "a")
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                print(f"timeout: another embedded Milvus holds {LOCK_FILE}", flush=True)
                return 1
            time.sleep(1)

    # a fresh state each run; the unpacked binaries under bin/ are kept (checked by md5)
    for sub in ("data", "logs", "configs"):
        shutil.rmtree(data_dir / sub, ignore_errors=True)
    # ports: the defaults (19530, 9091, ...), or the next free ones when taken
    server = MilvusServer(MilvusServerConfig(), data_dir=str(data_dir))

    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    try:
        server.start()  # waits for /healthz on the metrics port
        print(f"ready http://127.0.0.1:{server.listen_port} http://127.0.0.1:{server.webservice_port}", flush=True)
        stopping.wait()
    except Exception as e:  # noqa: BLE001 - reported to the test on stdout
        print(f"failed {type(e).__name__}: {e}", flush=True)
        return 1
    finally:
        server.stop()  # SIGTERM, then SIGKILL after 1 s
        fcntl.flock(lock, fcntl.LOCK_UN)
    return 0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=str(DATA_DIR))
    sys.exit(_serve(Path(ap.parse_args().data_dir)))
