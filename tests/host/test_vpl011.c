/*
 * Host tests of the virtual PL011 (src/devices/pl011.c): reset values,
 * the ID registers Linux matches on, FR as the receive FIFO fills and
 * drains, overrun, RIS/MIS/IMSC/ICR, the interrupt line as the vGIC sees
 * it (only changes are passed on), access widths, loopback and reset.
 *
 * The model is compiled into this file, after host stand-ins for
 * core/spinlock.h (whose AArch64 hints do not assemble here), the vGIC
 * and the console.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"

/* A lock that fails the test if taken twice or released unheld. */
static int locks_held;

#define FAKE_LOCK_HOOK(l, delta) ((void)(l), locks_held += (delta))
#include "fake_spinlock.h"

#include "devices/pl011.c"

struct vm {
	int unused;
};

static struct vdev dev;

/* vgic_set_level calls, in order. */
static struct {
	struct vm *vm;
	unsigned intid;
	bool level;
} calls[64];
static unsigned ncalls;

void vgic_set_level(struct vm *vm, unsigned intid, bool level)
{
	/* Only irq_lock: the vGIC may take vm->lock, which reset holds. */
	ck_assert_int_eq(pl011_of(&dev)->lock.held, 0);
	ck_assert_int_eq(pl011_of(&dev)->irq_lock.held, 1);
	ck_assert_int_eq(locks_held, 1);
	ck_assert_uint_lt(ncalls, 64);
	calls[ncalls].vm = vm;
	calls[ncalls].intid = intid;
	calls[ncalls].level = level;
	ncalls++;
}

/* What reached the console. */
static char out[256];
static size_t nout;

void console_vm_write(struct vm *vm, const char *s, size_t n)
{
	ck_assert_int_eq(locks_held, 0);  /* never with the model's lock held */
	ck_assert_uint_le(nout + n, sizeof(out));
	memcpy(out + nout, s, n);
	nout += n;
}

#define IRQ 37

static struct vm vm;
static struct device_config cfg = {
	.type = DEVICE_PL011, .ipa = 0x9000000, .size = 0x1000, .irq = IRQ,
};

/* A freshly bound and reset device; no vGIC calls recorded. */
static void setup(void)
{
	dev.ipa = cfg.ipa;
	dev.size = cfg.size;
	dev.ops = &pl011_ops;
	dev.cfg = &cfg;
	dev.vm = &vm;
	memset(dev.state, 0, sizeof(dev.state));
	pl011_ops.reset(&dev);
	ck_assert_uint_eq(ncalls, 0);  /* the line starts low */
}

static uint32_t rd_size(uint64_t off, unsigned size)
{
	struct vdev_read r = pl011_ops.read(&dev, off, size);

	ck_assert_msg(r.ok, "read of 0x%lx refused", (unsigned long)off);
	ck_assert_int_eq(locks_held, 0);
	return (uint32_t)r.value;
}

static uint32_t rd(uint64_t off)
{
	return rd_size(off, 4);
}

static void wr(uint64_t off, uint32_t val)
{
	ck_assert(pl011_ops.write(&dev, off, 4, val));
	ck_assert_int_eq(locks_held, 0);
}

static void expect_call(unsigned i, bool level)
{
	ck_assert_uint_gt(ncalls, i);
	ck_assert_ptr_eq(calls[i].vm, &vm);
	ck_assert_uint_eq(calls[i].intid, IRQ);
	ck_assert_int_eq(calls[i].level, level);
}

START_TEST(reset_values)
{
	setup();
	ck_assert_uint_eq(rd(UARTCR), 0x300);
	ck_assert_uint_eq(rd(UARTIFLS), 0x12);
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	ck_assert_uint_eq(rd(UARTLCR_H), 0);
	ck_assert_uint_eq(rd(UARTIBRD), 0);
	ck_assert_uint_eq(rd(UARTFBRD), 0);
	ck_assert_uint_eq(rd(UARTILPR), 0);
	ck_assert_uint_eq(rd(UARTIMSC), 0);
	ck_assert_uint_eq(rd(UARTRIS), INT_TX);  /* empty transmit FIFO */
	ck_assert_uint_eq(rd(UARTMIS), 0);
	ck_assert_uint_eq(rd(UARTRSR), 0);
	ck_assert_uint_eq(rd(UARTDMACR), 0);
	ck_assert_uint_eq(rd(UARTDR), 0);  /* empty FIFO reads zero */
	ck_assert_uint_eq(ncalls, 0);
}
END_TEST

