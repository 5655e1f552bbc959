/*
 * AArch64 EL2 configuration and the vCPU-facing primitives: what a guest
 * may do without numbat (HCR_EL2 and friends), vCPU context switch,
 * exception injection and stage-2 address spaces.
 */
#include "arch/aarch64/arch.h"

#include <stddef.h>

#include "arch/aarch64/debug.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/gic.h"
#include "core/mm.h"
#include "core/pcpu.h"
#include "core/vgic.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "lib/string.h"

/*
 * HCR_EL2 whenever a guest runs. Every bit, and why:
 */
#define HCR_GUEST (HCR_VM      /* stage 2 confines each VM to its memory */   \
	| HCR_SWIO             /* set/way invalidate cannot drop others' data */ \
	| HCR_FMO | HCR_IMO    /* physical interrupts belong to numbat */        \
	| HCR_AMO              /* so do physical SErrors */                      \
	| HCR_BSU_IS           /* guest barriers cover its other vCPUs' pCPUs */ \
	| HCR_TWI              /* WFI blocks the vCPU instead of the pCPU */     \
	| HCR_TWE              /* WFE spinning gives the pCPU away */            \
	                       /* (neither for a vCPU alone: arch_wfx_trap) */   \
	| HCR_TSC              /* SMC is virtual PSCI, never the firmware */     \
	| HCR_TID3             /* ID registers: hide what guests do not get */   \
	| HCR_TIDCP            /* IMPLEMENTATION DEFINED registers are not safe */ \
	| HCR_TACR             /* ACTLR_EL1 tunes the core numbat shares */      \
	| HCR_TLOR             /* LORegions are not virtualized */               \
	| HCR_TERR             /* RAS error records are system-wide */           \
	| HCR_RW)              /* EL1 is AArch64 */
_Static_assert((HCR_GUEST & (HCR_TSW | HCR_TEA | HCR_API | HCR_APK)) == 0,
	       "HCR_GUEST: unexpected trap bits");
_Static_assert(HCR_RW == (1ull << 31) && HCR_TSC == (1ull << 19) &&
	       HCR_TWI == (1ull << 13) && HCR_IMO == (1ull << 4),
	       "HCR_EL2 bit positions (D13.2.48)");

/*
 * CPTR_EL2: FP/SIMD belongs to the guest, switched with the vCPU (TFP
 * traps only the first access after a switch, see "FP/SIMD" below); SVE,
 * SME and trace, whose state numbat does not switch, trap and become
 * undefined instructions for the guest.
 */
#define CPTR_GUEST (CPTR_EL2_RES1 | CPTR_TZ | CPTR_TSM | CPTR_TTA)
_Static_assert((CPTR_GUEST & CPTR_TFP) == 0, "FP traps only while not loaded");

/*
 * MDCR_EL2: the PMU is not switched per vCPU, so guest accesses trap (and
 * are refused) rather than leak across VMs. The debug registers trap until
 * a vCPU uses them (TDA, cleared per vCPU by debug.c); the OS lock, power
 * control and ROM table registers always trap (TDOSA, TDRA) and are
 * emulated. TDE stays clear: guests' debug exceptions go to their EL1.
 */
#define MDCR_GUEST (MDCR_TPM | MDCR_TPMCR | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)
_Static_assert((MDCR_GUEST & MDCR_TDE) == 0, "debug exceptions belong to EL1");

/*
 * Optional features whose EL0/EL1 state a guest can write without a trap,
 * so it is switched with the vCPU (nothing one VM writes may survive into
 * another): TPIDR2_EL0 (FEAT_SME; no trap control without FEAT_FGT) and,
 * under HCR_EL2.AMO, the guest's DISR_EL1, which is VDISR_EL2 (FEAT_RAS).
 * The activity monitors (FEAT_AMUv1) count and are configured per core:
 * CPTR_EL2.TAM traps them and the guest gets UNDEF.
 * Probed once on the boot pCPU (every pCPU is assumed the same).
 */
static bool has_sme, has_ras, has_amu;
static bool has_sme_or_ras; /* one test on the switch path for CPUs with neither */

/* Features that change the PSTATE of an injected exception. */
static bool has_pan, has_ssbs;

static unsigned ipa_bits;
static uint64_t vtcr;
static uint64_t cptr_guest; /* CPTR_GUEST, and TAM with FEAT_AMUv1 */

static unsigned parange_bits(unsigned parange)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return parange < sizeof(bits) / sizeof(bits[0]) ? bits[parange] : 48;
}

