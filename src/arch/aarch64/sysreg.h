/*
 * AArch64 system registers: one accessor macro for every register numbat
 * touches, and the bit fields it uses, named after the Arm ARM (DDI 0487).
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>

#define BIT(n)            (1ull << (n))
#define FIELD(v, shift)   ((uint64_t)(v) << (shift))
#define EXTRACT(v, shift, width) (((v) >> (shift)) & ((1ull << (width)) - 1))

/*
 * SYSREG_RW(name) defines read_name() and write_name(v). Registers are
 * named in lower case as the assembler spells them; generic encodings
 * (s3_...) work too through SYSREG_RW_ENC.
 */
#define SYSREG_READ(name)                                                  \
	static inline uint64_t read_##name(void)                           \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mrs %0, " #name : "=r"(v));              \
		return v;                                                  \
	}
#define SYSREG_WRITE(name)                                                 \
	static inline void write_##name(uint64_t v)                        \
	{                                                                  \
		__asm__ volatile("msr " #name ", %0" : : "r"(v) : "memory"); \
	}
#define SYSREG_RW(name) SYSREG_READ(name) SYSREG_WRITE(name)

/* A register the assembler may not know by name: read_name()/write_name(). */
#define SYSREG_RW_ENC(name, enc)                                           \
	static inline uint64_t read_##name(void)                           \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mrs %0, " #enc : "=r"(v));               \
		return v;                                                  \
	}                                                                  \
	static inline void write_##name(uint64_t v)                        \
	{                                                                  \
		__asm__ volatile("msr " #enc ", %0" : : "r"(v) : "memory"); \
	}

/* Identification (read only). */
SYSREG_READ(mpidr_el1)
SYSREG_READ(midr_el1)
SYSREG_READ(id_aa64mmfr0_el1)
SYSREG_READ(id_aa64pfr0_el1)
SYSREG_READ(id_aa64pfr1_el1)
SYSREG_READ(id_aa64mmfr1_el1)
SYSREG_READ(currentel)
SYSREG_READ(cntfrq_el0)
SYSREG_READ(cntpct_el0)

/* EL2 control. */
SYSREG_RW(hcr_el2)
SYSREG_RW(sctlr_el2)
SYSREG_RW(tcr_el2)
SYSREG_RW(mair_el2)
SYSREG_RW(ttbr0_el2)
SYSREG_RW(vbar_el2)
SYSREG_RW(tpidr_el2)
SYSREG_RW(cptr_el2)
SYSREG_RW(mdcr_el2)
SYSREG_RW(vtcr_el2)
SYSREG_RW(vttbr_el2)
SYSREG_RW(vmpidr_el2)
SYSREG_RW(vpidr_el2)
SYSREG_RW(cntvoff_el2)
SYSREG_RW(cnthctl_el2)
SYSREG_RW(cnthp_ctl_el2)
SYSREG_RW(cnthp_cval_el2)
SYSREG_RW(esr_el2)
SYSREG_RW(elr_el2)
SYSREG_RW(spsr_el2)
SYSREG_RW(far_el2)
SYSREG_RW(hpfar_el2)

/* EL1/EL0 state owned by the running vCPU. */
SYSREG_RW(sctlr_el1)
SYSREG_RW(ttbr0_el1)
SYSREG_RW(ttbr1_el1)
SYSREG_RW(tcr_el1)
SYSREG_RW(mair_el1)
SYSREG_RW(amair_el1)
SYSREG_RW(vbar_el1)
SYSREG_RW(contextidr_el1)
SYSREG_RW(tpidr_el1)
SYSREG_RW(tpidr_el0)
SYSREG_RW(tpidrro_el0)
SYSREG_RW(sp_el0)
SYSREG_RW(sp_el1)
SYSREG_RW(elr_el1)
SYSREG_RW(spsr_el1)
SYSREG_RW(esr_el1)
SYSREG_RW(far_el1)
SYSREG_RW(afsr0_el1)
SYSREG_RW(afsr1_el1)
SYSREG_RW(par_el1)
SYSREG_RW(cpacr_el1)
SYSREG_RW(csselr_el1)
SYSREG_RW(cntkctl_el1)
SYSREG_RW(cntv_ctl_el0)
SYSREG_RW(cntv_cval_el0)
SYSREG_RW(mdscr_el1)
SYSREG_RW_ENC(tpidr2_el0, s3_3_c13_c0_5)  /* FEAT_SME */
SYSREG_RW_ENC(vdisr_el2, s3_4_c12_c1_1)   /* FEAT_RAS: the guest's DISR_EL1 */
SYSREG_RW_ENC(vsesr_el2, s3_4_c5_c2_3)    /* FEAT_RAS: virtual SError syndrome */

/* GICv3 CPU interface, system-register form. */
SYSREG_RW(icc_sre_el2)
SYSREG_RW(icc_pmr_el1)
SYSREG_RW(icc_bpr1_el1)
SYSREG_RW(icc_ctlr_el1)
SYSREG_RW(icc_igrpen1_el1)
SYSREG_READ(icc_iar1_el1)
SYSREG_WRITE(icc_eoir1_el1)
SYSREG_WRITE(icc_sgi1r_el1)

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dsb_ishst(void) { __asm__ volatile("dsb ishst" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* HCR_EL2 (D13.2.48). The value numbat runs guests with is in arch.c. */
#define HCR_VM     BIT(0)   /* stage-2 translation on */
#define HCR_SWIO   BIT(1)   /* set/way invalidate becomes clean+invalidate */
#define HCR_FMO    BIT(3)   /* physical FIQ to EL2, virtual FIQ on */
#define HCR_IMO    BIT(4)   /* physical IRQ to EL2, virtual IRQ on */
#define HCR_AMO    BIT(5)   /* physical SError to EL2, virtual SError on */
#define HCR_VF     BIT(6)
#define HCR_VI     BIT(7)
#define HCR_VSE    BIT(8)
#define HCR_BSU_IS FIELD(1, 10) /* barriers upgraded to inner shareable */
#define HCR_TWI    BIT(13)  /* trap WFI */
#define HCR_TWE    BIT(14)  /* trap WFE */
#define HCR_TID3   BIT(18)  /* trap ID group 3 registers */
#define HCR_TSC    BIT(19)  /* trap SMC */
#define HCR_TIDCP  BIT(20)  /* trap IMPLEMENTATION DEFINED registers */
#define HCR_TACR   BIT(21)  /* trap ACTLR_EL1 */
#define HCR_TSW    BIT(22)
#define HCR_RW     BIT(31)  /* EL1 is AArch64 */
#define HCR_TLOR   BIT(35)  /* trap LORegion registers */
#define HCR_TERR   BIT(36)  /* trap RAS error record registers */
#define HCR_TEA    BIT(37)  /* external aborts to EL2 */
#define HCR_APK    BIT(40)
#define HCR_API    BIT(41)

/* SCTLR_ELx (D13.2.118). */
#define SCTLR_M    BIT(0)
#define SCTLR_A    BIT(1)
#define SCTLR_C    BIT(2)
#define SCTLR_SA   BIT(3)
#define SCTLR_I    BIT(12)
#define SCTLR_WXN  BIT(19)
#define SCTLR_EL2_RES1 (BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | \
			BIT(22) | BIT(23) | BIT(28) | BIT(29))
/* SCTLR_EL1 architectural reset for a vCPU: MMU and caches off. */
#define SCTLR_EL1_RES1 (BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2 (non-VHE) and VTCR_EL2 share the low fields. */
#define TCR_T0SZ(bits)   FIELD(64 - (bits), 0)
#define TCR_IRGN0_WBWA   FIELD(1, 8)
#define TCR_ORGN0_WBWA   FIELD(1, 10)
#define TCR_SH0_INNER    FIELD(3, 12)
#define TCR_TG0_4K       FIELD(0, 14)
#define TCR_EL2_PS_SHIFT 16
#define TCR_EL2_RES1     (BIT(31) | BIT(23))
#define VTCR_SL0_SHIFT   6
#define VTCR_PS_SHIFT    16
#define VTCR_RES1        BIT(31)

/* MAIR indices used by numbat's own (EL2 stage-1) mappings. */
#define MAIR_IDX_DEVICE_nGnRnE 0
#define MAIR_IDX_DEVICE_nGnRE  1
#define MAIR_IDX_NORMAL        2
#define MAIR_EL2_VALUE (FIELD(0x00, 8 * MAIR_IDX_DEVICE_nGnRnE) | \
			FIELD(0x04, 8 * MAIR_IDX_DEVICE_nGnRE) |   \
			FIELD(0xff, 8 * MAIR_IDX_NORMAL))

/* CPTR_EL2 (non-VHE, D13.2.31). */
#define CPTR_EL2_RES1    (BIT(13) | BIT(9) | 0xffull)
#define CPTR_TZ          BIT(8)   /* trap SVE */
#define CPTR_TFP         BIT(10)  /* trap FP/SIMD */
#define CPTR_TSM         BIT(12)  /* trap SME */
#define CPTR_TTA         BIT(20)  /* trap trace registers */
#define CPTR_TAM         BIT(30)  /* trap activity monitors (FEAT_AMUv1) */
#define CPTR_TCPAC       BIT(31)

/* MDCR_EL2 (D13.2.76). */
#define MDCR_TPMCR       BIT(5)
#define MDCR_TPM         BIT(6)
#define MDCR_TDE         BIT(8)
#define MDCR_TDA         BIT(9)
#define MDCR_TDOSA       BIT(10)
#define MDCR_TDRA        BIT(11)

/* CNTHCTL_EL2 (non-VHE): EL1 physical counter yes, physical timer no. */
#define CNTHCTL_EL1PCTEN BIT(0)
#define CNTHCTL_EL1PCEN  BIT(1)

/* Generic timer control (CNT*_CTL). */
#define CNT_CTL_ENABLE   BIT(0)
#define CNT_CTL_IMASK    BIT(1)
#define CNT_CTL_ISTATUS  BIT(2)

/* SPSR / PSTATE. */
#define PSR_MODE_EL0t    0x0
#define PSR_MODE_EL1t    0x4
#define PSR_MODE_EL1h    0x5
#define PSR_MODE_MASK    0xf
#define PSR_MODE32       BIT(4)
#define PSR_F            BIT(6)
#define PSR_I            BIT(7)
#define PSR_A            BIT(8)
#define PSR_D            BIT(9)
#define PSR_DAIF         (PSR_D | PSR_A | PSR_I | PSR_F)
#define PSR_BTYPE        (3ull << 10) /* AArch64 only (IT[7:2] in AArch32) */
#define PSR_SSBS         BIT(12)
#define PSR_PAN          BIT(22)
#define PSR_DIT          BIT(24)

/* SCTLR_EL1 bits that decide PSTATE on exception entry (D1.10.1). */
#define SCTLR_SPAN       BIT(23)  /* 0: set PSTATE.PAN on entry to EL1 */
#define SCTLR_DSSBS      BIT(44)  /* PSTATE.SSBS on entry to EL1 */

/* MPIDR affinity fields (Aff3 at 39:32, Aff2..0 at 23:0). */
#define MPIDR_AFF_MASK   0xff00ffffffull
#define MPIDR_RES1       BIT(31)

#endif /* ARCH_SYSREG_H */
