/*
 * nbench: request/response latency over UDP and AF_VSOCK streams, after
 * netperf's UDP_RR and lmbench's lat_udp: a client sends RR_MSG bytes, an
 * echo server sends them back, iters times; the figure is ns per round
 * trip (issue 9: between two Linux VMs over numbat's links, against the
 * same over loopback inside one VM).
 *
 *   nbench udprr <iters>            loopback: a forked server on 127.0.0.1
 *   nbench udprr <iters> <ipv4>     client of `nbench udpecho` on <ipv4>
 *   nbench vsockrr <iters>          loopback: a forked server on CID 1
 *                                   (VMADDR_CID_LOCAL: needs vsock_loopback)
 *   nbench vsockrr <iters> <cid>[:<port>]  client of a vsock echo service
 *   nbench udpecho | vsockecho      the echo servers, on port RR_PORT, until
 *                                   killed (vsockecho: one connection at a
 *                                   time)
 *
 * Each client checks every reply byte for byte and first runs RR_WARMUP
 * untimed round trips (ARP, the first connection's buffers, page faults).
 * A lost datagram fails after SO_RCVTIMEO instead of hanging.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nbench.h"

#define RR_MSG     64        /* bytes each way: a small request */
#define RR_PORT    7007      /* the echo servers' port, UDP and vsock */
#define RR_WARMUP  20

/* A receive timeout on s, so a lost message fails the benchmark. */
static void set_timeout(const char *name, int s)
{
	struct timeval tv = { 30, 0 };

	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		nb_die(name, "SO_RCVTIMEO");
}

/* Reads exactly n bytes from a stream; false on EOF or error. */
static int read_full(int s, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(s, p, n);

		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/*
 * iters round trips on connected socket s (datagram or stream), after
 * RR_WARMUP untimed ones; reports ns per round trip.
 */
static void rr_client(const char *name, int s, uint64_t iters)
{
	char out[RR_MSG], in[RR_MSG];
	uint64_t t0 = 0;

	for (unsigned i = 0; i < RR_MSG; i++)
		out[i] = (char)('a' + i % 26);
	for (uint64_t i = 0; i < iters + RR_WARMUP; i++) {
		if (i == RR_WARMUP)
			t0 = nb_now_ns();
		out[0] = (char)i;
		if (write(s, out, RR_MSG) != RR_MSG)
			nb_die(name, "send");
		if (!read_full(s, in, RR_MSG))
			nb_die(name, "reply (lost or timed out)");
		if (memcmp(in, out, RR_MSG) != 0)
			nb_fail(name, "the reply differs from the request");
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

/* UDP echo: every datagram back to its sender; count 0 means forever. */
static void udp_echo_loop(int s, uint64_t count)
{
	char buf[2048];

	for (uint64_t i = 0; count == 0 || i < count; i++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0 && count == 0 && errno == EINTR)
			continue;
		if (n < 0 || sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, len) != n)
			_exit(1);
	}
	_exit(0);
}

/* Stream echo on one connection until the peer closes it. */
static void stream_echo(int c)
{
	char buf[2048];
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		if (write(c, buf, (size_t)n) != n)
			break;
	close(c);
}

static int udp_socket(const char *name, uint32_t addr, uint16_t port, struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		nb_die(name, "socket");
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = addr;
	sa->sin_port = htons(port);
	if (bind(s, (struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    getsockname(s, (struct sockaddr *)sa, &len) != 0)
		nb_die(name, "bind");
	return s;
}

static void reap(const char *name, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		nb_fail(name, "echo server failed");
}

/*
 * The client's half of both round trips: socket `s` connected to `to`,
 * the timed run, then the forked local server (pid > 0) reaped.
 */
static void rr_connected(const char *name, int s, const struct sockaddr *to, socklen_t len,
			 uint64_t iters, pid_t pid)
{
	set_timeout(name, s);
	if (connect(s, to, len) != 0)
		nb_die(name, "connect");
	rr_client(name, s, iters);
	close(s);
	if (pid > 0)
		reap(name, pid);
}

void nb_udprr(const char *name, uint64_t iters, const char *peer)
{
	struct sockaddr_in me, to;
	int s;
	pid_t pid = -1;

	if (peer == NULL) {
		int srv = udp_socket(name, htonl(INADDR_LOOPBACK), 0, &to);

		pid = fork();
		if (pid < 0)
			nb_die(name, "fork");
		if (pid == 0)
			udp_echo_loop(srv, iters + RR_WARMUP);
		close(srv);
	} else {
		memset(&to, 0, sizeof(to));
		to.sin_family = AF_INET;
		to.sin_port = htons(RR_PORT);
		if (inet_pton(AF_INET, peer, &to.sin_addr) != 1)
			nb_fail(name, "bad IPv4 address");
	}
	s = udp_socket(name, htonl(INADDR_ANY), 0, &me);
	rr_connected(name, s, (struct sockaddr *)&to, sizeof(to), iters, pid);
}

static int vsock_listener(const char *name)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				  .svm_port = RR_PORT };
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (s < 0)
		nb_die(name, "socket(AF_VSOCK)");
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 4) != 0)
		nb_die(name, "bind/listen");
	return s;
}

void nb_vsockrr(const char *name, uint64_t iters, const char *peer)
{
	struct sockaddr_vm to = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL,
				  .svm_port = RR_PORT };
	pid_t pid = -1;
	int s;

	if (peer == NULL) {
		int ls = vsock_listener(name);

		pid = fork();
		if (pid < 0)
			nb_die(name, "fork");
		if (pid == 0) {
			int c = accept(ls, NULL, NULL);

			if (c < 0)
				_exit(1);
			stream_echo(c);
			_exit(0);
		}
		close(ls);
	} else {
		char *end;

		to.svm_cid = (unsigned)strtoul(peer, &end, 0);
		if (*end == ':')
			to.svm_port = (unsigned)strtoul(end + 1, &end, 0);
		if (*end != '\0')
			nb_fail(name, "bad vsock address (cid[:port])");
	}
	s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0)
		nb_die(name, "socket(AF_VSOCK)");
	rr_connected(name, s, (struct sockaddr *)&to, sizeof(to), iters, pid);
}

int nb_udpecho(void)
{
	struct sockaddr_in sa;

	udp_echo_loop(udp_socket("udpecho", htonl(INADDR_ANY), RR_PORT, &sa), 0);
	return 1;
}

int nb_vsockecho(void)
{
	int ls = vsock_listener("vsockecho");

	for (;;) {
		int c = accept(ls, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			nb_die("vsockecho", "accept");
		}
		stream_echo(c);
	}
}
