/* threads: eight threads share one client and also use the stateless functions, 500 calls
 * each, mixing successes and failures, while the client's setters are called concurrently.
 * Every thread checks its own last error after each call; the failures whose message
 * carries a value unique to the thread and the call prove that the last error is per
 * thread. Built against the ThreadSanitizer build of the library (and runs against any).
 *
 *   python3 Tests/sanitizers/server.py --run -- build/sanitizers/threads_tsan [THREADS] [CALLS]
 */
#include <limits.h>
#include <pthread.h>

#include "check.h"

/* Defined by tsan_swift_mutex.c in the TSan build: how often a contended Swift Mutex took
 * its slow path (the case TSan cannot see without that shim). */
extern unsigned long tsan_swift_mutex_slow_locks __attribute__((weak));

static const char *base, *refused;
static char url_ok[256], url_404[256], url_code100[256], url_malformed[256], url_huge[256];
static milvus_client *shared;

typedef struct worker {
  int id;
  int calls;
  int made;
} worker;

typedef struct progress {
  int calls;
  int stop_after;
} progress;

static int on_progress(const char *describe_json, void *user_data) {
  progress *p = user_data;
  p->calls++;
  CHECK(describe_json != NULL && strstr(describe_json, "\"state\"") != NULL, "callback text");
  return p->stop_after > 0 && p->calls >= p->stop_after;
}

/* A failure whose message must name `marker`: another thread's error cannot match. */
static void expect_own_error(int line, char *text, int kind, const char *marker, const char *what) {
  expect_fail_at(line, text, kind, -1, -1, what);
  CHECK(strstr(milvus_last_error_message(), marker) != NULL, "%s: message \"%s\" lacks \"%s\" (line %d)",
        what, milvus_last_error_message(), marker, line);
}

