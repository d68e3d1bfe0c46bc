/* finalize_fix.h: does this MPI need the finalize fix (MPICH 3.4-4.1 ucx). */
#ifndef PIRACK_FINALIZE_FIX_H
#define PIRACK_FINALIZE_FIX_H

#include <stddef.h>

enum ff_mode { FF_AUTO, FF_ON, FF_OFF };

/*
 * PIRACK_FINALIZE_FIX's value (NULL or "" is auto) -> mode; -1 for
 * anything but auto, on or off.
 */
int finalize_fix_mode(const char *env);

/*
 * Does the MPI whose MPI_Get_library_version() string is libver have the
 * hang? 1 yes, 0 no; why gets one line saying what was found (MPI, version,
 * device) and the verdict.
 */
int finalize_fix_affected(const char *libver, char *why, size_t whylen);

#endif
