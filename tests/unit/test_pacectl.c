/* test_pacectl.c: the pacing controller against a thermal plant model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include "lib/pacectl.h"

/*
 * A Pi as two thermal masses: the die (small, fast) on a heatsink/board
 * (large, slow) that loses heat to ambient, through a resistance the fan
 * lowers. Heat is idle power plus load power times pace.
 */
struct plant {
	double c_die, c_sink;	  /* J/K */
	double r_ds;		  /* die to sink, K/W */
	double r_sa_off, r_sa_on; /* sink to air, fan off / on */
	double p_idle, p_max;	  /* W */
	double ambient;
	double quant;		    /* sensor resolution, C (0 = exact) */
	double noise;		    /* sensor noise amplitude, C */
	unsigned rng;		    /* deterministic noise */
	double fan_on_c, fan_off_c; /* > 0: a hysteresis fan in the loop */
	bool fan;
	double t_die, t_sink;
};

static void plant_step(struct plant *p, double pace, bool fan, double dt)
{
	double r_sa = fan ? p->r_sa_on : p->r_sa_off;
	double q_ds = (p->t_die - p->t_sink) / p->r_ds;
	double q_sa = (p->t_sink - p->ambient) / r_sa;

	p->t_die += dt * (p->p_idle + p->p_max * pace - q_ds) / p->c_die;
	p->t_sink += dt * (q_ds - q_sa) / p->c_sink;
}

static double plant_read(struct plant *p)
{
	double t = p->t_die;

	if (p->noise > 0) {
		p->rng = p->rng * 1103515245u + 12345u;
		t += p->noise * (((p->rng >> 16) & 0x7fff) / 16383.5 - 1.0);
	}
	if (p->quant > 0)
		t = floor(t / p->quant) * p->quant;
	return t;
}

/* A Pi 4 without heatsink: about 85 C at full load with the fan off. */
static struct plant pi4(void)
{
	struct plant p = {
		.c_die = 2.0,
		.c_sink = 15.0,
		.r_ds = 2.0,
		.r_sa_off = 7.0,
		.r_sa_on = 2.5,
		.p_idle = 2.7,
		.p_max = 4.0,
		.ambient = 25.0,
	};
	p.t_die = p.t_sink = p.ambient;
	return p;
}

struct run {
	double t_max;	    /* over the whole run */
	double t_mean_late; /* over the last quarter */
	double t_dev_late;  /* max |T - target| over the last quarter */
	double pace_min_late, pace_max_late;
	double pace_first;
};

#define TARGET 70.0
#define LIMIT 80.0

/*
 * Runs plant time total_s with the controller sampled every ctl_dt s
 * (the plant integrates at 10 ms). Fan: on when forced, else off.
 */
static struct run simulate(struct plant *p, double total_s, double ctl_dt,
			   bool fan)
{
	struct pacectl pc;
	struct run r = { .t_max = -1e9,
			 .pace_min_late = 2,
			 .pace_max_late = -1 };
	double pace, t = 0, next_ctl = 0, sum = 0;
	long n = 0;
	const double h = 0.01;

	pacectl_init(&pc);
	pace = pacectl_update(&pc, TARGET, LIMIT, plant_read(p), ctl_dt, fan);
	r.pace_first = pace;
	while (t < total_s) {
		if (t >= next_ctl) {
			double rd = plant_read(p);

			if (p->fan_on_c > 0 && rd >= p->fan_on_c)
				p->fan = true;
			else if (p->fan_on_c > 0 && rd <= p->fan_off_c)
				p->fan = false;
			if (p->fan_on_c > 0)
				fan = p->fan;
			pace =
			    pacectl_update(&pc, TARGET, LIMIT, rd, ctl_dt, fan);
			next_ctl += ctl_dt;
			if (t > total_s * 0.75) {
				if (pace < r.pace_min_late)
					r.pace_min_late = pace;
				if (pace > r.pace_max_late)
					r.pace_max_late = pace;
			}
		}
		plant_step(p, pace, fan, h);
		t += h;
		if (p->t_die > r.t_max)
			r.t_max = p->t_die;
		if (t > total_s * 0.75) {
			double d = fabs(p->t_die - TARGET);
			sum += p->t_die;
			n++;
			if (d > r.t_dev_late)
				r.t_dev_late = d;
		}
	}
	r.t_mean_late = sum / n;
	print_message("t_max %.2f mean %.2f dev %.2f pace %.3f..%.3f\n",
		      r.t_max, r.t_mean_late, r.t_dev_late, r.pace_min_late,
		      r.pace_max_late);
	return r;
}

