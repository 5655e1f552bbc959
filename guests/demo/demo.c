/*
 * The demo guest both VMs of systems/default.dts run: greets with its VM
 * id and numbat's version, reads the test device a few times, yields, says
 * goodbye and powers its VM off.
 */
#include "numbat.h"

#define TESTDEV_BASE 0x09100000ul

int main(void)
{
	uint64_t vcpu;
	uint64_t id = numbat_vm_id(&vcpu);
	uint64_t version = numbat_version();
	uint64_t start = counter_read();
	unsigned int ok = 0;

	printf("hello from VM %lu (vcpu %lu) on numbat %lu.%lu\n",
	       (unsigned long)id, (unsigned long)vcpu,
	       (unsigned long)(version >> 16), (unsigned long)(version & 0xffff));

	for (int i = 0; i < 4; i++) {
		if (readl(TESTDEV_BASE + TESTDEV_ID) == TESTDEV_ID_VALUE)
			ok++;
		numbat_yield();
	}
	writeq(TESTDEV_BASE + TESTDEV_SCRATCH, 0xC0FFEE00u + id);
	printf("test device: id 0x%08x, %u/4 reads ok, scratch 0x%lx\n",
	       (unsigned int)readl(TESTDEV_BASE + TESTDEV_ID), ok,
	       (unsigned long)readq(TESTDEV_BASE + TESTDEV_SCRATCH));

	printf("goodbye from VM %lu after %lu us\n", (unsigned long)id,
	       (unsigned long)((counter_read() - start) * 1000000 /
			       counter_freq()));
	return 0;
}
