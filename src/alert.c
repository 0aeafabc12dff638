/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>
#include <sys/random.h>

#include <gmime/gmime.h>

#include "alert.h"
#include "log.h"

/* Bounds on what one alert may hold: client names and ids come from the
 * configuration, evidence lines from hostile mail. */
#define ALERT_NAME_MAX_CHARS 120
#define ALERT_ID_PART_MAX 64

static const char *const alert_kind_table[_ALERT_KIND_MAX] = {
	[ALERT_NONE] = "none",
	[ALERT_RAISE] = "alert",
	[ALERT_RECOVERED] = "recovered",
	[ALERT_TEST] = "test",
};

const char *alert_kind_to_string(enum alert_kind k)
{
	if (k < 0 || k >= _ALERT_KIND_MAX)
		return NULL;
	return alert_kind_table[k];
}

/* --- decision ------------------------------------------------------------ */

/* Is `name` one of the comma-separated items of `list`? */
static bool red_list_contains(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strempty(list); *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t) (end - p) : strlen(p);

		/* tolerate spaces around items */
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* Comma-separated names of the red symbols of ce, in symbol order; "" when
 * none. NULL on OOM. */
static char *red_symbols(const struct client_eval *ce)
{
	char buf[_SYMBOL_MAX * 24] = "";
	size_t used = 0;

	for (enum symbol i = 0; i < _SYMBOL_MAX; i++) {
		const char *name;
		size_t len;

		if (!ce->sym[i].active || !ce->sym[i].red)
			continue;
		name = symbol_to_string(i);
		len = strlen(name);
		if (used + len + 2 > sizeof(buf))
			break;
		if (used > 0)
			buf[used++] = ',';
		memcpy(buf + used, name, len);
		used += len;
		buf[used] = '\0';
	}
	return strdup(buf);
}

enum alert_kind alert_decide(const struct alert_state *prev, const struct client_eval *ce,
			     double cooldown_days, int64_t now)
{
	enum level alerted = prev ? prev->alerted_level : LEVEL_NONE;
	double cooldown;

	if (!ce || ce->level < 0 || ce->level >= _LEVEL_MAX)
		return ALERT_NONE;
	if (alerted < 0 || alerted >= _LEVEL_MAX)
		alerted = LEVEL_NONE;

	if (ce->level == LEVEL_NONE)
		/* Back to normal: one notice if an alert went out, then
		 * alerted_level is reset and nothing more is said. */
		return alerted > LEVEL_NONE ? ALERT_RECOVERED : ALERT_NONE;

	if (ce->level > alerted)
		return ALERT_RAISE;

	/* Same (or lower) level than the last alert: only a new red symbol
	 * speaks inside the cooldown. */
	for (enum symbol i = 0; i < _SYMBOL_MAX; i++)
		if (ce->sym[i].active && ce->sym[i].red &&
		    !red_list_contains(prev->alerted_red, symbol_to_string(i)))
			return ALERT_RAISE;

	cooldown = isfinite(cooldown_days) && cooldown_days > 0 ? cooldown_days * SEC_PER_DAY : 0;
	if (prev->alerted_at <= 0 || (double) (now - prev->alerted_at) >= cooldown)
		return ALERT_RAISE;

	return ALERT_NONE;
}

/* --- composition ----------------------------------------------------------- */

static void gmime_init_once(void)
{
	static bool done = false;

	if (!done) {
		g_mime_init();
		done = true;
	}
}

static bool is_bidi_control(gunichar u)
{
	return (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069) || u == 0x200E ||
	       u == 0x200F;
}

/* Appends s as one line of text: valid UTF-8, no control characters (they
 * become spaces), no bidi overrides, at most max_chars characters ("…"). */
static void append_clean(GString *out, const char *s, size_t max_chars)
{
	g_autofree char *valid = g_utf8_make_valid(strempty(s), -1);
	size_t n = 0;

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);

		if (n >= max_chars) {
			g_string_append(out, "…");
			return;
		}
		if (is_bidi_control(u))
			continue;
		if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0))
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, u);
		n++;
	}
}

static char *clean_dup(const char *s, size_t max_chars)
{
	GString *g = g_string_new(NULL);
	char *r;

	append_clean(g, s, max_chars);
	r = strdup(g->str);
	g_string_free(g, TRUE);
	return r;
}

