/*
 * sysgen: the top-level `shared-memory` node (docs/SYSTEM-DESCRIPTION.md,
 * "shared-memory"): regions of memory that several native VMs map, each
 * at an IPA and with rights of its own. A region is placed once in
 * physical memory (place.c) and emitted into each of its VMs' regions
 * with REGION_SHARED (emit.c), which tells numbat never to zero it when
 * one of them is reset.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))

/* "r" or "rw": the only rights a shared region is mapped with. */
static bool parse_rights(const char *s, uint32_t *flags)
{
	if (strcmp(s, "r") == 0)
		*flags = REGION_READ;
	else if (strcmp(s, "rw") == 0)
		*flags = REGION_READ | REGION_WRITE;
	else
		return false;
	return true;
}

/* Reports [ipa, ipa+size) of map overlapping `what` at [b, b+bs); true if so. */
static bool clash(const struct sg_node *n, uint64_t ipa, uint64_t size,
		  const char *what, uint64_t b, uint64_t bs)
{
	if (!sg_overlap(ipa, size, b, bs))
		return false;
	sg_error(n->sys, n->path, "IPA 0x%llx-0x%llx overlaps %s (0x%llx-0x%llx)",
		 ULL(ipa), ULL(ipa + size - 1), what, ULL(b), ULL(b + bs - 1));
	return true;
}

/*
 * Checks map m (size bytes) against everything else in its VM's IPA
 * space: memory regions, devices, the vGIC's windows and the shared
 * regions mapped before it. Returns true if it is clear.
 */
static bool map_clear(const struct sg_node *n, const struct sg_shm_map *m, uint64_t size)
{
	const struct sg_system *s = n->sys;
	const struct sg_vm *vm = &s->vms[m->vm];
	uint64_t gic2 = s->gic_version == 2 ? vm->vgic.cpuif_ipa : vm->vgic.redist_ipa;
	uint64_t gic2_size = s->gic_version == 2 ? SG_GICC_SIZE :
			     SG_GICR_SIZE * (vm->vcpu_count ? vm->vcpu_count : 1);
	bool bad = false;
	uint32_t i, j;

	for (i = 0; i < vm->region_count; i++)
		if (vm->regions[i].ok)
			bad |= clash(n, m->ipa, size, vm->regions[i].path,
				     vm->regions[i].ipa, vm->regions[i].size);
	for (i = 0; i < vm->device_count; i++)
		if (vm->devices[i].ok)
			bad |= clash(n, m->ipa, size, vm->devices[i].path,
				     vm->devices[i].ipa, vm->devices[i].size);
	bad |= clash(n, m->ipa, size, "the GIC distributor", vm->vgic.dist_ipa, SG_GICD_SIZE);
	bad |= clash(n, m->ipa, size, s->gic_version == 2 ? "the GIC CPU interface" :
		     "the GIC redistributors", gic2, gic2_size);
	for (i = 0; i < s->shm_count; i++) {
		const struct sg_shm *o = &s->shms[i];

		for (j = 0; j < o->map_count && &o->maps[j] != m; j++)
			if (o->maps[j].vm == m->vm)
				bad |= clash(n, m->ipa, size, o->maps[j].path, o->maps[j].ipa,
					     o->region.size);
	}
	return !bad;
}

/* Reads one per-VM child of a region into the next map of shm. */
static bool parse_map(struct sg_system *s, const void *fdt, int off, struct sg_shm *shm)
{
	static const char *const allowed[] = { "vm", "ipa", "access", NULL };
	struct sg_node n;
	struct sg_shm_map *m = &shm->maps[shm->map_count];
	const char *access;
	uint32_t i;
	bool ok;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	snprintf(m->path, sizeof(m->path), "%s", n.path);
	ok = sg_read_vm_ref(&n, "vm", &m->vm);
	if (!sg_require(&n, "ipa", sg_read_u64(&n, "ipa", &m->ipa)))
		ok = false;
	if (sg_require(&n, "access", sg_read_string(&n, "access", &access)) &&
	    !parse_rights(access, &m->flags)) {
		sg_error(s, n.path, "access = \"%s\": must be \"r\" or \"rw\"", access);
		ok = false;
	}
	if (!ok)
		return false;
	if (s->vms[m->vm].is_linux) {
		sg_error(s, n.path, "vm: %s is a Linux VM: shared memory is for native "
			 "partitions (Linux would take it for RAM)", s->vms[m->vm].path);
		return false;
	}
	for (i = 0; i < shm->map_count; i++) {
		if (shm->maps[i].vm == m->vm) {
			sg_error(s, n.path, "vm: %s already maps this region (%s)",
				 s->vms[m->vm].path, shm->maps[i].path);
			return false;
		}
	}
	if (!sg_page_aligned(m->ipa) || m->ipa >= SG_IPA_LIMIT ||
	    shm->region.size > SG_IPA_LIMIT - m->ipa) {
		sg_error(s, n.path, "ipa 0x%llx: must be 4 KiB aligned, the region inside "
			 "the 40-bit IPA space", ULL(m->ipa));
		return false;
	}
	return map_clear(&n, m, shm->region.size);
}

/* Reads one child of `shared-memory`: its size and a child per VM. */
static void parse_region(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { "size", NULL };
	struct sg_node n;
	struct sg_shm *shm;
	bool ok = true;
	int child;

	sg_node_init(&n, s, fdt, off);
	if (s->shm_count >= SG_MAX_SHM) {
		sg_error(s, n.path, "too many shared regions (at most %d)", SG_MAX_SHM);
		return;
	}
	shm = &s->shms[s->shm_count++];
	memset(shm, 0, sizeof(*shm));
	snprintf(shm->region.path, sizeof(shm->region.path), "%s", n.path);
	sg_check_props(&n, allowed);
	if (!sg_require(&n, "size", sg_read_u64(&n, "size", &shm->region.size)))
		return;
	if (shm->region.size == 0 || !sg_page_aligned(shm->region.size)) {
		sg_error(s, n.path, "size 0x%llx: must be a non-zero multiple of 4 KiB",
			 ULL(shm->region.size));
		return;
	}
	fdt_for_each_subnode(child, fdt, off) {
		if (shm->map_count >= CONFIG_MAX_VMS)
			break;
		if (parse_map(s, fdt, child, shm))
			shm->map_count++;
		else
			ok = false;
	}
	if (ok && shm->map_count < 2)
		sg_error(s, n.path, "shared by %u VM(s): a shared region needs a child "
			 "node for each of at least two VMs", shm->map_count);
	shm->region.ok = ok && shm->map_count >= 2;
	shm->region.flags = REGION_READ | REGION_WRITE;
}

/* Each VM's regions and shared mappings together fit vm_config.regions. */
static void check_region_counts(struct sg_system *s)
{
	for (uint32_t v = 0; v < s->vm_count; v++) {
		uint32_t n = s->vms[v].region_count;

		for (uint32_t i = 0; i < s->shm_count; i++)
			for (uint32_t j = 0; j < s->shms[i].map_count; j++)
				n += s->shms[i].maps[j].vm == v;
		if (n > CONFIG_MAX_REGIONS)
			sg_error(s, s->vms[v].path, "%u memory regions with its shared "
				 "memory: at most %d", n, CONFIG_MAX_REGIONS);
	}
}

/*
 * Reads the `shared-memory` node at off: no properties, a child per
 * region. Called once every vm node is parsed.
 */
void sg_parse_shm(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	fdt_for_each_subnode(child, fdt, off)
		parse_region(s, fdt, child);
	check_region_counts(s);
}
