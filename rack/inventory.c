/* inventory.c: parses and validates the rack inventory (libinih). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "agentconf.h"
#include "iniread.h"
#include "inventory.h"

#define INV_SLOTS_MAX 1024
#define NRACK_KEYS 6

/* What the parse has seen so far: inih gives no line numbers, we count. */
struct inv_parse {
	struct inventory *inv;
	struct iniread rd;		/* rd.line: the line inih is handling */
	char section[INV_NAME_MAX + 2]; /* as our reader saw the header */
	bool in_rack, rack_seen;
	struct inv_node *cur; /* NULL outside a node section */
	size_t cap;
	unsigned rack_key_line[NRACK_KEYS]; /* where each was given */
	unsigned slots_line;
	unsigned *addr_lines; /* per node, for duplicate messages */
	char err[512];
	unsigned errline; /* 0 = no error yet */
};

static const char *const rack_keys[] = { "name",
					 "user",
					 "broker",
					 "prefix",
					 "status_username",
					 "status_password_file" };

static void inv_error(struct inv_parse *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void inv_error(struct inv_parse *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (p->errline && p->errline <= line)
		return; /* keep the first error in the file */
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	p->errline = line;
}

/* A host name label: letters, digits, '-', not at either end. */
static bool inv_valid_label(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static bool inv_valid_hostname(const char *s)
{
	char buf[INV_VALUE_MAX], *save, *label;

	if (strlen(s) >= sizeof(buf) || strlen(s) > 253 || !*s)
		return false;
	strcpy(buf, s);
	if (buf[strlen(buf) - 1] == '.' || buf[0] == '.' || strstr(buf, ".."))
		return false;
	for (label = strtok_r(buf, ".", &save); label;
	     label = strtok_r(NULL, ".", &save))
		if (!inv_valid_label(label))
			return false;
	return true;
}

/* Parses an IPv4 or IPv6 address into a comparable 17-byte key. */
static bool inv_parse_addr(const char *s, unsigned char key[17])
{
	memset(key, 0, 17);
	if (inet_pton(AF_INET, s, key + 1) == 1) {
		key[0] = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, key + 1) == 1) {
		key[0] = 6;
		return true;
	}
	return false;
}

static bool inv_valid_user(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

/* An MQTT topic prefix: levels without wildcards, no empty level. */
static bool inv_valid_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//"))
		return false;
	return strpbrk(s, "+# \t") == NULL;
}

static void inv_section(struct inv_parse *p, const char *name)
{
	struct inventory *inv = p->inv;
	struct inv_node *n;

	p->cur = NULL;
	p->in_rack = false;
	if (strcmp(name, "rack") == 0) {
		if (p->rack_seen)
			inv_error(p, p->rd.line, "[rack] given twice");
		p->rack_seen = p->in_rack = true;
		return;
	}
	if (!inv_valid_label(name)) {
		inv_error(p, p->rd.line,
			  "[%s]: a node name is a host name: letters, digits "
			  "and '-', at most 63, not starting or ending in '-'",
			  name);
		return;
	}
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (strcasecmp(inv->nodes[i].name, name) == 0) {
			inv_error(p, p->rd.line,
				  "duplicate node [%s] (first at line %u)",
				  name, inv->nodes[i].line);
			return;
		}
	}
	if (inv->nnodes == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		void *nodes = realloc(inv->nodes, cap * sizeof(*inv->nodes));
		void *lines = realloc(p->addr_lines, cap * sizeof(unsigned));

		if (nodes)
			inv->nodes = nodes;
		if (lines)
			p->addr_lines = lines;
		if (!nodes || !lines) {
			inv_error(p, p->rd.line, "out of memory");
			return;
		}
		p->cap = cap;
	}
	n = &inv->nodes[inv->nnodes];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, strlen(name) + 1); /* a label: <= 63 */
	n->line = p->rd.line;
	n->slots = INV_DEFAULT_SLOTS;
	p->addr_lines[inv->nnodes] = 0;
	p->slots_line = 0;
	inv->nnodes++;
	p->cur = n;
}

