/* fsutil.c: filesystem helpers shared by the agent, the sim and the rack. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

/* mkdir, where an existing directory is fine and anything else is not. */
static int fs_mkdir1(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int fs_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0) {
		errno = ENOENT;
		return -1;
	}
	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (fs_mkdir1(buf, mode) < 0)
			return -1;
		*p = '/';
	}
	return fs_mkdir1(buf, mode);
}

int fs_mkdirs_parent(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	slash = strrchr(buf, '/');
	if (!slash)
		return 0; /* relative name: the cwd exists */
	if (slash == buf)
		return 0; /* "/x": the root exists */
	*slash = '\0';
	return fs_mkdirs(buf, mode);
}
