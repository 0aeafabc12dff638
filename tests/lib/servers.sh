# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043
#
# tests/lib/servers.sh - shell library for the redflagd integration tests.
#
# Source it from a POSIX sh (dash) or bash test script:
#
#     . "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/servers.sh"
#     trap rf_cleanup EXIT
#     rf_tmpdir                      # sets RF_TMP
#     rf_dovecot_start "$RF_TMP"     # certs, Dovecot, RF_IMAPS_PORT/RF_IMAP_PORT
#     rf_smtp_start "$RF_TMP"        # RF_SMTP_PORT/RF_SMTPS_PORT
#     rf_write_config "$RF_TMP"      # RF_CONF
#     rf_plan 3; rf_ok $? "..."; rf_is "$got" "$want" "..."; rf_done
#
# Everything a test starts lives in ONE short state directory (RF_TMP):
#     ca.pem server.pem server.key rogue.pem rogue.key   (rf_make_certs)
#     dovecot.conf   Dovecot configuration (RF_DOVECOT_CONF)
#     dc/            Dovecot base_dir, state_dir, passwd
#     dovecot.log    Dovecot log (auth_verbose: grep "Login:" here)
#     startup.log    Dovecot's stderr
#     home/tester/Maildir   the test user's mail
#     smtp/          SMTP sink: mail/NNNN.eml + NNNN.json, attempts.log, sink.log
#     redflagd.conf work.pass smtp.pass redflagd.db   (rf_write_config)
#
# Functions (each documented at its definition below):
#   TAP:      rf_plan rf_ok rf_is rf_like rf_skip rf_skip_all rf_diag
#             rf_diag_file rf_done rf_bail
#   state:    rf_tmpdir rf_cleanup rf_free_port rf_port_listening rf_wait_listen
#   TLS:      rf_make_certs
#   Dovecot:  rf_dovecot_start rf_dovecot_stop rf_dovecot_conf rf_doveadm
#             rf_maildir_add rf_maildir_create rf_dovecot_index rf_dovecot_save
#             rf_dovecot_flags rf_dovecot_uidvalidity rf_dovecot_status
#             rf_dovecot_logins
#   SMTP:     rf_smtp_start rf_smtp_stop rf_smtp_count rf_smtp_attempts
#             rf_smtp_messages rf_smtp_fail rf_mail_show rf_alerts
#   redflagd: rf_write_config rf_redflagd rf_redflag rf_json rf_sql
#   Helpers in tests/lib: smtp-sink.py maildir-add.py mailview.py alerts.py
#             gen-scenario.py
#
# The functions never use bash-only syntax, but use `local` (dash and bash
# both have it). Public names start with rf_; internal ones with _rf_.
# Set RF_KEEP=1 to keep the state directories after the test (debugging).

# ------------------------------------------------------------------------
# Locations
# ------------------------------------------------------------------------

# abs_top_srcdir/abs_top_builddir are exported by `make check`. Outside make,
# guess them from the calling script (tests/X.sh or demo/X.sh -> ..).
if [ -z "${abs_top_srcdir:-}" ]; then
        abs_top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
fi
if [ -z "${abs_top_builddir:-}" ]; then
        abs_top_builddir=$abs_top_srcdir
fi
export abs_top_srcdir abs_top_builddir
RF_SRCDIR=$abs_top_srcdir
RF_LIBDIR=$abs_top_srcdir/tests/lib
# The programs under test.
RF_REDFLAGD=${RF_REDFLAGD:-$abs_top_builddir/redflagd}
RF_REDFLAG=${RF_REDFLAG:-$abs_top_builddir/redflag}
# Debian's python3 (has python3-aiosmtpd), never pyenv's (TESTING.md SMTP 4).
RF_PYTHON=${RF_PYTHON:-/usr/bin/python3}
[ -x "$RF_PYTHON" ] || RF_PYTHON=python3
: "${REDFLAGD_LEXICON_DIR:=$abs_top_srcdir/lexicon}"
export REDFLAGD_LEXICON_DIR RF_SRCDIR RF_LIBDIR RF_REDFLAGD RF_REDFLAG RF_PYTHON

# Test user of every Dovecot and SMTP sink started here.
RF_IMAP_USER=tester
RF_IMAP_PASS="secret-pass"
RF_SMTP_USER=alerts
RF_SMTP_PASS="smtp-pass"

# Registries for rf_cleanup (space separated; our paths have no blanks).
_RF_TMPDIRS=${_RF_TMPDIRS:-}
_RF_DOVECOTS=${_RF_DOVECOTS:-}
_RF_SMTPS=${_RF_SMTPS:-}
_RF_CLEANED=

# ------------------------------------------------------------------------
# TAP
# ------------------------------------------------------------------------
_RF_T_N=0
_RF_T_FAILED=0
_RF_T_PLAN=

# rf_plan N: prints the TAP plan "1..N". Call once, before the first test.
rf_plan() {
        _RF_T_PLAN=$1
        echo "1..$1"
}

# rf_skip_all REASON: prints "1..0 # SKIP REASON" and exits 0 (whole script).
# Under CI=true nothing may be skipped for a missing tool: it prints one
# failing test instead and exits 1.
rf_skip_all() {
        if [ "${CI:-}" = true ]; then
                echo "1..1"
                echo "not ok 1 - prerequisite missing: $* (CI=true: no skipping)"
                _RF_T_PLAN=1
                exit 1
        fi
        echo "1..0 # SKIP $*"
        _RF_T_PLAN=0
        exit 0
}

