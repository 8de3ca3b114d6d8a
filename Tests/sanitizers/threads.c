/* threads: THREADS threads (default 8) share one client per scenario and also use the
 * stateless functions and private clients, CALLS calls each (default 500), mixing successes
 * with every failure kind a server or a caller can cause, while the shared client's setters
 * are called concurrently. After each call the thread checks its own result and last error:
 * the kind, the HTTP status, the server code, and a tag that only its own call could have put
 * in the answer or the message, so a thread never sees another's answer or last error.
 * Run plain by `make test-reliability` (Tests/reliability/test_threads.py) and against a
 * ThreadSanitizer build of the library by `make test-tsan`:
 *
 *   python3 Tests/sanitizers/server.py --run -- threads [THREADS] [CALLS]
 */
#include <limits.h>
#include <pthread.h>

#include "check.h"

/* Defined by tsan_swift_mutex.c in the TSan build: how often a contended Swift Mutex took
 * its slow path (the case TSan cannot see without that shim). */
extern unsigned long tsan_swift_mutex_slow_locks __attribute__((weak));

enum { SMALL_CAP = 1000, HASTY_TIMEOUT_MS = 80, SCENARIOS = 20 };

static const char *base, *refused;
static char url_ok[256], url_404[256], url_code100[256], url_malformed[256], url_auth[256],
    url_big[256], url_slow[256];
/* Shared by every thread: one client per scenario. */
static milvus_client *shared, *shared_404, *shared_code100, *shared_malformed, *shared_auth, *small, *hasty, *unreachable;

