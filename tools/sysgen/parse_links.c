/*
 * sysgen: the top-level `links` node, one child per channel between two
 * VMs (docs/SYSTEM-DESCRIPTION.md, "links"). Each child's `type` picks its
 * parser (parse_virq.c, ...); this file holds the dispatch and what every
 * link type shares: its name, and references from a link to a VM.
 */
#include <string.h>

#include <libfdt.h>

#include "sysgen.h"

/* A link type and the parser of its node. */
struct link_parser {
	const char *type;
	void (*parse)(const struct sg_node *n, struct sg_link *l);
};

static const struct link_parser link_parsers[] = {
	{ "virq", sg_parse_link_virq },
	{ "net", sg_parse_link_net },
	{ "vsock", sg_parse_link_vsock },
	{ "block", sg_parse_link_block },
};

#define LINK_PARSERS (sizeof(link_parsers) / sizeof(link_parsers[0]))

/* True if name is 1..CONFIG_NAME_MAX-1 characters of [a-z0-9_-]. */
static bool valid_link_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len < CONFIG_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

bool sg_read_vm_ref(const struct sg_node *n, const char *name, uint32_t *vm)
{
	char path[SG_PATH_MAX];
	uint32_t ph[2], i;
	int off, count = 0;

	if (!sg_require(n, name, sg_read_u32_list(n, name, ph, 2, &count)))
		return false;
	if (count != 1) {
		sg_error(n->sys, n->path, "%s: expected one reference, <&vm_label>", name);
		return false;
	}
	off = fdt_node_offset_by_phandle(n->fdt, ph[0]);
	if (off < 0 || fdt_get_path(n->fdt, off, path, sizeof(path)) < 0) {
		sg_error(n->sys, n->path, "%s = <0x%x>: not a reference to a node "
			 "(write <&vm_label>)", name, ph[0]);
		return false;
	}
	for (i = 0; i < n->sys->vm_count; i++) {
		if (strcmp(n->sys->vms[i].path, path) == 0) {
			*vm = i;
			return true;
		}
	}
	sg_error(n->sys, n->path, "%s: %s is not a vm node", name, path);
	return false;
}

/* Reads one child of `links` into the next free link. */
static void parse_link(struct sg_system *s, const void *fdt, int off)
{
	struct sg_node n;
	struct sg_link *l;
	const char *type;
	size_t i;

	sg_node_init(&n, s, fdt, off);
	if (s->link_count >= CONFIG_MAX_LINKS) {
		sg_error(s, n.path, "too many links (at most %d)", CONFIG_MAX_LINKS);
		return;
	}
	l = &s->links[s->link_count++];
	memset(l, 0, sizeof(*l));
	snprintf(l->path, sizeof(l->path), "%s", n.path);
	if (!valid_link_name(fdt_get_name(fdt, off, NULL))) {
		sg_error(s, n.path, "link name must be 1..%d characters of a-z, 0-9, '_' "
			 "and '-'", CONFIG_NAME_MAX - 1);
		return;
	}
	snprintf(l->name, sizeof(l->name), "%s", fdt_get_name(fdt, off, NULL));
	if (!sg_require(&n, "type", sg_read_string(&n, "type", &type)))
		return;
	for (i = 0; i < LINK_PARSERS; i++) {
		if (strcmp(type, link_parsers[i].type) == 0) {
			link_parsers[i].parse(&n, l);
			return;
		}
	}
	sg_error(s, n.path, "type = \"%s\": unknown link type (expected \"virq\", \"net\", \"vsock\" or \"block\")", type);
}

/*
 * Reads the `links` node at off: no properties, a child per link. Called
 * once every vm node is parsed, so that links can name VMs and devices.
 */
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
