/* SPDX-License-Identifier: BSD-3-Clause */
/* Hierarchical timing wheel, lib/util/tern_wheel.c. No EAL needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "tern_wheel.h"
#include "unit_common.h"

#define MS  UINT64_C(1000)
#define SEC (1000 * MS)
#define HOUR (3600 * SEC)

struct tmr {
	struct tern_wheel_node node;
	unsigned int id;
	unsigned int fires;      /* times its callback ran */
	uint64_t fired_at;       /* tern_wheel_now() in the callback */
};

/* What every callback checks, and the firing log. */
struct ctx {
	struct tern_wheel *w;
	uint64_t adv_now;        /* the now given to the advance running */
	uint64_t last_tick;      /* expiry tick of the previous firing */
	unsigned long errors;    /* early firings or out-of-order ticks */
	unsigned int *log;       /* ids in firing order */
	unsigned int nlog, maxlog;
	unsigned long fired;
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic, seeded per test */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t
tick_of(const struct tern_wheel *w, uint64_t expire)
{
	uint64_t t = tern_wheel_tick_us(w);

	return expire / t + (expire % t != 0);
}

static void
ctx_init(struct ctx *c, struct tern_wheel *w, unsigned int maxlog)
{
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->maxlog = maxlog;
	if (maxlog > 0) {
		c->log = calloc(maxlog, sizeof(*c->log));
		ck_assert_ptr_nonnull(c->log);
	}
}

static void
ctx_fini(struct ctx *c)
{
	free(c->log);
}

/* Record a firing; never early, never out of tick order. */
static void
record(struct tmr *t, struct ctx *c)
{
	uint64_t now = tern_wheel_now(c->w);
	uint64_t tick = tick_of(c->w, t->node.expire);

	if (tern_wheel_armed(&t->node))
		c->errors++;
	if (t->node.expire > c->adv_now || t->node.expire > now)
		c->errors++;
	if (tick < c->last_tick || now != tick * tern_wheel_tick_us(c->w))
		c->errors++;
	c->last_tick = tick;
	t->fires++;
	t->fired_at = now;
	c->fired++;
	if (c->nlog < c->maxlog)
		c->log[c->nlog++] = t->id;
}

static void
record_fn(struct tern_wheel_node *n, void *arg)
{
	record(container_of(n, struct tmr, node), arg);
}

static unsigned int
advance(struct ctx *c, uint64_t now, tern_wheel_fn *fn)
{
	c->adv_now = now;
	return tern_wheel_advance(c->w, now, fn, c);
}

static void
tmr_init(struct tmr *t, unsigned int n)
{
	unsigned int i;

	memset(t, 0, n * sizeof(*t));
	for (i = 0; i < n; i++) {
		tern_wheel_node_init(&t[i].node);
		t[i].id = i;
	}
}

START_TEST(test_wheel_create)
{
	struct tern_wheel *w;
	struct tern_wheel_node n;

	rte_errno = 0;
	ck_assert_ptr_null(tern_wheel_create(0, SOCKET_ID_ANY));
	ck_assert_int_eq(rte_errno, EINVAL);
	w = tern_wheel_create(TERN_WHEEL_TICK_US_DEFAULT, SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(tern_wheel_tick_us(w), 1000);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	ck_assert_uint_eq(tern_wheel_now(w), 0);
	ck_assert_uint_eq(tern_wheel_next_expiry(w), UINT64_MAX);
	tern_wheel_node_init(&n);
	ck_assert(!tern_wheel_armed(&n));
	ck_assert_int_eq(tern_wheel_arm(w, &n, 1), 0);
	ck_assert(tern_wheel_armed(&n));
	ck_assert_uint_eq(n.expire, 1);
	ck_assert_uint_eq(tern_wheel_count(w), 1);
	tern_wheel_disarm(w, &n);
	ck_assert(!tern_wheel_armed(&n));
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	tern_wheel_free(w);
	tern_wheel_free(NULL);
}
END_TEST

START_TEST(test_wheel_past_erange)
{
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr t[2];
	struct ctx c;

	ctx_init(&c, w, 0);
	tmr_init(t, RTE_DIM(t));
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, 0), -ERANGE);
	ck_assert_uint_eq(advance(&c, 5500, record_fn), 0);
	ck_assert_uint_eq(tern_wheel_now(w), 5500);
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, 5500), -ERANGE);
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, 5000), -ERANGE);
	ck_assert(!tern_wheel_armed(&t[0].node));
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	/* just after now: fires at the next tick boundary, 6000 */
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, 5501), 0);
	/* a refused re-arm leaves an armed node where it was */
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, 9000), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, 100), -ERANGE);
	ck_assert(tern_wheel_armed(&t[1].node));
	ck_assert_uint_eq(t[1].node.expire, 9000);
	ck_assert_uint_eq(tern_wheel_count(w), 2);
	/* the clock does not go back */
	ck_assert_uint_eq(advance(&c, 100, record_fn), 0);
	ck_assert_uint_eq(tern_wheel_now(w), 5500);
	ck_assert_uint_eq(advance(&c, 5999, record_fn), 0);
	ck_assert_uint_eq(advance(&c, 6000, record_fn), 1);
	ck_assert_uint_eq(t[0].fires, 1);
	ck_assert_uint_eq(t[0].fired_at, 6000);
	ck_assert_uint_eq(advance(&c, 8999, record_fn), 0);
	ck_assert_uint_eq(advance(&c, 9000, record_fn), 1);
	ck_assert_uint_eq(t[1].fires, 1);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

