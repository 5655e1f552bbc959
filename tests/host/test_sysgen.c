/*
 * Host tests of tools/sysgen's parse, check and place phases: valid
 * descriptions are compiled with dtc and run in-process, and the resulting
 * model (placement, defaults, flags, messages) is asserted. Suite
 * sysgen_linux covers Linux VMs: boot placement and the generated device
 * tree, read back with libfdt.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "check_main.h"
#include "sysgen.h"

#define MIB (1024ull * 1024ull)

/*
 * Files every run can name, in one directory that is both the image and
 * the Linux directory: demo.bin (5000 bytes), big.bin (3 MiB + 1),
 * initrd.img (3 MiB + 5), and arm64 Images whose header has these
 * text_offset, image_size and flags (0xa: little-endian, 4 KiB pages,
 * anywhere in RAM).
 */
static const struct {
	const char *name;
	off_t size;
	bool kernel;
	uint64_t text_offset, image_size, flags;
} test_images[] = {
	{ "demo.bin", 5000, false, 0, 0, 0 },
	{ "big.bin", 3 * MIB + 1, false, 0, 0, 0 },
	{ "initrd.img", 3 * MIB + 5, false, 0, 0, 0 },
	{ "Image", 1 * MIB, true, 0, 30 * MIB, 0xa },
	{ "Image.80k", 8192, true, 0x80000, 30 * MIB, 0 },
};

/* Stores v little-endian at p. */
static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes an arm64 Image header (Linux booting.rst) to the open file fd. */
static void write_image_header(int fd, uint64_t text_offset, uint64_t image_size,
			       uint64_t flags)
{
	uint8_t h[64] = { 0x10, 0x00, 0x00, 0x14 };   /* code0: b +0x40 */

	put_le64(h + 0x08, text_offset);
	put_le64(h + 0x10, image_size);
	put_le64(h + 0x18, flags);
	memcpy(h + 0x38, "ARM\x64", 4);
	ck_assert_int_eq(write(fd, h, sizeof(h)), sizeof(h));
}

static char work_dir[64];
static char *errors;    /* everything sysgen reported in the last run */

