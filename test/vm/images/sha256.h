/* SHA-256 (FIPS 180-4) for the VM test images: a digest the host checks
 * against Python's hashlib. Not for use outside tests. */
#ifndef TEST_SHA256_H
#define TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct test_sha256 {
	uint32_t state[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t fill; /* bytes waiting in block */
};

/* Start a digest. */
void test_sha256_init(struct test_sha256 *c);

/* Hash len more bytes. */
void test_sha256_update(struct test_sha256 *c, const void *p, size_t len);

/* Finish: the 32-byte digest. c must be initialised again for reuse. */
void test_sha256_final(struct test_sha256 *c, uint8_t digest[32]);

/* Finish and write the digest as 64 lower-case hex digits and a NUL. */
void test_sha256_hex(struct test_sha256 *c, char hex[65]);

#endif
