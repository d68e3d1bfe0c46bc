/* config.h: the agent's configuration, parsed once from agent.conf (INI). */
#ifndef PIRACK_CONFIG_H
#define PIRACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/pirack/agent.conf"
#define CONFIG_NAME_MAX 64
#define CONFIG_PATH_MAX 256
#define LED_MAX_LINES 3

enum thermal_source { THERMAL_SYSFS, THERMAL_SIM };
/* How the node is paced: ranks sleep, or the clock is capped first. */
/* auto: the clock where the agent can cap it, else sleeping */
enum thermal_lever { LEVER_SLEEP, LEVER_CPUFREQ, LEVER_AUTO };
enum fan_driver {
	FAN_DRIVER_GPIO,
	FAN_DRIVER_PWM,
	FAN_DRIVER_KERNEL,
	FAN_DRIVER_NONE
};
enum led_driver { LED_DRIVER_GPIO, LED_DRIVER_NONE };
/* [gpio] backend = gpiod | sim; "sim" is the file backend (agent/gpio_file.c)
 */
enum gpio_backend { GPIO_BACKEND_GPIOD, GPIO_BACKEND_FILE };

/*
 * Immutable after config_load(); a reload builds a new one and swaps it in
 * only when it validates. Strings are fixed arrays so a config is one
 * plain value: copied, compared and freed with the struct.
 */
struct config {
	char path[CONFIG_PATH_MAX]; /* file it came from, or "" */
	/*
	 * What the file itself looked like, for config_reload_check(): a
	 * bit per section header it holds (config_section_names order),
	 * how many keys it set, whether its last byte is a newline.
	 */
	unsigned file_sections;
	unsigned file_keys;
	bool file_ends_newline;

	struct {
		char name[CONFIG_NAME_MAX]; /* default: host name */
	} node;

	struct {
		enum thermal_source source;
		char sysfs_root[CONFIG_PATH_MAX]; /* default /sys */
		char zones[CONFIG_PATH_MAX];	  /* "all" or comma list */
		int interval_ms;		  /* default 1000 */
		double target_c;		  /* NAN: auto */
		double limit_c;			  /* default 80 */
		double plausible_min_c;		  /* default -20 */
		double plausible_max_c;		  /* default 125 */
		enum thermal_lever lever;	  /* default auto */
	} thermal;

	struct {
		enum fan_driver driver;	    /* default gpio */
		char chip[CONFIG_NAME_MAX]; /* default gpiochip0 */
		unsigned line;		    /* default 14 */
		bool active_low;
		double on_c;		   /* default 60 */
		double off_c;		   /* default 50 */
		char pwm[CONFIG_NAME_MAX]; /* default pwmchip0/pwm0 */
	} fan;

	struct {
		enum led_driver driver; /* default gpio */
		char chip[CONFIG_NAME_MAX];
		unsigned lines[LED_MAX_LINES]; /* red,green,blue or one */
		size_t nlines;		       /* 1 or 3 */
	} led;

	struct {
		enum gpio_backend backend;     /* default gpiod */
		char sim_dir[CONFIG_PATH_MAX]; /* default /run/pirack/gpio */
	} gpio;

	struct {
		bool enabled;
		char host[CONFIG_NAME_MAX];
		int port;
		char client_id[CONFIG_NAME_MAX]; /* default pirack-<node> */
		char username[CONFIG_NAME_MAX];
		char password_file[CONFIG_PATH_MAX];
		char cafile[CONFIG_PATH_MAX];
		char certfile[CONFIG_PATH_MAX];
		char keyfile[CONFIG_PATH_MAX];
		char prefix[CONFIG_NAME_MAX];
		char discovery_prefix[CONFIG_NAME_MAX];
		int keepalive_s;
		int queue_kib; /* telemetry kept in an outage */
	} mqtt;

	struct {
		char socket[CONFIG_PATH_MAX]; /* /run/pirack/agent.sock */
	} control;

	struct {
		char profile[CONFIG_NAME_MAX]; /* default pi4-bare */
		double ambient_c;	       /* default 25 */
		double time_scale;	       /* default 1 */
		int slots; /* default 4: busy ranks = full */
	} sim;
};

/* Fills every key with its documented default. */
void config_defaults(struct config *c);

/*
 * How many seconds of the node's physics pass per second of wall clock:
 * [sim] time_scale for a simulated node (source = sim, whose plant
 * pirack-simnode runs that much faster), else 1. The pacing controller's
 * time constants are physical seconds, so the agent scales its dt by it.
 */
double config_time_scale(const struct config *c);

/*
 * The temperature the pacing controller settles the node at: [thermal]
 * target_c, or with target_c = auto (the default) limit_c less
 * CONFIG_TARGET_CLOCK_K when the agent caps the clock (it acts in its own
 * tick, and a lower clock runs at a lower voltage) and less
 * CONFIG_TARGET_SLEEP_K when the ranks sleep (they get the pace late).
 */
#define CONFIG_TARGET_CLOCK_K 2.0
#define CONFIG_TARGET_SLEEP_K 3.0
double config_target_c(const struct config *c, bool clock);

/*
 * Parses and validates FILE into *c (defaults first). On error returns -1
 * and writes "FILE:LINE: message" (the first error) into err. The parse
 * goes on past errors: *c then holds the defaults overlaid with every key
 * that did parse, which pirackd --failsafe drives the fan with; anything
 * meant to run on it parses into a scratch struct and swaps on success.
 */
int config_load(const char *file, struct config *c, char *err, size_t errlen);
/*
 * The same for a config held in memory (len bytes of text, named name in
 * messages and c->path): what config_load reads a file with.
 */
int config_load_string(const char *name, const char *text, size_t len,
		       struct config *c, char *err, size_t errlen);

/*
 * Sets one key, "[section] key = value", with the very parse and range
 * check the file reader applies (rack.conf's agent settings go through
 * here). On error returns -1, leaves *c untouched and writes why into err
 * without naming the key, so that callers name it as their user spelled
 * it. A string it takes is one config_write() can write back.
 */
int config_set(struct config *c, const char *section, const char *key,
	       const char *value, char *err, size_t errlen);

/* A key as config_validate names it, to report at the line that set it. */
struct config_keyref {
	const char *section, *key;
};

/*
 * The checks across keys that config_load() applies once every key is
 * read. On the first failure returns -1 with its message in err and the
 * keys it is about in keys[0] and keys[1] (the same key twice when only
 * one is involved): report it at the later line of the two.
 */
int config_validate(const struct config *c, struct config_keyref keys[2],
		    char *err, size_t errlen);

/*
 * A reload must not take a file that is being written or was cut short
 * (an editor or `>` truncating in place, a full disk): next is refused
 * when it holds no key and no section, when its last line has no
 * newline, or when it lacks a section header the running file has (to
 * drop a section's keys on purpose, keep its header). 0, or -1 with why
 * in err ("FILE: ...").
 */
int config_reload_check(const struct config *running, const struct config *next,
			char *err, size_t errlen);

/*
 * Writes the config back out as INI, every key, in a form config_load()
 * reads back into the same struct: pirack agent-config. -1 on a write
 * error, or with errno EINVAL when a string could not be read back (a
 * newline, " ;" which starts a comment, leading or trailing blanks).
 */
int config_write(const struct config *c, FILE *out);

#endif
