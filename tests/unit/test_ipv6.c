/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net IPv6 (RFC 8200), ICMPv6 (RFC 4443) and Neighbor Discovery
 * (RFC 4861) over the sim device, frame by frame: every answer checked byte
 * for byte against a checksum computed here (nf_cksum, independent of
 * lib/net), every drop in its counter, the accounting identities at
 * teardown (nf_stack_down).
 *
 * The stack: 2001:db8::2/64, link-local fe80::ff:fe00:2 from MAC
 * 02:00:00:00:00:02 (RFC 4291 App. A: the U/L bit of 02 flipped gives 00).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

static const uint8_t our_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t our_ll[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2 };
static const uint8_t peer_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
static const uint8_t peer_ll[16] = { 0xfe, 0x80, [15] = 5 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
static const uint8_t unspec[16];
/* ff02::1:ff00:2, the solicited-node group of both our addresses */
static const uint8_t our_sn[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 };
static const struct rte_ether_addr peer_mac = NF_MAC_INIT(0x05);
static const struct rte_ether_addr our_mac = NF_MAC_INIT(0x02);
static const struct rte_ether_addr mac_all_nodes = { { 0x33, 0x33, 0, 0, 0, 1 } };
static const struct rte_ether_addr mac_our_sn = { { 0x33, 0x33, 0xff, 0, 0, 2 } };

#define IP6_HLEN 40

static struct nf_stack h;

static void
setup(void)
{
	unit_eal_init("tern_unit_ipv6");
	memset(&h, 0, sizeof(h));
	nf_stack_config(&h.cfg);
	h.cfg.ip6_enabled = 1;
	memcpy(h.cfg.ip6_addr, our_ip6, 16);
	h.cfg.ip6_prefix_len = 64;
	h.unit_free = rte_mempool_avail_count(unit_pool());
}

static void
teardown(void)
{
	nf_stack_down(&h);
}

static const struct tern_stats *
stats(void)
{
	return tern_worker_stats(h.w);
}

/* --- frames, written here from the RFCs --- */

static size_t
put_eth(uint8_t *f, const struct rte_ether_addr *dst)
{
	return nf_put_eth(f, dst, &peer_mac, RTE_ETHER_TYPE_IPV6);
}

/* The fixed header at @p: @plen payload bytes of @nh. */
static void
put_ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint16_t plen,
		uint8_t hop)
{
	p[0] = 0x60;
	p[1] = p[2] = p[3] = 0;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = hop;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* RFC 8200 §8.1 pseudo-header, host-order partial sum for nf_cksum. */
static uint32_t
pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	return nf_pseudo_sum6(src, dst, IPPROTO_ICMPV6, len);
}

/* Set the checksum of the ICMPv6 message @m (@len bytes) between @src and @dst. */
static void
icmp6_sum(uint8_t *m, uint32_t len, const uint8_t *src, const uint8_t *dst)
{
	uint16_t c;

	m[2] = m[3] = 0;
	c = nf_cksum(m, len, pseudo6(src, dst, len));
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
}

/* A frame to @eth_dst: IPv6 @src -> @dst, then the extension headers @ext
 * (@ext_len bytes, the first of type @nh; none: @nh is ICMPv6), then the
 * ICMPv6 message @msg of @len bytes, checksummed. */
static size_t
icmp6_frame(uint8_t *f, const struct rte_ether_addr *eth_dst, const uint8_t *src,
		const uint8_t *dst, uint8_t hop, uint8_t nh, const uint8_t *ext, size_t ext_len,
		const uint8_t *msg, size_t len)
{
	size_t o = put_eth(f, eth_dst);
	uint8_t *m;

	put_ip6(f + o, src, dst, nh, (uint16_t)(ext_len + len), hop);
	if (ext_len != 0)
		memcpy(f + o + IP6_HLEN, ext, ext_len);
	m = f + o + IP6_HLEN + ext_len;
	memcpy(m, msg, len);
	icmp6_sum(m, (uint32_t)len, src, dst);
	return o + IP6_HLEN + ext_len + len;
}

/* An echo request: id 0x1234, seq @seq, 24 bytes of pattern. */
static size_t
echo_msg(uint8_t *m, uint16_t seq)
{
	m[0] = 128;
	m[1] = 0;
	m[4] = 0x12;
	m[5] = 0x34;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	nf_pattern(m + 8, 24, (uint8_t)seq);
	return 32;
}

/* A Neighbor Solicitation for @target, with our source-MAC option if @slla. */
static size_t
ns_msg(uint8_t *m, const uint8_t *target, bool slla)
{
	memset(m, 0, 32);
	m[0] = 135;
	memcpy(m + 8, target, 16);
	if (!slla)
		return 24;
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, &peer_mac, 6);
	return 32;
}

static void
send_frame(const uint8_t *f, size_t len)
{
	nf_send(&h, f, len);
	nf_poll(&h);
}

/* The one frame the stack sent, with its checks: to @eth_dst, IPv6 from
 * @src to @dst, hop limit @hop, ICMPv6 of @len bytes with a right checksum. */
static const uint8_t *
expect_icmp6(struct nf_pkt *p, const struct rte_ether_addr *eth_dst, const uint8_t *src,
		const uint8_t *dst, uint8_t hop, uint32_t len)
{
	const uint8_t *ip;

	ck_assert_uint_eq(nf_take(h.dev, p, 1), 1);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert(rte_is_same_ether_addr(&p->eth->dst_addr, eth_dst));
	ck_assert(rte_is_same_ether_addr(&p->eth->src_addr, &our_mac));
	ck_assert_uint_eq(p->ether_type, RTE_ETHER_TYPE_IPV6);
	ck_assert_uint_eq(p->len, NF_ETH_LEN + IP6_HLEN + len);
	ip = p->b + NF_ETH_LEN;
	ck_assert_uint_eq(ip[0], 0x60);
	ck_assert_uint_eq((uint32_t)(ip[4] << 8 | ip[5]), len);
	ck_assert_uint_eq(ip[6], IPPROTO_ICMPV6);
	ck_assert_uint_eq(ip[7], hop);
	ck_assert_mem_eq(ip + 8, src, 16);
	ck_assert_mem_eq(ip + 24, dst, 16);
	ck_assert_uint_eq(nf_cksum(ip + IP6_HLEN, len, pseudo6(src, dst, len)), 0);
	return ip + IP6_HLEN;
}

