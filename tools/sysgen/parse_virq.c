/*
 * sysgen: a `type = "virq"` child of `links`: VM `from` may raise SPI
 * `interrupt` in VM `to` with NUMBAT_HC_VIRQ_RAISE (include/numbat/abi.h).
 * The sender names the link by its capability index: the n-th virq link
 * whose `from` is that VM, counting from 0 in description order.
 */
#include "sysgen.h"

/*
 * Whether link l's SPI is free in its receiver; reports why not if a
 * device of the receiver signals it or an earlier virq link raises it.
 */
static bool spi_free(const struct sg_node *n, const struct sg_link *l)
{
	const struct sg_system *s = n->sys;
	const struct sg_vm *vm = &s->vms[l->vm[1]];
	uint32_t i;

	for (i = 0; i < vm->device_count; i++) {
		const struct sg_device *d = &vm->devices[i];

		if (d->ok && d->has_spi && d->spi == l->spi) {
			sg_error(n->sys, n->path, "interrupt = <%u>: SPI %u of %s is used "
				 "by %s", l->spi, l->spi, vm->path, d->path);
			return false;
		}
	}
	for (const struct sg_link *o = s->links; o < l; o++) {
		if (o->ok && o->type == LINK_VIRQ && o->vm[1] == l->vm[1] &&
		    o->spi == l->spi) {
			sg_error(n->sys, n->path, "interrupt = <%u>: SPI %u of %s is "
				 "already raised by %s", l->spi, l->spi, vm->path, o->path);
			return false;
		}
	}
	return true;
}

void sg_parse_link_virq(const struct sg_node *n, struct sg_link *l)
{
	static const char *const allowed[] = { "type", "from", "to", "interrupt", NULL };
	bool ok;

	sg_check_props(n, allowed);
	sg_no_children(n);
	l->type = LINK_VIRQ;
	ok = sg_read_vm_ref(n, "from", &l->vm[0]);
	ok = sg_read_vm_ref(n, "to", &l->vm[1]) && ok;
	if (!sg_require(n, "interrupt", sg_read_u32(n, "interrupt", &l->spi)))
		return;
	if (l->spi >= CONFIG_MAX_SPIS) {
		sg_error(n->sys, n->path, "interrupt = <%u>: SPI must be 0..%d (guest "
			 "INTIDs %d..%d)", l->spi, CONFIG_MAX_SPIS - 1, SG_SPI_BASE,
			 SG_SPI_BASE + CONFIG_MAX_SPIS - 1);
		return;
	}
	if (!ok)
		return;
	if (l->vm[0] == l->vm[1]) {
		sg_error(n->sys, n->path, "from and to are both %s: a vIRQ links two "
			 "different VMs", n->sys->vms[l->vm[0]].path);
		return;
	}
	l->ok = spi_free(n, l);
}
