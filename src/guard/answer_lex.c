// SPDX-License-Identifier: MIT
/*
 * guard/answer_lex.c: a small bilingual lexicon of shop and policy vocabulary for the
 * answer checker. Scope: words a customer-service answer uses for the facts of an
 * online shop (prices and fees, shipping and delivery, returns, refunds, exchanges,
 * guarantees, discounts, orders, payment, damage, contact), in German and English,
 * grouped into concepts whose members may stand for each other when the checker asks
 * whether an answer's word is in its passage. Not a thesaurus: a group holds only words
 * that a paraphrase of a shop's own text puts in place of each other, and two concepts
 * are opposed only when one excludes the other (free of charge / chargeable).
 * Entries are folded (lower case, umlauts without dots, ß as ss). An entry of 5 or more
 * letters matches as a prefix of a word, and as the end of a longer German compound
 * (a head: "Expressversand", "Teillieferung"); a shorter one matches only whole words.
 * The longest match wins ("kostenlos" over "kosten").
 * THREADS: constant data and an index by first letter built once (pthread_once).
 * OWNERSHIP: nothing allocated.
 */
#include "guard/answer_internal.h"

#include <pthread.h>
#include <string.h>

enum concept {
    C_NONE = 0,
    C_FREE,      /* free of charge */
    C_PAID,      /* chargeable: the opposite of C_FREE */
    C_COST,      /* price, cost, fee */
    C_PAY,       /* paying */
    C_SHIP,      /* shipping, delivery, dispatch, sending */
    C_PARCEL,    /* parcel, package, consignment */
    C_RETURN,    /* returning goods */
    C_REFUND,    /* money back */
    C_EXCHANGE,  /* replacement, exchange */
    C_GUARANTEE, /* guarantee, warranty, promise */
    C_DISCOUNT,  /* discount, reduction, voucher code */
    C_ORDER,     /* ordering */
    C_BUY,       /* buying, purchase */
    C_RECEIVE,   /* receiving, getting */
    C_DAMAGE,    /* damaged, faulty */
    C_CANCEL,    /* cancelling an order */
    C_QUICK,     /* quick, prompt */
    C_ITEM,      /* item, product, goods */
    C_ABROAD,    /* abroad, international */
    C_PICKUP,    /* collecting in person */
    C_PHONE,     /* telephone, call */
    C_LABEL,     /* shipping label */
    C_TRACK,     /* tracking */
    C_INCLUDED,  /* included */
    C_EXCLUDED,  /* excluded, not eligible */
    C_ALLOWED,   /* allowed, accepted */
    C_WEIGHT,    /* weight */
    C_ACCOUNT,   /* customer account */
    C_STOCK,     /* stock, inventory */
    C_ARRIVE,    /* arriving */
    C_PERIOD,    /* a period of time, a deadline */
    C_PHOTO,     /* photos */
    C_BRAND,     /* brand, manufacturer */
    C_PACKAGING, /* packaging */
    C_INVOICE,   /* invoice, receipt */
    C_GIFT,      /* gift */
    C_CHOOSE,    /* choosing */
    C_NOTIFY,    /* notifying */
    C_PRINT,     /* printing */
    C_MANUAL,    /* instructions */
    C_EU,        /* the European Union */
    C_SAME,      /* the same (day) */
    C_NEXT,      /* the next (day): the opposite of C_SAME */
    C_COUNT
};

_Static_assert((int)C_COUNT <= (int)ANSWER_MAX_CONCEPTS,
               "concept ids must fit ANSWER_MAX_CONCEPTS");

