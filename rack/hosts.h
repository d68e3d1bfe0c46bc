/* hosts.h: the rack's /etc/hosts lines, as a block that replaces itself. */
#ifndef PIRACK_HOSTS_H
#define PIRACK_HOSTS_H

#include <stdbool.h>
#include <stdio.h>
#include "inventory.h"

#define HOSTS_BEGIN "# BEGIN pirack"
#define HOSTS_END "# END pirack"

/* Writes the marked block: one "ADDRESS<TAB>NAME" line per node. */
void hosts_block(const struct inventory *inv, FILE *out);

/*
 * Puts the block into FILE: replaces an existing block, else appends it;
 * writes nothing when the file already holds it (*changed = false). The
 * rest of the file is kept byte for byte. Returns -1 with a message.
 */
int hosts_apply(const struct inventory *inv, const char *file, bool *changed,
		char *err, size_t errlen);

#endif
