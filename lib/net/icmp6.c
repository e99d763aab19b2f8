/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861) for a host.
 *
 *  - Echo requests, to one of our addresses or to all nodes, are answered
 *    in place from the address asked (or, for a group, ours of the
 *    requester's scope: RFC 4443 §4.2).
 *  - Neighbor Solicitations for one of our addresses are answered with a
 *    solicited, override Advertisement carrying our MAC (§7.2.4); one from
 *    an address with its MAC teaches the neighbor cache (§7.2.3). A
 *    solicitation from :: (Duplicate Address Detection) is answered to all
 *    nodes, unsolicited.
 *  - Advertisements update an entry the cache already has (§7.2.5: a new
 *    MAC only with Override, a longer life only when solicited); one for
 *    our own address from another node is a duplicate address, counted.
 *  - Duplicate Address Detection (RFC 4862 §5.4) of our addresses at start:
 *    tentative for a second after worker 0's probes, not answered for
 *    meanwhile; a probe or an advertisement for one from another node makes
 *    it a duplicate, never used, on every worker (struct net_ip6_shared).
 *  - Router messages are counted and ignored: the config names the router.
 *  - MLD queries go to mld.c (RFC 3810), which also joins our groups at
 *    start; other nodes' MLD reports are counted and dropped.
 *  - Errors (types below 128) are counted and dropped: no IPv6 transport yet.
 *
 * Every ND message is validated first (RFC 4861 §7.1: hop limit 255, code
 * 0, length, target not multicast, options of non-zero length inside the
 * message, no source MAC option from ::); a failure is nd_drop_invalid.
 *
 * The neighbor cache is a fixed table of [arp] entries slots per worker,
 * open addressing with a bounded probe; an entry lives [arp] timeout.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_jhash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_priv.h"
#include "tern_secret.h"

/* RFC 4443 §2.1, RFC 4861 §4 */
#define ICMP6_ECHO_REQUEST  128
#define ICMP6_ECHO_REPLY    129
#define MLD_QUERY           130 /**< RFC 3810 §5.1 (mld.c) */
#define ND_ROUTER_SOLICIT   133
#define ND_ROUTER_ADVERT    134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_OPT_SOURCE_LLA   1
#define ND_OPT_TARGET_LLA   2
#define ND_NA_FLAG_SOLICITED 0x40
#define ND_NA_FLAG_OVERRIDE  0x20

#define ICMP6_HDR_LEN   4        /**< type, code, checksum */
#define ICMP6_ECHO_LEN  8        /**< and identifier, sequence */
#define ND_NS_NA_LEN    24       /**< and reserved/flags, target */
#define ND_LLA_OPT_LEN  8        /**< a link-layer address option on Ethernet */
#define ND_HOP_LIMIT    255
#define ND_PROBE_MAX    8        /**< cache slots looked at for one address */
#define ND_MAX_MULTICAST_SOLICIT 3 /**< RFC 4861 §10 */
#define ND_RETRANS_TIMER_US 1000000u /**< RFC 4861 §10 RETRANS_TIMER */

static const uint8_t all_nodes[NET_IP6_LEN] = { 0xff, 0x02, [15] = 1 };

struct nd_entry {
	uint8_t addr[NET_IP6_LEN];
	struct rte_ether_addr mac;
	bool used;
	bool incomplete;               /**< resolution under way: no MAC yet (§7.3.2 INCOMPLETE) */
	bool refreshing;               /**< a unicast solicitation went out in its last quarter */
	uint8_t solicits;              /**< solicitations sent for it */
	uint64_t expires_us;           /**< INCOMPLETE: when to solicit again */
	struct rte_mbuf *pending;      /**< the newest packet waiting for it */
};

struct nd_cache {
	uint32_t size;                 /**< slots */
	uint32_t secret;               /**< the slots' hash key (nd_slot0) */
	uint64_t lifetime_us;
	struct nd_entry e[];
};

/* ------------------------------------------------------------ the cache */

int
net_nd_create(struct net_if *ifp, uint32_t entries, uint32_t timeout_s)
{
	struct nd_cache *c = calloc(1, sizeof(*c) + (size_t)entries * sizeof(c->e[0]));

	if (c == NULL)
		return -ENOMEM;
	c->size = entries;
	tern_secret_fill(&c->secret, sizeof(c->secret));
	c->lifetime_us = (uint64_t)timeout_s * 1000000;
	ifp->nd = c;
	return 0;
}

void
net_nd_free(struct net_if *ifp)
{
	struct nd_cache *c = ifp->nd;

	for (uint32_t i = 0; c != NULL && i < c->size; i++)
		if (c->e[i].pending != NULL) {
			ifp->stats->nd_drop_pending++;
			rte_pktmbuf_free(c->e[i].pending);
		}
	free(c);
	ifp->nd = NULL;
}

/* The first slot of neighbor @a's probe: a keyed hash, as the connection
 * tables' (docs/design.md), so that a neighbor cannot pick addresses that
 * crowd another's probe */
static uint32_t
nd_slot0(const struct nd_cache *c, const uint8_t *a)
{
	uint32_t w[NET_IP6_LEN / 4];

	/* the address may sit at any alignment in the frame */
	memcpy(w, a, sizeof(w));
	return rte_jhash_32b(w, RTE_DIM(w), c->secret) % c->size;
}

static bool
nd_entry_live(const struct nd_entry *e, uint64_t now_us)
{
	return e->used && now_us < e->expires_us;
}

bool
net_nd_lookup(struct net_if *ifp, const uint8_t *a, struct rte_ether_addr *mac)
{
	struct nd_cache *c = ifp->nd;
	uint32_t s = nd_slot0(c, a);

	for (uint32_t k = 0; k < RTE_MIN((uint32_t)ND_PROBE_MAX, c->size); k++) {
		const struct nd_entry *e = &c->e[(s + k) % c->size];

		if (nd_entry_live(e, ifp->now_us) && !e->incomplete &&
				memcmp(e->addr, a, NET_IP6_LEN) == 0) {
			rte_ether_addr_copy(&e->mac, mac);
			return true;
		}
	}
	return false;
}

/* The slot of neighbor @a, or NULL; *@spare: a free or expired slot of its probe. */
static struct nd_entry *
nd_find(struct net_if *ifp, const uint8_t *a, struct nd_entry **spare)
{
	struct nd_cache *c = ifp->nd;
	uint32_t s = nd_slot0(c, a);

	*spare = NULL;
	for (uint32_t k = 0; k < RTE_MIN((uint32_t)ND_PROBE_MAX, c->size); k++) {
		struct nd_entry *e = &c->e[(s + k) % c->size];

		if (e->used && memcmp(e->addr, a, NET_IP6_LEN) == 0)
			return e;
		if (*spare == NULL && !nd_entry_live(e, ifp->now_us) && !e->incomplete)
			*spare = e;
	}
	return NULL;
}

/* @e has a MAC (learned, or resolution done): what waited for it goes. */
static void
nd_entry_set(struct net_if *ifp, struct nd_entry *e, const uint8_t *a,
		const struct rte_ether_addr *mac)
{
	struct rte_mbuf *m = e->pending;

	memcpy(e->addr, a, NET_IP6_LEN);
	rte_ether_addr_copy(mac, &e->mac);
	e->used = true;
	e->incomplete = false;
	e->refreshing = false;
	e->pending = NULL;
	e->expires_us = ifp->now_us + ifp->nd->lifetime_us;
	ifp->stats->nd_learned++;
	if (m != NULL)
		net_eth_output(ifp, m, mac, RTE_ETHER_TYPE_IPV6);
}

/* Share what this worker heard of neighbor @a with the others (they may
 * send to it too, and each resolves alone otherwise), as ARP does. */
static void
nd_share(struct net_if *ifp, const uint8_t *a, const struct rte_ether_addr *mac)
{
	struct net_nbr_msg msg = { .type = NET_MSG_ND, .mac = *mac };

	memcpy(msg.ip6, a, NET_IP6_LEN);
	net_nbr_share(ifp, &msg);
}

/* Neighbor @a is at @mac: its entry created or updated; with no slot free
 * in its probe, counted and not learned. */
static void
nd_set(struct net_if *ifp, const uint8_t *a, const struct rte_ether_addr *mac)
{
	struct nd_entry *spare, *e = nd_find(ifp, a, &spare);

	if (e == NULL)
		e = spare;
	if (e == NULL) {
		ifp->stats->nd_drop_table_full++;
		return;
	}
	nd_entry_set(ifp, e, a, mac);
}

/* RFC 4861 §7.2.3: a solicitation's source and its MAC, for every worker. */
static void
nd_learn(struct net_if *ifp, const uint8_t *a, const struct rte_ether_addr *mac)
{
	nd_set(ifp, a, mac);
	nd_share(ifp, a, mac);
}

void
net_nd_learn(struct net_if *ifp, const struct net_nbr_msg *msg)
{
	nd_set(ifp, msg->ip6, &msg->mac);
}

/*
 * RFC 4861 §7.2.5: an advertisement creates nothing; it changes an entry's
 * MAC only with the Override flag (or the same MAC), and only a solicited
 * one (an answer to reachability) extends its life. A solicited one this
 * worker has no entry for answers another worker's solicitation (IPv6's
 * frames all come to one queue: the device hashes TCP/IPv4 only): it goes
 * to the others.
 */
static void
nd_advert_update(struct net_if *ifp, const uint8_t *a, const struct rte_ether_addr *mac,
		bool solicited, bool override)
{
	struct nd_entry *spare, *e = nd_find(ifp, a, &spare);

	if (e == NULL || !(e->incomplete || nd_entry_live(e, ifp->now_us))) {
		if (solicited)
			nd_share(ifp, a, mac);
		return;
	}
	/* §7.2.5: an INCOMPLETE entry takes the advertised address, whatever
	 * the flags; a complete one changes only with Override */
	if (e->incomplete) {
		nd_entry_set(ifp, e, a, mac);
		nd_share(ifp, a, mac);
		return;
	}
	if (!override && !rte_is_same_ether_addr(&e->mac, mac))
		return;
	if (solicited) {
		nd_entry_set(ifp, e, a, mac);
	} else {
		rte_ether_addr_copy(mac, &e->mac);
		ifp->stats->nd_learned++;
	}
	nd_share(ifp, a, mac);
}

/* ------------------------------------------------------------ helpers */

/* The Ethernet source of received frame @m (its header is still in front). */
static struct rte_ether_addr
icmp6_frame_src_mac(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)
		(rte_pktmbuf_mtod(m, const uint8_t *) - m->l2_len);

	return eh->src_addr;
}

