/* The kernel's entropy pool (see kern/entropy.h). Input from every source
 * goes into a running SHA-256 (FIPS 180-4), each piece prefixed with its
 * source, length and a time stamp. Once 256 credited bits have gathered
 * the pool reseeds: the new ChaCha20 key (RFC 8439's block function, 64-bit
 * counter) is SHA-256 of the input and the old key, and the input starts
 * afresh. Each request takes its first 32 bytes of keystream as the next
 * key and hands out what follows (fast key erasure: a later compromise
 * does not reveal earlier output). While unseeded, output comes from a
 * key mixed with a snapshot of the input so far. RDSEED and RDRAND are
 * read at first use and again every minute; devices register and are
 * asked. Also getrandom(2) and include/os/random.h. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <arch/cpu.h>
#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/loop.h>
#include <kern/signal.h>
#include <os/random.h>

#include "sys.h"

#define SEED_BITS 256
#define RESEED_NS (60ULL * 1000000000)	 /* fresh input at least this often */
#define ASK_NS (1000000000ULL)		 /* not asking devices more often */
#define BOOT_WAIT_NS (1000ULL * 1000000) /* for a device's first bytes */
#define JITTER_NS (200ULL * 1000)	 /* one jitter sample per wake-up */
#define MAX_RW_COUNT 0x7ffff000UL	 /* Linux's limit for one call */
#define MAX_SOURCES 4
#define CPUID_7_EBX_RDSEED (1u << 18)

/* SHA-256 (FIPS 180-4). */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes; /* message length so far */
	uint8_t buf[64];
	size_t n; /* bytes in buf */
};

static const uint32_t sha_k[64] = {
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

static uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->bytes = 0;
	s->n = 0;
}

/* The message schedule of one block (6.2.2 step 1). */
static void sha_schedule(const uint8_t *p, uint32_t w[64])
{
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^
			      (w[t - 15] >> 3);
		uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^
			      (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
}

/* One 64-byte block into the hash state (6.2.2 steps 2-4). */
static void sha_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8];

	sha_schedule(p, w);
	memcpy(v, s->h, sizeof(v));
	for (int t = 0; t < 64; t++) {
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] +
			      (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
			      ((e & v[5]) ^ (~e & v[6])) + sha_k[t] + w[t];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
			      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));

		memmove(&v[1], &v[0], 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	while (len) {
		size_t take = 64 - s->n < len ? 64 - s->n : len;

		memcpy(s->buf + s->n, p, take);
		s->n += take;
		p += take;
		len -= take;
		if (s->n == 64) {
			sha_block(s, s->buf);
			s->n = 0;
		}
	}
}

/* Pad (5.1.1), finish, write the digest big-endian. */
static void sha_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->n < 56 ? 56 : 120) - s->n;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(s, pad, padlen + 8);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ChaCha20 (RFC 8439 section 2.3), with a 64-bit block counter in words
 * 12-13 and a zero nonce: each key is used for one request only. */

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

static void chacha20_block(const uint8_t key[32], uint64_t counter,
			   uint8_t out[64])
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint32_t x[16];

	memcpy(&in[4], key, 32); /* little-endian words on x86 */
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
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
	for (int i = 0; i < 16; i++)
		x[i] += in[i];
	memcpy(out, x, 64);
}

/* Clear secrets in a way the compiler keeps. */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The pool. */

static struct {
	struct sha256 input; /* everything added since the last reseed */
	uint8_t key[32];     /* the ChaCha20 key output comes from */
	unsigned pending;    /* bits credited since the last reseed */
	int ready;	     /* CPU sources read once */
	uint64_t reseed_ns;  /* time of the last reseed */
	uint64_t asked_ns;   /* time the sources were last asked */
	struct kern_entropy_stats st;
} pool;

static const struct kern_entropy_source *sources[MAX_SOURCES];
static int nsources;

static const char *const src_names[KERN_ENTROPY_NSRC] = { "rdseed", "rdrand",
							  "virtio-rng",
							  "tsc-jitter" };

/* "rdrand, virtio-rng": the sources that credited bits so far. */
static void credited_names(char *buf, size_t size)
{
	buf[0] = 0;
	for (int i = 0; i < KERN_ENTROPY_NSRC; i++) {
		if (!pool.st.bits[i] || strlen(buf) + 16 > size)
			continue;
		if (buf[0])
			strcat(buf, ", ");
		strcat(buf, src_names[i]);
	}
}

static void became_seeded(void)
{
	char names[80];

	pool.st.seeded = 1;
	pool.st.seeded_ns = kern_clock_ns();
	credited_names(names, sizeof(names));
	kern_info("entropy: pool seeded after %lu us (from %s)",
		  (unsigned long)(pool.st.seeded_ns / 1000), names);
}

