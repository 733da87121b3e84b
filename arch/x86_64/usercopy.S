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
 * not copied, 0 when all were. rep movsb leaves rcx at the count left
 * when it faults. */
	.globl arch_copy_safe
	.type arch_copy_safe, @function
arch_copy_safe:
	movq %rdx, %rcx
1:	rep movsb
	xorl %eax, %eax
	ret
2:	movq %rcx, %rax
	ret
	EXTABLE 1b, 2b
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
