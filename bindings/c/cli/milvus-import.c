/*
 * milvus-import - Milvus bulk-import jobs from a shell, on libmilvus_import.
 *
 *   milvus-import [OPTIONS] COMMAND [COMMAND OPTIONS] [JOB_ID...|FILE...]
 *
 * Options may come before or after the command. Request bodies are built with jansson;
 * answers are printed as a table, or as the server's JSON with --json. The exit codes are
 * in main_help below and in cli.h; they are part of the command's interface.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <milvus_import.h>

#include "cli.h"

#define DEFAULT_URL "http://127.0.0.1:19530"
#define DEFAULT_WAIT_TIMEOUT_MS 3600000L /* wait: one hour */
#define DEFAULT_POLL_MS 1000L
#define BYTES_TEXT 32 /* room for "1023.9 GiB" and any long long in decimal */

enum command { CMD_LIST, CMD_LIST_ALL, CMD_CREATE, CMD_DESCRIBE, CMD_WAIT, CMD_COMMIT, CMD_ABORT,
               CMD_UPLOAD, CMD_IMPORT_FILES, CMD_COUNT, CMD_HELP = CMD_COUNT, CMD_NONE };

#define ON(c) (1u << (c))
#define ALL_COMMANDS (ON(CMD_COUNT) - 1u)
#define JOB_COMMANDS (ON(CMD_DESCRIBE) | ON(CMD_WAIT) | ON(CMD_COMMIT) | ON(CMD_ABORT))
#define FILE_COMMANDS (ON(CMD_UPLOAD) | ON(CMD_IMPORT_FILES))

static const char *const command_names[CMD_COUNT] = {
    [CMD_LIST] = "list",         [CMD_LIST_ALL] = "list-all", [CMD_CREATE] = "create",
    [CMD_DESCRIBE] = "describe", [CMD_WAIT] = "wait",         [CMD_COMMIT] = "commit",
    [CMD_ABORT] = "abort",       [CMD_UPLOAD] = "upload",     [CMD_IMPORT_FILES] = "import-files"};

enum opt_id { O_URL, O_TOKEN, O_DB, O_CLUSTER, O_PROJECT, O_REGION, O_TIMEOUT, O_ATTEMPT_TIMEOUT, O_CA_FILE, O_CERT,
              O_KEY, O_INSECURE, O_HEADER, O_JSON, O_HELP, O_VERSION, O_COLLECTION, O_PAGE_SIZE,
              O_PAGE, O_PARTITION, O_FILE, O_OPTION, O_IDEMPOTENCY_KEY, O_POLL_INTERVAL,
              O_S3_ENDPOINT, O_BUCKET, O_PREFIX, O_S3_REGION, O_PART_SIZE, O_STALL_TIMEOUT,
              O_ACCESS_KEY, O_SECRET_KEY, O_COUNT };

static const struct opt {
  const char *name;
  int takes_value;
  int repeatable;
  unsigned commands; /* the commands it applies to */
} opts[O_COUNT] = {
    [O_URL] = {"url", 1, 0, ALL_COMMANDS},
    [O_TOKEN] = {"token", 1, 0, ALL_COMMANDS},
    [O_DB] = {"db", 1, 0, ALL_COMMANDS},
    [O_CLUSTER] = {"cluster-id", 1, 0, ALL_COMMANDS},
    [O_PROJECT] = {"project-id", 1, 0, ALL_COMMANDS},
    [O_REGION] = {"region-id", 1, 0, ALL_COMMANDS},
    [O_TIMEOUT] = {"timeout", 1, 0, ALL_COMMANDS},
    [O_ATTEMPT_TIMEOUT] = {"attempt-timeout", 1, 0, ALL_COMMANDS},
    [O_CA_FILE] = {"ca-file", 1, 0, ALL_COMMANDS},
    [O_CERT] = {"cert", 1, 0, ALL_COMMANDS},
    [O_KEY] = {"key", 1, 0, ALL_COMMANDS},
    [O_INSECURE] = {"insecure", 0, 0, ALL_COMMANDS},
    [O_HEADER] = {"header", 1, 1, ALL_COMMANDS},
    [O_JSON] = {"json", 0, 0, ALL_COMMANDS},
    [O_HELP] = {"help", 0, 0, ALL_COMMANDS},
    [O_VERSION] = {"version", 0, 0, ALL_COMMANDS},
    [O_COLLECTION] = {"collection", 1, 0,
                      ON(CMD_LIST) | ON(CMD_LIST_ALL) | ON(CMD_CREATE) | ON(CMD_WAIT) |
                          ON(CMD_IMPORT_FILES)},
    [O_PAGE_SIZE] = {"page-size", 1, 0, ON(CMD_LIST) | ON(CMD_LIST_ALL)},
    [O_PAGE] = {"page", 1, 0, ON(CMD_LIST)},
    [O_PARTITION] = {"partition", 1, 0, ON(CMD_CREATE) | ON(CMD_IMPORT_FILES)},
    [O_FILE] = {"file", 1, 1, ON(CMD_CREATE)},
    [O_OPTION] = {"option", 1, 1, ON(CMD_CREATE) | ON(CMD_IMPORT_FILES)},
    [O_IDEMPOTENCY_KEY] = {"idempotency-key", 1, 0, ON(CMD_CREATE)},
    [O_POLL_INTERVAL] = {"poll-interval", 1, 0, ON(CMD_WAIT) | ON(CMD_IMPORT_FILES)},
    [O_S3_ENDPOINT] = {"s3-endpoint", 1, 0, FILE_COMMANDS},
    [O_BUCKET] = {"bucket", 1, 0, FILE_COMMANDS},
    [O_PREFIX] = {"prefix", 1, 0, FILE_COMMANDS},
    [O_S3_REGION] = {"region", 1, 0, FILE_COMMANDS},
    [O_PART_SIZE] = {"part-size", 1, 0, FILE_COMMANDS},
    [O_STALL_TIMEOUT] = {"stall-timeout", 1, 0, FILE_COMMANDS},
    [O_ACCESS_KEY] = {"access-key", 1, 0, FILE_COMMANDS},
    [O_SECRET_KEY] = {"secret-key", 1, 0, FILE_COMMANDS},
};

struct args {
  enum command cmd;
  enum command help_for;     /* `help COMMAND` */
  const char *value[O_COUNT]; /* the last value of each option; "" for a flag given */
  const char **many[O_COUNT]; /* every value of a repeatable option, in order */
  size_t count[O_COUNT];
  const char *job_id;          /* the first JOB_ID */
  const char **positional;     /* wait: every JOB_ID; upload, import-files: every FILE */
  size_t npositional;
};

/* ---- help ------------------------------------------------------------------------------- */

