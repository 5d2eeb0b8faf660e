"""Fictitious companies: Belgian (Flanders, Wallonia, Brussels) and a few EU suppliers.

Names, streets and places are invented combinations; identifiers carry valid check
digits (see :mod:`pipeline.synth.ids`); any match with a real enterprise is chance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.synth import ids

SURNAMES_NL = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Hermans", "Aerts", "Verstraete",
    "De Clercq", "Van Damme", "Coppens", "Van Acker", "Lemmens", "Bogaert", "Vandenberghe",
)
SURNAMES_FR = (
    "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Renard",
    "Lejeune", "Gérard", "François", "Mathieu", "Denis", "Collard", "Dumont", "Lemaire",
    "Hubert", "Delvaux", "Piette", "Gillet", "Massart", "Noël",
)
TRADES_NL = (
    "Bouwbedrijf", "Drukkerij", "Schrijnwerkerij", "Garage", "Bakkerij", "Elektrotechniek",
    "Boekhandel", "Tuinaanleg", "Transport", "Schilderwerken", "Loodgieterij", "Dakwerken",
    "Installatietechniek", "Kantoorbenodigdheden", "Brouwerij", "Vloeren", "Adviesbureau",
)
TRADES_FR = (
    "Construction", "Imprimerie", "Menuiserie", "Garage", "Boulangerie", "Électricité",
    "Librairie", "Jardins", "Transports", "Peinture", "Plomberie", "Toitures",
    "Chauffage", "Fournitures de bureau", "Brasserie", "Revêtements", "Fiduciaire",
)
BRANDS_NL = ("Kempenstaal", "Scheldelogistiek", "Brabo Consult", "Leiedal Digital",
             "Polderwerk", "Demerdata", "Netegroen", "Waaslandse Houthandel")
BRANDS_FR = ("Meuse Digital", "Ardennes Bois", "Sambre Logistique", "Condroz Conseil",
             "Hesbaye Matériaux", "Famenne Services", "Ourthe Énergie", "Gaume Bureautique")
FORMS_NL = ("BV", "NV", "BV", "CommV", "VZW")
FORMS_FR = ("SRL", "SA", "SRL", "SC", "ASBL")

STREETS_NL = ("Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Nieuwstraat",
              "Schoolstraat", "Industrieweg", "Kouter", "Grote Markt", "Brusselsesteenweg",
              "Antwerpsesteenweg", "Leuvensebaan", "Ambachtenlaan", "Nijverheidsstraat")
STREETS_FR = ("Rue de la Station", "Rue de l'Église", "Chaussée de Bruxelles", "Rue Haute",
              "Rue du Moulin", "Place communale", "Rue des Champs", "Avenue de la Gare",
              "Zoning industriel", "Rue de Namur", "Chaussée de Liège", "Rue du Commerce")
STREETS_BXL = ("Avenue Louise", "Rue Royale", "Boulevard Anspach", "Chaussée de Wavre",
               "Rue Neuve", "Avenue de Tervueren", "Rue de la Loi", "Chaussée d'Ixelles")

CITIES_VL = (("2000", "Antwerpen"), ("9000", "Gent"), ("3000", "Leuven"), ("8000", "Brugge"),
             ("2800", "Mechelen"), ("3500", "Hasselt"), ("8500", "Kortrijk"), ("9300", "Aalst"),
             ("2300", "Turnhout"), ("9100", "Sint-Niklaas"), ("8400", "Oostende"),
             ("3800", "Sint-Truiden"), ("2440", "Geel"), ("8800", "Roeselare"), ("9200", "Dendermonde"))
CITIES_WA = (("4000", "Liège"), ("5000", "Namur"), ("6000", "Charleroi"), ("7000", "Mons"),
             ("1300", "Wavre"), ("7500", "Tournai"), ("6700", "Arlon"), ("4800", "Verviers"),
             ("1400", "Nivelles"), ("5500", "Dinant"), ("6900", "Marche-en-Famenne"),
             ("1348", "Louvain-la-Neuve"))
CITIES_BXL = (("1000", "Bruxelles"), ("1050", "Ixelles"), ("1030", "Schaerbeek"),
              ("1080", "Molenbeek-Saint-Jean"), ("1180", "Uccle"), ("1200", "Woluwe-Saint-Lambert"),
              ("1060", "Saint-Gilles"), ("1070", "Anderlecht"))

FOREIGN: dict[str, dict[str, tuple[str, ...]]] = {
    "NL": {"names": ("Van Dijk Techniek B.V.", "Hollandia Verpakkingen B.V.", "De Vries Software B.V.",
                     "Noordzee Trading B.V."),
           "streets": ("Keizersgracht", "Hoofdweg", "Stationsplein", "Marktstraat"),
           "cities": ("1012 AB Amsterdam", "3011 AA Rotterdam", "5611 AB Eindhoven", "3511 AA Utrecht")},
    "FR": {"names": ("Fournitures Lemoine SAS", "Atelier Bernard SARL", "Logiciels Moreau SAS",
                     "Nord Emballages SA"),
           "streets": ("Rue de Rivoli", "Boulevard Haussmann", "Rue Nationale", "Avenue Jean Jaurès"),
           "cities": ("75008 Paris", "59000 Lille", "69002 Lyon", "51100 Reims")},
    "DE": {"names": ("Müller Bürotechnik GmbH", "Rheinland Werkzeuge GmbH", "Schneider IT-Service GmbH",
                     "Aachener Druckhaus KG"),
           "streets": ("Hauptstraße", "Schillerstraße", "Bahnhofstraße", "Lindenallee"),
           "cities": ("50667 Köln", "52062 Aachen", "40213 Düsseldorf", "53111 Bonn")},
}

COUNTRY_NAMES = {
    "nl": {"BE": "België", "NL": "Nederland", "FR": "Frankrijk", "DE": "Duitsland"},
    "fr": {"BE": "Belgique", "NL": "Pays-Bas", "FR": "France", "DE": "Allemagne"},
    "en": {"BE": "Belgium", "NL": "The Netherlands", "FR": "France", "DE": "Germany"},
}


@dataclass(frozen=True)
class Company:
    name: str
    street: str  # street and number
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    language: str  # nl / fr / en: the language the company writes in
    region: str  # VL / WA / BXL / foreign country code
    vat: str | None  # compact: "BE0123456749", "NL123456782B01"
    enterprise_number: str | None  # KBO/BCE, 10 digits (Belgian companies only)
    iban: str  # compact
    bic: str
    email: str
    phone: str
    website: str

    @property
    def address_line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"

    def address_text(self, language: str) -> str:
        """The address as it goes in the truth: street, postcode city[, country]."""
        if self.country == "BE":
            return self.address_line
        return f"{self.address_line}, {COUNTRY_NAMES[language][self.country]}"

    @property
    def slug(self) -> str:
        keep = "".join(ch.lower() if ch.isalnum() else "-" for ch in self.name)
        return "-".join(part for part in keep.split("-") if part)


def _domain(name: str) -> str:
    base = "".join(ch for ch in name.lower().split(" ")[0] + name.lower().split(" ")[-1] if ch.isalnum())
    table = str.maketrans("éèêëàâçôöüû", "eeeeaacoouu")
    return (base.translate(table) or "bedrijf")[:18]


def _phone(rng: random.Random, country: str) -> str:
    if country == "BE":
        zone = rng.choice(("03", "09", "016", "050", "011", "04", "081", "071", "02", "02"))
        rest = "".join(rng.choice("0123456789") for _ in range(9 - len(zone)))
        return f"+32 {zone[1:]} {rest[:3]} {rest[3:]}".replace("  ", " ")
    prefix = {"NL": "+31 20", "FR": "+33 1", "DE": "+49 221"}[country]
    return prefix + " " + "".join(rng.choice("0123456789") for _ in range(7))


def belgian_company(rng: random.Random, region: str | None = None, *, with_vat: bool = True) -> Company:
    region = region or rng.choice(("VL", "VL", "VL", "WA", "WA", "BXL"))
    if region == "VL":
        language = "nl"
        postal, city = rng.choice(CITIES_VL)
        street = rng.choice(STREETS_NL)
    elif region == "WA":
        language = "fr"
        postal, city = rng.choice(CITIES_WA)
        street = rng.choice(STREETS_FR)
    else:
        language = rng.choice(("fr", "fr", "nl"))
        postal, city = rng.choice(CITIES_BXL)
        street = rng.choice(STREETS_BXL)
    roll = rng.random()
    if language == "nl":
        if roll < 0.55:
            core = f"{rng.choice(TRADES_NL)} {rng.choice(SURNAMES_NL)}"
        elif roll < 0.8:
            core = rng.choice(BRANDS_NL)
        else:
            core = f"{rng.choice(SURNAMES_NL)} & {rng.choice(SURNAMES_NL)}"
        name = f"{core} {rng.choice(FORMS_NL)}"
    else:
        if roll < 0.55:
            core = f"{rng.choice(TRADES_FR)} {rng.choice(SURNAMES_FR)}"
        elif roll < 0.8:
            core = rng.choice(BRANDS_FR)
        else:
            core = f"{rng.choice(SURNAMES_FR)} & Fils"
        name = f"{core} {rng.choice(FORMS_FR)}"
    kbo = ids.random_kbo(rng)
    iban, bic = ids.random_be_iban(rng)
    domain = _domain(name)
    return Company(
        name=name,
        street=f"{street} {rng.randint(1, 240)}" + (rng.choice(("", "", "", " bus 2", "A"))),
        postal_code=postal,
        city=city,
        country="BE",
        language=language,
        region=region,
        vat=("BE" + kbo) if with_vat else None,
        enterprise_number=kbo,
        iban=iban,
        bic=bic,
        email=f"{rng.choice(('info', 'facturatie', 'boekhouding', 'admin'))}@{domain}.be"
        if language == "nl" else f"{rng.choice(('info', 'facturation', 'compta', 'admin'))}@{domain}.be",
        phone=_phone(rng, "BE"),
        website=f"www.{domain}.be",
    )


def foreign_company(rng: random.Random, country: str | None = None) -> Company:
    country = country or rng.choice(("NL", "FR", "DE"))
    pool = FOREIGN[country]
    name = rng.choice(pool["names"])
    place = rng.choice(pool["cities"])
    postal, city = place.rsplit(" ", 1) if country == "NL" else place.split(" ", 1)
    iban, bic = ids.random_foreign_iban(rng, country)
    domain = _domain(name)
    tld = country.lower()
    return Company(
        name=name,
        street=(f"{rng.choice(pool['streets'])} {rng.randint(1, 180)}" if country != "FR"
                else f"{rng.randint(1, 180)} {rng.choice(pool['streets'])}"),
        postal_code=postal,
        city=city,
        country=country,
        language="fr" if country == "FR" else "en",
        region=country,
        vat=ids.random_foreign_vat(rng, country),
        enterprise_number=None,
        iban=iban,
        bic=bic,
        email=f"invoices@{domain}.{tld}",
        phone=_phone(rng, country),
        website=f"www.{domain}.{tld}",
    )


def private_customer(rng: random.Random) -> Company:
    """A consumer or a small association without a VAT number."""
    base = belgian_company(rng, with_vat=False)
    surname = rng.choice(SURNAMES_NL if base.language == "nl" else SURNAMES_FR)
    first = rng.choice(("An", "Jan", "Els", "Koen", "Marie", "Luc", "Sophie", "Pierre", "Julie", "Marc"))
    return Company(**{**base.__dict__, "name": f"{first} {surname}", "enterprise_number": None})
