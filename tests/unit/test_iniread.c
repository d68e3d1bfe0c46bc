/* test_iniread.c: the one INI line reader (lib/iniread.c) under inih. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <ini.h>
#include "lib/iniread.h"

/* What the reader and inih told us, in order, as one string. */
struct seen {
	char log[1024];
	struct iniread rd;
};

static void seen_add(struct seen *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void seen_add(struct seen *s, const char *fmt, ...)
{
	size_t n = strlen(s->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->log + n, sizeof(s->log) - n, fmt, ap);
	va_end(ap);
}

static void on_error(void *user, unsigned line, const char *msg)
{
	seen_add(user, "E%u:%s|", line, msg);
}

static void on_section(void *user, const char *name)
{
	seen_add(user, "S%u:%s|", ((struct seen *)user)->rd.line, name);
}

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct seen *s = user;

	seen_add(s, "K%u:%s.%s=%s%s|", s->rd.line, section, key, value,
		 s->rd.indented ? "(indented)" : "");
	return 1;
}

/* Runs the reader over len bytes of text; returns inih's result. */
static int read_text(struct seen *s, const char *text, size_t len)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	int rc;

	assert_non_null(fp);
	memset(s, 0, sizeof(*s));
	s->rd = (struct iniread){
		.fp = fp, .error = on_error, .section = on_section, .user = s
	};
	rc = ini_parse_stream(iniread_gets, &s->rd, on_key, s);
	fclose(fp);
	return rc;
}

static void test_lines_counted(void **state)
{
	const char text[] = "; c\n[a]\nx = 1\n\n[b]\n  y = 2\n";
	struct seen s;

	(void)state;
	assert_int_equal(read_text(&s, text, strlen(text)), 0);
	assert_string_equal(s.log, "S2:a|K3:a.x=1|S5:b|K6:b.y=2(indented)|");
}

static void test_empty_section_seen(void **state)
{
	const char text[] = "[lonely]\n";
	struct seen s;

	(void)state;
	assert_int_equal(read_text(&s, text, strlen(text)), 0);
	assert_string_equal(s.log, "S1:lonely|");
}

static void test_long_line_refused_whole(void **state)
{
	char text[600];
	struct seen s;

	(void)state;
	memset(text, 'v', sizeof(text));
	memcpy(text, "[a]\nk = ", 8);
	memcpy(text + sizeof(text) - 8, "\nz = 3\n", 8);
	assert_int_equal(read_text(&s, text, sizeof(text) - 1), 0);
	/* nothing of line 2 reaches inih; line 3 still does */
	assert_non_null(strstr(s.log, "E2:line is longer than"));
	assert_null(strstr(s.log, "K2:"));
	assert_non_null(strstr(s.log, "K3:a.z=3|"));
}

static void test_nul_byte_refused(void **state)
{
	const char text[] = "[a]\nk = 1\0 2\nm = 4\n";
	struct seen s;

	(void)state;
	assert_int_equal(read_text(&s, text, sizeof(text) - 1), 0);
	assert_string_equal(s.log, "S1:a|E2:line contains a NUL byte (not a "
				   "text file?)|K3:a.m=4|");
}

static void test_bom_and_long_section(void **state)
{
	char text[300] = "\xEF\xBB\xBF[a]\n[";
	struct seen s;

	(void)state;
	memset(text + strlen(text), 'n', 150);
	strcat(text, "]\nk = 1\n");
	assert_int_equal(read_text(&s, text, strlen(text)), 0);
	assert_non_null(strstr(s.log, "S1:a|E2:section name too long|S2:|"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_counted),
		cmocka_unit_test(test_empty_section_seen),
		cmocka_unit_test(test_long_line_refused_whole),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_bom_and_long_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
