/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sock, the socket-style API (tern_sock.h), over the sim netdev with a
 * virtual clock: every call's errno paths, passive and active opens,
 * readiness through poll and epoll (level, edge, one-shot), the receive
 * window following the reader (RFC 9293 §3.8.6: it closes as unread data
 * accumulates and a window update goes out once reading moves the right
 * edge usefully), the send buffer bound, close, shutdown and linger, resets,
 * zero-copy calls, options. The test is the peer (tcp_harness.h); teardown
 * checks that every mbuf came back.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "tcp_harness.h"
#include "tern_sock.h"

#define IRS   0xfffffff0u      /* peer ISS: its data wraps 2^32 */
#define B     (IRS + 1)        /* the peer's first data byte */
#define SPORT 9090             /* the sockets' listening port */

static struct th h;
static struct tern_sock_ctx *x;

static void
setup(void)
{
	th_init(&h, "tern_unit_sock");
	x = NULL;
}

static void
teardown(void)
{
	tern_sock_ctx_free(x);
	x = NULL;
	if (h.ns.stack != NULL)
		tern_stack_abort_conns(h.ns.stack);
	th_down(&h);
}

static void
up(void)
{
	th_up(&h);
	x = tern_sock_ctx_create(h.ns.w, 0);
	ck_assert_ptr_nonnull(x);
}

static struct sockaddr_in
sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = { .s_addr = addr },
	};

	return sin;
}

#define SA(p) ((struct sockaddr *)(p))

/* -1 with @err */
#define CK_ERR(call, err) do { \
	errno = 0; \
	ck_assert_int_eq((int)(call), -1); \
	ck_assert_int_eq(errno, (err)); \
} while (0)

static int
listener(uint16_t port, int backlog)
{
	struct sockaddr_in sin = sin_of(htonl(INADDR_ANY), port);
	int fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tern_sock_bind(x, fd, SA(&sin), sizeof(sin)), 0);
	ck_assert_int_eq(tern_sock_listen(x, fd, backlog), 0);
	return fd;
}

/* The peer's handshake to SPORT from peer port @pport; @return tern's ISS. */
static uint32_t
handshake_in(uint16_t pport, uint32_t irs)
{
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;

	h.lport = SPORT;
	h.pport = pport;
	th_inject(&h, T_SYN, irs, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, irs + 1, TH_ANY, 0);
	h.iss = s->seq;
	th_inject(&h, T_ACK, irs + 1, h.iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	return h.iss;
}

/* A connection accepted on @lfd: @return its descriptor, tern's ISS in *@iss. */
static int
accepted(int lfd, uint32_t *iss)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd;

	*iss = handshake_in(TH_PPORT, IRS);
	TH_EXPECT_NONE(&h);
	fd = tern_sock_accept(x, lfd, SA(&peer), &len);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(len, sizeof(peer));
	ck_assert_uint_eq(peer.sin_addr.s_addr, TH_PEER_IP);
	ck_assert_uint_eq(ntohs(peer.sin_port), TH_PPORT);
	return fd;
}

/* Tern's SYN of an active open: the harness's port becomes its source port. */
static const struct th_seg *
take_syn(void)
{
	ck_assert(th_next(&h, &h.last));
	ck_assert_uint_eq(h.last.flags, T_SYN);
	ck_assert_uint_eq(h.last.dport, TH_PPORT);
	h.lport = h.last.sport;
	return &h.last;
}

/* connect() to the peer, answered; @return the descriptor, tern's ISS in *@iss. */
static int
connected(int fd, uint32_t *iss, uint16_t *syn_wnd)
{
	struct sockaddr_in to = sin_of(TH_PEER_IP, TH_PPORT);
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EINPROGRESS);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EALREADY);
	ck_assert_int_eq(tern_sock_poll(x, &pfd, 1, 0), 0);
	CK_ERR(tern_sock_write(x, fd, "a", 1), EAGAIN);
	th_poll(&h);
	h.pport = TH_PPORT;
	s = take_syn();
	if (syn_wnd != NULL)
		*syn_wnd = s->wnd;
	h.iss = *iss = s->seq;
	th_inject(&h, T_SYN | T_ACK, IRS, *iss + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, *iss + 1, B, TH_ANY, 0);
	ck_assert_int_eq(tern_sock_poll(x, &pfd, 1, 0), 1);
	ck_assert_int_eq(pfd.revents, POLLOUT);
	return fd;
}

static int
sock_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

static short
revents(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	tern_sock_poll(x, &pfd, 1, 0);
	return pfd.revents;
}

/* -------------------------------------------------------------- errnos */

