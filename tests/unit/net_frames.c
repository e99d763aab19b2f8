/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builders and readers shared by the unit suites; see net_frames.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

const struct rte_ether_addr nf_mac_bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
const struct rte_ether_addr nf_mac_zero;

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, rte_be32_t v)
{
	memcpy(p, &v, 4);
}

uint16_t
nf_cksum(const void *buf, size_t len, uint32_t initial)
{
	const uint8_t *b = buf;
	uint64_t sum = initial;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (i < len)
		sum += (uint32_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
nf_pseudo_sum(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint32_t s = rte_be_to_cpu_32(src), d = rte_be_to_cpu_32(dst);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + l4_len;
}

uint32_t
nf_pseudo_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t l4_len)
{
	uint32_t s = 0;

	for (int i = 0; i < 16; i += 2)
		s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	return s + (l4_len >> 16) + (l4_len & 0xffff) + proto;
}

size_t
nf_put_eth(uint8_t *p, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t ether_type)
{
	memcpy(p, dst->addr_bytes, 6);
	memcpy(p + 6, src->addr_bytes, 6);
	put16(p + 12, ether_type);
	return NF_ETH_LEN;
}

size_t
nf_put_arp(uint8_t *p, uint16_t op, const struct rte_ether_addr *sha,
		rte_be32_t spa, const struct rte_ether_addr *tha, rte_be32_t tpa)
{
	put16(p, 1);                 /* htype: Ethernet */
	put16(p + 2, 0x0800);        /* ptype: IPv4 */
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha->addr_bytes, 6);
	put_be32(p + 14, spa);
	memcpy(p + 18, tha->addr_bytes, 6);
	put_be32(p + 24, tpa);
	return NF_ARP_LEN;
}

void
nf_ipv4_recksum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	put16(ip + 10, nf_cksum(ip, hlen, 0));
}

size_t
nf_put_ipv4(uint8_t *p, rte_be32_t src, rte_be32_t dst, uint8_t proto,
		uint16_t id, const uint8_t *opts, size_t optlen, uint16_t payload_len)
{
	size_t hlen = 20 + optlen;

	p[0] = (uint8_t)(0x40 | (hlen / 4));
	p[1] = 0;
	put16(p + 2, (uint16_t)(hlen + payload_len));
	put16(p + 4, id);
	put16(p + 6, 0);             /* no flags, offset 0 */
	p[8] = 64;
	p[9] = proto;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	if (optlen != 0)
		memcpy(p + 20, opts, optlen);
	nf_ipv4_recksum(p);
	return hlen;
}

size_t
nf_tcp_frame(uint8_t *p, const struct nf_tcp *t)
{
	size_t thlen = 20 + t->optlen, n;
	uint8_t *tcp;

	bool six = t->src6 != NULL && t->dst6 != NULL;

	if (NF_ETH_LEN + (six ? 40 : 20) + thlen + t->len > NF_FRAME_MAX || t->optlen > 40 ||
			t->optlen % 4 != 0)
		return 0;
	n = nf_put_eth(p, &t->eth_dst, &t->eth_src, six ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (six) {
		/* RFC 8200 §3: version 6, class and flow label 0, hop limit 64 */
		uint8_t *ip = p + n;

		memset(ip, 0, 8);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(thlen + t->len));
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, t->src6, 16);
		memcpy(ip + 24, t->dst6, 16);
		n += 40;
	} else {
		n += nf_put_ipv4(p + n, t->src, t->dst, IPPROTO_TCP, (uint16_t)t->seq, NULL, 0,
				(uint16_t)(thlen + t->len));
		if (t->df) {
			put16(p + NF_ETH_LEN + 6, RTE_IPV4_HDR_DF_FLAG);
			nf_ipv4_recksum(p + NF_ETH_LEN);
		}
	}
	tcp = p + n;
	put16(tcp, t->sport);
	put16(tcp + 2, t->dport);
	put_be32(tcp + 4, rte_cpu_to_be_32(t->seq));
	put_be32(tcp + 8, rte_cpu_to_be_32(t->ack));
	tcp[12] = (uint8_t)((thlen / 4) << 4);
	tcp[13] = t->flags;
	put16(tcp + 14, t->wnd);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (t->optlen != 0)
		memcpy(tcp + 20, t->opts, t->optlen);
	if (t->len != 0)
		memcpy(tcp + thlen, t->payload, t->len);
	n += thlen + t->len;
	nf_tcp_recksum(p, n);
	return n;
}

