/* gpio_chip.h: what the libgpiod backends (v1 and v2) share. */
#ifndef PIRACK_GPIO_CHIP_H
#define PIRACK_GPIO_CHIP_H

#include <stddef.h>

/*
 * Why chip could not be opened (errno e), in words a person at the rack
 * can act on: missing, not a GPIO chip, or not allowed.
 */
void gpio_chip_open_error(const char *chip, int e, char *err, size_t errlen);

#endif
