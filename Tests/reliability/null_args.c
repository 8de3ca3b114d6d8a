/* NULL and "" for every pointer parameter of every exported function.
 *
 * usage: null_args NOIO_URL WORKS_URL KEY_FILE
 *   NOIO_URL  a server that must receive nothing (every check against it is refused
 *             before any I/O);
 *   WORKS_URL a server answering every path with a successful envelope whose job state is
 *             Completed (for the calls where NULL or "" is meaningful and must work);
 *   KEY_FILE  any existing file (a key without a certificate is refused, not read).
 *
 * Prints one line per failed check and "checks: N failed: M"; exits 1 when any failed.
 * A crash shows as a signal in the caller; the last "at:" line on stderr names the check.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milvus_import.h"

static int checks, failures;
static const char *noio, *works, *keyfile;

static void at(const char *label) {
  fprintf(stderr, "at: %s\n", label);
  fflush(stderr);
}

static void fail(const char *label, const char *what) {
  failures++;
  printf("FAIL %s: %s (last error %d \"%s\")\n", label, what, milvus_last_error_code(),
         milvus_last_error_message());
}

/* A call returning NEW text: NULL with `expect` set as the last error, or text with OK. */
static void text(const char *label, char *result, int expect) {
  checks++;
  int code = milvus_last_error_code();
  const char *message = milvus_last_error_message();
  if (message == NULL) {
    failures++;
    printf("FAIL %s: milvus_last_error_message returned NULL\n", label);
  } else if (expect == MILVUS_OK) {
    if (result == NULL) fail(label, "expected text, got NULL");
    else if (code != MILVUS_OK || message[0] != '\0') fail(label, "a success left a last error");
  } else {
    if (result != NULL) fail(label, "expected NULL, got text");
    else if (code != expect) fail(label, "wrong error kind");
    else if (milvus_last_error_http_status() != 0 || milvus_last_error_server_code() != 0)
      fail(label, "an invalid argument has an HTTP status or server code");
    else if (message[0] == '\0') fail(label, "empty error message");
  }
  milvus_free(result);
}

static void status(const char *label, int rc, int expect) {
  checks++;
  if (rc != expect) {
    char what[96];
    snprintf(what, sizeof what, "returned %d, expected %d", rc, expect);
    fail(label, what);
  } else if (milvus_last_error_code() != rc) {
    fail(label, "return value and last error differ");
  } else if (rc != MILVUS_OK && milvus_last_error_message()[0] == '\0') {
    fail(label, "empty error message");
  }
}

#define TEXT(expr, expect) (at(#expr), text(#expr, (expr), (expect)))
#define STATUS(expr, expect) (at(#expr), status(#expr, (expr), (expect)))

enum { BAD = MILVUS_ERR_INVALID_ARGUMENT, OK = MILVUS_OK };

static const char *FILES = "[[\"a.parquet\"]]";
static const char *JOB = "{\"jobId\":\"1\"}";
static const char *CREATE = "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]]}";

static void accessors(void) {
  at("accessors");
  checks++;
  const char *v = milvus_version();
  if (v == NULL || strcmp(v, MILVUS_IMPORT_VERSION) != 0) fail("milvus_version", "not MILVUS_IMPORT_VERSION");
  for (int s = 0; s <= MILVUS_ERR_CANCELLED; s++) {
    const char *t = milvus_status_string(s);
    checks++;
    if (t == NULL || t[0] == '\0' || strcmp(t, "unknown status") == 0) fail("milvus_status_string(known)", "empty");
  }
  int unknown[] = {-1, 13, 1000, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    checks++;
    const char *t = milvus_status_string(unknown[i]);
    if (t == NULL || strcmp(t, "unknown status") != 0) fail("milvus_status_string(unknown)", "not \"unknown status\"");
  }
  milvus_free(NULL);
  milvus_client_free(NULL);

  /* The accessors never change the last error. */
  char *r = milvus_get_import_progress(NULL, "1");
  (void)milvus_version();
  (void)milvus_status_string(3);
  milvus_free(NULL);
  (void)milvus_last_error_http_status();
  (void)milvus_last_error_server_code();
  (void)milvus_last_error_message();
  text("accessors keep the last error", r, BAD);
}

