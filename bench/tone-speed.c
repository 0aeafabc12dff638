/* SPDX-License-Identifier: MIT */
/*
 * bench/tone-speed: speed and memory of the tone path on one core.
 *
 * A deterministic corpus of client e-mails (French and English sentences
 * from templates, greetings, sign-offs, signatures, "Sent from my iPhone"
 * trailers and quoted history in "> " and Outlook styles) is generated in
 * memory; then, timed with CLOCK_PROCESS_CPUTIME_ID:
 *   (a) scoring only: tone_analyse() on the pre-cleaned texts;
 *   (b) clean-up + scoring: text_clean() then tone_analyse() on the raw mail.
 * Targets: >= 50 MB/s for (a) over the bytes scored, >= 20 MB/s for (b) over
 * the raw bytes. Memory: two streaming runs (generate, clean, score and free
 * one message at a time) of different sizes, each in its own child process,
 * report their peak RSS, which must not grow with the input size.
 *
 *   tone-speed [--mb N] [--stream-mb N] [--lexicon-dir DIR]
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lexicon.h"
#include "model.h"
#include "text-clean.h"
#include "tone.h"
#include "bench-util.h"
#include "util.h"

#define MB (1024.0 * 1024.0)
#define TARGET_SCORE_MBS 50.0
#define TARGET_CLEAN_SCORE_MBS 20.0
#define MIN_TIMED_SEC 1.0 /* (a) repeats passes until this much CPU time */
#define MAX_PASSES 50U
#define MAX_CORPUS_MB 4096ULL
#define MAX_HISTORY 20U	   /* quoted earlier messages in one mail */
#define RSS_GROWTH_KB 2048 /* tolerated peak RSS difference between the two sizes */

static unsigned long long arg_mb = 100;
static unsigned long long arg_stream_mb = 100;
static const char *arg_lexicon_dir;

/* ---- deterministic generator ---------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned) (rng_next(r) % n);
}

#define PICK(r, array) ((array)[rng_below((r), ELEMENTSOF(array))])

struct lang_text {
	const char *const *greetings;
	size_t n_greetings;
	const char *const *sentences;
	size_t n_sentences;
	const char *const *things;
	size_t n_things;
	const char *const *days;
	size_t n_days;
	const char *const *signoffs;
	size_t n_signoffs;
	const char *const *trailers;
	size_t n_trailers;
	const char *attribution; /* "On %D, %N <%A> wrote:" */
	const char *outlook;	 /* the Outlook header block, %N %D %S */
};

/* clang-format off */
/* %N a name, %T a thing, %D a day, %A an address, %S a subject. */
static const char *const en_greetings[] = { "Hi %N,", "Hello %N,", "Dear %N,", "Hi,",
	                                    "Good morning %N,", "Hey %N," };
static const char *const en_sentences[] = {
	"Can you send me %T before %D?",
	"Thanks for %T, it looks great.",
	"I'm not happy at all with %T, it is not what we discussed.",
	"Could we have %T by %D? Thanks!",
	"This is the third time I ask about %T.",
	"The meeting is confirmed for %D at 2pm.",
	"Are you sure this is the right approach for %T? My nephew says it could be simpler.",
	"We still haven't paid %T, our cash flow is tight this month.",
	"Honestly, %T is a disaster and nobody answers my calls.",
	"Great job on %T, the whole team loved it.",
	"Please find attached the documents for %T.",
	"Any update on %T? We really need it ASAP.",
	"I don't think you understand what we need for %T.",
	"No problem, we can wait until %D.",
	"The invoice for %T is wrong, we will not pay it as it is.",
	"Not bad at all, %T is much clearer now.",
	"It's urgent: %T must be online before %D.",
	"I'm very disappointed, %T still doesn't work.",
	"Could you call me back about %T when you have a moment?",
	"THIS IS UNACCEPTABLE!!! %T is broken again.",
	"We are delighted with %T, thank you so much.",
	"Let me know if you need anything else for %T.",
	"Thanks, but %T is still not fixed and it's getting really annoying.",
	"I'll be out of the office until %D, let's talk about %T then.",
};
static const char *const en_things[] = {
	"the homepage", "the new logo", "the quarterly report", "the kitchen tiles",
	"the translation", "the contact form", "the invoice", "the tax return",
	"the brochure", "the bathroom", "the checkout page", "the payslips",
	"the floor plan", "the newsletter", "the audit notes", "the roof",
};
static const char *const en_days[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
	                               "Friday", "the 15th", "next week", "tomorrow" };
