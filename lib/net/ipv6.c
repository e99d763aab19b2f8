/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 (RFC 8200): validation of received packets and their extension
 * headers, and the header of packets we originate. On only with [ipv6].
 *
 * Validation order, one counter per reason: length of the fixed header,
 * version, payload length against the frame, source, destination (our
 * addresses, all-nodes, our solicited-node groups), then the extension
 * headers in order (RFC 8200 §4): hop-by-hop only first, options walked
 * with their "unknown option" action honoured, a routing header with
 * segments left refused (§4.4), fragments counted and dropped (no
 * reassembly; an atomic fragment, RFC 6946, is a whole packet), at most
 * NET_IP6_EXT_MAX headers so the walk is bounded, and at most
 * NET_IP6_HDRS_MAX bytes of them, the most l3_len holds.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_mbufq.h"
#include "net_priv.h"

#define NET_IP6_HLEN      40
#define NET_IP6_EXT_MAX   8     /**< extension headers walked before giving up */
/* All headers before the upper layer: their length goes in the mbuf's l3_len,
 * a 9-bit field */
#define NET_IP6_HDRS_MAX  ((1u << RTE_MBUF_L3_LEN_BITS) - 1)

/* RFC 8200 §4: extension header numbers */
#define IP6_NH_HOPOPTS    0
#define IP6_NH_ROUTING    43
#define IP6_NH_FRAGMENT   44
#define IP6_NH_DSTOPTS    60
#define IP6_NH_NONE       59

/* RFC 4291 2.7.1: ff02::1, all nodes on the link */
static const uint8_t ip6_all_nodes[NET_IP6_LEN] = { 0xff, 0x02, [15] = 1 };

int
net_ipv6_which(const struct net_if *ifp, const uint8_t *a)
{
	if (!net_ip6_is_zero(ifp->ip6_addr) && memcmp(a, ifp->ip6_addr, NET_IP6_LEN) == 0)
		return NET_IP6_GLOBAL;
	if (!net_ip6_is_zero(ifp->ip6_ll) && memcmp(a, ifp->ip6_ll, NET_IP6_LEN) == 0)
		return NET_IP6_LINK_LOCAL;
	return -1;
}

bool
net_ipv6_is_ours(const struct net_if *ifp, const uint8_t *a)
{
	int w = net_ipv6_which(ifp, a);

	return w >= 0 && net_ip6_state_of(ifp, w) == NET_IP6_PREFERRED;
}

unsigned int
net_ip6_groups(const struct net_if *ifp, uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN])
{
	unsigned int n = 0;

	memcpy(groups[n++], ip6_all_nodes, NET_IP6_LEN);
	if (!net_ip6_is_zero(ifp->ip6_addr))
		net_ip6_solicited_node(ifp->ip6_addr, groups[n++]);
	if (!net_ip6_is_zero(ifp->ip6_ll)) {
		net_ip6_solicited_node(ifp->ip6_ll, groups[n]);
		/* both addresses may end in the same 24 bits: one group */
		if (n == 1 || memcmp(groups[n], groups[n - 1], NET_IP6_LEN) != 0)
			n++;
	}
	return n;
}

unsigned int
net_ip6_group_macs(const struct net_if *ifp, struct rte_ether_addr macs[NET_IP6_GROUPS_MAX])
{
	uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN];
	unsigned int n = net_ip6_groups(ifp, groups);

	/* distinct groups of ours have distinct MACs: all-nodes ends in
	 * 00:00:00:01, a solicited-node group in ff and its own 24 bits */
	for (unsigned int i = 0; i < n; i++)
		net_ip6_multicast_mac(groups[i], &macs[i]);
	return n;
}

static bool
ipv6_dst_is_ours(const struct net_if *ifp, const uint8_t *dst)
{
	uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN];
	unsigned int n;

	if (!net_ip6_is_multicast(dst))
		return net_ipv6_is_ours(ifp, dst);
	n = net_ip6_groups(ifp, groups);
	for (unsigned int i = 0; i < n; i++)
		if (memcmp(dst, groups[i], NET_IP6_LEN) == 0)
			return true;
	return false;
}

/* Why a packet was refused, where RFC 8200 asks for a Parameter Problem. */
struct ipv6_problem {
	uint8_t code;                  /**< RFC 4443 §3.4; 0: none to send */
	uint8_t action;                /**< an unknown option's high bits (2: also to a group) */
	uint32_t pointer;              /**< offset of the offending octet in the packet */
};
#define IP6_PP_NEXT_HEADER 1       /**< unrecognized Next Header type */
#define IP6_PP_OPTION      2       /**< unrecognized IPv6 option */

