/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_WHEEL_H
#define TERN_WHEEL_H

/**
 * @file
 * Hierarchical timing wheel: one per worker, not thread-safe.
 *
 * Times are absolute microseconds (uint64_t) on the worker's clock; the
 * wheel never reads a clock itself. An expiry is rounded *up* to a whole
 * tick (default 1000 µs): a node armed for time E fires during the first
 * tern_wheel_advance() whose @p now is at or past ceil(E / tick) * tick, so
 * never before E and at most one tick after it. Nodes fire in the order of
 * their expiry ticks; nodes of the same tick fire in no particular order.
 *
 * Layout: 11 levels of 64 slots. Level L holds the nodes whose expiry tick
 * first differs from the wheel's current tick in bits 6L..6L+5, so the
 * levels together cover the whole 64-bit tick range: there is no horizon
 * (a 2-hour keepalive, a TIME_WAIT, even "never" = UINT64_MAX all fit).
 * A 64-bit occupancy bitmap per level and one for the levels let arm,
 * disarm, and finding the next due slot take O(1); advancing costs
 * O(fired + nodes moved down a level), each node moving down at most
 * 10 times, however far @p now jumps (hours of virtual time cost the
 * same as one tick when nothing is due).
 *
 * Nodes live inside the caller's structures (struct tern_wheel_node); arming
 * allocates nothing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

/** Default tick, in microseconds. */
#define TERN_WHEEL_TICK_US_DEFAULT 1000u

struct tern_wheel;  /* opaque */

/**
 * A timer, embedded in the caller's structure (use container_of() in the
 * callback). Initialise with tern_wheel_node_init() before first use. While
 * armed it belongs to the wheel's lists: do not free or move it, disarm
 * first. Fields other than @c expire are private to the wheel.
 */
struct tern_wheel_node {
	TAILQ_ENTRY(tern_wheel_node) link; /**< private: in its slot's list */
	uint64_t expire;  /**< absolute expiry, µs, as last armed (read-only) */
	uint16_t slot;    /**< private: slot index + 1; 0 = not armed */
};

/**
 * Callback run for each node that falls due, on the thread calling
 * tern_wheel_advance(). The node is already disarmed when it runs. It may
 * arm, re-arm or disarm any node of this wheel (@p n included) and free
 * @p n or any disarmed node; it must not call tern_wheel_advance() or
 * tern_wheel_free() on this wheel.
 */
typedef void (tern_wheel_fn)(struct tern_wheel_node *n, void *arg);

/**
 * Create a wheel whose clock starts at time 0.
 *
 * Memory comes from the libc heap (about 12 KiB, cache-line aligned), so no
 * EAL is needed; create it on the worker's own thread to have it on the
 * worker's NUMA node.
 *
 * @param tick_us    tick length in µs, > 0 (TERN_WHEEL_TICK_US_DEFAULT: 1 ms).
 * @param socket_id  NUMA socket wanted, or SOCKET_ID_ANY; a hint only: the
 *                   memory is placed by first touch of the creating thread.
 * @return the wheel, owned by the caller until tern_wheel_free(); or NULL
 *         with rte_errno set: EINVAL (tick_us is 0), ENOMEM.
 */
struct tern_wheel *tern_wheel_create(unsigned int tick_us, int socket_id);

/**
 * Free a wheel. Nodes still armed are forgotten, not fired: their memory is
 * the caller's, and tern_wheel_armed() keeps answering true for them, so
 * re-initialise them with tern_wheel_node_init() before reuse.
 *
 * @param w  the wheel, or NULL (no-op). Not usable afterwards.
 */
void tern_wheel_free(struct tern_wheel *w);

/**
 * Prepare a node for use: not armed. Call once before the first arm; never
 * on an armed node.
 *
 * @param n  the node; the caller keeps ownership.
 */
