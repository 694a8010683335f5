// SPDX-License-Identifier: MIT
/*
 * guard/pii.c: personal data in free text, found in one pass over the bytes.
 * The loop skips bytes that cannot start anything (small letters, spaces, most
 * punctuation) through a 256-entry class table and stops at digits, capitals, '@', '+',
 * '(' and ':'. A digit tries the number types (card, IBAN, tax id, IP, phone, date of
 * birth, postcode, "221B Baker Street"); a capitalised word is looked up once in a hash
 * table of names, cue words, months and street words (built on first use from
 * data/pii/ via pii_lexicon.c), then tried as a street, a postcode form, a month-first
 * date or a person. Cues are read backwards from the candidate, so small words cost
 * nothing unless a candidate follows them. A text without any capital letter is read
 * word by word instead, for names typed in lower case. Candidates are sorted; where two
 * overlap the earlier start wins, then the longer span.
 * THREADS: the table is built once under pthread_once and only read afterwards; a scan
 * keeps its state on the stack. OWNERSHIP: spans are offsets into the caller's text.
 */
#include "guard/pii.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard/pii_lexicon.h"

#define ONES  0x0101010101010101ull /* one in every byte */
#define HIGHS 0x8080808080808080ull /* bit 7 of every byte */

/* ==== characters ===================================================================== */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Part of a word for the number types: ASCII letters and digits and every byte of a
 * non-ASCII character. */
static bool is_word(char c)
{
    return is_alnum(c) || (unsigned char)c >= 0x80;
}

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Is c one of the characters of set? (strchr alone also finds the terminating NUL.) */
static bool in_set(const char *set, char c)
{
    return c != '\0' && strchr(set, c) != NULL;
}

/* The code point of the two-byte UTF-8 sequence at p[i], or 0 for anything else. */
static unsigned cp2_at(const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    if (c < 0xC2 || c > 0xDF || i + 1 >= n || ((unsigned char)p[i + 1] & 0xC0) != 0x80)
        return 0;
    return ((unsigned)(c & 0x1F) << 6) | ((unsigned char)p[i + 1] & 0x3F);
}

/* Capital letters of Latin-1, Latin Extended-A, Romanian, Greek and Cyrillic. */
static bool cp_is_upper(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0xDE)
        return cp != 0xD7;
    if (cp >= 0x100 && cp <= 0x17F) {
        if (cp == 0x130 || cp == 0x178)
            return true;
        if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
            return false;
        if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
            return cp & 1;
        return !(cp & 1);
    }
    if (cp >= 0x218 && cp <= 0x21B)
        return !(cp & 1);
    if (cp == 0x386 || (cp >= 0x388 && cp <= 0x38F) || (cp >= 0x391 && cp <= 0x3AB))
        return cp != 0x38B && cp != 0x38D && cp != 0x3A2;
    return cp >= 0x400 && cp <= 0x42F;
}

/* Bytes of the letter at p[i]: 1 for ASCII letters, 2..4 for letters in UTF-8 (Latin,
 * Greek, Cyrillic, CJK...), 0 for anything else (digits, punctuation, the symbols and
 * quotes of U+2000..U+2BFF, emoji, broken sequences). */
static size_t letter_len(const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    if (c < 0x80)
        return is_alpha((char)c);
    if (c < 0xC2)
        return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len == 4 || i + len > n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if (((unsigned char)p[i + k] & 0xC0) != 0x80)
            return 0;
    if (len == 2) {
        unsigned cp = cp2_at(p, n, i);
        /* Latin-1 letters, Latin Extended and up; not ×, ÷ or the symbols below U+00C0. */
        return cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 && (cp < 0x2B9 || cp >= 0x370) ? 2 : 0;
    }
    return c == 0xE2 || c == 0xE3 ? 0 : 3; /* E2/E3: punctuation, symbols, CJK marks */
}

/* Is the character that ends before p[i] a letter or digit? */
static bool letter_before(const char *p, size_t i)
{
    if (i == 0)
        return false;
    unsigned char c = (unsigned char)p[i - 1];
    if (c < 0x80)
        return is_alnum((char)c);
    size_t k = i - 1;
    while (k > 0 && i - k < 4 && ((unsigned char)p[k] & 0xC0) == 0x80)
        k--;
    return letter_len(p, i, k) == i - k;
}

/* Is the letter at p[i] a capital? */
static bool upper_at(const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    if (c < 0x80)
        return is_upper((char)c);
    unsigned cp = cp2_at(p, n, i);
    return cp && cp_is_upper(cp);
}

/* Lower-case folding for the word table: ASCII and the two-byte capitals of
 * cp_is_upper() become small letters (same length in UTF-8, but İ becomes i); other
 * bytes are copied. Writes at most cap bytes; returns the length, or 0 when it does not
 * fit. */
static size_t fold(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    if (n <= cap) /* the common case: ASCII letters */
        for (; i < n && (unsigned char)p[i] < 0x80; i++)
            out[o++] = lower(p[i]);
    for (; i < n;) {
        unsigned char c = (unsigned char)p[i];
        unsigned cp = c >= 0xC2 ? cp2_at(p, n, i) : 0;
        if (o + 2 > cap)
            return 0;
        if (!cp) {
            out[o++] = lower((char)c);
            i++;
            continue;
        }
        i += 2;
        if (cp_is_upper(cp)) {
            if (cp == 0x130) {
                out[o++] = 'i';
                continue;
            }
            if (cp < 0x100 || (cp >= 0x391 && cp <= 0x3AB) || (cp >= 0x410 && cp <= 0x42F))
                cp += 0x20;
            else if (cp < 0x386 && cp != 0x178)
                cp += 1;
            else if (cp == 0x178)
                cp = 0xFF;
            else if (cp == 0x386)
                cp = 0x3AC;
            else if (cp <= 0x38A)
                cp += 0x25;
            else if (cp == 0x38C)
                cp = 0x3CC;
            else if (cp <= 0x38F)
                cp += 0x3F;
            else
                cp += 0x50; /* Cyrillic Ѐ..Џ */
        }
        out[o++] = (char)(0xC0 | (cp >> 6));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

const char *pii_type_name(enum pii_type t)
{
    static const char *const names[PII_N_TYPES] = {
        "EMAIL",  "PHONE",  "IBAN",    "CREDIT_CARD",   "IP_ADDRESS",
        "TAX_ID", "PERSON", "ADDRESS", "POSTCODE_CITY", "DATE_OF_BIRTH"};
    return t < PII_N_TYPES ? names[t] : "UNKNOWN";
}

/* ==== check digits ===================================================================== */

bool pii_iban_valid(const char *p, size_t n)
{
    if (n < 15 || n > 34 || !is_alpha(p[0]) || !is_alpha(p[1]) || !is_digit(p[2]) ||
        !is_digit(p[3]))
        return false;
    /* The first four characters move to the end; letters count as 10..35; mod 97 = 1. */
    unsigned rem = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[(k + 4) % n];
        if (is_digit(c))
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else if (is_alpha(c))
            rem = (rem * 100 + (unsigned)(lower(c) - 'a' + 10)) % 97;
        else
            return false;
    }
    return rem == 1;
}

bool pii_luhn_valid(const char *p, size_t n)
{
    if (n < 12 || n > 19)
        return false;
    unsigned sum = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[n - 1 - k];
        if (!is_digit(c))
            return false;
        unsigned d = (unsigned)(c - '0');
        if (k % 2 == 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return sum % 10 == 0;
}

bool pii_steuer_id_valid(const char *p, size_t n)
{
    if (n != 11 || p[0] == '0')
        return false;
    unsigned count[10] = {0};
    for (size_t k = 0; k < 11; k++) {
        if (!is_digit(p[k]))
            return false;
        if (k < 10)
            count[p[k] - '0']++;
    }
    /* Of the first ten digits exactly one appears twice or three times, and at most
     * eight different digits appear (so some are missing). */
    unsigned repeated = 0, present = 0;
    for (int d = 0; d < 10; d++) {
        present += count[d] > 0;
        if (count[d] == 2 || count[d] == 3)
            repeated++;
        else if (count[d] > 3)
            return false;
    }
    if (repeated != 1 || present < 7 || present > 9)
        return false;
    /* ISO 7064 MOD 11,10 over the first ten digits gives the eleventh. */
    unsigned product = 10;
    for (size_t k = 0; k < 10; k++) {
        unsigned sum = ((unsigned)(p[k] - '0') + product) % 10;
        if (sum == 0)
            sum = 10;
        product = (sum * 2) % 11;
    }
    unsigned check = 11 - product;
    if (check == 10)
        check = 0;
    return check == (unsigned)(p[10] - '0');
}

size_t pii_code_points(const char *p, size_t off)
{
    size_t cp = 0;
    for (size_t i = 0; i < off; i++)
        cp += ((unsigned char)p[i] & 0xC0) != 0x80;
    return cp;
}

/* ==== the word table ===================================================================== */

/* What a word is; one word may be several things ("Will", "Koch", "Dr"). */
enum {
    LX_FIRST = 1u << 0,       /* a given name */
    LX_FIRST_AMB = 1u << 1,   /* a given name that is also a common word or place */
    LX_SUR = 1u << 2,         /* a family name */
    LX_SUR_AMB = 1u << 3,     /* a family name that is also a common word */
    LX_CITY = 1u << 4,        /* a town in Germany, Austria or Switzerland */
    LX_HONORIFIC = 1u << 5,   /* Herr, Frau, Mr, Dr: the next capitalised word is a name */
    LX_TITLE = 1u << 6,       /* Dr, Prof, med: may stand between a honorific and a name */
    LX_ROLE = 1u << 7,        /* Präsident, Trainer, Minister: a name may follow */
    LX_NOT_NAME = 1u << 8,    /* never a name: pronouns, greetings, days, brands... */
    LX_MONTH = 1u << 9,       /* a month name or its abbreviation */
    LX_CUE = 1u << 10,        /* the last word of a name cue ("is" of "my name is") */
    LX_STREET = 1u << 11,     /* a street word after a name: Straße, Str, Street, Road */
    LX_STREET_PRE = 1u << 12, /* a street word before a name: Am, Rue, Via, Avenida */
    LX_UNIT = 1u << 13,       /* Apt, Suite, Unit, Flat, Wohnung */
    LX_COMPANY = 1u << 14,    /* GmbH, AG, Inc, Ltd: the name before it is a company */
    LX_PARTICLE = 1u << 15,   /* von, van, de, al: inside a name, before a capital */
    LX_PLACE_PRE = 1u << 16,  /* St, Sankt, San, Bad: the name after it is a place */
    LX_UNIT_AFTER = 1u << 17, /* Uhr, Euro, Stück, kg: the number before is no address */
    LX_NOT_STREET = 1u << 18, /* Seite, Kapitel, Jahr: "Auf Seite 3" is no address */
    LX_PRE_WEAK = 1u << 19,   /* Am, Im, Alte: a street word only in a strict form */
    LX_ARTICLE = 1u << 20,    /* der, die, the: the capitalised word after it is a noun */
    LX_SAYS = 1u << 21,       /* sagte, erklärte, said: the word before may be a name */
    LX_NOUN = 1u << 22,       /* Angst, Hilfe, Rabatt: a noun often used without article */
    LX_AFTER_SUBJ = 1u << 23, /* schon, nicht, die, mit: may follow an inverted subject */
    LX_AUX = 1u << 24,        /* hat, will, musste: a finite verb before an inverted subject */
    LX_PREP = 1u << 25,       /* in, mit, für: a preposition */
    LX_COUNTED = 1u << 26,    /* Raum, Halle, Room, Gate: the number after it counts rooms */
    LX_NAME_ANY = LX_FIRST | LX_FIRST_AMB | LX_SUR | LX_SUR_AMB,
};

/* Fixed words; the name and town lists come from data/pii/ (pii_lexicon.c). */
static const struct {
    const char *words; /* separated by single spaces, any case */
    uint32_t flags;
} keywords[] = {
    {"herr herrn frau mr mrs ms miss mx mister madame monsieur mme signor signora señor "
     "señora sra familie fam",
     LX_HONORIFIC},
    {"dr prof", LX_HONORIFIC | LX_TITLE},
    {"dipl ing med mag", LX_TITLE},
    {"präsident präsidentin president kanzler kanzlerin chancellor minister ministerin "
     "bürgermeister bürgermeisterin mayor senator senatorin gouverneur governor trainer "
     "trainerin coach kapitän captain sprecher sprecherin spokesman spokeswoman chef chefin "
     "direktor direktorin director professor professorin pfarrer pastor bischof papst pope "
     "kollege kollegin colleague kommissar "
     "inspektor inspector detective officer sergeant oberst colonel vorsitzende vorsitzender "
     "autor autorin author regisseur regisseurin sänger sängerin singer schauspieler "
     "schauspielerin actor actress anwalt anwältin lawyer abgeordnete abgeordneter "
     "ehemann ehefrau husband wife sohn tochter son daughter bruder schwester brother sister "
     "kid kids child baby enkel enkelin grandson granddaughter "
     "vater mutter father mother onkel tante uncle aunt opa oma grandpa grandma freund "
     "freundin nachbar nachbarin neighbour neighbor "
     "präsidenten kanzlers ministers trainers kollegen kollegin vorgänger vorgängerin "
     "nachfolger nachfolgerin genosse genossin dichter dichterin maler malerin komponist "
     "komponisten komponistin musiker musikerin rapper rapperin popstar moderator "
     "moderatorin journalist journalistin reporter reporterin philosoph philosophen "
     "theologe theologen historiker historikerin geograph geograf schriftsteller "
     "schriftstellerin künstler künstlerin architekt architektin pianist pianistin "
     "gitarrist gitarristin fotograf fotografin bildhauer kaisers kaiserin "
     "königs königin prinz prinzessin herzogin fürst fürstin zar zarin apostel "
     "prophet heilige heiligen kardinal äbtissin rabbi rabbiner imam stürmer torhüter "
     "torwart verteidiger mittelfeldspieler spieler spielerin fahrer fahrerin pilot "
     "pilotin boxer boxerin olympiasieger olympiasiegerin weltmeister weltmeisterin "
     "teamkollege teamkollegen aktivist aktivistin unternehmer unternehmerin "
     "managerin gründer gründerin inhaber inhaberin erfinder erfinderin forscher "
     "forscherin physiker physikerin chemiker chemikerin mathematiker astronom arzt ärztin "
     "gräfin baron baronin leutnant hauptmann "
     "feldherr schüler schülerin lehrer lehrerin cousin cousine neffe nichte witwe witwer "
     "verlobte verlobter gattin gatte student studentin lieferant lieferantin händler händlerin "
     "verkäufer "
     "verkäuferin kurier paketbote postbote zusteller zustellerin",
     LX_ROLE},
    {"ich du er sie es wir ihr mein meine meinen meinem meiner dein deine sein seine unser "
     "unsere euer eure der die das den dem des ein eine einen einem einer eines kein keine "
     "jeder jede jedes dieser diese dieses alle viele einige manche und oder aber denn doch "
     "bei mit von vom zu zum zur für auf an am in im aus nach vor über unter durch gegen "
     "ohne um bis seit wegen trotz als wie wenn weil dass ob was wer wo wann warum wieso "
     "ihr ihre ihrer ihren ihrem beim ins aufs ans übers zwei drei vier fünf sechs sieben "
     "acht neun zehn zwölf hundert tausend two three four five six seven eight nine ten "
     "hallo hi hey moin servus bitte danke dank ja nein ok okay leider "
     "gerne gern auch noch "
     "schon nur sehr so dann jetzt heute morgen gestern hier dort also liebe lieber "
     "sehr geehrte geehrter grüße gruß grüsse gruss viele beste herzliche freundliche "
     "freundlichen mfg lg vg the a an and or but with from to for on at in by of as is are "
     "was were be been i i'm im you he she it we they my your his her our their this that "
     "these those what who where when why how which please thanks thank hello dear yes no "
     "sorry also just not do does did have has had get got hope hoping regards best kind "
     "cheers sincerely yours team support service kundenservice kundendienst customer "
     "customers kunde kundin sir madam there all everyone everybody guys folks world "
     "leute zusammen damen herren shop store online admin name vorname nachname adresse "
     "address email e-mail mail telefon phone handy mobile fax straße street bestellung "
     "order rechnung invoice lieferung delivery paket package artikel item produkt product "
     "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag monday tuesday "
     "wednesday thursday friday saturday sunday weihnachten ostern christmas easter "
     "deutsch deutsche deutscher deutschen german english englisch französisch french "
     "spanisch spanish italienisch italian türkisch turkish polnisch polish russisch russian "
     "deutschland germany österreich austria schweiz switzerland europa europe usa uk eu "
     "amazon paypal ebay dhl ups dpd gls hermes fedex klarna visa mastercard apple google "
     "microsoft samsung iphone android windows gmbh ag inc ltd llc "
     "swiss fraunhofer wolfskin hilfiger tailor lego ikea zalando tchibo lidl aldi rewe edeka "
     "bereits damals danach dabei dadurch dafür dagegen daher damit danach darauf darum "
     "deshalb deswegen trotzdem jedoch allerdings außerdem zudem ebenfalls inzwischen "
     "mittlerweile später früher zuvor zunächst schließlich endlich immer nie niemals oft "
     "manchmal vielleicht wahrscheinlich natürlich genau gerade eben sogar erst bisher "
     "seitdem nachdem während obwohl sobald solange sondern sowie zwar weder nicht nichts "
     "etwas man sich uns ihm ihn ihnen dort hierzu hierbei hierfür dazu davon daraus "
     "worauf womit wobei weshalb weiterhin ebenso anschließend ausserdem insgesamt "
     "nämlich übrigens vor allem laut gemäß zufolge neben zwischen innerhalb außerhalb "
     "anfangs abends morgens mittags nachts vormittags nachmittags rechts links stets "
     "falls eines alles dies jenes teils meistens höchstens mindestens spätestens "
     "frühestens bestens eigens vergebens durchaus keineswegs jedenfalls unterwegs tags "
     "bis als was das des aus plus minus reuters afp dpa apa sda kna epd ddp mehr "
     "weniger ersterer letzterer erstere letztere beide beiden welches welcher welche "
     "jenes manches solches",
     LX_NOT_NAME},
    /* Countries, regions and continents: never a person, nor in the genitive
     * ("Kanadas"). */
    {"bayern sachsen hessen thüringen niedersachsen saarland schleswig-holstein "
     "mecklenburg-vorpommern sachsen-anhalt nordrhein-westfalen baden-württemberg "
     "rheinland-pfalz westfalen franken schwaben tirol kärnten steiermark afrika asien "
     "amerika australien antarktis frankreich italien spanien england schottland irland "
     "holland niederlande belgien luxemburg dänemark schweden norwegen finnland island "
     "polen tschechien slowakei ungarn rumänien bulgarien griechenland türkei russland "
     "ukraine weißrussland belarus litauen lettland estland kroatien serbien bosnien "
     "slowenien albanien mazedonien montenegro kosovo zypern malta liechtenstein monaco "
     "andorra japan china indien pakistan afghanistan iran irak syrien libanon ägypten "
     "libyen tunesien algerien marokko nigeria kenia südafrika äthiopien somalia sudan "
     "kongo ghana kanada mexiko brasilien argentinien chile peru kolumbien venezuela "
     "bolivien ecuador uruguay paraguay neuseeland indonesien thailand vietnam korea "
     "nordkorea südkorea taiwan philippinen malaysia singapur katar kuwait jemen oman "
     "großbritannien britannien palästina israel jordanien georgien armenien "
     "aserbaidschan kasachstan usbekistan mongolei tibet france italy spain scotland "
     "ireland netherlands belgium denmark sweden norway finland poland hungary greece "
     "turkey russia japan india canada mexico brazil argentina australia egypt africa "
     "asia america portugal",
     LX_NOT_NAME},
    {"januar februar märz april mai juni juli august september oktober november dezember "
     "january february march may june july october december jan feb mär mrz apr jun jul aug "
     "sep sept okt oct nov dez dec jänner",
     LX_MONTH},
    {"straße strasse str weg gasse platz allee ring damm ufer chaussee steig pfad street st "
     "road rd avenue ave av lane ln drive boulevard blvd court ct place pl way terrace close "
     "crescent square sq parkway pkwy highway hwy circle cir trail row walk gardens grove "
     "mews rise loop pike alley broadway quay wharf parade esplanade pass bypass point "
     "points island islands lodge flat flats parks dam route crossing junction causeway "
     "expressway freeway motorway turnpike underpass overpass viaduct heights estates "
     "utca út útja tér körút sor köz u ulitsa gade vej vei gate",
     LX_STREET},
    {"am an auf im in zum zur unter hinter alte alter altes neue neuer neues große großer "
     "kleine kleiner",
     LX_STREET_PRE | LX_PRE_WEAK},
    {"rue via viale piazza corso largo vicolo avenida avda avinguda calle carrer camino "
     "paseo plaza rambla rua rúa travessa praça estrada chemin allée impasse quai strada "
     "ulica ul aleja al plac trg usns usnv uscgc uss",
     LX_STREET_PRE},
    {"apt apartment suite ste unit flat floor room wohnung whg app etage zimmer", LX_UNIT},
    {"gmbh ag kg ohg gbr ug kgaa se inc ltd llc llp plc corp co company group holding "
     "verlag stiftung band school college university universität institut house hotel "
     "radio records orchestra orchester club verein theater theatre museum galerie "
     "gallery klinik hospital foundation versicherung",
     LX_COMPANY},
    {"von van de der den di da del della du le la al el bin ibn ter ten zu vom dos das do y "
     "mac",
     LX_PARTICLE},
    {"st sankt san santa saint são bad den fc sv tsv vfb vfl vfr sc fsv bsc ssv tus", LX_PLACE_PRE},
    {"der die das dem den des ein eine einer eines einem einen kein keine dieser diese "
     "dieses diesem jeder jede jedes the a an this that these those every",
     LX_ARTICLE},
    {"sagte sagt sagten erklärte erklärt erklärten meinte meint betonte betont berichtete "
     "kritisierte forderte warnte sprach schrieb plädierte antwortete fügte ergänzte "
     "said says told added explained wrote replied asked warned argued lives lived "
     "wohnt wohnte heiratete married bestätigte kommentierte versicherte bekräftigte "
     "unterstrich verriet urteilte resümierte bilanzierte mahnte "
     /* Verbs of persons, not of firms or clubs (not "gewann", "übernahm", "startete"). */
     "studierte starb verstarb komponierte malte promovierte habilitierte emigrierte "
     "debütierte heiratet studiert kehrte benutzte erkannte",
     LX_SAYS},
    {"angst hilfe auskunft abschied besuch recht widerstand zuflucht kritik platz zeit geld "
     "interesse erfolg schluss bescheid sorge sorgen probleme problem fragen frage lust mut "
     "glück pech ärger hunger durst fieber kontakt zugriff einfluss druck wert bedarf "
     "anspruch anteil rücksicht bezug teil schuld ruhe vorrang einblick abstand kurs gas "
     "spaß freude hoffnung chancen chance gewinn verlust geburtstag urlaub feierabend "
     "unterricht training musik sport fußball tennis wasser essen kaffee tee wein bier "
     "ware waren rabatt versand porto gutschein gutscheine ersatz umtausch kosten gebühren "
     "zoll steuer steuern geschenk geschenke post werbung hinweis hinweise infos "
     "informationen antwort antworten feedback kundennummer bestellnummer punkte bonus "
     "schuhe schuh jacke jacken hose hosen kleid kleider hemd hemden socken größe farbe "
     "material qualität ärger stress probleme termine termin zugang mitglied mitglieder "
     "recht rechte pflicht pflichten gründe grund wunsch wünsche preis preise angebot "
     "angebote strom licht luft platz raum räume menschen leute kinder eltern freunde "
     "geld leben tod krieg frieden macht kraft hand augen kopf herz gast dozent dozentin "
     "jura medizin physik chemie mathematik informatik biologie",
     LX_NOUN},
    /* Not "nicht", "noch", "schon", "wieder", "mit": "leider kam Rucksack nicht an". */
    {"aber auch immer jedoch erstmals damit dann heute dort "
     "außerdem zuvor später sogar erneut zunächst selbst allerdings zudem "
     "stets kaum eben trotzdem deshalb daher ebenfalls weiterhin "
     "endlich offenbar offensichtlich wohl sicher natürlich vor allem zuletzt insgesamt "
     "die der das den dem des ein eine einen einem einer sein seine seinen seinem seiner "
     "ihr ihre ihren ihrem ihrer diese diesen dieses diesem dieser keine keinen "
     "in im bei beim von vom nach für auf aus an am zu zum zur über unter vor gegen um "
     "durch ohne seit bis als sich ihn ihm es sie uns",
     LX_AFTER_SUBJ},
    {"in im mit bei beim von vom nach für auf aus an am zu zum zur über unter vor gegen um "
     "durch ohne seit bis als",
     LX_PREP},
    /* Auxiliaries, modals and verbs of persons; not verbs that firms and clubs do as
     * often ("gewann", "spielte", "übernahm", "erreichte", "fordert"). */
    {"will wollte wollten muss musste kann konnte soll sollte darf durfte mag mochte hat "
     "hatte ist war wird wurde habe sei wäre hätte würde bleibt blieb schoss schrieb "
     "starb lebte arbeitete studierte heiratete kehrte sah wusste weiß glaubt glaubte "
     "hofft hoffte benannte greift griff "
     "dass daß weil obwohl nachdem bevor sobald",
     LX_AUX},
    {"uhr euro eur stück stk kg cm mm km jahre jahren tage tagen wochen minuten mal prozent "
     "percent pieces pcs days weeks years minutes hours stunden times x",
     LX_UNIT_AFTER},
    {"bundesstraße kreisstraße staatsstraße autobahn bundesautobahn jahren jahre tagen "
     "wochen monaten band heft ausgabe nummer runde spieltag rennen "
     "seite kapitel jahr monat woche tag ende anfang punkt platz rang stufe level teil "
     "schritt folge staffel größe nummer nr no position page chapter step part size number "
     "version model modell typ type gen generation serie series staffel episode folge "
     "windows iphone galaxy pixel ps playstation xbox",
     LX_NOT_STREET},
    {"raum räume halle saal gebäude haus zimmer etage stock stockwerk gleis bahnsteig terminal "
     "kasse filiale lager regal fach box linie bus zug flug kw klasse artikel ware farbe reihe "
     "sitz platz bereich zone sektor abschnitt absatz paragraf charge los posten kiste karton "
     "room rooms hall building floor level gate platform line train flight bay aisle row "
     "area block section lot batch item items unit seat class ticket case issue release build "
     "colour color shelf bin dock door store shop model version week day year order",
     LX_COUNTED},
};

/* Name cues, read backwards from a capitalised word. */
enum cue_kind {
    CUE_NONE,
    CUE_STRONG,  /* "my name is", "Name:", "ich heiße": any capitalised word */
    CUE_WEAK_EN, /* "I am", "this is", "said": a capitalised word that may be a name */
    CUE_WEAK_DE, /* "ich bin", "hier ist": a listed name only (German nouns are capitals) */
    CUE_GREET,   /* "Hi", "Hallo", "Dear": a name before a comma, a '!' or the line end */
    CUE_SIGNOFF, /* "Viele Grüße", "Best regards": a name alone on the rest of its line */
};

/* Grouped by their last word (the table index points at the first of each group). A
 * phrase ending in ':' needs the colon; SIGNOFF phrases marked sep need a comma or a line
 * break before the name. */
static const struct {
    const char *phrase;
    unsigned char kind, sep;
} name_cues[] = {
    {"my name is", CUE_STRONG, 0},
    {"name is", CUE_STRONG, 0},
    {"i am", CUE_WEAK_EN, 0},
    {"i'm", CUE_WEAK_EN, 0},
    {"this is", CUE_WEAK_EN, 0},
    {"it's", CUE_WEAK_EN, 0},
    {"name's", CUE_STRONG, 0},
    {"name:", CUE_STRONG, 0},
    {"name?", CUE_STRONG, 0},
    {"names:", CUE_STRONG, 0},
    {"vorname:", CUE_STRONG, 0},
    {"nachname:", CUE_STRONG, 0},
    {"familienname:", CUE_STRONG, 0},
    {"surname:", CUE_STRONG, 0},
    {"name ist", CUE_STRONG, 0},
    {"namen ist", CUE_STRONG, 0},
    {"hier ist", CUE_WEAK_DE, 0},
    {"heiße", CUE_STRONG, 0},
    {"heisse", CUE_STRONG, 0},
    {"heiß", CUE_STRONG, 0},
    {"namens", CUE_STRONG, 0},
    {"named", CUE_STRONG, 0},
    {"called", CUE_STRONG, 0},
    {"call me", CUE_STRONG, 0},
    {"calls me", CUE_STRONG, 0},
    {"known as", CUE_STRONG, 0},
    {"kontoinhaber:", CUE_STRONG, 0},
    {"kontoinhaberin:", CUE_STRONG, 0},
    {"holder:", CUE_STRONG, 0},
    {"ansprechpartner:", CUE_STRONG, 0},
    {"ansprechpartnerin:", CUE_STRONG, 0},
    {"empfänger:", CUE_STRONG, 0},
    {"recipient:", CUE_STRONG, 0},
    {"attn:", CUE_STRONG, 0},
    {"hd.", CUE_STRONG, 0},
    {"händen", CUE_STRONG, 0},
    {"ich bin", CUE_WEAK_DE, 0},
    {"spricht", CUE_WEAK_DE, 0},
    {"sagte", CUE_WEAK_DE, 0},
    {"sagt", CUE_WEAK_DE, 0},
    {"says", CUE_WEAK_EN, 0},
    {"said", CUE_WEAK_EN, 0},
    {"hi", CUE_GREET, 0},
    {"hello", CUE_GREET, 0},
    {"hey", CUE_GREET, 0},
    {"dear", CUE_GREET, 0},
    {"hallo", CUE_GREET, 0},
    {"liebe", CUE_GREET, 0},
    {"lieber", CUE_GREET, 0},
    {"servus", CUE_GREET, 0},
    {"moin", CUE_GREET, 0},
    {"grüße", CUE_SIGNOFF, 0},
    {"grüßen", CUE_SIGNOFF, 0},
    {"gruß", CUE_SIGNOFF, 0},
    {"grüsse", CUE_SIGNOFF, 0},
    {"grüssen", CUE_SIGNOFF, 0},
    {"gruss", CUE_SIGNOFF, 0},
    {"lg", CUE_SIGNOFF, 0},
    {"vg", CUE_SIGNOFF, 0},
    {"mfg", CUE_SIGNOFF, 0},
    {"regards", CUE_SIGNOFF, 1},
    {"wishes", CUE_SIGNOFF, 1},
    {"cheers", CUE_SIGNOFF, 1},
    {"thanks", CUE_SIGNOFF, 1},
    {"thank you", CUE_SIGNOFF, 1},
    {"danke", CUE_SIGNOFF, 1},
    {"dank", CUE_SIGNOFF, 1},
    {"sincerely", CUE_SIGNOFF, 1},
    {"yours", CUE_SIGNOFF, 1},
    {"best", CUE_SIGNOFF, 1},
    {"ciao", CUE_SIGNOFF, 1},
    {"tschüss", CUE_SIGNOFF, 1},
    {"bye", CUE_SIGNOFF, 1},
};

#define LEX_SLOTS       32768 /* power of two, well over twice the entries */
#define LEX_MAX_WORDS   12000
#define LEX_MAX_KEY     48 /* longer words are never looked up */
#define N_NAME_CUES     (sizeof(name_cues) / sizeof(name_cues[0]))
#define N_NAME_CUES_MAX 128

struct lex_entry {
    uint32_t off, flags; /* key in lex.keys; LX_* */
    unsigned char len;
    unsigned char cue_first, cue_n; /* phrases of name_cues[] ending in this word */
};

/* Built once by lex_build(), read-only afterwards. */
static struct {
    uint32_t slot[LEX_SLOTS]; /* 0: empty; else hash's top 16 bits, entry index + 1 */
    struct lex_entry entry[LEX_MAX_WORDS];
    size_t n_entries, key_len;
    char keys[LEX_MAX_WORDS * 16];
    bool overflow; /* a list did not fit (the unit test checks this stays false) */
    /* By the first byte of the last word of a name cue: bit len set for its length; a
     * word of another shape is no cue, without a lookup. */
    uint64_t cue_shape[128];
    /* The phrases of name_cues[] by the first byte of their last word. */
    unsigned char cue_by_first[128][16], n_cue_by_first[128];
    unsigned char cue_len[N_NAME_CUES_MAX];         /* strlen of each phrase */
    uint64_t says_shape[128];                       /* the same shapes for LX_SAYS words */
    uint64_t after_subj_shape[128], aux_shape[128]; /* and for LX_AFTER_SUBJ, LX_AUX */
    /* Words of a text without capitals that may matter (names, honorifics, cue words),
     * by their first two or three small ASCII letters: the others are skipped unread. */
    uint32_t pre2[26];
    uint8_t pre3[26 * 26 * 26 / 8 + 1];
} lex;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

static uint64_t hash_mix(uint64_t h, uint64_t chunk)
{
    h = (h ^ chunk) * 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 29);
}

#define HASH_SEED 0x9E3779B97F4A7C15ull

static uint32_t hash_finish(uint64_t h, size_t len)
{
    return (uint32_t)(h ^ (h >> 32) ^ len);
}

/* Hash of a folded key: eight bytes at a time, little-endian, the last chunk padded with
 * zeros (word_read() computes the same while it reads). */
static uint32_t hash_key(const char *k, size_t len)
{
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t c = 0;
        for (size_t j = 0; j < 8 && i + j < len; j++)
            c |= (uint64_t)(unsigned char)k[i + j] << (8 * j);
        h = hash_mix(h, c);
    }
    return hash_finish(h, len);
}

