/* Unit tests of kernel/entropy/entropy.c, the pool, on a simulated machine: a CPU
 * with or without RDRAND, a device source that answers after a while or
 * never, a monotonic clock that moves only when the event loop waits.
 * Each scenario runs in a child process of its own, since the pool is
 * one static object: the boot's seeding (kern_entropy_boot) from the CPU,
 * from the device, from jitter when neither gives anything, cut off when
 * jitter never comes; getrandom's flags while unseeded; the counters and
 * the boot's one line about the seeding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/loop.h>

#define MS 1000000ULL

/* The simulated machine. */
static struct {
	int rdrand;	     /* the CPU has RDRAND */
	uint64_t now;	     /* monotonic ns */
	uint64_t late;	     /* a wait that times out ends this late */
	unsigned waits;	     /* kern_loop_wait calls */
	uint64_t device_at;  /* the device answers then (0: never) */
	size_t device_asked; /* bytes the pool asked the device for */
	char log[4096];	     /* kern_log's lines */
} m;

int arch_rdrand64(uint64_t *out)
{
	static uint64_t x = 0x243f6a8885a308d3ULL;

	if (!m.rdrand)
		return -ENODEV;
	x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	*out = x;
	return 0;
}

int arch_rdseed64(uint64_t *out)
{
	(void)out;
	return -ENODEV;
}

int arch_irq_save(void)
{
	return 0;
}

void arch_irq_restore(int was)
{
	(void)was;
}

uint64_t kern_clock_ns(void)
{
	return m.now;
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	size_t n = strlen(m.log);
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(m.log + n, sizeof(m.log) - n, fmt, ap);
	va_end(ap);
	n = strlen(m.log);
	snprintf(m.log + n, sizeof(m.log) - n, "\n");
}

void kern_signal_deliver(void)
{
}

/* The service's buffers are the test's own. */
int kern_user_check(const void *p, size_t n, unsigned access)
{
	(void)access;
	return p || !n ? 0 : -EFAULT;
}

int kern_copy_safe(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

/* The device: 64 random-looking bytes into the pool, once. */
static void device_answers(void)
{
	uint8_t b[64];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	m.device_at = 0;
	kern_entropy_add(KERN_ENTROPY_VIRTIO_RNG, b, sizeof(b), 8 * sizeof(b));
}

/* The event loop: the device's answer when it is due before deadline,
 * else time passes to the deadline (and m.late past it). Never
 * interrupted. */
int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	(void)interruptible;
	m.waits++;
	if (cond && cond(arg))
		return 0;
	if (m.device_at && m.device_at <= deadline) {
		if (m.now < m.device_at)
			m.now = m.device_at;
		device_answers();
		if (!cond || cond(arg))
			return 0;
	}
	m.now = deadline + m.late;
	return -ETIMEDOUT;
}

static void device_request(void *arg, size_t n)
{
	(void)arg;
	m.device_asked += n;
}

static const struct kern_entropy_source device = { "virtio-rng",
						   KERN_ENTROPY_VIRTIO_RNG,
						   device_request, NULL, NULL };

static struct kern_entropy_stats stats(void)
{
	struct kern_entropy_stats st;

	kern_entropy_stats(&st);
	return st;
}

/* Neither RDRAND nor a device: the boot times the loop's wake-ups until
 * 256 bits are credited, draws nothing before, and says "jitter only". */
static void jitter_only(void **state)
{
	uint8_t at_random[16] = { 0 }, zero[16] = { 0 };
	struct kern_entropy_stats st;
	unsigned waits;

	(void)state;
	assert_int_equal(kern_entropy_boot(), 1);
	st = stats();
	assert_true(st.seeded);
	assert_false(st.strong);
	assert_int_equal(st.bits[KERN_ENTROPY_JITTER], 256);
	assert_int_equal(st.bits[KERN_ENTROPY_RDRAND], 0);
	assert_int_equal(st.output, 0);
	assert_int_equal(st.unseeded_output, 0);
	assert_true(m.waits >= 256); /* one credited bit a wake-up at most */
	assert_non_null(strstr(m.log, "from tsc-jitter: jitter only"));
	assert_null(strstr(m.log, "weak"));

	waits = m.waits; /* once only */
	assert_int_equal(kern_entropy_boot(), 1);
	assert_int_equal(kern_entropy_fill(at_random, 16), 1);
	assert_int_equal(m.waits, waits);
	assert_memory_not_equal(at_random, zero, 16);
	assert_int_equal(kern_getrandom(at_random, 16, GRND_NONBLOCK), 16);
	assert_int_equal(stats().unseeded_output, 0);
}