/* Creates the work directory and the test images in it. */
static void make_work_dir(void)
{
	char path[PATH_MAX];
	size_t i;

	strcpy(work_dir, "/tmp/sysgen-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(work_dir));
	for (i = 0; i < sizeof(test_images) / sizeof(test_images[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", work_dir, test_images[i].name);
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		ck_assert_int_ge(fd, 0);
		if (test_images[i].kernel)
			write_image_header(fd, test_images[i].text_offset,
					   test_images[i].image_size, test_images[i].flags);
		ck_assert_int_eq(ftruncate(fd, test_images[i].size), 0);
		close(fd);
	}
}

/* Removes the work directory and everything in it. */
static void remove_work_dir(void)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Reads a whole file into a malloc'ed buffer. */
static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	*size = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/*
 * Compiles the description (the file dts, or `text` if non-NULL) and runs
 * sysgen's phases on it with the test images. Returns the model; the
 * messages are in `errors`.
 */
static struct sg_system *run(const char *dts, const char *text)
{
	static char src[PATH_MAX], dtb[PATH_MAX];
	struct sg_system *s = calloc(1, sizeof(*s));
	char cmd[3 * PATH_MAX];
	size_t size, len;
	void *fdt;
	FILE *f;

	make_work_dir();
	snprintf(dtb, sizeof(dtb), "%s/system.dtb", work_dir);
	snprintf(src, sizeof(src), "%s", dts);
	if (text) {
		snprintf(src, sizeof(src), "%s/%s", work_dir, dts);
		f = fopen(src, "w");
		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o '%s' '%s'", dtb, src);
	ck_assert_msg(system(cmd) == 0, "dtc failed on %s", src);
	fdt = slurp(dtb, &size);
	f = open_memstream(&errors, &len);
	sg_init(s, dts, work_dir, f);
	s->linux_dir = work_dir;
	sg_process(s, fdt, size);
	fclose(f);
	free(fdt);
	remove_work_dir();
	return s;
}

/* Runs a repository file, path relative to the source tree. */
static struct sg_system *run_file(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", SOURCE_DIR, rel);
	return run(path, NULL);
}

/* Header shared by the inline descriptions: 512 MiB at 1 GiB, 2 pCPUs. */
#define HEAD "/dts-v1/; / { compatible = \"numbat,system\"; " \
	"platform { memory = <0 0x40000000 0 0x20000000>; cpus = <2>; }; "
/* A VM with one 16 MiB rwx region at IPA 0 and image `img`. */
#define VM(unit, img) "vm@" unit " { vcpus = <1>; cpus = <0>; image = \"" img "\"; " \
	"memory { region@0 { reg = <0 0 0 0x1000000>; }; }; }; "

/* Asserts a run succeeded, showing its messages if not. */
#define ASSERT_CLEAN(s) ck_assert_msg((s)->errors == 0, "unexpected errors:\n%s", errors)

/* Asserts the last run reported `text` (substring) somewhere. */
#define ASSERT_REPORTED(text) \
	ck_assert_msg(strstr(errors, (text)) != NULL, "no '%s' in:\n%s", (text), errors)

/* A buffer shorter than a header, or cut inside the tree, is refused unread. */
START_TEST(short_blob_refused)
{
	static struct sg_system sys;
	static const uint8_t four[4] = { 0xd0, 0x0d, 0xfe, 0xed };
	size_t len;
	FILE *f;

	f = open_memstream(&errors, &len);
	sg_init(&sys, "short.dtb", "/tmp", f);
	sg_process(&sys, four, sizeof(four));
	fclose(f);
	ck_assert_uint_gt(sys.errors, 0);
	ASSERT_REPORTED("not a valid device tree blob");
}
END_TEST

/*
 * A version-3 blob (what fuzz_sysgen found): Debian 12's libfdt walks
 * it into a NULL dereference; sysgen refuses it before that, by version.
 */
START_TEST(old_version_blob_refused)
{
	static struct sg_system sys;
	static const uint8_t v3[] = {
		0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x00, 0x01, 0x57, 0x00, 0x00, 0x00, 0x38,
		0x00, 0x00, 0x01, 0x30, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x27,
		0x00, 0x00, 0x00, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x0e,
		0x00, 0x00, 0x00, 0x00, 0x6e, 0x75, 0x6d, 0x62, 0x61, 0x74, 0x2c, 0x73,
		0x79, 0x73, 0x74, 0x65, 0x6d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x70, 0x6c, 0x61, 0x74, 0x66, 0x6f, 0x72, 0x6d, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x0b,
		0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04,
		0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x01, 0x76, 0x6d, 0x40, 0x30, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x03, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		0xcc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcc, 0xcc,
		0xcc, 0xcc, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
		0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
		0x00, 0x09, 0x00, 0x00, 0x00, 0x1d, 0x64, 0x65, 0x6d, 0x6f, 0x2e, 0x62,
		0x69, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x6d, 0x65,
		0x6d, 0x6f, 0x72, 0x79, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x72, 0x65,
		0x67, 0x69, 0x6f, 0x6e, 0x40, 0x34, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
		0x30, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
		0x00, 0x23, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x09, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65,
		0x00, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x00, 0x63, 0x70, 0x75, 0x73,
		0x00, 0x76, 0x63, 0x70, 0x75, 0x73, 0x00, 0x69, 0x6d, 0x61, 0x67, 0x65,
		0x00, 0x72, 0x65, 0x67, 0x00
	};
	size_t len;
	FILE *f;

	f = open_memstream(&errors, &len);
	sg_init(&sys, "v3.dtb", "/tmp", f);
	sg_process(&sys, v3, sizeof(v3));
	fclose(f);
	ck_assert_uint_gt(sys.errors, 0);
	ASSERT_REPORTED("not a valid device tree blob");
}
END_TEST

START_TEST(default_system)
{
	struct sg_system *s = run_file("systems/default.dts");
	const struct sg_vm *v0 = &s->vms[0], *v1 = &s->vms[1];

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(s->ram_base, 0x40000000);
	ck_assert_uint_eq(s->ram_size, 512 * MIB);
	ck_assert_uint_eq(s->pcpu_count, 2);
	ck_assert_uint_eq(s->hyp_base, 0x40000000);
	ck_assert_uint_eq(s->hyp_size, 32 * MIB);
	ck_assert_uint_eq(s->vm_count, 2);
	ck_assert_str_eq(v0->name, "demo0");
	ck_assert_str_eq(v1->name, "demo1");
	ck_assert_uint_eq(v0->vcpu_pcpu[0], 0);
	ck_assert_uint_eq(v1->vcpu_pcpu[0], 1);
	ck_assert_uint_eq(v0->regions[0].pa, 0x42000000);
	ck_assert_uint_eq(v1->regions[0].pa, 0x43000000);
	ck_assert_uint_eq(v0->regions[0].flags, REGION_READ | REGION_WRITE | REGION_EXEC);
	ck_assert_uint_eq(v0->device_count, 1);
	ck_assert_uint_eq(v0->devices[0].model->type, DEVICE_TEST);
	ck_assert_uint_eq(v0->devices[0].ipa, 0x09100000);
	ck_assert_uint_eq(v1->load_ipa, 0x40000000);
	ck_assert_uint_eq(v1->entry_ipa, 0x40000000);
	ck_assert_uint_eq(v1->fault_policy, FAULT_INJECT);
	ck_assert_ptr_eq(v1->file[SG_FILE_IMAGE].twin, &v0->file[SG_FILE_IMAGE]);
	ck_assert_ptr_null(v0->file[SG_FILE_IMAGE].twin);
	ck_assert_str_eq(v1->file[SG_FILE_IMAGE].label, "numbat_image_1");
	/* Native VMs: one blob, no x0, the default vGIC and GIC version. */
	ck_assert(!v0->is_linux);
	ck_assert_uint_eq(v0->boot_x0, 0);
	ck_assert_uint_eq(v0->dtb_size, 0);
	ck_assert_uint_eq(s->gic_version, 3);
	ck_assert_uint_eq(v0->vgic.dist_ipa, 0x08000000);
	ck_assert_uint_eq(v0->vgic.redist_ipa, 0x080a0000);
	ck_assert_uint_eq(v0->vgic.cpuif_ipa, 0x08010000);
	ck_assert(!v0->devices[0].has_spi);
	free(s);
}
END_TEST

START_TEST(placement_first_fit)
{
	struct sg_system *s = run_file("tests/host/sysgen-good/placement.dts");
	const struct sg_vm *v0 = &s->vms[0], *v1 = &s->vms[1];

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(s->hyp_size, 16 * MIB);
	ck_assert_uint_eq(v1->regions[0].pa, 0x41000000);    /* explicit */
	ck_assert_uint_eq(v0->regions[0].pa, 0x41200000);    /* around it */
	ck_assert_uint_eq(v0->regions[1].pa, 0x41400000);    /* 2 MiB aligned */
	ck_assert_uint_eq(v1->regions[1].pa, 0x41301000);    /* fills the gap */
	free(s);
}
END_TEST

START_TEST(placement_defaults_and_flags)
{
	struct sg_system *s = run_file("tests/host/sysgen-good/placement.dts");
	const struct sg_vm *v0 = &s->vms[0], *v1 = &s->vms[1];

	ASSERT_CLEAN(s);
	ck_assert_str_eq(v0->name, "vm0");
	ck_assert_str_eq(v1->name, "second");
	ck_assert_uint_eq(v0->regions[0].flags, REGION_READ | REGION_WRITE | REGION_EXEC);
	ck_assert_uint_eq(v0->regions[1].flags, REGION_READ);
	ck_assert_uint_eq(v1->regions[0].flags, REGION_READ | REGION_EXEC);
	ck_assert_uint_eq(v1->regions[1].flags, REGION_READ | REGION_WRITE);
	ck_assert_uint_eq(v0->load_ipa, 0);
	ck_assert_uint_eq(v0->entry_ipa, 0);
	ck_assert_uint_eq(v0->fault_policy, FAULT_INJECT);
	ck_assert_uint_eq(v0->restart_policy, RESTART_STOP);
	ck_assert_uint_eq(v1->restart_policy, RESTART_RESTART);
	ck_assert_uint_eq(v1->restart_limit, 5);
	ck_assert_uint_eq(v1->restart_backoff_ms, 100);
	ck_assert_uint_eq(v0->devices[0].size, 0x2000);
	ck_assert_uint_eq(v1->vcpu_count, 2);
	ck_assert_uint_eq(v1->vcpu_pcpu[0], 1);
	ck_assert_uint_eq(v1->vcpu_pcpu[1], 0);
	ck_assert_uint_eq(v1->load_ipa, 0x40001000);
	ck_assert_uint_eq(v1->entry_ipa, 0x40001100);
	ck_assert_uint_eq(v1->fault_policy, FAULT_STOP);
	ck_assert_uint_eq(v1->file[SG_FILE_IMAGE].size, 5000);
	free(s);
}
END_TEST

START_TEST(hypervisor_fits_images_exactly)
{
	/* 4 MiB + big.bin rounded up to a page = 0x701000; embedded once. */
	struct sg_system *s = run("t.dts", HEAD "hypervisor { memory-size = <0 0x701000>; }; "
				  VM("0", "big.bin") VM("1", "big.bin") "};");

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(sg_image_space(s), 0x701000);
	ck_assert_uint_eq(s->vms[0].regions[0].pa, 0x40800000);
	free(s);
}
END_TEST

START_TEST(hypervisor_one_page_short)
{
	struct sg_system *s = run("t.dts", HEAD "hypervisor { memory-size = <0 0x700000>; }; "
				  VM("0", "big.bin") "};");

	ck_assert_uint_eq(s->errors, 1);
	ASSERT_REPORTED("t.dts: /hypervisor: hypervisor memory-size too small for the VM "
			"images (7344128 bytes needed");
	free(s);
}
END_TEST

START_TEST(ram_fits_exactly)
{
	/* 32 MiB of numbat + 16 MiB of VM in 48 MiB of RAM. */
	struct sg_system *s = run("t.dts", "/dts-v1/; / { compatible = \"numbat,system\"; "
				  "platform { memory = <0 0x40000000 0 0x3000000>; cpus = <1>; }; "
				  VM("0", "demo.bin") "};");

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(s->vms[0].regions[0].pa, 0x42000000);
	free(s);
}
END_TEST

START_TEST(ram_exhausted)
{
	struct sg_system *s = run("t.dts", "/dts-v1/; / { compatible = \"numbat,system\"; "
				  "platform { memory = <0 0x40000000 0 0x2fff000>; cpus = <1>; }; "
				  VM("0", "demo.bin") "};");

	ck_assert_uint_eq(s->errors, 1);
	ASSERT_REPORTED("t.dts: /vm@0/memory/region@0: RAM exhausted");
	free(s);
}
END_TEST

START_TEST(ipa_limit)
{
	/* A region may end exactly at 1 << 40, a device may not pass it. */
	struct sg_system *s = run("t.dts", HEAD "vm@0 { vcpus = <1>; cpus = <0>; "
				  "image = \"demo.bin\"; memory { region@0 { reg = <0 0 0 0x10000>; }; "
				  "region@1 { reg = <0xff 0xfffff000 0 0x1000>; }; }; devices { "
				  "t@0 { compatible = \"numbat,test-device\"; "
				  "reg = <0xff 0xfffff000 0 0x2000>; }; }; }; };");

	ck_assert_uint_eq(s->errors, 1);
	ASSERT_REPORTED("/vm@0/devices/t@0: device IPA 0xfffffff000-0x10000000fff ends above");
	free(s);
}
END_TEST

START_TEST(all_errors_reported)
{
	struct sg_system *s = run("t.dts", HEAD "vm@0 { vcpus = <1>; cpus = <5>; cpu = <0>; "
				  "image = \"demo.bin\"; memory { region@0 { reg = <0 0 0 0x2000>; }; "
				  "region@1000 { reg = <0 0x1000 0 0x1000>; }; }; }; };");

	ck_assert_uint_eq(s->errors, 3);
	ASSERT_REPORTED("t.dts: /vm@0: unknown property 'cpu'\n");
	ASSERT_REPORTED("t.dts: /vm@0: vCPU 0 is pinned to pCPU 5");
	ASSERT_REPORTED("t.dts: /vm@0/memory/region@1000: overlaps /vm@0/memory/region@0 "
			"(IPA 0x0-0x1fff)\n");
	free(s);
}
END_TEST

/* Runs a one-region VM whose region has access string `acc`. */
static struct sg_system *run_access(const char *acc)
{
	char text[1024];

	snprintf(text, sizeof(text), HEAD "vm@0 { vcpus = <1>; cpus = <0>; "
		 "image = \"demo.bin\"; entry = <0 0x2000>; memory { region@0 { "
		 "reg = <0 0 0 0x2000>; access = \"%s\"; }; region@2000 { "
		 "reg = <0 0x2000 0 0x1000>; access = \"x\"; }; }; }; };", acc);
	return run("t.dts", text);
}

START_TEST(access_strings)
{
	static const struct { const char *acc; uint32_t flags; } good[] = {
		{ "r", REGION_READ }, { "w", REGION_WRITE }, { "x", REGION_EXEC },
		{ "rw", REGION_READ | REGION_WRITE }, { "rx", REGION_READ | REGION_EXEC },
		{ "wx", REGION_WRITE | REGION_EXEC },
		{ "rwx", REGION_READ | REGION_WRITE | REGION_EXEC },
	};
	static const char *const bad[] = { "xr", "rr", "rwxr", "q", "R" };
	struct sg_system *s;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s = run_access(good[i].acc);
		ASSERT_CLEAN(s);
		ck_assert_uint_eq(s->vms[0].regions[0].flags, good[i].flags);
		free(s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = run_access(bad[i]);
		ck_assert_uint_eq(s->errors, 1);
		ASSERT_REPORTED("/vm@0/memory/region@0: access \"");
		free(s);
	}
}
END_TEST

/* The generated device tree of a Linux VM, checked to be a valid blob. */
static const void *vm_dtb(const struct sg_vm *vm)
{
	ck_assert(vm->is_linux);
	ck_assert_uint_gt(vm->dtb_size, 0);
	ck_assert_int_eq(fdt_check_header(vm->dtb), 0);
	ck_assert_uint_eq(fdt_totalsize(vm->dtb), vm->dtb_size);
	return vm->dtb;
}

/* Returns the offset of the node at path, which must exist. */
static int dt_node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_msg(off >= 0, "no node %s in the device tree", path);
	return off;
}

/* Returns property name of node path and its length, which must exist. */
static const void *dt_prop(const void *fdt, const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(fdt, dt_node(fdt, path), name, len);

	ck_assert_msg(p != NULL, "no property %s in %s", name, path);
	return p;
}

/* Asserts that string property name of node path is `want`. */
static void assert_dt_str(const void *fdt, const char *path, const char *name,
			  const char *want)
{
	int len;
	const char *p = dt_prop(fdt, path, name, &len);

	ck_assert_int_eq(len, (int)strlen(want) + 1);
	ck_assert_str_eq(p, want);
}

/* Asserts that property name of node path holds exactly the n cells want. */
static void assert_dt_cells(const void *fdt, const char *path, const char *name,
			    const uint32_t *want, int n)
{
	int len, i;
	const fdt32_t *p = dt_prop(fdt, path, name, &len);

	ck_assert_int_eq(len, 4 * n);
	for (i = 0; i < n; i++)
		ck_assert_msg(fdt32_to_cpu(p[i]) == want[i], "%s %s cell %d: 0x%x, expected 0x%x",
			      path, name, i, fdt32_to_cpu(p[i]), want[i]);
}

/* Returns the 64-bit property name of node path. */
static uint64_t dt_u64(const void *fdt, const char *path, const char *name)
{
	int len;
	const fdt64_t *p = dt_prop(fdt, path, name, &len);

	ck_assert_int_eq(len, 8);
	return fdt64_to_cpu(*p);
}

/* Asserts that the string list property name of node path contains want. */
static void assert_dt_has(const void *fdt, const char *path, const char *name,
			  const char *want)
{
	int len;
	const char *list = dt_prop(fdt, path, name, &len);

	ck_assert_msg(fdt_stringlist_contains(list, len, want), "%s %s lacks \"%s\"",
		      path, name, want);
}

START_TEST(linux_placement)
{
	struct sg_system *s = run_file("tests/host/sysgen-good/linux.dts");
	const struct sg_vm *v0 = &s->vms[0], *v1 = &s->vms[1], *v2 = &s->vms[2];
	const struct sg_vm *v3 = &s->vms[3];

	ASSERT_CLEAN(s);
	ck_assert(v0->is_linux && v1->is_linux && v2->is_linux && !v3->is_linux);
	ck_assert_uint_eq(v0->entry_ipa, 0x40000000);
	ck_assert_uint_eq(v0->load_ipa, 0x40000000);
	ck_assert_uint_eq(v0->linux_boot.image_size, 30 * MIB);
	ck_assert_uint_eq(v0->linux_boot.initrd_ipa, 0x41e00000);
	ck_assert_uint_eq(v0->linux_boot.dtb_ipa, 0x42200000);
	ck_assert_uint_eq(v0->boot_x0, 0x42200000);
	/* Region base 0x40100000 rounds up to 0x40200000, plus text_offset. */
	ck_assert_uint_eq(v1->entry_ipa, 0x40280000);
	ck_assert_uint_eq(v1->linux_boot.text_offset, 0x80000);
	ck_assert_uint_eq(v1->boot_x0, 0x42200000);
	ck_assert(!v1->file[SG_FILE_INITRD].ok);
	ck_assert_uint_eq(v2->entry_ipa, 0x40000000);
	ck_assert_uint_eq(v2->boot_x0, 0x42200000);
	/* linux2 shares linux0's kernel and initrd. */
	ck_assert_ptr_eq(v2->file[SG_FILE_IMAGE].twin, &v0->file[SG_FILE_IMAGE]);
	ck_assert_ptr_eq(v2->file[SG_FILE_INITRD].twin, &v0->file[SG_FILE_INITRD]);
	ck_assert_ptr_null(v1->file[SG_FILE_IMAGE].twin);
	ck_assert_str_eq(v2->file[SG_FILE_INITRD].label, "numbat_initrd_2");
	/* 4 MiB + Image 1 MiB + Image.80k 8 KiB + initrd 3 MiB + 4 KiB +
	 * demo.bin 8 KiB + three one-page device trees. */
	ck_assert_uint_lt(v0->dtb_size, 4096);
	ck_assert_uint_eq(sg_image_space(s), 8 * MIB + 0x8000);
	ck_assert_uint_eq(v0->devices[0].spi, 1);
	ck_assert(v0->devices[2].has_spi);
	ck_assert_uint_eq(v0->devices[2].spi, 5);
	ck_assert_uint_eq(v3->devices[0].spi, 3);
	ck_assert_uint_eq(v3->boot_x0, 0);
	ck_assert_uint_eq(v1->vgic.dist_ipa, 0x02000000);
	ck_assert_uint_eq(v1->vgic.redist_ipa, 0x020a0000);
	free(s);
}
END_TEST

START_TEST(linux_dt_chosen)
{
	struct sg_system *s = run_file("tests/host/sysgen-good/linux.dts");
	const void *fdt = vm_dtb(&s->vms[0]), *fdt1;

	ASSERT_CLEAN(s);
	assert_dt_str(fdt, "/", "compatible", "linux,dummy-virt");
	assert_dt_str(fdt, "/", "model", "numbat,linux0");
	assert_dt_str(fdt, "/chosen", "bootargs", "console=ttyAMA0 quiet");
	assert_dt_str(fdt, "/chosen", "stdout-path", "/pl011@9000000");
	ck_assert_uint_eq(dt_u64(fdt, "/chosen", "linux,initrd-start"), 0x41e00000);
	ck_assert_uint_eq(dt_u64(fdt, "/chosen", "linux,initrd-end"), 0x41e00000 + 3 * MIB + 5);
	assert_dt_str(fdt, "/aliases", "serial0", "/pl011@9000000");
	assert_dt_str(fdt, "/aliases", "serial1", "/pl011@9040000");
	fdt1 = vm_dtb(&s->vms[1]);
	ck_assert_ptr_null(fdt_getprop(fdt1, dt_node(fdt1, "/chosen"), "bootargs", NULL));
	ck_assert_ptr_null(fdt_getprop(fdt1, dt_node(fdt1, "/chosen"), "linux,initrd-start",
				       NULL));
	free(s);
}
END_TEST

START_TEST(linux_dt_memory_cpus_psci)
{
	static const uint32_t mem0[] = { 0, 0x40000000, 0, 0x08000000 };
	static const uint32_t mem1[] = { 0, 0x50000000, 0, 0x00100000 };
	struct sg_system *s = run_file("tests/host/sysgen-good/linux.dts");
	const void *fdt = vm_dtb(&s->vms[0]);
	int cpus, cpu, count = 0;

	ASSERT_CLEAN(s);
	assert_dt_str(fdt, "/memory@40000000", "device_type", "memory");
	assert_dt_cells(fdt, "/memory@40000000", "reg", mem0, 4);
	assert_dt_cells(fdt, "/memory@50000000", "reg", mem1, 4);
	ck_assert_int_lt(fdt_path_offset(fdt, "/memory@60000000"), 0);  /* read-only */
	cpus = dt_node(fdt, "/cpus");
	fdt_for_each_subnode(cpu, fdt, cpus) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%d", count);
		ck_assert_int_eq(cpu, dt_node(fdt, path));
		assert_dt_str(fdt, path, "enable-method", "psci");
		assert_dt_str(fdt, path, "device_type", "cpu");
		assert_dt_cells(fdt, path, "reg", (uint32_t[]){ (uint32_t)count }, 1);
		count++;
	}
	ck_assert_int_eq(count, 2);
	assert_dt_cells(fdt, "/cpus", "#address-cells", (uint32_t[]){ 1 }, 1);
	assert_dt_cells(fdt, "/cpus", "#size-cells", (uint32_t[]){ 0 }, 1);
	assert_dt_str(fdt, "/psci", "method", "hvc");
	assert_dt_has(fdt, "/psci", "compatible", "arm,psci-1.0");
	assert_dt_has(fdt, "/psci", "compatible", "arm,psci-0.2");
	free(s);
}
END_TEST

START_TEST(linux_dt_gicv3_timer)
{
	static const uint32_t reg0[] = { 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0x40000 };
	static const uint32_t reg1[] = { 0, 0x02000000, 0, 0x10000, 0, 0x020a0000, 0, 0x20000 };
	static const uint32_t timer[] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };
	struct sg_system *s = run_file("tests/host/sysgen-good/linux.dts");
	const void *fdt = vm_dtb(&s->vms[0]), *fdt1 = vm_dtb(&s->vms[1]);
	uint32_t gic;

	ASSERT_CLEAN(s);
	assert_dt_str(fdt, "/intc@8000000", "compatible", "arm,gic-v3");
	assert_dt_cells(fdt, "/intc@8000000", "reg", reg0, 8);
	assert_dt_cells(fdt, "/intc@8000000", "#interrupt-cells", (uint32_t[]){ 3 }, 1);
	ck_assert_ptr_nonnull(fdt_getprop(fdt, dt_node(fdt, "/intc@8000000"),
					  "interrupt-controller", NULL));
	gic = fdt_get_phandle(fdt, dt_node(fdt, "/intc@8000000"));
	ck_assert_uint_ne(gic, 0);
	assert_dt_cells(fdt, "/", "interrupt-parent", &gic, 1);
	assert_dt_cells(fdt, "/", "#address-cells", (uint32_t[]){ 2 }, 1);
	assert_dt_cells(fdt, "/", "#size-cells", (uint32_t[]){ 2 }, 1);
	assert_dt_str(fdt, "/timer", "compatible", "arm,armv8-timer");
	assert_dt_cells(fdt, "/timer", "interrupts", timer, 12);
	ck_assert_ptr_nonnull(fdt_getprop(fdt, dt_node(fdt, "/timer"), "always-on", NULL));
	/* linux1 moved its vGIC; one vCPU has one redistributor. */
	assert_dt_cells(fdt1, "/intc@2000000", "reg", reg1, 8);
	free(s);
}
END_TEST

START_TEST(linux_dt_pl011)
{
	static const uint32_t reg[] = { 0, 0x09040000, 0, 0x1000 };
	struct sg_system *s = run_file("tests/host/sysgen-good/linux.dts");
	const void *fdt = vm_dtb(&s->vms[0]);
	const char *uart = "/pl011@9040000";
	uint32_t clk;
	int node, len;

	ASSERT_CLEAN(s);
	assert_dt_has(fdt, uart, "compatible", "arm,pl011");
	assert_dt_has(fdt, uart, "compatible", "arm,primecell");
	assert_dt_cells(fdt, uart, "reg", reg, 4);
	assert_dt_cells(fdt, uart, "interrupts", (uint32_t[]){ 0, 2, 4 }, 3);
	assert_dt_cells(fdt, "/pl011@9000000", "interrupts", (uint32_t[]){ 0, 1, 4 }, 3);
	clk = fdt_get_phandle(fdt, dt_node(fdt, "/apb-pclk"));
	ck_assert_uint_ne(clk, 0);
	assert_dt_cells(fdt, uart, "clocks", (uint32_t[]){ clk, clk }, 2);
	ck_assert_int_eq(fdt_stringlist_count(fdt, dt_node(fdt, uart), "clock-names"), 2);
	ck_assert_str_eq(fdt_stringlist_get(fdt, dt_node(fdt, uart), "clock-names", 0, &len),
			 "uartclk");
	ck_assert_str_eq(fdt_stringlist_get(fdt, dt_node(fdt, uart), "clock-names", 1, &len),
			 "apb_pclk");
	assert_dt_str(fdt, "/apb-pclk", "compatible", "fixed-clock");
	assert_dt_cells(fdt, "/apb-pclk", "clock-frequency", (uint32_t[]){ 24000000 }, 1);
	assert_dt_cells(fdt, "/apb-pclk", "#clock-cells", (uint32_t[]){ 0 }, 1);
	/* The numbat test device is not described to Linux. */
	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);

		ck_assert_msg(strncmp(name, "test", 4) != 0, "test device %s described", name);
	}
	free(s);
}
END_TEST

