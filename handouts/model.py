"""The Handout: every section of a handout as plain data, before any layout.

It is the single truth every layout reads, so layouts only arrange; they never
compute, word or decide anything clinical. Building it resolves the
prescription against the content library (wording, sites, dose volume,
dose dates and site rotation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import content, needles, schedule
from .content import Library
from .prescription import Prescription
from .wording import Wording


@dataclass(frozen=True)
class Site:
    number: int          # rotation order, as marked on the diagram
    site_id: str
    side: str | None
    label: str           # "your left outer thigh"
    short: str           # "left outer thigh"
    technical: str       # "vastus lateralis"
    landmarks: str


@dataclass(frozen=True)
class Place:
    """Where one kind of site is, in words, for all the numbers that use it."""

    numbers: str         # "1 and 2"
    label: str           # "your left and right outer thigh"
    technical: str
    landmarks: str
    site_id: str = ""
    sides: tuple[str | None, ...] = ()
    closeup_alt: str = ""    # "" when the catalogue has no close-up of this site


@dataclass(frozen=True)
class Dose:
    number: int
    date: str            # "Tue 1 Dec 2026"
    site: str            # "1 · your left outer thigh", or "At your clinic"
    amount: str = ""     # "0.1 mL = 100 mcg" when the dose differs between phases, else ""
    clinic: bool = False
    spot: int = 0        # the site's number on the map (0 at the clinic)


@dataclass(frozen=True)
class Tier:
    key: str             # expected | call | emergency
    symbol: str          # a word-symbol readable without colour
    title: str
    lead: str
    items: tuple[str, ...]
    action: str          # who to call, with the number


@dataclass(frozen=True)
class Handout:
    title: str
    language: str
    headings: dict
    patient_name: str
    medication: str      # display name
    strength: str
    issued: str
    prescriber_name: str
    route: str           # route id
    route_words: str     # "Into the muscle"
    route_full: str      # "Into the muscle (intramuscular)"
    route_not: str       # warning against the other route
    off_label: str       # "" unless the route is off-label
    dose_ml: str
    dose_mcg: str
    dose_lines: tuple[str, ...]  # "1 mL = 1 mg (1,000 mcg)", or one line per phase when doses differ
    needle: str          # "23 gauge, 1 in (25 mm)"
    needle_length: str   # "1 in (25 mm)"
    needle_mm: float
    fat_mm: float | None         # fat layer to draw, from the weight band (None: the drawing's usual)
    angle: int
    angle_words: str
    sites: tuple[Site, ...]
    places: tuple[Place, ...]
    diagram_caption: str
    body_alt: str
    depth_alt: str
    rotation: str
    steps: tuple[str, ...]
    training: str
    schedule: tuple[str, ...]
    calendar: tuple[Dose, ...]   # every dose of every finite phase, then the next few of an open one
    calendar_then: str           # how an open phase goes on after the listed doses, or ""
    calendar_notes: tuple[str, ...]   # which date a range uses, a clinician's chosen date
    calendar_words: dict
    calendar_note: str
    tiers: tuple[Tier, ...]
    cautions: tuple[str, ...]
    storage: tuple[str, ...]
    sharps: tuple[str, ...]
    why: str
    contacts: tuple[tuple[str, str], ...]
    notes: str
    subject: str
    author: str
    pictures: dict = field(default_factory=dict)   # words printed inside the pictures
    key_points: tuple[tuple[str, str], ...] = ()    # (label, text): the page-1 summary
    supplies: tuple[str, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()      # (what happened, what to do)
    needle_words: str = ""                          # what gauge and length mean
    purpose: str = ""                               # what the handout is for, under its title
    dose_units: str = ""                            # what mL and mcg mean
    form: str = "vial"                              # the product's form: vial, ampoule, prefilled_syringe
    # runs of steps shown beside a technique picture: (first step, how many, picture key, alt text)
    step_pictures: tuple[tuple[int, int, str, str], ...] = ()
    technique: dict = field(default_factory=dict)   # what the pictures need: angle, dose line share, dose words
    document: dict = field(default_factory=dict)    # title, byline, footer and labels around the sections
    issued_long: str = ""                           # the issue date written out ("martes, 1 de diciembre de 2026")
    layers: dict = field(default_factory=dict)      # words in the depth picture
    icon_alt: str = ""                              # what the route icon shows, for a screen reader


def _site_label(site: dict, side: str | None, text: dict) -> str:
    """"your left outer thigh": the site's own label, else the language's pattern, with the side in words."""
    if not side:
        return site["name"]
    return site.get("label", text["site_label"]).format(side=side, name=site["name"])


def _side_words(site: dict, sides: list[str], text: dict, w: Wording) -> str:
    """The sides in words, as the site's noun needs them (Spanish: "izquierdo" or "izquierda")."""
    words = {**text["side_words"], **site.get("side_words", {})}
    return w.join([words[side] for side in sides]) if sides else ""


