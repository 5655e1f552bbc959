/*
 * sysgen: a Linux VM's boot, by the arm64 boot protocol (Linux
 * Documentation/arch/arm64/booting.rst): the Image header is checked, the
 * kernel, initrd and device tree are placed in the VM's first memory region,
 * and the device tree is generated (guest_dt.c).
 */
#include <stdarg.h>
#include <string.h>

#include "sysgen.h"

#define ULL(v) ((unsigned long long)(v))

/* The arm64 Image header: 64 bytes, little-endian fields. */
#define IMAGE_HEADER_SIZE     64
#define IMAGE_TEXT_OFFSET     0x08
#define IMAGE_SIZE            0x10
#define IMAGE_FLAGS           0x18
#define IMAGE_MAGIC_OFFSET    0x38
#define IMAGE_MAGIC           "ARM\x64"
#define IMAGE_FLAG_BE         (1ull << 0)   /* kernel is big-endian */
#define IMAGE_FLAG_PAGE_SHIFT 1             /* bits 1-2: page size */
#define IMAGE_FLAG_PAGE_MASK  (3ull << IMAGE_FLAG_PAGE_SHIFT)
#define IMAGE_PAGE_4K         1             /* 0 is "unspecified" */

#define SG_GIB                (1024ull * SG_MIB)
/* The initrd must lie in a 1 GiB aligned window of up to 32 GiB holding the kernel. */
#define INITRD_WINDOW         (32 * SG_GIB)

_Static_assert(SG_DTB_BUF <= 2 * SG_MIB, "Linux takes a device tree of at most 2 MiB");

