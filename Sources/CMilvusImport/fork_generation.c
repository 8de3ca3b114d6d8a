/* The fork generation (see milvus_import_internal.h): a counter every child of fork()
 * bumps in a pthread_atfork handler. It is read once per request, so it costs one
 * pthread_once check and a relaxed atomic load instead of a getpid() system call. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include "milvus_import_internal.h"

static atomic_ulong generation;
static int handler_missing; /* pthread_atfork failed (ENOMEM): fall back to the pid */
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void in_child(void) { atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed); }

static void install(void) { handler_missing = pthread_atfork(NULL, NULL, in_child) != 0; }

unsigned long mi_fork_generation(void) {
  (void)pthread_once(&installed, install);
  if (handler_missing) return (unsigned long)getpid() | (1UL << (sizeof(unsigned long) * CHAR_BIT - 1));
  return atomic_load_explicit(&generation, memory_order_relaxed);
}
