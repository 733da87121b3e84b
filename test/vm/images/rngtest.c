/* rngtest: randomness inside libos, for the VM tests and measurements.
 * First of all it prints the pool's counters as main() finds them ("at
 * main": seeded, strong, bytes/credited bits per source, bytes handed out
 * before the seeding). The first argument picks the check:
 *   hex        prints 32 bytes of getrandom() and AT_RANDOM in hex (the
 *              test boots twice and compares), checks that the canary is
 *              AT_RANDOM's (musl's __init_ssp), that GRND_NONBLOCK does
 *              not fail (the boot seeded the pool), getrandom's flags and
 *              errors, prints the pool's counters
 *   hwbench K [B]  reads K KiB raw from the hardware device, B bytes
 *              (default 4096) a read: bytes/s
 *   bench M    M MiB of getrandom output: bytes/s
 * Each prints "rngtest: ... ok" lines and exits 0, or exits 1. */
#include <errno.h>
#include <os/random.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
	printf("rngtest: %s ", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* The counters: bytes/credited bits per source. */
static void print_stats(const char *when)
{
	struct os_random_stats st;

	os_random_stats(&st);
	printf("rngtest: %s: seeded %d strong %d rdseed=%llu/%llu "
	       "rdrand=%llu/%llu virtio-rng=%llu/%llu jitter=%llu/%llu "
	       "credited=%llu reseeds=%llu output=%llu unseeded_output=%llu\n",
	       when, st.seeded, st.strong, (unsigned long long)st.rdseed,
	       (unsigned long long)st.rdseed_bits,
	       (unsigned long long)st.rdrand,
	       (unsigned long long)st.rdrand_bits,
	       (unsigned long long)st.virtio_rng,
	       (unsigned long long)st.virtio_rng_bits,
	       (unsigned long long)st.jitter,
	       (unsigned long long)st.jitter_bits,
	       (unsigned long long)st.credited, (unsigned long long)st.reseeds,
	       (unsigned long long)st.output,
	       (unsigned long long)st.unseeded_output);
}

/* musl's (and the kernel's) stack-protector canary. */
extern uintptr_t __stack_chk_guard;

/* Whether the canary is AT_RANDOM's first 8 bytes with the second one
 * zeroed, as musl's __init_ssp makes it. */
static int canary_from_at_random(const uint8_t *at)
{
	uint8_t want[8];

	memcpy(want, at, sizeof(want));
	want[1] = 0;
	if (memcmp(&__stack_chk_guard, want, sizeof(want)) == 0)
		return 1;
	printf("rngtest: the canary is not AT_RANDOM's\n");
	return 0;
}

/* getrandom's result r against what it should be: n, or -1 with err. */
static int expect(const char *what, long r, long n, int err)
{
	int ok = err ? r == -1 && errno == err : r == n;

	if (!ok)
		printf("rngtest: %s: got %ld (errno %d)\n", what, r, errno);
	return ok;
}

static int flags_and_errors(void)
{
	uint8_t b[64], zero[64] = { 0 };
	int ok = 1;

	ok &= expect("NONBLOCK", getrandom(b, 16, GRND_NONBLOCK), 16, 0);
	ok &= expect("RANDOM", getrandom(b, 64, GRND_RANDOM), 64, 0);
	ok &= expect("INSECURE", getrandom(b, 8, GRND_INSECURE), 8, 0);
	ok &= expect("bad flag", getrandom(b, 8, 0x10), 0, EINVAL);
	ok &= expect("INSECURE|RANDOM",
		     getrandom(b, 8, GRND_INSECURE | GRND_RANDOM), 0, EINVAL);
	ok &= expect("zero length", getrandom(NULL, 0, 0), 0, 0);
	ok &= expect("getentropy", getentropy(b, 32), 0, 0);
	ok &= memcmp(b, zero, 32) != 0;
	return ok;
}

/* GRND_NONBLOCK first: the boot seeded the pool, nothing may wait. */
static int check_hex(void)
{
	uint8_t b[32];
	const uint8_t *at = (const uint8_t *)getauxval(AT_RANDOM);
	int ok = expect("NONBLOCK at start",
			getrandom(b, sizeof(b), GRND_NONBLOCK), sizeof(b), 0);

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return 0;
	print_hex("hex", b, sizeof(b));
	print_hex("at_random", at, 16);
	ok &= canary_from_at_random(at);
	ok &= flags_and_errors();
	print_stats("after");
	return ok;
}

static void report_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	printf("rngtest: %s %llu bytes in %llu ms: %llu bytes/s\n", what,
	       (unsigned long long)bytes, (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns ? bytes * 1000000000ULL / ns : 0));
}

static int hwbench(size_t kib, size_t chunk)
{
	static uint8_t b[4096];
	uint64_t t0 = now_ns(), total = 0;
	uint64_t reads = 0;

	if (chunk == 0 || chunk > sizeof(b))
		chunk = sizeof(b);
	for (; total < kib * 1024; reads++) {
		long r = os_random_hw_read(b, chunk);

		if (r <= 0) {
			printf("rngtest: os_random_hw_read: %ld\n", r);
			return 0;
		}
		total += (uint64_t)r;
	}
	report_rate("hwbench", total, now_ns() - t0);
	printf("rngtest: %llu reads of up to %zu bytes, %llu us each\n",
	       (unsigned long long)reads, chunk,
	       (unsigned long long)((now_ns() - t0) / 1000 / reads));
	return 1;
}

static int bench(size_t mib)
{
	static uint8_t b[65536];
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < mib * 16; i++)
		if (getrandom(b, sizeof(b), 0) != sizeof(b))
			return 0;
	report_rate("getrandom", mib << 20, now_ns() - t0);
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hex";
	size_t n = argc > 2 ? strtoul(argv[2], 0, 0) : 64;
	int ok;

	print_stats("at main");
	if (!strcmp(mode, "hex"))
		ok = check_hex();
	else if (!strcmp(mode, "hwbench"))
		ok = hwbench(n, argc > 3 ? strtoul(argv[3], 0, 0) : 4096);
	else if (!strcmp(mode, "bench"))
		ok = bench(n);
	else
		ok = 0;
	printf("rngtest: %s %s\n", mode, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
