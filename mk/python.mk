# mk/python.mk: the Python binding (bindings/python) and its integration tests.
#
#   make test-python   build the library and the venv, pip-install ./bindings/python into
#                      the venv, and run pytest Tests/integration against build/lib's .so
#
# Uses VENV, PY, PYTEST, LIBFILE and the `lib`/`venv` targets of the top-level Makefile.

PY_BINDING_DIR    := bindings/python
PY_INTEGRATION    := Tests/integration
PY_LIBRARY        := $(abspath $(LIBDIR)/$(LIBBASE))
PYTEST_ARGS       ?= -q -rfEsx

.PHONY: test-python python-install

# With setuptools and wheel already in the venv, build without an isolated env (no
# download); otherwise pip fetches the build backend from PyPI into an isolated env.
# The build leftovers inside bindings/python are removed afterwards.
python-install: venv
	@if $(PY) -c "import setuptools, wheel" 2>/dev/null; then iso=--no-build-isolation; else iso=; fi; \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall $$iso ./$(PY_BINDING_DIR); \
	  rc=$$?; rm -rf $(PY_BINDING_DIR)/build $(PY_BINDING_DIR)/*.egg-info; exit $$rc

test-python: lib venv python-install
	cd $(CURDIR) && MILVUS_IMPORT_LIBRARY=$(PY_LIBRARY) $(PYTEST) $(PYTEST_ARGS) -p no:cacheprovider $(PY_INTEGRATION)

TEST_TARGETS += test-python
