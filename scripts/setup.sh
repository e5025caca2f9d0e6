#!/usr/bin/env bash
# Install invite into a virtual environment (.venv in this checkout) — never into the system
# Python (Debian 12 / Ubuntu 24.04 refuse that: PEP 668 "externally-managed-environment").
# The main job needs no root and no apt: the letter font (DejaVu Sans) ships with invite.
# With --test also the test extras and the test servers' Debian packages (Dovecot,
# poppler-utils, openssl); only those need root or sudo.
#
#   bash scripts/setup.sh            then: .venv/bin/invite …
#   bash scripts/setup.sh --test     then: .venv/bin/python -m pytest
#
# PYTHON=/path/to/python3 chooses the interpreter (default: python3, 3.11 or newer).
set -euo pipefail
cd "$(dirname "$0")/.."

test=0
[[ "${1:-}" == "--test" ]] && test=1
python="${PYTHON:-python3}"
venv=".venv"

say() { printf '== %s\n' "$*"; }
die() {
  printf 'FEHLER: %s\n' "$*" >&2
  exit 1
}

# -- test servers (only with --test) -------------------------------------------------------
if ((test)); then
  want=(dovecot-imapd poppler-utils openssl)
  missing=()
  for pkg in "${want[@]}"; do
    dpkg -s "$pkg" 2>/dev/null | grep -q "^Status: install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
      sudo=""
    elif command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      die "Für die Tests fehlen Debian-Pakete: ${missing[*]}. Ohne Administratorrechte kann" \
        "setup.sh sie nicht installieren. Bitte eine Administratorin bitten:" \
        "apt-get install ${missing[*]} – danach erneut starten."
    fi
    # Keep apt from starting system daemons (the tests start their own private Dovecot).
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
      $sudo chmod +x /usr/sbin/policy-rc.d
    fi
    say "Installiere Debian-Pakete für die Tests: ${missing[*]}"
    $sudo apt-get update -qq -o Acquire::Retries=3 ||
      die "apt-get update ist fehlgeschlagen. Bitte selbst installieren: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      -o Acquire::Retries=3 "${missing[@]}" ||
      die "Die Debian-Pakete ließen sich nicht installieren. Bitte selbst installieren: ${missing[*]}"
  fi
fi

# -- Python ----------------------------------------------------------------------------------
command -v "$python" >/dev/null 2>&1 ||
  die "„$python“ nicht gefunden. invite braucht Python 3.11 oder neuer (https://www.python.org/)."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "invite braucht Python 3.11 oder neuer; „$python“ ist $("$python" -V 2>&1)."

bin="$venv/bin"
[[ -d "$venv/Scripts" ]] && bin="$venv/Scripts" # Git Bash on Windows
if [[ ! -x "$bin/python" && ! -x "$bin/python.exe" ]]; then
  say "Lege die virtuelle Umgebung $venv an ($("$python" -V 2>&1))"
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if command -v uv >/dev/null 2>&1; then
      uv venv -q --seed --python "$python" "$venv"
    else
      die "Python kann keine virtuelle Umgebung anlegen (Modul venv/ensurepip fehlt). Auf" \
        "Debian/Ubuntu bitte eine Administratorin bitten: apt-get install python3-venv" \
        "– oder uv verwenden (https://docs.astral.sh/uv/). Danach erneut starten."
    fi
  fi
  [[ -d "$venv/Scripts" ]] && bin="$venv/Scripts"
fi

extra=""
((test)) && extra="[test]"
say "Installiere invite${extra} in $venv"
"$bin/python" -m pip install -q --disable-pip-version-check -e ".${extra}"
say "Fertig. Aufruf: $bin/invite --help"
