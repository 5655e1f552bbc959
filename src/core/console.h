/*
 * numbat's console: its own messages (prefixed "numbat: ") and the lines
 * each VM writes (prefixed "[vm] "), whole lines at a time so output of
 * different pCPUs never interleaves within a line.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stddef.h>

/* Formats and prints one message; adds nothing (callers write "\n"). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes raw bytes under the console lock. */
void console_write(const char *s, size_t n);
/* Writes without taking the lock: the panic path only. */
void console_write_unlocked(const char *s, size_t n);

#define pr_info(...) console_printf("numbat: " __VA_ARGS__)

#endif

/*
 * Console input (console.c): numbat's UART interrupt handler calls this
 * for every received byte. An escape sequence (README) moves the input
 * focus between VMs; other bytes go to the focused VM's console device.
 */
void console_input(char c);
