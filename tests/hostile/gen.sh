#!/bin/sh
# tests/hostile/gen.sh DIR: write the big hostile bodies and URIs that
# tests/hostile/cases.tsv names as gen/NAME (bodies) and @NAME (URIs)
# into DIR.  They are made at test time instead of being committed:
# together they are a few megabytes.  POSIX sh, awk, head and tr only.
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: sh tests/hostile/gen.sh DIR" >&2
	exit 64
fi
d=$1

NS=http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006
REQ="<Autodiscover xmlns=\"$NS\"><Request><EMailAddress>alice@example.com</EMailAddress></Request></Autodiscover>"

# rep STRING COUNT: STRING COUNT times, no newline.
rep() {
	awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# pad STRING SIZE C: STRING followed by C up to SIZE bytes in all.
pad() {
	printf '%s' "$1"
	rep "$3" $(($2 - ${#1}))
}

# A valid request padded with white space to exactly BODY_MAX, and one
# byte more.
pad "$REQ" 16384 ' ' >"$d/exact-16384.xml"
pad "$REQ" 16385 ' ' >"$d/over-16385.xml"
# A mebibyte of text.
head -c 1048576 /dev/zero | tr '\0' 'A' >"$d/over-1mib.bin"
# 10,000 distinct attributes (far past the cap: 413), and 2,000 that fit
# under it (past AD_ATTRS_MAX: error 600).
{
	printf '<Autodiscover><Request'
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf " a%d=\"1\"", i }'
	printf '><EMailAddress>alice@example.com</EMailAddress></Request></Autodiscover>'
} >"$d/attrs-10000.xml"
{
	printf '<Autodiscover><Request'
	rep ' a="1"' 2000
	printf '><EMailAddress>alice@example.com</EMailAddress></Request></Autodiscover>'
} >"$d/attrs-2000.xml"
# 100,000 nested elements (413); 4,000 left open and 2,000 closed that
# fit under the cap (past AD_ELEMS_MAX: 600).
{
	rep '<a>' 100000
	rep '</a>' 100000
} >"$d/nest-100000.xml"
rep '<a>' 4000 >"$d/nest-4000.xml"
{
	printf '<Autodiscover><Request><EMailAddress>alice@example.com</EMailAddress>'
	rep '<n>' 2000
	rep '</n>' 2000
	printf '</Request></Autodiscover>'
} >"$d/nest-2000.xml"
{
	printf '<Autodiscover><Request><EMailAddress>alice@example.com</EMailAddress>'
	rep '<x/>' 3000
	printf '</Request></Autodiscover>'
} >"$d/elems-3000.xml"
# One element name and one address of 15,000 bytes.
{
	printf '<'
	rep A 15000
	printf '/>'
} >"$d/long-name.xml"
{
	printf '<Autodiscover><Request><EMailAddress>'
	rep a 15000
	printf '@example.com</EMailAddress></Request></Autodiscover>'
} >"$d/long-address.xml"
# BODY_MAX bytes of NUL, of '<' and of '&'.
head -c 16384 /dev/zero >"$d/nul-16384.bin"
head -c 16384 /dev/zero | tr '\0' '<' >"$d/lt-16384.bin"
head -c 16384 /dev/zero | tr '\0' '&' >"$d/amp-16384.bin"

# URIs: a path past URI_MAX (4096), queries at and past QUERY_MAX (2048).
pad / 4097 a >"$d/uri-4097"
pad / 100000 a >"$d/uri-100000"
q='emailaddress=alice@example.com&x='
{ printf '/mail/config-v1.1.xml?'; pad "$q" 2048 x; } >"$d/query-2048"
{ printf '/mail/config-v1.1.xml?'; pad "$q" 2049 x; } >"$d/query-2049"
{ printf '/mail/config-v1.1.xml?'; pad "$q" 100000 x; } >"$d/query-100000"
{
	printf '/autodiscover/autodiscover.json?'
	pad 'Email=alice@example.com&Protocol=AutodiscoverV1&x=' 2049 x
} >"$d/json-query-2049"
{ printf '/email.mobileconfig?'; pad "$q" 2049 x; } >"$d/apple-query-2049"
