/* SPDX-License-Identifier: MIT */
/* Evaluation (rules.c) and reports (report.c): every symbol's figure and
 * thresholds, score and level, attribution at evaluation time, evidence,
 * and the JSON / text output. Pure: configs come from conf_parse(), messages
 * are built here, `now` is fixed. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "clock.h"
#include "conf.h"
#include "report.h"
#include "rules.h"
#include "store.h"
#include "util.h"

#define DAY SEC_PER_DAY
#define HOUR 3600

/* Monday 23 November 2026, 18:00 in Paris. */
#define NOW_ISO "2026-11-23T17:00:00Z"

#define OWNER                                                     \
	"[owner]\n"                                               \
	"name = Marie Dupont\n"                                   \
	"email = marie@studio.example\n"                          \
	"addresses = marie@studio.example, contact@studio.example\n" \
	"language = en\n"                                         \
	"timezone = Europe/Paris\n"                               \
	"business_hours = mon-fri 09:00-18:00\n"                  \
	"min_hourly_rate = 40\n"                                  \
	"\n"

#define ACME                                                      \
	"[client \"acme\"]\n"                                     \
	"name = ACME SARL\n"                                      \
	"addresses = jean@acme.example, *@acme.example\n"        \
	"meetings = tue 10:00-11:00, thu 14:00-15:30\n"           \
	"timezone = Europe/Paris\n"

/* The same client without meeting windows (no OUT_OF_WINDOW). */
#define ACME_NOMEET                                               \
	"[client \"acme\"]\n"                                     \
	"name = ACME SARL\n"                                      \
	"addresses = jean@acme.example, *@acme.example\n"

static int64_t ts(const char *iso)
{
	int64_t t = 0;

	assert_int_equal(clock_parse_rfc3339(iso, &t), 0);
	return t;
}

static int64_t now_ts(void)
{
	return ts(NOW_ISO);
}

static struct conf *parse(const char *text)
{
	struct diag d = {};
	struct conf *c = NULL;
	int r;

	r = conf_parse("test.conf", text, strlen(text), &c, &d);
	for (size_t i = 0; d.lines && d.lines[i]; i++)
		print_message("# %s\n", d.lines[i]);
	diag_done(&d);
	assert_int_equal(r, 0);
	assert_non_null(c);
	return c;
}

static struct conf *parse_clients(const char *clients)
{
	_cleanup_free_ char *text = strdup_printf("%s%s", OWNER, clients);

	assert_non_null(text);
	return parse(text);
}

struct msgs {
	struct msg_features v[1024];
	size_t n;
};

static struct msgs *msgs_new(void)
{
	struct msgs *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	return m;
}

/* A neutral, scored message (strings are literals: never freed). */
static struct msg_features *add(struct msgs *m, const char *sender, int64_t t)
{
	struct msg_features *f;

	assert_true(m->n < ELEMENTSOF(m->v));
	f = &m->v[m->n++];
	*f = (struct msg_features) {
		.sender = (char *) sender,
		.internal_date = t,
		.date = t,
		.scored = true,
		.label = TONE_NEUTRAL,
	};
	return f;
}

static struct msg_features *add_neg(struct msgs *m, const char *sender, int64_t t, const char *evidence)
{
	struct msg_features *f = add(m, sender, t);

	f->label = TONE_NEGATIVE;
	f->tone = -0.6;
	f->categories[CATEGORY_NEGATIVE] = 1;
	f->evidence = (char *) evidence;
	return f;
}

static struct msg_features *add_pos(struct msgs *m, const char *sender, int64_t t)
{
	struct msg_features *f = add(m, sender, t);

	f->label = TONE_POSITIVE;
	f->tone = 0.5;
	f->categories[CATEGORY_POSITIVE] = 1;
	return f;
}

static struct msg_features *add_cat(struct msgs *m, const char *sender, int64_t t, enum category cat,
				    const char *evidence)
{
	struct msg_features *f = add(m, sender, t);

	f->categories[cat] = 1;
	f->evidence = (char *) evidence;
	return f;
}

static struct eval *evaluate(const struct conf *c, const struct msgs *m, int64_t now)
{
	struct eval *e = NULL;

	assert_int_equal(rules_evaluate_messages(c, m->v, m->n, now, &e), 0);
	assert_non_null(e);
	assert_int_equal(e->n_clients, c->n_clients);
	return e;
}

static const struct client_eval *client(const struct eval *e, const char *id)
{
	const struct client_eval *ce = eval_find_client(e, id);

	assert_non_null(ce);
	return ce;
}

static bool evidence_has(const struct symbol_result *r, const char *needle)
{
	for (size_t i = 0; r->evidence && r->evidence[i]; i++)
		if (strstr(r->evidence[i], needle))
			return true;
	return false;
}

/* --- VOLUME --------------------------------------------------------------------- */

