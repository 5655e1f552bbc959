/*
 * libFuzzer harness: the vGIC model (src/core/vgic.c, vgic_lr.c) and its
 * register emulation (src/devices/vgic_regs.c), built as
 * tests/host/test_vgic.c builds them (after a fake spinlock, over fake list
 * registers: four per pCPU), for a VM of two vCPUs on GICv3 or GICv2.
 * The input is a program: distributor and redistributor reads and writes
 * at any offset, width and value from either vCPU, device lines, SGIs,
 * flushes, the guest acknowledging and EOIing, maintenance interrupts.
 * Invariants after every step: no lock held; a read changes nothing; no
 * INTID in two valid list registers of a vCPU, nor an SPI in list
 * registers of both; every valid list register's interrupt is marked
 * in_lr in the model; a guest that takes everything quiesces (no
 * maintenance livelock) and is never shown more deliveries than the
 * interrupts made pending.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "../host/fake_spinlock.h"

#include "core/vgic_lr.c"
#include "core/vgic.c"
#include "devices/vgic_regs.c"

#define NR_LR  4
#define NR_CPU 2

static struct vm_config tcfg;
static struct vm tvm;
static struct pcpu tpcpu[NR_CPU];
static unsigned cur;
static struct vgic_lr hw_lr[NR_CPU][NR_LR];
static bool trace;   /* FUZZ_TRACE set: print each step (for a crash input) */
static bool hw_underflow[NR_CPU];
static uint32_t hw_eisr[NR_CPU];

struct pcpu *pcpu_this(void)
{
	return &tpcpu[cur];
}

void arch_kick(const struct pcpu *target)
{
	FUZZ_ASSERT(tvm.vgic.lock.held == 0);
	FUZZ_ASSERT(target >= tpcpu && target < tpcpu + NR_CPU);
}

void arch_kick_vgic(const struct pcpu *target)
{
	arch_kick(target);
}

/* The vtimer's output: unknown to the model, as for another pCPU's vCPU. */
enum arch_line arch_vtimer_line(const struct vcpu *v)
{
	(void)v;
	return ARCH_LINE_UNKNOWN;
}

void arch_vtimer_release(struct vcpu *v)
{
	(void)v;
}

/* The fuzzed vCPUs share their pCPUs (wfx_hw clear): never called. */
void arch_wfx_trap(bool trap)
{
	(void)trap;
	FUZZ_ASSERT(0);
}

bool sched_wake_locked(struct vcpu *v)
{
	FUZZ_ASSERT(tvm.lock.held == 1 && tvm.vgic.lock.held == 0);
	(void)v;
	return false;
}

int arch_stage2_map(struct arch_stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
		    uint32_t region_flags)
{
	(void)s2; (void)ipa; (void)pa; (void)size; (void)region_flags;
	return 0;
}

static bool lr_valid(const struct vgic_lr *lr)
{
	return lr->pending || lr->active;
}

static void fake_read_lr(unsigned i, struct vgic_lr *lr)
{
	FUZZ_ASSERT(i < NR_LR);
	*lr = hw_lr[cur][i];
}

static void fake_write_lr(unsigned i, const struct vgic_lr *lr)
{
	FUZZ_ASSERT(i < NR_LR && tvm.vgic.lock.held == 1);
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

static void fake_reset_cpu(struct vgic_cpu *c) { (void)c; }
static void fake_save(struct vgic_cpu *c) { (void)c; }
static void fake_restore(const struct vgic_cpu *c) { (void)c; }

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

static const struct vgic_hw fake_hw[2] = {
	{ .version = 3, .nr_lr = NR_LR, .sgi_sources = false,
	  .read_lr = fake_read_lr, .write_lr = fake_write_lr,
	  .write_lr_hw = fake_write_lr_hw, .empty_lrs = fake_empty_lrs,
	  .set_underflow = fake_set_underflow, .ack_maintenance = fake_ack_maintenance,
	  .reset_cpu = fake_reset_cpu, .save = fake_save, .restore = fake_restore },
	{ .version = 2, .nr_lr = NR_LR, .sgi_sources = true,
	  .read_lr = fake_read_lr, .write_lr = fake_write_lr,
	  .write_lr_hw = fake_write_lr_hw, .empty_lrs = fake_empty_lrs,
	  .set_underflow = fake_set_underflow, .ack_maintenance = fake_ack_maintenance,
	  .reset_cpu = fake_reset_cpu, .save = fake_save, .restore = fake_restore },
};

static bool maint_asserted(unsigned p)
{
	unsigned valid = 0;

	for (unsigned i = 0; i < NR_LR; i++)
		valid += lr_valid(&hw_lr[p][i]);
	return (hw_underflow[p] && valid <= 1) || hw_eisr[p];
}

static void on(unsigned v)
{
	cur = v;
	tpcpu[v].current = &tvm.vcpus[v];
}

static void flush(unsigned v)
{
	on(v);
	vgic_flush(&tvm.vcpus[v]);
	FUZZ_ASSERT(tvm.vgic.lock.held == 0 && !tvm.vcpus[v].vgic.dirty);
}

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
	}
	return best;
}

