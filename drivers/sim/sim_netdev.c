/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/sim: the recording device. Each queue has two FIFOs of mbuf
 * pointers: rx (filled by the test, drained by rx_burst) and tx (filled by
 * tx_burst, drained by the test). Frames a link or tap delivers land on the
 * queue the device's spread mode picks (tern_sim_deliver).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "tern_sim.h"

#define SIM_TSO_SEGS_MAX 64     /**< segments of one TSO frame, as net_tap's */

struct sim_fifo {
	uint32_t head, tail;                   /**< free-running indices */
	struct rte_mbuf *m[TERN_SIM_FIFO];
};

struct sim_queue {
	struct sim_fifo rx;                    /**< to the stack */
	struct sim_fifo tx;                    /**< from the stack */
};

struct sim_netdev {
	struct tern_netdev base;               /**< must be first */
	uint16_t nb_queues;
	uint16_t nb_rx_used;                   /**< queues the stack configured */
	int32_t tx_room;                       /**< -1: unlimited */
	enum tern_sim_spread spread;           /**< where delivered frames land */
	uint64_t spread_rng;                   /**< TERN_SIM_SPREAD_RANDOM's PRNG */
	uint64_t tso_frames;                   /**< frames cut (TERN_NETDEV_TX_TCP_TSO) */
	uint64_t tso_errors;                   /**< frames no NIC could cut: dropped */
	uint64_t tso_nombuf;                   /**< frames not cut for want of mbufs: dropped */
	bool mc_filter;                        /**< tern_sim_set_mc_filter */
	uint32_t mc_n;                         /**< multicast MACs the stack listed */
	struct rte_ether_addr mc[TERN_SIM_MC_MAX];
	uint64_t mc_dropped;                   /**< multicast frames the filter refused */
	struct sim_queue q[];
};

static inline struct sim_netdev *
to_sim(struct tern_netdev *dev)
{
	return (struct sim_netdev *)dev;
}

static inline uint32_t
fifo_count(const struct sim_fifo *f)
{
	return f->tail - f->head;
}

static bool
fifo_put(struct sim_fifo *f, struct rte_mbuf *m)
{
	if (fifo_count(f) == TERN_SIM_FIFO)
		return false;
	f->m[f->tail++ % TERN_SIM_FIFO] = m;
	return true;
}

static struct rte_mbuf *
fifo_get(struct sim_fifo *f)
{
	if (fifo_count(f) == 0)
		return NULL;
	return f->m[f->head++ % TERN_SIM_FIFO];
}

static void
fifo_purge(struct sim_fifo *f)
{
	struct rte_mbuf *m;

	while ((m = fifo_get(f)) != NULL)
		rte_pktmbuf_free(m);
}

static int
sim_configure(struct tern_netdev *dev, uint16_t nb_queues,
		struct rte_mempool *const pools[] __rte_unused)
{
	struct sim_netdev *s = to_sim(dev);

	if (nb_queues == 0 || nb_queues > s->nb_queues)
		return -EINVAL;
	/* frames are spread over the queues someone polls, as a NIC's RSS */
	s->nb_rx_used = nb_queues;
	return 0;
}

static int
sim_start(struct tern_netdev *dev __rte_unused)
{
	return 0;
}

static void
sim_stop(struct tern_netdev *dev __rte_unused)
{
}

static void
sim_close(struct tern_netdev *dev)
{
	struct sim_netdev *s = to_sim(dev);

	for (uint16_t i = 0; i < s->nb_queues; i++) {
		fifo_purge(&s->q[i].rx);
		fifo_purge(&s->q[i].tx);
	}
	rte_free(s);
}

static uint16_t
sim_rx_burst(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_fifo *f = &to_sim(dev)->q[queue].rx;
	uint16_t i;

	for (i = 0; i < n; i++) {
		pkts[i] = fifo_get(f);
		if (pkts[i] == NULL)
			break;
	}
	return i;
}

/* Copy @n bytes of chain @m from @off to @dst. */
static void
sim_copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t n, uint8_t *dst)
{
	const void *p = rte_pktmbuf_read(m, off, n, dst);

	if (p != dst)
		memcpy(dst, p, n);
}

