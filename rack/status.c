/* status.c: pirack status: every node's state from the MQTT broker. */
#include <stdio.h>
#include "pirack.h"

const char status_usage[] = "Usage: pirack status [--watch] [--json]\n";

int status_main(struct rack *r, int argc, char **argv)
{
	(void)r; (void)argc; (void)argv;
	fputs("pirack status: not built yet\n", stderr);
	return RACK_EXIT_FAIL;
}
