/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_SOCK_H
#define TERN_SOCK_H

/**
 * @file
 * Tern's socket-style API: non-blocking BSD-socket semantics over the
 * callback API of tern.h, for software written against sockets and epoll.
 *
 * One struct tern_sock_ctx per worker holds that worker's descriptors: small
 * ints 0 .. max_fds - 1, sockets and readiness sets alike, in a table
 * allocated when the context is created. Nothing is allocated after that,
 * nothing is locked: a context and its descriptors belong to the worker's
 * lcore. Call these functions from that worker's poll hook
 * (tern_worker_set_poll_hook: the event loop's body, with tern_epoll_wait()
 * at its top), or from another thread only while that thread alone drives
 * the worker (tests, an adapter that serialises calls with the poll).
 *
 * Every call returns -1 and sets errno as POSIX does; what differs from
 * POSIX or Linux is listed below and in docs/design.md ("The socket layer").
 * Names: tern_socket() and tern_epoll_*() as in POSIX; the others are
 * tern_sock_*() because the callback API owns tern_listen, tern_connect,
 * tern_send, tern_shutdown and tern_close. Constants, structures and option
 * names are the system's (AF_INET, SOCK_STREAM, struct sockaddr_in, struct
 * pollfd, struct epoll_event, SO_*, TCP_*), so porting is renaming calls.
 *
 * Deviations from POSIX / Linux:
 *  - Descriptors start at 0 and a freed one is reused first (the most
 *    recently freed, not the lowest free as POSIX asks); they are no
 *    kernel descriptors (no read(2), close(2) on them).
 *  - Never blocking: every socket is O_NONBLOCK (SOCK_NONBLOCK and
 *    SOCK_CLOEXEC are accepted and mean nothing more); tern_sock_poll() and
 *    tern_epoll_wait() never wait, whatever the timeout. A blocking layer
 *    (a second thread waiting on the worker) is built on top.
 *  - TCP only: AF_INET and AF_INET6, SOCK_STREAM (EAFNOSUPPORT,
 *    EPROTONOSUPPORT). An AF_INET6 listener takes both families, an IPv4
 *    peer shown as ::ffff:a.b.c.d (Linux without IPV6_V6ONLY; the option is
 *    not offered); an AF_INET one IPv4 only (an IPv6 peer is refused, RST).
 *  - bind(): the address must be INADDR_ANY / in6addr_any or one of the
 *    stack's (EADDRNOTAVAIL). A listener listens on all of them. An AF_INET6
 *    socket's connect() goes from the stack's address of the peer's scope
 *    (link-local to link-local, else the [ipv6] address), whatever was bound. A port bound on a
 *    socket that then connects is refused (EOPNOTSUPP at connect): the stack
 *    picks local ports that hash to the connecting worker.
 *  - Ports are per worker: each worker's context binds and listens on its
 *    own; a multi-worker server listens once per worker (the flows are spread
 *    over the workers by the NIC or by Tern).
 *  - listen(backlog): up to backlog + 1 established connections wait for
 *    accept (as Linux); one more is refused with RST (Linux drops the ACK
 *    and lets the peer retry). backlog < 0 or 0 means 0 (one waiting).
 *  - close() of a socket with unread data sends RST (as Linux, RFC 2525
 *    §2.17); SO_LINGER {1, 0} sends RST; SO_LINGER {1, t > 0} closes
 *    gracefully without waiting (nothing blocks).
 *  - shutdown(SHUT_RD): data already queued can still be read; data that
 *    arrives later is acknowledged and dropped (Linux keeps queueing it).
 *    shutdown() on a listener: ENOTCONN (Linux stops listening).
 *  - SO_SNDBUF, SO_RCVBUF: the value set is the value in effect (Linux
 *    doubles it), bounded by [tcp] sndbuf / [tcp] rcvbuf of the config (the
 *    window shift offered in the SYN is chosen from [tcp] rcvbuf) and from
 *    below by [tcp] mss. A listener's values pass to accepted sockets (its
 *    SO_RCVBUF bounds their SYN-ACK's window already, but for a SYN cookie's).
 *    SO_RCVBUF counts payload bytes, not kernel memory.
 *  - TCP_NODELAY: accepted and read back; Tern has no Nagle algorithm, so
 *    segments leave at once unless TCP_CORK or MSG_MORE holds a short last
 *    one (for at most TERN_CORK_MAX_MS, as Linux); setting TCP_NODELAY sends
 *    what they hold, as on Linux. TCP_MAXSEG: reads the connection's send
 *    MSS (before: the stack's [tcp] mss or the one set); set (88 .. 32767,
 *    or 0 for none) before connect, or on a listener, it caps the MSS the
 *    SYN or SYN-ACK announces and the send MSS, as on Linux
 *    (tern_conn_set_mss_cap); on an established connection it changes
 *    nothing.
 *  - TCP_INFO fills the system's struct tcp_info (Linux layout) with what
 *    Tern keeps; fields it has no counterpart for are 0. tern_sock_info()
 *    gives Tern's own struct tern_conn_info.
 *  - SO_REUSEADDR: a port bound by another socket of the context is
 *    EADDRINUSE unless both set SO_REUSEADDR and neither listens. TIME_WAIT
 *    never blocks a bind (listeners do not collide with TIME_WAIT pairs).
 *  - epoll: a socket is in at most one readiness set (a second
 *    EPOLL_CTL_ADD elsewhere is EBUSY); EPOLLEXCLUSIVE and EPOLLWAKEUP are
 *    ignored. EPOLLONESHOT is supported.
 *  - A connection ended by the stack's shutdown reports ECONNABORTED.
 *  - write() on a socket never connected: ENOTCONN as POSIX (Linux: EPIPE);
 *    while connecting: EAGAIN (as Linux). shutdown() while connecting:
 *    ENOTCONN.
 *  - fcntl, dup, control data, MSG_OOB and urgent data are not there;
 *    MSG_PEEK, MSG_MORE, MSG_DONTWAIT (a no-op) and MSG_NOSIGNAL (a no-op:
 *    no signals are ever raised) are; other flags are EINVAL.
 */

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tern.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tern_sock_ctx; /**< one worker's descriptors */

