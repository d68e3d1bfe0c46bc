/* gpio_gpiod1.c: the gpiod GPIO backend on the libgpiod v1 API (1.6). */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gpio.h"
#include "gpio_chip.h"

struct gpio_req {
	struct gpiod_chip *chip;
	struct gpiod_line_bulk bulk;
	size_t n;
	/*
	 * v1 line handles set every line of a request at once (the uAPI's
	 * GPIOHANDLE_SET_LINE_VALUES_IOCTL), so setting one line means
	 * sending all of them: the others' current values are kept here.
	 */
	int vals[GPIOD_LINE_BULK_MAX_LINES];
};

/*
 * Says why a request failed in words a person at the rack can act on:
 * for a busy line, who holds it.
 */
static void gpio_gpiod1_explain(struct gpiod_chip *chip, const char *name,
				const unsigned *lines, size_t n, int e,
				char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct gpiod_line *l = gpiod_chip_get_line(chip, lines[i]);

		if (!l) {
			snprintf(err, errlen,
				 "%s line %u: %s (the chip has "
				 "%u lines)",
				 name, lines[i], strerror(errno),
				 gpiod_chip_num_lines(chip));
			return;
		}
		if (e == EBUSY && gpiod_line_is_used(l)) {
			const char *who = gpiod_line_consumer(l);
			snprintf(err, errlen, "%s line %u: %s (held by %s)",
				 name, lines[i], strerror(EBUSY),
				 who && *who ? who : "another consumer");
			return;
		}
	}
	snprintf(err, errlen, "%s line %u: %s", name, lines[0], strerror(e));
}

static struct gpio_req *gpio_gpiod1_request(const char *dir, const char *chip,
					    const unsigned *lines, size_t n,
					    bool active_low, int init,
					    char *err, size_t errlen)
{
	int vals[GPIOD_LINE_BULK_MAX_LINES];
	struct gpio_req *r;
	int e;

	(void)dir;
	if (n == 0 || n > GPIOD_LINE_BULK_MAX_LINES) {
		snprintf(err, errlen, "%s: cannot request %zu lines", chip, n);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "%s: %s", chip, strerror(errno));
		return NULL;
	}
	/* Accepts a name (gpiochip0), a path, a number or a label. */
	r->chip = gpiod_chip_open_lookup(chip);
	if (!r->chip) {
		gpio_chip_open_error(chip, errno, err, errlen);
		free(r);
		return NULL;
	}
	if (gpiod_chip_get_lines(r->chip, (unsigned int *)lines, n, &r->bulk) <
	    0) {
		gpio_gpiod1_explain(r->chip, chip, lines, n, errno, err,
				    errlen);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		vals[i] = init != 0;
	if (gpiod_line_request_bulk_output_flags(
		&r->bulk, GPIO_CONSUMER,
		active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
		vals) < 0) {
		e = errno;
		gpio_gpiod1_explain(r->chip, chip, lines, n, e, err, errlen);
		goto fail;
	}
	r->n = n;
	for (size_t i = 0; i < n; i++)
		r->vals[i] = vals[i];
	return r;
fail:
	gpiod_chip_close(r->chip);
	free(r);
	return NULL;
}

static int gpio_gpiod1_set(struct gpio_req *r, size_t idx, int v)
{
	if (!r || idx >= r->n) {
		errno = EINVAL;
		return -1;
	}
	r->vals[idx] = v != 0;
	return gpiod_line_set_value_bulk(&r->bulk, r->vals);
}

static void gpio_gpiod1_release(struct gpio_req *r)
{
	if (!r)
		return;
	gpiod_line_release_bulk(&r->bulk);
	gpiod_chip_close(r->chip);
	free(r);
}

const struct gpio_ops gpio_gpiod_ops = {
	.name = "gpiod",
	.request = gpio_gpiod1_request,
	.set = gpio_gpiod1_set,
	.release = gpio_gpiod1_release,
};
