/* gpio.h: output lines behind one small ops table (gpiod v1/v2, files). */
#ifndef PIRACK_GPIO_H
#define PIRACK_GPIO_H

#include <stdbool.h>
#include <stddef.h>

#define GPIO_CONSUMER "pirackd"

struct gpio_req; /* a set of output lines on one chip, held open */

struct gpio_ops {
	const char *name; /* "gpiod" or "sim" (the config word) */
	/*
	 * Requests n lines of chip as outputs with consumer "pirackd", all at
	 * logical value init. active_low inverts the wire value. dir is the
	 * file backend's sim_dir (ignored by gpiod). On failure returns NULL
	 * and writes a message naming chip, line and cause into err.
	 */
	struct gpio_req *(*request)(const char *dir, const char *chip,
				    const unsigned *lines, size_t n,
				    bool active_low, int init, char *err,
				    size_t errlen);
	/* Sets line idx (0..n-1) to logical value v (0/1). 0 or -1 (errno). */
	int (*set)(struct gpio_req *r, size_t idx, int v);
	/* Releases the lines (the kernel keeps their last value). */
	void (*release)(struct gpio_req *r);
};

extern const struct gpio_ops gpio_file_ops;
extern const struct gpio_ops gpio_gpiod_ops; /* v1 or v2, by build */

#endif