/* Rounding: fires at the first tick boundary at or after expire, never before. */
START_TEST(test_wheel_exact_time)
{
	static const unsigned int ticks[] = { 1, 7, 1000, 1024 };
	unsigned int k;

	for (k = 0; k < RTE_DIM(ticks); k++) {
		struct tern_wheel *w = tern_wheel_create(ticks[k], SOCKET_ID_ANY);
		uint64_t tk = ticks[k], base = 123456789, e, due;
		struct tmr t;
		struct ctx c;
		unsigned int i;

		ck_assert_ptr_nonnull(w);
		ctx_init(&c, w, 0);
		advance(&c, base, record_fn);
		for (i = 0; i < 200; i++) {
			tmr_init(&t, 1);
			e = tern_wheel_now(w) + 1 + rng() % (5 * tk + 3);
			due = (e + tk - 1) / tk * tk;
			ck_assert_int_eq(tern_wheel_arm(w, &t.node, e), 0);
			ck_assert_uint_eq(tern_wheel_next_expiry(w), due);
			ck_assert_uint_eq(advance(&c, due - 1, record_fn), 0);
			ck_assert_uint_eq(t.fires, 0);
			ck_assert_uint_eq(advance(&c, due, record_fn), 1);
			ck_assert_uint_eq(t.fires, 1);
			ck_assert_uint_eq(t.fired_at, due);
			ck_assert(t.fired_at >= e && t.fired_at - e < tk);
		}
		ck_assert_uint_eq(c.errors, 0);
		ctx_fini(&c);
		tern_wheel_free(w);
	}
}
END_TEST

/* Distances that land on every level and on level boundaries. */
static const uint64_t level_deltas[] = {
	1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, 262143, 262144, 262145,
	16777215, 16777216, 16777217, 14400000 /* 4 h */, 7200000 /* 2 h */,
	UINT64_C(1) << 30, (UINT64_C(1) << 36) + 3, (UINT64_C(1) << 42) - 1,
	(UINT64_C(1) << 48) + 77, UINT64_C(1) << 54, (UINT64_C(1) << 60) + 5,
};

