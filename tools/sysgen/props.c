/*
 * sysgen: error reporting and typed, checked reads of device-tree properties.
 * Every reader reports a malformed property itself, naming node and property.
 */
#include <stdarg.h>
#include <string.h>

#include <libfdt.h>

#include <numbat/abi.h>

#include "sysgen.h"

/*
 * Emulated device models; add a line here (and its enum device_type value in
 * config.h) to support another. guest_node describes it to Linux VMs.
 */
static const struct sg_device_model device_models[] = {
	{ .compatible = "numbat,test-device", .enum_name = "DEVICE_TEST",
	  .type = DEVICE_TEST, .min_size = TESTDEV_SIZE },
	{ .compatible = "arm,pl011", .enum_name = "DEVICE_PL011", .type = DEVICE_PL011,
	  .min_size = 0x1000, .dt_node = "pl011", .console = true,
	  .guest_node = sg_guest_dt_pl011 },
	{ .compatible = "arm,sp805", .enum_name = "DEVICE_SP805", .type = DEVICE_SP805,
	  .min_size = 0x1000, .dt_node = "watchdog", .guest_node = sg_guest_dt_sp805 },
	/* virtio-mmio devices (devices/virtio_mmio.c): endpoints of links. */
	{ .compatible = "virtio,net", .enum_name = "DEVICE_VIRTIO_NET",
	  .type = DEVICE_VIRTIO_NET, .min_size = 0x1000, .dt_node = "virtio_mmio",
	  .guest_node = sg_guest_dt_virtio },
	{ .compatible = "virtio,vsock", .enum_name = "DEVICE_VIRTIO_VSOCK",
	  .type = DEVICE_VIRTIO_VSOCK, .min_size = 0x1000, .dt_node = "virtio_mmio",
	  .guest_node = sg_guest_dt_virtio },
	{ .compatible = "virtio,block", .enum_name = "DEVICE_VIRTIO_BLK",
	  .type = DEVICE_VIRTIO_BLK, .min_size = 0x1000, .dt_node = "virtio_mmio",
	  .guest_node = sg_guest_dt_passthrough },
	{ .compatible = "numbat,block-server", .enum_name = "DEVICE_BLK_SERVER",
	  .type = DEVICE_BLK_SERVER, .min_size = 0x1000 },
};

/* Properties any node may carry: dtc adds them for &label references. */
static const char *const standard_props[] = { "phandle", "linux,phandle", NULL };

/*
 * Prints "source: path: message" on the error stream and counts the error.
 */
void sg_error(struct sg_system *s, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(s->err, "%s: %s: ", s->source, path);
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
	s->errors++;
}

/* Fills n for the node at offset off, including its full path. */
void sg_node_init(struct sg_node *n, struct sg_system *s, const void *fdt, int off)
{
	n->sys = s;
	n->fdt = fdt;
	n->off = off;
	if (fdt_get_path(fdt, off, n->path, sizeof(n->path)) < 0)
		snprintf(n->path, sizeof(n->path), "%s", fdt_get_name(fdt, off, NULL));
}

/* Reports every child node of n: the caller's node has none. */
void sg_no_children(const struct sg_node *n)
{
	int child;

	fdt_for_each_subnode(child, n->fdt, n->off) {
		struct sg_node c;

		sg_node_init(&c, n->sys, n->fdt, child);
		sg_error(n->sys, c.path, "unknown node (%s has no child nodes)", n->path);
	}
}

/* Returns true if name is in the NULL-terminated list. */
static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/*
 * Reports every property of n that is neither in `allowed` (NULL-terminated)
 * nor a standard one, so a misspelt property is never silently ignored.
 */
void sg_check_props(const struct sg_node *n, const char *const *allowed)
{
	int prop;

	fdt_for_each_property_offset(prop, n->fdt, n->off) {
		const char *name = NULL;

		if (!fdt_getprop_by_offset(n->fdt, prop, &name, NULL) || !name)
			continue;
		if (!in_list(name, allowed) && !in_list(name, standard_props))
			sg_error(n->sys, n->path, "unknown property '%s'%s", name,
				 strcmp(name, "name") == 0 ? " (a VM's name is vm-name)" : "");
	}
}

