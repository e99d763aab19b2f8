/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket layer (tern_sock.h): BSD-socket semantics over the callback
 * API, one descriptor table per worker.
 *
 * A socket is a slot of the table. A connection's callbacks get the slot as
 * their argument and only record: received mbufs go on the slot's receive
 * queue, events set readiness bits. Flow control is the engine's own
 * (tern_recv_hold): every byte on the receive queue stays counted against
 * the window, and reading gives it back (tern_recved), so the advertised
 * window follows the application's reading (RFC 9293 §3.8.6) and the
 * engine sends the window update when the right edge moves usefully.
 *
 * Readiness sets: each socket belongs to at most one; a socket whose state
 * changed in a way its set watches is put on the set's ready list (once),
 * and tern_epoll_wait() walks that list, recomputing each member's events:
 * level-triggered members stay listed while ready, edge-triggered ones
 * leave once reported and come back at the next change (ep_edge).
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tern_sock.h"

enum sk_kind { K_FREE, K_SOCK, K_EPOLL };
enum sk_state { S_NEW, S_LISTEN, S_CONNECTING, S_CONNECTED, S_ENDED };

#define SF_REUSEADDR 0x0001
#define SF_KEEPALIVE 0x0002
#define SF_NODELAY   0x0004
#define SF_LINGER    0x0008  /**< SO_LINGER on (linger_s: its time) */
#define SF_RD_SHUT   0x0010  /**< shutdown(SHUT_RD) */
#define SF_WR_SHUT   0x0020  /**< shutdown(SHUT_WR): FIN queued */
#define SF_PEER_FIN  0x0040  /**< the peer's FIN: end of stream after the queue */
#define SF_WAITING   0x0080  /**< established, in its listener's accept queue */
#define SF_BOUND     0x0100
#define SF_WAS_CONN  0x0200  /**< reached ESTABLISHED: has a peer */
#define SF_CORK      0x0400  /**< TCP_CORK (tern_conn_set_cork) */

/* what every readiness set reports whether asked or not */
#define EV_ALWAYS   (EPOLLERR | EPOLLHUP)
#define EV_POLLABLE (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLRDNORM | EPOLLWRNORM | EV_ALWAYS)

struct tsock {
	uint8_t kind;                  /**< enum sk_kind */
	uint8_t state;                 /**< enum sk_state */
	uint16_t flags;                /**< SF_* */
	int so_error;                  /**< pending error: SO_ERROR, or the next call's */
	struct tern_conn *conn;        /**< NULL before connect/accept and once ended */
	struct tern_sock_ctx *x;       /**< for the callbacks */
	int family;                    /**< AF_INET or AF_INET6 (socket()) */
	rte_be32_t laddr, raddr;       /**< AF_INET */
	uint8_t laddr6[16], raddr6[16];/**< AF_INET6 (an IPv4 peer as ::ffff:a.b.c.d) */
	uint16_t lport, rport;         /**< host order */
	/* receive queue: segments linked through ->next (not a chain) */
	struct rte_mbuf *rx_head, *rx_tail;
	uint32_t rx_bytes;
	uint32_t rcvbuf, sndbuf;
	uint32_t linger_s, maxseg;
	uint32_t keepidle, keepintvl, keepcnt;
	uint32_t user_timeout_ms;      /**< TCP_USER_TIMEOUT */
	/* listener: accept queue, linked through next */
	int acc_head, acc_tail;
	uint32_t acc_len, backlog;
	int parent;                    /**< SF_WAITING: its listener */
	int next;                      /**< free list, accept queue */
	/* member of a readiness set */
	int ep;                        /**< -1: none */
	uint32_t ep_events;            /**< asked (EPOLLET, EPOLLONESHOT included) */
	uint32_t ep_edge;              /**< changes since last reported (edge-triggered) */
	epoll_data_t ep_data;
	bool ep_listed;
	bool ep_off;                   /**< EPOLLONESHOT reported: nothing until MOD */
	TAILQ_ENTRY(tsock) ep_link;
	/* a readiness set (K_EPOLL) */
	TAILQ_HEAD(, tsock) ready;
	uint32_t members;
};

struct tern_sock_ctx {
	struct tern_worker *w;
	const struct tern_config *cfg;
	uint32_t sndbuf_max, rcvbuf_max;  /**< [tcp] sndbuf, rcvbuf */
	uint32_t mss;                     /**< [tcp] mss in effect */
	bool keepalive;                   /**< [tcp] keepalive: SO_KEEPALIVE's default */
	uint32_t keepidle, keepintvl, keepcnt; /**< the config's, for new sockets */
	uint32_t user_timeout_ms;         /**< [tcp] user_timeout_ms */
	unsigned int n, used;
	int free_head;
	struct tsock *t;
};

/* ------------------------------------------------------------------ table */

static int
sk_fail(int err)
{
	errno = err;
	return -1;
}

static inline int
sk_fd(const struct tern_sock_ctx *x, const struct tsock *s)
{
	return (int)(s - x->t);
}

/* Whether @fd is an open descriptor of the application's (a connection
 * waiting in an accept queue is not yet). */
static inline bool
sk_open(const struct tern_sock_ctx *x, int fd)
{
	return fd >= 0 && (unsigned int)fd < x->n && x->t[fd].kind != K_FREE &&
			!(x->t[fd].flags & SF_WAITING);
}

/* The socket behind @fd, or NULL with errno EBADF / ENOTSOCK. */
static struct tsock *
sk_get(struct tern_sock_ctx *x, int fd)
{
	struct tsock *s;

	if (!sk_open(x, fd)) {
		errno = EBADF;
		return NULL;
	}
	s = &x->t[fd];
	if (s->kind != K_SOCK) {
		errno = ENOTSOCK;
		return NULL;
	}
	return s;
}

static struct tsock *
sk_alloc(struct tern_sock_ctx *x, enum sk_kind kind)
{
	struct tsock *s;

	if (x->free_head < 0) {
		errno = EMFILE;
		return NULL;
	}
	s = &x->t[x->free_head];
	x->free_head = s->next;
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->x = x;
	s->ep = -1;
	s->next = s->parent = s->acc_head = s->acc_tail = -1;
	s->rcvbuf = x->rcvbuf_max;
	s->sndbuf = x->sndbuf_max;
	s->keepidle = x->keepidle;
	s->keepintvl = x->keepintvl;
	s->keepcnt = x->keepcnt;
	s->user_timeout_ms = x->user_timeout_ms;
	if (x->keepalive)
		s->flags |= SF_KEEPALIVE;
	TAILQ_INIT(&s->ready);
	x->used++;
	return s;
}

static void
sk_rx_purge(struct tsock *s)
{
	struct rte_mbuf *m = s->rx_head;

	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		rte_pktmbuf_free_seg(m);
		m = next;
	}
	s->rx_head = s->rx_tail = NULL;
	s->rx_bytes = 0;
}

static void ep_detach(struct tern_sock_ctx *x, struct tsock *s);

static void
sk_release(struct tern_sock_ctx *x, struct tsock *s)
{
	ep_detach(x, s);
	sk_rx_purge(s);
	s->kind = K_FREE;
	s->next = x->free_head;
	x->free_head = sk_fd(x, s);
	x->used--;
}

