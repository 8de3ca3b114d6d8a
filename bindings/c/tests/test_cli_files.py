"""milvus-import upload, import-files and wait for several jobs, as a shell user runs them.

The CLI is built against the staged install tree (the `bins` fixture of test_c.py), the
object store is a real SeaweedFS on loopback (Tests/support/seaweed.py), and the emulator
reads the objects it imports from that store (`--s3-endpoint ... --bucket ...`), so row
counts are those of the files and a missing object fails its job as on Milvus. Checked:
exact tables, --json documents, the bytes in the bucket, exit codes, the error report (with
its S3 code line), the requests the emulator saw, and no secret in any output.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2] / "Tests" / "support"))
from seaweed import SeaweedFS  # noqa: E402
# bins: the CLI built against the stage; emulator/emu: the plain OSS emulator, reset per test.
from test_c import (BASE_ENV, EXIT, JOB_HEADERS, Emulator, SilentServer, bins, create, emu,  # noqa: E402,F401
                    emulator, job_row, mi, run_with_tty_stderr, table)

OBJECT_HEADERS = ("KEY", "SIZE", "ETAG", "UPLOADED")
ROWS_A = [{"id": i, "vector": [0.5, 0.25]} for i in range(3)]
ROWS_B = [{"id": i, "vector": [1.0, 0.0]} for i in range(5)]


# ---- the object store, the emulator reading from it -----------------------------------------

@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with SeaweedFS(tmp_path_factory.mktemp("seaweed")) as store:
        yield store


@pytest.fixture(scope="module")
def store_bucket(s3):
    return s3.make_bucket("cli-" + secrets.token_hex(4))


@pytest.fixture(scope="module")
def s3_emulator(s3, store_bucket):
    with Emulator("--mode", "oss", "--job-seconds", "0.3", "--s3-endpoint", s3.endpoint,
                  "--bucket", store_bucket, "--access-key", s3.access_key,
                  "--secret-key", s3.secret_key) as emu:
        yield emu


@pytest.fixture
def emu_s3(s3_emulator):
    s3_emulator.reset()
    return s3_emulator


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own in the module's bucket."""
    return "t-" + secrets.token_hex(4)


def storage_args(s3, bucket, *more) -> list:
    return ["--s3-endpoint", s3.endpoint, "--bucket", bucket, "--access-key", s3.access_key,
            "--secret-key", s3.secret_key, *more]


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """a.json, a folder of two JSON files with a hidden one, and a 6 MiB binary file."""
    (tmp_path / "a.json").write_text(json.dumps({"rows": ROWS_A}))
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.json").write_text(json.dumps(ROWS_B))
    (folder / "sub" / "c.json").write_text(json.dumps({"rows": ROWS_A[:1]}))
    (folder / ".hidden.json").write_text("[]")
    (tmp_path / "big.parquet").write_bytes(os.urandom(6 * 1024 * 1024 + 17))
    return {"a": tmp_path / "a.json", "folder": folder, "big": tmp_path / "big.parquet"}


def storage_report(r) -> list[str]:
    """The error report of a STORAGE failure: the five lines of every kind plus "S3 code:"
    before the message."""
    return r.stderr.splitlines()[-6:]


def assert_storage_error(r, command: str, http: int, s3_code: str):
    assert r.returncode == 23, r.stderr
    assert r.stdout == ""
    lines = storage_report(r)
    assert lines[0].startswith(f"milvus-import: {command} failed: "), r.stderr
    assert lines[1:5] == ["  kind:        storage (13)", f"  HTTP status: {http}",
                          "  server code: 0", f"  S3 code:     {s3_code}"]
    assert lines[5].startswith("  message:     ") and len(lines[5]) > 20


# ---- help and usage --------------------------------------------------------------------------

