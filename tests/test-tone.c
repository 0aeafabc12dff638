/* SPDX-License-Identifier: MIT */
/* Lexicon loading and merging, folding, matching and scoring of the tone
 * module, against small hand-made lexicons and against the shipped ones
 * (REDFLAGD_LEXICON_DIR, set by make check to the source lexicon dir). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

#include <glib.h>

#include "lexicon.h"
#include "tone.h"

static struct lexicon *real; /* the shipped lexicons */

static const char *lexicon_dir(void)
{
	const char *d = getenv("REDFLAGD_LEXICON_DIR");

	if (!isempty(d))
		return d;
	d = getenv("abs_top_srcdir");
	if (!isempty(d)) {
		static char buf[4096];

		snprintf(buf, sizeof(buf), "%s/lexicon", d);
		return buf;
	}
	return "lexicon";
}

static int setup(void **state)
{
	struct diag d = {};
	int r;

	real = lexicon_new();
	if (!real)
		return -1;
	r = lexicon_add_dir(real, lexicon_dir(), &d);
	for (char **l = d.lines; l && *l; l++)
		fprintf(stderr, "# %s\n", *l);
	diag_done(&d);
	return r == 0 && lexicon_size(real) > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	real = lexicon_free(real);
	return 0;
}

/* Analyses text with lx (or the real lexicon); asserts success. */
static void analyse(const struct lexicon *lx, const char *text, struct tone_result *r)
{
	assert_int_equal(tone_analyse(lx ? lx : real, text, strlen(text), r), 0);
}

static double score_of(const struct lexicon *lx, const char *text)
{
	struct tone_result r;
	double s;

	analyse(lx, text, &r);
	s = r.score;
	tone_result_done(&r);
	return s;
}

static enum tone_label label_of(const char *text)
{
	struct tone_result r;
	enum tone_label l;

	analyse(NULL, text, &r);
	l = r.label;
	tone_result_done(&r);
	return l;
}

static enum tone_label label_with(const struct lexicon *lx, const char *text)
{
	struct tone_result r;
	enum tone_label l;

	analyse(lx, text, &r);
	l = r.label;
	tone_result_done(&r);
	return l;
}

static struct lexicon *lexicon_from(const char *name, const char *content)
{
	struct lexicon *lx = lexicon_new();

	assert_non_null(lx);
	assert_int_equal(lexicon_add_buffer(lx, name, content, strlen(content), NULL), 0);
	return lx;
}

static const struct tone_hit *find_hit(const struct tone_result *r, const char *phrase)
{
	for (size_t i = 0; i < r->n_hits; i++)
		if (streq(r->hits[i].phrase, phrase))
			return &r->hits[i];
	return NULL;
}

/* ---- lexicon files ------------------------------------------------------ */

static void count_file(const char *path, unsigned counts[_LEXICON_KIND_MAX])
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char *line, *save = NULL;

	assert_int_equal(read_full_file(path, LEXICON_MAX_FILE, &buf, &len), 0);
	for (line = buf; line && *line; line = save) {
		char *nl = strchr(line, '\n'), *t1, *t2;
		int k;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		t1 = strchr(line, '\t');
		assert_non_null(t1);
		t2 = strchr(t1 + 1, '\t');
		assert_non_null(t2);
		*t2 = '\0';
		k = lexicon_kind_from_string(t1 + 1);
		assert_true(k >= 0);
		counts[k]++;
	}
}

static void test_shipped_lexicons(void **state)
{
	static const char *const files[] = { "fr.lex", "en.lex" };

	for (size_t f = 0; f < ELEMENTSOF(files); f++) {
		unsigned counts[_LEXICON_KIND_MAX] = {};
		_cleanup_free_ char *path = strdup_printf("%s/%s", lexicon_dir(), files[f]);
		_cleanup_lexicon_free_ struct lexicon *lx = lexicon_new();
		_cleanup_free_ char *buf = NULL;
		struct diag d = {};
		size_t len;

		count_file(path, counts);
		for (int c = 0; c < _CATEGORY_MAX; c++) {
			if (counts[c] < 40)
				fail_msg("%s: only %u %s entries", files[f], counts[c],
					 category_to_string(c));
		}
		for (int k = LEXICON_NEGATOR; k < _LEXICON_KIND_MAX; k++)
			assert_true(counts[k] >= 5);
		/* Every line is valid. */
		assert_int_equal(read_full_file(path, LEXICON_MAX_FILE, &buf, &len), 0);
		assert_int_equal(lexicon_add_buffer(lx, path, buf, len, &d), 0);
		assert_int_equal(d.n_errors, 0);
		assert_true(lexicon_size(lx) >= 6 * 40);
		diag_done(&d);
	}
}

static void test_required_phrases(void **state)
{
	static const struct {
		const char *phrase;
		int kind;
		enum lexicon_lang lang;
	} need[] = {
		{ "inadmissible", CATEGORY_NEGATIVE, LEXICON_LANG_FR },
		{ "toujours pas", CATEGORY_NEGATIVE, LEXICON_LANG_FR },
		{ "unacceptable", CATEGORY_NEGATIVE, LEXICON_LANG_EN },
		{ "still waiting", CATEGORY_NEGATIVE, LEXICON_LANG_EN },
		{ "as I already said", CATEGORY_NEGATIVE, LEXICON_LANG_EN },
		{ "I expected better", CATEGORY_NEGATIVE, LEXICON_LANG_EN },
		{ "je m'attendais à mieux", CATEGORY_NEGATIVE, LEXICON_LANG_FR },
		{ "comme je vous l'ai déjà dit", CATEGORY_NEGATIVE, LEXICON_LANG_FR },
		{ "are you sure", CATEGORY_DOUBT, LEXICON_LANG_EN },
		{ "my nephew says", CATEGORY_DOUBT, LEXICON_LANG_EN },
		{ "vous êtes sûr", CATEGORY_DOUBT, LEXICON_LANG_FR },
		{ "ASAP", CATEGORY_PRESSURE, LEXICON_LANG_EN },
		{ "by tomorrow", CATEGORY_PRESSURE, LEXICON_LANG_EN },
		{ "end of day", CATEGORY_PRESSURE, LEXICON_LANG_EN },
		{ "relance", CATEGORY_PRESSURE, LEXICON_LANG_FR },
		{ "pour hier", CATEGORY_PRESSURE, LEXICON_LANG_FR },
		{ "impayé", CATEGORY_PAYMENT, LEXICON_LANG_FR },
		{ "facture contestée", CATEGORY_PAYMENT, LEXICON_LANG_FR },
		{ "retard de paiement", CATEGORY_PAYMENT, LEXICON_LANG_FR },
		{ "je ne paierai pas", CATEGORY_PAYMENT, LEXICON_LANG_FR },
		{ "relance de paiement", CATEGORY_PAYMENT, LEXICON_LANG_FR },
		{ "late payment", CATEGORY_PAYMENT, LEXICON_LANG_EN },
		{ "payment reminder", CATEGORY_PAYMENT, LEXICON_LANG_EN },
		{ "unpaid", CATEGORY_PAYMENT, LEXICON_LANG_EN },
		{ "dispute the invoice", CATEGORY_PAYMENT, LEXICON_LANG_EN },
		{ "idiot", CATEGORY_ABUSE, LEXICON_LANG_EN },
		{ "incompetent", CATEGORY_ABUSE, LEXICON_LANG_EN },
		{ "useless", CATEGORY_ABUSE, LEXICON_LANG_EN },
		{ "crap", CATEGORY_ABUSE, LEXICON_LANG_EN },
		{ "stupid", CATEGORY_ABUSE, LEXICON_LANG_EN },
		{ "connard", CATEGORY_ABUSE, LEXICON_LANG_FR },
		{ "nul", CATEGORY_ABUSE, LEXICON_LANG_FR },
		{ "incompétent", CATEGORY_ABUSE, LEXICON_LANG_FR },
		{ "débile", CATEGORY_ABUSE, LEXICON_LANG_FR },
		{ "foutage de gueule", CATEGORY_ABUSE, LEXICON_LANG_FR },
		{ "not", LEXICON_NEGATOR, LEXICON_LANG_EN },
		{ "pas", LEXICON_NEGATOR, LEXICON_LANG_FR },
		{ "very", LEXICON_BOOSTER, LEXICON_LANG_EN },
		{ "très", LEXICON_BOOSTER, LEXICON_LANG_FR },
		{ "un peu", LEXICON_DAMPENER, LEXICON_LANG_FR },
		{ "slightly", LEXICON_DAMPENER, LEXICON_LANG_EN },
		{ "but", LEXICON_CONTRAST, LEXICON_LANG_EN },
		{ "mais", LEXICON_CONTRAST, LEXICON_LANG_FR },
	};

	for (size_t i = 0; i < ELEMENTSOF(need); i++) {
		double w = 0;

		assert_int_equal(lexicon_get(real, need[i].phrase, need[i].kind, need[i].lang, &w), 0);
		if (w == 0)
			fail_msg("'%s' (%s) missing", need[i].phrase, lexicon_kind_to_string(need[i].kind));
	}
}

