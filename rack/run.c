/* run.c: pirack run, pacing an unmodified program by duty cycling it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "pace_agent.h"
#include "run.h"

#define RUN_DEFAULT_SOCKET "/run/pirack/agent.sock"

static const char run_usage[] =
    "Usage: pirack run [OPTIONS] [--] COMMAND [ARGS...]\n"
    "Runs COMMAND in a process group of its own and holds it to its\n"
    "node's pace, for programs that do not link libpirackpace (the\n"
    "recipe's mpi4py pi.py, any MPI code): in every period the group runs\n"
    "for pace x period, then is held stopped (SIGSTOP) until the time it\n"
    "ran, counted until it really stopped (on a busy machine a stop waits\n"
    "for a core), is pace of the cycle. Start one per rank:\n"
    "mpiexec -n 16 pirack run -- python3 pi.py\n"
    "\n"
    "The pace comes from the node's pirackd (\"pace\" on its control\n"
    "socket), asked once per refresh, while the group is held too (what\n"
    "is left of the hold follows a new pace); without an agent COMMAND\n"
    "runs unpaced after one warning and the agent is asked again, less\n"
    "and less often.\n"
    "\n"
    "  -s, --socket PATH    the agent's socket (default $PIRACK_SOCKET,\n"
    "                       else " RUN_DEFAULT_SOCKET ")\n"
    "  -p, --period-ms MS   the duty cycle's period, 10 to 10000 (100)\n"
    "  -R, --refresh S      seconds between pace requests, 0.05 to 60\n"
    "                       (default $PIRACK_PACE_REFRESH_S, else 1)\n"
    "  -m, --min-pace P     the lowest pace applied, 0.01 to 1 (0.05): a\n"
    "                       node held at its limit still progresses\n"
    "  -v, --verbose        say each new pace, and the totals at the end\n"
    "  -h, --help           this text\n"
    "\n"
    "INT, TERM, HUP, QUIT, USR1 and USR2 are passed to COMMAND's group\n"
    "(continued first); the group is never left stopped, and stopped again\n"
    "should something else continue it while held. Exit status:\n"
    "COMMAND's, 128+N when signal N ended it, 127 when it could not be\n"
    "started, 2 for bad usage. See pirack(1).\n";

/* What one pirack run holds: options, the child, the agent, the cycle. */
struct run {
	const char *socket;
	int period_ms;
	double refresh_s, min_pace;
	bool verbose;
	pid_t child;
	struct pace_agent agent;
	double pace;	 /* last applied, 1 until the agent says */
	double next_ask; /* monotonic s */
	bool warned;
	bool stopped;		  /* SIGSTOP sent, no SIGCONT since */
	bool held;		  /* ... and the child has stopped */
	char node[PACE_NODE_MAX]; /* the agent's name for its node, or "" */
	uint64_t phase_end_ms;
	uint64_t cont_ms;   /* our last SIGCONT (or the start) */
	uint64_t sig_ms;    /* our last SIGSTOP */
	double cont_leader; /* run_leader_ms at cont_ms */
	/*
	 * Hold still owed (ms): what the busy time asked for less what the
	 * group was really held; our own late wake-ups on a busy machine
	 * lengthen a hold, and that is credited (down to -period).
	 */
	double owed_ms;
	uint64_t stopped_ms, start_ms, stop_since_ms;
};

void run_duty(double pace, double min_pace, int period_ms, int *run_ms,
	      int *stop_ms)
{
	if (!(pace >= min_pace)) /* NaN too */
		pace = min_pace;
	if (pace > 1)
		pace = 1;
	*run_ms = (int)lround(pace * period_ms);
	*stop_ms = period_ms - *run_ms;
}

double run_busy_ms(double since_ms, double signal_ms, double leader_ms)
{
	if (leader_ms >= 0 && leader_ms >= 0.5 * signal_ms &&
	    leader_ms <= since_ms)
		return leader_ms;
	return since_ms;
}

/* A hold's length per ms busy at pace: (1 - pace) / pace, 0 at 1. */
static double run_hold_factor(double pace, double min_pace)
{
	if (!(pace >= min_pace)) /* NaN too */
		pace = min_pace;
	return pace >= 1 ? 0 : (1 - pace) / pace;
}

