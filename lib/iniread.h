/* iniread.h: the one INI line reader under agent.conf and rack.conf (inih). */
#ifndef PIRACK_INIREAD_H
#define PIRACK_INIREAD_H

#include <stdbool.h>
#include <stdio.h>

#define INIREAD_SECTION_MAX 128

/*
 * inih gives its handler no line numbers, splits over-long lines silently
 * and does not report empty sections. This reader, handed to
 * ini_parse_stream(iniread_gets, r, ...), counts lines, refuses a line
 * too long for inih's buffer or one holding a NUL byte (nothing of it
 * reaches the handler) and tells the caller of every section header.
 */
struct iniread {
	FILE *fp;
	unsigned line;	    /* of the line inih is handling */
	bool indented;	    /* that line starts with blanks */
	bool ended_newline; /* the last line read ends with '\n' */
	/* a line's own trouble: too long, a NUL byte, a section name too
	 * long (then section("") follows) */
	void (*error)(void *user, unsigned line, const char *msg);
	/* each "[name]" header as it is read (NULL: not wanted) */
	void (*section)(void *user, const char *name);
	void *user;
};

/* The fgets-like reader for ini_parse_stream (stream: struct iniread). */
char *iniread_gets(char *str, int num, void *stream);

#endif