/* The entry of folded key k, or NULL. */
static const struct lex_entry *lex_find(const char *k, size_t len, uint32_t h)
{
    uint32_t tag = h & 0xFFFF0000u;
    for (size_t s = h & (LEX_SLOTS - 1);; s = (s + 1) & (LEX_SLOTS - 1)) {
        uint32_t v = lex.slot[s];
        if (!v)
            return NULL;
        if ((v & 0xFFFF0000u) != tag)
            continue;
        const struct lex_entry *e = &lex.entry[(v & 0xFFFF) - 1];
        if (e->len != len)
            continue;
        const char *key = lex.keys + e->off;
        size_t i = 0;
        while (i < len && key[i] == k[i])
            i++;
        if (i == len)
            return e;
    }
}

/* Add word (any case) with flags; flags of a word already there are merged. */
static struct lex_entry *lex_add(const char *w, size_t n, uint32_t flags)
{
    char k[LEX_MAX_KEY];
    size_t len = fold(w, n, k, sizeof(k));
    if (len == 0)
        return NULL;
    uint32_t h = hash_key(k, len);
    struct lex_entry *e = (struct lex_entry *)lex_find(k, len, h);
    if (e) {
        e->flags |= flags;
        return e;
    }
    if (lex.n_entries == LEX_MAX_WORDS || lex.n_entries * 2 >= LEX_SLOTS ||
        len > sizeof(lex.keys) - lex.key_len) {
        lex.overflow = true;
        return NULL;
    }
    e = &lex.entry[lex.n_entries];
    *e = (struct lex_entry){(uint32_t)lex.key_len, flags, (unsigned char)len, 0, 0};
    memcpy(lex.keys + lex.key_len, k, len);
    lex.key_len += len;
    size_t s = h & (LEX_SLOTS - 1);
    while (lex.slot[s])
        s = (s + 1) & (LEX_SLOTS - 1);
    lex.slot[s] = (h & 0xFFFF0000u) | (uint32_t)(++lex.n_entries);
    return e;
}

/* One list of data/pii/: a name a line, '#' comments, '~' for a name that is also a
 * common word. */
static void lex_add_list(const char *text, size_t len, uint32_t flags, uint32_t amb_flags)
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, s = i;
        i = e + 1;
        while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\r' || text[e - 1] == '\t'))
            e--;
        if (e == s || text[s] == '#')
            continue;
        if (text[s] == '~')
            lex_add(text + s + 1, e - s - 1, amb_flags);
        else
            lex_add(text + s, e - s, flags);
    }
}

static void lex_add_words(const char *words, uint32_t flags)
{
    for (const char *w = words; *w;) {
        const char *sp = strchr(w, ' ');
        size_t len = sp ? (size_t)(sp - w) : strlen(w);
        lex_add(w, len, flags);
        if ((unsigned char)w[0] < 0x80 && len < 64) {
            if (flags & LX_SAYS)
                lex.says_shape[(unsigned char)w[0]] |= 1ull << len;
            if (flags & LX_AFTER_SUBJ)
                lex.after_subj_shape[(unsigned char)w[0]] |= 1ull << len;
            if (flags & LX_AUX)
                lex.aux_shape[(unsigned char)w[0]] |= 1ull << len;
        }
        w += len + (sp != NULL);
    }
}

static void lex_build(void)
{
    lex_add_list(pii_lex_first_names, pii_lex_first_names_len, LX_FIRST, LX_FIRST_AMB);
    lex_add_list(pii_lex_surnames, pii_lex_surnames_len, LX_SUR, LX_SUR_AMB);
    lex_add_list(pii_lex_cities, pii_lex_cities_len, LX_CITY, LX_CITY);
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        lex_add_words(keywords[i].words, keywords[i].flags);
    /* Ambiguous names are not plain ones too (a '~' line wins over a plain line). */
    for (size_t i = 0; i < lex.n_entries; i++) {
        if (lex.entry[i].flags & LX_FIRST_AMB)
            lex.entry[i].flags &= ~(uint32_t)LX_FIRST;
        if (lex.entry[i].flags & LX_SUR_AMB)
            lex.entry[i].flags &= ~(uint32_t)LX_SUR;
    }
    /* The prefilter of small words: every entry that can start or mark a name. */
    for (size_t i = 0; i < lex.n_entries; i++) {
        const struct lex_entry *e = &lex.entry[i];
        const char *k = lex.keys + e->off;
        if (!(e->flags & (LX_NAME_ANY | LX_HONORIFIC | LX_CUE)) || e->len < 2 || !is_lower(k[0]) ||
            !is_lower(k[1]))
            continue;
        if (e->len == 2 || !is_lower(k[2])) {
            lex.pre2[k[0] - 'a'] |= 1u << (k[1] - 'a');
            if (e->len == 2)
                continue;
        }
        if (is_lower(k[2])) {
            unsigned x = ((unsigned)(k[0] - 'a') * 26 + (unsigned)(k[1] - 'a')) * 26 +
                         (unsigned)(k[2] - 'a');
            lex.pre3[x / 8] |= (uint8_t)(1u << (x % 8));
        }
    }
    for (size_t c = 0; c < N_NAME_CUES && c < N_NAME_CUES_MAX; c++) {
        const char *ph = name_cues[c].phrase, *last = strrchr(ph, ' ');
        lex.cue_len[c] = (unsigned char)strlen(ph);
        last = last ? last + 1 : ph;
        size_t len = strlen(last);
        if (last[len - 1] == ':' || last[len - 1] == '.' || last[len - 1] == '?')
            len--;
        struct lex_entry *e = lex_add(last, len, LX_CUE);
        if (!e)
            continue;
        unsigned char c0 = (unsigned char)last[0];
        if (c0 < 0x80 && len < 64) {
            lex.cue_shape[c0] |= 1ull << len;
            if (lex.n_cue_by_first[c0] < sizeof(lex.cue_by_first[0]))
                lex.cue_by_first[c0][lex.n_cue_by_first[c0]++] = (unsigned char)c;
            else
                lex.overflow = true;
        }
        if (e->cue_n == 0)
            e->cue_first = (unsigned char)c;
        e->cue_n = (unsigned char)(c + 1 - e->cue_first); /* the group runs to c */
    }
}

/* ---- word endings ------------------------------------------------------------------------ */

/* What a word's ending says: street names ("-straße", "-vägen"), towns ("-burg",
 * "-hausen"), family names ("-ski", "-sson"; weaker "-ova", "-ić"), roles ("-minister"). */
enum {
    SX_STREET = 1u << 0,
    SX_TOWN = 1u << 1,
    SX_SUR = 1u << 2,      /* a family name even alone */
    SX_SUR_WEAK = 1u << 3, /* a family name next to another name word */
    SX_ROLE = 1u << 4,
    SX_NOUN = 1u << 5,  /* German nouns and adjectives: "-ung", "-schaft", "-ischen" */
    SX_THING = 1u << 6, /* things a shop sells: "-jacke", "-schuhe", "-paket" */
    SX_LAZY = 1u << 7,  /* not looked at yet (word_sx) */
};

static const struct {
    const char *endings;
    unsigned flag;
    unsigned char min_stem; /* bytes the word must have before the ending */
} suffix_sets[] = {
    {"straße strasse weg gasse platz allee ring damm ufer chaussee steig stieg pfad graben "
     "kamp zeile promenade anger deich twiete gässchen vägen gatan gata vej gade veien vegen "
     "stræde straat laan gracht plein kade dreef singel steeg kuja tie katu polku utca ulica "
     "ulice cesta iela gatve braut tänav sokak sokağı caddesi stræti straeti stien stigen",
     SX_STREET, 3},
    {"burg berg dorf hausen heim ingen stadt stedt feld furt hagen bach born brück brücken "
     "rode walde wald kirchen leben hofen münde itz witz ow au see ach beck büttel mund ried "
     "zell loh hain stein tal thal ing",
     SX_TOWN, 2},
    {"ski ska cki cka dzki wicz czyk czak enko chuk czuk ović ovič ević ová escu eanu opoulos "
     "akis oglu oğlu shvili dóttir dottir sson",
     SX_SUR, 3},
    /* German compounds of common family names: "Obermeier", "Niederhuber", "Goldschmidt". */
    {"meier meyer maier mayer huber hofer müller schmidt gruber lechner wimmer bichler", SX_SUR, 2},
    {"ov ova ev eva ić ic yan ian", SX_SUR_WEAK, 3},
    {"ung heit keit schaft ismus ität tion sion ische ischen ischer isches lichen licher "
     "liche ungen heiten schaften ierung ment nisse tum tümer chen",
     SX_NOUN, 2},
    /* Things a shop sells or sends, alone or as the head of a compound ("Winterjacke"). */
    {"jacke jacken schuh schuhe hose hosen rucksack tasche taschen mantel hemd kleid shirt "
     "shirts pullover pulli sneaker stiefel socken mütze handschuhe karton paket pakete ware "
     "waren gerät geräte kabel akku lampe sofa brille handy laptop tablet drucker creme "
     "seife flasche becher schrank regal teppich kissen matratze koffer gürtel weste bluse "
     "schal artikel produkt produkte",
     SX_THING, 0},
    {"präsident präsidentin kanzler kanzlerin minister ministerin chef chefin sprecher "
     "sprecherin trainer trainerin vorsitzende vorsitzender direktor direktorin bürgermeister "
     "kandidat kandidatin spieler stürmer torhüter abgeordnete abgeordneter autor autorin "
     "kommissar sänger sängerin politiker politikerin experte expertin sekretär "
     "sekretärin kommissarin inspektor aktivist aktivistin rapper star kollege kollegen "
     "vorstand vorständin meister meisterin sieger siegerin leiter leiterin "
     "präsidenten kanzlers ministers trainers chefs",
     SX_ROLE, 2},
};

#define SX_MAX_NODES 2048
#define SX_EDGES     4096 /* power of two, over twice the nodes */

/* A trie of the endings read backwards: node 0 is the root; the child of node a for byte
 * b is found in an open-addressing table of edges. */
