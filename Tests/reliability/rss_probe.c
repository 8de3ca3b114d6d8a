/* Peak memory of one call against a hostile server.
 *
 * usage: rss_probe WARMUP_URL URL MAX_RESPONSE_BYTES
 * Makes one successful call to WARMUP_URL (so libcurl, OpenSSL and zlib are initialised),
 * reads VmHWM (the process's peak resident set) from /proc/self/status, makes one list call
 * to URL with the response cap, reads VmHWM again, and prints one line:
 *   code=<kind> http=<status> hwm_before_kb=<n> hwm_after_kb=<n>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milvus_import.h"

static long vm_hwm_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

static milvus_client *client_for(const char *url, long long cap) {
  milvus_client *c = milvus_client_new(url);
  if (!c) return NULL;
  if (milvus_client_set_proxy(c, "") || milvus_client_set_max_retries(c, 0) ||
      milvus_client_set_timeout_ms(c, 20000) || milvus_client_set_max_response_bytes(c, cap)) {
    milvus_client_free(c);
    return NULL;
  }
  return c;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: rss_probe WARMUP_URL URL MAX_RESPONSE_BYTES\n");
    return 2;
  }
  long long cap = atoll(argv[3]);
  milvus_client *warm = client_for(argv[1], cap);
  milvus_client *c = client_for(argv[2], cap);
  if (!warm || !c) {
    fprintf(stderr, "client setup failed: %s\n", milvus_last_error_message());
    return 2;
  }
  char *r = milvus_client_list_import_jobs(warm, NULL);
  if (!r) {
    fprintf(stderr, "warm-up failed: %s\n", milvus_last_error_message());
    return 2;
  }
  milvus_free(r);
  long before = vm_hwm_kb();
  r = milvus_client_list_import_jobs(c, NULL);
  int code = milvus_last_error_code();
  int http = milvus_last_error_http_status();
  long after = vm_hwm_kb();
  milvus_free(r);
  printf("code=%d http=%d hwm_before_kb=%ld hwm_after_kb=%ld\n", code, http, before, after);
  milvus_client_free(warm);
  milvus_client_free(c);
  return 0;
}
