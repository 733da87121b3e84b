/* Kernel entropy until a virtio-rng driver exists: RDRAND when the CPU
 * has it, otherwise a loudly weak time-stamp-counter mix. */
#include <string.h>

#include <arch/cpu.h>
#include <kern/console.h>
#include <kern/entropy.h>

/* A 64-bit mixer (splitmix64's finaliser) to spread TSC jitter. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int kern_entropy_fill(void *buf, size_t n)
{
	static int warned;
	uint8_t *out = buf;
	int strong = 1;
	uint64_t v;

	for (size_t i = 0; i < n; i += sizeof(v)) {
		if (arch_rdrand64(&v) != 0) {
			strong = 0;
			v = mix(arch_rdtsc() + i);
		}
		memcpy(out + i, &v, n - i < sizeof(v) ? n - i : sizeof(v));
	}
	if (!strong && !warned++)
		kern_info(
			"warning: no hardware random source: entropy is weak");
	return strong;
}