/*
 * One segment of TSO frame @m: its headers and @n payload bytes from @off,
 * in a flat mbuf of @m's pool, with the sequence number, IP ID and total
 * length of its place and both checksums computed; FIN and PSH only on the
 * @last. @return it, or NULL.
 */
static struct rte_mbuf *
sim_tso_segment(const struct rte_mbuf *m, uint32_t off, uint32_t n, uint16_t index, bool last)
{
	uint32_t hlen = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	struct rte_mbuf *seg = rte_pktmbuf_alloc(m->pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	if (seg == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(seg, (uint16_t)(hlen + n));
	if (p == NULL) {
		rte_pktmbuf_free(seg);
		return NULL;
	}
	sim_copy_out(m, 0, hlen, p);
	sim_copy_out(m, hlen + off, n, p + hlen);
	ip = (struct rte_ipv4_hdr *)(p + m->l2_len);
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(m->l3_len + m->l4_len + n));
	ip->packet_id = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->packet_id) + index));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + off);
	if (!last)
		th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return seg;
}

#define SIM_TSO_MALFORMED (-1)  /**< sim_tso_cut: no NIC could cut the frame */
#define SIM_TSO_NOMBUF    (-2)  /**< sim_tso_cut: the pool ran out midway */

/*
 * What a NIC with TSO sends for frame @m (RTE_MBUF_F_TX_TCP_SEG): its payload
 * cut into segments of m->tso_segsz bytes, into @out (room for @max).
 * @return how many, or SIM_TSO_MALFORMED or SIM_TSO_NOMBUF (none kept).
 */
static int
sim_tso_cut(const struct rte_mbuf *m, struct rte_mbuf **out, uint32_t max)
{
	uint32_t hlen = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	uint32_t len = rte_pktmbuf_pkt_len(m) - hlen, size = m->tso_segsz, k = 0;

	if (size == 0 || hlen >= rte_pktmbuf_pkt_len(m) || (len + size - 1) / size > max)
		return SIM_TSO_MALFORMED;
	for (uint32_t off = 0; off < len; off += size, k++) {
		out[k] = sim_tso_segment(m, off, RTE_MIN(size, len - off), (uint16_t)k,
				off + size >= len);
		if (out[k] == NULL) {
			rte_pktmbuf_free_bulk(out, k);
			return SIM_TSO_NOMBUF;
		}
	}
	return (int)k;
}

/* Put frame @m on @queue's transmit side, cut first if it asks (TSO). */
static bool
sim_tx_one(struct sim_netdev *s, uint16_t queue, struct rte_mbuf *m)
{
	struct sim_fifo *f = &s->q[queue].tx;
	struct rte_mbuf *segs[SIM_TSO_SEGS_MAX];
	int k;

	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || !(s->base.offloads & TERN_NETDEV_TX_TCP_TSO))
		return fifo_put(f, m);
	if (TERN_SIM_FIFO - fifo_count(f) < SIM_TSO_SEGS_MAX)
		return false;
	k = sim_tso_cut(m, segs, SIM_TSO_SEGS_MAX);
	if (k < 0) {
		/* dropped, as a NIC drops: a frame the stack should not have
		 * made, or one the pool could not hold the segments of */
		if (k == SIM_TSO_MALFORMED)
			s->tso_errors++;
		else
			s->tso_nombuf++;
		rte_pktmbuf_free(m);
		return true;
	}
	for (int i = 0; i < k; i++)
		fifo_put(f, segs[i]);
	s->tso_frames++;
	rte_pktmbuf_free(m);
	return true;
}

static uint16_t
sim_tx_burst(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_netdev *s = to_sim(dev);
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (s->tx_room == 0 || !sim_tx_one(s, queue, pkts[i]))
			break;
		if (s->tx_room > 0)
			s->tx_room--;
	}
	return i;
}

static int
sim_link_get(struct tern_netdev *dev __rte_unused, struct tern_link *link)
{
	link->up = 1;
	link->full_duplex = 1;
	link->speed_mbps = 10000;
	return 0;
}

static int
sim_mc_addrs_set(struct tern_netdev *dev, const struct rte_ether_addr *addrs, uint32_t n)
{
	struct sim_netdev *s = to_sim(dev);

	if (n > TERN_SIM_MC_MAX)
		return -ENOSPC;
	memcpy(s->mc, addrs, n * sizeof(s->mc[0]));
	s->mc_n = n;
	return 0;
}

