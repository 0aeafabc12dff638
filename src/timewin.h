/* SPDX-License-Identifier: MIT */
#pragma once

/* Weekly time windows, shared grammar of [client] meetings and [owner]
 * business_hours:  DAYS HH:MM-HH:MM[, DAYS HH:MM-HH:MM ...]
 * DAYS is a day (mon..sun), a range (mon-fri, also wrapping: fri-mon) or a
 * list (mon,wed). An end before the start crosses midnight ("fri 22:00-02:00"
 * runs into Saturday). Evaluation is in an IANA zone through GLib, DST-correct. */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <glib.h>

struct timewin {
	uint8_t days;   /* bit 0 = Monday ... bit 6 = Sunday: the day the window starts */
	uint16_t start; /* minutes after local midnight, 0..1439 */
	uint16_t end;   /* 1..1440; end <= start means it ends the next day */
};

struct timewin_set {
	struct timewin *v;
	size_t n;
};

/* Pure parser. On error returns -EINVAL and, if reterr is set, a message
 * without file/line ("bad day 'mnо' in 'mnо 10:00-11:00'"). */
int timewin_parse(const char *s, struct timewin_set *ret, char **reterr);
void timewin_set_done(struct timewin_set *set);

/* Is the instant t (seconds since the epoch) inside one of the windows, read
 * in the zone tz? */
bool timewin_contains(const struct timewin_set *set, GTimeZone *tz, int64_t t);

/* Local "ddd HH:MM" of t in tz, e.g. "Sat 23:40", for evidence. buf >= 16. */
const char *timewin_format_local(GTimeZone *tz, int64_t t, char buf[static 16]);

/* Loads an IANA zone; NULL when unknown (GLib silently falls back to UTC,
 * this does not). */
GTimeZone *timewin_zone_new(const char *name);
