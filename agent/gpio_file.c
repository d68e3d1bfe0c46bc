/* gpio_file.c: GPIO lines as files, DIR/<chip>/<line> ([gpio] backend = sim).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsutil.h"
#include "gpio.h"

#define GPIO_FILE_PATH_MAX 512

/*
 * Mirrors the kernel gpio-sim layout: DIR/<chip>/<line> holds the wire
 * value, so a test reads exactly what a meter on the pin would show.
 */
struct gpio_req {
	char dir[GPIO_FILE_PATH_MAX]; /* DIR/<chip> */
	bool active_low;
	size_t n;
	int *fds; /* each line's file, held: see gpio_file_set */
	unsigned lines[];
};

/*
 * Writes "0\n" or "1\n" through a temp file and rename(), so a reader
 * never sees an empty or half-written file.
 */
static int gpio_file_write(const struct gpio_req *r, size_t idx, int wire)
{
	char path[GPIO_FILE_PATH_MAX + 16], tmp[GPIO_FILE_PATH_MAX + 40];
	char val[2] = { wire ? '1' : '0', '\n' };
	int fd, e;

	snprintf(path, sizeof(path), "%s/%u", r->dir, r->lines[idx]);
	snprintf(tmp, sizeof(tmp), "%s/.%u.tmp.%ld", r->dir, r->lines[idx],
		 (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, val, sizeof(val)) != (ssize_t)sizeof(val)) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static void gpio_file_release(struct gpio_req *r);

static struct gpio_req *gpio_file_request(const char *dir, const char *chip,
					  const unsigned *lines, size_t n,
					  bool active_low, int init, char *err,
					  size_t errlen)
{
	struct gpio_req *r;

	if (!dir || !*dir || !chip || !*chip || strchr(chip, '/') || n == 0) {
		snprintf(err, errlen,
			 "sim gpio: need a sim_dir, a chip name "
			 "without '/' and at least one line");
		return NULL;
	}
	r = calloc(1, sizeof(*r) + n * sizeof(r->lines[0]));
	if (!r) {
		snprintf(err, errlen, "sim gpio: %s", strerror(errno));
		return NULL;
	}
	if ((size_t)snprintf(r->dir, sizeof(r->dir), "%s/%s", dir, chip) >=
	    sizeof(r->dir)) {
		snprintf(err, errlen, "sim gpio %s: path too long", chip);
		free(r);
		return NULL;
	}
	r->active_low = active_low;
	r->n = n;
	memcpy(r->lines, lines, n * sizeof(lines[0]));
	if (fs_mkdirs(r->dir, 0755) < 0) {
		snprintf(err, errlen, "sim gpio %s: %s: %s", chip, r->dir,
			 strerror(errno));
		free(r);
		return NULL;
	}
	r->fds = malloc(n * sizeof(r->fds[0]));
	for (size_t i = 0; r->fds && i < n; i++)
		r->fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		char path[GPIO_FILE_PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/%u", r->dir, lines[i]);
		if (!r->fds ||
		    gpio_file_write(r, i, (init != 0) != active_low) < 0 ||
		    (r->fds[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			snprintf(err, errlen, "sim gpio %s line %u: %s", chip,
				 lines[i], strerror(errno));
			gpio_file_release(r);
			return NULL;
		}
	}
	return r;
}

/*
 * Only the first byte changes ("0\n" <-> "1\n"), written in place on a
 * descriptor held since the request: a reader never sees half a value,
 * and a line is driven even when the process has no descriptor left.
 */
static int gpio_file_set(struct gpio_req *r, size_t idx, int v)
{
	char c;

	if (!r || idx >= r->n) {
		errno = EINVAL;
		return -1;
	}
	c = (v != 0) != r->active_low ? '1' : '0';
	return pwrite(r->fds[idx], &c, 1, 0) == 1 ? 0 : -1;
}

/* The files stay: like the kernel, the last value outlives the holder. */
static void gpio_file_release(struct gpio_req *r)
{
	for (size_t i = 0; r && r->fds && i < r->n; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	if (r)
		free(r->fds);
	free(r);
}

const struct gpio_ops gpio_file_ops = {
	.name = "sim",
	.request = gpio_file_request,
	.set = gpio_file_set,
	.release = gpio_file_release,
};
