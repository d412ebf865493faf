#!/usr/bin/env bash
# Packs a portable espeak-ng for a GPU machine that has no espeak-ng and cannot install packages, so the
# generated corpora can be regenerated there from the committed manifests (bit-identical audio: the same
# espeak-ng build and data as here). Writes artifacts/gpu/espeak-ng.tar.xz (about 5 MB); on the machine:
#   mkdir -p /tmp/espeak && tar -C /tmp/espeak -xJf artifacts/gpu/espeak-ng.tar.xz && source /tmp/espeak/env.sh
# espeak-ng links libpcaudio (ALSA/PulseAudio playback), which such machines lack; writing WAV files never plays
# audio, so a stub library that reports "no audio device" stands in for it (pcaudio-stub.c).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/espeak/lib" "$root/artifacts/gpu"
(cd "$work/debs" && apt-get download espeak-ng libespeak-ng1 espeak-ng-data libsonic0 2>/dev/null) \
  || { echo "error: apt-get download failed (run apt-get update first)" >&2; exit 1; }
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done
cp "$work/root/usr/bin/espeak-ng" "$work/espeak/"
cp -a "$work"/root/usr/lib/x86_64-linux-gnu/lib*.so* "$work/espeak/lib/"
cp -a "$work/root/usr/lib/x86_64-linux-gnu/espeak-ng-data" "$work/espeak/"
gcc -shared -fPIC -O2 -Wl,-soname,libpcaudio.so.0 -o "$work/espeak/lib/libpcaudio.so.0" "$root/environment/gpu/pcaudio-stub.c"
cat > "$work/espeak/env.sh" <<'ENV'
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="$here:$PATH" LD_LIBRARY_PATH="$here/lib:${LD_LIBRARY_PATH:-}" ESPEAK_DATA_PATH="$here"
ENV
tar -C "$work/espeak" -cJf "$root/artifacts/gpu/espeak-ng.tar.xz" .
ls -la "$root/artifacts/gpu/espeak-ng.tar.xz"