/* ------------------------------------------------------------- readiness */

/* Bytes write() may queue now: the engine's room less what SO_SNDBUF keeps
 * back below [tcp] sndbuf. */
static uint32_t
sk_send_room(const struct tsock *s)
{
	uint32_t space = tern_send_space(s->conn);
	uint32_t reserve = s->x->sndbuf_max - s->sndbuf;

	return space > reserve ? space - reserve : 0;
}

/* poll(2) events of @s now, as Linux's tcp_poll reports them. */
static uint32_t
sk_events(const struct tsock *s)
{
	uint32_t ev = 0;

	if (s->so_error != 0)
		ev |= EPOLLERR;
	switch (s->state) {
	case S_NEW:
		return ev | EPOLLOUT | EPOLLWRNORM | EPOLLHUP;
	case S_LISTEN:
		return ev | (s->acc_len != 0 ? EPOLLIN | EPOLLRDNORM : 0);
	case S_CONNECTING:
		return ev;
	case S_ENDED:
		return ev | EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLOUT | EPOLLWRNORM | EPOLLHUP;
	default:
		break;
	}
	if (s->rx_bytes != 0)
		ev |= EPOLLIN | EPOLLRDNORM;
	if (s->flags & (SF_PEER_FIN | SF_RD_SHUT))
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if ((s->flags & SF_WR_SHUT) || sk_send_room(s) != 0)
		ev |= EPOLLOUT | EPOLLWRNORM;
	if ((s->flags & (SF_PEER_FIN | SF_RD_SHUT)) && (s->flags & SF_WR_SHUT))
		ev |= EPOLLHUP;
	return ev;
}

/* The events @s's readiness set watches for. */
static uint32_t
ep_want(const struct tsock *s)
{
	return s->ep_off ? 0 : (s->ep_events | EV_ALWAYS) & EV_POLLABLE;
}

/* Something happened on @s that may make it readier: @ev is what. */
static void
sk_wake(struct tsock *s, uint32_t ev)
{
	struct tsock *ep;

	if (s->ep < 0)
		return;
	s->ep_edge |= ev;
	if (s->ep_listed || (ep_want(s) & ev) == 0)
		return;
	ep = &s->x->t[s->ep];
	TAILQ_INSERT_TAIL(&ep->ready, s, ep_link);
	s->ep_listed = true;
}

static void
ep_unlist(struct tsock *s)
{
	if (s->ep_listed) {
		TAILQ_REMOVE(&s->x->t[s->ep].ready, s, ep_link);
		s->ep_listed = false;
	}
}

static void
ep_detach(struct tern_sock_ctx *x, struct tsock *s)
{
	if (s->ep < 0)
		return;
	ep_unlist(s);
	x->t[s->ep].members--;
	s->ep = -1;
}

/* ------------------------------------------------------------- callbacks */

/* The errno a connection ended with @reason reports (SO_ERROR, read, connect). */
static int
sk_close_errno(struct tern_conn *c, int reason, bool connecting)
{
	struct tern_conn_info ci;

	switch (reason) {
	case TERN_CLOSE_NORMAL: return 0;
	case TERN_CLOSE_RESET: return connecting ? ECONNREFUSED : ECONNRESET;
	case TERN_CLOSE_TIMEOUT: return ETIMEDOUT;
	case TERN_CLOSE_REFUSED: return ECONNREFUSED;
	case TERN_CLOSE_UNREACHABLE:
		/* RFC 1122 4.2.3.9: the ICMP error heard says more than ETIMEDOUT
		 * (the connection is still valid inside on_closed) */
		tern_conn_get_info(c, &ci);
		return ci.soft_error != 0 ? ci.soft_error : ETIMEDOUT;
	default: return ECONNABORTED;
	}
}

/* RFC 4291 2.5.5.2: @a (IPv4, network order) as ::ffff:a.b.c.d. */
static void
sk_v4_mapped(uint8_t *a6, rte_be32_t a)
{
	memset(a6, 0, 10);
	a6[10] = a6[11] = 0xff;
	memcpy(a6 + 12, &a, 4);
}

/* The 4-tuple of @s from its connection, in its socket's family. */
static void
sk_learn_addrs(struct tsock *s)
{
	struct tern_conn_info ci;

	tern_conn_get_info(s->conn, &ci);
	s->laddr = ci.laddr;
	s->lport = ci.lport;
	s->raddr = ci.raddr;
	s->rport = ci.rport;
	if (s->family != AF_INET6)
		return;
	if (ci.family == 6) {
		memcpy(s->laddr6, ci.laddr6, 16);
		memcpy(s->raddr6, ci.raddr6, 16);
	} else {
		sk_v4_mapped(s->laddr6, ci.laddr);
		sk_v4_mapped(s->raddr6, ci.raddr);
	}
}

static void
sk_on_connected(struct tern_conn *c, void *arg)
{
	struct tsock *s = arg;

	(void)c;
	s->state = S_CONNECTED;
	s->flags |= SF_WAS_CONN;
	sk_learn_addrs(s);
	sk_wake(s, EPOLLOUT);
}

static void
sk_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct tsock *s = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *last;

	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->flags & SF_RD_SHUT) {
		/* nobody will read it: out of the window at once */
		rte_pktmbuf_free(m);
		tern_recved(c, len);
		return;
	}
	last = rte_pktmbuf_lastseg(m);
	if (s->rx_tail == NULL)
		s->rx_head = m;
	else
		s->rx_tail->next = m;
	s->rx_tail = last;
	s->rx_bytes += len;
	sk_wake(s, EPOLLIN | EPOLLRDNORM);
}

static void
sk_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	struct tsock *s = arg;

	(void)c;
	(void)acked;
	if (sk_send_room(s) != 0)
		sk_wake(s, EPOLLOUT | EPOLLWRNORM);
}

static void
sk_on_peer_closed(struct tern_conn *c, void *arg)
{
	struct tsock *s = arg;

	(void)c;
	s->flags |= SF_PEER_FIN;
	sk_wake(s, EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
}

static void
sk_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct tsock *s = arg;

	s->so_error = sk_close_errno(c, reason, s->state == S_CONNECTING);
	s->state = S_ENDED;
	s->conn = NULL;
	sk_wake(s, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | (s->so_error ? EPOLLERR : 0));
}

static const struct tern_conn_ops sk_ops = {
	.on_connected = sk_on_connected,
	.on_recv = sk_on_recv,
	.on_sent = sk_on_sent,
	.on_peer_closed = sk_on_peer_closed,
	.on_closed = sk_on_closed,
};

/* Hand the socket's options to its new connection. */
static void
sk_conn_setup(struct tsock *s)
{
	tern_conn_set_ops(s->conn, &sk_ops, s);
	tern_recv_hold(s->conn, 1);
	if (s->rcvbuf != s->x->rcvbuf_max)
		s->rcvbuf = tern_conn_set_rcvbuf(s->conn, s->rcvbuf);
	if (!!(s->flags & SF_KEEPALIVE) != s->x->keepalive || s->keepidle != s->x->keepidle ||
			s->keepintvl != s->x->keepintvl || s->keepcnt != s->x->keepcnt)
		tern_conn_set_keepalive(s->conn, !!(s->flags & SF_KEEPALIVE), s->keepidle,
				s->keepintvl, s->keepcnt);
	if (s->user_timeout_ms != s->x->user_timeout_ms)
		tern_conn_set_user_timeout(s->conn, s->user_timeout_ms);
	if (s->flags & SF_CORK)
		tern_conn_set_cork(s->conn, true);
}