/* The DAD probe (RFC 4862 §5.4.2) for @target: from ::, to its group. */
static void
expect_dad_probe(struct nf_pkt *p, const uint8_t *target)
{
	const uint8_t *ns;

	ck_assert(rte_is_same_ether_addr(&p->eth->dst_addr, &mac_our_sn));
	ck_assert_uint_eq(p->len, NF_ETH_LEN + IP6_HLEN + 24);
	ck_assert_uint_eq(p->b[NF_ETH_LEN + 7], 255);
	ck_assert_mem_eq(p->b + NF_ETH_LEN + 8, unspec, 16);
	ck_assert_mem_eq(p->b + NF_ETH_LEN + 24, our_sn, 16);
	ns = p->b + NF_ETH_LEN + IP6_HLEN;
	ck_assert_uint_eq(nf_cksum(ns, 24, pseudo6(unspec, our_sn, 24)), 0);
	ck_assert_uint_eq(ns[0], 135);
	ck_assert_uint_eq(ns[1], 0);
	ck_assert_mem_eq(ns + 8, target, 16);
}

/* The first poll: the gratuitous ARP, the groups joined (RFC 3810 §6.1: a
 * State Change Report from ::, one solicited-node group since both our
 * addresses end in 00:00:02) and a DAD probe for each address; both
 * addresses tentative until a second has passed. */
static void
first_poll(void)
{
	struct nf_pkt p[5];
	const uint8_t *rec;

	nf_stack_up(&h);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 5), 4);
	ck_assert_ptr_nonnull(p[0].arp);
	rec = nf_expect_mld_report(&p[1], NULL, 4, 1);
	ck_assert_mem_eq(rec + 4, our_sn, 16);
	ck_assert(rte_is_same_ether_addr(&p[1].eth->dst_addr,
			&(struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 0x16 } }));
	expect_dad_probe(&p[2], our_ll);
	expect_dad_probe(&p[3], our_ip6);
	ck_assert_uint_eq(stats()->nd_tx_dad, 2);
	ck_assert_uint_eq(stats()->mld_tx_report, 1);
}

/* first_poll(), then DAD's second: both addresses in use, and the join
 * reported again (§9.1: twice), now from the link-local address. */
static void
boot(void)
{
	struct nf_pkt p[2];

	first_poll();
	nf_poll_after(&h, 1100000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_expect_mld_report(&p[0], our_ll, 4, 1);
	ck_assert_uint_eq(stats()->mld_tx_report, 2);
}

/* ------------------------------------------------------------ echo */

START_TEST(test_off_without_ipv6_section)
{
	uint8_t f[256], m[64];
	size_t n;

	h.cfg.ip6_enabled = 0;
	nf_stack_boot(&h);
	n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, echo_msg(m, 1));
	send_frame(f, n);
	n = icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m, ns_msg(m, our_ip6, 1));
	send_frame(f, n);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(stats()->eth_drop_ethertype, 1);
	ck_assert_uint_eq(stats()->eth_drop_not_ours, 1);   /* 33:33: no group of ours */
	ck_assert_uint_eq(stats()->ip6_rx, 0);
	/* no group to receive: the device's filter was not set */
	ck_assert_uint_eq(tern_sim_mc_addrs(h.dev, NULL, 0), 0);
}
END_TEST

START_TEST(test_echo_to_global)
{
	uint8_t f[256], m[64];
	struct nf_pkt p;
	const uint8_t *r;
	size_t len = echo_msg(m, 7);

	boot();
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 61, IPPROTO_ICMPV6, NULL, 0, m, len));
	r = expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64, (uint32_t)len);
	ck_assert_uint_eq(r[0], 129);
	ck_assert_uint_eq(r[1], 0);
	ck_assert_mem_eq(r + 4, m + 4, len - 4);       /* id, seq, data */
	ck_assert_uint_eq(stats()->icmp6_echo_reply, 1);
	ck_assert_uint_eq(stats()->ip6_tx, 5);     /* and the two DAD probes, two MLD reports */
}
END_TEST

/* RFC 4443 §4.2: to all nodes from a link-local peer: answered from our
 * link-local address (the EUI-64 of our MAC); the hop-by-hop header of the
 * request (PadN only) is walked and not echoed. */
START_TEST(test_echo_to_all_nodes_with_hop_by_hop)
{
	uint8_t f[256], m[64], ext[9] = { IPPROTO_HOPOPTS };
	struct nf_pkt p;
	const uint8_t *r;
	size_t len = echo_msg(m, 9);

	/* hop-by-hop: next ICMPv6, length 0 (8 bytes), PadN of 4 */
	ext[1] = IPPROTO_ICMPV6;
	ext[2] = 0;
	ext[3] = 1;
	ext[4] = 4;
	boot();
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 64, ext[0], ext + 1, 8, m, len));
	r = expect_icmp6(&p, &peer_mac, our_ll, peer_ll, 64, (uint32_t)len);
	ck_assert_uint_eq(r[0], 129);
	ck_assert_mem_eq(r + 4, m + 4, len - 4);
}
END_TEST

/* ------------------------------------------------------------ Neighbor Discovery */

/* RFC 4861 §7.2.4: a solicited, override NA from the target, with our MAC,
 * to the soliciter's MAC option; the soliciter is learned. */
START_TEST(test_ns_answered_and_learned)
{
	uint8_t f[256], m[64];
	struct nf_pkt p;
	const uint8_t *na;

	boot();
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, true)));
	na = expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 255, 32);
	ck_assert_uint_eq(na[0], 136);
	ck_assert_uint_eq(na[1], 0);
	ck_assert_uint_eq(na[4], 0x60);                 /* S and O, not R */
	ck_assert_uint_eq(na[5] | na[6] | na[7], 0);
	ck_assert_mem_eq(na + 8, our_ip6, 16);
	ck_assert_uint_eq(na[24], 2);                   /* target link-layer address */
	ck_assert_uint_eq(na[25], 1);
	ck_assert_mem_eq(na + 26, &our_mac, 6);
	ck_assert_uint_eq(stats()->nd_rx_ns, 1);
	ck_assert_uint_eq(stats()->nd_tx_na, 1);
	ck_assert_uint_eq(stats()->nd_learned, 1);
	/* for the link-local address, unicast, no MAC option: to the frame's source */
	send_frame(f, icmp6_frame(f, &our_mac, peer_ll, our_ll, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ll, false)));
	na = expect_icmp6(&p, &peer_mac, our_ll, peer_ll, 255, 32);
	ck_assert_mem_eq(na + 8, our_ll, 16);
	ck_assert_uint_eq(stats()->nd_learned, 1);
}
END_TEST

/*
 * The device is told the multicast MACs to receive (tern_netdev_ops
 * .mc_addrs_set): all-nodes and our solicited-node group, one here since both
 * our addresses end in 00:00:02 (RFC 4291 2.7.1, RFC 2464 §7). Behind a NIC
 * that filters multicast a Neighbor Solicitation to the group still arrives
 * and is answered; another node's group stays at the device.
 */
