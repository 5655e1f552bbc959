/*
 * The compiled system description. tools/sysgen checks a system's .dts at
 * build time and writes a C file that defines `numbat_system` with these
 * types; the microvisor links it in and trusts it only as far as the checks
 * in sysgen go (it re-checks what depends on the machine it boots on: RAM
 * and CPUs from the boot device tree).
 *
 * Shared by the host tool and the freestanding image: plain C types only.
 */
#ifndef NUMBAT_CONFIG_H
#define NUMBAT_CONFIG_H

#include <stdint.h>

#define CONFIG_MAX_VMS      16
#define CONFIG_MAX_VCPUS    8   /* per VM */
#define CONFIG_MAX_PCPUS    8
#define CONFIG_MAX_REGIONS  8   /* memory regions per VM */
#define CONFIG_MAX_DEVICES  8   /* emulated devices per VM */
#define CONFIG_NAME_MAX     16  /* including the terminating NUL */

/* Alignment of every physical and IPA region boundary. */
#define CONFIG_PAGE_SIZE    0x1000ull

/* Access rights of a memory region (stage-2 permissions). */
#define REGION_READ         (1u << 0)
#define REGION_WRITE        (1u << 1)
#define REGION_EXEC         (1u << 2)
#define REGION_DEVICE       (1u << 3) /* numbat-internal: device memory type */
#define REGION_SHARED       (1u << 4) /* a shared-memory region other VMs map
                                         too: zeroed once at boot, never by
                                         a VM's reset */

/* Emulated device models a description may name. */
enum device_type {
	DEVICE_NONE = 0,
	DEVICE_TEST = 1,  /* "numbat,test-device", see abi.h */
	DEVICE_PL011 = 2, /* "arm,pl011": a virtual UART on numbat's console */
	DEVICE_SP805 = 3, /* "arm,sp805": a watchdog; its reset is a crash */
	/* virtio-mmio (version 2) devices, endpoints of links (below). */
	DEVICE_VIRTIO_NET = 4,   /* "virtio,net": one end of a network link */
	DEVICE_VIRTIO_VSOCK = 5, /* "virtio,vsock": sockets along its links */
	DEVICE_VIRTIO_BLK = 6,   /* "virtio,block": a disk a disk server serves */
	/*
	 * A physical device given to the VM (a VM's `passthrough` node): a
	 * virtio-mmio slot of the machine found at boot by probing for
	 * `virtio_id`; numbat forwards the VM's accesses to its registers and
	 * its interrupt to the VM (core/passthrough.c).
	 */
	DEVICE_PASSTHROUGH = 7,
	/* "numbat,block-server": the server's end of a block link (blksrv.h). */
	DEVICE_BLK_SERVER = 8,
};

/* Virtual SPIs per VM: guest INTIDs 32 .. 32 + CONFIG_MAX_SPIS - 1. */
#define CONFIG_MAX_SPIS     64

/* What happens to a VM whose access numbat cannot emulate. */
enum fault_policy {
	FAULT_INJECT = 0, /* inject a synchronous external abort */
	FAULT_STOP = 1,   /* stop the VM */
};

/*
 * What numbat does when a VM crashes (a fault or SError under the stop
 * fault policy, a watchdog expiry): leave it stopped, or restart it up to
 * restart_limit times, each after a back-off that doubles (the first is
 * restart_backoff_ms). A guest's own SYSTEM_RESET is a requested restart,
 * not a crash: it is always done, at once, and not counted against the
 * limit.
 */
enum restart_policy {
	RESTART_STOP = 0,
	RESTART_RESTART = 1,
};

struct region_config {
	uint64_t ipa;   /* guest-physical base, page aligned */
	uint64_t pa;    /* physical base, page aligned, chosen by sysgen */
	uint64_t size;  /* bytes, page multiple, non-zero */
	uint32_t flags; /* REGION_* */
};

struct device_config {
	uint32_t type;  /* enum device_type */
	uint64_t ipa;   /* guest-physical base, page aligned */
	uint64_t size;  /* bytes, page multiple */
	uint32_t irq;   /* guest INTID the device signals (an SPI), 0 if none */
	uint64_t cid;   /* virtio-vsock: the context id of its VM */
	uint8_t mac[6]; /* virtio-net: the MAC address it reports */
	uint32_t virtio_id;  /* passthrough: the virtio DeviceID probed for */
	uint32_t slot_index; /* passthrough: which match, in address order */
	uint32_t blk_mode;   /* block server: BLKSRV_MODE_* (numbat/blksrv.h) */
	uint64_t blk_buffer; /* block server: RapiLog buffer bound, bytes */
	uint32_t blk_requests; /* block server: RapiLog bound in requests, 0: none */
};