unsigned arch_ipa_bits(void)
{
	return ipa_bits;
}

uint64_t arch_mpidr(void)
{
	return read_mpidr_el1() & MPIDR_AFF_MASK;
}

/* EL2 registers that are the same on every pCPU. */
static void init_el2_regs(void)
{
	uint64_t pmcr_n;

	__asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr_n));
	pmcr_n = EXTRACT(pmcr_n, 11, 5);
	write_hcr_el2(HCR_GUEST);
	cptr_guest = CPTR_GUEST | (has_amu ? CPTR_TAM : 0);
	write_cptr_el2(cptr_guest);
	write_mdcr_el2(MDCR_GUEST | pmcr_n);
	write_cnthctl_el2(CNTHCTL_EL1PCTEN);
	write_cntvoff_el2(0);
	write_vpidr_el2(read_midr_el1());
	write_vtcr_el2(vtcr);
	isb();
	debug_init_pcpu();
}

void arch_init_primary(void)
{
	unsigned pa = EXTRACT(read_id_aa64mmfr0_el1(), 0, 4);
	unsigned pa_bits = parange_bits(pa);
	unsigned ps = pa > 5 ? 5 : pa; /* numbat uses at most 48-bit PAs */
	unsigned level;

	has_ras = EXTRACT(read_id_aa64pfr0_el1(), 28, 4) != 0;  /* PFR0.RAS */
	has_amu = EXTRACT(read_id_aa64pfr0_el1(), 44, 4) != 0;  /* PFR0.AMU */
	has_sme = EXTRACT(read_id_aa64pfr1_el1(), 24, 4) != 0;  /* PFR1.SME */
	has_sme_or_ras = has_sme || has_ras;
	has_ssbs = EXTRACT(read_id_aa64pfr1_el1(), 4, 4) != 0;  /* PFR1.SSBS */
	has_pan = EXTRACT(read_id_aa64mmfr1_el1(), 20, 4) != 0; /* MMFR1.PAN */
	/* Every supported CPU has at least 40 bits; more is not needed. */
	ipa_bits = pa_bits < 40 ? pa_bits : 40;
	level = pgtable_start_level(ipa_bits, true);
	vtcr = VTCR_RES1 | TCR_T0SZ(ipa_bits) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
	       TCR_SH0_INNER | TCR_TG0_4K | FIELD(ps, VTCR_PS_SHIFT) |
	       FIELD(2 - level, VTCR_SL0_SHIFT); /* 4 KiB granule: SL0 = 2 - level */
	init_el2_regs();
}

void arch_init_secondary(void)
{
	init_el2_regs();
}

int arch_stage2_init(struct arch_stage2 *s2, unsigned vmid)
{
	int err = pgtable_init(&s2->pt, ipa_bits, true, mm_alloc_table,
			       mm_free_table, NULL);

	if (err)
		return err;
	s2->vttbr = ((uint64_t)vmid << 48) | (uint64_t)(uintptr_t)s2->pt.root;
	return 0;
}

int arch_stage2_map(struct arch_stage2 *s2, uint64_t ipa, uint64_t pa,
		    uint64_t size, uint32_t region_flags)
{
	uint64_t attrs = (region_flags & REGION_DEVICE) ? S2_MEMATTR_DEVICE_nGnRE | S2_XN
						       : S2_MEMATTR_NORMAL_WB | PTE_SH_INNER;

	if (region_flags & REGION_READ)
		attrs |= S2_AP_R;
	if (region_flags & REGION_WRITE)
		attrs |= S2_AP_W;
	if (!(region_flags & REGION_EXEC))
		attrs |= S2_XN;
	return pgtable_map(&s2->pt, ipa, pa, size, attrs);
}

void arch_vcpu_reset(struct vcpu *vcpu, uint64_t entry, uint64_t x0)
{
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	memset(&vcpu->sys, 0, sizeof(vcpu->sys));
	uint64_t fp_resets = vcpu->fp.resets;

	memset(&vcpu->fp, 0, sizeof(vcpu->fp));
	vcpu->fp.resets = fp_resets + 1; /* registers holding its old state are stale */
	debug_reset(&vcpu->debug);
	vcpu->regs.x[0] = x0;
	vcpu->regs.pc = entry;
	vcpu->regs.pstate = PSR_MODE_EL1h | PSR_DAIF;
	vcpu->sys.sctlr_el1 = SCTLR_EL1_RES1;
	vcpu->sys.vmpidr_el2 = MPIDR_RES1 | vcpu->index;
}