static void test_merge(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_new();
	static const char base[] = "# base\n"
				   "déçu\tnegative\t-2\n"
				   "parfait\tpositive\t3\n"
				   "urgent\tpressure\t-1\n";
	static const char over[] = "DÉÇU\tnegative\t-3.5\n"   /* override, folded key */
				   "parfait\tpositive\t0\n"   /* removal */
				   "urgent\tdoubt\t-1\n"      /* same phrase, other category */
				   "absent\tnegative\t0\n";   /* removing nothing: fine */
	double w;

	assert_int_equal(lexicon_add_buffer(lx, "/x/fr.lex", base, strlen(base), NULL), 0);
	assert_int_equal(lexicon_size(lx), 3);
	assert_int_equal(lexicon_add_buffer(lx, "/y/fr-metier.lex", over, strlen(over), NULL), 0);
	assert_int_equal(lexicon_size(lx), 3);

	assert_int_equal(lexicon_get(lx, "decu", CATEGORY_NEGATIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == -3.5);
	assert_int_equal(lexicon_get(lx, "parfait", CATEGORY_POSITIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == 0);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_PRESSURE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == -1);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_DOUBT, LEXICON_LANG_FR, &w), 0);
	assert_true(w == -1);
	/* fr files do not apply to English. */
	assert_int_equal(lexicon_get(lx, "decu", CATEGORY_NEGATIVE, LEXICON_LANG_EN, &w), 0);
	assert_true(w == 0);

	/* A file with neither prefix applies to both; removing there removes both. */
	static const char both[] = "urgent\tpressure\t-2\n";
	static const char gone[] = "urgent\tpressure\t0\n";

	assert_int_equal(lexicon_add_buffer(lx, "local.lex", both, strlen(both), NULL), 0);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_PRESSURE, LEXICON_LANG_EN, &w), 0);
	assert_true(w == -2);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_PRESSURE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == -2);
	assert_int_equal(lexicon_add_buffer(lx, "zz-local.lex", gone, strlen(gone), NULL), 0);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_PRESSURE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == 0);
	assert_int_equal(lexicon_get(lx, "urgent", CATEGORY_PRESSURE, LEXICON_LANG_EN, &w), 0);
	assert_true(w == 0);
	assert_int_equal(lexicon_size(lx), 2); /* décu, urgent/doubt */
}

static void test_language_by_file_name(void **state)
{
	assert_int_equal(lexicon_lang_from_filename("fr.lex"), LEXICON_LANG_FR);
	assert_int_equal(lexicon_lang_from_filename("/etc/redflagd/lexicon/fr-metier.lex"), LEXICON_LANG_FR);
	assert_int_equal(lexicon_lang_from_filename("EN.lex"), LEXICON_LANG_EN);
	assert_int_equal(lexicon_lang_from_filename("en_extra.lex"), LEXICON_LANG_EN);
	assert_int_equal(lexicon_lang_from_filename("local.lex"), LEXICON_LANG_ALL);
	assert_int_equal(lexicon_lang_from_filename("french.lex"), LEXICON_LANG_ALL);
	assert_int_equal(lexicon_lang_from_filename("/fr/local.lex"), LEXICON_LANG_ALL);

	/* An English-only entry does not fire on French text, and back. */
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_from("en.lex", "terrible\tnegative\t-3\n");
	struct tone_result r;

	analyse(lx, "Le résultat est terrible et je ne suis pas content de la mise en page", &r);
	assert_string_equal(r.language, "fr");
	assert_int_equal(r.n_hits, 0);
	tone_result_done(&r);
	analyse(lx, "The result is terrible and I am not happy with the layout", &r);
	assert_string_equal(r.language, "en");
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	tone_result_done(&r);
}

static void test_bad_lines(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_new();
	_cleanup_free_ char *longline = NULL, *longphrase = NULL, *content = NULL;
	struct diag d = {};
	double w;

	longline = malloc(LEXICON_MAX_LINE + 20);
	assert_non_null(longline);
	memset(longline, 'a', LEXICON_MAX_LINE + 10);
	memcpy(longline + LEXICON_MAX_LINE, "\tnegative\t-1", 13);
	longphrase = malloc(LEXICON_MAX_PHRASE + 2);
	assert_non_null(longphrase);
	memset(longphrase, 'b', LEXICON_MAX_PHRASE + 1);
	longphrase[LEXICON_MAX_PHRASE + 1] = '\0';

	content = strdup_printf("ok one\tnegative\t-1\n"          /* 1 */
				"bad\tgrumpy\t-1\n"               /* 2 unknown category */
				"bad\tnegative\t2\n"              /* 3 wrong sign */
				"bad\tpositive\t-1\n"             /* 4 wrong sign */
				"bad\tnegative\t-5\n"             /* 5 out of range */
				"bad negative -1\n"               /* 6 missing tab */
				"bad\tnegative\n"                 /* 7 missing field */
				"bad\tnegative\t1,5\n"            /* 8 decimal comma */
				"%s\tnegative\t-1\n"              /* 9 phrase too long */
				"bad \xff\tnegative\t-1\n"        /* 10 invalid UTF-8 */
				"%s\n"                            /* 11 line too long */
				"bad\tbooster\t0.5\n"             /* 12 booster <= 1 */
				"bad\tdampener\t1.5\n"            /* 13 dampener >= 1 */
				"bad\tnegator\t0.5\n"             /* 14 negator > 0 */
				"bad\tcontrast\t3\n"              /* 15 contrast > 2 */
				"!!!\tnegative\t-1\n"             /* 16 no word */
				"a b c d e f g h i\tnegative\t-1\n" /* 17 too many words */
				"bad\tnegative\t-1\textra\n"      /* 18 too many fields */
				"  # comment\n"
				"\n"
				"ok\t\tnegative\t\t-2.5  \r\n"    /* 21 aligned with tabs, CRLF */
				"ok two\tPOSITIVE\t1.5",          /* 22 no final newline */
				longphrase, longline);
	assert_non_null(content);
	assert_int_equal(lexicon_add_buffer(lx, "t/fr-test.lex", content, strlen(content), &d), 17);
	assert_int_equal(d.n_errors, 17);
	assert_int_equal(strv_length(d.lines), 17);
	for (unsigned line = 2; line <= 18; line++) {
		_cleanup_free_ char *prefix = strdup_printf("t/fr-test.lex:%u: ", line);

		assert_non_null(prefix);
		assert_true(strncmp(d.lines[line - 2], prefix, strlen(prefix)) == 0);
	}
	assert_non_null(strstr(d.lines[0], "unknown category 'grumpy'"));
	assert_non_null(strstr(d.lines[4], "missing tab"));
	assert_non_null(strstr(d.lines[8], "invalid UTF-8"));
	assert_non_null(strstr(d.lines[9], "line too long"));
	/* Good lines around the bad ones are loaded. */
	assert_int_equal(lexicon_size(lx), 3);
	assert_int_equal(lexicon_get(lx, "ok", CATEGORY_NEGATIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == -2.5);
	assert_int_equal(lexicon_get(lx, "ok two", CATEGORY_POSITIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == 1.5);
	diag_done(&d);
}

static void write_file(const char *dir, const char *name, const char *content)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", dir, name);
	_cleanup_fclose_ FILE *f = NULL;

	assert_non_null(p);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
}

static void remove_tree(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		if (!streq(ents[i]->d_name, ".") && !streq(ents[i]->d_name, "..")) {
			_cleanup_free_ char *p = strdup_printf("%s/%s", dir, ents[i]->d_name);

			if (p)
				unlink(p);
		}
		free(ents[i]);
	}
	free(ents);
	rmdir(dir);
}

