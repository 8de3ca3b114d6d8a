"""The C side as a C user gets it, against the staged install tree (build/stage).

The examples, the milvus-import CLI and Tests/sanitizers/every_call.c (every export with NULL,
bad values, every success and failure kind) are compiled with the README's command
(`cc -o OUT SRC $(pkg-config --cflags --libs milvus_import)`, PKG_CONFIG_PATH pointing at the
stage), then run against the project's emulator on 127.0.0.1 (every_call through
Tests/sanitizers/server.py): exact output lines and exit codes, the requests the server saw,
and no secret in any output. `make test-c` runs it after `make stage`.
"""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
C_DIR = ROOT / "bindings" / "c"
SANITIZERS = ROOT / "Tests" / "sanitizers"
STAGE = Path(os.environ.get("MILVUS_IMPORT_STAGE", ROOT / "build" / "stage"))
VERSION = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', (ROOT / "include" / "milvus_import.h").read_text())[1]
TOKEN = "root:Milvus"

sys.path[:0] = [str(ROOT / "Tests" / "emulator"), str(ROOT / "Tests" / "support")]
from harness import MILVUS_VERSIONS, Emulator, make_tls_files  # noqa: E402
from silent_server import SilentServer  # noqa: E402

# Only 127.0.0.1 is ever contacted: no proxy from the environment, no token either.
BASE_ENV = {k: v for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "all_proxy") and k != "MILVUS_TOKEN"}
BASE_ENV["NO_PROXY"] = BASE_ENV["no_proxy"] = "127.0.0.1,localhost"
BUILD_ENV = dict(BASE_ENV, PKG_CONFIG_PATH=str(STAGE / "lib" / "pkgconfig"))

EXIT = {"ok": 0, "job_failed": 1, "usage": 2, "local": 3, "invalid_argument": 11, "transport": 12,
        "timeout": 13, "tls": 14, "http": 15, "auth": 16, "server": 17, "malformed_response": 18,
        "too_large": 19, "job_not_found": 20, "no_memory": 21, "cancelled": 22, "storage": 23,
        "interrupted": 130, "terminated": 143}
JOB_HEADERS = ("JOB ID", "COLLECTION", "STATE", "PROGRESS", "REASON")
EMPTY_LIST = "JOB ID  COLLECTION  STATE  PROGRESS  REASON\n(no import jobs)\n"
FILE_HEADERS = ("FILE", "STATE", "PROGRESS", "ROWS", "REASON")


# ---- building, as the README tells C users --------------------------------------------------

