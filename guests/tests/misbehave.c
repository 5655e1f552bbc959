/*
 * A VM that misbehaves for a while, meant to run beside Linux: it floods
 * its own PL011 with output, keeps the UART's transmit interrupt asserted
 * and never clears it (an interrupt storm: redelivered after every EOI),
 * and between bursts throws wild accesses of every width outside its
 * memory, undecodable loads, random hypercalls and undefined instructions
 * at numbat. It reports progress on the same UART
 * ("misbehave: round N") and powers off after MISBEHAVE_SECONDS of its
 * own time, so a scenario can check that the others answered meanwhile.
 */
#include "numbat.h"

#define UART              0x09000000ul
#define UART_DR           0x00
#define UART_FR           0x18
#define FR_TXFF           (1u << 5)
#define UART_IMSC         0x38
#define UART_TXIM         (1u << 5)
#define UART_INTID        33        /* its description's SPI 1 */
#define OWN_RAM_BASE      0x40000000ul
#define OWN_RAM_END       0x41000000ul
#define MISBEHAVE_SECONDS 25

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	return rand64(&rng);
}

static void uart_puts(const char *s)
{
	for (; *s; s++) {
		while (readl(UART + UART_FR) & FR_TXFF)
			;
		writel(UART + UART_DR, (uint8_t)*s);
	}
}

/* A burst of output with no pause: each byte is a trap into numbat. */
static void flood(unsigned round)
{
	char line[96];

	for (unsigned i = 0; i < 8; i++) {
		snprintf(line, sizeof(line),
			 "flood %u.%u xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
			 round, i);
		uart_puts(line);
	}
}

static void wild_access(void)
{
	uintptr_t a;
	uint64_t v, w;

	do
		a = rnd() & ((1ull << 40) - 1);
	while (a >= OWN_RAM_BASE && a < OWN_RAM_END);
	switch (rnd() % 4) {
	case 0: (void)readb(a); break;
	case 1: writel(a & ~3ul, (uint32_t)rnd()); break;
	case 2: (void)readq(a & ~7ul); break;
	default: /* no syndrome: a load pair */
		__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(v), "=&r"(w)
				 : "r"(a & ~15ul) : "memory");
		break;
	}
}

static void misbehave_once(void)
{
	uint32_t fid = (uint32_t)rnd();

	for (unsigned i = 0; i < 20; i++)
		(void)CATCH_EXCEPTION(wild_access());
	/* Random calls, but not the ones that would end this VM early. */
	if ((fid & 0xbfffffe0u) != 0x84000000u)
		hvc_call(fid, rnd(), rnd(), rnd());
	(void)CATCH_EXCEPTION(__asm__ volatile(".inst 0x00001234"));
}

#define STORM_MS          3000

static volatile uint64_t storm, storm_end;

/*
 * Acknowledges and EOIs without clearing the cause, so the line stays high
 * and the interrupt comes straight back: this VM does nothing else (as on
 * hardware) while the others must not notice. After STORM_MS it masks the
 * cause and goes on misbehaving in the other ways.
 */
static void storm_handler(void)
{
	unsigned id = gic_ack();

	if (id >= 1020)
		return;
	storm++;
	if (counter_read() > storm_end)
		writel(UART + UART_IMSC, 0);
	gic_eoi(id);
}

int main(void)
{
	uint64_t end = counter_read() + counter_ms(1000ull * MISBEHAVE_SECONDS);
	unsigned round = 0;
	char line[80];

	uart_puts("misbehave: start\n");
	storm_end = counter_read() + counter_ms(STORM_MS);
	irq_handler = storm_handler;
	gic_init();
	gic_enable(UART_INTID, 0x80);
	writel(UART + UART_IMSC, UART_TXIM);   /* TXRIS is always set: a storm */
	irq_unmask();
	while (counter_read() < end) {
		flood(round);
		misbehave_once();
		if (round % 16 == 0) {
			snprintf(line, sizeof(line), "misbehave: round %u, %lu interrupts\n",
				 round, (unsigned long)storm);
			uart_puts(line);
		}
		round++;
	}
	irq_mask();
	snprintf(line, sizeof(line), "misbehave: done, %lu interrupts\n", (unsigned long)storm);
	uart_puts(line);
	return 0;
}
