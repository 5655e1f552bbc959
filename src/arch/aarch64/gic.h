/*
 * numbat's driver for the physical GIC: it owns SGIs (kicks between
 * pCPUs and the panic stop) and the EL2 timer PPI. GICv3 only for now.
 */
#ifndef ARCH_GIC_H
#define ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

struct bootinfo;

#define SGI_KICK      0
#define SGI_PANIC     1
#define INTID_SPURIOUS 1023

/* Distributor setup on the boot pCPU. Returns NULL or an error message. */
const char *gic_init(const struct bootinfo *bi);
/* Redistributor and CPU interface of the calling pCPU. */
const char *gic_init_cpu(uint64_t mpidr, unsigned timer_intid);
void gic_send_sgi(uint64_t target_mpidr, unsigned sgi);
unsigned gic_ack(void);
void gic_eoi(unsigned intid);

#endif
