/*
 * cold_start.c: what a fresh process pays before its first answer (`make bench`, section 4).
 * Linked with libc only: every library is dlopen'ed inside the clock. One process per
 * sample; run.py alternates the modes and takes medians. Prints one JSON line.
 *
 *   cold_start curl-init  URL LIBCURL           dlopen libcurl + curl_global_init + curl_easy_init
 *   cold_start curl-first URL LIBCURL LIBJANSSON  the same + one POST + one jansson parse
 *   cold_start lib-first  URL LIBMILVUS         dlopen libmilvus_import + milvus_list_import_jobs
 *
 * URL is the base URL of the 1-record list on run.py's nginx (127.0.0.1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *need(void *lib, const char *name) {
  void *sym = dlsym(lib, name);
  if (!sym) {
    fprintf(stderr, "cold_start: %s: %s\n", name, dlerror());
    exit(2);
  }
  return sym;
}

static void *open_lib(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "cold_start: dlopen %s: %s\n", path, dlerror());
    exit(2);
  }
  return lib;
}

/* The headers give the types and constants only: every function is reached through dlsym, so
 * nothing is linked (unused static inline helpers make no references). */
typedef size_t (*write_fn)(char *, size_t, size_t, void *);

typedef struct sink {
  char data[65536];
  size_t len;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *user) {
  sink *s = user;
  size_t bytes = size * n;
  if (s->len + bytes > sizeof s->data) return 0;
  memcpy(s->data + s->len, p, bytes);
  s->len += bytes;
  return bytes;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: cold_start MODE URL LIBRARY [LIBJANSSON]\n");
    return 2;
  }
  const char *mode = argv[1], *base = argv[2];
  char url[1024];
  snprintf(url, sizeof url, "%s/v2/vectordb/jobs/import/list", base);

  double t0 = now_ms(), t_open = 0;
  if (strcmp(mode, "lib-first") == 0) {
    void *lib = open_lib(argv[3]);
    t_open = now_ms() - t0;
    char *(*list)(const char *, const char *) = (char *(*)(const char *, const char *))need(lib, "milvus_list_import_jobs");
    void (*lib_free)(void *) = (void (*)(void *))need(lib, "milvus_free");
    char *text = list(base, "bench");
    if (!text) {
      const char *(*message)(void) = (const char *(*)(void))need(lib, "milvus_last_error_message");
      fprintf(stderr, "cold_start: first call failed: %s\n", message());
      return 2;
    }
    lib_free(text);
  } else if (strcmp(mode, "curl-init") == 0 || strcmp(mode, "curl-first") == 0) {
    int first = strcmp(mode, "curl-first") == 0;
    void *curl = open_lib(argv[3]);
    void *jansson = first ? open_lib(argc > 4 ? argv[4] : "libjansson.so.4") : NULL;
    t_open = now_ms() - t0;
    CURLcode (*global_init)(long) = (CURLcode (*)(long))need(curl, "curl_global_init");
    CURL *(*easy_init)(void) = (CURL * (*)(void)) need(curl, "curl_easy_init");
    if (global_init(CURL_GLOBAL_DEFAULT) != 0) return 2;
    CURL *easy = easy_init();
    if (!easy) return 2;
    if (first) {
      CURLcode (*setopt)(CURL *, CURLoption, ...) =
          (CURLcode (*)(CURL *, CURLoption, ...))need(curl, "curl_easy_setopt");
      CURLcode (*perform)(CURL *) = (CURLcode (*)(CURL *))need(curl, "curl_easy_perform");
      struct curl_slist *(*slist_append)(struct curl_slist *, const char *) =
          (struct curl_slist * (*)(struct curl_slist *, const char *)) need(curl, "curl_slist_append");
      json_t *(*loadb)(const char *, size_t, size_t, json_error_t *) =
          (json_t * (*)(const char *, size_t, size_t, json_error_t *)) need(jansson, "json_loadb");
      void (*json_delete_fn)(json_t *) = (void (*)(json_t *))need(jansson, "json_delete");
      static sink s;
      json_error_t error;
      struct curl_slist *headers = slist_append(NULL, "Content-Type: application/json");
      setopt(easy, CURLOPT_URL, url);
      setopt(easy, CURLOPT_HTTPHEADER, headers);
      setopt(easy, CURLOPT_POSTFIELDS, "{\"collectionName\":\"bench\"}");
      setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
      setopt(easy, CURLOPT_NOSIGNAL, 1L);
      setopt(easy, CURLOPT_WRITEFUNCTION, (write_fn)on_data);
      setopt(easy, CURLOPT_WRITEDATA, &s);
      if (perform(easy) != 0) {
        fprintf(stderr, "cold_start: curl_easy_perform failed\n");
        return 2;
      }
      json_t *root = loadb(s.data, s.len, 0, &error);
      if (!root) {
        fprintf(stderr, "cold_start: json_loadb failed\n");
        return 2;
      }
      json_delete_fn(root); /* refcount 1: what json_decref does */
    }
  } else {
    fprintf(stderr, "cold_start: unknown mode %s\n", mode);
    return 2;
  }
  double total = now_ms() - t0;
  printf("{\"mode\":\"%s\",\"open_ms\":%.3f,\"total_ms\":%.3f}\n", mode, t_open, total);
  return 0;
}
