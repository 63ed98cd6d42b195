#!/usr/bin/env bash
# --web.config.file, exporter-toolkit's format: TLS, client certificates,
# basic auth and extra headers. Certificates are made here with openssl,
# bcrypt hashes with htpasswd; every file is also checked by `promtool check
# web-config`. With curl: no or wrong credentials get 401 with
# WWW-Authenticate, the right ones 200; plain HTTP to the TLS port gets no
# HTTP answer; a client below min_version is refused; client certificates
# are required and verified; only the cipher suites listed are offered. A
# real Prometheus scrapes through TLS, a client certificate and basic auth
# with up == 1. Broken files are refused at start (exit 2, one line naming
# the key) and are refused by promtool too; the fully static exporter
# refuses TLS, clearly.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl openssl htpasswd promtool prometheus jq

T=$WORK/tls
mkdir -p "$T"
cd "$T"
# A CA, a server certificate for localhost, a client certificate from the CA
# and a self-signed one from nobody.
ec() { printf '%s' "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"; }
# shellcheck disable=SC2046
{
	openssl req -x509 $(ec) -days 2 -subj /CN=ptcopy-test-ca -keyout ca.key -out ca.crt
	openssl req $(ec) -subj /CN=localhost -keyout server.key -out server.csr
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.crt
	openssl req $(ec) -subj /CN=prometheus -keyout client.key -out client.csr
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt
	openssl req -x509 $(ec) -days 2 -subj /CN=rogue -keyout rogue.key -out rogue.crt
} 2> "$WORK/openssl.log" || fail "openssl: $(cat "$WORK/openssl.log")"
PASSWORD=$(openssl rand -hex 12)
HASH=$(htpasswd -nbBC 10 prom "$PASSWORD" | cut -d: -f2)
OTHER_HASH=$(htpasswd -nbBC 10 reader "$(openssl rand -hex 12)" | cut -d: -f2)
cd - > /dev/null

# web_config NAME BODY: $T/NAME.yml, which promtool must accept.
web_config() {
	printf '%s\n' "$2" > "$T/$1.yml"
	promtool check web-config "$T/$1.yml" > "$WORK/promtool.out" 2>&1 ||
		fail "promtool check web-config refuses $1.yml: $(cat "$WORK/promtool.out")"
}

# serve NAME ARGS: start the exporter with $T/NAME.yml; URL is its https URL.
serve() {
	local name=$1
	shift
	start_exporter "$name" --web.config.file="$T/$name.yml" "$@"
	URL=https://localhost:${EXPORTER_URL##*:}
}

code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.crt" "$@"; }

# --- TLS, basic auth, headers ---
web_config auth "tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prom: '$HASH'
  reader: '$OTHER_HASH'
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff"
serve auth
grep -q 'msg="listening on [^ ]* (https with basic auth,' "$EXPORTER_LOG" ||
	fail "the start record does not say https with basic auth: $(cat "$EXPORTER_LOG")"
curl -sS -D "$WORK/401.hdr" -o /dev/null --cacert "$T/ca.crt" "$URL/metrics"
head -n 1 "$WORK/401.hdr" | grep -q '^HTTP/1.1 401' || fail "no credentials: $(head -n 1 "$WORK/401.hdr")"
grep -qi '^WWW-Authenticate: Basic' "$WORK/401.hdr" || fail "a 401 without WWW-Authenticate: Basic"
grep -qi '^X-Frame-Options: deny' "$WORK/401.hdr" || fail "a 401 without the configured headers"
[ "$(code -u "prom:wrong$PASSWORD" "$URL/metrics")" = 401 ] || fail "a wrong password is not a 401"
[ "$(code -u "nobody:$PASSWORD" "$URL/metrics")" = 401 ] || fail "an unknown user is not a 401"
[ "$(code -u "reader:$PASSWORD" "$URL/metrics")" = 401 ] || fail "prom's password let reader in"
[ "$(code -u "prom:" "$URL/metrics")" = 401 ] || fail "an empty password is not a 401"
[ "$(code -u "prom:wrong$PASSWORD" "$URL/nope")" = 401 ] || fail "a wrong path before auth is not a 401"
[ "$(code -H 'Authorization: Bearer x' "$URL/metrics")" = 401 ] || fail "a bearer token is not a 401"
[ "$(code -H 'Authorization: Basic !!!' "$URL/metrics")" = 401 ] || fail "bad base64 is not a 401"
curl -sS --fail -D "$WORK/200.hdr" -o "$WORK/auth.prom" --cacert "$T/ca.crt" -u "prom:$PASSWORD" "$URL/metrics" ||
	fail "the right credentials did not get the metrics"
