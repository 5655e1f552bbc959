/*
 * nbench: the rows of the OKL4 Microvisor paper's lmbench table, written
 * after lmbench's lat_syscall, lat_select, lat_sig, lat_pipe, lat_unix and
 * lat_proc (lmbench itself is not in Debian). Each reports ns per operation.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nbench.h"

#define SCRATCH "/tmp/nbench.file"

/* Creates the scratch file stat, fstat, open/close and select use. */
static void make_scratch(const char *name)
{
	int fd = open(SCRATCH, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "nbench\n", 7) != 7 || close(fd) != 0)
		nb_die(name, "create " SCRATCH);
}

/* getppid: a system call that does nothing (glibc does not cache it). */
void nb_null(const char *name, uint64_t iters)
{
	uint64_t t0 = nb_now_ns();

	for (uint64_t i = 0; i < iters; i++)
		syscall(SYS_getppid);
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

/* One-byte read from /dev/zero. */
void nb_read(const char *name, uint64_t iters)
{
	char c;
	int fd = open("/dev/zero", O_RDONLY);
	uint64_t t0;

	if (fd < 0)
		nb_die(name, "open /dev/zero");
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++)
		if (read(fd, &c, 1) != 1)
			nb_die(name, "read");
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
	close(fd);
}

void nb_stat(const char *name, uint64_t iters)
{
	struct stat st;
	uint64_t t0;

	make_scratch(name);
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++)
		if (stat(SCRATCH, &st) != 0)
			nb_die(name, "stat");
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

void nb_fstat(const char *name, uint64_t iters)
{
	struct stat st;
	int fd;
	uint64_t t0;

	make_scratch(name);
	fd = open(SCRATCH, O_RDONLY);
	if (fd < 0)
		nb_die(name, "open");
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++)
		if (fstat(fd, &st) != 0)
			nb_die(name, "fstat");
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
	close(fd);
}

void nb_openclose(const char *name, uint64_t iters)
{
	uint64_t t0;

	make_scratch(name);
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		int fd = open(SCRATCH, O_RDONLY);

		if (fd < 0 || close(fd) != 0)
			nb_die(name, "open/close");
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

/* select() on 10 regular-file descriptors (always ready), zero timeout. */
void nb_select(const char *name, uint64_t iters)
{
	int fds[10], maxfd = 0;
	fd_set set;
	uint64_t t0;

	make_scratch(name);
	for (int i = 0; i < 10; i++) {
		fds[i] = open(SCRATCH, O_RDONLY);
		if (fds[i] < 0)
			nb_die(name, "open");
		if (fds[i] > maxfd)
			maxfd = fds[i];
	}
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		struct timeval tv = { 0, 0 };

		FD_ZERO(&set);
		for (int j = 0; j < 10; j++)
			FD_SET(fds[j], &set);
		if (select(maxfd + 1, &set, NULL, NULL, &tv) != 10)
			nb_die(name, "select");
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	(void)sig;
	caught++;
}

/* Signal delivery: kill(self) and the handler running, per operation. */
void nb_sig(const char *name, uint64_t iters)
{
	struct sigaction sa = { 0 };
	pid_t me = getpid();
	uint64_t t0;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		nb_die(name, "sigaction");
	t0 = nb_now_ns();
	for (uint64_t i = 0; i < iters; i++)
		kill(me, SIGUSR1);
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
	if ((uint64_t)caught != iters)
		nb_fail(name, "signals lost");
}

/* Waits for child pid; dies unless it exited with status 0. */
static void reap(const char *name, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		nb_die(name, "child failed");
}

/*
 * Ping-pong of one word between two processes over a pair of descriptors
 * each way (to[] parent->child, from[] child->parent): a round trip per
 * operation, as lmbench's lat_pipe and lat_unix report.
 */
static void ping_pong(const char *name, uint64_t iters, int to[2], int from[2])
{
	uint64_t word = 0, t0;
	pid_t pid = fork();

	if (pid < 0)
		nb_die(name, "fork");
	if (pid == 0) {
		for (uint64_t i = 0; i < iters; i++)
			if (read(to[0], &word, sizeof(word)) != sizeof(word) ||
			    write(from[1], &word, sizeof(word)) != sizeof(word))
				_exit(1);
		_exit(0);
	}
	/* One warm-up round trip: the child is running before the clock starts. */
	if (write(to[1], &word, sizeof(word)) != sizeof(word) ||
	    read(from[0], &word, sizeof(word)) != sizeof(word))
		nb_die(name, "warm-up");
	t0 = nb_now_ns();
	for (uint64_t i = 1; i < iters; i++)
		if (write(to[1], &word, sizeof(word)) != sizeof(word) ||
		    read(from[0], &word, sizeof(word)) != sizeof(word))
			nb_die(name, "round trip");
	nb_report(name, nb_now_ns() - t0, iters > 1 ? iters - 1 : 1, "ns/op", 0, 0);
	reap(name, pid);
}

void nb_pipe(const char *name, uint64_t iters)
{
	int to[2], from[2];

	if (pipe(to) != 0 || pipe(from) != 0)
		nb_die(name, "pipe");
	ping_pong(name, iters, to, from);
}

void nb_unix(const char *name, uint64_t iters)
{
	int sv[2], to[2], from[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		nb_die(name, "socketpair");
	/* One socket, both directions: each side reads and writes its end. */
	to[0] = sv[1];
	to[1] = sv[0];
	from[0] = sv[0];
	from[1] = sv[1];
	ping_pong(name, iters, to, from);
}

/* fork, the child exits at once, the parent waits. */
void nb_fork(const char *name, uint64_t iters)
{
	uint64_t t0 = nb_now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		pid_t pid = fork();

		if (pid < 0)
			nb_die(name, "fork");
		if (pid == 0)
			_exit(0);
		reap(name, pid);
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

/* fork, the child execs this (static) program as "hello", the parent waits. */
void nb_exec(const char *name, uint64_t iters)
{
	char *argv[] = { (char *)nb_self, (char *)"hello", NULL };
	char *envp[] = { NULL };
	uint64_t t0 = nb_now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		pid_t pid = fork();

		if (pid < 0)
			nb_die(name, "fork");
		if (pid == 0) {
			execve(nb_self, argv, envp);
			_exit(1);
		}
		reap(name, pid);
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}

/* system(): /bin/sh -c runs "hello", as lmbench's lat_proc shell does. */
void nb_system(const char *name, uint64_t iters)
{
	uint64_t t0 = nb_now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		int status = system("/bin/nbench hello");

		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			nb_die(name, "system");
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/op", 0, 0);
}
