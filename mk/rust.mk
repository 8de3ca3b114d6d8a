# mk/rust.mk: the Rust binding (bindings/rust, crate milvus-import) and `make test-rust`:
# cargo test (the tests start their own emulator, or use MILVUS_URL), cargo doc with
# warnings as errors, and cargo clippy when it is installed, against the staged install
# tree (build/stage), found through pkg-config by the crate's build.rs as a Rust user's
# build finds an installed library. Cargo is Debian's cargo, installed when missing; the
# crate has no dependencies, so nothing is fetched (--offline). Cargo's target dir stays
# under build/.

RUST_DIR  := bindings/rust
CARGO_ENV := PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig CARGO_TARGET_DIR=$(abspath $(BUILD)/rust-target)

.PHONY: cargo-dep test-rust
TEST_TARGETS += test-rust

# Cargo (Debian's package, with rustc) for the Rust binding, installed when missing.
cargo-dep:
	@command -v cargo >/dev/null 2>&1 || { echo "installing cargo (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq cargo >/dev/null; }

test-rust: stage cargo-dep
	cd $(RUST_DIR) && $(CARGO_ENV) cargo test --offline
	cd $(RUST_DIR) && $(CARGO_ENV) RUSTDOCFLAGS="-D warnings" cargo doc --offline --no-deps
	@cd $(RUST_DIR) && if cargo clippy --version >/dev/null 2>&1; then \
	  $(CARGO_ENV) cargo clippy --offline --all-targets -- -D warnings; \
	else echo "cargo clippy is not installed: skipped"; fi
