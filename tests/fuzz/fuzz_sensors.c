/* fuzz_sensors.c: sysfs and /proc file contents (sensors_read_at) in a tree. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"
#include "lib/sensors.h"

/*
 * The input is a list of parts, each a length byte and that many bytes
 * (255: the file is missing): the zones setting, then the files below.
 */
static const char *const fuzz_files[] = {
	"sys/class/thermal/thermal_zone0/temp",
	"sys/class/thermal/thermal_zone0/type",
	"sys/class/thermal/thermal_zone1/temp",
	"sys/devices/platform/soc/soc:firmware/get_throttled",
	"sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	"proc/loadavg",
};
#define FUZZ_NFILES (sizeof(fuzz_files) / sizeof(fuzz_files[0]))

static char fuzz_root[64];

static void fuzz_mkdirs(char *path)
{
	for (char *p = path + strlen(fuzz_root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static void fuzz_cleanup(void)
{
	char path[256];

	for (size_t i = 0; i < FUZZ_NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_root, fuzz_files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", fuzz_root);
	if (system(path) != 0)
		fprintf(stderr, "fuzz_sensors: %s failed\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[256];

	(void)argc;
	(void)argv;
	/* tmpfs when there is one: each input rewrites six files */
	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/fuzz_sensors.XXXXXX", tmp);
	if (!mkdtemp(fuzz_root)) {
		perror("fuzz_sensors: mkdtemp");
		exit(1);
	}
	atexit(fuzz_cleanup);
	for (size_t i = 0; i < FUZZ_NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_root, fuzz_files[i]);
		fuzz_mkdirs(path);
	}
	return 0;
}

static void fuzz_write(const char *rel, const uint8_t *text, size_t len,
		       bool missing)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	if (missing) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0, "%s: %s", path, strerror(errno));
	FUZZ_CHECK(write(fd, text, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/* The part at *p: its bytes, or NULL when the file is to be missing. */
static const uint8_t *fuzz_part(const uint8_t **p, const uint8_t *end,
				size_t *len)
{
	const uint8_t *s;

	if (*p >= end) {
		*len = 0;
		return NULL;
	}
	*len = **p;
	(*p)++;
	if (*len == 255) {
		*len = 0;
		return NULL;
	}
	if (*len > (size_t)(end - *p))
		*len = end - *p;
	s = *p;
	*p += *len;
	return s;
}

/* A fault message is one printable ASCII line: it goes to logs and JSON. */
static void fuzz_check_msg(const char *msg)
{
	size_t n = strnlen(msg, 128);

	FUZZ_CHECK(n > 0 && n < 128, "fault_msg empty or unterminated");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(msg[i] >= 0x20 && msg[i] <= 0x7e,
			   "fault_msg has byte 0x%02x: '%s'",
			   (unsigned char)msg[i], msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *z;
	char zones[256], sys[96], proc[96];
	struct sample s;
	size_t len;
	double max = NAN;
	int rc;

	z = fuzz_part(&p, end, &len);
	if (z && !memchr(z, '\0', len)) {
		memcpy(zones, z, len);
		zones[len] = '\0';
	} else {
		strcpy(zones, "all");
	}
	for (size_t i = 0; i < FUZZ_NFILES; i++) {
		const uint8_t *text = fuzz_part(&p, end, &len);

		fuzz_write(fuzz_files[i], text, len, !text);
	}
	snprintf(sys, sizeof(sys), "%s/sys", fuzz_root);
	snprintf(proc, sizeof(proc), "%s/proc", fuzz_root);

	memset(&s, 0xa5, sizeof(s)); /* nothing may be left unset */
	rc = sensors_read_at(sys, proc, zones, &s);
	FUZZ_CHECK(rc == (s.fault ? -1 : 0), "rc %d, fault %d", rc, s.fault);
	if (s.fault)
		fuzz_check_msg(s.fault_msg);
	FUZZ_CHECK(s.nzones <= SAMPLE_MAX_ZONES, "nzones %zu", s.nzones);
	for (size_t i = 0; i < s.nzones; i++) {
		const struct zone *zn = &s.zones[i];

		FUZZ_CHECK(zn->temp_c >= -100 && zn->temp_c <= 200,
			   "zone %s at %g", zn->name, zn->temp_c);
		FUZZ_CHECK(memchr(zn->name, '\0', sizeof(zn->name)) &&
			       memchr(zn->type, '\0', sizeof(zn->type)),
			   "zone name or type unterminated");
		if (isnan(max) || zn->temp_c > max)
			max = zn->temp_c;
	}
	/* Only two zones exist: every zone read is listed. */
	FUZZ_CHECK((isnan(max) && isnan(s.temp_c)) || max == s.temp_c,
		   "temp_c %g, max of zones %g", s.temp_c, max);
	FUZZ_CHECK(s.fault || isfinite(s.temp_c), "no fault, no temperature");
	FUZZ_CHECK(s.cpu_freq_mhz >= -1, "cpu_freq_mhz %d", s.cpu_freq_mhz);
	FUZZ_CHECK(s.load1 == -1 || (isfinite(s.load1) && s.load1 >= 0),
		   "load1 %g", s.load1);
	return 0;
}