START_TEST(linux_dt_gicv2)
{
	static const uint32_t reg[] = { 0, 0x08000000, 0, 0x1000, 0, 0x08020000, 0, 0x2000 };
	/* Both vCPUs in the PPI CPU mask (bits 15:8), level high. */
	static const uint32_t timer[] = { 1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304,
					  1, 10, 0x304 };
	struct sg_system *s = run_file("tests/host/sysgen-good/linux-gicv2.dts");
	const void *fdt = vm_dtb(&s->vms[0]);

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(s->gic_version, 2);
	ck_assert_uint_eq(s->vms[0].vgic.cpuif_ipa, 0x08020000);
	assert_dt_str(fdt, "/intc@8000000", "compatible", "arm,cortex-a15-gic");
	assert_dt_cells(fdt, "/intc@8000000", "reg", reg, 8);
	assert_dt_cells(fdt, "/intc@8000000", "#interrupt-cells", (uint32_t[]){ 3 }, 1);
	assert_dt_cells(fdt, "/timer", "interrupts", timer, 12);
	free(s);
}
END_TEST

/* A Linux VM with Image, initrd.img and a PL011, in a 64 MiB region at 1 GiB. */
#define LINUX_VM(unit) "vm@" unit " { vcpus = <1>; cpus = <0>; kernel = \"Image\"; " \
	"initrd = \"initrd.img\"; memory { region@0 { reg = <0 0x40000000 0 0x4000000>; }; }; " \
	"devices { uart { compatible = \"arm,pl011\"; reg = <0 0x9000000 0 0x1000>; " \
	"interrupts = <1>; }; }; }; "

