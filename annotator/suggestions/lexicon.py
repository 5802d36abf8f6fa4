"""The words the rules look for, as data: reporting verbs, titles that tell a source's type,
the words of designations. To extend a rule, add words here; the rules read these sets and
nothing else. Every entry is lowercase; multi-word entries are matched word by word.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A set of words written as one string, a space (or a line) between them."""
    return frozenset(text.split())


# --- reporting verbs ------------------------------------------------------------------------
# A verb here, after a subject (a name, a title, a pronoun), opens reported speech that runs
# to the end of the sentence: "X said (that) ...", "X told Y ...".
SPEECH_VERBS = words("""
    said says say told tells added adds noted notes stressed stresses warned warns claimed
    claims explained explains stated states announced announces insisted insists argued
    argues emphasised emphasized emphasises emphasizes underlined underscored wrote writes
    admitted admits acknowledged acknowledges confirmed confirms denied denies alleged
    alleges asserted asserts declared declares maintained maintains predicted predicts
    recalled recalls revealed reveals assured assures complained complains concluded
    concludes observed observes remarked remarks replied replies responded responds
    tweeted posted reported reports conceded concedes cautioned cautions contended contends
    disclosed estimated estimates forecast projected urged urges vowed vows pledged pledges
    promised promises suggested suggests believes believe believed thinks think thought
    agrees agreed agree expects expected expect hopes hoped fears feared doubts doubted
    continued continues countered counters clarified clarifies specified specifies
    reiterated reiterates summed commented comments described describes describe
    accused accuses criticised criticized criticises criticizes condemned condemns
    denounced denounces
""")

# Of those, the verbs that report speech only with a clause after them ("believes that
# ...", "agreed with X that ..."): without "that" (or a colon) within a few words they are
# not attribution ("the parties agreed to meet", "he hopes to win").
NEEDS_THAT = words("""
    believes believe believed thinks think thought agrees agreed agree expects expected
    expect hopes hoped fears feared doubts doubted suggested suggests estimated estimates
    forecast projected urged urges vowed vows pledged pledges promised promises predicted
    predicts revealed reveals disclosed continued continues wrote writes posted
""")
# Verbs that report a claim only where a quotation follows them in the sentence ("X called
# the plan “a betrayal”"): elsewhere they name no speech ("a group called Y").
QUOTE_ONLY_VERBS = words("called calls dubbed dubs branded brands labelled labeled")
# Verbs by which figures and documents report ("polls show", "data showed"): a cue only when
# their subject is a document word (a poll, data, figures, a report).
DATA_VERBS = words("""
    show shows showed shown indicate indicates indicated suggest suggests suggested
    found finds revealed reveals
""")
# "…, saying …": a participle after a comma reports what the sentence's subject said.
PARTICIPLE_CUES = words("""
    saying adding noting warning arguing insisting claiming stressing explaining telling
    accusing
""")

# Verbs that may stand before their speaker at the end of a quote or a clause ("..., said
# Konstantin Blokhin"; "..., added the minister").
INVERTING_VERBS = words("""
    said says added adds explained explains noted notes stressed stresses wrote writes
    asked asks continued concluded concludes insisted insists told warned warns argued
    argues recalled recalls remarked replied observed believes believed thinks thought
    emphasised emphasized claimed claims admitted admits reported reports suggests
    suggested acknowledged confirmed
""")

# "expressed confidence that ...": a verb and its noun that together report a view.
EXPRESSED_NOUNS = words("""
    confidence hope concern concerns regret doubt doubts belief view opinion fear fears
    certainty conviction satisfaction disappointment surprise support
""")
EXPRESS_VERBS = words("expressed expresses voiced voices")

# "quoted X as saying", "quotes the words of X", "cited X as saying": the speaker is the
# object; the subject (a newspaper) only passes it on.
QUOTING_VERBS = words("quoted quotes cited cites")

# Prepositions that name a source: "according to X, ...", "citing X", "quoting X".
SOURCE_PREPOSITIONS = (
    ("according", "to"),
    ("citing",),
    ("quoting",),
    ("as", "quoted", "by"),
    ("in", "the", "words", "of"),
)

# Words between a subject and its verb that do not end the subject: "X also said", "X has
# repeatedly warned", "X, however, said".
AUXILIARIES = words("""
    also later earlier previously has have had then further once again repeatedly recently
    publicly separately reportedly already is was were would will could may might had
    subsequently additionally however only first last now still even clearly openly
    privately bluntly firmly strongly flatly simply just immediately quickly
""")

