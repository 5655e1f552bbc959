/*
 * The virtio-vsock wire format (virtio 1.2, section 5.10): the packet
 * header every buffer on the rx and tx queues starts with, its operations
 * and flags, and the device configuration. Shared by numbat's device
 * (src/devices/virtio_vsock.c) and the native endpoint library
 * (guests/lib/vsock.c). All fields are little-endian, as both ends are.
 */
#ifndef NUMBAT_VIRTIO_VSOCK_H
#define NUMBAT_VIRTIO_VSOCK_H

#include <stdint.h>

/* Queues (section 5.10.2). */
#define VSOCK_VQ_RX         0
#define VSOCK_VQ_TX         1
#define VSOCK_VQ_EVENT      2
#define VSOCK_VQ_COUNT      3

/* Reserved CIDs (section 5.10.4): a guest's CID is 3 or more. */
#define VSOCK_CID_HOST      2
#define VSOCK_CID_MIN_GUEST 3
#define VSOCK_CID_MAX       0xffffffffull   /* CIDs are 32 bits in practice */

/* Socket types and operations (section 5.10.6). */
#define VSOCK_TYPE_STREAM   1
#define VSOCK_TYPE_SEQPACKET 2

#define VSOCK_OP_INVALID        0
#define VSOCK_OP_REQUEST        1
#define VSOCK_OP_RESPONSE       2
#define VSOCK_OP_RST            3
#define VSOCK_OP_SHUTDOWN       4
#define VSOCK_OP_RW             5
#define VSOCK_OP_CREDIT_UPDATE  6
#define VSOCK_OP_CREDIT_REQUEST 7
#define VSOCK_OP_MAX            7

/* VSOCK_OP_SHUTDOWN flags (section 5.10.6.5). */
#define VSOCK_SHUTDOWN_RCV      1u   /* the sender will receive no more */
#define VSOCK_SHUTDOWN_SEND     2u   /* the sender will send no more */

/* Event queue (section 5.10.6.7). */
#define VSOCK_EVENT_TRANSPORT_RESET 0

/* struct virtio_vsock_hdr: 44 bytes, no padding. */
struct virtio_vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;        /* payload bytes after the header */
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;  /* the sender's receive buffer for this socket */
	uint32_t fwd_cnt;    /* bytes the sender has consumed from it */
} __attribute__((packed, aligned(4)));

_Static_assert(sizeof(struct virtio_vsock_hdr) == 44, "virtio_vsock_hdr is 44 bytes");

/* Device configuration (section 5.10.4): guest_cid at offset 0. */
#define VSOCK_CONFIG_GUEST_CID  0

#endif /* NUMBAT_VIRTIO_VSOCK_H */
