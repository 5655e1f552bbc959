/*
 * sysgen: command line. Reads a system description DTB, checks it, and
 * writes config.c, images.S and a depfile -- all of them or none.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysgen.h"

#define SG_DTB_MAX (16u * 1024u * 1024u)

struct options {
	const char *source;
	const char *image_dir;
	const char *linux_dir;
	const char *dtb_dir;    /* where Linux VMs' device trees go; NULL: none */
	char dtb_abs[PATH_MAX]; /* dtb_dir, absolute (images.S includes them) */
	const char *config;
	const char *images;
	const char *depfile;
	const char *dtb;
};

/* The kinds of output, in the order they are written. */
enum output_kind { OUT_CONFIG, OUT_IMAGES, OUT_DEPFILE, OUT_DTB };

#define MAX_OUTPUTS (3 + CONFIG_MAX_VMS)

/* An output being written to a temporary file next to its final name. */
struct output {
	enum output_kind kind;
	const char *path;
	char path_buf[PATH_MAX];  /* path, for the device trees */
	const struct sg_vm *vm;   /* OUT_DTB: whose */
	char tmp[PATH_MAX + 32];
	FILE *f;
};

/* Prints how to call sysgen. */
static void usage(FILE *f)
{
	fprintf(f, "usage: sysgen [--source FILE.dts] [--image-dir DIR] [--linux-dir DIR]\n"
		   "              [--config OUT.c] [--images OUT.S] [--depfile OUT.d]\n"
		   "              [--dtb-dir DIR] SYSTEM.dtb\n"
		   "Checks a numbat system description; writes the outputs named only if\n"
		   "it is valid. Without outputs it only checks. Linux VMs' device trees go\n"
		   "to DIR/<vm-name>.dtb (default DIR: the directory of OUT.S).\n"
		   "See docs/SYSTEM-DESCRIPTION.md.\n");
}

/* Parses argv into o; returns 0, 1 after --help, or -1 on a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "image-dir", required_argument, NULL, 'i' },
		{ "linux-dir", required_argument, NULL, 'l' },
		{ "dtb-dir", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'c' },
		{ "images", required_argument, NULL, 'S' },
		{ "depfile", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->image_dir = ".";
	o->linux_dir = SG_LINUX_DIR;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->source = optarg; break;
		case 'i': o->image_dir = optarg; break;
		case 'l': o->linux_dir = optarg; break;
		case 'D': o->dtb_dir = optarg; break;
		case 'c': o->config = optarg; break;
		case 'S': o->images = optarg; break;
		case 'd': o->depfile = optarg; break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	}
	if (optind != argc - 1 || (o->depfile && !o->config && !o->images))
		return -1;
	o->dtb = argv[optind];
	if (!o->source)
		o->source = o->dtb;
	return 0;
}

/* Reads the whole file at path into a malloc'ed buffer; NULL on failure. */
static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(SG_DTB_MAX);
	n = buf ? fread(buf, 1, SG_DTB_MAX, f) : 0;
	if (!buf || ferror(f) || n == SG_DTB_MAX) {
		free(buf);
		buf = NULL;
		errno = n == SG_DTB_MAX ? EFBIG : (errno ? errno : EIO);
	}
	fclose(f);
	*size = n;
	return buf;
}

/* Opens a temporary file for out->path; returns 0 or -1 (reported). */
static int output_open(struct output *out)
{
	snprintf(out->tmp, sizeof(out->tmp), "%s.tmp%ld", out->path, (long)getpid());
	out->f = fopen(out->tmp, "w");
	if (!out->f)
		fprintf(stderr, "sysgen: %s: %s\n", out->tmp, strerror(errno));
	return out->f ? 0 : -1;
}

/* Closes the temporary file; returns 0 if everything reached it. */
static int output_close(struct output *out, int rc)
{
	if (fclose(out->f) != 0 || rc != 0) {
		fprintf(stderr, "sysgen: writing %s failed\n", out->tmp);
		return -1;
	}
	return 0;
}

