/* SPDX-License-Identifier: MIT */
#pragma once

/* Tone lexicons: UTF-8 files, one entry a line, `phrase<TAB>category<TAB>weight`,
 * `#` comments. Categories: negative positive doubt pressure abuse payment
 * (valence in [-4, 4]; positive > 0, others < 0) and the modifiers negator
 * booster dampener contrast target request (a multiplier). A file's language is its name's
 * prefix (fr.lex, fr-metier.lex, en.lex); others apply to both. Files of
 * later directories merge entry by entry keyed by (phrase, category);
 * weight 0 removes an entry. Phrases are stored folded (NFKD, case fold,
 * accents stripped) and tokenised. Bad lines are reported and skipped. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

#define LEXICON_MAX_LINE 1024
#define LEXICON_MAX_PER_WORD 256U /* entries starting with the same word */
#define LEXICON_MAX_FILE (8U * 1024U * 1024U)
#define LEXICON_MAX_PHRASE 256U /* bytes of a phrase as written */
#define LEXICON_MAX_WORDS 8U    /* words of a phrase */
#define LEXICON_MAX_TOKEN 128U  /* bytes of one folded word; longer words never match */

/* Modifier multipliers accepted in a lexicon file. */
#define LEXICON_NEGATOR_MIN (-2.0)     /* negator in [-2, 0) */
#define LEXICON_BOOSTER_MAX 4.0        /* booster in (1, 4] */
#define LEXICON_CONTRAST_MAX 2.0       /* contrast in (1, 2]: after x w, before x (2 - w) */
#define LEXICON_TARGET_MAX 2.0         /* target in (1, 2]: negative wording in its sentence x w */
/* request in (0, 1): mild negative wording in its sentence ("could you fix
 * the typo?") x w, and alone it never makes a message negative */
#define LEXICON_VALENCE_MAX 4.0        /* categories: |valence| <= 4 */

enum lexicon_lang {
	LEXICON_LANG_FR = 1 << 0,
	LEXICON_LANG_EN = 1 << 1,
	LEXICON_LANG_ALL = LEXICON_LANG_FR | LEXICON_LANG_EN,
};

/* Index of a language in lexicon_entry.weight[]. */
enum {
	LEXICON_FR,
	LEXICON_EN,
	_LEXICON_N_LANG,
};

/* What an entry is: one of enum category (0 .. _CATEGORY_MAX - 1) or a modifier. */
enum lexicon_kind {
	LEXICON_NEGATOR = _CATEGORY_MAX,
	LEXICON_BOOSTER,
	LEXICON_DAMPENER,
	LEXICON_CONTRAST,
	LEXICON_TARGET,   /* words aiming at the provider ("you", "vous"): a multiplier */
	LEXICON_REQUEST,  /* polite request markers ("could you", "pourriez-vous"): a multiplier */
	_LEXICON_KIND_MAX,
	_LEXICON_KIND_INVALID = -EINVAL,
};

/* "negative" ... "payment", "negator", "booster", "dampener", "contrast", "target",
 * "request". */
const char *lexicon_kind_to_string(int kind);
int lexicon_kind_from_string(const char *s);

struct lexicon_entry {
	const char *words[LEXICON_MAX_WORDS]; /* folded words */
	uint32_t hashes[LEXICON_MAX_WORDS];   /* lexicon_hash_word() of each */
	unsigned n_words;
	int kind;                        /* enum category or enum lexicon_kind */
	double weight[_LEXICON_N_LANG];  /* per language; 0: absent */
};

struct lexicon;

struct lexicon *lexicon_new(void);
struct lexicon *lexicon_free(struct lexicon *lx);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lexicon *, lexicon_free)
#define _cleanup_lexicon_free_ _cleanup_(lexicon_freep)

/* Language mask of a lexicon file from its name (directories ignored):
 * "fr" or "en" followed by '.', '-' or '_' (any case), else both. */
enum lexicon_lang lexicon_lang_from_filename(const char *name);

/* Pure: merges one file's content (name gives the language and the FILE of
 * messages). Returns the number of bad lines (each added to diag, which may
 * be NULL), -ENOMEM. */
int lexicon_add_buffer(struct lexicon *lx, const char *name, const char *buf, size_t len,
		       struct diag *diag);
/* Merges every *.lex file of dir in name order; a missing dir is not an error.
 * Returns the number of problems (bad lines, unreadable files), -ENOMEM. */
int lexicon_add_dir(struct lexicon *lx, const char *dir, struct diag *diag);

/* The default lexicon: REDFLAGD_LEXICON_DIR, else `dir` (the config's
 * lexicon_dir) if not NULL, else LEXICONDIR; then SYSCONFDIR/redflagd/lexicon
 * merged over it. -ENOENT when no entry at all could be loaded. */
