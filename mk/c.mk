# mk/c.mk: the C side. The milvus-import command (installed to PREFIX/bin by `make install`
# through INSTALL_HOOKS), and `make test-c`: examples, Tests/sanitizers/every_call.c (every
# export with NULL, bad values, every success and failure kind), the export check and every
# CLI command, built against the staged install tree (build/stage) the way a C user builds:
# `cc ... $(pkg-config --cflags --libs milvus_import)`.

C_DIR      := bindings/c
C_BUILD    := $(BUILD)/c
C_CFLAGS   := -std=c11 -O2 -Wall -Wextra -Werror
C_CLI_SRCS := $(wildcard $(C_DIR)/cli/*.c)

.PHONY: install-cli test-c cmake-dep
INSTALL_HOOKS += install-cli
INSTALL_HOOK_FILES += bin/milvus-import
TEST_TARGETS  += test-c

# Run by `make install` after the library, header and .pc are in $(DESTDIR)$(PREFIX). The
# .pc names PREFIX, which is not where the files are while DESTDIR is set, so the paths are
# given directly; the rpath is the final PREFIX/lib, as the .pc's own Libs line has it.
install-cli: | deps
	@test -f $(DESTDIR)$(PREFIX)/include/milvus_import.h || \
	  { echo "install-cli: no $(DESTDIR)$(PREFIX)/include/milvus_import.h: run make install" >&2; exit 1; }
	@mkdir -p $(C_BUILD)
	$(CC) $(C_CFLAGS) -I$(DESTDIR)$(PREFIX)/include $$(pkg-config --cflags jansson) \
	  -o $(C_BUILD)/milvus-import.tmp $(C_CLI_SRCS) \
	  -L$(DESTDIR)$(PREFIX)/lib -Wl,-rpath,$(PREFIX)/lib -lmilvus_import $$(pkg-config --libs jansson)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(C_BUILD)/milvus-import.tmp $(DESTDIR)$(PREFIX)/bin/milvus-import
	@rm -f $(C_BUILD)/milvus-import.tmp

# CMake (Debian's package) for the CMake-package test, installed when missing.
cmake-dep:
	@command -v cmake >/dev/null 2>&1 || { echo "installing cmake (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq cmake >/dev/null; }

test-c: stage venv cmake-dep valgrind-dep
	$(PYTEST) -q -p no:cacheprovider $(C_DIR)/tests
