/*
 * sysgen: the device tree a Linux VM boots with, written with libfdt's
 * sequential-write API from the checked model: memory, cpus (PSCI), the
 * vGIC (v3 or v2, the platform's), the architected timer, a fixed clock,
 * and the devices Linux should see. Bindings: Linux
 * Documentation/devicetree/bindings (arm/cpus, arm/psci,
 * interrupt-controller/arm,gic-v3 and arm,gic, timer/arm,arch_timer,
 * serial/pl011).
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

#define PHANDLE_GIC   1
#define PHANDLE_CLK   2

/* Interrupt specifier cells: type, number, flags (GIC bindings). */
#define IRQ_TYPE_SPI  0
#define IRQ_TYPE_PPI  1
#define IRQ_LEVEL_HI  0x4
#define IRQ_EDGE_RISE 0x1
#define GICV2_CPU_MASK_SHIFT 8  /* GICv2 PPIs: which CPUs, bits 15:8 */

/* Architected timer PPIs: secure phys, non-secure phys, virtual, hyp. */
static const uint32_t timer_ppis[] = { 13, 14, 11, 10 };

/*
 * A device tree being written. Writers do nothing once `err` is set, so a
 * sequence of them needs one check at the end.
 */
struct sg_guest_dt {
	void *fdt;
	int err;                /* first libfdt error, 0 if none */
	const struct sg_system *s;
	const struct sg_vm *vm;
};

static void begin(struct sg_guest_dt *g, const char *name)
{
	if (!g->err)
		g->err = fdt_begin_node(g->fdt, name);
}

static void end(struct sg_guest_dt *g)
{
	if (!g->err)
		g->err = fdt_end_node(g->fdt);
}

/* Writes a property of len raw bytes (a string list if they hold NULs). */
static void prop(struct sg_guest_dt *g, const char *name, const void *val, int len)
{
	if (!g->err)
		g->err = fdt_property(g->fdt, name, val, len);
}

static void prop_str(struct sg_guest_dt *g, const char *name, const char *val)
{
	prop(g, name, val, (int)strlen(val) + 1);
}

static void prop_u32(struct sg_guest_dt *g, const char *name, uint32_t val)
{
	if (!g->err)
		g->err = fdt_property_u32(g->fdt, name, val);
}

static void prop_u64(struct sg_guest_dt *g, const char *name, uint64_t val)
{
	if (!g->err)
		g->err = fdt_property_u64(g->fdt, name, val);
}

/* Writes n cells (at most 16). */
static void prop_cells(struct sg_guest_dt *g, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[16];
	int i;

	for (i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	prop(g, name, be, i * 4);
}

/* Writes reg with n <base size> pairs of 2-cell values (n <= 4). */
static void prop_reg(struct sg_guest_dt *g, const uint64_t *pairs, int n)
{
	uint32_t cells[16];
	int i;

	for (i = 0; i < 2 * n && i < 8; i++) {
		cells[2 * i] = (uint32_t)(pairs[i] >> 32);
		cells[2 * i + 1] = (uint32_t)pairs[i];
	}
	prop_cells(g, "reg", cells, 2 * i);
}

/* Writes the node name <base>@<addr> into buf (SG_PATH_MAX bytes). */
static void unit_name(char *buf, const char *base, uint64_t addr)
{
	snprintf(buf, SG_PATH_MAX, "%s@%llx", base, (unsigned long long)addr);
}

/* Returns the first valid console device Linux sees, or NULL. */
static const struct sg_device *console(const struct sg_vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->device_count; i++) {
		const struct sg_device *d = &vm->devices[i];

		if (d->ok && d->model->console && d->model->guest_node)
			return d;
	}
	return NULL;
}

/* /chosen: command line, console and initrd. */
static void write_chosen(struct sg_guest_dt *g)
{
	const struct sg_vm *vm = g->vm;
	const struct sg_device *con = console(vm);
	const struct sg_file *initrd = &vm->file[SG_FILE_INITRD];

	begin(g, "chosen");
	if (vm->bootargs[0])
		prop_str(g, "bootargs", vm->bootargs);
	if (con) {
		char path[SG_PATH_MAX + 1];

		path[0] = '/';
		unit_name(path + 1, con->model->dt_node, con->ipa);
		prop_str(g, "stdout-path", path);
	}
	if (initrd->ok) {
		prop_u64(g, "linux,initrd-start", vm->linux_boot.initrd_ipa);
		prop_u64(g, "linux,initrd-end", vm->linux_boot.initrd_ipa + initrd->size);
	}
	end(g);
}

