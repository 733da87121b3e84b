/* regs: checks that system calls preserve every register Linux preserves
 * (all but rcx and r11; rax holds the result), the vector registers
 * included, by loading patterns in assembly around one write() and one
 * unsupported call (whose log line runs musl's vsnprintf in the kernel).
 * Prints "regs: ok" and exits 0, or names each clobbered register and
 * exits 1. */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

void regs_syscall(void);

/* Shared with regs_asm.S. */
int regs_avx, regs_nr;
uint8_t regs_pattern[16 * 32], regs_vec_out[16 * 32];
uint64_t regs_gpr_out[16], regs_rsp_in;

#define MSG_LEN 21 /* "regs: write from asm\n" */
#define ANY ((uint64_t)-1)

static const char *const gpr_names[16] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rsp",
};

static int has_avx(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	return (c & bit_AVX) && (c & bit_OSXSAVE);
}

/* Compare the general registers with what the ABI promises; result is
 * what rax must hold. */
static int check_gprs(uint64_t result)
{
	const uint64_t want[16] = {
		result,
		0x1111111111111111,
		ANY,
		MSG_LEN,
		regs_gpr_out[4] /* rsi: checked to point at msg below */,
		1,
		0x5555555555555555,
		0x8888888888888888,
		0x9999999999999999,
		0xaaaaaaaaaaaaaaaa,
		ANY,
		0xcccccccccccccccc,
		0xdddddddddddddddd,
		0xeeeeeeeeeeeeeeee,
		0xffffffffffffff0f,
		regs_rsp_in,
	};
	int bad = 0;

	for (int i = 0; i < 16; i++)
		if (want[i] != ANY && regs_gpr_out[i] != want[i]) {
			printf("regs: %s clobbered: 0x%llx\n", gpr_names[i],
			       (unsigned long long)regs_gpr_out[i]);
			bad = 1;
		}
	if (memcmp((const void *)regs_gpr_out[4], "regs: write", 11)) {
		printf("regs: rsi clobbered\n");
		bad = 1;
	}
	return bad;
}

/* One system call nr with patterns around it; nonzero if any clobbered. */
static int check_call(int nr, uint64_t result)
{
	int bad, width = regs_avx ? 32 : 16;

	regs_nr = nr;
	memset(regs_vec_out, 0, sizeof(regs_vec_out));
	regs_syscall();
	bad = check_gprs(result);
	for (int r = 0; r < 16; r++)
		if (memcmp(regs_vec_out + r * 32, regs_pattern + r * 32,
			   width)) {
			printf("regs: %smm%d clobbered\n", regs_avx ? "y" : "x",
			       r);
			bad = 1;
		}
	return bad;
}

int main(void)
{
	int bad;

	regs_avx = has_avx();
	for (size_t i = 0; i < sizeof(regs_pattern); i++)
		regs_pattern[i] = (uint8_t)(i * 7 + 3);
	bad = check_call(SYS_write, MSG_LEN);
	bad |= check_call(SYS_getcpu, (uint64_t)-38 /* -ENOSYS */);
	printf("regs: %s (%s checked)\n", bad ? "FAILED" : "ok",
	       regs_avx ? "ymm0-15" : "xmm0-15");
	return bad;
}