static const char *const en_signoffs[] = { "Best regards,\n%N", "Thanks,\n%N", "Cheers,\n%N",
	                                   "Kind regards,\n%N", "Regards,\n%N", "%N" };
static const char *const en_trailers[] = { "Sent from my iPhone", "Sent from my Android",
	                                   "Get Outlook for iOS" };

static const char *const fr_greetings[] = { "Bonjour %N,", "Bonjour,", "Salut %N,",
	                                    "Madame, Monsieur,", "Bonsoir %N," };
static const char *const fr_sentences[] = {
	"Pouvez-vous m'envoyer %T avant %D ?",
	"Merci pour %T, c'est magnifique.",
	"Je ne suis pas du tout satisfait de %T, ce n'est pas ce qui était convenu.",
	"On pourrait avoir %T pour %D ? Merci !",
	"C'est la troisième fois que je vous relance au sujet de %T.",
	"Le rendez-vous est confirmé pour %D à 14h.",
	"Vous êtes sûr que c'est la bonne approche pour %T ? Mon neveu dit que c'est plus simple.",
	"Nous n'avons pas encore réglé %T, la trésorerie est un peu juste ce mois-ci.",
	"Franchement, %T est une catastrophe et personne ne répond au téléphone.",
	"Bravo pour %T, toute l'équipe a adoré.",
	"Vous trouverez ci-joint les documents pour %T.",
	"Des nouvelles de %T ? C'est urgent, il nous le faut au plus vite.",
	"Je ne pense pas que vous ayez compris nos besoins pour %T.",
	"Pas de souci, on peut attendre %D.",
	"La facture de %T est fausse, nous ne la paierons pas en l'état.",
	"Pas mal du tout, %T est beaucoup plus clair maintenant.",
	"C'est urgent : %T doit être en ligne avant %D.",
	"Je suis très déçu, %T ne fonctionne toujours pas.",
	"Pourriez-vous me rappeler au sujet de %T quand vous aurez un moment ?",
	"C'EST INADMISSIBLE !!! %T est encore en panne.",
	"Nous sommes ravis de %T, merci beaucoup.",
	"Dites-moi si vous avez besoin d'autre chose pour %T.",
	"Merci, mais %T n'est toujours pas corrigé et ça devient vraiment pénible.",
	"Je suis absent jusqu'à %D, on reparle de %T à ce moment-là.",
};
static const char *const fr_things[] = {
	"la page d'accueil", "le nouveau logo", "le bilan trimestriel", "le carrelage",
	"la traduction", "le formulaire de contact", "la facture", "la déclaration de TVA",
	"la plaquette", "la salle de bain", "la page de paiement", "les bulletins de paie",
	"le plan", "la newsletter", "les notes d'audit", "la toiture",
};
static const char *const fr_days[] = { "lundi", "mardi", "mercredi", "jeudi",
	                               "vendredi", "le 15", "la semaine prochaine", "demain" };
static const char *const fr_signoffs[] = { "Cordialement,\n%N", "Bien à vous,\n%N",
	                                   "Merci,\n%N", "Bonne journée,\n%N", "Cdlt,\n%N",
	                                   "%N" };
static const char *const fr_trailers[] = { "Envoyé de mon iPhone",
	                                   "Envoyé depuis mon mobile Orange",
	                                   "Télécharger Outlook pour iOS" };

static const char *const names[] = { "Marie", "Jean Martin", "Sophie", "Paul", "Claire Dubois",
	                             "Thomas", "Laura", "Peter Hall", "Anna", "Mike" };
