/*
 * abi_test.c - every exported function of libmilvus_import, called from C11 the way a C
 * user calls it: compiled against the installed header with
 *   cc -std=c11 -Wall -Wextra -Werror -pedantic abi_test.c $(pkg-config --cflags --libs milvus_import)
 *
 *   ./abi_test [LIVE_URL [CLOSED_URL]]
 *
 * Without a server: NULL arguments, invalid URLs and values, setter bounds, the status
 * strings, the version, the last-error rules (reset, accessors, per thread), a refused
 * connection on CLOSED_URL (default http://127.0.0.1:1). With LIVE_URL (the project's
 * emulator, OSS mode, jobs of about half a second, collection quick_setup): successful
 * calls of every kind, waiting, two-phase commit and abort, and server-side failures.
 * Prints one line per failed check, then "N passed, N failed"; exits 1 on any failure.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <milvus_import.h>

#if !defined(__STDC_NO_THREADS__)
#include <threads.h>
#endif

#define ANY (-1) /* an expected HTTP status or server code not checked */

static int passed, failed;
static const char *closed_url = "http://127.0.0.1:1";

static void check(int ok, const char *what, int line) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  printf("FAIL line %d: %s\n", line, what);
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

/* The last error as one line, for failure reports. Reads only accessors (no reset). */
static void show_last_error(void) {
  printf("     last error: code %d (%s), HTTP %d, server code %lld, message \"%s\"\n",
         milvus_last_error_code(), milvus_status_string(milvus_last_error_code()),
         milvus_last_error_http_status(), milvus_last_error_server_code(),
         milvus_last_error_message());
}

/* The last error after a failed call: kind, HTTP status and server code as given (ANY: not
 * checked), a non-empty message of at most 1023 bytes. */
static int last_error_is(int kind, int http, long long server) {
  const char *m = milvus_last_error_message();
  return milvus_last_error_code() == kind &&
         (http == ANY || milvus_last_error_http_status() == http) &&
         (server == ANY || milvus_last_error_server_code() == server) && m != NULL &&
         m[0] != '\0' && strlen(m) <= 1023;
}

/* The last error after a successful call: all clear. */
static int last_error_clear(void) {
  const char *m = milvus_last_error_message();
  return milvus_last_error_code() == MILVUS_OK && milvus_last_error_http_status() == 0 &&
         milvus_last_error_server_code() == 0 && m != NULL && m[0] == '\0';
}

/* A char * call that must fail: NULL, and the last error as given. */
static void fails(char *r, int kind, int http, long long server, const char *what, int line) {
  int ok = r == NULL && last_error_is(kind, http, server);
  check(ok, what, line);
  if (!ok) {
    printf("     expected NULL with kind %d (%s), HTTP %d, server code %lld; got %s\n", kind,
           milvus_status_string(kind), http, server, r != NULL ? r : "NULL");
    show_last_error();
  }
  milvus_free(r);
}
/* Fails before any I/O: invalid argument, no HTTP status, no server code. */
#define INVALID(expr) fails((expr), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, #expr, __LINE__)
#define FAILS(expr, kind, http, server) fails((expr), (kind), (http), (server), #expr, __LINE__)

/* A char * call that must succeed: the result (NEW, the caller frees it), or NULL. */
static char *succeeds(char *r, const char *what, int line) {
  int ok = r != NULL && last_error_clear();
  check(ok, what, line);
  if (!ok) show_last_error();
  return r;
}
#define OK(expr) succeeds((expr), #expr, __LINE__)

/* An int call (a setter) that must return `want`, with the last error to match. */
static void status_is(int got, int want, const char *what, int line) {
  int ok = got == want && (want == MILVUS_OK ? last_error_clear()
                                             : last_error_is(want, 0, 0));
  check(ok, what, line);
  if (!ok) {
    printf("     expected status %d, got %d\n", want, got);
    show_last_error();
  }
}
#define SET_OK(expr) status_is((expr), MILVUS_OK, #expr, __LINE__)
#define SET_INVALID(expr) status_is((expr), MILVUS_ERR_INVALID_ARGUMENT, #expr, __LINE__)

static void client_fails(milvus_client *c, const char *what, int line) {
  int ok = c == NULL && last_error_is(MILVUS_ERR_INVALID_ARGUMENT, 0, 0);
  check(ok, what, line);
  if (!ok) show_last_error();
  milvus_client_free(c);
}
#define CLIENT_INVALID(expr) client_fails((expr), #expr, __LINE__)

static int contains(const char *s, const char *part) { return s != NULL && strstr(s, part) != NULL; }

/* The "jobId" string of an envelope, copied into out ("" when there is none). */
static void job_id_of(const char *envelope, char *out, size_t cap) {
  const char *p = envelope != NULL ? strstr(envelope, "\"jobId\"") : NULL;
  size_t n = 0;
  out[0] = '\0';
  if (p == NULL) return;
  p += strlen("\"jobId\"");
  while (*p == ' ' || *p == ':') p++;
  if (*p++ != '"') return;
  while (p[n] != '\0' && p[n] != '"' && n + 1 < cap) n++;
  memcpy(out, p, n);
  out[n] = '\0';
}

