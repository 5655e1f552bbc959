/*
 * Boot device tree parsing with libfdt. Debian's libfdt-dev:arm64 ships a
 * static libfdt that links into this freestanding image; it is the
 * reference implementation, fuzzed upstream, and fdt_check_full() verifies
 * the whole structure block before any property is read.
 */
#include "core/bootinfo.h"

#include <libfdt.h>
#include <stdbool.h>

#include "lib/string.h"

#define FDT_MAX_SIZE (2u << 20)

/*
 * The INTID of interrupt `idx` of `node` in the GIC's three-cell format
 * (type 0 = SPI, 1 = PPI; number), or `fallback`.
 */
static unsigned read_intid(const void *fdt, int node, int idx, unsigned fallback)
{
	int len;
	const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

	if (!irq || len < (idx + 1) * 12)
		return fallback;
	irq += 3 * idx;
	return fdt32_to_cpu(irq[1]) + (fdt32_to_cpu(irq[0]) == 1 ? 16 : 32);
}

/* Reads cell-encoded values: `cells` is 1 or 2. */
static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/*
 * Reads entry `idx` of a "reg" property of node `node`, whose parent gives
 * the cell counts. Returns false if the entry does not exist.
 */
static bool read_reg(const void *fdt, int node, int idx, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2 || len < 0)
		return false;
	if ((size_t)len < (size_t)(idx + 1) * (size_t)(ac + sc) * 4)
		return false;
	reg += idx * (ac + sc);
	*base = read_cells(reg, ac);
	*size = sc ? read_cells(reg + ac, sc) : 0;
	return true;
}

static const char *parse_memory(const void *fdt, struct bootinfo *bi)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		uint64_t base, size;

		if (!type || strcmp(type, "memory"))
			continue;
		for (int i = 0; read_reg(fdt, node, i, &base, &size); i++) {
			if (bi->ram_count == BOOTINFO_MAX_RAM)
				return "too many memory ranges";
			if (size == 0 || base + size < base)
				return "a memory range is empty or wraps";
			bi->ram_base[bi->ram_count] = base;
			bi->ram_size[bi->ram_count++] = size;
		}
	}
	return bi->ram_count ? NULL : "no memory node";
}

static const char *parse_cpus(const void *fdt, struct bootinfo *bi)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node;

	if (cpus < 0)
		return "no /cpus node";
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		uint64_t mpidr, unused;

		if (!type || strcmp(type, "cpu"))
			continue;
		if (!read_reg(fdt, node, 0, &mpidr, &unused))
			return "a cpu node has no valid reg";
		if (bi->cpu_count < CONFIG_MAX_PCPUS)
			bi->cpu_mpidr[bi->cpu_count] = mpidr;
		bi->cpu_count++;
	}
	return bi->cpu_count ? NULL : "no cpu nodes";
}

/* The console: /chosen/stdout-path if it names a PL011, else the first one. */
static void parse_uart(const void *fdt, struct bootinfo *bi)
{
	const char *path = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"),
				       "stdout-path", NULL);
	int node = -1;
	uint64_t size;

	if (path) {
		char name[64];
		size_t n = strnlen(path, sizeof(name) - 1);
		const char *colon = memchr(path, ':', n);

		if (colon)
			n = (size_t)(colon - path);
		memcpy(name, path, n);
		name[n] = '\0';
		node = fdt_path_offset(fdt, name);
		if (node >= 0 && fdt_node_check_compatible(fdt, node, "arm,pl011"))
			node = -1;
	}
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node >= 0 && read_reg(fdt, node, 0, &bi->uart_base, &size))
		bi->uart_intid = read_intid(fdt, node, 0, 0);
}

static void parse_gic(const void *fdt, struct bootinfo *bi)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");

	bi->maint_intid = 25; /* the SBSA-recommended PPI */
	if (node >= 0 && read_reg(fdt, node, 0, &bi->gicd_base, &bi->gicd_size) &&
	    read_reg(fdt, node, 1, &bi->gicr_base, &bi->gicr_size)) {
		bi->gic_version = 3;
		bi->maint_intid = read_intid(fdt, node, 0, 25);
		return;
	}
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,cortex-a15-gic");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-400");
	if (node >= 0 && read_reg(fdt, node, 0, &bi->gicd_base, &bi->gicd_size) &&
	    read_reg(fdt, node, 1, &bi->gicc_base, &bi->gicc_size)) {
		bi->gic_version = 2;
		read_reg(fdt, node, 2, &bi->gich_base, &bi->gich_size);
		read_reg(fdt, node, 3, &bi->gicv_base, &bi->gicv_size);
		bi->maint_intid = read_intid(fdt, node, 0, 25);
	}
}

