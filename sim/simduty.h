/* simduty.h: makes a throttled node's ranks really run slower. */
#ifndef PIRACK_SIMDUTY_H
#define PIRACK_SIMDUTY_H

#include <stddef.h>
#include <sys/types.h>

#define SIMDUTY_MAX_PIDS 64
#define SIMDUTY_PERIOD_MS 50

/*
 * A throttled Pi computes at clock/max_clock of its speed. The sim gets
 * the same effect by stopping the node's ranks (SIGSTOP) for the lost
 * fraction of every SIMDUTY_PERIOD_MS and continuing them (SIGCONT) for
 * the rest. The simnode's loop ticks too slowly for that, so a small
 * child process of it does the cycling; the simnode sends it "speed
 * pid..." lines when they change. When the simnode goes away for any
 * reason (even SIGKILL) the child sees end of file on its socket,
 * continues every rank and exits, so no rank is ever left stopped.
 *
 * On a busy host the child wakes late, to stop and to continue alike
 * (it waits for a CPU like any process): it carries what the ranks ran
 * more or less than speed x the time into the next run phase (at most a
 * period's worth), so over a few periods they run speed of it. It keeps
 * the time it held them stopped in memory the simnode reads
 * (simduty_stopped_s).
 */
struct simduty_clock; /* shared with the child */
struct simduty {
	pid_t child;  /* -1 when not running */
	int fd;	      /* the simnode's socket end, -1 when closed */
	double speed; /* last sent */
	pid_t pids[SIMDUTY_MAX_PIDS];
	size_t n;
	struct simduty_clock *clock; /* NULL when not running */
};

/* Forks the cycler. 0, or -1 (errno set). */
int simduty_start(struct simduty *d);
/* speed in (0, 1]: the fraction of the time the pids may run. */
void simduty_set(struct simduty *d, double speed, const pid_t *pids, size_t n);
/*
 * Seconds the cycler has held the ranks stopped since it started, a stop
 * in progress included (from its SIGSTOP to its SIGCONT; a rank waiting
 * for a CPU when stopped stops only when it runs). 0 when not running.
 */
double simduty_stopped_s(const struct simduty *d);
/* Continues every rank, ends the cycler and waits for it. */
void simduty_stop(struct simduty *d);

#endif
