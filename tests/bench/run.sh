#!/bin/sh
# make bench: the pay page over HTTPS through HAProxy against the
# framework's ceiling (a minimal Kore handler, /healthz, served the same
# way) and the database's ceiling (pgbench running exactly the page view's
# statement), in one run on one private cluster. Prints requests/s, p99
# latency and the two ratios.
set -eu
top=$(pwd)
dir=$top/build/bench
pg_port=${BENCH_PG_PORT:-5497}
kore_port=${BENCH_KORE_PORT:-9181}
https_port=${BENCH_HTTPS_PORT:-9543}
gw_port=${BENCH_GATEWAY_PORT:-12211}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
bin=$top/build/payportal

stop() {
	[ -f "$dir/server.pid" ] && kill "$(cat "$dir/server.pid")" 2>/dev/null || true
	[ -f "$dir/standin.pid" ] && kill "$(cat "$dir/standin.pid")" 2>/dev/null || true
	[ -f "$dir/proxy.pid" ] && kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true
	sleep 0.5
	"$top/tools/pg.sh" stop "$dir/pg"
}
[ -n "${BENCH_KEEP:-}" ] || trap stop EXIT

[ -d "$dir/pg" ] && "$top/tools/pg.sh" stop "$dir/pg"
rm -rf "$dir"
mkdir -p "$dir"
"$top/tools/pg.sh" start "$dir/pg" "$pg_port"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$pg_port" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE payportal"
cat > "$dir/payportal.conf" <<CONF
listen = 127.0.0.1:$kore_port
workers = 2
database = host=$dir/pg port=$pg_port dbname=payportal user=postgres
database_connections = 8
public_url = https://localhost:$https_port
runas = nobody
signing_key = bench active $(openssl rand -hex 32)
gateway_url = http://127.0.0.1:$gw_port
gateway_secret_key = sk_test_bench
gateway_publishable_key = pk_test_bench
gateway_webhook_secret = whsec_bench
CONF
"$bin" migrate -c "$dir/payportal.conf" >/dev/null
psql_ -d payportal -f "$top/conf/demo-data.sql" \
    -f "$top/conf/demo-fees.sql" >/dev/null
# A customer with 10 open invoices of 3 lines each.
psql_ -d payportal <<'SQL' >/dev/null
INSERT INTO customers (external_ref, name, currency)
	VALUES ('C-BENCH', 'Benchmark Bakery', 'USD');
INSERT INTO invoices (number, customer_id, status, currency, issue_date,
	due_date, subtotal, tax, total, paid)
SELECT 'BENCH-' || g, c.id, 'posted', 'USD', current_date - g * 7,
	current_date - g * 7 + 30, 30000, 2475, 32475, CASE WHEN g % 3 = 0 THEN 1000 ELSE 0 END
FROM customers c, generate_series(1, 10) g WHERE c.external_ref = 'C-BENCH';
INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli,
	unit_price, tax_rate_bp, amount, tax)
SELECT i.id, p, 'Line ' || p, 1000, 10000, 825, 10000, 825
FROM invoices i, generate_series(1, 3) p WHERE i.number LIKE 'BENCH-%';
-- Eight customers who pay at once, and 200 who pay while the gateway is
-- slow, each with a large invoice of their own.
INSERT INTO customers (external_ref, name, currency)
SELECT 'C-' || v.k || g, v.name || ' ' || g, 'USD'
FROM (VALUES ('PAYB', 'Benchmark Payments', 8),
	('FLY', 'Benchmark In Flight', 200)) v(k, name, n),
	generate_series(1, v.n) g;
INSERT INTO invoices (number, customer_id, status, currency, issue_date,
	due_date, subtotal, tax, total)
SELECT substr(external_ref, 3) || '-1', id, 'posted', 'USD',
	current_date, current_date + 30, 100000000000000, 0, 100000000000000
