/*
 * Randomness in libos.
 *
 * Services get random bytes the Linux way, with getrandom(2) (or
 * getentropy(3)): libos mixes every source it finds (RDSEED and RDRAND
 * when the CPU has them, a virtio-rng device, time-stamp-counter jitter)
 * into one pool and hands out ChaCha20 output keyed from it. The pool
 * counts as seeded once 256 bits of entropy have been credited, and the
 * boot seeds it before anything draws from it (AT_RANDOM, from which musl
 * takes the stack-protector canary, lwIP's sequence numbers and DHCP
 * xid): from the CPU's instruction or a virtio-rng device, or, without
 * either, from the jitter of timed wake-ups of the event loop (a fraction
 * of a second under TCG). The boot log says in one line which sources
 * seeded it and whether it is "strong" (256 bits from RDSEED, RDRAND or
 * virtio-rng) or "jitter only". getrandom without GRND_NONBLOCK would
 * wait for the seeding, so it returns at once from main() on.
 *
 * This header adds what Linux keeps in /proc and /dev/hwrng.
 */
#ifndef OS_RANDOM_H
#define OS_RANDOM_H

#include <stddef.h>
#include <stdint.h>

struct os_random_stats {
	uint64_t rdseed;	  /* bytes of input from RDSEED */
	uint64_t rdrand;	  /* ... from RDRAND */
	uint64_t virtio_rng;	  /* ... from the virtio-rng device */
	uint64_t jitter;	  /* ... from time-stamp-counter jitter */
	uint64_t credited;	  /* bits of entropy credited, all sources */
	uint64_t rdseed_bits;	  /* of which from RDSEED */
	uint64_t rdrand_bits;	  /* ... from RDRAND */
	uint64_t virtio_rng_bits; /* ... from the virtio-rng device */
	uint64_t jitter_bits;	  /* ... from jitter (at most 1 a sample) */
	uint64_t reseeds;	  /* output key renewed from input */
	uint64_t output;	  /* bytes handed out (getrandom, AT_RANDOM) */
	uint64_t unseeded_output; /* of which before the pool was seeded
				   * (GRND_INSECURE, a MAC address made up
				   * for a virtio-net device without one) */
	uint64_t seeded_ns;	  /* monotonic time the pool was seeded, or 0 */
	int seeded;		  /* 1 once 256 bits were credited */
	int strong;		  /* 1 once the output key has taken in 256 bits
				   * from RDSEED, RDRAND or virtio-rng */
};

/* Fill *st with the current figures. Never fails. */
void os_random_stats(struct os_random_stats *st);

/* Read up to n bytes straight from the hardware random device (today:
 * virtio-rng), bypassing the pool, like Linux's /dev/hwrng; for testing
 * and measuring the device. Waits in the event loop until at least one
 * byte arrived. Returns the count (1 to n; n = 0 returns 0), -ENODEV
 * without such a device, -EINTR when a signal arrived first, -EIO when
 * the device failed. */
long os_random_hw_read(void *buf, size_t n);

#endif
