/* SPDX-License-Identifier: MIT */
/* Evaluation of DESIGN.md's symbols: every stored message is attributed at
 * evaluation time (so a new client or address re-attributes history), then
 * each configured client gets its figures, points, score, level and the
 * evidence lines the owner reads in reports and alerts. Pure: no I/O, no
 * logging (rules_evaluate() only reads the store). */

#include <math.h>

#include <glib.h>

#include "rules.h"
#include "timewin.h"
#include "util.h"

#define WEEK_SEC (7 * SEC_PER_DAY)
#define WINDOW_7D WEEK_SEC
#define WINDOW_30D (30 * SEC_PER_DAY)
#define BURST_WEEKS 8
#define BURST_MIN_MESSAGES 5
#define NEGATIVE_TONE_MIN_MESSAGES 3
#define FEEDBACK_MIN_MESSAGES 4
#define PHRASES_MAX 4          /* quoted phrases per message in one evidence line */
#define PHRASE_MAX_BYTES 80    /* longer phrases are cut (on a UTF-8 boundary) */

/* --- language and dates ------------------------------------------------------ */

bool rules_lang_fr(const struct conf *c)
{
	return c && c->owner_language && g_ascii_strcasecmp(c->owner_language, "fr") == 0;
}

static const char *const day_en[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const day_fr[7] = { "lun", "mar", "mer", "jeu", "ven", "sam", "dim" };
static const char *const month_en[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const month_fr[12] = { "janv", "févr", "mars", "avr", "mai", "juin",
					  "juil", "août", "sept", "oct", "nov", "déc" };

const char *rules_format_date(const struct conf *c, GTimeZone *tz, int64_t t, bool with_time,
			      char buf[static RULES_DATE_MAX])
{
	bool fr = rules_lang_fr(c);
	GDateTime *utc, *local;
	const char *dname, *mname;
	unsigned dow, mon;

	utc = g_date_time_new_from_unix_utc(t);
	if (!utc) {
		g_strlcpy(buf, "?", RULES_DATE_MAX);
		return buf;
	}
	if (tz) {
		local = g_date_time_to_timezone(utc, tz);
		g_date_time_unref(utc);
		if (!local) {
			g_strlcpy(buf, "?", RULES_DATE_MAX);
			return buf;
		}
	} else
		local = utc;

	/* GLib: day of week 1 = Monday, month 1 = January. */
	dow = (unsigned) g_date_time_get_day_of_week(local) - 1u;
	mon = (unsigned) g_date_time_get_month(local) - 1u;
	if (dow >= ELEMENTSOF(day_en) || mon >= ELEMENTSOF(month_en)) {
		g_date_time_unref(local);
		g_strlcpy(buf, "?", RULES_DATE_MAX);
		return buf;
	}
	dname = (fr ? day_fr : day_en)[dow];
	mname = (fr ? month_fr : month_en)[mon];
	if (with_time)
		snprintf(buf, RULES_DATE_MAX, "%s %d %s %02d:%02d", dname,
			 g_date_time_get_day_of_month(local), mname, g_date_time_get_hour(local),
			 g_date_time_get_minute(local));
	else
		snprintf(buf, RULES_DATE_MAX, "%s %d %s", dname, g_date_time_get_day_of_month(local),
			 mname);
	g_date_time_unref(local);
	return buf;
}

/* A number for people: "3", "2.5" ("2,5" in French), at most `decimals`. */
static void format_number(double v, int decimals, bool fr, char *buf, size_t size)
{
	char fmt[8];
	char *dot, *e;

	if (!isfinite(v)) {
		g_strlcpy(buf, "∞", size);
		return;
	}
	snprintf(fmt, sizeof(fmt), "%%.%df", decimals);
	g_ascii_formatd(buf, size, fmt, v);
	dot = strchr(buf, '.');
	if (!dot)
		return;
	if (decimals < 2) {
		/* Cut trailing zeros ("3.0" -> "3"); money keeps its two decimals. */
		e = buf + strlen(buf);
		while (e > dot + 1 && e[-1] == '0')
			*--e = '\0';
		if (e == dot + 1) {
			*dot = '\0';
			return;
		}
	}
	if (fr)
		*dot = ',';
}

/* "message" / "messages" (the same word in French and English; French
 * keeps the singular for 0 and 1). */
static const char *messages_word(unsigned n, bool fr)
{
	return n == 1 || (fr && n == 0) ? "message" : "messages";
}

/* --- evidence ---------------------------------------------------------------- */

/* Collects at most RULES_MAX_EVIDENCE lines; what does not fit is counted and
 * summarised by the last line ("… and 4 more"). */
struct evbuf {
	char **lines;
	size_t n;
	size_t total;
};

static int ev_add(struct evbuf *b, char *line)
{
	int r;

	if (!line)
		return -ENOMEM;
	b->total++;
	if (b->n >= RULES_MAX_EVIDENCE) {
		free(line);
		return 0;
	}
	r = strv_consume(&b->lines, line);
	if (r < 0)
		return r;
	b->n++;
	return 0;
}

static int ev_finish(struct evbuf *b, bool fr, char ***ret)
{
	if (b->total > b->n && b->n > 0) {
		size_t more = b->total - (b->n - 1);
		char *l;

		free(b->lines[b->n - 1]);
		b->lines[b->n - 1] = NULL;
		b->n--;
		l = strdup_printf(fr ? "… et %zu de plus" : "… and %zu more", more);
		if (!l || strv_consume(&b->lines, l) < 0) {
			b->lines = strv_free(b->lines);
			return -ENOMEM;
		}
		b->n++;
	}
	*ret = b->lines;
	b->lines = NULL;
	b->n = b->total = 0;
	return 0;
}

static void ev_done(struct evbuf *b)
{
	b->lines = strv_free(b->lines);
	b->n = b->total = 0;
}

static void append_phrase(GString *out, const char *p, size_t len, unsigned *count)
{
	const char *end;

	if (len > PHRASE_MAX_BYTES) {
		len = PHRASE_MAX_BYTES;
		/* Back up to a UTF-8 character boundary. */
		while (len > 0 && ((unsigned char) p[len] & 0xC0) == 0x80)
			len--;
	}
	if (!g_utf8_validate(p, len, &end))
		len = end - p;
	if (len == 0)
		return;
	if (*count > 0)
		g_string_append(out, ", ");
	g_string_append(out, "“");
	/* Control characters (hostile mail) never reach a report or an alert. */
	for (size_t i = 0; i < len; i++)
		g_string_append_c(out, (unsigned char) p[i] < 0x20 || p[i] == 0x7f ? ' ' : p[i]);
	g_string_append(out, "”");
	(*count)++;
}

/* Walks the evidence lines "CATEGORY\tNEGATED\tWEIGHT\tPHRASE\n" (CATEGORY is
 * the one the hit counts under, after negation: a negated positive is a
 * "negative" line); malformed lines are skipped. */
static void collect_phrases(const char *ev, enum category cat, GString *out, unsigned *count)
{
	const char *p = ev, *end = ev + strnlen(ev, MODEL_MAX_EVIDENCE);
	GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);

	while (p < end && *count < PHRASES_MAX) {
		const char *eol = memchr(p, '\n', end - p);
		const char *f[4];
		size_t flen[4];
		const char *q = p;
		unsigned nf = 0;

		if (!eol)
			eol = end;
		while (nf < 4) {
			const char *tab = nf < 3 ? memchr(q, '\t', eol - q) : NULL;
			const char *fe = tab ? tab : eol;

			f[nf] = q;
			flen[nf] = fe - q;
			nf++;
			if (!tab)
				break;
			q = tab + 1;
		}
		if (nf == 4 && flen[0] < 16 && flen[3] > 0) {
			char catname[16];
			enum category lc;
			bool dup = false;

			memcpy(catname, f[0], flen[0]);
			catname[flen[0]] = '\0';
			lc = category_from_string(catname);
			if (lc >= 0 && lc == cat) {
				for (guint i = 0; i < seen->len; i++)
					if (strlen(seen->pdata[i]) == flen[3] &&
					    g_ascii_strncasecmp(seen->pdata[i], f[3], flen[3]) == 0)
						dup = true;
				if (!dup) {
					g_ptr_array_add(seen, g_strndup(f[3], flen[3]));
					append_phrase(out, f[3], flen[3], count);
				}
			}
		}
		p = eol + 1;
	}
	g_ptr_array_free(seen, TRUE);
}

char *rules_message_phrases(const struct msg_features *f, enum category cat)
{
	GString *out;
	unsigned count = 0;
	char *r;

	if (!f || isempty(f->evidence))
		return strdup("");
	out = g_string_new(NULL);
	collect_phrases(f->evidence, cat, out, &count);
	r = strdup(out->str);
	g_string_free(out, TRUE);
	return r;
}

/* `“inadmissible”, “déçu” (Thu 19 Nov)`, or the date alone when no phrase was
 * stored (store_evidence = no). */
static char *phrase_line(const struct conf *c, const struct msg_features *f, enum category cat)
{
	_cleanup_free_ char *phrases = rules_message_phrases(f, cat);
	char date[RULES_DATE_MAX];
	bool fr = rules_lang_fr(c);

	if (!phrases)
		return NULL;
	rules_format_date(c, c->owner_tz, f->internal_date, false, date);
	if (isempty(phrases)) {
		if (cat == CATEGORY_NEGATIVE && f->scored) {
			char tone[16];

			format_number(f->tone, 2, fr, tone, sizeof(tone));
			return strdup_printf(fr ? "message du %s (ton %s)" : "message of %s (tone %s)",
					     date, tone);
		}
		return strdup_printf(fr ? "message du %s" : "message of %s", date);
	}
	return strdup_printf("%s (%s)", phrases, date);
}

/* --- evaluation ------------------------------------------------------------- */

static bool in_window(int64_t t, int64_t now, int64_t len)
{
	return t > now - len && t <= now;
}

/* Points of a "more is worse" symbol. A zero figure is no evidence at all,
 * whatever the thresholds say. */
static void score_symbol(struct symbol_result *r, const struct symbol_params *p, double value,
			 bool extra_active)
{
	r->evaluated = true;
	r->value = value;
	r->red = value > 0 && value >= p->red;
	r->active = r->red || (value > 0 && value >= p->pink) || extra_active;
	r->points = r->red ? 2 * p->weight : r->active ? p->weight : 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;

	return x < y ? -1 : x > y;
}

struct ctx {
	const struct conf *c;
	const struct msg_features *msgs;
	const size_t *order;    /* message indices, most recent first */
	const ssize_t *owner;   /* per message: client index, -1 none */
	size_t n_order;
	int64_t now;
	GTimeZone *owner_tz;
	bool fr;
};

/* The i-th message in recency order when it belongs to client ci and lies
 * in (now - len, now], else NULL. */
static const struct msg_features *client_msg(const struct ctx *x, size_t i, size_t ci, int64_t len)
{
	const struct msg_features *f = &x->msgs[x->order[i]];

	if (x->owner[x->order[i]] != (ssize_t) ci || !in_window(f->internal_date, x->now, len))
		return NULL;
	return f;
}

static int eval_volume(const struct ctx *x, size_t ci, struct client_eval *ce)
{
	const struct conf_thresholds *th = &ce->client->th;
	unsigned weeks[BURST_WEEKS] = {};
	struct symbol_result *r = &ce->sym[SYMBOL_VOLUME];
	struct evbuf b = {};
	char usual[32];
	int64_t age;
	bool burst;
	int k;

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, (BURST_WEEKS + 1) * WEEK_SEC);

		if (!f)
			continue;
		age = x->now - f->internal_date; /* 0 .. 9 weeks */
		k = age <= 0 ? 0 : (int) ((age - 1) / WEEK_SEC); /* (now-7d, now] is week 0 */
		if (k >= 1 && k <= BURST_WEEKS)
			weeks[k - 1]++;
	}
	qsort(weeks, BURST_WEEKS, sizeof(weeks[0]), cmp_unsigned);
	ce->weekly_median_8w = (weeks[BURST_WEEKS / 2 - 1] + weeks[BURST_WEEKS / 2]) / 2.0;

	/* A burst is measured against the client's usual rhythm: without one
	 * (median 0: new client, or history shorter than the backfill) only
	 * the plain counts apply. */
	burst = ce->weekly_median_8w > 0 && ce->messages_7d >= BURST_MIN_MESSAGES &&
		ce->messages_7d >= th->volume_burst * ce->weekly_median_8w;
	score_symbol(r, &th->sym[SYMBOL_VOLUME], ce->messages_7d, burst);
	if (!r->active)
		return 0;

	format_number(ce->weekly_median_8w, 1, x->fr, usual, sizeof(usual));
	if (ev_add(&b, strdup_printf(x->fr ? "%u %s en 7 jours (habituellement : %s par semaine)"
					   : "%u %s in 7 days (usual: %s a week)",
				     ce->messages_7d, messages_word(ce->messages_7d, x->fr), usual)) < 0)
		goto oom;
	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, WINDOW_7D);
		char d[RULES_DATE_MAX];

		if (!f)
			continue;
		if (ev_add(&b, strdup(rules_format_date(x->c, x->owner_tz, f->internal_date, true, d))) < 0)
			goto oom;
	}
	return ev_finish(&b, x->fr, &r->evidence);