START_TEST(test_wheel_order_levels)
{
	enum { N = RTE_DIM(level_deltas) };
	struct tern_wheel *w = tern_wheel_create(1, SOCKET_ID_ANY);
	struct tmr t[N];
	struct ctx c;
	unsigned int i, j;
	uint64_t base = 1000003;

	ctx_init(&c, w, N);
	tmr_init(t, N);
	advance(&c, base, record_fn);
	/* arm in a shuffled order */
	for (i = 0; i < N; i++) {
		j = (i * 7 + 3) % N;
		ck_assert_int_eq(tern_wheel_arm(w, &t[j].node,
				base + level_deltas[j]), 0);
	}
	ck_assert_uint_eq(tern_wheel_count(w), N);
	/* one jump past everything */
	ck_assert_uint_eq(advance(&c, base + (UINT64_C(1) << 61), record_fn), N);
	ck_assert_uint_eq(c.errors, 0);
	ck_assert_uint_eq(c.nlog, N);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(t[i].fires, 1);
	for (i = 1; i < N; i++)
		ck_assert_uint_lt(t[c.log[i - 1]].node.expire, t[c.log[i]].node.expire);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

/* Stepwise: after every advance each node has fired iff its tick is due. */
START_TEST(test_wheel_stepwise_levels)
{
	enum { N = 4000 };
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr *t = calloc(N, sizeof(*t));
	struct ctx c;
	uint64_t now = 987654321, end;
	unsigned int i;

	ck_assert_ptr_nonnull(t);
	rng_state = 42;
	ctx_init(&c, w, 0);
	tmr_init(t, N);
	advance(&c, now, record_fn);
	for (i = 0; i < N; i++) {
		/* log-uniform distances: 1 µs .. ~5 h, so every level is used */
		uint64_t bits = rng() % 34 + 1;
		uint64_t d = 1 + rng() % (UINT64_C(1) << bits);

		ck_assert_int_eq(tern_wheel_arm(w, &t[i].node, now + d), 0);
	}
	end = now + (UINT64_C(1) << 35);
	while (now < end) {
		uint64_t span = rng() % 2 ? 3000 : 600 * SEC;
		uint64_t due;

		now += 1 + rng() % span;
		advance(&c, now, record_fn);
		due = now / 1000;
		for (i = 0; i < N; i++)
			if (t[i].fires != (tick_of(w, t[i].node.expire) <= due))
				ck_abort_msg("timer %u: %u fires at %llu", i,
						t[i].fires, (unsigned long long)now);
	}
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	free(t);
	tern_wheel_free(w);
}
END_TEST

/* A node parked high up comes down level by level and fires on its tick. */
START_TEST(test_wheel_cascade)
{
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr t[3];
	struct ctx c;
	uint64_t base = 5 * HOUR + 777, tk;
	unsigned int steps = 0;

	ctx_init(&c, w, 3);
	tmr_init(t, 3);
	advance(&c, base, record_fn);
	/* three levels up, plus digits on the lower levels */
	tk = base / 1000 + 3 * 262144 + 5 * 4096 + 9 * 64 + 11;
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, tk * 1000), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, tk * 1000 - 999), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[2].node, tk * 1000 + 1), 0);
	/* drive by next_expiry only, as the simulator does */
	while (tern_wheel_count(w) == 3) {
		uint64_t next = tern_wheel_next_expiry(w);

		ck_assert_uint_gt(next, tern_wheel_now(w));
		ck_assert_uint_le(next, tk * 1000);
		ck_assert_uint_eq(advance(&c, next - 1, record_fn), 0);
		advance(&c, next, record_fn);
		steps++;
		ck_assert_uint_le(steps, 11);
	}
	ck_assert_uint_eq(tern_wheel_now(w), tk * 1000);
	ck_assert_uint_eq(t[0].fires, 1);
	ck_assert_uint_eq(t[1].fires, 1);
	ck_assert_uint_eq(t[2].fires, 0);
	ck_assert_uint_eq(tern_wheel_next_expiry(w), (tk + 1) * 1000);
	ck_assert_uint_eq(advance(&c, tk * 1000 + 999, record_fn), 0);
	ck_assert_uint_eq(advance(&c, tk * 1000 + 1000, record_fn), 1);
	ck_assert_uint_eq(t[2].fired_at, (tk + 1) * 1000);
	ck_assert_uint_eq(tern_wheel_next_expiry(w), UINT64_MAX);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