int lexicon_load_default(const char *dir, struct lexicon **ret, struct diag *diag);

/* Number of active entries (an entry active in both languages counts once). */
size_t lexicon_size(const struct lexicon *lx);

/* Hash of a folded word, as in lexicon_token.hash. */
uint32_t lexicon_hash_word(const char *word);

/* Entries whose first folded word is `word`, longest first (inactive ones
 * included: check the weight); NULL and *ret_n = 0 when none. */
const struct lexicon_entry *const *lexicon_lookup(const struct lexicon *lx, const char *word,
						  size_t *ret_n);
/* The same with the word's hash known; also gives in *ret_stop the
 * languages (enum lexicon_lang mask, 0: none) of which word is a function
 * word ("the", "est"), used to tell French from English. */
const struct lexicon_entry *const *lexicon_lookup_hashed(const struct lexicon *lx, const char *word,
							 uint32_t hash, unsigned *ret_stop,
							 size_t *ret_n);
/* Key of an entry for fast scans: its number of words in the high 32 bits,
 * the hash of its second word (0 for a single word) in the low 32 bits. */
static inline uint64_t lexicon_entry_key(const struct lexicon_entry *e)
{
	return ((uint64_t) e->n_words << 32) | (e->n_words > 1 ? e->hashes[1] : 0);
}
/* What the lexicon holds for one first word, for fast scans. */
struct lexicon_view {
	const struct lexicon_entry *const *entries; /* longest first; NULL when none */
	const uint64_t *keys;  /* lexicon_entry_key() of each entry, same order */
	size_t n;              /* entries */
	size_t n_multi;        /* the first n_multi entries have several words */
	uint64_t bloom;        /* bit (hash % 64) of the second word of each of those */
	unsigned stop;         /* enum lexicon_lang: function word of */
};
/* lexicon_lookup_hashed() as a view; *ret is zeroed when the word is unknown. */
void lexicon_lookup_view(const struct lexicon *lx, const char *word, uint32_t hash, struct lexicon_view *ret);
/* Weight of an entry for a text of languages `langs`: French first, then
 * English; 0 when the entry is not active there. */
double lexicon_entry_weight(const struct lexicon_entry *e, enum lexicon_lang langs);
/* Weight of (phrase, kind) in one language (phrase as written in a file), 0
 * when absent. -EINVAL for an unusable phrase. */
int lexicon_get(const struct lexicon *lx, const char *phrase, int kind, enum lexicon_lang lang,
		double *ret);

/* Words of a text: letters, digits and marks; an apostrophe inside a word
 * ends the elided word ("n'est" -> "n'" "est") except English clitics
 * ("don't", "it's" stay whole). Each word is folded (NFKD, case fold, marks
 * stripped, typographic apostrophes -> ', oe/ae ligatures split) into buf.
 * Invalid UTF-8 separates words. */
struct lexicon_token {
	size_t start, end; /* bytes of the word in the original text */
	size_t folded;     /* offset in buf of the NUL-terminated folded word ("" when too long) */
	uint32_t hash;     /* lexicon_hash_word() of the folded word */
	bool caps;         /* at least 3 letters, all upper case */
	bool has_lower;    /* at least one lower-case letter */
	bool elongated;    /* a letter written 3 times or more in a row ("sooo") */
	bool symbol;       /* an emoticon or an emoji, not a word */
};

struct lexicon_tokens {
	struct lexicon_token *tokens;
	size_t n, n_allocated;
	char *buf;
	size_t buf_len, buf_allocated;
};

/* Emoticons and emoji are words of their own, folded to one canonical form
 * so that a lexicon can list them: ":-)" ":]" "=)" ":)))" -> ":)", ":-D" ->
 * ":d", ":'-(" -> ":'(", "<3", "</3", "^_^" -> "^^"; an emoji is its first
 * code point (variation selectors, skin tones and ZWJ sequences dropped).
 * An emoticon needs no letter or digit right after it (":/" in a URL, "C:P"
 * are not). */
#define LEXICON_MAX_EMOTICON 12U /* bytes of an emoticon as written */

/* Collapses every run of 3 or more identical ASCII letters of a folded word
 * to `keep` (1 or 2) letters, in place ("sooo" -> "so" or "soo"). Returns
 * whether the word changed. */
bool lexicon_collapse_elongation(char *word, unsigned keep);

/* Appends the words of text to t. keep_trailing_apostrophe keeps a final
 * apostrophe ("n'" as written in a lexicon). 0 or -ENOMEM. */
int lexicon_tokenize(const char *text, size_t len, bool keep_trailing_apostrophe,
		     struct lexicon_tokens *t);
void lexicon_tokens_done(struct lexicon_tokens *t);
static inline const char *lexicon_token_word(const struct lexicon_tokens *t, size_t i)
{
	return t->buf + t->tokens[i].folded;
}
