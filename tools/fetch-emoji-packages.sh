#!/usr/bin/env bash
# Fetches the pinned emoji npm packages (tarballs, as `npm pack` writes them) into OUT_DIR and checks each
# tarball's SHA-256 against the value pinned in the repository. This is the only step that downloads: the
# dataset builder (`simforge data emoji --packages OUT_DIR --out DIR`) then works offline from these files.
#
#   tools/fetch-emoji-packages.sh OUT_DIR            # the default styles (the SVG sets)
#   tools/fetch-emoji-packages.sh OUT_DIR --all      # also the PNG sets (google-png, twitter-png; 136 MB)
#   tools/fetch-emoji-packages.sh OUT_DIR noto twemoji   # only these styles (and the ones they map through)
#
# Pins: datasets/src/main/resources/io/simforge/datasets/emoji/emoji-styles.json (format version 1).
# A tarball already in OUT_DIR with the right checksum is kept; one with a wrong checksum is refused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pins="$here/../datasets/src/main/resources/io/simforge/datasets/emoji/emoji-styles.json"

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
fi
out="$1"
shift

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "fetch-emoji-packages: npm (with node) is needed to fetch the packages and was not found on PATH." >&2
    echo "  Install it (Debian: apt-get install npm), or fetch on another machine and copy the .tgz files into $out." >&2
    exit 1
fi
if ! command -v sha256sum >/dev/null 2>&1; then
    echo "fetch-emoji-packages: sha256sum (coreutils) is needed to check the tarballs." >&2
    exit 1
fi
if [[ ! -f "$pins" ]]; then
    echo "fetch-emoji-packages: the pin file $pins is missing; run this script from a simforge checkout." >&2
    exit 1
fi

# One line per style to fetch: id, package, version, tarball file name, sha256. Node reads the JSON (npm needs it anyway).
plan="$(node - "$pins" "$@" <<'EOF'
const fs = require('fs');
const [pinsFile, ...args] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(pinsFile, 'utf8'));
if (doc.format !== 'simforge-emoji-styles' || doc.version !== 1) {
  console.error(`${pinsFile} is not a version-1 simforge-emoji-styles file`);
  process.exit(1);
}
const byId = new Map(doc.styles.map(s => [s.id, s]));
let wanted;
if (args.length === 0) wanted = doc.styles.filter(s => s.default).map(s => s.id);
else if (args.length === 1 && args[0] === '--all') wanted = doc.styles.map(s => s.id);
else wanted = args;
const chosen = new Set();
const add = id => {
  const s = byId.get(id);
  if (!s) {
    console.error(`unknown style '${id}': choose from ${[...byId.keys()].join(', ')}`);
    process.exit(1);
  }
  if (chosen.has(id)) return;
  chosen.add(id);
  (s.mapThrough || []).forEach(add);
};
wanted.forEach(add);
for (const s of doc.styles.filter(s => chosen.has(s.id))) {
  // npm pack names a tarball after the package: '@scope/name' becomes 'scope-name-VERSION.tgz'.
  const file = s.package.replace(/^@/, '').replace('/', '-') + '-' + s.version + '.tgz';
  console.log([s.id, s.package, s.version, file, s.sha256].join('\t'));
}
EOF
)"

mkdir -p "$out"
failed=0
while IFS=$'\t' read -r id pkg version file sha; do
    target="$out/$file"
    if [[ -f "$target" ]] && [[ "$(sha256sum "$target" | cut -d' ' -f1)" == "$sha" ]]; then
        echo "ok      $file (already there)"
        continue
    fi
    if [[ -f "$target" ]]; then
        echo "fetch-emoji-packages: $target exists but its SHA-256 is not the pinned one; delete it and run again." >&2
        failed=1
        continue
    fi
    tmp="$(mktemp -d "$out/.fetch-XXXXXX")"
    if ! npm pack --silent --pack-destination "$tmp" "$pkg@$version" >/dev/null; then
        echo "fetch-emoji-packages: npm pack $pkg@$version failed (is the npm registry reachable?)." >&2
        rm -rf "$tmp"
        failed=1
        continue
    fi
    got="$(sha256sum "$tmp/$file" | cut -d' ' -f1)"
    if [[ "$got" != "$sha" ]]; then
        echo "fetch-emoji-packages: $pkg@$version has SHA-256 $got, but $sha is pinned." >&2
        echo "  The registry served different bytes than when the pin was made: do not use it. If a new version" >&2
        echo "  is wanted, review its licence and update the pin in $pins." >&2
        rm -rf "$tmp"
        failed=1
        continue
    fi
    mv "$tmp/$file" "$target"
    rm -rf "$tmp"
    echo "fetched $file ($id, sha256 ok)"
done <<< "$plan"

if [[ $failed -ne 0 ]]; then
    exit 1
fi
echo "All tarballs are in $out. Build the dataset offline: simforge data emoji --packages $out --out DIR"
