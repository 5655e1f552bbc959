/*
 * Host tests of PSCI call decoding (src/core/psci_decode.c): which function
 * IDs are PSCI, argument validation for every function numbat implements,
 * SMC32 argument truncation and SMC32/SMC64 merging.
 */
#include <stdint.h>
#include <string.h>

#include <numbat/abi.h>

#include "check_main.h"
#include "core/psci_decode.h"

/* Decodes fn with x1..x3 for a VM of `count` vCPUs into *c. */
static int decode(uint32_t fn, uint64_t x1, uint64_t x2, uint64_t x3, unsigned count,
		  struct psci_call *c)
{
	const uint64_t x[4] = { fn, x1, x2, x3 };

	memset(c, 0xa5, sizeof(*c)); /* stale junk the decoder must overwrite */
	return psci_decode(fn, x, count, c);
}

START_TEST(is_psci_ranges)
{
	static const uint32_t no[] = { 0x84000020, 0x86000000, 0xC6000000, 0x80000000,
				       0xC4000020, 0x83ffffff, 0xC3ffffff, 0x04000000,
				       0x44000000, 0x8400ff00, 0x85000000, 0x00000000,
				       0xffffffff, 0xC5000001, 0x94000000 };

	for (uint32_t i = 0; i <= 0x1f; i++) {
		ck_assert_msg(psci_is_psci(0x84000000u + i), "%#x", 0x84000000u + i);
		ck_assert_msg(psci_is_psci(0xC4000000u + i), "%#x", 0xC4000000u + i);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!psci_is_psci(no[i]), "%#x taken as PSCI", no[i]);
}
END_TEST

START_TEST(not_psci_not_supported)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0x86000000, 0, 0, 0, 4, &c), PSCI_NOT_SUPPORTED);
	ck_assert_int_eq(decode(0x84000020, 0, 0, 0, 4, &c), PSCI_NOT_SUPPORTED);
	ck_assert_int_eq(decode(0x80000000, 0, 0, 0, 4, &c), PSCI_NOT_SUPPORTED);
}
END_TEST

/* Functions without arguments: SUCCESS, fn passed through. */
START_TEST(simple_functions)
{
	static const uint32_t fns[] = { 0x84000000 /* VERSION */, 0x84000002 /* CPU_OFF */,
					0x84000006 /* MIGRATE_INFO_TYPE */,
					0x84000008 /* SYSTEM_OFF */, 0x84000009 /* SYSTEM_RESET */ };
	struct psci_call c;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		ck_assert_int_eq(decode(fns[i], ~0ull, ~0ull, ~0ull, 1, &c), PSCI_SUCCESS);
		ck_assert_uint_eq(c.fn, fns[i]);
		/* Fields the function has no use for are cleared, not left stale. */
		ck_assert_uint_eq(c.target, 0);
		ck_assert_uint_eq(c.entry, 0);
		ck_assert_uint_eq(c.context, 0);
		ck_assert_uint_eq(c.feature, 0);
	}
	ck_assert_uint_eq(PSCI_VERSION, 0x84000000);
	ck_assert_uint_eq(PSCI_SYSTEM_RESET, 0x84000009);
}
END_TEST

START_TEST(cpu_suspend_both_conventions)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0x84000001, 0, 0x40000000, 0, 2, &c), PSCI_SUCCESS);
	ck_assert(c.fn == PSCI_CPU_SUSPEND_32 || c.fn == PSCI_CPU_SUSPEND_64);
	ck_assert_int_eq(decode(0xC4000001, 0, 0x40000000, 0, 2, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_CPU_SUSPEND_64);
}
END_TEST

