/* every_call: every exported function of libmilvus_import, called from C11 the way a C user
 * calls it: NULL and "" for every pointer parameter, bad values, every success and every
 * failure kind, each result checked (kind, HTTP status, server code, one clean line of
 * message) and every NEW string freed, so whatever valgrind or ASan reports is the library's.
 * Run plain by `make test-c` (built against the staged install), under valgrind by
 * `make test-valgrind` and against an AddressSanitizer build by `make test-asan`:
 *
 *   python3 Tests/sanitizers/server.py --run -- every_call [ROUNDS]
 *
 * server.py sets, and this program uses:
 *   MILVUS_TEST_URL      its scenario server: the first path segment picks the behaviour
 *                        (/ok, /404, /code100, /auth, /malformed, /busy, /big, /slow, /old);
 *   MILVUS_NOIO_URL      a listener that must see no connection: every call that must be
 *                        refused before any I/O is pointed at it (server.py fails the run
 *                        when it was contacted);
 *   MILVUS_REFUSED_URL   a closed port;
 *   MILVUS_EMULATOR_URL  the project's emulator as Milvus 3.0 (OSS, jobs of 0.5 s,
 *                        collection quick_setup): job flows, checked in the first round
 *                        only. How each Milvus line answers an unknown job or database is
 *                        Tests/integration/test_emulator_flow.py's.
 * Prints one line per failed check and "every_call: R rounds, N checks, M failed"; exits 1
 * when any check failed. */
#include <limits.h>

#include "check.h"

static const char *base;     /* http://127.0.0.1:PORT of server.py */
static const char *noio;     /* must never be contacted */
static const char *refused;  /* nothing listens there */
static const char *emulator; /* the project's emulator */
static const char *program;  /* this program's path: an existing file that is not a key */
static char url_ok[256], url_404[256], url_code100[256], url_auth[256], url_malformed[256],
    url_busy[256], url_big[256], url_slow[256], url_old[256], url_https[256];

static const char *FILES = "[[\"a.parquet\"]]";
static const char *JOB = "{\"jobId\":\"1\"}";
static const char *CREATE = "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]]}";
static const char *UPLOAD = "{\"bucket\":\"b\",\"paths\":[\"/no/such/file.json\"]}";
static const char *IMPORT_FILES =
    "{\"collectionName\":\"c\",\"bucket\":\"b\",\"paths\":[\"/no/such/file.json\"]}";

/* The last error after a successful call: all clear. */
static int last_error_clear(void) {
  const char *m = milvus_last_error_message();
  return milvus_last_error_code() == MILVUS_OK && milvus_last_error_http_status() == 0 &&
         milvus_last_error_server_code() == 0 && m != NULL && m[0] == '\0';
}

static int contains(const char *s, const char *part) { return s != NULL && strstr(s, part) != NULL; }

/* A progress callback: counts calls, checks the text, stops after `stop_after` (0 never),
 * and, when `nested`, calls back into the library as the header allows. */
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
  CHECK(contains(describe_json, "\"state\""), "callback text has no state: %s", describe_json);
  if (p->nested) {
    char *inner = milvus_list_import_jobs(url_ok, "nested");
    CHECK(inner != NULL, "nested call failed: %s", milvus_last_error_message());
    milvus_free(inner);
    CHECK(strcmp(milvus_version(), MILVUS_IMPORT_VERSION) == 0, "version");
  }
  return p->stop_after > 0 && p->calls >= p->stop_after;
}

/* client_new refuses `url` with MILVUS_ERR_INVALID_ARGUMENT. */
/* Interrupt checks: one that always says stop, one that never does (counting its calls). */
static int stop_now(void *user_data) {
  (void)user_data;
  return 1;
}

static int never_stop(void *user_data) {
  ++*(int *)user_data;
  return 0;
}

static void expect_no_client(int line, const char *url) {
  milvus_client *c = milvus_client_new(url);
  if (c != NULL) {
    check_fail(line, "client_new(%s) accepted", url ? url : "NULL");
    milvus_client_free(c);
    return;
  }
  expect_fail_at(line, NULL, MILVUS_ERR_INVALID_ARGUMENT, 0, 0, "client_new");
}

/* A client on `url`: no proxy, retries without backoff, a 5 s timeout. */
static milvus_client *new_client(const char *url) {
  milvus_client *c = milvus_client_new(url);
  CHECK(c != NULL, "client_new(%s): %s", url, milvus_last_error_message());
  if (c == NULL) exit(1);
  CHECK(last_error_clear(), "client_new left an error");
  EXPECT_STATUS(milvus_client_set_proxy(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 5000), MILVUS_OK);
  return c;
}

/* ---- the version, the status strings, the last-error rules ---------------------------------- */

