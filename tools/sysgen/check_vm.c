/*
 * sysgen: checks of one VM's guest-physical layout: its memory regions,
 * devices and vGIC windows must not overlap, and its devices' SPIs must be
 * distinct.
 */
#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))

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

/* One vGIC window the platform's GIC version uses. */
struct window {
	enum sg_gic_window id;
	const char *what;       /* for messages */
	uint64_t ipa;
	uint64_t size;
	uint64_t align;
};

/* Fills w with the two windows the VM's vGIC uses. */
static void vgic_windows(const struct sg_system *s, const struct sg_vm *vm,
			struct window w[2])
{
	uint32_t vcpus = vm->vcpu_count ? vm->vcpu_count : 1;

	w[0] = (struct window){ SG_GIC_DIST, "distributor", vm->vgic.dist_ipa, SG_GICD_SIZE,
				0x10000 };
	if (s->gic_version == 2)
		w[1] = (struct window){ SG_GIC_CPUIF, "CPU interface", vm->vgic.cpuif_ipa,
					SG_GICC_SIZE, CONFIG_PAGE_SIZE };
	else
		w[1] = (struct window){ SG_GIC_REDIST, "redistributors", vm->vgic.redist_ipa,
					SG_GICR_SIZE * vcpus, 0x10000 };
}

/*
 * Reports vGIC window w of vm overlapping [b, b+bs), the IPA range of
 * `other`. Names the window, and says how to move it if it is a default.
 */
static void window_overlap(struct sg_system *s, const struct sg_vm *vm,
			   const struct window *w, const char *other, uint64_t b, uint64_t bs)
{
	if (!sg_overlap(w->ipa, w->size, b, bs))
		return;
	sg_error(s, vm->vgic.path, "GICv%u %s 0x%llx-0x%llx%s overlaps %s (IPA 0x%llx-0x%llx)",
		 s->gic_version, w->what, ULL(w->ipa), ULL(w->ipa + w->size - 1),
		 (vm->vgic.given & (1u << w->id)) ? "" : " (the default; a gic node moves it)",
		 other, ULL(b), ULL(b + bs - 1));
}

/* Checks one window's alignment and that it ends inside the IPA space. */
static bool window_valid(struct sg_system *s, const struct sg_vm *vm, const struct window *w)
{
	if (w->ipa & (w->align - 1)) {
		sg_error(s, vm->vgic.path, "GICv%u %s at 0x%llx must be 0x%llx aligned",
			 s->gic_version, w->what, ULL(w->ipa), ULL(w->align));
		return false;
	}
	if (w->ipa >= SG_IPA_LIMIT || w->size > SG_IPA_LIMIT - w->ipa) {
		sg_error(s, vm->vgic.path, "GICv%u %s 0x%llx-0x%llx ends above the 40-bit IPA "
			 "space", s->gic_version, w->what, ULL(w->ipa), ULL(w->ipa + w->size - 1));
		return false;
	}
	return true;
}

/*
 * Checks the vGIC windows the platform's GIC version uses (distributor and
 * redistributors for GICv3, distributor and CPU interface for GICv2): each
 * aligned, inside the IPA space, and clear of each other and of the VM's
 * regions and devices. Clears vm->vgic.ok on failure.
 */
static void check_vgic(struct sg_system *s, struct sg_vm *vm)
{
	struct window w[2];
	const int n = 2;
	unsigned before = s->errors;
	uint32_t j;
	int i;

	if (!vm->vgic.ok)
		return;
	vgic_windows(s, vm, w);
	for (i = 0; i < n; i++)
		if (!window_valid(s, vm, &w[i]))
			vm->vgic.ok = false;
	if (!vm->vgic.ok)
		return;
	window_overlap(s, vm, &w[1], "the GIC distributor", w[0].ipa, w[0].size);
	for (i = 0; i < n; i++) {
		for (j = 0; j < vm->region_count; j++)
			if (vm->regions[j].ok)
				window_overlap(s, vm, &w[i], vm->regions[j].path,
					       vm->regions[j].ipa, vm->regions[j].size);
		for (j = 0; j < vm->device_count; j++)
			if (vm->devices[j].ok)
				window_overlap(s, vm, &w[i], vm->devices[j].path,
					       vm->devices[j].ipa, vm->devices[j].size);
	}
	if (s->errors != before)
		vm->vgic.ok = false;
}

/*
 * Checks that no two devices of vm signal the same SPI, and that every
 * device a Linux VM's device tree describes has an interrupt.
 */
static void check_irqs(struct sg_system *s, const struct sg_vm *vm)
{
	uint32_t i, j;

	for (i = 0; i < vm->device_count; i++) {
		const struct sg_device *d = &vm->devices[i];

		if (!d->ok)
			continue;
		if (vm->is_linux && d->model->guest_node && !d->has_spi)
			sg_error(s, d->path, "missing required property 'interrupts': Linux "
				 "needs the SPI of every '%s'", d->model->compatible);
		for (j = 0; d->has_spi && j < i; j++) {
			if (vm->devices[j].ok && vm->devices[j].has_spi &&
			    vm->devices[j].spi == d->spi) {
				sg_error(s, d->path, "interrupts = <%u>: SPI %u is already used "
					 "by %s", d->spi, d->spi, vm->devices[j].path);
				break;
			}
		}
	}
}

/*
 * Runs every layout check of one VM: regions, devices and vGIC windows
 * apart, SPIs distinct.
 */
void sg_check_vm_layout(struct sg_system *s, struct sg_vm *vm)
{
	check_vm_layout(s, vm);
	check_vgic(s, vm);
	check_irqs(s, vm);
}
