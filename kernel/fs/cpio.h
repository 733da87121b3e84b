/* Private to kernel/: a reader of cpio "newc" archives (magic 070701, and
 * 070702 whose checksum it verifies), walking the entries of an archive
 * held in memory. Pure code with no I/O, unit-tested and fuzzed; the
 * file tree's loader (overlay.c) reads the baked-in tree and the initrd
 * with it. It accepts only regular files, directories and symlinks with
 * relative names made of plain components ("./x" and "." as GNU cpio
 * writes them from `find .` are accepted and normalised to "x" and ""),
 * accepts names padded with extra NULs (see KERN_CPIO_NAMESIZE_MAX),
 * and stops at the first malformed entry with a message naming the
 * problem and the entry's byte offset. It never reads outside the
 * archive. Duplicate names are the caller's to detect. */
#ifndef KERNEL_FS_CPIO_H
#define KERNEL_FS_CPIO_H

#include <stddef.h>
#include <stdint.h>

/* Longest name in an archive, with its NUL (Linux's PATH_MAX), and the
 * longest symlink target (without a NUL). A name field (namesize) may
 * hold up to 4096 NULs of padding after the name's NUL, so that a packer
 * can start the data on a page (tools/mkcpio): KERN_CPIO_NAMESIZE_MAX. */
#define KERN_CPIO_NAME_MAX 4096
#define KERN_CPIO_NAMESIZE_MAX (KERN_CPIO_NAME_MAX + 4096)
#define KERN_CPIO_LINK_MAX 4095
/* The longest component of a name (Linux's NAME_MAX): a longer one could
 * be listed but never opened. */
#define KERN_CPIO_COMPONENT_MAX 255
/* The entries (the trailer not counted) a caller should allow at most. */
#define KERN_CPIO_MAX_ENTRIES 65536

struct kern_cpio_entry {
	const char *name;  /* normalised, not NUL-terminated; "" is root */
	size_t name_len;   /* bytes of name */
	uint32_t mode;	   /* S_IFREG, S_IFDIR or S_IFLNK | permissions */
	uint32_t uid, gid; /* as archived */
	uint32_t nlink;	   /* > 1: a hard link (data on the last one) */
	uint32_t mtime;	   /* seconds since the epoch */
	uint32_t ino;	   /* with dev_major/dev_minor: hard-link key */
	uint32_t dev_major, dev_minor;
	const void *data; /* file contents or symlink target */
	size_t size;	  /* bytes of data */
	size_t offset;	  /* of the entry's header in the archive */
};

struct kern_cpio_iter {
	const unsigned char *base; /* the archive */
	size_t len;		   /* its bytes */
	size_t off;		   /* of the next header */
	unsigned count;		   /* entries returned so far */
	unsigned max_entries;	   /* more is an error */
	int done;		   /* the trailer was reached */
};

/* Start walking the archive [base, base + len), allowing at most
 * max_entries entries before the trailer. Nothing is read yet. */
void kern_cpio_init(struct kern_cpio_iter *it, const void *base, size_t len,
		    unsigned max_entries);

/* Read the next entry. Returns 1 with *e filled (pointers into the
 * archive), 0 at the "TRAILER!!!" entry (and on every call after it), or
 * -EINVAL when the entry is malformed (bad magic or digits, truncated,
 * sizes past the end, an unsupported file type, a name that is empty,
 * absolute, too long, holds a NUL followed by anything but NULs, an
 * empty, "." or ".." component, a missing trailer, too many entries):
 * then err (errlen bytes, may be 0) holds "offset N: problem", and every
 * later call fails the same way. */
int kern_cpio_next(struct kern_cpio_iter *it, struct kern_cpio_entry *e,
		   char *err, size_t errlen);

#endif
