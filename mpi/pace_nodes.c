/* pace_nodes.c: node identity (env, agent, host) and the job's node table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pace_nap.h"
#include "pace_nodes.h"

void pace_nodes_name(const char *agent_node, char *name, size_t len)
{
	/*
	 * The environment first: the simulated cluster runs several "nodes"
	 * on one host, each rank group with its own PIRACK_NODE.
	 */
	const char *env = getenv("PIRACK_NODE");
	char host[MPI_MAX_PROCESSOR_NAME];
	int hlen = 0;

	if (env && *env) {
		snprintf(name, len, "%s", env);
		return;
	}
	if (agent_node && *agent_node) {
		snprintf(name, len, "%s", agent_node);
		return;
	}
	if (MPI_Get_processor_name(host, &hlen) != MPI_SUCCESS || hlen <= 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(name, len, "%s", host);
}

static int pace_nodes_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int pace_nodes_build(struct pace_nodes *n, MPI_Comm comm, const char *mine)
{
	char me[PACE_NODE_MAX] = "";
	char(*all)[PACE_NODE_MAX];
	MPI_Request req;
	int size, rank, i, first = -1, ok;

	memset(n, 0, sizeof(*n));
	MPI_Comm_size(comm, &size);
	MPI_Comm_rank(comm, &rank);
	snprintf(me, sizeof(me), "%s", mine);
	all = calloc(size, sizeof(*all));
	ok = all != NULL;
	/* Every rank must take part in the gather, so agree on memory first. */
	MPI_Iallreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm, &req);
	pace_nap_wait(&req);
	if (!ok) {
		free(all);
		return -1;
	}
	MPI_Iallgather(me, PACE_NODE_MAX, MPI_CHAR, all, PACE_NODE_MAX,
		       MPI_CHAR, comm, &req);
	pace_nap_wait(&req);
	for (i = 0; i < size; i++) {
		if (strcmp(all[i], me) == 0) {
			n->ranks++;
			if (first < 0)
				first = i;
		}
	}
	n->leader = first == rank;
	qsort(all, size, sizeof(*all), pace_nodes_cmp);
	for (i = 0; i < size; i++)
		if (i == 0 || strcmp(all[i], all[n->count - 1]) != 0)
			memmove(all[n->count++], all[i], PACE_NODE_MAX);
	for (i = 0; i < n->count; i++)
		if (strcmp(all[i], me) == 0)
			n->index = i;
	n->names = all;
	return 0;
}

void pace_nodes_free(struct pace_nodes *n)
{
	free(n->names);
	n->names = NULL;
}
