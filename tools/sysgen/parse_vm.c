/*
 * sysgen: reading one vm node (its properties, memory regions and devices)
 * into the model, with every check that needs only the VM itself.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

/* True if name is 1..CONFIG_NAME_MAX-1 characters of [a-z0-9_-]. */
static bool valid_vm_name(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len >= CONFIG_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* True if name is a plain file name that is safe in make and assembler. */
static bool valid_image_name(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len >= SG_IMAGE_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == len;
}

/*
 * Checks that [ipa, ipa+size) is page aligned, non-empty and inside the
 * 40-bit IPA space; `what` names the range in the message.
 */
static bool check_ipa_range(const struct sg_node *n, const char *what, uint64_t ipa,
			    uint64_t size)
{
	if (!sg_page_aligned(ipa) || !sg_page_aligned(size) || size == 0) {
		sg_error(n->sys, n->path, "%s IPA 0x%llx size 0x%llx: base and size must be "
			 "4 KiB aligned and the size non-zero", what,
			 (unsigned long long)ipa, (unsigned long long)size);
		return false;
	}
	if (ipa >= SG_IPA_LIMIT || size > SG_IPA_LIMIT - ipa) {
		sg_error(n->sys, n->path, "%s IPA 0x%llx-0x%llx ends above the 40-bit IPA "
			 "space (limit 0x%llx)", what, (unsigned long long)ipa,
			 (unsigned long long)(ipa + size - 1), SG_IPA_LIMIT);
		return false;
	}
	return true;
}

/* Parses an access string ("r", "rw", "rx", "rwx", ...) into REGION_* flags. */
static bool parse_access(const char *s, uint32_t *flags)
{
	static const struct { char c; uint32_t flag; } bits[] = {
		{ 'r', REGION_READ }, { 'w', REGION_WRITE }, { 'x', REGION_EXEC },
	};
	size_t i;

	*flags = 0;
	for (i = 0; i < 3 && *s; i++) {
		if (*s == bits[i].c) {
			*flags |= bits[i].flag;
			s++;
		}
	}
	return *s == '\0' && *flags != 0;
}

/* Reads the optional `phys` of a region whose reg is valid. */
static bool parse_region_phys(const struct sg_node *n, struct sg_region *r)
{
	int rc = sg_read_u64(n, "phys", &r->pa);

	if (rc == SG_ABSENT)
		return true;
	if (rc == SG_BAD)
		return false;
	if (!sg_page_aligned(r->pa) || r->pa + r->size < r->pa) {
		sg_error(n->sys, n->path, "phys 0x%llx must be 4 KiB aligned and the region "
			 "must not wrap around the address space", (unsigned long long)r->pa);
		return false;
	}
	r->explicit_pa = true;
	r->placed = true;
	return true;
}

/* Reads one region@... node into r. */
static void parse_region(struct sg_system *s, const void *fdt, int off, struct sg_region *r)
{
	static const char *const allowed[] = { "reg", "access", "phys", NULL };
	struct sg_node n;
	const char *access = "rwx";
	bool ok;
	int rc;

	sg_node_init(&n, s, fdt, off);
	strcpy(r->path, n.path);
	sg_check_props(&n, allowed);
	rc = sg_read_range(&n, "reg", &r->ipa, &r->size);
	ok = sg_require(&n, "reg", rc) && check_ipa_range(&n, "region", r->ipa, r->size);
	rc = sg_read_string(&n, "access", &access);
	if (rc == SG_BAD) {
		ok = false;
	} else if (!parse_access(access, &r->flags)) {
		sg_error(s, n.path, "access \"%s\": must be a non-empty subset of \"rwx\", "
			 "in that order", access);
		ok = false;
	}
	if (ok)
		ok = parse_region_phys(&n, r);
	r->ok = ok;
}

/* Reads a VM's memory node: 1..CONFIG_MAX_REGIONS region@... children. */
static void parse_memory(struct sg_system *s, const void *fdt, int off, struct sg_vm *vm)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n, c;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	fdt_for_each_subnode(child, fdt, off) {
		sg_node_init(&c, s, fdt, child);
		if (!sg_is_node(fdt_get_name(fdt, child, NULL), "region"))
			sg_error(s, c.path, "unknown node (expected region@...)");
		else if (vm->region_count == CONFIG_MAX_REGIONS)
			sg_error(s, c.path, "too many memory regions: at most %d per VM",
				 CONFIG_MAX_REGIONS);
		else
			parse_region(s, fdt, child, &vm->regions[vm->region_count++]);
	}
	if (vm->region_count == 0)
		sg_error(s, n.path, "no memory regions: a VM needs at least one region@...");
}