def build(rx: Prescription, lib: Library) -> Handout:
    """Resolve a (checked) prescription into a Handout."""
    language = lib.language(rx.language) or content.DEFAULT_LANGUAGE
    text = lib.text(language)
    w = lib.wording(language)
    med = lib.medication(rx.medication, language)
    route_text = text["routes"][rx.route]
    route_data = lib.routes[rx.route]
    angle = int(route_data["angle"])      # every route that is not refused has one (contentcheck)
    short = route_data.get("short_needle")
    if short and rx.needle_mm <= short["max_mm"]:
        angle = int(short["angle"])      # a short needle's own angle, with its source in routes.yaml
    if rx.angle is not None:
        angle = rx.angle   # the clinician's choice, checked against the route's allowed angles
    dose_ml, dose_mcg = w.ml(rx.volume), w.amount(rx.dose, rx.strength_unit)
    needle_length = w.needle_length(rx.needle_mm)
    # running text spells the unit out ("1 inch (25 mm)"): "1 in long" reads as a preposition
    spoken_length = w.needle_length(rx.needle_mm, spoken=True)
    form = rx.form or (med.get("forms") or ["vial"])[0]
    fields = {
        "dose_ml": dose_ml, "dose_mcg": dose_mcg, "angle": angle, "medication": med["display_name"],
        "needle": text.get("needle", "{gauge} gauge, {length}").format(gauge=rx.gauge, length=spoken_length),
        "emergency_number": rx.emergency_number, "strength": w.strength(rx.strength_mcg_per_ml, rx.strength_unit),
        "form_words": text.get("forms", {}).get(form, form),
        "pharmacy": text.get("after_hours_pharmacy", "{pharmacy}").format(
            pharmacy=" ".join(filter(None, [rx.pharmacy.name, rx.pharmacy.phone])))
        if rx.pharmacy else text.get("after_hours_no_pharmacy", ""),
    }

    sites = []
    for number, choice in enumerate(rx.sites, 1):
        entry = {"id": choice.site, **lib.site(choice.site, language)}
        side = _side_words(entry, [choice.side] if choice.side else [], text, w)
        short = entry.get("short", entry["name"])
        if "{side}" not in short and side and "short_label" in entry:
            short = entry["short_label"].format(side=side)      # "back of right arm": the side inside the words
        else:
            short = short.format(side=side) if "{side}" in short else " ".join(filter(None, [side, short]))
        sites.append(Site(number, choice.site, choice.side, _site_label(entry, side, text), short,
                          entry.get("technical", ""), entry.get("landmarks", "").strip()))

    words = text["calendar_words"]
    plan = schedule.plan(rx.start, rx.phases)
    amounts = [w.dose(ml, mcg, rx.strength_unit) for mcg, ml in map(rx.phase_dose, rx.phases)]
    varies = len(set(amounts)) > 1
    calendar, home = [], 0
    for number, planned in enumerate(plan.doses, 1):
        phase = rx.phases[planned.phase]
        spot = 0
        if phase.at_clinic:
            where = words["clinic"]
        else:
            site = sites[home % len(sites)]
            where, home, spot = f"{site.number} · {site.short}", home + 1, site.number
        calendar.append(Dose(number, w.date(planned.date), where, amounts[planned.phase] if varies else "",
                             phase.at_clinic, spot))
    counts = [sum(p.phase == i for p in plan.doses) for i in range(len(rx.phases))]
    say = text["schedule"]
    own = [amounts[i] if varies else "" for i in range(len(rx.phases))]     # each phase's dose, when they differ
    described = [schedule.describe(p, None if p.ongoing else counts[i], w, only=len(rx.phases) == 1,
                                   amount=own[i] if p.until else "")
                 for i, p in enumerate(rx.phases)]
    described = [_phase_line(line, p.at_clinic, "" if p.until else own[i], say)
                 for i, (line, p) in enumerate(zip(described, rx.phases, strict=True))]
    fields["dose"] = words["varies"] if varies else amounts[0]
    fields["dose_volume"] = words["varies"] if varies else dose_ml
    largest = max(ml for _, ml in map(rx.phase_dose, rx.phases))
    # about 10 seconds for each mL (clinical-facts §3, Z-track), worked out so the patient does no sum
    fields["push_seconds"] = max(5, round(10 * largest))
    syringe_ml = next((size for size in med.get("syringes_ml", [1, 3]) if size >= largest), largest)
    fields["syringe"] = w.ml(syringe_ml)
    dose_lines = tuple(dict.fromkeys(amounts))

    who = text["contact_words"]
    after_hours = rx.prescriber.after_hours and who["after_hours_phone"].format(phone=rx.prescriber.after_hours)
    phone_line = ", ".join(filter(None, [rx.prescriber.phone, after_hours]))
    tier_text = text["tiers"]
    med = _for_course(med, schedule.has_loading(rx.phases))
    actions = {
        "expected": "",
        "call": who["call"].format(name=rx.prescriber.name) + (f": {phone_line}" if phone_line else "")
                + (f" ({rx.prescriber.clinic})" if rx.prescriber.clinic else ""),
        "emergency": "",  # the lead already says to call the emergency number
    }
    tiers = []
    for key in ("expected", "call", "emergency"):
        also = [entry for entry in tier_text[key].get("also", []) if entry not in med["side_effects"][key]]
        tiers.append(Tier(key, tier_text[key]["symbol"].format(**fields), tier_text[key]["title"],
                          tier_text[key]["lead"].format(**fields), (*med["side_effects"][key], *also), actions[key]))

    contacts = [(who["clinician"], ", ".join(filter(None, [rx.prescriber.name, rx.prescriber.clinic])))]
    if rx.prescriber.phone:
        contacts.append((who["phone"], rx.prescriber.phone))
    if rx.prescriber.after_hours:
        contacts.append((who["after_hours"], rx.prescriber.after_hours))
    elif text.get("after_hours_missing"):
        contacts.append((who["after_hours"], text["after_hours_missing"].format(**fields)))
    if rx.prescriber.email:
        contacts.append((who["email"], rx.prescriber.email))
    if rx.pharmacy:
        contacts.append((who["pharmacy"], " ".join(filter(None, [rx.pharmacy.name, rx.pharmacy.phone]))))

    site_words = w.join([s.label for s in sites])
    rotation = text["rotation"]
    if isinstance(rotation, dict):
        rotation = rotation[rx.route]
    doc = text["document"]
    title = doc["title"].format(Medication=_capital(med["display_name"]), name=rx.patient_name)
    places = _places(sites, lib, language, w, text.get("closeup_alt", {}))
    spots = text.get("key_spots")      # "spots 1 and 2: your left and right outer thigh", as on the map
    where = "; ".join(spots["many" if " " in p.numbers else "one"].format(numbers=p.numbers, label=p.label)
                      for p in places) if spots else site_words
    summary = {**fields, "route_full": route_text["full"], "where": where,
               "when": say["then"].join([described[0], *(p[0].lower() + p[1:] for p in described[1:])])}
    site_ids = {s.site_id for s in sites}
    steps = _steps(text, form, rx.route, site_ids, fields)
    return Handout(
        title=title,
        language=language,
        headings=text["headings"],
        patient_name=rx.patient_name,
        medication=med["display_name"],
        strength=fields["strength"],
        issued=w.date(rx.issued),
        prescriber_name=rx.prescriber.name,
        route=rx.route,
        route_words=route_text["words"],
        route_full=route_text["full"],
        route_not=route_text["not"].format(**fields),
        off_label=text["off_label"].format(**fields) if rx.off_label and rx.route not in med["routes"] else "",
        dose_ml=dose_ml,
        dose_mcg=dose_mcg,
        dose_lines=dose_lines,
        needle=fields["needle"],
        needle_length=needle_length,
        needle_mm=rx.needle_mm,
        fat_mm=needles.fat_mm(route_data, rx.weight_kg, rx.needle_mm, "needle_length" in rx.confirm),
        angle=angle,
        angle_words=route_text["angle_words"].format(**fields),
        sites=tuple(sites),
        places=places,
        diagram_caption=text["diagram_caption"],
        body_alt=text["alt"]["body"].format(sites="; ".join(f"{s.number}, {s.label}" for s in sites)),
        depth_alt=text["alt"]["depth"].format(length=needle_length, angle=angle,
                                              reaches=text["alt"]["reaches"][rx.route]),
        rotation=rotation.format(**fields),
        steps=tuple(step for step, _ in steps),
        step_pictures=_runs(steps, text.get("technique_alt", {}), {
            **fields, "dose_words": "" if varies else text.get("technique_dose", "").format(**fields)}),
        technique={"angle": angle, "ticks": min(30, round(syringe_ml * 10)),
                   **({} if varies else {"share": min(1.0, largest / syringe_ml), "dose": dose_ml})},
        training=text.get("training", ""),
        schedule=tuple(described),
        calendar=tuple(calendar),
        calendar_then=_then(rx, plan, words, w),
        calendar_notes=_range_notes(rx, plan, words, w),
        calendar_words=words,
        calendar_note=text["calendar_note"],
        tiers=tuple(tiers),
        cautions=tuple(med.get("cautions", [])),
        storage=tuple(med.get("storage", [])),
        sharps=tuple(text.get("sharps", [])),
        why=med.get("why_it_matters", ""),
        contacts=tuple(contacts),
        notes=rx.notes,
        subject=doc["subject"].format(route=route_text["full"], medication=med["display_name"],
                                      dose=f"{dose_ml} ({dose_mcg})", sites=site_words),
        author=rx.prescriber.clinic or rx.prescriber.name,
        pictures=text.get("pictures", {}),
        key_points=tuple((k["label"], _capital(k["text"].format(**summary).strip()))
                         for k in text.get("key_points", [])),
        supplies=tuple(line.format(**fields) for line in text.get("supplies", [])),
        problems=tuple((p["title"], p["text"].strip()) for p in text.get("problems", [])),
        needle_words=text.get("needle_words", "").strip().format(gauge=rx.gauge, length=spoken_length),
        purpose=text.get("purpose", "").format(**fields),
        dose_units=text.get("dose_units", "").strip(),
        form=form,
        document=doc,
        issued_long=w.date(rx.issued, "long"),
        layers=text["layers"],
        icon_alt=text["alt"]["icon"][rx.route],
    )


