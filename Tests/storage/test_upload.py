"""milvus_client_upload_files against a real S3 server (SeaweedFS on loopback), through the
raw C ABI: objects read back byte for byte, multipart at the smallest part size, resume by
size and ETag, cancel and failures that leave no multipart upload behind, S3 refusals as
MILVUS_ERR_STORAGE with their S3 code, and no secret in any message.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

import pytest

from milvus_abi import INTERRUPT_FN, KINDS, PROGRESS_FN, load, take

MiB = 1 << 20
PART = 5 * MiB  # S3's smallest part size


@pytest.fixture(scope="module")
def lib():
    return load()


@dataclass
class Result:
    objects: Optional[list]
    kind: str
    http: int
    storage_code: str
    message: str
    progress: List[dict] = field(default_factory=list)


class Uploader:
    """A client with the object store set, and its upload call."""

    def __init__(self, lib, endpoint: str, access_key: str, secret_key: str,
                 session_token: Optional[str] = None, part_size: int = PART, stall_ms: int = 0):
        self.lib = lib
        self.client = lib.milvus_client_new(b"http://127.0.0.1:19530")
        assert lib.milvus_client_set_storage(self.client, endpoint.encode(), b"us-east-1", access_key.encode(),
                                             secret_key.encode(),
                                             session_token.encode() if session_token else None) == 0
        assert lib.milvus_client_set_upload_part_size(self.client, part_size) == 0
        if stall_ms:
            assert lib.milvus_client_set_upload_stall_timeout_ms(self.client, stall_ms) == 0

    def upload(self, bucket: str, paths, prefix: Optional[str] = None,
               stop: Callable[[dict], bool] = lambda _: False) -> Result:
        request = {"bucket": bucket, "paths": [str(p) for p in paths]}
        if prefix is not None:
            request["prefix"] = prefix
        seen: List[dict] = []

        @PROGRESS_FN
        def on_progress(text, _user):
            seen.append(json.loads(text))
            return 1 if stop(seen[-1]) else 0

        text = take(self.lib, self.lib.milvus_client_upload_files(self.client, json.dumps(request).encode(),
                                                                  on_progress, None))
        lib = self.lib
        return Result(json.loads(text)["data"]["objects"] if text is not None else None,
                      KINDS[lib.milvus_last_error_code()], lib.milvus_last_error_http_status(),
                      lib.milvus_last_error_storage_code().decode(),
                      lib.milvus_last_error_message().decode(), seen)

    def close(self):
        self.lib.milvus_client_free(self.client)


@pytest.fixture
def uploader(lib, seaweed):
    made = []

    def make(endpoint: Optional[str] = None, secret_key: Optional[str] = None, **kw) -> Uploader:
        made.append(Uploader(lib, endpoint or seaweed.endpoint, seaweed.access_key,
                             secret_key or seaweed.secret_key, **kw))
        return made[-1]

    yield make
    for u in made:
        u.close()


def md5_etag(data: bytes, part_size: int = PART) -> str:
    """The ETag S3 gives `data`: its MD5 from one PUT, md5 of the parts' MD5s from a multipart upload."""
    if len(data) <= part_size:
        return hashlib.md5(data).hexdigest()
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---- uploads -------------------------------------------------------------------------------

def test_files_and_folders_arrive_byte_for_byte(uploader, seaweed, bucket, tmp_path):
    single = write(tmp_path / "rows 1+2&ü.json", b'[{"id": 1}]\n')
    folder = tmp_path / "table"
    write(folder / "b.csv", b"id,v\n1,2\n")
    write(folder / "vectors" / "a.npy", os.urandom(3000))
    write(folder / ".hidden", b"not uploaded")
    write(folder / ".cache" / "x", b"not uploaded")
    empty = write(tmp_path / "empty.jsonl", b"")

    result = uploader().upload(bucket, [single, folder, empty], prefix="/imports/2026/")

    assert result.kind == "ok", result.message
    keys = ["imports/2026/rows 1+2&ü.json", "imports/2026/b.csv", "imports/2026/vectors/a.npy",
            "imports/2026/empty.jsonl"]
    paths = [single, folder / "b.csv", folder / "vectors" / "a.npy", empty]
    assert result.objects == [
        {"key": k, "size": p.stat().st_size, "etag": md5_etag(p.read_bytes()), "path": str(p), "uploaded": True}
        for k, p in zip(keys, paths)]
    assert seaweed.list(bucket) == sorted(({"key": o["key"], "size": o["size"], "etag": o["etag"]}
                                           for o in result.objects), key=lambda o: o["key"])
    for key, path in zip(keys, paths):
        assert seaweed.get(bucket, key) == path.read_bytes()
    total = sum(p.stat().st_size for p in paths)
    assert result.progress[-1] == {"phase": "upload", "key": keys[-1], "bytesDone": total, "bytesTotal": total}
    assert all(p["phase"] == "upload" and p["bytesTotal"] == total for p in result.progress)
    done = [p["bytesDone"] for p in result.progress]
    assert done == sorted(done)


