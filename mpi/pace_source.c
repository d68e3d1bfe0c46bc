/* pace_source.c: agent first, else sysfs through the agent's own controller. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "pace_source.h"
#include "sensors.h"

void pace_src_init(struct pace_src *s, const char *socket,
		   const char *sysfs_root, double target_c, double limit_c)
{
	memset(s, 0, sizeof(*s));
	pace_agent_init(&s->agent, socket);
	snprintf(s->sysfs_root, sizeof(s->sysfs_root), "%s", sysfs_root);
	s->target_c = target_c;
	s->limit_c = limit_c;
	pacectl_init(&s->ctl);
	s->ctl_last = -1;
}

void pace_src_close(struct pace_src *s)
{
	pace_agent_close(&s->agent);
}

bool pace_src_warning(struct pace_src *s, char *buf, size_t len)
{
	if (!s->warn[0])
		return false;
	snprintf(buf, len, "%s", s->warn);
	s->warn[0] = '\0';
	return true;
}

/*
 * Without an agent the rank runs the same controller the agent would,
 * fed from the same sysfs reader. The fan state is unknown here; "on"
 * gives the controller its full gain, as on a node whose fan runs.
 */
static bool pace_src_sysfs(struct pace_src *s, double now,
			   struct pace_reading *r, char *why, size_t len)
{
	struct sample smp;
	double dt;
	bool fresh;

	memset(&smp, 0, sizeof(smp));
	sensors_read(s->sysfs_root, NULL, &smp);
	if (smp.nzones == 0 || !isfinite(smp.temp_c)) {
		snprintf(why, len, "%s",
			 smp.fault ? smp.fault_msg : "no thermal zone");
		return false;
	}
	fresh = s->ctl_last < 0;
	dt = fresh ? 0 : now - s->ctl_last;
	s->ctl_last = now;
	memset(r, 0, sizeof(*r));
	r->source = PACE_SOURCE_SYSFS;
	r->temp_c = smp.temp_c;
	r->target_c = s->target_c;
	r->limit_c = s->limit_c;
	r->pace = pacectl_update(&s->ctl, s->target_c, s->limit_c, smp.temp_c,
				 dt, true);
	/* a fresh controller is the job starting here, as pirackd takes a
	 * job's first request for the pace (agent_pace_asked) */
	if (fresh && pacectl_job_start(&s->ctl, s->limit_c, smp.temp_c))
		r->pace = pacectl_update(&s->ctl, s->target_c, s->limit_c,
					 smp.temp_c, 0, true);
	r->fault = smp.fault;
	/* As the agent counts it: the states that cost speed. */
	r->throttled = smp.throttle.valid &&
		       (smp.throttle.throttled || smp.throttle.freq_capped ||
			smp.throttle.soft_temp_limit);
	r->throttle_raw = smp.throttle.valid ? (int64_t)smp.throttle.raw : -1;
	r->ts = (double)time(NULL);
	return true;
}

static void pace_src_agent_ok(struct pace_src *s)
{
	s->ctl_last = -1; /* a later fallback starts afresh */
	pacectl_init(&s->ctl);
	s->last = PACE_SOURCE_AGENT;
	s->have_last = true;
}

/* A line for the node's warning, cut to fit (paths are long). */
static void __attribute__((format(printf, 2, 3)))
pace_src_warn(struct pace_src *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->warn, sizeof(s->warn), fmt, ap);
	va_end(ap);
}

/* The agent did not answer: sysfs, else pace 1. */
static void pace_src_fallback(struct pace_src *s, double now,
			      struct pace_reading *r)
{
	char why[160] = "";
	bool was_agent = s->have_last && s->last == PACE_SOURCE_AGENT;

	if (pace_src_sysfs(s, now, r, why, sizeof(why))) {
		if (!s->have_last || s->last != PACE_SOURCE_SYSFS)
			pace_src_warn(s,
				      "%s agent at %s (%s); pacing from the "
				      "temperatures under %s",
				      was_agent ? "lost the" : "no",
				      s->agent.path, s->agent.err,
				      s->sysfs_root);
		s->last = PACE_SOURCE_SYSFS;
		s->have_last = true;
		return;
	}
	memset(r, 0, sizeof(*r));
	r->source = PACE_SOURCE_NONE;
	r->pace = 1.0;
	r->temp_c = NAN;
	r->target_c = s->target_c;
	r->limit_c = s->limit_c;
	r->fault = true;
	r->throttle_raw = -1;
	r->ts = (double)time(NULL);
	if (!s->warned_none)
		pace_src_warn(s,
			      "no agent at %s (%s) and no temperature under "
			      "%s (%s): running at pace 1",
			      s->agent.path, s->agent.err, s->sysfs_root, why);
	s->warned_none = true;
	s->last = PACE_SOURCE_NONE;
	s->have_last = true;
}

void pace_src_read(struct pace_src *s, double now, struct pace_reading *r)
{
	if (pace_agent_pace(&s->agent, now, r) == 0)
		pace_src_agent_ok(s);
	else
		pace_src_fallback(s, now, r);
}

bool pace_src_take(struct pace_src *s, double now, struct pace_reading *r)
{
	int rc = pace_agent_poll(&s->agent, now, r);

	if (rc > 0)
		pace_src_agent_ok(s);
	else if (rc < 0)
		pace_src_fallback(s, now, r);
	return rc != 0;
}

bool pace_src_ask(struct pace_src *s, double now, const char *report,
		  struct pace_reading *r)
{
	if (pace_agent_post(&s->agent, now, report) == 0)
		return false;
	pace_src_fallback(s, now, r);
	return true;
}

bool pace_src_busy(const struct pace_src *s)
{
	return pace_agent_busy(&s->agent);
}