def _for_course(med: dict, loading: bool) -> dict:
    """The medication's lists with "in the first days" items reworded when there is no loading phase."""
    swap = med.get("without_loading") or {}
    if loading or not swap:
        return med

    def reword(items):
        return [swap.get(item, item) for item in items if swap.get(item, item)]

    return {**med, "cautions": reword(med.get("cautions", [])),
            "side_effects": {tier: reword(items) for tier, items in med["side_effects"].items()}}


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _steps(text: dict, form: str, route: str, site_ids: set[str], fields: dict) -> list[tuple[str, str]]:
    """The route's steps, with the product form's own steps for getting the dose into the syringe.

    A step may name the routes it is for, the sites it is for (``sites``) or
    the sites it must never go with (``sites_not``: no "no need to pull back"
    at a site where the sources say to pull back). Each step comes with the
    picture it is shown beside ("" for none): its own, or its form's.
    """
    out = []
    for step in text["steps"]:
        if route not in step.get("routes", [route]):
            continue
        if "sites" in step and not site_ids & set(step["sites"]):
            continue
        if site_ids & set(step.get("sites_not", [])):
            continue
        if step["text"] == "{product_steps}":
            out += [(line.format(**fields), form) for line in text.get("product_steps", {}).get(form, [])]
        else:
            out.append((step["text"].format(**fields), step.get("picture", "")))
    return out


