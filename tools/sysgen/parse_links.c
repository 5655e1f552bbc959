/*
 * sysgen: the channels between VMs. The top-level `links` node has one
 * child per link, dispatched by its `type` (link_kinds below):
 *
 *   links {
 *       net0 { type = "net"; endpoints = <&linux0_net &linux1_net>; };
 *       vs0 { type = "vsock"; endpoints = <&linux0_vsock &svc_vsock>; };
 *       disk0 { type = "block"; endpoints = <&linux0_disk &server_disk>; };
 *   };
 *
 * A data link (net, vsock, block) joins two virtio devices, by their
 * labels, in two different VMs. Also here: the properties of virtio
 * device nodes beyond compatible/reg/interrupts (vsock `cid`, net
 * `mac-address`), the checks across links and devices (check_links), and
 * the links table written into config.c.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

/* A kind of link: its type string, and how to read its node. */
struct link_kind {
	const char *type;
	uint32_t link_type;          /* enum link_type */
	uint32_t device_type;        /* data links: what both endpoints are ... */
	const char *compatible;      /* ... by name */
	void (*parse)(const struct sg_node *n, struct sg_link *l);
};

static void parse_data_link(const struct sg_node *n, struct sg_link *l);

static const struct link_kind link_kinds[] = {
	{ "net", LINK_NET, DEVICE_VIRTIO_NET, "virtio,net", parse_data_link },
	{ "vsock", LINK_VSOCK, DEVICE_VIRTIO_VSOCK, "virtio,vsock", parse_data_link },
	{ "block", LINK_BLOCK, DEVICE_VIRTIO_BLK, "virtio,block", parse_data_link },
};

static const struct link_kind *kind_of(uint32_t link_type)
{
	for (size_t i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++)
		if (link_kinds[i].link_type == link_type)
			return &link_kinds[i];
	return NULL;
}

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

void sg_parse_device_extra(const struct sg_node *n, struct sg_device *d)
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

/* A data link: `endpoints`, two device labels. */
static void parse_data_link(const struct sg_node *n, struct sg_link *l)
{
	static const char *const allowed[] = { "type", "endpoints", NULL };
	int count, rc;

	sg_check_props(n, allowed);
	rc = sg_read_u32_list(n, "endpoints", l->ref, 2, &count);
	if (!sg_require(n, "endpoints", rc))
		return;
	if (count != 2) {
		sg_error(n->sys, n->path, "endpoints must name two devices, <&a &b>");
		return;
	}
	l->ok = true;
}

/* Reads one child of `links`. */
static void parse_link(struct sg_system *s, const void *fdt, int off)
{
	const char *name = fdt_get_name(fdt, off, NULL), *type;
	struct sg_node n;
	struct sg_link *l;
	int rc;

	sg_node_init(&n, s, fdt, off);
	sg_no_children(&n);
	if (s->link_count == CONFIG_MAX_LINKS) {
		sg_error(s, n.path, "too many links: at most %d", CONFIG_MAX_LINKS);
		return;
	}
	l = &s->links[s->link_count++];
	strcpy(l->path, n.path);
	if (strlen(name) >= CONFIG_NAME_MAX)
		sg_error(s, n.path, "link name longer than %d characters", CONFIG_NAME_MAX - 1);
	else
		strcpy(l->name, name);
	rc = sg_read_string(&n, "type", &type);
	if (!sg_require(&n, "type", rc))
		return;
	for (size_t i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++) {
		if (strcmp(type, link_kinds[i].type) == 0) {
			l->type = link_kinds[i].link_type;
			link_kinds[i].parse(&n, l);
			return;
		}
	}
	sg_error(s, n.path, "unknown link type \"%s\" (expected net, vsock or block)", type);
}

void sg_parse_links(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { NULL };
	struct sg_node n;
	int child;

	sg_node_init(&n, s, fdt, off);
	sg_check_props(&n, allowed);
	fdt_for_each_subnode(child, fdt, off)
		parse_link(s, fdt, child);
}

/* The device whose label has phandle `ref`: sets *vm, *dev. */
static struct sg_device *find_device(struct sg_system *s, uint32_t ref, uint32_t *vm, uint32_t *dev)
{
	for (uint32_t i = 0; ref && i < s->vm_count; i++) {
		for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
			if (s->vms[i].devices[j].phandle == ref) {
				*vm = i;
				*dev = j;
				return &s->vms[i].devices[j];
			}
		}
	}
	return NULL;
}

