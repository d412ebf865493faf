#!/usr/bin/env bash
# Installs the Debian packages the project uses (Debian 12 / Ubuntu). Idempotent; needs root or sudo.
#   espeak-ng       generated speech for the smoke and tiny scales (data-manifests/)
#   flac            decoding FLAC (LibriSpeech at the paper scale)
#   sox             measuring and converting audio by hand (data-manifests/espeak/STATS.md was checked with it)
# Options add: --tests  lame (the tests make MP3s), pocketsphinx-testdata (real LibriVox recordings) and fortunes
#              (the tests remake data-manifests/fortunes from it);
#              --jupyter  Jupyter (environment/setup-jupyter.sh); --browser  Chromium (report screenshots, PNG export);
#              --slurm  Slurm and munge (a one-node cluster for sweeps: environment/slurm/).
set -euo pipefail
packages=(espeak-ng sox flac)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(lame pocketsphinx-testdata fortunes) ;;
    --jupyter) packages+=(jupyter-core jupyter-client jupyter-nbconvert python3-nbclient python3-ipykernel) ;;
    --browser) packages+=(chromium) ;;
    --slurm) packages+=(slurm-wlm munge) ;;
    *) echo "usage: $0 [--tests] [--jupyter] [--browser] [--slurm]" >&2; exit 2 ;;
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
