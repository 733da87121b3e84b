/* Private to kernel/: what the service's address space (usermem.c) needs
 * from the memory manager (mm.c), and what the pointer checks
 * (uaccess.c) ask the service's address space. */
#ifndef KERNEL_MM_INTERNAL_H
#define KERNEL_MM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mm/pt.h"

struct kern_cmdline;

/* Set the service's address space up (empty). */
void kern_mm_vm_init(void);

/* Take the memory manager's kernel options from cl when the command line
 * is parsed: mm.allow_wx (or =1; =0 undoes it) lets the service map
 * memory writable and executable at once (a JIT). Another value stops
 * the boot (OS_EXIT_BOOTCONF). */
void mm_take_options(struct kern_cmdline *cl);

/* The one set of page tables. */
extern struct kern_pt mm_pt;

/* Promise n frames to the service: 0, or -ENOMEM if that would leave less
 * than the kernel's reserve unpromised. */
int mm_commit(size_t n);

/* Take back a promise of n frames. */
void mm_uncommit(size_t n);

/* Turn one promised frame into a real one, zeroed: its physical address.
 * Panics if the accounting was wrong. */
uint64_t mm_commit_take(void);

/* Give a service frame back, keeping (keep = 1) or dropping its promise. */
void mm_service_free(uint64_t pa, int keep);

/* Frames currently backing service memory, and promised ones. */
size_t mm_service_frames(void);
size_t mm_committed(void);

/* Whether every byte of [lo, hi) (lo < hi) lies in the service's
 * anonymous regions (mmap, brk, stacks) or mapped files and allows prot:
 * PROT_WRITE needs writable regions (a file's own pages never are),
 * PROT_READ any accessible ones (x86 pages are readable whenever they
 * are mapped). Guard pages and PROT_NONE never do. */
int kern_mm_service_range(uint64_t lo, uint64_t hi, unsigned prot);

#endif
