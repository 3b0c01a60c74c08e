"""Demo courses in French: diagnostic kits, food-intolerance tests, water
analysis, laboratory quality, sales method, onboarding, hospital tenders.

Each course: (slug, title, level, category, minutes, validity months,
summary, modules). A module: (title, lessons). A lesson is one of
("text", title, minutes, markdown), ("document", title, minutes, pdf title,
pdf lines) or ("quiz", title, minutes, pass mark, max attempts, shuffle,
questions); a question: (kind, text, explanation, [(answer, correct)]).
"""

ELISA = (
    "kits-elisa-principes",
    "Kits ELISA : principes et bonnes pratiques",
    "intermediate",
    "kits",
    90,
    24,
    "Comprendre le principe d’un test ELISA, préparer une série, lire et valider les résultats : ce "
    "qu’un technicien ou un commercial doit savoir pour accompagner un laboratoire client.",
    [
        (
            "Le principe de l’ELISA",
            [
                (
                    "text",
                    "Anticorps, antigènes et plaque 96 puits",
                    8,
                    """L’ELISA (*Enzyme-Linked ImmunoSorbent Assay*) détecte et dose une molécule grâce à la
reconnaissance très spécifique entre un **antigène** et un **anticorps**.

## Ce qui se passe dans un puits

1. Une molécule de capture (antigène ou anticorps) est fixée au fond du puits.
2. L’échantillon est déposé : la molécule recherchée s’y accroche.
3. Un anticorps de détection, couplé à une **enzyme** (souvent la peroxydase), vient se fixer.
4. On ajoute un **substrat** (TMB) : l’enzyme le transforme et la solution se colore.
5. Une solution d’arrêt fige la réaction ; la couleur est lue au spectrophotomètre.

Plus il y a de molécules recherchées, plus la coloration est intense.

## Pourquoi une plaque de 96 puits ?

Une plaque permet de passer en une seule série les **standards**, les **contrôles** et des dizaines
d’échantillons. C’est ce qui rend la technique économique pour un laboratoire hospitalier ou
agroalimentaire.""",
                ),
                (
                    "text",
                    "Les grandes familles : direct, indirect, sandwich, compétition",
                    10,
                    """Tous nos coffrets ne fonctionnent pas de la même façon. Savoir lequel on vend évite bien des
erreurs d’interprétation.

| Format | Principe | Usage typique |
|---|---|---|
| Indirect | l’antigène est fixé, on détecte les anticorps du patient | sérologies, IgG alimentaires |
| Sandwich | deux anticorps encadrent l’antigène | dosage de protéines, allergènes |
| Compétition | la molécule de l’échantillon entre en compétition avec une molécule marquée | petites molécules, toxines, résidus |

**À retenir :** en compétition, le signal est *inversement* proportionnel à la concentration. Un puits
très coloré signifie donc peu de molécule recherchée.

Lorsque vous présentez un coffret, indiquez toujours le format, la nature de l’échantillon accepté
(sérum, plasma, extrait alimentaire, eau) et la plage de mesure.""",
                ),
                (
                    "document",
                    "Fiche technique : composition d’un coffret ELISA",
                    5,
                    "Fiche technique — composition d’un coffret ELISA",
                    [
                        "1 plaque de 96 puits sécables, sensibilisée, en sachet avec dessiccant",
                        "Standards de calibration (5 niveaux) et contrôles positif et négatif",
                        "Conjugué enzymatique prêt à l’emploi",
                        "Substrat TMB — à conserver à l’abri de la lumière",
                        "Solution d’arrêt (acide sulfurique dilué) — manipuler avec des gants",
                        "Tampon de lavage concentré 20× et diluant échantillon",
                        "Conservation : entre +2 °C et +8 °C, ne pas congeler",
                        "Stabilité après ouverture : 8 semaines si la chaîne du froid est respectée",
                    ],
                ),
            ],
        ),
        (
            "Réaliser et valider une série",
            [
                (
                    "text",
                    "Préparer la série : réactifs, standards et contrôles",
                    12,
                    """Une série réussie se joue **avant** le premier pipetage.

- Sortez les réactifs **30 minutes** à l’avance : ils doivent être à température ambiante.
- Vérifiez le **numéro de lot** et la **date de péremption** de chaque flacon ; ne mélangez jamais
  des réactifs de lots différents.
- Préparez le tampon de lavage la veille si possible et notez la date sur le flacon.
- Établissez un **plan de plaque** : standards et contrôles en double, échantillons ensuite.

> Un contrôle hors limites invalide toute la série, même si les échantillons « ont l’air normaux ».

Le lavage est l’étape la plus souvent responsable des mauvais résultats : un laveur mal réglé laisse
du conjugué et fait monter le bruit de fond.""",
                ),
                (
                    "text",
                    "Lecture au spectrophotomètre et courbe d’étalonnage",
                    10,
                    """La lecture se fait à **450 nm** avec une longueur d’onde de référence à 620 ou 650 nm, dans les
**30 minutes** qui suivent l’arrêt de la réaction.

## La courbe d’étalonnage

Les densités optiques (DO) des standards permettent de tracer une courbe ; la concentration de chaque
échantillon est lue sur cette courbe. Nos coffrets recommandent un ajustement **4 paramètres (4PL)**.

- Un coefficient de corrélation inférieur à 0,98 doit faire suspecter une erreur de pipetage.
- Un échantillon au-dessus du dernier standard doit être **dilué et repassé**, jamais extrapolé.""",
                ),
                (
                    "text",
                    "Valider la série et interpréter les résultats",
                    10,
                    """Avant de rendre un résultat, le technicien vérifie trois points :

1. **Les contrôles** sont dans les limites indiquées sur le certificat d’analyse du lot.
2. **La courbe** est conforme (forme, DO du standard le plus haut supérieure au seuil indiqué).
3. **Les doublons** concordent (coefficient de variation inférieur à 15 %).

Si l’un de ces critères n’est pas rempli, la série est refaite. Notez la cause dans le registre des
non-conformités : c’est ce que demandera l’auditeur lors d’une accréditation.""",
                ),
                (
                    "quiz",
                    "Évaluation : kits ELISA",
                    10,
                    70,
                    3,
                    True,
                    [
                        (
                            "single",
                            "Dans un ELISA par compétition, un puits très coloré signifie :",
                            "En compétition, la molécule de l’échantillon prend la place de la molécule marquée : "
                            "plus il y en a, moins le signal est fort.",
                            [
                                ("peu de molécule recherchée dans l’échantillon", True),
                                ("beaucoup de molécule recherchée dans l’échantillon", False),
                                ("une erreur de lavage, systématiquement", False),
                            ],
                        ),
                        (
                            "multiple",
                            "Que faut-il vérifier avant de valider une série ?",
                            "Contrôles, courbe et doublons : les trois critères doivent être remplis ; la couleur "
                            "des échantillons ne dit rien de la validité de la série.",
                            [
                                ("Les contrôles sont dans leurs limites", True),
                                ("La courbe d’étalonnage est conforme", True),
                                ("Les doublons concordent", True),
                                ("Les échantillons ont une couleur homogène", False),
                            ],
                        ),
                        (
                            "true_false",
                            "On peut mélanger les réactifs de deux lots différents d’un même coffret.",
                            "Non : chaque lot est calibré avec ses propres réactifs ; les mélanger fausse les résultats.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                        (
                            "single",
                            "Un échantillon dépasse le standard le plus élevé. Que faites-vous ?",
                            "On ne lit jamais une concentration hors de la courbe : on dilue et on repasse l’échantillon.",
                            [
                                ("Je le dilue et je le repasse", True),
                                ("J’extrapole la courbe", False),
                                ("Je rends le résultat « supérieur à la normale »", False),
                            ],
                        ),
                        (
                            "single",
                            "À quelle température conserver un coffret ELISA ?",
                            "Entre +2 °C et +8 °C ; la congélation dénature les anticorps fixés sur la plaque.",
                            [
                                ("Entre +2 °C et +8 °C", True),
                                ("À −20 °C", False),
                                ("À température ambiante", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

INTOLERANCE = (
    "intolerance-alimentaire-igg",
    "Tests d’intolérance alimentaire IgG : du prélèvement au rapport",
    "beginner",
    "intolerance",
    60,
    24,
    "Expliquer ce que mesure un test IgG alimentaire, accompagner le patient dans son prélèvement au "
    "buvard et l’aider à lire son rapport, en restant dans les limites du conseil.",
    [
        (
            "Comprendre le test",
            [
                (
                    "text",
                    "Allergie ou intolérance : de quoi parle-t-on ?",
                    8,
                    """Les patients confondent souvent les deux. Il est essentiel de savoir les distinguer.

- **L’allergie alimentaire** met en jeu les anticorps **IgE**. La réaction est rapide (quelques minutes)
  et peut être grave. Elle relève du médecin allergologue.
- **L’intolérance** ou hypersensibilité retardée peut s’accompagner d’anticorps **IgG** dirigés contre
  certains aliments. Les symptômes (ballonnements, fatigue, maux de tête) apparaissent plusieurs heures
  ou jours après le repas.

Notre test mesure les **IgG**. Il ne diagnostique **pas** une allergie : un patient qui décrit une réaction
immédiate doit être orienté vers son médecin.""",
                ),
                (
                    "text",
                    "Ce que mesure un test IgG alimentaire (et ce qu’il ne mesure pas)",
                    8,
                    """Le laboratoire dose, pour chaque aliment du panel, le taux d’IgG spécifiques dans le sang.

Le rapport classe les aliments en trois niveaux : **non réactif**, **limite**, **réactif**.

Ce que le test permet : guider une **éviction temporaire** des aliments réactifs, puis une
réintroduction progressive, idéalement avec un professionnel de la nutrition.

Ce qu’il ne permet pas : poser un diagnostic médical, ni justifier l’exclusion définitive d’un groupe
d’aliments entier.""",
                ),
            ],
        ),
        (
            "Du prélèvement au rapport",
            [
                (
                    "text",
                    "Le kit de prélèvement : buvard et conditions d’envoi",
                    10,
                    """Le kit contient une lancette, un **buvard** avec cinq cercles, un formulaire et une enveloppe
retour.

1. Se laver les mains à l’eau chaude pour activer la circulation.
2. Piquer le côté du bout du doigt, essuyer la première goutte.
3. Remplir **complètement** les cinq cercles, sans superposer les gouttes.
4. Laisser sécher **deux heures** à plat, à l’abri du soleil.
5. Envoyer le jour même ; éviter les envois le vendredi.

Un buvard mal rempli est la première cause de demande de nouveau prélèvement.""",
                ),
                (
                    "document",
                    "Notice patient : réaliser son prélèvement",
                    4,
                    "Notice patient — prélèvement au buvard",
                    [
                        "Lavez-vous les mains à l’eau chaude et séchez-les.",
                        "Piquez le côté du bout du doigt avec la lancette fournie.",
                        "Essuyez la première goutte, puis remplissez les 5 cercles.",
                        "Laissez sécher le buvard 2 heures à plat, sans le toucher.",
                        "Glissez-le dans l’enveloppe avec le formulaire rempli.",
                        "Postez l’enveloppe du lundi au jeudi.",
                    ],
                ),
                (
                    "text",
                    "Lire le rapport et orienter le patient",
                    10,
                    """Le rapport est envoyé au patient et, s’il l’a demandé, à son médecin.

- Commencez par rappeler ce que le test mesure (IgG, pas IgE).
- Repérez les aliments **réactifs** : ce sont eux qui font l’objet d’une éviction de 6 à 8 semaines.
- Insistez sur la **réintroduction** : un aliment à la fois, en observant les symptômes.

Après l’analyse, l’entreprise propose un entretien de conseil nutritionnel : c’est un moment clé de la
relation avec le patient, qui parle souvent de nous autour de lui.""",
                ),
                (
                    "quiz",
                    "Évaluation : tests IgG",
                    8,
                    75,
                    None,
                    False,
                    [
                        (
                            "single",
                            "Un patient décrit un gonflement des lèvres quelques minutes après avoir mangé des "
                            "crevettes. Que lui conseillez-vous ?",
                            "Une réaction immédiate évoque une allergie (IgE) : elle relève du médecin, pas d’un test IgG.",
                            [
                                ("Consulter son médecin ou un allergologue", True),
                                ("Faire le test IgG pour confirmer", False),
                                ("Supprimer tous les fruits de mer sans autre avis", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Le test IgG alimentaire permet de diagnostiquer une allergie.",
                            "Non : il mesure les IgG, impliqués dans les hypersensibilités retardées.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                        (
                            "single",
                            "Combien de temps le buvard doit-il sécher ?",
                            "Deux heures à plat, à l’abri du soleil ; un buvard humide s’altère pendant le transport.",
                            [
                                ("Deux heures", True),
                                ("Dix minutes", False),
                                ("Une nuit au réfrigérateur", False),
                            ],
                        ),
                        (
                            "multiple",
                            "Quelles sont les bonnes pratiques d’envoi ?",
                            "Envoyer vite et éviter les week-ends : le buvard doit arriver au laboratoire en bon état.",
                            [
                                ("Envoyer le jour même", True),
                                ("Éviter les envois le vendredi", True),
                                ("Mettre le buvard dans un sachet plastique fermé encore humide", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

WATER = (
    "analyse-microbiologique-eau",
    "Analyse microbiologique de l’eau",
    "intermediate",
    "water-food",
    75,
    36,
    "Indicateurs de contamination fécale, prélèvement, filtration sur membrane et tests rapides : les "
    "bases pour conseiller les laboratoires d’analyse d’eau et les industriels.",
    [
        (
            "Les indicateurs de contamination",
            [
                (
                    "text",
                    "Pourquoi rechercher E. coli et les coliformes ?",
                    8,
                    """On ne recherche pas tous les germes pathogènes dans une eau : ce serait long et coûteux. On
recherche des **indicateurs**.

- ***Escherichia coli*** vit dans l’intestin : sa présence prouve une contamination **fécale récente**.
- Les **coliformes totaux** renseignent sur l’efficacité du traitement et l’état du réseau.
- Les **entérocoques intestinaux** résistent plus longtemps dans l’environnement.

Pour une eau destinée à la consommation humaine, la référence est **0 E. coli / 100 mL**.""",
                ),
                (
                    "text",
                    "Prélever un échantillon d’eau sans le contaminer",
                    10,
                    """Un résultat n’est jamais meilleur que le prélèvement.

1. Utiliser un flacon **stérile** contenant du thiosulfate (il neutralise le chlore).
2. Au robinet : retirer les embouts, flamber ou désinfecter, laisser couler 2 à 3 minutes.
3. Ne pas toucher l’intérieur du bouchon ; ne pas rincer le flacon.
4. Transporter à **+5 °C ± 3 °C** et analyser dans les **24 heures**.""",
                ),
            ],
        ),
        (
            "Méthodes d’analyse",
            [
                (
                    "text",
                    "Filtration sur membrane et milieux chromogènes",
                    12,
                    """La méthode de référence (ISO 9308-1) consiste à **filtrer 100 mL** d’eau sur une membrane de
0,45 µm, puis à la déposer sur un milieu de culture.

Sur un milieu **chromogène**, les colonies prennent une couleur selon l’enzyme qu’elles possèdent :
E. coli apparaît en bleu foncé, les autres coliformes en rose. Lecture après 21 à 24 heures à 36 °C.

Avantage pour le client : une seule boîte donne deux résultats, sans confirmation supplémentaire.""",
                ),
                (
                    "text",
                    "Tests rapides par enzyme-substrat",
                    8,
                    """Les tests enzyme-substrat ajoutent à l’échantillon un réactif qui change de couleur (ou devient
fluorescent) en présence de coliformes et d’E. coli.

Ils conviennent aux **laboratoires de terrain** et aux industriels qui veulent un résultat simple,
présence/absence ou nombre le plus probable, sans préparer de milieux.""",
                ),
                (
                    "document",
                    "Fiche : critères microbiologiques de potabilité",
                    4,
                    "Critères microbiologiques — eau destinée à la consommation",
                    [
                        "Escherichia coli : 0 / 100 mL",
                        "Entérocoques intestinaux : 0 / 100 mL",
                        "Coliformes totaux : 0 / 100 mL (référence de qualité)",
                        "Bactéries sulfito-réductrices : 0 / 100 mL (eaux superficielles)",
                        "Prélèvement : flacon stérile avec thiosulfate, transport à 5 °C ± 3 °C",
                        "Délai d’analyse : 24 heures au plus",
                    ],
                ),
                (
                    "quiz",
                    "Évaluation : analyse de l’eau",
                    8,
                    70,
                    2,
                    False,
                    [
                        (
                            "single",
                            "La présence d’E. coli dans une eau indique :",
                            "E. coli vit dans l’intestin : c’est l’indicateur d’une contamination fécale récente.",
                            [
                                ("une contamination fécale récente", True),
                                ("un excès de chlore", False),
                                ("une eau trop dure", False),
                            ],
                        ),
                        (
                            "single",
                            "Pourquoi le flacon de prélèvement contient-il du thiosulfate ?",
                            "Il neutralise le chlore, qui continuerait sinon à tuer les bactéries pendant le transport.",
                            [
                                ("Pour neutraliser le chlore résiduel", True),
                                ("Pour nourrir les bactéries", False),
                                ("Pour colorer l’échantillon", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Un échantillon d’eau peut être analysé trois jours après le prélèvement.",
                            "Non : l’analyse doit avoir lieu dans les 24 heures, l’échantillon étant gardé au frais.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

QUALITY = (
    "qualite-laboratoire",
    "Qualité au laboratoire : contrôles internes et traçabilité",
    "intermediate",
    "quality",
    70,
    12,
    "Contrôles de qualité internes, règles de Westgard, traçabilité des lots et gestion des "
    "non-conformités : ce que nos clients doivent démontrer en audit.",
    [
        (
            "Contrôles internes",
            [
                (
                    "text",
                    "Contrôle de qualité interne : pourquoi et comment",
                    10,
                    """Le contrôle de qualité interne (CQI) vérifie, à chaque série, que la méthode donne le bon
résultat sur un échantillon dont la valeur est connue.

- Au moins **deux niveaux** de contrôle (normal et pathologique) par série.
- Les résultats sont reportés sur une **carte de Levey-Jennings** : moyenne et écarts-types.
- Le CQI se distingue de l’**évaluation externe** (EEQ), où un organisme envoie des échantillons
  inconnus à plusieurs laboratoires.""",
                ),
                (
                    "text",
                    "Les règles de Westgard en pratique",
                    10,
                    """Les règles de Westgard disent quand rejeter une série.

| Règle | Signification | Action |
|---|---|---|
| 1-2s | un contrôle hors ±2 écarts-types | alerte : vérifier |
| 1-3s | un contrôle hors ±3 écarts-types | rejet (erreur aléatoire) |
| 2-2s | deux contrôles consécutifs hors 2 s du même côté | rejet (erreur systématique) |
| R-4s | écart de plus de 4 s entre deux contrôles | rejet |

Une alerte 1-2s ne justifie pas à elle seule de refaire la série : elle invite à appliquer les autres
règles.""",
                ),
            ],
        ),
        (
            "Traçabilité",
            [
                (
                    "text",
                    "Lots, dates de péremption et chaîne du froid",
                    8,
                    """Chaque résultat doit pouvoir être relié au **lot** de réactif utilisé, à l’**opérateur** et à
l’**appareil**.

- Enregistrez le relevé de température des réfrigérateurs **chaque jour** ouvré.
- Rangez selon la règle « premier périmé, premier sorti ».
- Conservez le certificat d’analyse de chaque lot reçu.""",
                ),
                (
                    "text",
                    "Non-conformités : enregistrer, analyser, corriger",
                    10,
                    """Une non-conformité est tout écart à une exigence : contrôle hors limites, réactif périmé utilisé,
échantillon mal identifié.

1. **Enregistrer** immédiatement (date, description, personne).
2. **Traiter** : refaire la série, informer le prescripteur si un résultat a été rendu.
3. **Analyser la cause** (méthode des 5 pourquoi).
4. **Corriger** et vérifier l’efficacité de l’action.""",
                ),
                (
                    "quiz",
                    "Évaluation : qualité",
                    8,
                    75,
                    3,
                    True,
                    [
                        (
                            "single",
                            "Un seul contrôle est hors ±3 écarts-types. Que faites-vous ?",
                            "La règle 1-3s signale une erreur aléatoire importante : la série est rejetée.",
                            [
                                ("Je rejette la série", True),
                                ("Je rends les résultats", False),
                                ("J’attends le contrôle suivant", False),
                            ],
                        ),
                        (
                            "multiple",
                            "À quoi chaque résultat doit-il pouvoir être relié ?",
                            "Lot, opérateur et appareil : c’est le socle de la traçabilité demandée en audit.",
                            [
                                ("Au lot de réactif", True),
                                ("À l’opérateur", True),
                                ("À l’appareil", True),
                                ("Au fournisseur d’électricité", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Le contrôle de qualité interne et l’évaluation externe de la qualité sont la même chose.",
                            "Non : le CQI est fait par le laboratoire à chaque série ; l’EEQ est organisée par un "
                            "organisme extérieur avec des échantillons inconnus.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

SALES = (
    "methode-vente-conseil",
    "Méthode de vente conseil pour distributeurs",
    "beginner",
    "sales",
    60,
    None,
    "Préparer une visite, faire parler le client, présenter une solution plutôt qu’un catalogue, "
    "répondre aux objections et assurer le suivi : la méthode qui fidélise les laboratoires.",
    [
        (
            "Préparer la visite",
            [
                (
                    "text",
                    "Connaître le laboratoire avant d’y entrer",
                    8,
                    """Un client remarque tout de suite un commercial qui n’a rien préparé.

Avant la visite, notez :

- le **type de structure** (hôpital public, clinique, laboratoire privé, industrie agroalimentaire) ;
- les **analyses** qu’il réalise déjà et les appareils dont il dispose ;
- ses **contraintes** : budget annuel, appels d’offres, délais d’approvisionnement ;
- les **interlocuteurs** : biologiste, technicien, acheteur, directeur.

Le *scouting*, c’est aussi visiter le client avec notre responsable de zone : il apprend le terrain,
vous apprenez nos produits.""",
                ),
                (
                    "text",
                    "Les questions qui font parler le client",
                    10,
                    """La vente conseil repose sur l’**écoute**. Posez des questions ouvertes et laissez le client
parler 70 % du temps.

- « Quelles analyses vous posent le plus de difficultés aujourd’hui ? »
- « Que se passe-t-il quand un réactif arrive en rupture ? »
- « Comment vos prescripteurs vous font-ils part de leurs besoins ? »

Reformulez ce que vous avez entendu avant de proposer quoi que ce soit : le client doit se sentir
compris.""",
                ),
            ],
        ),
        (
            "Conclure et suivre",
            [
                (
                    "text",
                    "Présenter une solution, pas un catalogue",
                    8,
                    """Nos solutions sont souvent sur mesure : coffret, appareil de lecture, formation des techniciens et
suivi. Présentez-les en partant du **problème** du client.

> « Vous perdez deux jours par semaine à attendre les confirmations : avec le milieu chromogène, E. coli
> et coliformes sont lus sur la même boîte. »

Appuyez-vous sur un **cas client** comparable, dans un pays voisin si possible.""",
                ),
                (
                    "text",
                    "Objections fréquentes et réponses",
                    10,
                    """| Objection | Piste de réponse |
|---|---|
| « C’est plus cher que mon fournisseur actuel. » | comparer le coût par résultat rendu, pas le prix du coffret |
| « Nous n’avons pas de budget cette année. » | préparer l’inscription au prochain budget ou à l’appel d’offres |
| « Vos délais de livraison sont longs. » | proposer un stock de sécurité chez le distributeur |
| « Mes techniciens ne connaissent pas la méthode. » | proposer une session de formation et l’Académie en ligne |

Une objection est une demande d’information : remerciez, reformulez, répondez.""",
                ),
                (
                    "text",
                    "Après la visite : compte rendu et relance",
                    6,
                    """Dans les 48 heures :

1. Envoyez un **compte rendu** au client (besoins, proposition, prochaines étapes).
2. Enregistrez la visite et les remontées du terrain pour l’entreprise.
3. Planifiez la **relance** : une date, un objet précis (devis, échantillon, démonstration).

Les informations que vous remontez (concurrence, prix, nouveaux besoins) orientent les produits de
demain.""",
                ),
                (
                    "quiz",
                    "Évaluation : vente conseil",
                    6,
                    60,
                    None,
                    True,
                    [
                        (
                            "single",
                            "Dans un entretien de vente conseil, qui doit parler le plus ?",
                            "Le client : c’est en l’écoutant qu’on comprend son besoin réel.",
                            [("Le client", True), ("Le commercial", False), ("Les deux à égalité", False)],
                        ),
                        (
                            "single",
                            "Le client trouve le coffret trop cher. Quelle est la meilleure réponse ?",
                            "Le coût par résultat rendu intègre les séries refaites, les confirmations et le temps passé.",
                            [
                                ("Comparer le coût par résultat rendu", True),
                                ("Accorder tout de suite une remise", False),
                                ("Changer de sujet", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Le compte rendu de visite peut attendre la fin du mois.",
                            "Non : il s’envoie dans les 48 heures, tant que le client a la visite en tête.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

ONBOARDING = (
    "integration-entreprise-gammes",
    "Intégration : l’entreprise et ses gammes",
    "beginner",
    "onboarding",
    40,
    None,
    "Pour bien démarrer chez un distributeur partenaire : notre histoire, nos deux métiers, vos "
    "interlocuteurs et la façon de vous former tout au long de l’année.",
    [
        (
            "Qui sommes-nous ?",
            [
                (
                    "text",
                    "Notre histoire et notre réseau",
                    6,
                    """Créée en 1997, l’entreprise développe des tests d’analyse biologique. Elle fait partie d’un
groupe international spécialisé dans les solutions de diagnostic pour les laboratoires.

La filiale française est chargée de l’**Afrique francophone** (21 pays). Elle travaille avec des
**distributeurs indépendants et non exclusifs**, relais locaux auprès des hôpitaux, des laboratoires et
des industriels.

Vous faites désormais partie de ce réseau : bienvenue !""",
                ),
                (
                    "text",
                    "Nos deux métiers",
                    8,
                    """1. **Les solutions d’analyse pour les professionnels** (B to B) : coffrets ELISA, analyse de l’eau,
   analyses alimentaires et environnementales, vendus aux hôpitaux, laboratoires et industriels par
   l’intermédiaire des distributeurs.
2. **Les tests d’intolérance alimentaire** pour les patients : un kit de prélèvement au buvard, une
   analyse réalisée par un laboratoire partenaire, puis un conseil nutritionnel.

Dans les deux cas, la solution est adaptée au client : c’est notre différence.""",
                ),
            ],
        ),
        (
            "Travailler avec nous",
            [
                (
                    "text",
                    "Vos interlocuteurs et vos outils",
                    6,
                    """- Votre **responsable de zone** suit votre distributeur : objectifs, visites communes, appels
  d’offres.
- Les **formateurs** animent les formations en ligne et la web-conférence mensuelle.
- L’**Académie** rassemble les formations, les parcours, vos certificats et les remontées du terrain.""",
                ),
                (
                    "text",
                    "L’Académie : se former tout au long de l’année",
                    5,
                    """Chaque mois, une **web-conférence** réunit les distributeurs : nouveautés produits, retours
d’expérience, questions-réponses. Les formations en ligne se suivent à votre rythme, y compris sur
téléphone ; certaines délivrent un **certificat** à renouveler.

Votre responsable d’équipe peut vous affecter des formations avec une échéance : vous les retrouvez
dans « Mes formations ».""",
                ),
                (
                    "quiz",
                    "Quiz de bienvenue",
                    5,
                    60,
                    None,
                    False,
                    [
                        (
                            "true_false",
                            "Les distributeurs partenaires travaillent en exclusivité pour l’entreprise.",
                            "Non : les distributeurs sont indépendants et non exclusifs.",
                            [("Vrai", False), ("Faux", True)],
                        ),
                        (
                            "multiple",
                            "Quels sont les deux métiers de l’entreprise ?",
                            "Les solutions d’analyse pour les professionnels et les tests d’intolérance alimentaire.",
                            [
                                ("Les solutions d’analyse pour les professionnels", True),
                                ("Les tests d’intolérance alimentaire", True),
                                ("La fabrication d’appareils de radiologie", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

TENDERS = (
    "appels-offres-hospitaliers",
    "Répondre à un appel d’offres hospitalier",
    "advanced",
    "sales",
    50,
    None,
    "Pour les responsables d’équipe : lire un dossier de consultation, construire un mémoire technique "
    "solide et une offre de prix tenable.",
    [
        (
            "Lire le dossier",
            [
                (
                    "text",
                    "Le dossier de consultation : ce qu’il faut repérer",
                    8,
                    """Dès réception, repérez :

- la **date limite** de remise des offres et le mode de dépôt ;
- les **lots** et leur découpage (un lot par famille d’analyses, souvent) ;
- les **critères de jugement** et leur pondération (prix, valeur technique, délais) ;
- les **pièces exigées** : attestations, certificats, fiches techniques, échantillons.

Un dossier incomplet est écarté sans être lu.""",
                ),
                (
                    "text",
                    "Le cahier des clauses techniques",
                    8,
                    """Le cahier des clauses techniques décrit le besoin : nombre d’analyses par an, appareils
disponibles, exigences de performance (sensibilité, spécificité), formation, maintenance.

Vérifiez point par point que nos coffrets répondent à **chaque** exigence ; signalez au responsable
de zone celles qui posent question **avant** la date limite des questions écrites.""",
                ),
            ],
        ),
        (
            "Construire l’offre",
            [
                (
                    "text",
                    "Le mémoire technique",
                    10,
                    """Le mémoire technique suit l’ordre du cahier des clauses techniques et répond à chaque point.

- Décrivez la solution complète : coffrets, lecture, formation des techniciens, suivi.
- Joignez les **performances** issues des notices et, si possible, une référence locale.
- Présentez l’organisation logistique : stock de sécurité, délais, chaîne du froid.""",
                ),
                (
                    "text",
                    "Prix, délais et logistique",
                    8,
                    """Le prix se construit avec le responsable de zone : prix de cession, transport, dédouanement,
stockage, marge du distributeur. Un prix trop bas que l’on ne peut tenir sur la durée du marché est un
risque pour tout le monde.

Indiquez des délais de livraison **que vous tiendrez**, même en cas de rupture chez le transporteur.""",
                ),
                (
                    "quiz",
                    "Évaluation : appels d’offres",
                    6,
                    70,
                    2,
                    False,
                    [
                        (
                            "single",
                            "Que devient une offre à laquelle manque une pièce exigée ?",
                            "Le dossier incomplet est écarté sans être examiné : la liste des pièces se vérifie en premier.",
                            [
                                ("Elle est écartée", True),
                                ("Elle est complétée par l’acheteur", False),
                                ("Elle perd quelques points", False),
                            ],
                        ),
                        (
                            "single",
                            "Dans quel ordre rédiger le mémoire technique ?",
                            "Suivre l’ordre du cahier des clauses techniques facilite le travail de l’évaluateur.",
                            [
                                ("Dans l’ordre du cahier des clauses techniques", True),
                                ("Dans l’ordre de notre catalogue", False),
                                ("Du produit le moins cher au plus cher", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)

COURSES = [ELISA, INTOLERANCE, WATER, QUALITY, SALES, ONBOARDING, TENDERS]
