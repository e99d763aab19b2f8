/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_CORE_PRIV_H
#define TERN_CORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

#include "net_priv.h"
#include "tcp_priv.h"
#include "tern.h"

extern int tern_logtype_core;
#define CORE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, tern_logtype_core, "tern: " fmt "\n", ##__VA_ARGS__)

#define WORKER_INBOX_SIZE   1024     /**< cross-worker messages held */
#define WORKER_ARP_TICK_US  100000u  /**< ARP timers are swept every 100 ms */
#define WORKER_STEER_SIZE   4096     /**< TCP frames waiting for their owner */

#define CORE_SNAP_ROWS 64    /**< connections (or listeners) per snapshot page */

enum core_snap_kind { CORE_SNAP_CONNS, CORE_SNAP_LISTENERS };

/**
 * A worker's mailbox for snapshots (telemetry.c asks, the worker answers in
 * tern_worker_poll). The asker fills the request, then bumps @req (release);
 * the worker sees @req differ from what it last answered with one load per
 * iteration, fills the page, and stores @done = @req (release). Only one
 * asker at a time (telemetry.c's mutex); plain memory (malloc), not DPDK's:
 * no device ever reads it.
 */
struct core_snap {
	uint32_t req;                  /**< asker: bumped once a request is filled in */
	uint32_t done;                 /**< worker: the last request answered */
	uint8_t kind;                  /**< enum core_snap_kind */
	uint32_t cursor;               /**< in: where to start; out: the next page's */
	uint32_t max;                  /**< rows wanted, <= CORE_SNAP_ROWS */
	uint32_t n;                    /**< rows written */
	uint64_t now_us;               /**< the worker's clock when it answered */
	uint32_t counts[TERN_TCP_TIME_WAIT + 1]; /**< by state, when answered */
	union {
		struct tern_conn_info conns[CORE_SNAP_ROWS];
		struct tern_listener_info listeners[CORE_SNAP_ROWS];
	} rows;
} __rte_cache_aligned;

/** The worker's part: answer the posted request (worker.c). */
void core_snap_answer(struct tern_worker *w);

/** One lcore's share of the stack. Written by that lcore only. */
struct tern_worker {
	struct net_if nif;             /**< link state, tx batch (hot) */
	struct tern_stats stats;       /**< this worker's counters */
	struct tcp_worker tcp;         /**< TCP engine state */
	struct tern_stack *stack;      /**< back pointer */
	struct rte_mempool *pool;      /**< this worker's mbufs */
	struct rte_ring *inbox;        /**< messages from other workers */
	struct rte_ring *steer;        /**< TCP frames we own, from other workers' queues */
	uint64_t next_arp_tick_us;     /**< next ARP timer sweep */
	uint64_t prev_poll_us;         /**< clock of the previous iteration */
	bool prev_poll_busy;           /**< it received frames */
	uint32_t pool_size;            /**< mbufs in @pool, for leak checks */
	uint16_t id;                   /**< index in the stack, = its transmit queue */
	uint16_t nb_queues;            /**< the device's; we receive on id, id + stride ... */
	uint16_t stride;               /**< the stack's worker count */
	uint16_t burst;                /**< frames per rx burst */
	bool announced;                /**< gratuitous ARP sent */
	tern_poll_hook_fn *hook;       /**< application's per-iteration call */
	void *hook_arg;
	struct core_snap *snap;        /**< snapshot mailbox (its own lines) */
	uint32_t snap_seen;            /**< the last request answered */
} __rte_cache_aligned;

struct tern_stack {
	struct tern_config cfg;        /**< copy of the creator's config */
	struct tern_netdev *dev;       /**< owned */
	volatile int stopping;         /**< set by tern_stack_stop() */
	bool started;                  /**< device started */
	unsigned int nb_workers;
	unsigned int nb_queues;        /**< of the device: nb_workers or more ([port] queues) */
	struct rte_ring **inboxes;     /**< inboxes[i] = workers[i].inbox */
	struct rte_ring **steer_rings; /**< steer_rings[i] = workers[i].steer */
	struct net_flow_map *flow;     /**< who owns a 4-tuple (read-only, shared) */
	struct net_ip6_shared *ip6;    /**< our IPv6 addresses' state ([ipv6]), shared */
	struct tern_worker *workers;   /**< nb_workers of them */
	struct core_monitor *monitor;  /**< while tern_stack_run() runs (monitor.c) */
};

/** Data room of a worker's mbufs for a link of @p mtu (mem.c). */
uint16_t tern_mbuf_room(uint16_t mtu);

void tern_telemetry_attach(struct tern_stack *s);
void tern_telemetry_detach(struct tern_stack *s);

/**
 * Ask worker @p idx of @p s for a page (from any thread but the worker's;
 * telemetry.c, tests): post @p kind with @p cursor and @p max, wait up to
 * @p timeout_us for the answer, copy it into @p out. Serialised per process.
 * @return 0, -ETIMEDOUT (the worker does not poll: stopped, or blocked),
 *         -EBUSY (an earlier request is still unanswered), -EINVAL.
 */
int core_snap_request(struct tern_stack *s, unsigned int idx, enum core_snap_kind kind,
		uint32_t cursor, uint32_t max, uint64_t timeout_us, struct core_snap *out);

/** Logs for the operator from a control thread (monitor.c), while running. */
int core_monitor_start(struct tern_stack *s);
void core_monitor_stop(struct tern_stack *s);

#endif /* TERN_CORE_PRIV_H */