def test_help_documents_the_new_commands(bins):
    r = mi(bins, "--help")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert "  upload     upload local files to an S3-compatible bucket; prints key, size, ETag" in lines
    assert "  import-files  local files to imported rows: upload, check, create the jobs, wait" in lines
    assert "       23 storage: the object store refused (the report adds its S3 code)" in lines
    for command in ("upload", "import-files"):
        r = mi(bins, command, "--help")
        assert r.returncode == 0 and r.stderr == ""
        assert r.stdout.startswith(f"Usage: milvus-import {command} ")
        for option in ("--bucket", "--prefix", "--s3-endpoint", "--region", "--access-key", "--secret-key",
                       "--part-size", "--stall-timeout", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                       "AWS_SESSION_TOKEN", "--json", "23 when the store refuses", "130 on Ctrl-C",
                       "11 for a missing"):
            assert option in r.stdout, (command, option)
        assert mi(bins, "help", command).stdout == r.stdout
    r = mi(bins, "import-files", "--help")
    for option in ("--collection", "--partition", "--option", "--timeout", "--poll-interval", "1 when any ended Failed"):
        assert option in r.stdout, option
    r = mi(bins, "wait", "--help")
    assert "       milvus-import wait JOB_ID JOB_ID... [--collection NAME] [...]" in r.stdout.splitlines()
    assert "       milvus-import wait --collection NAME [...]" in r.stdout.splitlines()


NO_AWS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""}


@pytest.mark.parametrize("args, message", [
    (["upload", "--bucket", "b", "--access-key", "k", "--secret-key", "s"], "upload needs at least one FILE"),
    (["upload", "a.json", "--access-key", "k", "--secret-key", "s"], "upload needs --bucket"),
    (["upload", "a.json", "--bucket", "b"],
     "upload needs object-store credentials: --access-key and --secret-key, or AWS_ACCESS_KEY_ID and "
     "AWS_SECRET_ACCESS_KEY in the environment"),
    (["upload", "a.json", "--bucket", "b", "--access-key", "k"],
     "upload needs object-store credentials: --access-key and --secret-key, or AWS_ACCESS_KEY_ID and "
     "AWS_SECRET_ACCESS_KEY in the environment"),
    (["import-files", "a.json", "--bucket", "b", "--access-key", "k", "--secret-key", "s"],
     "import-files needs --collection"),
    (["import-files", "a.json", "--collection", "c", "--access-key", "k", "--secret-key", "s"],
     "import-files needs --bucket"),
    (["import-files", "a.json", "--collection", "c", "--bucket", "b", "--access-key", "k", "--secret-key", "s",
      "--option", "novalue"], "--option 'novalue' is not KEY=VALUE"),
    (["import-files", "a.json", "--collection", "c", "--bucket", "b", "--access-key", "k", "--secret-key", "s",
      "--poll-interval", "9", "--timeout", "1"], "--poll-interval must not be longer than --timeout"),
    (["upload", "a.json", "--bucket", "b", "--access-key", "k", "--secret-key", "s", "--part-size", "5M"],
     "--part-size needs a whole number of bytes, not '5M'"),
    (["upload", "a.json", "--bucket", "b", "--access-key", "k", "--secret-key", "s", "--stall-timeout", "0"],
     "--stall-timeout needs a number of seconds above 0, not '0'"),
    (["upload", "a.json", "--bucket", "b", "--collection", "c"], "option '--collection' does not apply to this command"),
    (["list", "--bucket", "b"], "option '--bucket' does not apply to this command"),
    (["create", "--collection", "c", "--file", "a.json", "--s3-endpoint", "http://x"],
     "option '--s3-endpoint' does not apply to this command"),
    (["wait"], "wait needs a JOB_ID or --collection"),
])
def test_usage_errors(bins, emu, args, message):
    r = mi(bins, "--url", emu.url, *args, env=NO_AWS)
    assert r.returncode == EXIT["usage"], r.stderr
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == f"milvus-import: {message}"
    assert r.stderr.splitlines()[-1].startswith("Try 'milvus-import ")
    assert emu.requests() == []


# ---- upload ------------------------------------------------------------------------------------