static void check_settled(const struct run *r)
{
	assert_true(r->t_max < LIMIT);
	assert_true(r->t_dev_late <= 1.5);
	assert_true(fabs(r->t_mean_late - TARGET) <= 1.0);
	/* no oscillation: the pace hardly moves once settled */
	assert_true(r->pace_max_late - r->pace_min_late <= 0.1);
}

static void test_pi4_fan_off_1s(void **state)
{
	struct plant p = pi4();
	(void)state;
	struct run r = simulate(&p, 1800, 1.0, false);
	assert_true(r.pace_first == 1.0);
	check_settled(&r);
}

static void test_pi4_fan_off_50ms(void **state)
{
	struct plant p = pi4();
	(void)state;
	struct run r = simulate(&p, 1800, 0.05, false);
	check_settled(&r);
}

static void test_pi4_quantised_sensor(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.quant = 0.5;
	struct run r = simulate(&p, 1800, 1.0, false);
	check_settled(&r);
}

static void test_pi4_fan_on_hot_room(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.ambient = p.t_die = p.t_sink = 45;
	struct run r = simulate(&p, 1800, 1.0, true);
	check_settled(&r);
}

static void test_fast_plant(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.c_die = 0.5;
	p.c_sink = 3;
	struct run r = simulate(&p, 900, 1.0, false);
	check_settled(&r);
}

static void test_slow_plant(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.c_sink = 60;
	struct run r = simulate(&p, 5400, 1.0, false);
	check_settled(&r);
}

static void test_strong_heater(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.p_max = 10; /* full pace would reach 150 C */
	struct run r = simulate(&p, 1800, 1.0, false);
	check_settled(&r);
}

static void test_noisy_sensor(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.noise = 0.3;
	p.quant = 0.5;
	struct run r = simulate(&p, 1800, 1.0, false);
	check_settled(&r);
}

/* The sim at time_scale 5 with a 1 s interval: 5 plant-s per update. */
static void test_coarse_steps(void **state)
{
	struct plant p = pi4();
	(void)state;
	struct run r = simulate(&p, 1800, 5.0, false);
	check_settled(&r);
}

/* A bang-bang fan right around target: the fan's own limit cycle. */
static void test_fan_cycling_near_target(void **state)
{
	struct plant p = pi4();
	(void)state;
	p.ambient = p.t_die = p.t_sink = 40;
	p.fan_on_c = 71;
	p.fan_off_c = 69;
	struct run r = simulate(&p, 1800, 1.0, false);
	assert_true(r.t_max < LIMIT);
	assert_true(r.t_dev_late <= 2.0);
}

/*
 * Quasi-static: a slow ramp from 50 C to 85 C. Full pace until the node
 * nears target (the prediction runs 0.4 K ahead on this ramp).
 */
static void test_shape(void **state)
{
	struct pacectl pc;
	double prev = 1.0;
	(void)state;

	pacectl_init(&pc);
	for (double t = 50; t < 85; t += 0.01) {
		double pace = pacectl_update(&pc, TARGET, LIMIT, t, 0.1, true);

		if (t <= TARGET - 1)
			assert_true(pace == 1.0);
		if (t >= LIMIT)
			assert_true(pace == 0.0);
		assert_true(pace >= 0.0 && pace <= 1.0);
		/* falling smoothly: never up, never a jump */
		assert_true(pace <= prev + 1e-9);
		assert_true(prev - pace <= 0.02);
		prev = pace;
	}
}

