/* SPDX-License-Identifier: MIT */
/*
 * bench/tone-eval: quality of the tone engine on the hand-labelled
 * development set tests/tone/dev.tsv (see tests/tone/README.md).
 *
 * Each text is cleaned with text_clean() and scored with tone_analyse() on
 * the default lexicon, exactly as the daemon does. Printed per language and
 * overall: 3-way accuracy, negative-class precision/recall/F1, the confusion
 * matrix and per-category detection against the expected categories; then
 * the same figures for npm's vader-sentiment on the English half, read from
 * tests/tone/vader-baseline.tsv (written by bench/vader-baseline.js).
 *
 *   tone-eval [--check] [--errors] [--baseline FILE] [--lexicon-dir DIR] [DEV.TSV]
 *
 * --check exits non-zero unless the overall negative F1 >= 0.80 and the
 * English negative F1 >= VADER's English negative F1 + 0.15.
 * --errors lists the misclassified items with the engine's hits.
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lexicon.h"
#include "model.h"
#include "text-clean.h"
#include "tone.h"
#include "bench-util.h"
#include "util.h"

#define DEV_MAX_FILE (16U * 1024U * 1024U) /* dev.tsv and the baseline, bytes */
#define DEV_MAX_LINE 8192U		   /* one line, bytes */
#define DEV_MAX_ITEMS 100000U
#define DEV_HEADER "lang\tlabel\tcategories\ttext"
#define BASELINE_HEADER "line\tcompound\tlabel\tfnv1a"
#define SHOW_TEXT_MAX 200U /* bytes of a text shown by --errors */

#define FLOOR_NEG_F1 0.80	/* overall negative-class F1 */
#define FLOOR_VADER_MARGIN 0.15 /* English negative F1 above VADER's */

enum { LANG_EN, LANG_FR, LANG_ALL, _LANG_N };
static const char *const lang_name[_LANG_N] = {"en", "fr", "all"};

struct item {
	unsigned line;
	int lang;
	enum tone_label gold;
	bool gold_cat[_CATEGORY_MAX];
	char *raw;  /* text field as written (escaped): hashed, shown */
	char *text; /* unescaped */
	size_t text_len;

	enum tone_label pred;
	double score;
	bool pred_cat[_CATEGORY_MAX];
	char *cleaned;
	char *hits_json;

	bool has_vader;
	enum tone_label vader;
	double vader_compound;
};

struct counts {
	unsigned n, correct;
	unsigned conf[_TONE_LABEL_MAX][_TONE_LABEL_MAX]; /* [expected][predicted] */
	unsigned cat_tp[_CATEGORY_MAX], cat_fp[_CATEGORY_MAX], cat_fn[_CATEGORY_MAX];
};

struct prf {
	double p, r, f1, acc;
	bool p_defined, r_defined;
};

static bool arg_check;
static bool arg_errors;
static const char *arg_baseline;
static const char *arg_lexicon_dir;
static const char *arg_dev;

/* ---- small helpers --------------------------------------------------------- */

static void items_free(struct item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++) {
		free(items[i].raw);
		free(items[i].text);
		free(items[i].cleaned);
		free(items[i].hits_json);
	}
	free(items);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 0x811c9dc5U;

	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		h ^= *p;
		h *= 0x01000193U;
	}
	return h;
}

/* dev.tsv escapes: \n newline, \t tab, \\ backslash; others stay as written. */
static char *unescape(const char *s, size_t *ret_len)
{
	size_t n = strlen(s), j = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == 'n' || s[i + 1] == 't' || s[i + 1] == '\\')) {
			i++;
			out[j++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : '\\';
		} else
			out[j++] = s[i];
	}
	out[j] = '\0';
	*ret_len = j;
	return out;
}

/* Next line of buf: [*p, end of line) without "\r\n"; advances *p. Returns
 * false at the end. */
static bool next_line(const char **p, const char *end, const char **ret_line, size_t *ret_len)
{
	const char *nl;
	size_t len;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t) (end - *p));
	len = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
	*ret_line = *p;
	*p = nl ? nl + 1 : end;
	if (len > 0 && (*ret_line)[len - 1] == '\r')
		len--;
	*ret_len = len;
	return true;
}

