#!/bin/sh
# A private PostgreSQL 15 cluster in a project directory, never the
# system's: initialised once, reached only through a Unix socket in DIR.
#
#	tools/pg.sh start DIR PORT	initialise if needed, start, wait
#	tools/pg.sh stop DIR
#
# PG_OPTS adds server options, e.g. "-c shared_preload_libraries=
# pg_stat_statements" to see where a benchmark's time goes.
#
# PostgreSQL refuses to run as root, so as root it runs as "postgres".
set -eu
cmd=$1
dir=$(realpath -m "$2")
bin=/usr/lib/postgresql/15/bin

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
start)
	port=$3
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust \
		    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log"; exit 1; }
	fi
	if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		exit 0
	fi
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-k $dir -p $port -c listen_addresses='' -c fsync=${PG_FSYNC:-on} -c max_connections=200 ${PG_OPTS:-}" \
	    start >/dev/null || { tail -20 "$dir/server.log"; exit 1; }
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop \
		    >/dev/null 2>&1 || true
	fi
	;;
*)
	echo "usage: tools/pg.sh start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