/* A figure as people write it: "16", "0.72", "37.5". */
static void fmt_figure(double v, char buf[static 32])
{
	if (!isfinite(v))
		snprintf(buf, 32, "?");
	else if (fabs(v - round(v)) < 1e-9)
		snprintf(buf, 32, "%.0f", v);
	else if (fabs(v * 10 - round(v * 10)) < 1e-9)
		snprintf(buf, 32, "%.1f", v);
	else
		snprintf(buf, 32, "%.2f", v);
}

static int percent(double share)
{
	if (!isfinite(share))
		return 0;
	return (int) lround(CLAMP(share, 0.0, 1.0) * 100.0);
}

/* The client id as a shell word for the commands we suggest. */
static void append_shell_word(GString *out, const char *s)
{
	bool plain = !isempty(s);

	for (const char *p = strempty(s); *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._-@+", *p))
			plain = false;
	if (plain) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '\'');
	for (const char *p = strempty(s); *p; p++) {
		if (*p == '\'')
			g_string_append(out, "'\\''");
		else if ((unsigned char) *p < 0x20 || *p == 0x7f)
			g_string_append_c(out, ' ');
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '\'');
}

static double cost_floor(const struct conf *c, const struct conf_thresholds *th)
{
	double v = th->sym[SYMBOL_COST].pink;

	if (isfinite(v) && v > 0)
		return v;
	return c->min_hourly_rate;
}

/* The figure of one symbol in plain words. */
static void append_symbol_meaning(GString *out, const struct conf *c, const struct client_eval *ce,
				  enum symbol i, bool fr)
{
	const struct symbol_result *r = &ce->sym[i];
	char v[32], x[32];

	fmt_figure(r->value, v);
	switch (i) {
	case SYMBOL_VOLUME:
		g_string_append_printf(out,
				       fr ? "%s messages de leur part en 7 jours"
					  : "%s messages from them in 7 days",
				       v);
		if (isfinite(ce->weekly_median_8w) && ce->weekly_median_8w > 0) {
			fmt_figure(ce->weekly_median_8w, x);
			g_string_append_printf(out,
					       fr ? " (d'habitude environ %s par semaine)"
						  : " (usually about %s a week)",
					       x);
		}
		break;
	case SYMBOL_OUT_OF_WINDOW:
		g_string_append_printf(out,
				       fr ? "%s messages en dehors de vos créneaux de rendez-vous convenus, en 7 jours"
					  : "%s messages outside your agreed meeting times in 7 days",
				       v);
		break;
	case SYMBOL_AFTER_HOURS:
		g_string_append_printf(out,
				       fr ? "%s messages en dehors de vos heures de travail (soirs, nuits, week-ends), en 7 jours"
					  : "%s messages outside your business hours (evenings, nights, weekends) in 7 days",
				       v);
		break;
	case SYMBOL_NEGATIVE_TONE:
		g_string_append_printf(out,
				       fr ? "%d %% de leurs messages sur 30 jours ont un ton négatif"
					  : "%d%% of their messages in 30 days have a negative tone",
				       percent(r->value));
		break;
	case SYMBOL_FEEDBACK_IMBALANCE:
		g_string_append_printf(out,
				       fr ? "%s messages négatifs pour un positif sur 30 jours (%u négatifs, %u positifs)"
					  : "%s negative messages for each positive one in 30 days (%u negative, %u positive)",
				       v, ce->negative_30d, ce->positive_30d);
		break;
	case SYMBOL_DOUBT:
	case SYMBOL_PRESSURE:
	case SYMBOL_ABUSE:
	case SYMBOL_PAYMENT: {
		/* Counts of messages: singular and plural differ in both languages. */
		static const char *const phrases[][4] = {
			[SYMBOL_DOUBT] = {
				"message en 30 jours met en doute votre expertise ou conteste vos recommandations",
				"messages en 30 jours mettent en doute votre expertise ou contestent vos recommandations",
				"message in 30 days doubts your expertise or pushes back on your recommendations",
				"messages in 30 days doubt your expertise or push back on your recommendations" },
			[SYMBOL_PRESSURE] = {
				"message en 7 jours presse pour de l'urgence ou des délais serrés",
				"messages en 7 jours pressent pour de l'urgence ou des délais serrés",
				"message in 7 days presses for urgency or tight deadlines",
				"messages in 7 days press for urgency or tight deadlines" },
			[SYMBOL_ABUSE] = {
				"message en 30 jours contient des propos injurieux ou insultants",
				"messages en 30 jours contiennent des propos injurieux ou insultants",
				"message in 30 days contains offensive or insulting language",
				"messages in 30 days contain offensive or insulting language" },
			[SYMBOL_PAYMENT] = {
				"message en 30 jours parle de paiements en retard ou contestés",
				"messages en 30 jours parlent de paiements en retard ou contestés",
				"message in 30 days mentions late or disputed payments",
				"messages in 30 days mention late or disputed payments" },
		};
		size_t k = (fr ? 0 : 2) + (r->value == 1 ? 0 : 1);

		g_string_append_printf(out, "%s %s", v, phrases[i][k]);
		break;
	}
	case SYMBOL_COST:
		fmt_figure(ce->client ? cost_floor(c, &ce->client->th) : c->min_hourly_rate, x);
		g_string_append_printf(out,
				       fr ? "ce client vous rapporte %s de l'heure sur 30 jours, sous votre minimum de %s"
					  : "this client earns you %s an hour over 30 days, below your minimum of %s",
				       v, x);
		break;
	default:
		g_string_append(out, v);
	}
}

