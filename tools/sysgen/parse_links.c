/*
 * sysgen: the links node (the channels between VMs) and the extra
 * properties of the devices at their ends.
 *
 *   links {
 *       disk0 {
 *           type = "block";                       // or "net", "vsock"
 *           endpoints = <&linux0_disk &diskd_srv>; // labelled device nodes
 *       };
 *   };
 *
 * A block link joins a "virtio,block" device (the disk a VM sees) to a
 * "numbat,block-server" device (the disk server's end, see
 * include/numbat/blksrv.h). The server's node takes
 *   mode = "write-through" | "rapilog" | "unsafe";
 *   disk-write-kib-s = <N>;   // the real disk's sustained write rate
 * and a RapiLog server's buffer bound is derived from them and the
 * power-fail drain budget: what the disk writes in 3/4 of the budget.
 */
#include <string.h>

#include <libfdt.h>

#include <numbat/blksrv.h>

#include "sysgen.h"

#define SG_LINKS_MAX CONFIG_MAX_LINKS

/* Reads a block server's mode and disk rate (parse_vm.c's device hook). */
void sg_parse_device_extra(const struct sg_node *n, struct sg_device *d)
{
	const char *mode;
	int rc;

	d->phandle = fdt_get_phandle(n->fdt, n->off);
	if (d->model->type != DEVICE_BLK_SERVER)
		return;
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
	d->disk_kib_s = 20480;
	rc = sg_read_u32(n, "disk-write-kib-s", &d->disk_kib_s);
	if (rc == SG_OK && (d->disk_kib_s == 0 || d->disk_kib_s > (1u << 24)))
		sg_error(n->sys, n->path, "disk-write-kib-s = <%u>: must be 1..%u",
			 d->disk_kib_s, 1u << 24);
}

/* The device whose node has `phandle`, or NULL; *vm gets its VM's index. */
static struct sg_device *by_phandle(struct sg_system *s, uint32_t phandle, uint32_t *vm,
				    uint32_t *dev)
{
	for (uint32_t i = 0; i < s->vm_count; i++)
		for (uint32_t j = 0; j < s->vms[i].device_count; j++)
			if (phandle && s->vms[i].devices[j].phandle == phandle) {
				*vm = i;
				*dev = j;
				return &s->vms[i].devices[j];
			}
	return NULL;
}

static const struct {
	const char *name;
	uint32_t type;
	uint32_t dev[2];      /* what each end must be */
} link_types[] = {
	{ "net", LINK_NET, { DEVICE_VIRTIO_NET, DEVICE_VIRTIO_NET } },
	{ "vsock", LINK_VSOCK, { DEVICE_VIRTIO_VSOCK, DEVICE_VIRTIO_VSOCK } },
	{ "block", LINK_BLOCK, { DEVICE_VIRTIO_BLK, DEVICE_BLK_SERVER } },
};

/* Reads one child of the links node. */
static void parse_link(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { "type", "endpoints", NULL };
	struct sg_link *l = &s->links[s->link_count];
	uint32_t ends[2];
	const char *type;
	struct sg_node n;
	unsigned t;
	int count;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	strcpy(l->path, n.path);
	snprintf(l->name, sizeof(l->name), "%s", fdt_get_name(fdt, off, NULL));
	if (!sg_require(&n, "type", sg_read_string(&n, "type", &type)))
		return;
	for (t = 0; t < sizeof(link_types) / sizeof(link_types[0]); t++)
		if (strcmp(type, link_types[t].name) == 0)
			break;
	if (t == sizeof(link_types) / sizeof(link_types[0])) {
		sg_error(s, n.path, "type \"%s\": must be \"net\", \"vsock\" or \"block\"", type);
		return;
	}
	if (!sg_require(&n, "endpoints", sg_read_u32_list(&n, "endpoints", ends, 2, &count)))
		return;
	if (count != 2) {
		sg_error(s, n.path, "endpoints: give two device references (<&a &b>)");
		return;
	}
	l->type = link_types[t].type;
	for (unsigned e = 0; e < 2; e++) {
		const struct sg_device *d = by_phandle(s, ends[e], &l->vm[e], &l->dev[e]);

		if (!d || !d->model || d->model->type != link_types[t].dev[e]) {
			sg_error(s, n.path, "endpoint %u: must be a %s device of a VM", e,
				 link_types[t].dev[e] == DEVICE_BLK_SERVER ? "numbat,block-server" :
				 link_types[t].dev[e] == DEVICE_VIRTIO_BLK ? "virtio,block" :
				 type);
			return;
		}
	}
	l->ok = true;
	s->link_count++;
}

void sg_parse_links(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	s->links_off = off;
	fdt_for_each_subnode(child, fdt, off) {
		if (s->link_count == SG_LINKS_MAX) {
			sg_error(s, n.path, "too many links: at most %d", SG_LINKS_MAX);
			return;
		}
		parse_link(s, fdt, child);
	}
}

/*
 * After every VM is read (links name devices of any VM): resolves the
 * links, checks each device is in at most one, and derives each RapiLog
 * server's buffer bound from the drain budget.
 */
void sg_check_links(struct sg_system *s, const void *fdt)
{
	if (s->links_off > 0)
		sg_parse_links(s, fdt, s->links_off);
	for (uint32_t i = 0; i < s->link_count; i++)
		for (uint32_t j = 0; j < i; j++)
			for (unsigned a = 0; a < 2; a++)
				for (unsigned b = 0; b < 2; b++)
					if (s->links[i].vm[a] == s->links[j].vm[b] &&
					    s->links[i].dev[a] == s->links[j].dev[b] &&
					    s->links[i].type == LINK_BLOCK)
						sg_error(s, s->links[i].path, "endpoint %u is already "
							 "in %s", a, s->links[j].path);
	for (uint32_t i = 0; i < s->vm_count; i++)
		for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
			struct sg_device *d = &s->vms[i].devices[j];

			if (!d->ok || d->model->type != DEVICE_BLK_SERVER ||
			    d->blk_mode != BLKSRV_MODE_RAPILOG)
				continue;
			if (!s->powerfail.given || s->powerfail.vm != i) {
				sg_error(s, d->path, "mode \"rapilog\" needs the power-fail "
					 "warning: a power-fail node naming this VM");
				continue;
			}
			d->blk_buffer = (uint64_t)d->disk_kib_s * 1024 * s->powerfail.drain_ms *
					3 / 4 / 1000;
			d->blk_buffer &= ~511ull;
		}
}