static const char main_help[] =
    "Usage: milvus-import [OPTIONS] COMMAND [COMMAND OPTIONS] [JOB_ID...|FILE...]\n"
    "\n"
    "Milvus bulk-import jobs over the REST API (libmilvus_import).\n"
    "\n"
    "Commands:\n"
    "  list       list the import jobs of one collection (--collection) or of all\n"
    "  list-all   every page of the job list (Zilliz Cloud pages; Milvus has one)\n"
    "  create     create an import job; prints its job id\n"
    "  describe   describe one job: state, progress, rows, per-file details\n"
    "  wait       wait until jobs are Completed, Failed or Uncommitted\n"
    "  commit     commit a two-phase job (Milvus 3.x)\n"
    "  abort      abort a two-phase job (Milvus 3.x)\n"
    "  upload     upload local files to an S3-compatible bucket; prints key, size, ETag\n"
    "  import-files  local files to imported rows: upload, check, create the jobs, wait\n"
    "  help [COMMAND]   this text, or a command's (also: COMMAND --help)\n"
    "\n"
    "Options (every command):\n"
    "  --url URL            server base URL (default " DEFAULT_URL ")\n"
    "  --token TOKEN        API key or user:password (default: $MILVUS_TOKEN); never printed\n"
    "  --db NAME            database (DB-Name header; dbName of list and create)\n"
    "  --cluster-id ID      Zilliz Cloud cluster id (clusterId)\n"
    "  --project-id ID      Zilliz Cloud project id (projectId)\n"
    "  --region-id ID       Zilliz Cloud region id (regionId)\n"
    "  --timeout SECONDS    the longest a call to the server may take, retries and the\n"
    "                       pauses between them included (default 20); for wait and\n"
    "                       import-files: the longest wait for the jobs (default 3600)\n"
    "  --attempt-timeout S  the longest one HTTP attempt may take, so that a server that\n"
    "                       stops answering is retried within --timeout (default: none)\n"
    "  --ca-file FILE       PEM CA certificates to trust instead of the system's\n"
    "  --cert FILE          PEM client certificate; --key FILE: its key, if separate\n"
    "  --insecure           do not verify the server's TLS certificate (tests only)\n"
    "  --header NAME:VALUE  an extra request header (repeatable)\n"
    "  --json               print the server's JSON instead of a table; a failure is then\n"
    "                       one JSON object on stderr: {\"error\":{\"command\",\"kind\",\n"
    "                       \"code\",\"httpStatus\",\"serverCode\",\"storageCode\",\"message\"}}\n"
    "  --help, --version\n"
    "\n"
    "Exit status:\n"
    "   0  success (wait: the job is Completed, or Uncommitted waiting for a commit)\n"
    "      (wait with several jobs, import-files: every job is)\n"
    "   1  wait: the job ended Failed\n"
    "      (wait with several jobs, import-files: a job ended Failed)\n"
    "   2  usage: unknown command or option, missing or malformed value\n"
    "   3  local failure: out of memory, unreadable answer, output not written\n"
    "  10+K  the library failed with status K; the error goes to stderr:\n"
    "       11 invalid_argument  12 transport  13 timeout    14 tls\n"
    "       15 http              16 auth       17 server     18 malformed_response\n"
    "       19 too_large         20 job_not_found  21 no_memory  22 cancelled\n"
    "       23 storage: the object store refused (the report adds its S3 code)\n"
    " 130  interrupted (Ctrl-C, SIGINT; 143 for SIGTERM): the command stops within a\n"
    "      second and says what goes on (jobs already created keep running on the server)\n";

/* The object-store options of upload and import-files. */
#define STORAGE_OPTIONS_HELP                                                                  \
  "\n"                                                                                        \
  "Storage options:\n"                                                                        \
  "  --bucket NAME        the bucket (required)\n"                                            \
  "  --prefix P           the key prefix, e.g. imports/2026 (no leading or trailing /)\n"      \
  "  --s3-endpoint URL    the store's URL, e.g. http://127.0.0.1:8333 (default: AWS S3,\n"    \
  "                       https://s3.REGION.amazonaws.com); path-style addressing\n"          \
  "  --region R           the signing region (default us-east-1)\n"                           \
  "  --access-key K       the access key id (default: $AWS_ACCESS_KEY_ID)\n"                  \
  "  --secret-key S       the secret key (default: $AWS_SECRET_ACCESS_KEY); never printed.\n"  \
  "                       $AWS_SESSION_TOKEN is sent with the keys from the environment.\n"   \
  "  --part-size BYTES    the part size of multipart uploads, 5242880 to 5368709120\n"       \
  "                       (default 67108864); larger files go up in parts\n"                  \
  "  --stall-timeout S    an upload fails when no byte moves for S seconds (default 60)\n"   \
  "TLS options (--ca-file, --cert, --insecure) apply to the store too.\n"