static void append_symbols(GString *out, const struct conf *c, const struct client_eval *ce, bool fr)
{
	for (enum symbol i = 0; i < _SYMBOL_MAX; i++) {
		const struct symbol_result *r = &ce->sym[i];
		char pts[32];
		size_t n = 0;

		if (!r->active)
			continue;
		fmt_figure(r->points, pts);
		g_string_append_printf(out, "- %s (%s, +%s points)%s", symbol_to_string(i),
				       r->red ? (fr ? "rouge" : "red") : (fr ? "rose" : "pink"),
				       pts, fr ? " : " : ": ");
		append_symbol_meaning(out, c, ce, i, fr);
		g_string_append(out, ".\n");
		for (char **e = r->evidence; e && *e && n < RULES_MAX_EVIDENCE; e++, n++) {
			g_string_append(out, "    ");
			append_clean(out, *e, ALERT_EVIDENCE_MAX_CHARS);
			g_string_append_c(out, '\n');
		}
		g_string_append_c(out, '\n');
	}
}

static void append_counts(GString *out, const struct client_eval *ce, bool fr)
{
	g_string_append(out, fr ? "En chiffres :\n" : "In numbers:\n");
	g_string_append_printf(out, fr ? "  messages des 7 derniers jours : %u\n"
				       : "  messages in the last 7 days: %u\n",
			       ce->messages_7d);
	g_string_append_printf(out, fr ? "  messages des 30 derniers jours : %u\n"
				       : "  messages in the last 30 days: %u\n",
			       ce->messages_30d);
	if (ce->client && ce->client->has_meetings)
		g_string_append_printf(out, fr ? "  hors des créneaux de rendez-vous, 7 jours : %u\n"
					       : "  outside agreed meeting times, 7 days: %u\n",
				       ce->out_of_window_7d);
	g_string_append_printf(out, fr ? "  hors de vos heures de travail, 7 jours : %u\n"
				       : "  outside your business hours, 7 days: %u\n",
			       ce->after_hours_7d);
	g_string_append_printf(out, fr ? "  ton négatif, 30 jours : %d %% (%u messages négatifs, %u positifs)\n"
				       : "  negative tone, 30 days: %d%% (%u negative, %u positive messages)\n",
			       percent(ce->negative_share_30d), ce->negative_30d, ce->positive_30d);
	g_string_append_c(out, '\n');
}

static void build_body(GString *out, const struct conf *c, const struct client_eval *ce,
		       enum alert_kind kind, const char *name, bool fr)
{
	char pink[32], red[32];

	if (!isempty(c->owner_name)) {
		g_string_append(out, fr ? "Bonjour " : "Hello ");
		append_clean(out, c->owner_name, ALERT_NAME_MAX_CHARS);
		g_string_append(out, ",\n\n");
	} else
		g_string_append(out, fr ? "Bonjour,\n\n" : "Hello,\n\n");

	if (kind == ALERT_TEST) {
		g_string_append(out, fr ? "Ceci est une alerte de test envoyée par redflagd.\n\n"
					  "Si vous la lisez, les alertes sur vos clients vous parviendront "
					  "à cette adresse ("
					: "This is a test alert from redflagd.\n\n"
					  "If you are reading it, alerts about your clients will reach you "
					  "at this address (");
		append_clean(out, c->owner_email, ALERT_NAME_MAX_CHARS);
		g_string_append(out, fr ? "). Vous n'avez rien d'autre à faire.\n\n"
					: "). There is nothing else to do.\n\n");
		g_string_append(out, "-- \nredflagd\n");
		return;
	}