/* Resolves and checks the endpoints of data link `l`. */
static void check_data_link(struct sg_system *s, struct sg_link *l, const struct link_kind *k)
{
	struct sg_device *d[2];

	for (unsigned e = 0; e < 2; e++) {
		d[e] = find_device(s, l->ref[e], &l->vm[e], &l->dev[e]);
		if (!d[e]) {
			sg_error(s, l->path, "endpoint %u is not a device of any VM "
				 "(endpoints name device labels)", e);
			l->ok = false;
		} else if (!d[e]->model || d[e]->model->type != k->device_type) {
			sg_error(s, l->path, "endpoint %u (%s) is not a %s device: a \"%s\" "
				 "link joins two", e, d[e]->path, k->compatible, k->type);
			l->ok = false;
		}
	}
	if (!l->ok)
		return;
	if (d[0] == d[1]) {
		sg_error(s, l->path, "both endpoints are %s: a link cannot join a device to itself",
			 d[0]->path);
		l->ok = false;
	} else if (l->vm[0] == l->vm[1]) {
		sg_error(s, l->path, "both endpoints are in %s: a link joins two different VMs",
			 s->vms[l->vm[0]].path);
		l->ok = false;
	}
	if (!l->ok)
		return;
	d[0]->links++;
	d[1]->links++;
	for (struct sg_link *o = s->links; o < l; o++) {
		if (o->ok && o->type == l->type &&
		    ((o->ref[0] == l->ref[0] && o->ref[1] == l->ref[1]) ||
		     (o->ref[0] == l->ref[1] && o->ref[1] == l->ref[0]))) {
			sg_error(s, l->path, "joins the same two devices as %s", o->path);
			l->ok = false;
		}
	}
}

/* Per device: how many links (net and block: exactly one), unique CIDs. */
static void check_endpoints(struct sg_system *s)
{
	for (uint32_t i = 0; i < s->vm_count; i++) {
		for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
			struct sg_device *d = &s->vms[i].devices[j];
			uint32_t t = d->model ? d->model->type : DEVICE_NONE;

			if (!d->ok || !is_virtio(d))
				continue;
			if (t != DEVICE_VIRTIO_VSOCK && d->links != 1)
				sg_error(s, d->path, "%s device is in %u links: it must be one end "
					 "of exactly one link", d->model->compatible, d->links);
			if (t == DEVICE_VIRTIO_NET && !(d->mac[0] | d->mac[1] | d->mac[2])) {
				/* Default: locally administered, "nb", VM and device index. */
				const uint8_t mac[6] = { 0x02, 'n', 'b', 0, (uint8_t)i, (uint8_t)j };

				memcpy(d->mac, mac, 6);
			}
			if (t != DEVICE_VIRTIO_VSOCK)
				continue;
			for (uint32_t a = 0; a <= i; a++)
				for (uint32_t b = 0; b < (a == i ? j : s->vms[a].device_count); b++)
					if (s->vms[a].devices[b].cid == d->cid &&
					    s->vms[a].devices[b].model == d->model)
						sg_error(s, d->path, "cid %llu is already %s's",
							 (unsigned long long)d->cid,
							 s->vms[a].devices[b].path);
		}
	}
}

void sg_check_links(struct sg_system *s)
{
	for (uint32_t i = 0; i < s->link_count; i++) {
		struct sg_link *l = &s->links[i];
		const struct link_kind *k = kind_of(l->type);

		for (uint32_t j = 0; j < i; j++)
			if (l->name[0] && strcmp(s->links[j].name, l->name) == 0)
				sg_error(s, l->path, "a second link named %s", l->name);
		if (l->ok && k && k->device_type != DEVICE_NONE)
			check_data_link(s, l, k);
	}
	check_endpoints(s);
}

static const char *link_enum(uint32_t type)
{
	switch (type) {
	case LINK_NET: return "LINK_NET";
	case LINK_VSOCK: return "LINK_VSOCK";
	case LINK_BLOCK: return "LINK_BLOCK";
	case LINK_VIRQ: return "LINK_VIRQ";
	default: return "0";
	}
}

void sg_emit_links(const struct sg_system *s, FILE *f)
{
	if (s->link_count == 0)
		return;
	fprintf(f, "static const struct link_config numbat_links[%u] = {\n", s->link_count);
	for (uint32_t i = 0; i < s->link_count; i++) {
		const struct sg_link *l = &s->links[i];

		fprintf(f, "\t{ .type = %s, .name = \"%s\", .vm = { %u, %u }, .dev = { %u, %u }, "
			".irq = %u }, /* %s */\n", link_enum(l->type), l->name, l->vm[0], l->vm[1],
			l->dev[0], l->dev[1], l->irq, l->path);
	}
	fprintf(f, "};\n\n");
}