static void test_limit_and_blind(void **state)
{
	struct pacectl pc;
	(void)state;

	pacectl_init(&pc);
	assert_true(pacectl_update(&pc, TARGET, LIMIT, 40, 1, false) == 1.0);
	assert_true(pacectl_update(&pc, TARGET, LIMIT, LIMIT, 1, false) == 0.0);
	assert_true(pacectl_update(&pc, TARGET, LIMIT, 95, 1, false) == 0.0);
	/* no temperature: no work */
	assert_true(pacectl_update(&pc, TARGET, LIMIT, NAN, 1, false) == 0.0);
	/* a nonsensical band: no work rather than a division by zero */
	assert_true(pacectl_update(&pc, 80, 80, 40, 1, false) == 0.0);
	/* odd steps are harmless */
	double a = pacectl_update(&pc, TARGET, LIMIT, 69, 0, false);
	double b = pacectl_update(&pc, TARGET, LIMIT, 69, -3, false);
	assert_true(a == b);
	double c = pacectl_update(&pc, TARGET, LIMIT, 69, 1e9, false);
	assert_true(c >= 0 && c <= 1 && !isnan(c));
}

/* A second job on a node still warm from the first: no overshoot. */
static void test_memory_across_jobs(void **state)
{
	struct plant p = pi4();
	struct pacectl pc;
	double pace = 1, t_max = 0;
	(void)state;

	pacectl_init(&pc);
	for (int job = 0; job < 3; job++) {
		/* 10 min of job, 2 min idle (pace unused: nobody runs) */
		for (double t = 0; t < 720; t += 0.01) {
			bool running = t < 600;
			if (fmod(t, 1.0) < 0.01)
				pace =
				    pacectl_update(&pc, TARGET, LIMIT,
						   plant_read(&p), 1.0, false);
			plant_step(&p, running ? pace : 0, false, 0.01);
			if (p.t_die > t_max)
				t_max = p.t_die;
		}
	}
	print_message("t_max over 3 jobs %.2f\n", t_max);
	assert_true(t_max < LIMIT);
	assert_true(t_max < TARGET + 3);
}

/*
 * Close to the limit (the defaults: target 77, limit 80) with the pace
 * reaching the ranks `delay` samples late (the agent's tick, the ranks'
 * refresh period and their chunk on a loaded host, up to 10 s in the
 * simulated cluster): a job starting on a
 * node idling at ambient, run for total_s; the fan off from fan_off_at
 * on (a fan switching off under load); the peak over the run.
 */
struct close_run {
	double peak, late_mean, late_pace;
	double early_pace; /* mean pace of the job's first 20 s */
};

static struct close_run simulate_close(struct plant *p, double total_s,
				       int delay, double fan_off_at)
{
	struct pacectl pc;
	struct close_run r = { .peak = -1e9 };
	double q[16], pace, t, sum = 0, psum = 0, esum = 0;
	const double h = 0.01;
	long n = 0;
	int i, k;

	pacectl_init(&pc);
	/* a minute of idle: the controller has its memory, pace 1 */
	for (t = 0; t < 60; t += 1.0) {
		pacectl_update(&pc, 77, 80, plant_read(p), 1.0, true);
		for (k = 0; k < 100; k++)
			plant_step(p, 0, true, h);
	}
	for (i = 0; i < delay; i++)
		q[i] = pc.pace;
	for (t = 0; t < total_s; t += 1.0) {
		bool fan = !(fan_off_at >= 0 && t >= fan_off_at);

		pace = q[0];
		for (i = 0; i + 1 < delay; i++)
			q[i] = q[i + 1];
		for (k = 0; k < 100; k++) {
			plant_step(p, pace, fan, h);
			if (p->t_die > r.peak)
				r.peak = p->t_die;
		}
		q[delay - 1] =
		    pacectl_update(&pc, 77, 80, plant_read(p), 1.0, fan);
		if (t < 20)
			esum += pace / 20;
		if (t >= total_s * 0.75) {
			sum += p->t_die;
			psum += pace;
			n++;
		}
	}
	r.late_mean = sum / n;
	r.late_pace = psum / n;
	r.early_pace = esum;
	print_message("close: peak %.2f late mean %.2f pace %.3f early %.3f\n",
		      r.peak, r.late_mean, r.late_pace, r.early_pace);
	return r;
}

