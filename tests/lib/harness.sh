# What the shell tests of the test servers (tests/gateway, tests/smtp)
# share: a scratch directory, sanitizer settings, the sanitizer build,
# starting servers on a free port of a range, pass/fail counting, and a
# clean stop. POSIX sh. A test sets $top, sources this file, and defines
# context(), which prints what a failed check should show (the last
# answer, say).
#
#	compile OUT ARGS...		builds OUT with the project's warnings,
#					-Werror, ASan and UBSan; if that
#					fails, the test ends as one failure
#	launch NAME PORTS START ARGS...	runs "START PORT ARGS..." on the first
#					port of PORTS it can bind; sets
#					$port, $<NAME>_port, $<NAME>_pid
#	check NAME CMD...		counts CMD's success or failure
#	is A B				A equals B
#	stop NAME			SIGTERM; checks the exit status and
#					that no sanitizer spoke
#	finish				prints the time taken and the count;
#					fails if any check did
#
# START must exec the server (a shell function that ends in exec), so
# that its pid is the server's. The server writes its log to
# $work/NAME.log and says "... on 127.0.0.1:PORT" there once it listens.

work=$(mktemp -d "${TMPDIR:-/tmp}/test.XXXXXX")
pass=0
fail=0
pids=
used_ports=

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1"

harness_cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap harness_cleanup EXIT
trap 'exit 1' INT TERM

now_ms() { date +%s%3N; }
started=$(now_ms)

compile() {
	compile_out=$1
	shift
	mkdir -p "$(dirname "$compile_out")"
	cc -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Werror \
	    -Wmissing-declarations -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare \
	    -fsanitize=address,undefined -o "$compile_out" "$@" && return 0
	echo "cannot build $compile_out" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# It waits for the log line, not for the port to answer, since a port
# taken by someone else answers too.
launch() {
	launch_name=$1 launch_ports=$2 launch_start=$3
	shift 3
	for port in $launch_ports; do
		case " $used_ports " in *" $port "*) continue ;; esac
		"$launch_start" "$port" "$@" 2>"$work/$launch_name.log" &
		launch_pid=$!
		i=0
		while kill -0 "$launch_pid" 2>/dev/null && [ $i -lt 100 ]; do
			if grep -qs "on 127.0.0.1:$port\$" \
			    "$work/$launch_name.log"; then
				pids="$pids $launch_pid"
				used_ports="$used_ports $port"
				eval "${launch_name}_port=$port"
				eval "${launch_name}_pid=$launch_pid"
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill -TERM "$launch_pid" 2>/dev/null
		wait "$launch_pid" 2>/dev/null
	done
	echo "cannot start $launch_name on any of$launch_ports" >&2
	exit 1
}

check() {
	check_name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $check_name $(context)" | cut -c 1-400 >&2
	fi
}

is() { [ "$1" = "$2" ]; }

stop() {
	eval "stop_pid=\$${1}_pid"
	kill -TERM "$stop_pid"
	wait "$stop_pid"
	check "$1 exits 0 on SIGTERM" is "$?" 0
	check "$1: no sanitizer report" sh -c "! grep -E \
	    'AddressSanitizer|LeakSanitizer|runtime error' \
	    '$work/$1.log' >&2"
	pids=$(echo " $pids " | sed "s/ $stop_pid / /")
}

finish() {
	elapsed=$(($(now_ms) - started))
	echo "took $((elapsed / 1000)).$((elapsed % 1000 / 100)) s"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