oom:
	ev_done(&b);
	return -ENOMEM;
}

static int eval_windows(const struct ctx *x, size_t ci, struct client_eval *ce, GTimeZone *client_tz)
{
	const struct conf_client *cl = ce->client;
	struct symbol_result *oow = &ce->sym[SYMBOL_OUT_OF_WINDOW];
	struct symbol_result *ah = &ce->sym[SYMBOL_AFTER_HOURS];
	bool has_hours = x->c->business_hours.n > 0;
	struct evbuf bo = {}, ba = {};
	int r;

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, WINDOW_7D);

		if (!f)
			continue;
		if (cl->has_meetings && !timewin_contains(&cl->meetings, client_tz, f->internal_date))
			ce->out_of_window_7d++;
		if (has_hours && !timewin_contains(&x->c->business_hours, x->owner_tz, f->internal_date))
			ce->after_hours_7d++;
	}
	if (cl->has_meetings)
		score_symbol(oow, &cl->th.sym[SYMBOL_OUT_OF_WINDOW], ce->out_of_window_7d, false);
	if (has_hours)
		score_symbol(ah, &cl->th.sym[SYMBOL_AFTER_HOURS], ce->after_hours_7d, false);
	if (!oow->active && !ah->active)
		return 0;

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, WINDOW_7D);
		char d[RULES_DATE_MAX];

		if (!f)
			continue;
		if (oow->active && !timewin_contains(&cl->meetings, client_tz, f->internal_date) &&
		    ev_add(&bo, strdup(rules_format_date(x->c, client_tz, f->internal_date, true, d))) < 0)
			goto oom;
		if (ah->active && !timewin_contains(&x->c->business_hours, x->owner_tz, f->internal_date) &&
		    ev_add(&ba, strdup(rules_format_date(x->c, x->owner_tz, f->internal_date, true, d))) < 0)
			goto oom;
	}
	if (oow->active) {
		r = ev_finish(&bo, x->fr, &oow->evidence);
		if (r < 0)
			goto oom;
	}
	if (ah->active) {
		r = ev_finish(&ba, x->fr, &ah->evidence);
		if (r < 0)
			goto oom;
	}
	ev_done(&bo);
	ev_done(&ba);
	return 0;
