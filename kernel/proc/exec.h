/* Starting the service: its initial stack (argc, argv, envp, auxv) as
 * Linux builds it for a static executable, then musl's own start-up. */
#ifndef KERN_START_H
#define KERN_START_H

#include <stddef.h>
#include <stdint.h>

/* Build the initial stack at the top of [lo, hi) for argv and envp (each
 * NULL-ended) and random (the 16 bytes for AT_RANDOM); returns the new
 * stack pointer, 16-byte aligned and pointing at argc, or 0 when they do
 * not fit. Pure: unit-tested. */
uintptr_t kern_start_stack(uintptr_t lo, uintptr_t hi, char *const *argv,
			   char *const *envp, const uint8_t random[16],
			   uintptr_t phdr, size_t phnum);

/* Run the service's main (argv, environment envp) through musl's
 * __libc_start_main on a new stack of stack_size bytes. Never returns: exit()
 * ends the image. */
__attribute__((noreturn)) void
kern_start_service(char *const *argv, char *const *envp, size_t stack_size);

#endif
