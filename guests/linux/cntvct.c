/*
 * cntvct: prints the EL1 virtual counter (CNTVCT_EL0) and its frequency
 * (CNTFRQ_EL0) as "cntvct <count> cntfrq <hz>", for the Linux guests'
 * initramfs. /etc/rcS runs it first, so its line timestamps the first line
 * of /init; scripts/bench.sh reads it. Linux lets EL0 read both registers
 * (CNTKCTL_EL1.EL0VCTEN).
 *
 * A static aarch64 Linux program without libc: raw system calls through
 * svc, its own _start. Build:
 *   aarch64-linux-gnu-gcc -static -nostdlib -ffreestanding -O2 -o cntvct cntvct.c
 */
#include <stdint.h>

#define SYS_WRITE 64
#define SYS_EXIT_GROUP 94

static long sys_call3(long nr, long a0, long a1, long a2)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}

/* Appends v in decimal at p; returns the new end. */
static char *put_u64(char *p, uint64_t v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Writes the whole line to stdout; returns 0, or 1 if write failed. */
static int write_all(const char *buf, long len)
{
	while (len > 0) {
		long n = sys_call3(SYS_WRITE, 1, (long)buf, len);

		if (n <= 0)
			return 1;
		buf += n;
		len -= n;
	}
	return 0;
}

void cntvct_main(void) __attribute__((noreturn, used));

void cntvct_main(void)
{
	uint64_t count, freq;
	char line[64], *p = line;

	/* ISB: the counter read is not taken early (Arm ARM D12.1.2). */
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(count) :: "memory");
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	p = put_str(p, "cntvct ");
	p = put_u64(p, count);
	p = put_str(p, " cntfrq ");
	p = put_u64(p, freq);
	*p++ = '\n';
	sys_call3(SYS_EXIT_GROUP, write_all(line, p - line), 0, 0);
	for (;;)
		;
}

/* Entry from the kernel: sp is valid and 16-byte aligned; argv is unused. */
__asm__(".text\n"
	".global _start\n"
	".type _start, %function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	b cntvct_main\n");
