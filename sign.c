/*
 * Optional signing of Apple configuration profiles: CMS SignedData in
 * DER with the plist inside, as Apple devices accept it.  The only file
 * that calls OpenSSL's libcrypto; built without it (no HAVE_LIBCRYPTO),
 * a config that asks for signing is refused at load time.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"

#ifdef HAVE_LIBCRYPTO

#include <dlfcn.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/*
 * libcrypto is opened on first use, not linked: a plain CGI (one
 * process per request) would otherwise pay for relocating it on every
 * request, signing or not.
 */
#ifndef LIBCRYPTO_SONAME
#define LIBCRYPTO_SONAME	"libcrypto.so.3"
#endif

static struct {
	X509	*(*read_x509)(FILE *, X509 **, pem_password_cb *, void *);
	EVP_PKEY *(*read_key)(FILE *, EVP_PKEY **, pem_password_cb *, void *);
	int	 (*check_key)(const X509 *, const EVP_PKEY *);
	void	 (*x509_free)(X509 *);
	void	 (*key_free)(EVP_PKEY *);
	OPENSSL_STACK *(*sk_new)(void);
	int	 (*sk_push)(OPENSSL_STACK *, const void *);
	int	 (*sk_num)(const OPENSSL_STACK *);
	void	 (*sk_pop_free)(OPENSSL_STACK *, void (*)(void *));
	BIO	*(*bio_mem)(const void *, int);
	int	 (*bio_free)(BIO *);
	CMS_ContentInfo *(*cms_sign)(X509 *, EVP_PKEY *, STACK_OF(X509) *,
		    BIO *, unsigned int);
	int	 (*i2d_cms)(const CMS_ContentInfo *, unsigned char **);
	void	 (*cms_free)(CMS_ContentInfo *);
	void	 (*err_clear)(void);
	int	 (*is_detached)(const CMS_ContentInfo *);
} C;

