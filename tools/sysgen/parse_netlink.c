/*
 * sysgen: network and vsock links, and the virtio devices at their ends.
 *
 *   links {
 *       net0 { type = "net"; endpoints = <&linux0_net &linux1_net>; };
 *       vs0 { type = "vsock"; endpoints = <&linux0_vsock &svc_vsock>; };
 *   };
 *
 * A data link joins two virtio devices, named by their labels, in two
 * different VMs, both of the link's device type. A net device is one end
 * of exactly one net link; a vsock device (`cid = <n>`, n >= 3, unique)
 * may be an end of several vsock links, one per peer it may reach. A net
 * device may give `mac-address`; otherwise it gets a locally administered
 * 02:6e:62:00:<vm>:<device>. Every virtio device needs `interrupts`.
 * Dispatched from parse_links.c (link_parsers[]) and parse_vm.c.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

static bool is_virtio(const struct sg_device *d)
{
	return d->model && (d->model->type == DEVICE_VIRTIO_NET ||
			    d->model->type == DEVICE_VIRTIO_VSOCK ||
			    d->model->type == DEVICE_VIRTIO_BLK);
}

/* Reads `mac-address`: 6 bytes, a unicast address other than zero. */
static void parse_mac(const struct sg_node *n, struct sg_device *d)
{
	int len;
	const uint8_t *p = fdt_getprop(n->fdt, n->off, "mac-address", &len);

	if (!p)
		return;
	if (d->model->type != DEVICE_VIRTIO_NET) {
		sg_error(n->sys, n->path, "mac-address is only for virtio,net devices");
		d->ok = false;
	} else if (len != 6) {
		sg_error(n->sys, n->path, "mac-address must be 6 bytes, [xx xx xx xx xx xx]");
		d->ok = false;
	} else if ((p[0] & 1) || !(p[0] | p[1] | p[2] | p[3] | p[4] | p[5])) {
		sg_error(n->sys, n->path, "mac-address must be a unicast address, not zero");
		d->ok = false;
	} else {
		memcpy(d->mac, p, 6);
	}
}

void sg_parse_virtio_props(const struct sg_node *n, struct sg_device *d)
{
	uint32_t cid;
	int rc;

	if (!d->model)
		return;
	if (is_virtio(d) && !d->has_spi) {
		sg_error(n->sys, n->path, "a virtio device needs `interrupts` (its SPI)");
		d->ok = false;
	}
	parse_mac(n, d);
	rc = sg_read_u32(n, "cid", &cid);
	if (rc == SG_ABSENT && d->model->type == DEVICE_VIRTIO_VSOCK) {
		sg_error(n->sys, n->path, "missing required property 'cid'");
		d->ok = false;
	} else if (rc == SG_OK && d->model->type != DEVICE_VIRTIO_VSOCK) {
		sg_error(n->sys, n->path, "cid is only for virtio,vsock devices");
		d->ok = false;
	} else if (rc == SG_OK && (cid < 3 || cid == UINT32_MAX)) {
		sg_error(n->sys, n->path, "cid = <%u>: 0-2 and 0xffffffff are reserved "
			 "(host, local, any); use 3 or more", cid);
		d->ok = false;
	} else if (rc == SG_BAD) {
		d->ok = false;
	} else if (rc == SG_OK) {
		d->cid = cid;
	}
}

/* The device node `phandle` refers to, with its VM and index; NULL if none. */
static struct sg_device *device_ref(const struct sg_node *n, uint32_t phandle,
				    uint32_t *vm, uint32_t *dev)
{
	char path[SG_PATH_MAX];
	int off = fdt_node_offset_by_phandle(n->fdt, phandle);

	if (off < 0 || fdt_get_path(n->fdt, off, path, sizeof(path)) < 0)
		return NULL;
	for (uint32_t i = 0; i < n->sys->vm_count; i++) {
		for (uint32_t j = 0; j < n->sys->vms[i].device_count; j++) {
			if (strcmp(n->sys->vms[i].devices[j].path, path) == 0) {
				*vm = i;
				*dev = j;
				return &n->sys->vms[i].devices[j];
			}
		}
	}
	return NULL;
}

