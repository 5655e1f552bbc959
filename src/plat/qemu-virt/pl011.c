/*
 * Arm PL011 UART (DDI 0183): numbat's console. The firmware or QEMU has
 * configured the line. numbat fills the transmit FIFO without waiting and
 * gets its transmit interrupt while bytes wait for room (the panic path
 * alone writes polled); it takes received bytes from the receive
 * interrupt.
 *
 * UARTIMSC is changed with a lock of its own: the console's drainer turns
 * the transmit interrupt on and off while the receive half stays on.
 */
#include "plat.h"

#include "core/spinlock.h"

#define UARTDR      0x00
#define UARTFR      0x18
#define UARTIMSC    0x38
#define UARTICR     0x44
#define UARTFR_BUSY (1u << 3)   /* transmitting: FIFO or shift register not empty */
#define UARTFR_RXFE (1u << 4)
#define UARTFR_TXFF (1u << 5)
#define UART_INT_RX (1u << 4)   /* IMSC.RXIM, ICR.RXIC */
#define UART_INT_TX (1u << 5)   /* IMSC.TXIM: FIFO at or below its trigger level */
#define UART_INT_RT (1u << 6)   /* IMSC.RTIM, ICR.RTIC: receive timeout */
#define TX_SPIN_LIMIT 100000

static volatile uint32_t *uart;
static spinlock_t imsc_lock = SPINLOCK_INIT;

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

void plat_uart_wait_idle(void)
{
	for (unsigned i = 0; i < TX_SPIN_LIMIT && (uart[UARTFR / 4] & UARTFR_BUSY); i++)
		;
}

bool plat_uart_tx_room(void)
{
	return !(uart[UARTFR / 4] & UARTFR_TXFF);
}

void plat_uart_tx(char c)
{
	uart[UARTDR / 4] = (uint8_t)c;
}

/*
 * The transmit interrupt is never cleared through UARTICR: it stays
 * asserted while the FIFO is at or below its trigger level (DDI 0183
 * 3.4.3), so masking it is the only way to silence it, and unmasking it
 * with bytes waiting always brings the interrupt once there is room.
 */
void plat_uart_tx_irq(bool on)
{
	spin_lock(&imsc_lock);
	if (on)
		uart[UARTIMSC / 4] |= UART_INT_TX;
	else
		uart[UARTIMSC / 4] &= ~UART_INT_TX;
	spin_unlock(&imsc_lock);
}

int plat_uart_getc(void)
{
	if (uart[UARTFR / 4] & UARTFR_RXFE)
		return -1;
	return (int)(uart[UARTDR / 4] & 0xff);  /* error bits 8-11 dropped */
}

void plat_uart_enable_rx_irq(void)
{
	spin_lock(&imsc_lock);
	uart[UARTICR / 4] = UART_INT_RX | UART_INT_RT;
	uart[UARTIMSC / 4] |= UART_INT_RX | UART_INT_RT;
	spin_unlock(&imsc_lock);
}
