/*
 * bulk_import_and_wait.c - create an import job, wait for it with a progress bar, then
 * describe it and print the JSON.
 *
 * Build (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig if the library is not in a system prefix):
 *   cc bulk_import_and_wait.c -o bulk_import_and_wait $(pkg-config --cflags --libs milvus_import)
 * Run:
 *   ./bulk_import_and_wait [URL [COLLECTION [FILE...]]]
 *   defaults: http://127.0.0.1:19530, quick_setup, one file "quick_setup/1.parquet"; each FILE
 *   is one file group. The token, if any, is read from the environment (MILVUS_TOKEN).
 * Output: the create and the describe envelopes on stdout, the progress bar on stderr.
 * Exit status: 0 when the job completed (or waits for a commit), 1 otherwise.
 *
 * The library hands back JSON text; a real program would parse it with a JSON library
 * (jansson, cJSON, ...). To build with nothing but libmilvus_import, this example builds
 * its one request with json_put_string() and reads two fields with data_field().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <milvus_import.h>

#define BAR_WIDTH 40

/* Prints what went wrong in the last call on this thread; returns 1 for main(). */
static int report(const char *what) {
  int kind = milvus_last_error_code();
  fprintf(stderr, "%s failed: %s (kind %d), HTTP status %d, server code %lld: %s\n", what,
          milvus_status_string(kind), kind, milvus_last_error_http_status(),
          milvus_last_error_server_code(), milvus_last_error_message());
  return 1;
}

/* A text buffer of fixed size; `ok` turns 0 once something did not fit. */
struct text {
  char buf[8192];
  size_t len;
  int ok;
};

static void put(struct text *t, const char *s) {
  size_t n = strlen(s);
  if (!t->ok || t->len + n >= sizeof t->buf) {
    t->ok = 0;
    return;
  }
  memcpy(t->buf + t->len, s, n + 1);
  t->len += n;
}

/* Appends s as a JSON string: quotes, backslashes and control characters escaped. */
static void json_put_string(struct text *t, const char *s) {
  put(t, "\"");
  for (; *s; s++) {
    char one[8];
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      snprintf(one, sizeof one, "\\%c", c);
    else if (c < 0x20)
      snprintf(one, sizeof one, "\\u%04x", c);
    else
      snprintf(one, sizeof one, "%c", c);
    put(t, one);
  }
  put(t, "\"");
}

/*
 * Copies the value of `key` in the envelope's "data" object (a string without its quotes,
 * or a number) into out. Only the members of "data" itself count, not those of the
 * per-file "details" inside it. Returns 1 when found and it fit, else 0.
 */
static int data_field(const char *p, const char *key, char *out, size_t cap) {
  int depth = 0;  /* 1 inside the envelope, 2 inside "data" */
  char last = 0;  /* the last structural character outside strings */
  size_t klen = strlen(key);
  for (; *p; p++) {
    if (*p == '"') {
      const char *s = ++p;
      while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
      if (!*p) return 0;
      if (depth == 2 && (last == '{' || last == ',') && (size_t)(p - s) == klen &&
          strncmp(s, key, klen) == 0) {
        const char *v = p + 1, *end;
        while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
        if (*v++ != ':') return 0;
        while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
        if (*v == '"') {
          for (end = ++v; *end && *end != '"'; end += (*end == '\\' && end[1]) ? 2 : 1) {}
        } else {
          end = v + strcspn(v, ",}] \t\r\n");
        }
        if ((size_t)(end - v) >= cap) return 0;
        memcpy(out, v, (size_t)(end - v));
        out[end - v] = '\0';
        return 1;
      }
      last = '"';
    } else if (*p == '{' || *p == '[') {
      depth++;
      last = *p;
    } else if (*p == '}' || *p == ']') {
      depth--;
      last = *p;
    } else if (*p == ',' || *p == ':') {
      last = *p;
    }
  }
  return 0;
}

/* The milvus_progress_fn: redraws one line on stderr after every describe. */
static int draw_progress(const char *describe_json, void *user_data) {
  static const char hashes[] = "########################################";
  static const char dashes[] = "----------------------------------------";
  char state[64] = "?", progress[32] = "0";
  int pct, filled;
  (void)user_data;
  data_field(describe_json, "state", state, sizeof state);
  data_field(describe_json, "progress", progress, sizeof progress);
  pct = atoi(progress);
  if (pct < 0) pct = 0;
  if (pct > 100) pct = 100;
  filled = pct * BAR_WIDTH / 100;
  fprintf(stderr, "\r[%.*s%.*s] %3d%% %-12s", filled, hashes, BAR_WIDTH - filled, dashes, pct,
          state);
  fflush(stderr);
  return 0; /* non-zero would stop the wait with MILVUS_ERR_CANCELLED */
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:19530";
  const char *collection = argc > 2 ? argv[2] : "quick_setup";
  const char *token = getenv("MILVUS_TOKEN");
  struct text req = {.len = 0, .ok = 1};
  char job_id[128], state[64] = "";
  char *created, *waited, *described;
  milvus_client *client;
  int i, rc = 1;

  client = milvus_client_new(url); /* no I/O yet */
  if (client == NULL) return report("milvus_client_new");
  if (token != NULL && milvus_client_set_api_key(client, token) != MILVUS_OK) {
    rc = report("milvus_client_set_api_key");
    goto out;
  }

  /* {"collectionName":"quick_setup","files":[["quick_setup/1.parquet"]]} */
  put(&req, "{\"collectionName\":");
  json_put_string(&req, collection);
  put(&req, ",\"files\":[");
  if (argc > 3) {
    for (i = 3; i < argc; i++) {
      put(&req, i > 3 ? ",[" : "[");
      json_put_string(&req, argv[i]);
      put(&req, "]");
    }
  } else {
    put(&req, "[\"quick_setup/1.parquet\"]");
  }
  put(&req, "]}");
  if (!req.ok) {
    fprintf(stderr, "the arguments are too long\n");
    goto out;
  }

  created = milvus_client_bulk_import(client, req.buf);
  if (created == NULL) {
    rc = report("milvus_client_bulk_import");
    goto out;
  }
  puts(created); /* {"code":0,"data":{"jobId":"..."}} */
  if (!data_field(created, "jobId", job_id, sizeof job_id)) {
    fprintf(stderr, "no jobId in the answer\n");
    milvus_free(created);
    goto out;
  }
  milvus_free(created);

  /* Describe every 200 ms for at most 10 minutes, drawing the bar after each describe. */
  waited = milvus_client_wait_import_job(client, job_id, 600000, 200, draw_progress, NULL);
  fputc('\n', stderr);
  if (waited == NULL) {
    rc = report("milvus_client_wait_import_job");
    goto out;
  }
  milvus_free(waited); /* the last describe; we describe once more below to show the call */

  req.len = 0;
  req.buf[0] = '\0';
  put(&req, "{\"jobId\":");
  json_put_string(&req, job_id);
  put(&req, "}");
  described = milvus_client_get_import_progress(client, req.buf);
  if (described == NULL) {
    rc = report("milvus_client_get_import_progress");
    goto out;
  }
  puts(described);
  data_field(described, "state", state, sizeof state);
  milvus_free(described);

  if (strcmp(state, "Completed") == 0 || strcmp(state, "Uncommitted") == 0) {
    rc = 0;
  } else {
    fprintf(stderr, "import job %s ended %s\n", job_id, state);
  }
out:
  milvus_client_free(client);
  return rc;
}