grep -qi '^X-Content-Type-Options: nosniff' "$WORK/200.hdr" || fail "a 200 without the configured headers"
promtool check metrics < "$WORK/auth.prom" > "$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$WORK/promtool.out")"
[ "$(code -u "prom:$PASSWORD" "$URL/nope")" = 404 ] || fail "an authenticated wrong path is not a 404"
# Plain HTTP on the TLS port: no HTTP answer at all.
rc=0
out=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:${EXPORTER_URL##*:}/metrics") || rc=$?
[ "$rc" -ne 0 ] && [ "$out" = 000 ] || fail "plain HTTP to the TLS port got '$out' (curl exit $rc)"
# TLS 1.2 works (the default min_version), the exporter still serves.
[ "$(code --tls-max 1.2 -u "prom:$PASSWORD" "$URL/metrics")" = 200 ] || fail "TLS 1.2 is refused"
stop_exporter TERM

# --- min_version TLS13 ---
web_config tls13 "tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13"
serve tls13
[ "$(code --tlsv1.3 "$URL/metrics")" = 200 ] || fail "TLS 1.3 is refused under min_version TLS13"
rc=0
curl -sS -o /dev/null --cacert "$T/ca.crt" --tls-max 1.2 "$URL/metrics" 2> "$WORK/tls12.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a TLS 1.2 client was served under min_version TLS13"
stop_exporter TERM

# --- cipher suites: exactly those listed (TLS 1.2) ---
web_config suites "tls_server_config:
  cert_file: server.crt
  key_file: server.key
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]"
serve suites
for s in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384; do
	[ "$(code --ciphers "$s" "$URL/metrics")" = 200 ] || fail "suite $s is refused though listed"
done
for s in ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-SHA; do
	[ "$(code --ciphers "$s" "$URL/metrics")" = 000 ] || fail "suite $s is offered though not listed"
done
stop_exporter TERM

# --- client certificates, and Prometheus with all of it ---
web_config mtls "tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
basic_auth_users:
  prom: '$HASH'"
serve mtls
[ "$(code -u "prom:$PASSWORD" "$URL/metrics")" = 000 ] || fail "served without a client certificate"
[ "$(code -u "prom:$PASSWORD" --cert "$T/rogue.crt" --key "$T/rogue.key" "$URL/metrics")" = 000 ] ||
	fail "served with a client certificate from another CA"
[ "$(code --cert "$T/client.crt" --key "$T/client.key" "$URL/metrics")" = 401 ] ||
	fail "a client certificate without credentials is not a 401"
[ "$(code -u "prom:$PASSWORD" --cert "$T/client.crt" --key "$T/client.key" "$URL/metrics")" = 200 ] ||
	fail "the CA's client certificate with credentials is not served"

port=$(free_port)
PROM_URL=http://127.0.0.1:$port
mkdir -p "$WORK/tsdb"
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ptcopy
    scheme: https
    tls_config:
      ca_file: $T/ca.crt
      cert_file: $T/client.crt
      key_file: $T/client.key
      server_name: localhost
    basic_auth:
      username: prom
      password: '$PASSWORD'
    static_configs:
      - targets: ['localhost:${EXPORTER_URL##*:}']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$port" --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
up=
for _ in $(seq 1 150); do
	up=$(curl -sS -G --data-urlencode 'query=up{job="ptcopy"}' "$PROM_URL/api/v1/query" 2>/dev/null |
		jq -r '.data.result[0].value[1] // ""' 2>/dev/null || true)
	[ "$up" = 1 ] && break
	kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited: $(tail -n 5 "$WORK/prometheus.log")"
	sleep 0.2
done
[ "$up" = 1 ] || fail "Prometheus: up = '$up' through TLS + client cert + basic auth: $(curl -sS "$PROM_URL/api/v1/targets" | jq -c '.data.activeTargets[0].lastError')"
n=$(curl -sS -G --data-urlencode 'query=ptcopy_tier_info' "$PROM_URL/api/v1/query" | jq '.data.result | length')
[ "$n" -ge 1 ] || fail "Prometheus has up = 1 but no ptcopy_tier_info"
kill -TERM "$PROM_PID"
wait "$PROM_PID" || true
PROM_PID=
echo "Prometheus scraped through TLS, client certificate and basic auth: up = 1"
stop_exporter TERM

