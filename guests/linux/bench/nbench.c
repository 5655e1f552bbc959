/*
 * nbench: the entry point, the timer and the result lines (see nbench.h).
 *
 * Usage: nbench <benchmark> <iterations>     runs one benchmark
 *        nbench list                         names every benchmark
 *        nbench hello                        exits 0 (the fork+execve and
 *                                            system() rows run it)
 *        nbench seed                         credits a fixed 256-bit seed
 *                                            to the kernel's CRNG
 *        nbench udprr|vsockrr <iters> [peer] round trips to a peer's echo
 *        nbench udpecho|vsockecho            server, or over loopback; the
 *                                            servers (rr.c)
 *        nbench tcp <iters> [peer]           TCP stream, loopback or to
 *        nbench tcpsink                      the sink on a peer (net.c)
 * Exit status 0 if the benchmark ran, 1 (with a message) if a system call
 * it needs failed, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nbench.h"

const char *nb_self = "/bin/nbench";

static const struct {
	const char *name;
	nb_fn fn;
} benchmarks[] = {
	{ "null", nb_null },         { "read", nb_read },
	{ "stat", nb_stat },         { "fstat", nb_fstat },
	{ "openclose", nb_openclose }, { "select10", nb_select },
	{ "sighandler", nb_sig },    { "pipe", nb_pipe },
	{ "unix", nb_unix },         { "fork", nb_fork },
	{ "exec", nb_exec },         { "system", nb_system },
	{ "udp", nb_udp },
	{ "sha", nb_sha },           { "qsort", nb_qsort },
	{ "crc32", nb_crc32 },       { "dijkstra", nb_dijkstra },
	{ "search", nb_search },
};

uint64_t nb_now_ns(void)
{
	uint64_t count, freq;

	/* ISB: the counter read is not taken early (Arm ARM D12.1.2). */
	__asm__ volatile("isb; mrs %0, cntvct_el0; isb" : "=r"(count) :: "memory");
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	if (freq == 0)
		freq = 1;
	return (uint64_t)((unsigned __int128)count * 1000000000u / freq);
}

void nb_report(const char *name, uint64_t ns, uint64_t iters, const char *unit,
	       int has_check, uint64_t check)
{
	double per = iters ? (double)ns / (double)iters : 0.0;

	if (has_check)
		printf("NBENCH %s %.1f %s iters=%llu check=%llx\n", name, per, unit,
		       (unsigned long long)iters, (unsigned long long)check);
	else
		printf("NBENCH %s %.1f %s iters=%llu\n", name, per, unit,
		       (unsigned long long)iters);
	fflush(stdout);
}

void nb_report_rate(const char *name, uint64_t bytes, uint64_t ns, uint64_t iters)
{
	double rate = ns ? (double)bytes * 1000.0 / (double)ns : 0.0;

	printf("NBENCH %s %.2f MB/s iters=%llu\n", name, rate, (unsigned long long)iters);
	fflush(stdout);
}

void nb_die(const char *name, const char *what)
{
	fprintf(stderr, "nbench: %s: %s: %s\n", name, what, strerror(errno));
	exit(1);
}

/*
 * Makes the kernel's CRNG ready with a fixed seed (RNDADDENTROPY, root
 * only). A guest without a seed from its boot loader or an RNG device
 * never gets one under icount; until then Linux 6.1 runs the whole
 * extraction (BLAKE2s, ChaCha: about 8,000 instructions) for every
 * get_random_u16(), which arm64 calls on every system call to randomise
 * the kernel stack offset. A fixed seed keeps runs repeatable. For a
 * benchmark guest only: a known seed gives no secrecy.
 */
static int seed_crng(void)
{
	struct {
		struct rand_pool_info info;
		uint32_t words[8];
	} seed = { .info = { .entropy_count = 256, .buf_size = sizeof(seed.words) } };
	int fd = open("/dev/urandom", O_WRONLY), ret;

	for (unsigned i = 0; i < 8; i++)
		seed.words[i] = 0x6e756d62u * (i + 1) ^ 0x9e3779b9u;	/* "numb" */
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &seed) != 0) {
		perror("nbench: seed");
		return 1;
	}
	ret = close(fd) != 0;
	printf("nbench: crng seeded (a fixed seed, for benchmarking only)\n");
	return ret;
}

void nb_fail(const char *name, const char *what)
{
	fprintf(stderr, "nbench: %s: %s\n", name, what);
	exit(1);
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t iters;
	size_t i;
	int rr;

	if (argc >= 2 && strcmp(argv[1], "hello") == 0)
		return 0;
	if (argc >= 2 && strcmp(argv[1], "seed") == 0)
		return seed_crng();
	if (argc == 2 && strcmp(argv[1], "udpecho") == 0)
		return nb_udpecho();
	if (argc == 2 && strcmp(argv[1], "vsockecho") == 0)
		return nb_vsockecho();
	if (argc == 2 && strcmp(argv[1], "tcpsink") == 0)
		return nb_tcpsink();
	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++)
			printf("%s\n", benchmarks[i].name);
		return 0;
	}
	rr = argc >= 2 && (strcmp(argv[1], "udprr") == 0 || strcmp(argv[1], "vsockrr") == 0 ||
			   strcmp(argv[1], "tcp") == 0);
	if (argc != 3 && !(rr && argc == 4)) {
		fprintf(stderr, "usage: nbench <benchmark> <iterations> | "
			"udprr|vsockrr|tcp <iterations> [peer] | udpecho | vsockecho | tcpsink | "
			"list | hello\n");
		return 2;
	}
	errno = 0;
	iters = strtoull(argv[2], &end, 0);
	if (errno || *end || iters == 0) {
		fprintf(stderr, "nbench: bad iteration count '%s'\n", argv[2]);
		return 2;
	}
	if (rr) {
		void (*fn)(const char *, uint64_t, const char *) =
			argv[1][0] == 'u' ? nb_udprr : argv[1][0] == 'v' ? nb_vsockrr : nb_tcp;

		fn(argv[1], iters, argc == 4 ? argv[3] : NULL);
		return 0;
	}
	for (i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++) {
		if (strcmp(argv[1], benchmarks[i].name) == 0) {
			benchmarks[i].fn(benchmarks[i].name, iters);
			return 0;
		}
	}
	fprintf(stderr, "nbench: no benchmark '%s' (nbench list)\n", argv[1]);
	return 2;
}
