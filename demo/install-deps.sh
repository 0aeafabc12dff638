#!/bin/sh
# SPDX-License-Identifier: MIT
#
# demo/install-deps.sh - installs everything needed to build redflagd, run
# its test suite and the demo, on Debian 12 (bookworm). Run as root (or with
# sudo available). Safe to run again: when every package is already there it
# does nothing (pass --force to run apt-get anyway).
#
# Never installs libcurl4-openssl-dev: it conflicts with libcurl4-gnutls-dev,
# which libetpan-dev needs.
#
# Note: installing dovecot-imapd on a machine running systemd starts the
# system's Dovecot (ports 143/993, /etc/dovecot). The tests and the demo never
# use it: they start their own private Dovecot on other ports.

set -eu

PACKAGES="
build-essential pkg-config autoconf automake libtool make
libetpan-dev libgmime-3.0-dev libcurl4-gnutls-dev libsqlite3-dev libsystemd-dev
libutf8proc-dev libxml2-dev libcmocka-dev libgnutls28-dev systemd
clang libclang-rt-14-dev valgrind
dovecot-imapd dovecot-core python3 python3-aiosmtpd openssl isync swaks curl
sqlite3 ca-certificates tzdata
"

force=no
[ "${1:-}" = --force ] && force=yes

missing=
for p in $PACKAGES; do
        st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
        case $st in
        *" installed") ;;
        *) missing="$missing $p" ;;
        esac
done

if [ -z "$missing" ] && [ "$force" = no ]; then
        echo "install-deps: every dependency is already installed."
        exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
                SUDO=sudo
        else
                echo "install-deps: run me as root (missing:$missing)" >&2
                exit 1
        fi
fi

if dpkg-query -W -f '${Status}' libcurl4-openssl-dev 2>/dev/null | grep -q " installed"; then
        echo "install-deps: libcurl4-openssl-dev is installed; it conflicts with" >&2
        echo "libcurl4-gnutls-dev (needed by libetpan-dev). Remove it first:" >&2
        echo "    apt-get remove libcurl4-openssl-dev" >&2
        exit 1
fi

echo "install-deps: installing:${missing:- (all, --force)}"
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
echo "install-deps: done."
