"""Demo courses in English, each the translation of a French one (same
shapes as ``content_fr``; the last item names the French course)."""

ELISA = (
    "elisa-kits-principles",
    "ELISA kits: principles and good practice",
    "intermediate",
    "kits",
    90,
    24,
    "Understand how an ELISA works, prepare a run, read and validate the results: what a technician "
    "or a sales person needs to know to support a customer laboratory.",
    [
        (
            "How ELISA works",
            [
                (
                    "text",
                    "Antibodies, antigens and the 96-well plate",
                    8,
                    """ELISA (*Enzyme-Linked ImmunoSorbent Assay*) detects and measures a molecule through the very
specific binding of an **antigen** and an **antibody**.

## What happens in a well

1. A capture molecule (antigen or antibody) is bound to the bottom of the well.
2. The sample is added: the target molecule attaches to it.
3. A detection antibody coupled to an **enzyme** (often peroxidase) binds in turn.
4. A **substrate** (TMB) is added: the enzyme converts it and the solution changes colour.
5. A stop solution freezes the reaction; the colour is read with a photometer.

The more target molecule, the stronger the colour.

## Why 96 wells?

One plate runs the **standards**, the **controls** and dozens of samples in a single run, which makes
the technique affordable for hospital and food laboratories.""",
                ),
                (
                    "text",
                    "The main formats: direct, indirect, sandwich, competitive",
                    10,
                    """Not all our kits work the same way. Knowing which one you sell avoids many misreadings.

| Format | Principle | Typical use |
|---|---|---|
| Indirect | antigen bound, the patient's antibodies are detected | serology, food IgG |
| Sandwich | two antibodies frame the antigen | proteins, allergens |
| Competitive | the sample's molecule competes with a labelled one | small molecules, toxins, residues |

**Remember:** in a competitive ELISA the signal is *inversely* proportional to the concentration: a
dark well means little target molecule.""",
                ),
                (
                    "document",
                    "Data sheet: what an ELISA kit contains",
                    5,
                    "Data sheet — contents of an ELISA kit",
                    [
                        "1 coated 96-well breakable plate, in a pouch with desiccant",
                        "Calibration standards (5 levels), positive and negative controls",
                        "Ready-to-use enzyme conjugate",
                        "TMB substrate — keep away from light",
                        "Stop solution (dilute sulphuric acid) — wear gloves",
                        "20x wash buffer concentrate and sample diluent",
                        "Storage: +2 °C to +8 °C, do not freeze",
                        "Stability once opened: 8 weeks if the cold chain is kept",
                    ],
                ),
            ],
        ),
        (
            "Running and validating a plate",
            [
                (
                    "text",
                    "Preparing the run: reagents, standards and controls",
                    12,
                    """A good run is decided **before** the first pipetting.

- Take the reagents out **30 minutes** early: they must be at room temperature.
- Check each vial's **lot number** and **expiry date**; never mix lots.
- Draw a **plate map**: standards and controls in duplicate, then samples.

> A control out of range invalidates the whole run, even if the samples "look normal".

Washing is the step most often behind poor results: a badly set washer leaves conjugate behind and
raises the background.""",
                ),
                (
                    "text",
                    "Reading, calibration curve and validation",
                    12,
                    """Read at **450 nm** with a 620 or 650 nm reference, within **30 minutes** of stopping.

The optical densities of the standards give a calibration curve (4-parameter fit). Before reporting:

1. **Controls** are within the limits of the lot's certificate of analysis.
2. The **curve** is valid (shape, top standard above the stated threshold).
3. **Duplicates** agree (coefficient of variation under 15 %).

A sample above the top standard is **diluted and rerun**, never extrapolated.""",
                ),
                (
                    "quiz",
                    "Assessment: ELISA kits",
                    10,
                    70,
                    3,
                    True,
                    [
                        (
                            "single",
                            "In a competitive ELISA, a dark well means:",
                            "The sample's molecule takes the place of the labelled one: the more there is, the weaker "
                            "the signal.",
                            [
                                ("little target molecule in the sample", True),
                                ("a lot of target molecule in the sample", False),
                                ("always a washing error", False),
                            ],
                        ),
                        (
                            "multiple",
                            "What must be checked before validating a run?",
                            "Controls, curve and duplicates: all three criteria must be met.",
                            [
                                ("Controls are within range", True),
                                ("The calibration curve is valid", True),
                                ("Duplicates agree", True),
                                ("Samples have an even colour", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Reagents from two lots of the same kit can be mixed.",
                            "No: each lot is calibrated with its own reagents.",
                            [("True", False), ("False", True)],
                        ),
                        (
                            "single",
                            "At what temperature is an ELISA kit stored?",
                            "+2 °C to +8 °C; freezing damages the antibodies coated on the plate.",
                            [("+2 °C to +8 °C", True), ("−20 °C", False), ("Room temperature", False)],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "kits-elisa-principes",
)

INTOLERANCE = (
    "food-intolerance-igg-tests",
    "Food-intolerance IgG blood tests: from sample to report",
    "beginner",
    "intolerance",
    55,
    24,
    "Explain what a food IgG test measures, guide the patient through the dried blood spot sample and "
    "help them read their report, within the limits of advice.",
    [
        (
            "Understanding the test",
            [
                (
                    "text",
                    "Allergy or intolerance?",
                    8,
                    """Patients often mix them up.

- **Food allergy** involves **IgE** antibodies. The reaction is fast (minutes) and can be severe. It is a
  matter for a doctor or allergist.
- **Intolerance** or delayed hypersensitivity may come with **IgG** antibodies against some foods.
  Symptoms (bloating, tiredness, headaches) appear hours or days after the meal.

Our test measures **IgG**. It does **not** diagnose an allergy: refer anyone describing an immediate
reaction to their doctor.""",
                ),
                (
                    "text",
                    "What the report says (and what it does not)",
                    8,
                    """For each food of the panel the laboratory measures specific IgG and ranks it **non-reactive**,
**borderline** or **reactive**.

The test supports a **temporary elimination** of reactive foods followed by a gradual reintroduction,
ideally with a nutrition professional. It is not a medical diagnosis.""",
                ),
            ],
        ),
        (
            "From sample to report",
            [
                (
                    "text",
                    "The sampling kit: blotting paper and shipping",
                    10,
                    """The kit holds a lancet, a **blotting card** with five circles, a form and a return envelope.

1. Wash hands in warm water.
2. Prick the side of the fingertip, wipe away the first drop.
3. Fill the five circles **completely**, without layering drops.
4. Let the card dry flat for **two hours**, out of the sun.
5. Post it the same day; avoid Fridays.""",
                ),
                (
                    "document",
                    "Patient leaflet: taking the sample",
                    4,
                    "Patient leaflet — dried blood spot sample",
                    [
                        "Wash your hands in warm water and dry them.",
                        "Prick the side of your fingertip with the lancet provided.",
                        "Wipe the first drop, then fill the 5 circles.",
                        "Let the card dry flat for 2 hours without touching it.",
                        "Put it in the envelope with the completed form.",
                        "Post the envelope from Monday to Thursday.",
                    ],
                ),
                (
                    "quiz",
                    "Assessment: IgG tests",
                    8,
                    75,
                    None,
                    False,
                    [
                        (
                            "single",
                            "A patient's lips swell minutes after eating prawns. What do you advise?",
                            "An immediate reaction suggests an allergy (IgE): refer to a doctor.",
                            [
                                ("See a doctor or an allergist", True),
                                ("Take the IgG test to confirm", False),
                                ("Stop all seafood without further advice", False),
                            ],
                        ),
                        (
                            "true_false",
                            "The food IgG test diagnoses allergies.",
                            "No: it measures IgG, involved in delayed hypersensitivity.",
                            [("True", False), ("False", True)],
                        ),
                        (
                            "single",
                            "How long must the blotting card dry?",
                            "Two hours flat, out of the sun.",
                            [("Two hours", True), ("Ten minutes", False), ("Overnight in the fridge", False)],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "intolerance-alimentaire-igg",
)

WATER = (
    "microbiological-water-analysis",
    "Microbiological water analysis",
    "intermediate",
    "water-food",
    70,
    36,
    "Faecal indicators, sampling, membrane filtration and rapid tests: the basics to advise water "
    "laboratories and food manufacturers.",
    [
        (
            "Contamination indicators",
            [
                (
                    "text",
                    "Why look for E. coli and coliforms?",
                    8,
                    """Water is not tested for every pathogen: it would be slow and costly. Laboratories look for
**indicators**.

- ***Escherichia coli*** lives in the gut: finding it proves **recent faecal** contamination.
- **Total coliforms** tell about treatment efficiency and the state of the network.
- **Intestinal enterococci** survive longer in the environment.

For drinking water the reference is **0 E. coli per 100 mL**.""",
                ),
                (
                    "text",
                    "Sampling water without contaminating it",
                    10,
                    """1. Use a **sterile** bottle containing thiosulphate (it neutralises chlorine).
2. At a tap: remove attachments, disinfect, let the water run 2 to 3 minutes.
3. Do not touch the inside of the cap; do not rinse the bottle.
4. Transport at **5 °C ± 3 °C** and analyse within **24 hours**.""",
                ),
            ],
        ),
        (
            "Methods",
            [
                (
                    "text",
                    "Membrane filtration and chromogenic media",
                    12,
                    """The reference method (ISO 9308-1) **filters 100 mL** through a 0.45 µm membrane laid on a culture
medium. On a **chromogenic** medium E. coli colonies turn dark blue and other coliforms pink: one plate,
two results, read after 21 to 24 hours at 36 °C.""",
                ),
                (
                    "quiz",
                    "Assessment: water analysis",
                    8,
                    70,
                    2,
                    False,
                    [
                        (
                            "single",
                            "E. coli in a water sample shows:",
                            "E. coli lives in the gut: it indicates recent faecal contamination.",
                            [
                                ("recent faecal contamination", True),
                                ("too much chlorine", False),
                                ("hard water", False),
                            ],
                        ),
                        (
                            "single",
                            "Why does the sampling bottle contain thiosulphate?",
                            "It neutralises residual chlorine, which would otherwise keep killing bacteria in transit.",
                            [
                                ("To neutralise residual chlorine", True),
                                ("To feed the bacteria", False),
                                ("To colour the sample", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "analyse-microbiologique-eau",
)

QUALITY = (
    "laboratory-quality",
    "Laboratory quality: internal controls and traceability",
    "intermediate",
    "quality",
    65,
    12,
    "Internal quality control, Westgard rules, lot traceability and non-conformities: what our "
    "customers must show in an audit.",
    [
        (
            "Internal quality control",
            [
                (
                    "text",
                    "Internal quality control: why and how",
                    10,
                    """Internal quality control (IQC) checks, in every run, that the method gives the right result on a
sample of known value: at least **two levels** per run, plotted on a **Levey-Jennings chart**. It differs
from **external quality assessment**, where an outside body sends unknown samples to many laboratories.""",
                ),
                (
                    "text",
                    "Westgard rules in practice",
                    10,
                    """| Rule | Meaning | Action |
|---|---|---|
| 1-2s | one control outside ±2 SD | warning: check |
| 1-3s | one control outside ±3 SD | reject (random error) |
| 2-2s | two consecutive controls beyond 2 SD, same side | reject (systematic error) |
| R-4s | more than 4 SD between two controls | reject |""",
                ),
            ],
        ),
        (
            "Traceability",
            [
                (
                    "text",
                    "Lots, expiry dates and non-conformities",
                    10,
                    """Every result must be traceable to the reagent **lot**, the **operator** and the **instrument**.
Record fridge temperatures every working day and store "first expired, first out".

A non-conformity is **recorded**, **handled** (rerun, inform the prescriber), **analysed** (five whys) and
**corrected**, and the correction is checked.""",
                ),
                (
                    "quiz",
                    "Assessment: quality",
                    8,
                    75,
                    3,
                    True,
                    [
                        (
                            "single",
                            "One control is outside ±3 SD. What do you do?",
                            "Rule 1-3s flags a large random error: the run is rejected.",
                            [
                                ("Reject the run", True),
                                ("Report the results", False),
                                ("Wait for the next control", False),
                            ],
                        ),
                        (
                            "true_false",
                            "Internal quality control and external quality assessment are the same thing.",
                            "No: IQC is run by the laboratory in every run; EQA is organised by an outside body.",
                            [("True", False), ("False", True)],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "qualite-laboratoire",
)

SALES = (
    "consultative-selling",
    "Consultative selling for distributors",
    "beginner",
    "sales",
    55,
    None,
    "Prepare a visit, get the customer talking, present a solution rather than a catalogue, handle "
    "objections and follow up: the method that keeps laboratories loyal.",
    [
        (
            "Before the visit",
            [
                (
                    "text",
                    "Know the laboratory before you walk in",
                    8,
                    """Note the **type of facility** (public hospital, private clinic or laboratory, food industry), the
**tests** it already runs and its instruments, its **constraints** (annual budget, tenders, lead times) and
the **people** involved: biologist, technician, buyer, director.""",
                ),
                (
                    "text",
                    "Questions that get the customer talking",
                    10,
                    """Consultative selling is about **listening**: ask open questions and let the customer speak 70 %
of the time.

- "Which tests give you the most trouble today?"
- "What happens when a reagent runs out?"

Rephrase what you heard before proposing anything.""",
                ),
            ],
        ),
        (
            "Closing and follow-up",
            [
                (
                    "text",
                    "Objections and answers",
                    10,
                    """| Objection | Answer |
|---|---|
| "It is dearer than my current supplier." | compare the cost per reported result, not the kit price |
| "No budget this year." | prepare next year's budget or the tender |
| "Delivery takes too long." | offer a safety stock at the distributor |

Within 48 hours, send a **visit report** and plan the **follow-up**.""",
                ),
                (
                    "quiz",
                    "Assessment: consultative selling",
                    6,
                    60,
                    None,
                    True,
                    [
                        (
                            "single",
                            "In a consultative sales meeting, who should talk most?",
                            "The customer: listening is how you learn the real need.",
                            [("The customer", True), ("The sales person", False), ("Both equally", False)],
                        ),
                        (
                            "single",
                            "The customer finds the kit too expensive. Best answer?",
                            "Cost per reported result includes reruns, confirmations and time.",
                            [
                                ("Compare the cost per reported result", True),
                                ("Give a discount at once", False),
                                ("Change the subject", False),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "methode-vente-conseil",
)

ONBOARDING = (
    "onboarding-company-product-lines",
    "Onboarding: the company and its product lines",
    "beginner",
    "onboarding",
    35,
    None,
    "A good start at a partner distributor: our history, our two businesses, who to talk to and how to "
    "keep learning all year round.",
    [
        (
            "Who we are",
            [
                (
                    "text",
                    "Our history and network",
                    6,
                    """Founded in 1997, the company develops biological analysis tests and belongs to an international
group specialised in diagnostic solutions for laboratories. The French subsidiary covers
**French-speaking Africa** (21 countries) through **independent, non-exclusive distributors**.

Welcome to the network!""",
                ),
                (
                    "text",
                    "Our two businesses",
                    8,
                    """1. **Analysis solutions for professionals**: ELISA kits, water, food and environmental analysis, sold
   to hospitals, laboratories and manufacturers through distributors.
2. **Food-intolerance tests** for patients: a dried blood spot kit, analysis by a partner laboratory,
   then nutrition advice.""",
                ),
            ],
        ),
        (
            "Working with us",
            [
                (
                    "text",
                    "The Academy: learning all year round",
                    5,
                    """Every month a **web-conference** brings distributors together. Online courses can be followed at
your own pace, on a phone too; some lead to a **certificate** to renew. Your team lead may assign
courses with a due date: find them in "My learning".""",
                ),
                (
                    "quiz",
                    "Welcome quiz",
                    5,
                    60,
                    None,
                    False,
                    [
                        (
                            "true_false",
                            "Partner distributors work exclusively for the company.",
                            "No: distributors are independent and non-exclusive.",
                            [("True", False), ("False", True)],
                        ),
                    ],
                ),
            ],
        ),
    ],
    "integration-entreprise-gammes",
)

COURSES = [ELISA, INTOLERANCE, WATER, QUALITY, SALES, ONBOARDING]
