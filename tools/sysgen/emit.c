/*
 * sysgen: writing a checked model out as config.c (the system_config the
 * microvisor links), images.S (the embedded images, kernels, initrds and
 * Linux device trees), a make depfile, and each Linux VM's device tree.
 */
#include <string.h>

#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))

/* Writes s with "*" "/" broken up, so it is safe inside a C comment. */
static void put_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (s[0] == '*' && s[1] == '/')
			fputc(' ', f);
	}
}

/* Writes the C expression for REGION_* flags. */
static void put_flags(FILE *f, uint32_t flags)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ REGION_READ, "REGION_READ" },
		{ REGION_WRITE, "REGION_WRITE" },
		{ REGION_EXEC, "REGION_EXEC" },
		{ REGION_SHARED, "REGION_SHARED" },
	};
	const char *sep = "";
	size_t i;

	for (i = 0; i < 4; i++) {
		if (flags & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = " | ";
		}
	}
}

/* Writes one region initialiser. */
static void put_region(FILE *f, uint64_t ipa, uint64_t pa, uint64_t size, uint32_t flags,
		       const char *path)
{
	fprintf(f, "\t\t\t{ .ipa = 0x%llxull, .pa = 0x%llxull, .size = 0x%llxull,\n"
		"\t\t\t  .flags = ", ULL(ipa), ULL(pa), ULL(size));
	put_flags(f, flags);
	fprintf(f, " }, /* %s */\n", path);
}

/*
 * Writes the regions and devices initialisers of VM idx: its own memory
 * regions, then each shared region it maps (REGION_SHARED).
 */
static void put_vm_memory(FILE *f, const struct sg_system *s, const struct sg_vm *vm,
			  uint32_t idx)
{
	uint32_t i, j, n = vm->region_count;

	for (i = 0; i < s->shm_count; i++)
		for (j = 0; j < s->shms[i].map_count; j++)
			n += s->shms[i].maps[j].vm == idx;
	fprintf(f, "\t\t.region_count = %u,\n\t\t.regions = {\n", n);
	for (i = 0; i < vm->region_count; i++) {
		const struct sg_region *r = &vm->regions[i];

		put_region(f, r->ipa, r->pa, r->size, r->flags, r->path);
	}
	for (i = 0; i < s->shm_count; i++) {
		const struct sg_shm *shm = &s->shms[i];

		for (j = 0; j < shm->map_count; j++)
			if (shm->maps[j].vm == idx)
				put_region(f, shm->maps[j].ipa, shm->region.pa, shm->region.size,
					   shm->maps[j].flags | REGION_SHARED, shm->maps[j].path);
	}
	fprintf(f, "\t\t},\n\t\t.device_count = %u,\n", vm->device_count);
	if (vm->device_count == 0)
		return;
	fprintf(f, "\t\t.devices = {\n");
	for (i = 0; i < vm->device_count; i++) {
		const struct sg_device *d = &vm->devices[i];

		fprintf(f, "\t\t\t{ .type = %s, .ipa = 0x%llxull, .size = 0x%llxull, "
			".irq = %u, .cid = %llu,\n\t\t\t  .mac = { %u, %u, %u, %u, %u, %u }, "
			".virtio_id = %u, .slot_index = %u,\n\t\t\t  .blk_mode = %u, "
			".blk_buffer = 0x%llxull, .blk_requests = %u }, /* %s */\n",
			d->model->enum_name, ULL(d->ipa), ULL(d->size),
			d->has_spi ? SG_SPI_BASE + d->spi : 0, ULL(d->cid), d->mac[0], d->mac[1],
			d->mac[2], d->mac[3], d->mac[4], d->mac[5], d->virtio_id, d->slot_index,
			d->blk_mode, ULL(d->blk_buffer), d->blk_requests, d->path);
	}
	fprintf(f, "\t\t},\n");
}