extern void arch_fpsimd_save(struct arch_fpsimd *fp);
extern void arch_fpsimd_restore(const struct arch_fpsimd *fp);
extern bool arch_serror_drain(void);
extern void arch_el1_save(struct arch_sysregs *s);
extern void arch_el1_restore(const struct arch_sysregs *s);

/* el1_regs.S moves the first 26 fields of struct arch_sysregs in pairs. */
#define SYSREG_AT(field, n) (offsetof(struct arch_sysregs, field) == (n) * 8)
_Static_assert(SYSREG_AT(sctlr_el1, 0) && SYSREG_AT(tcr_el1, 3) && SYSREG_AT(vbar_el1, 6) &&
	       SYSREG_AT(tpidr_el0, 9) && SYSREG_AT(sp_el1, 12) && SYSREG_AT(esr_el1, 15) &&
	       SYSREG_AT(afsr1_el1, 18) && SYSREG_AT(csselr_el1, 21) &&
	       SYSREG_AT(cntv_ctl_el0, 23) && SYSREG_AT(cntv_cval_el0, 24) &&
	       SYSREG_AT(vmpidr_el2, 25),
	       "struct arch_sysregs: the layout el1_regs.S assumes");

/*
 * FP/SIMD. A vCPU's V0-V31, FPSR and FPCR move only when it gets or gives
 * up the pCPU, and only if it uses them: arch_vcpu_load leaves the
 * registers as they are and sets CPTR_EL2.TFP, unless they still hold
 * that vCPU's state (pcpu->fp_regs: nothing restored another's since it
 * was saved, and no reset replaced it); its first FP/SIMD instruction then
 * traps (EC 0x07, Arm ARM D13.2.31) and arch_fpsimd_trap restores its
 * state and clears TFP. arch_vcpu_put saves the state only if the vCPU had
 * it (TFP clear). So a guest can never read another's values (every access
 * traps until its own are in), a vCPU that never touches FP/SIMD (a
 * native partition built without FP) costs nothing, and a Linux beside it
 * finds its registers untouched. TFP also traps EL2: numbat's only FP/SIMD
 * code, fpsimd.S, runs with it clear.
 */
static void fp_loaded(struct pcpu *p, const struct vcpu *vcpu)
{
	bool own = p->fp_regs == vcpu && p->fp_resets == vcpu->fp.resets;

	if (own == p->fp_trap) {
		p->fp_trap = !own;
		write_cptr_el2(cptr_guest | (own ? 0 : CPTR_TFP)); /* the load's ISB */
	}
}

static void fp_put(struct pcpu *p, struct vcpu *vcpu)
{
	if (p->fp_trap)
		return; /* it did not have them: its saved state is current */
	arch_fpsimd_save(&vcpu->fp);
	p->fp_regs = vcpu;
	p->fp_resets = vcpu->fp.resets;
}

void arch_fpsimd_trap(struct vcpu *vcpu, uint64_t esr)
{
	struct pcpu *p = pcpu_this();

	(void)esr;
	vcpu->exits.other++;
	if (!p->fp_trap) {
		/* TFP is clear, so this came from elsewhere (cannot happen). */
		arch_inject_undef(vcpu);
		return;
	}
	write_cptr_el2(cptr_guest);
	isb();
	p->fp_trap = false;
	arch_fpsimd_restore(&vcpu->fp);
	p->fp_regs = vcpu;
	p->fp_resets = vcpu->fp.resets;
}

/* FEAT_SME's TPIDR2_EL0 and FEAT_RAS's VDISR_EL2 of `s`, on CPUs with them. */
static void optional_save(struct arch_sysregs *s)
{
	if (has_sme)
		s->tpidr2_el0 = read_tpidr2_el0();
	if (has_ras)
		s->vdisr_el2 = read_vdisr_el2();
}

static void optional_restore(const struct arch_sysregs *s)
{
	if (has_sme)
		write_tpidr2_el0(s->tpidr2_el0);
	if (has_ras)
		write_vdisr_el2(s->vdisr_el2);
}

/*
 * Saves the EL1 state of the vCPU leaving this pCPU (but the optional
 * registers: optional_save). First, an SError its accesses caused that is
 * still pending is taken here and charged to it, never to the vCPU that
 * runs next (vectors.S, arch_serror_drain). A virtual SError it has not
 * taken yet (HCR_EL2.VSE) stays pending with it. Its virtual CPU
 * interface is saved too if `vgic` (else the caller does it).
 */
