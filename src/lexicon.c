/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>

#include <utf8proc.h>

#include <sys/stat.h>

#include "lexicon.h"

/* One slot of the open-addressing table keyed by an entry's first word
 * (or a function word of a language). */
struct lexicon_slot {
	char *word;                      /* NULL: empty slot */
	uint32_t hash;
	unsigned stop;                   /* enum lexicon_lang: function word of */
	struct lexicon_entry **entries;  /* longest first */
	uint64_t *keys;                  /* lexicon_entry_key() of each entry, same order */
	size_t n_entries, n_allocated;
	size_t n_multi;                  /* entries of several words (they come first) */
	uint64_t bloom;                  /* bit (hash % 64) of each one's second word */
};

struct lexicon {
	struct lexicon_slot *slots;
	size_t n_slots; /* 0 or a power of two */
	size_t n_used;
};

/* An entry with the storage of its words. */
struct lexicon_entry_storage {
	struct lexicon_entry e;
	char words[]; /* "w1\0w2\0..." */
};

static const char *const kind_table[_LEXICON_KIND_MAX] = {
	[CATEGORY_NEGATIVE] = "negative",
	[CATEGORY_POSITIVE] = "positive",
	[CATEGORY_DOUBT] = "doubt",
	[CATEGORY_PRESSURE] = "pressure",
	[CATEGORY_ABUSE] = "abuse",
	[CATEGORY_PAYMENT] = "payment",
	[LEXICON_NEGATOR] = "negator",
	[LEXICON_BOOSTER] = "booster",
	[LEXICON_DAMPENER] = "dampener",
	[LEXICON_CONTRAST] = "contrast",
	[LEXICON_TARGET] = "target",
	[LEXICON_REQUEST] = "request",
};

const char *lexicon_kind_to_string(int kind)
{
	return kind >= 0 && kind < _LEXICON_KIND_MAX ? kind_table[kind] : NULL;
}

int lexicon_kind_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < _LEXICON_KIND_MAX; i++)
		if (strcasecmp(kind_table[i], s) == 0)
			return i;
	return -EINVAL;
}

/* ---- tokeniser ---------------------------------------------------------- */

/* FNV-1a. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261U;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char) s[i];
		h *= 16777619U;
	}
	return h;
}

uint32_t lexicon_hash_word(const char *word)
{
	return hash_bytes(word, strlen(word));
}

static bool is_apostrophe(utf8proc_int32_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0xFF07 ||
	       c == 0x00B4 || c == 0x0060;
}

/* Decodes one code point; returns its length, or -1 for an invalid byte. */
static ssize_t decode(const char *s, size_t len, utf8proc_int32_t *ret)
{
	unsigned char c = (unsigned char) s[0];
	utf8proc_ssize_t n;

	if (c < 0x80) {
		*ret = c;
		return 1;
	}
	n = utf8proc_iterate((const utf8proc_uint8_t *) s, (utf8proc_ssize_t) MIN(len, (size_t) 4), ret);
	if (n <= 0 || *ret < 0)
		return -1;
	return n;
}

enum {
	CHAR_OTHER,
	CHAR_WORD,
	CHAR_APOSTROPHE,
	CHAR_EMOTICON, /* ASCII that may start an emoticon: : ; = < > ^ */
	CHAR_EMOJI,    /* a pictographic symbol */
};

static int classify(const char *s, size_t len, size_t *ret_n, int *ret_case);

/* English clitics kept inside their word: don't, it's, I'm, we'd, you're, I've, we'll. */
static bool english_clitic(const char *s, size_t len)
{
	static const char *const clitics[] = { "t", "s", "m", "d", "re", "ve", "ll" };

	for (size_t i = 0; i < ELEMENTSOF(clitics); i++) {
		size_t k = strlen(clitics[i]);
		size_t n;
		int cs;

		if (len < k || strncasecmp(s, clitics[i], k) != 0)
			continue;
		if (len == k || classify(s + k, len - k, &n, &cs) != CHAR_WORD)
			return true;
	}
	return false;
}

static int buf_reserve(struct lexicon_tokens *t, size_t extra)
{
	size_t need = t->buf_len + extra;
	char *b;

	if (need <= t->buf_allocated)
		return 0;
	need = MAX(need, t->buf_allocated * 2);
	need = MAX(need, (size_t) 256);
	b = realloc(t->buf, need);
	if (!b)
		return -ENOMEM;
	t->buf = b;
	t->buf_allocated = need;
	return 0;
}

#define FOLD_ROOM 160 /* bytes one folded code point may take, at most */

/* Appends the folded form of one code point to t->buf, which has
 * FOLD_ROOM bytes free. */
