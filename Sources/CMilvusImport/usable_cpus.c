/* How many CPUs the calling thread may run on (see milvus_import_internal.h). CPU_COUNT is
 * a macro, which Swift cannot import. */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <unistd.h>
#include "milvus_import_internal.h"

int mi_usable_cpus(void) {
  cpu_set_t set;
  /* Fails (EINVAL) only when the kernel's mask is wider than cpu_set_t's 1024 CPUs. */
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (online < INT_MAX ? (int)online : INT_MAX) : 1;
}