/* Drop the extension headers of a received packet: a plain 40-byte header. */
static struct rte_ipv6_hdr *
icmp6_strip_ext(struct rte_mbuf *m)
{
	uint16_t extra = (uint16_t)(m->l3_len - sizeof(struct rte_ipv6_hdr));
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (extra != 0) {
		memmove(p + extra, p, sizeof(struct rte_ipv6_hdr));
		rte_pktmbuf_adj(m, extra);
		m->l3_len = sizeof(struct rte_ipv6_hdr);
	}
	return rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
}

/* Checksum the ICMPv6 message behind @ip (@len bytes) and send the packet to @mac. */
static void
icmp6_send(struct net_if *ifp, struct rte_mbuf *m, uint32_t len,
		const struct rte_ether_addr *mac)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	uint8_t *icmp = (uint8_t *)(ip + 1);

	icmp[2] = 0;
	icmp[3] = 0;
	{
		uint16_t c = (uint16_t)~net_cksum_mbuf(m, sizeof(*ip), len,
				net_ipv6_pseudo_sum(ip->src_addr, ip->dst_addr, IPPROTO_ICMPV6, len));

		memcpy(&icmp[2], &c, sizeof(c));
	}
	/* the frame goes out again: RX flags and lengths mean nothing now */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	ifp->stats->ip6_tx++;
	net_eth_output(ifp, m, mac, RTE_ETHER_TYPE_IPV6);
}

