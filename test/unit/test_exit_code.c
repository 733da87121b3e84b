/* Unit tests of kernel/proc/exit.c: statuses mapped onto QEMU's exit device. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arch/power.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <os/exit.h>

/* Stubs: arch_exit records the code and jumps back into the test;
 * kern_log collects the errors (level KERN_LOG_QUIET), one a line. */
static jmp_buf exit_jump;
static unsigned exit_code;
static char errors[1024];

void arch_exit(unsigned code)
{
	exit_code = code;
	longjmp(exit_jump, 1);
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	size_t len = strlen(errors);
	va_list ap;

	if (level != KERN_LOG_QUIET)
		return;
	va_start(ap, fmt);
	vsnprintf(errors + len, sizeof(errors) - len, fmt, ap);
	va_end(ap);
	len = strlen(errors);
	snprintf(errors + len, sizeof(errors) - len, "\n");
}

/* Call fn(status), which must end in arch_exit; return the code. */
static unsigned exit_code_of(void (*fn)(int), int status)
{
	exit_code = 0;
	errors[0] = '\0';
	if (setjmp(exit_jump) == 0) {
		fn(status);
		fail_msg("returned instead of calling arch_exit");
	}
	return exit_code;
}

static void bootconf_error(int v)
{
	kern_bootconf_error("unknown option 'frob=%d'", v);
}

static void test_service_statuses(void **state)
{
	assert_int_equal(kern_exit_code(0), 1);
	assert_int_equal(kern_exit_code(1), 2);
	assert_int_equal(kern_exit_code(42), 43);
	assert_int_equal(kern_exit_code(OS_EXIT_MAX), 101);
	for (int s = 0; s <= OS_EXIT_MAX; s++)
		assert_int_equal(kern_exit_code(s), (unsigned)s + 1);
	(void)state;
}

/* 128 + signal for signals 1..19 (SIGTERM gives 143) crosses as s - 27. */
static void test_signal_statuses(void **state)
{
	assert_int_equal(kern_exit_code(143), 116);
	for (int s = OS_EXIT_SIGNAL_MIN; s <= OS_EXIT_SIGNAL_MAX; s++)
		assert_int_equal(kern_exit_code(s), (unsigned)s - 27);
	assert_int_equal(kern_exit_code(128), OS_EXIT_RANGE + 1);
	assert_int_equal(kern_exit_code(148), OS_EXIT_RANGE + 1);
	(void)state;
}

static void test_reserved_statuses(void **state)
{
	assert_int_equal(kern_exit_code(OS_EXIT_RANGE), 121);
	assert_int_equal(kern_exit_code(OS_EXIT_BOOTCONF), 122);
	assert_int_equal(kern_exit_code(OS_EXIT_PANIC), 123);
	assert_int_equal(kern_exit_code(OS_EXIT_TRAP), 124);
	(void)state;
}

static void test_out_of_range(void **state)
{
	static const int bad[] = {
		-1,	      -2,
		-120,	      -256,
		INT_MIN,      OS_EXIT_TIMEOUT,
		OS_EXIT_QEMU, OS_EXIT_RESET,
		101,	      119,
		127,	      128,
		148,	      200,
		255,
		256,	      257,
		1000,	      INT_MAX,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kern_exit_code(bad[i]), OS_EXIT_RANGE + 1);
	(void)state;
}

/* QEMU exits with (v << 1) | 1: v must fit in 7 bits and the result must
 * never be 0 (reset/power-off) or 1 (QEMU's own failure). */
static void check_qemu_byte(int status)
{
	unsigned v = kern_exit_code(status);
	unsigned q = (v << 1) | 1;

	assert_in_range(v, 1, 127);
	assert_true(q <= 255);
	assert_true(q != 0 && q != 1);
}

static void test_fits_qemu_byte(void **state)
{
	for (int s = -1000; s <= 1000; s++)
		check_qemu_byte(s);
	check_qemu_byte(INT_MIN);
	check_qemu_byte(INT_MAX);
	(void)state;
}

/* Distinct statuses the guest can report map to distinct values. */
static void test_injective(void **state)
{
	int seen[128] = { 0 };

	for (int s = 0; s <= OS_EXIT_SIGNAL_MAX; s++) {
		unsigned v = kern_exit_code(s);

		if (s > OS_EXIT_MAX && s < OS_EXIT_SIGNAL_MIN &&
		    (s < OS_EXIT_RANGE || s > OS_EXIT_TRAP))
			continue; /* not reportable: these share RANGE's code */
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
	}
	(void)state;
}

static void test_kern_exit(void **state)
{
	assert_int_equal(exit_code_of(kern_exit, 0), 1);
	assert_string_equal(errors, "");
	assert_int_equal(exit_code_of(kern_exit, 42), 43);
	assert_int_equal(exit_code_of(kern_exit, OS_EXIT_MAX), 101);
	assert_int_equal(exit_code_of(kern_exit, 143), 116);
	assert_string_equal(errors, "");
	(void)state;
}

static void test_kern_exit_out_of_range(void **state)
{
	assert_int_equal(exit_code_of(kern_exit, 200), OS_EXIT_RANGE + 1);
	assert_non_null(strstr(errors, "exit status 200 "));
	assert_int_equal(exit_code_of(kern_exit, -3), OS_EXIT_RANGE + 1);
	assert_non_null(strstr(errors, "exit status -3 "));
	(void)state;
}

/* A service cannot fake a panic or a trap by exiting with its status. */
static void test_kern_exit_reserved_values(void **state)
{
	assert_int_equal(exit_code_of(kern_exit, OS_EXIT_RANGE),
			 OS_EXIT_RANGE + 1);
	assert_int_equal(exit_code_of(kern_exit, OS_EXIT_PANIC),
			 OS_EXIT_RANGE + 1);
	assert_int_equal(exit_code_of(kern_exit, OS_EXIT_TRAP),
			 OS_EXIT_RANGE + 1);
	(void)state;
}

static void test_kern_exit_reserved(void **state)
{
	assert_int_equal(exit_code_of(kern_exit_reserved, OS_EXIT_PANIC),
			 OS_EXIT_PANIC + 1);
	assert_int_equal(exit_code_of(kern_exit_reserved, OS_EXIT_TRAP),
			 OS_EXIT_TRAP + 1);
	assert_string_equal(errors, "");
	(void)state;
}

static void test_bootconf_error(void **state)
{
	assert_int_equal(exit_code_of(bootconf_error, 7), OS_EXIT_BOOTCONF + 1);
	assert_non_null(strstr(errors, "boot configuration: "
				       "unknown option 'frob=7'\n"));
	assert_non_null(strstr(errors, "stopping (exit status 121)"));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_statuses),
		cmocka_unit_test(test_signal_statuses),
		cmocka_unit_test(test_reserved_statuses),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_fits_qemu_byte),
		cmocka_unit_test(test_injective),
		cmocka_unit_test(test_kern_exit),
		cmocka_unit_test(test_kern_exit_out_of_range),
		cmocka_unit_test(test_kern_exit_reserved_values),
		cmocka_unit_test(test_kern_exit_reserved),
		cmocka_unit_test(test_bootconf_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
