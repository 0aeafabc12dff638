/* SPDX-License-Identifier: MIT */
/* `redflag report` (a table for the owner, or DESIGN.md's JSON) and
 * `redflag explain CLIENT` (every piece of evidence behind a score). Labels
 * follow [owner] language (fr | en); JSON keys never change. */

#include <math.h>

#include <glib.h>

#include "clock.h"
#include "json.h"
#include "report.h"
#include "timewin.h"
#include "util.h"

#define WEEK_SEC (7 * SEC_PER_DAY)
#define TREND_WEEKS 4
#define EXPLAIN_WINDOW (30 * SEC_PER_DAY)

/* --- snapshots: trend and before/after ---------------------------------------- */

/* Snapshot days are seconds since the epoch (start of the day). A value that
 * can only be a day number (days since 1970) is converted, so a store that
 * keeps day numbers still gives a trend. */
static int64_t snapshot_time(int64_t day)
{
	if (day >= 0 && day < 10000000)
		return day * SEC_PER_DAY;
	return day;
}

struct trend {
	int64_t now;
	bool have[TREND_WEEKS];
	int score[TREND_WEEKS]; /* oldest week first */
};

static int trend_cb(const char *client_id, int64_t day, int score, enum level level, void *userdata)
{
	struct trend *t = userdata;
	int64_t age = t->now - snapshot_time(day);
	int w;

	if (age < 0 || age >= TREND_WEEKS * WEEK_SEC)
		return 0;
	w = TREND_WEEKS - 1 - (int) (age / WEEK_SEC);
	/* Oldest first: the last one seen in a week is that week's latest. */
	t->have[w] = true;
	t->score[w] = score;
	return 0;
}

/* Returns the number of weeks with a snapshot (0: no trend). */
static int load_trend(struct store *s, const char *client_id, int64_t now, struct trend *ret)
{
	int r, n = 0;

	*ret = (struct trend) { .now = now };
	if (!s)
		return 0;
	r = store_snapshots_list(s, client_id, now - TREND_WEEKS * WEEK_SEC - SEC_PER_DAY, trend_cb, ret);
	if (r < 0)
		return r;
	for (int w = 0; w < TREND_WEEKS; w++)
		n += ret->have[w];
	return n;
}

struct snapshots {
	int64_t *at;
	int *score;
	size_t n, allocated;
};

static void snapshots_done(struct snapshots *sn)
{
	free(sn->at);
	free(sn->score);
	*sn = (struct snapshots) {};
}

static int snapshots_cb(const char *client_id, int64_t day, int score, enum level level, void *userdata)
{
	struct snapshots *sn = userdata;

	if (sn->n >= sn->allocated) {
		size_t na = sn->allocated ? sn->allocated * 2 : 64;
		int64_t *nat = reallocarray(sn->at, na, sizeof(*nat));
		int *nsc;

		if (!nat)
			return -ENOMEM;
		sn->at = nat;
		nsc = reallocarray(sn->score, na, sizeof(*nsc));
		if (!nsc)
			return -ENOMEM;
		sn->score = nsc;
		sn->allocated = na;
	}
	sn->at[sn->n] = snapshot_time(day);
	sn->score[sn->n] = score;
	sn->n++;
	return 0;
}

/* --- words ------------------------------------------------------------------------ */

static const char *level_word(enum level l, bool fr)
{
	switch (l) {
	case LEVEL_RED:
		return fr ? "ROUGE" : "RED";
	case LEVEL_PINK:
		return fr ? "ROSE" : "PINK";
	default:
		return fr ? "AUCUN" : "NONE";
	}
}

/* A number for people, with at most `decimals` decimals (trailing zeros
 * cut) or, money, exactly two; ',' as the French separator. */
