/*
 * bench.c: the C side of `make bench`; Benchmarks/run.py drives it.
 *
 * Small list and threads: one long-lived worker per measurement, so that run.py can
 * alternate short rounds between them with no process start-up in between. A worker sets
 * itself up (client or floor handle, warm connection), then reads commands on stdin, one a
 * line, and answers each with one JSON line on stdout:
 *   bench worker small-client    URL   the library's client API, one client
 *   bench worker small-stateless URL   milvus_list_import_jobs (process-wide pool)
 *   bench worker small-floor     URL   libcurl keep-alive + one jansson parse
 *   bench worker threads-client  URL   one shared client, called from T threads
 *   bench worker threads-floor   URL   one easy handle per thread (the floor)
 *     command "run MS [T]": call for MS milliseconds (from T threads, threads modes)
 *     -> {"calls":N,"seconds":S,"cpu_seconds":C,"rate":R}; EOF or "quit" ends the worker.
 *     command "calls N": exactly N calls on this thread -> {"calls":N} (run.py runs this
 *     under valgrind --tool=callgrind to count instructions per call).
 *
 * Large list: one fresh process per sample (peak RSS must start from a clean process):
 *   bench large-text  URL CALLS   milvus_client_list_import_jobs on a big list
 *   bench large-floor URL CALLS   libcurl download + one jansson parse
 *
 * Uploads: one fresh process per sample, one file to the object store, keys from
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY:
 *   bench upload ENDPOINT BUCKET PREFIX FILE PART_BYTES   milvus_client_upload_files;
 *     PART_BYTES 0 keeps the library's default part size (multipart), a part size above
 *     the file's size makes it one PUT -> {"wall","cpu","rss_before","peak_rss","bytes"}
 *
 * Waiting for many jobs (run.py's emulator; IDS is a file of job ids, one a line):
 *   bench wait-jobs     URL COLLECTION IDS POLL_MS   milvus_client_wait_import_jobs
 *   bench wait-describe URL IDS POLL_MS              milvus_client_get_import_progress per
 *     unfinished job per poll, a loop as the SDKs wait -> {"wall","cpu","polls","jobs"}
 *
 * URL is a base URL (e.g. http://127.0.0.1:PORT/small); every call is a POST to
 * URL/v2/vectordb/jobs/import/list with {"collectionName":"bench"} (small) or {} (large).
 * All traffic goes to the URL given, which run.py points at its own nginx on 127.0.0.1.
 * Loops are bounded: MS <= 60,000 per command, at most 10,000,000 calls per command,
 * CALLS <= 100.
 *
 * The floor does what any client has to do and nothing else: one easy handle set up once
 * and reused (keep-alive), the same POST (Content-Type, Accept-Encoding), a receive buffer
 * sized from Content-Length that grows geometrically, a 200 check, one json_loadb and a
 * look at "code".
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "milvus_import.h"

#define LIST_PATH "/v2/vectordb/jobs/import/list"
#define SMALL_BODY "{\"collectionName\":\"bench\"}"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* VmRSS or VmHWM of this process, in bytes, from /proc/self/status. */
static long long proc_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long long kb = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      kb = atoll(line + n + 1);
      break;
    }
  }
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0), so the peak of what follows is measured. */
static void reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f) {
    fputs("5", f);
    fclose(f);
  }
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "bench: %s: %s\n", what, detail ? detail : "");
  exit(2);
}

/* ---- the floor: libcurl + jansson, nothing else ---------------------------------------- */

typedef struct floor_buf {
  char *data;
  size_t len, cap;
  CURL *easy;
  int sized;
} floor_buf;

static int floor_reserve(floor_buf *b, size_t want) {
  if (want + 1 <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < want + 1) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) return 0;
  b->data = p;
  b->cap = cap;
  return 1;
}

