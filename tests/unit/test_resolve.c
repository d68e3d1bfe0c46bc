/* test_resolve.c: the background lookup answers with a numeric address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <string.h>
#include <cmocka.h>
#include "agent/resolve.h"

/* Waits (30 s at most: a loaded machine) for the child's answer. */
static int wait_answer(struct resolve *r, char *err, size_t errlen)
{
	struct pollfd pfd = { resolve_fd(r), POLLIN, 0 };
	int rc = 0;

	for (int i = 0; i < 300 && rc == 0; i++) {
		poll(&pfd, 1, 100);
		rc = resolve_poll(r, err, errlen);
	}
	return rc;
}

static void test_numeric_detected(void **state)
{
	(void)state;
	assert_true(resolve_is_numeric("10.0.0.1"));
	assert_true(resolve_is_numeric("::1"));
	assert_false(resolve_is_numeric("head"));
	assert_false(resolve_is_numeric("10.0.0.1.example"));
}

static void test_numeric_answer(void **state)
{
	char err[128] = "";
	struct resolve *r = resolve_start("127.0.0.1", err, sizeof(err));

	(void)state;
	assert_non_null(r);
	assert_int_equal(wait_answer(r, err, sizeof(err)), 1);
	assert_string_equal(resolve_addr(r, 0), "127.0.0.1");
	/* one address: every attempt takes it */
	assert_string_equal(resolve_addr(r, 3), "127.0.0.1");
	resolve_free(r);
}

/* "localhost" comes from /etc/hosts (netbase makes one): no DNS needed. */
static void test_name_gives_address(void **state)
{
	char err[128] = "";
	struct resolve *r = resolve_start("localhost", err, sizeof(err));
	const char *addr;

	(void)state;
	assert_non_null(r);
	assert_int_equal(wait_answer(r, err, sizeof(err)), 1);
	addr = resolve_addr(r, 0);
	assert_true(resolve_is_numeric(addr));
	assert_true(!strcmp(addr, "127.0.0.1") || !strcmp(addr, "::1"));
	resolve_free(r);
}

static void test_bad_name_fails(void **state)
{
	char err[128] = "";
	/* a label longer than 63 bytes is refused before any query */
	struct resolve *r = resolve_start(
	    "a-label-that-is-much-too-long-to-be-valid-in-any-dns-name-at-"
	    "all-really.invalid",
	    err, sizeof(err));

	(void)state;
	assert_non_null(r);
	assert_int_equal(wait_answer(r, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	resolve_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_detected),
		cmocka_unit_test(test_numeric_answer),
		cmocka_unit_test(test_name_gives_address),
		cmocka_unit_test(test_bad_name_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