static inline void
tern_wheel_node_init(struct tern_wheel_node *n)
{
	n->link.tqe_next = NULL;
	n->link.tqe_prev = NULL;
	n->expire = UINT64_MAX;
	n->slot = 0;
}

/**
 * @param n  an initialised node.
 * @return true if @p n is armed (waiting in a wheel), false otherwise.
 *         A node that fired is no longer armed when its callback runs.
 */
static inline bool
tern_wheel_armed(const struct tern_wheel_node *n)
{
	return n->slot != 0;
}

/**
 * Arm @p n to fire at absolute time @p expire (µs), or move it there if it
 * is already armed (re-arm, earlier or later). O(1), allocates nothing.
 *
 * An expiry that is not after the wheel's current time (tern_wheel_now())
 * is refused with -ERANGE and changes nothing: an armed node stays armed at
 * its old time, an unarmed one stays unarmed. The caller handles the
 * overdue work itself (the wheel never fires a node from inside arm).
 *
 * @param w       the wheel.
 * @param n       an initialised node, unarmed or armed in this same wheel;
 *                the wheel references it until it fires or is disarmed.
 * @param expire  absolute expiry in µs; UINT64_MAX is a valid "far future".
 * @return 0, or -ERANGE if @p expire <= tern_wheel_now(w).
 */
int tern_wheel_arm(struct tern_wheel *w, struct tern_wheel_node *n,
		uint64_t expire);

/**
 * Disarm @p n: it will not fire. O(1). No-op if @p n is not armed.
 *
 * @param w  the wheel @p n was armed in.
 * @param n  an initialised node; the caller may free it afterwards.
 */
void tern_wheel_disarm(struct tern_wheel *w, struct tern_wheel_node *n);

/**
 * Move the wheel's clock to @p now and fire every node whose expiry tick is
 * at or before now / tick_us, in order of expiry tick, calling @p fn for
 * each. Nodes armed by @p fn that fall due by @p now fire in this same call.
 * While @p fn runs, tern_wheel_now() is the start of the tick being fired
 * (>= the node's expire, <= @p now); afterwards it is @p now.
 *
 * A @p now before tern_wheel_now() does nothing (the clock never goes back).
 *
 * @param w    the wheel.
 * @param now  absolute time in µs.
 * @param fn   callback, required.
 * @param arg  passed to @p fn.
 * @return the number of nodes fired.
 */
unsigned int tern_wheel_advance(struct tern_wheel *w, uint64_t now,
		tern_wheel_fn *fn, void *arg);

/**
 * When the next tern_wheel_advance() may have work: for the simulator to
 * jump its virtual clock.
 *
 * The answer T is a tick boundary with T > tern_wheel_now(w); an advance to
 * any time before T fires nothing, and no node fires before T. An advance
 * to T either fires the earliest node(s), or (T conservative, when the
 * earliest node sits in an upper level) only moves nodes down a level, so
 * asking again gives a later, more precise answer; at most 10 such steps
 * precede a firing. Since expiries round up to ticks, T may exceed the
 * earliest node's @c expire by less than one tick.
 *
 * @param w  the wheel; not modified.
 * @return T as above, or UINT64_MAX if nothing is armed.
 */
uint64_t tern_wheel_next_expiry(const struct tern_wheel *w);

/**
 * @param w  the wheel.
 * @return the number of nodes armed in @p w.
 */
unsigned int tern_wheel_count(const struct tern_wheel *w);

/**
 * @param w  the wheel.
 * @return the wheel's current time in µs: the @p now of the last
 *         tern_wheel_advance() (0 before the first), or, while a callback
 *         runs, the start of the tick being fired.
 */
uint64_t tern_wheel_now(const struct tern_wheel *w);

/**
 * @param w  the wheel.
 * @return the tick length in µs given to tern_wheel_create().
 */
unsigned int tern_wheel_tick_us(const struct tern_wheel *w);

#endif /* TERN_WHEEL_H */