static const char *const concept_names[C_COUNT] = {
    [C_NONE] = "",
    [C_FREE] = "free of charge",
    [C_PAID] = "chargeable",
    [C_COST] = "cost",
    [C_PAY] = "payment",
    [C_SHIP] = "shipping",
    [C_PARCEL] = "parcel",
    [C_RETURN] = "return",
    [C_REFUND] = "refund",
    [C_EXCHANGE] = "exchange",
    [C_GUARANTEE] = "guarantee",
    [C_DISCOUNT] = "discount",
    [C_ORDER] = "order",
    [C_BUY] = "purchase",
    [C_RECEIVE] = "receiving",
    [C_DAMAGE] = "damage",
    [C_CANCEL] = "cancel",
    [C_QUICK] = "quick",
    [C_ITEM] = "item",
    [C_ABROAD] = "abroad",
    [C_PICKUP] = "pickup",
    [C_PHONE] = "phone",
    [C_LABEL] = "label",
    [C_TRACK] = "tracking",
    [C_INCLUDED] = "included",
    [C_EXCLUDED] = "excluded",
    [C_ALLOWED] = "allowed",
    [C_WEIGHT] = "weight",
    [C_ACCOUNT] = "account",
    [C_STOCK] = "stock",
    [C_ARRIVE] = "arriving",
    [C_PERIOD] = "period",
    [C_PHOTO] = "photo",
    [C_BRAND] = "brand",
    [C_PACKAGING] = "packaging",
    [C_INVOICE] = "invoice",
    [C_GIFT] = "gift",
    [C_CHOOSE] = "choosing",
    [C_NOTIFY] = "notifying",
    [C_PRINT] = "printing",
    [C_MANUAL] = "instructions",
    [C_EU] = "EU",
    [C_SAME] = "same",
    [C_NEXT] = "next",
};

struct lex_entry {
    const char *w;
    size_t len;
    enum concept c;
};
#define E(w, c)                                                                                    \
    {                                                                                              \
        (w), sizeof(w) - 1, (c)                                                                    \
    }

