/* Private to net/: the socket system calls' entry points. */
#ifndef NET_SOCKAPI_H
#define NET_SOCKAPI_H

#include "sock.h"

/* Register the socket system calls with the kernel (boot). */
void net_socket_init(void);

/* The socket behind descriptor fd, or NULL with *err -EBADF/-ENOTSOCK. */
struct net_sock *net_sock_of_fd(long fd, int *err);

/* setsockopt and getsockopt (sockopt.c). */
long net_sys_setsockopt(const long *a);
long net_sys_getsockopt(const long *a);

#endif