/* ---- without a server ---------------------------------------------------------------------- */

static void test_version_and_statuses(void) {
  static const int statuses[] = {
      MILVUS_OK,          MILVUS_ERR_INVALID_ARGUMENT, MILVUS_ERR_TRANSPORT,
      MILVUS_ERR_TIMEOUT, MILVUS_ERR_TLS,              MILVUS_ERR_HTTP,
      MILVUS_ERR_AUTH,    MILVUS_ERR_SERVER,           MILVUS_ERR_MALFORMED_RESPONSE,
      MILVUS_ERR_TOO_LARGE, MILVUS_ERR_JOB_NOT_FOUND,  MILVUS_ERR_NO_MEMORY,
      MILVUS_ERR_CANCELLED};
  const size_t n = sizeof statuses / sizeof statuses[0];
  const char *unknown = milvus_status_string(13);
  size_t i, j;
  char num[32];

  CHECK(milvus_version() != NULL && strcmp(milvus_version(), MILVUS_IMPORT_VERSION) == 0);
  snprintf(num, sizeof num, "%d.%d.%d", MILVUS_IMPORT_VERSION_MAJOR, MILVUS_IMPORT_VERSION_MINOR,
           MILVUS_IMPORT_VERSION_PATCH);
  CHECK(strcmp(num, MILVUS_IMPORT_VERSION) == 0);
  CHECK(MILVUS_IMPORT_VERSION_NUM == ((MILVUS_IMPORT_VERSION_MAJOR << 16) |
                                      (MILVUS_IMPORT_VERSION_MINOR << 8) |
                                      MILVUS_IMPORT_VERSION_PATCH));
  CHECK(MILVUS_IMPORT_AT_LEAST(0, 1, 0));
  CHECK(!MILVUS_IMPORT_AT_LEAST(0, 1, 1));
  CHECK(!MILVUS_IMPORT_AT_LEAST(1, 0, 0));
  CHECK(milvus_version() == milvus_version()); /* STATIC */

  /* The numbers are fixed by the ABI. */
  CHECK(MILVUS_OK == 0 && MILVUS_ERR_INVALID_ARGUMENT == 1 && MILVUS_ERR_TRANSPORT == 2 &&
        MILVUS_ERR_TIMEOUT == 3 && MILVUS_ERR_TLS == 4 && MILVUS_ERR_HTTP == 5 &&
        MILVUS_ERR_AUTH == 6 && MILVUS_ERR_SERVER == 7 && MILVUS_ERR_MALFORMED_RESPONSE == 8 &&
        MILVUS_ERR_TOO_LARGE == 9 && MILVUS_ERR_JOB_NOT_FOUND == 10 &&
        MILVUS_ERR_NO_MEMORY == 11 && MILVUS_ERR_CANCELLED == 12);

  CHECK(unknown != NULL && strcmp(unknown, "unknown status") == 0);
  CHECK(strcmp(milvus_status_string(-1), "unknown status") == 0);
  CHECK(strcmp(milvus_status_string(1000), "unknown status") == 0);
  CHECK(strcmp(milvus_status_string(INT_MIN), "unknown status") == 0);
  CHECK(strcmp(milvus_status_string(INT_MAX), "unknown status") == 0);
  for (i = 0; i < n; i++) {
    const char *s = milvus_status_string(statuses[i]);
    CHECK(s != NULL && s[0] != '\0' && strcmp(s, "unknown status") != 0);
    CHECK(s == milvus_status_string(statuses[i])); /* STATIC */
    for (j = 0; j < i; j++) CHECK(strcmp(s, milvus_status_string(statuses[j])) != 0);
  }
}

static void test_fresh_thread_state(void) {
  /* Before any failing call on this thread: all clear. */
  CHECK(last_error_clear());
}

static void test_free_null(void) {
  milvus_free(NULL);
  milvus_client_free(NULL);
  CHECK(1);
}

