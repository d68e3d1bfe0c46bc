/* fan_dev.c: the fan devices: a gpio line, sysfs pwm, the kernel's fan. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fan.h"

#define FAN_PATH_MAX 512
/* 25 kHz: the standard for 4-pin fans, above hearing for 2-pin ones. */
#define FAN_PWM_PERIOD_NS 40000

struct fan_dev {
	enum fan_driver driver;
	const struct gpio_ops *gpio;
	struct gpio_req *req;
	char path[FAN_PATH_MAX];     /* pwm: the pwmN dir; kernel: device */
	long max_state;		     /* kernel */
	int duty_fd;		     /* pwm: duty_cycle, held open */
	int applied;		     /* last duty driven, -1 = none yet */
	char err[FAN_PATH_MAX + 64]; /* why the last fan_apply failed */
};

static int fan_write(const char *dir, const char *attr, long v, char *err,
		     size_t errlen)
{
	char path[FAN_PATH_MAX + 32], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	/* O_TRUNC matters only for a fake tree; sysfs ignores it. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, n) != n) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	if (close(fd) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int fan_read_long(const char *path, long *v)
{
	char buf[32], *end;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -1;
	return 0;
}

/*
 * "pwmchip0/pwm1" under <root>/class/pwm: exports channel 1 when its
 * directory is missing, then sets period, duty 0 and enable.
 */
static int fan_pwm_open(struct fan_dev *f, const struct config *c, char *err,
			size_t errlen)
{
	char chipdir[FAN_PATH_MAX], chip[CONFIG_NAME_MAX];
	char duty[FAN_PATH_MAX + 16];
	const char *slash = strchr(c->fan.pwm, '/');
	unsigned chan;
	char extra;
	struct stat st;

	if (!slash || slash == c->fan.pwm ||
	    (size_t)(slash - c->fan.pwm) >= sizeof(chip) ||
	    sscanf(slash + 1, "pwm%u%c", &chan, &extra) != 1) {
		snprintf(err, errlen, "fan pwm '%s': want pwmchipN/pwmM",
			 c->fan.pwm);
		return -1;
	}
	memcpy(chip, c->fan.pwm, slash - c->fan.pwm);
	chip[slash - c->fan.pwm] = '\0';
	snprintf(chipdir, sizeof(chipdir), "%s/class/pwm/%s",
		 c->thermal.sysfs_root, chip);
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", chipdir,
			     slash + 1) >= sizeof(f->path)) {
		snprintf(err, errlen, "fan pwm: path too long");
		return -1;
	}
	if (stat(f->path, &st) < 0) {
		if (fan_write(chipdir, "export", chan, err, errlen) < 0)
			return -1;
		/* The kernel creates the channel's directory in export. */
		if (stat(f->path, &st) < 0) {
			snprintf(err, errlen, "%s: missing after export: %s",
				 f->path, strerror(errno));
			return -1;
		}
	}
	/* duty first: the kernel refuses a period shorter than the duty */
	if (fan_write(f->path, "duty_cycle", 0, err, errlen) < 0 ||
	    fan_write(f->path, "period", FAN_PWM_PERIOD_NS, err, errlen) < 0 ||
	    fan_write(f->path, "enable", 1, err, errlen) < 0)
		return -1;
	/*
	 * Held from here on: out of descriptors (a flood of clients), the
	 * fan must still be driven.
	 */
	snprintf(duty, sizeof(duty), "%s/duty_cycle", f->path);
	f->duty_fd = open(duty, O_WRONLY | O_CLOEXEC);
	if (f->duty_fd < 0) {
		snprintf(err, errlen, "%s: %s", duty, strerror(errno));
		return -1;
	}
	return 0;
}