/* Writes one blob initialiser: `size` bytes at label, copied to ipa. */
static void put_blob(FILE *f, const char *label, uint64_t size, uint64_t ipa,
		     const char *what)
{
	fprintf(f, "\t\t\t{ .data = %s, .size = 0x%llxull, .ipa = 0x%llxull }, /* ",
		label, ULL(size), ULL(ipa));
	put_comment_text(f, what);
	fprintf(f, " */\n");
}

/*
 * Writes the blobs of a VM: its image; or its kernel, initrd (if any) and
 * device tree, in that order.
 */
static void put_vm_blobs(FILE *f, const struct sg_vm *vm, uint32_t idx)
{
	const struct sg_file *img = &vm->file[SG_FILE_IMAGE];
	const struct sg_file *initrd = &vm->file[SG_FILE_INITRD];

	fprintf(f, "\t\t.blob_count = %d,\n\t\t.blobs = {\n",
		vm->is_linux ? 2 + (initrd->ok ? 1 : 0) : 1);
	put_blob(f, img->label, img->size, vm->load_ipa, img->name);
	if (vm->is_linux && initrd->ok)
		put_blob(f, initrd->label, initrd->size, vm->linux_boot.initrd_ipa,
			 initrd->name);
	if (vm->is_linux) {
		char label[32];

		snprintf(label, sizeof(label), "numbat_dtb_%u", idx);
		put_blob(f, label, vm->dtb_size, vm->linux_boot.dtb_ipa, "device tree");
	}
	fprintf(f, "\t\t},\n");
}

/* Writes the initialiser of VM idx. */
static void put_vm(FILE *f, const struct sg_system *s, const struct sg_vm *vm, uint32_t idx)
{
	uint32_t i;

	fprintf(f, "\t{ /* %s */\n\t\t.name = \"%s\",\n", vm->path, vm->name);
	fprintf(f, "\t\t.vcpu_count = %u,\n\t\t.vcpu_pcpu = {", vm->vcpu_count);
	for (i = 0; i < vm->vcpu_count; i++)
		fprintf(f, "%s%u", i ? ", " : " ", vm->vcpu_pcpu[i]);
	fprintf(f, " },\n\t\t.sched = {\n");
	for (i = 0; i < vm->vcpu_count; i++)
		fprintf(f, "\t\t\t{ .priority = %u, .slice_us = %u, .budget_us = %u, "
			".period_us = %u },\n", vm->sched[i].priority, vm->sched[i].slice_us,
			vm->sched[i].budget_us, vm->sched[i].period_us);
	fprintf(f, "\t\t},\n");
	put_vm_memory(f, s, vm, idx);
	put_vm_blobs(f, vm, idx);
	fprintf(f, "\t\t.entry_ipa = 0x%llxull,\n", ULL(vm->entry_ipa));
	fprintf(f, "\t\t.boot_x0 = 0x%llxull,\n", ULL(vm->boot_x0));
	fprintf(f, "\t\t.fault_policy = %s,\n",
		vm->fault_policy == FAULT_STOP ? "FAULT_STOP" : "FAULT_INJECT");
	fprintf(f, "\t\t.restart_policy = %s, .restart_limit = %u, .restart_backoff_ms = %u,\n",
		vm->restart_policy == RESTART_RESTART ? "RESTART_RESTART" : "RESTART_STOP",
		vm->restart_limit, vm->restart_backoff_ms);
	fprintf(f, "\t\t.vgic = { .dist_ipa = 0x%llxull, .redist_ipa = 0x%llxull,\n"
		"\t\t\t  .cpuif_ipa = 0x%llxull },\n\t},\n", ULL(vm->vgic.dist_ipa),
		ULL(vm->vgic.redist_ipa), ULL(vm->vgic.cpuif_ipa));
}

/* The enum link_type constant of type. */
static const char *link_type_name(uint32_t type)
{
	switch (type) {
	case LINK_NET:
		return "LINK_NET";
	case LINK_VSOCK:
		return "LINK_VSOCK";
	case LINK_BLOCK:
		return "LINK_BLOCK";
	default:
		return "LINK_VIRQ";
	}
}