START_TEST(test_errnos)
{
	struct sockaddr_in any = sin_of(htonl(INADDR_ANY), SPORT);
	struct sockaddr_in other = sin_of(NF_IP(10, 77, 0, 99), SPORT);
	struct epoll_event ev = { .events = EPOLLIN };
	char buf[8];
	int a, b, ep, v = 1;
	socklen_t len = sizeof(v);

	up();
	CK_ERR(tern_socket(x, AF_PACKET, SOCK_STREAM, 0), EAFNOSUPPORT);
	CK_ERR(tern_socket(x, AF_INET, SOCK_DGRAM, 0), EPROTONOSUPPORT);
	CK_ERR(tern_socket(x, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	a = tern_socket(x, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
	b = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_ne(a, b);
	/* a fresh socket polls writable and hung up (as Linux); no descriptor: POLLNVAL */
	ck_assert_int_eq(revents(a, POLLIN | POLLOUT), POLLOUT | POLLHUP);
	{
		struct pollfd p[3] = { { .fd = 777, .events = POLLIN }, { .fd = -1, .events = POLLIN },
				       { .fd = b, .events = POLLIN } };

		ck_assert_int_eq(tern_sock_poll(x, p, 3, 1000), 2);
		ck_assert_int_eq(p[0].revents, POLLNVAL);
		ck_assert_int_eq(p[1].revents, 0);
		ck_assert_int_eq(p[2].revents, POLLHUP);
	}
	/* not a descriptor */
	CK_ERR(tern_sock_read(x, 999999, buf, 1), EBADF);
	CK_ERR(tern_sock_read(x, -1, buf, 1), EBADF);
	CK_ERR(tern_sock_close(x, 1000), EBADF);
	/* unconnected */
	CK_ERR(tern_sock_read(x, a, buf, sizeof(buf)), ENOTCONN);
	CK_ERR(tern_sock_write(x, a, buf, sizeof(buf)), ENOTCONN);
	CK_ERR(tern_sock_shutdown(x, a, SHUT_WR), ENOTCONN);
	CK_ERR(tern_sock_shutdown(x, a, 7), EINVAL);
	CK_ERR(tern_sock_getpeername(x, a, SA(&any), &len), ENOTCONN);
	CK_ERR(tern_sock_accept(x, a, NULL, NULL), EINVAL);
	CK_ERR(tern_sock_listen(x, a, 1), EINVAL);          /* no port */
	CK_ERR(tern_sock_readv(x, a, NULL, -1), EINVAL);
	CK_ERR(tern_sock_writev(x, a, NULL, -1), EINVAL);
	CK_ERR(tern_sock_send(x, a, buf, 1, MSG_OOB), EINVAL);
	CK_ERR(tern_sock_getsockname(x, a, NULL, &len), EINVAL);
	{
		struct rte_mbuf *m = NULL;

		CK_ERR(tern_sock_recv_mbuf(x, a, &m, 0), EINVAL);
		CK_ERR(tern_sock_recv_mbuf(x, a, &m, 100), ENOTCONN);
		ck_assert_ptr_null(m);
		CK_ERR(tern_sock_send_mbuf(x, a, NULL), EINVAL);
		m = rte_pktmbuf_alloc(unit_pool());
		ck_assert_ptr_nonnull(m);
		/* not consumed on failure: the caller frees it */
		CK_ERR(tern_sock_send_mbuf(x, a, m), ENOTCONN);
		rte_pktmbuf_free(m);
	}
	/* bind */
	CK_ERR(tern_sock_bind(x, a, SA(&any), sizeof(any) - 1), EINVAL);
	CK_ERR(tern_sock_bind(x, a, SA(&other), sizeof(other)), EADDRNOTAVAIL);
	ck_assert_int_eq(tern_sock_bind(x, a, SA(&any), sizeof(any)), 0);
	CK_ERR(tern_sock_bind(x, a, SA(&any), sizeof(any)), EINVAL);
	CK_ERR(tern_sock_bind(x, b, SA(&any), sizeof(any)), EADDRINUSE);
	/* both SO_REUSEADDR, neither listening: allowed; then only one listens */
	ck_assert_int_eq(tern_sock_setsockopt(x, a, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_setsockopt(x, b, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_bind(x, b, SA(&any), sizeof(any)), 0);
	ck_assert_int_eq(tern_sock_listen(x, a, 4), 0);
	CK_ERR(tern_sock_listen(x, b, 4), EADDRINUSE);
	CK_ERR(tern_sock_accept(x, a, NULL, NULL), EAGAIN);
	CK_ERR(tern_sock_read(x, a, buf, 1), ENOTCONN);
	CK_ERR(tern_sock_connect(x, a, SA(&any), sizeof(any)), EISCONN);
	ck_assert_int_eq(tern_sock_close(x, b), 0);
	CK_ERR(tern_sock_close(x, b), EBADF);
	/* the callback API's port (the harness listens on TH_LPORT) */
	b = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	any.sin_port = htons(TH_LPORT);
	ck_assert_int_eq(tern_sock_bind(x, b, SA(&any), sizeof(any)), 0);
	CK_ERR(tern_sock_listen(x, b, 4), EADDRINUSE);
	/* options */
	CK_ERR(tern_sock_setsockopt(x, b, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), ENOPROTOOPT);
	CK_ERR(tern_sock_setsockopt(x, b, IPPROTO_IP, IP_TOS, &v, sizeof(v)), ENOPROTOOPT);
	CK_ERR(tern_sock_setsockopt(x, b, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	v = 0;
	CK_ERR(tern_sock_setsockopt(x, b, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), EINVAL);
	v = -1;
	CK_ERR(tern_sock_setsockopt(x, b, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), EINVAL);
	CK_ERR(tern_sock_setsockopt(x, b, IPPROTO_TCP, TCP_INFO, &v, sizeof(v)), ENOPROTOOPT);
	len = 2;
	CK_ERR(tern_sock_getsockopt(x, b, SOL_SOCKET, SO_ERROR, &v, &len), EINVAL);
	/* readiness sets */
	ep = tern_epoll_create(x, 0);
	ck_assert_int_ge(ep, 0);
	CK_ERR(tern_epoll_create(x, 12345), EINVAL);
	CK_ERR(tern_epoll_ctl(x, ep, EPOLL_CTL_MOD, a, &ev), ENOENT);
	CK_ERR(tern_epoll_ctl(x, ep, EPOLL_CTL_DEL, a, NULL), ENOENT);
	CK_ERR(tern_epoll_ctl(x, a, EPOLL_CTL_ADD, b, &ev), EINVAL);
	CK_ERR(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	CK_ERR(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, 4000, &ev), EBADF);
	CK_ERR(tern_epoll_ctl(x, ep, 99, a, &ev), EINVAL);
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, a, &ev), 0);
	CK_ERR(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, a, &ev), EEXIST);
	CK_ERR(tern_sock_read(x, ep, buf, 1), ENOTSOCK);
	CK_ERR(tern_epoll_wait(x, a, &ev, 1, 0), EINVAL);
	CK_ERR(tern_epoll_wait(x, ep, &ev, 0, 0), EINVAL);
	ck_assert_int_eq(tern_sock_close(x, ep), 0);
	ck_assert_int_eq(tern_sock_close(x, a), 0);
	ck_assert_int_eq(tern_sock_close(x, b), 0);
	ck_assert_uint_eq(tern_sock_ctx_used(x), 0);
}
END_TEST

START_TEST(test_table_full)
{
	int fds[4];

	th_up(&h);
	x = tern_sock_ctx_create(h.ns.w, 4);
	ck_assert_ptr_nonnull(x);
	for (int i = 0; i < 4; i++) {
		fds[i] = i == 3 ? tern_epoll_create(x, 0) : tern_socket(x, AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fds[i], 0);
	}
	CK_ERR(tern_socket(x, AF_INET, SOCK_STREAM, 0), EMFILE);
	CK_ERR(tern_epoll_create(x, 0), EMFILE);
	ck_assert_int_eq(tern_sock_close(x, fds[1]), 0);
	/* the descriptor comes back */
	ck_assert_int_eq(tern_socket(x, AF_INET, SOCK_STREAM, 0), fds[1]);
}
END_TEST

/* ------------------------------------------------------- passive, data */

START_TEST(test_accept_read_write)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	uint8_t data[1000], buf[2048];
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 8);
	ck_assert_int_eq(revents(lfd, POLLIN), 0);
	handshake_in(TH_PPORT, IRS);
	ck_assert_int_eq(revents(lfd, POLLIN), POLLIN);
	/* a waiting connection is nobody's descriptor yet */
	ck_assert_uint_eq(tern_sock_ctx_used(x), 2);
	fd = tern_sock_accept(x, lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	iss = h.iss;
	ck_assert_int_eq(revents(lfd, POLLIN), 0);
	ck_assert_int_eq(tern_sock_getsockname(x, fd, SA(&sin), &len), 0);
	ck_assert_uint_eq(sin.sin_addr.s_addr, NF_OUR_IP);
	ck_assert_uint_eq(ntohs(sin.sin_port), SPORT);
	ck_assert_int_eq(tern_sock_getpeername(x, fd, SA(&sin), &len), 0);
	ck_assert_uint_eq(sin.sin_addr.s_addr, TH_PEER_IP);
	ck_assert_uint_eq(ntohs(sin.sin_port), TH_PPORT);
	/* nothing to read yet; writable */
	CK_ERR(tern_sock_read(x, fd, buf, sizeof(buf)), EAGAIN);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT), POLLOUT);
	/* the peer's data: readable, peek, then read in two parts */
	th_inject_data(&h, T_ACK | T_PSH, B, iss + 1, 1000);
	th_poll(&h);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	ck_assert_int_eq(tern_sock_recv(x, fd, buf, 10, MSG_PEEK), 10);
	ck_assert_int_eq(tern_sock_recv(x, fd, buf, 10, MSG_OOB), -1);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, 300), 300);
	{
		struct iovec iov[2] = { { buf + 300, 200 }, { buf + 500, 1000 } };

		ck_assert_int_eq(tern_sock_readv(x, fd, iov, 2), 700);
	}
	th_fill(data, B, 1000);
	ck_assert_mem_eq(buf, data, 1000);
	CK_ERR(tern_sock_read(x, fd, buf, sizeof(buf)), EAGAIN);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, 0), 0);
	/* write and writev go out as one segment each */
	ck_assert_int_eq(tern_sock_write(x, fd, "hello ", 6), 6);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B + 1000, TH_ANY, 6);
	ck_assert_mem_eq(h.last.data, "hello ", 6);
	{
		struct iovec iov[3] = { { "wor", 3 }, { "", 0 }, { "ld", 2 } };

		ck_assert_int_eq(tern_sock_writev(x, fd, iov, 3), 5);
	}
	ck_assert_int_eq(tern_sock_send(x, fd, "!", 1, MSG_NOSIGNAL), 1);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 7, B + 1000, TH_ANY, 6);
	ck_assert_mem_eq(h.last.data, "world!", 6);
	{
		/* sendmsg: the iovecs as one write; control data is refused */
		struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		uint8_t cbuf[32];

		ck_assert_int_eq(tern_sock_sendmsg(x, fd, &msg, 0), 4);
		th_poll(&h);
		TH_EXPECT(&h, T_ACK | T_PSH, iss + 13, B + 1000, TH_ANY, 4);
		ck_assert_mem_eq(h.last.data, "abcd", 4);
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		CK_ERR(tern_sock_sendmsg(x, fd, &msg, 0), EINVAL);
		/* recvmsg: into the iovecs; no address, no control data */
		th_inject_data(&h, T_ACK | T_PSH, B + 1000, iss + 17, 5);
		th_poll(&h);
		iov[0] = (struct iovec){ buf, 2 };
		iov[1] = (struct iovec){ buf + 2, 10 };
		msg = (struct msghdr){ .msg_name = data, .msg_namelen = 16, .msg_iov = iov,
			.msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf),
			.msg_flags = MSG_TRUNC };
		ck_assert_int_eq(tern_sock_recvmsg(x, fd, &msg, 0), 5);
		ck_assert_uint_eq(msg.msg_namelen, 0);
		ck_assert_uint_eq(msg.msg_controllen, 0);
		ck_assert_int_eq(msg.msg_flags, 0);
		th_fill(data, B + 1000, 5);
		ck_assert_mem_eq(buf, data, 5);
		th_poll(&h);
		nf_drain(h.ns.dev);
	}
	/* the peer closes: end of stream, still writable; we close: FIN */
	th_inject(&h, T_FIN | T_ACK, B + 1005, iss + 17, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 17, B + 1006, TH_ANY, 0);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT | POLLRDHUP),
			POLLIN | POLLOUT | POLLRDHUP);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, iss + 17, B + 1006, TH_ANY, 0);
	th_inject(&h, T_ACK, B + 1006, iss + 18, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_int_eq(tern_sock_close(x, lfd), 0);
	ck_assert_uint_eq(tern_sock_ctx_used(x), 0);
}
END_TEST

