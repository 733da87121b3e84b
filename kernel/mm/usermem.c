/*
 * The service's address space: brk, mmap (anonymous memory and files),
 * munmap, mremap, mprotect and madvise, service stacks, and page faults on
 * first touch. Regions live in a window far above RAM (kernel/mm/vma.h);
 * each page gets a frame when it is first touched, and every page of an
 * anonymous region is promised (committed) when the region is made, so
 * running out shows as -ENOMEM from mmap or brk, never as a fault later.
 * A file region maps a file's own page-aligned stable bytes (a baked-in
 * file's image pages) read-only: it owns no frame and promises none, and
 * its page-table entries are only a cache of pa + offset, made on first
 * touch and dropped freely. Ranges from the service are checked as Linux
 * checks them (wrapping, misaligned, empty, beyond the lower half) before
 * anything is looked up, so none reaches a panic; the work done follows
 * the regions and pages mapped, not the length asked for. Regions are
 * never writable and executable at once unless the kernel option
 * mm.allow_wx is given (for a JIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>

#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/file.h>
#include "debug/fault.h"
#include <kern/mm.h>
#include "mm/vma.h"

#include "mm/mm_internal.h"
#include "core/sys.h"

#define PAGE 4096ULL
#define VM_LO 0x100000000000ULL	 /* 16 TiB: mmap regions and stacks */
#define BRK_LO 0x700000000000ULL /* 112 TiB: the brk heap */
#define BRK_MAX (64ULL << 30)
#define VM_HI (BRK_LO + BRK_MAX) /* the end of the window */
#define TOP (1ULL << 47)	 /* the lower half: the address space's bound */
#define VMA_MAX 4096
#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_FETCH 0x10
#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define PROT_SEM 0x8 /* accepted by Linux's mprotect, meaningless here */

static struct kern_vmas vmas;
static uint64_t brk_cur = BRK_LO;
static int allow_wx; /* mm.allow_wx: regions may be writable and executable */

void mm_take_options(struct kern_cmdline *cl)
{
	const char *v;

	if ((v = kern_cmdline_take(cl, "mm.allow_wx"))) {
		if (strcmp(v, "") && strcmp(v, "1") && strcmp(v, "0"))
			kern_bootconf_error("mm.allow_wx=%s: expected 0 or 1",
					    v);
		allow_wx = strcmp(v, "0") != 0;
	}
	if (allow_wx)
		kern_info("mm.allow_wx: service memory may be writable and "
			  "executable at once");
}

/* Whether prot asks for what W^X refuses: writable and executable. */
static int wx_refused(unsigned prot)
{
	return (prot & PROT_WRITE) && (prot & PROT_EXEC) && !allow_wx;
}

