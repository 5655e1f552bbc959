/*
 * Host tests of tools/sysgen's parse, check and place phases: valid
 * descriptions are compiled with dtc and run in-process, and the resulting
 * model (placement, defaults, flags, messages) is asserted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "sysgen.h"

#define MIB (1024ull * 1024ull)

/* Images every run can name: demo.bin (5000 bytes), big.bin (3 MiB + 1). */
static const struct { const char *name; off_t size; } test_images[] = {
	{ "demo.bin", 5000 },
	{ "big.bin", 3 * MIB + 1 },
};

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
	ck_assert_int_eq(v1->image_twin, 0);
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
	ck_assert_uint_eq(v0->devices[0].size, 0x2000);
	ck_assert_uint_eq(v1->vcpu_count, 2);
	ck_assert_uint_eq(v1->vcpu_pcpu[0], 1);
	ck_assert_uint_eq(v1->vcpu_pcpu[1], 0);
	ck_assert_uint_eq(v1->load_ipa, 0x40001000);
	ck_assert_uint_eq(v1->entry_ipa, 0x40001100);
	ck_assert_uint_eq(v1->fault_policy, FAULT_STOP);
	ck_assert_uint_eq(v1->image_size, 5000);
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

/* Registers the sysgen suite. */
void host_tests_init(void)
{
	Suite *s = host_suite("sysgen");

	HOST_TEST(s, default_system);
	HOST_TEST(s, placement_first_fit);
	HOST_TEST(s, placement_defaults_and_flags);
	HOST_TEST(s, hypervisor_fits_images_exactly);
	HOST_TEST(s, hypervisor_one_page_short);
	HOST_TEST(s, ram_fits_exactly);
	HOST_TEST(s, ram_exhausted);
	HOST_TEST(s, ipa_limit);
	HOST_TEST(s, all_errors_reported);
	HOST_TEST(s, access_strings);
}
