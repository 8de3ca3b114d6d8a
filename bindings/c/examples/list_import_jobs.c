/*
 * list_import_jobs.c - list the import jobs of one collection and print the JSON.
 *
 * Build (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig if the library is not in a system prefix):
 *   cc list_import_jobs.c -o list_import_jobs $(pkg-config --cflags --libs milvus_import)
 * Run:
 *   ./list_import_jobs [URL [COLLECTION]]
 *   defaults: http://127.0.0.1:19530 and quick_setup; COLLECTION "" lists every job.
 * Exit status: 0 on success, 1 on failure (the reason goes to stderr).
 */
#include <stdio.h>

#include <milvus_import.h>

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:19530";
  const char *collection = argc > 2 ? argv[2] : "quick_setup";

  char *jobs = milvus_list_import_jobs(url, collection);
  if (jobs == NULL) {
    /* Read the details right after the failed call, on the same thread. */
    int kind = milvus_last_error_code();
    fprintf(stderr, "list_import_jobs failed: %s (kind %d), HTTP status %d, server code %lld: %s\n",
            milvus_status_string(kind), kind, milvus_last_error_http_status(),
            milvus_last_error_server_code(), milvus_last_error_message());
    return 1;
  }

  /* The server's envelope, e.g. {"code":0,"data":{"records":[...]}}. */
  puts(jobs);
  milvus_free(jobs); /* NEW text: ours to free, with milvus_free */
  return 0;
}