/* Copies a line into a bounded NUL-terminated buffer; rejects long lines and
 * embedded NUL bytes. */
static int copy_line(const char *line, size_t len, char buf[static DEV_MAX_LINE + 1])
{
	if (len > DEV_MAX_LINE)
		return -E2BIG;
	if (memchr(line, '\0', len))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return 0;
}

/* Splits buf on tabs into exactly n fields, in place. */
static bool split_tabs(char *buf, char **fields, size_t n)
{
	char *p = buf;

	for (size_t i = 0; i < n; i++) {
		char *tab = strchr(p, '\t');

		fields[i] = p;
		if (i + 1 == n)
			return !tab;
		if (!tab)
			return false;
		*tab = '\0';
		p = tab + 1;
	}
	return true;
}

/* ---- the development set ------------------------------------------------- */

static int parse_categories(char *s, bool cat[static _CATEGORY_MAX])
{
	if (streq(s, "-"))
		return 0;
	for (char *p = s; p;) {
		char *comma = strchr(p, ',');
		enum category c;

		if (comma)
			*comma = '\0';
		c = category_from_string(strstrip(p));
		if (c < 0)
			return -EINVAL;
		cat[c] = true;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int parse_dev(const char *path, const char *buf, size_t len, struct item **ret,
		     size_t *ret_n)
{
	_cleanup_free_ char *line = malloc(DEV_MAX_LINE + 1);
	const char *p = buf, *end = buf + len, *l;
	struct item *items = NULL;
	size_t n = 0, n_allocated = 0, l_len;
	unsigned lineno = 0, errors = 0;
	bool header = false;

	if (!line)
		return -ENOMEM;

	while (next_line(&p, end, &l, &l_len)) {
		char *f[4];
		struct item *it;
		int r;

		lineno++;
		r = copy_line(l, l_len, line);
		if (r < 0) {
			fprintf(stderr, "%s:%u: %s, skipping\n", path, lineno,
				r == -E2BIG ? "line too long" : "NUL byte in line");
			errors++;
			continue;
		}
		if (!header) {
			if (!streq(line, DEV_HEADER)) {
				fprintf(stderr, "%s:%u: expected the header '%s'\n", path, lineno,
					"lang<TAB>label<TAB>categories<TAB>text");
				items_free(items, n);
				return -EINVAL;
			}
			header = true;
			continue;
		}
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (!split_tabs(line, f, ELEMENTSOF(f))) {
			fprintf(stderr, "%s:%u: expected 4 tab-separated fields, skipping\n", path,
				lineno);
			errors++;
			continue;
		}
		if (n >= DEV_MAX_ITEMS) {
			fprintf(stderr, "%s:%u: more than %u items\n", path, lineno, DEV_MAX_ITEMS);
			items_free(items, n);
			return -E2BIG;
		}
		if (n == n_allocated) {
			size_t m = n_allocated ? 2 * n_allocated : 256;
			struct item *grown = realloc(items, m * sizeof(struct item));

			if (!grown) {
				items_free(items, n);
				return -ENOMEM;
			}
			items = grown;
			n_allocated = m;
		}
		it = &items[n];
		*it = (struct item){.line = lineno};
		if (streq(f[0], "en"))
			it->lang = LANG_EN;
		else if (streq(f[0], "fr"))
			it->lang = LANG_FR;
		else {
			fprintf(stderr, "%s:%u: unknown language '%s' (en, fr), skipping\n", path,
				lineno, f[0]);
			errors++;
			continue;
		}
		it->gold = tone_label_from_string(f[1]);
		if ((int) it->gold < 0) {
			fprintf(stderr, "%s:%u: unknown label '%s' (neg, neu, pos), skipping\n",
				path, lineno, f[1]);
			errors++;
			continue;
		}
		if (parse_categories(f[2], it->gold_cat) < 0) {
			fprintf(stderr, "%s:%u: bad categories '%s', skipping\n", path, lineno,
				f[2]);
			errors++;
			continue;
		}
		if (isempty(f[3])) {
			fprintf(stderr, "%s:%u: empty text, skipping\n", path, lineno);
			errors++;
			continue;
		}
		it->raw = strdup(f[3]);
		it->text = unescape(f[3], &it->text_len);
		n++; /* from here on items_free() releases it */
		if (!it->raw || !it->text) {
			items_free(items, n);
			return -ENOMEM;
		}
	}
	if (!header) {
		fprintf(stderr, "%s: empty file\n", path);
		items_free(items, n);
		return -EINVAL;
	}
	if (errors > 0) {
		fprintf(stderr, "%s: %u bad line(s)\n", path, errors);
		items_free(items, n);
		return -EINVAL;
	}
	*ret = items;
	*ret_n = n;
	return 0;
}

/* ---- the VADER baseline -------------------------------------------------- */

static int cmp_item_line(const void *key, const void *elem)
{
	unsigned k = *(const unsigned *) key, l = ((const struct item *) elem)->line;

	return k < l ? -1 : k > l;
}

/* Attaches the recorded VADER scores to the English items. -ESTALE when the
 * baseline does not match dev.tsv (lines moved or texts changed). */
static int load_baseline(const char *path, struct item *items, size_t n)
{
	_cleanup_free_ char *buf = NULL, *line = NULL;
	const char *p, *end, *l;
	size_t len, l_len, missing = 0;
	unsigned lineno = 0, stale = 0;
	bool header = false;
	int r;

	r = read_full_file(path, DEV_MAX_FILE, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "tone-eval: cannot read '%s': %s\n", path, strerror(-r));
		return r;
	}
	line = malloc(DEV_MAX_LINE + 1);
	if (!line)
		return -ENOMEM;

	for (p = buf, end = buf + len; next_line(&p, end, &l, &l_len);) {
		unsigned long long ln;
		char *f[4], hash[16];
		struct item *it;
		double compound;
		enum tone_label label;

		lineno++;
		if (copy_line(l, l_len, line) < 0) {
			fprintf(stderr, "%s:%u: unreadable line\n", path, lineno);
			return -EINVAL;
		}
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (!header) {
			if (!streq(line, BASELINE_HEADER)) {
				fprintf(stderr, "%s:%u: expected the header '%s'\n", path, lineno,
					"line<TAB>compound<TAB>label<TAB>fnv1a");
				return -EINVAL;
			}
			header = true;
			continue;
		}
		if (!split_tabs(line, f, ELEMENTSOF(f)) || parse_uint(f[0], UINT32_MAX, &ln) < 0 ||
		    parse_double(f[1], &compound) < 0 || compound < -1.0 || compound > 1.0 ||
		    (int) (label = tone_label_from_string(f[2])) < 0) {
			fprintf(stderr, "%s:%u: expected line, compound, label, fnv1a\n", path,
				lineno);
			return -EINVAL;
		}
		it = bsearch(&(unsigned){(unsigned) ln}, items, n, sizeof(struct item),
			     cmp_item_line);
		snprintf(hash, sizeof(hash), "%08x", it ? fnv1a(it->raw) : 0U);
		if (!it || it->lang != LANG_EN || !streq(hash, f[3]) || it->has_vader) {
			if (stale++ < 5)
				fprintf(stderr,
					"%s:%u: no matching English item at dev.tsv line %llu\n",
					path, lineno, ln);
			continue;
		}
		it->has_vader = true;
		it->vader = label;
		it->vader_compound = compound;
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].lang == LANG_EN && !items[i].has_vader) {
			if (missing++ < 5)
				fprintf(stderr,
					"%s: no score for the English item at dev.tsv line %u\n",
					path, items[i].line);
		}
	if (stale > 0 || missing > 0) {
		fprintf(
		    stderr,
		    "%s is stale (%u row(s) without a matching item, %zu English item(s) without "
		    "a row): regenerate it with bench/vader-baseline.js (see bench/README.md)\n",
		    path, stale, missing);
		return -ESTALE;
	}
	return 0;
}

