"""What is sold: invoice articles and till-slip items with their Belgian VAT rates."""

from __future__ import annotations

from decimal import Decimal

# (nl, fr, en, VAT rate %, price low, price high, unit nl, unit fr, fractional quantities?)
Article = tuple[str, str, str, int, float, float, str, str, bool]

ARTICLES: dict[str, tuple[Article, ...]] = {
    "services": (
        ("Consultancy", "Consultance", "Consulting", 21, 65, 125, "uur", "h", True),
        ("Onderhoud server en netwerk", "Maintenance serveur et réseau", "Server and network maintenance", 21, 45, 95, "uur", "h", True),
        ("Licentie boekhoudsoftware (jaar)", "Licence logiciel comptable (an)", "Accounting software licence (year)", 21, 120, 480, "st", "pc", False),
        ("Hosting webshop (maand)", "Hébergement boutique en ligne (mois)", "Webshop hosting (month)", 21, 19, 89, "st", "pc", False),
        ("Opleiding Excel gevorderd", "Formation Excel avancé", "Advanced Excel training", 21, 250, 650, "dag", "jour", False),
        ("Verplaatsingskosten", "Frais de déplacement", "Travel costs", 21, 25, 60, "st", "pc", False),
        ("Fiscaal advies", "Conseil fiscal", "Tax advice", 21, 90, 150, "uur", "h", True),
    ),
    "office": (
        ("Kopieerpapier A4 80 g (doos 5 pakken)", "Papier A4 80 g (carton 5 ramettes)", "A4 copy paper 80 g (box of 5 reams)", 21, 18, 32, "doos", "carton", False),
        ("Toner zwart HP 305A", "Toner noir HP 305A", "Black toner HP 305A", 21, 60, 95, "st", "pc", False),
        ("Bureaustoel ergonomisch", "Chaise de bureau ergonomique", "Ergonomic office chair", 21, 180, 420, "st", "pc", False),
        ("Ordners A4 rug 8 cm", "Classeurs A4 dos 8 cm", "Lever arch files A4 8 cm", 21, 2, 5, "st", "pc", False),
        ("Boek: Handboek btw 2026", "Livre : Manuel TVA 2026", "Book: VAT handbook 2026", 6, 35, 89, "st", "pc", False),
        ("Abonnement vakblad (jaar)", "Abonnement revue professionnelle (an)", "Trade journal subscription (year)", 6, 45, 160, "st", "pc", False),
        ("Levering en transport", "Livraison et transport", "Delivery and transport", 21, 15, 45, "st", "pc", False),
    ),
    "renovation": (
        ("Schilderwerken binnen", "Travaux de peinture intérieure", "Interior painting", 6, 18, 32, "m²", "m²", True),
        ("Plaatsing parketvloer", "Pose de parquet", "Parquet flooring installation", 6, 28, 55, "m²", "m²", True),
        ("Vervangen dakgoten zink", "Remplacement gouttières en zinc", "Replacing zinc gutters", 6, 45, 85, "m", "m", True),
        ("Arbeidsuren vakman", "Heures de main-d'œuvre", "Craftsman labour hours", 6, 42, 58, "uur", "h", True),
        ("Verplaatsing en afvalverwerking", "Déplacement et évacuation des déchets", "Travel and waste disposal", 6, 35, 120, "st", "pc", False),
        ("Elektrische installatie keuring", "Contrôle installation électrique", "Electrical inspection", 21, 120, 190, "st", "pc", False),
        ("Nieuwbouw: ruwbouwwerken", "Nouvelle construction : gros œuvre", "New build: shell works", 21, 800, 4200, "st", "pc", False),
    ),
    "catering": (
        ("Broodjeslunch assortiment", "Lunch sandwichs assortis", "Assorted sandwich lunch", 6, 4, 9, "st", "pc", False),
        ("Cateringdienst walking dinner", "Service traiteur walking dinner", "Walking dinner catering", 12, 28, 55, "pers", "pers", False),
        ("Restaurantmaaltijd (excl. dranken)", "Repas restaurant (hors boissons)", "Restaurant meal (excl. drinks)", 12, 22, 48, "pers", "pers", False),
        ("Dranken (wijn, bier, frisdrank)", "Boissons (vin, bière, soft)", "Drinks (wine, beer, soft drinks)", 21, 3, 28, "st", "pc", False),
        ("Mineraalwater (bak 24 flessen)", "Eau minérale (casier 24 bouteilles)", "Mineral water (crate of 24)", 6, 7, 14, "bak", "casier", False),
        ("Koffie en thee", "Café et thé", "Coffee and tea", 6, 2, 4, "pers", "pers", False),
        ("Bediening (uur)", "Service en salle (heure)", "Waiting staff (hour)", 21, 32, 45, "uur", "h", True),
    ),
}

# Till-slip items: (label, VAT rate, price low, price high), prices incl. VAT
RECEIPT_SHOPS: dict[str, tuple[tuple[str, int, float, float], ...]] = {
    "bakery": (("Volkorenbrood", 6, 2.4, 3.9), ("Croissant", 6, 1.1, 1.6), ("Pistolets x6", 6, 2.7, 3.6),
               ("Taart fruit", 6, 14, 24), ("Koffie to go", 6, 2.2, 3.5), ("Frisdrank 33cl", 21, 1.8, 2.6)),
    "supermarket": (("Melk halfvol 1L", 6, 0.99, 1.35), ("Kaas gouda 500g", 6, 4.9, 7.5),
                    ("Bananen kg", 6, 1.6, 2.3), ("Wasmiddel 2L", 21, 7.9, 13.5), ("Bier 6x25cl", 21, 5.9, 8.9),
                    ("Batterijen AA x4", 21, 4.5, 8.9), ("Koffie 500g", 6, 4.5, 8.9), ("Tandpasta", 21, 1.9, 3.9)),
    "restaurant": (("Dagschotel", 12, 14, 22), ("Soep van de dag", 12, 5, 8), ("Spaghetti bolognese", 12, 13, 18),
                   ("Pils 25cl", 21, 2.8, 3.8), ("Spuitwater 50cl", 21, 3.5, 5), ("Huiswijn glas", 21, 5, 7.5),
                   ("Espresso", 12, 2.5, 3.2)),
    "hardware": (("Schroeven 4x40 (200)", 21, 6.9, 11.9), ("Verf wit 2,5L", 21, 29, 49), ("Borstel 50mm", 21, 4.5, 9.9),
                 ("Plakband", 21, 2.5, 4.9), ("Potgrond 40L", 6, 5.9, 8.9), ("Kabelbinders", 21, 3.9, 6.9)),
}

SHOP_NAMES = {
    "bakery": ("Bakkerij {s}", "Boulangerie {s}"),
    "supermarket": ("Buurtsuper {s}", "Épicerie {s}"),
    "restaurant": ("Brasserie {s}", "Bistro {s}"),
    "hardware": ("Doe-het-zelf {s}", "Brico {s}"),
}

# Belgian till-slip VAT letters
RECEIPT_VAT_LETTERS = {21: "A", 12: "B", 6: "C", 0: "D"}


def dec(value: float | str) -> Decimal:
    return Decimal(str(value))
