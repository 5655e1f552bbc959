/*
 * Host tests of the vGIC model (src/core/vgic.c) end to end, and of the
 * distributor/redistributor register emulation (src/devices/vgic_regs.c),
 * for a VM of two vCPUs on pCPUs 0 and 1.
 *
 * The sources are compiled into this file after a host stand-in for
 * core/spinlock.h (its AArch64 hints do not assemble here); host.mk sets
 * NUMBAT_HOST_TEST so that pcpu_this() is the function below. The list
 * registers are a fake backend: four per pCPU, in memory, which the tests
 * drive as the guest would (acknowledge: pending -> active; EOI: active
 * -> invalid, deactivating the physical interrupt of a HW entry), with
 * the maintenance interrupt computed from them as the GIC does
 * (IHI 0069 12.4.2: underflow with at most one valid entry, or an EOI of
 * an entry with the EOI bit).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"

/* A lock that fails the test if taken twice or released unheld. */
#include "fake_spinlock.h"

#include "core/vgic_lr.c"
#include "core/vgic.c"
#include "devices/vgic_regs.c"

/* ---- The VM, the pCPUs and the fakes the sources call ----------------- */

#define NR_LR  4
#define NR_CPU 2

static struct vm_config tcfg;
static struct vm tvm;
static struct pcpu tpcpu[NR_CPU];
static unsigned cur;                 /* the pCPU the test is running on */

static unsigned kicks[NR_CPU], wakes[NR_CPU], resets[NR_CPU];
static struct { uint64_t ipa, pa, size; uint32_t flags; unsigned calls; } s2map;

struct pcpu *pcpu_this(void)
{
	return &tpcpu[cur];
}

void arch_kick(const struct pcpu *target)
{
	ck_assert_int_eq(tvm.vgic.lock.held, 0);
	ck_assert(target >= tpcpu && target < tpcpu + NR_CPU);
	kicks[target - tpcpu]++;
}

/* A flush-only kick counts as a kick: the owner will look at its model. */
void arch_kick_vgic(const struct pcpu *target)
{
	arch_kick(target);
}

bool sched_wake_locked(struct vcpu *v)
{
	ck_assert_int_eq(tvm.lock.held, 1);        /* as its name says */
	ck_assert_int_eq(tvm.vgic.lock.held, 0);   /* lock order: vm, then dist */
	wakes[v->index]++;
	return false;    /* the fake changes no state: the kick still counts */
}

/* The vtimer's output per vCPU, as arch_vtimer_line reports it. */
static enum arch_line vtimer_line[NR_CPU];
static unsigned vtimer_released[NR_CPU];

enum arch_line arch_vtimer_line(const struct vcpu *v)
{
	return vtimer_line[v->index];
}

void arch_vtimer_release(struct vcpu *v)
{
	vtimer_released[v->index]++;
}

/* Whether WFI traps on the (single) fake pCPU that flushed last. */
static int wfx_trapping = -1;

void arch_wfx_trap(bool trap)
{
	wfx_trapping = trap;
}

int arch_stage2_map(struct arch_stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
		    uint32_t region_flags)
{
	ck_assert_ptr_eq(s2, &tvm.s2);
	s2map.ipa = ipa;
	s2map.pa = pa;
	s2map.size = size;
	s2map.flags = region_flags;
	s2map.calls++;
	return 0;
}

/* ---- The fake list registers ------------------------------------------ */

static struct vgic_lr hw_lr[NR_CPU][NR_LR];
static bool hw_underflow[NR_CPU];
static uint32_t hw_eisr[NR_CPU];      /* entries EOIed with the EOI bit set */
static unsigned hw_deactivated[NR_CPU], hw_last_pintid[NR_CPU], maint_irqs[NR_CPU];

static bool lr_valid(const struct vgic_lr *lr)
{
	return lr->pending || lr->active;
}

static void fake_read_lr(unsigned i, struct vgic_lr *lr)
{
	ck_assert_uint_lt(i, NR_LR);
	*lr = hw_lr[cur][i];
}

/* An invalid entry reads back as zeros, as the hardware's would. */
static void fake_write_lr(unsigned i, const struct vgic_lr *lr)
{
	ck_assert_uint_lt(i, NR_LR);
	ck_assert_int_eq(tvm.vgic.lock.held, 1);
	if (lr->intid == VGIC_LR_FREE || !lr_valid(lr))
		hw_lr[cur][i] = (struct vgic_lr){ 0 };
	else
		hw_lr[cur][i] = *lr;
}

static void fake_set_underflow(bool on)
{
	hw_underflow[cur] = on;
}

static void fake_ack_maintenance(void)
{
	hw_underflow[cur] = false;
	for (unsigned i = 0; i < NR_LR; i++)
		if (hw_eisr[cur] & (1u << i))
			hw_lr[cur][i] = (struct vgic_lr){ 0 };
	hw_eisr[cur] = 0;
}

static void fake_reset_cpu(struct vgic_cpu *c)
{
	unsigned v = 0;

	while (v < NR_CPU && c != &tvm.vcpus[v].vgic)
		v++;
	ck_assert_uint_lt(v, NR_CPU);
	resets[v]++;
	/* Reset happens with the vCPU put away: it comes back with empty LRs. */
	memset(hw_lr[v], 0, sizeof(hw_lr[v]));
	hw_eisr[v] = 0;
}

static void fake_save(struct vgic_cpu *c) {}
static void fake_restore(const struct vgic_cpu *c) {}

/* The hardware's empty-list-register status (ICH_ELRSR_EL2 / GICH_ELRSR). */
static uint32_t fake_empty_lrs(void)
{
	uint32_t e = 0;

	for (unsigned i = 0; i < NR_LR; i++)
		if (!lr_valid(&hw_lr[cur][i]))
			e |= 1u << i;
	return e;
}

static void fake_write_lr_hw(unsigned i, unsigned intid, uint8_t priority)
{
	struct vgic_lr lr = { .intid = (uint16_t)intid, .pintid = (uint16_t)intid,
			      .priority = priority, .pending = true, .hw = true };

	fake_write_lr(i, &lr);
}

static const struct vgic_hw fake_v3 = {
	.version = 3, .nr_lr = NR_LR, .sgi_sources = false,
	.read_lr = fake_read_lr, .write_lr = fake_write_lr,
	.write_lr_hw = fake_write_lr_hw, .empty_lrs = fake_empty_lrs,
	.set_underflow = fake_set_underflow, .ack_maintenance = fake_ack_maintenance,
	.reset_cpu = fake_reset_cpu, .save = fake_save, .restore = fake_restore,
};

static const struct vgic_hw fake_v2 = {
	.version = 2, .nr_lr = NR_LR, .sgi_sources = true,
	.read_lr = fake_read_lr, .write_lr = fake_write_lr,
	.write_lr_hw = fake_write_lr_hw, .empty_lrs = fake_empty_lrs,
	.set_underflow = fake_set_underflow, .ack_maintenance = fake_ack_maintenance,
	.reset_cpu = fake_reset_cpu, .save = fake_save, .restore = fake_restore,
};

/* Whether the maintenance interrupt is asserted on pCPU p (IHI 0069 12.4.2). */
static bool maint_asserted(unsigned p)
{
	unsigned valid = 0;

	for (unsigned i = 0; i < NR_LR; i++)
		valid += lr_valid(&hw_lr[p][i]);
	return (hw_underflow[p] && valid <= 1) || hw_eisr[p];
}

/* The list register of pCPU p holding intid (valid), or -1; never two. */
static int lr_of(unsigned p, unsigned intid)
{
	int found = -1;

	for (unsigned i = 0; i < NR_LR; i++) {
		if (!lr_valid(&hw_lr[p][i]) || hw_lr[p][i].intid != intid)
			continue;
		ck_assert_msg(found < 0, "INTID %u in two list registers of vCPU %u", intid, p);
		found = (int)i;
	}
	return found;
}

static unsigned valid_lrs(unsigned p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NR_LR; i++)
		n += lr_valid(&hw_lr[p][i]);
	return n;
}

/* ---- The guest -------------------------------------------------------- */

struct delivery {
	uint16_t intid;
	uint8_t source;
};
static struct delivery seen[NR_CPU][256];
static unsigned nseen[NR_CPU];

static struct vcpu *vc(unsigned v)
{
	return &tvm.vcpus[v];
}

/* Runs the test on vCPU v's pCPU. */
static void on(unsigned v)
{
	cur = v;
	tpcpu[v].current = vc(v);
}

/* Flushes vCPU v into its list registers, as its pCPU does on entry. */
static void flush(unsigned v)
{
	on(v);
	vgic_flush(vc(v));
	ck_assert_int_eq(tvm.vgic.lock.held, 0);
	ck_assert(!vc(v)->vgic.dirty);
}

/* Acknowledges the most urgent pending-only list register; -1 if none. */
static int guest_ack(unsigned v)
{
	int best = -1;

	for (unsigned i = 0; i < NR_LR; i++) {
		const struct vgic_lr *lr = &hw_lr[v][i];

		if (lr->pending && !lr->active &&
		    (best < 0 || lr->priority < hw_lr[v][best].priority))
			best = (int)i;
	}
	if (best >= 0) {
		hw_lr[v][best].pending = false;
		hw_lr[v][best].active = true;
		ck_assert_msg(nseen[v] < 256, "vCPU %u: endless deliveries", v);
		seen[v][nseen[v]++] = (struct delivery){ hw_lr[v][best].intid,
							 hw_lr[v][best].source };
	}
	return best;
}

/* Priority drop and deactivation of list register i. */
static void guest_eoi(unsigned v, int i)
{
	struct vgic_lr *lr = &hw_lr[v][i];

	ck_assert(lr->active);
	lr->active = false;
	if (lr->hw) {
		hw_deactivated[v]++;
		hw_last_pintid[v] = lr->pintid;
	} else if (lr->eoi_maint && !lr->pending) {
		hw_eisr[v] |= 1u << i;
	}
}

/*
 * Runs vCPU v as a guest that takes every interrupt and EOIs it at once:
 * entries flush when the vCPU is dirty, a maintenance interrupt traps.
 * Returns when nothing is pending in the list registers and nothing
 * traps; fails on a livelock.
 */