void
nf_tcp_recksum(uint8_t *frame, size_t len)
{
	uint8_t *ip = frame + NF_ETH_LEN;
	bool six = (ip[0] >> 4) == 6;
	size_t ihl = six ? 40 : (size_t)(ip[0] & 0x0f) * 4;
	uint8_t *tcp = ip + ihl;
	uint16_t l4 = (uint16_t)(len - NF_ETH_LEN - ihl);
	rte_be32_t src, dst;

	tcp[16] = tcp[17] = 0;
	if (six) {
		put16(tcp + 16, nf_cksum(tcp, l4, nf_pseudo_sum6(ip + 8, ip + 24, IPPROTO_TCP, l4)));
		return;
	}
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	put16(tcp + 16, nf_cksum(tcp, l4, nf_pseudo_sum(src, dst, IPPROTO_TCP, l4)));
}

size_t
nf_put_icmp_echo(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq,
		const uint8_t *data, size_t len)
{
	p[0] = type;
	p[1] = 0;
	p[2] = p[3] = 0;
	put16(p + 4, id);
	put16(p + 6, seq);
	if (len != 0)
		memcpy(p + 8, data, len);
	put16(p + 2, nf_cksum(p, 8 + len, 0));
	return 8 + len;
}

void
nf_pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

size_t
nf_arp_frame(uint8_t *p, const struct rte_ether_addr *eth_dst, uint16_t op,
		const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa)
{
	size_t n = nf_put_eth(p, eth_dst, sha, 0x0806);

	return n + nf_put_arp(p + n, op, sha, spa, tha, tpa);
}

size_t
nf_echo_frame(uint8_t *p, const struct nf_echo *e)
{
	uint8_t data[NF_FRAME_MAX];
	size_t n = nf_put_eth(p, &e->eth_dst, &e->eth_src, 0x0800);

	nf_pattern(data, e->data_len, e->seed);
	n += nf_put_ipv4(p + n, e->src, e->dst, IPPROTO_ICMP, e->seq, e->opts, e->optlen,
			(uint16_t)(8 + e->data_len));
	n += nf_put_icmp_echo(p + n, RTE_IP_ICMP_ECHO_REQUEST, e->id, e->seq,
			data, e->data_len);
	return n;
}

size_t
nf_icmp_error_frame(uint8_t *p, const struct nf_icmp_error *e)
{
	uint8_t quoted_tcp[20] = { 0 };
	size_t ilen = 8 + 20 + e->q_tcp_bytes;
	size_t n = nf_put_eth(p, &e->eth_dst, &e->eth_src, 0x0800);
	uint8_t *icmp;
	uint16_t ck;

	n += nf_put_ipv4(p + n, e->src, e->dst, IPPROTO_ICMP, 7, NULL, 0, (uint16_t)ilen);
	icmp = p + n;
	memset(icmp, 0, ilen);
	icmp[0] = e->type;
	icmp[1] = e->code;
	icmp[6] = (uint8_t)(e->mtu >> 8);
	icmp[7] = (uint8_t)e->mtu;
	nf_put_ipv4(icmp + 8, e->q_src, e->q_dst, e->q_proto, 1, NULL, 0,
			(uint16_t)(e->q_total_len - 20));
	quoted_tcp[0] = (uint8_t)(e->q_sport >> 8);
	quoted_tcp[1] = (uint8_t)e->q_sport;
	quoted_tcp[2] = (uint8_t)(e->q_dport >> 8);
	quoted_tcp[3] = (uint8_t)e->q_dport;
	quoted_tcp[4] = (uint8_t)(e->q_seq >> 24);
	quoted_tcp[5] = (uint8_t)(e->q_seq >> 16);
	quoted_tcp[6] = (uint8_t)(e->q_seq >> 8);
	quoted_tcp[7] = (uint8_t)e->q_seq;
	memcpy(icmp + 28, quoted_tcp, RTE_MIN(e->q_tcp_bytes, (uint8_t)sizeof(quoted_tcp)));
	ck = nf_cksum(icmp, ilen, 0);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	return n + ilen;
}