/* The region table lives in frames of its own: untouched until used. */
void kern_mm_vm_init(void)
{
	size_t pages = (VMA_MAX * sizeof(struct kern_vma) + PAGE - 1) / PAGE;

	kern_vmas_init(&vmas, VM_LO, BRK_LO + BRK_MAX, kern_mm_alloc(pages),
		       VMA_MAX);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static unsigned pt_attrs(unsigned prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	return KERN_PT_READ | (prot & PROT_WRITE ? KERN_PT_WRITE : 0) |
	       (prot & PROT_EXEC ? KERN_PT_EXEC : 0);
}

/* Pages of [lo, hi) inside anonymous regions. */
static size_t anon_pages(uint64_t lo, uint64_t hi)
{
	return kern_vmas_anon_bytes(&vmas, lo, hi) / PAGE;
}

/* Whether n more pages could be promised now. */
static int can_commit(size_t n)
{
	if (mm_commit(n))
		return 0;
	mm_uncommit(n);
	return 1;
}

/* Unmap the pages of file regions in [lo, hi): their frames are the
 * file's, never freed; the next touch maps them again. */
static void drop_file_ptes(uint64_t lo, uint64_t hi)
{
	const struct kern_vma *v;

	for (; (v = kern_vmas_first_of(&vmas, lo, hi, KERN_VMA_FILE));
	     lo = v->end) {
		uint64_t a = v->start > lo ? v->start : lo;
		uint64_t b = v->end < hi ? v->end : hi;

		if (kern_pt_unmap(&mm_pt, a, b - a))
			kern_panic("cannot unmap a file's pages");
	}
}

/* Free the frames of [lo, hi) (inside the window) and unmap them; keep
 * their promise if keep. File regions still in the table lose their
 * mappings only. Only the page tables present are walked, so the cost
 * follows the pages mapped. Returns how many frames there were. */
static size_t drop_frames(uint64_t lo, uint64_t hi, int keep)
{
	struct kern_pt_leaf l;
	size_t n = 0;

	drop_file_ptes(lo, hi);

	for (uint64_t va = lo;
	     va < hi && kern_pt_next_leaf(&mm_pt, va, hi - va, &l) == 0;
	     va = l.va + PAGE) {
		if (l.level)
			kern_panic("a large page in the service's window");
		mm_service_free(l.pa, keep);
		n++;
	}
	if (n && kern_pt_unmap(&mm_pt, lo, hi - lo))
		kern_panic("cannot unmap service memory");
	return n;
}

/* Remove [lo, hi) (inside the window, or empty) from the address space
 * with its frames and promises. 0, or -ENOMEM when the region table is
 * full (nothing changed). */
static int unmap_range(uint64_t lo, uint64_t hi)
{
	size_t pages = anon_pages(lo, hi);

	if (lo >= hi)
		return 0;
	drop_file_ptes(lo, hi); /* before the regions go: they say where */
	if (kern_vmas_remove(&vmas, lo, hi))
		return -ENOMEM;
	mm_uncommit(pages - drop_frames(lo, hi, 0));
	return 0;
}

/* Add an anonymous region, promising its pages, that mprotect may not
 * give the protections deny; copy: it holds a file's bytes. */
static int add_region_deny(uint64_t lo, uint64_t hi, unsigned prot,
			   unsigned deny, int copy)
{
	struct kern_vma r = {
		lo, hi, prot, KERN_VMA_ANON, NULL, 0, deny, copy
	};
	int err;

	if (mm_commit((hi - lo) / PAGE))
		return -ENOMEM;
	err = kern_vmas_insert_region(&vmas, &r);
	if (err)
		mm_uncommit((hi - lo) / PAGE);
	return err;
}

/* Add an anonymous region, promising its pages. */
static int add_region(uint64_t lo, uint64_t hi, unsigned prot)
{
	return add_region_deny(lo, hi, prot, 0, 0);
}

int kern_mm_fault(uint64_t addr, uint64_t err)
{
	const struct kern_vma *v = kern_vmas_lookup(&vmas, addr);
	uint64_t page = addr & ~(PAGE - 1), pa;

	if (!v || (v->kind != KERN_VMA_ANON && v->kind != KERN_VMA_FILE) ||
	    (err & PF_PRESENT) ||
	    !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    ((err & PF_WRITE) && !(v->prot & PROT_WRITE)) ||
	    ((err & PF_FETCH) && !(v->prot & PROT_EXEC)))
		return -EFAULT;
	pa = v->kind == KERN_VMA_FILE ? v->pa + (page - v->start) :
					mm_commit_take();
	if (kern_pt_map(&mm_pt, page, pa, PAGE, pt_attrs(v->prot)))
		kern_panic("no memory for a page table at 0x%lx", page);
	return 0;
}

const char *kern_mm_fault_reason(uint64_t addr, uint64_t err)
{
	const struct kern_vma *v = kern_vmas_lookup(&vmas, addr);

	if (v && v->kind == KERN_VMA_GUARD)
		return v->name;
	if (v && !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return "access to PROT_NONE memory";
	if ((err & PF_FETCH) && (v || (err & PF_PRESENT)))
		return "execute of no-execute memory";
	if ((err & PF_WRITE) && (v || (err & PF_PRESENT)))
		return "write to read-only memory";
	if (err & PF_PRESENT)
		return "protection violation";
	return "address not mapped (no RAM, device or mapping there)";
}

uint64_t kern_mm_stack(size_t size, const char *name)
{
	uint64_t lo = kern_vmas_find_gap(&vmas, size + PAGE);

	if (!lo || lo >= BRK_LO || size % PAGE ||
	    kern_vmas_insert(&vmas, lo, lo + PAGE, 0, KERN_VMA_GUARD, name))
		return 0;
	if (add_region(lo + PAGE, lo + PAGE + size, PROT_READ | PROT_WRITE)) {
		kern_vmas_remove(&vmas, lo, lo + PAGE);
		return 0;
	}
	kern_stack_register(name, lo + PAGE, lo + PAGE + size);
	return lo + PAGE + size;
}

/* brk(addr): move the break; returns the new break, or the old one when
 * addr is 0, out of the window, or memory is exhausted. */
long sys_brk(const long *a)
{
	uint64_t want = (uint64_t)a[0], old_top = page_up(brk_cur);
	uint64_t new_top = page_up(want);

	if (want < BRK_LO || want > BRK_LO + BRK_MAX)
		return (long)brk_cur;
	if (new_top > old_top &&
	    add_region(old_top, new_top, PROT_READ | PROT_WRITE))
		return (long)brk_cur;
	if (new_top < old_top && unmap_range(new_top, old_top))
		return (long)brk_cur;
	brk_cur = want;
	return (long)brk_cur;
}

/* Where a MAP_FIXED mapping of len bytes (page-aligned, at most TOP)
 * goes: addr, after clearing what was there (MAP_FIXED_NOREPLACE: if
 * nothing was). 0 with *err set on failure, the old mapping kept when
 * the new one could not be promised. */
static uint64_t place_fixed(uint64_t addr, uint64_t len, int flags, long *err)
{
	uint64_t end;
	size_t old;

	*err = -EINVAL;
	switch (kern_vma_range(addr, len, TOP, &end)) {
	case KERN_VMA_RANGE_UNALIGNED:
		return 0;
	case KERN_VMA_RANGE_OK:
		break;
	default:
		*err = -ENOMEM;
		return 0;
	}
	*err = -ENOMEM;
	if (addr < VM_LO || end > BRK_LO)
		return 0;
	if (flags & MAP_FIXED_NOREPLACE) {
		*err = -EEXIST;
		return kern_vmas_is_free(&vmas, addr, end) ? addr : 0;
	}
	old = anon_pages(addr, end);
	if (len / PAGE > old && !can_commit(len / PAGE - old))
		return 0;
	return unmap_range(addr, end) ? 0 : addr;
}

/* Where a mapping of len bytes (page-aligned, at most TOP) goes without
 * MAP_FIXED: at the hint rounded up to a page if that range is free in
 * the mmap window, else in the lowest gap. 0 when there is none. */
static uint64_t place_free(uint64_t hint, uint64_t len)
{
	uint64_t addr = page_up(hint);

	if (addr >= VM_LO && addr < BRK_LO && len <= BRK_LO - addr &&
	    kern_vmas_is_free(&vmas, addr, addr + len))
		return addr;
	addr = kern_vmas_find_gap(&vmas, len);
	return addr && addr + len <= BRK_LO ? addr : 0;
}

/* Give the pages of [lo, hi) that have none their frames now. */
static void populate(uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo; va < hi; va += PAGE)
		if (kern_pt_translate(&mm_pt, va, NULL, NULL, NULL))
			kern_mm_fault(va, 0);
}

/* The file fd may be mapped with prot and flags from, or NULL with *err
 * set, checked as Linux: -EBADF (no such descriptor, or an O_PATH one,
 * which does no I/O), -EINVAL (neither MAP_SHARED nor MAP_PRIVATE),
 * -EACCES (not open for reading, or MAP_SHARED and PROT_WRITE without
 * O_RDWR), -ENODEV (no bytes to map: neither ->stable nor ->pread, or
 * MAP_SHARED and PROT_WRITE, which would need writes to reach the file:
 * not done). */
static struct kern_file *file_to_map(long fd, unsigned prot, int flags,
				     long *err)
{
	struct kern_file *f = kern_fd_file((int)fd);
	int type = flags & MAP_TYPE, mode = f ? f->flags & O_ACCMODE : 0;
	int shared_write = type != MAP_PRIVATE && (prot & PROT_WRITE);

	*err = -EBADF;
	if (!f || (f->flags & O_PATH))
		return NULL;
	*err = -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE &&
	    type != MAP_SHARED_VALIDATE)
		return NULL;
	*err = -EACCES;
	if (mode == O_WRONLY || (shared_write && mode != O_RDWR))
		return NULL;
	*err = -ENODEV;
	if ((!f->ops->stable && !f->ops->pread) || shared_write)
		return NULL;
	*err = 0;
	return f;
}

