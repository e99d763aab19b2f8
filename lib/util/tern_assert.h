/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_ASSERT_H
#define TERN_ASSERT_H

/*
 * Internal assertions of libtern. They are compiled in only where the build
 * defines TERN_ASSERTS (meson -Dsanitize=true or -Dfuzz=true); elsewhere
 * TERN_ASSERT() is nothing at all, its condition not even evaluated, so an
 * assertion may walk a queue. A failed assertion names the file, the line,
 * the condition and a formatted detail on stderr, then aborts: a sanitizer
 * or libFuzzer reports the abort with its stack.
 */

#include <rte_branch_prediction.h>
#include <rte_common.h>

#ifdef TERN_ASSERTS
#define TERN_ASSERTS_ON 1

/** Report a failed assertion and abort (tern_assert.c). */
__rte_noreturn __rte_format_printf(4, 5)
void tern_assert_fail(const char *file, int line, const char *cond, const char *fmt, ...);

/** Abort with @p fmt, ... unless @p cond holds. */
#define TERN_ASSERT(cond, fmt, ...) do { \
	if (unlikely(!(cond))) \
		tern_assert_fail(__FILE__, __LINE__, #cond, fmt, ##__VA_ARGS__); \
} while (0)

#else
#define TERN_ASSERTS_ON 0
#define TERN_ASSERT(cond, fmt, ...) do { } while (0)
#endif

#endif /* TERN_ASSERT_H */