typedef struct worker {
  int id;
  int calls;
  int made[SCENARIOS];
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

/* A failure whose message must contain `fragment` (built from this call's tag). */
static void expect_own_error(int line, char *text, int kind, int http, long long server, const char *fragment,
                             const char *what) {
  expect_fail_at(line, text, kind, http, server, what);
  CHECK(strstr(milvus_last_error_message(), fragment) != NULL, "%s: message \"%s\" lacks \"%s\" (line %d)", what,
        milvus_last_error_message(), fragment, line);
}

/* A success whose text must contain `tag`: this call's answer, not another thread's. */
static void expect_own_answer(int line, char *text, const char *tag, const char *what) {
  CHECK(text == NULL || strstr(text, tag) != NULL, "%s: answer lacks \"%s\": %.120s (line %d)", what, tag,
        text ? text : "", line);
  expect_ok_at(line, text, what);
}

static milvus_client *client_on(const char *url) {
  milvus_client *c = milvus_client_new(url);
  if (c == NULL) {
    fprintf(stderr, "client_new(%s): %s\n", url, milvus_last_error_message());
    exit(1);
  }
  (void)milvus_client_set_proxy(c, "");
  (void)milvus_client_set_max_retries(c, 0);
  return c;
}

static void *run(void *arg) {
  worker *w = arg;
  char tag[64], buffer[256], marker[300];
  /* A new thread starts with a clear last error. */
  CHECK(milvus_last_error_code() == MILVUS_OK && milvus_last_error_message()[0] == '\0' &&
            milvus_last_error_http_status() == 0 && milvus_last_error_server_code() == 0,
        "thread %d starts with last error %d", w->id, milvus_last_error_code());
  for (int i = 0; i < w->calls; i++) {
    int unique = w->id * 100000 + i + 1; /* unique to this thread and call */
    int scenario = i % SCENARIOS;
    snprintf(tag, sizeof tag, "t%d-%d", w->id, i);
    switch (scenario) {
      case 0:
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\"}", tag);
        expect_own_answer(__LINE__, milvus_client_list_import_jobs(shared, buffer), tag, "shared list");
        break;
      case 1:
        snprintf(buffer, sizeof buffer, "{\"jobId\":\"job-%s\"}", tag);
        expect_own_answer(__LINE__, milvus_client_get_import_progress(shared, buffer), tag, "shared describe");
        break;
      case 2:
        if (w->id % 2) expect_own_answer(__LINE__, milvus_list_import_jobs(url_ok, tag), tag, "stateless list");
        else EXPECT_OK(milvus_list_import_jobs(url_ok, NULL));
        break;
      case 3:
        snprintf(marker, sizeof marker, "list import jobs: server error 100: collection not found"
                 "[database=default][collection=%s]", tag);
        expect_own_error(__LINE__, milvus_list_import_jobs(url_code100, tag), MILVUS_ERR_SERVER, 200, 100, marker,
                         "stateless code 100");
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\"}", tag);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared_code100, buffer), MILVUS_ERR_SERVER, 200, 100,
                         marker, "shared code 100");
        break;
      case 4:
        snprintf(buffer, sizeof buffer, "{\"jobId\":\"gone-%s\"}", tag);
        snprintf(marker, sizeof marker, "import job does not exist (gone-%s)", tag);
        expect_own_error(__LINE__, milvus_client_get_import_progress(shared, buffer), MILVUS_ERR_JOB_NOT_FOUND, 200,
                         2100, marker, "shared describe of a gone job");
        break;
      case 5:
        EXPECT_FAIL(milvus_get_import_progress(url_404, "1"), MILVUS_ERR_HTTP, 404, 0);
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\"}", tag);
        snprintf(marker, sizeof marker, "HTTP 404 Not Found (text/plain): \"404 page not found %s\"", tag);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared_404, buffer), MILVUS_ERR_HTTP, 404, 0, marker,
                         "shared 404");
        break;
      case 6: /* INVALID_ARGUMENT whose message carries this call's own number */
        snprintf(marker, sizeof marker, "got -%d", unique);
        expect_own_error(__LINE__, milvus_client_wait_import_job(shared, "1", -unique, 10, NULL, NULL),
                         MILVUS_ERR_INVALID_ARGUMENT, 0, 0, marker, "wait with a negative timeout");
        break;
      case 7: /* setters, concurrently with every other thread's calls */
        EXPECT_STATUS(milvus_client_set_header(shared, "X-Thread", tag), MILVUS_OK);
        EXPECT_STATUS(milvus_client_set_api_key(shared, w->id % 2 ? tag : NULL), MILVUS_OK);
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
        expect_own_error(__LINE__, milvus_list_import_jobs(url_malformed, tag), MILVUS_ERR_MALFORMED_RESPONSE, 200, 0,
                         "malformed response (HTTP 200, text/html): not JSON", "stateless malformed");
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\"}", tag);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared_malformed, buffer),
                         MILVUS_ERR_MALFORMED_RESPONSE, 200, 0, tag, "shared malformed");
        break;
      case 9:
        EXPECT_OK(milvus_client_bulk_import(shared, "{\"collectionName\":\"c\",\"files\":[[\"a.parquet\"]]}"));
        EXPECT_OK(milvus_client_commit_import(shared, "{\"jobId\":\"1\"}"));
        EXPECT_OK(milvus_client_abort_import(shared, "{\"jobId\":\"1\"}"));
        break;
      case 10:
        EXPECT_FAIL(milvus_bulk_import(refused, "c", "[[\"a\"]]"), MILVUS_ERR_TRANSPORT, 0, 0);
        snprintf(marker, sizeof marker, "port %s", strrchr(refused, ':') + 1);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(unreachable, NULL), MILVUS_ERR_TRANSPORT, 0, 0,
                         marker, "shared client on a closed port");
        break;
      case 11: {
        progress p = {0, 0};
        snprintf(buffer, sizeof buffer, "steps-%s", tag);
        EXPECT_OK(milvus_client_wait_import_job(shared, buffer, 20000, 1, on_progress, &p));
        CHECK(p.calls == 3, "wait: %d callbacks", p.calls);
        p = (progress){0, 1};
        snprintf(buffer, sizeof buffer, "running-%s", tag);
        snprintf(marker, sizeof marker, "import job %s", buffer);
        expect_own_error(__LINE__, milvus_client_wait_import_job(shared, buffer, 20000, 1, on_progress, &p),
                         MILVUS_ERR_CANCELLED, -1, -1, marker, "cancelled wait");
        break;
      }
      case 12:
        EXPECT_OK(milvus_client_list_all_import_jobs(shared, "{\"pageSize\":2}"));
        break;
      case 13:
        EXPECT_OK(milvus_bulk_import(url_ok, "quick_setup", "[[\"a.parquet\"]]"));
        snprintf(buffer, sizeof buffer, "gone-%s", tag);
        snprintf(marker, sizeof marker, "(gone-%s)", tag);
        expect_own_error(__LINE__, milvus_get_import_progress(url_ok, buffer), MILVUS_ERR_JOB_NOT_FOUND, 200, 2100,
                         marker, "stateless describe of a gone job");
        break;
      case 14: { /* a private client, made and freed while the others run */
        milvus_client *own = milvus_client_new(url_ok);
        CHECK(own != NULL, "client_new: %s", milvus_last_error_message());
        if (own) {
          EXPECT_STATUS(milvus_client_set_proxy(own, ""), MILVUS_OK);
          EXPECT_OK(milvus_client_list_import_jobs(own, NULL));
          milvus_client_free(own);
        }
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared, "{\"pageSize\":\"x\"}"),
                         MILVUS_ERR_INVALID_ARGUMENT, 0, 0, "\"pageSize\" must be", "bad pageSize");
        break;
      }
      case 15:
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\"}", tag);
        snprintf(marker, sizeof marker, "HTTP 401 Unauthorized, server code 1800: user hasn't authenticated %s", tag);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(shared_auth, buffer), MILVUS_ERR_AUTH, 401, 1800,
                         marker, "shared 401");
        break;
      case 16:
        snprintf(buffer, sizeof buffer, "{\"collectionName\":\"%s\",\"files\":[[\"%s\",7]]}", tag, tag);
        expect_own_error(__LINE__, milvus_client_bulk_import(shared, buffer), MILVUS_ERR_INVALID_ARGUMENT, 0, 0,
                         "\"files\" must be a list of lists of strings", "bad files");
        expect_own_error(__LINE__, milvus_bulk_import(url_ok, tag, "[[\"a\"],"), MILVUS_ERR_INVALID_ARGUMENT, 0, 0,
                         "files_json", "stateless bad files_json");
        break;
      case 17:
        snprintf(marker, sizeof marker, "limit of %d bytes", SMALL_CAP);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(small, NULL), MILVUS_ERR_TOO_LARGE, 200, 0, marker,
                         "shared client with a small cap");
        break;
      case 18:
        snprintf(marker, sizeof marker, "timed out after %d ms", HASTY_TIMEOUT_MS);
        expect_own_error(__LINE__, milvus_client_list_import_jobs(hasty, NULL), MILVUS_ERR_TIMEOUT, 0, 0, marker,
                         "shared client with a short timeout");
        break;
      default:
        EXPECT_INVALID(milvus_client_bulk_import(NULL, NULL));
        EXPECT_INVALID(milvus_list_import_jobs(NULL, NULL));
        CHECK(milvus_status_string(milvus_last_error_code()) != NULL, "status string");
        break;
    }
    w->made[scenario]++;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 8;
  int calls = argc > 2 ? atoi(argv[2]) : 500;
  if (threads < 1 || threads > 64 || calls < SCENARIOS) return 2;
  base = env_or_die("MILVUS_TEST_URL");
  refused = env_or_die("MILVUS_REFUSED_URL");
  join_url(url_ok, sizeof url_ok, base, "/ok");
  join_url(url_404, sizeof url_404, base, "/404");
  join_url(url_code100, sizeof url_code100, base, "/code100");
  join_url(url_malformed, sizeof url_malformed, base, "/malformed");
  join_url(url_auth, sizeof url_auth, base, "/auth");
  join_url(url_big, sizeof url_big, base, "/big");
  join_url(url_slow, sizeof url_slow, base, "/slow");

  shared = client_on(url_ok);
  shared_404 = client_on(url_404);
  shared_code100 = client_on(url_code100);
  shared_malformed = client_on(url_malformed);
  shared_auth = client_on(url_auth);
  small = client_on(url_big);
  (void)milvus_client_set_max_response_bytes(small, SMALL_CAP);
  hasty = client_on(url_slow);
  (void)milvus_client_set_timeout_ms(hasty, HASTY_TIMEOUT_MS);
  unreachable = client_on(refused);

  /* This thread's last error stays its own while the others run. */
  EXPECT_FAIL(milvus_bulk_import(refused, "c", "[[\"a\"]]"), MILVUS_ERR_TRANSPORT, 0, 0);

  pthread_t ids[64];
  worker workers[64];
  for (int t = 0; t < threads; t++) {
    workers[t] = (worker){t + 1, calls, {0}};
    if (pthread_create(&ids[t], NULL, run, &workers[t]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  int made = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    for (int s = 0; s < SCENARIOS; s++) {
      CHECK(workers[t].made[s] > 0, "thread %d never ran scenario %d", t + 1, s);
      made += workers[t].made[s];
    }
  }
  CHECK(made == threads * calls, "%d calls made of %d", made, threads * calls);
  CHECK(milvus_last_error_code() == MILVUS_ERR_TRANSPORT && milvus_last_error_http_status() == 0,
        "main thread's last error changed to %d: %s", milvus_last_error_code(), milvus_last_error_message());

  milvus_client *all[] = {shared, shared_404, shared_code100, shared_malformed, shared_auth, small, hasty, unreachable};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) milvus_client_free(all[i]);
  int failed = atomic_load(&check_failures);
  printf("threads: %d threads x %d calls (%d made), %d checks, %d failed\n", threads, calls, made,
         atomic_load(&check_count), failed);
  if (&tsan_swift_mutex_slow_locks != NULL)
    printf("threads: %lu contended Swift Mutex locks annotated for TSan\n",
           __atomic_load_n(&tsan_swift_mutex_slow_locks, __ATOMIC_RELAXED));
  return failed ? 1 : 0;
}
