/*
 * Console output through NUMBAT_HC_CONSOLE_WRITE, a small printf and the
 * string functions a freestanding guest needs.
 *
 * printf formats into a buffer on the caller's stack (at most PRINTF_MAX
 * bytes) and hands it to numbat in one go, so a line printed by one vCPU is
 * not torn by another vCPU of the same VM printing at the same time.
 */
#include "numbat.h"

#include "lib/format.h"

int64_t console_write(const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		int64_t n = hvc(NUMBAT_HC_CONSOLE_WRITE, (uint64_t)(buf + done),
				len - done, 0);
		if (n < 0)
			return n;
		if (n == 0)  /* no progress: give up rather than spin */
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

/*
 * Formatting is numbat's own src/lib/format.c, built into the guest
 * runtime too (both are freestanding): %c %s %d %i %u %x %X %p %% with
 * '0'/'-' flags, a width and the l, ll and z modifiers.
 */
#define PRINTF_MAX 512

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTF_MAX];
	size_t n = format_v(buf, sizeof(buf), fmt, ap);

	console_write(buf, n);
	return (int)n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Returns the length written (truncated output is NUL-terminated). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return (int)format_v(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

/* ------------------------------------------------------------------ */

void *memset(void *dst, int c, size_t n)
{
	volatile unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