static struct {
    struct sx_edge {
        uint16_t from, to; /* to == 0: empty */
        unsigned char byte;
    } edge[SX_EDGES];
    unsigned char flags[SX_MAX_NODES]; /* SX_* of the endings that end at a node */
    size_t n_nodes;
    uint64_t pair[64];         /* bit (b2 & 63) of pair[b1 & 63]: some ending ends in b2 b1 */
    unsigned char min_stem[8]; /* by flag bit */
} sx;

static size_t sx_slot(unsigned from, unsigned char b)
{
    return ((from * 2654435761u) ^ (b * 40503u)) & (SX_EDGES - 1);
}

/* The child of node from for byte b, or 0. */
static unsigned sx_child(unsigned from, unsigned char b)
{
    for (size_t i = sx_slot(from, b);; i = (i + 1) & (SX_EDGES - 1)) {
        const struct sx_edge *e = &sx.edge[i];
        if (!e->to)
            return 0;
        if (e->from == from && e->byte == b)
            return e->to;
    }
}

static void sx_add(const char *e, size_t len, unsigned flag)
{
    unsigned at = 0;
    if (len >= 2)
        sx.pair[(unsigned char)e[len - 1] & 63] |= 1ull << ((unsigned char)e[len - 2] & 63);
    for (size_t d = 1; d <= len; d++) {
        unsigned char b = (unsigned char)e[len - d];
        unsigned c = sx_child(at, b);
        if (!c) {
            if (sx.n_nodes + 1 >= SX_MAX_NODES) {
                lex.overflow = true;
                return;
            }
            c = (unsigned)++sx.n_nodes;
            size_t i = sx_slot(at, b);
            while (sx.edge[i].to)
                i = (i + 1) & (SX_EDGES - 1);
            sx.edge[i] = (struct sx_edge){(uint16_t)at, (uint16_t)c, b};
        }
        at = c;
    }
    sx.flags[at] |= (unsigned char)flag;
}

static void sx_build(void)
{
    for (size_t i = 0; i < sizeof(suffix_sets) / sizeof(suffix_sets[0]); i++) {
        for (unsigned bit = 0; bit < 8; bit++)
            if (suffix_sets[i].flag == 1u << bit)
                sx.min_stem[bit] = suffix_sets[i].min_stem;
        for (const char *w = suffix_sets[i].endings; *w;) {
            const char *sp = strchr(w, ' ');
            size_t len = sp ? (size_t)(sp - w) : strlen(w);
            sx_add(w, len, suffix_sets[i].flag);
            w += len + (sp != NULL);
        }
    }
}

/* The SX_* flags of folded key k. */
static unsigned sx_flags(const char *k, size_t len)
{
    unsigned out = 0, at = 0;
    /* Every ending has two bytes or more: most words stop at their last two. */
    if (len < 2 ||
        !(sx.pair[(unsigned char)k[len - 1] & 63] >> ((unsigned char)k[len - 2] & 63) & 1))
        return 0;
    for (size_t d = 1; d <= len; d++) {
        at = sx_child(at, (unsigned char)k[len - d]);
        if (!at)
            break;
        for (unsigned f = sx.flags[at], bit = 0; f; f >>= 1, bit++)
            if ((f & 1) && len - d >= sx.min_stem[bit])
                out |= 1u << bit;
    }
    return out;
}

/* A word as the name and address rules see it: bytes [a, b), folded, and its flags. */
struct word {
    size_t a, b;
    uint32_t f;
    const struct lex_entry *e;
    size_t klen; /* 0 when too long to fold */
    unsigned sx; /* SX_* of its ending; SX_LAZY until word_sx() looks */
    bool hyphen; /* "Hans-Peter" */
    char k[LEX_MAX_KEY];
};

/* The SX_* flags of w's ending, looked at on first use. */
static unsigned word_sx(struct word *w)
{
    if (w->sx & SX_LAZY)
        w->sx = sx_flags(w->k, w->klen);
    return w->sx;
}

/* ==== one scan ============================================================================ */

#define FOUND_INLINE 32

struct scan {
    const char *p;
    size_t n;
    struct pii_span *v; /* candidates: inl, or the heap once there are more */
    size_t nv, cap;
    bool oom;
    bool lower_mode; /* no ASCII capital in the whole text */
    /* The word after the last one looked up, when it was looked up too: the next call
     * for that word takes it from here. */
    struct word peek;
    bool name_street; /* the last name_extend() stopped at a street word */
    size_t cue_end;   /* without capitals: where the last cue word ended, or SIZE_MAX */
    struct pii_span inl[FOUND_INLINE];
};

static void add(struct scan *s, size_t start, size_t end, enum pii_type t)
{
    if (s->nv == s->cap) {
        if (s->cap > SIZE_MAX / 2 / sizeof(*s->v)) {
            s->oom = true;
            return;
        }
        size_t cap = s->cap * 2;
        struct pii_span *v =
            s->v == s->inl ? malloc(cap * sizeof(*v)) : realloc(s->v, cap * sizeof(*v));
        if (!v) {
            s->oom = true;
            return;
        }
        if (s->v == s->inl)
            memcpy(v, s->inl, s->nv * sizeof(*v));
        s->v = v;
        s->cap = cap;
    }
    s->v[s->nv++] = (struct pii_span){start, end, t};
}

static bool starts_word(const char *p, size_t i)
{
    return i == 0 || !is_word(p[i - 1]);
}

static bool ends_word(const char *p, size_t n, size_t e)
{
    return e == n || !is_word(p[e]);
}

/* Past the word (letters, digits, non-ASCII bytes) that goes on at i. */
static size_t skip_word(const char *p, size_t n, size_t i)
{
    while (i < n && is_word(p[i]))
        i++;
    return i;
}

/* ---- cue words in a window ------------------------------------------------------------ */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Cue words looked for in a window of text, in any case, indexed by their first byte. */
struct cue_set {
    const char *const *cue; /* lower case */
    size_t n;               /* at most 32 */
    bool word_start;        /* a cue must start a word */
    uint32_t by_first[256]; /* bit c set: cue[c] starts with this byte (cue_sets_build) */
    unsigned char len[32];
};
#define CUE_SET(words, ws)                                                                         \
    {                                                                                              \
        (words), N_OF(words), (ws), {0},                                                           \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Order, invoice, tracking or article cues: a number after one is that, not a phone
 * number, tax id or postcode. */
static const char *const number_words[] = {
    "bestell",  "auftrag",  "order",     "rechnung", "invoice",  "sendung", "tracking", "artikel",
    "article",  "kunden",   "customer",  "ticket",   "vorgang",  "paket",   "parcel",   "vertrag",
    "contract", "referenz", "reference", "sku",      "purchase", "kauf"};
/* Phone cues before a chain of digit groups. */
static const char *const phone_words[] = {
    "tel",        "phone",    "fon",  "mobil",     "handy",      "call",      "fax",  "ruf",
    "erreichbar", "whatsapp", "cell", "reach",     "anruf",      "durchwahl", "desk", "office",
    "büro",       "messag",   "sms",  "answering", "registered", "rückruf"};
static const char *const card_words[] = {"card", "karte", "visa", "master", "maestro", "amex"};
static const char *const zip_words[] = {"plz",       "postleitzahl", "zip",        "postcode",
                                        "post code", "postal",       "code postal"};
static const char *const address_words[] = {
    "address",    "adresse",      "anschrift",  "wohne",      "wohnt",   "lives",     "live at",
    "liefern an", "lieferung an", "ship to",    "deliver to", "send to", "senden an", "schicken an",
    "moved to",   "umgezogen",    "located at", "corner of",  "ecke"};
static const char *const dob_words[] = {"geboren", "geb.", "geb ",  "geburt", "born",
                                        "birth",   "dob",  "d.o.b", "bday",   "b-day"};
static const char *const dob_after_words[] = {"geboren", "born"};

static struct cue_set number_cues = CUE_SET(number_words, false),
                      phone_cues = CUE_SET(phone_words, true),
                      card_cues = CUE_SET(card_words, false), zip_cues = CUE_SET(zip_words, false),
                      address_cues = CUE_SET(address_words, false),
                      dob_cues = CUE_SET(dob_words, true),
                      dob_after_cues = CUE_SET(dob_after_words, false);

static void cue_sets_build(void)
{
    struct cue_set *sets[] = {&number_cues, &zip_cues,  &address_cues,  &dob_cues,
                              &phone_cues,  &card_cues, &dob_after_cues};
    for (size_t i = 0; i < N_OF(sets); i++)
        for (size_t c = 0; c < sets[i]->n && c < 32; c++) {
            unsigned char c0 = (unsigned char)sets[i]->cue[c][0];
            sets[i]->by_first[c0] |= 1u << c;
            if (c0 >= 'a' && c0 <= 'z')
                sets[i]->by_first[c0 - 32] |= 1u << c;
            sets[i]->len[c] = (unsigned char)strlen(sets[i]->cue[c]);
        }
}

/* Does a cue of set stand, in any case, wholly inside p[from, to)? */
static bool cue_in(const char *p, size_t from, size_t to, const struct cue_set *set)
{
    for (size_t k = from; k < to; k++) {
        uint32_t m = set->by_first[(unsigned char)p[k]];
        for (; m; m &= m - 1) {
            unsigned c = (unsigned)__builtin_ctz(m);
            size_t len = set->len[c], q = 0;
            if (len > to - k)
                continue;
            while (q < len && lower(p[k + q]) == set->cue[c][q])
                q++;
            if (q == len && (!set->word_start || !letter_before(p, k)))
                return true;
        }
    }
    return false;
}

/* Does a cue of set stand in the window bytes before i? */
static bool cue_before(const char *p, size_t i, size_t window, const struct cue_set *set)
{
    return cue_in(p, i > window ? i - window : 0, i, set);
}

/* Does a number cue stand in the 32 bytes before i? */
static bool after_number_cue(const char *p, size_t i)
{
    return cue_before(p, i, 32, &number_cues);
}

/* ==== e-mail =============================================================================== */

static bool email_local(char c)
{
    return is_word(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* The e-mail address around the '@' at p[at]: its end, with its start in *start; 0 when
 * there is none. */
static size_t email_at(const char *p, size_t n, size_t at, size_t *start)
{
    if (at == 0 || at + 1 >= n)
        return 0;
    size_t s = at;
    while (s > 0 && email_local(p[s - 1]))
        s--;
    while (s < at && p[s] == '.') /* a local part does not start with a dot */
        s++;
    if (s == at || !starts_word(p, s))
        return 0;
    /* Domain: labels of letters, digits and '-', dot-separated, the last of 2+ letters. */
    size_t e = at + 1, last_dot = 0;
    while (e < n && (is_alnum(p[e]) || p[e] == '-' || p[e] == '.')) {
        if (p[e] == '.' && (p[e - 1] == '.' || p[e - 1] == '@'))
            break;
        e++;
    }
    while (e > at + 1 && (p[e - 1] == '.' || p[e - 1] == '-')) /* end of the sentence */
        e--;
    for (size_t q = at + 1; q < e; q++)
        if (p[q] == '.')
            last_dot = q;
    if (last_dot >= e || last_dot <= at + 1 || e - last_dot - 1 < 2)
        return 0;
    for (size_t k = last_dot + 1; k < e; k++)
        if (!is_alpha(p[k]))
            return 0;
    if (!ends_word(p, n, e))
        return 0;
    *start = s;
    return e;
}

/* Does the run of e-mail characters from i reach an '@' within 64 bytes (the longest
 * local part)? Its position, or 0. The bound keeps "A.A.A.A..." linear. */
static size_t email_ahead(const char *p, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && k - i < 64 && email_local(p[k]))
        k++;
    return k < n && p[k] == '@' ? k : 0;
}

/* ==== digit groups ========================================================================== */

/* From i: digits in groups separated by one of seps (one at a time). Writes the digits to
 * d (at most cap), the end of each group to ends (at most 16) and returns the count of
 * groups; *end is where the last group ends. */
static size_t digit_groups(const char *p, size_t n, size_t i, const char *seps, char *d, size_t cap,
                           size_t *nd, size_t *ends, size_t *end)
{
    size_t groups = 0;
    *nd = 0;
    *end = i;
    while (i < n && is_digit(p[i]) && groups < 16) {
        while (i < n && is_digit(p[i])) {
            if (*nd < cap)
                d[*nd] = p[i];
            (*nd)++;
            i++;
        }
        ends[groups++] = i;
        *end = i;
        if (i + 1 < n && is_digit(p[i + 1]) && p[i] != '\0' && !is_digit(p[i]) &&
            strchr(seps, p[i]))
            i++;
        else
            break;
    }
    return groups;
}

/* n digits from i; the position after them, or 0. */
static size_t digits_at(const char *p, size_t n, size_t i, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (i + k >= n || !is_digit(p[i + k]))
            return 0;
    return i + count;
}

/* The number of digits from i. */
static size_t digit_run(const char *p, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && is_digit(p[k]))
        k++;
    return k - i;
}

/* ==== IBAN ================================================================================== */

/* From i (two letters, two digits): an IBAN in groups separated by single spaces; the
 * longest run of whole groups that passes mod 97 wins. Its end, or 0. */
static size_t iban_at(const char *p, size_t n, size_t i)
{
    if (i + 15 > n || !is_alpha(p[i]) || !is_alpha(p[i + 1]) || !is_digit(p[i + 2]) ||
        !is_digit(p[i + 3]) || !starts_word(p, i))
        return 0;
    char c[40];
    size_t nc = 0, ends[40], len_at[40], n_ends = 0, k = i;
    while (k < n && nc < 34) {
        size_t g = 0;
        while (k < n && is_alnum(p[k]) && nc < 34) {
            c[nc++] = p[k++];
            g++;
        }
        if (g == 0)
            break;
        len_at[n_ends] = nc;
        ends[n_ends++] = k;
        if (k + 1 < n && p[k] == ' ' && is_alnum(p[k + 1]))
            k++;
        else
            break;
    }
    for (size_t e = n_ends; e-- > 0;)
        if (len_at[e] >= 15 && ends_word(p, n, ends[e]) && pii_iban_valid(c, len_at[e]))
            return ends[e];
    return 0;
}

/* ==== payment cards ========================================================================= */

/* Is a card number of this many digits with these first digits issued (Visa, Mastercard,
 * American Express, Diners, Discover, JCB, Maestro, UnionPay)? After a card cue, Maestro
 * numbers of 12 digits in all its ranges count too. */
static bool card_issued(const char *d, size_t digits, bool cued)
{
    unsigned p2 = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
    unsigned p4 = p2 * 100 + (unsigned)(d[2] - '0') * 10 + (unsigned)(d[3] - '0');
    if (d[0] == '4')
        return digits == 13 || digits == 16 || digits == 19;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
        return digits == 16;
    if (p2 == 34 || p2 == 37)
        return digits == 15;
    if (p2 == 36 || p2 == 38 || (p4 >= 3000 && p4 <= 3059))
        return digits == 14;
    if (p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499))
        return digits >= 16 && digits <= 19;
    if (p4 >= 3528 && p4 <= 3589)
        return digits >= 16 && digits <= 19;
    if (p2 == 62)
        return digits >= 16 && digits <= 19;
    if (p4 == 1800 || p4 == 2131) /* JCB, 15 digits */
        return digits == 15;
    if (p2 == 35) /* JCB (3528-3589) and its older ranges */
        return digits >= 16 && digits <= 19;
    /* Maestro: its known ranges from 12 digits, other 50/56-69 numbers from 13. */
    static const unsigned maestro[] = {5018, 5020, 5038, 5893, 6304, 6759,
                                       6761, 6762, 6763, 6390, 604};
    for (size_t i = 0; i < N_OF(maestro); i++)
        if (p4 == maestro[i])
            return digits >= 12 && digits <= 19;
    if (p2 == 50 || (p2 >= 56 && p2 <= 69))
        return digits >= (cued ? 12 : 13) && digits <= 19;
    return false;
}

static bool after_card_cue(const char *p, size_t i)
{
    return cue_before(p, i, 24, &card_cues);
}

/* From i: the longest run of whole digit groups (single spaces or '-' between) with 12 to
 * 19 digits, an issued range and a valid Luhn sum. Its end, or 0. */
static size_t card_at(const char *p, size_t n, size_t i)
{
    if (p[i] > '6')
        return 0;
    char d[64];
    size_t nd, ends[16], end;
    size_t groups = digit_groups(p, n, i, " -", d, sizeof(d), &nd, ends, &end);
    if (nd < 12)
        return 0;
    int cued = -1; /* looked up only when needed */
    for (size_t g = groups; g-- > 0;) {
        size_t digits = 0;
        for (size_t q = i; q < ends[g]; q++)
            digits += is_digit(p[q]);
        if (digits < 12 || digits > 19 || !ends_word(p, n, ends[g]) || !pii_luhn_valid(d, digits))
            continue;
        if (card_issued(d, digits, false))
            return ends[g];
        if (cued < 0)
            cued = after_card_cue(p, i);
        if (cued && card_issued(d, digits, true))
            return ends[g];
    }
    return 0;
}

/* ==== Steuer-ID ============================================================================= */

static size_t tax_id_at(const char *p, size_t n, size_t i)
{
    char d[64];
    size_t nd, ends[16], end;
    digit_groups(p, n, i, " ", d, sizeof(d), &nd, ends, &end);
    if (nd == 11 && ends_word(p, n, end) && pii_steuer_id_valid(d, 11) && !after_number_cue(p, i))
        return end;
    return 0;
}

/* ==== IP addresses ========================================================================== */

static size_t ipv4_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (k >= n || p[k] != '.')
                return 0;
            k++;
        }
        size_t s = k;
        unsigned v = 0;
        while (k < n && is_digit(p[k]) && k - s < 3)
            v = v * 10 + (unsigned)(p[k++] - '0');
        if (k == s || v > 255 || (k - s > 1 && p[s] == '0'))
            return 0;
    }
    /* "1.2.3.4.5" or "1.2.3.4a" is something else. */
    if (k < n && (is_word(p[k]) || (p[k] == '.' && k + 1 < n && is_digit(p[k + 1]))))
        return 0;
    return k;
}

static bool is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static size_t ipv6_at(const char *p, size_t n, size_t i)
{
    size_t k = i, groups = 0;
    bool gap = false;
    if (k + 1 < n && p[k] == ':' && p[k + 1] == ':') {
        gap = true;
        k += 2;
    }
    while (k < n && groups < 8) {
        size_t s = k;
        while (k < n && is_hex(p[k]) && k - s < 4)
            k++;
        if (k == s)
            break;
        if (k < n && is_hex(p[k]))
            return 0; /* a group of more than four hex digits */
        groups++;
        if (k + 1 < n && p[k] == ':' && p[k + 1] == ':' && !gap) {
            gap = true;
            k += 2;
        } else if (k + 1 < n && p[k] == ':' && is_hex(p[k + 1])) {
            k++;
        } else {
            break;
        }
    }
    if (gap ? groups == 0 || groups > 7 : groups != 8)
        return 0; /* "::" alone is left out too */
    if (k < n && (is_word(p[k]) || p[k] == ':'))
        return 0;
    /* Decimal-only groups without a gap are a time or a ratio, not an address. */
    bool hex_letter = gap;
    for (size_t q = i; q < k && !hex_letter; q++)
        hex_letter = is_alpha(p[q]);
    return hex_letter ? k : 0;
}

/* An IPv4 or IPv6 address starting at i: its end, or 0. */
static size_t ip_at(const char *p, size_t n, size_t i)
{
    if (!starts_word(p, i) || (i > 0 && (p[i - 1] == '.' || p[i - 1] == ':')))
        return 0;
    size_t e = is_digit(p[i]) ? ipv4_at(p, n, i) : 0;
    if (!e && (is_hex(p[i]) || p[i] == ':'))
        e = ipv6_at(p, n, i);
    return e;
}

/* ==== phone numbers ========================================================================= */

/* From i ('+', '(' or a digit): a phone number in international (+CC, 00CC) or national
 * (leading 0 and an area code) form, digits in groups separated by single spaces, '-',
 * '/' or a bracketed part such as "(0)" or "(030)"; 7 to 15 digits. Its end, or 0. */
static size_t phone_at(const char *p, size_t n, size_t i)
{
    size_t k = i, digits = 0;
    char first[3] = {0};
    size_t nf = 0;
    bool plus = false;
    if (p[k] == '+') {
        plus = true;
        k++;
        if (k >= n || !is_digit(p[k]) || p[k] == '0')
            return 0;
    }
    size_t end = 0;
    while (k < n) {
        if (is_digit(p[k])) {
            if (nf < sizeof(first))
                first[nf++] = p[k];
            digits++;
            k++;
            end = k;
            continue;
        }
        if (p[k] == '(' && k + 1 < n && is_digit(p[k + 1])) {
            size_t q = k + 1;
            while (q < n && is_digit(p[q]) && q - k <= 6)
                q++;
            if (q >= n || p[q] != ')')
                break;
            for (size_t r = k + 1; r < q; r++) {
                if (nf < sizeof(first))
                    first[nf++] = p[r];
                digits += !(plus && q - k == 2 && p[k + 1] == '0'); /* "+49 (0)30": trunk 0 */
            }
            k = q + 1;
            end = k;
            if (k < n && p[k] == ' ')
                k++;
            continue;
        }
        if ((p[k] == ' ' || p[k] == '-' || p[k] == '/') && k + 1 < n &&
            (is_digit(p[k + 1]) || p[k + 1] == '(')) {
            k++;
            continue;
        }
        break;
    }
    if (digits < 7 || digits > 15 || nf == 0)
        return 0;
    if (!plus) {
        /* National: 0 and an area code (not 00, which is an international prefix). */
        if (first[0] != '0')
            return 0;
        if (nf > 1 && first[1] == '0' && (nf < 3 || first[2] == '0'))
            return 0;
    }
    return end;
}

/* North American numbers without a prefix: "(NXX) NXX-XXXX", "NXX-NXX-XXXX",
 * "NXX.NXX.XXXX", "NXX NXX XXXX" (one separator throughout, N = 2..9). End, or 0. */
