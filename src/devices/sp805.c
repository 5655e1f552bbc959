/*
 * "arm,sp805": a virtual ARM PrimeCell Watchdog Module (SP805), as the
 * Technical Reference Manual (ARM DDI 0270B) describes it, for guests'
 * own drivers (Linux's sp805_wdt).
 *
 * The counter runs at SP805_HZ while WdogControl.INTEN is set, from
 * WdogLoad down to zero (load + 1 ticks). At zero it raises the interrupt
 * (WdogRIS) and starts again from WdogLoad; if it reaches zero again with
 * the interrupt still raised and RESEN set, the reset output fires: numbat
 * applies the VM's restart policy (vm_stop with VM_WHY_WATCHDOG). Writing
 * WdogLoad or WdogIntClr restarts the count (TRM 3.3.1, 3.3.4); writing
 * 0x1ACCE551 to WdogLock allows writes to the other registers, any other
 * value forbids them (3.3.7). The integration test registers drive the
 * outputs from WdogITOP while WdogITCR is set (4.2).
 *
 * Nothing ticks: the counter is computed from the generic counter, and
 * the next expiry is a device timer of the VM (vm_dev_timer_set), which
 * the scheduler of the VM's vCPU 0's pCPU serves even while the guest
 * hangs with its interrupts masked. Locks: `lock` (registers) is a leaf;
 * `irq_lock` (the level given to the vGIC) is taken before it and before
 * the vGIC's; neither is taken by reset, which runs while the VM is not
 * running.
 */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/spinlock.h"
#include "core/vgic.h"
#include "core/vm.h"
#include "devices/vdev.h"

#define SP805_HZ          24000000ull   /* its clock in the guest's device tree */

#define WDT_LOAD          0x000
#define WDT_VALUE         0x004
#define WDT_CONTROL       0x008
#define WDT_INTCLR        0x00c
#define WDT_RIS           0x010
#define WDT_MIS           0x014
#define WDT_LOCK          0xc00
#define WDT_ITCR          0xf00
#define WDT_ITOP          0xf04
#define WDT_ID_BASE       0xfe0         /* PeriphID0-3, then PCellID0-3 */

#define CTRL_INTEN        (1u << 0)
#define CTRL_RESEN        (1u << 1)
#define ITOP_WDOGRES      (1u << 0)
#define ITOP_WDOGINT      (1u << 1)
#define LOCK_KEY          0x1acce551u
#define NEVER             UINT64_MAX

