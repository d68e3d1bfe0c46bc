/* test_rack_inventory.c: rack/inventory.c: good inventories and every
 * refusal, with its exact FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "rack/inventory.h"
#include "fixture.h"

struct fixture {
	char dir[FIXTURE_PATH_MAX];
	char path[FIXTURE_PATH_MAX + 16];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(fixture_mkdtemp(f->dir, sizeof(f->dir), "rack_inv"),
			 0);
	snprintf(f->path, sizeof(f->path), "%s/rack.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fixture_rm(f->dir);
	free(f);
	return 0;
}

static void write_file(const struct fixture *f, const char *text)
{
	FILE *out = fopen(f->path, "w");

	assert_non_null(out);
	fputs(text, out);
	assert_int_equal(fclose(out), 0);
}

/* Loads TEXT; expects failure with "PATH:<suffix>". */
static void expect_error(const struct fixture *f, const char *text,
			 const char *suffix)
{
	struct inventory inv;
	char err[600], want[700];

	write_file(f, text);
	assert_int_equal(inventory_load(f->path, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:%s", f->path, suffix);
	assert_string_equal(err, want);
	assert_null(inv.nodes);
}

static const char good[] = "; a comment\n"
			   "[rack]\n"
			   "name = lab\n"
			   "user = ubuntu\n"
			   "broker = rpi-0\n"
			   "prefix = lab/pirack\n"
			   "fan_line = 14 ; inline comment\n"
			   "\n"
			   "[rpi-0]\n"
			   "address = 192.168.1.100\n"
			   "\n"
			   "[rpi-1]\n"
			   "address = fd00::101\n"
			   "slots = 2\n"
			   "target_c = 65\n"
			   "led_lines = 5\n";

static void test_good(void **state)
{
	struct fixture *f = *state;
	struct inventory inv;
	char err[600];

	write_file(f, good);
	assert_int_equal(inventory_load(f->path, &inv, err, sizeof(err)), 0);
	assert_string_equal(inv.name, "lab");
	assert_string_equal(inv.user, "ubuntu");
	assert_string_equal(inv.broker, "rpi-0");
	assert_string_equal(inv.prefix, "lab/pirack");
	assert_int_equal(inv.nset, 1);
	assert_string_equal(inv.set[0].key, "fan_line");
	assert_string_equal(inv.set[0].value, "14");
	assert_int_equal(inv.set[0].line, 7);
	assert_int_equal(inv.nnodes, 2);
	assert_string_equal(inv.nodes[0].name, "rpi-0");
	assert_string_equal(inv.nodes[0].address, "192.168.1.100");
	assert_int_equal(inv.nodes[0].slots, 4); /* the default */
	assert_int_equal(inv.nodes[0].line, 9);
	assert_string_equal(inv.nodes[1].address, "fd00::101");
	assert_int_equal(inv.nodes[1].slots, 2);
	assert_int_equal(inv.nodes[1].nset, 2);
	assert_string_equal(inv.nodes[1].set[1].key, "led_lines");
	assert_ptr_equal(inventory_node(&inv, "rpi-1"), &inv.nodes[1]);
	assert_null(inventory_node(&inv, "rpi-9"));
	inventory_free(&inv);
}

static void test_defaults_without_rack(void **state)
{
	struct fixture *f = *state;
	struct inventory inv;
	char err[600];

	write_file(f, "[n1]\naddress = 10.0.0.1\n");
	assert_int_equal(inventory_load(f->path, &inv, err, sizeof(err)), 0);
	assert_string_equal(inv.name, "pirack");
	assert_string_equal(inv.prefix, "pirack");
	assert_string_equal(inv.user, "");
	assert_string_equal(inv.broker, "");
	inventory_free(&inv);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct inventory inv;
	char err[600], want[700];

	assert_int_equal(inventory_load(f->path, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", f->path);
	assert_string_equal(err, want);
}

static void test_duplicate_name(void **state)
{
	expect_error(*state,
		     "[rpi-0]\naddress = 10.0.0.1\n\n[rpi-0]\n"
		     "address = 10.0.0.2\n",
		     "4: duplicate node [rpi-0] (first at line 1)");
	/* host names are case-insensitive */
	expect_error(*state, "[rpi-0]\naddress = 10.0.0.1\n[RPI-0]\n",
		     "3: duplicate node [RPI-0] (first at line 1)");
}

static void test_duplicate_address(void **state)
{
	expect_error(*state,
		     "[a]\naddress = 10.0.0.1\n[b]\naddress = 10.0.0.1\n",
		     "4: [b]: address 10.0.0.1 is already a's (line 2)");
	/* the same IPv6 address spelt differently */
	expect_error(*state,
		     "[a]\naddress = fd00::1\n[b]\naddress = fd00:0::0:1\n",
		     "4: [b]: address fd00:0::0:1 is already a's (line 2)");
}

static void test_invalid_address(void **state)
{
	expect_error(*state, "[a]\naddress = 192.168.1.300\n",
		     "2: [a]: address '192.168.1.300' is not an IPv4 or IPv6 "
		     "address");
	expect_error(*state, "[a]\naddress = rpi-0.local\n",
		     "2: [a]: address 'rpi-0.local' is not an IPv4 or IPv6 "
		     "address");
	expect_error(*state, "[a]\naddress = fd00::1::2\n",
		     "2: [a]: address 'fd00::1::2' is not an IPv4 or IPv6 "
		     "address");
	expect_error(*state, "[a]\nslots = 1\n", "1: [a]: no address");
}

static void test_bad_slots(void **state)
{
	expect_error(*state, "[a]\naddress = 10.0.0.1\nslots = 0\n",
		     "3: [a]: slots '0' must be a whole number 1..1024 (MPI "
		     "processes on the node)");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nslots = -4\n",
		     "3: [a]: slots '-4' must be a whole number 1..1024 (MPI "
		     "processes on the node)");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nslots = 4x\n",
		     "3: [a]: slots '4x' must be a whole number 1..1024 (MPI "
		     "processes on the node)");
}

static void test_unknown_key(void **state)
{
	expect_error(*state,
		     "[rack]\nname = x\n\n[a]\naddress = 10.0.0.1\n"
		     "fna_line = 3\n",
		     "6: [a]: unknown key 'fna_line'");
	expect_error(*state, "[rack]\nbrokr = a\n[a]\naddress = 10.0.0.1\n",
		     "2: [rack]: unknown key 'brokr'");
	/* node-only keys are not rack keys */
	expect_error(*state, "[rack]\naddress = 10.0.0.9\n",
		     "2: [rack]: unknown key 'address'");
}

static void test_bad_values(void **state)
{
	expect_error(*state, "[a]\naddress = 10.0.0.1\nfan_line = x\n",
		     "3: [a]: fan_line: 'x' is not a whole number from 0 to "
		     "1023");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nfan_line = 2.5\n",
		     "3: [a]: fan_line: '2.5' is not a whole number from 0 to "
		     "1023");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nled_lines = 1,2\n",
		     "3: [a]: led_lines: must be 1 line (single LED) or 3 "
		     "(red,green,blue)");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nfan_driver = pwn\n",
		     "3: [a]: fan_driver: 'pwn' is not one of gpio, pwm, "
		     "kernel or none");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nmqtt_enabled = maybe\n",
		     "3: [a]: mqtt_enabled: 'maybe' is not true or false");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nmqtt_port = 70000\n",
		     "3: [a]: mqtt_port: '70000' is not a whole number from 1 "
		     "to 65535");
	/* checked on the merged config, reported at the key's line */
	expect_error(*state,
		     "[rack]\ntarget_c = 77\nlimit_c = 60\n\n[a]\n"
		     "address = 10.0.0.1\n",
		     "3: node a: [thermal] limit_c (60) must be above "
		     "target_c (77)");
	/* the node's override is the line that made it inconsistent */
	expect_error(*state,
		     "[rack]\nlimit_c = 90\n\n[a]\naddress = 10.0.0.1\n"
		     "target_c = 95\n",
		     "6: node a: [thermal] limit_c (90) must be above "
		     "target_c (95)");
	/* the agent's ranges, not a second copy of them (was 0..125) */
	expect_error(*state, "[a]\naddress = 10.0.0.1\nlimit_c = 151\n",
		     "3: [a]: limit_c: '151' is not a number from 0 to 150");
}