def test_upload_files_and_a_folder(bins, s3, store_bucket, files, prefix):
    r = mi(bins, "upload", files["a"], files["folder"], *storage_args(s3, store_bucket, "--prefix", prefix))
    assert r.returncode == 0, r.stderr
    stored = {o["key"]: o for o in s3.list(store_bucket, prefix + "/")}
    keys = [f"{prefix}/a.json", f"{prefix}/b.json", f"{prefix}/sub/c.json"]
    assert sorted(stored) == sorted(keys)  # the folder's own name and hidden files left out
    assert s3.get(store_bucket, f"{prefix}/a.json") == files["a"].read_bytes()
    assert s3.get(store_bucket, f"{prefix}/sub/c.json") == (files["folder"] / "sub" / "c.json").read_bytes()
    rows = [(k, stored[k]["size"], stored[k]["etag"], "yes") for k in keys]
    assert r.stdout.splitlines() == table(OBJECT_HEADERS, rows)
    # Not a terminal: a line per object and percentage, the last at 100%.
    progress = r.stderr.splitlines()
    assert progress and all(re.fullmatch(r"upload \S+: \d{1,3}% of \d+(\.\d)? (B|KiB)", line) for line in progress)
    assert progress[-1].endswith(f": 100% of {sum(stored[k]['size'] for k in keys)} B")

    # A rerun sends nothing: same size and ETag.
    r = mi(bins, "upload", files["a"], files["folder"], *storage_args(s3, store_bucket, "--prefix", prefix),
           "--json")
    assert r.returncode == 0, r.stderr
    objects = json.loads(r.stdout)
    assert [(o["key"], o["size"], o["etag"], o["uploaded"]) for o in objects] == [
        (k, stored[k]["size"], stored[k]["etag"], False) for k in keys]
    assert objects[0]["path"] == str(files["a"])
    assert len(r.stdout.splitlines()) == 1  # one JSON document


def test_upload_multipart_with_keys_from_the_environment(bins, s3, store_bucket, files, prefix):
    env = {"AWS_ACCESS_KEY_ID": s3.access_key, "AWS_SECRET_ACCESS_KEY": s3.secret_key}
    r = mi(bins, "upload", files["big"], "--s3-endpoint", s3.endpoint, "--bucket", store_bucket,
           "--prefix", prefix, "--part-size", str(5 * 1024 * 1024), "--json", env=env)
    assert r.returncode == 0, r.stderr
    [obj] = json.loads(r.stdout)
    assert (obj["key"], obj["size"], obj["uploaded"]) == (f"{prefix}/big.parquet", 6 * 1024 * 1024 + 17, True)
    assert re.fullmatch(r"[0-9a-f]{32}-2", obj["etag"])  # two parts
    assert s3.get(store_bucket, obj["key"]) == files["big"].read_bytes()
    assert s3.list_multipart_uploads(store_bucket) == []
    assert s3.secret_key not in r.stdout + r.stderr


def test_upload_bar_on_a_terminal(bins, s3, store_bucket, files, prefix):
    rc, out, err = run_with_tty_stderr([bins["cli"], "upload", files["a"],
                                        *storage_args(s3, store_bucket, "--prefix", prefix)])
    assert rc == 0, err
    size = files["a"].stat().st_size
    assert err.startswith("\r[")
    assert err.endswith(f"\r[{'#' * 30}] 100% {size} B/{size} B {prefix}/a.json\x1b[K\r\n")
    assert out.splitlines()[1].startswith(f"{prefix}/a.json  {size}  ")

    # 40 columns: the bar shrinks so that the line never wraps (at most 39 columns drawn)
    rc, out, err = run_with_tty_stderr([bins["cli"], "upload", files["a"],
                                        *storage_args(s3, store_bucket, "--prefix", prefix)], columns=40)
    assert rc == 0, err
    # "[#####] 100% 112 B/112 B t-0123abcd/a.json" is 42 columns: the shortest bar, the key cut
    line = f"[#####] 100% {size} B/{size} B {prefix}/a.json"
    assert len(line) > 39
    assert err.endswith(f"\r{line[:39]}\x1b[K\r\n")
    assert all(len(line) <= 39 for line in drawn_lines(err)), err