# --- refused files: exit 2, one line naming the key; promtool refuses them too ---
# refuse NAME KEY-AND-PROBLEM BODY [ours]: "ours" for what only this exporter
# refuses (GnuTLS limits, or a mistake Go finds only at the first handshake).
refuse() {
	local name=$1 want=$2 rc=0
	printf '%s\n' "$3" > "$T/$name.yml"
	if [ "${4:-}" != ours ] && promtool check web-config "$T/$name.yml" > /dev/null 2>&1; then
		fail "promtool accepts $name.yml, which the exporter refuses"
	fi
	"$EXPORTER" --web.listen-address=127.0.0.1:0 --web.config.file="$T/$name.yml" \
		> "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$name.yml: exit $rc, want 2: $(cat "$WORK/$name.err")"
	[ "$(wc -l < "$WORK/$name.err")" -eq 1 ] || fail "$name.yml: want one line: $(cat "$WORK/$name.err")"
	grep -qF "level=error msg=\"web config $T/$name.yml: $want" "$WORK/$name.err" ||
		fail "$name.yml: want '$want', got: $(cat "$WORK/$name.err")"
}
C="tls_server_config:
  cert_file: server.crt
  key_file: server.key"
refuse nokey "tls_server_config: missing key_file" "tls_server_config:
  cert_file: server.crt"
refuse nocert "tls_server_config: missing cert_file" "tls_server_config:
  key_file: server.key"
refuse version "line 4: tls_server_config.min_version: unknown TLS version 'TLS14'" "$C
  min_version: TLS14"
refuse authtype "line 4: tls_server_config.client_auth_type: unknown value 'Maybe'" "$C
  client_auth_type: Maybe"
refuse capolicy "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert" "$C
  client_ca_file: ca.crt"
refuse suite "line 4: tls_server_config.cipher_suites: unknown cipher suite 'TLS_FOO'" "$C
  cipher_suites: [TLS_FOO]"
refuse curve "line 4: tls_server_config.curve_preferences: unknown curve 'CurveP999'" "$C
  curve_preferences: [CurveP999]"
refuse missing "tls_server_config.cert_file: cannot open $T/nonexistent.crt: No such file or directory" \
	"tls_server_config:
  cert_file: nonexistent.crt
  key_file: server.key"
refuse mismatch "tls_server_config.cert_file/key_file: $T/server.crt and $T/client.key:" "tls_server_config:
  cert_file: server.crt
  key_file: client.key"
refuse unknown "line 4: tls_server_config: unknown key 'bogus'" "$C
  bogus: 1"
refuse top "line 1: web config: unknown key 'foo'" "foo: bar"
refuse hash "line 2: basic_auth_users: the password of user 'prom' is not a bcrypt hash" "basic_auth_users:
  prom: $PASSWORD"
refuse twice "line 3: basic_auth_users: key 'prom' given twice" "basic_auth_users:
  prom: '$HASH'
  prom: '$HASH'"
refuse header "line 3: http_server_config.headers: HTTP header 'Server' cannot be configured" "http_server_config:
  headers:
    Server: ptcopy"
refuse frame "line 3: http_server_config.headers: invalid value 'allow' for X-Frame-Options" "http_server_config:
  headers:
    X-Frame-Options: allow"
refuse yaml "line 2: invalid YAML:" "tls_server_config: {"
refuse versions "tls_server_config: max_version TLS12 is below min_version TLS13" "$C
  min_version: TLS13
  max_version: TLS12" ours
refuse noca "tls_server_config: client_auth_type RequireAndVerifyClientCert needs client_ca_file here" "$C
  client_auth_type: RequireAndVerifyClientCert" ours
refuse gnutls "tls_server_config.cipher_suites: GnuTLS cannot offer these suites without also offering" "$C
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]" ours
no_progs_left "after refused web configs"
echo "19 broken web configs refused at start, each in one line naming the key"

# --- the fully static exporter (VM initramfs) has no TLS and says so ---
# made by the plain build only (host-san runs this test with BUILD=build/san)
STATIC=${PLAIN_BUILD:-$BUILD}/static/ptcopy_exporter
[ -x "$STATIC" ] || fail "$STATIC is missing: make static"
refuse_static() {
	local rc=0
	"$STATIC" --web.listen-address=127.0.0.1:0 --web.config.file="$T/$1.yml" 2> "$WORK/static.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "the static exporter with $1.yml: exit $rc, want 2: $(cat "$WORK/static.err")"
	grep -qF "tls_server_config: this build of ptcopy_exporter (fully static, for the VM initramfs) has no TLS" \
		"$WORK/static.err" || fail "the static exporter's refusal: $(cat "$WORK/static.err")"
}
refuse_static auth
refuse_static mtls
echo "ok: TLS, client certificates, basic auth, headers, refusals"
