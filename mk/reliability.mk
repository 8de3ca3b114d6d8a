# mk/reliability.mk: `make test-reliability`, the reliability and security suite of issue 5
# (Tests/reliability): hostile servers, caller misuse, threads (Tests/sanitizers/threads.c run
# plain), TLS and secrets, against the built library through raw ctypes
# (Tests/support/milvus_abi.py) and C programs compiled at test time with $(CC).
# Needs cc and the openssl command; talks only to 127.0.0.1. About 25 s on two cores.

RELIABILITY_DIR := Tests/reliability

.PHONY: test-reliability
TEST_TARGETS += test-reliability

test-reliability: lib venv
	MILVUS_IMPORT_LIBRARY=$(abspath $(LIBFILE)) CC=$(CC) \
	  $(PYTEST) -q -p no:cacheprovider $(RELIABILITY_DIR)
