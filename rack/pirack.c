/* pirack.c: the rack tool: main, global options and the small commands. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agentconf.h"
#include "hosts.h"
#include "inventory.h"
#include "machinefile.h"
#include "pirack.h"
#include "run.h"

static const char usage[] =
    "Usage: pirack [-r FILE] COMMAND [ARGS...]\n"
    "Turns one rack inventory into what each Raspberry Pi of an MPI\n"
    "cluster needs, and shows the rack live from MQTT.\n"
    "\n"
    "Commands:\n"
    "  hosts [--apply FILE]    the /etc/hosts lines, in a marked block\n"
    "  machinefile             MPICH hydra machinefile (NAME:SLOTS)\n"
    "  agent-config NODE       the full agent.conf (pirackd) for NODE\n"
    "  nodes                   NAME ADDRESS SLOTS USER, a node a line\n"
    "  check                   validate the rack file and summarise it\n"
    "  status [--watch] [--json]  every node's state from the broker\n"
    "  run [OPTIONS] -- COMMAND    run COMMAND paced by its node's agent\n"
    "\n"
    "Options:\n"
    "  -r, --rack FILE   rack inventory (default $PIRACK_RACK, else\n"
    "                    " INVENTORY_DEFAULT_PATH ")\n"
    "  -h, --help        this text; 'pirack COMMAND --help' for one command\n"
    "  -V, --version     print the version\n"
    "\n"
    "Exit status: 0 done, 1 failed, 2 bad usage or bad rack file.\n"
    "See pirack(1).\n";

static const char hosts_usage[] =
    "Usage: pirack hosts [--apply FILE]\n"
    "Prints the rack's /etc/hosts lines (ADDRESS NAME) between the lines\n"
    "'" HOSTS_BEGIN " ...' and '" HOSTS_END "'.\n"
    "\n"
    "  -a, --apply FILE  put the block into FILE instead: replace the\n"
    "                    block already there, else append it; everything\n"
    "                    else in FILE is kept. Prints 'FILE: updated' or\n"
    "                    'FILE: unchanged' (nothing is written then).\n";

static const char machinefile_usage[] =
    "Usage: pirack machinefile\n"
    "Prints MPICH hydra's machinefile: NAME:SLOTS, one node a line,\n"
    "for mpiexec -f FILE.\n";

static const char agentconf_usage[] =
    "Usage: pirack agent-config NODE\n"
    "Prints NODE's complete agent.conf for pirackd: the agent's defaults,\n"
    "then the rack's (broker, prefix and rack-wide settings in [rack]),\n"
    "then NODE's own settings. Settings rack.conf may give, in [rack] or\n"
    "a node's section:\n";

static const char nodes_usage[] =
    "Usage: pirack nodes\n"
    "Prints NAME ADDRESS SLOTS USER, tab-separated, one node a line (USER\n"
    "is the rack's SSH user, '-' when unset): for scripts.\n";

static const char check_usage[] =
    "Usage: pirack check\n"
    "Validates the rack file, every node's agent config included, and\n"
    "prints a one-line summary. Errors read FILE:LINE: message.\n";

/* Parses a command's options: only --help, plus what the caller adds. */
static int rack_help_only(int argc, char **argv, const char *text)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(text, stdout);
			if (text == agentconf_usage)
				agentconf_list_keys(stdout);
			exit(0);
		}
		fprintf(stderr, "Try 'pirack %s --help'.\n", argv[0]);
		exit(RACK_EXIT_USAGE);
	}
	return optind;
}

static int rack_load(struct rack *r)
{
	char err[600];

	if (inventory_load(r->file, &r->inv, err, sizeof(err)) < 0) {
		fprintf(stderr, "pirack: %s\n", err);
		return -1;
	}
	return 0;
}

static int cmd_hosts(struct rack *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *apply = NULL;
	char err[600];
	bool changed;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			apply = optarg;
			break;
		case 'h':
			fputs(hosts_usage, stdout);
			return 0;
		default:
			fputs("Try 'pirack hosts --help'.\n", stderr);
			return RACK_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pirack hosts: unexpected argument '%s'\n",
			argv[optind]);
		return RACK_EXIT_USAGE;
	}
	if (rack_load(r) < 0)
		return RACK_EXIT_USAGE;
	if (!apply) {
		hosts_block(&r->inv, stdout);
		return 0;
	}
	if (hosts_apply(&r->inv, apply, &changed, err, sizeof(err)) < 0) {
		fprintf(stderr, "pirack hosts: %s\n", err);
		return RACK_EXIT_FAIL;
	}
	printf("%s: %s\n", apply, changed ? "updated" : "unchanged");
	return 0;
}