def _runs(steps: list[tuple[str, str]], alts: dict, fields: dict) -> tuple[tuple[int, int, str, str], ...]:
    """Consecutive steps sharing a picture that has words for screen readers, as (first, count, key, alt)."""
    runs: list[list] = []
    for i, (_, key) in enumerate(steps):
        if key not in alts:
            continue
        if runs and runs[-1][2] == key and runs[-1][0] + runs[-1][1] == i:
            runs[-1][1] += 1
        else:
            runs.append([i, 1, key, alts[key].strip().format(**fields)])
    return tuple(tuple(run) for run in runs)


def _phase_line(line: str, at_clinic: bool, amount: str, say: dict) -> str:
    """A phase's line, saying when a nurse gives its doses and, when doses differ, how much."""
    if at_clinic:
        line = say["at_clinic"].format(line=line)
    return say["with_dose"].format(line=line, amount=amount) if amount else line


def _places(sites: list[Site], lib: Library, language: str, w: Wording, closeup_alt: dict) -> tuple[Place, ...]:
    """Landmarks once per kind of site, so "left thigh" and "right thigh" share one description."""
    order = list(dict.fromkeys(site.site_id for site in sites))
    places = []
    for site_id in order:
        same = [s for s in sites if s.site_id == site_id]
        sides = list(dict.fromkeys(s.side for s in same if s.side))
        entry = {"id": site_id, **lib.site(site_id, language)}
        label = _site_label(entry, _side_words(entry, sides, w.text, w) or None, w.text)
        medical_name = w.text.get("medical_name", "{technical}")
        technical = medical_name.format(technical=same[0].technical) if same[0].technical else ""
        alt = ""
        if "closeup" in entry and site_id in closeup_alt.get("sites", {}):
            which = set(sides)
            where = closeup_alt["sides"]["both" if len(which) != 1 else which.pop()]
            alt = closeup_alt["sites"][site_id].strip().format(sides=where)
        places.append(Place(w.join([str(s.number) for s in same]), label, technical, same[0].landmarks, site_id,
                            tuple(dict.fromkeys(s.side for s in same)), alt))
    return tuple(places)