static void test_volume_thresholds(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	int64_t now = now_ts();
	unsigned counts[] = { 7, 8, 14, 15, 16 };

	for (size_t k = 0; k < ELEMENTSOF(counts); k++) {
		_cleanup_free_ struct msgs *m = msgs_new();
		_cleanup_eval_free_ struct eval *e = NULL;
		const struct client_eval *ce;

		/* Usual rhythm: 4 a week for the 8 weeks before (median 4: burst at 8). */
		for (unsigned w = 1; w <= 8; w++)
			for (unsigned i = 0; i < 4; i++)
				add(m, "jean@acme.example", now - w * 7 * DAY - (i + 1) * HOUR);
		for (unsigned i = 0; i < counts[k]; i++)
			add(m, "jean@acme.example", now - 6 * DAY + i * 600);
		e = evaluate(c, m, now);
		ce = client(e, "acme");
		assert_int_equal(ce->messages_7d, counts[k]);
		assert_true(fabs(ce->weekly_median_8w - 4) < 1e-9);
		assert_true(ce->sym[SYMBOL_VOLUME].evaluated);
		assert_true(fabs(ce->sym[SYMBOL_VOLUME].value - counts[k]) < 1e-9);
		assert_int_equal(ce->sym[SYMBOL_VOLUME].active, counts[k] >= 8);
		assert_int_equal(ce->sym[SYMBOL_VOLUME].red, counts[k] >= 15);
		assert_true(fabs(ce->sym[SYMBOL_VOLUME].points -
				 (counts[k] >= 15 ? 40 : counts[k] >= 8 ? 20 : 0)) < 1e-9);
		if (counts[k] == 16) {
			assert_true(evidence_has(&ce->sym[SYMBOL_VOLUME], "16 messages in 7 days (usual: 4 a week)"));
			assert_string_equal(ce->sym[SYMBOL_VOLUME].evidence[0],
					    "16 messages in 7 days (usual: 4 a week)");
			assert_int_equal(strv_length(ce->sym[SYMBOL_VOLUME].evidence), RULES_MAX_EVIDENCE);
			assert_string_equal(ce->sym[SYMBOL_VOLUME].evidence[RULES_MAX_EVIDENCE - 1],
					    "… and 8 more");
		}
	}
}

static void test_volume_burst(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	int64_t now = now_ts();

	/* Usual: 2 a week (median 2). 5 this week >= 2 x 2 and >= 5: burst, at pink. */
	for (unsigned this_week = 3; this_week <= 5; this_week++) {
		_cleanup_free_ struct msgs *m = msgs_new();
		_cleanup_eval_free_ struct eval *e = NULL;
		const struct client_eval *ce;

		for (unsigned w = 1; w <= 8; w++)
			for (unsigned i = 0; i < 2; i++)
				add(m, "jean@acme.example", now - w * 7 * DAY - (i + 1) * HOUR);
		for (unsigned i = 0; i < this_week; i++)
			add(m, "jean@acme.example", now - DAY - i * HOUR);
		e = evaluate(c, m, now);
		ce = client(e, "acme");
		assert_true(fabs(ce->weekly_median_8w - 2) < 1e-9);
		/* 4 >= 2 x 2 but fewer than 5 messages: no burst. */
		assert_int_equal(ce->sym[SYMBOL_VOLUME].active, this_week == 5);
		assert_false(ce->sym[SYMBOL_VOLUME].red);
		assert_true(fabs(ce->sym[SYMBOL_VOLUME].points - (this_week == 5 ? 20 : 0)) < 1e-9);
	}

	/* Usual: 4 a week; 7 this week is below 2 x 4 and below pink 8. */
	{
		_cleanup_free_ struct msgs *m = msgs_new();
		_cleanup_eval_free_ struct eval *e = NULL;

		for (unsigned w = 1; w <= 8; w++)
			for (unsigned i = 0; i < 4; i++)
				add(m, "jean@acme.example", now - w * 7 * DAY - (i + 1) * HOUR);
		for (unsigned i = 0; i < 7; i++)
			add(m, "jean@acme.example", now - DAY - i * HOUR);
		e = evaluate(c, m, now);
		assert_false(client(e, "acme")->sym[SYMBOL_VOLUME].active);
	}

	/* The median is over 8 weeks: one busy old week does not move it. */
	{
		_cleanup_free_ struct msgs *m = msgs_new();
		_cleanup_eval_free_ struct eval *e = NULL;

		for (unsigned w = 1; w <= 8; w++)
			for (unsigned i = 0; i < (w == 3 ? 30u : 1u); i++)
				add(m, "jean@acme.example", now - w * 7 * DAY - (i + 1) * 600);
		/* Older than 9 weeks: outside every window. */
		for (unsigned i = 0; i < 50; i++)
			add(m, "jean@acme.example", now - 10 * 7 * DAY - i * 600);
		for (unsigned i = 0; i < 5; i++)
			add(m, "jean@acme.example", now - DAY - i * HOUR);
		e = evaluate(c, m, now);
		assert_true(fabs(client(e, "acme")->weekly_median_8w - 1) < 1e-9);
		assert_true(client(e, "acme")->sym[SYMBOL_VOLUME].active);
	}
}

/* --- OUT_OF_WINDOW and AFTER_HOURS ------------------------------------------------ */

static void test_out_of_window(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME
							   "\n[client \"beta\"]\n"
							   "addresses = boss@beta.example\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	/* Inside the meetings (Paris = UTC+1 in November): Tue 17 Nov 10:30, Thu 19 Nov 14:00. */
	add(m, "jean@acme.example", ts("2026-11-17T09:30:00Z"));
	add(m, "jean@acme.example", ts("2026-11-19T13:00:00Z"));
	/* Outside: Sat 21 Nov 23:40 Paris, Thu 19 Nov 15:30 (end excluded), Mon 23 Nov 08:00. */
	add(m, "jean@acme.example", ts("2026-11-21T22:40:00Z"));
	add(m, "jean@acme.example", ts("2026-11-19T14:30:00Z"));
	add(m, "jean@acme.example", ts("2026-11-23T07:00:00Z"));
	/* beta has no meetings: never OUT_OF_WINDOW. */
	for (unsigned i = 0; i < 10; i++)
		add(m, "boss@beta.example", ts("2026-11-21T22:00:00Z") + i * 60);

	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->messages_7d, 5);
	assert_int_equal(ce->out_of_window_7d, 3);
	assert_true(ce->sym[SYMBOL_OUT_OF_WINDOW].evaluated);
	assert_false(ce->sym[SYMBOL_OUT_OF_WINDOW].active); /* 3 < pink 4 */
	e = eval_free(e);

	add(m, "jean@acme.example", ts("2026-11-22T10:00:00Z")); /* Sunday */
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->out_of_window_7d, 4);
	assert_true(ce->sym[SYMBOL_OUT_OF_WINDOW].active);
	assert_false(ce->sym[SYMBOL_OUT_OF_WINDOW].red);
	assert_true(fabs(ce->sym[SYMBOL_OUT_OF_WINDOW].points - 20) < 1e-9);
	/* Most recent first, local times in the client's zone. */
	assert_string_equal(ce->sym[SYMBOL_OUT_OF_WINDOW].evidence[0], "Mon 23 Nov 08:00");
	assert_true(evidence_has(&ce->sym[SYMBOL_OUT_OF_WINDOW], "Sat 21 Nov 23:40"));

	ce = client(e, "beta");
	assert_false(ce->sym[SYMBOL_OUT_OF_WINDOW].evaluated);
	assert_false(ce->sym[SYMBOL_OUT_OF_WINDOW].active);
	assert_int_equal(ce->out_of_window_7d, 0);
	e = eval_free(e);

	for (unsigned i = 0; i < 4; i++)
		add(m, "jean@acme.example", ts("2026-11-22T20:00:00Z") + i * 60);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->out_of_window_7d, 8);
	assert_true(ce->sym[SYMBOL_OUT_OF_WINDOW].red);
	assert_true(fabs(ce->sym[SYMBOL_OUT_OF_WINDOW].points - 40) < 1e-9);
}