# rf_diag TEXT...: prints TEXT as TAP diagnostics ("# " before every line).
rf_diag() {
        printf '%s\n' "$*" | sed 's/^/# /'
}

# rf_diag_file FILE [LINES]: the last LINES (default 20) lines of FILE as
# diagnostics, with a header; nothing if FILE does not exist.
rf_diag_file() {
        [ -f "$1" ] || return 0
        echo "# --- tail of $1"
        tail -n "${2:-20}" "$1" | sed 's/^/#   /'
}

# rf_ok STATUS NAME: one test; passes when STATUS (an exit status) is 0.
#     some_command; rf_ok $? "some command works"
# Returns STATUS, so `rf_ok $? name || rf_diag_file log` works.
rf_ok() {
        _RF_T_N=$((_RF_T_N + 1))
        if [ "$1" -eq 0 ] 2>/dev/null; then
                echo "ok $_RF_T_N - $2"
                return 0
        fi
        _RF_T_FAILED=$((_RF_T_FAILED + 1))
        echo "not ok $_RF_T_N - $2"
        echo "#   exit status: $1"
        return 1
}

# rf_is GOT EXPECTED NAME: one test; passes when the strings are equal,
# otherwise prints "# got: ... / # expected: ...". Returns 0 or 1.
rf_is() {
        _RF_T_N=$((_RF_T_N + 1))
        if [ "$1" = "$2" ]; then
                echo "ok $_RF_T_N - $3"
                return 0
        fi
        _RF_T_FAILED=$((_RF_T_FAILED + 1))
        echo "not ok $_RF_T_N - $3"
        printf '%s\n' "got: '$1'" | sed 's/^/#   /'
        printf '%s\n' "expected: '$2'" | sed 's/^/#   /'
        return 1
}

# rf_like GOT ERE NAME: one test; passes when GOT matches the extended
# regular expression ERE (grep -E, any line). Returns 0 or 1.
rf_like() {
        _RF_T_N=$((_RF_T_N + 1))
        if printf '%s\n' "$1" | grep -Eq -- "$2"; then
                echo "ok $_RF_T_N - $3"
                return 0
        fi
        _RF_T_FAILED=$((_RF_T_FAILED + 1))
        echo "not ok $_RF_T_N - $3"
        printf '%s\n' "got: '$1'" | head -n 20 | sed 's/^/#   /'
        printf '%s\n' "expected to match: $2" | sed 's/^/#   /'
        return 1
}

# rf_skip NAME REASON: one skipped test ("ok N - NAME # SKIP REASON").
rf_skip() {
        _RF_T_N=$((_RF_T_N + 1))
        echo "ok $_RF_T_N - $1 # SKIP $2"
}

# rf_done: ends the script's tests. When the plan was not printed yet, it
# prints "1..N" now (plan at the end is valid TAP). Returns non-zero when a
# test failed or the count differs from the plan; use `rf_done; exit $?`
# or as the last command of the script.
rf_done() {
        if [ -z "$_RF_T_PLAN" ]; then
                _RF_T_PLAN=$_RF_T_N
                echo "1..$_RF_T_N"
        fi
        if [ "$_RF_T_N" -ne "$_RF_T_PLAN" ]; then
                echo "# planned $_RF_T_PLAN tests but ran $_RF_T_N"
                return 1
        fi
        if [ "$_RF_T_FAILED" -gt 0 ]; then
                echo "# failed $_RF_T_FAILED of $_RF_T_N tests"
                return 1
        fi
        return 0
}

# rf_bail REASON: "Bail out! REASON" and exit 1 (the harness marks the
# whole script as an error). rf_cleanup still runs through the EXIT trap.
rf_bail() {
        echo "Bail out! $*"
        exit 1
}

# ------------------------------------------------------------------------
# State directory, cleanup
# ------------------------------------------------------------------------

# rf_tmpdir [VAR]: creates a private, short state directory
# (/tmp/rf.XXXXXX, or under $TMPDIR when that path is short), chmod 755 (and
# o+x on every parent we own) so that Dovecot's unprivileged processes can
# traverse it; stores its path in VAR (default RF_TMP, exported) and
# registers it for rf_cleanup. Call it directly, NOT in $(...): the
# registration must happen in the test's own shell. Also turns HUP/INT/TERM
# into a normal exit so that the EXIT trap (rf_cleanup) runs.
rf_tmpdir() {
        local var base d p
        var=${1:-RF_TMP}
        base=${TMPDIR:-/tmp}
        # Unix sockets: base_dir + socket name must fit in 107 bytes.
        if [ "${#base}" -gt 24 ] || [ ! -d "$base" ] || [ ! -w "$base" ]; then
                base=/tmp
        fi
        d=$(mktemp -d "$base/rf.XXXXXX") || { echo "rf_tmpdir: mktemp failed" >&2; return 1; }
        chmod 755 "$d"
        p=$(dirname "$d")
        while [ "$p" != / ] && [ -n "$p" ]; do
                if [ -O "$p" ] && [ -z "$(find "$p" -maxdepth 0 -perm -o+x)" ]; then
                        chmod o+x "$p" 2>/dev/null || true
                fi
                p=$(dirname "$p")
        done
        eval "$var=\$d"
        # shellcheck disable=SC2163
        export "$var"
        _RF_TMPDIRS="$_RF_TMPDIRS $d"
        _rf_watchdog "$d"
        trap 'exit 129' HUP
        trap 'exit 130' INT
        trap 'exit 143' TERM
        return 0
}

