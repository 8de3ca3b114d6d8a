/* jansson for Swift: what Swift cannot import (macros with arguments) as inline functions. */
#ifndef MILVUS_CJANSSON_SHIM_H
#define MILVUS_CJANSSON_SHIM_H
#include <jansson.h>

/* json_typeof() is a macro; -1 for NULL. */
static inline int mi_json_type(const json_t *json) { return json ? (int)json_typeof(json) : -1; }
static inline json_t *mi_json_incref(json_t *json) { return json_incref(json); }
#endif