static size_t nanp_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    char sep = 0;
    if (p[k] == '(') {
        if (!(k = digits_at(p, n, k + 1, 3)) || k >= n || p[k] != ')' || p[i + 1] < '2')
            return 0;
        k++;
        if (k < n && p[k] == ' ')
            k++;
        sep = '-';
    } else {
        if (p[k] < '2' || !(k = digits_at(p, n, k, 3)) || k >= n)
            return 0;
        sep = p[k];
        if (sep != '-' && sep != '.' && sep != ' ')
            return 0;
        k++;
    }
    if (k >= n || p[k] < '2' || !(k = digits_at(p, n, k, 3)) || k >= n || p[k] != sep ||
        !(k = digits_at(p, n, k + 1, 4)))
        return 0;
    return k;
}

/* "0d.dd.dd.dd.dd" (French style: five pairs, dots). End, or 0. */
static size_t dotted_at(const char *p, size_t n, size_t i)
{
    if (p[i] != '0')
        return 0;
    size_t k = i;
    for (int pair = 0; pair < 5; pair++) {
        if (pair && (k >= n || p[k++] != '.'))
            return 0;
        if (!(k = digits_at(p, n, k, 2)))
            return 0;
    }
    return k;
}

/* Does a phone cue ("Tel", "phone", "mobil", "call"...) stand in the 24 bytes before i?
 * Then a plain chain of digit groups there is a phone number too. */
static bool after_phone_cue(const char *p, size_t i)
{
    return cue_before(p, i, 24, &phone_cues);
}

/* Does a phone label follow the number that ends at e ("... office", "...-Fax")? */
static bool phone_cue_after(const char *p, size_t n, size_t e)
{
    static const char *const cues[] = {"office", "fax",  "mobil", "cell",  "home",
                                       "work",   "desk", "büro",  "privat"};
    if (e >= n || (p[e] != ' ' && p[e] != '-' && p[e] != '('))
        return false;
    for (size_t c = 0; c < N_OF(cues); c++) {
        size_t cl = strlen(cues[c]), k = 0;
        while (k < cl && e + 1 + k < n && lower(p[e + 1 + k]) == cues[c][k])
            k++;
        if (k == cl)
            return true;
    }
    return false;
}

/* After a phone cue: digit groups (single spaces, '-', '/' or '.' between), maybe after a
 * bracketed area code, of 7..15 digits in all. End, or 0. */
static size_t cued_at(const char *p, size_t n, size_t i)
{
    size_t k = i, in_paren = 0;
    if (p[k] == '(') {
        size_t q = k + 1;
        while (q < n && is_digit(p[q]) && q - k <= 5)
            q++;
        if (q == k + 1 || q >= n || p[q] != ')')
            return 0;
        in_paren = q - k - 1;
        k = q + 1;
        if (k < n && p[k] == ' ')
            k++;
    }
    if (k >= n || !is_digit(p[k]))
        return 0;
    char d[32];
    size_t nd, ends[16], end;
    digit_groups(p, n, k, " -/.", d, sizeof(d), &nd, ends, &end);
    nd += in_paren;
    return nd >= 7 && nd <= 15 ? end : 0;
}

/* An extension after a number that ends at e ("x4587", " ext. 12"): the new end. */
static size_t phone_ext(const char *p, size_t n, size_t e)
{
    size_t k = e;
    if (k < n && (p[k] == 'x' || p[k] == 'X')) {
        k++;
    } else if (k + 5 < n && p[k] == ' ' && lower(p[k + 1]) == 'e' && lower(p[k + 2]) == 'x' &&
               lower(p[k + 3]) == 't') {
        k += 4;
        if (p[k] == '.')
            k++;
        if (k < n && p[k] == ' ')
            k++;
    } else {
        return e;
    }
    size_t d = digit_run(p, n, k);
    return d >= 1 && d <= 5 ? k + d : e;
}

/* The phone number that starts at i (a digit, '(' or '+'): its end, or 0. */
static size_t phone_here(const char *p, size_t n, size_t i)
{
    if (is_digit(p[i]) || p[i] == '(') { /* shapes that need no prefix */
        size_t e = 0;
        if (starts_word(p, i) && !(i > 0 && (p[i - 1] == '.' || p[i - 1] == '-'))) {
            /* The shape first (cheap and rare); the cue words only for a match. */
            e = nanp_at(p, n, i);
            e = e ? e : dotted_at(p, n, i);
            if (!e && (e = cued_at(p, n, i)) != 0 && !after_phone_cue(p, i) &&
                !phone_cue_after(p, n, phone_ext(p, n, e)))
                e = 0;
            if (e && after_number_cue(p, i))
                e = 0;
        }
        if (e)
            e = phone_ext(p, n, e);
        if (e && ends_word(p, n, e) &&
            !(e < n && (p[e] == '.' || p[e] == '-') && e + 1 < n && is_digit(p[e + 1])))
            return e;
    }
    if (p[i] != '+' && p[i] != '(' && p[i] != '0')
        return 0;
    if (i > 0) {
        char c = p[i - 1];
        if (is_word(c) || c == '+' || c == '-' || c == '/')
            return 0;
        /* "1,0151..." or "3.0176...": the digits of a decimal number. */
        if ((c == '.' || c == ',') && i > 1 && is_digit(p[i - 2]))
            return 0;
        if (c == ' ' && i > 1 && is_digit(p[i - 2]) && p[i] != '+' && p[i] != '(')
            return 0; /* inside a chain of digit groups (an account number, a code) */
    }
    if (p[i] == '(' && (i + 1 >= n || p[i + 1] != '0'))
        return 0; /* "(030) 123456": the bracket is part of the number */
    size_t e = phone_at(p, n, i);
    if (!e)
        return 0;
    e = phone_ext(p, n, e);
    if (!ends_word(p, n, e) ||
        (e < n && (p[e] == '.' || p[e] == ',') && e + 1 < n && is_digit(p[e + 1])))
        return 0;
    return after_number_cue(p, i) ? 0 : e;
}

/* ==== words ================================================================================= */

/* End of the name-like word at i: letters, a '-' between letters ("Hans-Peter") and an
 * apostrophe before a capital ("O'Brien"). */
static size_t name_word_end(const char *p, size_t n, size_t i)
{
    size_t k = i;
    while (k < n) {
        unsigned char c = (unsigned char)p[k];
        if (c < 0x80) {
            if (is_alpha((char)c)) {
                k++;
                continue;
            }
            if (c == '-' && k > i && k + 1 < n && letter_len(p, n, k + 1)) {
                k++;
                continue;
            }
            if (c == '\'' && k > i && k + 1 < n && is_upper(p[k + 1])) {
                k++;
                continue;
            }
            break;
        }
        size_t l = letter_len(p, n, k);
        if (!l)
            break;
        k += l;
    }
    return k;
}

/* Fill w for [a, b) and look it up, through the one-word cache of s. */
static void word_get(struct scan *s, size_t a, size_t b, struct word *w)
{
    if (a == s->peek.a && b == s->peek.b) {
        *w = s->peek;
        return;
    }
    w->a = a;
    w->b = b;
    w->klen = b - a <= LEX_MAX_KEY - 2 ? fold(s->p + a, b - a, w->k, sizeof(w->k)) : 0;
    w->sx = SX_LAZY;
    w->hyphen = memchr(s->p + a, '-', b - a) != NULL;
    w->e = w->klen ? lex_find(w->k, w->klen, hash_key(w->k, w->klen)) : NULL;
    w->f = w->e ? w->e->flags : 0;
}

/* The name-like word that starts at a (see name_word_end), read into w: ASCII letters are
 * folded and hashed as they are read; anything else takes the general path. Its end. */
static size_t word_read(struct scan *s, size_t a, struct word *w)
{
    const char *p = s->p;
    size_t n = s->n, k = a;
    if (a == s->peek.a) {
        *w = s->peek;
        return w->b;
    }
    bool hashed = false;
    uint64_t h = HASH_SEED;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes at a time: fold them, hash the letters, stop at the first byte that is
     * no ASCII letter. */
    while (k < n && k - a + 8 <= LEX_MAX_KEY - 2) {
        uint64_t v = 0; /* the last bytes of the text are padded with NULs (no letters) */
        if (k + 8 <= n)
            memcpy(&v, p + k, 8);
        else
            for (size_t j = 0; j < n - k; j++)
                v |= (uint64_t)(unsigned char)p[k + j] << (8 * j);
        uint64_t low = v | (0x20 * ONES), x = low & ~HIGHS;
        uint64_t letter = (x + (0x80 - 'a') * ONES) & ~(x + (0x80 - 'z' - 1) * ONES) & ~v & HIGHS;
        memcpy(w->k + (k - a), &low, 8);
        if (letter != HIGHS) {
            size_t m = (size_t)__builtin_ctzll(~letter & HIGHS) / 8;
            if (m)
                h = hash_mix(h, low & ((1ull << (8 * m)) - 1));
            k += m;
            hashed = true;
            break;
        }
        h = hash_mix(h, low);
        k += 8;
    }
#endif
    if (!hashed) /* near the end of the text: byte by byte */
        while (k < n && k - a < LEX_MAX_KEY - 2) {
            unsigned char c = (unsigned char)(p[k] | 0x20);
            if ((unsigned char)(c - 'a') >= 26)
                break;
            w->k[k - a] = (char)c;
            k++;
        }
    if (k == a ||
        (k < n && (is_alpha(p[k]) || ((unsigned char)p[k] >= 0x80 && letter_len(p, n, k)) ||
                   (k + 1 < n && ((p[k] == '-' && letter_len(p, n, k + 1)) ||
                                  (p[k] == '\'' && is_upper(p[k + 1]))))))) {
        size_t b = name_word_end(p, n, a);
        word_get(s, a, b == a ? a + 1 : b, w);
        return w->b;
    }
    w->a = a;
    w->b = k;
    w->klen = k - a;
    w->sx = SX_LAZY;
    w->hyphen = false;
    w->e = lex_find(w->k, w->klen, hashed ? hash_finish(h, w->klen) : hash_key(w->k, w->klen));
    w->f = w->e ? w->e->flags : 0;
    return k;
}

/* The capitalised word right after e (one space between, same line), read into w and
 * kept for the next lookup; false when there is none. */
static bool next_word(struct scan *s, size_t e, struct word *w)
{
    const char *p = s->p;
    size_t n = s->n;
    if (e + 1 >= n || p[e] != ' ' ||
        !(upper_at(p, n, e + 1) || (s->lower_mode && letter_len(p, n, e + 1))))
        return false;
    if (word_read(s, e + 1, w) == e + 1)
        return false;
    s->peek = *w;
    return true;
}

/* ==== dates of birth ======================================================================== */

static unsigned num_at(const char *p, size_t i, size_t len)
{
    unsigned v = 0;
    for (size_t k = 0; k < len; k++)
        v = v * 10 + (unsigned)(p[i + k] - '0');
    return v;
}

static bool year_ok(unsigned y, size_t digits)
{
    return digits == 2 || (y >= 1900 && y <= 2099);
}

/* A numeric date at i: D.M.YYYY, D/M/YYYY, D-M-YYYY (also two-digit years) or
 * YYYY-MM-DD. Its end, or 0. */
static size_t date_num_at(const char *p, size_t n, size_t i)
{
    size_t a = digit_run(p, n, i), e;
    unsigned d, m;
    if (a == 4) {
        if (i + 10 > n || p[i + 4] != '-' || p[i + 7] != '-' || !digits_at(p, n, i + 5, 2) ||
            !digits_at(p, n, i + 8, 2) || !year_ok(num_at(p, i, 4), 4))
            return 0;
        m = num_at(p, i + 5, 2);
        d = num_at(p, i + 8, 2);
        e = i + 10;
    } else {
        if (a < 1 || a > 2 || i + a + 1 >= n)
            return 0;
        char sep = p[i + a];
        size_t b = sep == '.' || sep == '/' || sep == '-' ? digit_run(p, n, i + a + 1) : 0;
        size_t k = i + a + 1 + b;
        if (b < 1 || b > 2 || k + 1 >= n || p[k] != sep)
            return 0;
        size_t c = digit_run(p, n, k + 1);
        if ((c != 2 && c != 4) || !year_ok(num_at(p, k + 1, c), c))
            return 0;
        d = num_at(p, i, a);
        m = num_at(p, i + a + 1, b);
        if (sep == '/' && m > 12 && d <= 12) { /* US order: M/D/YYYY */
            unsigned t = d;
            d = m;
            m = t;
        }
        e = k + 1 + c;
    }
    static const unsigned char days[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > days[m] || !ends_word(p, n, e) ||
        (e + 1 < n && (p[e] == '.' || p[e] == '/' || p[e] == '-') && is_digit(p[e + 1])))
        return 0;
    return e;
}

/* A month name or abbreviation (a '.' after it is taken along) at k: its end, or 0. */
static size_t month_at(struct scan *s, size_t k)
{
    if (k >= s->n || !letter_len(s->p, s->n, k))
        return 0;
    size_t b = name_word_end(s->p, s->n, k);
    struct word w;
    word_get(s, k, b, &w);
    if (!(w.f & LX_MONTH))
        return 0;
    return b < s->n && s->p[b] == '.' ? b + 1 : b;
}

/* A four-digit year 1900..2099 at k that ends a word: its end, or 0. */
static size_t year_at(const char *p, size_t n, size_t k)
{
    if (digit_run(p, n, k) != 4 || !year_ok(num_at(p, k, 4), 4))
        return 0;
    return k + 4;
}

/* "12. März 1985", "12 March 1985", "3rd of May 1990" at i: end, or 0. */
static size_t date_day_month_at(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n, a = digit_run(p, n, i), k = i + a;
    if (a < 1 || a > 2 || num_at(p, i, a) < 1 || num_at(p, i, a) > 31)
        return 0;
    if (k < n && p[k] == '.')
        k++;
    else if (k + 2 <= n && (memcmp(p + k, "st", 2) == 0 || memcmp(p + k, "nd", 2) == 0 ||
                            memcmp(p + k, "rd", 2) == 0 || memcmp(p + k, "th", 2) == 0))
        k += 2;
    if (k >= n || p[k] != ' ')
        return 0;
    k++;
    if (k + 3 < n && memcmp(p + k, "of ", 3) == 0)
        k += 3;
    size_t m = month_at(s, k);
    if (!m || m + 1 >= n || (p[m] != ' ' && p[m] != ','))
        return 0;
    k = m + (p[m] == ',');
    if (k < n && p[k] == ' ')
        k++;
    return year_at(p, n, k);
}

/* "March 12, 1985", "March 12th 1985" at the month word [a, b): end, or 0. */
static size_t date_month_day_at(struct scan *s, size_t b)
{
    const char *p = s->p;
    size_t n = s->n, k = b;
    if (k < n && p[k] == '.')
        k++;
    if (k >= n || p[k] != ' ')
        return 0;
    size_t a = digit_run(p, n, ++k);
    if (a < 1 || a > 2 || num_at(p, k, a) < 1 || num_at(p, k, a) > 31)
        return 0;
    k += a;
    if (k + 2 <= n && (memcmp(p + k, "st", 2) == 0 || memcmp(p + k, "nd", 2) == 0 ||
                       memcmp(p + k, "rd", 2) == 0 || memcmp(p + k, "th", 2) == 0))
        k += 2;
    if (k < n && p[k] == ',')
        k++;
    if (k >= n || p[k] != ' ')
        return 0;
    return year_at(p, n, k + 1);
}

/* Does a birth cue word start in the 40 bytes before s, or "geboren"/"born" follow e? */
static bool dob_cue(const char *p, size_t n, size_t s, size_t e)
{
    return cue_before(p, s, 40, &dob_cues) ||
           cue_in(p, e, n - e > 16 ? e + 16 : n, &dob_after_cues);
}

/* ==== postcodes =============================================================================== */

/* A listed town, or a word with a German town ending. */
static bool town_word(struct word *w)
{
    return (w->f & LX_CITY) || (word_sx(w) & SX_TOWN);
}

/* A capital at a, or any letter in a text without capitals. */
static bool cap_at(const struct scan *s, size_t a)
{
    return upper_at(s->p, s->n, a) || (s->lower_mode && letter_len(s->p, s->n, a));
}

/* The town at k (a capitalised word, maybe "Bad X", "St. X", "X am Main", "X an der
 * Oder", "X (Saale)"): its end, or 0; *known when it is a listed town or has a town
 * ending. */
static size_t city_at(struct scan *s, size_t k, bool *known)
{
    const char *p = s->p;
    size_t n = s->n;
    *known = false;
    if (k >= n || !cap_at(s, k))
        return 0;
    size_t e = name_word_end(p, n, k);
    if (e == k)
        return 0;
    struct word w;
    word_get(s, k, e, &w);
    if (w.f & (LX_MONTH | LX_UNIT_AFTER) || ((w.f & LX_NOT_NAME) && !(w.f & LX_CITY)))
        return 0;
    *known = town_word(&w);
    if (w.f & LX_PLACE_PRE) { /* "Bad Homburg", "St. Gallen" */
        size_t q = e < n && p[e] == '.' ? e + 1 : e;
        if (q + 1 < n && p[q] == ' ' && upper_at(p, n, q + 1)) {
            e = name_word_end(p, n, q + 1);
            *known = true;
        }
    }
    /* "am Main", "an der Oder", "im Breisgau", "ob der Tauber", "in Oberbayern" */
    if (e + 4 < n && p[e] == ' ' && is_lower(p[e + 1]) && is_lower(p[e + 2]) && p[e + 3] == ' ') {
        static const char *const pre[] = {"am", "an", "im", "in", "ob"};
        for (size_t c = 0; c < N_OF(pre); c++) {
            if (memcmp(p + e + 1, pre[c], 2) != 0)
                continue;
            size_t r = e + 4;
            if (r + 4 < n && (memcmp(p + r, "der ", 4) == 0 || memcmp(p + r, "dem ", 4) == 0))
                r += 4;
            if (r < n && upper_at(p, n, r))
                e = name_word_end(p, n, r);
            break;
        }
    }
    if (e + 2 < n && p[e] == ' ' && p[e + 1] == '(' && upper_at(p, n, e + 2)) {
        size_t r = name_word_end(p, n, e + 2);
        if (r < n && p[r] == ')')
            e = r + 1;
    }
    return e;
}

static bool after_zip_cue(const char *p, size_t i)
{
    return cue_before(p, i, 24, &zip_cues);
}

/* A postcode with its town at the digit i: "10115 Berlin" (a listed town or one with a
 * town ending, or after a postcode cue), "1010 Wien" (a listed town); after a postcode cue
 * also the code alone in the shapes of other countries ("ZIP: 48750", "PLZ 3520",
 * "90010-170", "394 13", "7412 SL"). End, or 0. */
static size_t postcode_at(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n, d = digit_run(p, n, i), k = i + d;
    if (d < 3 || d > 6)
        return 0;
    int cue = -1;
    if ((d == 5 || d == 4) && k + 1 < n && p[k] == ' ' && upper_at(p, n, k + 1)) {
        bool known;
        size_t e = city_at(s, k + 1, &known);
        unsigned v = num_at(p, i, d);
        if (e && d == 5 && v >= 1000 && !known)
            known = (cue = after_zip_cue(p, i));
        if (e && known &&
            ((d == 5 && v >= 1000) || (d == 4 && v >= 1000 && (v < 1900 || v > 2099))) &&
            !after_number_cue(p, i))
            return e;
    }
    if (cue < 0)
        cue = after_zip_cue(p, i);
    if (!cue)
        return 0;
    if (k + 2 < n && (p[k] == '-' || p[k] == ' ') && digit_run(p, n, k + 1) >= 2 &&
        digit_run(p, n, k + 1) <= 4)
        k += 1 + digit_run(p, n, k + 1);
    else if (k + 3 <= n && p[k] == ' ' && is_upper(p[k + 1]) && is_upper(p[k + 2]) &&
             ends_word(p, n, k + 3))
        k += 3;
    return ends_word(p, n, k) ? k : 0;
}

/* "D-80331 München", "DE-80331", "A-1010 Wien", "CH-8001 Zürich": end, or 0. */
static size_t prefixed_postcode_at(struct scan *s, size_t i)
{
    static const struct {
        const char *pre;
        size_t digits;
    } forms[] = {{"D-", 5}, {"DE-", 5}, {"A-", 4}, {"AT-", 4}, {"CH-", 4}, {"L-", 4}, {"FL-", 4}};
    const char *p = s->p;
    size_t n = s->n;
    for (size_t f = 0; f < N_OF(forms); f++) {
        size_t pl = strlen(forms[f].pre), k = i + pl;
        if (k >= n || memcmp(p + i, forms[f].pre, pl) != 0 || digit_run(p, n, k) != forms[f].digits)
            continue;
        k += forms[f].digits;
        bool known;
        size_t e = k + 1 < n && p[k] == ' ' ? city_at(s, k + 1, &known) : 0;
        return e ? e : k;
    }
    return 0;
}

/* A UK postcode at i ("SW1A 1AA", "M1 1AE", "EC1A 1BB"): end, or 0. */
static size_t uk_postcode_at(const char *p, size_t n, size_t i)
{
    static const char areas[] =
        " AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL "
        "DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT "
        "KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR "
        "RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA "
        "WC WD WF WN WR WS WV YO ZE ";
    size_t k = i;
    while (k < n && k - i < 2 && is_upper(p[k]))
        k++;
    size_t area = k - i;
    if (area == 0 || k >= n || !is_digit(p[k]))
        return 0;
    char key[5] = {' ', p[i], ' ', '\0', '\0'};
    if (area == 2) {
        key[2] = p[i + 1];
        key[3] = ' ';
    }
    if (!strstr(areas, key))
        return 0;
    k++;
    if (k < n && (is_digit(p[k]) || is_upper(p[k])))
        k++;
    if (k + 4 > n || p[k] != ' ' || !is_digit(p[k + 1]) || !is_upper(p[k + 2]) ||
        !is_upper(p[k + 3]) || in_set("CIKMOV", p[k + 2]) || in_set("CIKMOV", p[k + 3]))
        return 0;
    return ends_word(p, n, k + 4) ? k + 4 : 0;
}