/* /memory@<ipa>: every region the guest can read and write. */
static void write_memory(struct sg_guest_dt *g)
{
	char name[SG_PATH_MAX];
	uint32_t i;

	for (i = 0; i < g->vm->region_count; i++) {
		const struct sg_region *r = &g->vm->regions[i];
		uint64_t reg[2] = { r->ipa, r->size };

		if (!r->ok || (r->flags & (REGION_READ | REGION_WRITE)) !=
			      (REGION_READ | REGION_WRITE))
			continue;
		unit_name(name, "memory", r->ipa);
		begin(g, name);
		prop_str(g, "device_type", "memory");
		prop_reg(g, reg, 1);
		end(g);
	}
}

/* /cpus: vCPU N has MPIDR Aff0 = N and is started through PSCI. */
static void write_cpus(struct sg_guest_dt *g)
{
	char name[SG_PATH_MAX];
	uint32_t i;

	begin(g, "cpus");
	prop_u32(g, "#address-cells", 1);
	prop_u32(g, "#size-cells", 0);
	for (i = 0; i < g->vm->vcpu_count; i++) {
		unit_name(name, "cpu", i);
		begin(g, name);
		prop_str(g, "device_type", "cpu");
		prop_str(g, "compatible", "arm,armv8");
		prop_u32(g, "reg", i);
		prop_str(g, "enable-method", "psci");
		end(g);
	}
	end(g);
}

/* /psci: numbat's PSCI 1.0 through HVC. */
static void write_psci(struct sg_guest_dt *g)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";

	begin(g, "psci");
	prop(g, "compatible", compat, sizeof(compat));
	prop_str(g, "method", "hvc");
	end(g);
}

/* The interrupt controller: the platform's GIC version, at the VM's windows. */
static void write_gic(struct sg_guest_dt *g)
{
	const struct sg_vgic *v = &g->vm->vgic;
	char name[SG_PATH_MAX];
	uint64_t reg[4] = { v->dist_ipa, SG_GICD_SIZE, v->redist_ipa,
			    SG_GICR_SIZE * g->vm->vcpu_count };

	unit_name(name, "intc", v->dist_ipa);
	begin(g, name);
	if (g->s->gic_version == 2) {
		reg[1] = 0x1000;                /* GICv2 GICD is 4 KiB */
		reg[2] = v->cpuif_ipa;
		reg[3] = SG_GICC_SIZE;
		prop_str(g, "compatible", "arm,cortex-a15-gic");
	} else {
		prop_str(g, "compatible", "arm,gic-v3");
	}
	/* No child nodes (no ITS, no v2m); the cells are for the binding. */
	prop_u32(g, "#address-cells", 2);
	prop_u32(g, "#size-cells", 2);
	prop(g, "ranges", NULL, 0);
	prop_u32(g, "#interrupt-cells", 3);
	prop(g, "interrupt-controller", NULL, 0);
	prop_reg(g, reg, 2);
	prop_u32(g, "phandle", PHANDLE_GIC);
	end(g);
}

/* /timer: the architected timer's four PPIs, level high. */
static void write_timer(struct sg_guest_dt *g)
{
	uint32_t flags = IRQ_LEVEL_HI, cells[12];
	int i;

	if (g->s->gic_version == 2)
		flags |= ((1u << g->vm->vcpu_count) - 1) << GICV2_CPU_MASK_SHIFT;
	for (i = 0; i < 4; i++) {
		cells[3 * i] = IRQ_TYPE_PPI;
		cells[3 * i + 1] = timer_ppis[i];
		cells[3 * i + 2] = flags;
	}
	begin(g, "timer");
	prop_str(g, "compatible", "arm,armv8-timer");
	prop_cells(g, "interrupts", cells, 12);
	prop(g, "always-on", NULL, 0);
	end(g);
}

/* /apb-pclk: the 24 MHz clock the PL011 binding asks for. */
static void write_clock(struct sg_guest_dt *g)
{
	begin(g, "apb-pclk");
	prop_str(g, "compatible", "fixed-clock");
	prop_u32(g, "#clock-cells", 0);
	prop_u32(g, "clock-frequency", 24000000);
	prop_str(g, "clock-output-names", "clk24mhz");
	prop_u32(g, "phandle", PHANDLE_CLK);
	end(g);
}

/* Writes the properties of a PL011 node. */
void sg_guest_dt_pl011(struct sg_guest_dt *g, const struct sg_device *d)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint32_t irq[3] = { IRQ_TYPE_SPI, d->spi, IRQ_LEVEL_HI };
	const uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint64_t reg[2] = { d->ipa, d->size };

	prop(g, "compatible", compat, sizeof(compat));
	prop_reg(g, reg, 1);
	prop_cells(g, "interrupts", irq, 3);
	prop_cells(g, "clocks", clocks, 2);
	prop(g, "clock-names", clock_names, sizeof(clock_names));
}

/*
 * Writes the properties of an SP805 watchdog node (Linux binding
 * arm,sp805.yaml): the PrimeCell compatible so the AMBA bus probes its ID
 * registers, the watchdog clock and the bus clock (the 24 MHz clock; the
 * model counts at that rate), its interrupt if it has one.
 */
