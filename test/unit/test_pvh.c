/* Unit tests of arch/x86_64/pvh.c: the PVH start_info read from host
 * memory (a "physical address" is a host pointer here), above all its
 * module list: the initrd copied out and checked against the memory
 * map. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/boot.h>

#define MAGIC 0x336ec578
#define MiB (1ULL << 20)

/* The ABI's layouts (Xen's public/arch-x86/hvm/start_info.h), written
 * out here so that the test does not share pvh.c's definitions. */
struct start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct module {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct fixture {
	struct start_info si;
	struct module mods[3];
	struct memmap_entry map[3];
	struct arch_bootinfo bi;
};

#define PA(p) ((uint64_t)(uintptr_t)(p))

/* QEMU's map for -m 128: low RAM, a reserved hole, RAM from 1 MiB. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	x->map[0] = (struct memmap_entry){ 0, 0x9fc00, 1, 0 };
	x->map[1] = (struct memmap_entry){ 0xf0000, 0x10000, 2, 0 };
	x->map[2] = (struct memmap_entry){ MiB, 127 * MiB, 1, 0 };
	x->si = (struct start_info){ .magic = MAGIC,
				     .version = 1,
				     .memmap_paddr = PA(x->map),
				     .memmap_entries = 3 };
	memset(&x->bi, 0xa5, sizeof(x->bi)); /* nothing left to chance */
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Parse x->si with n modules from x->mods; the result of the parse. */
static int parse(struct fixture *x, uint32_t n)
{
	x->si.nr_modules = n;
	x->si.modlist_paddr = n ? PA(x->mods) : 0;
	return arch_pvh_parse(PA(&x->si), &x->bi);
}

static void test_no_module(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(parse(x, 0), 0);
	assert_int_equal(x->bi.nmodules, 0);
	assert_int_equal(x->bi.initrd_size, 0);
	assert_int_equal(x->bi.initrd_pa, 0);
	assert_int_equal(x->bi.initrd_invalid, 0);
}

static void test_one_module_copied(void **state)
{
	struct fixture *x = *state;

	/* Where QEMU puts a 3 MB initrd with -m 128. */
	x->mods[0] = (struct module){ 0x7d00000, 3000000, 0, 0 };
	assert_int_equal(parse(x, 1), 0);
	memset(x->mods, 0xff, sizeof(x->mods)); /* the list may be reused */
	assert_int_equal(x->bi.nmodules, 1);
	assert_int_equal(x->bi.initrd_pa, 0x7d00000);
	assert_int_equal(x->bi.initrd_size, 3000000);
	assert_int_equal(x->bi.initrd_invalid, 0);
	assert_int_equal(x->bi.nmem, 3);
}

static void test_module_up_to_ram_end(void **state)
{
	struct fixture *x = *state;

	x->mods[0] = (struct module){ 128 * MiB - 4096, 4096, 0, 0 };
	assert_int_equal(parse(x, 1), 0);
	assert_int_equal(x->bi.initrd_invalid, 0);
	x->mods[0] = (struct module){ 0x1000, 0x9ec00, 0, 0 }; /* low RAM */
	assert_int_equal(parse(x, 1), 0);
	assert_int_equal(x->bi.initrd_invalid, 0);
}

static void test_first_of_several_kept(void **state)
{
	struct fixture *x = *state;

	x->mods[0] = (struct module){ 0x2000000, 100, 0, 0 };
	x->mods[1] = (struct module){ 0x3000000, 200, 0, 0 };
	x->mods[2] = (struct module){ 0x4000000, 300, 0, 0 };
	assert_int_equal(parse(x, 3), 0);
	assert_int_equal(x->bi.nmodules, 3);
	assert_int_equal(x->bi.initrd_pa, 0x2000000);
	assert_int_equal(x->bi.initrd_size, 100);
	assert_int_equal(x->bi.initrd_invalid, 0);
}

/* The first module as given is recorded, and marked invalid. */
static void assert_invalid(struct fixture *x, uint64_t pa, uint64_t size)
{
	x->mods[0] = (struct module){ pa, size, 0, 0 };
	assert_int_equal(parse(x, 1), 0);
	assert_int_equal(x->bi.nmodules, 1);
	assert_int_equal(x->bi.initrd_pa, pa);
	assert_int_equal(x->bi.initrd_size, size);
	assert_int_equal(x->bi.initrd_invalid, 1);
}

static void test_module_outside_ram(void **state)
{
	struct fixture *x = *state;

	assert_invalid(x, 128 * MiB, 4096);	     /* past the end */
	assert_invalid(x, 128 * MiB - 4096, 4097);   /* one byte past */
	assert_invalid(x, 0xf0000, 0x1000);	     /* reserved */
	assert_invalid(x, 0x9f000, 0x62000);	     /* across the hole */
	assert_invalid(x, 0xfffffffffffff000, 4096); /* nowhere */
}

static void test_module_wraps_or_at_zero(void **state)
{
	struct fixture *x = *state;

	assert_invalid(x, 0x7d00000, UINT64_MAX - 0x100);
	assert_invalid(x, 0, 4096);
}

static void test_modules_without_list(void **state)
{
	struct fixture *x = *state;

	x->si.nr_modules = 1;
	x->si.modlist_paddr = 0;
	assert_int_equal(arch_pvh_parse(PA(&x->si), &x->bi), 0);
	assert_int_equal(x->bi.nmodules, 1);
	assert_int_equal(x->bi.initrd_size, 0);
	assert_int_equal(x->bi.initrd_invalid, 1);
}

static void test_empty_module(void **state)
{
	struct fixture *x = *state;

	x->mods[0] = (struct module){ 0x7d00000, 0, 0, 0 };
	assert_int_equal(parse(x, 1), 0);
	assert_int_equal(x->bi.nmodules, 1);
	assert_int_equal(x->bi.initrd_size, 0);
	assert_int_equal(x->bi.initrd_invalid, 0);
}

static void test_bad_magic(void **state)
{
	struct fixture *x = *state;

	x->si.magic = 0;
	assert_int_equal(parse(x, 0), -EINVAL);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_module),
		T(test_one_module_copied),
		T(test_module_up_to_ram_end),
		T(test_first_of_several_kept),
		T(test_module_outside_ram),
		T(test_module_wraps_or_at_zero),
		T(test_modules_without_list),
		T(test_empty_module),
		T(test_bad_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
