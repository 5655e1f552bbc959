/*
 * main() of every host test program: runs the suites host_tests_init()
 * registered and prints one PASS:/FAIL: line per test (see check_main.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#define HOST_MAX_SUITES 32

static struct {
	const char *name;
	Suite *suite;
} suites[HOST_MAX_SUITES];
static int suite_count;

/* Creates and records a suite; aborts if there are too many. */
Suite *host_suite(const char *name)
{
	if (suite_count == HOST_MAX_SUITES) {
		printf("FAIL: host/%s: more than %d suites in one program\n", name,
		       HOST_MAX_SUITES);
		exit(1);
	}
	suites[suite_count].name = name;
	suites[suite_count].suite = suite_create(name);
	return suites[suite_count++].suite;
}

/* Prints the line for one result; returns 1 if it is a failure. */
static int report(const char *suite, TestResult *tr)
{
	if (tr_rtype(tr) == CK_PASS) {
		printf("PASS: host/%s/%s\n", suite, tr_tcname(tr));
		return 0;
	}
	printf("FAIL: host/%s/%s: %s:%d: %s\n", suite, tr_tcname(tr),
	       tr_lfile(tr) ? tr_lfile(tr) : "?", tr_lno(tr),
	       tr_msg(tr) ? tr_msg(tr) : "(no message)");
	return 1;
}

/* Runs one suite on its own runner; returns the number of failures. */
static int run_suite(const char *name, Suite *s)
{
	SRunner *sr = srunner_create(s);
	TestResult **results;
	int i, n, failed = 0;

	srunner_run_all(sr, CK_SILENT);
	n = srunner_ntests_run(sr);
	results = srunner_results(sr);
	for (i = 0; i < n; i++)
		failed += report(name, results[i]);
	free(results);
	srunner_free(sr);
	fflush(stdout);
	return failed;
}

/* Runs every registered suite; exits 0 iff every test passed. */
int main(void)
{
	int i, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	host_tests_init();
	for (i = 0; i < suite_count; i++)
		failed += run_suite(suites[i].name, suites[i].suite);
	return failed ? 1 : 0;
}