static void test_out_of_window_dst(void **state)
{
	/* Europe/Paris leaves summer time on Sunday 25 October 2026 (03:00
	 * CEST -> 02:00 CET). A window read with a fixed offset would be
	 * wrong on one side of the change. */
	_cleanup_conf_free_ struct conf *c = parse_clients("[client \"dst\"]\n"
							   "addresses = *@dst.example\n"
							   "meetings = mon 09:00-10:00, fri 09:00-10:00\n"
							   "timezone = Europe/Paris\n"
							   "out_of_window.pink = 1\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = ts("2026-10-27T12:00:00Z");

	/* Friday 23 Oct 09:30, 09:40, 09:50 CEST (UTC+2): inside. */
	add(m, "a@dst.example", ts("2026-10-23T07:30:00Z"));
	add(m, "a@dst.example", ts("2026-10-23T07:40:00Z"));
	add(m, "a@dst.example", ts("2026-10-23T07:50:00Z"));
	/* Monday 26 Oct 09:30 CET (UTC+1): inside. */
	add(m, "a@dst.example", ts("2026-10-26T08:30:00Z"));
	/* Sunday 25 Oct 13:00 CET: outside. */
	add(m, "a@dst.example", ts("2026-10-25T12:00:00Z"));

	e = evaluate(c, m, now);
	ce = client(e, "dst");
	assert_int_equal(ce->messages_7d, 5);
	assert_int_equal(ce->out_of_window_7d, 1);
	assert_true(ce->sym[SYMBOL_OUT_OF_WINDOW].active); /* client override: pink at 1 */
	assert_string_equal(ce->sym[SYMBOL_OUT_OF_WINDOW].evidence[0], "Sun 25 Oct 13:00");
	assert_int_equal(strv_length(ce->sym[SYMBOL_OUT_OF_WINDOW].evidence), 1);
}

static void test_after_hours(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	add(m, "jean@acme.example", ts("2026-11-20T10:00:00Z")); /* Fri 11:00: business hours */
	add(m, "jean@acme.example", ts("2026-11-20T17:30:00Z")); /* Fri 18:30: after */
	add(m, "jean@acme.example", ts("2026-11-21T10:00:00Z")); /* Sat */
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->after_hours_7d, 2);
	assert_true(ce->sym[SYMBOL_AFTER_HOURS].evaluated);
	assert_false(ce->sym[SYMBOL_AFTER_HOURS].active);
	e = eval_free(e);

	add(m, "jean@acme.example", ts("2026-11-23T05:00:00Z")); /* Mon 06:00 */
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->after_hours_7d, 3);
	assert_true(ce->sym[SYMBOL_AFTER_HOURS].active);
	assert_false(ce->sym[SYMBOL_AFTER_HOURS].red);
	assert_true(fabs(ce->sym[SYMBOL_AFTER_HOURS].points - 10) < 1e-9);
	assert_string_equal(ce->sym[SYMBOL_AFTER_HOURS].evidence[0], "Mon 23 Nov 06:00");
	e = eval_free(e);

	for (unsigned i = 0; i < 3; i++)
		add(m, "jean@acme.example", ts("2026-11-22T21:00:00Z") + i * 60);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->after_hours_7d, 6);
	assert_true(ce->sym[SYMBOL_AFTER_HOURS].red);
	assert_true(fabs(ce->sym[SYMBOL_AFTER_HOURS].points - 20) < 1e-9);
}

/* --- tone ------------------------------------------------------------------------ */

