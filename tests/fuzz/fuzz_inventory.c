/* fuzz_inventory.c: rack.conf (inventory_load_string): errors, agent.confs. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rack/agentconf.h"
#include "lib/config.h"
#include "fuzz.h"
#include "rack/inventory.h"

#define FUZZ_NAME "rack.conf"

/* Every node of an inventory that loads gets an agent.conf pirackd takes. */
static void fuzz_check_node(const struct inventory *inv,
			    const struct inv_node *n)
{
	struct config c;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	FUZZ_CHECK(out, "open_memstream");
	FUZZ_CHECK(n->name[0] && n->address[0] && n->slots >= 1,
		   "node '%s' address '%s' slots %u", n->name, n->address,
		   n->slots);
	FUZZ_CHECK(inventory_node(inv, n->name) == n,
		   "node '%s' not found "
		   "by its name",
		   n->name);
	rc = agentconf_print(inv, n, out, err, sizeof(err));
	fclose(out);
	FUZZ_CHECK(rc == 0, "no agent.conf for [%s]: %s", n->name, err);
	rc = config_load_string("agent.conf", text, len, &c, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "[%s]'s agent.conf refused by pirackd: %s\n%s",
		   n->name, err, text);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory inv;
	char err[1024];
	int rc;

	memset(err, 0, sizeof(err));
	rc = inventory_load_string(FUZZ_NAME, (const char *)data, size, &inv,
				   err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc < 0) {
		fuzz_check_file_error(err, FUZZ_NAME, fuzz_lines(data, size));
		FUZZ_CHECK(!inv.nodes && !inv.nnodes, "failed load kept nodes");
		return 0;
	}
	FUZZ_CHECK(inv.nnodes >= 1, "an inventory without nodes loaded");
	for (size_t i = 0; i < inv.nnodes; i++)
		fuzz_check_node(&inv, &inv.nodes[i]);
	inventory_free(&inv);
	return 0;
}
