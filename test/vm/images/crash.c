/* crash: faults on purpose, for the VM tests of exception reports. The
 * first argument picks the fault; each happens in b(), called by a(),
 * called by main(), so the backtrace must show b, a, main. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define UNMAPPED ((char *)0x100000000000ULL) /* canonical, never mapped */
#define NONCANONICAL ((char *)0x8000000000000000ULL)

static volatile int zero;

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
		printf("usage: crash "
		       "div0|ud|pf|gp|libc|smash|df|triple|hang\n");
		return 2;
	}
	printf("crash: %s\n", argv[1]);
	return a(argv[1]) + zero;
}
