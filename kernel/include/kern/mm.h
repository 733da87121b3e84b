/* The memory manager: physical frames, the kernel's page tables (all RAM
 * mapped 1:1 with the image's permissions, device memory on request) and
 * the service's address space (brk, mmap, stacks: populated on first
 * touch, with strict commit accounting so that mmap, not a later fault,
 * reports exhaustion). */
#ifndef KERN_MM_H
#define KERN_MM_H

#include <stddef.h>
#include <stdint.h>

#include <arch/boot.h>

/* Build the frame allocator and the page tables from bi's memory map and
 * switch to them, keeping bi's initrd (kern_mm_initrd). Registered stacks
 * get their guard pages unmapped. Returns 0, or -ENOMEM when the page
 * tables cannot be built; an initrd that cannot be kept stops the boot
 * with OS_EXIT_BOOTCONF and a message naming its addresses.
 *
 * From here to kern_mm_boot_end, stack bytes are promised to the
 * service's stack, yet the boot's allocations (kern_mm_alloc,
 * kern_mm_try_alloc, page tables) may take any free frame, the promised
 * ones and the kernel's reserve too, so that a boot short of memory goes
 * on to its end, where kern_mm_boot_end knows all it lacks. Only when no
 * frame is left at all (or the frame maps do not fit after the image)
 * does the boot stop early, naming the least it lacks so far. Either
 * stop is OS_EXIT_BOOTCONF with one line: the VM's memory in MiB and the
 * least -m that gives what is missing, promise and reserve included ("N
 * MiB of memory is too little for this image: boot with -m M or more");
 * never a panic. */
int kern_mm_init(const struct arch_bootinfo *bi, size_t stack);

/* Whether the boot is over (kern_mm_boot_end ran). */
int kern_mm_booted(void);

/* The end of the boot: stop it as kern_mm_init says unless the promise to
 * the service's stack and the kernel's reserve are still free; then drop
 * the promise, for kern_mm_stack to make. From here on a shortage is the
 * service's: its memory calls fail with ENOMEM, and the first time one
 * does the console gets one line saying how much it asked, how much is
 * left, and the -m that has it. */
void kern_mm_boot_end(void);

/* One boot-log line: RAM, identity-map page sizes, image, free memory;
 * then, when the loader passed an initrd, one line with its address and
 * size (and a warning when it passed more than one module). */
void kern_mm_report(void);

/* n zeroed, physically contiguous, identity-mapped frames for the kernel
 * (page tables, driver buffers); may use the kernel's reserve. Panics,
 * naming the request and what is free, when that cannot be done (during
 * the boot: stops it, kern_mm_init). */
void *kern_mm_alloc(size_t n);

/* n zeroed, physically contiguous, identity-mapped frames as
 * kern_mm_alloc, for memory a caller can do without (a file's data): NULL
 * when that would take from the kernel's reserve or from frames promised
 * to the service, when no run of n free frames is left, or when n is 0;
 * never a panic. During the boot it may take any free frame, and a
 * shortage stops the boot (kern_mm_init). */
void *kern_mm_try_alloc(size_t n);

/* Return n frames from kern_mm_alloc or kern_mm_try_alloc. */
void kern_mm_free(void *p, size_t n);

/* Map size bytes of device memory at physical pa uncached, no-execute,
 * 1:1; returns the address to use, or NULL when out of memory, when the
 * range wraps, or when it would cover RAM or the image (a device, or a
 * firmware table, that places registers there is not believed). */
void *kern_mm_map_device(uint64_t pa, size_t size);

/* The initrd (the first PVH boot module, QEMU's -initrd): its bytes and,
 * in *size, their number; NULL and 0 when there is none. Valid from
 * kern_mm_init on, for good: its frames are never handed out, and it
 * stays mapped 1:1 read-only where the loader put it, so files can be
 * read, and their pages mapped, in place. The bytes are as the loader
 * left them, unchecked. An initrd outside RAM, or overlapping the image
 * or the frame maps after it, stopped the boot in kern_mm_init
 * (OS_EXIT_BOOTCONF). */
const void *kern_mm_initrd(size_t *size);

/* Whether the page holding physical address pa is mapped (RAM, the
 * image, or device memory mapped earlier). */
int kern_mm_is_mapped(uint64_t pa);

/* Unmap the pages of [pa, pa + size) that kern_mm_map_device mapped, for
 * a caller that found no device there and knows nothing else uses them.
 * 0, or -EINVAL (nothing unmapped) when a page of the range is mapped
 * other than as device memory: RAM and the image are never unmapped
 * here. */
int kern_mm_unmap_device(uint64_t pa, size_t size);

/* Map size bytes of firmware memory (ACPI tables) at physical pa
 * read-only, no-execute, 1:1; returns the address, or NULL when out of
 * memory. Mapping memory that is already mapped is harmless. */
const void *kern_mm_map_firmware(uint64_t pa, size_t size);

/* A service stack of size bytes (a page multiple) with an unmapped guard
 * page below it, registered for backtraces under name; its top, or 0 when
 * memory is exhausted. */
uint64_t kern_mm_stack(size_t size, const char *name);

/* Resolve a page fault at addr (error code err) by giving the service
 * page its first frame. 0 if resolved, -EFAULT if the access is invalid. */
int kern_mm_fault(uint64_t addr, uint64_t err);

/* Why an unresolved page fault at addr happened, for the report:
 * "write to read-only memory", "stack guard page of service stack" ... */
const char *kern_mm_fault_reason(uint64_t addr, uint64_t err);

#endif
