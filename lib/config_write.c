/* config_write.c: a struct config back out as agent.conf (INI). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_keys.h"

static const void *config_cfield(const struct config *c,
				 const struct config_key *k)
{
	return (const char *)c + k->off;
}

/* Shortest %g that reads back as the same double. */
static void config_fmt_double(char *buf, size_t len, double d)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

int config_write(const struct config *c, FILE *out)
{
	const char *section = "";
	char val[CONFIG_LINE_MAX];

	fprintf(out, "; pirackd configuration: every key; see "
		     "pirackd.conf(5)\n");
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		const void *f = config_cfield(c, k);

		switch (k->type) {
		case K_ENUM:
			snprintf(val, sizeof(val), "%s",
				 k->words[*(const int *)f]);
			break;
		case K_STR:
			if (!config_writable(k, f)) {
				errno = EINVAL;
				return -1;
			}
			snprintf(val, sizeof(val), "%s", (const char *)f);
			break;
		case K_INT:
			snprintf(val, sizeof(val), "%d", *(const int *)f);
			break;
		case K_UINT:
			snprintf(val, sizeof(val), "%u", *(const unsigned *)f);
			break;
		case K_DOUBLE:
			if (k->auto_ok && isnan(*(const double *)f))
				snprintf(val, sizeof(val), "auto");
			else
				config_fmt_double(val, sizeof(val),
						  *(const double *)f);
			break;
		case K_BOOL:
			snprintf(val, sizeof(val), "%s",
				 *(const bool *)f ? "true" : "false");
			break;
		case K_LINES:
			val[0] = '\0';
			for (size_t j = 0; j < c->led.nlines; j++) {
				size_t n = strlen(val);

				snprintf(val + n, sizeof(val) - n, "%s%u",
					 j ? "," : "", c->led.lines[j]);
			}
			break;
		}
		if (strcmp(section, k->section)) {
			section = k->section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(out, "%s =%s%s\n", k->name,
			val[0] && val[0] != ';' ? " " : "", val);
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}
