/* sim.h: the simulated thermal plant behind [thermal] source = sim. */
#ifndef PIRACK_SIM_H
#define PIRACK_SIM_H

struct agent;

/* Sets up the plant and its fake sysfs tree under cfg.thermal.sysfs_root. */
int sim_init(struct agent *a);
/* Advances the plant to now and rewrites the fake sysfs files. */
void sim_step(struct agent *a);
void sim_free(struct agent *a);

#endif
