/*
 * sysgen: checks that span nodes: names, pCPU pinning, IPA layout of each
 * VM, the image files and where they load, and numbat's own memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))

/* Checks that numbat's memory, at the RAM base, fits in RAM. */
static void check_hypervisor(struct sg_system *s)
{
	if (!s->ram_ok || !s->hyp_ok || s->hyp_size <= s->ram_size)
		return;
	sg_error(s, "/hypervisor", "memory-size 0x%llx%s does not fit in RAM 0x%llx-0x%llx",
		 ULL(s->hyp_size), s->hyp_given ? "" : " (the default)", ULL(s->ram_base),
		 ULL(s->ram_base + s->ram_size - 1));
	s->hyp_ok = false;
}

/* Reports a VM whose name an earlier VM already uses. */
static void check_names(struct sg_system *s)
{
	uint32_t i, j;

	for (i = 0; i < s->vm_count; i++) {
		for (j = 0; j < i; j++) {
			if (s->vms[i].name_ok && s->vms[j].name_ok &&
			    strcmp(s->vms[i].name, s->vms[j].name) == 0) {
				sg_error(s, s->vms[i].path, "vm-name '%s' is already used by %s",
					 s->vms[i].name, s->vms[j].path);
				break;
			}
		}
	}
}

/* Reports every vCPU pinned to a pCPU the platform does not have. */
static void check_pcpus(struct sg_system *s)
{
	uint32_t i, v;

	if (s->pcpu_count == 0)
		return;
	for (i = 0; i < s->vm_count; i++) {
		const struct sg_vm *vm = &s->vms[i];

		for (v = 0; vm->pcpus_ok && v < vm->vcpu_count; v++) {
			if (vm->vcpu_pcpu[v] >= s->pcpu_count)
				sg_error(s, vm->path, "vCPU %u is pinned to pCPU %u, but platform "
					 "cpus = <%u> allows pCPUs 0..%u only", v,
					 vm->vcpu_pcpu[v], s->pcpu_count, s->pcpu_count - 1);
		}
	}
}

/* Reports `path` overlapping `other` in the VM's IPA space. */
static void ipa_overlap(struct sg_system *s, const char *path, uint64_t a, uint64_t as,
			const char *other, uint64_t b, uint64_t bs)
{
	if (sg_overlap(a, as, b, bs))
		sg_error(s, path, "overlaps %s (IPA 0x%llx-0x%llx)", other, ULL(b),
			 ULL(b + bs - 1));
}

/* Checks that a VM's regions and devices do not overlap in IPA space. */
static void check_vm_layout(struct sg_system *s, const struct sg_vm *vm)
{
	uint32_t i, j;

	for (i = 0; i < vm->region_count; i++) {
		const struct sg_region *r = &vm->regions[i];

		for (j = 0; r->ok && j < i; j++)
			if (vm->regions[j].ok)
				ipa_overlap(s, r->path, r->ipa, r->size, vm->regions[j].path,
					    vm->regions[j].ipa, vm->regions[j].size);
	}
	for (i = 0; i < vm->device_count; i++) {
		const struct sg_device *d = &vm->devices[i];

		if (!d->ok)
			continue;
		for (j = 0; j < vm->region_count; j++)
			if (vm->regions[j].ok)
				ipa_overlap(s, d->path, d->ipa, d->size, vm->regions[j].path,
					    vm->regions[j].ipa, vm->regions[j].size);
		for (j = 0; j < i; j++)
			if (vm->devices[j].ok)
				ipa_overlap(s, d->path, d->ipa, d->size, vm->devices[j].path,
					    vm->devices[j].ipa, vm->devices[j].size);
	}
}

/*
 * Finds the image of VM idx in the image directory and records its paths
 * and size; notes an earlier VM with the same image (one copy is embedded).
 */
