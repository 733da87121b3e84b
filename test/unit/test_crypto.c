/* Unit tests of kernel/entropy/sha256.c and kernel/entropy/chacha20.c: SHA-256 against
 * the FIPS 180-4 / NIST CAVP examples, incremental against one-shot
 * hashing, the padding boundary; the ChaCha20 block function against RFC
 * 8439's test vectors and its block counter. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entropy/chacha20.h"
#include "entropy/sha256.h"

#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG896                                                             \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno" \
	"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

/* n bytes of hex digits (spaces allowed) into out. */
static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		while (*hex == ' ')
			hex++;
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[i] = (uint8_t)v;
		hex += 2;
	}
}

static void assert_digest(const uint8_t *got, const char *want_hex)
{
	uint8_t want[KERN_SHA256_SIZE];

	unhex(want_hex, want, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
}

/* The one-shot digest of a string against its expected hex. */
static void check_str(const char *msg, const char *want_hex)
{
	uint8_t d[KERN_SHA256_SIZE];

	kern_sha256(msg, strlen(msg), d);
	assert_digest(d, want_hex);
}

/* A test message: bytes that differ along its length. */
static void pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void test_sha_abc(void **state)
{
	(void)state;
	check_str("abc", "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
}

static void test_sha_empty(void **state)
{
	uint8_t d[KERN_SHA256_SIZE];
	struct kern_sha256 s;
	const char *want = "e3b0c44298fc1c149afbf4c8996fb924"
			   "27ae41e4649b934ca495991b7852b855";

	(void)state;
	check_str("", want);
	kern_sha256(NULL, 0, d);
	assert_digest(d, want);
	kern_sha256_init(&s);
	kern_sha256_update(&s, NULL, 0);
	kern_sha256_final(&s, d);
	assert_digest(d, want);
}

/* The two-block examples: 448 bits (the padding takes a second block) and
 * 896 bits. */
static void test_sha_two_blocks(void **state)
{
	(void)state;
	check_str(MSG448, "248d6a61d20638b8e5c026930c3e6039"
			  "a33ce45964ff2167f6ecedd419db06c1");
	check_str(MSG896, "cf5b16a778af8380036ce59e7b049237"
			  "0b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a's: in one call, and in pieces of 1000 and of 1. */
static void test_sha_million(void **state)
{
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67"
			   "f1809a48a497200e046d39ccc7112cd0";
	const size_t n = 1000000;
	uint8_t *a = malloc(n), d[KERN_SHA256_SIZE];
	struct kern_sha256 s;

	(void)state;
	assert_non_null(a);
	memset(a, 'a', n);
	kern_sha256(a, n, d);
	assert_digest(d, want);
	kern_sha256_init(&s);
	for (size_t i = 0; i < n; i += 1000)
		kern_sha256_update(&s, a + i, 1000);
	kern_sha256_final(&s, d);
	assert_digest(d, want);
	kern_sha256_init(&s);
	for (size_t i = 0; i < n; i++)
		kern_sha256_update(&s, "a", 1);
	kern_sha256_final(&s, d);
	assert_digest(d, want);
	free(a);
}

/* Around the padding boundary: up to 55 bytes the length fits in the
 * last block, from 56 it takes another; 64 and 65 fill a block exactly
 * and just overflow it. Digests from Python's hashlib. */
static void test_sha_padding(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb3"
		      "92e843d0f29b7016828bb1daa4aac70b" },
		{ 56, "4324d65f3c103567f5589c710bc08f85"
		      "23f929a9272e3af36fc968e52abc6c27" },
		{ 63, "81c80242132f230c3bd41b3e63bbcff1"
		      "6107339549214a99614ff26664625055" },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41b"
		      "ef4f3c29760c84447cab3f3be1882241" },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e"
		      "5127bc008770fbbdd48006f2d2fae95e" },
	};
	uint8_t msg[65], d[KERN_SHA256_SIZE];

	(void)state;
	pattern(msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kern_sha256(msg, v[i].n, d);
		assert_digest(d, v[i].hex);
	}
}

/* Every split of msg into two updates, and of the short ones into three
 * (empty pieces included), gives the one-shot digest. */
static void check_splits(const uint8_t *msg, size_t n)
{
	uint8_t want[KERN_SHA256_SIZE], d[KERN_SHA256_SIZE];
	struct kern_sha256 s;

	kern_sha256(msg, n, want);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = n <= 130 ? i : n; j <= n; j++) {
			kern_sha256_init(&s);
			kern_sha256_update(&s, msg, i);
			kern_sha256_update(&s, msg + i, j - i);
			kern_sha256_update(&s, msg + j, n - j);
			kern_sha256_final(&s, d);
			assert_memory_equal(d, want, sizeof(d));
		}
	}
}