FROM customers WHERE external_ref ~ '^C-(PAYB|FLY)[0-9]+$';
SQL
# Links of customers C-<prefix>1 to C-<prefix>N into $paths, and 0.01 of
# each one's invoice into $sels, for the payment loads.
mint_links() {	# prefix N
	paths=
	sels=
	i=1
	while [ $i -le $2 ]; do
		paylink=$("$bin" mint-link -c "$dir/payportal.conf" --customer C-$1$i --by bench)
		paths="$paths ${paylink#https://localhost:$https_port}"
		sels="$sels pay=$1$i-1&amount-$1$i-1=0.01"
		i=$((i + 1))
	done
}
mint_links PAYB 8
paypaths=$paths
paysels=$sels
mint_links FLY 200
flypaths=$paths
flysels=$sels
# What autovacuum and the checkpointer would long have done on a live
# system, so that the plans fit the tables and neither runs during a
# measurement.
quiesce() {
	psql_ -d payportal -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}
quiesce

"$top/tools/proxy.sh" "$dir/tls" "127.0.0.1:$https_port" \
    "127.0.0.1:$kore_port" > "$dir/proxy.log" 2>&1 &
echo $! > "$dir/proxy.pid"
chmod 777 "$dir"
"$bin" serve -c "$dir/payportal.conf" -f > "$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
until [ -s "$dir/tls/cert.pem" ]; do sleep 0.1; done
"$top/build/standin-fast" -l "127.0.0.1:$gw_port" -s sk_test_bench \
    -p pk_test_bench -w whsec_bench \
    -u "https://localhost:$https_port/gateway/webhook" \
    -k "$dir/tls/cert.pem" > "$dir/standin.log" 2>&1 &
echo $! > "$dir/standin.pid"
url=$("$bin" mint-link -c "$dir/payportal.conf" --customer C-BENCH --by bench)
link=$(psql_ -d payportal -tAc "SELECT l.id FROM pay_links l JOIN customers c
    ON c.id = l.customer_id WHERE c.external_ref = 'C-BENCH'")
base=https://localhost:$https_port
i=0
until curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/tls/cert.pem" \
    "$base/healthz" | grep -q 200; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: portal did not start" >&2; exit 1; }
	sleep 0.1
done
curl -s --cacert "$dir/tls/cert.pem" "$url" | grep -q "10 open invoices" ||
    { echo "bench: the page does not show 10 open invoices" >&2; exit 1; }

wrk_run() {	# name path
	wrk -t2 -c"$conns" -d2s -H "User-Agent: payportal-bench" "$base$2" >/dev/null 2>&1
	wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "User-Agent: payportal-bench" "$base$2" > "$dir/$1.wrk"
	grep -q "Non-2xx" "$dir/$1.wrk" && { echo "bench: $1 had errors" >&2; cat "$dir/$1.wrk" >&2; exit 1; }
	true
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$dir/$1.wrk"; }
p99() { awk '$1 == "99%" { print $2 }' "$dir/$1.wrk"; }

# Busy and idle time of the machine from /proc/stat.
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
# The host's own noise: the time other guests took from this machine's
# cores (steal) and all time, in ticks.
steal() { awk '$1 == "cpu" { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# stolen COMMAND...: runs it, then prints the host's steal meanwhile, in %.
stolen() {
	s0=$(steal)
	"$@"
	echo "$s0 $(steal)" | awk '{ printf "%.0f", ($4 > $2) ? 100 * ($3 - $1) / ($4 - $2) : 0 }'
}
# And of the processes a payment runs through, by name, in clock ticks:
# the database, the portal, the TLS proxy, the gateway stand-in and the
# load generator, all on the same cores.
ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{
		i = index($0, "("); j = length($0)
		while (j > i && substr($0, j, 1) != ")") j--
		comm = substr($0, i + 1, j - i - 1)
		split(substr($0, j + 2), f, " ")
		if (comm == "postgres") k = 1; else if (comm == "payportal") k = 2
		else if (comm == "haproxy") k = 3; else if (comm == "standin-fast") k = 4
		else if (comm == "payload") k = 5; else next
		t[k] += f[12] + f[13] }
	END { print t[1] + 0, t[2] + 0, t[3] + 0, t[4] + 0, t[5] + 0 }'
}
hz=$(getconf CLK_TCK)
# Both, at the start and the end of a window: sample LEAD SECONDS prints
# busy idle and the five processes' ticks, twice.
sample() {
	sleep "$1"
	start="$(busy) $(ticks)"
	sleep "$2"
	echo "$start $(busy) $(ticks)"
}

# BENCH_ONLY=backoffice runs the back-office part alone (and payments
# the rest alone).
if [ "${BENCH_ONLY:-}" != backoffice ]; then
wrk_run page "${url#https://localhost:$https_port}"
wrk_run hello /healthz

"$top/build/pgbench-script" > "$dir/page.sql"
pgbench -n -M prepared -c 16 -j 2 -T 2 -h "$dir/pg" -p "$pg_port" -U postgres \
    -D link="$link" -D addr=127.0.0.1 -D ua=payportal-bench -D record=true \
    -f "$dir/page.sql" payportal >/dev/null 2>&1
pgbench -n -M prepared -c 16 -j 2 -T "$seconds" -h "$dir/pg" -p "$pg_port" \
    -U postgres -D link="$link" -D addr=127.0.0.1 -D ua=payportal-bench -D record=true \
    -f "$dir/page.sql" payportal > "$dir/pgbench.txt" 2>&1
tps=$(awk '/^tps = / { print $3; exit }' "$dir/pgbench.txt")

page=$(rps page)
hello=$(rps hello)
echo
echo "payportal benchmark: /pay/<token>, customer with 10 open invoices"
echo "(${seconds}s each, wrk -t2 -c$conns over HTTPS through HAProxy; $(nproc) cores)"
printf '  %-42s %10s req/s   p99 %s\n' "/pay/<token> (page view)" "$page" "$(p99 page)"
printf '  %-42s %10s req/s   p99 %s\n' "/healthz (minimal Kore handler, ceiling)" "$hello" "$(p99 hello)"
printf '  %-42s %10s tps\n' "pgbench, the page view's statement" "$tps"
awk -v p="$page" -v h="$hello" -v t="$tps" 'BEGIN {
	printf "  page / minimal handler: %.2f\n", p / h
	printf "  page / pgbench:         %.2f   (target >= 0.50: %s)\n", p / t,
	    (p / t >= 0.5) ? "met" : "NOT met"
}'