/**
 * Create @p w's descriptor table of @p max_fds entries (0: [tcp] max_conns
 * plus TERN_SOCK_EXTRA_FDS, for listeners and readiness sets) in DPDK memory
 * on the worker's socket. One per worker; call before the workers run or on
 * the worker's lcore.
 * @return the context, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct tern_sock_ctx *tern_sock_ctx_create(struct tern_worker *w, unsigned int max_fds);

#define TERN_SOCK_EXTRA_FDS 64

/**
 * Close every descriptor abortively (connections get RST unless the stack
 * already stopped polling), free the mbufs they held and the table.
 * NULL is ignored.
 */
void tern_sock_ctx_free(struct tern_sock_ctx *x);

/** The worker of @p x. */
struct tern_worker *tern_sock_ctx_worker(const struct tern_sock_ctx *x);

/** Entries of @p x's table: descriptors are 0 .. this - 1. */
unsigned int tern_sock_ctx_size(const struct tern_sock_ctx *x);

/**
 * DPDK memory tern_sock_ctx_create() takes for @p max_fds descriptors (0:
 * as it sizes the table from @p cfg): for an app's tern_mem_check().
 */
uint64_t tern_sock_ctx_bytes(const struct tern_config *cfg, unsigned int max_fds);

/** Descriptors of @p x in use (sockets, accepted or waiting, and sets). */
unsigned int tern_sock_ctx_used(const struct tern_sock_ctx *x);

/* --- sockets --- */

/** socket(2). @return a descriptor; EMFILE when the table is full. */
int tern_socket(struct tern_sock_ctx *x, int domain, int type, int protocol);

/** bind(2). */
int tern_sock_bind(struct tern_sock_ctx *x, int fd, const struct sockaddr *addr,
		socklen_t len);

/** listen(2); an unbound socket gets no port (EINVAL; Linux picks one). */
int tern_sock_listen(struct tern_sock_ctx *x, int fd, int backlog);

/**
 * accept4(2) without flags: the oldest waiting connection, as a new
 * descriptor. @p addr / @p len may be NULL. EAGAIN when none waits.
 */
int tern_sock_accept(struct tern_sock_ctx *x, int fd, struct sockaddr *addr,
		socklen_t *len);

/**
 * connect(2): -1 with EINPROGRESS; completion shows as writable (EPOLLOUT),
 * failure as EPOLLERR with SO_ERROR (ECONNREFUSED, ETIMEDOUT). Again while
 * connecting: EALREADY; once connected: EISCONN; after a failure: its error.
 */
int tern_sock_connect(struct tern_sock_ctx *x, int fd, const struct sockaddr *addr,
		socklen_t len);

/** read(2): copies out of the receive buffer; 0 at end of stream. */
ssize_t tern_sock_read(struct tern_sock_ctx *x, int fd, void *buf, size_t len);

/** recv(2); @p flags: MSG_PEEK, MSG_DONTWAIT, MSG_NOSIGNAL. */
ssize_t tern_sock_recv(struct tern_sock_ctx *x, int fd, void *buf, size_t len, int flags);

/**
 * recvmsg(2): into @p msg's iovecs with recv()'s @p flags. As Linux does
 * for TCP, no address (msg_namelen 0) and no control data (msg_controllen
 * 0); msg_flags 0.
 */
ssize_t tern_sock_recvmsg(struct tern_sock_ctx *x, int fd, struct msghdr *msg, int flags);

