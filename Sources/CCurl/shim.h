/* libcurl for Swift: the variadic setopt/getinfo calls, one typed wrapper per argument type. */
#ifndef MILVUS_CCURL_SHIM_H
#define MILVUS_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*mi_curl_data_fn)(char *data, size_t size, size_t count, void *user);
typedef int (*mi_curl_xferinfo_fn)(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                   curl_off_t ulnow);

static inline CURLcode mi_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode mi_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode mi_curl_set_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode mi_curl_set_data_fn(CURL *h, CURLoption o, mi_curl_data_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode mi_curl_set_xferinfo_fn(CURL *h, CURLoption o, mi_curl_xferinfo_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode mi_curl_info_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode mi_curl_info_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode mi_curl_info_str(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
#endif