static void test_negative_tone(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	/* Two negative messages: 100 % but below the minimum evidence of 3. */
	add_neg(m, "jean@acme.example", ts("2026-11-19T10:00:00Z"), "negative\t0\t-3\tinadmissible\n");
	add_neg(m, "jean@acme.example", ts("2026-11-10T10:00:00Z"), "negative\t0\t-2\tdéçu\n");
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(fabs(ce->negative_share_30d - 1.0) < 1e-9);
	assert_int_equal(ce->negative_30d, 2);
	assert_false(ce->sym[SYMBOL_NEGATIVE_TONE].evaluated);
	assert_false(ce->sym[SYMBOL_NEGATIVE_TONE].active);
	assert_int_equal(ce->score, 0);
	e = eval_free(e);

	/* A third scored message (neutral): 2/3 = 0.67 >= red 0.5. */
	add(m, "jean@acme.example", ts("2026-11-05T10:00:00Z"));
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_NEGATIVE_TONE].evaluated);
	assert_true(fabs(ce->sym[SYMBOL_NEGATIVE_TONE].value - 2.0 / 3) < 1e-9);
	assert_true(ce->sym[SYMBOL_NEGATIVE_TONE].red);
	assert_true(fabs(ce->sym[SYMBOL_NEGATIVE_TONE].points - 50) < 1e-9);
	assert_string_equal(ce->sym[SYMBOL_NEGATIVE_TONE].evidence[0], "“inadmissible” (Thu 19 Nov)");
	assert_string_equal(ce->sym[SYMBOL_NEGATIVE_TONE].evidence[1], "“déçu” (Tue 10 Nov)");
	e = eval_free(e);

	/* 2 of 6 = 0.33: pink only. Unscored messages do not count in the share. */
	for (unsigned i = 0; i < 3; i++)
		add(m, "jean@acme.example", ts("2026-11-04T10:00:00Z") + i * 60);
	add(m, "jean@acme.example", ts("2026-11-04T11:00:00Z"))->scored = false;
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->messages_30d, 7);
	assert_true(fabs(ce->negative_share_30d - 2.0 / 6) < 1e-9);
	assert_true(ce->sym[SYMBOL_NEGATIVE_TONE].active);
	assert_false(ce->sym[SYMBOL_NEGATIVE_TONE].red);
	assert_true(fabs(ce->sym[SYMBOL_NEGATIVE_TONE].points - 25) < 1e-9);
	e = eval_free(e);

	/* 2 of 7 = 0.29 < 0.3: inactive. Messages older than 30 days do not count. */
	add(m, "jean@acme.example", ts("2026-11-03T10:00:00Z"));
	add_neg(m, "jean@acme.example", ts("2026-10-20T10:00:00Z"), NULL);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_int_equal(ce->negative_30d, 2);
	assert_false(ce->sym[SYMBOL_NEGATIVE_TONE].active);
	assert_true(ce->sym[SYMBOL_NEGATIVE_TONE].evaluated);
}

static void test_feedback_imbalance(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	for (unsigned i = 0; i < 3; i++)
		add_neg(m, "jean@acme.example", now - (i + 2) * DAY, NULL);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	/* 3 messages: below the 4 needed. */
	assert_false(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].evaluated);
	assert_false(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].active);
	e = eval_free(e);

	add_pos(m, "jean@acme.example", now - 10 * DAY);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(fabs(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].value - 3) < 1e-9); /* 3 / 1 */
	assert_true(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].active);
	assert_false(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].red);
	assert_true(fabs(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].points - 10) < 1e-9);
	e = eval_free(e);

	for (unsigned i = 0; i < 3; i++)
		add_neg(m, "jean@acme.example", now - (i + 12) * DAY, NULL);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(fabs(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].value - 6) < 1e-9);
	assert_true(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].red);
	assert_true(fabs(ce->sym[SYMBOL_FEEDBACK_IMBALANCE].points - 20) < 1e-9);
	assert_int_equal(ce->negative_30d, 6);
	assert_int_equal(ce->positive_30d, 1);
	e = eval_free(e);

	/* No positive at all: neg / max(1, 0). */
	{
		_cleanup_free_ struct msgs *m2 = msgs_new();

		for (unsigned i = 0; i < 4; i++)
			add_neg(m2, "jean@acme.example", now - (i + 1) * DAY, NULL);
		e = evaluate(c, m2, now);
		assert_true(fabs(client(e, "acme")->sym[SYMBOL_FEEDBACK_IMBALANCE].value - 4) < 1e-9);
	}
}

/* --- lexicon symbols --------------------------------------------------------------- */

