/* SPDX-License-Identifier: MIT */
#pragma once

/* One message read the same way everywhere (sync, scan, rescan): decoded
 * text -> client's own words -> tone -> features. Pure. */

#include "lexicon.h"
#include "mime-text.h"
#include "model.h"
#include "tone.h"

struct analysis {
	char *clean_text;        /* the client's own words (may be "") */
	struct tone_result tone;
};

void analysis_done(struct analysis *a);

/* Fills the header-derived and tone fields of *f (msgkey, sender, date,
 * automated, tone, label, language, categories, evidence if store_evidence)
 * from m; account/folder/uid/internal_date/size are the caller's. lx may be
 * NULL (no tone: f->scored = false). ret_analysis may be NULL. */
int analyse_message(const struct mime_message *m, const struct lexicon *lx, bool store_evidence,
		    struct msg_features *f, struct analysis *ret_analysis);
