/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for one worker: answer requests for our address, resolve next
 * hops, keep a bounded cache with expiry and refresh.
 *
 * The cache is an open-addressing table (linear probing, deletion by backward
 * shift, so there are no tombstones) with at most `entries` bindings in twice
 * as many slots. An unresolved next hop holds a bounded FIFO of packets (linked
 * through the mbuf link field) that leave when the reply comes, or are freed
 * and counted when resolution gives up. A resolved entry is used until it
 * expires; in its last quarter a use sends one unicast request to refresh it.
 * Bindings learned from the wire are shared with the other workers through
 * their inboxes, since replies arrive on one queue only.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_malloc.h>

#include "net_mbufq.h"
#include "net_priv.h"

#define ARP_RETRANS_US 1000000u     /**< RFC 1122 §2.3.2.1: at most one request per second */

enum arp_state { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	rte_be32_t ip;                 /**< protocol address, the key */
	uint8_t state;                 /**< enum arp_state */
	uint8_t tries;                 /**< requests sent while INCOMPLETE */
	uint8_t refreshing;            /**< a refresh request is out */
	struct rte_ether_addr mac;     /**< valid when REACHABLE */
	uint64_t deadline_us;          /**< INCOMPLETE: next request; REACHABLE: expiry */
	struct tern_mbufq pending;     /**< packets waiting on resolution */
};

struct arp_cache {
	uint32_t mask;                 /**< slots - 1 */
	uint32_t used;                 /**< entries in use */
	uint32_t max_used;             /**< configured bound */
	uint32_t pending_max;          /**< packets held per entry */
	uint32_t retries;              /**< requests before giving up */
	uint64_t timeout_us;           /**< lifetime of a resolved entry */
	struct arp_entry slot[];       /**< mask + 1 slots */
};

static const struct rte_ether_addr arp_bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

size_t
net_arp_cache_bytes(uint32_t entries)
{
	return sizeof(struct arp_cache) +
		(size_t)rte_align32pow2(entries * 2) * sizeof(struct arp_entry);
}