/* The agent's checks across keys (config_validate), at the key's line. */
static void test_agent_refuses(void **state)
{
	expect_error(*state,
		     "[rack]\nfan_on_c = 85\n\n[a]\naddress = 10.0.0.1\n",
		     "2: node a: [fan] on_c (85) is above [thermal] limit_c "
		     "(80): the fan would start too late");
	expect_error(*state, "[a]\naddress = 10.0.0.1\nled_lines = 14\n",
		     "3: node a: line 14 of gpiochip0 is used by both [fan] "
		     "line and [led] lines");
}

static void test_repeated_keys(void **state)
{
	expect_error(*state, "[a]\naddress = 10.0.0.1\naddress = 10.0.0.2\n",
		     "3: [a]: address given twice (first at line 2)");
	expect_error(*state,
		     "[a]\naddress = 10.0.0.1\ntarget_c = 60\n"
		     "target_c = 61\n",
		     "4: [a]: target_c given twice (first at line 3)");
	expect_error(*state, "[rack]\nuser = a\nuser = b\n",
		     "3: [rack]: user given twice (first at line 2)");
	expect_error(*state, "[rack]\n[a]\naddress = 10.0.0.1\n[rack]\n",
		     "4: [rack] given twice");
}

static void test_syntax_and_names(void **state)
{
	expect_error(*state, "[a]\naddress = 10.0.0.1\njust words\n",
		     "3: syntax error: expected [section], key = value or a "
		     "; comment");
	expect_error(*state, "name = x\n[a]\naddress = 10.0.0.1\n",
		     "1: 'name' outside any section: start with [rack] or a "
		     "node section");
	expect_error(*state, "[rpi_0]\naddress = 10.0.0.1\n",
		     "1: [rpi_0]: a node name is a host name: letters, digits "
		     "and '-', at most 63, not starting or ending in '-'");
	expect_error(*state, "[rack]\nprefix = a/+/b\n",
		     "2: [rack]: prefix 'a/+/b' is not an MQTT topic prefix "
		     "(no wildcards, spaces or empty levels)");
	expect_error(*state, "[rack]\nuser = Bad User\n",
		     "2: [rack]: user 'Bad User' is not a valid user name");
	expect_error(*state,
		     "[rack]\nbroker = no_such\n[a]\n"
		     "address = 10.0.0.1\n",
		     "2: [rack]: broker 'no_such' is neither a node, an "
		     "address nor a host name");
	expect_error(*state, "[rack]\nname = x\n",
		     "2: no nodes: add a section per node, e.g. [rpi-0] with "
		     "address = ...");
	expect_error(*state, "[a]\naddress = 10.0.0.1\n  slots = 2\n",
		     "3: indented line: remove the indentation (it would "
		     "continue the value above)");
}

static void test_long_line(void **state)
{
	char text[600] = "[a]\naddress = 10.0.0.1\nzones = ";

	memset(text + strlen(text), 'z', 300);
	strcat(text, "\n");
	expect_error(*state, text, "3: line is longer than 197 characters");
}

static void test_first_error_wins(void **state)
{
	/* an unknown key on line 2 and a bad slot count on line 4 */
	expect_error(*state, "[a]\nbogus = 1\naddress = 10.0.0.1\nslots = 0\n",
		     "2: [a]: unknown key 'bogus'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_without_rack,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_slots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_agent_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_repeated_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syntax_and_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_first_error_wins, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
