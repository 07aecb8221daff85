/* Bytes as lower-case hex digits, the one encoder for digests and IDs. */
#ifndef BX_UTIL_HEX_H
#define BX_UTIL_HEX_H

#include <stddef.h>

/* n bytes of p as 2n digits and a NUL: out holds 2n + 1. */
static inline void bx_hex(const void *p, size_t n, char *out)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[b[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	out[2 * n] = '\0';
}

#endif
