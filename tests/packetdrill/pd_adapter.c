/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tern as a packetdrill shared object (--so_filename): one stack over the
 * in-process sim device (drivers/sim), in virtual time, driven through the
 * socket-style API (tern_sock.h). See docs/conformance.md.
 *
 * packetdrill finds one exported function, packetdrill_interface_init(),
 * which fills a table of function pointers (struct pd_ifc below: its member
 * order is packetdrill's ABI). Every member runs under one mutex:
 *
 *  - Time is virtual. gettimeofday() reads the clock and moves it on by one
 *    microsecond (packetdrill spins on it before an event, on either of its
 *    threads), except the first read by a thread whose blocking call just
 *    returned, which stamps that return. usleep() moves it to each timer event of the worker
 *    in turn, polling the worker there, then to the end of the sleep. No
 *    call ever sleeps for real.
 *  - netdev_send() adds an Ethernet header and injects the IP packet;
 *    every frame the stack sends is taken after each poll, stamped with the
 *    virtual time and queued; ARP requests and Neighbor Solicitations are
 *    answered here, and neither ARP nor Neighbor Discovery reaches
 *    packetdrill. netdev_receive() hands out the queue, and when
 *    it is empty jumps to the worker's next timer event; when there is none
 *    within the wait limit it returns a packet that does not parse, which
 *    ends the script with an error instead of spinning.
 *  - Sockets are non-blocking in Tern. A call packetdrill makes blocking
 *    (a script line with a time range) runs on its second thread: that
 *    thread retries after each poll of the main thread, which waits for the
 *    retry (and for the thread to read the clock once done) before moving
 *    time on, so a blocking call completes at the virtual time it would
 *    have on a real stack, every run. A blocking call on the main thread
 *    moves time on itself.
 *  - Descriptors are the adapter's (3, 4, ... lowest free first, as POSIX),
 *    mapped to Tern's.
 *
 * --so_flags is a comma-separated list of key=value: any [tcp] key of
 * struct tern_config by its config-file name (rcvbuf=..., delack_ms=...),
 * local_ip=A.B.C.D (the stack's address, default 192.168.0.1, netmask
 * 255.255.0.0, the peer behind a gateway at .0.2), local_ip=IPV6 with
 * gateway_ip=IPV6 (IPv6 on as well: the address in a /48, as packetdrill's
 * --ip_version=ipv6 has it, the peer behind that gateway), mtu=N (the
 * device's, default 1500; packetdrill's IPv6 runs use 1520, so that the MSS
 * is 1460 in both families), wait_s=N (how far netdev_receive may move time
 * waiting for a packet, default 600) and verbose=1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "eal_rundir.h"
#include "tern.h"
#include "tern_config.h"
#include "tern_sim.h"
#include "tern_sock.h"

/* ------------------------------------------------------------------------ */
/* packetdrill's interface: members in packetdrill's order (the ABI)        */
/* ------------------------------------------------------------------------ */

struct pd_ifc {
	void *userdata;
	void (*free)(void *ud);
	int (*socket)(void *ud, int domain, int type, int protocol);
	int (*bind)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
	int (*listen)(void *ud, int fd, int backlog);
	int (*accept)(void *ud, int fd, struct sockaddr *addr, socklen_t *len);
	int (*connect)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*read)(void *ud, int fd, void *buf, size_t count);
	ssize_t (*readv)(void *ud, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(void *ud, int fd, void *buf, size_t len, int flags);
	ssize_t (*recvfrom)(void *ud, int fd, void *buf, size_t len, int flags,
			struct sockaddr *addr, socklen_t *alen);
	ssize_t (*recvmsg)(void *ud, int fd, struct msghdr *msg, int flags);
	ssize_t (*write)(void *ud, int fd, const void *buf, size_t count);
	ssize_t (*writev)(void *ud, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*send)(void *ud, int fd, const void *buf, size_t len, int flags);
	ssize_t (*sendto)(void *ud, int fd, const void *buf, size_t len, int flags,
			const struct sockaddr *addr, socklen_t alen);
	ssize_t (*sendmsg)(void *ud, int fd, const struct msghdr *msg, int flags);
	int (*fcntl)(void *ud, int fd, int cmd, ...);
	int (*ioctl)(void *ud, int fd, unsigned long request, ...);
	int (*close)(void *ud, int fd);
	int (*shutdown)(void *ud, int fd, int how);
	int (*getsockopt)(void *ud, int fd, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(void *ud, int fd, int level, int name, const void *val,
			socklen_t len);
	int (*poll)(void *ud, struct pollfd *fds, nfds_t nfds, int timeout);
	int (*netdev_send)(void *ud, const void *buf, size_t count);
	int (*netdev_receive)(void *ud, void *buf, size_t *count, long long *time_usecs);
	int (*usleep)(void *ud, useconds_t usec);
	int (*gettimeofday)(void *ud, struct timeval *tv, struct timezone *tz);
	int (*epoll_create)(void *ud, int size);
	int (*epoll_ctl)(void *ud, int epfd, int op, int fd, struct epoll_event *ev);
	int (*epoll_wait)(void *ud, int epfd, struct epoll_event *evs, int max, int timeout);
	int (*pipe)(void *ud, int pipefd[2]);
	int (*splice)(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
			size_t len, unsigned int flags);
};

/* ------------------------------------------------------------------------ */
/* state                                                                    */
/* ------------------------------------------------------------------------ */

#define PD_FD_BASE   3          /**< first descriptor handed out (after stdio) */
#define PD_FDS       256
#define PD_QUEUE     4096       /**< sent frames held for netdev_receive */
#define PD_FRAME     2048       /**< largest frame the stack sends (MTU 1500) */
#define PD_IN_MAX    65535      /**< largest IP packet packetdrill injects */
#define PD_NEVER     UINT64_MAX
#define PD_SYNC_S    2          /**< real seconds the main thread waits for the other */
#define PD_IP6_PREFIX_LEN 48    /**< packetdrill's IPv6 local prefix (its config.c) */
#define PD_DAD_US    1100000    /**< past the stack's DAD wait for its address (1 s) */

static const struct rte_ether_addr pd_our_mac = { .addr_bytes = { 2, 0, 0, 0, 0, 2 } };
static const struct rte_ether_addr pd_gw_mac = { .addr_bytes = { 2, 0, 0, 0, 0, 1 } };

struct pd_fd {
	int tfd;                /**< Tern's descriptor; -1: free */
	bool nonblock;          /**< O_NONBLOCK: never wait */
};

struct pd_frame {
	uint64_t t;             /**< virtual send time, us */
	uint32_t len;           /**< IP bytes */
	uint8_t b[PD_FRAME];
};

struct pd {
	pthread_mutex_t mu;
	pthread_cond_t moved;   /**< the main thread polled: a waiter retries */
	pthread_cond_t acked;   /**< a waiter retried, or read the clock after its call */
	pthread_t main_tid;     /**< packetdrill's main thread: the one that drives time */
	uint64_t gen;           /**< polls so far */
	bool waiting;           /**< a blocked call is in progress */
	uint64_t waiter_gen;    /**< the poll the waiter last retried after */
	bool stamp_pending;     /**< a blocked call returned; its thread has not read the clock */

	struct tern_config cfg;
	struct tern_netdev *dev;
	struct tern_stack *stack;
	struct tern_worker *w;
	struct tern_sock_ctx *x;
	struct rte_mempool *pool;
	rte_be32_t gw_ip;
	uint8_t gw_ip6[16];     /**< IPv6 gateway (gateway_ip=), with an IPv6 local_ip */
	uint16_t mtu;           /**< the sim device's MTU (mtu=, default 1500) */
	uint64_t now;           /**< virtual clock, us */
	uint64_t wait_us;       /**< netdev_receive's limit */
	bool verbose;

	struct pd_fd fds[PD_FDS];
	struct pd_frame *q;     /**< ring of PD_QUEUE sent frames */
	uint32_t q_head, q_len;
	uint64_t q_dropped;
};

static bool pd_eal_started;

/* ------------------------------------------------------------------------ */
/* the stack, its clock and its frames                                      */
/* ------------------------------------------------------------------------ */

static bool
pd_is_main(const struct pd *pd)
{
	return pthread_equal(pthread_self(), pd->main_tid) != 0;
}

/* Put a raw frame on the device's receive side, in a chain of mbufs when
 * it is longer than one (packetdrill may inject segments above the MTU,
 * as GRO would hand them to a kernel). */
static int
pd_inject_frame(struct pd *pd, const void *frame, size_t len)
{
	const uint8_t *src = frame;
	struct rte_mbuf *head = NULL;
	size_t done = 0;

	while (done < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pd->pool);
		uint16_t n = m == NULL ? 0 :
			(uint16_t)RTE_MIN(len - done, (size_t)rte_pktmbuf_tailroom(m));
		void *d = m != NULL ? rte_pktmbuf_append(m, n) : NULL;

		if (d == NULL || (head != NULL && rte_pktmbuf_chain(head, m) != 0)) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return -ENOMEM;
		}
		memcpy(d, src + done, n);
		if (head == NULL)
			head = m;
		done += n;
	}
	return head == NULL ? -EINVAL : tern_sim_inject(pd->dev, 0, head);
}

