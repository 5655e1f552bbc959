/*
 * libFuzzer harness: the virtual PL011 (src/devices/pl011.c), built as
 * tests/host/test_vpl011.c builds it, driven by a sequence of guest reads
 * and writes (any offset, width and value), console input bytes and
 * resets. Invariants after every step: no lock is left held; an accepted
 * read is aligned, at most 32 bits, and changes nothing unless it pops
 * DR; the FIFO and wire counts and heads stay in range;
 * FR.RXFE is set exactly when the FIFO is empty; the interrupt line the
 * vGIC last saw is (RIS & IMSC) != 0 (PL011 TRM 3.3.13).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"

static int locks_held;

#define FAKE_LOCK_HOOK(l, delta) ((void)(l), locks_held += (delta))
#include "../host/fake_spinlock.h"

#include "devices/pl011.c"

struct vm {
	int unused;
};

#define IRQ 37

static struct vm vm;
static struct vdev dev;
static struct device_config cfg = {
	.type = DEVICE_PL011, .ipa = 0x9000000, .size = 0x1000, .irq = IRQ,
};
static bool line;

void vgic_set_level(struct vm *v, unsigned intid, bool level)
{
	FUZZ_ASSERT(v == &vm && intid == IRQ);
	FUZZ_ASSERT(pl011_of(&dev)->irq_lock.held == 1 && locks_held == 1);
	line = level;
}

void console_vm_write(struct vm *v, const char *s, size_t n)
{
	FUZZ_ASSERT(v == &vm && locks_held == 0 && n > 0);
	(void)s;
}

static void check_state(void)
{
	const struct pl011 *u = pl011_of(&dev);

	FUZZ_ASSERT(locks_held == 0);
	FUZZ_ASSERT(u->rx_count <= PL011_FIFO_DEPTH && u->rx_head < PL011_FIFO_DEPTH);
	FUZZ_ASSERT(u->wire_count <= PL011_WIRE_SIZE && u->wire_head < PL011_WIRE_SIZE);
	FUZZ_ASSERT(u->level == ((raw_status(u) & u->imsc) != 0));
	FUZZ_ASSERT(line == u->level);
	FUZZ_ASSERT(!(read_flags(u) & FR_RXFE) == (u->rx_count != 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	dev.ipa = cfg.ipa;
	dev.size = cfg.size;
	dev.ops = &pl011_ops;
	dev.cfg = &cfg;
	dev.vm = &vm;
	memset(dev.state, 0, sizeof(dev.state));
	line = false;
	pl011_ops.reset(&dev);
	check_state();
	while (in.n) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned width = 1u << ((op >> 3) & 3);
		/* Mostly the registers (0x00-0x4c) and the ID block. */
		uint64_t off = fuzz_take(&in, 1) & 0x7f;

		if (op & 0x20)
			off = 0xf80 + (off & 0x7f);
		if (op & 0x40)
			off = fuzz_take(&in, 2) % 0x1000;
		switch (op & 7) {
		case 0: case 1: {
			static uint8_t before[VDEV_STATE_SIZE];
			struct vdev_read r;

			memcpy(before, dev.state, sizeof(before));
			r = pl011_ops.read(&dev, off, width);
			if (r.ok) {
				FUZZ_ASSERT(width <= 4 && (off & 3) == 0);
				FUZZ_ASSERT((r.value >> 32) == 0);   /* 32-bit registers */
			}
			/* Only a read of DR (it pops the FIFO) changes the model. */
			if (off != 0 || !r.ok)
				FUZZ_ASSERT(memcmp(before, dev.state, sizeof(before)) == 0);
			break;
		}
		case 2: case 3:
			(void)pl011_ops.write(&dev, off, width, fuzz_take(&in, width));
			break;
		case 4: case 5: {
			unsigned n = (unsigned)fuzz_take(&in, 1) % 64;

			for (unsigned i = 0; i < n; i++)
				(void)pl011_ops.input(&dev, (uint8_t)('a' + i));
			break;
		}
		case 6:
			(void)pl011_ops.input(&dev, (uint8_t)fuzz_take(&in, 1));
			break;
		default:
			if (op == 0xff) {
				/* A VM reset: the vGIC's lines reset with it. */
				pl011_ops.reset(&dev);
				line = false;
			}
			break;
		}
		check_state();
	}
	return 0;
}
