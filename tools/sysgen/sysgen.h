/*
 * sysgen: the in-memory model of a system description and the phases that
 * fill it (parse, check, place) and write it out (emit). main.c drives them;
 * host tests call them directly.
 */
#ifndef SYSGEN_H
#define SYSGEN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <numbat/config.h>

#define SG_PATH_MAX        256                 /* longest node path kept */
#define SG_IMAGE_NAME_MAX  128                 /* longest image file name */
#define SG_IPA_LIMIT       (1ull << 40)        /* 40-bit IPA space */
#define SG_MIB             (1024ull * 1024ull)
#define SG_BLOCK_SIZE      (2 * SG_MIB)        /* stage-2 level-2 block */
#define SG_HYP_MIN         (4 * SG_MIB)        /* numbat's own minimum */
#define SG_HYP_DEFAULT     (32 * SG_MIB)
#define SG_LINUX_DIR       "build/linux"       /* default --linux-dir */
#define SG_BOOTARGS_MAX    2048                /* arm64 COMMAND_LINE_SIZE */
#define SG_DTB_BUF         (32 * 1024)         /* room for one guest DTB */
#define SG_SPI_BASE        32                  /* INTID of SPI 0 */

/* The vGIC's windows in a VM's IPA space (sizes per GICv3/GICv2). */
#define SG_GICD_SIZE       0x10000ull          /* distributor */
#define SG_GICR_SIZE       0x20000ull          /* GICv3 RD + SGI frames, per vCPU */
#define SG_GICC_SIZE       0x2000ull           /* GICv2 CPU interface (GICV) */
#define SG_GICD_DEFAULT    0x08000000ull       /* QEMU virt's addresses */
#define SG_GICR_DEFAULT    0x080a0000ull
#define SG_GICC_DEFAULT    0x08010000ull

/* Results of the property readers. */
enum sg_prop {
	SG_BAD = -1,    /* present but malformed; an error was reported */
	SG_ABSENT = 0,  /* not present */
	SG_OK = 1,      /* present and read */
};

struct sg_device;
struct sg_guest_dt;

/* An emulated device model a description may name by compatible. */
struct sg_device_model {
	const char *compatible;
	const char *enum_name;  /* enum device_type constant emitted in C */
	uint32_t type;
	uint64_t min_size;      /* smallest reg size the model accepts */
	const char *dt_node;    /* its node name in a Linux device tree */
	bool console;           /* a UART: /chosen stdout-path, serialN alias */
	/*
	 * Writes the device's properties into its node (dt_node@<ipa>) of a
	 * Linux VM's device tree; NULL if the model is numbat-only and not
	 * described to Linux.
	 */
	void (*guest_node)(struct sg_guest_dt *g, const struct sg_device *d);
};

struct sg_region {
	char path[SG_PATH_MAX];
	bool ok;                /* reg and access parsed and valid */
	uint64_t ipa;
	uint64_t size;
	uint32_t flags;         /* REGION_* */
	bool explicit_pa;       /* `phys` given */
	bool placed;            /* pa is final */
	uint64_t pa;
};

struct sg_device {
	char path[SG_PATH_MAX];
	bool ok;
	const struct sg_device_model *model;
	uint64_t ipa;
	uint64_t size;
	bool has_spi;           /* `interrupts` given and valid */
	uint32_t spi;           /* SPI number; the guest INTID is 32 + spi */
	uint64_t cid;           /* virtio,vsock: `cid` (parse_netlink.c) */
	uint8_t mac[6];         /* virtio,net: `mac-address`, or a default */
	unsigned links;         /* data links naming it as an endpoint */
	uint32_t virtio_id;     /* passthrough: the DeviceID probed for */
	uint32_t slot_index;    /* passthrough: which match */
	uint32_t blk_mode;      /* block server: BLKSRV_MODE_* */
	uint32_t disk_kib_s;    /* block server: the disk's write rate */
	uint64_t blk_buffer;    /* block server, RapiLog: the buffer bound */
	uint32_t disk_iops;     /* block server: the disk's write operations/s, 0: no limit */
	uint32_t blk_requests;  /* block server, RapiLog: requests bound, 0: none */
};