# _rf_watchdog DIR: a background guard for a test killed without running
# its EXIT trap (SIGKILL, a CI timeout): once the test's shell ($$) is gone
# while DIR still exists, it stops the servers of DIR and removes DIR (unless
# RF_KEEP=1). It exits by itself when rf_cleanup has removed DIR. Its output
# goes to /dev/null so that it never holds the test's stdout (the TAP pipe).
_rf_watchdog() {
        (
                trap '' HUP INT
                parent=$$
                while kill -0 "$parent" 2>/dev/null && [ -d "$1" ]; do
                        sleep 1
                done
                if [ -d "$1" ]; then
                        rf_smtp_stop "$1"
                        rf_dovecot_stop "$1"
                        [ "${RF_KEEP:-0}" = 1 ] || rm -rf "$1"
                fi
        ) </dev/null >/dev/null 2>&1 &
}

# rf_cleanup: stops every Dovecot and SMTP sink started by this shell and
# removes every rf_tmpdir directory (kept when RF_KEEP=1). Keeps the exit
# status of the script. Safe to call more than once. Use: trap rf_cleanup EXIT
rf_cleanup() {
        local rc d
        rc=$?
        [ -n "$_RF_CLEANED" ] && return $rc
        _RF_CLEANED=1
        for d in $_RF_SMTPS; do
                rf_smtp_stop "$d" || true
        done
        for d in $_RF_DOVECOTS; do
                rf_dovecot_stop "$d" || true
        done
        for d in $_RF_TMPDIRS; do
                if [ "${RF_KEEP:-0}" = 1 ]; then
                        echo "# kept state directory $d"
                else
                        rm -rf "$d"
                fi
        done
        return $rc
}

# rf_free_port: prints a TCP port that is free on 127.0.0.1 right now
# (the kernel's choice for port 0, then released).
rf_free_port() {
        "$RF_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# rf_port_listening PORT: true when a TCP socket LISTENs on PORT
# (127.0.0.1, 0.0.0.0 or ::), read from /proc/net/tcp{,6}: no connection,
# so no "disconnected before auth was ready" noise in the server logs.
rf_port_listening() {
        local hex
        hex=$(printf '%04X' "$1")
        cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
                awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# rf_wait_listen PORT [SECONDS]: waits (default 10 s) until PORT listens.
rf_wait_listen() {
        local i max
        max=$(( ${2:-10} * 10 ))
        i=0
        while [ "$i" -lt "$max" ]; do
                rf_port_listening "$1" && return 0
                sleep 0.1
                i=$((i + 1))
        done
        return 1
}

# _rf_wait_gone PID [SECONDS]: waits until process PID has exited; 1 if not.
_rf_wait_gone() {
        local i max
        max=$(( ${2:-10} * 10 ))
        i=0
        while kill -0 "$1" 2>/dev/null; do
                # A zombie (exited, not yet reaped by its parent) is gone.
                case $(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) in
                Z | X) return 0 ;;
                esac
                [ "$i" -ge "$max" ] && return 1
                sleep 0.1
                i=$((i + 1))
        done
        return 0
}

# _rf_wait_file FILE [SECONDS]: waits (default 10 s) until FILE is non-empty.
_rf_wait_file() {
        local i max
        max=$(( ${2:-10} * 10 ))
        i=0
        while [ ! -s "$1" ]; do
                [ "$i" -ge "$max" ] && return 1
                sleep 0.1
                i=$((i + 1))
        done
        return 0
}

# ------------------------------------------------------------------------
# Certificates
# ------------------------------------------------------------------------

# rf_make_certs DIR: a test CA and certificates, with openssl (EC P-256):
#   DIR/ca.pem, ca.key                CA "redflagd test CA"
#   DIR/server.pem (leaf then CA), server.key, server-leaf.pem
#                                     CN=localhost, SAN DNS:localhost,
#                                     IP:127.0.0.1, IP:::1, signed by the CA
#   DIR/rogue.pem, rogue.key          self-signed, same names, NOT signed by
#                                     the CA (the "must be refused" case)
# Valid from 2020-01-01 to 2049-12-31 (fixed-date tests never fall outside).
# Does nothing when DIR/ca.pem already exists.
rf_make_certs() {
        local d c
        d=$1
        [ -f "$d/ca.pem" ] && [ -f "$d/rogue.pem" ] && return 0
        c=$d/ca-db
        mkdir -p "$d" "$c" || return 1
        : > "$c/index.txt"
        echo 1000 > "$c/serial"
        cat > "$c/ca.cnf" <<EOF
[ca]
default_ca = testca
[testca]
dir = $c
database = $c/index.txt
serial = $c/serial
new_certs_dir = $c
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_rogue]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
EOF
        (
                set -e
                cd "$d"
                for k in ca server rogue; do
                        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                                -out "$k.key" 2>/dev/null
                done
                chmod 644 ca.key server.key rogue.key
                openssl req -new -config "$c/ca.cnf" -key ca.key \
                        -subj "/O=redflagd tests/CN=redflagd test CA" -out "$c/ca.csr"
                openssl ca -batch -notext -config "$c/ca.cnf" -selfsign -keyfile ca.key \
                        -in "$c/ca.csr" -out ca.pem -extensions v3_ca \
                        -startdate 20200101000000Z -enddate 20491231235959Z 2>/dev/null
                openssl req -new -config "$c/ca.cnf" -key server.key \
                        -subj "/O=redflagd tests/CN=localhost" -out "$c/server.csr"
                openssl ca -batch -notext -config "$c/ca.cnf" -cert ca.pem -keyfile ca.key \
                        -in "$c/server.csr" -out server-leaf.pem -extensions v3_leaf \
                        -startdate 20200101000000Z -enddate 20491231235959Z 2>/dev/null
                cat server-leaf.pem ca.pem > server.pem
                openssl req -new -config "$c/ca.cnf" -key rogue.key \
                        -subj "/O=rogue/CN=localhost" -out "$c/rogue.csr"
                openssl ca -batch -notext -config "$c/ca.cnf" -selfsign -keyfile rogue.key \
                        -in "$c/rogue.csr" -out rogue.pem -extensions v3_rogue \
                        -startdate 20200101000000Z -enddate 20491231235959Z 2>/dev/null
                openssl verify -CAfile ca.pem server-leaf.pem >/dev/null
        ) || { echo "rf_make_certs: openssl failed in $d" >&2; return 1; }
        return 0
}

