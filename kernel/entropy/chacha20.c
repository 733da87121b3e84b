/* The ChaCha20 block function (see kernel/entropy/chacha20.h), written from RFC
 * 8439 sections 2.1-2.3. Words are loaded and stored little-endian
 * whatever the host's byte order. */
#include <string.h>

#include "entropy/chacha20.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The quarter round (2.1) on four words of the state. */
static void quarter(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rol32(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rol32(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rol32(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rol32(x[b] ^ x[c], 7);
}

/* Clear a copy of key material through volatile stores, which the
 * compiler must keep (standard C, unlike a barrier). */
static void wipe(uint32_t *p, int n)
{
	volatile uint32_t *v = p;

	for (int i = 0; i < n; i++)
		v[i] = 0;
}

/* Words 0-11 of the state: the constants and the key. */
static void set_key(uint32_t in[16], const uint8_t *key)
{
	in[0] = 0x61707865;
	in[1] = 0x3320646e;
	in[2] = 0x79622d32;
	in[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		in[4 + i] = load_le32(key + 4 * i);
}

/* 20 rounds (10 column and diagonal pairs), the input added back,
 * serialised little-endian (2.3). Clears its copy of the state. */
static void block(const uint32_t in[16], uint8_t *out)
{
	uint32_t x[16];

	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		quarter(x, 0, 4, 8, 12);
		quarter(x, 1, 5, 9, 13);
		quarter(x, 2, 6, 10, 14);
		quarter(x, 3, 7, 11, 15);
		quarter(x, 0, 5, 10, 15);
		quarter(x, 1, 6, 11, 12);
		quarter(x, 2, 7, 8, 13);
		quarter(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];

		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(v >> (8 * j));
	}
	wipe(x, 16);
}

void kern_chacha20_block(const uint8_t key[KERN_CHACHA20_KEY_SIZE],
			 uint32_t counter,
			 const uint8_t nonce[KERN_CHACHA20_NONCE_SIZE],
			 uint8_t out[KERN_CHACHA20_BLOCK_SIZE])
{
	uint32_t in[16];

	set_key(in, key);
	in[12] = counter;
	for (int i = 0; i < 3; i++)
		in[13 + i] = load_le32(nonce + 4 * i);
	block(in, out);
	wipe(in, 16);
}

void kern_chacha20_block_ctr64(const uint8_t key[KERN_CHACHA20_KEY_SIZE],
			       uint64_t counter,
			       uint8_t out[KERN_CHACHA20_BLOCK_SIZE])
{
	uint32_t in[16];

	set_key(in, key);
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	in[14] = 0;
	in[15] = 0;
	block(in, out);
	wipe(in, 16);
}
