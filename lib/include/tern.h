/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_H
#define TERN_H

/**
 * @file
 * Tern's public API. An application starts EAL, reads a struct tern_config,
 * opens a device (drivers/dpdk: tern_dpdk_open(); tests: drivers/sim), creates
 * one struct tern_stack over it and runs it: one worker per lcore, each
 * polling its own queue and carrying every packet to completion.
 *
 * Threads: a worker and everything reachable from it belong to one lcore.
 * Functions taking a struct tern_worker run on that worker's lcore, or before
 * tern_stack_run() from the main thread. Errors are negative errno values;
 * constructors return NULL and set rte_errno.
 */

#include <stdint.h>

#include "tern_config.h"
#include "tern_netdev.h"
#include "tern_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tern_stack;  /**< one per process: config, device, workers */
struct tern_worker; /**< one per lcore */

/**
 * Build a stack of @p nb_workers workers over @p dev: one mbuf pool and one
 * queue pair per worker, the device configured and started.
 *
 * @param dev  the stack owns it from now on, also on failure (closed then).
 * @return the stack, or NULL with rte_errno set (EINVAL bad config or more
 *         workers than the device has queues, ENOMEM, or the driver's error).
 */
struct tern_stack *tern_stack_create(const struct tern_config *cfg,
		struct tern_netdev *dev, unsigned int nb_workers);

/**
 * Run worker i on the i-th enabled lcore (the main lcore is worker 0) until
 * tern_stack_stop(). Needs at least as many lcores as workers.
 * @return 0, or -EINVAL if there are fewer lcores than workers.
 */
int tern_stack_run(struct tern_stack *s);

/** Ask every worker to return from tern_stack_run(). Async-signal-safe. */
void tern_stack_stop(struct tern_stack *s);

/** True once tern_stack_stop() was called. */
int tern_stack_stopping(const struct tern_stack *s);

/**
 * Stop the device, free every packet still held, the pools and @p s.
 * Call after tern_stack_run() returned (or instead of it). NULL is ignored.
 */
void tern_stack_free(struct tern_stack *s);

/** Number of workers. */
unsigned int tern_stack_worker_count(const struct tern_stack *s);

/** Worker @p idx, or NULL past the end. */
struct tern_worker *tern_stack_worker(struct tern_stack *s, unsigned int idx);

/** The stack's config (a copy taken at create). */
const struct tern_config *tern_stack_config(const struct tern_stack *s);

/** The device the stack runs on (owned by the stack). */
struct tern_netdev *tern_stack_netdev(struct tern_stack *s);

/**
 * Sum every worker's counters into @p out. Callable from any thread while
 * the workers run: each counter is read atomically, the sum is not a snapshot.
 */
void tern_stack_stats(const struct tern_stack *s, struct tern_stats *out);

/** One worker's own counters (read-only view). */
const struct tern_stats *tern_worker_stats(const struct tern_worker *w);

/** This worker's index, 0 .. tern_stack_worker_count() - 1. */
unsigned int tern_worker_id(const struct tern_worker *w);

/** The mbuf pool of this worker (for tern_send_mbuf and tests). */
struct rte_mempool *tern_worker_pool(struct tern_worker *w);

/**
 * One iteration of the worker loop at time @p now_us: drain the inbox,
 * receive one burst and carry it to completion, run due timers, flush the
 * transmit batch. tern_stack_run() calls it with tern_clock_us(); tests and
 * the simulator call it with a virtual clock.
 * @return the number of frames received.
 */
unsigned int tern_worker_poll(struct tern_worker *w, uint64_t now_us);

/** Monotonic microseconds from the TSC; one multiply, no division. */
uint64_t tern_clock_us(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_H */
