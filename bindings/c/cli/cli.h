/*
 * cli.h - shared pieces of the milvus-import command: exit codes, safe output, tables,
 * error reports, the wait progress display. Implemented in output.c.
 */
#ifndef MILVUS_IMPORT_CLI_H
#define MILVUS_IMPORT_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes. Stable: documented in `milvus-import --help`; never renumber. */
enum {
  CLI_EXIT_OK = 0,         /* success */
  CLI_EXIT_JOB_FAILED = 1, /* wait, import-files: a job ended Failed */
  CLI_EXIT_USAGE = 2,      /* bad command line */
  CLI_EXIT_LOCAL = 3,      /* out of memory, unreadable answer, output not written */
  CLI_EXIT_LIBRARY = 10,   /* + milvus_status: the library call failed with that kind */
  CLI_EXIT_SIGNAL = 128    /* + the signal that stopped the command: 130 SIGINT, 143 SIGTERM */
};

/* ---- safe text: secrets replaced by "***", control characters by '?' ----------------- */

/* Remembers a secret (the token, a URL password, credentials in an Authorization header):
 * the first len bytes of secret, copied. Secrets shorter than 3 bytes are ignored. */
void cli_add_secret(const char *secret, size_t len);
/* Frees what cli_add_secret kept. */
void cli_forget_secrets(void);

/* A NEW (malloc'd) copy of s with every secret replaced by "***" and control characters
 * (C0, DEL, C1) replaced by '?'; with keep_newlines, '\n' and '\t' stay. NULL when out of
 * memory. */
char *cli_clean(const char *s, int keep_newlines);

/* Prints s cleaned (newlines kept) followed by a newline. Returns CLI_EXIT_OK or
 * CLI_EXIT_LOCAL. */
int cli_print_text(FILE *f, const char *s);

/* With on (--json), every failure is reported as one JSON object on stderr, {"error":{...}},
 * instead of text. */
void cli_set_json_errors(int on);

/* A failure of `kind` ("usage", "local", ...) of `command` (NULL: none yet): "milvus-import: "
 * + message + newline on stderr, or {"error":{"command","kind","message"}} with --json. The
 * message must be clean already (cli_clean). Returns 1 when it printed JSON, else 0. */
int cli_report(const char *kind, const char *command, const char *message);

/* A local failure (kind "local"): "milvus-import: " + the formatted message + newline on
 * stderr (as cli_report). The message must not hold server text (it is not cleaned); use
 * cli_clean for that. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Reports this thread's last library error on stderr (what failed: the option whose setting
 * the library refused, else the command; kind, HTTP status, server code, message; for
 * MILVUS_ERR_STORAGE with an S3 code, an "S3 code:" line before the message) and returns its
 * exit code (CLI_EXIT_LIBRARY + kind). With --json the report is one line,
 * {"error":{"command","option" (when not NULL),"kind","code","httpStatus","serverCode",
 * "storageCode","message"}}. */
int cli_library_error(const char *command, const char *option);

/* Prints report (a NEW reference, taken; NULL allowed) as one compact JSON line on stderr.
 * Returns 0, or -1 when it could not be written (out of memory): nothing was printed. */
int cli_print_json_error(json_t *report);

/* The short name of a status kind, e.g. "server" for MILVUS_ERR_SERVER; "unknown". */
const char *cli_kind_name(int kind);

/* ---- tables: columns padded to the widest cell, two spaces apart ------------------------ */

struct cli_table {
  size_t ncols, nrows, cap; /* nrows counts the header row */
  char **cells;             /* nrows * ncols cleaned strings */
  int failed;               /* an allocation failed */
};

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *headers);
/* Appends one row of ncols strings (NULL prints as ""); each is cleaned. */
void cli_table_add(struct cli_table *t, const char *const *row);
/* Prints the table (trailing spaces trimmed) and frees it. Returns an exit code. */
int cli_table_print(struct cli_table *t, FILE *f);

/* A NEW text of a JSON value for a table cell: strings as they are, integers in decimal,
 * other numbers with %g, true/false; `missing` for NULL or JSON null. NULL when out of
 * memory. */
char *cli_json_text(const json_t *v, const char *suffix, const char *missing);

/* Prints the records of a list envelope's data as a job table ("(no import jobs)" under
 * the header when there are none). Returns an exit code. */
int cli_print_jobs(const json_t *data, FILE *f);

/* Prints a describe envelope's data: the job row, then the per-file details. */
int cli_print_job(const json_t *data, FILE *f);

/* Prints a list of describe data (the jobs of a wait for several jobs) as a job table;
 * under the header, the line `none` when there is no job. */
int cli_print_job_list(const json_t *jobs, const char *none, FILE *f);

/* Prints uploaded objects ({"key","size","etag","uploaded"}) as KEY, SIZE, ETAG, UPLOADED. */
int cli_print_objects(const json_t *objects, FILE *f);

/* ---- wait: a progress bar on a terminal, a line per change otherwise -------------------- */

struct cli_progress {
  int tty;                         /* draw a bar on stderr (else print lines) */
  int drawn;                       /* a bar line is on the screen */
  const char *job_id;              /* for the plain lines */
  char last[160];                  /* the last state and progress printed */
  volatile sig_atomic_t *interrupted; /* non-zero: ask the library to stop */
};

/* A milvus_progress_fn; user_data is a struct cli_progress. */
int cli_progress_update(const char *describe_json, void *user_data);
/* Ends the bar's line, if one was drawn. */
void cli_progress_finish(struct cli_progress *p);

/* ---- upload, import-files, wait for several jobs: the bytes, then one line per job ------- */

struct cli_batch_progress {
  int tty;                         /* draw bars on stderr (else print lines) */
  int bar_drawn;                   /* a bar's line (bytes, or the jobs' summary) is open */
  int summary;                     /* the jobs do not fit on the terminal: one summary bar */
  int job_lines;                   /* job lines drawn last time (a terminal) */
  char last[160];                  /* the last upload line printed (not a terminal) */
  json_t *job_last;                /* jobId -> the last "state N%" printed (not a terminal) */
  volatile sig_atomic_t *interrupted; /* non-zero: ask the library to stop */
};

/* A milvus_progress_fn for the texts {"phase":"upload",...} and {"phase":"import",...};
 * user_data is a struct cli_batch_progress. */
int cli_batch_progress_update(const char *progress_json, void *user_data);
/* Ends an open bar line and frees what the display kept. */
void cli_batch_progress_finish(struct cli_batch_progress *p);

#endif /* MILVUS_IMPORT_CLI_H */