	fmt_figure(ce->client->th.pink_score, pink);
	fmt_figure(ce->client->th.red_score, red);

	if (kind == ALERT_RECOVERED) {
		g_string_append_printf(out,
				       fr ? "Bonne nouvelle : %s est repassé sous le seuil rose "
					    "(score %d sur 100, rose à partir de %s). Plus aucun signal "
					    "n'est assez fort pour une alerte : ce que vous avez fait "
					    "semble avoir marché.\n\n"
					  : "Good news: %s is back below the pink threshold "
					    "(score %d out of 100, pink from %s). No signal is strong "
					    "enough for an alert any more: what you did seems to have "
					    "worked.\n\n",
				       name, ce->score, pink);
		append_counts(out, ce, fr);
		g_string_append(out, fr ? "Et maintenant :\n"
					  "  - notez ce qui a marché, pour vous en souvenir :\n"
					  "      redflag note "
					: "What you can do now:\n"
					  "  - write down what worked, to remember it:\n"
					  "      redflag note ");
		append_shell_word(out, ce->client->id);
		g_string_append(out, fr ? " \"ce qui a été fait\"\n"
					  "  - suivez l'évolution :\n"
					  "      redflag report --client "
					: " \"what was done\"\n"
					  "  - follow the trend:\n"
					  "      redflag report --client ");
		append_shell_word(out, ce->client->id);
		g_string_append(out, "\n\n-- \nredflagd\n");
		return;
	}

	if (ce->level == LEVEL_RED)
		g_string_append_printf(out,
				       fr ? "%s a franchi le seuil rouge : score %d sur 100 "
					    "(rouge à partir de %s)."
					  : "%s crossed the red threshold: score %d out of 100 "
					    "(red from %s).",
				       name, ce->score, red);
	else
		g_string_append_printf(out,
				       fr ? "%s a franchi le seuil rose, une alerte précoce : score %d "
					    "sur 100 (rose à partir de %s, rouge à partir de %s)."
					  : "%s crossed the pink threshold, an early warning: score %d "
					    "out of 100 (pink from %s, red from %s).",
				       name, ce->score, pink, red);
	if (ce->level == LEVEL_RED && ce->sym[SYMBOL_ABUSE].active &&
	    (double) ce->score < ce->client->th.red_score)
		g_string_append(out, fr ? " Des propos injurieux suffisent à passer au rouge."
					: " Offensive language alone is enough for red.");
	g_string_append(out, fr ? " Pourquoi :\n\n" : " Why:\n\n");

	append_symbols(out, c, ce, fr);
	append_counts(out, ce, fr);

	g_string_append(out, fr ? "Et maintenant :\n"
				  "  - voyez chaque message derrière ce score :\n"
				  "      redflag explain "
				: "What you can do now:\n"
				  "  - see every message behind this score:\n"
				  "      redflag explain ");
	append_shell_word(out, ce->client->id);
	g_string_append(out, fr ? "\n  - une fois que vous avez agi (un appel, de nouveaux créneaux "
				  "convenus, un devis revu...), notez-le : les rapports montreront le "
				  "score avant et après :\n"
				  "      redflag note "
				: "\n  - once you have acted (a call, new agreed meeting times, a revised "
				  "quote...), record it so that reports show the score before and "
				  "after:\n"
				  "      redflag note ");
	append_shell_word(out, ce->client->id);
	g_string_append(out, fr ? " \"ce qui a été fait\"\n\n-- \nredflagd\n"
				: " \"what was done\"\n\n-- \nredflagd\n");
}

static char *build_subject(const struct client_eval *ce, enum alert_kind kind, const char *name,
			   bool fr)
{
	switch (kind) {
	case ALERT_TEST:
		return strdup(fr ? "[redflagd] Alerte de test" : "[redflagd] Test alert");
	case ALERT_RECOVERED:
		return strdup_printf(fr ? "[redflagd] Rétabli : %s" : "[redflagd] Recovered: %s", name);
	default:
		if (ce->level == LEVEL_RED)
			return strdup_printf(fr ? "[redflagd] ROUGE : %s (score %d)"
						: "[redflagd] RED: %s (score %d)",
					     name, ce->score);
		return strdup_printf(fr ? "[redflagd] ROSE : %s (score %d)"
					: "[redflagd] PINK: %s (score %d)",
				     name, ce->score);
	}
}