static inline __attribute__((always_inline)) void put(struct pcpu *p, struct vcpu *vcpu,
						      bool vgic)
{
	struct arch_sysregs *s = &vcpu->sys;

	if (arch_serror_drain())
		vm_guest_serror(vcpu, "SError left pending when it stopped running");
	s->vserror = false;
	if (p->vse_set) {
		uint64_t hcr = read_hcr_el2();

		p->vse_set = false;
		s->vserror = (hcr & HCR_VSE) != 0;
		if (s->vserror)
			write_hcr_el2(hcr & ~HCR_VSE);
	}

	arch_el1_save(s); /* and disables its virtual timer */
	fp_put(p, vcpu);
	if (vcpu->debug.live)
		debug_put(vcpu);
	if (vgic)
		vgic_hw->save(&vcpu->vgic);
	/*
	 * A forwarded vtimer interrupt the guest has not finished yet: only
	 * possible if numbat took one (or reloaded it) since the load.
	 */
	vcpu->vgic.hw_active = false;
	if (p->vtimer_held) {
		p->vtimer_held = false;
		vcpu->vgic.hw_active = gic_ppi_active(VGIC_PPI_VTIMER);
		if (vcpu->vgic.hw_active)
			gic_ppi_set_active(VGIC_PPI_VTIMER, false);
	}
}

void arch_vcpu_put(struct vcpu *vcpu)
{
	put(pcpu_this(), vcpu, true);
	if (has_sme_or_ras)
		optional_save(&vcpu->sys);
}

enum arch_line arch_vtimer_line(const struct vcpu *vcpu)
{
	const uint64_t on = CNT_CTL_ENABLE | CNT_CTL_ISTATUS;
	uint64_t ctl;

	if (vcpu->pcpu != pcpu_this())
		return ARCH_LINE_UNKNOWN;
	if (vcpu->loaded) {
		ctl = read_cntv_ctl_el0();
		return (ctl & (on | CNT_CTL_IMASK)) == on ? ARCH_LINE_HIGH : ARCH_LINE_LOW;
	}
	/* Put away: CVAL is fixed, and the virtual counter is the physical one. */
	ctl = vcpu->sys.cntv_ctl_el0;
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	       vcpu->sys.cntv_cval_el0 <= arch_now() ? ARCH_LINE_HIGH : ARCH_LINE_LOW;
}

void arch_vtimer_release(struct vcpu *vcpu)
{
	if (vcpu->pcpu != pcpu_this())
		return;
	if (vcpu->loaded)
		gic_ppi_set_active(VGIC_PPI_VTIMER, false);
	else
		vcpu->vgic.hw_active = false;
}

/*
 * A VM's vCPUs share its VMID, so on one pCPU they share TLB entries and
 * I-cache lines that the guest believes are each CPU's own: a guest
 * invalidates its local TLB or I-cache only on the CPU it runs on, and a
 * stale entry another of its vCPUs left here would then survive. So, as
 * KVM does, when this pCPU last ran a different vCPU of the VM, or the VM
 * was reset since (same VMID, new tables), everything of the VMID is
 * invalidated here first (Arm ARM D8.13, TLBI VMALLS12E1; the VMID is the
 * one VTTBR_EL2 now holds).
 */
static inline __attribute__((always_inline)) void flush_if_other_vcpu(struct pcpu *p,
								    const struct vcpu *vcpu)
{
	unsigned id = vcpu->vm->id;

	if (p->last_ran[id] == vcpu->tlb_key)
		return;
	p->last_ran[id] = vcpu->tlb_key;
	isb(); /* VTTBR_EL2 before the invalidation that uses its VMID */
	__asm__ volatile("tlbi vmalls12e1\n dsb nsh\n ic iallu\n dsb nsh" ::: "memory");
}

/*
 * Makes `vcpu` the one whose EL1 state is in this pCPU's registers (but
 * the optional ones), and its virtual CPU interface too if `vgic`.
 */
static inline __attribute__((always_inline)) void load(struct pcpu *p, struct vcpu *vcpu,
						       bool vgic)
{
	const struct arch_sysregs *s = &vcpu->sys;

	write_vttbr_el2(vcpu->vm->s2.vttbr);
	flush_if_other_vcpu(p, vcpu);
	if (s->vserror) {
		p->vse_set = true;
		write_hcr_el2(read_hcr_el2() | HCR_VSE);
	}
	arch_el1_restore(s); /* VMPIDR_EL2 too */
	fp_loaded(p, vcpu);
	if (vcpu->debug.live || !p->debug_quiet)
		debug_load(vcpu);
	if (vcpu->vgic.hw_active) {
		p->vtimer_held = true;
		gic_ppi_set_active(VGIC_PPI_VTIMER, true);
	}
	if (vgic)
		vgic_hw->restore(&vcpu->vgic);
	isb();
}

