/*
 * Host tests of the virtio-vsock device's pure decisions
 * (src/devices/vsock_route.c): header checks (short, len past the chain,
 * oversized, payload on a control op, forged source CID) and routing by
 * destination CID along declared links only.
 */
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "devices/vsock_route.h"

static struct virtio_vsock_hdr hdr(uint64_t src, uint64_t dst, uint16_t op, uint32_t len)
{
	return (struct virtio_vsock_hdr){ .src_cid = src, .dst_cid = dst, .src_port = 1000,
					  .dst_port = 1234, .len = len,
					  .type = VSOCK_TYPE_STREAM, .op = op };
}

START_TEST(check_accepts_honest)
{
	struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_REQUEST, 0);

	ck_assert_int_eq(vsock_route_check(&h, 44, 3), VSOCK_DELIVER);
	h = hdr(3, 4, VSOCK_OP_RW, 100);
	ck_assert_int_eq(vsock_route_check(&h, 144, 3), VSOCK_DELIVER);
	ck_assert_int_eq(vsock_route_check(&h, 4096, 3), VSOCK_DELIVER);
	h = hdr(3, 4, VSOCK_OP_RW, VSOCK_ROUTE_MAX_PAYLOAD);
	ck_assert_int_eq(vsock_route_check(&h, 44 + VSOCK_ROUTE_MAX_PAYLOAD, 3), VSOCK_DELIVER);
}
END_TEST

START_TEST(check_rejects_malformed)
{
	struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_RW, 100);

	ck_assert_int_eq(vsock_route_check(&h, 43, 3), VSOCK_MALFORMED);     /* short */
	ck_assert_int_eq(vsock_route_check(&h, 0, 3), VSOCK_MALFORMED);
	ck_assert_int_eq(vsock_route_check(&h, 143, 3), VSOCK_MALFORMED);    /* len past chain */
	h.len = 0xffffffffu;                                                 /* no wrap */
	ck_assert_int_eq(vsock_route_check(&h, 0xffffffffu, 3), VSOCK_MALFORMED);
	h.len = VSOCK_ROUTE_MAX_PAYLOAD + 1;                                 /* oversized */
	ck_assert_int_eq(vsock_route_check(&h, 0x20000, 3), VSOCK_MALFORMED);
	h = hdr(3, 4, VSOCK_OP_RST, 8);                                      /* payload on a control op */
	ck_assert_int_eq(vsock_route_check(&h, 52, 3), VSOCK_MALFORMED);
	/* Malformed wins over forged: nothing of a bad header is trusted. */
	h = hdr(9, 4, VSOCK_OP_RW, 100);
	ck_assert_int_eq(vsock_route_check(&h, 50, 3), VSOCK_MALFORMED);
}
END_TEST

START_TEST(check_rejects_forged_cid)
{
	struct virtio_vsock_hdr h = hdr(4, 3, VSOCK_OP_REQUEST, 0);

	ck_assert_int_eq(vsock_route_check(&h, 44, 3), VSOCK_FORGED);
	h.src_cid = 3 | (1ull << 32);           /* the high half counts too */
	ck_assert_int_eq(vsock_route_check(&h, 44, 3), VSOCK_FORGED);
	h.src_cid = VSOCK_CID_HOST;
	ck_assert_int_eq(vsock_route_check(&h, 44, 3), VSOCK_FORGED);
}
END_TEST

/*
 * Three VMs: vm0 (cid 3, its vsock is device 1), vm1 (cid 4, device 0),
 * vm2 (cid 5, device 0; a net device 1). Links: vm0-vm1 only, plus a net
 * link vm0-vm2 and a self-link on vm2 that must not count.
 */
static struct vm_config vms[3];
static struct link_config links[3];

static const struct device_config *dev_of(uint32_t vm, uint32_t dev)
{
	if (vm >= 3 || dev >= vms[vm].device_count)
		return NULL;
	return &vms[vm].devices[dev];
}

static int find(uint32_t vm, uint32_t dev, uint64_t cid, struct vsock_peer *p)
{
	return vsock_route_find(links, 3, dev_of, vm, dev, cid, p);
}

