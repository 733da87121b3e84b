/* SHA-256 for the VM test images (see sha256.h), written from FIPS 180-4:
 * section 4.2.2 constants, 5.1.1 padding, 6.2 computation. */
#include <stdio.h>
#include <string.h>

#include "sha256.h"

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t round_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t st[8], const uint8_t *blk)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 |
		       (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (int i = 16; i < 64; i++)
		w[i] = (ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^
			(w[i - 2] >> 10)) +
		       w[i - 7] +
		       (ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^
			(w[i - 15] >> 3)) +
		       w[i - 16];
	a = st[0], b = st[1], c = st[2], d = st[3];
	e = st[4], f = st[5], g = st[6], h = st[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
			      ((e & f) ^ (~e & g)) + round_k[i] + w[i];
		uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	st[0] += a, st[1] += b, st[2] += c, st[3] += d;
	st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}

void test_sha256_init(struct test_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->state, iv, sizeof(iv));
	c->total = 0;
	c->fill = 0;
}

void test_sha256_update(struct test_sha256 *c, const void *p, size_t len)
{
	const uint8_t *in = p;

	c->total += len;
	if (c->fill) {
		size_t t = 64 - c->fill < len ? 64 - c->fill : len;

		memcpy(c->block + c->fill, in, t);
		c->fill += t, in += t, len -= t;
		if (c->fill < 64)
			return;
		compress(c->state, c->block);
		c->fill = 0;
	}
	for (; len >= 64; in += 64, len -= 64)
		compress(c->state, in);
	memcpy(c->block, in, len);
	c->fill = len;
}

void test_sha256_final(struct test_sha256 *c, uint8_t digest[32])
{
	uint64_t bits = c->total * 8;
	uint8_t tail[8];

	test_sha256_update(c, "\x80", 1);
	while (c->fill != 56)
		test_sha256_update(c, "", 1);
	for (int i = 0; i < 8; i++)
		tail[i] = (uint8_t)(bits >> (56 - 8 * i));
	test_sha256_update(c, tail, 8);
	for (int i = 0; i < 32; i++)
		digest[i] = (uint8_t)(c->state[i / 4] >> (24 - 8 * (i % 4)));
}

void test_sha256_hex(struct test_sha256 *c, char hex[65])
{
	uint8_t d[32];

	test_sha256_final(c, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}
