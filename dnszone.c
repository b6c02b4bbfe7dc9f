/*
 * mailautoconf --dns: the DNS records to publish for each domain, in
 * zone-file syntax with absolute names.  SRV records of RFC 6186 and
 * RFC 8314 for the mail services (target "." for a service not
 * offered), RFC 8620 JMAP, RFC 6764 CalDAV/CardDAV (with their TXT path),
 * Outlook's _autodiscover, and the host names clients look up.
 */
#include <stdio.h>
#include <string.h>

#include "mailautoconf.h"

#define DNS_TTL	3600

/* The note printed above each group of records. */
static const char note_mail[] = "mail services, RFC 6186 and RFC 8314 "
    "(target \".\": not offered)";
static const char note_url[] = "JMAP (RFC 8620), CalDAV and CardDAV "
    "(RFC 6764), Outlook";

/* What dns_records hands each record to, and where. */
struct recsink {
	dns_recfn	 fn;
	void		*arg;
	const char	*dom;
	const char	*note;	/* for the next record */
};

static void
srv(struct recsink *k, const char *svc, unsigned prio, unsigned port,
    const char *target)
{
	struct dnsrec	 r;

	memset(&r, 0, sizeof(r));
	r.note = k->note;
	r.svc = svc;
	r.dom = k->dom;
	if (target != NULL) {
		r.prio = prio;
		r.weight = 1;
		r.port = port;
		r.target = target;
	}
	k->note = NULL;
	k->fn(k->arg, &r);
}

/* The servers of protocol p whose socket type is (or is not) SSL. */
static void
mail_srv(struct recsink *k, const struct section *s, enum proto p, int tls,
    const char *svc, const char *sdom)
{
	char		 host[CONF_VALUE_MAX + DOMAIN_MAX];
	unsigned	 i, prio = 0;

	for (i = 0; i < s->nsrv[p]; i++) {
		if ((s->srv[p][i].sock == SOCK_SSL) != tls)
			continue;
		str_expand(s->srv[p][i].host, sdom, host, sizeof(host));
		srv(k, svc, prio++, s->srv[p][i].port, host);
	}
	if (prio == 0)
		srv(k, svc, 0, 0, NULL);
}

/* An SRV record (and RFC 6764 TXT path) for a configured URL. */
static void
url_srv(struct recsink *k, const char *svc, const char *url,
    const char *sdom, int txtpath)
{
	char		 full[CONF_VALUE_MAX + DOMAIN_MAX];
	struct urlparts	 u;
	struct dnsrec	 r;

	if (url == NULL) {
		srv(k, svc, 0, 0, NULL);
		return;
	}
	str_expand(url, sdom, full, sizeof(full));
	url_split(full, &u);
	if (!u.tls) {
		srv(k, svc, 0, 0, NULL);
		return;
	}
	srv(k, svc, 0, u.port, u.host);
	if (txtpath && u.path[0] != '\0' && strcmp(u.path, "/") != 0) {
		memset(&r, 0, sizeof(r));
		r.svc = svc;
		r.dom = k->dom;
		r.txt = 1;
		r.target = u.path;
		k->fn(k->arg, &r);
	}
}

/* The mail, JMAP, DAV and Autodiscover records of s for dom. */
static void
service_records(const struct section *s, const char *dom, const char *sdom,
    const char *addom, dns_recfn fn, void *arg)
{
	struct recsink	 k = { fn, arg, dom, note_mail };

	mail_srv(&k, s, P_IMAP, 1, "_imaps._tcp", sdom);
	mail_srv(&k, s, P_IMAP, 0, "_imap._tcp", sdom);
	mail_srv(&k, s, P_POP3, 1, "_pop3s._tcp", sdom);
	mail_srv(&k, s, P_POP3, 0, "_pop3._tcp", sdom);
	mail_srv(&k, s, P_SMTP, 1, "_submissions._tcp", sdom);
	mail_srv(&k, s, P_SMTP, 0, "_submission._tcp", sdom);
	k.note = note_url;
	url_srv(&k, "_jmap._tcp", s->url[URL_JMAP], sdom, 0);
	url_srv(&k, "_caldavs._tcp", s->url[URL_CALDAV], sdom, 1);
	url_srv(&k, "_carddavs._tcp", s->url[URL_CARDDAV], sdom, 1);
	url_srv(&k, "_autodiscover._tcp", s->url[URL_AUTODISCOVER] != NULL ?
	    s->url[URL_AUTODISCOVER] :
	    "https://autodiscover.%EMAILDOMAIN%/autodiscover/autodiscover.xml",
	    s->url[URL_AUTODISCOVER] != NULL ? sdom : addom, 0);
}

/*
 * Hand fn every SRV and TXT record that --dns prints for d, in the order
 * it prints them.  The strings a record points to last only for the
 * call.
 */
void
dns_records(const struct domain *d, dns_recfn fn, void *arg)
{
	const char	*sdom = dom_target(d) != NULL ? dom_target(d) : d->name;

	service_records(d->sec, d->name, sdom, sdom, fn, arg);
}

