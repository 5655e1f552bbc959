/*
 * The guest-visible ABI of numbat: hypercall function IDs, return codes and
 * the register layout of numbat's own emulated devices. Shared by the
 * microvisor and by guests; it contains constants only.
 *
 * Calls follow the SMC Calling Convention (Arm DEN 0028): function ID in w0,
 * arguments in x1..x7, results in x0..x3, HVC #0 as the conduit.
 */
#ifndef NUMBAT_ABI_H
#define NUMBAT_ABI_H

/* SMCCC return codes (DEN 0028, section 7.1). */
#define SMCCC_SUCCESS             0
#define SMCCC_NOT_SUPPORTED       (-1)
#define SMCCC_NOT_REQUIRED        (-2)
#define SMCCC_INVALID_PARAMETER   (-3)

/* SMCCC architecture calls. */
#define SMCCC_VERSION             0x80000000u
#define SMCCC_ARCH_FEATURES       0x80000001u
#define SMCCC_VERSION_1_1         0x10001

/*
 * numbat's own calls live in the Vendor Specific Hypervisor Service range
 * (owner 6), fast calls, SMC64 convention.
 */
#define NUMBAT_HC_VERSION         0xC6000000u /* -> x0 = (major << 16) | minor */
#define NUMBAT_HC_CONSOLE_WRITE   0xC6000001u /* x1 = IPA of bytes, x2 = length
                                                -> x0 = bytes consumed or error */
#define NUMBAT_HC_YIELD           0xC6000002u /* -> x0 = SUCCESS */
#define NUMBAT_HC_VM_ID           0xC6000003u /* -> x0 = VM id, x1 = vCPU index */
/*
 * Raises a vIRQ: x1 = the caller's capability index of a `type = "virq"`
 * link of the system description, i.e. n for the n-th such link (from 0,
 * in description order) whose `from` is the calling VM. The link's
 * receiver sees an edge on its SPI `interrupt` (pending once however often
 * it is raised before it is taken; nothing if the receiver configured the
 * SPI level-sensitive in GICD_ICFGR, or is off). -> x0 = SUCCESS, or
 * INVALID_PARAMETER if the caller has no virq link with that index.
 */
#define NUMBAT_HC_VIRQ_RAISE      0xC6000004u
/*
 * Scheduling figures of vCPU x1 of the caller's own VM. x2 = 0: x1 = ns it
 * ran, x2 = times it was preempted, x3 = worst wake-up latency in ns (from
 * its timer deadline or wake-up to running); x2 = 1: x1 = wake-ups, x2 =
 * times it ran out of budget. -> x0 = SUCCESS or INVALID_PARAMETER.
 */
#define NUMBAT_HC_VCPU_STATS      0xC6000010u
/*
 * The power-fail warning's server (the VM the description's power-fail
 * node names) has drained its buffers: numbat powers the machine off now
 * and does not return. -> x0 = NOT_SUPPORTED from any other VM,
 * INVALID_PARAMETER when no warning is in progress.
 */
#define NUMBAT_HC_POWERFAIL_DONE  0xC6000020u

#define NUMBAT_VERSION_MAJOR      0
#define NUMBAT_VERSION_MINOR      1
#define NUMBAT_VERSION            ((NUMBAT_VERSION_MAJOR << 16) + NUMBAT_VERSION_MINOR)

/* At most this many bytes are consumed by one CONSOLE_WRITE. */
#define NUMBAT_CONSOLE_WRITE_MAX  256

/* PSCI 1.1 (Arm DEN 0022D) function IDs; *_64 use the SMC64 convention. */
#define PSCI_VERSION              0x84000000u
#define PSCI_CPU_SUSPEND_32       0x84000001u
#define PSCI_CPU_SUSPEND_64       0xC4000001u
#define PSCI_CPU_OFF              0x84000002u
#define PSCI_CPU_ON_32            0x84000003u
#define PSCI_CPU_ON_64            0xC4000003u
#define PSCI_AFFINITY_INFO_32     0x84000004u
#define PSCI_AFFINITY_INFO_64     0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE    0x84000006u
#define PSCI_SYSTEM_OFF           0x84000008u
#define PSCI_SYSTEM_RESET         0x84000009u
#define PSCI_FEATURES             0x8400000Au

#define PSCI_VERSION_1_1          0x10001

/* PSCI return codes (DEN 0022D, section 5.2.2). */
#define PSCI_SUCCESS              0
#define PSCI_NOT_SUPPORTED        (-1)
#define PSCI_INVALID_PARAMETERS   (-2)
#define PSCI_DENIED               (-3)
#define PSCI_ALREADY_ON           (-4)
#define PSCI_ON_PENDING           (-5)
#define PSCI_INTERNAL_FAILURE     (-6)
#define PSCI_NOT_PRESENT          (-7)
#define PSCI_DISABLED             (-8)
#define PSCI_INVALID_ADDRESS      (-9)

/* AFFINITY_INFO results. */
#define PSCI_AFF_ON               0
#define PSCI_AFF_OFF              1
#define PSCI_AFF_ON_PENDING       2

/* MIGRATE_INFO_TYPE: no Trusted OS that needs migration. */
#define PSCI_MIGRATE_NOT_PRESENT  2

/*
 * "numbat,test-device": an emulated register bank for testing the MMIO path.
 * SCRATCH is 64 bytes of storage readable and writable at any width
 * (1, 2, 4, 8 bytes); ID reads as TESTDEV_ID_VALUE; IRQ drives the
 * interrupt line the description gives the device; KICKS and SPURIOUS
 * are numbat-internal counters (only test systems have this device); every other offset in
 * the device reads as zero and ignores writes.
 */
#define TESTDEV_SCRATCH           0x00
#define TESTDEV_SCRATCH_SIZE      64
#define TESTDEV_ID                0x40
#define TESTDEV_ID_VALUE          0x4E554D42u /* "NUMB" */
#define TESTDEV_IRQ               0x48 /* bit 0: level of the device's
                                          interrupt line (if it has one) */
#define TESTDEV_KICKS             0x50 /* read: numbat's kicks (SGI 0 and 2)
                                          received so far by the pCPU the
                                          reading vCPU runs on; a test probe
                                          of interference between VMs */
#define TESTDEV_SPURIOUS          0x58 /* read: how often numbat on that
                                          pCPU acknowledged an interrupt and
                                          found none (an idle wait that ended
                                          with nothing to take) */
#define TESTDEV_SIZE              0x1000

#endif /* NUMBAT_ABI_H */