/* Reads the little-endian 64-bit value at p. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Reports a problem with vm's kernel: "kernel '<path>' <message>". */
static void kernel_error(struct sg_system *s, const struct sg_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void kernel_error(struct sg_system *s, const struct sg_vm *vm, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sg_error(s, vm->path, "kernel '%s' %s", vm->file[SG_FILE_IMAGE].path, msg);
}

/* Checks the header fields h of the kernel of vm; returns true if bootable. */
static bool check_header(struct sg_system *s, struct sg_vm *vm, const uint8_t *h)
{
	uint64_t text_offset = le64(h + IMAGE_TEXT_OFFSET);
	uint64_t image_size = le64(h + IMAGE_SIZE);
	uint64_t flags = le64(h + IMAGE_FLAGS);
	uint64_t file_size = vm->file[SG_FILE_IMAGE].size;
	uint64_t page = (flags & IMAGE_FLAG_PAGE_MASK) >> IMAGE_FLAG_PAGE_SHIFT;

	if (h[0] == 0x1f && h[1] == 0x8b) {
		kernel_error(s, vm, "is gzip-compressed (a vmlinuz); give the decompressed Image");
		return false;
	}
	if (memcmp(h + IMAGE_MAGIC_OFFSET, IMAGE_MAGIC, 4) != 0) {
		kernel_error(s, vm, "is not an arm64 Image: no \"ARM\\x64\" magic at offset 0x%x",
			     IMAGE_MAGIC_OFFSET);
		return false;
	}
	if (image_size == 0) {
		kernel_error(s, vm, "has image_size 0 (a kernel older than Linux 3.17): its "
			     "memory footprint is unknown, so numbat cannot place it");
		return false;
	}
	if (flags & IMAGE_FLAG_BE) {
		kernel_error(s, vm, "is big-endian (header flags 0x%llx, bit 0); numbat boots "
			     "little-endian kernels", ULL(flags));
		return false;
	}
	if (page > IMAGE_PAGE_4K) {
		kernel_error(s, vm, "is built for %s KiB pages (header flags bits 1-2); numbat "
			     "boots 4 KiB-page kernels", page == 2 ? "16" : "64");
		return false;
	}
	if (text_offset % CONFIG_PAGE_SIZE || text_offset >= SG_BLOCK_SIZE) {
		kernel_error(s, vm, "has text_offset 0x%llx; expected a multiple of 4 KiB "
			     "below 2 MiB", ULL(text_offset));
		return false;
	}
	if (image_size < file_size || image_size > SG_IPA_LIMIT) {
		kernel_error(s, vm, "has image_size 0x%llx, but the file is 0x%llx bytes",
			     ULL(image_size), ULL(file_size));
		return false;
	}
	vm->linux_boot.text_offset = text_offset;
	vm->linux_boot.image_size = image_size;
	return true;
}

/* Reads and checks the Image header of vm's kernel; returns true if bootable. */
static bool read_header(struct sg_system *s, struct sg_vm *vm)
{
	const struct sg_file *k = &vm->file[SG_FILE_IMAGE];
	uint8_t h[IMAGE_HEADER_SIZE];
	FILE *f;
	size_t n;

	if (k->size < IMAGE_HEADER_SIZE) {
		kernel_error(s, vm, "is %llu bytes, too short for an arm64 Image header (%d bytes)",
			     ULL(k->size), IMAGE_HEADER_SIZE);
		return false;
	}
	f = fopen(k->path, "rb");
	n = f ? fread(h, 1, sizeof(h), f) : 0;
	if (f)
		fclose(f);
	if (n != sizeof(h)) {
		kernel_error(s, vm, "could not be read");
		return false;
	}
	return check_header(s, vm, h);
}

/* Checks that the first region can hold a kernel: valid and rwx. */
static const struct sg_region *boot_region(struct sg_system *s, const struct sg_vm *vm)
{
	const struct sg_region *r = &vm->regions[0];
	uint32_t all = REGION_READ | REGION_WRITE | REGION_EXEC;

	if (vm->region_count == 0 || !r->ok)
		return NULL;
	if ((r->flags & all) != all) {
		char acc[4];


		sg_error(s, r->path, "access \"%s\": a Linux VM's first region holds its kernel, "
			 "initrd and device tree, so it must be \"rwx\"",
			 sg_access_string(r->flags, acc));
		return NULL;
	}
	return r;
}

/*
 * Reports that the boot files of vm, ending at IPA `end`, do not fit in
 * region r, naming each file's place and size.
 */
static void report_no_fit(struct sg_system *s, const struct sg_vm *vm,
			  const struct sg_region *r, uint64_t end)
{
	const struct sg_linux *l = &vm->linux_boot;
	const struct sg_file *initrd = &vm->file[SG_FILE_INITRD];
	char itext[PATH_MAX + 96] = "";

	if (initrd->ok)
		snprintf(itext, sizeof(itext), ", initrd '%s' (0x%llx bytes at 0x%llx)",
			 initrd->name, ULL(initrd->size), ULL(l->initrd_ipa));
	sg_error(s, vm->path, "kernel '%s' (image_size 0x%llx at 0x%llx)%s and device tree "
		 "(0x%x bytes at 0x%llx) end at 0x%llx, beyond %s (IPA 0x%llx-0x%llx, "
		 "0x%llx bytes)", vm->file[SG_FILE_IMAGE].name, ULL(l->image_size),
		 ULL(l->kernel_ipa), itext, vm->dtb_size, ULL(l->dtb_ipa), ULL(end - 1),
		 r->path, ULL(r->ipa), ULL(r->ipa + r->size - 1), ULL(r->size));
}

/*
 * Places the kernel at the 2 MiB aligned base of region r plus text_offset,
 * the initrd at the next 2 MiB boundary after the kernel's image_size, and
 * the device tree at the next one after that, generating the device tree
 * (its initrd range depends on the placement). Reports what does not fit.
 */
static void place_boot(struct sg_system *s, struct sg_vm *vm, const struct sg_region *r)
{
	struct sg_linux *l = &vm->linux_boot;
	const struct sg_file *initrd = &vm->file[SG_FILE_INITRD];
	uint64_t end, region_end = r->ipa + r->size;
	const char *err;

	l->kernel_ipa = sg_align_up(r->ipa, SG_BLOCK_SIZE) + l->text_offset;
	end = l->kernel_ipa + l->image_size;
	if (initrd->ok) {
		l->initrd_ipa = sg_align_up(end, SG_BLOCK_SIZE);
		end = l->initrd_ipa + initrd->size;
	}
	l->dtb_ipa = sg_align_up(end, SG_BLOCK_SIZE);
	err = sg_guest_dtb(s, vm);
	if (err) {
		sg_error(s, vm->path, "generating the device tree failed: %s", err);
		return;
	}
	end = l->dtb_ipa + vm->dtb_size;
	if (end > region_end) {
		report_no_fit(s, vm, r, end);
		return;
	}
	if (initrd->ok && l->initrd_ipa + initrd->size -
	    (l->kernel_ipa & ~(SG_GIB - 1)) > INITRD_WINDOW) {
		sg_error(s, vm->path, "initrd '%s' ends more than 32 GiB above the 1 GiB boundary "
			 "below the kernel; Linux cannot map it", initrd->name);
		return;
	}
	l->placed = true;
	vm->load_ipa = l->kernel_ipa;
	vm->entry_ipa = l->kernel_ipa;
	vm->boot_x0 = l->dtb_ipa;
}

/*
 * Checks a Linux VM's kernel and first region and places its boot files:
 * entry_ipa is the kernel's load address, boot_x0 the device tree's IPA.
 * Expects the VM's files resolved and its layout checked.
 */
void sg_check_linux(struct sg_system *s, struct sg_vm *vm)
{
	const struct sg_region *r = boot_region(s, vm);

	if (!vm->file[SG_FILE_IMAGE].ok || !read_header(s, vm) || !r)
		return;
	if (vm->file[SG_FILE_INITRD].name[0] && !vm->file[SG_FILE_INITRD].ok)
		return;
	place_boot(s, vm, r);
}
