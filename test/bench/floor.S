/*
 * The boot-time floor: the smallest PVH kernel, which exits through
 * isa-debug-exit as soon as it runs (reported by tools/run as status 0).
 * tools/bench's boot subject times it beside real images, with the same
 * machine, firmware and NIC, to show what QEMU itself costs.
 */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4, 8, 18          /* "Xen", 8-byte desc, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad floor_start
	.balign 4

	.text
	.code32
	.globl floor_start
floor_start:
	movl $1, %eax           /* v = status 0 + 1 */
	outl %eax, $0xf4
1:	cli
	hlt
	jmp 1b