START_TEST(test_multicast_filter_listed)
{
	static const struct rte_ether_addr other_sn = { { 0x33, 0x33, 0xff, 0, 0, 9 } };
	static const uint8_t other_group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 9 };
	struct rte_ether_addr macs[TERN_SIM_MC_MAX];
	uint8_t f[256], m[64];
	struct nf_pkt p;
	const uint8_t *na;

	boot();
	ck_assert_uint_eq(tern_sim_mc_addrs(h.dev, macs, RTE_DIM(macs)), 2);
	ck_assert(rte_is_same_ether_addr(&macs[0], &mac_all_nodes));
	ck_assert(rte_is_same_ether_addr(&macs[1], &mac_our_sn));
	tern_sim_set_mc_filter(h.dev, true);
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, true)));
	na = expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 255, 32);
	ck_assert_uint_eq(na[0], 136);
	send_frame(f, icmp6_frame(f, &other_sn, peer_ip6, other_group, 255, IPPROTO_ICMPV6, NULL, 0,
			m, ns_msg(m, peer_ip6, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(tern_sim_mc_dropped(h.dev), 1);
	ck_assert_uint_eq(stats()->eth_drop_not_ours, 0);
	ck_assert_uint_eq(stats()->nd_rx_ns, 1);
}
END_TEST

/* An MLDv2 query (RFC 3810 §5.1) for @group (NULL: general) with Maximum
 * Response Code @code (ms below 32768), into @m: @return its length. */
static size_t
mld_query_msg(uint8_t *m, const uint8_t *group, uint16_t code)
{
	memset(m, 0, 28);
	m[0] = 130;
	m[4] = (uint8_t)(code >> 8);
	m[5] = (uint8_t)code;
	if (group != NULL)
		memcpy(m + 8, group, 16);
	return 28;
}

/*
 * RFC 3810 §6.2: a General Query, or one for our group, from a link-local
 * router with hop limit 1, is answered within its Maximum Response Delay
 * (here 500 ms) by a Current State Report (MODE_IS_EXCLUDE) of our group;
 * another group's query, an MLDv1 one and one with another hop limit are
 * not answered (§5.1.14).
 */
START_TEST(test_mld_query_answered)
{
	static const uint8_t other_group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 9 };
	uint8_t f[256], m[64];
	struct nf_pkt p;
	const uint8_t *rec;

	boot();
	/* not answered: another group's, hop limit 255, from a global address */
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 1, IPPROTO_ICMPV6, NULL, 0,
			m, mld_query_msg(m, other_group, 500)));
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 255, IPPROTO_ICMPV6, NULL,
			0, m, mld_query_msg(m, NULL, 500)));
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ip6, all_nodes, 1, IPPROTO_ICMPV6, NULL,
			0, m, mld_query_msg(m, NULL, 500)));
	ck_assert_uint_eq(stats()->mld_drop_query, 3);
	for (int t = 0; t < 6; t++)
		nf_poll_after(&h, 100000);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	/* answered within 500 ms */
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 1, IPPROTO_ICMPV6, NULL, 0,
			m, mld_query_msg(m, _i ? our_sn : NULL, 500)));
	ck_assert_uint_eq(stats()->mld_rx_query, 1);
	for (int t = 0; t < 6 && nf_drain(h.dev) == 0; t++)
		nf_poll_after(&h, 100000);
	ck_assert_uint_eq(stats()->mld_tx_report, 3);
	/* the answer itself, taken again from a fresh query */
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 1, IPPROTO_ICMPV6, NULL, 0,
			m, mld_query_msg(m, NULL, 0)));
	nf_poll_after(&h, 100000);
	ck_assert_uint_eq(nf_take(h.dev, &p, 1), 1);
	rec = nf_expect_mld_report(&p, our_ll, 2, 1);
	ck_assert_mem_eq(rec + 4, our_sn, 16);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
}
END_TEST

/* §7.2.4: Duplicate Address Detection by another node (from ::): answered
 * to all nodes, not solicited. */
START_TEST(test_ns_dad_answered_to_all_nodes)
{
	uint8_t f[256], m[64];
	struct nf_pkt p;
	const uint8_t *na;

	boot();
	send_frame(f, icmp6_frame(f, &mac_our_sn, unspec, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, false)));
	na = expect_icmp6(&p, &mac_all_nodes, our_ip6, all_nodes, 255, 32);
	ck_assert_uint_eq(na[0], 136);
	ck_assert_uint_eq(na[4], 0x20);                 /* O only */
	ck_assert_uint_eq(stats()->nd_learned, 0);
}
END_TEST

/* §7.1.1, §7.1.2: each invalid message counted, none answered or learned. */
START_TEST(test_nd_invalid)
{
	uint8_t f[256], m[64];
	size_t len;

	boot();
	/* hop limit not 255: it crossed a router */
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 254, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, true)));
	/* code not 0 */
	len = ns_msg(m, our_ip6, true);
	m[1] = 1;
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	/* an option of length 0 */
	len = ns_msg(m, our_ip6, true);
	m[25] = 0;
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	/* an option past the message */
	len = ns_msg(m, our_ip6, true);
	m[25] = 2;
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	/* shorter than 24 */
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m, 20));
	/* a multicast target */
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, all_nodes, true)));
	/* DAD (from ::) with a source MAC option, and DAD to a unicast address */
	send_frame(f, icmp6_frame(f, &mac_our_sn, unspec, our_sn, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, true)));
	send_frame(f, icmp6_frame(f, &our_mac, unspec, our_ip6, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, our_ip6, false)));
	/* an NA to a group with S set */
	len = ns_msg(m, peer_ip6, false);
	m[0] = 136;
	m[4] = 0x40;
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ip6, all_nodes, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(stats()->nd_drop_invalid, 9);
	ck_assert_uint_eq(stats()->nd_rx_ns, 0);
	ck_assert_uint_eq(stats()->nd_learned, 0);
	/* valid, but for another node's address: counted, not answered */
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 255, IPPROTO_ICMPV6, NULL, 0, m,
			ns_msg(m, peer_ip6, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(stats()->nd_drop_not_ours, 1);
}
END_TEST

/* §7.2.5: an NA teaches nothing new; one for our own address from another
 * node is a duplicate address. Router messages are ignored. */
START_TEST(test_na_and_router_messages)
{
	uint8_t f[256], m[64];
	size_t len;

	boot();
	len = ns_msg(m, peer_ip6, true);
	m[0] = 136;
	m[24] = 2;
	m[4] = 0x20;
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ip6, all_nodes, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	ck_assert_uint_eq(stats()->nd_rx_na, 1);
	ck_assert_uint_eq(stats()->nd_learned, 0);
	len = ns_msg(m, our_ip6, true);
	m[0] = 136;
	m[24] = 2;
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ip6, all_nodes, 255, IPPROTO_ICMPV6, NULL, 0, m, len));
	ck_assert_uint_eq(stats()->nd_dad_conflict, 1);
	/* RS to all routers is no group of ours; an RA to all nodes is ignored */
	memset(m, 0, 16);
	m[0] = 134;
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 255, IPPROTO_ICMPV6, NULL, 0, m, 16));
	m[0] = 133;
	send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_routers, 255, IPPROTO_ICMPV6, NULL, 0, m, 8));
	ck_assert_uint_eq(stats()->nd_rx_router, 1);
	ck_assert_uint_eq(stats()->ip6_drop_not_ours, 1);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
}
END_TEST

