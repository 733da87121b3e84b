/* The power button: QEMU's system_powerdown reaches the service as
 * SIGTERM (see kernel/proc/signal.h). */
#ifndef KERN_POWER_H
#define KERN_POWER_H

/* Listen for the power button: the ACPI SCI and PM1 power-button event on
 * pc/q35 (switching the chipset to ACPI mode if the firmware did not), or
 * the Generic Event Device on hardware-reduced ACPI (QEMU's microvm: its
 * register at 0xfea00000 and GSI 9, QEMU's documented constants, since
 * there is no AML interpreter). Without ACPI there is no power button. */
void kern_power_init(void);

#endif