static const char *const addresses[] = { "marie@studio.example", "jean@acme.example",
	                                 "sophie@renov.example", "paul@compta.example" };
static const char *const subjects[] = { "Re: site", "RE: devis", "Re: invoice", "TR: plans",
	                                "Re: planning" };

static const struct lang_text lang_texts[] = {
	{
		en_greetings, ELEMENTSOF(en_greetings), en_sentences, ELEMENTSOF(en_sentences),
		en_things, ELEMENTSOF(en_things), en_days, ELEMENTSOF(en_days), en_signoffs,
		ELEMENTSOF(en_signoffs), en_trailers, ELEMENTSOF(en_trailers),
		"On Mon, 3 Mar 2025 at 10:12, %N <%A> wrote:",
		"-----Original Message-----\nFrom: %N <%A>\nSent: Monday, March 3, 2025 10:12 AM\n"
		"To: %N\nSubject: %S\n",
	},
	{
		fr_greetings, ELEMENTSOF(fr_greetings), fr_sentences, ELEMENTSOF(fr_sentences),
		fr_things, ELEMENTSOF(fr_things), fr_days, ELEMENTSOF(fr_days), fr_signoffs,
		ELEMENTSOF(fr_signoffs), fr_trailers, ELEMENTSOF(fr_trailers),
		"Le lun. 3 mars 2025 à 10:12, %N <%A> a écrit :",
		"De : %N <%A>\nEnvoyé : lundi 3 mars 2025 10:12\nÀ : %N\nObjet : %S\n",
	},
};

/* clang-format on */

