/*
 * Arm PL011 UART (DDI 0183): numbat's console. The firmware or QEMU has
 * configured the line; numbat writes bytes polled and takes received
 * bytes from its receive interrupt.
 */
#include "plat.h"

#define UARTDR      0x00
#define UARTFR      0x18
#define UARTIMSC    0x38
#define UARTICR     0x44
#define UARTFR_RXFE (1u << 4)
#define UARTFR_TXFF (1u << 5)
#define UART_INT_RX (1u << 4)   /* IMSC.RXIM, ICR.RXIC */
#define UART_INT_RT (1u << 6)   /* IMSC.RTIM, ICR.RTIC: receive timeout */
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

int plat_uart_getc(void)
{
	if (uart[UARTFR / 4] & UARTFR_RXFE)
		return -1;
	return (int)(uart[UARTDR / 4] & 0xff);  /* error bits 8-11 dropped */
}

void plat_uart_enable_rx_irq(void)
{
	uart[UARTICR / 4] = UART_INT_RX | UART_INT_RT;
	uart[UARTIMSC / 4] |= UART_INT_RX | UART_INT_RT;
}
