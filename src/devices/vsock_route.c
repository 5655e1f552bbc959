/*
 * Pure routing decisions of the virtio-vsock device (vsock_route.h).
 */
#include <stddef.h>

#include "devices/vsock_route.h"

enum vsock_verdict vsock_route_check(const struct virtio_vsock_hdr *h,
				     uint32_t out_len, uint64_t own_cid)
{
	if (out_len < sizeof(*h))
		return VSOCK_MALFORMED;
	/* Section 5.10.6: len is the payload after the header, in this chain. */
	if (h->len > out_len - sizeof(*h) || h->len > VSOCK_ROUTE_MAX_PAYLOAD)
		return VSOCK_MALFORMED;
	if (h->op != VSOCK_OP_RW && h->len != 0)
		return VSOCK_MALFORMED;
	if (h->src_cid != own_cid)
		return VSOCK_FORGED;
	return VSOCK_DELIVER;
}

int vsock_route_find(const struct link_config *links, uint32_t link_count,
		     vsock_dev_fn *dev_of, uint32_t vm, uint32_t dev,
		     uint64_t dst_cid, struct vsock_peer *peer)
{
	for (uint32_t i = 0; i < link_count; i++) {
		const struct link_config *l = &links[i];

		if (l->type != LINK_VSOCK)
			continue;
		for (unsigned end = 0; end < 2; end++) {
			const struct device_config *d;

			/* A link to itself is no route (it would lock twice). */
			if (l->vm[end] != vm || l->dev[end] != dev ||
			    (l->vm[1 - end] == vm && l->dev[1 - end] == dev))
				continue;
			d = dev_of(l->vm[1 - end], l->dev[1 - end]);
			if (!d || d->type != DEVICE_VIRTIO_VSOCK || d->cid != dst_cid)
				continue;
			*peer = (struct vsock_peer){ l->vm[1 - end], l->dev[1 - end], i, 1 - end };
			return 1;
		}
	}
	return 0;
}

void vsock_route_rst(const struct virtio_vsock_hdr *h, struct virtio_vsock_hdr *rst)
{
	*rst = (struct virtio_vsock_hdr){
		.src_cid = h->dst_cid, .dst_cid = h->src_cid,
		.src_port = h->dst_port, .dst_port = h->src_port,
		.type = h->type, .op = VSOCK_OP_RST,
	};
}
