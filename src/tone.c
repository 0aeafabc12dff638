/* SPDX-License-Identifier: MIT */
/* Lexicon-based tone of a client's words, in the spirit of VADER, tuned for
 * client email:
 *   - the text is cut into folded words (lexicon_tokenize()); the punctuation
 *     between words gives sentences (. ! ? ... blank line) and clauses
 *     (, ; : brackets quotes dashes);
 *   - the language (fr, en, mixed) comes from stop-word counts and decides
 *     which entries apply;
 *   - phrases match greedily, longest first, looked up by their first word;
 *   - a negator up to TONE_WINDOW words before a hit (TONE_WIDE_WINDOW for a
 *     negator of several words: "don't think", "ne pense pas"), in the same
 *     clause, flips and damps it: a negated positive counts as negative, a
 *     negated negative counts nowhere and lifts the score a little
 *     (TONE_LITOTES: "not bad") unless the message complains, a negated
 *     doubt/pressure/abuse/payment counts nowhere and weighs 0;
 *   - boosters and dampeners in the same window multiply the valence,
 *     ALL-CAPS hits weigh TONE_CAPS_FACTOR more, '!' amplify their sentence,
 *     a target word ("you", "vous") amplifies the negative and abusive hits
 *     of its sentence;
 *   - a contrast word ("but", "mais") weighs the rest of its sentence by its
 *     multiplier w and what came before by 2 - w (at the start of a sentence,
 *     the previous sentence); in a complaint, praise before it is damped
 *     again (TONE_CONTRAST_DAMP);
 *   - sarcasm: a praise word alone in a short clause ("Great, another
 *     delay.", "Brilliant.") next to a negative hit (same or adjacent
 *     sentence) counts as negative;
 *   - a polite request marker ("could you", "pourriez-vous", "merci de")
 *     multiplies the mild negative hits of its sentence (valence no
 *     stronger than TONE_REQUEST_MILD: "could you fix the typo?") and makes
 *     them count like doubt and pressure: fully only in a message that
 *     complains anyway;
 *   - emoticons and emoji are words of the lexicon (lexicon_tokenize()),
 *     never negated nor boosted by the words before them;
 *   - an elongated word ("sooo", "looove") the lexicon does not know is
 *     looked up again with its runs of letters cut to two, then one;
 *   - doubt, pressure and payment count in their categories; they weigh
 *     fully only in a message with negative wording, otherwise a small share
 *     capped so that they never make a message "neg" on their own;
 *   - courtesy formulas (positive entries <= TONE_COURTESY_MAX) weigh at most
 *     TONE_COURTESY_CAP together and nothing at all in a message that
 *     complains, so "Thanks" never cancels a complaint;
 *   - score = S / sqrt(S^2 + TONE_ALPHA), S the sum of the contributions
 *     (a hit's evidence weight is its full valence after modifiers). */
#include <math.h>
#include <stdint.h>

#include "json.h"
#include "tone.h"

/* Punctuation after a word. */
#define GAP_SENTENCE 0x01U
#define GAP_CLAUSE 0x02U
#define GAP_BANGS_SHIFT 4 /* number of '!' (at most 15) in the high bits */

#define HIT_PHRASE_MAX 256U

struct unit {
	size_t first, n;    /* tokens */
	size_t item;        /* position, a unit or a lone word counting one */
	size_t sentence, clause;
	double w[_LEXICON_KIND_MAX];
	bool has_category;
	bool wide;          /* a negator of several words */
	bool self_negated;  /* the phrase holds a negator: "toujours pas", "no answer" */
};

struct sentence {
	unsigned bangs;
	double target;      /* largest target multiplier in it, 0: none */
	double request;     /* smallest request multiplier in it, 0: none */
	bool trouble;       /* holds a negative, abusive or payment hit (sarcasm) */
	size_t first_item;
	bool has_contrast;
	size_t contrast_item;
	double contrast;
};

