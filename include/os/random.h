/*
 * Randomness in libos.
 *
 * Services get random bytes the Linux way, with getrandom(2) (or
 * getentropy(3)): libos mixes every source it finds (RDSEED and RDRAND
 * when the CPU has them, a virtio-rng device, time-stamp-counter jitter)
 * into one pool and hands out ChaCha20 output keyed from it. getrandom
 * without GRND_NONBLOCK waits until 256 bits of entropy have been
 * credited; with a CPU random instruction or a virtio-rng device that is
 * done before main() runs. Without either, a blocking getrandom times its
 * own wake-ups for jitter and returns after a fraction of a second, and
 * the boot log has warned that entropy is weak.
 *
 * This header adds what Linux keeps in /proc and /dev/hwrng.
 */
#ifndef OS_RANDOM_H
#define OS_RANDOM_H

#include <stddef.h>
#include <stdint.h>

struct os_random_stats {
	uint64_t rdseed;     /* bytes of input from RDSEED */
	uint64_t rdrand;     /* ... from RDRAND */
	uint64_t virtio_rng; /* ... from the virtio-rng device */
	uint64_t jitter;     /* ... from time-stamp-counter jitter */
	uint64_t credited;   /* bits of entropy credited, all sources */
	uint64_t reseeds;    /* times the output key was renewed from input */
	uint64_t output;     /* bytes handed out (getrandom, AT_RANDOM ...) */
	uint64_t seeded_ns;  /* monotonic time the pool was seeded, or 0 */
	int seeded;	     /* 1 once 256 bits were credited */
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