# Payments end to end: review, a payment method from the gateway stand-in
# (answering at once), confirm (reserve, charge, receipt) and the payment
# page, by 8 customers at once, each paying 0.01 of an invoice of their
# own; then pgbench's TPC-B on the same cluster. A first 2 s run warms up,
# as wrk does, and leaves a history of payments, as a live portal has.
payload() {	# paths selections threads seconds [ready]
	"$top/build/payload" "$base" "$dir/tls/cert.pem" \
	    "http://127.0.0.1:$gw_port" "$@"
}
payload "$paypaths" "$paysels" 8 2 >/dev/null
quiesce
# Meanwhile, each process's CPU per payment, over the middle of the run.
payload "$paypaths" "$paysels" 8 "$seconds" > "$dir/payments.txt" &
loadpid=$!
paywin=$(sample $((seconds / 4)) $((seconds / 2)))
wait $loadpid
set -- $(cat "$dir/payments.txt")
payments=$1
payfail=$2
# The database's part of those payments: the statements the portal runs
# for each, alone through pgbench, 8 clients each paying on its own
# customer's link, as above. No HTTP, TLS or gateway: a ceiling for the
# figure above.
{ printf '%s\n' '\set n :client_id % 8 + 1' \
    "SELECT l.id AS link, 'PAYB' || :n || '-1' AS invoice FROM pay_links l" \
    "    JOIN customers c ON c.id = l.customer_id" \
    "    WHERE c.external_ref = 'C-PAYB' || :n LIMIT 1 \\gset"
  "$top/build/pgbench-script" payment; } > "$dir/payment.sql"
receipts() { psql_ -d payportal -tAc "SELECT count(*) FROM receipts"; }
receipted=$(receipts)
pgbench -n -M prepared -c 8 -j 2 -T "$seconds" -h "$dir/pg" -p "$pg_port" \
    -U postgres -D addr=127.0.0.1 -f "$dir/payment.sql" payportal \
    > "$dir/paysql.txt" 2>&1
paysql=$(awk '/^tps = / { print $3; exit }' "$dir/paysql.txt")
n=$(awk '/^number of transactions actually processed:/ { print $6 }' \
    "$dir/paysql.txt")
[ "$(($(receipts) - receipted))" = "$n" ] || {
	echo "bench: pgbench made $n payments but not as many receipts" >&2
	cat "$dir/paysql.txt" >&2; exit 1; }