def test_upload_refusals(bins, s3, store_bucket, files, tmp_path):
    wrong = "wrong-s3cr3t-" + secrets.token_hex(8)
    r = mi(bins, "upload", files["a"], "--s3-endpoint", s3.endpoint, "--bucket", store_bucket,
           "--access-key", s3.access_key, "--secret-key", wrong)
    assert_storage_error(r, "upload", 403, "SignatureDoesNotMatch")
    assert "s3cr3t" not in r.stderr
    r = mi(bins, "upload", files["a"], "--s3-endpoint", s3.endpoint, "--bucket", store_bucket,
           "--access-key", s3.access_key, env={"AWS_SECRET_ACCESS_KEY": wrong})
    assert_storage_error(r, "upload", 403, "SignatureDoesNotMatch")
    assert "s3cr3t" not in r.stderr
    # --json: the same failure as one JSON object, with the store's code
    r = mi(bins, "upload", files["a"], "--s3-endpoint", s3.endpoint, "--bucket", store_bucket,
           "--access-key", s3.access_key, "--secret-key", wrong, "--json")
    assert (r.returncode, r.stdout, r.stderr.count("\n")) == (EXIT["storage"], "", 1), r.stderr
    report = json.loads(r.stderr)
    assert report["error"].pop("message")
    assert report == {"error": {"command": "upload", "kind": "storage", "code": 13, "httpStatus": 403,
                                "serverCode": 0, "storageCode": "SignatureDoesNotMatch"}}
    assert "s3cr3t" not in r.stderr

    missing = tmp_path / "no_such_file.json"
    r = mi(bins, "upload", missing, *storage_args(s3, store_bucket))
    assert r.returncode == EXIT["invalid_argument"] and r.stdout == ""
    lines = r.stderr.splitlines()[-5:]
    assert lines[0].startswith("milvus-import: upload failed: ")
    assert lines[1] == "  kind:        invalid_argument (1)"
    assert str(missing) in lines[4]

    r = mi(bins, "upload", files["a"], *storage_args(s3, store_bucket, "--part-size", "1024"))
    assert r.returncode == EXIT["invalid_argument"]
    assert r.stderr.splitlines()[-5].startswith("milvus-import: --part-size failed: ")

    r = mi(bins, "upload", files["a"], *storage_args(s3, store_bucket)[2:], "--s3-endpoint", "ftp://127.0.0.1/")
    assert r.returncode == EXIT["invalid_argument"]
    assert r.stderr.splitlines()[-5].startswith("milvus-import: --s3-endpoint failed: ")


