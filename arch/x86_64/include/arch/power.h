/* Leaving the virtual machine: the exit device and ACPI power-off. */
#ifndef ARCH_POWER_H
#define ARCH_POWER_H

#include <stddef.h>
#include <stdint.h>

/* Map the memory-mapped power-off register (microvm's GED) with map,
 * which maps device memory and returns its address or NULL. */
void arch_power_init(void *(*map)(uint64_t pa, size_t size));

/* Write code to QEMU's isa-debug-exit device (port 0xf4), which ends QEMU
 * with status (code << 1) | 1. If the device is absent, power the machine
 * off (pc/q35 PM1a control, microvm GED) and halt. Never returns. */
__attribute__((noreturn)) void arch_exit(unsigned code);

#endif