START_TEST(features_query)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0x8400000A, 0xC4000003, 0, 0, 1, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_FEATURES);
	ck_assert_uint_eq(c.feature, 0xC4000003);
	/* SMC32: only w1 counts. */
	ck_assert_int_eq(decode(0x8400000A, 0xdeadbeef84000001ull, 0, 0, 1, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.feature, 0x84000001);
	/* A non-PSCI feature ID is still a well-formed query. */
	ck_assert_int_eq(decode(0x8400000A, 0x80000000, 0, 0, 1, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.feature, 0x80000000);
}
END_TEST

START_TEST(cpu_on_valid)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0xC4000003, 2, 0x40080000, 0x123456789abcdef0ull, 4, &c),
			 PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_CPU_ON_64);
	ck_assert_uint_eq(c.target, 2);
	ck_assert_uint_eq(c.entry, 0x40080000);
	ck_assert_uint_eq(c.context, 0x123456789abcdef0ull);
	/* 64-bit entry addresses are kept whole. */
	ck_assert_int_eq(decode(0xC4000003, 3, 0x8000000004ull, 0, 4, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.entry, 0x8000000004ull);
	ck_assert_uint_eq(c.target, 3);
	ck_assert_uint_eq(c.context, 0);
	/* Target 0 of a one-vCPU VM. */
	ck_assert_int_eq(decode(0xC4000003, 0, 0x1000, 7, 1, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.target, 0);
	ck_assert_uint_eq(c.context, 7);
}
END_TEST

START_TEST(cpu_on_smc32_truncates)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0x84000003, 0xffffffff00000001ull, 0xffffffff40000000ull,
				0xaaaaaaaa55555555ull, 4, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_CPU_ON_64);
	ck_assert_uint_eq(c.target, 1);
	ck_assert_uint_eq(c.entry, 0x40000000);
	ck_assert_uint_eq(c.context, 0x55555555);
	/* The same arguments with SMC64 name Aff3 = 0xff: invalid. */
	ck_assert_int_eq(decode(0xC4000003, 0xffffffff00000001ull, 0x40000000, 0, 4, &c),
			 PSCI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(cpu_on_bad_target)
{
	static const uint64_t bad[] = { 0x100, 0x101, 0x10000, 0x10001, 1ull << 32,
					0x8000000000000000ull, 4, 5, 0xff };
	struct psci_call c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(decode(0xC4000003, bad[i], 0x40000000, 0, 4, &c) ==
			      PSCI_INVALID_PARAMETERS, "target %#llx", (unsigned long long)bad[i]);
		ck_assert_msg(decode(0x84000003, bad[i], 0x40000000, 0, 4, &c) ==
			      ((bad[i] >> 32) ? PSCI_SUCCESS : PSCI_INVALID_PARAMETERS),
			      "SMC32 target %#llx", (unsigned long long)bad[i]);
	}
	ck_assert_int_eq(decode(0xC4000003, 3, 0x40000000, 0, 4, &c), PSCI_SUCCESS);
	ck_assert_int_eq(decode(0xC4000003, 1, 0x40000000, 0, 1, &c), PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(decode(0xC4000003, 0, 0x40000000, 0, 0, &c), PSCI_INVALID_PARAMETERS);
	/* Aff1 set is refused even where the vCPU count would reach it. */
	ck_assert_int_eq(decode(0xC4000003, 0x100, 0x40000000, 0, 1024, &c),
			 PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(decode(0xC4000004, 0x1ff, 0, 0, 1024, &c), PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(decode(0xC4000003, 0xff, 0x40000000, 0, 1024, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.target, 0xff);
}
END_TEST

START_TEST(cpu_on_misaligned_entry)
{
	struct psci_call c;

	for (uint64_t off = 1; off < 4; off++) {
		ck_assert_int_eq(decode(0xC4000003, 1, 0x40000000 + off, 0, 2, &c),
				 PSCI_INVALID_ADDRESS);
		ck_assert_int_eq(decode(0x84000003, 1, 0x40000000 + off, 0, 2, &c),
				 PSCI_INVALID_ADDRESS);
	}
	ck_assert_int_eq(decode(0xC4000003, 1, 0x40000004, 0, 2, &c), PSCI_SUCCESS);
	ck_assert_int_eq(decode(0xC4000003, 1, 0, 0, 2, &c), PSCI_SUCCESS);
	/* SMC32 alignment is judged on the truncated address. */
	ck_assert_int_eq(decode(0x84000003, 1, 0x0000000140000000ull, 0, 2, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.entry, 0x40000000);
}
END_TEST

START_TEST(affinity_info)
{
	struct psci_call c;

	ck_assert_int_eq(decode(0xC4000004, 1, 0, 0, 2, &c), PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_AFFINITY_INFO_64);
	ck_assert_uint_eq(c.target, 1);
	ck_assert_int_eq(decode(0x84000004, 0xffffffff00000001ull, 0xffffffff00000000ull, 0, 2, &c),
			 PSCI_SUCCESS);
	ck_assert_uint_eq(c.fn, PSCI_AFFINITY_INFO_64);
	ck_assert_uint_eq(c.target, 1);
	for (uint64_t lvl = 1; lvl <= 3; lvl++) {
		ck_assert_int_eq(decode(0xC4000004, 0, lvl, 0, 2, &c), PSCI_INVALID_PARAMETERS);
		ck_assert_int_eq(decode(0x84000004, 0, lvl, 0, 2, &c), PSCI_INVALID_PARAMETERS);
	}
	ck_assert_int_eq(decode(0xC4000004, 0, 1ull << 32, 0, 2, &c), PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(decode(0xC4000004, 2, 0, 0, 2, &c), PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(decode(0xC4000004, 0x100, 0, 0, 2, &c), PSCI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(unknown_in_range_not_supported)
{
	static const uint32_t fns[] = {
		0x84000005, 0xC4000005, /* MIGRATE */
		0x84000007, 0x8400000B, 0xC400000B, 0x8400000C, 0x8400000D, 0xC400000D,
		0x8400000E, 0x8400000F, 0x84000010, 0xC4000010, 0x84000012, 0xC4000012,
		0x8400001f, 0xC400001f,
		/* SMC64 forms of functions that exist only as SMC32. */
		0xC4000000, 0xC4000002, 0xC4000006, 0xC4000008, 0xC4000009, 0xC400000A,
	};
	struct psci_call c;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		ck_assert(psci_is_psci(fns[i]));
		ck_assert_msg(decode(fns[i], 0, 0, 0, 4, &c) == PSCI_NOT_SUPPORTED, "%#x", fns[i]);
	}
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("psci");

	HOST_TEST(s, is_psci_ranges);
	HOST_TEST(s, not_psci_not_supported);
	HOST_TEST(s, simple_functions);
	HOST_TEST(s, cpu_suspend_both_conventions);
	HOST_TEST(s, features_query);
	HOST_TEST(s, cpu_on_valid);
	HOST_TEST(s, cpu_on_smc32_truncates);
	HOST_TEST(s, cpu_on_bad_target);
	HOST_TEST(s, cpu_on_misaligned_entry);
	HOST_TEST(s, affinity_info);
	HOST_TEST(s, unknown_in_range_not_supported);
}
