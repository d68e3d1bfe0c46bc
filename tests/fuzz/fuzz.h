/* fuzz.h: what every fuzz target shares: invariant checks that abort. */
#ifndef PIRACK_FUZZ_H
#define PIRACK_FUZZ_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>

/*
 * A broken invariant is a crash like any other: libFuzzer keeps the input
 * (crash-*) and the message says which promise was broken. It goes out
 * through the sanitizer's report fd, which libFuzzer keeps open when
 * -close_fd_mask=2 silences the agent's own logging on stderr.
 */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			char fuzz_msg_[4096];                                  \
			int fuzz_n_ = snprintf(                                \
			    fuzz_msg_, sizeof(fuzz_msg_),                      \
			    "%s:%d: invariant broken: %s: ", __FILE__,         \
			    __LINE__, #cond);                                  \
			if (fuzz_n_ > 0 &&                                     \
			    (size_t)fuzz_n_ < sizeof(fuzz_msg_))               \
				snprintf(fuzz_msg_ + fuzz_n_,                  \
					 sizeof(fuzz_msg_) - fuzz_n_,          \
					 __VA_ARGS__);                         \
			__sanitizer_report_error_summary(fuzz_msg_);           \
			abort();                                               \
		}                                                              \
	} while (0)

/* Lines in the text as a reader counts them (a last one without '\n'). */
static inline long fuzz_lines(const uint8_t *data, size_t size)
{
	long n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size && data[size - 1] != '\n');
}

/*
 * A parser's error is "NAME:LINE: message", one line, with LINE inside the
 * file of nlines lines (1 for an empty one).
 */
static inline void fuzz_check_file_error(const char *err, const char *name,
					 long nlines)
{
	size_t nlen = strlen(name);
	const char *p = err + nlen + 1;
	char *end;
	long line;

	FUZZ_CHECK(!strncmp(err, name, nlen) && err[nlen] == ':',
		   "error '%s' does not name the file", err);
	FUZZ_CHECK(isdigit((unsigned char)*p), "error '%s' has no line", err);
	line = strtol(p, &end, 10);
	FUZZ_CHECK(line >= 1 && line <= (nlines ? nlines : 1),
		   "error '%s': line %ld not in 1..%ld", err, line, nlines);
	FUZZ_CHECK(!strncmp(end, ": ", 2) && end[2],
		   "error '%s' has no "
		   "message after FILE:LINE",
		   err);
	FUZZ_CHECK(!strchr(err, '\n'), "error '%s' spans lines", err);
}

#endif