/*
 * RFC 8200 §4.2: the options of a hop-by-hop or destination options header
 * at @p opt, @p len bytes. Pad1 and PadN are skipped, as is an unknown
 * option whose type's two high bits say "skip" (00); every other unknown
 * option discards the packet, and 10 and 11 ask for a Parameter Problem
 * pointing at it (*@p bad_at, its offset in @p opt; *@p action, its high
 * bits). @return false to discard.
 */
static bool
ipv6_options_ok(const uint8_t *opt, uint32_t len, uint32_t *bad_at, uint8_t *action)
{
	uint32_t i = 0;

	*action = 0;
	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0) {                 /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + opt[i + 1] > len)
			return false;            /* the option runs past its header */
		if (type != 1 && (type >> 6) != 0) {
			*bad_at = i;             /* unknown, and not to be skipped */
			*action = type >> 6;
			return false;
		}
		i += 2u + opt[i + 1];
	}
	return true;
}

/* RFC 8200 §4.5: M clear and offset 0, an "atomic fragment" (RFC 6946):
 * a whole packet, processed as if the header were not there. */
static bool
ipv6_atomic_fragment(const uint8_t *h)
{
	return ((h[2] << 8 | h[3]) & 0xfff9) == 0;
}

/*
 * Walk the extension headers from @p nh at offset @p off (RFC 8200 §4.1
 * order is not enforced beyond hop-by-hop first): at most NET_IP6_EXT_MAX
 * of them, ending within NET_IP6_HDRS_MAX bytes, so the upper-layer offset
 * fits l3_len. @return the upper-layer protocol with *@p off at its
 * header, or -1 with the reason counted.
 */
static int
ipv6_walk_ext(struct tern_stats *st, const uint8_t *pkt, uint32_t avail, uint8_t nh,
		uint32_t *off, uint32_t *nh_at, struct ipv6_problem *pp)
{
	for (unsigned int k = 0;; k++) {
		const uint8_t *h = pkt + *off;
		uint32_t hlen, bad_at;
		uint8_t action;

		switch (nh) {
		case IP6_NH_HOPOPTS:
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
		case IP6_NH_FRAGMENT:
			break;
		case IP6_NH_NONE:
			st->ip6_drop_proto++;
			return -1;
		default:
			return nh;
		}
		if (k == NET_IP6_EXT_MAX)
			goto bad;
		/* RFC 8200 §4.3: hop-by-hop only right after the IPv6 header */
		if (nh == IP6_NH_HOPOPTS && *off != NET_IP6_HLEN)
			goto bad;
		if (*off + 8 > avail)
			goto bad;
		/* Hdr Ext Len in 8-octet units, less the first; a fragment header is 8 */
		hlen = nh == IP6_NH_FRAGMENT ? 8u : 8u * (h[1] + 1u);
		if (*off + hlen > avail || *off + hlen > NET_IP6_HDRS_MAX)
			goto bad;
		if (nh == IP6_NH_FRAGMENT) {
			if (!ipv6_atomic_fragment(h)) {
				st->ip6_drop_fragment++;      /* no reassembly */
				return -1;
			}
		} else if (nh == IP6_NH_ROUTING) {
			/* §4.4: segments left != 0 asks us to forward; we are a host */
			if (h[3] != 0)
				goto bad;
		} else if (!ipv6_options_ok(h + 2, hlen - 2, &bad_at, &action)) {
			if (action >= 2) {
				pp->code = IP6_PP_OPTION;
				pp->action = action;
				pp->pointer = *off + 2 + bad_at;
			}
			goto bad;
		}
		nh = h[0];
		*nh_at = *off;
		*off += hlen;
	}
bad:
	st->ip6_drop_ext++;
	return -1;
}