static void fold_char(struct lexicon_tokens *t, utf8proc_int32_t c)
{
	utf8proc_int32_t dec[32];
	utf8proc_ssize_t n;

	if (is_apostrophe(c)) {
		t->buf[t->buf_len++] = '\'';
		return;
	}
	if (c < 0x80) {
		t->buf[t->buf_len++] = (char) (c >= 'A' && c <= 'Z' ? c + 32 : c);
		return;
	}
	n = utf8proc_decompose_char(c, dec, (utf8proc_ssize_t) ELEMENTSOF(dec),
				    UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_COMPAT |
					    UTF8PROC_STRIPMARK,
				    NULL);
	if (n < 0 || n > (utf8proc_ssize_t) ELEMENTSOF(dec))
		return;
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		utf8proc_int32_t d = dec[i];
		const char *lig;

		switch (d) {
		case 0x0153: /* oe ligature */
			lig = "oe";
			break;
		case 0x00E6: /* ae ligature */
			lig = "ae";
			break;
		case 0x00F8: /* o with stroke */
			lig = "o";
			break;
		case 0x0142: /* l with stroke */
			lig = "l";
			break;
		case 0x0111: /* d with stroke */
			lig = "d";
			break;
		default:
			lig = is_apostrophe(d) ? "'" : NULL;
			break;
		}
		if (lig) {
			for (; *lig; lig++)
				t->buf[t->buf_len++] = *lig;
		} else
			t->buf_len += (size_t) utf8proc_encode_char(d, (utf8proc_uint8_t *) t->buf + t->buf_len);
	}
}

/* Whether a folded word has a letter 3 times or more in a row. */
static bool has_elongation(const char *w, size_t n)
{
	for (size_t i = 2; i < n; i++)
		if (w[i] == w[i - 1] && w[i] == w[i - 2] && w[i] >= 'a' && w[i] <= 'z')
			return true;
	return false;
}

bool lexicon_collapse_elongation(char *word, unsigned keep)
{
	size_t o = 0, i = 0;
	bool changed = false;

	if (!word || keep < 1 || keep > 2)
		return false;
	while (word[i]) {
		char c = word[i];
		size_t run = 1;

		while (word[i + run] == c)
			run++;
		/* Only runs of 3 or more are elongations: "good", "too" stay. */
		if (c >= 'a' && c <= 'z' && run >= 3) {
			changed = true;
			for (size_t k = 0; k < keep; k++)
				word[o++] = c;
		} else
			for (size_t k = 0; k < run; k++)
				word[o++] = c;
		i += run;
	}
	word[o] = '\0';
	return changed;
}

static int reserve_token(struct lexicon_tokens *t)
{
	if (t->n == t->n_allocated) {
		size_t n = MAX(t->n_allocated * 2, (size_t) 64);
		struct lexicon_token *nt = reallocarray(t->tokens, n, sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		t->tokens = nt;
		t->n_allocated = n;
	}
	return 0;
}

/* An emoticon or emoji: its canonical form is given. */
static int emit_symbol(struct lexicon_tokens *t, size_t start, size_t end, const char *folded, size_t n)
{
	size_t off;

	if (reserve_token(t) < 0 || buf_reserve(t, n + 1) < 0)
		return -ENOMEM;
	off = t->buf_len;
	memcpy(t->buf + off, folded, n);
	t->buf[off + n] = '\0';
	t->buf_len += n + 1;
	t->tokens[t->n++] = (struct lexicon_token) {
		.start = start,
		.end = end,
		.folded = off,
		.hash = hash_bytes(folded, n),
		.symbol = true,
	};
	return 0;
}

static int emit_token(struct lexicon_tokens *t, const char *text, size_t start, size_t end,
		      bool ascii, unsigned upper, unsigned lower)
{
	struct lexicon_token *tok;
	uint32_t hash;
	size_t off;
	bool elongated = false;

	if (reserve_token(t) < 0)
		return -ENOMEM;
	if (buf_reserve(t, LEXICON_MAX_TOKEN + FOLD_ROOM + 1) < 0)
		return -ENOMEM;
	off = t->buf_len;
	if (ascii) {
		/* Fast path: lower-case and hash in one go. */
		char *o = t->buf + off;

		hash = 2166136261U;
		if (end - start <= LEXICON_MAX_TOKEN) {
			unsigned char prev = 0;
			unsigned run = 0;

			for (size_t p = start; p < end; p++) {
				unsigned char c = (unsigned char) text[p];

				if (c >= 'A' && c <= 'Z')
					c += 32;
				else if (c == '`')
					c = '\'';
				run = c == prev ? run + 1 : 1;
				prev = c;
				if (run == 3 && c >= 'a')
					elongated = true;
				*o++ = (char) c;
				hash ^= c;
				hash *= 16777619U;
			}
			t->buf_len += end - start;
		} else
			hash = hash_bytes("", 0);
	} else {
		/* Words folded past LEXICON_MAX_TOKEN bytes become "". */
		for (size_t p = start; p < end && t->buf_len - off <= LEXICON_MAX_TOKEN;) {
			utf8proc_int32_t c;
			ssize_t n = decode(text + p, end - p, &c);

			if (n < 0)
				break;
			fold_char(t, c);
			p += (size_t) n;
		}
		if (t->buf_len - off > LEXICON_MAX_TOKEN)
			t->buf_len = off;
		hash = hash_bytes(t->buf + off, t->buf_len - off);
		elongated = has_elongation(t->buf + off, t->buf_len - off);
	}
	t->buf[t->buf_len++] = '\0';

	tok = &t->tokens[t->n++];
	*tok = (struct lexicon_token) {
		.start = start,
		.end = end,
		.folded = off,
		.hash = hash,
		.caps = upper >= 3 && lower == 0,
		.has_lower = lower > 0,
		.elongated = elongated,
	};
	return 0;
}

/* ASCII classes: letters and digits are word characters; ' and ` apostrophes. */
static const uint8_t ascii_class[128] = {
	['0' ... '9'] = CHAR_WORD,
	['A' ... 'Z'] = CHAR_WORD,
	['a' ... 'z'] = CHAR_WORD,
	['\''] = CHAR_APOSTROPHE,
	['`'] = CHAR_APOSTROPHE,
	[':'] = CHAR_EMOTICON,
	[';'] = CHAR_EMOTICON,
	['='] = CHAR_EMOTICON,
	['<'] = CHAR_EMOTICON,
	['>'] = CHAR_EMOTICON,
	['^'] = CHAR_EMOTICON,
};

/* Pictographs: the emoji blocks, miscellaneous symbols and dingbats. */
static bool is_emoji(utf8proc_int32_t c)
{
	return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) ||
	       (c >= 0x2300 && c <= 0x23FF) || (c >= 0x2B00 && c <= 0x2BFF);
}

