/* sample.h: one reading of a node's sensors, as taken each tick. */
#ifndef PIRACK_SAMPLE_H
#define PIRACK_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SAMPLE_MAX_ZONES 16
#define ZONE_NAME_MAX 32

struct zone {
	char name[ZONE_NAME_MAX]; /* thermal_zoneN */
	char type[ZONE_NAME_MAX]; /* its "type" file, e.g. cpu-thermal */
	double temp_c;
};

/* Raspberry Pi firmware get_throttled bits, decoded. */
struct throttle {
	bool valid; /* the firmware file was read */
	uint32_t raw;
	bool under_voltage, freq_capped, throttled, soft_temp_limit;
	bool under_voltage_seen, freq_capped_seen, throttled_seen,
	    soft_temp_limit_seen; /* since boot */
};

struct sample {
	uint64_t seq;
	time_t ts;	     /* UNIX seconds */
	bool fault;	     /* a sensor could not be read */
	char fault_msg[128]; /* what and why, when fault */
	double temp_c;	     /* max over zones */
	size_t nzones;
	struct zone zones[SAMPLE_MAX_ZONES];
	struct throttle throttle;
	int cpu_freq_mhz; /* -1 when unknown */
	double load1;	  /* -1 when unknown */
};

#endif
