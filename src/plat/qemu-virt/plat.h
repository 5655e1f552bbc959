/*
 * Platform layer for QEMU's "virt" machine (and boards like it): the
 * console UART driver and the fallback addresses used only when the boot
 * device tree cannot be read.
 */
#ifndef PLAT_PLAT_H
#define PLAT_PLAT_H

#include <stdbool.h>
#include <stdint.h>

#define PLAT_FALLBACK_UART 0x09000000ull

void plat_uart_init(uint64_t base);
/* Writes one byte, waiting (bounded) for room: the panic path and early boot. */
void plat_uart_putc(char c);
/* Whether the transmit FIFO has room for a byte; then plat_uart_tx never waits. */
bool plat_uart_tx_room(void);
void plat_uart_tx(char c);
/* Waits (bounded) until the UART has sent every byte it holds. */
void plat_uart_wait_idle(void);
/* Masks or unmasks the transmit interrupt (raised while the FIFO has room). */
void plat_uart_tx_irq(bool on);
/* A received byte, or -1 if there is none; never waits. */
int plat_uart_getc(void);
/* Has the UART raise its interrupt when bytes arrive (pending ones cleared). */
void plat_uart_enable_rx_irq(void);

/*
 * The power-fail warning input (pl061.c on QEMU virt): a GPIO line whose
 * rising edge means the supply is failing. init unmasks that line only.
 */
void plat_powerkey_init(uint64_t base, unsigned line);
/* Clears the controller's interrupt; whether the power line caused it. */
bool plat_powerkey_ack(void);

#endif
