/* SPDX-License-Identifier: MIT */
#pragma once

/* Tone lexicons: UTF-8 files, one entry a line, `phrase<TAB>category<TAB>weight`,
 * `#` comments. Categories: negative positive doubt pressure abuse payment
 * (valence in [-4, 4]; positive > 0, others < 0) and the modifiers negator
 * booster dampener contrast (a multiplier). A file's language is its name's
 * prefix (fr.lex, fr-metier.lex, en.lex); others apply to both. Files of
 * later directories merge entry by entry keyed by (phrase, category);
 * weight 0 removes an entry. Phrases are stored folded (NFKD, case fold,
 * accents stripped) and tokenised. Bad lines are reported and skipped. */

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define LEXICON_MAX_LINE 1024
#define LEXICON_MAX_FILE (8U * 1024U * 1024U)

enum lexicon_lang {
        LEXICON_LANG_FR = 1 << 0,
        LEXICON_LANG_EN = 1 << 1,
        LEXICON_LANG_ALL = LEXICON_LANG_FR | LEXICON_LANG_EN,
};

struct lexicon;

struct lexicon *lexicon_new(void);
struct lexicon *lexicon_free(struct lexicon *lx);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lexicon *, lexicon_free)
#define _cleanup_lexicon_free_ _cleanup_(lexicon_freep)

/* Pure: merges one file's content (name gives the language and the FILE of
 * messages). Returns the number of bad lines (each added to diag), -ENOMEM. */
int lexicon_add_buffer(struct lexicon *lx, const char *name, const char *buf, size_t len,
                       struct diag *diag);
/* Merges every *.lex file of dir in name order; a missing dir is not an error. */
int lexicon_add_dir(struct lexicon *lx, const char *dir, struct diag *diag);

/* The default lexicon: REDFLAGD_LEXICON_DIR, else `dir` (the config's
 * lexicon_dir) if not NULL, else LEXICONDIR; then SYSCONFDIR/redflagd/lexicon
 * merged over it. -ENOENT when no entry at all could be loaded. */
int lexicon_load_default(const char *dir, struct lexicon **ret, struct diag *diag);

size_t lexicon_size(const struct lexicon *lx);
