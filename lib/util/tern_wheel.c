/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timing wheel (see tern_wheel.h for the contract).
 *
 * Time is counted in ticks; w->cur is the wheel's tick: every tick up to and
 * including it has been fired. A node due at tick t > cur sits at level
 *
 *     L = (index of the highest bit where t and cur differ) / 6
 *
 * in slot d = digit L of t (bits 6L..6L+5). So t agrees with cur on every
 * digit above L and has a larger digit L. Invariant, for every level L:
 * each non-empty slot's digit is greater than digit L of cur.
 *
 * Events: a non-empty slot (L, d) needs attention at tick
 * E = (cur with digits L and below cleared) | d << 6L: at level 0 its nodes
 * fire at E; at a level above, its nodes are re-placed relative to E, which
 * moves each of them to a lower level (or to level 0 at E itself when due).
 * Events of level L all lie in a later level-L block than cur while all
 * lower-level events lie in cur's, so the next event is always in the
 * lowest non-empty level, at its lowest non-empty slot: two count-trailing-
 * zeros away. tern_wheel_advance() jumps from event to event and then
 * straight to the target tick; ticks with nothing in them cost nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_errno.h>

#include "tern_wheel.h"

#define WHEEL_BITS    6
#define WHEEL_SLOTS   (1u << WHEEL_BITS)                   /* 64 per level */
#define WHEEL_LEVELS  ((64 + WHEEL_BITS - 1) / WHEEL_BITS) /* 11: all 64 bits */

TAILQ_HEAD(wheel_list, tern_wheel_node);

struct tern_wheel {
	uint64_t cur;            /**< current tick: all ticks <= cur are done */
	uint64_t now_us;         /**< tern_wheel_now() */
	unsigned int tick_us;    /**< tick length, µs */
	unsigned int count;      /**< armed nodes */
	uint32_t level_map;      /**< bit L: level L has a non-empty slot */
	bool in_advance;         /**< guards against advance from a callback */
	uint64_t slot_map[WHEEL_LEVELS];  /**< bit d: slot d of level L non-empty */
	struct wheel_list slot[WHEEL_LEVELS * WHEEL_SLOTS]; /**< [L * 64 + d] */
};

/* Expiry tick: rounded up, so that a node never fires before its time. */
static inline uint64_t
expire_tick(const struct tern_wheel *w, uint64_t expire)
{
	return expire / w->tick_us + (expire % w->tick_us != 0);
}

/* Tick of the event of slot (level, d), relative to the current tick. */
static inline uint64_t
event_tick(uint64_t cur, unsigned int level, unsigned int d)
{
	unsigned int above = WHEEL_BITS * (level + 1);
	uint64_t base = above >= 64 ? 0 : cur & ~((UINT64_C(1) << above) - 1);

	return base | (uint64_t)d << (WHEEL_BITS * level);
}

/* Put @n, due at tick t >= w->cur, in its slot (t == cur only while
 * cascading: level 0, the slot fired next). */
static inline void
place(struct tern_wheel *w, struct tern_wheel_node *n, uint64_t t)
{
	uint64_t diff = t ^ w->cur;
	unsigned int level, d, idx;

	RTE_ASSERT(t >= w->cur);
	level = diff == 0 ? 0 : (63 - (unsigned int)__builtin_clzll(diff)) / WHEEL_BITS;
	d = (unsigned int)(t >> (WHEEL_BITS * level)) & (WHEEL_SLOTS - 1);
	idx = level * WHEEL_SLOTS + d;
	TAILQ_INSERT_TAIL(&w->slot[idx], n, link);
	w->slot_map[level] |= UINT64_C(1) << d;
	w->level_map |= 1u << level;
	n->slot = (uint16_t)(idx + 1);
}

/* Take @n (armed) out of its slot; the caller fixes count. */
static inline void
unlink_node(struct tern_wheel *w, struct tern_wheel_node *n)
{
	unsigned int idx = n->slot - 1u;
	unsigned int level = idx / WHEEL_SLOTS, d = idx % WHEEL_SLOTS;

	RTE_ASSERT(n->slot != 0 && idx < WHEEL_LEVELS * WHEEL_SLOTS);
	TAILQ_REMOVE(&w->slot[idx], n, link);
	if (TAILQ_EMPTY(&w->slot[idx])) {
		w->slot_map[level] &= ~(UINT64_C(1) << d);
		if (w->slot_map[level] == 0)
			w->level_map &= ~(1u << level);
	}
	n->slot = 0;
}

