/* The virtio-mmio transport (virtio 1.x section 4.2), both register
 * layouts: Version 2 (modern: 64-bit queue addresses, QueueReady, 64
 * feature bits, ConfigGeneration) and Version 1 (legacy: GuestPageSize,
 * QueueAlign and one page number for the whole queue, 32 feature bits),
 * which QEMU presents unless told virtio-mmio.force-legacy=false. Each
 * device has one level-triggered, active-high interrupt line; its
 * InterruptStatus says which of used buffers (bit 0) or a configuration
 * change (bit 1) raised it, and writing the bits to InterruptACK lowers it.
 *
 * Discovery, in order:
 * (a) the command line's virtio_mmio.device=SIZE@BASE:IRQ[:ID] tokens
 *     (Linux's syntax; QEMU microvm appends one per device with acpi=off,
 *     and only then), IRQ being a GSI. Every token is checked before any
 *     window is mapped (mmio_token.h: size, alignment, clear of memory
 *     and the image, no overlap, a served GSI); a bad one stops the boot;
 * (b) else, on QEMU microvm with ACPI (a hardware-reduced FADT and the
 *     "BOCHS" OEM id), QEMU's fixed transports, read for MagicValue and
 *     DeviceID: 0x200 bytes each at 0xfeb00000 + 0x200 * i, 24 of them on
 *     GSI 24 + i when the second I/O APIC (GSI base 24) exists, else 8 on
 *     GSI 16 + i (microvm,ioapic2=off). QEMU fills them from the top slot
 *     down, so they are looked at from the top: the first -device is found
 *     first. The DSDT's LNRO0005 entries say the same (checked on QEMU
 *     7.2); there is no AML interpreter to read them.
 * Elsewhere (pc, q35, other hypervisors without the tokens) nothing is
 * probed. A window's first 4 KiB at most are mapped (the registers and
 * the configuration space the driver may read), and unmapped again when
 * no device is kept there. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arch/boot.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <drv/virtio.h>
#include <kern/acpi.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/irq.h>
#include <kern/mm.h>

#include "mmio_token.h"

/* Registers (4.2.2, legacy 4.2.4), byte offsets, all 32 bits wide. */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_GUEST_PAGE_SIZE 0x028 /* v1 */
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_ALIGN 0x03c /* v1 */
#define R_QUEUE_PFN 0x040   /* v1 */
#define R_QUEUE_READY 0x044 /* v2 */
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC 0x080	  /* v2: low half, high half at +4 */
#define R_QUEUE_DRIVER 0x090	  /* v2 */
#define R_QUEUE_DEVICE 0x0a0	  /* v2 */
#define R_CONFIG_GENERATION 0x0fc /* v2 */
#define R_CONFIG 0x100

#define MMIO_MAGIC 0x74726976 /* "virt", little-endian */
#define INT_USED 1
#define INT_CONFIG 2
#define PAGE 4096
#define QUEUE_SIZE_MAX 32768 /* 2.7: the largest split queue */
#define MAX_DEVICES 24
#define MAP_MAX 0x1000 /* mapped of a window: registers, 0xf00 of config */

/* QEMU microvm's transports (hw/i386/microvm.c). */
#define MICROVM_BASE 0xfeb00000ULL
#define MICROVM_STRIDE 0x200
#define MICROVM_IOAPIC2_GSI 24

struct vmmio_irq {
	kern_irq_fn fn;
	void *arg;
};

struct vmmio {
	struct drv_virtio_dev dev;
	volatile uint8_t *regs;
	uint64_t base;
	uint32_t gsi;
	/* per queue, then configuration changes: all on the one line */
	struct vmmio_irq irq[DRV_VIRTIO_MAX_QUEUES + 1];
	int irq_attached;
};

static struct vmmio devices[MAX_DEVICES];
static int ndevices;

static uint32_t rd(volatile uint8_t *regs, unsigned reg)
{
	return *(volatile uint32_t *)(regs + reg);
}

static void wr(volatile uint8_t *regs, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(regs + reg) = v;
}

static struct vmmio *vm(struct drv_virtio_dev *d)
{
	return d->transport;
}

static volatile uint8_t *regs(struct drv_virtio_dev *d)
{
	return vm(d)->regs;
}

static uint8_t get_status(struct drv_virtio_dev *d)
{
	return (uint8_t)rd(regs(d), R_STATUS);
}

static void set_status(struct drv_virtio_dev *d, uint8_t status)
{
	wr(regs(d), R_STATUS, status); /* 0: drv_virtio_reset waits */
}