static void test_doubt_pressure_payment(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME_NOMEET);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	add_cat(m, "jean@acme.example", ts("2026-11-19T10:00:00Z"), CATEGORY_DOUBT,
		"doubt\t0\t-1.5\tvous êtes sûr\nnegative\t0\t-3\tinadmissible\n");
	add_cat(m, "jean@acme.example", ts("2026-11-02T10:00:00Z"), CATEGORY_PRESSURE,
		"pressure\t0\t-2\turgent\n"); /* pressure, 21 days ago: outside 7 days */
	add_cat(m, "jean@acme.example", ts("2026-11-20T10:00:00Z"), CATEGORY_PRESSURE,
		"pressure\t0\t-2\tASAP\n");
	add_cat(m, "jean@acme.example", ts("2026-11-20T11:00:00Z"), CATEGORY_PAYMENT,
		"payment\t0\t-2\trelance facture\n");
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(fabs(ce->sym[SYMBOL_DOUBT].value - 1) < 1e-9);
	assert_false(ce->sym[SYMBOL_DOUBT].active);
	assert_true(fabs(ce->sym[SYMBOL_PRESSURE].value - 1) < 1e-9);
	assert_false(ce->sym[SYMBOL_PRESSURE].active);
	assert_true(fabs(ce->sym[SYMBOL_PAYMENT].value - 1) < 1e-9);
	assert_true(ce->sym[SYMBOL_PAYMENT].active); /* pink 1 */
	assert_false(ce->sym[SYMBOL_PAYMENT].red);
	assert_string_equal(ce->sym[SYMBOL_PAYMENT].evidence[0], "“relance facture” (Fri 20 Nov)");
	assert_int_equal(ce->score, 15);
	assert_int_equal(ce->level, LEVEL_NONE);
	e = eval_free(e);

	add_cat(m, "jean@acme.example", ts("2026-11-05T10:00:00Z"), CATEGORY_DOUBT,
		"doubt\t0\t-1\tje ne suis pas convaincu\n");
	add_cat(m, "jean@acme.example", ts("2026-11-23T10:00:00Z"), CATEGORY_PRESSURE,
		"pressure\t0\t-2\tpour demain\n");
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_DOUBT].active);
	assert_false(ce->sym[SYMBOL_DOUBT].red);
	/* Only the doubt phrases, not the other categories of the same message. */
	assert_string_equal(ce->sym[SYMBOL_DOUBT].evidence[0], "“vous êtes sûr” (Thu 19 Nov)");
	assert_false(evidence_has(&ce->sym[SYMBOL_DOUBT], "inadmissible"));
	assert_true(ce->sym[SYMBOL_PRESSURE].active);
	assert_true(fabs(ce->sym[SYMBOL_PRESSURE].value - 2) < 1e-9);
	assert_string_equal(ce->sym[SYMBOL_PRESSURE].evidence[0], "“pour demain” (Mon 23 Nov)");
	assert_string_equal(ce->sym[SYMBOL_PRESSURE].evidence[1], "“ASAP” (Fri 20 Nov)");
	/* PAYMENT 15 + DOUBT 15 + PRESSURE 15 = 45: pink. */
	assert_int_equal(ce->score, 45);
	assert_int_equal(ce->level, LEVEL_PINK);
	e = eval_free(e);

	for (unsigned i = 0; i < 2; i++) {
		add_cat(m, "jean@acme.example", ts("2026-11-06T10:00:00Z") + i * 60, CATEGORY_DOUBT, NULL);
		add_cat(m, "jean@acme.example", ts("2026-11-18T10:00:00Z") + i * 60, CATEGORY_PRESSURE, NULL);
		add_cat(m, "jean@acme.example", ts("2026-11-07T10:00:00Z") + i * 60, CATEGORY_PAYMENT, NULL);
	}
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_DOUBT].red);
	assert_true(ce->sym[SYMBOL_PRESSURE].red);
	assert_true(ce->sym[SYMBOL_PAYMENT].red);
	/* Without stored phrases, the date alone. */
	assert_true(evidence_has(&ce->sym[SYMBOL_PAYMENT], "message of Sat 7 Nov"));
	/* 30 + 30 + 30 = 90. */
	assert_int_equal(ce->score, 90);
	assert_int_equal(ce->level, LEVEL_RED);
	{
		_cleanup_free_ char *red = client_eval_red_symbols(ce);

		assert_string_equal(red, "DOUBT,PAYMENT,PRESSURE");
	}
}

static void test_abuse_forces_red(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME "abuse.weight = 5\n"
							   "\n[client \"beta\"]\n"
							   "addresses = boss@beta.example\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	/* One message is enough (no minimum evidence for ABUSE). */
	add_cat(m, "jean@acme.example", ts("2026-11-20T10:00:00Z"), CATEGORY_ABUSE,
		"abuse\t0\t-4\tincompétent\n");
	add_cat(m, "boss@beta.example", ts("2026-11-20T10:00:00Z"), CATEGORY_ABUSE,
		"abuse\t0\t-4\tidiot\n");
	e = evaluate(c, m, now);

	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_ABUSE].active);
	assert_true(ce->sym[SYMBOL_ABUSE].red);
	assert_true(fabs(ce->sym[SYMBOL_ABUSE].points - 10) < 1e-9); /* 2 x weight 5 */
	assert_int_equal(ce->score, 10);                             /* far below red 70 */
	assert_int_equal(ce->level, LEVEL_RED);
	assert_string_equal(ce->sym[SYMBOL_ABUSE].evidence[0], "“incompétent” (Fri 20 Nov)");

	ce = client(e, "beta");
	assert_int_equal(ce->score, 80); /* default weight 40, red: 80 */
	assert_int_equal(ce->level, LEVEL_RED);
	{
		_cleanup_free_ char *red = client_eval_red_symbols(ce);

		assert_string_equal(red, "ABUSE");
	}
}

/* --- COST ------------------------------------------------------------------------- */

static void test_cost(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients("[client \"cheap\"]\n"
							   "addresses = *@cheap.example\n"
							   "revenue_per_month = 100\n"
							   "minutes_per_message = 60\n"
							   "\n[client \"nocost\"]\n"
							   "addresses = *@nocost.example\n"
							   "\n[client \"own\"]\n"
							   "addresses = *@own.example\n"
							   "revenue_per_month = 100\n"
							   "minutes_per_message = 60\n"
							   "cost.pink = 60\n"
							   "cost.red = 30\n");
	int64_t now = now_ts();
	/* rate = 100 / n per hour: 0 -> infinite, 2 -> 50, 3 -> 33.3 (< 40: pink), 6 -> 16.7 (< 20: red). */
	unsigned ns[] = { 0, 2, 3, 5, 6 };

	for (size_t k = 0; k < ELEMENTSOF(ns); k++) {
		_cleanup_free_ struct msgs *m = msgs_new();
		_cleanup_eval_free_ struct eval *e = NULL;
		const struct client_eval *ce;

		for (unsigned i = 0; i < ns[k]; i++) {
			add(m, "a@cheap.example", now - (i + 1) * DAY);
			add(m, "a@nocost.example", now - (i + 1) * DAY);
			add(m, "a@own.example", now - (i + 1) * DAY);
		}
		e = evaluate(c, m, now);

		ce = client(e, "cheap");
		assert_true(ce->sym[SYMBOL_COST].evaluated);
		assert_int_equal(ce->messages_30d, ns[k]);
		if (ns[k] == 0)
			assert_true(isinf(ce->sym[SYMBOL_COST].value));
		else
			assert_true(fabs(ce->sym[SYMBOL_COST].value - 100.0 / ns[k]) < 1e-9);
		assert_int_equal(ce->sym[SYMBOL_COST].active, ns[k] >= 3);
		assert_int_equal(ce->sym[SYMBOL_COST].red, ns[k] >= 6);
		assert_true(fabs(ce->sym[SYMBOL_COST].points - (ns[k] >= 6 ? 30 : ns[k] >= 3 ? 15 : 0)) < 1e-9);
		if (ns[k] == 3)
			assert_true(evidence_has(&ce->sym[SYMBOL_COST], "rate 33.33/h for 3 messages"));

		/* Without revenue_per_month: never evaluated. */
		ce = client(e, "nocost");
		assert_false(ce->sym[SYMBOL_COST].evaluated);
		assert_false(ce->sym[SYMBOL_COST].active);

		/* Client override: pink below 60, red below 30. */
		ce = client(e, "own");
		assert_int_equal(ce->sym[SYMBOL_COST].active, ns[k] >= 2);
		assert_int_equal(ce->sym[SYMBOL_COST].red, ns[k] >= 5);
	}
}

