/*
 * nbench: loopback TCP and UDP throughput, after netperf's TCP_STREAM and
 * UDP_STREAM (netperf is not in Debian). A forked receiver on 127.0.0.1;
 * the sender's clock runs from its first byte to the receiver's
 * acknowledgement of the last, so the figure is bytes the receiver got per
 * second. iters is the number of 64 KiB TCP writes, or of UDP bursts.
 * TCP also runs to a peer (`nbench tcp <iters> <ipv4>` against `nbench
 * tcpsink` there): a byte count, not a time, so it suits -icount, where
 * iperf3's timed runs do not.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nbench.h"

#define TCP_CHUNK 65536
#define TCP_SINK_PORT 7008	/* nbench tcpsink */
#define UDP_DGRAM 1472		/* fills a 1500-byte MTU, as netperf's default */
#define UDP_BURST 32		/* datagrams per acknowledgement: fits the
				   receive buffer, so none are dropped */

static char buf[TCP_CHUNK];

/* A socket of type on 127.0.0.1, port chosen by the kernel; *addr is set. */
static int bound_socket(const char *name, int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = socket(AF_INET, type, 0);
	struct timeval tv = { 30, 0 };	/* a lost datagram fails, not hangs */

	if (s < 0)
		nb_die(name, "socket");
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(s, (struct sockaddr *)addr, &len) != 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		nb_die(name, "bind");
	return s;
}

static void reap(const char *name, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		nb_die(name, "receiver failed");
}

/* Reads total bytes from connection c, acks with one byte, exits. */
static void tcp_drain(int c, uint64_t total)
{
	while (total > 0) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n <= 0)
			_exit(1);
		total -= (uint64_t)n;
	}
	_exit(write(c, "k", 1) == 1 ? 0 : 1);
}

/* Receiver: the first connection on ls, then tcp_drain. */
static void tcp_receiver(int ls, uint64_t total)
{
	int c = accept(ls, NULL, NULL);

	if (c < 0)
		_exit(1);
	tcp_drain(c, total);
}

/* Sends iters chunks on connected socket s; reports once the receiver acked. */
static void tcp_send(const char *name, int s, uint64_t iters)
{
	uint64_t total = iters * TCP_CHUNK, t0 = nb_now_ns();
	char ack;

	for (uint64_t i = 0; i < iters; i++) {
		size_t off = 0;

		while (off < TCP_CHUNK) {
			ssize_t n = write(s, buf + off, TCP_CHUNK - off);

			if (n <= 0)
				nb_die(name, "write");
			off += (size_t)n;
		}
	}
	if (read(s, &ack, 1) != 1)
		nb_die(name, "ack");
	nb_report_rate(name, total, nb_now_ns() - t0, iters);
}

/*
 * Loopback (peer NULL): a forked receiver on 127.0.0.1. To a peer: the
 * receiver is `nbench tcpsink` on <ipv4>, port TCP_SINK_PORT; the first
 * 8 bytes sent are the byte count that follows.
 */
void nb_tcp(const char *name, uint64_t iters, const char *peer)
{
	struct sockaddr_in addr;
	int s, one = 1;
	pid_t pid = -1;

	if (peer == NULL) {
		int ls = bound_socket(name, SOCK_STREAM, &addr);

		if (listen(ls, 1) != 0)
			nb_die(name, "listen");
		pid = fork();
		if (pid < 0)
			nb_die(name, "fork");
		if (pid == 0)
			tcp_receiver(ls, iters * TCP_CHUNK);
		close(ls);
	} else {
		memset(&addr, 0, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_port = htons(TCP_SINK_PORT);
		if (inet_pton(AF_INET, peer, &addr.sin_addr) != 1)
			nb_fail(name, "bad IPv4 address");
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		nb_die(name, "connect");
	if (peer != NULL) {
		uint64_t total = iters * TCP_CHUNK;

		if (write(s, &total, sizeof(total)) != sizeof(total))
			nb_die(name, "write");
	}
	tcp_send(name, s, iters);
	close(s);
	if (pid > 0)
		reap(name, pid);
}

int nb_tcpsink(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(TCP_SINK_PORT) };
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(ls, 1) != 0)
		nb_die("tcpsink", "listen");
	for (;;) {
		int c = accept(ls, NULL, NULL);
		uint64_t total;

		if (c < 0)
			continue;
		if (read(c, &total, sizeof(total)) == sizeof(total)) {
			pid_t pid = fork();

			if (pid == 0)
				tcp_drain(c, total);
			waitpid(pid, NULL, 0);
		}
		close(c);
	}
}

/* Receiver: UDP_BURST datagrams, then one ack to the sender, iters times. */
static void udp_receiver(int s, uint64_t iters)
{
	struct sockaddr_in from;

	for (uint64_t i = 0; i < iters; i++) {
		socklen_t len = sizeof(from);

		for (int d = 0; d < UDP_BURST; d++)
			if (recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
				     &len) != UDP_DGRAM)
				_exit(1);
		if (sendto(s, "k", 1, 0, (struct sockaddr *)&from, len) != 1)
			_exit(1);
	}
	_exit(0);
}

void nb_udp(const char *name, uint64_t iters)
{
	struct sockaddr_in raddr, saddr;
	int r = bound_socket(name, SOCK_DGRAM, &raddr);
	int s = bound_socket(name, SOCK_DGRAM, &saddr);
	uint64_t t0;
	pid_t pid = fork();
	char ack;

	if (pid < 0)
		nb_die(name, "fork");
	if (pid == 0)
		udp_receiver(r, iters);
	if (connect(s, (struct sockaddr *)&raddr, sizeof(raddr)) != 0)
		nb_die(name, "connect");
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		for (int d = 0; d < UDP_BURST; d++)
			if (send(s, buf, UDP_DGRAM, 0) != UDP_DGRAM)
				nb_die(name, "send");
		if (recv(s, &ack, 1, 0) != 1)
			nb_die(name, "ack (a datagram was lost)");
	}
	nb_report_rate(name, iters * UDP_BURST * UDP_DGRAM, nb_now_ns() - t0, iters);
	close(s);
	reap(name, pid);
}
