#!/usr/bin/env bash
# Regenerates src/GmTools.Server/ChatWatch/Engine/chartables.txt (checked in, so CI needs none of this) from
# Debian's Unicode and OpenCC data:
#   unicode-data                   UnicodeData.txt (decompositions, case, numeric values), DerivedCoreProperties.txt
#                                  (Default_Ignorable_Code_Point), Unihan_Readings (kMandarin + other readings),
#                                  Unihan_Variants (kSimplifiedVariant), Unihan_NumericValues
#   opencc (+ libopencc1.1 data)   TSCharacters.ocd2, dumped to text with opencc_dict
#   python3-confusable-homoglyphs  confusables.json (Unicode TR39 confusables, the homoglyph source)
# Usage: tools/chatwatch/gen-tables.sh [output]   (needs root for apt-get when the packages are missing)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$REPO/src/GmTools.Server/ChatWatch/Engine/chartables.txt}

need=()
for p in unicode-data opencc python3-confusable-homoglyphs; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
opencc_dict -i /usr/share/opencc/TSCharacters.ocd2 -o "$TMP/TSCharacters.txt" -f ocd2 -t text

CONFUSABLES=$(python3 - <<'PY' 2>/dev/null || true
import os
try:
    import confusable_homoglyphs
    print(os.path.join(os.path.dirname(confusable_homoglyphs.__file__), "confusables.json"))
except ImportError:
    pass
PY
)
[ -n "$CONFUSABLES" ] || CONFUSABLES=/usr/lib/python3/dist-packages/confusable_homoglyphs/confusables.json

VERSIONS="unicode-data $(dpkg-query -W -f='${Version}' unicode-data), opencc $(dpkg-query -W -f='${Version}' opencc), python3-confusable-homoglyphs $(dpkg-query -W -f='${Version}' python3-confusable-homoglyphs)"
/usr/bin/python3 "$REPO/tools/chatwatch/gen_tables.py" /usr/share/unicode "$TMP/TSCharacters.txt" "$CONFUSABLES" "$VERSIONS" > "$TMP/out.txt"
mv "$TMP/out.txt" "$OUT"
echo "wrote $OUT ($(wc -l < "$OUT") lines)"
