/* Leaving the virtual machine: QEMU's isa-debug-exit device first (it
 * carries a status), then ACPI power-off for machines without it. */
#include <arch/cpu.h>
#include <arch/power.h>

#define DEBUG_EXIT_PORT 0xf4
#define PIIX_PM1A_CNT 0x604  /* pc and q35 as QEMU's firmware sets them */
#define PM1_SLP_EN_S5 0x2000 /* SLP_EN with SLP_TYP 0 (S5 in QEMU) */
#define MICROVM_GED_SLEEP 0xfea00200UL
#define GED_SLEEP_S5 0x34 /* SLP_EN | SLP_TYP 5 << 2 */

static volatile uint8_t *ged_sleep = (volatile uint8_t *)MICROVM_GED_SLEEP;

void arch_power_init(void *(*map)(uint64_t pa, size_t size))
{
	ged_sleep = map(MICROVM_GED_SLEEP, 1);
}

void arch_exit(unsigned code)
{
	arch_outl(DEBUG_EXIT_PORT, code);
	arch_outw(PIIX_PM1A_CNT, PM1_SLP_EN_S5);
	if (ged_sleep)
		*ged_sleep = GED_SLEEP_S5;
	arch_halt_forever();
}