/* A file a VM embeds: its image or kernel, or its initrd. */
enum sg_file_kind { SG_FILE_IMAGE = 0, SG_FILE_INITRD = 1, SG_FILE_KINDS = 2 };

struct sg_file {
	char name[SG_IMAGE_NAME_MAX];  /* as the description gives it; empty if none */
	char path[PATH_MAX];           /* dir/name, as make sees it */
	char abs[PATH_MAX];            /* absolute path, for .incbin */
	bool ok;                       /* exists, regular, non-empty */
	uint64_t size;
	char label[32];                /* its symbol in images.S */
	const struct sg_file *twin;    /* earlier file with the same path, or NULL */
};

enum sg_gic_window { SG_GIC_DIST = 0, SG_GIC_REDIST = 1, SG_GIC_CPUIF = 2 };

/* The vGIC windows of a VM; defaults unless its gic node moves them. */
struct sg_vgic {
	char path[SG_PATH_MAX]; /* the gic node, or the VM if it has none */
	bool ok;                /* the gic node (if any) parsed */
	uint32_t given;         /* 1 << SG_GIC_* for each window the node sets */
	uint64_t dist_ipa;
	uint64_t redist_ipa;
	uint64_t cpuif_ipa;
};

/* Where a Linux VM's boot files go, from the Image header and the sizes. */
struct sg_linux {
	uint64_t text_offset;   /* from the Image header */
	uint64_t image_size;    /* bytes the kernel occupies from its load address */
	uint64_t kernel_ipa;    /* 2 MiB aligned region base + text_offset */
	uint64_t initrd_ipa;    /* next 2 MiB boundary after the kernel; 0 if none */
	uint64_t dtb_ipa;       /* next 2 MiB boundary after the initrd or kernel */
	bool placed;            /* all of it fits in the first region */
};

struct sg_vm {
	char path[SG_PATH_MAX];
	char name[CONFIG_NAME_MAX];
	bool name_ok;
	uint32_t vcpu_count;    /* 0 if invalid */
	uint32_t vcpu_pcpu[CONFIG_MAX_VCPUS];
	bool pcpus_ok;          /* cpus parsed, one cell per vCPU */
	uint32_t region_count;
	struct sg_region regions[CONFIG_MAX_REGIONS];
	uint32_t device_count;
	struct sg_device devices[CONFIG_MAX_DEVICES];
	bool is_linux;          /* `kernel` given: a Linux VM */
	struct sg_file file[SG_FILE_KINDS]; /* image or kernel; initrd */
	char bootargs[SG_BOOTARGS_MAX];
	struct sg_linux linux_boot;
	struct sg_vgic vgic;
	uint8_t dtb[SG_DTB_BUF];  /* a Linux VM's generated device tree */
	uint32_t dtb_size;        /* 0 until generated */
	bool addr_bad;          /* load-address or entry malformed */
	bool has_load;
	uint64_t load_ipa;
	bool has_entry;
	uint64_t entry_ipa;
	uint64_t boot_x0;       /* a Linux VM's device tree IPA; 0 otherwise */
	uint32_t fault_policy;  /* enum fault_policy */
	unsigned has_watchdog;  /* arm,sp805 devices seen */
	uint32_t restart_policy; /* enum restart_policy */
	uint32_t restart_limit;
	uint32_t restart_backoff_ms;
	struct sched_config sched[CONFIG_MAX_VCPUS];
	bool identity_map;      /* `identity-map`: regions at PA = IPA */
	bool has_passthrough;   /* a passthrough node gave it a device */
};

/* The power-fail node (parse_powerfail.c). */
struct sg_powerfail {
	char path[SG_PATH_MAX];
	bool given, ok;
	char vm_name[CONFIG_NAME_MAX];
	uint32_t vm;            /* index, once checked */
	uint32_t spi;
	uint32_t drain_ms;
};

