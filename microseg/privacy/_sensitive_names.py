"""Keyword lists for finding sensitive columns by name, per category and language.

Two tiers:

- :data:`NAME_KEYWORDS`: GDPR Art. 9 special categories and CPRA precise
  geolocation. A column whose name matches is refused for targeting unless the
  caller allows it with a written reason.
- :data:`PROXY_KEYWORDS`: attributes that are not special categories but may
  reveal one (nationality, citizenship and immigration status, gender
  identity, caste, skin tone, body measures). They warn and name the category
  they may reveal.

Each list holds English, French, German, Spanish, Arabic and Russian words
(the languages of our users' seed material). A word ending in ``*`` is a stem
(``relig*`` matches religion, religions, religious, religiosity); other words
match exactly or as a regular plural. Spellings are given as users write them;
accents, case and Arabic letter variants are normalised away before matching
(see :mod:`microseg.privacy._sensitive_text`). To extend a list, add words to
the tuple of the right language: a test checks that every word matches itself.

Words that are too ambiguous in customer data are left out on purpose: plain
``union`` (credit union, European Union), ``orientation`` (screen orientation),
``party`` (party size), French ``politique`` and Spanish ``politica`` (privacy
policy), Spanish ``longitud`` (length; it counts only next to a latitude column), Russian ``партия`` (a batch of goods), Arabic ``دين``
(also "debt"), and ``gender``/``sex``/``age`` (not special categories; they are
blocked only under a special ad category).
"""

from __future__ import annotations

RACE = "racial or ethnic origin (GDPR Art. 9)"
POLITICS = "political opinions (GDPR Art. 9)"
RELIGION = "religious or philosophical beliefs (GDPR Art. 9)"
UNION = "trade-union membership (GDPR Art. 9)"
GENETIC = "genetic data (GDPR Art. 9)"
BIOMETRIC = "biometric data (GDPR Art. 9)"
HEALTH = "health (GDPR Art. 9)"
SEX_LIFE = "sex life or sexual orientation (GDPR Art. 9)"
GEO = "precise geolocation (CPRA)"

LANGUAGES = ("en", "fr", "de", "es", "ar", "ru")

