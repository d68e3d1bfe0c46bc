/* pirack.h: the rack tool's context, shared by its commands. */
#ifndef PIRACK_RACK_H
#define PIRACK_RACK_H

#include "inventory.h"

/* Exit statuses: 2 is bad usage or a bad rack file, as pirackd's config. */
#define RACK_EXIT_FAIL 1
#define RACK_EXIT_USAGE 2

struct rack {
	const char *file; /* -r, $PIRACK_RACK or the default */
	struct inventory inv;
};

/* pirack status (status.c). */
int status_main(struct rack *r, int argc, char **argv);
extern const char status_usage[];

#endif
