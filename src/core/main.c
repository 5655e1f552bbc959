/*
 * Boot: the boot pCPU learns the machine from the device tree, checks it
 * against the system description, maps numbat's memory, creates the VMs,
 * starts the other pCPUs and enters the scheduler; each other pCPU sets
 * itself up and does the same.
 */
#include <numbat/abi.h>
#include <numbat/config.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sysreg.h"
#include "core/bootinfo.h"
#include "core/passthrough.h"
#include "core/powerfail.h"
#include "core/console.h"
#include "core/mm.h"
#include "core/panic.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vgic.h"
#include "core/vm.h"
#include "lib/format.h"
#include "plat.h"

#include <stdarg.h>

#define BOOT_WAIT_SPINS 50000000ul

struct pcpu pcpus[CONFIG_MAX_PCPUS];
unsigned pcpu_count;
uint8_t pcpu_stacks[CONFIG_MAX_PCPUS][PCPU_STACK_SIZE] __attribute__((aligned(16)));

static struct bootinfo bootinfo;

extern char __image_start[], __image_end[];
extern char secondary_entry[];

void boot_primary(const void *fdt);
void boot_secondary(unsigned id);

/* Before the MMU is on (no locks yet): print a line. */
static void early_print(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write_unlocked(buf, n);
}

/* A machine numbat cannot run the system on: say why and power off. */
static void early_fatal(const char *what, const char *detail)
{
	early_print("numbat: cannot boot: %s: %s\n", what, detail);
	console_power_off();
}

static bool ram_covers(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < bootinfo.ram_count; i++)
		if (base >= bootinfo.ram_base[i] &&
		    base - bootinfo.ram_base[i] + size <= bootinfo.ram_size[i])
			return true;
	return false;
}

/*
 * Whether one of the first n ranges starts at pa (a shared region mapped
 * by several VMs is listed once).
 */
static bool range_listed(const struct mmu_range *r, unsigned n, uint64_t pa)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].base == pa)
			return true;
	return false;
}

/* Everything numbat maps for itself: its region, VM memory, its devices. */
static unsigned collect_ranges(struct mmu_range *r, unsigned max)
{
	unsigned n = 0;

	r[n++] = (struct mmu_range){ (uint64_t)(uintptr_t)__image_start,
		numbat_system.hyp_base + numbat_system.hyp_size -
		(uint64_t)(uintptr_t)__image_start, false };
	r[n++] = (struct mmu_range){ bootinfo.uart_base, 0x1000, true };
	r[n++] = (struct mmu_range){ bootinfo.gicd_base, bootinfo.gicd_size, true };
	if (bootinfo.gic_version == 3)
		r[n++] = (struct mmu_range){ bootinfo.gicr_base, bootinfo.gicr_size, true };
	else
		r[n++] = (struct mmu_range){ bootinfo.gicc_base, bootinfo.gicc_size, true };
	if (bootinfo.gich_size)
		r[n++] = (struct mmu_range){ bootinfo.gich_base, bootinfo.gich_size, true };
	if (bootinfo.gpio_base && numbat_system.powerfail.present)
		r[n++] = (struct mmu_range){ bootinfo.gpio_base, 0x1000, true };
	{
		uint64_t base[BOOTINFO_MAX_VIRTIO], size[BOOTINFO_MAX_VIRTIO];
		unsigned k = passthrough_ranges(&bootinfo, base, size, BOOTINFO_MAX_VIRTIO);

		for (unsigned i = 0; i < k && n < max; i++)
			r[n++] = (struct mmu_range){ base[i], size[i], true };
	}
	for (unsigned v = 0; v < numbat_system.vm_count; v++) {
		for (unsigned i = 0; i < numbat_system.vms[v].region_count && n < max; i++) {
			const struct region_config *g = &numbat_system.vms[v].regions[i];

			if (!(g->flags & REGION_SHARED) || !range_listed(r, n, g->pa))
				r[n++] = (struct mmu_range){ g->pa, g->size, false };
		}
	}
	return n;
}

/* The checks that need the machine: memory and numbat's own placement. */
static void check_machine(void)
{
	uint64_t img = (uint64_t)(uintptr_t)__image_start;
	uint64_t img_end = (uint64_t)(uintptr_t)__image_end;
	uint64_t hyp_end = numbat_system.hyp_base + numbat_system.hyp_size;

	if (!ram_covers(numbat_system.ram_base, numbat_system.ram_size)) {
		for (unsigned i = 0; i < bootinfo.ram_count; i++)
			early_print("numbat: device tree RAM 0x%lx-0x%lx\n", bootinfo.ram_base[i],
				    bootinfo.ram_base[i] + bootinfo.ram_size[i] - 1);
		early_print("numbat: system description needs RAM 0x%lx-0x%lx\n",
			    numbat_system.ram_base,
			    numbat_system.ram_base + numbat_system.ram_size - 1);
		early_fatal("system description", "its RAM is not in the device tree");
	}
	if (img < numbat_system.hyp_base || img_end > hyp_end)
		early_fatal("numbat's image lies outside its hypervisor memory",
			    "raise hypervisor/memory-size in the system description");
}

