#!/bin/sh
# Drives the gateway stand-in with curl through everything it is meant to
# do, with two webhook receivers (standin -R) checking signatures, then
# stops all three with SIGTERM and fails if a sanitizer spoke. Ports come
# from 12111-12119, or from $STANDIN_PORTS (a space-separated list of at
# least four). Prints "N passed, M failed" last; exits non-zero on any
# failure.
#
#	tests/gateway/test_standin.sh		builds build/standin first
#	STANDIN=path tests/gateway/test_standin.sh	uses that binary
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/harness.sh"
bin=${STANDIN:-}
SK=sk_test_SECRET
PK=pk_test_PUBLISHABLE
WH=whsec_SECRET
ORIGIN=https://portal.example
PORTS=${STANDIN_PORTS:-"12111 12112 12113 12114 12115 12116 12117 12118 12119"}
TW_SID=AC_test
TW_TOKEN=authtoken
SMS_PATH=/2010-04-01/Accounts/$TW_SID/Messages.json

build() {
	[ -n "$bin" ] && return 0
	bin=$top/build/standin
	compile "$bin" -I"$top/src" "$top"/tests/gateway/*.c \
	    "$top/src/form.c" "$top/src/strbuf.c" -lcurl -lcrypto -lpthread
}

# For launch (tests/lib/harness.sh): the gateway, and a webhook receiver.
gateway() {
	gateway_port=$1
	shift
	exec "$bin" -l "127.0.0.1:$gateway_port" "$@"
}
receiver() {
	receiver_port=$1
	shift
	exec "$bin" -R "$receiver_port" "$@"
}

context() { echo "(HTTP ${code:-}) ${body:-}"; }

# req METHOD PATH [curl args]: sets $code, $body, $rc; headers in $work/head.
req() {
	req_method=$1 req_path=$2
	shift 2
	code=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' \
	    -X "$req_method" "$base$req_path" "$@")
	rc=$?
	body=$(cat "$work/body" 2>/dev/null)
}

# has PATTERN...: the body holds every one of them.
has() {
	for want; do
		case "$body" in *"$want"*) ;; *) return 1 ;; esac
	done
}
lacks() { ! has "$1"; }
# matches ERE: the body matches the extended regular expression.
matches() { printf '%s' "$body" | grep -Eq -- "$1"; }
header() { tr -d '\r' < "$work/head" | grep -qi "^$1\$"; }
noheader() { ! tr -d '\r' < "$work/head" | grep -qi "^$1"; }
first_id() { printf '%s' "$body" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p'; }
# The id of the intent inside an error body.
error_pi() {
	printf '%s' "$body" |
	    sed -n 's/.*"payment_intent":{"id":"\([^"]*\)".*/\1/p'
}
state_num() {
	curl -s "$base/_control/state" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
control() { req POST /_control "$@"; }
sk() { printf 'Authorization: Bearer %s' "$SK"; }

# card NUMBER [cvc]: a card payment method, made with the publishable
# key; its id in $id.
card() {
	req POST /v1/payment_methods -H "Authorization: Bearer $PK" \
	    -d type=card -d "card[number]=$1" -d "card[exp_month]=12" \
	    -d "card[exp_year]=2030" -d "card[cvc]=${2:-123}"
	id=$(first_id)
}

# bank ACCOUNT: a bank account payment method; its id in $id.
bank() {
	req POST /v1/payment_methods -H "$(sk)" -d type=us_bank_account \
	    -d "us_bank_account[routing_number]=110000000" \
	    -d "us_bank_account[account_number]=$1" \
	    -d "us_bank_account[account_holder_type]=individual" \
	    -d "billing_details[name]=Jenny Rosen"
	id=$(first_id)
}

# pay PM AMOUNT [curl args]: a confirmed PaymentIntent.
pay() {
	pay_pm=$1 pay_amount=$2
	shift 2
	req POST /v1/payment_intents -H "$(sk)" -d "amount=$pay_amount" \
	    -d currency=usd -d "payment_method=$pay_pm" -d confirm=true \
	    -d "metadata[attempt]=att_test" "$@"
}

# hooks FILE PATTERN: how many logged deliveries match.
hooks() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# wait_hooks FILE PATTERN N SECONDS: until at least N deliveries match.
wait_hooks() {
	i=0
	while [ "$(hooks "$1" "$2")" -lt "$3" ] && [ $i -lt $(($4 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(hooks "$1" "$2")" -ge "$3" ]
}

# event_ids PI: how many distinct event ids the first receiver saw for PI.
event_ids() {
	grep -- "$1" "$hooks1" | sed 's/.*"id":"\(evt_[^"]*\)".*/\1/' |
	    sort -u | wc -l
}

build
hooks1=$work/hooks1.log
hooks2=$work/hooks2.log
launch recv1 "$PORTS" receiver -w "$WH" -o "$hooks1"
launch recv2 "$PORTS" receiver -w "$WH" -o "$hooks2" -F 2
launch gw "$PORTS" gateway -s "$SK" -p "$PK" -w "$WH" \
    -u "http://127.0.0.1:$recv1_port/hook" -a "$TW_SID:$TW_TOKEN"
base=http://127.0.0.1:$port
hook1=http://127.0.0.1:$recv1_port/hook
hook2=http://127.0.0.1:$recv2_port/hook

# --- Retries first, so their backoff runs while the rest goes on: the
# second receiver fails the first two deliveries with a 500.
control -d "webhook_url=$hook2"
check "control sets webhook_url" is "$code" 200
card 4242424242424242
pay "$id" 111
retry_pi=$(first_id)
check "retry charge succeeds" is "$code" 200
control -d "webhook_url=$hook1"

# --- Keys
req POST /v1/payment_intents -d amount=100 -d currency=usd
check "no key: 401" is "$code" 401
check "no key: message" has '"type":"invalid_request_error",' \
    '"message":"Invalid API Key provided'
req POST /v1/payment_intents -H "Authorization: Bearer sk_test_WRONG" \
    -d amount=100 -d currency=usd
check "wrong key: 401" is "$code" 401
check "wrong key is masked" lacks "sk_test_WRONG"
req POST /v1/payment_intents -H "Authorization: Bearer $PK" \
    -d amount=100 -d currency=usd
check "publishable key cannot create intents" is "$code" 401
req GET /v1/payment_intents/pi_x -H "Authorization: Bearer $PK"
check "publishable key cannot read intents" is "$code" 401
card 4242424242424242
pm=$id
check "publishable key creates payment methods" is "$code" 200
req POST /v1/payment_methods -H "$(sk)" -d type=card \
    -d "card[number]=4242424242424242" -d "card[exp_month]=12" \
    -d "card[exp_year]=2030" -d "card[cvc]=123"
check "secret key creates payment methods" is "$code" 200

# --- CORS
req OPTIONS /v1/payment_methods -H "Origin: $ORIGIN" \
    -H "Access-Control-Request-Method: POST"
check "preflight: 204" is "$code" 204
check "preflight: origin echoed" header "Access-Control-Allow-Origin: $ORIGIN"
check "preflight: methods" header "Access-Control-Allow-Methods: POST, GET"
check "preflight: headers" header \
    "Access-Control-Allow-Headers: Authorization, Content-Type, Idempotency-Key"
req POST /v1/payment_methods -H "Origin: $ORIGIN" \
    -H "Authorization: Bearer $PK" -d type=card \
    -d "card[number]=4242424242424242" -d "card[exp_month]=12" \
    -d "card[exp_year]=2030" -d "card[cvc]=123"
check "payment method answer carries CORS" \
    header "Access-Control-Allow-Origin: $ORIGIN"
req POST /v1/payment_methods -H "Origin: $ORIGIN" -d type=card
check "CORS also on a 401" header "Access-Control-Allow-Origin: $ORIGIN"

# --- Payment methods
card 4242424242424242
check "visa" has '"card":{"brand":"visa","last4":"4242",' \
    '"exp_month":12,"exp_year":2030'
check "the answer has the last four digits only" lacks "4242424242424242"
card 5555555555554444
check "mastercard" has '"brand":"mastercard","last4":"4444"'
card 2223003122003222
check "mastercard 2-series" has '"brand":"mastercard"'
card 378282246310005 1234
check "amex" has '"brand":"amex","last4":"0005"'
card 6011111111111117
check "discover" has '"brand":"discover"'
card 4242424242424241
check "luhn: 402" is "$code" 402
check "luhn: incorrect_number" \
    has '"type":"card_error","code":"incorrect_number","param":"card[number]"'
card 42424242abcd4242
check "not digits: invalid_number" has '"code":"invalid_number"'
card 4242424242424242 12
check "short cvc: invalid_cvc" has '"code":"invalid_cvc","param":"card[cvc]"'
req POST /v1/payment_methods -H "Authorization: Bearer $PK" -d type=card \
    -d "card[number]=4242424242424242" -d "card[exp_month]=1" \
    -d "card[exp_year]=2020" -d "card[cvc]=123"
check "past expiry: 402" is "$code" 402
check "past expiry: invalid_expiry_year" has '"code":"invalid_expiry_year"'
req POST /v1/payment_methods -H "Authorization: Bearer $PK" -d type=card \
    -d "card[number]=4242424242424242" -d "card[exp_month]=13" \
    -d "card[exp_year]=2030" -d "card[cvc]=123"
check "month 13: invalid_expiry_month" has '"code":"invalid_expiry_month"'
req POST /v1/payment_methods -H "Authorization: Bearer $PK" -d type=card \
    -d "card[exp_month]=12" -d "card[exp_year]=2030" -d "card[cvc]=123"
check "missing number: 400" is "$code" 400
check "missing number names the param" has '"param":"card[number]"'
req POST /v1/payment_methods -H "Authorization: Bearer $PK" -d type=card \
    -d "card[number]=4242424242424242" -d "card[exp_month]=12" \
    -d "card[exp_year]=2030" -d "card[cvc]=123" -d "card[pin]=1"
check "unknown parameter: 400" \
    has '"code":"parameter_unknown","param":"card[pin]"'
bank 000123456789
bank_ok=$id
check "bank account" has '"us_bank_account":{' \
    '"bank_name":"STRIPE TEST BANK","last4":"6789",' \
    '"routing_number":"110000000"}'
req POST /v1/payment_methods -H "$(sk)" -d type=us_bank_account \
    -d "us_bank_account[routing_number]=110000001" \
    -d "us_bank_account[account_number]=000123456789" \
    -d "billing_details[name]=Jenny Rosen"
check "bad routing number: 400" \
    has '"param":"us_bank_account[routing_number]"'

# --- Charges
pay "$pm" 1000 -d "description=Invoice INV-1" \
    -d "receipt_email=a@example.com"
pi_ok=$(first_id)
check "charge succeeds" is "$code" 200
check "charge: succeeded" has '"amount":1000,"amount_received":1000,' \
    '"currency":"usd","status":"succeeded"'
check "charge: latest_charge" has '"latest_charge":"ch_'
check "charge: metadata kept" has '"metadata":{"attempt":"att_test"}'
check "charge: method details" has '"payment_method_details":' \
    '{"type":"card","card":{"brand":"visa","last4":"4242"'
check "charge: no error" has '"last_payment_error":null'
wait_hooks "$hooks1" "^ok 200 .*payment_intent.succeeded.*$pi_ok" 1 5
check "webhook payment_intent.succeeded, signed" is "$?" 0

# decline NUMBER CODE DECLINE_CODE
decline() {
	card "$1"
	pay "$id" 500
	check "$1: 402" is "$code" 402
	err="\"type\":\"card_error\",\"code\":\"$2\""
	if [ -n "$3" ]; then
		check "$1: $2/$3" has "{\"error\":{$err,\"decline_code\":\"$3\""
	else
		check "$1: $2" has "{\"error\":{$err,\"message\""
	fi
	check "$1: intent needs a new method" \
	    has '"status":"requires_payment_method"'
	check "$1: last_payment_error" has "\"last_payment_error\":{$err"
}
decline 4000000000000002 card_declined generic_decline
decline 4000000000009995 card_declined insufficient_funds
check "insufficient funds message" \
    has '"message":"Your card has insufficient funds."'
decline 4000000000000069 expired_card ""
decline 4000000000000127 incorrect_cvc ""
decline 4000000000000119 processing_error ""
failed_pi=$(error_pi)
wait_hooks "$hooks1" "^ok 200 .*payment_intent.payment_failed.*$failed_pi" \
    1 5
check "webhook payment_intent.payment_failed" is "$?" 0

pay "$bank_ok" 2500
check "bank debit succeeds" has '"status":"succeeded"' \
    '"payment_method_details":{"type":"us_bank_account",' \
    '"us_bank_account":{"bank_name":"STRIPE TEST BANK","last4":"6789"'
check "bank debit: payment_method_types" \
    has '"payment_method_types":["us_bank_account"]'
bank 000111111116
pay "$id" 2500
check "closed account: 402" is "$code" 402
check "closed account: account_closed" has '"code":"account_closed"'
bank 000222222227
pay "$id" 2500
check "bank without funds: insufficient_funds" \
    has '"code":"insufficient_funds"'

# --- Intent validation and the confirm flow
req POST /v1/payment_intents -H "$(sk)" -d currency=usd
check "missing amount names it" has '"param":"amount"'
req POST /v1/payment_intents -H "$(sk)" -d amount=0 -d currency=usd
check "amount 0: 400" is "$code" 400
check "amount 0 names it" has '"param":"amount"'
req POST /v1/payment_intents -H "$(sk)" -d amount=-5 -d currency=usd
check "negative amount names it" has '"param":"amount"'
req POST /v1/payment_intents -H "$(sk)" -d amount=10.50 -d currency=usd
check "decimal amount names it" has '"param":"amount"'
req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=usdx
check "bad currency names it" has '"param":"currency"'
req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=usd \
    -d payment_method=pm_nope -d confirm=true
check "unknown method names it" \
    has '"code":"resource_missing","param":"payment_method"'
meta=
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21; do
	meta="$meta&metadata[k$n]=v"
done
req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=usd \
    -d "payment_method=$pm$meta"
check "21 metadata keys: 400" has '"param":"metadata"'
req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=USD \
    -d "payment_method=$pm"
pi=$(first_id)
check "unconfirmed: requires_confirmation" \
    has '"currency":"usd","status":"requires_confirmation"'
req GET "/v1/payment_intents/$pi" -H "$(sk)"
check "retrieve" has "\"id\":\"$pi\",\"object\":\"payment_intent\""
req POST "/v1/payment_intents/$pi/confirm" -H "$(sk)"
check "confirm charges" has '"status":"succeeded"'
req POST "/v1/payment_intents/$pi/confirm" -H "$(sk)"
check "confirm twice: 400" \
    has '"code":"payment_intent_unexpected_state"'
req GET /v1/payment_intents/pi_missing -H "$(sk)"
check "unknown intent: 404" is "$code" 404
card 4000000000000002
pay "$id" 700
pi=$(error_pi)
req POST "/v1/payment_intents/$pi/confirm" -H "$(sk)" \
    -d "payment_method=$pm"
check "a declined intent succeeds with another method" \
    has '"status":"succeeded"'
req GET /v1/nothing_here -H "$(sk)"
check "unknown route: 404" is "$code" 404

# --- expand[]=latest_charge: the Charge inline instead of its id.
charge_of() {
	printf '%s' "$body" | sed -n 's/.*"latest_charge":"\(ch_[^"]*\)".*/\1/p'
}
pay "$pm" 1900 -d 'expand[]=latest_charge'
xpi=$(first_id)
check "expand on create: 200" is "$code" 200
check "expand on create: the charge inline" \
    has '"latest_charge":{"id":"ch_' '"object":"charge","amount":1900,' \
    '"amount_captured":1900,"amount_refunded":0,"currency":"usd",' \
    '"paid":true,"refunded":false,"status":"succeeded",' \
    "\"payment_intent\":\"$xpi\",\"payment_method\":\"$pm\"," \
    '"payment_method_details":{"type":"card","card":{"brand":"visa",' \
    '"last4":"4242","exp_month":12,"exp_year":2030}}'
req GET "/v1/payment_intents/$xpi" -H "$(sk)"
xch=$(charge_of)
check "without expand: latest_charge is an id" test -n "$xch"
req GET "/v1/payment_intents/$xpi?expand[]=latest_charge" -g -H "$(sk)"
check "expand on retrieve" has "\"latest_charge\":{\"id\":\"$xch\"," \
    '"object":"charge"'
req GET "/v1/payment_intents/$xpi?expand%5B0%5D=latest_charge" -H "$(sk)"
check "expand[0], escaped, on retrieve" \
    has "\"latest_charge\":{\"id\":\"$xch\","
wait_hooks "$hooks1" "^ok 200 .*payment_intent.succeeded.*$xpi" 1 5
check "expand: the event keeps the id" \
    grep -q "payment_intent.succeeded.*\"latest_charge\":\"$xch\"" "$hooks1"
req GET "/v1/payment_intents/$xpi?expand[]=customer" -g -H "$(sk)"
check "expand customer: 400" is "$code" 400
check "expand customer: names expand[0]" \
    has '"type":"invalid_request_error","param":"expand[0]"'
req GET "/v1/payment_intents/$xpi?expand[]=latest_charge&expand[]=x" -g \
    -H "$(sk)"
check "a second bad expand names expand[1]" has '"param":"expand[1]"'
req GET "/v1/payment_intents/$xpi?limit=3" -H "$(sk)"
check "retrieve refuses unknown query parameters" \
    has '"code":"parameter_unknown","param":"limit"'
charges=$(state_num charges)
pay "$pm" 1900 -d 'expand[]=payment_method'
check "expand payment_method on create: 400 expand[0]" \
    has '"param":"expand[0]"'
check "... and nothing charged" is "$(state_num charges)" "$charges"
req GET "/v1/payment_intents/$failed_pi?expand[]=latest_charge" -g -H "$(sk)"
check "expand a declined intent: a failed charge" \
    has '"amount_captured":0,' '"paid":false,"refunded":false,"status":"failed",' \
    '"failure_code":"processing_error","failure_message":"An error occurred'
pay "$bank_ok" 2600 -d 'expand[]=latest_charge'
check "expand a bank debit" has '"payment_method_details":{' \
    '"type":"us_bank_account","us_bank_account":{' \
    '"bank_name":"STRIPE TEST BANK","last4":"6789",' \
    '"account_holder_type":"individual","routing_number":"110000000"}}'
req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=usd \
    -d "payment_method=$pm" -d 'expand[]=latest_charge'
xpi=$(first_id)
check "expand before any charge: null" has '"latest_charge":null'
req POST "/v1/payment_intents/$xpi/confirm" -H "$(sk)" \
    -d 'expand[]=latest_charge'
check "expand on confirm" has '"latest_charge":{"id":"ch_' \
    "\"payment_intent\":\"$xpi\""
pay "$pm" 2700 -H "Idempotency-Key: expand-1"
pay "$pm" 2700 -H "Idempotency-Key: expand-1" -d 'expand[]=latest_charge'
check "expand is part of the idempotency fingerprint" \
    has '"type":"idempotency_error"'

# --- Cancel
req POST /v1/payment_intents -H "$(sk)" -d amount=3100 -d currency=usd \
    -d "payment_method=$pm"
cpi=$(first_id)
check "a new intent: not canceled" \
    has '"canceled_at":null,"cancellation_reason":null'
req POST "/v1/payment_intents/$cpi/cancel" -H "$(sk)" \
    -H "Idempotency-Key: cancel-1" -d cancellation_reason=requested_by_customer
check "cancel: 200" is "$code" 200
check "cancel: canceled, when and why" \
    matches "^\\{\"id\":\"$cpi\".*\"status\":\"canceled\",\"canceled_at\":[0-9]+,\"cancellation_reason\":\"requested_by_customer\","
canceled=$body
req POST "/v1/payment_intents/$cpi/cancel" -H "$(sk)" \
    -H "Idempotency-Key: cancel-1" -d cancellation_reason=requested_by_customer
check "cancel replays under its key" header "Idempotent-Replayed: true"
check "... the same answer" is "$body" "$canceled"
wait_hooks "$hooks1" "^ok 200 .*payment_intent.canceled.*$cpi" 1 5
check "webhook payment_intent.canceled" is "$?" 0
req GET "/v1/payment_intents/$cpi" -H "$(sk)"
check "retrieve a canceled intent" has '"status":"canceled"'
req POST "/v1/payment_intents/$cpi/cancel" -H "$(sk)"
check "cancel twice: 400" is "$code" 400
check "cancel twice: unexpected state" \
    has '"code":"payment_intent_unexpected_state"' 'status of canceled'
req POST "/v1/payment_intents/$cpi/confirm" -H "$(sk)"
check "confirm a canceled intent: 400" is "$code" 400
check "confirm a canceled intent: unexpected state" \
    has '"code":"payment_intent_unexpected_state"'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$cpi"
check "refund a canceled intent: not refundable" \
    has '"code":"charge_not_refundable"'
req POST "/v1/payment_intents/$pi_ok/cancel" -H "$(sk)"
check "cancel a succeeded intent: 400" is "$code" 400
check "cancel a succeeded intent: unexpected state" \
    has '"code":"payment_intent_unexpected_state"' 'status of succeeded'
req POST /v1/payment_intents/pi_missing/cancel -H "$(sk)"
check "cancel an unknown intent: 404" is "$code" 404
check "cancel an unknown intent: resource_missing" \
    has '"code":"resource_missing"'
req POST "/v1/payment_intents/$failed_pi/cancel" -H "$(sk)" \
    -d cancellation_reason=because
check "cancel: bad reason names it" \
    has '"type":"invalid_request_error","param":"cancellation_reason"'
req POST "/v1/payment_intents/$failed_pi/cancel" -H "$(sk)" \
    -d 'expand[]=latest_charge'
check "cancel a declined intent, no reason" \
    has '"status":"canceled","canceled_at":' '"cancellation_reason":null'
check "cancel takes expand[]" \
    has '"latest_charge":{"id":"ch_' '"status":"failed"'
req POST /v1/payment_intents -H "$(sk)" -d amount=3200 -d currency=usd
req POST "/v1/payment_intents/$(first_id)/cancel" -H "$(sk)" \
    -d cancellation_reason=abandoned
check "cancel an intent without a method" \
    has '"status":"canceled"' '"cancellation_reason":"abandoned"'

# --- Search
# search QUERY [curl args]: GET /v1/payment_intents/search.
search() {
	search_q=$1
	shift
	req GET /v1/payment_intents/search -G -H "$(sk)" \
	    --data-urlencode "query=$search_q" "$@"
}
# ids: the ids of the intents in a search result, in order, on one line.
ids() {
	printf '%s' "$body" | grep -o '{"id":"pi_[^"]*"' | cut -d'"' -f4 |
	    tr '\n' ' '
}
# order TAG [metadata args]: an intent with metadata[order]=TAG; id in $id.
order() {
	order_tag=$1
	shift
	req POST /v1/payment_intents -H "$(sk)" -d amount=100 -d currency=usd \
	    -d "metadata[order]=$order_tag" "$@"
	id=$(first_id)
}
order ord-A
sa1=$id
order ord-B
order ord-A -d "metadata[lane]=x"
sa2=$id
order ord-A -d "metadata[note]=it's \"here\""
sa3=$id
search "metadata['order']:'ord-A'"
check "search: 200" is "$code" 200
check "search: a search_result" has '{"object":"search_result",' \
    '"url":"/v1/payment_intents/search","has_more":false,' \
    '"next_page":null,"data":[{"id":"pi_'
check "search: the three, newest first" is "$(ids)" "$sa3 $sa2 $sa1 "
search 'metadata["order"]:"ord-B"'
check "search: double quotes" has '"metadata":{"order":"ord-B"}'
check "search: ... one" is "$(ids | wc -w)" 1
search "metadata['order']:'ord-A' AND metadata['lane']:'x'"
check "search: AND" is "$(ids)" "$sa2 "
search "  metadata['lane']:'x'   AND  metadata['order']:'ord-A' "
check "search: AND, any order, spaces" is "$(ids)" "$sa2 "
search "metadata['note']:'it\\'s \"here\"'"
check "search: an escaped quote" is "$(ids)" "$sa3 "
search "metadata['order']:'ord-C'"
check "search: no match" has '"has_more":false,"next_page":null,"data":[]}'
search "metadata['order']:'ord-A'" -d limit=2
check "search: limit=2" is "$(ids)" "$sa3 $sa2 "
check "search: has_more, next_page" \
    has "\"has_more\":true,\"next_page\":\"$sa2\","
search "metadata['order']:'ord-A'" -d limit=2 -d "page=$sa2"
check "search: the next page" is "$(ids)" "$sa1 "
check "search: ... the last" has '"has_more":false,"next_page":null,'
search "metadata['order']:'ord-A'" -d limit=100
check "search: limit=100" is "$(ids)" "$sa3 $sa2 $sa1 "
for bad in 0 101 x -1; do
	search "metadata['order']:'ord-A'" -d "limit=$bad"
	check "search: limit=$bad: 400 naming limit" \
	    has '"type":"invalid_request_error","param":"limit"'
done
for bad in "metadata['order']='ord-A'" "order:'ord-A'" \
    "metadata['order']:ord-A" "metadata['order':'ord-A'" \
    "metadata['order']:'ord-A" "metadata['']:'x'" \
    "metadata['order']:'ord-A' OR metadata['lane']:'x'" \
    "metadata['order']:'ord-A' AND" "metadata['order']:'ord-A'AND metadata['lane']:'x'" \
    "metadata['order']:'ord-A' and metadata['lane']:'x'" \
    "$(printf "metadata['k']:'v' AND %.0s" $(seq 10))metadata['k']:'v'"; do
	search "$bad"
	check "search: $bad: 400 naming query" is "$code" 400
	check "search: $bad: invalid_request_error" \
	    has '"type":"invalid_request_error","param":"query"'
done
search "$(printf "metadata['k']:'v' AND %.0s" $(seq 9))metadata['k']:'v'"
check "search: ten clauses are allowed" is "$code" 200
req GET /v1/payment_intents/search -H "$(sk)"
check "search without a query: parameter_missing, not a lookup" \
    has '"code":"parameter_missing","param":"query"'
search "metadata['order']:'ord-A'" -d "page=pi_nope"
check "search: unknown page: 400" has '"param":"page"'
search "metadata['order']:'ord-A'" -d "expand[]=latest_charge"
check "search: unknown parameters refused" has '"code":"parameter_unknown"'
req GET /v1/payment_intents/search -G -H "Authorization: Bearer $PK" \
    --data-urlencode "query=metadata['order']:'ord-A'"
check "search: not with the publishable key" is "$code" 401

# --- Idempotency
charges=$(state_num charges)
pay "$pm" 4200 -H "Idempotency-Key: attempt-1"
first=$(first_id)
pay "$pm" 4200 -H "Idempotency-Key: attempt-1"
check "replay: same intent" is "$(first_id)" "$first"
check "replay: marked" header "Idempotent-Replayed: true"
check "replay: charged once" is "$(state_num charges)" $((charges + 1))
pay "$pm" 4300 -H "Idempotency-Key: attempt-1"
check "same key, other body: 400" is "$code" 400
check "same key, other body: idempotency_error" \
    has '"type":"idempotency_error","message":"Keys for idempotent requests'
card 4000000000009995
pay "$id" 800 -H "Idempotency-Key: attempt-3"
declined=$(error_pi)
pay "$id" 800 -H "Idempotency-Key: attempt-3"
check "a decline replays as 402" is "$code" 402
check "a decline replays the same intent" is "$(error_pi)" "$declined"
check "a decline replay is marked" header "Idempotent-Replayed: true"

# Two at once with one key: the second waits, then replays the first.
control -d delay_ms=400
charges=$(state_num charges)
conc=
for n in 1 2; do
	curl -s -H "$(sk)" -H "Idempotency-Key: attempt-4" -d amount=900 \
	    -d currency=usd -d "payment_method=$pm" -d confirm=true \
	    "$base/v1/payment_intents" > "$work/conc$n" &
	conc="$conc $!"
done
for p in $conc; do
	wait "$p"
done
control -d delay_ms=0
a=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$work/conc1")
b=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$work/conc2")
check "concurrent same key: one intent" test -n "$a" -a "$a" = "$b"
check "concurrent same key: one charge" \
    is "$(state_num charges)" $((charges + 1))

# --- Refunds
pay "$pm" 1000
rpi=$(first_id)
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$rpi" -d amount=300 \
    -d reason=requested_by_customer -d "metadata[refund]=r-1" \
    -d "metadata[empty]="
re1=$(first_id)
re1_body=$body
check "partial refund" has "\"object\":\"refund\",\"amount\":300,"
check "refund: succeeded, with its reason and metadata" \
    has "\"payment_intent\":\"$rpi\",\"status\":\"succeeded\"," \
    '"reason":"requested_by_customer","metadata":{"refund":"r-1"},'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$rpi" -d amount=1 \
    -d "metadata[]=x"
check "refund: a bad metadata key is refused" \
    has '"param":"metadata[]"'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$rpi" -d amount=800
check "over-refund: 400" is "$code" 400
check "over-refund: amount_too_large" \
    has '"code":"amount_too_large","param":"amount"'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$rpi"
re2=$(first_id)
check "refund the rest" has '"amount":700,' '"reason":null,"metadata":{},'
req GET "/v1/refunds/$re1" -H "$(sk)"
check "retrieve a refund: 200" is "$code" 200
check "retrieve a refund: as it was made" is "$body" "$re1_body"
req GET "/v1/refunds/$re2" -H "$(sk)"
check "retrieve the other refund" has "{\"id\":\"$re2\"," '"amount":700,'
req GET /v1/refunds/re_nope -H "$(sk)"
check "unknown refund: 404" is "$code" 404
check "unknown refund: resource_missing" \
    has '"code":"resource_missing","param":"id"'
req GET "/v1/refunds/$re1" -H "Authorization: Bearer $PK"
check "refunds: not with the publishable key" is "$code" 401
req GET "/v1/refunds/$re1?expand[]=charge" -g -H "$(sk)"
check "retrieve a refund: unknown parameters refused" \
    has '"code":"parameter_unknown"'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$rpi" -d amount=1
check "nothing left to refund" has '"code":"charge_already_refunded"'
req POST /v1/refunds -H "$(sk)" -d "payment_intent=$failed_pi"
check "cannot refund a failed intent" is "$code" 400
req POST /v1/refunds -H "$(sk)" -d payment_intent=pi_nope
check "cannot refund an unknown intent" has '"param":"payment_intent"'
wait_hooks "$hooks1" \
    "^ok 200 .*charge.refunded.*\"amount_refunded\":1000,.*$rpi" 1 5
check "webhook charge.refunded" is "$?" 0

# --- fail_next
control -d fail_next=1
charges=$(state_num charges)
pay "$pm" 600 -H "Idempotency-Key: attempt-5"
check "fail_next: 500" is "$code" 500
check "fail_next: api_error" has '"type":"api_error"'
check "fail_next: nothing charged" is "$(state_num charges)" "$charges"
pay "$pm" 600 -H "Idempotency-Key: attempt-5"
check "retry after fail_next runs" is "$code" 200
check "retry after fail_next is fresh" noheader "Idempotent-Replayed"
check "fail_next: one charge in all" \
    is "$(state_num charges)" $((charges + 1))

# --- drop_after_charge_next
control -d drop_after_charge_next=1
charges=$(state_num charges)
pay "$pm" 777 -H "Idempotency-Key: attempt-6"
check "drop: empty reply" is "$rc" 52
check "drop: the charge happened" is "$(state_num charges)" $((charges + 1))
curl -s "$base/_control/state" > "$work/state"
check "drop: the intent is recorded" grep -q \
    '"status":"succeeded","idempotency_key":"attempt-6"' "$work/state"
pay "$pm" 777 -H "Idempotency-Key: attempt-6"
check "drop: a retry with the key gets the answer" is "$code" 200
check "drop: ... replayed" header "Idempotent-Replayed: true"
check "drop: ... and no second charge" \
    is "$(state_num charges)" $((charges + 1))

# --- delay_ms
control -d delay_ms=600
t0=$(now_ms)
req GET "/v1/payment_intents/$pi_ok" -H "$(sk)"
t1=$(now_ms)
control -d delay_ms=0
check "delay: answer is late" test $((t1 - t0)) -ge 600
check "delay: answer is right" is "$code" 200

# --- Webhook switches
control -d webhook_duplicate=1
pay "$pm" 1200
dup_pi=$(first_id)
control -d webhook_duplicate=0
wait_hooks "$hooks1" "^ok 200 .*$dup_pi" 2 5
check "duplicate: delivered twice" \
    is "$(hooks "$hooks1" "^ok 200 .*$dup_pi")" 2
check "duplicate: same event id" is "$(event_ids "$dup_pi")" 1

control -d webhook_bad_signature=1
pay "$pm" 1300
bad_pi=$(first_id)
control -d webhook_bad_signature=0
wait_hooks "$hooks1" "^bad_signature 400 .*$bad_pi" 1 5
check "bad signature is refused" is "$?" 0

control -d webhook_stale=1
pay "$pm" 1400
stale_pi=$(first_id)
control -d webhook_stale=0
wait_hooks "$hooks1" "^stale 400 .*$stale_pi" 1 5
check "stale timestamp is refused" is "$?" 0

control -d webhook_secret=whsec_ROTATED
pay "$pm" 1500
rot_pi=$(first_id)
wait_hooks "$hooks1" "^bad_signature 400 .*$rot_pi" 1 5
check "rotated secret: old verifier refuses" is "$?" 0
control -d reset=1
pay "$pm" 1600
reset_pi=$(first_id)
wait_hooks "$hooks1" "^ok 200 .*$reset_pi" 1 5
check "reset restores the secret" is "$?" 0
control -d reset=1 -d bogus=1
check "unknown control field: 400" has '"param":"bogus"'

control -d webhook_delay_ms=1000
t0=$(now_ms)
pay "$pm" 1700
late_pi=$(first_id)
control -d webhook_delay_ms=0
wait_hooks "$hooks1" "^ok 200 .*$late_pi" 1 5
check "webhook delay: delivered" is "$?" 0
check "webhook delay: ... late" test $(($(now_ms) - t0)) -ge 1000

before=$(hooks "$hooks1" "^ok 200 .*$pi_ok")
req POST "/_control/resend?intent=$pi_ok"
check "resend: 200" is "$code" 200
wait_hooks "$hooks1" "^ok 200 .*$pi_ok" $((before + 1)) 5
check "resend: delivered again" is "$?" 0
check "resend: same event id" is "$(event_ids "$pi_ok")" 1
req POST /_control/resend?intent=pi_nope
check "resend unknown intent: 404" is "$code" 404

# --- Limits
req GET /v1/payment_intents/x -H "$(sk)" \
    -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' a)"
check "head over 16 KiB: 431" is "$code" 431
head -c 70000 /dev/zero | tr '\0' a > "$work/big"
req POST /v1/payment_intents -H "$(sk)" --data-binary "@$work/big"
check "body over 64 KiB: 413" is "$code" 413
req get /v1/payment_intents/x -H "$(sk)"
check "lower-case method: 400" is "$code" 400
req POST /v1/payment_intents -H "$(sk)" -H "Transfer-Encoding: chunked" \
    -d amount=1
check "chunked bodies: 501" is "$code" 501
req POST /v1/payment_intents -H "$(sk)" \
    --data-binary 'amount=100&currency=%zz'
check "bad escape: 400 naming the field" is "$code" 400
check "bad escape: message" \
    has 'Invalid request body: field 2: invalid percent-encoding.'
req POST /v1/payment_intents -H "$(sk)" \
    --data-binary 'amount=100&description=%ff'
check "invalid UTF-8: 400" has 'field 2: invalid UTF-8'
req POST /v1/payment_intents -H "$(sk)" \
    --data-binary "amount=100&x=$(head -c 2049 /dev/zero | tr '\0' a)"
check "value over 2048 bytes: 400" has 'field 2: value too long'
control --data-binary 'fail_next=%1'
check "control: malformed body names the field" \
    has 'Malformed form body: field 1: invalid percent-encoding.'

# --- SMS (Twilio's Messages API)
# sms [curl args]: POST a message with the right credentials.
sms() { req POST "$SMS_PATH" -u "$TW_SID:$TW_TOKEN" "$@"; }
sms_sid() { printf '%s' "$body" | sed -n 's/.*"sid":"\(SM[0-9a-f]*\)".*/\1/p'; }
sms_list() { req GET /_control/sms; }
sms_count() { curl -s "$base/_control/sms" | grep -o '"sid":"SM' | wc -l; }
twilio_error() {
	has "{\"code\":$1,\"message\":\"$2\"," \
	    "\"more_info\":\"https://www.twilio.com/docs/errors/$1\"," \
	    "\"status\":$3}"
}
TO=+15005550006
FROM=+15005550001

control -d reset=1
sms_list
check "sms: the list starts empty" is "$body" "[]"
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=Invoice INV-1: https://pay.example/l/abc"
sms1=$(sms_sid)
check "sms: 201" is "$code" 201
check "sms: sid is SM and 32 hex digits" matches '"sid":"SM[0-9a-f]{32}"'
check "sms: the resource" has "{\"account_sid\":\"$TW_SID\"," \
    '"body":"Invoice INV-1: https://pay.example/l/abc"' \
    "\"from\":\"$FROM\"" "\"to\":\"$TO\"" '"status":"queued"' \
    '"num_segments":"1"' '"error_code":null,"error_message":null' \
    "\"uri\":\"/2010-04-01/Accounts/$TW_SID/Messages/$sms1.json\""
check "sms: date_created in RFC 2822" matches '"date_created":"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000"'
check "sms: created" header "HTTP/1.1 201 Created"
sms --data-urlencode "To=$TO" \
    -d MessagingServiceSid=MG0123456789abcdef0123456789abcdef \
    --data-urlencode "Body=Caf$(printf '\303\251') $(printf '\360\237\230\200') & 100% = ok"
sms2=$(sms_sid)
check "sms: with a Messaging Service: 201" is "$code" 201
check "sms: ... accepted, from null" has '"from":null,' \
    '"messaging_service_sid":"MG0123456789abcdef0123456789abcdef"' \
    '"status":"accepted"'
check "sms: UTF-8 and reserved characters kept" \
    has "\"body\":\"Caf$(printf '\303\251') $(printf '\360\237\230\200') & 100% = ok\""
sms_list
check "sms: listed in order" matches "^\\[\\{\"sid\":\"$sms1\",\"to\":\"\\$TO\",\"from\":\"\\$FROM\",\"messaging_service_sid\":null,\"body\":\"Invoice INV-1: https://pay.example/l/abc\",\"date\":\"[A-Z][a-z]{2}, [^\"]*\"\\},\\{\"sid\":\"$sms2\","
check "sms: two listed" is "$(sms_count)" 2

# Credentials
req POST "$SMS_PATH" -u "$TW_SID:wrong" --data-urlencode "To=$TO" \
    --data-urlencode "From=$FROM" -d Body=x
check "sms: wrong token: 401" is "$code" 401
check "sms: wrong token: Twilio's error" twilio_error 20003 Authenticate 401
check "sms: wrong token: WWW-Authenticate" \
    header 'WWW-Authenticate: Basic realm="Twilio API"'
req POST "$SMS_PATH" --data-urlencode "To=$TO" \
    --data-urlencode "From=$FROM" -d Body=x
check "sms: no credentials: 401" is "$code" 401
req POST "$SMS_PATH" -u "AC_other:$TW_TOKEN" --data-urlencode "To=$TO" \
    --data-urlencode "From=$FROM" -d Body=x
check "sms: another account's sid: 401" is "$code" 401
req POST /2010-04-01/Accounts/AC_other/Messages.json \
    -u "$TW_SID:$TW_TOKEN" --data-urlencode "To=$TO" \
    --data-urlencode "From=$FROM" -d Body=x
check "sms: another account's path: 404" is "$code" 404
check "sms: ... 20404" has '"code":20404,'
req GET "$SMS_PATH" -u "$TW_SID:$TW_TOKEN"
check "sms: GET: 405" is "$code" 405
req POST "/2010-04-01/Accounts/$TW_SID/Calls.json" -u "$TW_SID:$TW_TOKEN"
check "sms: other resources: 404" is "$code" 404

# Parameters
for bad in +1234567 +1234567890123456 15005550006 +1500555000a; do
	sms --data-urlencode "To=$bad" --data-urlencode "From=$FROM" \
	    -d Body=x
	check "sms: To $bad: 400" is "$code" 400
	check "sms: To $bad: 21211" twilio_error 21211 \
	    "The 'To' number $bad is not a valid phone number." 400
done
sms --data-urlencode "To=+12345678" --data-urlencode "From=$FROM" -d Body=x
check "sms: To with 8 digits: 201" is "$code" 201
sms --data-urlencode "To=+123456789012345" --data-urlencode "From=$FROM" \
    -d Body=x
check "sms: To with 15 digits: 201" is "$code" 201
sms --data-urlencode "From=$FROM" -d Body=x
check "sms: no To: 21604" has '"code":21604,'
sms --data-urlencode "To=$TO" -d Body=x
check "sms: no From: 21603" has '"code":21603,'
sms --data-urlencode "To=$TO" -d From=Pay-Portal -d Body=x
check "sms: bad From: 21212" has '"code":21212,'
sms --data-urlencode "To=$TO" -d "From=Pay Portal" -d Body=x
check "sms: alphanumeric sender id: 201" is "$code" 201
sms --data-urlencode "To=$TO" -d MessagingServiceSid=MG12 -d Body=x
check "sms: bad MessagingServiceSid: 21701" has '"code":21701,'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=
check "sms: empty Body: 400" is "$code" 400
check "sms: empty Body: 21602" twilio_error 21602 \
    "Message body is required." 400
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM"
check "sms: no Body: 21602" has '"code":21602,'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    -d "Body=$(head -c 1600 /dev/zero | tr '\0' a)"
check "sms: 1600 characters: 201" is "$code" 201
check "sms: ... in 11 segments" has '"num_segments":"11"'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    -d "Body=$(head -c 1601 /dev/zero | tr '\0' a)"
check "sms: 1601 characters: 400" is "$code" 400
check "sms: 1601 characters: 21617" twilio_error 21617 \
    "The concatenated message body exceeds the 1600 character limit." 400
# Characters are UTF-16 units, so an emoji is two (and src/form.c's
# 2048 bytes leave room for 1600 of them only with much ASCII).
emoji=$(printf '\360\237\230\200')
a1300=$(head -c 1300 /dev/zero | tr '\0' a)
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=$a1300$(for i in $(seq 150); do printf '%s' "$emoji"; done)"
check "sms: 1300 letters and 150 emoji are 1600 characters: 201" \
    is "$code" 201
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=$a1300$(for i in $(seq 151); do printf '%s' "$emoji"; done)"
check "sms: 1300 letters and 151 emoji: 21617" has '"code":21617,'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=$(for i in $(seq 1025); do printf 'ж'; done)"
check "sms: a Body over 2048 bytes: 400 20001" \
    has '"code":20001,"message":"Invalid request body: field 3: value too long'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=$(for i in $(seq 71); do printf 'ж'; done)"
check "sms: 71 Cyrillic letters: 2 UCS-2 segments" has '"num_segments":"2"'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-urlencode "Body=$(head -c 160 /dev/zero | tr '\0' a)"
check "sms: 160 GSM characters: 1 segment" has '"num_segments":"1"'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" \
    --data-binary 'Body=%zz'
check "sms: malformed body: 400" is "$code" 400
n=$(sms_count)
check "sms: refusals are not kept" is "$n" 9

# Switches: fail_next answers 500 and keeps nothing; drop_next keeps the
# message and closes without an answer.
control -d reset=1
check "sms: reset forgets the messages" is "$(sms_count)" 0
req POST /_control/sms -d fail_next=2
check "sms: fail_next set" has '"fail_next":2,"drop_next":0,"messages":0'
for n in 1 2; do
	sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=r
	check "sms: fail_next $n: 500" is "$code" 500
	check "sms: fail_next $n: 20500" has '"code":20500,'
done
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=r
check "sms: after fail_next: 201" is "$code" 201
check "sms: fail_next kept one message" is "$(sms_count)" 1
req POST /_control/sms -d drop_next=1
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=d
check "sms: drop_next: empty reply" is "$rc" 52
check "sms: drop_next: the message is kept" is "$(sms_count)" 2
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=d
check "sms: after drop_next: 201" is "$code" 201
req POST /_control/sms -d fail_next=5 -d drop_next=3
control -d reset=1
req POST /_control/sms
check "sms: reset clears the switches" \
    has '"fail_next":0,"drop_next":0,"messages":0'
sms --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=x
req POST /_control/sms -d clear=1
check "sms: clear=1 forgets the messages" \
    has '"fail_next":0,"drop_next":0,"messages":0'
req POST /_control/sms -d fail_next=1 -d bogus=1
check "sms control: unknown field: 400" has '"param":"bogus"'
req POST /_control/sms -d fail_next=-1
check "sms control: bad number: 400" has '"param":"fail_next"'
req POST /_control/sms
check "sms control: a refused request changes nothing" \
    has '"fail_next":0,'

# Without -a the Messages API is not there. The same short-lived
# stand-in keeps only 64 Idempotency-Keys (-K), to see the oldest go.
launch nosms "$PORTS" gateway -s "$SK" -p "$PK" -w "$WH" -K 64
code=$(curl -s -o "$work/body" -w '%{http_code}' -u "$TW_SID:$TW_TOKEN" \
    --data-urlencode "To=$TO" --data-urlencode "From=$FROM" -d Body=x \
    "http://127.0.0.1:$nosms_port$SMS_PATH")
body=$(cat "$work/body")
check "sms off: 404" is "$code" 404
check "sms off: 20404" has '"code":20404,'

# keyed_intents N...: one curl run creating an intent under each key
# "evict-N", in the order given; prints the intents' ids, one a line.
keyed_intents() {
	keyed_sep=
	for n; do
		printf '%burl = "http://127.0.0.1:%s/v1/payment_intents"\n' \
		    "$keyed_sep" "$nosms_port"
		printf 'header = "Authorization: Bearer %s"\n' "$SK"
		printf 'header = "Idempotency-Key: evict-%s"\n' "$n"
		printf 'data = "amount=100&currency=usd"\n'
		printf 'write-out = "\\n"\n'
		keyed_sep='next\n'
	done > "$work/keyed.conf"
	curl -s -K "$work/keyed.conf" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p'
}
# 200 keys, then the same 200 again newest first: the newest 64 replay,
# and each of the other 136 runs afresh (making room by forgetting the
# oldest that is left, one already checked).
keyed_intents $(seq 200) | sed '1!G;h;$!d' > "$work/keyed1"
keyed_intents $(seq 200 -1 1) > "$work/keyed2"
check "idempotency: 200 answers" is "$(wc -l < "$work/keyed2")" 200
check "idempotency: the newest 64 of 200 keys replay, the oldest are forgotten" \
    is "$(paste -d ' ' "$work/keyed1" "$work/keyed2" |
    awk '{ printf "%d", $1 == $2 }')" \
    "$(printf '1%.0s' $(seq 64))$(printf '0%.0s' $(seq 136))"
stop nosms

# --- The retries started at the top should be done by now.
wait_hooks "$hooks2" "$retry_pi" 3 10
check "retry: failed twice, then delivered" \
    is "$(grep -- "$retry_pi" "$hooks2" | cut -d' ' -f1,2 | tr '\n' ' ')" \
    "ok 500 ok 500 ok 200 "

# --- The sender keeps its connection to the endpoint between events.
conns=$(state_num webhooks_connections)
sent=$(state_num webhooks_sent)
for n in 1 2 3 4; do
	pay "$pm" 1800
done
i=0
while [ "$(state_num webhooks_sent)" -lt $((sent + 4)) ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "keep-alive: four events delivered" \
    test "$(state_num webhooks_sent)" -ge $((sent + 4))
check "keep-alive: over at most one new connection" \
    test "$(state_num webhooks_connections)" -le $((conns + 1))

# --- State
curl -s "$base/_control/state" > "$work/state"
check "state lists intents with metadata" \
    grep -q '"metadata":{"attempt":"att_test"}' "$work/state"
check "state counts refunds" grep -q '"refunds":2,' "$work/state"
check "state shows canceled intents" \
    grep -q '"status":"canceled","idempotency_key"' "$work/state"
check "state counts webhooks" grep -q '"webhooks_sent":[1-9]' "$work/state"

# --- Stop cleanly: SIGTERM, exit 0, no sanitizer report.
stop gw
stop recv1
stop recv2
finish
