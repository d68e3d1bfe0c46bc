/* test_utf8.c: strict UTF-8 validation (lib/utf8.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/utf8.h"

static bool ok(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(ok(""));
	assert_true(ok("plain ascii {\"done\":1}"));
	assert_true(ok("\xc2\xb0"
		       "C"));		     /* ° */
	assert_true(ok("\xe2\x82\xac"));     /* € */
	assert_true(ok("\xed\x9f\xbf"));     /* U+D7FF */
	assert_true(ok("\xf0\x9f\x8d\x93")); /* U+1F353 */
	assert_true(ok("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
}

static void test_invalid(void **state)
{
	(void)state;
	assert_false(ok("\xff"));
	assert_false(ok("\x80"));     /* lone continuation */
	assert_false(ok("\xc0\xaf")); /* overlong '/' */
	assert_false(ok("\xc1\xbf"));
	assert_false(ok("\xe0\x80\xaf"));     /* overlong */
	assert_false(ok("\xed\xa0\x80"));     /* surrogate D800 */
	assert_false(ok("\xf0\x80\x80\xaf")); /* overlong */
	assert_false(ok("\xf4\x90\x80\x80")); /* > U+10FFFF */
	assert_false(ok("\xf5\x80\x80\x80"));
	assert_false(ok("\xe2\x82"));		  /* cut short */
	assert_false(ok("ok \xe2\x28\xa1 then")); /* bad continuation */
	assert_true(utf8_valid("a\0b", 3));	  /* NUL is UTF-8 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
