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
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
bin=$top/build/payportal

stop() {
	[ -f "$dir/server.pid" ] && kill "$(cat "$dir/server.pid")" 2>/dev/null || true
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
CONF
"$bin" migrate -c "$dir/payportal.conf" >/dev/null
psql_ -d payportal -f "$top/conf/demo-data.sql" >/dev/null
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
ANALYZE;
SQL

"$top/tools/proxy.sh" "$dir/tls" "127.0.0.1:$https_port" \
    "127.0.0.1:$kore_port" > "$dir/proxy.log" 2>&1 &
echo $! > "$dir/proxy.pid"
chmod 777 "$dir"
"$bin" serve -c "$dir/payportal.conf" -f > "$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
url=$("$bin" mint-link -c "$dir/payportal.conf" --customer C-BENCH --by bench)
link=$(psql_ -d payportal -tAc "SELECT id FROM pay_links WHERE created_by = 'bench'")
base=https://localhost:$https_port
i=0
until curl -s -o /dev/null --cacert "$dir/tls/cert.pem" "$base/healthz"; do
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