static void setup(void)
{
	memset(vms, 0, sizeof(vms));
	vms[0].device_count = 2;
	vms[0].devices[0] = (struct device_config){ .type = DEVICE_PL011 };
	vms[0].devices[1] = (struct device_config){ .type = DEVICE_VIRTIO_VSOCK, .cid = 3 };
	vms[1].device_count = 1;
	vms[1].devices[0] = (struct device_config){ .type = DEVICE_VIRTIO_VSOCK, .cid = 4 };
	vms[2].device_count = 2;
	vms[2].devices[0] = (struct device_config){ .type = DEVICE_VIRTIO_VSOCK, .cid = 5 };
	vms[2].devices[1] = (struct device_config){ .type = DEVICE_VIRTIO_NET };
	links[0] = (struct link_config){ .type = LINK_VSOCK, .vm = { 0, 1 }, .dev = { 1, 0 } };
	links[1] = (struct link_config){ .type = LINK_NET, .vm = { 0, 2 }, .dev = { 1, 0 } };
	links[2] = (struct link_config){ .type = LINK_VSOCK, .vm = { 2, 2 }, .dev = { 0, 0 } };
}

START_TEST(find_along_links_both_ways)
{
	struct vsock_peer p = { 99, 99, 99, 99 };

	setup();
	ck_assert_int_eq(find(0, 1, 4, &p), 1);
	ck_assert_uint_eq(p.vm, 1);
	ck_assert_uint_eq(p.dev, 0);
	ck_assert_uint_eq(p.link, 0);
	ck_assert_uint_eq(p.end, 1);
	ck_assert_int_eq(find(1, 0, 3, &p), 1);   /* the reverse way */
	ck_assert_uint_eq(p.vm, 0);
	ck_assert_uint_eq(p.dev, 1);
	ck_assert_uint_eq(p.end, 0);
}
END_TEST

START_TEST(find_refuses_undeclared)
{
	struct vsock_peer p;

	setup();
	ck_assert_int_eq(find(0, 1, 5, &p), 0);   /* cid exists, no link */
	ck_assert_int_eq(find(0, 1, 6, &p), 0);   /* no such cid */
	ck_assert_int_eq(find(0, 1, 3, &p), 0);   /* itself */
	ck_assert_int_eq(find(2, 0, 5, &p), 0);   /* self-link */
	ck_assert_int_eq(find(0, 0, 4, &p), 0);   /* wrong device */
	ck_assert_int_eq(find(1, 0, 4 | (1ull << 32), &p), 0);
	ck_assert_int_eq(find(0, 1, VSOCK_CID_HOST, &p), 0);
	/* A net link between the same VMs is no vsock route. */
	links[1].type = LINK_NET;
	vms[2].devices[1].cid = 3;
	ck_assert_int_eq(find(2, 1, 3, &p), 0);
}
END_TEST

START_TEST(find_out_of_range_link)
{
	struct vsock_peer p;

	setup();
	links[0].dev[1] = 7;             /* a link naming a missing device */
	ck_assert_int_eq(find(0, 1, 4, &p), 0);
	links[0].dev[1] = 0;
	links[0].vm[1] = 12;             /* and a missing VM */
	ck_assert_int_eq(find(0, 1, 4, &p), 0);
}
END_TEST

START_TEST(rst_swaps_ends)
{
	struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_REQUEST, 0), r;

	h.buf_alloc = 777;
	h.fwd_cnt = 5;
	memset(&r, 0xa5, sizeof(r));
	vsock_route_rst(&h, &r);
	ck_assert_uint_eq(r.src_cid, 4);
	ck_assert_uint_eq(r.dst_cid, 3);
	ck_assert_uint_eq(r.src_port, 1234);
	ck_assert_uint_eq(r.dst_port, 1000);
	ck_assert_uint_eq(r.op, VSOCK_OP_RST);
	ck_assert_uint_eq(r.type, VSOCK_TYPE_STREAM);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.flags, 0);
	ck_assert_uint_eq(r.buf_alloc, 0);
	ck_assert_uint_eq(r.fwd_cnt, 0);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("vsock_route");

	HOST_TEST(s, check_accepts_honest);
	HOST_TEST(s, check_rejects_malformed);
	HOST_TEST(s, check_rejects_forged_cid);
	HOST_TEST(s, find_along_links_both_ways);
	HOST_TEST(s, find_refuses_undeclared);
	HOST_TEST(s, find_out_of_range_link);
	HOST_TEST(s, rst_swaps_ends);
}