struct tern_wheel *
tern_wheel_create(unsigned int tick_us, int socket_id)
{
	struct tern_wheel *w;
	size_t size = RTE_ALIGN_CEIL(sizeof(*w), RTE_CACHE_LINE_SIZE);
	unsigned int i;

	RTE_SET_USED(socket_id); /* first touch by the creating thread places it */
	if (tick_us == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (posix_memalign((void **)&w, RTE_CACHE_LINE_SIZE, size) != 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, size);
	w->tick_us = tick_us;
	for (i = 0; i < RTE_DIM(w->slot); i++)
		TAILQ_INIT(&w->slot[i]);
	return w;
}

void
tern_wheel_free(struct tern_wheel *w)
{
	free(w);
}

int
tern_wheel_arm(struct tern_wheel *w, struct tern_wheel_node *n, uint64_t expire)
{
	if (expire <= w->now_us)
		return -ERANGE;
	if (tern_wheel_armed(n))
		unlink_node(w, n);
	else
		w->count++;
	n->expire = expire;
	/* expire > now_us >= cur * tick_us, so its tick is after cur */
	place(w, n, expire_tick(w, expire));
	return 0;
}

void
tern_wheel_disarm(struct tern_wheel *w, struct tern_wheel_node *n)
{
	if (!tern_wheel_armed(n))
		return;
	unlink_node(w, n);
	w->count--;
}

/* Re-place every node of slot (level, d) relative to the new cur. Each goes
 * to a lower level, since it now agrees with cur on digits level and up. */
static void
cascade(struct tern_wheel *w, unsigned int level, unsigned int d)
{
	struct wheel_list *h = &w->slot[level * WHEEL_SLOTS + d];
	struct tern_wheel_node *n;

	while ((n = TAILQ_FIRST(h)) != NULL) {
		unlink_node(w, n);
		place(w, n, expire_tick(w, n->expire));
	}
}

unsigned int
tern_wheel_advance(struct tern_wheel *w, uint64_t now, tern_wheel_fn *fn,
		void *arg)
{
	uint64_t target = now / w->tick_us;
	unsigned int fired = 0;

	RTE_ASSERT(!w->in_advance);
	if (now <= w->now_us || w->in_advance)
		return 0;
	w->in_advance = true;
	for (;;) {
		struct wheel_list *due = &w->slot[w->cur & (WHEEL_SLOTS - 1)];
		struct tern_wheel_node *n;
		unsigned int level, d;
		uint64_t ev;

		/* level 0, slot of cur: exactly the nodes due at tick cur */
		while ((n = TAILQ_FIRST(due)) != NULL) {
			unlink_node(w, n);
			w->count--;
			fired++;
			fn(n, arg);
		}
		if (w->level_map == 0)
			break;
		level = (unsigned int)__builtin_ctz(w->level_map);
		d = (unsigned int)__builtin_ctzll(w->slot_map[level]);
		ev = event_tick(w->cur, level, d);
		RTE_ASSERT(ev > w->cur);
		if (ev > target)
			break;
		w->cur = ev;
		w->now_us = ev * w->tick_us;  /* <= now: no overflow */
		if (level > 0)
			cascade(w, level, d);
	}
	/* nothing left is due by target: all events lie beyond it */
	w->cur = target;
	w->now_us = now;
	w->in_advance = false;
	return fired;
}

uint64_t
tern_wheel_next_expiry(const struct tern_wheel *w)
{
	unsigned int level, d;
	uint64_t ev;

	if (w->level_map == 0)
		return UINT64_MAX;
	level = (unsigned int)__builtin_ctz(w->level_map);
	d = (unsigned int)__builtin_ctzll(w->slot_map[level]);
	ev = event_tick(w->cur, level, d);
	if (ev > UINT64_MAX / w->tick_us)
		return UINT64_MAX;
	return ev * w->tick_us;
}

unsigned int
tern_wheel_count(const struct tern_wheel *w)
{
	return w->count;
}

uint64_t
tern_wheel_now(const struct tern_wheel *w)
{
	return w->now_us;
}

unsigned int
tern_wheel_tick_us(const struct tern_wheel *w)
{
	return w->tick_us;
}
