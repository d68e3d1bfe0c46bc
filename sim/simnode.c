/* simnode.c: pirack-simnode, one simulated Pi beside an unmodified pirackd. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "config.h"
#include "log.h"
#include "sim.h"
#include "simload.h"
#include "simranks.h"

#define SIMNODE_SCAN_MS 250 /* how often new ranks are looked for */
/*
 * A process heats the node once it is this old. A rank's start-up (exec,
 * MPI_Init) takes a Pi a few ms but a shared host a second or two, which
 * the time scale would turn into half a minute of full load the Pi never
 * sees; the agent, which once fed the plant, learnt of a rank only from
 * its first pace request, after MPI_Init.
 */
#define SIMNODE_SETTLE_MS 1000

/* The help text as it prints. */
/* clang-format off */
static void usage(FILE *out)
{
	fprintf(out,
"Usage: pirack-simnode -c FILE [OPTION]...\n"
"One simulated Raspberry Pi: a thermal plant heated by the CPU time of the\n"
"node's ranks (the processes started with " SIMRANKS_ENV "=<sysfs_root>),\n"
"the firmware's throttling, and the sysfs tree a Pi shows under [thermal]\n"
"sysfs_root; the fan is read back from the GPIO files ([gpio] backend = sim)\n"
"or the pwm channel, a cpufreq cap from scaling_max_freq. pirackd runs on\n"
"the same FILE, unchanged.\n"
"\n"
"  -c, --config=FILE   the node's agent configuration ([thermal] source = sim)\n"
"      --tick-ms=MS    plant step period (default: half the agent's\n"
"                      interval_ms, 20 to 500)\n"
"      --clock=CLOCK   wall (default): the plant's time is the wall clock's,\n"
"                      waiting for a CPU counts as busy; cpu: it follows the\n"
"                      CPU the ranks got (a loaded host slows the Pi down)\n"
"      --stats=FILE    keep FILE (JSON) up to date: simulated seconds,\n"
"                      energy in J (all, and while ranks ran), peak\n"
"  -v, --verbose       log every step\n"
"      --check-config  validate the configuration and exit: 0 valid, 2 not\n"
"  -V, --version       print the version and exit\n"
"  -h, --help          print this help and exit\n"
"\n"
"Runs until SIGTERM or SIGINT, then lets every rank run again.\n"
"Exit status: 0 stopped, 1 start-up failed, 2 bad configuration or usage.\n"
"See pirack-simnode(1).\n");
}
/* clang-format on */

struct opts {
	const char *config;
	const char *stats; /* JSON totals, or NULL */
	bool cpu_clock;	   /* --clock cpu */
	long tick_ms;	   /* 0: from the config */
	bool verbose, check;
};

static void bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "pirack-simnode: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'pirack-simnode --help'.\n");
	exit(2);
}

static void opts_parse(int argc, char **argv, struct opts *o)
{
	enum { OPT_CHECK = 256, OPT_TICK, OPT_STATS, OPT_CLOCK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "tick-ms", required_argument, NULL, OPT_TICK },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "clock", required_argument, NULL, OPT_CLOCK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_TICK:
			errno = 0;
			o->tick_ms = strtol(optarg, &end, 10);
			if (errno || *end || o->tick_ms < 1 ||
			    o->tick_ms > 60000)
				bad_usage("--tick-ms '%s': milliseconds, 1 to "
					  "60000",
					  optarg);
			break;
		case OPT_STATS:
			o->stats = optarg;
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "cpu") && strcmp(optarg, "wall"))
				bad_usage("--clock '%s': wall or cpu", optarg);
			o->cpu_clock = strcmp(optarg, "cpu") == 0;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case 'V':
			printf("pirack-simnode " PIRACK_VERSION "\n");
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'pirack-simnode --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!o->config)
		bad_usage("%s", "no configuration: -c FILE (the node's "
				"agent.conf)");
}

static volatile sig_atomic_t simnode_stop;

static void simnode_on_signal(int sig)
{
	(void)sig;
	simnode_stop = 1;
}

/* SIGTERM/SIGINT end the loop; no SA_RESTART, so the sleep ends at once. */
static void simnode_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = simnode_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

