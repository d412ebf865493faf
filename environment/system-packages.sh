#!/usr/bin/env bash
# Installs the Debian packages the project uses (Debian 12 / Ubuntu). Idempotent; needs root or sudo.
#   espeak-ng, sox  generated speech for the default scale (data-manifests/)
#   flac            decoding LibriSpeech FLAC at the paper scale
# With --jupyter it adds Jupyter (for environment/setup-jupyter.sh); with --browser, Chromium
# (screenshots of the HTML report, PNG export of figures).
set -euo pipefail
packages=(espeak-ng sox flac)
for arg in "$@"; do
  case "$arg" in
    --jupyter) packages+=(jupyter-core jupyter-client jupyter-nbconvert python3-nbclient python3-ipykernel) ;;
    --browser) packages+=(chromium) ;;
    *) echo "usage: $0 [--jupyter] [--browser]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