START_TEST(test_backlog)
{
	int lfd, a, b;

	up();
	lfd = listener(SPORT, 0);       /* as Linux: one connection may wait */
	handshake_in(41000, 1000);
	TH_EXPECT_NONE(&h);
	/* the second completes its handshake past the backlog: RST */
	handshake_in(41001, 2000);
	TH_EXPECT(&h, T_RST, h.iss + 1, TH_ANY, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	a = tern_sock_accept(x, lfd, NULL, NULL);
	ck_assert_int_ge(a, 0);
	CK_ERR(tern_sock_accept(x, lfd, NULL, NULL), EAGAIN);
	/* room again */
	handshake_in(41002, 3000);
	TH_EXPECT_NONE(&h);
	b = tern_sock_accept(x, lfd, NULL, NULL);
	ck_assert_int_ge(b, 0);
	/* closing the listener resets what waits, not what was accepted */
	handshake_in(41003, 4000);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 3);
	ck_assert_int_eq(tern_sock_close(x, lfd), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, TH_ANY, TH_ANY, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 2);
	ck_assert_uint_eq(tern_sock_ctx_used(x), 2);
	/* the port is still in use by accepted connections: SO_REUSEADDR listens again */
	{
		struct sockaddr_in sin = sin_of(htonl(INADDR_ANY), SPORT);
		int fd = tern_socket(x, AF_INET, SOCK_STREAM, 0), one = 1;

		CK_ERR(tern_sock_bind(x, fd, SA(&sin), sizeof(sin)), EADDRINUSE);
		ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)), 0);
		ck_assert_int_eq(tern_sock_bind(x, fd, SA(&sin), sizeof(sin)), 0);
		ck_assert_int_eq(tern_sock_listen(x, fd, 1), 0);
	}
}
END_TEST