def test_upload_ctrl_c_against_a_store_that_never_answers(bins, files):
    with SilentServer() as store:
        p = subprocess.Popen([str(bins["cli"]), "upload", str(files["a"]), "--s3-endpoint", store.url, "--bucket", "a-bucket",
                              "--access-key", "k", "--secret-key", "s3cr3t-key"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=BASE_ENV)
        assert store.accepted.wait(10)  # the first request is on its way
        time.sleep(0.2)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    assert (p.returncode, out) == (EXIT["interrupted"], b""), err
    assert elapsed < 1.5
    assert err.decode().splitlines()[-1] == (
        "milvus-import: interrupted: stopped the upload; the objects already uploaded stay in the bucket, and a "
        "rerun uploads only what is missing")


def drawn_lines(err: str) -> list[str]:
    """What a terminal shows of each redraw: the text between carriage returns, without the
    escape sequences."""
    return re.sub(r"\x1b\[\d*[A-Z]", "", err).replace("\n", "").split("\r")


# ---- import-files --------------------------------------------------------------------------------

def test_import_files_end_to_end(bins, s3, store_bucket, emu_s3, files, prefix):
    r = mi(bins, "import-files", "--url", emu_s3.url, "--collection", "quick_setup", files["a"], files["folder"],
           *storage_args(s3, store_bucket, "--prefix", prefix), "--poll-interval", "0.05",
           "--option", "timeout=300s")
    assert r.returncode == 0, r.stderr
    creates = [q for q in emu_s3.requests() if q["path"].endswith("/jobs/import/create")]
    assert [json.loads(q["body"]) for q in creates] == [{
        "collectionName": "quick_setup",
        "files": [[f"{prefix}/a.json"], [f"{prefix}/b.json"], [f"{prefix}/sub/c.json"]],
        "options": {"timeout": "300s"}}]

    jobs = [q for q in emu_s3.requests() if q["path"].endswith("/jobs/import/describe")]
    job_id = json.loads(jobs[-1]["body"])["jobId"]
    final = json.loads(mi(bins, "describe", job_id, "--url", emu_s3.url, "--json").stdout)["data"]
    assert final["state"] == "Completed"
    assert final["importedRows"] == final["totalRows"] == 3 + 5 + 1

    stored = {o["key"]: o for o in s3.list(store_bucket, prefix + "/")}
    keys = [f"{prefix}/a.json", f"{prefix}/b.json", f"{prefix}/sub/c.json"]
    out = r.stdout.splitlines()
    assert out[:2] == table(JOB_HEADERS, [job_row(final)])
    assert out[2] == ""
    assert out[3:] == table(OBJECT_HEADERS, [(k, stored[k]["size"], stored[k]["etag"], "yes") for k in keys])
    # stderr: the bytes, then the job's lines, one per change
    err = r.stderr.splitlines()
    first_job = next(i for i, line in enumerate(err) if line.startswith("job "))
    assert all(line.startswith("upload ") for line in err[:first_job])
    assert all(re.fullmatch(rf"job {job_id}: (Pending|Importing|Completed) \d+%", line) for line in err[first_job:])
    assert err[-1] == f"job {job_id}: Completed 100%"

    # --json: the one result, the objects already there
    r = mi(bins, "import-files", "--url", emu_s3.url, "--collection", "quick_setup", files["a"],
           *storage_args(s3, store_bucket, "--prefix", prefix), "--poll-interval", "0.05", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert sorted(result) == ["jobs", "objects"]
    [job] = result["jobs"]
    assert (job["state"], job["importedRows"], job["collectionName"]) == ("Completed", 3, "quick_setup")
    assert result["objects"] == [{"key": f"{prefix}/a.json", "size": stored[f"{prefix}/a.json"]["size"],
                                  "etag": stored[f"{prefix}/a.json"]["etag"], "path": str(files["a"]),
                                  "uploaded": False}]


def test_import_files_failed_job_exits_1(bins, s3, store_bucket, emu_s3, tmp_path, prefix):
    bad = tmp_path / "fail_rows.json"  # the emulator fails files named *fail*
    bad.write_text(json.dumps(ROWS_A))
    r = mi(bins, "import-files", "--url", emu_s3.url, "--collection", "quick_setup", bad,
           *storage_args(s3, store_bucket, "--prefix", prefix), "--poll-interval", "0.05")
    assert r.returncode == EXIT["job_failed"], r.stderr
    row = r.stdout.splitlines()[1]
    assert re.fullmatch(r"\d+  quick_setup  Failed  0%  +\S.*", row), row


def test_import_files_refuses_before_any_job(bins, s3, store_bucket, emu_s3, tmp_path, prefix):
    notes = tmp_path / "notes.txt"
    notes.write_text("not rows")
    r = mi(bins, "import-files", "--url", emu_s3.url, "--collection", "quick_setup", notes,
           *storage_args(s3, store_bucket, "--prefix", prefix))
    assert r.returncode == EXIT["invalid_argument"], r.stderr
    assert "notes.txt" in r.stderr.splitlines()[-1]
    assert emu_s3.requests() == []


def test_import_files_wrong_keys(bins, s3, store_bucket, emu_s3, files, prefix):
    r = mi(bins, "import-files", "--url", emu_s3.url, "--collection", "quick_setup", files["a"],
           "--s3-endpoint", s3.endpoint, "--bucket", store_bucket, "--access-key", s3.access_key,
           "--secret-key", "wrong-s3cr3t-key", "--prefix", prefix)
    assert_storage_error(r, "import-files", 403, "SignatureDoesNotMatch")
    assert "s3cr3t" not in r.stderr
    assert emu_s3.requests() == []


def test_import_files_on_a_terminal(bins, s3, store_bucket, emu_s3, files, prefix):
    rc, out, err = run_with_tty_stderr([bins["cli"], "import-files", "--url", emu_s3.url, "--collection",
                                        "quick_setup", files["a"], *storage_args(s3, store_bucket, "--prefix", prefix),
                                        "--poll-interval", "0.05"])
    assert rc == 0, err
    size = files["a"].stat().st_size
    job_id = out.splitlines()[1].split()[0]
    full = "[" + "#" * 30 + "] 100%"
    # the bytes bar ends its line once the jobs start; then the job's line, redrawn in place
    assert f"\r{full} {size} B/{size} B {prefix}/a.json\x1b[K\r\n\rjob {job_id} " in err
    assert err.endswith(f"\rjob {job_id} {full} Completed\x1b[K\r\n")
    assert "\x1b[1A" in err


def test_import_files_ctrl_c(bins, s3, store_bucket, files, prefix):
    with Emulator("--mode", "oss", "--job-seconds", "60", "--s3-endpoint", s3.endpoint, "--bucket", store_bucket,
                  "--access-key", s3.access_key, "--secret-key", s3.secret_key) as slow:
        p = subprocess.Popen([str(bins["cli"]), "import-files", "--url", slow.url, "--collection", "quick_setup",
                              str(files["a"]), *storage_args(s3, store_bucket, "--prefix", prefix),
                              "--poll-interval", "0.05"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=BASE_ENV)
        seen = [""]
        while not seen[-1].startswith("job "):  # the first poll is in
            seen.append(p.stderr.readline().decode())
            assert seen[-1] != "" or p.poll() is None, seen  # not ended before
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        [job] = json.loads(mi(bins, "list", "--url", slow.url, "--json").stdout)["data"]["records"]
    assert p.returncode == EXIT["interrupted"], err
    assert out == b""
    assert err.decode().splitlines()[-1] == (
        "milvus-import: interrupted: stopped import-files; what was uploaded stays in the bucket (a rerun "
        "uploads only what is missing), and import jobs already created keep running on the server "
        "(milvus-import list --collection quick_setup shows them)")
    assert job["state"] in ("Pending", "Importing")  # created jobs keep running on the server
    assert [o["key"] for o in s3.list(store_bucket, prefix + "/")] == [f"{prefix}/a.json"]  # stays for a rerun


# ---- wait for several jobs --------------------------------------------------------------------

def test_wait_for_several_jobs(bins, emu):
    ids = [create(bins, emu.url, "a.json"), create(bins, emu.url, "b.json")]
    r = mi(bins, "wait", *ids, "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == 0, r.stderr
    requests = emu.requests()
    finals = [json.loads(mi(bins, "describe", i, "--url", emu.url, "--json").stdout)["data"] for i in ids]
    assert r.stdout.splitlines() == table(JOB_HEADERS, [job_row(d) for d in finals])
    assert [d["state"] for d in finals] == ["Completed", "Completed"]
    lines = r.stderr.splitlines()
    for job_id in ids:
        mine = [line for line in lines if line.startswith(f"job {job_id}: ")]
        assert mine[-1] == f"job {job_id}: Completed 100%"
        assert len(mine) == len(set(mine))  # a line per change
    assert len(lines) == sum(1 for line in lines if re.fullmatch(r"job \d+: \w+ \d+%", line))

    # Polls list the jobs; each job is described once, when it finished.
    waits = requests[2:]
    assert [q["path"].rsplit("/", 1)[1] for q in requests[:2]] == ["create", "create"]
    described = [json.loads(q["body"])["jobId"] for q in waits if q["path"].endswith("/describe")]
    assert sorted(described) == sorted(ids)
    assert all(q["path"].endswith(("/list", "/describe")) for q in waits)
    assert all("collectionName" not in json.loads(q["body"]) for q in waits if q["path"].endswith("/list"))

    r = mi(bins, "wait", *ids, "--url", emu.url, "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"code": 0, "data": {"jobs": finals}}


def test_wait_for_a_collection_and_a_failed_job(bins, emu):
    ok, failed = create(bins, emu.url, "a.json"), create(bins, emu.url, "fail_b.json")
    r = mi(bins, "wait", "--collection", "quick_setup", "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == EXIT["job_failed"], r.stderr
    finals = [json.loads(mi(bins, "describe", i, "--url", emu.url, "--json").stdout)["data"] for i in (ok, failed)]
    assert [d["state"] for d in finals] == ["Completed", "Failed"]
    assert r.stdout.splitlines() == table(JOB_HEADERS, [job_row(d) for d in finals])
    lists = [json.loads(q["body"]) for q in emu.requests() if q["path"].endswith("/list")]
    assert lists and all(body["collectionName"] == "quick_setup" for body in lists)

    # Nothing left unfinished: the set is empty, the wait ends at once.
    r = mi(bins, "wait", "--collection", "quick_setup", "--url", emu.url, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"code": 0, "data": {"jobs": []}}


def test_wait_for_several_jobs_on_a_terminal(bins, emu):
    ids = [create(bins, emu.url, "a.json"), create(bins, emu.url, "b.json")]
    rc, out, err = run_with_tty_stderr([bins["cli"], "wait", *ids, "--url", emu.url, "--poll-interval", "0.05"])
    assert rc == 0, err
    bar = "[" + "#" * 30 + "] 100% Completed\x1b[K\r\n"
    assert err.endswith(f"\rjob {ids[0]} {bar}\rjob {ids[1]} {bar}")
    assert "\x1b[2A" in err  # the two lines are redrawn in place
    assert [line.split()[0] for line in out.splitlines()[1:]] == ids

    # 40 columns: "job ID " leaves the shortest bar, and the state is cut at the 39th column
    rc, out, err = run_with_tty_stderr([bins["cli"], "wait", *ids, "--url", emu.url, "--poll-interval", "0.05"],
                                       rows=24, columns=40)
    assert rc == 0, err
    assert err.endswith(f"\rjob {ids[0]} [#####] 100% Com\x1b[K\r\n\rjob {ids[1]} [#####] 100% Com\x1b[K\r\n")
    assert all(len(line) <= 39 for line in drawn_lines(err)), err


def test_wait_for_more_jobs_than_terminal_lines(bins, emu):
    """Three jobs on a terminal three lines high: one summary bar, redrawn in place."""
    ids = [create(bins, emu.url, name) for name in ("a.json", "b.json", "c.json")]
    rc, out, err = run_with_tty_stderr([bins["cli"], "wait", *ids, "--url", emu.url, "--poll-interval", "0.05"],
                                       rows=3, columns=80)
    assert rc == 0, err
    assert err.startswith("\r[")
    assert err.endswith("\r[" + "#" * 30 + "] 100% 3 of 3 jobs finished\x1b[K\r\n")
    assert err.count("\n") == 1 and "job " not in err
    assert [line.split()[0] for line in out.splitlines()[1:]] == ids


def test_wait_for_several_jobs_errors(bins, emu):
    job_id = create(bins, emu.url, "a.json")
    r = mi(bins, "wait", job_id, "448761313698322999", "--url", emu.url, "--poll-interval", "0.05")
    assert r.returncode == EXIT["job_not_found"], r.stderr
    lines = r.stderr.splitlines()[-5:]
    assert lines[0].startswith("milvus-import: wait failed: ")
    assert lines[1] == "  kind:        job_not_found (10)"

    with Emulator("--mode", "oss", "--job-seconds", "60") as slow:
        ids = [create(bins, slow.url, "a.json"), create(bins, slow.url, "b.json")]
        r = mi(bins, "wait", *ids, "--url", slow.url, "--timeout", "0.3", "--poll-interval", "0.05")
        assert r.returncode == EXIT["timeout"]
        assert r.stderr.splitlines()[-4] == "  kind:        timeout (3)"

        p = subprocess.Popen([str(bins["cli"]), "wait", *ids, "--url", slow.url, "--poll-interval", "0.05"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=BASE_ENV)
        first = p.stderr.readline().decode()  # the first poll is in: the handler is set
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    assert first.startswith(f"job {ids[0]}: Pending ")
    assert p.returncode == EXIT["interrupted"], err
    assert out == b""
    assert err.decode().splitlines()[-1] == ("milvus-import: interrupted: stopped waiting for the import jobs; they "
                                             "keep running on the server (the same milvus-import wait follows them)")