struct buf {
	char *p;
	size_t len, allocated;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->allocated) {
		size_t m = MAX(b->allocated * 2, b->len + n + 1);
		char *q;

		m = MAX(m, (size_t) 4096);
		q = realloc(b->p, m);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->allocated = m;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Appends template t with its slots filled; every line (including the first)
 * gets `prefix`. */
static int expand(struct buf *b, struct rng *r, const struct lang_text *lt, const char *t,
		  const char *prefix, bool at_line_start)
{
	int k = 0;

	if (at_line_start)
		k = buf_adds(b, prefix);
	for (const char *p = t; *p && k >= 0; p++) {
		if (*p == '%' && p[1]) {
			p++;
			switch (*p) {
			case 'N':
				k = buf_adds(b, PICK(r, names));
				break;
			case 'T':
				k = buf_adds(b, lt->things[rng_below(r, (unsigned) lt->n_things)]);
				break;
			case 'D':
				k = buf_adds(b, lt->days[rng_below(r, (unsigned) lt->n_days)]);
				break;
			case 'A':
				k = buf_adds(b, PICK(r, addresses));
				break;
			case 'S':
				k = buf_adds(b, PICK(r, subjects));
				break;
			default:
				k = buf_add(b, p - 1, 2);
			}
		} else if (*p == '\n') {
			k = buf_add(b, "\n", 1);
			if (k >= 0)
				k = buf_adds(b, prefix);
		} else
			k = buf_add(b, p, 1);
	}
	return k;
}

/* One body: greeting, 2-7 sentences in 1-3 paragraphs, sign-off. */
static int gen_body(struct buf *b, struct rng *r, const struct lang_text *lt, const char *prefix)
{
	unsigned n = 2 + rng_below(r, 6);
	int k;

	k = expand(b, r, lt, lt->greetings[rng_below(r, (unsigned) lt->n_greetings)], prefix, true);
	if (k >= 0)
		k = expand(b, r, lt, "\n\n", prefix, false);
	for (unsigned i = 0; i < n && k >= 0; i++) {
		k = expand(b, r, lt, lt->sentences[rng_below(r, (unsigned) lt->n_sentences)],
			   prefix, false);
		if (k >= 0)
			k = expand(b, r, lt, rng_below(r, 3) == 0 ? "\n\n" : " ", prefix, false);
	}
	if (k >= 0)
		k = expand(b, r, lt, "\n\n", prefix, false);
	if (k >= 0)
		k = expand(b, r, lt, lt->signoffs[rng_below(r, (unsigned) lt->n_signoffs)], prefix,
			   false);
	if (k >= 0)
		k = buf_add(b, "\n", 1);
	return k;
}

/* Message number `index` of the corpus (the same for every run), appended to b. */
static int gen_message(uint64_t index, struct buf *b)
{
	struct rng r = {.s = index * 0x2545f4914f6cdd1dULL + 0x5eed};
	const struct lang_text *lt = &lang_texts[rng_below(&r, 2)];
	unsigned style = rng_below(&r, 10), depth = 0;
	int k;

	k = gen_body(b, &r, lt, "");
	if (k >= 0 && rng_below(&r, 3) == 0)
		k = expand(b, &r, lt, "\n-- \n%N\n%S - +33 1 23 45 67 89\n", "", false);
	if (k >= 0 && rng_below(&r, 4) == 0) {
		k = buf_add(b, "\n", 1);
		if (k >= 0)
			k = buf_adds(b, lt->trailers[rng_below(&r, (unsigned) lt->n_trailers)]);
		if (k >= 0)
			k = buf_add(b, "\n", 1);
	}
	if (style >= 2)
		depth = 1 + rng_below(&r, MAX_HISTORY);
	for (unsigned h = 0; h < depth && k >= 0; h++) {
		char prefix[MAX_HISTORY + 3];

		k = buf_add(b, "\n", 1);
		if (style < 7) {
			/* "> " quoting, one level deeper for each older message */
			memset(prefix, '>', h);
			prefix[h] = '\0';
			if (k >= 0)
				k = expand(b, &r, lt, lt->attribution, h ? prefix : "", true);
			if (k >= 0)
				k = buf_add(b, "\n", 1);
			memset(prefix, '>', h + 1);
			prefix[h + 1] = ' ';
			prefix[h + 2] = '\0';
			if (k >= 0)
				k = gen_body(b, &r, lt, prefix);
		} else {
			/* Outlook: header block, then the earlier message unquoted */
			if (k >= 0)
				k = expand(b, &r, lt, lt->outlook, "", true);
			if (k >= 0)
				k = buf_add(b, "\n", 1);
			if (k >= 0)
				k = gen_body(b, &r, lt, "");
		}
	}
	return k;
}

/* ---- measurement ------------------------------------------------------------ */

static double cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0.0;
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

struct tally {
	unsigned long long labels[_TONE_LABEL_MAX];
	double checksum;
};

static int score_one(const struct lexicon *lx, const char *text, size_t len, struct tally *t)
{
	struct tone_result res;
	int r;

	r = tone_analyse(lx, text, len, &res);
	if (r < 0)
		return r;
	t->labels[res.label]++;
	t->checksum += res.score;
	tone_result_done(&res);
	return 0;
}

static int clean_and_score(const struct lexicon *lx, const char *text, size_t len, struct tally *t)
{
	_cleanup_free_ char *cleaned = text_clean(text, len);

	if (!cleaned)
		return -ENOMEM;
	return score_one(lx, cleaned, strlen(cleaned), t);
}

static void print_speed(const char *what, double bytes, unsigned long long messages, double sec,
			double target)
{
	double mbs = sec > 0 ? bytes / MB / sec : 0.0;

	printf("  %-22s %9.1f MB %9llu msgs %7.3f s  %8.1f MB/s %10.0f msgs/s  %s (>= %.0f MB/s)\n",
	       what, bytes / MB, messages, sec, mbs, sec > 0 ? (double) messages / sec : 0.0,
	       mbs >= target ? "target met" : "BELOW target", target);
}

static void print_tally(const struct tally *t)
{
	unsigned long long n = t->labels[0] + t->labels[1] + t->labels[2];

	printf("  corpus labels: neg %.1f%%, neu %.1f%%, pos %.1f%% (checksum %.3f)\n",
	       n ? 100.0 * t->labels[TONE_NEGATIVE] / n : 0.0,
	       n ? 100.0 * t->labels[TONE_NEUTRAL] / n : 0.0,
	       n ? 100.0 * t->labels[TONE_POSITIVE] / n : 0.0, t->checksum);
}

/* Child process: generate, clean, score and free one message at a time until
 * `bytes` of mail went through. Exits 0 or 1. */
_Noreturn static void stream_child(const struct lexicon *lx, double bytes)
{
	struct buf b = {};
	struct tally t = {};
	double done = 0;

	for (uint64_t i = 0; done < bytes; i++) {
		b.len = 0;
		if (gen_message(i, &b) < 0 || clean_and_score(lx, b.p, b.len, &t) < 0)
			_exit(EXIT_FAILURE);
		done += (double) b.len;
	}
	free(b.p);
	_exit(EXIT_SUCCESS);
}

/* Peak RSS in KiB of a streaming run over `mb` MB, measured in a child. */
static int stream_peak_rss(const struct lexicon *lx, unsigned long long mb, long *ret_kb)
{
	struct rusage ru = {};
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		stream_child(lx, (double) mb * MB);
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	*ret_kb = ru.ru_maxrss;
	return 0;
}

/* ---- main ------------------------------------------------------------------- */

static char *source_tree(void)
{
	return bench_source_tree(__FILE__, "bench/tone-speed.c");
}

static void help(void)
{
	printf("Usage: tone-speed [OPTIONS]\n"
	       "Speed (one core) and memory of clean-up + tone scoring on a generated corpus.\n\n"
	       "  --mb N              size of the in-memory corpus in MB (default 100)\n"
	       "  --stream-mb N       size of the larger streaming run in MB (default 100;\n"
	       "                      the smaller one is a tenth of it)\n"
	       "  --lexicon-dir DIR   lexicon directory when $REDFLAGD_LEXICON_DIR is unset\n"
	       "                      (default: the source tree's lexicon/)\n"
	       "  -h, --help          this text\n");
}

static int parse_argv(int argc, char *argv[])
{
	static const struct option options[] = {
	    {"mb", required_argument, NULL, 'm'},
	    {"stream-mb", required_argument, NULL, 's'},
	    {"lexicon-dir", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'm':
		case 's':
			if (parse_uint(optarg, MAX_CORPUS_MB, c == 'm' ? &arg_mb : &arg_stream_mb) <
				0 ||
			    (c == 'm' ? arg_mb : arg_stream_mb) == 0) {
				fprintf(stderr, "tone-speed: bad size '%s' (1-%llu MB)\n", optarg,
					MAX_CORPUS_MB);
				return -EINVAL;
			}
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
	if (optind < argc) {
		fprintf(stderr, "tone-speed: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

static void free_texts(char **texts, size_t n)
{
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
}

int main(int argc, char *argv[])
{
	_cleanup_free_ char *tree = NULL, *lexdir_default = NULL;
	_cleanup_free_ size_t *offsets = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	struct diag diag = {};
	struct buf corpus = {};
	struct tally ta = {}, tb = {};
	char **cleaned = NULL;
	size_t n = 0, n_allocated = 0;
	double t0, sec_a = 0, sec_b, bytes_cleaned = 0;
	unsigned passes = 0;
	long rss_small = 0, rss_large = 0;
	unsigned long long small_mb;
	const char *lexdir, *env_dir;
	struct rusage ru;
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	tree = source_tree();
	if (!tree)
		goto oom;
	env_dir = getenv("REDFLAGD_LEXICON_DIR");
	lexdir = arg_lexicon_dir;
	if (!lexdir && isempty(env_dir)) {
		lexdir_default = strdup_printf("%s/lexicon", tree);
		if (!lexdir_default)
			goto oom;
		lexdir = lexdir_default;
	}
	r = lexicon_load_default(lexdir, &lx, &diag);
	for (char **l = diag.lines; l && *l; l++)
		fprintf(stderr, "tone-speed: lexicon: %s\n", *l);
	diag_done(&diag);
	if (r < 0) {
		fprintf(stderr, "tone-speed: cannot load the lexicon from '%s': %s\n",
			!isempty(env_dir) ? env_dir : strna(lexdir), strerror(-r));
		return EXIT_FAILURE;
	}
	printf("tone-speed: lexicon %s (%zu entries), one core, CPU time "
	       "(CLOCK_PROCESS_CPUTIME_ID)\n",
	       !isempty(env_dir) ? env_dir : strna(lexdir), lexicon_size(lx));

	/* Memory first, while this process is still small: children inherit it. */
	small_mb = MAX(arg_stream_mb / 10, 1ULL);
	r = stream_peak_rss(lx, small_mb, &rss_small);
	if (r >= 0)
		r = stream_peak_rss(lx, arg_stream_mb, &rss_large);
	if (r < 0) {
		fprintf(stderr, "tone-speed: streaming run failed: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}
	printf("\nMemory: streaming (generate, clean, score, free one message at a time)\n");
	printf("  %6llu MB of mail: peak RSS %ld KiB\n", small_mb, rss_small);
	printf("  %6llu MB of mail: peak RSS %ld KiB\n", arg_stream_mb, rss_large);
	printf("  growth %+ld KiB: %s\n", rss_large - rss_small,
	       rss_large - rss_small <= RSS_GROWTH_KB ? "memory independent of input size"
						      : "MEMORY GROWS with input size");

	/* The in-memory corpus. */
	while ((double) corpus.len < (double) arg_mb * MB) {
		if (n == n_allocated) {
			size_t m = n_allocated ? 2 * n_allocated : 4096;
			size_t *q = realloc(offsets, (m + 1) * sizeof(size_t));

			if (!q)
				goto oom_corpus;
			offsets = q;
			n_allocated = m;
		}
		offsets[n] = corpus.len;
		if (gen_message(n, &corpus) < 0)
			goto oom_corpus;
		n++;
	}
	offsets[n] = corpus.len;
	cleaned = calloc(n, sizeof(char *));
	if (!cleaned)
		goto oom_corpus;
	for (size_t i = 0; i < n; i++) {
		cleaned[i] = text_clean(corpus.p + offsets[i], offsets[i + 1] - offsets[i]);
		if (!cleaned[i])
			goto oom_corpus;
		bytes_cleaned += (double) strlen(cleaned[i]);
	}
	printf("\nCorpus: %zu messages, %.1f MB of mail (%.0f bytes each on average), "
	       "%.1f MB after clean-up\n",
	       n, (double) corpus.len / MB, (double) corpus.len / (double) n, bytes_cleaned / MB);

	/* (a) scoring only, repeated until the timing is long enough */
	do {
		t0 = cpu_now();
		for (size_t i = 0; i < n; i++)
			if (score_one(lx, cleaned[i], strlen(cleaned[i]), &ta) < 0)
				goto oom_corpus;
		sec_a += cpu_now() - t0;
		passes++;
	} while (sec_a < MIN_TIMED_SEC && passes < MAX_PASSES);

	/* (b) clean-up + scoring, one pass over the raw mail */
	t0 = cpu_now();
	for (size_t i = 0; i < n; i++)
		if (clean_and_score(lx, corpus.p + offsets[i], offsets[i + 1] - offsets[i], &tb) <
		    0)
			goto oom_corpus;
	sec_b = cpu_now() - t0;

	printf("\nSpeed (%u pass(es) for scoring only)\n", passes);
	print_speed("scoring (cleaned text)", bytes_cleaned * passes,
		    (unsigned long long) n * passes, sec_a, TARGET_SCORE_MBS);
	print_speed("clean-up + scoring", (double) corpus.len, n, sec_b, TARGET_CLEAN_SCORE_MBS);
	print_tally(&tb);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("  peak RSS of this process with the corpus in memory: %ld KiB\n",
		       ru.ru_maxrss);

	free_texts(cleaned, n);
	free(corpus.p);
	return EXIT_SUCCESS;

oom_corpus:
	free_texts(cleaned, n);
	free(corpus.p);
oom:
	fprintf(stderr, "tone-speed: out of memory\n");
	return EXIT_FAILURE;
}