/* A hot rack: idle at 68 C with the fan, full load would reach ~95 C. */
static struct plant pi4_hot_rack(void)
{
	struct plant p = pi4();

	p.ambient = p.t_die = p.t_sink = 50;
	p.r_sa_on = 3.0;
	return p;
}

/* The job's start is a load step: the pace falls before the limit. */
static void test_close_job_start(void **state)
{
	(void)state;
	for (int delay = 1; delay <= 10; delay++) {
		struct plant p = pi4_hot_rack();
		struct close_run r = simulate_close(&p, 1200, delay, -1);

		assert_true(r.peak < 80);
		assert_true(fabs(r.late_mean - 77) <= 1.0);
		/* the node starts 9 K under target: full pace until it
		 * nears it (a band reaching 15 K under target slowed every
		 * short job in a warm rack) */
		assert_true(r.early_pace >= 0.95);
	}
}

/* The fan stops under load: the rise is seen and the pace cut in time. */
static void test_close_fan_switch(void **state)
{
	(void)state;
	for (int delay = 1; delay <= 4; delay++) {
		struct plant p = pi4();

		p.ambient = p.t_die = p.t_sink = 40;
		struct close_run r = simulate_close(&p, 1800, delay, 600);
		assert_true(r.peak < 80);
		assert_true(fabs(r.late_mean - 77) <= 1.0);
	}
}

/* A Pi-like sensor (0.5 K steps, noise) so close to the limit. */
static void test_close_noisy(void **state)
{
	struct plant p = pi4_hot_rack();
	(void)state;
	p.quant = 0.5;
	p.noise = 0.3;
	struct close_run r = simulate_close(&p, 1200, 2, -1);
	assert_true(r.peak < 80);
	assert_true(fabs(r.late_mean - 77) <= 1.5);
}

/* Feed-forward: at the same temperature, rising fast means less pace. */
static void test_prediction(void **state)
{
	struct pacectl still, rising;
	double a = 0, b = 0;
	(void)state;

	pacectl_init(&still);
	pacectl_init(&rising);
	/* long enough for the integral to settle at pace 1 */
	for (int i = 0; i < 200; i++) {
		a = pacectl_update(&still, 77, 80, 70, 1.0, true);
		b = pacectl_update(&rising, 77, 80, i < 190 ? 60 : i - 120, 1.0,
				   true);
	}
	/* both at 70 C, 7 K under target; one rising 1 K/s */
	assert_true(a == 1.0);
	assert_true(b < 0.9);
	assert_true(rising.predicted_c > 72);
	/* headed past the limit: stop now, below the limit */
	for (int i = 0; i < 3; i++)
		b = pacectl_update(&rising, 77, 80, 74 + 2 * i, 1.0, true);
	assert_true(rising.predicted_c >= 80);
	assert_true(b == 0.0);
}

/*
 * A fan stopping on a cool node (pirackd starts with its fail-safe fan
 * on, then finds the node cool) leaves the sustained pace alone; a fan
 * stopping near target halves it.
 */