/* --------------------------------------------------------- active opens */

START_TEST(test_connect)
{
	struct sockaddr_in to = sin_of(TH_PEER_IP, TH_PPORT), me;
	socklen_t len = sizeof(me);
	uint32_t iss;
	char buf[4];
	int fd;

	up();
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	connected(fd, &iss, NULL);
	ck_assert_int_eq(sock_error(fd), 0);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EISCONN);
	ck_assert_int_eq(tern_sock_getsockname(x, fd, SA(&me), &len), 0);
	ck_assert_uint_eq(me.sin_addr.s_addr, NF_OUR_IP);
	ck_assert_uint_eq(ntohs(me.sin_port), h.lport);
	ck_assert_int_eq(tern_sock_write(x, fd, "ping", 4), 4);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B, TH_ANY, 4);
	th_inject(&h, T_ACK | T_PSH, B, iss + 5, TH_PWND, "pong", 4, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, 4), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	/* a port bound before connect is not supported */
	{
		struct sockaddr_in b = sin_of(htonl(INADDR_ANY), 5555);
		int fd2 = tern_socket(x, AF_INET, SOCK_STREAM, 0);

		ck_assert_int_eq(tern_sock_bind(x, fd2, SA(&b), sizeof(b)), 0);
		CK_ERR(tern_sock_connect(x, fd2, SA(&to), sizeof(to)), EOPNOTSUPP);
		to.sin_family = AF_UNIX;
		CK_ERR(tern_sock_connect(x, fd2, SA(&to), sizeof(to)), EAFNOSUPPORT);
	}
}
END_TEST

START_TEST(test_connect_refused)
{
	struct sockaddr_in to = sin_of(TH_PEER_IP, TH_PPORT);
	const struct th_seg *s;
	char buf[4];
	int fd;

	up();
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EINPROGRESS);
	th_poll(&h);
	s = take_syn();
	th_inject(&h, T_RST | T_ACK, 0, s->seq + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT),
			POLLIN | POLLOUT | POLLERR | POLLHUP);
	/* connect again reports it, once */
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), ECONNREFUSED);
	ck_assert_int_eq(sock_error(fd), 0);
	ck_assert_int_eq(revents(fd, POLLIN) & POLLERR, 0);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	CK_ERR(tern_sock_write(x, fd, buf, 1), EPIPE);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);

	/* SO_ERROR is where a non-blocking connect's result is read */
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EINPROGRESS);
	th_poll(&h);
	s = take_syn();
	th_inject(&h, T_RST | T_ACK, 0, s->seq + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(sock_error(fd), ECONNREFUSED);
	ck_assert_int_eq(sock_error(fd), 0);
}
END_TEST

START_TEST(test_connect_timeout)
{
	struct sockaddr_in to = sin_of(TH_PEER_IP, TH_PPORT);
	int fd;

	h.ns.cfg.tcp_syn_retries = 1;
	up();
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EINPROGRESS);
	for (int i = 0; i < 10 && revents(fd, POLLOUT) == 0; i++)
		th_advance_ms(&h, 1000);
	nf_drain(h.ns.dev);
	ck_assert_int_eq(revents(fd, POLLOUT) & (POLLERR | POLLHUP), POLLERR | POLLHUP);
	ck_assert_int_eq(sock_error(fd), ETIMEDOUT);
}
END_TEST

/* ------------------------------------------------------ window, buffers */

START_TEST(test_window_follows_reading)
{
	uint8_t buf[4096];
	uint16_t syn_wnd;
	uint32_t iss;
	int fd, v = 4096;
	socklen_t len = sizeof(v);

	h.ns.cfg.tcp_window_scaling = 0;
	up();
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	v = 0;
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 4096);
	connected(fd, &iss, &syn_wnd);
	ck_assert_uint_eq(syn_wnd, 4096);
	/* unread data closes the window */
	th_inject_data(&h, T_ACK, B, iss + 1, 1400);
	th_poll(&h);
	th_inject_data(&h, T_ACK, B + 1400, iss + 1, 1400);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, iss + 1, B + 2800, 4096 - 2800, 0);
	th_inject_data(&h, T_ACK, B + 2800, iss + 1, 1296);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, iss + 1, B + 4096, 0, 0);
	/* beyond the window: dropped, acknowledged with window 0 */
	th_inject_data(&h, T_ACK, B + 4096, iss + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 1, B + 4096, 0, 0);
	TH_EXPECT_NONE(&h);
	/* reading less than a segment's worth moves nothing (RFC 9293 §3.8.6.2.2) */
	ck_assert_int_eq(tern_sock_read(x, fd, buf, 1000), 1000);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* reading the rest: window update */
	ck_assert_int_eq(tern_sock_read(x, fd, buf + 1000, sizeof(buf)), 3096);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 1, B + 4096, 4096, 0);
	TH_EXPECT_NONE(&h);
	{
		uint8_t want[4096];

		th_fill(want, B, sizeof(want));
		ck_assert_mem_eq(buf, want, sizeof(want));
	}
	CK_ERR(tern_sock_read(x, fd, buf, 10), EAGAIN);
}
END_TEST

