/* Private to kernel/: the system calls, one function each, of the one
 * signature kern_syscall_fn (kern/syscall.h). Grouped by room: fs/sys_io.c
 * and the file layer's poll.c ... eventfd.c (the file tree's calls: fs/vfs_calls.h), mm/usermem.c, proc/sys_proc.c
 * and signal.c, time/sys_time.c and itimer_real.c. */
#ifndef KERNEL_SYS_H
#define KERNEL_SYS_H

long sys_read(const long *a);
long sys_write(const long *a);
long sys_readv(const long *a);
long sys_writev(const long *a);
long sys_ioctl(const long *a);
long sys_close(const long *a);
long sys_lseek(const long *a);
long sys_fcntl(const long *a);
long sys_dup(const long *a);
long sys_dup2(const long *a);
long sys_dup3(const long *a);
long sys_fstat(const long *a);

long sys_poll(const long *a); /* poll.c */
long sys_ppoll(const long *a);
long sys_select(const long *a);
long sys_pselect6(const long *a);
long sys_epoll_create(const long *a); /* epoll.c */
long sys_epoll_create1(const long *a);
long sys_epoll_ctl(const long *a);
long sys_epoll_wait(const long *a);
long sys_epoll_pwait(const long *a);
long sys_eventfd(const long *a); /* eventfd.c */
long sys_eventfd2(const long *a);
long sys_timerfd_create(const long *a); /* timerfd.c */
long sys_timerfd_settime(const long *a);
long sys_timerfd_gettime(const long *a);
long sys_getitimer(const long *a); /* itimer_real.c */
long sys_setitimer(const long *a);

long sys_brk(const long *a);
long sys_mmap(const long *a);
long sys_munmap(const long *a);
long sys_mremap(const long *a);
long sys_madvise(const long *a);
long sys_mprotect(const long *a);

long sys_exit(const long *a);
long sys_arch_prctl(const long *a);
long sys_set_tid_address(const long *a);
long sys_getpid(const long *a);
long sys_getppid(const long *a);
long sys_getuid(const long *a);
long sys_rt_sigprocmask(const long *a);
long sys_rt_sigaction(const long *a);
long sys_rt_sigpending(const long *a);
long sys_kill(const long *a);
long sys_tkill(const long *a);
long sys_tgkill(const long *a);

long sys_clock_gettime(const long *a);
long sys_clock_getres(const long *a);
long sys_gettimeofday(const long *a);
long sys_time(const long *a);
long sys_nanosleep(const long *a);
long sys_clock_nanosleep(const long *a);
long sys_uname(const long *a);
long sys_sched_yield(const long *a);
long sys_getrandom(const long *a); /* entropy.c */

#endif