# ------------------------------------------------------------------------
# Dovecot
# ------------------------------------------------------------------------

# _rf_maildir_root DIR: the test user's Maildir.
_rf_maildir_root() {
        echo "$1/home/$RF_IMAP_USER/Maildir"
}

# _rf_mailbox_name FOLDER: IMAP mailbox name with Dovecot's default
# Maildir++ separator "." ("INBOX", "Clients/acme" or ".Clients.acme" ->
# "Clients.acme").
_rf_mailbox_name() {
        case $1 in
        INBOX | inbox) echo INBOX ;;
        .*) echo "${1#.}" ;;
        *) printf '%s\n' "$1" | tr / . ;;
        esac
}

# _rf_mail_owner: "UID:GID" that owns the mail (nobody as root, else us).
_rf_mail_owner() {
        if [ "$(id -u)" -eq 0 ]; then
                echo 65534:65534
        else
                echo "$(id -u):$(id -g)"
        fi
}

# rf_dovecot_conf DIR: prints the path of the instance's dovecot.conf.
rf_dovecot_conf() {
        echo "$1/dovecot.conf"
}

# rf_doveadm DIR ARGS...: doveadm for the instance of DIR (never the system
# one: always -c). Needs the server running for -u USER commands.
rf_doveadm() {
        local d
        d=$1
        shift
        doveadm -c "$d/dovecot.conf" "$@"
}

