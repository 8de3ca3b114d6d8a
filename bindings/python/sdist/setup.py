"""The setup.py at the root of milvus-import's sdist and of the tree `make wheel` builds from.

That root holds the Python package (milvus_import/, pyproject.toml, README.md) beside what
`make lib` needs to build the library from source (Makefile, mk/exports.map, Package.swift,
Sources/, include/, and Tests/MilvusImportCoreTests/ and Tests/MilvusImportTests/, which
Package.swift names). The version is include/milvus_import.h's MILVUS_IMPORT_VERSION, the
project's one version source.

The wheel is py3-none-<platform>: the package holds a native library that it loads with
ctypes and no Python extension, so it fits any Python 3 on that platform.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent
HEADER = ROOT / "include" / "milvus_import.h"
MATCH = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', HEADER.read_text(encoding="utf-8"))
if MATCH is None:
    raise SystemExit(f"no MILVUS_IMPORT_VERSION in {HEADER}")
VERSION = MATCH.group(1)
# the library's name inside the package: its SONAME, which milvus_import/_lib.py looks for
SONAME = f"libmilvus_import.so.{VERSION.split('.')[0]}"

NO_TOOLCHAIN = """milvus-import: building the library from source needs a Swift 6.3 toolchain
(`swift` on PATH, or SWIFT=/path/to/swift), make, pkg-config and the jansson, libcurl and
libcrypto development files (Debian: libjansson-dev libcurl4-openssl-dev libssl-dev).
Without them, install the manylinux wheel instead: it has the library inside."""


class BuildPyWithLibrary(build_py):
    """Copies the package and puts the library into it as milvus_import/<SONAME>: the copy
    already beside the sources (`make wheel` puts build/lib's there), else one that
    `make lib` builds here from source."""

    def run(self) -> None:
        super().run()
        if (ROOT / "milvus_import" / SONAME).is_file():
            return  # build_py copied it as package data
        swift = os.environ.get("SWIFT", "swift")
        if shutil.which(swift) is None or shutil.which("make") is None:
            raise SystemExit(NO_TOOLCHAIN)
        subprocess.run(["make", "lib", f"SWIFT={swift}"], cwd=ROOT, check=True)
        built = ROOT / "build" / "lib" / f"libmilvus_import.so.{VERSION}"
        self.copy_file(str(built), str(Path(self.build_lib) / "milvus_import" / SONAME))


class PlatformDistribution(Distribution):
    """Not pure: the package installs in platlib and its wheel has a platform tag."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):
    """Tagged py3-none-<platform> rather than for one CPython ABI."""

    def get_tag(self):
        return "py3", "none", super().get_tag()[2]


setup(
    version=VERSION,
    distclass=PlatformDistribution,
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel},
    # setuptools' own build folder apart from the build/lib that `make lib` fills
    options={"build": {"build_base": "build/python"}},
)
