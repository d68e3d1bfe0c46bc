/* cpufreq.c: the clock lever: caps scaling_max_freq, the ranks get the rest. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cpufreq.h"
#include "log.h"

#define CPUFREQ_MAX_POLICIES 16
#define CPUFREQ_PATH_MAX 512

struct cpufreq_policy {
	char dir[CPUFREQ_PATH_MAX];
	struct cpufreq_range range;
	int fd;		 /* scaling_max_freq, held open */
	long applied;	 /* last cap written, kHz; 0 = none */
	double owed_khz; /* cpufreq_dither's carry */
};

struct cpufreq {
	struct cpufreq_policy pol[CPUFREQ_MAX_POLICIES];
	size_t npol;
	double rank_pace;  /* of the caps in force */
	bool write_failed; /* logged once */
};

void cpufreq_split(double pace, const struct cpufreq_range *r, long *khz,
		   double *rank_pace)
{
	double floor_ratio, ratio;
	long k;

	if (!(pace > 0)) /* NaN too: nothing may run */
		pace = 0;
	if (pace > 1)
		pace = 1;
	if (r->fmax <= 0) {
		*khz = 0;
		*rank_pace = pace;
		return;
	}
	floor_ratio =
	    r->fmin > 0 && r->fmin < r->fmax ? (double)r->fmin / r->fmax : 1;
	ratio = pace > floor_ratio ? pace : floor_ratio;
	k = (long)floor(ratio * r->fmax + 1e-6);
	if (r->navail) {
		/* At or below, so the clock never runs hotter than asked. */
		long pick = r->avail[0];

		for (size_t i = 0; i < r->navail; i++)
			if (r->avail[i] <= k)
				pick = r->avail[i];
		k = pick;
	}
	if (k > r->fmax)
		k = r->fmax;
	if (k < r->fmin)
		k = r->fmin;
	*khz = k;
	*rank_pace = pace / ((double)k / r->fmax);
	if (*rank_pace > 1)
		*rank_pace = 1;
}

long cpufreq_dither(double pace, const struct cpufreq_range *r, long khz,
		    double *owed_khz)
{
	/* as cpufreq_split reads it: NaN is 0 */
	double want = (pace > 0 ? (pace < 1 ? pace : 1) : 0) * r->fmax, step;
	long next = 0;

	for (size_t i = 0; i < r->navail && !next; i++)
		if (r->avail[i] > khz)
			next = r->avail[i];
	/* paces under the lowest clock too: nothing to average */
	if (!next || !(want > khz)) {
		*owed_khz = 0;
		return khz;
	}
	step = (double)(next - khz);
	/* what an earlier ask left stays within this one's step */
	if (*owed_khz > step / 2)
		*owed_khz = step / 2;
	if (*owed_khz < -step / 2)
		*owed_khz = -step / 2;
	*owed_khz += want - khz;
	if (*owed_khz >= step / 2) {
		*owed_khz -= step;
		return next;
	}
	return khz;
}

/* One number from a sysfs file; -1 when missing or garbled. */
static long cpufreq_read_long(const char *dir, const char *attr)
{
	char path[CPUFREQ_PATH_MAX + 64], buf[64], *end;
	FILE *fp;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	if (!fgets(buf, sizeof(buf), fp)) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0)
		return -1;
	return v;
}

static int cpufreq_cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

/* scaling_available_frequencies, when the driver lists them (optional). */
static void cpufreq_read_avail(const char *dir, struct cpufreq_range *r)
{
	char path[CPUFREQ_PATH_MAX + 64], buf[1024], *p, *end;
	FILE *fp;

	r->navail = 0;
	snprintf(path, sizeof(path), "%s/scaling_available_frequencies", dir);
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	for (p = buf; r->navail < CPUFREQ_MAX_FREQS; p = end) {
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno)
			break;
		if (v >= r->fmin && v <= r->fmax)
			r->avail[r->navail++] = v;
	}
	qsort(r->avail, r->navail, sizeof(r->avail[0]), cpufreq_cmp_long);
}

/* Each store is one write in sysfs; a fake tree's file is cut to it. */
static int cpufreq_write(struct cpufreq_policy *p, long khz)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", khz);
	struct stat st;

	errno = 0;
	if (pwrite(p->fd, buf, n, 0) != n ||
	    (fstat(p->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     ftruncate(p->fd, n) < 0))
		return -1;
	p->applied = khz;
	return 0;
}

