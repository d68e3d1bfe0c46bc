/* pace_nodes.h: grouping a communicator's ranks into the job's nodes. */
#ifndef PIRACK_PACE_NODES_H
#define PIRACK_PACE_NODES_H

#include <mpi.h>
#include <stdbool.h>
#include "pace.h"

struct pace_nodes {
	int count;		      /* distinct nodes */
	int index;		      /* this rank's node, by sorted name */
	int ranks;		      /* ranks on this rank's node */
	bool leader;		      /* lowest rank of its node */
	char (*names)[PACE_NODE_MAX]; /* count names, sorted */
};

/*
 * This rank's node name: $PIRACK_NODE, else the agent's (agent_node, may
 * be "" or NULL), else MPI_Get_processor_name().
 */
void pace_nodes_name(const char *agent_node, char *name, size_t len);

/* Collective: gathers every rank's name. 0, or -1 out of memory. */
int pace_nodes_build(struct pace_nodes *n, MPI_Comm comm, const char *mine);

void pace_nodes_free(struct pace_nodes *n);

#endif
