"""Demo network: territories, distributors in several African countries and
one in Europe in every lifecycle status (with their history), teams with
turnover (people who left, one who moved to another distributor), scorecard
reviews, field reports in every triage state with replies, invitations
(pending, accepted, expired, withdrawn) and about six months of engagement
events for every demo person.

Idempotent: rows are looked up by their natural key and only what is missing
is created. Past dates are written directly where the services stamp "now"
(the demo shows a history that did not happen through the site)."""

import datetime
import functools
import io
import random
import secrets
import unicodedata

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.utils import timezone

from academy import services as academy_services
from academy.demo import (
    ADMIN_EMAIL,
    MANAGER_CENTRAL_EMAIL,
    MANAGER_WEST_EMAIL,
    TRAINER_EMAIL,
    DemoLogin,
    demo_password,
)
from academy.models import EngagementEvent, User, Verb
from academy.services import activity_record
from distributors import services
from distributors.models import (
    Distributor,
    DistributorStatus,
    FieldReport,
    FieldReportStatus,
    Invitation,
    Membership,
    MembershipRole,
    Territory,
)

TERRITORIES = [
    ("Afrique de l'Ouest", ["SN", "CI", "ML", "BF", "GN", "BJ", "TG", "NE", "MR"], MANAGER_WEST_EMAIL),
    ("Afrique centrale", ["CM", "GA", "CG", "CD", "CF", "TD", "BI", "RW"], MANAGER_CENTRAL_EMAIL),
    ("Maghreb", ["MA", "DZ", "TN"], MANAGER_CENTRAL_EMAIL),
    ("Europe", ["FR", "BE", "CH", "LU"], MANAGER_CENTRAL_EMAIL),
]