# rf_dovecot_start DIR [rogue]: starts a private Dovecot 2.3 on 127.0.0.1.
#   - imaps listener (implicit TLS) with DIR/server.pem (CA-signed), or with
#     DIR/rogue.pem when the second argument is "rogue";
#   - plaintext imap listener (STARTTLS offered, plaintext LOGIN allowed);
#   - user tester / secret-pass (passwd-file), Maildir in
#     DIR/home/tester/Maildir, owned by nobody when run as root, by the
#     current user otherwise;
#   - base_dir DIR/dc, log DIR/dovecot.log (auth_verbose: "Login:" lines),
#     stderr DIR/startup.log, instance_name rf-<dir name>.
# Makes the certificates if missing. Exports RF_IMAPS_PORT, RF_IMAP_PORT,
# RF_DOVECOT_CONF, RF_DOVECOT_LOG (also written to DIR/dovecot.env). Restarting
# the same DIR reuses its ports. Waits until both ports LISTEN (no probe
# connection). Returns non-zero, with the logs on stderr, on failure.
rf_dovecot_start() {
        local d mode dc home conf internal internal_group login owner
        local mailuid mailgid imap imaps try cert key extra
        d=$1
        mode=${2:-}
        dc=$d/dc
        conf=$d/dovecot.conf
        home=$d/home/$RF_IMAP_USER
        rf_make_certs "$d" || return 1
        mkdir -p "$dc/state" "$home/Maildir/cur" "$home/Maildir/new" "$home/Maildir/tmp" || return 1
        chmod 755 "$d" "$dc" "$d/home" "$home"
        owner=$(_rf_mail_owner)
        mailuid=${owner%:*}
        mailgid=${owner#*:}
        if [ "$(id -u)" -eq 0 ]; then
                internal=dovecot
                internal_group=dovecot
                login=dovenull
                chown -R "$owner" "$home"
                extra=
        else
                internal=$(id -un)
                internal_group=$(id -gn)
                login=$internal
                extra="service imap-login {
  chroot =
}
service anvil {
  chroot =
}
service auth {
  user = $internal
}
service auth-worker {
  user = $internal
}
service imap {
  user = $internal
}"
        fi
        if [ "$mode" = rogue ]; then
                cert=$d/rogue.pem
                key=$d/rogue.key
        else
                cert=$d/server.pem
                key=$d/server.key
        fi
        printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$RF_IMAP_USER" "$RF_IMAP_PASS" \
                "$mailuid" "$mailgid" "$home" > "$dc/passwd"
        chmod 644 "$dc/passwd"

        imap='' imaps=''
        if [ -f "$d/dovecot.env" ]; then
                # shellcheck disable=SC1091
                imap=$(sed -n 's/^RF_IMAP_PORT=//p' "$d/dovecot.env")
                imaps=$(sed -n 's/^RF_IMAPS_PORT=//p' "$d/dovecot.env")
        fi
        try=0
        while :; do
                try=$((try + 1))
                if [ -z "$imap" ] || [ -z "$imaps" ] || [ "$try" -gt 1 ]; then
                        imap=$(rf_free_port)
                        imaps=$(rf_free_port)
                        while [ "$imaps" = "$imap" ]; do imaps=$(rf_free_port); done
                fi
                cat > "$conf" <<EOF
# Private test Dovecot of the redflagd test suite (tests/lib/servers.sh).
instance_name = rf-$(basename "$d")
base_dir = $dc
state_dir = $dc/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
debug_log_path = $d/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes

ssl = yes
ssl_cert = <$cert
ssl_key = <$key
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_cache_size = 0
auth_verbose = yes
login_trusted_networks = 127.0.0.0/8
mail_max_userip_connections = 200

default_internal_user = $internal
default_internal_group = $internal_group
default_login_user = $login
first_valid_uid = $mailuid
last_valid_uid = $mailuid

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = .
}
mailbox_idle_check_interval = 1 secs

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dc/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $dc/passwd
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
}
protocol imap {
  mail_max_userip_connections = 200
}
$extra
EOF
                rm -f "$dc/master.pid"
                if ! dovecot -c "$conf" </dev/null >/dev/null 2>>"$d/startup.log"; then
                        echo "rf_dovecot_start: dovecot -c $conf failed" >&2
                        tail -n 20 "$d/startup.log" >&2
                        return 1
                fi
                _RF_DOVECOTS="$_RF_DOVECOTS $d"
                # The listeners are bound before the master forks into the
                # background; master.pid appears a little later.
                if rf_wait_listen "$imap" 10 && rf_wait_listen "$imaps" 5 &&
                        _rf_wait_file "$dc/master.pid" 10; then
                        break
                fi
                rf_dovecot_stop "$d"
                if [ "$try" -ge 3 ] || ! grep -q 'Address already in use' "$d/dovecot.log" "$d/startup.log" 2>/dev/null; then
                        echo "rf_dovecot_start: Dovecot did not come up" >&2
                        tail -n 20 "$d/startup.log" "$d/dovecot.log" >&2 2>/dev/null
                        return 1
                fi
        done
        RF_IMAP_PORT=$imap
        RF_IMAPS_PORT=$imaps
        RF_DOVECOT_CONF=$conf
        RF_DOVECOT_LOG=$d/dovecot.log
        export RF_IMAP_PORT RF_IMAPS_PORT RF_DOVECOT_CONF RF_DOVECOT_LOG
        printf 'RF_IMAP_PORT=%s\nRF_IMAPS_PORT=%s\nRF_DOVECOT_CONF=%s\nRF_DOVECOT_LOG=%s\n' \
                "$imap" "$imaps" "$conf" "$d/dovecot.log" > "$d/dovecot.env"
        return 0
}

# rf_dovecot_stop DIR: stops the Dovecot of DIR (SIGTERM to the master from
# base_dir/master.pid, SIGKILL after 10 s), waits until it has exited and its
# ports are closed. Fine when it is not running.
rf_dovecot_stop() {
        local d pid
        d=$1
        [ -f "$d/dc/master.pid" ] || return 0
        pid=$(cat "$d/dc/master.pid" 2>/dev/null)
        [ -n "$pid" ] || return 0
        if kill -0 "$pid" 2>/dev/null; then
                kill -TERM "$pid" 2>/dev/null
                if ! _rf_wait_gone "$pid" 10; then
                        kill -KILL "$pid" 2>/dev/null
                        _rf_wait_gone "$pid" 5
                fi
        fi
        rm -f "$d/dc/master.pid"
        if [ -f "$d/dovecot.env" ]; then
                local p
                # shellcheck disable=SC2013
                for p in $(sed -n 's/^RF_IMAPS\{0,1\}_PORT=//p' "$d/dovecot.env"); do
                        local i=0
                        while rf_port_listening "$p" && [ "$i" -lt 50 ]; do
                                sleep 0.1
                                i=$((i + 1))
                        done
                done
        fi
        return 0
}

# rf_maildir_add DIR FOLDER FILE...: puts raw messages into the test user's
# Maildir, before or after rf_dovecot_start. FOLDER is INBOX, "Clients/acme"
# or Maildir++ ".Clients.acme" (created, and subscribed, when missing).
# Files go to cur/ as "<Date epoch>.M<n>P<pid>.<host>,S=<size>,W=<vsize>:2,"
# with mtime = Date: (fallback: Received:, then now), sorted by date so UIDs
# ascend with INTERNALDATE (TESTING.md pitfall 13). A running Dovecot sees
# them at the next SELECT/STATUS; run rf_dovecot_index for a quick first login.
rf_maildir_add() {
        local d folder root name dir owner
        d=$1
        folder=$2
        shift 2
        root=$(_rf_maildir_root "$d")
        name=$(_rf_mailbox_name "$folder")
        if [ "$name" = INBOX ]; then
                dir=$root
        else
                dir=$root/.$name
        fi
        mkdir -p "$root" || return 1
        owner=
        [ "$(id -u)" -eq 0 ] && owner="--owner $(_rf_mail_owner)"
        # shellcheck disable=SC2086
        "$RF_PYTHON" "$RF_LIBDIR/maildir-add.py" $owner "$dir" "$@" >> "$d/maildir-add.log" ||
                { echo "rf_maildir_add: failed for $folder" >&2; return 1; }
        if [ "$name" != INBOX ]; then
                touch "$root/subscriptions"
                grep -qxF "$name" "$root/subscriptions" || printf '%s\n' "$name" >> "$root/subscriptions"
        fi
        [ -n "$owner" ] && chown -R "$(_rf_mail_owner)" "$d/home/$RF_IMAP_USER"
        return 0
}