static void run_guest(unsigned v)
{
	for (unsigned step = 0; step < 1000; step++) {
		int i;

		on(v);
		if (vc(v)->vgic.dirty)
			flush(v);
		if (maint_asserted(v)) {
			maint_irqs[v]++;
			vgic_maintenance(vc(v));
			continue;
		}
		i = guest_ack(v);
		if (i < 0)
			return;
		guest_eoi(v, i);
	}
	ck_abort_msg("vCPU %u: maintenance livelock", v);
}

/* How often (intid, source) was delivered to vCPU v. */
static unsigned times(unsigned v, unsigned intid, unsigned source)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nseen[v]; i++)
		n += seen[v][i].intid == intid && seen[v][i].source == source;
	return n;
}

/* ---- Register access -------------------------------------------------- */

/* Offsets from IHI 0069 (chapters 12.9, 12.10) and IHI 0048 (4.3). */
#define REG_CTLR        0x0000
#define REG_TYPER       0x0004
#define REG_IGROUPR     0x0080
#define REG_ISENABLER   0x0100
#define REG_ICENABLER   0x0180
#define REG_ISPENDR     0x0200
#define REG_ICPENDR     0x0280
#define REG_ISACTIVER   0x0300
#define REG_ICACTIVER   0x0380
#define REG_IPRIORITYR  0x0400
#define REG_ITARGETSR   0x0800
#define REG_ICFGR       0x0c00
#define REG_SGIR        0x0f00
#define REG_CPENDSGIR   0x0f10
#define REG_SPENDSGIR   0x0f20
#define REG_IROUTER     0x6000
#define REG_PIDR2_V3    0xffe8
#define REG_PIDR2_V2    0x0fe8
#define RD_FRAME        0x20000
#define RD_SGI          0x10000
#define RD_TYPER        0x0008
#define RD_WAKER        0x0014

static struct vdev *dist, *redist;

static uint64_t rd(struct vdev *d, unsigned v, uint64_t off, unsigned size)
{
	struct vdev_read r;

	on(v);
	r = d->ops->read(d, off, size);
	ck_assert_msg(r.ok, "read of 0x%lx refused", (unsigned long)off);
	ck_assert_int_eq(tvm.vgic.lock.held, 0);
	ck_assert_int_eq(tvm.lock.held, 0);
	return r.value;
}

static void wr(struct vdev *d, unsigned v, uint64_t off, unsigned size, uint64_t val)
{
	on(v);
	ck_assert(d->ops->write(d, off, size, val));
	ck_assert_int_eq(tvm.vgic.lock.held, 0);
	ck_assert_int_eq(tvm.lock.held, 0);
}

/*
 * A distributor-layout register for `intid` as vCPU v sees it: a private
 * one is in v's redistributor SGI frame (v3) or banked (v2).
 */
static struct vdev *bank_of(unsigned v, unsigned intid, uint64_t *off)
{
	if (vgic_hw->version == 3 && intid < 32) {
		*off += RD_FRAME * v + RD_SGI;
		return redist;
	}
	return dist;
}

static void irq_bit_write(unsigned v, uint64_t reg, unsigned intid)
{
	uint64_t off = reg + 4 * (intid / 32);
	struct vdev *d = bank_of(v, intid, &off);

	wr(d, v, off, 4, 1u << (intid % 32));
}

static bool irq_bit_read(unsigned v, uint64_t reg, unsigned intid)
{
	uint64_t off = reg + 4 * (intid / 32);
	struct vdev *d = bank_of(v, intid, &off);

	return (rd(d, v, off, 4) >> (intid % 32)) & 1;
}

static void set_prio(unsigned v, unsigned intid, uint8_t prio)
{
	uint64_t off = REG_IPRIORITYR + intid;
	struct vdev *d = bank_of(v, intid, &off);

	wr(d, v, off, 1, prio);
}

/* Enables intid for vCPU v (an SPI: for all) at priority prio. */
static void enable(unsigned v, unsigned intid, uint8_t prio)
{
	set_prio(v, intid, prio);
	irq_bit_write(v, REG_ISENABLER, intid);
}

/* SPI intid becomes edge-triggered (ICFGR: two bits each, 1x = edge). */
static void set_edge(unsigned intid)
{
	uint64_t off = REG_ICFGR + 4 * (intid / 16);
	uint32_t v = (uint32_t)rd(dist, 0, off, 4);

	wr(dist, 0, off, 4, v | 2u << (2 * (intid % 16)));
}

static void route(unsigned intid, unsigned v)
{
	if (vgic_hw->version == 3)
		wr(dist, 0, REG_IROUTER + 8 * intid, 8, v);
	else
		wr(dist, 0, REG_ITARGETSR + intid, 1, 1u << v);
}

/*
 * Edge SPI `intid` at `prio`, routed to vCPU 0, pulsed and acknowledged
 * there by its guest: returns the list register holding it, active.
 */
static int edge_spi_active_on_0(unsigned intid, uint8_t prio)
{
	int i;

	set_edge(intid);
	enable(0, intid, prio);
	route(intid, 0);
	vgic_pulse(&tvm, intid);
	flush(0);
	i = guest_ack(0);
	ck_assert_int_eq(i, lr_of(0, intid));
	return i;
}

/* ---- Setup -------------------------------------------------------------- */

#define DIST_IPA   0x08000000ull
#define CPUIF_IPA  0x08010000ull
#define REDIST_IPA 0x080a0000ull
#define GICV_PA    0x2c02f000ull

/* A fresh two-vCPU VM on backend hw, reset, with its distributor enabled. */
static void setup(const struct vgic_hw *hw)
{
	memset(&tvm, 0, sizeof(tvm));
	memset(&tcfg, 0, sizeof(tcfg));
	memset(tpcpu, 0, sizeof(tpcpu));
	memset(hw_lr, 0, sizeof(hw_lr));
	memset(hw_underflow, 0, sizeof(hw_underflow));
	memset(hw_eisr, 0, sizeof(hw_eisr));
	memset(hw_deactivated, 0, sizeof(hw_deactivated));
	memset(seen, 0, sizeof(seen));
	memset(nseen, 0, sizeof(nseen));
	memset(&s2map, 0, sizeof(s2map));
	memset(vtimer_released, 0, sizeof(vtimer_released));
	for (unsigned i = 0; i < NR_CPU; i++)
		vtimer_line[i] = ARCH_LINE_HIGH;
	tcfg.vcpu_count = NR_CPU;
	tcfg.vcpu_pcpu[1] = 1;
	tcfg.vgic = (struct vgic_config){ DIST_IPA, REDIST_IPA, CPUIF_IPA };
	tvm.cfg = &tcfg;
	for (unsigned i = 0; i < NR_CPU; i++) {
		tvm.vcpus[i].vm = &tvm;
		tvm.vcpus[i].index = i;
		tvm.vcpus[i].pcpu = &tpcpu[i];
		/* Both run on their pCPUs unless a test says otherwise. */
		tvm.vcpus[i].state = VCPU_RUNNABLE;
		tvm.vcpus[i].loaded = true;
		tpcpu[i].id = i;
	}
	vgic_hw = hw;
	vgic_v2_gicv_pa = GICV_PA;
	ck_assert(vgic_init_vm(&tvm));
	dist = &tvm.devs[0];
	redist = hw->version == 3 ? &tvm.devs[1] : NULL;
	spin_lock(&tvm.lock);
	vgic_reset_vm(&tvm);
	spin_unlock(&tvm.lock);
	wr(dist, 0, REG_CTLR, 4, hw->version == 3 ? 0x12 : 0x1); /* ARE, EnableGrp1 / Enable */
	ck_assert(tvm.vgic.enabled);
	flush(0);
	flush(1);
	memset(kicks, 0, sizeof(kicks));
	memset(wakes, 0, sizeof(wakes));
	memset(maint_irqs, 0, sizeof(maint_irqs));
}

static void setup_v3(void)
{
	setup(&fake_v3);
}

static void setup_v2(void)
{
	setup(&fake_v2);
}

/* ---- The model ---------------------------------------------------------- */

START_TEST(sgi_lands_in_lr)
{
	int i;

	enable(1, 5, 0xa0);
	vgic_send_sgi(vc(0), 5, 1u << 1, false);
	ck_assert(vc(1)->vgic.dirty);
	ck_assert(!vc(0)->vgic.dirty);
	ck_assert_uint_ge(kicks[1], 1);
	ck_assert_uint_eq(kicks[0], 0);
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), 0);
	flush(1);
	i = lr_of(1, 5);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(hw_lr[1][i].priority, 0xa0);
	ck_assert(hw_lr[1][i].pending && !hw_lr[1][i].active);
	ck_assert(!hw_lr[1][i].hw && !hw_lr[1][i].eoi_maint);  /* edge */
	ck_assert_uint_eq(valid_lrs(1), 1);
	ck_assert(!hw_underflow[1]);
	on(1);
	ck_assert(vgic_vcpu_pending(vc(1)));
	run_guest(1);
	ck_assert_uint_eq(times(1, 5, 0), 1);
	ck_assert(!vgic_vcpu_pending(vc(1)));
}
END_TEST

START_TEST(more_pending_than_lrs)
{
	static const uint8_t prio[10] = { 0x90, 0x10, 0x80, 0x20, 0x70, 0x30, 0x60, 0x40,
					  0x50, 0x08 };

	for (unsigned s = 0; s < 10; s++) {
		enable(0, s, prio[s]);
		vgic_raise_sgi(vc(0), s, 1);
	}
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), NR_LR);
	ck_assert(hw_underflow[0]);
	for (unsigned s = 0; s < 10; s++)   /* the four most urgent: 9, 1, 3, 5 */
		ck_assert_int_eq(lr_of(0, s) >= 0, s == 9 || s == 1 || s == 3 || s == 5);
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 10);
	for (unsigned s = 0; s < 10; s++)
		ck_assert_uint_eq(times(0, s, 0), 1);
	for (unsigned k = 1; k < 10; k++)
		ck_assert_uint_lt(prio[seen[0][k - 1].intid], prio[seen[0][k].intid]);
	ck_assert_uint_eq(valid_lrs(0), 0);
	ck_assert(!hw_underflow[0]);
}
END_TEST

