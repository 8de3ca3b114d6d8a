/*
 * output.c - what milvus-import prints: cleaned text, tables, error reports, progress.
 *
 * Everything that reaches stdout or stderr from a server, the library or the user's
 * arguments passes through cli_clean(): secrets become "***" and control characters '?',
 * so neither a token nor a terminal escape sequence can be printed by accident.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <milvus_import.h>

#define MAX_SECRETS 8
#define MIN_SECRET_LEN 3 /* "***" is never longer than what it replaces */
#define BAR_MIN 5  /* the shortest bar, on a narrow terminal */
#define BAR_MAX 30 /* the longest bar */
#define STATE_ROOM 11 /* "Uncommitted", the longest job state */

static char *secrets[MAX_SECRETS];
static size_t nsecrets;

void cli_add_secret(const char *secret, size_t len) {
  char *copy;
  if (secret == NULL || len < MIN_SECRET_LEN || nsecrets == MAX_SECRETS) return;
  if ((copy = malloc(len + 1)) == NULL) return;
  memcpy(copy, secret, len);
  copy[len] = '\0';
  secrets[nsecrets++] = copy;
}

void cli_forget_secrets(void) {
  while (nsecrets > 0) free(secrets[--nsecrets]);
}

char *cli_clean(const char *s, int keep_newlines) {
  char *out = malloc(strlen(s) + 1), *o = out;
  if (out == NULL) return NULL;
  while (*s) {
    unsigned char c = (unsigned char)*s;
    size_t i, len = 0;
    for (i = 0; i < nsecrets; i++) {
      len = strlen(secrets[i]);
      if (strncmp(s, secrets[i], len) == 0) break;
    }
    if (i < nsecrets) {
      memcpy(o, "***", 3);
      o += 3;
      s += len;
    } else if (c == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F) {
      *o++ = '?'; /* a C1 control character, U+0080..U+009F */
      s += 2;
    } else if ((c < 0x20 && !(keep_newlines && (c == '\n' || c == '\t'))) || c == 0x7F) {
      *o++ = '?';
      s++;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
  return out;
}

int cli_print_text(FILE *f, const char *s) {
  char *clean = cli_clean(s, 1);
  if (clean == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  fputs(clean, f);
  fputc('\n', f);
  free(clean);
  return CLI_EXIT_OK;
}

static int json_errors; /* --json: every failure is one JSON object on stderr */

void cli_set_json_errors(int on) {
  json_errors = on;
}

int cli_report(const char *kind, const char *command, const char *message) {
  if (json_errors &&
      cli_print_json_error(json_pack("{s:{s:s*, s:s, s:s}}", "error", "command", command, "kind",
                                     kind, "message", message)) == 0)
    return 1;
  fprintf(stderr, "milvus-import: %s\n", message);
  return 0;
}

void cli_error(const char *fmt, ...) {
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  cli_report("local", NULL, message);
}

const char *cli_kind_name(int kind) {
  static const char *const names[] = {
      "ok",   "invalid_argument", "transport", "timeout",       "tls",       "http", "auth",
      "server", "malformed_response", "too_large", "job_not_found", "no_memory", "cancelled",
      "storage"};
  if (kind < 0 || (size_t)kind >= sizeof names / sizeof names[0]) return "unknown";
  return names[kind];
}

int cli_library_error(const char *command, const char *option) {
  const char *what = option != NULL ? option : command;
  /* Read everything first: the message is valid until this thread's next library call. */
  int kind = milvus_last_error_code();
  int http = milvus_last_error_http_status();
  long long code = milvus_last_error_server_code();
  char *s3_code = cli_clean(milvus_last_error_storage_code(), 0);
  char *msg = cli_clean(milvus_last_error_message(), 0);

  if (kind == MILVUS_OK) {
    cli_error("%s failed, and the library left no error", what);
    free(s3_code);
    free(msg);
    return CLI_EXIT_LOCAL;
  }
  /* With --json: one JSON object ("option" only for a setting the library refused); the
   * plain report when it cannot be made (no memory). */
  if (!json_errors || cli_print_json_error(json_pack(
                      "{s:{s:s, s:s*, s:s, s:i, s:i, s:I, s:s, s:s}}", "error", "command", command,
                      "option", option, "kind", cli_kind_name(kind), "code", kind, "httpStatus",
                      http, "serverCode", (json_int_t)code, "storageCode",
                      s3_code != NULL ? s3_code : "", "message",
                      msg != NULL ? msg : "(out of memory)")) != 0) {
    fprintf(stderr, "milvus-import: %s failed: %s\n", what, milvus_status_string(kind));
    fprintf(stderr, "  kind:        %s (%d)\n", cli_kind_name(kind), kind);
    fprintf(stderr, "  HTTP status: %d\n", http);
    fprintf(stderr, "  server code: %lld\n", code);
    /* Only the object store's refusals carry an S3 code; the other kinds keep five lines. */
    if (kind == MILVUS_ERR_STORAGE && s3_code != NULL && s3_code[0] != '\0')
      fprintf(stderr, "  S3 code:     %s\n", s3_code);
    fprintf(stderr, "  message:     %s\n", msg != NULL ? msg : "(out of memory)");
  }
  free(s3_code);
  free(msg);
  return kind > 0 && kind <= 115 ? CLI_EXIT_LIBRARY + kind : CLI_EXIT_LOCAL;
}

int cli_print_json_error(json_t *report) {
  char *text = report != NULL ? json_dumps(report, JSON_COMPACT) : NULL;
  json_decref(report);
  if (text == NULL) return -1;
  fputs(text, stderr);
  fputc('\n', stderr);
  free(text);
  return 0;
}

/* ---- tables ------------------------------------------------------------------------------- */

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *headers) {
  t->ncols = ncols;
  t->nrows = 0;
  t->cap = 0;
  t->cells = NULL;
  t->failed = 0;
  cli_table_add(t, headers);
}

void cli_table_add(struct cli_table *t, const char *const *row) {
  size_t need = (t->nrows + 1) * t->ncols, c;
  if (t->failed) return;
  if (need > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
    char **cells = realloc(t->cells, cap * sizeof *cells);
    if (cells == NULL) {
      t->failed = 1;
      return;
    }
    t->cells = cells;
    t->cap = cap;
  }
  for (c = 0; c < t->ncols; c++) {
    char *cell = cli_clean(row[c] != NULL ? row[c] : "", 0);
    t->cells[t->nrows * t->ncols + c] = cell;
    if (cell == NULL) t->failed = 1;
  }
  t->nrows++;
}

/* Columns on a terminal: one per code point (UTF-8 continuation bytes do not count). */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

int cli_table_print(struct cli_table *t, FILE *f) {
  size_t *widths = t->failed ? NULL : calloc(t->ncols, sizeof *widths);
  size_t r, c;
  int rc = CLI_EXIT_OK;

  if (widths == NULL) {
    cli_error("out of memory");
    rc = CLI_EXIT_LOCAL;
  } else {
    for (r = 0; r < t->nrows; r++)
      for (c = 0; c < t->ncols; c++) {
        size_t w = text_width(t->cells[r * t->ncols + c]);
        if (w > widths[c]) widths[c] = w;
      }
    for (r = 0; r < t->nrows; r++) {
      char **row = t->cells + r * t->ncols;
      size_t last = t->ncols - 1; /* the last non-empty cell: nothing is padded after it */
      while (last > 0 && row[last][0] == '\0') last--;
      for (c = 0; c <= last; c++) {
        fputs(row[c], f);
        if (c < last) fprintf(f, "%*s", (int)(widths[c] - text_width(row[c]) + 2), "");
      }
      fputc('\n', f);
    }
  }
  free(widths);
  for (r = 0; r < t->nrows * t->ncols; r++) free(t->cells[r]);
  free(t->cells);
  t->cells = NULL;
  t->nrows = t->cap = 0;
  return rc;
}

char *cli_json_text(const json_t *v, const char *suffix, const char *missing) {
  char num[64], *dumped = NULL, *out;
  const char *s;
  if (v == NULL || json_is_null(v)) {
    s = missing;
    suffix = "";
  } else if (json_is_string(v)) {
    s = json_string_value(v);
  } else if (json_is_integer(v)) {
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    s = num;
  } else if (json_is_real(v)) {
    snprintf(num, sizeof num, "%g", json_real_value(v));
    s = num;
  } else if (json_is_boolean(v)) {
    s = json_is_true(v) ? "true" : "false";
  } else {
    dumped = json_dumps(v, JSON_COMPACT);
    if (dumped == NULL) return NULL;
    s = dumped;
  }
  out = malloc(strlen(s) + strlen(suffix) + 1);
  if (out != NULL) {
    strcpy(out, s);
    strcat(out, suffix);
  }
  free(dumped);
  return out;
}

static const char *const job_headers[] = {"JOB ID", "COLLECTION", "STATE", "PROGRESS", "REASON"};
#define JOB_COLS (sizeof job_headers / sizeof job_headers[0])

static void add_job_row(struct cli_table *t, const json_t *job) {
  char *cells[JOB_COLS];
  size_t i;
  cells[0] = cli_json_text(json_object_get(job, "jobId"), "", "-");
  cells[1] = cli_json_text(json_object_get(job, "collectionName"), "", "-");
  cells[2] = cli_json_text(json_object_get(job, "state"), "", "-");
  cells[3] = cli_json_text(json_object_get(job, "progress"), "%", "-");
  cells[4] = cli_json_text(json_object_get(job, "reason"), "", "");
  for (i = 0; i < JOB_COLS; i++)
    if (cells[i] == NULL) t->failed = 1;
  cli_table_add(t, (const char *const *)cells);
  for (i = 0; i < JOB_COLS; i++) free(cells[i]);
}

int cli_print_job_list(const json_t *jobs, const char *none, FILE *f) {
  struct cli_table t;
  size_t i;
  int rc;
  cli_table_init(&t, JOB_COLS, job_headers);
  for (i = 0; i < json_array_size(jobs); i++) add_job_row(&t, json_array_get(jobs, i));
  rc = cli_table_print(&t, f);
  if (rc == CLI_EXIT_OK && json_array_size(jobs) == 0) fprintf(f, "%s\n", none);
  return rc;
}

int cli_print_jobs(const json_t *data, FILE *f) {
  return cli_print_job_list(json_object_get(data, "records"), "(no import jobs)", f);
}

int cli_print_objects(const json_t *objects, FILE *f) {
  static const char *const headers[] = {"KEY", "SIZE", "ETAG", "UPLOADED"};
  struct cli_table t;
  size_t i, c;
  cli_table_init(&t, 4, headers);
  for (i = 0; i < json_array_size(objects); i++) {
    const json_t *o = json_array_get(objects, i);
    const json_t *uploaded = json_object_get(o, "uploaded");
    char *cells[4];
    cells[0] = cli_json_text(json_object_get(o, "key"), "", "-");
    cells[1] = cli_json_text(json_object_get(o, "size"), "", "-");
    cells[2] = cli_json_text(json_object_get(o, "etag"), "", "-");
    cells[3] = strdup(json_is_true(uploaded) ? "yes" : json_is_false(uploaded) ? "no" : "-");
    for (c = 0; c < 4; c++)
      if (cells[c] == NULL) t.failed = 1;
    cli_table_add(&t, (const char *const *)cells);
    for (c = 0; c < 4; c++) free(cells[c]);
  }
  return cli_table_print(&t, f);
}

int cli_print_job(const json_t *data, FILE *f) {
  static const char *const file_headers[] = {"FILE", "STATE", "PROGRESS", "ROWS", "REASON"};
  struct cli_table t;
  const json_t *details = json_object_get(data, "details");
  size_t i, c;
  int rc;

  cli_table_init(&t, JOB_COLS, job_headers);
  add_job_row(&t, data);
  rc = cli_table_print(&t, f);
  if (rc != CLI_EXIT_OK || json_array_size(details) == 0) return rc;

  fputc('\n', f);
  cli_table_init(&t, 5, file_headers);
  for (i = 0; i < json_array_size(details); i++) {
    const json_t *d = json_array_get(details, i);
    char *imported = cli_json_text(json_object_get(d, "importedRows"), "", "-");
    char *total = cli_json_text(json_object_get(d, "totalRows"), "", "-");
    char *cells[5], rows[128];
    snprintf(rows, sizeof rows, "%s/%s", imported ? imported : "?", total ? total : "?");
    cells[0] = cli_json_text(json_object_get(d, "fileName"), "", "-");
    cells[1] = cli_json_text(json_object_get(d, "state"), "", "-");
    cells[2] = cli_json_text(json_object_get(d, "progress"), "%", "-");
    cells[3] = rows;
    cells[4] = cli_json_text(json_object_get(d, "reason"), "", "");
    if (!imported || !total || !cells[0] || !cells[1] || !cells[2] || !cells[4]) t.failed = 1;
    cli_table_add(&t, (const char *const *)cells);
    for (c = 0; c < 5; c++)
      if (c != 3) free(cells[c]);
    free(imported);
    free(total);
  }
  return cli_table_print(&t, f);
}

/* ---- progress bars: one line, redrawn in place, never wider than the terminal ----------- */

static long long clamp_percent(const json_t *pv) {
  long long pct = json_is_integer(pv) ? (long long)json_integer_value(pv)
                  : json_is_real(pv)  ? (long long)json_real_value(pv)
                                      : 0;
  return pct < 0 ? 0 : pct > 100 ? 100 : pct;
}

/* The terminal's width in columns; 80 when it does not say. */
static int terminal_cols(void) {
  struct winsize ws;
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

/* "\r" prefix "[####------] NNN% " suffix "\033[K" on stderr. The bar takes the columns that
 * the prefix and `room` columns for the suffix leave (BAR_MIN to BAR_MAX), so it keeps its
 * length while the suffix changes; the line stops one column short of the terminal's width
 * (a full line would wrap), cutting the end of the suffix when it must. */
static void draw_bar_line(const char *prefix, long long pct, const char *suffix, size_t room) {
  static const char hashes[] = "##############################";
  static const char dashes[] = "------------------------------";
  char line[4096];
  size_t cols = (size_t)terminal_cols() - 1, fixed = text_width(prefix) + 8 + room, width = 0;
  int bar = cols > fixed + BAR_MIN ? (int)(cols - fixed) : BAR_MIN, filled;
  char *c;

  if (bar > BAR_MAX) bar = BAR_MAX;
  filled = (int)(pct * bar / 100);
  snprintf(line, sizeof line, "%s[%.*s%.*s] %3lld%% %s", prefix, filled, hashes, bar - filled,
           dashes, pct, suffix);
  for (c = line; *c != '\0'; c++) /* cut before the code point that would not fit */
    if (((unsigned char)*c & 0xC0) != 0x80 && ++width > cols) break;
  *c = '\0';
  fprintf(stderr, "\r%s\033[K", line);
}

/* ---- wait progress -------------------------------------------------------------------------- */

int cli_progress_update(const char *describe_json, void *user_data) {
  struct cli_progress *p = user_data;
  json_t *envelope = json_loads(describe_json, 0, NULL);
  const json_t *data = json_object_get(envelope, "data");
  char *raw = cli_json_text(json_object_get(data, "state"), "", "?");
  char *state = raw != NULL ? cli_clean(raw, 0) : NULL;
  long long pct = clamp_percent(json_object_get(data, "progress"));

  if (state != NULL) {
    if (p->tty) {
      draw_bar_line("", pct, state, STATE_ROOM);
      fflush(stderr);
      p->drawn = 1;
    } else {
      char now[sizeof p->last];
      snprintf(now, sizeof now, "%s %lld%%", state, pct);
      if (strcmp(now, p->last) != 0) {
        fprintf(stderr, "job %s: %s\n", p->job_id, now);
        fflush(stderr);
        memcpy(p->last, now, sizeof now);
      }
    }
  }
  free(state);
  free(raw);
  json_decref(envelope);
  return p->interrupted != NULL && *p->interrupted ? 1 : 0;
}

void cli_progress_finish(struct cli_progress *p) {
  if (p->drawn) fputc('\n', stderr);
  p->drawn = 0;
}

/* ---- upload, import-files, wait for several jobs -------------------------------------------- */

/* A size for people: "512 B", "1.5 KiB", "64.0 MiB", "4.0 GiB". */
static void bytes_text(long long n, char out[32]) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = (double)n;
  int u = -1;
  if (n < 1024) {
    snprintf(out, 32, "%lld B", n < 0 ? 0 : n);
    return;
  }
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    u++;
  }
  snprintf(out, 32, "%.1f %s", v, units[u]);
}

static long long percent(long long done, long long total) {
  if (total <= 0 || done >= total) return total <= 0 ? 0 : 100;
  return done <= 0 ? 0 : (long long)((double)done * 100.0 / (double)total);
}

/* {"phase":"upload","key":K,"bytesDone":N,"bytesTotal":M}: one bar redrawn in place on a
 * terminal; otherwise a line when the object or the whole percentage changes. */
static void show_upload(struct cli_batch_progress *p, const json_t *u) {
  long long done = json_integer_value(json_object_get(u, "bytesDone"));
  long long total = json_integer_value(json_object_get(u, "bytesTotal"));
  long long pct = percent(done, total);
  char *raw = cli_json_text(json_object_get(u, "key"), "", "?");
  char *key = raw != NULL ? cli_clean(raw, 0) : NULL;
  char done_text[32], total_text[32];

  free(raw);
  if (key == NULL) return;
  bytes_text(done, done_text);
  bytes_text(total, total_text);
  if (p->tty) {
    /* "1.5 MiB/4.0 MiB prefix/key"; the bar is sized for the total twice so that it keeps
     * its length while the bytes grow */
    char suffix[4096];
    snprintf(suffix, sizeof suffix, "%s/%s %s", done_text, total_text, key);
    draw_bar_line("", pct, suffix, 2 * strlen(total_text) + 2 + text_width(key));
    p->bar_drawn = 1;
  } else {
    char now[sizeof p->last];
    snprintf(now, sizeof now, "%s %lld%%", key, pct);
    if (strcmp(now, p->last) != 0) {
      fprintf(stderr, "upload %s: %lld%% of %s\n", key, pct, total_text);
      memcpy(p->last, now, sizeof now);
    }
  }
  fflush(stderr);
  free(key);
}

/* The terminal's height, or 0 when it does not say. */
static int terminal_rows(void) {
  struct winsize ws;
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_row : 0;
}

/* {"phase":"import","jobs":[{"jobId","state","progress"}, ...]}: one bar per job redrawn in
 * place on a terminal (one summary bar when they do not fit on it); otherwise a line
 * "job ID: STATE N%" when a job's state or progress changes, as wait prints for one job. */
static void show_jobs(struct cli_batch_progress *p, const json_t *jobs) {
  size_t n = json_array_size(jobs), i;
  int width = 0, rows = p->tty ? terminal_rows() : 0;
  int summary = p->tty && rows > 0 && n + 1 > (size_t)rows;

  if (p->bar_drawn && !(summary && p->summary)) { /* the bytes bar stays above the jobs */
    fputc('\n', stderr);
    p->bar_drawn = 0;
  }
  p->summary = summary;
  if (summary) {
    long long sum = 0;
    size_t finished = 0;
    for (i = 0; i < n; i++) {
      const json_t *job = json_array_get(jobs, i);
      const char *state = json_string_value(json_object_get(job, "state"));
      sum += clamp_percent(json_object_get(job, "progress"));
      if (state != NULL && (strcmp(state, "Completed") == 0 || strcmp(state, "Failed") == 0 ||
                            strcmp(state, "Uncommitted") == 0))
        finished++;
    }
    char suffix[96];
    snprintf(suffix, sizeof suffix, "%zu of %zu jobs finished", finished, n);
    draw_bar_line("", n > 0 ? sum / (long long)n : 0, suffix, strlen(suffix));
    p->bar_drawn = 1;
    fflush(stderr);
    return;
  }
  if (p->tty && p->job_lines > 0) fprintf(stderr, "\033[%dA", p->job_lines);
  for (i = 0; i < n; i++) {
    const char *id = json_string_value(json_object_get(json_array_get(jobs, i), "jobId"));
    int w = id != NULL ? (int)strlen(id) : 1;
    if (w > width) width = w;
  }
  for (i = 0; i < n; i++) {
    const json_t *job = json_array_get(jobs, i);
    char *raw_id = cli_json_text(json_object_get(job, "jobId"), "", "?");
    char *raw_state = cli_json_text(json_object_get(job, "state"), "", "?");
    char *id = raw_id != NULL ? cli_clean(raw_id, 0) : NULL;
    char *state = raw_state != NULL ? cli_clean(raw_state, 0) : NULL;
    long long pct = clamp_percent(json_object_get(job, "progress"));
    if (id != NULL && state != NULL) {
      if (p->tty) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "job %-*s ", width, id);
        draw_bar_line(prefix, pct, state, STATE_ROOM);
        fputc('\n', stderr);
      } else {
        char now[160];
        const char *before;
        snprintf(now, sizeof now, "%s %lld%%", state, pct);
        before = json_string_value(json_object_get(p->job_last, id));
        if (before == NULL || strcmp(before, now) != 0) {
          fprintf(stderr, "job %s: %s\n", id, now);
          if (p->job_last == NULL) p->job_last = json_object();
          json_object_set_new(p->job_last, id, json_string(now));
        }
      }
    }
    free(raw_id);
    free(raw_state);
    free(id);
    free(state);
  }
  if (p->tty) p->job_lines = (int)n;
  fflush(stderr);
}

int cli_batch_progress_update(const char *progress_json, void *user_data) {
  struct cli_batch_progress *p = user_data;
  json_t *text = json_loads(progress_json, 0, NULL);
  const char *phase = json_string_value(json_object_get(text, "phase"));
  if (phase != NULL && strcmp(phase, "upload") == 0)
    show_upload(p, text);
  else if (phase != NULL && strcmp(phase, "import") == 0)
    show_jobs(p, json_object_get(text, "jobs"));
  json_decref(text);
  return p->interrupted != NULL && *p->interrupted ? 1 : 0;
}

void cli_batch_progress_finish(struct cli_batch_progress *p) {
  if (p->bar_drawn) fputc('\n', stderr);
  p->bar_drawn = 0;
  json_decref(p->job_last);
  p->job_last = NULL;
}