static void test_null_arguments(void) {
  const char *url = closed_url; /* a valid URL: a call that wrongly sends gets TRANSPORT */
  INVALID(milvus_list_import_jobs(NULL, "quick_setup"));
  INVALID(milvus_list_import_jobs(NULL, NULL));
  INVALID(milvus_get_import_progress(NULL, "448761313698322011"));
  INVALID(milvus_get_import_progress(url, NULL));
  INVALID(milvus_get_import_progress(url, ""));
  INVALID(milvus_bulk_import(NULL, "quick_setup", "[[\"a.json\"]]"));
  INVALID(milvus_bulk_import(url, NULL, "[[\"a.json\"]]"));
  INVALID(milvus_bulk_import(url, "", "[[\"a.json\"]]"));
  INVALID(milvus_bulk_import(url, "quick_setup", NULL));
  CLIENT_INVALID(milvus_client_new(NULL));

  /* A NULL client, everywhere. */
  SET_INVALID(milvus_client_set_api_key(NULL, "token"));
  SET_INVALID(milvus_client_set_api_key(NULL, NULL));
  SET_INVALID(milvus_client_set_database(NULL, "default"));
  SET_INVALID(milvus_client_set_timeout_ms(NULL, 1000));
  SET_INVALID(milvus_client_set_connect_timeout_ms(NULL, 1000));
  SET_INVALID(milvus_client_set_tls(NULL, 1, NULL));
  SET_INVALID(milvus_client_set_client_cert(NULL, NULL, NULL));
  SET_INVALID(milvus_client_set_header(NULL, "X-Test", "1"));
  SET_INVALID(milvus_client_set_proxy(NULL, NULL));
  SET_INVALID(milvus_client_set_max_retries(NULL, 1));
  SET_INVALID(milvus_client_set_retry_backoff_ms(NULL, 100));
  SET_INVALID(milvus_client_set_max_response_bytes(NULL, 1024));
  INVALID(milvus_client_list_import_jobs(NULL, NULL));
  INVALID(milvus_client_list_import_jobs(NULL, "{}"));
  INVALID(milvus_client_list_all_import_jobs(NULL, NULL));
  INVALID(milvus_client_get_import_progress(NULL, "{\"jobId\":\"1\"}"));
  INVALID(milvus_client_bulk_import(NULL, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]]}"));
  INVALID(milvus_client_commit_import(NULL, "{\"jobId\":\"1\"}"));
  INVALID(milvus_client_abort_import(NULL, "{\"jobId\":\"1\"}"));
  INVALID(milvus_client_wait_import_job(NULL, "1", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(NULL, "{\"jobId\":\"1\"}", 1000, 10, NULL,
                                                     NULL));
}

static void test_invalid_urls(void) {
  static const char *const bad[] = {
      "",       "ftp://x",           "http://h/?q=1", "http://h/#f", "file:///etc/passwd",
      "http://h\xff/", "http://127.0.0.1:1/\xc3\x28", "127.0.0.1:19530"};
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char what[160];
    milvus_client *c = milvus_client_new(bad[i]);
    snprintf(what, sizeof what, "milvus_client_new(bad url #%u)", (unsigned)i);
    client_fails(c, what, __LINE__);
    snprintf(what, sizeof what, "milvus_list_import_jobs(bad url #%u)", (unsigned)i);
    fails(milvus_list_import_jobs(bad[i], "quick_setup"), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what,
          __LINE__);
    snprintf(what, sizeof what, "milvus_get_import_progress(bad url #%u)", (unsigned)i);
    fails(milvus_get_import_progress(bad[i], "1"), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what,
          __LINE__);
    snprintf(what, sizeof what, "milvus_bulk_import(bad url #%u)", (unsigned)i);
    fails(milvus_bulk_import(bad[i], "quick_setup", "[[\"a.json\"]]"),
          MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what, __LINE__);
  }

  /* A password in a refused URL is not echoed. */
  CLIENT_INVALID(milvus_client_new("ftp://user:pw-s3cr3t-url@h/"));
  CHECK(!contains(milvus_last_error_message(), "pw-s3cr3t-url"));
}

static void test_invalid_strings(void) {
  const char *url = closed_url;
  INVALID(milvus_list_import_jobs(url, "quick\xff_setup")); /* not "all jobs" */
  INVALID(milvus_get_import_progress(url, "44876\xff"));
  INVALID(milvus_bulk_import(url, "quick\xff", "[[\"a.json\"]]"));
  INVALID(milvus_bulk_import(url, "quick_setup", "[[\"a\xff.json\"]]"));
  INVALID(milvus_bulk_import(url, "quick_setup", "not json"));
  INVALID(milvus_bulk_import(url, "quick_setup", ""));
  INVALID(milvus_bulk_import(url, "quick_setup", "[\"a.json\"]"));
  INVALID(milvus_bulk_import(url, "quick_setup", "[[1]]"));
  INVALID(milvus_bulk_import(url, "quick_setup", "[[\"a.json\"], \"b.json\"]"));
  INVALID(milvus_bulk_import(url, "quick_setup", "{\"files\":[[\"a.json\"]]}"));
  INVALID(milvus_bulk_import(url, "quick_setup", "[[null]]"));
}

static void test_valid_urls(void) {
  static const char *const good[] = {"http://127.0.0.1:19530", "http://127.0.0.1:19530/",
                                     "https://proxy.example.com/milvus",
                                     "https://proxy.example.com/milvus//",
                                     "http://user:password@127.0.0.1:1"};
  size_t i;
  for (i = 0; i < sizeof good / sizeof good[0]; i++) {
    milvus_client *c = milvus_client_new(good[i]);
    char what[160];
    snprintf(what, sizeof what, "milvus_client_new(\"%s\") succeeds", good[i]);
    check(c != NULL && last_error_clear(), what, __LINE__);
    if (c == NULL) show_last_error();
    milvus_client_free(c);
  }
}