/* The reader's own refusals: an over-long line, a NUL byte. */
static void inv_read_error(void *user, unsigned line, const char *msg)
{
	inv_error(user, line, "%s", msg);
}

/* Each header, so that errors can name it and empty nodes count. */
static void inv_read_section(void *user, const char *name)
{
	struct inv_parse *p = user;

	if (strlen(name) >= sizeof(p->section)) {
		inv_error(p, p->rd.line, "section name too long");
		p->section[0] = '\0';
		p->cur = NULL;
		p->in_rack = false;
		return;
	}
	strcpy(p->section, name);
	inv_section(p, p->section);
}

/* Records an agent setting, refusing a repeated key or a bad value. */
static void inv_setting(struct inv_parse *p, struct inv_setting *set,
			size_t *nset, const char *key, const char *value)
{
	struct config scratch;
	char msg[400];

	for (size_t i = 0; i < *nset; i++) {
		if (strcmp(set[i].key, key) == 0) {
			inv_error(p, p->rd.line,
				  "[%s]: %s given twice (first at "
				  "line %u)",
				  p->section, key, set[i].line);
			return;
		}
	}
	if (strlen(value) >= sizeof(set->value)) {
		inv_error(p, p->rd.line, "[%s]: %s: value too long", p->section,
			  key);
		return;
	}
	config_defaults(&scratch);
	if (agentconf_set(&scratch, key, value, msg, sizeof(msg)) < 0) {
		inv_error(p, p->rd.line, "[%s]: %s", p->section, msg);
		return;
	}
	if (*nset == INV_SETTINGS_MAX) {
		inv_error(p, p->rd.line, "[%s]: more than %d settings",
			  p->section, INV_SETTINGS_MAX);
		return;
	}
	snprintf(set[*nset].key, sizeof(set->key), "%s", key);
	snprintf(set[*nset].value, sizeof(set->value), "%s", value);
	set[*nset].line = p->rd.line;
	(*nset)++;
}

static void inv_rack_key(struct inv_parse *p, const char *key,
			 const char *value)
{
	struct inventory *inv = p->inv;
	size_t k;

	for (k = 0; k < NRACK_KEYS; k++)
		if (strcmp(key, rack_keys[k]) == 0)
			break;
	if (k == NRACK_KEYS) {
		if (agentconf_known(key))
			inv_setting(p, inv->set, &inv->nset, key, value);
		else
			inv_error(p, p->rd.line, "[rack]: unknown key '%s'",
				  key);
		return;
	}
	if (p->rack_key_line[k]) {
		inv_error(p, p->rd.line,
			  "[rack]: %s given twice (first at line "
			  "%u)",
			  key, p->rack_key_line[k]);
		return;
	}
	p->rack_key_line[k] = p->rd.line;
	switch (k) {
	case 0:
		if (!*value || strlen(value) >= sizeof(inv->name))
			inv_error(p, p->rd.line,
				  "[rack]: name must be 1 to %zu "
				  "characters",
				  sizeof(inv->name) - 1);
		else
			strcpy(inv->name, value);
		break;
	case 1:
		if (strlen(value) >= sizeof(inv->user) ||
		    !inv_valid_user(value))
			inv_error(p, p->rd.line,
				  "[rack]: user '%s' is not a valid "
				  "user name",
				  value);
		else
			strcpy(inv->user, value);
		break;
	case 2:
		/* a node name, checked once all nodes are known */
		if (strlen(value) >= sizeof(inv->broker) || !*value)
			inv_error(p, p->rd.line,
				  "[rack]: broker must be a node "
				  "name, a host name or an address");
		else
			strcpy(inv->broker, value);
		break;
	case 3:
		if (strlen(value) >= sizeof(inv->prefix) ||
		    !inv_valid_prefix(value))
			inv_error(p, p->rd.line,
				  "[rack]: prefix '%s' is not an "
				  "MQTT topic prefix (no wildcards, spaces or "
				  "empty levels)",
				  value);
		else
			strcpy(inv->prefix, value);
		break;
	case 4:
		if (strlen(value) >= sizeof(inv->status_username) || !*value)
			inv_error(p, p->rd.line,
				  "[rack]: status_username must be "
				  "1 to %zu characters",
				  sizeof(inv->status_username) - 1);
		else
			strcpy(inv->status_username, value);
		break;
	case 5:
		if (strlen(value) >= sizeof(inv->status_password_file) ||
		    value[0] != '/')
			inv_error(p, p->rd.line,
				  "[rack]: status_password_file "
				  "must be an absolute path");
		else
			strcpy(inv->status_password_file, value);
		break;
	}
}

