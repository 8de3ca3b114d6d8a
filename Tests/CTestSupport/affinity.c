/* The affinity helpers of test_support.h. */
#define _GNU_SOURCE
#include <sched.h>
#include "test_support.h"

int ts_pin_calling_thread(cpu_set_t *saved) {
  if (sched_getaffinity(0, sizeof *saved, saved) != 0) return -1;
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE) return -1;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return sched_setaffinity(0, sizeof one, &one);
}

int ts_set_calling_thread_mask(const cpu_set_t *mask) { return sched_setaffinity(0, sizeof *mask, mask); }

int ts_mask_count(const cpu_set_t *mask) { return CPU_COUNT(mask); }