#: Art. 9 / CPRA keywords by category, then by language.
NAME_KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    RACE: {
        "en": ("race", "races", "racial", "ethnic*", "ethnic origin", "skin colour", "skin color", "ancestry"),
        "fr": ("ethnie", "ethnique", "origine ethnique", "origine raciale", "couleur de peau"),
        "de": ("ethnisch*", "ethnie", "rasse", "hautfarbe", "abstammung"),
        "es": ("etnia", "etnico", "etnica", "origen etnico", "raza", "color de piel"),
        "ar": ("عرق", "عرقي", "عرقيه", "اثنيه", "اثني", "اصل عرقي", "لون البشره"),
        "ru": ("раса", "расов*", "этнич*", "этнос", "национальность", "цвет кожи"),
    },
    POLITICS: {
        "en": ("political", "politics", "party affiliation", "political party", "voting intention",
               "vote intention", "voted", "ideology", "ideological"),
        "fr": ("opinion politique", "opinions politiques", "parti politique", "affiliation politique",
               "orientation politique", "intention de vote", "ideologie"),
        "de": ("politisch*", "partei", "parteizugehorigkeit", "parteimitglied*", "wahlabsicht", "ideologie"),
        "es": ("partido politico", "opinion politica", "afiliacion politica", "intencion de voto", "ideologia"),
        "ar": ("سياسي", "سياسيه", "انتماء سياسي", "حزب", "حزبي", "انتماء حزبي"),
        "ru": ("политическ*", "партийн*", "политическая партия", "идеолог*"),
    },  # fmt: skip
    RELIGION: {
        "en": ("relig*", "faith", "belief", "beliefs", "creed", "denomination", "church", "mosque", "synagogue",
               "god", "atheism", "atheist", "spirituality"),
        "fr": ("relig*", "croyance*", "confession religieuse", "culte", "eglise", "mosquee", "foi"),
        "de": ("relig*", "konfession*", "glaube*", "kirche", "kirchensteuer", "moschee", "weltanschauung"),
        "es": ("relig*", "creencia*", "credo", "confesion religiosa", "iglesia", "mezquita"),
        "ar": ("ديانه", "الديانه", "مذهب", "طائفه", "عقيده", "معتقد", "مسجد", "كنيسه"),
        "ru": ("религи*", "вероисповедан*", "конфесси*", "верующ*", "церков*", "мечеть"),
    },  # fmt: skip
    UNION: {
        "en": ("trade union*", "labour union*", "labor union*", "union member*", "unionised", "unionized",
               "unionist", "unionists", "union dues"),
        "fr": ("syndicat*", "syndical*", "syndique", "syndiquee", "appartenance syndicale"),
        "de": ("gewerkschaft*",),
        "es": ("sindicato*", "sindical*", "afiliacion sindical", "sindicado"),
        "ar": ("نقابه", "نقابي", "نقابيه", "عضويه نقابيه"),
        "ru": ("профсоюз*", "профсоюзн*"),
    },  # fmt: skip
    GENETIC: {
        "en": ("genetic*", "genome", "genomic*", "dna", "genotype*", "hereditary"),
        "fr": ("genetique*", "genome", "adn"),
        "de": ("genetisch*", "genom", "erbgut"),
        "es": ("genetico", "genetica", "genoma", "adn"),
        "ar": ("جيني", "جينيه", "وراثي", "وراثيه", "الحمض النووي"),
        "ru": ("генетическ*", "геном", "днк"),
    },
    BIOMETRIC: {
        "en": ("biometr*", "fingerprint*", "faceprint*", "face template", "face id", "retina*", "iris scan",
               "voiceprint*", "facial recognition"),
        "fr": ("biometri*", "empreinte digitale", "empreintes digitales", "reconnaissance faciale"),
        "de": ("biometri*", "fingerabdruck*", "gesichtserkennung"),
        "es": ("biometri*", "huella dactilar", "huellas dactilares", "reconocimiento facial"),
        "ar": ("بيومتري", "بيومتريه", "بصمه", "بصمه الاصبع", "بصمه الوجه"),
        "ru": ("биометри*", "отпечат*"),
    },  # fmt: skip
    HEALTH: {
        "en": ("health", "medical", "diagnosis", "diagnosed", "disease", "illness", "disability", "disabilities",
               "disabled", "pregnant", "pregnancy", "due date", "medication", "prescription", "mental", "hiv",
               "diabetes", "diabetic", "cancer", "blood type", "blood group", "blood pressure", "allergy",
               "allergies", "symptom", "chronic", "psychiatric", "sickness", "sick leave", "vaccination",
               "vaccinated", "hypochondria", "wheelchair"),
        "fr": ("sante", "medical", "medicale", "maladie*", "handicap*", "grossesse", "diagnostic medical",
               "groupe sanguin", "traitement medical", "invalidite"),
        "de": ("gesundheit*", "krankheit*", "erkrankung*", "behinderung*", "schwanger*", "diagnose",
               "blutgruppe", "medizinisch*", "krankenversicherung"),
        "es": ("salud", "medico", "medica", "enfermedad*", "discapacidad*", "embarazo", "embarazada",
               "diagnostico", "grupo sanguineo"),
        "ar": ("صحه", "صحي", "صحيه", "مرض", "امراض", "مرضي", "اعاقه", "تشخيص", "طبي", "طبيه", "فصيله الدم"),
        "ru": ("здоровь*", "диагноз*", "инвалидност*", "болезн*", "заболеван*", "беремен*", "медицинск*",
               "группа крови"),
    },  # fmt: skip
    SEX_LIFE: {
        "en": ("sexual*", "sex life", "sexuality", "lgbt", "lgbtq", "lgbtqia", "gay", "lesbian", "bisexual",
               "homosexual", "heterosexual", "queer"),
        "fr": ("orientation sexuelle", "vie sexuelle", "sexualite", "homosexuel*"),
        "de": ("sexuell*", "sexualitat", "sexualleben", "homosexuell*"),
        "es": ("orientacion sexual", "vida sexual", "sexualidad", "homosexual"),
        "ar": ("جنسي", "الميول الجنسيه", "التوجه الجنسي", "مثلي", "مثليه"),
        "ru": ("сексуальн*", "гомосексуал*"),
    },  # fmt: skip
    GEO: {
        "en": ("latitude", "longitude", "lat", "lon", "lng", "latlon", "latlng", "geolocation", "geo", "gps",
               "geohash", "geopoint", "precise location", "coordinates", "geo coordinates"),
        "fr": ("geolocalisation", "coordonnees gps"),
        "de": ("breitengrad", "langengrad", "geokoordinaten", "standortdaten"),
        "es": ("latitud", "geolocalizacion", "coordenadas"),
        "ar": ("خط العرض", "خط الطول", "احداثيات", "الموقع الجغرافي"),
        "ru": ("широта", "долгота", "геолокаци*", "координат*"),
    },  # fmt: skip
}