/* A NIC's multicast filter (tern_sim_set_mc_filter): @m is multicast to a
 * MAC the stack did not list. */
static bool
sim_mc_refused(const struct sim_netdev *s, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (!s->mc_filter || rte_pktmbuf_data_len(m) < sizeof(*eh) ||
			!rte_is_multicast_ether_addr(&eh->dst_addr) ||
			rte_is_broadcast_ether_addr(&eh->dst_addr))
		return false;
	for (uint32_t i = 0; i < s->mc_n; i++)
		if (rte_is_same_ether_addr(&s->mc[i], &eh->dst_addr))
			return false;
	return true;
}

static const struct tern_netdev_ops sim_ops = {
	.configure = sim_configure,
	.start = sim_start,
	.stop = sim_stop,
	.close = sim_close,
	.rx_burst = sim_rx_burst,
	.tx_burst = sim_tx_burst,
	.link_get = sim_link_get,
	.mc_addrs_set = sim_mc_addrs_set,
};

struct tern_netdev *
tern_sim_create(const char *name, const struct rte_ether_addr *mac, uint16_t mtu,
		uint16_t nb_queues)
{
	struct sim_netdev *s;

	if (name == NULL || mac == NULL || nb_queues == 0 || mtu < 576) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = rte_zmalloc("tern_sim", sizeof(*s) + nb_queues * sizeof(s->q[0]),
			RTE_CACHE_LINE_SIZE);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->base.ops = &sim_ops;
	rte_ether_addr_copy(mac, &s->base.mac);
	s->base.mtu = mtu;
	s->base.max_queues = nb_queues;
	snprintf(s->base.name, sizeof(s->base.name), "%s", name);
	s->nb_queues = nb_queues;
	s->nb_rx_used = nb_queues;
	s->tx_room = -1;
	return &s->base;
}

int
tern_sim_inject(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf *m)
{
	struct sim_netdev *s = to_sim(dev);

	if (sim_mc_refused(s, m)) {
		s->mc_dropped++;
		rte_pktmbuf_free(m);
		return 0;
	}
	if (!fifo_put(&s->q[queue].rx, m)) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

uint16_t
tern_sim_take_tx(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_fifo *f = &to_sim(dev)->q[queue].tx;
	uint16_t i;

	for (i = 0; i < n; i++) {
		pkts[i] = fifo_get(f);
		if (pkts[i] == NULL)
			break;
	}
	return i;
}

uint32_t
tern_sim_tx_count(const struct tern_netdev *dev, uint16_t queue)
{
	return fifo_count(&((const struct sim_netdev *)dev)->q[queue].tx);
}

void
tern_sim_set_tx_room(struct tern_netdev *dev, int32_t room)
{
	to_sim(dev)->tx_room = room;
}

void
tern_sim_set_offloads(struct tern_netdev *dev, uint32_t offloads)
{
	dev->offloads = offloads;
	/* a NIC's segments end at the MTU, Ethernet header not counted */
	dev->tso_segs_max = (offloads & TERN_NETDEV_TX_TCP_TSO) ? SIM_TSO_SEGS_MAX : 0;
	dev->tso_frame_max = (uint16_t)(dev->mtu + RTE_ETHER_HDR_LEN);
}

void
tern_sim_tso_stats(const struct tern_netdev *dev, uint64_t *frames, uint64_t *errors,
		uint64_t *nombuf)
{
	const struct sim_netdev *s = (const struct sim_netdev *)dev;

	*frames = s->tso_frames;
	*errors = s->tso_errors;
	*nombuf = s->tso_nombuf;
}

struct rte_mbuf *
tern_sim_flatten(struct rte_mbuf *m)
{
	struct rte_mbuf *flat;

	if (m->nb_segs == 1 && RTE_MBUF_DIRECT(m))
		return m;
	flat = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (flat != NULL && flat->nb_segs != 1) {
		/* longer than one buffer: no frame of ours is */
		rte_pktmbuf_free(flat);
		flat = NULL;
	}
	return flat;
}

int
tern_sim_set_spread(struct tern_netdev *dev, enum tern_sim_spread mode, uint64_t seed)
{
	struct sim_netdev *s = to_sim(dev);

	if ((unsigned int)mode >= TERN_SIM_SPREAD_N)
		return -EINVAL;
	s->spread = mode;
	s->spread_rng = seed;
	if (mode == TERN_SIM_SPREAD_RSS) {
		dev->offloads |= TERN_NETDEV_RSS_OURS;
		dev->reta_size = TERN_SIM_RETA_SIZE;
	} else {
		dev->offloads &= ~TERN_NETDEV_RSS_OURS;
		dev->reta_size = 0;
	}
	return 0;
}

uint16_t
tern_sim_nb_queues(const struct tern_netdev *dev)
{
	return ((const struct sim_netdev *)dev)->nb_queues;
}

/* splitmix64 */
static uint64_t
sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * The addresses and ports of a TCP/IPv4 frame @m, host order, as a NIC's
 * parser reads them: an unfragmented IPv4 packet with the ports in its first
 * buffer. @return false for any other frame.
 */
static bool
sim_tcp_tuple(const struct rte_mbuf *m, struct rte_ipv4_tuple *t)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_tcp_hdr *th;
	uint32_t ihl;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ip) ||
			eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			ip->next_proto_id != IPPROTO_TCP || (ip->version_ihl >> 4) != 4 ||
			(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	ihl = (ip->version_ihl & 0xfu) * 4u;
	if (ihl < sizeof(*ip) || rte_pktmbuf_data_len(m) < sizeof(*eh) + ihl + 4)
		return false;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	t->src_addr = rte_be_to_cpu_32(ip->src_addr);
	t->dst_addr = rte_be_to_cpu_32(ip->dst_addr);
	t->sport = rte_be_to_cpu_16(th->src_port);
	t->dport = rte_be_to_cpu_16(th->dst_port);
	return true;
}

