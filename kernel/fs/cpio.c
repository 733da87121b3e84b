/* The cpio "newc" archive reader (fs/cpio.h): the format is a 110-byte
 * ASCII header ("070701" or "070702" and 13 fields of 8 hex digits), the
 * name with its NUL padded so that header and name end on a multiple of 4
 * bytes from the archive's start, then the data padded the same way, up
 * to an entry named "TRAILER!!!". The name field (namesize bytes) may
 * carry more NULs after the name's own: tools/mkcpio pads names so that
 * the data of every file of a page or more starts on a page of the
 * archive, which newc has no other field for; readers that take the name
 * as a C string (GNU cpio) read such archives too. The file tree's loader
 * (overlay.c) reads the baked-in tree and the initrd with it. Every size is
 * checked against the bytes left before it is added to an offset, so no
 * arithmetic can wrap and nothing outside the archive is read. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/cpio.h"

#define HDR_LEN 110
#define TRAILER "TRAILER!!!"

/* Header fields in their order after the 6-byte magic. */
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"ino",	     "mode",	 "uid",	     "gid",	 "nlink",
	"mtime",     "filesize", "devmajor", "devminor", "rdevmajor",
	"rdevminor", "namesize", "check",
};

void kern_cpio_init(struct kern_cpio_iter *it, const void *base, size_t len,
		    unsigned max_entries)
{
	it->base = base;
	it->len = len;
	it->off = 0;
	it->count = 0;
	it->max_entries = max_entries;
	it->done = 0;
}

/* Write "offset N: <fmt>" to err and return -EINVAL. */
static int fail(char *err, size_t errlen, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "offset %zu: ", off);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* 8 hex digits at p into *v; -1 if one is not a hex digit. */
static int hex8(const unsigned char *p, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < 8; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

/* Round off up to a multiple of 4; off is at most a buffer's length, far
 * below SIZE_MAX - 3. */
static size_t pad4(size_t off)
{
	return (off + 3) & ~(size_t)3;
}

/* The length of the name in the namesize bytes at name: it ends at its
 * first NUL, every byte after it is NUL padding, and it is at most
 * KERN_CPIO_NAME_MAX - 1 bytes long. -EINVAL otherwise. */
static int name_length(const char *name, size_t namesize, size_t *n, size_t off,
		       char *err, size_t errlen)
{
	const char *nul = memchr(name, '\0', namesize);

	if (!nul)
		return fail(err, errlen, off, "name does not end with a NUL");
	*n = (size_t)(nul - name);
	for (const char *p = nul + 1; p < name + namesize; p++)
		if (*p)
			return fail(err, errlen, off,
				    "name holds a NUL followed by a non-NUL "
				    "byte at %zu",
				    (size_t)(p - name));
	if (*n > KERN_CPIO_NAME_MAX - 1)
		return fail(err, errlen, off, "name of %zu bytes, more than %u",
			    *n, KERN_CPIO_NAME_MAX - 1);
	return 0;
}

/* Check the name (n bytes at name, NUL not counted) and normalise it
 * into e: "." is the root (""), a leading "./" goes. */
static int check_name(const char *name, size_t n, struct kern_cpio_entry *e,
		      char *err, size_t errlen)
{
	size_t off = e->offset;

	if (n == 0)
		return fail(err, errlen, off, "empty name");
	if (name[0] == '/')
		return fail(err, errlen, off, "absolute name \"%s\"", name);
	if (n == 1 && name[0] == '.') {
		e->name = name + 1;
		e->name_len = 0;
		return 0;
	}
	if (n >= 2 && name[0] == '.' && name[1] == '/') {
		name += 2;
		n -= 2;
	}
	e->name = name;
	e->name_len = n;
	for (size_t i = 0; i <= n;) {
		const char *c = name + i, *slash = memchr(c, '/', n - i);
		size_t clen = slash ? (size_t)(slash - c) : n - i;

		if (clen == 0)
			return fail(err, errlen, off,
				    "empty component in \"%s\"", name);
		if (clen == 1 && c[0] == '.')
			return fail(err, errlen, off,
				    "\".\" component in \"%s\"", name);
		if (clen == 2 && c[0] == '.' && c[1] == '.')
			return fail(err, errlen, off,
				    "\"..\" component in \"%s\"", name);
		if (clen > KERN_CPIO_COMPONENT_MAX)
			return fail(err, errlen, off,
				    "a component of %zu bytes, more than %u, "
				    "in \"%.40s...\"",
				    clen, KERN_CPIO_COMPONENT_MAX, name);
		i += clen + 1;
	}
	return 0;
}

/* Check the file type and the data size that goes with it. */
static int check_type(struct kern_cpio_entry *e, char *err, size_t errlen)
{
	size_t off = e->offset;

	if (e->mode & ~(uint32_t)(S_IFMT | 07777))
		return fail(err, errlen, off, "mode %#o has unknown bits",
			    e->mode);
	switch (e->mode & S_IFMT) {
	case S_IFREG:
		return 0;
	case S_IFDIR:
		if (e->size)
			return fail(err, errlen, off,
				    "directory with %zu bytes of data",
				    e->size);
		return 0;
	case S_IFLNK:
		if (e->size == 0 || e->size > KERN_CPIO_LINK_MAX)
			return fail(err, errlen, off,
				    "symlink target of %zu bytes", e->size);
		if (memchr(e->data, '\0', e->size))
			return fail(err, errlen, off,
				    "symlink target holds a NUL");
		return 0;
	default:
		return fail(err, errlen, off,
			    "unsupported file type %#o (only regular files, "
			    "directories and symlinks)",
			    e->mode & S_IFMT);
	}
}

/* The 070702 checksum: the sum of the data's bytes, modulo 2^32. */
static uint32_t data_sum(const unsigned char *p, size_t n)
{
	uint32_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Parse the header at it->off into f[]; returns the magic's kind (1 for
 * 070701, 2 for 070702) or -EINVAL. */
static int read_header(const struct kern_cpio_iter *it, uint32_t *f, char *err,
		       size_t errlen)
{
	const unsigned char *h = it->base + it->off;
	int kind;

	if (it->len - it->off < HDR_LEN)
		return fail(err, errlen, it->off,
			    "truncated header (%zu bytes left), no trailer",
			    it->len - it->off);
	if (!memcmp(h, "070701", 6))
		kind = 1;
	else if (!memcmp(h, "070702", 6))
		kind = 2;
	else
		return fail(err, errlen, it->off,
			    "bad magic (not a cpio newc archive)");
	for (int i = 0; i < F_COUNT; i++)
		if (hex8(h + 6 + 8 * i, &f[i]))
			return fail(err, errlen, it->off,
				    "field %s is not 8 hex digits",
				    field_names[i]);
	return kind;
}

/* Check that the name, the data and their padding of the entry whose
 * header f[] is at it->off lie inside the archive; set *data_off and
 * *next (the next header's offset). */
static int locate(const struct kern_cpio_iter *it, const uint32_t *f,
		  size_t *data_off, size_t *next, char *err, size_t errlen)
{
	size_t off = it->off, left = it->len - off - HDR_LEN;

	if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > KERN_CPIO_NAMESIZE_MAX)
		return fail(err, errlen, off, "name size %u out of 1..%u",
			    f[F_NAMESIZE], KERN_CPIO_NAMESIZE_MAX);
	if (f[F_NAMESIZE] > left)
		return fail(err, errlen, off, "truncated name");
	*data_off = pad4(off + HDR_LEN + f[F_NAMESIZE]);
	if (*data_off > it->len)
		return fail(err, errlen, off, "name padding past the end");
	if (f[F_FILESIZE] > it->len - *data_off)
		return fail(err, errlen, off,
			    "file size %u past the end of the archive",
			    f[F_FILESIZE]);
	*next = pad4(*data_off + f[F_FILESIZE]);
	if (*next > it->len)
		return fail(err, errlen, off, "data padding past the end");
	return 0;
}

