/* inventory.h: the rack inventory (rack.conf): the rack and its nodes. */
#ifndef PIRACK_INVENTORY_H
#define PIRACK_INVENTORY_H

#include <stddef.h>

#define INVENTORY_DEFAULT_PATH "/etc/pirack/rack.conf"
#define INV_NAME_MAX 64
#define INV_ADDR_MAX 64
#define INV_VALUE_MAX 256
#define INV_SETTINGS_MAX 32
#define INV_DEFAULT_SLOTS 4

/* One agent setting (key of agentconf.c's table) and where it was given. */
struct inv_setting {
	char key[32];
	char value[INV_VALUE_MAX];
	unsigned line;
};

struct inv_node {
	char name[INV_NAME_MAX];
	char address[INV_ADDR_MAX];
	unsigned slots;
	unsigned line;				  /* of its [name] header */
	struct inv_setting set[INV_SETTINGS_MAX]; /* overrides */
	size_t nset;
};

struct inventory {
	char path[INV_VALUE_MAX];
	char name[INV_NAME_MAX];   /* [rack] name, default "pirack" */
	char user[INV_NAME_MAX];   /* SSH user, "" = the caller's */
	char broker[INV_NAME_MAX]; /* node name or address, "" = unset */
	char prefix[INV_NAME_MAX]; /* MQTT prefix, default "pirack" */
	/* pirack status's MQTT login; no password file = anonymous */
	char status_username[INV_NAME_MAX]; /* default "pirack" */
	char status_password_file[INV_VALUE_MAX];
	struct inv_setting set[INV_SETTINGS_MAX]; /* rack-wide defaults */
	size_t nset;
	struct inv_node *nodes; /* in file order */
	size_t nnodes;
};

/*
 * Parses and validates FILE. On error returns -1, writes "FILE:LINE:
 * message" into err and leaves *inv empty (nothing to free).
 */
int inventory_load(const char *file, struct inventory *inv, char *err,
		   size_t errlen);
/* The same for an inventory held in memory, named name in messages. */
int inventory_load_string(const char *name, const char *text, size_t len,
			  struct inventory *inv, char *err, size_t errlen);
void inventory_free(struct inventory *inv);
const struct inv_node *inventory_node(const struct inventory *inv,
				      const char *name);

#endif