#: Geolocation words that count only when the table also has a latitude column (``lat``/``long`` pairs).
PAIRED_LONGITUDE: tuple[str, ...] = ("long", "longitud")
LATITUDE_WORDS: tuple[str, ...] = ("lat", "latitude", "latitud", "широта", "breitengrad")

#: A ``geo`` column about a coarse area (``geo_country``) is not precise geolocation.
COARSE_AREA_WORDS: frozenset[str] = frozenset(
    "country countries region regions state states city cities area areas zone zones market markets continent "
    "pays land pais страна регион".split()
)

NATIONALITY = "nationality or national origin"
IMMIGRATION = "citizenship or immigration status"
GENDER_IDENTITY = "gender identity"
CASTE = "caste"
SKIN_TONE = "skin tone"
BODY = "body measures and health habits"

#: Proxy tier: (the category the attribute may reveal, keywords by language).
PROXY_KEYWORDS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    NATIONALITY: (RACE, {
        "en": ("nationality", "nationalities", "native country", "country of birth", "birth country",
               "birthplace", "place of birth", "country of origin", "mother tongue", "native language"),
        "fr": ("nationalite", "pays de naissance", "lieu de naissance", "langue maternelle"),
        "de": ("nationalitat", "staatsangehorigkeit", "geburtsland", "geburtsort", "muttersprache"),
        "es": ("nacionalidad", "pais de nacimiento", "lugar de nacimiento", "lengua materna"),
        "ar": ("جنسيه", "بلد الميلاد", "مكان الميلاد", "اللغه الام"),
        "ru": ("место рождения", "страна рождения", "родной язык"),
    }),
    IMMIGRATION: (RACE, {
        "en": ("citizenship", "immigration*", "immigrant*", "migrant", "migrants", "visa status", "residency status",
               "residence permit", "refugee", "asylum"),
        "fr": ("citoyennete", "titre de sejour", "immigre", "refugie", "demandeur d asile"),
        "de": ("staatsburgerschaft", "aufenthaltsstatus", "aufenthaltstitel", "migrationshintergrund", "fluchtling"),
        "es": ("ciudadania", "estatus migratorio", "inmigrante", "refugiado", "permiso de residencia"),
        "ar": ("مواطنه", "اقامه", "وضع الهجره", "لاجئ", "مهاجر"),
        "ru": ("гражданство", "миграционн*", "мигрант*", "беженец", "вид на жительство"),
    }),
    GENDER_IDENTITY: (SEX_LIFE, {
        "en": ("gender identity", "transgender", "trans status", "non binary", "nonbinary", "genderqueer",
               "pronoun", "pronouns"),
        "fr": ("identite de genre", "transgenre", "non binaire"),
        "de": ("geschlechtsidentitat", "transgender", "nichtbinar"),
        "es": ("identidad de genero", "transgenero", "no binario"),
        "ar": ("الهويه الجندريه", "متحول جنسيا"),
        "ru": ("гендерная идентичность", "трансгендер*"),
    }),
    CASTE: (RACE, {
        "en": ("caste", "castes", "jati", "varna", "scheduled caste", "scheduled tribe"),
        "fr": ("caste",),
        "de": ("kaste",),
        "es": ("casta",),
        "ar": ("طبقه اجتماعيه",),
        "ru": ("каста",),
    }),
    SKIN_TONE: (RACE, {
        "en": ("skin tone", "skin type", "complexion", "fitzpatrick"),
        "fr": ("teint", "type de peau", "carnation"),
        "de": ("hautton", "hauttyp"),
        "es": ("tono de piel", "tipo de piel", "tez"),
        "ar": ("درجه البشره", "نوع البشره"),
        "ru": ("тон кожи", "тип кожи"),
    }),
    BODY: (HEALTH, {
        "en": ("bmi", "body mass index", "body mass", "body fat", "body weight", "waist", "waist size", "smoker",
               "smoking", "tobacco use"),
        "fr": ("imc", "indice de masse corporelle", "tour de taille", "fumeur", "tabagisme"),
        "de": ("korpergewicht", "body mass index", "taillenumfang", "raucher"),
        "es": ("indice de masa corporal", "peso corporal", "fumador"),
        "ar": ("مؤشر كتله الجسم", "وزن الجسم", "مدخن", "التدخين"),
        "ru": ("индекс массы тела", "имт", "курение", "курящ*"),
    }),
}  # fmt: skip