/* What may follow an emoji in the same symbol: variation selectors, skin
 * tones, the zero-width joiner and what it joins, tags. */
static bool is_emoji_tail(utf8proc_int32_t c)
{
	return c == 0xFE0E || c == 0xFE0F || c == 0x200D || c == 0x20E3 ||
	       (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0xE0020 && c <= 0xE007F) ||
	       is_emoji(c);
}

/* Class of the character at s (len > 0) and its length (1 for an invalid
 * byte, then CHAR_OTHER); *ret_case: 1 upper, -1 lower, 0 neither. */
static int classify(const char *s, size_t len, size_t *ret_n, int *ret_case)
{
	unsigned char b = (unsigned char) s[0];
	utf8proc_int32_t c;
	ssize_t n;

	if (b < 0x80) {
		*ret_n = 1;
		*ret_case = b >= 'A' && b <= 'Z' ? 1 : b >= 'a' && b <= 'z' ? -1 : 0;
		return ascii_class[b];
	}
	n = decode(s, len, &c);
	if (n < 0) {
		*ret_n = 1;
		*ret_case = 0;
		return CHAR_OTHER;
	}
	*ret_n = (size_t) n;
	*ret_case = 0;
	if (is_apostrophe(c))
		return CHAR_APOSTROPHE;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LT:
		*ret_case = 1;
		return CHAR_WORD;
	case UTF8PROC_CATEGORY_LL:
		*ret_case = -1;
		return CHAR_WORD;
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return CHAR_WORD;
	case UTF8PROC_CATEGORY_SO:
		return is_emoji(c) ? CHAR_EMOJI : CHAR_OTHER;
	default:
		return CHAR_OTHER;
	}
}

static bool ascii_word(unsigned char c)
{
	return c < 0x80 && ascii_class[c] == CHAR_WORD;
}

/* Whether an emoticon may end before s: no letter or digit follows. */
static bool emoticon_end(const char *s, size_t len)
{
	size_t n;
	int cs;

	return len == 0 || classify(s, len, &n, &cs) != CHAR_WORD;
}

/* Length of the emoticon at s (0: none) and its canonical form in out
 * (room for LEXICON_MAX_EMOTICON + 1 bytes), *ret_n its length.
 * after_word: s follows a letter or digit directly. */
static size_t match_emoticon(const char *s, size_t len, bool after_word, char *out, size_t *ret_n)
{
	size_t i = 0, o = 0, full = len, mouth_at;
	char mouth;

	len = MIN(len, (size_t) LEXICON_MAX_EMOTICON);
	if (len < 2)
		return 0;
	switch (s[0]) {
	case '<':
		/* <3 (<333), </3; not "a<3" in code or formulas */
		if (after_word)
			return 0;
		if (s[1] == '/')
			i = 2;
		else
			i = 1;
		if (i >= len || s[i] != '3')
			return 0;
		while (i < len && s[i] == '3')
			i++;
		if (!emoticon_end(s + i, full - i))
			return 0;
		if (s[1] == '/')
			memcpy(out, "</3", o = 3);
		else
			memcpy(out, "<3", o = 2);
		*ret_n = o;
		return i;
	case '^':
		/* ^^ ^_^ ^-^ ^.^ */
		if (s[1] == '^')
			i = 2;
		else if (len >= 3 && (s[1] == '_' || s[1] == '-' || s[1] == '.') && s[2] == '^')
			i = 3;
		else
			return 0;
		if (after_word || !emoticon_end(s + i, full - i))
			return 0;
		memcpy(out, "^^", o = 2);
		*ret_n = o;
		return i;
	case '>':
		/* >:( angry */
		out[o++] = '>';
		i = 1;
		break;
	default:
		break;
	}
	if (i >= len || (s[i] != ':' && s[i] != ';' && s[i] != '='))
		return 0;
	/* "a=(b)", "x==(": an '=' face needs a space before. */
	if (s[i] == '=' && after_word)
		return 0;
	out[o++] = s[i] == ';' ? ';' : ':';
	i++;
	if (i < len && (s[i] == '\'' || s[i] == '"'))
		out[o++] = '\'', i++; /* tear */
	if (i < len && s[i] == '-')
		i++; /* nose */
	if (i >= len)
		return 0;
	switch (s[i]) {
	case ')':
	case ']':
		mouth = ')';
		break;
	case '(':
	case '[':
		mouth = '(';
		break;
	case 'D':
		mouth = 'd';
		break;
	case 'P':
	case 'p':
		mouth = 'p';
		break;
	case '/':
	case '\\':
		mouth = '/';
		break;
	case '|':
		mouth = '|';
		break;
	case '*':
		mouth = '*';
		break;
	case 'S':
	case 's':
		mouth = 's';
		break;
	case '@':
		mouth = '@';
		break;
	default:
		return 0;
	}
	/* Letter mouths stuck to a word are not faces ("Re:Dates", "C:P"). */
	if (after_word && ascii_word((unsigned char) s[i]))
		return 0;
	mouth_at = i;
	{
		char first = s[i];

		while (i < len && s[i] == first)
			i++; /* ":)))", ":DD" */
	}
	/* "http://": a slash mouth is one slash, never stuck to a word. */
	if (mouth == '/' && (after_word || i - mouth_at > 1))
		return 0;
	/* "http://", "C:/dir", ":/b": a slash mouth needs no slash or word after. */
	if (!emoticon_end(s + i, full - i) || (mouth == '/' && i < len && (s[i] == '/' || s[i] == '\\')))
		return 0;
	out[o++] = mouth;
	*ret_n = o;
	return i;
}

