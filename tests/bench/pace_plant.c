/* pace_plant.c: the pacing controller against the simulator's plant, offline.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/cpufreq.h"
#include "config.h"
#include "pacectl.h"
#include "simfw.h"
#include "simplant.h"
#include "simpower.h"

/*
 * A rack of pi4-bare boards (sim/simplant.c, sim/simfw.c, sim/simpower.c:
 * the plant, firmware and power model pirack-simnode runs) sharing one
 * job, as node mode shares it: each node works at ranks x pace x clock,
 * the job ends when the work is done (uniform mode: every node at the
 * rack's lowest pace). Paced, each node's pacectl sees
 * its die temperature once a second, and its pace reaches the ranks
 * `delay` samples later (the agent's tick, the ranks' refresh, a loaded
 * host); unpaced, only the firmware slows it. No MPI, no processes, no
 * wall clock: the same numbers on any machine, in a second, so the
 * controller can be compared with itself across changes.
 */

#define NODES_MAX 8
#define DELAY_MAX 16
#define STEP_S 0.1

/* unpaced; node mode sleeping; node mode with the clock lever; uniform
 * mode (every node at the rack's lowest pace), sleeping */
enum run { RUN_UNPACED, RUN_SLEEP, RUN_CLOCK, RUN_UNIFORM };

struct rack {
	const char *name;
	int nodes, ranks;
	double air_c[NODES_MAX];
};

struct node {
	struct simplant plant;
	struct simfw fw;
	struct pacectl ctl;
	double fan, paces[DELAY_MAX + 1];
	long cap_khz;	 /* the clock lever's cap in force */
	double owed_khz; /* its dither's carry */
	/* the clock lever's rank pace (what the clock leaves), queued */
	double rank_paces[DELAY_MAX + 1];
};

struct bench {
	const struct simplant_profile *board;
	struct cpufreq_range clocks; /* the clock lever's (bench_clocks) */
	double target_c, limit_c;
	int delay;
};

struct result {
	double seconds, peak_c, throttled, energy_j;
};

/*
 * What the agent's clock lever does (agent/cpufreq.c, the same code): in
 * its tick the clock takes the pace first, at a listed frequency at or
 * under it, alternating with the next one up so the clock averages the
 * pace; the ranks sleep what is under the lowest clock. The list is the
 * one the simulated node shows the agent (simfw_cpufreq_khz: a Pi's, every
 * 100 MHz).
 */
static void bench_clocks(const struct simfw_model *m, struct cpufreq_range *r)
{
	memset(r, 0, sizeof(*r));
	r->fmin = m->clocks_mhz[m->nclocks - 1] * 1000L;
	r->fmax = m->clocks_mhz[0] * 1000L;
	r->navail = simfw_cpufreq_khz(m, r->avail, CPUFREQ_MAX_FREQS);
}

static void bench_node_init(const struct bench *b, struct node *n, double air_c)
{
	double idle = simplant_steady_c(b->board, air_c, 0, 0);

	memset(n, 0, sizeof(*n));
	/* pirack-simnode starts its node idle with the fan off; the agent's
	 * gpio fan (on at 60, off at 50) takes it from the first sample */
	simplant_init(&n->plant, b->board, air_c, 0);
	n->fan = idle >= 60 ? 1 : 0;
	simfw_init(&n->fw, b->board->fw);
	pacectl_init(&n->ctl);
	/* the agent has watched the idle node for a minute */
	for (int i = 0; i < 60; i++)
		pacectl_update(&n->ctl, b->target_c, b->limit_c, n->plant.tj,
			       1.0, n->fan > 0);
	/* then the job's first request reaches it (agent_pace_asked) */
	pacectl_job_start(&n->ctl, b->limit_c, n->plant.tj);
	pacectl_update(&n->ctl, b->target_c, b->limit_c, n->plant.tj, 0,
		       n->fan > 0);
	for (int i = 0; i <= DELAY_MAX; i++)
		n->paces[i] = n->ctl.pace;
	n->cap_khz = b->clocks.fmax;
	for (int i = 0; i <= DELAY_MAX; i++)
		n->rank_paces[i] = 1;
}

/* One agent sample: the fan, then the pace into the ranks' queue. */
static void bench_sample(const struct bench *b, struct node *n)
{
	double t = n->plant.tj;

	if (t >= 60)
		n->fan = 1;
	else if (t <= 50)
		n->fan = 0;
	memmove(n->paces + 1, n->paces, DELAY_MAX * sizeof(n->paces[0]));
	n->paces[0] = pacectl_update(&n->ctl, b->target_c, b->limit_c, t, 1.0,
				     n->fan > 0);
	/* the agent caps the clock in its tick, at once */
	memmove(n->rank_paces + 1, n->rank_paces,
		DELAY_MAX * sizeof(n->rank_paces[0]));
	cpufreq_split(n->paces[0], &b->clocks, &n->cap_khz, n->rank_paces);
	n->cap_khz =
	    cpufreq_dither(n->paces[0], &b->clocks, n->cap_khz, &n->owed_khz);
}

