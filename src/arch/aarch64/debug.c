/*
 * Guest self-hosted debug: breakpoints, watchpoints and software step
 * (Arm ARM D2) for every vCPU, with each VM's debug state kept its own.
 *
 * Debug exceptions go to the guest's EL1: numbat runs guests with
 * MDCR_EL2.TDE and HCR_EL2.TGE clear, so the debug target EL is EL1 (Arm
 * ARM D2, "Routing debug exceptions"), and since that is below EL2 no
 * breakpoint, watchpoint or step a guest arms can fire while numbat runs
 * (pseudocode AArch64.GenerateDebugExceptionsFrom: never from an EL above
 * the target). MDSCR_EL1.KDE and PSTATE.D are the guest's own.
 *
 * Lazy switching (as KVM does): a vCPU's debug registers live in its
 * struct arch_debug. While the vCPU does not use debug, MDCR_EL2.TDA traps
 * its accesses and the hardware holds the reset state (everything 0, so no
 * breakpoint is armed and MDSCR_EL1 enables nothing). Its first trapped
 * access makes it "live": its set is written to the hardware, TDA is
 * cleared for it, and the access is executed again, now on the hardware.
 * A live vCPU's set is saved when it leaves its pCPU and restored when it
 * comes back; when it leaves with neither MDSCR_EL1.MDE nor SS set (its
 * breakpoints and step cannot fire), it stops being live and traps again.
 * Loading a vCPU that is not live onto a pCPU whose hardware holds another
 * vCPU's set clears the hardware first (hw_dirty), so no VM ever runs with
 * another's breakpoints armed or sees its values.
 *
 * OS lock (D2, "The OS Lock"; OSLAR_EL1/OSLSR_EL1): always trapped (MDCR_EL2.TDOSA) and
 * emulated per vCPU; the hardware OS lock stays unlocked. While a vCPU's
 * lock is set it is never live: its accesses are emulated on the saved
 * copy and the hardware's MDSCR_EL1 is 0, so no breakpoint, watchpoint or
 * step exception is generated (AArch64.GenerateDebugExceptionsFrom: none
 * while OSLK is 1; BRK still works). The OS Double Lock is not offered
 * (ID_AA64DFR0_EL1.DoubleLock = 0b1111, OSDLR_EL1 RAZ/WI), so no guest
 * can put a core in a state that affects another VM. DBGPRCR_EL1 (a
 * powerdown request for the physical core) is RAZ/WI, MDRAR_EL1 reads
 * "no ROM table". TDRA and TDOSA stay set for every vCPU.
 *
 * Limit: with TDA clear a live vCPU also reaches the Debug Communications
 * Channel and claim tag registers. QEMU 7.2 implements neither (they are
 * undefined even at EL2, so numbat cannot save them there); on hardware
 * that has them, their contents are not switched.
 */
#include "arch/aarch64/debug.h"

#include "arch/aarch64/sysreg.h"
#include "core/pcpu.h"
#include "core/vcpu.h"
#include "lib/string.h"

/* MDSCR_EL1 (Arm ARM, register MDSCR_EL1): the fields a guest controls. */
#define MDSCR_SS      BIT(0)
#define MDSCR_TDCC    BIT(12)
#define MDSCR_KDE     BIT(13)
#define MDSCR_MDE     BIT(15)
#define MDSCR_RW      (MDSCR_SS | MDSCR_TDCC | MDSCR_KDE | MDSCR_MDE)
/* What makes a set worth keeping in the hardware. */
#define MDSCR_IN_USE  (MDSCR_SS | MDSCR_MDE)
/* MDCCINT_EL1: TX and RX interrupt enables. */
#define MDCCINT_RW    (BIT(29) | BIT(30))
/* Writable fields of DBGBCR<n>_EL1 / DBGWCR<n>_EL1; V registers: [1:0] RES0. */
#define DBGBCR_RW     0x00ffe1e7ull
#define DBGWCR_RW     0x1f1fffffull
#define DBGxVR_RW     (~3ull)
/* OSLSR_EL1: OSLM = 0b10 (OS lock implemented), OSLK at bit 1. */
#define OSLSR_OSLM_IMP BIT(3)
#define OSLSR_OSLK     BIT(1)

/* ID_AA64DFR0_EL1: DebugVer, BRPs, WRPs and CTX_CMPs are the hardware's. */
#define DFR0_DEBUGVER(v)  ((v) & 0xfull)
#define DFR0_BRPS(v)      EXTRACT(v, 12, 4)
#define DFR0_WRPS(v)      EXTRACT(v, 20, 4)
#define DFR0_KEEP         (0xfull | (0xfull << 12) | (0xfull << 20) | (0xfull << 28))
#define DFR0_DOUBLELOCK_NI (0xfull << 36)

#define N16(X, k) X(k, 0) X(k, 1) X(k, 2) X(k, 3) X(k, 4) X(k, 5) X(k, 6) X(k, 7) \
		  X(k, 8) X(k, 9) X(k, 10) X(k, 11) X(k, 12) X(k, 13) X(k, 14) X(k, 15)
