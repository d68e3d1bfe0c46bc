/* test_rack_output.c: what pirack prints: the hosts block and splicing it
 * into a file (rack/hosts.c), the machinefile, and agent configs built
 * from rack defaults and node overrides (rack/agentconf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "rack/agentconf.h"
#include "rack/hosts.h"
#include "rack/inventory.h"
#include "rack/machinefile.h"
#include "fixture.h"

struct fixture {
	char dir[FIXTURE_PATH_MAX];
	char rack[FIXTURE_PATH_MAX + 16];
	char hosts[FIXTURE_PATH_MAX + 16];
	struct inventory inv;
};

static const char rack_text[] = "[rack]\n"
				"name = lab\n"
				"broker = n0\n"
				"prefix = lab\n"
				"fan_line = 4\n"
				"target_c = 65\n"
				"\n"
				"[n0]\n"
				"address = 10.1.2.10\n"
				"\n"
				"[n1]\n"
				"address = 10.1.2.11\n"
				"slots = 2\n"
				"fan_line = 18\n"
				"led_lines = 6\n"
				"gpio_backend = sim\n";

static void write_file(const struct fixture *f, const char *name,
		       const char *text)
{
	fixture_put(f->dir, name, text);
}

static char *read_file(const char *path)
{
	char *buf = fixture_read(path);

	if (!buf)
		fail_msg("%s: cannot read", path);
	return buf;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[600];

	assert_non_null(f);
	assert_int_equal(fixture_mkdtemp(f->dir, sizeof(f->dir), "rack_out"),
			 0);
	snprintf(f->rack, sizeof(f->rack), "%s/rack.conf", f->dir);
	snprintf(f->hosts, sizeof(f->hosts), "%s/hosts", f->dir);
	write_file(f, "rack.conf", rack_text);
	assert_int_equal(inventory_load(f->rack, &f->inv, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	inventory_free(&f->inv);
	/* everything: a failed test may have left a temporary file */
	fixture_rm(f->dir);
	free(f);
	return 0;
}

static char *capture(void (*fn)(const struct inventory *, FILE *),
		     const struct inventory *inv)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(inv, f);
	fclose(f);
	return buf;
}

#define BLOCK                                                                  \
	"# BEGIN pirack (rack lab, from pirack hosts: edits here are "         \
	"lost)\n10.1.2.10\tn0\n10.1.2.11\tn1\n# END pirack\n"

static void test_block(void **state)
{
	struct fixture *f = *state;
	char *out = capture(hosts_block, &f->inv);

	assert_string_equal(out, BLOCK);
	free(out);
}

static void test_machinefile(void **state)
{
	struct fixture *f = *state;
	char *out = capture(machinefile_write, &f->inv);

	assert_string_equal(out, "n0:4\nn1:2\n");
	free(out);
}

