/* Internal to the library (not installed, not exported: the version script keeps only
 * milvus_*): the thread-local last error, the fork generation and the usable CPUs, which
 * Swift cannot declare itself. */
#ifndef MILVUS_IMPORT_INTERNAL_H
#define MILVUS_IMPORT_INTERNAL_H
#include "milvus_import.h"

/* Clears this thread's last error (code MILVUS_OK, message ""). */
void mi_error_clear(void);
/* Records this thread's last error; the message is copied, cut at 1023 bytes on a UTF-8
 * boundary. */
void mi_error_set(int code, int http_status, long long server_code, const char *message);
int mi_error_code(void);
int mi_error_http_status(void);
long long mi_error_server_code(void);
const char *mi_error_message(void);

/* How many fork()s lie between the first call of this function and the calling process:
 * 0 in the process that first called it, bumped in every child by a pthread_atfork
 * handler (installed on the first call). Connection pools compare it to know that their
 * sockets belong to a parent, without a getpid() system call per request. */
unsigned long mi_fork_generation(void);

/* How many CPUs the calling thread may run on: its affinity mask (taskset, a container's
 * cpuset), or the CPUs online when the mask cannot be read; at least 1. Threads it starts
 * inherit the mask. One sched_getaffinity system call. */
int mi_usable_cpus(void);
#endif
