/*
 * "arm,pl011": a virtual PrimeCell UART (Arm DDI 0183, PL011 r1p5) on
 * numbat's console. Enough of the device for unmodified Linux
 * (drivers/tty/serial/amba-pl011.c) and for polled drivers:
 *
 * - Transmit: every byte written to UARTDR goes to the console at once
 *   (console_vm_write), so the transmit FIFO is always empty: FR.TXFE set,
 *   TXFF and BUSY clear. The transmit interrupt is raised when the FIFO is
 *   at or below its trigger level (always, here); UARTICR.TXIC clears it
 *   until the next write to UARTDR, as on the real device (TRM 3.4.4).
 * - Receive: a 32-byte FIFO (1 byte while LCR_H.FEN is clear) fed by the
 *   console (pl011_input). RXRIS and RTRIS are set while it holds data, the
 *   simplest model that works with drivers that use either; a byte that
 *   finds it full is dropped and sets the overrun flag (RSR.OE, RIS.OE).
 * - Loopback (CR.LBE): transmitted bytes enter the receive FIFO instead,
 *   and console input is ignored.
 * - The enable bits (CR.UARTEN/TXE/RXE), baud rate, line control and DMA
 *   control registers are stored and read back but change nothing.
 * - The interrupt line is (RIS & IMSC) != 0; every change is passed to the
 *   vGIC (vgic_set_level) unless the description gives the device no irq.
 *
 * Accesses: 1, 2 or 4 bytes at a 4-byte aligned offset; a narrower write
 * writes the register with the value zero-extended (the APB has no byte
 * strobes). Reads of offsets that hold no register return zero, writes
 * to them are ignored; 8-byte or misaligned accesses are refused.
 *
 * Locks: `lock` (registers, FIFO, the line's level), taken by the VM's
 * vCPUs (MMIO traps), the console's input path on any pCPU, and reset
 * (under vm->lock). `irq_lock` serializes passing the level on to the
 * vGIC, which may take vm->lock: it is never held with `lock`, so the
 * order is irq_lock, then the vGIC's locks and vm->lock; and vm->lock,
 * then lock. Console output is written with neither held.
 */
#include "core/console.h"
#include "core/spinlock.h"
#include "core/vgic.h"
#include "devices/vdev.h"

#define BIT(n) (1u << (n))

/* Register offsets (TRM 3.2, table 3-1). */
#define UARTDR        0x000
#define UARTRSR       0x004   /* UARTECR on writes */
#define UARTFR        0x018
#define UARTILPR      0x020
#define UARTIBRD      0x024
#define UARTFBRD      0x028
#define UARTLCR_H     0x02c
#define UARTCR        0x030
#define UARTIFLS      0x034
#define UARTIMSC      0x038
#define UARTRIS       0x03c
#define UARTMIS       0x040
#define UARTICR       0x044
#define UARTDMACR     0x048
#define UART_ID_BASE  0xfe0   /* UARTPeriphID0-3, UARTPCellID0-3 */
#define UART_ID_END   0x1000

/* UARTRSR/UARTECR (TRM 3.3.2). */
#define RSR_OE        BIT(3)
/* UARTFR (TRM 3.3.3). */
#define FR_BUSY       BIT(3)
#define FR_RXFE       BIT(4)
#define FR_TXFF       BIT(5)
#define FR_RXFF       BIT(6)
#define FR_TXFE       BIT(7)
/* UARTLCR_H (TRM 3.3.7). */
#define LCR_H_FEN     BIT(4)
/* UARTCR (TRM 3.3.8). */
#define CR_LBE        BIT(7)
#define CR_TXE        BIT(8)
#define CR_RXE        BIT(9)
/* UARTIMSC, UARTRIS, UARTMIS, UARTICR bits (TRM 3.3.10-3.3.13). */
#define INT_RX        BIT(4)
#define INT_TX        BIT(5)
#define INT_RT        BIT(6)
#define INT_OE        BIT(10)
#define INT_ALL       0x7ffu

/* Register widths and reset values (TRM table 3-1). */
#define ILPR_MASK     0xffu
#define IBRD_MASK     0xffffu
#define FBRD_MASK     0x3fu
#define LCR_H_MASK    0xffu
#define CR_MASK       0xffffu
#define IFLS_MASK     0x3fu
#define DMACR_MASK    0x7u
#define CR_RESET      (CR_RXE | CR_TXE)
#define IFLS_RESET    0x12u   /* both FIFOs: interrupt at half full */

#define PL011_FIFO_DEPTH 32
/*
 * Typed bytes arrive all at once, where a real line delivers one every
 * 87 us at 115200 baud: they wait in this "wire" until the FIFO has room.
 */
#define PL011_WIRE_SIZE  512

_Static_assert((CR_RESET & ~CR_MASK) == 0 && (IFLS_RESET & ~IFLS_MASK) == 0,
	       "reset values fit their registers");
_Static_assert((INT_RX | INT_TX | INT_RT | INT_OE) <= INT_ALL, "interrupt bits are 0-10");

