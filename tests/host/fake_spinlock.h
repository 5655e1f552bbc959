/*
 * A stand-in for src/core/spinlock.h in host tests that include core
 * sources: a lock that fails the test if it is taken twice or released
 * while free. A test may define FAKE_LOCK_HOOK(lock, delta) before
 * including this to watch takes (+1) and releases (-1).
 */
#ifndef TESTS_FAKE_SPINLOCK_H
#define TESTS_FAKE_SPINLOCK_H

#define CORE_SPINLOCK_H  /* keep the real one out */

typedef struct {
	int held;
} spinlock_t;

#define SPINLOCK_INIT { 0 }
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))

#ifndef FAKE_LOCK_HOOK
#define FAKE_LOCK_HOOK(l, delta) ((void)(l))
#endif

static inline void spin_lock(spinlock_t *l)
{
	ck_assert_int_eq(l->held, 0);
	l->held = 1;
	FAKE_LOCK_HOOK(l, 1);
}

static inline void spin_unlock(spinlock_t *l)
{
	ck_assert_int_eq(l->held, 1);
	l->held = 0;
	FAKE_LOCK_HOOK(l, -1);
}

#endif