struct raw_hit {
	size_t unit;
	enum category category;
	double weight;     /* evidence: valence after modifiers */
	double sum;        /* what it adds to the score */
	bool counts, negated, courtesy;
	bool before_contrast; /* weighed down by a contrast word after it */
	bool isolated;     /* alone in a short clause */
	bool request;      /* mild negative wording in a polite request */
};

struct vec {
	void *p;
	size_t n, allocated, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->allocated) {
		size_t n = MAX(v->allocated * 2, (size_t) 16);
		void *p = reallocarray(v->p, n, v->size);

		if (!p)
			return NULL;
		v->p = p;
		v->allocated = n;
	}
	return memset((char *) v->p + v->size * v->n++, 0, v->size);
}

/* What the lexicon knows of one word of the text. */
struct word_info {
	const struct lexicon_entry *const *entries; /* starting with this word */
	const uint64_t *keys;                       /* lexicon_entry_key() of each */
	size_t n_entries, n_multi;
	uint64_t bloom;                             /* second words of the n_multi first */
};

/* ---- language ----------------------------------------------------------- */

static enum lexicon_lang language_of(size_t fr, size_t en, char ret[8])
{
	if (fr > 0 && fr >= 3 * en) {
		memcpy(ret, "fr", 3);
		return LEXICON_LANG_FR;
	}
	if (en > 0 && en >= 3 * fr) {
		memcpy(ret, "en", 3);
		return LEXICON_LANG_EN;
	}
	memcpy(ret, "mixed", 6);
	return LEXICON_LANG_ALL;
}

/* ---- punctuation -------------------------------------------------------- */

static uint8_t scan_gap(const char *s, size_t len, bool at_end)
{
	unsigned bangs = 0, flags = 0, newlines = 0;

	if (at_end)
		flags |= GAP_SENTENCE;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		switch (c) {
		case '!':
			bangs++;
			flags |= GAP_SENTENCE;
			break;
		case '?':
			flags |= GAP_SENTENCE;
			break;
		case '.':
			/* "1.5", "acme.example": a lone dot between two words. */
			if (len > 1 || at_end)
				flags |= GAP_SENTENCE;
			break;
		case '\n':
			if (++newlines >= 2)
				flags |= GAP_SENTENCE;
			break;
		case ' ':
		case '\t':
		case '\r':
			break;
		case ',':
		case ';':
		case ':':
		case '(':
		case ')':
		case '[':
		case ']':
		case '"':
		case '*':
		case '/':
		case '|':
			flags |= GAP_CLAUSE;
			break;
		case '-':
			/* "peut-être" joins, " - " separates. */
			if (len > 1)
				flags |= GAP_CLAUSE;
			break;
		case 0xE2:
			/* U+2026 ... ends a sentence; U+2013/2014 dashes,
			 * U+201C/201D quotes separate clauses. */
			if (i + 2 < len && (unsigned char) s[i + 1] == 0x80) {
				unsigned char d = (unsigned char) s[i + 2];

				if (d == 0xA6)
					flags |= GAP_SENTENCE;
				else if (d == 0x93 || d == 0x94 || d == 0x9C || d == 0x9D)
					flags |= GAP_CLAUSE;
			}
			break;
		case 0xC2:
			/* U+00AB U+00BB guillemets. */
			if (i + 1 < len && ((unsigned char) s[i + 1] == 0xAB ||
					    (unsigned char) s[i + 1] == 0xBB))
				flags |= GAP_CLAUSE;
			break;
		default:
			break;
		}
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			newlines = newlines >= 2 ? newlines : 0;
	}
	return (uint8_t) (flags | (MIN(bangs, 15U) << GAP_BANGS_SHIFT));
}

static double bang_factor(unsigned bangs)
{
	if (bangs == 0)
		return 1.0;
	if (bangs == 1)
		return 1.1;
	return 1.0 + 0.15 * MIN(bangs, 4U);
}

/* ---- matching ----------------------------------------------------------- */