# The database's floor for a payment: only the writes DESIGN.md requires,
# in two statements (tests/bench/floor.sql), by one client, so that its
# CPU per payment is the least the database can spend, not what it loses
# to contention.
set -- $(psql_ -d payportal -tA -F' ' -c "SELECT l.id, l.customer_id, v.id
    FROM pay_links l JOIN customers c ON c.id = l.customer_id
    JOIN invoices v ON v.customer_id = c.id WHERE c.external_ref = 'C-PAYB1'
    LIMIT 1")
receipted=$(receipts)
pgbench -n -M prepared -c 1 -T $((seconds / 2 + 2)) -h "$dir/pg" -p "$pg_port" \
    -U postgres -D link="$1" -D cust="$2" -D inv="$3" \
    -f "$top/tests/bench/floor.sql" payportal > "$dir/floor.txt" 2>&1 &
loadpid=$!
# The ticks of a connection's backend go with it: counted while it runs.
floorwin=$(sample 1 $((seconds / 2)))
wait $loadpid
floorn=$(awk '/^number of transactions actually processed:/ { print $6 }' \
    "$dir/floor.txt")
floortps=$(awk '/^tps = / { print $3; exit }' "$dir/floor.txt")
[ "$(($(receipts) - receipted))" = "$floorn" ] && [ "$floorn" -gt 0 ] || {
	echo "bench: the floor made $floorn payments but not as many receipts" >&2
	cat "$dir/floor.txt" >&2; exit 1; }
psql_ -d postgres -c "CREATE DATABASE tpcb" >/dev/null
pgbench -i -q -s 4 -h "$dir/pg" -p "$pg_port" -U postgres tpcb >/dev/null 2>&1
pgbench -n -c 8 -j 2 -T "$seconds" -h "$dir/pg" -p "$pg_port" \
    -U postgres tpcb > "$dir/tpcb.txt" 2>&1
tpcb=$(awk '/^tps = / { print $3; exit }' "$dir/tpcb.txt")

# The event loop under a slow gateway: every charge answered after 2 s,
# 200 customers' payments in flight (their checkouts prepared first, so
# that what runs meanwhile is the payments, not customers browsing), and
# the page's rate measured meanwhile.
quiesce
# The page unloaded again, just before: the machine's speed drifts over a
# run (other guests share its host), so the rate the loaded one is
# compared with is taken seconds before it, not minutes.
stealpre=$(stolen wrk_run unloaded "${url#https://localhost:$https_port}")
curl -s -o /dev/null -d "delay_ms=2000" "http://127.0.0.1:$gw_port/_control"
rm -f "$dir/inflight.ready"
payload "$flypaths" "$flysels" 200 $((seconds + 9)) "$dir/inflight.ready" \
    > "$dir/inflight.txt" &
loadpid=$!
until [ -e "$dir/inflight.ready" ]; do sleep 0.2; done
sleep 3
r0=$(receipts)
flywin=3
inflight=$(sample 0 $flywin)
flyrate=$(( ($(receipts) - r0) / flywin ))
wrk_loaded() {
	wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "User-Agent: payportal-bench" \
	    "$base${url#https://localhost:$https_port}" > "$dir/loaded.wrk"
}
stealload=$(stolen wrk_loaded)
wait $loadpid
curl -s -o /dev/null -d "delay_ms=0" "http://127.0.0.1:$gw_port/_control"
# And unloaded just after, for the same reason, once what the payments
# left to vacuum and write out is done, as it was before.
quiesce
stealpost=$(stolen wrk_run after "${url#https://localhost:$https_port}")
loaded=$(rps loaded)
unloaded=$(rps unloaded)
unloaded_after=$(rps after)
slowpaid=$(cut -d' ' -f1 "$dir/inflight.txt")

printf '\n'
echo "payments: the whole flow, 8 customers at once, gateway answering at once"
awk -v n="$payments" -v f="$payfail" -v s="$seconds" -v t="$tpcb" 'BEGIN {
	printf "  payments completed: %d (%d failed) in %ds = %.1f/s\n", n, f, s, n / s
	printf "  pgbench TPC-B (scale 4, 8 clients), same cluster: %.0f tps\n", t
	printf "  payments / TPC-B: %.2f   (target >= 0.25: %s)\n", n / s / t,
	    (n / s / t >= 0.25) ? "met" : "NOT met"
}'
awk -v q="$paysql" -v t="$tpcb" 'BEGIN {
	printf "  the payments\047 statements alone (pgbench, 8 clients): %.0f/s = %.2f of TPC-B\n",
	    q, q / t }'
