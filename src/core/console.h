/*
 * numbat's console: one terminal (the platform UART) shared by numbat's
 * own messages (prefixed "numbat: ") and every VM's output (prefixed
 * "[vm] ", never mixed with other output within a line), and the input
 * switch that sends what the user types to one VM's console device.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stddef.h>

struct vm;

/*
 * Formats and prints one numbat message: a whole line of its own, never
 * mixed with another message or a VM's output (a missing "\n" is added).
 */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes one numbat message, as console_printf. */
void console_write(const char *s, size_t n);
/*
 * Writes polled, without taking the lock, after what waits in the output
 * ring: the panic path and early boot only.
 */
void console_write_unlocked(const char *s, size_t n);
/*
 * Powers the machine off after numbat's last words: sends all the output
 * waiting in the ring, polled, and waits (bounded) for the UART to put the
 * last byte on the line. Every power off goes through here.
 */
void console_power_off(void) __attribute__((noreturn));
/*
 * The UART's interrupt now reaches numbat (console_uart_irq): input is
 * taken from it, and output no longer waits for the UART.
 */
void console_uart_irq_on(void);

#define pr_info(...) console_printf("numbat: " __VA_ARGS__)

/*
 * Adds output of `vm` (its console hypercall or its UART). Whole lines
 * are printed with the VM's prefix; an unfinished line is held until its
 * newline, except for the VM that has the input focus, whose output
 * appears at once. Non-printable bytes become '?'; escape sequences are
 * dropped except erase-to-end-of-line.
 */
void console_vm_write(struct vm *vm, const char *s, size_t n);
/* `vm` is (re)starting: prints its unfinished line, if any, and forgets it. */
void console_vm_reset(struct vm *vm);

/*
 * Once the VMs are created: gives the input focus to the first VM with a
 * console device and prints how to switch (nothing if no VM has one).
 */
void console_start(void);

/*
 * Console input (console.c): numbat's UART interrupt handler calls this
 * for every received byte. An escape sequence (README) moves the input
 * focus between VMs; other bytes go to the focused VM's console device.
 */
void console_input(char c);
/*
 * numbat's UART interrupt: sends waiting output as far as the FIFO has
 * room, and passes every received byte to console_input.
 */
void console_uart_irq(void);

/* The input escape byte: Ctrl-A. */
#define CONSOLE_ESCAPE 0x01

#endif
