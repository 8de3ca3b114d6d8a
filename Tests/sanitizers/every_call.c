/* every_call: every exported function of libmilvus_import, successes and every failure
 * kind, N times (default 100), for valgrind and AddressSanitizer.
 *
 *   python3 Tests/sanitizers/server.py --run -- valgrind ... build/sanitizers/every_call [N]
 *
 * The server (server.py) picks the behaviour from the first path segment of the URL:
 * /ok, /404, /code100, /auth, /malformed, /busy, /big, /slow, /old. Every result is
 * checked (kind, HTTP status, server code, a clean message) and every NEW string freed,
 * so whatever valgrind or ASan reports is the library's. */
#include <limits.h>
#include <stdint.h>

#include "check.h"

static const char *base;    /* http://127.0.0.1:PORT of server.py */
static const char *refused; /* http://127.0.0.1:PORT where nothing listens */
static char url_ok[256], url_404[256], url_code100[256], url_auth[256], url_malformed[256],
    url_busy[256], url_big[256], url_slow[256], url_old[256], url_https[256];

/* A progress callback: counts calls, checks the text, stops after `stop_after` (0 never),
 * and calls back into the library as the header allows. */
typedef struct progress {
  int calls;
  int stop_after;
  int nested;
} progress;

static int on_progress(const char *describe_json, void *user_data) {
  progress *p = user_data;
  p->calls++;
  CHECK(describe_json != NULL && describe_json[0] == '{', "callback got %s",
        describe_json ? describe_json : "NULL");
  CHECK(strstr(describe_json, "\"state\"") != NULL, "callback text has no state: %s", describe_json);
  if (p->nested) {
    /* Calling into the library from the callback: allowed, and must not disturb the wait. */
    char *inner = milvus_list_import_jobs(url_ok, "nested");
    CHECK(inner != NULL, "nested call failed: %s", milvus_last_error_message());
    milvus_free(inner);
    CHECK(strcmp(milvus_version(), MILVUS_IMPORT_VERSION) == 0, "version");
  }
  return p->stop_after > 0 && p->calls >= p->stop_after;
}

static void accessors(void) {
  CHECK(strcmp(milvus_version(), MILVUS_IMPORT_VERSION) == 0, "milvus_version %s", milvus_version());
  int probes[] = {INT_MIN, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 99, INT_MAX};
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    const char *s = milvus_status_string(probes[i]);
    CHECK(s != NULL && s[0] != '\0' && message_is_clean(s), "status_string(%d)", probes[i]);
  }
  CHECK(strcmp(milvus_status_string(12345), "unknown status") == 0, "unknown status text");
  milvus_free(NULL);
  /* Accessors do not touch the last error: fail, then read around them. */
  char *r = milvus_list_import_jobs(NULL, NULL);
  CHECK(r == NULL, "NULL url accepted");
  (void)milvus_version();
  (void)milvus_status_string(3);
  milvus_free(NULL);
  CHECK(milvus_last_error_code() == MILVUS_ERR_INVALID_ARGUMENT, "accessors changed the last error");
  CHECK(milvus_last_error_http_status() == 0 && milvus_last_error_server_code() == 0, "fields");
  CHECK(milvus_last_error_message()[0] != '\0', "empty message");
}

