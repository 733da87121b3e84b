/*
 * mkcpio: packs host directories into one cpio "newc" archive, the
 * baked-in tree of os_add_executable(... FILES ...) that the kernel reads
 * with kernel/fs/cpio.c. A host program, built with the host compiler.
 *
 *   mkcpio OUT SRC[=MOUNT]...
 *
 * Each directory SRC goes under MOUNT (absolute, default "/"), with the
 * directories on the way to MOUNT (mode 0755). Entries are sorted by name
 * (byte order) and carry the modes and mtimes of lstat, uid and gid 0 and
 * inode numbers counted from 1, so the same trees give the same bytes.
 * Names are relative, without "./"; the root itself has no entry.
 * Symlinks stay symlinks; a hard link is stored as a regular file of its
 * own (nlink 1); FIFOs, sockets and devices are refused. A directory
 * given by more than one SRC is merged (the first SRC's mode and mtime);
 * any other path given twice is an error. The data of every regular
 * file of a page or more starts on a 4096-byte boundary of the archive:
 * the name field is padded with NULs (kernel/fs/cpio.h,
 * KERN_CPIO_NAMESIZE_MAX), so that the kernel can map a file's pages in
 * place. Smaller files are not padded: their one page would be copied
 * by mmap anyway (the bytes past a file's end must read as zeros), and
 * padding would make a tree of small files four times its size. The archive ends with the
 * TRAILER!!! entry, padded to 4 bytes and no more. Errors name the path
 * and exit with status 1 (2 for bad usage), leaving OUT as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/cpio.h"

#define PAGE 4096
#define HDR_LEN 110
#define TRAILER "TRAILER!!!"

struct ent {
	char *name;	/* in the archive: relative, no leading "/" */
	char *path;	/* on the host; NULL for a directory on the way */
	struct stat st; /* lstat of path (mode and mtime if path is NULL) */
	int src;	/* the argument (1-based after OUT) it came from */
};

static struct ent *ents;
static size_t nents, cap_ents;
static char **srcs; /* the arguments, for messages */
static char *tmp_out;
static FILE *out;

/* Print "mkcpio: <message>", remove the unfinished archive, exit 1. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt,
								...)
{
	va_list ap;

	fputs("mkcpio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (out)
		fclose(out);
	if (tmp_out)
		unlink(tmp_out);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

/* a "/" b (or b alone when a is empty), newly allocated. */
static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xmalloc(la + lb + 2);

	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + (la ? la + 1 : 0), b, lb + 1);
	return s;
}

static void add(char *name, char *path, const struct stat *st, int src)
{
	if (nents == cap_ents) {
		cap_ents = cap_ents ? 2 * cap_ents : 256;
		ents = realloc(ents, cap_ents * sizeof(*ents));
		if (!ents)
			die("out of memory");
	}
	ents[nents++] = (struct ent){ name, path, *st, src };
}

/* Refuse what the archive cannot hold: a file type other than regular,
 * directory or symlink, a name the reader would refuse. */
static void check_kind(const char *path, const char *name, mode_t mode)
{
	const char *what = S_ISFIFO(mode) ? "a FIFO" :
			   S_ISSOCK(mode) ? "a socket" :
			   S_ISCHR(mode)  ? "a character device" :
			   S_ISBLK(mode)  ? "a block device" :
			   !S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode) ?
					   "of an unknown type" :
					   NULL;

	if (what)
		die("%s: is %s: only regular files, directories and symlinks "
		    "can be baked in",
		    path, what);
	if (strlen(name) > KERN_CPIO_NAME_MAX - 1)
		die("%s: its name in the archive is longer than %d bytes", path,
		    KERN_CPIO_NAME_MAX - 1);
	if (!strcmp(name, TRAILER))
		die("%s: a file named %s at the root would end the archive",
		    path, TRAILER);
}

/* Add every entry under host directory dir as name/..., recursively. */
static void walk(const char *dir, const char *name, int src)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		char *path, *child;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = join(dir, de->d_name);
		child = join(name, de->d_name);
		if (lstat(path, &st))
			die("%s: %s", path, strerror(errno));
		check_kind(path, child, st.st_mode);
		add(child, path, &st, src);
		if (S_ISDIR(st.st_mode))
			walk(path, child, src);
	}
	if (errno)
		die("%s: %s", dir, strerror(errno));
	closedir(d);
}

