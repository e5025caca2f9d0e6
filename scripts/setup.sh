#!/usr/bin/env bash
# Install what invite needs on a fresh Debian/Ubuntu machine (as root or with sudo), then the
# Python package. With --test also the test servers' packages (Dovecot) and test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(fonts-dejavu-core fontconfig)
if [[ "${1:-}" == "--test" ]]; then
  want+=(dovecot-imapd poppler-utils openssl)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" 2>/dev/null | grep -q "^Status: install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # Keep apt from starting system daemons (the tests start their own private Dovecot).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
  fi
  echo "== Installiere Debian-Pakete: ${missing[*]}"
  $sudo apt-get update -qq -o Acquire::Retries=3
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -o Acquire::Retries=3 "${missing[@]}"
fi

extra=""
[[ "${1:-}" == "--test" ]] && extra="[test]"
echo "== Installiere invite${extra}"
python3 -m pip install -q --disable-pip-version-check -e ".${extra}"