/** readv(2). */
ssize_t tern_sock_readv(struct tern_sock_ctx *x, int fd, const struct iovec *iov, int iovcnt);

/**
 * Zero-copy receive: hand over the receive buffer's mbufs (a chain of up to
 * @p max bytes in whole mbuf segments, at least one) in @p *m, the caller's
 * to free. Those bytes leave the receive window at once.
 * @return bytes handed over, 0 at end of stream (*m NULL), or -1 (EAGAIN...).
 */
ssize_t tern_sock_recv_mbuf(struct tern_sock_ctx *x, int fd, struct rte_mbuf **m,
		size_t max);

/** write(2): copies into the send buffer; EAGAIN when it is full. */
ssize_t tern_sock_write(struct tern_sock_ctx *x, int fd, const void *buf, size_t len);

/**
 * send(2); @p flags: MSG_MORE (a short last segment waits for the next
 * write, as TCP_CORK holds it, and carries no PSH), MSG_DONTWAIT,
 * MSG_NOSIGNAL (no-ops).
 */
ssize_t tern_sock_send(struct tern_sock_ctx *x, int fd, const void *buf, size_t len,
		int flags);

/** writev(2). */
ssize_t tern_sock_writev(struct tern_sock_ctx *x, int fd, const struct iovec *iov,
		int iovcnt);

/**
 * sendmsg(2) on a connected socket: @p msg's iovecs with send()'s @p flags;
 * msg_name is ignored (as Linux does for TCP), control data is EINVAL.
 */
ssize_t tern_sock_sendmsg(struct tern_sock_ctx *x, int fd, const struct msghdr *msg,
		int flags);

/**
 * Zero-copy send: queue @p m (a chain) as it is. Consumed on success only;
 * EAGAIN (not consumed) when the send buffer cannot take all of it.
 * @return the bytes queued, or -1.
 */
ssize_t tern_sock_send_mbuf(struct tern_sock_ctx *x, int fd, struct rte_mbuf *m);

/** shutdown(2): SHUT_RD, SHUT_WR (FIN after the queued data), SHUT_RDWR. */
int tern_sock_shutdown(struct tern_sock_ctx *x, int fd, int how);

/**
 * close(2), for sockets and readiness sets. A connection closes gracefully
 * (FIN after the queued data, which still goes) unless unread data is
 * queued or SO_LINGER is {1, 0}: then RST. The descriptor is free at once.
 */
int tern_sock_close(struct tern_sock_ctx *x, int fd);

/** getsockopt(2): SOL_SOCKET / IPPROTO_TCP options, see the file comment. */
int tern_sock_getsockopt(struct tern_sock_ctx *x, int fd, int level, int name, void *val,
		socklen_t *len);

/** setsockopt(2). ENOPROTOOPT for what is not there. */
int tern_sock_setsockopt(struct tern_sock_ctx *x, int fd, int level, int name,
		const void *val, socklen_t len);

/** getsockname(2). */
int tern_sock_getsockname(struct tern_sock_ctx *x, int fd, struct sockaddr *addr,
		socklen_t *len);

/** getpeername(2): ENOTCONN unless connected (or ended after connecting). */
int tern_sock_getpeername(struct tern_sock_ctx *x, int fd, struct sockaddr *addr,
		socklen_t *len);

/** Tern's facts of a connected socket (ENOTCONN when there is none). */
int tern_sock_info(struct tern_sock_ctx *x, int fd, struct tern_conn_info *info);

/**
 * poll(2) over @p n descriptors of @p x; never waits. POLLIN, POLLOUT,
 * POLLRDHUP, POLLRDNORM, POLLWRNORM asked; POLLERR, POLLHUP, POLLNVAL always.
 * @return descriptors with events.
 */
int tern_sock_poll(struct tern_sock_ctx *x, struct pollfd *fds, nfds_t n, int timeout);

/* --- readiness sets (epoll) --- */

/** epoll_create1(2) (flags 0 or EPOLL_CLOEXEC). */
int tern_epoll_create(struct tern_sock_ctx *x, int flags);

/**
 * epoll_ctl(2): EPOLL_CTL_ADD / MOD / DEL of socket @p fd with events
 * EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET, EPOLLONESHOT (EPOLLERR and
 * EPOLLHUP always). EEXIST, ENOENT, EBUSY (in another set), EINVAL.
 */
int tern_epoll_ctl(struct tern_sock_ctx *x, int epfd, int op, int fd,
		struct epoll_event *ev);

/**
 * epoll_wait(2); never waits. Level-triggered members are reported while
 * ready; edge-triggered ones once per change that makes them readier (data
 * or a connection arrived, room in the send buffer, FIN, error), as Linux.
 * @return events written (0 .. @p max).
 */
int tern_epoll_wait(struct tern_sock_ctx *x, int epfd, struct epoll_event *evs, int max,
		int timeout);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SOCK_H */