/* MOUNT normalised: without its leading "/" and empty components; "" for
 * the root. It must be absolute, without "." or ".." components. */
static char *parse_mount(const char *arg, const char *m)
{
	char *s = xmalloc(strlen(m) + 1), *d = s;

	if (m[0] != '/')
		die("%s: mount point '%s' is not absolute", arg, m);
	while (*m) {
		size_t n;

		while (*m == '/')
			m++;
		n = strcspn(m, "/");
		if ((n == 1 && m[0] == '.') ||
		    (n == 2 && m[0] == '.' && m[1] == '.'))
			die("%s: mount point with a '.' or '..' component",
			    arg);
		if (n && d != s)
			*d++ = '/';
		memcpy(d, m, n);
		d += n;
		m += n;
	}
	*d = '\0';
	return s;
}

/* Add the directory name on the way to the mount point of SRC dir (st):
 * mode 0755, dir's mtime. */
static void add_on_way(char *name, const char *dir, const struct stat *st,
		       int src)
{
	struct stat up = { .st_mode = S_IFDIR | 0755,
			   .st_mtime = st->st_mtime };

	if (!name)
		die("out of memory");
	check_kind(dir, name, up.st_mode);
	add(name, NULL, &up, src);
}

/* Add SRC[=MOUNT] (argument number src): the directories on the way to
 * MOUNT, MOUNT itself, and SRC's tree under it. */
static void add_source(char *arg, int src)
{
	char *eq = strrchr(arg, '='), *dir, *mount;
	struct stat st;

	dir = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
	if (!dir)
		die("out of memory");
	mount = parse_mount(arg, eq ? eq + 1 : "/");
	if (stat(dir, &st))
		die("%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die("%s: not a directory", dir);
	if (*mount) {
		check_kind(dir, mount, st.st_mode);
		add(mount, dir, &st, src);
	}
	for (char *p = mount; *p; p++)
		if (*p == '/')
			add_on_way(strndup(mount, (size_t)(p - mount)), dir,
				   &st, src);
	walk(dir, mount, src);
}

/* By name (byte order); at equal names, entries from the host first,
 * then by argument. */
static int cmp_ent(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if (!a->path != !b->path)
		return a->path ? -1 : 1;
	return a->src - b->src;
}

/* Reduce the run ents[i..j) of one name to its first entry, or fail:
 * directories merge; a directory on the way to a mount point takes the
 * latest mtime of those it stands for. */
static void merge(size_t i, size_t j)
{
	struct ent *e = &ents[i];

	for (size_t k = i + 1; k < j; k++) {
		const struct ent *o = &ents[k];

		if (!S_ISDIR(e->st.st_mode) || !S_ISDIR(o->st.st_mode))
			die("/%s: given by both %s and %s%s", e->name,
			    srcs[e->src], srcs[o->src],
			    o->path ? "" : " (a directory on its way)");
		if (!e->path && o->st.st_mtime > e->st.st_mtime)
			e->st.st_mtime = o->st.st_mtime;
	}
}

static void sort_and_merge(void)
{
	size_t n = 0;

	qsort(ents, nents, sizeof(*ents), cmp_ent);
	for (size_t i = 0, j; i < nents; i = j) {
		for (j = i + 1;
		     j < nents && !strcmp(ents[i].name, ents[j].name); j++)
			;
		merge(i, j);
		ents[n++] = ents[i];
	}
	nents = n;
	if (nents > KERN_CPIO_MAX_ENTRIES)
		die("%zu entries, more than the kernel reads (%d)", nents,
		    KERN_CPIO_MAX_ENTRIES);
}

static uint64_t written;

static void emit(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, out) != n)
		die("%s: %s", tmp_out, strerror(errno));
	written += n;
}

static void emit_zeros(size_t n)
{
	static const char zeros[PAGE];

	while (n) {
		size_t k = n < PAGE ? n : PAGE;

		emit(zeros, k);
		n -= k;
	}
}