/* §7.2.5: an advertisement changes a known neighbor's MAC only with Override. */
START_TEST(test_na_override)
{
	static const struct rte_ether_addr other = NF_MAC_INIT(0x09);
	uint8_t f[256], m[64];
	size_t len;

	boot();
	/* the peer becomes known from its solicitation */
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0,
			m, ns_msg(m, our_ip6, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 1);
	ck_assert_uint_eq(stats()->nd_learned, 1);
	/* another MAC, solicited but without Override: ignored */
	len = ns_msg(m, peer_ip6, true);
	m[0] = 136;
	m[4] = 0x40;
	m[24] = 2;
	memcpy(m + 26, &other, 6);
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 255, IPPROTO_ICMPV6, NULL, 0,
			m, len));
	ck_assert_uint_eq(stats()->nd_learned, 1);
	/* with Override: taken */
	m[4] = 0x60;
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 255, IPPROTO_ICMPV6, NULL, 0,
			m, len));
	ck_assert_uint_eq(stats()->nd_learned, 2);
	ck_assert_uint_eq(stats()->nd_rx_na, 2);
}
END_TEST

/* ------------------------------------------------------------ DAD */

/* RFC 4862 §5.4: a tentative address is neither answered for nor used; it
 * is in use a second after its probe. */
START_TEST(test_dad_tentative_then_preferred)
{
	uint8_t f[256], m[64];
	struct nf_pkt p;
	size_t len = echo_msg(m, 1);

	first_poll();
	nf_poll_after(&h, 900000);                      /* still tentative at 0.9 s */
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0,
			m, len));
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0,
			m, ns_msg(m, our_ip6, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(stats()->ip6_drop_not_ours, 1);
	ck_assert_uint_eq(stats()->nd_drop_not_ours, 1);
	/* our own probe, looped back by the link, is no other node's (RFC 7527) */
	{
		size_t n = icmp6_frame(f, &mac_our_sn, unspec, our_sn, 255, IPPROTO_ICMPV6, NULL, 0,
				m, ns_msg(m, our_ip6, false));

		memcpy(f + 6, &our_mac, 6);
		send_frame(f, n);
	}
	ck_assert_uint_eq(stats()->nd_dad_conflict, 0);
	nf_poll_after(&h, 200000);
	ck_assert_uint_eq(nf_take(h.dev, &p, 1), 1);   /* the join reported again */
	nf_expect_mld_report(&p, our_ll, 4, 1);
	len = echo_msg(m, 2);
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0,
			m, len));
	expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64, (uint32_t)len);
	ck_assert_uint_eq(stats()->nd_dad_conflict, 0);
}
END_TEST

/* §5.4.3: another node's probe for our tentative global address, and
 * §5.4.4: an advertisement for our tentative link-local one: each is a
 * duplicate, never used; the other address is unaffected. */
START_TEST(test_dad_duplicates)
{
	uint8_t f[256], m[64];
	struct nf_pkt p;
	size_t len;

	first_poll();
	if (_i == 0) {
		send_frame(f, icmp6_frame(f, &mac_our_sn, unspec, our_sn, 255, IPPROTO_ICMPV6, NULL,
				0, m, ns_msg(m, our_ip6, false)));
	} else {
		len = ns_msg(m, our_ll, true);
		m[0] = 136;
		m[4] = 0x20;
		m[24] = 2;
		send_frame(f, icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 255, IPPROTO_ICMPV6,
				NULL, 0, m, len));
	}
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert_uint_eq(stats()->nd_dad_conflict, 1);
	nf_poll_after(&h, 1100000);
	/* the join reported again, from the link-local address unless it is the duplicate */
	ck_assert_uint_eq(nf_take(h.dev, &p, 1), 1);
	nf_expect_mld_report(&p, _i == 0 ? our_ll : NULL, 4, 1);
	/* the duplicate: no echo, no advertisement */
	len = echo_msg(m, 3);
	send_frame(f, icmp6_frame(f, &our_mac, _i == 0 ? peer_ip6 : peer_ll,
			_i == 0 ? our_ip6 : our_ll, 64, IPPROTO_ICMPV6, NULL, 0, m, len));
	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0,
			m, ns_msg(m, _i == 0 ? our_ip6 : our_ll, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	/* the other address answers */
	len = echo_msg(m, 4);
	send_frame(f, icmp6_frame(f, &our_mac, _i == 0 ? peer_ll : peer_ip6,
			_i == 0 ? our_ll : our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len));
	expect_icmp6(&p, &peer_mac, _i == 0 ? our_ll : our_ip6, _i == 0 ? peer_ll : peer_ip6, 64,
			(uint32_t)len);
	ck_assert_uint_eq(stats()->nd_dad_conflict, 1);
}
END_TEST

/* ------------------------------------------------------------ malformed */

/*
 * Each class of bad packet ends in its counter and is never answered:
 * RFC 8200 §3 header fields, §4 extension headers, RFC 4443 checksum and
 * lengths. Loop index @_i picks the class.
 */
