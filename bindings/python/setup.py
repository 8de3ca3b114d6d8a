"""Builds the package with the version of include/milvus_import.h, the project's one
version source (pyproject.toml declares the version dynamic; the rest of the metadata is
there)."""

import re
from pathlib import Path

from setuptools import setup

HEADER = Path(__file__).resolve().parents[2] / "include" / "milvus_import.h"
VERSION = re.search(r'#define MILVUS_IMPORT_VERSION "([^"]+)"', HEADER.read_text(encoding="utf-8"))
if VERSION is None:
    raise SystemExit(f"no MILVUS_IMPORT_VERSION in {HEADER}")

setup(version=VERSION.group(1))