def cc(out: Path, sources, cflags: str = "", packages: str = "milvus_import") -> Path:
    srcs = " ".join(shlex.quote(str(s)) for s in sources)
    cmd = f"cc {cflags} -o {shlex.quote(str(out))} {srcs} $(pkg-config --cflags --libs {packages})"
    r = subprocess.run(["sh", "-c", cmd], env=BUILD_ENV, capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", f"{cmd}\n{r.stderr}"
    return out


@pytest.fixture(scope="session")
def bins(tmp_path_factory) -> dict[str, Path]:
    pc = STAGE / "lib" / "pkgconfig" / "milvus_import.pc"
    if not pc.exists():
        pytest.fail(f"no {pc}: run `make stage` (or `make test-c`)")
    out = tmp_path_factory.mktemp("c-bin")
    return {
        "list_import_jobs": cc(out / "list_import_jobs", [C_DIR / "examples" / "list_import_jobs.c"]),
        "bulk_import_and_wait": cc(out / "bulk_import_and_wait",
                                   [C_DIR / "examples" / "bulk_import_and_wait.c"], packages="milvus_import jansson"),
        "every_call": cc(out / "every_call", [SANITIZERS / "every_call.c"],
                         "-std=c11 -Wall -Wextra -Werror -pedantic"),
        "cli": cc(out / "milvus-import", sorted((C_DIR / "cli").glob("*.c")),
                  "-std=c11 -O2 -Wall -Wextra -Werror", "milvus_import jansson"),
    }


# ---- servers ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def emulator():
    with Emulator("--mode", "oss", "--job-seconds", "0.5") as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    """The OSS emulator with no jobs, faults or recorded requests."""
    emulator.reset()
    return emulator


@pytest.fixture(scope="module")
def emu_24():
    """The emulator as Milvus 2.4: it checks the database and answers an unknown job with 2100."""
    with Emulator("--mode", "oss", "--milvus-version", "2.4", "--job-seconds", "0.5") as emu:
        yield emu


@pytest.fixture(scope="module")
def auth_emu():
    with Emulator("--mode", "oss", "--job-seconds", "0.5", "--token", TOKEN) as e:
        yield e


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def closed_url() -> str:
    """A loopback port nobody listens on: connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


# ---- running ------------------------------------------------------------------------------------

def run(argv, env=None, timeout=60) -> subprocess.CompletedProcess:
    """Runs argv; stdout and stderr as text, "\r" kept (no newline translation)."""
    e = dict(BASE_ENV, **(env or {}))
    args = [a if isinstance(a, bytes) else str(a) for a in argv]
    r = subprocess.run(args, capture_output=True, env=e, stdin=subprocess.DEVNULL, timeout=timeout)
    r.stdout = r.stdout.decode("utf-8", "replace")
    r.stderr = r.stderr.decode("utf-8", "replace")
    return r


def mi(bins, *args, env=None, timeout=60) -> subprocess.CompletedProcess:
    return run([bins["cli"], *args], env=env, timeout=timeout)


def table(headers, rows) -> list[str]:
    """The lines milvus-import prints: columns padded to the widest cell, two spaces apart,
    no trailing spaces."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    return ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [headers, *rows]]


def job_row(rec: dict) -> tuple:
    progress = rec.get("progress")
    return (rec.get("jobId", "-"), rec.get("collectionName", "-"), rec.get("state", "-"),
            "-" if progress is None else f"{progress}%", rec.get("reason", ""))


def error_lines(r) -> dict:
    """The fields of milvus-import's error report on stderr."""
    fields = {}
    for line in r.stderr.splitlines():
        m = re.match(r"^  (kind|HTTP status|server code|message): +(.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2)
    return fields


def assert_error(r, kind: str, http: int, server_code: int, command: str):
    """The error report closes stderr (wait's progress lines may come before it)."""
    assert r.returncode == EXIT[kind], r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()[-5:]
    assert lines[0].startswith(f"milvus-import: {command} failed: "), r.stderr
    kind_num = EXIT[kind] - 10
    assert lines[1] == f"  kind:        {kind} ({kind_num})"
    assert lines[2] == f"  HTTP status: {http}"
    assert lines[3] == f"  server code: {server_code}"
    assert lines[4].startswith("  message:     ") and len(lines[4]) > len("  message:     ")
    assert len(lines) == 5
    before = r.stderr.splitlines()[:-5]
    assert all(line.startswith("job ") for line in before) if command == "wait" else before == []


def create(bins, url, *files, extra=()) -> str:
    args = ["create", "--url", url, "--collection", "quick_setup"]
    for f in files or ("a.json",):
        args += ["--file", f]
    r = mi(bins, *args, *extra)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"\d+\n", r.stdout), r.stdout
    return r.stdout.strip()


def describe_json(bins, url, job_id) -> dict:
    r = mi(bins, "describe", job_id, "--url", url, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def last(requests, path_end: str) -> dict:
    found = [q for q in requests if q["path"].endswith(path_end)]
    assert found, f"no request to {path_end}"
    return found[-1]


# ---- the library from C ---------------------------------------------------------------------------

def test_examples_and_cli_compile_strict(bins, tmp_path):
    for src, packages in ((C_DIR / "examples" / "list_import_jobs.c", "milvus_import"),
                          (C_DIR / "examples" / "bulk_import_and_wait.c", "milvus_import jansson")):
        cc(tmp_path / src.stem, [src], "-std=c11 -Wall -Wextra -Werror -pedantic", packages)
    cc(tmp_path / "milvus-import", sorted((C_DIR / "cli").glob("*.c")),
       "-std=c11 -O2 -Wall -Wextra -Werror -pedantic", "milvus_import jansson")


def test_every_call(bins):
    r = run([sys.executable, SANITIZERS / "server.py", "--run", "--", bins["every_call"], "1"], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    checks = re.fullmatch(r"every_call: 1 rounds, (\d+) checks, 0 failed", r.stdout.splitlines()[-1])
    assert checks and int(checks[1]) > 700, r.stdout
    assert r.stderr == ""


def test_check_exports(bins):
    lib = STAGE / "lib" / "libmilvus_import.so"
    r = run(["bash", C_DIR / "tests" / "check_exports.sh", lib, STAGE / "include" / "milvus_import.h"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "6 passed, 0 failed"


def test_staged_cli_is_installed():
    r = run([STAGE / "bin" / "milvus-import", "--version"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"milvus-import {VERSION} (libmilvus_import {VERSION})\n"


# ---- the examples ---------------------------------------------------------------------------------

def test_list_example(bins, emu):
    r = run([bins["list_import_jobs"], emu.url])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"code": 0, "data": {"records": []}}
    req = last(emu.requests(), "/v2/vectordb/jobs/import/list")
    assert json.loads(req["body"]) == {"collectionName": "quick_setup"}

    job_id = create(bins, emu.url)
    r = run([bins["list_import_jobs"], emu.url, "quick_setup"])
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)["data"]["records"]
    assert [rec["jobId"] for rec in records] == [job_id]


def test_list_example_failures(bins, emu, closed_url):
    r = run([bins["list_import_jobs"], closed_url])
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("list_import_jobs failed: ")
    assert "(kind 2), HTTP status 0, server code 0: " in r.stderr

    r = run([bins["list_import_jobs"], emu.url, "no_such_collection"])
    assert r.returncode == 1 and r.stdout == ""
    assert "(kind 7), HTTP status 200, server code 100: " in r.stderr
    assert "collection not found" in r.stderr


def test_examples_run_clean_under_valgrind_with_the_installed_suppressions(bins, emu):
    """The README's programs under `valgrind --leak-check=full --error-exitcode=9`, with the
    suppression file `make install` puts in share/milvus_import (the Swift runtime's caches
    inside the library are "possibly lost" to memcheck): exit 0, no leak reported."""
    supp = STAGE / "share" / "milvus_import" / "valgrind.supp"
    assert supp.is_file()
    for argv in ([bins["list_import_jobs"], emu.url], [bins["bulk_import_and_wait"], emu.url, "quick_setup", "a.json"]):
        r = run(["valgrind", "-q", "--leak-check=full", "--error-exitcode=9", f"--suppressions={supp}", *argv],
                timeout=180)
        assert r.returncode == 0, r.stderr
        assert "lost" not in r.stderr and "Invalid" not in r.stderr


def test_bulk_import_and_wait_example(bins, emu):
    r = run([bins["bulk_import_and_wait"], emu.url, "quick_setup", "a.json", "b.json"])
    assert r.returncode == 0, r.stderr
    created, described = [json.loads(line) for line in r.stdout.splitlines()]
    job_id = created["data"]["jobId"]
    assert created == {"code": 0, "data": {"jobId": job_id}}
    assert described["data"]["jobId"] == job_id
    assert described["data"]["state"] == "Completed"
    assert described["data"]["progress"] == 100
    # The bar, redrawn in place after every describe, ends full.
    assert r.stderr.startswith("\r[")
    assert r.stderr.rstrip(" \n").endswith("[" + "#" * 40 + "] 100% Completed")
    req = last(emu.requests(), "/v2/vectordb/jobs/import/create")
    assert json.loads(req["body"]) == {"collectionName": "quick_setup", "files": [["a.json"], ["b.json"]]}

    r = run([bins["bulk_import_and_wait"], emu.url, "no_such_collection"])
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("milvus_client_bulk_import failed: ")
    assert "(kind 7), HTTP status 200, server code 100: " in r.stderr


# ---- the CLI: help and usage ------------------------------------------------------------------------

COMMANDS = ("list", "list-all", "create", "describe", "wait", "commit", "abort")


def test_help(bins):
    r = mi(bins, "--help")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("Usage: milvus-import [OPTIONS] COMMAND")
    for line in ("   0  success (wait: the job is Completed, or Uncommitted waiting for a commit)",
                 "   1  wait: the job ended Failed",
                 "   2  usage: unknown command or option, missing or malformed value",
                 "   3  local failure: out of memory, unreadable answer, output not written",
                 "       11 invalid_argument  12 transport  13 timeout    14 tls",
                 "       15 http              16 auth       17 server     18 malformed_response",
                 "       19 too_large         20 job_not_found  21 no_memory  22 cancelled",
                 " 130  interrupted (Ctrl-C, SIGINT; 143 for SIGTERM): the command stops within a",
                 "  --timeout SECONDS    the longest a call to the server may take, retries and the",
                 "                       pauses between them included (default 20); for wait and",
                 "  --attempt-timeout S  the longest one HTTP attempt may take, so that a server that"):
        assert line in r.stdout.splitlines()
    for option in ("--url", "--token", "--db", "--cluster-id", "--project-id", "--region-id",
                   "--timeout", "--attempt-timeout", "--ca-file", "--cert", "--key", "--insecure",
                   "--header", "--json", '{"error":{"command","kind",'):
        assert option in r.stdout
    assert mi(bins, "help").stdout == r.stdout
    assert mi(bins, "-h").stdout == r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(bins, command):
    r = mi(bins, command, "--help")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith(f"Usage: milvus-import {command} ")
    assert mi(bins, "help", command).stdout == r.stdout
    assert mi(bins, command, "-h").stdout == r.stdout


@pytest.mark.parametrize("args, message", [
    ([], "no command given"),
    (["bogus"], "unknown command 'bogus'"),
    (["help", "bogus"], "unknown command 'bogus'"),
    (["list", "--bogus"], "unknown option '--bogus'"),
    (["list", "-x"], "unknown option '-x'"),
    (["list", "--file", "a.json"], "option '--file' does not apply to this command"),
    (["list", "--page"], "option '--page' needs a value"),
    (["list", "--json=yes"], "option '--json' takes no value"),
    (["list-all", "--page", "2"], "option '--page' does not apply to this command"),
    (["describe"], "describe needs a JOB_ID"),
    (["describe", "1", "2"], "unexpected argument '2'"),
    (["list", "extra"], "unexpected argument 'extra'"),
    (["create", "--file", "a.json"], "create needs --collection"),
    (["create", "--collection", "c"], "create needs at least one --file"),
    (["create", "--collection", "c", "--file", "a.npy,,b.npy"], "--file 'a.npy,,b.npy' has an empty file name"),
    (["create", "--collection", "c", "--file", "a.json", "--option", "novalue"], "--option 'novalue' is not KEY=VALUE"),
    (["create", "--collection", "c", "--file", "a.json", "--option", "=v"], "--option '=v' is not KEY=VALUE"),
    (["list", "--page-size", "0"], "--page-size needs a whole number from 1"),
    (["list", "--page", "x"], "--page needs a whole number from 1"),
    (["list", "--timeout", "-1"], "--timeout needs a number of seconds above 0, not '-1'"),
    (["list", "--timeout", "soon"], "--timeout needs a number of seconds above 0, not 'soon'"),
    (["wait", "1", "--poll-interval", "0"], "--poll-interval needs a number of seconds above 0, not '0'"),
    (["wait", "1", "--poll-interval", "5", "--timeout", "1"], "--poll-interval must not be longer than --timeout"),
    (["list", "--header", "NoColon"], "--header 'NoColon' is not NAME:VALUE"),
    (["list", "--key", "client.key"], "--key needs --cert"),
    (["list", "--attempt-timeout", "0"], "--attempt-timeout needs a number of seconds above 0, not '0'"),
    (["list", "--ca-file", "/no/such/ca.pem"], "cannot read --ca-file '/no/such/ca.pem': No such file or directory"),
    (["list", "--ca-file", "/"], "cannot read --ca-file '/': Is a directory"),
    (["list", "--insecure", "--ca-file", "/no/ca.pem"], "cannot read --ca-file '/no/ca.pem': No such file or directory"),
    (["list", "--cert", "/no/such/client.pem"], "cannot read --cert '/no/such/client.pem': No such file or directory"),
    (["list", "--cert", __file__, "--key", "/no/such/client.key"],
     "cannot read --key '/no/such/client.key': No such file or directory"),
])
def test_usage_errors(bins, emu, args, message):
    r = mi(bins, "--url", emu.url, *args)
    assert r.returncode == EXIT["usage"]
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == f"milvus-import: {message}"
    assert r.stderr.splitlines()[-1].startswith("Try 'milvus-import ")
    assert emu.requests() == []  # nothing was sent


def test_not_utf8_is_a_usage_error(bins, emu):
    r = run([bins["cli"], "list", "--url", emu.url, "--collection", b"quick\xff_setup"])
    assert r.returncode == EXIT["usage"]
    assert r.stderr.splitlines()[0] == "milvus-import: the value of --collection is not valid UTF-8"
    assert emu.requests() == []


# ---- the CLI: every command against the emulator --------------------------------------------------

def test_list_empty(bins, emu):
    r = mi(bins, "list", "--url", emu.url)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == EMPTY_LIST
    req = last(emu.requests(), "/v2/vectordb/jobs/import/list")
    assert json.loads(req["body"]) == {}
    r = mi(bins, "list-all", "--url", emu.url)
    assert (r.returncode, r.stdout, r.stderr) == (0, EMPTY_LIST, "")
    r = mi(bins, "list", "--url", emu.url, "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"code": 0, "data": {"records": []}}
    # On a terminal too (the table goes to stdout; stderr is the terminal here).
    rc, out, err = run_with_tty_stderr([bins["cli"], "list", "--url", emu.url])
    assert (rc, out, err) == (0, EMPTY_LIST, "")


def test_create_sends_what_was_asked(bins, emu):
    job_id = create(bins, emu.url, "a.json", "b.npy,c.npy",
                    extra=("--partition", "_default", "--option", "timeout=300s", "--option", "sep=;",
                           "--idempotency-key", "cli-key-1", "--header", "X-Trace: abc",
                           "--header", "X-Other:1", "--db", "default"))
    req = last(emu.requests(), "/v2/vectordb/jobs/import/create")
    assert json.loads(req["body"]) == {
        "collectionName": "quick_setup", "partitionName": "_default",
        "files": [["a.json"], ["b.npy", "c.npy"]], "options": {"timeout": "300s", "sep": ";"},
        "dbName": "default"}
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["idempotency-key"] == "cli-key-1"
    assert headers["x-trace"] == "abc"
    assert headers["x-other"] == "1"
    assert headers["db-name"] == "default"
    assert headers["content-type"] == "application/json"
    assert "authorization" not in headers
    # The same Idempotency-Key gives the same job.
    again = create(bins, emu.url, "a.json", "b.npy,c.npy",
                   extra=("--partition", "_default", "--option", "timeout=300s", "--option", "sep=;",
                          "--idempotency-key", "cli-key-1", "--db", "default"))
    assert again == job_id

    r = mi(bins, "create", "--url", emu.url, "--collection", "quick_setup", "--file", "x.json", "--json")
    assert r.returncode == 0
    envelope = json.loads(r.stdout)
    assert envelope == {"code": 0, "data": {"jobId": envelope["data"]["jobId"]}}


def test_list_and_list_all_tables(bins, emu):
    ids = [create(bins, emu.url, "a.json"), create(bins, emu.url, "fail_b.json")]
    for job_id in ids:
        mi(bins, "wait", job_id, "--url", emu.url, "--poll-interval", "0.05")
    r = mi(bins, "list", "--url", emu.url, "--json")
    records = json.loads(r.stdout)["data"]["records"]
    assert [rec["jobId"] for rec in records] == ids
    assert [rec["state"] for rec in records] == ["Completed", "Failed"]
    assert records[1]["reason"]
    expected = table(JOB_HEADERS, [job_row(rec) for rec in records])
    assert expected[1] == f"{ids[0]}  quick_setup  Completed  100%"

    for args in (["list"], ["list", "--collection", "quick_setup"], ["list-all"],
                 ["list-all", "--page-size", "1"]):
        r = mi(bins, *args, "--url", emu.url)
        assert r.returncode == 0 and r.stderr == "", args
        assert r.stdout.splitlines() == expected, args

    r = mi(bins, "list-all", "--url", emu.url, "--json")
    data = json.loads(r.stdout)["data"]
    assert data["count"] == 2 and [rec["jobId"] for rec in data["records"]] == ids


def test_paging_and_cloud_fields_are_sent(bins, emu):
    r = mi(bins, "list", "--url", emu.url, "--collection", "quick_setup", "--page-size", "5", "--page", "2",
           "--cluster-id", "in01-abc", "--project-id", "proj-1", "--region-id", "gcp-us-west1")
    assert r.returncode == 0, r.stderr
    req = last(emu.requests(), "/v2/vectordb/jobs/import/list")
    assert json.loads(req["body"]) == {"collectionName": "quick_setup", "pageSize": 5, "currentPage": 2,
                                       "clusterId": "in01-abc", "projectId": "proj-1",
                                       "regionId": "gcp-us-west1"}


def test_describe(bins, emu):
    job_id = create(bins, emu.url, "a.json", "b.json")
    assert mi(bins, "wait", job_id, "--url", emu.url, "--poll-interval", "0.05").returncode == 0
    data = describe_json(bins, emu.url, job_id)["data"]
    assert data["jobId"] == job_id and data["state"] == "Completed"

    r = mi(bins, "describe", job_id, "--url", emu.url)
    assert r.returncode == 0 and r.stderr == ""
    files = [(d["fileName"], d["state"], f"{d['progress']}%", f"{d['importedRows']}/{d['totalRows']}",
              d.get("reason", "")) for d in data["details"]]
    assert len(files) == 2
    expected = table(JOB_HEADERS, [job_row(data)]) + [""] + table(FILE_HEADERS, files)
    assert expected[1] == f"{job_id}  quick_setup  Completed  100%"
    assert r.stdout.splitlines() == expected
    req = last(emu.requests(), "/v2/vectordb/jobs/import/describe")
    assert json.loads(req["body"]) == {"jobId": job_id}


def test_wait_plain_lines(bins, emu):
    job_id = create(bins, emu.url)
    r = mi(bins, "wait", job_id, "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[-1] == f"job {job_id}: Completed 100%"
    assert all(re.fullmatch(rf"job {job_id}: (Pending|Importing|Completed) \d+%", line) for line in lines)
    assert len(lines) == len(set(lines))  # a line per change, not per describe
    assert r.stdout.splitlines()[:2] == table(JOB_HEADERS, [(job_id, "quick_setup", "Completed", "100%", "")])

    r = mi(bins, "wait", job_id, "--url", emu.url, "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["data"]["state"] == "Completed"


def run_with_tty_stderr(argv, timeout=60, rows=0, columns=0):
    """Runs argv with stderr on a pseudo-terminal of rows x columns (0: the terminal does not
    say); returns the exit code, stdout and what the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    p = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=slave,
                         stdin=subprocess.DEVNULL, env=BASE_ENV)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the last holder of the terminal is gone
            break
        if not data:
            break
        chunks.append(data)
    out = p.stdout.read()
    p.stdout.close()
    p.wait(timeout)
    os.close(master)
    return p.returncode, out.decode(), b"".join(chunks).decode()


def test_wait_draws_a_bar_on_a_terminal(bins, emu):
    job_id = create(bins, emu.url)
    rc, out, err = run_with_tty_stderr([bins["cli"], "wait", job_id, "--url", emu.url,
                                        "--poll-interval", "0.05"])
    assert rc == 0, err
    assert err.startswith("\r[")
    assert "\r[" + "#" * 30 + "] 100% Completed\x1b[K" in err
    assert err.endswith("\r\n")  # the bar's line is ended once, at the end
    assert err.count("\n") == 1
    assert "job " not in err
    assert out.splitlines()[1] == f"{job_id}  quick_setup  Completed  100%"

    # 40 columns: the bar takes what "100% Uncommitted" (the longest state) leaves of 39
    rc, out, err = run_with_tty_stderr([bins["cli"], "wait", job_id, "--url", emu.url], columns=40)
    assert rc == 0, err
    assert err == "\r[" + "#" * 20 + "] 100% Completed\x1b[K\r\n"


def test_wait_failed_job(bins, emu):
    job_id = create(bins, emu.url, "fail_me.json")
    r = mi(bins, "wait", job_id, "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == EXIT["job_failed"]
    data = describe_json(bins, emu.url, job_id)["data"]
    assert data["state"] == "Failed" and data["reason"]
    assert r.stdout.splitlines()[1] == f"{job_id}  quick_setup  Failed  0%        {data['reason']}"
    assert r.stderr.splitlines()[-1] == f"job {job_id}: Failed 0%"


def test_wait_timeout(bins, emu):
    job_id = create(bins, emu.url)
    r = mi(bins, "wait", job_id, "--url", emu.url, "--timeout", "0.1", "--poll-interval", "0.02")
    assert_error(r, "timeout", 0, 0, "wait")


def test_wait_ctrl_c(bins):
    with Emulator("--mode", "oss", "--job-seconds", "60") as slow:
        job_id = create(bins, slow.url)
        p = subprocess.Popen([str(bins["cli"]), "wait", job_id, "--url", slow.url, "--poll-interval", "0.05"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=BASE_ENV)
        first = p.stderr.readline().decode()  # the first describe is in
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        state = describe_json(bins, slow.url, job_id)["data"]["state"]
    assert first.startswith(f"job {job_id}: Pending ")
    assert p.returncode == EXIT["interrupted"], err
    assert out == b""
    *progress, message = (first + err.decode()).splitlines()
    assert all(line.startswith(f"job {job_id}: ") for line in progress)
    assert message == (f"milvus-import: interrupted: stopped waiting for job {job_id}; the import job keeps "
                       f"running on the server (milvus-import wait {job_id} to follow it, milvus-import abort "
                       f"{job_id} to stop a two-phase job)")
    assert state in ("Pending", "Importing")  # the job goes on


@pytest.mark.parametrize("args, sig, message", [
    (["wait", "448761313698322999"], signal.SIGINT,
     "interrupted: stopped waiting for job 448761313698322999; the import job keeps running on the server "
     "(milvus-import wait 448761313698322999 to follow it, milvus-import abort 448761313698322999 to stop a "
     "two-phase job)"),
    (["wait", "448761313698322999"], signal.SIGTERM,
     "terminated: stopped waiting for job 448761313698322999; the import job keeps running on the server "
     "(milvus-import wait 448761313698322999 to follow it, milvus-import abort 448761313698322999 to stop a "
     "two-phase job)"),
    (["wait", "--collection", "quick_setup"], signal.SIGINT,
     "interrupted: stopped waiting for the import jobs; they keep running on the server "
     "(milvus-import wait --collection quick_setup to follow them)"),
    (["list"], signal.SIGINT, "interrupted: stopped list; nothing changed on the server"),
    (["list-all"], signal.SIGINT, "interrupted: stopped list-all; nothing changed on the server"),
    (["describe", "7"], signal.SIGINT, "interrupted: stopped describe of job 7; nothing changed on the server"),
    (["create", "--collection", "quick_setup", "--file", "a.json"], signal.SIGINT,
     "interrupted: stopped creating the import job; if the server got the request, the job exists and runs "
     "(milvus-import list --collection quick_setup shows it)"),
    (["commit", "7"], signal.SIGINT,
     "interrupted: stopped committing job 7; the server may have got the request "
     "(milvus-import describe 7 shows the job's state)"),
])
def test_a_signal_stops_any_command_within_a_second(bins, args, sig, message):
    """Against a server that accepts and never answers, with the default timeouts (20 s a
    call, 3600 s a wait): the signal stops the request in flight."""
    with SilentServer() as server:
        p = subprocess.Popen([str(bins["cli"]), *args, "--url", server.url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=BASE_ENV)
        assert server.accepted.wait(10)  # the request is on its way
        time.sleep(0.2)
        sent = time.monotonic()
        p.send_signal(sig)
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    assert p.returncode == (EXIT["interrupted"] if sig == signal.SIGINT else EXIT["terminated"]), err
    assert elapsed < 1.5
    assert (out, err.decode()) == (b"", f"milvus-import: {message}\n")


def test_a_signal_with_json(bins):
    with SilentServer() as server:
        p = subprocess.Popen([str(bins["cli"]), "list", "--json", "--url", server.url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=BASE_ENV)
        assert server.accepted.wait(10)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    assert (p.returncode, out) == (EXIT["interrupted"], b"")
    assert json.loads(err) == {"error": {"command": "list", "kind": "interrupted", "signal": "SIGINT",
                                         "message": "stopped list; nothing changed on the server"}}
    assert err.count(b"\n") == 1


def test_timeout_bounds_the_whole_call(bins):
    """--timeout covers every attempt and pause: a server that never answers ends the call
    at --timeout, not after each of three attempts timed out."""
    with SilentServer() as server:
        start = time.monotonic()
        r = mi(bins, "list", "--url", server.url, "--timeout", "1")
        elapsed = time.monotonic() - start
    assert_error(r, "timeout", 0, 0, "list")
    assert elapsed < 1.7

    # --attempt-timeout: each attempt gives up after 0.5 s, so the call is retried (two
    # retries for list) within its --timeout.
    with SilentServer() as server:
        start = time.monotonic()
        r = mi(bins, "list", "--url", server.url, "--timeout", "4", "--attempt-timeout", "0.5")
        elapsed = time.monotonic() - start
        connections = server.connections
    assert_error(r, "timeout", 0, 0, "list")
    assert connections == 3
    assert 1.5 <= elapsed < 4.0


def test_json_errors(bins, emu_24, closed_url):
    """With --json a failure is one JSON object on stderr; stdout stays empty; the exit code
    is the same as without."""
    r = mi(bins, "list", "--url", emu_24.url, "--collection", "no_such_collection", "--json")
    assert (r.returncode, r.stdout, r.stderr.count("\n")) == (EXIT["server"], "", 1), r.stderr
    report = json.loads(r.stderr)
    assert "collection not found" in report["error"].pop("message")
    assert report == {"error": {"command": "list", "kind": "server", "code": 7, "httpStatus": 200,
                                "serverCode": 100, "storageCode": ""}}

    r = mi(bins, "describe", "1", "--url", closed_url, "--json")
    assert (r.returncode, r.stdout) == (EXIT["transport"], "")
    report = json.loads(r.stderr)
    assert report["error"].pop("message")
    assert report == {"error": {"command": "describe", "kind": "transport", "code": 2, "httpStatus": 0,
                                "serverCode": 0, "storageCode": ""}}

    # A setting the library refuses names the option.
    r = mi(bins, "list", "--url", "ftp://127.0.0.1/", "--json")
    assert (r.returncode, r.stdout) == (EXIT["invalid_argument"], "")
    report = json.loads(r.stderr)
    assert report["error"].pop("message")
    assert report == {"error": {"command": "list", "option": "--url", "kind": "invalid_argument", "code": 1,
                                "httpStatus": 0, "serverCode": 0, "storageCode": ""}}

    # Usage errors (no hint), --json anywhere on the line.
    for args, command, message in (
            (["list", "--json", "--bogus"], "list", "unknown option '--bogus'"),
            (["--json", "list", "--ca-file", "/no/ca.pem"], "list",
             "cannot read --ca-file '/no/ca.pem': No such file or directory"),
            (["bogus", "--json"], None, "unknown command 'bogus'")):
        r = mi(bins, *args)
        assert (r.returncode, r.stdout) == (EXIT["usage"], ""), r.stderr
        error = {"command": command, "kind": "usage", "message": message}
        assert json.loads(r.stderr) == {"error": {k: v for k, v in error.items() if v is not None}}
        assert r.stderr.count("\n") == 1

    # A local failure: the output cannot be written.
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(bins["cli"]), "list", "--url", emu_24.url, "--json"], stdout=full,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=BASE_ENV, timeout=60)
    assert p.returncode == EXIT["local"]
    assert json.loads(p.stderr) == {"error": {"kind": "local", "message": "cannot write the output"}}


def test_two_phase_commit_and_abort(bins, emu):
    committed = create(bins, emu.url, "a.json", extra=("--option", "auto_commit=false"))
    aborted = create(bins, emu.url, "b.json", extra=("--option", "auto_commit=false"))
    for job_id in (committed, aborted):
        r = mi(bins, "wait", job_id, "--url", emu.url, "--poll-interval", "0.05")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[1] == f"{job_id}  quick_setup  Uncommitted  99%"

    r = mi(bins, "commit", committed, "--url", emu.url)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"committed import job {committed}\n", "")
    req = last(emu.requests(), "/v2/vectordb/jobs/import/commit")
    assert json.loads(req["body"]) == {"jobId": committed}
    r = mi(bins, "wait", committed, "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == 0
    assert r.stdout.splitlines()[1] == f"{committed}  quick_setup  Completed  100%"

    r = mi(bins, "abort", aborted, "--url", emu.url, "--json")
    assert r.returncode == 0 and r.stderr == ""
    assert json.loads(r.stdout) == {"code": 0, "data": {}}
    req = last(emu.requests(), "/v2/vectordb/jobs/import/abort")
    assert json.loads(req["body"]) == {"jobId": aborted}
    r = mi(bins, "wait", aborted, "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == EXIT["job_failed"]
    assert describe_json(bins, emu.url, aborted)["data"]["state"] == "Failed"

    r = mi(bins, "abort", committed, "--url", emu.url)  # no longer Uncommitted
    assert r.returncode == EXIT["server"]
    r = mi(bins, "commit", "not-a-number", "--url", emu.url)
    assert_error(r, "server", 200, 1100, "commit")


# ---- the CLI: exit codes of failures -----------------------------------------------------------------

def test_refused_connection(bins, closed_url):
    for args, command in ((["list"], "list"), (["list-all"], "list-all"), (["describe", "1"], "describe"),
                          (["wait", "1"], "wait"), (["commit", "1"], "commit"), (["abort", "1"], "abort"),
                          (["create", "--collection", "c", "--file", "a.json"], "create")):
        r = mi(bins, *args, "--url", closed_url)
        assert_error(r, "transport", 0, 0, command)


def test_unknown_collection(bins, emu_24):
    r = mi(bins, "list", "--url", emu_24.url, "--collection", "no_such_collection")
    assert_error(r, "server", 200, 100, "list")
    assert "collection not found" in error_lines(r)["message"]
    r = mi(bins, "create", "--url", emu_24.url, "--collection", "no_such_collection", "--file", "a.json")
    assert_error(r, "server", 200, 100, "create")
    r = mi(bins, "list", "--url", emu_24.url, "--db", "no_such_db")
    assert_error(r, "server", 200, 800, "list")


@pytest.fixture(scope="module", params=MILVUS_VERSIONS)
def each_version(request):
    with Emulator("--mode", "oss", "--milvus-version", request.param, "--job-seconds", "30",
                  "--max-jobs", "2") as emu:
        emu.version = request.param
        yield emu


def test_error_kinds_on_every_version(bins, each_version):
    """Job not found is 2100 up to 2.6.18 and 2101 from 2.6.19; the job limit is a server
    error on every line; commit and abort exist only on 3.0 (a 404 before)."""
    emu = each_version
    newer = MILVUS_VERSIONS.index(emu.version) >= MILVUS_VERSIONS.index("2.6.19")
    code = 2101 if newer else 2100
    for command in ("describe", "wait"):
        r = mi(bins, command, "448761313698322999", "--url", emu.url)
        assert_error(r, "job_not_found", 200, code, command)
        assert "import job does not exist" in error_lines(r)["message"]
    for command in ("commit", "abort"):
        r = mi(bins, command, "448761313698322999", "--url", emu.url)
        if emu.version == "3.0":
            assert_error(r, "job_not_found", 200, 2101, command)
            assert "job 448761313698322999 not found" in error_lines(r)["message"]
        else:
            assert_error(r, "http", 404, 0, command)
            assert "commit and abort need Milvus 3.0" in error_lines(r)["message"]
    create(bins, emu.url, "one.json")
    create(bins, emu.url, "two.json")
    r = mi(bins, "create", "--url", emu.url, "--collection", "quick_setup", "--file", "three.json")
    assert_error(r, "server", 200, code, "create")
    assert "reached the limit" in error_lines(r)["message"]


def test_http_and_response_errors(bins, emu):
    r = mi(bins, "list", "--url", emu.url + "/no/such/prefix")
    assert_error(r, "http", 404, 0, "list")
    emu.arm("html", count=-1, status=502)
    r = mi(bins, "list", "--url", emu.url)
    assert_error(r, "http", 502, 0, "list")
    emu.reset()
    emu.arm("raw", count=-1, status=200, content_type="application/json", body="not json")
    r = mi(bins, "list", "--url", emu.url)
    assert_error(r, "malformed_response", 200, 0, "list")
    emu.reset()
    emu.arm("delay", count=-1, ms=3000)
    r = mi(bins, "list", "--url", emu.url, "--timeout", "0.2")
    assert_error(r, "timeout", 0, 0, "list")
    emu.reset()
    emu.arm("timeout408", count=-1)
    r = mi(bins, "describe", "1", "--url", emu.url)
    assert_error(r, "timeout", 408, 10001, "describe")


def test_library_refuses_bad_values(bins, emu):
    r = mi(bins, "list", "--url", "ftp://127.0.0.1/")
    assert_error(r, "invalid_argument", 0, 0, "--url")
    r = mi(bins, "list", "--url", emu.url + "/?q=1")
    assert_error(r, "invalid_argument", 0, 0, "--url")
    r = mi(bins, "list", "--url", emu.url, "--header", "Bad Name:1")
    assert_error(r, "invalid_argument", 0, 0, "--header")
    r = mi(bins, "list", "--url", emu.url, "--header", "Content-Type:text/plain")
    assert_error(r, "invalid_argument", 0, 0, "--header")
    r = mi(bins, "list", "--url", emu.url, "--token", "bad\ntoken-s3cr3t")
    assert_error(r, "invalid_argument", 0, 0, "--token")
    assert "s3cr3t" not in r.stdout + r.stderr
    assert emu.requests() == []


def test_authentication(bins, auth_emu):
    url = auth_emu.url
    wrong = "root:wrong-s3cr3t-Pa55"
    for args, env in (([], None), (["--token", wrong], None), ([], {"MILVUS_TOKEN": wrong})):
        r = mi(bins, "list", "--url", url, *args, env=env)
        assert_error(r, "auth", 401, 1800, "list")
        assert "wrong-s3cr3t" not in r.stdout + r.stderr
    # A password inside the URL (HTTP Basic) is never printed either.
    bad_url = url.replace("http://", "http://root:url-s3cr3t-Pa55@")
    r = mi(bins, "list", "--url", bad_url)
    assert_error(r, "auth", 401, 1800, "list")
    assert "url-s3cr3t" not in r.stdout + r.stderr

    for args, env in ((["--token", TOKEN], None), ([], {"MILVUS_TOKEN": TOKEN}),
                      (["--url", url.replace("http://", "http://root:Milvus@")], None)):
        r = mi(bins, "list", "--url", url, *args, env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout == EMPTY_LIST
        assert TOKEN not in r.stdout + r.stderr
    sent = [q["headers"].get("Authorization") for q in auth_emu.requests()
            if q["path"].endswith("/import/list")]
    assert f"Bearer {TOKEN}" in sent


def test_token_is_never_printed(bins, auth_emu, closed_url):
    token = "root:never-print-me-s3cr3t"
    runs = [mi(bins, *args, "--token", token) for args in (
        ["list", "--url", auth_emu.url], ["list-all", "--url", auth_emu.url, "--json"],
        ["describe", "1", "--url", auth_emu.url], ["wait", "1", "--url", auth_emu.url],
        ["commit", "1", "--url", auth_emu.url], ["abort", "1", "--url", auth_emu.url],
        ["create", "--url", auth_emu.url, "--collection", "c", "--file", "a.json"],
        ["list", "--url", closed_url], ["list", "--url", "ftp://x"], ["list", "--bogus"],
        ["list", "--url", auth_emu.url, "--header", "Authorization:Bearer " + token])]
    for r in runs:
        assert r.returncode != 0
        assert "never-print-me" not in r.stdout + r.stderr


def test_tls(bins, tls_files):
    with Emulator("--mode", "oss", "--job-seconds", "0.5", "--tls-cert", tls_files["server_cert"],
                  "--tls-key", tls_files["server_key"]) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        r = mi(bins, "list", "--url", emu.url)
        assert_error(r, "tls", 0, 0, "list")
        for extra in (["--ca-file", tls_files["ca"]], ["--insecure"]):
            r = mi(bins, "list", "--url", emu.url, *extra)
            assert (r.returncode, r.stdout) == (0, EMPTY_LIST), r.stderr

    with Emulator("--mode", "oss", "--tls-cert", tls_files["server_cert"], "--tls-key",
                  tls_files["server_key"], "--client-ca", tls_files["ca"],
                  client_cert=(tls_files["client_cert"], tls_files["client_key"])) as emu:
        r = mi(bins, "list", "--url", emu.url, "--ca-file", tls_files["ca"],
               "--cert", tls_files["client_cert"], "--key", tls_files["client_key"])
        assert (r.returncode, r.stdout) == (0, EMPTY_LIST), r.stderr


def no_control_characters(text: str) -> bool:
    return not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)


def test_terminal_escapes_are_not_printed(bins, emu):
    evil = "x\x1b]0;owned\x07\x1b[31m"
    r = mi(bins, "list", "--url", emu.url, "--collection", evil)
    assert r.returncode == EXIT["server"]
    assert no_control_characters(r.stderr)
    assert "]0;owned" in error_lines(r)["message"]
    r = mi(bins, "bo\x1b[2Jgus")
    assert r.returncode == EXIT["usage"]
    assert r.stderr.splitlines()[0] == "milvus-import: unknown command 'bo?[2Jgus'"

    # A server's text in a table: control characters (C0, DEL, C1) become "?".
    record = {"collectionName": "quick_setup", "jobId": "1", "progress": 0, "state": "Failed",
              "reason": "bad \x1b[31m red \x07 \x9b x"}
    emu.arm("raw", count=-1, status=200, content_type="application/json",
            body=json.dumps({"code": 0, "data": {"records": [record]}}))
    r = mi(bins, "list", "--url", emu.url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "1       quick_setup  Failed  0%        bad ?[31m red ? ? x"
    assert no_control_characters(r.stdout)


def test_a_token_echoed_by_a_server_is_masked(bins, emu):
    token = "root:echoed-s3cr3t"
    record = {"collectionName": "quick_setup", "jobId": "1", "progress": 0, "state": "Failed",
              "reason": f"token {token} refused"}
    emu.arm("raw", count=-1, status=200, content_type="application/json",
            body=json.dumps({"code": 0, "data": {"records": [record]}}))
    r = mi(bins, "list", "--url", emu.url, "--token", token)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "1       quick_setup  Failed  0%        token *** refused"
    r = mi(bins, "list", "--url", emu.url, "--json", env={"MILVUS_TOKEN": token})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["data"]["records"][0]["reason"] == "token *** refused"
    r = mi(bins, "list", "--url", emu.url, "--header", f"Authorization: Bearer {token}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "1       quick_setup  Failed  0%        token *** refused"
    emu.reset()
    emu.arm("raw", count=-1, status=200, content_type="application/json",
            body=json.dumps({"code": 1100, "message": f"invalid token {token}"}))
    r = mi(bins, "list", "--url", emu.url, "--token", token)
    assert_error(r, "server", 200, 1100, "list")
    assert "echoed-s3cr3t" not in r.stdout + r.stderr
    assert "***" in error_lines(r)["message"]
