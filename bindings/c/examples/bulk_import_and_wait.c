/*
 * bulk_import_and_wait.c - create an import job, wait for it with a progress bar, then
 * describe it and print the JSON.
 *
 * The library takes and returns JSON text; this example builds the request and reads the
 * answers with jansson, which every user of the library already has (it is the library's
 * own JSON dependency).
 *
 * Build (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig if the library is not in a system prefix):
 *   cc bulk_import_and_wait.c -o bulk_import_and_wait \
 *      $(pkg-config --cflags --libs milvus_import jansson)
 * Run:
 *   ./bulk_import_and_wait [URL [COLLECTION [FILE...]]]
 *   defaults: http://127.0.0.1:19530, quick_setup, one file "quick_setup/1.parquet"; each FILE
 *   is one file group. The token, if any, is read from the environment (MILVUS_TOKEN).
 * Output: the create and the describe envelopes on stdout, the progress bar on stderr.
 * Exit status: 0 when the job completed (or waits for a commit), 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
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

/* The milvus_progress_fn: redraws one line on stderr after every describe. */
static int draw_progress(const char *describe_json, void *user_data) {
  static const char hashes[] = "########################################";
  static const char dashes[] = "----------------------------------------";
  const char *state = "?";
  json_int_t pct = 0;
  int filled;
  json_t *envelope = json_loads(describe_json, 0, NULL);
  (void)user_data;
  /* {"code":0,"data":{"jobId":"...","state":"Importing","progress":40,...}} */
  json_unpack(envelope, "{s:{s?s,s?I}}", "data", "state", &state, "progress", &pct);
  if (pct < 0) pct = 0;
  if (pct > 100) pct = 100;
  filled = (int)pct * BAR_WIDTH / 100;
  fprintf(stderr, "\r[%.*s%.*s] %3d%% %-12s", filled, hashes, BAR_WIDTH - filled, dashes, (int)pct,
          state);
  fflush(stderr);
  json_decref(envelope); /* state pointed into it */
  return 0;              /* non-zero would stop the wait with MILVUS_ERR_CANCELLED */
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:19530";
  const char *collection = argc > 2 ? argv[2] : "quick_setup";
  const char *token = getenv("MILVUS_TOKEN");
  char job_id[128], state[64] = "";
  char *request = NULL, *created, *waited, *described;
  json_t *files, *envelope;
  const char *text;
  milvus_client *client;
  int i, rc = 1;

  client = milvus_client_new(url); /* no I/O yet */
  if (client == NULL) return report("milvus_client_new");
  if (token != NULL && milvus_client_set_api_key(client, token) != MILVUS_OK) {
    rc = report("milvus_client_set_api_key");
    goto out;
  }

  /* {"collectionName":"quick_setup","files":[["quick_setup/1.parquet"]]}: one list per group */
  files = json_array();
  if (argc > 3) {
    for (i = 3; i < argc; i++) json_array_append_new(files, json_pack("[s]", argv[i]));
  } else {
    json_array_append_new(files, json_pack("[s]", "quick_setup/1.parquet"));
  }
  envelope = json_pack("{s:s,s:o}", "collectionName", collection, "files", files); /* takes files */
  request = json_dumps(envelope, JSON_COMPACT);
  json_decref(envelope);
  if (request == NULL) {
    fprintf(stderr, "the request could not be built (is every argument UTF-8?)\n");
    goto out;
  }

  created = milvus_client_bulk_import(client, request);
  if (created == NULL) {
    rc = report("milvus_client_bulk_import");
    goto out;
  }
  puts(created); /* {"code":0,"data":{"jobId":"..."}} */
  envelope = json_loads(created, 0, NULL);
  milvus_free(created);
  text = NULL;
  json_unpack(envelope, "{s:{s:s}}", "data", "jobId", &text);
  if (text == NULL || strlen(text) >= sizeof job_id) {
    fprintf(stderr, "no jobId in the answer\n");
    json_decref(envelope);
    goto out;
  }
  strcpy(job_id, text);
  json_decref(envelope);

  /* Describe every 200 ms for at most 10 minutes, drawing the bar after each describe. */
  waited = milvus_client_wait_import_job(client, job_id, 600000, 200, draw_progress, NULL);
  fputc('\n', stderr);
  if (waited == NULL) {
    rc = report("milvus_client_wait_import_job");
    goto out;
  }
  milvus_free(waited); /* the last describe; we describe once more below to show the call */

  free(request);
  envelope = json_pack("{s:s}", "jobId", job_id);
  request = json_dumps(envelope, JSON_COMPACT);
  json_decref(envelope);
  described = request ? milvus_client_get_import_progress(client, request) : NULL;
  if (described == NULL) {
    rc = report("milvus_client_get_import_progress");
    goto out;
  }
  puts(described);
  envelope = json_loads(described, 0, NULL);
  milvus_free(described);
  text = "";
  json_unpack(envelope, "{s:{s:s}}", "data", "state", &text);
  snprintf(state, sizeof state, "%s", text);
  json_decref(envelope);

  if (strcmp(state, "Completed") == 0 || strcmp(state, "Uncommitted") == 0) {
    rc = 0;
  } else {
    fprintf(stderr, "import job %s ended %s\n", job_id, state);
  }
out:
  free(request);
  milvus_client_free(client);
  return rc;
}
