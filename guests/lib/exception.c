/*
 * The C side of the EL1 exception vectors (crt0.S). A synchronous exception
 * a test armed for is recorded and skipped; anything else is reported as
 * UNEXPECTED EXCEPTION and fails the running test, or powers the VM off
 * when no test can be failed.
 */
#include "numbat.h"

/* Saved by crt0.S exception_common; layout fixed by its offsets. */
struct exc_frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};

_Static_assert(sizeof(struct exc_frame) == 34 * 8, "FRAME_SIZE in crt0.S");

/* Vector index 4..7: current EL with SP_ELx; 4 is synchronous. */
#define VECTOR_SYNC_SPX    4
#define VECTOR_IRQ_SPX     5

struct exc_state {
	bool armed;
	struct exc_info info;
	unsigned int depth;   /* nesting of exception_handle */
};

static volatile struct exc_state exc_state[GUEST_MAX_VCPUS];

/* test.c: moves the frame to the test's abort path; false if not in a test
 * on this vCPU. */
bool test_exception_abort(uint64_t *elr, uint64_t *spsr);
void exception_handle(struct exc_frame *frame, uint64_t vector);

void exc_expect(void)
{
	volatile struct exc_state *st = &exc_state[this_vcpu()];

	st->info.taken = false;
	st->info.esr = st->info.elr = st->info.far = 0;
	st->armed = true;
	__asm__ volatile("" : : : "memory");
}

struct exc_info exc_collect(void)
{
	volatile struct exc_state *st = &exc_state[this_vcpu()];
	struct exc_info info;

	__asm__ volatile("" : : : "memory");
	st->armed = false;
	info.taken = st->info.taken;
	info.esr = st->info.esr;
	info.elr = st->info.elr;
	info.far = st->info.far;
	return info;
}

static const char *const vector_names[16] = {
	"sync/sp0", "irq/sp0", "fiq/sp0", "serror/sp0",
	"sync", "irq", "fiq", "serror",
	"sync/lower64", "irq/lower64", "fiq/lower64", "serror/lower64",
	"sync/lower32", "irq/lower32", "fiq/lower32", "serror/lower32",
};

void (*irq_handler)(void);
bool (*sync_handler)(uint64_t esr, uint64_t *elr, uint64_t *spsr);

void exception_handle(struct exc_frame *frame, uint64_t vector)
{
	unsigned int cpu = this_vcpu() % GUEST_MAX_VCPUS;
	volatile struct exc_state *st = &exc_state[cpu];
	uint64_t esr = sysreg_read(esr_el1);
	uint64_t far = sysreg_read(far_el1);

	if (vector == VECTOR_IRQ_SPX && irq_handler) {
		irq_handler();
		return;
	}
	if (vector == VECTOR_SYNC_SPX && sync_handler &&
	    sync_handler(esr, &frame->elr, &frame->spsr))
		return;
	if (vector == VECTOR_SYNC_SPX && st->armed && st->depth == 0) {
		st->armed = false;
		st->info.taken = true;
		st->info.esr = esr;
		st->info.elr = frame->elr;
		st->info.far = far;
		/* An instruction abort has no next instruction to resume at:
		 * return to the caller of the code that could not be fetched
		 * (x30), as if it had returned. */
		if (ESR_EC(esr) == ESR_EC_IABT_CUR)
			frame->elr = frame->x[30];
		else
			frame->elr += 4;
		return;
	}

	st->depth++;
	printf("UNEXPECTED EXCEPTION esr=0x%lx elr=0x%lx far=0x%lx "
	       "(%s, ec=0x%x, vcpu %u)\n", (unsigned long)esr,
	       (unsigned long)frame->elr, (unsigned long)far,
	       vector_names[vector & 15], (unsigned int)ESR_EC(esr), cpu);
	if (st->depth == 1 && test_exception_abort(&frame->elr, &frame->spsr)) {
		st->depth--;
		st->armed = false;
		return;
	}
	printf("guest: cannot recover, powering off\n");
	psci_system_off();
}