static const struct {
	const char *what;
	size_t counter;       /* offsetof(struct tern_stats, ...) */
	int pp;               /* the Parameter Problem's code and pointer it draws; -1: none */
	uint32_t pointer;
} bad_classes[] = {
	{ "shorter than 40 bytes", offsetof(struct tern_stats, ip6_drop_short), -1, 0 },
	{ "version 4", offsetof(struct tern_stats, ip6_drop_version), -1, 0 },
	{ "payload length past the frame", offsetof(struct tern_stats, ip6_drop_len), -1, 0 },
	{ "payload length 0 (a jumbogram)", offsetof(struct tern_stats, ip6_drop_len), -1, 0 },
	{ "multicast source", offsetof(struct tern_stats, ip6_drop_bad_src), -1, 0 },
	{ "our own address as source", offsetof(struct tern_stats, ip6_drop_bad_src), -1, 0 },
	{ "another node's address", offsetof(struct tern_stats, ip6_drop_not_ours), -1, 0 },
	{ "a group not ours", offsetof(struct tern_stats, ip6_drop_not_ours), -1, 0 },
	{ "a fragment header", offsetof(struct tern_stats, ip6_drop_fragment), -1, 0 },
	{ "hop-by-hop not first", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "unknown option, discard", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "option past its header", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "routing header, segments left", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "extension header past the payload", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "nine extension headers", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "no next header", offsetof(struct tern_stats, ip6_drop_proto), -1, 0 },
	{ "UDP (no such transport)", offsetof(struct tern_stats, ip6_drop_proto), 1, 6 },
	{ "ICMPv6 checksum wrong", offsetof(struct tern_stats, icmp6_drop_cksum), -1, 0 },
	{ "echo request of 6 bytes", offsetof(struct tern_stats, icmp6_drop_short), -1, 0 },
	{ "an ICMPv6 error", offsetof(struct tern_stats, icmp6_rx_error), -1, 0 },
	{ "MLDv1 query (no compatibility mode)", offsetof(struct tern_stats, mld_drop_query), -1, 0 },
	{ "512 bytes of headers (more than l3_len holds)", offsetof(struct tern_stats, ip6_drop_ext), -1, 0 },
	{ "TCP from ::", offsetof(struct tern_stats, ip6_drop_bad_src), -1, 0 },
	{ "echo request from :: (no reply can go there)", offsetof(struct tern_stats, icmp6_drop_type), -1, 0 },
	{ "TCP, data offset 0", offsetof(struct tern_stats, tcp_drop_short), -1, 0 },
	{ "TCP to all nodes", offsetof(struct tern_stats, tcp_drop_bcast), -1, 0 },
	{ "TCP, checksum wrong", offsetof(struct tern_stats, tcp_drop_cksum), -1, 0 },
	{ "TCP from an IPv4-mapped address", offsetof(struct tern_stats, ip6_drop_bad_src), -1, 0 },
};

/* The peer resolves our global address: the stack learns its MAC (§7.2.3). */
static void
learn_peer(void)
{
	uint8_t f[256], m[64];

	send_frame(f, icmp6_frame(f, &mac_our_sn, peer_ip6, our_sn, 255, IPPROTO_ICMPV6, NULL, 0,
			m, ns_msg(m, our_ip6, true)));
	ck_assert_uint_eq(nf_drain(h.dev), 1);             /* the advertisement */
}

/* RFC 4443 §3.4: the Parameter Problem the stack sent for @pkt (@len bytes
 * of IPv6 from the peer): from our address, to the peer, the pointer, the
 * packet quoted whole. */
static void
expect_param_problem(uint8_t code, uint32_t pointer, const uint8_t *pkt, size_t len)
{
	struct nf_pkt p;
	const uint8_t *pp = expect_icmp6(&p, &peer_mac, our_ip6, pkt + 8, 64,
			(uint32_t)(8 + len));

	ck_assert_uint_eq(pp[0], 4);
	ck_assert_uint_eq(pp[1], code);
	ck_assert_uint_eq((uint32_t)(pp[4] << 24 | pp[5] << 16 | pp[6] << 8 | pp[7]), pointer);
	ck_assert_mem_eq(pp + 8, pkt, len);
}

/* A frame from @src to @dst (@eth_dst) of @nh: @ext_len bytes of extension
 * headers @ext, then 8 bytes of an upper layer nobody reads. */
static size_t
ext_frame(uint8_t *f, const struct rte_ether_addr *eth_dst, const uint8_t *dst, uint8_t nh,
		const uint8_t *ext, size_t ext_len)
{
	size_t o = put_eth(f, eth_dst);

	put_ip6(f + o, peer_ip6, dst, nh, (uint16_t)(ext_len + 8), 64);
	if (ext_len != 0)
		memcpy(f + o + IP6_HLEN, ext, ext_len);
	memset(f + o + IP6_HLEN + ext_len, 0, 8);
	return o + IP6_HLEN + ext_len + 8;
}

/* RFC 8200 §4.2: an unknown option of type 10xxxxxx draws a Parameter
 * Problem (code 2, pointing at it) even to a group, 11xxxxxx only to a
 * unicast destination (RFC 4443 §2.4 (e.3)). */
START_TEST(test_param_problem_options)
{
	uint8_t f[256], ext[8] = { IPPROTO_UDP, 0, 0x85, 4 };
	size_t n;

	boot();
	learn_peer();
	/* destination options: the unknown option at 40 + 2 */
	n = ext_frame(f, &our_mac, our_ip6, 60, ext, 8);
	send_frame(f, n);
	expect_param_problem(2, 42, f + NF_ETH_LEN, n - NF_ETH_LEN);
	n = ext_frame(f, &mac_all_nodes, all_nodes, 60, ext, 8);
	send_frame(f, n);
	{
		/* to a group: answered from our address of the peer's scope */
		struct nf_pkt p;
		const uint8_t *pp = expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64,
				(uint32_t)(n - NF_ETH_LEN + 8));

		ck_assert_uint_eq(pp[1], 2);
	}
	ext[2] = 0xc5;
	n = ext_frame(f, &mac_all_nodes, all_nodes, 60, ext, 8);
	send_frame(f, n);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	n = ext_frame(f, &our_mac, our_ip6, 60, ext, 8);
	send_frame(f, n);
	expect_param_problem(2, 42, f + NF_ETH_LEN, n - NF_ETH_LEN);
	ck_assert_uint_eq(stats()->icmp6_tx_error, 3);
	ck_assert_uint_eq(stats()->ip6_drop_ext, 4);
}
END_TEST

/* RFC 4443 §2.4 (f): ten errors at once, then ten a second; the rest is
 * counted, not sent. */
START_TEST(test_param_problem_rate_limited)
{
	uint8_t f[256];
	size_t n;

	boot();
	learn_peer();
	n = ext_frame(f, &our_mac, our_ip6, IPPROTO_UDP, NULL, 0);
	for (int i = 0; i < 25; i++)
		nf_send(&h, f, n);
	nf_poll(&h);
	ck_assert_uint_eq(nf_drain(h.dev), 10);
	ck_assert_uint_eq(stats()->icmp6_error_limited, 15);
	nf_poll_after(&h, 1000000);
	for (int i = 0; i < 25; i++)
		nf_send(&h, f, n);
	nf_poll(&h);
	ck_assert_uint_eq(nf_drain(h.dev), 10);
	ck_assert_uint_eq(stats()->icmp6_tx_error, 20);
	ck_assert_uint_eq(stats()->ip6_drop_proto, 50);
}
END_TEST

/* A bare SYN from port 40000 to port 80, checksummed (nf_tcp_frame). */
static size_t
tcp6_syn_frame(uint8_t *f, const struct rte_ether_addr *eth_dst, const uint8_t *src,
		const uint8_t *dst)
{
	const struct nf_tcp t = {
		.eth_dst = *eth_dst, .eth_src = peer_mac, .sport = 40000, .dport = 80,
		.seq = 1, .flags = RTE_TCP_SYN_FLAG, .wnd = 65535, .src6 = src, .dst6 = dst,
	};

	return nf_tcp_frame(f, &t);
}