/* --- score, level, overrides ------------------------------------------------------ */

static void test_score_cap_and_sum(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();
	double sum = 0;

	/* 16 negative night-time messages with pressure and doubt, this week. */
	for (unsigned i = 0; i < 16; i++) {
		struct msg_features *f = add_neg(m, "jean@acme.example", ts("2026-11-21T22:00:00Z") + i * 600,
						 "negative\t0\t-3\tinadmissible\npressure\t0\t-2\turgent\n");
		f->categories[CATEGORY_PRESSURE] = 1;
		f->categories[CATEGORY_DOUBT] = 1;
	}
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	for (enum symbol s = 0; s < _SYMBOL_MAX; s++)
		sum += ce->sym[s].points;
	/* VOLUME 40 + OUT_OF_WINDOW 40 + AFTER_HOURS 20 + NEGATIVE_TONE 50 +
	 * FEEDBACK 20 + DOUBT 30 + PRESSURE 30 = 230, capped. */
	assert_true(fabs(sum - 230) < 1e-9);
	assert_int_equal(ce->score, 100);
	assert_int_equal(ce->level, LEVEL_RED);
	{
		_cleanup_free_ char *red = client_eval_red_symbols(ce);

		assert_string_equal(red, "AFTER_HOURS,DOUBT,FEEDBACK_IMBALANCE,NEGATIVE_TONE,OUT_OF_WINDOW,"
					 "PRESSURE,VOLUME");
	}
}

static void test_overrides_and_levels(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients("[thresholds]\n"
							   "pink.score = 15\n"
							   "red.score = 30\n"
							   "\n" ACME_NOMEET
							   "volume.pink = 3\n"
							   "volume.red = 5\n"
							   "volume.weight = 12\n"
							   "\n[client \"beta\"]\n"
							   "addresses = boss@beta.example\n"
							   "red.score = 90\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	for (unsigned i = 0; i < 3; i++) {
		add(m, "jean@acme.example", ts("2026-11-18T10:00:00Z") + i * 60);
		add(m, "boss@beta.example", ts("2026-11-18T10:00:00Z") + i * 60);
	}
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_VOLUME].active);
	assert_false(ce->sym[SYMBOL_VOLUME].red);
	assert_true(fabs(ce->sym[SYMBOL_VOLUME].points - 12) < 1e-9);
	assert_int_equal(ce->score, 12);
	assert_int_equal(ce->level, LEVEL_NONE); /* 12 < pink 15 */
	ce = client(e, "beta");
	assert_false(ce->sym[SYMBOL_VOLUME].active); /* default pink 8 */
	e = eval_free(e);

	for (unsigned i = 0; i < 2; i++) {
		add(m, "jean@acme.example", ts("2026-11-19T10:00:00Z") + i * 60);
		add_cat(m, "boss@beta.example", ts("2026-11-19T10:00:00Z") + i * 60, CATEGORY_PAYMENT, NULL);
		add_cat(m, "boss@beta.example", ts("2026-11-19T11:00:00Z") + i * 60, CATEGORY_PAYMENT, NULL);
	}
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_true(ce->sym[SYMBOL_VOLUME].red);
	assert_int_equal(ce->score, 24);
	assert_int_equal(ce->level, LEVEL_PINK); /* global pink 15 */
	ce = client(e, "beta");
	assert_true(ce->sym[SYMBOL_PAYMENT].red);
	assert_int_equal(ce->score, 30);
	assert_int_equal(ce->level, LEVEL_PINK); /* its own red.score = 90 */
}

/* --- attribution ------------------------------------------------------------------ */

static void test_automated_and_owner_never_count(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	for (unsigned i = 0; i < 20; i++) {
		struct msg_features *f = add_cat(m, "jean@acme.example", now - DAY - i * 60, CATEGORY_ABUSE,
						 "abuse\t0\t-4\tidiot\n");

		f->automated = true;
	}
	add(m, "", now - DAY); /* no sender */
	add(m, "marie@studio.example", now - DAY);
	add(m, "CONTACT@Studio.Example", now - 2 * DAY);
	add(m, "someone@else.example", now - DAY);
	add(m, "someone@else.example", now - 40 * DAY); /* older than 30 days */
	e = evaluate(c, m, now);
	assert_int_equal(e->automated_messages_30d, 21);
	assert_int_equal(e->owner_messages_30d, 2);
	assert_int_equal(e->unknown_messages_30d, 1);
	ce = client(e, "acme");
	assert_int_equal(ce->messages_7d, 0);
	assert_int_equal(ce->messages_30d, 0);
	assert_false(ce->sym[SYMBOL_ABUSE].active);
	assert_int_equal(ce->score, 0);
	assert_int_equal(ce->level, LEVEL_NONE);
}