START_TEST(id_registers)
{
	uint32_t pid = 0, cid = 0;

	setup();
	for (unsigned i = 0; i < 4; i++) {
		pid |= (rd(0xfe0 + 4 * i) & 0xff) << (8 * i);
		cid |= (rd(0xff0 + 4 * i) & 0xff) << (8 * i);
	}
	/* Linux's amba-pl011 id table: 0x00041011 under mask 0x000fffff. */
	ck_assert_uint_eq(pid & 0x000fffff, 0x00041011);
	ck_assert_uint_eq((pid >> 20) & 0xf, 3);  /* revision 3: 32-byte FIFOs */
	ck_assert_uint_eq(cid, 0xb105f00d);
	ck_assert_uint_eq(rd_size(0xfe0, 2), 0x11);
	ck_assert_uint_eq(rd_size(0xffc, 1), 0xb1);
	wr(0xfe0, 0);  /* read-only */
	ck_assert_uint_eq(rd(0xfe0), 0x11);
}
END_TEST

START_TEST(fifo_fill_and_drain)
{
	setup();
	wr(UARTLCR_H, LCR_H_FEN | 0x60);  /* 8 bits, FIFOs on */
	for (unsigned i = 0; i < PL011_FIFO_DEPTH; i++) {
		ck_assert(pl011_ops.input(&dev, (uint8_t)('a' + i)));
		ck_assert_uint_eq(rd(UARTFR) & (FR_RXFE | FR_TXFF | FR_BUSY), 0);
		ck_assert_uint_eq(rd(UARTFR) & FR_RXFF, i == PL011_FIFO_DEPTH - 1 ? FR_RXFF : 0);
	}
	ck_assert_uint_eq(rd(UARTRSR), 0);
	/* Full FIFO: typed bytes wait on the "wire", in order, no overrun. */
	ck_assert(pl011_ops.input(&dev, 'Z'));
	ck_assert_uint_eq(rd(UARTRSR), 0);
	for (unsigned i = 0; i < PL011_FIFO_DEPTH; i++) {
		ck_assert_uint_eq(rd_size(UARTDR, i & 1 ? 2 : 4), 'a' + i);
		/* Each read lets the next waiting byte in: full until 'Z' is in. */
		ck_assert_uint_eq(rd(UARTFR) & FR_RXFF, i == 0 ? FR_RXFF : 0);
	}
	ck_assert_uint_eq(rd(UARTDR), 'Z');
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	/* FIFO and wire both full: the byte is lost, as an overrun. */
	for (unsigned i = 0; i < PL011_FIFO_DEPTH + PL011_WIRE_SIZE; i++)
		ck_assert(pl011_ops.input(&dev, 'w'));
	ck_assert(!pl011_ops.input(&dev, 'X'));
	ck_assert_uint_eq(rd(UARTRSR), RSR_OE);
	ck_assert_uint_eq(rd(UARTRIS) & INT_OE, INT_OE);
	for (unsigned i = 0; i < PL011_FIFO_DEPTH + PL011_WIRE_SIZE; i++)
		ck_assert_uint_eq(rd(UARTDR), 'w');
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	wr(UARTRSR, 0);  /* UARTECR */
	ck_assert_uint_eq(rd(UARTRSR), 0);
	wr(UARTICR, INT_OE);
	ck_assert_uint_eq(rd(UARTRIS) & INT_OE, 0);
	ck_assert_uint_eq(ncalls, 0);  /* nothing unmasked */
}
END_TEST

START_TEST(fifo_wraps_around)
{
	setup();
	wr(UARTLCR_H, LCR_H_FEN);
	for (unsigned i = 0; i < 3 * PL011_FIFO_DEPTH; i++) {
		ck_assert(pl011_ops.input(&dev, (uint8_t)i));
		ck_assert(pl011_ops.input(&dev, (uint8_t)(i + 100)));
		ck_assert_uint_eq(rd(UARTDR), i);
		ck_assert_uint_eq(rd(UARTDR), i + 100);
	}
	ck_assert_uint_eq(rd(UARTFR) & FR_RXFE, FR_RXFE);
}
END_TEST

START_TEST(fifo_disabled_holds_one)
{
	setup();
	ck_assert(pl011_ops.input(&dev, 'x'));
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFF);
	ck_assert(pl011_ops.input(&dev, 'y'));           /* waits on the wire */
	ck_assert_uint_eq(rd(UARTDR), 'x');
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFF); /* 'y' moved in */
	ck_assert_uint_eq(rd(UARTDR), 'y');
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	/* Turning the FIFOs on or off empties them. */
	ck_assert(pl011_ops.input(&dev, 'z'));
	wr(UARTLCR_H, LCR_H_FEN);
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	ck_assert(pl011_ops.input(&dev, 'z'));
	wr(UARTLCR_H, LCR_H_FEN | 0x60);  /* FEN unchanged: kept */
	ck_assert_uint_eq(rd(UARTDR), 'z');
}
END_TEST

