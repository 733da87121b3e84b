/* x86_64 MMU control for the portable page-table code: loading a root,
 * flushing the TLB, the NX bit and which page sizes the CPU offers. */
#include <arch/asm.h>
#include <arch/cpu.h>
#include <arch/pte.h>

#define CPUID_80000001_EDX_PDPE1GB (1U << 26)

uint64_t arch_pte_nx;

void arch_mmu_init(void)
{
	arch_pte_nx = (arch_rdmsr(MSR_EFER) & EFER_NXE) ? X86_NX : 0;
}

void arch_pt_load(uint64_t root)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(root) : "memory");
}

void arch_tlb_flush_page(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

unsigned arch_pt_leaf_levels(void)
{
	uint32_t r[4];

	arch_cpuid(0x80000001, 0, r);
	return (r[3] & CPUID_80000001_EDX_PDPE1GB) ? 0x7 : 0x3;
}