/* A passive open completed on listener @arg: queue it for accept, or refuse
 * it (RST) past the backlog or with the table full. */
static int
sk_on_accept(struct tern_conn *c, void *arg)
{
	struct tsock *l = arg;
	struct tern_sock_ctx *x = l->x;
	struct tsock *s;

	struct tern_conn_info ci;

	/* the engine's listener takes both families; an AF_INET socket only IPv4 */
	if (l->family == AF_INET) {
		tern_conn_get_info(c, &ci);
		if (ci.family != 4)
			return -1;
	}
	if (l->acc_len > l->backlog)
		return -1;
	s = sk_alloc(x, K_SOCK);
	if (s == NULL)
		return -1;
	s->family = l->family;
	s->state = S_CONNECTED;
	s->flags = (uint16_t)((l->flags & (SF_REUSEADDR | SF_KEEPALIVE | SF_NODELAY | SF_LINGER |
			SF_CORK)) | SF_WAITING | SF_WAS_CONN | SF_BOUND);
	s->rcvbuf = l->rcvbuf;
	s->sndbuf = l->sndbuf;
	s->linger_s = l->linger_s;
	s->maxseg = l->maxseg;
	s->keepidle = l->keepidle;
	s->keepintvl = l->keepintvl;
	s->keepcnt = l->keepcnt;
	s->user_timeout_ms = l->user_timeout_ms;
	s->conn = c;
	s->parent = sk_fd(x, l);
	sk_learn_addrs(s);
	sk_conn_setup(s);
	if (l->acc_tail < 0)
		l->acc_head = sk_fd(x, s);
	else
		x->t[l->acc_tail].next = sk_fd(x, s);
	l->acc_tail = sk_fd(x, s);
	l->acc_len++;
	sk_wake(l, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/* ------------------------------------------------------------- the context */

struct tern_sock_ctx *
tern_sock_ctx_create(struct tern_worker *w, unsigned int max_fds)
{
	struct tern_tcp_defaults d;
	struct tern_sock_ctx *x;
	int socket_id;

	if (w == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	tern_worker_tcp_defaults(w, &d);
	if (max_fds == 0)
		max_fds = d.max_conns + TERN_SOCK_EXTRA_FDS;
	if (max_fds > INT32_MAX / 2) {
		rte_errno = EINVAL;
		return NULL;
	}
	socket_id = tern_worker_pool(w)->socket_id;
	x = rte_zmalloc_socket("tern_sock_ctx", sizeof(*x), RTE_CACHE_LINE_SIZE, socket_id);
	if (x == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	x->t = rte_zmalloc_socket("tern_sock_table", (size_t)max_fds * sizeof(x->t[0]),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (x->t == NULL) {
		rte_free(x);
		rte_errno = ENOMEM;
		return NULL;
	}
	x->w = w;
	x->n = max_fds;
	x->cfg = tern_worker_config(w);
	x->sndbuf_max = d.sndbuf;
	x->rcvbuf_max = d.rcvbuf;
	x->mss = d.mss;
	x->keepalive = d.keepalive != 0;
	x->keepidle = d.keepidle_s;
	x->keepintvl = d.keepintvl_s;
	x->keepcnt = d.keepcnt;
	x->user_timeout_ms = d.user_timeout_ms;
	for (unsigned int i = 0; i < max_fds; i++) {
		x->t[i].kind = K_FREE;
		x->t[i].next = i + 1 < max_fds ? (int)i + 1 : -1;
	}
	x->free_head = 0;
	return x;
}

void
tern_sock_ctx_free(struct tern_sock_ctx *x)
{
	if (x == NULL)
		return;
	for (unsigned int i = 0; i < x->n; i++) {
		struct tsock *s = &x->t[i];

		if (s->kind == K_SOCK && s->conn != NULL) {
			/* abortive: the descriptors go with the context */
			tern_conn_set_ops(s->conn, NULL, NULL);
			tern_abort(s->conn);
			s->conn = NULL;
		}
	}
	for (unsigned int i = 0; i < x->n; i++) {
		struct tsock *s = &x->t[i];

		if (s->kind == K_SOCK && s->state == S_LISTEN)
			tern_unlisten(x->w, s->lport);
		if (s->kind != K_FREE)
			sk_rx_purge(s);
	}
	rte_free(x->t);
	rte_free(x);
}

struct tern_worker *
tern_sock_ctx_worker(const struct tern_sock_ctx *x)
{
	return x->w;
}

unsigned int
tern_sock_ctx_size(const struct tern_sock_ctx *x)
{
	return x->n;
}

uint64_t
tern_sock_ctx_bytes(const struct tern_config *cfg, unsigned int max_fds)
{
	if (max_fds == 0)
		max_fds = cfg->tcp_max_conns + TERN_SOCK_EXTRA_FDS;
	/* two rte_zmalloc blocks: each a header and cache-line padding */
	return (uint64_t)max_fds * sizeof(struct tsock) + sizeof(struct tern_sock_ctx) +
			4 * RTE_CACHE_LINE_SIZE;
}

unsigned int
tern_sock_ctx_used(const struct tern_sock_ctx *x)
{
	return x->used;
}

/* ------------------------------------------------------- addresses, setup */

int
tern_socket(struct tern_sock_ctx *x, int domain, int type, int protocol)
{
	struct tsock *s;

	if (domain != AF_INET && domain != AF_INET6)
		return sk_fail(EAFNOSUPPORT);
	if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM)
		return sk_fail(EPROTONOSUPPORT);
	if (protocol != 0 && protocol != IPPROTO_TCP)
		return sk_fail(EPROTONOSUPPORT);
	s = sk_alloc(x, K_SOCK);
	if (s == NULL)
		return -1;
	s->state = S_NEW;
	s->family = domain;
	return sk_fd(x, s);
}

/* Whether @addr (network order) is INADDR_ANY or one of the stack's. */
static bool
sk_addr_ours(const struct tern_sock_ctx *x, rte_be32_t addr)
{
	const struct tern_config *cfg = x->cfg;
	uint32_t off = rte_be_to_cpu_32(addr) - rte_be_to_cpu_32(cfg->ip_addr);

	return addr == htonl(INADDR_ANY) || off < cfg->ip_addr_count;
}

/* A socket address of @s's family, as an IPv4 address (@v6 NULL: AF_INET,
 * or a v4-mapped IPv6 one) or an IPv6 one (*@v6), and its port. */
struct sk_addr {
	rte_be32_t a4;
	const uint8_t *v6;             /**< an IPv6 address (not v4-mapped); NULL: a4 */
	uint16_t port;                 /**< host order */
};

static int
sk_sockaddr(const struct tsock *s, const struct sockaddr *addr, socklen_t len,
		struct sk_addr *out)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (addr == NULL)
		return EINVAL;
	if (s->family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

		if (len < sizeof(*sin))
			return EINVAL;
		if (addr->sa_family != AF_INET)
			return EAFNOSUPPORT;
		out->a4 = sin->sin_addr.s_addr;
		out->v6 = NULL;
		out->port = ntohs(sin->sin_port);
		return 0;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

	if (len < sizeof(*sin6))
		return EINVAL;
	if (addr->sa_family != AF_INET6)
		return EAFNOSUPPORT;
	out->port = ntohs(sin6->sin6_port);
	out->v6 = NULL;
	out->a4 = htonl(INADDR_ANY);
	if (memcmp(sin6->sin6_addr.s6_addr, mapped, sizeof(mapped)) == 0)
		memcpy(&out->a4, sin6->sin6_addr.s6_addr + 12, 4);
	else if (!IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		out->v6 = sin6->sin6_addr.s6_addr;
	return 0;
}

/* An IPv6 address @a6 one of the stack's: its [ipv6] address, or link-local
 * (which one is the stack's to check at connect). */
static bool
sk_addr6_ours(const struct tern_sock_ctx *x, const uint8_t *a6)
{
	return x->cfg->ip6_enabled && (memcmp(a6, x->cfg->ip6_addr, 16) == 0 ||
			(a6[0] == 0xfe && (a6[1] & 0xc0) == 0x80));
}

/* Another socket of @x holds @port in a way that excludes @s. */
static bool
sk_port_taken(const struct tern_sock_ctx *x, const struct tsock *s, uint16_t port)
{
	for (unsigned int i = 0; i < x->n; i++) {
		const struct tsock *o = &x->t[i];

		if (o == s || o->kind != K_SOCK || !(o->flags & SF_BOUND) ||
				(o->flags & SF_WAITING) || o->lport != port)
			continue;
		if (o->state == S_NEW && (o->flags & s->flags & SF_REUSEADDR))
			continue;
		if (o->state == S_LISTEN || o->state == S_NEW || !(s->flags & SF_REUSEADDR))
			return true;
	}
	return false;
}

int
tern_sock_bind(struct tern_sock_ctx *x, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct tsock *s = sk_get(x, fd);
	struct sk_addr a;
	int err;

	if (s == NULL)
		return -1;
	err = sk_sockaddr(s, addr, len, &a);
	if (err != 0)
		return sk_fail(err);
	if (s->state != S_NEW || (s->flags & SF_BOUND))
		return sk_fail(EINVAL);
	if (a.v6 != NULL ? !sk_addr6_ours(x, a.v6) : !sk_addr_ours(x, a.a4))
		return sk_fail(EADDRNOTAVAIL);
	if (a.port != 0 && sk_port_taken(x, s, a.port))
		return sk_fail(EADDRINUSE);
	s->laddr = a.a4;
	if (s->family == AF_INET6) {
		if (a.v6 != NULL)
			memcpy(s->laddr6, a.v6, 16);
		else if (a.a4 != htonl(INADDR_ANY))
			sk_v4_mapped(s->laddr6, a.a4);
	}
	s->lport = a.port;
	s->flags |= SF_BOUND;
	return 0;
}

int
tern_sock_listen(struct tern_sock_ctx *x, int fd, int backlog)
{
	struct tsock *s = sk_get(x, fd);
	int rc;

	if (s == NULL)
		return -1;
	if (s->state == S_LISTEN) {
		s->backlog = backlog < 0 ? 0 : (uint32_t)backlog;   /* as Linux: a new backlog */
		return 0;
	}
	if (s->state != S_NEW || !(s->flags & SF_BOUND) || s->lport == 0)
		return sk_fail(EINVAL);
	if (sk_port_taken(x, s, s->lport))
		return sk_fail(EADDRINUSE);
	rc = tern_listen(x->w, s->lport, sk_on_accept, s);
	if (rc != 0)
		return sk_fail(-rc);
	if (s->rcvbuf != x->rcvbuf_max)
		tern_listen_set_rcvbuf(x->w, s->lport, s->rcvbuf);
	if (s->maxseg != 0)
		tern_listen_set_mss_cap(x->w, s->lport, s->maxseg);
	s->backlog = backlog < 0 ? 0 : (uint32_t)backlog;
	s->state = S_LISTEN;
	return 0;
}

/* Write @s's local (@remote false) or remote address, in its family. */
static void
sk_put_addr(const struct tsock *s, struct sockaddr *addr, socklen_t *len, bool remote)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(remote ? s->rport : s->lport),
		.sin_addr = { .s_addr = remote ? s->raddr : s->laddr },
	};
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = sin.sin_port,
	};
	const void *src = &sin;
	size_t n = sizeof(sin);

	if (addr == NULL || len == NULL)
		return;
	if (s->family == AF_INET6) {
		memcpy(sin6.sin6_addr.s6_addr, remote ? s->raddr6 : s->laddr6, 16);
		src = &sin6;
		n = sizeof(sin6);
	}
	memcpy(addr, src, RTE_MIN((size_t)*len, n));
	*len = (socklen_t)n;
}

int
tern_sock_accept(struct tern_sock_ctx *x, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct tsock *l = sk_get(x, fd);
	struct tsock *s;

	if (l == NULL)
		return -1;
	if (l->state != S_LISTEN)
		return sk_fail(EINVAL);
	if (addr != NULL && (len == NULL || (int)*len < 0))
		return sk_fail(EINVAL);
	if (l->acc_head < 0)
		return sk_fail(EAGAIN);
	s = &x->t[l->acc_head];
	l->acc_head = s->next;
	if (l->acc_head < 0)
		l->acc_tail = -1;
	l->acc_len--;
	s->next = -1;
	s->parent = -1;
	s->flags &= (uint16_t)~SF_WAITING;
	sk_put_addr(s, addr, len, true);
	return sk_fd(x, s);
}

int
tern_sock_connect(struct tern_sock_ctx *x, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct tsock *s = sk_get(x, fd);
	struct tern_conn *c;
	struct sk_addr a;
	int err;

	if (s == NULL)
		return -1;
	switch (s->state) {
	case S_CONNECTING:
		return sk_fail(EALREADY);
	case S_CONNECTED:
		return sk_fail(EISCONN);
	case S_LISTEN:
		return sk_fail(EISCONN);
	case S_ENDED:
		if (s->so_error != 0) {
			err = s->so_error;
			s->so_error = 0;
			return sk_fail(err);
		}
		return sk_fail(EISCONN);
	default:
		break;
	}
	err = sk_sockaddr(s, addr, len, &a);
	if (err != 0)
		return sk_fail(err);
	if (a.port == 0 || (a.v6 == NULL && a.a4 == htonl(INADDR_ANY)))
		return sk_fail(ECONNREFUSED);
	if ((s->flags & SF_BOUND) && s->lport != 0)
		return sk_fail(EOPNOTSUPP);
	/* IPv6 from our address of the peer's scope (a bound one is not kept) */
	c = a.v6 != NULL ? tern_connect6(x->w, a.v6, a.port, &sk_ops, s) :
		tern_connect_from(x->w, (s->flags & SF_BOUND) ? s->laddr : 0, a.a4, a.port,
				&sk_ops, s);
	if (c == NULL)
		return sk_fail(rte_errno == ENOMEM ? ENOBUFS : rte_errno);
	s->conn = c;
	s->state = S_CONNECTING;
	s->flags |= SF_BOUND;
	sk_learn_addrs(s);
	sk_conn_setup(s);
	if (s->maxseg != 0)     /* before the SYN is built */
		tern_conn_set_mss_cap(c, s->maxseg);
	return sk_fail(EINPROGRESS);
}

int
tern_sock_getsockname(struct tern_sock_ctx *x, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct tsock *s = sk_get(x, fd);

	if (s == NULL)
		return -1;
	if (addr == NULL || len == NULL || (int)*len < 0)
		return sk_fail(EINVAL);
	sk_put_addr(s, addr, len, false);
	return 0;
}

int
tern_sock_getpeername(struct tern_sock_ctx *x, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct tsock *s = sk_get(x, fd);

	if (s == NULL)
		return -1;
	if (addr == NULL || len == NULL || (int)*len < 0)
		return sk_fail(EINVAL);
	if (!(s->flags & SF_WAS_CONN) || s->state == S_ENDED)
		return sk_fail(ENOTCONN);
	sk_put_addr(s, addr, len, true);
	return 0;
}

int
tern_sock_info(struct tern_sock_ctx *x, int fd, struct tern_conn_info *info)
{
	struct tsock *s = sk_get(x, fd);

	if (s == NULL)
		return -1;
	if (s->conn == NULL)
		return sk_fail(ENOTCONN);
	tern_conn_get_info(s->conn, info);
	return 0;
}

/* ---------------------------------------------------------------- reading */

/* Why @s has nothing to read: -1 with errno, or 0 at end of stream. */
static ssize_t
sk_read_empty(struct tsock *s)
{
	int err = s->so_error;

	if (err != 0) {
		s->so_error = 0;
		return sk_fail(err);
	}
	if (s->state == S_ENDED || (s->flags & (SF_PEER_FIN | SF_RD_SHUT)))
		return 0;
	return sk_fail(EAGAIN);
}

/* Whether @s can be read at all (else errno set). */
static bool
sk_readable_state(struct tsock *s)
{
	switch (s->state) {
	case S_NEW:
	case S_LISTEN:
		errno = ENOTCONN;
		return false;
	case S_CONNECTING:
		errno = EAGAIN;
		return false;
	default:
		return true;
	}
}

/* Drop @n bytes from the front of the receive queue and give them back to
 * the window. */
static void
sk_rx_consume(struct tsock *s, uint32_t n)
{
	uint32_t left = n;

	while (left != 0) {
		struct rte_mbuf *m = s->rx_head;

		if (m->data_len > left) {
			m->data_off = (uint16_t)(m->data_off + left);
			m->data_len = (uint16_t)(m->data_len - left);
			break;
		}
		left -= m->data_len;
		s->rx_head = m->next;
		rte_pktmbuf_free_seg(m);
	}
	/* segments left empty by the loop's last step go too */
	while (s->rx_head != NULL && s->rx_head->data_len == 0) {
		struct rte_mbuf *m = s->rx_head;

		s->rx_head = m->next;
		rte_pktmbuf_free_seg(m);
	}
	if (s->rx_head == NULL)
		s->rx_tail = NULL;
	s->rx_bytes -= n;
	if (s->conn != NULL)
		tern_recved(s->conn, n);
}

static ssize_t
sk_readv(struct tern_sock_ctx *x, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	struct tsock *s = sk_get(x, fd);
	const struct rte_mbuf *m;
	uint32_t off = 0, copied = 0;
	size_t want = 0;

	if (s == NULL)
		return -1;
	if ((flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_NOSIGNAL)) != 0 || iovcnt < 0 ||
			iovcnt > IOV_MAX || (iov == NULL && iovcnt != 0))
		return sk_fail(EINVAL);
	if (!sk_readable_state(s))
		return -1;
	for (int i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	if (want == 0)
		return 0;
	if (s->rx_bytes == 0)
		return sk_read_empty(s);
	m = s->rx_head;
	for (int i = 0; i < iovcnt && m != NULL; i++) {
		size_t done = 0;

		while (done < iov[i].iov_len && m != NULL) {
			uint32_t k = (uint32_t)RTE_MIN((size_t)(m->data_len - off),
					iov[i].iov_len - done);

			memcpy((uint8_t *)iov[i].iov_base + done,
					rte_pktmbuf_mtod_offset(m, const uint8_t *, off), k);
			done += k;
			off += k;
			copied += k;
			if (off == m->data_len) {
				m = m->next;
				off = 0;
			}
		}
	}
	if (!(flags & MSG_PEEK))
		sk_rx_consume(s, copied);
	return copied;
}

ssize_t
tern_sock_read(struct tern_sock_ctx *x, int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return sk_readv(x, fd, &iov, 1, 0);
}

ssize_t
tern_sock_recv(struct tern_sock_ctx *x, int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return sk_readv(x, fd, &iov, 1, flags);
}

ssize_t
tern_sock_recvmsg(struct tern_sock_ctx *x, int fd, struct msghdr *msg, int flags)
{
	ssize_t r;

	if (msg == NULL || msg->msg_iovlen > (size_t)IOV_MAX)
		return sk_fail(EINVAL);
	r = sk_readv(x, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
	if (r >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		msg->msg_flags = 0;
	}
	return r;
}

ssize_t
tern_sock_readv(struct tern_sock_ctx *x, int fd, const struct iovec *iov, int iovcnt)
{
	return sk_readv(x, fd, iov, iovcnt, 0);
}

ssize_t
tern_sock_recv_mbuf(struct tern_sock_ctx *x, int fd, struct rte_mbuf **out, size_t max)
{
	struct tsock *s = sk_get(x, fd);
	struct rte_mbuf *head, *last, *m;
	uint32_t bytes, nsegs;

	if (s == NULL)
		return -1;
	if (out == NULL || max == 0)
		return sk_fail(EINVAL);
	*out = NULL;
	if (!sk_readable_state(s))
		return -1;
	if (s->rx_bytes == 0)
		return sk_read_empty(s);
	/* whole segments, the first whatever its size (and past empty ones: 0
	 * would read as end of stream), up to @max bytes */
	head = last = s->rx_head;
	bytes = head->data_len;
	nsegs = 1;
	for (m = head->next; m != NULL && nsegs < UINT16_MAX &&
			(bytes == 0 || bytes + (size_t)m->data_len <= max); m = m->next) {
		bytes += m->data_len;
		nsegs++;
		m->nb_segs = 1;    /* it may have headed a chain of its own */
		last = m;
	}
	s->rx_head = last->next;
	last->next = NULL;
	head->nb_segs = (uint16_t)nsegs;
	head->pkt_len = bytes;
	if (s->rx_head == NULL)
		s->rx_tail = NULL;
	s->rx_bytes -= bytes;
	if (s->conn != NULL)
		tern_recved(s->conn, bytes);
	*out = head;
	return bytes;
}

/* ---------------------------------------------------------------- writing */

/* Whether @s can take data now; else -1 with errno (a pending error once). */
static int
sk_write_check(struct tsock *s)
{
	int err;

	switch (s->state) {
	case S_NEW:
	case S_LISTEN:
		return sk_fail(ENOTCONN);
	case S_CONNECTING:
		return sk_fail(EAGAIN);
	default:
		break;
	}
	if (s->so_error != 0) {
		err = s->so_error;
		s->so_error = 0;
		return sk_fail(err);
	}
	if (s->state == S_ENDED || (s->flags & SF_WR_SHUT))
		return sk_fail(EPIPE);
	return 0;
}

static ssize_t
sk_writev(struct tern_sock_ctx *x, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	struct tsock *s = sk_get(x, fd);
	uint32_t room;
	size_t total = 0;

	if (s == NULL)
		return -1;
	if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)) != 0 || iovcnt < 0 ||
			iovcnt > IOV_MAX || (iov == NULL && iovcnt != 0))
		return sk_fail(EINVAL);
	if (sk_write_check(s) != 0)
		return -1;
	/* MSG_MORE holds a short last segment back; a write without it
	 * sends what earlier ones held */
	tern_conn_set_more(s->conn, (flags & MSG_MORE) != 0);
	room = sk_send_room(s);
	for (int i = 0; i < iovcnt && room != 0; i++) {
		size_t n = RTE_MIN(iov[i].iov_len, (size_t)room);
		int rc;

		if (n == 0)
			continue;
		rc = tern_send(s->conn, iov[i].iov_base, n);
		if (rc == -ENOBUFS) {
			/* the worker's mbufs ran out (tcp_sndq_append): no error of
			 * the connection. Nothing may be in flight to bring an
			 * on_sent, so the socket is made writable again at once: an
			 * edge-triggered loop retries at its next wait */
			sk_wake(s, EPOLLOUT | EPOLLWRNORM);
			break;
		}
		if (rc < 0) {
			if (total != 0)
				break;
			return sk_fail(EPIPE);
		}
		total += (size_t)rc;
		room -= (uint32_t)rc;
		if ((size_t)rc < n)
			break;
	}
	if (total == 0) {
		for (int i = 0; i < iovcnt; i++)
			if (iov[i].iov_len != 0)
				return sk_fail(EAGAIN);
	}
	return (ssize_t)total;
}

