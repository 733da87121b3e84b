/* The kernel below net/ on the host (host_kernel.c), for the socket unit
 * tests (test_sockets.c) and the netif fuzz target (test/fuzz): simulated
 * monotonic time and hardware timer, the event loop (lwIP's loopback
 * queue, due timers and end-of-pass work, time jumping to the next
 * deadline while a call waits), object pools, the system-call table and
 * the log. The kernel's own timer service (kernel/time/timer.c,
 * timerq.c), end-of-pass queue (kernel/core/deferq.c) and file layer
 * (kernel/fs/file.c, sys_io.c, poll.c, epoll.c) are linked unchanged on
 * top of it. */
#ifndef HOST_KERNEL_H
#define HOST_KERNEL_H

#include <stdint.h>

#include <kern/timer.h>

#define HOST_MS 1000000ULL
#define HOST_S 1000000000ULL

/* Set up the descriptor table (console on 0-2), lwIP, and the socket
 * system calls. Once. */
void host_kernel_init(void);

/* Run system call nr: a socket call registered by net/, or one of the
 * kernel's file calls (read, write, readv, writev, close, fcntl, ioctl,
 * dup, poll, ppoll, select, epoll_*). -ENOSYS for any other. */
long host_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
		  long a5);

/* Simulated monotonic time (ns). */
uint64_t host_now(void);

/* Run the loop without letting time pass: loopback frames and due
 * timers, until nothing is left to do. Returns the work done. */
int host_run(void);

/* Let ns of simulated time pass, running every timer on its deadline. */
void host_advance(uint64_t ns);

/* Move the clock ns ahead at once, running nothing on the way (a guest
 * that has been up that long, or a paused VM resumed). */
void host_jump(uint64_t ns);

/* While limit is not 0, the net/ heap says it is under pressure with
 * that limit (net/heap.h); 1 gives every connection the smallest share. */
void host_set_pressure(size_t limit);

/* While on, frames sent over loopback are lost (a network partition:
 * retransmission and keepalive timeouts). */
void host_drop_loopback(int on);

/* Calls that waited forever with nothing left to wake them (each one
 * returned -EINTR instead of hanging), and runs of the loop whose work
 * never ended (each cut short after a million passes). */
unsigned host_stuck(void);

/* Restart the random numbers (lwIP's ports and sequence numbers) at a
 * fixed point of their sequence. */
void host_random_seed(uint32_t seed);

/* The next random number without taking it. */
uint32_t host_random_peek(void);

/* Descriptors open now (0-2 are the console). */
int host_fd_count(void);

/* Log lines (kernel and lwIP) go to stderr when on; HOST_NET_LOG=1 in
 * the environment turns them on at init. */
void host_log_enable(int on);

#endif