oom:
	ev_done(&bo);
	ev_done(&ba);
	return -ENOMEM;
}

static int eval_tone(const struct ctx *x, size_t ci, struct client_eval *ce)
{
	const struct conf_thresholds *th = &ce->client->th;
	struct symbol_result *neg = &ce->sym[SYMBOL_NEGATIVE_TONE];
	struct symbol_result *imb = &ce->sym[SYMBOL_FEEDBACK_IMBALANCE];
	unsigned scored = 0;
	struct evbuf b = {};

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, WINDOW_30D);

		if (!f || !f->scored)
			continue;
		scored++;
		if (f->label == TONE_NEGATIVE)
			ce->negative_30d++;
		else if (f->label == TONE_POSITIVE)
			ce->positive_30d++;
	}
	ce->negative_share_30d = scored > 0 ? (double) ce->negative_30d / scored : 0;

	if (scored >= NEGATIVE_TONE_MIN_MESSAGES)
		score_symbol(neg, &th->sym[SYMBOL_NEGATIVE_TONE], ce->negative_share_30d, false);
	if (scored >= FEEDBACK_MIN_MESSAGES)
		score_symbol(imb, &th->sym[SYMBOL_FEEDBACK_IMBALANCE],
			     (double) ce->negative_30d / MAX(1u, ce->positive_30d), false);

	if (neg->active) {
		for (size_t i = 0; i < x->n_order; i++) {
			const struct msg_features *f = client_msg(x, i, ci, WINDOW_30D);

			if (!f)
				continue;
			if (f->scored && f->label == TONE_NEGATIVE &&
			    ev_add(&b, phrase_line(x->c, f, CATEGORY_NEGATIVE)) < 0)
				goto oom;
		}
		if (ev_finish(&b, x->fr, &neg->evidence) < 0)
			goto oom;
	}
	if (imb->active) {
		if (ev_add(&b, strdup_printf(x->fr ? "%u %s au ton négatif pour %u au ton positif en 30 jours"
						   : "%u negative %s for %u positive in 30 days",
					     ce->negative_30d, messages_word(ce->negative_30d, x->fr),
					     ce->positive_30d)) < 0)
			goto oom;
		if (ev_finish(&b, x->fr, &imb->evidence) < 0)
			goto oom;
	}
	return 0;