/* ---- scoring and figures ------------------------------------------------- */

static int score_items(const struct lexicon *lx, struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		struct tone_result res = {};
		int r;

		it->cleaned = text_clean(it->text, it->text_len);
		if (!it->cleaned)
			return -ENOMEM;
		r = tone_analyse(lx, it->cleaned, strlen(it->cleaned), &res);
		if (r < 0) {
			fprintf(stderr, "tone-eval: dev.tsv line %u: tone_analyse() failed: %s\n",
				it->line, strerror(-r));
			return r;
		}
		it->pred = res.label;
		it->score = res.score;
		for (int c = 0; c < _CATEGORY_MAX; c++)
			it->pred_cat[c] = res.categories[c] > 0;
		it->hits_json = tone_hits_to_json(&res);
		tone_result_done(&res);
		if (!it->hits_json)
			return -ENOMEM;
	}
	return 0;
}

static void count_item(struct counts *c, const struct item *it, enum tone_label pred,
		       bool with_categories)
{
	c->n++;
	c->correct += pred == it->gold;
	c->conf[it->gold][pred]++;
	if (!with_categories)
		return;
	for (int k = 0; k < _CATEGORY_MAX; k++) {
		if (it->pred_cat[k] && it->gold_cat[k])
			c->cat_tp[k]++;
		else if (it->pred_cat[k])
			c->cat_fp[k]++;
		else if (it->gold_cat[k])
			c->cat_fn[k]++;
	}
}

