# The Milvus import REST emulator and the conformance tests (issue 4).
#   make test-emulator      the emulator's own tests (Tests/emulator)
#   make test-conformance   pymilvus against the emulator; a real Milvus 2.3.5 against both
#   make venv-milvus        build/venv-milvus: PyPI's embedded Milvus 2.3.5 for the real-server test
# The top-level Makefile defines BUILD, VENV, PY, PYTEST and `venv`.

MILVUS_VENV := $(abspath $(BUILD)/venv-milvus)
MILVUS_REQS := Tests/conformance/requirements-milvus.txt

.PHONY: test-emulator test-conformance venv-milvus

test-emulator: venv
	$(PYTEST) -q Tests/emulator

venv-milvus $(BUILD)/venv-milvus: $(MILVUS_VENV)/.ok
$(MILVUS_VENV)/.ok: $(MILVUS_REQS)
	python3 -m venv $(MILVUS_VENV)
	$(MILVUS_VENV)/bin/python -m pip install -q --disable-pip-version-check -r $(MILVUS_REQS)
	@touch $@

# A failed install of the real server does not stop the run: its tests then skip, loudly.
# The library is compared with pymilvus through its C ABI and its Python binding (from source).
test-conformance: lib venv
	@$(MAKE) --no-print-directory venv-milvus || \
	  echo "!!!!! venv-milvus: could not install milvus (see above); the real-Milvus tests will SKIP !!!!!" >&2
	MILVUS_IMPORT_LIBRARY=$(abspath $(LIBFILE)) PYTHONPATH=$(abspath bindings/python) \
	  $(PYTEST) -q -rs Tests/conformance

TEST_TARGETS += test-emulator test-conformance
