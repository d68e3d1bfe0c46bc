/* run.h: pirack run, pacing an unmodified program by duty cycling it. */
#ifndef PIRACK_RUN_H
#define PIRACK_RUN_H

#include "pirack.h"

/*
 * Pure: how a period of period_ms splits at pace (clamped to
 * [min_pace, 1]) into running and stopped milliseconds.
 */
void run_duty(double pace, double min_pace, int period_ms, int *run_ms,
	      int *stop_ms);

/*
 * Pure: how long to hold the group stopped after it was busy for busy_ms
 * (from SIGCONT until it really stopped: a process waiting for a core
 * stops only once it gets one), so that busy is pace (clamped to
 * [min_pace, 1]) of the cycle; at most period_ms / min_pace, 0 at pace 1.
 */
int run_hold_ms(double busy_ms, double pace, double min_pace, int period_ms);

/*
 * Pure: what is left of a hold (left_ms) when the pace changes from
 * old_pace to new_pace while the group is held (both clamped to
 * [min_pace, 1]): the hold stood for busy x (1 - pace) / pace, so it
 * scales by that factor; 0 at pace 1 (run now).
 */
double run_rehold_ms(double left_ms, double old_pace, double new_pace,
		     double min_pace);

/*
 * Pure: how long the group was busy since our SIGCONT (since_ms ago; our
 * SIGSTOP went signal_ms after it), given leader_ms, the time the group's
 * leader ran or waited for a core meanwhile (-1: unknown). A leader busy
 * for at least half the run phase computes itself: its time is exact,
 * and leaves out how late we saw it stop. An idle leader (a shell, a
 * launcher) says nothing of the rest of the group: the time since then.
 */
double run_busy_ms(double since_ms, double signal_ms, double leader_ms);

/* pirack run [OPTIONS] -- COMMAND [ARGS...] */
int run_main(struct rack *r, int argc, char **argv);

#endif