START_TEST(test_malformed)
{
	uint8_t f[1024], m[64], ext[600];
	size_t len = echo_msg(m, 3), n, o = NF_ETH_LEN;
	uint64_t before;

	boot();
	learn_peer();
	memset(ext, 0, sizeof(ext));
	n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len);
	switch (_i) {
	case 0: n = o + 39; break;
	case 1: f[o] = 0x40; break;
	case 2: f[o + 5] += 1; break;
	case 3: f[o + 4] = f[o + 5] = 0; break;
	case 4: n = icmp6_frame(f, &our_mac, all_nodes, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len); break;
	case 5: n = icmp6_frame(f, &our_mac, our_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len); break;
	case 6: n = icmp6_frame(f, &our_mac, peer_ip6, peer_ll, 64, IPPROTO_ICMPV6, NULL, 0, m, len); break;
	case 7: n = icmp6_frame(f, &mac_all_nodes, peer_ll, all_routers, 64, IPPROTO_ICMPV6, NULL, 0, m, len);
		break;
	case 8:
		/* fragment header: next ICMPv6, offset 0, M set */
		ext[0] = 44;
		ext[1] = IPPROTO_ICMPV6;
		ext[4] = 1;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 8, m, len);
		break;
	case 9:
		/* destination options, then hop-by-hop */
		ext[0] = 60;
		ext[1] = 0;
		ext[9] = IPPROTO_ICMPV6;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 16, m, len);
		break;
	case 10:
		/* hop-by-hop with option type 0x45 (01: discard) of 4 bytes */
		ext[0] = 0;
		ext[1] = IPPROTO_ICMPV6;
		ext[3] = 0x45;
		ext[4] = 4;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 8, m, len);
		break;
	case 11:
		/* PadN claiming 10 bytes in a 6-byte option area */
		ext[0] = 0;
		ext[1] = IPPROTO_ICMPV6;
		ext[3] = 1;
		ext[4] = 10;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 8, m, len);
		break;
	case 12:
		/* routing header type 4, segments left 1 */
		ext[0] = 43;
		ext[1] = IPPROTO_ICMPV6;
		ext[3] = 4;
		ext[4] = 1;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 8, m, len);
		break;
	case 13:
		/* a destination options header of 8 * (9 + 1) bytes in 8 + 32 */
		ext[0] = 60;
		ext[1] = IPPROTO_ICMPV6;
		ext[2] = 9;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 8, m, len);
		break;
	case 14:
		/* nine destination options headers in a row */
		ext[0] = 60;
		for (int k = 0; k < 9; k++)
			ext[1 + 8 * k] = 60;
		ext[1 + 8 * 8] = IPPROTO_ICMPV6;
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 72, m, len);
		break;
	case 15:
		put_ip6(f + o, peer_ip6, our_ip6, 59, 8, 64);
		n = o + IP6_HLEN + 8;
		break;
	case 16:
		put_ip6(f + o, peer_ip6, our_ip6, IPPROTO_UDP, 8, 64);
		n = o + IP6_HLEN + 8;
		break;
	case 17: f[o + IP6_HLEN + 2] ^= 1; break;
	case 18: n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, 6); break;
	case 19:
		m[0] = 1;        /* destination unreachable */
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len);
		break;
	case 20:
		m[0] = 130;
		n = icmp6_frame(f, &mac_all_nodes, peer_ll, all_nodes, 1, IPPROTO_ICMPV6, NULL, 0, m, 24);
		break;
	case 21:
		/* hop-by-hop of 8 * (58 + 1) = 472 bytes (PadN all along): the
		 * echo would start at 512, past l3_len's 9 bits */
		ext[1] = IPPROTO_ICMPV6;
		ext[2] = 58;
		for (int k = 0; k < 470; k += 235) {
			ext[3 + k] = 1;
			ext[4 + k] = 233;
		}
		n = icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, 0, ext + 1, 472, m, len);
		break;
	case 22:
		n = icmp6_frame(f, &our_mac, unspec, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len);
		put_ip6(f + o, unspec, our_ip6, IPPROTO_TCP, 20, 64);
		n = o + IP6_HLEN + 20;
		break;
	case 23: n = icmp6_frame(f, &our_mac, unspec, our_ip6, 64, IPPROTO_ICMPV6, NULL, 0, m, len);
		break;
	case 24:
		put_ip6(f + o, peer_ip6, our_ip6, IPPROTO_TCP, 20, 64);
		memset(f + o + IP6_HLEN, 0, 20);
		n = o + IP6_HLEN + 20;
		break;
	case 25:
	case 26:
		/* a SYN to port 80, its checksum right (to all nodes) or one off */
		n = tcp6_syn_frame(f, _i == 25 ? &mac_all_nodes : &our_mac, peer_ll,
				_i == 25 ? all_nodes : our_ip6);
		if (_i == 26)
			f[o + IP6_HLEN + 17] ^= 1;
		break;
	case 27: {
		/* ::ffff:192.0.2.1, a SYN with its checksum right */
		static const uint8_t v4_mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };

		n = tcp6_syn_frame(f, &our_mac, v4_mapped, our_ip6);
		break;
	}
	}
	before = *(const uint64_t *)((const uint8_t *)stats() + bad_classes[_i].counter);
	send_frame(f, n);
	ck_assert_msg(*(const uint64_t *)((const uint8_t *)stats() + bad_classes[_i].counter) ==
			before + 1, "%s: not counted where it belongs", bad_classes[_i].what);
	if (bad_classes[_i].pp >= 0)
		expect_param_problem((uint8_t)bad_classes[_i].pp, bad_classes[_i].pointer,
				f + NF_ETH_LEN, n - NF_ETH_LEN);
	ck_assert_msg(nf_drain(h.dev) == 0, "%s: answered", bad_classes[_i].what);
	ck_assert_uint_eq(stats()->icmp6_echo_reply, 0);
}
END_TEST

/* ------------------------------------------------------------ resolution */

static int
accept_none(struct tern_conn *c __rte_unused, void *arg __rte_unused)
{
	return -1;
}

/* The peer's advertisement for its own address to ours, with its MAC in a
 * target link-layer option and NA flags @flags (0x40 S, 0x20 O). */
static void
peer_answers(uint8_t flags)
{
	uint8_t f[256], m[64];
	size_t len = ns_msg(m, peer_ip6, true);

	m[0] = 136;
	m[4] = flags;
	m[24] = 2;
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 255, IPPROTO_ICMPV6, NULL, 0,
			m, len));
}

/* ff02::1:ff00:5 and its MAC: the peer's solicited-node group */
static const uint8_t peer_sn[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 5 };
static const struct rte_ether_addr mac_peer_sn = { { 0x33, 0x33, 0xff, 0, 0, 5 } };

/* RFC 4861 §7.2.2: our solicitation for the peer, from our global address
 * with our MAC in a source link-layer option. */
