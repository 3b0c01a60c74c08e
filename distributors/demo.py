"""Demo network: territories, distributors in several African countries and
one in Europe, each with a team lead and staff (some of whom have left)."""

import datetime

from django.utils import timezone

from academy.demo import (
    MANAGER_CENTRAL_EMAIL,
    MANAGER_WEST_EMAIL,
    DemoLogin,
    demo_user,
)
from academy.models import User
from distributors import services
from distributors.models import Distributor, Membership, MembershipRole, Territory

TERRITORIES = [
    ("Afrique de l'Ouest", ["SN", "CI", "ML", "BF", "GN", "BJ", "TG", "NE", "MR"], MANAGER_WEST_EMAIL),
    ("Afrique centrale", ["CM", "GA", "CG", "CD", "CF", "TD", "BI", "RW"], MANAGER_CENTRAL_EMAIL),
    ("Maghreb", ["MA", "DZ", "TN"], MANAGER_CENTRAL_EMAIL),
    ("Europe", ["FR", "BE", "CH", "LU"], MANAGER_CENTRAL_EMAIL),
]

# name, territory, country, city, status, time zone, months of partnership, team
# team: (e-mail local part, first, last, role, months since joining, months since leaving or None, language)
DISTRIBUTORS = [
    (
        "BioDiag Sénégal",
        "Afrique de l'Ouest",
        "SN",
        "Dakar",
        "active",
        "Africa/Dakar",
        60,
        [
            ("fatou.ndiaye", "Fatou", "Ndiaye", "lead", 48, None, "fr"),
            ("moussa.sow", "Moussa", "Sow", "staff", 30, None, "fr"),
            ("aminata.fall", "Aminata", "Fall", "staff", 10, None, "fr"),
            ("ibrahima.diop", "Ibrahima", "Diop", "staff", 2, None, "fr"),
            ("cheikh.ba", "Cheikh", "Ba", "staff", 26, 5, "fr"),
        ],
    ),
    (
        "Ivoire Labo Services",
        "Afrique de l'Ouest",
        "CI",
        "Abidjan",
        "active",
        "Africa/Abidjan",
        44,
        [
            ("kouame.konan", "Kouamé", "Konan", "lead", 40, None, "fr"),
            ("awa.traore", "Awa", "Traoré", "staff", 18, None, "fr"),
            ("serge.yao", "Serge", "Yao", "staff", 7, None, "fr"),
            ("mariam.kone", "Mariam", "Koné", "staff", 20, 3, "fr"),
        ],
    ),
    (
        "Sahel Analyses",
        "Afrique de l'Ouest",
        "ML",
        "Bamako",
        "onboarding",
        "Africa/Bamako",
        3,
        [
            ("oumar.keita", "Oumar", "Keïta", "lead", 3, None, "fr"),
            ("kadiatou.coulibaly", "Kadiatou", "Coulibaly", "staff", 1, None, "fr"),
        ],
    ),
    (
        "Faso Diagnostic",
        "Afrique de l'Ouest",
        "BF",
        "Ouagadougou",
        "suspended",
        "Africa/Ouagadougou",
        30,
        [
            ("issa.ouedraogo", "Issa", "Ouédraogo", "lead", 28, None, "fr"),
            ("salif.sawadogo", "Salif", "Sawadogo", "staff", 22, None, "fr"),
        ],
    ),
    (
        "Bénin Santé Distribution",
        "Afrique de l'Ouest",
        "BJ",
        "Cotonou",
        "prospect",
        "Africa/Porto-Novo",
        0,
        [],
    ),
    (
        "Cameroun Diagnostic",
        "Afrique centrale",
        "CM",
        "Douala",
        "active",
        "Africa/Douala",
        52,
        [
            ("jean.mbarga", "Jean", "Mbarga", "lead", 50, None, "fr"),
            ("esther.ngo", "Esther", "Ngo Bassa", "staff", 24, None, "fr"),
            ("paul.fotso", "Paul", "Fotso", "staff", 12, None, "en"),
            ("brice.tchoua", "Brice", "Tchoua", "staff", 36, 8, "fr"),
        ],
    ),
    (
        "Gabon Biomédical",
        "Afrique centrale",
        "GA",
        "Libreville",
        "active",
        "Africa/Libreville",
        26,
        [
            ("sylvie.obiang", "Sylvie", "Obiang", "lead", 25, None, "fr"),
            ("yannick.mba", "Yannick", "Mba", "staff", 9, None, "fr"),
        ],
    ),
    (
        "Congo Medical Supply",
        "Afrique centrale",
        "CD",
        "Kinshasa",
        "onboarding",
        "Africa/Kinshasa",
        2,
        [
            ("patrick.mukendi", "Patrick", "Mukendi", "lead", 2, None, "fr"),
        ],
    ),
    (
        "Atlas Lab Maroc",
        "Maghreb",
        "MA",
        "Casablanca",
        "active",
        "Africa/Casablanca",
        38,
        [
            ("youssef.elamrani", "Youssef", "El Amrani", "lead", 36, None, "fr"),
            ("salma.bennani", "Salma", "Bennani", "staff", 14, None, "fr"),
            ("karim.tazi", "Karim", "Tazi", "staff", 5, None, "fr"),
        ],
    ),
    (
        "Tunisie Bio Solutions",
        "Maghreb",
        "TN",
        "Tunis",
        "ended",
        "Africa/Tunis",
        70,
        [
            ("hela.trabelsi", "Hela", "Trabelsi", "lead", 60, 4, "fr"),
        ],
    ),
    (
        "Labo Conseil Benelux",
        "Europe",
        "BE",
        "Bruxelles",
        "active",
        "Europe/Brussels",
        20,
        [
            ("lucas.peeters", "Lucas", "Peeters", "lead", 19, None, "en"),
            ("emma.dubois", "Emma", "Dubois", "staff", 11, None, "fr"),
        ],
    ),
]