struct rte_mbuf *
nf_mbuf(struct rte_mempool *mp, const void *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	void *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, frame, len);
	return m;
}

struct rte_mbuf *
nf_mbuf_chain(struct rte_mempool *mp, const void *frame, size_t len,
		const uint16_t *seg_len, unsigned int nsegs)
{
	const uint8_t *src = frame;
	struct rte_mbuf *head = NULL;
	size_t done = 0;

	for (unsigned int i = 0; i < nsegs; i++) {
		struct rte_mbuf *m = nf_mbuf(mp, src + done, seg_len[i]);

		if (m == NULL || (head != NULL && rte_pktmbuf_chain(head, m) != 0)) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (head == NULL)
			head = m;
		done += seg_len[i];
	}
	if (done != len) {
		rte_pktmbuf_free(head);
		return NULL;
	}
	return head;
}

int
nf_inject(struct tern_netdev *dev, struct rte_mempool *mp, const void *frame, size_t len)
{
	struct rte_mbuf *m = nf_mbuf(mp, frame, len);

	if (m == NULL)
		return -ENOMEM;
	return tern_sim_inject(dev, 0, m);
}

void
nf_parse(const struct rte_mbuf *m, struct nf_pkt *pkt)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *d;

	if (len > NF_FRAME_MAX)
		len = NF_FRAME_MAX;
	pkt->len = len;
	pkt->nb_segs = m->nb_segs;
	pkt->ol_flags = m->ol_flags;
	pkt->l2_len = m->l2_len;
	pkt->l3_len = m->l3_len;
	pkt->eth = NULL;
	pkt->ether_type = 0;
	pkt->arp = NULL;
	pkt->ip = NULL;
	pkt->ip6 = NULL;
	pkt->ip_hlen = 0;
	pkt->l4 = NULL;
	pkt->l4_len = 0;
	d = rte_pktmbuf_read(m, 0, len, pkt->b);
	if (d != NULL && d != pkt->b)
		memcpy(pkt->b, d, len);
	if (len < NF_ETH_LEN)
		return;
	pkt->eth = (const struct rte_ether_hdr *)pkt->b;
	pkt->ether_type = rte_be_to_cpu_16(pkt->eth->ether_type);
	if (pkt->ether_type == RTE_ETHER_TYPE_ARP && len >= NF_ARP_FRAME_LEN) {
		pkt->arp = (const struct rte_arp_hdr *)(pkt->b + NF_ETH_LEN);
	} else if (pkt->ether_type == RTE_ETHER_TYPE_IPV4 && len >= NF_ETH_LEN + 20) {
		uint32_t tot;

		pkt->ip = (const struct rte_ipv4_hdr *)(pkt->b + NF_ETH_LEN);
		pkt->ip_hlen = (uint32_t)(pkt->ip->version_ihl & 0x0f) * 4;
		tot = rte_be_to_cpu_16(pkt->ip->total_length);
		pkt->l4 = pkt->b + NF_ETH_LEN + pkt->ip_hlen;
		pkt->l4_len = tot > pkt->ip_hlen ? tot - pkt->ip_hlen : 0;
	} else if (pkt->ether_type == RTE_ETHER_TYPE_IPV6 && len >= NF_ETH_LEN + 40) {
		pkt->ip6 = (const struct rte_ipv6_hdr *)(pkt->b + NF_ETH_LEN);
		pkt->ip_hlen = 40;
		pkt->l4 = pkt->b + NF_ETH_LEN + 40;
		pkt->l4_len = rte_be_to_cpu_16(pkt->ip6->payload_len);
	}
}

