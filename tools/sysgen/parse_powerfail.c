/*
 * sysgen: the power-fail node. When the platform's power-fail input
 * fires, numbat raises an SPI in one VM (the disk server) and powers off
 * once it has drained, or after the budget:
 *
 *   power-fail {
 *       vm = "diskd";              // the vm-name of the VM told
 *       interrupt = <20>;          // its SPI (INTID 52), level, high
 *       drain-time-ms = <200>;     // how long the supply holds up
 *   };
 */
#include <string.h>

#include "sysgen.h"

#define SG_DRAIN_MS_MAX 60000u

void sg_parse_powerfail(struct sg_system *s, const void *fdt, int off)
{
	static const char *const allowed[] = { "vm", "interrupt", "drain-time-ms", NULL };
	struct sg_node n;
	const char *vm;
	int rc;

	sg_node_init(&n, s, fdt, off);
	strcpy(s->powerfail.path, n.path);
	s->powerfail.given = true;
	sg_check_props(&n, allowed);
	sg_no_children(&n);
	rc = sg_read_string(&n, "vm", &vm);
	if (sg_require(&n, "vm", rc)) {
		if (strlen(vm) >= CONFIG_NAME_MAX)
			sg_error(s, n.path, "vm \"%s\": no VM has so long a name", vm);
		else
			strcpy(s->powerfail.vm_name, vm);
	}
	rc = sg_read_u32(&n, "interrupt", &s->powerfail.spi);
	if (sg_require(&n, "interrupt", rc) && s->powerfail.spi >= CONFIG_MAX_SPIS)
		sg_error(s, n.path, "interrupt = <%u>: SPI must be 0..%d", s->powerfail.spi,
			 CONFIG_MAX_SPIS - 1);
	rc = sg_read_u32(&n, "drain-time-ms", &s->powerfail.drain_ms);
	if (sg_require(&n, "drain-time-ms", rc) &&
	    (s->powerfail.drain_ms == 0 || s->powerfail.drain_ms > SG_DRAIN_MS_MAX))
		sg_error(s, n.path, "drain-time-ms = <%u>: must be 1..%u",
			 s->powerfail.drain_ms, SG_DRAIN_MS_MAX);
}

/* After every VM is read: the VM exists and the SPI is free in it. */
void sg_check_powerfail(struct sg_system *s)
{
	struct sg_powerfail *pf = &s->powerfail;
	uint32_t i;

	if (!pf->given || !pf->vm_name[0])
		return;
	for (i = 0; i < s->vm_count; i++)
		if (s->vms[i].name_ok && strcmp(s->vms[i].name, pf->vm_name) == 0)
			break;
	if (i == s->vm_count) {
		sg_error(s, pf->path, "vm \"%s\": no VM has that vm-name", pf->vm_name);
		return;
	}
	pf->vm = i;
	for (uint32_t j = 0; j < s->vms[i].device_count; j++) {
		const struct sg_device *d = &s->vms[i].devices[j];

		if (d->ok && d->has_spi && d->spi == pf->spi)
			sg_error(s, pf->path, "interrupt = <%u>: SPI %u of vm %s is already "
				 "used by %s", pf->spi, pf->spi, pf->vm_name, d->path);
	}
	pf->ok = true;
}