/* Whether a word is on its own an active negator. */
static bool is_negator(const struct word_info *wi, enum lexicon_lang langs)
{
	/* Longest first: the one-word entries are last. */
	for (size_t k = wi->n_entries; k-- > 0;) {
		const struct lexicon_entry *e = wi->entries[k];

		if (e->n_words > 1)
			break;
		if (e->kind == LEXICON_NEGATOR && lexicon_entry_weight(e, langs) != 0)
			return true;
	}
	return false;
}

/* Finds the longest phrase starting at token i; fills u and returns its
 * number of words, 0 when no active entry matches. */
static size_t match_at(const struct lexicon_tokens *t, const struct word_info *wi, const uint8_t *gap,
		       size_t i, enum lexicon_lang langs, struct unit *u)
{
	size_t len = 0, room = 1, k0;

	/* How many words follow in the same clause. */
	while (room < LEXICON_MAX_WORDS && i + room < t->n &&
	       (gap[i + room - 1] & (GAP_SENTENCE | GAP_CLAUSE)) == 0)
		room++;

	/* No phrase of several words can follow: straight to the single words. */
	k0 = room > 1 && (wi[i].bloom & (UINT64_C(1) << (t->tokens[i + 1].hash % 64))) ? 0 : wi[i].n_multi;

	for (size_t k = k0; k < wi[i].n_entries; k++) {
		const struct lexicon_entry *e;
		uint64_t key = wi[i].keys[k];
		size_t n_words = (size_t) (key >> 32);
		bool ok = true;
		double w;

		/* The keys are scanned without touching the entries. */
		if (n_words < len)
			break;
		if (n_words > room || (n_words > 1 && (uint32_t) key != t->tokens[i + 1].hash))
			continue;
		e = wi[i].entries[k];
		for (unsigned j = 1; j < e->n_words && ok; j++)
			ok = e->hashes[j] == t->tokens[i + j].hash &&
			     streq(e->words[j], lexicon_token_word(t, i + j));
		if (!ok)
			continue;
		w = lexicon_entry_weight(e, langs);
		if (w == 0)
			continue;
		len = e->n_words;
		if (e->kind == LEXICON_NEGATOR && e->n_words > 1)
			u->wide = true;
		if (u->w[e->kind] == 0)
			u->w[e->kind] = w;
		if (e->kind < _CATEGORY_MAX)
			u->has_category = true;
	}
	/* A phrase that carries its own negation ("toujours pas", "no
	 * answer") is not negated again by the "ne"/"n'" before it. */
	if (u->has_category && len > 1)
		for (size_t j = 0; j < len && !u->self_negated; j++)
			u->self_negated = is_negator(&wi[i + j], langs);
	return len;
}

/* Whether the phrase of u stands in a clause of at most TONE_SARCASM_WORDS
 * words ("Great, ...", "Well, that's just perfect."). */
static bool isolated(const struct lexicon_tokens *t, const uint8_t *gap, const struct unit *u)
{
	size_t words = u->n;

	for (size_t j = u->first; j > 0 && (gap[j - 1] & (GAP_SENTENCE | GAP_CLAUSE)) == 0; j--)
		if (++words > TONE_SARCASM_WORDS)
			return false;
	for (size_t j = u->first + u->n - 1; j + 1 < t->n && (gap[j] & (GAP_SENTENCE | GAP_CLAUSE)) == 0; j++)
		if (++words > TONE_SARCASM_WORDS)
			return false;
	return words <= TONE_SARCASM_WORDS;
}

/* An elongated word unknown as written ("sooo", "looove"): its runs of
 * letters cut to two, then to one; the first form the lexicon knows
 * replaces the folded word (shorter, in place). */
static void lookup_elongated(const struct lexicon *lx, struct lexicon_tokens *t, size_t i,
			     struct lexicon_view *v)
{
	char *word = t->buf + t->tokens[i].folded;
	size_t len = strlen(word);
	char w[LEXICON_MAX_TOKEN + 1];