/* Writes output out of the system. */
static int write_one(const struct sg_system *s, const struct options *o,
		     const struct output *outs, int count, struct output *out)
{
	const char *targets[MAX_OUTPUTS];
	int i, n = 0;

	if (output_open(out) != 0)
		return -1;
	switch (out->kind) {
	case OUT_CONFIG:
		return output_close(out, sg_emit_config(s, out->f));
	case OUT_IMAGES:
		return output_close(out, sg_emit_images(s, out->f, o->dtb_abs));
	case OUT_DTB:
		return output_close(out, sg_emit_dtb(out->vm, out->f));
	case OUT_DEPFILE:
		break;
	}
	for (i = 0; i < count; i++)
		if (outs[i].kind != OUT_DEPFILE)
			targets[n++] = outs[i].path;
	return output_close(out, sg_emit_depfile(s, out->f, targets, n));
}

/*
 * Lists the outputs o asks for: config.c, images.S, one device tree per
 * Linux VM (if there is a device tree directory), and the depfile last (it
 * names the others as targets). Returns how many, or -1 (reported).
 */
static int list_outputs(const struct sg_system *s, struct options *o, struct output *outs)
{
	int n = 0;
	uint32_t i;

	if (o->config)
		outs[n++] = (struct output){ .kind = OUT_CONFIG, .path = o->config };
	if (o->images)
		outs[n++] = (struct output){ .kind = OUT_IMAGES, .path = o->images };
	if (!o->dtb_dir && o->images) {
		static char images_dir[PATH_MAX];

		snprintf(images_dir, sizeof(images_dir), "%s", o->images);
		o->dtb_dir = dirname(images_dir);
	}
	if (o->dtb_dir && !realpath(o->dtb_dir, o->dtb_abs)) {
		fprintf(stderr, "sysgen: %s: %s\n", o->dtb_dir, strerror(errno));
		return -1;
	}
	for (i = 0; o->dtb_dir && i < s->vm_count; i++) {
		struct output *out = &outs[n];

		if (!s->vms[i].is_linux)
			continue;
		n++;
		*out = (struct output){ .kind = OUT_DTB, .vm = &s->vms[i] };
		snprintf(out->path_buf, sizeof(out->path_buf), "%s/%s.dtb", o->dtb_dir,
			 s->vms[i].name);
		out->path = out->path_buf;
	}
	if (o->depfile)
		outs[n++] = (struct output){ .kind = OUT_DEPFILE, .path = o->depfile };
	return n;
}

/*
 * Writes every requested output to a temporary file, then renames them all
 * into place; on any failure removes the temporaries and returns -1.
 */
static int write_outputs(const struct sg_system *s, struct options *o)
{
	static struct output outs[MAX_OUTPUTS];
	int count = list_outputs(s, o, outs);
	int i, rc = count < 0 ? -1 : 0;

	for (i = 0; i < count && rc == 0; i++)
		rc = write_one(s, o, outs, count, &outs[i]);
	for (i = 0; i < count && rc == 0; i++) {
		if (rename(outs[i].tmp, outs[i].path) != 0) {
			fprintf(stderr, "sysgen: %s: %s\n", outs[i].path, strerror(errno));
			rc = -1;
		}
	}
	for (i = 0; i < count; i++)
		if (outs[i].f)
			unlink(outs[i].tmp);
	return rc;
}

/* Exit status: 0 written (or checked), 1 invalid description or I/O error, 2 usage. */
int main(int argc, char **argv)
{
	static struct sg_system sys;
	struct options o;
	size_t size;
	void *fdt;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0) {
		if (rc < 0)
			usage(stderr);
		return rc < 0 ? 2 : 0;
	}
	fdt = read_file(o.dtb, &size);
	if (!fdt) {
		fprintf(stderr, "sysgen: %s: %s\n", o.dtb, strerror(errno));
		return 1;
	}
	sg_init(&sys, o.source, o.image_dir, stderr);
	sys.linux_dir = o.linux_dir;
	if (sg_process(&sys, fdt, size) != 0) {
		fprintf(stderr, "sysgen: %s: %u error(s); nothing written\n", o.source,
			sys.errors);
		free(fdt);
		return 1;
	}
	rc = write_outputs(&sys, &o);
	free(fdt);
	return rc == 0 ? 0 : 1;
}
