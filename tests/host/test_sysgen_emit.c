/*
 * Host test of sysgen's output: config.c and images.S generated from
 * tests/host/sysgen-good/emit.dts are compiled into this program (see
 * host.mk), and the numbat_system they define is checked field by field,
 * down to the embedded files and a Linux VM's device tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <numbat/config.h>

#include "check_main.h"

extern const uint8_t numbat_image_0[];
extern const uint8_t numbat_image_1[];
extern const uint8_t numbat_image_2[];
extern const uint8_t numbat_image_3[];
extern const uint8_t numbat_initrd_3[];
extern const uint8_t numbat_dtb_3[];

#define ALL_ACCESS (REGION_READ | REGION_WRITE | REGION_EXEC)

START_TEST(system_fields)
{
	ck_assert_uint_eq(numbat_system.ram_base, 0x80000000);
	ck_assert_uint_eq(numbat_system.ram_size, 0x10000000);
	ck_assert_uint_eq(numbat_system.pcpu_count, 4);
	ck_assert_uint_eq(numbat_system.hyp_base, 0x80000000);
	ck_assert_uint_eq(numbat_system.hyp_size, 0x2000000);
	ck_assert_uint_eq(numbat_system.gic_version, 3);
	ck_assert_uint_eq(numbat_system.vm_count, 4);
}
END_TEST

START_TEST(vm_alpha)
{
	const struct vm_config *vm = &numbat_system.vms[0];

	ck_assert_str_eq(vm->name, "alpha");
	ck_assert_uint_eq(vm->vcpu_count, 2);
	ck_assert_uint_eq(vm->vcpu_pcpu[0], 2);
	ck_assert_uint_eq(vm->vcpu_pcpu[1], 3);
	ck_assert_uint_eq(vm->region_count, 2);
	ck_assert_uint_eq(vm->regions[0].ipa, 0);
	ck_assert_uint_eq(vm->regions[0].pa, 0x82000000);
	ck_assert_uint_eq(vm->regions[0].size, 0x200000);
	ck_assert_uint_eq(vm->regions[0].flags, ALL_ACCESS);
	ck_assert_uint_eq(vm->regions[1].ipa, 0x10000000);
	ck_assert_uint_eq(vm->regions[1].pa, 0x82200000);
	ck_assert_uint_eq(vm->regions[1].size, 0x5000);
	ck_assert_uint_eq(vm->regions[1].flags, REGION_READ | REGION_WRITE);
	ck_assert_uint_eq(vm->device_count, 1);
	ck_assert_uint_eq(vm->devices[0].type, DEVICE_TEST);
	ck_assert_uint_eq(vm->devices[0].ipa, 0x09100000);
	ck_assert_uint_eq(vm->devices[0].size, 0x1000);
	ck_assert_uint_eq(vm->devices[0].irq, 36);
	ck_assert_uint_eq(vm->blob_count, 1);
	ck_assert_uint_eq(vm->blobs[0].ipa, 0);
	ck_assert_uint_eq(vm->entry_ipa, 0);
	ck_assert_uint_eq(vm->boot_x0, 0);
	ck_assert_uint_eq(vm->fault_policy, FAULT_STOP);
	ck_assert_uint_eq(vm->sched[0].priority, 200);
	ck_assert_uint_eq(vm->sched[1].priority, 7);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(vm->sched[i].slice_us, 2500);
		ck_assert_uint_eq(vm->sched[i].budget_us, 300);
		ck_assert_uint_eq(vm->sched[i].period_us, 1000);
	}
	ck_assert_uint_eq(vm->vgic.dist_ipa, 0x08000000);
	ck_assert_uint_eq(vm->vgic.redist_ipa, 0x080a0000);
	ck_assert_uint_eq(vm->vgic.cpuif_ipa, 0x08010000);
}
END_TEST

START_TEST(vm_explicit_and_default)
{
	const struct vm_config *v1 = &numbat_system.vms[1], *v2 = &numbat_system.vms[2];

	ck_assert_str_eq(v1->name, "vm1");
	ck_assert_uint_eq(v1->regions[0].pa, 0x8f000000);
	ck_assert_uint_eq(v1->regions[0].flags, REGION_READ | REGION_EXEC);
	ck_assert_uint_eq(v1->blobs[0].ipa, 0x40001000);
	ck_assert_uint_eq(v1->entry_ipa, 0x40001000);
	ck_assert_uint_eq(v1->device_count, 0);
	ck_assert_uint_eq(v1->fault_policy, FAULT_INJECT);
	/* The defaults: priority 100, a 10 ms slice, no budget. */
	ck_assert_uint_eq(v1->sched[0].priority, CONFIG_PRIO_DEFAULT);
	ck_assert_uint_eq(v1->sched[0].slice_us, CONFIG_SLICE_US_DEFAULT);
	ck_assert_uint_eq(v1->sched[0].budget_us, 0);
	ck_assert_uint_eq(v1->sched[0].period_us, 0);
	ck_assert_str_eq(v2->name, "vm2");
	ck_assert_uint_eq(v2->vcpu_pcpu[0], 1);
	ck_assert_uint_eq(v2->regions[0].pa, 0x82205000);
	ck_assert_uint_eq(v2->blobs[0].ipa, 0x40000000);
}
END_TEST