/* Open libcrypto and find what signing needs; 0 or -1. */
static int
crypto_open(void)
{
	void	*h;

	if (C.cms_sign != NULL)
		return 0;
	if ((h = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (h = dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return -1;
	*(void **)&C.read_x509 = dlsym(h, "PEM_read_X509");
	*(void **)&C.read_key = dlsym(h, "PEM_read_PrivateKey");
	*(void **)&C.check_key = dlsym(h, "X509_check_private_key");
	*(void **)&C.x509_free = dlsym(h, "X509_free");
	*(void **)&C.key_free = dlsym(h, "EVP_PKEY_free");
	*(void **)&C.sk_new = dlsym(h, "OPENSSL_sk_new_null");
	*(void **)&C.sk_push = dlsym(h, "OPENSSL_sk_push");
	*(void **)&C.sk_num = dlsym(h, "OPENSSL_sk_num");
	*(void **)&C.sk_pop_free = dlsym(h, "OPENSSL_sk_pop_free");
	*(void **)&C.bio_mem = dlsym(h, "BIO_new_mem_buf");
	*(void **)&C.bio_free = dlsym(h, "BIO_free");
	*(void **)&C.i2d_cms = dlsym(h, "i2d_CMS_ContentInfo");
	*(void **)&C.cms_free = dlsym(h, "CMS_ContentInfo_free");
	*(void **)&C.err_clear = dlsym(h, "ERR_clear_error");
	*(void **)&C.is_detached = dlsym(h, "CMS_is_detached");
	*(void **)&C.cms_sign = dlsym(h, "CMS_sign");
	if (C.read_x509 == NULL || C.read_key == NULL || C.check_key == NULL ||
	    C.x509_free == NULL || C.key_free == NULL || C.sk_new == NULL ||
	    C.sk_push == NULL || C.sk_num == NULL || C.sk_pop_free == NULL ||
	    C.bio_mem == NULL || C.bio_free == NULL || C.i2d_cms == NULL ||
	    C.cms_free == NULL || C.err_clear == NULL ||
	    C.is_detached == NULL || C.cms_sign == NULL) {
		C.cms_sign = NULL;
		return -1;
	}
	return 0;
}

struct signer {
	X509		*cert;
	EVP_PKEY	*key;
	OPENSSL_STACK	*chain;
};

static void
free_x509(void *x)
{
	C.x509_free(x);
}

void
sign_free(struct signer *s)
{
	if (s == NULL)
		return;
	if (s->cert != NULL)
		C.x509_free(s->cert);
	if (s->key != NULL)
		C.key_free(s->key);
	if (s->chain != NULL)
		C.sk_pop_free(s->chain, free_x509);
	free(s);
}

/* Never ask for a pass phrase: an encrypted key is refused instead. */
static int
no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0;
}

static FILE *
open_pem(const char *path, char *err, size_t errsz)
{
	struct stat	 st;
	FILE		*fp;
	const char	*why;

	if ((fp = conf_fopen(path, &st, &why)) == NULL)
		snprintf(err, errsz, "%s: %s", path, why);
	return fp;
}

/* The PEM certificate in path; NULL with a message in err. */
static X509 *
load_cert(const char *path, char *err, size_t errsz)
{
	FILE	*fp;
	X509	*x;

	if ((fp = open_pem(path, err, errsz)) == NULL)
		return NULL;
	x = C.read_x509(fp, NULL, no_pass, NULL);
	fclose(fp);
	if (x == NULL)
		snprintf(err, errsz, "%s: not a PEM certificate", path);
	return x;
}

/* The unencrypted PEM private key in path; NULL with a message in err. */
static EVP_PKEY *
load_key(const char *path, char *err, size_t errsz)
{
	FILE		*fp;
	EVP_PKEY	*k;

	if ((fp = open_pem(path, err, errsz)) == NULL)
		return NULL;
	k = C.read_key(fp, NULL, no_pass, NULL);
	fclose(fp);
	if (k == NULL)
		snprintf(err, errsz, "%s: not an unencrypted PEM private key",
		    path);
	return k;
}

/*
 * The PEM certificates in path, at least one; NULL with a message in
 * err.  The caller frees the stack with sk_pop_free and free_x509.
 */
static OPENSSL_STACK *
load_chain(const char *path, char *err, size_t errsz)
{
	OPENSSL_STACK	*sk;
	FILE		*fp;
	X509		*x;

	if ((fp = open_pem(path, err, errsz)) == NULL)
		return NULL;
	if ((sk = C.sk_new()) == NULL) {
		fclose(fp);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	while ((x = C.read_x509(fp, NULL, no_pass, NULL)) != NULL)
		if (C.sk_push(sk, x) == 0) {
			C.x509_free(x);
			break;
		}
	fclose(fp);
	if (C.sk_num(sk) == 0) {
		snprintf(err, errsz, "%s: no PEM certificate", path);
		C.sk_pop_free(sk, free_x509);
		return NULL;
	}
	return sk;
}

/*
 * Load a PEM certificate, its PEM private key and optionally a PEM file
 * of intermediate certificates (chain may be NULL).  Returns the signer,
 * or NULL with a message in err.
 */
struct signer *
sign_new(const char *cert, const char *key, const char *chain, char *err,
    size_t errsz)
{
	struct signer	*s;

	if (crypto_open() == -1) {
		snprintf(err, errsz, "cannot load %s", LIBCRYPTO_SONAME);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((s->cert = load_cert(cert, err, errsz)) == NULL ||
	    (s->key = load_key(key, err, errsz)) == NULL)
		goto fail;
	if (C.check_key(s->cert, s->key) != 1) {
		snprintf(err, errsz, "%s does not match %s", key, cert);
		goto fail;
	}
	if (chain != NULL &&
	    (s->chain = load_chain(chain, err, errsz)) == NULL)
		goto fail;
	C.err_clear();
	return s;
fail:
	C.err_clear();
	sign_free(s);
	return NULL;
}

/*
 * Sign n bytes at in into out (size outsz) as DER CMS SignedData with
 * the content attached.  Returns 0 and the length in *outlen, or -1.
 */
int
sign_der(const struct signer *s, const char *in, size_t n, char *out,
    size_t outsz, size_t *outlen)
{
	BIO		*bio;
	CMS_ContentInfo	*cms;
	unsigned char	*p = (unsigned char *)out;
	int		 len, rc = -1;

	if (n > (size_t)0x7fffffff || (bio = C.bio_mem(in, (int)n)) == NULL)
		return -1;
	cms = C.cms_sign(s->cert, s->key, (STACK_OF(X509) *)s->chain, bio,
	    CMS_BINARY);
	/* Out of memory, CMS_sign may leave the content out and succeed. */
	if (cms != NULL && C.is_detached(cms) == 0 &&
	    (len = C.i2d_cms(cms, NULL)) > 0 &&
	    (size_t)len <= outsz && C.i2d_cms(cms, &p) == len) {
		*outlen = (size_t)len;
		rc = 0;
	}
	if (cms != NULL)
		C.cms_free(cms);
	C.bio_free(bio);
	C.err_clear();
	return rc;
}

#else /* !HAVE_LIBCRYPTO */

void
sign_free(struct signer *s)
{
	(void)s;
}

struct signer *
sign_new(const char *cert, const char *key, const char *chain, char *err,
    size_t errsz)
{
	(void)cert;
	(void)key;
	(void)chain;
	snprintf(err, errsz, "built without profile signing (libcrypto)");
	return NULL;
}

int
sign_der(const struct signer *s, const char *in, size_t n, char *out,
    size_t outsz, size_t *outlen)
{
	(void)s;
	(void)in;
	(void)n;
	(void)out;
	(void)outsz;
	(void)outlen;
	return -1;
}

#endif /* HAVE_LIBCRYPTO */
