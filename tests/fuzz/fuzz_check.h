/*
 * The Check assertions the host stand-ins (tests/host/fake_spinlock.h) use,
 * as plain aborts for the libFuzzer harnesses, which do not link Check: a
 * failed invariant is a crash libFuzzer reports with the input.
 */
#ifndef TESTS_FUZZ_CHECK_H
#define TESTS_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond, ...) do {                                          \
	if (!(cond)) {                                                       \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,   \
			__LINE__, #cond);                                    \
		fprintf(stderr, "" __VA_ARGS__);                             \
		abort();                                                     \
	}                                                                    \
} while (0)

#define ck_assert(c)              FUZZ_ASSERT(c)
#define ck_assert_msg(c, ...)     FUZZ_ASSERT(c, __VA_ARGS__)
#define ck_assert_int_eq(a, b)    FUZZ_ASSERT((a) == (b))
#define ck_assert_uint_eq(a, b)   FUZZ_ASSERT((a) == (b))
#define ck_assert_uint_lt(a, b)   FUZZ_ASSERT((a) < (b))
#define ck_assert_uint_le(a, b)   FUZZ_ASSERT((a) <= (b))
#define ck_assert_ptr_eq(a, b)    FUZZ_ASSERT((a) == (b))

/* Reads fuzzer input: n bytes little-endian, zeros past the end. */
struct fuzz_in {
	const unsigned char *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		if (in->n) {
			v |= (uint64_t)in->p[0] << (8 * i);
			in->p++;
			in->n--;
		}
	}
	return v;
}

#endif /* TESTS_FUZZ_CHECK_H */