# CPU per payment: each process's ticks over the window, at the run's rate.
echo "$paywin $floorwin" | awk -v hz="$hz" \
    -v r="$payments" -v s="$seconds" -v w=$((seconds / 2)) -v ft="$floortps" \
    -v t="$tpcb" -v cores="$(nproc)" '{
	k = 1000 / hz / (r / s * w)
	pg = ($10 - $3) * k; po = ($11 - $4) * k; hp = ($12 - $5) * k
	gw = ($13 - $6) * k; ld = ($14 - $7) * k
	fl = ($24 - $17) * 1000 / hz / (ft * w)
	printf "  CPU per payment, ms: PostgreSQL %.2f, portal %.2f, HAProxy %.2f, gateway stand-in %.2f, load generator %.2f\n",
	    pg, po, hp, gw, ld
	printf "  the database\047s floor (tests/bench/floor.sql, 1 client): PostgreSQL %.2f ms per payment\n", fl
	c = cores * 1000 / (fl + po + hp + gw + ld)
	printf "  ceiling with that floor and the rest as above: %d cores / %.2f ms = %.0f/s = %.2f of TPC-B\n",
	    cores, fl + po + hp + gw + ld, c, c / t }'
echo "the page while 200 customers' payments wait 2 s each for the gateway"
awk -v l="$loaded" -v p="$unloaded" -v a="$unloaded_after" -v d="$slowpaid" \
    -v sl="$stealload" -v sp="$stealpre" -v sa="$stealpost" 'BEGIN {
	m = (p + a) / 2
	printf "  /pay/<token>: %.0f req/s loaded; unloaded %.0f just before, %.0f just after\n",
	    l, p, a
	printf "  the host\047s steal (other guests\047 share of these cores): %d%% loaded; %d%% before, %d%% after\n",
	    sl, sp, sa
	printf "  loaded / unloaded (their mean): %.2f   (target >= 0.80: %s)\n",
	    l / m, (l / m >= 0.8) ? "met" : "NOT met"
	printf "  payments completed meanwhile: %d\n", d
}'
echo "$inflight" | awk -v n="$flyrate" -v w="$flywin" -v hz="$hz" '{
	b = $8 - $1; i = $9 - $2
	printf "  CPU the payments in flight take alone: %.0f%% of the machine\n",
	    100 * b / (b + i)
	if (n > 0)
		printf "    at %d payments/s: %.1f ms of CPU each (PostgreSQL %.1f)\n",
		    n, b * 1000 / hz / w / n, ($10 - $3) * 1000 / hz / w / n
	printf "    PostgreSQL %.0f%%, portal %.0f%%, HAProxy %.0f%%, gateway stand-in %.0f%%, load generator %.0f%%\n",
	    100 * ($10 - $3) / (b + i), 100 * ($11 - $4) / (b + i),
	    100 * ($12 - $5) / (b + i), 100 * ($13 - $6) / (b + i),
	    100 * ($14 - $7) / (b + i) }'

fi
# BENCH_ONLY=payments runs the page and the payments alone.
[ "${BENCH_ONLY:-}" != payments ] || exit 0
# The back office: customer search and the admins' activity view, p99
# latency with 1,000 customers and 10,000 link events, then the same with
# 100,000 and 1,000,000 in the same run. Indexes, not scans, keep the
# ratio under 2.
echo 'a benchmark password' | "$bin" staff-add -c "$dir/payportal.conf" \
    --email bench@bench.example --name Bench --role admin > /dev/null
jar=$dir/cookies
curl -s -c "$jar" -b "$jar" --cacert "$dir/tls/cert.pem" "$base/staff/signin" \
    > "$dir/signin.html"
tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$dir/signin.html" | head -1)
curl -s -c "$jar" -b "$jar" --cacert "$dir/tls/cert.pem" -o /dev/null \
    --data-urlencode "csrf=$tok" --data-urlencode "email=bench@bench.example" \
    --data-urlencode "password=a benchmark password" "$base/staff/signin"