def test_multipart_at_the_smallest_part_size(uploader, seaweed, bucket, tmp_path):
    data = os.urandom(12 * MiB + 12345)  # three parts: 5 MiB, 5 MiB, 2 MiB + 12345
    path = write(tmp_path / "big.parquet", data)

    result = uploader().upload(bucket, [path])

    assert result.kind == "ok", result.message
    assert result.objects == [{"key": "big.parquet", "size": len(data), "etag": md5_etag(data),
                               "path": str(path), "uploaded": True}]
    assert result.objects[0]["etag"].endswith("-3")
    assert seaweed.get(bucket, "big.parquet") == data
    assert seaweed.list_multipart_uploads(bucket) == []
    assert result.progress[-1]["bytesDone"] == len(data)


def test_a_rerun_uploads_nothing_and_a_changed_file_goes_again(uploader, seaweed, bucket, tmp_path):
    small = write(tmp_path / "d" / "rows.json", b'[{"id": 1}]')
    big = write(tmp_path / "d" / "big.npy", os.urandom(11 * MiB))
    up = uploader()
    first = up.upload(bucket, [tmp_path / "d"])
    assert [o["uploaded"] for o in first.objects] == [True, True]

    again = up.upload(bucket, [tmp_path / "d"])
    assert again.kind == "ok", again.message
    assert again.objects == [dict(o, uploaded=False) for o in first.objects]
    # Nothing was sent: the only progress texts are the whole objects, skipped.
    assert [p["bytesDone"] for p in again.progress] == [big.stat().st_size, big.stat().st_size + 11]

    # Same sizes, other bytes: both differ by ETag and go up again.
    write(small, b'[{"id": 2}]')
    changed = bytearray(big.read_bytes())
    changed[-1] ^= 0xFF
    write(big, bytes(changed))
    third = up.upload(bucket, [tmp_path / "d"])
    assert [o["uploaded"] for o in third.objects] == [True, True]
    assert seaweed.get(bucket, "rows.json") == b'[{"id": 2}]'
    assert seaweed.get(bucket, "big.npy") == bytes(changed)
    assert third.objects[0]["etag"] == md5_etag(bytes(changed))


def test_a_different_part_size_uploads_again(uploader, seaweed, bucket, tmp_path):
    data = os.urandom(11 * MiB)
    path = write(tmp_path / "big.npy", data)
    assert uploader().upload(bucket, [path]).objects[0]["etag"] == md5_etag(data, PART)
    # With 6 MiB parts the local ETag is not the stored one: the object is sent again.
    again = uploader(part_size=6 * MiB).upload(bucket, [path])
    assert again.objects[0]["uploaded"] is True
    assert again.objects[0]["etag"] == md5_etag(data, 6 * MiB)


# ---- cancel and failures leave no parts behind --------------------------------------------

def test_cancel_mid_multipart_aborts_it_and_a_rerun_finishes(uploader, seaweed, bucket, tmp_path):
    data = os.urandom(24 * MiB)
    path = write(tmp_path / "big.csv", data)
    up = uploader()

    result = up.upload(bucket, [path], stop=lambda p: p["bytesDone"] >= 3 * MiB)

    assert result.kind == "cancelled"
    assert "cancelled by the progress callback" in result.message
    assert 3 * MiB <= result.progress[-1]["bytesDone"] < len(data)
    assert seaweed.list_multipart_uploads(bucket) == []
    assert seaweed.list(bucket) == []

    rerun = up.upload(bucket, [path])
    assert rerun.objects[0]["uploaded"] is True
    assert seaweed.get(bucket, "big.csv") == data


