/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIM_SCENARIOS_H
#define SIM_SCENARIOS_H

/*
 * Seeded scenarios over the sim world: a fault profile (what the link does,
 * both ways), a workload (what the apps on A and B do) and a seed. A run ends
 * when every connection has closed on both sides and both stacks hold no
 * connection (TIME_WAIT included), or fails at a virtual deadline (36 h), a
 * frame storm (200000 frames) or a broken invariant. Invariants:
 *
 *  - every byte sent arrives exactly once and in order: each stream is a
 *    keyed pattern checked byte by byte by its receiver, and its length is
 *    exact (nothing missing at FIN, nothing extra, nothing after tern_close);
 *  - every connection gets on_connected (or is accepted) once, on_peer_closed
 *    at most once, on_closed exactly once with TERN_CLOSE_NORMAL, and no
 *    callback after it; each side accepts exactly the connections the other
 *    made;
 *  - a stack sends a RST only for a connection it had already closed (a
 *    segment reordered or duplicated past the close, a FIN past the peer's
 *    TIME_WAIT), never for one still open or one it never had (the tap
 *    checks every RST); on a wire without faults (profile clean) and
 *    with each flow on one queue, none at all (tcp_rst_sent and
 *    tcp_drop_no_conn are 0);
 *  - no frame is lost between workers (steer_drop_full, inbox_drop); where
 *    the devices spread by RSS as Tern hashes, none is steered (steer_tx);
 *  - both stacks end with no connection in any state (TIME_WAIT expired);
 *  - every worker pool is back to its size once the link has freed what it
 *    carried (checked before tern_stack_free).
 *
 * One outcome is tolerated and counted (lrst): a LAST_ACK end reset after
 * everything was delivered, when its peer had closed NORMAL before, i.e. the
 * peer's TIME_WAIT (60 s) ran out while our FIN retransmissions were being
 * lost (the RTO can back off past 2MSL).
 *
 * Workloads:
 *  echo   A connects to B:7, sends 256 KiB in random-sized writes with at most
 *         32 KiB outstanding; B echoes everything; A closes after the last
 *         echoed byte, B when it sees the FIN.
 *  bulk   8 MiB one way (A to B, or B to A when seed/3 is odd), the sender
 *         closes after the last byte, the receiver on FIN.
 *  short  200 connections, 16 at a time: a request (8-byte header + 1..2000
 *         bytes), a reply of 1..4000 bytes; the client closes first on even
 *         connections, the server (right after its reply) on odd ones, so
 *         TIME_WAIT lands on both sides.
 *  both   short both ways at once: each stack listens and opens half of the
 *         200 connections (A the even ones, B the odd ones), 8 at a time each.
 * The congestion control alternates with seed/6 (NewReno, CUBIC) when the
 * tree has TERN_TCP_CC_CUBIC.
 *
 * Workers (sim_opts.workers, 1 to SIM_WORKERS_MAX per stack): servers listen
 * on every worker; a client opens connection idx on worker (idx + seed) %
 * workers; the devices spread received frames as sim_opts.spread says.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_world.h"

enum sim_workload { SIM_WL_ECHO, SIM_WL_BULK, SIM_WL_SHORT, SIM_WL_BOTH, SIM_WL_N };

/** The workloads the single-worker matrix draws from (seed % 3), as before
 * "both" was added: its seeds, congestion controls and directions stay. */
#define SIM_WL_CLASSIC 3

struct sim_profile {
	const char *name;
	const char *desc;
	struct tern_sim_fault f;     /**< both directions */
};

extern const struct sim_profile sim_profiles[];
extern const unsigned int sim_n_profiles;

const struct sim_profile *sim_profile_find(const char *name);
const char *sim_workload_name(int wl);
/** @return the workload, or -1. */
int sim_workload_parse(const char *name);
const char *sim_spread_name(int spread);
struct sim_opts;
/** "N" (both stacks) or "NxM" (A's, B's) into @p o. @return 0, or -1. */
int sim_workers_parse(const char *s, struct sim_opts *o);
/** @p o's worker counts as sim_workers_parse reads them. */
const char *sim_workers_str(const struct sim_opts *o, char *buf, size_t len);
/** @return the enum tern_sim_spread, or -1. */
int sim_spread_parse(const char *name);