/* Length of the emoji at s (classified CHAR_EMOJI, n its first code point's
 * length) with its tail. */
static size_t emoji_length(const char *s, size_t len, size_t n)
{
	size_t p = n;

	for (unsigned k = 0; p < len && k < 16; k++) {
		utf8proc_int32_t c;
		ssize_t m = decode(s + p, len - p, &c);

		if (m < 0 || !is_emoji_tail(c))
			break;
		/* Another pictograph only after a joiner: "😂😂" are two. */
		if (is_emoji(c)) {
			utf8proc_int32_t prev;

			if (p < 3 || decode(s + p - 3, 3, &prev) != 3 || prev != 0x200D)
				break;
		}
		p += (size_t) m;
	}
	return p;
}

int lexicon_tokenize(const char *text, size_t len, bool keep_trailing_apostrophe,
		     struct lexicon_tokens *t)
{
	size_t p = 0, last_end = SIZE_MAX;
	int r;

	if (!text)
		return 0;
	/* Room for a typical text at once: ~1 word every 6 bytes. */
	if (t->n_allocated == 0 && len > 256) {
		size_t n = len / 6 + 16;

		t->tokens = reallocarray(NULL, n, sizeof(*t->tokens));
		if (!t->tokens)
			return -ENOMEM;
		t->n_allocated = n;
	}
	if (buf_reserve(t, len + len / 4 + 256) < 0)
		return -ENOMEM;

	while (p < len) {
		unsigned upper = 0, lower = 0;
		size_t start, n;
		bool ascii = true;
		int cls, cs;

		cls = classify(text + p, len - p, &n, &cs);
		if (cls == CHAR_EMOTICON) {
			char face[LEXICON_MAX_EMOTICON + 1];
			size_t face_n = 0;
			size_t m = match_emoticon(text + p, len - p, p > 0 && p == last_end, face, &face_n);

			if (m > 0) {
				r = emit_symbol(t, p, p + m, face, face_n);
				if (r < 0)
					return r;
				p += m;
				continue;
			}
		} else if (cls == CHAR_EMOJI) {
			size_t m = emoji_length(text + p, len - p, n);

			r = emit_symbol(t, p, p + m, text + p, n);
			if (r < 0)
				return r;
			p += m;
			continue;
		}
		if (cls != CHAR_WORD) {
			p += n;
			continue;
		}
		start = p;
		for (;;) {
			if (cls == CHAR_WORD) {
				if (n > 1)
					ascii = false;
				upper += cs > 0;
				lower += cs < 0;
				p += n;
			} else if (cls == CHAR_APOSTROPHE) {
				size_t q = p + n, n2 = 0;
				int cs2;
				bool word_after = q < len && classify(text + q, len - q, &n2, &cs2) == CHAR_WORD;

				if (n > 1)
					ascii = false;
				if (word_after) {
					p = q;
					if (english_clitic(text + q, len - q)) {
						cls = CHAR_WORD;
						n = n2;
						cs = cs2;
						continue;
					}
					/* Elision: the apostrophe ends the word. */
				} else if (keep_trailing_apostrophe)
					p = q;
				break;
			} else
				break;
			if (p >= len)
				break;
			cls = classify(text + p, len - p, &n, &cs);
		}
		r = emit_token(t, text, start, p, ascii, upper, lower);
		if (r < 0)
			return r;
		last_end = p;
	}
	return 0;
}

void lexicon_tokens_done(struct lexicon_tokens *t)
{
	free(t->tokens);
	free(t->buf);
	*t = (struct lexicon_tokens) {};
}

/* ---- table -------------------------------------------------------------- */

struct lexicon *lexicon_free(struct lexicon *lx)
{
	if (!lx)
		return NULL;
	for (size_t i = 0; i < lx->n_slots; i++) {
		struct lexicon_slot *s = &lx->slots[i];

		if (!s->word)
			continue;
		for (size_t j = 0; j < s->n_entries; j++)
			free((struct lexicon_entry_storage *) s->entries[j]);
		free(s->entries);
		free(s->keys);
		free(s->word);
	}
	free(lx->slots);
	free(lx);
	return NULL;
}