static void test_sha_splits(void **state)
{
	static const size_t lens[] = { 1, 55, 56, 63, 64, 65, 127, 128, 1000 };
	uint8_t msg[1000];

	(void)state;
	check_splits((const uint8_t *)MSG448, strlen(MSG448));
	check_splits((const uint8_t *)MSG896, strlen(MSG896));
	pattern(msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check_splits(msg, lens[i]);
}

/* A copy of a digest in progress finishes independently. */
static void test_sha_fork(void **state)
{
	uint8_t d[KERN_SHA256_SIZE];
	struct kern_sha256 s, t;

	(void)state;
	kern_sha256_init(&s);
	kern_sha256_update(&s, "ab", 2);
	t = s;
	kern_sha256_update(&t, "c", 1);
	kern_sha256_final(&t, d);
	assert_digest(d, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	kern_sha256_update(&s, "c", 1);
	kern_sha256_final(&s, d);
	assert_digest(d, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
}

/* RFC 8439's key for sections 2.3.2 and 2.4.2: bytes 00 to 1f. */
static void rfc_key(uint8_t key[KERN_CHACHA20_KEY_SIZE])
{
	for (int i = 0; i < KERN_CHACHA20_KEY_SIZE; i++)
		key[i] = (uint8_t)i;
}

/* Section 2.3.2: the block function's test vector. */
static void test_chacha_block(void **state)
{
	uint8_t key[KERN_CHACHA20_KEY_SIZE], nonce[KERN_CHACHA20_NONCE_SIZE];
	uint8_t out[KERN_CHACHA20_BLOCK_SIZE], want[KERN_CHACHA20_BLOCK_SIZE];

	(void)state;
	rfc_key(key);
	unhex("00 00 00 09 00 00 00 4a 00 00 00 00", nonce, sizeof(nonce));
	unhex("10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4"
	      "c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
	      "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2"
	      "b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e",
	      want, sizeof(want));
	kern_chacha20_block(key, 1, nonce, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* Section 2.4.2: encryption, the message XORed with the blocks for
 * counters 1 and 2 (50 bytes of the second). */
static void test_chacha_encrypt(void **state)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: "
				 "If I could offer you only one tip for the "
				 "future, sunscreen would be it.";
	uint8_t key[KERN_CHACHA20_KEY_SIZE], nonce[KERN_CHACHA20_NONCE_SIZE];
	uint8_t ks[KERN_CHACHA20_BLOCK_SIZE], ct[sizeof(pt) - 1], want[114];

	(void)state;
	assert_int_equal(sizeof(ct), 114);
	rfc_key(key);
	unhex("00 00 00 00 00 00 00 4a 00 00 00 00", nonce, sizeof(nonce));
	unhex("6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81"
	      "e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
	      "f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57"
	      "16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
	      "07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e"
	      "52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
	      "5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42"
	      "87 4d",
	      want, sizeof(want));
	for (size_t i = 0; i < sizeof(ct); i++) {
		if (i % KERN_CHACHA20_BLOCK_SIZE == 0)
			kern_chacha20_block(key, 1 + (uint32_t)(i / 64), nonce,
					    ks);
		ct[i] = (uint8_t)(pt[i] ^ ks[i % KERN_CHACHA20_BLOCK_SIZE]);
	}
	assert_memory_equal(ct, want, sizeof(want));
}

/* The 64-bit counter: with a zero nonce its low word is RFC 8439's
 * counter, and it carries into word 13, where RFC 8439 has the nonce's
 * first word (the block after 2^32 - 1 from OpenSSL's ChaCha20). */
static void test_chacha_counter(void **state)
{
	static const uint8_t zero[KERN_CHACHA20_NONCE_SIZE];
	uint8_t key[KERN_CHACHA20_KEY_SIZE], nonce[KERN_CHACHA20_NONCE_SIZE];
	uint8_t a[KERN_CHACHA20_BLOCK_SIZE], b[KERN_CHACHA20_BLOCK_SIZE];
	uint8_t want[KERN_CHACHA20_BLOCK_SIZE];

	(void)state;
	rfc_key(key);
	for (uint64_t c = 0; c < 4; c++) {
		kern_chacha20_block_ctr64(key, c, a);
		kern_chacha20_block(key, (uint32_t)c, zero, b);
		assert_memory_equal(a, b, sizeof(a));
	}
	kern_chacha20_block_ctr64(key, 0xffffffffu, a);
	kern_chacha20_block(key, 0xffffffffu, zero, b);
	assert_memory_equal(a, b, sizeof(a));
	kern_chacha20_block_ctr64(key, 1ULL << 32, a);
	assert_memory_not_equal(a, b, sizeof(a));
	unhex("d8 38 fb 09 53 6e 2e 3a 10 e8 f2 3f 48 62 73 a6"
	      "9f 42 d8 e6 40 d7 81 ed e3 84 79 3c 34 c3 25 64"
	      "fc 43 61 e5 d5 c5 b6 20 58 3b 05 28 19 2f 4c 61"
	      "09 f2 3a 0e 14 39 8e e6 53 7c dc f2 cd 61 0e a2",
	      want, sizeof(want));
	assert_memory_equal(a, want, sizeof(want));
	memset(nonce, 0, sizeof(nonce));
	nonce[0] = 1;
	kern_chacha20_block(key, 0, nonce, b);
	assert_memory_equal(a, b, sizeof(a));
}

/* Successive counters give different blocks; the same inputs the same. */
static void test_chacha_distinct(void **state)
{
	uint8_t key[KERN_CHACHA20_KEY_SIZE] = { 0 };
	uint8_t a[KERN_CHACHA20_BLOCK_SIZE], b[KERN_CHACHA20_BLOCK_SIZE];

	(void)state;
	kern_chacha20_block_ctr64(key, 0, a);
	kern_chacha20_block_ctr64(key, 0, b);
	assert_memory_equal(a, b, sizeof(a));
	kern_chacha20_block_ctr64(key, 1, b);
	assert_memory_not_equal(a, b, sizeof(a));
	key[31] = 1;
	kern_chacha20_block_ctr64(key, 0, b);
	assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha_abc),
		cmocka_unit_test(test_sha_empty),
		cmocka_unit_test(test_sha_two_blocks),
		cmocka_unit_test(test_sha_million),
		cmocka_unit_test(test_sha_padding),
		cmocka_unit_test(test_sha_splits),
		cmocka_unit_test(test_sha_fork),
		cmocka_unit_test(test_chacha_block),
		cmocka_unit_test(test_chacha_encrypt),
		cmocka_unit_test(test_chacha_counter),
		cmocka_unit_test(test_chacha_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
