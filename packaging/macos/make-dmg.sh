#!/usr/bin/env bash
# Wrap "dist/OMIX Desktop.app" (from `pyinstaller packaging/omix.spec` on macOS) in a
# compressed disk image with a link to /Applications:
#     bash packaging/macos/make-dmg.sh 0.1.0
# Sign and notarize the .app first (packaging/README.md), then the .dmg.
set -euo pipefail
version="${1:?usage: make-dmg.sh VERSION}"
app="dist/OMIX Desktop.app"
[ -d "$app" ] || { echo "missing $app: build it first" >&2; exit 1; }
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "OMIX Desktop" -srcfolder "$staging" -ov -format UDZO \
  "dist/OMIX-Desktop-${version}.dmg"
echo "dist/OMIX-Desktop-${version}.dmg"
