/* SHA-256 (FIPS 180-4): incremental and one-shot. Pure code (standard C
 * headers only), so the kernel, the VM test images and the host unit
 * tests share it. */
#ifndef KERN_SHA256_H
#define KERN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define KERN_SHA256_SIZE 32 /* bytes in a digest */

/* A digest in progress; treat as opaque. Plain data: copying one forks
 * the digest (the copy can be finished on its own). */
struct kern_sha256 {
	uint32_t h[8];
	uint64_t bytes; /* message length so far */
	uint8_t buf[64];
	size_t n; /* bytes waiting in buf */
};

/* Start a digest of the empty message. */
void kern_sha256_init(struct kern_sha256 *s);

/* Append len bytes at data (data may be NULL if len is 0). */
void kern_sha256_update(struct kern_sha256 *s, const void *data, size_t len);

/* Pad, finish, and write the 32-byte digest (big-endian) to out. s holds
 * no meaningful state afterwards: kern_sha256_init() it before reuse. */
void kern_sha256_final(struct kern_sha256 *s, uint8_t out[KERN_SHA256_SIZE]);

/* The digest of the len bytes at data, in one call. */
void kern_sha256(const void *data, size_t len, uint8_t out[KERN_SHA256_SIZE]);

#endif