static struct prf prf_from(unsigned tp, unsigned fp, unsigned fn)
{
	struct prf m = {
	    .p_defined = tp + fp > 0,
	    .r_defined = tp + fn > 0,
	};

	m.p = m.p_defined ? (double) tp / (tp + fp) : 0.0;
	m.r = m.r_defined ? (double) tp / (tp + fn) : 0.0;
	m.f1 = m.p + m.r > 0 ? 2.0 * m.p * m.r / (m.p + m.r) : 0.0;
	return m;
}

static struct prf neg_prf(const struct counts *c)
{
	unsigned tp = c->conf[TONE_NEGATIVE][TONE_NEGATIVE], fp = 0, fn = 0;
	struct prf m;

	for (int k = 0; k < _TONE_LABEL_MAX; k++) {
		if (k == TONE_NEGATIVE)
			continue;
		fp += c->conf[k][TONE_NEGATIVE];
		fn += c->conf[TONE_NEGATIVE][k];
	}
	m = prf_from(tp, fp, fn);
	m.acc = c->n ? (double) c->correct / c->n : 0.0;
	return m;
}

static const char *fmt3(char buf[static 16], double v, bool defined)
{
	if (!defined)
		return "    -";
	snprintf(buf, 16, "%5.3f", v);
	return buf;
}

static void print_row(const char *name, const struct counts *c)
{
	struct prf m = neg_prf(c);
	char a[16], b[16], d[16];

	printf("  %-12s %5u  %5.3f   %s  %s  %s\n", name, c->n, m.acc, fmt3(a, m.p, m.p_defined),
	       fmt3(b, m.r, m.r_defined), fmt3(d, m.f1, m.p_defined || m.r_defined));
}

static void print_confusion(const struct counts *c)
{
	static const enum tone_label order[] = {TONE_NEGATIVE, TONE_NEUTRAL, TONE_POSITIVE};

	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		printf("      %s", tone_label_to_string(order[i]));
		for (size_t j = 0; j < ELEMENTSOF(order); j++)
			printf(" %5u", c->conf[order[i]][order[j]]);
		printf("\n");
	}
}

