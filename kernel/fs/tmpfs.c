/* tmpfs file data (see node.h): a file is an index of page pointers,
 * each page allocated when a byte of it is first written, so sparse
 * files cost only what they hold. Every page, of data or of index,
 * counts against one limit for the whole tmpfs (kernel option
 * tmpfs.size=); a write that would pass it stops short with ENOSPC, and
 * unlinking or truncating gives the pages back at once. */
#include <errno.h>
#include <string.h>

#include <kern/mm.h>
#include <kern/uaccess.h>

#include "fs/tmpfs.h"
#include "mm/pool.h"

#define PAGE 4096UL
#define SLOTS_PER_PAGE (PAGE / sizeof(void *))
#define MAX_SIZE (1LL << 40) /* bytes in one file at most */

struct fs_tmpdata {
	size_t size;  /* bytes */
	void **index; /* slots pages, NULL where nothing was written */
	size_t slots;
};

static struct kern_pool datas = KERN_POOL(struct fs_tmpdata, 1 << 18);
static unsigned char zeros[PAGE]; /* bss: never written, not stored */
static uint64_t limit_pages, used_pages;
static uint64_t node_bytes; /* fs_tmp_charge's */

void fs_tmp_set_limit(uint64_t bytes)
{
	limit_pages = bytes / PAGE;
}

uint64_t fs_tmp_limit(void)
{
	return limit_pages * PAGE;
}

uint64_t fs_tmp_used(void)
{
	return used_pages * PAGE + node_bytes;
}

/* Whether bytes more fit under the limit. */
static int fits(uint64_t bytes)
{
	return used_pages * PAGE + node_bytes + bytes <= limit_pages * PAGE;
}

int fs_tmp_charge(uint64_t bytes)
{
	if (!fits(bytes))
		return -ENOSPC;
	node_bytes += bytes;
	return 0;
}

void fs_tmp_uncharge(uint64_t bytes)
{
	node_bytes -= bytes;
}

/* n pages against the limit and from the frame allocator, or NULL. */
static void *take_pages(size_t n)
{
	void *p;

	if (!fits(n * PAGE))
		return NULL;
	p = kern_mm_try_alloc(n);
	if (p)
		used_pages += n;
	return p;
}

static void give_pages(void *p, size_t n)
{
	kern_mm_free(p, n);
	used_pages -= n;
}

static size_t index_pages(size_t slots)
{
	return (slots + SLOTS_PER_PAGE - 1) / SLOTS_PER_PAGE;
}

struct fs_tmpdata *fs_tmp_new(void)
{
	return kern_pool_get(&datas);
}

void fs_tmp_free(struct fs_tmpdata *d)
{
	fs_tmp_truncate(d, 0);
	if (d->index)
		give_pages(d->index, index_pages(d->slots));
	kern_pool_put(&datas, d);
}

size_t fs_tmp_size(const struct fs_tmpdata *d)
{
	return d->size;
}

/* Make room in the index for page number pg. 0 or -ENOSPC. */
static int grow_index(struct fs_tmpdata *d, size_t pg)
{
	size_t want = d->slots ? d->slots : SLOTS_PER_PAGE;
	void **index;

	while (want <= pg)
		want *= 2;
	if (want == d->slots)
		return 0;
	index = take_pages(index_pages(want));
	if (!index)
		return -ENOSPC;
	if (d->index) {
		memcpy(index, d->index, d->slots * sizeof(void *));
		give_pages(d->index, index_pages(d->slots));
	}
	d->index = index;
	d->slots = want;
	return 0;
}

/* The page holding offset off, made if need be; NULL at the limit. */
static unsigned char *page_for(struct fs_tmpdata *d, uint64_t off)
{
	size_t pg = off / PAGE;

	if (pg >= d->slots && grow_index(d, pg))
		return NULL;
	if (!d->index[pg])
		d->index[pg] = take_pages(1);
	return d->index[pg];
}

ssize_t fs_tmp_read(const struct fs_tmpdata *d, void *buf, size_t n, off_t off)
{
	size_t done = 0;

	if (off < 0 || (uint64_t)off >= d->size)
		return 0;
	if (n > d->size - (uint64_t)off)
		n = d->size - (uint64_t)off;
	while (done < n) {
		uint64_t at = (uint64_t)off + done;
		size_t pg = at / PAGE, in = at % PAGE;
		size_t len = PAGE - in < n - done ? PAGE - in : n - done;
		const unsigned char *src =
			pg < d->slots && d->index[pg] ? d->index[pg] : zeros;

		if (kern_copy_safe((char *)buf + done, src + in, len))
			return -EFAULT;
		done += len;
	}
	return (ssize_t)done;
}

ssize_t fs_tmp_write(struct fs_tmpdata *d, const void *buf, size_t n, off_t off)
{
	size_t done = 0;

	if (off < 0 || off > MAX_SIZE || n > (uint64_t)(MAX_SIZE - off))
		return -EFBIG;
	while (done < n) {
		uint64_t at = (uint64_t)off + done;
		size_t in = at % PAGE;
		size_t len = PAGE - in < n - done ? PAGE - in : n - done;
		unsigned char *dst = page_for(d, at);

		if (!dst)
			break;
		if (kern_copy_safe(dst + in, (const char *)buf + done, len)) {
			/* bytes past the end read as zero when it grows */
			if (at + len > d->size) {
				size_t keep = d->size > at ? d->size - at : 0;

				memset(dst + in + keep, 0, len - keep);
			}
			return done ? (ssize_t)done : -EFAULT;
		}
		done += len;
		if (at + len > d->size)
			d->size = at + len;
	}
	return done ? (ssize_t)done : (n ? -ENOSPC : 0);
}

int fs_tmp_truncate(struct fs_tmpdata *d, off_t len)
{
	uint64_t keep;

	if (len < 0 || len > MAX_SIZE)
		return -EFBIG;
	keep = ((uint64_t)len + PAGE - 1) / PAGE;
	for (size_t pg = keep; pg < d->slots; pg++)
		if (d->index[pg]) {
			give_pages(d->index[pg], 1);
			d->index[pg] = NULL;
		}
	if ((uint64_t)len < d->size && len % PAGE && keep - 1 < d->slots &&
	    d->index[keep - 1])
		memset((char *)d->index[keep - 1] + len % PAGE, 0,
		       PAGE - len % PAGE);
	d->size = (uint64_t)len;
	return 0;
}
