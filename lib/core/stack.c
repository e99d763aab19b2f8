/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stack lifecycle: create (pools, inboxes, workers, device up), run on the
 * lcores, stop, free. Nothing here runs per packet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core_priv.h"
#include "net_mbufq.h"
#include "quiesce.h"

RTE_LOG_REGISTER(tern_logtype_core, tern.core, INFO);

static unsigned int stack_serial;  /* names pools and rings uniquely */

/*
 * Mbufs receive needs of worker @id's pool, which send queues may not take
 * (docs/design.md "Memory pressure"): a full ring on each queue it polls,
 * the burst in hand, and a transmit batch for the ACKs it answers with.
 */
static uint32_t
worker_rx_reserve(const struct tern_stack *s, unsigned int id)
{
	uint32_t queues = (s->nb_queues - id + s->nb_workers - 1) / s->nb_workers;

	return queues * s->cfg.port_rx_desc + s->cfg.burst + NET_TX_BATCH_MAX;
}

static int
worker_init(struct tern_stack *s, struct tern_worker *w, uint16_t id, unsigned int serial)
{
	const struct tern_config *cfg = &s->cfg;
	struct net_if_params p = {
		.addr = cfg->ip_addr, .addr_count = cfg->ip_addr_count, .netmask = cfg->ip_netmask,
		.gateway = cfg->ip_gateway, .ttl = (uint8_t)cfg->ip_ttl,
		.arp_entries = cfg->arp_entries, .arp_timeout_s = cfg->arp_timeout_s,
		.arp_pending = cfg->arp_pending, .arp_retries = cfg->arp_retries,
		.ip6_on = cfg->ip6_enabled != 0, .ip6_hop_limit = (uint8_t)cfg->ip6_hop_limit,
		.ip6_prefix_len = (uint8_t)cfg->ip6_prefix_len, .ip6_addr = cfg->ip6_addr,
		.ip6_gw = cfg->ip6_gateway, .ip6_link_local = cfg->ip6_link_local != 0,
		.ip6_shared = s->ip6, .gro = cfg->port_gro != 0,
	};
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_socket_id(), rc;

	w->stack = s;
	w->id = id;
	w->burst = (uint16_t)cfg->burst;
	w->nb_queues = (uint16_t)s->nb_queues;
	w->stride = (uint16_t)s->nb_workers;
	w->pool_size = cfg->mbufs;
	w->snap = aligned_alloc(RTE_CACHE_LINE_SIZE,
			RTE_ALIGN_CEIL(sizeof(*w->snap), RTE_CACHE_LINE_SIZE));
	if (w->snap == NULL)
		return -ENOMEM;
	memset(w->snap, 0, sizeof(*w->snap));
	snprintf(name, sizeof(name), "tern%u_w%u", serial, id);
	w->pool = rte_pktmbuf_pool_create(name, cfg->mbufs, cfg->mbuf_cache, 0,
			tern_mbuf_room(s->dev->mtu), socket);
	if (w->pool == NULL) {
		CORE_LOG(ERR, "worker %u: mbuf pool of %u: %s", id, cfg->mbufs,
				rte_strerror(rte_errno));
		return -rte_errno;
	}
	snprintf(name, sizeof(name), "tern%u_in%u", serial, id);
	w->inbox = rte_ring_create_elem(name, sizeof(struct net_nbr_msg),
			WORKER_INBOX_SIZE, socket, RING_F_SC_DEQ);
	if (w->inbox == NULL) {
		CORE_LOG(ERR, "worker %u: inbox: %s", id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	s->inboxes[id] = w->inbox;
	if (s->nb_workers > 1) {
		/* any worker may pass us frames: many producers, one consumer */
		snprintf(name, sizeof(name), "tern%u_st%u", serial, id);
		w->steer = rte_ring_create(name, WORKER_STEER_SIZE, socket, RING_F_SC_DEQ);
		if (w->steer == NULL) {
			CORE_LOG(ERR, "worker %u: steering ring: %s", id, rte_strerror(rte_errno));
			return -rte_errno;
		}
		s->steer_rings[id] = w->steer;
	}
	if (net_if_init(&w->nif, &p, s->dev, id, w->pool, &w->stats, socket) != 0)
		return -ENOMEM;
	w->nif.peer_inbox = s->inboxes;
	w->nif.n_workers = (uint16_t)s->nb_workers;
	w->nif.self = id;
	rc = tcp_worker_init(&w->tcp, &w->nif, &w->stats, cfg, w, id, serial, socket);
	if (rc == 0)
		tcp_worker_set_rx_reserve(&w->tcp, worker_rx_reserve(s, id));
	return rc;
}

struct stack_range_check {
	const struct tern_netdev *dev;
	bool inside;
};

static void
stack_chunk_in_range(struct rte_mempool *mp __rte_unused, void *arg,
		struct rte_mempool_memhdr *memhdr, unsigned int idx __rte_unused)
{
	struct stack_range_check *rc = arg;
	uintptr_t p = (uintptr_t)memhdr->addr;

	if (p < rc->dev->tx_ref_base || p + memhdr->len > rc->dev->tx_ref_end)
		rc->inside = false;
}

/*
 * Whether @pool lies where @dev's driver reads frames (tern_netdev.tx_ref_base):
 * everywhere for most drivers; a net_memif port in zero-copy mode shares
 * one memory segment list with its peer, which every frame must lie in.
 */
static bool
stack_pool_reachable(const struct tern_netdev *dev, struct rte_mempool *pool)
{
	struct stack_range_check rc = { .dev = dev, .inside = true };

	if (dev->tx_ref_end != 0)
		rte_mempool_mem_iter(pool, stack_chunk_in_range, &rc);
	return rc.inside;
}

/*
 * Free the frames other workers passed to @w after it stopped polling (a
 * worker stops at its own moment, its peers may still be receiving):
 * counted in steer_drop_stopped, so that steer_tx = steer_rx + that, and an
 * ICMP error among them in icmp_drop_steer, as a full ring's.
 */
static void
worker_drop_steered(struct tern_worker *w)
{
	struct rte_mbuf *m;

	while (w->steer != NULL && rte_ring_dequeue(w->steer, (void **)&m) == 0) {
		w->stats.steer_drop_stopped++;
		w->stats.icmp_drop_steer += net_is_icmp_error(m);
		rte_pktmbuf_free(m);
	}
}

static void
worker_fini(struct tern_worker *w)
{
	struct net_nbr_msg msg;

	net_if_fini(&w->nif);
	if (w->inbox != NULL) {
		while (rte_ring_dequeue_elem(w->inbox, &msg, sizeof(msg)) == 0)
			;
		rte_ring_free(w->inbox);
	}
	rte_ring_free(w->steer);
	rte_mempool_free(w->pool);
	free(w->snap);
	w->snap = NULL;
}

/*
 * IPv6 listens to multicast groups (net_ip6_groups): a device that filters
 * multicast frames must take theirs, or Neighbor Solicitations to our
 * solicited-node groups never arrive (RFC 4861 §7.2.1).
 */
static void
stack_ip6_groups_receive(struct tern_stack *s)
{
	const struct net_if *ifp = &s->workers[0].nif;
	struct rte_ether_addr macs[NET_IP6_GROUPS_MAX];
	unsigned int n;
	int rc;

	if (!ifp->ip6_on || s->dev->ops->mc_addrs_set == NULL)
		return;
	n = net_ip6_group_macs(ifp, macs);
	rc = s->dev->ops->mc_addrs_set(s->dev, macs, n);
	if (rc == -ENOTSUP)
		CORE_LOG(INFO, "device %s has no multicast filter: IPv6 groups are received "
				"only if it passes all multicast", s->dev->name);
	else if (rc != 0)
		CORE_LOG(WARNING, "device %s: IPv6 groups' multicast filter: %s", s->dev->name,
				strerror(-rc));
}

struct tern_stack *
tern_stack_create(const struct tern_config *cfg, struct tern_netdev *dev,
		unsigned int nb_workers)
{
	struct rte_mempool **pools = NULL;
	struct tern_stack *s = NULL;
	unsigned int serial = __atomic_fetch_add(&stack_serial, 1, __ATOMIC_RELAXED);
	unsigned int nb_queues = cfg != NULL ? RTE_MAX(cfg->port_queues, nb_workers) : 0;
	char err[1024];
	int rc = -EINVAL;

	if (cfg == NULL || dev == NULL || nb_workers == 0 || nb_queues > dev->max_queues ||
			(cfg->port_queues != 0 && cfg->port_queues < nb_workers) ||
			tern_config_validate(cfg, err, sizeof(err)) != 0) {
		if (cfg != NULL && dev != NULL && nb_workers != 0 && (nb_queues > dev->max_queues ||
				cfg->port_queues != 0))
			snprintf(err, sizeof(err), "%u workers on %u queues: the device has %u, "
					"[port] queues must be 0 or at least the workers",
					nb_workers, nb_queues, dev->max_queues);
		CORE_LOG(ERR, "%s: %s", __func__, cfg == NULL || dev == NULL ? "NULL argument" :
				nb_workers == 0 ? "no workers" : err);
		goto err;
	}
	rc = tern_mbufq_register();
	if (rc != 0)
		goto err;
	rc = -ENOMEM;
	s = rte_zmalloc("tern_stack", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		goto err;
	s->cfg = *cfg;
	s->dev = dev;
	s->nb_workers = nb_workers;
	s->inboxes = rte_zmalloc("tern_inboxes", nb_workers * sizeof(s->inboxes[0]), 0);
	s->steer_rings = rte_zmalloc("tern_steer", nb_workers * sizeof(s->steer_rings[0]), 0);
	s->flow = rte_zmalloc("tern_flow", sizeof(*s->flow), RTE_CACHE_LINE_SIZE);
	s->ip6 = rte_zmalloc("tern_ip6", sizeof(*s->ip6), RTE_CACHE_LINE_SIZE);
	s->workers = rte_zmalloc("tern_workers", nb_workers * sizeof(s->workers[0]),
			RTE_CACHE_LINE_SIZE);
	s->nb_queues = nb_queues;
	pools = calloc(nb_queues, sizeof(pools[0]));
	if (s->inboxes == NULL || s->steer_rings == NULL || s->flow == NULL ||
			s->ip6 == NULL || s->workers == NULL || pools == NULL)
		goto err;
	net_ip6_shared_init(s->ip6, cfg->ip6_enabled && !net_ip6_is_zero(cfg->ip6_addr),
			cfg->ip6_enabled && cfg->ip6_link_local);
	/* the driver applies it at configure time, or refuses it */
	if (cfg->port_mtu != 0)
		dev->mtu = (uint16_t)cfg->port_mtu;
	if (cfg->port_trust_checksums)
		dev->offloads |= TERN_NETDEV_L4_TRUSTED;
	/* segmentation in software on our own lcore (net_tap) was measured
	 * slower than our own segments: used only when asked for */
	if (cfg->port_tso == TERN_TSO_OFF || (cfg->port_tso == TERN_TSO_AUTO &&
			(dev->offloads & TERN_NETDEV_TX_TSO_SOFT)))
		dev->offloads &= ~TERN_NETDEV_TX_TCP_TSO;
	/* say which setting to change before allocating any of it */
	rc = tern_mem_check(cfg, dev->mtu, nb_workers, 0, NULL, err, sizeof(err));
	if (rc != 0) {
		CORE_LOG(ERR, "%s: %s", __func__, err);
		goto err;
	}
	for (unsigned int i = 0; i < nb_workers; i++) {
		rc = worker_init(s, &s->workers[i], (uint16_t)i, serial);
		if (rc != 0)
			goto err;
	}
	/* queue q is polled by worker q % workers, and fills from its pool */
	for (unsigned int q = 0; q < nb_queues; q++)
		pools[q] = s->workers[q % nb_workers].pool;
	dev->rss_queues = (uint16_t)nb_workers;
	rc = dev->ops->configure(dev, (uint16_t)nb_queues, pools);
	if (rc == 0)
		rc = dev->ops->start(dev);
	if (rc != 0) {
		CORE_LOG(ERR, "%s: device %s: %s", __func__, dev->name, strerror(-rc));
		goto err;
	}
	s->started = true;
	stack_ip6_groups_receive(s);
	/* the owner function follows the redirection table the driver set */
	rc = net_flow_map_init(s->flow, tern_rss_key, (uint16_t)nb_workers, dev->reta_size);
	if (rc != 0) {
		CORE_LOG(ERR, "%s: device %s: redirection table of %u entries", __func__,
				dev->name, dev->reta_size);
		goto err;
	}
	for (unsigned int i = 0; i < nb_workers; i++)
		s->workers[i].nif.flow = s->flow;
	/* a port whose peer reads frames in place knows once started which
	 * memory that is (tern_netdev.tx_ref_base): every frame lies there */
	for (unsigned int i = 0; i < nb_workers; i++) {
		if (!stack_pool_reachable(dev, pools[i])) {
			CORE_LOG(ERR, "%s: worker %u: mbuf pool outside the memory device %s "
					"shares with its peer", __func__, i, dev->name);
			rc = -EFAULT;
			goto err;
		}
	}
	free(pools);
	/* work queued before the first poll (a tern_connect from main before
	 * tern_stack_run) is timed from the real clock; a virtual-clock user
	 * polls once before queueing work. The wheels start at 0 and follow
	 * whatever clock the polls bring. */
	for (unsigned int i = 0; i < nb_workers; i++)
		s->workers[i].nif.now_us = tern_clock_us();
	tern_telemetry_attach(s);
	return s;
err:
	free(pools);
	if (s != NULL) {
		s->dev = dev;
		tern_stack_free(s);
	} else {
		dev->ops->close(dev);
	}
	rte_errno = -rc;
	return NULL;
}

static int
stack_lcore_main(void *arg)
{
	struct tern_stack *s = arg;
	int idx = rte_lcore_index((int)rte_lcore_id());
	struct core_qs_slot *qs;
	struct tern_worker *w;

	if (idx < 0 || (unsigned int)idx >= s->nb_workers)
		return 0;
	w = &s->workers[idx];
	/* between iterations the worker is in no driver call: memory a
	 * driver unmaps from another thread waits for that (quiesce.h) */
	qs = core_qs_online();
	while (!s->stopping) {
		tern_worker_poll(w, tern_clock_us());
		core_qs_pass(qs);
	}
	core_qs_offline(qs);
	return 0;
}

int
tern_stack_run(struct tern_stack *s)
{
	if (rte_lcore_count() < s->nb_workers)
		return -EINVAL;
	/* the operator's log lines come from a control thread that reads
	 * counters, so no worker ever writes a log line (monitor.c) */
	core_monitor_start(s);
	rte_eal_mp_remote_launch(stack_lcore_main, s, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	core_monitor_stop(s);
	/* every worker has stopped: what was passed to one too late is counted
	 * now, before the app reads the counters */
	for (unsigned int i = 0; i < s->nb_workers; i++)
		worker_drop_steered(&s->workers[i]);
	return 0;
}

void
tern_stack_stop(struct tern_stack *s)
{
	s->stopping = 1;
}

int
tern_stack_stopping(const struct tern_stack *s)
{
	return s->stopping;
}

void
tern_stack_abort_conns(struct tern_stack *s)
{
	for (unsigned int i = 0; s->workers != NULL && i < s->nb_workers; i++)
		tcp_worker_abort_all(&s->workers[i].tcp);
}

void
tern_stack_free(struct tern_stack *s)
{
	if (s == NULL)
		return;
	tern_telemetry_detach(s);
	if (s->started)
		s->dev->ops->stop(s->dev);
	/* the device is stopped: no queue holds our mbufs any more once closed */
	/* open connections are aborted (their apps hear on_closed), then the
	 * frames still held are freed */
	if (s->workers != NULL)
		for (unsigned int i = 0; i < s->nb_workers; i++) {
			worker_drop_steered(&s->workers[i]);
			tcp_worker_fini(&s->workers[i].tcp);
			net_if_fini(&s->workers[i].nif);
		}
	if (s->dev != NULL)
		s->dev->ops->close(s->dev);
	if (s->workers != NULL)
		for (unsigned int i = 0; i < s->nb_workers; i++)
			worker_fini(&s->workers[i]);
	rte_free(s->workers);
	rte_free(s->flow);
	rte_free(s->ip6);
	rte_free(s->steer_rings);
	rte_free(s->inboxes);
	rte_free(s);
}

unsigned int
tern_stack_worker_count(const struct tern_stack *s)
{
	return s->nb_workers;
}

struct tern_worker *
tern_stack_worker(struct tern_stack *s, unsigned int idx)
{
	return idx < s->nb_workers ? &s->workers[idx] : NULL;
}

const struct tern_config *
tern_stack_config(const struct tern_stack *s)
{
	return &s->cfg;
}

struct tern_netdev *
tern_stack_netdev(struct tern_stack *s)
{
	return s->dev;
}

void
tern_stack_stats(const struct tern_stack *s, struct tern_stats *out)
{
	uint64_t *sum = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < s->nb_workers; i++) {
		const uint64_t *v = (const uint64_t *)&s->workers[i].stats;

		for (size_t k = 0; k < TERN_STATS_COUNT; k++)
			sum[k] += __atomic_load_n(&v[k], __ATOMIC_RELAXED);
	}
}
