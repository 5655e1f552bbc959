/*
 * sysgen: reading the root, platform and hypervisor nodes of a description
 * into the model, with every check that needs only the node itself.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

/* Root children that are not part of the description but may appear. */
static const char *const standard_nodes[] = {
	"__symbols__", "__fixups__", "__local_fixups__", "aliases", NULL
};

/* Prepares an empty model; errors go to err, naming `source`. */
void sg_init(struct sg_system *s, const char *source, const char *image_dir, FILE *err)
{
	memset(s, 0, sizeof(*s));
	s->source = source;
	s->image_dir = image_dir;
	s->linux_dir = SG_LINUX_DIR;
	s->gic_version = 3;
	s->err = err;
	s->hyp_size = SG_HYP_DEFAULT;
	s->hyp_ok = true;
}

/* Reads /platform: the RAM, the pCPUs and the GIC the system needs. */
static void parse_platform(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { "memory", "cpus", "gic-version", NULL };
	struct sg_node n;
	uint64_t base, size;
	uint32_t cpus;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	if (sg_require(&n, "memory", sg_read_range(&n, "memory", &base, &size))) {
		if (!sg_page_aligned(base) || !sg_page_aligned(size) || size == 0)
			sg_error(s, n.path, "RAM 0x%llx size 0x%llx: base and size must be "
				 "4 KiB aligned and the size non-zero",
				 (unsigned long long)base, (unsigned long long)size);
		else if (base + size < base)
			sg_error(s, n.path, "RAM 0x%llx size 0x%llx wraps around the address space",
				 (unsigned long long)base, (unsigned long long)size);
		else
			s->ram_ok = true;
		s->ram_base = base;
		s->ram_size = size;
	}
	if (sg_require(&n, "cpus", sg_read_u32(&n, "cpus", &cpus))) {
		if (cpus < 1 || cpus > CONFIG_MAX_PCPUS)
			sg_error(s, n.path, "cpus = <%u>: must be 1..%d", cpus, CONFIG_MAX_PCPUS);
		else
			s->pcpu_count = cpus;
	}
	if (sg_read_u32(&n, "gic-version", &s->gic_version) == SG_OK &&
	    s->gic_version != 2 && s->gic_version != 3)
		sg_error(s, n.path, "gic-version = <%u>: must be <2> or <3>", s->gic_version);
}

/* Reads /hypervisor: the size of numbat's own memory at the RAM base. */
static void parse_hypervisor(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { "memory-size", NULL };
	struct sg_node n;
	uint64_t size;
	int rc;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	rc = sg_read_u64(&n, "memory-size", &size);
	if (rc == SG_BAD) {
		s->hyp_ok = false;
	} else if (rc == SG_OK) {
		s->hyp_given = true;
		s->hyp_size = size;
		if (!sg_page_aligned(size) || size < SG_HYP_MIN) {
			sg_error(s, n.path, "memory-size 0x%llx must be a multiple of 4 KiB "
				 "and at least 4 MiB", (unsigned long long)size);
			s->hyp_ok = false;
		}
	}
}

/* Checks compatible and the cell sizes of the root node. */
static void parse_root_props(struct sg_system *s, const void *fdt)
{
	static const char *const allowed[] = {
		"compatible", "#address-cells", "#size-cells", "model", NULL
	};
	static const char *const cells[] = { "#address-cells", "#size-cells" };
	struct sg_node n;
	const char *compat;
	uint32_t v;
	int i, rc;

	sg_node_init(&n, s, fdt, 0);
	sg_check_props(&n, allowed);
	rc = sg_read_string(&n, "compatible", &compat);
	if (sg_require(&n, "compatible", rc) && strcmp(compat, "numbat,system") != 0)
		sg_error(s, n.path, "compatible is \"%s\", expected \"numbat,system\"", compat);
	for (i = 0; i < 2; i++) {
		rc = sg_read_u32(&n, cells[i], &v);
		if (rc == SG_OK && v != 2)
			sg_error(s, n.path, "%s = <%u>: numbat descriptions use 64-bit "
				 "addresses and sizes, so it must be <2> (or absent)", cells[i], v);
	}
}

/* Dispatches one child of the root node by name. */
static void parse_root_child(struct sg_system *s, const void *fdt, int off,
			     bool *have_platform)
{
	const char *name = fdt_get_name(fdt, off, NULL);
	struct sg_node n;

	if (strcmp(name, "platform") == 0) {
		*have_platform = true;
		parse_platform(s, fdt, off);
	} else if (strcmp(name, "hypervisor") == 0) {
		parse_hypervisor(s, fdt, off);
	} else if (strcmp(name, "power-fail") == 0) {
		sg_parse_powerfail(s, fdt, off);
	} else if (sg_is_node(name, "vm")) {
		sg_parse_vm(s, fdt, off);
	} else if (strcmp(name, "links") == 0 || strcmp(name, "shared-memory") == 0) {
		return;                 /* after every VM: sg_parse_links, sg_parse_shm */
	} else {
		for (int i = 0; standard_nodes[i]; i++)
			if (strcmp(name, standard_nodes[i]) == 0)
				return;
		sg_node_init(&n, s, fdt, off);
		sg_error(s, n.path, "unknown node (expected platform, hypervisor, "
			 "vm@..., links or shared-memory)");
	}
}

/*
 * Reads the whole description in fdt (size bytes) into s, reporting every
 * problem that a node shows on its own. Cross-node checks are sg_check's.
 */
void sg_parse(struct sg_system *s, const void *fdt, size_t size)
{
	bool have_platform = false;
	int child, rc;

	/*
	 * The buffer's size first: the header is not read past its end. Then
	 * only the layout dtc writes (version 17) is walked: Debian 12's
	 * libfdt (1.6.1) fdt_check_full dereferences NULL on some version-3
	 * blobs (found by tests/fuzz/fuzz_sysgen.c).
	 */
	if (size < sizeof(struct fdt_header))
		rc = -FDT_ERR_TRUNCATED;
	else if (fdt_magic(fdt) != FDT_MAGIC)
		rc = -FDT_ERR_BADMAGIC;
	else if (fdt_version(fdt) < 17)
		rc = -FDT_ERR_BADVERSION;
	else
		rc = fdt_check_full(fdt, size);
	if (rc != 0) {
		sg_error(s, "/", "not a valid device tree blob: %s", fdt_strerror(rc));
		s->ram_ok = false;
		return;
	}
	parse_root_props(s, fdt);
	fdt_for_each_subnode(child, fdt, 0)
		parse_root_child(s, fdt, child, &have_platform);
	sg_check_powerfail(s);          /* VM names, before links and servers */
	child = fdt_subnode_offset(fdt, 0, "links");
	if (child >= 0)
		sg_parse_links(s, fdt, child);
	child = fdt_subnode_offset(fdt, 0, "shared-memory");
	if (child >= 0)
		sg_parse_shm(s, fdt, child);
	sg_check_block_servers(s);
	if (!have_platform)
		sg_error(s, "/", "missing required node 'platform'");
	if (s->vm_count == 0)
		sg_error(s, "/", "no VMs: the system needs at least one vm@... node");
	s->hyp_base = s->ram_base;
}

/* Runs parse, check and place on fdt; returns the number of errors. */
unsigned sg_process(struct sg_system *s, const void *fdt, size_t size)
{
	sg_parse(s, fdt, size);
	sg_check(s);
	sg_place(s);
	return s->errors;
}
