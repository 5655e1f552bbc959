/*
 * Arm PL011 UART, transmit only, polled (DDI 0183). The firmware or QEMU
 * has configured the line; numbat only writes bytes.
 */
#include "plat.h"

#define UARTDR     0x00
#define UARTFR     0x18
#define UARTFR_TXFF (1u << 5)
#define TX_SPIN_LIMIT 100000

static volatile uint32_t *uart;

void plat_uart_init(uint64_t base)
{
	uart = (volatile uint32_t *)(uintptr_t)base;
}

void plat_uart_putc(char c)
{
	/* Give up on a wedged UART rather than hang numbat. */
	for (unsigned i = 0; i < TX_SPIN_LIMIT && (uart[UARTFR / 4] & UARTFR_TXFF); i++)
		;
	uart[UARTDR / 4] = (uint8_t)c;
}