/* Version 2: two 32-bit halves; version 1 has only the low one. */
static uint64_t get_features(struct drv_virtio_dev *d)
{
	uint64_t lo, hi = 0;

	wr(regs(d), R_DEVICE_FEATURES_SEL, 0);
	lo = rd(regs(d), R_DEVICE_FEATURES);
	if (!d->legacy) {
		wr(regs(d), R_DEVICE_FEATURES_SEL, 1);
		hi = rd(regs(d), R_DEVICE_FEATURES);
	}
	return hi << 32 | lo;
}

static void set_features(struct drv_virtio_dev *d, uint64_t features)
{
	wr(regs(d), R_DRIVER_FEATURES_SEL, 0);
	wr(regs(d), R_DRIVER_FEATURES, (uint32_t)features);
	if (d->legacy)
		return;
	wr(regs(d), R_DRIVER_FEATURES_SEL, 1);
	wr(regs(d), R_DRIVER_FEATURES, (uint32_t)(features >> 32));
}

/* Copy configuration bytes with the widest naturally aligned accesses
 * (4.2.2.2: a field is read with its own width). */
static void copy_config(volatile uint8_t *cfg, unsigned off, uint8_t *buf,
			unsigned len)
{
	while (len) {
		unsigned w = !(off & 3) && len >= 4 ? 4 :
			     !(off & 1) && len >= 2 ? 2 :
						      1;
		uint32_t v = w == 4 ? *(volatile uint32_t *)(cfg + off) :
			     w == 2 ? *(volatile uint16_t *)(cfg + off) :
				      cfg[off];

		memcpy(buf, &v, w); /* little-endian: the low bytes */
		buf += w;
		off += w;
		len -= w;
	}
}

/* Version 2 reads until ConfigGeneration is stable (4.2.2); version 1
 * has no generation counter. */
static void read_config(struct drv_virtio_dev *d, unsigned off, void *buf,
			unsigned len)
{
	uint32_t gen;
	unsigned tries = 0;

	if (d->legacy) {
		copy_config(regs(d) + R_CONFIG, off, buf, len);
		return;
	}
	do { /* bounded: see DRV_VIRTIO_GEN_TRIES */
		gen = rd(regs(d), R_CONFIG_GENERATION);
		copy_config(regs(d) + R_CONFIG, off, buf, len);
	} while (gen != rd(regs(d), R_CONFIG_GENERATION) &&
		 ++tries < DRV_VIRTIO_GEN_TRIES);
}

/* 4.2.3.2: a queue exists when QueueNumMax is not 0; it must not be in
 * use yet (QueueReady, or the legacy QueuePFN, reads 0). */
static uint16_t queue_max(struct drv_virtio_dev *d, unsigned q)
{
	uint32_t max;

	if (q >= DRV_VIRTIO_MAX_QUEUES)
		return 0;
	wr(regs(d), R_QUEUE_SEL, q);
	if (rd(regs(d), d->legacy ? R_QUEUE_PFN : R_QUEUE_READY))
		return 0;
	max = rd(regs(d), R_QUEUE_NUM_MAX);
	return (uint16_t)(max > QUEUE_SIZE_MAX ? QUEUE_SIZE_MAX : max);
}

static void wr64(volatile uint8_t *r, unsigned reg, uint64_t v)
{
	wr(r, reg, (uint32_t)v);
	wr(r, reg + 4, (uint32_t)(v >> 32));
}

/* Version 2: the three parts' addresses, then QueueReady. */
static int queue_enable_v2(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	volatile uint8_t *r = regs(d);

	wr(r, R_QUEUE_SEL, vq->index);
	wr(r, R_QUEUE_NUM, vq->size);
	wr64(r, R_QUEUE_DESC, drv_virtq_desc_addr(vq));
	wr64(r, R_QUEUE_DRIVER, drv_virtq_avail_addr(vq));
	wr64(r, R_QUEUE_DEVICE, drv_virtq_used_addr(vq));
	wr(r, R_QUEUE_READY, 1);
	return rd(r, R_QUEUE_READY) == 1 ? 0 : -EIO;
}

/* Version 1: the queue is one region (drv_virtq's layout, the used ring
 * on the next 4 KiB boundary) named by its page number. GuestPageSize
 * is written here since a reset forgets it. */
static int queue_enable_v1(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	volatile uint8_t *r = regs(d);
	uint64_t desc = drv_virtq_desc_addr(vq);

	if ((desc & (PAGE - 1)) || desc / PAGE > UINT32_MAX)
		return -EINVAL;
	wr(r, R_GUEST_PAGE_SIZE, PAGE);
	wr(r, R_QUEUE_SEL, vq->index);
	wr(r, R_QUEUE_NUM, vq->size);
	wr(r, R_QUEUE_ALIGN, VIRTQ_ALIGN);
	wr(r, R_QUEUE_PFN, (uint32_t)(desc / PAGE));
	return 0;
}

static void notify(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	wr(regs(d), R_QUEUE_NOTIFY, vq->index);
}