static void test_add_dir_and_default(void **state)
{
	char dir[] = "/tmp/test-tone-XXXXXX";
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_new();
	_cleanup_free_ char *missing = NULL, *saved = NULL;
	struct lexicon *def = NULL;
	struct diag d = {};
	struct stat st;
	double w;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "en.lex", "awful\tnegative\t-3\n");
	write_file(dir, "fr.lex", "nul\tabuse\t-3\nbof\tnegative\t-1\n");
	write_file(dir, "zz-local.lex", "bof\tnegative\t0\noops\n");
	write_file(dir, "notes.txt", "ignored\tnegative\t-1\n");

	assert_int_equal(lexicon_add_dir(lx, dir, &d), 1);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.lines[0], "zz-local.lex:2: "));
	assert_int_equal(lexicon_size(lx), 2);
	assert_int_equal(lexicon_get(lx, "bof", CATEGORY_NEGATIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == 0);
	assert_int_equal(lexicon_get(lx, "ignored", CATEGORY_NEGATIVE, LEXICON_LANG_FR, &w), 0);
	assert_true(w == 0);
	diag_done(&d);

	missing = strdup_printf("%s/nope", dir);
	assert_int_equal(lexicon_add_dir(lx, missing, &d), 0);
	assert_int_equal(d.n_errors, 0);

	/* lexicon_load_default() honours REDFLAGD_LEXICON_DIR over `dir`. */
	saved = strdup_null(getenv("REDFLAGD_LEXICON_DIR"));
	assert_int_equal(setenv("REDFLAGD_LEXICON_DIR", dir, 1), 0);
	assert_int_equal(lexicon_load_default("/nonexistent", &def, &d), 0);
	assert_true(lexicon_size(def) >= 2);
	def = lexicon_free(def);
	diag_done(&d);
	/* Unset: the config's directory is used. */
	assert_int_equal(unsetenv("REDFLAGD_LEXICON_DIR"), 0);
	assert_int_equal(lexicon_load_default(dir, &def, &d), 0);
	assert_int_equal(lexicon_get(def, "awful", CATEGORY_NEGATIVE, LEXICON_LANG_EN, &w), 0);
	assert_true(w == -3);
	def = lexicon_free(def);
	diag_done(&d);
	/* Nothing at all: -ENOENT (unless the machine has owner files installed). */
	if (stat(SYSCONFDIR "/redflagd/lexicon", &st) < 0)
		assert_int_equal(lexicon_load_default(missing, &def, &d), -ENOENT);
	assert_null(def);
	diag_done(&d);
	if (saved)
		assert_int_equal(setenv("REDFLAGD_LEXICON_DIR", saved, 1), 0);
	remove_tree(dir);
}

/* ---- tokens and folding ------------------------------------------------- */

static void assert_tokens(const char *text, const char *const *expect, size_t n)
{
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};

	assert_int_equal(lexicon_tokenize(text, strlen(text), false, &t), 0);
	if (t.n != n)
		fail_msg("'%s': %zu words, expected %zu", text, t.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(lexicon_token_word(&t, i), expect[i]);
}

static void test_tokenize_fold(void **state)
{
	static const char *const a[] = { "n'", "est", "ce", "pas", "deja", "ca" };
	static const char *const b[] = { "don't", "it's", "i'm", "we'll", "l'", "argent" };
	static const char *const c[] = { "coeur", "aegis", "strasse", "fi", "1", "5" };
	static const char *const d[] = { "aujourd'", "hui", "c'", "est", "l'", "ete" };
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};
	const char *text = "Ok, DÉÇU!";

	assert_tokens("N’est-ce pas DÉJÀ ça ?", a, ELEMENTSOF(a));
	assert_tokens("Don’t; it's I'm we'll l'argent", b, ELEMENTSOF(b));
	assert_tokens("Cœur ÆGIS Straße ﬁ 1.5", c, ELEMENTSOF(c));
	assert_tokens("aujourd'hui, c´est l’été", d, ELEMENTSOF(d));
	/* Invalid UTF-8 separates words; nothing crashes. */
	static const char *const e[] = { "ab", "cd" };
	assert_tokens("ab\xff\xfe" "cd", e, ELEMENTSOF(e));

	assert_int_equal(lexicon_tokenize(text, strlen(text), false, &t), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.tokens[1].start, 4);
	assert_int_equal(t.tokens[1].end, 4 + strlen("DÉÇU"));
	assert_true(t.tokens[1].caps);
	assert_false(t.tokens[0].caps); /* fewer than 3 letters */
}

static void test_matching_is_folded(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx =
		lexicon_from("x.lex", "déçu\tnegative\t-2\nc'est nul\tabuse\t-3\n");
	static const char *const texts[] = { "je suis DÉÇU", "je suis decu", "je suis Déçu", "je suis déçu" };
	struct tone_result r;

	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		analyse(lx, texts[i], &r);
		assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
		assert_int_equal(r.n_hits, 1);
		/* The phrase is given as written. */
		assert_string_equal(r.hits[0].phrase, texts[i] + strlen("je suis "));
		tone_result_done(&r);
	}
	analyse(lx, "C’EST NUL", &r);
	assert_int_equal(r.categories[CATEGORY_ABUSE], 1);
	assert_string_equal(r.hits[0].phrase, "C’EST NUL");
	tone_result_done(&r);
}

