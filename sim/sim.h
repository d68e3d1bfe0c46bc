/* sim.h: one simulated Pi: plant, firmware and duty behind its sysfs tree. */
#ifndef PIRACK_SIM_H
#define PIRACK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "config.h"
#include "simload.h"

struct sim;

/*
 * Sets up the node of config c ([thermal] sysfs_root, [fan], [gpio],
 * [sim]) at its idle steady state and writes its sysfs tree. proc_root
 * is "/proc" (tests point it elsewhere). NULL with err set on failure.
 */
struct sim *sim_open(const struct config *c, const char *proc_root, char *err,
		     size_t errlen);
/*
 * Advances the plant to now, heated by the CPU time the ranks pids used
 * since the previous step, cooled by the fan line as the GPIO files show
 * it; rewrites the sysfs tree and slows the ranks to the firmware clock.
 */
void sim_step(struct sim *s, const pid_t *pids, size_t n);
/*
 * The clock the plant integrates on: false (default) the wall clock,
 * true the CPU the ranks got (see sim_node_time).
 */
void sim_set_cpu_clock(struct sim *s, bool on);
/* The CPU clock's memory: the ranks' recent CPU and runnable time, s. */
struct sim_rate {
	double run_s, busy_s; /* all 0 at the start: rate 1 */
	double cont_s;	      /* the time the duty cycler let them run */
};
/* Pure: the rate of the wall clock's the CPU clock runs at. */
double sim_rate_of(const struct sim_rate *r);
/*
 * Pure: the node's time for a step of dt_wall s in which its ranks did d,
 * and their load (0..1 of slots) over it, on the wall or the CPU clock;
 * run_s of the step the duty cycler let them run (dt_wall unthrottled);
 * *rate carries the CPU clock's rate from step to step.
 */
double sim_node_time(double dt_wall, double run_s,
		     const struct simload_delta *d, int slots, bool cpu_clock,
		     struct sim_rate *rate, double *load);
/* Continues every rank, stops the duty cycler, frees s (NULL is fine). */
void sim_close(struct sim *s);

/* What the last step computed, and the totals since sim_open. */
struct sim_state {
	double load; /* 0..1 of the node's slots */
	double fan;  /* 0..1 as the plant felt it */
	double die_c, board_c;
	int clock_mhz;	     /* min(firmware clock, scaling_max_freq) */
	unsigned throttled;  /* the get_throttled word */
	double power_w;	     /* board power: idle + dynamic */
	double sim_s;	     /* simulated seconds */
	double energy_j;     /* the board's energy over sim_s */
	double job_s;	     /* simulated seconds with ranks on the node */
	double job_energy_j; /* the energy over those */
	double peak_c;	     /* the hottest die */
};
void sim_state(const struct sim *s, struct sim_state *st);

#endif
