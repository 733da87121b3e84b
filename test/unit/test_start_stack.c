/* Unit tests of kern_start_stack (kernel/proc/exec.c): the initial stack. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/cpu.h>
#include <arch/irq.h>
#include <kern/entropy.h>
#include <kern/exit.h>
#include "debug/fault.h"
#include <kern/mm.h>
#include "proc/exec.h"

/* Stubs for what the rest of proc/exec.c (kern_start_service) calls; the
 * tests never reach them. */
uint64_t kern_mm_stack(size_t size, const char *name)
{
	(void)size;
	(void)name;
	abort();
}

int kern_entropy_fill(void *buf, size_t n)
{
	(void)buf;
	(void)n;
	abort();
}

void kern_panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

int kern_prof_on; /* kern/prof.h: off, so enter never calls out */

int kern_prof_switch(int layer)
{
	return layer;
}

void arch_irq_enable(void)
{
	abort();
}

void arch_stack_switch(void *sp, void (*fn)(void *), void *arg)
{
	(void)sp;
	(void)fn;
	(void)arg;
	abort();
}

#define SIZE 4096
#define GUARD 0xee
#define PHDR 0x400040UL
#define PHNUM 9

static const uint8_t rnd[16] = { 1, 2,	3,  4,	5,  6,	7,  8,
				 9, 10, 11, 12, 13, 14, 15, 16 };

/* A stack area filled with GUARD, so that writes outside [lo, hi) show. */
static int setup(void **state)
{
	uint8_t *buf = aligned_alloc(16, SIZE);

	if (!buf)
		return -1;
	memset(buf, GUARD, SIZE);
	*state = buf;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uintptr_t at(void **state, size_t off)
{
	return (uintptr_t)*state + off;
}

/* Whether every byte of the area outside [lo, hi) still holds GUARD. */
static int guard_intact(void **state, uintptr_t lo, uintptr_t hi)
{
	const uint8_t *buf = *state;

	for (size_t i = 0; i < SIZE; i++) {
		uintptr_t a = (uintptr_t)&buf[i];

		if ((a < lo || a >= hi) && buf[i] != GUARD)
			return 0;
	}
	return 1;
}

/* The value of auxv entry type, failing unless it occurs exactly once. */
static uint64_t aux(const uint64_t *auxv, uint64_t type)
{
	int found = 0;
	uint64_t v = 0;

	for (; auxv[0] != AT_NULL; auxv += 2) {
		if (auxv[0] == type) {
			found++;
			v = auxv[1];
		}
	}
	assert_int_equal(found, 1);
	return v;
}

static char *no_env[] = { NULL };

/* Check the stack at sp for argv and envp; returns its auxv. */
static const uint64_t *check_env_layout(uintptr_t sp, char *const *argv,
					char *const *envp)
{
	const uint64_t *s = (const uint64_t *)sp;
	uint64_t argc = 0, envc = 0;

	assert_int_equal(sp % 16, 0);
	while (argv[argc])
		argc++;
	while (envp[envc])
		envc++;
	assert_int_equal(s[0], argc);
	for (uint64_t i = 0; i < argc; i++)
		assert_ptr_equal((char *)(uintptr_t)s[1 + i], argv[i]);
	assert_int_equal(s[1 + argc], 0); /* end of argv */
	for (uint64_t i = 0; i < envc; i++)
		assert_ptr_equal((char *)(uintptr_t)s[2 + argc + i], envp[i]);
	assert_int_equal(s[2 + argc + envc], 0); /* end of envp */
	return &s[3 + argc + envc];
}

/* Check the stack at sp for argv and an empty environment. */
static const uint64_t *check_layout(uintptr_t sp, char *const *argv)
{
	return check_env_layout(sp, argv, no_env);
}

/* Check the auxv values, the random bytes, and that all of it lies in
 * [sp, hi). */
static void check_aux(const uint64_t *auxv, uintptr_t sp, uintptr_t hi)
{
	const uint64_t *end = auxv;
	uintptr_t random;

	while (end[0] != AT_NULL)
		end += 2;
	assert_int_equal(end[1], 0);
	end += 2;
	assert_true((uintptr_t)end <= hi);
	assert_int_equal(aux(auxv, AT_PHDR), PHDR);
	assert_int_equal(aux(auxv, AT_PHNUM), PHNUM);
	assert_int_equal(aux(auxv, AT_PHENT), sizeof(Elf64_Phdr));
	assert_int_equal(aux(auxv, AT_PAGESZ), 4096);
	random = aux(auxv, AT_RANDOM);
	assert_true(random >= (uintptr_t)end && random + 16 <= hi);
	assert_true(random >= sp);
	assert_memory_equal((void *)random, rnd, 16);
}

static void test_layout(void **state)
{
	char *argv[] = { "svc", "one", "two words", NULL };
	uintptr_t lo = at(state, 0), hi = at(state, SIZE);
	uintptr_t sp = kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM);

	assert_true(sp >= lo && sp < hi);
	check_aux(check_layout(sp, argv), sp, hi);
	assert_int_equal(aux(check_layout(sp, argv), AT_SECURE), 0);
}

