/* Internal to the library (not installed, not exported: the version script keeps only
 * milvus_*): the thread-local last error and the fork generation, which Swift cannot
 * declare itself, and the version text. */
#ifndef MILVUS_IMPORT_INTERNAL_H
#define MILVUS_IMPORT_INTERNAL_H
#include "milvus_import.h"

/* Clears this thread's last error (code MILVUS_OK, message ""). */
void mi_error_clear(void);
/* Records this thread's last error (its storage code ""); the message is copied, cut at
 * 1023 bytes on a UTF-8 boundary. */
void mi_error_set(int code, int http_status, long long server_code, const char *message);
int mi_error_code(void);
int mi_error_http_status(void);
long long mi_error_server_code(void);
const char *mi_error_message(void);
/* The S3 error code of the last error (set after mi_error_set; cut at 127 bytes). */
void mi_error_set_storage_code(const char *code);
const char *mi_error_storage_code(void);

/* How many fork()s lie between the first call of this function and the calling process:
 * 0 in the process that first called it, bumped in every child by a pthread_atfork
 * handler (installed on the first call). Connection pools compare it to know that their
 * sockets belong to a parent. */
unsigned long mi_fork_generation(void);

/* The header's MILVUS_IMPORT_VERSION as a C string of static storage, for milvus_version. */
static inline const char *mi_version(void) { return MILVUS_IMPORT_VERSION; }
#endif
