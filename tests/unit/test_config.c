/* test_config.c: agent.conf parsing: good, defaults, every kind of bad with
 * its FILE:LINE, and config_write() round trips. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/config.h"

static char tmpl[4096];

/* Writes text to a fresh temp file, loads it; returns config_load's rc. */
static int load(const char *text, struct config *c, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	FILE *f;
	int fd, rc;

	snprintf(tmpl, sizeof(tmpl), "%s/pirack-test-config-XXXXXX", dir);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	rc = config_load(tmpl, c, err, errlen);
	unlink(tmpl);
	return rc;
}

/* The file must be refused with exactly "FILE:" + want. */
static void refused(const char *text, const char *want)
{
	struct config c;
	char err[512], full[4096 + 512];

	assert_int_equal(load(text, &c, err, sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s:%s", tmpl, want);
	assert_string_equal(err, full);
}

static const char full_conf[] = "; every key\n"
				"[node]\n"
				"name = rpi-3\n"
				"[thermal]\n"
				"source = sysfs\n"
				"sysfs_root = /tmp/fake   ; a comment\n"
				"zones = thermal_zone0,thermal_zone1\n"
				"interval_ms = 250\n"
				"target_c = 65.5\n"
				"limit_c = 78\n"
				"[fan]\n"
				"driver = gpio\n"
				"chip = gpiochip4\n"
				"line = 18\n"
				"active_low = yes\n"
				"on_c = 58\n"
				"off_c = 48.5\n"
				"pwm = pwmchip2/pwm1\n"
				"[led]\n"
				"driver = gpio\n"
				"chip = gpiochip0\n"
				"lines = 5, 6, 13\n"
				"[gpio]\n"
				"backend = sim\n"
				"sim_dir = /tmp/gpio\n"
				"[mqtt]\n"
				"enabled = false\n"
				"host = broker.lan\n"
				"port = 8883\n"
				"client_id = my-client\n"
				"username = pi\n"
				"password_file = /etc/pirack/mqtt.pass\n"
				"cafile = /etc/ssl/ca.pem\n"
				"certfile = /etc/ssl/c.pem\n"
				"keyfile = /etc/ssl/c.key\n"
				"prefix = lab/pirack\n"
				"discovery_prefix = ha\n"
				"keepalive_s = 60\n"
				"[control]\n"
				"socket = /tmp/pirack.sock\n"
				"[sim]\n"
				"ambient_c = 22.5\n"
				"time_scale = 30\n";

static void test_full(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	assert_int_equal(load(full_conf, &c, err, sizeof(err)), 0);
	assert_string_equal(c.node.name, "rpi-3");
	assert_int_equal(c.thermal.source, THERMAL_SYSFS);
	assert_string_equal(c.thermal.sysfs_root, "/tmp/fake");
	assert_string_equal(c.thermal.zones, "thermal_zone0,thermal_zone1");
	assert_int_equal(c.thermal.interval_ms, 250);
	assert_true(c.thermal.target_c == 65.5);
	assert_true(c.thermal.limit_c == 78);
	assert_int_equal(c.fan.driver, FAN_DRIVER_GPIO);
	assert_string_equal(c.fan.chip, "gpiochip4");
	assert_int_equal(c.fan.line, 18);
	assert_true(c.fan.active_low);
	assert_true(c.fan.on_c == 58);
	assert_true(c.fan.off_c == 48.5);
	assert_string_equal(c.fan.pwm, "pwmchip2/pwm1");
	assert_int_equal(c.led.nlines, 3);
	assert_int_equal(c.led.lines[0], 5);
	assert_int_equal(c.led.lines[1], 6);
	assert_int_equal(c.led.lines[2], 13);
	assert_int_equal(c.gpio.backend, GPIO_BACKEND_FILE);
	assert_string_equal(c.gpio.sim_dir, "/tmp/gpio");
	assert_false(c.mqtt.enabled);
	assert_string_equal(c.mqtt.host, "broker.lan");
	assert_int_equal(c.mqtt.port, 8883);
	assert_string_equal(c.mqtt.client_id, "my-client");
	assert_string_equal(c.mqtt.username, "pi");
	assert_string_equal(c.mqtt.password_file, "/etc/pirack/mqtt.pass");
	assert_string_equal(c.mqtt.cafile, "/etc/ssl/ca.pem");
	assert_string_equal(c.mqtt.certfile, "/etc/ssl/c.pem");
	assert_string_equal(c.mqtt.keyfile, "/etc/ssl/c.key");
	assert_string_equal(c.mqtt.prefix, "lab/pirack");
	assert_string_equal(c.mqtt.discovery_prefix, "ha");
	assert_int_equal(c.mqtt.keepalive_s, 60);
	assert_string_equal(c.control.socket, "/tmp/pirack.sock");
	assert_true(c.sim.ambient_c == 22.5);
	assert_true(c.sim.time_scale == 30);
	assert_string_equal(c.path, tmpl);
}

/* The file it came from is not a setting: copied before comparing. */
static void same_file(struct config *dst, const struct config *src)
{
	strcpy(dst->path, src->path);
	dst->file_sections = src->file_sections;
	dst->file_keys = src->file_keys;
	dst->file_ends_newline = src->file_ends_newline;
}

static void test_defaults(void **state)
{
	struct config c, d;
	char err[512], host[256] = "", want[80];

	(void)state;
	assert_int_equal(
	    load("; nothing but a comment\n\n", &c, err, sizeof(err)), 0);
	config_defaults(&d);
	same_file(&d, &c);
	assert_memory_equal(&c, &d, sizeof(c));
	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, ".")] = '\0';
	assert_string_equal(c.node.name, host);
	snprintf(want, sizeof(want), "pirack-%s", host);
	assert_string_equal(c.mqtt.client_id, want);
	assert_int_equal(c.thermal.source, THERMAL_SYSFS);
	assert_string_equal(c.thermal.sysfs_root, "/sys");
	assert_string_equal(c.thermal.zones, "all");
	assert_int_equal(c.thermal.interval_ms, 1000);
	/* target_c = auto: 2 K under the limit capping the clock, else 3 */
	assert_true(isnan(c.thermal.target_c) && c.thermal.limit_c == 80);
	assert_true(config_target_c(&c, true) == 78);
	assert_true(config_target_c(&c, false) == 77);
	assert_int_equal(c.fan.driver, FAN_DRIVER_GPIO);
	assert_string_equal(c.fan.chip, "gpiochip0");
	assert_int_equal(c.fan.line, 14);
	assert_false(c.fan.active_low);
	assert_true(c.fan.on_c == 60 && c.fan.off_c == 50);
	assert_string_equal(c.fan.pwm, "pwmchip0/pwm0");
	assert_int_equal(c.led.driver, LED_DRIVER_GPIO);
	assert_int_equal(c.led.nlines, 3);
	assert_int_equal(c.led.lines[0], 17);
	assert_int_equal(c.led.lines[1], 27);
	assert_int_equal(c.led.lines[2], 22);
	assert_int_equal(c.gpio.backend, GPIO_BACKEND_GPIOD);
	assert_string_equal(c.gpio.sim_dir, "/run/pirack/gpio");
	assert_true(c.mqtt.enabled);
	assert_string_equal(c.mqtt.host, "localhost");
	assert_int_equal(c.mqtt.port, 1883);
	assert_string_equal(c.mqtt.username, "");
	assert_string_equal(c.mqtt.prefix, "pirack");
	assert_string_equal(c.mqtt.discovery_prefix, "homeassistant");
	assert_int_equal(c.mqtt.keepalive_s, 30);
	assert_string_equal(c.control.socket, "/run/pirack/agent.sock");
	assert_true(c.sim.ambient_c == 25 && c.sim.time_scale == 1);
}

