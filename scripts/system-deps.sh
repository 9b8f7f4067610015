#!/usr/bin/env bash
# Debian packages the tests and benchmarks use; installed only when something is missing.
set -euo pipefail
packages=(espeak-ng sox libsox-fmt-all pocketsphinx-testdata asterisk-core-sounds-en-wav asterisk-core-sounds-en
          asterisk-moh-opsound-wav libportaudio2 chromium postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
