/* The ChaCha20 block function (RFC 8439 section 2.3): 64 bytes of
 * keystream from a 256-bit key, a block counter and a nonce. Pure code
 * (standard C headers only). Encryption (section 2.4) is the XOR of the
 * message with the blocks for counters c, c + 1, ... */
#ifndef KERN_CHACHA20_H
#define KERN_CHACHA20_H

#include <stdint.h>

#define KERN_CHACHA20_KEY_SIZE 32
#define KERN_CHACHA20_NONCE_SIZE 12
#define KERN_CHACHA20_BLOCK_SIZE 64

/* RFC 8439's layout: a 32-bit counter in word 12, a 96-bit nonce in words
 * 13-15. Writes the keystream block number counter to out. The caller
 * must not let the counter wrap under one key and nonce. */
void kern_chacha20_block(const uint8_t key[KERN_CHACHA20_KEY_SIZE],
			 uint32_t counter,
			 const uint8_t nonce[KERN_CHACHA20_NONCE_SIZE],
			 uint8_t out[KERN_CHACHA20_BLOCK_SIZE]);

/* The original layout with a zero nonce: a 64-bit counter in words 12-13
 * (low word first), words 14-15 zero. For a key used once (the entropy
 * pool); equal to kern_chacha20_block() with counter's low 32 bits and a
 * nonce of its high 32 bits (little-endian) followed by 8 zero bytes. */
void kern_chacha20_block_ctr64(const uint8_t key[KERN_CHACHA20_KEY_SIZE],
			       uint64_t counter,
			       uint8_t out[KERN_CHACHA20_BLOCK_SIZE]);

#endif
