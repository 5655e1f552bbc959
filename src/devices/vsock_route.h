/*
 * The decisions numbat's virtio-vsock device makes about each packet a
 * driver sends, kept pure so the host tests check them on their own
 * (tests/host/test_vsock_route.c): whether the header is well formed and
 * honest, and which declared link, if any, reaches its destination CID.
 */
#ifndef DEVICES_VSOCK_ROUTE_H
#define DEVICES_VSOCK_ROUTE_H

#include <stdint.h>

#include <numbat/config.h>
#include <numbat/virtio_vsock.h>

/*
 * The largest payload numbat moves in one packet: Linux's
 * VIRTIO_VSOCK_MAX_PKT_BUF_SIZE (64 KiB). A larger len is malformed.
 */
#define VSOCK_ROUTE_MAX_PAYLOAD  0x10000u

enum vsock_verdict {
	VSOCK_DELIVER = 0,     /* to the peer found by vsock_route_find */
	VSOCK_MALFORMED,       /* short header, len past the chain or too big: drop */
	VSOCK_FORGED,          /* src_cid is not the sender's own: drop, count */
};

/*
 * Checks a TX packet's header `h` (read from a chain of `out_len`
 * readable bytes) sent by the device whose CID is `own_cid`.
 */
enum vsock_verdict vsock_route_check(const struct virtio_vsock_hdr *h,
				     uint32_t out_len, uint64_t own_cid);

/* Where a packet goes: the peer's vsock device, and the link that reaches it. */
struct vsock_peer {
	uint32_t vm, dev;     /* the peer's VM index and device index in it */
	uint32_t link, end;   /* sys->links[link], whose end `end` is the peer */
};

/* The configuration of device `dev` of VM `vm`, or NULL if there is none. */
typedef const struct device_config *vsock_dev_fn(uint32_t vm, uint32_t dev);

/*
 * Finds the declared LINK_VSOCK link among `links` from device `dev` of
 * VM `vm` whose other end is a vsock device (as `dev_of` finds it) with
 * CID `dst_cid`. Returns 1 with *peer filled, or 0 if no link reaches it
 * (the packet is refused). A link from a device to itself is no route.
 */
int vsock_route_find(const struct link_config *links, uint32_t link_count,
		     vsock_dev_fn *dev_of, uint32_t vm, uint32_t dev,
		     uint64_t dst_cid, struct vsock_peer *peer);

/*
 * The header of the RST that answers `h` when it cannot be delivered:
 * from the destination it named back to its source.
 */
void vsock_route_rst(const struct virtio_vsock_hdr *h, struct virtio_vsock_hdr *rst);

#endif /* DEVICES_VSOCK_ROUTE_H */