# rf_maildir_create DIR FOLDER: creates an empty (subscribed) folder.
rf_maildir_create() {
        rf_maildir_add "$1" "$2"
}

# rf_dovecot_index DIR: force-resync and index every mailbox of the test
# user (server must be running), so the first IMAP login is fast.
rf_dovecot_index() {
        rf_doveadm "$1" force-resync -u "$RF_IMAP_USER" '*' &&
                rf_doveadm "$1" index -u "$RF_IMAP_USER" '*'
}

# rf_dovecot_save DIR FOLDER FILE: delivers FILE into FOLDER through
# doveadm save (INTERNALDATE = now), the way mail arrives while a client
# IDLEs (server must be running).
rf_dovecot_save() {
        rf_doveadm "$1" save -u "$RF_IMAP_USER" -m "$(_rf_mailbox_name "$2")" < "$3"
}

# rf_dovecot_flags DIR FOLDER: prints "UID FLAGS..." for every message of
# FOLDER, one line each, sorted by UID, without the session-dependent
# \Recent flag: compare the output before and after a client ran to prove
# it changed nothing.
rf_dovecot_flags() {
        rf_doveadm "$1" fetch -u "$RF_IMAP_USER" 'uid flags' mailbox "$(_rf_mailbox_name "$2")" ALL |
                awk '/^uid: / { uid = $2 }
                     /^flags:/ { f = ""; for (i = 2; i <= NF; i++) if ($i != "\\Recent") f = f " " $i; print uid f }' |
                sort -n
}

# rf_dovecot_uidvalidity DIR FOLDER N: sets FOLDER's UIDVALIDITY to N
# (doveadm mailbox update --uid-validity; do it while the client is away).
rf_dovecot_uidvalidity() {
        rf_doveadm "$1" mailbox update --uid-validity "$3" -u "$RF_IMAP_USER" "$(_rf_mailbox_name "$2")"
}

# rf_dovecot_status DIR FOLDER: prints "messages=N uidvalidity=V uidnext=U".
rf_dovecot_status() {
        rf_doveadm "$1" -f flow mailbox status -u "$RF_IMAP_USER" 'messages uidvalidity uidnext' \
                "$(_rf_mailbox_name "$2")"
}

# rf_dovecot_logins DIR: number of successful IMAP logins so far (the
# "imap-login: Login:" lines of DIR/dovecot.log).
rf_dovecot_logins() {
        grep -c 'imap-login: .*Login: ' "$1/dovecot.log" 2>/dev/null || true
}

# ------------------------------------------------------------------------
# SMTP sink
# ------------------------------------------------------------------------

# rf_smtp_start DIR: starts tests/lib/smtp-sink.py (python3-aiosmtpd) on
# 127.0.0.1 with two listeners: STARTTLS required (RF_SMTP_PORT) and
# implicit TLS (RF_SMTPS_PORT), both with DIR/server.pem and AUTH PLAIN/LOGIN
# required (alerts / smtp-pass). Accepted mail: DIR/smtp/mail/NNNN.eml +
# NNNN.json. `touch DIR/smtp/fail-451` (or fail-554) makes it refuse at the
# end of DATA (rf_smtp_fail). Restarting the same DIR reuses its ports.
# Exports RF_SMTP_PORT, RF_SMTPS_PORT, RF_SMTP_DIR.
rf_smtp_start() {
        local d s i port sport
        d=$1
        s=$d/smtp
        rf_make_certs "$d" || return 1
        mkdir -p "$s/mail" || return 1
        port=0 sport=0
        if [ -f "$s/ports" ]; then
                port=$(awk '$1 == "starttls" { print $2 }' "$s/ports")
                sport=$(awk '$1 == "smtps" { print $2 }' "$s/ports")
        fi
        rm -f "$s/pid"
        "$RF_PYTHON" "$RF_LIBDIR/smtp-sink.py" --dir "$s" --cert "$d/server.pem" \
                --key "$d/server.key" --user "$RF_SMTP_USER" --password "$RF_SMTP_PASS" \
                --port "${port:-0}" --smtps-port "${sport:-0}" \
                </dev/null >>"$s/sink.log" 2>&1 &
        echo $! > "$s/launcher.pid"
        _RF_SMTPS="$_RF_SMTPS $d"
        i=0
        while [ ! -s "$s/pid" ]; do
                if [ "$i" -ge 100 ] || ! kill -0 "$(cat "$s/launcher.pid")" 2>/dev/null; then
                        echo "rf_smtp_start: the SMTP sink did not start" >&2
                        tail -n 20 "$s/sink.log" >&2
                        return 1
                fi
                sleep 0.1
                i=$((i + 1))
        done
        RF_SMTP_PORT=$(awk '$1 == "starttls" { print $2 }' "$s/ports")
        RF_SMTPS_PORT=$(awk '$1 == "smtps" { print $2 }' "$s/ports")
        RF_SMTP_DIR=$s
        export RF_SMTP_PORT RF_SMTPS_PORT RF_SMTP_DIR
        return 0
}

