/* C helpers for the Swift unit tests only (never part of the library): what Swift cannot
 * import from glibc, because it is declared only under _GNU_SOURCE or is a macro. */
#ifndef MILVUS_IMPORT_TEST_SUPPORT_H
#define MILVUS_IMPORT_TEST_SUPPORT_H
#include <sched.h>

/* Saves the calling thread's affinity mask in *saved, then allows the thread only the CPU
 * it is running on. 0, or -1 with errno set (nothing changed). */
int ts_pin_calling_thread(cpu_set_t *saved);
/* Gives the calling thread this affinity mask. 0, or -1 with errno set. */
int ts_set_calling_thread_mask(const cpu_set_t *mask);
/* How many CPUs the mask allows (CPU_COUNT). */
int ts_mask_count(const cpu_set_t *mask);
#endif
