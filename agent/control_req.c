/* control_req.c: the control protocol's request lines, parsed (pure). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "control.h"

static const struct {
	const char *word;
	enum control_op op;
	bool takes_arg;
} control_ops[] = {
	{ "status", CONTROL_STATUS, false }, { "pace", CONTROL_PACE, false },
	{ "fan", CONTROL_FAN, true },	     { "led", CONTROL_LED, true },
	{ "report", CONTROL_REPORT, true },
};

/* What of the request to echo in an error: short and printable. */
static void control_quote(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len && i < 32; i++)
		dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

int control_parse(char *line, struct control_req *req, char *err, size_t errlen)
{
	char *verb, *arg, *end, q[40];
	size_t n = strlen(line);

	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	for (verb = line; isspace((unsigned char)*verb); verb++)
		;
	if (!*verb) {
		snprintf(err, errlen,
			 "empty request; try status, pace, fan, "
			 "led or report");
		return -1;
	}
	for (end = verb; *end && !isspace((unsigned char)*end); end++)
		;
	arg = end;
	if (*arg) {
		*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
	}
	for (size_t i = 0; i < sizeof(control_ops) / sizeof(control_ops[0]);
	     i++) {
		if (strcmp(verb, control_ops[i].word))
			continue;
		if (control_ops[i].takes_arg && !*arg) {
			snprintf(err, errlen, "'%s' needs an argument: %s",
				 verb,
				 control_ops[i].op == CONTROL_FAN
				     ? "fan on|off|auto|0-100"
				 : control_ops[i].op == CONTROL_LED
				     ? "led identify|auto"
				     : "report {json}");
			return -1;
		}
		if (!control_ops[i].takes_arg && *arg) {
			snprintf(err, errlen, "'%s' takes no argument", verb);
			return -1;
		}
		req->op = control_ops[i].op;
		req->arg = arg;
		return 0;
	}
	control_quote(q, sizeof(q), verb);
	snprintf(err, errlen,
		 "unknown request '%s'; try status, pace, fan, "
		 "led or report",
		 q);
	return -1;
}