START_TEST(priority_order_across_flushes)
{
	int i;

	for (unsigned s = 0; s < 8; s++) {
		enable(0, s, (uint8_t)(0x80 + 8 * s));
		vgic_raise_sgi(vc(0), s, 0);
	}
	flush(0);
	i = guest_ack(0);                  /* SGI 0 */
	guest_eoi(0, i);
	ck_assert(!maint_asserted(0));    /* three still valid */
	enable(0, 12, 0x10);              /* more urgent than all the rest */
	vgic_raise_sgi(vc(0), 12, 0);
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 9);
	ck_assert_uint_eq(seen[0][0].intid, 0);
	ck_assert_uint_eq(seen[0][1].intid, 12);
	for (unsigned k = 2; k < 9; k++)
		ck_assert_uint_eq(seen[0][k].intid, k - 1);
	ck_assert(!maint_asserted(0));
}
END_TEST

/*
 * Four pending-only entries fill the list registers; a more urgent one
 * takes the place of the least urgent, which is back in the model and
 * must be asked for (underflow), or it waits for an unrelated exit.
 */
START_TEST(eviction_requests_underflow)
{
	for (unsigned s = 0; s < 4; s++) {
		enable(0, s, 0xc0);
		vgic_raise_sgi(vc(0), s, 0);
	}
	flush(0);
	ck_assert(!hw_underflow[0]);
	enable(0, 8, 0x20);
	vgic_raise_sgi(vc(0), 8, 0);
	flush(0);
	ck_assert_int_ge(lr_of(0, 8), 0);
	ck_assert_uint_eq(valid_lrs(0), NR_LR);   /* so one of SGIs 0-3 is back in memory */
	ck_assert_msg(hw_underflow[0], "an SGI was evicted but no underflow maintenance requested");
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 5);
	ck_assert_uint_eq(seen[0][0].intid, 8);
	for (unsigned s = 0; s < 4; s++)
		ck_assert_uint_eq(times(0, s, 0), 1);
}
END_TEST

START_TEST(edge_active_pending_same_lr)
{
	int i, j;

	enable(0, 3, 0x40);
	vgic_raise_sgi(vc(0), 3, 0);
	flush(0);
	i = guest_ack(0);
	ck_assert_int_eq(i, lr_of(0, 3));
	vgic_raise_sgi(vc(0), 3, 0);      /* again, while the guest handles it */
	flush(0);
	ck_assert_int_eq(lr_of(0, 3), i);  /* the same one, and only one */
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].active);
	ck_assert_uint_eq(valid_lrs(0), 1);
	guest_eoi(0, i);
	j = guest_ack(0);
	ck_assert_int_eq(j, i);
	guest_eoi(0, j);
	run_guest(0);
	ck_assert_uint_eq(times(0, 3, 0), 2);
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), 0);

	/* An edge SPI pended through ISPENDR behaves the same. */
	set_edge(50);
	enable(0, 50, 0x40);
	irq_bit_write(0, REG_ISPENDR, 50);
	flush(0);
	i = guest_ack(0);
	irq_bit_write(0, REG_ISPENDR, 50);
	flush(0);
	ck_assert_int_eq(lr_of(0, 50), i);
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].active);
	ck_assert(!hw_lr[0][i].eoi_maint);
	guest_eoi(0, i);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 2);
}
END_TEST

/* Pending is a state: a second edge before the acknowledge is the same one. */
START_TEST(edge_pending_twice_delivered_once)
{
	set_edge(50);
	enable(0, 50, 0x40);
	irq_bit_write(0, REG_ISPENDR, 50);
	flush(0);
	ck_assert_int_ge(lr_of(0, 50), 0);
	irq_bit_write(0, REG_ISPENDR, 50);   /* still pending in its LR */
	flush(0);
	run_guest(0);
	flush(0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 1);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

/*
 * An edge while the interrupt is active and pending already is the same
 * pending state (IHI 0069 4.1.2; IHI 0048B 3.2.4: one pending bit): after
 * the EOI it is delivered once more, not twice. And what is left must not
 * block the next edge: a fast path (here the vtimer's, try_direct) that
 * retires the finished entry while the model still held that third edge
 * left the SPI latched with no hint and no list register, and every later
 * pulse was dropped as "already pending" (the rapilog disk stall).
 */
START_TEST(edge_while_active_pending_merged)
{
	int i = edge_spi_active_on_0(50, 0x40);

	enable(0, 27, 0x20);
	vgic_pulse(&tvm, 50);             /* while active: active and pending */
	flush(0);
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].active);
	vgic_pulse(&tvm, 50);             /* while active and pending: merged */
	flush(0);
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].active);
	ck_assert_uint_eq(valid_lrs(0), 1);
	guest_eoi(0, i);
	ck_assert_int_eq(guest_ack(0), i);
	guest_eoi(0, i);
	ck_assert_uint_eq(valid_lrs(0), 0);
	on(0);
	vgic_vtimer_fire(vc(0));          /* its fast path finds the entry finished */
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 2);
	ck_assert_uint_eq(times(0, 27, 0), 1);
	vgic_pulse(&tvm, 50);             /* the next edge is delivered */
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 3);

	/* An SGI (GICv3: latched; GICv2: one source) raised three times the same way. */
	enable(0, 4, 0x40);
	vgic_raise_sgi(vc(0), 4, 1);
	flush(0);
	i = guest_ack(0);
	vgic_raise_sgi(vc(0), 4, 1);
	flush(0);
	vgic_raise_sgi(vc(0), 4, 1);
	flush(0);
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].active);
	guest_eoi(0, i);
	run_guest(0);
	flush(0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 4, vgic_hw->sgi_sources ? 1 : 0), 2);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

/*
 * The fast flush puts an interrupt pending again straight back into the
 * list register it just finished in: once per edge, beside others, and
 * only while it may be delivered (a disabled one waits for its enable).
 */
START_TEST(finished_entry_reused)
{
	unsigned src = vgic_hw->sgi_sources ? 1 : 0;
	int i;

	enable(0, 3, 0x40);
	enable(0, 4, 0x50);
	for (unsigned k = 0; k < 3; k++) {
		vgic_raise_sgi(vc(0), 3, 1);
		flush(0);
		i = guest_ack(0);
		ck_assert_int_ge(i, 0);
		guest_eoi(0, i);
		ck_assert_uint_eq(valid_lrs(0), 0);
	}
	ck_assert_uint_eq(times(0, 3, src), 3);
	vgic_raise_sgi(vc(0), 3, 1);
	vgic_raise_sgi(vc(0), 4, 1);
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), 2);
	run_guest(0);
	ck_assert_uint_eq(times(0, 3, src), 4);
	ck_assert_uint_eq(times(0, 4, src), 1);

	set_edge(50);
	enable(0, 50, 0x40);
	route(50, 0);
	vgic_pulse(&tvm, 50);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 1);
	irq_bit_write(0, REG_ICENABLER, 50);
	vgic_pulse(&tvm, 50);
	flush(0);
	ck_assert_int_lt(lr_of(0, 50), 0);     /* disabled: stays pending in the model */
	ck_assert(irq_bit_read(0, REG_ISPENDR, 50));
	irq_bit_write(0, REG_ISENABLER, 50);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 2);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

/*
 * An edge SPI retargeted while the guest handles it on its old owner, then
 * pulsed again: the new edge waits for the old owner's EOI (an active
 * interrupt is not signalled again before it is deactivated), so the old
 * owner must look at it; nothing else makes a vCPU waiting in WFI in
 * hardware flush. It is delivered once, after that EOI.
 */
START_TEST(retarget_active_edge_pulsed)
{
	int i = edge_spi_active_on_0(50, 0x40);

	route(50, 1);
	flush(0);
	flush(1);
	memset(kicks, 0, sizeof(kicks));
	vgic_pulse(&tvm, 50);
	ck_assert_msg(kicks[0] >= 1, "the vCPU holding SPI 50 active was not told");
	run_guest(1);
	run_guest(0);                      /* flushes because it was told */
	guest_eoi(0, i);
	run_guest(0);
	run_guest(1);
	ck_assert_uint_eq(times(0, 50, 0) + times(1, 50, 0), 2);
	ck_assert_uint_eq(valid_lrs(0) + valid_lrs(1), 0);
}
END_TEST

/*
 * vgic_pulse: an edge-triggered SPI pulsed many times before the guest
 * acknowledges it is delivered once, then again after the acknowledge; a
 * level-sensitive one sees the line fall again and stays idle.
 */
START_TEST(pulse_edge_once_level_never)
{
	set_edge(50);
	enable(0, 50, 0x40);
	enable(0, 51, 0x40);
	route(50, 0);
	route(51, 0);
	for (int n = 0; n < 1000; n++)
		vgic_pulse(&tvm, 50);
	vgic_pulse(&tvm, 51);
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 51));
	flush(0);
	run_guest(0);
	flush(0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 1);
	ck_assert_uint_eq(times(0, 51, 0), 0);
	vgic_pulse(&tvm, 50);
	flush(0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 2);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

/*
 * ICPENDR, then pending again, both before the next flush: the list
 * register the plan hands back to the interrupt is a new placement (found
 * by tests/fuzz/fuzz_vgic: the model thought it was not in a list register).
 */
START_TEST(icpendr_then_pending_again_before_flush)
{
	int i;

	set_edge(50);
	enable(0, 50, 0x40);
	irq_bit_write(0, REG_ISPENDR, 50);
	flush(0);
	i = lr_of(0, 50);
	ck_assert_int_ge(i, 0);
	irq_bit_write(0, REG_ICPENDR, 50);
	irq_bit_write(0, REG_ISPENDR, 50);
	flush(0);
	ck_assert(vgic_get_irq(&tvm, vc(0), 50)->in_lr);
	run_guest(0);
	flush(0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 50, 0), 1);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

/* An interrupt made active through ISACTIVER is not signalled (IHI 0069 4.1.2). */
START_TEST(isactiver_holds_delivery)
{
	enable(0, 9, 0x40);
	irq_bit_write(0, REG_ISACTIVER, 9);
	vgic_raise_sgi(vc(0), 9, 0);
	flush(0);
	ck_assert_int_lt(lr_of(0, 9), 0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 9, 0), 0);
	irq_bit_write(0, REG_ICACTIVER, 9);
	run_guest(0);
	ck_assert_uint_eq(times(0, 9, 0), 1);
}
END_TEST

