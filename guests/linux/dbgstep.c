/*
 * dbgstep: checks that a Linux guest's ptrace can use the CPU's self-hosted
 * debug (software step, hardware watchpoints), as gdb does. It forks a
 * child that stops itself, then
 *   1. single-steps it (PTRACE_SINGLESTEP, i.e. MDSCR_EL1.SS) through a
 *      function of known length: 1 + 5 * 2 + 1 = 12 instructions;
 *   2. arms a hardware watchpoint on a word of the child (PTRACE_SETREGSET
 *      NT_ARM_HW_WATCH, i.e. DBGWVR/DBGWCR) and continues it: the child's
 *      store to the word stops it with SIGTRAP/TRAP_HWBKPT at that address,
 *      before the store is done (before=0); like gdb, it then disarms the
 *      watchpoint and steps over the store (after=4660, 0x1234), and the
 *      child, continued, exits with 0.
 * and prints one parseable line:
 *   dbgstep slots=<watchpoints> steps=<n> expected=12 watch_hit=<0|1>
 *     addr_ok=<0|1> before=<value> after=<value> child_exit=<status>
 *     result=<PASS|FAIL>
 *
 * A static aarch64 Linux program without libc (like cntvct.c): raw system
 * calls through svc, its own _start. Build:
 *   aarch64-linux-gnu-gcc -static -nostdlib -ffreestanding -O2 -o dbgstep dbgstep.c
 */
#include <stdint.h>

#define SYS_WRITE        64
#define SYS_EXIT_GROUP   94
#define SYS_PTRACE       117
#define SYS_KILL         129
#define SYS_GETPID       172
#define SYS_CLONE        220
#define SYS_WAIT4        260

#define SIGTRAP          5
#define SIGCHLD          17
#define SIGSTOP          19
#define TRAP_HWBKPT      4

#define PTRACE_TRACEME    0
#define PTRACE_PEEKDATA   2
#define PTRACE_CONT       7
#define PTRACE_SINGLESTEP 9
#define PTRACE_GETSIGINFO 0x4202
#define PTRACE_GETREGSET  0x4204
#define PTRACE_SETREGSET  0x4205
#define NT_PRSTATUS       1
#define NT_ARM_HW_WATCH   0x403

#define STEPS_EXPECTED    12
#define STEP_LIMIT        10000

/* Linux's arm64 watchpoint control: enabled, EL0, store, 8 bytes. */
#define WATCH_CTRL       (1u | (2u << 1) | (2u << 3) | (0xffu << 5))

/*
 * struct user_hwdebug_state as 64-bit words: dbg_info (low 32 bits) and
 * padding, then per slot the address and the control word (low 32 bits).
 */
#define HWDEBUG_WORDS     (1 + 2 * 16)
#define HWDEBUG_ONE_SLOT  (3 * 8)

/* GCC zeroes the structures below with memset; there is no libc. */
void *memset(void *d, int c, unsigned long n);

void *memset(void *d, int c, unsigned long n)
{
	volatile unsigned char *p = d; /* volatile: not turned into a memset call */

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

static long sys6(long nr, long a0, long a1, long a2, long a3, long a4)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}

static long ptrace4(long req, long pid, uint64_t addr, void *data)
{
	return sys6(SYS_PTRACE, req, pid, (long)addr, (long)data, 0);
}

/* The stepped function: mov, 5 x (subs, b.ne), add, then step_end. */
void step_fn(void);
extern char step_start[], step_end[];
__asm__(".text\n.global step_fn, step_start, step_end\n"
	"step_fn:\nstep_start:\n"
	"	mov x9, #5\n"
	"1:	subs x9, x9, #1\n"
	"	b.ne 1b\n"
	"	add x10, x10, #1\n"
	"step_end:\n"
	"	ret\n");

/* The watched store, one instruction. */
static void store(volatile uint64_t *p, uint64_t v)
{
	__asm__ volatile("str %1, [%0]" : : "r"(p), "r"(v) : "memory");
}

static volatile uint64_t watched __attribute__((aligned(8)));

static void child(void)
{
	ptrace4(PTRACE_TRACEME, 0, 0, 0);
	sys6(SYS_KILL, sys6(SYS_GETPID, 0, 0, 0, 0, 0), SIGSTOP, 0, 0, 0);
	step_fn();
	store(&watched, 0x1234);
	sys6(SYS_EXIT_GROUP, watched == 0x1234 ? 0 : 3, 0, 0, 0, 0);
	for (;;)
		;
}

/* Waits for the child; returns the raw wait status, or -1. */
static int wait_child(long pid)
{
	int status = 0;

	if (sys6(SYS_WAIT4, pid, (long)&status, 0, 0, 0) != pid)
		return -1;
	return status;
}

static int stopped_by(int status, int sig)
{
	return status >= 0 && (status & 0xff) == 0x7f && ((status >> 8) & 0xff) == sig;
}

