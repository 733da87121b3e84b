/* crash: faults on purpose, for the VM tests of exception reports. The
 * first argument picks the fault; each happens in b(), called by a(),
 * called by main(), so the backtrace must show b, a, main. */
#include <os/mem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define UNMAPPED ((char *)0x80000000000ULL) /* canonical, never mapped */
#define NONCANONICAL ((char *)0x8000000000000000ULL)
/* A hole in microvm's physical address space that a VM test names in a
 * virtio_mmio.device= token with no device behind it. */
#define MMIO_HOLE ((char *)0xd0000000ULL)

static volatile int zero;

int main(int argc, char **argv);

/* Load an empty IDT, then trap: the CPU cannot deliver the exception,
 * nor the double fault, and resets. */
static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(empty));
}

/* Shrink the IDT to vectors 0-8, then raise a #GP: its gate lies past the
 * limit, so delivering it raises another #GP, and the CPU escalates to a
 * double fault, whose gate (8) still exists. */
static void double_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	idtr.limit = 9 * 16 - 1;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	*(volatile char *)NONCANONICAL = 1;
}

/* Recurse until the stack runs into its guard page. */
__attribute__((noinline)) static int recurse(volatile char *prev, int depth)
{
	volatile char buf[256];

	buf[0] = (char)depth;
	buf[255] = prev ? prev[0] : 0;
	if (depth > (1 << 30)) /* never: the stack ends long before */
		return 0;
	return recurse(buf, depth + 1) + buf[255];
}

/* Jump to code placed in no-execute memory (a "ret" instruction). */
static int exec_at(unsigned char *code)
{
	code[0] = 0xc3;
	((void (*)(void))code)();
	return 0;
}

/* A page made read-only with mprotect, then written. */
static int write_protected(void)
{
	volatile char *p = mmap(0, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
	if (mprotect((void *)p, 4096, PROT_READ))
		return 3;
	printf("crash: read back %d after mprotect\n", p[0]);
	p[0] = 2;
	return 0;
}

/* Read 16 MiB past the last byte of RAM. */
static int past_ram(void)
{
	struct os_mem_stats st;

	os_mem_stats(&st);
	return *(volatile char *)(uintptr_t)(st.total + (16 << 20));
}

/* Overflow a stack buffer past the canary. */
__attribute__((noinline)) static void smash(const char *s, size_t n)
{
	char buf[16];
	volatile char *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = s[i % 4];
	printf("smashed %c\n", buf[0]);
}

__attribute__((noinline)) static int b(const char *what)
{
	if (!strcmp(what, "div0"))
		return (int)strlen(what) / zero;
	if (!strcmp(what, "ud"))
		__asm__ volatile("ud2");
	if (!strcmp(what, "pf"))
		return *(volatile char *)UNMAPPED;
	if (!strcmp(what, "gp"))
		return *(volatile char *)NONCANONICAL;
	if (!strcmp(what, "libc"))
		return (int)strlen(UNMAPPED); /* faults inside musl */
	if (!strcmp(what, "smash"))
		smash("AAAA", 64);
	if (!strcmp(what, "triple"))
		triple_fault();
	if (!strcmp(what, "df"))
		double_fault();
	if (!strcmp(what, "null"))
		return *(volatile int *)(uintptr_t)zero;
	if (!strcmp(what, "write_text"))
		*(volatile char *)(uintptr_t)main = 0;
	if (!strcmp(what, "exec_heap"))
		return exec_at(malloc(64));
	if (!strcmp(what, "exec_stack")) {
		unsigned char code[16];

		return exec_at(code);
	}
	if (!strcmp(what, "overflow"))
		return recurse(0, 0);
	if (!strcmp(what, "mprotect"))
		return write_protected();
	if (!strcmp(what, "past_ram"))
		return past_ram();
	if (!strcmp(what, "mmio_hole"))
		return *(volatile char *)MMIO_HOLE;
	if (!strcmp(what, "hang"))
		for (;;)
			__asm__ volatile("pause");
	printf("crash: unknown mode '%s'\n", what);
	return 2;
}

__attribute__((noinline)) static int a(const char *what)
{
	int r = b(what);

	return r + zero; /* not a tail call: a keeps its frame */
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: crash div0|ud|pf|gp|libc|smash|df|triple|hang|"
		       "null|write_text|exec_heap|exec_stack|overflow|"
		       "mprotect|past_ram|mmio_hole\n");
		return 2;
	}
	printf("crash: %s\n", argv[1]);
	return a(argv[1]) + zero;
}
