/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

/*
 * A deterministic two-stack world for the simulation tests.
 *
 *   stack A (10.77.0.1, dev "simA") ==link (seeded faults)== dev "simM"
 *                                                              | tap
 *   stack B (10.77.0.2, dev "simB") <--------------------------+
 *
 * Stack A's device is joined by a tern_sim_link to a stack-less sim device M.
 * The tap moves frames between M and stack B's device: what reaches M (A's
 * frames after the link's faults) is injected into B, and what B sends is
 * handed to M's transmit side, so it crosses the link (and its faults) towards
 * A. On the way the tap parses every frame into a trace record and can drop
 * chosen segments (exact-trace scenarios). Direction 0 is A to B, 1 is B to A,
 * as in the link's statistics.
 *
 * Each stack has 1 to SIM_WORKERS_MAX workers, one queue pair each or more
 * ([port] queues: the extra queues shared out among the workers); the link
 * and the tap take what a stack sends from every queue and deliver to the
 * queue the receiving device's spread mode picks (enum tern_sim_spread: RSS
 * as Tern hashes, another consistent hash, queue 0 only, or random per
 * frame), so flow ownership and steering (net_flow.h) run as on a NIC.
 *
 * Time is virtual: sim_world_run() polls every worker of both stacks at
 * `now` (A's in order, then B's), moves frames, and when nothing moved jumps
 * `now` to the earliest of the link's next delivery, every worker's
 * tern_worker_next_event() and the app's own wake-up.
 *
 * Everything random comes from the seed: the link's PRNG, the devices'
 * spread PRNGs, rte_srand() (the
 * stacks' first ephemeral port), and the stacks' secrets (ISNs, timestamps,
 * cookies, table and neighbor cache hashes), which tern_secret_fill() reads
 * with getrandom(): this binary defines getrandom() (random_fixed.c) and
 * answers from the seed while a world is being created (the real system call
 * otherwise). The same seed therefore replays the same run, frame for frame.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>

#include "random_fixed.h"
#include "tern.h"
#include "tern_sim.h"

#define SIM_IP_A RTE_BE32(0x0a4d0001u)   /* 10.77.0.1 */
#define SIM_IP_B RTE_BE32(0x0a4d0002u)   /* 10.77.0.2 */
/* over IPv6 (sim_world_params.ip6): fd00:77::1 and fd00:77::2 */
extern const uint8_t sim_ip6[2][16];
#define SIM_WORKERS_MAX 4u               /* workers per stack */
#define SIM_QUEUES_MAX  8u               /* queue pairs per device */

/** Start EAL once for this process (no hugepages, no PCI, in memory). */
void sim_eal_init(void);

/** splitmix64: the apps' PRNG (and the getrandom shim's). */
static inline uint64_t
sim_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t
sim_rand(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return sim_mix64(*state);
}

/** One TCP segment seen by the tap (or an ARP/other frame: is_tcp 0). */
struct sim_seg {
	uint64_t t;              /**< virtual time the tap saw it */
	uint8_t dir;             /**< 0: A to B (after the link), 1: B to A (before it) */
	uint8_t is_tcp;
	uint8_t flags;           /**< TCP flags */
	uint8_t dropped;         /**< dropped by the tap's filter */
	uint8_t cksum_bad;       /**< IPv4 or TCP checksum wrong (the link corrupted it,
	                              or the stacks trust checksums and send none) */
	uint16_t sport, dport;
	uint32_t seq, ack, len;
	uint32_t wnd;            /**< window field as sent */
	uint8_t nsack;
	uint8_t has_ts;
	uint32_t sack[4][2];
	uint32_t tsval, tsecr;
};

/** Filter: return true to drop @p s (the tap frees the frame). */
typedef bool (sim_filter_fn)(void *arg, const struct sim_seg *s);
/** Called once per loop iteration after the polls; @return work done (0: none). */
typedef unsigned int (sim_step_fn)(void *arg, uint64_t now);
/** @return true when the run is over. */
typedef bool (sim_done_fn)(void *arg);

struct sim_world_params {
	uint64_t seed;
	struct tern_config cfg[2];         /**< A, B (sim_world_config() defaults) */
	struct tern_sim_fault fault[2];    /**< link directions 0 (A->B), 1 (B->A) */
	const char *pcap;                  /**< record the link here, or NULL */
	unsigned int trace_keep;           /**< trace records kept: 0 = last 256 only */
	unsigned int workers[2];           /**< workers of A and B (0 = 1) */
	/** Queue pairs of A's and B's devices: 0, one per worker; more, as
	 * [port] queues (worker k also polls queues k + workers, ...) */
	unsigned int queues[2];
	enum tern_sim_spread spread;       /**< how A's and B's devices spread frames */
	bool ip6;                          /**< both stacks with [ipv6]; connections over it */
	uint16_t mtu;                      /**< both devices' MTU (0 = 1500) */
	bool tso;                          /**< both devices cut frames (TSO), both stacks coalesce */
};

