/*
 * Host stand-in for a VM's memory, for tests that compile the virtqueue
 * walker (src/core/virtq.c) and the virtio devices: vm_guest_ptr over
 * three regions:
 *   FAKE_RAM_IPA   FAKE_RAM_SIZE bytes, read/write, backed by fake_ram[]
 *   FAKE_RO_IPA    FAKE_RO_SIZE bytes, read-only, backed by fake_ro[]
 *   FAKE_HUGE_IPA  4 GiB + 4 KiB, read/write, not backed (a pointer that
 *                  must never be dereferenced: lengths near 2^32)
 * (left out when FAKE_NO_HUGE is defined: the fuzz harnesses copy).
 * Each VM a test passes (up to FAKE_VMS) has its own memory: the index is
 * the VM's `id`.
 */
#ifndef TESTS_FAKE_GUEST_MEM_H
#define TESTS_FAKE_GUEST_MEM_H

#include <stdint.h>

#define FAKE_VMS       2
#define FAKE_RAM_IPA   0x40000000ull
#define FAKE_RAM_SIZE  0x40000ull
#define FAKE_RO_IPA    0x50000000ull
#define FAKE_RO_SIZE   0x1000ull
#define FAKE_HUGE_IPA  0x100000000ull
#define FAKE_HUGE_SIZE 0x100001000ull

static uint8_t fake_ram[FAKE_VMS][FAKE_RAM_SIZE] __attribute__((aligned(4096)));
static uint8_t fake_ro[FAKE_VMS][FAKE_RO_SIZE] __attribute__((aligned(4096)));
static uint8_t fake_huge_token;

void *vm_guest_ptr(const struct vm *vm, ipaddr_t ipa, uint64_t len, uint32_t need)
{
	static const struct { uint64_t ipa, size; uint32_t flags; } r[] = {
		{ FAKE_RAM_IPA, FAKE_RAM_SIZE, REGION_READ | REGION_WRITE },
		{ FAKE_RO_IPA, FAKE_RO_SIZE, REGION_READ },
#ifndef FAKE_NO_HUGE
		{ FAKE_HUGE_IPA, FAKE_HUGE_SIZE, REGION_READ | REGION_WRITE },
#endif
	};
	uint64_t a = ipa_addr(ipa);
	unsigned v = vm->id % FAKE_VMS;

	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (a < r[i].ipa || a - r[i].ipa >= r[i].size || len > r[i].size - (a - r[i].ipa))
			continue;
		if ((r[i].flags & need) != need)
			return NULL;
		if (i == 0)
			return &fake_ram[v][a - r[i].ipa];
		if (i == 1)
			return &fake_ro[v][a - r[i].ipa];
		return &fake_huge_token;
	}
	return NULL;
}

/* A pointer into VM v's RAM at `ipa`. */
static inline void *fake_at(unsigned v, uint64_t ipa)
{
	return &fake_ram[v][ipa - FAKE_RAM_IPA];
}

#endif