/* An ARP frame from the peer's side (the gateway's MAC answers for every
 * address but ours, as a router would). */
static void
pd_arp(struct pd *pd, uint16_t op, rte_be32_t spa, const struct rte_ether_addr *tha,
		rte_be32_t tpa)
{
	uint8_t f[RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr)];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	memset(f, 0, sizeof(f));
	eh->dst_addr = op == RTE_ARP_OP_REQUEST ? (struct rte_ether_addr){
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } } : *tha;
	eh->src_addr = pd_gw_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = pd_gw_mac;
	ah->arp_data.arp_sip = spa;
	ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = tpa;
	pd_inject_frame(pd, f, sizeof(f));
}

/* Neighbor Discovery (RFC 4861 §4.3, §4.4) as the gateway's side speaks it:
 * ICMPv6 types, the Advertisement's flags, the link-layer address options. */
#define PD_ND_RS       133
#define PD_ND_REDIRECT 137
#define PD_ND_NS       135
#define PD_ND_NA       136
#define PD_NA_ROUTER   0x80
#define PD_NA_SOLICITED 0x40
#define PD_NA_OVERRIDE 0x20
#define PD_OPT_SLLA    1
#define PD_OPT_TLLA    2
#define PD_ND_LEN      32      /* NS or NA: 8 + target 16 + one address option 8 */

/* Inject an NS (to us) or NA (to @dst_mac, @dst) from the gateway's MAC for
 * @target, with its link-layer address option, as packet from @src. */
static void
pd_nd_send(struct pd *pd, uint8_t type, const uint8_t *src, const uint8_t *dst,
		const struct rte_ether_addr *dst_mac, const uint8_t *target)
{
	uint8_t f[RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + PD_ND_LEN];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint16_t sum;

	memset(f, 0, sizeof(f));
	eh->dst_addr = *dst_mac;
	eh->src_addr = pd_gw_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(PD_ND_LEN);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;           /* §7.1: ND is link-local only */
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	icmp[0] = type;
	if (type == PD_ND_NA)
		icmp[4] = PD_NA_ROUTER | PD_NA_SOLICITED | PD_NA_OVERRIDE;
	memcpy(icmp + 8, target, 16);
	icmp[24] = type == PD_ND_NA ? PD_OPT_TLLA : PD_OPT_SLLA;
	icmp[25] = 1;                   /* in units of 8 bytes */
	memcpy(icmp + 26, &pd_gw_mac, RTE_ETHER_ADDR_LEN);
	sum = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &sum, sizeof(sum));
	pd_inject_frame(pd, f, sizeof(f));
}

/*
 * An IPv6 packet the stack sent (@len bytes after @eh): Neighbor Discovery
 * and MLD stay here, as ARP does. A solicitation for any address but ours is
 * answered from the gateway's MAC (a router that answers for every remote
 * address); its DAD probes and the rest go nowhere. @return true if taken.
 */
