/* Unit tests of the virtio_mmio.device= token checks
 * (drivers/virtio/mmio_token.c): the syntax (Linux's SIZE@BASE:IRQ[:ID]
 * with size suffixes, and garbage around it), and the windows refused
 * before anything is mapped: in RAM, ACPI memory or the kernel image,
 * smaller than registers plus configuration, misaligned, wrapping or
 * past the physical address limit, overlapping an earlier token's, on an
 * interrupt no I/O APIC serves. The memory map is QEMU's for 128 MiB. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmio_token.h"

static const struct arch_mem_range memmap[] = {
	{ 0x0, 0x9fc00, ARCH_MEM_RAM },
	{ 0x9fc00, 0x400, ARCH_MEM_RESERVED },
	{ 0xf0000, 0x10000, ARCH_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, ARCH_MEM_RAM },
	{ 0x7fe0000, 0x20000, ARCH_MEM_ACPI },
	{ 0xfeffc000, 0x4000, ARCH_MEM_RESERVED },
};

static int gsi_ok(uint32_t gsi)
{
	return gsi < 24; /* one I/O APIC of 24 pins */
}

static const struct vmmio_limits lim = {
	memmap,	    sizeof(memmap) / sizeof(memmap[0]),
	0x100000,   0x180000, /* the image */
	1ULL << 40,	      /* 40 physical address bits */
	gsi_ok,
};

/* Check the single token t; its error message, "" when it passed. */
static const char *check1(const char *t, struct vmmio_window *w)
{
	static char err[512];
	char *tokens[] = { (char *)t };

	err[0] = '\0';
	if (vmmio_tokens_check(tokens, 1, &lim, w, err, sizeof(err)) == 0)
		assert_string_equal(err, "");
	else
		assert_true(err[0]);
	return err;
}

/* Token t is refused with a message naming it and containing reason. */
static void refused(const char *t, const char *reason)
{
	struct vmmio_window w;
	const char *err = check1(t, &w);
	char want[256];

	snprintf(want, sizeof(want), "virtio_mmio.device=%s: ", t);
	if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, reason))
		fail_msg("token \"%s\": got \"%s\", wanted \"%s...%s\"", t, err,
			 want, reason);
}

/* Token t passes as the window size@base on gsi. */
static void accepted(const char *t, uint64_t size, uint64_t base, uint32_t gsi)
{
	struct vmmio_window w;
	const char *err = check1(t, &w);

	if (err[0])
		fail_msg("token \"%s\" refused: %s", t, err);
	assert_int_equal(w.size, size);
	assert_int_equal(w.base, base);
	assert_int_equal(w.gsi, gsi);
}

/* QEMU microvm's tokens, Firecracker's, suffixes, a Linux id, octal, a
 * window in a "reserved" range, one ending at the address limit. */
static void test_good_tokens(void **state)
{
	(void)state;
	accepted("512@0xfeb00e00:12", 0x200, 0xfeb00e00, 12);
	accepted("0x200@0xfeb00c00:11:3", 0x200, 0xfeb00c00, 11);
	accepted("4K@0xd0000000:5", 0x1000, 0xd0000000, 5);
	accepted("4k@0xd0001000:6", 0x1000, 0xd0001000, 6);
	accepted("1M@0xc0000000:7", 1 << 20, 0xc0000000, 7);
	accepted("1G@0x100000000:0", 1 << 30, 0x100000000, 0);
	accepted("01000@3489660928:23", 512, 0xd0000000, 23);
	accepted("0x200@0xfeffc000:5", 0x200, 0xfeffc000, 5);
	accepted("0x200@0xfffffffe00:5", 0x200, 0xfffffffe00, 5);
	accepted("0x300@0xa0000:9", 0x300, 0xa0000, 9); /* the VGA hole */
}

/* Windows in memory: RAM (low, high, across its end), ACPI tables, the
 * image (named as such). */
static void test_memory(void **state)
{
	(void)state;
	refused("0x1000@0x200000:5",
		"the window overlaps RAM (0x100000-0x7fe0000)");
	refused("0x200@0x0:5", "the window overlaps RAM (0x0-0x9fc00)");
	refused("4K@0x9f000:5", "overlaps RAM");
	refused("0x1000@0x7fdff00:5", "overlaps RAM");
	refused("0x200@0x7fe0000:5", "overlaps ACPI tables");
	refused("0x200@0x100000:5", "overlaps the kernel image "
				    "(0x100000-0x180000)");
	refused("1M@0x17ff00:5", "overlaps the kernel image");
	refused("1G@0x0:5", "overlaps");
}