static void test_setters(milvus_client *c) {
  SET_OK(milvus_client_set_api_key(c, "root:Milvus"));
  SET_OK(milvus_client_set_api_key(c, ""));
  SET_OK(milvus_client_set_api_key(c, NULL));
  SET_INVALID(milvus_client_set_api_key(c, "root:Mil\r\nvus"));
  SET_INVALID(milvus_client_set_api_key(c, "root:Milvus\n"));
  SET_INVALID(milvus_client_set_api_key(c, "abi-\xff-s3cr3t"));
  CHECK(!contains(milvus_last_error_message(), "s3cr3t"));

  SET_OK(milvus_client_set_database(c, "db_a"));
  SET_OK(milvus_client_set_database(c, ""));
  SET_OK(milvus_client_set_database(c, NULL));
  SET_INVALID(milvus_client_set_database(c, "db\r\nX-Injected: 1"));
  SET_INVALID(milvus_client_set_database(c, "db\xff"));

  SET_INVALID(milvus_client_set_timeout_ms(c, 0));
  SET_INVALID(milvus_client_set_timeout_ms(c, -1));
  SET_INVALID(milvus_client_set_timeout_ms(c, LONG_MIN));
  SET_OK(milvus_client_set_timeout_ms(c, 1));
  SET_OK(milvus_client_set_timeout_ms(c, 20000));
  SET_INVALID(milvus_client_set_connect_timeout_ms(c, 0));
  SET_INVALID(milvus_client_set_connect_timeout_ms(c, -1));
  SET_OK(milvus_client_set_connect_timeout_ms(c, 1));
  SET_OK(milvus_client_set_connect_timeout_ms(c, 10000));

  SET_OK(milvus_client_set_tls(c, 1, NULL));
  SET_OK(milvus_client_set_tls(c, 0, NULL));
  SET_OK(milvus_client_set_tls(c, 1, ""));
  SET_OK(milvus_client_set_tls(c, 1, "/nonexistent/ca.pem")); /* read at the first HTTPS call */
  SET_OK(milvus_client_set_tls(c, 1, NULL));
  SET_OK(milvus_client_set_client_cert(c, "/nonexistent/client.pem", NULL));
  SET_OK(milvus_client_set_client_cert(c, "/nonexistent/client.pem", "/nonexistent/client.key"));
  SET_OK(milvus_client_set_client_cert(c, "", ""));
  SET_OK(milvus_client_set_client_cert(c, NULL, NULL));

  SET_OK(milvus_client_set_header(c, "X-Test", "1"));
  SET_OK(milvus_client_set_header(c, "x-test", "2")); /* replaces: names without case */
  SET_OK(milvus_client_set_header(c, "X-Test", NULL));
  SET_OK(milvus_client_set_header(c, "X-Never-Set", NULL));
  SET_OK(milvus_client_set_header(c, "Request-Timeout", "5"));
  SET_OK(milvus_client_set_header(c, "Request-Timeout", NULL));
  SET_OK(milvus_client_set_header(c, "Authorization", "Bearer other"));
  SET_OK(milvus_client_set_header(c, "Authorization", NULL));
  SET_INVALID(milvus_client_set_header(c, NULL, "1"));
  SET_INVALID(milvus_client_set_header(c, "", "1"));
  SET_INVALID(milvus_client_set_header(c, "Bad Name", "1"));
  SET_INVALID(milvus_client_set_header(c, " X-Test", "1"));
  SET_INVALID(milvus_client_set_header(c, "X-Test:", "1"));
  SET_INVALID(milvus_client_set_header(c, "X-Test\r\nX-Injected", "1"));
  SET_INVALID(milvus_client_set_header(c, "X-Test\n", "1"));
  SET_INVALID(milvus_client_set_header(c, "X-Test", "1\r\nX-Injected: 1"));
  SET_INVALID(milvus_client_set_header(c, "X-Test", "1\n"));
  SET_INVALID(milvus_client_set_header(c, "X-Test", "1\x01"));
  SET_INVALID(milvus_client_set_header(c, "Content-Type", "text/plain"));
  SET_INVALID(milvus_client_set_header(c, "content-type", "application/json"));

  SET_OK(milvus_client_set_proxy(c, "http://proxy.invalid:3128"));
  SET_OK(milvus_client_set_proxy(c, ""));
  SET_OK(milvus_client_set_proxy(c, NULL));

  SET_INVALID(milvus_client_set_max_retries(c, -1));
  SET_INVALID(milvus_client_set_max_retries(c, 11));
  SET_INVALID(milvus_client_set_max_retries(c, INT_MIN));
  SET_OK(milvus_client_set_max_retries(c, 10));
  SET_OK(milvus_client_set_max_retries(c, 0));

  SET_INVALID(milvus_client_set_retry_backoff_ms(c, -1));
  SET_INVALID(milvus_client_set_retry_backoff_ms(c, 60001));
  SET_OK(milvus_client_set_retry_backoff_ms(c, 60000));
  SET_OK(milvus_client_set_retry_backoff_ms(c, 0));
  SET_OK(milvus_client_set_retry_backoff_ms(c, 250));

  SET_INVALID(milvus_client_set_max_response_bytes(c, 0));
  SET_INVALID(milvus_client_set_max_response_bytes(c, -1));
  SET_INVALID(milvus_client_set_max_response_bytes(c, (1LL << 40) + 1));
  SET_OK(milvus_client_set_max_response_bytes(c, 1));
  SET_OK(milvus_client_set_max_response_bytes(c, 1LL << 40));
  SET_OK(milvus_client_set_max_response_bytes(c, 268435456));
}