static void test_longest_match(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_from("en.lex",
								 "still\tnegative\t-0.5\n"
								 "still waiting\tnegative\t-2.5\n"
								 "still waiting for payment\tpayment\t-3\n"
								 "waiting\tpressure\t-1\n");
	struct tone_result r;

	analyse(lx, "I am still waiting for the files", &r);
	assert_int_equal(r.n_hits, 1);
	assert_string_equal(r.hits[0].phrase, "still waiting");
	assert_true(r.hits[0].weight == -2.5);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 0);
	tone_result_done(&r);

	analyse(lx, "I am still   waiting\nfor payment", &r);
	assert_int_equal(r.n_hits, 1);
	assert_string_equal(r.hits[0].phrase, "still waiting for payment");
	assert_int_equal(r.categories[CATEGORY_PAYMENT], 1);
	tone_result_done(&r);

	/* A phrase does not run across punctuation. */
	analyse(lx, "I am still. Waiting, for the files", &r);
	assert_int_equal(r.n_hits, 2);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 1);
	tone_result_done(&r);
}

/* ---- scoring ------------------------------------------------------------ */

static void test_negation(void **state)
{
	struct tone_result r;
	const struct tone_hit *h;

	/* A negated positive counts as negative. */
	analyse(NULL, "I am not happy with this", &r);
	assert_true(r.score < 0);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	assert_int_equal(r.categories[CATEGORY_POSITIVE], 0);
	h = find_hit(&r, "happy");
	assert_non_null(h);
	assert_true(h->negated);
	assert_int_equal(h->category, CATEGORY_NEGATIVE);
	assert_true(h->weight < 0);
	tone_result_done(&r);

	/* A negated negative counts nowhere but lifts the score. */
	analyse(NULL, "The result is not bad", &r);
	assert_true(r.score > 0);
	for (int c = 0; c < _CATEGORY_MAX; c++)
		assert_int_equal(r.categories[c], 0);
	assert_int_equal(r.n_hits, 1);
	assert_true(r.hits[0].negated);
	tone_result_done(&r);

	/* Negated pressure and abuse count nowhere and weigh nothing. */
	analyse(NULL, "It is not urgent at all", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 0);
	assert_true(r.score == 0);
	tone_result_done(&r);
	analyse(NULL, "Ce n'est pas urgent", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 0);
	assert_int_equal(r.label, TONE_NEUTRAL);
	tone_result_done(&r);

	/* French: ne ... pas, ne ... jamais, pas du tout, ne ... plus. */
	static const char *const fr[] = {
		"Je ne suis pas content",
		"Je ne serai jamais satisfait de ce travail",
		"Je suis pas du tout satisfait",
		"Je ne suis plus satisfait",
		"Je ne suis vraiment pas satisfait",
		"Il n'est pas parfait",
	};
	for (size_t i = 0; i < ELEMENTSOF(fr); i++) {
		analyse(NULL, fr[i], &r);
		if (!(r.score < 0 && r.categories[CATEGORY_NEGATIVE] == 1 &&
		      r.categories[CATEGORY_POSITIVE] == 0))
			fail_msg("'%s': score %g", fr[i], r.score);
		tone_result_done(&r);
	}
	analyse(NULL, "I am no longer happy with the service", &r);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	tone_result_done(&r);

	/* A phrase carrying its own negation is not flipped by the "n'" before it. */
	analyse(NULL, "Ce n'est toujours pas réglé", &r);
	assert_true(r.score < 0);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	tone_result_done(&r);

	/* Out of the window, or across a comma: no negation. */
	analyse(NULL, "I have not seen the new drafts yet and the team is happy", &r);
	assert_int_equal(r.categories[CATEGORY_POSITIVE], 1);
	tone_result_done(&r);
	/* A negator of several words before an opinion verb reaches further. */
	analyse(NULL, "I don't think this is a good idea", &r);
	assert_int_equal(r.categories[CATEGORY_POSITIVE], 0);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	assert_int_equal(r.label, TONE_NEGATIVE);
	tone_result_done(&r);
	analyse(NULL, "Je ne pense pas que ce soit une bonne idée", &r);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	assert_int_equal(r.label, TONE_NEGATIVE);
	tone_result_done(&r);
	/* A negated negative never lifts a complaint. */
	analyse(NULL, "The painters didn't show up again. Nobody called to warn us.", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	tone_result_done(&r);
	analyse(NULL, "No, I am happy", &r);
	assert_int_equal(r.categories[CATEGORY_POSITIVE], 1);
	assert_true(r.score > 0);
	tone_result_done(&r);
}

static void test_boosters_caps_bangs(void **state)
{
	/* Boosters and dampeners. */
	assert_true(score_of(NULL, "I am very happy") > score_of(NULL, "I am happy"));
	assert_true(score_of(NULL, "Je suis très déçu") < score_of(NULL, "Je suis déçu"));
	assert_true(score_of(NULL, "Je suis vraiment déçu") < score_of(NULL, "Je suis déçu"));
	assert_true(score_of(NULL, "I am extremely disappointed") <
		    score_of(NULL, "I am really disappointed"));
	assert_true(score_of(NULL, "I am a bit disappointed") > score_of(NULL, "I am disappointed"));
	assert_true(score_of(NULL, "Je suis un peu déçu") > score_of(NULL, "Je suis déçu"));
	assert_true(score_of(NULL, "I am a bit disappointed") < 0);

	/* ALL CAPS (in a text that is not all caps) and exclamation marks. */
	assert_true(score_of(NULL, "This is UNACCEPTABLE") < score_of(NULL, "This is unacceptable"));
	assert_true(score_of(NULL, "This is unacceptable!!!") < score_of(NULL, "This is unacceptable!!"));
	assert_true(score_of(NULL, "This is unacceptable!!") < score_of(NULL, "This is unacceptable."));
	assert_true(score_of(NULL, "Great job!!!") > score_of(NULL, "Great job."));

	struct tone_result r;

	analyse(NULL, "This is URGENT", &r);
	assert_int_equal(r.n_hits, 1);
	assert_true(r.hits[0].weight < -1.5); /* 1.5 x the lexicon's -1.5 */
	tone_result_done(&r);
}

static void test_contrast(void **state)
{
	/* What follows "but"/"mais" weighs more than what precedes. */
	assert_true(score_of(NULL, "The design is great but the delivery was a disaster") < 0);
	assert_true(score_of(NULL, "The delivery was a disaster but the design is great") > 0);
	assert_true(score_of(NULL, "Le design est parfait, mais la livraison est catastrophique") < 0);
	assert_true(score_of(NULL, "La livraison est catastrophique, mais le design est parfait") > 0);
	/* At the start of a sentence, it discounts the previous one. */
	assert_true(score_of(NULL, "The design is great. However, the delivery was a disaster.") < 0);

	struct tone_result r;
	const struct tone_hit *h;

	analyse(NULL, "Good, but awful", &r);
	h = find_hit(&r, "awful");
	assert_non_null(h);
	assert_true(h->weight < -3);
	h = find_hit(&r, "Good");
	assert_non_null(h);
	assert_true(h->weight < 1.8);
	tone_result_done(&r);
}

static void test_politeness(void **state)
{
	struct tone_result r;

	/* Politeness alone is not praise. */
	assert_int_equal(label_of("Thanks in advance. Best regards"), TONE_NEUTRAL);
	assert_int_equal(label_of("Merci d'avance, cordialement"), TONE_NEUTRAL);
	assert_int_equal(label_of("Bonjour, voici les documents. Bien cordialement"), TONE_NEUTRAL);

	/* And it never cancels a complaint. */
	assert_true(score_of(NULL, "Thank you. This is unacceptable. Thanks in advance, best regards") ==
		    score_of(NULL, "This is unacceptable."));
	assert_true(score_of(NULL, "Merci. C'est inadmissible. Merci d'avance, cordialement") ==
		    score_of(NULL, "C'est inadmissible."));
	analyse(NULL, "Hello, still waiting for the files. Many thanks, kind regards", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_int_equal(r.categories[CATEGORY_POSITIVE], 0);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	assert_null(find_hit(&r, "kind regards"));
	tone_result_done(&r);

	/* Topic words are neutral; "urgent" is pressure, not praise. */
	assert_int_equal(label_of("Please find the invoice for the project attached"), TONE_NEUTRAL);
	assert_int_equal(label_of("Voici la facture et le délai prévu pour le projet"), TONE_NEUTRAL);
	analyse(NULL, "urgent", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 1);
	assert_true(r.score < 0);
	tone_result_done(&r);
}

static void test_language_detection(void **state)
{
	static const struct {
		const char *text, *lang;
	} cases[] = {
		{ "Bonjour, je vous écris pour le projet de site", "fr" },
		{ "Hello, I am writing to you about the website project", "en" },
		{ "Merci pour le travail sur le site, but the logo is not right", "mixed" },
		{ "Bonjour, je vous écris because the logo is not right et les couleurs ne vont pas", "mixed" },
		{ "OK", "mixed" },
		{ "", "mixed" },
	};
	struct tone_result r;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		analyse(NULL, cases[i].text, &r);
		assert_string_equal(r.language, cases[i].lang);
		tone_result_done(&r);
	}
	/* Mixed text uses both lexicons. */
	analyse(NULL, "c'est nul, and honestly it is unacceptable", &r);
	assert_string_equal(r.language, "mixed");
	assert_int_equal(r.categories[CATEGORY_ABUSE], 1);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 1);
	tone_result_done(&r);
}

