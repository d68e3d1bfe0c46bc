/* fixture.c: temporary file trees for the unit tests (see fixture.h). */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fixture.h"

int fixture_mkdtemp(char *dir, size_t n, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int len;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	len = snprintf(dir, n, "%s/pirack-%s.XXXXXX", tmp, name);
	if (len < 0 || (size_t)len >= n)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

void fixture_put(const char *root, const char *rel, const char *text)
{
	char path[FIXTURE_PATH_MAX + 256];
	FILE *fp;
	int len;

	len = snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_true(len > 0 && (size_t)len < sizeof(path));
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755); /* EEXIST is fine; fopen tells */
		*p = '/';
	}
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("%s: cannot create", path);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

char *fixture_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, got;

	if (!fp)
		return NULL;
	for (;;) {
		char *nb = realloc(buf, len + 4096 + 1);

		assert_non_null(nb);
		buf = nb;
		got = fread(buf + len, 1, 4096, fp);
		len += got;
		if (got < 4096)
			break;
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

const char *fixture_get(const char *root, const char *rel, char *buf, size_t n)
{
	char path[FIXTURE_PATH_MAX + 256];
	char *text;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	text = fixture_read(path);
	snprintf(buf, n, "%s", text ? text : "");
	free(text);
	return buf;
}

static int fixture_rm_one(const char *p, const struct stat *sb, int flag,
			  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int fixture_rm(const char *dir)
{
	if (!dir || !*dir)
		return 0;
	return nftw(dir, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char fixture_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name in (...) may hold spaces and ')': the state follows the last
	 */
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}