static void test_fan_stop_when_cool(void **state)
{
	struct pacectl pc;
	(void)state;

	pacectl_init(&pc);
	pacectl_update(&pc, 70, 80, 40, 0.05, true);
	for (int i = 0; i < 20; i++)
		pacectl_update(&pc, 70, 80, 40, 0.05, false);
	assert_true(pc.integ >= 0.99);
	/* the fail-safe fan of the first sample stops as the node jumps
	 * over target: not a fan the node ran with */
	pacectl_init(&pc);
	pacectl_update(&pc, 70, 80, 40, 0.05, true);
	pacectl_update(&pc, 70, 80, 71, 0.05, false);
	assert_true(pc.integ >= 0.99);
	/* a fresh start at 74 C: the span left over it, less the P part */
	pacectl_init(&pc);
	assert_true(fabs(pacectl_update(&pc, 70, 80, 74, 1, true) -
			 (0.6 - 4.0 / 15)) < 1e-9);
	/* a fan it ran with stops near target: the integral halves */
	pacectl_update(&pc, 70, 80, 74, 0, true);
	pacectl_update(&pc, 70, 80, 74, 0, false);
	assert_true(pc.integ < 0.31);
}

/*
 * Near the limit with the load in bursts (a rank computes its round, then
 * waits: full load for pace x burst_s, then none) and the pace reaching
 * the ranks `delay` samples late, the controller sampled every ctl_s:
 * target 78, limit 80 (auto capping the clock), on a node idling at
 * `ambient` with the fan on. A job starts after ten idle minutes
 * (pacectl_job_start when `start`); the peak over the job, the samples
 * in its second half that cut the pace to 0 at the limit, and the range
 * of the temperature there.
 */
struct burst_run {
	double peak, late_min, late_max, first_pace;
	int late_cuts;
};

static struct burst_run simulate_bursty(double ambient, int delay,
					double burst_s, double ctl_s,
					bool start)
{
	struct plant p = pi4();
	struct pacectl pc;
	struct burst_run r = { .peak = -1e9,
			       .late_min = 1e9,
			       .late_max = -1e9 };
	double q[16], t;
	const double h = 0.01, total = 600;
	int i, k, steps = (int)(ctl_s / h + 0.5);

	p.r_sa_on = 3.0;
	p.ambient = p.t_die = p.t_sink = ambient;
	pacectl_init(&pc);
	for (t = 0; t < 600; t += 1.0) {
		pacectl_update(&pc, 78, 80, plant_read(&p), 1.0, true);
		for (k = 0; k < 100; k++)
			plant_step(&p, 0, true, h);
	}
	if (start) {
		pacectl_job_start(&pc, 80, plant_read(&p));
		pacectl_update(&pc, 78, 80, plant_read(&p), 0, true);
	}
	r.first_pace = pc.pace;
	for (i = 0; i < delay; i++)
		q[i] = pc.pace;
	for (t = 0; t < total; t += ctl_s) {
		double pace = q[0];

		for (i = 0; i + 1 < delay; i++)
			q[i] = q[i + 1];
		for (k = 0; k < steps; k++) {
			double ph = burst_s > 0
					? fmod(t + k * h, burst_s) / burst_s
					: 0;
			double load = burst_s > 0 ? (ph < pace ? 1 : 0) : pace;

			plant_step(&p, load, true, h);
			if (p.t_die > r.peak)
				r.peak = p.t_die;
		}
		q[delay - 1] =
		    pacectl_update(&pc, 78, 80, plant_read(&p), ctl_s, true);
		if (t > total / 2) {
			r.late_cuts += q[delay - 1] == 0.0;
			if (p.t_die < r.late_min)
				r.late_min = p.t_die;
			if (p.t_die > r.late_max)
				r.late_max = p.t_die;
		}
	}
	print_message(
	    "bursty: peak %.2f late [%.2f, %.2f] cuts %d first %.3f\n", r.peak,
	    r.late_min, r.late_max, r.late_cuts, r.first_pace);
	return r;
}

