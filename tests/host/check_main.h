/*
 * The shared main() of host unit-test programs (Check). A test program
 * defines host_tests_init(), which creates its suites with host_suite() and
 * adds tests with HOST_TEST(); check_main.c runs them all and prints
 *   PASS: host/<suite>/<test>
 *   FAIL: host/<suite>/<test>: <file>:<line>: <message>
 * one line per test, exiting 0 iff every test passed. Each test runs in its
 * own process (Check's fork mode), so a crash is a FAIL line, not silence.
 */
#ifndef HOST_CHECK_MAIN_H
#define HOST_CHECK_MAIN_H

#include <check.h>

/* Seconds a single test may run before it counts as failed. */
#define HOST_TEST_TIMEOUT 60

/* Defined by each test program: register its suites and tests. */
void host_tests_init(void);

/* Creates a suite whose results are reported as host/<name>/<test>. */
Suite *host_suite(const char *name);

/*
 * Adds the Check test `test` (from START_TEST) to suite as its own test
 * case, so that its result line carries the test's name.
 */
#define HOST_TEST(suite, test)                                   \
	do {                                                     \
		TCase *tc_ = tcase_create(#test);                \
		tcase_set_timeout(tc_, HOST_TEST_TIMEOUT);       \
		tcase_add_test(tc_, test);                       \
		suite_add_tcase((suite), tc_);                   \
	} while (0)

#endif /* HOST_CHECK_MAIN_H */