/*
 * A channel between two VMs that the description declares: what a VM may
 * reach outside itself. Data links join two virtio devices (net: a pair,
 * vsock: one route between two CIDs, block: a disk and its server); numbat
 * copies each buffer once between the two VMs' memories. A vIRQ link lets
 * vm[0] raise SPI `irq` in vm[1] (NUMBAT_HC_VIRQ_RAISE).
 */
enum link_type {
	LINK_NET = 1,
	LINK_VSOCK = 2,
	LINK_BLOCK = 3,
	LINK_VIRQ = 4,
};

#define CONFIG_MAX_LINKS    32

struct link_config {
	uint32_t type;      /* enum link_type */
	char name[CONFIG_NAME_MAX];
	uint32_t vm[2];     /* the endpoints' VM indices (virq: sender, receiver) */
	uint32_t dev[2];    /* data links: each end's device index in its VM */
	uint32_t irq;       /* virq: the INTID raised in vm[1] */
};

/*
 * Where a VM's virtual GIC sits in its IPA space. Its version is the
 * platform's (system_config.gic_version).
 */
struct vgic_config {
	uint64_t dist_ipa;    /* distributor, 64 KiB */
	uint64_t redist_ipa;  /* GICv3: 128 KiB (RD + SGI frames) per vCPU */
	uint64_t cpuif_ipa;   /* GICv2: CPU interface, 8 KiB (the GICV frame) */
};

/* Bytes numbat copies into a VM's memory each time it (re)starts it. */
struct blob_config {
	const uint8_t *data;  /* inside numbat's image */
	uint64_t size;
	uint64_t ipa;         /* destination; inside one of the VM's regions */
};

#define CONFIG_MAX_BLOBS    4   /* e.g. kernel, initrd, device tree */

/*
 * How one vCPU is scheduled on its pCPU (core/sched_policy.h): the highest
 * priority runnable vCPU runs, equal priorities share round robin by
 * slice, and a vCPU with a budget runs at most budget_us in any period_us.
 */
#define CONFIG_PRIO_MAX         255
#define CONFIG_PRIO_DEFAULT     100
#define CONFIG_SLICE_US_DEFAULT 10000

struct sched_config {
	uint32_t priority;    /* 0..CONFIG_PRIO_MAX; higher runs first */
	uint32_t slice_us;    /* round-robin slice among equal priorities */
	uint32_t budget_us;   /* per period; 0: no budget */
	uint32_t period_us;   /* 0 when there is no budget */
};

struct vm_config {
	char name[CONFIG_NAME_MAX];
	uint32_t vcpu_count;                    /* 1..CONFIG_MAX_VCPUS */
	uint32_t vcpu_pcpu[CONFIG_MAX_VCPUS];   /* pCPU index each vCPU runs on */
	struct sched_config sched[CONFIG_MAX_VCPUS]; /* each vCPU's scheduling */
	uint32_t region_count;
	struct region_config regions[CONFIG_MAX_REGIONS];
	uint32_t device_count;
	struct device_config devices[CONFIG_MAX_DEVICES];
	uint32_t blob_count;                    /* 1..CONFIG_MAX_BLOBS */
	struct blob_config blobs[CONFIG_MAX_BLOBS];
	uint64_t entry_ipa;                     /* vCPU 0 starts here ... */
	uint64_t boot_x0;                       /* ... with this in x0 */
	uint32_t fault_policy;                  /* enum fault_policy */
	uint32_t restart_policy;                /* enum restart_policy */
	uint32_t restart_limit;                 /* crashes restarted, then stopped */
	uint32_t restart_backoff_ms;            /* first back-off; doubles each time */
	struct vgic_config vgic;
};

/*
 * The power-fail warning (core/powerfail.c): when the platform's power
 * button line rises (on QEMU virt, `system_powerdown`), numbat raises SPI
 * `irq` in VM `vm` (the disk server), which drains its buffers and calls
 * NUMBAT_HC_POWERFAIL_DONE; numbat then powers the machine off, or after
 * `drain_ms` milliseconds (the time the supply holds up) in any case.
 */
struct powerfail_config {
	uint32_t present;     /* 0: numbat leaves the power button alone */
	uint32_t vm;          /* the VM told */
	uint32_t irq;         /* the INTID raised in it */
	uint32_t drain_ms;    /* the budget */
};

struct system_config {
	uint64_t ram_base;    /* RAM the description needs: base ... */
	uint64_t ram_size;    /* ... and size; the boot device tree must cover it */
	uint32_t pcpu_count;  /* pCPUs the description's platform node declares */
	uint32_t gic_version; /* 2 or 3: the platform's GIC, and every VM's */
	uint64_t hyp_base;    /* numbat's own memory: image, stacks, page tables */
	uint64_t hyp_size;
	uint32_t vm_count;
	const struct vm_config *vms;
	uint32_t link_count;
	const struct link_config *links;
	struct powerfail_config powerfail;
};

extern const struct system_config numbat_system;

#endif /* NUMBAT_CONFIG_H */