static void test_exact_beats_domain(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME
							   "\n[client \"paul\"]\n"
							   "addresses = paul@acme.example\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	int64_t now = now_ts();

	for (unsigned i = 0; i < 3; i++)
		add(m, "paul@acme.example", now - DAY - i * 60);
	add(m, "Paul@ACME.example", now - DAY);
	add(m, "jean@acme.example", now - DAY);
	add(m, "anyone@acme.example", now - DAY);
	add(m, "x@acme.example.org", now - DAY);
	e = evaluate(c, m, now);
	assert_int_equal(client(e, "paul")->messages_7d, 4);
	assert_int_equal(client(e, "acme")->messages_7d, 2);
	assert_int_equal(e->unknown_messages_30d, 1);
}

static void test_reattribution(void **state)
{
	_cleanup_conf_free_ struct conf *before = parse_clients(ACME);
	_cleanup_conf_free_ struct conf *after = parse_clients(ACME
							       "\n[client \"beta\"]\n"
							       "addresses = bob@beta.example\n");
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e1 = NULL, *e2 = NULL;
	int64_t now = now_ts();

	for (unsigned i = 0; i < 9; i++)
		add(m, "bob@beta.example", now - 2 * DAY - i * HOUR);
	e1 = evaluate(before, m, now);
	assert_int_equal(e1->unknown_messages_30d, 9);
	assert_null(eval_find_client(e1, "beta"));

	/* Same stored messages, a new client: history is re-attributed. */
	e2 = evaluate(after, m, now);
	assert_int_equal(e2->unknown_messages_30d, 0);
	assert_int_equal(client(e2, "beta")->messages_7d, 9);
	assert_true(client(e2, "beta")->sym[SYMBOL_VOLUME].active);
	assert_int_equal(client(e2, "acme")->messages_7d, 0);
	/* Config order. */
	assert_string_equal(e2->clients[0].client->id, "acme");
	assert_string_equal(e2->clients[1].client->id, "beta");
}

static void test_future_and_old_ignored(void **state)
{
	_cleanup_conf_free_ struct conf *c = parse_clients(ACME);
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	int64_t now = now_ts();

	add(m, "jean@acme.example", now + HOUR);
	add(m, "jean@acme.example", now);                /* included: (now - 7d, now] */
	add(m, "jean@acme.example", now - 7 * DAY);      /* excluded from 7 days */
	add(m, "jean@acme.example", now - 30 * DAY);     /* excluded from 30 days */
	e = evaluate(c, m, now);
	assert_int_equal(client(e, "acme")->messages_7d, 1);
	assert_int_equal(client(e, "acme")->messages_30d, 2);
}

static void test_french_evidence(void **state)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_eval_free_ struct eval *e = NULL;
	_cleanup_free_ char *text = NULL;
	const struct client_eval *ce;
	int64_t now = now_ts();

	text = strdup_printf("%s%s", OWNER ACME, "");
	assert_non_null(text);
	/* Same owner section, language fr. */
	{
		char *p = strstr(text, "language = en");

		assert_non_null(p);
		memcpy(p, "language = fr", 13);
	}
	c = parse(text);
	for (unsigned i = 0; i < 16; i++)
		add(m, "jean@acme.example", ts("2026-11-21T22:40:00Z") - i * 60);
	e = evaluate(c, m, now);
	ce = client(e, "acme");
	assert_string_equal(ce->sym[SYMBOL_VOLUME].evidence[0],
			    "16 messages en 7 jours (habituellement : 0 par semaine)");
	assert_string_equal(ce->sym[SYMBOL_OUT_OF_WINDOW].evidence[0], "sam 21 nov 23:40");
	assert_string_equal(ce->sym[SYMBOL_OUT_OF_WINDOW].evidence[RULES_MAX_EVIDENCE - 1], "… et 7 de plus");
}

/* --- reports ---------------------------------------------------------------------- */

static char *capture_report(const struct conf *c, struct store *s, const struct eval *e, bool json,
			    const char *id, int *ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	*ret = report_print(f, c, s, e, json, id);
	fclose(f);
	return buf;
}

static void build_report_case(struct conf **ret_c, struct eval **ret_e, struct msgs *m)
{
	struct conf *c = parse_clients(ACME
				       "\n[client \"beta\"]\n"
				       "addresses = boss@beta.example\n");
	int64_t now = now_ts();

	/* A display name that needs JSON escaping. */
	assert_int_equal(c->n_clients, 2);
	free(c->clients[1].name);
	c->clients[1].name = strdup("Beta \"Quoted\" Ltd");
	assert_non_null(c->clients[1].name);

	add_cat(m, "jean@acme.example", ts("2026-11-19T10:00:00Z"), CATEGORY_ABUSE, "abuse\t0\t-4\tincompétent\n");
	for (unsigned i = 0; i < 3; i++)
		add_neg(m, "jean@acme.example", ts("2026-11-20T10:00:00Z") + i * 60,
			"negative\t0\t-3\tinadmissible\n");
	add(m, "boss@beta.example", now - DAY);
	add(m, "marie@studio.example", now - DAY);
	add(m, "x@unknown.example", now - DAY);
	add(m, "x@unknown.example", now - DAY)->automated = true;
	*ret_c = c;
	*ret_e = evaluate(c, m, now);
}

