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

/* Results of the property readers. */
enum sg_prop {
	SG_BAD = -1,    /* present but malformed; an error was reported */
	SG_ABSENT = 0,  /* not present */
	SG_OK = 1,      /* present and read */
};

/* An emulated device model a description may name by compatible. */
struct sg_device_model {
	const char *compatible;
	const char *enum_name;  /* enum device_type constant emitted in C */
	uint32_t type;
	uint64_t min_size;      /* smallest reg size the model accepts */
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
	char image[SG_IMAGE_NAME_MAX]; /* empty if missing or invalid */
	char image_path[PATH_MAX];     /* image_dir/image, as make sees it */
	char image_abs[PATH_MAX];      /* absolute path, for .incbin */
	bool image_ok;                 /* exists, regular, non-empty */
	uint64_t image_size;
	int image_twin;         /* earlier VM with the same image, or -1 */
	bool addr_bad;          /* load-address or entry malformed */
	bool has_load;
	uint64_t load_ipa;
	bool has_entry;
	uint64_t entry_ipa;
	uint32_t fault_policy;  /* enum fault_policy */
};

struct sg_system {
	const char *source;     /* the .dts named in messages */
	const char *image_dir;  /* where images are looked up */
	FILE *err;              /* where errors go */
	unsigned errors;
	bool ram_ok;
	uint64_t ram_base;
	uint64_t ram_size;
	uint32_t pcpu_count;    /* 0 if invalid */
	bool hyp_ok;
	bool hyp_given;         /* memory-size given, not the default */
	uint64_t hyp_base;
	uint64_t hyp_size;
	uint32_t vm_count;
	struct sg_vm vms[CONFIG_MAX_VMS];
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

/* check.c */
void sg_check(struct sg_system *s);
uint64_t sg_image_space(const struct sg_system *s);

/* place.c */
void sg_place(struct sg_system *s);

/* emit.c */
int sg_emit_config(const struct sg_system *s, FILE *f);
int sg_emit_images(const struct sg_system *s, FILE *f);
int sg_emit_depfile(const struct sg_system *s, FILE *f, const char *const *targets,
		    int target_count);

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
