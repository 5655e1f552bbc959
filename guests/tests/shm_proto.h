/*
 * The layout shm_a.c and shm_b.c share (tests/qemu/shared-memory): two
 * 64 KiB regions at the IPAs the description maps them to in both VMs.
 * Words: SHM_SEQ (a message's sequence number, written last), SHM_DATA
 * (b2a: the checksum of a2b's message), SHM_BOOTS (b2a: b's boots), then
 * the message from SHM_MSG on.
 */
#ifndef SHM_PROTO_H
#define SHM_PROTO_H

#include <stdint.h>

#define A2B         0x50000000ul
#define B2A         0x50010000ul
#define SHM_SEQ     0
#define SHM_DATA    1
#define SHM_BOOTS   2
#define SHM_MSG     16
#define SHM_WORDS   4096       /* 16 KiB of message */
#define SHM_SEED    0x9e3779b9u

static inline void shm_fill(volatile uint32_t *p, uint32_t x)
{
	for (unsigned i = 0; i < SHM_WORDS; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[SHM_MSG + i] = x;
	}
}

static inline uint32_t shm_sum(const volatile uint32_t *p)
{
	uint32_t s = 0;

	for (unsigned i = 0; i < SHM_WORDS; i++)
		s = (s << 1 | s >> 31) ^ p[SHM_MSG + i];
	return s;
}

#endif