static void test_report_json(void **state)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_eval_free_ struct eval *e = NULL;
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_free_ char *out = NULL, *one = NULL, *none = NULL;
	int r;

	build_report_case(&c, &e, m);
	out = capture_report(c, NULL, e, true, NULL, &r);
	assert_int_equal(r, 0);
	assert_non_null(out);
	assert_non_null(strstr(out, "{\"owner_messages_30d\": 1, \"unknown_messages_30d\": 1, "
				    "\"automated_messages_30d\": 1"));
	assert_non_null(strstr(out, "\"clients\": ["));
	assert_non_null(strstr(out, "{\"id\": \"acme\", \"name\": \"ACME SARL\", \"level\": \"red\", \"score\": 100, "
				    "\"symbols\": [{\"name\": \"OUT_OF_WINDOW\", \"value\": 4, \"weight\": 20, "
				    "\"red\": false, \"evidence\": [\"Fri 20 Nov 11:02\", "));
	assert_non_null(strstr(out, "{\"name\": \"NEGATIVE_TONE\", \"value\": 0.75, \"weight\": 50, \"red\": true"));
	assert_non_null(strstr(out, "{\"name\": \"FEEDBACK_IMBALANCE\", \"value\": 3, \"weight\": 10, \"red\": false"));
	assert_null(strstr(out, "\"name\": \"VOLUME\""));
	assert_non_null(strstr(out, "{\"name\": \"ABUSE\", \"value\": 1, \"weight\": 80, \"red\": true, "
				    "\"evidence\": [\"“incompétent” (Thu 19 Nov)\"]}"));
	assert_non_null(strstr(out, "\"messages_7d\": 4, \"messages_30d\": 4, \"out_of_window_7d\": 4, "));
	assert_non_null(strstr(out, "\"negative_share_30d\": 0.75"));
	assert_non_null(strstr(out, "{\"id\": \"beta\", \"name\": \"Beta \\\"Quoted\\\" Ltd\", \"level\": \"none\", "
				    "\"score\": 0, \"symbols\": [], \"messages_7d\": 1"));
	/* No store: no trend. */
	assert_null(strstr(out, "\"trend\""));
	assert_int_equal(out[strlen(out) - 1], '\n');

	one = capture_report(c, NULL, e, true, "beta", &r);
	assert_int_equal(r, 0);
	assert_null(strstr(one, "\"acme\""));
	assert_non_null(strstr(one, "\"beta\""));

	none = capture_report(c, NULL, e, true, "nope", &r);
	assert_int_equal(r, -ENOENT);
}

static void test_report_text(void **state)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_eval_free_ struct eval *e = NULL;
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_free_ char *out = NULL, *explain = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	build_report_case(&c, &e, m);
	out = capture_report(c, NULL, e, false, NULL, &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(out, "ACME SARL (acme)  RED  score 100"));
	assert_non_null(strstr(out, "ABUSE"));
	assert_non_null(strstr(out, "NEGATIVE_TONE"));
	assert_non_null(strstr(out, "OUT_OF_WINDOW"));
	assert_non_null(strstr(out, "“incompétent” (Thu 19 Nov)"));
	assert_non_null(strstr(out, "Beta \"Quoted\" Ltd (beta)  NONE  score 0"));
	/* Most worrying first. */
	assert_true(strstr(out, "(acme)") < strstr(out, "(beta)"));

	f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(report_explain(f, c, NULL, e, "acme"), 0);
	assert_int_equal(report_explain(f, c, NULL, e, "nope"), -ENOENT);
	fclose(f);
	explain = buf;
	assert_non_null(strstr(explain, "ABUSE: red, +80 points"));
	assert_non_null(strstr(explain, "“inadmissible” (Fri 20 Nov)"));
	assert_non_null(strstr(explain, "COST: not evaluated"));
}

static int snapshot_day(struct store *s, const char *id, int64_t day, int score)
{
	return store_snapshot_set(s, id, day, score, score >= 70 ? LEVEL_RED : score >= 40 ? LEVEL_PINK : LEVEL_NONE);
}

static void test_report_trend_and_notes(void **state)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_eval_free_ struct eval *e = NULL;
	_cleanup_free_ struct msgs *m = msgs_new();
	_cleanup_store_close_ struct store *s = NULL;
	_cleanup_free_ char *out = NULL, *text = NULL, *err = NULL;
	char *buf = NULL;
	size_t size = 0;
	int64_t midnight = ts("2026-11-23T00:00:00Z");
	FILE *f;
	int r;

	build_report_case(&c, &e, m);
	assert_int_equal(store_open(":memory:", &s, &err), 0);
	/* Daily snapshots over 5 weeks; the last of each of the 4 weeks is the trend. */
	for (int d = 34; d >= 0; d--)
		assert_int_equal(snapshot_day(s, "acme", midnight - d * DAY, d > 21 ? 5 : d > 14 ? 12 : d > 7 ? 20 : d > 0 ? 35 : 85), 0);
	assert_int_equal(store_note_add(s, "acme", midnight - 10 * DAY + 12 * HOUR, "Called Jean\nabout meetings"), 0);

	out = capture_report(c, s, e, true, NULL, &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(out, "\"trend\": [12, 20, 35, 85]}"));
	/* beta has no snapshots: no trend field for it. */
	assert_non_null(strstr(out, "{\"id\": \"beta\""));
	assert_null(strstr(strstr(out, "{\"id\": \"beta\""), "\"trend\""));

	text = capture_report(c, s, e, false, "acme", &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(text, "12 → 20 → 35 → 85"));

	f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(report_explain(f, c, s, e, "acme"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"Called Jean about meetings\" — score before: 20"));
	assert_non_null(strstr(buf, "a week later: 35, now: 100"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_thresholds),
		cmocka_unit_test(test_volume_burst),
		cmocka_unit_test(test_out_of_window),
		cmocka_unit_test(test_out_of_window_dst),
		cmocka_unit_test(test_after_hours),
		cmocka_unit_test(test_negative_tone),
		cmocka_unit_test(test_feedback_imbalance),
		cmocka_unit_test(test_doubt_pressure_payment),
		cmocka_unit_test(test_abuse_forces_red),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_score_cap_and_sum),
		cmocka_unit_test(test_overrides_and_levels),
		cmocka_unit_test(test_automated_and_owner_never_count),
		cmocka_unit_test(test_exact_beats_domain),
		cmocka_unit_test(test_reattribution),
		cmocka_unit_test(test_future_and_old_ignored),
		cmocka_unit_test(test_french_evidence),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_report_trend_and_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
