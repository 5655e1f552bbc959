/*
 * libFuzzer harness: tools/sysgen's description parser and checker
 * (parse, check, place) on any device tree blob, seeded with the compiled
 * descriptions of the repository. Invariants for every description it
 * accepts without an error: each VM's regions are page aligned, inside
 * the 40-bit IPA space, disjoint from each other and from its devices,
 * and placed inside the platform's RAM without overlapping numbat or
 * another region; and config.c can be written from it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"
#include "sysgen.h"

static struct sg_system sys;

static int overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static void check_vm(const struct sg_system *s, const struct sg_vm *vm)
{
	for (uint32_t i = 0; i < vm->region_count; i++) {
		const struct sg_region *r = &vm->regions[i];

		FUZZ_ASSERT(r->size && !(r->ipa & 0xfff) && !(r->size & 0xfff));
		FUZZ_ASSERT(r->ipa + r->size > r->ipa && r->ipa + r->size <= SG_IPA_LIMIT);
		FUZZ_ASSERT(r->placed && r->pa >= s->ram_base &&
			    r->pa + r->size <= s->ram_base + s->ram_size);
		FUZZ_ASSERT(!overlaps(r->pa, r->size, s->hyp_base, s->hyp_size));
		for (uint32_t j = 0; j < i; j++)
			FUZZ_ASSERT(!overlaps(r->ipa, r->size, vm->regions[j].ipa,
					      vm->regions[j].size));
		for (uint32_t d = 0; d < vm->device_count; d++)
			FUZZ_ASSERT(!overlaps(r->ipa, r->size, vm->devices[d].ipa,
					      vm->devices[d].size));
		/* No two regions of any VMs share physical memory. */
		for (const struct sg_vm *w = s->vms; w <= vm; w++)
			for (uint32_t j = 0; j < (w == vm ? i : w->region_count); j++)
				FUZZ_ASSERT(!overlaps(r->pa, r->size, w->regions[j].pa,
						      w->regions[j].size));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *err = fopen("/dev/null", "w");

	FUZZ_ASSERT(err != NULL);
	sg_init(&sys, "fuzz.dts", FUZZ_IMAGE_DIR, err);
	sys.linux_dir = FUZZ_LINUX_DIR;
	sg_process(&sys, data, size);
	if (sys.errors == 0) {
		FUZZ_ASSERT(sys.vm_count > 0 && sys.vm_count <= CONFIG_MAX_VMS);
		for (uint32_t v = 0; v < sys.vm_count; v++)
			check_vm(&sys, &sys.vms[v]);
		FUZZ_ASSERT(sg_emit_config(&sys, err) == 0);
	}
	fclose(err);
	return 0;
}
