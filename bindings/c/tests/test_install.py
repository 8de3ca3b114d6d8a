"""What `make install` and `make uninstall` give C and C++ projects: the files in their places
(DESTDIR and PREFIX honoured), the CMake package (`find_package(milvus_import CONFIG)` and the
imported target milvus_import::milvus_import), the header from C++17, and an uninstall that
leaves the prefix as it was. Runs `make` in the repository: the library is already built by
`make test-c`, so each install only copies files."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "Tests" / "emulator"))
from harness import Emulator  # noqa: E402

VERSION = next(line.split('"')[1] for line in (ROOT / "include" / "milvus_import.h").read_text().splitlines()
               if line.startswith("#define MILVUS_IMPORT_VERSION "))
INSTALLED = {
    "bin/milvus-import", "include/milvus_import.h", f"lib/libmilvus_import.so.{VERSION}",
    "lib/libmilvus_import.so.0", "lib/libmilvus_import.so", "lib/pkgconfig/milvus_import.pc",
    "lib/cmake/milvus_import/milvus_importConfig.cmake",
    "lib/cmake/milvus_import/milvus_importConfigVersion.cmake", "share/milvus_import/install_manifest.txt",
    "share/milvus_import/valgrind.supp",
}
ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def make(*args: str) -> subprocess.CompletedProcess:
    r = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], env=ENV,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) + ("/" if p.is_dir() and not p.is_symlink() else "")
            for p in root.rglob("*")}


@pytest.fixture(scope="module")
def prefix(tmp_path_factory) -> Path:
    """An installed prefix, for the builds below."""
    where = tmp_path_factory.mktemp("prefix")
    make("install", f"PREFIX={where}")
    return where


def test_install_and_uninstall_with_destdir_leave_the_prefix_as_before(tmp_path):
    dest, prefix = tmp_path / "dest", "/opt/milvus-import-test"
    root = dest / prefix.lstrip("/")
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "someone-else.so").write_text("not ours")
    (root / "share" / "doc").mkdir(parents=True)
    before = tree(dest)
    make("install", f"PREFIX={prefix}", f"DESTDIR={dest}")
    files = {f for f in tree(root) if not f.endswith("/")} - {"lib/someone-else.so"}
    assert files == INSTALLED
    pc = (root / "lib" / "pkgconfig" / "milvus_import.pc").read_text()
    assert f"prefix={prefix}\n" in pc and "-Wl,-rpath,${libdir}" in pc and f"Version: {VERSION}\n" in pc
    assert os.readlink(root / "lib" / "libmilvus_import.so.0") == f"libmilvus_import.so.{VERSION}"
    make("install", f"PREFIX={prefix}", f"DESTDIR={dest}")  # again, over itself
    make("uninstall", f"PREFIX={prefix}", f"DESTDIR={dest}")
    assert tree(dest) == before


def test_uninstall_refuses_a_prefix_without_our_files(tmp_path):
    r = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "uninstall", f"PREFIX={tmp_path}"],
                       env=ENV, capture_output=True, text=True)
    assert r.returncode != 0
    assert f"uninstall: no {tmp_path}/share/milvus_import/install_manifest.txt" in r.stderr


def test_cmake_builds_the_example_from_an_installed_prefix(prefix, tmp_path):
    if shutil.which("cmake") is None:
        pytest.fail("cmake is missing: `make test-c` installs it (apt-get install cmake)")
    build = tmp_path / "build"
    example = ROOT / "bindings" / "c" / "examples" / "list_import_jobs.c"
    r = subprocess.run(["cmake", "-S", str(Path(__file__).parent / "cmake_project"), "-B", str(build),
                        f"-DCMAKE_PREFIX_PATH={prefix}", f"-DEXAMPLE_SOURCE={example}",
                        "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"milvus_import {VERSION}" not in r.stderr
    r = subprocess.run(["cmake", "--build", str(build)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    with Emulator("--mode", "oss") as emu:
        run = subprocess.run([str(build / "list_import_jobs"), emu.url], capture_output=True, text=True,
                             env={**ENV, "NO_PROXY": "127.0.0.1"}, timeout=60)
    assert run.returncode == 0, run.stderr
    ldd = subprocess.run(["ldd", str(build / "list_import_jobs")], capture_output=True, text=True).stdout
    assert f"{prefix}/lib/libmilvus_import.so.0" in ldd


def test_cmake_refuses_a_newer_version_than_installed(prefix, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\nproject(p C)\nfind_package(milvus_import 99.0 CONFIG REQUIRED)\n")
    r = subprocess.run(["cmake", "-S", str(project), "-B", str(tmp_path / "b"), f"-DCMAKE_PREFIX_PATH={prefix}"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "milvus_import" in r.stderr and VERSION in r.stderr


def test_the_header_compiles_as_cxx17_and_links(prefix, tmp_path):
    out = tmp_path / "cxx_example"
    env = {**ENV, "PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig")}
    cmd = (f"c++ -std=c++17 -Wall -Wextra -pedantic -Werror -o {out} {Path(__file__).parent / 'cxx_example.cpp'}"
           " $(pkg-config --cflags --libs milvus_import)")
    r = subprocess.run(["sh", "-c", cmd], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    with Emulator("--mode", "oss") as emu:
        run = subprocess.run([str(out), emu.url], capture_output=True, text=True,
                             env={**ENV, "NO_PROXY": "127.0.0.1"}, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f'{VERSION}\n{{"code":0,"data":{{"records":[]}}}}\n'
