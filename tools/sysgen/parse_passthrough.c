/*
 * sysgen: physical devices given to a VM (its `passthrough` node) and
 * the `identity-map` property that their DMA needs.
 *
 *   vm@1 {
 *       identity-map;               // every region at PA = IPA
 *       passthrough {
 *           disk@a000000 {
 *               compatible = "virtio,mmio";
 *               device-id = <2>;    // virtio DeviceID numbat probes for
 *               slot = <0>;         // the first such slot (default)
 *               reg = <0x0 0x0a000000 0x0 0x1000>;  // where the VM sees it
 *               interrupts = <16>;  // the VM's SPI (INTID 48)
 *           };
 *       };
 *   };
 *
 * The physical slot and its SPI are found by numbat at boot; the VM's
 * window and SPI are fixed here, so its image or device tree can name
 * them. A device that does DMA uses physical addresses, so its VM must be
 * identity-mapped (checked). docs/SYSTEM-DESCRIPTION.md has the details.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

#define SG_VIRTIO_ID_MAX 64   /* DeviceIDs the virtio spec assigns stay below */
#define SG_SLOT_MAX      31   /* QEMU virt has 32 slots */

static const struct sg_device_model passthrough_model = {
	.compatible = "virtio,mmio", .enum_name = "DEVICE_PASSTHROUGH",
	.type = DEVICE_PASSTHROUGH, .min_size = 0x200, .dt_node = "virtio_mmio",
	.guest_node = sg_guest_dt_passthrough,
};

/* Reads device-id and slot of a passthrough node. */
static bool parse_match(const struct sg_node *n, struct sg_device *d)
{
	int rc = sg_read_u32(n, "device-id", &d->virtio_id);

	if (!sg_require(n, "device-id", rc))
		return false;
	if (d->virtio_id == 0 || d->virtio_id >= SG_VIRTIO_ID_MAX) {
		sg_error(n->sys, n->path, "device-id = <%u>: must be a virtio DeviceID, "
			 "1..%d (2 is a block device)", d->virtio_id, SG_VIRTIO_ID_MAX - 1);
		return false;
	}
	rc = sg_read_u32(n, "slot", &d->slot_index);
	if (rc == SG_BAD)
		return false;
	if (rc == SG_OK && d->slot_index > SG_SLOT_MAX) {
		sg_error(n->sys, n->path, "slot = <%u>: must be 0..%d (the n-th device "
			 "with this device-id, in address order)", d->slot_index, SG_SLOT_MAX);
		return false;
	}
	return true;
}

/* Reads one child of a passthrough node into d. */
static void parse_one(struct sg_system *s, const void *fdt, int off, struct sg_device *d)
{
	static const char *const allowed[] = {
		"compatible", "device-id", "slot", "reg", "interrupts", NULL
	};
	struct sg_node n;
	const char *compat;
	bool ok;
	int rc;

	sg_node_init(&n, s, fdt, off);
	strcpy(d->path, n.path);
	d->model = &passthrough_model;
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	rc = sg_read_string(&n, "compatible", &compat);
	ok = sg_require(&n, "compatible", rc);
	if (ok && strcmp(compat, "virtio,mmio") != 0) {
		sg_error(s, n.path, "compatible \"%s\": numbat can pass through "
			 "\"virtio,mmio\" devices only", compat);
		ok = false;
	}
	ok &= parse_match(&n, d);
	rc = sg_read_range(&n, "reg", &d->ipa, &d->size);
	if (!sg_require(&n, "reg", rc)) {
		ok = false;
	} else if (!sg_page_aligned(d->ipa) || !sg_page_aligned(d->size) || d->size == 0 ||
		   d->ipa >= SG_IPA_LIMIT || d->size > SG_IPA_LIMIT - d->ipa) {
		sg_error(s, n.path, "reg IPA 0x%llx size 0x%llx: must be 4 KiB aligned, "
			 "non-empty and inside the 40-bit IPA space",
			 (unsigned long long)d->ipa, (unsigned long long)d->size);
		ok = false;
	}
	rc = sg_read_u32(&n, "interrupts", &d->spi);
	if (!sg_require(&n, "interrupts", rc)) {
		ok = false;
	} else if (d->spi >= CONFIG_MAX_SPIS) {
		sg_error(s, n.path, "interrupts = <%u>: SPI must be 0..%d", d->spi,
			 CONFIG_MAX_SPIS - 1);
		ok = false;
	}
	d->has_spi = rc == SG_OK;
	d->ok = ok;
}

void sg_parse_passthrough(struct sg_system *s, const void *fdt, int off, struct sg_vm *vm)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n, c;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	fdt_for_each_subnode(child, fdt, off) {
		if (vm->device_count == CONFIG_MAX_DEVICES) {
			sg_node_init(&c, s, fdt, child);
			sg_error(s, c.path, "too many devices: at most %d per VM, "
				 "passthrough ones included", CONFIG_MAX_DEVICES);
			continue;
		}
		parse_one(s, fdt, child, &vm->devices[vm->device_count++]);
		vm->has_passthrough = true;
	}
}

void sg_parse_vm_identity(const struct sg_node *n, struct sg_vm *vm)
{
	vm->identity_map = fdt_getprop(n->fdt, n->off, "identity-map", NULL) != NULL;
}

/*
 * After the VM's regions are read: an identity-mapped VM has every region
 * at PA = IPA (then checked against RAM, numbat and the other VMs by
 * sg_place like any `phys`); a VM with a passthrough device must be one.
 */
void sg_check_vm_identity(struct sg_system *s, struct sg_vm *vm)
{
	if (vm->has_passthrough && !vm->identity_map)
		sg_error(s, vm->path, "has a passthrough device, whose DMA uses physical "
			 "addresses: add `identity-map;` so its memory is at PA = IPA");
	if (!vm->identity_map)
		return;
	for (uint32_t i = 0; i < vm->region_count; i++) {
		struct sg_region *r = &vm->regions[i];

		if (!r->ok)
			continue;
		if (r->explicit_pa && r->pa != r->ipa) {
			sg_error(s, r->path, "phys 0x%llx differs from its IPA 0x%llx in an "
				 "identity-mapped VM", (unsigned long long)r->pa,
				 (unsigned long long)r->ipa);
			continue;
		}
		r->pa = r->ipa;
		r->explicit_pa = true;
		r->placed = true;
	}
}
