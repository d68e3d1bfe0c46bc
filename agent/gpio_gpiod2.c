/* gpio_gpiod2.c: the gpiod GPIO backend on the libgpiod v2 API (2.x). */
#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gpio.h"
#include "gpio_chip.h"

#define GPIO_GPIOD2_PATH_MAX 300

struct gpio_req {
	struct gpiod_line_request *req;
	size_t n;
	unsigned int offsets[];
};

static int gpio_gpiod2_dev_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0;
}

/*
 * v2 opens chips by path only; v1 also took a name, number or label, and
 * configs written for v1 must keep working: "gpiochip0", "0", a path, or
 * a label such as "pinctrl-rp1" (the Pi 5's header chip).
 */
static struct gpiod_chip *gpio_gpiod2_open(const char *chip)
{
	char path[GPIO_GPIOD2_PATH_MAX];
	struct gpiod_chip *c = NULL;
	struct dirent **list;
	int n;

	if (chip[0] == '/')
		return gpiod_chip_open(chip);
	if (chip[strspn(chip, "0123456789")] == '\0')
		snprintf(path, sizeof(path), "/dev/gpiochip%s", chip);
	else
		snprintf(path, sizeof(path), "/dev/%s", chip);
	if (!strchr(chip, '/') && access(path, F_OK) == 0)
		return gpiod_chip_open(path);
	n = scandir("/dev", &list, gpio_gpiod2_dev_filter, versionsort);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/%s", list[i]->d_name);
		if (!c && gpiod_is_gpiochip_device(path)) {
			struct gpiod_chip *t = gpiod_chip_open(path);
			struct gpiod_chip_info *info =
			    t ? gpiod_chip_get_info(t) : NULL;

			if (info &&
			    strcmp(gpiod_chip_info_get_label(info), chip) == 0)
				c = t;
			else if (t)
				gpiod_chip_close(t);
			if (info)
				gpiod_chip_info_free(info);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	if (!c)
		errno = ENODEV;
	return c;
}

/* Why the request failed, in words a person at the rack can act on. */
static void gpio_gpiod2_explain(struct gpiod_chip *c, const char *chip,
				const unsigned *lines, size_t n, int e,
				char *err, size_t errlen)
{
	struct gpiod_chip_info *ci = gpiod_chip_get_info(c);
	size_t nlines = ci ? gpiod_chip_info_get_num_lines(ci) : 0;

	if (ci)
		gpiod_chip_info_free(ci);
	for (size_t i = 0; i < n; i++) {
		struct gpiod_line_info *li;

		if (ci && lines[i] >= nlines) {
			snprintf(err, errlen,
				 "%s line %u: no such line (the "
				 "chip has %zu lines)",
				 chip, lines[i], nlines);
			return;
		}
		li = gpiod_chip_get_line_info(c, lines[i]);
		if (!li)
			continue;
		if (e == EBUSY && gpiod_line_info_is_used(li)) {
			const char *who = gpiod_line_info_get_consumer(li);
			snprintf(err, errlen, "%s line %u: %s (held by %s)",
				 chip, lines[i], strerror(EBUSY),
				 who && *who ? who : "another consumer");
			gpiod_line_info_free(li);
			return;
		}
		gpiod_line_info_free(li);
	}
	snprintf(err, errlen, "%s line %u: %s", chip, lines[0], strerror(e));
}

static struct gpio_req *gpio_gpiod2_request(const char *dir, const char *chip,
					    const unsigned *lines, size_t n,
					    bool active_low, int init,
					    char *err, size_t errlen)
{
	struct gpiod_line_settings *ls = NULL;
	struct gpiod_line_config *lc = NULL;
	struct gpiod_request_config *rc = NULL;
	struct gpiod_chip *c = NULL;
	struct gpio_req *r = NULL;
	int e;

	(void)dir;
	if (n == 0) {
		snprintf(err, errlen, "%s: no lines to request", chip);
		return NULL;
	}
	c = gpio_gpiod2_open(chip);
	if (!c) {
		gpio_chip_open_error(chip, errno, err, errlen);
		return NULL;
	}
	r = calloc(1, sizeof(*r) + n * sizeof(r->offsets[0]));
	ls = gpiod_line_settings_new();
	lc = gpiod_line_config_new();
	rc = gpiod_request_config_new();
	if (!r || !ls || !lc || !rc) {
		snprintf(err, errlen, "%s: %s", chip, strerror(ENOMEM));
		goto fail;
	}
	r->n = n;
	memcpy(r->offsets, lines, n * sizeof(lines[0]));
	gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
	gpiod_line_settings_set_active_low(ls, active_low);
	gpiod_line_settings_set_output_value(
	    ls, init ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
	gpiod_request_config_set_consumer(rc, GPIO_CONSUMER);
	if (gpiod_line_config_add_line_settings(lc, r->offsets, n, ls) < 0) {
		gpio_gpiod2_explain(c, chip, lines, n, errno, err, errlen);
		goto fail;
	}
	r->req = gpiod_chip_request_lines(c, rc, lc);
	if (!r->req) {
		e = errno;
		gpio_gpiod2_explain(c, chip, lines, n, e, err, errlen);
		goto fail;
	}
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(ls);
	/* The request holds its own file descriptor; the chip can go. */
	gpiod_chip_close(c);
	return r;
fail:
	if (rc)
		gpiod_request_config_free(rc);
	if (lc)
		gpiod_line_config_free(lc);
	if (ls)
		gpiod_line_settings_free(ls);
	gpiod_chip_close(c);
	free(r);
	return NULL;
}

static int gpio_gpiod2_set(struct gpio_req *r, size_t idx, int v)
{
	if (!r || idx >= r->n) {
		errno = EINVAL;
		return -1;
	}
	return gpiod_line_request_set_value(r->req, r->offsets[idx],
					    v ? GPIOD_LINE_VALUE_ACTIVE
					      : GPIOD_LINE_VALUE_INACTIVE);
}

static void gpio_gpiod2_release(struct gpio_req *r)
{
	if (!r)
		return;
	gpiod_line_request_release(r->req);
	free(r);
}

const struct gpio_ops gpio_gpiod_ops = {
	.name = "gpiod",
	.request = gpio_gpiod2_request,
	.set = gpio_gpiod2_set,
	.release = gpio_gpiod2_release,
};
