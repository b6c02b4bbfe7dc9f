#!/bin/sh
# tests/leak/mkconf.sh BINARY DIR: write DIR/mailautoconf.conf, the
# config the leak test, the fault-injection test and the soak serve:
# etc/mailautoconf.conf, the domain sections (not [defaults]) of every
# config the hostile corpus names in its conf column, tests/leak/
# extra.conf, and a signed.example domain signed with a key made here
# (when BINARY can sign and openssl is installed).  Everything it writes
# is readable by all, for a responder that drops to nobody.
#
# Prints one line per fact on stdout:
#   merged FILE	cases of the corpus with conf FILE can be checked
#   signing yes|no
# Exit status 0, or 1 when no usable config could be made.
set -u

bin=$1
dir=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
conf=$dir/mailautoconf.conf

# The corpus's other configs, relative to the top of the tree.
others=$(awk -F'\t' '!/^#/ && NF >= 11 && $11 != "-" && $11 != "" {
    print $11 }' "$top/tests/hostile/cases.tsv" | sort -u)

sections() {
	# Drop [defaults] up to the next section header.
	awk '/^\[/ { skip = ($0 ~ /^\[defaults\]/) } !skip' "$1"
}

write() {
	{
		cat "$top/etc/mailautoconf.conf"
		for f in $1; do
			printf '\n# ---- from %s ----\n' "$f"
			sections "$top/$f"
		done
		printf '\n'
		cat "$top/tests/leak/extra.conf"
		if [ "$2" = yes ]; then
			printf '\n[domain signed.example]\n'
			printf 'imap = imap.signed.example 993 SSL\n'
			printf 'smtp = smtp.signed.example 465 SSL\n'
			printf 'sign_certificate = %s/cert.pem\n' "$dir"
			printf 'sign_key = %s/key.pem\n' "$dir"
		fi
	} >"$conf"
	chmod 644 "$conf"
}

sign=no
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
    -out "$dir/cert.pem" -days 30 -subj "/CN=mailautoconf test signer" \
    >/dev/null 2>&1; then
	chmod 644 "$dir/key.pem" "$dir/cert.pem"
	sign=yes
fi
for try in "$others:$sign" ":$sign" "$others:no" ":no"; do
	write "${try%:*}" "${try##*:}"
	if "$bin" -t -c "$conf" >/dev/null 2>"$dir/mkconf.err"; then
		for f in ${try%:*}; do
			echo "merged $f"
		done
		echo "signing ${try##*:}"
		exit 0
	fi
done
echo "mkconf: no usable config:" >&2
cat "$dir/mkconf.err" >&2
exit 1