/*
 * A child of the top-level `links` node (parse_links.c): a channel the
 * description declares between two VMs.
 */
struct sg_link {
	char path[SG_PATH_MAX];
	char name[CONFIG_NAME_MAX]; /* the node name */
	bool ok;                /* parsed and every check passed */
	uint32_t type;          /* enum link_type */
	uint32_t vm[2];         /* VM indices (virq: sender, receiver) */
	uint32_t dev[2];        /* data links: each end's device index */
	uint32_t spi;           /* virq: SPI raised in vm[1]; INTID 32 + spi */
};

/*
 * A region of the top-level `shared-memory` node (parse_shm.c): placed
 * once in physical memory (region.pa), mapped into each VM of maps[].
 */
#define SG_MAX_SHM 8

struct sg_shm_map {
	char path[SG_PATH_MAX];
	uint32_t vm;            /* VM index */
	uint64_t ipa;           /* where it appears in that VM */
	uint32_t flags;         /* REGION_READ, | REGION_WRITE */
};

struct sg_shm {
	struct sg_region region; /* path, size, ok, pa (place.c) */
	uint32_t map_count;
	struct sg_shm_map maps[CONFIG_MAX_VMS];
};

struct sg_system {
	const char *source;     /* the .dts named in messages */
	const char *image_dir;  /* where images are looked up */
	const char *linux_dir;  /* where kernels and initrds are looked up */
	FILE *err;              /* where errors go */
	unsigned errors;
	bool ram_ok;
	uint64_t ram_base;
	uint64_t ram_size;
	uint32_t pcpu_count;    /* 0 if invalid */
	uint32_t gic_version;   /* 2 or 3 */
	bool hyp_ok;
	bool hyp_given;         /* memory-size given, not the default */
	uint64_t hyp_base;
	uint64_t hyp_size;
	uint32_t vm_count;
	struct sg_vm vms[CONFIG_MAX_VMS];
	struct sg_powerfail powerfail;
	uint32_t link_count;
	struct sg_link links[CONFIG_MAX_LINKS];
	uint32_t shm_count;
	struct sg_shm shms[SG_MAX_SHM];
};

/* A node being read: where it is and whom to tell about problems. */
struct sg_node {
	struct sg_system *sys;
	const void *fdt;
	int off;
	char path[SG_PATH_MAX];
};

