#!/bin/sh
# HAProxy terminating TLS in front of the portal (Kore serves plain HTTP on
# loopback: its own TLS fails with OpenSSL 3). Makes a self-signed
# certificate for localhost once, writes the config, and runs HAProxy in
# the foreground until killed.
#
#	tools/proxy.sh DIR HTTPS_ADDR:PORT BACKEND_ADDR:PORT [BACKEND ...]
#
# With PROXY_GATEWAY_FRONT and PROXY_GATEWAY_BACK set, a second frontend
# puts the payment gateway stand-in behind TLS too: the pay page is HTTPS,
# and browsers send card details to the gateway only over HTTPS.
#
# No request is logged: the pay link token is part of the URL.
set -eu
dir=$(realpath -m "$1")
front=$2
shift 2
mkdir -p "$dir"

if [ ! -f "$dir/server.pem" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
	    -keyout "$dir/key.pem" -out "$dir/cert.pem" \
	    -subj "/CN=localhost/O=payportal demo" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    >/dev/null 2>&1
	cat "$dir/cert.pem" "$dir/key.pem" > "$dir/server.pem"
	chmod 600 "$dir/key.pem" "$dir/server.pem"
fi

{
	cat <<CFG
global
	maxconn 8000
	ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
	tune.ssl.default-dh-param 2048

defaults
	mode http
	option http-keep-alive
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	timeout http-request 10s

frontend https
	bind $front ssl crt $dir/server.pem alpn h2,http/1.1
	# The portal believes X-Forwarded-For only from this proxy, and the
	# proxy replaces whatever the client sent.
	http-request set-header X-Forwarded-For %[src]
	http-request set-header X-Forwarded-Proto https
	default_backend portal

backend portal
	balance roundrobin
	option httpchk
	http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost
CFG
	n=1
	for b in "$@"; do
		echo "	server node$n $b check inter 2s"
		n=$((n + 1))
	done
	if [ -n "${PROXY_GATEWAY_FRONT:-}" ]; then
		cat <<CFG

frontend gateway
	bind $PROXY_GATEWAY_FRONT ssl crt $dir/server.pem alpn http/1.1
	default_backend gateway

backend gateway
	server standin $PROXY_GATEWAY_BACK
CFG
	fi
} > "$dir/haproxy.cfg"

exec haproxy -f "$dir/haproxy.cfg" -db
