/* The per-thread last error: a fixed buffer, so nothing is allocated and nothing leaks
 * when a thread exits. */
#include <string.h>
#include "milvus_import_internal.h"

enum { MESSAGE_CAPACITY = 1024, STORAGE_CODE_CAPACITY = 128 };

typedef struct last_error {
  int code;
  int http_status;
  long long server_code;
  char message[MESSAGE_CAPACITY];
  char storage_code[STORAGE_CODE_CAPACITY];
} last_error;

static _Thread_local last_error current;

void mi_error_clear(void) {
  current.code = MILVUS_OK;
  current.http_status = 0;
  current.server_code = 0;
  current.message[0] = '\0';
  current.storage_code[0] = '\0';
}

void mi_error_set(int code, int http_status, long long server_code, const char *message) {
  current.code = code;
  current.http_status = http_status;
  current.server_code = server_code;
  size_t length = message ? strlen(message) : 0;
  if (length >= MESSAGE_CAPACITY) {
    length = MESSAGE_CAPACITY - 1;
    /* Never end inside a multi-byte UTF-8 sequence: drop continuation bytes and their lead. */
    while (length > 0 && ((unsigned char)message[length] & 0xC0) == 0x80) length--;
  }
  if (length > 0) memcpy(current.message, message, length);
  current.message[length] = '\0';
  current.storage_code[0] = '\0';
}

void mi_error_set_storage_code(const char *code) {
  size_t length = code ? strlen(code) : 0;
  if (length >= STORAGE_CODE_CAPACITY) length = STORAGE_CODE_CAPACITY - 1; /* S3 codes are ASCII words */
  if (length > 0) memcpy(current.storage_code, code, length);
  current.storage_code[length] = '\0';
}

int mi_error_code(void) { return current.code; }
int mi_error_http_status(void) { return current.http_status; }
long long mi_error_server_code(void) { return current.server_code; }
const char *mi_error_message(void) { return current.message; }
const char *mi_error_storage_code(void) { return current.storage_code; }
