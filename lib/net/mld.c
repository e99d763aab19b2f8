/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multicast Listener Discovery version 2 (RFC 3810), the host's part: a
 * switch that snoops MLD forwards a group's frames only to the ports that
 * reported it, so Neighbor Solicitations to our solicited-node groups reach
 * us only once we have said we listen.
 *
 *  - At start (worker 0, with the first DAD probes: RFC 4862 §5.4.2 joins
 *    the groups before probing) a State Change Report of every group of
 *    ours but all-nodes (never reported, §6), sent again after the
 *    Unsolicited Report Interval: MLD_ROBUSTNESS reports in all (§6.1).
 *  - A General Query, or a Multicast-Address-Specific Query for one of our
 *    groups, is answered with a Current State Report of all our groups at a
 *    random time within its Maximum Response Delay (§6.2); a query that
 *    falls due before a pending answer brings it forward. The answer names
 *    every group, where §6.2 would name only the one a specific query asked
 *    about: a router learns nothing false from it.
 *  - MLDv1 queries (RFC 2710) are not answered: no compatibility mode (§8).
 *  - Simplified: a query answered while a join is still to be reported
 *    again is answered by that report (same groups, as State Change
 *    records); the second join goes a second after the first, not at a
 *    random time within it (§6.1); the Router Alert of a query is not
 *    checked (§5.1.14), a query without one costs one report at most.
 *
 * Reports go to ff02::16 with hop limit 1 and a Router Alert (RFC 2711),
 * from our link-local address once it is preferred, else from :: (§5.2.13).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "net_priv.h"

#define MLD_V2_REPORT          143
#define MLD_V2_QUERY_LEN       28      /**< a query with no sources (§5.1) */
#define MLD_MODE_IS_EXCLUDE    2       /**< Current State Record, no sources: listening */
#define MLD_CHANGE_TO_EXCLUDE  4       /**< State Change Record, no sources: joined */
#define MLD_RECORD_LEN         20      /**< type, aux len, sources, group */
#define MLD_REPORT_HDR_LEN     8       /**< type, code, checksum, reserved, records */
#define MLD_HBH_LEN            8       /**< Hop-by-Hop header: Router Alert and PadN */
#define MLD_ROBUSTNESS         2       /**< §9.1: reports of a state change sent */
#define MLD_UNSOLICITED_US     1000000u /**< §9.11: Unsolicited Report Interval */

/* ff02::16, all MLDv2-capable routers (§5.2.14) */
static const uint8_t mld_all_routers[NET_IP6_LEN] = { 0xff, 0x02, [15] = 0x16 };

/* net_ip6_groups puts all-nodes first, and it is never reported (§6): our
 * groups to report start after it */
#define MLD_FIRST_GROUP 1

/* A Version 2 Report (§5.2) of every group of ours, each in a record of
 * @record_type. @return false if no mbuf was there for it. */
static bool
mld_send_report(struct net_if *ifp, uint8_t record_type)
{
	static const uint8_t unspec[NET_IP6_LEN];
	uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN];
	unsigned int n = net_ip6_groups(ifp, groups) - MLD_FIRST_GROUP;
	uint32_t len = MLD_REPORT_HDR_LEN + n * MLD_RECORD_LEN;
	struct rte_mbuf *m = rte_pktmbuf_alloc(ifp->pool);
	bool ll_ok = net_ip6_state_of(ifp, NET_IP6_LINK_LOCAL) == NET_IP6_PREFERRED;
	struct rte_ether_addr mac;
	struct rte_ipv6_hdr *ip;
	uint8_t *hbh, *r;
	uint16_t c;

	if (m == NULL || rte_pktmbuf_append(m, sizeof(*ip) + MLD_HBH_LEN + len) == NULL) {
		ifp->stats->tx_drop_nombuf++;
		rte_pktmbuf_free(m);
		return false;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	net_ipv6_hdr_fill(ip, ll_ok ? ifp->ip6_ll : unspec, mld_all_routers, 0 /* Hop-by-Hop */,
			(uint16_t)(MLD_HBH_LEN + len), 1);
	hbh = (uint8_t *)(ip + 1);
	hbh[0] = IPPROTO_ICMPV6;
	hbh[1] = 0;                     /* 8 bytes */
	hbh[2] = 5;                     /* Router Alert (RFC 2711), value 0: MLD */
	hbh[3] = 2;
	hbh[4] = 0;
	hbh[5] = 0;
	hbh[6] = 1;                     /* PadN of 0 bytes */
	hbh[7] = 0;
	r = hbh + MLD_HBH_LEN;
	memset(r, 0, len);
	r[0] = MLD_V2_REPORT;
	r[6] = (uint8_t)(n >> 8);
	r[7] = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *rec = r + MLD_REPORT_HDR_LEN + i * MLD_RECORD_LEN;

		rec[0] = record_type;
		memcpy(rec + 4, groups[MLD_FIRST_GROUP + i], NET_IP6_LEN);
	}
	c = (uint16_t)~net_cksum_mbuf(m, sizeof(*ip) + MLD_HBH_LEN, len,
			net_ipv6_pseudo_sum(ip->src_addr, ip->dst_addr, IPPROTO_ICMPV6, len));
	memcpy(r + 2, &c, sizeof(c));
	net_ip6_multicast_mac(mld_all_routers, &mac);
	ifp->stats->mld_tx_report++;
	ifp->stats->ip6_tx++;
	net_eth_output(ifp, m, &mac, RTE_ETHER_TYPE_IPV6);
	return true;
}

