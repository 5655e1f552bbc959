/*
 * Host stand-in for guests/lib/numbat.h, for test_diskd_log.c: the generic
 * counter is a variable the test advances; the rest is libc.
 */
#ifndef HOST_FAKE_NUMBAT_H
#define HOST_FAKE_NUMBAT_H

#include <stdint.h>
#include <string.h>

extern uint64_t fake_counter;

static inline uint64_t counter_read(void)
{
	return fake_counter;
}

#endif