/* Keeps what is safe on the left of a Message-ID: letters, digits, '-', '_'. */
static void append_id_part(GString *out, const char *s)
{
	size_t n = 0;

	for (const char *p = strempty(s); *p && n < ALERT_ID_PART_MAX; p++, n++)
		g_string_append_c(out, g_ascii_isalnum(*p) || *p == '-' || *p == '_' ? *p : '-');
	if (n == 0)
		g_string_append_c(out, '-');
}

/* The domain of an addr-spec if it is a plain ASCII host name, else NULL. */
static const char *addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (!at || isempty(at + 1) || strlen(at + 1) > 253)
		return NULL;
	for (const char *p = at + 1; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return NULL;
	return at + 1;
}

static int make_message_id(const char *client, const char *level, int64_t now, const char *domain,
			   char **ret)
{
	uint8_t rnd[8];
	ssize_t n;
	GString *g;

	do
		n = getrandom(rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t) n != sizeof(rnd))
		return -EIO;

	g = g_string_new("redflagd.");
	append_id_part(g, client);
	g_string_append_c(g, '.');
	append_id_part(g, level);
	g_string_append_printf(g, ".%" PRId64 ".", now);
	for (size_t i = 0; i < sizeof(rnd); i++)
		g_string_append_printf(g, "%02x", rnd[i]);
	g_string_append_printf(g, "@%s", domain ? domain : "redflagd.invalid");
	*ret = strdup(g->str);
	g_string_free(g, TRUE);
	return *ret ? 0 : -ENOMEM;
}

