"""Which configuration of a resource `aapt dump badging` reads: Android's ResTable_config rules.

A manifest attribute such as `android:versionName="@string/version"` or `android:label` names a
resource that may have a value per configuration (values/, values-en/, values-zh-rCN/,
values-v21/...).  `aapt dump badging` resolves it the way the platform's ResTable does for one
fixed device configuration (frameworks/base/tools/aapt/Command.cpp, `doDump`): English (US),
portrait, mdpi, a very high API level (10000), a normal screen of 320x480 dp.  The manifest's
versionName is read with exactly that configuration; application labels are read once per
locale of the resource table, with the locale replaced and everything else kept (the locale ""
is the default label).

This module implements the two ResTable_config functions that decide it
(frameworks/base/libs/androidfw/ResourceTypes.cpp): `match` (can this configuration be used on
that device?) and `isBetterThan` (is it a better choice than the best one so far?), applied to
the configurations in the order the table lists them, as ResTable::getEntry does.  Only what
can differ under aapt's fixed configuration is modelled; locale scripts are approximated
(Chinese: Hans for CN, SG and no region, Hant for TW, HK, MO; any other language is taken to
have one script whatever the region), which is what CLDR's likely-subtags data gives for the
locales apps ship.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, TypeVar

_T = TypeVar("_T")

DENSITY_MEDIUM = 160
DENSITY_ANY = 0xFFFE
SCREENSIZE_NORMAL = 0x02
MASK_SCREENSIZE = 0x0F
ORIENTATION_PORT = 1
AAPT_SDK = 10000  # "Very high."

_HANT_REGIONS = frozenset({"TW", "HK", "MO"})


class Config(NamedTuple):
    """The fields of one ResTable_config that resource selection looks at."""

    mcc: int = 0
    mnc: int = 0
    language: str = ""
    country: str = ""
    orientation: int = 0
    touchscreen: int = 0
    density: int = 0
    keyboard: int = 0
    navigation: int = 0
    input_flags: int = 0
    screen_width: int = 0
    screen_height: int = 0
    sdk: int = 0
    minor: int = 0
    screen_layout: int = 0
    ui_mode: int = 0
    smallest_width_dp: int = 0
    width_dp: int = 0
    height_dp: int = 0
    screen_layout2: int = 0
    color_mode: int = 0

    @property
    def has_locale(self) -> bool:
        return bool(self.language or self.country)


def request(locale: str) -> Config:
    """aapt's fixed device configuration with `locale` ("en-US", "zh-CN", "zh", "" for none)."""
    language, _, country = locale.partition("-")
    return Config(
        language=language,
        country=country,
        orientation=ORIENTATION_PORT,
        density=DENSITY_MEDIUM,
        sdk=AAPT_SDK,
        screen_layout=SCREENSIZE_NORMAL,
        smallest_width_dp=320,
        width_dp=320,
        height_dp=480,
    )


def best(candidates: Iterable[tuple[Config, _T]], wanted: Config) -> tuple[Config, _T] | None:
    """The candidate ResTable::getEntry picks: the first that matches, replaced by each later
    one that matches and is better than it."""
    chosen: tuple[Config, _T] | None = None
    for config, value in candidates:
        if not matches(config, wanted):
            continue
        if chosen is None or is_better(config, chosen[0], wanted):
            chosen = (config, value)
    return chosen


def _script(language: str, country: str) -> str:
    if language == "zh":
        return "Hant" if country in _HANT_REGIONS else "Hans"
    return "*"  # one script for the language, whatever the region


