/* SPDX-License-Identifier: MIT */
#pragma once

/* The one clock. Every "now" (backfill, windows, cooldown, digest, alert
 * Date) comes from clock_now(). REDFLAGD_NOW (RFC 3339) sets where the clock
 * starts; it then runs on at real speed. */

#include <stdint.h>

#include "util.h"

/* Reads REDFLAGD_NOW once. -EINVAL if it is set but not RFC 3339. */
int clock_init(void);
/* Seconds since the epoch (UTC). */
int64_t clock_now(void);
/* Microseconds on CLOCK_MONOTONIC, for timers and backoff. */
usec_t clock_monotonic(void);

/* Formats t as RFC 3339 in UTC ("2026-11-23T18:14:00Z") into buf (>= 32). */
const char *clock_format_rfc3339(int64_t t, char buf[static 32]);
/* Parses RFC 3339 / ISO 8601 with a zone; -EINVAL otherwise. */
int clock_parse_rfc3339(const char *s, int64_t *ret);
