/*
 * Per-device counters of every driver, for services and for the console:
 * with the kernel option `devstats`, the counters of every device are
 * printed when the service exits.
 *
 * Fields a kind of device does not have stay 0: a network device counts
 * packets and bytes both ways; a block device counts requests and the
 * bytes read (rx) and written (tx); an entropy device counts requests and
 * the bytes it delivered (rx).
 */
#ifndef OS_DEVSTATS_H
#define OS_DEVSTATS_H

#include <stdint.h>

struct os_dev_stats {
	char name[16];          /* "net0", "blk0", "rng0" */
	char driver[40];        /* "virtio-net (pci, MSI-X)" */
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t requests;      /* block and entropy devices */
	uint64_t errors;        /* requests that failed */
	uint64_t drops;         /* frames lost on receive */
	uint64_t ring_full;     /* times the device's ring was full */
	uint64_t interrupts;    /* interrupts the device raised */
	uint64_t notifications; /* notifications sent to the device */
};

/* The number of devices with counters (0 .. count-1 are valid). */
int os_dev_count(void);

/* Fill *st with device i's counters now. 0, or -ENODEV. */
int os_dev_stats(int i, struct os_dev_stats *st);

#endif