static void print_categories(const struct counts *c)
{
	printf("\nCategories (detected: the item has a hit in it; n: items expecting it)\n");
	printf("  %-10s", "");
	for (int l = 0; l < _LANG_N; l++)
		printf(" %-18s", lang_name[l]);
	printf("\n  %-10s", "category");
	for (int l = 0; l < _LANG_N; l++)
		printf(" %4s %5s %5s  ", "n", "P", "R");
	printf("\n");
	for (int k = 0; k < _CATEGORY_MAX; k++) {
		printf("  %-10s", category_to_string(k));
		for (int l = 0; l < _LANG_N; l++) {
			struct prf m = prf_from(c[l].cat_tp[k], c[l].cat_fp[k], c[l].cat_fn[k]);
			char a[16], b[16];

			printf(" %4u %s %s  ", c[l].cat_tp[k] + c[l].cat_fn[k],
			       fmt3(a, m.p, m.p_defined), fmt3(b, m.r, m.r_defined));
		}
		printf("\n");
	}
}

/* ---- --errors ---------------------------------------------------------------- */

/* Prints at most max bytes of s on one line (newlines as \n), cut on a UTF-8
 * character boundary. */
static void print_oneline(const char *s, size_t max)
{
	size_t n = strlen(s), shown = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char) s[i];

		if (shown >= max && (ch & 0xC0) != 0x80) {
			fputs("...", stdout);
			return;
		}
		if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20)
			putchar('?');
		else
			putchar(ch);
		shown++;
	}
}

static void print_cats(const bool cat[static _CATEGORY_MAX])
{
	bool any = false;

	for (int k = 0; k < _CATEGORY_MAX; k++)
		if (cat[k]) {
			printf("%s%s", any ? "," : "", category_to_string(k));
			any = true;
		}
	if (!any)
		putchar('-');
}

static void print_item(const char *dev, const struct item *it)
{
	printf("%s:%u: [%s] expected %s, got %s (score %+.3f); categories expected ", dev, it->line,
	       lang_name[it->lang], tone_label_to_string(it->gold), tone_label_to_string(it->pred),
	       it->score);
	print_cats(it->gold_cat);
	printf(", got ");
	print_cats(it->pred_cat);
	printf("\n    text:    ");
	print_oneline(it->raw, SHOW_TEXT_MAX);
	if (!streq(it->cleaned, it->text)) {
		printf("\n    cleaned: ");
		print_oneline(it->cleaned, SHOW_TEXT_MAX);
	}
	printf("\n    hits:    %s\n", it->hits_json);
}

static void print_errors(const char *dev, const struct item *items, size_t n)
{
	unsigned k;

	printf("\nMissed negatives (expected neg, got neu/pos)\n");
	for (size_t i = 0; i < n; i++)
		if (items[i].gold == TONE_NEGATIVE && items[i].pred != TONE_NEGATIVE)
			print_item(dev, &items[i]);
	printf("\nFalse negatives (got neg, expected neu/pos)\n");
	for (size_t i = 0; i < n; i++)
		if (items[i].gold != TONE_NEGATIVE && items[i].pred == TONE_NEGATIVE)
			print_item(dev, &items[i]);
	printf("\nOther label errors (neu <-> pos)\n");
	for (size_t i = 0; i < n; i++)
		if (items[i].gold != TONE_NEGATIVE && items[i].pred != TONE_NEGATIVE &&
		    items[i].gold != items[i].pred)
			print_item(dev, &items[i]);
	printf("\nCategory errors (doubt, pressure, abuse, payment) on correctly labelled items\n");
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];

		if (it->gold != it->pred)
			continue;
		for (k = CATEGORY_DOUBT; k < _CATEGORY_MAX; k++)
			if (it->gold_cat[k] != it->pred_cat[k])
				break;
		if (k < _CATEGORY_MAX)
			print_item(dev, it);
	}
}

/* ---- paths and arguments -------------------------------------------------- */

static char *source_tree(void)
{
	return bench_source_tree(__FILE__, "bench/tone-eval.c");
}