static bool
pd_nd_take(struct pd *pd, const struct rte_ether_hdr *eh, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eh + 1);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);

	static const uint8_t all_mld_routers[16] = { 0xff, 0x02, [15] = 0x16 };

	/* MLD reports (RFC 3810, to ff02::16 behind a Hop-by-Hop header) go nowhere */
	if (len >= sizeof(*ip) && memcmp(ip->dst_addr, all_mld_routers, 16) == 0)
		return true;
	if (len < sizeof(*ip) + 24 || ip->proto != IPPROTO_ICMPV6 ||
			icmp[0] < PD_ND_RS || icmp[0] > PD_ND_REDIRECT)
		return false;
	if (icmp[0] == PD_ND_NS && memcmp(icmp + 8, pd->cfg.ip6_addr, 16) != 0 &&
			memcmp(ip->src_addr, (const uint8_t[16]){ 0 }, 16) != 0)
		pd_nd_send(pd, PD_ND_NA, icmp + 8, ip->src_addr, &eh->src_addr, icmp + 8);
	return true;
}

/* One frame the stack sent: ARP and ND answered or dropped, IP queued. */
static void
pd_take(struct pd *pd, struct rte_mbuf *m)
{
	uint8_t b[PD_FRAME];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *d;
	const struct rte_ether_hdr *eh;

	if (len > sizeof(b))
		len = sizeof(b);
	d = rte_pktmbuf_read(m, 0, len, b);
	if (d == NULL || len < RTE_ETHER_HDR_LEN)
		return;
	eh = (const struct rte_ether_hdr *)d;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);

		if (len >= RTE_ETHER_HDR_LEN + sizeof(*ah) &&
				ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
				ah->arp_data.arp_tip != pd->cfg.ip_addr)
			pd_arp(pd, RTE_ARP_OP_REPLY, ah->arp_data.arp_tip,
					&ah->arp_data.arp_sha, ah->arp_data.arp_sip);
		return;
	}
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
			pd_nd_take(pd, eh, len - RTE_ETHER_HDR_LEN))
		return;
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
			eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return;
	if (pd->q_len == PD_QUEUE) {
		pd->q_head = (pd->q_head + 1) % PD_QUEUE;
		pd->q_len--;
		pd->q_dropped++;
	}
	struct pd_frame *f = &pd->q[(pd->q_head + pd->q_len++) % PD_QUEUE];

	f->t = pd->now;
	f->len = len - RTE_ETHER_HDR_LEN;
	memcpy(f->b, d + RTE_ETHER_HDR_LEN, f->len);
}

/*
 * The main thread, after a poll: let a blocked call on the other thread
 * retry, and once it has returned, read the clock, before time moves on.
 * Bounded in real time, so that a wrong script cannot hang the run.
 */
static void
pd_sync(struct pd *pd)
{
	struct timespec end;

	if (!pd_is_main(pd))
		return;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += PD_SYNC_S;
	while ((pd->waiting && pd->waiter_gen != pd->gen) || pd->stamp_pending)
		if (pthread_cond_timedwait(&pd->acked, &pd->mu, &end) == ETIMEDOUT)
			break;
}

/* Poll the worker at the current virtual time and take what it sent. */
static void
pd_poll(struct pd *pd)
{
	struct rte_mbuf *m;

	tern_worker_poll(pd->w, pd->now);
	while (tern_sim_take_tx(pd->dev, 0, &m, 1) == 1) {
		pd_take(pd, m);
		rte_pktmbuf_free(m);
	}
	/* ARP answers injected by pd_take() are read at the next poll; no
	 * TCP segment waits on them (the gateway was learnt at start) */
	pd->gen++;
	pthread_cond_broadcast(&pd->moved);
	pd_sync(pd);
}

/* The worker's next timer event, never earlier than now + 1. */
static uint64_t
pd_next_event(const struct pd *pd)
{
	uint64_t t = tern_worker_next_event(pd->w);

	return t <= pd->now ? pd->now + 1 : t;
}

/* Move the clock to @p t, polling at every timer event on the way. */
static void
pd_advance_to(struct pd *pd, uint64_t t)
{
	uint64_t next;

	while ((next = pd_next_event(pd)) <= t) {
		pd->now = next;
		pd_poll(pd);
	}
	if (t > pd->now) {
		pd->now = t;
		pd_poll(pd);
	}
}

/* ------------------------------------------------------------------------ */
/* blocking                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * A call found nothing to do (EAGAIN or not ready) and may block until
 * virtual time @p deadline (PD_NEVER: none). @return true to try again,
 * false when the deadline has passed or nothing can ever change.
 */
static bool
pd_wait(struct pd *pd, uint64_t deadline)
{
	if (pd->now >= deadline)
		return false;
	if (pd_is_main(pd)) {
		/* nobody else moves time: move it to the next event */
		uint64_t next = pd_next_event(pd);
		uint64_t limit = pd->now + pd->wait_us;

		if (next > limit && deadline > limit)
			return false;
		pd_advance_to(pd, next < deadline ? next : deadline);
		return true;
	}
	pd->waiting = true;
	pd->waiter_gen = pd->gen;
	pthread_cond_broadcast(&pd->acked);
	while (pd->gen == pd->waiter_gen)
		pthread_cond_wait(&pd->moved, &pd->mu);
	return true;
}

/* A blocking call is over (with whatever result). */
static void
pd_block_done(struct pd *pd, bool waited)
{
	if (!pd_is_main(pd) && waited) {
		pd->waiting = false;
		pd->stamp_pending = true;
		pthread_cond_broadcast(&pd->acked);
	}
}

/* ------------------------------------------------------------------------ */
/* descriptors                                                              */
/* ------------------------------------------------------------------------ */

static struct pd_fd *
pd_fd(struct pd *pd, int fd)
{
	if (fd < PD_FD_BASE || fd >= PD_FD_BASE + PD_FDS || pd->fds[fd - PD_FD_BASE].tfd < 0) {
		errno = EBADF;
		return NULL;
	}
	return &pd->fds[fd - PD_FD_BASE];
}