int run_hold_ms(double busy_ms, double pace, double min_pace, int period_ms)
{
	double hold, cap = period_ms / min_pace;

	if (!(busy_ms > 0))
		return 0;
	hold = busy_ms * run_hold_factor(pace, min_pace);
	return (int)lround(hold < cap ? hold : cap);
}

double run_rehold_ms(double left_ms, double old_pace, double new_pace,
		     double min_pace)
{
	double was = run_hold_factor(old_pace, min_pace);

	if (!(left_ms > 0) || !(was > 0))
		return 0;
	return left_ms * run_hold_factor(new_pace, min_pace) / was;
}

static int run_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int run_bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr,
		"pirack run: %s '%s': want %s. Try 'pirack run "
		"--help'.\n",
		opt, val, want);
	return RACK_EXIT_USAGE;
}

static int run_options(struct run *rn, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "period-ms", required_argument, NULL, 'p' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "min-pace", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("PIRACK_PACE_REFRESH_S");
	double d;
	int c;

	rn->socket = getenv("PIRACK_SOCKET");
	if (!rn->socket || !*rn->socket)
		rn->socket = RUN_DEFAULT_SOCKET;
	rn->period_ms = 100;
	rn->refresh_s = 1;
	if (env && *env && run_parse_double(env, 0.05, 60, &rn->refresh_s) < 0)
		return run_bad("PIRACK_PACE_REFRESH_S", env, "0.05 to 60");
	rn->min_pace = 0.05;
	optind = 1;
	/* '+': COMMAND's own options are COMMAND's */
	while ((c = getopt_long(argc, argv, "+s:p:R:m:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			rn->socket = optarg;
			break;
		case 'p':
			if (run_parse_double(optarg, 10, 10000, &d) < 0 ||
			    d != floor(d))
				return run_bad("--period-ms", optarg,
					       "a whole number, 10 to 10000");
			rn->period_ms = (int)d;
			break;
		case 'R':
			if (run_parse_double(optarg, 0.05, 60, &rn->refresh_s))
				return run_bad("--refresh", optarg,
					       "0.05 to 60 seconds");
			break;
		case 'm':
			if (run_parse_double(optarg, 0.01, 1, &rn->min_pace))
				return run_bad("--min-pace", optarg,
					       "0.01 to 1");
			break;
		case 'v':
			rn->verbose = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			fputs("Try 'pirack run --help'.\n", stderr);
			return RACK_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("pirack run: no COMMAND given. Try 'pirack run "
		      "--help'.\n",
		      stderr);
		return RACK_EXIT_USAGE;
	}
	if (strlen(rn->socket) >= PACE_AGENT_PATH_MAX)
		return run_bad("--socket", rn->socket, "a shorter path");
	return 0;
}

/*
 * The leader's busy time so far in ms, from /proc/PID/schedstat: the
 * time it ran plus the time it was runnable but waited for a core. -1
 * when the kernel has no schedstat.
 */
static double run_leader_ms(pid_t pid)
{
	char path[64];
	unsigned long long run, wait;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? (double)(run + wait) / 1e6 : -1;
}

/*
 * Stops or continues the whole group. A stop takes effect only when the
 * child next gets a CPU (it stops itself on its way back to user mode):
 * until it reports stopped (run_held) it still runs or waits for a core.
 */
static void run_group(struct run *rn, bool stop)
{
	uint64_t now = clock_ms();

	if (stop == rn->stopped)
		return;
	if (kill(-rn->child, stop ? SIGSTOP : SIGCONT) < 0 && errno != ESRCH)
		fprintf(stderr, "pirack run: signalling group %d: %s\n",
			(int)rn->child, strerror(errno));
	if (!stop && rn->held) {
		rn->stopped_ms += now - rn->stop_since_ms;
		rn->owed_ms -= (double)(now - rn->stop_since_ms);
		if (rn->owed_ms < -rn->period_ms)
			rn->owed_ms = -rn->period_ms;
	}
	if (!stop) {
		rn->cont_ms = now;
		rn->cont_leader = run_leader_ms(rn->child);
	} else {
		rn->sig_ms = now;
	}
	rn->stopped = stop;
	rn->held = false;
}

/*
 * The child stopped (or did not say so within a period). It was busy
 * from our SIGCONT until it stopped: on a loaded machine well past the
 * run phase, as a stop waits for a core. We learn of the stop late too,
 * when we get a core; a leader that computes says how long it really
 * was busy (run_busy_ms).
 */
static void run_held(struct run *rn)
{
	uint64_t now = clock_ms();
	double leader = run_leader_ms(rn->child), busy;

	busy = run_busy_ms(
	    (double)(now - rn->cont_ms), (double)(rn->sig_ms - rn->cont_ms),
	    leader >= 0 && rn->cont_leader >= 0 ? leader - rn->cont_leader
						: -1);
	rn->held = true;
	rn->stop_since_ms = now;
	rn->owed_ms += run_hold_ms(busy, rn->pace, rn->min_pace, rn->period_ms);
	if (rn->owed_ms > rn->period_ms / rn->min_pace)
		rn->owed_ms = rn->period_ms / rn->min_pace;
	rn->phase_end_ms = now + (rn->owed_ms > 0 ? (uint64_t)rn->owed_ms : 0);
}

static void run_ask(struct run *rn)
{
	double now = clock_s();
	struct pace_reading r;

	if (now < rn->next_ask)
		return;
	rn->next_ask = now + rn->refresh_s;
	if (pace_agent_pace(&rn->agent, now, &r) == 0) {
		if (rn->verbose && fabs(r.pace - rn->pace) >= 0.01)
			fprintf(stderr,
				"pirack run: node %s pace %.2f "
				"(%.1f C)\n",
				r.node, r.pace, r.temp_c);
		rn->pace = r.pace;
		snprintf(rn->node, sizeof(rn->node), "%s", r.node);
		rn->warned = false;
		return;
	}
	if (rn->agent.retry_at == 0) /* still connecting */
		return;
	if (!rn->warned)
		fprintf(stderr,
			"pirack run: no pace from %s (%s): running "
			"unpaced until it answers\n",
			rn->socket, rn->agent.err);
	rn->warned = true;
	rn->pace = 1;
}

/*
 * Held: the pace is asked again every refresh, and what is left of the
 * hold follows it. A hold at a low pace lasts seconds (up to period /
 * min_pace), and held on a stale pace the group stayed stopped long
 * after its node had cooled; and the agent, asked nothing for as long
 * by every rank of the node, took the next request for a new job's.
 */
static void run_hold_ask(struct run *rn)
{
	uint64_t now = clock_ms();
	double was = rn->pace, held, left, cap;

	run_ask(rn); /* once per refresh */
	if (rn->pace == was)
		return;
	held = (double)(now - rn->stop_since_ms);
	left = run_rehold_ms(rn->owed_ms - held, was, rn->pace, rn->min_pace);
	cap = rn->period_ms / rn->min_pace;
	if (held + left > cap)
		left = cap > held ? cap - held : 0;
	rn->owed_ms = held + left;
	rn->phase_end_ms = now + (uint64_t)left;
}

/* Until the phase ends, or (held) the next request for the pace. */
static int run_wait_ms(const struct run *rn, uint64_t now)
{
	double ask;
	int ms = now < rn->phase_end_ms ? (int)(rn->phase_end_ms - now) : 0;

	if (rn->stopped && rn->held) {
		ask = (rn->next_ask - clock_s()) * 1000;
		if (ask < ms)
			ms = ask > 0 ? (int)ceil(ask) : 0;
	}
	return ms;
}

/* The next phase of the cycle: how long until it ends. */
static int run_phase(struct run *rn)
{
	uint64_t now = clock_ms();
	int run_ms, stop_ms;

	if (rn->stopped && !rn->held) {
		if (now < rn->phase_end_ms) /* waiting for it to stop */
			return (int)(rn->phase_end_ms - now);
		run_held(rn); /* stopped before we asked, or no report */
	}
	if (rn->stopped && rn->held && now < rn->phase_end_ms) {
		run_hold_ask(rn);
		now = clock_ms();
	}
	if (now < rn->phase_end_ms)
		return run_wait_ms(rn, now);
	/*
	 * Signal first, then ask the agent (a round trip, long on a busy
	 * machine): asked before, it would stretch the phase that ends.
	 */
	run_duty(rn->pace, rn->min_pace, rn->period_ms, &run_ms, &stop_ms);
	if (rn->stopped) {
		run_group(rn, false);
		run_ask(rn);
		run_duty(rn->pace, rn->min_pace, rn->period_ms, &run_ms,
			 &stop_ms);
		rn->phase_end_ms = now + (stop_ms ? run_ms : rn->period_ms);
	} else {
		if (stop_ms == 0) { /* ran free: does it still? */
			run_ask(rn);
			run_duty(rn->pace, rn->min_pace, rn->period_ms, &run_ms,
				 &stop_ms);
		}
		if (stop_ms == 0) {
			/* a period run free owes nothing: count afresh */
			rn->cont_ms = now;
			rn->cont_leader = run_leader_ms(rn->child);
			rn->phase_end_ms = now + rn->period_ms;
		} else {
			run_group(rn, true);
			run_ask(rn);
			/* the bound on waiting for the child's stop report */
			rn->phase_end_ms = now + rn->period_ms;
		}
	}
	now = clock_ms();
	return now < rn->phase_end_ms ? (int)(rn->phase_end_ms - now) : 0;
}

static pid_t run_spawn(char **argv, const sigset_t *old,
		       const struct sigaction *old_chld)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	sigaction(SIGCHLD, old_chld, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "pirack run: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * What the child did: true when it ended (*status set). Its stop after
 * our SIGSTOP starts the stop phase; a SIGCONT not ours while we hold it
 * (a debugger, a shell, the simulated Pi's throttling) is undone.
 */
static bool run_child(struct run *rn, int *status)
{
	int st;

	while (waitpid(rn->child, &st, WNOHANG | WUNTRACED | WCONTINUED) ==
	       rn->child) {
		if (WIFSTOPPED(st)) {
			if (rn->stopped && !rn->held)
				run_held(rn);
		} else if (WIFCONTINUED(st)) {
			if (rn->stopped && rn->held)
				kill(-rn->child, SIGSTOP);
		} else {
			*status = WIFEXITED(st) ? WEXITSTATUS(st)
						: 128 + WTERMSIG(st);
			return true;
		}
	}
	return false;
}

/* A signal for us: news of the child, or one to pass on. */
static bool run_signal(struct run *rn, int sfd, int *status)
{
	struct signalfd_siginfo si;
	bool chld = false;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			chld = true;
			continue;
		}
		run_group(rn, false);
		kill(-rn->child, (int)si.ssi_signo);
	}
	return chld && run_child(rn, status);
}

int run_main(struct rack *r, int argc, char **argv)
{
	static const int fwd[] = { SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
				   SIGUSR1, SIGUSR2, SIGCHLD };
	struct run rn = { .pace = 1 };
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;
	sigset_t set, old;
	int rc, sfd, status = 1;

	(void)r;
	rc = run_options(&rn, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	pace_agent_init(&rn.agent, rn.socket);
	rn.agent.retry_s = 1; /* a wrapper has no other work to do */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&set, fwd[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* an ignored SIGCHLD (inherited) would hide the child's stops and
	 * end; the command gets it back as it was */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		perror("pirack run: signalfd");
		return RACK_EXIT_FAIL;
	}
	rn.child = run_spawn(argv + optind, &old, &old_chld);
	if (rn.child < 0) {
		perror("pirack run: fork");
		close(sfd);
		return 127;
	}
	setpgid(rn.child, rn.child); /* either side may win the race */
	rn.start_ms = rn.cont_ms = clock_ms();
	rn.cont_leader = run_leader_ms(rn.child);
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int wait = run_phase(&rn);

		if (poll(&pfd, 1, wait) > 0 && run_signal(&rn, sfd, &status))
			break;
	}
	run_group(&rn, false); /* what is left of the group runs on */
	/* the node's name too: one log of many ranks tells them apart */
	if (rn.verbose)
		fprintf(stderr,
			"pirack run: %s stopped %.0f%% of %.1f s (node %s)\n",
			argv[optind],
			100.0 * rn.stopped_ms /
			    (double)(clock_ms() - rn.start_ms + 1),
			(clock_ms() - rn.start_ms) / 1000.0,
			rn.node[0] ? rn.node : "?");
	pace_agent_close(&rn.agent);
	close(sfd);
	return status;
}
