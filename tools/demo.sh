#!/bin/sh
# "make run": the portal with everything it needs, on an embedded default.
# A private PostgreSQL cluster and config under var/ (created once, reused),
# demo data, a self-signed certificate, HAProxy for TLS, and the portal in
# the foreground. Ctrl-C stops everything this script started.
set -eu
top=$(pwd)
var=$top/var
https_port=${PAYPORTAL_DEMO_PORT:-8443}
kore_port=${PAYPORTAL_DEMO_BACKEND_PORT:-8081}
pg_port=${PAYPORTAL_DEMO_PG_PORT:-5499}
gw_port=${PAYPORTAL_DEMO_GATEWAY_PORT:-12100}
gw_https_port=${PAYPORTAL_DEMO_GATEWAY_HTTPS_PORT:-8444}
smtp_port=${PAYPORTAL_DEMO_SMTP_PORT:-2526}
bin=$top/build/payportal
conf=$var/payportal.conf
proxy_pid=
standin_pid=
smtp_pid=

mkdir -p "$var"
cleanup() {
	trap - EXIT INT TERM
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
	[ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null || true
	[ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null || true
	"$top/tools/pg.sh" stop "$var/pg"
	echo "payportal demo stopped."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/tools/pg.sh" start "$var/pg" "$pg_port"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$var/pg" -p "$pg_port" -U postgres "$@"; }
if ! psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'payportal'" | grep -q 1; then
	psql_ -d postgres -c "CREATE DATABASE payportal"
fi

if [ ! -f "$conf" ]; then
	umask 077
	cat > "$conf" <<CONF
# Written once by "make run" for the demo. See README.md for every setting.
listen = 127.0.0.1:$kore_port
workers = 2
database = host=$var/pg port=$pg_port dbname=payportal user=postgres
public_url = https://localhost:$https_port
runas = nobody
signing_key = demo1 active $(openssl rand -hex 32)
CONF
	umask 022
fi

# The gateway stand-in (tests/gateway): test cards only, no real money.
# Added to configs written before payments existed too.
if ! grep -q '^gateway_url' "$conf"; then
	cat >> "$conf" <<CONF
gateway_url = http://127.0.0.1:$gw_port
gateway_browser_url = https://localhost:$gw_https_port
gateway_secret_key = sk_test_demo
gateway_publishable_key = pk_test_demo
gateway_webhook_secret = whsec_demo
CONF
fi

# Receipt mails go to a local SMTP sink that keeps them in var/mail.
if ! grep -q '^smtp_url' "$conf"; then
	cat >> "$conf" <<CONF
smtp_url = smtp://127.0.0.1:$smtp_port
smtp_from = billing@harborstreet.example
CONF
fi

# Pay links sent by text message go to the stand-in's Twilio-shaped API.
if ! grep -q '^sms_url' "$conf"; then
	cat >> "$conf" <<CONF
sms_url = http://127.0.0.1:$gw_port
sms_account = AC_demo
sms_token = sms_token_demo
sms_from = +15005550006
CONF
fi

"$bin" migrate -c "$conf"
if [ "$(psql_ -d payportal -tAc 'SELECT count(*) FROM customers')" = 0 ]; then
	psql_ -d payportal -f "$top/conf/demo-data.sql"
	echo "demo data loaded"
fi
if [ "$(psql_ -d payportal -tAc 'SELECT count(*) FROM fee_rules')" = 0 ]; then
	psql_ -d payportal -f "$top/conf/demo-fees.sql"
fi

PROXY_GATEWAY_FRONT="127.0.0.1:$gw_https_port" \
PROXY_GATEWAY_BACK="127.0.0.1:$gw_port" \
    "$top/tools/proxy.sh" "$var/tls" "127.0.0.1:$https_port" \
    "127.0.0.1:$kore_port" &
proxy_pid=$!
until [ -s "$var/tls/cert.pem" ]; do sleep 0.1; done
"$top/build/standin" -l "127.0.0.1:$gw_port" -s sk_test_demo \
    -p pk_test_demo -w whsec_demo -a AC_demo:sms_token_demo \
    -u "https://localhost:$https_port/gateway/webhook" \
    -k "$var/tls/cert.pem" > "$var/standin.log" 2>&1 &
standin_pid=$!
mkdir -p "$var/mail"
"$top/build/smtpsink" -l "127.0.0.1:$smtp_port" -d "$var/mail" \
    > "$var/smtpsink.log" 2>&1 &
smtp_pid=$!

# The back office's demo accounts: made once, passwords kept in var/.
if [ ! -f "$var/staff-passwords" ]; then
	admin_pw=$(openssl rand -base64 12)
	staff_pw=$(openssl rand -base64 12)
	echo "$admin_pw" | "$bin" staff-add -c "$conf" --role admin \
	    --email admin@harborstreet.example --name "Ada Admin" > /dev/null
	echo "$staff_pw" | "$bin" staff-add -c "$conf" \
	    --email staff@harborstreet.example --name "Sam Staff" > /dev/null
	umask 077
	printf 'admin_pw=%s\nstaff_pw=%s\n' "$admin_pw" "$staff_pw" \
	    > "$var/staff-passwords"
	umask 022
fi
. "$var/staff-passwords"

usd=$("$bin" mint-link -c "$conf" --customer C-1001 --by demo)
jpy=$("$bin" mint-link -c "$conf" --customer C-2001 --by demo)
one=$("$bin" mint-link -c "$conf" --customer C-1001 --invoice INV-1003 \
    --no-partial --by demo)

cat <<MSG

  payportal demo (self-signed certificate: your browser will ask once)

  Pay link, Northwind Café (USD, all open invoices):
    $usd

  Pay link, Sakura Trading KK (JPY):
    $jpy

  Pay link for one invoice, full amount only (INV-1003):
    $one

  Back office: https://localhost:$https_port/staff/
    admin  admin@harborstreet.example  $admin_pw
    staff  staff@harborstreet.example  $staff_pw

  Payments go to a local gateway stand-in: pay with test card
  4242 4242 4242 4242 (any future expiry, any CVC); 4000 0000 0000 9995
  is declined for insufficient funds. Your browser will also ask once to
  accept the certificate of https://localhost:$gw_https_port (the stand-in).

  Receipt mails and pay links sent by email are kept in $var/mail (one
  .eml file each); text messages at http://127.0.0.1:$gw_port/_control/sms

  Ctrl-C stops the portal, the gateway stand-in, the mail sink, the TLS
  proxy and the database.

MSG

"$bin" serve -c "$conf" -f
