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
	double c_die, c_sink;	/* J/K */
	double r_ds;		/* die to sink, K/W */
	double r_sa_off, r_sa_on;	/* sink to air, fan off / on */
	double p_idle, p_max;	/* W */
	double ambient;
	double quant;		/* sensor resolution, C (0 = exact) */
	double noise;		/* sensor noise amplitude, C */
	unsigned rng;		/* deterministic noise */
	double fan_on_c, fan_off_c;	/* > 0: a hysteresis fan in the loop */
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
		.c_die = 2.0, .c_sink = 15.0, .r_ds = 2.0,
		.r_sa_off = 7.0, .r_sa_on = 2.5,
		.p_idle = 2.7, .p_max = 4.0, .ambient = 25.0,
	};
	p.t_die = p.t_sink = p.ambient;
	return p;
}

struct run {
	double t_max;		/* over the whole run */
	double t_mean_late;	/* over the last quarter */
	double t_dev_late;	/* max |T - target| over the last quarter */
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
	struct run r = { .t_max = -1e9, .pace_min_late = 2,
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
			pace = pacectl_update(&pc, TARGET, LIMIT, rd, ctl_dt,
					      fan);
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
	p.p_max = 10;	/* full pace would reach 150 C */
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

/* Quasi-static: a slow ramp from 50 C to 85 C. */
static void test_shape(void **state)
{
	struct pacectl pc;
	double prev = 1.0;
	(void)state;

	pacectl_init(&pc);
	for (double t = 50; t < 85; t += 0.01) {
		double pace = pacectl_update(&pc, TARGET, LIMIT, t, 0.1, true);

		if (t <= TARGET - (LIMIT - TARGET))
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
	assert_true(pacectl_update(&pc, TARGET, LIMIT, LIMIT, 1, false) ==
		    0.0);
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
				pace = pacectl_update(&pc, TARGET, LIMIT,
						      plant_read(&p), 1.0,
						      false);
			plant_step(&p, running ? pace : 0, false, 0.01);
			if (p.t_die > t_max)
				t_max = p.t_die;
		}
	}
	print_message("t_max over 3 jobs %.2f\n", t_max);
	assert_true(t_max < LIMIT);
	assert_true(t_max < TARGET + 3);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