static void stateless(void) {
  TEXT(milvus_list_import_jobs(NULL, NULL), BAD);
  TEXT(milvus_list_import_jobs(NULL, "c"), BAD);
  TEXT(milvus_list_import_jobs("", NULL), BAD);
  TEXT(milvus_list_import_jobs("", ""), BAD);
  TEXT(milvus_list_import_jobs(works, NULL), OK);
  TEXT(milvus_list_import_jobs(works, ""), OK);

  TEXT(milvus_get_import_progress(NULL, NULL), BAD);
  TEXT(milvus_get_import_progress(NULL, "1"), BAD);
  TEXT(milvus_get_import_progress(noio, NULL), BAD);
  TEXT(milvus_get_import_progress(noio, ""), BAD);
  TEXT(milvus_get_import_progress("", "1"), BAD);

  TEXT(milvus_bulk_import(NULL, NULL, NULL), BAD);
  TEXT(milvus_bulk_import(NULL, "c", FILES), BAD);
  TEXT(milvus_bulk_import(noio, NULL, FILES), BAD);
  TEXT(milvus_bulk_import(noio, "c", NULL), BAD);
  TEXT(milvus_bulk_import(noio, NULL, NULL), BAD);
  TEXT(milvus_bulk_import(noio, "", FILES), BAD);
  TEXT(milvus_bulk_import(noio, "c", ""), BAD);
  TEXT(milvus_bulk_import("", "c", FILES), BAD);
}

