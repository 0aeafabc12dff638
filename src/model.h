/* SPDX-License-Identifier: MIT */
#pragma once

/* The shared vocabulary of the pipeline: signals (symbols), levels, tone
 * categories and labels, and the features stored for each message. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

enum symbol {
	SYMBOL_VOLUME,
	SYMBOL_OUT_OF_WINDOW,
	SYMBOL_AFTER_HOURS,
	SYMBOL_NEGATIVE_TONE,
	SYMBOL_FEEDBACK_IMBALANCE,
	SYMBOL_DOUBT,
	SYMBOL_PRESSURE,
	SYMBOL_ABUSE,
	SYMBOL_PAYMENT,
	SYMBOL_COST,
	_SYMBOL_MAX,
	_SYMBOL_INVALID = -EINVAL,
};

enum level {
	LEVEL_NONE,
	LEVEL_PINK,
	LEVEL_RED,
	_LEVEL_MAX,
	_LEVEL_INVALID = -EINVAL,
};

enum category {
	CATEGORY_NEGATIVE,
	CATEGORY_POSITIVE,
	CATEGORY_DOUBT,
	CATEGORY_PRESSURE,
	CATEGORY_ABUSE,
	CATEGORY_PAYMENT,
	_CATEGORY_MAX,
	_CATEGORY_INVALID = -EINVAL,
};

enum tone_label {
	TONE_NEUTRAL,
	TONE_NEGATIVE,
	TONE_POSITIVE,
	_TONE_LABEL_MAX,
	_TONE_LABEL_INVALID = -EINVAL,
};

/* "VOLUME", "OUT_OF_WINDOW", ... and back (case-insensitive). */
const char *symbol_to_string(enum symbol s);
enum symbol symbol_from_string(const char *s);
/* "none", "pink", "red". */
const char *level_to_string(enum level l);
enum level level_from_string(const char *s);
/* "negative", "positive", "doubt", "pressure", "abuse", "payment". */
const char *category_to_string(enum category c);
enum category category_from_string(const char *s);
/* "neu", "neg", "pos". */
const char *tone_label_to_string(enum tone_label l);
enum tone_label tone_label_from_string(const char *s);
/* Label of a score in [-1, 1]: neg <= -0.05, pos >= 0.05, else neu. */
enum tone_label tone_label_from_score(double score);

/* What is stored for one message: features only, never the body. */
struct msg_features {
	char *msgkey;          /* Message-ID without <>, or "hash:<sha256 hex>" of the header */
	char *account;         /* [account "NAME"] */
	char *folder;          /* folder name as the server spells it (UTF-8) */
	uint32_t uidvalidity;
	uint32_t uid;
	char *sender;          /* lower-case addr-spec of From:, "" when none */
	int64_t internal_date; /* IMAP INTERNALDATE, seconds since the epoch */
	int64_t date;          /* Date: header, 0 when missing or unparsable */
	uint64_t size;         /* RFC822.SIZE */
	bool automated;        /* Auto-Submitted, Precedence, List-Id, MAILER-DAEMON... */
	bool scored;           /* tone fields below are valid */
	double tone;           /* [-1, 1] */
	enum tone_label label;
	char language[8];      /* "fr", "en", "mixed", "" */
	unsigned categories[_CATEGORY_MAX]; /* hit counts per category */
	char *evidence;        /* hits as lines "CATEGORY\tNEGATED(0|1)\tWEIGHT\tPHRASE\n"
				  (at most MODEL_MAX_EVIDENCE bytes, phrases without tabs or
				  newlines), NULL when none or when store_evidence = no */
};

#define MODEL_MAX_EVIDENCE 2048

void msg_features_done(struct msg_features *f);