/* Reads one device node of a VM's devices node into d. */
static void parse_device(struct sg_system *s, const void *fdt, int off, struct sg_device *d)
{
	static const char *const allowed[] = {
		"compatible", "reg", "interrupts", "cid", "mac-address", "mode", "disk-write-kib-s",
		"disk-write-iops", NULL
	};
	struct sg_node n;
	const char *compat;
	bool ok;
	int rc;

	sg_node_init(&n, s, fdt, off);
	strcpy(d->path, n.path);
	sg_check_props(&n, allowed);
	rc = sg_read_string(&n, "compatible", &compat);
	ok = sg_require(&n, "compatible", rc);
	if (ok) {
		d->model = sg_device_model(compat);
		if (!d->model) {
			sg_error(s, n.path, "unknown device '%s'", compat);
			ok = false;
		}
	}
	rc = sg_read_range(&n, "reg", &d->ipa, &d->size);
	if (!sg_require(&n, "reg", rc)) {
		ok = false;
	} else if (d->model && d->size < d->model->min_size) {
		sg_error(s, n.path, "device size 0x%llx is smaller than the 0x%llx bytes "
			 "'%s' needs", (unsigned long long)d->size,
			 (unsigned long long)d->model->min_size, d->model->compatible);
		ok = false;
	} else if (!check_ipa_range(&n, "device", d->ipa, d->size)) {
		ok = false;
	}
	rc = sg_read_u32(&n, "interrupts", &d->spi);
	if (rc == SG_BAD) {
		ok = false;
	} else if (rc == SG_OK && d->spi >= CONFIG_MAX_SPIS) {
		sg_error(s, n.path, "interrupts = <%u>: SPI must be 0..%d (guest INTIDs %d..%d)",
			 d->spi, CONFIG_MAX_SPIS - 1, SG_SPI_BASE,
			 SG_SPI_BASE + CONFIG_MAX_SPIS - 1);
		ok = false;
	}
	d->has_spi = rc == SG_OK;
	if (d->model)
		sg_parse_device_extra(&n, d);
	d->ok = ok;
	sg_parse_virtio_props(&n, d);
}

/* Reads a VM's optional devices node. */
static void parse_devices(struct sg_system *s, const void *fdt, int off, struct sg_vm *vm)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n, c;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	fdt_for_each_subnode(child, fdt, off) {
		if (vm->device_count == CONFIG_MAX_DEVICES) {
			sg_node_init(&c, s, fdt, child);
			sg_error(s, c.path, "too many devices: at most %d per VM",
				 CONFIG_MAX_DEVICES);
			continue;
		}
		parse_device(s, fdt, child, &vm->devices[vm->device_count++]);
		if (vm->devices[vm->device_count - 1].model &&
		    vm->devices[vm->device_count - 1].model->type == DEVICE_SP805 &&
		    vm->has_watchdog++) {
			sg_node_init(&c, s, fdt, child);
			sg_error(s, c.path, "a second arm,sp805: at most one watchdog per VM");
		}
	}
}

/*
 * Reads the VM's name from vm-name (dtc reserves `name` for the node name),
 * defaulting to the node name without the '@'.
 */
static void parse_vm_name(const struct sg_node *n, struct sg_vm *vm)
{
	char def[SG_PATH_MAX];
	const char *name;
	const char *node = fdt_get_name(n->fdt, n->off, NULL);
	int rc = sg_read_string(n, "vm-name", &name);

	if (rc == SG_BAD)
		return;
	if (rc == SG_ABSENT) {
		size_t i, j;

		for (i = j = 0; node[i] && j < sizeof(def) - 1; i++)
			if (node[i] != '@')
				def[j++] = node[i];
		def[j] = '\0';
		name = def;
	}
	if (!valid_vm_name(name)) {
		sg_error(n->sys, n->path, "vm-name '%s'%s: must be 1..%d characters of a-z, 0-9, "
			 "'_' and '-'", name, rc == SG_ABSENT ? " (taken from the node name)" : "",
			 CONFIG_NAME_MAX - 1);
		return;
	}
	strcpy(vm->name, name);
	vm->name_ok = true;
}

