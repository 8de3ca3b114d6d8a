/* json_scan_difftest.c: a differential test of mi_json_scan (proposal 0001) against
 * jansson's json_loadb(JSON_REJECT_DUPLICATES), the parser whose verdict it stands in for.
 * The scan must never accept what jansson refuses, and must read the same top-level "code";
 * refusing more is allowed (jansson then decides, and writes the error), and happens only
 * for jansson's NUL-after-a-number quirk ("{\"code\":0\0}" parses in jansson).
 *
 * After applying the patch, from the repository root:
 *   cc -O2 -g -fsanitize=address,undefined -ISources/CMilvusImport/include \
 *      Benchmarks/proposals/json_scan_difftest.c Sources/CMilvusImport/json_scan.c -ljansson \
 *      -o /tmp/json_scan_difftest && /tmp/json_scan_difftest 1000000
 * Exit status 0: no disagreement that matters. Deterministic (fixed seed). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "milvus_import_internal.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

static long accepted_both, refused_both, scan_only, jansson_only, facts_mismatch;

static void longstring(char *out, size_t *len) {
  static const char *pieces[] = {"a", "b", "0", " ", "~", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                 "\\n", "\\u00e9", "\\\"", "\\\\", "\x01", "\x1f", "\xc3", "\xa9", "\xed\xa0\x80",
                                 "\\ud83d\\ude00", "\\x", "\"", "\\u0000", "\x00"};
  out[(*len)++] = '"';
  unsigned n = rn(60);
  for (unsigned i = 0; i < n; i++) {
    const char *piece = rn(10) ? pieces[rn(5)] : pieces[rn(sizeof pieces / sizeof *pieces)];
    size_t pl = strlen(piece);
    if (!pl) pl = 1; /* the "\x00" piece */
    memcpy(out + *len, piece, pl);
    *len += pl;
  }
  out[(*len)++] = '"';
}

static void check(const char *buf, size_t len, int verbose) {
  mi_json_facts f;
  int s = mi_json_scan(buf, len, &f);
  json_error_t e;
  json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
  if (s && j) {
    accepted_both++;
    int is_obj = json_is_object(j);
    json_t *code = is_obj ? json_object_get(j, "code") : NULL;
    int has = code != NULL, isint = json_is_integer(code);
    long long v = isint ? json_integer_value(code) : 0;
    if (f.is_object != is_obj || f.has_code != has || f.code_is_integer != isint || (isint && f.code != v)) {
      facts_mismatch++;
      if (facts_mismatch < 10) fprintf(stderr, "FACTS MISMATCH: %.*s\n", (int)(len > 300 ? 300 : len), buf);
    }
  } else if (!s && !j) {
    refused_both++;
  } else if (s && !j) {
    scan_only++;
    if (scan_only < 20) fprintf(stderr, "SCAN ACCEPTS, JANSSON REFUSES (%s): [%.*s]\n", e.text, (int)(len > 300 ? 300 : len), buf);
  } else {
    jansson_only++;
    if (verbose && jansson_only < 20) fprintf(stderr, "jansson accepts, scan refuses: [%.*s]\n", (int)(len > 300 ? 300 : len), buf);
  }
  if (j) json_decref(j);
}

static const char *atoms[] = {
  "0", "-0", "1", "-1", "12", "1.5", "-1.5e10", "1e308", "1e309", "9.9e308", "1.7976931348623157e308",
  "1.7976931348623158e308", "1.797693134862315807e308", "1.7976931348623159e308", "-1.8e308", "0.00001e313",
  "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
  "99999999999999999999", "1e-400", "0e999999", "0.0e99999999999999999", "1E+2", "1e-2",
  "true", "false", "null", "\"\"", "\"a\"", "\"code\"", "\"\\u0063ode\"", "\"\\u0000\"", "\"\\ud800\"",
  "\"\\ud800\\udc00\"", "\"\\udc00\"", "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud800\\u0041\"",
  "\"\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
  "\"\xf4\x90\x80\x80\"", "\"\xe0\x80\xaf\"", "\"\x01\"", "\"\\t\\n\\/\\b\\f\\r\\\"\\\\\"", "\"\\x\"",
  "{}", "[]", "{\"a\":1}", "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"code\":0}", "{\"code\":1.0}",
  "{\"code\":\"0\"}", "{\"code\":-5,\"message\":\"x\"}", "[1,2,3]", "{\"b\":{\"a\":1},\"a\":2}",
};

/* a random JSON-ish document */
static void gen(char *out, size_t *len, size_t cap, int depth) {
  if (*len + 64 > cap) return;
  unsigned k = rn(depth > 6 ? 3 : 6);
  if (k == 0 && rn(2)) {
    if (*len + 400 < cap) longstring(out, len);
    return;
  }
  if (k < 3) {
    const char *a = atoms[rn(sizeof atoms / sizeof *atoms)];
    size_t n = strlen(a);
    if (*len + n < cap) { memcpy(out + *len, a, n); *len += n; }
    return;
  }
  int obj = k == 3 || k == 5;
  out[(*len)++] = obj ? '{' : '[';
  unsigned n = rn(obj ? 12 : 5);
  for (unsigned i = 0; i < n; i++) {
    if (i) out[(*len)++] = ',';
    if (rn(8) == 0) out[(*len)++] = ' ';
    if (obj) {
      static const char *keys[] = {"\"a\"", "\"b\"", "\"code\"", "\"\\u0061\"", "\"c\"", "\"d\"", "\"e\"", "\"f\"",
                                   "\"g\"", "\"h\"", "\"i\"", "\"j\"", "\"k\"", "\"\\u0063ode\"", "\"\"", "\"\\/\""};
      const char *key = keys[rn(16)];
      size_t kl = strlen(key);
      memcpy(out + *len, key, kl);
      *len += kl;
      out[(*len)++] = ':';
    }
    gen(out, len, cap, depth + 1);
    if (*len + 64 > cap) break;
  }
  out[(*len)++] = obj ? '}' : ']';
}