START_TEST(level_spi_lowered_is_withdrawn)
{
	int i;

	enable(0, 40, 0x80);
	vgic_set_level(&tvm, 40, true);
	ck_assert_uint_ge(kicks[0], 1);
	flush(0);
	i = lr_of(0, 40);
	ck_assert_int_ge(i, 0);
	ck_assert(hw_lr[0][i].eoi_maint && !hw_lr[0][i].hw);
	vgic_set_level(&tvm, 40, false);  /* before the guest acknowledges it */
	flush(0);
	ck_assert_int_lt(lr_of(0, 40), 0);
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 40));
	on(0);
	ck_assert(!vgic_vcpu_pending(vc(0)));
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 0);
}
END_TEST

START_TEST(level_spi_high_after_eoi_redelivered)
{
	int i;

	enable(0, 40, 0x80);
	vgic_set_level(&tvm, 40, true);
	flush(0);
	i = guest_ack(0);
	ck_assert_int_eq(i, lr_of(0, 40));
	guest_eoi(0, i);
	ck_assert(maint_asserted(0));      /* EOI maintenance */
	on(0);
	vgic_maintenance(vc(0));
	ck_assert(!maint_asserted(0));
	ck_assert(tpcpu[0].resched);
	flush(0);
	i = lr_of(0, 40);
	ck_assert_int_ge(i, 0);            /* the line is still high */
	ck_assert(hw_lr[0][i].pending && hw_lr[0][i].eoi_maint);
	guest_ack(0);
	vgic_set_level(&tvm, 40, false);   /* the handler quietens the device */
	guest_eoi(0, i);
	run_guest(0);
	ck_assert_uint_eq(times(0, 40, 0), 2);
	ck_assert_uint_eq(valid_lrs(0), 0);
	ck_assert(!maint_asserted(0));
}
END_TEST

START_TEST(hw_vtimer_entry)
{
	int i;

	enable(0, 27, 0x20);
	on(0);
	vgic_vtimer_fire(vc(0));
	flush(0);
	i = lr_of(0, 27);
	ck_assert_int_ge(i, 0);
	ck_assert(hw_lr[0][i].hw);
	ck_assert_uint_eq(hw_lr[0][i].pintid, 27);
	ck_assert(!hw_lr[0][i].eoi_maint);
	guest_eoi(0, guest_ack(0));
	ck_assert_uint_eq(hw_deactivated[0], 1);
	ck_assert_uint_eq(hw_last_pintid[0], 27);
	ck_assert(!maint_asserted(0));
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), 0);
	ck_assert(!irq_bit_read(0, REG_ISACTIVER, 27));
	vgic_vtimer_fire(vc(0));          /* the next expiry */
	run_guest(0);
	ck_assert_uint_eq(times(0, 27, 0), 2);
	ck_assert_uint_eq(hw_deactivated[0], 2);
	ck_assert_uint_eq(hw_deactivated[1], 0);
}
END_TEST

/*
 * The vtimer fired while disabled at the GIC; its output dropped before
 * the guest enabled it: not pending, never delivered, PPI released.
 */
START_TEST(vtimer_dropped_while_disabled_withdrawn)
{
	set_prio(0, 27, 0x20);
	on(0);
	vgic_vtimer_fire(vc(0));
	flush(0);
	ck_assert(irq_bit_read(0, REG_ISPENDR, 27));    /* output still high */
	vtimer_line[0] = ARCH_LINE_LOW;
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 27));
	irq_bit_write(0, REG_ISENABLER, 27);
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 0);
	ck_assert_uint_eq(vtimer_released[0], 1);
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 27));
	/* Unknown (another pCPU's vCPU): the model's state stands. */
	vtimer_line[0] = ARCH_LINE_UNKNOWN;
	vgic_vtimer_fire(vc(0));
	ck_assert(irq_bit_read(0, REG_ISPENDR, 27));
}
END_TEST

/* Pending in its list register, not yet taken, when the output drops. */
START_TEST(vtimer_dropped_in_lr_withdrawn)
{
	enable(0, 27, 0x20);
	flush(0);
	vgic_vtimer_fire(vc(0));
	flush(0);
	ck_assert_int_ge(lr_of(0, 27), 0);
	vtimer_line[0] = ARCH_LINE_LOW;
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 27));
	vc(0)->vgic.dirty = true;
	run_guest(0);
	ck_assert_int_lt(lr_of(0, 27), 0);
	ck_assert_uint_eq(nseen[0], 0);
	ck_assert_uint_eq(vtimer_released[0], 1);
	/* Still high: delivered as before. */
	vtimer_line[0] = ARCH_LINE_HIGH;
	vgic_vtimer_fire(vc(0));
	run_guest(0);
	ck_assert_uint_eq(times(0, 27, 0), 1);
	ck_assert_uint_eq(vtimer_released[0], 1);
}
END_TEST

/*
 * A vCPU that waits in hardware (alone on its pCPU) traps WFI again while
 * its vtimer fired but cannot be delivered (disabled): the held physical
 * PPI could not end such a wait. Released (the output dropped) or taken
 * into a list register, WFI runs in hardware again. A vCPU that shares
 * its pCPU always traps: its flushes leave HCR_EL2 alone.
 */
START_TEST(wfx_traps_while_vtimer_held)
{
	vc(0)->wfx_hw = true;
	wfx_trapping = -1;
	set_prio(0, 27, 0x20);
	on(0);
	vgic_vtimer_fire(vc(0));
	flush(0);
	ck_assert_int_eq(wfx_trapping, 1);
	vtimer_line[0] = ARCH_LINE_LOW;
	vc(0)->vgic.dirty = true;
	flush(0);
	ck_assert_uint_eq(vtimer_released[0], 1);
	ck_assert_int_eq(wfx_trapping, 0);
	/* Enabled: the list register takes it, nothing is held. */
	wfx_trapping = -1;
	vtimer_line[0] = ARCH_LINE_HIGH;
	irq_bit_write(0, REG_ISENABLER, 27);
	vgic_vtimer_fire(vc(0));
	flush(0);
	ck_assert_int_ge(lr_of(0, 27), 0);
	ck_assert_int_eq(wfx_trapping, -1);             /* unchanged: not trapping */
	/* vCPU 1 shares its pCPU: never touched. */
	set_prio(1, 27, 0x20);
	on(1);
	vgic_vtimer_fire(vc(1));
	flush(1);
	ck_assert_int_eq(wfx_trapping, -1);
}
END_TEST

START_TEST(disabled_delivered_on_enable)
{
	int i;

	set_prio(0, 41, 0x80);
	vgic_set_level(&tvm, 41, true);
	vgic_raise_sgi(vc(0), 2, 0);      /* SGI 2: disabled too */
	flush(0);
	ck_assert_uint_eq(valid_lrs(0), 0);
	on(0);
	ck_assert(!vgic_vcpu_pending(vc(0)));
	kicks[0] = 0;
	irq_bit_write(0, REG_ISENABLER, 41);
	ck_assert(vc(0)->vgic.dirty);
	ck_assert_uint_ge(kicks[0], 1);
	irq_bit_write(0, REG_ISENABLER, 2);
	flush(0);
	ck_assert_int_ge(lr_of(0, 41), 0);
	ck_assert_int_ge(lr_of(0, 2), 0);
	guest_eoi(0, guest_ack(0));       /* SGI 2 (priority 0) */
	i = guest_ack(0);
	ck_assert_int_eq(i, lr_of(0, 41));
	vgic_set_level(&tvm, 41, false);
	guest_eoi(0, i);
	run_guest(0);
	ck_assert_uint_eq(times(0, 2, 0), 1);
	ck_assert_uint_eq(times(0, 41, 0), 1);

	/* The distributor's enable gates SPIs, not SGIs. */
	wr(dist, 0, REG_CTLR, 4, 0);
	vgic_set_level(&tvm, 41, true);
	vgic_raise_sgi(vc(0), 2, 0);
	run_guest(0);
	ck_assert_uint_eq(times(0, 2, 0), 2);
	ck_assert_uint_eq(times(0, 41, 0), 1);
	on(0);
	ck_assert(!vgic_vcpu_pending(vc(0)));
	wr(dist, 0, REG_CTLR, 4, 0x12);
	flush(0);
	i = guest_ack(0);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(hw_lr[0][i].intid, 41);
	vgic_set_level(&tvm, 41, false);
	guest_eoi(0, i);
	run_guest(0);
	ck_assert_uint_eq(times(0, 41, 0), 2);
}
END_TEST

/* Disabling an interrupt does not clear its pending state (IHI 0069 4.1.2). */
START_TEST(disable_in_lr_keeps_pending)
{
	enable(0, 2, 0x80);
	vgic_raise_sgi(vc(0), 2, 0);
	flush(0);
	ck_assert_int_ge(lr_of(0, 2), 0);
	irq_bit_write(0, REG_ICENABLER, 2);
	flush(0);
	ck_assert_int_lt(lr_of(0, 2), 0); /* taken back before the guest saw it */
	ck_assert_msg(irq_bit_read(0, REG_ISPENDR, 2), "disable lost the pending state");
	irq_bit_write(0, REG_ISENABLER, 2);
	run_guest(0);
	ck_assert_uint_eq(times(0, 2, 0), 1);
}
END_TEST

START_TEST(spi_routed_to_vcpu1)
{
	enable(0, 45, 0x80);
	route(45, 1);
	ck_assert_uint_eq(tvm.vgic.spi[45 - 32].target, 1);
	memset(kicks, 0, sizeof(kicks));
	vgic_set_level(&tvm, 45, true);
	ck_assert(vc(1)->vgic.dirty);
	ck_assert_uint_ge(kicks[1], 1);
	ck_assert_uint_eq(kicks[0], 0);
	flush(0);
	ck_assert_int_lt(lr_of(0, 45), 0);
	flush(1);
	ck_assert_int_ge(lr_of(1, 45), 0);
	vgic_set_level(&tvm, 45, false);
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 0);
}
END_TEST

