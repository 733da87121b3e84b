/*
 * The idle floor: the smallest PVH kernel that stays up doing nothing
 * (interrupts off, halted for good). tools/bench's mem subject measures
 * QEMU's CPU use and resident memory with it beside the idle services.
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
1:	cli
	hlt
	jmp 1b