/* ------------------------------------------------------------ errors we send */

/* RFC 4443 §2.4 (f): a token bucket per worker (Linux keeps one per peer):
 * NET_ICMP6_ERR_BURST at once, NET_ICMP6_ERR_PER_S a second after */
#define NET_ICMP6_ERR_PER_S 10
#define NET_ICMP6_MIN_MTU   1280      /**< RFC 8200 §5: an error fits it (RFC 4443 §2.4 c) */

static bool
icmp6_error_token(struct net_if *ifp)
{
	uint64_t gained = (ifp->now_us - ifp->icmp6_tokens_us) * NET_ICMP6_ERR_PER_S / 1000000;

	if (gained != 0) {
		ifp->icmp6_tokens = (uint32_t)RTE_MIN((uint64_t)NET_ICMP6_ERR_BURST,
				ifp->icmp6_tokens + gained);
		ifp->icmp6_tokens_us = ifp->now_us;
	}
	if (ifp->icmp6_tokens == 0)
		return false;
	ifp->icmp6_tokens--;
	return true;
}

void
net_icmp6_error(struct net_if *ifp, struct rte_mbuf *m, uint8_t type, uint8_t code,
		uint32_t word, bool to_group_ok)
{
	const struct rte_ipv6_hdr *in = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint8_t peer[NET_IP6_LEN], ours[NET_IP6_LEN];
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(m), RTE_MIN((uint32_t)ifp->mtu,
			(uint32_t)NET_ICMP6_MIN_MTU) - (uint32_t)sizeof(*in) - NET_ICMP6_ERR_HDR_LEN);
	const uint8_t *src;
	struct rte_ipv6_hdr *ip;
	uint8_t *msg;
	uint16_t ck;

	/* §2.4 (e): never about a packet from :: or a group (the input refused
	 * groups), nor, but for the exceptions, one sent to a group */
	if (net_ip6_is_zero(in->src_addr) || (net_ip6_is_multicast(in->dst_addr) && !to_group_ok))
		goto drop;
	if (!icmp6_error_token(ifp)) {
		ifp->stats->icmp6_error_limited++;
		goto drop;
	}
	src = net_ip6_is_multicast(in->dst_addr) ? net_ipv6_src_for(ifp, in->src_addr) :
		in->dst_addr;
	if (src == NULL)
		goto drop;
	memcpy(peer, in->src_addr, NET_IP6_LEN);
	memcpy(ours, src, NET_IP6_LEN);
	/* a chain whose last segment is shorter than what goes is not trimmed
	 * by rte_pktmbuf_trim: not answered (receive paths deliver flat frames) */
	if (rte_pktmbuf_pkt_len(m) > quote &&
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - quote)) != 0)
		goto drop;
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip) + NET_ICMP6_ERR_HDR_LEN);
	if (ip == NULL) {
		ifp->stats->tx_drop_nombuf++;
		goto drop;
	}
	net_ipv6_hdr_fill(ip, ours, peer, IPPROTO_ICMPV6,
			(uint16_t)(NET_ICMP6_ERR_HDR_LEN + quote), ifp->ip6_hop_limit);
	msg = (uint8_t *)(ip + 1);
	msg[0] = type;
	msg[1] = code;
	msg[2] = msg[3] = 0;
	msg[4] = (uint8_t)(word >> 24);
	msg[5] = (uint8_t)(word >> 16);
	msg[6] = (uint8_t)(word >> 8);
	msg[7] = (uint8_t)word;
	ck = (uint16_t)~net_cksum_mbuf(m, sizeof(*ip), NET_ICMP6_ERR_HDR_LEN + quote,
			net_ipv6_pseudo_sum(ours, peer, IPPROTO_ICMPV6, NET_ICMP6_ERR_HDR_LEN + quote));
	memcpy(&msg[2], &ck, sizeof(ck));
	/* the frame goes out again: RX flags and lengths mean nothing now */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	ifp->stats->icmp6_tx_error++;
	net_ipv6_output(ifp, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ echo */

/* RFC 4443 §4.2: the reply carries the request's identifier, sequence and data. */
static void
icmp6_echo_reply(struct net_if *ifp, struct rte_mbuf *m, uint32_t len)
{
	struct rte_ether_addr mac = icmp6_frame_src_mac(m);
	struct rte_ipv6_hdr *ip = icmp6_strip_ext(m);
	uint8_t peer[NET_IP6_LEN], self[NET_IP6_LEN];
	const uint8_t *from;

	memcpy(peer, ip->src_addr, NET_IP6_LEN);
	from = net_ip6_is_multicast(ip->dst_addr) ? net_ipv6_src_for(ifp, peer) : ip->dst_addr;
	if (from == NULL) {
		ifp->stats->icmp6_drop_type++;      /* no address of ours in use yet */
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(self, from, NET_IP6_LEN);
	net_ipv6_hdr_fill(ip, self, peer, IPPROTO_ICMPV6, (uint16_t)len, ifp->ip6_hop_limit);
	((uint8_t *)(ip + 1))[0] = ICMP6_ECHO_REPLY;
	ifp->stats->icmp6_echo_reply++;
	icmp6_send(ifp, m, len, &mac);
}

/* ------------------------------------------------------------ Neighbor Discovery */

static void nd_duplicate(struct net_if *ifp, int which);

/*
 * RFC 4861 §7.1.1, §7.1.2: the checks common to solicitations and
 * advertisements, and the link-layer address option of type @lla_type, if
 * any, into *@lla. @return false if the message is invalid.
 */
static bool
nd_valid(const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len, uint8_t lla_type,
		bool *has_lla, struct rte_ether_addr *lla)
{
	uint32_t off = ND_NS_NA_LEN;

	*has_lla = false;
	if (ip->hop_limits != ND_HOP_LIMIT || msg[1] != 0 || len < ND_NS_NA_LEN ||
			net_ip6_is_multicast(msg + 8))
		return false;
	while (off < len) {
		uint32_t olen;

		if (off + 2 > len)
			return false;
		olen = 8u * msg[off + 1];       /* in units of 8 octets */
		if (olen == 0 || off + olen > len)
			return false;
		if (msg[off] == lla_type && olen == ND_LLA_OPT_LEN) {
			*has_lla = true;
			memcpy(lla, msg + off + 2, RTE_ETHER_ADDR_LEN);
		}
		off += olen;
	}
	return true;
}

/* Rewrite @m into our Neighbor Advertisement for @target to @dst (and @mac). */
static void
nd_send_na(struct net_if *ifp, struct rte_mbuf *m, const uint8_t *target, const uint8_t *dst,
		const struct rte_ether_addr *mac, bool solicited)
{
	const uint32_t len = ND_NS_NA_LEN + ND_LLA_OPT_LEN;
	struct rte_ipv6_hdr *ip;
	uint8_t t[NET_IP6_LEN], d[NET_IP6_LEN], *na;

	ifp->stats->nd_tx_na++;
	/* the solicitation's own bytes are overwritten: copy what is read */
	memcpy(t, target, NET_IP6_LEN);
	memcpy(d, dst, NET_IP6_LEN);
	ip = icmp6_strip_ext(m);
	if (rte_pktmbuf_pkt_len(m) > sizeof(*ip) + len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(*ip) - len));
	else if (rte_pktmbuf_pkt_len(m) < sizeof(*ip) + len &&
			rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + len -
					rte_pktmbuf_pkt_len(m))) == NULL) {
		ifp->stats->tx_drop_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	if (rte_pktmbuf_data_len(m) < sizeof(*ip) + len) {
		/* a chain whose first segment cannot hold the reply */
		ifp->stats->tx_drop_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	net_ipv6_hdr_fill(ip, t, d, IPPROTO_ICMPV6, (uint16_t)len, ND_HOP_LIMIT);
	na = (uint8_t *)(ip + 1);
	memset(na, 0, len);
	na[0] = ND_NEIGHBOR_ADVERT;
	na[4] = ND_NA_FLAG_OVERRIDE | (solicited ? ND_NA_FLAG_SOLICITED : 0);
	memcpy(na + 8, t, NET_IP6_LEN);
	na[24] = ND_OPT_TARGET_LLA;
	na[25] = 1;
	memcpy(na + 26, &ifp->mac, RTE_ETHER_ADDR_LEN);
	icmp6_send(ifp, m, len, mac);
}

/* RFC 4861 §7.2.3, §7.2.4: a solicitation for one of our addresses. */
static void
nd_ns_input(struct net_if *ifp, struct rte_mbuf *m, const uint8_t *msg, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	struct rte_ether_addr slla, mac;
	bool has_slla, from_dad = net_ip6_is_zero(ip->src_addr);
	struct rte_ether_addr frame_src = icmp6_frame_src_mac(m);
	uint8_t sn[NET_IP6_LEN];
	int which;

	if (!nd_valid(ip, msg, len, ND_OPT_SOURCE_LLA, &has_slla, &slla))
		goto invalid;
	/* §7.1.1: from ::, to the target's solicited-node group and no source MAC */
	net_ip6_solicited_node(msg + 8, sn);
	if (from_dad && (has_slla || memcmp(ip->dst_addr, sn, NET_IP6_LEN) != 0))
		goto invalid;
	ifp->stats->nd_rx_ns++;
	which = net_ipv6_which(ifp, msg + 8);
	/* RFC 4862 §5.4.3: another node's DAD probe for our tentative address
	 * (not ours looped back: RFC 7527 §3) makes it a duplicate; a
	 * resolution of it is not answered yet */
	if (which >= 0 && from_dad && !rte_is_same_ether_addr(&frame_src, &ifp->mac))
		nd_duplicate(ifp, which);
	if (which < 0 || net_ip6_state_of(ifp, which) != NET_IP6_PREFERRED) {
		ifp->stats->nd_drop_not_ours++;
		rte_pktmbuf_free(m);
		return;
	}
	if (from_dad) {
		/* §7.2.4: to all nodes, not solicited */
		net_ip6_multicast_mac(all_nodes, &mac);
		nd_send_na(ifp, m, msg + 8, all_nodes, &mac, false);
		return;
	}
	mac = has_slla ? slla : frame_src;
	if (has_slla)
		nd_learn(ifp, ip->src_addr, &slla);
	nd_send_na(ifp, m, msg + 8, ip->src_addr, &mac, true);
	return;
invalid:
	ifp->stats->nd_drop_invalid++;
	rte_pktmbuf_free(m);
}

/* RFC 4861 §7.2.5: an advertisement updates what the cache has. */
static void
nd_na_input(struct net_if *ifp, struct rte_mbuf *m, const uint8_t *msg, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	struct rte_ether_addr tlla;
	bool has_tlla;
	int which;

	/* §7.1.2: to a group, never solicited */
	if (!nd_valid(ip, msg, len, ND_OPT_TARGET_LLA, &has_tlla, &tlla) ||
			(net_ip6_is_multicast(ip->dst_addr) && (msg[4] & ND_NA_FLAG_SOLICITED))) {
		ifp->stats->nd_drop_invalid++;
		rte_pktmbuf_free(m);
		return;
	}
	ifp->stats->nd_rx_na++;
	which = net_ipv6_which(ifp, msg + 8);
	if (which >= 0) {
		/* another node claims our address: while it is tentative, the
		 * address is a duplicate (RFC 4862 §5.4.4); a claim on one in
		 * use is counted (the address stays ours) */
		if (net_ip6_state_of(ifp, which) == NET_IP6_PREFERRED)
			ifp->stats->nd_dad_conflict++;
		else
			nd_duplicate(ifp, which);
	} else if (has_tlla)
		nd_advert_update(ifp, msg + 8, &tlla, msg[4] & ND_NA_FLAG_SOLICITED,
				msg[4] & ND_NA_FLAG_OVERRIDE);
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ DAD */

/* RFC 4862 §5.4: 1 probe (DupAddrDetectTransmits), RetransTimer 1 s */
#define ND_DAD_WAIT_US 1000000u

void
net_ip6_shared_init(struct net_ip6_shared *sh, bool global, bool link_local)
{
	memset(sh, 0, sizeof(*sh));
	sh->state[NET_IP6_GLOBAL] = global ? NET_IP6_TENTATIVE : NET_IP6_ABSENT;
	sh->state[NET_IP6_LINK_LOCAL] = link_local ? NET_IP6_TENTATIVE : NET_IP6_ABSENT;
}

/* Our address @which goes from tentative to @to; @return whether this call moved it. */
static bool
nd_state_move(struct net_if *ifp, int which, uint8_t to)
{
	uint8_t from = NET_IP6_TENTATIVE;

	return __atomic_compare_exchange_n(&ifp->ip6sh->state[which], &from, to, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* RFC 4862 §5.4.5: our tentative address @which is another node's: never
 * used, on every worker (the state is the stack's); counted once. */
static void
nd_duplicate(struct net_if *ifp, int which)
{
	if (nd_state_move(ifp, which, NET_IP6_DUPLICATE))
		ifp->stats->nd_dad_conflict++;
}

/*
 * A Neighbor Solicitation for @target to its solicited-node group, from
 * @src with our MAC in a source link-layer option, or from :: without one
 * (@src NULL: a DAD probe, RFC 4862 §5.4.2); with @unicast, to @target at
 * that MAC (a refresh, §7.3.3). @return false if no mbuf was there for it.
 */
static bool
nd_send_ns(struct net_if *ifp, const uint8_t *target, const uint8_t *src,
		const struct rte_ether_addr *unicast)
{
	const uint32_t len = ND_NS_NA_LEN + (src != NULL ? ND_LLA_OPT_LEN : 0);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ifp->pool);
	static const uint8_t unspec[NET_IP6_LEN];
	uint8_t sn[NET_IP6_LEN], *ns;
	struct rte_ipv6_hdr *ip;
	struct rte_ether_addr mac;

	if (m == NULL || rte_pktmbuf_append(m, sizeof(*ip) + len) == NULL) {
		ifp->stats->tx_drop_nombuf++;
		rte_pktmbuf_free(m);
		return false;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	net_ip6_solicited_node(target, sn);
	net_ip6_multicast_mac(sn, &mac);
	if (unicast != NULL)
		rte_ether_addr_copy(unicast, &mac);
	net_ipv6_hdr_fill(ip, src != NULL ? src : unspec, unicast != NULL ? target : sn,
			IPPROTO_ICMPV6, (uint16_t)len, ND_HOP_LIMIT);
	ns = (uint8_t *)(ip + 1);
	memset(ns, 0, len);
	ns[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(ns + 8, target, NET_IP6_LEN);
	if (src != NULL) {
		ns[24] = ND_OPT_SOURCE_LLA;
		ns[25] = 1;
		memcpy(ns + 26, &ifp->mac, RTE_ETHER_ADDR_LEN);
		if (unicast == NULL)
			ifp->stats->nd_tx_ns++;
	} else {
		ifp->stats->nd_tx_dad++;
	}
	icmp6_send(ifp, m, len, &mac);
	return true;
}

/* ------------------------------------------------------------ resolution */

/* RFC 4861 §7.2.2: solicit @e's address again, from our address for it. */
static void
nd_solicit(struct net_if *ifp, struct nd_entry *e)
{
	const uint8_t *src = net_ipv6_src_for(ifp, e->addr);

	e->solicits++;
	e->expires_us = ifp->now_us + ND_RETRANS_TIMER_US;
	if (src != NULL)
		nd_send_ns(ifp, e->addr, src, NULL);
}

/*
 * §7.3.3, as ARP's refresh: an entry in use in its last quarter of life is
 * solicited once, unicast, so a solicited advertisement renews it before
 * it expires under a flowing connection (Linux's peer, confirmed by TCP,
 * would not solicit us).
 */
static void
nd_maybe_refresh(struct net_if *ifp, struct nd_entry *e)
{
	const uint8_t *src;

	if (e->refreshing || ifp->now_us + ifp->nd->lifetime_us / 4 < e->expires_us)
		return;
	e->refreshing = true;
	src = net_ipv6_src_for(ifp, e->addr);
	if (src != NULL && nd_send_ns(ifp, e->addr, src, &e->mac))
		ifp->stats->nd_tx_refresh++;
}

/* Forget unresolved @e: what waited for it is dropped (§7.3.3). */
static void
nd_entry_give_up(struct net_if *ifp, struct nd_entry *e)
{
	if (e->pending != NULL) {
		ifp->stats->nd_drop_pending++;
		rte_pktmbuf_free(e->pending);
	}
	memset(e, 0, sizeof(*e));
}

void
net_nd_output(struct net_if *ifp, struct rte_mbuf *m, const uint8_t *next_hop)
{
	struct nd_entry *spare, *e = nd_find(ifp, next_hop, &spare);

	if (likely(e != NULL && !e->incomplete && nd_entry_live(e, ifp->now_us))) {
		nd_maybe_refresh(ifp, e);
		net_eth_output(ifp, m, &e->mac, RTE_ETHER_TYPE_IPV6);
		return;
	}
	if (e == NULL || !e->incomplete) {
		/* a new resolution, in the stale entry's slot or a free one */
		if (e == NULL)
			e = spare;
		if (e == NULL) {
			ifp->stats->nd_drop_table_full++;
			rte_pktmbuf_free(m);
			return;
		}
		memset(e, 0, sizeof(*e));
		memcpy(e->addr, next_hop, NET_IP6_LEN);
		e->used = true;
		e->incomplete = true;
		nd_solicit(ifp, e);
	}
	/* §7.2.2: the newest packet waits; an older one is dropped */
	if (e->pending != NULL) {
		ifp->stats->nd_drop_pending++;
		rte_pktmbuf_free(e->pending);
	}
	e->pending = m;
}

/* The sweep: unresolved neighbors solicited again, or given up (§7.3.3). */
static void
nd_resolution_timer(struct net_if *ifp)
{
	struct nd_cache *c = ifp->nd;

	for (uint32_t i = 0; i < c->size; i++) {
		struct nd_entry *e = &c->e[i];

		if (!e->incomplete || ifp->now_us < e->expires_us)
			continue;
		if (e->solicits >= ND_MAX_MULTICAST_SOLICIT)
			nd_entry_give_up(ifp, e);
		else
			nd_solicit(ifp, e);
	}
}

/* Worker 0: the probes for the tentative addresses; DAD's second runs from
 * when they all left (an mbuf shortage delays it to the next sweep). */
static void
nd_send_dad_probes(struct net_if *ifp)
{
	struct net_ip6_shared *sh = ifp->ip6sh;
	const uint8_t *addr[NET_IP6_N] = { ifp->ip6_addr, ifp->ip6_ll };

	for (int w = NET_IP6_N - 1; w >= 0; w--)
		if (net_ip6_state_of(ifp, w) == NET_IP6_TENTATIVE &&
				!nd_send_ns(ifp, addr[w], NULL, NULL))
			return;
	sh->probes_due = false;
	__atomic_store_n(&sh->dad_end_us, ifp->now_us + ND_DAD_WAIT_US, __ATOMIC_RELEASE);
}

void
net_nd_start_dad(struct net_if *ifp)
{
	if (!ifp->ip6_on)
		return;
	/* RFC 4862 §5.4.2: the groups are joined before the probes go */
	net_mld_start(ifp);
	ifp->ip6sh->probes_due = true;
	nd_send_dad_probes(ifp);
}

void
net_nd_timer(struct net_if *ifp)
{
	uint64_t end;

	if (!ifp->ip6_on)
		return;
	nd_resolution_timer(ifp);
	if (ifp->ip6sh->probes_due)            /* worker 0's own, set by it */
		nd_send_dad_probes(ifp);
	end = __atomic_load_n(&ifp->ip6sh->dad_end_us, __ATOMIC_ACQUIRE);
	if (end != 0 && ifp->now_us >= end)
		for (int w = 0; w < NET_IP6_N; w++)
			nd_state_move(ifp, w, NET_IP6_PREFERRED);
	net_mld_timer(ifp);
}

/* ------------------------------------------------------------ input */

/*
 * RFC 4443 §2.4 (e): an error's invoking packet, as much as fits, follows
 * its 8 bytes. For TCP: an IPv6 header from one of our addresses, TCP next
 * (Tern sends no extension headers), and the 8 bytes of TCP header that
 * name the connection.
 */
static bool
icmp6_quote_is_our_tcp(const struct net_if *ifp, const struct rte_mbuf *m, uint32_t len)
{
	const struct rte_ipv6_hdr *q;

	if (len < NET_ICMP6_ERR_HDR_LEN + sizeof(*q) + NET_ICMP6_QUOTED_TCP_MIN)
		return false;
	q = net_icmp6_quoted_ip(m);
	return (rte_be_to_cpu_32(q->vtc_flow) >> 28) == 6 && q->proto == IPPROTO_TCP &&
		net_ipv6_which(ifp, q->src_addr) >= 0;
}

bool
net_icmp6_input(struct net_if *ifp, struct rte_mbuf *m)
{
	struct tern_stats *st = ifp->stats;
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t off = m->l3_len, len = rte_pktmbuf_pkt_len(m) - off;
	const uint8_t *msg;

	st->icmp6_rx++;
	/* the message is read in place: it must sit in the first segment */
	if (unlikely(len < ICMP6_HDR_LEN || rte_pktmbuf_data_len(m) < off + len)) {
		st->icmp6_drop_short++;
		goto drop;
	}
	if (unlikely(net_cksum_mbuf(m, off, len, net_ipv6_pseudo_sum(ip->src_addr,
			ip->dst_addr, IPPROTO_ICMPV6, len)) != 0xffff)) {
		st->icmp6_drop_cksum++;
		goto drop;
	}
	msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	switch (msg[0]) {
	case ICMP6_ECHO_REQUEST:
		if (len < ICMP6_ECHO_LEN) {
			st->icmp6_drop_short++;
			goto drop;
		}
		/* a reply cannot go to :: (RFC 4291 2.5.2) */
		if (msg[1] != 0 || net_ip6_is_zero(ip->src_addr))
			break;
		icmp6_echo_reply(ifp, m, len);
		return false;
	case ND_NEIGHBOR_SOLICIT:
		nd_ns_input(ifp, m, msg, len);
		return false;
	case ND_NEIGHBOR_ADVERT:
		nd_na_input(ifp, m, msg, len);
		return false;
	case ND_ROUTER_SOLICIT:
	case ND_ROUTER_ADVERT:
		st->nd_rx_router++;
		goto drop;
	case MLD_QUERY:
		net_mld_query_input(ifp, ip, msg, len);
		goto drop;
	default:
		/* RFC 4443 §2.4 (d): types below 128 are errors, for the upper
		 * layer (Packet Too Big, RFC 8201, among them) */
		if (msg[0] < 128) {
			st->icmp6_rx_error++;
			if (!icmp6_quote_is_our_tcp(ifp, m, len)) {
				st->icmp6_drop_quote++;
				goto drop;
			}
			m->packet_type = NET_PTYPE_ICMP6_ERROR;
			return true;
		}
		break;
	}
	st->icmp6_drop_type++;
drop:
	rte_pktmbuf_free(m);
	return false;
}
