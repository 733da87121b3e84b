/* kernel/proc: the service as a process. Starting it (this file), its
 * signals (signal.c), its exit and the exit statuses (exit.c), and the
 * process-identity calls (sys_proc.c).
 *
 * Starting the service: the Linux initial stack (argc, argv, envp, auxv)
 * on a fresh stack, then musl's __libc_start_main, which runs
 * constructors, sets up TLS and the canary from AT_RANDOM, calls main and
 * passes its result to exit(). */
#include <elf.h>
#include <string.h>

#include <arch/boot.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/exit.h>
#include "debug/fault.h"
#include <kern/mm.h>
#include <kern/prof.h>
#include "proc/exec.h"
#include <os/exit.h>

int main(int argc, char **argv, char **envp);
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
		      void (*init)(void), void (*fini)(void),
		      void (*ldso)(void));

extern const char __ehdr_start[];

uintptr_t kern_start_stack(uintptr_t lo, uintptr_t hi, char *const *argv,
			   char *const *envp, const uint8_t random[16],
			   uintptr_t phdr, size_t phnum)
{
	size_t argc = 0, envc = 0;
	uint64_t *sp;
	uint8_t *rnd = (uint8_t *)((hi - 16) & ~15UL);
	const uint64_t aux[][2] = {
		{ AT_PHDR, phdr },
		{ AT_PHENT, sizeof(Elf64_Phdr) },
		{ AT_PHNUM, phnum },
		{ AT_PAGESZ, 4096 },
		{ AT_RANDOM, (uintptr_t)rnd },
		{ AT_SECURE, 0 },
		{ AT_NULL, 0 },
	};
	size_t words;

	while (argv[argc])
		argc++;
	while (envp[envc])
		envc++;
	words = 1 + argc + 1 + envc + 1 + 2 * (sizeof(aux) / sizeof(aux[0]));
	if ((uintptr_t)rnd < lo || (uintptr_t)rnd - lo < words * 8)
		return 0;
	sp = (uint64_t *)(((uintptr_t)rnd - words * 8) & ~15UL);
	if ((uintptr_t)sp < lo)
		return 0;
	memcpy(rnd, random, 16);
	sp[0] = argc;
	memcpy(&sp[1], argv, argc * sizeof(char *));
	sp[1 + argc] = 0; /* end of argv */
	memcpy(&sp[2 + argc], envp, envc * sizeof(char *));
	sp[2 + argc + envc] = 0; /* end of envp */
	memcpy(&sp[3 + argc + envc], aux, sizeof(aux));
	return (uintptr_t)sp;
}

/* First function on the service stack. */
static void enter_libc(void *sp)
{
	uint64_t *s = sp;

	kern_prof_enter(KERN_PROF_SERVICE); /* never left: main's time */
	arch_irq_enable(); /* the service runs with interrupts on */
	__libc_start_main(main, (int)s[0], (char **)&s[1], 0, 0, 0);
	kern_panic("__libc_start_main returned");
}

void kern_start_service(char *const *argv, char *const *envp, size_t stack_size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)__ehdr_start;
	size_t size = (stack_size + 4095) & ~4095UL;
	uintptr_t hi = kern_mm_stack(size, "service stack"), sp;
	uint8_t random[16];

	if (!hi)
		kern_panic("no memory for the service stack (%lu bytes)",
			   (unsigned long)size);
	/* From the pool the boot seeded (kern_entropy_boot); musl's
	 * __init_ssp makes the first 8 bytes the stack-protector canary,
	 * which kernel code shares (the boot stub's early one is replaced). */
	kern_entropy_fill(random, sizeof(random));
	sp = kern_start_stack(hi - size, hi, argv, envp, random,
			      (uintptr_t)__ehdr_start + eh->e_phoff,
			      eh->e_phnum);
	if (!sp)
		kern_panic("service arguments do not fit on its stack");
	arch_stack_switch((void *)sp, enter_libc, (void *)sp);
}
