/*
 * milvus_import.h: libmilvus_import, Milvus bulk-import jobs over the REST API.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The one public contract of the library. Every exported symbol is declared here and
 * nowhere else; the Swift implementation imports this header and is checked against it
 * by the compiler (`@implementation @_cdecl`).
 *
 * Conventions (stated once, as jansson does):
 *  - Names: functions `milvus_noun_verb`, constants `MILVUS_*`, types `milvus_*`.
 *  - Strings in: NUL-terminated UTF-8, borrowed for the duration of the call only.
 *  - Strings out, three kinds, written on every function:
 *      NEW      malloc'd by the library; the caller owns it and frees it with milvus_free().
 *      STATIC   lives as long as the library is loaded; never free it.
 *      BORROWED owned by the library; valid until the calling thread's next call into it.
 *  - Failure: a function returning `char *` returns NULL; a function returning `int`
 *    returns a milvus_status other than MILVUS_OK. Either way the details (kind, HTTP
 *    status, the server's code, a message) are left in THIS THREAD's last error, read with
 *    milvus_last_error_*(). Read them only after a failed return, on the same thread.
 *  - Every function that can fail resets this thread's last error when it starts. The
 *    accessors milvus_last_error_*(), milvus_status_string(), milvus_version() and
 *    milvus_free() never change it.
 *  - Returned text is NUL-terminated UTF-8 JSON without NUL bytes: a response with a NUL,
 *    invalid UTF-8, duplicate keys or an integer beyond 64 bits is
 *    MILVUS_ERR_MALFORMED_RESPONSE.
 *  - Reading an answer: use any JSON library; jansson, which the library itself uses,
 *    is at hand (`pkg-config --cflags --libs milvus_import jansson`). The job id of a
 *    create is data.jobId (a string), the state and progress of a describe are data.state
 *    (a string) and data.progress (an integer, 0-100):
 *      json_t *e = json_loads(text, 0, NULL);
 *      const char *state = NULL; json_int_t progress = 0;
 *      json_unpack(e, "{s:{s:s,s:I}}", "data", "state", &state, "progress", &progress);
 *      ... use state before json_decref(e); milvus_free(text);
 *    bindings/c/examples/bulk_import_and_wait.c is a complete program.
 *  - Times are milliseconds, sizes are bytes. Requires C99 or C++11 (long long); `long`
 *    is 64 bits on the LP64 platforms the library is built for.
 *  - A call made from a progress callback replaces the thread's last error like any
 *    other call; the wait that ran the callback resets it again when it returns.
 *  - No function writes to stdout/stderr, installs signal handlers, or aborts the process.
 *  - Error messages never contain the API token, a password inside a URL, or object-store
 *    keys: those are replaced by "***" if a server echoes them.
 *
 * Thread safety: every function may be called from any thread at any time. A
 * milvus_client may be shared by any number of threads, including its setters; only
 * milvus_client_free() must not race with other calls on the same client (nor be called
 * from a progress callback of that client). The last error is per thread.
 *
 * Processes: after fork() the child opens connections of its own; it never uses those
 * inherited from the parent. libcurl: the library calls curl_global_init(
 * CURL_GLOBAL_DEFAULT) on first use and never curl_global_cleanup(); a program that uses
 * libcurl itself, with a libcurl older than 7.84, should call curl_global_init() before its
 * first milvus_* call.
 *
 * REST endpoints used (all POST, JSON bodies, under the base URL):
 *   /v2/vectordb/jobs/import/list        list import jobs
 *   /v2/vectordb/jobs/import/create      create an import job
 *   /v2/vectordb/jobs/import/describe    describe one job (falls back to .../get_progress)
 *   /v2/vectordb/jobs/import/commit      commit a two-phase job (Milvus 3.0)
 *   /v2/vectordb/jobs/import/abort       abort a two-phase job (Milvus 3.0)
 */
#ifndef MILVUS_IMPORT_H
#define MILVUS_IMPORT_H

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================================
 * Version
 * ==================================================================================== */

