/* SPDX-License-Identifier: BSD-3-Clause */
/* One worker's link state: set up from the config, torn down at exit. */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include <rte_ring_elem.h>

#include "net_priv.h"

RTE_LOG_REGISTER(tern_logtype_net, tern.net, INFO);

int
net_if_init(struct net_if *ifp, const struct net_if_params *p,
		struct tern_netdev *dev, uint16_t queue, struct rte_mempool *pool,
		struct tern_stats *stats, int socket_id)
{
	memset(ifp, 0, sizeof(*ifp));
	rte_ether_addr_copy(&dev->mac, &ifp->mac);
	ifp->mtu = dev->mtu;
	ifp->addr = p->addr;
	ifp->addr_count = p->addr_count != 0 ? p->addr_count : 1;
	ifp->netmask = p->netmask;
	ifp->bcast = p->addr | ~p->netmask;
	ifp->gateway = p->gateway;
	ifp->ttl = p->ttl;
	ifp->offloads = dev->offloads;
	ifp->gro = p->gro;
	ifp->ip_id = (uint16_t)(queue * 4099u);
	ifp->stats = stats;
	ifp->pool = pool;
	ifp->dev = dev;
	ifp->queue = queue;
	ifp->arp = net_arp_create(p->arp_entries, p->arp_pending, p->arp_retries,
			p->arp_timeout_s, socket_id);
	if (ifp->arp == NULL)
		return -ENOMEM;
	if (!p->ip6_on)
		return 0;
	ifp->ip6_on = true;
	ifp->ip6_hop_limit = p->ip6_hop_limit;
	ifp->icmp6_tokens = NET_ICMP6_ERR_BURST;
	ifp->ip6_prefix_len = p->ip6_prefix_len;
	if (p->ip6_addr != NULL)
		memcpy(ifp->ip6_addr, p->ip6_addr, NET_IP6_LEN);
	ifp->ip6sh = p->ip6_shared;
	if (p->ip6_gw != NULL)
		memcpy(ifp->ip6_gw, p->ip6_gw, NET_IP6_LEN);
	if (p->ip6_link_local)
		net_ip6_link_local_of(&ifp->mac, ifp->ip6_ll);
	/* the same bound and lifetime as the ARP cache's */
	return net_nd_create(ifp, p->arp_entries, p->arp_timeout_s);
}

void
net_if_fini(struct net_if *ifp)
{
	for (uint16_t i = 0; i < ifp->tx.n; i++)
		rte_pktmbuf_free(ifp->tx.m[i]);
	ifp->tx.n = 0;
	ifp->tx.counted = 0;
	ifp->tx.bytes = 0;
	if (ifp->arp != NULL)
		net_arp_free(ifp);
	ifp->arp = NULL;
	net_nd_free(ifp);
}

void
net_nbr_share(struct net_if *ifp, const struct net_nbr_msg *msg)
{
	struct net_nbr_msg m = *msg;    /* the ring takes a non-const pointer */

	for (uint16_t i = 0; i < ifp->n_workers; i++) {
		if (i == ifp->self)
			continue;
		if (rte_ring_enqueue_elem(ifp->peer_inbox[i], &m, sizeof(m)) != 0)
			ifp->stats->inbox_drop++;
	}
}