struct arp_cache *
net_arp_create(uint32_t entries, uint32_t pending, uint32_t retries,
		uint32_t timeout_s, int socket_id)
{
	uint32_t slots = rte_align32pow2(entries * 2);
	struct arp_cache *c;

	if (entries == 0)
		return NULL;
	c = rte_zmalloc_socket("tern_arp", net_arp_cache_bytes(entries),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (c == NULL)
		return NULL;
	c->mask = slots - 1;
	c->max_used = entries;
	c->pending_max = pending;
	c->retries = retries;
	c->timeout_us = (uint64_t)timeout_s * 1000000u;
	return c;
}

void
net_arp_free(struct net_if *ifp)
{
	struct arp_cache *c = ifp->arp;

	for (uint32_t i = 0; i <= c->mask; i++)
		if (c->slot[i].state != ARP_FREE)
			ifp->stats->arp_drop_pending += tern_mbufq_purge(&c->slot[i].pending);
	rte_free(c);
}

static inline uint32_t
arp_home(const struct arp_cache *c, rte_be32_t ip)
{
	return (rte_be_to_cpu_32(ip) * 2654435761u) & c->mask;
}

static struct arp_entry *
arp_find(struct arp_cache *c, rte_be32_t ip)
{
	for (uint32_t i = arp_home(c, ip);; i = (i + 1) & c->mask) {
		struct arp_entry *e = &c->slot[i];

		if (e->state == ARP_FREE)
			return NULL;
		if (e->ip == ip)
			return e;
	}
}

/* A new INCOMPLETE entry for @ip, or NULL when the table is at its bound. */
static struct arp_entry *
arp_insert(struct arp_cache *c, rte_be32_t ip)
{
	uint32_t i;

	if (c->used == c->max_used)
		return NULL;
	for (i = arp_home(c, ip); c->slot[i].state != ARP_FREE; i = (i + 1) & c->mask)
		;
	c->used++;
	memset(&c->slot[i], 0, sizeof(c->slot[i]));
	c->slot[i].ip = ip;
	c->slot[i].state = ARP_INCOMPLETE;
	tern_mbufq_init(&c->slot[i].pending);
	return &c->slot[i];
}

/* Free slot @e, then pull back later entries of its probe run (no tombstones). */
static void
arp_remove(struct arp_cache *c, struct arp_entry *e)
{
	uint32_t hole = (uint32_t)(e - c->slot);

	c->used--;
	for (uint32_t i = (hole + 1) & c->mask; c->slot[i].state != ARP_FREE;
			i = (i + 1) & c->mask) {
		uint32_t home = arp_home(c, c->slot[i].ip);

		/* may slot i move to the hole? only if its home is not in (hole, i] */
		if (((i - home) & c->mask) >= ((i - hole) & c->mask)) {
			c->slot[hole] = c->slot[i];
			hole = i;
		}
	}
	c->slot[hole].state = ARP_FREE;
}

/* Fill an Ethernet/IPv4 ARP body at @ah. */
static void
arp_fill(struct rte_arp_hdr *ah, uint16_t op,
		const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa)
{
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(rte_be32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = spa;
	rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = tpa;
}

/* Send a request for @tpa to @dst (broadcast, or unicast to refresh). */
static void
arp_send_request(struct net_if *ifp, rte_be32_t spa, rte_be32_t tpa,
		const struct rte_ether_addr *dst)
{
	static const struct rte_ether_addr zero;
	struct rte_mbuf *m = rte_pktmbuf_alloc(ifp->pool);
	struct rte_arp_hdr *ah;

	if (unlikely(m == NULL)) {
		ifp->stats->tx_drop_nombuf++;
		return;
	}
	ah = (struct rte_arp_hdr *)rte_pktmbuf_append(m, sizeof(*ah));
	arp_fill(ah, RTE_ARP_OP_REQUEST, &ifp->mac, spa, &zero, tpa);
	ifp->stats->arp_tx_request++;
	net_eth_output(ifp, m, dst, RTE_ETHER_TYPE_ARP);
}

void
net_arp_announce(struct net_if *ifp)
{
	/* RFC 5227 §3: sender and target address both ours, target MAC zero;
	 * one for each of our addresses (the first batch of them: a burst of
	 * thousands would overflow the queue; peers ask for the others) */
	for (uint32_t i = 0; i < RTE_MIN(ifp->addr_count, (uint32_t)NET_TX_BATCH_MAX); i++) {
		rte_be32_t a = rte_cpu_to_be_32(rte_be_to_cpu_32(ifp->addr) + i);

		arp_send_request(ifp, a, a, &arp_bcast);
	}
}

/* Share a binding with every other worker (they may send to it too). */
static void
arp_share(struct net_if *ifp, const struct arp_entry *e)
{
	struct net_nbr_msg msg = { .ip = e->ip, .mac = e->mac, .type = NET_MSG_ARP };

	net_nbr_share(ifp, &msg);
}

/* @e is now bound to @mac: mark it usable and release what waited on it. */
static void
arp_resolved(struct net_if *ifp, struct arp_entry *e, const struct rte_ether_addr *mac)
{
	struct arp_cache *c = ifp->arp;
	struct rte_mbuf *m;

	rte_ether_addr_copy(mac, &e->mac);
	e->state = ARP_REACHABLE;
	e->refreshing = 0;
	e->tries = 0;
	e->deadline_us = ifp->now_us + c->timeout_us;
	while ((m = tern_mbufq_dequeue(&e->pending)) != NULL)
		net_eth_output(ifp, m, &e->mac, RTE_ETHER_TYPE_IPV4);
}

/* Apply a binding: update an existing entry, or (if @create) add one. */
static bool
arp_merge(struct net_if *ifp, rte_be32_t ip, const struct rte_ether_addr *mac,
		bool create)
{
	struct arp_entry *e = arp_find(ifp->arp, ip);

	if (e == NULL) {
		if (!create)
			return false;
		e = arp_insert(ifp->arp, ip);
		if (e == NULL) {
			ifp->stats->arp_drop_table_full++;
			return false;
		}
	}
	arp_resolved(ifp, e, mac);
	ifp->stats->arp_learned++;
	return true;
}

/* RFC 826 packet checks for Ethernet/IPv4; @return the header or NULL. */
static struct rte_arp_hdr *
arp_validate(struct rte_mbuf *m)
{
	struct rte_arp_hdr *ah;

	if (rte_pktmbuf_data_len(m) < sizeof(*ah))
		return NULL;
	ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	if (ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
			ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4)
		return NULL;
	if (ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
			ah->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return NULL;
	/* a multicast sender hardware address is never a binding */
	if (rte_is_multicast_ether_addr(&ah->arp_data.arp_sha))
		return NULL;
	return ah;
}

/* Turn the request in @m into our reply and send it. Consumes @m. */
static void
arp_reply(struct net_if *ifp, struct rte_mbuf *m, struct rte_arp_hdr *ah)
{
	struct rte_ether_addr requester = ah->arp_data.arp_sha;
	rte_be32_t requester_ip = ah->arp_data.arp_sip;
	rte_be32_t asked = ah->arp_data.arp_tip;    /* one of ours */

	arp_fill(ah, RTE_ARP_OP_REPLY, &ifp->mac, asked, &requester, requester_ip);
	tern_mbuf_cut_back(m, rte_pktmbuf_pkt_len(m) - (uint32_t)sizeof(*ah));
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	ifp->stats->arp_tx_reply++;
	net_eth_output(ifp, m, &requester, RTE_ETHER_TYPE_ARP);
}

void
net_arp_input(struct net_if *ifp, struct rte_mbuf *m)
{
	struct rte_arp_hdr *ah = arp_validate(m);
	rte_be32_t spa, tpa;
	bool for_us, learned = false;

	if (ah == NULL) {
		ifp->stats->arp_drop_malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	ifp->stats->arp_rx++;
	spa = ah->arp_data.arp_sip;
	tpa = ah->arp_data.arp_tip;
	for_us = net_if_owns(ifp, tpa);
	/* RFC 826 "Packet Reception": merge the sender into an existing entry;
	 * add it if we are the target. Probes (sender 0.0.0.0, RFC 5227) and
	 * claims on our own address teach nothing. */
	if (spa != 0 && !net_if_owns(ifp, spa)) {
		learned = arp_merge(ifp, spa, &ah->arp_data.arp_sha, for_us);
		if (learned)
			arp_share(ifp, arp_find(ifp->arp, spa));
	}
	if (for_us && ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST)) {
		arp_reply(ifp, m, ah);
		return;
	}
	if (!for_us && !learned)
		ifp->stats->arp_drop_not_ours++;
	rte_pktmbuf_free(m);
}

void
net_arp_learn(struct net_if *ifp, const struct net_nbr_msg *msg)
{
	arp_merge(ifp, msg->ip, &msg->mac, true);
}

/* Send a refresh in a resolved entry's last quarter of life (once). */
static void
arp_maybe_refresh(struct net_if *ifp, struct arp_entry *e)
{
	uint64_t quarter = ifp->arp->timeout_us / 4;

	if (!e->refreshing && ifp->now_us + quarter >= e->deadline_us) {
		e->refreshing = 1;
		arp_send_request(ifp, ifp->addr, e->ip, &e->mac);
	}
}

void
net_arp_output(struct net_if *ifp, struct rte_mbuf *m, rte_be32_t next_hop)
{
	struct arp_cache *c = ifp->arp;
	struct arp_entry *e = arp_find(c, next_hop);

	if (likely(e != NULL && e->state == ARP_REACHABLE)) {
		if (likely(ifp->now_us < e->deadline_us)) {
			arp_maybe_refresh(ifp, e);
			net_eth_output(ifp, m, &e->mac, RTE_ETHER_TYPE_IPV4);
			return;
		}
		/* expired between two timer sweeps: resolve again */
		ifp->stats->arp_expired++;
		e->state = ARP_INCOMPLETE;
		e->tries = 0;
	}
	if (e == NULL) {
		e = arp_insert(c, next_hop);
		if (e == NULL) {
			ifp->stats->arp_drop_table_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (e->tries == 0) {
		e->tries = 1;
		e->deadline_us = ifp->now_us + ARP_RETRANS_US;
		arp_send_request(ifp, ifp->addr, next_hop, &arp_bcast);
	}
	if (e->pending.len >= c->pending_max) {
		ifp->stats->arp_drop_pending++;
		rte_pktmbuf_free(m);
		return;
	}
	tern_mbufq_enqueue(&e->pending, m);
}

/* Advance one entry's timers. @return true if it was removed. */
static bool
arp_entry_timer(struct net_if *ifp, struct arp_entry *e)
{
	struct arp_cache *c = ifp->arp;

	if (ifp->now_us < e->deadline_us)
		return false;
	if (e->state == ARP_REACHABLE) {
		ifp->stats->arp_expired++;
		arp_remove(c, e);
		return true;
	}
	if (e->tries < c->retries) {
		e->tries++;
		e->deadline_us = ifp->now_us + ARP_RETRANS_US;
		arp_send_request(ifp, ifp->addr, e->ip, &arp_bcast);
		return false;
	}
	/* no answer: RFC 1122 §2.3.2.2 lets queued packets go, counted */
	ifp->stats->arp_drop_pending += tern_mbufq_purge(&e->pending);
	arp_remove(c, e);
	return true;
}

void
net_arp_timer(struct net_if *ifp)
{
	struct arp_cache *c = ifp->arp;

	for (uint32_t i = 0; i <= c->mask; i++) {
		/* a removal shifts a later entry into slot i: look at it again */
		while (c->slot[i].state != ARP_FREE && arp_entry_timer(ifp, &c->slot[i]))
			;
	}
}

bool
net_arp_lookup(struct net_if *ifp, rte_be32_t ip, struct rte_ether_addr *mac)
{
	struct arp_entry *e = arp_find(ifp->arp, ip);

	if (e == NULL || e->state != ARP_REACHABLE || ifp->now_us >= e->deadline_us)
		return false;
	rte_ether_addr_copy(&e->mac, mac);
	return true;
}

uint32_t
net_arp_count(const struct net_if *ifp)
{
	return ifp->arp->used;
}