ssize_t
tern_sock_write(struct tern_sock_ctx *x, int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return sk_writev(x, fd, &iov, 1, 0);
}

ssize_t
tern_sock_send(struct tern_sock_ctx *x, int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return sk_writev(x, fd, &iov, 1, flags);
}

ssize_t
tern_sock_sendmsg(struct tern_sock_ctx *x, int fd, const struct msghdr *msg, int flags)
{
	if (msg == NULL || msg->msg_controllen != 0 || msg->msg_iovlen > (size_t)IOV_MAX)
		return sk_fail(EINVAL);
	return sk_writev(x, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

ssize_t
tern_sock_writev(struct tern_sock_ctx *x, int fd, const struct iovec *iov, int iovcnt)
{
	return sk_writev(x, fd, iov, iovcnt, 0);
}

ssize_t
tern_sock_send_mbuf(struct tern_sock_ctx *x, int fd, struct rte_mbuf *m)
{
	struct tsock *s = sk_get(x, fd);
	uint32_t len;
	int rc;

	if (s == NULL)
		return -1;
	if (m == NULL)
		return sk_fail(EINVAL);
	if (sk_write_check(s) != 0)
		return -1;
	len = rte_pktmbuf_pkt_len(m);
	if (len > sk_send_room(s))
		return sk_fail(EAGAIN);
	tern_conn_set_more(s->conn, false);
	rc = tern_send_mbuf(s->conn, m);
	return rc < 0 ? sk_fail(EPIPE) : rc;
}

/* -------------------------------------------------------- shutdown, close */

int
tern_sock_shutdown(struct tern_sock_ctx *x, int fd, int how)
{
	struct tsock *s = sk_get(x, fd);

	if (s == NULL)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sk_fail(EINVAL);
	if (s->state != S_CONNECTED)
		return sk_fail(ENOTCONN);
	if (how != SHUT_WR && !(s->flags & SF_RD_SHUT)) {
		s->flags |= SF_RD_SHUT;
		sk_wake(s, EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
	}
	if (how != SHUT_RD && !(s->flags & SF_WR_SHUT)) {
		/* RFC 9293 §3.10.4: FIN after the queued data */
		if (tern_shutdown(s->conn) != 0)
			return sk_fail(ENOTCONN);
		s->flags |= SF_WR_SHUT;
		sk_wake(s, EPOLLOUT | EPOLLWRNORM);
	}
	if ((s->flags & (SF_PEER_FIN | SF_RD_SHUT)) && (s->flags & SF_WR_SHUT))
		sk_wake(s, EPOLLHUP);
	return 0;
}

/* Let go of @s's connection: RST when @abort, else a graceful close. */
static void
sk_conn_release(struct tsock *s, bool abort)
{
	struct tern_conn *c = s->conn;

	if (c == NULL)
		return;
	s->conn = NULL;
	tern_conn_set_ops(c, NULL, NULL);
	if (abort) {
		tern_abort(c);
		return;
	}
	tern_recv_hold(c, 0);
	tern_close(c);
}

static int
ep_close(struct tern_sock_ctx *x, struct tsock *ep)
{
	int efd = sk_fd(x, ep);

	for (unsigned int i = 0; ep->members != 0 && i < x->n; i++)
		if (x->t[i].kind == K_SOCK && x->t[i].ep == efd)
			ep_detach(x, &x->t[i]);
	sk_release(x, ep);
	return 0;
}

int
tern_sock_close(struct tern_sock_ctx *x, int fd)
{
	struct tsock *s;

	if (!sk_open(x, fd))
		return sk_fail(EBADF);
	s = &x->t[fd];
	if (s->kind == K_EPOLL)
		return ep_close(x, s);
	if (s->state == S_LISTEN) {
		tern_unlisten(x->w, s->lport);
		/* connections nobody accepted: reset (as Linux) */
		while (s->acc_head >= 0) {
			struct tsock *c = &x->t[s->acc_head];

			s->acc_head = c->next;
			sk_conn_release(c, true);
			sk_release(x, c);
		}
		s->acc_tail = -1;
		s->acc_len = 0;
	}
	/* RFC 2525 §2.17: unread data at close means RST, as does SO_LINGER {1, 0} */
	sk_conn_release(s, s->rx_bytes != 0 ||
			((s->flags & SF_LINGER) && s->linger_s == 0));
	sk_release(x, s);
	return 0;
}

/* ---------------------------------------------------------------- options */

static int
sk_int_arg(const void *val, socklen_t len, int *out)
{
	if (val == NULL || len < sizeof(int))
		return EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

/* The Linux state number of an RFC 9293 state (struct tcp_info). */
static uint8_t
sk_linux_state(int state)
{
	static const uint8_t map[] = {
		[TERN_TCP_CLOSED] = TCP_CLOSE, [TERN_TCP_LISTEN] = TCP_LISTEN,
		[TERN_TCP_SYN_SENT] = TCP_SYN_SENT, [TERN_TCP_SYN_RECEIVED] = TCP_SYN_RECV,
		[TERN_TCP_ESTABLISHED] = TCP_ESTABLISHED, [TERN_TCP_FIN_WAIT_1] = TCP_FIN_WAIT1,
		[TERN_TCP_FIN_WAIT_2] = TCP_FIN_WAIT2, [TERN_TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
		[TERN_TCP_CLOSING] = TCP_CLOSING, [TERN_TCP_LAST_ACK] = TCP_LAST_ACK,
		[TERN_TCP_TIME_WAIT] = TCP_TIME_WAIT,
	};

	return state >= 0 && (size_t)state < RTE_DIM(map) ? map[state] : TCP_CLOSE;
}

static void
sk_tcp_info(const struct tsock *s, struct tcp_info *ti)
{
	struct tern_conn_info ci;

	memset(ti, 0, sizeof(*ti));
	if (s->conn == NULL) {
		ti->tcpi_state = s->state == S_LISTEN ? TCP_LISTEN : TCP_CLOSE;
		return;
	}
	tern_conn_get_info(s->conn, &ci);
	ti->tcpi_state = sk_linux_state(ci.state);
	ti->tcpi_options = (uint8_t)((ci.ts_on ? TCPI_OPT_TIMESTAMPS : 0) |
			(ci.sack_on ? TCPI_OPT_SACK : 0) |
			(ci.snd_wscale || ci.rcv_wscale ? TCPI_OPT_WSCALE : 0));
	ti->tcpi_snd_wscale = ci.snd_wscale & 0xf;
	ti->tcpi_rcv_wscale = ci.rcv_wscale & 0xf;
	ti->tcpi_rto = ci.rto_us;
	ti->tcpi_snd_mss = ci.mss;
	ti->tcpi_rcv_mss = ci.adv_mss;
	ti->tcpi_advmss = ci.adv_mss;
	ti->tcpi_unacked = ci.mss != 0 ? (ci.snd_nxt - ci.snd_una + ci.mss - 1) / ci.mss : 0;
	ti->tcpi_rtt = ci.srtt_us;
	ti->tcpi_rttvar = ci.rttvar_us;
	ti->tcpi_snd_ssthresh = ci.mss != 0 ? ci.ssthresh / ci.mss : 0;
	ti->tcpi_snd_cwnd = ci.mss != 0 ? ci.cwnd / ci.mss : 0;
	ti->tcpi_rcv_space = ci.rcv_wnd;
	ti->tcpi_total_retrans = ci.retransmits;
}

static int
sk_get_int(void *val, socklen_t *len, int v)
{
	if (val == NULL || len == NULL || *len < sizeof(int))
		return sk_fail(EINVAL);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(int);
	return 0;
}

int
tern_sock_getsockopt(struct tern_sock_ctx *x, int fd, int level, int name, void *val,
		socklen_t *len)
{
	struct tsock *s = sk_get(x, fd);
	int v;

	if (s == NULL)
		return -1;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			v = s->so_error;
			s->so_error = 0;
			return sk_get_int(val, len, v);
		case SO_REUSEADDR: return sk_get_int(val, len, !!(s->flags & SF_REUSEADDR));
		case SO_KEEPALIVE: return sk_get_int(val, len, !!(s->flags & SF_KEEPALIVE));
		case SO_SNDBUF: return sk_get_int(val, len, (int)s->sndbuf);
		case SO_RCVBUF: return sk_get_int(val, len, (int)s->rcvbuf);
		case SO_TYPE: return sk_get_int(val, len, SOCK_STREAM);
		case SO_ACCEPTCONN: return sk_get_int(val, len, s->state == S_LISTEN);
		case SO_LINGER: {
			struct linger lg = { .l_onoff = !!(s->flags & SF_LINGER),
					     .l_linger = (int)s->linger_s };

			if (val == NULL || len == NULL || *len < sizeof(lg))
				return sk_fail(EINVAL);
			memcpy(val, &lg, sizeof(lg));
			*len = sizeof(lg);
			return 0;
		}
		default:
			return sk_fail(ENOPROTOOPT);
		}
	}
	if (level != IPPROTO_TCP)
		return sk_fail(ENOPROTOOPT);
	switch (name) {
	case TCP_NODELAY: return sk_get_int(val, len, !!(s->flags & SF_NODELAY));
	case TCP_CORK: return sk_get_int(val, len, !!(s->flags & SF_CORK));
	case TCP_KEEPIDLE: return sk_get_int(val, len, (int)s->keepidle);
	case TCP_KEEPINTVL: return sk_get_int(val, len, (int)s->keepintvl);
	case TCP_KEEPCNT: return sk_get_int(val, len, (int)s->keepcnt);
	case TCP_USER_TIMEOUT: return sk_get_int(val, len, (int)s->user_timeout_ms);
	case TCP_MAXSEG:
		if (s->conn != NULL && s->state != S_CONNECTING) {
			struct tern_conn_info ci;

			tern_conn_get_info(s->conn, &ci);
			return sk_get_int(val, len, ci.mss);
		}
		return sk_get_int(val, len, (int)(s->maxseg != 0 ? s->maxseg : x->mss));
	case TCP_INFO: {
		struct tcp_info ti;

		if (val == NULL || len == NULL)
			return sk_fail(EINVAL);
		sk_tcp_info(s, &ti);
		*len = (socklen_t)RTE_MIN((size_t)*len, sizeof(ti));
		memcpy(val, &ti, *len);
		return 0;
	}
	default:
		return sk_fail(ENOPROTOOPT);
	}
}

/* Keepalive settings of @s to its connection. */
static void
sk_keep_apply(struct tsock *s)
{
	if (s->conn != NULL)
		tern_conn_set_keepalive(s->conn, !!(s->flags & SF_KEEPALIVE), s->keepidle,
				s->keepintvl, s->keepcnt);
}

static void
sk_flag(struct tsock *s, uint16_t flag, int on)
{
	if (on)
		s->flags |= flag;
	else
		s->flags &= (uint16_t)~flag;
}

int
tern_sock_setsockopt(struct tern_sock_ctx *x, int fd, int level, int name, const void *val,
		socklen_t len)
{
	struct tsock *s = sk_get(x, fd);
	int v, err;

	if (s == NULL)
		return -1;
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger lg;

		if (val == NULL || len < sizeof(lg))
			return sk_fail(EINVAL);
		memcpy(&lg, val, sizeof(lg));
		sk_flag(s, SF_LINGER, lg.l_onoff);
		s->linger_s = lg.l_linger < 0 ? 0 : (uint32_t)lg.l_linger;
		return 0;
	}
	if ((level != SOL_SOCKET && level != IPPROTO_TCP) || name == TCP_INFO)
		return sk_fail(ENOPROTOOPT);
	err = sk_int_arg(val, len, &v);
	if (err != 0)
		return sk_fail(err);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
			sk_flag(s, SF_REUSEADDR, v);
			return 0;
		case SO_KEEPALIVE:
			sk_flag(s, SF_KEEPALIVE, v);
			sk_keep_apply(s);
			return 0;
		case SO_SNDBUF:
			s->sndbuf = RTE_MAX(RTE_MIN((uint32_t)RTE_MAX(v, 0), x->sndbuf_max), x->mss);
			if (s->conn != NULL && sk_send_room(s) != 0)
				sk_wake(s, EPOLLOUT | EPOLLWRNORM);
			return 0;
		case SO_RCVBUF:
			s->rcvbuf = RTE_MAX(RTE_MIN((uint32_t)RTE_MAX(v, 0), x->rcvbuf_max), x->mss);
			if (s->conn != NULL)
				s->rcvbuf = tern_conn_set_rcvbuf(s->conn, s->rcvbuf);
			else if (s->state == S_LISTEN)   /* from the next SYN-ACK on */
				tern_listen_set_rcvbuf(x->w, s->lport, s->rcvbuf);
			return 0;
		default:
			return sk_fail(ENOPROTOOPT);
		}
	}
	switch (name) {
	case TCP_NODELAY:
		/* no Nagle in Tern: always "on" in effect. Setting it sends
		 * what a cork or MSG_MORE holds, as on Linux */
		sk_flag(s, SF_NODELAY, v);
		if (v != 0 && s->conn != NULL)
			tern_conn_push(s->conn);
		return 0;
	case TCP_CORK:
		sk_flag(s, SF_CORK, v);
		if (s->conn != NULL)
			tern_conn_set_cork(s->conn, v != 0);
		return 0;
	case TCP_MAXSEG:
		/* as Linux: a cap on the MSS announced and used, in effect for a
		 * handshake not yet done (a listener's from its next SYN-ACK);
		 * 0 removes it, and its bounds are Linux's (TCP_MIN_MSS,
		 * MAX_TCP_WINDOW) */
		if (v != 0 && (v < TERN_MSS_CAP_MIN || v > TERN_MSS_CAP_MAX))
			return sk_fail(EINVAL);
		s->maxseg = (uint32_t)v;
		if (s->conn != NULL)
			tern_conn_set_mss_cap(s->conn, s->maxseg);
		else if (s->state == S_LISTEN)
			tern_listen_set_mss_cap(x->w, s->lport, s->maxseg);
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		/* Linux's bounds: 1 .. MAX_TCP_KEEPIDLE / MAX_TCP_KEEPINTVL */
		if (v < 1 || v > 32767)
			return sk_fail(EINVAL);
		if (name == TCP_KEEPIDLE)
			s->keepidle = (uint32_t)v;
		else
			s->keepintvl = (uint32_t)v;
		sk_keep_apply(s);
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return sk_fail(EINVAL);
		s->keepcnt = (uint32_t)v;
		sk_keep_apply(s);
		return 0;
	case TCP_USER_TIMEOUT:
		if (v < 0 || (uint32_t)v > TERN_USER_TIMEOUT_MS_MAX)
			return sk_fail(EINVAL);
		s->user_timeout_ms = (uint32_t)v;
		if (s->conn != NULL)
			tern_conn_set_user_timeout(s->conn, s->user_timeout_ms);
		return 0;
	default:
		return sk_fail(ENOPROTOOPT);
	}
}