/* The line fired (deferred half): read which causes, acknowledge them
 * (so the line drops and a later cause raises it again), run their
 * handlers. */
static void fired(void *arg)
{
	struct vmmio *m = arg;
	uint32_t isr = rd(m->regs, R_INTERRUPT_STATUS);
	struct vmmio_irq *cfg = &m->irq[DRV_VIRTIO_MAX_QUEUES];

	if (!isr)
		return;
	wr(m->regs, R_INTERRUPT_ACK, isr);
	m->dev.stats.interrupts++;
	for (unsigned q = 0; q < DRV_VIRTIO_MAX_QUEUES; q++)
		if ((isr & INT_USED) && m->irq[q].fn)
			m->irq[q].fn(m->irq[q].arg);
	if ((isr & INT_CONFIG) && cfg->fn)
		cfg->fn(cfg->arg);
}

static int irq_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
		      void *arg)
{
	struct vmmio *m = vm(d);
	unsigned slot = q == DRV_VIRTIO_CONFIG_IRQ ? DRV_VIRTIO_MAX_QUEUES : q;

	if (slot > DRV_VIRTIO_MAX_QUEUES)
		return -EINVAL;
	m->irq[slot] = (struct vmmio_irq){ fn, arg };
	if (m->irq_attached)
		return 0;
	if (kern_irq_attach_gsi(m->gsi, 1, 0, fired, m) < 0)
		return -ENODEV;
	m->irq_attached = 1;
	return 0;
}

static const struct drv_virtio_ops ops_v2 = {
	get_status, set_status,	     get_features, set_features, read_config,
	queue_max,  queue_enable_v2, notify,	   irq_attach,
};

static const struct drv_virtio_ops ops_v1 = {
	get_status, set_status,	     get_features, set_features, read_config,
	queue_max,  queue_enable_v1, notify,	   irq_attach,
};

/* Set up the device state for a checked window of len mapped bytes and
 * offer it. */
static void add_device(volatile uint8_t *r, uint64_t base, uint64_t len,
		       uint32_t gsi, uint32_t version, uint32_t id)
{
	struct vmmio *m = &devices[ndevices++];

	memset(m, 0, sizeof(*m));
	m->regs = r;
	m->base = base;
	m->gsi = gsi;
	m->dev.transport = m;
	m->dev.device_id = (uint16_t)id;
	m->dev.legacy = version == 1;
	m->dev.ops = version == 1 ? &ops_v1 : &ops_v2;
	m->dev.transport_name = version == 1 ? "mmio-v1" : "mmio-v2";
	m->dev.config_len = (uint32_t)(len - R_CONFIG);
	snprintf(m->dev.name, sizeof(m->dev.name), "%s at mmio 0x%llx",
		 drv_virtio_id_name(m->dev.device_id),
		 (unsigned long long)base);
	kern_debug("virtio-mmio: 0x%llx: version %u, device %u, vendor 0x%x, "
		   "GSI %u",
		   (unsigned long long)base, version, id, rd(r, R_VENDOR_ID),
		   gsi);
	drv_virtio_add_device(&m->dev);
}

/* Look at the len mapped bytes at base: 1 if they hold a device (now
 * offered to the drivers), 0 if an empty transport (DeviceID 0), else a
 * negative errno after a log line. */
static int look(volatile uint8_t *r, uint64_t base, uint64_t len, uint32_t gsi)
{
	uint32_t magic = rd(r, R_MAGIC), version = rd(r, R_VERSION);
	uint32_t id = rd(r, R_DEVICE_ID);

	if (magic != MMIO_MAGIC || (version != 1 && version != 2)) {
		kern_info("virtio-mmio: 0x%llx: magic 0x%x version %u: not a "
			  "virtio-mmio device I know; skipped",
			  (unsigned long long)base, magic, version);
		return -ENODEV;
	}
	if (id == 0)
		return 0;
	if (ndevices == MAX_DEVICES) {
		kern_info("virtio-mmio: 0x%llx: more than %d devices; skipped",
			  (unsigned long long)base, MAX_DEVICES);
		return -ENOSPC;
	}
	add_device(r, base, len, gsi, version, id);
	return 1;
}

/* The pages of [base, base + len) that are not mapped yet: bit i for
 * the i-th page (a window of at most MAP_MAX bytes at a VMMIO_ALIGN
 * boundary spans at most two). */
static unsigned unmapped_pages(uint64_t base, uint64_t len)
{
	uint64_t lo = base & ~(uint64_t)(PAGE - 1);
	unsigned bits = 0;

	for (unsigned i = 0; lo + (uint64_t)i * PAGE < base + len; i++)
		if (!kern_mm_is_mapped(lo + (uint64_t)i * PAGE))
			bits |= 1u << i;
	return bits;
}