unsigned int
nf_take(struct tern_netdev *dev, struct nf_pkt *out, unsigned int max)
{
	unsigned int n = 0;
	struct rte_mbuf *m;

	while (n < max && tern_sim_take_tx(dev, 0, &m, 1) == 1) {
		nf_parse(m, &out[n++]);
		rte_pktmbuf_free(m);
	}
	return n;
}

unsigned int
nf_drain(struct tern_netdev *dev)
{
	unsigned int n = 0;
	struct rte_mbuf *m;

	while (tern_sim_take_tx(dev, 0, &m, 1) == 1) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* --- the stack harness --- */

void
nf_stack_config(struct tern_config *cfg)
{
	tern_config_defaults(cfg);
	snprintf(cfg->port_device, sizeof(cfg->port_device), "sim0");
	cfg->ip_addr = NF_OUR_IP;
	cfg->ip_netmask = NF_NETMASK;
	cfg->ip_gateway = NF_GATEWAY;
	cfg->mbufs = 2048;
	cfg->mbuf_cache = 32;
}

uint32_t nf_dev_offloads;

void
nf_stack_up(struct nf_stack *h)
{
	struct rte_ether_addr mac = NF_OUR_MAC;

	h->now = NF_T0;
	h->dev = tern_sim_create("sim0", &mac, 1500, 1);
	ck_assert_ptr_nonnull(h->dev);
	if ((h->dev_offloads | nf_dev_offloads) != 0)
		tern_sim_set_offloads(h->dev, h->dev_offloads | nf_dev_offloads);
	h->stack = tern_stack_create(&h->cfg, h->dev, 1);
	ck_assert_msg(h->stack != NULL, "tern_stack_create: %s", rte_strerror(rte_errno));
	h->w = tern_stack_worker(h->stack, 0);
	ck_assert_ptr_nonnull(h->w);
}

void
nf_stack_boot(struct nf_stack *h)
{
	struct nf_pkt p;

	nf_stack_up(h);
	nf_poll(h);
	ck_assert_uint_eq(nf_take(h->dev, &p, 1), 1);
	ck_assert_ptr_nonnull(p.arp);
	ck_assert_uint_eq(tern_sim_tx_count(h->dev, 0), 0);
}

void
nf_stack_down(struct nf_stack *h)
{
	if (h->stack != NULL) {
		struct tern_stats st = *tern_worker_stats(h->w);
		unsigned int avail;

		/* read everything, free the stack, then assert: a failed check
		 * must not leave a stack behind for the next test */
		nf_drain(h->dev);
		avail = rte_mempool_avail_count(tern_worker_pool(h->w));
		tern_stack_free(h->stack);
		h->stack = NULL;
		h->w = NULL;
		h->dev = NULL;
		ck_assert_msg(avail == h->cfg.mbufs, "worker pool: %u of %u mbufs free",
				avail, h->cfg.mbufs);
		nf_check_accounting(&st);
	}
	ck_assert_pool_count(unit_pool(), h->unit_free);
}

unsigned int
nf_poll(struct nf_stack *h)
{
	return tern_worker_poll(h->w, h->now);
}

unsigned int
nf_poll_after(struct nf_stack *h, uint64_t us)
{
	h->now += us;
	return nf_poll(h);
}

void
nf_send(struct nf_stack *h, const void *frame, size_t len)
{
	ck_assert_int_eq(nf_inject(h->dev, unit_pool(), frame, len), 0);
}

void
nf_learn(struct nf_stack *h, const struct rte_ether_addr *mac, rte_be32_t ip)
{
	uint8_t f[NF_ARP_FRAME_LEN];
	struct nf_pkt p;
	size_t n;

	n = nf_arp_frame(f, &nf_mac_bcast, RTE_ARP_OP_REQUEST, mac, ip, &nf_mac_zero,
			NF_OUR_IP);
	nf_send(h, f, n);
	nf_poll(h);
	ck_assert_uint_eq(nf_take(h->dev, &p, 1), 1);
	ck_assert_ptr_nonnull(p.arp);
	ck_assert_uint_eq(rte_be_to_cpu_16(p.arp->arp_opcode), RTE_ARP_OP_REPLY);
	ck_assert_uint_eq(tern_sim_tx_count(h->dev, 0), 0);
}

bool
nf_accounting_ok(const struct tern_stats *st, char *why, size_t len)
{
	uint64_t eth = st->eth_drop_short + st->eth_drop_not_ours + st->eth_drop_ethertype;
	uint64_t ip = st->ip_drop_short + st->ip_drop_version + st->ip_drop_hdrlen +
		st->ip_drop_totlen + st->ip_drop_cksum + st->ip_drop_not_ours + st->ip_drop_bad_src +
		st->ip_drop_fragment + st->ip_drop_proto;
	uint64_t icmp = st->icmp_drop_short + st->icmp_drop_cksum + st->icmp_drop_type;
	uint64_t for_tcp = st->tcp_icmp_no_conn + st->tcp_icmp_out_of_window +
		st->tcp_icmp_bad_mtu + st->tcp_icmp_soft_error + st->tcp_pmtu_lowered;

	uint64_t ip6 = st->ip6_drop_short + st->ip6_drop_version + st->ip6_drop_len +
		st->ip6_drop_not_ours + st->ip6_drop_bad_src + st->ip6_drop_ext +
		st->ip6_drop_fragment + st->ip6_drop_proto;
	uint64_t icmp6 = st->icmp6_drop_short + st->icmp6_drop_cksum + st->icmp6_drop_type +
		st->icmp6_echo_reply + st->icmp6_rx_error + st->nd_drop_invalid + st->nd_rx_ns +
		st->nd_rx_na + st->nd_rx_router + st->mld_rx_query + st->mld_drop_query;

	if (st->rx_frames != eth + st->arp_rx + st->arp_drop_malformed + st->ip_rx + st->ip6_rx) {
		snprintf(why, len, "rx_frames %" PRIu64 " != eth drops %" PRIu64 " + arp_rx %"
				PRIu64 " + arp_drop_malformed %" PRIu64 " + ip_rx %" PRIu64
				" + ip6_rx %" PRIu64, st->rx_frames, eth, st->arp_rx,
				st->arp_drop_malformed, st->ip_rx, st->ip6_rx);
		return false;
	}
	if (st->ip6_rx != ip6 + st->icmp6_rx + st->tcp6_rx) {
		snprintf(why, len, "ip6_rx %" PRIu64 " != ip6 drops %" PRIu64 " + icmp6_rx %" PRIu64
				" + tcp6_rx %" PRIu64, st->ip6_rx, ip6, st->icmp6_rx, st->tcp6_rx);
		return false;
	}
	if (st->icmp6_rx != icmp6) {
		snprintf(why, len, "icmp6_rx %" PRIu64 " != its drops, replies, errors and ND %" PRIu64,
				st->icmp6_rx, icmp6);
		return false;
	}
	if (st->nd_rx_ns != st->nd_tx_na + st->nd_drop_not_ours) {
		snprintf(why, len, "nd_rx_ns %" PRIu64 " != nd_tx_na %" PRIu64
				" + nd_drop_not_ours %" PRIu64, st->nd_rx_ns, st->nd_tx_na,
				st->nd_drop_not_ours);
		return false;
	}
	if (st->ip_rx != ip + st->icmp_rx + st->tcp_rx) {
		snprintf(why, len, "ip_rx %" PRIu64 " != ip drops %" PRIu64 " + icmp_rx %" PRIu64
				" + tcp_rx %" PRIu64, st->ip_rx, ip, st->icmp_rx, st->tcp_rx);
		return false;
	}
	if (st->icmp_rx != icmp + st->icmp_echo_reply + st->icmp_rx_error) {
		snprintf(why, len, "icmp_rx %" PRIu64 " != icmp drops %" PRIu64
				" + icmp_echo_reply %" PRIu64 " + icmp_rx_error %" PRIu64, st->icmp_rx,
				icmp, st->icmp_echo_reply, st->icmp_rx_error);
		return false;
	}
	/* an error whose quote is ours ends in exactly one of TCP's outcomes,
	 * unless its owner's steering ring was full */
	if (st->icmp_rx_error + st->icmp6_rx_error != st->icmp_drop_quote + st->icmp6_drop_quote +
			st->icmp_drop_steer + for_tcp) {
		snprintf(why, len, "icmp_rx_error %" PRIu64 " + icmp6_rx_error %" PRIu64
				" != icmp_drop_quote %" PRIu64 " + icmp6_drop_quote %" PRIu64
				" + icmp_drop_steer %" PRIu64 " + TCP's %" PRIu64, st->icmp_rx_error,
				st->icmp6_rx_error, st->icmp_drop_quote, st->icmp6_drop_quote,
				st->icmp_drop_steer, for_tcp);
		return false;
	}
	return true;
}

void
nf_check_accounting(const struct tern_stats *st)
{
	char why[256];

	ck_assert_msg(nf_accounting_ok(st, why, sizeof(why)), "%s", why);
}

void
nf_check_stats(const struct tern_stats *want, const struct tern_stats *got,
		const char *skip_prefix)
{
	for (size_t i = 0; i < TERN_STATS_COUNT; i++) {
		const char *name = tern_stats_name(i);

		if (skip_prefix != NULL && strncmp(name, skip_prefix, strlen(skip_prefix)) == 0)
			continue;
		if (strncmp(name, "polls", 5) == 0)
			continue;      /* loop iterations, not frame outcomes */
		ck_assert_msg(tern_stats_value(want, i) == tern_stats_value(got, i),
				"counter %s: %" PRIu64 ", expected %" PRIu64, name,
				tern_stats_value(got, i), tern_stats_value(want, i));
	}
}

static void
check_mac(const struct rte_ether_addr *got, const struct rte_ether_addr *want,
		const char *what)
{
	char g[RTE_ETHER_ADDR_FMT_SIZE], w[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(g, sizeof(g), got);
	rte_ether_format_addr(w, sizeof(w), want);
	ck_assert_msg(rte_is_same_ether_addr(got, want), "%s: %s, expected %s", what, g, w);
}

static void
check_ip(rte_be32_t got, rte_be32_t want, const char *what)
{
	ck_assert_msg(got == want, "%s: %08x, expected %08x", what,
			rte_be_to_cpu_32(got), rte_be_to_cpu_32(want));
}

void
nf_check_arp(const struct nf_pkt *p, const struct rte_ether_addr *eth_dst,
		uint16_t op, const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa)
{
	const struct rte_ether_addr our = NF_OUR_MAC;

	ck_assert_msg(p->arp != NULL, "not an ARP frame (ethertype %04x, %u bytes)",
			p->ether_type, p->len);
	ck_assert_uint_eq(p->len, NF_ARP_FRAME_LEN);
	check_mac(&p->eth->dst_addr, eth_dst, "Ethernet destination");
	check_mac(&p->eth->src_addr, &our, "Ethernet source");
	ck_assert_uint_eq(rte_be_to_cpu_16(p->arp->arp_hardware), RTE_ARP_HRD_ETHER);
	ck_assert_uint_eq(rte_be_to_cpu_16(p->arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
	ck_assert_uint_eq(p->arp->arp_hlen, 6);
	ck_assert_uint_eq(p->arp->arp_plen, 4);
	ck_assert_uint_eq(rte_be_to_cpu_16(p->arp->arp_opcode), op);
	check_mac(&p->arp->arp_data.arp_sha, sha, "ARP sha");
	check_ip(p->arp->arp_data.arp_sip, spa, "ARP spa");
	check_mac(&p->arp->arp_data.arp_tha, tha, "ARP tha");
	check_ip(p->arp->arp_data.arp_tip, tpa, "ARP tpa");
}

void
nf_check_echo_reply(const struct nf_pkt *p, const struct rte_ether_addr *eth_dst,
		const struct nf_echo *e)
{
	const struct rte_ether_addr our = NF_OUR_MAC;
	uint8_t data[NF_FRAME_MAX];
	const uint8_t *icmp;

	ck_assert_msg(p->ip != NULL, "not an IPv4 frame (ethertype %04x, %u bytes)",
			p->ether_type, p->len);
	check_mac(&p->eth->dst_addr, eth_dst, "Ethernet destination");
	check_mac(&p->eth->src_addr, &our, "Ethernet source");
	ck_assert_uint_eq(p->len, NF_ETH_LEN + 20 + 8 + e->data_len);
	ck_assert_uint_eq(p->ip->version_ihl, 0x45);
	ck_assert_uint_eq(rte_be_to_cpu_16(p->ip->total_length), 20 + 8 + e->data_len);
	ck_assert_uint_eq(rte_be_to_cpu_16(p->ip->fragment_offset) &
			(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK), 0);
	ck_assert_uint_eq(p->ip->time_to_live, 64);
	ck_assert_uint_eq(p->ip->next_proto_id, IPPROTO_ICMP);
	check_ip(p->ip->src_addr, NF_OUR_IP, "IPv4 source");
	check_ip(p->ip->dst_addr, e->src, "IPv4 destination");
	ck_assert_msg(nf_cksum(p->ip, 20, 0) == 0, "IPv4 header checksum %04x is wrong",
			rte_be_to_cpu_16(p->ip->hdr_checksum));
	icmp = p->l4;
	ck_assert_uint_eq(icmp[0], RTE_IP_ICMP_ECHO_REPLY);
	ck_assert_uint_eq(icmp[1], 0);
	ck_assert_uint_eq((uint16_t)(icmp[4] << 8 | icmp[5]), e->id);
	ck_assert_uint_eq((uint16_t)(icmp[6] << 8 | icmp[7]), e->seq);
	nf_pattern(data, e->data_len, e->seed);
	ck_assert_msg(memcmp(icmp + 8, data, e->data_len) == 0, "echo data differs");
	ck_assert_msg(nf_cksum(icmp, 8 + e->data_len, 0) == 0, "ICMP checksum %02x%02x is wrong",
			icmp[2], icmp[3]);
}

const uint8_t *
nf_expect_mld_report(const struct nf_pkt *p, const uint8_t *from, uint8_t record_type,
		unsigned int n)
{
	static const uint8_t all_mld_routers[16] = { 0xff, 0x02, [15] = 0x16 };
	static const uint8_t unspec[16];
	const uint8_t *hbh, *r;
	uint32_t len;

	ck_assert_ptr_nonnull(p->ip6);
	ck_assert_mem_eq(p->ip6->dst_addr, all_mld_routers, 16);
	ck_assert_mem_eq(p->ip6->src_addr, from != NULL ? from : unspec, 16);
	ck_assert_uint_eq(p->ip6->hop_limits, 1);
	ck_assert_uint_eq(p->ip6->proto, 0);                   /* Hop-by-Hop */
	hbh = p->l4;
	ck_assert_uint_eq(hbh[0], IPPROTO_ICMPV6);
	ck_assert_uint_eq(hbh[1], 0);
	ck_assert_uint_eq(hbh[2], 5);                          /* Router Alert */
	ck_assert_uint_eq(hbh[3], 2);
	ck_assert_uint_eq(hbh[4] | hbh[5], 0);                 /* MLD */
	r = hbh + 8;
	len = p->l4_len - 8;
	ck_assert_uint_eq(len, 8 + 20 * n);
	ck_assert_uint_eq(nf_cksum(r, len, nf_pseudo_sum6(p->ip6->src_addr, p->ip6->dst_addr,
			IPPROTO_ICMPV6, len)), 0);
	ck_assert_uint_eq(r[0], 143);
	ck_assert_uint_eq((uint32_t)r[6] << 8 | r[7], n);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *rec = r + 8 + 20 * i;

		ck_assert_uint_eq(rec[0], record_type);
		ck_assert_uint_eq(rec[1] | rec[2] | rec[3], 0); /* no aux data, no sources */
	}
	return r + 8;
}