#define RD_CASE(k, n) case n: __asm__ volatile("mrs %0, dbg" #k #n "_el1" : "=r"(v)); break;
#define WR_CASE(k, n) case n: __asm__ volatile("msr dbg" #k #n "_el1, %0" : : "r"(v)); break;
#define DBG_RW(k)                                                         \
	static uint64_t read_dbg##k(unsigned n)                           \
	{                                                                 \
		uint64_t v = 0;                                           \
		switch (n) { N16(RD_CASE, k) }                            \
		return v;                                                 \
	}                                                                 \
	static void write_dbg##k(unsigned n, uint64_t v)                  \
	{                                                                 \
		switch (n) { N16(WR_CASE, k) }                            \
	}
DBG_RW(bcr) DBG_RW(bvr) DBG_RW(wcr) DBG_RW(wvr)

/* Implemented breakpoints and watchpoints (BRPs + 1, WRPs + 1). */
static unsigned nbrps, nwrps;
/* Per pCPU: the hardware may hold some vCPU's (nonzero) set. */
static bool hw_dirty[CONFIG_MAX_PCPUS];

static void hw_write(const struct arch_debug *d)
{
	for (unsigned i = 0; i < nbrps && i < DEBUG_MAX_BP; i++) {
		write_dbgbcr(i, d->bcr[i]);
		write_dbgbvr(i, d->bvr[i]);
	}
	for (unsigned i = 0; i < nwrps && i < DEBUG_MAX_BP; i++) {
		write_dbgwcr(i, d->wcr[i]);
		write_dbgwvr(i, d->wvr[i]);
	}
	__asm__ volatile("msr mdccint_el1, %0" : : "r"(d->mdccint));
	__asm__ volatile("msr mdscr_el1, %0" : : "r"(d->mdscr));
}

static void hw_read(struct arch_debug *d)
{
	uint64_t v;

	for (unsigned i = 0; i < nbrps && i < DEBUG_MAX_BP; i++) {
		d->bcr[i] = read_dbgbcr(i);
		d->bvr[i] = read_dbgbvr(i);
	}
	for (unsigned i = 0; i < nwrps && i < DEBUG_MAX_BP; i++) {
		d->wcr[i] = read_dbgwcr(i);
		d->wvr[i] = read_dbgwvr(i);
	}
	v = 0; /* QEMU 7.2 implements MDCCINT_EL1 as a no-op: reads leave v */
	__asm__ volatile("mrs %0, mdccint_el1" : "+r"(v));
	d->mdccint = v & MDCCINT_RW;
	__asm__ volatile("mrs %0, mdscr_el1" : "=r"(v));
	d->mdscr = v;
}

/* Leaves no vCPU's values in this pCPU's debug registers. */
static void hw_clear(void)
{
	static const struct arch_debug zero;

	hw_write(&zero);
	hw_dirty[pcpu_this()->id] = false;
}

static void set_tda(bool trap)
{
	uint64_t mdcr = read_mdcr_el2();
	uint64_t want = trap ? (mdcr | MDCR_TDA) : (mdcr & ~MDCR_TDA);

	if (want != mdcr)
		write_mdcr_el2(want);
}

void debug_init_pcpu(void)
{
	uint64_t dfr0;

	__asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
	nbrps = (unsigned)DFR0_BRPS(dfr0) + 1;
	nwrps = (unsigned)DFR0_WRPS(dfr0) + 1;
	/* The OS lock resets locked (OSLSR_EL1.OSLK); numbat emulates each
	 * vCPU's and keeps the hardware's unlocked. */
	__asm__ volatile("msr oslar_el1, xzr");
	hw_clear();
	set_tda(true);
	pcpu_this()->debug_quiet = true;
	isb();
}

void debug_reset(struct arch_debug *d)
{
	memset(d, 0, sizeof(*d));
	d->oslk = true;
}

/* Hands the vCPU its debug registers: they are in the hardware from now. */
static void make_live(struct vcpu *vcpu)
{
	vcpu->debug.live = true;
	hw_write(&vcpu->debug);
	hw_dirty[pcpu_this()->id] = true;
	pcpu_this()->debug_quiet = false;
	set_tda(false);
	isb();
}

/* Takes them back into memory and traps again (the OS lock was set). */
static void make_trapped(struct vcpu *vcpu)
{
	hw_read(&vcpu->debug);
	vcpu->debug.live = false;
	hw_clear();
	set_tda(true);
	isb();
}

void debug_load(struct vcpu *vcpu)
{
	if (vcpu->debug.live) {
		hw_write(&vcpu->debug);
		hw_dirty[pcpu_this()->id] = true;
		pcpu_this()->debug_quiet = false;
		set_tda(false);
	} else {
		if (hw_dirty[pcpu_this()->id])
			hw_clear();
		set_tda(true);
		pcpu_this()->debug_quiet = true;
	}
}

