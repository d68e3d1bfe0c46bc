/* simplant.h: the pure two-node thermal model of one simulated Pi. */
#ifndef PIRACK_SIMPLANT_H
#define PIRACK_SIMPLANT_H

#include <stddef.h>
#include "simfw.h"
#include "simpower.h"

/*
 * One board type with its cooling. The die (junction, C_j) is coupled to
 * the board/heatsink (C_b) through R_jb; the board to the air through
 * R_ba, which the fan lowers. The "idle offset" is the idle rise above
 * ambient, calibrated apart from the load constants (idle power spreads
 * over the whole board, not just the SoC); p_load_w is the power added
 * from idle to all cores busy. Values with the fan on are interpolated
 * linearly by the fan duty.
 */
struct simplant_profile {
	const char *name;
	const char *about;	      /* one line for --help and errors */
	double c_j;		      /* J/K */
	double r_jb;		      /* K/W */
	double r_ba_off, r_ba_on;     /* K/W */
	double c_b_off, c_b_on;	      /* J/K */
	double idle_off_c, idle_on_c; /* idle rise above ambient, K */
	double p_idle_w;	      /* W the board draws idle */
	double p_load_w;	      /* W from idle to full load, full clock */
	int cores;		      /* slots of the real board */
	const struct simfw_model *fw; /* its firmware's clock steps */
	const struct simpower_vf *vf; /* its SoC's voltage per clock */
};

/* The named profiles; NULL-terminated by a zero entry (name NULL). */
extern const struct simplant_profile simplant_profiles[];

/* The profile called name, or NULL. */
const struct simplant_profile *simplant_profile_find(const char *name);
/* "a, b, c": the profile names, for error messages. */
void simplant_profile_names(char *buf, size_t len);

struct simplant {
	const struct simplant_profile *p;
	double ambient_c;
	double tj, tb; /* junction and board, degrees C */
};

/* Starts the plant in its idle steady state with the fan at fan (0..1). */
void simplant_init(struct simplant *s, const struct simplant_profile *p,
		   double ambient_c, double fan);
/*
 * Advances dt_s seconds of physics with the cores busy a fraction load
 * (0..1) of the time and the fan at fan (0 off .. 1 full). Stable for any
 * dt_s: it integrates in small internal steps.
 */
void simplant_step(struct simplant *s, double load, double fan, double dt_s);
/* The same with the power above idle given in W (see simpower.h). */
void simplant_step_w(struct simplant *s, double power_w, double fan,
		     double dt_s);
/* The junction temperature the model settles at for a constant input. */
double simplant_steady_c(const struct simplant_profile *p, double ambient_c,
			 double load, double fan);

#endif