def test_an_interrupt_mid_multipart_aborts_it(lib, uploader, seaweed, bucket, tmp_path):
    """The client's interrupt check (milvus_client_set_interrupt) stops an upload as the
    progress callback does: CANCELLED, and the unfinished multipart upload is aborted."""
    data = os.urandom(24 * MiB)
    path = write(tmp_path / "big.csv", data)
    up = uploader()
    sent = [0]

    @INTERRUPT_FN
    def interrupt(_user):
        return 1 if sent[0] >= 3 * MiB else 0

    assert lib.milvus_client_set_interrupt(up.client, interrupt, None) == 0
    result = up.upload(bucket, [path], stop=lambda p: sent.__setitem__(0, p["bytesDone"]) or False)

    assert result.kind == "cancelled"
    assert result.message.startswith(f"upload {path} to s3://{bucket}/big.csv (part ")
    assert result.message.endswith(": interrupted")
    assert seaweed.list_multipart_uploads(bucket) == []
    assert seaweed.list(bucket) == []


def test_cancel_after_a_whole_object_keeps_it(uploader, seaweed, bucket, tmp_path):
    first = write(tmp_path / "a.json", b"[1]")
    second = write(tmp_path / "b.json", b"[2]")
    result = uploader().upload(bucket, [first, second], stop=lambda p: p["key"] == "b.json")
    assert result.kind == "cancelled"
    assert result.message == f"upload {second} to s3://{bucket}/b.json: cancelled by the progress callback"
    assert "a.json" in [o["key"] for o in seaweed.list(bucket)]


def test_wrong_secret_key_is_a_storage_error_without_the_secret(uploader, seaweed, bucket, tmp_path):
    wrong = "Wr0ng/Secret+Key-" + "x" * 20
    small = write(tmp_path / "rows.json", b"[]")
    big = write(tmp_path / "big.npy", os.urandom(6 * MiB))
    up = uploader(secret_key=wrong)
    for path, step in ((small, ""), (big, " (start a multipart upload)")):
        result = up.upload(bucket, [path])
        assert (result.kind, result.http, result.storage_code) == ("storage", 403, "SignatureDoesNotMatch")
        assert result.message.startswith(f"upload {path} to s3://{bucket}/{path.name}{step}: S3 error"
                                         " SignatureDoesNotMatch (HTTP 403): ")
        assert wrong not in result.message
    assert seaweed.list(bucket) == [] and seaweed.list_multipart_uploads(bucket) == []


def test_missing_bucket_is_no_such_bucket(uploader, tmp_path):
    small = write(tmp_path / "rows.json", b"[]")
    big = write(tmp_path / "big.npy", os.urandom(6 * MiB))
    up = uploader()
    for path, step in ((small, ""), (big, " (start a multipart upload)")):
        result = up.upload("no-such-bucket-here", [path])
        assert (result.kind, result.http, result.storage_code) == ("storage", 404, "NoSuchBucket")
        assert result.message == (f"upload {path} to s3://no-such-bucket-here/{path.name}{step}: S3 error"
                                  " NoSuchBucket (HTTP 404): The specified bucket does not exist")


def test_the_storage_code_is_cleared_by_the_next_call(lib, uploader, tmp_path):
    up = uploader(secret_key="wrong")
    assert up.upload("no-such-bucket-here", [write(tmp_path / "a.json", b"[]")]).storage_code == "SignatureDoesNotMatch"
    assert lib.milvus_client_set_upload_part_size(up.client, 1) == 1
    assert lib.milvus_last_error_storage_code() == b""
    assert lib.milvus_status_string(13) == b"object store error"


class CuttingProxy:
    """A TCP proxy to the S3 port that, once, does something to the first connection that
    has sent `after` bytes towards the server: "reset" closes both sides with RST,
    "stall" stops forwarding it (both ways) until the proxy closes. Other connections pass."""

    def __init__(self, upstream_port: int, after: int, mode: str):
        self.upstream_port, self.after, self.mode = upstream_port, after, mode
        self.fired = threading.Event()
        self.closing = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [client, server]
            state = {"sent": 0, "victim": False}
            threading.Thread(target=self._pump, args=(client, server, state, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, False), daemon=True).start()

    def _pump(self, source, sink, state, upward):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                if upward:
                    state["sent"] += len(data)
                    if state["sent"] >= self.after and not self.fired.is_set():
                        self.fired.set()
                        state["victim"] = True
                        if self.mode == "reset":
                            for s in (source, sink):
                                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                                s.close()
                            return
                if state["victim"]:  # stall: hold everything until the proxy closes
                    self.closing.wait()
                    return
                sink.sendall(data)
        except OSError:
            return

    def close(self):
        self.closing.set()
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


