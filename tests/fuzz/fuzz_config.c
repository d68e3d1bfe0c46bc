/* fuzz_config.c: agent.conf (config_load_string): errors and round trip. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/config.h"
#include "fuzz.h"

#define FUZZ_NAME "fuzz.conf"

/* A config that loaded is written out and read back to the same struct. */
static void fuzz_check_round_trip(const struct config *c)
{
	struct config back;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	FUZZ_CHECK(out, "open_memstream");
	rc = config_write(c, out);
	fclose(out);
	FUZZ_CHECK(rc == 0, "config_write refused a config that loaded: %s",
		   strerror(errno));
	rc = config_load_string(FUZZ_NAME, text, len, &back, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "written config does not load: %s\n%s", err, text);
	/* Both start from config_defaults' memset: padding compares too;
	 * the shape of the file (not a setting) may differ. */
	back.file_sections = c->file_sections;
	back.file_keys = c->file_keys;
	back.file_ends_newline = c->file_ends_newline;
	FUZZ_CHECK(!memcmp(c, &back, sizeof(back)),
		   "written config reads back different:\n%s", text);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[512];
	int rc;

	memset(err, 0, sizeof(err));
	rc = config_load_string(FUZZ_NAME, (const char *)data, size, &c, err,
				sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc < 0) {
		fuzz_check_file_error(err, FUZZ_NAME, fuzz_lines(data, size));
		return 0;
	}
	FUZZ_CHECK(!strcmp(c.path, FUZZ_NAME), "path '%s'", c.path);
	/* the target in force (auto: by the lever) is under the limit */
	FUZZ_CHECK(c.thermal.limit_c > config_target_c(&c, true) &&
		       c.thermal.limit_c > config_target_c(&c, false),
		   "limit <= target");
	FUZZ_CHECK(c.fan.off_c < c.fan.on_c, "off_c >= on_c");
	FUZZ_CHECK(c.led.nlines == 1 || c.led.nlines == 3, "nlines %zu",
		   c.led.nlines);
	FUZZ_CHECK(c.node.name[0] && c.mqtt.client_id[0], "empty name or id");
	fuzz_check_round_trip(&c);
	return 0;
}
