/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options: parsing (RFC 9293 §3.2: unknown kinds skipped by their length,
 * MUST-68; a length that runs past the header makes the segment malformed)
 * and building (MSS, window scale, SACK-permitted and timestamps on SYNs;
 * timestamps and SACK blocks on other segments).
 */
#include <errno.h>
#include <string.h>

#include "tcp_priv.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_OK 4
#define OPT_SACK 5
#define OPT_TS 8

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* NOP, NOP, timestamps (kind 8, length 10): RFC 7323 Appendix A's layout */
static const uint8_t opt_ts_lead[4] = { OPT_NOP, OPT_NOP, OPT_TS, 10 };

int
tcp_opt_parse(const uint8_t *opt, unsigned int len, struct tcp_seg *seg, bool syn)
{
	unsigned int i = 0;

	/* what nearly every segment of a connection with timestamps carries,
	 * taken whole before the general walk */
	if (len == 12 && memcmp(opt, opt_ts_lead, sizeof(opt_ts_lead)) == 0) {
		seg->has_ts = 1;
		seg->tsval = rd32(&opt[4]);
		seg->tsecr = rd32(&opt[8]);
		return 0;
	}
	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		switch (kind) {
		case OPT_MSS:
			if (olen != 4)
				return -EINVAL;
			/* RFC 9293 §3.7.1: only meaningful on a SYN */
			if (syn) {
				seg->has_mss = 1;
				seg->mss = rd16(&opt[i + 2]);
			}
			break;
		case OPT_WS:
			if (olen != 3)
				return -EINVAL;
			if (syn) {
				seg->has_ws = 1;
				/* RFC 7323 §2.3: a shift above 14 is used as 14 */
				seg->ws = opt[i + 2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : opt[i + 2];
			}
			break;
		case OPT_SACK_OK:
			if (olen != 2)
				return -EINVAL;
			if (syn)
				seg->sack_ok = 1;
			break;
		case OPT_SACK:
			/* RFC 2018 §3: 2 + 8n bytes, each block a left and a right edge */
			if ((olen - 2) % 8 != 0)
				return -EINVAL;
			for (unsigned int b = 0; b < (olen - 2u) / 8 &&
					seg->nsack < TCP_SACK_MAX_BLOCKS; b++, seg->nsack++) {
				seg->sack[2 * seg->nsack] = rd32(&opt[i + 2 + 8 * b]);
				seg->sack[2 * seg->nsack + 1] = rd32(&opt[i + 6 + 8 * b]);
			}
			break;
		case OPT_TS:
			if (olen != 10)
				return -EINVAL;
			seg->has_ts = 1;
			seg->tsval = rd32(&opt[i + 2]);
			seg->tsecr = rd32(&opt[i + 6]);
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

unsigned int
tcp_opt_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	memcpy(p, opt_ts_lead, sizeof(opt_ts_lead));
	wr32(&p[4], tsval);
	wr32(&p[8], tsecr);
	return 12;
}

/*
 * SYN options in 20 bytes (RFC 9293 §3.7.1, RFC 2018 §2, RFC 7323 §2.2,
 * §3.2): MSS; SACK-permitted and timestamps side by side, the two bytes of
 * SACK-permitted standing for the two NOPs that would align the timestamps
 * (NOP, NOP before either alone); NOP, window scale. The layout Linux uses,
 * so that a peer or a test written against Linux sees the same bytes.
 */
unsigned int
tcp_opt_write_syn(uint8_t *p, const struct tcp_syn_opts *o)
{
	unsigned int n = 0;

	p[n++] = OPT_MSS;
	p[n++] = 4;
	p[n++] = (uint8_t)(o->mss >> 8);
	p[n++] = (uint8_t)o->mss;
	if (o->sack_ok != o->ts) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
	}
	if (o->sack_ok) {
		p[n++] = OPT_SACK_OK;
		p[n++] = 2;
	}
	if (o->ts) {
		p[n++] = OPT_TS;
		p[n++] = 10;
		wr32(&p[n], o->tsval);
		wr32(&p[n + 4], o->tsecr);
		n += 8;
	}
	if (o->ws) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_WS;
		p[n++] = 3;
		p[n++] = o->wscale;
	}
	return n;
}

unsigned int
tcp_opt_build_syn(struct tcp_cb *tp, uint8_t *p, bool synack)
{
	const struct tcp_syn_opts o = {
		.mss = tcp_mss_ours(tp),
		.sack_ok = (tp->flags & TF_SACK) != 0,
		.ts = (tp->flags & TF_TS) != 0,
		.tsval = tcp_ts_now(tp->tw) + tp->ts_offset,
		/* RFC 7323 §3.2: TSecr is 0 on a SYN, the peer's TSval on a SYN-ACK */
		.tsecr = synack ? tp->ts_recent : 0,
		.ws = (tp->flags & TF_WSCALE) != 0,
		.wscale = tp->rcv_wscale,
	};

	return tcp_opt_write_syn(p, &o);
}

unsigned int
tcp_opt_build(struct tcp_cb *tp, uint8_t *p)
{
	uint32_t edges[2 * TCP_SACK_MAX_BLOCKS];
	unsigned int n = 0, nb;

	if (tp->flags & TF_TS)
		n += tcp_opt_write_ts(p, tcp_ts_now(tp->tw) + tp->ts_offset, tp->ts_recent);
	if ((tp->flags & TF_SACK) && tp->reass.len != 0) {
		/* RFC 2018 §3: 3 blocks fit beside timestamps, 4 without */
		nb = tcp_reass_sack_blocks(tp, edges, (tp->flags & TF_TS) ? 3 : 4);
		if (nb != 0) {
			p[n++] = OPT_NOP;
			p[n++] = OPT_NOP;
			p[n++] = OPT_SACK;
			p[n++] = (uint8_t)(2 + 8 * nb);
			for (unsigned int i = 0; i < 2 * nb; i++, n += 4)
				wr32(&p[n], edges[i]);
		}
	}
	return n;
}
