/* The power button (see kernel/platform/power_button.h). */
#include <signal.h>
#include <stdint.h>

#include <arch/cpu.h>
#include <kern/acpi.h>
#include <kern/console.h>
#include <kern/irq.h>
#include <kern/mm.h>
#include "platform/power_button.h"
#include "proc/signal.h"

#define PM1_PWRBTN (1u << 8)
#define PM1_SCI_EN 1u
#define GED_BASE 0xfea00000ULL /* QEMU microvm: event selector register */
#define GED_GSI 9
#define GED_PWR_DOWN_EVT 0x2

static volatile uint32_t *ged;

static void power_button(void)
{
	kern_info("power button pressed: SIGTERM to the service");
	kern_signal_raise(SIGTERM);
}

/* The SCI: acknowledge every PM1 event, act on the power button. */
static void on_sci(void *arg)
{
	uint16_t sts = arch_inw((uint16_t)kern_acpi.pm1a_evt);

	(void)arg;
	if (sts)
		arch_outw((uint16_t)kern_acpi.pm1a_evt,
			  sts); /* write 1 clears */
	if (sts & PM1_PWRBTN)
		power_button();
}

/* The GED interrupt: reading the selector returns and clears events. */
static void on_ged(void *arg)
{
	(void)arg;
	if (*ged & GED_PWR_DOWN_EVT)
		power_button();
}

/* Switch the chipset to ACPI mode (SCI_EN) if the firmware did not. */
static int acpi_mode(void)
{
	uint16_t cnt = (uint16_t)kern_acpi.pm1a_cnt;

	if (arch_inw(cnt) & PM1_SCI_EN)
		return 0;
	if (!kern_acpi.smi_cmd || !kern_acpi.acpi_enable)
		return -1;
	arch_outb((uint16_t)kern_acpi.smi_cmd, kern_acpi.acpi_enable);
	for (int i = 0; i < 100000; i++)
		if (arch_inw(cnt) & PM1_SCI_EN)
			return 0;
	return -1;
}

static void sci_init(void)
{
	uint16_t evt = (uint16_t)kern_acpi.pm1a_evt;
	uint16_t en = (uint16_t)(evt + kern_acpi.pm1_evt_len / 2);

	if (acpi_mode()) {
		kern_info("power: chipset would not enter ACPI mode");
		return;
	}
	arch_outw(evt, 0xffff);	   /* clear stale events */
	arch_outw(en, PM1_PWRBTN); /* only the power button */
	if (kern_irq_attach_isa(kern_acpi.sci_irq, on_sci, 0) < 0)
		kern_info("power: no route for SCI IRQ %u", kern_acpi.sci_irq);
}

static void ged_init(void)
{
	ged = kern_mm_map_device(GED_BASE, 4);
	if (!ged || kern_irq_attach_gsi(GED_GSI, 0, 0, on_ged, 0) < 0)
		kern_info("power: no route for the GED");
	else
		(void)*ged; /* drop anything pending from before */
}

void kern_power_init(void)
{
	if (!kern_acpi.has_fadt)
		return;
	if (kern_acpi.hw_reduced)
		ged_init();
	else if (kern_acpi.pm1a_evt && kern_acpi.pm1a_cnt)
		sci_init();
}
