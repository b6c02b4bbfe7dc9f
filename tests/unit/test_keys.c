/*
 * The key table (keys.c): every row names a field of its own, is
 * documented in mailautoconf.conf(5), and takes part in deciding which
 * domains share prepared answers (prep_same in prepare.c): two domains
 * whose sections differ in any single key never share one.
 */
#include "testutil.h"
#include "../../conf.h"

/* The size of the field a key's value lives in. */
static size_t
field_size(const struct key *k)
{
	switch (k->type) {
	case K_BOOL:
		return sizeof(int);
	case K_UINT:
		return sizeof(unsigned);
	case K_SERVER:
		return sizeof(struct server *);
	default:
		return sizeof(const char *);
	}
}

/* Rows name distinct fields inside struct section, and distinct names. */
static void
test_rows(void **state)
{
	const struct key *a, *b;
	size_t		 i, j, idx;

	(void)state;
	assert_true(conf_nkeys > 0);
	assert_true(conf_nkeys <= sizeof(unsigned long) * 8);
	for (i = 0; i < conf_nkeys; i++) {
		a = &conf_keys[i];
		assert_true(a->type < KTYPE_COUNT);
		assert_true(a->off + field_size(a) <= sizeof(struct section));
		/* A key stands somewhere; only setup_path, which is
		   the whole site's, not in a domain section. */
		assert_true(a->where != 0 &&
		    (a->where & ~(unsigned)(IN_DEFAULTS | IN_DOMAIN)) == 0);
		if (!(a->where & IN_DOMAIN))
			assert_string_equal(a->name, "setup_path");
		assert_ptr_equal(key_find(a->name, strlen(a->name), &idx), a);
		assert_int_equal(idx, i);
		for (j = i + 1; j < conf_nkeys; j++) {
			b = &conf_keys[j];
			if (strcmp(a->name, b->name) == 0)
				fail_msg("key %s listed twice", a->name);
			if (a->off == b->off && (a->type != K_SERVER ||
			    a->arg == b->arg))
				fail_msg("%s and %s share a field", a->name,
				    b->name);
		}
	}
	assert_null(key_find("nosuchkey", 9, &idx));
}

/* Every key has its entry in mailautoconf.conf(5). */
static void
test_documented(void **state)
{
	char	*man, want[80];
	size_t	 i;

	(void)state;
	man = tu_slurp("doc/mailautoconf.conf.5", NULL);
	assert_non_null(man);
	for (i = 0; i < conf_nkeys; i++) {
		snprintf(want, sizeof(want), "\n.It Cm %s = ", conf_keys[i].name);
		if (strstr(man, want) == NULL)
			fail_msg("key %s is not in mailautoconf.conf(5)",
			    conf_keys[i].name);
	}
	free(man);
}

static struct server srv_one[] = {
	{ "imap.example.com", 993, SOCK_SSL, { AUTH_CLEARTEXT }, 1, "f", 1 },
};
static struct server srv_two[] = {
	{ "mail.example.com", 993, SOCK_SSL, { AUTH_CLEARTEXT }, 1, "f", 1 },
};

/* Give key k in s its first (v 0) or second (v 1) test value. */
static void
set_value(const struct key *k, struct section *s, int v)
{
	static const char *const text[2] = { "one", "two" };
	char	*field = (char *)s + k->off;

	switch (k->type) {
	case K_TEXT:
	case K_USER:
	case K_URL:
	case K_PATH:
	case K_WEBPATH:
	case K_ALIAS:
		memcpy(field, &text[v], sizeof(text[v]));
		break;
	case K_BOOL:
		*(int *)(void *)field = v;
		break;
	case K_UINT:
		*(unsigned *)(void *)field = k->min + (unsigned)v;
		break;
	case K_SERVER:
		s->srv[k->arg] = v ? srv_two : srv_one;
		s->nsrv[k->arg] = 1;
		break;
	default:
		fail_msg("key %s: a type without test values", k->name);
	}
}