static void inv_node_key(struct inv_parse *p, const char *key,
			 const char *value)
{
	struct inventory *inv = p->inv;
	struct inv_node *n = p->cur;
	size_t idx = (size_t)(n - inv->nodes);
	unsigned char a[17], b[17];

	if (strcmp(key, "address") == 0) {
		if (p->addr_lines[idx]) {
			inv_error(p, p->rd.line,
				  "[%s]: address given twice "
				  "(first at line %u)",
				  n->name, p->addr_lines[idx]);
			return;
		}
		if (strlen(value) >= sizeof(n->address) ||
		    !inv_parse_addr(value, a)) {
			inv_error(p, p->rd.line,
				  "[%s]: address '%s' is not an "
				  "IPv4 or IPv6 address",
				  n->name, value);
			return;
		}
		for (size_t i = 0; i < idx; i++) {
			if (!p->addr_lines[i])
				continue;
			inv_parse_addr(inv->nodes[i].address, b);
			if (memcmp(a, b, sizeof(a)) == 0) {
				inv_error(p, p->rd.line,
					  "[%s]: address %s is "
					  "already %s's (line %u)",
					  n->name, value, inv->nodes[i].name,
					  p->addr_lines[i]);
				return;
			}
		}
		strcpy(n->address, value);
		p->addr_lines[idx] = p->rd.line;
	} else if (strcmp(key, "slots") == 0) {
		char *end;
		unsigned long v;

		if (p->slots_line) {
			inv_error(p, p->rd.line,
				  "[%s]: slots given twice (first "
				  "at line %u)",
				  n->name, p->slots_line);
			return;
		}
		p->slots_line = p->rd.line;
		errno = 0;
		v = strtoul(value, &end, 10);
		if (end == value || *end || errno || v == 0 ||
		    v > INV_SLOTS_MAX || !isdigit((unsigned char)*value)) {
			inv_error(p, p->rd.line,
				  "[%s]: slots '%s' must be a whole "
				  "number 1..%d (MPI processes on the node)",
				  n->name, value, INV_SLOTS_MAX);
			return;
		}
		n->slots = (unsigned)v;
	} else if (agentconf_known(key)) {
		inv_setting(p, n->set, &n->nset, key, value);
	} else {
		inv_error(p, p->rd.line, "[%s]: unknown key '%s'", n->name,
			  key);
	}
}

static int inv_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct inv_parse *p = user;

	if (p->rd.indented) {
		/* inih takes it as the continuation of the value above */
		inv_error(p, p->rd.line,
			  "indented line: remove the "
			  "indentation (it would continue the value above)");
		return 1;
	}
	if (!*section)
		inv_error(p, p->rd.line,
			  "'%s' outside any section: start with "
			  "[rack] or a node section",
			  name);
	else if (p->in_rack)
		inv_rack_key(p, name, value);
	else if (p->cur)
		inv_node_key(p, name, value);
	/* else: the section itself was refused */
	return 1;
}