void debug_put(struct vcpu *vcpu)
{
	struct arch_debug *d = &vcpu->debug;

	if (!d->live)
		return;
	hw_read(d);
	if (!(d->mdscr & MDSCR_IN_USE))
		d->live = false; /* nothing can fire: trap until touched again */
}

/* OSLAR_EL1 ("The OS Lock", Arm ARM D2): set or clear the vCPU's OS lock. */
static void os_lock(struct vcpu *vcpu, bool lock)
{
	struct arch_debug *d = &vcpu->debug;

	d->oslk = lock;
	if (lock && d->live)
		make_trapped(vcpu);
	else if (!lock && !d->live && (d->mdscr & MDSCR_IN_USE))
		make_live(vcpu); /* breakpoints armed before locking work again */
}

/* The saved register for op0 2, op1 0, CRn 0 (by CRm = n and op2), or NULL. */
static uint64_t *saved_reg(struct arch_debug *d, const struct sysreg_access *a,
			   uint64_t *mask)
{
	unsigned n = a->crm;

	switch (a->op2) {
	case 4: *mask = DBGxVR_RW; return n < nbrps ? &d->bvr[n] : NULL;
	case 5: *mask = DBGBCR_RW; return n < nbrps ? &d->bcr[n] : NULL;
	case 6: *mask = DBGxVR_RW; return n < nwrps ? &d->wvr[n] : NULL;
	case 7: *mask = DBGWCR_RW; return n < nwrps ? &d->wcr[n] : NULL;
	case 2:
		if (n == 2) {
			*mask = MDSCR_RW;
			return &d->mdscr;
		}
		return NULL;
	case 0:
		if (n == 2) {
			*mask = MDCCINT_RW;
			return &d->mdccint;
		}
		return NULL;
	default:
		return NULL;
	}
}

/*
 * An access trapped by TDA while the vCPU's OS lock is set: done on the
 * saved copy. The DCC, claim tag and authentication registers read as
 * zero and ignore writes meanwhile.
 */
static bool emulate_saved(struct vcpu *vcpu, const struct sysreg_access *a, uint64_t *val)
{
	uint64_t mask = 0, *r = NULL;

	if (a->op1 == 0 && a->crn == 0)
		r = saved_reg(&vcpu->debug, a, &mask);
	if (!r) {
		if (a->read)
			*val = 0;
		return true;
	}
	if (a->read)
		*val = *r;
	else
		*r = *val & mask;
	return true;
}

#define CRN1_REG(crm, op2) (((crm) << 3) | (op2))
#define MDRAR_EL1   CRN1_REG(0, 0)
#define OSLAR_EL1   CRN1_REG(0, 4)
#define OSLSR_EL1   CRN1_REG(1, 4)
#define OSDLR_EL1   CRN1_REG(3, 4)
#define DBGPRCR_EL1 CRN1_REG(4, 4)

/*
 * OSLAR, OSLSR, OSDLR, DBGPRCR (trapped by TDOSA) and MDRAR (TDRA): op0 2,
 * op1 0, CRn 1. Writes to read-only and reads of write-only ones UNDEF.
 */
static bool emulate_crn1(struct vcpu *vcpu, const struct sysreg_access *a, uint64_t *val)
{
	switch (CRN1_REG(a->crm, a->op2)) {
	case MDRAR_EL1:                      /* ROMADDR not valid: no ROM table */
		*val = 0;
		return a->read;
	case OSDLR_EL1:                      /* no OS Double Lock: RAZ/WI */
	case DBGPRCR_EL1:                    /* the core's powerdown: not the guest's */
		*val = 0;
		return true;
	case OSLAR_EL1:
		if (a->read)
			return false;
		os_lock(vcpu, *val & 1);
		return true;
	case OSLSR_EL1:
		if (!a->read)
			return false;
		*val = OSLSR_OSLM_IMP | (vcpu->debug.oslk ? OSLSR_OSLK : 0);
		return true;
	default:
		return false;
	}
}

bool debug_sysreg(struct vcpu *vcpu, const struct sysreg_access *a, uint64_t *val,
		  bool *retry)
{
	struct arch_debug *d = &vcpu->debug;

	*retry = false;
	if (a->op1 == 1) {                   /* trace (CPTR_EL2.TTA): none */
		if (a->read)
			*val = 0;
		return true;
	}
	if (a->op1 == 0 && a->crn == 1)
		return emulate_crn1(vcpu, a, val);
	if (a->op1 != 0 && a->op1 != 3)
		return false;
	if (d->live)
		return false; /* trapped although TDA is clear: not a TDA register */
	if (!d->oslk) {
		/* First touch: hand over the registers, run the access again. */
		make_live(vcpu);
		*retry = true;
		return true;
	}
	return emulate_saved(vcpu, a, val);
}

uint64_t debug_guest_dfr0(uint64_t hw)
{
	return (hw & DFR0_KEEP) | DFR0_DOUBLELOCK_NI;
}