/* A new key from the input and the old key; the input starts afresh. */
static void reseed(void)
{
	sha_update(&pool.input, pool.key, sizeof(pool.key));
	sha_final(&pool.input, pool.key);
	sha_init(&pool.input);
	pool.pending = 0;
	pool.reseed_ns = kern_clock_ns();
	pool.st.reseeds++;
	if (!pool.st.seeded)
		became_seeded();
}

static void add_cpu_sources(void);

/* At first use: the input hash, then the CPU's sources. */
static void pool_init(void)
{
	if (pool.ready)
		return;
	pool.ready = 1;
	sha_init(&pool.input);
	add_cpu_sources();
}

void kern_entropy_add(enum kern_entropy_src src, const void *buf, size_t len,
		      unsigned bits)
{
	struct {
		uint32_t src, len;
		uint64_t tsc;
	} hdr = { (uint32_t)src, (uint32_t)len, arch_rdtsc() };

	if ((unsigned)src >= KERN_ENTROPY_NSRC)
		return;
	if (bits > len * 8)
		bits = (unsigned)(len * 8);
	pool_init();
	sha_update(&pool.input, &hdr, sizeof(hdr));
	sha_update(&pool.input, buf, len);
	pool.st.bytes[src] += len;
	pool.st.bits[src] += bits;
	pool.pending += bits;
	if (pool.pending >= SEED_BITS)
		reseed();
}

/* RDSEED (CPUID.7.0:EBX[18]); 0 or -errno. Belongs in arch/ next to
 * arch_rdrand64(). */
static int rdseed64(uint64_t *out)
{
	uint32_t r[4];
	unsigned char ok;

	arch_cpuid(0, 0, r);
	if (r[0] < 7)
		return -ENODEV;
	arch_cpuid(7, 0, r);
	if (!(r[1] & CPUID_7_EBX_RDSEED))
		return -ENODEV;
	for (int i = 0; i < 64; i++) {
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 0;
		arch_pause();
	}
	return -EIO;
}

/* 32 bytes from a CPU instruction, fully credited; 0 or -errno. */
static int add_cpu(enum kern_entropy_src src, int (*get)(uint64_t *))
{
	uint64_t v[4];
	int r = 0;

	for (int i = 0; i < 4 && !r; i++)
		r = get(&v[i]);
	if (!r)
		kern_entropy_add(src, v, sizeof(v), 8 * sizeof(v));
	wipe(v, sizeof(v));
	return r;
}

/* Read the CPU's sources (and the TSC, uncredited). */
static void add_cpu_sources(void)
{
	uint64_t tsc = arch_rdtsc();

	kern_entropy_add(KERN_ENTROPY_JITTER, &tsc, sizeof(tsc), 0);
	add_cpu(KERN_ENTROPY_RDSEED, rdseed64);
	add_cpu(KERN_ENTROPY_RDRAND, arch_rdrand64);
}

/* Ask every delivering source for n bytes. */
static void ask_sources(size_t n)
{
	pool.asked_ns = kern_clock_ns();
	pool.st.requests++;
	for (int i = 0; i < nsources; i++)
		if (sources[i]->request)
			sources[i]->request(sources[i]->arg, n);
}

/* Once seeded: fresh input every RESEED_NS. */
static void refresh(void)
{
	uint64_t now = kern_clock_ns();

	if (!pool.st.seeded || now - pool.reseed_ns < RESEED_NS ||
	    now - pool.asked_ns < ASK_NS)
		return;
	add_cpu_sources();
	ask_sources(SEED_BITS / 8);
}

/* Unseeded: mix a snapshot of the input into the key (the input stays,
 * to be hashed again at the real reseed). */
static void mix_snapshot(void)
{
	struct sha256 s = pool.input;

	sha_update(&s, pool.key, sizeof(pool.key));
	sha_final(&s, pool.key);
	wipe(&s, sizeof(s));
}

/* n bytes of output; the key is replaced first (fast key erasure). */
static void extract(void *buf, size_t n)
{
	uint8_t block[64], next[32];
	uint64_t tsc = arch_rdtsc(), ctr = 1;
	uint8_t *out = buf;

	pool_init();
	refresh();
	sha_update(&pool.input, &tsc, sizeof(tsc)); /* uncredited */
	if (!pool.st.seeded)
		mix_snapshot();
	chacha20_block(pool.key, 0, block);
	memcpy(next, block, 32);
	memcpy(out, block + 32, n < 32 ? n : 32);
	for (size_t i = 32; i < n; i += 64) {
		chacha20_block(pool.key, ctr++, block);
		memcpy(out + i, block, n - i < 64 ? n - i : 64);
	}
	memcpy(pool.key, next, sizeof(next));
	pool.st.output += n;
	wipe(block, sizeof(block));
	wipe(next, sizeof(next));
}

