/* SPDX-License-Identifier: MIT */
#pragma once

/* Tone of a cleaned text, French and English: score in [-1, 1], label,
 * per-category hit counts and the matched phrases as evidence. Pure. */

#include <stdbool.h>
#include <stddef.h>

#include "lexicon.h"
#include "model.h"

#define TONE_MAX_HITS 64 /* evidence kept per message; counts go on */
#define TONE_CONTEXT_MAX 160 /* bytes of context kept around a hit */

/* Scoring constants (see tone.c for how they are used). */
#define TONE_WINDOW 3            /* negators/boosters act on hits up to 3 words later */
#define TONE_ALPHA 15.0          /* score = sum / sqrt(sum^2 + alpha) */
#define TONE_CAPS_FACTOR 1.5     /* ALL-CAPS hit (in a text that is not all caps) */
#define TONE_COURTESY_MAX 0.5    /* positive entries weighing <= this are courtesy formulas */
#define TONE_COURTESY_CAP 0.15   /* total courtesy weight of a message: alone, never "pos" */
#define TONE_WIDE_WINDOW 6       /* a negator of several words ("don't think") reaches this far */
#define TONE_SIDE_ALONE 0.05     /* doubt/pressure/payment without negative wording: share of */
#define TONE_SIDE_ALONE_MAX 0.15 /*   their valence in the score, at most this much: never "neg" */
#define TONE_LITOTES 0.5         /* a negated negative lifts by this share ("not bad"), 0 in a complaint */
#define TONE_CONTRAST_DAMP 0.5   /* praise before "but" in a complaint: damped again by this */
#define TONE_SARCASM_WORDS 3     /* a praise word alone in a clause this short ("Great, ...") */
#define TONE_SARCASM_NEAR 1.0    /*   next to a negative hit this strong reads as sarcasm */
#define TONE_REQUEST_MILD 1.2    /* negative entries this mild in a polite request: side only */

struct tone_hit {
	char *phrase;      /* as written in the text (not folded), trimmed; a negated
			      hit includes its negator ("not happy at all") */
	char *context;     /* a few words either side, as written, at most
			      TONE_CONTEXT_MAX bytes; NULL when not known */
	enum category category; /* category it counts under (after negation) */
	double weight;     /* contribution after modifiers */
	bool negated;
};

struct tone_result {
	double score;
	enum tone_label label;
	char language[8];  /* "fr", "en", "mixed" */
	unsigned categories[_CATEGORY_MAX];
	struct tone_hit *hits;
	size_t n_hits;
};

/* Scores text (UTF-8; invalid bytes separate words) with lx. *ret is
 * overwritten (release it with tone_result_done()). 0, -EINVAL, -ENOMEM. */
int tone_analyse(const struct lexicon *lx, const char *text, size_t len, struct tone_result *ret);
void tone_result_done(struct tone_result *r);

/* JSON object {"score": -0.62, "label": "neg", "categories": {"negative": 2}}
 * as printed by `redflag tone` (only non-zero categories). NULL on OOM. */
char *tone_result_to_json(const struct tone_result *r);
/* JSON array of hits [{"phrase","category","weight","negated"}], NULL on OOM. */
char *tone_hits_to_json(const struct tone_result *r);
