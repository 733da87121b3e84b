/* The net/ heap (see heap.h). Blocks of 21 size classes from 32 bytes to
 * 4 KiB, each with a 16-byte header naming its class, are carved from
 * chunks of 4 or 8 frames and kept on one free list per class: O(1) both
 * ways, and a freed block is reused by the next request of its class
 * (chunks are not given back, like lwIP's static pools). Requests above
 * 4 KiB take whole frames and give them back when freed. The limit and
 * the free RAM bound what the heap takes; past them it returns NULL,
 * which lwIP handles (a dropped frame, a refused connection). */
#include <stdint.h>
#include <string.h>

#include <arch/cc.h>
#include <kern/exit.h>
#include <kern/mm.h>

#include "heap.h"

#define PAGE 4096UL
#define HDR 16UL
#define MAGIC_USED 0x6e657475u /* "netu" */
#define MAGIC_FREE 0x6e657466u /* "netf" */
#define LARGE 0xffffu

/* A block's header; the payload follows at a 16-byte boundary. */
struct hdr {
	uint32_t magic;
	uint16_t cls; /* class index, or LARGE */
	uint16_t pad;
	uint64_t pages; /* LARGE: frames taken */
};

struct free_blk {
	struct free_blk *next;
};

/* Block sizes, header included. 1664 holds a full-size frame's pbuf. */
static const uint16_t sizes[] = { 32,	48,   64,   80,	  96,	128,  160,
				  192,	256,  320,  384,  512,	640,  768,
				  1024, 1280, 1664, 2048, 2560, 3072, 4096 };
#define NCLASS (sizeof(sizes) / sizeof(sizes[0]))
#define MAX_BLOCK 4096UL

static struct free_blk *free_list[NCLASS];
static uint8_t class_of[MAX_BLOCK / 16 + 1]; /* 16-byte units -> class */
static struct net_heap_stats st;

void net_heap_init(size_t limit)
{
	unsigned c = 0;

	memset(free_list, 0, sizeof(free_list));
	st = (struct net_heap_stats){ .limit = limit };
	for (unsigned u = 0; u <= MAX_BLOCK / 16; u++) {
		while (sizes[c] < u * 16)
			c++;
		class_of[u] = (uint8_t)c;
	}
	st.limit = limit;
}

void net_heap_stats(struct net_heap_stats *out)
{
	*out = st;
}

size_t net_heap_pressure(void)
{
	return st.in_use >= st.limit / 2 ? st.limit : 0;
}

size_t net_heap_left(void)
{
	return st.in_use < st.limit ? st.limit - st.in_use : 0;
}

/* n frames within the limit, leaving the kernel's reserve and what the
 * service was promised; NULL otherwise. During the boot neither the
 * limit nor a shortage refuses (kern_mm_try_alloc: the boot stops at its
 * end if memory is short), so lwIP meets no NULL there. */
static void *take_frames(size_t n)
{
	void *p;

	if (st.reserved + n * PAGE > st.limit && kern_mm_booted())
		return NULL;
	p = kern_mm_try_alloc(n);
	if (p)
		st.reserved += n * PAGE;
	return p;
}

/* Carve a new chunk into free blocks of class c; 0 or -1. */
static int refill(unsigned c)
{
	size_t pages = sizes[c] > 2048 ? 8 : 4;
	char *chunk = take_frames(pages);
	size_t n = pages * PAGE / sizes[c];

	if (!chunk)
		return -1;
	for (size_t i = n; i-- > 0;) {
		struct hdr *h = (struct hdr *)(chunk + i * sizes[c]);
		struct free_blk *b = (struct free_blk *)(h + 1);

		h->magic = MAGIC_FREE;
		h->cls = (uint16_t)c;
		b->next = free_list[c];
		free_list[c] = b;
	}
	return 0;
}

static void account(size_t bytes)
{
	st.in_use += bytes;
	if (st.in_use > st.peak)
		st.peak = st.in_use;
}

static void *alloc_large(size_t size)
{
	size_t pages = (size + HDR + PAGE - 1) / PAGE;
	struct hdr *h = take_frames(pages);

	if (!h)
		return NULL;
	*h = (struct hdr){ MAGIC_USED, LARGE, 0, pages };
	account(pages * PAGE);
	return h + 1;
}

void *net_malloc(size_t size)
{
	struct free_blk *b;
	struct hdr *h;
	unsigned c;
	void *p;

	if (size > MAX_BLOCK - HDR) {
		p = size > (SIZE_MAX >> 1) ? NULL : alloc_large(size);
		st.failures += !p;
		return p;
	}
	c = class_of[(size + HDR + 15) / 16];
	if (!free_list[c] && refill(c)) {
		st.failures++;
		return NULL;
	}
	b = free_list[c];
	free_list[c] = b->next;
	h = (struct hdr *)b - 1;
	h->magic = MAGIC_USED;
	account(sizes[c]);
	return b;
}

void *net_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		st.failures++;
		return NULL;
	}
	p = net_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void net_free(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;
	struct free_blk *b = p;

	if (!p)
		return;
	if (h->magic != MAGIC_USED)
		kern_panic("net_free(%p): %s", p,
			   h->magic == MAGIC_FREE ? "freed twice" :
						    "not a heap block");
	if (h->cls == LARGE) {
		st.in_use -= h->pages * PAGE;
		st.reserved -= h->pages * PAGE;
		h->magic = 0;
		kern_mm_free(h, h->pages);
		return;
	}
	h->magic = MAGIC_FREE;
	st.in_use -= sizes[h->cls];
	b->next = free_list[h->cls];
	free_list[h->cls] = b;
}
