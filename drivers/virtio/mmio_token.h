/* Private to drivers/virtio: the virtio_mmio.device=SIZE@BASE:IRQ[:ID]
 * tokens of the command line, read and checked before anything is
 * mapped. A token is boot configuration: one that is malformed, names a
 * window in memory (RAM, ACPI tables, the kernel image), one too small
 * for the registers and a configuration space, one that overlaps another
 * token's window, or an interrupt no I/O APIC serves, stops the boot.
 * Pure code, unit-tested on the host. */
#ifndef VIRTIO_MMIO_TOKEN_H
#define VIRTIO_MMIO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <arch/boot.h>

/* The smallest window: the registers (0x100 bytes) and 0x100 bytes of
 * configuration space, as QEMU lays its transports out (0x200 apart);
 * Firecracker's are 0x1000. */
#define VMMIO_MIN_SIZE 0x200
/* Window bases are multiples of the register block's size, so that the
 * 32-bit registers are aligned and the block never straddles a page. */
#define VMMIO_ALIGN 0x100

struct vmmio_window {
	uint64_t base, size;
	uint32_t gsi;
};

/* What a window must keep clear of. */
struct vmmio_limits {
	const struct arch_mem_range *mem; /* the boot memory map */
	size_t nmem;
	uint64_t image_lo, image_hi; /* the kernel image, [lo, hi) */
	uint64_t addr_limit;	     /* windows end at or below this */
	int (*gsi_ok)(uint32_t gsi); /* whether an I/O APIC serves gsi */
};

/* Read token s ("SIZE@BASE:IRQ[:ID]", Linux's syntax: numbers in C
 * notation, SIZE with an optional K, M or G suffix, the ID a number that
 * is ignored) into *w. 0, or -EINVAL with a reason in *why. */
int vmmio_token_parse(const char *s, struct vmmio_window *w, const char **why);

/* Check w against l and against the n windows in prev (those of the
 * earlier tokens): at least VMMIO_MIN_SIZE bytes, base a multiple of
 * VMMIO_ALIGN, base + size without overflow and within l->addr_limit,
 * clear of every memory-map range other than "reserved" (RAM, ACPI
 * tables, NVS ...) and of the image, overlapping no earlier window, on
 * an interrupt l->gsi_ok accepts. 0, or -EINVAL with a reason in err. */
int vmmio_window_check(const struct vmmio_window *w,
		       const struct vmmio_limits *l,
		       const struct vmmio_window *prev, int n, char *err,
		       size_t errlen);

/* Parse and check tokens[0..n) in order into w[0..n). 0, or -EINVAL at
 * the first bad token with "virtio_mmio.device=TOKEN: reason" in err. */
int vmmio_tokens_check(const char *const *tokens, int n, const struct vmmio_limits *l,
		       struct vmmio_window *w, char *err, size_t errlen);

#endif