/* Asserts that image holds exactly the bytes of file dir/name (size bytes). */
static void assert_file(const uint8_t *image, uint64_t size, const char *dir,
			const char *name)
{
	char path[512];
	size_t n;
	uint8_t *buf = malloc(size + 1);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, size + 1, f);
	fclose(f);
	ck_assert_uint_eq(n, size);
	ck_assert_int_eq(memcmp(buf, image, size), 0);
	ck_assert_uint_eq((uintptr_t)image % 4096, 0);
	free(buf);
}

/* Asserts that image holds exactly the bytes of image file `name`. */
static void assert_image(const uint8_t *image, uint64_t size, const char *name)
{
	assert_file(image, size, EMIT_IMAGE_DIR, name);
}

START_TEST(images_embedded)
{
	const struct vm_config *vms = numbat_system.vms;

	ck_assert_ptr_eq(vms[0].blobs[0].data, numbat_image_0);
	ck_assert_ptr_eq(vms[1].blobs[0].data, numbat_image_1);
	ck_assert_ptr_eq(vms[2].blobs[0].data, numbat_image_2);
	ck_assert_ptr_eq(numbat_image_2, numbat_image_0);   /* embedded once */
	assert_image(vms[0].blobs[0].data, vms[0].blobs[0].size, "small.bin");
	assert_image(vms[1].blobs[0].data, vms[1].blobs[0].size, "large.bin");
	ck_assert_uint_eq(vms[2].blobs[0].size, vms[0].blobs[0].size);
}
END_TEST

START_TEST(vm_linux)
{
	const struct vm_config *vm = &numbat_system.vms[3];

	ck_assert_str_eq(vm->name, "penguin");
	ck_assert_uint_eq(vm->regions[0].pa, 0x82400000);
	ck_assert_uint_eq(vm->device_count, 2);
	ck_assert_uint_eq(vm->devices[0].type, DEVICE_PL011);
	ck_assert_uint_eq(vm->devices[0].irq, 33);
	ck_assert_uint_eq(vm->devices[1].type, DEVICE_VIRTIO_NET);
	ck_assert_uint_eq(vm->devices[1].irq, 49);
	ck_assert_uint_eq(vm->blob_count, 3);
	ck_assert_ptr_eq(vm->blobs[0].data, numbat_image_3);
	ck_assert_uint_eq(vm->blobs[0].ipa, 0x40000000);
	ck_assert_uint_eq(vm->blobs[0].size, 8192);
	ck_assert_ptr_eq(vm->blobs[1].data, numbat_initrd_3);
	ck_assert_uint_eq(vm->blobs[1].ipa, 0x41000000);
	ck_assert_uint_eq(vm->blobs[1].size, 4097);
	ck_assert_ptr_eq(vm->blobs[2].data, numbat_dtb_3);
	ck_assert_uint_eq(vm->blobs[2].ipa, 0x41200000);
	ck_assert_uint_eq(vm->entry_ipa, 0x40000000);
	ck_assert_uint_eq(vm->boot_x0, 0x41200000);
	ck_assert_uint_eq(vm->vgic.dist_ipa, 0x03000000);
	ck_assert_uint_eq(vm->vgic.redist_ipa, 0x080a0000);
	assert_image(vm->blobs[0].data, vm->blobs[0].size, "Image");
	assert_image(vm->blobs[1].data, vm->blobs[1].size, "initrd.img");
	assert_file(vm->blobs[2].data, vm->blobs[2].size, EMIT_DIR, "penguin.dtb");
}
END_TEST

