"""Every resource limit of extraction, in one place.

An APK is hostile input: a few kilobytes can claim gigabytes, a central directory can list
millions of entries, a binary XML string pool can claim billions of strings, and a signing
block can hold a hundred thousand tiny records that make a naive parser quadratic.  Each limit
below is far above what real apps need (the comment says how far) and far below what would
exhaust memory or time.  Hitting one ends the app with a one-line `ApkAnalysisError` naming the
limit, or, where the rest of the app can still be judged, with a warning and a partial result.
"""

from __future__ import annotations

MIB = 1024 * 1024

# --- zip layer ------------------------------------------------------------------------------

# Entries in one archive's central directory.  The largest real APKs (games with many assets)
# have a few tens of thousands; zipfile keeps an object per entry, so the cap bounds memory.
MAX_ENTRIES = 100_000

# One decompressed entry (a DEX, the manifest, resources.arsc, a bundle member).  The largest
# real DEX files are around 10 MiB and resources.arsc tens of MiB.
MAX_ENTRY_SIZE = 512 * MIB

# Compression ratio of one entry, counted only above RATIO_FLOOR: a small entry cannot exhaust
# memory however well it compresses, and padded small manifests are common in obfuscated apps.
# Real DEX and resource files compress 2:1 to 10:1.
MAX_RATIO = 200
RATIO_FLOOR = 1 * MIB

# Everything decompressed for one scanned file, bundle members and their entries included.
# A 60 MiB multi-DEX app decompresses to about 150 MiB.
MAX_TOTAL_INFLATED = 1024 * MIB

# Tamper indicators listed for one archive; past it, one "more_indicators_not_listed" ends the
# list.  A tampered real app shows a handful.
MAX_INDICATORS = 256

# --- binary XML (AndroidManifest.xml) -------------------------------------------------------

# The compiled manifest.  The largest real ones are around 1 MiB; androguard needs about half a
# second per MiB of elements, so this also bounds the time one manifest can take.
MAX_MANIFEST_SIZE = 4 * MIB

# Strings a binary XML string pool may claim (and never more than 4 bytes of offset each can
# fit in the file).  Real manifests have a few thousand.
MAX_XML_STRINGS = 10_000_000

# Element nesting in the manifest.  Real manifests nest 6 deep
# (manifest/application/activity/intent-filter/data).
MAX_XML_DEPTH = 256

# Layout files whose string pools are read for the whole-app call graph (custom Views,
# fragments, android:onClick handlers).  Big apps ship 2,000 to 4,000; each costs about 20 us.
MAX_LAYOUTS = 10_000

# --- signatures -----------------------------------------------------------------------------

# ID-value pairs in the APK Signing Block.  Real blocks hold 2 to 6 (v2, v3, v3.1, padding,
# source stamp, ...); androguard's own parser is quadratic in their number.
MAX_SIGNING_BLOCK_PAIRS = 1024

# v1 (JAR) signature files read.  Real apps have one signer, rarely two.
MAX_V1_SIGNERS = 16

# --- containers -----------------------------------------------------------------------------

# APK members of one bundle that are opened.  bundletool's .apks with every language and
# density split has about a hundred.
MAX_BUNDLE_MEMBERS = 512

# Nesting needs no number: a bundle is opened one level deep (its members must be APKs; a
# member that is itself a bundle has no manifest and is refused), and an APK inside an APK is
# only listed (the nested_apks fact), never opened, so no input can make extraction recurse.