static const char *const command_help[CMD_COUNT] = {
    [CMD_LIST] =
        "Usage: milvus-import list [--collection NAME] [--page-size N] [--page N] [OPTIONS]\n"
        "\n"
        "List import jobs: those of --collection, or of every collection. --page-size and\n"
        "--page select a page on Zilliz Cloud (Milvus returns every job).\n"
        "Prints JOB ID, COLLECTION, STATE, PROGRESS, REASON (or the JSON with --json).\n",
    [CMD_LIST_ALL] =
        "Usage: milvus-import list-all [--collection NAME] [--page-size N] [OPTIONS]\n"
        "\n"
        "List import jobs, following every page (pageSize --page-size, default 100), merged\n"
        "into one table (or one JSON envelope with records and count, with --json).\n",
    [CMD_CREATE] =
        "Usage: milvus-import create --collection NAME --file FILE[,FILE...] [--file ...]\n"
        "                            [--partition NAME] [--option KEY=VALUE]...\n"
        "                            [--idempotency-key KEY] [OPTIONS]\n"
        "\n"
        "Create an import job and print its job id (the JSON envelope with --json).\n"
        "  --file FILE[,FILE]   one file group (repeatable): the files of one group are\n"
        "                       separated by commas, e.g. --file a.npy,b.npy --file c.json\n"
        "  --option KEY=VALUE   an import option, sent as a string (repeatable), e.g.\n"
        "                       --option auto_commit=false for a two-phase job\n"
        "  --idempotency-key K  sent as the Idempotency-Key header; makes retries safe\n",
    [CMD_DESCRIBE] =
        "Usage: milvus-import describe JOB_ID [OPTIONS]\n"
        "\n"
        "Describe one import job: its row (JOB ID, COLLECTION, STATE, PROGRESS, REASON),\n"
        "then one row per file (FILE, STATE, PROGRESS, ROWS, REASON); --json prints the JSON.\n",
    [CMD_WAIT] =
        "Usage: milvus-import wait JOB_ID [--poll-interval SECONDS] [--timeout SECONDS]\n"
        "                             [OPTIONS]\n"
        "       milvus-import wait JOB_ID JOB_ID... [--collection NAME] [...]\n"
        "       milvus-import wait --collection NAME [...]\n"
        "\n"
        "Describe the job every --poll-interval seconds (default 1) until it is Completed,\n"
        "Failed or Uncommitted, for at most --timeout seconds (default 3600). On a terminal\n"
        "a progress bar is drawn on stderr, otherwise one line per change. Then the job is\n"
        "printed as by describe. Exit 0 when Completed or Uncommitted, 1 when Failed,\n"
        "13 when the timeout passes, 17 when the server reports the state None (a state it\n"
        "cannot describe), 20 when the server does not know the job, 130 on Ctrl-C (the\n"
        "job keeps running on the server).\n"
        "\n"
        "With several JOB_IDs, or --collection (without JOB_IDs: every job of the collection\n"
        "not finished when the wait starts), every poll lists the jobs once (those of\n"
        "--collection when given) and each job is described once, when it finishes. On a\n"
        "terminal one progress bar per job is drawn on stderr, otherwise one line per change\n"
        "of a job. Then one row per job is printed (JOB ID, COLLECTION, STATE, PROGRESS,\n"
        "REASON); --json prints {\"code\":0,\"data\":{\"jobs\":[<each final describe>]}}.\n"
        "Exit 0 when every job is Completed or Uncommitted, 1 when any ended Failed; the\n"
        "other exit codes as above.\n",
    [CMD_COMMIT] =
        "Usage: milvus-import commit JOB_ID [OPTIONS]\n"
        "\n"
        "Commit a two-phase import job (created with --option auto_commit=false) that waits\n"
        "in state Uncommitted. Milvus 3.0 only (older servers answer HTTP 404).\n",
    [CMD_ABORT] =
        "Usage: milvus-import abort JOB_ID [OPTIONS]\n"
        "\n"
        "Abort a two-phase import job that waits in state Uncommitted; it ends Failed.\n"
        "Milvus 3.0 only (older servers answer HTTP 404).\n",
    [CMD_UPLOAD] =
        "Usage: milvus-import upload --bucket NAME [--prefix P] [STORAGE OPTIONS] FILE...\n"
        "\n"
        "Upload local files and folders to an S3-compatible object store (AWS S3, MinIO,\n"
        "SeaweedFS, ...) and print one row per object: KEY, SIZE (bytes), ETAG, UPLOADED\n"
        "(no: the object was already there with the same size and ETag, so a rerun resumes).\n"
        "--json prints the list of objects instead, [{\"key\",\"size\",\"etag\",\"path\",\n"
        "\"uploaded\"}, ...]. Keys: P/NAME for a file, P/RELATIVE/PATH for each file under a\n"
        "folder (hidden files skipped; the folder's own name not included); without\n"
        "--prefix, the bare names. Large files go up in parts, several at once.\n"
        "A progress bar of the bytes is drawn on stderr on a terminal, otherwise a line per\n"
        "change of object or percentage.\n"
        STORAGE_OPTIONS_HELP
        "\n"
        "Exit 0 when every file is in the bucket; 11 for a missing or unreadable file or a\n"
        "bad setting (the message names it), 23 when the store refuses (wrong keys, missing\n"
        "bucket: the report adds the S3 code), 12 transport, 13 stall limit, 14 TLS,\n"
        "130 on Ctrl-C (objects already complete stay, so a rerun resumes; an unfinished\n"
        "one is aborted).\n",
    [CMD_IMPORT_FILES] =
        "Usage: milvus-import import-files --url URL --collection NAME --bucket NAME\n"
        "                                  [--prefix P] [--db NAME] [--partition NAME]\n"
        "                                  [--option KEY=VALUE]... [STORAGE OPTIONS]\n"
        "                                  [--timeout SECONDS] [--poll-interval SECONDS] FILE...\n"
        "\n"
        "Local files to imported rows in one command: upload what is not in the bucket yet\n"
        "(as upload does), check every object and the file-group rules of Milvus, create the\n"
        "import jobs (1024 file groups per job), and wait for them. File groups: each .json,\n"
        ".jsonl, .ndjson, .csv or .parquet file is one; the .npy files of one folder are one\n"
        "(one file per field). A file that breaks a rule is reported before any job exists.\n"
        "  --collection NAME    the target collection (required)\n"
        "  --partition NAME     the target partition\n"
        "  --option KEY=VALUE   an import option, as for create (repeatable)\n"
        "  --timeout SECONDS    the longest wait for the jobs once created (default 3600)\n"
        "  --poll-interval S    the pause between polls of the jobs (default 1)\n"
        STORAGE_OPTIONS_HELP
        "\n"
        "On a terminal, stderr shows a progress bar of the bytes, then one bar per job;\n"
        "otherwise a line per change. Then the jobs are printed (JOB ID, COLLECTION, STATE,\n"
        "PROGRESS, REASON) and the objects (KEY, SIZE, ETAG, UPLOADED); --json prints the one\n"
        "result {\"jobs\":[<each job's final describe>],\"objects\":[{\"key\",\"size\",\"etag\",\n"
        "\"path\",\"uploaded\"}, ...]}. Exit 0 when every job is Completed (or Uncommitted),\n"
        "1 when any ended Failed, 11 for a missing file or a broken file-group rule,\n"
        "23 when the store refuses, 13 when the timeout passes, 130 on Ctrl-C (what was\n"
        "uploaded stays for a rerun; jobs already created keep running on the server); the\n"
        "other codes of 'milvus-import --help'.\n",
};

/* Prints "milvus-import: " + fmt (with arg, cleaned) and a hint (with --json: the JSON
 * report, kind "usage"); returns CLI_EXIT_USAGE. */
static int usage_error(enum command cmd, const char *fmt, const char *arg) {
  char *clean = cli_clean(arg, 0), message[2048];
  snprintf(message, sizeof message, fmt, clean != NULL ? clean : "?");
  free(clean);
  if (cli_report("usage", cmd < CMD_COUNT ? command_names[cmd] : NULL, message))
    return CLI_EXIT_USAGE; /* JSON: no hint */
  if (cmd < CMD_COUNT)
    fprintf(stderr, "Try 'milvus-import %s --help'.\n", command_names[cmd]);
  else
    fputs("Try 'milvus-import --help'.\n", stderr);
  return CLI_EXIT_USAGE;
}

/* ASCII case-insensitive prefix compare of n bytes (strncasecmp without <strings.h>). */
static int strncasecmp_ascii(const char *a, const char *b, size_t n) {
  for (; n > 0; n--, a++, b++) {
    int ca = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a, cb = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
    if (ca != cb || ca == 0) return ca - cb;
  }
  return 0;
}

/* Registers what an option's value holds that must never be printed: a token, a secret key,
 * the password of a URL's user:password@, the credentials of an Authorization header. */
static void add_secrets(enum opt_id o, const char *value) {
  if (o == O_TOKEN || o == O_SECRET_KEY) {
    cli_add_secret(value, strlen(value));
  } else if (o == O_URL) {
    const char *start = strstr(value, "://"), *end, *at, *colon;
    if (start == NULL) return;
    start += 3;
    end = start + strcspn(start, "/?#");
    for (at = end; at > start && at[-1] != '@'; at--) {}
    if (at == start) return; /* no userinfo */
    colon = memchr(start, ':', (size_t)(at - 1 - start));
    if (colon != NULL) cli_add_secret(colon + 1, (size_t)(at - 1 - (colon + 1)));
  } else if (o == O_HEADER && strncasecmp_ascii(value, "authorization:", 14) == 0) {
    const char *v = value + 14, *space;
    while (*v == ' ' || *v == '\t') v++;
    cli_add_secret(v, strlen(v));
    if ((space = strchr(v, ' ')) != NULL) cli_add_secret(space + 1, strlen(space + 1));
  }
}

/* ---- the command line ------------------------------------------------------------------- */

static enum command find_command(const char *name) {
  int c;
  if (strcmp(name, "help") == 0) return CMD_HELP;
  for (c = 0; c < CMD_COUNT; c++)
    if (strcmp(name, command_names[c]) == 0) return (enum command)c;
  return CMD_NONE;
}