	if (len == 0 || len > LEXICON_MAX_TOKEN)
		return;
	for (unsigned keep = 2; keep >= 1; keep--) {
		uint32_t h;

		memcpy(w, word, len + 1);
		if (!lexicon_collapse_elongation(w, keep))
			return;
		h = lexicon_hash_word(w);
		lexicon_lookup_view(lx, w, h, v);
		if (v->n > 0 || v->stop != 0) {
			memcpy(word, w, strlen(w) + 1);
			t->tokens[i].hash = h;
			return;
		}
	}
}

/* ---- result ------------------------------------------------------------- */

void tone_result_done(struct tone_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_hits; i++) {
		free(r->hits[i].phrase);
		free(r->hits[i].context);
	}
	free(r->hits);
	r->hits = NULL;
	r->n_hits = 0;
}

/* C1 controls and bidi marks/overrides (U+0080-U+009F, U+200E/F,
 * U+202A-U+202E, U+2066-U+2069): they could disguise an evidence snippet
 * quoted in an alert. Returns their length in bytes, 0 for anything else. */
static size_t invisible_control_len(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		return 2;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE)))
		return 3;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
		return 3;
	return 0;
}

/* The words of a hit as written, white space and controls folded to one space. */
static char *hit_phrase(const char *text, size_t start, size_t end)
{
	size_t n = 0, len = MIN(end - start, (size_t) HIT_PHRASE_MAX);
	char *p = malloc(len + 1);
	bool space = false;

	if (!p)
		return NULL;
	for (size_t i = start; i < start + len; i++) {
		unsigned char c = (unsigned char) text[i];
		size_t ctl = invisible_control_len((const unsigned char *) text + i, start + len - i);

		if (c < 0x20 || c == 0x7F || c == ' ' || ctl > 0) {
			space = true;
			if (ctl > 1)
				i += ctl - 1;
			continue;
		}
		if (space && n > 0)
			p[n++] = ' ';
		space = false;
		p[n++] = (char) c;
	}
	/* Do not leave a truncated UTF-8 sequence at the end. */
	if (end - start > len) {
		size_t k = n;

		while (k > 0 && ((unsigned char) p[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && (unsigned char) p[k - 1] >= 0xC0)
			n = k - 1;
	}
	p[n] = '\0';
	return p;
}

int tone_analyse(const struct lexicon *lx, const char *text, size_t len, struct tone_result *ret)
{
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};
	struct vec units = { .size = sizeof(struct unit) }, hits = { .size = sizeof(struct raw_hit) };
	_cleanup_free_ uint8_t *gap = NULL;
	_cleanup_free_ struct word_info *wi = NULL;
	_cleanup_free_ struct sentence *sent = NULL;
	struct tone_result res = {};
	enum lexicon_lang langs;
	size_t n_sent = 1, item = 0, sentence = 0, clause = 0, fr = 0, en = 0;
	bool text_has_lower = false, complaint = false, negative_hits = false;
	double sum = 0, courtesy = 0, side = 0;
	int r;

	if (!lx || !ret || (!text && len > 0))
		return -EINVAL;

	r = lexicon_tokenize(text, len, false, &t);
	if (r < 0)
		goto finish;
	if (t.n > 0) {
		gap = malloc(t.n);
		wi = reallocarray(NULL, t.n, sizeof(*wi));
		if (!gap || !wi) {
			r = -ENOMEM;
			goto finish;
		}
	}
	for (size_t i = 0; i < t.n; i++) {
		bool last = i + 1 == t.n;
		size_t end = last ? len : t.tokens[i + 1].start;
		unsigned stop;

		struct lexicon_view v;

		lexicon_lookup_view(lx, lexicon_token_word(&t, i), t.tokens[i].hash, &v);
		if (v.n == 0 && v.stop == 0 && t.tokens[i].elongated)
			lookup_elongated(lx, &t, i, &v);
		wi[i] = (struct word_info) {
			.entries = v.entries,
			.keys = v.keys,
			.n_entries = v.n,
			.n_multi = v.n_multi,
			.bloom = v.bloom,
		};
		stop = v.stop;
		if (stop & LEXICON_LANG_FR)
			fr++;
		else if (stop & LEXICON_LANG_EN)
			en++;
		gap[i] = scan_gap(text + t.tokens[i].end, end - t.tokens[i].end, last);
		if (gap[i] & GAP_SENTENCE)
			n_sent++;
		text_has_lower = text_has_lower || t.tokens[i].has_lower;
	}
	langs = language_of(fr, en, res.language);
	sent = calloc(n_sent, sizeof(*sent));
	if (!sent) {
		r = -ENOMEM;
		goto finish;
	}

	/* Pass 1: phrases, sentences, clauses. */
	for (size_t i = 0; i < t.n;) {
		size_t k = 0;
		uint8_t g;

		if (wi[i].n_entries > 0) {
			struct unit *u = vec_push(&units);

			if (!u) {
				r = -ENOMEM;
				goto finish;
			}
			k = match_at(&t, wi, gap, i, langs, u);
			if (k == 0)
				units.n--; /* no phrase here after all */
			else {
				u->first = i;
				u->n = k;
				u->item = item;
				u->sentence = sentence;
				u->clause = clause;
				sent[sentence].target = MAX(sent[sentence].target, u->w[LEXICON_TARGET]);
				if (u->w[LEXICON_REQUEST] != 0 &&
				    (sent[sentence].request == 0 || u->w[LEXICON_REQUEST] < sent[sentence].request))
					sent[sentence].request = u->w[LEXICON_REQUEST];
				if (u->w[LEXICON_CONTRAST] != 0) {
					sent[sentence].has_contrast = true;
					sent[sentence].contrast_item = item;
					sent[sentence].contrast = u->w[LEXICON_CONTRAST];
					clause++;
				}
			}
		}
		if (k == 0)
			k = 1;
		item++;
		i += k;
		g = gap[i - 1];
		sent[sentence].bangs += g >> GAP_BANGS_SHIFT;
		if (g & GAP_SENTENCE) {
			sentence++;
			sent[sentence].first_item = item;
			clause++;
		} else if (g & GAP_CLAUSE)
			clause++;
	}

	/* Pass 2: modifiers, hits. */
	for (size_t k = 0; k < units.n; k++) {
		const struct unit *u = (const struct unit *) units.p + k;
		const struct sentence *s = &sent[u->sentence];
		double mult = 1, neg = 0, factor;
		bool negated = false, before_contrast = false;

		if (!u->has_category)
			continue;
		/* An emoticon or emoji stands outside the syntax of its sentence:
		 * no negator or booster before it changes it ("no contest 😋"). */
		for (size_t j = k; j-- > 0 && !t.tokens[u->first].symbol;) {
			const struct unit *v = (const struct unit *) units.p + j;
			size_t dist = u->item - v->item;

			if (v->clause != u->clause || dist > TONE_WIDE_WINDOW)
				break;
			if (v->w[LEXICON_NEGATOR] != 0 && !negated && !u->self_negated &&
			    (dist <= TONE_WINDOW || v->wide)) {
				negated = true;
				neg = v->w[LEXICON_NEGATOR];
			}
			if (dist > TONE_WINDOW)
				continue;
			if (v->w[LEXICON_BOOSTER] != 0)
				mult *= v->w[LEXICON_BOOSTER];
			if (v->w[LEXICON_DAMPENER] != 0)
				mult *= v->w[LEXICON_DAMPENER];
		}
		if (text_has_lower)
			for (size_t j = u->first; j < u->first + u->n; j++)
				if (t.tokens[j].caps) {
					mult *= TONE_CAPS_FACTOR;
					break;
				}

		factor = bang_factor(s->bangs);
		if (s->has_contrast && s->contrast_item != u->item) {
			before_contrast = u->item < s->contrast_item;
			factor *= !before_contrast ? s->contrast : 2.0 - s->contrast;
		}
		if (u->sentence + 1 < n_sent) {
			const struct sentence *nx = &sent[u->sentence + 1];

			if (nx->has_contrast && nx->contrast_item == nx->first_item) {
				factor *= 2.0 - nx->contrast;
				before_contrast = true;
			}
		}

		for (int c = 0; c < _CATEGORY_MAX; c++) {
			struct raw_hit *h;
			double base = u->w[c], v = base * mult;
			enum category cat = (enum category) c;
			bool counts = true, request;

			if (base == 0)
				continue;
			if (negated) {
				if (c == CATEGORY_POSITIVE) {
					v *= neg;
					cat = CATEGORY_NEGATIVE;
				} else if (c == CATEGORY_NEGATIVE) {
					v *= neg;
					counts = false;
				} else {
					v = 0;
					counts = false;
				}
			}
			if (!negated && (c == CATEGORY_NEGATIVE || c == CATEGORY_ABUSE) && s->target > 0)
				v *= s->target;
			request = !negated && c == CATEGORY_NEGATIVE && s->request > 0 &&
				  base >= -TONE_REQUEST_MILD;
			if (request) {
				v *= s->request;
				counts = false;
			}
			h = vec_push(&hits);
			if (!h) {
				r = -ENOMEM;
				goto finish;
			}
			*h = (struct raw_hit) {
				.unit = k,
				.category = cat,
				.weight = v * factor,
				.counts = counts,
				.negated = negated,
				.courtesy = c == CATEGORY_POSITIVE && !negated &&
					    base <= TONE_COURTESY_MAX,
				.before_contrast = before_contrast,
				.isolated = c == CATEGORY_POSITIVE && isolated(&t, gap, u),
				.request = request,
			};
			h->sum = h->weight;
		}
	}

	/* Sarcasm: praise alone in a short clause next to a negative hit
	 * (same or adjacent sentence). */
	for (size_t k = 0; k < hits.n; k++) {
		const struct raw_hit *h = (const struct raw_hit *) hits.p + k;

		if (h->counts && h->weight <= -TONE_SARCASM_NEAR &&
		    (h->category == CATEGORY_NEGATIVE || h->category == CATEGORY_ABUSE ||
		     h->category == CATEGORY_PAYMENT))
			sent[((const struct unit *) units.p + h->unit)->sentence].trouble = true;
	}
	for (size_t k = 0; k < hits.n; k++) {
		struct raw_hit *h = (struct raw_hit *) hits.p + k;
		size_t si = ((const struct unit *) units.p + h->unit)->sentence;

		if (h->category != CATEGORY_POSITIVE || h->negated || h->courtesy || !h->isolated)
			continue;
		if (sent[si].trouble || (si > 0 && sent[si - 1].trouble) ||
		    (si + 1 < n_sent && sent[si + 1].trouble)) {
			h->category = CATEGORY_NEGATIVE;
			h->weight = h->sum = -fabs(h->weight);
		}
	}

	/* Does the message complain? */
	for (size_t k = 0; k < hits.n; k++) {
		const struct raw_hit *h = (const struct raw_hit *) hits.p + k;

		if (h->counts && h->weight < 0 &&
		    (h->category == CATEGORY_NEGATIVE || h->category == CATEGORY_ABUSE))
			complaint = true;
	}

	for (size_t k = 0; k < hits.n; k++) {
		struct raw_hit *h = (struct raw_hit *) hits.p + k;

		switch (h->category) {
		case CATEGORY_NEGATIVE:
			/* A negated negative: litotes, never a lift in a complaint. */
			if (h->negated && h->weight > 0)
				h->weight = h->sum = complaint ? 0 : h->weight * TONE_LITOTES;
			/* Mild wording in a polite request: like pressure. */
			if (h->request) {
				if (complaint)
					h->counts = true;
				else {
					side += h->weight;
					h->sum = 0;
				}
			}
			break;
		case CATEGORY_POSITIVE:
			if (complaint && h->before_contrast)
				h->sum *= TONE_CONTRAST_DAMP;
			if (h->courtesy)
				courtesy += h->weight;
			break;
		case CATEGORY_DOUBT:
		case CATEGORY_PRESSURE:
		case CATEGORY_PAYMENT:
			if (!complaint) {
				side += h->weight;
				h->sum = 0;
			}
			break;
		default:
			break;
		}
		if (h->weight < 0)
			negative_hits = true;
	}
	/* Doubt, pressure, payment alone: a hint, never "neg". */
	sum += MAX(side * TONE_SIDE_ALONE, -TONE_SIDE_ALONE_MAX);

	/* Courtesy never offsets a complaint, and weighs little anyway. */
	for (size_t k = 0; k < hits.n; k++) {
		struct raw_hit *h = (struct raw_hit *) hits.p + k;

		if (!h->courtesy)
			continue;
		if (negative_hits) {
			h->weight = h->sum = 0;
			h->counts = false;
		} else if (courtesy > TONE_COURTESY_CAP)
			h->sum = h->weight *= TONE_COURTESY_CAP / courtesy;
	}

	for (size_t k = 0; k < hits.n; k++) {
		const struct raw_hit *h = (const struct raw_hit *) hits.p + k;
		const struct unit *u = (const struct unit *) units.p + h->unit;
		struct tone_hit *o;

		sum += h->sum;
		if (h->counts)
			res.categories[h->category]++;
		if (h->courtesy && negative_hits)
			continue; /* dropped: not evidence of anything */
		if (res.n_hits >= TONE_MAX_HITS)
			continue;
		if (!res.hits) {
			res.hits = calloc(TONE_MAX_HITS, sizeof(*res.hits));
			if (!res.hits) {
				r = -ENOMEM;
				goto finish;
			}
		}
		o = &res.hits[res.n_hits];
		o->phrase = hit_phrase(text, t.tokens[u->first].start, t.tokens[u->first + u->n - 1].end);
		if (!o->phrase) {
			r = -ENOMEM;
			goto finish;
		}
		o->category = h->category;
		o->weight = round(h->weight * 10000.0) / 10000.0;
		o->negated = h->negated;
		res.n_hits++;
	}

	res.score = round(sum / sqrt(sum * sum + TONE_ALPHA) * 10000.0) / 10000.0;
	if (res.score == 0)
		res.score = 0; /* no "-0" */
	res.label = tone_label_from_score(res.score);
	r = 0;

finish:
	free(units.p);
	free(hits.p);
	if (r < 0) {
		tone_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

char *tone_result_to_json(const struct tone_result *r)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	bool first = true;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs("{\"score\": ", f);
	json_write_number(f, r->score);
	fputs(", \"label\": ", f);
	json_write_string(f, tone_label_to_string(r->label));
	fputs(", \"categories\": {", f);
	for (int c = 0; c < _CATEGORY_MAX; c++) {
		if (r->categories[c] == 0)
			continue;
		fprintf(f, "%s\"%s\": %u", first ? "" : ", ", category_to_string(c), r->categories[c]);
		first = false;
	}
	fputs("}}", f);
	if (ferror(f)) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

char *tone_hits_to_json(const struct tone_result *r)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputc('[', f);
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct tone_hit *h = &r->hits[i];

		fputs(i > 0 ? ", {\"phrase\": " : "{\"phrase\": ", f);
		json_write_string(f, h->phrase);
		fputs(", \"category\": ", f);
		json_write_string(f, category_to_string(h->category));
		fputs(", \"weight\": ", f);
		json_write_number(f, h->weight);
		fprintf(f, ", \"negated\": %s}", h->negated ? "true" : "false");
	}
	fputc(']', f);
	if (ferror(f)) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
