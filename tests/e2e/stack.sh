#!/bin/sh
# The real stack for the end-to-end and browser tests: a throwaway
# PostgreSQL cluster, the portal built with ASan and UBSan, and HAProxy
# terminating TLS in front of it. Everything lives in build/e2e and is
# made fresh by "start".
#
#	tests/e2e/stack.sh start	prints nothing; writes build/e2e/env
#	tests/e2e/stack.sh stop		stops it and fails if a sanitizer spoke
set -eu
top=$(pwd)
dir=$top/build/e2e
pg_port=${E2E_PG_PORT:-5498}
kore_port=${E2E_KORE_PORT:-9081}
https_port=${E2E_HTTPS_PORT:-9443}
gw_port=${E2E_GATEWAY_PORT:-12111}
gw_https_port=${E2E_GATEWAY_HTTPS_PORT:-9444}
smtp_port=${E2E_SMTP_PORT:-12526}
bin=$top/build/payportal-test

# Fixed keys so the tests can sign tokens themselves: k2 signs new links,
# k1 still verifies (rotated out), k0 is retired.
key0=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
key1=1111111111111111111111111111111111111111111111111111111111111111
key2=2222222222222222222222222222222222222222222222222222222222222222
admin_password='correct horse admin'
staff_password='correct horse staff'

# LeakSanitizer cannot stop a worker's background-task threads under
# seccomp and hangs the worker's exit, so the server runs with leak
# detection off; every other check of ASan and UBSan stays on, and the
# plain-C modules are leak-checked by the unit, end-to-end and fuzz tests.
sanitizer_env() {
	export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$dir/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$dir/ubsan"
}