/* Bring the next report forward to @due_us (any worker; worker 0 sends it). */
static void
mld_report_by(struct net_ip6_shared *sh, uint64_t due_us)
{
	uint64_t cur = __atomic_load_n(&sh->mld_due_us, __ATOMIC_ACQUIRE);

	while ((cur == 0 || due_us < cur) &&
			!__atomic_compare_exchange_n(&sh->mld_due_us, &cur, due_us, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

void
net_mld_start(struct net_if *ifp)
{
	struct net_ip6_shared *sh = ifp->ip6sh;

	sh->mld_changes_left = MLD_ROBUSTNESS;
	mld_report_by(sh, ifp->now_us);
	net_mld_timer(ifp);
}

void
net_mld_timer(struct net_if *ifp)
{
	struct net_ip6_shared *sh = ifp->ip6sh;
	uint64_t due;
	bool change;

	if (ifp->self != 0)
		return;
	due = __atomic_load_n(&sh->mld_due_us, __ATOMIC_ACQUIRE);
	if (due == 0 || ifp->now_us < due)
		return;
	change = sh->mld_changes_left != 0;
	if (!mld_send_report(ifp, change ? MLD_CHANGE_TO_EXCLUDE : MLD_MODE_IS_EXCLUDE))
		return;                 /* again at the next sweep */
	/* a query's answer falling due meanwhile is kept, or the next change report */
	__atomic_compare_exchange_n(&sh->mld_due_us, &due, 0, false, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE);
	if (change && --sh->mld_changes_left != 0)
		mld_report_by(sh, ifp->now_us + MLD_UNSOLICITED_US);
}

/* §5.1.3: the Maximum Response Delay, in µs, of a Maximum Response Code. */
static uint64_t
mld_max_response_us(uint16_t code)
{
	uint64_t ms = code < 32768 ? code :
		(uint64_t)((code & 0xfff) | 0x1000) << (((code >> 12) & 7) + 3);

	return ms * 1000;
}

void
net_mld_query_input(struct net_if *ifp, const struct rte_ipv6_hdr *ip, const uint8_t *msg,
		uint32_t len)
{
	uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN];
	const uint8_t *group = msg + 8;
	uint64_t delay;
	bool ours;

	/* §5.1.14: from a link-local address, hop limit 1; MLDv1's are shorter */
	if (len < MLD_V2_QUERY_LEN || ip->hop_limits != 1 || !net_ip6_is_link_local(ip->src_addr)) {
		ifp->stats->mld_drop_query++;
		return;
	}
	ours = net_ip6_is_zero(group);          /* a General Query */
	for (unsigned int i = MLD_FIRST_GROUP, n = net_ip6_groups(ifp, groups); i < n && !ours; i++)
		ours = memcmp(group, groups[i], NET_IP6_LEN) == 0;
	if (!ours) {
		ifp->stats->mld_drop_query++;
		return;
	}
	ifp->stats->mld_rx_query++;
	delay = mld_max_response_us(rte_be_to_cpu_16(*(const unaligned_uint16_t *)(msg + 4)));
	mld_report_by(ifp->ip6sh, ifp->now_us + (delay != 0 ? rte_rand_max(delay) : 0));
}
