/* The kernel's entropy pool: every random source (RDSEED, RDRAND, the
 * virtio-rng device, time-stamp-counter jitter) is mixed into one SHA-256
 * input pool; output comes from a ChaCha20 key derived from it, replaced
 * after every request (fast key erasure). The pool counts as seeded once
 * 256 credited bits went into it. Sources that deliver later (devices)
 * register here and are asked for bytes when the pool wants them; the
 * boot seeds the pool (kern_entropy_boot) before anything draws from it.
 * Behind getrandom(2), AT_RANDOM, the kernel's own random numbers (lwIP)
 * and include/os/random.h. */
#ifndef KERN_ENTROPY_H
#define KERN_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

/* Where input came from (the counters are kept per source). */
enum kern_entropy_src {
	KERN_ENTROPY_RDSEED,
	KERN_ENTROPY_RDRAND,
	KERN_ENTROPY_VIRTIO_RNG,
	KERN_ENTROPY_JITTER, /* time-stamp-counter jitter */
	KERN_ENTROPY_NSRC
};

/* A source that delivers later, through kern_entropy_add() from the
 * event loop (a device). The pool keeps the pointer. */
struct kern_entropy_source {
	const char *name;
	enum kern_entropy_src id;
	/* Start fetching about n bytes for the pool; must not block. A
	 * request while one is under way may be ignored. */
	void (*request)(void *arg, size_t n);
	/* Read up to n bytes straight from the source (not through the
	 * pool), waiting in the event loop, interruptibly: the count read
	 * (at least 1), -EINTR or -EIO. NULL if the source cannot. */
	long (*read)(void *arg, void *buf, size_t n);
	void *arg;
};

struct kern_entropy_stats {
	uint64_t bytes[KERN_ENTROPY_NSRC]; /* input bytes per source */
	uint64_t bits[KERN_ENTROPY_NSRC];  /* of which credited, in bits */
	uint64_t reseeds;		   /* new keys from the input pool */
	uint64_t requests;		   /* times sources were asked */
	uint64_t output;		   /* bytes handed out */
	uint64_t unseeded_output;	   /* of which before it was seeded */
	uint64_t seeded_ns;		   /* when seeded; 0 if not yet */
	int seeded;
	int strong; /* the key holds 256 bits from RDSEED, RDRAND, virtio-rng */
};

/* Mix len bytes from src into the pool, crediting bits of entropy (at
 * most 8 per byte). Reseeds once 256 credited bits have gathered; the
 * first time, the pool becomes seeded (logged with its sources). Any
 * context but an interrupt handler. */
void kern_entropy_add(enum kern_entropy_src src, const void *buf, size_t len,
		      unsigned bits);

/* Register a delivering source (the boot sequence, before the service
 * starts). If the pool is not seeded yet, the source is asked for bytes
 * at once. 0, or -ENOSPC. */
int kern_entropy_register(const struct kern_entropy_source *s);

/* The boot step that seeds the pool before anything draws a secret from
 * it (lwIP's ports, sequence numbers and DHCP xid, AT_RANDOM and so
 * musl's canary): after the devices were probed, before the network
 * starts. RDSEED/RDRAND seed it at once when the CPU has them; else, with
 * a delivering source registered (virtio-rng), the event loop runs for up
 * to a second for its bytes; else, or if none came, the loop's wake-ups
 * are timed for jitter (as a blocking getrandom would, one credited bit
 * per changed interval) for up to 5 s. The seeding is logged in one line
 * with its sources and "strong" or "jitter only"; if the pool is still
 * unseeded a warning says entropy is weak. Only the first call does
 * anything. Returns 1 if the pool is seeded, else 0. */
int kern_entropy_boot(void);

/* For the boot (AT_RANDOM): kern_entropy_boot() if it has not run, then
 * n bytes from the pool into buf. Returns 1 if the pool was seeded, else
 * 0 (the bytes then rest on the CPU's time stamps only). */
int kern_entropy_fill(void *buf, size_t n);

/* n bytes from the pool, never blocking (the kernel's own needs: lwIP's
 * ports and sequence numbers). Returns 1 if the pool is seeded, else 0
 * (the bytes are then as weak as the sources so far). */
int kern_random(void *buf, size_t n);

/* kern_random() for one 32-bit number. */
uint32_t kern_random_u32(void);

/* Whether 256 credited bits have reached the pool. */
int kern_entropy_seeded(void);

/* getrandom(2) with Linux's semantics: flags GRND_NONBLOCK, GRND_RANDOM
 * (the same pool), GRND_INSECURE, any other bit -EINVAL. Until the pool
 * is seeded: -EAGAIN with GRND_NONBLOCK, bytes anyway with GRND_INSECURE,
 * else wait in the event loop (asking the sources, timing the wake-ups
 * for jitter: one credited bit per changed interval) until seeded or a
 * signal (-EINTR). Returns n (at most 0x7ffff000), or -EFAULT for a NULL
 * buffer. */
long kern_getrandom(void *buf, size_t n, unsigned flags);

/* The counters so far. */
void kern_entropy_stats(struct kern_entropy_stats *st);

#endif
