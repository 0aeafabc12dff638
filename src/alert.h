/* SPDX-License-Identifier: MIT */
#pragma once

/* Alert decisions (like a good alert manager) and alert composition (GMime,
 * in the owner's language). An alert is queued in the outbox in the same
 * transaction as the new alert state, so a crash never loses or doubles one. */

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "rules.h"
#include "store.h"

/* journald MESSAGE_ID= of the alert events (log_event()), for
 * `journalctl MESSAGE_ID=...`. Fields: REDFLAG_CLIENT=, REDFLAG_LEVEL=,
 * REDFLAG_ALERT_ID= (the alert's Message-ID without <>). */
#define ALERT_MESSAGE_QUEUED "bec6ef2136384440be7836c3852ba98f"    /* queued in the outbox */
#define ALERT_MESSAGE_DELIVERED "519e1fd5ab11454488b5c31005f20771" /* accepted by the SMTP server */
#define ALERT_MESSAGE_DEFERRED "d4ec2c92bbcb4ad4b5a737ff8a73a26c"  /* temporary failure, will retry */
#define ALERT_MESSAGE_FAILED "07ffd850328d482d908022bee85fb789"    /* permanently refused */

/* Bounds on what goes into an alert from hostile input (evidence lines). */
#define ALERT_EVIDENCE_MAX_CHARS 240

enum alert_kind {
	ALERT_NONE,      /* nothing to send */
	ALERT_RAISE,     /* level rose, or a new red symbol appeared, or cooldown over */
	ALERT_RECOVERED, /* back to none after an alert */
	ALERT_TEST,      /* redflag test-alert */
	_ALERT_KIND_MAX,
	_ALERT_KIND_INVALID = -EINVAL,
};

const char *alert_kind_to_string(enum alert_kind k); /* "none" "alert" "recovered" "test" */

/* Pure decision. prev may be NULL (never evaluated). Rules: send when the
 * level rises (none->pink, pink->red, none->red); the same level is not
 * re-sent inside the cooldown unless a red symbol appears that was not in
 * prev->alerted_red; after the cooldown a still-active level is re-sent;
 * a return to none after an alert gives one ALERT_RECOVERED. */
enum alert_kind alert_decide(const struct alert_state *prev, const struct client_eval *ce,
			     double cooldown_days, int64_t now);

/* Builds the whole message (CRLF, RFC 5322, UTF-8, quoted-printable) with a
 * fresh Message-ID. ce may be NULL for ALERT_TEST. */
int alert_compose(const struct conf *c, const struct client_eval *ce, enum alert_kind kind,
		  int64_t now, char **ret_message_id, char **ret_payload, size_t *ret_len);

/* For every client of e: decide, and when needed compose and queue the alert
 * and store the new state in one transaction; always store the evaluated
 * level/score. Sets *ret_queued. */
int alert_process(const struct conf *c, struct store *s, const struct eval *e, int64_t now,
		  unsigned *ret_queued);