static struct lexicon_slot *find_slot(const struct lexicon *lx, const char *word, uint32_t h)
{
	size_t mask, i;

	if (lx->n_slots == 0)
		return NULL;
	mask = lx->n_slots - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct lexicon_slot *s = &lx->slots[i];

		if (!s->word)
			return s;
		if (s->hash == h && streq(s->word, word))
			return s;
	}
}

static int grow(struct lexicon *lx)
{
	size_t n = lx->n_slots ? lx->n_slots * 2 : 256;
	struct lexicon_slot *old = lx->slots, *slots;
	size_t old_n = lx->n_slots;

	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	lx->slots = slots;
	lx->n_slots = n;
	for (size_t i = 0; i < old_n; i++) {
		if (!old[i].word)
			continue;
		*find_slot(lx, old[i].word, old[i].hash) = old[i];
	}
	free(old);
	return 0;
}

/* The slot of word, creating it when missing. */
static struct lexicon_slot *get_slot(struct lexicon *lx, const char *word, uint32_t h)
{
	struct lexicon_slot *s = find_slot(lx, word, h);

	if (s && s->word)
		return s;
	if ((lx->n_used + 1) * 2 > lx->n_slots) {
		if (grow(lx) < 0)
			return NULL;
	}
	s = find_slot(lx, word, h);
	s->word = strdup(word);
	if (!s->word)
		return NULL;
	s->hash = h;
	lx->n_used++;
	return s;
}

/* Function words, to tell French from English (no greetings: "Merci,
 * great job" must stay mixed). Folded. */
static const char *const stop_fr[] = {
	"ai", "au", "aux", "avec", "avez", "avons", "c'", "ca", "ce", "ces", "cette", "d'",
	"dans", "de", "deja", "des", "donc", "du", "elle", "en", "encore", "est", "et", "etait",
	"etes", "etre", "ils", "j'", "je", "l'", "la", "le", "les", "leur", "m'", "ma", "mais",
	"mes", "moi", "mon", "n'", "ne", "nous", "ou", "par", "pas", "pour", "qu'", "que", "qui",
	"s'", "sa", "se", "ses", "son", "sont", "suis", "sur", "toujours", "tres", "un", "une",
	"vos", "votre", "vous",
};

static const char *const stop_en[] = {
	"an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did",
	"didn't", "do", "does", "doesn't", "don't", "for", "from", "had", "has", "hasn't",
	"have", "haven't", "i", "i'm", "if", "in", "is", "isn't", "it", "it's", "just", "my",
	"no", "not", "of", "our", "please", "should", "so", "still", "that", "the", "their",
	"there", "they", "this", "to", "was", "wasn't", "we", "were", "what", "when", "why",
	"will", "with", "would", "you", "you're", "your",
};

struct lexicon *lexicon_new(void)
{
	_cleanup_lexicon_free_ struct lexicon *lx = calloc(1, sizeof(struct lexicon));

	if (!lx)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(stop_fr); i++) {
		struct lexicon_slot *s = get_slot(lx, stop_fr[i], lexicon_hash_word(stop_fr[i]));

		if (!s)
			return NULL;
		s->stop |= LEXICON_LANG_FR;
	}
	for (size_t i = 0; i < ELEMENTSOF(stop_en); i++) {
		struct lexicon_slot *s = get_slot(lx, stop_en[i], lexicon_hash_word(stop_en[i]));

		if (!s)
			return NULL;
		s->stop |= LEXICON_LANG_EN;
	}
	return TAKE_PTR(lx);
}

const struct lexicon_entry *const *lexicon_lookup_hashed(const struct lexicon *lx, const char *word,
							 uint32_t hash, unsigned *ret_stop,
							 size_t *ret_n)
{
	struct lexicon_slot *s;

	*ret_n = 0;
	if (ret_stop)
		*ret_stop = 0;
	if (!lx || !word || !*word)
		return NULL;
	s = find_slot(lx, word, hash);
	if (!s || !s->word)
		return NULL;
	if (ret_stop)
		*ret_stop = s->stop;
	*ret_n = s->n_entries;
	return (const struct lexicon_entry *const *) s->entries;
}

void lexicon_lookup_view(const struct lexicon *lx, const char *word, uint32_t hash, struct lexicon_view *ret)
{
	struct lexicon_slot *s;

	*ret = (struct lexicon_view) {};
	if (!lx || !word || !*word)
		return;
	s = find_slot(lx, word, hash);
	if (!s || !s->word)
		return;
	*ret = (struct lexicon_view) {
		.entries = (const struct lexicon_entry *const *) s->entries,
		.keys = s->keys,
		.n = s->n_entries,
		.n_multi = s->n_multi,
		.bloom = s->bloom,
		.stop = s->stop,
	};
}

const struct lexicon_entry *const *lexicon_lookup(const struct lexicon *lx, const char *word,
						  size_t *ret_n)
{
	*ret_n = 0;
	if (!word)
		return NULL;
	return lexicon_lookup_hashed(lx, word, lexicon_hash_word(word), NULL, ret_n);
}