START_TEST(test_wheel_rearm)
{
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr t[3];
	struct ctx c;
	uint64_t base = 1 * HOUR;

	ctx_init(&c, w, 8);
	tmr_init(t, 3);
	advance(&c, base, record_fn);
	/* earlier: 10 s -> 1 s (level 2 -> level 1) */
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, base + 10 * SEC), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, base + 1 * SEC), 0);
	ck_assert_uint_eq(t[0].node.expire, base + SEC);
	/* later: 1 s -> 3 h (level 1 -> level 3) */
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, base + 1 * SEC), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, base + 3 * HOUR), 0);
	/* same slot, and the same time again */
	ck_assert_int_eq(tern_wheel_arm(w, &t[2].node, base + 2 * SEC), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[2].node, base + 2 * SEC + 1000), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[2].node, base + 2 * SEC + 1000), 0);
	ck_assert_uint_eq(tern_wheel_count(w), 3);

	ck_assert_uint_eq(advance(&c, base + SEC - 1, record_fn), 0);
	ck_assert_uint_eq(advance(&c, base + SEC, record_fn), 1);
	ck_assert_uint_eq(t[0].fires, 1);
	ck_assert_uint_eq(advance(&c, base + 2 * SEC, record_fn), 0);
	ck_assert_uint_eq(advance(&c, base + 20 * SEC, record_fn), 1);
	ck_assert_uint_eq(t[2].fires, 1);
	ck_assert_uint_eq(t[2].fired_at, base + 2 * SEC + 1000);
	ck_assert_uint_eq(t[0].fires, 1);   /* not again at its old 10 s */
	ck_assert_uint_eq(advance(&c, base + 3 * HOUR - 1, record_fn), 0);
	ck_assert_uint_eq(t[1].fires, 0);
	ck_assert_uint_eq(advance(&c, base + 3 * HOUR, record_fn), 1);
	ck_assert_uint_eq(t[1].fires, 1);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	/* a fired node can be armed again */
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, base + 4 * HOUR), 0);
	ck_assert_uint_eq(advance(&c, base + 5 * HOUR, record_fn), 1);
	ck_assert_uint_eq(t[0].fires, 2);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

START_TEST(test_wheel_disarm)
{
	enum { N = 10 };
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr t[N];
	struct ctx c;
	unsigned int i;

	ctx_init(&c, w, N);
	tmr_init(t, N);
	/* 0..4 share one tick (one slot), 5..9 spread over levels */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(tern_wheel_arm(w, &t[i].node, 50 * MS), 0);
	for (i = 5; i < N; i++)
		ck_assert_int_eq(tern_wheel_arm(w, &t[i].node,
				(uint64_t)(i - 4) * 70 * SEC), 0);
	tern_wheel_disarm(w, &t[0].node);   /* head of the slot */
	tern_wheel_disarm(w, &t[2].node);   /* middle */
	tern_wheel_disarm(w, &t[4].node);   /* tail */
	tern_wheel_disarm(w, &t[7].node);
	tern_wheel_disarm(w, &t[7].node);   /* twice: no-op */
	ck_assert(!tern_wheel_armed(&t[7].node));
	ck_assert_uint_eq(tern_wheel_count(w), 6);
	ck_assert_uint_eq(advance(&c, 1 * HOUR, record_fn), 6);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(t[i].fires,
				(i == 0 || i == 2 || i == 4 || i == 7) ? 0 : 1);
	/* disarm every node of a slot: the slot and its level are empty */
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, 2 * HOUR), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &t[1].node, 2 * HOUR), 0);
	tern_wheel_disarm(w, &t[1].node);
	tern_wheel_disarm(w, &t[0].node);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	ck_assert_uint_eq(tern_wheel_next_expiry(w), UINT64_MAX);
	ck_assert_uint_eq(advance(&c, 3 * HOUR, record_fn), 0);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

/* Callbacks that re-arm themselves, disarm peers, and arm new nodes. */
struct cb_test {
	struct ctx c;
	struct tmr t[6];
	unsigned int period_left;
	int erange;
};

static void
cb_fn(struct tern_wheel_node *n, void *arg)
{
	struct cb_test *x = arg;
	struct tmr *t = container_of(n, struct tmr, node);
	struct tern_wheel *w = x->c.w;

	record(t, &x->c);
	switch (t->id) {
	case 0:     /* periodic, 10 ms, re-armed from its own callback */
		if (--x->period_left > 0)
			ck_assert_int_eq(tern_wheel_arm(w, n, n->expire + 10 * MS), 0);
		break;
	case 1:     /* 1 and 2 are due on the same tick: first one wins */
		tern_wheel_disarm(w, &x->t[2].node);
		break;
	case 2:
		tern_wheel_disarm(w, &x->t[1].node);
		break;
	case 3:     /* arms 4 (due within this advance) and 5 (after it) */
		x->erange = tern_wheel_arm(w, &x->t[4].node, tern_wheel_now(w));
		ck_assert_int_eq(tern_wheel_arm(w, &x->t[4].node,
				tern_wheel_now(w) + 5 * MS), 0);
		ck_assert_int_eq(tern_wheel_arm(w, &x->t[5].node,
				tern_wheel_now(w) + 2 * HOUR), 0);
		/* and re-arms itself, then changes its mind */
		ck_assert_int_eq(tern_wheel_arm(w, n, tern_wheel_now(w) + 1), 0);
		tern_wheel_disarm(w, n);
		break;
	default:
		break;
	}
}

