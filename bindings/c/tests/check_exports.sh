#!/usr/bin/env bash
# check_exports.sh - the built library exports exactly the header's functions.
#
#   bindings/c/tests/check_exports.sh [LIBRARY [HEADER]]
#   defaults: build/lib/libmilvus_import.so and include/milvus_import.h (from the repo root)
#
# Checks: `nm -D --defined-only` lists exactly the functions declared in the header, each a
# defined function (T), and nothing else; `readelf -d` shows SONAME libmilvus_import.so.0;
# `ldd` lists no Swift runtime (libswift*) and no missing library.
# Prints one line per check, then "N passed, N failed"; exits 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
lib=${1:-$root/build/lib/libmilvus_import.so}
header=${2:-$root/include/milvus_import.h}
cc=${CC:-cc}
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }

for f in "$lib" "$header"; do
  [ -e "$f" ] || { echo "FAIL no such file: $f"; echo "0 passed, 1 failed"; exit 1; }
done

# The header's functions: preprocess (no comments, no macros), then every identifier
# milvus_* directly followed by "(" (the typedef's "(*milvus_progress_fn)(" does not match).
declared=$("$cc" -E -P -x c "$header" | grep -oE '\bmilvus_[A-Za-z0-9_]+[[:space:]]*\(' |
           sed -E 's/[[:space:]]*\($//' | sort -u)
count=$(printf '%s\n' "$declared" | grep -c .)
if [ "$count" -ge 1 ]; then
  pass "the header declares $count functions"
else
  fail "no function found in $header"
fi

# Every defined dynamic symbol, as "TYPE NAME" (nm prints "ADDRESS TYPE NAME").
dynsyms=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $2, $3 }' | sort -u -k2)
functions=$(printf '%s\n' "$dynsyms" | awk '$1 == "T" { print $2 }' | sort -u)

missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$functions"))
if [ -z "$missing" ]; then
  pass "every header function is exported as a defined function (T)"
else
  fail "header functions not exported as T:" "$missing"
fi

extra=$(printf '%s\n' "$dynsyms" | awk 'NF' | while read -r type name; do
          if [ "$type" != T ] || ! grep -qxF "$name" <<<"$declared"; then echo "$type $name"; fi
        done)
if [ -z "$extra" ]; then
  pass "nm -D --defined-only lists nothing but the header's functions"
else
  n=$(printf '%s\n' "$extra" | grep -c .)
  global=$(printf '%s\n' "$extra" | awk '$1 ~ /^[A-Z]$/' | grep -c .)
  fail "nm -D --defined-only lists $n symbols the header does not declare ($global global; lower-case types are LOCAL entries of .dynsym):" \
       "$(printf '%s\n' "$extra" | head -n 40)"
fi

soname=$(readelf -d "$lib" | sed -nE 's/.*\(SONAME\).*\[(.*)\].*/\1/p')
if [ "$soname" = "libmilvus_import.so.0" ]; then
  pass "SONAME is libmilvus_import.so.0"
else
  fail "SONAME is '${soname}', not libmilvus_import.so.0"
fi

deps=$(ldd "$lib" 2>&1)
swift=$(grep -iE 'libswift|libFoundation|libdispatch|libBlocksRuntime' <<<"$deps")
if [ -z "$swift" ]; then
  pass "ldd lists no Swift runtime"
else
  fail "ldd lists the Swift runtime:" "$swift"
fi
notfound=$(grep -F 'not found' <<<"$deps")
if [ -z "$notfound" ]; then
  pass "ldd resolves every needed library"
else
  fail "ldd cannot resolve:" "$notfound"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
