/* fsutil.h: filesystem helpers shared by the agent, the sim and the rack. */
#ifndef PIRACK_FSUTIL_H
#define PIRACK_FSUTIL_H

#include <sys/types.h>

/*
 * mkdir -p: creates path and every missing parent with mode. An existing
 * directory is fine; an existing non-directory fails with ENOTDIR. 0 or
 * -1 with errno set.
 */
int fs_mkdirs(const char *path, mode_t mode);
/* fs_mkdirs of the directory that holds path (for a socket or a file). */
int fs_mkdirs_parent(const char *path, mode_t mode);

#endif