START_TEST(retarget_in_lr_no_duplicate)
{
	int i;

	enable(0, 45, 0x80);
	vgic_set_level(&tvm, 45, true);
	flush(0);
	i = guest_ack(0);
	ck_assert_int_eq(i, lr_of(0, 45));
	route(45, 1);                      /* vCPU 0 moves it while handling it */
	ck_assert(vc(1)->vgic.dirty);
	flush(1);
	flush(0);
	ck_assert_int_lt(lr_of(1, 45), 0);
	ck_assert_int_eq(lr_of(0, 45), i);
	vgic_set_level(&tvm, 45, false);
	guest_eoi(0, i);
	run_guest(0);
	run_guest(1);
	ck_assert_uint_eq(times(0, 45, 0), 1);
	ck_assert_uint_eq(nseen[1], 0);
}
END_TEST

/* vCPU v takes level SPI intid, its handler lowers the line, EOI. */
static void take_and_lower(unsigned v, unsigned intid)
{
	int i = guest_ack(v);

	ck_assert_int_eq(i, lr_of(v, intid));
	vgic_set_level(&tvm, intid, false);
	guest_eoi(v, i);
	run_guest(v);
}

/*
 * A level SPI pending (not yet acknowledged) in vCPU 1's list register,
 * vCPU 1 with IRQs masked, is retargeted to vCPU 0: vCPU 1's next flush
 * gives it up and vCPU 0 takes it, once.
 */
START_TEST(retarget_pending_in_lr_moves)
{
	enable(0, 45, 0x80);
	route(45, 1);
	vgic_set_level(&tvm, 45, true);
	flush(1);
	ck_assert_int_ge(lr_of(1, 45), 0);
	route(45, 0);
	ck_assert(vc(1)->vgic.dirty);
	flush(1);
	ck_assert_int_lt(lr_of(1, 45), 0);
	ck_assert(vc(0)->vgic.dirty);
	flush(0);
	ck_assert_int_ge(lr_of(0, 45), 0);
	take_and_lower(0, 45);
	ck_assert_uint_eq(times(0, 45, 0), 1);
	ck_assert_uint_eq(nseen[1], 0);
}
END_TEST

/*
 * vCPU 1 goes off holding a pending SPI in a list register: the SPI goes
 * back to the model, and a later retarget to vCPU 0 delivers it. An SGI
 * pending there stays with vCPU 1.
 */
START_TEST(cpu_off_folds_spis_back)
{
	enable(0, 45, 0x80);
	enable(1, 3, 0x80);
	route(45, 1);
	vgic_set_level(&tvm, 45, true);
	vgic_send_sgi(vc(0), 3, 1u << 1, false);
	flush(1);
	ck_assert_int_ge(lr_of(1, 45), 0);
	ck_assert_int_ge(lr_of(1, 3), 0);
	on(1);
	vc(1)->state = VCPU_OFF;
	vgic_vcpu_off(vc(1));
	ck_assert_int_lt(lr_of(1, 45), 0);
	ck_assert_int_ge(lr_of(1, 3), 0);
	ck_assert(!tvm.vgic.spi[45 - 32].in_lr);
	vc(1)->loaded = false;
	route(45, 0);
	flush(0);
	ck_assert_int_ge(lr_of(0, 45), 0);
	take_and_lower(0, 45);
	ck_assert_uint_eq(times(0, 45, 0), 1);
}
END_TEST

/*
 * A level SPI moved to vCPU 1 while active on vCPU 0, still high when
 * vCPU 0 EOIs it: vCPU 0's maintenance frees it, and vCPU 1 must hear of
 * it (or it waits until vCPU 1 exits for some other reason, or forever
 * if vCPU 1 sleeps in WFI).
 */
START_TEST(retarget_then_eoi_reaches_new_target)
{
	int i;

	enable(0, 45, 0x80);
	vgic_set_level(&tvm, 45, true);
	flush(0);
	i = guest_ack(0);
	route(45, 1);
	flush(1);
	flush(0);
	guest_eoi(0, i);
	run_guest(0);                      /* the EOI maintenance frees it */
	ck_assert_int_lt(lr_of(0, 45), 0);
	on(1);
	ck_assert_msg(vgic_vcpu_pending(vc(1)), "vCPU 1 would sleep with SPI 45 high");
	flush(1);
	i = guest_ack(1);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(hw_lr[1][i].intid, 45);
	vgic_set_level(&tvm, 45, false);
	guest_eoi(1, i);
	run_guest(1);
	ck_assert_uint_eq(times(1, 45, 0), 1);
	ck_assert_uint_eq(times(0, 45, 0), 1);
}
END_TEST

/* GICv2: an SGI from each source is its own interrupt (IHI 0048 3.2.3). */
START_TEST(v2_sgi_two_sources)
{
	enable(1, 4, 0x80);
	wr(dist, 0, REG_SGIR, 4, (1u << 1) << 16 | 4);  /* vCPU 0 -> vCPU 1 */
	wr(dist, 1, REG_SGIR, 4, 2u << 24 | 4);         /* vCPU 1 -> itself */
	ck_assert(vc(1)->vgic.dirty);
	ck_assert_uint_eq(rd(dist, 1, REG_SPENDSGIR + 4, 1), 0x3);
	run_guest(1);
	ck_assert_uint_eq(times(1, 4, 0), 1);
	ck_assert_uint_eq(times(1, 4, 1), 1);
	ck_assert_uint_eq(nseen[1], 2);
	ck_assert(!maint_asserted(1));
}
END_TEST

/* The second source arrives while the first is active in its LR. */
START_TEST(v2_sgi_second_source_while_active)
{
	int i;

	enable(1, 4, 0x80);
	wr(dist, 0, REG_SGIR, 4, (1u << 1) << 16 | 4);
	flush(1);
	i = guest_ack(1);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(hw_lr[1][i].source, 0);
	wr(dist, 1, REG_SGIR, 4, 2u << 24 | 4);
	flush(1);
	for (unsigned k = 0; k < NR_LR; k++)
		if (hw_lr[1][k].pending && hw_lr[1][k].intid == 4)
			ck_assert_msg(hw_lr[1][k].source == 1,
				      "SGI 4 from vCPU 1 pending in an LR with source %u",
				      hw_lr[1][k].source);
	guest_eoi(1, i);
	run_guest(1);
	ck_assert_uint_eq(times(1, 4, 0), 1);
	ck_assert_uint_eq(times(1, 4, 1), 1);
}
END_TEST

START_TEST(reset_vm_clears_everything)
{
	enable(0, 3, 0x40);
	enable(1, 27, 0x20);
	enable(0, 40, 0x80);
	enable(0, 41, 0x90);
	route(41, 1);
	set_edge(42);
	vgic_raise_sgi(vc(0), 3, 1);
	vgic_set_level(&tvm, 40, true);
	vgic_set_level(&tvm, 41, true);
	flush(0);
	flush(1);
	guest_ack(0);
	wr(redist, 0, RD_WAKER, 4, 0);
	memset(resets, 0, sizeof(resets));
	spin_lock(&tvm.lock);
	vgic_reset_vm(&tvm);
	spin_unlock(&tvm.lock);
	ck_assert_uint_eq(resets[0], 1);
	ck_assert_uint_eq(resets[1], 1);
	ck_assert(!tvm.vgic.enabled);
	for (unsigned v = 0; v < NR_CPU; v++) {
		for (unsigned k = 0; k < VGIC_MAX_LR; k++)
			ck_assert_uint_eq(vc(v)->vgic.lr_intid[k], VGIC_LR_FREE);
		for (unsigned n = 0; n < 32; n++) {
			const struct vgic_irq *irq = &vc(v)->vgic.priv[n];

			ck_assert(!irq->enabled && !vgic_irq_pending(irq) && !irq->in_lr &&
				  !irq->active && !irq->hw && irq->priority == 0);
			ck_assert_int_eq(irq->edge, n < 16);
		}
		ck_assert(vc(v)->vgic.sleeping);
	}
	for (unsigned n = 0; n < CONFIG_MAX_SPIS; n++) {
		const struct vgic_irq *irq = &tvm.vgic.spi[n];

		ck_assert(!irq->enabled && !vgic_irq_pending(irq) && !irq->in_lr &&
			  !irq->active && !irq->edge && irq->priority == 0 && irq->target == 0);
	}
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0x50);
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER + 4, 4), 0);
	ck_assert_uint_eq(rd(dist, 0, REG_ISPENDR + 4, 4), 0);
	ck_assert_uint_eq(rd(redist, 0, RD_SGI + REG_ISENABLER, 4), 0);
	ck_assert_uint_eq(rd(redist, 0, RD_WAKER, 4), 0x6);
	ck_assert_uint_eq(rd(dist, 0, REG_IROUTER + 8 * 41, 8), 0);
	/* The list registers empty at the next entry. */
	flush(0);
	flush(1);
	ck_assert_uint_eq(valid_lrs(0), 0);
	ck_assert_uint_eq(valid_lrs(1), 0);
	ck_assert(!hw_underflow[0] && !hw_underflow[1]);
	on(0);
	ck_assert(!vgic_vcpu_pending(vc(0)));
}
END_TEST

/*
 * Users of other hypervisors report maintenance-interrupt livelocks:
 * once the guest has EOIed everything, nothing may keep the maintenance
 * interrupt asserted.
 */
START_TEST(no_maintenance_after_all_eoied)
{
	for (unsigned s = 0; s < 12; s++) {
		enable(0, s, (uint8_t)(0x10 * (s % 4)));
		vgic_raise_sgi(vc(0), s, 0);
	}
	for (unsigned n = 40; n < 43; n++) {
		enable(0, n, 0x30);
		vgic_set_level(&tvm, n, true);
	}
	flush(0);
	ck_assert(hw_underflow[0]);
	for (unsigned step = 0; step < 100 && nseen[0] < 15; step++) {
		int i;

		if (vc(0)->vgic.dirty)
			flush(0);
		if (maint_asserted(0)) {
			vgic_maintenance(vc(0));
			continue;
		}
		i = guest_ack(0);
		ck_assert_int_ge(i, 0);
		if (hw_lr[0][i].intid >= 40)
			vgic_set_level(&tvm, hw_lr[0][i].intid, false);
		guest_eoi(0, i);
	}
	run_guest(0);
	ck_assert_uint_eq(nseen[0], 15);
	flush(0);
	ck_assert(!hw_underflow[0]);
	ck_assert(!maint_asserted(0));
	ck_assert_uint_eq(valid_lrs(0), 0);
	on(0);
	ck_assert(!vgic_vcpu_pending(vc(0)));
}
END_TEST