oom:
	ev_done(&b);
	return -ENOMEM;
}

static int eval_lexicon(const struct ctx *x, size_t ci, struct client_eval *ce, enum symbol sym,
			enum category cat, int64_t window)
{
	struct symbol_result *r = &ce->sym[sym];
	struct evbuf b = {};
	unsigned count = 0;

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, window);

		if (!f)
			continue;
		if (f->scored && f->categories[cat] > 0)
			count++;
	}
	score_symbol(r, &ce->client->th.sym[sym], count, false);
	if (!r->active)
		return 0;
	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, window);

		if (!f)
			continue;
		if (f->scored && f->categories[cat] > 0 && ev_add(&b, phrase_line(x->c, f, cat)) < 0) {
			ev_done(&b);
			return -ENOMEM;
		}
	}
	return ev_finish(&b, x->fr, &r->evidence);
}

bool rules_cost_thresholds(const struct conf *c, const struct conf_client *cl, double *ret_pink,
			   double *ret_red)
{
	const struct symbol_params *p;
	double pink, red;

	if (!c || !cl)
		return false;
	p = &cl->th.sym[SYMBOL_COST];
	pink = isnan(p->pink) ? c->min_hourly_rate : p->pink;
	red = isnan(p->red) ? pink / 2 : p->red;
	if (!(cl->revenue_per_month > 0) || !(pink > 0) || isnan(red))
		return false;
	if (ret_pink)
		*ret_pink = pink;
	if (ret_red)
		*ret_red = red;
	return true;
}