int kern_entropy_register(const struct kern_entropy_source *s)
{
	if (nsources == MAX_SOURCES)
		return -ENOSPC;
	sources[nsources++] = s;
	pool_init();
	if (!pool.st.seeded && s->request) {
		pool.st.requests++;
		s->request(s->arg, 2 * SEED_BITS / 8);
	}
	return 0;
}

static int seeded_cond(void *arg)
{
	(void)arg;
	return pool.st.seeded;
}

int kern_entropy_fill(void *buf, size_t n)
{
	static int warned;

	pool_init();
	if (!pool.st.seeded && nsources) {
		ask_sources(2 * SEED_BITS / 8);
		kern_loop_wait(seeded_cond, 0, kern_clock_ns() + BOOT_WAIT_NS,
			       0);
	}
	if (!pool.st.seeded && !warned++)
		kern_info(nsources ? "warning: no bytes from the random device "
				     "in time: entropy is weak" :
				     "warning: no hardware random source: "
				     "entropy is weak");
	extract(buf, n);
	return pool.st.seeded;
}

int kern_random(void *buf, size_t n)
{
	extract(buf, n);
	return pool.st.seeded;
}

uint32_t kern_random_u32(void)
{
	uint32_t v;

	kern_random(&v, sizeof(v));
	return v;
}

int kern_entropy_seeded(void)
{
	return pool.st.seeded;
}

/* Wait until seeded: ask the sources, and time each short wait in the
 * loop; an interval that differs from the last is credited one bit
 * (Linux's jitter fallback). 0 or -EINTR. */
static int wait_seeded(void)
{
	uint64_t last = 0;

	while (!pool.st.seeded) {
		uint64_t t0 = arch_rdtsc(), d;
		int r;

		if (kern_clock_ns() - pool.asked_ns >= ASK_NS)
			ask_sources(SEED_BITS / 8);
		r = kern_loop_wait(seeded_cond, 0, kern_clock_ns() + JITTER_NS,
				   1);
		if (r == -EINTR)
			return r;
		d = arch_rdtsc() - t0;
		kern_entropy_add(KERN_ENTROPY_JITTER, &d, sizeof(d),
				 d != last ? 1 : 0);
		last = d;
	}
	return 0;
}

long kern_getrandom(void *buf, size_t n, unsigned flags)
{
	const unsigned known = GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE;

	if ((flags & ~known) || (flags & (GRND_INSECURE | GRND_RANDOM)) ==
					(GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	pool_init();
	if (!pool.st.seeded && !(flags & GRND_INSECURE)) {
		int r;

		if (flags & GRND_NONBLOCK)
			return -EAGAIN;
		r = wait_seeded();
		if (r)
			return r;
	}
	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	if (n && !buf)
		return -EFAULT;
	extract(buf, n);
	return (long)n;
}

long sys_getrandom(const long *a)
{
	return kern_getrandom((void *)a[0], (size_t)a[1], (unsigned)a[2]);
}

void kern_entropy_stats(struct kern_entropy_stats *st)
{
	*st = pool.st;
}

void os_random_stats(struct os_random_stats *st)
{
	const struct kern_entropy_stats *k = &pool.st;

	*st = (struct os_random_stats){
		.rdseed = k->bytes[KERN_ENTROPY_RDSEED],
		.rdrand = k->bytes[KERN_ENTROPY_RDRAND],
		.virtio_rng = k->bytes[KERN_ENTROPY_VIRTIO_RNG],
		.jitter = k->bytes[KERN_ENTROPY_JITTER],
		.reseeds = k->reseeds,
		.output = k->output,
		.seeded_ns = k->seeded_ns,
		.seeded = k->seeded,
	};
	for (int i = 0; i < KERN_ENTROPY_NSRC; i++)
		st->credited += k->bits[i];
}

long os_random_hw_read(void *buf, size_t n)
{
	long r = -ENODEV;
	int was;

	if (n == 0)
		return 0;
	was = arch_irq_save(); /* the service calls in with them on */
	for (int i = 0; i < nsources && r == -ENODEV; i++)
		if (sources[i]->read)
			r = sources[i]->read(sources[i]->arg, buf, n);
	if (r == -EINTR)
		kern_signal_deliver();
	arch_irq_restore(was);
	return r;
}