static int cmd_machinefile(struct rack *r, int argc, char **argv)
{
	int i = rack_help_only(argc, argv, machinefile_usage);

	if (i < argc) {
		fprintf(stderr,
			"pirack machinefile: unexpected argument "
			"'%s'\n",
			argv[i]);
		return RACK_EXIT_USAGE;
	}
	if (rack_load(r) < 0)
		return RACK_EXIT_USAGE;
	machinefile_write(&r->inv, stdout);
	return 0;
}

static int cmd_agent_config(struct rack *r, int argc, char **argv)
{
	int i = rack_help_only(argc, argv, agentconf_usage);
	const struct inv_node *n;
	char err[600];

	if (argc - i != 1) {
		fputs("pirack agent-config: give one NODE.\n"
		      "Try 'pirack agent-config --help'.\n",
		      stderr);
		return RACK_EXIT_USAGE;
	}
	if (rack_load(r) < 0)
		return RACK_EXIT_USAGE;
	n = inventory_node(&r->inv, argv[i]);
	if (!n) {
		fprintf(stderr, "pirack agent-config: no node '%s' in %s\n",
			argv[i], r->file);
		return RACK_EXIT_USAGE;
	}
	if (agentconf_print(&r->inv, n, stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "pirack agent-config: %s\n", err);
		return RACK_EXIT_FAIL;
	}
	return 0;
}

static int cmd_nodes(struct rack *r, int argc, char **argv)
{
	int i = rack_help_only(argc, argv, nodes_usage);

	if (i < argc) {
		fprintf(stderr, "pirack nodes: unexpected argument '%s'\n",
			argv[i]);
		return RACK_EXIT_USAGE;
	}
	if (rack_load(r) < 0)
		return RACK_EXIT_USAGE;
	for (size_t k = 0; k < r->inv.nnodes; k++) {
		const struct inv_node *n = &r->inv.nodes[k];

		printf("%s\t%s\t%u\t%s\n", n->name, n->address, n->slots,
		       r->inv.user[0] ? r->inv.user : "-");
	}
	return 0;
}

static int cmd_check(struct rack *r, int argc, char **argv)
{
	int i = rack_help_only(argc, argv, check_usage);
	unsigned slots = 0;

	if (i < argc) {
		fprintf(stderr, "pirack check: unexpected argument '%s'\n",
			argv[i]);
		return RACK_EXIT_USAGE;
	}
	if (rack_load(r) < 0)
		return RACK_EXIT_USAGE;
	for (size_t k = 0; k < r->inv.nnodes; k++)
		slots += r->inv.nodes[k].slots;
	printf("%s: rack %s: %zu nodes, %u slots, broker %s, prefix %s\n",
	       r->file, r->inv.name, r->inv.nnodes, slots,
	       r->inv.broker[0] ? r->inv.broker : "(agent default)",
	       r->inv.prefix);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(struct rack *r, int argc, char **argv);
} rack_cmds[] = {
	{ "hosts", cmd_hosts },
	{ "machinefile", cmd_machinefile },
	{ "agent-config", cmd_agent_config },
	{ "nodes", cmd_nodes },
	{ "check", cmd_check },
	{ "status", status_main },
	{ "run", run_main },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rack", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct rack r = { 0 };
	int c, rc;

	r.file = getenv("PIRACK_RACK");
	if (!r.file || !*r.file)
		r.file = INVENTORY_DEFAULT_PATH;
	/* '+': options after COMMAND belong to the command */
	while ((c = getopt_long(argc, argv, "+r:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			r.file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("pirack %s\n", PIRACK_VERSION);
			return 0;
		default:
			fputs("Try 'pirack --help'.\n", stderr);
			return RACK_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("pirack: no command given.\n", stderr);
		fputs(usage, stderr);
		return RACK_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(rack_cmds) / sizeof(rack_cmds[0]); i++) {
		if (strcmp(argv[optind], rack_cmds[i].name) == 0) {
			rc = rack_cmds[i].run(&r, argc - optind, argv + optind);
			inventory_free(&r.inv);
			if (fflush(stdout) == EOF || ferror(stdout)) {
				perror("pirack: writing the output");
				return RACK_EXIT_FAIL;
			}
			return rc;
		}
	}
	fprintf(stderr, "pirack: unknown command '%s'. Try 'pirack --help'.\n",
		argv[optind]);
	return RACK_EXIT_USAGE;
}
