/* libFuzzer target: arbitrary bytes into kernel/fs/cpio.c, the newc
 * archive reader the file layer (issue 11) will use for the baked-in
 * trees and the initrd. Each input is walked to its trailer or its first
 * error, twice: with the documented entry limit and with a limit of 2.
 * Besides crashes and out-of-bounds reads (ASan, UBSan; libFuzzer's
 * input is a heap block of exactly its size), an input fails (abort) when
 * a returned entry breaks the reader's contract: a name or data outside
 * the input, a name that is absolute, over-long or holds a NUL or an
 * empty, "." or ".." component, a file type other than regular,
 * directory or symlink, an error without its "offset N: " message, or a
 * walk that does not stay at its end (trailer or error) when called
 * again. Seeds: corpus_cpio/ (make_cpio_seeds.py). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/cpio.h"

/* Where check_entry() puts the bytes it read. */
static volatile unsigned sink;

static void check(int ok)
{
	if (!ok)
		abort();
}

/* Touch every byte of the entry and check its contract. */
static void check_entry(const uint8_t *data, size_t size,
			const struct kern_cpio_entry *e)
{
	const uint8_t *n = (const uint8_t *)e->name, *d = e->data;
	unsigned sum = 0;
	unsigned type = e->mode & S_IFMT;

	check(n >= data && e->name_len <= (size_t)(data + size - n));
	check(d >= data && e->size <= (size_t)(data + size - d));
	check(e->offset < size && e->name_len < KERN_CPIO_NAME_MAX);
	check(type == S_IFREG || type == S_IFDIR || type == S_IFLNK);
	check(type != S_IFDIR || e->size == 0);
	check(e->name_len == 0 || n[0] != '/');
	check(!memchr(n, '\0', e->name_len));
	for (size_t i = 0; i < e->name_len; i++)
		sum += n[i];
	for (size_t i = 0; i < e->name_len;) {
		const uint8_t *slash = memchr(n + i, '/', e->name_len - i);
		size_t clen = slash ? (size_t)(slash - n - i) : e->name_len - i;

		check(clen > 0 && !(clen == 1 && n[i] == '.'));
		check(!(clen == 2 && n[i] == '.' && n[i + 1] == '.'));
		i += clen + 1;
		check(!slash || i < e->name_len); /* no trailing "/" */
	}
	for (size_t i = 0; i < e->size; i++)
		sum += d[i];
	sink += sum;
}

static void walk(const uint8_t *data, size_t size, unsigned max)
{
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[160], again[160];
	unsigned n = 0;
	int r;

	kern_cpio_init(&it, data, size, max);
	while ((r = kern_cpio_next(&it, &e, err, sizeof(err))) == 1) {
		check_entry(data, size, &e);
		check(++n <= max);
	}
	if (r == 0) {
		check(kern_cpio_next(&it, &e, err, sizeof(err)) == 0);
		return;
	}
	check(r == -EINVAL && !strncmp(err, "offset ", 7));
	check(kern_cpio_next(&it, &e, again, sizeof(again)) == -EINVAL);
	check(!strcmp(err, again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk(data, size, KERN_CPIO_MAX_ENTRIES);
	walk(data, size, 2);
	return 0;
}
