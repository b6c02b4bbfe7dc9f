#!/bin/sh
# Signed Apple profiles: `openssl cms -verify` must accept the answer, and
# the plist inside must be the unsigned answer byte for byte.  Skipped
# (and said so) when the binary was built without libcrypto.
set -u
bin=${1:?usage: sign.sh BINARY}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$PWD
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
notok() { fail=$((fail + 1)); echo "not ok - $1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The body of a response saved by -r: everything after the blank line.
body() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\r\n\r\n")
sys.stdout.buffer.write(d[i + 4:])' "$1"
}

cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -days 30 -subj "/CN=mailautoconf test signer" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.pem \
    -out othercert.pem -days 30 -subj "/CN=other" 2>/dev/null
cp "$root/etc/mailautoconf.conf" plain.conf
mkdir sub
{
	cat "$root/etc/mailautoconf.conf"
	printf '\n[domain signed.example]\nimap = imap.signed.example 993 SSL\n'
	printf 'smtp = smtp.signed.example 465 SSL\n'
	printf 'sign_certificate = ../cert.pem\nsign_key = ../key.pem\n'
} > sub/signed.conf

url='/mobileconfig?emailaddress=alice%40signed.example'
if ! "$bin" -t -c sub/signed.conf >/dev/null 2>err.txt; then
	if grep -q "built without profile signing" err.txt; then
		echo "sign: 0 passed, 0 failed (built without libcrypto: skipped)"
		exit 0
	fi
	notok "config with sign_certificate/sign_key loads"
	cat err.txt
else
	ok "config with sign_certificate/sign_key (relative paths) loads"
fi

"$bin" -c sub/signed.conf -r "$url" > signed.txt
grep -q '^Content-Type: application/x-apple-aspen-config' signed.txt &&
    grep -q '^Content-Disposition: attachment; filename="signed.example.mobileconfig"' signed.txt &&
    ok "signed answer has the profile content type and file name" ||
    notok "signed answer has the profile content type and file name"
body signed.txt > signed.der
len=$(sed -n 's/^Content-Length: \([0-9]*\).*/\1/p' signed.txt)
[ "$len" = "$(wc -c < signed.der | tr -d ' ')" ] &&
    ok "Content-Length matches the DER size" ||
    notok "Content-Length matches the DER size"
if openssl cms -verify -inform DER -in signed.der -CAfile cert.pem \
    -out inner.plist 2>verify.txt; then
	ok "openssl cms -verify accepts the signed profile"
else
	notok "openssl cms -verify accepts the signed profile"
	cat verify.txt
fi
openssl cms -verify -inform DER -in signed.der -CAfile othercert.pem \
    -out /dev/null 2>/dev/null &&
    notok "verification fails against another CA" ||
    ok "verification fails against another CA"

# The same config without the signing keys gives the unsigned plist.
grep -v '^sign_' sub/signed.conf > sub/unsigned.conf
"$bin" -c sub/unsigned.conf -r "$url" > unsigned.txt
body unsigned.txt > unsigned.plist
cmp -s inner.plist unsigned.plist &&
    ok "the signed content is the unsigned profile, byte for byte" ||
    notok "the signed content is the unsigned profile, byte for byte"
grep -q '<key>PayloadType</key>' inner.plist &&
    ok "the signed content is a plist profile" ||
    notok "the signed content is a plist profile"

# A domain without signing keys stays unsigned next to a signed one.
"$bin" -c sub/signed.conf -r '/mobileconfig?emailaddress=bob%40example.com' |
    grep -q '^<?xml' && ok "domains without keys stay unsigned" ||
    notok "domains without keys stay unsigned"

# Config errors: a key that does not match, a missing file, a lone key.
sed 's#^sign_key = ../key.pem#sign_key = ../other.pem#' sub/signed.conf > sub/bad1.conf
sed 's#^sign_key = ../key.pem#sign_key = nope.pem#' sub/signed.conf > sub/bad2.conf
grep -v '^sign_certificate' sub/signed.conf > sub/bad3.conf
"$bin" -t -c sub/bad1.conf >/dev/null 2>e1.txt; rc1=$?
"$bin" -t -c sub/bad2.conf >/dev/null 2>e2.txt; rc2=$?
"$bin" -t -c sub/bad3.conf >/dev/null 2>e3.txt; rc3=$?
[ $rc1 -eq 78 ] && grep -q '^sub/bad1.conf:[0-9]*: signing: .*does not match' e1.txt &&
    ok "a key that does not match the certificate: FILE:LINE, exit 78" ||
    { notok "a key that does not match the certificate: FILE:LINE, exit 78"; cat e1.txt; }
[ $rc2 -eq 78 ] && grep -q '^sub/bad2.conf:[0-9]*: signing: sub/nope.pem: No such file or directory' e2.txt &&
    ok "a missing key file is named relative to the config" ||
    { notok "a missing key file is named relative to the config"; cat e2.txt; }
[ $rc3 -eq 78 ] && grep -q 'sign_certificate and sign_key go together' e3.txt &&
    ok "sign_key without sign_certificate is an error" ||
    { notok "sign_key without sign_certificate is an error"; cat e3.txt; }
# A FIFO as the key: refused at once (opening it for reading would wait
# for a writer), never a hang.
mkfifo sub/key.fifo
sed 's#^sign_key = ../key.pem#sign_key = key.fifo#' sub/signed.conf > sub/bad4.conf
timeout 10 "$bin" -t -c sub/bad4.conf >/dev/null 2>e4.txt; rc4=$?
[ $rc4 -eq 78 ] && grep -q '^sub/bad4.conf:[0-9]*: signing: sub/key.fifo: not a regular file' e4.txt &&
    ok "a FIFO as the key: not a regular file, exit 78, no wait" ||
    { notok "a FIFO as the key: not a regular file, exit 78 (got $rc4)"; cat e4.txt; }

echo "sign: $pass passed, $fail failed"
[ $fail -eq 0 ]