/* Reads vcpus and the pCPU each vCPU is pinned to. */
static void parse_vm_cpus(const struct sg_node *n, struct sg_vm *vm)
{
	uint32_t vcpus, pcpu[CONFIG_MAX_VCPUS];
	int count, rc;

	rc = sg_read_u32(n, "vcpus", &vcpus);
	if (sg_require(n, "vcpus", rc)) {
		if (vcpus < 1 || vcpus > CONFIG_MAX_VCPUS)
			sg_error(n->sys, n->path, "vcpus = <%u>: must be 1..%d", vcpus,
				 CONFIG_MAX_VCPUS);
		else
			vm->vcpu_count = vcpus;
	}
	rc = sg_read_u32_list(n, "cpus", pcpu, CONFIG_MAX_VCPUS, &count);
	if (!sg_require(n, "cpus", rc) || vm->vcpu_count == 0)
		return;
	if ((uint32_t)count != vm->vcpu_count) {
		sg_error(n->sys, n->path, "cpus lists %d pCPU(s) but vcpus = <%u>: give one "
			 "pCPU index per vCPU", count, vm->vcpu_count);
		return;
	}
	memcpy(vm->vcpu_pcpu, pcpu, sizeof(pcpu[0]) * (size_t)count);
	vm->pcpus_ok = true;
}

/*
 * Stores file name `name` (the value of property prop) in f if it is a
 * plain file name; reports it otherwise.
 */
static void set_file_name(const struct sg_node *n, const char *prop, const char *name,
			  struct sg_file *f)
{
	if (valid_image_name(name))
		strcpy(f->name, name);
	else
		sg_error(n->sys, n->path, "%s '%s': must be a plain file name (letters, digits, "
			 "'.', '_', '+', '-'; not starting with '.')", prop, name);
}

/* Reports property prop of n, present though it does not apply. */
static void not_for(const struct sg_node *n, const char *prop, const char *why)
{
	if (fdt_getprop(n->fdt, n->off, prop, NULL))
		sg_error(n->sys, n->path, "%s: %s", prop, why);
}

/* Reads a Linux VM's initrd and bootargs. */
static void parse_vm_linux(const struct sg_node *n, struct sg_vm *vm)
{
	const char *initrd, *bootargs;

	not_for(n, "load-address", "a Linux VM's kernel is placed by the arm64 boot "
		"protocol; load-address and entry are for native VMs (image)");
	not_for(n, "entry", "a Linux VM starts at its kernel; load-address and entry are "
		"for native VMs (image)");
	if (sg_read_string(n, "initrd", &initrd) == SG_OK)
		set_file_name(n, "initrd", initrd, &vm->file[SG_FILE_INITRD]);
	if (sg_read_string(n, "bootargs", &bootargs) != SG_OK)
		return;
	if (strlen(bootargs) >= SG_BOOTARGS_MAX)
		sg_error(n->sys, n->path, "bootargs is %zu characters; Linux takes at most %d",
			 strlen(bootargs), SG_BOOTARGS_MAX - 1);
	else
		strcpy(vm->bootargs, bootargs);
}

/*
 * Reads what a VM boots: `image` (a native VM, with optional load-address
 * and entry) or `kernel` (a Linux VM, with optional initrd and bootargs),
 * exactly one of them.
 */
static void parse_vm_image(const struct sg_node *n, struct sg_vm *vm)
{
	const char *image, *kernel;
	int ri = sg_read_string(n, "image", &image);
	int rk = sg_read_string(n, "kernel", &kernel);

	vm->is_linux = rk != SG_ABSENT;
	if (ri != SG_ABSENT && rk != SG_ABSENT) {
		sg_error(n->sys, n->path, "both image and kernel: give image for a native VM "
			 "or kernel for a Linux VM, not both");
		return;
	}
	if (ri == SG_ABSENT && rk == SG_ABSENT)
		sg_error(n->sys, n->path, "missing required property 'image' (or 'kernel' "
			 "for a Linux VM)");
	if (ri == SG_OK)
		set_file_name(n, "image", image, &vm->file[SG_FILE_IMAGE]);
	if (rk == SG_OK)
		set_file_name(n, "kernel", kernel, &vm->file[SG_FILE_IMAGE]);
	if (vm->is_linux) {
		parse_vm_linux(n, vm);
		return;
	}
	not_for(n, "initrd", "only a Linux VM (kernel = \"...\") has an initrd");
	not_for(n, "bootargs", "only a Linux VM (kernel = \"...\") has bootargs");
}