START_TEST(test_wheel_callback_rearm)
{
	struct cb_test *x = calloc(1, sizeof(*x));
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);

	ck_assert_ptr_nonnull(x);
	ctx_init(&x->c, w, 256);
	tmr_init(x->t, RTE_DIM(x->t));
	x->period_left = 100;
	ck_assert_int_eq(tern_wheel_arm(w, &x->t[0].node, 10 * MS), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &x->t[1].node, 300 * MS + 1), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &x->t[2].node, 301 * MS), 0);
	ck_assert_int_eq(tern_wheel_arm(w, &x->t[3].node, 500 * MS), 0);
	/* one advance over 2 s: 100 periodic firings, one of 1/2, 3 then 4 */
	x->c.adv_now = 2 * SEC;
	ck_assert_uint_eq(tern_wheel_advance(w, 2 * SEC, cb_fn, x), 100 + 1 + 2);
	ck_assert_uint_eq(x->c.errors, 0);
	ck_assert_uint_eq(x->t[0].fires, 100);
	ck_assert_uint_eq(x->t[0].fired_at, 1000 * MS);
	ck_assert_uint_eq(x->t[1].fires + x->t[2].fires, 1);
	ck_assert_uint_eq(x->t[3].fires, 1);
	ck_assert_int_eq(x->erange, -ERANGE);   /* now is not after now */
	ck_assert_uint_eq(x->t[4].fires, 1);
	ck_assert_uint_eq(x->t[4].fired_at, 505 * MS);
	ck_assert(!tern_wheel_armed(&x->t[3].node));
	ck_assert(tern_wheel_armed(&x->t[5].node));
	ck_assert_uint_eq(tern_wheel_count(w), 1);
	/* tick order was checked at each firing (record(): c.errors) */
	ck_assert_uint_eq(x->c.nlog, 103);
	ck_assert_uint_eq(x->c.log[102], 0);   /* the periodic one fired last */
	x->c.adv_now = 3 * HOUR;
	ck_assert_uint_eq(tern_wheel_advance(w, 3 * HOUR, cb_fn, x), 1);
	ck_assert_uint_eq(x->t[5].fired_at, 2 * HOUR + 500 * MS);
	ck_assert_uint_eq(x->c.errors, 0);
	ctx_fini(&x->c);
	free(x);
	tern_wheel_free(w);
}
END_TEST

/* Callback frees (poisons) its own node, as a connection close would. */
static void
free_fn(struct tern_wheel_node *n, void *arg)
{
	struct tmr *t = container_of(n, struct tmr, node);

	record(t, arg);
	free(t);
}

START_TEST(test_wheel_callback_free)
{
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct ctx c;
	unsigned int i;

	ctx_init(&c, w, 0);
	for (i = 0; i < 100; i++) {
		struct tmr *t = calloc(1, sizeof(*t));

		ck_assert_ptr_nonnull(t);
		tern_wheel_node_init(&t->node);
		ck_assert_int_eq(tern_wheel_arm(w, &t->node, 1 + i % 7 * MS), 0);
	}
	ck_assert_uint_eq(advance(&c, 10 * MS, free_fn), 100);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	tern_wheel_free(w);
}
END_TEST