/* Fill the page at pa with the file's bytes from off: from its stable
 * bytes src (avail of them, at least one) if it has them, else with
 * ->pread. The bytes placed (fewer than a page at the end of the file),
 * or -errno. */
static long file_page(struct kern_file *f, void *pa, off_t off, const char *src,
		      size_t avail)
{
	size_t got = 0;

	if (src) {
		got = avail < PAGE ? avail : PAGE;
		memcpy(pa, src, got);
		return (long)got;
	}
	while (got < PAGE) {
		ssize_t r = f->ops->pread(f, (char *)pa + got, PAGE - got,
					  off + (off_t)got);

		if (r < 0)
			return r == -EISDIR ? -ENODEV : (long)r;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

/* Copy the file's bytes from off into the anonymous pages of [lo, hi),
 * giving them their frames (mapped with prot) until the end of the file;
 * the pages after it are left to be zeroed on first touch. A file with
 * ->stable gives its bytes at off as src (avail of them; NULL and 0 at
 * the end), any other reads with ->pread. 0 or -errno. */
static long copy_in(struct kern_file *f, uint64_t lo, uint64_t hi,
		    unsigned prot, off_t off, const char *src, size_t avail)
{
	int stable = f->ops->stable != NULL;

	for (uint64_t va = lo; va < hi; va += PAGE) {
		uint64_t done = va - lo, pa;
		long n;

		if (stable ? done >= avail : !f->ops->pread)
			break;
		pa = mm_commit_take();
		n = file_page(f, (void *)pa, off + (off_t)done,
			      stable ? src + done : NULL,
			      stable ? avail - done : 0);
		if (kern_pt_map(&mm_pt, va, pa, PAGE, pt_attrs(prot)))
			kern_panic("no memory for a page table at 0x%lx",
				   (unsigned long)va);
		if (n < (long)PAGE)
			return n < 0 ? n : 0;
	}
	return 0;
}

/* Map len bytes of the file from off at addr (free, in the mmap
 * window) with prot. MAP_PRIVATE and MAP_SHARED without PROT_WRITE or
 * PROT_EXEC of page-aligned stable bytes map the file's own frames
 * (a file region, read-only: mprotect may not add PROT_WRITE or
 * PROT_EXEC, mremap may not grow it), with the last partial page and any
 * pages past the end of the file as anonymous memory holding the tail
 * bytes and zeroes (Linux would raise SIGBUS on whole pages past the
 * end: here they read as zeroes). Anything else is a copy: anonymous
 * memory filled with the file's bytes as they are now. Limitation: a
 * MAP_SHARED copy does not see later writes to the file, so mprotect may
 * not make it writable. 0 or -errno (nothing mapped then). */
static long map_file(struct kern_file *f, uint64_t addr, uint64_t len,
		     unsigned prot, int shared, off_t off)
{
	size_t avail = 0;
	const char *src =
		f->ops->stable ? f->ops->stable(f, off, &avail) : NULL;
	unsigned deny = shared ? PROT_WRITE : 0;
	uint64_t whole = 0;
	long err;

	if (src && !((uintptr_t)src % PAGE) &&
	    !(prot & (PROT_WRITE | PROT_EXEC))) {
		struct kern_vma r = { addr,
				      0,
				      prot,
				      KERN_VMA_FILE,
				      NULL,
				      (uintptr_t)src,
				      PROT_WRITE | PROT_EXEC,
				      0 };

		whole = avail & ~(PAGE - 1);
		whole = whole < len ? whole : len;
		r.end = addr + whole;
		if (whole && (err = kern_vmas_insert_region(&vmas, &r)))
			return err;
	}
	if (whole == len)
		return 0;
	err = add_region_deny(addr + whole, addr + len, prot, deny, 1);
	if (!err)
		err = copy_in(f, addr + whole, addr + len, prot,
			      off + (off_t)whole, src ? src + whole : NULL,
			      avail > whole ? avail - whole : 0);
	if (err)
		unmap_range(addr, addr + len);
	return err;
}

long sys_mmap(const long *a)
{
	uint64_t addr = (uint64_t)a[0], len = (uint64_t)a[1];
	unsigned prot = (unsigned)a[2] & PROT_ALL;
	int flags = (int)a[3];
	struct kern_file *f = NULL;
	long err = -ENOMEM;

	if (!len || a[5] % PAGE)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) &&
	    !(f = file_to_map(a[4], prot, flags, &err)))
		return err;
	if (len > TOP)
		return -ENOMEM; /* larger than the address space */
	len = page_up(len);
	if (f && (a[5] < 0 || (uint64_t)a[5] > LONG_MAX - len))
		return -EOVERFLOW;
	if (wx_refused(prot))
		return -EACCES;
	addr = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) ?
		       place_fixed(addr, len, flags, &err) :
		       place_free(addr, len);
	if (!addr)
		return err;
	if (f) {
		kern_file_get(f); /* a read may wait: keep it open */
		err = map_file(f, addr, len, prot,
			       (flags & MAP_TYPE) != MAP_PRIVATE, (off_t)a[5]);
		kern_file_put(f);
	} else {
		err = add_region(addr, addr + len, prot);
	}
	if (err)
		return err;
	if (flags & MAP_POPULATE)
		populate(addr, addr + len);
	return (long)addr;
}

