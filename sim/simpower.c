/* simpower.c: dynamic power P = C f V(f)^2 on the SoC's DVFS curve. */
#include "simpower.h"

/*
 * Sources. The Pi firmware's DVFS lowers the ARM supply with the clock
 * ("whenever they are not running at full speed, the voltage supplied to
 * the particular part of the chip driven by the clock is reduced relative
 * to the reduction from full speed": Raspberry Pi documentation,
 * "Frequency management and thermal control", DVFS on the Raspberry Pi 4;
 * measure_volts on an idle Pi 4B commonly reads 0.8375 V). The points
 * themselves are ESTIMATES of the shape: no per-clock table is published.
 *   BCM2711 (Pi 4, Cortex-A72): 600 MHz 0.80 V (idle floor, near the
 *     0.8375 V reading), 1000 0.84, 1500 0.90 (stock top), 1800 0.95 V
 *     (rev 1.4 boards at 1.8 GHz, whose firmware adds a small
 *     over_voltage).
 *   BCM2712 (Pi 5, Cortex-A76): 1500 MHz 0.72 V, 2000 0.80, 2400 0.90 V.
 */
const struct simpower_vf simpower_bcm2711 = {
	.soc = "BCM2711",
	.mhz = { 600, 1000, 1500, 1800 },
	.volts = { 0.80, 0.84, 0.90, 0.95 },
	.n = 4,
};

const struct simpower_vf simpower_bcm2712 = {
	.soc = "BCM2712",
	.mhz = { 1500, 2000, 2400 },
	.volts = { 0.72, 0.80, 0.90 },
	.n = 3,
};

double simpower_volts(const struct simpower_vf *vf, int mhz)
{
	if (mhz <= vf->mhz[0])
		return vf->volts[0];
	for (int i = 1; i < vf->n; i++)
		if (mhz <= vf->mhz[i])
			return vf->volts[i - 1] +
			       (vf->volts[i] - vf->volts[i - 1]) *
				   (mhz - vf->mhz[i - 1]) /
				   (vf->mhz[i] - vf->mhz[i - 1]);
	return vf->volts[vf->n - 1];
}

double simpower_dynamic_w(const struct simpower_vf *vf, double load_w,
			  double load, int mhz, int max_mhz)
{
	double v, vmax;

	if (!(load > 0) || mhz <= 0 || max_mhz <= 0)
		return 0;
	if (load > 1)
		load = 1;
	v = simpower_volts(vf, mhz);
	vmax = simpower_volts(vf, max_mhz);
	return load_w * load * ((double)mhz / max_mhz) * (v * v) /
	       (vmax * vmax);
}
