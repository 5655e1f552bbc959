/*
 * Arm PL061 GPIO (DDI 0190B), as numbat's power-fail input: on QEMU virt
 * the power button (`system_powerdown` on the monitor) is line 3 of the
 * PL061 at 0x09030000, whose combined interrupt is SPI 7, level. QEMU's
 * gpio-key pulses the line high for 100 ms. numbat takes the rising edge
 * of its line only: input, edge-sensitive, rising (GPIOIS, GPIOIBE,
 * GPIOIEV bit clear, clear, set), unmasked in GPIOIE; the others are left
 * masked. Other boards wire their power-fail signal differently and get
 * their own driver behind the same plat_powerkey_* calls.
 */
#include "plat.h"

#define GPIODIR  0x400
#define GPIOIS   0x404  /* 1: level-sensitive */
#define GPIOIBE  0x408  /* 1: both edges */
#define GPIOIEV  0x40c  /* 1: rising edge or high level */
#define GPIOIE   0x410  /* 1: unmasked */
#define GPIOMIS  0x418  /* masked interrupt status */
#define GPIOIC   0x41c  /* write 1: clear an edge interrupt */

static volatile uint32_t *gpio;
static uint32_t line_bit;

static uint32_t rd(unsigned off)
{
	return gpio[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	gpio[off / 4] = v;
}

void plat_powerkey_init(uint64_t base, unsigned line)
{
	gpio = (volatile uint32_t *)(uintptr_t)base;
	line_bit = 1u << (line & 7);
	wr(GPIOIE, 0);
	wr(GPIODIR, rd(GPIODIR) & ~line_bit);
	wr(GPIOIS, rd(GPIOIS) & ~line_bit);
	wr(GPIOIBE, rd(GPIOIBE) & ~line_bit);
	wr(GPIOIEV, rd(GPIOIEV) | line_bit);
	wr(GPIOIC, 0xff);
	wr(GPIOIE, line_bit);
}

bool plat_powerkey_ack(void)
{
	uint32_t mis;

	if (!gpio)
		return false;
	mis = rd(GPIOMIS);
	wr(GPIOIC, mis);
	return (mis & line_bit) != 0;
}