START_TEST(linux_dtb_embedded)
{
	const struct blob_config *b = &numbat_system.vms[3].blobs[2];
	const void *fdt = b->data;
	int chosen;

	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_uint_eq(fdt_totalsize(fdt), b->size);
	chosen = fdt_path_offset(fdt, "/chosen");
	ck_assert_int_ge(chosen, 0);
	ck_assert_str_eq(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=ttyAMA0");
	ck_assert_int_ge(fdt_path_offset(fdt, "/intc@3000000"), 0);
	ck_assert_int_ge(fdt_path_offset(fdt, "/pl011@9000000"), 0);
}
END_TEST

/* The net link: endpoints by VM and device index, MACs given and default. */
START_TEST(links_emitted)
{
	const struct link_config *l = numbat_system.links;
	static const uint8_t given[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t dflt[6] = { 0x02, 'n', 'b', 0, 2, 0 };

	ck_assert_uint_eq(numbat_system.link_count, 1);
	ck_assert_uint_eq(l[0].type, LINK_NET);
	ck_assert_str_eq(l[0].name, "net0");
	ck_assert_uint_eq(l[0].vm[0], 3);
	ck_assert_uint_eq(l[0].dev[0], 1);
	ck_assert_uint_eq(l[0].vm[1], 2);
	ck_assert_uint_eq(l[0].dev[1], 0);
	ck_assert(memcmp(numbat_system.vms[3].devices[1].mac, given, 6) == 0);
	ck_assert(memcmp(numbat_system.vms[2].devices[0].mac, dflt, 6) == 0);
	ck_assert_uint_eq(numbat_system.vms[2].devices[0].type, DEVICE_VIRTIO_NET);
}
END_TEST

/* Linux sees the virtio device as virtio,mmio with an edge SPI, coherent. */
START_TEST(linux_dtb_virtio_node)
{
	const void *fdt = numbat_system.vms[3].blobs[2].data;
	int node = fdt_path_offset(fdt, "/virtio_mmio@a001000"), len;
	const fdt32_t *irq;

	ck_assert_int_ge(node, 0);
	ck_assert_str_eq(fdt_getprop(fdt, node, "compatible", NULL), "virtio,mmio");
	ck_assert_ptr_ne(fdt_getprop(fdt, node, "dma-coherent", NULL), NULL);
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(fdt32_to_cpu(irq[0]), 0);    /* SPI */
	ck_assert_uint_eq(fdt32_to_cpu(irq[1]), 17);
	ck_assert_uint_eq(fdt32_to_cpu(irq[2]), 1);    /* rising edge */
}
END_TEST

/* Registers the sysgen_emit suite. */
void host_tests_init(void)
{
	Suite *s = host_suite("sysgen_emit");

	HOST_TEST(s, system_fields);
	HOST_TEST(s, vm_alpha);
	HOST_TEST(s, vm_explicit_and_default);
	HOST_TEST(s, images_embedded);
	HOST_TEST(s, vm_linux);
	HOST_TEST(s, linux_dtb_embedded);
	HOST_TEST(s, links_emitted);
	HOST_TEST(s, linux_dtb_virtio_node);
}