static void check_image_file(struct sg_system *s, uint32_t idx)
{
	struct sg_vm *vm = &s->vms[idx];
	size_t dl = strlen(s->image_dir);
	const char *sep = (dl > 0 && s->image_dir[dl - 1] == '/') ? "" : "/";
	char path[PATH_MAX];
	struct stat st;
	uint32_t j;

	if (!vm->image[0])
		return;
	snprintf(path, sizeof(path), "%s%s%s", s->image_dir, sep, vm->image);
	memcpy(vm->image_path, path, sizeof(path));
	for (j = 0; j < idx && vm->image_twin < 0; j++)
		if (strcmp(s->vms[j].image, vm->image) == 0)
			vm->image_twin = (int)j;
	if (stat(vm->image_path, &st) != 0) {
		if (errno == ENOENT)
			sg_error(s, vm->path, "image '%s' not found in %s", vm->image, s->image_dir);
		else
			sg_error(s, vm->path, "image '%s': %s", vm->image_path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		sg_error(s, vm->path, "image '%s' is not a regular file", vm->image_path);
	} else if (st.st_size == 0) {
		sg_error(s, vm->path, "image '%s' is empty", vm->image_path);
	} else if (!realpath(vm->image_path, vm->image_abs)) {
		sg_error(s, vm->path, "image '%s': %s", vm->image_path, strerror(errno));
	} else {
		vm->image_size = (uint64_t)st.st_size;
		vm->image_ok = true;
	}
}

/* Returns the valid region of vm holding [ipa, ipa+size), or NULL. */
static const struct sg_region *region_holding(const struct sg_vm *vm, uint64_t ipa,
					      uint64_t size)
{
	uint32_t i;

	for (i = 0; i < vm->region_count; i++) {
		const struct sg_region *r = &vm->regions[i];

		if (r->ok && ipa >= r->ipa && ipa - r->ipa < r->size &&
		    size <= r->size - (ipa - r->ipa))
			return r;
	}
	return NULL;
}

/* Writes the access string of REGION_* flags into buf (4 bytes). */
static const char *access_string(uint32_t flags, char *buf)
{
	char *p = buf;

	if (flags & REGION_READ)
		*p++ = 'r';
	if (flags & REGION_WRITE)
		*p++ = 'w';
	if (flags & REGION_EXEC)
		*p++ = 'x';
	*p = '\0';
	return buf;
}

/*
 * Applies the load-address and entry defaults, then checks that the image
 * fits in one region and that entry is in an executable one.
 */
static void check_vm_boot(struct sg_system *s, struct sg_vm *vm)
{
	const struct sg_region *r;
	char acc[4];
	uint32_t i;

	for (i = 0; i < vm->region_count; i++)
		if (!vm->regions[i].ok)
			return;
	if (vm->addr_bad || vm->region_count == 0)
		return;
	if (!vm->has_load)
		vm->load_ipa = vm->regions[0].ipa;
	if (!vm->has_entry)
		vm->entry_ipa = vm->load_ipa;
	if (vm->image_ok && !region_holding(vm, vm->load_ipa, vm->image_size))
		sg_error(s, vm->path, "image '%s' (0x%llx bytes) at load-address 0x%llx does "
			 "not fit inside one memory region", vm->image, ULL(vm->image_size),
			 ULL(vm->load_ipa));
	if (vm->entry_ipa & 3)
		sg_error(s, vm->path, "entry 0x%llx is not 4-byte aligned", ULL(vm->entry_ipa));
	r = region_holding(vm, vm->entry_ipa, 4);
	if (!r)
		sg_error(s, vm->path, "entry 0x%llx is not inside any memory region",
			 ULL(vm->entry_ipa));
	else if (!(r->flags & REGION_EXEC))
		sg_error(s, vm->path, "entry 0x%llx is in %s, which is not executable "
			 "(access \"%s\")", ULL(vm->entry_ipa), r->path,
			 access_string(r->flags, acc));
}

/*
 * Returns the bytes numbat's memory needs: 4 MiB for itself plus every
 * distinct valid image, each rounded up to a page (images.S aligns them).
 */
uint64_t sg_image_space(const struct sg_system *s)
{
	uint64_t need = SG_HYP_MIN;
	uint32_t i;

	for (i = 0; i < s->vm_count; i++)
		if (s->vms[i].image_ok && s->vms[i].image_twin < 0)
			need += sg_align_up(s->vms[i].image_size, CONFIG_PAGE_SIZE);
	return need;
}

/* Checks that the embedded images fit in numbat's memory. */
static void check_image_space(struct sg_system *s)
{
	uint64_t need = sg_image_space(s);

	if (s->hyp_ok && need > s->hyp_size)
		sg_error(s, "/hypervisor", "hypervisor memory-size too small for the VM images "
			 "(%llu bytes needed; memory-size is %llu)", ULL(need), ULL(s->hyp_size));
}

/*
 * Runs every check that relates nodes to each other or to files. Expects
 * sg_parse to have run; fills the load-address and entry defaults.
 */
void sg_check(struct sg_system *s)
{
	uint32_t i;

	check_hypervisor(s);
	check_names(s);
	check_pcpus(s);
	for (i = 0; i < s->vm_count; i++) {
		check_vm_layout(s, &s->vms[i]);
		check_image_file(s, i);
		check_vm_boot(s, &s->vms[i]);
	}
	check_image_space(s);
}