static void test_apply_append_then_idempotent(void **state)
{
	struct fixture *f = *state;
	char err[600], *text;
	bool changed;
	struct stat st;

	/* no newline at the end: one is added before the block */
	write_file(f, "hosts", "127.0.0.1\tlocalhost\n::1 localhost");
	chmod(f->hosts, 0640);
	assert_int_equal(
	    hosts_apply(&f->inv, f->hosts, &changed, err, sizeof(err)), 0);
	assert_true(changed);
	text = read_file(f->hosts);
	assert_string_equal(text,
			    "127.0.0.1\tlocalhost\n::1 localhost\n" BLOCK);
	free(text);
	assert_int_equal(stat(f->hosts, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	assert_int_equal(
	    hosts_apply(&f->inv, f->hosts, &changed, err, sizeof(err)), 0);
	assert_false(changed);
}

static void test_apply_replaces_block(void **state)
{
	struct fixture *f = *state;
	char err[600], *text;
	bool changed;

	write_file(f, "hosts",
		   "127.0.0.1 localhost\n"
		   "# BEGIN pirack (old)\n10.9.9.9\told\n# END pirack\n"
		   "10.0.0.5 printer\n");
	assert_int_equal(
	    hosts_apply(&f->inv, f->hosts, &changed, err, sizeof(err)), 0);
	assert_true(changed);
	text = read_file(f->hosts);
	assert_string_equal(text,
			    "127.0.0.1 localhost\n" BLOCK "10.0.0.5 printer\n");
	free(text);
}

static void test_apply_new_file(void **state)
{
	struct fixture *f = *state;
	char err[600], *text;
	bool changed;

	assert_int_equal(
	    hosts_apply(&f->inv, f->hosts, &changed, err, sizeof(err)), 0);
	assert_true(changed);
	text = read_file(f->hosts);
	assert_string_equal(text, BLOCK);
	free(text);
}

static void expect_apply_error(struct fixture *f, const char *content,
			       const char *suffix)
{
	char err[600], want[700], *text;
	bool changed = true;

	write_file(f, "hosts", content);
	assert_int_equal(
	    hosts_apply(&f->inv, f->hosts, &changed, err, sizeof(err)), -1);
	assert_false(changed);
	snprintf(want, sizeof(want), "%s:%s", f->hosts, suffix);
	assert_string_equal(err, want);
	text = read_file(f->hosts); /* nothing lost */
	assert_string_equal(text, content);
	free(text);
}

static void test_apply_refuses_broken_blocks(void **state)
{
	expect_apply_error(*state, "a\n# BEGIN pirack\n1.2.3.4 x\n",
			   "2: '# BEGIN pirack' without a '# END pirack' "
			   "line after it; fix the file by hand");
	expect_apply_error(*state, "a\n# END pirack\n",
			   "2: '# END pirack' without a '# BEGIN pirack' "
			   "line before it; fix the file by hand");
	expect_apply_error(*state,
			   "# BEGIN pirack\n# END pirack\nx\n"
			   "# BEGIN pirack\n# END pirack\n",
			   "4: a second pirack block; remove one by hand");
}

static void test_agentconf_layers(void **state)
{
	struct fixture *f = *state;
	struct config c;
	char err[600];

	assert_int_equal(
	    agentconf_build(&f->inv, &f->inv.nodes[0], &c, err, sizeof(err)),
	    0);
	assert_string_equal(c.node.name, "n0");
	assert_string_equal(c.mqtt.client_id, "pirack-n0");
	assert_string_equal(c.mqtt.host, "10.1.2.10"); /* broker node */
	assert_string_equal(c.mqtt.prefix, "lab");
	assert_int_equal(c.fan.line, 4); /* rack-wide */
	assert_true(c.thermal.target_c == 65);
	assert_int_equal(c.led.nlines, 3); /* agent default */

	assert_int_equal(
	    agentconf_build(&f->inv, &f->inv.nodes[1], &c, err, sizeof(err)),
	    0);
	assert_string_equal(c.node.name, "n1");
	assert_int_equal(c.fan.line, 18); /* node override */
	assert_int_equal(c.led.nlines, 1);
	assert_int_equal(c.led.lines[0], 6);
	assert_int_equal(c.gpio.backend, GPIO_BACKEND_FILE);
	assert_true(c.thermal.target_c == 65); /* rack-wide */
}

static void test_agentconf_print(void **state)
{
	struct fixture *f = *state;
	struct config c;
	char err[600], *buf = NULL, *want = NULL;
	size_t len, wlen;
	FILE *out = open_memstream(&buf, &len);
	FILE *w = open_memstream(&want, &wlen);

	assert_int_equal(
	    agentconf_print(&f->inv, &f->inv.nodes[1], out, err, sizeof(err)),
	    0);
	fclose(out);
	/* a comment line, then exactly what the agent's writer prints */
	assert_int_equal(
	    agentconf_build(&f->inv, &f->inv.nodes[1], &c, err, sizeof(err)),
	    0);
	fprintf(w,
		"; agent.conf for n1, generated by pirack agent-config "
		"from %s\n",
		f->rack);
	config_write(&c, w);
	fclose(w);
	assert_string_equal(buf, want);
	assert_non_null(strstr(buf, "\nline = 18\n"));
	free(buf);
	free(want);
}

static void test_agentconf_set(void **state)
{
	struct config c;
	char err[200];

	(void)state;
	config_defaults(&c);
	assert_true(agentconf_known("fan_line"));
	assert_false(agentconf_known("address"));
	assert_int_equal(
	    agentconf_set(&c, "fan_active_low", "yes", err, sizeof(err)), 0);
	assert_true(c.fan.active_low);
	assert_int_equal(
	    agentconf_set(&c, "led_lines", "1, 2 ,3", err, sizeof(err)), 0);
	assert_int_equal(c.led.nlines, 3);
	assert_int_equal(c.led.lines[2], 3);
	assert_int_equal(
	    agentconf_set(&c, "led_lines", "1,-2,3", err, sizeof(err)), -1);
	assert_int_equal(
	    agentconf_set(&c, "led_lines", "1,2,3,4", err, sizeof(err)), -1);
	assert_string_equal(err, "led_lines: must be 1 line (single LED) or 3 "
				 "(red,green,blue)");
	assert_int_equal(c.led.nlines, 3); /* untouched on error */
	assert_int_equal(
	    agentconf_set(&c, "thermal_source", "sim", err, sizeof(err)), 0);
	assert_int_equal(c.thermal.source, THERMAL_SIM);
	assert_int_equal(
	    agentconf_set(&c, "interval_ms", "5", err, sizeof(err)), -1);
	assert_string_equal(err, "interval_ms: '5' is not a whole number from "
				 "10 to 600000");
}

static void test_agentconf_mqtt_login(void **state)
{
	struct fixture *f = *state;
	struct inventory inv;
	struct config c;
	char err[600];

	/* with a password file, each node logs in by its name (the ACL's) */
	write_file(f, "rack.conf",
		   "[rack]\nmqtt_password_file = /etc/pirack/pw\n"
		   "[n0]\naddress = 10.0.0.1\n[n1]\naddress = 10.0.0.2\n"
		   "mqtt_username = rack-{node}\n"
		   "mqtt_certfile = /etc/pirack/{node}.crt\n"
		   "mqtt_keyfile = /etc/pirack/{node}.key\n");
	assert_int_equal(inventory_load(f->rack, &inv, err, sizeof(err)), 0);
	assert_int_equal(
	    agentconf_build(&inv, &inv.nodes[0], &c, err, sizeof(err)), 0);
	assert_string_equal(c.mqtt.username, "n0");
	assert_string_equal(c.mqtt.password_file, "/etc/pirack/pw");
	assert_int_equal(
	    agentconf_build(&inv, &inv.nodes[1], &c, err, sizeof(err)), 0);
	assert_string_equal(c.mqtt.username, "rack-n1");
	assert_string_equal(c.mqtt.certfile, "/etc/pirack/n1.crt");
	assert_string_equal(inv.status_username, "pirack");
	inventory_free(&inv);

	/* no password file: no user name either */
	assert_int_equal(
	    agentconf_build(&f->inv, &f->inv.nodes[0], &c, err, sizeof(err)),
	    0);
	assert_string_equal(c.mqtt.username, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_machinefile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_append_then_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_replaces_block,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_new_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_refuses_broken_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agentconf_layers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_agentconf_print, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_agentconf_set, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_agentconf_mqtt_login,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
