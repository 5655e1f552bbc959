/*
 * Guest for a VM with fault-policy "stop": touches memory outside its map
 * and must never get further. The scenario checks that numbat reports and
 * stops this VM while another VM finishes its work.
 */
#include "numbat.h"

#define UNMAPPED 0x50000000ul

int main(void)
{
	printf("fault-stop: touching 0x%lx\n", (unsigned long)UNMAPPED);
	(void)readq(UNMAPPED);
	printf("fault-stop: NOT REACHED, still running after the fault\n");
	return 1;
}