/* STEP_S of physics at the ranks' pace; returns the work the node did
 * (rank-seconds). */
static double bench_step(const struct bench *b, struct node *n, int ranks,
			 enum run lever, double pace, struct result *r)
{
	const struct simplant_profile *p = b->board;
	int mhz, fmax = p->fw->clocks_mhz[0];
	double watts;

	simfw_update(&n->fw, n->plant.tj, STEP_S);
	mhz = simfw_clock_mhz(&n->fw);
	if (lever == RUN_CLOCK) {
		/* the ranks take their share late */
		int cap = (int)(n->cap_khz / 1000);

		pace = n->rank_paces[b->delay];
		if (cap < mhz)
			mhz = cap;
	}
	/* as pirack-simnode counts it: busy ranks over the node's slots,
	 * which mpiexec fills (a rank per slot) */
	watts = simpower_dynamic_w(p->vf, p->p_load_w, pace, mhz, fmax);
	simplant_step_w(&n->plant, watts, n->fan, STEP_S);
	r->energy_j += (p->p_idle_w + watts) * STEP_S;
	if (n->plant.tj > r->peak_c)
		r->peak_c = n->plant.tj;
	if (simfw_throttled(&n->fw) & (SIMFW_CAPPED | SIMFW_THROTTLED))
		r->throttled += STEP_S;
	return ranks * pace * mhz / (double)fmax * STEP_S;
}

/* The job: work rank-seconds shared by the rack's nodes. */
static struct result bench_job(const struct bench *b, const struct rack *k,
			       double work, enum run lever)
{
	struct node nodes[NODES_MAX];
	struct result r = { 0 };
	int per_sample = (int)(1.0 / STEP_S + 0.5);
	double done = 0;
	long step;
	struct bench own = *b;

	/* target_c = auto, as pirackd picks it (config_target_c) */
	if (!isfinite(own.target_c))
		own.target_c =
		    own.limit_c - (lever == RUN_CLOCK ? CONFIG_TARGET_CLOCK_K
						      : CONFIG_TARGET_SLEEP_K);
	b = &own;

	for (int i = 0; i < k->nodes; i++)
		bench_node_init(b, &nodes[i], k->air_c[i]);
	for (step = 0; done < work && step < 100000; step++) {
		double low = 1.0;

		for (int i = 0; i < k->nodes; i++) {
			if (step % per_sample == 0)
				bench_sample(b, &nodes[i]);
			if (nodes[i].paces[b->delay] < low)
				low = nodes[i].paces[b->delay];
		}
		for (int i = 0; i < k->nodes; i++) {
			double pace = lever == RUN_UNPACED ? 1.0
				      : lever == RUN_UNIFORM
					  ? low
					  : nodes[i].paces[b->delay];

			done +=
			    bench_step(b, &nodes[i], k->ranks, lever, pace, &r);
		}
	}
	r.seconds = step * STEP_S;
	/* throttled node-seconds as a share of the rack's node time */
	r.throttled /= r.seconds * k->nodes;
	return r;
}

/*
 * What the target's margin costs: the clock lever held 3 K down to 0.5 K
 * under the limit, each against the unpaced run of the same rack and
 * job. The firmware lets a node sit at its limit, so a paced node held
 * under it does less work per second there; at which margin the paced job
 * costs what the unpaced one does is a property of the plant, not of
 * the controller alone.
 */
static void bench_margins(const struct bench *b, const struct rack *racks,
			  size_t nracks)
{
	static const double jobs_s[] = { 120, 300 };

	printf("%-6s %7s %8s %8s %8s %8s %7s\n", "", "", "120 s", "job",
	       "300 s", "job", "");
	printf("%-6s %7s %8s %8s %8s %8s %7s\n", "rack", "target", "x_base",
	       "x_energy", "x_base", "x_energy", "peak_c");
	for (size_t k = 0; k < nracks; k++) {
		for (double margin = 3.0; margin > 0.25; margin -= 0.5) {
			struct bench own = *b;
			double peak = 0;

			own.target_c = b->limit_c - margin;
			printf("%-6s %7.1f", racks[k].name, own.target_c);
			for (size_t j = 0;
			     j < sizeof(jobs_s) / sizeof(jobs_s[0]); j++) {
				double work =
				    racks[k].nodes * racks[k].ranks * jobs_s[j];
				struct result base = bench_job(
				    &own, &racks[k], work, RUN_UNPACED);
				struct result r =
				    bench_job(&own, &racks[k], work, RUN_CLOCK);

				printf(" %8.3f %8.3f", r.seconds / base.seconds,
				       r.energy_j / base.energy_j);
				if (r.peak_c > peak)
					peak = r.peak_c;
			}
			printf(" %7.1f\n", peak);
		}
	}
}