/* A listener's SO_RCVBUF bounds its connections' window from the SYN-ACK. */
START_TEST(test_listener_rcvbuf)
{
	const struct th_opts mss = { .mss = 1460 };
	int lfd, fd, v = 4096;
	uint8_t buf[4096];

	h.ns.cfg.tcp_window_scaling = 0;
	up();
	lfd = listener(SPORT, 4);
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	h.lport = SPORT;
	th_inject(&h, T_SYN, IRS, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	h.iss = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, B, 4096, 0)->seq;
	th_inject(&h, T_ACK, B, h.iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	fd = tern_sock_accept(x, lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	th_inject_data(&h, T_ACK, B, h.iss + 1, 1400);
	th_inject_data(&h, T_ACK, B + 1400, h.iss + 1, 1400);
	th_inject_data(&h, T_ACK, B + 2800, h.iss + 1, 1296);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, h.iss + 1, B + 4096, 0, 0);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 4096);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, h.iss + 1, B + 4096, 4096, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_send_buffer)
{
	static uint8_t big[8192];
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET, .data.u32 = 77 }, out[4];
	int fd, ep, v = 2920;
	uint32_t iss;

	up();
	fd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	connected(fd, &iss, NULL);
	ep = tern_epoll_create(x, 0);
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, fd, &ev), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_uint_eq(out[0].events, EPOLLOUT);
	ck_assert_uint_eq(out[0].data.u32, 77);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);  /* edge: once */
	/* SO_SNDBUF bounds the send buffer */
	ck_assert_int_eq(tern_sock_write(x, fd, big, sizeof(big)), 2920);
	CK_ERR(tern_sock_write(x, fd, big, sizeof(big)), EAGAIN);
	ck_assert_int_eq(revents(fd, POLLOUT), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 1, B, TH_ANY, 1460);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1461, B, TH_ANY, 1460);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	/* the ACK makes room: EPOLLOUT again */
	th_inject(&h, T_ACK, B, iss + 1461, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_uint_eq(out[0].events, EPOLLOUT);
	ck_assert_int_eq(tern_sock_write(x, fd, big, sizeof(big)), 1460);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 2921, B, TH_ANY, 1460);
	th_inject(&h, T_ACK, B, iss + 4381, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
}
END_TEST

/* ------------------------------------------------------------ readiness */

START_TEST(test_epoll_level_edge_oneshot)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = 0 }, out[4];
	char buf[64];
	int lfd, fd, ep;
	uint32_t iss;

	up();
	ep = tern_epoll_create(x, EPOLL_CLOEXEC);
	lfd = listener(SPORT, 4);
	ev.data.fd = lfd;
	ev.events = EPOLLIN;
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, lfd, &ev), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	fd = accepted(lfd, &iss);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);  /* accepted: nothing */
	/* edge-triggered: one report per arrival */
	ev.data.fd = fd;
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_ADD, fd, &ev), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	th_inject(&h, T_ACK | T_PSH, B, iss + 1, TH_PWND, "abc", 3, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(out[0].data.fd, fd);
	ck_assert_uint_eq(out[0].events, EPOLLIN);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	th_inject(&h, T_ACK | T_PSH, B + 3, iss + 1, TH_PWND, "def", 3, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	/* level-triggered: reported while readable */
	ev.events = EPOLLIN;
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_MOD, fd, &ev), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 6);
	ck_assert_mem_eq(buf, "abcdef", 6);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	/* one-shot: one report, then nothing until MOD */
	ev.events = EPOLLIN | EPOLLONESHOT;
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_MOD, fd, &ev), 0);
	th_inject(&h, T_ACK | T_PSH, B + 6, iss + 1, TH_PWND, "g", 1, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	th_inject(&h, T_ACK | T_PSH, B + 7, iss + 1, TH_PWND, "h", 1, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_MOD, fd, &ev), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 2);
	/* FIN: EPOLLIN | EPOLLRDHUP, edge-triggered again */
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_MOD, fd, &ev), 0);
	th_inject(&h, T_FIN | T_ACK, B + 8, iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_uint_eq(out[0].events, EPOLLIN | EPOLLRDHUP);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	/* a new connection on the listener (level-triggered) */
	nf_drain(h.ns.dev);
	handshake_in(41000, 5000);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_eq(out[0].data.fd, lfd);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 1);
	ck_assert_int_ge(tern_sock_accept(x, lfd, NULL, NULL), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	/* DEL, and a closed socket leaves its set */
	ck_assert_int_eq(tern_epoll_ctl(x, ep, EPOLL_CTL_DEL, lfd, NULL), 0);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	ck_assert_int_eq(tern_epoll_wait(x, ep, out, 4, 0), 0);
	ck_assert_int_eq(tern_sock_close(x, ep), 0);
}
END_TEST

/* ------------------------------------------------ close, shutdown, reset */

START_TEST(test_linger_zero_resets)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 }, got;
	socklen_t len = sizeof(got);
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
	ck_assert_int_eq(got.l_onoff, 1);
	ck_assert_int_eq(got.l_linger, 0);
	ck_assert_int_eq(tern_sock_write(x, fd, "never", 5), 5);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, TH_ANY, TH_ANY, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 0);
}
END_TEST

START_TEST(test_close_unread_resets)
{
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	th_inject_data(&h, T_ACK | T_PSH, B, iss + 1, 10);
	th_poll(&h);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, iss + 1, TH_ANY, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 0);
}
END_TEST

