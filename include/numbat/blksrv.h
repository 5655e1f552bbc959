/*
 * The disk server's endpoint of a block link (docs/RAPILOG.md): a
 * virtio-mmio device numbat gives the server VM ("numbat,block-server"),
 * through which it receives the requests a Linux VM makes of its
 * virtio-blk disk ("virtio,block") and answers them. numbat copies each
 * request's data once between the two VMs' buffers; it keeps only the
 * index of each Linux request in flight.
 *
 * Queue 0 (requests): the server posts device-writable buffers; numbat
 * fills one per Linux request with a struct blksrv_req and, for a write,
 * the data after it; the used length is the header plus the data.
 * Queue 1 (completions): the server posts a device-readable chain: a
 * struct blksrv_done, then for a read the data. numbat copies the data
 * into Linux's buffers, writes the status, and returns both chains. A
 * done with tag BLKSRV_TAG_CAPACITY sets the disk's size instead (the
 * 8 bytes after the header: sectors), which Linux is told of by a
 * configuration change.
 *
 * Configuration space (read-only): struct blksrv_config.
 */
#ifndef NUMBAT_BLKSRV_H
#define NUMBAT_BLKSRV_H

#include <stdint.h>

#define BLKSRV_DEVICE_ID     0x4e42u     /* a vendor DeviceID: "BN" */
#define BLKSRV_REQQ          0
#define BLKSRV_DONEQ         1
#define BLKSRV_MAX_DATA      (64u << 10) /* bytes one request carries, at most */
#define BLKSRV_TAG_CAPACITY  0xffffffffu

/* Modes (the description's block-server `mode`). */
#define BLKSRV_MODE_WRITE_THROUGH 0u     /* acknowledge once on the disk */
#define BLKSRV_MODE_RAPILOG       1u     /* acknowledge once buffered */
#define BLKSRV_MODE_UNSAFE        2u     /* the control: early ack, no drain */

/* Request types: virtio-blk's (virtio 1.2, 5.2.6). */
#define BLKSRV_T_IN      0u
#define BLKSRV_T_OUT     1u
#define BLKSRV_T_FLUSH   4u

/* Status: virtio-blk's. */
#define BLKSRV_S_OK      0u
#define BLKSRV_S_IOERR   1u
#define BLKSRV_S_UNSUPP  2u

struct blksrv_req {
	uint32_t tag;        /* give it back in the blksrv_done */
	uint32_t type;       /* BLKSRV_T_* */
	uint64_t sector;     /* 512-byte units */
	uint32_t len;        /* data bytes: following (OUT) or wanted (IN) */
	uint32_t reserved;
};

struct blksrv_done {
	uint32_t tag;
	uint32_t status;     /* BLKSRV_S_* */
	uint32_t len;        /* data bytes following (IN) */
	uint32_t reserved;
};

struct blksrv_config {
	uint32_t mode;           /* BLKSRV_MODE_* */
	uint32_t drain_ms;       /* the power-fail drain budget, 0 if none */
	uint64_t buffer_bytes;   /* RapiLog: the buffer's bound */
	uint32_t buffer_requests; /* RapiLog: at most this many held, 0: no bound */
	uint32_t reserved;
};

#endif
