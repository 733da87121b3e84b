/*
 * Memory statistics of a libos image.
 *
 * libos maps all RAM 1:1 for the kernel and gives the service's brk, mmap
 * and stack memory frames only when a page is first touched. A frame the
 * guest has never written costs the host nothing (under KVM: no EPT entry,
 * no host page), so "touched" is the figure that tells what the VM really
 * uses.
 */
#ifndef OS_MEM_H
#define OS_MEM_H

#include <stdint.h>

struct os_mem_stats {
	uint64_t total;	    /* bytes of RAM in the memory map */
	uint64_t free;	    /* bytes of RAM not in use */
	uint64_t heap;	    /* bytes backing the service's brk, mmap, stack */
	uint64_t committed; /* bytes promised to the service, not yet used */
	uint64_t reserve;   /* bytes the service may not take (the kernel's) */
	uint64_t page_tables; /* bytes of page-table pages */
	uint64_t touched;     /* bytes of RAM written since power-on */
};

/* Fill *st with the current figures. Never fails. */
void os_mem_stats(struct os_mem_stats *st);

#endif