@pytest.fixture
def proxy(seaweed):
    made = []

    def make(after: int, mode: str) -> CuttingProxy:
        made.append(CuttingProxy(int(seaweed.endpoint.rsplit(":", 1)[1]), after, mode))
        return made[-1]

    yield make
    for p in made:
        p.close()


def test_a_reset_mid_upload_is_transport_and_leaves_no_parts(uploader, proxy, seaweed, bucket, tmp_path):
    path = write(tmp_path / "big.npy", os.urandom(12 * MiB))
    cut = proxy(after=2 * MiB, mode="reset")
    result = uploader(endpoint=cut.endpoint).upload(bucket, [path])
    assert cut.fired.is_set()
    assert result.kind == "transport", result.message
    assert result.message.startswith(f"upload {path} to s3://{bucket}/big.npy (part ")
    assert seaweed.list_multipart_uploads(bucket) == []
    assert seaweed.list(bucket) == []


def test_a_stalled_upload_times_out_by_the_stall_limit(uploader, proxy, seaweed, bucket, tmp_path):
    path = write(tmp_path / "big.npy", os.urandom(12 * MiB))
    hold = proxy(after=1 * MiB, mode="stall")
    result = uploader(endpoint=hold.endpoint, stall_ms=800).upload(bucket, [path])
    assert result.kind == "timeout", result.message
    assert "no byte moved for 800 ms (the upload stall limit)" in result.message
    assert seaweed.list_multipart_uploads(bucket) == []


# ---- bad input: a clear error, nothing sent ------------------------------------------------

def test_bad_requests_send_nothing(lib, uploader, seaweed, bucket, tmp_path):
    up = uploader()
    missing = tmp_path / "nope.json"
    result = up.upload(bucket, [missing])
    assert (result.kind, result.message) == ("invalid_argument", f"cannot read {missing}: No such file or directory")
    result = up.upload("Bad Bucket", [write(tmp_path / "a.json", b"[]")])
    assert result.kind == "invalid_argument" and '"Bad Bucket" is not a valid bucket name' in result.message
    # 10001 parts of 5 MiB: refused before anything is sent (a sparse file, no disk used).
    huge = tmp_path / "huge.npy"
    with open(huge, "wb") as f:
        f.truncate(PART * 10_000 + 1)
    result = up.upload(bucket, [huge])
    assert result.message == (f"{huge} needs more than 10000 parts of {PART} bytes; set a larger upload part size")
    assert seaweed.list(bucket) == [] and seaweed.list_multipart_uploads(bucket) == []

    client = lib.milvus_client_new(b"http://127.0.0.1:19530")
    try:
        assert take(lib, lib.milvus_client_upload_files(client, b'{"bucket":"b","paths":["x"]}', None, None)) is None
        assert lib.milvus_last_error_message() == b"no object store is set: call milvus_client_set_storage first"
        assert lib.milvus_client_set_storage(client, None, None, b"", b"s", None) == 1
        assert lib.milvus_client_set_storage(client, b"ftp://x", None, b"a", b"s", None) == 1
        assert lib.milvus_client_set_storage_virtual_host(client, 1) == 1
        assert lib.milvus_client_set_upload_part_size(client, PART - 1) == 1
        assert lib.milvus_client_set_upload_stall_timeout_ms(client, 0) == 1
    finally:
        lib.milvus_client_free(client)


def test_no_secret_in_any_message(uploader, proxy, seaweed, bucket, tmp_path):
    secret, token = "N0t/Th1s+Secret=" + "y" * 16, "T0ken/Sess+ion="
    small = write(tmp_path / "a.json", b"[]")
    big = write(tmp_path / "big.npy", os.urandom(6 * MiB))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    messages = []
    for endpoint in (seaweed.endpoint, f"http://127.0.0.1:{closed_port}", proxy(1 * MiB, "reset").endpoint):
        up = uploader(endpoint=endpoint, secret_key=secret, session_token=token)
        for paths, bucket_name in (([small], bucket), ([big], bucket), ([small], "no-such-bucket-here"),
                                   ([tmp_path / "missing"], bucket)):
            result = up.upload(bucket_name, paths)
            assert result.kind != "ok"
            messages.append(result.message)
    assert len(messages) == 12
    for message in messages:
        assert secret not in message and token not in message and seaweed.secret_key not in message