/* Tern's descriptor for @p fd, or -1 (EBADF). */
static int
pd_tfd(struct pd *pd, int fd)
{
	struct pd_fd *f = pd_fd(pd, fd);

	return f == NULL ? -1 : f->tfd;
}

/* Give Tern's descriptor @p tfd (>= 0) the lowest free one of ours. */
static int
pd_fd_new(struct pd *pd, int tfd, bool nonblock)
{
	if (tfd < 0)
		return -1;
	for (int i = 0; i < PD_FDS; i++)
		if (pd->fds[i].tfd < 0) {
			pd->fds[i].tfd = tfd;
			pd->fds[i].nonblock = nonblock;
			return i + PD_FD_BASE;
		}
	tern_sock_close(pd->x, tfd);
	errno = EMFILE;
	return -1;
}

#define PD_ENTER(ud) struct pd *pd = (ud); pthread_mutex_lock(&pd->mu)
/* leave after a socket call: flush what it queued at the current time */
#define PD_LEAVE(ret) do { \
		int pd_errno_ = errno; \
		pd_poll(pd); \
		pthread_mutex_unlock(&pd->mu); \
		errno = pd_errno_; \
		return (ret); \
	} while (0)

/* ------------------------------------------------------------------------ */
/* socket calls                                                             */
/* ------------------------------------------------------------------------ */

static int
pd_socket(void *ud, int domain, int type, int protocol)
{
	PD_ENTER(ud);
	int r = pd_fd_new(pd, tern_socket(pd->x, domain, type, protocol),
			(type & SOCK_NONBLOCK) != 0);

	PD_LEAVE(r);
}

static int
pd_bind(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = t < 0 ? -1 : tern_sock_bind(pd->x, t, addr, len);

	PD_LEAVE(r);
}

static int
pd_listen(void *ud, int fd, int backlog)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = t < 0 ? -1 : tern_sock_listen(pd->x, t, backlog);

	PD_LEAVE(r);
}

static int
pd_accept(void *ud, int fd, struct sockaddr *addr, socklen_t *len)
{
	PD_ENTER(ud);
	struct pd_fd *f = pd_fd(pd, fd);
	bool waited = false;
	int r = -1;

	while (f != NULL) {
		r = tern_sock_accept(pd->x, f->tfd, addr, len);
		if (r >= 0 || errno != EAGAIN || f->nonblock || !pd_wait(pd, PD_NEVER))
			break;
		waited = true;
	}
	if (r >= 0)
		r = pd_fd_new(pd, r, false);
	pd_block_done(pd, waited);
	PD_LEAVE(r);
}

/* The pending error of Tern socket @p t (SO_ERROR). */
static int
pd_so_error(struct pd *pd, int t)
{
	int err = 0;
	socklen_t l = sizeof(err);

	tern_sock_getsockopt(pd->x, t, SOL_SOCKET, SO_ERROR, &err, &l);
	return err;
}

static int
pd_connect(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
	PD_ENTER(ud);
	struct pd_fd *f = pd_fd(pd, fd);
	bool waited = false;
	int r = -1;

	if (f != NULL) {
		r = tern_sock_connect(pd->x, f->tfd, addr, len);
		if (r < 0 && errno == EINPROGRESS && !f->nonblock) {
			/* blocking connect: until writable or failed */
			pd_poll(pd);
			for (;;) {
				struct pollfd p = { .fd = f->tfd, .events = POLLOUT };

				if (tern_sock_poll(pd->x, &p, 1, 0) > 0) {
					int err = pd_so_error(pd, f->tfd);

					r = err == 0 ? 0 : -1;
					errno = err;
					break;
				}
				if (!pd_wait(pd, PD_NEVER)) {
					errno = ETIMEDOUT;
					break;
				}
				waited = true;
			}
		}
	}
	pd_block_done(pd, waited);
	PD_LEAVE(r);
}

/* readv with blocking semantics: wait while nothing is there. */
static ssize_t
pd_do_readv(struct pd *pd, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	struct pd_fd *f = pd_fd(pd, fd);
	bool waited = false;
	ssize_t r = -1;

	while (f != NULL) {
		if (iovcnt == 1 || flags != 0) {
			size_t len = iovcnt > 0 ? iov[0].iov_len : 0;

			r = tern_sock_recv(pd->x, f->tfd, iovcnt > 0 ? iov[0].iov_base : NULL,
					len, flags & ~MSG_DONTWAIT);
		} else {
			r = tern_sock_readv(pd->x, f->tfd, iov, iovcnt);
		}
		if (r >= 0 || errno != EAGAIN || f->nonblock || (flags & MSG_DONTWAIT) ||
				!pd_wait(pd, PD_NEVER))
			break;
		waited = true;
	}
	pd_block_done(pd, waited);
	return r;
}

static ssize_t
pd_read(void *ud, int fd, void *buf, size_t count)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = buf, .iov_len = count };
	ssize_t r = pd_do_readv(pd, fd, &v, 1, 0);

	PD_LEAVE(r);
}

static ssize_t
pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	PD_ENTER(ud);
	ssize_t r = pd_do_readv(pd, fd, iov, iovcnt, 0);

	PD_LEAVE(r);
}

static ssize_t
pd_recv(void *ud, int fd, void *buf, size_t len, int flags)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = buf, .iov_len = len };
	ssize_t r = pd_do_readv(pd, fd, &v, 1, flags);

	PD_LEAVE(r);
}

/* The peer's address into @p addr, as recvfrom/recvmsg report it. */
static void
pd_peer(struct pd *pd, int fd, struct sockaddr *addr, socklen_t *alen)
{
	int t = pd_tfd(pd, fd);

	if (addr != NULL && alen != NULL && t >= 0)
		tern_sock_getpeername(pd->x, t, addr, alen);
}

