"""The départements of France and the regions they belong to (INSEE's Code officiel
géographique since 2016: 13 metropolitan regions and 5 overseas ones, 101 départements).

Reference data published by INSEE (https://www.insee.fr/fr/information/2560452), written
out here because it is part of what a code *means*, like the INSEE code pattern.
"""

from __future__ import annotations

import re
import unicodedata

from geocover.errors import UsageError

#: Region code → (name, its départements).
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "84": ("Auvergne-Rhône-Alpes",
           ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74")),
    "27": ("Bourgogne-Franche-Comté", ("21", "25", "39", "58", "70", "71", "89", "90")),
    "53": ("Bretagne", ("22", "29", "35", "56")),
    "24": ("Centre-Val de Loire", ("18", "28", "36", "37", "41", "45")),
    "94": ("Corse", ("2A", "2B")),
    "44": ("Grand Est", ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")),
    "32": ("Hauts-de-France", ("02", "59", "60", "62", "80")),
    "11": ("Île-de-France", ("75", "77", "78", "91", "92", "93", "94", "95")),
    "28": ("Normandie", ("14", "27", "50", "61", "76")),
    "75": ("Nouvelle-Aquitaine",
           ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")),
    "76": ("Occitanie",
           ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")),
    "52": ("Pays de la Loire", ("44", "49", "53", "72", "85")),
    "93": ("Provence-Alpes-Côte d'Azur", ("04", "05", "06", "13", "83", "84")),
    "01": ("Guadeloupe", ("971",)),
    "02": ("Martinique", ("972",)),
    "03": ("Guyane", ("973",)),
    "04": ("La Réunion", ("974",)),
    "06": ("Mayotte", ("976",)),
}

#: Every département code, metropolitan first (01 … 95, 2A and 2B in place of 20), then overseas.
DEPARTEMENTS: tuple[str, ...] = tuple(sorted(
    (d for _, deps in REGIONS.values() for d in deps),
    key=lambda d: (len(d), d.replace("2A", "20A").replace("2B", "20B")),
))
_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def check_departement(code: str) -> str:
    """``code`` normalised (``2a`` → ``2A``, ``7`` → ``07``) if it is a département of
    France, else UsageError."""
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if not _DEPARTEMENT.match(text) or text not in DEPARTEMENTS:
        raise UsageError(f"{code!r} is not a département code of France (e.g. 57, 2A, 974)")
    return text


def region_departements(region: str) -> tuple[str, tuple[str, ...]]:
    """(name, départements) of a region given by its INSEE code (``44``) or its name,
    accents and case ignored (``grand est``, ``ile-de-france``)."""
    text = str(region).strip()
    if text in REGIONS:
        return REGIONS[text]
    wanted = _fold(text)
    for name, deps in REGIONS.values():
        if _fold(name) == wanted:
            return name, deps
    names = ", ".join(f"{code} {name}" for code, (name, _) in sorted(REGIONS.items()))
    raise UsageError(f"unknown region {region!r}; regions: {names}")
