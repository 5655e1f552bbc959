/*
 * Host tests of numbat's formatter (src/lib/format.c): every conversion,
 * length modifier and flag it supports, extremes, truncation and what it
 * does with conversions it does not know.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "lib/format.h"

/* Formats into a 128-byte buffer and checks the text and the returned length. */
#define EXPECT(want, ...)                                                         \
	do {                                                                       \
		char buf_[128];                                                    \
		size_t n_ = format(buf_, sizeof(buf_), __VA_ARGS__);               \
		ck_assert_str_eq(buf_, (want));                                    \
		ck_assert_uint_eq(n_, strlen(want));                               \
	} while (0)

/*
 * Calls format_v without the compiler's printf checking, for format
 * strings gcc would (rightly) reject at build time.
 */
static size_t format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(plain_text)
{
	EXPECT("", "%s", "");
	EXPECT("hello, world", "hello, world");
	EXPECT("a b", "a %s", "b");
}
END_TEST

START_TEST(signed_decimal)
{
	EXPECT("0", "%d", 0);
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%d", -42);
	EXPECT("-1", "%i", -1);
	EXPECT("2147483647", "%d", INT32_MAX);
	EXPECT("-2147483648", "%d", INT32_MIN);
	EXPECT("-9223372036854775808", "%ld", (long)INT64_MIN);
	EXPECT("9223372036854775807", "%ld", (long)INT64_MAX);
	EXPECT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT("-5000000000", "%ld", -5000000000l);
	/* An int argument is not widened from garbage in the upper half. */
	EXPECT("-7 8", "%d %d", -7, 8);
}
END_TEST

