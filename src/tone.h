/* SPDX-License-Identifier: MIT */
#pragma once

/* Tone of a cleaned text, French and English: score in [-1, 1], label,
 * per-category hit counts and the matched phrases as evidence. Pure. */

#include <stdbool.h>
#include <stddef.h>

#include "lexicon.h"
#include "model.h"

#define TONE_MAX_HITS 64 /* evidence kept per message; counts go on */

struct tone_hit {
        char *phrase;      /* as written in the text (not folded), trimmed */
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

int tone_analyse(const struct lexicon *lx, const char *text, size_t len, struct tone_result *ret);
void tone_result_done(struct tone_result *r);

/* JSON object {"score": -0.62, "label": "neg", "categories": {"negative": 2}}
 * as printed by `redflag tone` (only non-zero categories). NULL on OOM. */
char *tone_result_to_json(const struct tone_result *r);
/* JSON array of hits [{"phrase","category","weight","negated"}], NULL on OOM. */
char *tone_hits_to_json(const struct tone_result *r);