/* One record in zone-file syntax: fn for dns_records onto a FILE. */
static void
print_record(void *arg, const struct dnsrec *r)
{
	FILE	*fp = arg;
	char	 name[DOMAIN_MAX + 32];

	if (r->note != NULL)
		fprintf(fp, "; %s\n", r->note);
	snprintf(name, sizeof(name), "%s.%s.", r->svc, r->dom);
	if (r->txt)
		fprintf(fp, "%-40s %d IN TXT \"path=%s\"\n", name, DNS_TTL,
		    r->target);
	else if (r->target == NULL)
		fprintf(fp, "%-40s %d IN SRV 0 0 0 .\n", name, DNS_TTL);
	else
		fprintf(fp, "%-40s %d IN SRV %u %u %u %s.\n", name, DNS_TTL,
		    r->prio, r->weight, r->port, r->target);
}

static void
domain_records(FILE *fp, const struct domain *d)
{
	fprintf(fp, "; %s", d->name);
	if (dom_target(d) != NULL)
		fprintf(fp, " (alias of %s)", dom_target(d));
	fputc('\n', fp);
	dns_records(d, print_record, fp);
	fprintf(fp, "; point these names at the web server that runs "
	    "mailautoconf (A/AAAA or CNAME):\n"
	    ";   autoconfig.%s.    (Thunderbird, Evolution, KMail)\n"
	    ";   autodiscover.%s.  (Outlook, eM Client, Delta Chat)\n\n",
	    d->name, d->name);
}

/*
 * What customer domain dom publishes to be served by hoster h (a
 * section with hosted = yes): %EMAILDOMAIN% is dom, as in the answers;
 * without an autodiscover_url, Outlook is sent to the hoster's
 * autodiscover name.  Thunderbird's own path is the MX: a comment.
 */
static void
hosted_records(FILE *fp, const struct domain *h, const char *dom)
{
	fprintf(fp, "; %s, hosted by %s\n", dom, h->name);
	service_records(h->sec, dom, dom, h->name, print_record, fp);
	fprintf(fp, "; Thunderbird asks autoconfig. of the MX host's domain: "
	    "let the MX of %s\n"
	    "; be a host under %s, for example\n"
	    ";   %s. IN MX 10 mx.%s.\n"
	    "; (or publish CNAMEs autoconfig.%s. and autodiscover.%s. to "
	    "the\n"
	    "; hoster's names, each with a certificate for it)\n\n",
	    dom, h->name, dom, h->name, dom, dom);
}

/*
 * The configured hoster named (an alias stands for its target), or
 * NULL with the reason on stderr.
 */
static const struct domain *
find_hoster(const struct config *cfg, const char *name)
{
	const struct domain *h;
	char		 dom[DOMAIN_MAX + 1];
	int		 len;

	len = valid_domain(name, strlen(name), dom, sizeof(dom));
	if (len < 0 || config_lookup(cfg, dom, (size_t)len) == NULL) {
		fprintf(stderr, "mailautoconf: %s: not a configured domain\n",
		    name);
		return NULL;
	}
	if ((h = config_hoster(cfg, dom, (size_t)len)) == NULL)
		fprintf(stderr, "mailautoconf: %s: its section does not say "
		    "hosted = yes\n", name);
	return h;
}

/*
 * Print the records of the n domains named (all configured ones when
 * n is 0).  With a hoster (not NULL), the names are customer domains
 * it hosts, which must not be configured themselves.  Returns 0, or -1
 * when a name is not what it should be (reported on stderr; the others
 * are still printed).
 */
int
dns_zone(const struct config *cfg, FILE *fp, char *const *names, int n,
    const char *hoster)
{
	const struct domain *d, *h = NULL;
	char		 dom[DOMAIN_MAX + 1];
	size_t		 i;
	int		 k, len, rc = 0;

	if (hoster != NULL && n == 0) {
		fprintf(stderr, "mailautoconf: --dns -H %s: name the customer "
		    "domains\n", hoster);
		return -1;
	}
	if (hoster != NULL && (h = find_hoster(cfg, hoster)) == NULL)
		return -1;
	if (n == 0 && h == NULL) {
		for (i = 0; i < config_ndomains(cfg); i++)
			domain_records(fp, config_domain(cfg, i));
		return 0;
	}
	for (k = 0; k < n; k++) {
		len = valid_domain(names[k], strlen(names[k]), dom, sizeof(dom));
		d = len < 0 ? NULL : config_lookup(cfg, dom, (size_t)len);
		if (len < 0) {
			fprintf(stderr, "mailautoconf: %s: not a domain name\n",
			    names[k]);
			rc = -1;
		} else if (h == NULL && d == NULL) {
			fprintf(stderr, "mailautoconf: %s: not a configured "
			    "domain\n", names[k]);
			rc = -1;
		} else if (h != NULL && d != NULL) {
			fprintf(stderr, "mailautoconf: %s: configured itself, "
			    "not hosted: --dns %s\n", names[k], dom);
			rc = -1;
		} else if (h != NULL && !config_hosts_fit(h->sec, dom)) {
			fprintf(stderr, "mailautoconf: %s: too long for the "
			    "host names of %s (253 bytes at most, 63 in a "
			    "label)\n", names[k], h->name);
			rc = -1;
		} else if (h != NULL)
			hosted_records(fp, h, dom);
		else
			domain_records(fp, d);
	}
	return rc;
}
