/* fixture.h: temporary file trees for the unit tests: make, fill, read, rm. */
#ifndef PIRACK_TEST_FIXTURE_H
#define PIRACK_TEST_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

/* Room for a fixture's root: $TMPDIR may be long. */
#define FIXTURE_PATH_MAX 128

/*
 * Makes a fresh directory $TMPDIR/pirack-NAME.XXXXXX (/tmp without
 * TMPDIR) and puts its path into dir (n bytes). Returns 0, or -1.
 */
int fixture_mkdtemp(char *dir, size_t n, const char *name);

/* Writes text to root/rel, making rel's directories; a failure fails. */
void fixture_put(const char *root, const char *rel, const char *text);

/* The whole file at path, malloc'd (the caller frees); NULL when missing. */
char *fixture_read(const char *path);

/* root/rel's content into buf (n bytes, truncated), "" when missing. */
const char *fixture_get(const char *root, const char *rel, char *buf, size_t n);

/*
 * rm -r: dir and everything below it (not following symlinks), so that a
 * test that failed half-way, leaving files, still leaves nothing. NULL or
 * "" does nothing. Returns 0, or -1 when something stayed.
 */
int fixture_rm(const char *dir);

/* The state letter of /proc/<pid>/stat ('T' when stopped), '?' if gone. */
char fixture_proc_state(pid_t pid);

#endif