/* Reads image or kernel, load-address, entry and fault-policy. */
static void parse_vm_boot(const struct sg_node *n, struct sg_vm *vm)
{
	const char *policy;
	int rc;

	parse_vm_image(n, vm);
	rc = sg_read_u64(n, "load-address", &vm->load_ipa);
	vm->has_load = rc == SG_OK;
	vm->addr_bad = rc == SG_BAD;
	rc = sg_read_u64(n, "entry", &vm->entry_ipa);
	vm->has_entry = rc == SG_OK;
	vm->addr_bad |= rc == SG_BAD;
	vm->fault_policy = FAULT_INJECT;
	if (sg_read_string(n, "fault-policy", &policy) != SG_OK)
		return;
	if (strcmp(policy, "stop") == 0)
		vm->fault_policy = FAULT_STOP;
	else if (strcmp(policy, "inject") != 0)
		sg_error(n->sys, n->path, "fault-policy \"%s\": must be \"inject\" or \"stop\"",
			 policy);
}

/*
 * Reads a VM's optional gic node: where its vGIC's distributor,
 * redistributors (GICv3) and CPU interface (GICv2) sit, each defaulting to
 * QEMU virt's address. Layout checks are check_vm.c's.
 */
static void parse_gic(struct sg_system *s, const void *fdt, int off, struct sg_vm *vm)
{
	/* In enum sg_gic_window order. */
	static const char *const allowed[] = { "dist", "redist", "cpuif", NULL };
	uint64_t *const fields[] = {
		[SG_GIC_DIST] = &vm->vgic.dist_ipa,
		[SG_GIC_REDIST] = &vm->vgic.redist_ipa,
		[SG_GIC_CPUIF] = &vm->vgic.cpuif_ipa,
	};
	struct sg_node n;
	int i;

	sg_node_init(&n, s, fdt, off);
	strcpy(vm->vgic.path, n.path);
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	for (i = 0; i < 3; i++) {
		int rc = sg_read_u64(&n, allowed[i], fields[i]);

		if (rc == SG_BAD)
			vm->vgic.ok = false;
		else if (rc == SG_OK)
			vm->vgic.given |= 1u << i;
	}
}

/* Reads the memory and devices children of a VM. */
static void parse_vm_children(const struct sg_node *n, struct sg_vm *vm)
{
	bool have_memory = false;
	struct sg_node c;
	int child;

	fdt_for_each_subnode(child, n->fdt, n->off) {
		const char *name = fdt_get_name(n->fdt, child, NULL);

		if (strcmp(name, "memory") == 0) {
			have_memory = true;
			parse_memory(n->sys, n->fdt, child, vm);
		} else if (strcmp(name, "devices") == 0) {
			parse_devices(n->sys, n->fdt, child, vm);
		} else if (strcmp(name, "gic") == 0) {
			parse_gic(n->sys, n->fdt, child, vm);
		} else if (strcmp(name, "passthrough") == 0) {
			sg_parse_passthrough(n->sys, n->fdt, child, vm);
		} else {
			sg_node_init(&c, n->sys, n->fdt, child);
			sg_error(n->sys, c.path, "unknown node (expected memory, devices, "
				 "passthrough or gic)");
		}
	}
	if (!have_memory)
		sg_error(n->sys, n->path, "missing required node 'memory'");
}

/* Reads the vm node at off as the next VM of the system. */
void sg_parse_vm(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = {
		"vm-name", "vcpus", "cpus", "image", "load-address", "entry", "fault-policy",
		"kernel", "initrd", "bootargs", "priority", "vcpu-priorities", "time-slice-us",
		"budget-us", "period-us", "restart-policy", "restart-limit",
		"restart-backoff-ms", "identity-map", NULL
	};
	struct sg_node n;
	struct sg_vm *vm;

	sg_node_init(&n, s, fdt, off);
	if (s->vm_count == CONFIG_MAX_VMS) {
		sg_error(s, n.path, "too many VMs: at most %d", CONFIG_MAX_VMS);
		return;
	}
	vm = &s->vms[s->vm_count++];
	strcpy(vm->path, n.path);
	strcpy(vm->vgic.path, n.path);
	vm->vgic.ok = true;
	vm->vgic.dist_ipa = SG_GICD_DEFAULT;
	vm->vgic.redist_ipa = SG_GICR_DEFAULT;
	vm->vgic.cpuif_ipa = SG_GICC_DEFAULT;
	sg_check_props(&n, allowed);
	parse_vm_name(&n, vm);
	parse_vm_cpus(&n, vm);
	sg_parse_vm_sched(&n, vm);
	parse_vm_boot(&n, vm);
	sg_parse_vm_restart(&n, vm);
	parse_vm_children(&n, vm);
	sg_parse_vm_identity(&n, vm);
	sg_check_vm_identity(s, vm);
}
