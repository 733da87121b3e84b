/*
 * Raw Ethernet frames, for services that bring their own protocols (and
 * for tests of the drivers). A device taken with os_net_open() is the
 * service's alone: the TCP/IP stack does not use it (and with the kernel
 * option net.raw it uses no device at all; see docs/networking.md).
 *
 * Frames are whole Ethernet frames without the FCS. Reception is
 * buffered: frames that arrive while the service is busy wait in a queue
 * of 256 per device; when it is full, later frames are dropped and
 * counted (os_net_stats). Sending copies the frame into the device's ring.
 *
 * The device's offloads are negotiated when it is found, before anyone
 * opens it: on a host that offers them (QEMU's tap backend) a raw service
 * may receive TCP frames of up to 64 KiB (os_net_recv cuts them to its
 * buffer) and TCP/UDP frames whose checksum field holds only the
 * pseudo-header's sum (the host's own traffic, which never crossed a
 * wire). A service that needs plain frames turns the offloads off on
 * the device (QEMU properties, tools/run --nic-opt guest_csum=off ...).
 */
#ifndef OS_NET_H
#define OS_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct os_net_info {
	char name[16]; /* "net0" */
	uint8_t mac[6];
	unsigned mtu; /* largest payload after the Ethernet header */
	int link_up;
	char driver[40]; /* e.g. "virtio-net (pci, MSI-X)" */
};

struct os_net_stats {
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t tx_packets, tx_bytes, tx_drops, tx_ring_full;
	uint64_t interrupts, notifications;
};

/* The number of network devices (0 .. count-1 are valid indexes). */
int os_net_count(void);

/* Fill *info for device dev. 0, or -ENODEV. */
int os_net_info(int dev, struct os_net_info *info);

/* The device's counters. 0, or -ENODEV. */
int os_net_stats(int dev, struct os_net_stats *st);

/* Take device dev for raw frames. 0, -ENODEV, -EBUSY if it is taken, or
 * the driver's error, which leaves the device free to open again. */
int os_net_open(int dev);

/* Send one frame of len bytes (14 <= len <= mtu + 14). Returns 0,
 * -EAGAIN when the transmit ring is full (try again later; the frame was
 * not sent), -EMSGSIZE, -EINVAL (too short), -ENODEV or -EBADF (not
 * opened). The device is told at once; see os_net_send_batch to batch. */
int os_net_send(int dev, const void *frame, size_t len);

/* Send n frames and tell the device once. Returns how many were queued
 * (fewer than n when the ring filled up) or a negative errno. */
int os_net_send_batch(int dev, const void *const *frames, const size_t *lens,
		      int n);

/* Receive one frame into buf (size bytes; a longer frame is truncated),
 * waiting up to timeout_ns (negative: forever, 0: not at all). Returns
 * the bytes stored, -EAGAIN when none arrived in time, -EINTR when a
 * signal arrived, -ENODEV or -EBADF. */
ssize_t os_net_recv(int dev, void *buf, size_t size, int64_t timeout_ns);

#endif