/*
 * PeriphID0-3 then PCellID0-3, one byte per register. Part number 0x011,
 * designer 0x41 (Arm), revision 3 (r1p5, the revision with a 32-byte FIFO;
 * Linux sizes its FIFO from it). Linux matches 0x00041011 under mask
 * 0x000fffff; the cell ID is 0xb105f00d.
 */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl011 {
	spinlock_t lock;
	spinlock_t irq_lock;           /* held while calling vgic_set_level */
	uint8_t rx[PL011_FIFO_DEPTH];  /* receive FIFO; protected by lock, as is the rest */
	uint8_t rx_head, rx_count;
	uint8_t wire[PL011_WIRE_SIZE]; /* console input not yet in the FIFO */
	uint16_t wire_head, wire_count;
	uint8_t rsr, ilpr, fbrd, lcr_h, ifls, dmacr;
	uint16_t ibrd, cr, imsc;
	uint16_t ris_latched;          /* INT_TX, INT_OE; RX and RT come from the FIFO */
	bool level;                    /* (RIS & IMSC) != 0; written under lock */
};

_Static_assert(sizeof(struct pl011) <= VDEV_STATE_SIZE, "pl011 state fits in struct vdev");
_Static_assert(PL011_FIFO_DEPTH <= 255, "FIFO indices are bytes");

static struct pl011 *pl011_of(struct vdev *dev)
{
	return (struct pl011 *)dev->state;
}

static unsigned rx_depth(const struct pl011 *u)
{
	return (u->lcr_h & LCR_H_FEN) ? PL011_FIFO_DEPTH : 1;
}

static uint32_t raw_status(const struct pl011 *u)
{
	return u->ris_latched | (u->rx_count ? INT_RX | INT_RT : 0);
}

/*
 * Recomputes the interrupt line; returns true if it changed (the caller
 * then calls sync_irq once it has dropped the lock). Caller holds u->lock.
 */
static bool update_irq(struct pl011 *u)
{
	bool level = (raw_status(u) & u->imsc) != 0;

	if (level == u->level)
		return false;
	__atomic_store_n(&u->level, level, __ATOMIC_RELAXED);
	return true;
}

/*
 * Passes the line's current level to the vGIC. Callers are serialized
 * and each reads the level anew, so the last one passes the latest.
 * Caller holds neither lock.
 */
static void sync_irq(struct vdev *dev, struct pl011 *u)
{
	if (!dev->cfg->irq)
		return;
	spin_lock(&u->irq_lock);
	vgic_set_level(dev->vm, dev->cfg->irq, __atomic_load_n(&u->level, __ATOMIC_RELAXED));
	spin_unlock(&u->irq_lock);
}

/* Adds a byte to the receive FIFO; on overrun drops it. Caller holds u->lock. */
static bool rx_push(struct pl011 *u, uint8_t c)
{
	if (u->rx_count >= rx_depth(u)) {
		u->rsr |= RSR_OE;
		u->ris_latched |= INT_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % PL011_FIFO_DEPTH] = c;
	u->rx_count++;
	return true;
}

/* Takes the oldest byte from the receive FIFO (0 if empty). Caller holds u->lock. */
static uint8_t rx_pop(struct pl011 *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % PL011_FIFO_DEPTH);
	u->rx_count--;
	if (u->wire_count) {                 /* the next byte off the wire */
		rx_push(u, u->wire[u->wire_head]);
		u->wire_head = (uint16_t)((u->wire_head + 1) % PL011_WIRE_SIZE);
		u->wire_count--;
	}
	return c;
}

/*
 * Queues console input behind a full FIFO; if the wire is full too the
 * byte is lost as on an overrun. Caller holds u->lock.
 */
static bool wire_push(struct pl011 *u, uint8_t c)
{
	if (u->wire_count == PL011_WIRE_SIZE) {
		u->rsr |= RSR_OE;
		u->ris_latched |= INT_OE;
		return false;
	}
	u->wire[(u->wire_head + u->wire_count) % PL011_WIRE_SIZE] = c;
	u->wire_count++;
	return true;
}

static uint32_t read_flags(const struct pl011 *u)
{
	uint32_t fr = FR_TXFE;

	if (!u->rx_count)
		fr |= FR_RXFE;
	if (u->rx_count >= rx_depth(u))
		fr |= FR_RXFF;
	return fr;
}

/*
 * The value of the register at `off` (4-byte aligned). Caller holds
 * u->lock for UARTDR, the one read with a side effect.
 */
static uint32_t read_reg(struct pl011 *u, uint64_t off)
{
	switch (off) {
	case UARTDR:    return rx_pop(u);
	case UARTRSR:   return u->rsr;
	case UARTFR:    return read_flags(u);
	case UARTILPR:  return u->ilpr;
	case UARTIBRD:  return u->ibrd;
	case UARTFBRD:  return u->fbrd;
	case UARTLCR_H: return u->lcr_h;
	case UARTCR:    return u->cr;
	case UARTIFLS:  return u->ifls;
	case UARTIMSC:  return u->imsc;
	case UARTRIS:   return raw_status(u);
	case UARTMIS:   return raw_status(u) & u->imsc;
	case UARTDMACR: return u->dmacr;
	default:
		if (off >= UART_ID_BASE && off < UART_ID_END)
			return pl011_id[(off - UART_ID_BASE) / 4];
		return 0;
	}
}