/* Fills a; returns CLI_EXIT_OK or an exit code (after printing why). */
static int parse_args(int argc, char **argv, struct args *a) {
  const char **positional = calloc((size_t)argc + 1, sizeof *positional);
  size_t npositional = 0, i;
  int n, only_positional = 0, o, rc = CLI_EXIT_OK;

  if (positional == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  a->cmd = a->help_for = CMD_NONE;
  for (o = 0; o < O_COUNT; o++)
    if (opts[o].repeatable && (a->many[o] = calloc((size_t)argc, sizeof(char *))) == NULL) {
      cli_error("out of memory");
      free(positional);
      return CLI_EXIT_LOCAL;
    }

  for (n = 1; n < argc && rc == CLI_EXIT_OK; n++) {
    const char *arg = argv[n], *name, *eq, *value = NULL;
    size_t len;
    if (only_positional || arg[0] != '-' || arg[1] == '\0') {
      if (!only_positional && a->cmd == CMD_NONE) {
        if ((a->cmd = find_command(arg)) == CMD_NONE)
          rc = usage_error(CMD_NONE, "unknown command '%s'", arg);
      } else {
        positional[npositional++] = arg;
      }
      continue;
    }
    if (strcmp(arg, "--") == 0) {
      only_positional = 1;
      continue;
    }
    if (strcmp(arg, "-h") == 0) arg = "--help";
    if (arg[1] != '-') {
      rc = usage_error(a->cmd, "unknown option '%s'", arg);
      break;
    }
    name = arg + 2;
    eq = strchr(name, '=');
    len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    for (o = 0; o < O_COUNT; o++)
      if (strlen(opts[o].name) == len && strncmp(opts[o].name, name, len) == 0) break;
    if (o == O_COUNT) {
      rc = usage_error(a->cmd, "unknown option '%s'", arg);
    } else if (!opts[o].takes_value) {
      if (eq != NULL) rc = usage_error(a->cmd, "option '--%s' takes no value", opts[o].name);
      value = "";
    } else if (eq != NULL) {
      value = eq + 1;
    } else if (n + 1 < argc) {
      value = argv[++n];
    } else {
      rc = usage_error(a->cmd, "option '--%s' needs a value", opts[o].name);
    }
    if (rc == CLI_EXIT_OK) {
      a->value[o] = value;
      if (opts[o].repeatable) a->many[o][a->count[o]++] = value;
      add_secrets(o, value);
    }
  }

  if (rc == CLI_EXIT_OK && a->cmd == CMD_HELP) {
    a->cmd = CMD_NONE;
    a->value[O_HELP] = "";
    if (npositional > 0 && (a->help_for = find_command(positional[0])) >= CMD_COUNT)
      rc = usage_error(CMD_NONE, "unknown command '%s'", positional[0]);
    npositional = 0;
  }
  if (rc == CLI_EXIT_OK && a->cmd < CMD_COUNT && a->value[O_HELP] == NULL &&
      a->value[O_VERSION] == NULL) {
    for (o = 0; o < O_COUNT && rc == CLI_EXIT_OK; o++)
      if (a->value[o] != NULL && !(opts[o].commands & ON(a->cmd)))
        rc = usage_error(a->cmd, "option '--%s' does not apply to this command", opts[o].name);
    if (rc == CLI_EXIT_OK && a->cmd == CMD_WAIT) {
      /* several JOB_IDs, or --collection alone (every unfinished job of it) */
      if (npositional == 0 && a->value[O_COLLECTION] == NULL)
        rc = usage_error(a->cmd, "%s needs a JOB_ID or --collection", command_names[a->cmd]);
      a->job_id = positional[0];
      i = npositional;
    } else if (rc == CLI_EXIT_OK && (JOB_COMMANDS & ON(a->cmd))) {
      if (npositional == 0)
        rc = usage_error(a->cmd, "%s needs a JOB_ID", command_names[a->cmd]);
      else
        a->job_id = positional[0];
      i = 1;
    } else if (rc == CLI_EXIT_OK && (FILE_COMMANDS & ON(a->cmd))) {
      if (npositional == 0)
        rc = usage_error(a->cmd, "%s needs at least one FILE", command_names[a->cmd]);
      i = npositional;
    } else {
      i = 0;
    }
    if (rc == CLI_EXIT_OK && npositional > i)
      rc = usage_error(a->cmd, "unexpected argument '%s'", positional[i]);
  }
  a->positional = positional; /* freed by main */
  a->npositional = npositional;
  return rc;
}

/* SECONDS (fractional allowed) -> milliseconds, at least 1; -1 when malformed. */
static long parse_seconds(const char *s) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > 31536000.0)
    return -1;
  return v * 1000.0 < 1.0 ? 1 : (long)(v * 1000.0 + 0.5);
}

/* A positive integer up to LLONG_MAX; -1 when malformed. */
static long long parse_bytes(const char *s) {
  char *end;
  long long v;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1) return -1;
  return v;
}

/* A positive integer up to INT_MAX; -1 when malformed. */
static long long parse_count(const char *s) {
  char *end;
  long long v;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > INT_MAX) return -1;
  return v;
}

/* ---- requests, built with jansson -------------------------------------------------------- */

/* Sets o[key] to the string s, which came from option `what`. Returns an exit code. */
static int put_string(json_t *o, const char *key, const char *s, enum command cmd,
                      const char *what) {
  json_t *v = json_string(s);
  if (v == NULL) return usage_error(cmd, "the value of %s is not valid UTF-8", what);
  if (json_object_set_new(o, key, v) != 0) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  return CLI_EXIT_OK;
}

/* wait with several JOB_IDs or --collection: milvus_client_wait_import_jobs. */
static int waits_for_many(const struct args *a) {
  return a->cmd == CMD_WAIT && (a->npositional != 1 || a->value[O_COLLECTION] != NULL);
}

/* The fields every request of the command carries: cloud ids and, for jobs, jobId. */
static int base_request(const struct args *a, json_t *req) {
  int rc = CLI_EXIT_OK;
  if (a->value[O_CLUSTER] != NULL)
    rc = put_string(req, "clusterId", a->value[O_CLUSTER], a->cmd, "--cluster-id");
  if (rc == CLI_EXIT_OK && a->value[O_PROJECT] != NULL)
    rc = put_string(req, "projectId", a->value[O_PROJECT], a->cmd, "--project-id");
  if (rc == CLI_EXIT_OK && a->value[O_REGION] != NULL)
    rc = put_string(req, "regionId", a->value[O_REGION], a->cmd, "--region-id");
  if (rc == CLI_EXIT_OK && a->job_id != NULL && !waits_for_many(a))
    rc = put_string(req, "jobId", a->job_id, a->cmd, "JOB_ID");
  if (rc == CLI_EXIT_OK && a->value[O_COLLECTION] != NULL)
    rc = put_string(req, "collectionName", a->value[O_COLLECTION], a->cmd, "--collection");
  return rc;
}

static int put_count(json_t *req, const char *key, const char *s, enum command cmd,
                     const char *what) {
  long long n = parse_count(s);
  if (n < 0) return usage_error(cmd, "%s needs a whole number from 1", what);
  if (json_object_set_new(req, key, json_integer(n)) != 0) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  return CLI_EXIT_OK;
}