int alert_compose(const struct conf *c, const struct client_eval *ce, enum alert_kind kind,
		  int64_t now, char **ret_message_id, char **ret_payload, size_t *ret_len)
{
	_cleanup_free_ char *name = NULL, *subject = NULL, *msgid = NULL, *from_default = NULL;
	_cleanup_free_ char *client_header = NULL;
	const char *from, *domain = NULL, *level;
	InternetAddressList *from_list = NULL;
	GMimeMessage *m = NULL;
	GMimeTextPart *part = NULL;
	GMimeStream *mem = NULL, *out = NULL;
	GMimeDataWrapper *wrapper = NULL;
	GMimeFormatOptions *fo = NULL;
	GDateTime *utc = NULL, *local = NULL;
	GString *body = NULL;
	GByteArray *bytes;
	char *payload;
	bool fr;
	int r;

	if (!c || !ret_message_id || !ret_payload || !ret_len)
		return -EINVAL;
	if (kind != ALERT_TEST && kind != ALERT_RAISE && kind != ALERT_RECOVERED)
		return -EINVAL;
	if (kind != ALERT_TEST && (!ce || !ce->client || !ce->client->id))
		return -EINVAL;
	if (isempty(c->owner_email))
		return -EDESTADDRREQ;

	gmime_init_once();
	fr = streq_ptr(c->owner_language, "fr");

	if (kind != ALERT_TEST) {
		name = clean_dup(isempty(ce->client->name) ? ce->client->id : ce->client->name,
				 ALERT_NAME_MAX_CHARS);
		client_header = clean_dup(ce->client->id, ALERT_NAME_MAX_CHARS);
		if (!name || !client_header)
			return -ENOMEM;
	}
	subject = build_subject(ce, kind, name, fr);
	if (!subject)
		return -ENOMEM;

	/* From: [smtp] from, else "redflagd <owner email>". */
	from = c->smtp_from;
	if (!isempty(from))
		from_list = internet_address_list_parse(NULL, from);
	if (!from_list || internet_address_list_length(from_list) < 1) {
		if (from_list)
			g_object_unref(from_list);
		from_default = strdup_printf("redflagd <%s>", c->owner_email);
		if (!from_default)
			return -ENOMEM;
		from_list = internet_address_list_parse(NULL, from_default);
		if (!from_list)
			return -EINVAL;
	}
	if (internet_address_list_length(from_list) >= 1) {
		InternetAddress *a = internet_address_list_get_address(from_list, 0);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			domain = addr_domain(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
	}
	if (!domain)
		domain = addr_domain(c->owner_email);

	if (kind == ALERT_TEST)
		level = "test";
	else if (kind == ALERT_RECOVERED)
		level = "recovered";
	else
		level = level_to_string(ce->level);
	r = make_message_id(kind == ALERT_TEST ? "test" : ce->client->id, level, now, domain, &msgid);
	if (r < 0)
		goto finish;

	utc = g_date_time_new_from_unix_utc(now);
	if (!utc) {
		r = -ERANGE;
		goto finish;
	}
	local = c->owner_tz ? g_date_time_to_timezone(utc, c->owner_tz) : g_date_time_ref(utc);
	if (!local) {
		r = -ERANGE;
		goto finish;
	}

	m = g_mime_message_new(TRUE);
	internet_address_list_append(g_mime_message_get_from(m), from_list);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO,
				   isempty(c->owner_name) ? NULL : c->owner_name, c->owner_email);
	g_mime_message_set_subject(m, subject, "utf-8");
	g_mime_message_set_date(m, local);
	g_mime_message_set_message_id(m, msgid);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-generated", NULL);
	if (kind != ALERT_TEST) {
		char score[16];

		snprintf(score, sizeof(score), "%d", ce->score);
		g_mime_object_set_header(GMIME_OBJECT(m), "X-Redflagd-Client", client_header, "utf-8");
		g_mime_object_set_header(GMIME_OBJECT(m), "X-Redflagd-Level",
					 level_to_string(ce->level), NULL);
		g_mime_object_set_header(GMIME_OBJECT(m), "X-Redflagd-Score", score, NULL);
	} else
		g_mime_object_set_header(GMIME_OBJECT(m), "X-Redflagd-Level", "test", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Redflagd-Kind", alert_kind_to_string(kind), NULL);

	body = g_string_new(NULL);
	build_body(body, c, ce, kind, name, fr);

	part = g_mime_text_part_new_with_subtype("plain");
	mem = g_mime_stream_mem_new_with_buffer(body->str, body->len);
	wrapper = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), wrapper);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(part));

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, out) < 0 || g_mime_stream_flush(out) < 0) {
		r = -EIO;
		goto finish;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	payload = malloc(bytes->len + 1);
	if (!payload) {
		r = -ENOMEM;
		goto finish;
	}
	memcpy(payload, bytes->data, bytes->len);
	payload[bytes->len] = '\0';

	*ret_message_id = TAKE_PTR(msgid);
	*ret_payload = payload;
	*ret_len = bytes->len;
	r = 0;
finish:
	if (fo)
		g_mime_format_options_free(fo);
	if (out)
		g_object_unref(out);
	if (wrapper)
		g_object_unref(wrapper);
	if (mem)
		g_object_unref(mem);
	if (part)
		g_object_unref(part);
	if (m)
		g_object_unref(m);
	if (body)
		g_string_free(body, TRUE);
	if (local)
		g_date_time_unref(local);
	if (utc)
		g_date_time_unref(utc);
	g_object_unref(from_list);
	return r;
}

/* --- processing -------------------------------------------------------------- */

static int queue_alert(const struct conf *c, struct store *s, const struct client_eval *ce,
		       enum alert_kind kind, int64_t now, int64_t *ret_id,
		       char **ret_message_id)
{
	_cleanup_free_ char *msgid = NULL, *payload = NULL, *red = NULL;
	struct outbox_item o;
	struct alert_state st;
	size_t len = 0;
	int64_t id = 0;
	int r;

	r = alert_compose(c, ce, kind, now, &msgid, &payload, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to compose the %s for '%s': %m",
				       alert_kind_to_string(kind), ce->client->id);

	red = kind == ALERT_RAISE ? red_symbols(ce) : strdup("");
	if (!red)
		return log_error_errno(-ENOMEM, "Failed to queue the alert for '%s': %m",
				       ce->client->id);

	o = (struct outbox_item) {
		.message_id = msgid,
		.client_id = ce->client->id,
		.kind = (char *) alert_kind_to_string(kind),
		.rcpt = c->owner_email,
		.payload = payload,
		.payload_len = len,
		.status = OUTBOX_PENDING,
		.created_at = now,
		.next_attempt_at = now,
	};
	st = (struct alert_state) {
		.client_id = ce->client->id,
		.level = ce->level,
		.score = ce->score,
		/* After a recovered notice, nothing is alerted any more. */
		.alerted_level = kind == ALERT_RAISE ? ce->level : LEVEL_NONE,
		.alerted_at = now,
		.alerted_red = red,
		.evaluated_at = now,
	};

	/* The outbox row and the new state commit together: a crash leaves
	 * either both (the alert will be delivered) or neither (it will be
	 * decided again). */
	r = store_begin(s);
	if (r < 0)
		return log_error_errno(r, "Failed to queue the alert for '%s': %s",
				       ce->client->id, store_error(s));
	r = store_outbox_add(s, &o, &id);
	if (r >= 0)
		r = store_alert_state_set(s, &st);
	if (r >= 0)
		r = store_commit(s);
	if (r < 0) {
		log_error_errno(r, "Failed to queue the alert for '%s': %s", ce->client->id,
				store_error(s));
		(void) store_rollback(s);
		return r;
	}

	*ret_id = id;
	*ret_message_id = TAKE_PTR(msgid);
	return 0;
}

