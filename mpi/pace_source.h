/* pace_source.h: where a rank's pace comes from: agent, else sysfs, else 1. */
#ifndef PIRACK_PACE_SOURCE_H
#define PIRACK_PACE_SOURCE_H

#include <stdbool.h>
#include "pace.h"
#include "pace_agent.h"
#include "pacectl.h"

#define PACE_SRC_ROOT_MAX 256
#define PACE_SRC_WARN_MAX 512

struct pace_src {
	struct pace_agent agent;
	char sysfs_root[PACE_SRC_ROOT_MAX];
	double target_c, limit_c; /* the controller's band without agent */
	struct pacectl ctl;	  /* the agent's controller, in-process */
	double ctl_last;	  /* monotonic s of its last update */
	enum pace_source last;	  /* source of the previous reading */
	bool have_last;
	bool warned_none;
	/* A change of source worth one line on stderr, not yet shown. */
	char warn[PACE_SRC_WARN_MAX];
};

void pace_src_init(struct pace_src *s, const char *socket,
		   const char *sysfs_root, double target_c, double limit_c);

/* A reading from the best source that answers now; never blocks long. */
void pace_src_read(struct pace_src *s, double now, struct pace_reading *r);

/*
 * The same without waiting, for a rank between chunks. pace_src_take:
 * the agent's reply to an earlier request, if it came: true when *r is
 * new (that reply, or the fallback's reading when the agent failed).
 * pace_src_ask: a new request (report, the job's report line or NULL,
 * rides along) when none is in flight (pace_src_busy); true when it
 * could not go and *r is the fallback's reading.
 */
bool pace_src_take(struct pace_src *s, double now, struct pace_reading *r);
bool pace_src_ask(struct pace_src *s, double now, const char *report,
		  struct pace_reading *r);
bool pace_src_busy(const struct pace_src *s);

/* Takes the pending warning (copied to buf), false when there is none. */
bool pace_src_warning(struct pace_src *s, char *buf, size_t len);

void pace_src_close(struct pace_src *s);

#endif