# rf_smtp_stop DIR: stops the SMTP sink of DIR (SIGTERM, SIGKILL after 5 s).
rf_smtp_stop() {
        local s pid
        s=$1/smtp
        for f in "$s/pid" "$s/launcher.pid"; do
                [ -f "$f" ] || continue
                pid=$(cat "$f" 2>/dev/null)
                [ -n "$pid" ] || continue
                if kill -0 "$pid" 2>/dev/null; then
                        kill -TERM "$pid" 2>/dev/null
                        if ! _rf_wait_gone "$pid" 5; then
                                kill -KILL "$pid" 2>/dev/null
                                _rf_wait_gone "$pid" 2
                        fi
                fi
        done
        rm -f "$s/pid" "$s/launcher.pid"
        return 0
}

# rf_smtp_count DIR: prints how many messages the sink accepted.
rf_smtp_count() {
        find "$1/smtp/mail" -maxdepth 1 -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}

# rf_smtp_attempts DIR [CODE]: prints how many DATA attempts reached the
# sink (all, or only those answered CODE: 250, 451, 554).
rf_smtp_attempts() {
        if [ -n "${2:-}" ]; then
                awk -v c="$2" '$1 == c' "$1/smtp/attempts.log" 2>/dev/null | wc -l | tr -d ' '
        else
                if [ -f "$1/smtp/attempts.log" ]; then
                        wc -l < "$1/smtp/attempts.log" | tr -d ' '
                else
                        echo 0
                fi
        fi
}

# rf_smtp_messages DIR: prints the paths of the accepted .eml files, oldest
# first.
rf_smtp_messages() {
        find "$1/smtp/mail" -maxdepth 1 -name '*.eml' 2>/dev/null | sort
}

# rf_smtp_fail DIR 451|554|off: makes the sink refuse every message at the
# end of DATA with 451 (temporary) or 554 (permanent), or accept again.
rf_smtp_fail() {
        local s
        s=$1/smtp
        mkdir -p "$s"
        case $2 in
        451) rm -f "$s/fail-554"; touch "$s/fail-451" ;;
        554) rm -f "$s/fail-451"; touch "$s/fail-554" ;;
        off) rm -f "$s/fail-451" "$s/fail-554" ;;
        *) echo "rf_smtp_fail: 451, 554 or off" >&2; return 2 ;;
        esac
}

# rf_mail_show FILE [--json]: prints an .eml decoded by tests/lib/mailview.py
# (headers decoded, text body decoded); --json: one JSON object with
# "headers" (name -> value, decoded) and "text".
rf_mail_show() {
        "$RF_PYTHON" "$RF_LIBDIR/mailview.py" "$@"
}

# ------------------------------------------------------------------------
# redflagd configuration
# ------------------------------------------------------------------------

# rf_write_config DIR [KEY=VALUE...]: writes DIR/redflagd.conf for the test
# servers of DIR, plus DIR/work.pass and DIR/smtp.pass (mode 0600); exports
# RF_CONF. Append [client "..."] sections yourself (cat >> "$RF_CONF").
# Options (all optional):
#   imap=imaps|starttls|plain    imaps:// (default), imap:// + tls=required,
#                                imap:// + tls=none
#   smtp=starttls|smtps|none     smtp:// + STARTTLS (default), smtps://, no [smtp]
#   ca=FILE                      ca_file of both (default DIR/ca.pem)
#   folders=LIST                 default "INBOX, Clients/*"
#   idle_folders=LIST            default "INBOX"
#   imap_password=P smtp_password=P   wrong passwords for failure tests
#   language=fr|en               [owner] language (default en)
#   poll_interval=N              default 60
#   database=FILE                default DIR/redflagd.db
#   retry_min=N                  default 1
rf_write_config() {
        local d o k v imap smtp ca folders idle ipass spass lang poll db retry
        local aurl atls surl
        d=$1
        shift
        imap=imaps smtp=starttls ca=$d/ca.pem folders="INBOX, Clients/*" idle=INBOX
        ipass=$RF_IMAP_PASS spass=$RF_SMTP_PASS lang=en poll=60 db=$d/redflagd.db retry=1
        for o in "$@"; do
                k=${o%%=*}
                v=${o#*=}
                case $k in
                imap) imap=$v ;;
                smtp) smtp=$v ;;
                ca) ca=$v ;;
                folders) folders=$v ;;
                idle_folders) idle=$v ;;
                imap_password) ipass=$v ;;
                smtp_password) spass=$v ;;
                language) lang=$v ;;
                poll_interval) poll=$v ;;
                database) db=$v ;;
                retry_min) retry=$v ;;
                *) echo "rf_write_config: unknown option $o" >&2; return 2 ;;
                esac
        done
        case $imap in
        imaps) aurl=imaps://localhost:${RF_IMAPS_PORT:?rf_dovecot_start first}; atls=required ;;
        starttls) aurl=imap://localhost:${RF_IMAP_PORT:?rf_dovecot_start first}; atls=required ;;
        plain) aurl=imap://localhost:${RF_IMAP_PORT:?rf_dovecot_start first}; atls=none ;;
        *) echo "rf_write_config: imap=imaps|starttls|plain" >&2; return 2 ;;
        esac
        (umask 077 && printf '%s\n' "$ipass" > "$d/work.pass" && printf '%s\n' "$spass" > "$d/smtp.pass")
        chmod 600 "$d/work.pass" "$d/smtp.pass"
        RF_CONF=$d/redflagd.conf
        export RF_CONF
        {
                echo "# redflagd test configuration (tests/lib/servers.sh rf_write_config)"
                echo "[daemon]"
                echo "database = $db"
                echo "poll_interval = $poll"
                echo "backfill_days = 120"
                echo "store_evidence = yes"
                echo "lexicon_dir = $REDFLAGD_LEXICON_DIR"
                echo
                echo "[owner]"
                echo "name = Marie Dupont"
                echo "email = marie@studio.example"
                echo "addresses = marie@studio.example, contact@studio.example"
                echo "language = $lang"
                echo "timezone = Europe/Paris"
                echo "business_hours = mon-fri 09:00-18:00"
                echo
                case $smtp in
                none) ;;
                starttls | smtps)
                        if [ "$smtp" = smtps ]; then
                                surl=smtps://localhost:${RF_SMTPS_PORT:?rf_smtp_start first}
                        else
                                surl=smtp://localhost:${RF_SMTP_PORT:?rf_smtp_start first}
                        fi
                        echo "[smtp]"
                        echo "url = $surl"
                        echo "tls = required"
                        echo "ca_file = $ca"
                        echo "username = $RF_SMTP_USER"
                        echo "password_file = $d/smtp.pass"
                        echo "from = redflagd <redflagd@studio.example>"
                        echo "retry_min = $retry"
                        echo
                        ;;
                *) echo "rf_write_config: smtp=starttls|smtps|none" >&2; return 2 ;;
                esac
                echo "[account \"work\"]"
                echo "url = $aurl"
                echo "tls = $atls"
                echo "ca_file = $ca"
                echo "username = $RF_IMAP_USER"
                echo "password_file = $d/work.pass"
                echo "folders = $folders"
                echo "idle_folders = $idle"
                echo
        } > "$RF_CONF"
        return 0
}

