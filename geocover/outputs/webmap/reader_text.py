"""The words of the readers' tools (``static/reader.js``), marked for translation, and
the "your rights" panel's text from the city's ``[rights]`` (``docs/city-toml.md``)."""

from __future__ import annotations

from typing import Any

from geocover.i18n import N_
from geocover.pipeline.analysis import Analysis

#: The law's longest retention, one month (CSI L252-5), counted as 30 days for a deadline.
LAW_RETENTION_DAYS = 30

#: Every text the script shows, by key (``{n}``, ``{name}``… are filled in by the script).
STRINGS: dict[str, str] = {
    "tools": N_("Tools"),
    "cameraNumber": N_("Camera {number}"),
    "osmCamera": N_("OpenStreetMap camera {number}"),
    "contribCamera": N_("Contributed camera"),
    "search": N_("Search"),
    "searchPlaceholder": N_("A street, a camera number, a commune…"),
    "searchHint": N_("Searches only what this page holds: nothing is sent."),
    "noResult": N_("Nothing found in this map."),
    "kindCamera": N_("camera"),
    "kindStreet": N_("street"),
    "kindPlace": N_("commune"),
    "streetCameras": N_("{n} camera(s) named at this street"),
    "locate": N_("Locate me"),
    "locateHint": N_("Your browser asks for your position; it stays in this page and is "
                     "sent nowhere."),
    "locating": N_("Looking for your position…"),
    "located": N_("You are here (within {m} m)."),
    "locateFailed": N_("Your position is not available: {reason}"),
    "locateNone": N_("This browser cannot give a position."),
    "filters": N_("Filters"),
    "byOperator": N_("Operator"),
    "byType": N_("Type"),
    "shown": N_("{shown} of {total} cameras shown"),
    "noCameras": N_("This map has no camera to filter."),
    "showAll": N_("Show all"),
    "timeline": N_("Timeline"),
    "inService": N_("Cameras of this map in service by year (date of putting in service)"),
    "claimed": N_("claimed count"),
    "announced": N_("announced: a forecast or a target"),
    "dated": N_("cameras of the map with a date of service, in service at the end of the year"),
    "undated": N_("{n} camera(s) without a date of service are not counted."),
    "noDates": N_("No camera of this map has a date of putting in service: only the "
                  "claimed counts are drawn."),
    "listNote": N_("A list of cameras standing today leaves out the cameras removed before: "
                   "earlier years are a lower bound."),
    "yearFilter": N_("Show the cameras in service at the end of"),
    "allYears": N_("all years"),
    "download": N_("Download"),
    "downloadHint": N_("The files are made in your browser from this page's data."),
    "camerasGeojson": N_("Cameras (GeoJSON)"),
    "camerasCsv": N_("Cameras (CSV)"),
    "coverGeojson": N_("Areas seen (GeoJSON)"),
    "downloadCount": N_("{n} cameras in the files (all of the map's, whatever the filters)."),
    "noCover": N_("No area seen is computed in this map."),
    "print": N_("Print"),
    "rights": N_("Your rights"),
    "rightsTitle": N_("Seeing the images you appear in"),
    "rightsSource": N_("Source: {source}"),
    "legalBasis": N_("Legal basis: Code de la sécurité intérieure, article L253-5 (anyone may "
                     "ask the operator of a video-protection system to see the recordings of "
                     "them, or to check they were destroyed) and article L252-5 (recordings "
                     "are kept one month at most)."),
    "genericRights": N_("Anyone may ask to see the video-protection recordings they appear "
                        "in, or check that they were destroyed, by writing to the operator "
                        "of the cameras (for the commune's cameras, the mayor), with a copy "
                        "of an identity document, before the recordings are erased."),
    "retention": N_("How long images are kept"),
    "retentionDays": N_("{days} days"),
    "retentionLaw": N_("one month at most (the law; no period stated for this city)"),
    "addressee": N_("Write to"),
    "letter": N_("Request letter"),
    "letterHint": N_("Fill in the letter, then print it or save it. Nothing is sent: you "
                     "post or hand it yourself, with a copy of an identity document."),
    "yourName": N_("Your name"),
    "yourAddress": N_("Your address"),
    "when": N_("Date"),
    "from": N_("from"),
    "to": N_("to"),
    "place": N_("Place"),
    "placeHint": N_("Click “choose on the map”, then the place on the map."),
    "pickPlace": N_("Choose on the map"),
    "picking": N_("Click the map where you were."),
    "description": N_("How to recognise you (optional)"),
    "descriptionPlaceholder": N_("e.g. red coat, a bicycle"),
    "deadline": N_("Images of {date} may be erased from {erased}: send the request before."),
    "printLetter": N_("Print the letter"),
    "saveText": N_("Save (text)"),
    "saveHtml": N_("Save (HTML)"),
    "letterSubject": N_("Subject: request for access to video-protection recordings "
                        "(Code de la sécurité intérieure, article L253-5)"),
    "letterTo": N_("To: {addressee}"),
    "letterDate": N_("{city}, {today}"),
    "letterGreeting": N_("Madam, Sir,"),
    "letterBody": N_("Under article L253-5 of the Code de la sécurité intérieure, I ask to "
                     "see the video-protection recordings in which I appear, made on {date} "
                     "between {from} and {to}, at {place}."),
    "letterCoords": N_("(latitude {lat}, longitude {lng})"),
    "letterRecognise": N_("To help you find me: {description}."),
    "letterRetention": N_("These images are kept {retention}: please keep the recordings "
                          "concerned until you have answered this request."),
    "letterEnclosed": N_("Enclosed: a copy of my identity document."),
    "letterClosing": N_("Yours faithfully,"),
    "letterFile": N_("access-request"),
    "unset": N_("…"),
    "close": N_("Close"),
}