/* munmap: EINVAL for a range misaligned, empty, wrapping or beyond the
 * lower half, as Linux; what lies outside the window is not the
 * service's to unmap and is left alone. */
long sys_munmap(const long *a)
{
	uint64_t addr = (uint64_t)a[0], end;

	if (kern_vma_range(addr, (uint64_t)a[1], TOP, &end) !=
	    KERN_VMA_RANGE_OK)
		return -EINVAL;
	return unmap_range(addr < VM_LO ? VM_LO : addr,
			   end > VM_HI ? VM_HI : end);
}

/* mprotect: EINVAL for a misaligned address or unknown protections,
 * ENOMEM for a range wrapping, beyond the lower half or not wholly
 * mapped, EACCES for W+X (after those checks, as Linux's security
 * checks come after them) or for what a region may not have (a file's
 * own pages are never writable or executable; a shared copy of a file
 * never writable); nothing changed on failure. */
long sys_mprotect(const long *a)
{
	uint64_t addr = (uint64_t)a[0], end;
	unsigned prot = (unsigned)a[2];
	int err;

	switch (kern_vma_range(addr, (uint64_t)a[1], TOP, &end)) {
	case KERN_VMA_RANGE_UNALIGNED:
		return -EINVAL;
	case KERN_VMA_RANGE_EMPTY:
		return 0;
	case KERN_VMA_RANGE_OK:
		break;
	default:
		return -ENOMEM;
	}
	if ((unsigned long)a[2] & ~(unsigned long)(PROT_ALL | PROT_SEM))
		return -EINVAL;
	prot &= PROT_ALL;
	if (!kern_vmas_mapped(&vmas, addr, end))
		return -ENOMEM;
	if (wx_refused(prot))
		return -EACCES;
	if ((err = kern_vmas_protect(&vmas, addr, end, prot)))
		return err; /* -EACCES: beyond what a region allows */
	if (kern_pt_protect(&mm_pt, addr, end - addr, pt_attrs(prot)))
		kern_panic("cannot change service page protections");
	return 0;
}

