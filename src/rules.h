/* SPDX-License-Identifier: MIT */
#pragma once

/* Evaluation: attribution of stored messages to clients (at evaluation time),
 * the symbols of DESIGN.md with their figures and evidence, score and level.
 * rules_evaluate_messages() is pure and unit-tested; rules_evaluate() reads
 * the store. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "model.h"
#include "store.h"

#define RULES_MAX_EVIDENCE 10 /* evidence lines kept per symbol */

struct symbol_result {
	bool evaluated; /* false: not applicable (no meetings, no revenue, too little evidence) */
	bool active;    /* at or past pink */
	bool red;       /* at or past red */
	double value;   /* the measured figure */
	double points;  /* weight added: 0, weight, or 2 x weight */
	char **evidence; /* human-readable lines: dates, out-of-window local times, quoted words */
};

struct client_eval {
	const struct conf_client *client;
	int score;                       /* min(100, sum of points) */
	enum level level;
	struct symbol_result sym[_SYMBOL_MAX];
	unsigned messages_7d;
	unsigned messages_30d;
	unsigned out_of_window_7d;
	unsigned after_hours_7d;
	double negative_share_30d;       /* 0-1 */
	unsigned negative_30d, positive_30d;
	double weekly_median_8w;         /* trailing 8-week weekly median (volume burst) */
};

struct eval {
	int64_t now;
	unsigned owner_messages_30d;
	unsigned unknown_messages_30d;
	unsigned automated_messages_30d;
	struct client_eval *clients; /* one per configured client, config order */
	size_t n_clients;
};

/* Pure: msgs need not be sorted; only messages with internal_date in
 * (now - 9 weeks, now] matter (the current week and the 8 full weeks before
 * it, for the VOLUME burst median). Attribution is done here, through
 * conf_classify_sender(), so a new client address re-attributes history. */
int rules_evaluate_messages(const struct conf *c, const struct msg_features *msgs, size_t n,
			    int64_t now, struct eval **ret);
int rules_evaluate(const struct conf *c, struct store *s, int64_t now, struct eval **ret);
struct eval *eval_free(struct eval *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eval *, eval_free)
#define _cleanup_eval_free_ _cleanup_(eval_freep)

const struct client_eval *eval_find_client(const struct eval *e, const char *id);
/* Comma-separated names of the red symbols ("ABUSE,VOLUME"), "" if none.
 * Sorted by name, so two lists compare with streq(). NULL on OOM. */
char *client_eval_red_symbols(const struct client_eval *ce);

/* How far back rules_evaluate() reads the store. */
#define RULES_HISTORY_SEC (9 * 7 * SEC_PER_DAY)

/* Is the owner's language French ([owner] language = fr)? Everything else is English. */
bool rules_lang_fr(const struct conf *c);
#define RULES_DATE_MAX 48
/* t in the zone tz (NULL: UTC), in the owner's language: "Thu 19 Nov" /
 * "jeu 19 nov", with_time: "Sat 21 Nov 23:40" / "sam 21 nov 23:40".
 * Always returns buf (on failure "?"). */
const char *rules_format_date(const struct conf *c, GTimeZone *tz, int64_t t, bool with_time,
			      char buf[static RULES_DATE_MAX]);
/* Effective COST thresholds of a client (hourly rates): the client's or
 * [thresholds] cost.pink / cost.red, NAN meaning pink = [owner]
 * min_hourly_rate and red = half of pink. Returns false when COST is not
 * evaluated for this client (no revenue_per_month or no floor). */
bool rules_cost_thresholds(const struct conf *c, const struct conf_client *cl, double *ret_pink,
			   double *ret_red);
/* The phrases of one message that count for category cat, from its evidence
 * lines, quoted and comma-separated: "“inadmissible”, “déçu”" (at most a
 * few, bounded). "" when none (or no evidence stored). NULL on OOM. */
char *rules_message_phrases(const struct msg_features *f, enum category cat);