double lexicon_entry_weight(const struct lexicon_entry *e, enum lexicon_lang langs)
{
	if ((langs & LEXICON_LANG_FR) && e->weight[LEXICON_FR] != 0)
		return e->weight[LEXICON_FR];
	if ((langs & LEXICON_LANG_EN) && e->weight[LEXICON_EN] != 0)
		return e->weight[LEXICON_EN];
	return 0;
}

size_t lexicon_size(const struct lexicon *lx)
{
	size_t n = 0;

	if (!lx)
		return 0;
	for (size_t i = 0; i < lx->n_slots; i++)
		for (size_t j = 0; j < lx->slots[i].n_entries; j++) {
			const struct lexicon_entry *e = lx->slots[i].entries[j];

			if (e->weight[LEXICON_FR] != 0 || e->weight[LEXICON_EN] != 0)
				n++;
		}
	return n;
}

static bool same_words(const struct lexicon_entry *e, const struct lexicon_tokens *t)
{
	if (e->n_words != t->n)
		return false;
	for (unsigned i = 0; i < e->n_words; i++)
		if (e->hashes[i] != t->tokens[i].hash || !streq(e->words[i], lexicon_token_word(t, i)))
			return false;
	return true;
}

/* Sets the weight of (words, kind) for the languages of mask; 0 removes. */
static int lexicon_set(struct lexicon *lx, const struct lexicon_tokens *t, int kind,
		       enum lexicon_lang mask, double weight)
{
	const char *first = lexicon_token_word(t, 0);
	uint32_t h = t->tokens[0].hash;
	struct lexicon_slot *s = find_slot(lx, first, h);
	struct lexicon_entry_storage *st;
	size_t size = 0, pos;
	char *w;

	if (s && s->word)
		for (size_t i = 0; i < s->n_entries; i++) {
			struct lexicon_entry *e = s->entries[i];

			if (e->kind != kind || !same_words(e, t))
				continue;
			if (mask & LEXICON_LANG_FR)
				e->weight[LEXICON_FR] = weight;
			if (mask & LEXICON_LANG_EN)
				e->weight[LEXICON_EN] = weight;
			return 0;
		}
	if (weight == 0)
		return 0; /* removing what is not there */
	/* Bounds the work per word, at load time and for every mail scored. */
	if (s && s->word && s->n_entries >= LEXICON_MAX_PER_WORD)
		return -E2BIG;

	if (!s || !s->word) {
		s = get_slot(lx, first, h);
		if (!s)
			return -ENOMEM;
	}
	if (s->n_entries == s->n_allocated) {
		size_t n = MAX(s->n_allocated * 2, (size_t) 2);
		struct lexicon_entry **ne = reallocarray(s->entries, n, sizeof(*ne));
		uint64_t *nk;

		if (!ne)
			return -ENOMEM;
		s->entries = ne;
		nk = reallocarray(s->keys, n, sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		s->keys = nk;
		s->n_allocated = n;
	}

	for (size_t i = 0; i < t->n; i++)
		size += strlen(lexicon_token_word(t, i)) + 1;
	st = calloc(1, sizeof(*st) + size);
	if (!st)
		return -ENOMEM;
	w = st->words;
	for (size_t i = 0; i < t->n; i++) {
		const char *word = lexicon_token_word(t, i);
		size_t l = strlen(word) + 1;

		memcpy(w, word, l);
		st->e.words[i] = w;
		st->e.hashes[i] = t->tokens[i].hash;
		w += l;
	}
	st->e.n_words = (unsigned) t->n;
	st->e.kind = kind;
	if (mask & LEXICON_LANG_FR)
		st->e.weight[LEXICON_FR] = weight;
	if (mask & LEXICON_LANG_EN)
		st->e.weight[LEXICON_EN] = weight;

	/* Longest first, so the first candidate that matches is the longest. */
	for (pos = 0; pos < s->n_entries && s->entries[pos]->n_words >= st->e.n_words; pos++)
		;
	memmove(s->entries + pos + 1, s->entries + pos, (s->n_entries - pos) * sizeof(*s->entries));
	memmove(s->keys + pos + 1, s->keys + pos, (s->n_entries - pos) * sizeof(*s->keys));
	s->entries[pos] = &st->e;
	s->keys[pos] = lexicon_entry_key(&st->e);
	s->n_entries++;
	if (st->e.n_words > 1) {
		s->n_multi++;
		s->bloom |= UINT64_C(1) << (st->e.hashes[1] % 64);
	}
	return 0;
}

/* ---- files -------------------------------------------------------------- */

enum lexicon_lang lexicon_lang_from_filename(const char *name)
{
	const char *base;

	if (!name)
		return LEXICON_LANG_ALL;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strlen(base) > 2 && (base[2] == '.' || base[2] == '-' || base[2] == '_')) {
		if (strncasecmp(base, "fr", 2) == 0)
			return LEXICON_LANG_FR;
		if (strncasecmp(base, "en", 2) == 0)
			return LEXICON_LANG_EN;
	}
	return LEXICON_LANG_ALL;
}

static bool utf8_valid(const char *s, size_t len)
{
	for (size_t p = 0; p < len;) {
		utf8proc_int32_t c;
		ssize_t n = decode(s + p, len - p, &c);

		if (n < 0)
			return false;
		p += (size_t) n;
	}
	return true;
}