static void help(void)
{
	printf("Usage: tone-eval [OPTIONS] [DEV.TSV]\n"
	       "Quality of the tone engine on the labelled development set.\n\n"
	       "  --check             exit non-zero unless the floors are met (overall negative\n"
	       "                      F1 >= %.2f, English negative F1 >= VADER's + %.2f)\n"
	       "  --errors            list the misclassified items with their hits\n"
	       "  --baseline FILE     recorded VADER scores (default: vader-baseline.tsv next\n"
	       "                      to DEV.TSV)\n"
	       "  --lexicon-dir DIR   lexicon directory when $REDFLAGD_LEXICON_DIR is unset\n"
	       "                      (default: the source tree's lexicon/)\n"
	       "  -h, --help          this text\n\n"
	       "DEV.TSV defaults to $abs_top_srcdir/tests/tone/dev.tsv.\n",
	       FLOOR_NEG_F1, FLOOR_VADER_MARGIN);
}

static int parse_argv(int argc, char *argv[])
{
	static const struct option options[] = {
	    {"check", no_argument, NULL, 'c'},
	    {"errors", no_argument, NULL, 'e'},
	    {"baseline", required_argument, NULL, 'b'},
	    {"lexicon-dir", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'c':
			arg_check = true;
			break;
		case 'e':
			arg_errors = true;
			break;
		case 'b':
			arg_baseline = optarg;
			break;
		case 'l':
			arg_lexicon_dir = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return -EINVAL;
		}
	if (optind + 1 < argc) {
		fprintf(stderr, "tone-eval: too many arguments\n");
		return -EINVAL;
	}
	if (optind < argc)
		arg_dev = argv[optind];
	return 1;
}

static void print_diag(const char *what, struct diag *d)
{
	for (char **l = d->lines; l && *l; l++)
		fprintf(stderr, "tone-eval: %s: %s\n", what, *l);
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char *argv[])
{
	_cleanup_free_ char *tree = NULL, *dev_default = NULL, *baseline_default = NULL;
	_cleanup_free_ char *lexdir_default = NULL, *buf = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	struct diag diag = {};
	struct item *items = NULL;
	struct counts cnt[_LANG_N] = {}, vader = {}, engine_en = {};
	const char *dev, *lexdir, *env_dir;
	size_t n = 0, len;
	bool have_vader, ok = true;
	struct prf all, en, fr, v = {}, e = {};
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	tree = source_tree();
	if (!tree)
		goto oom;
	dev = arg_dev;
	if (!dev) {
		dev_default = strdup_printf("%s/tests/tone/dev.tsv", tree);
		if (!dev_default)
			goto oom;
		dev = dev_default;
	}
	if (!arg_baseline) {
		const char *slash = strrchr(dev, '/');

		baseline_default =
		    slash ? strdup_printf("%.*s/vader-baseline.tsv", (int) (slash - dev), dev)
			  : strdup("vader-baseline.tsv");
		if (!baseline_default)
			goto oom;
	}

	r = read_full_file(dev, DEV_MAX_FILE, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "tone-eval: cannot read '%s': %s\n", dev, strerror(-r));
		return EXIT_FAILURE;
	}
	r = parse_dev(dev, buf, len, &items, &n);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return EXIT_FAILURE;

	/* REDFLAGD_LEXICON_DIR wins inside lexicon_load_default(); without it an
	 * uninstalled bench reads the source tree's lexicon, not $(datadir). */
	env_dir = getenv("REDFLAGD_LEXICON_DIR");
	lexdir = arg_lexicon_dir;
	if (!lexdir && isempty(env_dir)) {
		lexdir_default = strdup_printf("%s/lexicon", tree);
		if (!lexdir_default)
			goto oom_items;
		lexdir = lexdir_default;
	}
	r = lexicon_load_default(lexdir, &lx, &diag);
	print_diag("lexicon", &diag);
	diag_done(&diag);
	if (r == -ENOMEM)
		goto oom_items;
	if (r < 0) {
		fprintf(stderr, "tone-eval: cannot load the lexicon from '%s': %s\n",
			!isempty(env_dir) ? env_dir : strna(lexdir), strerror(-r));
		items_free(items, n);
		return EXIT_FAILURE;
	}

	r = score_items(lx, items, n);
	if (r == -ENOMEM)
		goto oom_items;
	if (r < 0) {
		items_free(items, n);
		return EXIT_FAILURE;
	}

	r = load_baseline(arg_baseline ? arg_baseline : baseline_default, items, n);
	if (r == -ENOMEM)
		goto oom_items;
	have_vader = r >= 0;

	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];

		count_item(&cnt[it->lang], it, it->pred, true);
		count_item(&cnt[LANG_ALL], it, it->pred, true);
		if (have_vader && it->has_vader) {
			count_item(&vader, it, it->vader, false);
			count_item(&engine_en, it, it->pred, false);
		}
	}
	all = neg_prf(&cnt[LANG_ALL]);
	en = neg_prf(&cnt[LANG_EN]);
	fr = neg_prf(&cnt[LANG_FR]);

	printf("tone-eval: %s, %zu items; lexicon %s (%zu entries)\n\n", dev, n,
	       !isempty(env_dir) ? env_dir : strna(lexdir), lexicon_size(lx));
	printf("Labels (negative class: P = precision, R = recall)\n");
	printf("  %-12s %5s  %5s   %5s  %5s  %5s\n", "", "n", "acc", "neg-P", "neg-R", "neg-F1");
	for (int l = 0; l < _LANG_N; l++)
		print_row(lang_name[l], &cnt[l]);
	printf("\nConfusion (rows expected, columns got: neg neu pos)\n");
	for (int l = 0; l < _LANG_N; l++) {
		printf("  %s\n", lang_name[l]);
		print_confusion(&cnt[l]);
	}
	print_categories(cnt);

	printf(
	    "\nBaseline: npm vader-sentiment on the English half (raw text, thresholds +-0.05)\n");
	if (have_vader) {
		v = neg_prf(&vader);
		e = neg_prf(&engine_en);
		printf("  %-12s %5s  %5s   %5s  %5s  %5s\n", "", "n", "acc", "neg-P", "neg-R",
		       "neg-F1");
		print_row("vader-en", &vader);
		print_row("redflag-en", &engine_en);
		printf("  %-12s %5s  %+5.3f   %+5.3f  %+5.3f  %+5.3f\n", "difference", "",
		       e.acc - v.acc, e.p - v.p, e.r - v.r, e.f1 - v.f1);
	} else
		printf("  not available (see the error above)\n");

	printf("\nsummary: all_neg_f1=%.3f en_neg_f1=%.3f fr_neg_f1=%.3f all_acc=%.3f en_acc=%.3f "
	       "fr_acc=%.3f",
	       all.f1, en.f1, fr.f1, all.acc, en.acc, fr.acc);
	if (have_vader)
		printf(" vader_en_neg_f1=%.3f vader_en_acc=%.3f margin=%+.3f", v.f1, v.acc,
		       e.f1 - v.f1);
	printf("\n");

	if (arg_errors)
		print_errors(dev, items, n);

	if (arg_check) {
		printf("\nFloors\n");
		if (all.f1 >= FLOOR_NEG_F1)
			printf("  ok: overall negative F1 %.3f >= %.2f\n", all.f1, FLOOR_NEG_F1);
		else {
			printf("  FAILED: overall negative F1 %.3f < %.2f\n", all.f1, FLOOR_NEG_F1);
			ok = false;
		}
		if (!have_vader) {
			printf("  FAILED: English negative F1 vs VADER: no usable baseline\n");
			ok = false;
		} else if (en.f1 >= v.f1 + FLOOR_VADER_MARGIN)
			printf("  ok: English negative F1 %.3f >= VADER %.3f + %.2f\n", en.f1, v.f1,
			       FLOOR_VADER_MARGIN);
		else {
			printf("  FAILED: English negative F1 %.3f < VADER %.3f + %.2f = %.3f\n",
			       en.f1, v.f1, FLOOR_VADER_MARGIN, v.f1 + FLOOR_VADER_MARGIN);
			ok = false;
		}
	}
	items_free(items, n);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;

oom_items:
	items_free(items, n);
oom:
	fprintf(stderr, "tone-eval: out of memory\n");
	return EXIT_FAILURE;
}