/* ------------------------------------------------------------ poll, epoll */

int
tern_sock_poll(struct tern_sock_ctx *x, struct pollfd *fds, nfds_t n, int timeout)
{
	int count = 0;

	(void)timeout;  /* never waits (tern_sock.h) */
	if (fds == NULL && n != 0)
		return sk_fail(EFAULT);
	for (nfds_t i = 0; i < n; i++) {
		int fd = fds[i].fd;
		uint32_t ev;

		if (fd < 0) {
			fds[i].revents = 0;
			continue;
		}
		if (!sk_open(x, fd) || x->t[fd].kind != K_SOCK) {
			ev = POLLNVAL;
		} else {
			ev = sk_events(&x->t[fd]);
			ev &= (uint32_t)(uint16_t)fds[i].events | EV_ALWAYS;
		}
		fds[i].revents = (short)ev;
		count += ev != 0;
	}
	return count;
}

int
tern_epoll_create(struct tern_sock_ctx *x, int flags)
{
	struct tsock *s;

	if ((flags & ~EPOLL_CLOEXEC) != 0)
		return sk_fail(EINVAL);
	s = sk_alloc(x, K_EPOLL);
	return s == NULL ? -1 : sk_fd(x, s);
}

/* Put @s on its set's ready list if it is ready for what the set asks. */
static void
ep_check(struct tsock *s)
{
	uint32_t want;

	s->ep_off = false;
	want = ep_want(s);
	s->ep_edge = want;
	if (!s->ep_listed && (sk_events(s) & want) != 0)
		sk_wake(s, want);
}