static char *strip_blank(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Checks a weight against its kind; NULL when fine, else why. */
static const char *weight_problem(int kind, double w)
{
	if (w == 0)
		return NULL; /* removal */
	switch (kind) {
	case CATEGORY_POSITIVE:
		if (w < 0 || w > LEXICON_VALENCE_MAX)
			return "a positive entry needs a weight in (0, 4]";
		return NULL;
	case CATEGORY_NEGATIVE:
	case CATEGORY_DOUBT:
	case CATEGORY_PRESSURE:
	case CATEGORY_ABUSE:
	case CATEGORY_PAYMENT:
		if (w > 0 || w < -LEXICON_VALENCE_MAX)
			return "this category needs a weight in [-4, 0)";
		return NULL;
	case LEXICON_NEGATOR:
		if (w > 0 || w < LEXICON_NEGATOR_MIN)
			return "a negator needs a multiplier in [-2, 0)";
		return NULL;
	case LEXICON_BOOSTER:
		if (w <= 1 || w > LEXICON_BOOSTER_MAX)
			return "a booster needs a multiplier in (1, 4]";
		return NULL;
	case LEXICON_DAMPENER:
		if (w <= 0 || w >= 1)
			return "a dampener needs a multiplier in (0, 1)";
		return NULL;
	case LEXICON_CONTRAST:
		if (w <= 1 || w > LEXICON_CONTRAST_MAX)
			return "a contrast word needs a multiplier in (1, 2]";
		return NULL;
	case LEXICON_TARGET:
		if (w <= 1 || w > LEXICON_TARGET_MAX)
			return "a target word needs a multiplier in (1, 2]";
		return NULL;
	case LEXICON_REQUEST:
		if (w <= 0 || w >= 1)
			return "a request marker needs a multiplier in (0, 1)";
		return NULL;
	default:
		return "unknown category";
	}
}

static void report(struct diag *diag, const char *file, unsigned line, const char *fmt, ...)
	_printf_(4, 5);
static void report(struct diag *diag, const char *file, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	if (!diag)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	diag_add(diag, file, line, "%s", r < 0 ? "bad line (out of memory)" : msg);
}

/* Parses one line (NUL-terminated copy, no newline). 1 when bad (reported),
 * 0 when used or ignored, -ENOMEM. */
static int add_line(struct lexicon *lx, const char *file, unsigned lineno, char *line,
		    enum lexicon_lang mask, struct diag *diag)
{
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};
	char *fields[3], *p, *s;
	unsigned n = 0;
	const char *why;
	int kind, r;
	double w;

	s = strip_blank(line);
	if (*s == '\0' || *s == '#')
		return 0;

	if (!strchr(s, '\t')) {
		report(diag, file, lineno, "%s", "missing tab: expected 'phrase<TAB>category<TAB>weight'");
		return 1;
	}
	/* Runs of tabs count as one separator, so columns may be aligned. */
	for (p = s; p;) {
		char *tab = strchr(p, '\t');

		if (tab)
			*tab = '\0';
		if (*strip_blank(p) != '\0') {
			if (n == 3) {
				report(diag, file, lineno, "%s",
				       "too many fields: expected 'phrase<TAB>category<TAB>weight'");
				return 1;
			}
			fields[n++] = strip_blank(p);
		}
		p = tab ? tab + 1 : NULL;
	}
	if (n < 3) {
		report(diag, file, lineno, "%s",
		       "missing field: expected 'phrase<TAB>category<TAB>weight'");
		return 1;
	}

	kind = lexicon_kind_from_string(fields[1]);
	if (kind < 0) {
		report(diag, file, lineno, "unknown category '%s'", fields[1]);
		return 1;
	}
	if (parse_double(fields[2], &w) < 0) {
		report(diag, file, lineno, "invalid weight '%s' (a decimal number with '.')", fields[2]);
		return 1;
	}
	why = weight_problem(kind, w);
	if (why) {
		report(diag, file, lineno, "weight '%s' out of range for '%s': %s", fields[2],
		       lexicon_kind_to_string(kind), why);
		return 1;
	}
	if (strlen(fields[0]) > LEXICON_MAX_PHRASE) {
		report(diag, file, lineno, "phrase too long (more than %u bytes)", LEXICON_MAX_PHRASE);
		return 1;
	}
	r = lexicon_tokenize(fields[0], strlen(fields[0]), true, &t);
	if (r < 0)
		return r;
	if (t.n == 0) {
		report(diag, file, lineno, "phrase '%s' has no word", fields[0]);
		return 1;
	}
	if (t.n > LEXICON_MAX_WORDS) {
		report(diag, file, lineno, "phrase '%s' has more than %u words", fields[0], LEXICON_MAX_WORDS);
		return 1;
	}
	for (size_t i = 0; i < t.n; i++)
		if (*lexicon_token_word(&t, i) == '\0') {
			report(diag, file, lineno, "phrase '%s' has a word too long", fields[0]);
			return 1;
		}
	r = lexicon_set(lx, &t, kind, mask, w);
	if (r == -E2BIG) {
		report(diag, file, lineno, "more than %u entries start with '%s'", LEXICON_MAX_PER_WORD,
		       lexicon_token_word(&t, 0));
		return 1;
	}
	return r < 0 ? r : 0;
}