static int eval_cost(const struct ctx *x, struct client_eval *ce)
{
	const struct conf_client *cl = ce->client;
	const struct symbol_params *p = &cl->th.sym[SYMBOL_COST];
	struct symbol_result *r = &ce->sym[SYMBOL_COST];
	double pink, red, hours, rate;
	char rs[32], ps[32];
	struct evbuf b = {};

	if (!rules_cost_thresholds(x->c, cl, &pink, &red))
		return 0;

	hours = ce->messages_30d * (cl->minutes_per_message > 0 ? cl->minutes_per_message : 0) / 60.0;
	rate = hours > 0 ? cl->revenue_per_month / hours : INFINITY;

	r->evaluated = true;
	r->value = rate;
	r->active = rate < pink;
	r->red = rate < red;
	r->points = r->red ? 2 * p->weight : r->active ? p->weight : 0;
	if (!r->active)
		return 0;

	format_number(rate, 2, x->fr, rs, sizeof(rs));
	format_number(pink, 2, x->fr, ps, sizeof(ps));
	if (ev_add(&b, strdup_printf(x->fr ? "taux %s/h pour %u %s (plancher %s/h)"
					   : "rate %s/h for %u %s (floor %s/h)",
				     rs, ce->messages_30d, messages_word(ce->messages_30d, x->fr), ps)) < 0) {
		ev_done(&b);
		return -ENOMEM;
	}
	return ev_finish(&b, x->fr, &r->evidence);
}