int
tern_epoll_ctl(struct tern_sock_ctx *x, int epfd, int op, int fd, struct epoll_event *ev)
{
	struct tsock *ep, *s;

	if (!sk_open(x, epfd) || !sk_open(x, fd))
		return sk_fail(EBADF);
	ep = &x->t[epfd];
	s = &x->t[fd];
	if (ep->kind != K_EPOLL || epfd == fd)
		return sk_fail(EINVAL);
	if (s->kind != K_SOCK)
		return sk_fail(EPERM);   /* as Linux for what cannot be polled */
	if (op != EPOLL_CTL_DEL && ev == NULL)
		return sk_fail(EFAULT);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (s->ep == epfd)
			return sk_fail(EEXIST);
		if (s->ep >= 0)
			return sk_fail(EBUSY);
		s->ep = epfd;
		ep->members++;
		break;
	case EPOLL_CTL_MOD:
		if (s->ep != epfd)
			return sk_fail(ENOENT);
		break;
	case EPOLL_CTL_DEL:
		if (s->ep != epfd)
			return sk_fail(ENOENT);
		ep_detach(x, s);
		return 0;
	default:
		return sk_fail(EINVAL);
	}
	s->ep_events = ev->events;
	s->ep_data = ev->data;
	ep_check(s);
	return 0;
}

