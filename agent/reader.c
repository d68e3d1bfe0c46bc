/* reader.c: sensor reads off the main loop, each with a deadline. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "config.h"
#include "reader.h"

/*
 * One request at a time: the loop asks (seq_req), the thread answers
 * (seq_done, result). Strings are copied in, so a reload may free or
 * change the config while a read is under way.
 */
struct reader {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	reader_fn *fn;
	bool stop;
	bool abandoned; /* stopped mid-read: the thread frees it */
	unsigned long seq_req, seq_done;
	uint64_t asked_ms; /* when the pending request went in */
	struct sensors_opts opts;
	char sysfs_root[CONFIG_PATH_MAX], proc_root[CONFIG_PATH_MAX],
	    zones[CONFIG_PATH_MAX];
	struct sample result;
	int rc;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct sensors_opts o;
	struct sample s;
	unsigned long seq;
	int rc;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->stop && r->seq_req == r->seq_done)
			pthread_cond_wait(&r->cond, &r->mu);
		if (r->stop)
			break;
		seq = r->seq_req;
		o = r->opts;
		pthread_mutex_unlock(&r->mu);

		memset(&s, 0, sizeof(s));
		rc = r->fn(&o, &s); /* may block: nothing is held */

		pthread_mutex_lock(&r->mu);
		r->result = s;
		r->rc = rc;
		r->seq_done = seq;
		pthread_cond_broadcast(&r->cond);
	}
	if (r->abandoned) {
		pthread_mutex_unlock(&r->mu);
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct reader *reader_start(reader_fn *fn, char *err, size_t errlen)
{
	struct reader *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	if (!r) {
		snprintf(err, errlen, "sensor reader: out of memory");
		return NULL;
	}
	r->fn = fn ? fn : sensors_read_opts;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals stay with the main thread (its signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen,
			 "sensor reader: cannot start a thread: "
			 "%s",
			 strerror(rc));
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	return r;
}

static void reader_copy(char *dst, const char *src)
{
	snprintf(dst, CONFIG_PATH_MAX, "%s", src ? src : "");
}

static int reader_fault(struct sample *s, const char *fmt, double secs)
{
	memset(s, 0, sizeof(*s));
	s->fault = true;
	s->temp_c = NAN;
	s->cpu_freq_mhz = -1;
	s->load1 = -1;
	snprintf(s->fault_msg, sizeof(s->fault_msg), fmt, secs);
	return -1;
}

int reader_read(struct reader *r, const struct sensors_opts *o,
		struct sample *s, int deadline_ms)
{
	uint64_t now = clock_ms(), end = now + (uint64_t)deadline_ms;
	struct timespec ts = { .tv_sec = (time_t)(end / 1000),
			       .tv_nsec = (long)(end % 1000) * 1000000 };
	unsigned long seq;
	int rc;

	pthread_mutex_lock(&r->mu);
	if (r->seq_req != r->seq_done) {
		double secs = (now - r->asked_ms) / 1000.0;

		pthread_mutex_unlock(&r->mu);
		return reader_fault(s,
				    "sensor read blocked for %.1f s (a hung "
				    "sysfs attribute?)",
				    secs);
	}
	reader_copy(r->sysfs_root, o->sysfs_root);
	reader_copy(r->proc_root, o->proc_root);
	reader_copy(r->zones, o->zones);
	r->opts = *o;
	r->opts.sysfs_root = r->sysfs_root;
	r->opts.proc_root = r->proc_root;
	r->opts.zones = r->zones;
	seq = ++r->seq_req;
	r->asked_ms = now;
	pthread_cond_broadcast(&r->cond);
	while (r->seq_done != seq)
		if (pthread_cond_timedwait(&r->cond, &r->mu, &ts) == ETIMEDOUT)
			break;
	if (r->seq_done != seq) {
		pthread_mutex_unlock(&r->mu);
		return reader_fault(s,
				    "sensor read did not finish within "
				    "%.3f s (a hung sysfs attribute?)",
				    deadline_ms / 1000.0);
	}
	*s = r->result;
	rc = r->rc;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void reader_stop(struct reader *r)
{
	bool busy;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	busy = r->seq_req != r->seq_done;
	r->abandoned = busy;
	pthread_cond_broadcast(&r->cond);
	if (busy) {
		/* blocked in a read: it frees all when (if) the read ends,
		 * or goes with the process */
		pthread_detach(r->thread);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