/* GICv3 4.1.2: a write to ISPENDR latches a level interrupt pending. */
START_TEST(level_spi_pended_by_ispendr_survives_flush)
{
	enable(0, 46, 0x80);
	irq_bit_write(0, REG_ISPENDR, 46);  /* the line stays low */
	flush(0);
	ck_assert_int_ge(lr_of(0, 46), 0);
	vc(0)->vgic.dirty = true;          /* any other reason to flush */
	flush(0);
	ck_assert_msg(lr_of(0, 46) >= 0, "ISPENDR-pended level SPI withdrawn");
	run_guest(0);
	ck_assert_uint_eq(times(0, 46, 0), 1);
}
END_TEST

/* ICPENDR takes back a pending state the guest has not acknowledged. */
START_TEST(icpendr_withdraws_lr_entry)
{
	set_edge(47);
	enable(0, 47, 0x80);
	irq_bit_write(0, REG_ISPENDR, 47);
	flush(0);
	ck_assert_int_ge(lr_of(0, 47), 0);
	irq_bit_write(0, REG_ICPENDR, 47);
	ck_assert_msg(!irq_bit_read(0, REG_ISPENDR, 47), "still pending after ICPENDR");
	flush(0);
	ck_assert_int_lt(lr_of(0, 47), 0);
}
END_TEST

/* An edge-triggered SPI is pended by a rising edge of its line. */
START_TEST(edge_spi_raised_by_line)
{
	set_edge(48);
	enable(0, 48, 0x80);
	vgic_set_level(&tvm, 48, true);
	vgic_set_level(&tvm, 48, false);
	run_guest(0);
	ck_assert_uint_eq(times(0, 48, 0), 1);
}
END_TEST

/* ISPENDR/ISACTIVER while the guest handles an interrupt. */
START_TEST(active_read_back)
{
	int i;

	enable(0, 6, 0x80);
	vgic_raise_sgi(vc(0), 6, 0);
	ck_assert(irq_bit_read(0, REG_ISPENDR, 6));
	flush(0);
	ck_assert(irq_bit_read(0, REG_ISPENDR, 6));
	i = guest_ack(0);
	vc(0)->vgic.dirty = true;
	flush(0);
	ck_assert(irq_bit_read(0, REG_ISACTIVER, 6));
	ck_assert(irq_bit_read(0, REG_ICACTIVER, 6));
	ck_assert_msg(!irq_bit_read(0, REG_ISPENDR, 6), "active-only SGI 6 reads as pending");
	guest_eoi(0, i);
	flush(0);
	ck_assert(!irq_bit_read(0, REG_ISACTIVER, 6));
	ck_assert(!irq_bit_read(0, REG_ISPENDR, 6));
}
END_TEST

/*
 * Attack: kicks to another VM's pCPU through a vCPU that is off. A vCPU
 * that is off, or runnable but not loaded, has nothing to see now (it
 * flushes when loaded): its pCPU, which another VM may be using, is left
 * alone. A blocked one is woken; a loaded one is kicked.
 */
START_TEST(no_kick_unless_loaded)
{
	enable(1, 5, 0xa0);
	vc(1)->state = VCPU_OFF;
	vc(1)->loaded = false;
	memset(kicks, 0, sizeof(kicks));
	vgic_send_sgi(vc(0), 5, 1u << 1, false);
	ck_assert(vc(1)->vgic.dirty);                 /* the model has it */
	ck_assert_uint_eq(kicks[1] + wakes[1], 0);
	wr(dist, 0, REG_CTLR, 4, 0);
	wr(dist, 0, REG_CTLR, 4, vgic_hw->version == 3 ? 0x12 : 0x1);
	ck_assert_uint_eq(kicks[1] + wakes[1], 0);
	vc(1)->state = VCPU_RUNNABLE;                  /* waiting for its turn */
	vgic_send_sgi(vc(0), 5, 1u << 1, false);
	ck_assert_uint_eq(kicks[1] + wakes[1], 0);
	vc(1)->state = VCPU_BLOCKED;                   /* in WFI: woken */
	vgic_send_sgi(vc(0), 5, 1u << 1, false);
	ck_assert_uint_eq(wakes[1], 1);
	vc(1)->state = VCPU_RUNNABLE;                  /* running: flushes */
	vc(1)->loaded = true;
	vgic_send_sgi(vc(0), 5, 1u << 1, false);
	ck_assert_uint_eq(kicks[1], 1);
}
END_TEST

/* Rewriting GICD_CTLR with the value it has is not news to anyone. */
START_TEST(ctlr_same_value_kicks_nobody)
{
	flush(0);
	flush(1);
	memset(kicks, 0, sizeof(kicks));
	wr(dist, 0, REG_CTLR, 4, vgic_hw->version == 3 ? 0x12 : 0x1);
	ck_assert(!vc(0)->vgic.dirty && !vc(1)->vgic.dirty);
	ck_assert_uint_eq(kicks[0] + kicks[1], 0);
}
END_TEST

/* ---- GICv3 registers ---------------------------------------------------- */

START_TEST(v3_ctlr)
{
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0x52);  /* DS, ARE, EnableGrp1 */
	memset(kicks, 0, sizeof(kicks));
	wr(dist, 1, REG_CTLR, 4, 0);
	ck_assert(!tvm.vgic.enabled);
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0x50);
	ck_assert(vc(0)->vgic.dirty && vc(1)->vgic.dirty);
	ck_assert_uint_ge(kicks[0], 1);
	ck_assert_uint_ge(kicks[1], 1);
	wr(dist, 0, REG_CTLR, 4, 0x1);      /* group 0 alone: not enabled */
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4) & 0x3, 0);
	wr(dist, 0, REG_CTLR, 4, 0x2);
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0x52);
}
END_TEST

START_TEST(v3_typer_pidr2)
{
	uint32_t typer = (uint32_t)rd(dist, 0, REG_TYPER, 4);

	ck_assert_uint_eq(typer & 0x1f, (32 + CONFIG_MAX_SPIS) / 32 - 1);  /* ITLinesNumber */
	ck_assert_uint_eq((typer >> 19) & 0x1f, 9);                       /* IDbits: 10 */
	ck_assert_uint_eq((rd(dist, 0, REG_PIDR2_V3, 4) >> 4) & 0xf, 3);    /* ArchRev */
	ck_assert_uint_eq((rd(redist, 1, RD_FRAME + REG_PIDR2_V3, 4) >> 4) & 0xf, 3);
}
END_TEST

START_TEST(v3_bit_registers)
{
	wr(dist, 0, REG_ISENABLER + 4, 4, 0x21);            /* SPIs 32 and 37 */
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER + 4, 4), 0x21);
	ck_assert_uint_eq(rd(dist, 1, REG_ICENABLER + 4, 4), 0x21);
	wr(dist, 0, REG_ICENABLER + 4, 4, 0x1);
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER + 4, 4), 0x20);
	ck_assert(!tvm.vgic.spi[0].enabled && tvm.vgic.spi[5].enabled);
	wr(dist, 0, REG_ISENABLER + 8, 4, 0x80000000u);      /* INTID 95, the last */
	ck_assert(tvm.vgic.spi[CONFIG_MAX_SPIS - 1].enabled);
	wr(dist, 0, REG_ISENABLER + 12, 4, 0xffffffffu);     /* beyond: ignored */
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER + 12, 4), 0);

	wr(dist, 0, REG_ISPENDR + 4, 4, 0x8);               /* SPI 35 (disabled) */
	ck_assert_uint_eq(rd(dist, 0, REG_ISPENDR + 4, 4), 0x8);
	ck_assert_uint_eq(rd(dist, 0, REG_ICPENDR + 4, 4), 0x8);
	wr(dist, 0, REG_ICPENDR + 4, 4, 0x8);
	ck_assert_uint_eq(rd(dist, 0, REG_ISPENDR + 4, 4), 0);

	wr(dist, 0, REG_ISACTIVER + 4, 4, 0x4);
	ck_assert_uint_eq(rd(dist, 0, REG_ISACTIVER + 4, 4), 0x4);
	ck_assert_uint_eq(rd(dist, 0, REG_ICACTIVER + 4, 4), 0x4);
	wr(dist, 0, REG_ICACTIVER + 4, 4, 0x4);
	ck_assert_uint_eq(rd(dist, 0, REG_ISACTIVER + 4, 4), 0);

	ck_assert_uint_eq(rd(dist, 0, REG_IGROUPR + 4, 4), 0xffffffffu);  /* group 1 */

	/* Redistributor SGI frames: each vCPU's own. */
	wr(redist, 0, RD_FRAME + RD_SGI + REG_ISENABLER, 4, 0x08000010);
	ck_assert_uint_eq(rd(redist, 0, RD_FRAME + RD_SGI + REG_ISENABLER, 4), 0x08000010);
	ck_assert_uint_eq(rd(redist, 0, RD_SGI + REG_ISENABLER, 4), 0);
	ck_assert(vc(1)->vgic.priv[27].enabled && !vc(0)->vgic.priv[27].enabled);
}
END_TEST

START_TEST(v3_priority_bytes_and_words)
{
	wr(dist, 0, REG_IPRIORITYR + 40, 1, 0xa8);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 40, 1), 0xa8);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 40, 4), 0xa8);
	wr(dist, 0, REG_IPRIORITYR + 44, 4, 0x11223344);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 44, 1), 0x44);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 45, 1), 0x33);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 47, 1), 0x11);
	ck_assert_uint_eq(tvm.vgic.spi[44 - 32].priority, 0x44);
	ck_assert_uint_eq(tvm.vgic.spi[47 - 32].priority, 0x11);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 44, 4), 0x11223344);
	/* SGI/PPI priorities live in the redistributor. */
	wr(redist, 1, RD_FRAME + RD_SGI + REG_IPRIORITYR + 4, 4, 0x50607080);
	ck_assert_uint_eq(vc(1)->vgic.priv[7].priority, 0x50);
	ck_assert_uint_eq(vc(0)->vgic.priv[7].priority, 0);
	ck_assert_uint_eq(rd(redist, 1, RD_FRAME + RD_SGI + REG_IPRIORITYR + 6, 1), 0x60);
}
END_TEST

