/*
 * Guest runtime glue: per-vCPU stacks, secondary vCPU start-up, PSCI power
 * calls, program exit and the default main().
 */
#include "numbat.h"

char guest_stacks[GUEST_MAX_VCPUS][GUEST_STACK_SIZE]
	__attribute__((aligned(16), section(".stacks")));

struct boot_state boot_state;

/* What cpu_on() asked each secondary vCPU to run. */
struct boot_slot {
	void (*fn)(void *);
	void *arg;
};

static volatile struct boot_slot boot_slots[GUEST_MAX_VCPUS];

void secondary_main(uint64_t vcpu) __attribute__((noreturn));
void guest_exit(int status) __attribute__((noreturn));

int64_t psci_cpu_off(void)
{
	return hvc(PSCI_CPU_OFF, 0, 0, 0);
}

/* Spins forever; used when a power-off call unexpectedly returns. */
static void __attribute__((noreturn)) park(void)
{
	for (;;)
		__asm__ volatile("wfi");
}

void psci_system_off(void)
{
	int64_t r = hvc(PSCI_SYSTEM_OFF, 0, 0, 0);

	printf("guest: SYSTEM_OFF returned %ld\n", (long)r);
	park();
}

void psci_system_reset(void)
{
	int64_t r = hvc(PSCI_SYSTEM_RESET, 0, 0, 0);

	printf("guest: SYSTEM_RESET returned %ld\n", (long)r);
	park();
}

int64_t cpu_on(unsigned int vcpu, void (*fn)(void *), void *arg)
{
	if (vcpu >= GUEST_MAX_VCPUS)
		return PSCI_INVALID_PARAMETERS;
	boot_slots[vcpu].fn = fn;
	boot_slots[vcpu].arg = arg;
	dsb_sy();
	return psci_cpu_on(vcpu, (uint64_t)secondary_entry, vcpu);
}

/* Called by crt0 on a secondary vCPU with its stack set up; x0 = context. */
void secondary_main(uint64_t vcpu)
{
	int64_t r;

	if (vcpu < GUEST_MAX_VCPUS && boot_slots[vcpu].fn)
		boot_slots[vcpu].fn(boot_slots[vcpu].arg);
	else
		printf("guest: vcpu %u started with bad context %lu\n",
		       this_vcpu(), (unsigned long)vcpu);
	r = psci_cpu_off();
	printf("guest: CPU_OFF returned %ld\n", (long)r);
	park();
}

/* Called by crt0 when main returns on vCPU 0. */
void guest_exit(int status)
{
	if (status)
		printf("guest: main returned %d\n", status);
	psci_system_off();
}

void delay_ms(uint64_t ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	while (counter_read() < end)
		numbat_yield();
}

__attribute__((weak)) int main(void)
{
	return test_run_all();
}