START_TEST(test_shutdown)
{
	char buf[16];
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	ck_assert_int_eq(tern_sock_write(x, fd, "bye", 3), 3);
	ck_assert_int_eq(tern_sock_shutdown(x, fd, SHUT_WR), 0);
	CK_ERR(tern_sock_write(x, fd, "x", 1), EPIPE);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH | T_FIN, iss + 1, B, TH_ANY, 3);
	/* half-closed: we still receive */
	th_inject(&h, T_ACK | T_PSH, B, iss + 5, TH_PWND, "more", 4, NULL);
	th_poll(&h);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 4);
	/* SHUT_RD: end of stream now; later data is dropped, the window stays open */
	ck_assert_int_eq(tern_sock_shutdown(x, fd, SHUT_RD), 0);
	ck_assert_int_eq(revents(fd, POLLIN | POLLOUT | POLLRDHUP),
			POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	th_inject(&h, T_ACK | T_PSH, B + 4, iss + 5, TH_PWND, "late", 4, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	th_inject(&h, T_FIN | T_ACK, B + 8, iss + 5, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 5, B + 9, TH_ANY, 0);
	/* both FINs acknowledged: TIME_WAIT; the socket sees the end */
	ck_assert_int_eq(revents(fd, POLLIN) & POLLHUP, POLLHUP);
	ck_assert_int_eq(sock_error(fd), 0);
	CK_ERR(tern_sock_shutdown(x, fd, SHUT_WR), ENOTCONN);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_peer_reset)
{
	char buf[16];
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	th_inject(&h, T_ACK | T_PSH, B, iss + 1, TH_PWND, "data", 4, NULL);
	th_inject(&h, T_RST | T_ACK, B + 4, iss + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(revents(fd, POLLIN) & (POLLIN | POLLERR | POLLHUP),
			POLLIN | POLLERR | POLLHUP);
	/* what came before the RST is read first, then the error once */
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 4);
	CK_ERR(tern_sock_read(x, fd, buf, sizeof(buf)), ECONNRESET);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	CK_ERR(tern_sock_write(x, fd, "x", 1), EPIPE);
	CK_ERR(tern_sock_getpeername(x, fd, SA(buf), &(socklen_t){ 16 }), ENOTCONN);
	ck_assert_int_eq(tern_sock_close(x, fd), 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* ------------------------------------------------------ zero-copy, opts */

START_TEST(test_zero_copy)
{
	struct rte_mbuf *m = NULL;
	uint8_t want[3000];
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	CK_ERR(tern_sock_recv_mbuf(x, fd, &m, 4096), EAGAIN);
	th_inject_data(&h, T_ACK, B, iss + 1, 1400);
	th_inject_data(&h, T_ACK, B + 1400, iss + 1, 1400);
	th_inject_data(&h, T_ACK | T_PSH, B + 2800, iss + 1, 200);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, iss + 1, B + 3000, TH_ANY, 0);
	/* whole segments up to the limit; at least one */
	ck_assert_int_eq(tern_sock_recv_mbuf(x, fd, &m, 2000), 1400);
	ck_assert_uint_eq(m->nb_segs, 1);
	th_fill(want, B, sizeof(want));
	ck_assert_mem_eq(rte_pktmbuf_mtod(m, void *), want, 1400);
	/* back out through the zero-copy send */
	ck_assert_int_eq(tern_sock_send_mbuf(x, fd, m), 1400);
	ck_assert_int_eq(tern_sock_recv_mbuf(x, fd, &m, 100000), 1600);
	ck_assert_uint_eq(m->nb_segs, 2);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), 1600);
	ck_assert_mem_eq(rte_pktmbuf_mtod(m->next, void *), want + 2800, 200);
	rte_pktmbuf_free(m);
	CK_ERR(tern_sock_recv_mbuf(x, fd, &m, 100), EAGAIN);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B + 3000, TH_ANY, 1400);
	th_check_payload(&h.last, B);
}
END_TEST

/*
 * TCP_MAXSEG set before listen() caps the MSS of the connections taken (as
 * Linux): the SYN-ACK announces it, TCP_INFO shows it as tcpi_advmss and
 * tcpi_snd_mss; Linux's bounds (88 .. 32767, 0 for none) are EINVAL past.
 */
START_TEST(test_maxseg_before_listen)
{
	struct sockaddr_in sin = sin_of(htonl(INADDR_ANY), SPORT);
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int lfd, fd, v;

	up();
	lfd = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	v = 87;
	CK_ERR(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), EINVAL);
	v = 32768;
	CK_ERR(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), EINVAL);
	v = 0;
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), 0);
	v = 1200;
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_bind(x, lfd, SA(&sin), sizeof(sin)), 0);
	ck_assert_int_eq(tern_sock_listen(x, lfd, 4), 0);
	h.lport = SPORT;
	h.pport = TH_PPORT;
	th_inject(&h, T_SYN, IRS, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, IRS + 1, TH_ANY, 0);
	ck_assert(s->has_mss);
	ck_assert_uint_eq(s->mss, 1200);
	th_inject(&h, T_ACK, IRS + 1, s->seq + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	fd = tern_sock_accept(x, lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	ck_assert_uint_eq(ti.tcpi_advmss, 1200);
	ck_assert_uint_eq(ti.tcpi_snd_mss, 1200);
	len = sizeof(v);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	ck_assert_int_eq(v, 1200);
}
END_TEST

START_TEST(test_options)
{
	struct tcp_info ti;
	socklen_t len;
	int lfd, fd, v;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	v = 1;
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
	fd = accepted(lfd, &iss);
	/* inherited from the listener */
	len = sizeof(v);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	ck_assert_int_eq(v, 1460);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	ck_assert_int_eq(v, SOCK_STREAM);
	ck_assert_int_eq(tern_sock_getsockopt(x, lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len), 0);
	ck_assert_int_eq(v, 1);
	len = sizeof(ti);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	ck_assert_uint_eq(len, sizeof(ti));
	ck_assert_uint_eq(ti.tcpi_state, TCP_ESTABLISHED);
	ck_assert_uint_eq(ti.tcpi_snd_mss, 1460);
	ck_assert_uint_eq(ti.tcpi_snd_cwnd, 10);
	ck_assert_uint_ne(ti.tcpi_rto, 0);
	/* keepalive on this connection: idle 10 s, every 2 s, 2 probes */
	v = 10;
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), 0);
	v = 2;
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), 0);
	th_advance_ms(&h, 10000);
	TH_EXPECT_NONE(&h);             /* not on yet */
	v = 1;
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), 0);
	th_advance_ms(&h, 1);
	/* RFC 9293 §3.8.4: <SEQ=SND.NXT-1>, no data */
	TH_EXPECT(&h, T_ACK, iss, B, TH_ANY, 0);
	th_advance_ms(&h, 2000);
	TH_EXPECT(&h, T_ACK, iss, B, TH_ANY, 0);
	th_advance_ms(&h, 2000);
	ck_assert_int_eq(sock_error(fd), ETIMEDOUT);
	nf_drain(h.ns.dev);
}
END_TEST