/*
 * Bursts the loop cannot follow: a cut at the limit must teach the
 * integral the node sustains less, not leave it to cycle between the cut
 * and a pace it cannot hold (the old loop: up to 50 cuts, 75.5-79.0 C,
 * peaks up to 80.5 C).
 */
static void test_bursty_no_cycle(void **state)
{
	static const struct {
		int delay;
		double burst_s, ctl_s;
	} cases[] = { { 4, 2, 1 }, { 2, 4, 2 }, { 3, 3, 2 } };
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct burst_run r = simulate_bursty(
		    55, cases[i].delay, cases[i].burst_s, cases[i].ctl_s, true);

		assert_true(r.peak < 80);
		assert_int_equal(r.late_cuts, 0);
		assert_true(r.late_min > 76.5 && r.late_max < 79);
	}
}

/*
 * A job starting on a node idling 4.5 K under the limit, the pace 2-4 s
 * late: told of the start, the loop keeps the die's quick rise under the
 * limit (without it: 79.7-81.3 C). A node idling 10 K or more under the
 * limit starts at full pace.
 */
static void test_job_start_hot_idle(void **state)
{
	(void)state;
	for (int delay = 2; delay <= 4; delay++) {
		struct burst_run r = simulate_bursty(62, delay, 0, 1, true);

		assert_true(r.peak < 80);
		assert_true(r.first_pace < 1);
		assert_true(r.late_max < 78.5);
	}
	assert_true(simulate_bursty(50, 2, 0, 1, true).first_pace == 1.0);
}

/* A job start keeps what an earlier job taught; no reading, no change. */
static void test_job_start_memory(void **state)
{
	struct pacectl pc;
	(void)state;

	pacectl_init(&pc);
	/* no reading yet: nothing */
	assert_false(pacectl_job_start(&pc, 80, 75));
	assert_true(pc.integ == 1.0);
	pacectl_update(&pc, 78, 80, 75, 1, true);
	assert_false(pacectl_job_start(&pc, 80, NAN));
	assert_true(pc.integ == 1.0);
	/* a node that has idled at 75 C: capped at 5 K over 10 K */
	assert_true(pacectl_job_start(&pc, 80, 75));
	assert_true(fabs(pc.integ - 0.5) < 1e-9);
	/* the last job left it at 0.3: kept (cap 0.5 + 0.7) */
	pc.integ = 0.3;
	assert_false(pacectl_job_start(&pc, 80, 75));
	assert_true(fabs(pc.integ - 0.3) < 1e-9);
	/* partly recovered, 0.8: capped at 0.5 + 0.2 */
	pc.integ = 0.8;
	assert_true(pacectl_job_start(&pc, 80, 75));
	assert_true(fabs(pc.integ - 0.7) < 1e-9);
	/* 12 K under the limit: left alone */
	pc.integ = 1.0;
	assert_false(pacectl_job_start(&pc, 80, 68));
	assert_true(pc.integ == 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi4_fan_off_1s),
		cmocka_unit_test(test_pi4_fan_off_50ms),
		cmocka_unit_test(test_pi4_quantised_sensor),
		cmocka_unit_test(test_pi4_fan_on_hot_room),
		cmocka_unit_test(test_fast_plant),
		cmocka_unit_test(test_slow_plant),
		cmocka_unit_test(test_strong_heater),
		cmocka_unit_test(test_noisy_sensor),
		cmocka_unit_test(test_coarse_steps),
		cmocka_unit_test(test_fan_cycling_near_target),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_limit_and_blind),
		cmocka_unit_test(test_memory_across_jobs),
		cmocka_unit_test(test_close_job_start),
		cmocka_unit_test(test_close_fan_switch),
		cmocka_unit_test(test_close_noisy),
		cmocka_unit_test(test_prediction),
		cmocka_unit_test(test_fan_stop_when_cool),
		cmocka_unit_test(test_bursty_no_cycle),
		cmocka_unit_test(test_job_start_hot_idle),
		cmocka_unit_test(test_job_start_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
