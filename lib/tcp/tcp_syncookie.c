/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 §3.6): answer a SYN without keeping state, and
 * rebuild the connection from the ACK that completes the handshake.
 *
 * Our ISN carries the state:
 *   bits 31..8  24 bits of SipHash-2-4(secret; 4-tuple, slot, peer ISN)
 *   bits  7..3  the time slot (64 s) mod 32
 *   bits  2..0  index of the largest MSS in tcp_cookie_mss[] not above the peer's
 * When the SYN carried timestamps, the low 5 bits of our TSval carry the
 * peer's window shift (0..14, 15 = no window scaling) and SACK-permitted,
 * and come back in the ACK's TSecr. Without timestamps the connection gets
 * the MSS only (no window scaling, no SACK), as RFC 4987 notes.
 *
 * A cookie is good for the slot it was made in and the next two. Two secrets
 * are kept (current and previous) so rotating the secret does not break the
 * handshakes in flight.
 */
#include <string.h>

#include "tcp_priv.h"
#include "tern_secret.h"
#include "tern_siphash.h"

static const uint16_t tcp_cookie_mss[8] = { 536, 1200, 1360, 1400, 1440, 1460, 4312, 8960 };

#define COOKIE_MAX_AGE    2         /* slots of TCP_COOKIE_SLOT_SHIFT */
#define TS_NO_WSCALE      15

static uint32_t
cookie_slot(const struct tcp_worker *tw)
{
	return tcp_cookie_slot_of(tw->nif->now_us);
}

/* The MAC covers the 4-tuple, the peer's ISN, the slot and the MSS index:
 * changing any bit of the cookie (an off-by-one ACK included) breaks it. */
static uint32_t
cookie_mac(const uint8_t secret[16], const struct tcp_key *key, uint32_t slot, uint32_t irs,
		uint32_t mss_idx)
{
	uint64_t h = unlikely(tcp_key_is_ip6(key)) ?
		tern_siphash24(secret, tcp_key6_of(key), sizeof(struct tcp_key6)) ^ irs :
		tern_siphash24_4w(secret, key->raddr, key->laddr,
				(uint32_t)key->rport << 16 | key->lport, irs);

	return (uint32_t)(tern_siphash24_4w(secret, (uint32_t)h, (uint32_t)(h >> 32), slot,
			mss_idx)) & 0xffffff;
}

void
tcp_syncookie_rotate(struct tcp_worker *tw)
{
	memcpy(tw->cookie_secret[1], tw->cookie_secret[0], sizeof(tw->cookie_secret[0]));
	tern_secret_fill(tw->cookie_secret[0], sizeof(tw->cookie_secret[0]));
	tw->cookie_rotated_slot = cookie_slot(tw);
}

uint32_t
tcp_syncookie_make(struct tcp_worker *tw, const struct tcp_key *key, uint32_t irs,
		uint16_t peer_mss)
{
	uint32_t slot = cookie_slot(tw), idx = 0;

	for (uint32_t i = 0; i < RTE_DIM(tcp_cookie_mss); i++)
		if (tcp_cookie_mss[i] <= peer_mss)
			idx = i;
	return cookie_mac(tw->cookie_secret[0], key, slot, irs, idx) << 8 | (slot & 31) << 3 | idx;
}

bool
tcp_syncookie_check(struct tcp_worker *tw, const struct tcp_key *key, uint32_t irs,
		uint32_t cookie, uint16_t *mss)
{
	uint32_t now = cookie_slot(tw);

	for (uint32_t age = 0; age <= COOKIE_MAX_AGE; age++) {
		uint32_t slot = now - age;

		if ((slot & 31) != ((cookie >> 3) & 31))
			continue;
		for (int s = 0; s < 2; s++) {
			if (cookie_mac(tw->cookie_secret[s], key, slot, irs, cookie & 7) == cookie >> 8) {
				*mss = tcp_cookie_mss[cookie & 7];
				return true;
			}
		}
	}
	return false;
}

uint32_t
tcp_syncookie_tsval(uint32_t tsval, const struct tcp_seg *syn, bool sack_on)
{
	uint32_t bits = (syn->has_ws ? syn->ws : TS_NO_WSCALE) | (sack_on ? 16u : 0u);

	/* RFC 7323 §5: TSval must not go backwards, so the cookie's value is
	 * taken from the past (up to 63 ticks): every TSval the connection
	 * sends later is larger, whatever the 5 low bits carry */
	return ((tsval - 32u) & ~31u) | bits;
}

void
tcp_syncookie_ts_decode(uint32_t tsecr, bool *ws_on, uint8_t *ws, bool *sack_on)
{
	*ws = tsecr & 15;
	*ws_on = *ws != TS_NO_WSCALE;
	if (!*ws_on)
		*ws = 0;
	*sack_on = (tsecr & 16) != 0;
}
