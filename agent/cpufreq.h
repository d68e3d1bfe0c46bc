/* cpufreq.h: the clock lever: the node's scaling_max_freq, capped by pace. */
#ifndef PIRACK_CPUFREQ_H
#define PIRACK_CPUFREQ_H

#include <stddef.h>

#define CPUFREQ_MAX_FREQS 64

/* What one cpufreq policy allows, in kHz (cpuinfo_*_freq). */
struct cpufreq_range {
	long fmin, fmax;
	long avail[CPUFREQ_MAX_FREQS]; /* ascending; 0 entries: any kHz */
	size_t navail;
};

/*
 * Splits a pace (fraction of full speed, 0 to 1) between the clock and the
 * ranks (pure): the clock takes it first, *khz = max(pace, fmin/fmax) of
 * fmax, rounded down to an available frequency (or the lowest one); the
 * ranks sleep for the rest, *rank_pace = pace / (*khz / fmax), at most 1.
 */
void cpufreq_split(double pace, const struct cpufreq_range *r, long *khz,
		   double *rank_pace);

/*
 * Between two listed frequencies (a Pi's cpufreq driver lists one every
 * 100 MHz) the cap khz, cpufreq_split's pick at or below the ask, runs
 * the node slower than its pace: the cap alternates from one call (a
 * tick) to the next between khz and the next listed frequency so that
 * the clock averages pace x fmax (sigma-delta). *owed_khz carries what
 * the caps so far ran under the ask, within one step; it is reset where
 * no step is needed (no list, at fmax, at or under fmin, where the ranks
 * take the rest). Returns the cap to write; pure.
 */
long cpufreq_dither(double pace, const struct cpufreq_range *r, long khz,
		    double *owed_khz);

struct cpufreq;

/*
 * Finds the cpufreq policies under sysfs_root and holds each one's
 * scaling_max_freq open for writing. NULL + err when there is none or one
 * cannot be opened for writing.
 */
struct cpufreq *cpufreq_open(const char *sysfs_root, char *err, size_t errlen);
/*
 * Caps the clock for pace; returns the ranks' share (cpufreq_split),
 * the rank pace for every policy's cap (the lowest). Writes only on a
 * change; a failed write is logged once and the ranks then get pace whole.
 */
double cpufreq_apply(struct cpufreq *f, double pace);
/* The cap now in force, MHz (the highest over the policies). */
double cpufreq_cap_mhz(const struct cpufreq *f);
/* Puts every policy's cpuinfo_max_freq back and closes. NULL is fine. */
void cpufreq_close(struct cpufreq *f);

#endif
