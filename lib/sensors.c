/* sensors.c: reads thermal zones, Pi throttle flags, cpufreq and load. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sensors.h"
#include "throttle.h"

#define SENSORS_PATH_MAX 512

/* Records the first fault only: it is the one that explains the others. */
static void sensors_fault(struct sample *s, const char *fmt, ...)
{
	va_list ap;

	if (s->fault)
		return;
	s->fault = true;
	va_start(ap, fmt);
	vsnprintf(s->fault_msg, sizeof(s->fault_msg), fmt, ap);
	va_end(ap);
	/*
	 * It quotes what a garbled file held: keep it one printable line,
	 * as it goes to the log and, as JSON, to MQTT (no invalid UTF-8).
	 */
	for (char *p = s->fault_msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

/*
 * Reads a small file whole, without stdio: sysfs attributes are a few
 * bytes and this runs every tick. Only a regular file is read: a FIFO or
 * a device in its place would block the reader (EINVAL). Returns the
 * length, or -1 with errno; a NUL byte inside makes it EILSEQ, so that
 * "40000\0 85000" cannot pass for 40000.
 */
static ssize_t sensors_slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	if (strlen(buf) != (size_t)got) {
		errno = EILSEQ;
		return -1;
	}
	return got;
}

/* Trailing whitespace (the kernel's newline) stripped; nothing else. */
static void sensors_chomp(char *buf)
{
	size_t n = strlen(buf);

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
			 buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
}

/* A whole-string integer in base; false on anything else. */
static bool sensors_parse_long(const char *str, int base, long long *out)
{
	char *end;

	if (*str == '\0' || *str == ' ' || *str == '\t')
		return false;
	errno = 0;
	*out = strtoll(str, &end, base);
	return errno == 0 && end != str && *end == '\0';
}

/*
 * Reads an integer attribute. Returns 0 on success, -1 when the file is
 * missing or unreadable (errno set), -2 when it holds no such number.
 */
static int sensors_read_int(const char *path, int base, long long *out,
			    char *text, size_t textlen)
{
	if (sensors_slurp(path, text, textlen) < 0)
		return -1;
	sensors_chomp(text);
	if (!sensors_parse_long(text, base, out))
		return -2;
	return 0;
}

/* Shortens "what=garbage" for a message that must fit in fault_msg. */
static const char *sensors_quote(char *text)
{
	if (strlen(text) > 16)
		strcpy(text + 13, "...");
	return text;
}

static void sensors_read_zone(const struct sensors_opts *o, const char *name,
			      struct sample *s, double *max)
{
	const char *root = o->sysfs_root;
	char path[SENSORS_PATH_MAX], text[64];
	long long milli;
	int rc;

	snprintf(path, sizeof(path), "%s/class/thermal/%s/temp", root, name);
	rc = sensors_read_int(path, 10, &milli, text, sizeof(text));
	if (rc == -1) {
		sensors_fault(s, "class/thermal/%s/temp: %s", name,
			      errno == EINVAL	? "not a regular file"
			      : errno == EILSEQ ? "holds a NUL byte"
						: strerror(errno));
		return;
	}
	if (rc == -2) {
		sensors_fault(s, "class/thermal/%s/temp: not a number: '%s'",
			      name, sensors_quote(text));
		return;
	}
	double t = milli / 1000.0;
	if (t < o->min_c || t > o->max_c) {
		sensors_fault(s,
			      "class/thermal/%s/temp: implausible %.1f C "
			      "(outside %g to %g)",
			      name, t, o->min_c, o->max_c);
		return;
	}
	if (isnan(*max) || t > *max)
		*max = t;
	if (s->nzones >= SAMPLE_MAX_ZONES)
		return; /* counted in the max, just not listed */

	struct zone *z = &s->zones[s->nzones++];
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->temp_c = t;
	/*
	 * The type only labels the zone: a missing one must not turn the
	 * fan full on, so it is read leniently.
	 */
	snprintf(path, sizeof(path), "%s/class/thermal/%s/type", root, name);
	if (sensors_slurp(path, text, sizeof(text)) < 0)
		text[0] = '\0';
	sensors_chomp(text);
	snprintf(z->type, sizeof(z->type), "%s", text);
	/* a label for JSON and the log: printable ASCII only */
	for (char *p = z->type; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

static int sensors_zone_filter(const struct dirent *d)
{
	const char *p = d->d_name + strlen("thermal_zone");

	if (strncmp(d->d_name, "thermal_zone", strlen("thermal_zone")) != 0 ||
	    *p == '\0')
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static void sensors_read_all_zones(const struct sensors_opts *o,
				   struct sample *s, double *max)
{
	const char *root = o->sysfs_root;
	char path[SENSORS_PATH_MAX];
	struct dirent **list;
	int n;

	snprintf(path, sizeof(path), "%s/class/thermal", root);
	/* versionsort: thermal_zone2 before thermal_zone10 */
	n = scandir(path, &list, sensors_zone_filter, versionsort);
	if (n < 0) {
		sensors_fault(s, "class/thermal: %s", strerror(errno));
		return;
	}
	if (n == 0)
		sensors_fault(s, "class/thermal: no thermal_zone* found");
	for (int i = 0; i < n; i++) {
		sensors_read_zone(o, list[i]->d_name, s, max);
		free(list[i]);
	}
	free(list);
}

/* zones: "thermal_zone0, thermal_zone3"; names are checked, not trusted. */
static void sensors_read_listed_zones(const struct sensors_opts *o,
				      struct sample *s, double *max)
{
	const char *zones = o->zones, *p = zones;
	char name[ZONE_NAME_MAX];
	bool any = false;

	while (*p) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			break;
		if (len >= sizeof(name) || memchr(p, '/', len) ||
		    (len <= 2 && p[0] == '.')) {
			sensors_fault(s, "zones: bad zone name '%.*s'",
				      (int)(len < 24 ? len : 24), p);
		} else {
			memcpy(name, p, len);
			name[len] = '\0';
			sensors_read_zone(o, name, s, max);
			any = true;
		}
		p += len;
		p += strcspn(p, ",");
	}
	if (!any)
		sensors_fault(s, "zones: no zone named in '%.32s'", zones);
}

#define THROTTLE_FILE "devices/platform/soc/soc:firmware/get_throttled"

static void sensors_read_throttle(const char *root, struct sample *s)
{
	char path[SENSORS_PATH_MAX], text[64];
	long long raw;
	int rc;

	memset(&s->throttle, 0, sizeof(s->throttle));
	snprintf(path, sizeof(path), "%s/" THROTTLE_FILE, root);
	rc = sensors_read_int(path, 16, &raw, text, sizeof(text));
	if (rc == -1) {
		/* Not a Pi (or old firmware driver): simply unknown. */
		if (errno != ENOENT && errno != ENOTDIR)
			sensors_fault(s, THROTTLE_FILE ": %s", strerror(errno));
		return;
	}
	if (rc == -2 || raw < 0 || raw > 0xffffffffLL) {
		sensors_fault(s, THROTTLE_FILE ": not a hex word: '%s'",
			      sensors_quote(text));
		return;
	}
	throttle_decode((uint32_t)raw, &s->throttle);
}

static int sensors_cpu_filter(const struct dirent *d)
{
	const char *p = d->d_name + 3;

	if (strncmp(d->d_name, "cpu", 3) != 0 || *p == '\0')
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* The fastest core's current frequency: what heats the chip most. */
static void sensors_read_cpufreq(const char *root, struct sample *s)
{
	char path[SENSORS_PATH_MAX], text[64];
	struct dirent **list;
	long long khz;
	int n;

	s->cpu_freq_mhz = -1;
	snprintf(path, sizeof(path), "%s/devices/system/cpu", root);
	n = scandir(path, &list, sensors_cpu_filter, versionsort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path),
			 "%s/devices/system/cpu/%s/cpufreq/scaling_cur_freq",
			 root, list[i]->d_name);
		int rc = sensors_read_int(path, 10, &khz, text, sizeof(text));
		if (rc == -2 || (rc == 0 && (khz < 0 || khz > 100000000))) {
			sensors_fault(s,
				      "devices/system/cpu/%s/cpufreq/"
				      "scaling_cur_freq: garbled",
				      list[i]->d_name);
		} else if (rc == 0 && khz / 1000 > s->cpu_freq_mhz) {
			s->cpu_freq_mhz = (int)(khz / 1000);
		}
		free(list[i]);
	}
	free(list);
}

static void sensors_read_load(const char *proc_root, struct sample *s)
{
	char path[SENSORS_PATH_MAX], text[128], *end;
	double v;

	s->load1 = -1;
	snprintf(path, sizeof(path), "%s/loadavg", proc_root);
	if (sensors_slurp(path, text, sizeof(text)) < 0)
		return;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || (*end != ' ' && *end != '\n') ||
	    !isfinite(v) || v < 0) {
		sensors_fault(s, "%s/loadavg: garbled", proc_root);
		return;
	}
	s->load1 = v;
}

int sensors_read_opts(const struct sensors_opts *opts, struct sample *s)
{
	struct sensors_opts o = *opts;
	double max = NAN;

	if (!o.sysfs_root || !*o.sysfs_root)
		o.sysfs_root = "/sys";
	if (!o.proc_root || !*o.proc_root)
		o.proc_root = "/proc";
	s->fault = false;
	s->fault_msg[0] = '\0';
	s->nzones = 0;
	if (!o.zones || !*o.zones || strcmp(o.zones, "all") == 0)
		sensors_read_all_zones(&o, s, &max);
	else
		sensors_read_listed_zones(&o, s, &max);
	s->temp_c = max;
	sensors_read_throttle(o.sysfs_root, s);
	sensors_read_cpufreq(o.sysfs_root, s);
	sensors_read_load(o.proc_root, s);
	return s->fault ? -1 : 0;
}

int sensors_read_at(const char *sysfs_root, const char *proc_root,
		    const char *zones, struct sample *s)
{
	struct sensors_opts o = {
		.sysfs_root = sysfs_root,
		.proc_root = proc_root,
		.zones = zones,
		.min_c = SENSORS_MIN_C_DEFAULT,
		.max_c = SENSORS_MAX_C_DEFAULT,
	};

	return sensors_read_opts(&o, s);
}

int sensors_read(const char *sysfs_root, const char *zones, struct sample *s)
{
	return sensors_read_at(sysfs_root, NULL, zones, s);
}

int sensors_sim_clock(const char *sysfs_root, long long *us)
{
	char path[SENSORS_PATH_MAX], text[32];

	snprintf(path, sizeof(path), "%s/" SENSORS_SIM_CLOCK, sysfs_root);
	if (sensors_read_int(path, 10, us, text, sizeof(text)) < 0 || *us < 0)
		return -1;
	return 0;
}
