/* pi_report.c: per-node work shares and pacing, as text or one JSON object. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "pi_report.h"

/* One rank's account, as doubles for one MPI_Gather. */
enum { PR_NODE, PR_BUSY, PR_SLEEP, PR_SYNC, PR_PACED, PR_SOURCE, PR_CPU, PR_N };
/* Counts stay integers: intervals go up to 2^62. */
enum { PC_CHUNKS, PC_INTERVALS, PC_N };

struct pi_node {
	int ranks;
	uint64_t chunks, intervals;
	double busy, sleep, sync, paced, cpu;
	int source; /* the least informed source among its ranks */
};

static double pi_frac(double part, double whole)
{
	return whole > 0 ? part / whole : 1.0;
}

static cJSON *pi_report_json(const struct pi_args *a, const struct pi_plan *pl,
			     const struct pi_result *res, int size,
			     const struct pi_node *nodes, int nnodes,
			     const struct pi_node *all, struct pace *pace)
{
	cJSON *o = cJSON_CreateObject(), *arr, *n;
	double ips = res->seconds > 0 ? pl->n / res->seconds : 0;

	cJSON_AddNumberToObject(o, "pi", res->pi);
	cJSON_AddNumberToObject(o, "error", fabs(res->pi - M_PI));
	cJSON_AddNumberToObject(o, "intervals", (double)pl->n);
	cJSON_AddNumberToObject(o, "ranks", size);
	cJSON_AddNumberToObject(o, "node_count", nnodes);
	cJSON_AddNumberToObject(o, "seconds", res->seconds);
	cJSON_AddNumberToObject(o, "intervals_per_s", ips);
	cJSON_AddNumberToObject(o, "intervals_per_s_per_rank", ips / size);
	cJSON_AddStringToObject(o, "pace_mode", pace_mode_name(a->pace));
	cJSON_AddNumberToObject(o, "mean_pace", pi_frac(all->paced, all->busy));
	cJSON_AddNumberToObject(
	    o, "busy_fraction",
	    pi_frac(all->busy, all->busy + all->sleep + all->sync));
	cJSON_AddNumberToObject(o, "sleep_s", all->sleep);
	cJSON_AddNumberToObject(o, "sync_s", all->sync);
	cJSON_AddNumberToObject(o, "cpu_s", all->cpu);
	cJSON_AddStringToObject(o, "kernel", res->kernel);
	cJSON_AddNumberToObject(o, "chunk_ms", a->chunk_ms);
	cJSON_AddNumberToObject(o, "chunks", (double)pl->nchunks);
	cJSON_AddNumberToObject(o, "blocks", (double)pl->nblocks);
	arr = cJSON_AddArrayToObject(o, "nodes");
	for (int i = 0; arr && i < nnodes; i++) {
		const struct pi_node *d = &nodes[i];

		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "node", pace_node_name_of(pace, i));
		cJSON_AddNumberToObject(n, "ranks", d->ranks);
		cJSON_AddNumberToObject(n, "chunks", (double)d->chunks);
		cJSON_AddNumberToObject(n, "intervals", (double)d->intervals);
		cJSON_AddNumberToObject(
		    n, "share", pi_frac((double)d->intervals, (double)pl->n));
		cJSON_AddNumberToObject(n, "mean_pace",
					pi_frac(d->paced, d->busy));
		cJSON_AddNumberToObject(
		    n, "busy_fraction",
		    pi_frac(d->busy, d->busy + d->sleep + d->sync));
		cJSON_AddNumberToObject(n, "cpu_s", d->cpu);
		cJSON_AddStringToObject(n, "source",
					pace_source_name(d->source));
		cJSON_AddItemToArray(arr, n);
	}
	return o;
}