static void mutate(char *buf, size_t *len, size_t cap) {
  static const char chars[] = "{}[],:\"\\ \t\n\r0123456789-+.eEtrufalsn\x00\x01\x7f\x80\xbf\xc2\xe0\xed\xf0\xf4\xf5\xff";
  unsigned m = rn(4);
  if (m == 0 && *len) buf[rn((unsigned)*len)] = chars[rn(sizeof chars - 1)];
  else if (m == 1 && *len + 1 < cap) {
    size_t at = rn((unsigned)*len + 1);
    memmove(buf + at + 1, buf + at, *len - at);
    buf[at] = chars[rn(sizeof chars - 1)];
    (*len)++;
  } else if (m == 2 && *len) {
    size_t at = rn((unsigned)*len);
    memmove(buf + at, buf + at + 1, *len - at - 1);
    (*len)--;
  } else if (*len) {
    *len = rn((unsigned)*len + 1);
  }
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 1000000;
  static char buf[1 << 16];
  /* fixed cases */
  for (size_t i = 0; i < sizeof atoms / sizeof *atoms; i++) {
    char doc[512];
    int n = snprintf(doc, sizeof doc, "[%s]", atoms[i]);
    check(doc, (size_t)n, 1);
    n = snprintf(doc, sizeof doc, "{\"code\":%s}", atoms[i]);
    check(doc, (size_t)n, 1);
    check(atoms[i], strlen(atoms[i]), 1);
  }
  /* depth limits */
  for (int depth = 2046; depth <= 2050; depth++) {
    size_t n = 0;
    for (int i = 0; i < depth; i++) buf[n++] = '[';
    size_t mid = n;
    for (int i = 0; i < depth; i++) buf[n++] = ']';
    check(buf, n, 1);
    memmove(buf + mid + 1, buf + mid, n - mid);
    buf[mid] = '1';
    check(buf, n + 1, 1);
  }
  /* wide objects with a late duplicate */
  for (int keys = 1; keys < 300; keys += 7) {
    size_t n = 0;
    buf[n++] = '{';
    for (int i = 0; i < keys; i++) n += (size_t)sprintf(buf + n, "%s\"k%d\":%d", i ? "," : "", i, i);
    buf[n++] = '}';
    check(buf, n, 1);
    n--;
    n += (size_t)sprintf(buf + n, ",\"k%d\":0}", keys / 2);
    check(buf, n, 1);
    n = 0;
    buf[n++] = '{';
    for (int i = 0; i < keys; i++) n += (size_t)sprintf(buf + n, "%s\"k%d\":{\"k%d\":[%d]}", i ? "," : "", i, i, i);
    n += (size_t)sprintf(buf + n, ",\"\\u006b%d\":1}", keys - 1);
    check(buf, n, 1);
  }
  /* a Milvus-sized envelope: 100,000 records, accepted with code 0 */
  {
    size_t cap = 16u << 20, n = 0;
    char *big = malloc(cap);
    if (!big) return 2;
    n += (size_t)sprintf(big + n, "{\"code\":0,\"data\":{\"records\":[");
    for (int i = 0; i < 100000; i++)
      n += (size_t)sprintf(big + n, "%s{\"collectionName\":\"c_%03d\",\"jobId\":\"%lld\",\"progress\":%d,"
                           "\"state\":\"Completed\"}", i ? "," : "", i % 100, 448761313698322011LL + i, i % 101);
    n += (size_t)sprintf(big + n, "]}}");
    mi_json_facts f;
    if (!mi_json_scan(big, n, &f) || !f.is_object || !f.has_code || !f.code_is_integer || f.code != 0) {
      fprintf(stderr, "the large envelope was not accepted\n");
      return 1;
    }
    check(big, n, 1);
    free(big);
  }
  for (long it = 0; it < iterations; it++) {
    size_t len = 0;
    gen(buf, &len, sizeof buf / 4, 0);
    if (rn(3)) {
      unsigned muts = 1 + rn(3);
      for (unsigned i = 0; i < muts; i++) mutate(buf, &len, sizeof buf);
    }
    if (rn(10) == 0) { /* whitespace around */
      memmove(buf + 1, buf, len);
      buf[0] = " \t\n\r"[rn(4)];
      len++;
      buf[len++] = " \t\n\rx"[rn(5)];
    }
    check(buf, len, 0);
  }
  printf("accepted both %ld, refused both %ld, scan-only %ld, jansson-only %ld, facts mismatch %ld\n",
         accepted_both, refused_both, scan_only, jansson_only, facts_mismatch);
  return scan_only || facts_mismatch;
}