static void test_json(void **state)
{
	struct tone_result r = {
		.score = -0.62,
		.label = TONE_NEGATIVE,
	};
	struct tone_hit hits[2] = {
		{ .phrase = (char *) "c'est \"nul\"", .category = CATEGORY_ABUSE, .weight = -3, .negated = false },
		{ .phrase = (char *) "not happy", .category = CATEGORY_NEGATIVE, .weight = -1.48, .negated = true },
	};
	char *s;

	r.categories[CATEGORY_NEGATIVE] = 2;
	r.categories[CATEGORY_PRESSURE] = 1;
	s = tone_result_to_json(&r);
	assert_string_equal(s, "{\"score\": -0.62, \"label\": \"neg\", \"categories\": {\"negative\": 2, \"pressure\": 1}}");
	free(s);
	s = tone_hits_to_json(&r);
	assert_string_equal(s, "[]");
	free(s);

	r.hits = hits;
	r.n_hits = 2;
	s = tone_hits_to_json(&r);
	assert_string_equal(s, "[{\"phrase\": \"c'est \\\"nul\\\"\", \"category\": \"abuse\", \"weight\": -3, \"negated\": false}, "
			       "{\"phrase\": \"not happy\", \"category\": \"negative\", \"weight\": -1.48, \"negated\": true}]");
	free(s);

	struct tone_result e;

	analyse(NULL, "Can you send the invoice?", &e);
	s = tone_result_to_json(&e);
	assert_string_equal(s, "{\"score\": 0, \"label\": \"neu\", \"categories\": {}}");
	free(s);
	tone_result_done(&e);

	/* Scores are rounded to 4 decimals. */
	analyse(NULL, "This is unacceptable", &e);
	assert_true(fabs(e.score * 10000 - round(e.score * 10000)) < 1e-6);
	tone_result_done(&e);
}

static void test_hits_cap_and_hostile_text(void **state)
{
	_cleanup_free_ char *text = NULL;
	struct tone_result r;
	char *p;

	text = malloc(100 * 8 + 1);
	assert_non_null(text);
	p = text;
	for (int i = 0; i < 100; i++) {
		memcpy(p, "idiot.  ", 8);
		p += 8;
	}
	*p = '\0';
	analyse(NULL, text, &r);
	assert_int_equal(r.n_hits, TONE_MAX_HITS);
	assert_int_equal(r.categories[CATEGORY_ABUSE], 100);
	assert_true(r.score < -0.99);
	tone_result_done(&r);

	/* Invalid UTF-8, NULs, huge words: no crash, sane result. */
	static const char junk[] = "\xff\xfe idiot\x00\xc3 \xe2\x80 \xf0\x9f\x98\x80!!!!!!!!!! ???";
	assert_int_equal(tone_analyse(real, junk, sizeof(junk) - 1, &r), 0);
	assert_int_equal(r.categories[CATEGORY_ABUSE], 1);
	tone_result_done(&r);

	_cleanup_free_ char *big = malloc(100000);
	assert_non_null(big);
	memset(big, 'a', 99999);
	big[99999] = '\0';
	analyse(NULL, big, &r);
	assert_int_equal(r.n_hits, 0);
	tone_result_done(&r);

	assert_int_equal(tone_analyse(real, NULL, 0, &r), 0);
	assert_int_equal(r.label, TONE_NEUTRAL);
	tone_result_done(&r);
	assert_int_equal(tone_analyse(NULL, "x", 1, &r), -EINVAL);
}

/* ---- the done-when sentences and a labelled set ------------------------- */