static void pi_report_text(const struct pi_args *a, const struct pi_plan *pl,
			   const struct pi_result *res, int size,
			   const struct pi_node *nodes, int nnodes,
			   const struct pi_node *all, struct pace *pace)
{
	double ips = res->seconds > 0 ? pl->n / res->seconds : 0;

	printf("pi is approximately %.16f, error %.3e\n", res->pi,
	       fabs(res->pi - M_PI));
	printf("%llu intervals on %d rank%s, %d node%s: %.6f s, %.4g "
	       "intervals/s, %.4g per rank\n",
	       (unsigned long long)pl->n, size, size == 1 ? "" : "s", nnodes,
	       nnodes == 1 ? "" : "s", res->seconds, ips, ips / size);
	printf("kernel %s; pace %s: mean %.3f, busy %.1f %%, slept %.3f s; "
	       "%llu chunks of %llu blocks (about %g ms)\n",
	       res->kernel, pace_mode_name(a->pace),
	       pi_frac(all->paced, all->busy),
	       100 * pi_frac(all->busy, all->busy + all->sleep + all->sync),
	       all->sleep, (unsigned long long)pl->nchunks,
	       (unsigned long long)pl->chunk, a->chunk_ms);
	printf("%-16s %5s %8s %20s %7s %6s %7s %s\n", "NODE", "RANKS", "CHUNKS",
	       "INTERVALS", "SHARE", "PACE", "BUSY", "SOURCE");
	for (int i = 0; i < nnodes; i++) {
		const struct pi_node *d = &nodes[i];

		printf("%-16s %5d %8llu %20llu %6.1f%% %6.3f %6.1f%% %s\n",
		       pace_node_name_of(pace, i), d->ranks,
		       (unsigned long long)d->chunks,
		       (unsigned long long)d->intervals,
		       100 * pi_frac((double)d->intervals, (double)pl->n),
		       pi_frac(d->paced, d->busy),
		       100 * pi_frac(d->busy, d->busy + d->sleep + d->sync),
		       pace_source_name(d->source));
	}
}

static void pi_node_add(struct pi_node *d, const double *v, const uint64_t *c)
{
	int src = (int)v[PR_SOURCE];

	if (d->ranks == 0 || src < d->source)
		d->source = src;
	d->ranks++;
	d->chunks += c[PC_CHUNKS];
	d->intervals += c[PC_INTERVALS];
	d->busy += v[PR_BUSY];
	d->sleep += v[PR_SLEEP];
	d->sync += v[PR_SYNC];
	d->paced += v[PR_PACED];
	d->cpu += v[PR_CPU];
}

int pi_report(const struct pi_args *a, const struct pi_plan *pl,
	      const struct pi_result *res, const struct pi_tally *t,
	      struct pace *pace, MPI_Comm comm)
{
	double mine[PR_N], *v = NULL;
	uint64_t cmine[PC_N], *c = NULL;
	struct pi_node *nodes = NULL, all = { 0 };
	struct pace_stats st;
	MPI_Request req;
	int rank, size, nnodes = pace_node_count(pace), ok = 1, i;
	cJSON *o;
	char *s;

	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	pace_get_stats(pace, &st);
	mine[PR_NODE] = pace_node_index(pace);
	mine[PR_BUSY] = st.busy_s;
	mine[PR_SLEEP] = st.sleep_s;
	mine[PR_SYNC] = st.sync_s;
	mine[PR_PACED] = st.busy_s * st.mean_pace;
	mine[PR_SOURCE] = st.source;
	mine[PR_CPU] = st.cpu_s;
	cmine[PC_CHUNKS] = t->chunks;
	cmine[PC_INTERVALS] = t->intervals;
	if (rank == 0) {
		v = malloc(sizeof(*v) * PR_N * size);
		c = malloc(sizeof(*c) * PC_N * size);
		nodes = calloc(nnodes, sizeof(*nodes));
		ok = v && c && nodes;
	}
	/*
	 * Gathers need a buffer at the root; without one, skip them all.
	 * Nonblocking, waited for napping: MPICH's blocking calls spin, and
	 * with more ranks than cores the ranks done first would heat their
	 * node at the end of the job.
	 */
	MPI_Ibcast(&ok, 1, MPI_INT, 0, comm, &req);
	pace_wait(pace, &req);
	if (ok) {
		MPI_Igather(mine, PR_N, MPI_DOUBLE, v, PR_N, MPI_DOUBLE, 0,
			    comm, &req);
		pace_wait(pace, &req);
		MPI_Igather(cmine, PC_N, MPI_UINT64_T, c, PC_N, MPI_UINT64_T, 0,
			    comm, &req);
		pace_wait(pace, &req);
	}
	if (rank == 0 && ok) {
		for (i = 0; i < size; i++) {
			pi_node_add(&nodes[(int)v[i * PR_N + PR_NODE]],
				    &v[i * PR_N], &c[i * PC_N]);
			pi_node_add(&all, &v[i * PR_N], &c[i * PC_N]);
		}
		if (a->json) {
			o = pi_report_json(a, pl, res, size, nodes, nnodes,
					   &all, pace);
			s = o ? cJSON_PrintUnformatted(o) : NULL;
			if (s)
				puts(s);
			else
				ok = 0;
			free(s);
			cJSON_Delete(o);
		} else {
			pi_report_text(a, pl, res, size, nodes, nnodes, &all,
				       pace);
		}
		fflush(stdout);
	}
	free(v);
	free(c);
	free(nodes);
	return ok ? 0 : -1;
}
