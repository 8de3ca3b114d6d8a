//! Links libmilvus_import as `pkg-config` finds it (the command, not a crate): set
//! PKG_CONFIG_PATH to `<prefix>/lib/pkgconfig` of a `make install PREFIX=<prefix>`.
//! Each library folder is also given as an rpath, so this crate's tests and examples run
//! without LD_LIBRARY_PATH.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let output = Command::new("pkg-config")
        .args(["--libs-only-L", "--libs-only-l", "milvus_import"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pkg-config: {e}; install it (Debian: pkg-config)"));
    if !output.status.success() {
        panic!(
            "pkg-config cannot find milvus_import ({}); install the library with \
             `make install PREFIX=<prefix>` and set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let flags = String::from_utf8(output.stdout).expect("pkg-config printed text that is not UTF-8");
    for flag in flags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
    }
}