#: Sources of the cities' ``[rights]`` known to the catalog (data, translated when read).
KNOWN_SOURCES = (
    N_("fact sheet"),
    N_("new supervision centre (CSU), November 2023"),
    N_("Code de la sécurité intérieure, articles L253-5 and L252-5"),
)


def _dated(tr: Any, source: str, date: str) -> str:
    """``source, date`` in the reader's language (the date left out when the source says it)."""
    source = tr.gettext(source) if source else ""
    when = tr.date(date) if date else ""
    if when and when.casefold() in source.casefold():
        when = ""
    return ", ".join(t for t in (source, when) if t)


def _retention_text(tr: Any, days: int, source: str, date: str) -> str:
    label = tr.gettext("{days} days").format(days=tr.integer(days))
    where = _dated(tr, source, date)
    return f"{label} ({where})" if where else label


def rights_data(analysis: Analysis) -> dict[str, Any]:
    """The "your rights" panel: the city's statement (or the generic one), to whom, how
    long images are kept (each period with its source and date) and the letter's
    deadline in days (the latest period stated, else the law's month)."""
    tr = analysis.tr
    rights = analysis.city.rights
    if rights is None:
        return {"text": "", "addressee": "", "retention": [], "days": LAW_RETENTION_DAYS,
                "retentionText": tr.gettext(STRINGS["retentionLaw"]), "source": ""}
    periods: list[dict[str, Any]] = [
        {"days": p.days, "text": _retention_text(tr, p.days, p.source, p.date)}
        for p in rights.retention]
    if periods:
        retention_text = "; ".join(p["text"] for p in periods)
    else:
        retention_text = tr.gettext(STRINGS["retentionLaw"])
    source = _dated(tr, rights.source, rights.date)
    return {
        "text": rights.text_in(analysis.lang),
        "addressee": rights.addressee,
        "retention": periods,
        "days": rights.retention[-1].days if rights.retention else LAW_RETENTION_DAYS,
        "retentionText": retention_text,
        "source": source,
    }