START_TEST(v3_icfgr)
{
	wr(dist, 0, REG_ICFGR + 8, 4, 0xaaaaaaaa);           /* INTIDs 32-47 edge */
	ck_assert_uint_eq(rd(dist, 0, REG_ICFGR + 8, 4), 0xaaaaaaaa);
	ck_assert(tvm.vgic.spi[0].edge && tvm.vgic.spi[15].edge && !tvm.vgic.spi[16].edge);
	wr(dist, 0, REG_ICFGR + 8, 4, 0x0000000a);
	ck_assert_uint_eq(rd(dist, 0, REG_ICFGR + 8, 4), 0xa);
	/* SGIs stay edge whatever is written. */
	wr(redist, 0, RD_SGI + REG_ICFGR, 4, 0);
	ck_assert_uint_eq(rd(redist, 0, RD_SGI + REG_ICFGR, 4), 0xaaaaaaaa);
	ck_assert(vc(0)->vgic.priv[0].edge && vc(0)->vgic.priv[15].edge);
}
END_TEST

START_TEST(v3_irouter)
{
	uint64_t r40 = REG_IROUTER + 8 * 40;

	wr(dist, 0, r40, 8, 1);                                /* 0.0.0.1 */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 1);
	ck_assert_uint_eq(rd(dist, 0, r40, 8), 1);
	ck_assert_uint_eq(rd(dist, 0, r40 + 4, 4), 0);
	wr(dist, 0, r40, 8, 5);                                /* no vCPU 5 */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 0);
	wr(dist, 0, r40, 8, 1);
	wr(dist, 0, r40, 8, 0x101);                            /* Aff1 = 1 */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 0);
	wr(dist, 0, r40, 8, 1);
	wr(dist, 0, r40, 8, 0x100000001ull);                   /* Aff3 = 1 */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 0);
	wr(dist, 0, r40, 8, 1);
	wr(dist, 0, r40, 8, (1u << 31) | 1);                   /* 1-of-N */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 0);
	wr(dist, 0, r40, 4, 1);                                /* 32-bit halves */
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 1);
	ck_assert_uint_eq(rd(dist, 0, r40, 4), 1);
	/* Private INTIDs have no IROUTER. */
	wr(dist, 0, REG_IROUTER + 8 * 20, 8, 1);
	ck_assert_uint_eq(rd(dist, 0, REG_IROUTER + 8 * 20, 8), 0);
}
END_TEST

START_TEST(v3_dist_private_raz_wi)
{
	wr(dist, 0, REG_ISENABLER, 4, 0xffffffffu);
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER, 4), 0);
	ck_assert(!vc(0)->vgic.priv[0].enabled && !vc(0)->vgic.priv[27].enabled);
	wr(dist, 0, REG_ISPENDR, 4, 0xffffffffu);
	ck_assert_uint_eq(rd(dist, 0, REG_ISPENDR, 4), 0);
	wr(dist, 0, REG_IPRIORITYR + 8, 4, 0xffffffffu);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR + 8, 4), 0);
	ck_assert_uint_eq(vc(0)->vgic.priv[8].priority, 0);
	wr(dist, 0, REG_ICFGR + 4, 4, 0xaaaaaaaa);
	ck_assert_uint_eq(rd(dist, 0, REG_ICFGR + 4, 4), 0);
	ck_assert(!vc(0)->vgic.priv[20].edge);
	ck_assert_uint_eq(rd(dist, 0, REG_IGROUPR, 4), 0);
	ck_assert_uint_eq(valid_lrs(0), 0);
}
END_TEST

START_TEST(v3_gicr_typer_waker)
{
	uint64_t t0 = rd(redist, 0, RD_TYPER, 8), t1 = rd(redist, 0, RD_FRAME + RD_TYPER, 8);

	ck_assert_uint_eq(t0 >> 32, 0);                 /* Affinity_Value 0.0.0.0 */
	ck_assert_uint_eq((t0 >> 8) & 0xffff, 0);       /* Processor_Number */
	ck_assert_uint_eq(t0 & (1u << 4), 0);           /* not Last */
	ck_assert_uint_eq(t1 >> 32, 1);                 /* 0.0.0.1 */
	ck_assert_uint_eq((t1 >> 8) & 0xffff, 1);
	ck_assert_uint_ne(t1 & (1u << 4), 0);           /* Last */
	ck_assert_uint_eq(rd(redist, 0, RD_FRAME + RD_TYPER, 4), (uint32_t)t1);
	ck_assert_uint_eq(rd(redist, 0, RD_FRAME + RD_TYPER + 4, 4), t1 >> 32);

	/* WAKER: asleep out of reset; ChildrenAsleep follows ProcessorSleep. */
	ck_assert_uint_eq(rd(redist, 0, RD_WAKER, 4), 0x6);
	wr(redist, 0, RD_WAKER, 4, 0);
	ck_assert_uint_eq(rd(redist, 0, RD_WAKER, 4), 0);
	ck_assert_uint_eq(rd(redist, 1, RD_FRAME + RD_WAKER, 4), 0x6);
	wr(redist, 0, RD_WAKER, 4, 0x2);
	ck_assert_uint_eq(rd(redist, 0, RD_WAKER, 4), 0x6);
}
END_TEST

START_TEST(v3_windows)
{
	ck_assert_uint_eq(tvm.ndevs, 2);
	ck_assert_uint_eq(dist->ipa, DIST_IPA);
	ck_assert_uint_eq(dist->size, 0x10000);
	ck_assert_ptr_eq(dist->ops, &vgic_dist_v3_ops);
	ck_assert_uint_eq(redist->ipa, REDIST_IPA);
	ck_assert_uint_eq(redist->size, NR_CPU * RD_FRAME);
	ck_assert_ptr_eq(redist->vm, &tvm);
	ck_assert_uint_eq(s2map.calls, 0);
}
END_TEST

/* ---- GICv2 registers ---------------------------------------------------- */

START_TEST(v2_ctlr_typer_pidr2)
{
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0x1);
	wr(dist, 0, REG_CTLR, 4, 0);
	ck_assert_uint_eq(rd(dist, 0, REG_CTLR, 4), 0);
	ck_assert(!tvm.vgic.enabled);
	ck_assert_uint_eq(rd(dist, 0, REG_TYPER, 4) & 0x1f, (32 + CONFIG_MAX_SPIS) / 32 - 1);
	ck_assert_uint_eq((rd(dist, 0, REG_TYPER, 4) >> 5) & 7, NR_CPU - 1);  /* CPUNumber */
	ck_assert_uint_eq((rd(dist, 0, REG_PIDR2_V2, 4) >> 4) & 0xf, 2);
	/* The GICC is the hardware's GICV frame, mapped into the VM. */
	ck_assert_uint_eq(tvm.ndevs, 1);
	ck_assert_uint_eq(dist->size, 0x1000);
	ck_assert_uint_eq(s2map.calls, 1);
	ck_assert_uint_eq(s2map.ipa, CPUIF_IPA);
	ck_assert_uint_eq(s2map.pa, GICV_PA);
	ck_assert_uint_eq(s2map.size, 0x2000);
	ck_assert_uint_eq(s2map.flags, REGION_READ | REGION_WRITE | REGION_DEVICE);
}
END_TEST

START_TEST(v2_banked_private)
{
	wr(dist, 0, REG_ISENABLER, 4, 0x08000010);
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER, 4), 0x08000010);
	ck_assert_uint_eq(rd(dist, 1, REG_ISENABLER, 4), 0);
	wr(dist, 1, REG_IPRIORITYR + 1, 1, 0x40);
	ck_assert_uint_eq(rd(dist, 1, REG_IPRIORITYR, 4), 0x4000);
	ck_assert_uint_eq(rd(dist, 0, REG_IPRIORITYR, 4), 0);
	wr(dist, 1, REG_ISACTIVER, 4, 1u << 30);
	ck_assert_uint_eq(rd(dist, 1, REG_ISACTIVER, 4), 1u << 30);
	ck_assert_uint_eq(rd(dist, 0, REG_ISACTIVER, 4), 0);
	/* SPIs are shared. */
	wr(dist, 1, REG_ISENABLER + 4, 4, 0x2);
	ck_assert_uint_eq(rd(dist, 0, REG_ISENABLER + 4, 4), 0x2);
	wr(dist, 0, REG_IPRIORITYR + 33, 1, 0x70);
	ck_assert_uint_eq(rd(dist, 1, REG_IPRIORITYR + 33, 1), 0x70);
}
END_TEST

START_TEST(v2_itargetsr)
{
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR, 4), 0x01010101);
	ck_assert_uint_eq(rd(dist, 1, REG_ITARGETSR + 28, 4), 0x02020202);
	ck_assert_uint_eq(rd(dist, 1, REG_ITARGETSR + 27, 1), 0x02);
	wr(dist, 0, REG_ITARGETSR + 8, 4, 0x02020202);        /* private: read-only */
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 8, 4), 0x01010101);
	/* SPIs reset to no target (IHI 0048B table 4-1). */
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 40, 4), 0);
	wr(dist, 0, REG_ITARGETSR + 40, 1, 0x02);
	ck_assert_uint_eq(tvm.vgic.spi[8].target, 1);
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 40, 1), 0x02);
	/* A CPU mask, masked to the two vCPUs, read back exactly. */
	wr(dist, 0, REG_ITARGETSR + 40, 4, 0x0103020f);
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 40, 4), 0x01030203);
	ck_assert_uint_eq(rd(dist, 1, REG_ITARGETSR + 41, 1), 0x02);
	ck_assert_uint_eq(rd(dist, 1, REG_ITARGETSR + 42, 2), 0x0103);
	wr(dist, 0, REG_ITARGETSR + 44, 1, 0x1f);
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 44, 1), 0x03);
	wr(dist, 0, REG_ITARGETSR + 45, 2, 0x8001);            /* no CPU 7 */
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 44, 4), 0x00000103);
	ck_assert_uint_eq(tvm.vgic.spi[14].target, VGIC_NO_TARGET);
	wr(dist, 0, REG_ITARGETSR + 42, 1, 0);
	ck_assert_uint_eq(rd(dist, 0, REG_ITARGETSR + 40, 4), 0x01000203);
}
END_TEST