# name, territory, country, city, status, time zone, months of partnership, team
# team: (e-mail local part, first, last, role, months since joining, months since leaving or None, language)
TeamMember = tuple[str, str, str, str, int, int | None, str]
DISTRIBUTORS: list[tuple[str, str, str, str, str, str, int, list[TeamMember]]] = [
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


# Former members whose leaving makes the turnover figures: (distributor, local part, first, last,
# role, months since joining, months since leaving).
FORMER_MEMBERS = [
    ("BioDiag Sénégal", "mamadou.sy", "Mamadou", "Sy", "staff", 22, 14),
    ("BioDiag Sénégal", "rokhaya.mbaye", "Rokhaya", "Mbaye", "staff", 12, 7),
    ("Ivoire Labo Services", "didier.kouadio", "Didier", "Kouadio", "staff", 16, 9),
    ("Cameroun Diagnostic", "alain.nkodo", "Alain", "Nkodo", "staff", 20, 11),
    ("Atlas Lab Maroc", "nadia.alaoui", "Nadia", "Alaoui", "staff", 15, 6),
]

# Someone who left one distributor and joined another: both periods show on their page.
MOVES = [("mariam.kone@ivoire-labo-services.example", "Sahel Analyses", "staff", 2)]

# The steps from prospect to the current status: (status, months before the partnership
# start (positive) or months ago (negative), reason).
STATUS_PATHS: dict[str, list[tuple[str, str]]] = {
    DistributorStatus.ONBOARDING: [
        (DistributorStatus.ONBOARDING, "Contrat de distribution non exclusif signé ; formation de l’équipe."),
    ],
    DistributorStatus.ACTIVE: [
        (DistributorStatus.ONBOARDING, "Contrat de distribution non exclusif signé ; formation de l’équipe."),
        (DistributorStatus.ACTIVE, "Première commande livrée et équipe certifiée sur les kits."),
    ],
    DistributorStatus.SUSPENDED: [
        (DistributorStatus.ONBOARDING, "Contrat de distribution non exclusif signé ; formation de l’équipe."),
        (DistributorStatus.ACTIVE, "Première commande livrée et équipe certifiée sur les kits."),
        (DistributorStatus.SUSPENDED, "Trois factures impayées depuis plus de 90 jours ; livraisons gelées."),
    ],
    DistributorStatus.ENDED: [
        (DistributorStatus.ONBOARDING, "Contrat de distribution non exclusif signé ; formation de l’équipe."),
        (DistributorStatus.ACTIVE, "Première commande livrée et équipe certifiée sur les kits."),
        (DistributorStatus.SUSPENDED, "Plus aucune commande depuis six mois malgré les relances."),
        (
            DistributorStatus.ENDED,
            "Fin du partenariat à l’initiative du distributeur (changement d’activité).",
        ),
    ],
}

# Scorecard reviews: distributor -> [(months ago, (payment, network, competence, commitment), summary)]
SCORECARDS: dict[str, list[tuple[int, tuple[int, int, int, int], str]]] = {
    "BioDiag Sénégal": [
        (30, (4, 3, 3, 4), "Partenaire sérieux, réseau hospitalier encore limité à Dakar."),
        (18, (4, 4, 4, 4), "Ouverture de Thiès et Saint-Louis ; bonne maîtrise technique."),
        (6, (5, 4, 5, 5), "Distributeur de référence de la zone : paiements à l’heure, équipe formée."),
    ],
    "Ivoire Labo Services": [
        (20, (3, 4, 3, 3), "Bon réseau, paiements parfois en retard."),
        (8, (4, 4, 3, 4), "Paiements régularisés ; former la nouvelle équipe commerciale."),
    ],
    "Sahel Analyses": [(2, (3, 2, 3, 4), "Démarrage : équipe motivée, réseau à construire à Bamako.")],
    "Faso Diagnostic": [
        (24, (4, 3, 3, 4), "Démarrage correct."),
        (12, (3, 3, 3, 3), "Commandes irrégulières."),
        (3, (1, 3, 2, 2), "Impayés importants : partenariat suspendu."),
    ],
    "Cameroun Diagnostic": [
        (36, (4, 5, 4, 4), "Très bien implanté à Douala et Yaoundé."),
        (24, (4, 5, 4, 3), "Engagement en baisse sur les nouveaux kits."),
        (9, (4, 5, 4, 4), "Relance réussie après la web-conférence dédiée."),
    ],
    "Gabon Biomédical": [
        (18, (3, 3, 3, 3), "Petite structure, sérieuse."),
        (5, (3, 3, 2, 2), "Peu de participation aux formations ces derniers mois."),
    ],
    "Congo Medical Supply": [
        (1, (3, 4, 2, 4), "Réseau prometteur à Kinshasa ; compétences techniques à bâtir.")
    ],
    "Atlas Lab Maroc": [
        (26, (5, 4, 4, 4), "Paiements exemplaires."),
        (10, (5, 4, 5, 4), "Compétence technique renforcée (analyse de l’eau)."),
    ],
    "Tunisie Bio Solutions": [
        (40, (4, 4, 4, 4), "Partenaire historique."),
        (14, (2, 3, 3, 2), "Activité en net recul."),
    ],
    "Labo Conseil Benelux": [(12, (5, 3, 4, 4), "Réseau en construction, très bon suivi client.")],
}

# Field reports: (distributor, sender local part, kind, title, description, product, urgency,
# days ago, final status, [(days ago, status or "", reply)], attach a PDF)
FIELD_REPORTS = [
    (
        "BioDiag Sénégal",
        "aminata.fall",
        "local_opportunity",
        "Appel d’offres du laboratoire national de contrôle des aliments",
        "Le laboratoire national lance un appel d’offres pour des tests de contrôle des denrées "
        "importées. Clôture dans six semaines ; ils demandent les fiches techniques en français.",
        "Contrôle des denrées alimentaires",
        "high",
        20,
        FieldReportStatus.IN_PROGRESS,
        [
            (
                19,
                FieldReportStatus.ACKNOWLEDGED,
                "Merci Aminata, bien reçu. Je regarde le cahier des charges.",
            ),
            (
                15,
                FieldReportStatus.IN_PROGRESS,
                "Nous préparons le dossier technique avec le siège ; envoi des fiches la semaine prochaine.",
            ),
        ],
        True,
    ),
    (
        "BioDiag Sénégal",
        "moussa.sow",
        "product_issue",
        "Délais de livraison des réactifs pour les kits d’intolérance",
        "Deux cliniques attendent leurs réactifs depuis trois semaines ; "
        "elles envisagent un autre fournisseur.",
        "Kits d’intolérance alimentaire",
        "high",
        9,
        FieldReportStatus.ACKNOWLEDGED,
        [
            (
                8,
                FieldReportStatus.ACKNOWLEDGED,
                "Nous vérifions avec la logistique et revenons vers vous demain.",
            )
        ],
        False,
    ),
    (
        "Ivoire Labo Services",
        "awa.traore",
        "customer_feedback",
        "Les laboratoires demandent une aide à l’interprétation des résultats",
        "Plusieurs biologistes souhaitent un guide d’interprétation des profils d’intolérance.",
        "Kits d’intolérance alimentaire",
        "normal",
        45,
        FieldReportStatus.CLOSED,
        [
            (43, FieldReportStatus.ACKNOWLEDGED, ""),
            (
                30,
                FieldReportStatus.CLOSED,
                "Un module « Interpréter les résultats » est désormais en ligne "
                "dans l’académie ; il sera présenté à la prochaine web-conférence.",
            ),
        ],
        False,
    ),
    (
        "Ivoire Labo Services",
        "serge.yao",
        "competitor_info",
        "Un concurrent démarche les hôpitaux d’Abidjan",
        "Un fabricant asiatique propose des kits à -30 % avec formation gratuite.",
        "Hôpitaux",
        "normal",
        6,
        FieldReportStatus.NEW,
        [],
        False,
    ),
    (
        "Sahel Analyses",
        "kadiatou.coulibaly",
        "customer_feedback",
        "Demande de devis d’un hôpital de Bamako",
        "Le service de biologie souhaite un devis pour 200 tests et une démonstration sur place.",
        "Hôpitaux",
        "normal",
        4,
        FieldReportStatus.NEW,
        [],
        True,
    ),
    (
        "Faso Diagnostic",
        "salif.sawadogo",
        "product_issue",
        "Étiquettes des flacons illisibles après transport",
        "Sur le dernier lot, l’humidité a décollé les étiquettes de plusieurs flacons.",
        "Analyse de l’eau",
        "normal",
        70,
        FieldReportStatus.IN_PROGRESS,
        [
            (
                65,
                FieldReportStatus.IN_PROGRESS,
                "Le fournisseur d’étiquettes est contacté ; photos bien reçues.",
            )
        ],
        False,
    ),
    (
        "Cameroun Diagnostic",
        "esther.ngo",
        "competitor_info",
        "Kits à prix cassés sur le marché de Douala",
        "Des kits d’origine inconnue sont vendus moitié prix dans plusieurs pharmacies.",
        "Kits d’intolérance alimentaire",
        "high",
        12,
        FieldReportStatus.NEW,
        [],
        False,
    ),
    (
        "Gabon Biomédical",
        "yannick.mba",
        "product_issue",
        "Notice en anglais seulement dans le dernier lot",
        "Les clients demandent la notice en français.",
        "Analyse de l’eau",
        "low",
        80,
        FieldReportStatus.CLOSED,
        [
            (
                75,
                FieldReportStatus.CLOSED,
                "Notices françaises envoyées par courrier ; corrigé pour les prochains lots.",
            )
        ],
        False,
    ),
    (
        "Atlas Lab Maroc",
        "salma.bennani",
        "local_opportunity",
        "Nouveau marché : laboratoires d’analyse de l’eau à Casablanca",
        "La régie de l’eau cherche un fournisseur de tests rapides pour ses laboratoires de quartier.",
        "Analyse de l’eau",
        "normal",
        16,
        FieldReportStatus.ACKNOWLEDGED,
        [(14, FieldReportStatus.ACKNOWLEDGED, "Très intéressant : pouvez-vous nous mettre en relation ?")],
        False,
    ),
    (
        "Labo Conseil Benelux",
        "emma.dubois",
        "customer_feedback",
        "Les hôpitaux apprécient le nouveau format des rapports",
        "Retour très positif de deux hôpitaux bruxellois sur la lisibilité des rapports.",
        "Hôpitaux",
        "low",
        25,
        FieldReportStatus.CLOSED,
        [(24, FieldReportStatus.CLOSED, "Merci Emma, nous transmettons à l’équipe produit.")],
        False,
    ),
]

# Invitations: (distributor, inviter e-mail, invitee e-mail, first, last, role, language, state, days ago)
INVITATIONS = [
    (
        "BioDiag Sénégal",
        "fatou.ndiaye@biodiag-senegal.example",
        "khady.gueye@biodiag-senegal.example",
        "Khady",
        "Gueye",
        "staff",
        "fr",
        "pending",
        3,
    ),
    (
        "BioDiag Sénégal",
        "fatou.ndiaye@biodiag-senegal.example",
        "ousmane.faye@biodiag-senegal.example",
        "Ousmane",
        "Faye",
        "staff",
        "fr",
        "expired",
        20,
    ),
    (
        "BioDiag Sénégal",
        "fatou.ndiaye@biodiag-senegal.example",
        "lamine.gaye@biodiag-senegal.example",
        "Lamine",
        "Gaye",
        "staff",
        "fr",
        "revoked",
        30,
    ),
    (
        "Ivoire Labo Services",
        "kouame.konan@ivoire-labo-services.example",
        "yao.kouassi@ivoire-labo-services.example",
        "Yao",
        "Kouassi",
        "staff",
        "fr",
        "accepted",
        12,
    ),
    (
        "Congo Medical Supply",
        MANAGER_CENTRAL_EMAIL,
        "grace.ilunga@congo-medical-supply.example",
        "Grace",
        "Ilunga",
        "staff",
        "fr",
        "pending",
        5,
    ),
    (
        "Labo Conseil Benelux",
        "lucas.peeters@labo-conseil-benelux.example",
        "sarah.janssens@labo-conseil-benelux.example",
        "Sarah",
        "Janssens",
        "staff",
        "en",
        "pending",
        1,
    ),
]

# Engagement level per distributor over the last six months: (level 6 months ago, level now),
# the weekly chance that a member is active.
ENGAGEMENT = {
    "BioDiag Sénégal": (0.75, 0.85),
    "Ivoire Labo Services": (0.6, 0.6),
    "Sahel Analyses": (0.5, 0.8),
    "Faso Diagnostic": (0.5, 0.05),
    "Cameroun Diagnostic": (0.45, 0.6),
    "Gabon Biomédical": (0.55, 0.15),
    "Congo Medical Supply": (0.6, 0.7),
    "Atlas Lab Maroc": (0.6, 0.55),
    "Tunisie Bio Solutions": (0.3, 0.1),
    "Labo Conseil Benelux": (0.5, 0.6),
}

COURSES = [
    ("Tests d’intolérance alimentaire : les bases", 6),
    ("Prélèvement capillaire et conservation des échantillons", 4),
    ("Analyse de l’eau : kits et protocoles", 5),
    ("Contrôle qualité des denrées alimentaires", 5),
    ("Présenter l’offre aux laboratoires hospitaliers", 3),
]
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
EVENT_WEEKS = 26


def _months_ago(months: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=round(months * 30.4))


def _at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(ascii_name.lower().split())


def _demo_password_hash() -> str:
    return _password_hash(demo_password())


@functools.cache
def _password_hash(password: str | None) -> str:
    # Hashing is slow on purpose; every demo account shares the one password,
    # so it is hashed once per run rather than once per person (None: unusable).
    return make_password(password)


def _person(email: str, first: str, last: str, *, language: str = "fr", time_zone: str, country: str) -> User:
    """The demo account with this address, created (with the demo password) if missing."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = academy_services.user_create(
            email=email,
            first_name=first,
            last_name=last,
            language=language,
            time_zone=time_zone,
            country=country,
        )
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


def _backdate(obj: Model, **fields: object) -> None:
    type(obj)._default_manager.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def _territory_manager(territory: Territory) -> User:
    """The first manager of ``territory`` (every demo territory has one)."""
    manager = territory.managers.first()
    assert manager is not None, f"{territory} has no manager"
    return manager


def _seed_distributor(
    name: str, territory: Territory, country: str, city: str, status: str, months: int
) -> Distributor:
    """Create the distributor as a prospect and walk it to ``status`` with dated steps."""
    manager = _territory_manager(territory)
    domain = _slug(name) + ".example"
    started = _months_ago(months) if months else None
    distributor = services.distributor_create(
        created_by=manager,
        territory=territory,
        name=name,
        country=country,
        city=city,
        contact_email=f"contact@{domain}",
        website=f"https://www.{domain}",
        account_manager=manager,
        partnership_started_on=started,
    )
    first_step = _months_ago(months + 3) if months else timezone.localdate() - datetime.timedelta(days=20)
    _backdate(
        distributor.status_changes.get(),
        created_at=_at(first_step),
        reason="Premier contact au salon Africa Health.",
    )
    path = STATUS_PATHS.get(status, [])
    # Onboarding at the partnership start, active three months later; the
    # troubles of suspended and ended partnerships are recent.
    dates = [_months_ago(max(months - 3 * index, 0)) for index in range(len(path))]
    if status == DistributorStatus.SUSPENDED:
        dates[-1] = _months_ago(3)
    if status == DistributorStatus.ENDED:
        dates[-2:] = [_months_ago(8), _months_ago(4)]
    for (step, reason), day in zip(path, dates, strict=True):
        services.distributor_status_change(
            actor=manager, distributor=distributor, status=step, reason=reason, changed_at=_at(day, 10)
        )
    return distributor


def _seed_member(distributor: Distributor, user: User, role: str, joined: int, left: int | None) -> None:
    if Membership.objects.filter(user=user, distributor=distributor).exists():
        return
    membership = services.membership_start(
        user=user,
        distributor=distributor,
        role=MembershipRole.LEAD if role == "lead" else MembershipRole.STAFF,
        joined_on=_months_ago(joined),
    )
    if left is not None:
        services.membership_end(
            membership=membership, reason="A quitté l’entreprise", left_on=_months_ago(left)
        )


def _seed_scorecards(distributor: Distributor) -> None:
    if distributor.scorecard_reviews.exists():
        return
    manager = _territory_manager(distributor.territory)
    for months, (payment, network, competence, commitment), summary in SCORECARDS.get(distributor.name, []):
        services.scorecard_review_create(
            actor=manager,
            distributor=distributor,
            reviewed_on=_months_ago(months),
            payment_reliability=payment,
            established_network=network,
            technical_competence=competence,
            commitment=commitment,
            summary=summary,
        )


def _demo_pdf(title: str) -> bytes:
    from reportlab.lib.pagesizes import A4

    from academy.pdf_fonts import pdf_canvas

    buffer = io.BytesIO()
    pdf = pdf_canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    pdf.drawString(72, 770, title)
    pdf.drawString(72, 750, "Document transmis par le distributeur.")
    pdf.save()
    return buffer.getvalue()


def _seed_field_reports(distributors: dict[str, Distributor]) -> None:
    for name, local, kind, title, description, product, urgency, days, _final, steps, attach in FIELD_REPORTS:
        distributor = distributors[name]
        if FieldReport.objects.filter(distributor=distributor, title=title).exists():
            continue
        sender = User.objects.get(email=f"{local}@{_slug(name)}.example")
        attachment = (
            SimpleUploadedFile(f"{_slug(title)[:40]}.pdf", _demo_pdf(title), content_type="application/pdf")
            if attach
            else None
        )
        report = services.field_report_create(
            sender=sender,
            kind=kind,
            title=title,
            description=description,
            product=product,
            urgency=urgency,
            attachment=attachment,
        )
        sent_at = timezone.now() - datetime.timedelta(days=days, hours=3)
        _backdate(report, created_at=sent_at)
        EngagementEvent.objects.filter(verb=Verb.FIELD_REPORT_SENT, object_id=str(report.pk)).update(
            occurred_at=sent_at
        )
        manager = _territory_manager(distributor.territory)
        for step_days, status, body in steps:
            reply = services.field_report_triage(actor=manager, report=report, status=status, reply=body)
            when = timezone.now() - datetime.timedelta(days=step_days, hours=1)
            _backdate(reply, created_at=when, emailed_at=when if body else None)
            _backdate(report, status_changed_at=when)


def _seed_invitations(distributors: dict[str, Distributor]) -> None:
    now = timezone.now()
    for name, inviter_email, email, first, last, role, language, state, days in INVITATIONS:
        distributor = distributors[name]
        if Invitation.objects.filter(distributor=distributor, email=email).exists():
            continue
        inviter = User.objects.get(email=inviter_email)
        invitation = services.invitation_create(
            actor=inviter,
            distributor=distributor,
            email=email,
            role=role,
            language=language,
            first_name=first,
            last_name=last,
            send_email=False,
        )
        sent = now - datetime.timedelta(days=days)
        _backdate(
            invitation,
            created_at=sent,
            sent_at=sent,
            send_count=1,
            expires_at=sent + datetime.timedelta(days=14),
        )
        if state == "revoked":
            services.invitation_revoke(actor=inviter, invitation=invitation)
        elif state == "accepted":
            membership = services.invitation_accept_new_account(
                invitation=invitation,
                first_name=first,
                last_name=last,
                # Where demo data is not wanted, a password nobody knows.
                password=demo_password() or secrets.token_urlsafe(32),
                language=language,
                time_zone=inviter.time_zone,
            )
            accepted = sent + datetime.timedelta(days=2)
            _backdate(invitation, accepted_at=accepted, expires_at=sent + datetime.timedelta(days=14))
            _backdate(membership, joined_on=accepted.date())
            EngagementEvent.objects.filter(actor=membership.user).update(occurred_at=accepted)


def _week_level(name: str, week: int) -> float:
    then, now = ENGAGEMENT.get(name, (0.5, 0.5))
    return then + (now - then) * week / (EVENT_WEEKS - 1)


def _record(
    user: User,
    distributor: Distributor,
    moment: datetime.datetime,
    verb: str,
    offset_minutes: int = 0,
    **kwargs: object,
) -> None:
    activity_record(
        actor=user,
        verb=verb,
        distributor=distributor,
        occurred_at=moment + datetime.timedelta(minutes=offset_minutes),
        **kwargs,  # type: ignore[arg-type]
    )


def _learning_session(
    rng: random.Random, record: functools.partial[None], progress: dict[str, int], title: str, lessons: int
) -> None:
    """One or two lessons of ``title``, and its final quiz once every lesson is done."""
    if progress[title] == 0:
        record(Verb.ENROLLED, 1, object_type="courses.course", object_name=title)
    for step in range(rng.randint(1, 2)):
        if progress[title] >= lessons:
            break
        progress[title] += 1
        record(
            Verb.LESSON_COMPLETED,
            5 + step * 30,
            object_type="courses.lesson",
            object_name=f"{title} — leçon {progress[title]}",
            minutes=rng.randint(8, 25),
        )
    if progress[title] < lessons:
        return
    score = rng.randint(55, 100)
    verb = Verb.QUIZ_PASSED if score >= 70 else Verb.QUIZ_FAILED
    record(
        verb, 70, object_type="courses.quiz", object_name=f"{title} — quiz final", context={"score": score}
    )
    if verb == Verb.QUIZ_PASSED:
        record(Verb.COURSE_COMPLETED, 71, object_type="courses.course", object_name=title)
        record(Verb.CERTIFICATE_ISSUED, 72, object_type="courses.certificate", object_name=title)
        progress[title] = lessons + 1  # done
    else:
        progress[title] = lessons - 1  # the last lesson is read again, then the quiz retaken


def _seed_person_events(rng: random.Random, user: User, membership: Membership, level_of) -> None:
    """About six months of a member's learning and web-conference activity, within their membership."""
    today = timezone.localdate()
    first_week = today - datetime.timedelta(weeks=EVENT_WEEKS)
    distributor = membership.distributor
    progress = {title: 0 for title, _lessons in COURSES}
    courses = rng.sample(COURSES, k=3)
    for week in range(EVENT_WEEKS):
        monday = first_week + datetime.timedelta(weeks=week)
        if monday < membership.joined_on or (membership.left_on and monday > membership.left_on):
            continue
        if monday > today or rng.random() > level_of(distributor.name, week):
            continue
        day = monday + datetime.timedelta(days=rng.randint(0, 4))
        if day > today:
            continue
        moment = _at(day, rng.randint(7, 16), rng.randint(0, 59))

        record = functools.partial(_record, user, distributor, moment)

        record(Verb.LOGGED_IN)
        remaining = [(t, n) for t, n in courses if progress[t] < n]
        if remaining:
            _learning_session(rng, record, progress, *remaining[0])
        # The monthly web-conference, in the last days of the month.
        if monday.day > 21:
            webinar = f"Web-conférence de {MONTHS_FR[monday.month - 1]} {monday.year}"
            record(Verb.WEBINAR_REGISTERED, -60 * 24 * 3, object_type="webinars.session", object_name=webinar)
            if rng.random() < 0.7:
                record(
                    Verb.WEBINAR_ATTENDED,
                    120,
                    object_type="webinars.session",
                    object_name=webinar,
                    minutes=rng.randint(35, 60),
                )
                if rng.random() < 0.4:
                    record(
                        Verb.FEEDBACK_GIVEN,
                        185,
                        object_type="webinars.session",
                        object_name=webinar,
                        context={"rating": rng.randint(3, 5)},
                    )
                if rng.random() < 0.3:
                    record(Verb.QUESTION_ASKED, 140, object_type="webinars.session", object_name=webinar)
            else:
                record(
                    Verb.REPLAY_WATCHED,
                    60 * 24 * 2,
                    object_type="webinars.session",
                    object_name=webinar,
                    minutes=rng.randint(15, 50),
                )


def _rng(*key: object) -> random.Random:
    # One generator per person: the same events every run, whoever else is seeded.
    return random.Random("/".join(str(part) for part in key))


def _seed_events() -> None:
    seeded = set(EngagementEvent.objects.filter(verb=Verb.LOGGED_IN).values_list("actor_id", flat=True))
    memberships = (
        Membership.objects.select_related("user", "distributor")
        .exclude(user_id__in=seeded)
        .order_by("user__email", "joined_on")
    )
    for membership in memberships:
        rng = _rng(membership.user.email, membership.distributor.name)
        _seed_person_events(rng, membership.user, membership, _week_level)
    today = timezone.localdate()
    for email in (MANAGER_WEST_EMAIL, MANAGER_CENTRAL_EMAIL, TRAINER_EMAIL, ADMIN_EMAIL):
        staff = User.objects.filter(email=email).exclude(pk__in=seeded).first()
        if staff is None:
            continue
        rng = _rng(email)
        for week in range(EVENT_WEEKS):
            day = today - datetime.timedelta(weeks=week, days=rng.randint(0, 4))
            activity_record(
                actor=staff, verb=Verb.LOGGED_IN, distributor=None, occurred_at=_at(day, rng.randint(7, 17))
            )


def seed() -> list[DemoLogin]:
    territories: dict[str, Territory] = {}
    for name, countries, manager_email in TERRITORIES:
        territory = Territory.objects.filter(name=name).first()
        if territory is None:
            manager = User.objects.get(email=manager_email)
            territory = services.territory_create(name=name, countries=countries, managers=[manager])
        territories[name] = territory

    logins: list[DemoLogin] = []
    distributors: dict[str, Distributor] = {}
    for name, territory_name, country, city, status, tz, months, team in DISTRIBUTORS:
        distributor = Distributor.objects.filter(name=name).first()
        if distributor is None:
            distributor = _seed_distributor(name, territories[territory_name], country, city, status, months)
        distributors[name] = distributor
        domain = _slug(name) + ".example"
        for local, first, last, role, joined, left, language in team:
            user = _person(f"{local}@{domain}", first, last, language=language, time_zone=tz, country=country)
            _seed_member(distributor, user, role, joined, left)
            if name == "BioDiag Sénégal" and left is None and role == "lead":
                logins.append(DemoLogin("lead", user.email, f"{user} — {name}"))
            if name == "BioDiag Sénégal" and local == "aminata.fall":
                logins.append(DemoLogin("learner", user.email, f"{user} — {name}"))
        _seed_scorecards(distributor)

    tz_of = {name: tz for name, _t, _c, _city, _s, tz, _m, _team in DISTRIBUTORS}
    country_of = {name: country for name, _t, country, *_rest in DISTRIBUTORS}
    for name, local, first, last, role, joined, left in FORMER_MEMBERS:
        user = _person(
            f"{local}@{_slug(name)}.example", first, last, time_zone=tz_of[name], country=country_of[name]
        )
        _seed_member(distributors[name], user, role, joined, left)
    for email, name, role, joined in MOVES:
        user = User.objects.get(email=email)
        _seed_member(distributors[name], user, role, joined, None)

    _seed_field_reports(distributors)
    _seed_invitations(distributors)
    _seed_events()
    return logins