static void version_and_statuses(void) {
  char num[32];
  CHECK(milvus_version() != NULL && strcmp(milvus_version(), MILVUS_IMPORT_VERSION) == 0,
        "milvus_version %s", milvus_version());
  CHECK(milvus_version() == milvus_version(), "milvus_version is not static text");
  snprintf(num, sizeof num, "%d.%d.%d", MILVUS_IMPORT_VERSION_MAJOR, MILVUS_IMPORT_VERSION_MINOR,
           MILVUS_IMPORT_VERSION_PATCH);
  CHECK(strcmp(num, MILVUS_IMPORT_VERSION) == 0, "version parts %s", num);
  CHECK(MILVUS_IMPORT_VERSION_NUM == ((MILVUS_IMPORT_VERSION_MAJOR << 16) |
                                      (MILVUS_IMPORT_VERSION_MINOR << 8) | MILVUS_IMPORT_VERSION_PATCH),
        "MILVUS_IMPORT_VERSION_NUM");
  CHECK(MILVUS_IMPORT_AT_LEAST(0, 1, 0), "AT_LEAST(0,1,0)");
  CHECK(!MILVUS_IMPORT_AT_LEAST(0, 1, 1), "AT_LEAST(0,1,1)");
  CHECK(!MILVUS_IMPORT_AT_LEAST(1, 0, 0), "AT_LEAST(1,0,0)");

  /* The numbers are fixed by the ABI; each has its own static text. */
  CHECK(MILVUS_OK == 0 && MILVUS_ERR_INVALID_ARGUMENT == 1 && MILVUS_ERR_TRANSPORT == 2 &&
            MILVUS_ERR_TIMEOUT == 3 && MILVUS_ERR_TLS == 4 && MILVUS_ERR_HTTP == 5 &&
            MILVUS_ERR_AUTH == 6 && MILVUS_ERR_SERVER == 7 && MILVUS_ERR_MALFORMED_RESPONSE == 8 &&
            MILVUS_ERR_TOO_LARGE == 9 && MILVUS_ERR_JOB_NOT_FOUND == 10 &&
            MILVUS_ERR_NO_MEMORY == 11 && MILVUS_ERR_CANCELLED == 12 && MILVUS_ERR_STORAGE == 13,
        "status numbers");
  for (int s = MILVUS_OK; s <= MILVUS_ERR_STORAGE; s++) {
    const char *t = milvus_status_string(s);
    CHECK(t != NULL && t[0] != '\0' && message_is_clean(t) && strcmp(t, "unknown status") != 0,
          "status_string(%d)", s);
    CHECK(t == milvus_status_string(s), "status_string(%d) is not static text", s);
    for (int o = MILVUS_OK; o < s; o++)
      CHECK(strcmp(t, milvus_status_string(o)) != 0, "status_string(%d) == status_string(%d)", s, o);
  }
  int unknown[] = {INT_MIN, -1, 14, 99, 1000, 12345, INT_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
    CHECK(milvus_status_string(unknown[i]) != NULL &&
              strcmp(milvus_status_string(unknown[i]), "unknown status") == 0,
          "status_string(%d)", unknown[i]);
  milvus_free(NULL);
  milvus_client_free(NULL);
}

static void last_error_rules(void) {
  char msg[1024];
  milvus_client *c = new_client(noio);
  /* A failure... */
  EXPECT_INVALID(milvus_list_import_jobs(NULL, NULL));
  snprintf(msg, sizeof msg, "%s", milvus_last_error_message());
  /* ...survives the accessors, the status strings, the version and the frees... */
  (void)milvus_version();
  (void)milvus_status_string(MILVUS_ERR_SERVER);
  milvus_free(NULL);
  milvus_client_free(NULL);
  (void)milvus_last_error_http_status();
  (void)milvus_last_error_server_code();
  (void)milvus_last_error_message();
  CHECK(milvus_last_error_code() == MILVUS_ERR_INVALID_ARGUMENT, "accessors changed the last error");
  CHECK(milvus_last_error_http_status() == 0 && milvus_last_error_server_code() == 0, "fields");
  CHECK(strcmp(milvus_last_error_message(), msg) == 0, "message changed: %s", milvus_last_error_message());
  /* ...is cleared by the next call that succeeds, even a setter... */
  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  CHECK(last_error_clear(), "a success left the last error");
  /* ...and a failing setter sets it, leaving the setting unchanged. */
  EXPECT_STATUS(milvus_client_set_max_retries(c, 99), MILVUS_ERR_INVALID_ARGUMENT);
  milvus_client_free(c);
}

/* ---- NULL and "" for every pointer parameter ---------------------------------------------- */

static void stateless_null_and_empty(void) {
  EXPECT_INVALID(milvus_list_import_jobs(NULL, NULL));
  EXPECT_INVALID(milvus_list_import_jobs(NULL, "c"));
  EXPECT_INVALID(milvus_list_import_jobs("", NULL));
  EXPECT_INVALID(milvus_list_import_jobs("", ""));
  EXPECT_OK(milvus_list_import_jobs(url_ok, NULL)); /* all collections */
  EXPECT_OK(milvus_list_import_jobs(url_ok, ""));

  EXPECT_INVALID(milvus_get_import_progress(NULL, NULL));
  EXPECT_INVALID(milvus_get_import_progress(NULL, "1"));
  EXPECT_INVALID(milvus_get_import_progress(noio, NULL));
  EXPECT_INVALID(milvus_get_import_progress(noio, ""));

  EXPECT_INVALID(milvus_bulk_import(NULL, NULL, NULL));
  EXPECT_INVALID(milvus_bulk_import(NULL, "c", FILES));
  EXPECT_INVALID(milvus_bulk_import(noio, NULL, FILES));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", NULL));
  EXPECT_INVALID(milvus_bulk_import(noio, NULL, NULL));
  EXPECT_INVALID(milvus_bulk_import(noio, "", FILES));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", ""));
}

static void null_client(void) {
  milvus_client *none = NULL;
  expect_no_client(__LINE__, NULL);
  expect_no_client(__LINE__, "");

  EXPECT_STATUS(milvus_client_set_api_key(none, "t"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(none, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(none, "d"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(none, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(none, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(none, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(none, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_interrupt(none, NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_interrupt(none, stop_now, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(none, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_tls(none, 1, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_tls(none, 0, "ca.pem"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(none, NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(none, "c.pem", "k.pem"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(none, NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(none, "X-A", "b"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(none, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(none, ""), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(none, 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(none, 10), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(none, 1024), MILVUS_ERR_INVALID_ARGUMENT);

  EXPECT_INVALID(milvus_client_list_import_jobs(none, NULL));
  EXPECT_INVALID(milvus_client_list_import_jobs(none, "{}"));
  EXPECT_INVALID(milvus_client_list_all_import_jobs(none, NULL));
  EXPECT_INVALID(milvus_client_list_all_import_jobs(none, "{}"));
  EXPECT_INVALID(milvus_client_get_import_progress(none, NULL));
  EXPECT_INVALID(milvus_client_get_import_progress(none, JOB));
  EXPECT_INVALID(milvus_client_bulk_import(none, NULL));
  EXPECT_INVALID(milvus_client_bulk_import(none, CREATE));
  EXPECT_INVALID(milvus_client_commit_import(none, NULL));
  EXPECT_INVALID(milvus_client_commit_import(none, JOB));
  EXPECT_INVALID(milvus_client_abort_import(none, NULL));
  EXPECT_INVALID(milvus_client_abort_import(none, JOB));
  EXPECT_INVALID(milvus_client_wait_import_job(none, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(none, "1", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(none, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(none, JOB, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(none, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(none, "{\"jobIds\":[\"1\"]}", 1000, 10, NULL, NULL));

  EXPECT_STATUS(milvus_client_set_storage(none, NULL, NULL, "ak", "sk", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_storage_virtual_host(none, 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_part_size(none, 8 << 20), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_stall_timeout_ms(none, 1000), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_INVALID(milvus_client_upload_files(none, NULL, NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(none, UPLOAD, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(none, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(none, IMPORT_FILES, 1000, 10, NULL, NULL));
  CHECK(milvus_last_error_storage_code() != NULL && milvus_last_error_storage_code()[0] == '\0',
        "storage code after a failure without a store");
}

/* Object-store settings and calls: refused before any I/O. */
static void storage_null_and_bad(void) {
  milvus_client *c = new_client(noio);
  /* No store set: the upload calls say so. */
  EXPECT_INVALID(milvus_client_upload_files(c, UPLOAD, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(c, IMPORT_FILES, 1000, 10, NULL, NULL));
  EXPECT_STATUS(milvus_client_set_storage(c, NULL, NULL, NULL, "sk", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_storage(c, NULL, NULL, "ak", NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_storage(c, NULL, NULL, "", "sk", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_storage(c, "ftp://store", NULL, "ak", "sk", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_storage(c, noio, "us-east-1", "ak", "s\r\nk", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  CHECK(!contains(milvus_last_error_message(), "s\r\nk"), "secret key in a message");
  EXPECT_STATUS(milvus_client_set_storage(c, noio, NULL, "ak", "sk", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_storage(c, noio, "", "ak", "sk", ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_storage_virtual_host(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_storage_virtual_host(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_upload_part_size(c, (5LL << 20) - 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_part_size(c, (5LL << 30) + 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_part_size(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_part_size(c, 5LL << 20), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_upload_stall_timeout_ms(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_stall_timeout_ms(c, -5), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_upload_stall_timeout_ms(c, 1000), MILVUS_OK);
  /* Bad requests and paths that do not exist: refused before any I/O, naming what is wrong. */
  EXPECT_INVALID(milvus_client_upload_files(c, NULL, NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, "", NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, "[]", NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, "{\"paths\":[\"x\"]}", NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, "{\"bucket\":\"b\",\"paths\":[]}", NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, "{\"bucket\":\"b\",\"paths\":[7]}", NULL, NULL));
  EXPECT_INVALID(milvus_client_upload_files(c, UPLOAD, NULL, NULL));
  CHECK(contains(milvus_last_error_message(), "/no/such/file.json"), "the missing path is named: %s",
        milvus_last_error_message());
  EXPECT_INVALID(milvus_client_import_files(c, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(c, "{}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(c, IMPORT_FILES, 0, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_import_files(c, IMPORT_FILES, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(c, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(c, "", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(c, "{\"jobIds\":7}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(c, "{\"jobIds\":[\"1\"]}", 0, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_jobs(c, "{\"jobIds\":[\"1\"]}", 1000, 0, NULL, NULL));
  milvus_client_free(c);
}

static void client_null_and_empty(void) {
  milvus_client *c = new_client(noio);
  /* NULL or "" where they mean "remove" or "default": accepted, no I/O. */
  EXPECT_STATUS(milvus_client_set_api_key(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "", ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, program), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "", program), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, NULL, NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, NULL, "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "", NULL), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Absent", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, ""), MILVUS_OK);

  /* Calls whose request is required: NULL and "" are refused before any I/O. */
  EXPECT_INVALID(milvus_client_get_import_progress(c, NULL));
  EXPECT_INVALID(milvus_client_bulk_import(c, NULL));
  EXPECT_INVALID(milvus_client_commit_import(c, NULL));
  EXPECT_INVALID(milvus_client_abort_import(c, NULL));
  EXPECT_INVALID(milvus_client_list_import_jobs(c, ""));
  EXPECT_INVALID(milvus_client_list_all_import_jobs(c, ""));
  EXPECT_INVALID(milvus_client_get_import_progress(c, ""));
  EXPECT_INVALID(milvus_client_bulk_import(c, ""));
  EXPECT_INVALID(milvus_client_commit_import(c, ""));
  EXPECT_INVALID(milvus_client_abort_import(c, ""));
  EXPECT_INVALID(milvus_client_wait_import_job(c, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, NULL, 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, "", 1000, 10, NULL, NULL));
  milvus_client_free(c);

  /* NULL where it is meaningful: these work. */
  c = new_client(url_ok);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  EXPECT_OK(milvus_client_list_all_import_jobs(c, NULL));
  EXPECT_OK(milvus_client_wait_import_job(c, "1", 5000, 10, NULL, NULL));
  EXPECT_OK(milvus_client_wait_import_job_with_request(c, JOB, 5000, 10, NULL, NULL));
  milvus_client_free(c);
}

/* ---- URLs and text that are refused ------------------------------------------------------- */

static void urls(void) {
  static const char *const bad[] = {
      "", "ftp://x", "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1:19530", "https://",
      "http://h/?q=1", "http://127.0.0.1:1/?a=b", "http://h/#f", "http://127.0.0.1:1/#frag",
      "http://127.0.0.1:1/ x", "http://h:99999999/", "http://h\xff/", "http://\xff\xfe/",
      "http://127.0.0.1:1/\xc3\x28", "\xff"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char what[64];
    expect_no_client(__LINE__, bad[i]);
    snprintf(what, sizeof what, "list_import_jobs(bad url #%u)", (unsigned)i);
    expect_fail_at(__LINE__, milvus_list_import_jobs(bad[i], "c"), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what);
    snprintf(what, sizeof what, "get_import_progress(bad url #%u)", (unsigned)i);
    expect_fail_at(__LINE__, milvus_get_import_progress(bad[i], "1"), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what);
    snprintf(what, sizeof what, "bulk_import(bad url #%u)", (unsigned)i);
    expect_fail_at(__LINE__, milvus_bulk_import(bad[i], "c", FILES), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what);
  }
  /* A password in a refused URL is not echoed. */
  expect_no_client(__LINE__, "ftp://user:pw-s3cr3t-url@h/");
  CHECK(!contains(milvus_last_error_message(), "pw-s3cr3t-url"), "URL password in \"%s\"",
        milvus_last_error_message());

  static const char *const good[] = {"http://127.0.0.1:19530", "http://127.0.0.1:19530/",
                                     "https://proxy.example.com/milvus",
                                     "https://proxy.example.com/milvus//",
                                     "http://user:password@127.0.0.1:1"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    milvus_client *c = milvus_client_new(good[i]);
    CHECK(c != NULL && last_error_clear(), "client_new(%s): %s", good[i], milvus_last_error_message());
    milvus_client_free(c);
  }
}

static void stateless_bad_values(void) {
  EXPECT_INVALID(milvus_list_import_jobs(noio, "\xff\xfe"));
  EXPECT_INVALID(milvus_list_import_jobs(noio, "bad\xc3"));
  EXPECT_INVALID(milvus_list_import_jobs(noio, "quick\xff_setup")); /* not "all jobs" */
  EXPECT_INVALID(milvus_get_import_progress(noio, "\x80"));
  EXPECT_INVALID(milvus_get_import_progress(noio, "44876\xff"));
  EXPECT_INVALID(milvus_bulk_import(noio, "\xff", FILES));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"\xff\"]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"a\xff.json\"]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "not json"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[1]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[null]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[\"a\"]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"a.json\"], \"b.json\"]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "{\"files\":[[\"a\"]]}"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "{\"a\":1}"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"a\"]] x"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"\"]]"));
  EXPECT_INVALID(milvus_bulk_import(noio, "c", "[[\"a\"]"));
}

/* ---- the setters ---------------------------------------------------------------------------- */

static void setters(void) {
  milvus_client *c = new_client(noio);
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Milvus"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, "token-\xe9\x9b\x86"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, "a\r\nInjected: 1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "a\r\nb"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Mil\r\nvus"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Milvus\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_api_key(c, "abi-\xff-s3cr3t"), MILVUS_ERR_INVALID_ARGUMENT);
  CHECK(!contains(milvus_last_error_message(), "s3cr3t"), "token in \"%s\"", milvus_last_error_message());

  EXPECT_STATUS(milvus_client_set_database(c, "db_a"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, "db\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "d\nb"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "db\r\nX-Injected: 1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "\xc3("), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_database(c, "db\xff"), MILVUS_ERR_INVALID_ARGUMENT);

  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 20000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, -5), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, LONG_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, 5000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, LONG_MAX), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, 0), MILVUS_OK); /* none of its own */
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_attempt_timeout_ms(c, LONG_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 500), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 10000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, -5), MILVUS_ERR_INVALID_ARGUMENT);

  EXPECT_STATUS(milvus_client_set_tls(c, 0, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 0, ""), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 0, "/nonexistent/ca.pem"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, "/nonexistent/ca.pem"), MILVUS_OK); /* read at the first HTTPS call */
  EXPECT_STATUS(milvus_client_set_tls(c, 1, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "/nonexistent/c.pem", "/nonexistent/c.key"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "/nonexistent/c.pem", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, "/k.pem"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_client_cert(c, "\xff", NULL), MILVUS_ERR_INVALID_ARGUMENT);

  EXPECT_STATUS(milvus_client_set_header(c, "X-Test", "1"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "x-test", "2"), MILVUS_OK); /* replaces: names without case */
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Request-Timeout", "5"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "request-timeout", "6"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Request-Timeout", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Authorization", "Bearer other"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Authorization", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Trace", "abc\tdef"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Trace", NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "Bad Name", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, " X-Test", "1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test:", "1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X:Y", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test\r\nX-Injected", "1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test\n", "1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "\xff", "v"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test", "1\r\nX-Injected: 1"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test", "1\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Test", "1\x01"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Ok", "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "X-A", "a\r\nX-B: b"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "Content-Type", "text/plain"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "content-type", "text/plain"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_header(c, "content-type", "application/json"), MILVUS_ERR_INVALID_ARGUMENT);

  EXPECT_STATUS(milvus_client_set_proxy(c, "http://user:pw@127.0.0.1:3128"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://proxy.invalid:3128"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://a b"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://a\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "\xff"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "not a url\r\n"), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_proxy(c, "http://127.0.0.1:3128"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_proxy(c, ""), MILVUS_OK);

  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 10), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 11), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_retries(c, INT_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_set_stateless_max_retries(0), MILVUS_OK);
  EXPECT_STATUS(milvus_set_stateless_max_retries(10), MILVUS_OK);
  EXPECT_STATUS(milvus_set_stateless_max_retries(-1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_set_stateless_max_retries(11), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_set_stateless_max_retries(INT_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_set_stateless_max_retries(2), MILVUS_OK); /* the default again */
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 60000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 250), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 0), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 60001), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, LONG_MAX), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1LL << 40), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 268435456), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, -1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, (1LL << 40) + 1), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, LLONG_MIN), MILVUS_ERR_INVALID_ARGUMENT);
  milvus_client_free(c);
}

/* ---- the interrupt check ----------------------------------------------------------------- */

/* An interrupt that says stop at once stops every call before any I/O, with CANCELLED;
 * removed (NULL), or one that never says stop, the calls go on. */
static void interrupts(void) {
  int asked = 0;
  milvus_client *c = new_client(noio);
  EXPECT_STATUS(milvus_client_set_interrupt(c, stop_now, NULL), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_CANCELLED, 0, 0);
  CHECK(strcmp(milvus_last_error_message(), "list import jobs: interrupted") == 0, "message \"%s\"",
        milvus_last_error_message());
  EXPECT_FAIL(milvus_client_list_all_import_jobs(c, NULL), MILVUS_ERR_CANCELLED, 0, 0);
  EXPECT_FAIL(milvus_client_get_import_progress(c, JOB), MILVUS_ERR_CANCELLED, 0, 0);
  EXPECT_FAIL(milvus_client_bulk_import(c, CREATE), MILVUS_ERR_CANCELLED, 0, 0);
  EXPECT_FAIL(milvus_client_commit_import(c, JOB), MILVUS_ERR_CANCELLED, 0, 0);
  EXPECT_FAIL(milvus_client_abort_import(c, JOB), MILVUS_ERR_CANCELLED, 0, 0);
  EXPECT_FAIL(milvus_client_wait_import_job(c, "1", 60000, 1000, NULL, NULL), MILVUS_ERR_CANCELLED, 0, 0);
  CHECK(strcmp(milvus_last_error_message(), "wait for import job 1: interrupted") == 0, "message \"%s\"",
        milvus_last_error_message());
  EXPECT_FAIL(milvus_client_wait_import_jobs(c, "{\"jobIds\":[\"1\"]}", 60000, 1000, NULL, NULL),
              MILVUS_ERR_CANCELLED, 0, 0);
  milvus_client_free(c);

  c = new_client(url_ok);
  EXPECT_STATUS(milvus_client_set_interrupt(c, stop_now, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_interrupt(c, NULL, NULL), MILVUS_OK);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  EXPECT_STATUS(milvus_client_set_interrupt(c, never_stop, &asked), MILVUS_OK);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  CHECK(asked >= 1, "the interrupt was asked %d times", asked);
  milvus_client_free(c);
}

/* The process-wide retries of the stateless calls: none, then one. */
static void stateless_retries(void) {
  EXPECT_STATUS(milvus_set_stateless_max_retries(0), MILVUS_OK);
  EXPECT_FAIL(milvus_list_import_jobs(url_busy, "c"), MILVUS_ERR_HTTP, 503, 0);
  CHECK(!contains(milvus_last_error_message(), "attempts"), "retried: \"%s\"", milvus_last_error_message());
  EXPECT_STATUS(milvus_set_stateless_max_retries(1), MILVUS_OK);
  EXPECT_FAIL(milvus_get_import_progress(url_busy, "1"), MILVUS_ERR_HTTP, 503, 0);
  CHECK(contains(milvus_last_error_message(), "describe import job (2 attempts): "), "\"%s\"",
        milvus_last_error_message());
  EXPECT_STATUS(milvus_set_stateless_max_retries(2), MILVUS_OK);
}

/* ---- request_json that is not a valid request --------------------------------------------- */

static void bad_requests(void) {
  milvus_client *c = new_client(noio);
  static const char *const bad_list[] = {
      "", "[", "not json", "[]", "\"text\"", "42", "null", "{} {}", "{\"a\":1}{", "{\"a\":1,\"a\":2}",
      "\xff", "{\"collectionName\":5}", "{\"collectionName\":null}", "{\"collectionName\":\"\xff\"}",
      "{\"dbName\":1}", "{\"dbName\":null}", "{\"pageSize\":\"10\"}", "{\"pageSize\":1.5}",
      "{\"pageSize\":0}", "{\"pageSize\":-1}", "{\"currentPage\":\"1\"}", "{\"currentPage\":1.5}",
      "{\"clusterId\":7}"};
  for (size_t i = 0; i < sizeof bad_list / sizeof bad_list[0]; i++) {
    char what[64];
    snprintf(what, sizeof what, "client_list_import_jobs(bad request #%u)", (unsigned)i);
    expect_fail_at(__LINE__, milvus_client_list_import_jobs(c, bad_list[i]), MILVUS_ERR_INVALID_ARGUMENT, 0, 0, what);
    snprintf(what, sizeof what, "client_list_all_import_jobs(bad request #%u)", (unsigned)i);
    expect_fail_at(__LINE__, milvus_client_list_all_import_jobs(c, bad_list[i]), MILVUS_ERR_INVALID_ARGUMENT, 0, 0,
                   what);
  }

  EXPECT_INVALID(milvus_client_get_import_progress(c, "{}")); /* jobId is required */
  EXPECT_INVALID(milvus_client_get_import_progress(c, "{\"jobId\":\"\"}"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "{\"jobId\":448761313698322011}"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "{\"jobId\":null}"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "[\"1\"]"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "null"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "42"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "\"x\""));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "{"));
  EXPECT_INVALID(milvus_client_get_import_progress(c, "{\"jobId\":\"1\"} trailing"));

  EXPECT_INVALID(milvus_client_bulk_import(c, "{}")); /* collectionName and files are required */
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"files\":[[\"a\"]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\"}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":1,\"files\":[[\"a.json\"]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[\"a\"]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":\"a.json\"}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[1]]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a\"]],\"options\":[]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a\"]],\"options\":[\"x\"]}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a\"]],\"options\":{\"x\":1}}"));
  EXPECT_INVALID(milvus_client_bulk_import(
      c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]],\"options\":{\"auto_commit\":false}}"));
  EXPECT_INVALID(milvus_client_bulk_import(c, "{\"collectionName\":\"c\",\"files\":[[\"a.json\"]],\"partitionName\":2}"));

  EXPECT_INVALID(milvus_client_commit_import(c, "{}"));
  EXPECT_INVALID(milvus_client_commit_import(c, "{\"jobId\":1}"));
  EXPECT_INVALID(milvus_client_abort_import(c, "{}"));
  EXPECT_INVALID(milvus_client_abort_import(c, "{\"jobId\":1}"));
  EXPECT_INVALID(milvus_client_abort_import(c, "{\"jobId\":[\"1\"]}"));

  EXPECT_INVALID(milvus_client_wait_import_job(c, "\xff", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1\xff", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", 0, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", -1, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", 1000, 0, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", 1000, -5, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", 1000, 1001, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", 1000, 2000, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job(c, "1", LONG_MIN, LONG_MIN, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, "{}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, "[", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, "not json", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, "{\"jobId\":5}", 1000, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, JOB, 0, 10, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, JOB, 10, 11, NULL, NULL));
  EXPECT_INVALID(milvus_client_wait_import_job_with_request(c, JOB, 100, 200, NULL, NULL));
  milvus_client_free(c);
}

/* ---- successes and every failure kind from server.py --------------------------------------- */

static void stateless_calls(int round) {
  EXPECT_OK(milvus_list_import_jobs(url_ok, "quick_setup"));
  EXPECT_OK(milvus_list_import_jobs(url_ok, "we\"ird\\name_\xe9\x9b\x86\xe5\x90\x88"));
  EXPECT_OK(milvus_get_import_progress(url_ok, "448761313698322011"));
  EXPECT_OK(milvus_get_import_progress(url_old, "448761313698322011")); /* get_progress fallback */
  EXPECT_OK(milvus_bulk_import(url_ok, "quick_setup", "[[\"a.parquet\"],[\"b/1.json\"]]"));

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
  if (round % 10 == 0) {
    char url[256];
    EXPECT_FAIL(milvus_list_import_jobs(refused, "c"), MILVUS_ERR_TRANSPORT, 0, 0);
    EXPECT_FAIL(milvus_get_import_progress(refused, "1"), MILVUS_ERR_TRANSPORT, 0, 0);
    /* A URL password is never echoed. */
    snprintf(url, sizeof url, "http://root:abi-url-s3cr3t@%s", refused + strlen("http://"));
    EXPECT_FAIL(milvus_list_import_jobs(url, "quick_setup"), MILVUS_ERR_TRANSPORT, 0, 0);
    CHECK(!contains(milvus_last_error_message(), "abi-url-s3cr3t"), "URL password in \"%s\"",
          milvus_last_error_message());
  }
}

static void client_calls(int round) {
  char buffer[256];
  milvus_client *ok = new_client(url_ok);
  EXPECT_STATUS(milvus_client_set_api_key(ok, "root:S3cret-token"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(ok, "db_a"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(ok, "Idempotency-Key", "key-1"), MILVUS_OK);

  EXPECT_OK(milvus_client_list_import_jobs(ok, NULL));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{}"));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{\"collectionName\":\"quick_setup\",\"dbName\":\"db_a\"}"));
  EXPECT_OK(milvus_client_list_import_jobs(ok, "{\"collectionName\":\"c\",\"extra\":[1,{\"x\":null}]}"));
  EXPECT_OK(milvus_client_list_all_import_jobs(ok, NULL));                                 /* no paging */
  EXPECT_OK(milvus_client_list_all_import_jobs(ok, "{\"pageSize\":2,\"currentPage\":1}")); /* 3 pages */
  EXPECT_OK(milvus_client_get_import_progress(ok, "{\"jobId\":\"448761313698322011\"}"));
  EXPECT_OK(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]],"
                                          "\"options\":{\"timeout\":\"300\"}}"));
  EXPECT_OK(milvus_client_bulk_import(ok, "{\"collectionName\":\"c\",\"objectUrls\":[[\"s3://b/a\"]],"
                                          "\"accessKey\":\"AK\",\"secretKey\":\"SK\"}"));
  EXPECT_OK(milvus_client_commit_import(ok, JOB));
  EXPECT_OK(milvus_client_abort_import(ok, JOB));

  /* Waits, with and without a callback. */
  progress p = {0, 0, 0};
  snprintf(buffer, sizeof buffer, "steps-%d", round);
  EXPECT_OK(milvus_client_wait_import_job(ok, buffer, 10000, 1, on_progress, &p));
  CHECK(p.calls == 3, "steps job: %d callbacks, expected 3", p.calls);
  EXPECT_OK(milvus_client_wait_import_job(ok, "done-1", 10000, 5, NULL, NULL));
  EXPECT_OK(milvus_client_wait_import_job(ok, "failed-1", 10000, 5, NULL, NULL)); /* Failed is a result */
  p = (progress){0, 0, 1};
  snprintf(buffer, sizeof buffer, "{\"jobId\":\"steps-r%d\",\"dbName\":\"db_a\"}", round);
  EXPECT_OK(milvus_client_wait_import_job_with_request(ok, buffer, 10000, 1, on_progress, &p));
  CHECK(p.calls == 3, "steps job with request: %d callbacks", p.calls);
  p = (progress){0, 2, 0};
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "running-1", 10000, 1, on_progress, &p), MILVUS_ERR_CANCELLED, -1, -1);
  CHECK(p.calls == 2, "cancel after 2: %d callbacks", p.calls);
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "running-2", 30, 10, NULL, NULL), MILVUS_ERR_TIMEOUT, -1, -1);
  EXPECT_FAIL(milvus_client_wait_import_job(ok, "gone-1", 1000, 10, NULL, NULL), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
  EXPECT_FAIL(milvus_client_wait_import_job_with_request(ok, "{\"jobId\":\"gone-2\"}", 1000, 10, NULL, NULL),
              MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
  milvus_client_free(ok);

  milvus_client *c = new_client(url_404);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_client_get_import_progress(c, JOB), MILVUS_ERR_HTTP, 404, 0);
  EXPECT_FAIL(milvus_client_commit_import(c, JOB), MILVUS_ERR_HTTP, 404, 0);
  milvus_client_free(c);

  c = new_client(url_code100);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, "{\"collectionName\":\"coll_a\"}"), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_list_all_import_jobs(c, NULL), MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_bulk_import(c, "{\"collectionName\":\"coll_a\",\"files\":[[\"a\"]]}"),
              MILVUS_ERR_SERVER, 200, 100);
  EXPECT_FAIL(milvus_client_abort_import(c, JOB), MILVUS_ERR_SERVER, 200, 100);
  milvus_client_free(c);

  c = new_client(url_malformed);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  EXPECT_FAIL(milvus_client_wait_import_job(c, "1", 1000, 10, on_progress, &p), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
  milvus_client_free(c);

  c = new_client(url_auth);
  EXPECT_STATUS(milvus_client_set_api_key(c, "root:Sup3r-Secret"), MILVUS_OK);
  char *r = milvus_client_list_import_jobs(c, NULL);
  CHECK(!contains(milvus_last_error_message(), "Sup3r-Secret"), "token in message: %s", milvus_last_error_message());
  expect_fail_at(__LINE__, r, MILVUS_ERR_AUTH, 401, 1800, "auth list");
  milvus_client_free(c);

  c = new_client(url_busy); /* 503: retried once (no backoff), then HTTP 503 */
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_HTTP, 503, 0);
  EXPECT_FAIL(milvus_client_bulk_import(c, CREATE), MILVUS_ERR_HTTP, 503, 0);
  milvus_client_free(c);

  c = new_client(url_big); /* the response cap; a refused value leaves it unchanged */
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1024), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 0), MILVUS_ERR_INVALID_ARGUMENT);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TOO_LARGE, -1, 0);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1 << 20), MILVUS_OK);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  milvus_client_free(c);

  c = new_client(refused);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  EXPECT_FAIL(milvus_client_get_import_progress(c, JOB), MILVUS_ERR_TRANSPORT, 0, 0);
  EXPECT_FAIL(milvus_client_wait_import_job(c, "1", 1000, 10, NULL, NULL), MILVUS_ERR_TRANSPORT, 0, 0);
  EXPECT_STATUS(milvus_client_set_api_key(c, "abi-s3cr3t-token"), MILVUS_OK);
  EXPECT_FAIL(milvus_client_bulk_import(c, CREATE), MILVUS_ERR_TRANSPORT, 0, 0);
  CHECK(!contains(milvus_last_error_message(), "abi-s3cr3t-token"), "token in \"%s\"", milvus_last_error_message());
  milvus_client_free(c);

  /* A proxy that refuses: transport error, the proxy password never shown. */
  c = new_client(url_ok);
  snprintf(buffer, sizeof buffer, "http://proxyuser:Pr0xyPass@%s", refused + strlen("http://"));
  EXPECT_STATUS(milvus_client_set_proxy(c, buffer), MILVUS_OK);
  r = milvus_client_list_import_jobs(c, NULL);
  CHECK(!contains(milvus_last_error_message(), "Pr0xyPass"), "proxy password in message: %s",
        milvus_last_error_message());
  expect_fail_at(__LINE__, r, MILVUS_ERR_TRANSPORT, 0, 0, "list through a refused proxy");
  milvus_client_free(c);

  /* TLS to a plain-HTTP server: the handshake fails. */
  c = new_client(url_https);
  EXPECT_STATUS(milvus_client_set_tls(c, 0, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TLS, 0, 0);
  milvus_client_free(c);

  if (round % 10 == 0) {
    c = new_client(url_slow);
    EXPECT_STATUS(milvus_client_set_timeout_ms(c, 100), MILVUS_OK);
    EXPECT_STATUS(milvus_client_set_max_retries(c, 0), MILVUS_OK);
    EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TIMEOUT, 0, 0);
    milvus_client_free(c);
  }

  /* A URL with user:password and a path prefix; a client freed with no call made. */
  snprintf(buffer, sizeof buffer, "http://user:Pa55word@%s//ok///", base + strlen("http://"));
  c = new_client(buffer);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  milvus_client_free(c);
  milvus_client_free(milvus_client_new(url_ok));
}

/* ---- job flows on the emulator -------------------------------------------------------------- */

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

/* A text call that must succeed, checked as EXPECT_OK does: its text for the caller to read
 * and free, or NULL. */
static char *ok_text_at(int line, char *text, const char *what) {
  atomic_fetch_add(&check_count, 1);
  if (text == NULL || !last_error_clear())
    check_fail(line, "%s: expected success: kind %d http %d server %lld: %s", what, milvus_last_error_code(),
               milvus_last_error_http_status(), milvus_last_error_server_code(), milvus_last_error_message());
  return text;
}
#define OK_TEXT(call) ok_text_at(__LINE__, (call), #call)

/* A successful text call whose text contains `part`. */
static void expect_text_at(int line, char *text, const char *part, const char *what) {
  if (!contains(text, part)) check_fail(line, "%s: \"%s\" not in %.200s", what, part, text ? text : "NULL");
  milvus_free(text);
}
#define EXPECT_TEXT(call, part) expect_text_at(__LINE__, OK_TEXT(call), (part), #call)

static void create(milvus_client *c, const char *request, char *id, size_t cap) {
  char *r = OK_TEXT(milvus_client_bulk_import(c, request));
  job_id_of(r, id, cap);
  CHECK(id[0] != '\0', "no jobId in %s", r ? r : "NULL");
  milvus_free(r);
}

static int count_calls(const char *describe_json, void *user_data) {
  int *calls = user_data;
  (*calls)++;
  (void)milvus_version(); /* it may call into the library: the envelope stays valid */
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
  int calls, inner_ok;
};

static int call_inside(const char *describe_json, void *user_data) {
  struct reentry *x = user_data;
  int envelope_ok = contains(describe_json, "\"code\":0"); /* read before calling again */
  char *r = milvus_list_import_jobs(emulator, "quick_setup");
  x->calls++;
  if (envelope_ok && r != NULL && last_error_clear()) x->inner_ok++;
  milvus_free(r);
  return 0;
}

/* A job created with auto_commit "false" waits Uncommitted; `finish` (commit or abort) then
 * takes it to `end_state`. */
static void two_phase(milvus_client *c, const char *file, char *(*finish)(milvus_client *, const char *),
                      const char *end_state) {
  char request[256], id[128];
  snprintf(request, sizeof request,
           "{\"collectionName\":\"quick_setup\",\"files\":[[\"%s\"]],\"options\":{\"auto_commit\":\"false\"}}", file);
  create(c, request, id, sizeof id);
  EXPECT_TEXT(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL), "\"Uncommitted\"");
  snprintf(request, sizeof request, "{\"jobId\":\"%s\"}", id);
  EXPECT_TEXT(finish(c, request), "\"code\":0");
  EXPECT_TEXT(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL), end_state);
}

static void emulator_stateless(void) {
  char *r, id[128];
  EXPECT_TEXT(milvus_list_import_jobs(emulator, "quick_setup"), "\"records\"");
  EXPECT_TEXT(milvus_list_import_jobs(emulator, NULL), "\"code\":0");
  EXPECT_TEXT(milvus_list_import_jobs(emulator, ""), "\"code\":0");

  r = OK_TEXT(milvus_bulk_import(emulator, "quick_setup", "[[\"abi_stateless.json\"]]"));
  job_id_of(r, id, sizeof id);
  CHECK(id[0] != '\0', "no jobId in %s", r ? r : "NULL");
  milvus_free(r);
  EXPECT_TEXT(milvus_get_import_progress(emulator, id), id);
  EXPECT_TEXT(milvus_list_import_jobs(emulator, "quick_setup"), id);

  EXPECT_FAIL(milvus_list_import_jobs(emulator, "no_such_collection"), MILVUS_ERR_SERVER, 200, 100);
  CHECK(contains(milvus_last_error_message(), "collection not found"), "%s", milvus_last_error_message());
  EXPECT_FAIL(milvus_bulk_import(emulator, "no_such_collection", "[[\"a.json\"]]"), MILVUS_ERR_SERVER, 200, 100);
}

static void emulator_client(void) {
  milvus_client *c = new_client(emulator);
  char *r, id[128], again[128], req[512];
  int calls;
  EXPECT_STATUS(milvus_client_set_timeout_ms(c, 10000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_connect_timeout_ms(c, 5000), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_tls(c, 1, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_client_cert(c, NULL, NULL), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_retry_backoff_ms(c, 10), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_max_retries(c, 2), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_header(c, "X-Abi-Test", "1"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_database(c, "default"), MILVUS_OK);
  EXPECT_STATUS(milvus_client_set_api_key(c, NULL), MILVUS_OK);

  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_1.json\"],[\"abi_2.json\"]]}", id, sizeof id);
  EXPECT_TEXT(milvus_client_list_import_jobs(c, "{\"collectionName\":\"quick_setup\"}"), id);
  EXPECT_TEXT(milvus_client_list_import_jobs(c, NULL), id);
  r = OK_TEXT(milvus_client_list_all_import_jobs(c, NULL));
  CHECK(contains(r, id) && contains(r, "\"count\""), "list all: %.200s", r ? r : "NULL");
  milvus_free(r);
  EXPECT_TEXT(milvus_client_list_all_import_jobs(c, "{\"collectionName\":\"quick_setup\",\"pageSize\":1}"), id);
  snprintf(req, sizeof req, "{\"jobId\":\"%s\"}", id);
  EXPECT_TEXT(milvus_client_get_import_progress(c, req), id);

  /* Waiting: a timeout (the job takes about half a second), a cancel, then to the end. */
  EXPECT_FAIL(milvus_client_wait_import_job(c, id, 50, 10, NULL, NULL), MILVUS_ERR_TIMEOUT, -1, 0);
  calls = 0;
  EXPECT_FAIL(milvus_client_wait_import_job(c, id, 10000, 10, stop_at_once, &calls), MILVUS_ERR_CANCELLED, -1, 0);
  CHECK(calls == 1, "stop at once: %d calls", calls);
  calls = 0;
  r = OK_TEXT(milvus_client_wait_import_job(c, id, 10000, 20, count_calls, &calls));
  CHECK(calls >= 1, "no callback");
  CHECK(contains(r, "\"Completed\"") && contains(r, id), "wait: %.200s", r ? r : "NULL");
  milvus_free(r);
  EXPECT_TEXT(milvus_client_wait_import_job_with_request(c, req, 10000, 20, NULL, NULL), "\"Completed\"");

  /* The callback may call into the library; the wait goes on and ends clear. */
  struct reentry x = {0, 0};
  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_6.json\"]]}", id, sizeof id);
  EXPECT_TEXT(milvus_client_wait_import_job(c, id, 10000, 20, call_inside, &x), "\"Completed\"");
  CHECK(x.calls >= 1 && x.inner_ok == x.calls, "calls inside the callback: %d, %d ok", x.calls, x.inner_ok);

  /* A file whose name contains "fail" fails the job: wait returns it, not an error. */
  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_fail.json\"]]}", id, sizeof id);
  EXPECT_TEXT(milvus_client_wait_import_job(c, id, 10000, 20, NULL, NULL), "\"Failed\"");

  /* Two-phase import: Uncommitted, then commit -> Completed, or abort -> Failed. */
  two_phase(c, "abi_3.json", milvus_client_commit_import, "\"Completed\"");
  two_phase(c, "abi_4.json", milvus_client_abort_import, "\"Failed\"");

  /* Create with an Idempotency-Key: the same key gives the same job. */
  EXPECT_STATUS(milvus_client_set_header(c, "Idempotency-Key", "abi-test-key-1"), MILVUS_OK);
  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_5.json\"]]}", id, sizeof id);
  create(c, "{\"collectionName\":\"quick_setup\",\"files\":[[\"abi_5.json\"]]}", again, sizeof again);
  CHECK(strcmp(id, again) == 0, "same key, jobs %s and %s", id, again);
  EXPECT_STATUS(milvus_client_set_header(c, "Idempotency-Key", NULL), MILVUS_OK);

  /* A server-side failure through a client. */
  EXPECT_FAIL(milvus_client_list_import_jobs(c, "{\"collectionName\":\"no_such_collection\"}"), MILVUS_ERR_SERVER,
              200, 100);

  /* The response cap. */
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 1), MILVUS_OK);
  EXPECT_FAIL(milvus_client_list_import_jobs(c, NULL), MILVUS_ERR_TOO_LARGE, -1, -1);
  EXPECT_STATUS(milvus_client_set_max_response_bytes(c, 268435456), MILVUS_OK);
  EXPECT_OK(milvus_client_list_import_jobs(c, NULL));
  milvus_client_free(c);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 100;
  program = argv[0];
  base = env_or_die("MILVUS_TEST_URL");
  noio = env_or_die("MILVUS_NOIO_URL");
  refused = env_or_die("MILVUS_REFUSED_URL");
  emulator = env_or_die("MILVUS_EMULATOR_URL");
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

  /* Before any call on this thread: all clear. */
  CHECK(last_error_clear(), "a fresh thread has a last error");
  for (int round = 0; round < rounds; round++) {
    version_and_statuses();
    last_error_rules();
    stateless_null_and_empty();
    null_client();
    client_null_and_empty();
    storage_null_and_bad();
    urls();
    stateless_bad_values();
    setters();
    bad_requests();
    interrupts();
    if (round == 0) stateless_retries();
    stateless_calls(round);
    client_calls(round);
    if (round == 0) {
      emulator_stateless();
      emulator_client();
    }
  }
  /* The last call succeeded: the last error is clear. */
  EXPECT_OK(milvus_list_import_jobs(url_ok, NULL));
  CHECK(last_error_clear(), "clear");

  int failed = atomic_load(&check_failures);
  printf("every_call: %d rounds, %d checks, %d failed\n", rounds, atomic_load(&check_count), failed);
  return failed ? 1 : 0;
}