static void *run(void *arg) {
  worker *w = arg;
  char buffer[256], marker[300];
  for (int i = 0; i < w->calls; i++) {
    int unique = w->id * 100000 + i + 1; /* unique to this thread and call */
    switch (i % 16) {
      case 0:
        EXPECT_OK(milvus_client_list_import_jobs(shared, "{\"collectionName\":\"quick_setup\"}"));
        break;
      case 1:
        snprintf(buffer, sizeof buffer, "{\"jobId\":\"t%d-%d\"}", w->id, i);
        EXPECT_OK(milvus_client_get_import_progress(shared, buffer));
        break;
      case 2:
        EXPECT_OK(milvus_list_import_jobs(url_ok, w->id % 2 ? "quick_setup" : NULL));
        break;
      case 3:
        EXPECT_FAIL(milvus_list_import_jobs(url_code100, "coll_a"), MILVUS_ERR_SERVER, 200, 100);
        break;
      case 4:
        snprintf(buffer, sizeof buffer, "{\"jobId\":\"gone-t%d-%d\"}", w->id, i);
        EXPECT_FAIL(milvus_client_get_import_progress(shared, buffer), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
        break;
      case 5:
        EXPECT_FAIL(milvus_get_import_progress(url_404, "1"), MILVUS_ERR_HTTP, 404, 0);
        break;
      case 6: /* INVALID_ARGUMENT whose message carries this call's own number */
        snprintf(marker, sizeof marker, "got -%d", unique);
        expect_own_error(__LINE__, milvus_client_wait_import_job(shared, "1", -unique, 10, NULL, NULL),
                         MILVUS_ERR_INVALID_ARGUMENT, marker, "wait with a negative timeout");
        break;
      case 7: /* setters, concurrently with every other thread's calls */
        snprintf(buffer, sizeof buffer, "t%d-%d", w->id, i);
        EXPECT_STATUS(milvus_client_set_header(shared, "X-Thread", buffer), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_api_key(shared, w->id % 2 ? buffer : NULL), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_database(shared, w->id % 3 ? "db_a" : NULL), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_timeout_ms(shared, 8000 + w->id), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_connect_timeout_ms(shared, 4000 + w->id), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_max_retries(shared, w->id % 3), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_retry_backoff_ms(shared, w->id % 5), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_max_response_bytes(shared, (1LL << 20) + w->id), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_tls(shared, w->id % 2, NULL), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_client_cert(shared, NULL, NULL), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_proxy(shared, w->id % 2 ? "" : NULL), MILVUS_OK);
        snprintf(marker, sizeof marker, "Bad Name %d", unique);
        CHECK(milvus_client_set_header(shared, marker, "v") == MILVUS_ERR_INVALID_ARGUMENT, "bad header name");
        CHECK(milvus_last_error_code() == MILVUS_ERR_INVALID_ARGUMENT &&
                  strstr(milvus_last_error_message(), marker) != NULL,
              "setter error not this thread's: \"%s\" lacks \"%s\"", milvus_last_error_message(), marker);
        snprintf(marker, sizeof marker, "got %d", -unique);
        CHECK(milvus_client_set_max_retries(shared, -unique) == MILVUS_ERR_INVALID_ARGUMENT, "bad retries");
        CHECK(strstr(milvus_last_error_message(), marker) != NULL, "retries message \"%s\" lacks \"%s\"",
              milvus_last_error_message(), marker);
        break;
      case 8:
        EXPECT_FAIL(milvus_list_import_jobs(url_malformed, "x"), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0);
        break;
      case 9:
        EXPECT_OK(milvus_client_bulk_import(shared, "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]]}"));
        EXPECT_OK(milvus_client_commit_import(shared, "{\"jobId\":\"1\"}"));
        EXPECT_OK(milvus_client_abort_import(shared, "{\"jobId\":\"1\"}"));
        break;
      case 10:
        EXPECT_FAIL(milvus_bulk_import(refused, "c", "[[\"a\"]]"), MILVUS_ERR_TRANSPORT, 0, 0);
        break;
      case 11: {
        progress p = {0, 0};
        snprintf(buffer, sizeof buffer, "steps-t%d-%d", w->id, i);
        EXPECT_OK(milvus_client_wait_import_job(shared, buffer, 20000, 1, on_progress, &p));
        CHECK(p.calls == 3, "wait: %d callbacks", p.calls);
        p = (progress){0, 1};
        snprintf(buffer, sizeof buffer, "running-t%d-%d", w->id, i);
        snprintf(marker, sizeof marker, "import job %s", buffer);
        expect_own_error(__LINE__, milvus_client_wait_import_job(shared, buffer, 20000, 1, on_progress, &p),
                         MILVUS_ERR_CANCELLED, marker, "cancelled wait");
        break;
      }
      case 12:
        EXPECT_OK(milvus_client_list_all_import_jobs(shared, "{\"pageSize\":2}"));
        break;
      case 13:
        EXPECT_OK(milvus_bulk_import(url_ok, "quick_setup", "[[\"a.parquet\"]]"));
        EXPECT_FAIL(milvus_get_import_progress(url_ok, "gone"), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100);
        break;
      case 14: { /* a private client, made and freed while the others run */
        milvus_client *own = milvus_client_new(url_ok);
        CHECK(own != NULL, "client_new: %s", milvus_last_error_message());
        if (own) {
          EXPECT_STATUS(milvus_client_set_proxy(own, ""), MILVUS_OK);
          EXPECT_OK(milvus_client_list_import_jobs(own, NULL));
          milvus_client_free(own);
        }
        snprintf(marker, sizeof marker, "\"pageSize\" must be");
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared, "{\"pageSize\":\"x\"}"),
                         MILVUS_ERR_INVALID_ARGUMENT, marker, "bad pageSize");
        break;
      }
      default:
        if (i % 128 == 15) { /* a list over 1 MiB: its records are checked on several threads */
          char *text = milvus_list_import_jobs(url_huge, NULL);
          CHECK(text != NULL && strlen(text) > (1u << 20) && strncmp(text, "{\"code\":0,", 10) == 0,
                "huge list: %s", text ? "wrong text" : milvus_last_error_message());
          milvus_free(text);
        }
        EXPECT_INVALID(milvus_client_bulk_import(NULL, NULL));
        EXPECT_INVALID(milvus_list_import_jobs(NULL, NULL));
        CHECK(milvus_status_string(milvus_last_error_code()) != NULL, "status string");
        break;
    }
    w->made++;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 8;
  int calls = argc > 2 ? atoi(argv[2]) : 500;
  if (threads < 1 || threads > 64 || calls < 1) return 2;
  base = env_or_die("MILVUS_TEST_URL");
  refused = env_or_die("MILVUS_REFUSED_URL");
  join_url(url_ok, sizeof url_ok, base, "/ok");
  join_url(url_404, sizeof url_404, base, "/404");
  join_url(url_code100, sizeof url_code100, base, "/code100");
  join_url(url_malformed, sizeof url_malformed, base, "/malformed");
  join_url(url_huge, sizeof url_huge, base, "/huge");

  shared = milvus_client_new(url_ok);
  if (shared == NULL) {
    fprintf(stderr, "client_new: %s\n", milvus_last_error_message());
    return 1;
  }
  (void)milvus_client_set_proxy(shared, "");

  pthread_t ids[64];
  worker workers[64];
  for (int t = 0; t < threads; t++) {
    workers[t] = (worker){t + 1, calls, 0};
    if (pthread_create(&ids[t], NULL, run, &workers[t]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  int made = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    made += workers[t].made;
  }
  milvus_client_free(shared);
  int failed = atomic_load(&check_failures);
  printf("threads: %d threads x %d calls (%d made), %d checks, %d failed\n", threads, calls, made,
         atomic_load(&check_count), failed);
  if (&tsan_swift_mutex_slow_locks != NULL)
    printf("threads: %lu contended Swift Mutex locks annotated for TSan\n",
           __atomic_load_n(&tsan_swift_mutex_slow_locks, __ATOMIC_RELAXED));
  return failed ? 1 : 0;
}