/* Each write is one store in sysfs; a fake tree's file is cut to it. */
static int fan_write_duty(struct fan_dev *f, long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", v);
	struct stat st;

	if (pwrite(f->duty_fd, buf, n, 0) != n ||
	    (fstat(f->duty_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     ftruncate(f->duty_fd, n) < 0)) {
		snprintf(f->err, sizeof(f->err), "%s/duty_cycle: %s", f->path,
			 strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static int fan_cdev_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "cooling_device", 14) == 0;
}

/* The first cooling device whose type names a fan (pwm-fan, gpio-fan). */
static int fan_kernel_open(struct fan_dev *f, const struct config *c, char *err,
			   size_t errlen)
{
	char dir[FAN_PATH_MAX], path[FAN_PATH_MAX + 300], type[64];
	struct dirent **list;
	int n, found = 0;

	snprintf(dir, sizeof(dir), "%s/class/thermal", c->thermal.sysfs_root);
	n = scandir(dir, &list, fan_cdev_filter, versionsort);
	if (n < 0) {
		snprintf(err, errlen, "fan kernel: %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/type", dir,
			 list[i]->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, type, sizeof(type) - 1) : -1;
		if (fd >= 0)
			close(fd);
		type[len > 0 ? len : 0] = '\0';
		if (!found && strstr(type, "fan") &&
		    (size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir,
				     list[i]->d_name) < sizeof(f->path))
			found = 1;
		free(list[i]);
	}
	free(list);
	if (!found) {
		snprintf(err, errlen,
			 "fan kernel: no fan cooling device "
			 "(type *fan*) under %s",
			 dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/max_state", f->path);
	if (fan_read_long(path, &f->max_state) < 0 || f->max_state <= 0) {
		snprintf(err, errlen, "fan kernel: %s: unreadable or zero",
			 path);
		return -1;
	}
	return 0;
}

struct fan_dev *fan_open(const struct config *c, const struct gpio_ops *g,
			 char *err, size_t errlen)
{
	struct fan_dev *f = calloc(1, sizeof(*f));
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "fan: %s", strerror(errno));
		return NULL;
	}
	f->driver = c->fan.driver;
	f->gpio = g;
	f->applied = -1;
	f->duty_fd = -1;
	switch (c->fan.driver) {
	case FAN_DRIVER_GPIO:
		/* Requested ON: the fan runs until a first valid reading. */
		f->req = g->request(c->gpio.sim_dir, c->fan.chip, &c->fan.line,
				    1, c->fan.active_low, 1, err, errlen);
		if (f->req)
			f->applied = 100;
		rc = f->req ? 0 : -1;
		break;
	case FAN_DRIVER_PWM:
		rc = fan_pwm_open(f, c, err, errlen);
		if (rc == 0)
			rc = fan_apply(f, 100);
		break;
	case FAN_DRIVER_KERNEL:
		rc = fan_kernel_open(f, c, err, errlen);
		break;
	case FAN_DRIVER_NONE:
		break;
	}
	if (rc < 0) {
		if (f->duty_fd >= 0)
			close(f->duty_fd);
		free(f);
		return NULL;
	}
	return f;
}

int fan_apply(struct fan_dev *f, int duty)
{
	int rc = 0;

	if (!f)
		return -1;
	if (duty < 0)
		duty = 0;
	if (duty > 100)
		duty = 100;
	/* Unchanged: no syscalls, the loop calls this every tick. */
	if (duty == f->applied)
		return 0;
	switch (f->driver) {
	case FAN_DRIVER_GPIO:
		rc = f->gpio->set(f->req, 0, duty > 0);
		if (rc < 0)
			snprintf(f->err, sizeof(f->err), "fan gpio line: %s",
				 strerror(errno));
		break;
	case FAN_DRIVER_PWM:
		rc = fan_write_duty(f, (long)FAN_PWM_PERIOD_NS * duty / 100);
		break;
	case FAN_DRIVER_KERNEL:
	case FAN_DRIVER_NONE:
		break;
	}
	if (rc == 0)
		f->applied = duty;
	return rc;
}

const char *fan_last_error(const struct fan_dev *f)
{
	return f && f->err[0] ? f->err : "no error";
}

int fan_read_kernel(struct fan_dev *f)
{
	char path[FAN_PATH_MAX + 16];
	long cur;

	if (!f || f->driver != FAN_DRIVER_KERNEL)
		return -1;
	snprintf(path, sizeof(path), "%s/cur_state", f->path);
	if (fan_read_long(path, &cur) < 0 || cur < 0)
		return -1;
	if (cur > f->max_state)
		cur = f->max_state;
	return (int)((cur * 100 + f->max_state / 2) / f->max_state);
}

/*
 * Leaves the fan as it is: gpio lines keep their value after release and
 * the pwm stays enabled, so stopping the agent never stops the fan.
 */
void fan_close(struct fan_dev *f)
{
	if (!f)
		return;
	if (f->req)
		f->gpio->release(f->req);
	if (f->duty_fd >= 0)
		close(f->duty_fd);
	free(f);
}
