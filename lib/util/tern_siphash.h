/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_SIPHASH_H
#define TERN_SIPHASH_H

/**
 * @file
 * SipHash-2-4 with a 64-bit output: a keyed pseudorandom function for short
 * inputs (J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast short-input
 * PRF", INDOCRYPT 2012). Tern uses it for RFC 6528 §3 initial sequence
 * numbers (F() of the 4-tuple and a secret) and for SYN cookies.
 *
 * Byte order is the paper's: the key and the message are read as
 * little-endian 64-bit words on every host, so a given key and message give
 * the same value everywhere. Pure functions, no state: safe on any thread.
 */

#include <stddef.h>
#include <stdint.h>

/** Length of a SipHash key in bytes (128 bits). */
#define TERN_SIPHASH_KEY_LEN 16

/**
 * SipHash-2-4 of @p len bytes at @p data under a 128-bit key.
 *
 * @param key   16 key bytes (k0 = bytes 0..7, k1 = bytes 8..15, little-endian);
 *              only read.
 * @param data  message; only read, any alignment; may be NULL when @p len is 0.
 * @param len   message length in bytes.
 * @return the 64-bit tag. Its little-endian bytes are the 8 output bytes of
 *         the paper and of the reference test vectors.
 */
uint64_t tern_siphash24(const uint8_t key[TERN_SIPHASH_KEY_LEN],
		const void *data, size_t len);

/**
 * SipHash-2-4 of a fixed 16-byte message made of four 32-bit words, without
 * building a buffer: for a TCP 4-tuple (12 bytes) plus one extra word
 * (a counter, a timestamp, a secret index).
 *
 * Equal to tern_siphash24(key, buf, 16) where buf holds @p a, @p b, @p c,
 * @p d in that order, each stored little-endian. The words are taken as
 * plain numbers: pass addresses and ports as they are stored (network
 * order is fine), as long as every caller computing the same value does
 * the same.
 *
 * @param key  16 key bytes, as for tern_siphash24(); only read.
 * @return the 64-bit tag.
 */
uint64_t tern_siphash24_4w(const uint8_t key[TERN_SIPHASH_KEY_LEN],
		uint32_t a, uint32_t b, uint32_t c, uint32_t d);

#endif /* TERN_SIPHASH_H */