static ssize_t
pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
		socklen_t *alen)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = buf, .iov_len = len };
	ssize_t r = pd_do_readv(pd, fd, &v, 1, flags);

	if (r >= 0)
		pd_peer(pd, fd, addr, alen);
	PD_LEAVE(r);
}

static ssize_t
pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
	PD_ENTER(ud);
	ssize_t r = -1;

	if (msg->msg_controllen != 0 && msg->msg_control != NULL) {
		errno = EOPNOTSUPP;   /* no ancillary data in Tern */
	} else {
		r = pd_do_readv(pd, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
		msg->msg_flags = 0;
		if (r >= 0)
			pd_peer(pd, fd, msg->msg_name, &msg->msg_namelen);
	}
	PD_LEAVE(r);
}

/* writev with blocking semantics: a blocking socket takes everything. */
static ssize_t
pd_do_writev(struct pd *pd, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	struct pd_fd *f = pd_fd(pd, fd);
	bool waited = false;
	size_t done = 0, total = 0;
	ssize_t r = -1;

	if (f == NULL)
		return -1;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	for (;;) {
		struct iovec rest[64];
		int n = 0;
		size_t skip = done;

		/* the part of iov not written yet */
		for (int i = 0; i < iovcnt && n < 64; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			rest[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
			rest[n].iov_len = iov[i].iov_len - skip;
			skip = 0;
			n++;
		}
		r = tern_sock_sendmsg(pd->x, f->tfd, &(struct msghdr){ .msg_iov = rest,
				.msg_iovlen = (size_t)n }, flags & ~MSG_DONTWAIT);
		if (r > 0)
			done += (size_t)r;
		if (r >= 0 && done == total)
			break;
		if (r < 0 && errno != EAGAIN)
			break;
		if (f->nonblock || (flags & MSG_DONTWAIT) || !pd_wait(pd, PD_NEVER)) {
			if (done != 0)
				r = 0;  /* a partial write is a success */
			else
				errno = EAGAIN;
			break;
		}
		waited = true;
		pd_poll(pd);
	}
	pd_block_done(pd, waited);
	if (r >= 0)
		return (ssize_t)done;
	return r;
}

static ssize_t
pd_write(void *ud, int fd, const void *buf, size_t count)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = count };
	ssize_t r = pd_do_writev(pd, fd, &v, 1, 0);

	PD_LEAVE(r);
}

static ssize_t
pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	PD_ENTER(ud);
	ssize_t r = pd_do_writev(pd, fd, iov, iovcnt, 0);

	PD_LEAVE(r);
}

static ssize_t
pd_send(void *ud, int fd, const void *buf, size_t len, int flags)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	ssize_t r = pd_do_writev(pd, fd, &v, 1, flags);

	PD_LEAVE(r);
}

static ssize_t
pd_sendto(void *ud, int fd, const void *buf, size_t len, int flags,
		const struct sockaddr *addr, socklen_t alen)
{
	PD_ENTER(ud);
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	ssize_t r = -1;

	if (addr != NULL || alen != 0)
		errno = EISCONN;  /* a TCP socket takes no destination */
	else
		r = pd_do_writev(pd, fd, &v, 1, flags);
	PD_LEAVE(r);
}

static ssize_t
pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
	PD_ENTER(ud);
	ssize_t r = -1;

	if (msg->msg_controllen != 0 && msg->msg_control != NULL)
		errno = EOPNOTSUPP;
	else
		r = pd_do_writev(pd, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
	PD_LEAVE(r);
}

static int
pd_fcntl(void *ud, int fd, int cmd, ...)
{
	PD_ENTER(ud);
	struct pd_fd *f = pd_fd(pd, fd);
	int r = -1;
	va_list ap;

	va_start(ap, cmd);
	if (f != NULL) {
		switch (cmd) {
		case F_GETFL:
			r = O_RDWR | (f->nonblock ? O_NONBLOCK : 0);
			break;
		case F_SETFL:
			f->nonblock = (va_arg(ap, int) & O_NONBLOCK) != 0;
			r = 0;
			break;
		default:
			errno = EINVAL;
		}
	}
	va_end(ap);
	PD_LEAVE(r);
}

/* Bytes waiting to be read on Tern socket @p t (SIOCINQ), by peeking. */
static int
pd_inq(struct pd *pd, int t)
{
	int rcvbuf = 0;
	socklen_t l = sizeof(rcvbuf);
	ssize_t n;
	void *buf;

	if (tern_sock_getsockopt(pd->x, t, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &l) != 0)
		return -1;
	buf = malloc((size_t)rcvbuf + 1);
	if (buf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	n = tern_sock_recv(pd->x, t, buf, (size_t)rcvbuf + 1, MSG_PEEK);
	free(buf);
	if (n < 0 && (errno == EAGAIN || errno == ENOTCONN))
		n = 0;
	return (int)n;
}

static int
pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = -1;
	va_list ap;

	va_start(ap, request);
	if (t >= 0 && request == SIOCINQ) {
		int *out = va_arg(ap, int *);
		int n = pd_inq(pd, t);

		if (n >= 0) {
			*out = n;
			r = 0;
		}
	} else if (t >= 0) {
		errno = ENOTTY;   /* no other ioctl on Tern sockets */
	}
	va_end(ap);
	PD_LEAVE(r);
}

static int
pd_close(void *ud, int fd)
{
	PD_ENTER(ud);
	struct pd_fd *f = pd_fd(pd, fd);
	int r = -1;

	if (f != NULL) {
		r = tern_sock_close(pd->x, f->tfd);
		f->tfd = -1;
	}
	PD_LEAVE(r);
}

static int
pd_shutdown(void *ud, int fd, int how)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = t < 0 ? -1 : tern_sock_shutdown(pd->x, t, how);

	PD_LEAVE(r);
}

static int
pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = t < 0 ? -1 : tern_sock_getsockopt(pd->x, t, level, name, val, len);

	PD_LEAVE(r);
}