/* A Canadian postcode at i ("K1A 0B1"): end, or 0. */
static size_t ca_postcode_at(const char *p, size_t n, size_t i)
{
    if (i + 7 > n || !in_set("ABCEGHJKLMNPRSTVXY", p[i]) || !is_digit(p[i + 1]) ||
        !is_upper(p[i + 2]) || p[i + 3] != ' ' || !is_digit(p[i + 4]) || !is_upper(p[i + 5]) ||
        !is_digit(p[i + 6]))
        return 0;
    return ends_word(p, n, i + 7) ? i + 7 : 0;
}

/* A US state (or military) code and ZIP at i ("TX 78701", "AE 09012-1234") after a town
 * ("Austin, TX 78701", "APO AE 09012"): the end, with the town's start in *start. */
static size_t us_zip_at(const char *p, size_t n, size_t i, size_t *start)
{
    static const char states[] =
        " AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
        "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP "
        "AA AE AP ";
    if (i + 8 > n || !is_upper(p[i]) || !is_upper(p[i + 1]) || p[i + 2] != ' ' ||
        digit_run(p, n, i + 3) != 5)
        return 0;
    char key[5] = {' ', p[i], p[i + 1], ' ', '\0'};
    if (!strstr(states, key))
        return 0;
    size_t e = i + 8;
    if (e + 5 <= n && p[e] == '-' && digit_run(p, n, e + 1) == 4)
        e += 5;
    if (!ends_word(p, n, e))
        return 0;
    /* The town: one to three capitalised words before, maybe with a comma. */
    size_t k = i;
    if (k > 0 && p[k - 1] == ' ')
        k--;
    if (k > 0 && p[k - 1] == ',')
        k--;
    size_t town = k;
    for (int words = 0; words < 3; words++) {
        size_t q = town;
        while (q > 0 && (is_alpha(p[q - 1]) || (unsigned char)p[q - 1] >= 0x80))
            q--;
        if (q == town || !upper_at(p, n, q))
            break;
        town = q;
        if (town == 0 || p[town - 1] != ' ' || town < 2 || !letter_before(p, town - 1))
            break;
        town--;
    }
    while (town < k && p[town] == ' ')
        town++;
    if (town >= k)
        return 0;
    *start = town;
    return e;
}

/* Start of the word that ends at e (letters and apostrophes), reading backwards. */
static size_t back_word(const char *p, size_t e)
{
    size_t k = e;
    while (k > 0) {
        char c = p[k - 1];
        if (is_alpha(c) || c == '\'') {
            k--;
            continue;
        }
        if ((unsigned char)c < 0x80)
            break;
        size_t q = k - 1;
        while (q > 0 && k - q < 4 && ((unsigned char)p[q] & 0xC0) == 0x80)
            q--;
        if (letter_len(p, k, q) != k - q)
            break;
        k = q;
    }
    return k;
}

/* Is only white space (or '.', '!') left on the line after e? */
static bool line_ends(const char *p, size_t n, size_t e)
{
    while (e < n && (is_space(p[e]) || p[e] == '.' || p[e] == '!' || p[e] == '\r'))
        e++;
    return e == n || p[e] == '\n';
}

/* ==== addresses =============================================================================== */

/* A one-word street name: "Hauptstraße", "Lindenallee", "Hammarvägen". */
static bool street_word(struct word *w)
{
    return (word_sx(w) & SX_STREET) != 0;
}

/* A house number at k: 1 to max_digits digits (not starting with 0), an optional letter
 * ("12a", "221B") and an optional range or fraction ("12-14", "5/1"), ending its word and
 * not followed by a unit ("5 Uhr", "3 Stück", "2,5", "10 %"). End, or 0. */
static size_t house_number_at(struct scan *s, size_t k, size_t max_digits)
{
    const char *p = s->p;
    size_t n = s->n, d = digit_run(p, n, k);
    if (d < 1 || d > max_digits || p[k] == '0')
        return 0;
    size_t e = k + d;
    if (e < n && is_alpha(p[e]) && (e + 1 == n || !is_alpha(p[e + 1])))
        e++;
    if (e + 1 < n && (p[e] == '-' || p[e] == '/') && is_digit(p[e + 1]) &&
        digit_run(p, n, e + 1) <= 4)
        e += 1 + digit_run(p, n, e + 1);
    if (!ends_word(p, n, e))
        return 0;
    if (e + 1 < n && (p[e] == ',' || p[e] == '.' || p[e] == ':') && is_digit(p[e + 1]))
        return 0;
    if (e < n && (p[e] == '%' || (unsigned char)p[e] == 0xE2 || p[e] == '$'))
        return 0; /* %, € (E2 82 AC), $ */
    if (e + 1 < n && p[e] == ' ' && letter_len(p, n, e + 1)) {
        size_t b = name_word_end(p, n, e + 1);
        struct word w;
        word_get(s, e + 1, b, &w);
        if (w.f & LX_UNIT_AFTER)
            return 0;
    }
    if (e + 2 < n && p[e] == ' ' && ((unsigned char)p[e + 1] == 0xE2 || p[e + 1] == '%'))
        return 0;
    return e;
}

/* A unit at k ("Apt 4B", "Suite 200", "Whg. 3", "#12"): end, or 0. */
static size_t unit_at(struct scan *s, size_t k, bool any_unit)
{
    const char *p = s->p;
    size_t n = s->n, q;
    if (k < n && p[k] == '#') {
        q = k + 1;
    } else {
        if (k >= n || !letter_len(p, n, k))
            return 0;
        size_t b = name_word_end(p, n, k);
        struct word w;
        word_get(s, k, b, &w);
        if (!(w.f & LX_UNIT))
            return 0;
        /* Alone, only the words that mean an address: "Apt", "Suite". */
        if (!any_unit && !(w.klen >= 3 && (memcmp(w.k, "apt", 3) == 0 ||
                                           memcmp(w.k, "suite", w.klen < 5 ? w.klen : 5) == 0 ||
                                           (w.klen == 3 && memcmp(w.k, "ste", 3) == 0))))
            return 0;
        q = b < n && p[b] == '.' ? b + 1 : b;
        if (q < n && p[q] == ' ')
            q++;
    }
    size_t e = q;
    while (e < n && is_alnum(p[e]) && e - q < 6)
        e++;
    bool digit = false;
    for (size_t r = q; r < e; r++)
        digit |= is_digit(p[r]);
    return digit && ends_word(p, n, e) ? e : 0;
}

/* After an address part that ends at e: spaces, at most one comma and at most one line
 * break (quote marks and bullets at the start of a line are skipped too: '>', '*', '|',
 * '•', and '?' where a bullet was lost to a wrong encoding). Where the next part
 * would start, or 0; *line tells whether a line break was crossed. */
static size_t tail_sep(const char *p, size_t n, size_t e, int *lines)
{
    size_t k = e;
    bool comma = false;
    *lines = 0;
    while (k < n) {
        if (is_space(p[k]) || p[k] == '\r' || (*lines && in_set(">*|?", p[k])))
            k++;
        else if (*lines && k + 2 < n && memcmp(p + k, "\xE2\x80\xA2", 3) == 0)
            k += 3;
        else if (p[k] == ',' && !comma && !*lines)
            comma = true, k++;
        else if (p[k] == '\n' && *lines < 2)
            ++*lines, k++;
        else
            break;
    }
    return k > e && k < n ? k : 0;
}

/* A postcode-like code at k: 3 to 6 digits, maybe "-123" or " 12" after them, or a UK,
 * Canadian, prefixed ("D-10115") or US ("IL 62704") form. Its end, or 0. */
static size_t code_at(struct scan *s, size_t k)
{
    const char *p = s->p;
    size_t n = s->n, d = digit_run(p, n, k), e, start;
    if (d >= 3 && d <= 6) {
        e = k + d;
        if (e + 2 < n && (p[e] == '-' || p[e] == ' ') && digit_run(p, n, e + 1) >= 2 &&
            digit_run(p, n, e + 1) <= 4 && ends_word(p, n, e + 1 + digit_run(p, n, e + 1)))
            e += 1 + digit_run(p, n, e + 1);
        else if (d == 3)
            return 0; /* "Apt 4, 350 Fifth Avenue": a house number, not a code */
        /* A chain of digit groups is a phone number or an account, not a postcode. */
        if (e + 1 < n && (p[e] == ' ' || p[e] == '-' || p[e] == '/') && is_digit(p[e + 1]))
            return 0;
        return ends_word(p, n, e) ? e : 0;
    }
    if (d || k >= n || !is_upper(p[k]))
        return 0;
    if ((e = uk_postcode_at(p, n, k)) || (e = ca_postcode_at(p, n, k)) ||
        (e = us_zip_at(p, n, k, &start)) || (e = prefixed_postcode_at(s, k)))
        return e;
    return 0;
}

static size_t street_number_first_at(struct scan *s, size_t i, bool with_tail);

/* A line that holds only a short region code or placeholder, in any case ("NS", ", NI",
 * "nan") at k: its end, or 0. */
static size_t region_line_at(const char *p, size_t n, size_t k)
{
    if (k < n && p[k] == ',')
        k++;
    while (k < n && p[k] == ' ')
        k++;
    size_t e = k;
    while (e < n && is_alpha(p[e]) && e - k <= 3)
        e++;
    return e > k && e - k <= 3 && line_ends(p, n, e) ? e : 0;
}

/* A code of three digits ("700", Iceland) or "12-345" (Poland) alone on its line at k,
 * below the town lines of an address: its end, or 0. */
static size_t short_code_line_at(const char *p, size_t n, size_t k)
{
    size_t d = digit_run(p, n, k), e = k + d;
    if (d == 2 && e + 1 < n && p[e] == '-' && digit_run(p, n, e + 1) == 3)
        e += 4;
    else if (d != 3)
        return 0;
    return ends_word(p, n, e) && line_ends(p, n, e) ? e : 0;
}

/* What may follow a street and its number, each after a comma, spaces or one line break:
 * a unit ("Apt. 4"), a postcode with its town ("10115 Berlin"), a town or country with a
 * code ("Springfield, IL 62704", "Hungary 34796"), and over several lines short lines of
 * town or region names, taken only when a code or unit comes after them. The end of the
 * last part taken. */
static size_t address_tail(struct scan *s, size_t e)
{
    const char *p = s->p;
    size_t n = s->n, pending = 0;
    int pending_lines = 0;
    for (int step = 0; step < 7; step++) {
        int lines;
        size_t k = tail_sep(p, n, pending ? pending : e, &lines), x;
        bool line = lines > 0;
        if (!k)
            break;
        bool known;
        if ((x = unit_at(s, k, true)) != 0 || (x = code_at(s, k)) != 0 ||
            (pending && line && (x = short_code_line_at(p, n, k)) != 0)) {
            /* A code may have its town after it on the same line. */
            if (x + 1 < n && p[x] == ' ' && is_digit(p[k]) && cap_at(s, x + 1)) {
                size_t c = city_at(s, x + 1, &known);
                x = c ? c : x;
            }
            e = x;
            pending = 0;
            pending_lines = 0;
            continue;
        }
        /* Another street of the same address ("Apt 4, 350 Fifth Avenue"). */
        if (is_digit(p[k]) && (x = street_number_first_at(s, k, false)) != 0) {
            e = x;
            pending = 0;
            pending_lines = 0;
            continue;
        }
        /* A town or country, then a code on the same line ("London NW1 6XE"). */
        size_t w = 0;
        x = 0;
        for (size_t q = k, words = 0; words < 4; words++) {
            size_t b = name_word_end(p, n, q);
            if (b == q || (words == 0 && !cap_at(s, q)))
                break;
            struct word pw;
            word_get(s, q, b, &pw);
            bool region = words > 0 && b - q <= 3 && is_upper(p[q]) && is_upper(p[b - 1]);
            if (!region && ((pw.f & (LX_MONTH | LX_NOT_STREET | LX_COUNTED)) ||
                            ((pw.f & LX_NOT_NAME) && b - q <= 4)))
                break; /* "Im Januar 1815", "Band 6, 2006"; "Germany 10115" is taken */
            w = b < n && p[b] == '.' ? b + 1 : b;
            q = w < n && p[w] == ',' ? w + 1 : w;
            if (q + 1 >= n || p[q] != ' ')
                break;
            if ((x = code_at(s, q + 1)) != 0)
                break;
            q++;
        }
        if (x) {
            e = x;
            pending = 0;
            pending_lines = 0;
            continue;
        }
        if (!w && line && pending) /* the region below the town */
            w = region_line_at(p, n, k);
        if (!w || lines > 1) /* after an empty line, only a code is taken */
            break;
        /* A line of its own: kept only if a code or unit follows. */
        if (!line || !line_ends(p, n, w) || pending_lines == 2 || w - k > 40)
            break;
        pending = w;
        pending_lines++;
    }
    return e;
}

/* Address cues: the street after one needs no street word ("lives on Elm 4"). */
static bool after_address_cue(const char *p, size_t i)
{
    return cue_before(p, i, 40, &address_cues);
}

/* Start of the name-like word that ends at e (letters, '-', apostrophes), backwards. */
static size_t back_name_word(const char *p, size_t e)
{
    size_t k = back_word(p, e);
    while (k > 1 && p[k - 1] == '-' && letter_before(p, k - 1))
        k = back_word(p, k - 1);
    return k;
}

/* The street that ends right before the house number at i: "Hauptstraße 12", "Berliner
 * Str. 45", "Am Markt 3a", "Rue de la Paix 5", "Hegedűs Gyula utca 76"; after an address
 * cue any "Elm 4". Its start, or SIZE_MAX. *strict: a form whose only street word is a
 * German preposition ("Am Ende 3 Wochen" is no address), so the number must end there. */
static size_t street_before(struct scan *s, size_t i, bool *strict)
{
    const char *p = s->p;
    struct word wd[5];
    size_t nw = 0, k = i, none = SIZE_MAX;
    *strict = false;
    while (nw < 5 && k >= 2 && p[k - 1] == ' ') {
        size_t e = k - 1;
        if (e > 0 && p[e - 1] == '.') /* "Str.", "u." */
            e--;
        size_t a = back_name_word(p, e);
        if (a == e)
            break;
        word_get(s, a, e, &wd[nw]);
        struct word *w = &wd[nw++];
        if (w->f & (LX_NOT_STREET | LX_MONTH))
            return none;
        bool cap = cap_at(s, a);
        /* The word next to the number decides quickly: a capitalised word or a street
         * word; anything else (most numbers in text) is no street. */
        if (nw == 1 && !cap && !(w->f & LX_STREET) && !(s->lower_mode && (word_sx(w) & SX_STREET)))
            return none;
        if (!cap && !(w->f & (LX_PARTICLE | LX_STREET_PRE | LX_STREET)))
            break;
        k = a;
    }
    if (nw == 0)
        return none;
    struct word *w0 = &wd[0];
    if (word_sx(w0) & SX_STREET) /* "Hauptstraße 12", "Alte Hauptstraße 12" */
        return nw > 1 && (wd[1].f & LX_STREET_PRE) && cap_at(s, wd[1].a) ? wd[1].a : w0->a;
    if (w0->f & LX_STREET) { /* "Berliner Str. 45", "Baker Street", "Gyula utca 76" */
        size_t start = none;
        for (size_t j = 1; j < nw; j++) {
            if (cap_at(s, wd[j].a) && !(wd[j].f & LX_NOT_NAME && !(wd[j].f & LX_STREET_PRE)))
                start = wd[j].a;
            else if (!(wd[j].f & LX_PARTICLE))
                break;
            if (cap_at(s, wd[j].a) && (start != none) && j >= 2)
                break; /* two capitalised words at most: "Karl Marx Straße" */
        }
        return start;
    }
    /* A leading street word: "Am Markt 3", "An der Alster 12", "Rue de la Paix 5". */
    for (size_t j = 1; j < nw; j++) {
        if (wd[j].f & LX_STREET_PRE) {
            bool cap = cap_at(s, wd[j].a), german = (wd[j].f & LX_PRE_WEAK) != 0;
            if (german && !cap && !after_address_cue(p, wd[j].a))
                return none; /* "im Paket 3" */
            *strict = german;
            return wd[j].a;
        }
        if (!cap_at(s, wd[j].a) && !(wd[j].f & LX_PARTICLE))
            break;
    }
    return cap_at(s, w0->a) && !(w0->f & LX_NOT_NAME) && after_address_cue(p, w0->a) ? w0->a : none;
}

/* Add the address [start, e), taking along a building number right before it ("5049
 * Harjukuja 54", "45818 P.O. Box 242"). */
static void add_address(struct scan *s, size_t start, size_t e)
{
    const char *p = s->p;
    if (start >= 2 && p[start - 1] == ' ' && is_digit(p[start - 2])) {
        size_t b = start - 1;
        while (b > 0 && is_digit(p[b - 1]))
            b--;
        if (start - 1 - b <= 5 && starts_word(p, b))
            start = b;
    }
    add(s, start, e, PII_ADDRESS);
}

/* A plain street word (St, Road, Ave, Str) after a house number, as in "Dalmatinova 68
 * St." or "Hoge Wei 32 Street": the end, or 0. The text must end there, at a punctuation mark, or
 * go on in small letters after an abbreviation ("Top 10 Street Food" and "42 Road trip" are no
 * addresses). */
static size_t street_word_after(struct scan *s, size_t e)
{
    const char *p = s->p;
    size_t n = s->n;
    if (e + 2 >= n || p[e] != ' ' || !cap_at(s, e + 1))
        return 0;
    size_t b = name_word_end(p, n, e + 1);
    struct word w;
    word_get(s, e + 1, b, &w);
    static const char *const after[] = {"st",     "street", "rd",  "road",   "ave",
                                        "avenue", "blvd",   "str", "straße", "strasse"};
    bool street = false;
    for (size_t c = 0; c < N_OF(after) && !street; c++)
        street = w.klen == strlen(after[c]) && memcmp(w.k, after[c], w.klen) == 0;
    if (!street)
        return 0;
    if (b < n && p[b] == '.') /* "St. the first months": an abbreviation ends there */
        return b + 2 < n && p[b + 1] == ' ' && !is_lower(p[b + 2]) ? 0 : b + 1;
    return b == n || in_set(",;!?)\r\n", p[b]) ? b : 0;
}

/* The start of the building number before the street words that start at a ("2274 Via
 * delle Coste 41", "10252 Μεγάλη Άμμος 184"): up to three more words back, capitalised
 * or short and small, then three to five digits. That start, or a. */
static size_t building_start(struct scan *s, size_t a)
{
    const char *p = s->p;
    size_t k = a;
    for (int words = 0; words < 4 && k >= 2 && p[k - 1] == ' '; words++) {
        if (is_digit(p[k - 2])) {
            size_t b = k - 1;
            while (b > 0 && is_digit(p[b - 1]))
                b--;
            size_t d = k - 1 - b;
            bool alone = b < 2 || p[b - 1] != ' ' || !is_digit(p[b - 2]);
            return d >= 3 && d <= 5 && starts_word(p, b) && alone ? b : a;
        }
        size_t q = back_name_word(p, k - 1);
        if (q == k - 1 || words == 3 || (!cap_at(s, q) && k - 1 - q > 5))
            return a;
        k = q;
    }
    return a;
}

/* The address whose house number starts at i: the street before it (street_before), the
 * number and its tail; without a street word, a capitalised word and a number whose tail
 * has a unit or postcode ("Edeby 55, Apt. 297"). Adds it; its end, or 0. */
static size_t address_at_number(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n;
    bool strict;
    size_t start = street_before(s, i, &strict);
    if (start == SIZE_MAX) {
        /* The word before: capitalised, no cue word, and a tail must follow. */
        if (i < 3 || p[i - 1] != ' ' || !letter_before(p, i - 1))
            return 0;
        size_t a = back_name_word(p, i - 1);
        if (a == i - 1 || !upper_at(p, n, a))
            return 0;
        struct word w;
        word_get(s, a, i - 1, &w);
        if (w.f & (LX_NOT_NAME | LX_NOT_STREET | LX_MONTH | LX_UNIT | LX_COMPANY | LX_COUNTED))
            return 0;
        size_t e = house_number_at(s, i, 4), t = e ? address_tail(s, e) : 0;
        if (!e || digit_run(p, n, i) > 4)
            return 0;
        if (t == e && (t = street_word_after(s, e)) == 0)
            return 0;
        add_address(s, building_start(s, a), t);
        return t;
    }
    size_t e = house_number_at(s, i, 4);
    if (!e)
        return 0;
    size_t t = address_tail(s, e);
    if (strict && t == e) {
        size_t r = e;
        while (r < n && is_space(p[r]))
            r++;
        if (r < n && p[r] != ',' && p[r] != '\n' && p[r] != '\r' && p[r] != ';' && p[r] != ')' &&
            !(p[r] == '.' && (r + 1 == n || !is_digit(p[r + 1]))))
            return 0;
    }
    unsigned v = digit_run(p, n, i) == 4 ? num_at(p, i, 4) : 0;
    if (strict && v >= 1900 && v <= 2099 && t == e)
        return 0; /* "Im Jahr 2020": a year, unless a postcode or unit follows */
    add_address(s, start, t);
    return t;
}

/* "221B Baker Street", "1600 Pennsylvania Ave NW": a number first, then capitalised words
 * (small ones in a text without capitals) ending in a street word. End, or 0. */