/* props.c */
void sg_error(struct sg_system *s, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sg_node_init(struct sg_node *n, struct sg_system *s, const void *fdt, int off);
void sg_check_props(const struct sg_node *n, const char *const *allowed);
void sg_no_children(const struct sg_node *n);
bool sg_require(const struct sg_node *n, const char *name, int rc);
int sg_read_u32(const struct sg_node *n, const char *name, uint32_t *v);
int sg_read_u64(const struct sg_node *n, const char *name, uint64_t *v);
int sg_read_range(const struct sg_node *n, const char *name, uint64_t *base, uint64_t *size);
int sg_read_u32_list(const struct sg_node *n, const char *name, uint32_t *v,
		     int max, int *count);
int sg_read_string(const struct sg_node *n, const char *name, const char **v);
bool sg_is_node(const char *name, const char *base);
const struct sg_device_model *sg_device_model(const char *compatible);

/* parse.c, parse_vm.c */
void sg_init(struct sg_system *s, const char *source, const char *image_dir, FILE *err);
void sg_parse(struct sg_system *s, const void *fdt, size_t size);
void sg_parse_vm(struct sg_system *s, const void *fdt, int off);
/* parse_sched.c: a VM's priority, slice and budget properties. */
void sg_parse_vm_sched(const struct sg_node *n, struct sg_vm *vm);
/* Reads restart-policy, restart-limit and restart-backoff-ms of a vm node. */
void sg_parse_vm_restart(const struct sg_node *n, struct sg_vm *vm);
/* parse_passthrough.c: a VM's passthrough node and identity-map. */
void sg_parse_passthrough(struct sg_system *s, const void *fdt, int off, struct sg_vm *vm);
void sg_parse_vm_identity(const struct sg_node *n, struct sg_vm *vm);
void sg_check_vm_identity(struct sg_system *s, struct sg_vm *vm);
void sg_guest_dt_passthrough(struct sg_guest_dt *g, const struct sg_device *d);

/* parse_blocklink.c: block links, the block server's properties. */
void sg_parse_device_extra(const struct sg_node *n, struct sg_device *d);
void sg_parse_link_block(const struct sg_node *n, struct sg_link *l);
void sg_check_block_servers(struct sg_system *s);

/* parse_powerfail.c */
void sg_parse_powerfail(struct sg_system *s, const void *fdt, int off);
void sg_check_powerfail(struct sg_system *s);

/* parse_sched.c: the budgets pinned to each pCPU fit in it. */
void sg_check_sched(struct sg_system *s);

/* parse_links.c: the top-level `links` node, after every VM is parsed. */
void sg_parse_links(struct sg_system *s, const void *fdt, int off);
/*
 * Reads property `name` of n, one phandle, naming a vm node; sets *vm to
 * its index. Reports and returns false otherwise.
 */
bool sg_read_vm_ref(const struct sg_node *n, const char *name, uint32_t *vm);
/* parse_virq.c: one `type = "virq"` link. */
void sg_parse_link_virq(const struct sg_node *n, struct sg_link *l);
/*
 * parse_netlink.c: `type = "net"` and `type = "vsock"` links, the virtio
 * device properties (cid, mac-address; interrupts required), and the
 * checks across them once everything is parsed.
 */
void sg_parse_link_net(const struct sg_node *n, struct sg_link *l);
void sg_parse_link_vsock(const struct sg_node *n, struct sg_link *l);
void sg_parse_virtio_props(const struct sg_node *n, struct sg_device *d);
void sg_check_netlinks(struct sg_system *s);

/* parse_shm.c: the top-level `shared-memory` node, after every VM. */
void sg_parse_shm(struct sg_system *s, const void *fdt, int off);

/* check.c, check_vm.c */
void sg_check(struct sg_system *s);
uint64_t sg_image_space(const struct sg_system *s);
void sg_check_vm_layout(struct sg_system *s, struct sg_vm *vm);
const struct sg_region *sg_region_holding(const struct sg_vm *vm, uint64_t ipa,
					  uint64_t size);
const char *sg_access_string(uint32_t flags, char *buf);

/* linux.c: a Linux VM's Image header, boot placement and device tree. */
void sg_check_linux(struct sg_system *s, struct sg_vm *vm);

/* guest_dt.c */
const char *sg_guest_dtb(const struct sg_system *s, struct sg_vm *vm);
void sg_guest_dt_pl011(struct sg_guest_dt *g, const struct sg_device *d);
void sg_guest_dt_sp805(struct sg_guest_dt *g, const struct sg_device *d);
void sg_guest_dt_virtio(struct sg_guest_dt *g, const struct sg_device *d);

/* place.c */
void sg_place(struct sg_system *s);

/* emit.c */
int sg_emit_config(const struct sg_system *s, FILE *f);
int sg_emit_images(const struct sg_system *s, FILE *f, const char *dtb_dir);
int sg_emit_depfile(const struct sg_system *s, FILE *f, const char *const *targets,
		    int target_count);
int sg_emit_dtb(const struct sg_vm *vm, FILE *f);

/* Runs parse, check and place; returns the number of errors reported. */
unsigned sg_process(struct sg_system *s, const void *fdt, size_t size);

/* Small helpers shared by the phases. */
static inline bool sg_page_aligned(uint64_t v)
{
	return (v & (CONFIG_PAGE_SIZE - 1)) == 0;
}

static inline uint64_t sg_align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* True if [a, a+as) and [b, b+bs) share a byte; sizes are non-zero. */
static inline bool sg_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

#endif /* SYSGEN_H */
