/* A small vsnprintf for numbat's console (src/lib/format.c). */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats like C's vsnprintf for %c %s %d %i %u %x %X %p %% with flags
 * '0' and '-', a width, and the l, ll and z length modifiers. Always
 * NUL-terminates when size > 0; returns the length written (truncated).
 */
size_t format_v(char *buf, size_t size, const char *fmt, va_list ap);
size_t format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