/*
 * Reports a missing required property. rc is what its reader returned;
 * returns true if the property was present and valid.
 */
bool sg_require(const struct sg_node *n, const char *name, int rc)
{
	if (rc == SG_ABSENT)
		sg_error(n->sys, n->path, "missing required property '%s'", name);
	return rc == SG_OK;
}

/*
 * Looks up property name and checks it holds exactly `cells` 32-bit cells;
 * `shape` describes the expected value in the error message.
 */
static int get_cells(const struct sg_node *n, const char *name, int cells,
		     const char *shape, const fdt32_t **out)
{
	int len;
	const fdt32_t *p = fdt_getprop(n->fdt, n->off, name, &len);

	if (!p)
		return SG_ABSENT;
	if (len != cells * 4) {
		sg_error(n->sys, n->path, "property '%s' must be %s, found %d byte(s)",
			 name, shape, len);
		return SG_BAD;
	}
	*out = p;
	return SG_OK;
}

/* Reads a one-cell property. */
int sg_read_u32(const struct sg_node *n, const char *name, uint32_t *v)
{
	const fdt32_t *p;
	int rc = get_cells(n, name, 1, "one cell, e.g. <2>", &p);

	if (rc == SG_OK)
		*v = fdt32_to_cpu(p[0]);
	return rc;
}

/* Joins two big-endian cells into a 64-bit value. */
static uint64_t cells64(const fdt32_t *p)
{
	return ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
}

/* Reads a two-cell (64-bit) property. */
int sg_read_u64(const struct sg_node *n, const char *name, uint64_t *v)
{
	const fdt32_t *p;
	int rc = get_cells(n, name, 2, "2 cells (a 64-bit value <hi lo>)", &p);

	if (rc == SG_OK)
		*v = cells64(p);
	return rc;
}

/* Reads a four-cell property: 64-bit base then 64-bit size. */
int sg_read_range(const struct sg_node *n, const char *name, uint64_t *base, uint64_t *size)
{
	const fdt32_t *p;
	int rc = get_cells(n, name, 4, "4 cells (64-bit base, 64-bit size)", &p);

	if (rc == SG_OK) {
		*base = cells64(p);
		*size = cells64(p + 2);
	}
	return rc;
}

/*
 * Reads a list of 1..max cells into v and stores the count. A list of the
 * wrong length is reported.
 */
int sg_read_u32_list(const struct sg_node *n, const char *name, uint32_t *v,
		     int max, int *count)
{
	int len, i;
	const fdt32_t *p = fdt_getprop(n->fdt, n->off, name, &len);

	if (!p)
		return SG_ABSENT;
	if (len == 0 || len % 4 != 0 || len / 4 > max) {
		sg_error(n->sys, n->path, "property '%s' must be 1 to %d cells, found %d byte(s)",
			 name, max, len);
		return SG_BAD;
	}
	*count = len / 4;
	for (i = 0; i < *count; i++)
		v[i] = fdt32_to_cpu(p[i]);
	return SG_OK;
}

/* Reads a property holding exactly one non-empty string. */
int sg_read_string(const struct sg_node *n, const char *name, const char **v)
{
	int len;
	const char *p = fdt_getprop(n->fdt, n->off, name, &len);

	if (!p)
		return SG_ABSENT;
	if (len < 2 || p[len - 1] != '\0' || strlen(p) != (size_t)len - 1) {
		sg_error(n->sys, n->path, "property '%s' must be one non-empty string", name);
		return SG_BAD;
	}
	*v = p;
	return SG_OK;
}

/* True if node name is `base` or `base@unit`. */
bool sg_is_node(const char *name, const char *base)
{
	size_t len = strlen(base);

	return strncmp(name, base, len) == 0 && (name[len] == '\0' || name[len] == '@');
}

/* Returns the device model with this compatible string, or NULL. */
const struct sg_device_model *sg_device_model(const char *compatible)
{
	size_t i;

	for (i = 0; i < sizeof(device_models) / sizeof(device_models[0]); i++)
		if (strcmp(device_models[i].compatible, compatible) == 0)
			return &device_models[i];
	return NULL;
}