static int eval_client(const struct ctx *x, size_t ci, struct client_eval *ce)
{
	const struct conf_client *cl = &x->c->clients[ci];
	const struct conf_thresholds *th = &cl->th;
	GTimeZone *client_tz = cl->tz ? cl->tz : x->owner_tz;
	double sum = 0;
	int r;

	ce->client = cl;

	for (size_t i = 0; i < x->n_order; i++) {
		const struct msg_features *f = client_msg(x, i, ci, WINDOW_30D);

		if (!f)
			continue;
		ce->messages_30d++;
		if (in_window(f->internal_date, x->now, WINDOW_7D))
			ce->messages_7d++;
	}

	r = eval_volume(x, ci, ce);
	if (r < 0)
		return r;
	r = eval_windows(x, ci, ce, client_tz);
	if (r < 0)
		return r;
	r = eval_tone(x, ci, ce);
	if (r < 0)
		return r;
	r = eval_lexicon(x, ci, ce, SYMBOL_DOUBT, CATEGORY_DOUBT, WINDOW_30D);
	if (r < 0)
		return r;
	r = eval_lexicon(x, ci, ce, SYMBOL_PRESSURE, CATEGORY_PRESSURE, WINDOW_7D);
	if (r < 0)
		return r;
	r = eval_lexicon(x, ci, ce, SYMBOL_ABUSE, CATEGORY_ABUSE, WINDOW_30D);
	if (r < 0)
		return r;
	r = eval_lexicon(x, ci, ce, SYMBOL_PAYMENT, CATEGORY_PAYMENT, WINDOW_30D);
	if (r < 0)
		return r;
	r = eval_cost(x, ce);
	if (r < 0)
		return r;

	for (enum symbol s = 0; s < _SYMBOL_MAX; s++)
		sum += ce->sym[s].points;
	ce->score = (int) MIN(100.0, MAX(0.0, round(sum)));

	if (ce->score >= th->red_score || ce->sym[SYMBOL_ABUSE].active)
		ce->level = LEVEL_RED;
	else if (ce->score >= th->pink_score)
		ce->level = LEVEL_PINK;
	else
		ce->level = LEVEL_NONE;
	return 0;
}

static gint cmp_recent_first(gconstpointer a, gconstpointer b, gpointer userdata)
{
	const struct msg_features *msgs = userdata;
	int64_t x = msgs[*(const size_t *) a].internal_date;
	int64_t y = msgs[*(const size_t *) b].internal_date;

	if (x != y)
		return x > y ? -1 : 1;
	/* Stable for equal dates: by position. */
	return *(const size_t *) a < *(const size_t *) b ? -1 : 1;
}

int rules_evaluate_messages(const struct conf *c, const struct msg_features *msgs, size_t n,
			    int64_t now, struct eval **ret)
{
	_cleanup_eval_free_ struct eval *e = NULL;
	_cleanup_free_ size_t *order = NULL;
	_cleanup_free_ ssize_t *owner = NULL;
	GTimeZone *utc = NULL;
	struct ctx x;
	size_t n_order = 0;
	int r = 0;

	if (!c || !ret || (n > 0 && !msgs))
		return -EINVAL;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->now = now;
	if (c->n_clients > 0) {
		e->clients = calloc(c->n_clients, sizeof(e->clients[0]));
		if (!e->clients)
			return -ENOMEM;
	}
	e->n_clients = c->n_clients;

	order = calloc(MAX(n, 1u), sizeof(order[0]));
	owner = calloc(MAX(n, 1u), sizeof(owner[0]));
	if (!order || !owner)
		return -ENOMEM;

	/* Attribution, once per message. */
	for (size_t i = 0; i < n; i++) {
		const struct msg_features *f = &msgs[i];
		const struct conf_client *cl = NULL;
		bool recent = in_window(f->internal_date, now, WINDOW_30D);

		owner[i] = -1;
		if (!in_window(f->internal_date, now, RULES_HISTORY_SEC))
			continue;
		if (f->automated || isempty(f->sender)) {
			if (recent)
				e->automated_messages_30d++;
			continue;
		}
		switch (conf_classify_sender(c, f->sender, &cl)) {
		case SENDER_OWNER:
			if (recent)
				e->owner_messages_30d++;
			break;
		case SENDER_CLIENT:
			if (cl && cl >= c->clients && cl < c->clients + c->n_clients) {
				owner[i] = cl - c->clients;
				order[n_order++] = i;
			} else if (recent)
				e->unknown_messages_30d++;
			break;
		default:
			if (recent)
				e->unknown_messages_30d++;
			break;
		}
	}
	if (n_order > 1)
		g_qsort_with_data(order, (gint) MIN(n_order, (size_t) G_MAXINT), sizeof(order[0]),
				  cmp_recent_first, (gpointer) msgs);

	if (!c->owner_tz) {
		utc = g_time_zone_new_utc();
		if (!utc)
			return -ENOMEM;
	}
	x = (struct ctx) {
		.c = c,
		.msgs = msgs,
		.order = order,
		.owner = owner,
		.n_order = n_order,
		.now = now,
		.owner_tz = c->owner_tz ? c->owner_tz : utc,
		.fr = rules_lang_fr(c),
	};
	for (size_t ci = 0; ci < c->n_clients && r >= 0; ci++)
		r = eval_client(&x, ci, &e->clients[ci]);
	if (utc)
		g_time_zone_unref(utc);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(e);
	return 0;
}