static void test_bad_requests(milvus_client *c) {
  static const char *const bad_list[] = {
      "", "not json", "[]", "\"text\"", "42", "null", "{} {}",
      "{\"collectionName\":5}", "{\"collectionName\":null}", "{\"collectionName\":\"\xff\"}",
      "{\"dbName\":1}", "{\"pageSize\":\"10\"}", "{\"pageSize\":1.5}", "{\"currentPage\":\"1\"}",
      "{\"clusterId\":7}"};
  size_t i;
  for (i = 0; i < sizeof bad_list / sizeof bad_list[0]; i++) {
    char what[160];
    snprintf(what, sizeof what, "milvus_client_list_import_jobs(bad request #%u)", (unsigned)i);
    fails(milvus_client_list_import_jobs(c, bad_list[i]), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what,
          __LINE__);
    snprintf(what, sizeof what, "milvus_client_list_all_import_jobs(bad request #%u)",
             (unsigned)i);
    fails(milvus_client_list_all_import_jobs(c, bad_list[i]), MILVUS_ERR_INVALID_ARGUMENT, 0, 0,
          what, __LINE__);
  }

  INVALID(milvus_client_get_import_progress(c, NULL)); /* jobId is required */
  INVALID(milvus_client_get_import_progress(c, "{}"));
  INVALID(milvus_client_get_import_progress(c, "{\"jobId\":448761313698322011}"));
  INVALID(milvus_client_get_import_progress(c, "{\"jobId\":null}"));
  INVALID(milvus_client_get_import_progress(c, "[\"1\"]"));

  INVALID(milvus_client_bulk_import(c, NULL)); /* collectionName is required */
  INVALID(milvus_client_bulk_import(c, "{}"));
  INVALID(milvus_client_bulk_import(c, "{\"files\":[[\"a.json\"]]}"));
  INVALID(milvus_client_bulk_import(c, "{\"collectionName\":1,\"files\":[[\"a.json\"]]}"));
  INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[\"a.json\"]}"));
  INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":\"a.json\"}"));
  INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[1]]}"));
  INVALID(milvus_client_bulk_import(
      c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]],\"options\":{\"auto_commit\":false}}"));
  INVALID(milvus_client_bulk_import(
      c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]],\"options\":[\"x\"]}"));
  INVALID(milvus_client_bulk_import(
      c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]],\"partitionName\":2}"));

  INVALID(milvus_client_commit_import(c, NULL));
  INVALID(milvus_client_commit_import(c, "{}"));
  INVALID(milvus_client_commit_import(c, "{\"jobId\":1}"));
  INVALID(milvus_client_abort_import(c, NULL));
  INVALID(milvus_client_abort_import(c, "{}"));
  INVALID(milvus_client_abort_import(c, "{\"jobId\":1}"));

  INVALID(milvus_client_wait_import_job(c, NULL, 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1\xff", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1", 0, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1", -1, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1", 1000, 0, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1", 1000, -5, NULL, NULL));
  INVALID(milvus_client_wait_import_job(c, "1", 1000, 1001, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, NULL, 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, "{}", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, "{\"jobId\":5}", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, "not json", 1000, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, "{\"jobId\":\"1\"}", 0, 10, NULL, NULL));
  INVALID(milvus_client_wait_import_job_with_request(c, "{\"jobId\":\"1\"}", 100, 200, NULL,
                                                     NULL));
}

static void test_last_error_rules(milvus_client *c) {
  char msg[1024];
  /* A failure... */
  INVALID(milvus_list_import_jobs(NULL, NULL));
  snprintf(msg, sizeof msg, "%s", milvus_last_error_message());
  /* ...survives the accessors, the status strings, the version and milvus_free. */
  CHECK(milvus_last_error_code() == MILVUS_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(milvus_last_error_message(), msg) == 0);
  (void)milvus_version();
  (void)milvus_status_string(MILVUS_ERR_SERVER);
  milvus_free(NULL);
  CHECK(milvus_last_error_code() == MILVUS_ERR_INVALID_ARGUMENT);
  CHECK(last_error_is(MILVUS_ERR_INVALID_ARGUMENT, 0, 0));
  CHECK(strcmp(milvus_last_error_message(), msg) == 0);
  /* ...and is cleared by the next call that succeeds, even a setter. */
  SET_OK(milvus_client_set_max_retries(c, 0));
  CHECK(last_error_clear());
  /* A failing setter leaves the setting unchanged, and sets the last error. */
  SET_INVALID(milvus_client_set_max_retries(c, 99));
  CHECK(last_error_is(MILVUS_ERR_INVALID_ARGUMENT, 0, 0));
}

static void test_refused(void) {
  char url[256];
  milvus_client *c = milvus_client_new(closed_url);
  CHECK(c != NULL);
  if (c == NULL) return;
  SET_OK(milvus_client_set_max_retries(c, 0));
  FAILS(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  FAILS(milvus_client_get_import_progress(c, "{\"jobId\":\"1\"}"), MILVUS_ERR_TRANSPORT, 0, 0);
  FAILS(milvus_client_wait_import_job(c, "1", 5000, 10, NULL, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  SET_OK(milvus_client_set_api_key(c, "abi-s3cr3t-token"));
  FAILS(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]]}"),
        MILVUS_ERR_TRANSPORT, 0, 0);
  CHECK(!contains(milvus_last_error_message(), "abi-s3cr3t-token"));
  milvus_client_free(c);

  FAILS(milvus_list_import_jobs(closed_url, "quick_setup"), MILVUS_ERR_TRANSPORT, 0, 0);
  /* A URL password is never echoed. */
  snprintf(url, sizeof url, "http://root:abi-url-s3cr3t@%s",
           strstr(closed_url, "://") != NULL ? strstr(closed_url, "://") + 3 : "127.0.0.1:1");
  FAILS(milvus_list_import_jobs(url, "quick_setup"), MILVUS_ERR_TRANSPORT, 0, 0);
  CHECK(!contains(milvus_last_error_message(), "abi-url-s3cr3t"));
}

#if !defined(__STDC_NO_THREADS__)
struct thread_result {
  int clear_at_start, own_error, kept;
};

static int thread_main(void *arg) {
  struct thread_result *r = arg;
  char *x;
  r->clear_at_start = last_error_clear();
  x = milvus_client_list_import_jobs(NULL, NULL);
  r->own_error = x == NULL && last_error_is(MILVUS_ERR_INVALID_ARGUMENT, 0, 0);
  milvus_free(x);
  return 0;
}

static void test_threads(void) {
  struct thread_result r = {0, 0, 0};
  thrd_t t;
  /* This thread's last error is a transport failure; another thread's is its own. */
  FAILS(milvus_list_import_jobs(closed_url, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  CHECK(thrd_create(&t, thread_main, &r) == thrd_success && thrd_join(t, NULL) == thrd_success);
  CHECK(r.clear_at_start);
  CHECK(r.own_error);
  CHECK(last_error_is(MILVUS_ERR_TRANSPORT, 0, 0));
}
#endif

/* ---- against a live server (the emulator) -------------------------------------------------- */

static int count_calls(const char *describe_json, void *user_data) {
  int *calls = user_data;
  (*calls)++;
  /* It may call into the library: the envelope stays valid during the call. */
  (void)milvus_version();
  return contains(describe_json, "\"code\":0") ? 0 : 1;
}

static int stop_at_once(const char *describe_json, void *user_data) {
  int *calls = user_data;
  (void)describe_json;
  (*calls)++;
  return 1;
}

/* A progress callback that calls into the library itself. */
struct reentry {
  const char *url;
  int calls, inner_ok;
};

static int call_inside(const char *describe_json, void *user_data) {
  struct reentry *x = user_data;
  int envelope_ok = contains(describe_json, "\"code\":0"); /* read before calling again */
  char *r = milvus_list_import_jobs(x->url, "quick_setup");
  x->calls++;
  if (envelope_ok && r != NULL && last_error_clear()) x->inner_ok++;
  milvus_free(r);
  return 0;
}

#if !defined(__STDC_NO_THREADS__)
/* One client shared by threads: half succeed, half fail, each with its own last error. */
struct worker {
  milvus_client *client;
  int failing, good;
};

static int worker_main(void *arg) {
  struct worker *w = arg;
  int i;
  for (i = 0; i < 25; i++) {
    char *r = milvus_client_list_import_jobs(
        w->client, w->failing ? "{\"collectionName\":\"no_such_collection\"}"
                              : "{\"collectionName\":\"quick_setup\"}");
    if (w->failing ? r == NULL && last_error_is(MILVUS_ERR_SERVER, 200, 100)
                   : r != NULL && last_error_clear())
      w->good++;
    milvus_free(r);
    if (milvus_client_set_header(w->client, "X-Worker", w->failing ? "f" : "s") == MILVUS_OK &&
        last_error_clear())
      w->good++;
  }
  return 0;
}

static void test_live_threads(const char *url) {
  enum { N = 8 };
  struct worker workers[N];
  thrd_t threads[N];
  milvus_client *c = milvus_client_new(url);
  int i, started = 0;
  CHECK(c != NULL);
  if (c == NULL) return;
  for (i = 0; i < N; i++) {
    workers[i].client = c;
    workers[i].failing = i % 2;
    workers[i].good = 0;
    if (thrd_create(&threads[i], worker_main, &workers[i]) == thrd_success) started++;
  }
  CHECK(started == N);
  for (i = 0; i < started; i++) thrd_join(threads[i], NULL);
  for (i = 0; i < started; i++) CHECK(workers[i].good == 50);
  milvus_client_free(c);
}
#endif

static char *create(milvus_client *c, const char *request, char *id, size_t cap) {
  char *r = OK(milvus_client_bulk_import(c, request));
  job_id_of(r, id, cap);
  CHECK(id[0] != '\0');
  milvus_free(r);
  return id;
}

static void test_live_stateless(const char *url) {
  char *r, id[128];

  r = OK(milvus_list_import_jobs(url, "quick_setup"));
  CHECK(contains(r, "\"code\":0") && contains(r, "\"records\""));
  milvus_free(r);
  r = OK(milvus_list_import_jobs(url, NULL));
  CHECK(contains(r, "\"code\":0"));
  milvus_free(r);
  r = OK(milvus_list_import_jobs(url, ""));
  CHECK(contains(r, "\"code\":0"));
  milvus_free(r);

  r = OK(milvus_bulk_import(url, "quick_setup", "[[\"abi_stateless.json\"]]"));
  job_id_of(r, id, sizeof id);
  CHECK(id[0] != '\0');
  milvus_free(r);
  r = OK(milvus_get_import_progress(url, id));
  CHECK(contains(r, id));
  milvus_free(r);
  r = OK(milvus_list_import_jobs(url, "quick_setup"));
  CHECK(contains(r, id));
  milvus_free(r);

  FAILS(milvus_list_import_jobs(url, "no_such_collection"), MILVUS_ERR_SERVER, 200, 100);
  CHECK(contains(milvus_last_error_message(), "collection not found"));
  FAILS(milvus_bulk_import(url, "no_such_collection", "[[\"a.json\"]]"), MILVUS_ERR_SERVER, 200,
        100);
  FAILS(milvus_get_import_progress(url, "1"), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
}

static void test_live_client(const char *url) {
  milvus_client *c = milvus_client_new(url);
  char *r, id[128], req[512];
  int calls;

  CHECK(c != NULL);
  if (c == NULL) return;
  SET_OK(milvus_client_set_timeout_ms(c, 10000));
  SET_OK(milvus_client_set_connect_timeout_ms(c, 5000));
  SET_OK(milvus_client_set_tls(c, 1, NULL));
  SET_OK(milvus_client_set_client_cert(c, NULL, NULL));
  SET_OK(milvus_client_set_proxy(c, ""));
  SET_OK(milvus_client_set_retry_backoff_ms(c, 10));
  SET_OK(milvus_client_set_max_retries(c, 2));
  SET_OK(milvus_client_set_header(c, "X-Abi-Test", "1"));
  SET_OK(milvus_client_set_database(c, "default"));
  SET_OK(milvus_client_set_api_key(c, NULL));

  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_1.json\"],[\"abi_2.json\"]]}",
         id, sizeof id);
  r = OK(milvus_client_list_import_jobs(c, "{\"collectionName\":\"quick_setup\"}"));
  CHECK(contains(r, id));
  milvus_free(r);
  r = OK(milvus_client_list_import_jobs(c, NULL));
  CHECK(contains(r, id));
  milvus_free(r);
  r = OK(milvus_client_list_all_import_jobs(c, NULL));
  CHECK(contains(r, id) && contains(r, "\"count\""));
  milvus_free(r);
  r = OK(milvus_client_list_all_import_jobs(c, "{\"collectionName\":\"quick_setup\",\"pageSize\":1}"));
  CHECK(contains(r, id));
  milvus_free(r);

  snprintf(req, sizeof req, "{\"jobId\":\"%s\"}", id);
  r = OK(milvus_client_get_import_progress(c, req));
  CHECK(contains(r, id));
  milvus_free(r);

  /* Waiting: a timeout (the job takes about half a second), a cancel, then to the end. */
  FAILS(milvus_client_wait_import_job(c, id, 50, 10, NULL, NULL), MILVUS_ERR_TIMEOUT, ANY, 0);
  calls = 0;
  FAILS(milvus_client_wait_import_job(c, id, 10000, 10, stop_at_once, &calls),
        MILVUS_ERR_CANCELLED, ANY, 0);
  CHECK(calls == 1);
  calls = 0;
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, count_calls, &calls));
  CHECK(calls >= 1);
  CHECK(contains(r, "\"Completed\"") && contains(r, id));
  milvus_free(r);
  r = OK(milvus_client_wait_import_job_with_request(c, req, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Completed\""));
  milvus_free(r);

  /* The callback may call into the library; the wait goes on and ends clear. */
  {
    struct reentry x = {url, 0, 0};
    create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_6.json\"]]}", id, sizeof id);
    r = OK(milvus_client_wait_import_job(c, id, 10000, 20, call_inside, &x));
    CHECK(contains(r, "\"Completed\""));
    CHECK(x.calls >= 1 && x.inner_ok == x.calls);
    milvus_free(r);
  }

  /* A file whose name contains "fail" fails the job: wait returns it, not an error. */
  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_fail.json\"]]}", id, sizeof id);
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Failed\""));
  milvus_free(r);

  /* Two-phase import: Uncommitted, then commit -> Completed. */
  create(c,
         "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_3.json\"]],"
         "\"options\":{\"auto_commit\":\"false\"}}",
         id, sizeof id);
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Uncommitted\""));
  milvus_free(r);
  snprintf(req, sizeof req, "{\"jobId\":\"%s\"}", id);
  r = OK(milvus_client_commit_import(c, req));
  CHECK(contains(r, "\"code\":0"));
  milvus_free(r);
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Completed\""));
  milvus_free(r);

  /* ...or abort -> Failed. */
  create(c,
         "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_4.json\"]],"
         "\"options\":{\"auto_commit\":\"false\"}}",
         id, sizeof id);
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Uncommitted\""));
  milvus_free(r);
  snprintf(req, sizeof req, "{\"jobId\":\"%s\"}", id);
  r = OK(milvus_client_abort_import(c, req));
  CHECK(contains(r, "\"code\":0"));
  milvus_free(r);
  r = OK(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL));
  CHECK(contains(r, "\"Failed\""));
  milvus_free(r);

  /* Create with an Idempotency-Key: the same key gives the same job. */
  {
    char again[128];
    SET_OK(milvus_client_set_header(c, "Idempotency-Key", "abi-test-key-1"));
    create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_5.json\"]]}", id, sizeof id);
    create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_5.json\"]]}", again,
           sizeof again);
    CHECK(strcmp(id, again) == 0);
    SET_OK(milvus_client_set_header(c, "Idempotency-Key", NULL));
  }

  /* Server-side failures through a client. */
  FAILS(milvus_client_get_import_progress(c, "{\"jobId\":\"1\"}"), MILVUS_ERR_JOB_NOT_FOUND, 200,
        2100);
  FAILS(milvus_client_wait_import_job(c, "1", 5000, 10, NULL, NULL), MILVUS_ERR_JOB_NOT_FOUND,
        200, 2100);
  FAILS(milvus_client_list_import_jobs(c, "{\"collectionName\":\"no_such_collection\"}"),
        MILVUS_ERR_SERVER, 200, 100);
  SET_OK(milvus_client_set_database(c, "no_such_db"));
  FAILS(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_SERVER, 200, 800);
  SET_OK(milvus_client_set_database(c, NULL));

  /* The response cap; a refused value leaves it unchanged. */
  SET_OK(milvus_client_set_max_response_bytes(c, 1));
  SET_INVALID(milvus_client_set_max_response_bytes(c, 0));
  FAILS(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TOO_LARGE, ANY, ANY);
  SET_OK(milvus_client_set_max_response_bytes(c, 268435456));
  r = OK(milvus_client_list_import_jobs(c, NULL));
  milvus_free(r);

  milvus_client_free(c);
}

int main(int argc, char **argv) {
  milvus_client *offline;

  if (argc > 2) closed_url = argv[2];
  test_fresh_thread_state();
  test_version_and_statuses();
  test_free_null();
  test_null_arguments();
  test_invalid_urls();
  test_invalid_strings();
  test_valid_urls();

  offline = milvus_client_new(closed_url);
  CHECK(offline != NULL);
  if (offline != NULL) {
    test_setters(offline);
    SET_OK(milvus_client_set_max_retries(offline, 0));
    test_bad_requests(offline);
    test_last_error_rules(offline);
    milvus_client_free(offline);
  }
  test_refused();
#if !defined(__STDC_NO_THREADS__)
  test_threads();
#endif

  if (argc > 1) {
    test_live_stateless(argv[1]);
    test_live_client(argv[1]);
#if !defined(__STDC_NO_THREADS__)
    test_live_threads(argv[1]);
#endif
  } else {
    printf("no server URL given: the live checks were skipped\n");
  }

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
