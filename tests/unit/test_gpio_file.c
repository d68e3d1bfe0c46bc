/* test_gpio_file.c: the file GPIO backend's files, polarity and atomicity. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/gpio.h"
#include "fixture.h"

static int setup(void **state)
{
	char *dir = malloc(FIXTURE_PATH_MAX);

	if (!dir || fixture_mkdtemp(dir, FIXTURE_PATH_MAX, "gpiofile") < 0) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	fixture_rm(*state);
	free(*state);
	return 0;
}

/* The file's content, "" when missing. */
static const char *wire(const char *dir, const char *chip, unsigned line)
{
	static char buf[16];
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%u", dir, chip, line);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static void test_request_set_release(void **state)
{
	const char *base = *state;
	char dir[FIXTURE_PATH_MAX + 64], err[256];
	unsigned lines[] = { 17, 27, 22 };

	/* nested, not yet existing directories are created */
	snprintf(dir, sizeof(dir), "%s/run/pirack/gpio", base);
	struct gpio_req *r = gpio_file_ops.request(dir, "gpiochip0", lines, 3,
						   false, 0, err, sizeof(err));
	assert_non_null(r);
	for (int i = 0; i < 3; i++)
		assert_string_equal(wire(dir, "gpiochip0", lines[i]), "0\n");
	assert_int_equal(gpio_file_ops.set(r, 1, 1), 0);
	assert_string_equal(wire(dir, "gpiochip0", 27), "1\n");
	assert_string_equal(wire(dir, "gpiochip0", 17), "0\n");
	assert_int_equal(gpio_file_ops.set(r, 1, 0), 0);
	assert_string_equal(wire(dir, "gpiochip0", 27), "0\n");
	/* any non-zero is 1 */
	assert_int_equal(gpio_file_ops.set(r, 2, 42), 0);
	assert_string_equal(wire(dir, "gpiochip0", 22), "1\n");
	/* out of range */
	assert_int_equal(gpio_file_ops.set(r, 3, 1), -1);
	/* the last value outlives the holder */
	gpio_file_ops.release(r);
	assert_string_equal(wire(dir, "gpiochip0", 22), "1\n");
	assert_string_equal(gpio_file_ops.name, "sim");
}

static void test_init_value(void **state)
{
	const char *dir = *state;
	char err[256];
	unsigned line = 14;

	struct gpio_req *r = gpio_file_ops.request(dir, "gpiochip1", &line, 1,
						   false, 1, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(wire(dir, "gpiochip1", 14), "1\n");
	gpio_file_ops.release(r);
}

/* active_low: the file holds the wire value, the inverse of logical. */
static void test_active_low(void **state)
{
	const char *dir = *state;
	char err[256];
	unsigned line = 14;

	struct gpio_req *r = gpio_file_ops.request(dir, "gpiochip0", &line, 1,
						   true, 1, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(wire(dir, "gpiochip0", 14), "0\n");
	gpio_file_ops.set(r, 0, 0);
	assert_string_equal(wire(dir, "gpiochip0", 14), "1\n");
	gpio_file_ops.set(r, 0, 1);
	assert_string_equal(wire(dir, "gpiochip0", 14), "0\n");
	gpio_file_ops.release(r);
}

static void test_errors(void **state)
{
	const char *dir = *state;
	char path[FIXTURE_PATH_MAX + 64], err[256];
	unsigned line = 14;

	/* a plain file where the chip's directory should be */
	snprintf(path, sizeof(path), "%s/gpiochip9", dir);
	fclose(fopen(path, "w"));
	err[0] = '\0';
	assert_null(gpio_file_ops.request(dir, "gpiochip9", &line, 1, false, 0,
					  err, sizeof(err)));
	assert_non_null(strstr(err, "gpiochip9"));
	assert_non_null(strstr(err, "Not a directory"));
	/* chip names cannot escape the directory */
	assert_null(gpio_file_ops.request(dir, "../x", &line, 1, false, 0, err,
					  sizeof(err)));
	assert_null(gpio_file_ops.request("", "gpiochip0", &line, 1, false, 0,
					  err, sizeof(err)));
	assert_null(gpio_file_ops.request(dir, "gpiochip0", &line, 0, false, 0,
					  err, sizeof(err)));
	/* a line whose file is a directory: the write fails, named */
	snprintf(path, sizeof(path), "%s/gpiochip2", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/gpiochip2/14", dir);
	mkdir(path, 0755);
	assert_null(gpio_file_ops.request(dir, "gpiochip2", &line, 1, false, 0,
					  err, sizeof(err)));
	assert_non_null(strstr(err, "gpiochip2 line 14"));
}

/*
 * A reader polling the file while the line toggles thousands of times
 * must only ever see "0\n" or "1\n": never an empty or partial file.
 */
static void test_atomic_writes(void **state)
{
	const char *dir = *state;
	char err[256];
	unsigned line = 5;
	int status;

	struct gpio_req *r = gpio_file_ops.request(dir, "gpiochip0", &line, 1,
						   false, 0, err, sizeof(err));
	assert_non_null(r);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < 4000; i++) {
			const char *v = wire(dir, "gpiochip0", 5);
			if (strcmp(v, "0\n") != 0 && strcmp(v, "1\n") != 0)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 2000; i++)
		assert_int_equal(gpio_file_ops.set(r, 0, i & 1), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	gpio_file_ops.release(r);

	/* and no temp files are left behind */
	char path[FIXTURE_PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/gpiochip0", dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || strstr(e->d_name, ".tmp"))
			n++;
	closedir(d);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_request_set_release), T(test_init_value),
		T(test_active_low),	     T(test_errors),
		T(test_atomic_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