START_TEST(hypervisor_counts_linux_files)
{
	/* 4 MiB + Image 1 MiB + initrd 3 MiB + 4 KiB + one device tree page. */
	struct sg_system *s = run("t.dts", HEAD "hypervisor { memory-size = <0 0x802000>; }; "
				  LINUX_VM("0") "};");

	ASSERT_CLEAN(s);
	ck_assert_uint_eq(sg_image_space(s), 0x802000);
	free(s);
	s = run("t.dts", HEAD "hypervisor { memory-size = <0 0x801000>; }; " LINUX_VM("0") "};");
	ck_assert_uint_eq(s->errors, 1);
	ASSERT_REPORTED("/hypervisor: hypervisor memory-size too small for the VM images "
			"(8396800 bytes needed");
	free(s);
}
END_TEST

START_TEST(linux_errors_name_the_vm)
{
	/* Kernel and image both, bootargs on a native VM, a SPI twice. */
	struct sg_system *s = run("t.dts", HEAD "vm@0 { vcpus = <1>; cpus = <0>; "
				  "kernel = \"Image\"; image = \"demo.bin\"; memory { region@0 { "
				  "reg = <0 0x40000000 0 0x4000000>; }; }; }; "
				  "vm@1 { vcpus = <1>; cpus = <1>; image = \"demo.bin\"; "
				  "bootargs = \"quiet\"; memory { region@0 { reg = <0 0 0 0x10000>; "
				  "}; }; devices { a { compatible = \"arm,pl011\"; "
				  "reg = <0 0x9000000 0 0x1000>; interrupts = <7>; }; b { "
				  "compatible = \"numbat,test-device\"; reg = <0 0x9100000 0 0x1000>; "
				  "interrupts = <7>; }; }; }; };");

	ck_assert_uint_eq(s->errors, 3);
	ASSERT_REPORTED("t.dts: /vm@0: both image and kernel");
	ASSERT_REPORTED("t.dts: /vm@1: bootargs: only a Linux VM");
	ASSERT_REPORTED("t.dts: /vm@1/devices/b: interrupts = <7>: SPI 7 is already used by "
			"/vm@1/devices/a\n");
	free(s);
}
END_TEST

