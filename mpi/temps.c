/* temps.c: pirack-temps, every node's temperature, fan and pace, collated. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "pace.h"

static const char temps_usage[] =
    "Usage: mpiexec [-f MACHINEFILE] -n N pirack-temps [--json]\n"
    "Each rank reads its node's temperature, fan, pace and firmware throttle\n"
    "flags (from the node's agent, else sysfs); rank 0 prints one row per\n"
    "node, sorted by name, with the number of ranks on it, then the cluster's\n"
    "maximum, minimum and mean temperature.\n"
    "\n"
    "  -j, --json      one JSON object instead of the table\n"
    "  -h, --help      this help\n"
    "  -V, --version   the version\n"
    "\n"
    "Environment: PIRACK_SOCKET, PIRACK_SYSFS_ROOT, PIRACK_NODE. "
    "See pirack-temps(1).\n";

/* One rank's reading, as doubles for one MPI_Gather. */
enum {
	TR_NODE,
	TR_TEMP,
	TR_PACE,
	TR_FAN,
	TR_THROTTLED,
	TR_FAULT,
	TR_SOURCE,
	TR_RAW,
	TR_N
};
enum { TEMPS_FAN_UNKNOWN, TEMPS_FAN_OFF, TEMPS_FAN_ON };

struct temps_node {
	int ranks;
	double temp_c; /* hottest rank's reading, NAN if none */
	double pace;   /* lowest */
	int fan;       /* on if any rank saw it on */
	bool throttled, fault;
	int64_t raw; /* get_throttled, -1 unknown */
	int source;  /* least informed source among the ranks */
};

static int temps_args(int argc, char **argv, bool *json, bool *done)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool first = cli_first_rank();
	int c;

	*json = *done = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			if (first)
				fputs(temps_usage, stdout);
			*done = true;
			return 0;
		case 'V':
			if (first)
				printf("pirack-temps %s\n", PIRACK_VERSION);
			*done = true;
			return 0;
		default:
			if (first)
				fprintf(stderr,
					"pirack-temps: unknown option "
					"'%s'\nTry 'pirack-temps --help'.\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		if (first)
			fprintf(stderr,
				"pirack-temps: unexpected argument "
				"'%s'\nTry 'pirack-temps --help'.\n",
				argv[optind]);
		return 2;
	}
	return 0;
}

static void temps_merge(struct temps_node *n, const double *v)
{
	int src = (int)v[TR_SOURCE];

	if (n->ranks == 0) {
		n->temp_c = NAN;
		n->pace = 1;
		n->source = src;
		n->raw = -1;
	}
	if (v[TR_RAW] >= 0)
		n->raw = (n->raw < 0 ? 0 : n->raw) | (int64_t)v[TR_RAW];
	n->ranks++;
	if (isfinite(v[TR_TEMP]) && !(v[TR_TEMP] <= n->temp_c))
		n->temp_c = v[TR_TEMP];
	if (v[TR_PACE] < n->pace)
		n->pace = v[TR_PACE];
	if (v[TR_FAN] > n->fan)
		n->fan = (int)v[TR_FAN];
	n->throttled |= v[TR_THROTTLED] != 0;
	n->fault |= v[TR_FAULT] != 0;
	if (src < n->source)
		n->source = src;
}

static const char *temps_fan(int fan)
{
	return fan == TEMPS_FAN_ON ? "on" : fan == TEMPS_FAN_OFF ? "off" : "-";
}