def _months_ago(months: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=round(months * 30.4))


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(ascii_name.lower().split())


def seed() -> list[DemoLogin]:
    territories: dict[str, Territory] = {}
    for name, countries, manager_email in TERRITORIES:
        territory = Territory.objects.filter(name=name).first()
        if territory is None:
            manager = User.objects.get(email=manager_email)
            territory = services.territory_create(name=name, countries=countries, managers=[manager])
        territories[name] = territory

    logins: list[DemoLogin] = []
    for name, territory_name, country, city, status, tz, months, team in DISTRIBUTORS:
        distributor = Distributor.objects.filter(name=name).first()
        territory = territories[territory_name]
        if distributor is None:
            domain = _slug(name) + ".example"
            distributor = services.distributor_create(
                created_by=None,
                territory=territory,
                name=name,
                country=country,
                city=city,
                status=status,
                contact_email=f"contact@{domain}",
                website=f"https://www.{domain}",
                account_manager=territory.managers.first(),
                partnership_started_on=_months_ago(months) if months else None,
            )
        domain = _slug(name) + ".example"
        for local, first, last, role, joined, left, language in team:
            user = demo_user(
                f"{local}@{domain}", first, last, language=language, time_zone=tz, country=country
            )
            if not Membership.objects.filter(user=user, distributor=distributor).exists():
                membership = services.membership_start(
                    user=user,
                    distributor=distributor,
                    role=MembershipRole.LEAD if role == "lead" else MembershipRole.STAFF,
                    joined_on=_months_ago(joined),
                )
                if left is not None:
                    services.membership_end(
                        membership=membership,
                        reason="A quitté l'entreprise",
                        left_on=_months_ago(left),
                    )
            if name == "BioDiag Sénégal" and left is None and role == "lead":
                logins.append(DemoLogin("lead", user.email, f"{user} — {name}"))
            if name == "BioDiag Sénégal" and local == "aminata.fall":
                logins.append(DemoLogin("learner", user.email, f"{user} — {name}"))
    return logins
