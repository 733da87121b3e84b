/* kernel/entropy: randomness. The pool (this file) and the primitives
 * it is built on, written from their specifications: SHA-256 (sha256.c)
 * and the ChaCha20 block function (chacha20.c).
 *
 * The kernel's entropy pool (see kern/entropy.h). Input from every
 * source goes into a running SHA-256 (sha256.h), each piece prefixed
 * with its source, length and a time stamp. Once 256 credited bits have
 * gathered the pool reseeds: the new ChaCha20 key (chacha20.h, 64-bit
 * counter, zero nonce: each key serves one request) is SHA-256 of the
 * input and the old key, and the input starts afresh. Each request takes
 * its first 32 bytes of keystream as the next key and hands out what
 * follows (fast key erasure: a later compromise does not reveal earlier
 * output). While unseeded, output comes from a key mixed with a snapshot
 * of the input so far. RDSEED and RDRAND are read at first use and again
 * every minute; devices register and are asked. The boot seeds the pool
 * before anything draws from it (kern_entropy_boot: the CPU, else the
 * device, else jitter), so that AT_RANDOM, musl's canary and lwIP's
 * numbers never come from time stamps alone. Also getrandom(2) and
 * include/os/random.h. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <arch/cpu.h>
#include <arch/irq.h>
#include "entropy/chacha20.h"
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/loop.h>
#include "entropy/sha256.h"
#include "proc/signal.h"
#include <kern/uaccess.h>
#include <os/random.h>

#include "core/sys.h"

#define SEED_BITS 256
#define RESEED_NS (60ULL * 1000000000)	 /* fresh input at least this often */
#define ASK_NS (1000000000ULL)		 /* not asking devices more often */
#define BOOT_WAIT_NS (1000ULL * 1000000) /* for a device's first bytes */
#define BOOT_JITTER_NS 5000000000ULL	 /* jitter at boot, at most */
#define JITTER_NS (200ULL * 1000)	 /* one jitter sample per wake-up */
#define MAX_RW_COUNT 0x7ffff000UL	 /* Linux's limit for one call */
#define MAX_SOURCES 4

/* Clear secrets in a way the compiler keeps. */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The pool. */