static int
pd_setsockopt(void *ud, int fd, int level, int name, const void *val, socklen_t len)
{
	PD_ENTER(ud);
	int t = pd_tfd(pd, fd);
	int r = t < 0 ? -1 : tern_sock_setsockopt(pd->x, t, level, name, val, len);

	PD_LEAVE(r);
}

/* The virtual deadline of a timeout in ms (negative: none). */
static uint64_t
pd_deadline(const struct pd *pd, int timeout_ms)
{
	return timeout_ms < 0 ? PD_NEVER : pd->now + (uint64_t)timeout_ms * 1000;
}

static int
pd_poll_fds(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
	PD_ENTER(ud);
	uint64_t deadline = pd_deadline(pd, timeout);
	struct pollfd *t = calloc(nfds ? nfds : 1, sizeof(*t));
	bool waited = false;
	int r = -1;

	if (t == NULL) {
		errno = ENOMEM;
		PD_LEAVE(-1);
	}
	for (nfds_t i = 0; i < nfds; i++) {
		t[i] = fds[i];
		t[i].fd = fds[i].fd < 0 ? -1 : pd_tfd(pd, fds[i].fd);
		if (fds[i].fd >= 0 && t[i].fd < 0)
			t[i].fd = INT32_MAX;  /* not ours: POLLNVAL */
	}
	for (;;) {
		r = tern_sock_poll(pd->x, t, nfds, 0);
		if (r != 0 || !pd_wait(pd, deadline))
			break;
		waited = true;
	}
	for (nfds_t i = 0; i < nfds; i++)
		fds[i].revents = t[i].revents;
	free(t);
	pd_block_done(pd, waited);
	PD_LEAVE(r);
}

static int
pd_epoll_create(void *ud, int size)
{
	PD_ENTER(ud);
	int r = -1;

	if (size <= 0)
		errno = EINVAL;
	else
		r = pd_fd_new(pd, tern_epoll_create(pd->x, 0), false);
	PD_LEAVE(r);
}

static int
pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *ev)
{
	PD_ENTER(ud);
	int te = pd_tfd(pd, epfd), t = pd_tfd(pd, fd);
	int r = te < 0 || t < 0 ? -1 : tern_epoll_ctl(pd->x, te, op, t, ev);

	PD_LEAVE(r);
}

static int
pd_epoll_wait(void *ud, int epfd, struct epoll_event *evs, int max, int timeout)
{
	PD_ENTER(ud);
	uint64_t deadline = pd_deadline(pd, timeout);
	int te = pd_tfd(pd, epfd);
	bool waited = false;
	int r = -1;

	while (te >= 0) {
		r = tern_epoll_wait(pd->x, te, evs, max, 0);
		if (r != 0 || !pd_wait(pd, deadline))
			break;
		waited = true;
	}
	pd_block_done(pd, waited);
	PD_LEAVE(r);
}

static int
pd_pipe(void *ud, int pipefd[2])
{
	(void)ud;
	(void)pipefd;
	errno = ENOSYS;
	return -1;
}