static void test_done_when(void **state)
{
	struct tone_result r;

	analyse(NULL, "Toujours pas de nouvelles, c'est inadmissible", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_true(r.categories[CATEGORY_NEGATIVE] >= 1);
	tone_result_done(&r);

	analyse(NULL, "Je ne suis pas du tout satisfait, c'est la troisième relance !!!", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_true(r.categories[CATEGORY_NEGATIVE] >= 1);
	assert_true(r.categories[CATEGORY_PRESSURE] >= 1);
	tone_result_done(&r);

	analyse(NULL, "Not bad at all, thanks!", &r);
	assert_int_equal(r.label, TONE_POSITIVE);
	tone_result_done(&r);

	analyse(NULL, "Thanks, but this is the third time I ask", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	tone_result_done(&r);

	analyse(NULL, "Thank you so much, great work", &r);
	assert_int_equal(r.label, TONE_POSITIVE);
	tone_result_done(&r);

	analyse(NULL, "Merci beaucoup, c'est parfait", &r);
	assert_int_equal(r.label, TONE_POSITIVE);
	tone_result_done(&r);

	analyse(NULL, "Can you send the invoice?", &r);
	assert_int_equal(r.label, TONE_NEUTRAL);
	assert_int_equal(r.n_hits, 0);
	tone_result_done(&r);

	analyse(NULL, "This is URGENT, I need it by tomorrow", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 2);
	assert_non_null(find_hit(&r, "URGENT"));
	assert_non_null(find_hit(&r, "by tomorrow"));
	tone_result_done(&r);

	analyse(NULL, "You are an idiot", &r);
	assert_int_equal(r.categories[CATEGORY_ABUSE], 1);
	assert_string_equal(r.hits[0].phrase, "idiot");
	tone_result_done(&r);
}

static void test_categories(void **state)
{
	static const struct {
		const char *text;
		enum category cat;
	} cases[] = {
		{ "Are you sure this is the right approach?", CATEGORY_DOUBT },
		{ "My nephew says the site is slow", CATEGORY_DOUBT },
		{ "Vous êtes sûr de vous ?", CATEGORY_DOUBT },
		{ "I need this ASAP", CATEGORY_PRESSURE },
		{ "Please send it by end of day", CATEGORY_PRESSURE },
		{ "C'est pour hier !", CATEGORY_PRESSURE },
		{ "Je vous envoie une relance", CATEGORY_PRESSURE },
		{ "This is a late payment reminder", CATEGORY_PAYMENT },
		{ "We dispute the invoice you sent", CATEGORY_PAYMENT },
		{ "La facture contestée reste impayée", CATEGORY_PAYMENT },
		{ "Je ne paierai pas ce montant", CATEGORY_PAYMENT },
		{ "You are useless", CATEGORY_ABUSE },
		{ "Quel connard", CATEGORY_ABUSE },
		{ "C'est du foutage de gueule", CATEGORY_ABUSE },
		{ "As I already said, the logo is blue", CATEGORY_NEGATIVE },
		{ "I expected better from you", CATEGORY_NEGATIVE },
		{ "Je m'attendais à mieux de votre part", CATEGORY_NEGATIVE },
		{ "Comme je vous l'ai déjà dit, le logo est bleu", CATEGORY_NEGATIVE },
		{ "Le site ne fonctionne toujours pas", CATEGORY_NEGATIVE },
		{ "The parcel hasn't arrived", CATEGORY_NEGATIVE },
	};
	struct tone_result r;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		/* Doubt, pressure and payment count in their category; alone
		 * they do not make a message negative (test_side_categories). */
		bool side = cases[i].cat == CATEGORY_DOUBT || cases[i].cat == CATEGORY_PRESSURE ||
			    cases[i].cat == CATEGORY_PAYMENT;

		analyse(NULL, cases[i].text, &r);
		if (r.categories[cases[i].cat] < 1 || r.label == TONE_POSITIVE ||
		    (!side && r.label != TONE_NEGATIVE))
			fail_msg("'%s': no %s hit (score %g)", cases[i].text,
				 category_to_string(cases[i].cat), r.score);
		tone_result_done(&r);
	}
}

static const struct {
	const char *text;
	enum tone_label label;
} labelled[] = {
	/* French */
	{ "Je suis très déçu par votre travail.", TONE_NEGATIVE },
	{ "Merci pour votre réactivité, c'est parfait.", TONE_POSITIVE },
	{ "Pouvez-vous m'envoyer le devis ?", TONE_NEUTRAL },
	{ "Ça ne fonctionne toujours pas, j'en ai marre.", TONE_NEGATIVE },
	{ "Super travail, bravo à toute l'équipe !", TONE_POSITIVE },
	{ "Je vous relance pour la troisième fois.", TONE_NEGATIVE },
	{ "Le rendez-vous est confirmé pour jeudi à 14h.", TONE_NEUTRAL },
	{ "C'est vraiment inacceptable, je veux un remboursement.", TONE_NEGATIVE },
	{ "Je suis ravi du résultat, merci beaucoup.", TONE_POSITIVE },
	{ "Vous êtes sûr que c'est la bonne solution ?", TONE_NEUTRAL },
	{ "Bonjour, voici les documents demandés. Cordialement", TONE_NEUTRAL },
	{ "Je ne suis pas satisfait du tout.", TONE_NEGATIVE },
	{ "Pas mal du tout, merci !", TONE_POSITIVE },
	{ "Merci, mais c'est encore une fois en retard.", TONE_NEGATIVE },
	{ "Votre équipe est incompétente.", TONE_NEGATIVE },
	{ "Le site est magnifique, nous sommes très contents.", TONE_POSITIVE },
	{ "Je ne paierai pas cette facture.", TONE_NEGATIVE },
	{ "Pouvez-vous me rappeler demain ?", TONE_NEUTRAL },
	{ "Franchement, c'est du grand n'importe quoi.", TONE_NEGATIVE },
	{ "Nous sommes satisfaits de la prestation.", TONE_POSITIVE },
	{ "Ce n'est pas terrible, je m'attendais à mieux.", TONE_NEGATIVE },
	{ "Excellent travail, je vous recommande sans hésiter.", TONE_POSITIVE },
	{ "J'attends toujours votre réponse depuis deux semaines.", TONE_NEGATIVE },
	{ "La réunion est déplacée à mardi.", TONE_NEUTRAL },
	{ "C'est nul, vous êtes des amateurs.", TONE_NEGATIVE },
	{ "Merci d'avance pour votre retour. Bien à vous", TONE_NEUTRAL },
	{ "Je ne suis jamais déçu avec vous, merci !", TONE_POSITIVE },
	{ "C'est urgent, il me le faut pour hier !!!", TONE_NEUTRAL },
	{ "Tout fonctionne parfaitement, merci.", TONE_POSITIVE },
	{ "Le problème n'est toujours pas réglé, c'est scandaleux.", TONE_NEGATIVE },
	{ "Je n'ai jamais été aussi déçu par un prestataire.", TONE_NEGATIVE },
	{ "Vous êtes sûr ? Mon neveu dit que c'est trop lent.", TONE_NEGATIVE },
	{ "Je conteste la facture, il y a un retard de paiement justifié.", TONE_NEGATIVE },
	/* English */
	{ "I am very disappointed with the result.", TONE_NEGATIVE },
	{ "Great job, thank you so much!", TONE_POSITIVE },
	{ "Could you send me the quote?", TONE_NEUTRAL },
	{ "This is still not working, I'm fed up.", TONE_NEGATIVE },
	{ "Excellent work, the team did a fantastic job.", TONE_POSITIVE },
	{ "This is the third time I ask for this.", TONE_NEGATIVE },
	{ "The meeting is confirmed for Thursday at 2pm.", TONE_NEUTRAL },
	{ "This is totally unacceptable, I want a refund.", TONE_NEGATIVE },
	{ "I'm delighted with the result, thanks a lot.", TONE_POSITIVE },
	{ "Are you sure this is the right approach?", TONE_NEUTRAL },
	{ "Hi, please find the documents attached. Best regards", TONE_NEUTRAL },
	{ "I'm not happy at all.", TONE_NEGATIVE },
	{ "Not bad at all, thanks!", TONE_POSITIVE },
	{ "Thanks, but it is late again.", TONE_NEGATIVE },
	{ "Your team is incompetent.", TONE_NEGATIVE },
	{ "The website looks great, we are very happy.", TONE_POSITIVE },
	{ "I will not pay this invoice.", TONE_NEGATIVE },
	{ "Can you call me tomorrow?", TONE_NEUTRAL },
	{ "Honestly, this is a complete mess.", TONE_NEGATIVE },
	{ "We are satisfied with the service.", TONE_POSITIVE },
	{ "It's not great, I expected better.", TONE_NEGATIVE },
	{ "Outstanding work, I highly recommend you.", TONE_POSITIVE },
	{ "I'm still waiting for your answer after two weeks.", TONE_NEGATIVE },
	{ "The meeting has been moved to Tuesday.", TONE_NEUTRAL },
	{ "This is crap, you are amateurs.", TONE_NEGATIVE },
	{ "Thanks in advance for your feedback. Kind regards", TONE_NEUTRAL },
	{ "I have never been disappointed with you, thanks!", TONE_POSITIVE },
	{ "It's urgent, I need it ASAP!!!", TONE_NEUTRAL },
	{ "Everything works perfectly, thank you.", TONE_POSITIVE },
	{ "The issue still isn't fixed, this is outrageous.", TONE_NEGATIVE },
	{ "I have never been so disappointed by a supplier.", TONE_NEGATIVE },
	{ "My nephew says the site is slow, are you sure about the hosting?", TONE_NEGATIVE },
	{ "Thank you for the quick turnaround, I really appreciate it.", TONE_POSITIVE },
};

/* Doubt, pressure and payment count in their category but do not make a
 * message negative on their own; with a complaint they weigh fully. */
static void test_side_categories(void **state)
{
	static const struct {
		const char *text;
		enum category cat;
	} alone[] = {
		{ "Could we have it by Friday? Thanks!", CATEGORY_PRESSURE },
		{ "Are you sure this is the right approach? My nephew says a Shopify store would be simpler.",
		  CATEGORY_DOUBT },
		{ "Il me le faut pour demain 9h svp", CATEGORY_PRESSURE },
		{ "We'll pay the invoice at the end of the month, our cash flow is tight.", CATEGORY_PAYMENT },
		{ "Nous réglerons la facture à la fin du mois, la trésorerie est un peu juste.",
		  CATEGORY_PAYMENT },
		{ "Nous ne pouvons pas payer la totalité. Serait-il possible de régler en trois fois ?",
		  CATEGORY_PAYMENT },
	};
	struct tone_result r;

	for (size_t i = 0; i < ELEMENTSOF(alone); i++) {
		analyse(NULL, alone[i].text, &r);
		if (r.categories[alone[i].cat] < 1 || r.label != TONE_NEUTRAL)
			fail_msg("'%s': %s %u, score %g", alone[i].text, category_to_string(alone[i].cat),
				 r.categories[alone[i].cat], r.score);
		tone_result_done(&r);
	}

	/* A plan of the client's own, or a plain "right now", is no pressure. */
	analyse(NULL, "Ok I'll take a look tonight", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 0);
	assert_int_equal(r.label, TONE_NEUTRAL);
	tone_result_done(&r);
	analyse(NULL, "Our cash flow is tight right now", &r);
	assert_int_equal(r.categories[CATEGORY_PRESSURE], 0);
	assert_int_equal(r.categories[CATEGORY_PAYMENT], 1);
	tone_result_done(&r);

	/* With negative wording, pressure adds to the complaint. */
	assert_true(score_of(NULL, "This is unacceptable, I need it by tomorrow") <
		    score_of(NULL, "This is unacceptable"));
	/* A refusal to pay is a complaint and a payment matter. */
	analyse(NULL, "Nous ne réglerons pas le solde tant que les finitions ne seront pas reprises.", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_int_equal(r.categories[CATEGORY_PAYMENT], 1);
	tone_result_done(&r);
	analyse(NULL, "Vous nous avez facturé deux fois le même mois, merci de corriger.", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_int_equal(r.categories[CATEGORY_PAYMENT], 1);
	tone_result_done(&r);
}

/* Praise alone in a short clause next to a negative hit is sarcasm. */
static void test_sarcasm(void **state)
{
	static const char *const sarcastic[] = {
		"Great, another delay. Just what I needed.",
		"Well done, you deleted our entire mailing list. Fantastic.",
		"Super, encore un retard.",
		"Bravo, la facture est encore fausse.",
		"Je demande une petite modif et toute la page est cassée. Chapeau.",
	};
	struct tone_result r;
	const struct tone_hit *h;

	for (size_t i = 0; i < ELEMENTSOF(sarcastic); i++) {
		analyse(NULL, sarcastic[i], &r);
		if (r.label != TONE_NEGATIVE || r.categories[CATEGORY_POSITIVE] != 0)
			fail_msg("'%s': score %g, %u positive", sarcastic[i], r.score,
				 r.categories[CATEGORY_POSITIVE]);
		tone_result_done(&r);
	}
	analyse(NULL, "Great, another delay.", &r);
	h = find_hit(&r, "Great");
	assert_non_null(h);
	assert_int_equal(h->category, CATEGORY_NEGATIVE);
	assert_true(h->weight < 0);
	tone_result_done(&r);

	/* Sincere praise stays praise. */
	assert_int_equal(label_of("Franchement, chapeau."), TONE_POSITIVE);
	assert_int_equal(label_of("Great, thanks! See you on Monday."), TONE_POSITIVE);
	assert_int_equal(label_of("Perfect, that's exactly what we needed."), TONE_POSITIVE);
}

/* Negative wording aimed at the provider weighs more; "target" entries. */
static void test_target(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_new();
	static const char bad[] = "you\ttarget\t0.5\nyour\ttarget\t1.5\n";
	struct diag d = {};
	double w;

	assert_true(score_of(NULL, "Your mistakes cost us a day") < score_of(NULL, "The mistakes cost us a day"));
	assert_true(score_of(NULL, "Vos erreurs nous ont coûté une journée") <
		    score_of(NULL, "Les erreurs nous ont coûté une journée"));
	/* Not on praise. */
	assert_true(score_of(NULL, "Your work is excellent") == score_of(NULL, "The work is excellent"));

	assert_non_null(lx);
	assert_int_equal(lexicon_add_buffer(lx, "en.lex", bad, strlen(bad), &d), 1);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.lines[0], "en.lex:1: "));
	assert_int_equal(lexicon_get(lx, "your", LEXICON_TARGET, LEXICON_LANG_EN, &w), 0);
	assert_true(w == 1.5);
	diag_done(&d);
}

/* Complaints after a contrast outweigh praise before it. */
static void test_contrast_complaint(void **state)
{
	assert_int_equal(label_of("I appreciate the effort, but the new layout is confusing and our customers are "
				  "complaining."),
			 TONE_NEGATIVE);
	assert_int_equal(label_of("Je salue l'effort, mais la nouvelle mise en page est confuse et nos clients se "
				  "plaignent."),
			 TONE_NEGATIVE);
	assert_int_equal(label_of("Thanks for the quick reply, but it doesn't solve anything."), TONE_NEGATIVE);
	/* Doubt before "mais" is damped, praise after it wins. */
	assert_int_equal(label_of("J'avais des doutes au début, mais vous aviez raison pour les couleurs. "
				  "C'est très réussi."),
			 TONE_POSITIVE);
}

static void test_labelled(void **state)
{
	unsigned wrong = 0;

	assert_true(ELEMENTSOF(labelled) >= 60);
	for (size_t i = 0; i < ELEMENTSOF(labelled); i++) {
		struct tone_result r;

		analyse(NULL, labelled[i].text, &r);
		if (r.label != labelled[i].label) {
			fprintf(stderr, "# '%s': %s (%g), expected %s\n", labelled[i].text,
				tone_label_to_string(r.label), r.score,
				tone_label_to_string(labelled[i].label));
			wrong++;
		}
		tone_result_done(&r);
	}
	assert_int_equal(wrong, 0);
}

/* Emoticons and emoji are words of their own, folded to one form. */
static void test_emoticons_emoji(void **state)
{
	static const char *const a[] = { "great", ":)", "see", "you", ":(" };
	static const char *const b[] = { ":d", ":)", ":'(", "<3", "</3", "^^", ">:(" };
	static const char *const c[] = { "love", "\xF0\x9F\x98\x8D", "\xE2\x9D\xA4", "\xF0\x9F\x91\x8D", "\xF0\x9F\x91\x8D" };
	/* Not faces: URLs, paths, times, code, "Re:Dates", "a=(b)". */
	static const char *const d[] = { "https", "example", "com", "c", "users", "10", "30", "re", "dates", "a", "b" };
	_cleanup_lexicon_free_ struct lexicon *lx =
		lexicon_from("x.lex", ":-)\tpositive\t2\n:(\tnegative\t-2\n\xF0\x9F\x98\x8D\tpositive\t2.5\n");
	struct tone_result r;

	assert_tokens("great:) see you :-((", a, ELEMENTSOF(a));
	assert_tokens(":-D =) :'-( <333 </3 ^_^ >:(", b, ELEMENTSOF(b));
	/* Variation selector, skin tone: one emoji; two thumbs are two. */
	assert_tokens("love\xF0\x9F\x98\x8D \xE2\x9D\xA4\xEF\xB8\x8F \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD\xF0\x9F\x91\x8D", c, ELEMENTSOF(c));
	assert_tokens("https://example.com C:/Users 10:30 Re:Dates a=(b)", d, ELEMENTSOF(d));

	analyse(lx, "see you tomorrow :]", &r);
	assert_int_equal(r.label, TONE_POSITIVE);
	assert_string_equal(r.hits[0].phrase, ":]");
	tone_result_done(&r);
	analyse(lx, "monday again :(", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	tone_result_done(&r);
	/* An emoji is never negated by the words before it. */
	analyse(lx, "best pancakes, no contest \xF0\x9F\x98\x8D", &r);
	assert_int_equal(r.label, TONE_POSITIVE);
	assert_false(r.hits[0].negated);
	tone_result_done(&r);
	/* The shipped lexicons know the usual ones, in both languages. */
	assert_int_equal(label_of("Monday again :("), TONE_NEGATIVE);
	assert_int_equal(label_of("Lundi encore :-("), TONE_NEGATIVE);
	assert_int_equal(label_of("Bon week-end \xF0\x9F\x98\x8D"), TONE_POSITIVE);
	assert_int_equal(label_of("Next meeting at 10:30, see https://example.com/a:b"), TONE_NEUTRAL);
}

/* Elongated words are looked up with their runs of letters cut. */
/* Review fixes: code and URLs are not faces, a lexicon file cannot pile
 * up entries behind one word, elongation collapsing refuses bad counts. */
static void test_hostile_edges(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_from("x.lex", "<3\tpositive\t2\n:/\tnegative\t-2\n");
	struct tone_result r = {};
	struct diag d = {};
	GString *big = g_string_new(NULL);
	char word[] = "aaa";

	analyse(lx, "if a<3 then b", &r);
	assert_int_equal(r.n_hits, 0);
	tone_result_done(&r);
	analyse(lx, "see http:// now and C://dir", &r);
	assert_int_equal(r.n_hits, 0);
	tone_result_done(&r);
	analyse(lx, "I <3 it but this is :/", &r);
	assert_int_equal(r.categories[CATEGORY_POSITIVE] + r.categories[CATEGORY_NEGATIVE], 2);
	tone_result_done(&r);

	for (unsigned i = 0; i < LEXICON_MAX_PER_WORD + 10; i++)
		g_string_append_printf(big, "same w%u\tnegative\t-1\n", i);
	assert_int_equal(lexicon_add_buffer(lx, "flood.lex", big->str, big->len, &d), 10);
	assert_int_equal(d.n_errors, 10);
	assert_non_null(strstr(d.lines[0], "flood.lex:257: more than 256 entries start with 'same'"));
	diag_done(&d);
	g_string_free(big, TRUE);

	assert_false(lexicon_collapse_elongation(word, 5));
	assert_false(lexicon_collapse_elongation(word, 0));
	assert_string_equal(word, "aaa");
}

static void test_elongation(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx =
		lexicon_from("x.lex", "good\tpositive\t2\nbad\tnegative\t-2\nso\tbooster\t1.5\n");
	char w[] = "sooooo", w2[] = "goood", w3[] = "coffee";
	_cleanup_(lexicon_tokens_done) struct lexicon_tokens t = {};

	assert_true(lexicon_collapse_elongation(w, 2));
	assert_string_equal(w, "soo");
	assert_true(lexicon_collapse_elongation(w2, 1));
	assert_string_equal(w2, "god");
	assert_false(lexicon_collapse_elongation(w3, 1)); /* double letters stay */
	assert_string_equal(w3, "coffee");

	assert_int_equal(lexicon_tokenize("Sooo goood coffee", 17, false, &t), 0);
	assert_true(t.tokens[0].elongated);
	assert_true(t.tokens[1].elongated);
	assert_false(t.tokens[2].elongated);

	/* "goood" is "good" (runs cut to two first), "sooo" the booster "so". */
	assert_true(score_of(lx, "sooo goood") > score_of(lx, "good"));
	assert_true(score_of(lx, "baaad") < 0);
	assert_int_equal(label_of("this is sooooo good"), TONE_POSITIVE);
	assert_int_equal(label_of("c'est trop nuuul"), TONE_NEGATIVE);
}

/* Polite request markers keep mild wording of their sentence neutral. */
static void test_request(void **state)
{
	_cleanup_lexicon_free_ struct lexicon *lx = lexicon_from(
		"x.lex", "typo\tnegative\t-1\nterrible\tnegative\t-3\ncould you\trequest\t0.3\n"
			 "unacceptable\tnegative\t-3\n");
	struct tone_result r;
	double w;

	assert_int_equal(lexicon_get(lx, "could you", LEXICON_REQUEST, LEXICON_LANG_EN, &w), 0);
	assert_true(w > 0.29 && w < 0.31);
	assert_string_equal(lexicon_kind_to_string(LEXICON_REQUEST), "request");

	analyse(lx, "Could you fix the typo on page 2?", &r);
	assert_int_equal(r.label, TONE_NEUTRAL);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 0);
	tone_result_done(&r);
	/* Without the marker, the same words are a (mild) complaint. */
	assert_int_equal(label_with(lx, "There is a typo on page 2."), TONE_NEGATIVE);
	/* Strong wording is not softened, and in a complaint mild wording counts. */
	assert_int_equal(label_with(lx, "Could you fix this terrible page?"), TONE_NEGATIVE);
	analyse(lx, "This is unacceptable. Could you fix the typo?", &r);
	assert_int_equal(r.label, TONE_NEGATIVE);
	assert_int_equal(r.categories[CATEGORY_NEGATIVE], 2);
	tone_result_done(&r);
	/* A request marker needs a multiplier in (0, 1). */
	{
		_cleanup_lexicon_free_ struct lexicon *bad = lexicon_new();
		const char *buf = "please\trequest\t1.5\n";

		assert_int_equal(lexicon_add_buffer(bad, "x.lex", buf, strlen(buf), NULL), 1);
	}
	/* Shipped lexicons: polite requests stay neutral in both languages. */
	assert_int_equal(label_of("I think there might be a typo in line 3, could you double-check?"),
			 TONE_NEUTRAL);
	assert_int_equal(label_of("Pourriez-vous corriger la petite erreur dans le titre ?"),
			 TONE_NEUTRAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_lexicons),
		cmocka_unit_test(test_required_phrases),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_language_by_file_name),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_add_dir_and_default),
		cmocka_unit_test(test_tokenize_fold),
		cmocka_unit_test(test_matching_is_folded),
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_boosters_caps_bangs),
		cmocka_unit_test(test_contrast),
		cmocka_unit_test(test_politeness),
		cmocka_unit_test(test_language_detection),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_hits_cap_and_hostile_text),
		cmocka_unit_test(test_done_when),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_side_categories),
		cmocka_unit_test(test_sarcasm),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_contrast_complaint),
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_emoticons_emoji),
		cmocka_unit_test(test_elongation),
		cmocka_unit_test(test_hostile_edges),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
