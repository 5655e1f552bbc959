/*
 * libFuzzer harness: the virtio-mmio transport and virtio-net and
 * virtio-vsock links (src/devices/virtio_mmio.c, virtio_net.c,
 * virtio_vsock.c over src/core/virtq.c), as tests/host/test_virtio.c
 * builds them: two fake VMs, one virtio device each (net, or vsock with
 * CIDs 3 and 4 when the first input byte is odd), joined by a link. The input is a sequence of register
 * reads and writes of any width at any offset on either device (mostly
 * the defined registers, with a well-formed bring-up now and then), ring
 * and buffer bytes the drivers rewrite, and whole-VM resets.
 * Invariants after every step: no lock held; DRIVER_OK only after
 * FEATURES_OK; every ready queue passes virtq_valid; the accepted
 * features are a subset of those offered; InterruptStatus holds only
 * defined bits; and (ASan) every copy stays inside the VMs' memories.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"

static int fv_locks;
#define FAKE_LOCK_HOOK(l, delta) ((void)(l), fv_locks += (delta))
#include "../host/fake_spinlock.h"

#include "core/virtq.c"
#include "devices/virtio_mmio.c"
#include "devices/virtio_net.c"
#include "devices/vsock_route.c"
#include "devices/virtio_vsock.c"
#include "devices/virtio_blk.c"       /* the transport names every type */

#define FAKE_NO_HUGE
#include "../host/fake_virtio.h"

static struct fq frx[2], ftx[2], fev[2];

static void check(void)
{
	FUZZ_ASSERT(fv_locks == 0);
	for (unsigned v = 0; v < 2; v++) {
		struct virtio_dev *vd = fv_vd(v);

		if (vd->status & VIRTIO_STATUS_DRIVER_OK)
			FUZZ_ASSERT(vd->status & VIRTIO_STATUS_FEATURES_OK);
		if (vd->status & VIRTIO_STATUS_FEATURES_OK)
			FUZZ_ASSERT((vd->driver_features & ~offered(vd)) == 0);
		FUZZ_ASSERT((vd->interrupt_status & ~3u) == 0);
		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			if (vd->vq[q].ready)
				FUZZ_ASSERT(q < vd->ops->queues && virtq_valid(&vms[v], &vd->vq[q]));
	}
}

/* A well-formed bring-up of device v with features from the input. */
static void bring_up(struct fuzz_in *in, unsigned v)
{
	struct virtio_dev *vd = fv_vd(v);
	uint64_t f = (fuzz_take(in, 4) & vd->ops->features(vd)) | (1ull << VIRTIO_F_VERSION_1);
	uint16_t num = (uint16_t)(1u << (fuzz_take(in, 1) % 9));

	fv_write(v, 0x070, 0);
	if (!fv_negotiate(v, f))
		return;
	fv_queue(v, 0, &frx[v], FV_RXRING, num);
	fv_queue(v, 1, &ftx[v], FV_TXRING, num);
	if (vd->ops->queues > 2)                       /* vsock's event queue */
		fv_queue(v, 2, &fev[v], FAKE_RAM_IPA + 0x8000, num);
	fv_driver_ok(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	if (in.n && (in.p[0] & 1)) {
		fv_setup(DEVICE_VIRTIO_VSOCK, true);
		fv_links[0].type = LINK_VSOCK;
		fv_devcfg[0].cid = 3;
		fv_devcfg[1].cid = 4;
	} else {
		fv_setup(DEVICE_VIRTIO_NET, true);
	}
	check();
	while (in.n) {
		unsigned op = (unsigned)fuzz_take(&in, 1), v = op & 1;
		struct vdev *d = fv_dev(v);
		unsigned width = 1u << ((op >> 1) & 3);
		uint64_t off = (fuzz_take(&in, 1) & 0x3f) * 4;

		if (op & 0x80)
			off = fuzz_take(&in, 2) & 0xfff;
		switch ((op >> 3) & 7) {
		case 0: case 1:
			(void)d->ops->read(d, off, width);
			break;
		case 2: case 3:
			(void)d->ops->write(d, off, width, fuzz_take(&in, width));
			break;
		case 4:
			bring_up(&in, v);
			break;
		case 5: {   /* a driver rewrites its rings or buffers */
			uint32_t at = (uint32_t)fuzz_take(&in, 3) % FAKE_RAM_SIZE;
			uint32_t n = (uint32_t)fuzz_take(&in, 1) % 16;

			for (uint32_t i = 0; i < n && at + i < FAKE_RAM_SIZE; i++)
				fake_ram[v][at + i] = (uint8_t)fuzz_take(&in, 1);
			break;
		}
		case 6:
			fv_write(v, 0x050, (uint32_t)fuzz_take(&in, 1) & 3);   /* notify */
			break;
		default:
			if ((op & 0x70) == 0x70)
				d->ops->reset(d);   /* the VM restarts */
			break;
		}
		check();
	}
	return 0;
}
