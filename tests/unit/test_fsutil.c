/* test_fsutil.c: mkdir -p and its parent form (lib/fsutil.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fixture.h"
#include "lib/fsutil.h"

static int setup(void **state)
{
	static char dir[FIXTURE_PATH_MAX];

	if (fixture_mkdtemp(dir, sizeof(dir), "fsutil") < 0)
		return -1;
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	return fixture_rm(*state);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_mkdirs_deep_and_again(void **state)
{
	char path[FIXTURE_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/a/b/c", (char *)*state);
	assert_int_equal(fs_mkdirs(path, 0755), 0);
	assert_true(is_dir(path));
	assert_int_equal(fs_mkdirs(path, 0755), 0); /* exists: fine */
}

static void test_mkdirs_file_in_the_way(void **state)
{
	char path[FIXTURE_PATH_MAX + 32];

	fixture_put(*state, "f", "x");
	snprintf(path, sizeof(path), "%s/f/sub", (char *)*state);
	errno = 0;
	assert_int_equal(fs_mkdirs(path, 0755), -1);
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/f", (char *)*state);
	assert_int_equal(fs_mkdirs(path, 0755), -1);
	assert_int_equal(errno, ENOTDIR);
}

static void test_mkdirs_parent(void **state)
{
	char path[FIXTURE_PATH_MAX + 32], dir[FIXTURE_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/run/x/agent.sock", (char *)*state);
	snprintf(dir, sizeof(dir), "%s/run/x", (char *)*state);
	assert_int_equal(fs_mkdirs_parent(path, 0755), 0);
	assert_true(is_dir(dir));
	assert_false(is_dir(path));
	assert_int_equal(fs_mkdirs_parent("name-only", 0755), 0);
	assert_int_equal(fs_mkdirs("", 0755), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdirs_deep_and_again),
		cmocka_unit_test(test_mkdirs_file_in_the_way),
		cmocka_unit_test(test_mkdirs_parent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