def matches(c: Config, wanted: Config) -> bool:
    """ResTable_config::match against a device configuration."""
    if (c.mcc and c.mcc != wanted.mcc) or (c.mnc and c.mnc != wanted.mnc):
        return False
    if c.has_locale:
        if c.language != wanted.language:
            return False
        if c.language and _script(c.language, c.country) != _script(
            wanted.language, wanted.country
        ):
            return False
    layout, want_layout = c.screen_layout, wanted.screen_layout
    if layout & 0xC0 and layout & 0xC0 != want_layout & 0xC0:  # layout direction
        return False
    if layout & MASK_SCREENSIZE and layout & MASK_SCREENSIZE > want_layout & MASK_SCREENSIZE:
        return False
    if layout & 0x30 and layout & 0x30 != want_layout & 0x30:  # long / notlong
        return False
    if c.screen_layout2 and c.screen_layout2 != wanted.screen_layout2:
        return False
    if c.color_mode and c.color_mode != wanted.color_mode:
        return False
    if c.ui_mode and c.ui_mode != wanted.ui_mode:
        return False
    if c.smallest_width_dp and c.smallest_width_dp > wanted.smallest_width_dp:
        return False
    if (c.width_dp and c.width_dp > wanted.width_dp) or (
        c.height_dp and c.height_dp > wanted.height_dp
    ):
        return False
    if c.orientation and c.orientation != wanted.orientation:
        return False
    if c.touchscreen and c.touchscreen != wanted.touchscreen:
        return False
    if (c.keyboard and c.keyboard != wanted.keyboard) or (
        c.navigation and c.navigation != wanted.navigation
    ):
        return False
    if c.input_flags and c.input_flags != wanted.input_flags:
        return False
    if (c.screen_width and c.screen_width > wanted.screen_width) or (
        c.screen_height and c.screen_height > wanted.screen_height
    ):
        return False
    if c.sdk and c.sdk > wanted.sdk:
        return False
    return not (c.minor and c.minor != wanted.minor)


def _locale_better(a: Config, b: Config, wanted: Config) -> bool:
    """ResTable_config::isLocaleBetterThan."""
    if not wanted.language or (not a.has_locale and not b.has_locale):
        return False
    if a.language != b.language:
        if wanted.language == "en" and wanted.country == "US":
            # No-language resources are where US English traditionally lives.
            if a.language:
                return a.country in ("", "US")
            return b.country not in ("", "US")
        return bool(a.language)
    if a.country != b.country:
        # localeDataCompareRegions: the requested region, then no region (the root of every
        # region), then any other region.
        rank = {wanted.country: 2, "": 1}
        return rank.get(a.country, 0) > rank.get(b.country, 0)
    return False


def is_better(a: Config, b: Config, wanted: Config) -> bool:
    """ResTable_config::isBetterThan(b, requested) for configurations that both match."""
    if _locale_better(a, b, wanted):
        return True
    if (a.smallest_width_dp or b.smallest_width_dp) and a.smallest_width_dp != b.smallest_width_dp:
        return a.smallest_width_dp > b.smallest_width_dp
    if a.width_dp or a.height_dp or b.width_dp or b.height_dp:
        mine = (wanted.width_dp - a.width_dp) + (wanted.height_dp - a.height_dp)
        other = (wanted.width_dp - b.width_dp) + (wanted.height_dp - b.height_dp)
        if mine != other:
            return mine < other
    size_a, size_b = a.screen_layout & MASK_SCREENSIZE, b.screen_layout & MASK_SCREENSIZE
    if size_a != size_b and wanted.screen_layout & MASK_SCREENSIZE:
        fixed_a, fixed_b = size_a or SCREENSIZE_NORMAL, size_b or SCREENSIZE_NORMAL
        if fixed_a == fixed_b:
            return size_a != 0
        return fixed_a > fixed_b
    if a.orientation != b.orientation and wanted.orientation:
        return a.orientation != 0
    if a.density != b.density:
        return _density_better(a.density, b.density, wanted.density)
    if a.sdk != b.sdk and wanted.sdk:
        return a.sdk > b.sdk
    return False


def _density_better(mine: int, other: int, wanted: int) -> bool:
    high, low = mine or DENSITY_MEDIUM, other or DENSITY_MEDIUM
    if high == DENSITY_ANY:
        return True
    if low == DENSITY_ANY:
        return False
    requested = wanted if wanted not in (0, DENSITY_ANY) else DENSITY_MEDIUM
    bigger = True
    if low > high:
        high, low, bigger = low, high, False
    if requested >= high:
        return bigger
    if low >= requested:
        return not bigger
    # scaling down is twice as good as scaling up
    return (not bigger) if (2 * low - requested) * high > requested * requested else bigger
