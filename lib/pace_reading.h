/* pace_reading.h: one reading of a node's pace, as its agent or sysfs gave it.
 */
#ifndef PIRACK_PACE_READING_H
#define PIRACK_PACE_READING_H

#include <stdbool.h>
#include <stdint.h>

#define PACE_NODE_MAX 64

/* In order of how well informed: a node's ranks report the least. */
enum pace_source {
	PACE_SOURCE_NONE,  /* no agent, no readable temperature: pace 1 */
	PACE_SOURCE_SYSFS, /* sysfs and the agent's controller, in-process */
	PACE_SOURCE_AGENT, /* the node's pirackd */
};

/* One reading of the node, from whichever source answered. */
struct pace_reading {
	char node[PACE_NODE_MAX]; /* the agent's node name, or "" */
	enum pace_source source;
	double pace;   /* [0, 1] */
	double temp_c; /* NAN when unknown */
	double target_c, limit_c;
	char fan[8];	      /* "on", "off", or "" when unknown */
	bool fault;	      /* a sensor could not be read */
	bool throttled;	      /* firmware slowing the CPU now */
	int64_t throttle_raw; /* get_throttled word, -1 unknown (pace_read) */
	double ts;	      /* UNIX time of the reading */
};

#endif
