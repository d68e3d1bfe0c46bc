/* config_keys.h: agent.conf's key table, shared by its reader and writer. */
#ifndef PIRACK_CONFIG_KEYS_H
#define PIRACK_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Every key is one row of config_keys: the parser, config_set(), the
 * defaults check and config_write() all walk it, so a key cannot be
 * parsed but not written, nor checked one way here and another elsewhere.
 */
enum key_type { K_ENUM, K_STR, K_INT, K_UINT, K_DOUBLE, K_BOOL, K_LINES };
enum str_kind {
	S_ANY,	  /* anything, may be empty (username, files) */
	S_PATH,	  /* non-empty */
	S_NAME,	  /* [A-Za-z0-9._-]+: chip, sim profile */
	S_NODE,	  /* [A-Za-z0-9_-]+: the node, its id in MQTT and HA */
	S_TOPIC,  /* MQTT topic prefix: no wildcards, no edge '/' */
	S_PWM,	  /* pwmchipN/pwmM */
	S_ZONES,  /* "all" or comma list of names */
	S_SOCKET, /* non-empty, fits sockaddr_un */
};

struct config_key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off, size;
	double min, max;	  /* K_INT, K_UINT, K_DOUBLE */
	const char *const *words; /* K_ENUM, index = enum value */
	enum str_kind kind;	  /* K_STR */
	bool auto_ok; /* K_DOUBLE: "auto" is NAN, the agent's pick */
};

/* inih's line buffer; longer lines are refused, not split. */
#define CONFIG_LINE_MAX 200

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* The longest string value of k that one written line holds. */
size_t config_value_max(const struct config_key *k);

/* Does v read back unchanged from "name = v" (no edge blank, comment)? */
bool config_writable(const struct config_key *k, const char *v);

#endif