static int
pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
		unsigned int flags)
{
	(void)ud, (void)fd_in, (void)off_in, (void)fd_out, (void)off_out, (void)len;
	(void)flags;
	errno = ENOSYS;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* the wire and the clock                                                   */
/* ------------------------------------------------------------------------ */

static int
pd_netdev_send(void *ud, const void *buf, size_t count)
{
	PD_ENTER(ud);
	uint8_t f[RTE_ETHER_HDR_LEN + PD_IN_MAX];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	unsigned int version = count == 0 ? 0 : ((const uint8_t *)buf)[0] >> 4;
	int r = -1;

	if (count > PD_IN_MAX || (version != 4 && version != 6)) {
		errno = EINVAL;
		PD_LEAVE(-1);
	}
	/* an IPv6 packet goes in as a tun device would take it, IPv6 on or
	 * not: packetdrill's ipv4-mapped-ipv6 runs end a client socket's
	 * connection with an IPv6 RST between mapped addresses, which the
	 * stack drops (Linux too) */
	eh->dst_addr = pd_our_mac;
	eh->src_addr = pd_gw_mac;
	eh->ether_type = rte_cpu_to_be_16(version == 4 ? RTE_ETHER_TYPE_IPV4 :
			RTE_ETHER_TYPE_IPV6);
	memcpy(f + RTE_ETHER_HDR_LEN, buf, count);
	if (pd_inject_frame(pd, f, RTE_ETHER_HDR_LEN + count) == 0)
		r = 0;
	else
		errno = ENOBUFS;
	PD_LEAVE(r);
}

static int
pd_netdev_receive(void *ud, void *buf, size_t *count, long long *time_usecs)
{
	PD_ENTER(ud);
	uint64_t limit = pd->now + pd->wait_us;

	pd_poll(pd);
	while (pd->q_len == 0) {
		uint64_t next = pd_next_event(pd);

		if (next > limit) {
			/* nothing will come: end the wait with a packet that does
			 * not parse (IP version 0), which fails the script */
			fprintf(stderr, "tern-pd: no packet from the stack within %" PRIu64
					" s of virtual time\n", pd->wait_us / 1000000);
			memset(buf, 0, *count < 20 ? *count : 20);
			*count = *count < 20 ? *count : 20;
			*time_usecs = (long long)pd->now;
			pthread_mutex_unlock(&pd->mu);
			return 0;
		}
		pd->now = next;
		pd_poll(pd);
	}
	struct pd_frame *f = &pd->q[pd->q_head];

	pd->q_head = (pd->q_head + 1) % PD_QUEUE;
	pd->q_len--;
	if (f->len < *count)
		*count = f->len;
	memcpy(buf, f->b, *count);
	*time_usecs = (long long)f->t;
	pthread_mutex_unlock(&pd->mu);
	return 0;
}

static int
pd_usleep(void *ud, useconds_t usec)
{
	PD_ENTER(ud);
	pd_advance_to(pd, pd->now + usec);
	pthread_mutex_unlock(&pd->mu);
	return 0;
}

static int
pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
	PD_ENTER(ud);
	(void)tz;
	if (!pd_is_main(pd) && pd->stamp_pending) {
		/* the end of a blocking call: the time it returned */
		pd->stamp_pending = false;
		pthread_cond_broadcast(&pd->acked);
	} else {
		/* packetdrill spins on the clock before an event: let it move */
		pd->now++;
		if (tern_worker_next_event(pd->w) <= pd->now)
			pd_poll(pd);
	}
	tv->tv_sec = (time_t)(pd->now / 1000000);
	tv->tv_usec = (suseconds_t)(pd->now % 1000000);
	pthread_mutex_unlock(&pd->mu);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* set-up                                                                   */
/* ------------------------------------------------------------------------ */

/* [tcp] keys --so_flags may set, by their config-file names. */
static const struct {
	const char *name;
	size_t off;
} pd_keys[] = {
#define K(n, f) { n, offsetof(struct tern_config, f) }
	K("max_conns", tcp_max_conns), K("max_time_wait", tcp_max_time_wait),
	K("syn_backlog", tcp_syn_backlog), K("sndbuf", tcp_sndbuf),
	K("rcvbuf", tcp_rcvbuf), K("mss", tcp_mss), K("time_wait_ms", tcp_time_wait_ms),
	K("fin_wait_2_s", tcp_fin_wait_2_s), K("delack_ms", tcp_delack_ms),
	K("rto_min_ms", tcp_rto_min_ms), K("rto_max_ms", tcp_rto_max_ms),
	K("retries", tcp_retries), K("syn_retries", tcp_syn_retries),
	K("keepalive", tcp_keepalive), K("keepidle_s", tcp_keepidle_s),
	K("keepintvl_s", tcp_keepintvl_s), K("keepcnt", tcp_keepcnt),
	K("timestamps", tcp_timestamps), K("window_scaling", tcp_window_scaling),
	K("sack", tcp_sack), K("challenge_ack_limit", tcp_challenge_ack_limit),
	K("cc", tcp_cc), K("syncookies", tcp_syncookies),
	K("port_min", tcp_port_min), K("port_max", tcp_port_max),
#undef K
};

/* Apply one key=value of --so_flags. @return 0 or -1 (message printed). */
static int
pd_flag(struct pd *pd, const char *key, const char *val)
{
	char *end;
	unsigned long v;

	if (strcmp(key, "local_ip") == 0 && strchr(val, ':') != NULL) {
		if (inet_pton(AF_INET6, val, pd->cfg.ip6_addr) != 1)
			goto bad;
		pd->cfg.ip6_enabled = 1;
		pd->cfg.ip6_prefix_len = PD_IP6_PREFIX_LEN;
		return 0;
	}
	if (strcmp(key, "local_ip") == 0) {
		struct in_addr a;

		if (inet_pton(AF_INET, val, &a) != 1)
			goto bad;
		pd->cfg.ip_addr = a.s_addr;
		return 0;
	}
	if (strcmp(key, "gateway_ip") == 0) {
		if (inet_pton(AF_INET6, val, pd->gw_ip6) != 1)
			goto bad;
		memcpy(pd->cfg.ip6_gateway, pd->gw_ip6, 16);
		return 0;
	}
	v = strtoul(val, &end, 0);
	if (*val == '\0' || *end != '\0')
		goto bad;
	if (strcmp(key, "wait_s") == 0) {
		pd->wait_us = (uint64_t)v * 1000000;
		return 0;
	}
	if (strcmp(key, "verbose") == 0) {
		pd->verbose = v != 0;
		return 0;
	}
	if (strcmp(key, "mtu") == 0) {
		if (v < RTE_ETHER_MIN_MTU || v > PD_FRAME - RTE_ETHER_HDR_LEN)
			goto bad;
		pd->mtu = (uint16_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(pd_keys) / sizeof(pd_keys[0]); i++)
		if (strcmp(key, pd_keys[i].name) == 0) {
			*(uint32_t *)((char *)&pd->cfg + pd_keys[i].off) = (uint32_t)v;
			return 0;
		}
bad:
	fprintf(stderr, "tern-pd: bad --so_flags entry %s=%s\n", key, val);
	return -1;
}

static int
pd_flags(struct pd *pd, const char *flags)
{
	char *copy = strdup(flags != NULL ? flags : ""), *save = NULL, *tok;
	int r = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL && r == 0;
			tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL) {
			fprintf(stderr, "tern-pd: --so_flags entry without '=': %s\n", tok);
			r = -1;
			break;
		}
		*eq = '\0';
		r = pd_flag(pd, tok, eq + 1);
	}
	free(copy);
	return r;
}

static void
pd_die(const char *what)
{
	fprintf(stderr, "tern-pd: %s: %s\n", what, rte_strerror(rte_errno));
	exit(EXIT_FAILURE);
}

/*
 * EAL parses its arguments with getopt_long, but under packetdrill's
 * RTLD_DEEPBIND it sees libc's own optind/optarg while libc's getopt works
 * on the executable's copies of them (copy relocations), so EAL would parse
 * nothing. This getopt_long, which EAL binds to first (our object heads the
 * deep-bound scope), carries the state across the two.
 */
int getopt_long(int argc, char *const argv[], const char *optstring,
		const struct option *longopts, int *longindex);

int
getopt_long(int argc, char *const argv[], const char *optstring,
		const struct option *longopts, int *longindex)
{
	typedef int (getopt_long_fn)(int, char *const[], const char *,
			const struct option *, int *);
	getopt_long_fn *real = (getopt_long_fn *)dlsym(RTLD_NEXT, "getopt_long");
	void *exe = dlopen(NULL, RTLD_NOW);   /* the executable's scope */
	int *x_optind = exe != NULL ? dlsym(exe, "optind") : NULL;
	char **x_optarg = exe != NULL ? dlsym(exe, "optarg") : NULL;
	int *x_optopt = exe != NULL ? dlsym(exe, "optopt") : NULL;
	int r;

	if (exe != NULL)
		dlclose(exe);
	if (real == NULL)
		return -1;
	if (x_optind != NULL)
		*x_optind = optind;
	r = real(argc, argv, optstring, longopts, longindex);
	if (x_optind != NULL)
		optind = *x_optind;
	if (x_optarg != NULL)
		optarg = *x_optarg;
	if (x_optopt != NULL)
		optopt = *x_optopt;
	return r;
}