#define SIM_TRACE_RING 256

struct sim_world {
	uint64_t seed;
	uint64_t now;
	struct tern_netdev *dev[2];        /**< A's and B's (owned by the stacks) */
	struct tern_netdev *mid;           /**< M, the link's far end (ours) */
	struct tern_stack *stack[2];
	struct tern_worker *w[2];          /**< worker 0 of each (wk[i][0]) */
	unsigned int nw[2];                /**< workers of each stack */
	struct tern_worker *wk[2][SIM_WORKERS_MAX];
	uint32_t mbufs[2];                 /**< each worker pool's size */
	bool ip6;                          /**< the params' */
	struct tern_sim_link *link;
	struct tern_sim_link_stats boot_ls[2]; /**< link counters after boot (ARP) */
	/* tap */
	sim_filter_fn *filter;
	void *filter_arg;
	uint64_t tap_dropped;
	/* trace: a ring of the last records, or everything (trace_keep) */
	struct sim_seg *trace;
	uint64_t n_trace;                  /**< records seen */
	uint64_t trace_cap;
	bool trace_all;
	/* loop accounting */
	uint64_t iterations;
};

/** Defaults for both stacks: small tables, sizes for the scenarios. */
void sim_world_config(struct tern_config *cfg, rte_be32_t addr);

/**
 * Build the world: devices, stacks, link (faults off), boot both stacks and
 * resolve ARP both ways with one exchange, then set the faults.
 * @return 0, or -1 with a message in @p err.
 */
int sim_world_create(struct sim_world *w, const struct sim_world_params *p,
		char *err, size_t errlen);

/** Result of sim_world_run(). */
enum sim_run_end {
	SIM_RUN_DONE = 0,       /**< done() said so */
	SIM_RUN_DEADLINE,       /**< virtual deadline passed */
	SIM_RUN_STUCK,          /**< nothing moved and no future event */
	SIM_RUN_LIVELOCK,       /**< too many iterations without time moving */
};

/**
 * Run the virtual-clock loop until @p done returns true or @p deadline
 * (absolute virtual µs). @p step (may be NULL) runs each iteration.
 */
enum sim_run_end sim_world_run(struct sim_world *w, sim_step_fn *step, sim_done_fn *done,
		void *arg, uint64_t deadline);

/** Run the loop for @p us of virtual time (nothing stops it earlier). */
void sim_world_run_for(struct sim_world *w, uint64_t us);

/**
 * Teardown, part one: let what is in flight settle (no time passes), free the
 * link and M, drain both devices, and check each worker pool is back to its
 * size. Connections still open must have been aborted by the caller.
 * @return 0, or -1 with a message in @p err (mbufs missing).
 */
int sim_world_drain(struct sim_world *w, char *err, size_t errlen);

/** Teardown, part two: free the stacks (and what is left). Idempotent. */
void sim_world_free(struct sim_world *w);

/** Link counters of direction @p dir since the faults were set (boot excluded). */
void sim_world_link_stats(const struct sim_world *w, int dir, struct tern_sim_link_stats *out);

/** The i-th trace record (0 = oldest kept), or NULL. With trace_all, all. */
const struct sim_seg *sim_world_trace(const struct sim_world *w, uint64_t i);
/** Number of records kept. */
uint64_t sim_world_trace_count(const struct sim_world *w);
/** Index of the oldest kept record (for printing). */
uint64_t sim_world_trace_first(const struct sim_world *w);

/** Print record @p s on one line. */
void sim_seg_print(FILE *f, const struct sim_seg *s, uint64_t t0);

/** Print the last @p n trace records. */
void sim_world_print_trace(const struct sim_world *w, FILE *f, unsigned int n);

/** Connections of every worker of stack @p side, summed over every state (CLOSED
 * and TIME_WAIT included). */
uint32_t sim_world_conns(const struct sim_world *w, int side);

/** Connection counts of every worker of stack @p side, per state, summed. */
void sim_world_conn_counts(const struct sim_world *w, int side,
		uint32_t counts[TERN_TCP_TIME_WAIT + 1]);

/** Frames @p side's device could not cut into segments (TSO): dropped. */
uint64_t sim_tso_errors(const struct sim_world *w, int side);

/** The counters of every worker of stack @p side, summed. */
void sim_world_stats(const struct sim_world *w, int side, struct tern_stats *out);

#endif