static void format_num(double v, int decimals, bool money, bool fr, char *buf, size_t size)
{
	char fmt[8];
	char *dot, *e;

	if (!isfinite(v)) {
		g_strlcpy(buf, isnan(v) ? "?" : "∞", size);
		return;
	}
	snprintf(fmt, sizeof(fmt), "%%.%df", money ? 2 : decimals);
	g_ascii_formatd(buf, size, fmt, v);
	dot = strchr(buf, '.');
	if (!dot)
		return;
	if (!money) {
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

static void number(double v, int decimals, bool fr, char *buf, size_t size)
{
	format_num(v, decimals, false, fr, buf, size);
}

static void money(double v, bool fr, char *buf, size_t size)
{
	format_num(v, 2, true, fr, buf, size);
}

/* "message" / "messages" (the same word in French and English; French
 * keeps the singular for 0 and 1). */
static const char *messages_word(unsigned n, bool fr)
{
	return n == 1 || (fr && n == 0) ? "message" : "messages";
}

/* The figure of a symbol in words, for the owner. NULL on OOM. */
static char *symbol_words(const struct conf *c, const struct client_eval *ce, enum symbol sym)
{
	const struct symbol_result *r = &ce->sym[sym];
	bool fr = rules_lang_fr(c);
	unsigned v = r->value > 0 && r->value < 1e9 ? (unsigned) lround(r->value) : 0;
	char a[32], b[32];
	double pink = NAN;

	switch (sym) {
	case SYMBOL_VOLUME:
		number(ce->weekly_median_8w, 1, fr, a, sizeof(a));
		return strdup_printf(fr ? "%u %s en 7 jours (habituellement : %s par semaine)"
					: "%u %s in 7 days (usual: %s a week)",
				     v, messages_word(v, fr), a);
	case SYMBOL_OUT_OF_WINDOW:
		return strdup_printf(fr ? "%u %s hors des créneaux de rendez-vous convenus en 7 jours"
					: "%u %s outside the agreed meeting times in 7 days",
				     v, messages_word(v, fr));
	case SYMBOL_AFTER_HOURS:
		return strdup_printf(fr ? "%u %s hors de vos heures ouvrées en 7 jours"
					: "%u %s outside your business hours in 7 days",
				     v, messages_word(v, fr));
	case SYMBOL_NEGATIVE_TONE:
		number(r->value * 100, 0, fr, a, sizeof(a));
		return strdup_printf(fr ? "%s %% des messages au ton négatif en 30 jours"
					: "%s%% of the messages negative in 30 days",
				     a);
	case SYMBOL_FEEDBACK_IMBALANCE:
		return strdup_printf(fr ? "%u %s au ton négatif pour %u au ton positif en 30 jours"
					: "%u negative %s for %u positive in 30 days",
				     ce->negative_30d, messages_word(ce->negative_30d, fr), ce->positive_30d);
	case SYMBOL_DOUBT:
		return strdup_printf(fr ? "%u %s mettant en doute votre expertise en 30 jours"
					: "%u %s doubting your expertise in 30 days",
				     v, messages_word(v, fr));
	case SYMBOL_PRESSURE:
		return strdup_printf(fr ? "%u %s avec une pression (urgence, délais) en 7 jours"
					: "%u %s pressing for urgency or deadlines in 7 days",
				     v, messages_word(v, fr));
	case SYMBOL_ABUSE:
		return strdup_printf(fr ? "%u %s au langage offensant en 30 jours"
					: "%u %s with offensive language in 30 days",
				     v, messages_word(v, fr));
	case SYMBOL_PAYMENT:
		return strdup_printf(fr ? "%u %s sur un paiement en retard ou contesté en 30 jours"
					: "%u %s about late or disputed payment in 30 days",
				     v, messages_word(v, fr));
	case SYMBOL_COST:
		(void) rules_cost_thresholds(c, ce->client, &pink, NULL);
		money(r->value, fr, a, sizeof(a));
		money(pink, fr, b, sizeof(b));
		return strdup_printf(fr ? "taux horaire effectif %s/h pour %u %s en 30 jours (plancher %s/h)"
					: "effective hourly rate %s/h for %u %s in 30 days (floor %s/h)",
				     a, ce->messages_30d, messages_word(ce->messages_30d, fr), b);
	default:
		return strdup("");
	}
}

/* Symbols whose first evidence line is a summary of the figure (already said
 * by symbol_words()); their detail starts at the second line. */
static size_t first_detail_line(enum symbol sym)
{
	switch (sym) {
	case SYMBOL_VOLUME:
	case SYMBOL_FEEDBACK_IMBALANCE:
	case SYMBOL_COST:
		return 1;
	default:
		return 0;
	}
}

static void print_sanitized(FILE *f, const char *s)
{
	for (const char *p = strempty(s); *p; p++)
		fputc((unsigned char) *p < 0x20 || *p == 0x7f ? ' ' : *p, f);
}

/* "Mon 23 Nov 2026 18:14" in the owner's zone and language. */
static const char *format_stamp(const struct conf *c, int64_t t, char buf[static RULES_DATE_MAX + 16])
{
	char d[RULES_DATE_MAX];
	GDateTime *utc = g_date_time_new_from_unix_utc(t), *local = NULL;

	rules_format_date(c, c->owner_tz, t, false, d);
	if (utc)
		local = c->owner_tz ? g_date_time_to_timezone(utc, c->owner_tz) : g_date_time_ref(utc);
	if (local)
		snprintf(buf, RULES_DATE_MAX + 16, "%s %d %02d:%02d", d, g_date_time_get_year(local),
			 g_date_time_get_hour(local), g_date_time_get_minute(local));
	else
		g_strlcpy(buf, d, RULES_DATE_MAX + 16);
	if (local)
		g_date_time_unref(local);
	if (utc)
		g_date_time_unref(utc);
	return buf;
}

/* --- JSON ------------------------------------------------------------------------- */

static void json_key(FILE *f, const char *key)
{
	json_write_string(f, key);
	fputs(": ", f);
}

static void json_uint(FILE *f, const char *key, unsigned v, bool comma)
{
	json_key(f, key);
	fprintf(f, "%u%s", v, comma ? ", " : "");
}

static int print_client_json(FILE *f, struct store *s, const struct client_eval *ce, int64_t now)
{
	struct trend t;
	bool first = true;
	int r;

	fputs("{", f);
	json_key(f, "id");
	json_write_string(f, ce->client->id);
	fputs(", ", f);
	json_key(f, "name");
	json_write_string(f, ce->client->name ? ce->client->name : ce->client->id);
	fputs(", ", f);
	json_key(f, "level");
	json_write_string(f, level_to_string(ce->level));
	fputs(", ", f);
	json_key(f, "score");
	fprintf(f, "%d, ", ce->score);
	json_key(f, "symbols");
	fputs("[", f);
	for (enum symbol sym = 0; sym < _SYMBOL_MAX; sym++) {
		const struct symbol_result *sr = &ce->sym[sym];

		if (!sr->active)
			continue;
		if (!first)
			fputs(", ", f);
		first = false;
		fputs("{", f);
		json_key(f, "name");
		json_write_string(f, symbol_to_string(sym));
		fputs(", ", f);
		json_key(f, "value");
		json_write_number(f, sr->value);
		fputs(", ", f);
		json_key(f, "weight");
		json_write_number(f, sr->points);
		fputs(", ", f);
		json_key(f, "red");
		fputs(sr->red ? "true" : "false", f);
		fputs(", ", f);
		json_key(f, "evidence");
		fputs("[", f);
		for (size_t i = 0; sr->evidence && sr->evidence[i]; i++) {
			if (i > 0)
				fputs(", ", f);
			json_write_string(f, sr->evidence[i]);
		}
		fputs("]}", f);
	}
	fputs("], ", f);
	json_uint(f, "messages_7d", ce->messages_7d, true);
	json_uint(f, "messages_30d", ce->messages_30d, true);
	json_uint(f, "out_of_window_7d", ce->out_of_window_7d, true);
	json_uint(f, "after_hours_7d", ce->after_hours_7d, true);
	json_key(f, "negative_share_30d");
	json_write_number(f, ce->negative_share_30d);
	fputs(", ", f);
	json_uint(f, "negative_30d", ce->negative_30d, true);
	json_uint(f, "positive_30d", ce->positive_30d, true);
	json_key(f, "weekly_median_8w");
	json_write_number(f, ce->weekly_median_8w);

	r = load_trend(s, ce->client->id, now, &t);
	if (r < 0)
		return r;
	if (r > 0) {
		bool tfirst = true;

		fputs(", ", f);
		json_key(f, "trend");
		fputs("[", f);
		for (int w = 0; w < TREND_WEEKS; w++) {
			if (!t.have[w])
				continue;
			fprintf(f, "%s%d", tfirst ? "" : ", ", t.score[w]);
			tfirst = false;
		}
		fputs("]", f);
	}
	fputs("}", f);
	return 0;
}

/* Alerts not delivered (yet): the owner must see them, or a refused alert
 * would be lost silently. */
struct outbox_summary {
	unsigned pending, failed;
	char *pending_error, *failed_error; /* the newest reasons */
};

static int outbox_summary_cb(const struct outbox_item *o, void *userdata)
{
	struct outbox_summary *sum = userdata;
	char **reason = NULL;

	if (o->status == OUTBOX_PENDING) {
		sum->pending++;
		reason = &sum->pending_error;
	} else if (o->status == OUTBOX_FAILED) {
		sum->failed++;
		reason = &sum->failed_error;
	}
	/* The list is newest first: keep the first reason seen. */
	if (reason && !*reason && o->last_error)
		*reason = strdup(o->last_error);
	return 0;
}

static void outbox_summary_done(struct outbox_summary *sum)
{
	free(sum->pending_error);
	free(sum->failed_error);
}

static void outbox_summary_get(struct store *s, struct outbox_summary *sum)
{
	if (s)
		(void) store_outbox_list(s, 0, outbox_summary_cb, sum);
}

static int print_json(FILE *f, struct store *s, const struct eval *e, const struct client_eval *only)
{
	_cleanup_(outbox_summary_done) struct outbox_summary sum = {};
	char stamp[32];
	bool first = true;
	int r;

	fputs("{", f);
	json_uint(f, "owner_messages_30d", e->owner_messages_30d, true);
	json_uint(f, "unknown_messages_30d", e->unknown_messages_30d, true);
	json_uint(f, "automated_messages_30d", e->automated_messages_30d, true);
	outbox_summary_get(s, &sum);
	json_uint(f, "alerts_pending", sum.pending, true);
	json_uint(f, "alerts_failed", sum.failed, true);
	json_key(f, "evaluated_at");
	json_write_string(f, clock_format_rfc3339(e->now, stamp));
	fputs(",\n \"clients\": [", f);
	for (size_t i = 0; i < e->n_clients; i++) {
		const struct client_eval *ce = &e->clients[i];

		if (!ce->client || (only && ce != only))
			continue;
		fputs(first ? "\n  " : ",\n  ", f);
		first = false;
		r = print_client_json(f, s, ce, e->now);
		if (r < 0)
			return r;
	}
	fputs("]}\n", f);
	return 0;
}

/* --- text ------------------------------------------------------------------------- */

static int cmp_worrying(const void *a, const void *b)
{
	const struct client_eval *x = *(const struct client_eval *const *) a;
	const struct client_eval *y = *(const struct client_eval *const *) b;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x < y ? -1 : x > y; /* config order */
}

static int print_client_text(FILE *f, const struct conf *c, struct store *s,
			     const struct client_eval *ce, int64_t now)
{
	bool fr = rules_lang_fr(c);
	struct trend t;
	char share[16];
	int r;

	fprintf(f, "%s (%s)  %s  score %d\n", ce->client->name ? ce->client->name : ce->client->id,
		ce->client->id, level_word(ce->level, fr), ce->score);
	for (enum symbol sym = 0; sym < _SYMBOL_MAX; sym++) {
		const struct symbol_result *sr = &ce->sym[sym];
		_cleanup_free_ char *words = NULL;
		size_t first = first_detail_line(sym);
		char pts[16];

		if (!sr->active)
			continue;
		words = symbol_words(c, ce, sym);
		if (!words)
			return -ENOMEM;
		number(sr->points, 1, fr, pts, sizeof(pts));
		fprintf(f, "  %s (%s, +%s): %s\n", symbol_to_string(sym),
			sr->red ? (fr ? "rouge" : "red") : (fr ? "rose" : "pink"), pts, words);
		if (sr->evidence && strv_length(sr->evidence) > first)
			fprintf(f, "      %s\n", sr->evidence[first]);
	}
	number(ce->negative_share_30d * 100, 0, fr, share, sizeof(share));
	if (fr)
		fprintf(f, "  messages : %u en 7 jours, %u en 30 jours ; hors créneaux (7 j) : %u ; "
			   "hors heures ouvrées (7 j) : %u ; ton négatif (30 j) : %s %%\n",
			ce->messages_7d, ce->messages_30d, ce->out_of_window_7d, ce->after_hours_7d, share);
	else
		fprintf(f, "  messages: %u in 7 days, %u in 30 days; out of window (7d): %u; "
			   "after hours (7d): %u; negative tone (30d): %s%%\n",
			ce->messages_7d, ce->messages_30d, ce->out_of_window_7d, ce->after_hours_7d, share);

	r = load_trend(s, ce->client->id, now, &t);
	if (r < 0)
		return r;
	if (r > 0) {
		bool tfirst = true;

		fputs(fr ? "  tendance (4 semaines) : " : "  trend (4 weeks): ", f);
		for (int w = 0; w < TREND_WEEKS; w++) {
			if (!t.have[w])
				continue;
			fprintf(f, "%s%d", tfirst ? "" : " → ", t.score[w]);
			tfirst = false;
		}
		fputc('\n', f);
	}
	return 0;
}

static int print_text(FILE *f, const struct conf *c, struct store *s, const struct eval *e,
		      const struct client_eval *only)
{
	_cleanup_(outbox_summary_done) struct outbox_summary sum = {};
	_cleanup_free_ const struct client_eval **v = NULL;
	bool fr = rules_lang_fr(c);
	char stamp[RULES_DATE_MAX + 16];
	size_t n = 0;
	int r;

	v = calloc(MAX(e->n_clients, 1u), sizeof(v[0]));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_clients; i++)
		if (e->clients[i].client && (!only || &e->clients[i] == only))
			v[n++] = &e->clients[i];
	qsort(v, n, sizeof(v[0]), cmp_worrying);

	format_stamp(c, e->now, stamp);
	if (fr)
		fprintf(f, "redflag, rapport du %s — 30 jours : %u %s de vous, %u d'expéditeurs "
			   "inconnus, %u automatiques\n",
			stamp, e->owner_messages_30d, messages_word(e->owner_messages_30d, fr),
			e->unknown_messages_30d, e->automated_messages_30d);
	else
		fprintf(f, "redflag report, %s — 30 days: %u %s from you, %u from unknown senders, "
			   "%u automated\n",
			stamp, e->owner_messages_30d, messages_word(e->owner_messages_30d, fr),
			e->unknown_messages_30d, e->automated_messages_30d);
	outbox_summary_get(s, &sum);
	if (sum.pending > 0)
		fprintf(f, fr ? "%u alerte(s) en attente d'envoi (dernière tentative : %s)\n"
			      : "%u alert(s) waiting to be delivered (last attempt: %s)\n",
			sum.pending, sum.pending_error ? sum.pending_error : (fr ? "pas encore tentée" : "not tried yet"));
	if (sum.failed > 0)
		fprintf(f, fr ? "%u alerte(s) refusée(s) par le serveur d'envoi : %s\n"
				"  Vérifiez la section [smtp] ; 'redflag test-alert' la teste.\n"
			      : "%u alert(s) refused by the mail server: %s\n"
				"  Check the [smtp] section; 'redflag test-alert' tests it.\n",
			sum.failed, strempty(sum.failed_error));
	if (n == 0)
		fputs(fr ? "\nAucun client configuré.\n" : "\nNo client configured.\n", f);
	for (size_t i = 0; i < n; i++) {
		fputc('\n', f);
		r = print_client_text(f, c, s, v[i], e->now);
		if (r < 0)
			return r;
	}
	return 0;
}

static int finish(FILE *f, int r)
{
	if (fflush(f) != 0 || ferror(f))
		return r < 0 ? r : -EIO;
	return r;
}

int report_print(FILE *f, const struct conf *c, struct store *s, const struct eval *e, bool json,
		 const char *client_id)
{
	const struct client_eval *only = NULL;
	int r;

	if (!f || !c || !e)
		return -EINVAL;
	if (client_id) {
		only = eval_find_client(e, client_id);
		if (!only)
			return -ENOENT;
	}
	r = json ? print_json(f, s, e, only) : print_text(f, c, s, e, only);
	return finish(f, r);
}

/* --- explain ------------------------------------------------------------------------ */

static void print_thresholds(FILE *f, const struct conf *c, const struct client_eval *ce, enum symbol sym)
{
	const struct symbol_params *p = &ce->client->th.sym[sym];
	bool fr = rules_lang_fr(c);
	double pink = p->pink, red = p->red;
	char a[32], b[32];

	if (sym == SYMBOL_COST && !rules_cost_thresholds(c, ce->client, &pink, &red))
		return;
	if (sym == SYMBOL_COST) {
		money(pink, fr, a, sizeof(a));
		money(red, fr, b, sizeof(b));
	} else {
		number(pink, 2, fr, a, sizeof(a));
		number(red, 2, fr, b, sizeof(b));
	}
	if (sym == SYMBOL_COST)
		fprintf(f, fr ? " [rose sous %s, rouge sous %s]" : " [pink below %s, red below %s]", a, b);
	else
		fprintf(f, fr ? " [rose à %s, rouge à %s]" : " [pink at %s, red at %s]", a, b);
}

static const char *not_evaluated_reason(enum symbol sym, bool fr)
{
	switch (sym) {
	case SYMBOL_OUT_OF_WINDOW:
		return fr ? "pas de créneaux de rendez-vous (meetings) configurés"
			  : "no meeting windows (meetings) configured";
	case SYMBOL_AFTER_HOURS:
		return fr ? "pas d'heures ouvrées configurées" : "no business hours configured";
	case SYMBOL_NEGATIVE_TONE:
		return fr ? "moins de 3 messages analysés en 30 jours"
			  : "fewer than 3 scored messages in 30 days";
	case SYMBOL_FEEDBACK_IMBALANCE:
		return fr ? "moins de 4 messages analysés en 30 jours"
			  : "fewer than 4 scored messages in 30 days";
	case SYMBOL_COST:
		return fr ? "pas de revenue_per_month ou de min_hourly_rate"
			  : "no revenue_per_month or min_hourly_rate";
	default:
		return fr ? "non évalué" : "not evaluated";
	}
}

static int explain_symbols(FILE *f, const struct conf *c, const struct client_eval *ce)
{
	bool fr = rules_lang_fr(c);

	fputs(fr ? "\nSignaux :\n" : "\nSignals:\n", f);
	for (enum symbol sym = 0; sym < _SYMBOL_MAX; sym++) {
		const struct symbol_result *sr = &ce->sym[sym];
		_cleanup_free_ char *words = NULL;
		char pts[16];

		if (!sr->evaluated) {
			fprintf(f, fr ? "  %s : non évalué (%s)\n" : "  %s: not evaluated (%s)\n",
				symbol_to_string(sym), not_evaluated_reason(sym, fr));
			continue;
		}
		words = symbol_words(c, ce, sym);
		if (!words)
			return -ENOMEM;
		number(sr->points, 1, fr, pts, sizeof(pts));
		if (sr->active)
			fprintf(f, fr ? "  %s : %s, +%s points — %s" : "  %s: %s, +%s points — %s",
				symbol_to_string(sym),
				sr->red ? (fr ? "rouge" : "red") : (fr ? "rose" : "pink"), pts, words);
		else
			fprintf(f, fr ? "  %s : inactif — %s" : "  %s: not active — %s",
				symbol_to_string(sym), words);
		print_thresholds(f, c, ce, sym);
		fputc('\n', f);
		for (size_t i = 0; sr->evidence && sr->evidence[i]; i++)
			fprintf(f, "      %s\n", sr->evidence[i]);
	}
	return 0;
}

struct explain_msgs {
	const struct conf *c;
	const struct conf_client *client;
	int64_t now;
	unsigned n;
	GPtrArray *lines; /* printed most recent first */
};

static int explain_msg_cb(const struct msg_features *m, void *userdata)
{
	struct explain_msgs *x = userdata;
	const struct conf_client *cl = NULL;
	bool fr = rules_lang_fr(x->c);
	GTimeZone *tz = x->client->tz ? x->client->tz : x->c->owner_tz;
	char d[RULES_DATE_MAX];
	GString *l;

	if (m->internal_date > x->now || m->internal_date <= x->now - EXPLAIN_WINDOW)
		return 0;
	if (m->automated || isempty(m->sender))
		return 0;
	if (conf_classify_sender(x->c, m->sender, &cl) != SENDER_CLIENT || cl != x->client)
		return 0;

	l = g_string_new(NULL);
	g_string_append_printf(l, "  %s", rules_format_date(x->c, tz, m->internal_date, true, d));
	if (m->internal_date > x->now - WEEK_SEC)
		g_string_append(l, fr ? " [7 j]" : " [7d]");
	if (x->client->has_meetings)
		g_string_append(l, timewin_contains(&x->client->meetings, tz, m->internal_date)
					   ? (fr ? "  dans un créneau" : "  in a meeting window")
					   : (fr ? "  hors créneau" : "  out of window"));
	if (x->c->business_hours.n > 0 && x->c->owner_tz &&
	    !timewin_contains(&x->c->business_hours, x->c->owner_tz, m->internal_date))
		g_string_append(l, fr ? ", hors heures ouvrées" : ", after hours");
	if (m->scored) {
		char tone[16];

		number(m->tone, 2, fr, tone, sizeof(tone));
		g_string_append_printf(l, fr ? "  ton %s %s" : "  tone %s %s",
				       tone_label_to_string(m->label), tone);
		for (enum category cat = 0; cat < _CATEGORY_MAX; cat++) {
			_cleanup_free_ char *ph = NULL;

			if (m->categories[cat] == 0)
				continue;
			ph = rules_message_phrases(m, cat);
			if (!ph) {
				g_string_free(l, TRUE);
				return -ENOMEM;
			}
			g_string_append_printf(l, "; %s %u%s%s", category_to_string(cat), m->categories[cat],
					       isempty(ph) ? "" : ": ", ph);
		}
	} else
		g_string_append(l, fr ? "  ton non analysé" : "  tone not scored");
	g_ptr_array_add(x->lines, g_string_free(l, FALSE));
	x->n++;
	return 0;
}

static int explain_messages(FILE *f, const struct conf *c, struct store *s, const struct client_eval *ce,
			    int64_t now)
{
	bool fr = rules_lang_fr(c);
	struct explain_msgs x = {
		.c = c,
		.client = ce->client,
		.now = now,
		.lines = g_ptr_array_new_with_free_func(g_free),
	};
	int r;

	r = store_messages_since(s, now - EXPLAIN_WINDOW, explain_msg_cb, &x);
	if (r < 0) {
		g_ptr_array_free(x.lines, TRUE);
		return r;
	}
	fprintf(f, fr ? "\nMessages des 30 derniers jours (%u), du plus récent au plus ancien :\n"
		      : "\nMessages of the last 30 days (%u), most recent first:\n",
		x.n);
	/* The store gives them oldest first. */
	for (guint i = x.lines->len; i > 0; i--)
		fprintf(f, "%s\n", (const char *) x.lines->pdata[i - 1]);
	if (x.n == 0)
		fputs(fr ? "  (aucun)\n" : "  (none)\n", f);
	g_ptr_array_free(x.lines, TRUE);
	return 0;
}

struct explain_notes {
	FILE *f;
	const struct conf *c;
	const struct client_eval *ce;
	const struct snapshots *sn;
	unsigned n;
};

static int explain_note_cb(const char *client_id, int64_t at, const char *text, void *userdata)
{
	struct explain_notes *x = userdata;
	bool fr = rules_lang_fr(x->c);
	char stamp[RULES_DATE_MAX + 16], d[RULES_DATE_MAX];
	ssize_t before = -1, after = -1;

	for (size_t i = 0; i < x->sn->n; i++) {
		if (x->sn->at[i] <= at)
			before = i;
		else if (after < 0 && x->sn->at[i] >= at + WEEK_SEC)
			after = i;
	}
	fprintf(x->f, "  %s: \"", format_stamp(x->c, at, stamp));
	print_sanitized(x->f, text);
	fputc('"', x->f);
	if (before >= 0)
		fprintf(x->f, fr ? " — score avant : %d (%s)" : " — score before: %d (%s)",
			x->sn->score[before], rules_format_date(x->c, x->c->owner_tz, x->sn->at[before], false, d));
	else
		fputs(fr ? " — score avant : inconnu" : " — score before: unknown", x->f);
	if (after >= 0)
		fprintf(x->f, fr ? ", une semaine après : %d" : ", a week later: %d", x->sn->score[after]);
	fprintf(x->f, fr ? ", aujourd'hui : %d\n" : ", now: %d\n", x->ce->score);
	x->n++;
	return 0;
}

static int explain_notes(FILE *f, const struct conf *c, struct store *s, const struct client_eval *ce)
{
	bool fr = rules_lang_fr(c);
	struct snapshots sn = {};
	struct explain_notes x = { .f = f, .c = c, .ce = ce, .sn = &sn };
	int r;

	r = store_snapshots_list(s, ce->client->id, 0, snapshots_cb, &sn);
	if (r >= 0) {
		fputs(fr ? "\nInterventions :\n" : "\nInterventions:\n", f);
		r = store_notes_list(s, ce->client->id, explain_note_cb, &x);
	}
	if (r >= 0 && x.n == 0)
		fputs(fr ? "  (aucune ; redflag note CLIENT \"ce qui a été fait\")\n"
			 : "  (none; redflag note CLIENT \"what was done\")\n",
		      f);
	snapshots_done(&sn);
	return r < 0 ? r : 0;
}

int report_explain(FILE *f, const struct conf *c, struct store *s, const struct eval *e,
		   const char *client_id)
{
	const struct client_eval *ce;
	const struct conf_thresholds *th;
	bool fr;
	char stamp[RULES_DATE_MAX + 16], a[16], b[16];
	int r;

	if (!f || !c || !e || !client_id)
		return -EINVAL;
	ce = eval_find_client(e, client_id);
	if (!ce)
		return -ENOENT;
	fr = rules_lang_fr(c);
	th = &ce->client->th;

	number(th->pink_score, 1, fr, a, sizeof(a));
	number(th->red_score, 1, fr, b, sizeof(b));
	fprintf(f, fr ? "%s (%s) : %s, score %d (rose à %s, rouge à %s)\n"
		      : "%s (%s): %s, score %d (pink at %s, red at %s)\n",
		ce->client->name ? ce->client->name : ce->client->id, ce->client->id,
		level_word(ce->level, fr), ce->score, a, b);
	fprintf(f, fr ? "Évalué le %s\n" : "Evaluated %s\n", format_stamp(c, e->now, stamp));
	if (ce->sym[SYMBOL_ABUSE].active)
		fputs(fr ? "Un langage offensant suffit pour le niveau rouge.\n"
			 : "Offensive language alone makes the level red.\n",
		      f);

	r = explain_symbols(f, c, ce);
	if (r < 0)
		return finish(f, r);
	if (!s) {
		fputs(fr ? "\n(pas de base de données : ni messages ni interventions)\n"
			 : "\n(no database: no messages, no interventions)\n",
		      f);
		return finish(f, 0);
	}
	r = explain_messages(f, c, s, ce, e->now);
	if (r >= 0)
		r = explain_notes(f, c, s, ce);
	return finish(f, r);
}