session=$(awk '$6 == "pp_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "bench: cannot sign in to the back office" >&2; exit 1; }

grow() {	# customers events
	psql_ -d payportal -v customers="$1" -v events="$2" <<'SQL' >/dev/null
INSERT INTO customers (external_ref, name, email, phone, currency)
SELECT 'B-' || g,
	(ARRAY['Harbor','Maple','Cedar','Summit','Lakeside','Granite','Willow',
	    'Orchard','Pioneer','Beacon'])[1 + g % 10] || ' ' ||
	(ARRAY['Bakery','Hardware','Dental','Cafe','Garage','Florist','Books',
	    'Farm','Studio','Supply'])[1 + (g / 10) % 10] || ' ' || g,
	'ap' || g || '@example.com', '+1 207 555 ' || lpad((g % 10000)::text, 4, '0'),
	'USD'
FROM generate_series((SELECT count(*) FROM customers) + 1, :customers) g;
INSERT INTO pay_links (id, customer_id, scope, key_id, expires_at, created_by)
SELECT gen_random_uuid(), c.id, 'customer', 'bench', now() + interval '30 days',
	'bench-grow'
FROM customers c WHERE NOT EXISTS (SELECT 1 FROM pay_links l
	WHERE l.customer_id = c.id AND l.created_by = 'bench-grow');
WITH l AS (SELECT array_agg(id) AS ids FROM pay_links
	WHERE created_by = 'bench-grow')
INSERT INTO link_events (link_id, kind, at, actor, client_addr, user_agent)
SELECT l.ids[1 + g % cardinality(l.ids)],
	(ARRAY['created','copied','sent','viewed','viewed','payment_made',
	    'payment_failed'])[1 + g % 7],
	now() - make_interval(secs => g * 7), CASE WHEN g % 7 < 3 THEN 'Bench' END,
	'192.0.2.1', 'bench-agent'
FROM l, generate_series((SELECT count(*) FROM link_events) + 1, :events) g;
SQL
	quiesce
}
staff_run() {	# name path
	wrk -t2 -c4 -d2s -H "Cookie: pp_session=$session" "$base$2" >/dev/null 2>&1
	wrk -t2 -c4 -d"${seconds}s" --latency -H "Cookie: pp_session=$session" \
	    "$base$2" > "$dir/$1.wrk"
	grep -q "Non-2xx" "$dir/$1.wrk" && { echo "bench: $1 had errors" >&2; cat "$dir/$1.wrk" >&2; exit 1; }
	true
}
ms() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
	else if (v ~ /ms$/) { sub(/ms/, "", v) } else { sub(/s/, "", v); v *= 1000 }
	print v }' "$dir/$1.wrk"; }
# Two searches: "maple" fills the first page at both sizes (100 matches,
# then 10,000), so only the data grows; "maple bakery" matches 10
# customers, then 1,000, so the page grows too.
grow 1000 10000
staff_run search-small '/staff/customers?q=maple'
staff_run search2-small '/staff/customers?q=maple+bakery'
staff_run activity-small /staff/activity
grow 100000 1000000
staff_run search-big '/staff/customers?q=maple'
staff_run search2-big '/staff/customers?q=maple+bakery'
staff_run activity-big /staff/activity
counts=$(psql_ -d payportal -tAc "SELECT (SELECT count(*) FROM customers) || ' customers, ' || (SELECT count(*) FROM link_events) || ' events'")

printf '\n'
echo "back office: p99 latency, small data set against large (wrk -c4, ${seconds}s each)"
for what in search search2 activity; do
	awk -v w="$what" -v s="$(ms $what-small)" -v b="$(ms $what-big)" \
	    -v rs="$(rps $what-small)" -v rb="$(rps $what-big)" 'BEGIN {
	name = w == "search" ? "search \"maple\"" : w == "search2" ? \
	    "search \"maple bakery\"" : "activity view"
	printf "  %-23s 1k customers/10k events: %7.2f ms   %s: %7.2f ms   ratio %.2f (target < 2: %s)\n",
	    name, s, "100k/1M", b, b / s, (b / s < 2) ? "met" : "NOT met"
	printf "  %-23s requests/s, wrk -c4:     %7.0f      %s: %7.0f\n", "",
	    rs, "100k/1M", rb }'
done
echo "  (large data set: $counts)"