/* RDRAND: seeded at once, no waiting, "strong". */
static void cpu(void **state)
{
	struct kern_entropy_stats st;

	(void)state;
	m.rdrand = 1;
	assert_int_equal(kern_entropy_boot(), 1);
	st = stats();
	assert_true(st.strong);
	assert_int_equal(st.bits[KERN_ENTROPY_RDRAND], 256);
	assert_int_equal(st.bits[KERN_ENTROPY_JITTER], 0);
	assert_int_equal(m.waits, 0);
	assert_non_null(strstr(m.log, "from rdrand: strong"));
}

/* A device that answers 10 ms after the boot asks: its bytes seed the
 * pool, no jitter is collected. */
static void device_in_time(void **state)
{
	struct kern_entropy_stats st;

	(void)state;
	m.device_at = 10 * MS;
	assert_int_equal(kern_entropy_register(&device), 0);
	assert_true(m.device_asked >= 32);
	assert_int_equal(kern_entropy_boot(), 1);
	st = stats();
	assert_true(st.strong);
	assert_int_equal(st.bits[KERN_ENTROPY_VIRTIO_RNG], 512);
	assert_int_equal(st.bits[KERN_ENTROPY_JITTER], 0);
	assert_int_equal(st.unseeded_output, 0);
	assert_int_equal(m.now, 10 * MS);
	assert_non_null(strstr(m.log, "from virtio-rng: strong"));
}

/* A device that stays silent for the boot's second: jitter seeds the
 * pool; once the device answers the pool becomes strong, and says so. */
static void device_late(void **state)
{
	(void)state;
	m.device_at = 3000 * MS;
	assert_int_equal(kern_entropy_register(&device), 0);
	assert_int_equal(kern_entropy_boot(), 1);
	assert_true(m.now >= 1000 * MS);
	assert_false(stats().strong);
	assert_int_equal(stats().bits[KERN_ENTROPY_VIRTIO_RNG], 0);
	assert_non_null(strstr(m.log, "from tsc-jitter: jitter only"));
	device_answers();
	assert_true(stats().strong);
	assert_non_null(strstr(m.log, "pool strong from now on"));
}

/* Jitter that takes longer than the boot allows (each wake-up a second
 * late): the boot goes on unseeded after 5 s and warns. */
static void jitter_cut_off(void **state)
{
	uint8_t b[16];

	(void)state;
	m.late = 1000 * MS;
	assert_int_equal(kern_entropy_boot(), 0);
	assert_false(stats().seeded);
	assert_true(m.now >= 5000 * MS && m.now <= 6000 * MS);
	assert_non_null(strstr(m.log, "entropy is weak"));
	assert_int_equal(kern_entropy_fill(b, sizeof(b)), 0);
	assert_int_equal(stats().unseeded_output, sizeof(b));
}

/* Before the boot's seeding: what draws is counted, getrandom's flags
 * (EAGAIN with GRND_NONBLOCK, bytes with GRND_INSECURE, EINVAL for
 * unknown or contradicting bits), and a blocking getrandom collects the
 * jitter itself. */
static void getrandom_unseeded(void **state)
{
	uint8_t b[32];

	(void)state;
	(void)kern_random_u32();
	assert_int_equal(stats().unseeded_output, 4);
	assert_int_equal(kern_getrandom(b, 16, GRND_NONBLOCK), -EAGAIN);
	assert_int_equal(kern_getrandom(b, 8, GRND_INSECURE), 8);
	assert_int_equal(kern_getrandom(b, 8, 0x10), -EINVAL);
	assert_int_equal(kern_getrandom(b, 8, GRND_INSECURE | GRND_RANDOM),
			 -EINVAL);
	assert_int_equal(stats().unseeded_output, 12);
	assert_false(stats().seeded);
	assert_int_equal(kern_getrandom(b, sizeof(b), 0), sizeof(b));
	assert_true(stats().seeded);
	assert_int_equal(stats().bits[KERN_ENTROPY_JITTER], 256);
	assert_int_equal(stats().unseeded_output, 12);
	assert_int_equal(kern_getrandom(b, 16, GRND_NONBLOCK), 16);
}

/* Run one scenario in a child with a fresh pool; its cmocka result. */
static int in_child(const char *name, void (*fn)(void **))
{
	const struct CMUnitTest t[] = { { name, fn, NULL, NULL, NULL } };
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(cmocka_run_group_tests_name("entropy", t, NULL, NULL));
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(void)
{
	int failed = 0;

	failed += in_child("jitter_only", jitter_only);
	failed += in_child("cpu", cpu);
	failed += in_child("device_in_time", device_in_time);
	failed += in_child("device_late", device_late);
	failed += in_child("jitter_cut_off", jitter_cut_off);
	failed += in_child("getrandom_unseeded", getrandom_unseeded);
	return failed ? 1 : 0;
}
