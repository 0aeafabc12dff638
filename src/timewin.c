/* SPDX-License-Identifier: MIT */
/* Weekly time windows: "DAYS HH:MM-HH:MM[, ...]".
 *
 * Grammar (white space is allowed around ',' and '-'):
 *   set    := window { ',' ( window | range ) }
 *   window := days WS range
 *   days   := item { ',' item }
 *   item   := day [ '-' day ]              (a range may wrap: fri-mon)
 *   range  := time '-' time                (end 24:00 allowed; end < start
 *                                           crosses midnight)
 *   day    := mon | tue | wed | thu | fri | sat | sun   (any case)
 *   time   := H:MM | HH:MM
 * A comma followed by a day name starts a day item or a new window (what
 * follows the day tells which); a comma followed by a digit adds another
 * range for the same days ("mon 09:00-12:00, 14:00-18:00"). */

#include <stdio.h>
#include <string.h>

#include "timewin.h"
#include "util.h"

#define TIMEWIN_MAX 128        /* windows in one set */
#define TIMEWIN_MAX_INPUT 4096 /* bytes of one specification */
#define QUOTE_MAX 64           /* bytes of user text quoted in a message */

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char *const day_names_cap[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

struct tw_parser {
	const char *s; /* whole input, for messages */
	const char *p; /* cursor */
	char *err;     /* first error, allocated */
	bool oom;
};

/* Copies at most QUOTE_MAX bytes of [b, e) for quoting in a message. */
static char *quote_span(const char *b, const char *e)
{
	size_t n = (size_t) (e - b);

	if (n > QUOTE_MAX)
		return strdup_printf("%.*s...", QUOTE_MAX, b);
	return strndup(b, n);
}

static int tw_fail(struct tw_parser *tp, const char *what, const char *b, const char *e)
{
	_cleanup_free_ char *tok = NULL, *whole = NULL;

	if (tp->err)
		return -EINVAL;
	tok = quote_span(b, e);
	whole = quote_span(tp->s, tp->s + strlen(tp->s));
	if (!tok || !whole) {
		tp->oom = true;
		return -ENOMEM;
	}
	tp->err = strdup_printf("%s '%s' in '%s'", what, tok, whole);
	if (!tp->err) {
		tp->oom = true;
		return -ENOMEM;
	}
	return -EINVAL;
}

static int tw_fail_msg(struct tw_parser *tp, const char *msg)
{
	_cleanup_free_ char *whole = NULL;

	if (tp->err)
		return -EINVAL;
	whole = quote_span(tp->s, tp->s + strlen(tp->s));
	if (!whole) {
		tp->oom = true;
		return -ENOMEM;
	}
	tp->err = strdup_printf("%s in '%s'", msg, whole);
	if (!tp->err) {
		tp->oom = true;
		return -ENOMEM;
	}
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_space(struct tw_parser *tp)
{
	while (is_space(*tp->p))
		tp->p++;
}

/* A token for error messages: up to the next space, ',' or end. */
static const char *token_end(const char *p)
{
	while (*p && !is_space(*p) && *p != ',')
		p++;
	return p;
}

static int parse_day(struct tw_parser *tp, unsigned *ret)
{
	const char *b = tp->p, *e = b;

	while (is_alpha(*e))
		e++;
	if (e - b == 3)
		for (unsigned i = 0; i < 7; i++)
			if (g_ascii_strncasecmp(b, day_names[i], 3) == 0) {
				tp->p = e;
				*ret = i;
				return 0;
			}
	/* Quote the whole word, whatever it is made of ("mnо" with a
	 * Cyrillic o), up to a space, ',' or '-'. */
	e = b;
	while (*e && !is_space(*e) && *e != ',' && *e != '-')
		e++;
	if (e == b)
		return tw_fail_msg(tp, *b ? "expected a day (mon..sun)" : "missing day (mon..sun)");
	return tw_fail(tp, "bad day", b, e);
}

/* item { ',' item } ; stops before the white space that precedes the time. */
static int parse_days(struct tw_parser *tp, uint8_t *ret)
{
	uint8_t days = 0;
	int r;

	for (;;) {
		unsigned a, b;
		const char *q;

		r = parse_day(tp, &a);
		if (r < 0)
			return r;
		b = a;
		q = tp->p;
		while (is_space(*q))
			q++;
		if (*q == '-') {
			q++;
			while (is_space(*q))
				q++;
			tp->p = q;
			r = parse_day(tp, &b);
			if (r < 0)
				return r;
		}
		for (unsigned d = a;; d = (d + 1) % 7) {
			days |= (uint8_t) (1u << d);
			if (d == b)
				break;
		}
		q = tp->p;
		while (is_space(*q))
			q++;
		if (*q != ',')
			break;
		q++;
		while (is_space(*q))
			q++;
		if (!is_alpha(*q))
			break; /* not a day list: let the caller complain */
		tp->p = q;
	}
	*ret = days;
	return 0;
}

/* H:MM or HH:MM; 24:00 only when allow_24. Returns minutes. */
static int parse_time(struct tw_parser *tp, bool allow_24, unsigned *ret)
{
	const char *b = tp->p, *q = b;
	unsigned h = 0, m;

	if (!is_digit(*q))
		goto bad;
	h = (unsigned) (*q++ - '0');
	if (is_digit(*q))
		h = h * 10 + (unsigned) (*q++ - '0');
	if (*q != ':' || !is_digit(q[1]) || !is_digit(q[2]) || is_digit(q[3]))
		goto bad;
	m = (unsigned) (q[1] - '0') * 10 + (unsigned) (q[2] - '0');
	q += 3;
	if (m > 59 || h > 24)
		goto bad;
	if (h == 24) {
		if (m != 0)
			goto bad;
		if (!allow_24) {
			tp->p = q;
			return tw_fail(tp, "24:00 can only end a window, not start it:", b, q);
		}
	}
	tp->p = q;
	*ret = h * 60 + m;
	return 0;
bad : {
	const char *e = b;

	while (*e && !is_space(*e) && *e != ',' && *e != '-')
		e++;
	if (e == b)
		return tw_fail_msg(tp, *b ? "expected a time (HH:MM)" : "missing time (HH:MM)");
	return tw_fail(tp, "bad time", b, e);
}
}

static int add_window(struct tw_parser *tp, struct timewin_set *set, uint8_t days, unsigned start,
		      unsigned end)
{
	struct timewin *nv;

	if (set->n >= TIMEWIN_MAX) {
		_cleanup_free_ char *msg = strdup_printf("more than %u windows", TIMEWIN_MAX);

		if (!msg) {
			tp->oom = true;
			return -ENOMEM;
		}
		return tw_fail_msg(tp, msg);
	}
	nv = realloc(set->v, sizeof(struct timewin) * (set->n + 1));
	if (!nv) {
		tp->oom = true;
		return -ENOMEM;
	}
	set->v = nv;
	set->v[set->n++] = (struct timewin){
		.days = days,
		.start = (uint16_t) start,
		.end = (uint16_t) end,
	};
	return 0;
}

/* time '-' time, added for `days`. */
static int parse_range(struct tw_parser *tp, struct timewin_set *set, uint8_t days)
{
	const char *b = tp->p;
	unsigned start, end;
	int r;

	r = parse_time(tp, false, &start);
	if (r < 0)
		return r;
	skip_space(tp);
	if (*tp->p != '-')
		return tw_fail(tp, "expected '-' between the start and end times at", tp->p,
			       *tp->p ? token_end(tp->p + 1) : tp->p);
	tp->p++;
	skip_space(tp);
	r = parse_time(tp, true, &end);
	if (r < 0)
		return r;
	if (end == start)
		return tw_fail(tp, "empty window (the end equals the start)", b, tp->p);
	if (end == 0)
		end = 24 * 60; /* "22:00-00:00" ends at midnight, the same day */
	return add_window(tp, set, days, start, end);
}

int timewin_parse(const char *s, struct timewin_set *ret, char **reterr)
{
	struct tw_parser tp = { .s = s ? s : "", .p = s ? s : "" };
	struct timewin_set set = {};
	int r = 0;

	if (strlen(tp.s) > TIMEWIN_MAX_INPUT) {
		r = tw_fail_msg(&tp, "specification too long");
		goto fail;
	}
	skip_space(&tp);
	if (!*tp.p) {
		tp.err =
		    strdup("empty time window specification (expected e.g. 'mon-fri 09:00-18:00')");
		if (!tp.err)
			tp.oom = true;
		r = tp.oom ? -ENOMEM : -EINVAL;
		goto fail;
	}
	for (;;) {
		uint8_t days;

		r = parse_days(&tp, &days);
		if (r < 0)
			goto fail;
		if (!is_space(*tp.p)) {
			if (!*tp.p)
				r = tw_fail_msg(&tp, "missing time range after the days");
			else
				r = tw_fail(&tp, "expected a space then a time range at", tp.p,
					    token_end(tp.p + 1));
			goto fail;
		}
		skip_space(&tp);
		for (;;) {
			const char *q;

			r = parse_range(&tp, &set, days);
			if (r < 0)
				goto fail;
			skip_space(&tp);
			if (!*tp.p)
				goto done;
			if (*tp.p != ',') {
				r = tw_fail(&tp, "unexpected text", tp.p, token_end(tp.p + 1));
				goto fail;
			}
			q = tp.p + 1;
			while (is_space(*q))
				q++;
			tp.p = q;
			if (is_digit(*q))
				continue; /* another range for the same days */
			if (!*q) {
				r = tw_fail_msg(&tp, "trailing ','");
				goto fail;
			}
			break; /* a new window */
		}
	}
done:
	*ret = set;
	return 0;
fail:
	free(set.v);
	if (tp.oom || r == -ENOMEM) {
		free(tp.err);
		return -ENOMEM;
	}
	if (reterr)
		*reterr = tp.err;
	else
		free(tp.err);
	return -EINVAL;
}

void timewin_set_done(struct timewin_set *set)
{
	if (!set)
		return;
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

bool timewin_contains(const struct timewin_set *set, GTimeZone *tz, int64_t t)
{
	GDateTime *utc, *local;
	unsigned today, yesterday, minute;
	bool found = false;

	if (!set || set->n == 0)
		return false;
	utc = g_date_time_new_from_unix_utc(t);
	if (!utc)
		return false;
	if (tz)
		local = g_date_time_to_timezone(utc, tz);
	else
		local = g_date_time_ref(utc);
	g_date_time_unref(utc);
	if (!local)
		return false;
	today = (unsigned) g_date_time_get_day_of_week(local) - 1; /* 0 = Monday */
	yesterday = (today + 6) % 7;
	minute = (unsigned) (g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local));
	g_date_time_unref(local);

	for (size_t i = 0; i < set->n && !found; i++) {
		const struct timewin *w = &set->v[i];
		bool crosses = w->end <= w->start;

		if (w->days & (1u << today)) {
			if (crosses ? minute >= w->start : minute >= w->start && minute < w->end)
				found = true;
		}
		if (crosses && (w->days & (1u << yesterday)) && minute < w->end)
			found = true;
	}
	return found;
}

const char *timewin_format_local(GTimeZone *tz, int64_t t, char buf[static 16])
{
	GDateTime *utc, *local;

	utc = g_date_time_new_from_unix_utc(t);
	if (!utc) {
		snprintf(buf, 16, "?");
		return buf;
	}
	local = tz ? g_date_time_to_timezone(utc, tz) : g_date_time_ref(utc);
	g_date_time_unref(utc);
	if (!local) {
		snprintf(buf, 16, "?");
		return buf;
	}
	snprintf(buf, 16, "%s %02d:%02d",
		 day_names_cap[(g_date_time_get_day_of_week(local) + 6) % 7],
		 g_date_time_get_hour(local), g_date_time_get_minute(local));
	g_date_time_unref(local);
	return buf;
}

/* IANA names: letters, digits, '_', '-', '+', '/' between components; no
 * absolute path, no "." or ".." component (GLib would open any file). */
static bool zone_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '+' || c == '/' ||
		      c == ':'))
			return false;
	}
	if (strstr(name, "//"))
		return false;
	/* "." and ".." cannot appear: '.' is not an accepted character. */
	return true;
}

GTimeZone *timewin_zone_new(const char *name)
{
	if (!name || !zone_name_is_valid(name))
		return NULL;
	if (g_ascii_strcasecmp(name, "UTC") == 0 || streq(name, "Etc/UTC") || streq(name, "Z"))
		return g_time_zone_new_utc();
	return g_time_zone_new_identifier(name);
}