/* now jumps hours ahead in one call: everything due fires exactly once. */
START_TEST(test_wheel_jump_hours)
{
	enum { N = 20000 };
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr *t = calloc(N, sizeof(*t));
	struct ctx c;
	uint64_t base = 1234567, jump1 = base + 5 * HOUR + 123, jump2;
	unsigned int i, due = 0;

	ck_assert_ptr_nonnull(t);
	rng_state = 7;
	ctx_init(&c, w, 0);
	tmr_init(t, N);
	advance(&c, base, record_fn);
	for (i = 0; i < N; i++) {
		uint64_t e = base + 1 + rng() % (6 * HOUR);

		if (tern_wheel_arm(w, &t[i].node, e) != 0)
			ck_abort_msg("arm %u", i);
		due += tick_of(w, e) <= jump1 / 1000;
	}
	ck_assert_uint_gt(due, 0);
	ck_assert_uint_lt(due, N);
	ck_assert_uint_eq(advance(&c, jump1, record_fn), due);
	ck_assert_uint_eq(tern_wheel_count(w), N - due);
	for (i = 0; i < N; i++)
		if (t[i].fires != (tick_of(w, t[i].node.expire) <= jump1 / 1000))
			ck_abort_msg("timer %u fired %u times", i, t[i].fires);
	/* an empty wheel jumps for free, and so does one with distant nodes */
	jump2 = jump1 + 10 * HOUR;
	ck_assert_uint_eq(advance(&c, jump2, record_fn), N - due);
	for (i = 0; i < N; i++)
		if (t[i].fires != 1)
			ck_abort_msg("timer %u fired %u times", i, t[i].fires);
	ck_assert_uint_eq(advance(&c, jump2 + 1000 * HOUR, record_fn), 0);
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	free(t);
	tern_wheel_free(w);
}
END_TEST

/* Driving virtual time by next_expiry: each node fires at its tick exactly. */
START_TEST(test_wheel_next_expiry)
{
	enum { N = 3000 };
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr *t = calloc(N, sizeof(*t));
	struct ctx c;
	unsigned int i, steps = 0;
	uint64_t next;

	ck_assert_ptr_nonnull(t);
	rng_state = 99;
	ctx_init(&c, w, 0);
	tmr_init(t, N);
	advance(&c, 77777, record_fn);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(tern_wheel_arm(w, &t[i].node,
				77778 + rng() % (3 * HOUR)), 0);
	while ((next = tern_wheel_next_expiry(w)) != UINT64_MAX) {
		ck_assert_uint_gt(next, tern_wheel_now(w));
		ck_assert_uint_eq(next % 1000, 0);
		advance(&c, next, record_fn);
		steps++;
	}
	ck_assert_uint_eq(c.fired, N);
	ck_assert_uint_le(steps, 11 * N);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(t[i].fires, 1);
		ck_assert_uint_eq(t[i].fired_at, tick_of(w, t[i].node.expire) * 1000);
	}
	ck_assert_uint_eq(c.errors, 0);
	ctx_fini(&c);
	free(t);
	tern_wheel_free(w);
}
END_TEST

/* The ends of the range: "never", and a 1 µs tick near 2^64. */
START_TEST(test_wheel_far_future)
{
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tern_wheel *w1 = tern_wheel_create(1, SOCKET_ID_ANY);
	struct tmr t[3];
	struct ctx c, c1;

	ctx_init(&c, w, 0);
	ctx_init(&c1, w1, 0);
	tmr_init(t, 3);
	ck_assert_int_eq(tern_wheel_arm(w, &t[0].node, UINT64_MAX), 0);
	ck_assert_uint_eq(tern_wheel_count(w), 1);
	ck_assert_uint_gt(tern_wheel_next_expiry(w), 0);
	ck_assert_uint_eq(advance(&c, UINT64_MAX - 1, record_fn), 0);
	ck_assert(tern_wheel_armed(&t[0].node));
	tern_wheel_disarm(w, &t[0].node);
	ck_assert_uint_eq(tern_wheel_next_expiry(w), UINT64_MAX);

	ck_assert_int_eq(tern_wheel_arm(w1, &t[1].node, UINT64_MAX - 5), 0);
	ck_assert_int_eq(tern_wheel_arm(w1, &t[2].node, UINT64_MAX), 0);
	ck_assert_uint_eq(advance(&c1, UINT64_MAX - 6, record_fn), 0);
	ck_assert_uint_eq(tern_wheel_next_expiry(w1), UINT64_MAX - 5);
	ck_assert_uint_eq(advance(&c1, UINT64_MAX - 5, record_fn), 1);
	ck_assert_uint_eq(advance(&c1, UINT64_MAX, record_fn), 1);
	ck_assert_uint_eq(t[2].fired_at, UINT64_MAX);
	ck_assert_uint_eq(c.errors + c1.errors, 0);
	ctx_fini(&c);
	ctx_fini(&c1);
	tern_wheel_free(w);
	tern_wheel_free(w1);
}
END_TEST

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* 1,000,000 timers at random times: each fires once, never early, never
 * late, in non-decreasing tick order. */