/* create, import-files: "options" from every --option KEY=VALUE, when there is one. */
static int put_options(const struct args *a, json_t *req) {
  json_t *options;
  size_t i;
  int rc = CLI_EXIT_OK;

  if (a->count[O_OPTION] == 0) return CLI_EXIT_OK;
  if ((options = json_object()) == NULL || json_object_set_new(req, "options", options) != 0) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  for (i = 0; i < a->count[O_OPTION] && rc == CLI_EXIT_OK; i++) {
    const char *kv = a->many[O_OPTION][i], *eq = strchr(kv, '=');
    json_t *key;
    if (eq == NULL || eq == kv)
      return usage_error(a->cmd, "--option '%s' is not KEY=VALUE", kv);
    /* json_object_set* take keys as C strings: check the key's UTF-8 the same way. */
    if ((key = json_stringn(kv, (size_t)(eq - kv))) == NULL)
      return usage_error(a->cmd, "the value of %s is not valid UTF-8", "--option");
    rc = put_string(options, json_string_value(key), eq + 1, a->cmd, "--option");
    json_decref(key);
  }
  return rc;
}

/* create: partitionName, files (one inner list per --file, split at commas), options. */
static int create_request(const struct args *a, json_t *req) {
  json_t *files;
  size_t i;
  int rc = CLI_EXIT_OK;

  if (a->value[O_COLLECTION] == NULL) return usage_error(a->cmd, "%s needs --collection", "create");
  if (a->count[O_FILE] == 0) return usage_error(a->cmd, "%s needs at least one --file", "create");
  if (a->value[O_PARTITION] != NULL &&
      (rc = put_string(req, "partitionName", a->value[O_PARTITION], a->cmd, "--partition")) != 0)
    return rc;

  if ((files = json_array()) == NULL || json_object_set_new(req, "files", files) != 0) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  for (i = 0; i < a->count[O_FILE] && rc == CLI_EXIT_OK; i++) {
    const char *s = a->many[O_FILE][i];
    json_t *group = json_array();
    if (group == NULL || json_array_append_new(files, group) != 0) {
      cli_error("out of memory");
      return CLI_EXIT_LOCAL;
    }
    for (;;) {
      size_t len = strcspn(s, ",");
      json_t *name = len > 0 ? json_stringn(s, len) : NULL;
      if (len == 0)
        rc = usage_error(a->cmd, "--file '%s' has an empty file name", a->many[O_FILE][i]);
      else if (name == NULL)
        rc = usage_error(a->cmd, "the value of %s is not valid UTF-8", "--file");
      else if (json_array_append_new(group, name) != 0) {
        cli_error("out of memory");
        rc = CLI_EXIT_LOCAL;
      }
      if (rc != CLI_EXIT_OK || s[len] == '\0') break;
      s += len + 1;
    }
  }
  return rc != CLI_EXIT_OK ? rc : put_options(a, req);
}

/* Appends each string of list (n of them, from `what`) to the array o[key]. */
static int put_strings(json_t *o, const char *key, const char *const *list, size_t n,
                       enum command cmd, const char *what) {
  json_t *array = json_array();
  size_t i;
  if (array == NULL || json_object_set_new(o, key, array) != 0) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  for (i = 0; i < n; i++) {
    json_t *v = json_string(list[i]);
    if (v == NULL) return usage_error(cmd, "the value of %s is not valid UTF-8", what);
    if (json_array_append_new(array, v) != 0) {
      cli_error("out of memory");
      return CLI_EXIT_LOCAL;
    }
  }
  return CLI_EXIT_OK;
}

/* wait with several jobs: jobIds (collectionName comes with the base request). */
static int wait_many_request(const struct args *a, json_t *req) {
  return a->npositional == 0
             ? CLI_EXIT_OK
             : put_strings(req, "jobIds", a->positional, a->npositional, a->cmd, "JOB_ID");
}

/* The value of an option, else of an environment variable; NULL when neither is set or
 * the variable is empty. */
static const char *option_or_env(const struct args *a, enum opt_id o, const char *variable) {
  const char *v = a->value[o] != NULL ? a->value[o] : getenv(variable);
  return v != NULL && (a->value[o] != NULL || v[0] != '\0') ? v : NULL;
}

/* upload, import-files: bucket, prefix, paths; for import-files collectionName (from the
 * base request), dbName, partitionName, options. Credentials must be there too. */
static int files_request(const struct args *a, json_t *req) {
  const char *cmd = command_names[a->cmd];
  int rc;
  if (a->cmd == CMD_IMPORT_FILES && a->value[O_COLLECTION] == NULL)
    return usage_error(a->cmd, "%s needs --collection", cmd);
  if (a->value[O_BUCKET] == NULL) return usage_error(a->cmd, "%s needs --bucket", cmd);
  if (option_or_env(a, O_ACCESS_KEY, "AWS_ACCESS_KEY_ID") == NULL ||
      option_or_env(a, O_SECRET_KEY, "AWS_SECRET_ACCESS_KEY") == NULL)
    return usage_error(a->cmd,
                       "%s needs object-store credentials: --access-key and --secret-key, "
                       "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
                       cmd);
  if ((rc = put_string(req, "bucket", a->value[O_BUCKET], a->cmd, "--bucket")) != 0) return rc;
  if (a->value[O_PREFIX] != NULL &&
      (rc = put_string(req, "prefix", a->value[O_PREFIX], a->cmd, "--prefix")) != 0)
    return rc;
  if ((rc = put_strings(req, "paths", a->positional, a->npositional, a->cmd, "FILE")) != 0)
    return rc;
  if (a->cmd != CMD_IMPORT_FILES) return CLI_EXIT_OK;
  if (a->value[O_DB] != NULL && (rc = put_string(req, "dbName", a->value[O_DB], a->cmd, "--db")) != 0)
    return rc;
  if (a->value[O_PARTITION] != NULL &&
      (rc = put_string(req, "partitionName", a->value[O_PARTITION], a->cmd, "--partition")) != 0)
    return rc;
  return put_options(a, req);
}

/* ---- the client ---------------------------------------------------------------------------- */

/* The library refused the setting of `option`: its error report. */
static int setting_refused(const struct args *a, const char *option) {
  return cli_library_error(command_names[a->cmd], option);
}

#define TRY_SET(call, what)                                         \
  do {                                                              \
    if ((call) != MILVUS_OK) return setting_refused(a, what);       \
  } while (0)

static volatile sig_atomic_t interrupted; /* the signal that asks the command to stop */

static void on_signal(int sig) {
  interrupted = sig;
}

/* The client's interrupt check: every call stops within a second of a signal. */
static int check_interrupted(void *user_data) {
  (void)user_data;
  return interrupted != 0;
}

/* SIGINT (Ctrl-C) and SIGTERM set `interrupted`; the library's calls see it and stop. No
 * SA_RESTART: a blocked system call returns at once. A second signal ends the process at
 * once (SA_RESETHAND). */
static void catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* A usage error when option o names a file that cannot be opened and read: a missing CA
 * file is the user's typo, not a TLS failure at the first request. */
static int check_readable(const struct args *a, enum opt_id o) {
  const char *path = a->value[o];
  char fmt[160];
  FILE *f;
  int err = 0;

  if (path == NULL || path[0] == '\0') return CLI_EXIT_OK;
  if ((f = fopen(path, "r")) == NULL)
    err = errno;
  else if (fgetc(f) == EOF && ferror(f)) /* e.g. a directory */
    err = errno != 0 ? errno : EIO;
  if (f != NULL) fclose(f);
  if (err == 0) return CLI_EXIT_OK;
  snprintf(fmt, sizeof fmt, "cannot read --%s '%%s': %s", opts[o].name, strerror(err));
  return usage_error(a->cmd, fmt, path);
}

