/* Unit tests of kernel/core/prof.c: cycles charged to one layer at a
 * time, nested calls restoring the layer they replaced, the shares
 * printed at exit, and nothing at all without the option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arch/cpu.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/prof.h>

/* Stubs: the option is there when has_option says so; the exit hook is
 * kept to be called by the test; kern_log keeps the last two lines. */
static int has_option;
static void (*at_exit)(void);
static char last_line[256], prev_line[256];

const char *kern_cmdline_take(struct kern_cmdline *cl, const char *name)
{
	(void)cl;
	return has_option && !strcmp(name, "prof") ? "prof" : NULL;
}

int kern_atexit(void (*fn)(void))
{
	at_exit = fn;
	return 0;
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	memcpy(prev_line, last_line, sizeof(prev_line));
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
}

/* Spend at least n TSC cycles. */
static void spend(uint64_t n)
{
	uint64_t t0 = arch_rdtsc();

	while (arch_rdtsc() - t0 < n)
		;
}

static uint64_t total(void)
{
	uint64_t t = 0;

	for (int i = 0; i < KERN_PROF_LAYERS; i++)
		t += kern_prof_cycles(i);
	return t;
}

/* Without the option: every call returns at once and nothing counts.
 * Runs first: prof.c's state is the program's. */
static void test_off(void **state)
{
	(void)state;
	has_option = 0;
	kern_prof_init(NULL);
	kern_prof_leave(kern_prof_enter(KERN_PROF_NET));
	spend(10000);
	assert_int_equal(total(), 0);
	assert_null(at_exit);
}

/* Nested layers: each cycle goes to the layer current when it passed,
 * leave restores the replaced layer, and the layers add up to the
 * whole. */
static void test_nesting(void **state)
{
	uint64_t t0, t1, net, drv;
	int outer, inner;

	(void)state;
	has_option = 1;
	t0 = arch_rdtsc();
	kern_prof_init(NULL);
	outer = kern_prof_enter(KERN_PROF_NET);
	assert_int_equal(outer, KERN_PROF_KERNEL); /* boot is the kernel's */
	spend(200000);
	inner = kern_prof_enter(KERN_PROF_DRIVER);
	assert_int_equal(inner, KERN_PROF_NET);
	spend(400000);
	kern_prof_leave(inner); /* back in NET */
	drv = kern_prof_cycles(KERN_PROF_DRIVER);
	spend(200000);
	kern_prof_leave(outer);
	net = kern_prof_cycles(KERN_PROF_NET);
	t1 = arch_rdtsc();
	assert_true(drv >= 400000);
	assert_int_equal(kern_prof_cycles(KERN_PROF_DRIVER), drv);
	assert_true(net >= 400000); /* both NET stretches */
	assert_true(total() <= t1 - t0);
	assert_int_equal(kern_prof_cycles(KERN_PROF_IDLE), 0);
	assert_int_equal(kern_prof_cycles(KERN_PROF_LAYERS), 0);
	kern_prof_copied(100);
	kern_prof_copied(28);
	assert_non_null(at_exit);
	at_exit();
	assert_string_equal(last_line, "prof: copied 128 bytes in 2 copies");
	assert_non_null(strstr(prev_line, "prof: "));
	assert_non_null(strstr(prev_line, ", net "));
	assert_non_null(strstr(prev_line, ", driver "));
	assert_non_null(strstr(prev_line, "idle 0.0%"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