# Time and place adjuncts a cue may carry after its verb ("said on Monday", "said at the
# time", "said in a statement"): these end the cue, not the content.
# (the cue's end is the sentence's end; these only help to tell a cue clause from content)

# --- noun phrases ---------------------------------------------------------------------------
DETERMINERS = words("""
    the a an his her their its our this that these those some several many two three four
    five six seven eight nine ten dozens one both other another
""")
NP_PREPOSITIONS = words("of for to at in from with on")
PRONOUNS = words("he she they him her them")
NOT_SPEAKERS = words("""
    i we you it this that which who whom what there here nobody everyone everybody
    someone somebody anyone all each many most few none some these those us me
""")
# Title abbreviations before a name: no part of it ("Prof Helen Marsh", "Det Supt X").
NAME_TITLES = words("""
    mr mrs ms miss dr prof sir dame lord lady rev sen rep gov gen lt col maj capt sgt adm
    det supt insp cllr
""")
# Capitalised words that start a sentence but never a name.
NOT_NAME_WORDS = words("""
    in on at for after before when while since as by from with without during under over
    however meanwhile earlier later now also but and or so yet then still moreover
    furthermore nevertheless thus therefore indeed instead besides last this that these
    those there here today yesterday tomorrow tonight monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september
    october november december speaking asked according recall of to the a an it its his
    her their our we i you they he she if although though because once just even only
    separately similarly likewise additionally finally first second third next
""")
# Words that join parts of a name ("Osama bin Laden", "Ursula von der Leyen").
NAME_PARTICLES = words("al el bin ibn abu van von der de da di du la le dos del")

# --- source types, by the words that tell them ---------------------------------------------
# Checked in this order: a speaker introduced as anonymous is anonymous whatever their rank.
ANONYMOUS_WORDS = words("""
    source sources insider insiders unnamed anonymous anonymity
""")
ANONYMOUS_PHRASES = (
    "asked not to be named", "asked not to be identified", "not authorized to speak",
    "not authorised to speak", "condition of anonymity", "people familiar with",
    "person familiar with", "familiar with the matter", "declined to be named",
    "did not want to be named", "spoke on condition", "who requested anonymity",
)
EXPERT_WORDS = words("""
    expert experts analyst analysts researcher researchers professor professors scientist
    scientists economist economists scholar scholars historian historians fellow fellows
    lecturer lecturers academic academics specialist specialists sociologist sociologists
    orientalist strategist strategists observer observers commentator commentators
    demographer epidemiologist virologist criminologist politologist prof dr
""")
# Word endings that name an expert's field ("ecologist", "economist", "geographer").
EXPERT_SUFFIXES = ("ologist", "ologists", "onomist", "onomists", "ographer", "ographers",
                   "ometrician", "istician", "ematician")
EXPERT_PHRASES = ("political scientist", "political analyst", "think tank", "think-tank",
                  "research fellow", "senior fellow", "visiting fellow")
# Where an expert works: these words in a title or an apposition make an affiliation
# academic (the first set) or a think tank (the second).
ACADEMIC_WORDS = words("""
    university universities academy college school faculty department polytechnic
""")
THINK_TANK_WORDS = words("""
    center centre institute council foundation forum fund endowment club think-tank
    tank studies
""")
# Disciplines: "head of the department of political science" is an academic title.
DISCIPLINES = words("""
    science sciences sociology economics history politics studies law philosophy
    relations journalism psychology geography mathematics physics chemistry biology
    medicine oriental
""")

