#!/usr/bin/env bash
# Installs the Debian packages the tests and the app need, when missing.
# Used by `make test`, `make run` and .ci/run; safe to run again.
set -euo pipefail

packages=(
  curl            # FTP upload with resume in the integration tests
  lftp            # a second third-party FTP client (TLS interoperability tests)
  wget            # plain downloads of released files in the tests
  aria2           # segmented downloads, the reference of benchmarks/bench_wan.py
  vsftpd          # the third-party FTP server the client and benchmarks compare against
  postgresql      # the suite runs a second time against PostgreSQL
  openssl         # self-signed certificates for the FTP TLS tests
  dbus-daemon     # a session bus for the keep-awake test (wakepy's D-Bus inhibitor)
  # Qt (PySide6) offscreen and under Xvfb
  libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  fonts-noto-cjk
  chromium        # the web pages' browser tests (Playwright drives the system browser)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "Please install these Debian packages first: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
