/* gpio_chip.c: what the libgpiod backends (v1 and v2) share. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "gpio_chip.h"

#define GPIO_CHIP_PATH_MAX 300

void gpio_chip_open_error(const char *chip, int e, char *err, size_t errlen)
{
	char path[GPIO_CHIP_PATH_MAX];
	struct stat st;
	bool exists;

	if (chip[0] == '/')
		snprintf(path, sizeof(path), "%s", chip);
	else
		snprintf(path, sizeof(path), "/dev/%s", chip);
	exists = stat(path, &st) == 0;
	if (e == EACCES || e == EPERM)
		snprintf(err, errlen, "%s: cannot open: %s", chip, strerror(e));
	else if (exists && (e == ENOTTY || e == ENODEV || e == EINVAL))
		snprintf(err, errlen, "%s: not a GPIO chip (%s)", chip, path);
	else
		snprintf(err, errlen, "%s: chip not found: %s", chip,
			 strerror(e));
}
