#!/bin/bash
# Drives the SMTP sink with curl (libcurl is what the portal sends mail
# with) and with raw SMTP sessions over bash's /dev/tcp, then stops every
# sink with SIGTERM and fails if one did not exit 0 or a sanitizer spoke.
# Ports come from 12120-12129. Prints "N passed, M failed" last; exits
# non-zero on any failure.
#
#	tests/smtp/test_smtpsink.sh		builds build/smtpsink first
#	SMTPSINK=path tests/smtp/test_smtpsink.sh	uses that binary
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/harness.sh"
bin=${SMTPSINK:-}
PORTS="12120 12121 12122 12123 12124 12125 12126 12127 12128 12129"
code=
reply=

build() {
	[ -n "$bin" ] && return 0
	bin=$top/build/smtpsink
	compile "$bin" "$top/tests/smtp/smtpsink.c" -lpthread
}

# For launch (tests/lib/harness.sh): sink PORT DIR [args].
sink() {
	sink_port=$1 sink_dir=$2
	shift 2
	mkdir -p "$sink_dir"
	exec "$bin" -l "127.0.0.1:$sink_port" -d "$sink_dir" "$@"
}

context() { echo "(last reply: ${reply:-none})"; }

isnt() { [ "$1" != "$2" ]; }
# has TEXT PATTERN...: TEXT holds every one of them.
has() {
	has_text=$1
	shift
	for want; do
		case "$has_text" in *"$want"*) ;; *) return 1 ;; esac
	done
}
lacks() { ! has "$@"; }
mails() { find "$1" -maxdepth 1 -name '*.eml' | wc -l; }
leftovers() { find "$1" -maxdepth 1 -name '.tmp-*' | wc -l; }

# send PORT FILE [curl args]: mails FILE from a@x to b@y (and whoever
# else the args name); sets $rc and $reply (the last one curl got), and
# curl's dialogue is in $work/curl.err.
send() {
	send_port=$1 send_file=$2
	shift 2
	curl -sS -v --max-time 10 --url "smtp://127.0.0.1:$send_port" \
	    --mail-from a@x --mail-rcpt b@y "$@" \
	    --upload-file "$send_file" 2>"$work/curl.err"
	rc=$?
	reply=$(grep '^< ' "$work/curl.err" | tail -1)
}
dialogue() { cat "$work/curl.err"; }

# Raw sessions: connect PORT reads the greeting; say LINE sends a line and
# reads the reply (all its lines in $reply, the code in $code); put LINE
# sends one without waiting.
connect() {
	exec {sfd}<>"/dev/tcp/127.0.0.1/$1" && read_reply
}
read_reply() {
	reply= code=
	while IFS= read -r -t 5 -u "$sfd" l; do
		l=${l%$'\r'}
		reply="$reply$l
"
		code=${l:0:3}
		[ "${l:3:1}" = - ] || return 0
	done
	code=EOF
}
say() { printf '%s\r\n' "$1" >&"$sfd"; read_reply; }
put() { printf '%s\r\n' "$1" >&"$sfd"; }
shut() { exec {sfd}>&-; }

build
mail=$work/mail
launch a "$PORTS" sink "$mail"

# --- curl: two recipients, dot-stuffing both ways, the envelope line.
printf 'From: a@x\r\nTo: b@y, c@z\r\nSubject: Receipt\r\n\r\n' \
    > "$work/msg1"
printf '%s\r\n' 'Thanks.' '.leading dot' '..two dots' '.' 'end' \
    >> "$work/msg1"
send "$a_port" "$work/msg1" --mail-rcpt c@z
check "curl delivers" is "$rc" 0
check "curl: 250 queued" has "$(dialogue)" "< 250 2.0.0 Ok: queued as 000001"
check "EHLO: SIZE and 8BITMIME" has "$(dialogue)" "< 250-SIZE 1048576" \
    "< 250-8BITMIME"
check "EHLO: no STARTTLS" lacks "$(dialogue)" "STARTTLS"
check "EHLO: no AUTH" lacks "$(dialogue)" "250-AUTH"
check "curl sends SIZE" has "$(dialogue)" "> MAIL FROM:<a@x> SIZE="
check "one file" is "$(mails "$mail")" 1
{ printf 'X-Sink-Envelope: from=<a@x> to=<b@y>,<c@z>\r\n'; \
    cat "$work/msg1"; } > "$work/want1"
check "file: envelope line, then the message as sent" \
    cmp -s "$work/want1" "$mail/000001.eml"

# --- Several clients at once: each message whole, in a file of its own.
before=$(mails "$mail")
senders=
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'Subject: parallel %s\r\n\r\n%s\r\n' "$i" "$i" \
	    > "$work/par$i"
	curl -sS --max-time 10 --url "smtp://127.0.0.1:$a_port" \
	    --mail-from a@x --mail-rcpt "r$i@y" \
	    --upload-file "$work/par$i" 2>/dev/null &
	senders="$senders $!"