/* A read of UARTDR: pops the receive FIFO, which may lower the line. */
static __attribute__((noinline)) struct vdev_read pl011_read_dr(struct vdev *dev)
{
	struct pl011 *u = pl011_of(dev);
	struct vdev_read r = { 0, true };
	bool changed;

	spin_lock(&u->lock);
	r.value = read_reg(u, UARTDR);
	changed = update_irq(u);
	spin_unlock(&u->lock);
	if (changed)
		sync_irq(dev, u);
	return r;
}

static struct vdev_read pl011_read(struct vdev *dev, uint64_t off, unsigned size)
{
	if (size > 4 || (off & 3))
		return (struct vdev_read){ 0, false };
	/*
	 * Only UARTDR's read changes anything (it pops the FIFO). The others
	 * take no lock, like the vGIC's reads: each field is loaded once and
	 * a read racing console input sees its old or its new value.
	 */
	if (off == UARTDR)
		return pl011_read_dr(dev);
	return (struct vdev_read){ read_reg(pl011_of(dev), off), true };
}

/* Writes a control register (not UARTDR). Caller holds u->lock. */
static void write_reg(struct pl011 *u, uint64_t off, uint32_t val)
{
	switch (off) {
	case UARTRSR:   u->rsr = 0; break;  /* UARTECR: any write clears */
	case UARTILPR:  u->ilpr = (uint8_t)(val & ILPR_MASK); break;
	case UARTIBRD:  u->ibrd = (uint16_t)(val & IBRD_MASK); break;
	case UARTFBRD:  u->fbrd = (uint8_t)(val & FBRD_MASK); break;
	case UARTLCR_H:
		if ((u->lcr_h ^ val) & LCR_H_FEN)
			u->rx_count = 0;  /* FIFO mode changes: start empty */
		u->lcr_h = (uint8_t)(val & LCR_H_MASK);
		break;
	case UARTCR:    u->cr = (uint16_t)(val & CR_MASK); break;
	case UARTIFLS:  u->ifls = (uint8_t)(val & IFLS_MASK); break;
	case UARTIMSC:  u->imsc = (uint16_t)(val & INT_ALL); break;
	case UARTICR:   u->ris_latched &= (uint16_t)~val; break;
	case UARTDMACR: u->dmacr = (uint8_t)(val & DMACR_MASK); break;
	default:        break;  /* FR, RIS, MIS, IDs, holes: read-only or nothing */
	}
}

static bool pl011_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct pl011 *u = pl011_of(dev);
	char c = (char)(val & 0xff);
	bool to_console = false, changed;

	if (size > 4 || (off & 3))
		return false;
	spin_lock(&u->lock);
	if (off == UARTDR) {
		if (u->cr & CR_LBE)
			rx_push(u, (uint8_t)c);
		else
			to_console = true;
		u->ris_latched |= INT_TX;  /* the FIFO drains below its trigger at once */
	} else {
		write_reg(u, off, (uint32_t)val);
	}
	changed = update_irq(u);
	spin_unlock(&u->lock);
	if (changed)
		sync_irq(dev, u);
	if (to_console)
		console_vm_write(dev->vm, &c, 1);
	return true;
}

/* A byte from numbat's console for the receiver. */
static bool pl011_input(struct vdev *dev, uint8_t c)
{
	struct pl011 *u = pl011_of(dev);
	bool ok = false, changed = false;

	spin_lock(&u->lock);
	if (!(u->cr & CR_LBE)) {  /* in loopback the receive pin is disconnected */
		ok = (!u->wire_count && u->rx_count < rx_depth(u)) ? rx_push(u, c) :
		     wire_push(u, c);
		changed = update_irq(u);
	}
	spin_unlock(&u->lock);
	if (changed)
		sync_irq(dev, u);
	return ok;
}

/*
 * Power-on state (TRM table 3-1), the line low. Called under vm->lock by
 * the VM's (re)start, which resets the vGIC's lines itself afterwards:
 * passing the level on from here would take vm->lock again.
 */
static void pl011_reset(struct vdev *dev)
{
	struct pl011 *u = pl011_of(dev);

	spin_lock(&u->lock);
	u->rx_head = 0;
	u->rx_count = 0;
	u->wire_head = 0;
	u->wire_count = 0;
	u->rsr = 0;
	u->ilpr = 0;
	u->ibrd = 0;
	u->fbrd = 0;
	u->lcr_h = 0;
	u->cr = CR_RESET;
	u->ifls = IFLS_RESET;
	u->imsc = 0;
	u->dmacr = 0;
	u->ris_latched = INT_TX;  /* empty transmit FIFO: at its trigger level */
	__atomic_store_n(&u->level, false, __ATOMIC_RELAXED);
	spin_unlock(&u->lock);
}

const struct vdev_ops pl011_ops = {
	.compatible = "arm,pl011",
	.read = pl011_read,
	.write = pl011_write,
	.reset = pl011_reset,
	.input = pl011_input,
};
