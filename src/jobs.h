/* SPDX-License-Identifier: MIT */
#pragma once

/* Everything periodic lives here: sync of every account, evaluation and
 * alert decisions, outbox delivery, the daily snapshot and retention.
 * `redflagd --once` runs jobs_run_pass() once; the daemon runs the same
 * pass on its timers. Last runs are kept in SQLite (table jobs). */

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "lexicon.h"
#include "store.h"

struct jobs_stats {
	unsigned accounts_failed;
	unsigned messages_stored;
	unsigned alerts_queued;
	unsigned alerts_sent;
	unsigned alerts_failed;
};

/* One full pass: sync (every account; one bad account never stops the
 * others), evaluate + alert decisions, deliver what is due, then the daily
 * jobs if due. Returns 0, or a negative errno when something failed (the
 * pass still did everything it could). */
int jobs_run_pass(const struct conf *c, struct store *s, const struct lexicon *lx, bool sync,
		  struct jobs_stats *ret);

/* Evaluation + alert decisions + delivery only (no IMAP). */
int jobs_evaluate_and_deliver(const struct conf *c, struct store *s, struct jobs_stats *stats);
