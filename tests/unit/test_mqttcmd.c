/* test_mqttcmd.c: command payloads are one short word, or refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent/mqttcmd.h"

static int word_of(const char *p, int len, char *w)
{
	return mqttcmd_word(p, len, w, MQTTCMD_MAX);
}

static void test_words_accepted(void **state)
{
	char w[MQTTCMD_MAX];

	(void)state;
	assert_int_equal(word_of("ON", 2, w), 0);
	assert_string_equal(w, "ON");
	assert_int_equal(word_of("auto", 4, w), 0);
	assert_string_equal(w, "auto");
	assert_int_equal(word_of("100", 3, w), 0);
	assert_string_equal(w, "100");
	/* not NUL-terminated on the wire: only len bytes count */
	assert_int_equal(word_of("IDENTIFYxxx", 8, w), 0);
	assert_string_equal(w, "IDENTIFY");
	assert_int_equal(word_of("ABCDEFGHIJKLMNO", 15, w), 0);
}

static void test_garbage_refused(void **state)
{
	static const struct {
		const char *p;
		int len;
	} bad[] = {
		{ "", 0 },
		{ NULL, 0 },
		{ "ON ", 3 },
		{ " ON", 3 },
		{ "O\0N", 3 },
		{ "on;reboot", 9 },
		{ "-1", 2 },
		{ "+5", 2 },
		{ "5.5", 3 },
		{ "{\"s\":1}", 7 },
		{ "\xc3\x8d"
		  "DENTIFY",
		  9 },
		{ "ON\n", 3 },
		{ "ABCDEFGHIJKLMNOP", 16 },
	};
	char w[MQTTCMD_MAX] = "untouched";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(word_of(bad[i].p, bad[i].len, w), -1);
		assert_string_equal(w, "untouched");
	}
	/* and a word that does not fit the caller's buffer */
	assert_int_equal(mqttcmd_word("AUTO", 4, w, 4), -1);
}

static void test_escape(void **state)
{
	char out[32];

	(void)state;
	mqttcmd_escape("ON", 2, out, sizeof(out));
	assert_string_equal(out, "ON");
	mqttcmd_escape("O\0N\"\\", 5, out, sizeof(out));
	assert_string_equal(out, "O\\x00N\\x22\\x5c");
	mqttcmd_escape("\xff\n", 2, out, sizeof(out));
	assert_string_equal(out, "\\xff\\x0a");
	/* long payloads are cut, and say so */
	mqttcmd_escape("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 40, out,
		       sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_non_null(strstr(out, "..."));
	mqttcmd_escape(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_accepted),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
