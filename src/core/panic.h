/*
 * Panics are for numbat's own broken invariants only: never for anything a
 * guest can cause. A panic prints the cause and a register dump on every
 * pCPU and halts the machine.
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include <stdint.h>

struct exc_frame;

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_exception(const char *what, const struct exc_frame *frame)
	__attribute__((noreturn));
/* Called on a pCPU that received the panic IPI: dump and halt. */
void panic_secondary(void) __attribute__((noreturn));

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			panic("CHECK failed: %s (%s:%d)", #cond, __FILE__, \
			      __LINE__);                                   \
	} while (0)

#endif
