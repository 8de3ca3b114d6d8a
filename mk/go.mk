# mk/go.mk: the Go binding (bindings/go, package milvusimport) and `make test-go`: go vet
# and go test (with the race detector) against the staged install tree (build/stage), found
# through pkg-config as a Go user's build finds an installed library. Go is Debian's
# golang-go, installed when missing; the standard library is its only dependency, so no
# module proxy is used. GOPATH and the build cache stay under build/.

GO_DIR := bindings/go
GO_ENV := PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig GOPATH=$(abspath $(BUILD)/gopath) \
          GOCACHE=$(abspath $(BUILD)/go-cache) GOPROXY=off GOFLAGS= CGO_ENABLED=1

.PHONY: go-dep test-go
TEST_TARGETS += test-go

# Go (Debian's package) for the Go binding, installed when missing.
go-dep:
	@command -v go >/dev/null 2>&1 || { echo "installing golang-go (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq golang-go >/dev/null; }

test-go: stage go-dep
	cd $(GO_DIR) && $(GO_ENV) go vet ./... && $(GO_ENV) go test -race -count=1 ./...