static size_t floor_write(char *ptr, size_t size, size_t nmemb, void *user) {
  floor_buf *b = user;
  size_t n = size * nmemb;
  if (!b->sized) {
    b->sized = 1;
    curl_off_t cl = -1;
    if (curl_easy_getinfo(b->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl > 0)
      if (!floor_reserve(b, (size_t)cl)) return 0;
  }
  if (!floor_reserve(b, b->len + n)) return 0;
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  return n;
}

typedef struct floor_client {
  CURL *easy;
  struct curl_slist *headers;
  floor_buf buf;
} floor_client;

static void floor_init(floor_client *fc, const char *base, const char *body) {
  char url[1024];
  snprintf(url, sizeof url, "%s%s", base, LIST_PATH);
  memset(fc, 0, sizeof *fc);
  fc->easy = curl_easy_init();
  if (!fc->easy) die("curl_easy_init", NULL);
  fc->headers = curl_slist_append(NULL, "Content-Type: application/json");
  fc->buf.easy = fc->easy;
  curl_easy_setopt(fc->easy, CURLOPT_URL, url);
  curl_easy_setopt(fc->easy, CURLOPT_HTTPHEADER, fc->headers);
  curl_easy_setopt(fc->easy, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(fc->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  curl_easy_setopt(fc->easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(fc->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(fc->easy, CURLOPT_WRITEFUNCTION, floor_write);
  curl_easy_setopt(fc->easy, CURLOPT_WRITEDATA, &fc->buf);
}

/* One call: POST, 200, one parse, "code" == 0. Returns the body's length. */
static size_t floor_call(floor_client *fc) {
  fc->buf.len = 0;
  fc->buf.sized = 0;
  CURLcode rc = curl_easy_perform(fc->easy);
  if (rc != CURLE_OK) die("curl_easy_perform", curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(fc->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) die("floor", "HTTP status is not 200");
  json_error_t error;
  json_t *root = json_loadb(fc->buf.data, fc->buf.len, 0, &error);
  if (!root) die("json_loadb", error.text);
  json_t *code = json_object_get(root, "code");
  if (!json_is_integer(code) || json_integer_value(code) != 0) die("floor", "code is not 0");
  json_decref(root);
  return fc->buf.len;
}

static void floor_free(floor_client *fc) {
  curl_easy_cleanup(fc->easy);
  curl_slist_free_all(fc->headers);
  free(fc->buf.data);
}

/* ---- the library ------------------------------------------------------------------------ */

static void lib_fail(const char *what) {
  fprintf(stderr, "bench: %s failed: %s (%s)\n", what, milvus_last_error_message(),
          milvus_status_string(milvus_last_error_code()));
  exit(2);
}

static size_t client_call(milvus_client *client, const char *request) {
  char *text = milvus_client_list_import_jobs(client, request);
  if (!text) lib_fail("milvus_client_list_import_jobs");
  size_t n = strlen(text);
  milvus_free(text);
  return n;
}

static size_t stateless_call(const char *url) {
  char *text = milvus_list_import_jobs(url, "bench");
  if (!text) lib_fail("milvus_list_import_jobs");
  size_t n = strlen(text);
  milvus_free(text);
  return n;
}

/* ---- workers: small list and threads ----------------------------------------------- */

enum kind { CLIENT, STATELESS, FLOOR };

typedef struct shared {
  enum kind kind;
  const char *url;
  milvus_client *client; /* CLIENT: one for every thread */
} shared;

static size_t one_call(const shared *sh, floor_client *fc) {
  switch (sh->kind) {
  case CLIENT: return client_call(sh->client, SMALL_BODY);
  case STATELESS: return stateless_call(sh->url);
  default: return floor_call(fc);
  }
}

typedef struct worker {
  pthread_t thread;
  const shared *sh;
  floor_client *fc; /* FLOOR: this thread's own handle, kept across commands */
  double deadline;
  long calls;
  pthread_barrier_t *start;
} worker;

static void call_until(worker *w) {
  while (now_s() < w->deadline && w->calls < 10000000) {
    one_call(w->sh, w->fc);
    w->calls++;
  }
}

static void *work(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start); /* the deadline is set */
  call_until(w);
  return NULL;
}

/* Runs one command: MS milliseconds from THREADS threads; prints one JSON line. */
static void run_command(const shared *sh, floor_client *fcs, int threads, long ms) {
  worker ws[64];
  pthread_barrier_t start;
  double c0 = cpu_s(), t0 = now_s();
  if (threads == 1) {
    ws[0] = (worker){.sh = sh, .fc = &fcs[0], .deadline = t0 + (double)ms / 1000.0};
    call_until(&ws[0]);
  } else {
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
      ws[i] = (worker){.sh = sh, .fc = &fcs[i], .start = &start};
      if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0) die("pthread_create", NULL);
    }
    /* The workers read their deadline only after the barrier, which orders this write first. */
    c0 = cpu_s();
    t0 = now_s();
    for (int i = 0; i < threads; i++) ws[i].deadline = t0 + (double)ms / 1000.0;
    pthread_barrier_wait(&start);
    for (int i = 0; i < threads; i++) pthread_join(ws[i].thread, NULL);
    pthread_barrier_destroy(&start);
  }
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  long total = 0;
  for (int i = 0; i < threads; i++) total += ws[i].calls;
  printf("{\"threads\":%d,\"calls\":%ld,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"rate\":%.1f}\n", threads, total,
         wall, cpu, (double)total / wall);
  fflush(stdout);
}

static void run_worker(const char *mode, const char *url) {
  shared sh = {.url = url};
  int threaded = strncmp(mode, "threads-", 8) == 0;
  const char *what = mode + (threaded ? 8 : 6);
  if (strcmp(what, "client") == 0) sh.kind = CLIENT;
  else if (strcmp(what, "stateless") == 0 && !threaded) sh.kind = STATELESS;
  else if (strcmp(what, "floor") == 0) sh.kind = FLOOR;
  else die("unknown worker mode", mode);
  if (strncmp(mode, "small-", 6) != 0 && !threaded) die("unknown worker mode", mode);
  if (sh.kind == CLIENT) {
    sh.client = milvus_client_new(url);
    if (!sh.client) lib_fail("milvus_client_new");
  }
  static floor_client fcs[64]; /* FLOOR: one handle per thread slot, opened on first use */
  int opened = 0;
  char line[128];
  while (fgets(line, sizeof line, stdin)) {
    long ms = 0, count = 0;
    int threads = 1;
    if (strncmp(line, "quit", 4) == 0) break;
    if (sscanf(line, "calls %ld", &count) == 1) { /* exactly COUNT calls, for instruction counts */
      if (count < 1 || count > 1000000) die("bad command", line);
      if (sh.kind == FLOOR && !opened) floor_init(&fcs[opened++], url, SMALL_BODY);
      for (long i = 0; i < count; i++) one_call(&sh, &fcs[0]);
      printf("{\"calls\":%ld}\n", count);
      fflush(stdout);
      continue;
    }
    if (sscanf(line, "run %ld %d", &ms, &threads) < 1 || ms < 1 || ms > 60000 || threads < 1 || threads > 64)
      die("bad command", line);
    if (sh.kind == FLOOR) {
      for (; opened < threads; opened++) floor_init(&fcs[opened], url, SMALL_BODY);
    }
    /* every thread slot's connection is warm before the clock starts */
    if (sh.kind == FLOOR) {
      for (int i = 0; i < threads; i++) floor_call(&fcs[i]);
    } else {
      one_call(&sh, NULL);
    }
    run_command(&sh, fcs, threads, ms);
  }
  for (int i = 0; i < opened; i++) floor_free(&fcs[i]);
  if (sh.client) milvus_client_free(sh.client);
}

/* ---- large list: CPU, wall and peak RSS per call ---------------------------------------- */

static void run_large(const char *mode, const char *url, long calls) {
  int lib = strcmp(mode, "large-text") == 0;
  milvus_client *client = NULL;
  floor_client fc;
  if (lib) {
    client = milvus_client_new(url);
    if (!client) lib_fail("milvus_client_new");
  } else {
    floor_init(&fc, url, "{}");
  }
  printf("{\"mode\":\"%s\",\"samples\":[", mode);
  for (long i = 0; i < calls; i++) {
    long long rss_before = proc_kb("VmRSS");
    reset_peak();
    double t0 = now_s(), c0 = cpu_s();
    size_t bytes = lib ? client_call(client, "{}") : floor_call(&fc);
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    long long hwm = proc_kb("VmHWM");
    printf("%s{\"wall\":%.6f,\"cpu\":%.6f,\"rss_before\":%lld,\"peak_rss\":%lld,\"body_bytes\":%zu}",
           i ? "," : "", wall, cpu, rss_before, hwm, bytes);
  }
  printf("]}\n");
  if (client) milvus_client_free(client);
  if (!lib) floor_free(&fc);
}

/* ---- uploads: wall, CPU and RSS growth of one file ------------------------------------- */

static void run_upload(const char *endpoint, const char *bucket, const char *prefix, const char *path,
                       long long part_bytes) {
  const char *access = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
  if (!access || !secret) die("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set", NULL);
  milvus_client *client = milvus_client_new("http://127.0.0.1:1");  /* Milvus is not called */
  if (!client) lib_fail("milvus_client_new");
  if (milvus_client_set_storage(client, endpoint, "us-east-1", access, secret, NULL) != MILVUS_OK)
    lib_fail("milvus_client_set_storage");
  if (part_bytes > 0 && milvus_client_set_upload_part_size(client, part_bytes) != MILVUS_OK)
    lib_fail("milvus_client_set_upload_part_size");
  json_t *req = json_pack("{s:s,s:s,s:[s]}", "bucket", bucket, "prefix", prefix, "paths", path);
  char *request = req ? json_dumps(req, JSON_COMPACT) : NULL;
  if (!request) die("json_pack", path);
  long long rss_before = proc_kb("VmRSS");
  reset_peak();
  double t0 = now_s(), c0 = cpu_s();
  char *text = milvus_client_upload_files(client, request, NULL, NULL);
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  long long hwm = proc_kb("VmHWM");
  if (!text) lib_fail("milvus_client_upload_files");
  /* The object must have gone up now: one already there is skipped, which is no upload. */
  json_t *env = json_loads(text, 0, NULL);
  json_t *obj = json_array_get(json_object_get(json_object_get(env, "data"), "objects"), 0);
  if (!json_is_true(json_object_get(obj, "uploaded"))) die("the object was not uploaded", text);
  long long size = json_integer_value(json_object_get(obj, "size"));
  printf("{\"wall\":%.6f,\"cpu\":%.6f,\"rss_before\":%lld,\"peak_rss\":%lld,\"bytes\":%lld}\n",
         wall, cpu, rss_before, hwm, size);
  json_decref(env);
  json_decref(req);
  free(request);
  milvus_free(text);
  milvus_client_free(client);
}

/* ---- waiting for many jobs: wall, CPU and polls --------------------------------------- */

typedef struct job_ids {
  char **ids;
  size_t count;
} job_ids;

static job_ids read_ids(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open", path);
  job_ids out = {NULL, 0};
  char line[128];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) continue;
    char **grown = realloc(out.ids, (out.count + 1) * sizeof *grown);
    if (!grown || !(grown[out.count] = strdup(line))) die("out of memory", NULL);
    out.ids = grown;
    out.count++;
  }
  fclose(f);
  if (out.count == 0) die("no job ids in", path);
  return out;
}

static int count_poll(const char *report, void *polls) {
  (void)report;
  ++*(long *)polls;
  return 0;
}

static int finished(const char *state) {
  return strcmp(state, "Completed") == 0 || strcmp(state, "Failed") == 0 ||
         strcmp(state, "Uncommitted") == 0;
}

static void run_wait(const char *mode, const char *url, const char *collection, const char *ids_path,
                     long poll_ms) {
  job_ids jobs = read_ids(ids_path);
  milvus_client *client = milvus_client_new(url);
  if (!client) lib_fail("milvus_client_new");
  long polls = 0;
  double t0 = now_s(), c0 = cpu_s();
  if (strcmp(mode, "wait-jobs") == 0) {
    json_t *ids = json_array();
    for (size_t i = 0; i < jobs.count; i++) json_array_append_new(ids, json_string(jobs.ids[i]));
    json_t *req = json_pack("{s:s,s:o}", "collectionName", collection, "jobIds", ids);
    char *request = req ? json_dumps(req, JSON_COMPACT) : NULL;
    if (!request) die("json_pack", NULL);
    char *text = milvus_client_wait_import_jobs(client, request, 600000, poll_ms, count_poll, &polls);
    if (!text) lib_fail("milvus_client_wait_import_jobs");
    milvus_free(text);
    free(request);
    json_decref(req);
  } else {
    char *done = calloc(jobs.count, 1);
    if (!done) die("out of memory", NULL);
    size_t left = jobs.count;
    while (left > 0 && now_s() - t0 < 600) {
      if (polls > 0) {
        struct timespec pause = {poll_ms / 1000, (poll_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
      }
      polls++;
      for (size_t i = 0; i < jobs.count; i++) {
        if (done[i]) continue;
        json_t *req = json_pack("{s:s}", "jobId", jobs.ids[i]);
        char *request = req ? json_dumps(req, JSON_COMPACT) : NULL;
        char *text = request ? milvus_client_get_import_progress(client, request) : NULL;
        if (!text) lib_fail("milvus_client_get_import_progress");
        json_t *env = json_loads(text, 0, NULL);
        const char *state = json_string_value(json_object_get(json_object_get(env, "data"), "state"));
        if (!state) die("describe without a state", text);
        if (finished(state)) {
          done[i] = 1;
          left--;
        }
        json_decref(env);
        milvus_free(text);
        free(request);
        json_decref(req);
      }
    }
    free(done);
    if (left > 0) die("jobs still running after 600 s", NULL);
  }
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  printf("{\"wall\":%.6f,\"cpu\":%.6f,\"polls\":%ld,\"jobs\":%zu}\n", wall, cpu, polls, jobs.count);
  for (size_t i = 0; i < jobs.count; i++) free(jobs.ids[i]);
  free(jobs.ids);
  milvus_client_free(client);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench worker MODE URL | bench large-text|large-floor URL CALLS | bench upload ... | "
                    "bench wait-jobs|wait-describe ... (see bench.c)\n");
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init", NULL);
  if (strcmp(argv[1], "worker") == 0 && argc >= 4) {
    run_worker(argv[2], argv[3]);
  } else if (strncmp(argv[1], "large-", 6) == 0 && argc >= 4) {
    long calls = atol(argv[3]);
    if (calls < 1 || calls > 100) die("bad CALLS", NULL);
    run_large(argv[1], argv[2], calls);
  } else if (strcmp(argv[1], "upload") == 0 && argc >= 7) {
    run_upload(argv[2], argv[3], argv[4], argv[5], atoll(argv[6]));
  } else if (strcmp(argv[1], "wait-jobs") == 0 && argc >= 6) {
    run_wait(argv[1], argv[2], argv[3], argv[4], atol(argv[5]));
  } else if (strcmp(argv[1], "wait-describe") == 0 && argc >= 5) {
    run_wait(argv[1], argv[2], "", argv[3], atol(argv[4]));
  } else {
    die("unknown mode", argv[1]);
  }
  fflush(stdout);
  return 0;
}