/* Writes numbat_links, the links of s in description order, if any. */
static void put_links(FILE *f, const struct sg_system *s)
{
	uint32_t i;

	if (s->link_count == 0)
		return;
	fprintf(f, "\nstatic const struct link_config numbat_links[%u] = {\n", s->link_count);
	for (i = 0; i < s->link_count; i++) {
		const struct sg_link *l = &s->links[i];

		fprintf(f, "\t{ .type = %s, .name = \"%s\", .vm = { %u, %u }, "
			".dev = { %u, %u }, .irq = %u }, /* %s */\n",
			link_type_name(l->type), l->name, l->vm[0], l->vm[1], l->dev[0],
			l->dev[1], l->type == LINK_VIRQ ? SG_SPI_BASE + l->spi : 0, l->path);
	}
	fprintf(f, "};\n");
}

/*
 * Writes config.c for the checked system s. Returns 0, or -1 if writing
 * failed.
 */
int sg_emit_config(const struct sg_system *s, FILE *f)
{
	uint32_t i;

	fprintf(f, "/* generated by sysgen from ");
	put_comment_text(f, s->source);
	fprintf(f, "; do not edit */\n#include <numbat/config.h>\n\n");
	for (i = 0; i < s->vm_count; i++) {
		const struct sg_vm *vm = &s->vms[i];

		fprintf(f, "extern const uint8_t %s[];\n", vm->file[SG_FILE_IMAGE].label);
		if (vm->is_linux && vm->file[SG_FILE_INITRD].ok)
			fprintf(f, "extern const uint8_t %s[];\n", vm->file[SG_FILE_INITRD].label);
		if (vm->is_linux)
			fprintf(f, "extern const uint8_t numbat_dtb_%u[];\n", i);
	}
	fprintf(f, "\nstatic const struct vm_config numbat_vms[%u] = {\n", s->vm_count);
	for (i = 0; i < s->vm_count; i++)
		put_vm(f, s, &s->vms[i], i);
	fprintf(f, "};\n");
	put_links(f, s);
	fprintf(f, "\nconst struct system_config numbat_system = {\n");
	fprintf(f, "\t.ram_base = 0x%llxull,\n\t.ram_size = 0x%llxull,\n",
		ULL(s->ram_base), ULL(s->ram_size));
	fprintf(f, "\t.pcpu_count = %u,\n\t.gic_version = %u,\n", s->pcpu_count,
		s->gic_version);
	fprintf(f, "\t.hyp_base = 0x%llxull,\n\t.hyp_size = 0x%llxull,\n",
		ULL(s->hyp_base), ULL(s->hyp_size));
	fprintf(f, "\t.vm_count = %u,\n\t.vms = numbat_vms,\n", s->vm_count);
	if (s->link_count)
		fprintf(f, "\t.link_count = %u,\n\t.links = numbat_links,\n", s->link_count);
	if (s->powerfail.ok)
		fprintf(f, "\t.powerfail = { .present = 1, .vm = %u, .irq = %u, .drain_ms = %u },\n",
			s->powerfail.vm, SG_SPI_BASE + s->powerfail.spi, s->powerfail.drain_ms);
	fprintf(f, "};\n");
	return ferror(f) ? -1 : 0;
}

/* Writes path as the contents of an assembler string literal. */
static void put_asm_string(FILE *f, const char *path)
{
	for (; *path; path++) {
		if (*path == '"' || *path == '\\')
			fputc('\\', f);
		fputc(*path, f);
	}
}

/* Writes one embedded file: page aligned, under `label`, from absolute path. */
static void put_incbin(FILE *f, const char *label, const char *path)
{
	fprintf(f, "\n\t.global %s\n\t.balign 4096\n\t.type %s, %%object\n", label, label);
	fprintf(f, "%s:\n\t.incbin \"", label);
	put_asm_string(f, path);
	fprintf(f, "\"\n\t.size %s, . - %s\n", label, label);
}

/* Writes file fl of a VM: its bytes, or an alias for the copy it shares. */
static void put_file(FILE *f, const struct sg_file *fl)
{
	if (fl->twin)
		fprintf(f, "\n\t.global %s\n\t.set %s, %s\n", fl->label, fl->label,
			fl->twin->label);
	else
		put_incbin(f, fl->label, fl->abs);
}