#define SIM_CC_BY_SEED (-1)

struct sim_opts {
	uint64_t bulk_bytes;         /**< 8 MiB */
	uint64_t echo_bytes;         /**< 256 KiB */
	uint32_t short_conns;        /**< 200 */
	uint32_t short_parallel;     /**< 16 */
	int cc;                      /**< TERN_TCP_CC_* or SIM_CC_BY_SEED */
	int bulk_dir;                /**< 0 A->B, 1 B->A, -1 by seed */
	const char *pcap;            /**< record the link here */
	const char *trace;           /**< write every frame the tap saw here (text) */
	bool report;                 /**< on failure print details to stderr */
	uint64_t deadline_us;        /**< virtual time limit of one run */
	uint64_t max_frames;         /**< frames on the link before a run is a storm */
	unsigned int workers;        /**< workers per stack (1) */
	unsigned int workers_b;      /**< B's, where it differs from A's (0: the same) */
	unsigned int queues;         /**< queue pairs per device (0: one per worker) */
	enum tern_sim_spread spread; /**< how devices spread received frames (queue 0) */
	bool ip6;                    /**< connections over IPv6 (TERN_SIM_FAMILY=6) */
	uint16_t mtu;                /**< the link's MTU (TERN_SIM_MTU; 0 = 1500) */
	bool tso;                    /**< TSO devices, GRO stacks (TERN_SIM_OFFLOADS=1) */
	int n_workloads;             /**< the matrix's workload is seed % this (3) */
	/** Edit the server's (B's) config after the defaults (NULL: none). */
	void (*tune_server)(struct tern_config *cfg);
	/** Edit both configs (NULL: none); runs before tune_server. */
	void (*tune_both)(struct tern_config *cfg);
};

void sim_opts_default(struct sim_opts *o);

struct sim_result {
	bool ok;
	char why[512];               /**< first failure */
	uint64_t bytes_checked;      /**< payload bytes checked by receivers */
	uint64_t vtime_us;           /**< virtual time of the run */
	uint64_t xfer_us;            /**< start to the last stream byte received */
	uint32_t conns;              /**< connections completed (client side) */
	uint32_t late_rst;           /**< LAST_ACK ends reset after the peer's TIME_WAIT */
	uint32_t rsts;               /**< RSTs seen at the tap (for closed connections) */
	struct tern_sim_link_stats ls[2];
	struct tern_stats st[2];     /**< every worker's counters summed, per stack */
	uint64_t iterations;
	const char *cc;
	int bulk_dir;
};

/** Run one seed. @return 0 if every invariant held, -1 otherwise (r->why). */
int sim_scenario_run(const struct sim_profile *p, int wl, uint64_t seed,
		const struct sim_opts *o, struct sim_result *r);

/** Totals of a run of many seeds of one profile. */
struct sim_matrix_totals {
	uint64_t seeds, failures, bytes, vtime_us, iterations, conns;
	uint64_t per_wl[SIM_WL_N];
	struct tern_sim_link_stats ls;   /**< both directions summed */
	uint64_t rexmt_segs, fast_rexmt, rto, late_rst;
	uint64_t steer_tx;               /**< frames passed between workers, both stacks */
	uint64_t tso_frames;             /**< frames the devices cut (TSO), both stacks */
	uint64_t gro_merged;             /**< segments coalesced on receive, both stacks */
	double cpu_s;
};

/**
 * Run seeds @p first .. @p first + @p n - 1 of profile @p p (workload @p wl,
 * or -1: sim_workload_of_seed over o->n_workloads). A failing seed is
 * printed on one line to stderr; the first @p detail failures are replayed
 * with a report and a pcap in @p pcap_dir (and the replay must fail the same
 * way).
 */
void sim_matrix_run(const struct sim_profile *p, int wl, uint64_t first, uint64_t n,
		const struct sim_opts *o, const char *pcap_dir, unsigned int detail,
		struct sim_matrix_totals *t);

void sim_matrix_print_header(FILE *f);
void sim_matrix_print_line(FILE *f, const char *name, const struct sim_matrix_totals *t);

/** The workload the matrix gives a seed when none is chosen. */
static inline int
sim_workload_of_seed(uint64_t seed, int n_workloads)
{
	return (int)(seed % (uint64_t)n_workloads);
}

#endif