start() {
	"$top/tools/pg.sh" stop "$dir/pg" 2>/dev/null || true
	[ -f "$dir/proxy.pid" ] && kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true
	[ -f "$dir/server.pid" ] && kill "$(cat "$dir/server.pid")" 2>/dev/null || true
	[ -f "$dir/standin.pid" ] && kill "$(cat "$dir/standin.pid")" 2>/dev/null || true
	[ -f "$dir/smtpsink.pid" ] && kill "$(cat "$dir/smtpsink.pid")" 2>/dev/null || true
	rm -rf "$dir"
	mkdir -p "$dir"
	PG_FSYNC=off "$top/tools/pg.sh" start "$dir/pg" "$pg_port"
	psql -X -q -h "$dir/pg" -p "$pg_port" -U postgres -d postgres \
	    -c "CREATE DATABASE payportal"
	dsn="host=$dir/pg port=$pg_port dbname=payportal user=postgres"

	cat > "$dir/payportal.conf" <<CONF
listen = 127.0.0.1:$kore_port
workers = 2
database = $dsn
database_connections = 16
public_url = https://localhost:$https_port
runas = nobody
signing_key = k0 retired $key0
signing_key = k1 verify $key1
signing_key = k2 active $key2
gateway_url = http://127.0.0.1:$gw_port
gateway_browser_url = https://localhost:$gw_https_port
gateway_secret_key = sk_test_e2e
gateway_publishable_key = pk_test_e2e
# Two webhook secrets: the gateway's signing secret is being rotated.
gateway_webhook_secret = whsec_e2e whsec_e2e_next
# Short, so the tests see timeouts and the reconciler within seconds.
gateway_timeout = 2
reconcile_after = 5
smtp_url = smtp://127.0.0.1:$smtp_port
smtp_from = billing@harborstreet.example
# Text messages go to the stand-in's Twilio-shaped API.
sms_url = http://127.0.0.1:$gw_port
sms_account = AC_e2e
sms_token = sms_token_e2e
sms_from = +15005550006
# Cheap hashing: the tests sign in often; production keeps the defaults.
password_t_cost = 1
password_m_kib = 8192
CONF
	sanitizer_env
	"$bin" migrate -c "$dir/payportal.conf" > "$dir/migrate.log"
	psql -X -q -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$pg_port" -U postgres \
	    -d payportal -f "$top/conf/demo-data.sql" \
	    -f "$top/conf/demo-fees.sql"
	# The back office's first accounts, made as an operator would.
	echo "$admin_password" | "$bin" staff-add -c "$dir/payportal.conf" \
	    --email admin@harborstreet.example --name "Ada Admin" \
	    --role admin > /dev/null
	echo "$staff_password" | "$bin" staff-add -c "$dir/payportal.conf" \
	    --email staff@harborstreet.example --name "Sam Staff" > /dev/null

	PROXY_GATEWAY_FRONT="127.0.0.1:$gw_https_port" \
	PROXY_GATEWAY_BACK="127.0.0.1:$gw_port" \
	    "$top/tools/proxy.sh" "$dir/tls" "127.0.0.1:$https_port" \
	    "127.0.0.1:$kore_port" > "$dir/proxy.log" 2>&1 &
	echo $! > "$dir/proxy.pid"
	until [ -s "$dir/tls/cert.pem" ]; do sleep 0.1; done
	# Webhooks reach the portal like everything else: HTTPS via HAProxy.
	"$top/build/standin" -l "127.0.0.1:$gw_port" -s sk_test_e2e \
	    -p pk_test_e2e -w whsec_e2e -a AC_e2e:sms_token_e2e \
	    -u "https://localhost:$https_port/gateway/webhook" \
	    -k "$dir/tls/cert.pem" > "$dir/standin.log" 2>&1 &
	echo $! > "$dir/standin.pid"
	mkdir -p "$dir/mail"
	"$top/build/smtpsink" -l "127.0.0.1:$smtp_port" -d "$dir/mail" \
	    > "$dir/smtpsink.log" 2>&1 &
	echo $! > "$dir/smtpsink.pid"
	# The workers run as nobody and must be able to write their logs.
	chmod 777 "$dir"
	"$bin" serve -c "$dir/payportal.conf" -f > "$dir/server.log" 2>&1 &
	echo $! > "$dir/server.pid"

	cat > "$dir/env" <<ENV
E2E_BASE='https://localhost:$https_port'
E2E_CA='$dir/tls/cert.pem'
E2E_DSN='$dsn'
E2E_CONF='$dir/payportal.conf'
E2E_BIN='$bin'
E2E_SERVER_LOG='$dir/server.log'
E2E_GATEWAY='http://127.0.0.1:$gw_port'
E2E_MAILDIR='$dir/mail'
E2E_KEY0='$key0'
E2E_KEY1='$key1'
E2E_KEY2='$key2'
E2E_ADMIN_PASSWORD='$admin_password'
E2E_STAFF_PASSWORD='$staff_password'
ENV
	i=0
	until curl -s -o /dev/null --cacert "$dir/tls/cert.pem" \
	    "https://localhost:$https_port/healthz" -w '%{http_code}' |
	    grep -q 200; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "stack: the portal did not come up" >&2
			cat "$dir/server.log" "$dir/proxy.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

stop() {
	status=0
	if [ -f "$dir/server.pid" ]; then
		pid=$(cat "$dir/server.pid")
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "stack: the portal did not stop on SIGTERM" >&2
			pkill -KILL -P "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
			status=1
		fi
		rm -f "$dir/server.pid"
	fi
	[ -f "$dir/proxy.pid" ] && kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true
	rm -f "$dir/proxy.pid"
	for p in standin smtpsink; do
		if [ -f "$dir/$p.pid" ]; then
			kill -TERM "$(cat "$dir/$p.pid")" 2>/dev/null || true
			rm -f "$dir/$p.pid"
		fi
	done
	"$top/tools/pg.sh" stop "$dir/pg"
	for f in "$dir"/asan* "$dir"/ubsan*; do
		[ -s "$f" ] || continue
		echo "stack: sanitizer report in $f:" >&2
		cat "$f" >&2
		status=1
	done
	if grep -E "runtime error|AddressSanitizer|LeakSanitizer" \
	    "$dir/server.log" >&2; then
		status=1
	fi
	return $status
}

case ${1:-} in
start)	start ;;
stop)	stop ;;
*)	echo "usage: tests/e2e/stack.sh start|stop" >&2; exit 2 ;;
esac
