/* agentconf.h: a node's agent.conf from the rack's defaults and overrides. */
#ifndef PIRACK_AGENTCONF_H
#define PIRACK_AGENTCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "config.h"
#include "inventory.h"

/* Is KEY an agent setting that rack.conf may give (fan_line, ...)? */
bool agentconf_known(const char *key);

/*
 * Applies one setting to *c. On a bad value returns -1 with a message
 * naming the key and the cause (no FILE:LINE) in err.
 */
int agentconf_set(struct config *c, const char *key, const char *value,
		  char *err, size_t errlen);

/*
 * The node's full config: the agent's defaults, then the rack's (broker,
 * prefix, rack-wide settings), then the node's own overrides. Returns -1
 * with "FILE:LINE: message" in err when the result is inconsistent.
 */
int agentconf_build(const struct inventory *inv, const struct inv_node *n,
		    struct config *c, char *err, size_t errlen);

/*
 * agentconf_build, then the result read back through the agent's own
 * parser: what pirackd --check-config would refuse is refused here, with
 * the agent's reason, at the node's line. inventory_load checks every node.
 */
int agentconf_check(const struct inventory *inv, const struct inv_node *n,
		    char *err, size_t errlen);

/* Prints every key of the node's agent.conf (through config_write). */
int agentconf_print(const struct inventory *inv, const struct inv_node *n,
		    FILE *out, char *err, size_t errlen);

/* Lists the settable keys, one a line, for --help. */
void agentconf_list_keys(FILE *out);

#endif