START_TEST(unsigned_decimal)
{
	EXPECT("0", "%u", 0u);
	EXPECT("4294967295", "%u", UINT32_MAX);
	EXPECT("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	EXPECT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	EXPECT("123", "%zu", (size_t)123);
	/* %u of a negative int is its 32-bit pattern. */
	EXPECT("4294967295", "%u", (unsigned)-1);
}
END_TEST

START_TEST(hexadecimal)
{
	EXPECT("0", "%x", 0u);
	EXPECT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT("123456789abcdef0", "%lx", 0x123456789abcdef0ul);
	EXPECT("123456789ABCDEF0", "%lX", 0x123456789abcdef0ul);
	EXPECT("ffffffffffffffff", "%lx", ~0ul);
	EXPECT("ffffffff", "%x", ~0u);
	EXPECT("10", "%llx", 16ull);
	EXPECT("ff", "%zx", (size_t)255);
}
END_TEST

START_TEST(width_and_padding)
{
	EXPECT("0000000000001234", "%016lx", 0x1234ul);
	EXPECT("0000000000000000", "%016lx", 0ul);
	EXPECT("123456789abcdef0", "%016lx", 0x123456789abcdef0ul);
	EXPECT("000000ff", "%08x", 0xffu);
	EXPECT("   42", "%5d", 42);
	EXPECT("  -42", "%5d", -42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("00042", "%05d", 42);
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("-42  |", "%-5d|", -42);
	EXPECT("ab   |", "%-5s|", "ab");
	EXPECT("   ab", "%5s", "ab");
	EXPECT("abcdefg", "%5s", "abcdefg");
	EXPECT("abcdefg", "%-5s", "abcdefg");
	EXPECT("12345", "%3d", 12345);
	EXPECT("[   7][7   ]", "[%4u][%-4u]", 7u, 7u);
}
END_TEST

/* As in C, '-' wins over '0': the padding on the right is spaces. */
START_TEST(left_overrides_zero)
{
	char buf[32];

	ck_assert_uint_eq(format_unchecked(buf, sizeof(buf), "%-05d|", 42), 6);
	ck_assert_str_eq(buf, "42   |");
	ck_assert_uint_eq(format_unchecked(buf, sizeof(buf), "%0-6x|", 0xabu), 7);
	ck_assert_str_eq(buf, "ab    |");
	ck_assert_uint_eq(format_unchecked(buf, sizeof(buf), "%-05d|", -4), 6);
	ck_assert_str_eq(buf, "-4   |");
}
END_TEST

START_TEST(strings_and_chars)
{
	char buf[32];

	/* Unchecked: gcc knows a NULL %s argument is undefined in C. */
	ck_assert_uint_eq(format_unchecked(buf, sizeof(buf), "<%s>", (const char *)NULL), 8);
	ck_assert_str_eq(buf, "<(null)>");
	ck_assert_uint_eq(format_unchecked(buf, sizeof(buf), "%-8s|", (const char *)NULL), 9);
	ck_assert_str_eq(buf, "(null)  |");
	EXPECT("A", "%c", 'A');
	EXPECT("xyz", "%c%c%c", 'x', 'y', 'z');
	EXPECT("a-b", "%s-%c", "a", 'b');
}
END_TEST

START_TEST(pointers_and_percent)
{
	EXPECT("0x1000", "%p", (void *)0x1000);
	EXPECT("0xffff800012345678", "%p", (void *)0xffff800012345678ul);
	EXPECT("0x0", "%p", (void *)0);
	EXPECT("%", "%%");
	EXPECT("100%", "%d%%", 100);
	EXPECT("%d", "%%d");
}
END_TEST

/* Several conversions in one call consume their arguments in order. */
START_TEST(mixed_arguments)
{
	EXPECT("vm demo0 vcpu 1 pc 0x0000000040080000 esr 96000045 -3 c",
	       "vm %s vcpu %u pc 0x%016lx esr %x %ld %c", "demo0", 1u, 0x40080000ul,
	       0x96000045u, -3l, 'c');
}
END_TEST

START_TEST(truncation)
{
	char buf[16];
	size_t n;

	memset(buf, '#', sizeof(buf));
	n = format(buf, 5, "hello world");
	ck_assert_str_eq(buf, "hell");
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(buf[5], '#');

	memset(buf, '#', sizeof(buf));
	n = format(buf, 4, "%d", 123456);
	ck_assert_str_eq(buf, "123");
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(buf[4], '#');

	memset(buf, '#', sizeof(buf));
	n = format(buf, 6, "%016lx", 0xabcul);
	ck_assert_str_eq(buf, "00000");
	ck_assert_uint_eq(n, 5);

	memset(buf, '#', sizeof(buf));
	n = format(buf, 3, "%-8s|", "ab");
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(n, 2);

	/* Exactly fits: all of it plus the NUL. */
	memset(buf, '#', sizeof(buf));
	n = format(buf, 6, "%s", "hello");
	ck_assert_str_eq(buf, "hello");
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(buf[6], '#');

	memset(buf, '#', sizeof(buf));
	n = format(buf, 1, "hello");
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(buf[1], '#');

	/* size 0: nothing is written, not even a NUL. */
	memset(buf, '#', sizeof(buf));
	n = format(buf, 0, "hello %d", 5);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(buf[0], '#');
}
END_TEST

START_TEST(unknown_conversion)
{
	char buf[32];
	size_t n;

	n = format_unchecked(buf, sizeof(buf), "a%qb", 1);
	ck_assert_str_eq(buf, "a%qb");
	ck_assert_uint_eq(n, 4);
	/* Its argument is not consumed: the next conversion gets it. */
	n = format_unchecked(buf, sizeof(buf), "%q%d", 17);
	ck_assert_str_eq(buf, "%q17");
	ck_assert_uint_eq(n, 4);
	/* A lone '%' at the end stops formatting cleanly. */
	n = format_unchecked(buf, sizeof(buf), "ab%", 1);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(n, 2);
	n = format_unchecked(buf, sizeof(buf), "ab%08", 1);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(n, 2);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("format");

	HOST_TEST(s, plain_text);
	HOST_TEST(s, signed_decimal);
	HOST_TEST(s, unsigned_decimal);
	HOST_TEST(s, hexadecimal);
	HOST_TEST(s, width_and_padding);
	HOST_TEST(s, left_overrides_zero);
	HOST_TEST(s, strings_and_chars);
	HOST_TEST(s, pointers_and_percent);
	HOST_TEST(s, mixed_arguments);
	HOST_TEST(s, truncation);
	HOST_TEST(s, unknown_conversion);
}