/* Too small: 0, the register block alone, one byte short. */
static void test_size(void **state)
{
	(void)state;
	refused("0@0xd0000000:5", "a window of 0x0 bytes is smaller than "
				  "0x200");
	refused("0x100@0xd0000000:5", "a window of 0x100 bytes is smaller");
	refused("0x1ff@0xd0000000:5", "smaller than 0x200");
}

/* Bases that are not multiples of 0x100. */
static void test_alignment(void **state)
{
	(void)state;
	refused("0x200@0xd0000080:5", "base 0xd0000080 is not a multiple of "
				      "0x100");
	refused("0x200@0xd0000002:5", "not a multiple");
	refused("0x200@0xfeb00e04:12", "not a multiple");
}

/* Windows that wrap around 2^64 or end past the address limit, and
 * numbers that do not fit in 64 bits. */
static void test_overflow(void **state)
{
	(void)state;
	refused("0x200@0xffffffffffffff00:5", "physical address limit");
	refused("0xffffffffffffff00@0x1000:5", "physical address limit");
	refused("0x200@0x10000000000:5", "physical address limit "
					 "0x10000000000");
	refused("0x300@0xfffffffe00:5", "physical address limit");
	refused("16G@0xffc0000000:5", "physical address limit");
	refused("0xffffffffffG@0x1000:5", "a number is too large");
	refused("0x4000000000000000K@0xd0000000:5", "a number is too large");
	refused("99999999999999999999@0xd0000000:5", "a number is too large");
	refused("512@0x10000000000000000:5", "a number is too large");
	refused("512@0xd0000000:0x100000000", "a number is too large");
}

/* Malformed text. */
static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"hello",
		"512",
		"512@",
		"512@0xd0000000",
		"512@0xd0000000:",
		"512@0xd0000000:5x",
		"512@0xd0000000:5:",
		"512@0xd0000000:5:1:2",
		"512@0xd0000000:5:x",
		"-512@0xd0000000:5",
		"+512@0xd0000000:5",
		" 512@0xd0000000:5",
		"512@ 0xd0000000:5",
		"512@-0xd0000000:5",
		"512@0xd0000000:-5",
		"0x@0xd0000000:5",
		"512T@0xd0000000:5",
		"512KK@0xd0000000:5",
		"512@0xd0000000K:5",
		"512 @0xd0000000:5",
		"512@0xd0000000:5 ",
		"512@@0xd0000000:5",
		"512:0xd0000000@5",
		"0x200@08:5", /* not octal */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], "expected SIZE@BASE:IRQ[:ID]");
}

/* An interrupt no I/O APIC serves. */
static void test_gsi(void **state)
{
	(void)state;
	refused("512@0xd0000000:24", "no I/O APIC serves interrupt 24");
	refused("512@0xd0000000:4294967295", "no I/O APIC serves interrupt "
					     "4294967295");
}

/* Several tokens: each checked against the earlier ones (the same
 * window twice, a partial overlap); the first bad one is named; a list
 * of good ones passes whole. */
static void test_duplicates(void **state)
{
	char *same[] = { "512@0xd0000000:5", "512@0xd0000000:6" };
	char *part[] = { "4K@0xd0000000:5", "512@0xd0001000:6",
			 "512@0xd0000e00:7" };
	char *good[] = { "512@0xfeb00e00:12", "512@0xfeb00c00:11",
			 "512@0xfeb00a00:10" };
	char *later[] = { "512@0xfeb00e00:12", "512@0x200000:11",
			  "512@0x300000:10" };
	struct vmmio_window w[3];
	char err[256];

	(void)state;
	assert_int_equal(vmmio_tokens_check(same, 2, &lim, w, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "virtio_mmio.device=512@0xd0000000:6: the "
				 "window overlaps token 1's "
				 "(0x200@0xd0000000)");
	assert_int_equal(vmmio_tokens_check(part, 3, &lim, w, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "virtio_mmio.device=512@0xd0000e00:7: the "
				 "window overlaps token 1's "
				 "(0x1000@0xd0000000)");
	assert_int_equal(vmmio_tokens_check(good, 3, &lim, w, err, sizeof(err)),
			 0);
	assert_int_equal(w[2].base, 0xfeb00a00);
	assert_int_equal(
		vmmio_tokens_check(later, 3, &lim, w, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "=512@0x200000:11: the window overlaps "
				    "RAM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tokens),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_gsi),
		cmocka_unit_test(test_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
