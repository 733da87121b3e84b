/*
 * Copies that survive a bad address: the kernel reaches the service's
 * memory only through these. Each instruction that touches memory the
 * caller does not vouch for is listed in the exception table (section
 * .ex_table: pairs of the faulting instruction's address and where to
 * resume, see arch/trap.h); a fault there that the kernel cannot resolve
 * (a first touch of a service page is resolved and the instruction runs
 * again) resumes at the fixup, which reports the failure.
 */

/* One exception-table entry: a fault at insn resumes at fixup. */
.macro EXTABLE insn, fixup
	.pushsection .ex_table, "a"
	.balign 8
	.quad \insn, \fixup
	.popsection
.endm

	.text

/* size_t arch_copy_safe(void *dst, const void *src, size_t n): the bytes
 * not copied, 0 when all were. Eight bytes at a time, then the rest one
 * at a time: under an emulator (QEMU's TCG) each repetition is a trip
 * through its memory code, so moving bytes singly made this copy (every
 * read and write of a socket or file) eight times slower. A rep movs
 * leaves rcx at the count left when it faults; a fault among the
 * quadwords goes on byte by byte, so the count is exact to the byte. */
	.globl arch_copy_safe
	.type arch_copy_safe, @function
arch_copy_safe:
	movq %rdx, %rcx
	shrq $3, %rcx
	andl $7, %edx
1:	rep movsq
	movl %edx, %ecx
2:	rep movsb
	xorl %eax, %eax
	ret
3:	leaq (%rdx,%rcx,8), %rcx /* a quadword faulted: byte by byte */
	jmp 2b			 /* from it, to the exact byte */
4:	movq %rcx, %rax
	ret
	EXTABLE 1b, 3b
	EXTABLE 2b, 4b
	.size arch_copy_safe, . - arch_copy_safe

/* long arch_strncpy_safe(char *dst, const char *src, size_t n): copy up
 * to n bytes, stopping after a NUL. The string's length if a NUL was
 * copied, n if none was among the n bytes, -1 on a fault. */
	.globl arch_strncpy_safe
	.type arch_strncpy_safe, @function
arch_strncpy_safe:
	xorl %eax, %eax
1:	cmpq %rdx, %rax
	je 3f
2:	movb (%rsi,%rax), %cl
4:	movb %cl, (%rdi,%rax)
	testb %cl, %cl
	je 3f
	incq %rax
	jmp 1b
3:	ret
5:	movq $-1, %rax
	ret
	EXTABLE 2b, 5b
	EXTABLE 4b, 5b
	.size arch_strncpy_safe, . - arch_strncpy_safe