static void usage(void)
{
	fputs("Usage: pace_plant [-d SAMPLES] [-t TARGET_C] [-l LIMIT_C] [-s]\n"
	      "Runs the pacing controller (lib/pacectl.c) against the\n"
	      "simulated Pi 4 plant (sim/) on four racks and four job\n"
	      "lengths, unpaced, in node mode (sleeping; the clock lever)\n"
	      "and in uniform mode;\n"
	      "prints wall time, its ratio to unpaced, the peak, the share\n"
	      "of node time the firmware throttled, and energy.\n"
	      "  -d N  the pace reaches the ranks N samples (s) late (1)\n"
	      "  -t C  target_c (default auto: limit_c - 2 capping the\n"
	      "        clock, limit_c - 3 sleeping)   -l C  limit_c (80)\n"
	      "  -s    instead, the target's margin: the clock lever at\n"
	      "        targets 3 K to 0.5 K under limit_c, 120 s and 300 s\n"
	      "        jobs, against unpaced (-t is ignored)\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct rack racks[] = {
		{ "2x2", 2, 2, { 40, 50 } },
		/* the hot node paced even in a short job: what node mode
		 * buys against uniform */
		{ "2x2hot", 2, 2, { 40, 56 } },
		{ "4x4", 4, 4, { 46, 47, 48, 50 } },
		{ "8x2", 8, 2, { 40, 42, 44, 46, 49, 51, 53, 55 } },
	};
	static const double lengths_s[] = { 30, 60, 120, 300 };
	static const char *const lever_names[] = { "unpaced", "sleep", "clock",
						   "uniform" };
	struct bench b = { .target_c = NAN, .limit_c = 80, .delay = 1 };
	char target[64];
	bool margins = false;
	int opt;

	while ((opt = getopt(argc, argv, "d:t:l:s")) != -1) {
		switch (opt) {
		case 'd':
			b.delay = atoi(optarg);
			if (b.delay < 0 || b.delay > DELAY_MAX)
				usage();
			break;
		case 't':
			b.target_c = atof(optarg);
			break;
		case 'l':
			b.limit_c = atof(optarg);
			break;
		case 's':
			margins = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc ||
	    (isfinite(b.target_c) && !(b.limit_c > b.target_c)))
		usage();
	b.board = simplant_profile_find("pi4-bare");
	bench_clocks(b.board->fw, &b.clocks);
	if (margins) {
		printf("pi4-bare boards, the clock lever, limit %.0f\n",
		       b.limit_c);
		/* the racks whose hot nodes the firmware throttles */
		bench_margins(&b, racks + 1,
			      sizeof(racks) / sizeof(racks[0]) - 1);
		return 0;
	}
	if (isfinite(b.target_c))
		snprintf(target, sizeof(target), "target %.0f", b.target_c);
	else
		snprintf(target, sizeof(target),
			 "target auto (clock %.0f, sleeping %.0f)",
			 b.limit_c - CONFIG_TARGET_CLOCK_K,
			 b.limit_c - CONFIG_TARGET_SLEEP_K);
	printf("pi4-bare boards, %s, limit %.0f, pace %d s late\n"
	       "%-6s %6s  %-8s %8s %7s %7s %9s %8s\n",
	       target, b.limit_c, b.delay, "rack", "job_s", "run", "wall_s",
	       "x_base", "peak_c", "throttled", "x_energy");
	for (size_t k = 0; k < sizeof(racks) / sizeof(racks[0]); k++) {
		for (size_t l = 0; l < sizeof(lengths_s) / sizeof(lengths_s[0]);
		     l++) {
			/* sized so that full speed takes lengths_s[l] */
			double work =
			    racks[k].nodes * racks[k].ranks * lengths_s[l];
			struct result base = { 0 };

			for (int lv = RUN_UNPACED; lv <= RUN_UNIFORM; lv++) {
				struct result r =
				    bench_job(&b, &racks[k], work, lv);

				if (lv == RUN_UNPACED)
					base = r;
				printf("%-6s %6.0f  %-8s %8.1f %7.2f %7.1f "
				       "%8.1f%% %8.2f\n",
				       racks[k].name, lengths_s[l],
				       lever_names[lv], r.seconds,
				       r.seconds / base.seconds, r.peak_c,
				       100 * r.throttled,
				       r.energy_j / base.energy_j);
			}
		}
	}
	return 0;
}