/* Unmap the pages of bits (as unmapped_pages) again. */
static void unmap_pages(uint64_t base, unsigned bits)
{
	uint64_t lo = base & ~(uint64_t)(PAGE - 1);

	for (unsigned i = 0; bits >> i; i++)
		if (bits & 1u << i)
			kern_mm_unmap_device(lo + (uint64_t)i * PAGE, PAGE);
}

/* Look at the window of size bytes at base (already checked): map its
 * first MAP_MAX bytes at most, and unmap what was mapped for it when no
 * device is kept there (pages a device or the kernel mapped before stay
 * mapped). Returns as look(). */
static int probe_window(uint64_t base, uint64_t size, uint32_t gsi)
{
	uint64_t len = size < MAP_MAX ? size : MAP_MAX;
	unsigned fresh = unmapped_pages(base, len);
	volatile uint8_t *r = kern_mm_map_device(base, len);
	int found;

	if (!r)
		return -ENOMEM;
	found = look(r, base, len, gsi);
	if (found <= 0)
		unmap_pages(base, fresh);
	return found;
}

/* The end of physical addresses: the CPU's width (CPUID 0x80000008), at
 * most the 2^47 bytes the kernel's 1:1 map reaches. */
static uint64_t addr_limit(void)
{
	uint32_t r[4];
	unsigned bits = 36; /* without the leaf */

	arch_cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000008) {
		arch_cpuid(0x80000008, 0, r);
		bits = r[0] & 0xff;
	}
	return 1ULL << (bits < 47 ? bits : 47);
}

static int gsi_ok(uint32_t gsi)
{
	return arch_ioapic_serves(gsi);
}

/* (a): the command line's tokens, every one checked before any window is
 * mapped; a bad one stops the boot. Returns the devices found. */
static int from_cmdline(const struct arch_bootinfo *bi,
			const char *const *tokens, int n)
{
	const struct vmmio_limits lim = {
		.mem = bi->memmap,
		.nmem = bi->nmem,
		.image_lo = (uint64_t)__image_start,
		.image_hi = (uint64_t)__image_end,
		.addr_limit = addr_limit(),
		.gsi_ok = gsi_ok,
	};
	struct vmmio_window w[KERN_CMDLINE_APPENDED];
	int found = 0;
	char err[256];

	if (vmmio_tokens_check(tokens, n, &lim, w, err, sizeof(err)))
		kern_bootconf_error("%s", err);
	for (int i = 0; i < n; i++)
		if (probe_window(w[i].base, w[i].size, w[i].gsi) > 0)
			found++;
	kern_info("virtio-mmio: %d device(s) from %d command-line token(s)",
		  found, n);
	return found;
}

/* Whether the ACPI tables are QEMU microvm's: hardware-reduced, OEM id
 * "BOCHS". Sets its transport count and first GSI. */
static int is_microvm(unsigned *nslots, uint32_t *gsi_base)
{
	if (!kern_acpi.valid || !kern_acpi.has_fadt || !kern_acpi.hw_reduced ||
	    strncmp(kern_acpi.oem, "BOCHS", 5) != 0)
		return 0;
	*nslots = 8; /* ioapic2=off: GSI 16-23 */
	*gsi_base = 16;
	for (int i = 0; i < kern_acpi.nioapic; i++)
		if (kern_acpi.ioapic[i].gsi_base == MICROVM_IOAPIC2_GSI) {
			*nslots = 24;
			*gsi_base = MICROVM_IOAPIC2_GSI;
		}
	return 1;
}

/* (b): QEMU microvm's fixed transports, top slot first. */
static int from_microvm_slots(unsigned nslots, uint32_t gsi_base)
{
	int found = 0;

	for (unsigned i = nslots; i-- > 0;)
		if (probe_window(MICROVM_BASE + (uint64_t)MICROVM_STRIDE * i,
				 MICROVM_STRIDE, gsi_base + i) > 0)
			found++;
	kern_info("virtio-mmio: %d device(s) in QEMU microvm's %u slots "
		  "(GSI %u-%u)",
		  found, nslots, gsi_base, gsi_base + nslots - 1);
	return found;
}

int drv_virtio_mmio_init(const struct arch_bootinfo *bi,
			 const struct kern_cmdline *cl)
{
	const char *tokens[KERN_CMDLINE_APPENDED];
	int n = kern_cmdline_appended(cl, "virtio_mmio.device=", tokens,
				      KERN_CMDLINE_APPENDED);
	unsigned nslots;
	uint32_t gsi_base;

	if (n)
		return from_cmdline(bi, tokens, n);
	if (is_microvm(&nslots, &gsi_base))
		return from_microvm_slots(nslots, gsi_base);
	return 0;
}
