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
 * Applies one setting to *c through the agent's own config_set(). On a
 * bad value returns -1 with a message naming the key and the cause (no
 * FILE:LINE) in err, *c untouched.
 */
int agentconf_set(struct config *c, const char *key, const char *value,
		  char *err, size_t errlen);

/*
 * The node's full config: the agent's defaults, then the rack's (broker,
 * prefix, rack-wide settings), then the node's own overrides, then the
 * agent's own checks across keys (config_validate). Returns -1 with
 * "FILE:LINE: node N: message" in err, at the later of the rack lines
 * that set the keys involved (the node's line when none did).
 */
int agentconf_build(const struct inventory *inv, const struct inv_node *n,
		    struct config *c, char *err, size_t errlen);

/*
 * agentconf_build into a scratch config: inventory_load checks every node
 * so that what pirackd --check-config would refuse is refused in rack.conf.
 */
int agentconf_check(const struct inventory *inv, const struct inv_node *n,
		    char *err, size_t errlen);

/* Prints every key of the node's agent.conf (through config_write). */
int agentconf_print(const struct inventory *inv, const struct inv_node *n,
		    FILE *out, char *err, size_t errlen);

/* Lists the settable keys, one a line, for --help. */
void agentconf_list_keys(FILE *out);

#endif