static const struct lex_entry lexicon[] = {
    /* free of charge / chargeable */
    E("kostenlos", C_FREE),
    E("kostenfrei", C_FREE),
    E("gebuhrenfrei", C_FREE),
    E("portofrei", C_FREE),
    E("gratis", C_FREE),
    E("umsonst", C_FREE),
    E("free", C_FREE),
    E("complimentary", C_FREE),
    E("kostenpflichtig", C_PAID),
    E("gebuhrenpflichtig", C_PAID),
    E("zahlungspflichtig", C_PAID),
    E("chargeable", C_PAID),
    /* cost */
    E("kostet", C_COST),
    E("kosten", C_COST),
    E("kostete", C_COST),
    E("preis", C_COST),
    E("price", C_COST),
    E("priced", C_COST),
    E("cost", C_COST),
    E("costs", C_COST),
    E("gebuhr", C_COST),
    E("fee", C_COST),
    E("fees", C_COST),
    E("charge", C_COST),
    E("betrag", C_COST),
    E("amount", C_COST),
    E("aufpreis", C_COST),
    E("zuschlag", C_COST),
    E("surcharge", C_COST),
    /* payment */
    E("zahlen", C_PAY),
    E("zahlt", C_PAY),
    E("bezahl", C_PAY),
    E("zahlung", C_PAY),
    E("pay", C_PAY),
    E("pays", C_PAY),
    E("paid", C_PAY),
    E("payment", C_PAY),
    E("paying", C_PAY),
    /* shipping and delivery */
    E("versand", C_SHIP),
    E("versend", C_SHIP),
    E("versandt", C_SHIP),
    E("verschick", C_SHIP),
    E("schicken", C_SHIP),
    E("schickt", C_SHIP),
    E("liefer", C_SHIP),
    E("lieferung", C_SHIP),
    E("zustell", C_SHIP),
    E("zustellung", C_SHIP),
    E("porto", C_SHIP),
    E("ship", C_SHIP),
    E("ships", C_SHIP),
    E("shipped", C_SHIP),
    E("shipping", C_SHIP),
    E("shipment", C_SHIP),
    E("deliver", C_SHIP),
    E("dispatch", C_SHIP),
    E("send", C_SHIP),
    E("sends", C_SHIP),
    E("sent", C_SHIP),
    /* parcel */
    E("paket", C_PARCEL),
    E("pakete", C_PARCEL),
    E("packchen", C_PARCEL),
    E("sendung", C_PARCEL),
    E("parcel", C_PARCEL),
    E("package", C_PARCEL),
    /* returns */
    E("ruckgab", C_RETURN),
    E("zuruckgeb", C_RETURN),
    E("zuruckgab", C_RETURN),
    E("retour", C_RETURN),
    E("rucksend", C_RETURN),
    E("zurucksend", C_RETURN),
    E("ruckschick", C_RETURN),
    E("zuruckschick", C_RETURN),
    E("ruckversand", C_RETURN),
    E("return", C_RETURN),
    /* refunds */
    E("erstatt", C_REFUND),
    E("ruckerstatt", C_REFUND),
    E("zuruckerstatt", C_REFUND),
    E("ruckzahl", C_REFUND),
    E("zuruckzahl", C_REFUND),
    E("erstattung", C_REFUND),
    E("refund", C_REFUND),
    E("reimburs", C_REFUND),
    E("repaid", C_REFUND),
    /* exchange and replacement */
    E("umtausch", C_EXCHANGE),
    E("austausch", C_EXCHANGE),
    E("tausch", C_EXCHANGE),
    E("ersatz", C_EXCHANGE),
    E("ersetz", C_EXCHANGE),
    E("exchang", C_EXCHANGE),
    E("replac", C_EXCHANGE),
    /* guarantees and promises */
    E("garant", C_GUARANTEE),
    E("gewahrleist", C_GUARANTEE),
    E("zusage", C_GUARANTEE),
    E("zusich", C_GUARANTEE),
    E("versprech", C_GUARANTEE),
    E("guarant", C_GUARANTEE),
    E("warrant", C_GUARANTEE),
    E("promis", C_GUARANTEE),
    /* discounts */
    E("rabatt", C_DISCOUNT),
    E("nachlass", C_DISCOUNT),
    E("ermassig", C_DISCOUNT),
    E("reduziert", C_DISCOUNT),
    E("gutschein", C_DISCOUNT),
    E("discount", C_DISCOUNT),
    E("reduced", C_DISCOUNT),
    E("voucher", C_DISCOUNT),
    E("coupon", C_DISCOUNT),
    E("promo", C_DISCOUNT),
    /* ordering and buying */
    E("bestell", C_ORDER),
    E("auftrag", C_ORDER),
    E("order", C_ORDER),
    E("orders", C_ORDER),
    E("ordered", C_ORDER),
    E("kaufen", C_BUY),
    E("kauft", C_BUY),
    E("gekauft", C_BUY),
    E("einkauf", C_BUY),
    E("purchas", C_BUY),
    E("buy", C_BUY),
    E("buys", C_BUY),
    E("bought", C_BUY),
    /* receiving ("erhältlich" and "lieferbar" say available: no concept) */
    E("erhaltlich", C_NONE),
    E("lieferbar", C_NONE),
    E("erhalt", C_RECEIVE),
    E("bekomm", C_RECEIVE),
    E("empfang", C_RECEIVE),
    E("receiv", C_RECEIVE),
    E("obtain", C_RECEIVE),
    /* damage */
    E("beschadig", C_DAMAGE),
    E("defekt", C_DAMAGE),
    E("kaputt", C_DAMAGE),
    E("mangel", C_DAMAGE),
    E("fehlerhaft", C_DAMAGE),
    E("damag", C_DAMAGE),
    E("defect", C_DAMAGE),
    E("faulty", C_DAMAGE),
    E("broken", C_DAMAGE),
    /* cancelling */
    E("storn", C_CANCEL),
    E("annull", C_CANCEL),
    E("cancel", C_CANCEL),
    /* quick */
    E("schnell", C_QUICK),
    E("zugig", C_QUICK),
    E("umgehend", C_QUICK),
    E("quick", C_QUICK),
    E("prompt", C_QUICK),
    E("rapid", C_QUICK),
    /* items */
    E("artikel", C_ITEM),
    E("produkt", C_ITEM),
    E("ware", C_ITEM),
    E("waren", C_ITEM),
    E("item", C_ITEM),
    E("items", C_ITEM),
    E("product", C_ITEM),
    E("goods", C_ITEM),
    E("merchandis", C_ITEM),
    /* abroad */
    E("ausland", C_ABROAD),
    E("international", C_ABROAD),
    E("abroad", C_ABROAD),
    E("overseas", C_ABROAD),
    /* pickup */
    E("abhol", C_PICKUP),
    E("pickup", C_PICKUP),
    E("collect", C_PICKUP),
    /* phone */
    E("telefon", C_PHONE),
    E("anruf", C_PHONE),
    E("anrufen", C_PHONE),
    E("phone", C_PHONE),
    E("call", C_PHONE),
    E("calls", C_PHONE),
    /* labels */
    E("etikett", C_LABEL),
    E("aufkleber", C_LABEL),
    E("label", C_LABEL),
    /* tracking */
    E("verfolg", C_TRACK),
    E("nachverfolg", C_TRACK),
    E("sendungsverfolgung", C_TRACK),
    E("track", C_TRACK),
    /* included / excluded / allowed */
    E("inklusive", C_INCLUDED),
    E("inkl", C_INCLUDED),
    E("enthalten", C_INCLUDED),
    E("beiliegend", C_INCLUDED),
    E("includ", C_INCLUDED),
    E("ausgeschlossen", C_EXCLUDED),
    E("ausgenommen", C_EXCLUDED),
    E("exclud", C_EXCLUDED),
    E("except", C_EXCLUDED),
    E("erlaubt", C_ALLOWED),
    E("gestattet", C_ALLOWED),
    E("zulassig", C_ALLOWED),
    E("akzeptier", C_ALLOWED),
    E("allow", C_ALLOWED),
    E("permit", C_ALLOWED),
    E("accept", C_ALLOWED),
    /* weight */
    E("gewicht", C_WEIGHT),
    E("wiegt", C_WEIGHT),
    E("wiegen", C_WEIGHT),
    E("weigh", C_WEIGHT),
    /* stock */
    E("lager", C_STOCK),
    E("lagerbestand", C_STOCK),
    E("bestand", C_STOCK),
    E("vorrat", C_STOCK),
    E("vorratig", C_STOCK),
    E("stock", C_STOCK),
    E("inventory", C_STOCK),
    /* arriving */
    E("ankomm", C_ARRIVE),
    E("angekommen", C_ARRIVE),
    E("ankunft", C_ARRIVE),
    E("eintreff", C_ARRIVE),
    E("eingetroffen", C_ARRIVE),
    E("arriv", C_ARRIVE),
    /* periods and deadlines */
    E("frist", C_PERIOD),
    E("zeitraum", C_PERIOD),
    E("zeitfenster", C_PERIOD),
    E("window", C_PERIOD),
    E("period", C_PERIOD),
    E("deadline", C_PERIOD),
    /* photos */
    E("foto", C_PHOTO),
    E("fotos", C_PHOTO),
    E("bilder", C_PHOTO),
    E("photo", C_PHOTO),
    E("picture", C_PHOTO),
    E("image", C_PHOTO),
    /* brand */
    E("hersteller", C_BRAND),
    E("marke", C_BRAND),
    E("brand", C_BRAND),
    E("manufactur", C_BRAND),
    /* packaging */
    E("verpackung", C_PACKAGING),
    E("originalverpackung", C_PACKAGING),
    E("karton", C_PACKAGING),
    E("packaging", C_PACKAGING),
    /* invoice and receipt */
    E("rechnung", C_INVOICE),
    E("quittung", C_INVOICE),
    E("beleg", C_INVOICE),
    E("invoice", C_INVOICE),
    E("receipt", C_INVOICE),
    /* gifts */
    E("geschenk", C_GIFT),
    E("gift", C_GIFT),
    E("gifts", C_GIFT),
    /* choosing */
    E("wahlen", C_CHOOSE),
    E("wahlt", C_CHOOSE),
    E("auswahl", C_CHOOSE),
    E("choos", C_CHOOSE),
    E("chose", C_CHOOSE),
    E("select", C_CHOOSE),
    /* notifying */
    E("benachrichtig", C_NOTIFY),
    E("bescheid", C_NOTIFY),
    E("notif", C_NOTIFY),
    /* printing */
    E("drucken", C_PRINT),
    E("ausdruck", C_PRINT),
    E("print", C_PRINT),
    /* instructions */
    E("anleitung", C_MANUAL),
    E("bedienungsanleitung", C_MANUAL),
    E("instruction", C_MANUAL),
    E("manual", C_MANUAL),
    /* money: the amount of a price */
    E("geld", C_COST),
    E("money", C_COST),
    /* the EU */
    E("eu", C_EU),
    E("europaisch", C_EU),
    E("european", C_EU),
    /* same or next (day) */
    E("selben", C_SAME),
    E("gleichen", C_SAME),
    E("same", C_SAME),
    E("nachsten", C_NEXT),
    E("folgend", C_NEXT),
    E("next", C_NEXT),
    E("following", C_NEXT),
    /* account */
    E("kundenkonto", C_ACCOUNT),
    E("konto", C_ACCOUNT),
    E("account", C_ACCOUNT),
};

