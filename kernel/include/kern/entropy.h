/* Random bytes for the kernel: the stack-protector canary, AT_RANDOM. */
#ifndef KERN_ENTROPY_H
#define KERN_ENTROPY_H

#include <stddef.h>

/* Fill buf with n random bytes from the best source there is (RDRAND);
 * without one, mix the time-stamp counter and warn once that entropy is
 * weak. Returns 1 if the bytes came from a hardware source, else 0. */
int kern_entropy_fill(void *buf, size_t n);

#endif
