/* test_reload.c: agent/reload.c: which keys changed and what they redo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "agent/reload.h"

/* Defaults over a struct whose every other byte is fill. */
static void config_filled(struct config *c, int fill)
{
	memset(c, fill, sizeof(*c));
	config_defaults(c);
}

static void test_equal_despite_bytes(void **state)
{
	struct config x, y;
	struct reload_diff d;

	(void)state;
	config_filled(&x, 0xaa);
	config_filled(&y, 0x55);
	/* what memcmp saw: padding, bytes after each NUL, unused lines */
	strcpy(x.mqtt.host, "a-much-longer-host-name");
	strcpy(x.mqtt.host, "localhost");
	x.led.nlines = y.led.nlines = 1;
	x.led.lines[2] = 5;
	assert_true(memcmp(&x, &y, sizeof(x)) != 0);
	reload_diff(&x, &y, &d);
	assert_int_equal(d.nchanged, 0);
	assert_int_equal(d.redo, 0);
	assert_string_equal(d.changed, "");
}

struct change {
	void (*edit)(struct config *c);
	const char *changed;
	unsigned redo;
};

static void on_c(struct config *c)
{
	c->fan.on_c = 55;
}
static void fan_line(struct config *c)
{
	c->fan.line = 4;
}
static void fan_none(struct config *c)
{
	c->fan.driver = FAN_DRIVER_NONE;
}
static void led_lines(struct config *c)
{
	c->led.lines[1] = 5;
}
static void host(struct config *c)
{
	strcpy(c->mqtt.host, "broker");
}
static void name(struct config *c)
{
	strcpy(c->node.name, "rpi-9");
}
static void dprefix(struct config *c)
{
	strcpy(c->mqtt.discovery_prefix, "ha");
}
static void sysfs(struct config *c)
{
	strcpy(c->thermal.sysfs_root, "/x");
}
static void zones(struct config *c)
{
	strcpy(c->thermal.zones, "z0");
}
static void sock(struct config *c)
{
	strcpy(c->control.socket, "/x.sock");
}
static void limit(struct config *c)
{
	c->thermal.limit_c = 75;
}

static void test_what_each_key_redoes(void **state)
{
	static const struct change changes[] = {
		{ on_c, "[fan] on_c", 0 },
		{ limit, "[thermal] limit_c", 0 },
		{ zones, "[thermal] zones", 0 },
		{ fan_line, "[fan] line", RELOAD_GPIO },
		{ fan_none, "[fan] driver", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ led_lines, "[led] lines", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ host, "[mqtt] host", RELOAD_MQTT },
		{ name, "[node] name", RELOAD_MQTT | RELOAD_DISCOVERY },
		{ dprefix, "[mqtt] discovery_prefix",
		  RELOAD_MQTT | RELOAD_DISCOVERY },
		{ sysfs, "[thermal] sysfs_root", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ sock, "[control] socket", RELOAD_CONTROL },
	};
	struct config x, y;
	struct reload_diff d;

	(void)state;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		config_filled(&x, 0);
		config_filled(&y, 0xff);
		changes[i].edit(&y);
		reload_diff(&x, &y, &d);
		assert_string_equal(d.changed, changes[i].changed);
		assert_int_equal(d.nchanged, 1);
		assert_int_equal(d.redo, changes[i].redo);
	}
}

static void test_many_changes_cut(void **state)
{
	struct config x, y;
	struct reload_diff d;
	size_t n;

	(void)state;
	config_defaults(&x);
	config_defaults(&y);
	on_c(&y);
	host(&y);
	name(&y);
	reload_diff(&x, &y, &d);
	assert_string_equal(d.changed, "[node] name, [fan] on_c, [mqtt] host");
	assert_int_equal(d.redo, RELOAD_MQTT | RELOAD_DISCOVERY);

	/* every string key: the list ends in "..." and stays in bounds */
	memset(&y, 0, sizeof(y));
	reload_diff(&x, &y, &d);
	assert_true(d.nchanged > 20);
	n = strlen(d.changed);
	assert_true(n < sizeof(d.changed));
	assert_string_equal(d.changed + n - 3, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_despite_bytes),
		cmocka_unit_test(test_what_each_key_redoes),
		cmocka_unit_test(test_many_changes_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