/* Drop the frames of [lo, hi), which is wholly mapped, keeping their
 * promise, but those of file copies: a zeroed page would lose the file's
 * bytes (Linux reads them again; the copy keeps them, and any writes). */
static void drop_unless_copies(uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		const struct kern_vma *v = kern_vmas_lookup(&vmas, lo);
		uint64_t end = v->end < hi ? v->end : hi;

		if (!v->copy)
			drop_frames(lo, end, 1); /* a file's pages come back */
		lo = end;
	}
}

/* MADV_DONTNEED and MADV_FREE drop the pages' frames: the next touch
 * gets a zeroed page, or the file's own page; a copy of a file keeps its
 * pages. Other advice is only advice. EINVAL for a range misaligned or
 * wrapping, ENOMEM for one beyond the lower half or (for the advice that
 * drops frames) not wholly mapped, as Linux. */
long sys_madvise(const long *a)
{
	uint64_t addr = (uint64_t)a[0], end;

	switch (kern_vma_range(addr, (uint64_t)a[1], TOP, &end)) {
	case KERN_VMA_RANGE_EMPTY:
		return 0;
	case KERN_VMA_RANGE_OUTSIDE:
		return -ENOMEM;
	case KERN_VMA_RANGE_OK:
		break;
	default:
		return -EINVAL;
	}
	if (a[2] != MADV_DONTNEED && a[2] != MADV_FREE)
		return 0;
	if (!kern_vmas_mapped(&vmas, addr, end))
		return -ENOMEM;
	drop_unless_copies(addr, end);
	return 0;
}

