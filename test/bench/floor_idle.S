/*
 * The idle floor: the smallest PVH kernel that stays up doing nothing
 * (interrupts off, halted for good). It first stops PIT channel 0, which
 * the firmware left ticking at 18.2 Hz (libos stops it after calibrating
 * its clock): masked or not, each tick wakes QEMU on the host, and the
 * floor is meant to be what QEMU costs on its own. tools/bench's mem subject measures
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
	movb $0x30, %al         /* PIT channel 0, lo/hi byte, mode 0 */
	outb %al, $0x43
	movb $1, %al            /* a count of 1: fires once, then quiet */
	outb %al, $0x40
	xorb %al, %al
	outb %al, $0x40
1:	cli
	hlt
	jmp 1b