/*
 * Writes images.S: each distinct image, kernel and initrd once and each
 * Linux VM's device tree (read from dtb_dir/<vm-name>.dtb, which main
 * writes), page aligned, under the labels config.c refers to:
 * numbat_image_N (image or kernel), numbat_initrd_N, numbat_dtb_N for VM N.
 * Returns 0, or -1 on failure.
 */
int sg_emit_images(const struct sg_system *s, FILE *f, const char *dtb_dir)
{
	char path[PATH_MAX + CONFIG_NAME_MAX + 8], label[32];
	uint32_t i;

	fprintf(f, "/* generated by sysgen from ");
	put_comment_text(f, s->source);
	fprintf(f, "; do not edit */\n\t.section .rodata.vm_images,\"a\"\n");
	for (i = 0; i < s->vm_count; i++) {
		const struct sg_vm *vm = &s->vms[i];

		put_file(f, &vm->file[SG_FILE_IMAGE]);
		if (!vm->is_linux)
			continue;
		if (vm->file[SG_FILE_INITRD].ok)
			put_file(f, &vm->file[SG_FILE_INITRD]);
		snprintf(path, sizeof(path), "%s/%s.dtb", dtb_dir, vm->name);
		snprintf(label, sizeof(label), "numbat_dtb_%u", i);
		put_incbin(f, label, path);
	}
	fprintf(f, "\n\t.section .note.GNU-stack,\"\",%%progbits\n");
	return ferror(f) ? -1 : 0;
}

/* Writes path as one make word: spaces, '#' and '$' escaped. */
static void put_make_word(FILE *f, const char *path)
{
	for (; *path; path++) {
		if (*path == ' ' || *path == '#' || *path == '\\')
			fputc('\\', f);
		if (*path == '$')
			fputc('$', f);
		fputc(*path, f);
	}
}

/* Calls fn(f, file) for every distinct embedded file of s. */
static void each_file(const struct sg_system *s, FILE *f,
		      void (*fn)(FILE *f, const struct sg_file *fl))
{
	uint32_t i;
	int k;

	for (i = 0; i < s->vm_count; i++) {
		for (k = 0; k < SG_FILE_KINDS; k++) {
			const struct sg_file *fl = &s->vms[i].file[k];

			if (fl->ok && !fl->twin)
				fn(f, fl);
		}
	}
}

/* Writes one continued prerequisite. */
static void put_prereq(FILE *f, const struct sg_file *fl)
{
	fputs(" \\\n  ", f);
	put_make_word(f, fl->path);
}

/* Writes an empty rule for one prerequisite. */
static void put_empty_rule(FILE *f, const struct sg_file *fl)
{
	fputc('\n', f);
	put_make_word(f, fl->path);
	fputs(":\n", f);
}

/*
 * Writes a make depfile: the targets depend on every embedded file and on
 * the source, and each prerequisite gets an empty rule so that removing one
 * reruns sysgen instead of stopping make. Returns 0, or -1 on failure.
 */
int sg_emit_depfile(const struct sg_system *s, FILE *f, const char *const *targets,
		    int target_count)
{
	int t;

	for (t = 0; t < target_count; t++) {
		put_make_word(f, targets[t]);
		fputc(t + 1 < target_count ? ' ' : ':', f);
	}
	each_file(s, f, put_prereq);
	fputs(" \\\n  ", f);
	put_make_word(f, s->source);
	fputs("\n", f);
	each_file(s, f, put_empty_rule);
	fputc('\n', f);
	put_make_word(f, s->source);
	fputs(":\n", f);
	return ferror(f) ? -1 : 0;
}

/* Writes the device tree of Linux VM vm. Returns 0, or -1 on failure. */
int sg_emit_dtb(const struct sg_vm *vm, FILE *f)
{
	if (fwrite(vm->dtb, 1, vm->dtb_size, f) != vm->dtb_size)
		return -1;
	return ferror(f) ? -1 : 0;
}