# rf_redflagd ARGS...: runs $RF_REDFLAGD ARGS with stdin closed; stdout and
# stderr are appended to $RF_TMP/redflagd.log (RF_LOG overrides); returns its
# exit status. Kills it after RF_TIMEOUT seconds (default 120).
rf_redflagd() {
        local log
        log=${RF_LOG:-${RF_TMP:-/tmp}/redflagd.log}
        echo "=== redflagd $* ($(date -u +%H:%M:%S))" >> "$log"
        timeout -k 5 "${RF_TIMEOUT:-120}" "$RF_REDFLAGD" "$@" </dev/null >>"$log" 2>&1
}

# rf_redflag ARGS...: runs $RF_REDFLAG ARGS (stdin closed), stdout to stdout,
# stderr appended to the log (as rf_redflagd); returns its exit status.
rf_redflag() {
        local log
        log=${RF_LOG:-${RF_TMP:-/tmp}/redflagd.log}
        echo "=== redflag $* ($(date -u +%H:%M:%S))" >> "$log"
        timeout -k 5 "${RF_TIMEOUT:-120}" "$RF_REDFLAG" "$@" </dev/null 2>>"$log"
}

# rf_json FILE|- EXPR: evaluates the Python expression EXPR with `j` bound
# to the parsed JSON document of FILE (or stdin for -) and prints the result
# (strings as is, other values as JSON; None prints "null"). Prints nothing
# and returns 1 on invalid JSON or when EXPR fails.
#     rf_json report.json 'next(c["level"] for c in j["clients"] if c["id"] == "acme")'
rf_json() {
        "$RF_PYTHON" -c 'import json, sys
src, expr = sys.argv[1], sys.argv[2]
try:
    j = json.load(sys.stdin if src == "-" else open(src, encoding="utf-8"))
    v = eval(expr, {"j": j, "json": json})
except Exception as e:
    sys.stderr.write("rf_json: %s\n" % e)
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))' "$@"
}

# rf_sql DB QUERY: runs one read-only SQL query on the redflagd database
# (Python's sqlite3, so the sqlite3 CLI is not needed) and prints each row
# with "|" between columns. Returns 1 (message on stderr) on error.
#     rf_sql "$RF_TMP/redflagd.db" "SELECT count(*) FROM outbox WHERE status = 'pending'"
rf_sql() {
        "$RF_PYTHON" -c 'import sqlite3, sys
try:
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
    for row in db.execute(sys.argv[2]):
        print("|".join("" if v is None else str(v) for v in row))
except sqlite3.Error as e:
    sys.stderr.write("rf_sql: %s\n" % e)
    sys.exit(1)' "$@"
}

# rf_alerts DIR [ID=NAME...]: summarises every alert the sink of DIR
# accepted, one JSON object per line, oldest first: {"file", "message_id",
# "date", "to", "subject", "rcpt_tos", "auth_user", "clients": [IDs whose id
# (as a word) or NAME appears in the subject or the decoded text],
# "symbols": [DESIGN.md symbol names found in the text], "levels": ["red",
# "pink", "none"... found as words], "text"}.
rf_alerts() {
        local d
        d=$1
        shift
        "$RF_PYTHON" "$RF_LIBDIR/alerts.py" "$d/smtp/mail" "$@"
}