int
tern_epoll_wait(struct tern_sock_ctx *x, int epfd, struct epoll_event *evs, int max,
		int timeout)
{
	struct tsock *ep, *s;
	int n = 0;

	(void)timeout;  /* never waits (tern_sock.h) */
	if (!sk_open(x, epfd))
		return sk_fail(EBADF);
	ep = &x->t[epfd];
	if (ep->kind != K_EPOLL || max <= 0)
		return sk_fail(EINVAL);
	if (evs == NULL)
		return sk_fail(EFAULT);
	/* each listed member is looked at once: reported level-triggered ones
	 * wait on @again and go to the tail for the next call */
	TAILQ_HEAD(, tsock) again = TAILQ_HEAD_INITIALIZER(again);
	while (n < max && (s = TAILQ_FIRST(&ep->ready)) != NULL) {
		uint32_t want = ep_want(s);
		uint32_t ready = sk_events(s) & want;

		ep_unlist(s);
		if (ready == 0)
			continue;
		if ((s->ep_events & EPOLLET) && (s->ep_edge & want) == 0)
			continue;
		s->ep_edge = 0;
		evs[n].events = ready;
		evs[n].data = s->ep_data;
		n++;
		if (s->ep_events & EPOLLONESHOT) {
			s->ep_off = true;
		} else if (!(s->ep_events & EPOLLET)) {
			TAILQ_INSERT_TAIL(&again, s, ep_link);
			s->ep_listed = true;
		}
	}
	TAILQ_CONCAT(&ep->ready, &again, ep_link);
	return n;
}