/* Registers the sysgen and sysgen_linux suites. */
void host_tests_init(void)
{
	Suite *s = host_suite("sysgen");
	Suite *l = host_suite("sysgen_linux");

	HOST_TEST(s, default_system);
	HOST_TEST(s, short_blob_refused);
	HOST_TEST(s, old_version_blob_refused);
	HOST_TEST(s, placement_first_fit);
	HOST_TEST(s, placement_defaults_and_flags);
	HOST_TEST(s, hypervisor_fits_images_exactly);
	HOST_TEST(s, hypervisor_one_page_short);
	HOST_TEST(s, ram_fits_exactly);
	HOST_TEST(s, ram_exhausted);
	HOST_TEST(s, ipa_limit);
	HOST_TEST(s, all_errors_reported);
	HOST_TEST(s, access_strings);
	HOST_TEST(l, linux_placement);
	HOST_TEST(l, linux_dt_chosen);
	HOST_TEST(l, linux_dt_memory_cpus_psci);
	HOST_TEST(l, linux_dt_gicv3_timer);
	HOST_TEST(l, linux_dt_pl011);
	HOST_TEST(l, linux_dt_gicv2);
	HOST_TEST(l, hypervisor_counts_linux_files);
	HOST_TEST(l, linux_errors_name_the_vm);
}
