/*
 * Test guest for the power-fail warning: VM 0 is the server the
 * description's power-fail node names (SPI 20, INTID 52). It owns the
 * passed-through disk; sector 0 (written by the host) says how to behave:
 * "mode=prompt": on the warning, write a record to sector 100, flush, and
 * say done (numbat powers off); "mode=stall": on the warning, wait 3 s
 * before writing, which the drain budget cuts short. Any other VM checks
 * that it may not end the machine.
 */
#include "numbat.h"
#include "virtio_blk.h"

#define DISK          0x0a000000ul
#define WARN_INTID    52u
#define RECORD_SECTOR 100u

static struct vblk disk;
static uint8_t buf[512] __attribute__((aligned(16)));
static volatile bool warned;

static void on_irq(void)
{
	unsigned intid = gic_ack();

	if (intid == WARN_INTID) {
		warned = true;
		gic_disable(WARN_INTID);   /* a level that stays high: once is enough */
	}
	if (intid < 1020)
		gic_eoi(intid);
}

static void bystander(void)
{
	int64_t rc = hvc(NUMBAT_HC_POWERFAIL_DONE, 0, 0, 0);

	printf("powerfail-other: done refused with %ld\n", (long)rc);
	for (;;) {
		delay_ms(200);
		printf("powerfail-other: alive\n");
	}
}

static void drain(bool stall)
{
	struct vblk_req w = { .type = VBLK_T_OUT, .sector = RECORD_SECTOR, .buf = buf,
			      .len = 512 };
	struct vblk_req f = { .type = VBLK_T_FLUSH };

	if (stall)
		delay_ms(3000);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "drained before power-off", 24);
	vblk_sync(&disk, &w);
	vblk_sync(&disk, &f);
	printf("powerfail-srv: drained\n");
}

int main(void)
{
	struct vblk_req r = { .type = VBLK_T_IN, .sector = 0, .buf = buf, .len = 512 };
	bool stall;

	if (numbat_vm_id(NULL) != 0)
		bystander();
	printf("powerfail-srv: done before any warning: %ld\n",
	       (long)hvc(NUMBAT_HC_POWERFAIL_DONE, 0, 0, 0));
	if (vblk_init(&disk, DISK) || vblk_sync(&disk, &r) != VBLK_S_OK) {
		printf("powerfail-srv: no disk\n");
		return 1;
	}
	stall = memcmp(buf, "mode=stall", 10) == 0;
	gic_init();
	irq_handler = on_irq;
	gic_enable(WARN_INTID, 0x80);
	irq_unmask();
	printf("powerfail-srv: ready (%s)\n", stall ? "stall" : "prompt");
	/* Checked and entered masked: a warning taken between an unmasked
	 * check and the WFI would leave it asleep until the budget ran out. */
	while (!warned) {
		irq_mask();
		if (!warned)
			__asm__ volatile("wfi");
		irq_unmask();
	}
	printf("powerfail-srv: warning\n");
	drain(stall);
	hvc(NUMBAT_HC_POWERFAIL_DONE, 0, 0, 0);
	printf("powerfail-srv: still running after done\n");
	return 1;
}