static size_t street_number_first_at(struct scan *s, size_t i, bool with_tail)
{
    const char *p = s->p;
    size_t n = s->n, e = house_number_at(s, i, 5);
    if (!e || e + 2 >= n || p[e] != ' ')
        return 0;
    size_t k = e + 1;
    for (int words = 0; words < 5; words++) {
        size_t b;
        if (is_digit(p[k])) { /* "5th", "42nd" */
            b = k + digit_run(p, n, k);
            if (b + 2 > n || !is_lower(p[b]) || !is_lower(p[b + 1]))
                return 0;
            b += 2;
        } else if (upper_at(p, n, k) || (s->lower_mode && letter_len(p, n, k))) {
            b = name_word_end(p, n, k);
        } else {
            return 0;
        }
        if (b == k)
            return 0;
        struct word w;
        word_get(s, k, b, &w);
        if (words == 0 && (w.f & LX_STREET_PRE) && !(w.f & LX_PRE_WEAK)) {
            /* "31 Rue Al Imam", "214 Via Roma": the street word first. */
            size_t end = b;
            while (end + 2 < n && p[end] == ' ' &&
                   (upper_at(p, n, end + 1) || is_lower(p[end + 1]))) {
                size_t c = name_word_end(p, n, end + 1);
                if (c == end + 1 || (is_lower(p[end + 1]) && c - end - 1 > 4))
                    break;
                end = c;
            }
            return end > b ? (with_tail ? address_tail(s, end) : end) : 0;
        }
        if (words > 0 && (w.f & LX_STREET) && !(w.f & LX_STREET_PRE)) {
            size_t end = b < n && p[b] == '.' ? b + 1 : b;
            /* A direction after it: "NW", "N", "S". */
            if (end + 2 < n && p[end] == ' ' && is_upper(p[end + 1])) {
                size_t d = end + 1;
                while (d < n && is_upper(p[d]) && d - end <= 2)
                    d++;
                if (d - end - 1 <= 2 && in_set("NSEW", p[end + 1]) && ends_word(p, n, d) &&
                    (d - end - 1 == 1 || in_set("EW", p[end + 2])))
                    end = d;
            }
            return with_tail ? address_tail(s, end) : end;
        }
        if (w.f & (LX_NOT_STREET | LX_MONTH | LX_UNIT_AFTER) ||
            (!upper_at(p, n, k) && !s->lower_mode && !(w.f & LX_PARTICLE)))
            return 0;
        if (b + 1 >= n || p[b] != ' ')
            return 0;
        k = b + 1;
    }
    return 0;
}

/* "PO Box 123", "P.O. Box 123", "Postfach 12 34 56", "PSC 1234, Box 5678", "Unit 1234 Box
 * 5678" at i, with its tail. End, or 0. */
static size_t po_box_at(struct scan *s, size_t i)
{
    static const char *const forms[] = {"po box ", "p.o. box ", "p. o. box ", "post office box ",
                                        "pob ",    "postfach ", "psc ",       "unit ",
                                        "cmr "};
    const char *p = s->p;
    size_t n = s->n;
    char low[20] = {0};
    size_t m = n - i < sizeof(low) ? n - i : sizeof(low);
    for (size_t k = 0; k < m; k++)
        low[k] = lower(p[i + k]);
    for (size_t f = 0; f < N_OF(forms); f++) {
        size_t fl = strlen(forms[f]);
        if (fl > m || memcmp(low, forms[f], fl) != 0)
            continue;
        size_t k = i + fl, d = digit_run(p, n, k);
        if (d == 0 || d > 6)
            return 0;
        k += d;
        if (f == 5) /* Postfach: groups of two */
            while (k + 2 < n && p[k] == ' ' && digit_run(p, n, k + 1) == 2)
                k += 3;
        if (f >= 6) { /* PSC, Unit, CMR need a box number after them */
            size_t q = k < n && p[k] == ',' ? k + 1 : k;
            if (q + 5 > n || memcmp(p + q, " Box ", 5) != 0 || !digit_run(p, n, q + 5))
                return 0;
            k = q + 5 + digit_run(p, n, q + 5);
        }
        return ends_word(p, n, k) ? address_tail(s, k) : 0;
    }
    return 0;
}

/* ---- a town, then its code ------------------------------------------------------------ */

/* A postcode at i of a shape that follows its town: five digits (maybe "-123" or
 * "-1234"), four digits that are no recent year (maybe "-123" or " AB"), "123 45" or
 * "12-345"; not a chain of digit groups, a decimal or a quantity ("1500 Stück"). Its end,
 * or 0; *old_year when it is four digits that may be a year before 1900. */
static size_t code_after_town_at(struct scan *s, size_t i, bool *old_year)
{
    const char *p = s->p;
    size_t n = s->n, d = digit_run(p, n, i), e = i + d;
    bool group = e + 1 < n && (p[e] == '-' || p[e] == ' ') && is_digit(p[e + 1]);
    size_t g = group ? digit_run(p, n, e + 1) : 0;
    *old_year = false;
    if (d == 4 || d == 5) {
        unsigned v = num_at(p, i, d);
        if (group && p[e] == '-' && (g == 3 || (g == 4 && d == 5)))
            e += 1 + g;
        else if (d == 4 && e + 3 <= n && p[e] == ' ' && is_upper(p[e + 1]) && is_upper(p[e + 2]) &&
                 ends_word(p, n, e + 3))
            e += 3; /* "1012 AB" */
        else if (d == 4 && (v < 1000 || (v >= 1900 && v <= 2099)))
            return 0; /* "in Berlin 2024": a year */
        else
            *old_year = d == 4 && v < 1900; /* "Berlin 1898" in a citation */
    } else if (d == 3 && group && p[e] == ' ' && g == 2) {
        e += 3;
    } else if (d == 2 && group && p[e] == '-' && g == 3) {
        e += 4;
    } else {
        return 0;
    }
    if (!ends_word(p, n, e) || (e < n && (p[e] == '%' || p[e] == '$')))
        return 0;
    if (e + 1 < n && in_set(" .,:/-", p[e]) && is_digit(p[e + 1]))
        return 0; /* "1234 5678", "1021,50", "1021/22" */
    if (e + 2 < n && p[e] == ' ' && (p[e + 1] == '%' || (unsigned char)p[e + 1] == 0xE2))
        return 0; /* "1500 %", "1500 €" */
    if (e + 1 < n && p[e] == ' ' && letter_len(p, n, e + 1)) {
        struct word w;
        word_get(s, e + 1, name_word_end(p, n, e + 1), &w);
        if (w.f & LX_UNIT_AFTER)
            return 0;
    }
    return e;
}

/* Words that put a town before a code: "in Bjert 6091", "aus Quinta de São Tiago 3610-114". */
static bool place_cue(const char *p, size_t e)
{
    static const char *const cues[] = {"in", "aus", "nach", "from", "near"};
    size_t a = back_word(p, e);
    for (size_t c = 0; c < N_OF(cues); c++) {
        size_t len = strlen(cues[c]), q = 0;
        while (q < len && a + q < e && lower(p[a + q]) == cues[c][q])
            q++;
        if (q == len && e - a == len)
            return true;
    }
    return false;
}

/* A town and its code at i ("in Bjert 6091", "in Quinta de São Tiago 3610-114", "in
 * København K 1421", "Oslo 0150"): up to four capitalised words with small particles
 * between them, none a common noun, a street or a word counted by numbers ("Raum 1021"),
 * after a place cue ("in", "aus", "from") unless one is a listed town. The end, with the
 * town's start in *start; or 0. */
static size_t town_code_at(struct scan *s, size_t i, size_t *start)
{
    const uint32_t bad = LX_NOT_NAME | LX_MONTH | LX_UNIT_AFTER | LX_NOT_STREET | LX_UNIT |
                         LX_COMPANY | LX_STREET | LX_STREET_PRE | LX_HONORIFIC | LX_ROLE |
                         LX_ARTICLE | LX_COUNTED;
    const char *p = s->p;
    bool old_year;
    size_t n = s->n, e = code_after_town_at(s, i, &old_year), k = i - 1, town = SIZE_MAX;
    if (!e)
        return 0;
    if (k >= 3 && is_upper(p[k - 1]) && p[k - 2] == ' ' && letter_before(p, k - 2))
        k -= 2; /* a district letter: "København K 1421" */
    bool known = false;
    for (int words = 0; words < 4 && k >= 1 && p[k] == ' ' && letter_before(p, k); words++) {
        size_t a = back_name_word(p, k);
        if (a == k)
            break;
        struct word w;
        word_get(s, a, k, &w);
        if (!upper_at(p, n, a)) {
            if (town == SIZE_MAX || !(w.f & LX_PARTICLE) || a == 0)
                break;
            k = a - 1; /* "Quinta de São Tiago" */
            continue;
        }
        bool city = (w.f & LX_CITY) && !(w.f & (LX_COUNTED | LX_MONTH | LX_UNIT_AFTER));
        bool caps = true;
        for (size_t q = a; q < k && caps; q++)
            caps = is_upper(p[q]);
        if (!w.klen || (caps && k - a <= 3) ||
            (!city && ((w.f & bad) || (word_sx(&w) & (SX_NOUN | SX_STREET))))) {
            if (town == SIZE_MAX)
                return 0; /* "Raum 1021", "EUR 1500", "Windows 2000" */
            break;        /* the word before the town: "In Bjert 6091" */
        }
        known |= city;
        town = a;
        if (a == 0)
            break;
        k = a - 1;
    }
    if (town == SIZE_MAX || after_number_cue(p, i))
        return 0;
    bool cue = town >= 2 && p[town - 1] == ' ' && place_cue(p, town - 1);
    /* A listed town is German, Austrian or Swiss, whose codes come before the town: after
     * it, a number of 1000 to 1899 is a year ("Tübingen 1875"). */
    if (!(known || cue) || (old_year && (known || !cue)))
        return 0;
    *start = town;
    return e;
}

/* ==== persons ================================================================================= */

/* How much a word looks like part of a name. */
enum { LV_NEVER, LV_UNKNOWN, LV_WEAK, LV_STRONG };

/* A family name by its ending: safe alone ("Kowalski", "Petrović", "Andersson"), or
 * good enough next to another name word ("Ivanova", "Šušulić"). */
static bool surname_ending(struct word *w, bool alone)
{
    return w->klen >= 5 && (word_sx(w) & (alone ? SX_SUR : SX_SUR | SX_SUR_WEAK));
}

static int level_of(struct word *w)
{
    uint32_t f = w->f;
    if (f & (LX_NOT_NAME | LX_MONTH | LX_HONORIFIC | LX_ROLE | LX_UNIT | LX_COMPANY | LX_STREET |
             LX_UNIT_AFTER | LX_NOT_STREET | LX_PARTICLE | LX_PLACE_PRE))
        return (f & (LX_FIRST | LX_SUR)) && !(f & LX_NOT_NAME) ? LV_STRONG : LV_NEVER;
    if (f & (LX_FIRST | LX_SUR))
        return LV_STRONG;
    if (surname_ending(w, true))
        return LV_STRONG;
    if (f & (LX_FIRST_AMB | LX_SUR_AMB))
        return LV_WEAK;
    if (street_word(w))
        return LV_NEVER;
    return surname_ending(w, false) ? LV_WEAK : LV_UNKNOWN;
}

/* Hyphenated words: "Hans-Peter" and "Müller-Lüdenscheidt" are names when their first
 * part is a listed name and every part is capitalised; "Merkel-Regierung" needs both parts
 * listed. */
static int hyphen_level(struct scan *s, struct word *w, int whole)
{
    const char *p = s->p;
    int lowest = LV_STRONG;
    bool given = false;
    size_t a = w->a;
    for (size_t k = w->a; k <= w->b; k++) {
        if (k < w->b && p[k] != '-')
            continue;
        if (k == a || !upper_at(p, s->n, a))
            return LV_NEVER;
        struct word part;
        word_get(s, a, k, &part);
        int lv = level_of(&part);
        if (a == w->a)
            given = (part.f & LX_FIRST) != 0;
        lowest = lv < lowest ? lv : lowest;
        a = k + 1;
    }
    /* "Ramsey-Johnson", "Butler-Peters": two family names alone are a firm as often as a
     * person. */
    if (!given && lowest > LV_WEAK)
        lowest = LV_WEAK;
    return whole > lowest ? whole : lowest;
}

/* Skip back over spaces and line breaks before i; the count of line breaks in *lines. */
static size_t back_space(const char *p, size_t i, int *lines)
{
    *lines = 0;
    while (i > 0 && (is_space(p[i - 1]) || p[i - 1] == '\n' || p[i - 1] == '\r')) {
        *lines += p[i - 1] == '\n';
        i--;
    }
    return i;
}

/* Does phrase (pl bytes, small letters, single spaces) end at we in p, in any case, with
 * any white space for its spaces and no letter right before it? */
static bool phrase_ends_at(const char *p, size_t we, const char *ph, size_t pl)
{
    size_t k = we, j = pl;
    while (j > 0) {
        if (k == 0)
            return false;
        if (ph[j - 1] == ' ') {
            if (!is_space(p[k - 1]) && p[k - 1] != '\n' && p[k - 1] != '\r')
                return false;
            while (k > 0 && (is_space(p[k - 1]) || p[k - 1] == '\n' || p[k - 1] == '\r'))
                k--;
        } else if (lower(p[k - 1]) != ph[j - 1]) {
            return false;
        } else {
            k--;
        }
        j--;
    }
    return !letter_before(p, k);
}

/* The name cue that ends right before the word at i, if any. *sep: a ',' or '!' stands
 * between; *lines: line breaks between. */
static int name_cue(const struct scan *s, size_t i, bool *sep, int *lines)
{
    const char *p = s->p;
    size_t k = back_space(p, i, lines);
    char punct = 0;
    *sep = false;
    if (*lines > 2)
        return CUE_NONE;
    if (k > 0 && (p[k - 1] == ',' || p[k - 1] == '!' || p[k - 1] == ':' || p[k - 1] == '?')) {
        punct = p[k - 1];
        *sep = punct == ',' || punct == '!';
        k--;
    }
    while (k > 0 && is_space(p[k - 1]))
        k--;
    size_t we = k, ws = back_word(p, we);
    if (ws == we || we - ws > 20)
        return CUE_NONE;
    unsigned char c0 = (unsigned char)lower(p[ws]);
    if (c0 >= 0x80 || !(lex.cue_shape[c0] & (1ull << (we - ws))))
        return CUE_NONE;
    for (size_t j = 0; j < lex.n_cue_by_first[c0]; j++) {
        size_t c = lex.cue_by_first[c0][j];
        const char *ph = name_cues[c].phrase;
        size_t pl = lex.cue_len[c];
        char need = '\0';
        if (ph[pl - 1] == ':' || ph[pl - 1] == '?')
            need = ph[pl - 1];
        if (need)
            pl--;
        if ((need && need != punct) || !phrase_ends_at(p, we, ph, pl))
            continue;
        int kind = name_cues[c].kind;
        if (kind == CUE_SIGNOFF) {
            if (name_cues[c].sep && !*sep && *lines == 0)
                continue;
        } else if (kind == CUE_GREET) {
            if (*lines > 0 || punct == ':' || punct == '?')
                continue;
        } else if ((!need && punct) || *lines > (kind == CUE_STRONG && need)) {
            continue;
        }
        return kind;
    }
    return CUE_NONE;
}

/* After a name that ends at e, more parts of it: initials ("P."), particles before a
 * capital ("von der Heide"), capitalised words of at least min_level; never a word
 * followed by a house number. Up to max_parts. The new end. */
static size_t name_extend(struct scan *s, size_t e, int min_level, int max_parts)
{
    s->name_street = false;
    const char *p = s->p;
    size_t n = s->n;
    for (int parts = 0; parts < max_parts; parts++) {
        if (e + 2 >= n || p[e] != ' ')
            break;
        size_t q = e + 1;
        for (int particles = 0; particles < 2 && is_lower(p[q]); particles++) {
            size_t b = q;
            while (b < n && is_lower(p[b]))
                b++;
            if (b - q > 4 || b + 1 >= n || p[b] != ' ')
                break;
            struct word pw;
            word_get(s, q, b, &pw);
            if (!(pw.f & LX_PARTICLE))
                break;
            q = b + 1;
        }
        if (q > e + 1 && !upper_at(p, n, q) && !s->lower_mode)
            return e; /* particles, but no name after them: "Anna von hier" */
        bool low = s->lower_mode && letter_len(p, n, q);
        if (!upper_at(p, n, q) && !low)
            break;
        size_t b = name_word_end(p, n, q);
        if (b == q)
            break;
        if (b == q + 1 && b < n && p[b] == '.' && !low) { /* an initial */
            e = b + 1;
            continue;
        }
        struct word w;
        word_get(s, q, b, &w);
        int lv = level_of(&w);
        if (w.hyphen)
            lv = hyphen_level(s, &w, lv);
        if ((w.f & LX_STREET) && !(w.f & LX_NAME_ANY))
            s->name_street = true; /* "Isaac Lodge Street", "Mathias Pass" */
        if (lv < (parts == 0 ? min_level : LV_WEAK) || lv == LV_NEVER)
            break; /* a third word must be a name word: "Anna Schmidt Kann ich..." */
        if (b + 1 < n && p[b] == ' ' && is_digit(p[b + 1]))
            break;
        e = b;
    }
    return e;
}

/* Does a company form follow the name that ends at e ("Müller GmbH", "Johnson & Johnson",
 * "Meyer e.V.")? */
static bool company_after(struct scan *s, size_t e)
{
    const char *p = s->p;
    size_t n = s->n;
    if (e + 2 >= n || p[e] != ' ')
        return false;
    size_t q = e + 1;
    if (p[q] == '&' || p[q] == '+')
        return true;
    if (q + 3 < n && (memcmp(p + q, "e.V", 3) == 0 || memcmp(p + q, "e.K", 3) == 0))
        return true;
    size_t b = q;
    while (b < n && is_alpha(p[b]))
        b++;
    if (b == q)
        return false;
    struct word w;
    word_get(s, q, b, &w);
    return (w.f & LX_COMPANY) != 0;
}

/* Does the word at i come right after "St.", "San", "Bad"... (a place, not a person)? */
static bool after_place_prefix(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t k = i;
    if (k < 2 || p[k - 1] != ' ')
        return false;
    k--;
    if (p[k - 1] == '.') { /* "St. Peter" */
        k--;
        if (k >= 1 && p[k - 1] == ' ') /* "St . Peter" (tokens) */
            k--;
    }
    size_t ws = back_word(p, k);
    if (ws == k)
        return false;
    struct word w;
    word_get(s, ws, k, &w);
    return (w.f & LX_PLACE_PRE) != 0;
}

/* Does the text after e end a greeting's name (",", "!", ":", a line end)? */
static bool greeting_ends(const char *p, size_t n, size_t e)
{
    return e == n || p[e] == ',' || p[e] == '!' || p[e] == ':' || p[e] == '\n' || p[e] == '\r' ||
           (p[e] == ' ' && e + 1 < n && (p[e + 1] == ',' || p[e + 1] == '!'));
}

/* Is the one-word name [a, e) part of a list of capitalised words such as "Jones, Smith
 * and Davis" (a firm's name; lists of given names are taken)? */
static bool company_list(struct scan *s, size_t a, size_t e)
{
    const char *p = s->p;
    size_t n = s->n, first = a, last = e;
    int around = 0;
    /* After: ", X" or " and X" / " und X". */
    for (size_t k = e, step = 0; step < 2; step++) {
        size_t q = k;
        if (q + 2 < n && p[q] == ',' && p[q + 1] == ' ')
            q += 2;
        else if (q + 5 < n && (memcmp(p + q, " and ", 5) == 0 || memcmp(p + q, " und ", 5) == 0))
            q += 5;
        else
            break;
        if (!upper_at(p, n, q))
            break;
        k = last = name_word_end(p, n, q);
        around++;
    }
    /* Before: "X, " or "X and ". */
    for (size_t k = a, step = 0; step < 2; step++) {
        size_t q = k;
        if (q >= 3 && p[q - 1] == ' ' && p[q - 2] == ',')
            q -= 2;
        else if (q >= 6 &&
                 (memcmp(p + q - 5, " and ", 5) == 0 || memcmp(p + q - 5, " und ", 5) == 0))
            q -= 5;
        else
            break;
        size_t w = back_word(p, q);
        if (w == q || !upper_at(p, n, w))
            break;
        k = first = w;
        around++;
    }
    if (around < 2)
        return false;
    struct word w;
    word_get(s, a, e, &w);
    if (w.f & (LX_FIRST | LX_FIRST_AMB))
        return false;
    /* A firm: "The Jones, Smith and Davis Orchestra", "at Jones, Mitchell and Williams", a
     * line of its own; people: "our founders: Gerste, Johnson and Johnson". */
    if (company_after(s, last) || line_ends(p, n, last))
        return true;
    size_t k = first;
    while (k > 0 && is_space(p[k - 1]))
        k--;
    if (k == 0 || p[k - 1] == '\n' || p[k - 1] == '>')
        return true;
    size_t ws = back_word(p, k);
    if (ws == k)
        return false;
    word_get(s, ws, k, &w);
    static const char *const preps[] = {"the", "of", "at", "from", "for", "by", "with", "to"};
    for (size_t i = 0; i < N_OF(preps); i++)
        if (w.klen == strlen(preps[i]) && memcmp(w.k, preps[i], w.klen) == 0)
            return true;
    return false;
}

/* Add the name [a, e) (e extended by name_extend with min_level) unless a company form
 * follows it. Its end, or 0. */
static size_t name_found(struct scan *s, size_t a, size_t e, int min_level)
{
    e = name_extend(s, e, min_level, 3);
    if (s->name_street || company_after(s, e) || after_place_prefix(s, a) ||
        (min_level == LV_WEAK && company_list(s, a, e)))
        return 0;
    add(s, a, e, PII_PERSON);
    return e;
}

/* After a honorific that ends at e ("Herr", "Frau Dr.", "Mr."): the name, added. End,
 * or 0. */
static size_t after_honorific(struct scan *s, size_t e)
{
    const char *p = s->p;
    size_t n = s->n, q = e;
    for (int titles = 0; titles < 4; titles++) {
        if (q < n && p[q] == '.')
            q++;
        if (q + 1 >= n || p[q] != ' ')
            return 0;
        q++;
        bool low = s->lower_mode && letter_len(p, n, q);
        if (!upper_at(p, n, q) && !low)
            return 0;
        size_t b = name_word_end(p, n, q);
        if (b == q)
            return 0;
        struct word w;
        word_get(s, q, b, &w);
        if (w.f & LX_TITLE) { /* "Herr Dr. Müller", "Frau Prof. Dr. Weber" */
            q = b;
            if (q + 1 < n && p[q] == '.' && p[q + 1] == '-') /* "Dipl.-Ing." */
                q = name_word_end(p, n, q + 2);
            continue;
        }
        int lv = level_of(&w);
        if (memchr(p + q, '-', b - q))
            lv = hyphen_level(s, &w, lv > LV_UNKNOWN ? lv : LV_UNKNOWN);
        if (lv == LV_NEVER || (low && lv < LV_WEAK) ||
            (b + 1 < n && p[b] == ' ' && is_digit(p[b + 1])))
            return 0;
        return name_found(s, q, b, LV_UNKNOWN);
    }
    return 0;
}