static uint64_t child_pc(long pid)
{
	uint64_t regs[34] = { 0 };
	uint64_t iov[2] = { (uint64_t)regs, sizeof(regs) }; /* struct iovec */

	if (ptrace4(PTRACE_GETREGSET, pid, NT_PRSTATUS, iov) < 0)
		return 0;
	return regs[32];
}

/* One PTRACE_SINGLESTEP; returns the child's PC after it, 0 on error. */
static uint64_t step(long pid)
{
	if (ptrace4(PTRACE_SINGLESTEP, pid, 0, 0) < 0 || !stopped_by(wait_child(pid), SIGTRAP))
		return 0;
	return child_pc(pid);
}

/* Steps to step_start, then counts the steps to step_end. */
static int count_steps(long pid)
{
	uint64_t pc = child_pc(pid);
	int n = 0;

	for (int i = 0; pc != (uint64_t)step_start; i++) {
		pc = step(pid);
		if (!pc || i > STEP_LIMIT)
			return -1;
	}
	while (pc != (uint64_t)step_end) {
		pc = step(pid);
		if (!pc || ++n > STEP_LIMIT)
			return -1;
	}
	return n;
}

struct watch_result {
	int slots, hit, addr_ok;
	uint64_t before, after;
};

static void watch(long pid, struct watch_result *r)
{
	uint64_t st[HWDEBUG_WORDS] = { 0 };
	uint64_t iov[2] = { (uint64_t)st, sizeof(st) };
	uint64_t info[16] = { 0 };

	if (ptrace4(PTRACE_GETREGSET, pid, NT_ARM_HW_WATCH, iov) == 0)
		r->slots = (int)(st[0] & 0xff);
	st[1] = (uint64_t)&watched;
	st[2] = WATCH_CTRL;
	iov[1] = HWDEBUG_ONE_SLOT;
	if (ptrace4(PTRACE_SETREGSET, pid, NT_ARM_HW_WATCH, iov) < 0)
		return;
	if (ptrace4(PTRACE_CONT, pid, 0, 0) < 0 || !stopped_by(wait_child(pid), SIGTRAP))
		return;
	if (ptrace4(PTRACE_GETSIGINFO, pid, 0, info) < 0)
		return;
	r->hit = ((const int *)info)[2] == TRAP_HWBKPT;
	r->addr_ok = info[2] == (uint64_t)&watched;
	ptrace4(PTRACE_PEEKDATA, pid, (uint64_t)&watched, &r->before);
	/* As gdb does: disarm, step over the store, look again. */
	// cppcheck-suppress [redundantAssignment, unreadVariable] ; the kernel reads st
	st[2] = 0;
	if (ptrace4(PTRACE_SETREGSET, pid, NT_ARM_HW_WATCH, iov) < 0 || !step(pid))
		return;
	ptrace4(PTRACE_PEEKDATA, pid, (uint64_t)&watched, &r->after);
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, const char *name, long v)
{
	char digits[20];
	int n = 0;
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;

	p = put_str(p, name);
	if (v < 0)
		*p++ = '-';
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = digits[--n];
	return p;
}

void dbgstep_main(void) __attribute__((noreturn, used));

void dbgstep_main(void)
{
	struct watch_result w = { 0, 0, 0, ~0ull, 0 };
	char line[200], *p = line;
	long pid = sys6(SYS_CLONE, SIGCHLD, 0, 0, 0, 0);
	int steps = -1, code = -1, ok;

	if (pid == 0)
		child();
	if (pid > 0 && stopped_by(wait_child(pid), SIGSTOP)) {
		steps = count_steps(pid);
		watch(pid, &w);
		int status;

		ptrace4(PTRACE_CONT, pid, 0, 0);
		status = wait_child(pid);
		if (status >= 0 && (status & 0x7f) == 0)
			code = (status >> 8) & 0xff;
	}
	ok = steps == STEPS_EXPECTED && w.slots > 0 && w.hit && w.addr_ok &&
	     w.before == 0 && w.after == 0x1234 && code == 0;
	p = put_num(p, "dbgstep slots=", w.slots);
	p = put_num(p, " steps=", steps);
	p = put_num(p, " expected=", STEPS_EXPECTED);
	p = put_num(p, " watch_hit=", w.hit);
	p = put_num(p, " addr_ok=", w.addr_ok);
	p = put_num(p, " before=", (long)w.before);
	p = put_num(p, " after=", (long)w.after);
	p = put_num(p, " child_exit=", code);
	p = put_str(p, ok ? " result=PASS\n" : " result=FAIL\n");
	sys6(SYS_WRITE, 1, (long)line, p - line, 0, 0);
	sys6(SYS_EXIT_GROUP, !ok, 0, 0, 0, 0);
	for (;;)
		;
}

__asm__(".text\n"
	".global _start\n"
	".type _start, %function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	b dbgstep_main\n");