/** The version of this header, as text, and as numbers. */
#define MILVUS_IMPORT_VERSION "0.1.0"
#define MILVUS_IMPORT_VERSION_MAJOR 0
#define MILVUS_IMPORT_VERSION_MINOR 1
#define MILVUS_IMPORT_VERSION_PATCH 0
/** 0xXXYYZZ: major, minor, patch; grows with every release. */
#define MILVUS_IMPORT_VERSION_NUM 0x000100
/** True when this header is at least version x.y.z. */
#define MILVUS_IMPORT_AT_LEAST(x, y, z) \
  (MILVUS_IMPORT_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

#ifndef MILVUS_WARN_UNUSED_RESULT
#if defined(__GNUC__) || defined(__clang__)
#define MILVUS_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define MILVUS_WARN_UNUSED_RESULT
#endif
#endif

/**
 * milvus_version - the version of the loaded library, e.g. "0.1.0".
 * Returns: STATIC text. Compare it with MILVUS_IMPORT_VERSION at load time.
 * Errors: none; never fails; does not touch the last error. Thread-safe.
 */
const char *milvus_version(void);

/* ======================================================================================
 * Status kinds. Append only: a number, once given, never changes meaning.
 * ==================================================================================== */

typedef enum milvus_status {
  MILVUS_OK = 0,                   /* success */
  MILVUS_ERR_INVALID_ARGUMENT = 1, /* bad input from the caller; nothing was sent */
  MILVUS_ERR_TRANSPORT = 2,        /* DNS, refused, reset, truncated body, proxy failure */
  MILVUS_ERR_TIMEOUT = 3,          /* the timeout ran out, or the server answered HTTP 408 */
  MILVUS_ERR_TLS = 4,              /* TLS handshake or certificate verification failed */
  MILVUS_ERR_HTTP = 5,             /* a non-2xx status other than 401/403/408 (incl. 3xx) */
  MILVUS_ERR_AUTH = 6,             /* HTTP 401/403, or server code 1800 / 21119 (cloud) */
  MILVUS_ERR_SERVER = 7,           /* a Milvus envelope with a non-zero code */
  MILVUS_ERR_MALFORMED_RESPONSE = 8, /* 2xx whose body is not a Milvus JSON envelope */
  MILVUS_ERR_TOO_LARGE = 9,        /* the response passed max_response_bytes */
  MILVUS_ERR_JOB_NOT_FOUND = 10,   /* the server does not know the job (code 2100 or 2101) */
  MILVUS_ERR_NO_MEMORY = 11,       /* an allocation failed */
  MILVUS_ERR_CANCELLED = 12,       /* a progress callback or the interrupt check asked to stop */
  MILVUS_ERR_STORAGE = 13          /* the object store (S3 API) refused a request */
} milvus_status;

/**
 * milvus_status_string - a short English description of a status, e.g. "server error".
 * @status: a milvus_status value (any int is accepted).
 * Returns: STATIC text; "unknown status" for a number this version does not know.
 * Errors: none; does not touch the last error. Thread-safe.
 */
const char *milvus_status_string(int status);

/* ======================================================================================
 * The last error of the calling thread
 * ==================================================================================== */

/**
 * milvus_last_error_code - the milvus_status of this thread's last failed call.
 * Returns: MILVUS_OK when the last call on this thread succeeded (or none was made).
 */
int milvus_last_error_code(void);

/**
 * milvus_last_error_http_status - the HTTP status of the response behind the last error.
 * Returns: e.g. 200 (a server error inside a 200), 401, 404; 0 when no HTTP response
 * arrived (invalid argument, transport, TLS, timeout before an answer).
 */
int milvus_last_error_http_status(void);

/**
 * milvus_last_error_server_code - the `code` of the server's JSON envelope behind the last
 * error (e.g. 100 collection not found, 1800 not authenticated, 2100 or 2101 import failed).
 * Returns: 0 when the response had no Milvus envelope, or there was no response.
 */
long long milvus_last_error_server_code(void);

/**
 * milvus_last_error_message - a one-line, human-readable description of the last error:
 * what failed, the server's message where there was one, a short sanitised snippet of a
 * non-JSON body. At most 1023 bytes of UTF-8; never holds a secret.
 * Returns: BORROWED text, valid until this thread's next call into the library; "" after
 * a success. Never NULL.
 */
const char *milvus_last_error_message(void);

/**
 * milvus_last_error_storage_code - the S3 error `Code` behind the last error when it is
 * MILVUS_ERR_STORAGE (e.g. "NoSuchBucket", "SignatureDoesNotMatch", "AccessDenied").
 * Returns: BORROWED text, valid until this thread's next call into the library; "" when
 * the last error has no S3 code. Never NULL.
 */
const char *milvus_last_error_storage_code(void);

/* ======================================================================================
 * Memory
 * ==================================================================================== */

/**
 * milvus_free - free a NEW string returned by this library.
 * @p: a pointer returned by a milvus_* function documented as NEW, or NULL (a no-op).
 * Errors: none; does not touch the last error. Thread-safe.
 */
void milvus_free(void *p);

/* ======================================================================================
 * Stateless calls: one URL, default settings, no token.
 *
 * They share one process-wide connection pool, so repeated calls reuse connections.
 * They keep a client for each recently used URL, so a URL is parsed once and the describe
 * fallback (see milvus_get_import_progress) is remembered.
 * Defaults: timeout 20000 ms for the whole call, connect timeout 10000 ms, TLS
 * verification on with the system's CA store, proxies from the environment, 256 MiB
 * response cap, 2 retries for list and describe (milvus_set_stateless_max_retries changes
 * that), no interrupt check. For a token, a database, headers, an interrupt check or other
 * settings use a milvus_client. A `user:password@` in the URL is sent as HTTP Basic
 * authentication.
 *
 * Returned envelope: the server's JSON text exactly as it arrived, e.g.
 *   {"code":0,"data":{"records":[{"collectionName":"quick_setup","jobId":"4487...",
 *    "progress":50,"state":"Importing"}]}}
 * Integers keep every digit; `jobId` is a JSON string. Large answers are checked as those
 * of the client calls (see "Calls" below).
 *
 * Errors (all three): MILVUS_ERR_INVALID_ARGUMENT (NULL or bad url, scheme other than
 * http/https, query or fragment in the url, a string that is not UTF-8, bad files_json),
 * MILVUS_ERR_TRANSPORT, MILVUS_ERR_TIMEOUT, MILVUS_ERR_TLS, MILVUS_ERR_HTTP (404 from a
 * Milvus older than 2.4 or a wrong port), MILVUS_ERR_AUTH, MILVUS_ERR_SERVER,
 * MILVUS_ERR_MALFORMED_RESPONSE, MILVUS_ERR_TOO_LARGE, MILVUS_ERR_NO_MEMORY, and
 * MILVUS_ERR_JOB_NOT_FOUND when the server does not know the job: code 2100 (Milvus up
 * to 2.6.18) or 2101 (2.6.19 and later) with "import job does not exist" or "job N not
 * found"; other 2100 and 2101 answers, the job limit among them, are MILVUS_ERR_SERVER.
 * A transport failure is MILVUS_ERR_TRANSPORT also when the peer answers something that
 * is not HTTP. Thread-safe.
 * ==================================================================================== */

/**
 * milvus_set_stateless_max_retries - how many times the stateless list and describe are
 * retried (as milvus_client_set_max_retries), for every stateless call that starts
 * afterwards, in any thread. 0 turns retries off.
 * @max_retries: 0 to 10. Default 2.
 * Returns: MILVUS_OK, or MILVUS_ERR_INVALID_ARGUMENT (the setting is then unchanged).
 */
int milvus_set_stateless_max_retries(int max_retries);

/**
 * milvus_list_import_jobs - list the import jobs of one collection, or of all collections.
 * POST {url}/v2/vectordb/jobs/import/list with {"collectionName": ...}.
 * @url: the server's base URL, e.g. "http://127.0.0.1:19530" (a path prefix is kept).
 * @collection_name: the collection; NULL or "" lists the jobs of every collection of every
 *   database (then no collectionName is sent).
 * Returns: NEW envelope text (free with milvus_free), or NULL on failure.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_list_import_jobs(const char *url, const char *collection_name);

/**
 * milvus_get_import_progress - describe one import job: state, progress, rows, per-file
 * details. POST {url}/v2/vectordb/jobs/import/describe with {"jobId": job_id}; a server
 * that answers that path with 404 (Milvus 2.4 before the rename) is asked again at
 * .../get_progress, and the process remembers which path that server serves.
 * @url: the base URL.
 * @job_id: the job's id as text (e.g. "448761313698322011"); not NULL, not "".
 * Returns: NEW envelope text, or NULL on failure (MILVUS_ERR_JOB_NOT_FOUND for a job the
 *   server no longer knows).
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_get_import_progress(const char *url, const char *job_id);

/**
 * milvus_bulk_import - create an import job.
 * POST {url}/v2/vectordb/jobs/import/create with {"collectionName":..., "files":...}.
 * Never retried (no Idempotency-Key can be set here).
 * @url: the base URL.
 * @collection_name: the target collection; not NULL, not "".
 * @files_json: JSON text, a list of lists of strings, one inner list per file group,
 *   e.g. "[[\"a.parquet\"],[\"b.json\"]]"; anything else is MILVUS_ERR_INVALID_ARGUMENT.
 * Returns: NEW envelope text ({"code":0,"data":{"jobId":"..."}}), or NULL on failure.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_bulk_import(const char *url, const char *collection_name, const char *files_json);

/* ======================================================================================
 * Clients: settings, connection reuse, every call.
 * ==================================================================================== */

/** An opaque handle: settings plus a pool of connections. Share it between threads. */
typedef struct milvus_client milvus_client;

/**
 * milvus_client_new - create a client for one server.
 * @url: the base URL: http or https, optional port and path prefix (e.g.
 *   "https://proxy.example.com/milvus"); trailing slashes are dropped; a query or fragment
 *   is refused. A `user:password@` in it is sent as HTTP Basic authentication, unless a
 *   token (milvus_client_set_api_key) or an "Authorization" header replaces it.
 * Returns: a NEW handle (free with milvus_client_free), or NULL with
 *   MILVUS_ERR_INVALID_ARGUMENT or MILVUS_ERR_NO_MEMORY. No I/O happens here.
 * Defaults: no token, timeout 20000 ms for the whole call (no attempt timeout of its own),
 *   connect timeout 10000 ms, no interrupt check, TLS verification on,
 *   proxies from the environment (as libcurl reads them), max 2 retries with 250 ms initial
 *   backoff, 256 MiB response cap.
 */
MILVUS_WARN_UNUSED_RESULT
milvus_client *milvus_client_new(const char *url);

/**
 * milvus_client_free - close the client's connections and free it.
 * @client: a handle from milvus_client_new, or NULL (a no-op). It must not be in use by
 *   another thread.
 */
void milvus_client_free(milvus_client *client);

/*
 * Setters. Each returns MILVUS_OK, or MILVUS_ERR_INVALID_ARGUMENT for a NULL client or a
 * bad value, text that is not UTF-8 included (the setting is then unchanged). They are
 * thread-safe: calls already under way (a whole wait included) keep the settings they
 * started with; later calls see the new ones.
 */

/**
 * milvus_client_set_api_key - the token sent as "Authorization: Bearer <token>": an API
 * key (Zilliz Cloud) or "user:password" (Milvus with authentication on).
 * @token: UTF-8 text without CR/LF; NULL or "" removes it (then no Authorization header).
 */
int milvus_client_set_api_key(milvus_client *client, const char *token);

/**
 * milvus_client_set_database - the database for calls whose request has no "dbName":
 * sent as the "DB-Name" header, and as "dbName" in list and create bodies.
 * @db_name: UTF-8 text without CR/LF; NULL or "" removes it.
 */
int milvus_client_set_database(milvus_client *client, const char *db_name);

/**
 * milvus_client_set_timeout_ms - the longest time one call to Milvus may take, in
 * milliseconds: every attempt, retry and pause between them included. A call still under
 * way then fails with MILVUS_ERR_TIMEOUT. (A wait has its own timeout, for the whole wait;
 * each describe inside it is bounded by this one too. Uploads are bounded by the stall
 * limit instead: milvus_client_set_upload_stall_timeout_ms.)
 * @timeout_ms: > 0. Default 20000.
 */
int milvus_client_set_timeout_ms(milvus_client *client, long timeout_ms);

/**
 * milvus_client_set_attempt_timeout_ms - the longest time one HTTP attempt may take, in
 * milliseconds, so that a server that stops answering is retried within the call's
 * timeout (e.g. timeout 20000 and attempt timeout 5000: up to three attempts).
 * @attempt_timeout_ms: > 0, or 0 (the default): no limit of its own, an attempt may take
 *   what is left of the call's timeout.
 */
int milvus_client_set_attempt_timeout_ms(milvus_client *client, long attempt_timeout_ms);

/**
 * milvus_client_set_connect_timeout_ms - the timeout for establishing a connection (TCP
 * and TLS), in milliseconds. @timeout_ms: > 0. Default 10000.
 */
int milvus_client_set_connect_timeout_ms(milvus_client *client, long timeout_ms);

/**
 * milvus_client_set_tls - TLS verification.
 * @verify_peer: non-zero (the default) verifies the server's certificate and host name;
 *   0 turns both off (insecure: for tests only).
 * @ca_file: a PEM file of CA certificates to trust instead of the system's; NULL or ""
 *   for the system's store. Not read until the first HTTPS call; a missing or bad file is
 *   then MILVUS_ERR_TLS.
 */
int milvus_client_set_tls(milvus_client *client, int verify_peer, const char *ca_file);

/**
 * milvus_client_set_client_cert - a client certificate for servers that require one.
 * @cert_file: a PEM certificate file; NULL or "" removes the client certificate.
 * @key_file: its PEM private key; NULL or "" when the key is inside cert_file.
 */
int milvus_client_set_client_cert(milvus_client *client, const char *cert_file, const char *key_file);

/**
 * milvus_client_set_header - add, replace or remove an extra request header (e.g.
 * "Idempotency-Key", "Request-Timeout"). Names compare without case.
 * @name: a header name (RFC 9110 token characters). "Content-Type", "Content-Length" and
 *   "Host" are refused (the library sets them). "Authorization" here replaces the API key's
 *   header, "DB-Name" the database's (also a request's "dbName"), "User-Agent" the
 *   library's "libmilvus_import/<version>".
 * @value: UTF-8 text without control characters other than tab; "" sends the header with
 *   an empty value; NULL removes the header.
 * Setting "Idempotency-Key" makes create calls retryable.
 */
int milvus_client_set_header(milvus_client *client, const char *name, const char *value);

/**
 * milvus_client_set_proxy - the HTTP(S) proxy.
 * @proxy_url: e.g. "http://proxy:3128"; scheme http, https, socks4, socks4a, socks5 or
 *   socks5h (none means http); "" means no proxy at all (environment ignored); NULL
 *   restores the default (the environment's http_proxy/https_proxy/no_proxy).
 */
int milvus_client_set_proxy(milvus_client *client, const char *proxy_url);

/**
 * milvus_client_set_max_retries - how many times list and describe (and create when an
 * Idempotency-Key header is set) are retried after a transport error, a timeout, or HTTP
 * 408, 429, 502, 503, 504. Backoff is exponential with full jitter; a 429's Retry-After
 * (seconds, up to 60) is honoured. Retries happen within the call's timeout: a pause that
 * would reach past it is not taken, and the call fails with the last attempt's error.
 * @max_retries: 0 to 10. Default 2.
 */
int milvus_client_set_max_retries(milvus_client *client, int max_retries);

/**
 * milvus_interrupt_fn - asked, on the calling thread, whether a long call should stop:
 * at least once a second while a request is in flight and at least every 100 ms while a
 * wait or a retry pauses, in every call of a client that has one (waits, list all,
 * uploads, import_files and single calls alike).
 * @user_data: the pointer given to milvus_client_set_interrupt.
 * Returns: 0 to go on; non-zero to stop: the call fails with MILVUS_ERR_CANCELLED (an
 *   unfinished multipart upload is aborted first). It must not call into the library.
 * A program that handles SIGINT itself sets a flag in its handler and returns it here.
 */
typedef int (*milvus_interrupt_fn)(void *user_data);

/**
 * milvus_client_set_interrupt - set or remove (@interrupt NULL) the client's interrupt
 * check. Calls already under way keep the check they started with.
 * @interrupt: a milvus_interrupt_fn, or NULL.
 * @user_data: passed to it untouched.
 */
int milvus_client_set_interrupt(milvus_client *client, milvus_interrupt_fn interrupt, void *user_data);

/**
 * milvus_client_set_retry_backoff_ms - the initial backoff before the first retry; each
 * further retry doubles it, up to 30 s.
 * @backoff_ms: 0 to 60000. Default 250.
 */
int milvus_client_set_retry_backoff_ms(milvus_client *client, long backoff_ms);

/**
 * milvus_client_set_max_response_bytes - the largest response body accepted, in bytes,
 * after decompression. A larger one fails with MILVUS_ERR_TOO_LARGE as soon as the limit
 * is passed, without reading the rest.
 * @max_bytes: 1 to 2^40. Default 268435456 (256 MiB).
 */
int milvus_client_set_max_response_bytes(milvus_client *client, long long max_bytes);

/*
 * Calls. @request_json is the REST body as JSON text, a JSON object. It is sent byte for
 * byte as given, every field kept (collectionName, dbName, partitionName, clusterId,
 * projectId, regionId, pageSize, currentPage, jobId, files, options, objectUrls,
 * accessKey, ...), unless the library adds a field (dbName from
 * milvus_client_set_database, the pages of milvus_client_list_all_import_jobs): then it is
 * re-serialised compactly by jansson, key order kept. Known fields are type-checked
 * before any I/O: names and ids must be strings, pageSize and currentPage integers >= 1,
 * every integer within 64 bits, files a list of lists of strings, options an object of
 * string values; a violation is MILVUS_ERR_INVALID_ARGUMENT. NULL means "{}" where no
 * field is required. "dbName" also goes out as the "DB-Name" header, so it must not hold
 * control characters.
 *
 * Each returns the server's envelope as NEW text (free with milvus_free), or NULL: the
 * bytes as they came, after the whole text was checked as JSON (one object, integer
 * "code", no duplicate keys, integers within 64 bits). A large answer to list, create,
 * commit or abort is checked value by value without building a tree, so its peak memory
 * is about the size of its text (a 10 MB list: ~10 MB, not ~90 MB).
 * Errors: MILVUS_ERR_INVALID_ARGUMENT (NULL client, request not a JSON object, wrong
 * types, missing required field), MILVUS_ERR_TRANSPORT, MILVUS_ERR_TIMEOUT,
 * MILVUS_ERR_TLS, MILVUS_ERR_HTTP, MILVUS_ERR_AUTH, MILVUS_ERR_SERVER,
 * MILVUS_ERR_MALFORMED_RESPONSE, MILVUS_ERR_TOO_LARGE, MILVUS_ERR_NO_MEMORY, and
 * MILVUS_ERR_JOB_NOT_FOUND when the server does not know the job: code 2100 (Milvus up
 * to 2.6.18) or 2101 (2.6.19 and later) with "import job does not exist" or "job N not
 * found"; other 2100 and 2101 answers, the job limit among them, are MILVUS_ERR_SERVER.
 * Thread-safe: any number of threads may call them on one client.
 */

/** POST /v2/vectordb/jobs/import/list: one page (Zilliz Cloud) or every job (Milvus). */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_list_import_jobs(milvus_client *client, const char *request_json);

/**
 * milvus_client_list_all_import_jobs - every page of .../list merged into one envelope
 * {"code":0,"data":{"records":[...],"count":N}}. Walks currentPage from 1 (pageSize from
 * the request, default 100) and stops when count records are in, on an empty page, on a
 * page identical to the previous one, or after 10000 pages. A server without paging (no
 * "count" in its answer) costs one call. The records are re-serialised by jansson; the
 * pages' other data fields are dropped.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_list_all_import_jobs(milvus_client *client, const char *request_json);

/** POST /v2/vectordb/jobs/import/describe (fallback .../get_progress). Requires "jobId". */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_get_import_progress(milvus_client *client, const char *request_json);

/**
 * POST /v2/vectordb/jobs/import/create. Requires "collectionName" and, on Milvus, "files"
 * (Zilliz Cloud also accepts objectUrl/objectUrls/dataPaths instead). Retried only when an
 * "Idempotency-Key" header is set on the client.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_bulk_import(milvus_client *client, const char *request_json);

/**
 * POST /v2/vectordb/jobs/import/commit: commit a two-phase job (created with
 * "options":{"auto_commit":"false"}) that waits in state Uncommitted. Requires "jobId".
 * Milvus 3.0 only: older servers answer MILVUS_ERR_HTTP with status 404.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_commit_import(milvus_client *client, const char *request_json);

/**
 * POST /v2/vectordb/jobs/import/abort: abort a two-phase job (it ends Failed, reason
 * "aborted by user"). Requires "jobId". Milvus 3.0 only: older servers answer
 * MILVUS_ERR_HTTP with status 404.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_abort_import(milvus_client *client, const char *request_json);

/* ======================================================================================
 * Waiting for a job
 * ==================================================================================== */

/**
 * milvus_progress_fn - called after each describe while waiting.
 * @describe_json: BORROWED envelope text of that describe, valid during the call only.
 * @user_data: the pointer given to the wait function.
 * Returns: 0 to go on waiting; non-zero to stop (the wait fails with MILVUS_ERR_CANCELLED).
 * It runs on the waiting thread and may call into the library.
 */
typedef int (*milvus_progress_fn)(const char *describe_json, void *user_data);

/**
 * milvus_client_wait_import_job - describe a job every poll_interval_ms until its state is
 * Completed, Failed or Uncommitted (a two-phase job waiting for commit). Every other state
 * is waited on (Pending, Importing, Committing, and states newer servers add), except
 * None, the server's answer for a job state it does not know: MILVUS_ERR_SERVER at once,
 * with the job's reason in the message.
 * @job_id: the job's id; not NULL, not "". The database comes from
 *   milvus_client_set_database (or a "DB-Name" header set with milvus_client_set_header).
 * @timeout_ms: the longest wait in milliseconds, > 0.
 * @poll_interval_ms: the pause between describes in milliseconds, 1 to timeout_ms.
 * @on_progress: NULL, or a callback run after every describe.
 * @user_data: passed to on_progress untouched.
 * Returns: NEW envelope text of the last describe (check data.state: a Failed job is
 *   returned, not an error), or NULL. Errors: those of describe, plus MILVUS_ERR_TIMEOUT
 *   when timeout_ms passes first (also in the middle of a describe) and
 *   MILVUS_ERR_CANCELLED when on_progress or the interrupt check says stop.
 *   No attempt, retry pause or per-attempt timeout reaches past timeout_ms. A describe
 *   that still fails after its retries ends the wait with that error: the wait does not
 *   poll through outages.
 * Endpoint: /v2/vectordb/jobs/import/describe, repeatedly. Thread-safe.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_wait_import_job(milvus_client *client, const char *job_id,
                                    long timeout_ms, long poll_interval_ms,
                                    milvus_progress_fn on_progress, void *user_data);

/**
 * milvus_client_wait_import_job_with_request - milvus_client_wait_import_job with a whole
 * describe request (e.g. {"jobId":"job-01","clusterId":"in01-..."} for Zilliz Cloud, or
 * {"jobId":"...","dbName":"db_a"}). Same returns, errors and thread safety.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_wait_import_job_with_request(milvus_client *client, const char *request_json,
                                                 long timeout_ms, long poll_interval_ms,
                                                 milvus_progress_fn on_progress, void *user_data);

/* ======================================================================================
 * Waiting for several jobs
 * ==================================================================================== */

/**
 * milvus_client_wait_import_jobs - wait until every job of a set is Completed, Failed or
 * Uncommitted, at one request per poll: each poll lists the jobs (of the collection when
 * the request names one, else every job) and each job is described once, when the list
 * shows it finished (a job the list does not show is described on that poll instead).
 * @request_json: {"jobIds":["...", ...]} (distinct ids) and optionally "collectionName"
 *   (the list is then that collection's), "dbName" (as for list); any other member (e.g.
 *   Zilliz Cloud's "clusterId") goes into list and describe as given. With
 *   "collectionName" and no "jobIds", the set is every job of the collection not yet
 *   finished when the wait starts.
 * @timeout_ms: the longest wait in milliseconds, > 0.
 * @poll_interval_ms: the pause between polls in milliseconds, 1 to timeout_ms.
 * @on_progress: NULL, or a callback run after every poll with BORROWED JSON text
 *   {"phase":"import","jobs":[{"jobId":"...","state":"Importing","progress":40}, ...]}
 *   (one entry per job of the set, in its order); non-zero stops the wait.
 * @user_data: passed to on_progress untouched.
 * Returns: NEW envelope text {"code":0,"data":{"jobs":[<each job's final describe data,
 *   in the order of jobIds>]}} (a Failed job is returned, not an error), or NULL.
 * Errors: those of list and describe (MILVUS_ERR_JOB_NOT_FOUND for a job the server does
 *   not know), MILVUS_ERR_TIMEOUT when timeout_ms passes first, MILVUS_ERR_CANCELLED when
 *   on_progress says stop, MILVUS_ERR_SERVER at once for a job in state None.
 * Endpoints: /v2/vectordb/jobs/import/list once per poll (once per page on a server that
 *   pages its list, as Zilliz Cloud does), .../describe once per job.
 * Thread-safe.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_wait_import_jobs(milvus_client *client, const char *request_json,
                                     long timeout_ms, long poll_interval_ms,
                                     milvus_progress_fn on_progress, void *user_data);

/* ======================================================================================
 * Object storage: getting local files to the bucket Milvus imports from
 *
 * Milvus imports only objects already in its bucket. These calls upload local files to an
 * S3-compatible object store (AWS S3, MinIO, SeaweedFS, ...) with Signature V4, check them
 * against the server's import rules, create the import jobs and wait for them.
 *
 * Object keys: "prefix/basename" for a file named directly, "prefix/relative/path" for
 * each file under a folder named (the folder's own name not included); without a prefix,
 * the bare names. An object already there with the same size and ETag is not uploaded
 * again, so a rerun resumes where a failed or cancelled one stopped. Large files go up in
 * parts (multipart upload), several parts at once on the calling thread; a multipart
 * upload that fails or is cancelled is aborted, so no parts are left behind. Files are
 * streamed from disk, never held in memory whole.
 *
 * File groups, as Milvus reads them: each .json, .jsonl, .ndjson, .csv or .parquet file
 * is one group; the .npy files of one folder are one group (one file per field, distinct
 * names). A group is at most 16 GiB; a job takes at most 1024 groups (more files: more
 * jobs). These rules are checked, and every object is checked to exist (HEAD), before any
 * job is created: a wrong path is an error naming the file, not a job that fails later.
 *
 * Credentials never appear in a message: the secret key, the session token and the
 * signature are replaced by "***".
 * ==================================================================================== */

/**
 * milvus_client_set_storage - the object store the upload calls use.
 * @endpoint: its base URL, e.g. "http://127.0.0.1:8333" or "https://s3.example.com";
 *   NULL or "" means AWS S3 ("https://s3.<region>.amazonaws.com"). Path-style addressing
 *   (endpoint/bucket/key) unless milvus_client_set_storage_virtual_host turns it off.
 *   TLS settings (milvus_client_set_tls, client certificates) and the proxy are the
 *   client's.
 * @region: the signing region, e.g. "us-east-1"; NULL or "" means "us-east-1".
 * @access_key: the access key id; not NULL, not "".
 * @secret_key: the secret access key; not NULL, not "".
 * @session_token: a temporary credential's session token (x-amz-security-token), or NULL.
 * Returns: MILVUS_OK, or MILVUS_ERR_INVALID_ARGUMENT (bad URL, empty key, control
 *   characters); the settings are then unchanged. No I/O happens here. Thread-safe as
 *   every setter.
 */
int milvus_client_set_storage(milvus_client *client, const char *endpoint, const char *region,
                              const char *access_key, const char *secret_key,
                              const char *session_token);

/**
 * milvus_client_set_storage_virtual_host - virtual-host-style addressing
 * (bucket.endpoint/key) when @virtual_host is non-zero; 0 (the default) is path style.
 * Call it after milvus_client_set_storage (before: MILVUS_ERR_INVALID_ARGUMENT); a later
 * milvus_client_set_storage keeps the style chosen. Virtual-host style needs a bucket name
 * that is a DNS label (lower-case letters, digits, "." and "-").
 */
int milvus_client_set_storage_virtual_host(milvus_client *client, int virtual_host);

/**
 * milvus_client_set_upload_part_size - the size of each part of a multipart upload, in
 * bytes; files larger than one part go up in parts. S3 allows 5 MiB (5242880) to 5 GiB
 * and at most 10000 parts: a file that would need more is MILVUS_ERR_INVALID_ARGUMENT.
 * @part_bytes: 5242880 to 5368709120. Default 67108864 (64 MiB).
 */
int milvus_client_set_upload_part_size(milvus_client *client, long long part_bytes);

/**
 * milvus_client_set_upload_stall_timeout_ms - an upload fails with MILVUS_ERR_TIMEOUT when
 * no byte moves for this long, in milliseconds (uploads have no overall time limit: a
 * large file takes what it takes; the client's timeout still bounds each call to Milvus).
 * @stall_ms: > 0. Default 60000.
 */
int milvus_client_set_upload_stall_timeout_ms(milvus_client *client, long stall_ms);

/**
 * milvus_client_upload_files - upload local files and folders to the object store.
 * @request_json: {"bucket":"b","prefix":"imports/2026","paths":["rows.json","npy_dir"]}:
 *   "bucket" required; "prefix" optional (no leading or trailing "/" needed); "paths" a
 *   non-empty list of local files or folders (folders are walked, hidden files skipped).
 * @on_progress: NULL, or a callback run as bytes go up with BORROWED JSON text
 *   {"phase":"upload","key":"<object being sent>","bytesDone":N,"bytesTotal":M} (bytes of
 *   the whole call); non-zero stops the upload (MILVUS_ERR_CANCELLED; objects already
 *   complete stay, an unfinished multipart upload is aborted).
 * @user_data: passed to on_progress untouched.
 * Returns: NEW envelope text {"code":0,"data":{"objects":[{"key":"...","size":N,
 *   "etag":"...","path":"<local path>","uploaded":true|false}, ...]}} ("uploaded" false:
 *   the object was already there), or NULL.
 * Errors: MILVUS_ERR_INVALID_ARGUMENT (no storage set, bad request, a path that does not
 *   exist or cannot be read: the message names it), MILVUS_ERR_STORAGE (the store refused:
 *   wrong keys, missing bucket, ...; see milvus_last_error_storage_code), MILVUS_ERR_TRANSPORT,
 *   MILVUS_ERR_TIMEOUT (the stall limit), MILVUS_ERR_TLS, MILVUS_ERR_CANCELLED,
 *   MILVUS_ERR_NO_MEMORY.
 * Endpoints (object store): HEAD, PUT, and POST/PUT/DELETE of multipart uploads.
 * Thread-safe.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_upload_files(milvus_client *client, const char *request_json,
                                 milvus_progress_fn on_progress, void *user_data);

/**
 * milvus_client_import_files - local files to imported rows in one call: upload what is
 * missing, check every object and the file-group rules, create the import jobs (1024
 * groups per job), wait for all of them.
 * @request_json: {"collectionName":"c","bucket":"b","paths":[...]} with optional
 *   "prefix", "dbName", "partitionName", "options" (as for create: an object of string
 *   values). "paths" as for milvus_client_upload_files; an element may also be a list of
 *   paths, taken as one file group (e.g. the .npy files of one table).
 * @timeout_ms: the longest wait for the jobs once created, in milliseconds, > 0 (uploads
 *   are bounded by the stall limit instead).
 * @poll_interval_ms: the pause between polls of the jobs, 1 to timeout_ms.
 * @on_progress: NULL, or a callback: first the upload's texts, then after every poll the
 *   texts of milvus_client_wait_import_jobs; non-zero stops (MILVUS_ERR_CANCELLED; what was
 *   uploaded stays for a rerun; jobs already created keep running on the server).
 * @user_data: passed to on_progress untouched.
 * Returns: NEW envelope text {"code":0,"data":{"jobs":[<each job's final describe data>],
 *   "objects":[{"key","size","etag","path","uploaded"}, ...]}}, or NULL. A Failed job is
 *   returned, not an error.
 * Errors: those of milvus_client_upload_files, create and milvus_client_wait_import_jobs;
 *   a file that breaks a rule (unknown extension, a group over 16 GiB, .npy mixed with
 *   other files, two .npy files of one group with the same name, two files stored under
 *   one key) is MILVUS_ERR_INVALID_ARGUMENT naming it, before any upload or job. So is an
 *   Idempotency-Key header on the client when the files make more than one job (the
 *   server would take every create as the first). A create that fails after others names
 *   the jobs already created in its message.
 * Endpoints: the object store's, then /v2/vectordb/jobs/import/create, .../list,
 *   .../describe. Thread-safe.
 */
MILVUS_WARN_UNUSED_RESULT
char *milvus_client_import_files(milvus_client *client, const char *request_json,
                                 long timeout_ms, long poll_interval_ms,
                                 milvus_progress_fn on_progress, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* MILVUS_IMPORT_H */