START_TEST(rx_interrupt)
{
	setup();
	wr(UARTLCR_H, LCR_H_FEN);
	wr(UARTIMSC, INT_RX | INT_RT);
	ck_assert_uint_eq(ncalls, 0);
	ck_assert(pl011_ops.input(&dev, '1'));
	expect_call(0, true);
	ck_assert_uint_eq(rd(UARTRIS) & (INT_RX | INT_RT), INT_RX | INT_RT);
	ck_assert_uint_eq(rd(UARTMIS), INT_RX | INT_RT);
	ck_assert(pl011_ops.input(&dev, '2'));
	ck_assert_uint_eq(ncalls, 1);  /* already high: no call */
	wr(UARTICR, INT_RX | INT_RT);  /* data still there: stays set */
	ck_assert_uint_eq(rd(UARTMIS), INT_RX | INT_RT);
	ck_assert_uint_eq(rd(UARTDR), '1');
	ck_assert_uint_eq(ncalls, 1);
	ck_assert_uint_eq(rd(UARTDR), '2');
	expect_call(1, false);
	ck_assert_uint_eq(rd(UARTMIS), 0);
	ck_assert_uint_eq(ncalls, 2);
}
END_TEST

START_TEST(rx_interrupt_unmasked_late)
{
	setup();
	ck_assert(pl011_ops.input(&dev, 'k'));
	ck_assert_uint_eq(ncalls, 0);
	wr(UARTIMSC, INT_RT);
	expect_call(0, true);
	wr(UARTIMSC, 0);
	expect_call(1, false);
}
END_TEST

START_TEST(tx_interrupt_and_output)
{
	setup();
	wr(UARTIMSC, INT_TX);  /* TXRIS is set out of reset */
	expect_call(0, true);
	ck_assert_uint_eq(rd(UARTMIS), INT_TX);
	wr(UARTDR, 'h');
	ck_assert(pl011_ops.write(&dev, UARTDR, 1, 'i'));
	ck_assert_uint_eq(ncalls, 1);
	ck_assert_uint_eq(nout, 2);
	ck_assert(memcmp(out, "hi", 2) == 0);
	ck_assert_uint_eq(rd(UARTFR) & (FR_TXFE | FR_TXFF | FR_BUSY), FR_TXFE);
	wr(UARTIMSC, INT_RX);  /* Linux masks TX when it has nothing to send */
	expect_call(1, false);
	wr(UARTICR, INT_TX);
	ck_assert_uint_eq(rd(UARTRIS) & INT_TX, 0);
	wr(UARTIMSC, INT_TX);
	ck_assert_uint_eq(ncalls, 2);  /* cleared: stays low ... */
	wr(UARTDR, '!');
	expect_call(2, true);  /* ... until the FIFO drains again */
	ck_assert_uint_eq(ncalls, 3);
}
END_TEST

START_TEST(no_irq_no_calls)
{
	cfg.irq = 0;
	setup();
	wr(UARTIMSC, INT_ALL);
	ck_assert(pl011_ops.input(&dev, 'q'));
	ck_assert_uint_eq(rd(UARTMIS), INT_TX | INT_RX | INT_RT);
	ck_assert_uint_eq(ncalls, 0);
}
END_TEST

START_TEST(register_widths)
{
	setup();
	wr(UARTIBRD, 0x12345);
	ck_assert_uint_eq(rd(UARTIBRD), 0x2345);
	wr(UARTFBRD, 0xff);
	ck_assert_uint_eq(rd(UARTFBRD), 0x3f);
	wr(UARTILPR, 0x1ff);
	ck_assert_uint_eq(rd(UARTILPR), 0xff);
	wr(UARTLCR_H, 0x1ff);
	ck_assert_uint_eq(rd(UARTLCR_H), 0xff);
	wr(UARTCR, 0x1ffff);
	ck_assert_uint_eq(rd(UARTCR), 0xffff);
	wr(UARTCR, 0x301);
	wr(UARTIFLS, 0xff);
	ck_assert_uint_eq(rd(UARTIFLS), 0x3f);
	wr(UARTIMSC, 0xffff);
	ck_assert_uint_eq(rd(UARTIMSC), 0x7ff);
	wr(UARTIMSC, 0);
	wr(UARTDMACR, 0xff);
	ck_assert_uint_eq(rd(UARTDMACR), 0x7);
	/* Read-only registers ignore writes. */
	wr(UARTFR, 0);
	wr(UARTRIS, 0);
	wr(UARTMIS, 0xffff);
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	ck_assert_uint_eq(rd(UARTRIS), INT_TX);
}
END_TEST