/* One header, its name padded with NULs to namesize bytes, and the
 * padding to the data. */
static void emit_header(uint32_t ino, uint32_t mode, uint32_t nlink,
			uint32_t mtime, uint32_t size, const char *name,
			uint32_t namesize)
{
	char h[HDR_LEN + 1];
	size_t len = strlen(name);

	snprintf(h, sizeof(h),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0u, 0u, nlink, mtime, size, 0u, 0u, 0u, 0u,
		 namesize, 0u);
	emit(h, HDR_LEN);
	emit(name, len);
	emit_zeros(namesize - len);
	emit_zeros(-written & 3);
}

/* The name field's size for a name of len bytes in a header at off that
 * puts the data on a page (page) or at the next multiple of 4. */
static uint32_t name_field(uint64_t off, size_t len, int page)
{
	uint64_t end = off + HDR_LEN + len + 1;

	if (page)
		end = (end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	return (uint32_t)(end - off - HDR_LEN);
}

/* Copy the size bytes of the regular file path. */
static void emit_file(const char *path, uint64_t size)
{
	FILE *f = fopen(path, "rb");
	char buf[1 << 16];
	uint64_t left = size;
	size_t n;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (left &&
	       (n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf),
			  f))) {
		emit(buf, n);
		left -= n;
	}
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	if (left || fgetc(f) != EOF)
		die("%s: changed size while being read", path);
	fclose(f);
}

static void emit_entry(const struct ent *e, uint32_t ino)
{
	char target[KERN_CPIO_LINK_MAX + 1];
	uint64_t size = 0;
	uint32_t mode = e->st.st_mode & (S_IFMT | 07777);
	ssize_t n = 0;

	if (e->st.st_mtime < 0 || (uint64_t)e->st.st_mtime > UINT32_MAX)
		die("%s: mtime %lld does not fit the archive's 32 bits",
		    e->path, (long long)e->st.st_mtime);
	if (S_ISREG(mode)) {
		size = (uint64_t)e->st.st_size;
		if (size > UINT32_MAX)
			die("%s: %llu bytes, more than newc's 4 GiB - 1",
			    e->path, (unsigned long long)size);
	} else if (S_ISLNK(mode)) {
		n = readlink(e->path, target, sizeof(target));
		if (n < 0)
			die("%s: %s", e->path, strerror(errno));
		if ((size_t)n > KERN_CPIO_LINK_MAX)
			die("%s: symlink target longer than %d bytes", e->path,
			    KERN_CPIO_LINK_MAX);
		size = (uint64_t)n;
	}
	emit_header(
		ino, mode, S_ISDIR(mode) ? 2 : 1, (uint32_t)e->st.st_mtime,
		(uint32_t)size, e->name,
		name_field(written, strlen(e->name), S_ISREG(mode) && size >= PAGE));
	if (S_ISREG(mode))
		emit_file(e->path, size);
	else
		emit(target, (size_t)n);
	emit_zeros(-written & 3);
}

int main(int argc, char **argv)
{
	size_t len;

	if (argc < 3) {
		fprintf(stderr, "usage: mkcpio OUT SRC[=MOUNT]...\n");
		return 2;
	}
	srcs = argv + 1;
	for (int i = 2; i < argc; i++)
		add_source(argv[i], i - 1);
	sort_and_merge();
	len = strlen(argv[1]);
	tmp_out = xmalloc(len + 5);
	memcpy(tmp_out, argv[1], len);
	memcpy(tmp_out + len, ".tmp", 5);
	out = fopen(tmp_out, "wb");
	if (!out)
		die("%s: %s", tmp_out, strerror(errno));
	for (size_t i = 0; i < nents; i++)
		emit_entry(&ents[i], (uint32_t)(i + 1));
	emit_header(0, 0, 1, 0, 0, TRAILER, sizeof(TRAILER));
	if (fclose(out)) {
		out = NULL;
		die("%s: %s", tmp_out, strerror(errno));
	}
	out = NULL;
	if (rename(tmp_out, argv[1]))
		die("%s: %s", argv[1], strerror(errno));
	return 0;
}