/* A word with an ending of German nouns or adjectives ("-ung", "-schaft", "-ischen"). */
static bool noun_word(struct word *w)
{
    return (word_sx(w) & (SX_NOUN | SX_THING)) != 0;
}

/* Role words before a name ("Präsident", "Bundeskanzlerin", "Trainer", "Kollegin"). */
static bool role_word(struct word *w)
{
    return (w->f & LX_ROLE) || (word_sx(w) & SX_ROLE);
}

/* Does a clause go on or end after a name that ends at b: punctuation, also after a space
 * (tokenised text: "Klopp , der"), the end of the text or a word in small letters? */
static bool clause_goes_on(const char *p, size_t n, size_t b)
{
    if (b < n && p[b] == ' ')
        b++;
    else if (b < n && in_set(",.;:!?)", p[b]))
        return true;
    return b >= n || (in_set(",.;:!?)", p[b])) || is_lower(p[b]);
}

/* The end of a name of one or two capitalised words on no list that starts with w and
 * ends a clause ("Klopp ,", "Gennadij Chalepo sagte"), or 0: no noun or town. */
static size_t bare_name_end(struct scan *s, struct word *w)
{
    const char *p = s->p;
    size_t n = s->n;
    if (noun_word(w) || (w->f & LX_CITY))
        return 0;
    if (clause_goes_on(p, n, w->b))
        return w->b;
    struct word last;
    if (next_word(s, w->b, &last) && upper_at(p, n, last.a) && level_of(&last) >= LV_UNKNOWN &&
        !noun_word(&last) && !(last.f & LX_CITY) && clause_goes_on(p, n, last.b))
        return last.b;
    return 0;
}

/* After a role word that ends at e: a listed name, or one or two capitalised words that
 * end a clause ("Präsident Obama sagte", "Trainer Klopp,", "Coach Gennadij Chalepo ,").
 * End, or 0. */
static size_t after_role(struct scan *s, size_t e)
{
    struct word w;
    if (!next_word(s, e, &w) || !upper_at(s->p, s->n, w.a))
        return 0;
    int lv = level_of(&w);
    if (w.hyphen)
        lv = hyphen_level(s, &w, lv);
    if (lv >= LV_WEAK)
        return name_found(s, w.a, w.b, LV_UNKNOWN);
    if (lv != LV_UNKNOWN)
        return 0;
    size_t b = bare_name_end(s, &w);
    return b ? name_found(s, w.a, b, LV_WEAK) : 0;
}

/* Does a preposition that comes before dates, places and things stand right before the
 * word at i ("im August", "nach Florenz")? */
static bool after_preposition(struct scan *s, size_t i)
{
    static const char *const preps[] = {"im",   "am",  "in",   "an",    "ab",    "bis",
                                        "seit", "vor", "nach", "zum",   "zur",   "ins",
                                        "um",   "on",  "at",   "since", "until", "from"};
    const char *p = s->p;
    if (i < 2 || p[i - 1] != ' ')
        return false;
    size_t ws = back_word(p, i - 1), len = i - 1 - ws;
    for (size_t a = 0; a < N_OF(preps); a++)
        if (len == strlen(preps[a]) && lower(p[ws]) == preps[a][0] &&
            memcmp(p + ws + 1, preps[a] + 1, len - 1) == 0)
            return true;
    return false;
}

/* Does an article or determiner stand right before the word at i ("die Landgrafschaft",
 * "the Lindsey")? */
static bool after_article(struct scan *s, size_t i)
{
    static const char *const articles[] = {
        "der",   "die",   "das",  "dem",   "den",    "des",   "ein",    "eine",   "einer", "eines",
        "einem", "einen", "kein", "keine", "dieser", "diese", "dieses", "diesem", "jeder", "jede",
        "jedes", "the",   "a",    "an",    "this",   "that",  "these",  "those",  "every"};
    const char *p = s->p;
    if (i < 2 || p[i - 1] != ' ')
        return false;
    size_t ws = back_word(p, i - 1), len = i - 1 - ws;
    if (len == 0 || len > 6 || !strchr("dekjtaDEKJTA", p[ws]))
        return false;
    for (size_t a = 0; a < N_OF(articles); a++) {
        size_t k = 0;
        while (k < len && articles[a][k] != '\0' && lower(p[ws + k]) == articles[a][k])
            k++;
        if (k == len && articles[a][k] == '\0')
            return true;
    }
    return false;
}

/* Does a capitalised word that can be a name stand right before i? Inside such a run of
 * capitalised words, a word is part of a title or a firm ("Civil Rights Act", "Las
 * Vegas"); a sentence's first word ("Seit Ravens Tod") does not count. */
static bool after_capital(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t q = i;
    while (q > 0 && p[q - 1] == ' ')
        q--;
    size_t prev = back_word(p, q);
    if (prev == q || !upper_at(p, s->n, prev))
        return false;
    struct word pw;
    word_get(s, prev, q, &pw);
    return !(pw.f & LX_NOT_NAME);
}

/* Is the word before i one that comes before nouns: an inflected adjective or participle
 * ("verfassten Dramen", "auftretende Winde", "dem großen Haus"), a possessive or a
 * preposition joined with an article ("im Bundestag", "zum Glück")? */
static bool after_adjective(struct scan *s, size_t i)
{
    static const char *const before_noun[] = {"im",    "zum",    "zur",   "beim",  "vom",
                                              "ins",   "zu",     "seine", "ihre",  "meine",
                                              "deine", "unsere", "eure",  "ihrem", "seinem"};
    static const char *const not_adj[] = {"aber",   "oder",  "wieder", "immer",   "sondern",
                                          "denn",   "wenn",  "gegen",  "neben",   "unter",
                                          "hinter", "über",  "wegen",  "außer",   "zwischen",
                                          "dessen", "deren", "denen",  "nachdem", "seitdem"};
    const char *p = s->p;
    if (i < 3 || p[i - 1] != ' ' || !is_lower(p[i - 2]))
        return false;
    size_t ws = back_word(p, i - 1), len = i - 1 - ws;
    if (len < 2 || len > 24 || !is_lower(p[ws]))
        return false;
    struct word pw;
    word_get(s, ws, i - 1, &pw);
    for (size_t k = 0; k < N_OF(before_noun); k++)
        if (pw.klen == strlen(before_noun[k]) && memcmp(pw.k, before_noun[k], pw.klen) == 0)
            return true;
    for (size_t k = 0; k < N_OF(not_adj); k++)
        if (pw.klen == strlen(not_adj[k]) && memcmp(pw.k, not_adj[k], pw.klen) == 0)
            return false;
    const char *k = pw.k;
    size_t l = pw.klen;
    if (l < 4)
        return false;
    if (k[l - 2] == 'e' && (k[l - 1] == 'n' || k[l - 1] == 'm' || k[l - 1] == 's'))
        return true;
    return k[l - 1] == 'e' && l >= 5 &&
           (memcmp(k + l - 4, "ende", 4) == 0 || memcmp(k + l - 3, "ene", 3) == 0 ||
            memcmp(k + l - 3, "ige", 3) == 0 || memcmp(k + l - 3, "che", 3) == 0);
}

/* Is w ("Zabels", "Kádárs"), a word on no list ending in 's', a genitive before a noun
 * ("Zabels Entscheidung")? Plain nouns and Latin words ending in "-us", "-is", "-ss" and
 * places in the genitive ("Deutschlands", a listed base) are not; the caller checks
 * the base is on no list. */
static bool genitive_before_noun(struct scan *s, struct word *w)
{
    const char *p = s->p, *k = w->k;
    size_t n = s->n, len = w->klen;
    if (len < 4 || k[len - 2] == 's' || k[len - 2] == 'u' || k[len - 2] == 'i' ||
        (len >= 5 && k[len - 2] == 'e' && strchr("tgrhu", k[len - 3])) || /* "Bestes", "Neues" */
        (w->f & LX_CITY) || is_upper(p[w->a + 1]))
        return false;
    if (after_capital(s, w->a) || after_adjective(s, w->a))
        return false;
    /* English possessives come before plural nouns ("Our Sales Team", "my Orders Page"). */
    static const char *const poss[] = {"our", "my", "your", "their", "his", "her", "its"};
    size_t q = w->a;
    while (q > 0 && p[q - 1] == ' ')
        q--;
    size_t prev = back_word(p, q);
    for (size_t j = 0; j < N_OF(poss) && prev < q; j++)
        if (q - prev == strlen(poss[j]) && lower(p[prev]) == poss[j][0] &&
            memcmp(p + prev + 1, poss[j] + 1, q - prev - 1) == 0)
            return false;
    struct word next, after;
    if (!next_word(s, w->b, &next) || !upper_at(p, n, next.a) || next.klen < 3)
        return false;
    int lv = level_of(&next);
    if (lv != LV_UNKNOWN || (next.f & (LX_CITY | LX_NOT_NAME)) || next.hyphen)
        return false;
    /* Towns and clubs: "Wolfsburgs Trainer", "Schalkes Stürmer", "Bremerhavens Hafen". */
    if (role_word(&next) || (sx_flags(w->k, len - 1) & SX_TOWN))
        return false;
    if (next.b + 1 < n && p[next.b] == ' ' && is_digit(p[next.b + 1]))
        return false; /* a street: "Señores Curas 88" */
    return !next_word(s, next.b, &after) || !upper_at(p, n, after.a);
}

/* Is the word before w a verb of saying that follows a quotation or a clause (" , sagte
 * Müller .", "“, so Ketterer."): the speaker comes after it. */
static bool after_quote_verb(struct scan *s, struct word *w)
{
    const char *p = s->p;
    if (w->a < 4 || p[w->a - 1] != ' ' || !is_lower(p[w->a - 2]))
        return false;
    size_t vs = back_word(p, w->a - 1);
    if (vs == w->a - 1 || !is_lower(p[vs]) || vs < 2 || (p[vs - 1] != ' ' && p[vs - 1] != ',') ||
        (p[vs - 1] == ' ' && p[vs - 2] != ',' && (vs < 3 || p[vs - 2] != ' ' || p[vs - 3] != ',')))
        return false; /* no comma right before the verb */
    size_t vl = w->a - 1 - vs;
    if (vl >= 64 || (vl != 2 && !(lex.says_shape[(unsigned char)p[vs]] >> vl & 1)))
        return false;
    struct word verb;
    word_get(s, vs, w->a - 1, &verb);
    bool so = verb.klen == 2 && memcmp(verb.k, "so", 2) == 0;
    if (!(verb.f & LX_SAYS) && !so)
        return false;
    size_t k = vs;
    while (k > 0 && p[k - 1] == ' ')
        k--;
    if (k == 0 || p[k - 1] != ',')
        return false;
    if (!so)
        return true;
    k--; /* "so" only right after a quotation mark */
    while (k > 0 && p[k - 1] == ' ')
        k--;
    return k > 0 &&
           (p[k - 1] == '"' || p[k - 1] == '\'' ||
            (k >= 3 && (unsigned char)p[k - 3] == 0xE2 && (unsigned char)p[k - 2] == 0x80 &&
             ((unsigned char)p[k - 1] == 0x9C || (unsigned char)p[k - 1] == 0x9D)) ||
            (k >= 2 && (unsigned char)p[k - 2] == 0xC2 &&
             ((unsigned char)p[k - 1] == 0xAB || (unsigned char)p[k - 1] == 0xBB)));
}

/* Is w, a capitalised word on no list, the subject after the finite verb of a German
 * clause ("Damit will Laukötter schon ...", "verfolgte sich Hitler die ...")? Between a
 * finite verb (and "sich") and a word that follows subjects (an adverb, article,
 * preposition or pronoun), a bare capitalised word is a name or a noun used without
 * article ("hat Angst vor"); nouns by their ending or the list of such nouns are not. */
static bool inverted_subject(struct scan *s, struct word *w)
{
    const char *p = s->p;
    size_t n = s->n;
    if (w->hyphen || w->klen < 4 || (w->f & (LX_NOUN | LX_CITY)) || w->a < 4 ||
        p[w->a - 1] != ' ' || !is_lower(p[w->a - 2]) || w->b + 2 >= n || p[w->b] != ' ' ||
        !is_lower(p[w->b + 1]) || is_upper(p[w->a + 1]))
        return false;
    /* The word after it. */
    size_t fe = w->b + 1;
    while (fe < n && (is_lower(p[fe]) || (unsigned char)p[fe] >= 0x80))
        fe++;
    if (fe - w->b - 1 > 12 || (fe < n && is_alpha(p[fe])) ||
        !(lex.after_subj_shape[(unsigned char)p[w->b + 1]] >> (fe - w->b - 1) & 1))
        return false;
    /* The verb before it, maybe with "sich" between. */
    size_t ve = w->a - 1, vs = back_word(p, ve);
    if (vs == ve || ve - vs > 16 || !is_lower(p[vs]) ||
        (!(lex.aux_shape[(unsigned char)p[vs]] >> (ve - vs) & 1) &&
         !(ve - vs == 4 && memcmp(p + vs, "sich", 4) == 0)))
        return false;
    struct word fw;
    word_get(s, w->b + 1, fe, &fw);
    if (!(fw.f & LX_AFTER_SUBJ) || (fw.klen == 2 && memcmp(fw.k, "zu", 2) == 0))
        return false; /* "begann Jura zu studieren" */
    if (word_sx(w) & (SX_NOUN | SX_THING | SX_TOWN | SX_ROLE | SX_STREET))
        return false;
    /* A plural before a preposition is an object: "hält Kondome für", "leitet Touren
     * durch". */
    if ((fw.f & LX_PREP) &&
        (w->k[w->klen - 1] == 'e' || (w->k[w->klen - 2] == 'e' && w->k[w->klen - 1] == 'n')))
        return false;
    struct word vw;
    word_get(s, vs, ve, &vw);
    if (vw.klen == 4 && memcmp(vw.k, "sich", 4) == 0) {
        if (vs < 3 || p[vs - 1] != ' ')
            return false;
        ve = vs - 1;
        vs = back_word(p, ve);
        if (vs == ve || ve - vs > 16 || !is_lower(p[vs]))
            return false;
        word_get(s, vs, ve, &vw);
    }
    if (!(vw.f & LX_AUX))
        return false;
    /* "Ich will Basilikum in ...": a pronoun before the verb is the subject. */
    size_t pe = vs;
    while (pe > 0 && p[pe - 1] == ' ')
        pe--;
    size_t ps = back_word(p, pe);
    if (pe - ps >= 1 && pe - ps <= 3) {
        static const char *const pron[] = {"ich", "du",  "er",  "sie", "es",
                                           "wir", "ihr", "man", "i"};
        for (size_t k = 0; k < N_OF(pron); k++)
            if (pe - ps == strlen(pron[k]) && lower(p[ps]) == pron[k][0] &&
                memcmp(p + ps + 1, pron[k] + 1, pe - ps - 1) == 0)
                return false;
    }
    /* After a copula a noun and a preposition are a predicate: "war Gast bei", "wurde
     * Dozent für"; a name is followed by an adverb or article there ("war Finke der"). */
    static const char *const copulas[] = {"ist", "war",  "wird",   "wurde",
                                          "sei", "wäre", "bleibt", "blieb"};
    for (size_t c = 0; c < N_OF(copulas); c++)
        if (vw.klen == strlen(copulas[c]) && memcmp(vw.k, copulas[c], vw.klen) == 0)
            return !(fw.f & LX_PREP);
    return true;
}

/* A person's name at the capitalised word w. Adds its span; returns its end, or 0. */
static size_t person_at(struct scan *s, struct word *w)
{
    const char *p = s->p;
    size_t n = s->n, ne;
    if ((w->f & LX_HONORIFIC) && w->b - w->a >= 2 && is_lower(p[w->b - 1]))
        return after_honorific(s, w->b);
    if (w->b + 1 < n && p[w->b] == ' ' && upper_at(p, n, w->b + 1) && role_word(w) &&
        !(w->f & (LX_FIRST | LX_SUR)))
        return after_role(s, w->b);
    /* A word on no list right after an article is a noun ("die Lieferung", "the Store"):
     * decided before its ending is looked at. */
    if (!(w->f & ~(LX_CITY | LX_CUE | LX_SAYS)) && !w->hyphen && after_article(s, w->a) &&
        !surname_ending(w, true))
        return 0;
    int lv = level_of(w);
    if (lv == LV_UNKNOWN && w->klen > 3 && w->k[w->klen - 1] == 's' && !w->hyphen) {
        /* A genitive: "Annas Mutter", "Merkels Politik", "Vertraute Merkels". */
        const struct lex_entry *g = lex_find(w->k, w->klen - 1, hash_key(w->k, w->klen - 1));
        if (g && (g->flags & (LX_NOT_NAME | LX_CITY)))
            return 0; /* a place in the genitive: "Kanadas", "Berlins" */
        if (g && (g->flags & (LX_FIRST | LX_SUR)) && !(g->flags & LX_NOT_NAME)) {
            if (w->b < n && p[w->b] == '-') /* "Kaufmanns-" */
                return 0;
            /* After a capitalised word only as a clause's last word ("die Vertrauten
             * Merkels ."), not in a run of capitals ("Las Vegas", "Happy Dinos \""). */
            if ((w->b + 1 < n && p[w->b] == ' ' && upper_at(p, n, w->b + 1)) ||
                !after_capital(s, w->a) ||
                (w->a >= 7 && is_lower(p[w->a - 2]) && is_lower(p[w->a - 3]) &&
                 is_lower(p[w->a - 4]) && is_lower(p[w->a - 5]) && clause_goes_on(p, n, w->b)))
                lv = LV_STRONG;
        } else if (!g && genitive_before_noun(s, w))
            return name_found(s, w->a, w->b, LV_STRONG + 1);
    }
    if (w->hyphen)
        lv = hyphen_level(s, w, lv);
    if (lv == LV_NEVER)
        return 0;
    /* A word in capitals ("WARREN", "SPÅNGA") is a heading or a place as often as a name. */
    if (lv == LV_STRONG && w->b - w->a >= 2 && is_upper(p[w->a + 1]))
        lv = LV_WEAK;
    if (lv == LV_STRONG)
        return name_found(s, w->a, w->b,
                          (w->f & LX_SUR) && !(w->f & LX_FIRST) ? LV_WEAK : LV_UNKNOWN);
    bool sep;
    int lines;
    switch (name_cue(s, w->a, &sep, &lines)) {
    case CUE_STRONG:
    case CUE_WEAK_EN:
        return name_found(s, w->a, w->b, LV_UNKNOWN);
    case CUE_WEAK_DE:
        if (lv >= LV_WEAK)
            return name_found(s, w->a, w->b, LV_UNKNOWN);
        return lv == LV_UNKNOWN && after_quote_verb(s, w) && (ne = bare_name_end(s, w)) != 0
                   ? name_found(s, w->a, ne, LV_WEAK)
                   : 0;
    case CUE_GREET: /* "Hi Anna, ...", but not "Hi Can I ..." */
        return greeting_ends(p, n, name_extend(s, w->b, LV_UNKNOWN, 2))
                   ? name_found(s, w->a, w->b, LV_UNKNOWN)
                   : 0;
    case CUE_SIGNOFF:
        return line_ends(p, n, name_extend(s, w->b, LV_UNKNOWN, 2))
                   ? name_found(s, w->a, w->b, LV_UNKNOWN)
                   : 0;
    default:
        break;
    }
    /* No cue: "Mohmad R. Vizirov" (a middle initial between two capitalised words). */
    size_t b = w->b;
    if (b + 4 < n && p[b] == ' ' && is_upper(p[b + 1]) && !letter_len(p, n, b + 2)) {
        size_t q = b + 2 + (p[b + 2] == '.');
        if ((p[b + 2] == '.' || (p[b + 1] != 'A' && p[b + 1] != 'I')) && q + 1 < n && p[q] == ' ' &&
            upper_at(p, n, q + 1)) {
            struct word last;
            size_t e = word_read(s, q + 1, &last);
            if (level_of(&last) >= LV_UNKNOWN && !(last.f & LX_NOT_NAME))
                return name_found(s, w->a, e, LV_WEAK);
        }
    }
    /* A listed name as a speaker ("\nHeather: ...") or called ("..., Mark!"). */
    if (lv >= LV_WEAK && b < n &&
        ((p[b] == ':' && (w->a == 0 || p[w->a - 1] == '\n')) ||
         ((p[b] == '!' || p[b] == '?') && w->a >= 2 && p[w->a - 1] == ' ' && p[w->a - 2] == ',')))
        return name_found(s, w->a, w->b, LV_WEAK);
    if (lv == LV_UNKNOWN && noun_word(w))
        return 0;
    if (lv == LV_UNKNOWN && after_quote_verb(s, w) && (ne = bare_name_end(s, w)) != 0)
        return name_found(s, w->a, ne, LV_WEAK);
    if (lv == LV_UNKNOWN && inverted_subject(s, w))
        return name_found(s, w->a, w->b, LV_STRONG + 1);
    /* "Ramelow erklärte", "Iwase said": a word before a verb of saying. */
    if (lv >= LV_UNKNOWN && b + 2 < n && p[b] == ' ' && is_lower(p[b + 1]) && !(w->f & LX_CITY)) {
        struct word verb;
        size_t e = b + 1;
        while (e < n && (is_lower(p[e]) || (unsigned char)p[e] >= 0x80))
            e++;
        if (e - b - 1 < 64 && (lex.says_shape[(unsigned char)p[b + 1]] >> (e - b - 1) & 1)) {
            word_get(s, b + 1, e, &verb);
            if ((verb.f & LX_SAYS) && !(lv == LV_WEAK && !(w->f & (LX_FIRST_AMB | LX_FIRST))) &&
                !(lv == LV_UNKNOWN &&
                  ((w->f & LX_NOUN) || after_adjective(s, w->a) || after_preposition(s, w->a))))
                return name_found(s, w->a, w->b, LV_WEAK);
        }
    }
    /* "Will Smith" (an ambiguous given name and a family name), "Vilma Holm" (an unknown
     * word and a family name). */
    struct word next;
    if (!next_word(s, w->b, &next) || !upper_at(p, n, next.a))
        return 0;
    bool given = (w->f & (LX_FIRST_AMB | LX_FIRST)) != 0;
    bool sur_next =
        (next.f & LX_SUR) || surname_ending(&next, false) || (given && (next.f & LX_SUR_AMB));
    if (lv == LV_WEAK && !given)
        return 0; /* "Koch Müller": an ambiguous family name is no given name */
    if (sur_next && !(next.f & LX_NOT_NAME))
        return name_found(s, w->a, next.b, LV_WEAK);
    /* "Nick Heidfeld und": an ambiguous given name and a word on no list that ends the
     * clause, where the given name starts no noun phrase ("im August Kopfball"). */
    if (given && level_of(&next) == LV_UNKNOWN && !next.hyphen && next.klen >= 3 &&
        !noun_word(&next) && !(next.f & LX_CITY) && clause_goes_on(p, n, next.b) &&
        !after_capital(s, w->a) && !after_adjective(s, w->a) && !after_article(s, w->a) &&
        !after_preposition(s, w->a))
        return name_found(s, w->a, next.b, LV_WEAK);
    return 0;
}