static void
expect_ns_for_peer(void)
{
	struct nf_pkt p;
	const uint8_t *ns = expect_icmp6(&p, &mac_peer_sn, our_ip6, peer_sn, 255, 32);

	ck_assert_uint_eq(ns[0], 135);
	ck_assert_uint_eq(ns[1], 0);
	ck_assert_mem_eq(ns + 8, peer_ip6, 16);
	ck_assert_uint_eq(ns[24], 1);
	ck_assert_uint_eq(ns[25], 1);
	ck_assert_mem_eq(ns + 26, &our_mac, 6);
}

/* A SYN from a peer tern has not heard from: the SYN-ACK waits while the
 * peer is solicited, and goes to the MAC its solicited advertisement gives,
 * with the MSS of IPv6 (MTU 1500 less 60). */
START_TEST(test_resolution_then_syn_ack)
{
	uint8_t f[256];
	struct nf_pkt p;

	boot();
	ck_assert_int_eq(tern_listen(h.w, 80, accept_none, NULL), 0);
	send_frame(f, tcp6_syn_frame(f, &our_mac, peer_ip6, our_ip6));
	expect_ns_for_peer();
	ck_assert_uint_eq(stats()->nd_tx_ns, 1);
	ck_assert_uint_eq(stats()->tcp6_rx, 1);
	/* the answer: solicited, with the peer's MAC */
	peer_answers(0x40);
	ck_assert_uint_eq(nf_take(h.dev, &p, 1), 1);
	ck_assert_uint_eq(nf_drain(h.dev), 0);
	ck_assert(rte_is_same_ether_addr(&p.eth->dst_addr, &peer_mac));
	ck_assert_ptr_nonnull(p.ip6);
	ck_assert_uint_eq(p.ip6->proto, IPPROTO_TCP);
	/* RFC 6437: a flow label, 20 bits, not 0 */
	ck_assert_uint_eq(rte_be_to_cpu_32(p.ip6->vtc_flow) >> 20, 0x600);
	ck_assert_uint_ne(rte_be_to_cpu_32(p.ip6->vtc_flow) & 0xfffff, 0);
	ck_assert_mem_eq(p.ip6->src_addr, our_ip6, 16);
	ck_assert_mem_eq(p.ip6->dst_addr, peer_ip6, 16);
	ck_assert_uint_eq(nf_cksum(p.l4, p.l4_len, nf_pseudo_sum6(our_ip6, peer_ip6, IPPROTO_TCP,
			p.l4_len)), 0);
	ck_assert_uint_eq(p.l4[13], RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	ck_assert_uint_eq((uint32_t)(p.l4[8] << 24 | p.l4[9] << 16 | p.l4[10] << 8 | p.l4[11]), 2);
	ck_assert_uint_eq(p.l4[20], 2);                 /* MSS first */
	ck_assert_uint_eq((uint32_t)(p.l4[22] << 8 | p.l4[23]), 1440);
	ck_assert_uint_eq(stats()->nd_learned, 1);
	ck_assert_uint_eq(stats()->nd_drop_pending, 0);
	/* 2 DAD probes, 2 MLD reports, the NS, the SYN-ACK */
	ck_assert_uint_eq(stats()->ip6_tx, 6);
}
END_TEST

/* §7.3.3: MAX_MULTICAST_SOLICIT (3) solicitations, RETRANS_TIMER (1 s)
 * apart, then the neighbor is given up and what waited is dropped; no TCP
 * segment ever leaves without a MAC. */
START_TEST(test_resolution_gives_up)
{
	uint8_t f[256];
	struct nf_pkt p;
	unsigned int ns = 0;

	boot();
	ck_assert_int_eq(tern_listen(h.w, 80, accept_none, NULL), 0);
	send_frame(f, tcp6_syn_frame(f, &our_mac, peer_ip6, our_ip6));
	for (int t = 0; t < 29; t++) {
		while (nf_take(h.dev, &p, 1) == 1) {
			ck_assert_ptr_nonnull(p.ip6);
			ck_assert_uint_eq(p.ip6->proto, IPPROTO_ICMPV6);
			ck_assert_uint_eq(p.l4[0], 135);
			ns++;
		}
		nf_poll_after(&h, 100000);
	}
	ck_assert_uint_eq(ns, 3);
	ck_assert_uint_eq(stats()->nd_tx_ns, 3);
	/* the SYN-ACK's retransmission at 1 s took the older one's place */
	ck_assert_uint_eq(stats()->nd_drop_pending, 1);
	for (int t = 0; t < 20; t++)
		nf_poll_after(&h, 100000);
	while (nf_take(h.dev, &p, 1) == 1)
		ck_assert_uint_eq(p.ip6->proto, IPPROTO_ICMPV6);
	ck_assert_uint_ge(stats()->nd_drop_pending, 2);
	ck_assert_uint_eq(stats()->nd_learned, 0);
	/* the half-open connection goes (its RST waits too); three seconds
	 * later nothing is held for the neighbor (the pool check at teardown) */
	ck_assert_int_eq(tern_unlisten(h.w, 80), 0);
	for (int t = 0; t < 40; t++)
		nf_poll_after(&h, 100000);
	nf_drain(h.dev);
}
END_TEST

/* §7.3.3: a neighbor in use is solicited once, unicast, in the last quarter
 * of its entry's life, and the solicited answer renews it: with an 8 s
 * life, the SYN-ACK resent at 7 s sends that solicitation first. */
START_TEST(test_nd_refresh_in_use)
{
	uint8_t f[256];
	struct nf_pkt p;
	unsigned int synacks = 0, refresh = 0;

	h.cfg.arp_timeout_s = 8;
	boot();
	learn_peer();
	ck_assert_int_eq(tern_listen(h.w, 80, accept_none, NULL), 0);
	send_frame(f, tcp6_syn_frame(f, &our_mac, peer_ip6, our_ip6));
	for (int t = 0; t < 75; t++) {
		while (nf_take(h.dev, &p, 1) == 1) {
			ck_assert_ptr_nonnull(p.ip6);
			ck_assert(rte_is_same_ether_addr(&p.eth->dst_addr, &peer_mac));
			if (p.ip6->proto == IPPROTO_TCP) {
				synacks++;
				continue;
			}
			/* the refresh: to the peer's own address and MAC, with ours */
			ck_assert_uint_eq(p.l4[0], 135);
			ck_assert_mem_eq(p.ip6->dst_addr, peer_ip6, 16);
			ck_assert_mem_eq(p.l4 + 8, peer_ip6, 16);
			ck_assert_uint_eq(p.l4[24], 1);
			ck_assert_uint_eq(synacks, 3);          /* before the third resend */
			refresh++;
		}
		nf_poll_after(&h, 100000);
	}
	ck_assert_uint_eq(refresh, 1);
	ck_assert_uint_eq(synacks, 4);                  /* 0, 1, 3, 7 s */
	ck_assert_uint_eq(stats()->nd_tx_refresh, 1);
	/* the solicited answer renews the entry */
	peer_answers(0x60);
	ck_assert_uint_eq(stats()->nd_learned, 2);
	ck_assert_uint_eq(stats()->nd_tx_ns, 0);        /* never resolved again */
	ck_assert_int_eq(tern_unlisten(h.w, 80), 0);
	nf_poll(&h);
	nf_drain(h.dev);
}
END_TEST


/* An unknown option whose type says "skip" (00), a routing header with no
 * segments left, eight extension headers (the most walked) and an atomic
 * fragment (RFC 6946) are walked past: each echo is answered. */
START_TEST(test_skippable_extensions)
{
	uint8_t f[256], m[64], ext[80] = { 0 };
	struct nf_pkt p;
	size_t len = echo_msg(m, 4);

	boot();
	/* destination options: option 0x1e (00: skip) of 4 bytes; then routing, 0 left */
	ext[0] = 60;
	ext[1] = 43;
	ext[3] = 0x1e;
	ext[4] = 4;
	ext[9] = IPPROTO_ICMPV6;
	ext[11] = 4;
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, ext[0], ext + 1, 16, m, len));
	expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64, (uint32_t)len);
	/* eight destination options headers */
	memset(ext, 0, sizeof(ext));
	for (int k = 0; k < 8; k++)
		ext[1 + 8 * k] = k == 7 ? IPPROTO_ICMPV6 : 60;
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, 60, ext + 1, 64, m, len));
	expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64, (uint32_t)len);
	/* a fragment header with offset 0 and M clear */
	memset(ext, 0, sizeof(ext));
	ext[1] = IPPROTO_ICMPV6;
	ext[8] = 7;                                     /* identification */
	send_frame(f, icmp6_frame(f, &our_mac, peer_ip6, our_ip6, 64, 44, ext + 1, 8, m, len));
	expect_icmp6(&p, &peer_mac, our_ip6, peer_ip6, 64, (uint32_t)len);
	ck_assert_uint_eq(stats()->icmp6_echo_reply, 3);
	ck_assert_uint_eq(stats()->ip6_drop_ext, 0);
	ck_assert_uint_eq(stats()->ip6_drop_fragment, 0);
}
END_TEST

