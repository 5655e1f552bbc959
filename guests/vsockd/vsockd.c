/*
 * vsockd: an example native partition offering services over virtio-vsock
 * (guests/lib/vsock.h) to the VMs the system description links to it.
 *
 *   port 1234  echo: every byte received is sent back
 *   port 1235  commands, one per line, each answered with one line:
 *                uptime   seconds since this partition started
 *                stats    the vsock counters of this partition
 *                whoami   the peer's CID and port, and ours
 *                reboot   restarts this partition (PSCI SYSTEM_RESET):
 *                         its connections end in RST for their peers
 *                help     the commands
 *
 * From a linked Linux VM (CID 5 is the partition's in systems/linux.dts):
 *   echo hello | socat - VSOCK-CONNECT:5:1234
 *   echo stats | socat - VSOCK-CONNECT:5:1235
 *
 * It logs each connection opened and closed, and each packet that reached
 * no connection ("refused ..."), on its console. The device is the VM's
 * virtio-mmio window at VSOCKD_BASE, SPI VSOCKD_SPI.
 */
#include "numbat.h"
#include "vsock.h"

#define VSOCKD_BASE    0x0a000000ul
#define VSOCKD_SPI     16             /* INTID 48 */
#define PORT_ECHO      1234
#define PORT_CMD       1235
#define LINE_MAX       128

static struct vsock vs;

/* Per connection: its service and a partial command line. */
static struct {
	uint32_t port;
	uint32_t len;
	char line[LINE_MAX];
} svc[VSOCK_MAX_CONN];

static uint64_t started;

/* Sends all of buf, polling while the peer's credit or our buffers are out. */
static void send_all(int c, const void *buf, uint32_t len)
{
	const uint8_t *b = buf;
	uint64_t end = counter_read() + counter_ms(2000);

	while (len && counter_read() < end) {
		int n = vsock_send(&vs, c, b, len);

		if (n < 0)
			return;
		b += n;
		len -= (uint32_t)n;
		if (len)
			vsock_poll(&vs, 1);
	}
}

static void reply(int c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(int c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	send_all(c, buf, (uint32_t)n);
}

static void command(int c, const char *cmd)
{
	const struct vsock_stats *s = &vs.stats;
	const struct vsock_conn *k = &vs.conn[c];
	uint64_t ms = (counter_read() - started) / counter_ms(1);

	if (!strcmp(cmd, "uptime")) {
		reply(c, "up %lu.%03lu s\n", ms / 1000, ms % 1000);
	} else if (!strcmp(cmd, "stats")) {
		reply(c, "rx %lu packets %lu bytes, tx %lu packets %lu bytes, "
		      "dropped rx %lu tx %lu, resets sent %lu received %lu\n",
		      s->rx_packets, s->rx_bytes, s->tx_packets, s->tx_bytes,
		      s->rx_dropped, s->tx_dropped, s->resets_sent, s->resets_received);
	} else if (!strcmp(cmd, "whoami")) {
		reply(c, "you are cid %lu port %u; I am cid %lu port %u\n",
		      k->peer_cid, k->peer_port, vs.cid, k->local_port);
	} else if (!strcmp(cmd, "reboot")) {
		reply(c, "rebooting\n");
		vsock_poll(&vs, 0);
		printf("vsockd: reboot asked by cid %lu\n", k->peer_cid);
		psci_system_reset();
	} else if (!strcmp(cmd, "help")) {
		reply(c, "commands: uptime stats whoami reboot help\n");
	} else if (cmd[0]) {
		reply(c, "unknown command '%s' (try help)\n", cmd);
	}
}

/* Feeds received bytes of a command connection into its line buffer. */
static void command_bytes(int c, const uint8_t *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (b[i] == '\n' || b[i] == '\r' || svc[c].len == LINE_MAX - 1) {
			svc[c].line[svc[c].len] = '\0';
			svc[c].len = 0;
			command(c, svc[c].line);
		} else {
			svc[c].line[svc[c].len++] = (char)b[i];
		}
	}
}

/* Serves connection c: reads what arrived and answers it. */
static void serve(int c)
{
	uint8_t buf[1024];
	int n;

	while ((n = vsock_recv(&vs, c, buf, sizeof(buf))) > 0) {
		if (svc[c].port == PORT_ECHO)
			send_all(c, buf, (uint32_t)n);
		else
			command_bytes(c, buf, n);
	}
	if (n == VSOCK_EOF || n == VSOCK_ERESET) {
		if (n == VSOCK_EOF && svc[c].port == PORT_CMD && svc[c].len)
			command_bytes(c, (const uint8_t *)"\n", 1);
		printf("vsockd: cid %lu port %u %s\n", vs.conn[c].peer_cid,
		       vs.conn[c].peer_port, n == VSOCK_EOF ? "closed" : "reset");
		vsock_close(&vs, c);
	}
}

static const char *const op_names[] = {
	"INVALID", "REQUEST", "RESPONSE", "RST", "SHUTDOWN", "RW",
	"CREDIT_UPDATE", "CREDIT_REQUEST",
};

static void on_refused(struct vsock *v, const struct virtio_vsock_hdr *h)
{
	(void)v;
	printf("vsockd: refused %s from cid %lu port %u to port %u\n",
	       h->op <= VSOCK_OP_MAX ? op_names[h->op] : "?", h->src_cid,
	       h->src_port, h->dst_port);
}

int main(void)
{
	started = counter_read();
	gic_init();
	if (vsock_init(&vs, VSOCKD_BASE, 32 + VSOCKD_SPI)) {
		printf("vsockd: no virtio-vsock device at 0x%lx\n", VSOCKD_BASE);
		return 1;
	}
	vs.on_refused = on_refused;
	vsock_listen(&vs, PORT_ECHO);
	vsock_listen(&vs, PORT_CMD);
	printf("vsockd: cid %lu, echo on port %u, commands on port %u\n",
	       vs.cid, (unsigned)PORT_ECHO, (unsigned)PORT_CMD);
	for (;;) {
		int c;

		vsock_poll(&vs, 1000);
		while ((c = vsock_accept(&vs)) >= 0) {
			svc[c].port = vs.conn[c].local_port;
			svc[c].len = 0;
			printf("vsockd: cid %lu port %u connected to port %u\n",
			       vs.conn[c].peer_cid, vs.conn[c].peer_port, svc[c].port);
		}
		for (c = 0; c < VSOCK_MAX_CONN; c++)
			if (vs.conn[c].state != VSOCK_FREE && vs.conn[c].accepted)
				serve(c);
	}
}