/* "arm,armv8-timer" lists secure, non-secure, virtual, hypervisor PPIs. */
static void parse_timer(const void *fdt, struct bootinfo *bi)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer"), len;
	const fdt32_t *irq = node >= 0 ? fdt_getprop(fdt, node, "interrupts", &len) : NULL;

	bi->hyp_timer_intid = 26; /* the SBSA-recommended PPI */
	if (irq && len >= 12 * 4 && fdt32_to_cpu(irq[9]) == 1)
		bi->hyp_timer_intid = 16 + fdt32_to_cpu(irq[10]);
}

/* Every "virtio,mmio" node with a reg and an SPI, in tree order. */
static void parse_virtio(const void *fdt, struct bootinfo *bi)
{
	int node, len;

	for (node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) {
		struct bootinfo_virtio *v = &bi->virtio[bi->virtio_count];
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

		if (bi->virtio_count == BOOTINFO_MAX_VIRTIO)
			return;
		if (!irq || len < 12 || fdt32_to_cpu(irq[0]) != 0 ||
		    !read_reg(fdt, node, 0, &v->base, &v->size) || v->size < 0x100 ||
		    v->base + v->size < v->base)
			continue;
		v->intid = read_intid(fdt, node, 0, 0);
		/* Trigger type cell: 1 rising edge, 4 high level. */
		v->edge = (fdt32_to_cpu(irq[2]) & 0xf) == 1;
		bi->virtio_count++;
	}
}

#define KEY_POWER 116  /* linux,code of the power button (input-event-codes.h) */

/*
 * The power button: the gpio-keys child whose linux,code is KEY_POWER,
 * its gpios = <&controller line flags>, the controller an arm,pl061.
 */
static void parse_power_key(const void *fdt, struct bootinfo *bi)
{
	int keys = fdt_node_offset_by_compatible(fdt, -1, "gpio-keys"), key, len;
	uint64_t size;

	if (keys < 0)
		return;
	fdt_for_each_subnode(key, fdt, keys) {
		const fdt32_t *code = fdt_getprop(fdt, key, "linux,code", &len);
		const fdt32_t *gpios;
		int ctrl;

		if (!code || len != 4 || fdt32_to_cpu(*code) != KEY_POWER)
			continue;
		gpios = fdt_getprop(fdt, key, "gpios", &len);
		if (!gpios || len < 8)
			return;
		ctrl = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(gpios[0]));
		if (ctrl < 0 || fdt_node_check_compatible(fdt, ctrl, "arm,pl061") ||
		    fdt32_to_cpu(gpios[1]) > 7 || !read_reg(fdt, ctrl, 0, &bi->gpio_base, &size))
			return;
		bi->gpio_intid = read_intid(fdt, ctrl, 0, 0);
		bi->power_line = fdt32_to_cpu(gpios[1]);
		if (bi->gpio_intid < 32)
			bi->gpio_base = 0;
		return;
	}
}

/* Whether the space-separated /chosen/bootargs contain the word `opt`. */
static bool has_boot_option(const void *fdt, const char *opt)
{
	int len;
	const char *args = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", &len);
	size_t n = strlen(opt), i = 0;

	if (!args || len <= 0)
		return false;
	len = (int)strnlen(args, (size_t)len);
	while (i < (size_t)len) {
		size_t start = i;

		while (i < (size_t)len && args[i] != ' ')
			i++;
		if (i - start == n && !memcmp(args + start, opt, n))
			return true;
		i++;
	}
	return false;
}

const char *bootinfo_parse(const void *fdt, struct bootinfo *bi)
{
	const char *err;

	memset(bi, 0, sizeof(*bi));
	if (!fdt)
		return "no device tree was passed in x0";
	if (fdt_check_header(fdt) != 0)
		return "bad device tree header";
	if (fdt_totalsize(fdt) > FDT_MAX_SIZE)
		return "device tree larger than 2 MiB";
	if (fdt_check_full(fdt, fdt_totalsize(fdt)) != 0)
		return "device tree structure is corrupt";
	err = parse_memory(fdt, bi);
	if (!err)
		err = parse_cpus(fdt, bi);
	if (err)
		return err;
	parse_uart(fdt, bi);
	parse_gic(fdt, bi);
	parse_timer(fdt, bi);
	parse_virtio(fdt, bi);
	parse_power_key(fdt, bi);
	bi->entry_stamp = has_boot_option(fdt, "numbat.entry-stamp");
	return NULL;
}