static int cpufreq_policy_open(struct cpufreq_policy *p, const char *dir,
			       char *err, size_t errlen)
{
	char path[CPUFREQ_PATH_MAX + 64];

	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->range.fmin = cpufreq_read_long(dir, "cpuinfo_min_freq");
	p->range.fmax = cpufreq_read_long(dir, "cpuinfo_max_freq");
	if (p->range.fmin < 0 || p->range.fmax < 0 ||
	    p->range.fmin > p->range.fmax) {
		snprintf(err, errlen,
			 "%s: cpuinfo_min_freq/cpuinfo_max_freq "
			 "missing or garbled",
			 dir);
		return -1;
	}
	cpufreq_read_avail(dir, &p->range);
	/*
	 * Held from here on: out of descriptors (a flood of clients), the
	 * clock must still be capped and, at the stop, restored.
	 */
	snprintf(path, sizeof(path), "%s/scaling_max_freq", dir);
	p->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (p->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	p->applied = 0;
	return 0;
}

/* policyN (one per clock domain), else every cpuN's own cpufreq dir. */
static int cpufreq_find(const char *root, glob_t *g)
{
	char pat[CPUFREQ_PATH_MAX];

	snprintf(pat, sizeof(pat), "%s/devices/system/cpu/cpufreq/policy*",
		 root);
	if (glob(pat, GLOB_ONLYDIR, NULL, g) == 0)
		return 0;
	globfree(g);
	snprintf(pat, sizeof(pat), "%s/devices/system/cpu/cpu[0-9]*/cpufreq",
		 root);
	if (glob(pat, GLOB_ONLYDIR, NULL, g) == 0)
		return 0;
	globfree(g);
	return -1;
}

struct cpufreq *cpufreq_open(const char *sysfs_root, char *err, size_t errlen)
{
	struct cpufreq *f;
	glob_t g;

	if (!sysfs_root || !*sysfs_root)
		sysfs_root = "/sys";
	if (cpufreq_find(sysfs_root, &g) < 0) {
		snprintf(err, errlen,
			 "%s/devices/system/cpu: no cpufreq "
			 "policy",
			 sysfs_root);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "cpufreq: out of memory");
		globfree(&g);
		return NULL;
	}
	f->rank_pace = 1;
	for (size_t i = 0; i < g.gl_pathc && f->npol < CPUFREQ_MAX_POLICIES;
	     i++) {
		if (cpufreq_policy_open(&f->pol[f->npol], g.gl_pathv[i], err,
					errlen) < 0) {
			globfree(&g);
			cpufreq_close(f);
			return NULL;
		}
		f->npol++;
	}
	globfree(&g);
	return f;
}

double cpufreq_apply(struct cpufreq *f, double pace)
{
	double lowest = 1;
	bool failed = false;

	for (size_t i = 0; i < f->npol; i++) {
		struct cpufreq_policy *p = &f->pol[i];
		double rp;
		long khz;

		cpufreq_split(pace, &p->range, &khz, &rp);
		khz = cpufreq_dither(pace, &p->range, khz, &p->owed_khz);
		if (khz != p->applied && cpufreq_write(p, khz) < 0) {
			if (!f->write_failed)
				log_warnx("cpufreq: %s/scaling_max_freq: %s; "
					  "the ranks sleep for the whole pace "
					  "(retrying each tick)",
					  p->dir,
					  strerror(errno ? errno : EIO));
			failed = true;
			p->applied = 0;
			continue;
		}
		if (rp < lowest)
			lowest = rp;
	}
	if (!failed && f->write_failed)
		log_info("cpufreq: the clock is capped again");
	f->write_failed = failed;
	/* A cap not in force does no pacing: the ranks take it all. */
	if (failed)
		lowest = pace > 0 ? (pace < 1 ? pace : 1) : 0;
	f->rank_pace = lowest;
	return lowest;
}

double cpufreq_cap_mhz(const struct cpufreq *f)
{
	long k = 0;

	for (size_t i = 0; i < f->npol; i++)
		if (f->pol[i].applied > k)
			k = f->pol[i].applied;
	return k / 1000.0;
}

void cpufreq_close(struct cpufreq *f)
{
	if (!f)
		return;
	/*
	 * A clean stop gives the clock back: nobody caps it after us, and a
	 * node left slow would be slow for good. A crash leaves the last
	 * cap, which is the conservative side.
	 */
	for (size_t i = 0; i < f->npol; i++) {
		struct cpufreq_policy *p = &f->pol[i];

		if (p->fd < 0)
			continue;
		if (p->applied != p->range.fmax &&
		    cpufreq_write(p, p->range.fmax) < 0)
			log_warn("cpufreq: %s/scaling_max_freq: cannot restore "
				 "%ld kHz",
				 p->dir, p->range.fmax);
		close(p->fd);
	}
	free(f);
}
