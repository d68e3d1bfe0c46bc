/* utf8.h: strict UTF-8 validation for everything that reaches JSON. */
#ifndef PIRACK_UTF8_H
#define PIRACK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the len bytes at s are well-formed UTF-8 (RFC 3629): no
 * overlong forms, no surrogates, nothing above U+10FFFF. JSON must be
 * UTF-8 and cJSON passes bytes through as they are, so strict parsers
 * downstream (Home Assistant, jq) would reject the whole message.
 */
bool utf8_valid(const char *s, size_t len);

#endif
