/*
 * sysgen: block links and the disk server's end.
 *
 *   links {
 *       disk0 {
 *           type = "block";
 *           endpoints = <&linux0_disk &diskd_srv>;  // the disk, then the server's end
 *       };
 *   };
 *
 * The disk is a "virtio,block" device of a VM (Linux sees /dev/vda); the
 * server's end a "numbat,block-server" device of the disk-server VM
 * (include/numbat/blksrv.h), whose node takes
 *   mode = "write-through" | "rapilog" | "unsafe";   // default write-through
 *   disk-write-kib-s = <N>;   // the real disk's sustained write rate (default 20480)
 *   disk-write-iops = <N>;    // its write operations a second (default: no limit)
 * A RapiLog server's buffer bound is what the disk writes in 3/4 of the
 * power-fail drain budget (the power-fail node must name its VM): a full
 * buffer drains before the supply fails. Both bounds hold: bytes, and
 * for a disk limited by operations (a rotating disk: ~150 a second)
 * requests, since diskd writes each buffered request as one operation and
 * a buffer of small ones drains at the operation rate, not the byte rate. "unsafe" is RapiLog with no
 * drain at power-fail: the control run that must lose commits.
 */
#include <string.h>

#include <libfdt.h>

#include <numbat/blksrv.h>

#include "sysgen.h"

#define SG_DISK_KIB_S_DEFAULT 20480u
#define SG_DISK_KIB_S_MAX     (1u << 24)
#define SG_DISK_IOPS_MAX      (1u << 24)

void sg_parse_device_extra(const struct sg_node *n, struct sg_device *d)
{
	const char *mode;
	int rc;

	if (d->model->type != DEVICE_BLK_SERVER) {
		if (fdt_getprop(n->fdt, n->off, "mode", NULL) ||
		    fdt_getprop(n->fdt, n->off, "disk-write-kib-s", NULL) ||
		    fdt_getprop(n->fdt, n->off, "disk-write-iops", NULL))
			sg_error(n->sys, n->path, "mode, disk-write-kib-s and disk-write-iops "
				 "are properties of a numbat,block-server");
		return;
	}
	d->blk_mode = BLKSRV_MODE_WRITE_THROUGH;
	rc = sg_read_string(n, "mode", &mode);
	if (rc == SG_OK) {
		if (strcmp(mode, "rapilog") == 0)
			d->blk_mode = BLKSRV_MODE_RAPILOG;
		else if (strcmp(mode, "unsafe") == 0)
			d->blk_mode = BLKSRV_MODE_UNSAFE;
		else if (strcmp(mode, "write-through") != 0)
			sg_error(n->sys, n->path, "mode \"%s\": must be \"write-through\", "
				 "\"rapilog\" or \"unsafe\"", mode);
	}
	d->disk_kib_s = SG_DISK_KIB_S_DEFAULT;
	rc = sg_read_u32(n, "disk-write-kib-s", &d->disk_kib_s);
	if (rc == SG_OK && (d->disk_kib_s == 0 || d->disk_kib_s > SG_DISK_KIB_S_MAX))
		sg_error(n->sys, n->path, "disk-write-kib-s = <%u>: must be 1..%u",
			 d->disk_kib_s, SG_DISK_KIB_S_MAX);
	d->disk_iops = 0;
	rc = sg_read_u32(n, "disk-write-iops", &d->disk_iops);
	if (rc == SG_OK && (d->disk_iops == 0 || d->disk_iops > SG_DISK_IOPS_MAX))
		sg_error(n->sys, n->path, "disk-write-iops = <%u>: must be 1..%u",
			 d->disk_iops, SG_DISK_IOPS_MAX);
}

