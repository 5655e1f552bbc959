/*
 * Companion guest that runs until it is stopped: prints "heartbeat N"
 * every 100 ms of counter time, yielding in between.
 */
#include "numbat.h"

int main(void)
{
	for (unsigned i = 0;; i++) {
		printf("heartbeat %u\n", i);
		delay_ms(100);
	}
}