START_TEST(test_wheel_million)
{
	enum { N = 1000000 };
	struct tern_wheel *w = tern_wheel_create(1000, SOCKET_ID_ANY);
	struct tmr *t = calloc(N, sizeof(*t));
	uint64_t *ticks = calloc(N, sizeof(*ticks));
	uint64_t base = 3 * HOUR + 17, now, end = base + 4 * HOUR + 1;
	unsigned long due = 0, advances = 0;
	struct timespec t0, t1;
	struct ctx c;
	unsigned int i;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(ticks);
	rng_state = 2024;
	ctx_init(&c, w, 0);
	tmr_init(t, N);
	advance(&c, base, record_fn);
	for (i = 0; i < N; i++) {
		/* µs resolution, 1 µs .. 4 h ahead */
		uint64_t e = base + 1 + rng() % (4 * HOUR);

		ticks[i] = tick_of(w, e);
		if (tern_wheel_arm(w, &t[i].node, e) != 0)
			ck_abort_msg("arm %u", i);
	}
	qsort(ticks, N, sizeof(*ticks), cmp_u64);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++) {
		uint64_t e = t[i].node.expire;

		/* re-arm everything once more, as an RTO on every ACK would */
		if (tern_wheel_arm(w, &t[i].node, e) != 0)
			ck_abort_msg("re-arm %u", i);
	}
	now = base;
	while (now < end) {
		/* first hour: a poll loop, ~1 ms a step; then jumps of up
		 * to 2 min mixed with small steps */
		if (now < base + HOUR) {
			now += 1 + rng() % (2 * MS);
		} else {
			uint64_t span = rng() % 8 == 0 ? 120 * SEC : 50 * MS;

			now += 1 + rng() % span;
		}
		advance(&c, now, record_fn);
		advances++;
		/* exactly the nodes whose tick is due have fired, cumulatively */
		while (due < N && ticks[due] <= now / 1000)
			due++;
		if (c.fired != due)
			ck_abort_msg("at %llu fired %lu want %lu",
					(unsigned long long)now, c.fired, due);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("test_wheel_million: %u timers re-armed and fired over %lu advances "
			"in %.3f s\n", (unsigned int)N, advances,
			(double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	ck_assert_uint_eq(c.fired, N);
	ck_assert_uint_eq(c.errors, 0);
	ck_assert_uint_eq(tern_wheel_count(w), 0);
	for (i = 0; i < N; i++)
		if (t[i].fires != 1)
			ck_abort_msg("timer %u fired %u times", i, t[i].fires);
	ctx_fini(&c);
	free(ticks);
	free(t);
	tern_wheel_free(w);
}
END_TEST

static Suite *
wheel_suite(void)
{
	Suite *s = suite_create("wheel");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("big");

	tcase_add_test(tc, test_wheel_create);
	tcase_add_test(tc, test_wheel_past_erange);
	tcase_add_test(tc, test_wheel_exact_time);
	tcase_add_test(tc, test_wheel_order_levels);
	tcase_add_test(tc, test_wheel_stepwise_levels);
	tcase_add_test(tc, test_wheel_cascade);
	tcase_add_test(tc, test_wheel_rearm);
	tcase_add_test(tc, test_wheel_disarm);
	tcase_add_test(tc, test_wheel_callback_rearm);
	tcase_add_test(tc, test_wheel_callback_free);
	tcase_add_test(tc, test_wheel_jump_hours);
	tcase_add_test(tc, test_wheel_next_expiry);
	tcase_add_test(tc, test_wheel_far_future);
	suite_add_tcase(s, tc);
	tcase_add_test(big, test_wheel_million);
	tcase_set_timeout(big, 60);
	suite_add_tcase(s, big);
	return s;
}

int
main(void)
{
	return unit_run(wheel_suite());
}
