/*
 * Optional signing of Apple configuration profiles: CMS SignedData in
 * DER with the plist inside, as Apple devices accept it.  The only file
 * that calls OpenSSL's libcrypto; built without it (no HAVE_LIBCRYPTO),
 * a config that asks for signing is refused at load time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"

#ifdef HAVE_LIBCRYPTO

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct signer {
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;
};

int
sign_available(void)
{
	return 1;
}

void
sign_free(struct signer *s)
{
	if (s == NULL)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

static FILE *
open_pem(const char *path, char *err, size_t errsz)
{
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL)
		snprintf(err, errsz, "%s: cannot open", path);
	return fp;
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
	FILE		*fp;
	X509		*x;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((fp = open_pem(cert, err, errsz)) == NULL)
		goto fail;
	s->cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (s->cert == NULL) {
		snprintf(err, errsz, "%s: not a PEM certificate", cert);
		goto fail;
	}
	if ((fp = open_pem(key, err, errsz)) == NULL)
		goto fail;
	s->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (s->key == NULL) {
		snprintf(err, errsz, "%s: not an unencrypted PEM private key",
		    key);
		goto fail;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		snprintf(err, errsz, "%s does not match %s", key, cert);
		goto fail;
	}
	if (chain != NULL) {
		if ((fp = open_pem(chain, err, errsz)) == NULL)
			goto fail;
		if ((s->chain = sk_X509_new_null()) == NULL) {
			fclose(fp);
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
			if (sk_X509_push(s->chain, x) == 0) {
				X509_free(x);
				break;
			}
		fclose(fp);
		if (sk_X509_num(s->chain) == 0) {
			snprintf(err, errsz, "%s: no PEM certificate", chain);
			goto fail;
		}
	}
	ERR_clear_error();
	return s;
fail:
	ERR_clear_error();
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
	CMS_ContentInfo	*cms = NULL;
	unsigned char	*p = (unsigned char *)out;
	int		 len, rc = -1;

	if (n > (size_t)0x7fffffff ||
	    (bio = BIO_new_mem_buf(in, (int)n)) == NULL)
		return -1;
	cms = CMS_sign(s->cert, s->key, s->chain, bio, CMS_BINARY);
	if (cms != NULL && (len = i2d_CMS_ContentInfo(cms, NULL)) > 0 &&
	    (size_t)len <= outsz && i2d_CMS_ContentInfo(cms, &p) == len) {
		*outlen = (size_t)len;
		rc = 0;
	}
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

#else /* !HAVE_LIBCRYPTO */

int
sign_available(void)
{
	return 0;
}

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