/* PrimeCell identification: part 0x805, designer ARM (0x41), revision 1. */
static const uint8_t sp805_ids[8] = { 0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct sp805 {
	spinlock_t irq_lock;     /* taken before lock; orders level changes */
	bool irq_level;          /* protected by irq_lock: what the vGIC has */
	spinlock_t lock;         /* protects everything below */
	uint32_t load, ctrl, itcr, itop;
	bool ris, locked;
	uint32_t held;           /* WdogValue while the counter is stopped */
	uint64_t period;         /* counter ticks from load to zero */
	uint64_t zero_at;        /* counter value at the next zero, while counting */
};

_Static_assert(sizeof(struct sp805) <= VDEV_STATE_SIZE, "sp805 state must fit");

static struct sp805 *sp805_of(struct vdev *dev)
{
	return (struct sp805 *)(void *)dev->state;
}

static uint64_t wd_to_ticks(uint64_t wd)
{
	return wd * read_cntfrq_el0() / SP805_HZ;
}

static void set_load(struct sp805 *s, uint32_t load)
{
	s->load = load;
	s->period = wd_to_ticks((uint64_t)load + 1);
	if (!s->period)
		s->period = 1;
}

static uint32_t value_now(const struct sp805 *s, uint64_t now)
{
	if (!(s->ctrl & CTRL_INTEN))
		return s->held;
	if (s->zero_at <= now)
		return 0;
	return (uint32_t)((s->zero_at - now) * SP805_HZ / read_cntfrq_el0());
}

/*
 * Brings the counter to `now`: each zero reached raises the interrupt and
 * reloads; a zero reached with it still raised and RESEN set is the reset
 * (returns true, and the counter stops). Caller holds s->lock.
 */
static bool advance(struct sp805 *s, uint64_t now)
{
	if (!(s->ctrl & CTRL_INTEN) || s->zero_at > now)
		return false;
	if (s->ris && (s->ctrl & CTRL_RESEN)) {
		s->ctrl = 0;
		s->held = 0;
		return true;
	}
	s->ris = true;
	s->zero_at += s->period;
	if (s->zero_at <= now) {
		if (s->ctrl & CTRL_RESEN) {
			s->ctrl = 0;
			s->held = 0;
			return true;
		}
		/* No reset output: skip the zeros that only raise it again. */
		s->zero_at += ((now - s->zero_at) / s->period + 1) * s->period;
	}
	return false;
}

/* The interrupt output: MIS, or WdogITOP's in integration test mode. */
static bool level_of(const struct sp805 *s)
{
	if (s->itcr & 1)
		return (s->itop & ITOP_WDOGINT) != 0;
	return s->ris && (s->ctrl & CTRL_INTEN);
}

/* Tells the vGIC and the VM's device timer what the registers now say. */
static void sp805_sync(struct vdev *dev)
{
	struct sp805 *s = sp805_of(dev);
	bool level;

	spin_lock(&s->irq_lock);
	spin_lock(&s->lock);
	level = level_of(s);
	/*
	 * Only a zero that changes something needs the timer: the first one
	 * (the interrupt), or the second with RESEN (the reset). With the
	 * interrupt raised and no reset output, later zeros are caught up by
	 * advance() on the next access, so a guest that loads 0 cannot make
	 * the timer fire every few nanoseconds on a shared pCPU.
	 */
	vm_dev_timer_set(dev->vm, (s->ctrl & CTRL_INTEN) && (!s->ris || (s->ctrl & CTRL_RESEN))
				  ? s->zero_at : NEVER);
	spin_unlock(&s->lock);
	if (level != s->irq_level && dev->cfg->irq) {
		s->irq_level = level;
		vgic_set_level(dev->vm, dev->cfg->irq, level);
	}
	spin_unlock(&s->irq_lock);
}

static void sp805_expired(struct vdev *dev)
{
	vm_stop(dev->vm, VM_WHY_WATCHDOG, "reset by its watchdog (SP805)");
}

static struct vdev_read sp805_read(struct vdev *dev, uint64_t off, unsigned size)
{
	struct sp805 *s = sp805_of(dev);
	struct vdev_read r = { 0, true };
	uint64_t now = arch_now();
	bool reset;

	if (size != 4 || (off & 3))
		return (struct vdev_read){ 0, false };
	spin_lock(&s->lock);
	reset = advance(s, now);
	switch (off) {
	case WDT_LOAD: r.value = s->load; break;
	case WDT_VALUE: r.value = value_now(s, now); break;
	case WDT_CONTROL: r.value = s->ctrl; break;
	case WDT_RIS: r.value = s->ris; break;
	case WDT_MIS: r.value = s->ris && (s->ctrl & CTRL_INTEN); break;
	case WDT_LOCK: r.value = s->locked; break;
	case WDT_ITCR: r.value = s->itcr; break;
	default:
		if (off >= WDT_ID_BASE && off < WDT_ID_BASE + 4 * sizeof(sp805_ids))
			r.value = sp805_ids[(off - WDT_ID_BASE) / 4];
		break; /* reserved and write-only registers read as zero */
	}
	spin_unlock(&s->lock);
	sp805_sync(dev);
	if (reset)
		sp805_expired(dev);
	return r;
}

/* One register write, on unlocked registers. Returns true for a reset. */
static bool write_reg(struct sp805 *s, uint64_t off, uint32_t val, uint64_t now)
{
	switch (off) {
	case WDT_LOAD:
		set_load(s, val);
		s->zero_at = now + s->period;
		break;
	case WDT_CONTROL:
		if (!(s->ctrl & CTRL_INTEN) && (val & CTRL_INTEN))
			s->zero_at = now + s->period;  /* enabling reloads */
		else if ((s->ctrl & CTRL_INTEN) && !(val & CTRL_INTEN))
			s->held = value_now(s, now);
		s->ctrl = val & (CTRL_INTEN | CTRL_RESEN);
		break;
	case WDT_INTCLR:
		s->ris = false;
		s->zero_at = now + s->period;
		break;
	case WDT_ITCR:
		s->itcr = val & 1;
		break;
	case WDT_ITOP:
		s->itop = val & (ITOP_WDOGINT | ITOP_WDOGRES);
		return (s->itcr & 1) && (val & ITOP_WDOGRES);
	default:
		break; /* read-only and reserved: ignored */
	}
	return false;
}

static bool sp805_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct sp805 *s = sp805_of(dev);
	uint64_t now = arch_now();
	bool reset;

	if (size != 4 || (off & 3))
		return false;
	spin_lock(&s->lock);
	reset = advance(s, now);
	if (off == WDT_LOCK)
		s->locked = (uint32_t)val != LOCK_KEY;
	else if (!s->locked && !reset)
		reset = write_reg(s, off, (uint32_t)val, now);
	spin_unlock(&s->lock);
	sp805_sync(dev);
	if (reset)
		sp805_expired(dev);
	return true;
}

/* The VM's device timer: a zero may have been reached. vCPU 0's pCPU. */
static void sp805_timer(struct vdev *dev, uint64_t now)
{
	struct sp805 *s = sp805_of(dev);
	bool reset;

	spin_lock(&s->lock);
	reset = advance(s, now);
	spin_unlock(&s->lock);
	sp805_sync(dev);
	if (reset)
		sp805_expired(dev);
}

/* Reset values (TRM 3.3): load and value all ones, stopped, unlocked. */
static void sp805_reset(struct vdev *dev)
{
	struct sp805 *s = sp805_of(dev);

	s->ctrl = s->itcr = s->itop = 0;
	s->ris = s->locked = false;
	s->irq_level = false;
	set_load(s, 0xffffffffu);
	s->held = 0xffffffffu;
	s->zero_at = NEVER;
	vm_dev_timer_set(dev->vm, NEVER);
}

const struct vdev_ops sp805_ops = {
	.compatible = "arm,sp805",
	.read = sp805_read,
	.write = sp805_write,
	.reset = sp805_reset,
	.timer = sp805_timer,
};