/* Fill e's fields from the header f[]. */
static void fill(struct kern_cpio_entry *e, const uint32_t *f)
{
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->ino = f[F_INO];
	e->dev_major = f[F_DEVMAJOR];
	e->dev_minor = f[F_DEVMINOR];
}

int kern_cpio_next(struct kern_cpio_iter *it, struct kern_cpio_entry *e,
		   char *err, size_t errlen)
{
	uint32_t f[F_COUNT];
	/* Zeroed only for GCC, which cannot see that fail() never returns 0. */
	size_t off = it->off, data_off = 0, next = 0, n = 0;
	const char *name;
	int kind, r;

	if (it->done)
		return 0;
	if (off == it->len)
		return fail(err, errlen, off, "end of archive without trailer");
	kind = read_header(it, f, err, errlen);
	if (kind < 0)
		return kind;
	r = locate(it, f, &data_off, &next, err, errlen);
	if (r)
		return r;
	memset(e, 0, sizeof(*e));
	e->offset = off;
	e->data = it->base + data_off;
	e->size = f[F_FILESIZE];
	name = (const char *)it->base + off + HDR_LEN;
	r = name_length(name, f[F_NAMESIZE], &n, off, err, errlen);
	if (r)
		return r;
	if (n == sizeof(TRAILER) - 1 && !memcmp(name, TRAILER, n)) {
		it->done = 1;
		it->off = next;
		return 0;
	}
	if (it->count >= it->max_entries)
		return fail(err, errlen, off, "more than %u entries",
			    it->max_entries);
	r = check_name(name, n, e, err, errlen);
	if (r)
		return r;
	fill(e, f);
	r = check_type(e, err, errlen);
	if (r)
		return r;
	if (e->name_len == 0 && !S_ISDIR(e->mode))
		return fail(err, errlen, off, "\".\" is not a directory");
	/* 070701's check field is ignored, as cpio(5) says readers do. */
	if (kind == 2 && data_sum(e->data, e->size) != f[F_CHECK])
		return fail(err, errlen, off, "checksum mismatch");
	it->count++;
	it->off = next;
	return 1;
}
