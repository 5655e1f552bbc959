/*
 * sysgen: checks that span nodes: names, pCPU pinning, the image, kernel
 * and initrd files and where native images load, and numbat's own memory.
 * A VM's IPA layout is check_vm.c's, a Linux VM's boot linux.c's.
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

/* Labels of the kinds of file in images.S, followed by the VM index. */
static const char *const file_labels[SG_FILE_KINDS] = {
	[SG_FILE_IMAGE] = "numbat_image_", [SG_FILE_INITRD] = "numbat_initrd_",
};

/* Returns an earlier valid file of the system at the same absolute path as f. */
static const struct sg_file *find_twin(const struct sg_system *s, const struct sg_file *f)
{
	uint32_t i;
	int k;

	for (i = 0; i < s->vm_count; i++) {
		for (k = 0; k < SG_FILE_KINDS; k++) {
			const struct sg_file *o = &s->vms[i].file[k];

			if (o == f)
				return NULL;
			if (o->ok && strcmp(o->abs, f->abs) == 0)
				return o->twin ? o->twin : o;
		}
	}
	return NULL;
}

/*
 * Finds file `kind` of VM idx (its image, kernel or initrd, `what` in
 * messages) in directory dir and records its paths, size and label; notes
 * an earlier file with the same path (images.S embeds one copy).
 */
static void check_file(struct sg_system *s, uint32_t idx, int kind, const char *dir,
		       const char *what)
{
	struct sg_vm *vm = &s->vms[idx];
	struct sg_file *f = &vm->file[kind];
	size_t dl = strlen(dir);
	const char *sep = (dl > 0 && dir[dl - 1] == '/') ? "" : "/";
	char path[PATH_MAX];
	struct stat st;

	snprintf(f->label, sizeof(f->label), "%s%u", file_labels[kind], idx);
	if (!f->name[0])
		return;
	snprintf(path, sizeof(path), "%s%s%s", dir, sep, f->name);
	memcpy(f->path, path, sizeof(path));
	if (stat(f->path, &st) != 0) {
		if (errno == ENOENT)
			sg_error(s, vm->path, "%s '%s' not found in %s", what, f->name, dir);
		else
			sg_error(s, vm->path, "%s '%s': %s", what, f->path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		sg_error(s, vm->path, "%s '%s' is not a regular file", what, f->path);
	} else if (st.st_size == 0) {
		sg_error(s, vm->path, "%s '%s' is empty", what, f->path);
	} else if (!realpath(f->path, f->abs)) {
		sg_error(s, vm->path, "%s '%s': %s", what, f->path, strerror(errno));
	} else {
		f->size = (uint64_t)st.st_size;
		f->ok = true;
		f->twin = find_twin(s, f);
	}
}

/* Resolves the files of VM idx: image in image_dir, kernel and initrd in linux_dir. */
static void check_files(struct sg_system *s, uint32_t idx)
{
	bool is_linux = s->vms[idx].is_linux;

	check_file(s, idx, SG_FILE_IMAGE, is_linux ? s->linux_dir : s->image_dir,
		   is_linux ? "kernel" : "image");
	check_file(s, idx, SG_FILE_INITRD, s->linux_dir, "initrd");
}

/* Returns the valid region of vm holding [ipa, ipa+size), or NULL. */
const struct sg_region *sg_region_holding(const struct sg_vm *vm, uint64_t ipa,
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
const char *sg_access_string(uint32_t flags, char *buf)
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
	const struct sg_file *img = &vm->file[SG_FILE_IMAGE];
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
	if (img->ok && !sg_region_holding(vm, vm->load_ipa, img->size))
		sg_error(s, vm->path, "image '%s' (0x%llx bytes) at load-address 0x%llx does "
			 "not fit inside one memory region", img->name, ULL(img->size),
			 ULL(vm->load_ipa));
	if (vm->entry_ipa & 3)
		sg_error(s, vm->path, "entry 0x%llx is not 4-byte aligned", ULL(vm->entry_ipa));
	r = sg_region_holding(vm, vm->entry_ipa, 4);
	if (!r)
		sg_error(s, vm->path, "entry 0x%llx is not inside any memory region",
			 ULL(vm->entry_ipa));
	else if (!(r->flags & REGION_EXEC))
		sg_error(s, vm->path, "entry 0x%llx is in %s, which is not executable "
			 "(access \"%s\")", ULL(vm->entry_ipa), r->path,
			 sg_access_string(r->flags, acc));
}

/*
 * Returns the bytes numbat's memory needs: 4 MiB for itself plus every
 * distinct valid image, kernel and initrd and every Linux VM's device tree,
 * each rounded up to a page (images.S aligns them).
 */
uint64_t sg_image_space(const struct sg_system *s)
{
	uint64_t need = SG_HYP_MIN;
	uint32_t i;
	int k;

	for (i = 0; i < s->vm_count; i++) {
		for (k = 0; k < SG_FILE_KINDS; k++) {
			const struct sg_file *f = &s->vms[i].file[k];

			if (f->ok && !f->twin)
				need += sg_align_up(f->size, CONFIG_PAGE_SIZE);
		}
		need += sg_align_up(s->vms[i].dtb_size, CONFIG_PAGE_SIZE);
	}
	return need;
}

/* Checks that the embedded images fit in numbat's memory. */
static void check_image_space(struct sg_system *s)
{
	uint64_t need = sg_image_space(s);

	if (s->hyp_ok && need > s->hyp_size)
		sg_error(s, "/hypervisor", "hypervisor memory-size too small for the VM images "
			 "(%llu bytes needed; memory-size is %llu): numbat embeds every image, "
			 "kernel, initrd and Linux device tree", ULL(need), ULL(s->hyp_size));
}

/*
 * Runs every check that relates nodes to each other or to files. Expects
 * sg_parse to have run; fills the load-address and entry defaults, places
 * Linux VMs' boot files and generates their device trees.
 */
void sg_check(struct sg_system *s)
{
	uint32_t i;

	check_hypervisor(s);
	check_names(s);
	check_pcpus(s);
	sg_check_sched(s);
	for (i = 0; i < s->vm_count; i++) {
		sg_check_vm_layout(s, &s->vms[i]);
		check_files(s, i);
		if (s->vms[i].is_linux)
			sg_check_linux(s, &s->vms[i]);
		else
			check_vm_boot(s, &s->vms[i]);
	}
	check_image_space(s);
}