static void test_no_arguments(void **state)
{
	char *argv[] = { NULL };
	uintptr_t lo = at(state, 0), hi = at(state, SIZE);
	uintptr_t sp = kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM);

	assert_int_not_equal(sp, 0);
	check_aux(check_layout(sp, argv), sp, hi);
}

static void test_many_arguments(void **state)
{
	char *argv[201];
	uintptr_t lo = at(state, 0), hi = at(state, SIZE);
	uintptr_t sp;

	for (int i = 0; i < 200; i++)
		argv[i] = i % 2 ? "odd" : "even";
	argv[200] = NULL;
	sp = kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM);
	assert_true(sp >= lo);
	check_aux(check_layout(sp, argv), sp, hi);
}

/* Whatever the alignment of hi, nothing is written at or above it. */
static void test_unaligned_hi(void **state)
{
	char *argv[] = { "svc", "x", NULL };
	uintptr_t lo = at(state, 0);

	for (size_t cut = 1; cut < 32; cut++) {
		uintptr_t hi = at(state, SIZE - cut);
		uintptr_t sp;

		memset(*state, GUARD, SIZE);
		sp = kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM);
		assert_int_not_equal(sp, 0);
		check_aux(check_layout(sp, argv), sp, hi);
		assert_true(guard_intact(state, lo, hi));
	}
}

static void test_unaligned_lo(void **state)
{
	char *argv[] = { "svc", NULL };
	uintptr_t lo = at(state, 3), hi = at(state, SIZE);
	uintptr_t sp = kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM);

	assert_true(sp >= lo);
	check_aux(check_layout(sp, argv), sp, hi);
	assert_true(guard_intact(state, lo, hi));
}

/* The smallest stack that fits gives the same sp; one byte less, 0. */
static void test_exact_fit(void **state)
{
	char *argv[] = { "svc", "a", "b", NULL };
	uintptr_t hi = at(state, SIZE);
	uintptr_t sp = kern_start_stack(at(state, 0), hi, argv, no_env, rnd,
					PHDR, PHNUM);

	assert_int_not_equal(sp, 0);
	assert_int_equal(
		kern_start_stack(sp, hi, argv, no_env, rnd, PHDR, PHNUM), sp);
	assert_int_equal(
		kern_start_stack(sp + 1, hi, argv, no_env, rnd, PHDR, PHNUM),
		0);
}

static void test_too_small(void **state)
{
	char *argv[] = { "svc", "a", NULL };
	uintptr_t hi = at(state, SIZE);

	assert_int_equal(
		kern_start_stack(hi - 64, hi, argv, no_env, rnd, PHDR, PHNUM),
		0);
	assert_int_equal(
		kern_start_stack(hi - 16, hi, argv, no_env, rnd, PHDR, PHNUM),
		0);
}

/* The environment follows argv, each entry where envp had it. */
static void test_environment(void **state)
{
	char *argv[] = { "svc", "arg", NULL };
	char *envp[] = { "HOME=/", "LANG=C.UTF-8", "EMPTY=", NULL };
	uintptr_t lo = at(state, 0), hi = at(state, SIZE);
	uintptr_t sp = kern_start_stack(lo, hi, argv, envp, rnd, PHDR, PHNUM);

	assert_int_not_equal(sp, 0);
	check_aux(check_env_layout(sp, argv, envp), sp, hi);
}

/* A stack too small even for the random bytes must be left alone. */
static void test_tiny_stack_untouched(void **state)
{
	char *argv[] = { "svc", NULL };
	uintptr_t lo = at(state, SIZE / 2), hi = lo + 8;

	assert_int_equal(
		kern_start_stack(lo, hi, argv, no_env, rnd, PHDR, PHNUM), 0);
	assert_true(guard_intact(state, lo, hi));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_layout),		T(test_no_arguments),
		T(test_many_arguments), T(test_unaligned_hi),
		T(test_unaligned_lo),	T(test_exact_fit),
		T(test_too_small),	T(test_tiny_stack_untouched),
		T(test_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