/* client_id follows the node name wherever [node] is in the file. */
static void test_client_id(void **state)
{
	struct config c, d;
	char err[512];

	(void)state;
	assert_int_equal(load("[mqtt]\nport = 1884\n[node]\nname = rpi-7\n", &c,
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.mqtt.client_id, "pirack-rpi-7");
	assert_int_equal(load("[node]\nname = rpi-7\n[mqtt]\nclient_id =\n", &c,
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.mqtt.client_id, "pirack-rpi-7");
	/* An empty name is the host name, like no name at all. */
	assert_int_equal(load("[node]\nname =\n", &c, err, sizeof(err)), 0);
	config_defaults(&d);
	assert_string_equal(c.node.name, d.node.name);
	assert_string_equal(c.mqtt.client_id, d.mqtt.client_id);
}

static void test_single_led_and_drivers(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	assert_int_equal(load("[led]\nlines = 4\n[fan]\ndriver = pwm\n"
			      "[thermal]\nsource = sim\nsysfs_root = /tmp/x\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.led.nlines, 1);
	assert_int_equal(c.led.lines[0], 4);
	assert_int_equal(c.fan.driver, FAN_DRIVER_PWM);
	assert_int_equal(c.thermal.source, THERMAL_SIM);
	/* The same line on another chip is no clash. */
	assert_int_equal(
	    load("[fan]\nline = 17\nchip = gpiochip1\n", &c, err, sizeof(err)),
	    0);
	/* Nor with the LED off. */
	assert_int_equal(load("[fan]\nline = 17\n[led]\ndriver = none\n", &c,
			      err, sizeof(err)),
			 0);
	assert_int_equal(
	    load("[fan]\nactive_low = TRUE\n", &c, err, sizeof(err)), 0);
	assert_true(c.fan.active_low);
}

static void test_bad_structure(void **state)
{
	char longline[400];

	(void)state;
	refused("[node]\nname = a\n[bogus]\nkey = 1\n",
		"3: unknown section [bogus]; known: node, thermal, fan, led, "
		"gpio, mqtt, control, sim");
	refused("[node]\n[fans]\n",
		"2: unknown section [fans]; known: node, "
		"thermal, fan, led, gpio, mqtt, control, sim");
	refused("[fan]\non_c = 60\nspeed = 3\n", "3: [fan] has no key 'speed'");
	refused("name = x\n[node]\n", "1: 'name' is outside any [section]");
	refused("[fan]\nline = 5\n\n[fan]\nline = 6\n",
		"5: [fan] line is given twice (first on line 2)");
	refused("[fan]\nthis line has no equals sign\n",
		"2: expected '[section]' or 'key = value'");
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[node]\nname = ", 14);
	strcpy(longline + sizeof(longline) - 2, "\n");
	refused(longline, "2: line is longer than 197 characters");
}

static void test_bad_values(void **state)
{
	(void)state;
	refused("[thermal]\nsource = proc\n", "2: [thermal] source 'proc' is "
					      "not one of sysfs or sim");
	refused("[fan]\ndriver = fast\n", "2: [fan] driver 'fast' is not one "
					  "of gpio, pwm, kernel or none");
	refused("[thermal]\ninterval_ms = 5\n",
		"2: [thermal] interval_ms '5' "
		"is not a whole number from 10 to 600000");
	refused("[thermal]\ninterval_ms = 1s\n",
		"2: [thermal] interval_ms "
		"'1s' is not a whole number from 10 to 600000");
	refused("[thermal]\ntarget_c = hot\n",
		"2: [thermal] target_c 'hot' "
		"is not a number from 0 to 150 or auto");
	refused("[fan]\nactive_low = maybe\n", "2: [fan] active_low 'maybe' "
					       "is not true or false");
	refused("[fan]\nline =\n", "2: [fan] line missing line number");
	refused("[fan]\nline = -1\n", "2: [fan] line '-1' is not a whole "
				      "number from 0 to 1023");
	refused("[led]\nlines =\n", "2: [led] lines missing line numbers");
	refused("[led]\nlines = 1,2\n", "2: [led] lines must be 1 line "
					"(single LED) or 3 (red,green,blue)");
	refused("[led]\nlines = 1,2,3,4\n",
		"2: [led] lines must be 1 line "
		"(single LED) or 3 (red,green,blue)");
	refused("[led]\nlines = 1,,3\n", "2: [led] lines has an empty line "
					 "number");
	refused("[led]\nlines = 5,6,5\n", "2: [led] lines names the same line "
					  "twice");
	refused("[led]\nlines = 1,x,3\n", "2: [led] lines must be line numbers "
					  "0-1023, e.g. 17,27,22");
	refused("[node]\nname = my node\n",
		"2: [node] name 'my node' must be "
		"letters, digits, '_' or '-' (it is the node's id in MQTT "
		"topics and Home Assistant, which has no '.')");
	/* rpi.4 would be rpi_4 in Home Assistant: two nodes, one device */
	refused("[node]\nname = rpi.4\n",
		"2: [node] name 'rpi.4' must be "
		"letters, digits, '_' or '-' (it is the node's id in MQTT "
		"topics and Home Assistant, which has no '.')");
	refused("[node]\nname = rpi/0\n",
		"2: [node] name 'rpi/0' must be "
		"letters, digits, '_' or '-' (it is the node's id in MQTT "
		"topics and Home Assistant, which has no '.')");
	refused("[fan]\nchip = gpio/0\n", "2: [fan] chip 'gpio/0' must be "
					  "letters, digits, '.', '_' or '-'");
	refused("[mqtt]\nprefix = a/#\n", "2: [mqtt] prefix 'a/#' must not "
					  "contain MQTT wildcards '+' or '#'");
	refused("[mqtt]\nprefix = /a\n", "2: [mqtt] prefix '/a' must not "
					 "start or end with '/'");
	refused("[mqtt]\nport = 70000\n", "2: [mqtt] port '70000' is not a "
					  "whole number from 1 to 65535");
	refused("[fan]\npwm = pwm0\n", "2: [fan] pwm 'pwm0' must be "
				       "pwmchipN/pwmM");
	refused("[thermal]\nzones = thermal_zone0,,x\n",
		"2: [thermal] zones "
		"'thermal_zone0,,x' has an empty zone name");
	refused("[thermal]\nzones = ../etc\n",
		"2: [thermal] zones '../etc' "
		"must be 'all' or a comma list of zone names, e.g. "
		"thermal_zone0");
	refused("[control]\nsocket = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaa\n",
		"2: [control] socket '/tmp/aaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long for a "
		"Unix socket path");
	refused("[sim]\ntime_scale = 0\n", "2: [sim] time_scale '0' is not a "
					   "number from 0.001 to 10000");
}

/* Cross-key errors name the later of the keys involved. */
static void test_bad_combinations(void **state)
{
	(void)state;
	refused("[fan]\non_c = 55\noff_c = 55\n",
		"3: [fan] off_c (55) must be "
		"below on_c (55): the hysteresis needs a gap");
	refused("[fan]\noff_c = 58\n\n\non_c = 52\n",
		"5: [fan] off_c (58) "
		"must be below on_c (52): the hysteresis needs a gap");
	/* One key given, the other defaulted: the given one's line. */
	refused("\n[fan]\non_c = 45\n",
		"3: [fan] off_c (50) must be below "
		"on_c (45): the hysteresis needs a gap");
	refused("[thermal]\nlimit_c = 75\ntarget_c = 75\n",
		"3: [thermal] "
		"limit_c (75) must be above target_c (75)");
	refused("[thermal]\ntarget_c = 77\nlimit_c = 60\n",
		"3: [thermal] limit_c (60) must be above target_c (77)");
	refused("[thermal]\ntarget_c = 70\nlimit_c = 75\n[fan]\non_c = 76\n"
		"off_c = 50\n",
		"5: [fan] on_c (76) is above [thermal] limit_c (75): the fan "
		"would start too late");
	refused("[fan]\ndriver = pwm\noff_c = 59\n[thermal]\ntarget_c = 50\n"
		"limit_c = 58\n",
		"6: [fan] off_c (59) must be below "
		"[thermal] limit_c (58): the pwm curve runs from one to the "
		"other");
	refused("[led]\nlines = 17,27,22\n[fan]\nline = 27\n",
		"4: line 27 of gpiochip0 is used by both [fan] line and [led] "
		"lines");
	refused("[fan]\nline = 22\n[led]\nlines = 22\n",
		"4: line 22 of gpiochip0 is used by both [fan] line and [led] "
		"lines");
	refused("[mqtt]\ncertfile = /c.pem\n",
		"2: [mqtt] certfile and keyfile "
		"go together: set both or neither");
	refused("[thermal]\nsource = sim\n",
		"2: [thermal] source = sim writes "
		"a fake tree under sysfs_root: point sysfs_root away from "
		"/sys");
}

static void test_missing_file(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	assert_int_equal(
	    config_load("/nonexistent/agent.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/agent.conf: cannot open: No "
				 "such file or directory");
}

/* config_write's output loads back into the very same struct. */
static void roundtrip(const char *text)
{
	struct config a, b;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(load(text, &a, err, sizeof(err)), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(config_write(&a, f), 0);
	fclose(f);
	assert_int_equal(load(buf, &b, err, sizeof(err)), 0);
	same_file(&b, &a);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Every key is written. */
	assert_non_null(strstr(buf, "\n[sim]\nambient_c = "));
	assert_non_null(strstr(buf, "\nkeepalive_s = "));
	assert_non_null(strstr(buf, "\nusername =\n") ||
			strstr(buf, "\nusername = "));
	free(buf);
}

static void test_write_roundtrip(void **state)
{
	(void)state;
	roundtrip(full_conf);
	roundtrip("");
	roundtrip("[led]\nlines = 9\n[thermal]\ntarget_c = 0.1\nlimit_c = "
		  "80.123456789\n");
	roundtrip("[thermal]\ntarget_c = auto\nlimit_c = 60\n");
}

static void test_write_refuses_unwritable(void **state)
{
	struct config c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	config_defaults(&c);
	strcpy(c.mqtt.username, "a ; b"); /* would read back as "a" */
	assert_int_equal(config_write(&c, f), -1);
	fclose(f);
	free(buf);
}

/* config_set: the reader's own per-key checks, *c untouched on error. */
static void test_set_one_key(void **state)
{
	struct config c, before;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "fan", "line", "7", err, sizeof(err)),
			 0);
	assert_int_equal(c.fan.line, 7);
	memcpy(&before, &c, sizeof(c)); /* padding too */
	assert_int_equal(config_set(&c, "thermal", "interval_ms", "600001", err,
				    sizeof(err)),
			 -1);
	assert_string_equal(err, "'600001' is not a whole number from 10 to "
				 "600000");
	assert_int_equal(
	    config_set(&c, "led", "lines", "1,2,3,4", err, sizeof(err)), -1);
	assert_int_equal(
	    config_set(&c, "mqtt", "username", "a ; b", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "fan", "lin", "7", err, sizeof(err)),
			 -1);
	assert_string_equal(err, "[fan] has no key 'lin'");
	assert_memory_equal(&c, &before, sizeof(c));
}

/* config_validate names the keys a failed check is about. */
static void test_validate_keys(void **state)
{
	struct config_keyref keys[2];
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_validate(&c, keys, err, sizeof(err)), 0);
	c.fan.off_c = 65;
	assert_int_equal(config_validate(&c, keys, err, sizeof(err)), -1);
	assert_string_equal(keys[0].section, "fan");
	assert_string_equal(keys[0].key, "on_c");
	assert_string_equal(keys[1].key, "off_c");
	assert_string_equal(err, "[fan] off_c (65) must be below on_c (60): "
				 "the hysteresis needs a gap");
}

/*
 * A refused file still leaves the defaults plus every key that parsed:
 * what pirackd --failsafe drives the fan with.
 */
static void test_refused_keeps_parsed_keys(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	assert_int_equal(load("[thermal]\nbogus = 1\n[fan]\nchip = chip3\n"
			      "line = x\n[gpio]\nbackend = sim\n"
			      "[fan]\non_c = 40\n",
			      &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, ":2: [thermal] has no key 'bogus'"));
	assert_string_equal(c.fan.chip, "chip3");
	assert_int_equal(c.fan.line, 14); /* the bad value: default */
	assert_int_equal(c.gpio.backend, GPIO_BACKEND_FILE);
	assert_true(c.fan.on_c == 40);
}

/*
 * Mutated files (bytes flipped, inserted, deleted; a fixed seed, so a
 * failure reproduces) are either accepted or refused with "FILE:..." and
 * never crash: ASan and valgrind watch the parser here.
 */
static void test_mutations(void **state)
{
	char text[sizeof(full_conf) + 64], err[512], prefix[4200];
	unsigned seed = 12345;
	struct config c;

	(void)state;
	for (int round = 0; round < 1500; round++) {
		size_t len = sizeof(full_conf) - 1;
		int edits = 1 + rand_r(&seed) % 4;

		memcpy(text, full_conf, len + 1);
		for (int e = 0; e < edits; e++) {
			size_t at = rand_r(&seed) % len;
			char ch = "=[]; \n,#x0-9\t\x01\xff"[rand_r(&seed) % 16];

			switch (rand_r(&seed) % 3) {
			case 0:
				text[at] = ch;
				break;
			case 1:
				if (len + 1 < sizeof(text)) {
					memmove(text + at + 1, text + at,
						len - at + 1);
					text[at] = ch;
					len++;
				}
				break;
			default:
				memmove(text + at, text + at + 1, len - at);
				len--;
			}
		}
		text[len] = '\0';
		if (load(text, &c, err, sizeof(err)) == 0)
			continue;
		snprintf(prefix, sizeof(prefix), "%s:", tmpl);
		assert_memory_equal(err, prefix, strlen(prefix));
		assert_true(strlen(err) > strlen(prefix) + 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_client_id),
		cmocka_unit_test(test_single_led_and_drivers),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_combinations),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_write_refuses_unwritable),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_set_one_key),
		cmocka_unit_test(test_validate_keys),
		cmocka_unit_test(test_refused_keeps_parsed_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