void arch_vcpu_load(struct vcpu *vcpu)
{
	if (has_sme_or_ras)
		optional_restore(&vcpu->sys);
	load(pcpu_this(), vcpu, true);
}

void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	struct pcpu *p = pcpu_this();

	put(p, prev, false);
	if (has_sme_or_ras) { /* one test for CPUs with neither */
		optional_save(&prev->sys);
		optional_restore(&next->sys);
	}
	vgic_hw->switch_cpu(&prev->vgic, &next->vgic);
	load(p, next, false);
}

/*
 * HCR_EL2.TWI and TWE (Arm ARM D13.2.48) for every vCPU this pCPU loads.
 * Clear, a guest's WFI idles the pCPU at EL1 until a WFI wake-up event
 * (D1.6.2): a virtual IRQ or FIQ the virtual CPU interface signals (an
 * interrupt in a list register that its priority mask and group enables
 * let through: what a GIC would signal to a real PE), or a physical
 * interrupt, which under HCR_EL2.IMO/FMO is taken to EL2 whatever the
 * guest's PSTATE.I and F. So every wake-up numbat sends it (the kick and
 * flush SGIs, its timer, the forwarded vtimer) still ends the wait. WFE
 * waits for the event register (SEV from another PE, the event stream, a
 * cleared exclusive monitor) or for the same events (D1.6.1). The
 * guest's own wait is then the pCPU's: numbat does not see it.
 */
void arch_wfx_trap(bool trap)
{
	/* A virtual SError pending for the loaded vCPU (HCR_EL2.VSE) stays. */
	write_hcr_el2((read_hcr_el2() & HCR_VSE) |
		      (trap ? HCR_GUEST : HCR_GUEST & ~(HCR_TWI | HCR_TWE)));
	isb();
}

/*
 * PSTATE on taking an exception to EL1 from `old` (Arm ARM D1.10.1 and
 * AArch64.TakeException): EL1h with D, A, I, F masked; BTYPE, IL, SS, UAO
 * cleared; DIT kept; PAN set if SCTLR_EL1.SPAN is 0 (FEAT_PAN), otherwise
 * kept; SSBS from SCTLR_EL1.DSSBS (FEAT_SSBS). (TCO and ALLINT belong to
 * MTE and NMI, which guests are not given.)
 */
static uint64_t exception_pstate(uint64_t old)
{
	uint64_t sctlr = read_sctlr_el1();
	uint64_t dit = (old & PSR_MODE32) ? BIT(21) : PSR_DIT; /* AArch32 SPSR.DIT: 21 */
	uint64_t p = PSR_MODE_EL1h | PSR_DAIF | ((old & dit) ? PSR_DIT : 0);

	if (has_pan && (!(sctlr & SCTLR_SPAN) || (old & PSR_PAN)))
		p |= PSR_PAN;
	if (has_ssbs && (sctlr & SCTLR_DSSBS))
		p |= PSR_SSBS;
	return p;
}

/*
 * Delivers a synchronous exception to the current vCPU's EL1 the way the
 * hardware would (Arm ARM D1.10.2): save PC and PSTATE, set ESR/FAR, jump
 * to VBAR_EL1 + the vector offset for where it came from.
 */
static void inject_sync(struct vcpu *vcpu, uint64_t esr, uint64_t far, bool set_far)
{
	uint64_t pstate = vcpu->regs.pstate, offset;

	if (pstate & PSR_MODE32)
		offset = 0x600;                 /* lower EL, AArch32 */
	else if ((pstate & PSR_MODE_MASK) == PSR_MODE_EL0t)
		offset = 0x400;                 /* lower EL, AArch64 */
	else if ((pstate & PSR_MODE_MASK) == PSR_MODE_EL1h)
		offset = 0x200;                 /* current EL, SP_EL1 */
	else
		offset = 0x000;                 /* current EL, SP_EL0 */
	write_elr_el1(vcpu->regs.pc);
	write_spsr_el1(pstate);
	write_esr_el1(esr);
	if (set_far)
		write_far_el1(far);
	vcpu->regs.pc = read_vbar_el1() + offset;
	vcpu->regs.pstate = exception_pstate(pstate);
}