/* A person's name at the small word [a, b) of a text without capitals. End, or 0. */
static size_t person_lower_at(struct scan *s, struct word *w)
{
    if (w->f & LX_HONORIFIC)
        return after_honorific(s, w->b);
    if (w->f & LX_NOT_NAME)
        return 0;
    int lv = level_of(w);
    if (lv == LV_NEVER)
        return 0;
    bool sep;
    int lines;
    int cue = name_cue(s, w->a, &sep, &lines);
    if (cue == CUE_STRONG)
        return name_found(s, w->a, w->b, LV_WEAK);
    if (lv < LV_WEAK)
        return 0;
    if (lv == LV_WEAK) { /* "will", "mark", "can": a word as often as a name */
        struct word next;
        if (!(w->f & LX_FIRST_AMB) || !next_word(s, w->b, &next) ||
            !((next.f & (LX_SUR | LX_SUR_AMB)) || surname_ending(&next, true)))
            return 0;
    }
    if (lv == LV_STRONG && !(w->f & (LX_FIRST | LX_SUR)) && cue == CUE_NONE)
        return 0; /* a family name by its ending alone: too weak in small letters */
    return name_found(s, w->a, w->b, LV_WEAK);
}

/* ==== the pass ================================================================================ */

enum { B_SKIP, B_DIGIT, B_UPPER, B_HIGH, B_AT, B_PHONE, B_COLON, B_LOWER };

static uint8_t class_normal[256], class_lower[256];

static void classes_build(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k = B_SKIP;
        if (c >= '0' && c <= '9')
            k = B_DIGIT;
        else if (c >= 'A' && c <= 'Z')
            k = B_UPPER;
        else if (c >= 0xC2 && c <= 0xF4)
            k = B_HIGH; /* lead bytes; continuation bytes never start a word */
        else if (c == '@')
            k = B_AT;
        else if (c == '+' || c == '(')
            k = B_PHONE;
        else if (c == ':')
            k = B_COLON;
        class_normal[c] = k;
        class_lower[c] = c >= 'a' && c <= 'z' ? B_LOWER : k;
    }
}

static void init_once(void)
{
    classes_build();
    lex_build();
    sx_build();
    cue_sets_build();
}

/* From i, past the bytes that start nothing (small letters, spaces, most punctuation)
 * eight at a time, in a text with capitals: stops at a block holding a digit, a capital,
 * '@', '+', '(', ':' or a non-ASCII byte. */
static size_t skip_plain(const char *p, size_t n, size_t i)
{
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w & ~HIGHS;
        /* bit 7 of a byte of ge(c) is set when the byte (bit 7 cleared) is >= c */
#define GE(c) (x + (0x80 - (c)) * ONES)
        uint64_t m = w | (GE(0x28) & ~GE(0x29)) | (GE(0x2B) & ~GE(0x2C)) | (GE(0x30) & ~GE(0x3B)) |
                     (GE(0x40) & ~GE(0x5B));
#undef GE
        if (m & HIGHS)
            break;
    }
    return i;
}

/* Any ASCII capital in p[0..n)? Eight bytes at a time. */
static bool has_upper(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t low7 = w & 0x7F7F7F7F7F7F7F7Full;
        /* A byte is 'A'..'Z' when low7 + 0x3F sets bit 7, low7 + 0x25 does not, and
         * the byte itself has no bit 7. */
        uint64_t ge_a = low7 + 0x3F3F3F3F3F3F3F3Full, gt_z = low7 + 0x2525252525252525ull;
        if (ge_a & ~gt_z & ~w & 0x8080808080808080ull)
            return true;
    }
    for (; i < n; i++)
        if (is_upper(p[i]))
            return true;
    return false;
}

static size_t max_end(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The digits of the chain of digit groups from i (single spaces, '-', '/' or '.' between,
 * at most 20 groups). */
static size_t chain_digits(const char *p, size_t n, size_t i)
{
    size_t k = i, d = 0;
    for (int g = 0; g < 20 && k < n && is_digit(p[k]); g++) {
        while (k < n && is_digit(p[k])) {
            d++;
            k++;
        }
        if (k + 1 < n && (p[k] == ' ' || p[k] == '-' || p[k] == '/' || p[k] == '.') &&
            is_digit(p[k + 1]))
            k++;
        else
            break;
    }
    return d;
}

/* A digit at i. Returns where to go on. */
static size_t at_digit(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n, e, start;
    if (!starts_word(p, i)) {
        /* A small-letter IBAN ("gb82west...") is seen at its first digit. */
        if (i >= 2 && is_lower(p[i - 2]) && is_alpha(p[i - 1]) && i + 1 < n && is_digit(p[i + 1]) &&
            (e = iban_at(p, n, i - 2)) != 0) {
            add(s, i - 2, e, PII_IBAN);
            return e;
        }
        return skip_word(p, n, i);
    }
    size_t w = skip_word(p, n, i), best = 0;
    if (w < n &&
        (p[w] == '@' || p[w] == '.' || p[w] == '_' || p[w] == '+' || p[w] == '-' || p[w] == '%')) {
        size_t at = email_ahead(p, n, i), st;
        if (at && (e = email_at(p, n, at, &st)) != 0) {
            add(s, st, e, PII_EMAIL);
            return e;
        }
    }
    /* Each number type needs a shape that most numbers in text do not have: seven or more
     * digits in a chain of groups (cards, tax ids, phones), a '.' or ':' (IP), a word after
     * (streets), a separator (dates). Checked first, they keep "3 Stück" cheap. */
    size_t chain = chain_digits(p, n, i), d = digit_run(p, n, i);
    char next = 0;
    if (w < n)
        next = p[w];
    if (chain >= 12 && (e = card_at(p, n, i)) != 0) {
        add(s, i, e, PII_CREDIT_CARD);
        best = max_end(best, e);
    }
    if (chain >= 11 && (e = tax_id_at(p, n, i)) != 0) {
        add(s, i, e, PII_TAX_ID);
        best = max_end(best, e);
    }
    if ((next == '.' || next == ':') && (e = ip_at(p, n, i)) != 0) {
        add(s, i, e, PII_IP_ADDRESS);
        best = max_end(best, e);
    }
    if (chain >= 7 && (e = phone_here(p, n, i)) != 0) {
        add(s, i, e, PII_PHONE);
        best = max_end(best, e);
    }
    if (next == ' ' && w + 1 < n && (cap_at(s, w + 1) || is_digit(p[w + 1])) &&
        (e = street_number_first_at(s, i, true)) != 0) {
        add_address(s, i, e);
        best = max_end(best, e);
    }
    if (d >= 3 && d <= 6 && (e = postcode_at(s, i)) != 0) {
        add(s, i, e, PII_POSTCODE_CITY);
        best = max_end(best, e);
    }
    if (d >= 2 && d <= 5 && i >= 3 && p[i - 1] == ' ' && !s->lower_mode &&
        letter_before(p, i - 1) && (e = town_code_at(s, i, &start)) != 0) {
        add(s, start, e, PII_POSTCODE_CITY);
        best = max_end(best, e);
    }
    if (i >= 2 && p[i - 1] == ' ' && (letter_before(p, i - 1) || p[i - 2] == '.') &&
        (e = address_at_number(s, i)) != 0)
        best = max_end(best, e);
    if (((next == '.' || next == '/' || next == '-') && (e = date_num_at(p, n, i)) != 0) ||
        (d <= 2 && (next == '.' || next == ' ' || is_lower(next)) &&
         (e = date_day_month_at(s, i)) != 0)) {
        if (dob_cue(p, n, i, e)) {
            add(s, i, e, PII_DATE_OF_BIRTH);
            best = max_end(best, e);
        }
    }
    return best ? best : w;
}

/* Is there a ':' in the max bytes from i? */
static bool colon_within(const char *p, size_t n, size_t i, size_t max)
{
    for (size_t k = i; k < n && k - i < max; k++)
        if (p[k] == ':')
            return true;
    return false;
}

/* A capital letter (ASCII or UTF-8) at i. Returns where to go on. */
static size_t at_upper(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n, e, best = 0, start;
    if (letter_before(p, i))
        return skip_word(p, n, i); /* "iPhone", "McDonald" */
    /* Shapes of capitals and digits (IBAN, IPv6, postcodes) need a digit, a capital, '-'
     * or ':' among the next bytes; a capital and two small letters has none of them. */
    if (is_upper(p[i]) &&
        !(i + 3 < n && is_lower(p[i + 1]) && is_lower(p[i + 2]) && is_lower(p[i + 3]))) {
        if (i + 3 < n && is_alpha(p[i + 1]) && is_digit(p[i + 2]) && is_digit(p[i + 3]) &&
            (e = iban_at(p, n, i)) != 0) {
            add(s, i, e, PII_IBAN);
            return e;
        }
        if (is_hex(p[i]) && colon_within(p, n, i, 5) && (e = ip_at(p, n, i)) != 0) {
            add(s, i, e, PII_IP_ADDRESS);
            return e;
        }
        if (i + 2 < n && (p[i + 1] == '-' || p[i + 2] == '-') &&
            (e = prefixed_postcode_at(s, i)) != 0) {
            add(s, i, e, PII_POSTCODE_CITY);
            return e;
        }
        if (i + 2 < n && (is_digit(p[i + 1]) || is_digit(p[i + 2])) &&
            ((e = uk_postcode_at(p, n, i)) != 0 || (e = ca_postcode_at(p, n, i)) != 0)) {
            add(s, i, e, PII_POSTCODE_CITY);
            return e;
        }
        if (i + 3 < n && is_upper(p[i + 1]) && p[i + 2] == ' ' && is_digit(p[i + 3]) &&
            (e = us_zip_at(p, n, i, &start)) != 0) {
            add(s, start, e, PII_POSTCODE_CITY);
            return e;
        }
    }
    struct word w;
    size_t b = word_read(s, i, &w);
    if (b < n && (p[b] == '@' || p[b] == '.' || p[b] == '_' || p[b] == '+' || p[b] == '%' ||
                  is_digit(p[b]))) {
        size_t at = email_ahead(p, n, i), st;
        if (at && (e = email_at(p, n, at, &st)) != 0) {
            add(s, st, e, PII_EMAIL);
            return e;
        }
    }
    if (b - i <= 8 &&
        (w.klen == 2 || w.klen == 3 || w.klen == 4 || w.klen == 8 || (b < n && p[b] == '.')) &&
        (p[i] == 'P' || p[i] == 'U' || p[i] == 'C') && (e = po_box_at(s, i)) != 0) {
        add_address(s, i, e);
        return e;
    }
    if ((w.f & LX_UNIT) && (e = unit_at(s, i, false)) != 0) {
        add(s, i, address_tail(s, e) > e ? address_tail(s, e) : e, PII_ADDRESS);
        best = max_end(best, e);
    }
    if ((w.f & LX_MONTH) && (e = date_month_day_at(s, b)) != 0 && dob_cue(p, n, i, e)) {
        add(s, i, e, PII_DATE_OF_BIRTH);
        best = max_end(best, e);
    }
    if (!best && (e = person_at(s, &w)) != 0)
        best = e;
    return best ? best : b;
}

/* A word start in small letters, in a text without capitals. */
static size_t at_lower(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n;
    if (letter_before(p, i))
        return skip_word(p, n, i);
    bool after_cue = s->cue_end != SIZE_MAX && s->cue_end <= i && i - s->cue_end <= 4;
    for (size_t k = after_cue ? s->cue_end : i; k < i && after_cue; k++)
        after_cue = is_space(p[k]) || p[k] == ':' || p[k] == ',' || p[k] == '?' || p[k] == '\n';
    /* Most small words start like no name and no cue word: skip them unread. */
    if (!after_cue && i + 2 <= n && is_lower(p[i]) && is_lower(p[i + 1])) {
        if (i + 2 == n || !letter_len(p, n, i + 2)) {
            if (!(lex.pre2[p[i] - 'a'] >> (p[i + 1] - 'a') & 1) &&
                (i + 2 == n || !is_digit(p[i + 2])))
                return i + 2;
        } else if (is_lower(p[i + 2])) {
            unsigned x = ((unsigned)(p[i] - 'a') * 26 + (unsigned)(p[i + 1] - 'a')) * 26 +
                         (unsigned)(p[i + 2] - 'a');
            if (!(lex.pre3[x / 8] >> (x % 8) & 1)) {
                size_t b = skip_word(p, n, i);
                if (b == n || (p[b] != '@' && p[b] != '.' && p[b] != '_' && p[b] != '+' &&
                               p[b] != '%' && p[b] != '-'))
                    return b;
            }
        }
    }
    struct word w;
    size_t b = word_read(s, i, &w);
    if (b < n && (p[b] == '@' || p[b] == '.' || p[b] == '_' || p[b] == '+' || p[b] == '%' ||
                  is_digit(p[b]))) {
        size_t at = email_ahead(p, n, i), st, e;
        if (at && (e = email_at(p, n, at, &st)) != 0) {
            add(s, st, e, PII_EMAIL);
            return e;
        }
        if (is_digit(p[b]) && b - i == 2) /* "gb82...": the digit starts the IBAN */
            return b;
    }
    if (b - i < 3)
        return b;
    if (w.f & LX_CUE)
        s->cue_end = b;
    if (!(w.f & (LX_NAME_ANY | LX_HONORIFIC))) {
        /* Only a listed word starts a name in small letters, and only the word after a
         * strong cue is read without one. */
        bool sep;
        int lines;
        if (!after_cue || (w.f & LX_NOT_NAME) || name_cue(s, i, &sep, &lines) != CUE_STRONG)
            return b;
    }
    size_t e = person_lower_at(s, &w);
    return e ? e : b;
}

/* A byte of 0xC2 or more at i: the start of a non-ASCII character. */
static size_t at_high(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n;
    if (letter_before(p, i) || !letter_len(p, n, i))
        return skip_word(p, n, i + 1);
    if (upper_at(p, n, i))
        return at_upper(s, i);
    if (s->lower_mode)
        return at_lower(s, i);
    return skip_word(p, n, i);
}

/* '+' or '(' at i: a phone number. */
static size_t at_phone(struct scan *s, size_t i)
{
    size_t e = phone_here(s->p, s->n, i);
    if (!e)
        return i + 1;
    add(s, i, e, PII_PHONE);
    return e;
}

/* ':' at i: an IPv6 address that starts with letters ("fe80::1") or with "::". */
static size_t at_colon(struct scan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n, j = i, e = 0;
    while (j > 0 && i - j < 4 && is_hex(p[j - 1]))
        j--;
    if (j < i && (j == 0 || !is_word(p[j - 1])))
        e = ip_at(p, n, j);
    else if (j == i && i + 1 < n && p[i + 1] == ':')
        e = ip_at(p, n, i);
    if (!e)
        return i + 1;
    add(s, j, e, PII_IP_ADDRESS);
    return e;
}

/* '@' at i: an e-mail address around it. */
static size_t at_at(struct scan *s, size_t i)
{
    size_t st, e = email_at(s->p, s->n, i, &st);
    if (!e)
        return i + 1;
    add(s, st, e, PII_EMAIL);
    return e;
}

static bool address_like(enum pii_type t)
{
    return t == PII_ADDRESS || t == PII_POSTCODE_CITY;
}

/* Once a text names "Vorname Nachname", a later "Nachname" or "Nachnames" on its own is
 * that person too ("Anna Kowalczyk ... Kowalczyk sagte"). The family names of the first
 * eight full names are looked for in the rest of the text after the pass, so a text
 * without a full name costs nothing. */
#define MAX_KNOWN_SURNAMES 8

static void known_surnames(struct scan *s)
{
    const char *p = s->p;
    size_t n = s->n, nv = s->nv, from = SIZE_MAX;
    struct {
        size_t at, len;
    } fam[MAX_KNOWN_SURNAMES];
    size_t nf = 0;
    for (size_t i = 0; i < nv && nf < MAX_KNOWN_SURNAMES; i++) {
        const struct pii_span *v = &s->v[i];
        if (v->type != PII_PERSON)
            continue;
        size_t b = back_word(p, v->end);
        if (b <= v->start || v->end - b < 3 || !upper_at(p, n, b) || p[b - 1] != ' ')
            continue; /* one word only, or it ends in an initial */
        struct word given;
        word_get(s, v->start, name_word_end(p, n, v->start), &given);
        if (!(given.f & LX_FIRST))
            continue; /* only after a plain given name: "Mini Cosmic Grey" is none */
        fam[nf].at = b;
        fam[nf++].len = v->end - b;
        from = v->end < from ? v->end : from;
    }
    if (nf == 0)
        return;
    /* memchr for each name's first byte: the rest of the text is not read byte by byte. */
    for (size_t f = 0; f < nf; f++) {
        const char *key = p + fam[f].at;
        size_t len = fam[f].len;
        for (size_t i = from; i + len <= n;) {
            const char *hit = memchr(p + i, key[0], n - i - len + 1);
            if (!hit)
                break;
            size_t a = (size_t)(hit - p), e = a + len;
            i = a + 1;
            if (a == fam[f].at || letter_before(p, a) || memcmp(hit, key, len) != 0)
                continue;
            if (e < n && p[e] == 's')
                e++;
            if (e < n && (is_alpha(p[e]) || (unsigned char)p[e] >= 0x80))
                continue;             /* "Kowalczykowa" is another word */
            add(s, a, e, PII_PERSON); /* overlaps with the full name are dropped later */
            i = e;
        }
    }
}

static bool span_before(const struct pii_span *a, const struct pii_span *b)
{
    if (a->start != b->start)
        return a->start < b->start;
    if (a->end != b->end)
        return a->end > b->end; /* the longer first */
    return a->type < b->type;
}

/* Candidates come almost in order: insertion sort. */
static void sort_spans(struct pii_span *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct pii_span x = v[i];
        size_t k = i;
        while (k > 0 && span_before(&x, &v[k - 1])) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = x;
    }
}

ag_err pii_scan(const char *p, size_t n, struct pii_span *out, size_t max, size_t *found)
{
    pthread_once(&lex_once, init_once);
    *found = 0;
    struct scan s = {.p = p, .n = n, .cap = FOUND_INLINE, .cue_end = SIZE_MAX};
    s.v = s.inl;
    s.lower_mode = n > 0 && !has_upper(p, n);
    s.peek.a = s.peek.b = SIZE_MAX;
    const uint8_t *cls = s.lower_mode ? class_lower : class_normal;
    for (size_t i = 0; i < n;) {
        if (!s.lower_mode)
            i = skip_plain(p, n, i);
        while (i < n && cls[(unsigned char)p[i]] == B_SKIP)
            i++;
        if (i >= n)
            break;
        switch (cls[(unsigned char)p[i]]) {
        case B_DIGIT:
            i = at_digit(&s, i);
            break;
        case B_UPPER:
            i = at_upper(&s, i);
            break;
        case B_HIGH:
            i = at_high(&s, i);
            break;
        case B_LOWER:
            i = at_lower(&s, i);
            break;
        case B_AT:
            i = at_at(&s, i);
            break;
        case B_PHONE:
            i = at_phone(&s, i);
            break;
        default:
            i = at_colon(&s, i);
            break;
        }
    }
    if (!s.oom)
        known_surnames(&s);
    ag_err rc = AG_OK;
    if (s.oom) {
        rc = AG_ENOMEM;
        goto done;
    }
    sort_spans(s.v, s.nv);
    size_t kept = 0, last_end = 0;
    enum pii_type last_type = PII_EMAIL;
    for (size_t i = 0; i < s.nv; i++) {
        if (kept > 0 && s.v[i].start < last_end) {
            /* Parts of one address found from two places ("Suite 541 6343 Skogstien" and
             * "Skogstien 106\nASKER 1386") become one span. */
            if (address_like(last_type) && address_like(s.v[i].type) && s.v[i].end > last_end) {
                last_end = s.v[i].end;
                if (s.v[i].type == PII_ADDRESS)
                    last_type = PII_ADDRESS;
                if (kept <= max) {
                    out[kept - 1].end = last_end;
                    out[kept - 1].type = last_type;
                }
            }
            continue; /* overlaps a span kept already */
        }
        if (kept < max)
            out[kept] = s.v[i];
        kept++;
        last_end = s.v[i].end;
        last_type = s.v[i].type;
    }
    *found = kept;
done:
    if (s.v != s.inl)
        free(s.v);
    return rc;
}