def _then(rx: Prescription, plan: schedule.Plan, words: dict, w: Wording) -> str:
    """The line after the listed doses of an open phase: how it goes on, and the next date if known."""
    if plan.open_phase is None:
        return ""
    phase = rx.phases[plan.open_phase]
    if plan.next_date is not None:
        return words["then"].format(rhythm=schedule.rhythm(phase, w), date=w.date(plan.next_date))
    following = rx.phases[plan.open_phase + 1]
    return words["switch"].format(rhythm=schedule.rhythm(phase, w),
                                  until=phase.until or w.text["schedule"]["until_unknown"],
                                  next_rhythm=schedule.rhythm(following, w))


def _range_notes(rx: Prescription, plan: schedule.Plan, words: dict, w: Wording) -> tuple[str, ...]:
    """For each listed phase with a range or a chosen date, which dates the calendar uses."""
    notes = []
    listed = {p.phase for p in plan.doses}
    for index, phase in enumerate(rx.phases):
        if index not in listed or (phase.every_max is None and phase.start is None):
            continue
        how = schedule.rhythm(phase, w)
        fill = {"Rhythm": how[0].upper() + how[1:], "shortest": w.span(phase.every.count, phase.every.unit),
                "date": w.date(phase.start) if phase.start else ""}
        notes.append(words["chosen" if phase.start else "range"].format(**fill))
    return tuple(notes)
