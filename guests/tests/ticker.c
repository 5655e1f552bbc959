/*
 * Companion guest for scenarios about another VM: prints "ticker: tick N"
 * every 100 ms of counter time for 2 s, yielding in between, then
 * "ticker: done" and powers its VM off.
 */
#include "numbat.h"

#define TICKS     20
#define TICK_MS   100

int main(void)
{
	uint64_t start = counter_read();

	printf("ticker: start\n");
	for (int i = 0; i < TICKS; i++) {
		uint64_t due = start + counter_ms(TICK_MS) * (uint64_t)(i + 1);

		while (counter_read() < due)
			numbat_yield();
		printf("ticker: tick %d\n", i);
	}
	printf("ticker: done\n");
	return 0;
}
