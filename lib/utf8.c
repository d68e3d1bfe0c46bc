/* utf8.c: strict UTF-8 validation for everything that reaches JSON. */
#include "utf8.h"

/* Length of the sequence a lead byte starts, and its second byte's range. */
static int utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0; /* overlong */
		if (c == 0xed)
			*hi = 0x9f; /* surrogates */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90; /* overlong */
		if (c == 0xf4)
			*hi = 0x8f; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char lo, hi;
		int n = utf8_lead(s[i], &lo, &hi);

		if (n == 0 || len - i < (size_t)n)
			return false;
		for (int k = 1; k < n; k++) {
			unsigned char c = s[i + k];

			if (k == 1 ? (c < lo || c > hi)
				   : (c < 0x80 || c > 0xbf))
				return false;
		}
		i += n;
	}
	return true;
}