static void null_client(void) {
  milvus_client *none = NULL;
  at("milvus_client_new(NULL)");
  checks++;
  if (milvus_client_new(NULL) != NULL || milvus_last_error_code() != BAD)
    fail("milvus_client_new(NULL)", "not refused");
  checks++;
  if (milvus_client_new("") != NULL || milvus_last_error_code() != BAD) fail("milvus_client_new(\"\")", "not refused");

  STATUS(milvus_client_set_api_key(none, "t"), BAD);
  STATUS(milvus_client_set_api_key(none, NULL), BAD);
  STATUS(milvus_client_set_database(none, "d"), BAD);
  STATUS(milvus_client_set_database(none, NULL), BAD);
  STATUS(milvus_client_set_timeout_ms(none, 1000), BAD);
  STATUS(milvus_client_set_connect_timeout_ms(none, 1000), BAD);
  STATUS(milvus_client_set_tls(none, 1, NULL), BAD);
  STATUS(milvus_client_set_tls(none, 0, "ca.pem"), BAD);
  STATUS(milvus_client_set_client_cert(none, NULL, NULL), BAD);
  STATUS(milvus_client_set_client_cert(none, "c.pem", "k.pem"), BAD);
  STATUS(milvus_client_set_header(none, NULL, NULL), BAD);
  STATUS(milvus_client_set_header(none, "X-A", "b"), BAD);
  STATUS(milvus_client_set_proxy(none, NULL), BAD);
  STATUS(milvus_client_set_proxy(none, ""), BAD);
  STATUS(milvus_client_set_max_retries(none, 1), BAD);
  STATUS(milvus_client_set_retry_backoff_ms(none, 10), BAD);
  STATUS(milvus_client_set_max_response_bytes(none, 1024), BAD);

  TEXT(milvus_client_list_import_jobs(none, NULL), BAD);
  TEXT(milvus_client_list_import_jobs(none, "{}"), BAD);
  TEXT(milvus_client_list_all_import_jobs(none, NULL), BAD);
  TEXT(milvus_client_list_all_import_jobs(none, "{}"), BAD);
  TEXT(milvus_client_get_import_progress(none, NULL), BAD);
  TEXT(milvus_client_get_import_progress(none, JOB), BAD);
  TEXT(milvus_client_bulk_import(none, NULL), BAD);
  TEXT(milvus_client_bulk_import(none, CREATE), BAD);
  TEXT(milvus_client_commit_import(none, NULL), BAD);
  TEXT(milvus_client_commit_import(none, JOB), BAD);
  TEXT(milvus_client_abort_import(none, NULL), BAD);
  TEXT(milvus_client_abort_import(none, JOB), BAD);
  TEXT(milvus_client_wait_import_job(none, NULL, 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job(none, "1", 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job_with_request(none, NULL, 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job_with_request(none, JOB, 1000, 10, NULL, NULL), BAD);
}

static void null_arguments(void) {
  milvus_client *c = milvus_client_new(noio);
  if (c == NULL) {
    fail("milvus_client_new(noio)", "failed");
    return;
  }
  /* NULL or "" where they mean "remove" or "default": accepted, no I/O. */
  STATUS(milvus_client_set_api_key(c, NULL), OK);
  STATUS(milvus_client_set_api_key(c, ""), OK);
  STATUS(milvus_client_set_database(c, NULL), OK);
  STATUS(milvus_client_set_database(c, ""), OK);
  STATUS(milvus_client_set_tls(c, 1, NULL), OK);
  STATUS(milvus_client_set_tls(c, 1, ""), OK);
  STATUS(milvus_client_set_client_cert(c, NULL, NULL), OK);
  STATUS(milvus_client_set_client_cert(c, "", ""), OK);
  STATUS(milvus_client_set_client_cert(c, NULL, keyfile), BAD);
  STATUS(milvus_client_set_client_cert(c, "", keyfile), BAD);
  STATUS(milvus_client_set_header(c, NULL, NULL), BAD);
  STATUS(milvus_client_set_header(c, NULL, "v"), BAD);
  STATUS(milvus_client_set_header(c, "", "v"), BAD);
  STATUS(milvus_client_set_header(c, "", NULL), BAD);
  STATUS(milvus_client_set_header(c, "X-Absent", NULL), OK);
  STATUS(milvus_client_set_proxy(c, NULL), OK);
  STATUS(milvus_client_set_proxy(c, ""), OK);

  /* Calls whose request is required: NULL and "" are refused before any I/O. */
  TEXT(milvus_client_get_import_progress(c, NULL), BAD);
  TEXT(milvus_client_bulk_import(c, NULL), BAD);
  TEXT(milvus_client_commit_import(c, NULL), BAD);
  TEXT(milvus_client_abort_import(c, NULL), BAD);
  TEXT(milvus_client_list_import_jobs(c, ""), BAD);
  TEXT(milvus_client_list_all_import_jobs(c, ""), BAD);
  TEXT(milvus_client_get_import_progress(c, ""), BAD);
  TEXT(milvus_client_bulk_import(c, ""), BAD);
  TEXT(milvus_client_commit_import(c, ""), BAD);
  TEXT(milvus_client_abort_import(c, ""), BAD);
  TEXT(milvus_client_wait_import_job(c, NULL, 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job(c, "", 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job_with_request(c, NULL, 1000, 10, NULL, NULL), BAD);
  TEXT(milvus_client_wait_import_job_with_request(c, "", 1000, 10, NULL, NULL), BAD);
  milvus_client_free(c);

  /* NULL where it is meaningful: these work (against the answering server). */
  milvus_client *w = milvus_client_new(works);
  if (w == NULL) {
    fail("milvus_client_new(works)", "failed");
    return;
  }
  STATUS(milvus_client_set_proxy(w, ""), OK);
  STATUS(milvus_client_set_max_retries(w, 0), OK);
  TEXT(milvus_client_list_import_jobs(w, NULL), OK);
  TEXT(milvus_client_list_all_import_jobs(w, NULL), OK);
  TEXT(milvus_client_wait_import_job(w, "1", 5000, 10, NULL, NULL), OK);
  TEXT(milvus_client_wait_import_job_with_request(w, JOB, 5000, 10, NULL, NULL), OK);
  milvus_client_free(w);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: null_args NOIO_URL WORKS_URL KEY_FILE\n");
    return 2;
  }
  noio = argv[1];
  works = argv[2];
  keyfile = argv[3];
  accessors();
  stateless();
  null_client();
  null_arguments();
  printf("checks: %d failed: %d\n", checks, failures);
  return failures ? 1 : 0;
}