static bool from_el0(const struct vcpu *vcpu)
{
	return (vcpu->regs.pstate & PSR_MODE32) ||
	       (vcpu->regs.pstate & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

/*
 * Called only while handling the trap of the instruction being refused:
 * EC_UNKNOWN is 0, and IL says, as ESR_EL2.IL does for that instruction,
 * whether it is 32-bit or a 16-bit T32 one (D17.2.40).
 */
void arch_inject_undef(struct vcpu *vcpu)
{
	vcpu->exits.injected++;
	inject_sync(vcpu, read_esr_el2() & ESR_IL, 0, false);
}

/*
 * Makes a virtual SError pending for the current vCPU (HCR_EL2.VSE, Arm ARM
 * D1.3.6): taken when its PSTATE.A allows, with the syndrome of VSESR_EL2
 * on RAS CPUs (0 here: uncategorized, D13.2.148). The hardware clears VSE
 * when the guest takes it.
 */
void arch_inject_serror(struct vcpu *vcpu)
{
	/* It is loaded: HCR_EL2 is its. */
	vcpu->exits.injected++;
	if (has_ras)
		write_vsesr_el2(0);
	pcpu_this()->vse_set = true;
	write_hcr_el2(read_hcr_el2() | HCR_VSE);
	isb();
}

/*
 * A synchronous external abort, without instruction syndrome (ISV 0): IL
 * is RES1 for instruction aborts and for data aborts with ISV 0, whatever
 * the instruction's length (D17.2.40, ESR_ELx.IL).
 */
void arch_inject_abort(struct vcpu *vcpu, bool instruction, bool write, uint64_t far)
{
	vcpu->exits.injected++;
	unsigned ec = instruction ? EC_IABT_LOW : EC_DABT_LOW;
	uint64_t wnr = (!instruction && write) ? (1ull << 6) : 0;

	if (!from_el0(vcpu))
		ec += 1; /* the "current EL" variant: EC 0x21 / 0x25 */
	inject_sync(vcpu, ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | wnr | DFSC_SYNC_EXT,
		    far, true);
}

bool arch_fault_ipa_slow(uint64_t esr, ipaddr_t *ipa)
{
	uint64_t far = arch_fault_va(), par, guest_par;

	if (esr_abort_hpfar_valid(esr)) {
		*ipa = arch_fault_ipa();
		return true;
	}
	/* AT S1E1R writes PAR_EL1, which is the guest's (live, not saved). */
	guest_par = read_par_el1();
	__asm__ volatile("at s1e1r, %0" : : "r"(far));
	isb();
	par = read_par_el1();
	write_par_el1(guest_par);
	if (par & 1)                    /* PAR_EL1.F: the walk failed */
		return false;
	*ipa = ipa_init((par & 0xfffffffff000ull) | (far & 0xfff));
	return true;
}

/* SMC to the platform firmware, SMCCC register convention. */
static uint64_t smc_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			   "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

int arch_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	/* QEMU's PSCI refuses MPIDR bit 31: pass the affinity fields only. */
	return (int)smc_call(0xC4000003u, mpidr & MPIDR_AFF_MASK, entry, ctx);
}

void arch_system_off(void)
{
	smc_call(0x84000008u, 0, 0, 0);
	arch_halt();
}

void arch_halt(void)
{
	irq_disable();
	for (;;)
		wfi();
}

unsigned arch_timer_intid = 26, arch_maint_intid = 25, arch_uart_intid;

void arch_zero(void *p, uint64_t n)
{
	uint64_t dczid, block;
	uintptr_t a = (uintptr_t)p;

	__asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
	block = 4ull << EXTRACT(dczid, 0, 4);          /* BS: log2 of words */
	if ((dczid & (1u << 4)) || ((a | n) & (block - 1))) { /* DZP: prohibited */
		memset(p, 0, n);
		return;
	}
	for (uintptr_t end = a + n; a < end; a += block)
		__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
}

void arch_dcache_clean(const void *p, uint64_t len)
{
	uint64_t ctr, line;
	uintptr_t a = (uintptr_t)p, end = a + len;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = 4ull << EXTRACT(ctr, 16, 4); /* DminLine, in words */
	for (a &= ~(line - 1); a < end; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb_sy();
	__asm__ volatile("ic ialluis" ::: "memory");
	dsb_sy();
	isb();
}