/* Checks that need the whole file: addresses present, broker known. */
static void inv_finish(struct inv_parse *p)
{
	struct inventory *inv = p->inv;
	unsigned char a[17];
	char msg[512];

	if (inv->nnodes == 0) {
		inv_error(p, p->rd.line ? p->rd.line : 1,
			  "no nodes: add a section "
			  "per node, e.g. [rpi-0] with address = ...");
		return;
	}
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (!p->addr_lines[i]) {
			inv_error(p, inv->nodes[i].line, "[%s]: no address",
				  inv->nodes[i].name);
			return;
		}
	}
	if (inv->broker[0] && !inventory_node(inv, inv->broker) &&
	    !inv_parse_addr(inv->broker, a) &&
	    !inv_valid_hostname(inv->broker)) {
		inv_error(p, p->rack_key_line[2],
			  "[rack]: broker '%s' is "
			  "neither a node, an address nor a host name",
			  inv->broker);
		return;
	}
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (agentconf_check(inv, &inv->nodes[i], msg, sizeof(msg)) <
		    0) {
			/* msg already reads FILE:LINE: ... */
			snprintf(p->err, sizeof(p->err), "%s", msg);
			p->errline = (unsigned)-1;
			return;
		}
	}
}

/* Parses the open stream f, named file in messages. */
static int inventory_load_fp(const char *file, FILE *f, struct inventory *inv,
			     char *err, size_t errlen)
{
	struct inv_parse p = { .inv = inv };
	int rc;

	memset(inv, 0, sizeof(*inv));
	snprintf(inv->path, sizeof(inv->path), "%s", file);
	strcpy(inv->name, "pirack");
	strcpy(inv->prefix, "pirack");
	strcpy(inv->status_username, "pirack");
	p.rd = (struct iniread){ .fp = f,
				 .error = inv_read_error,
				 .section = inv_read_section,
				 .user = &p };
	rc = ini_parse_stream(iniread_gets, &p.rd, inv_handler, &p);
	if (ferror(f))
		inv_error(&p, p.rd.line + 1, "read error: %s", strerror(errno));
	if (rc > 0 && (!p.errline || (unsigned)rc < p.errline))
		inv_error(&p, (unsigned)rc,
			  "syntax error: expected [section], "
			  "key = value or a ; comment");
	else if (rc < 0)
		inv_error(&p, 1, "out of memory");
	if (!p.errline)
		inv_finish(&p);
	free(p.addr_lines);
	if (p.errline == (unsigned)-1) {
		snprintf(err, errlen, "%s", p.err);
	} else if (p.errline) {
		snprintf(err, errlen, "%s:%u: %s", file, p.errline, p.err);
	} else {
		return 0;
	}
	inventory_free(inv);
	return -1;
}

int inventory_load(const char *file, struct inventory *inv, char *err,
		   size_t errlen)
{
	FILE *f = fopen(file, "r");
	int rc;

	if (!f) {
		memset(inv, 0, sizeof(*inv));
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	rc = inventory_load_fp(file, f, inv, err, errlen);
	fclose(f);
	return rc;
}

int inventory_load_string(const char *name, const char *text, size_t len,
			  struct inventory *inv, char *err, size_t errlen)
{
	/* fmemopen: the very reader a file gets, line numbers and all. */
	FILE *f = fmemopen(len ? (void *)text : "", len, "r");
	int rc;

	if (!f) {
		memset(inv, 0, sizeof(*inv));
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = inventory_load_fp(name, f, inv, err, errlen);
	fclose(f);
	return rc;
}

void inventory_free(struct inventory *inv)
{
	free(inv->nodes);
	inv->nodes = NULL;
	inv->nnodes = 0;
}

const struct inv_node *inventory_node(const struct inventory *inv,
				      const char *name)
{
	for (size_t i = 0; i < inv->nnodes; i++)
		if (strcasecmp(inv->nodes[i].name, name) == 0)
			return &inv->nodes[i];
	return NULL;
}