/* Move the frames of [from, from + len) to [to, to + len), walking only
 * the pages mapped. */
static void move_pages(uint64_t from, uint64_t to, uint64_t len)
{
	uint64_t end = from + len;
	struct kern_pt_leaf l;

	for (uint64_t va = from;
	     va < end && kern_pt_next_leaf(&mm_pt, va, end - va, &l) == 0;
	     va = l.va + PAGE)
		if (l.level ||
		    kern_pt_map(&mm_pt, to + (l.va - from), l.pa, PAGE,
				l.attrs) ||
		    kern_pt_unmap(&mm_pt, l.va, PAGE))
			kern_panic("cannot move service pages");
}

/* mremap's checks, as Linux: EINVAL for a misaligned address, unknown
 * flags, a new length of 0 or beyond the lower half, an old length of 0
 * (only shared mappings can be duplicated), or a shrinking old range
 * that wraps or leaves the lower half; EFAULT when the old range is not
 * inside one anonymous or file region below the brk heap. 0 with the
 * region. */
static long mremap_check(const long *a, const struct kern_vma **v)
{
	uint64_t old = (uint64_t)a[0], end;
	enum kern_vma_range r = kern_vma_range(old, (uint64_t)a[1], TOP, &end);

	if (r == KERN_VMA_RANGE_UNALIGNED || (a[3] & ~MREMAP_MAYMOVE) ||
	    !a[2] || (uint64_t)a[2] > TOP || r == KERN_VMA_RANGE_EMPTY)
		return -EINVAL;
	if (r != KERN_VMA_RANGE_OK)
		return (uint64_t)a[1] >= page_up((uint64_t)a[2]) ? -EINVAL :
								   -EFAULT;
	*v = kern_vmas_lookup(&vmas, old);
	if (!*v ||
	    ((*v)->kind != KERN_VMA_ANON && (*v)->kind != KERN_VMA_FILE) ||
	    end > (*v)->end || old >= BRK_LO)
		return -EFAULT;
	return 0;
}

/* mremap without MREMAP_FIXED: shrink, grow in place, or move. A file
 * region (a file's own pages) only shrinks: growing it is EINVAL (its
 * file is not kept to say what would follow). */
long sys_mremap(const long *a)
{
	uint64_t old = (uint64_t)a[0], old_len = page_up((uint64_t)a[1]);
	uint64_t new_len = page_up((uint64_t)a[2]), to;
	const struct kern_vma *v;
	long err = mremap_check(a, &v);
	unsigned prot, deny;
	int copy;

	if (err)
		return err;
	prot = v->prot;
	deny = v->deny;
	copy = v->copy;
	if (new_len <= old_len)
		return unmap_range(old + new_len, old + old_len) ? -ENOMEM :
								   (long)old;
	if (v->kind == KERN_VMA_FILE)
		return -EINVAL;
	if (old + new_len <= BRK_LO &&
	    add_region_deny(old + old_len, old + new_len, prot, deny, copy) ==
		    0)
		return (long)old;
	/* A move needs up to 3 slots (the new region, 2 cuts): make sure the
	 * removal below cannot fail. */
	if (!(a[3] & MREMAP_MAYMOVE) || vmas.n + 3 > vmas.cap)
		return -ENOMEM;
	to = kern_vmas_find_gap(&vmas, new_len);
	if (!to || to + new_len > BRK_LO ||
	    add_region_deny(to, to + new_len, prot, deny, copy))
		return -ENOMEM;
	move_pages(old, to, old_len);
	if (kern_vmas_remove(&vmas, old, old + old_len))
		kern_panic("cannot remove a moved region");
	mm_uncommit(old_len / PAGE); /* the new region promised them all */
	return (long)to;
}

int kern_mm_service_range(uint64_t lo, uint64_t hi, unsigned prot)
{
	while (lo < hi) {
		const struct kern_vma *v = kern_vmas_lookup(&vmas, lo);

		if (!v ||
		    (v->kind != KERN_VMA_ANON && v->kind != KERN_VMA_FILE) ||
		    !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ||
		    ((prot & PROT_WRITE) && !(v->prot & PROT_WRITE)))
			return 0;
		lo = v->end;
	}
	return 1;
}