START_TEST(test_inherited_options_and_abort)
{
	int lfd, fd, v = 8192, one = 1;
	socklen_t len = sizeof(v);
	char buf[4];
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	v = 3000;
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, SOL_SOCKET, SO_KEEPALIVE, &one,
			sizeof(one)), 0);
	fd = accepted(lfd, &iss);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 8192);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	ck_assert_int_eq(v, 3000);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	ck_assert_int_eq(v, 1);
	/* SO_SNDBUF bounds writes from the first one */
	{
		static uint8_t big[8192];

		ck_assert_int_eq(tern_sock_write(x, fd, big, sizeof(big)), 3000);
	}
	/* values beyond the config are cut to it, below the MSS raised to it */
	v = 1 << 30;
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	ck_assert_int_eq(v, (int)h.ns.cfg.tcp_sndbuf);
	v = 1;
	ck_assert_int_eq(tern_sock_setsockopt(x, fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 1460);
	/* the stack ends every connection (an app's exit): ECONNABORTED */
	tern_stack_abort_conns(h.ns.stack);
	ck_assert_int_eq(revents(fd, POLLIN) & (POLLERR | POLLHUP), POLLERR | POLLHUP);
	CK_ERR(tern_sock_read(x, fd, buf, sizeof(buf)), ECONNABORTED);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 0);
	nf_drain(h.ns.dev);
}
END_TEST

/* TCP_USER_TIMEOUT (RFC 5482) passes from the listener; data never
 * acknowledged for that long ends the connection with ETIMEDOUT. */
START_TEST(test_user_timeout_option)
{
	int lfd, fd, v = 700;
	socklen_t len = sizeof(v);
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	ck_assert_int_eq(tern_sock_setsockopt(x, lfd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v,
			sizeof(v)), 0);
	fd = accepted(lfd, &iss);
	v = 0;
	ck_assert_int_eq(tern_sock_getsockopt(x, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &len), 0);
	ck_assert_int_eq(v, 700);
	ck_assert_int_eq(tern_sock_write(x, fd, "abc", 3), 3);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B, TH_ANY, 3);
	/* resent at 200 and 600 ms (RTO 200 ms, doubled), ended at 700 */
	for (int ms = 0; ms < 690; ms += 10) {
		th_advance_ms(&h, 10);
		if (ms + 10 == 200 || ms + 10 == 600)
			TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B, TH_ANY, 3);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_int_eq(sock_error(fd), 0);
	th_advance_ms(&h, 10);
	th_advance_ms(&h, 10);
	ck_assert_int_eq(sock_error(fd), ETIMEDOUT);
	nf_drain(h.ns.dev);
}
END_TEST

/* ------------------------------------------------------------ IPv6 */

static struct sockaddr_in6
sin6_of(const uint8_t *addr, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	memcpy(sin6.sin6_addr.s6_addr, addr, 16);
	return sin6;
}

/* An AF_INET6 listener on [::]:SPORT takes both families (Linux without
 * IPV6_V6ONLY): an IPv6 peer, then an IPv4 one shown as ::ffff:10.77.0.1. */
START_TEST(test_ip6_listener_takes_both_families)
{
	static const uint8_t any[16];
	static const uint8_t mapped_peer[16] = { [10] = 0xff, [11] = 0xff, 10, 77, 0, 1 };
	struct sockaddr_in6 sin6 = sin6_of(any, SPORT), peer;
	socklen_t len = sizeof(peer);
	int lfd, fd;
	char buf[8];

	th_use_ip6(&h);
	up();
	lfd = tern_socket(x, AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(tern_sock_bind(x, lfd, SA(&sin6), sizeof(sin6)), 0);
	ck_assert_int_eq(tern_sock_listen(x, lfd, 4), 0);
	handshake_in(TH_PPORT, IRS);
	fd = tern_sock_accept(x, lfd, SA(&peer), &len);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(len, sizeof(peer));
	ck_assert_uint_eq(peer.sin6_family, AF_INET6);
	ck_assert_mem_eq(peer.sin6_addr.s6_addr, th_peer_ip6, 16);
	ck_assert_uint_eq(ntohs(peer.sin6_port), TH_PPORT);
	len = sizeof(sin6);
	ck_assert_int_eq(tern_sock_getsockname(x, fd, SA(&sin6), &len), 0);
	ck_assert_mem_eq(sin6.sin6_addr.s6_addr, th_our_ip6, 16);
	ck_assert_uint_eq(ntohs(sin6.sin6_port), SPORT);
	th_inject(&h, T_ACK | T_PSH, B, h.iss + 1, TH_PWND, "v6", 2, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "v6", 2);
	/* the same listener, a peer on IPv4 */
	h.ip6 = false;
	handshake_in(TH_PPORT + 1, IRS);
	len = sizeof(peer);
	fd = tern_sock_accept(x, lfd, SA(&peer), &len);
	ck_assert_int_ge(fd, 0);
	ck_assert_mem_eq(peer.sin6_addr.s6_addr, mapped_peer, 16);
	ck_assert_uint_eq(ntohs(peer.sin6_port), TH_PPORT + 1);
	ck_assert_int_eq(tern_sock_write(x, fd, "v4", 2), 2);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, h.iss + 1, B, TH_ANY, 2);
	h.ip6 = true;           /* teardown's segments come from both: the harness reads either */
}
END_TEST

/* An AF_INET listener takes IPv4 only: an IPv6 peer's connection is
 * refused with RST once its handshake completes. */
