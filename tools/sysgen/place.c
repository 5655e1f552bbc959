/*
 * sysgen: physical placement of VM memory. Explicit `phys` placements are
 * checked first; the other regions are then allocated first-fit above
 * numbat's own memory, in VM and region order, around everything placed.
 */
#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))
#define SG_MAX_PLACED (CONFIG_MAX_VMS * CONFIG_MAX_REGIONS + SG_MAX_SHM)

/* The regions that own physical memory so far. */
struct placed {
	const struct sg_region *r[SG_MAX_PLACED];
	unsigned count;
};

/* Returns a placed region overlapping [pa, pa+size), or NULL. */
static const struct sg_region *placed_overlap(const struct placed *p, uint64_t pa,
					      uint64_t size)
{
	unsigned i;

	for (i = 0; i < p->count; i++)
		if (sg_overlap(pa, size, p->r[i]->pa, p->r[i]->size))
			return p->r[i];
	return NULL;
}

/* Checks one explicitly placed region against RAM, numbat and earlier ones. */
static void check_explicit(struct sg_system *s, struct placed *p, const struct sg_region *r)
{
	uint64_t ram_end = s->ram_base + s->ram_size;
	const struct sg_region *o;

	if (r->pa < s->ram_base || r->pa >= ram_end || r->size > ram_end - r->pa) {
		sg_error(s, r->path, "physical 0x%llx-0x%llx is not inside RAM 0x%llx-0x%llx",
			 ULL(r->pa), ULL(r->pa + r->size - 1), ULL(s->ram_base),
			 ULL(ram_end - 1));
		return;
	}
	if (sg_overlap(r->pa, r->size, s->hyp_base, s->hyp_size)) {
		sg_error(s, r->path, "physical 0x%llx-0x%llx overlaps hypervisor memory "
			 "0x%llx-0x%llx", ULL(r->pa), ULL(r->pa + r->size - 1),
			 ULL(s->hyp_base), ULL(s->hyp_base + s->hyp_size - 1));
		return;
	}
	o = placed_overlap(p, r->pa, r->size);
	if (o) {
		sg_error(s, r->path, "overlaps %s (physical 0x%llx-0x%llx)", o->path,
			 ULL(o->pa), ULL(o->pa + o->size - 1));
		return;
	}
	p->r[p->count++] = r;
}

/*
 * Finds the lowest address >= start, aligned to `align`, where size bytes
 * below `end` overlap nothing placed. Returns false if there is none.
 */
static bool first_fit(const struct placed *p, uint64_t start, uint64_t end, uint64_t size,
		      uint64_t align, uint64_t *out)
{
	uint64_t pa = sg_align_up(start, align);

	for (;;) {
		const struct sg_region *o;

		if (pa < start || pa >= end || size > end - pa)
			return false;
		o = placed_overlap(p, pa, size);
		if (!o) {
			*out = pa;
			return true;
		}
		/* Nothing in [pa, o's end) can fit: every start there hits o. */
		pa = sg_align_up(o->pa + o->size, align);
	}
}

/* Allocates physical memory for a region without `phys`. */
static void allocate(struct sg_system *s, struct placed *p, struct sg_region *r)
{
	uint64_t align = (r->size % SG_BLOCK_SIZE == 0) ? SG_BLOCK_SIZE : CONFIG_PAGE_SIZE;
	uint64_t ram_end = s->ram_base + s->ram_size;

	if (!first_fit(p, s->hyp_base + s->hyp_size, ram_end, r->size, align, &r->pa)) {
		sg_error(s, r->path, "RAM exhausted: no free 0x%llx bytes (aligned to 0x%llx) "
			 "in RAM 0x%llx-0x%llx above hypervisor memory", ULL(r->size),
			 ULL(align), ULL(s->ram_base), ULL(ram_end - 1));
		return;
	}
	r->placed = true;
	p->r[p->count++] = r;
}

/*
 * Gives every valid region a physical base, reporting explicit placements
 * outside RAM, over numbat or over another region, and exhausted RAM.
 * Needs valid RAM and hypervisor memory; does nothing otherwise.
 */
void sg_place(struct sg_system *s)
{
	struct placed p = { .count = 0 };
	uint32_t i, j;

	if (!s->ram_ok || !s->hyp_ok)
		return;
	for (i = 0; i < s->vm_count; i++) {
		for (j = 0; j < s->vms[i].region_count; j++) {
			struct sg_region *r = &s->vms[i].regions[j];

			if (r->ok && r->explicit_pa)
				check_explicit(s, &p, r);
		}
	}
	for (i = 0; i < s->vm_count; i++) {
		for (j = 0; j < s->vms[i].region_count; j++) {
			struct sg_region *r = &s->vms[i].regions[j];

			if (r->ok && !r->explicit_pa)
				allocate(s, &p, r);
		}
	}
	/* Each shared region once, whoever maps it (parse_shm.c). */
	for (i = 0; i < s->shm_count; i++)
		if (s->shms[i].region.ok)
			allocate(s, &p, &s->shms[i].region);
}
