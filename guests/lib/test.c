/*
 * In-guest test framework: runs the TEST() cases the linker collected in
 * .tests, in source order, and prints the lines tests/qemu/run.py parses.
 */
#include "numbat.h"

extern const struct test_case __tests_start[], __tests_end[];

/* crt0.S; callee-saved registers, FP, LR and SP. */
struct jmp_buf {
	uint64_t regs[13]; // cppcheck-suppress unusedStructMember
};

int test_setjmp(struct jmp_buf *buf) __attribute__((returns_twice));
void test_longjmp(struct jmp_buf *buf, int val) __attribute__((noreturn));
bool test_exception_abort(uint64_t *elr, uint64_t *spsr);

static struct jmp_buf test_jmp;
static volatile bool test_running;
static volatile bool test_failed;
static volatile unsigned int test_vcpu;

void test_fail_cmp(const char *file, int line, const char *check,
		   const char *a_text, const char *b_text, int64_t a, int64_t b)
{
	test_failed = true;
	printf("%s:%d: %s(%s, %s) failed: %s = %ld (0x%lx), %s = %ld (0x%lx)\n",
	       file, line, check, a_text, b_text, a_text, (long)a,
	       (unsigned long)a, b_text, (long)b, (unsigned long)b);
}

void test_fail_bool(const char *file, int line, const char *check,
		    const char *text)
{
	test_failed = true;
	printf("%s:%d: %s(%s) failed\n", file, line, check, text);
}

void test_abort(void)
{
	if (!test_running || this_vcpu() != test_vcpu) {
		printf("guest: test_abort outside a test (vcpu %u)\n",
		       this_vcpu());
		if (this_vcpu() == 0)
			psci_system_off();
		psci_cpu_off();
		for (;;)
			__asm__ volatile("wfi");
	}
	test_longjmp(&test_jmp, 1);
}

/* Where an unexpected exception inside a test returns to (via ERET). */
static void __attribute__((noreturn)) test_abort_after_exception(void)
{
	test_failed = true;
	test_longjmp(&test_jmp, 2);
}

bool test_exception_abort(uint64_t *elr, uint64_t *spsr)
{
	if (!test_running || this_vcpu() != test_vcpu)
		return false;
	*elr = (uint64_t)test_abort_after_exception;
	*spsr = 0x3c5; /* EL1h, DAIF masked */
	return true;
}

/* Number of registered tests (the linker's .tests section). */
static size_t test_count(void)
{
	return ((uintptr_t)__tests_end - (uintptr_t)__tests_start) /
	       sizeof(struct test_case);
}

/* Index of the next test after index `prev` (-1: none yet) in source order
 * (by line, ties by index), or -1 when there is none. */
static long next_test(long prev)
{
	const struct test_case *tests = __tests_start;
	long best = -1;

	for (long i = 0; i < (long)test_count(); i++) {
		bool after = prev < 0 || tests[i].line > tests[prev].line ||
			     (i > prev && tests[i].line == tests[prev].line);
		if (after && (best < 0 || tests[i].line < tests[best].line))
			best = i;
	}
	return best;
}

int test_run_all(void)
{
	static long index;
	static int passed, failed;

	test_vcpu = this_vcpu();
	for (index = next_test(-1); index >= 0; index = next_test(index)) {
		const struct test_case *t = &__tests_start[index];

		printf("[ RUN  ] %s.%s\n", t->suite, t->name);
		test_failed = false;
		test_running = true;
		if (test_setjmp(&test_jmp) == 0)
			t->fn();
		else
			test_failed = true;
		test_running = false;
		exc_collect();
		if (test_failed)
			failed++;
		else
			passed++;
		printf("[ %s ] %s.%s\n", test_failed ? "FAIL" : "PASS",
		       t->suite, t->name);
	}
	printf("TESTS DONE passed=%d failed=%d\n", passed, failed);
	return failed ? 1 : 0;
}