static void guest_eoi(unsigned v, int i)
{
	struct vgic_lr *lr = &hw_lr[v][i];

	if (!lr->active)
		return;
	lr->active = false;
	if (!lr->hw && lr->eoi_maint && !lr->pending)
		hw_eisr[v] |= 1u << i;
}

/* A guest that takes and EOIs everything, lowering the line of each SPI it
 * takes (as its driver would); must quiesce. */
static void run_guest(unsigned v)
{
	for (unsigned step = 0; step < 4000; step++) {
		int i;

		on(v);
		if (tvm.vcpus[v].vgic.dirty)
			flush(v);
		if (maint_asserted(v)) {
			vgic_maintenance(&tvm.vcpus[v]);
			continue;
		}
		i = guest_ack(v);
		if (i < 0)
			return;
		if (trace && step > 3990)
			fprintf(stderr, "  run_guest: took INTID %u (LR %d)\n", hw_lr[v][i].intid, i);
		/* Its driver quietens the device before the EOI: a line still
		 * high would be delivered again, rightly, for ever. */
		if (hw_lr[v][i].intid >= VGIC_NR_PRIVATE)
			vgic_set_level(&tvm, hw_lr[v][i].intid, false);
		guest_eoi(v, i);
	}
	FUZZ_ASSERT(0, "vCPU %u: delivery or maintenance livelock\n", v);
}

static void check_lrs(void)
{
	FUZZ_ASSERT(tvm.vgic.lock.held == 0 && tvm.lock.held == 0);
	for (unsigned p = 0; p < NR_CPU; p++)
		for (unsigned i = 0; i < NR_LR; i++) {
			const struct vgic_lr *a = &hw_lr[p][i];
			const struct vgic_irq *irq;

			if (!lr_valid(a))
				continue;
			FUZZ_ASSERT(a->intid < VGIC_NR_PRIVATE + CONFIG_MAX_SPIS);
			irq = vgic_get_irq(&tvm, &tvm.vcpus[p], a->intid);
			FUZZ_ASSERT(irq && irq->in_lr, "LR %u of vCPU %u: INTID %u\n", i, p,
				    a->intid);
			for (unsigned q = 0; q < NR_CPU; q++)
				for (unsigned j = 0; j < NR_LR; j++) {
					const struct vgic_lr *b = &hw_lr[q][j];

					if ((q == p && j == i) || !lr_valid(b) || b->intid != a->intid)
						continue;
					/* A GICv2 SGI may sit once per source. */
					FUZZ_ASSERT(q != p ? a->intid < VGIC_NR_PRIVATE :
						    (fake_hw[1].sgi_sources && vgic_hw->version == 2 &&
						     a->intid < 16 && a->source != b->source),
						    "INTID %u twice (vCPU %u LR %u, vCPU %u LR %u)\n",
						    a->intid, p, i, q, j);
				}
		}
}

static void setup(unsigned version)
{
	memset(&tvm, 0, sizeof(tvm));
	memset(&tcfg, 0, sizeof(tcfg));
	memset(tpcpu, 0, sizeof(tpcpu));
	memset(hw_lr, 0, sizeof(hw_lr));
	memset(hw_underflow, 0, sizeof(hw_underflow));
	memset(hw_eisr, 0, sizeof(hw_eisr));
	tcfg.vcpu_count = NR_CPU;
	tcfg.vcpu_pcpu[1] = 1;
	tcfg.vgic = (struct vgic_config){ 0x08000000, 0x080a0000, 0x08010000 };
	tvm.cfg = &tcfg;
	for (unsigned i = 0; i < NR_CPU; i++) {
		tvm.vcpus[i].vm = &tvm;
		tvm.vcpus[i].index = i;
		tvm.vcpus[i].pcpu = &tpcpu[i];
		tvm.vcpus[i].state = VCPU_RUNNABLE;
		tpcpu[i].id = i;
	}
	vgic_hw = &fake_hw[version == 2];
	vgic_v2_gicv_pa = 0x2c02f000;
	FUZZ_ASSERT(vgic_init_vm(&tvm));
	spin_lock(&tvm.lock);
	vgic_reset_vm(&tvm);
	spin_unlock(&tvm.lock);
}