done
ok=0
for p in $senders; do
	wait "$p" && ok=$((ok + 1))
done
check "10 clients at once: all delivered" is "$ok" 10
check "10 clients at once: 10 files" is "$(mails "$mail")" $((before + 10))
good=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	f=$(grep -l "^X-Sink-Envelope: .* to=<r$i@y>" "$mail"/*.eml)
	[ "$(echo "$f" | wc -w)" = 1 ] &&
	    grep -q "^Subject: parallel $i" "$f" && good=$((good + 1))
done
check "10 clients at once: each message whole, in its own file" \
    is "$good" 10

# --- Raw session: what curl stuffs is unstuffed, the null sender.
next=$(printf '%06d' $(($(mails "$mail") + 1)))
connect "$a_port"
check "greeting: 220" is "$code" 220
say "EHLO test"
check "EHLO: 250" is "$code" 250
say "MAIL FROM:<>"
check "null sender: 250" is "$code" 250
say "RCPT TO:<r@y>"
check "RCPT: 250" is "$code" 250
say "DATA"
check "DATA: 354" is "$code" 354
put "Subject: raw"
put ""
put "..x"
put "...y"
put ". z"
printf 'bare LF\n' >&"$sfd"
put ""
say "."
check "end of data: 250 queued" has "$reply" "250 2.0.0 Ok: queued as $next"
printf 'X-Sink-Envelope: from=<> to=<r@y>\r\nSubject: raw\r\n\r\n' \
    > "$work/want2"
printf '%s\r\n' ".x" "..y" " z" "bare LF" "" >> "$work/want2"
check "raw: one dot taken off, bare LF taken, empty lines kept" \
    cmp -s "$work/want2" "$mail/$next.eml"
say "MAIL FROM:<a@x>"
check "a second message on the same connection" is "$code" 250
say "QUIT"
check "QUIT: 221" is "$code" 221
read_reply
check "QUIT: then closed" is "$code" EOF
shut

# --- Order of commands, and what is refused.
connect "$a_port"
say "MAIL FROM:<a@x>"
check "MAIL before EHLO: 503" is "$code" 503
say "EHLO"
check "EHLO without a domain: 501" is "$code" 501
say "HELO test"
check "HELO: 250" is "$code" 250
say "RCPT TO:<b@y>"
check "RCPT before MAIL: 503" is "$code" 503
say "MAIL FROM:<a@x>"
say "DATA"
check "DATA before RCPT: 503" is "$code" 503
say "RCPT TO:<b@y>"
say "RSET"
check "RSET: 250" is "$code" 250
say "DATA"
check "RSET ends the transaction" is "$code" 503
say "NOOP"
check "NOOP: 250" is "$code" 250
say "FROB"
check "unknown command: 500" is "$code" 500
say "mail from:<a@x> BODY=8BITMIME"
check "lower case, BODY=8BITMIME: 250" is "$code" 250
say "RSET"
say "MAIL FROM:<a@x> SIZE=1048577"
check "SIZE over 1 MiB: 552" is "$code" 552
say "MAIL FROM:<a@x> FOO=1"
check "unknown MAIL parameter: 555" is "$code" 555
say "MAIL FROM:a@x"
check "address without <>: 501" is "$code" 501
say "MAIL FROM:<a@x>"
say "RCPT TO:<>"
check "empty recipient: 501" is "$code" 501
say "$(head -c 1200 /dev/zero | tr '\0' a)"
check "command line over 1000 bytes: 500" has "$reply" \
    "500 5.5.2 line too long"
say "NOOP"
check "the session goes on after a long line" is "$code" 250
shut

# --- AUTH: not advertised, but PLAIN and LOGIN take anything.
connect "$a_port"
say "EHLO test"
say "AUTH PLAIN AHUAcA=="
check "AUTH PLAIN: 235" is "$code" 235
say "AUTH PLAIN AHUAcA=="
check "AUTH twice: 503" is "$code" 503
shut
connect "$a_port"
say "EHLO test"
say "AUTH LOGIN"
check "AUTH LOGIN: asks for the user" has "$reply" "334 VXNlcm5hbWU6"
say "dQ=="
check "AUTH LOGIN: asks for the password" has "$reply" "334 UGFzc3dvcmQ6"
say "cA=="
check "AUTH LOGIN: 235" is "$code" 235
shut
send "$a_port" "$work/msg1" --user u:p
check "curl with credentials still delivers" is "$rc" 0

# --- Line length: 1000 bytes with CRLF is the limit.
printf 'Subject: long\r\n\r\n%s\r\n' "$(head -c 998 /dev/zero | tr '\0' a)" \
    > "$work/line998"
send "$a_port" "$work/line998"
check "a line of 998 bytes and CRLF: delivered" is "$rc" 0
before=$(mails "$mail")
printf 'Subject: long\r\n\r\n%s\r\n' "$(head -c 999 /dev/zero | tr '\0' a)" \
    > "$work/line999"
send "$a_port" "$work/line999"
check "a line of 999 bytes and CRLF: curl fails" isnt "$rc" 0
check "too long: 500" has "$(dialogue)" "< 500 5.5.2 line too long"
check "too long: nothing written" is "$(mails "$mail")" "$before"

# --- Message size: refused at MAIL (curl sends SIZE) and at the end.
yes "$(head -c 98 /dev/zero | tr '\0' a)" | head -n 11000 | sed 's/$/\r/' \
    > "$work/big"
send "$a_port" "$work/big"
check "over 1 MiB with curl: fails" isnt "$rc" 0
check "over 1 MiB with curl: 552 at MAIL" has "$(dialogue)" "< 552 5.3.4"
connect "$a_port"
say "EHLO test"
say "MAIL FROM:<a@x>"
say "RCPT TO:<b@y>"
say "DATA"
cat "$work/big" >&"$sfd"
say "."
check "over 1 MiB without SIZE: 552 at the end" is "$code" 552
say "NOOP"
check "the session goes on after a big message" is "$code" 250
shut
check "too big: nothing written" is "$(mails "$mail")" "$before"

# --- The .fail switch: read and counted down per message.
printf '2\n' > "$mail/.fail"
send "$a_port" "$work/msg1"
check ".fail 2: first message fails" isnt "$rc" 0
check ".fail: 451" has "$(dialogue)" "< 451 4.3.0 try again later"
check ".fail counts down" is "$(cat "$mail/.fail")" 1
send "$a_port" "$work/msg1"
check ".fail 1: second message fails" isnt "$rc" 0
check ".fail reaches 0" is "$(cat "$mail/.fail")" 0
send "$a_port" "$work/msg1"
check ".fail 0: delivered" is "$rc" 0
printf 'x\n' > "$mail/.fail"
send "$a_port" "$work/msg1"
check ".fail not a number: ignored" is "$rc" 0
rm -f "$mail/.fail"
check "failed messages: nothing written" is "$(mails "$mail")" \
    $((before + 2))

# --- At most 64 connections; the 65th is told to come back.
fds=
for i in $(seq 64); do
	connect "$a_port" || break
	[ "$code" = 220 ] || break
	fds="$fds $sfd"
done
check "64 connections at once" is "$(echo $fds | wc -w)" 64
connect "$a_port"
check "the 65th: 421" has "$reply" "421 4.3.2 too many connections"
shut
for sfd in $fds; do
	shut
done
for i in $(seq 50); do
	connect "$a_port"
	[ "$code" = 220 ] && break
	shut
	sleep 0.1
done
check "a slot is free again once they close" is "$code" 220
shut

# --- Restart: numbering goes on after the files already there.
last=$(ls "$mail" | sort | tail -1)
stop a
launch a "$PORTS" sink "$mail"
send "$a_port" "$work/msg1"
check "restart: numbering goes on" \
    test -f "$mail/$(printf '%06d' $((10#${last%.eml} + 1))).eml"

# --- SIGTERM during DATA: the client hears 421, no temporary file stays.
connect "$a_port"
say "EHLO test"
say "MAIL FROM:<a@x>"
say "RCPT TO:<b@y>"
say "DATA"
put "Subject: cut short"
check "during DATA: a temporary file" is "$(leftovers "$mail")" 1
kill -TERM "$a_pid"
read_reply
check "SIGTERM: 421 to the client" has "$reply" "421 4.3.2 shutting down"
shut
stop a
check "SIGTERM: temporary file removed" is "$(leftovers "$mail")" 0

# --- -f N: the first N messages fail; and the idle timeout (-t).
mail2=$work/mail2
launch b "$PORTS" sink "$mail2" -f 2 -t 1
send "$b_port" "$work/msg1"
check "-f 2: first message fails" isnt "$rc" 0
check "-f: 451" has "$(dialogue)" "< 451 4.3.0 try again later"
send "$b_port" "$work/msg1"
check "-f 2: second message fails" isnt "$rc" 0
send "$b_port" "$work/msg1"
check "-f 2: third message delivered" is "$rc" 0
check "-f 2: one file, numbered 1" test -f "$mail2/000001.eml" -a \
    "$(mails "$mail2")" = 1
connect "$b_port"
t0=$(now_ms)
read_reply
check "-t 1: idle client hears 421" has "$reply" "421 4.4.2 idle too long"
check "-t 1: after about a second" test $(($(now_ms) - t0)) -lt 3000
read_reply
check "-t 1: then closed" is "$code" EOF
shut
stop b
check "no temporary files left" is "$(leftovers "$mail2")" 0

finish