/*
 * For each key: two sections equal in every key but that one never
 * share answers, two equal in all do, and copies of equal strings held
 * at other addresses count as equal.
 */
static void
test_share_by_key(void **state)
{
	struct section	 a, b;
	struct domain	 da, db, ta, tb;
	char		 copy[8][8];
	size_t		 i, j;

	(void)state;
	memset(&da, 0, sizeof(da));
	memset(&db, 0, sizeof(db));
	da.name = "a.example";
	db.name = "b.example";
	da.sec = &a;
	db.sec = &b;
	for (i = 0; i < conf_nkeys; i++) {
		memset(&a, 0, sizeof(a));
		for (j = 0; j < conf_nkeys; j++)
			set_value(&conf_keys[j], &a, 0);
		b = a;
		assert_true(prep_same(&da, &db));
		set_value(&conf_keys[i], &b, 1);
		if (prep_same(&da, &db))
			fail_msg("sections differing in %s share answers",
			    conf_keys[i].name);
		if (key_same(&conf_keys[i], &a, &b))
			fail_msg("key_same: %s", conf_keys[i].name);
	}
	/* Equal text at another address is the same value. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(copy[0], sizeof(copy[0]), "%s", "Mail");
	a.display_name = "Mail";
	b.display_name = copy[0];
	assert_true(prep_same(&da, &db));
	/* Alias targets: different ones never share. */
	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	ta.name = "x.example";
	tb.name = "y.example";
	da.of = &ta;
	db.of = &tb;
	assert_false(prep_same(&da, &db));
	db.of = NULL;
	assert_false(prep_same(&da, &db));
}

/* key_hash agrees with key_same: equal values hash alike. */
static void
test_hash(void **state)
{
	struct section	 a, b;
	struct server	 copy[1];
	size_t		 i;

	(void)state;
	memset(&a, 0, sizeof(a));
	for (i = 0; i < conf_nkeys; i++)
		set_value(&conf_keys[i], &a, 0);
	b = a;
	memcpy(copy, srv_one, sizeof(copy));
	b.srv[P_IMAP] = copy;
	for (i = 0; i < conf_nkeys; i++) {
		assert_true(key_same(&conf_keys[i], &a, &b));
		assert_int_equal(key_hash(&conf_keys[i], &a, 1),
		    key_hash(&conf_keys[i], &b, 1));
	}
}

/*
 * Loaded: domains whose sections differ only in one key, for a key of
 * each type, get answers of their own; identical ones share.
 */
static void
test_share_loaded(void **state)
{
	static const char *const lines[] = {
		"ttl = 2", "alternatives = yes", "display_name = Other",
		"jmap_url = https://jmap.example.com/",
		"smtp = smtp2.example.com 465 SSL",
		"username = %EMAILLOCALPART%",
	};
	char		 dir[] = "/tmp/mac-keys-XXXXXX", path[256], text[1024];
	struct config	*cfg;
	const struct domain *a, *b, *c;
	size_t		 i;
	FILE		*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.conf", dir);
	for (i = 0; i < NELEM(lines); i++) {
		snprintf(text, sizeof(text),
		    "[defaults]\nimap = imap.example.com 993 SSL\n"
		    "smtp = smtp.example.com 465 SSL\n"
		    "[domain a.example]\n[domain c.example]\n"
		    "[domain b.example]\n%s\n", lines[i]);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
		cfg = config_load(path, 0);
		assert_non_null(cfg);
		a = config_lookup(cfg, "a.example", 9);
		b = config_lookup(cfg, "b.example", 9);
		c = config_lookup(cfg, "c.example", 9);
		assert_non_null(a);
		assert_non_null(b);
		assert_non_null(c);
		assert_ptr_equal(a->ans, c->ans);
		if (a->ans == b->ans)
			fail_msg("'%s' in one section: answers shared",
			    lines[i]);
		config_free(cfg);
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_documented),
		cmocka_unit_test(test_share_by_key),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_share_loaded),
	};

	return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