# Titles of office: a speaker with one of these is an official.
OFFICIAL_WORDS = words("""
    minister ministers ministry ministries spokesman spokeswoman spokesperson spokesmen
    ambassador ambassadors official officials president presidents premier pm governor
    governors mayor mayors senator senators lawmaker lawmakers legislator legislators
    congressman congresswoman mp mps secretary secretaries chancellor general generals
    commander commanders admiral colonel lieutenant sergeant officer officers diplomat
    diplomats envoy envoys king queen prince emir prosecutor prosecutors judge police
    army military navy pentagon kremlin government administration authorities embassy
    presidency parliament cabinet command consul attache sheriff marshal force forces
    firefighter firefighters supt det policeman policewoman
""")
# Bodies: a capitalised one names an institution ("the Russian Defence Ministry"), which is
# named; a lowercase one does not ("the ministry").
INSTITUTION_WORDS = words("""
    ministry department office council commission committee agency police army navy force
    forces court parliament government administration embassy service bureau authority
    institute university foundation union party bank company corporation coalition
    organisation organization association federation group fund centre center academy
    college school house assembly senate congress guard guards command
""")
# Titles that tell an office only where no research institution is named with them: "the
# head of the US Central Command" is an official, "the head of the department of political
# science" an expert.
WEAK_OFFICIAL_WORDS = words("""
    head chief director chairman chairwoman chair leader leaders deputy deputies
    representative representatives aide aides adviser advisers advisor advisors counsel
    member members
""")
OFFICIAL_NAMES = (
    "white house", "state department", "foreign office", "downing street", "the kremlin",
    "the pentagon", "department of state", "department of defense", "defence ministry",
    "defense ministry", "foreign ministry", "interior ministry", "security council",
    "home office", "élysée", "elysee",
)
MEDIA_WORDS = words("""
    newspaper newspapers paper daily weekly agency broadcaster channel magazine outlet
    publication tabloid website network journal times post news herald gazette telegraph
    guardian tribune observer economist independent reporter reporters correspondent
    correspondents journalist journalists editor editorial material media press
""")
MEDIA_NAMES = (
    "reuters", "associated press", "ap", "afp", "agence france-presse", "bloomberg", "cnn",
    "bbc", "fox news", "nbc", "abc", "cbs", "npr", "politico", "axios", "al jazeera", "rt",
    "tass", "ria novosti", "interfax", "kommersant", "izvestia", "vedomosti", "rbc",
    "xinhua", "der spiegel", "le monde", "nhk", "yonhap", "haaretz", "sputnik", "dpa",
    "ansa", "efe", "anadolu", "irna", "cnbc", "the hill", "axel springer", "financial times",
    "new york times", "washington post", "wall street journal", "military times",
    "daily mail", "the sun", "the times", "the guardian", "the telegraph", "the economist",
)
ORGANISATION_WORDS = words("""
    organisation organization organisations organizations group groups company companies
    firm firms ngo ngos union unions association federation committee foundation party
    movement watchdog charity corporation corp inc ltd bank alliance coalition campaign
    campaigners activists network agency's
""")
ORGANISATION_NAMES = (
    "united nations", "un", "nato", "amnesty international", "human rights watch",
    "red cross", "who", "world health organization", "imf", "world bank", "opec", "eu",
    "european union", "european commission", "osce", "iaea", "unicef", "unhcr",
    "greenpeace", "oxfam", "medecins sans frontieres", "msf",
)
WITNESS_WORDS = words("""
    witness witnesses eyewitness eyewitnesses resident residents survivor survivors
    bystander bystanders passer-by locals local villager villagers neighbour neighbor
    neighbours neighbors shopkeeper driver mother father parent parents student students
    worker workers farmer farmers voter voters protester protesters refugee refugees
    citizen citizens
""")
DOCUMENT_WORDS = words("""
    report reports study studies survey surveys poll polls statement statements document
    documents resolution data figures statistics estimates letter memo filing indictment
    ruling decree communique records
""")

# Heads that a definite description ("the Iraqi diplomat") shares with an earlier speaker's
# title, beyond the same word: a diplomat may have been introduced as a minister.
TITLE_SYNONYMS = {
    "diplomat": {"minister", "ambassador", "envoy", "diplomat", "consul"},
    "leader": {"president", "prime", "premier", "king", "emir", "chancellor", "general",
               "commander", "leader", "head", "chairman"},
    "official": OFFICIAL_WORDS,
    "premier": {"prime", "premier", "pm"},
    "pm": {"prime", "premier", "pm"},
    "politician": {"minister", "senator", "mp", "lawmaker", "president", "governor",
                   "mayor", "deputy"},
    "general": {"general", "commander"},
    "commander": {"general", "commander", "admiral"},
    "spokeswoman": {"spokeswoman", "spokesperson", "spokesman"},
    "spokesman": {"spokeswoman", "spokesperson", "spokesman"},
    "spokesperson": {"spokeswoman", "spokesperson", "spokesman"},
}

