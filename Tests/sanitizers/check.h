/* The checks of every_call.c and threads.c.
 *
 * Every check reads this thread's last error right after the call it judges, as the
 * header's contract says; a mismatch is printed with its line and counted, and the
 * program exits non-zero at the end when any check failed. */
#ifndef MILVUS_SANITIZER_CHECK_H
#define MILVUS_SANITIZER_CHECK_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milvus_import.h"

static atomic_int check_failures;
static atomic_int check_count;

static void check_fail(int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "CHECK FAILED (line %d): ", line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  /* Keep going (so valgrind/ASan see the whole run), but not forever. */
  if (atomic_fetch_add(&check_failures, 1) > 50) {
    fprintf(stderr, "too many failed checks\n");
    exit(1);
  }
}

#define CHECK(cond, ...)                                     \
  do {                                                       \
    atomic_fetch_add(&check_count, 1);                       \
    if (!(cond)) check_fail(__LINE__, __VA_ARGS__);          \
  } while (0)

/* One line of printable text, at most 1023 bytes, never NULL. */
static int message_is_clean(const char *m) {
  if (m == NULL) return 0;
  size_t n = strlen(m);
  if (n > 1023) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)m[i];
    if (c < 0x20 || c == 0x7F) return 0;
  }
  return 1;
}

/* A NEW envelope: non-NULL, a JSON object's text, last error all clear; freed here. */
static void expect_ok_at(int line, char *text, const char *what) {
  atomic_fetch_add(&check_count, 1);
  if (text == NULL) {
    check_fail(line, "%s: expected success, got NULL: kind %d (%s) http %d server %lld: %s", what,
               milvus_last_error_code(), milvus_status_string(milvus_last_error_code()),
               milvus_last_error_http_status(), milvus_last_error_server_code(),
               milvus_last_error_message());
    return;
  }
  if (text[0] != '{') check_fail(line, "%s: result is not a JSON object: %.80s", what, text);
  if (milvus_last_error_code() != MILVUS_OK || milvus_last_error_http_status() != 0 ||
      milvus_last_error_server_code() != 0 || milvus_last_error_message()[0] != '\0')
    check_fail(line, "%s: success left last error %d \"%s\"", what, milvus_last_error_code(),
               milvus_last_error_message());
  milvus_free(text);
}

/* NULL with this thread's last error of `kind`; http/server checked when >= 0. */
static void expect_fail_at(int line, char *text, int kind, int http, long long server,
                           const char *what) {
  atomic_fetch_add(&check_count, 1);
  int code = milvus_last_error_code();
  const char *message = milvus_last_error_message();
  if (text != NULL) {
    check_fail(line, "%s: expected failure %d (%s), got text %.120s", what, kind,
               milvus_status_string(kind), text);
    milvus_free(text);
    return;
  }
  if (code != kind)
    check_fail(line, "%s: expected kind %d (%s), got %d (%s): %s", what, kind,
               milvus_status_string(kind), code, milvus_status_string(code), message);
  if (http >= 0 && milvus_last_error_http_status() != http)
    check_fail(line, "%s: expected http %d, got %d: %s", what, http, milvus_last_error_http_status(),
               message);
  if (server >= 0 && milvus_last_error_server_code() != server)
    check_fail(line, "%s: expected server code %lld, got %lld: %s", what, server,
               milvus_last_error_server_code(), message);
  if (!message_is_clean(message) || message[0] == '\0')
    check_fail(line, "%s: message empty or not one printable line: \"%s\"", what, message);
}

/* A setter's status, and the last error it leaves (no HTTP status, no server code). */
static void expect_status_at(int line, int got, int want, const char *what) {
  atomic_fetch_add(&check_count, 1);
  if (got != want)
    check_fail(line, "%s: expected status %d, got %d: %s", what, want, got, milvus_last_error_message());
  if (milvus_last_error_code() != want || milvus_last_error_http_status() != 0 ||
      milvus_last_error_server_code() != 0)
    check_fail(line, "%s: last error %d (http %d, server %lld) after status %d", what, milvus_last_error_code(),
               milvus_last_error_http_status(), milvus_last_error_server_code(), got);
  if (want == MILVUS_OK && milvus_last_error_message()[0] != '\0')
    check_fail(line, "%s: a success left the message \"%s\"", what, milvus_last_error_message());
  if (want != MILVUS_OK && (milvus_last_error_message()[0] == '\0' ||
                            !message_is_clean(milvus_last_error_message())))
    check_fail(line, "%s: bad message \"%s\"", what, milvus_last_error_message());
}

#define EXPECT_OK(call) expect_ok_at(__LINE__, (call), #call)
#define EXPECT_FAIL(call, kind, http, server) expect_fail_at(__LINE__, (call), (kind), (http), (server), #call)
#define EXPECT_INVALID(call) expect_fail_at(__LINE__, (call), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, #call)
#define EXPECT_STATUS(call, want) expect_status_at(__LINE__, (call), (want), #call)

/* base + suffix in a fixed buffer (the programs keep their URLs short). */
static const char *join_url(char *buffer, size_t size, const char *base, const char *suffix) {
  snprintf(buffer, size, "%s%s", base, suffix);
  return buffer;
}

static const char *env_or_die(const char *name) {
  const char *value = getenv(name);
  if (value == NULL || value[0] == '\0') {
    fprintf(stderr, "%s is not set: run me through Tests/sanitizers/server.py --run -- ...\n", name);
    exit(2);
  }
  return value;
}

#endif