static struct {
	struct kern_sha256 input; /* everything added since the last reseed */
	uint8_t key[32];	  /* the ChaCha20 key output comes from */
	unsigned pending;	  /* bits credited since the last reseed */
	int ready;		  /* CPU sources read once */
	int booted;		  /* kern_entropy_boot ran */
	uint64_t reseed_ns;	  /* time of the last reseed */
	uint64_t asked_ns;	  /* time the sources were last asked */
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

/* Bits credited by the strong sources: RDSEED, RDRAND, virtio-rng. */
static uint64_t strong_bits(void)
{
	return pool.st.bits[KERN_ENTROPY_RDSEED] +
	       pool.st.bits[KERN_ENTROPY_RDRAND] +
	       pool.st.bits[KERN_ENTROPY_VIRTIO_RNG];
}

/* The one line the boot log has about the seeding. */
static void became_seeded(void)
{
	char names[80];

	pool.st.seeded = 1;
	pool.st.seeded_ns = kern_clock_ns();
	credited_names(names, sizeof(names));
	kern_info("entropy: pool seeded after %lu us from %s: %s",
		  (unsigned long)(pool.st.seeded_ns / 1000), names,
		  pool.st.strong ? "strong" :
		  strong_bits()	 ? "partly jitter" :
				   "jitter only");
}

/* A new key from the input and the old key; the input starts afresh.
 * Every credited bit so far is in the key then: strong once 256 of them
 * came from the strong sources. */
static void reseed(void)
{
	int was_strong = pool.st.strong;

	kern_sha256_update(&pool.input, pool.key, sizeof(pool.key));
	kern_sha256_final(&pool.input, pool.key);
	kern_sha256_init(&pool.input);
	pool.pending = 0;
	pool.reseed_ns = kern_clock_ns();
	pool.st.reseeds++;
	pool.st.strong = strong_bits() >= SEED_BITS;
	if (!pool.st.seeded)
		became_seeded();
	else if (pool.st.strong && !was_strong)
		kern_info("entropy: pool strong from now on");
}

static void add_cpu_sources(void);

/* At first use: the input hash, then the CPU's sources. */
static void pool_init(void)
{
	if (pool.ready)
		return;
	pool.ready = 1;
	kern_sha256_init(&pool.input);
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
	kern_sha256_update(&pool.input, &hdr, sizeof(hdr));
	kern_sha256_update(&pool.input, buf, len);
	pool.st.bytes[src] += len;
	pool.st.bits[src] += bits;
	pool.pending += bits;
	if (pool.pending >= SEED_BITS)
		reseed();
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
	add_cpu(KERN_ENTROPY_RDSEED, arch_rdseed64);
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
	struct kern_sha256 s = pool.input;

	kern_sha256_update(&s, pool.key, sizeof(pool.key));
	kern_sha256_final(&s, pool.key);
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
	kern_sha256_update(&pool.input, &tsc, sizeof(tsc)); /* uncredited */
	if (!pool.st.seeded)
		mix_snapshot();
	kern_chacha20_block_ctr64(pool.key, 0, block);
	memcpy(next, block, 32);
	memcpy(out, block + 32, n < 32 ? n : 32);
	for (size_t i = 32; i < n; i += 64) {
		kern_chacha20_block_ctr64(pool.key, ctr++, block);
		memcpy(out + i, block, n - i < 64 ? n - i : 64);
	}
	memcpy(pool.key, next, sizeof(next));
	pool.st.output += n;
	if (!pool.st.seeded)
		pool.st.unseeded_output += n;
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
	kern_entropy_boot();
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

/* Wait until seeded or until monotonic time deadline: ask the sources,
 * and time each short wait in the loop; an interval that differs from
 * the last is credited one bit (Linux's jitter fallback). 0, -ETIMEDOUT,
 * or -EINTR if interruptible. */
static int collect_jitter(uint64_t deadline, int interruptible)
{
	uint64_t last = 0;

	while (!pool.st.seeded) {
		uint64_t t0 = arch_rdtsc(), d;
		int r;

		if (kern_clock_ns() >= deadline)
			return -ETIMEDOUT;
		if (kern_clock_ns() - pool.asked_ns >= ASK_NS)
			ask_sources(SEED_BITS / 8);
		r = kern_loop_wait(seeded_cond, 0, kern_clock_ns() + JITTER_NS,
				   interruptible);
		if (r == -EINTR)
			return r;
		d = arch_rdtsc() - t0;
		kern_entropy_add(KERN_ENTROPY_JITTER, &d, sizeof(d),
				 d != last ? 1 : 0);
		last = d;
	}
	return 0;
}

/* Seeding at boot. The network's numbers and AT_RANDOM are drawn before
 * main() and cannot wait later, so the boot waits here, once, for the
 * best source there is: the CPU's (read by pool_init), the device's first
 * bytes (up to BOOT_WAIT_NS), and without them the jitter a blocking
 * getrandom would collect anyway (0.2 to 0.3 s under TCG). The jitter is
 * cut off after BOOT_JITTER_NS (a deterministic TSC, as with QEMU's
 * -icount, might never vary): a boot that stops for good is worse than
 * one that says its entropy is weak. */
int kern_entropy_boot(void)
{
	if (pool.booted)
		return pool.st.seeded;
	pool.booted = 1;
	pool_init();
	if (!pool.st.seeded && nsources) {
		ask_sources(2 * SEED_BITS / 8);
		kern_loop_wait(seeded_cond, 0, kern_clock_ns() + BOOT_WAIT_NS,
			       0);
	}
	if (!pool.st.seeded)
		collect_jitter(kern_clock_ns() + BOOT_JITTER_NS, 0);
	if (!pool.st.seeded)
		kern_info("warning: entropy pool not seeded after %lu ms of "
			  "jitter: entropy is weak",
			  (unsigned long)(BOOT_JITTER_NS / 1000000));
	return pool.st.seeded;
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
		r = collect_jitter(KERN_LOOP_FOREVER, 1);
		if (r)
			return r;
	}
	if (n == 0)
		return 0;
	if (!buf)
		return -EFAULT;
	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	extract(buf, n);
	return (long)n;
}

/* getrandom(2): kern_getrandom into a kernel block at a time, copied
 * out to the service's buffer (kern/uaccess.h). */
long sys_getrandom(const long *a)
{
	uint8_t block[512];
	uint8_t *ubuf = (uint8_t *)a[0];
	size_t n = (size_t)a[1], done = 0;
	unsigned flags = (unsigned)a[2];
	long r = kern_getrandom(block, 0, flags); /* flags; waits if must */

	if (r < 0)
		return r;
	if (kern_user_check(ubuf, n, KERN_UWRITE))
		return -EFAULT;
	n = n > MAX_RW_COUNT ? MAX_RW_COUNT : n;
	while (done < n) {
		size_t k = n - done < sizeof(block) ? n - done : sizeof(block);

		kern_getrandom(block, k, flags);
		if (kern_copy_safe(ubuf + done, block, k))
			break;
		done += k;
	}
	wipe(block, sizeof(block));
	return done || !n ? (long)done : -EFAULT;
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
		.rdseed_bits = k->bits[KERN_ENTROPY_RDSEED],
		.rdrand_bits = k->bits[KERN_ENTROPY_RDRAND],
		.virtio_rng_bits = k->bits[KERN_ENTROPY_VIRTIO_RNG],
		.jitter_bits = k->bits[KERN_ENTROPY_JITTER],
		.reseeds = k->reseeds,
		.output = k->output,
		.unseeded_output = k->unseeded_output,
		.seeded_ns = k->seeded_ns,
		.seeded = k->seeded,
		.strong = k->strong,
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
