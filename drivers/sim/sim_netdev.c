/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/sim: the recording device. Each queue has two FIFOs of mbuf
 * pointers: rx (filled by the test, drained by rx_burst) and tx (filled by
 * tx_burst, drained by the test).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tern_sim.h"

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
	int32_t tx_room;                       /**< -1: unlimited */
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
	return nb_queues <= to_sim(dev)->nb_queues ? 0 : -EINVAL;
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

static uint16_t
sim_tx_burst(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_netdev *s = to_sim(dev);
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (s->tx_room == 0 || !fifo_put(&s->q[queue].tx, pkts[i]))
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

static const struct tern_netdev_ops sim_ops = {
	.configure = sim_configure,
	.start = sim_start,
	.stop = sim_stop,
	.close = sim_close,
	.rx_burst = sim_rx_burst,
	.tx_burst = sim_tx_burst,
	.link_get = sim_link_get,
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
	s->tx_room = -1;
	return &s->base;
}

int
tern_sim_inject(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf *m)
{
	if (!fifo_put(&to_sim(dev)->q[queue].rx, m)) {
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