static int record_evaluation(struct store *s, const struct client_eval *ce,
			     const struct alert_state *prev, bool found, int64_t now)
{
	struct alert_state st = {
		.client_id = ce->client->id,
		.level = ce->level,
		.score = ce->score,
		.alerted_level = found ? prev->alerted_level : LEVEL_NONE,
		.alerted_at = found ? prev->alerted_at : 0,
		.alerted_red = found && prev->alerted_red ? prev->alerted_red : (char *) "",
		.evaluated_at = now,
	};
	int r;

	r = store_alert_state_set(s, &st);
	if (r < 0)
		return log_error_errno(r, "Failed to store the alert state of '%s': %s",
				       ce->client->id, store_error(s));
	return 0;
}

static bool alerts_deliverable(const struct conf *c)
{
	static bool warned = false;

	if (c->has_smtp && !isempty(c->owner_email))
		return true;
	if (!warned) {
		if (!c->has_smtp)
			log_warning("no [smtp] configured: alerts are not sent");
		else
			log_warning("no [owner] email configured: alerts are not sent");
		warned = true;
	}
	return false;
}

int alert_process(const struct conf *c, struct store *s, const struct eval *e, int64_t now,
		  unsigned *ret_queued)
{
	unsigned queued = 0;
	int ret = 0;

	if (!c || !s || !e)
		return -EINVAL;

	for (size_t i = 0; i < e->n_clients; i++) {
		const struct client_eval *ce = &e->clients[i];
		struct alert_state prev = {};
		enum alert_kind kind;
		bool found;
		int r;

		if (!ce->client || !ce->client->id)
			continue;

		r = store_alert_state_get(s, ce->client->id, &prev);
		if (r < 0) {
			log_error_errno(r, "Failed to read the alert state of '%s': %s",
					ce->client->id, store_error(s));
			if (ret == 0)
				ret = r;
			continue;
		}
		found = r > 0;

		kind = alert_decide(found ? &prev : NULL, ce, ce->client->th.cooldown_days, now);
		if (kind != ALERT_NONE && alerts_deliverable(c)) {
			_cleanup_free_ char *msgid = NULL;
			int64_t id = 0;

			r = queue_alert(c, s, ce, kind, now, &id, &msgid);
			if (r >= 0) {
				_cleanup_free_ char *text = NULL, *f_client = NULL, *f_level = NULL,
						    *f_id = NULL;

				queued++;
				text = kind == ALERT_RECOVERED
					       ? strdup_printf("recovered notice for '%s' queued (Message-ID <%s>)",
							       ce->client->id, msgid)
					       : strdup_printf("%s alert for '%s' queued, score %d (Message-ID <%s>)",
							       level_to_string(ce->level), ce->client->id,
							       ce->score, msgid);
				f_client = strdup_printf("REDFLAG_CLIENT=%s", ce->client->id);
				f_level = strdup_printf("REDFLAG_LEVEL=%s", level_to_string(ce->level));
				f_id = strdup_printf("REDFLAG_ALERT_ID=%s", msgid);
				if (text && f_client && f_level && f_id)
					log_event(LOG_NOTICE, ALERT_MESSAGE_QUEUED, text, f_client,
						  f_level, f_id, (const char *) NULL);
				else if (text)
					log_notice("%s", text);
			}
		} else
			r = record_evaluation(s, ce, &prev, found, now);
		alert_state_done(&prev);
		if (r < 0 && ret == 0)
			ret = r;
	}

	if (ret_queued)
		*ret_queued = queued;
	return ret;
}