/* A CPU mask naming one vCPU delivers there, and only there. */
START_TEST(v2_itargetsr_delivers_to_listed)
{
	wr(dist, 0, REG_ITARGETSR + 42, 1, 0x02);
	enable(0, 42, 0x80);
	vgic_set_level(&tvm, 42, true);
	flush(0);
	flush(1);
	ck_assert_int_lt(lr_of(0, 42), 0);
	ck_assert_int_ge(lr_of(1, 42), 0);
}
END_TEST

/* 1-of-N: a mask of both vCPUs delivers once, to an online one. */
START_TEST(v2_itargetsr_one_of_n)
{
	vc(0)->state = VCPU_OFF;
	vc(1)->state = VCPU_RUNNABLE;
	set_edge(42);
	wr(dist, 0, REG_ITARGETSR + 42, 1, 0x03);
	enable(0, 42, 0x80);
	vgic_set_level(&tvm, 42, true);                 /* one edge */
	vgic_set_level(&tvm, 42, false);
	flush(0);
	flush(1);
	ck_assert_int_lt(lr_of(0, 42), 0);
	ck_assert_int_ge(lr_of(1, 42), 0);
	run_guest(0);
	run_guest(1);
	ck_assert_uint_eq(times(1, 42, 0), 1);
	ck_assert_uint_eq(times(0, 42, 0), 0);
	/* Both on: deterministic, the lowest listed. */
	vc(0)->state = VCPU_RUNNABLE;
	flush(1);                                       /* vCPU 1 is done with it */
	vgic_set_level(&tvm, 42, true);
	vgic_set_level(&tvm, 42, false);
	run_guest(0);
	run_guest(1);
	ck_assert_uint_eq(times(0, 42, 0), 1);
	ck_assert_uint_eq(times(1, 42, 0), 1);
}
END_TEST

/* An empty mask: pending, but forwarded to no CPU until one is named. */
START_TEST(v2_itargetsr_empty_not_delivered)
{
	enable(0, 42, 0x80);
	vgic_set_level(&tvm, 42, true);
	flush(0);
	flush(1);
	ck_assert_int_lt(lr_of(0, 42), 0);
	ck_assert_int_lt(lr_of(1, 42), 0);
	ck_assert(irq_bit_read(0, REG_ISPENDR, 42));
	wr(dist, 1, REG_ITARGETSR + 42, 1, 0x02);
	ck_assert(vc(1)->vgic.dirty);
	flush(0);
	flush(1);
	ck_assert_int_lt(lr_of(0, 42), 0);
	ck_assert_int_ge(lr_of(1, 42), 0);
}
END_TEST

START_TEST(v2_sgir_filter)
{
	wr(dist, 0, REG_SGIR, 4, (0x22u << 16) | 3);     /* list: CPUs 1 and 5 (none) */
	ck_assert_uint_eq(vc(1)->vgic.priv[3].sgi_src, 1u << 0);
	ck_assert_uint_eq(vc(0)->vgic.priv[3].sgi_src, 0);
	ck_assert_uint_ge(kicks[1], 1);
	wr(dist, 1, REG_SGIR, 4, (1u << 24) | (0xffu << 16) | 3);   /* all but self */
	ck_assert_uint_eq(vc(0)->vgic.priv[3].sgi_src, 1u << 1);
	ck_assert_uint_eq(vc(1)->vgic.priv[3].sgi_src, 1u << 0);
	wr(dist, 1, REG_SGIR, 4, (2u << 24) | 3);                  /* self */
	ck_assert_uint_eq(vc(1)->vgic.priv[3].sgi_src, 0x3);
	wr(dist, 0, REG_SGIR, 4, (3u << 24) | (0xffu << 16) | 9);  /* reserved */
	ck_assert_uint_eq(vc(0)->vgic.priv[9].sgi_src, 0);
	ck_assert_uint_eq(vc(1)->vgic.priv[9].sgi_src, 0);
	/* SPENDSGIR/CPENDSGIR: a byte of sources per SGI, banked. */
	ck_assert_uint_eq(rd(dist, 1, REG_SPENDSGIR, 4), 0x03000000);
	ck_assert_uint_eq(rd(dist, 0, REG_CPENDSGIR + 3, 1), 0x02);
	wr(dist, 1, REG_CPENDSGIR + 3, 1, 0x1);
	ck_assert_uint_eq(vc(1)->vgic.priv[3].sgi_src, 0x2);
	ck_assert_uint_eq(vc(0)->vgic.priv[3].sgi_src, 0x2);
}
END_TEST

START_TEST(v2_sgi_source_in_lr)
{
	int i;

	enable(0, 1, 0x80);
	wr(dist, 1, REG_SGIR, 4, (1u << 16) | 1);          /* vCPU 1 -> vCPU 0 */
	flush(0);
	i = lr_of(0, 1);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(hw_lr[0][i].source, 1);
	ck_assert(!hw_lr[0][i].eoi_maint);
	run_guest(0);
	ck_assert_uint_eq(times(0, 1, 1), 1);
	ck_assert_uint_eq(nseen[0], 1);
	ck_assert_uint_eq(vc(0)->vgic.priv[1].sgi_src, 0);
}
END_TEST

/* ---- Registration ------------------------------------------------------- */

static void add(Suite *s, const char *name, const TTest *t, void (*fixture)(void))
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, HOST_TEST_TIMEOUT);
	tcase_add_checked_fixture(tc, fixture, NULL);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

#define ADD(s, test, fixture) add((s), #test, test, (fixture))

void host_tests_init(void)
{
	Suite *m = host_suite("vgic");
	Suite *r = host_suite("vgic_regs");

	ADD(m, sgi_lands_in_lr, setup_v3);
	ADD(m, more_pending_than_lrs, setup_v3);
	ADD(m, priority_order_across_flushes, setup_v3);
	ADD(m, eviction_requests_underflow, setup_v3);
	ADD(m, edge_active_pending_same_lr, setup_v3);
	ADD(m, level_spi_lowered_is_withdrawn, setup_v3);
	ADD(m, level_spi_high_after_eoi_redelivered, setup_v3);
	ADD(m, hw_vtimer_entry, setup_v3);
	ADD(m, disabled_delivered_on_enable, setup_v3);
	ADD(m, vtimer_dropped_while_disabled_withdrawn, setup_v3);
	ADD(m, vtimer_dropped_in_lr_withdrawn, setup_v2);
	ADD(m, wfx_traps_while_vtimer_held, setup_v3);
	ADD(m, disable_in_lr_keeps_pending, setup_v3);
	ADD(m, spi_routed_to_vcpu1, setup_v3);
	ADD(m, retarget_in_lr_no_duplicate, setup_v3);
	ADD(m, retarget_then_eoi_reaches_new_target, setup_v3);
	ADD(m, v2_sgi_two_sources, setup_v2);
	ADD(m, v2_sgi_second_source_while_active, setup_v2);
	ADD(m, v2_sgi_source_in_lr, setup_v2);
	ADD(m, reset_vm_clears_everything, setup_v3);
	ADD(m, no_maintenance_after_all_eoied, setup_v3);
	ADD(m, level_spi_pended_by_ispendr_survives_flush, setup_v3);
	ADD(m, icpendr_withdraws_lr_entry, setup_v3);
	ADD(m, edge_spi_raised_by_line, setup_v3);
	ADD(m, active_read_back, setup_v3);
	ADD(m, no_kick_unless_loaded, setup_v3);
	ADD(m, retarget_pending_in_lr_moves, setup_v3);
	ADD(m, retarget_pending_in_lr_moves, setup_v2);
	ADD(m, cpu_off_folds_spis_back, setup_v3);
	ADD(m, cpu_off_folds_spis_back, setup_v2);
	ADD(m, no_kick_unless_loaded, setup_v2);
	ADD(m, edge_pending_twice_delivered_once, setup_v3);
	ADD(m, pulse_edge_once_level_never, setup_v3);
	ADD(m, pulse_edge_once_level_never, setup_v2);
	ADD(m, icpendr_then_pending_again_before_flush, setup_v3);
	ADD(m, isactiver_holds_delivery, setup_v3);
	ADD(m, edge_while_active_pending_merged, setup_v3);
	ADD(m, edge_while_active_pending_merged, setup_v2);
	ADD(m, finished_entry_reused, setup_v3);
	ADD(m, finished_entry_reused, setup_v2);
	ADD(m, retarget_active_edge_pulsed, setup_v3);
	ADD(m, retarget_active_edge_pulsed, setup_v2);

	ADD(r, v3_ctlr, setup_v3);
	ADD(r, ctlr_same_value_kicks_nobody, setup_v3);
	ADD(r, ctlr_same_value_kicks_nobody, setup_v2);
	ADD(r, v3_typer_pidr2, setup_v3);
	ADD(r, v3_bit_registers, setup_v3);
	ADD(r, v3_priority_bytes_and_words, setup_v3);
	ADD(r, v3_icfgr, setup_v3);
	ADD(r, v3_irouter, setup_v3);
	ADD(r, v3_dist_private_raz_wi, setup_v3);
	ADD(r, v3_gicr_typer_waker, setup_v3);
	ADD(r, v3_windows, setup_v3);
	ADD(r, v2_ctlr_typer_pidr2, setup_v2);
	ADD(r, v2_banked_private, setup_v2);
	ADD(r, v2_itargetsr, setup_v2);
	ADD(r, v2_itargetsr_delivers_to_listed, setup_v2);
	ADD(r, v2_itargetsr_one_of_n, setup_v2);
	ADD(r, v2_itargetsr_empty_not_delivered, setup_v2);
	ADD(r, v2_sgir_filter, setup_v2);
}
