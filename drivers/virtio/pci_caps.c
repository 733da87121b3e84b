/* virtio-pci's checks of a device's vendor capabilities and queue
 * notification offsets (see pci_caps.h): a device that lies about where
 * its structures are is refused, not mapped and written. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pci_caps.h"

/* struct virtio_pci_cap (4.1.4), byte offsets. */
#define CAP_LEN 2
#define CAP_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MUL 16 /* struct virtio_pci_notify_cap only */
#define CAP_HEADER 16
#define CAP_NOTIFY_HEADER 20
#define CONFIG_SPACE 256 /* capabilities live in the first 256 bytes */

static const char *const names[VPCI_N] = { "common configuration", "notify",
					   "ISR", "device configuration" };
static const uint32_t min_len[VPCI_N] = { VPCI_COMMON_LEN, VPCI_NOTIFY_WIDTH, 1,
					  0 };

/* Say why the capability at cap is malformed; returns -EINVAL. */
__attribute__((format(printf, 5, 6))) static int
malformed(char *why, size_t whylen, enum vpci_struct t, unsigned cap,
	  const char *fmt, ...)
{
	int n = snprintf(why, whylen, "%s capability at 0x%x: ", names[t], cap);
	va_list ap;

	if (n >= 0 && (size_t)n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The capability's own header: long enough for its type, inside the
 * configuration space. 0 or -EINVAL. */
static int check_header(const struct drv_pci_dev *p, unsigned cap,
			enum vpci_struct t, char *why, size_t whylen)
{
	unsigned need = t == VPCI_NOTIFY ? CAP_NOTIFY_HEADER : CAP_HEADER;
	unsigned len = drv_pci_read8(p, cap + CAP_LEN);

	if (len < need || cap + len > CONFIG_SPACE)
		return malformed(why, whylen, t, cap,
				 "%u bytes long, needs %u inside the first "
				 "%u bytes of configuration space",
				 len, need, CONFIG_SPACE);
	return 0;
}

/* The region the capability at cap describes, checked against its BAR:
 * 1 when usable (in *r), 0 when to be skipped, -EINVAL when malformed. */
static int check_region(const struct drv_pci_dev *p, unsigned cap,
			enum vpci_struct t, struct vpci_region *r, char *why,
			size_t whylen)
{
	const struct drv_pci_bar *bar;

	r->bar = drv_pci_read8(p, cap + CAP_BAR);
	r->off = drv_pci_read32(p, cap + CAP_OFFSET);
	r->len = drv_pci_read32(p, cap + CAP_LENGTH);
	if (r->bar >= DRV_PCI_NBARS)
		return 0; /* reserved BAR number: ignored (4.1.4) */
	bar = &p->bar[r->bar];
	if (bar->type == DRV_PCI_BAR_IO)
		return 0; /* a port-mapped alternative: not used here */
	if (bar->type == DRV_PCI_BAR_NONE || !bar->base)
		return malformed(why, whylen, t, cap, "BAR %u is not there",
				 r->bar);
	if ((uint64_t)r->off + r->len > bar->size)
		return malformed(why, whylen, t, cap,
				 "0x%x bytes at 0x%x reach past BAR %u's "
				 "0x%llx bytes",
				 r->len, r->off, r->bar,
				 (unsigned long long)bar->size);
	if (r->len < min_len[t])
		return malformed(why, whylen, t, cap,
				 "%u bytes, the structure needs %u", r->len,
				 min_len[t]);
	return 1;
}

/* Check the capability at cap of structure t into c: 0 usable or
 * skipped, -EINVAL malformed (why). */
static int take_cap(const struct drv_pci_dev *p, unsigned cap,
		    enum vpci_struct t, struct vpci_caps *c, char *why,
		    size_t whylen)
{
	int r = check_header(p, cap, t, why, whylen);

	if (r == 0)
		r = check_region(p, cap, t, &c->at[t], why, whylen);
	if (r <= 0)
		return r;
	c->found |= 1u << t;
	if (t == VPCI_NOTIFY)
		c->notify_mul = drv_pci_read32(p, cap + CAP_NOTIFY_MUL);
	return 0;
}

int vpci_caps_find(const struct drv_pci_dev *p, struct vpci_caps *c, char *why,
		   size_t whylen)
{
	int err = 0;

	memset(c, 0, sizeof(*c));
	for (unsigned cap = drv_pci_find_cap(p, DRV_PCI_CAP_VENDOR, 0); cap;
	     cap = drv_pci_find_cap(p, DRV_PCI_CAP_VENDOR, cap)) {
		unsigned type = drv_pci_read8(p, cap + CAP_TYPE);
		enum vpci_struct t = (enum vpci_struct)(type - 1);

		if (type < 1 || type > VPCI_N || (c->found & 1u << t))
			continue; /* not ours, or not the first usable */
		if (err)
			take_cap(p, cap, t, c, NULL, 0); /* keep the first */
		else
			err = take_cap(p, cap, t, c, why, whylen);
	}
	if (err)
		return err;
	for (int t = 0; t < VPCI_N; t++)
		if (!(c->found & 1u << t)) {
			snprintf(why, whylen, "no usable %s capability",
				 names[t]);
			return -ENODEV;
		}
	return 0;
}

int vpci_notify_offset(uint16_t queue_off, uint32_t mul, uint32_t len,
		       uint32_t *out)
{
	uint64_t at = (uint64_t)queue_off * mul; /* < 2^48: no overflow */

	if (at > len || len - at < VPCI_NOTIFY_WIDTH)
		return -ERANGE;
	*out = (uint32_t)at;
	return 0;
}
