/*
 * Console output over the platform UART. Lock: console_lock (a leaf).
 */
#include "core/console.h"

#include <stdarg.h>

#include "core/spinlock.h"
#include "lib/format.h"
#include "plat.h"

static spinlock_t console_lock = SPINLOCK_INIT;

void console_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			plat_uart_putc('\r');
		plat_uart_putc(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	spin_lock(&console_lock);
	console_write_unlocked(s, n);
	spin_unlock(&console_lock);
}

void console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n);
}
