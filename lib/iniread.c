/* iniread.c: the one INI line reader under agent.conf and rack.conf (inih). */
#include <stdio.h>
#include <string.h>

#include "iniread.h"

static void iniread_refuse(struct iniread *r, char *str, int num,
			   const char *msg)
{
	if (r->error)
		r->error(r->user, r->line, msg);
	snprintf(str, num, ";\n"); /* a comment: inih sees nothing */
}

char *iniread_gets(char *str, int num, void *stream)
{
	struct iniread *r = stream;
	char msg[64], name[INIREAD_SECTION_MAX];
	size_t len = 0;
	char *s, *end;
	int ch;

	/* fgets, but counting: a NUL byte must not hide the rest of a line */
	while (len + 1 < (size_t)num && (ch = getc(r->fp)) != EOF) {
		str[len++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (!len)
		return NULL;
	str[len] = '\0';
	r->line++;
	r->ended_newline = str[len - 1] == '\n';
	r->indented = false;
	if (str[len - 1] != '\n' && !feof(r->fp)) {
		snprintf(msg, sizeof(msg), "line is longer than %d characters",
			 num - 3);
		while ((ch = getc(r->fp)) != EOF && ch != '\n')
			;
		iniread_refuse(r, str, num, msg);
		return str;
	}
	if (strlen(str) != len) {
		iniread_refuse(r, str, num,
			       "line contains a NUL byte (not a text file?)");
		return str;
	}
	s = str;
	if (r->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	r->indented = *s == ' ' || *s == '\t';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || !(end = strchr(s, ']')))
		return str; /* not a header, or inih reports the syntax */
	if ((size_t)(end - s - 1) >= sizeof(name)) {
		if (r->error)
			r->error(r->user, r->line, "section name too long");
		if (r->section) /* keys below it belong to no section */
			r->section(r->user, "");
		return str;
	}
	memcpy(name, s + 1, end - s - 1);
	name[end - s - 1] = '\0';
	if (r->section)
		r->section(r->user, name);
	return str;
}
