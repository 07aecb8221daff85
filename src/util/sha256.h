/* SHA-256 (FIPS 180-4): OCI digests and content-addressed layers.
 * Portable C, and the x86 SHA extensions when the CPU has them: an
 * image import hashes every byte it reads, so the hash must not be the
 * slow part of it (the portable code does ~200 MB/s, SHA-NI ~1.5 GB/s). */
#ifndef BX_SHA256_H
#define BX_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BX_SHA256_HEX 65 /* 64 hex digits and the NUL */

struct bx_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed */
	uint8_t buf[64];
	size_t used; /* bytes in buf */
};

void bx_sha256_init(struct bx_sha256 *c);
void bx_sha256_update(struct bx_sha256 *c, const void *data, size_t len);
void bx_sha256_final(struct bx_sha256 *c, uint8_t out[32]);
void bx_sha256_final_hex(struct bx_sha256 *c, char hex[BX_SHA256_HEX]);
void bx_sha256_hex(const void *data, size_t len, char hex[BX_SHA256_HEX]);

/* Whether the SHA-NI path is in use; tests switch it off to check the
 * two paths against each other.  Returns the previous setting. */
bool bx_sha256_accelerated(void);
bool bx_sha256_set_accelerated(bool on);

/* A digest as OCI writes it: "sha256:" and 64 lowercase hex digits.
 * Points *hex at the digits; false for anything else (other algorithms,
 * upper case, wrong length: all would be unsafe as a file name). */
bool bx_sha256_digest_parse(const char *digest, const char **hex);

#endif