int lexicon_add_buffer(struct lexicon *lx, const char *name, const char *buf, size_t len,
		       struct diag *diag)
{
	enum lexicon_lang mask = lexicon_lang_from_filename(name);
	const char *file = name ? name : "<buffer>";
	char line[LEXICON_MAX_LINE + 1];
	unsigned lineno = 0;
	int bad = 0, r;

	if (!lx)
		return -EINVAL;
	if (!buf)
		return 0;
	/* A UTF-8 byte order mark at the start is allowed. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t l = nl ? (size_t) (nl - (buf + p)) : len - p;
		size_t next = p + l + (nl ? 1 : 0);

		lineno++;
		if (l > 0 && buf[p + l - 1] == '\r')
			l--;
		if (l > LEXICON_MAX_LINE) {
			report(diag, file, lineno, "line too long (more than %u bytes)", (unsigned) LEXICON_MAX_LINE);
			bad++;
		} else if (memchr(buf + p, '\0', l)) {
			report(diag, file, lineno, "%s", "NUL byte in line");
			bad++;
		} else if (!utf8_valid(buf + p, l)) {
			report(diag, file, lineno, "%s", "invalid UTF-8");
			bad++;
		} else {
			memcpy(line, buf + p, l);
			line[l] = '\0';
			r = add_line(lx, file, lineno, line, mask, diag);
			if (r < 0)
				return r;
			bad += r;
		}
		p = next;
	}
	return bad;
}

static int filter_lex(const struct dirent *de)
{
	size_t l = strlen(de->d_name);

	return de->d_name[0] != '.' && l > 4 && streq(de->d_name + l - 4, ".lex");
}

int lexicon_add_dir(struct lexicon *lx, const char *dir, struct diag *diag)
{
	struct dirent **ents = NULL;
	int n, bad = 0, r = 0;

	if (!lx || !dir)
		return -EINVAL;
	n = scandir(dir, &ents, filter_lex, alphasort);
	if (n < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		r = -errno;
		if (diag)
			diag_add(diag, dir, 0, "cannot read directory: %s", strerror(-r));
		return r == -ENOMEM ? r : 1;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL, *buf = NULL;
		size_t len = 0;
		int k;

		if (r < 0)
			goto next;
		path = strdup_printf("%s/%s", dir, ents[i]->d_name);
		if (!path) {
			r = -ENOMEM;
			goto next;
		}
		{
			struct stat st;

			/* A FIFO or device named *.lex would block the loading. */
			if (stat(path, &st) < 0)
				k = -errno;
			else if (!S_ISREG(st.st_mode))
				k = -EBADF;
			else
				k = read_full_file(path, LEXICON_MAX_FILE, &buf, &len);
		}
		if (k == -EBADF) {
			if (diag)
				diag_add(diag, path, 0, "not a regular file");
			bad++;
			goto next;
		}
		if (k == -ENOMEM) {
			r = k;
			goto next;
		}
		if (k < 0) {
			if (diag)
				diag_add(diag, path, 0, "cannot read lexicon file: %s",
					 k == -EFBIG ? "file too large" : strerror(-k));
			bad++;
			goto next;
		}
		k = lexicon_add_buffer(lx, path, buf, len, diag);
		if (k < 0)
			r = k;
		else
			bad += k;
	next:
		free(ents[i]);
	}
	free(ents);
	return r < 0 ? r : bad;
}

#ifndef LEXICONDIR
#define LEXICONDIR "/usr/share/redflagd/lexicon"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

int lexicon_load_default(const char *dir, struct lexicon **ret, struct diag *diag)
{
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	const char *env = getenv("REDFLAGD_LEXICON_DIR");
	const char *base = !isempty(env) ? env : !isempty(dir) ? dir : LEXICONDIR;
	int r;

	lx = lexicon_new();
	if (!lx)
		return -ENOMEM;
	r = lexicon_add_dir(lx, base, diag);
	if (r < 0)
		return r;
	r = lexicon_add_dir(lx, SYSCONFDIR "/redflagd/lexicon", diag);
	if (r < 0)
		return r;
	if (lexicon_size(lx) == 0)
		return -ENOENT;
	*ret = TAKE_PTR(lx);
	return 0;
}

int lexicon_get(const struct lexicon *lx, const char *phrase, int kind, enum lexicon_lang lang,
		double *ret)
{
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};
	const struct lexicon_entry *const *c;
	size_t n;
	int r;

	if (!lx || !phrase)
		return -EINVAL;
	r = lexicon_tokenize(phrase, strlen(phrase), true, &t);
	if (r < 0)
		return r;
	if (t.n == 0 || t.n > LEXICON_MAX_WORDS)
		return -EINVAL;
	*ret = 0;
	c = lexicon_lookup_hashed(lx, lexicon_token_word(&t, 0), t.tokens[0].hash, NULL, &n);
	for (size_t i = 0; i < n; i++)
		if (c[i]->kind == kind && same_words(c[i], &t)) {
			*ret = lang == LEXICON_LANG_FR ? c[i]->weight[LEXICON_FR]
			     : lang == LEXICON_LANG_EN ? c[i]->weight[LEXICON_EN]
						       : lexicon_entry_weight(c[i], lang);
			break;
		}
	return 0;
}