static void stateless(int iteration) {
  /* Successes. */
  EXPECT_OK(milvus_list_import_jobs(url_ok, "quick_setup"));
  EXPECT_OK(milvus_list_import_jobs(url_ok, NULL));
  EXPECT_OK(milvus_list_import_jobs(url_ok, ""));
  EXPECT_OK(milvus_list_import_jobs(url_ok, "we\"ird\\name_\xe9\x9b\x86\xe5\x90\x88"));
  EXPECT_OK(milvus_get_import_progress(url_ok, "448761313698322011"));
  EXPECT_OK(milvus_get_import_progress(url_old, "448761313698322011")); /* get_progress fallback */
  EXPECT_OK(milvus_bulk_import(url_ok, "quick_setup", "[[\"a.parquet\"],[\"b/1.json\"]]"));

  /* Server-side failures. */
  EXPECT_FAIL(milvus_list_import_jobs(url_404, "quick_setup"), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_list_import_jobs(url_code100, "coll_a"), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_list_import_jobs(url_malformed, "x"), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  EXPECT_FAIL(milvus_list_import_jobs(url_auth, "x"), MILVUS_ERR_AUTH, 401, 1800);
  EXPECT_FAIL(milvus_get_import_progress(url_ok, "gone-1"), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
  EXPECT_FAIL(milvus_get_import_progress(url_404, "1"), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_bulk_import(url_code100, "coll_a", "[[\"a\"]]"), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_bulk_import(url_malformed, "c", "[[\"a\"]]"), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  /* Refused: create is never retried, so it is quick; list and describe retry with the
   * default 250 ms backoff, so they run on every tenth round only. */
  EXPECT_FAIL(milvus_bulk_import(refused, "c", "[[\"a\"]]"), MILVUS_ERR_TRANSPORT, 0, 0);
  if (iteration % 10 == 0) {
    EXPECT_FAIL(milvus_list_import_jobs(refused, "c"), MILVUS_ERR_TRANSPORT, 0, 0);
    EXPECT_FAIL(milvus_get_import_progress(refused, "1"), MILVUS_ERR_TRANSPORT, 0, 0);
  }

  /* Invalid arguments: nothing is sent. */
  EXPECT_INVALID(milvus_list_import_jobs(NULL, "c"));
  EXPECT_INVALID(milvus_list_import_jobs(NULL, NULL));
  EXPECT_INVALID(milvus_list_import_jobs("", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("127.0.0.1:19530", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("ftp://127.0.0.1/", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("file:///etc/passwd", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("http://127.0.0.1:1/?a=b", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("http://127.0.0.1:1/#frag", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("http://127.0.0.1:1/ x", "c"));
  EXPECT_INVALID(milvus_list_import_jobs("http://\xff\xfe/", "c"));
  EXPECT_INVALID(milvus_list_import_jobs(url_ok, "\xff\xfe"));
  EXPECT_INVALID(milvus_list_import_jobs(url_ok, "bad\xc3"));
  EXPECT_INVALID(milvus_get_import_progress(NULL, "1"));
  EXPECT_INVALID(milvus_get_import_progress(url_ok, NULL));
  EXPECT_INVALID(milvus_get_import_progress(url_ok, ""));
  EXPECT_INVALID(milvus_get_import_progress(url_ok, "\x80"));
  EXPECT_INVALID(milvus_get_import_progress("https://", "1"));
  EXPECT_INVALID(milvus_bulk_import(NULL, "c", "[[\"a\"]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, NULL, "[[\"a\"]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", NULL));
  EXPECT_INVALID(milvus_bulk_import(NULL, NULL, NULL));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "", "[[\"a\"]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", ""));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "not json"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[[]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[[1]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[\"a\"]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "{\"files\":[[\"a\"]]}"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[[\"\"]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[[\"a\"]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "\xff", "[[\"a\"]]"));
  EXPECT_INVALID(milvus_bulk_import(url_ok, "c", "[[\"\xff\"]]"));
}

static void setters(milvus_client *c) {
  /* Valid values. */
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Milvus"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, "token-\xe9\x9b\x86"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, "db_a"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 5000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 2000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 0, "/nonexistent/ca.pem"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "/nonexistent/c.pem", "/nonexistent/c.key"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "/nonexistent/c.pem", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "", ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Request-Timeout", "5"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "request-timeout", "6"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Trace", "abc\tdef"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Trace", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Absent", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://user:pw@127.0.0.1:3128"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 10), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 60000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1LL << 40), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1 << 20), MILVUS_OK);

  /* Bad values: refused, setting unchanged. */
  EXPECT_STATUS(milvus_client_set_api_key(c, "a\r\nInjected: 1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "db\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "\xc3("), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, LONG_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, -5), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, "/k.pem"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "\xff", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, NULL, "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "Bad Name", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X:Y", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "Content-Type", "text/plain"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Ok", "a\r\nb: c"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Ok", "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "\xff", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://a b"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://a\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 11), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(c, INT_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 60001), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, LONG_MAX), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, (1LL << 40) + 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, LLONG_MIN), MILVUS_ERR_INVALID_ARGUMENT);

  /* A NULL client, for every setter. */
  EXPECT_STATUS(milvus_client_set_api_key(NULL, "t"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(NULL, "d"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(NULL, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(NULL, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_tls(NULL, 1, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(NULL, NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(NULL, "X-A", "b"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(NULL, 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(NULL, 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(NULL, 1), MILVUS_ERR_INVALID_ARGUMENT);
}

/* A client on `url`: no proxy, no retries backoff, short timeouts. */
static milvus_client *new_client(const char *url) {
  milvus_client *c = milvus_client_new(url);
  CHECK(c != NULL, "client_new(%s): %s", url, milvus_last_error_message());
  if (c == NULL) exit(1);
  CHECK(milvus_last_error_code() == MILVUS_OK, "client_new left an error");
  EXPECT_STATUS(milvus_client_set_proxy(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 5000), MILVUS_OK);
  return c;
}

/* client_new refuses `url` with MILVUS_ERR_INVALID_ARGUMENT. */
static void expect_no_client(int line, const char *url) {
  milvus_client *c = milvus_client_new(url);
  if (c != NULL) {
    check_fail(line, "client_new(%s) accepted", url ? url : "NULL");
    milvus_client_free(c);
    return;
  }
  expect_fail_at(line, NULL, MILVUS_ERR_INVALID_ARGUMENT, 0, 0, "client_new");
}

static void client_calls(int iteration) {
  char buffer[256];
  /* client_new's own failures. */
  expect_no_client(__LINE__, NULL);
  expect_no_client(__LINE__, "");
  expect_no_client(__LINE__, "ftp://127.0.0.1");
  expect_no_client(__LINE__, "http://h/?q=1");
  expect_no_client(__LINE__, "http://h:99999999/");
  expect_no_client(__LINE__, "\xff");
  milvus_client_free(NULL);

  milvus_client *ok = new_client(url_ok);
  setters(ok);
  EXPECT_STATUS(milvus_client_set_api_key(ok, "root:S3cret-token"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(ok, "Idempotency-Key", "key-1"), MILVUS_OK);

  /* Successes, every call. */
  EXPECT_OK(milvus_client_list_import_jobs(ok, NULL));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{}"));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{\"collectionName\":\"quick_setup\",\"dbName\":\"db_a\"}"));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{\"collectionName\":\"c\",\"extra\":[1,{\"x\":null}]}"));
  EXPECT_OK(milvus_client_list_all_import_jobs(ok, NULL));                    /* no paging */
  EXPECT_OK(milvus_client_list_all_import_jobs(ok, "{\"pageSize\":2,\"currentPage\":1}")); /* 3 pages */
  EXPECT_OK(milvus_client_get_import_progress(ok, "{\"jobId\":\"448761313698322011\"}"));
  EXPECT_OK(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]],"
                                          "\"options\":{\"timeout\":\"300\"}}"));
  EXPECT_OK(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"objectUrls\":[[\"s3://b/a\"]],"
                                          "\"accessKey\":\"AK\",\"secretKey\":\"SK\"}"));
  EXPECT_OK(milvus_client_commit_import(ok, "{\"jobId\":\"1\"}"));
  EXPECT_OK(milvus_client_abort_import(ok, "{\"jobId\":\"1\"}"));

  /* Waits, with and without a callback. */
  progress p = {0, 0, 0};
  snprintf(buffer, sizeof buffer, "steps-%d", iteration);
  EXPECT_OK(milvus_client_wait_import_job(ok, buffer, 10000, 1, on_progress, &p));
  CHECK(p.calls == 3, "steps job: %d callbacks, expected 3", p.calls);
  EXPECT_OK(milvus_client_wait_import_job(ok, "done-1", 10000, 5, NULL, NULL));
  EXPECT_OK(milvus_client_wait_import_job(ok, "failed-1", 10000, 5, NULL, NULL)); /* Failed is a result */
  p = (progress){0, 0, 1};
  snprintf(buffer, sizeof buffer, "{\"jobId\":\"steps-r%d\",\"dbName\":\"db_a\"}", iteration);
  EXPECT_OK(milvus_client_wait_import_job_with_request(ok, buffer, 10000, 1, on_progress, &p));
  CHECK(p.calls == 3, "steps job with request: %d callbacks", p.calls);
  p = (progress){0, 2, 0};
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "running-1", 10000, 1, on_progress, &p),
              MILVUS_ERR_CANCELLED, -1, -1);
  CHECK(p.calls == 2, "cancel after 2: %d callbacks", p.calls);
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "running-2", 30, 10, NULL, NULL), MILVUS_ERR_TIMEOUT, -1, -1);
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "gone-1", 1000, 10, NULL, NULL),
              MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
  EXPECT_FAIL(milvus_client_wait_import_job_with_request(ok, "{\"jobId\":\"gone-2\"}", 1000, 10, NULL, NULL),
              MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);

  /* Invalid requests: nothing is sent. */
  EXPECT_INVALID(milvus_client_list_import_jobs(NULL, NULL));
  EXPECT_INVALID(milvus_client_list_all_import_jobs(NULL, "{}"));
  EXPECT_INVALID(milvus_client_get_import_progress(NULL, "{\"jobId\":\"1\"}"));
  EXPECT_INVALID(milvus_client_bulk_import(NULL, NULL));
  EXPECT_INVALID(milvus_client_commit_import(NULL, "{\"jobId\":\"1\"}"));
  EXPECT_INVALID(milvus_client_abort_import(NULL, "{\"jobId\":\"1\"}"));
  EXPECT_INVALID(milvus_client_wait_import_job(NULL, "1", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(NULL, "{\"jobId\":\"1\"}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "["));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "[]"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "\"text\""));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "42"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, ""));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"a\":1}{"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"a\":1,\"a\":2}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"collectionName\":5}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"dbName\":null}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"pageSize\":\"10\"}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"pageSize\":0}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"currentPage\":1.5}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "{\"collectionName\":\"\xff\"}"));
  EXPECT_INVALID(milvus_client_list_import_jobs(ok, "\xff"));
  EXPECT_INVALID(milvus_client_list_all_import_jobs(ok, "{\"pageSize\":-1}"));
  EXPECT_INVALID(milvus_client_get_import_progress(ok, NULL));
  EXPECT_INVALID(milvus_client_get_import_progress(ok, "{}"));
  EXPECT_INVALID(milvus_client_get_import_progress(ok, "{\"jobId\":\"\"}"));
  EXPECT_INVALID(milvus_client_get_import_progress(ok, "{\"jobId\":448761313698322011}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, NULL));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"files\":[[\"a\"]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\"}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[\"a\"]}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[[]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[[\"a\"]],\"options\":[]}"));
  EXPECT_INVALID(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[[\"a\"]],\"options\":{\"x\":1}}"));
  EXPECT_INVALID(milvus_client_commit_import(ok, NULL));
  EXPECT_INVALID(milvus_client_commit_import(ok, "{\"jobId\":1}"));
  EXPECT_INVALID(milvus_client_abort_import(ok, "{}"));
  EXPECT_INVALID(milvus_client_abort_import(ok, "{\"jobId\":[\"1\"]}"));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "\xff", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "1", 0, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "1", -1, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "1", 1000, 0, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "1", 1000, 1001, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(ok, "1", LONG_MIN, LONG_MIN, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(ok, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(ok, "{}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(ok, "[", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(ok, "{\"jobId\":\"1\"}", 10, 11, NULL, NULL));
  milvus_client_free(ok);

  /* Each failure kind from a client. */
  milvus_client *c;
  c = new_client(url_404);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_client_get_import_progress(c, "{\"jobId\":\"1\"}"), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_client_commit_import(c, "{\"jobId\":\"1\"}"), MILVUS_ERR_HTTP, 404, 0);
  milvus_client_free(c);

  c = new_client(url_code100);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, "{\"collectionName\":\"coll_a\"}"), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_list_all_import_jobs(c, NULL), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_bulk_import(c, "{\"collectionName\":\"coll_a\",\"files\":[[\"a\"]]}"),
              MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_abort_import(c, "{\"jobId\":\"1\"}"), MILVUS_ERR_SERVER, 200, 100);
  milvus_client_free(c);

  c = new_client(url_malformed);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  EXPECT_FAIL(milvus_client_wait_import_job(c, "1", 1000, 10, on_progress, &p), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  milvus_client_free(c);

  c = new_client(url_auth);
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Sup3r-Secret"), MILVUS_OK);
  char *r = milvus_client_list_import_jobs(c, NULL);
  CHECK(strstr(milvus_last_error_message(), "Sup3r-Secret") == NULL, "token in message: %s",
        milvus_last_error_message());
  expect_fail_at(__LINE__, r, MILVUS_ERR_AUTH, 401, 1800, "auth list");
  milvus_client_free(c);

  c = new_client(url_busy); /* 503: retried once (no backoff), then HTTP 503 */
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_HTTP, 503, 0);
  EXPECT_FAIL(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a\"]]}"), MILVUS_ERR_HTTP, 503, 0);
  milvus_client_free(c);

  c = new_client(url_big);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1024), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TOO_LARGE, -1, 0);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1 << 20), MILVUS_OK);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  milvus_client_free(c);

  c = new_client(refused);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  EXPECT_FAIL(milvus_client_wait_import_job(c, "1", 1000, 10, NULL, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  milvus_client_free(c);

  /* A proxy that refuses: transport error, the proxy password never shown. */
  c = new_client(url_ok);
  snprintf(buffer, sizeof buffer, "http://proxyuser:Pr0xyPass@%s", refused + strlen("http://"));
  EXPECT_STATUS(milvus_client_set_proxy(c, buffer), MILVUS_OK);
  r = milvus_client_list_import_jobs(c, NULL);
  CHECK(strstr(milvus_last_error_message(), "Pr0xyPass") == NULL, "proxy password in message: %s",
        milvus_last_error_message());
  expect_fail_at(__LINE__, r, MILVUS_ERR_TRANSPORT, 0, 0, "list through a refused proxy");
  milvus_client_free(c);

  /* TLS to a plain-HTTP server: the handshake fails. */
  c = new_client(url_https);
  EXPECT_STATUS(milvus_client_set_tls(c, 0, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TLS, 0, 0);
  milvus_client_free(c);

  if (iteration % 10 == 0) {
    c = new_client(url_slow);
    EXPECT_STATUS(milvus_client_set_timeout_ms(c, 100), MILVUS_OK);
    EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
    EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TIMEOUT, 0, 0);
    milvus_client_free(c);
  }

  /* A URL with user:password and a path prefix; a client freed with calls never made. */
  snprintf(buffer, sizeof buffer, "http://user:Pa55word@%s//ok///", base + strlen("http://"));
  c = new_client(buffer);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  milvus_client_free(c);
  milvus_client_free(milvus_client_new(url_ok));
  (void)join_url;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 100;
  base = env_or_die("MILVUS_TEST_URL");
  refused = env_or_die("MILVUS_REFUSED_URL");
  join_url(url_ok, sizeof url_ok, base, "/ok");
  join_url(url_404, sizeof url_404, base, "/404");
  join_url(url_code100, sizeof url_code100, base, "/code100");
  join_url(url_auth, sizeof url_auth, base, "/auth");
  join_url(url_malformed, sizeof url_malformed, base, "/malformed");
  join_url(url_busy, sizeof url_busy, base, "/busy");
  join_url(url_big, sizeof url_big, base, "/big");
  join_url(url_slow, sizeof url_slow, base, "/slow");
  join_url(url_old, sizeof url_old, base, "/old");
  snprintf(url_https, sizeof url_https, "https://%s/ok", base + strlen("http://"));

  for (int i = 0; i < iterations; i++) {
    accessors();
    stateless(i);
    client_calls(i);
  }
  /* The last call succeeded: the last error is clear. */
  EXPECT_OK(milvus_list_import_jobs(url_ok, NULL));
  CHECK(milvus_last_error_code() == MILVUS_OK && milvus_last_error_message()[0] == '\0', "clear");

  int failed = atomic_load(&check_failures);
  printf("every_call: %d iterations, %d checks, %d failed\n", iterations, atomic_load(&check_count), failed);
  return failed ? 1 : 0;
}