static void temps_print(struct pace *pace, const struct temps_node *nodes,
			int count, bool json)
{
	double max = NAN, min = NAN, sum = 0;
	int imax = -1, imin = -1, known = 0, i;
	cJSON *o, *arr, *n;
	char *s;

	for (i = 0; i < count; i++) {
		if (!isfinite(nodes[i].temp_c))
			continue;
		if (imax < 0 || nodes[i].temp_c > max)
			max = nodes[i].temp_c, imax = i;
		if (imin < 0 || nodes[i].temp_c < min)
			min = nodes[i].temp_c, imin = i;
		sum += nodes[i].temp_c;
		known++;
	}
	if (!json) {
		printf("%-16s %5s %7s %4s %5s %9s %13s %s\n", "NODE", "RANKS",
		       "TEMP_C", "FAN", "PACE", "THROTTLED", "GET_THROTTLED",
		       "SOURCE");
		for (i = 0; i < count; i++) {
			const struct temps_node *d = &nodes[i];
			char t[16] = "-", raw[24] = "-";

			if (isfinite(d->temp_c))
				snprintf(t, sizeof(t), "%.1f", d->temp_c);
			if (d->raw >= 0)
				snprintf(raw, sizeof(raw), "0x%" PRIx64,
					 d->raw);
			printf("%-16s %5d %7s %4s %5.2f %9s %13s %s\n",
			       pace_node_name_of(pace, i), d->ranks, t,
			       temps_fan(d->fan), d->pace,
			       d->throttled ? "yes" : "no", raw,
			       pace_source_name(d->source));
		}
		if (known)
			printf("max %.1f C (%s), min %.1f C (%s), mean %.1f C "
			       "over %d of %d nodes\n",
			       max, pace_node_name_of(pace, imax), min,
			       pace_node_name_of(pace, imin), sum / known,
			       known, count);
		else
			printf("no node could read a temperature\n");
		return;
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "nodes");
	for (i = 0; arr && i < count; i++) {
		const struct temps_node *d = &nodes[i];

		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "node", pace_node_name_of(pace, i));
		cJSON_AddNumberToObject(n, "ranks", d->ranks);
		if (isfinite(d->temp_c))
			cJSON_AddNumberToObject(n, "temp_c", d->temp_c);
		else
			cJSON_AddNullToObject(n, "temp_c");
		if (d->fan == TEMPS_FAN_UNKNOWN)
			cJSON_AddNullToObject(n, "fan");
		else
			cJSON_AddStringToObject(n, "fan", temps_fan(d->fan));
		cJSON_AddNumberToObject(n, "pace", d->pace);
		cJSON_AddBoolToObject(n, "throttled", d->throttled);
		if (d->raw >= 0) {
			char raw[24];

			snprintf(raw, sizeof(raw), "0x%" PRIx64, d->raw);
			cJSON_AddStringToObject(n, "get_throttled", raw);
		} else {
			cJSON_AddNullToObject(n, "get_throttled");
		}
		cJSON_AddBoolToObject(n, "fault", d->fault);
		cJSON_AddStringToObject(n, "source",
					pace_source_name(d->source));
		cJSON_AddItemToArray(arr, n);
	}
	if (known) {
		cJSON_AddNumberToObject(o, "max_c", max);
		cJSON_AddStringToObject(o, "max_node",
					pace_node_name_of(pace, imax));
		cJSON_AddNumberToObject(o, "min_c", min);
		cJSON_AddStringToObject(o, "min_node",
					pace_node_name_of(pace, imin));
		cJSON_AddNumberToObject(o, "mean_c", sum / known);
	}
	s = cJSON_PrintUnformatted(o);
	if (s)
		puts(s);
	free(s);
	cJSON_Delete(o);
}

int main(int argc, char *argv[])
{
	struct temps_node *nodes = NULL;
	struct pace_reading r;
	struct pace_opts po;
	struct pace *pace;
	double mine[TR_N], *all = NULL;
	int rank, size, rc, ok = 1, i;
	bool json, done;

	rc = temps_args(argc, argv, &json, &done);
	if (rc || done)
		return rc;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);

	pace_opts_default(&po);
	po.mode = PACE_MODE_OFF;
	po.job_name = "pirack-temps";
	po.no_report = true; /* a look at the nodes, not a job */
	po.quiet = true;     /* the SOURCE column says it */
	if (pace_init(&pace, MPI_COMM_WORLD, &po) < 0) {
		MPI_Finalize();
		return 1;
	}
	pace_read(pace, &r);
	mine[TR_NODE] = pace_node_index(pace);
	mine[TR_TEMP] = r.temp_c;
	mine[TR_PACE] = r.pace;
	mine[TR_FAN] = strcmp(r.fan, "on") == 0	   ? TEMPS_FAN_ON
		       : strcmp(r.fan, "off") == 0 ? TEMPS_FAN_OFF
						   : TEMPS_FAN_UNKNOWN;
	mine[TR_THROTTLED] = r.throttled;
	mine[TR_FAULT] = r.fault;
	mine[TR_SOURCE] = r.source;
	mine[TR_RAW] = r.throttle_raw;

	if (rank == 0) {
		all = malloc(sizeof(*all) * TR_N * size);
		nodes = calloc(pace_node_count(pace), sizeof(*nodes));
		ok = all && nodes;
	}
	MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (ok)
		MPI_Gather(mine, TR_N, MPI_DOUBLE, all, TR_N, MPI_DOUBLE, 0,
			   MPI_COMM_WORLD);
	if (rank == 0 && ok) {
		for (i = 0; i < size; i++)
			temps_merge(&nodes[(int)all[i * TR_N + TR_NODE]],
				    &all[i * TR_N]);
		temps_print(pace, nodes, pace_node_count(pace), json);
		fflush(stdout);
	}
	if (rank == 0 && !ok)
		fprintf(stderr, "pirack-temps: out of memory\n");
	free(all);
	free(nodes);
	pace_finalize(pace);
	MPI_Finalize();
	return ok ? 0 : 1;
}
