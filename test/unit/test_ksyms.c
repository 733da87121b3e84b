/* Unit tests of kernel/debug/ksyms.c: address-to-symbol and name-to-address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "debug/ksyms.h"

struct sym_spec {
	uint64_t addr;
	uint32_t size;
	const char *name;
};

/* A table in the layout tools/mksyms emits: header, the n entries (sorted
 * by the caller), then the string table. */
static struct kern_ksym_table *build(const struct sym_spec *s, size_t n)
{
	size_t strtab =
		sizeof(struct kern_ksym_table) + n * sizeof(struct kern_ksym);
	size_t len = strtab + 1, off = 1;
	struct kern_ksym_table *t;
	char *str;

	for (size_t i = 0; i < n; i++)
		len += strlen(s[i].name) + 1;
	t = aligned_alloc(8, (len + 7) & ~(size_t)7);
	assert_non_null(t);
	t->count = n;
	t->strtab = strtab;
	str = (char *)t + strtab;
	str[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		t->sym[i] = (struct kern_ksym){ .addr = s[i].addr,
						.size = s[i].size,
						.name = off };
		strcpy(str + off, s[i].name);
		off += strlen(s[i].name) + 1;
	}
	return t;
}

static const struct sym_spec syms[] = {
	{ 0x1000, 0x10, "first" },     { 0x1010, 0x20, "second" },
	{ 0x1100, 0, "label" }, /* size unknown: runs to the next */
	{ 0x1200, 0x40, "after_gap" }, { 0x1300, 0x8, "last" },
};

#define NSYMS (sizeof(syms) / sizeof(syms[0]))

static int setup(void **state)
{
	*state = build(syms, NSYMS);
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Expect addr to resolve to name at offset off. */
static void expect(void **state, uint64_t addr, const char *name, uint64_t off)
{
	uint64_t got = 0xdead;
	const char *s = kern_ksym_lookup(*state, addr, &got);

	assert_non_null(s);
	assert_string_equal(s, name);
	assert_int_equal(got, off);
}

static void expect_none(void **state, uint64_t addr)
{
	uint64_t got = 0xdead;

	assert_null(kern_ksym_lookup(*state, addr, &got));
}

static void test_before_first(void **state)
{
	expect_none(state, 0);
	expect_none(state, 0xfff);
}

static void test_at_starts(void **state)
{
	for (size_t i = 0; i < NSYMS; i++)
		expect(state, syms[i].addr, syms[i].name, 0);
}

static void test_inside(void **state)
{
	expect(state, 0x1001, "first", 1);
	expect(state, 0x100f, "first", 0xf);
	expect(state, 0x1010 + 0x1f, "second", 0x1f);
	expect(state, 0x1230, "after_gap", 0x30);
}

static void test_past_sized_end(void **state)
{
	expect_none(state, 0x1030); /* second ends at 0x1030 */
	expect_none(state, 0x10ff);
	expect_none(state, 0x1240); /* after_gap ends at 0x1240 */
	expect_none(state, 0x12ff);
}

static void test_size_zero_runs_to_next(void **state)
{
	expect(state, 0x1101, "label", 1);
	expect(state, 0x11ff, "label", 0xff);
	expect(state, 0x1200, "after_gap", 0);
}

static void test_last(void **state)
{
	expect(state, 0x1307, "last", 7);
	expect_none(state, 0x1308);
	expect_none(state, UINT64_MAX);
}

static void test_last_size_zero(void **state)
{
	static const struct sym_spec s[] = {
		{ 0x100, 4, "a" },
		{ 0x200, 0, "end" },
	};
	struct kern_ksym_table *t = build(s, 2);
	uint64_t off;

	assert_string_equal(kern_ksym_lookup(t, UINT64_MAX, &off), "end");
	assert_int_equal(off, UINT64_MAX - 0x200);
	assert_null(kern_ksym_lookup(t, 0x104, &off));
	free(t);
	(void)state;
}

static void test_single_symbol(void **state)
{
	static const struct sym_spec s[] = { { 0x4000, 0x100, "only" } };
	struct kern_ksym_table *t = build(s, 1);
	uint64_t off;

	assert_null(kern_ksym_lookup(t, 0x3fff, &off));
	assert_string_equal(kern_ksym_lookup(t, 0x40ff, &off), "only");
	assert_int_equal(off, 0xff);
	assert_null(kern_ksym_lookup(t, 0x4100, &off));
	free(t);
	(void)state;
}

static void test_empty_table(void **state)
{
	struct kern_ksym_table *t = build(NULL, 0);
	uint64_t off;

	assert_null(kern_ksym_lookup(t, 0, &off));
	assert_null(kern_ksym_lookup(t, 0x1000, &off));
	assert_null(kern_ksym_lookup(t, UINT64_MAX, &off));
	assert_int_equal(kern_ksym_addr(t, "first"), 0);
	assert_int_equal(kern_ksym_addr(t, ""), 0);
	free(t);
	(void)state;
}

static void test_addr_by_name(void **state)
{
	for (size_t i = 0; i < NSYMS; i++)
		assert_int_equal(kern_ksym_addr(*state, syms[i].name),
				 syms[i].addr);
	assert_int_equal(kern_ksym_addr(*state, "missing"), 0);
	assert_int_equal(kern_ksym_addr(*state, "firs"), 0);
	assert_int_equal(kern_ksym_addr(*state, "first_"), 0);
	assert_int_equal(kern_ksym_addr(*state, ""), 0);
}

/* Many symbols: every start and every byte after a sized end. */
static void test_many(void **state)
{
	enum {
		N = 1000
	};
	struct sym_spec *s = calloc(N, sizeof(*s));
	char(*names)[16] = calloc(N, sizeof(*names));
	struct kern_ksym_table *t;
	uint64_t off;

	assert_non_null(s);
	assert_non_null(names);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		s[i] = (struct sym_spec){ 0x10000 + 0x40 * (uint64_t)i,
					  i % 3 ? 0x20 : 0, names[i] };
	}
	t = build(s, N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(kern_ksym_lookup(t, s[i].addr + 5, &off),
				    names[i]);
		assert_int_equal(off, 5);
		if (s[i].size)
			assert_null(
				kern_ksym_lookup(t, s[i].addr + 0x20, &off));
	}
	assert_int_equal(kern_ksym_addr(t, "f999"), 0x10000 + 0x40 * 999);
	free(t);
	free(names);
	free(s);
	(void)state;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_before_first),
		T(test_at_starts),
		T(test_inside),
		T(test_past_sized_end),
		T(test_size_zero_runs_to_next),
		T(test_last),
		T(test_last_size_zero),
		T(test_single_symbol),
		T(test_empty_table),
		T(test_addr_by_name),
		T(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
