/*
 * Chooses numbat's physical GIC driver from the boot device tree.
 */
#include "arch/aarch64/gic.h"

#include <stddef.h>

#include "core/bootinfo.h"

const struct gic_ops *gic_ops;

const char *gic_init(const struct bootinfo *bi)
{
	if (bi->gic_version == 3)
		gic_ops = &gicv3_ops;
	else if (bi->gic_version == 2)
		gic_ops = &gicv2_ops;
	else
		return "no GICv2 or GICv3 in the device tree";
	return gic_ops->init(bi);
}