static void simnode_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Half the agent's sampling period: the tree the agent reads is then at
 * most half a sample old (the plant used to step inside the agent, just
 * before each reading), without stepping a slow real-time node 50 times
 * a second.
 */
static long simnode_tick_ms(const struct config *c, long opt)
{
	long ms = opt ? opt : (long)c->thermal.interval_ms / 2;

	if (!opt && ms < 20)
		ms = 20;
	if (!opt && ms > 500)
		ms = 500;
	return ms;
}

/*
 * The node's totals as JSON, replaced atomically: simcluster's summary
 * reads them after the run (energy per node). Best effort: a failed write
 * is logged once and retried.
 */
static void simnode_stats(const struct sim *s, const struct config *c,
			  const char *file, int ranks)
{
	static bool warned;
	char tmp[4096];
	struct sim_state st;
	FILE *f;
	int ok;

	if (!file)
		return;
	sim_state(s, &st);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "we");
	ok = f != NULL;
	if (f) {
		ok = fprintf(f,
			     "{\"node\":\"%s\",\"simulated_s\":%.3f,"
			     "\"energy_j\":%.3f,\"job_s\":%.3f,"
			     "\"job_energy_j\":%.3f,\"peak_c\":%.3f,"
			     "\"die_c\":%.3f,\"clock_mhz\":%d,"
			     "\"power_w\":%.3f,\"ranks\":%d}\n",
			     c->node.name, st.sim_s, st.energy_j, st.job_s,
			     st.job_energy_j, st.peak_c, st.die_c, st.clock_mhz,
			     st.power_w, ranks) > 0;
		ok = (fclose(f) == 0) && ok;
	}
	if (ok && rename(tmp, file) == 0) {
		warned = false;
		return;
	}
	if (!warned)
		log_warn("--stats %s", file);
	warned = true;
	unlink(tmp);
}

static int simnode_run(struct sim *s, const struct config *c, long tick_ms,
		       const char *stats)
{
	pid_t pids[SIMLOAD_MAX_PIDS];
	int n = 0, was = -1;
	uint64_t next_scan = 0, next_stats = 0, now;

	while (!simnode_stop) {
		now = clock_ms();
		if (now >= next_scan) {
			int k = simranks_scan("/proc", c->thermal.sysfs_root,
					      SIMNODE_SETTLE_MS, pids,
					      SIMLOAD_MAX_PIDS);

			if (k < 0)
				fatal("/proc");
			n = k;
			next_scan = now + SIMNODE_SCAN_MS;
			if (n != was)
				log_info("%s: %d rank%s", c->node.name, n,
					 n == 1 ? "" : "s");
			was = n;
		}
		sim_step(s, pids, (size_t)n);
		if (now >= next_stats) {
			simnode_stats(s, c, stats, n);
			next_stats = now + 1000;
		}
		simnode_sleep_ms(tick_ms);
	}
	simnode_stats(s, c, stats, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct config cfg;
	struct sim *s;
	char err[512];

	opts_parse(argc, argv, &o);
	log_set_name("pirack-simnode");
	log_init(o.verbose, false);
	if (config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "pirack-simnode: %s\n", err);
		return 2;
	}
	if (cfg.thermal.source != THERMAL_SIM) {
		fprintf(stderr,
			"pirack-simnode: %s: [thermal] source is not "
			"sim: a real node's sysfs_root is not ours to write\n",
			o.config);
		return 2;
	}
	if (o.check) {
		printf("%s: configuration ok\n", o.config);
		return 0;
	}
	simnode_signals();
	s = sim_open(&cfg, "/proc", err, sizeof(err));
	if (!s)
		fatalx("%s: %s", cfg.node.name, err);
	sim_set_cpu_clock(s, o.cpu_clock);
	log_info("%s: simulating %s at %g C ambient, physics x%g, under %s",
		 cfg.node.name, cfg.sim.profile, cfg.sim.ambient_c,
		 cfg.sim.time_scale, cfg.thermal.sysfs_root);
	simnode_run(s, &cfg, simnode_tick_ms(&cfg, o.tick_ms), o.stats);
	sim_close(s);
	log_info("%s: stopped; every rank runs again", cfg.node.name);
	return 0;
}