/* The neighbor cache's slot for @a under an unkeyed CRC, its hash before
 * it was keyed */
static uint32_t
nd_slot_unkeyed(const uint8_t *a, uint32_t size)
{
	uint64_t w[2];

	memcpy(w, a, sizeof(w));
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0)) % size;
}

/* The @k-th address of 2001:db8::/64 of a fixed sequence, into @a */
static void
nth_on_link(uint8_t a[16], uint32_t k)
{
	uint64_t id = ((uint64_t)k + 1) * 0x9e3779b97f4a7c15ull;

	memcpy(a, our_ip6, 8);
	memcpy(a + 8, &id, 8);
}

/*
 * Neighbors that crowd one probe window: nine on-link addresses that the
 * unkeyed CRC puts in one slot. Under it the ninth found its 8 probe slots
 * taken and was not learned (nd_drop_table_full); the keyed hash spreads
 * them, and every solicitation's source is learned.
 */
START_TEST(test_nd_crowded_probe_learned)
{
	enum { CROWD = 9 };
	static uint16_t slot_count[1u << 20];
	uint8_t crowd[CROWD][16], a[16], f[256], m[64];
	uint32_t size = h.cfg.arp_entries, slot = UINT32_MAX, n = 0;

	ck_assert_uint_le(size, RTE_DIM(slot_count));
	memset(slot_count, 0, size * sizeof(slot_count[0]));
	/* the first slot to reach CROWD addresses, then those addresses */
	for (uint32_t k = 0; k < 64 * size && slot == UINT32_MAX; k++) {
		nth_on_link(a, k);
		if (++slot_count[nd_slot_unkeyed(a, size)] == CROWD)
			slot = nd_slot_unkeyed(a, size);
	}
	for (uint32_t k = 0; n < CROWD && slot != UINT32_MAX; k++) {
		nth_on_link(a, k);
		if (nd_slot_unkeyed(a, size) == slot)
			memcpy(crowd[n++], a, 16);
	}
	ck_assert_uint_eq(n, CROWD);
	boot();
	for (uint32_t i = 0; i < CROWD; i++) {
		send_frame(f, icmp6_frame(f, &mac_our_sn, crowd[i], our_sn, 255, IPPROTO_ICMPV6,
				NULL, 0, m, ns_msg(m, our_ip6, true)));
		ck_assert_uint_eq(nf_drain(h.dev), 1);  /* the advertisement */
	}
	ck_assert_uint_eq(stats()->nd_rx_ns, CROWD);
	ck_assert_uint_eq(stats()->nd_learned, CROWD);
	ck_assert_uint_eq(stats()->nd_drop_table_full, 0);
}
END_TEST

static Suite *
ipv6_suite(void)
{
	Suite *s = suite_create("ipv6");
	TCase *e = tcase_create("echo");
	TCase *n = tcase_create("nd");
	TCase *b = tcase_create("malformed");

	tcase_add_checked_fixture(e, setup, teardown);
	tcase_add_test(e, test_off_without_ipv6_section);
	tcase_add_test(e, test_echo_to_global);
	tcase_add_test(e, test_echo_to_all_nodes_with_hop_by_hop);
	suite_add_tcase(s, e);

	tcase_add_checked_fixture(n, setup, teardown);
	tcase_add_test(n, test_ns_answered_and_learned);
	tcase_add_test(n, test_multicast_filter_listed);
	tcase_add_loop_test(n, test_mld_query_answered, 0, 2);
	tcase_add_test(n, test_ns_dad_answered_to_all_nodes);
	tcase_add_test(n, test_nd_invalid);
	tcase_add_test(n, test_na_and_router_messages);
	tcase_add_test(n, test_na_override);
	tcase_add_test(n, test_dad_tentative_then_preferred);
	tcase_add_test(n, test_resolution_then_syn_ack);
	tcase_add_test(n, test_resolution_gives_up);
	tcase_add_test(n, test_nd_refresh_in_use);
	tcase_add_test(n, test_nd_crowded_probe_learned);
	tcase_add_loop_test(n, test_dad_duplicates, 0, 2);
	suite_add_tcase(s, n);

	tcase_add_checked_fixture(b, setup, teardown);
	tcase_add_loop_test(b, test_malformed, 0, (int)RTE_DIM(bad_classes));
	tcase_add_test(b, test_skippable_extensions);
	tcase_add_test(b, test_param_problem_options);
	tcase_add_test(b, test_param_problem_rate_limited);
	suite_add_tcase(s, b);
	return s;
}

int
main(void)
{
	return unit_run(ipv6_suite());
}
