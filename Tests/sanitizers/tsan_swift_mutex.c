/* tsan_swift_mutex.c: teach ThreadSanitizer about Swift's `Synchronization.Mutex` on Linux.
 * Linked into the TSan test programs only (with -rdynamic so these definitions win over
 * the runtime's); never part of the library.
 *
 * Why: Mutex<Value> on Linux is a priority-inheritance futex. Its fast paths are inlined
 * into the (instrumented) library as acquire/release compare-exchanges, which TSan sees.
 * Under contention the library calls `_MutexHandle._lockSlow` / `_unlockSlow` in the
 * uninstrumented libswiftSynchronization.so, which spin with plain `lock cmpxchg` and then
 * hand the lock over inside the kernel (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI, futex ops 0x86 and
 * 0x87). TSan sees no release/acquire pair for that hand-over, so every access to data the
 * mutex protects (CurlTransport's handle pool, a client's settings, the stateless client
 * cache) is reported as a race as soon as two threads contend: a false positive of the
 * uninstrumented runtime, not a bug of the library.
 *
 * Rather than suppress reports in the library's own functions (which would also hide real
 * races there), these wrappers interpose the two slow paths and tell TSan what the kernel
 * did: `__tsan_release(lock word)` before the slow unlock, `__tsan_acquire(lock word)` after
 * the slow lock (and after a successful slow try-lock). The lock word is the Mutex handle's
 * only field, so the handle's address (Swift passes `self` in the swiftself register, r13,
 * i.e. clang's `swift_context` parameter) is the same address the inlined fast paths use
 * for their atomics: one TSan sync object for both paths.
 *
 * The symbols are the stable, exported entry points of libswiftSynchronization.so
 * (Swift 6.x, x86_64 and aarch64 Linux):
 *   $s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF    _lockSlow(_ selfId: UInt32)
 *   $s15Synchronization12_MutexHandleV11_unlockSlowyyF          _unlockSlow()
 *   $s15Synchronization12_MutexHandleV12_tryLockSlowSbyF        _tryLockSlow() -> Bool
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

#define SWIFT_CC __attribute__((swiftcall))
#define SWIFT_SELF __attribute__((swift_context))

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"

typedef SWIFT_CC void (*lock_slow_fn)(uint32_t self_id, void *handle SWIFT_SELF);
typedef SWIFT_CC void (*unlock_slow_fn)(void *handle SWIFT_SELF);
typedef SWIFT_CC bool (*try_lock_slow_fn)(void *handle SWIFT_SELF);

static void *real(const char *name) {
  void *fn = dlsym(RTLD_NEXT, name);
  if (fn == NULL) {
    fprintf(stderr, "tsan_swift_mutex: %s not found (%s)\n", name, dlerror());
    abort();
  }
  return fn;
}

/* Resolved once, before main and before any thread exists. */
static lock_slow_fn next_lock_slow;
static unlock_slow_fn next_unlock_slow;
static try_lock_slow_fn next_try_lock_slow;

__attribute__((constructor)) static void resolve(void) {
  next_lock_slow = (lock_slow_fn)real(LOCK_SLOW);
  next_unlock_slow = (unlock_slow_fn)real(UNLOCK_SLOW);
  next_try_lock_slow = (try_lock_slow_fn)real(TRY_LOCK_SLOW);
}

/* Counts of slow paths taken, for the program's summary (proves the shim is in use). */
unsigned long tsan_swift_mutex_slow_locks;

SWIFT_CC void mutex_lock_slow(uint32_t self_id, void *handle SWIFT_SELF) __asm__(LOCK_SLOW);
SWIFT_CC void mutex_lock_slow(uint32_t self_id, void *handle SWIFT_SELF) {
  next_lock_slow(self_id, handle);
  __tsan_acquire(handle);
  __atomic_fetch_add(&tsan_swift_mutex_slow_locks, 1, __ATOMIC_RELAXED);
}

SWIFT_CC void mutex_unlock_slow(void *handle SWIFT_SELF) __asm__(UNLOCK_SLOW);
SWIFT_CC void mutex_unlock_slow(void *handle SWIFT_SELF) {
  __tsan_release(handle);
  next_unlock_slow(handle);
}

SWIFT_CC bool mutex_try_lock_slow(void *handle SWIFT_SELF) __asm__(TRY_LOCK_SLOW);
SWIFT_CC bool mutex_try_lock_slow(void *handle SWIFT_SELF) {
  bool locked = next_try_lock_slow(handle);
  if (locked) __tsan_acquire(handle);
  return locked;
}