#define N_LEX (sizeof(lexicon) / sizeof(lexicon[0]))

/* Entry indices by first byte, built once: a word is compared only with the entries
 * that start with its first letter (prefixes) or with the letter where a compound head
 * of each length would start (suffixes). */
static unsigned short by_first[N_LEX];
static unsigned short first_start[257];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
    size_t count[256] = {0};
    for (size_t i = 0; i < N_LEX; i++)
        count[(unsigned char)lexicon[i].w[0]]++;
    size_t at = 0;
    for (size_t c = 0; c < 256; c++) {
        first_start[c] = (unsigned short)at;
        at += count[c];
    }
    first_start[256] = (unsigned short)at;
    size_t fill[256];
    for (size_t c = 0; c < 256; c++)
        fill[c] = first_start[c];
    for (size_t i = 0; i < N_LEX; i++)
        by_first[fill[(unsigned char)lexicon[i].w[0]]++] = (unsigned short)i;
}

_Static_assert(N_LEX < 65536, "lexicon indices fit unsigned short");

unsigned answer_concept(const char *f, size_t n)
{
    if (n == 0)
        return C_NONE;
    (void)pthread_once(&index_once, build_index);
    size_t best_len = 0;
    enum concept best = C_NONE;
    /* prefixes (and whole words) */
    unsigned char c0 = (unsigned char)f[0];
    for (size_t k = first_start[c0]; k < first_start[c0 + 1]; k++) {
        const struct lex_entry *e = &lexicon[by_first[k]];
        if (e->len > n || e->len <= best_len)
            continue;
        if ((e->len < 5 ? e->len == n : true) && memcmp(f, e->w, e->len) == 0) {
            best_len = e->len;
            best = e->c;
        }
    }
    /* German compound heads: an entry of 5+ letters ending the word, 3+ letters after
     * the word's start */
    for (size_t j = 3; j + 5 <= n; j++) {
        unsigned char cj = (unsigned char)f[j];
        size_t l = n - j;
        if (l <= best_len)
            break;
        for (size_t k = first_start[cj]; k < first_start[cj + 1]; k++) {
            const struct lex_entry *e = &lexicon[by_first[k]];
            if (e->len == l && memcmp(f + j, e->w, l) == 0) {
                best_len = l;
                best = e->c;
                break;
            }
        }
    }
    return (unsigned)best;
}

bool answer_concept_is_claim(unsigned c)
{
    return c == C_FREE || c == C_GUARANTEE;
}

bool answer_concepts_opposed(unsigned a, unsigned b)
{
    /* "free of charge" against "you pay the return shipping costs yourself"; not the
     * reverse: an answer's "you pay" often states the other case of a free threshold */
    return (a == C_FREE && (b == C_PAID || b == C_PAY)) || (a == C_PAID && b == C_FREE) ||
           (a == C_SAME && b == C_NEXT) || (a == C_NEXT && b == C_SAME);
}

const char *answer_concept_name(unsigned c)
{
    return c < C_COUNT ? concept_names[c] : "";
}
