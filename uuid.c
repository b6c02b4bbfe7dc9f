/*
 * Name-based UUIDs (RFC 9562 version 5: SHA-1) for Apple profiles, so
 * that downloading a profile twice yields the same identifiers and a
 * device replaces the installed profile instead of adding a copy.
 */
#include <stdint.h>
#include <string.h>

#include "mailautoconf.h"

/* The project's own namespace: every mailautoconf UUID lives in it. */
static const unsigned char uuid_ns[16] = {
	0xed, 0x8d, 0xe9, 0x71, 0xdb, 0x4f, 0x45, 0x22,
	0xa8, 0x09, 0x79, 0xd9, 0x76, 0xbf, 0xe8, 0x0f
};

struct sha1 {
	uint32_t	 h[5];
	unsigned char	 block[64];
	size_t		 fill;
	uint64_t	 bytes;
};

static uint32_t
rol(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t	 w[80], a, b, c, d, e, f, k, t;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void
sha1_init(struct sha1 *s)
{
	static const uint32_t iv[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
	};

	memcpy(s->h, iv, sizeof(iv));
	s->fill = 0;
	s->bytes = 0;
}

static void
sha1_add(struct sha1 *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t		 take;

	s->bytes += n;
	while (n > 0) {
		take = 64 - s->fill < n ? 64 - s->fill : n;
		memcpy(s->block + s->fill, p, take);
		s->fill += take;
		p += take;
		n -= take;
		if (s->fill == 64) {
			sha1_block(s, s->block);
			s->fill = 0;
		}
	}
}

static void
sha1_end(struct sha1 *s, unsigned char out[20])
{
	uint64_t	 bits = s->bytes * 8;
	unsigned char	 pad = 0x80, len[8];
	int		 i;

	sha1_add(s, &pad, 1);
	pad = 0;
	while (s->fill != 56)
		sha1_add(s, &pad, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_add(s, len, 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/*
 * Write the version-5 UUID of the name kind + "\n" + name (n bytes) in
 * the project's namespace to out as 36 upper-case hex characters and
 * dashes (the form Apple's profiles use), plus a NUL.
 */
void
uuid_name(const char *kind, const char *name, size_t n, char out[37])
{
	static const char hex[] = "0123456789ABCDEF";
	struct sha1	 s;
	unsigned char	 d[20];
	int		 i, o = 0;

	sha1_init(&s);
	sha1_add(&s, uuid_ns, sizeof(uuid_ns));
	sha1_add(&s, kind, strlen(kind));
	sha1_add(&s, "\n", 1);
	sha1_add(&s, name, n);
	sha1_end(&s, d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[d[i] >> 4];
		out[o++] = hex[d[i] & 0xf];
	}
	out[o] = '\0';
}
