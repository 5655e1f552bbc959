/*
 * The neighbour of an attacker on the same pCPU: measures its own share of
 * the pCPU over a window by reading the counter in a tight loop. A jump
 * between two reads is time it did not run; the sum of jumps is its loss,
 * the largest is the longest it waited for the pCPU. With one other VM
 * runnable beside it, round robin owes it about half the pCPU, and no
 * wait much longer than a time slice (10 ms).
 */
#include "numbat.h"

#define SETTLE_MS   300
#define WINDOW_MS   3000
#define GAP_US      200     /* a jump longer than this: we were not running */

static uint64_t start;

TEST(attack, neighbour_keeps_its_share)
{
	uint64_t gap = counter_ms(1) * GAP_US / 1000, lost = 0, longest = 0;
	uint64_t t, prev, end;

	while (counter_read() < start + counter_ms(SETTLE_MS))
		;
	prev = counter_read();
	end = prev + counter_ms(WINDOW_MS);
	while ((t = counter_read()) < end) {
		if (t - prev > gap) {
			lost += t - prev;
			if (t - prev > longest)
				longest = t - prev;
		}
		prev = t;
	}
	printf("victim: ran %lu%% of %u ms, longest wait %lu ms\n",
	       (unsigned long)(100 - lost * 100 / counter_ms(WINDOW_MS)), WINDOW_MS,
	       (unsigned long)(longest / counter_ms(1)));
	EXPECT_GE(100 - lost * 100 / counter_ms(WINDOW_MS), 40);
	EXPECT_LT(longest, counter_ms(100));
}

int main(void)
{
	start = counter_read();
	return test_run_all();
}