# Nationality and place words that stand before a title or a name but are no part of the
# name ("Iraqi Prime Minister Mustafa al-Kazimi", "US Ambassador to Iraq Matthew Tuller").
PLACE_WORDS = words("""
    us u.s. usa uk u.k. eu un american americans british russian russians ukrainian
    ukrainians iraqi iraqis iranian iranians syrian syrians afghan afghans chinese french
    german germans italian spanish turkish israeli israelis palestinian palestinians
    saudi egyptian indian pakistani japanese korean north south east west western eastern
    european european-union polish hungarian belarusian georgian armenian azerbaijani
    kazakh uzbek tajik kyrgyz lebanese jordanian qatari emirati kuwaiti yemeni libyan
    tunisian algerian moroccan nigerian kenyan ethiopian sudanese brazilian mexican
    canadian australian dutch belgian swiss swedish norwegian finnish danish greek
    serbian croatian romanian bulgarian czech slovak baltic estonian latvian lithuanian
    moldovan kurdish shia shiite sunni arab african asian latin nato
    america britain russia ukraine iraq iran syria afghanistan china france germany italy
    spain turkey israel palestine gaza egypt india pakistan japan korea poland hungary
    belarus georgia armenia azerbaijan kazakhstan lebanon jordan qatar kuwait yemen libya
    brazil mexico canada australia washington moscow baghdad kyiv kiev beijing london
    paris berlin tehran damascus kabul ankara brussels
""")

# Person words that a title may end in but that are no name: "a 24-year-old", "mother".
# (WITNESS_WORDS covers them.)

# --- designations (disclaimers) ------------------------------------------------------------
# Regular expressions (case-insensitive) of the legal designations outlets attach to a
# named organisation or person. Each is one alternative of the designation rule's pattern.
DESIGNATION_PATTERNS = (
    r"(?:is |was |are |were |been )?(?:officially )?(?:recogni[sz]ed|designated|declared|"
    r"listed|labell?ed|branded|classified)(?: as)?(?: an?)?(?: \w+)?"
    r" (?:terrorist|extremist|undesirable|foreign agents?|foreign-agents?)\b"
    r"(?:[^.;()\n]*?(?:organi[sz]ation|group|entity|outlet|media|movement|"
    r"community|network))?"
    r"(?:(?: and| or|,)? (?:is |are )?(?:banned|prohibited|outlawed|liquidated)"
    r"(?: in (?:Russia|the Russian Federation|the RF))?)?"
    r"(?: (?:by|in accordance with) (?:the )?(?:decision|ruling|court|order|decree)"
    r"[^.;()\n]*)?",
    r"(?:is |are |was |were )?(?:banned|prohibited|outlawed) in (?:Russia|the Russian "
    r"Federation|the RF)\b",
    r"(?:a |an |the )?(?:organi[sz]ation|group|movement|outlet|media outlet|entity|"
    r"network|community)(?: (?:that is|which is|is))? (?:banned|prohibited|outlawed) in "
    r"(?:Russia|the Russian Federation|the RF)\b",
    r"(?:a |an |the )?(?:terrorist|extremist|undesirable) (?:organi[sz]ation|group|"
    r"movement|entity) (?:that is |which is )?(?:banned|prohibited|outlawed) in "
    r"(?:Russia|the Russian Federation|the RF)\b",
    r"(?:a |an |the )?(?:media outlet|individual|legal entity|NGO|organi[sz]ation)?"
    r" ?(?:performing|acting as|fulfilling|carrying out) the functions of a foreign agent",
    r"included in the (?:register|registry|list) of (?:foreign agents|media outlets acting "
    r"as foreign agents|undesirable organi[sz]ations|terrorists and extremists|"
    r"extremist organi[sz]ations)",
    r"(?:an? )?undesirable organi[sz]ation",
    r"whose activities (?:are|were|have been) (?:banned|prohibited|suspended) in "
    r"(?:Russia|the Russian Federation|the RF)",
    # Russian
    r"(?:признан[аоы]?|внесен[аоы]? в реестр)[^.;()\n]{0,60}?(?:иноагент\w*|"
    r"иностранн\w+ агент\w*|террористическ\w+|экстремистск\w+|нежелательн\w+)",
    r"(?:деятельность )?(?:запрещен[аоы]?|запрещён[аоы]?) в (?:России|РФ|Российской "
    r"Федерации)",
    r"иноагент\w*",
)
# Who decided, by the words that name them.
COURT_WORDS = ("court", "суд")
GOVERNMENT_WORDS = (
    "ministry", "justice", "prosecutor", "government", "roskomnadzor", "registry",
    "register", "министерств", "минюст", "генпрокуратур", "правительств",
)