static void
pd_eal(void)
{
	char prefix[64];
	char *argv[] = { "tern-pd", "--no-huge", "--no-pci", "-m", "64", "-l", "0",
		"--log-level", "*:error", "--no-telemetry", prefix, NULL };

	if (pd_eal_started)
		return;
	snprintf(prefix, sizeof(prefix), "--file-prefix=tern-pd-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		pd_die("EAL init");
	/* at exit, also when packetdrill dies on a failed script without
	 * calling free: a report over every upstream script left 150 */
	eal_rundir_remove_at_exit();
	pd_eal_started = true;
}

/* Remove EAL's runtime folder of this process (its files are ours). */
static void
pd_free(void *ud)
{
	struct pd *pd = ud;

	pthread_mutex_lock(&pd->mu);
	tern_sock_ctx_free(pd->x);
	tern_stack_free(pd->stack);
	rte_mempool_free(pd->pool);
	pthread_mutex_unlock(&pd->mu);
	if (pd->verbose && pd->q_dropped != 0)
		fprintf(stderr, "tern-pd: %" PRIu64 " sent frames dropped (queue full)\n",
				pd->q_dropped);
	free(pd->q);
	free(pd);
	rte_eal_cleanup();
	pd_eal_started = false;
}

/* Create the stack (cfg filled) and learn the gateway. */
static void
pd_stack_up(struct pd *pd)
{
	const struct rte_ether_addr zero = { .addr_bytes = { 0 } };
	struct tern_netdev *dev;
	char err[256];
	uint64_t t0;

	if (tern_config_validate(&pd->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "tern-pd: config: %s\n", err);
		exit(EXIT_FAILURE);
	}
	pd->pool = rte_pktmbuf_pool_create("pd_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			SOCKET_ID_ANY);
	if (pd->pool == NULL)
		pd_die("mbuf pool");
	dev = tern_sim_create("sim0", &pd_our_mac, pd->mtu, 1);
	if (dev == NULL)
		pd_die("sim device");
	pd->dev = dev;
	pd->stack = tern_stack_create(&pd->cfg, dev, 1);
	if (pd->stack == NULL)
		pd_die("stack");
	pd->w = tern_stack_worker(pd->stack, 0);
	pd->x = tern_sock_ctx_create(pd->w, 0);
	if (pd->x == NULL)
		pd_die("socket context");
	/* the wheels start at the real clock: virtual time starts at the
	 * next whole second after it */
	t0 = tern_clock_us();
	pd->now = (t0 / 1000000 + 1) * 1000000;
	pd_poll(pd);   /* gratuitous ARP, dropped */
	pd_arp(pd, RTE_ARP_OP_REQUEST, pd->gw_ip, &zero, pd->cfg.ip_addr);
	pd_poll(pd);   /* learns the gateway, replies (dropped) */
	pd_poll(pd);
	if (pd->cfg.ip6_enabled) {
		/* the address leaves DAD's tentative state (RFC 4862 §5.4),
		 * then a solicitation from the gateway teaches its MAC */
		pd_advance_to(pd, pd->now + PD_DAD_US);
		pd_nd_send(pd, PD_ND_NS, pd->gw_ip6, pd->cfg.ip6_addr, &pd_our_mac,
				pd->cfg.ip6_addr);
		pd_poll(pd);
		pd_poll(pd);
	}
}

void packetdrill_interface_init(const char *flags, struct pd_ifc *ifc);

void
packetdrill_interface_init(const char *flags, struct pd_ifc *ifc)
{
	struct pd *pd = calloc(1, sizeof(*pd));

	if (pd == NULL || (pd->q = calloc(PD_QUEUE, sizeof(*pd->q))) == NULL) {
		fprintf(stderr, "tern-pd: out of memory\n");
		exit(EXIT_FAILURE);
	}
	pthread_mutex_init(&pd->mu, NULL);
	pthread_cond_init(&pd->moved, NULL);
	pthread_cond_init(&pd->acked, NULL);
	pd->main_tid = pthread_self();
	for (int i = 0; i < PD_FDS; i++)
		pd->fds[i].tfd = -1;
	pd->wait_us = 600ull * 1000000;
	pd->mtu = 1500;

	tern_config_defaults(&pd->cfg);
	snprintf(pd->cfg.port_device, sizeof(pd->cfg.port_device), "sim0");
	pd->cfg.ip_addr = htonl(0xc0a80001);      /* 192.168.0.1 */
	pd->cfg.mbufs = 8192;
	pd->cfg.mbuf_cache = 32;
	pd->cfg.tcp_max_conns = 256;              /* a script opens a handful */
	pd->cfg.tcp_max_time_wait = 256;
	pd->cfg.arp_timeout_s = 86400;            /* no re-resolution in a script */
	if (pd_flags(pd, flags) != 0)
		exit(EXIT_FAILURE);
	pd->cfg.ip_netmask = htonl(0xffff0000);
	/* the peer is routed through a gateway at .0.2 of our /16 (.0.1 if
	 * that is ours) */
	pd->gw_ip = (pd->cfg.ip_addr & pd->cfg.ip_netmask) |
		htonl(ntohl(pd->cfg.ip_addr & ~pd->cfg.ip_netmask) == 2 ? 1 : 2);
	pd->cfg.ip_gateway = pd->gw_ip;
	if (pd->cfg.ip6_enabled && memcmp(pd->gw_ip6, (const uint8_t[16]){ 0 }, 16) == 0) {
		fprintf(stderr, "tern-pd: an IPv6 local_ip needs gateway_ip (the peer's router)\n");
		exit(EXIT_FAILURE);
	}
	pd_eal();
	pd_stack_up(pd);

	memset(ifc, 0, sizeof(*ifc));
	ifc->userdata = pd;
	ifc->free = pd_free;
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll_fds;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
}
