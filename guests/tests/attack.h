/*
 * Shared probes of the hostile-guest suite (guests/tests/attack_*.c):
 * single loads, stores and instruction fetches at an address, with the
 * exception they may raise caught and checked. Each probe records the
 * address of the faulting instruction so an injected abort can be checked
 * for ELR as well as ESR and FAR.
 */
#ifndef ATTACK_H
#define ATTACK_H

#include "numbat.h"

#define ESR_WNR            (1ull << 6)
#define ESR_IL             (1ull << 25)
#define DFSC_ALIGNMENT     0x21

struct probe {
	struct exc_info x;
	uint64_t pc;      /* the access instruction */
	uint64_t value;   /* what a load returned (loads only) */
};

/*
 * One load of `width` bytes (1, 2, 4, 8) at `addr` into a register that
 * held all ones first, so a result wider than the access shows.
 */
static inline struct probe probe_load(uintptr_t addr, unsigned width)
{
	struct probe p = { .value = 0 };
	uint64_t v = 0, pc = 0;

	exc_expect();
	switch (width) {
	case 1:
		__asm__ volatile("mov %0, #-1\n\tadr %1, 1f\n1:\tldrb %w0, [%2]"
				 : "=&r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("mov %0, #-1\n\tadr %1, 1f\n1:\tldrh %w0, [%2]"
				 : "=&r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("mov %0, #-1\n\tadr %1, 1f\n1:\tldr %w0, [%2]"
				 : "=&r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("mov %0, #0\n\tadr %1, 1f\n1:\tldr %0, [%2]"
				 : "=&r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	}
	p.x = exc_collect();
	p.pc = pc;
	p.value = v;
	return p;
}

/* One store of `width` bytes of `val` at `addr`. */
static inline struct probe probe_store(uintptr_t addr, unsigned width, uint64_t val)
{
	struct probe p = { .value = 0 };
	uint64_t pc = 0;

	exc_expect();
	switch (width) {
	case 1:
		__asm__ volatile("adr %0, 1f\n1:\tstrb %w1, [%2]"
				 : "=&r"(pc) : "r"(val), "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("adr %0, 1f\n1:\tstrh %w1, [%2]"
				 : "=&r"(pc) : "r"(val), "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("adr %0, 1f\n1:\tstr %w1, [%2]"
				 : "=&r"(pc) : "r"(val), "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("adr %0, 1f\n1:\tstr %1, [%2]"
				 : "=&r"(pc) : "r"(val), "r"(addr) : "memory");
		break;
	}
	p.x = exc_collect();
	p.pc = pc;
	return p;
}

/* A load pair (no instruction syndrome: ISV = 0) at `addr`. */
static inline struct probe probe_ldp(uintptr_t addr)
{
	struct probe p = { .value = 0 };
	uint64_t a = 0, b = 0, pc = 0;

	exc_expect();
	__asm__ volatile("adr %2, 1f\n1:\tldp %0, %1, [%3]"
			 : "=&r"(a), "=&r"(b), "=&r"(pc) : "r"(addr) : "memory");
	p.x = exc_collect();
	p.pc = pc;
	p.value = a;
	(void)b;
	return p;
}

/*
 * Branches with link to `addr`: returns what an instruction abort there
 * recorded (the runtime resumes at x30 after one).
 */
static inline struct exc_info probe_exec(uintptr_t addr)
{
	exc_expect();
	__asm__ volatile("blr %0" : : "r"(addr)
			 : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8",
			   "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
			   "x17", "x30", "memory");
	return exc_collect();
}

/*
 * Checks that `p` is the synchronous external abort numbat injects for a
 * data access it refuses (fault-policy "inject"): EC 0x25, DFSC 0x10,
 * IL = 1, WnR = `write`, FAR = `addr`, ELR = the access instruction.
 */
#define EXPECT_SEA(p, addr, write) do {                                      \
	struct probe sea_p_ = (p);                                           \
	uint64_t sea_a_ = (uint64_t)(addr);                                  \
	EXPECT_TRUE(sea_p_.x.taken);                                         \
	if (sea_p_.x.taken) {                                                \
		EXPECT_EQ(ESR_EC(sea_p_.x.esr), ESR_EC_DABT_CUR);            \
		EXPECT_EQ(ESR_DFSC(sea_p_.x.esr), DFSC_SEA);                 \
		EXPECT_EQ(!!(sea_p_.x.esr & ESR_WNR), !!(write));            \
		EXPECT_EQ(sea_p_.x.far, sea_a_);                             \
		EXPECT_EQ(sea_p_.x.elr, sea_p_.pc);                          \
	} else {                                                             \
		printf("no abort at 0x%lx\n", (unsigned long)sea_a_);        \
	}                                                                    \
} while (0)

/* The access completed without an exception. */
#define EXPECT_OK(p, addr) do {                                              \
	struct probe ok_p_ = (p);                                            \
	if (ok_p_.x.taken)                                                   \
		printf("unexpected abort at 0x%lx: esr 0x%lx\n",             \
		       (unsigned long)(addr), (unsigned long)ok_p_.x.esr);   \
	EXPECT_FALSE(ok_p_.x.taken);                                         \
} while (0)

#endif /* ATTACK_H */