/* Creates the client and applies every option. Returns an exit code. */
static int setup_client(const struct args *a, long request_timeout_ms, milvus_client **out) {
  const char *url = a->value[O_URL] != NULL ? a->value[O_URL] : DEFAULT_URL;
  const char *token = a->value[O_TOKEN] != NULL ? a->value[O_TOKEN] : getenv("MILVUS_TOKEN");
  milvus_client *c;
  long attempt_ms = 0;
  size_t i;
  int rc;

  if (a->value[O_KEY] != NULL && a->value[O_CERT] == NULL)
    return usage_error(a->cmd, "%s needs --cert", "--key");
  if (a->value[O_ATTEMPT_TIMEOUT] != NULL &&
      (attempt_ms = parse_seconds(a->value[O_ATTEMPT_TIMEOUT])) < 0)
    return usage_error(a->cmd, "--attempt-timeout needs a number of seconds above 0, not '%s'",
                       a->value[O_ATTEMPT_TIMEOUT]);
  if ((rc = check_readable(a, O_CA_FILE)) != CLI_EXIT_OK ||
      (rc = check_readable(a, O_CERT)) != CLI_EXIT_OK ||
      (rc = check_readable(a, O_KEY)) != CLI_EXIT_OK)
    return rc;

  if ((c = milvus_client_new(url)) == NULL) return setting_refused(a, "--url");
  *out = c;
  TRY_SET(milvus_client_set_interrupt(c, check_interrupted, NULL), "interrupt check");
  if (token != NULL && token[0] != '\0') TRY_SET(milvus_client_set_api_key(c, token), "--token");
  if (a->value[O_DB] != NULL) TRY_SET(milvus_client_set_database(c, a->value[O_DB]), "--db");
  if (request_timeout_ms > 0)
    TRY_SET(milvus_client_set_timeout_ms(c, request_timeout_ms), "--timeout");
  if (attempt_ms > 0)
    TRY_SET(milvus_client_set_attempt_timeout_ms(c, attempt_ms), "--attempt-timeout");
  if (a->value[O_INSECURE] != NULL || a->value[O_CA_FILE] != NULL)
    TRY_SET(milvus_client_set_tls(c, a->value[O_INSECURE] == NULL, a->value[O_CA_FILE]),
            a->value[O_INSECURE] != NULL ? "--insecure" : "--ca-file");
  if (a->value[O_CERT] != NULL)
    TRY_SET(milvus_client_set_client_cert(c, a->value[O_CERT], a->value[O_KEY]), "--cert");
  for (i = 0; i < a->count[O_HEADER]; i++) {
    const char *h = a->many[O_HEADER][i], *colon = strchr(h, ':'), *value;
    char name[256];
    if (colon == NULL || colon == h || (size_t)(colon - h) >= sizeof name)
      return usage_error(a->cmd, "--header '%s' is not NAME:VALUE", h);
    memcpy(name, h, (size_t)(colon - h));
    name[colon - h] = '\0';
    for (value = colon + 1; *value == ' ' || *value == '\t'; value++) {}
    TRY_SET(milvus_client_set_header(c, name, value), "--header");
  }
  if (a->value[O_IDEMPOTENCY_KEY] != NULL)
    TRY_SET(milvus_client_set_header(c, "Idempotency-Key", a->value[O_IDEMPOTENCY_KEY]),
            "--idempotency-key");
  return CLI_EXIT_OK;
}

/* upload, import-files: the object store, its credentials and the upload settings. The
 * session token goes with keys from the environment only: it belongs to them. */
static int setup_storage(const struct args *a, milvus_client *c) {
  const char *access = option_or_env(a, O_ACCESS_KEY, "AWS_ACCESS_KEY_ID");
  const char *secret = option_or_env(a, O_SECRET_KEY, "AWS_SECRET_ACCESS_KEY");
  const char *session = a->value[O_ACCESS_KEY] == NULL ? getenv("AWS_SESSION_TOKEN") : NULL;
  long long part_bytes;
  long stall_ms;

  if (session != NULL && session[0] == '\0') session = NULL;
  TRY_SET(milvus_client_set_storage(c, a->value[O_S3_ENDPOINT], a->value[O_S3_REGION], access,
                                    secret, session),
          a->value[O_S3_ENDPOINT] != NULL ? "--s3-endpoint" : "storage settings");
  if (a->value[O_PART_SIZE] != NULL) {
    if ((part_bytes = parse_bytes(a->value[O_PART_SIZE])) < 0)
      return usage_error(a->cmd, "--part-size needs a whole number of bytes, not '%s'",
                         a->value[O_PART_SIZE]);
    TRY_SET(milvus_client_set_upload_part_size(c, part_bytes), "--part-size");
  }
  if (a->value[O_STALL_TIMEOUT] != NULL) {
    if ((stall_ms = parse_seconds(a->value[O_STALL_TIMEOUT])) < 0)
      return usage_error(a->cmd, "--stall-timeout needs a number of seconds above 0, not '%s'",
                         a->value[O_STALL_TIMEOUT]);
    TRY_SET(milvus_client_set_upload_stall_timeout_ms(c, stall_ms), "--stall-timeout");
  }
  return CLI_EXIT_OK;
}

/* ---- commands ------------------------------------------------------------------------------ */

/* Prints a result: the JSON with --json, else through `table` (NULL: nothing). */
static int print_result(const struct args *a, const char *envelope,
                        int (*table)(const json_t *data, FILE *f)) {
  json_t *parsed;
  json_error_t err;
  int rc;
  if (a->value[O_JSON] != NULL) return cli_print_text(stdout, envelope);
  if (table == NULL) return CLI_EXIT_OK;
  if ((parsed = json_loads(envelope, 0, &err)) == NULL) {
    cli_error("cannot read the server's answer as JSON (line %d)", err.line);
    return CLI_EXIT_LOCAL;
  }
  rc = table(json_object_get(parsed, "data"), stdout);
  json_decref(parsed);
  return rc;
}

static int print_created(const json_t *data, FILE *f) {
  const json_t *id = json_object_get(data, "jobId");
  char *text = cli_json_text(id, "", "");
  int rc = CLI_EXIT_OK;
  if (text == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  if (text[0] == '\0') {
    cli_error("the server's answer has no jobId");
    rc = CLI_EXIT_LOCAL;
  } else {
    rc = cli_print_text(f, text);
  }
  free(text);
  return rc;
}

/* The state in a describe envelope, compared with `state`. */
static int job_state_is(const char *envelope, const char *state) {
  json_t *parsed = json_loads(envelope, 0, NULL);
  const char *s = json_string_value(json_object_get(json_object_get(parsed, "data"), "state"));
  int is = s != NULL && strcmp(s, state) == 0;
  json_decref(parsed);
  return is;
}

/* Whether any job of data.jobs ended Failed. */
static int any_job_failed(const char *envelope) {
  json_t *parsed = json_loads(envelope, 0, NULL);
  const json_t *jobs = json_object_get(json_object_get(parsed, "data"), "jobs");
  size_t i;
  int failed = 0;
  for (i = 0; i < json_array_size(jobs) && !failed; i++) {
    const char *s = json_string_value(json_object_get(json_array_get(jobs, i), "state"));
    failed = s != NULL && strcmp(s, "Failed") == 0;
  }
  json_decref(parsed);
  return failed;
}

/* --json of upload and import-files: the data of the envelope (upload: its objects list),
 * one JSON document. */
static int print_data_json(const char *envelope, const char *member) {
  json_t *parsed = json_loads(envelope, 0, NULL);
  const json_t *data = json_object_get(parsed, "data");
  char *text;
  int rc;
  if (member != NULL) data = json_object_get(data, member);
  if (data == NULL) {
    json_decref(parsed);
    cli_error("the library's answer has no %s", member != NULL ? member : "data");
    return CLI_EXIT_LOCAL;
  }
  if ((text = json_dumps(data, JSON_COMPACT)) == NULL) {
    json_decref(parsed);
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  rc = cli_print_text(stdout, text);
  free(text);
  json_decref(parsed);
  return rc;
}

static int print_objects(const json_t *data, FILE *f) {
  return cli_print_objects(json_object_get(data, "objects"), f);
}

static int print_wait_many(const json_t *data, FILE *f) {
  return cli_print_job_list(json_object_get(data, "jobs"), "(no unfinished import jobs)", f);
}

static int print_import_files(const json_t *data, FILE *f) {
  int rc = cli_print_job_list(json_object_get(data, "jobs"), "(no import jobs)", f);
  if (rc != CLI_EXIT_OK) return rc;
  fputc('\n', f);
  return cli_print_objects(json_object_get(data, "objects"), f);
}

/* After a signal stopped the command: what was stopped and what goes on, on stderr (one
 * JSON object with --json). Returns CLI_EXIT_SIGNAL + the signal. */
static int report_interrupted(const struct args *a) {
  const char *job = a->job_id != NULL ? a->job_id : "";
  const char *coll = a->value[O_COLLECTION] != NULL ? a->value[O_COLLECTION] : "";
  int sig = interrupted;
  char text[2048], *clean;

  switch (a->cmd) {
  case CMD_WAIT:
    if (!waits_for_many(a))
      snprintf(text, sizeof text,
               "stopped waiting for job %s; the import job keeps running on the server "
               "(milvus-import wait %s to follow it, milvus-import abort %s to stop a "
               "two-phase job)", job, job, job);
    else if (coll[0] != '\0')
      snprintf(text, sizeof text,
               "stopped waiting for the import jobs; they keep running on the server "
               "(milvus-import wait --collection %s to follow them)", coll);
    else
      snprintf(text, sizeof text, "stopped waiting for the import jobs; they keep running on "
                                  "the server (the same milvus-import wait follows them)");
    break;
  case CMD_UPLOAD:
    snprintf(text, sizeof text, "stopped the upload; the objects already uploaded stay in the "
                                "bucket, and a rerun uploads only what is missing");
    break;
  case CMD_IMPORT_FILES:
    snprintf(text, sizeof text,
             "stopped import-files; what was uploaded stays in the bucket (a rerun uploads only "
             "what is missing), and import jobs already created keep running on the server "
             "(milvus-import list --collection %s shows them)", coll);
    break;
  case CMD_CREATE:
    snprintf(text, sizeof text,
             "stopped creating the import job; if the server got the request, the job exists "
             "and runs (milvus-import list --collection %s shows it)", coll);
    break;
  case CMD_COMMIT:
  case CMD_ABORT:
    snprintf(text, sizeof text,
             "stopped %s job %s; the server may have got the request (milvus-import describe "
             "%s shows the job's state)", a->cmd == CMD_COMMIT ? "committing" : "aborting", job,
             job);
    break;
  default: /* list, list-all, describe: nothing changes on the server */
    snprintf(text, sizeof text, "stopped %s%s%s; nothing changed on the server",
             command_names[a->cmd], job[0] != '\0' ? " of job " : "", job);
    break;
  }
  if ((clean = cli_clean(text, 0)) == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  if (a->value[O_JSON] == NULL ||
      cli_print_json_error(json_pack("{s:{s:s, s:s, s:s, s:s}}", "error", "command",
                                     command_names[a->cmd], "kind", "interrupted", "signal",
                                     sig == SIGTERM ? "SIGTERM" : "SIGINT", "message", clean)) != 0)
    fprintf(stderr, "milvus-import: %s: %s\n", sig == SIGTERM ? "terminated" : "interrupted",
            clean);
  free(clean);
  return CLI_EXIT_SIGNAL + sig;
}

/* A library call of the command failed: the report of the interruption when a signal
 * stopped it, else the library's error report. Returns the exit code. */
static int command_failed(const struct args *a) {
  if (interrupted) return report_interrupted(a);
  return cli_library_error(command_names[a->cmd], NULL);
}

/* upload, import-files, wait for several jobs: the library call with the bytes and jobs
 * display. */
static int run_batch(const struct args *a, milvus_client *c, const char *body, long timeout_ms,
                     long poll_ms, char **result) {
  struct cli_batch_progress progress;
  memset(&progress, 0, sizeof progress);
  progress.tty = isatty(STDERR_FILENO);
  progress.interrupted = &interrupted;
  if (a->cmd == CMD_UPLOAD)
    *result = milvus_client_upload_files(c, body, cli_batch_progress_update, &progress);
  else if (a->cmd == CMD_IMPORT_FILES)
    *result = milvus_client_import_files(c, body, timeout_ms, poll_ms, cli_batch_progress_update,
                                         &progress);
  else
    *result = milvus_client_wait_import_jobs(c, body, timeout_ms, poll_ms,
                                             cli_batch_progress_update, &progress);
  cli_batch_progress_finish(&progress);
  return *result != NULL ? CLI_EXIT_OK : command_failed(a);
}

static int run_wait(const struct args *a, milvus_client *c, const char *body, long timeout_ms,
                    long poll_ms, char **result) {
  struct cli_progress progress;
  char *job = cli_clean(a->job_id, 0);
  if (job == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  memset(&progress, 0, sizeof progress);
  progress.tty = isatty(STDERR_FILENO);
  progress.job_id = job;
  progress.interrupted = &interrupted;

  *result = milvus_client_wait_import_job_with_request(c, body, timeout_ms, poll_ms,
                                                       cli_progress_update, &progress);
  cli_progress_finish(&progress);
  free(job);
  return *result != NULL ? CLI_EXIT_OK : command_failed(a);
}

static int run(const struct args *a) {
  milvus_client *client = NULL;
  json_t *req = json_object();
  char *body = NULL, *result = NULL;
  long timeout_ms = 0, poll_ms = DEFAULT_POLL_MS, request_timeout_ms = 0;
  int rc;

  catch_signals();
  if (req == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_LOCAL;
  }
  if (a->value[O_TIMEOUT] != NULL && (timeout_ms = parse_seconds(a->value[O_TIMEOUT])) < 0) {
    rc = usage_error(a->cmd, "--timeout needs a number of seconds above 0, not '%s'",
                     a->value[O_TIMEOUT]);
    goto out;
  }
  if (a->cmd == CMD_WAIT || a->cmd == CMD_IMPORT_FILES) {
    if (a->value[O_POLL_INTERVAL] != NULL &&
        (poll_ms = parse_seconds(a->value[O_POLL_INTERVAL])) < 0) {
      rc = usage_error(a->cmd, "--poll-interval needs a number of seconds above 0, not '%s'",
                       a->value[O_POLL_INTERVAL]);
      goto out;
    }
    if (timeout_ms == 0) timeout_ms = DEFAULT_WAIT_TIMEOUT_MS;
    if (poll_ms > timeout_ms) {
      if (a->value[O_POLL_INTERVAL] != NULL) {
        rc = usage_error(a->cmd, "%s must not be longer than --timeout", "--poll-interval");
        goto out;
      }
      poll_ms = timeout_ms;
    }
    /* The wait's timeout bounds every describe inside it too (the library's contract). */
  } else {
    request_timeout_ms = timeout_ms;
  }

  if ((rc = base_request(a, req)) != CLI_EXIT_OK) goto out;
  if (a->value[O_PAGE_SIZE] != NULL &&
      (rc = put_count(req, "pageSize", a->value[O_PAGE_SIZE], a->cmd, "--page-size")) != 0)
    goto out;
  if (a->value[O_PAGE] != NULL &&
      (rc = put_count(req, "currentPage", a->value[O_PAGE], a->cmd, "--page")) != 0)
    goto out;
  if (a->cmd == CMD_CREATE && (rc = create_request(a, req)) != CLI_EXIT_OK) goto out;
  if ((FILE_COMMANDS & ON(a->cmd)) && (rc = files_request(a, req)) != CLI_EXIT_OK) goto out;
  if (waits_for_many(a) && (rc = wait_many_request(a, req)) != CLI_EXIT_OK) goto out;
  if ((body = json_dumps(req, JSON_COMPACT)) == NULL) {
    cli_error("out of memory");
    rc = CLI_EXIT_LOCAL;
    goto out;
  }
  if ((rc = setup_client(a, request_timeout_ms, &client)) != CLI_EXIT_OK) goto out;
  if ((FILE_COMMANDS & ON(a->cmd)) && (rc = setup_storage(a, client)) != CLI_EXIT_OK) goto out;

  switch (a->cmd) {
  case CMD_LIST:
    result = milvus_client_list_import_jobs(client, body);
    rc = result ? print_result(a, result, cli_print_jobs) : command_failed(a);
    break;
  case CMD_LIST_ALL:
    result = milvus_client_list_all_import_jobs(client, body);
    rc = result ? print_result(a, result, cli_print_jobs) : command_failed(a);
    break;
  case CMD_CREATE:
    result = milvus_client_bulk_import(client, body);
    rc = result ? print_result(a, result, print_created) : command_failed(a);
    break;
  case CMD_DESCRIBE:
    result = milvus_client_get_import_progress(client, body);
    rc = result ? print_result(a, result, cli_print_job) : command_failed(a);
    break;
  case CMD_WAIT:
    if (waits_for_many(a)) {
      rc = run_batch(a, client, body, timeout_ms, poll_ms, &result);
      if (rc == CLI_EXIT_OK) rc = print_result(a, result, print_wait_many);
      if (rc == CLI_EXIT_OK && any_job_failed(result)) rc = CLI_EXIT_JOB_FAILED;
      break;
    }
    rc = run_wait(a, client, body, timeout_ms, poll_ms, &result);
    if (rc == CLI_EXIT_OK) rc = print_result(a, result, cli_print_job);
    if (rc == CLI_EXIT_OK && job_state_is(result, "Failed")) rc = CLI_EXIT_JOB_FAILED;
    break;
  case CMD_UPLOAD:
  case CMD_IMPORT_FILES:
    rc = run_batch(a, client, body, timeout_ms, poll_ms, &result);
    if (rc == CLI_EXIT_OK && a->value[O_JSON] != NULL)
      rc = print_data_json(result, a->cmd == CMD_UPLOAD ? "objects" : NULL);
    else if (rc == CLI_EXIT_OK)
      rc = print_result(a, result, a->cmd == CMD_UPLOAD ? print_objects : print_import_files);
    if (rc == CLI_EXIT_OK && any_job_failed(result)) rc = CLI_EXIT_JOB_FAILED;
    break;
  case CMD_COMMIT:
  case CMD_ABORT:
    result = a->cmd == CMD_COMMIT ? milvus_client_commit_import(client, body)
                                  : milvus_client_abort_import(client, body);
    if (result == NULL) {
      rc = command_failed(a);
    } else if ((rc = print_result(a, result, NULL)) == CLI_EXIT_OK && a->value[O_JSON] == NULL) {
      char *job = cli_clean(a->job_id, 0);
      printf("%s import job %s\n", a->cmd == CMD_COMMIT ? "committed" : "aborted",
             job != NULL ? job : "");
      free(job);
    }
    break;
  default:
    rc = CLI_EXIT_USAGE;
    break;
  }

out:
  milvus_free(result);
  milvus_client_free(client);
  free(body);
  json_decref(req);
  return rc;
}

int main(int argc, char **argv) {
  struct args a;
  int rc, o;

  memset(&a, 0, sizeof a);
  /* --json anywhere before "--": failures are JSON from the first usage error on. */
  for (o = 1; o < argc && strcmp(argv[o], "--") != 0; o++)
    if (strcmp(argv[o], "--json") == 0) cli_set_json_errors(1);
  if (getenv("MILVUS_TOKEN") != NULL) add_secrets(O_TOKEN, getenv("MILVUS_TOKEN"));
  if (getenv("AWS_SECRET_ACCESS_KEY") != NULL)
    add_secrets(O_SECRET_KEY, getenv("AWS_SECRET_ACCESS_KEY"));
  if (getenv("AWS_SESSION_TOKEN") != NULL) add_secrets(O_TOKEN, getenv("AWS_SESSION_TOKEN"));
  rc = parse_args(argc, argv, &a);
  if (rc == CLI_EXIT_OK) {
    if (a.value[O_VERSION] != NULL) {
      printf("milvus-import %s (libmilvus_import %s)\n", MILVUS_IMPORT_VERSION, milvus_version());
    } else if (a.value[O_HELP] != NULL) {
      enum command which = a.cmd < CMD_COUNT ? a.cmd : a.help_for;
      fputs(which < CMD_COUNT ? command_help[which] : main_help, stdout);
      if (which < CMD_COUNT)
        fputs("\nEvery command also takes the options of 'milvus-import --help' (--url,\n"
              "--token, --db, --timeout, --header, --json, ...) and exits as listed there.\n",
              stdout);
    } else if (a.cmd >= CMD_COUNT) {
      rc = usage_error(CMD_NONE,
                       "%s\nUsage: milvus-import [OPTIONS] COMMAND [COMMAND OPTIONS] [JOB_ID...|FILE...]",
                       "no command given");
    } else {
      rc = run(&a);
    }
  }
  for (o = 0; o < O_COUNT; o++) free((void *)a.many[o]);
  free((void *)a.positional);
  cli_forget_secrets();
  if (fflush(stdout) != 0 || ferror(stdout)) {
    if (rc == CLI_EXIT_OK) rc = CLI_EXIT_LOCAL;
    cli_error("cannot write the output");
  }
  return rc;
}