static void report_machine(void)
{
	pr_info("numbat %u.%u, %u pCPUs in the device tree, GICv%u, %u-bit IPAs\n",
		NUMBAT_VERSION_MAJOR, NUMBAT_VERSION_MINOR, bootinfo.cpu_count,
		bootinfo.gic_version, arch_ipa_bits());
	for (unsigned i = 0; i < bootinfo.ram_count; i++)
		pr_info("RAM 0x%lx-0x%lx (%lu MiB)\n", bootinfo.ram_base[i],
			bootinfo.ram_base[i] + bootinfo.ram_size[i] - 1,
			bootinfo.ram_size[i] >> 20);
	if (bootinfo.cpu_count > CONFIG_MAX_PCPUS)
		pr_info("only the first %u pCPUs are used\n", CONFIG_MAX_PCPUS);
	if (pcpu_count < numbat_system.pcpu_count)
		pr_info("the system description expects %u pCPUs, this machine has %u\n",
			numbat_system.pcpu_count, pcpu_count);
	else if (pcpu_count > numbat_system.pcpu_count)
		pr_info("pCPUs %u-%u are not used by the system description\n",
			numbat_system.pcpu_count, pcpu_count - 1);
}

static void start_secondaries(void)
{
	/* Secondaries start with caches off: make numbat's data visible. */
	arch_dcache_clean(__image_start, numbat_system.hyp_base + numbat_system.hyp_size -
			  (uint64_t)(uintptr_t)__image_start);
	for (unsigned i = 1; i < pcpu_count; i++) {
		int err = arch_psci_cpu_on(pcpus[i].mpidr, (uint64_t)(uintptr_t)secondary_entry, i);
		unsigned long spin;

		if (err) {
			pr_info("pCPU %u (MPIDR 0x%lx) did not start: PSCI error %d\n", i,
				pcpus[i].mpidr, err);
			continue;
		}
		for (spin = 0; spin < BOOT_WAIT_SPINS && !pcpus[i].online; spin++)
			__asm__ volatile("yield");
		if (!pcpus[i].online)
			pr_info("pCPU %u (MPIDR 0x%lx) did not come up\n", i, pcpus[i].mpidr);
	}
}

static void init_pcpus(void)
{
	pcpu_count = bootinfo.cpu_count < CONFIG_MAX_PCPUS ? bootinfo.cpu_count
							   : CONFIG_MAX_PCPUS;
	// cppcheck-suppress knownConditionTrueFalse ; bootinfo is filled at run time
	for (unsigned i = 0; i < pcpu_count; i++) {
		pcpus[i].id = i;
		pcpus[i].mpidr = bootinfo.cpu_mpidr[i] & MPIDR_AFF_MASK;
		pcpus[i].present = true;
	}
}

/* The PPIs every pCPU takes: its EL2 timer, the vtimer, vGIC maintenance. */
static uint32_t numbat_ppis(void)
{
	return (uint32_t)(BIT(arch_timer_intid) | BIT(VGIC_PPI_VTIMER) | BIT(arch_maint_intid));
}

void boot_primary(const void *fdt)
{
	struct mmu_range ranges[9 + BOOTINFO_MAX_VIRTIO + CONFIG_MAX_VMS * CONFIG_MAX_REGIONS];
	const char *err = bootinfo_parse(fdt, &bootinfo);

	plat_uart_init(bootinfo.uart_base ? bootinfo.uart_base : PLAT_FALLBACK_UART);
	if (err)
		early_fatal("boot device tree", err);
	if (!bootinfo.uart_base)
		early_fatal("boot device tree", "no PL011 UART for the console");
	if ((arch_mpidr() & MPIDR_AFF_MASK) != (bootinfo.cpu_mpidr[0] & MPIDR_AFF_MASK))
		early_fatal("boot device tree", "the boot CPU is not the first cpu node");
	check_machine();
	init_pcpus();
	mm_init((uint64_t)(uintptr_t)__image_end, numbat_system.hyp_base + numbat_system.hyp_size);
	if (mmu_build(ranges, collect_ranges(ranges, sizeof(ranges) / sizeof(ranges[0]))))
		early_fatal("memory map", "no room for numbat's page tables");
	mmu_enable();
	mm_enable_locking();
	arch_init_primary();
	arch_timer_intid = bootinfo.hyp_timer_intid;
	report_machine();
	if (numbat_system.gic_version != bootinfo.gic_version) {
		pr_info("cannot boot: the system description is for GICv%u, this machine "
			"has GICv%u\n", numbat_system.gic_version, bootinfo.gic_version);
		console_power_off();
	}
	arch_maint_intid = bootinfo.maint_intid;
	arch_uart_intid = bootinfo.uart_intid;
	err = gic_init(&bootinfo);
	if (!err)
		err = gic_init_cpu(pcpus[0].mpidr, numbat_ppis());
	if (err)
		panic("interrupt controller: %s", err);
	if (bootinfo.gic_version == 3)
		vgic_hw = vgic_hw_v3();
	else if (bootinfo.gich_size && bootinfo.gicv_size)
		vgic_hw = vgic_hw_v2_probe(bootinfo.gich_base, bootinfo.gicv_base);
	else
		pr_info("the GICv2 has no virtualization extensions: VMs get no vGIC\n");
	if (vgic_hw)
		vgic_hw->clear_cpu();
	pcpus[0].online = true;
	passthrough_probe(&bootinfo);
	vm_create_all();
	console_start();
	if (bootinfo.uart_intid) {
		gic_enable_spi(bootinfo.uart_intid, pcpus[0].mpidr);
		console_uart_irq_on();
	}
	powerfail_init(&bootinfo);
	vm_entry_stamp = bootinfo.entry_stamp;
	vm_start_all();
	start_secondaries();
	sched_start();
}

void boot_secondary(unsigned id)
{
	const char *err;

	mmu_enable();
	arch_init_secondary();
	err = gic_init_cpu(pcpus[id].mpidr, numbat_ppis());
	if (err)
		panic("interrupt controller on pCPU %u: %s", id, err);
	if (vgic_hw)
		vgic_hw->clear_cpu();
	__atomic_store_n(&pcpus[id].online, true, __ATOMIC_RELEASE);
	sched_start();
}
