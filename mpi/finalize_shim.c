/* finalize_shim.c: MPI_Finalize, ucp_disconnect_nb replaced when it is. */
#include "finalize_fix.h"

#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * With an affected MPI (finalize_fix.c says which), MPI_Finalize becomes:
 *   1. PMPI_Barrier(MPI_COMM_WORLD): every rank keeps progressing until all
 *      have arrived, and a rank arrives only after its receives completed,
 *      so every byte sent before finalize has been delivered;
 *   2. PMPI_Finalize, during which ucp_disconnect_nb returns UCS_OK at once
 *      instead of starting a flush-and-close that needs the peers' progress;
 *      MPICH then meets the others in its PMI barrier and
 *      ucp_worker_destroy closes the endpoints locally.
 * Measured on Debian 12's MPICH 4.0.2 / UCX 1.13 over TCP: the barrier alone
 * still hangs (cpi on 3 hosts: 3 of 20 runs, 10 of 10 without any fix);
 * the disconnect alone fixes the hang (0 of 20) but could
 * leave a sender's last bytes in its UCX queue while it waits in the PMI
 * barrier, which no longer progresses UCX.
 *
 * Every MPI function is looked up with dlsym at the call, so the preloaded
 * library needs no MPI of its own: it loads into any process (mpiexec too),
 * and under Open MPI it never passes it MPICH's handles (it is off there).
 *
 * The interposed functions get no context pointer: their one shared state
 * is this struct, set once in MPI_Finalize, read in ucp_disconnect_nb.
 */
struct ff_state {
	int active; /* skip the disconnects: set inside MPI_Finalize only */
};
static struct ff_state ff_state;

typedef int (*ff_libver_fn)(char *, int *);
typedef int (*ff_barrier_fn)(MPI_Comm);
typedef int (*ff_void_fn)(void);
typedef int (*ff_flag_fn)(int *);
typedef void *(*ff_disconnect_fn)(void *);

/* the preload is built with -fvisibility=hidden: these two are its API */
#define FF_EXPORT __attribute__((visibility("default")))
FF_EXPORT int MPI_Finalize(void);
FF_EXPORT void *ucp_disconnect_nb(void *ep);

static int ff_wanted(int debug)
{
	const char *env = getenv("PIRACK_FINALIZE_FIX");
	int mode = finalize_fix_mode(env);
	char ver[MPI_MAX_LIBRARY_VERSION_STRING] = "";
	char why[200];
	int len = 0, hit;
	ff_libver_fn libver;

	if (mode < 0) {
		fprintf(stderr,
			"pirack-finalize: PIRACK_FINALIZE_FIX='%s' is not "
			"auto, on or off: using auto\n",
			env);
		mode = FF_AUTO;
	}
	libver = (ff_libver_fn)dlsym(RTLD_DEFAULT, "MPI_Get_library_version");
	if (libver)
		libver(ver, &len);
	hit = finalize_fix_affected(ver, why, sizeof(why));
	if (mode == FF_ON)
		hit = 1;
	else if (mode == FF_OFF)
		hit = 0;
	if (debug)
		fprintf(stderr, "pirack-finalize: %s; %s: fix %s\n", why,
			mode == FF_AUTO ? "auto"
			: mode == FF_ON ? "forced"
					: "disabled",
			hit ? "on" : "off");
	return hit;
}

int MPI_Finalize(void)
{
	ff_void_fn fin = (ff_void_fn)dlsym(RTLD_DEFAULT, "PMPI_Finalize");
	ff_flag_fn inited = (ff_flag_fn)dlsym(RTLD_DEFAULT, "PMPI_Initialized");
	ff_barrier_fn barrier =
	    (ff_barrier_fn)dlsym(RTLD_DEFAULT, "PMPI_Barrier");
	const char *dbg = getenv("PIRACK_FINALIZE_FIX_DEBUG");
	int up = 0;

	if (!fin) {
		fprintf(stderr, "pirack-finalize: no PMPI_Finalize in this "
				"process (not an MPI program?)\n");
		abort();
	}
	if (inited)
		inited(&up);
	if (up && barrier && ff_wanted(dbg && *dbg)) {
		barrier(MPI_COMM_WORLD);
		ff_state.active = 1;
	}
	return fin();
}

void *ucp_disconnect_nb(void *ep)
{
	ff_disconnect_fn next;

	if (ff_state.active)
		return NULL; /* UCS_OK: nothing to wait for */
	next = (ff_disconnect_fn)dlsym(RTLD_NEXT, "ucp_disconnect_nb");
	if (!next) {
		fprintf(stderr, "pirack-finalize: ucp_disconnect_nb: no UCX "
				"library after this one\n");
		return NULL;
	}
	return next(ep);
}
