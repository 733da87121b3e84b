/* lib/tls's randomness: PSA's external RNG hook, fed by getrandom(2) (in
 * an image, the kernel's pool), and the check that the pool was seeded
 * from a strong source before TLS keys are made from it. */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include <psa/crypto.h>

#include "tls_internal.h"

/* PSA's RNG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG): output_size bytes from
 * getrandom(2), or PSA_ERROR_INSUFFICIENT_ENTROPY when it fails. */
psa_status_t
mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
				uint8_t *output, size_t output_size,
				size_t *output_length)
{
	size_t got = 0;

	(void)context;
	while (got < output_size) {
		ssize_t r = getrandom(output + got, output_size - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return PSA_ERROR_INSUFFICIENT_ENTROPY;
		got += (size_t)r;
	}
	*output_length = got;
	return PSA_SUCCESS;
}

int tls_psa_init(void)
{
	static bool ready;

	if (ready)
		return 0;
	if (psa_crypto_init() != PSA_SUCCESS)
		return -ENOMEM;
	ready = true;
	return 0;
}

int tls_entropy_verdict(const struct os_random_stats *st, char *why,
			size_t whylen)
{
	uint64_t hw = st->rdseed_bits + st->rdrand_bits + st->virtio_rng_bits;

	if (st->strong)
		return 0;
	if (hw == 0)
		snprintf(why, whylen,
			 "tls: no strong entropy source (RDSEED, RDRAND or "
			 "virtio-rng); the pool has %s: give QEMU -device "
			 "virtio-rng-pci or a CPU with RDRAND (-cpu max)",
			 st->jitter_bits ? "jitter only" : "no entropy yet");
	else if (hw >= 256)
		snprintf(why, whylen,
			 "tls: the pool took %llu bits from RDSEED, RDRAND or "
			 "virtio-rng but its output key was not yet renewed "
			 "from them: call again later",
			 (unsigned long long)hw);
	else
		snprintf(why, whylen,
			 "tls: the pool has %llu of the 256 bits it needs from "
			 "RDSEED, RDRAND or virtio-rng (the rest is jitter): "
			 "give QEMU -device virtio-rng-pci or a CPU with "
			 "RDRAND (-cpu max)",
			 (unsigned long long)hw);
	return -EPERM;
}

int tls_entropy_check(char *why, size_t whylen)
{
#ifdef TLS_HOST
	(void)why;
	(void)whylen;
	return 0; /* Linux's getrandom(2) waits for its own pool */
#else
	struct os_random_stats st;

	os_random_stats(&st);
	return tls_entropy_verdict(&st, why, whylen);
#endif
}