void sg_guest_dt_sp805(struct sg_guest_dt *g, const struct sg_device *d)
{
	static const char compat[] = "arm,sp805\0arm,primecell";
	static const char clock_names[] = "wdog_clk\0apb_pclk";
	const uint32_t irq[3] = { IRQ_TYPE_SPI, d->spi, IRQ_LEVEL_HI };
	const uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint64_t reg[2] = { d->ipa, d->size };

	prop(g, "compatible", compat, sizeof(compat));
	prop_reg(g, reg, 1);
	if (d->has_spi)
		prop_cells(g, "interrupts", irq, 3);
	prop_cells(g, "clocks", clocks, 2);
	prop(g, "clock-names", clock_names, sizeof(clock_names));
}

/*
 * Writes the properties of a virtio-mmio node (Linux binding
 * virtio/mmio.yaml): its window, its SPI as a rising edge (numbat pulses
 * it: vgic_pulse), and dma-coherent, since numbat reads and writes the
 * rings and buffers through the cache.
 */
void sg_guest_dt_virtio(struct sg_guest_dt *g, const struct sg_device *d)
{
	const uint32_t irq[3] = { IRQ_TYPE_SPI, d->spi, IRQ_EDGE_RISE };
	uint64_t reg[2] = { d->ipa, d->size };

	prop_str(g, "compatible", "virtio,mmio");
	prop_reg(g, reg, 1);
	prop_cells(g, "interrupts", irq, 3);
	prop(g, "dma-coherent", NULL, 0);
}

/* One node per device Linux sees, and /aliases serialN for the consoles. */
static void write_devices(struct sg_guest_dt *g, bool aliases)
{
	char name[SG_PATH_MAX], path[SG_PATH_MAX + 1], alias[16];
	unsigned serial = 0;
	uint32_t i;

	if (aliases && !console(g->vm))
		return;
	if (aliases)
		begin(g, "aliases");
	for (i = 0; i < g->vm->device_count; i++) {
		const struct sg_device *d = &g->vm->devices[i];

		if (!d->ok || !d->model->guest_node)
			continue;
		unit_name(name, d->model->dt_node, d->ipa);
		if (aliases && d->model->console) {
			snprintf(path, sizeof(path), "/%s", name);
			snprintf(alias, sizeof(alias), "serial%u", serial++);
			prop_str(g, alias, path);
		} else if (!aliases) {
			begin(g, name);
			d->model->guest_node(g, d);
			end(g);
		}
	}
	if (aliases)
		end(g);
}

/*
 * Generates the device tree of Linux VM vm into vm->dtb and sets dtb_size.
 * Expects its boot files placed (linux_boot). Returns NULL, or what failed.
 */
const char *sg_guest_dtb(const struct sg_system *s, struct sg_vm *vm)
{
	struct sg_guest_dt g = { .fdt = vm->dtb, .s = s, .vm = vm };
	char model[CONFIG_NAME_MAX + 8];

	vm->dtb_size = 0;
	g.err = fdt_create(vm->dtb, sizeof(vm->dtb));
	if (!g.err)
		g.err = fdt_finish_reservemap(vm->dtb);
	snprintf(model, sizeof(model), "numbat,%s", vm->name);
	begin(&g, "");
	prop_str(&g, "compatible", "linux,dummy-virt");
	prop_str(&g, "model", model);
	prop_u32(&g, "#address-cells", 2);
	prop_u32(&g, "#size-cells", 2);
	prop_u32(&g, "interrupt-parent", PHANDLE_GIC);
	write_devices(&g, true);
	write_chosen(&g);
	write_memory(&g);
	write_cpus(&g);
	write_psci(&g);
	write_gic(&g);
	write_timer(&g);
	write_clock(&g);
	write_devices(&g, false);
	end(&g);
	if (!g.err)
		g.err = fdt_finish(vm->dtb);
	if (g.err)
		return fdt_strerror(g.err);
	vm->dtb_size = fdt_totalsize(vm->dtb);
	return NULL;
}

/*
 * Writes the properties of a passed-through virtio-mmio slot's node
 * (Linux binding virtio/mmio.yaml): the window and SPI the VM sees, edge
 * triggered as on QEMU virt, and dma-coherent (the VM's memory is
 * normal cacheable memory and QEMU's device is coherent with it).
 */
void sg_guest_dt_passthrough(struct sg_guest_dt *g, const struct sg_device *d)
{
	static const char compat[] = "virtio,mmio";
	const uint32_t irq[3] = { IRQ_TYPE_SPI, d->spi, 1 /* rising edge */ };
	uint64_t reg[2] = { d->ipa, d->size };

	prop(g, "compatible", compat, sizeof(compat));
	prop_reg(g, reg, 1);
	prop_cells(g, "interrupts", irq, 3);
	if (!g->err)
		g->err = fdt_property(g->fdt, "dma-coherent", NULL, 0);
}
