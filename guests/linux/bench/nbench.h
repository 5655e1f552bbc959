/*
 * nbench: numbat's Linux workload benchmarks (issue 11), one static arm64
 * program with one subcommand per benchmark. Shared declarations.
 *
 * Every benchmark times its own loop with the EL1 virtual counter
 * (CNTVCT_EL0, readable at EL0 under Linux) and prints one line:
 *
 *   NBENCH <name> <value> <unit> iters=<n> [check=<hex>]
 *
 * <unit> is ns/op (latency rows: time per operation), MB/s (throughput
 * rows: 10^6 bytes per second) or ns/run (CPU kernels: time per run of the
 * kernel). Under QEMU -icount shift=0 a nanosecond is one instruction, so
 * ns/op is instructions per operation. check= is a checksum of a CPU
 * kernel's result, the same on every run (a wrong kernel shows).
 */
#ifndef NBENCH_H
#define NBENCH_H

#include <stdint.h>

/* The counter, as nanoseconds (counter ticks scaled by CNTFRQ_EL0). */
uint64_t nb_now_ns(void);

/* Prints the result line of a latency or per-run benchmark. */
void nb_report(const char *name, uint64_t ns, uint64_t iters, const char *unit,
	       int has_check, uint64_t check);

/* Prints a throughput line: bytes moved in ns. */
void nb_report_rate(const char *name, uint64_t bytes, uint64_t ns, uint64_t iters);

/* Prints "nbench: <name>: <what>: <strerror>" and exits 1. */
void nb_die(const char *name, const char *what) __attribute__((noreturn));

/* Prints "nbench: <name>: <what>" (a wrong result, no errno) and exits 1. */
void nb_fail(const char *name, const char *what) __attribute__((noreturn));

/* The path of this program (for fork+execve and system()). */
extern const char *nb_self;

/* One benchmark: runs iters operations and reports. */
typedef void (*nb_fn)(const char *name, uint64_t iters);

/* lat.c: the lmbench-style rows. */
void nb_null(const char *name, uint64_t iters);
void nb_read(const char *name, uint64_t iters);
void nb_stat(const char *name, uint64_t iters);
void nb_fstat(const char *name, uint64_t iters);
void nb_openclose(const char *name, uint64_t iters);
void nb_select(const char *name, uint64_t iters);
void nb_sig(const char *name, uint64_t iters);
void nb_pipe(const char *name, uint64_t iters);
void nb_unix(const char *name, uint64_t iters);
void nb_fork(const char *name, uint64_t iters);
void nb_exec(const char *name, uint64_t iters);
void nb_system(const char *name, uint64_t iters);

/* net.c: loopback throughput. */
void nb_tcp(const char *name, uint64_t iters, const char *peer);
int nb_tcpsink(void);     /* the receiver for nb_tcp to a peer: until killed */
void nb_udp(const char *name, uint64_t iters);

/* rr.c: UDP and vsock round trips, loopback (peer NULL) or to a peer. */
void nb_udprr(const char *name, uint64_t iters, const char *peer);
void nb_vsockrr(const char *name, uint64_t iters, const char *peer);
int nb_udpecho(void);     /* the echo servers: run until killed */
int nb_vsockecho(void);

/* cpu.c: CPU-bound kernels in the MiBench spirit. */
void nb_sha(const char *name, uint64_t iters);
void nb_qsort(const char *name, uint64_t iters);
void nb_crc32(const char *name, uint64_t iters);
void nb_dijkstra(const char *name, uint64_t iters);
void nb_search(const char *name, uint64_t iters);

#endif