int
net_ipv6_input(struct net_if *ifp, struct rte_mbuf *m)
{
	struct tern_stats *st = ifp->stats;
	const struct rte_ipv6_hdr *ip;
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint32_t off = NET_IP6_HLEN, plen, nh_at = offsetof(struct rte_ipv6_hdr, proto);
	struct ipv6_problem pp = { 0 };
	int proto;

	st->ip6_rx++;
	/* the headers are read in place: they must sit in the first segment */
	if (unlikely(rte_pktmbuf_data_len(m) < NET_IP6_HLEN)) {
		st->ip6_drop_short++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	if (unlikely((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)) {
		st->ip6_drop_version++;
		goto drop;
	}
	/* 0 means a jumbogram (RFC 2675), which a link of our MTU cannot carry */
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(plen == 0 || NET_IP6_HLEN + plen > pkt_len)) {
		st->ip6_drop_len++;
		goto drop;
	}
	/* an IPv4-mapped source is no node's (RFC 6890 registry: never
	 * forwardable), and it would pose as an IPv4 peer to an AF_INET6
	 * socket, which shows IPv4 peers so (tern_sock.h) */
	if (unlikely(net_ip6_is_multicast(ip->src_addr) || net_ipv6_is_ours(ifp, ip->src_addr) ||
			net_ip6_is_v4_mapped(ip->src_addr))) {
		st->ip6_drop_bad_src++;
		goto drop;
	}
	if (unlikely(!ipv6_dst_is_ours(ifp, ip->dst_addr))) {
		st->ip6_drop_not_ours++;
		goto drop;
	}
	/* Ethernet pads short frames: keep only what the header counts (in
	 * whichever of a chain's mbufs it ends) */
	if (pkt_len > NET_IP6_HLEN + plen)
		tern_mbuf_cut_back(m, pkt_len - NET_IP6_HLEN - plen);
	proto = ipv6_walk_ext(st, (const uint8_t *)ip,
			RTE_MIN(rte_pktmbuf_data_len(m), NET_IP6_HLEN + plen), ip->proto, &off,
			&nh_at, &pp);
	if (proto < 0)
		goto problem;
	/* RFC 4291 2.5.2: from :: only what may come from a node without an
	 * address (ND, MLD: ICMPv6); nothing can answer it */
	if (unlikely(net_ip6_is_zero(ip->src_addr) && proto != IPPROTO_ICMPV6)) {
		st->ip6_drop_bad_src++;
		goto drop;
	}
	if (unlikely(proto != IPPROTO_TCP && proto != IPPROTO_ICMPV6)) {
		/* RFC 8200 §4: an upper layer we do not speak */
		st->ip6_drop_proto++;
		pp.code = IP6_PP_NEXT_HEADER;
		pp.pointer = nh_at;
		goto problem;
	}
	m->l3_len = off;
	return proto;
problem:
	if (pp.code != 0) {
		/* RFC 4443 §2.4 (e.3): to a group only for option type 10 */
		net_icmp6_error(ifp, m, NET_ICMP6_PARAM_PROBLEM, pp.code, pp.pointer,
				pp.code == IP6_PP_OPTION && pp.action == 2);
		return -1;
	}
drop:
	rte_pktmbuf_free(m);
	return -1;
}

void
net_ipv6_hdr_fill(struct rte_ipv6_hdr *ip, const uint8_t *src, const uint8_t *dst,
		uint8_t proto, uint16_t payload_len, uint8_t hop_limit)
{
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);   /* class 0, flow label 0 */
	ip->payload_len = rte_cpu_to_be_16(payload_len);
	ip->proto = proto;
	ip->hop_limits = hop_limit;
	memcpy(ip->src_addr, src, NET_IP6_LEN);
	memcpy(ip->dst_addr, dst, NET_IP6_LEN);
}

const uint8_t *
net_ipv6_next_hop(const struct net_if *ifp, const uint8_t *dst)
{
	/* RFC 4861 §5.2: on-link (our prefix, or link-local) goes straight to
	 * the neighbor, anything else to the default router */
	if (net_ip6_is_link_local(dst) || (!net_ip6_is_zero(ifp->ip6_addr) &&
			net_ip6_same_prefix(dst, ifp->ip6_addr, ifp->ip6_prefix_len)))
		return dst;
	return net_ip6_is_zero(ifp->ip6_gw) ? NULL : ifp->ip6_gw;
}

const uint8_t *
net_ipv6_src_for(const struct net_if *ifp, const uint8_t *peer)
{
	bool ll = net_ip6_state_of(ifp, NET_IP6_LINK_LOCAL) == NET_IP6_PREFERRED;
	bool global = net_ip6_state_of(ifp, NET_IP6_GLOBAL) == NET_IP6_PREFERRED;

	/* RFC 6724 §5 rule 2, scope: link-local to link-local, the global
	 * address to anything else (a link-local source never crosses a router) */
	if (net_ip6_is_link_local(peer))
		return ll ? ifp->ip6_ll : NULL;
	return global ? ifp->ip6_addr : NULL;
}

void
net_ipv6_output(struct net_if *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const uint8_t *nh = net_ipv6_next_hop(ifp, ip->dst_addr);

	if (unlikely(nh == NULL)) {
		ifp->stats->ip6_drop_no_route++;
		rte_pktmbuf_free(m);
		return;
	}
	ifp->stats->ip6_tx++;
	net_nd_output(ifp, m, nh);
}

uint32_t
net_ipv6_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
	uint32_t a[NET_IP6_LEN / 4], b[NET_IP6_LEN / 4];
	uint64_t sum;

	/* RFC 8200 §8.1: addresses, upper-layer length (32 bits), zeros, next
	 * header; summed in memory order 32 bits at a time, as net_cksum_raw
	 * sums 16 (ones' complement sums fold either way) */
	memcpy(a, src, sizeof(a));
	memcpy(b, dst, sizeof(b));
	sum = (uint64_t)a[0] + a[1] + a[2] + a[3] + b[0] + b[1] + b[2] + b[3] +
		rte_cpu_to_be_32(len) + rte_cpu_to_be_32(proto);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)((sum & 0xffff) + (sum >> 16));
}