START_TEST(access_sizes)
{
	setup();
	/* 16- and 8-bit accesses at aligned offsets (Linux's readw/writew). */
	ck_assert(pl011_ops.write(&dev, UARTCR, 2, 0x0301));
	ck_assert_uint_eq(rd_size(UARTCR, 2), 0x0301);
	ck_assert_uint_eq(rd_size(UARTFR, 1), FR_TXFE | FR_RXFE);
	/* Holes read as zero and ignore writes. */
	ck_assert_uint_eq(rd(0x04c), 0);
	ck_assert_uint_eq(rd(0x100), 0);
	ck_assert_uint_eq(rd(0xfdc), 0);
	ck_assert(pl011_ops.write(&dev, 0x100, 4, 0xffffffff));
	ck_assert(pl011_ops.write(&dev, 0x800, 1, 0xff));
	/* 8-byte and misaligned accesses are refused. */
	ck_assert(!pl011_ops.read(&dev, UARTFR, 8).ok);
	ck_assert(!pl011_ops.read(&dev, 0x01a, 2).ok);
	ck_assert(!pl011_ops.read(&dev, 0x001, 1).ok);
	ck_assert(!pl011_ops.write(&dev, UARTDR, 8, 'x'));
	ck_assert(!pl011_ops.write(&dev, 0x032, 2, 0));
	ck_assert_uint_eq(nout, 0);
	ck_assert_uint_eq(rd(UARTCR), 0x0301);
	ck_assert_int_eq(locks_held, 0);
}
END_TEST

START_TEST(loopback)
{
	setup();
	wr(UARTCR, CR_LBE | CR_TXE | CR_RXE | 1);
	wr(UARTIMSC, INT_RX);
	wr(UARTDR, 'L');
	ck_assert_uint_eq(nout, 0);  /* not transmitted */
	expect_call(0, true);
	ck_assert(!pl011_ops.input(&dev, 'c'));  /* receive pin disconnected */
	ck_assert_uint_eq(rd(UARTRSR), 0);
	ck_assert_uint_eq(rd(UARTDR), 'L');
	expect_call(1, false);
	wr(UARTCR, CR_TXE | CR_RXE | 1);
	wr(UARTDR, 'T');
	ck_assert_uint_eq(nout, 1);
}
END_TEST

START_TEST(reset_restores_power_on)
{
	setup();
	wr(UARTLCR_H, LCR_H_FEN | 0x70);
	wr(UARTIBRD, 13);
	wr(UARTCR, 0x0b01);
	wr(UARTIMSC, INT_RX | INT_RT);
	wr(UARTDMACR, 1);
	ck_assert(pl011_ops.input(&dev, 'a'));
	ck_assert(pl011_ops.input(&dev, 'b'));
	expect_call(0, true);
	wr(UARTICR, INT_TX);
	pl011_ops.reset(&dev);  /* the VM's vGIC is reset with it: no call */
	ck_assert_uint_eq(ncalls, 1);
	ck_assert_uint_eq(rd(UARTFR), FR_TXFE | FR_RXFE);
	ck_assert_uint_eq(rd(UARTCR), 0x300);
	ck_assert_uint_eq(rd(UARTLCR_H), 0);
	ck_assert_uint_eq(rd(UARTIBRD), 0);
	ck_assert_uint_eq(rd(UARTIMSC), 0);
	ck_assert_uint_eq(rd(UARTDMACR), 0);
	ck_assert_uint_eq(rd(UARTRIS), INT_TX);
	ck_assert_uint_eq(rd(UARTDR), 0);
	/* The model knows its line is low: raising it again is passed on. */
	ck_assert(pl011_ops.input(&dev, 'c'));
	ck_assert_uint_eq(ncalls, 1);
	wr(UARTIMSC, INT_RX);
	expect_call(1, true);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("vpl011");

	HOST_TEST(s, reset_values);
	HOST_TEST(s, id_registers);
	HOST_TEST(s, fifo_fill_and_drain);
	HOST_TEST(s, fifo_wraps_around);
	HOST_TEST(s, fifo_disabled_holds_one);
	HOST_TEST(s, rx_interrupt);
	HOST_TEST(s, rx_interrupt_unmasked_late);
	HOST_TEST(s, tx_interrupt_and_output);
	HOST_TEST(s, no_irq_no_calls);
	HOST_TEST(s, register_widths);
	HOST_TEST(s, access_sizes);
	HOST_TEST(s, loopback);
	HOST_TEST(s, reset_restores_power_on);
}