int
tern_sim_deliver(struct tern_netdev *dev, struct rte_mbuf *m)
{
	struct sim_netdev *s = to_sim(dev);
	struct rte_ipv4_tuple t;
	uint16_t q = 0;
	uint32_t h;

	/* a copy carries the sender's flags: the hash is ours to report */
	m->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;
	switch (s->spread) {
	case TERN_SIM_SPREAD_QUEUE0:
		break;
	case TERN_SIM_SPREAD_RSS:
		if (!sim_tcp_tuple(m, &t))
			break;
		/* the NIC's Toeplitz, computed apart from the stack's tables
		 * (net_flow.h), so the two must agree for nothing to be steered */
		h = rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, tern_rss_key);
		m->hash.rss = h;
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		/* the table spreads over the queues the stack named (a queue
		 * per worker), not every queue it configured */
		q = (uint16_t)((h & (TERN_SIM_RETA_SIZE - 1)) %
				(dev->rss_queues != 0 ? dev->rss_queues : s->nb_rx_used));
		break;
	case TERN_SIM_SPREAD_FLOW:
		if (!sim_tcp_tuple(m, &t))
			break;
		h = (uint32_t)sim_mix((uint64_t)t.src_addr << 32 ^ t.dst_addr ^
				sim_mix((uint64_t)t.sport << 16 | t.dport));
		m->hash.rss = h;
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		q = (uint16_t)(h % s->nb_rx_used);
		break;
	default:
		q = (uint16_t)(sim_mix(s->spread_rng++) % s->nb_rx_used);
		break;
	}
	return tern_sim_inject(dev, q, m);
}

void
tern_sim_set_mc_filter(struct tern_netdev *dev, bool on)
{
	to_sim(dev)->mc_filter = on;
}

uint64_t
tern_sim_mc_dropped(const struct tern_netdev *dev)
{
	return ((const struct sim_netdev *)dev)->mc_dropped;
}

uint32_t
tern_sim_mc_addrs(const struct tern_netdev *dev, struct rte_ether_addr *addrs, uint32_t max)
{
	const struct sim_netdev *s = (const struct sim_netdev *)dev;

	if (max != 0)
		memcpy(addrs, s->mc, RTE_MIN(max, s->mc_n) * sizeof(addrs[0]));
	return s->mc_n;
}