START_TEST(test_ip6_inet_listener_refuses_ip6)
{
	int lfd;
	uint32_t iss;

	th_use_ip6(&h);
	up();
	lfd = listener(SPORT, 4);
	iss = handshake_in(TH_PPORT, IRS);
	TH_EXPECT(&h, T_RST, iss + 1, TH_ANY, TH_ANY, 0);
	CK_ERR(tern_sock_accept(x, lfd, NULL, NULL), EAGAIN);
	ck_assert_uint_eq(tern_sock_ctx_used(x), 1);
}
END_TEST

/* connect() on an AF_INET6 socket: from our [ipv6] address; the errors of a
 * wrong family, length or address. */
START_TEST(test_ip6_connect)
{
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };
	struct sockaddr_in6 to, me;
	struct sockaddr_in to4 = sin_of(TH_PEER_IP, TH_PPORT);
	const struct th_opts mss = { .mss = 1440 };
	socklen_t len = sizeof(me);
	uint32_t iss;
	char buf[4];
	int fd, fd2;

	th_use_ip6(&h);
	up();
	to = sin6_of(th_peer_ip6, TH_PPORT);
	fd = tern_socket(x, AF_INET6, SOCK_STREAM, 0);
	CK_ERR(tern_sock_connect(x, fd, SA(&to4), sizeof(to4)), EINVAL);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to) - 1), EINVAL);
	CK_ERR(tern_sock_connect(x, fd, SA(&to), sizeof(to)), EINPROGRESS);
	th_poll(&h);
	h.pport = TH_PPORT;
	iss = take_syn()->seq;
	h.iss = iss;
	th_inject(&h, T_SYN | T_ACK, IRS, iss + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, iss + 1, B, TH_ANY, 0);
	ck_assert_int_eq(sock_error(fd), 0);
	ck_assert_int_eq(tern_sock_getsockname(x, fd, SA(&me), &len), 0);
	ck_assert_uint_eq(len, sizeof(me));
	ck_assert_mem_eq(me.sin6_addr.s6_addr, th_our_ip6, 16);
	ck_assert_uint_eq(ntohs(me.sin6_port), h.lport);
	len = sizeof(me);
	ck_assert_int_eq(tern_sock_getpeername(x, fd, SA(&me), &len), 0);
	ck_assert_mem_eq(me.sin6_addr.s6_addr, th_peer_ip6, 16);
	ck_assert_int_eq(tern_sock_write(x, fd, "ping", 4), 4);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, iss + 1, B, TH_ANY, 4);
	th_inject(&h, T_ACK | T_PSH, B, iss + 5, TH_PWND, "pong", 4, NULL);
	th_poll(&h);
	ck_assert_int_eq(tern_sock_read(x, fd, buf, 4), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	/* bind: an address not the stack's; AF_INET6 to an AF_INET socket */
	fd2 = tern_socket(x, AF_INET6, SOCK_STREAM, 0);
	me = sin6_of(other, 0);
	CK_ERR(tern_sock_bind(x, fd2, SA(&me), sizeof(me)), EADDRNOTAVAIL);
	fd2 = tern_socket(x, AF_INET, SOCK_STREAM, 0);
	CK_ERR(tern_sock_connect(x, fd2, SA(&to), sizeof(to)), EAFNOSUPPORT);
	CK_ERR(tern_socket(x, AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
}
END_TEST

START_TEST(test_ctx_free_returns_mbufs)
{
	int lfd, fd;
	uint32_t iss;

	up();
	lfd = listener(SPORT, 4);
	fd = accepted(lfd, &iss);
	th_inject_data(&h, T_ACK, B, iss + 1, 1400);
	th_inject_data(&h, T_ACK, B + 1400, iss + 1, 1400);
	th_poll(&h);
	ck_assert_int_eq(revents(fd, POLLIN), POLLIN);
	/* a second connection waits in the accept queue with data of its own */
	h.pport = 41000;
	handshake_in(41000, 7000);
	th_inject_data(&h, T_ACK, 7001, h.iss + 1, 1000);
	th_poll(&h);
	nf_drain(h.ns.dev);
	/* teardown frees the context: every mbuf is back (th_down checks) */
}
END_TEST

static Suite *
sock_suite(void)
{
	Suite *s = suite_create("sock");
	TCase *api = tcase_create("api");
	TCase *data = tcase_create("data");
	TCase *ready = tcase_create("readiness");
	TCase *close = tcase_create("close");

	tcase_add_checked_fixture(api, setup, teardown);
	tcase_add_test(api, test_errnos);
	tcase_add_test(api, test_table_full);
	tcase_add_test(api, test_accept_read_write);
	tcase_add_test(api, test_backlog);
	tcase_add_test(api, test_connect);
	tcase_add_test(api, test_connect_refused);
	tcase_add_test(api, test_connect_timeout);
	tcase_add_test(api, test_options);
	tcase_add_test(api, test_maxseg_before_listen);
	suite_add_tcase(s, api);

	tcase_add_checked_fixture(data, setup, teardown);
	tcase_add_test(data, test_window_follows_reading);
	tcase_add_test(data, test_send_buffer);
	tcase_add_test(data, test_listener_rcvbuf);
	tcase_add_test(data, test_zero_copy);
	tcase_add_test(data, test_ctx_free_returns_mbufs);
	tcase_add_test(api, test_ip6_listener_takes_both_families);
	tcase_add_test(api, test_ip6_inet_listener_refuses_ip6);
	tcase_add_test(api, test_ip6_connect);
	tcase_add_test(data, test_inherited_options_and_abort);
	tcase_add_test(data, test_user_timeout_option);
	suite_add_tcase(s, data);

	tcase_add_checked_fixture(ready, setup, teardown);
	tcase_add_test(ready, test_epoll_level_edge_oneshot);
	suite_add_tcase(s, ready);

	tcase_add_checked_fixture(close, setup, teardown);
	tcase_add_test(close, test_linger_zero_resets);
	tcase_add_test(close, test_close_unread_resets);
	tcase_add_test(close, test_shutdown);
	tcase_add_test(close, test_peer_reset);
	suite_add_tcase(s, close);
	return s;
}

int
main(void)
{
	int rc = unit_run(sock_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(sock_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