/* --- from the store ----------------------------------------------------------- */

struct collect {
	struct msg_features *v;
	size_t n, allocated;
};

static int collect_cb(const struct msg_features *f, void *userdata)
{
	struct collect *col = userdata;
	struct msg_features *m;

	if (col->n >= col->allocated) {
		size_t na = col->allocated ? col->allocated * 2 : 256;
		struct msg_features *nv = reallocarray(col->v, na, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		col->v = nv;
		col->allocated = na;
	}
	m = &col->v[col->n];
	*m = (struct msg_features) {
		.uidvalidity = f->uidvalidity,
		.uid = f->uid,
		.internal_date = f->internal_date,
		.date = f->date,
		.size = f->size,
		.automated = f->automated,
		.scored = f->scored,
		.tone = f->tone,
		.label = f->label,
	};
	memcpy(m->language, f->language, sizeof(m->language));
	memcpy(m->categories, f->categories, sizeof(m->categories));
	m->msgkey = strdup_null(f->msgkey);
	m->sender = strdup_null(f->sender);
	m->evidence = strdup_null(f->evidence);
	if ((f->msgkey && !m->msgkey) || (f->sender && !m->sender) || (f->evidence && !m->evidence)) {
		msg_features_done(m);
		return -ENOMEM;
	}
	col->n++;
	return 0;
}

int rules_evaluate(const struct conf *c, struct store *s, int64_t now, struct eval **ret)
{
	struct collect col = {};
	int r;

	if (!c || !s || !ret)
		return -EINVAL;
	r = store_messages_since(s, now - RULES_HISTORY_SEC, collect_cb, &col);
	if (r >= 0)
		r = rules_evaluate_messages(c, col.v, col.n, now, ret);
	for (size_t i = 0; i < col.n; i++)
		msg_features_done(&col.v[i]);
	free(col.v);
	return r < 0 ? r : 0;
}

/* --- accessors -------------------------------------------------------------------- */

struct eval *eval_free(struct eval *e)
{
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n_clients; i++)
		for (enum symbol s = 0; s < _SYMBOL_MAX; s++)
			strv_free(e->clients[i].sym[s].evidence);
	free(e->clients);
	free(e);
	return NULL;
}

const struct client_eval *eval_find_client(const struct eval *e, const char *id)
{
	if (!e || !id)
		return NULL;
	for (size_t i = 0; i < e->n_clients; i++)
		if (e->clients[i].client && streq_ptr(e->clients[i].client->id, id))
			return &e->clients[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

char *client_eval_red_symbols(const struct client_eval *ce)
{
	const char *names[_SYMBOL_MAX];
	size_t n = 0;
	GString *out;
	char *r;

	if (!ce)
		return strdup("");
	for (enum symbol s = 0; s < _SYMBOL_MAX; s++)
		if (ce->sym[s].red)
			names[n++] = symbol_to_string(s);
	qsort(names, n, sizeof(names[0]), cmp_str);
	out = g_string_new(NULL);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		g_string_append(out, names[i]);
	}
	r = strdup(out->str);
	g_string_free(out, TRUE);
	return r;
}