/* Whether an earlier link of l's type joins the same two devices. */
static const struct sg_link *duplicate_of(const struct sg_system *s, const struct sg_link *l)
{
	for (const struct sg_link *o = s->links; o < l; o++) {
		if (!o->ok || o->type != l->type)
			continue;
		if ((o->vm[0] == l->vm[0] && o->dev[0] == l->dev[0] &&
		     o->vm[1] == l->vm[1] && o->dev[1] == l->dev[1]) ||
		    (o->vm[0] == l->vm[1] && o->dev[0] == l->dev[1] &&
		     o->vm[1] == l->vm[0] && o->dev[1] == l->dev[0]))
			return o;
	}
	return NULL;
}

/* Reads `endpoints` of a data link of `type` and checks both ends. */
static void parse_data_link(const struct sg_node *n, struct sg_link *l, uint32_t type,
			    uint32_t device_type, const char *compatible)
{
	static const char *const allowed[] = { "type", "endpoints", NULL };
	struct sg_device *d[2];
	const struct sg_link *dup;
	uint32_t ref[2];
	int count = 0;

	sg_check_props(n, allowed);
	l->type = type;
	if (!sg_require(n, "endpoints", sg_read_u32_list(n, "endpoints", ref, 2, &count)))
		return;
	if (count != 2) {
		sg_error(n->sys, n->path, "endpoints must name two devices, <&a &b>");
		return;
	}
	for (unsigned e = 0; e < 2; e++) {
		d[e] = device_ref(n, ref[e], &l->vm[e], &l->dev[e]);
		if (!d[e]) {
			sg_error(n->sys, n->path, "endpoint %u is not a device of any VM "
				 "(endpoints name device labels)", e);
			return;
		}
		if (!d[e]->model || d[e]->model->type != device_type) {
			sg_error(n->sys, n->path, "endpoint %u (%s) is not a %s device",
				 e, d[e]->path, compatible);
			return;
		}
	}
	if (d[0] == d[1]) {
		sg_error(n->sys, n->path, "both endpoints are %s: a link cannot join a "
			 "device to itself", d[0]->path);
	} else if (l->vm[0] == l->vm[1]) {
		sg_error(n->sys, n->path, "both endpoints are in %s: a link joins two "
			 "different VMs", n->sys->vms[l->vm[0]].path);
	} else if ((dup = duplicate_of(n->sys, l)) != NULL) {
		sg_error(n->sys, n->path, "joins the same two devices as %s", dup->path);
	} else {
		d[0]->links++;
		d[1]->links++;
		l->ok = true;
	}
}

void sg_parse_link_net(const struct sg_node *n, struct sg_link *l)
{
	parse_data_link(n, l, LINK_NET, DEVICE_VIRTIO_NET, "virtio,net");
}

void sg_parse_link_vsock(const struct sg_node *n, struct sg_link *l)
{
	parse_data_link(n, l, LINK_VSOCK, DEVICE_VIRTIO_VSOCK, "virtio,vsock");
}

/* A vsock device's CID must be no other vsock device's. */
static void check_cid(struct sg_system *s, uint32_t vm, uint32_t dev)
{
	const struct sg_device *d = &s->vms[vm].devices[dev];

	for (uint32_t a = 0; a <= vm; a++) {
		for (uint32_t b = 0; b < (a == vm ? dev : s->vms[a].device_count); b++) {
			const struct sg_device *o = &s->vms[a].devices[b];

			if (o->ok && o->model == d->model && o->cid == d->cid)
				sg_error(s, d->path, "cid %llu is already %s's",
					 (unsigned long long)d->cid, o->path);
		}
	}
}

void sg_check_netlinks(struct sg_system *s)
{
	for (uint32_t i = 0; i < s->vm_count; i++) {
		for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
			struct sg_device *d = &s->vms[i].devices[j];

			if (!d->ok || !d->model)
				continue;
			if (d->model->type == DEVICE_VIRTIO_VSOCK)
				check_cid(s, i, j);
			if (d->model->type != DEVICE_VIRTIO_NET)
				continue;
			if (d->links != 1)
				sg_error(s, d->path, "virtio,net device is in %u links: it must be "
					 "one end of exactly one link", d->links);
			if (!(d->mac[0] | d->mac[1] | d->mac[2])) {
				/* Locally administered, "nb", then VM and device index. */
				const uint8_t mac[6] = { 0x02, 'n', 'b', 0, (uint8_t)i, (uint8_t)j };

				memcpy(d->mac, mac, 6);
			}
		}
	}
}