static void access(struct fuzz_in *in, unsigned op, unsigned v)
{
	bool redist = vgic_hw->version == 3 && (op & 0x10);
	struct vdev *d = &tvm.devs[redist ? 1 : 0];
	unsigned width = 1u << ((op >> 5) & 3);
	uint64_t off = fuzz_take(in, 3) % d->size;

	if (op & 0x80)   /* mostly the registers that hold state */
		off &= redist ? 0x10fff : 0x6fff;
	on(v);
	if (trace)
		fprintf(stderr, "vCPU %u %s %s 0x%lx/%u\n", v, op & 8 ? "write" : "read",
			redist ? "redist" : "dist", (unsigned long)off, width);
	if (op & 8) {
		uint64_t val = fuzz_take(in, width);

		if (trace)
			fprintf(stderr, "  value 0x%lx\n", (unsigned long)val);
		FUZZ_ASSERT(d->ops->write(d, off, width, val));
	} else {
		static struct vgic_dist dist_before;
		static struct vgic_cpu cpu_before[NR_CPU];
		struct vdev_read r;

		/* Reads change nothing (vgic_regs.c): the whole model stays. */
		dist_before = tvm.vgic;
		for (unsigned i = 0; i < NR_CPU; i++)
			cpu_before[i] = tvm.vcpus[i].vgic;
		r = d->ops->read(d, off, width);
		FUZZ_ASSERT(r.ok);
		FUZZ_ASSERT(memcmp(&dist_before, &tvm.vgic, sizeof(dist_before)) == 0,
			    "read of %u bytes at 0x%lx changed the distributor\n", width,
			    (unsigned long)off);
		for (unsigned i = 0; i < NR_CPU; i++)
			FUZZ_ASSERT(memcmp(&cpu_before[i], &tvm.vcpus[i].vgic,
					   sizeof(cpu_before[i])) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	trace = getenv("FUZZ_TRACE") != NULL;
	setup(fuzz_take(&in, 1) & 1 ? 2 : 3);
	while (in.n) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned v = (op >> 7) & 1;

		if (trace)
			fprintf(stderr, "op 0x%02x (kind %u) on vCPU %u\n", op, op & 7, v);
		switch (op & 7) {
		case 0: case 1:
			access(&in, op, (unsigned)fuzz_take(&in, 1) & 1);
			break;
		case 2:
			on(v);
			vgic_set_level(&tvm, VGIC_NR_PRIVATE + (unsigned)fuzz_take(&in, 1) %
				       CONFIG_MAX_SPIS, (op >> 3) & 1);
			break;
		case 3: {
			unsigned a = (unsigned)fuzz_take(&in, 1);

			on(v);
			if (trace)
				fprintf(stderr, "  SGI %u %s\n", (a >> 1) & 15, op & 8 ? "raise" : "send");
			if (op & 8)
				vgic_raise_sgi(&tvm.vcpus[a & 1], (a >> 1) & 15, v);
			else
				vgic_send_sgi(&tvm.vcpus[v], (a >> 1) & 15,
					      (unsigned)fuzz_take(&in, 1), (op >> 4) & 1);
			break;
		}
		case 4:
			flush(v);
			break;
		case 5:
			if (op & 8) {
				int i = guest_ack(v);

				if (trace)
					fprintf(stderr, "  ack LR %d\n", i);
			} else {
				int i = (int)((op >> 4) & 3);

				if (trace)
					fprintf(stderr, "  eoi LR %d\n", i);
				guest_eoi(v, i);
			}
			break;
		case 6:
			on(v);
			if (maint_asserted(v))
				vgic_maintenance(&tvm.vcpus[v]);
			break;
		default:
			run_guest(v);
			break;
		}
		if (trace)
			for (unsigned p = 0; p < NR_CPU; p++)
				for (unsigned i = 0; i < NR_LR; i++)
					if (lr_valid(&hw_lr[p][i]))
						fprintf(stderr, "  vCPU %u LR %u: INTID %u src %u %s%s\n", p, i,
							hw_lr[p][i].intid, hw_lr[p][i].source,
							hw_lr[p][i].pending ? "P" : "", hw_lr[p][i].active ? "A" : "");
		if (trace) {
			const struct vgic_irq *q = &tvm.vcpus[0].vgic.priv[10];

			fprintf(stderr, "  [SGI10@0 in_lr %d src 0x%x clear_req %d dirty %d]\n",
				q->in_lr, q->sgi_src, q->clear_req, tvm.vcpus[0].vgic.dirty);
		}
		check_lrs();
	}
	run_guest(0);
	run_guest(1);
	check_lrs();
	return 0;
}