/* The device node `phandle` refers to: its VM and index. */
static const struct sg_device *device_ref(const struct sg_node *n, uint32_t phandle,
					  uint32_t *vm, uint32_t *dev)
{
	char path[SG_PATH_MAX];
	int off = fdt_node_offset_by_phandle(n->fdt, phandle);

	if (off < 0 || fdt_get_path(n->fdt, off, path, sizeof(path)) < 0)
		return NULL;
	for (uint32_t i = 0; i < n->sys->vm_count; i++)
		for (uint32_t j = 0; j < n->sys->vms[i].device_count; j++)
			if (strcmp(n->sys->vms[i].devices[j].path, path) == 0) {
				*vm = i;
				*dev = j;
				return &n->sys->vms[i].devices[j];
			}
	return NULL;
}

/* True if the device is an end of another block link already. */
static bool linked(const struct sg_system *s, const struct sg_link *l, unsigned e)
{
	for (const struct sg_link *o = s->links; o < l; o++)
		for (unsigned k = 0; k < 2; k++)
			if (o->ok && o->type == LINK_BLOCK && o->vm[k] == l->vm[e] &&
			    o->dev[k] == l->dev[e])
				return true;
	return false;
}

void sg_parse_link_block(const struct sg_node *n, struct sg_link *l)
{
	static const char *const allowed[] = { "type", "endpoints", NULL };
	static const uint32_t want[2] = { DEVICE_VIRTIO_BLK, DEVICE_BLK_SERVER };
	static const char *const want_name[2] = { "virtio,block", "numbat,block-server" };
	uint32_t ends[2];
	int count;

	sg_check_props(n, allowed);
	sg_no_children(n);
	l->type = LINK_BLOCK;
	if (!sg_require(n, "endpoints", sg_read_u32_list(n, "endpoints", ends, 2, &count)))
		return;
	if (count != 2) {
		sg_error(n->sys, n->path, "endpoints: expected two references, "
			 "<&disk_label &server_label>");
		return;
	}
	for (unsigned e = 0; e < 2; e++) {
		const struct sg_device *d = device_ref(n, ends[e], &l->vm[e], &l->dev[e]);

		if (!d || !d->model || d->model->type != want[e]) {
			sg_error(n->sys, n->path, "endpoint %u must be a %s device", e,
				 want_name[e]);
			return;
		}
		if (linked(n->sys, l, e)) {
			sg_error(n->sys, n->path, "endpoint %u is already in another block link", e);
			return;
		}
	}
	if (l->vm[0] == l->vm[1]) {
		sg_error(n->sys, n->path, "a block link joins two different VMs");
		return;
	}
	l->ok = true;
}

/* Each RapiLog server: the power-fail warning reaches it; its buffer bound. */
void sg_check_block_servers(struct sg_system *s)
{
	for (uint32_t i = 0; i < s->vm_count; i++)
		for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
			struct sg_device *d = &s->vms[i].devices[j];

			if (!d->ok || !d->model || d->model->type != DEVICE_BLK_SERVER ||
			    d->blk_mode == BLKSRV_MODE_WRITE_THROUGH)
				continue;
			if (!s->powerfail.ok || s->powerfail.vm != i) {
				sg_error(s, d->path, "mode \"%s\" buffers writes: it needs a "
					 "power-fail node naming this VM (its drain budget "
					 "bounds the buffer)", d->blk_mode == BLKSRV_MODE_RAPILOG ?
					 "rapilog" : "unsafe");
				continue;
			}
			d->blk_buffer = (uint64_t)d->disk_kib_s * 1024 * s->powerfail.drain_ms /
					1000 * 3 / 4 & ~511ull;
			/* One operation of the budget is the drain's closing flush. */
			d->blk_requests = d->disk_iops ? (uint32_t)((uint64_t)d->disk_iops *
					  s->powerfail.drain_ms * 3 / 4 / 1000) : 0;
			if (d->disk_iops && d->blk_requests < 2)
				sg_error(s, d->path, "disk-write-iops = <%u>: the disk writes "
					 "nothing within 3/4 of the %u ms drain budget",
					 d->disk_iops, s->powerfail.drain_ms);
			else if (d->blk_requests)
				d->blk_requests--;
		}
}
