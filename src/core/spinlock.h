/*
 * Ticket spinlocks. Only for short sections on numbat's own data; never
 * held across a guest entry. Requires the EL2 MMU on (exclusives need
 * cacheable memory).
 */
#ifndef CORE_SPINLOCK_H
#define CORE_SPINLOCK_H

#include <stdint.h>

typedef struct {
	uint16_t next;
	uint16_t owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__asm__ volatile("yield");
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
	__asm__ volatile("sev");
}

#define READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif
