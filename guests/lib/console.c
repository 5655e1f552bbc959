/*
 * Console output through NUMBAT_HC_CONSOLE_WRITE, a small printf and the
 * string functions a freestanding guest needs.
 *
 * printf formats into a buffer on the caller's stack and hands it to numbat
 * in as few calls as possible, so a line printed by one vCPU is not torn by
 * another vCPU of the same VM printing at the same time.
 */
#include "numbat.h"

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

/* Where formatted characters go: a bounded buffer, flushed or truncated. */
struct sink {
	char *buf;
	size_t size;
	size_t used;
	size_t total;    /* characters produced, including dropped ones */
	bool console;    /* flush to the console when full */
};

static void sink_flush(struct sink *s)
{
	if (s->console && s->used)
		console_write(s->buf, s->used);
	s->used = 0;
}

static void sink_putc(struct sink *s, char c)
{
	s->total++;
	if (s->used == s->size) {
		if (!s->console)
			return;
		sink_flush(s);
	}
	s->buf[s->used++] = c;
}

struct spec {
	bool zero_pad;
	bool left;
	unsigned int width;
	int longs;       /* number of 'l' (or 'z') modifiers */
};

static void emit_padded(struct sink *s, const struct spec *sp, const char *str,
			size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t pad = sp->width > len + plen ? sp->width - len - plen : 0;

	if (!sp->left && !sp->zero_pad)
		while (pad--)
			sink_putc(s, ' ');
	while (*prefix)
		sink_putc(s, *prefix++);
	if (!sp->left && sp->zero_pad)
		while (pad--)
			sink_putc(s, '0');
	while (len--)
		sink_putc(s, *str++);
	if (sp->left)
		while (pad--)
			sink_putc(s, ' ');
}

static void emit_number(struct sink *s, const struct spec *sp, uint64_t v,
			unsigned int base, bool negative, const char *prefix)
{
	char digits[24];
	size_t n = sizeof(digits);

	do {
		unsigned int d = (unsigned int)(v % base);
		digits[--n] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	emit_padded(s, sp, digits + n, sizeof(digits) - n,
		    negative ? "-" : prefix);
}

/* Fetches a signed or unsigned integer argument of the spec's size. */
static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->longs)
		return va_arg(*ap, uint64_t);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	if (sp->longs)
		return va_arg(*ap, int64_t);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	while (*f == '0' || *f == '-') {
		if (*f == '0')
			sp->zero_pad = true;
		else
			sp->left = true;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned int)(*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->longs++;
		f++;
	}
	return f;
}

/* Formats one conversion `c`; returns false for an unknown one. */
static bool emit_conversion(struct sink *s, const struct spec *sp, char c,
			    va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);
		emit_number(s, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
			    v < 0, "");
		return true;
	}
	case 'u':
		emit_number(s, sp, arg_unsigned(sp, ap), 10, false, "");
		return true;
	case 'x':
		emit_number(s, sp, arg_unsigned(sp, ap), 16, false, "");
		return true;
	case 'p':
		emit_number(s, sp, (uint64_t)va_arg(*ap, void *), 16, false,
			    "0x");
		return true;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		emit_padded(s, sp, &ch, 1, "");
		return true;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		emit_padded(s, sp, str, strlen(str), "");
		return true;
	}
	case '%':
		sink_putc(s, '%');
		return true;
	default:
		return false;
	}
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct spec sp;
		const char *start = fmt;

		if (*fmt != '%') {
			sink_putc(s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (!*fmt)
			break;
		if (!emit_conversion(s, &sp, *fmt, &args))
			while (start <= fmt)
				sink_putc(s, *start++);
		fmt++;
	}
	va_end(args);
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[NUMBAT_CONSOLE_WRITE_MAX];
	struct sink s = { buf, sizeof(buf), 0, 0, true };

	format(&s, fmt, ap);
	sink_flush(&s);
	return (int)s.total;
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

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size ? size - 1 : 0, 0, 0, false };

	format(&s, fmt, ap);
	if (size)
		buf[s.used] = '\0';
	return (int)s.total;
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
