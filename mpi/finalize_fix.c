/* finalize_fix.c: is this MPI's MPI_Finalize the hanging one (pure). */
#include "finalize_fix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * MPICH 3.4 to 4.1.x, device ch4:ucx, end MPI_Finalize with: ucp_disconnect_nb
 * on every endpoint, progress until all complete, a PMI barrier, then
 * ucp_worker_destroy. A rank whose disconnects complete first waits in the
 * PMI barrier and stops progressing UCX, while the others wait for it to
 * answer their disconnects: over TCP most multi-host jobs hang after their
 * result. MPICH 4.2.0 drops that barrier (pmodels/mpich pull request 6596).
 * Older releases kept the netmod elsewhere and are not recognised: force
 * the fix with PIRACK_FINALIZE_FIX=on there.
 */
#define FF_FIRST_MAJOR 3
#define FF_FIRST_MINOR 4
#define FF_FIXED_MAJOR 4
#define FF_FIXED_MINOR 2

int finalize_fix_mode(const char *env)
{
	if (!env || !*env || !strcmp(env, "auto"))
		return FF_AUTO;
	if (!strcmp(env, "on"))
		return FF_ON;
	if (!strcmp(env, "off"))
		return FF_OFF;
	return -1;
}

/* the value after "KEY:" and blanks, up to the end of its line */
static const char *field(const char *s, const char *key, size_t *len)
{
	const char *p = strstr(s, key);

	if (!p)
		return NULL;
	p += strlen(key);
	p += strspn(p, " \t");
	*len = strcspn(p, "\r\n");
	return p;
}

static int version_lt(long maj, long min, long rmaj, long rmin)
{
	return maj < rmaj || (maj == rmaj && min < rmin);
}

int finalize_fix_affected(const char *libver, char *why, size_t whylen)
{
	const char *v, *d;
	size_t vlen = 0, dlen = 0;
	char *end;
	long maj, min = 0;

	if (!libver)
		libver = "";
	v = field(libver, "MPICH Version:", &vlen);
	if (!v) {
		size_t first = strcspn(libver, "\r\n");

		snprintf(why, whylen, "not MPICH (%.*s): not affected",
			 (int)(first > 60 ? 60 : first), libver);
		return 0;
	}
	maj = strtol(v, &end, 10);
	if (end == v || *end != '.') {
		snprintf(why, whylen,
			 "MPICH, version '%.*s' not understood: not affected",
			 (int)(vlen > 30 ? 30 : vlen), v);
		return 0;
	}
	min = strtol(end + 1, NULL, 10);
	d = field(libver, "MPICH Device:", &dlen);
	if (!d) {
		d = "unknown";
		dlen = strlen(d);
	}
	int ucx = dlen >= 7 && !strncmp(d, "ch4:ucx", 7);
	int old = version_lt(maj, min, FF_FIRST_MAJOR, FF_FIRST_MINOR);
	int fixed = !version_lt(maj, min, FF_FIXED_MAJOR, FF_FIXED_MINOR);
	int hit = ucx && !old && !fixed;

	snprintf(why, whylen, "MPICH %.*s, device %.*s: %s",
		 (int)(vlen > 30 ? 30 : vlen), v, (int)(dlen > 30 ? 30 : dlen),
		 d,
		 hit	 ? "affected (finalize hang of 3.4-4.1 ch4:ucx)"
		 : !ucx	 ? "not affected (not ch4:ucx)"
		 : fixed ? "not affected (fixed in 4.2.0)"
			 : "not recognised (before 3.4): not affected");
	return hit;
}
