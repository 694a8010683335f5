// SPDX-License-Identifier: MIT
/*
 * guard/inject_rules.c: the rule set of the injection detector. Each rule is a vectorscan
 * expression over NORMALISED text (text/normalize.h: lower case, accents stripped, so
 * "Anweisungen" is "anweisungen" and "für" is "fur"; white space collapsed to one space;
 * leetspeak, homoglyphs and spaced letters already folded). A rule weighs its prior (in
 * logit units) plus the correction training learns for it; the model file names rules by
 * a hash of their name, so renaming a rule drops its correction.
 *
 * How the weights read: about 3 or more is an attack on its own; 1.5 to 2.5 is a strong
 * sign that still wants a second one; 1 and below only adds to others. Rules look for the
 * shape of an attack (a verb that overrides, and its object), not for single words that
 * benign shop questions use too ("ignore my last order", "act quickly", "print my
 * invoice").
 *
 * THREADS, OWNERSHIP: constant data.
 */
#include "guard/inject_internal.h"

/* Short-hands for parts used by several rules. */
/* Up to six (three) words between two parts of a rule, within one sentence. Normalised
 * text has single spaces, so a gap counted in words compiles far smaller and faster than
 * one counted in bytes. */
#define SEP   "[,:;]?( [^ .!?]+){0,6} "
#define SEP_S "[,:;]?( [^ .!?]+){0,3} "

/* English verbs that set instructions aside, and the things they set aside. */
#define EN_OVERRIDE                                                                                \
    "(ignore|ignoring|disregard|forget|bypass|override|overrule|skip|neglect|abandon|discard|"     \
    "dismiss|set aside|throw out|do not follow|don't follow|stop following)"
#define EN_RULES                                                                                   \
    "(instructions?|prompts?|directives?|directions|guidelines|rules|programming|constraints|"     \
    "restrictions|guardrails|commands|safeguards|policies|system message)"
/* German: the imperatives and infinitives of the same verbs, and their objects. */
#define DE_OVERRIDE                                                                                \
    "(ignorier\\w*|vergiss|vergesst|vergessen sie|missacht\\w*|ubergeh\\w*|uberspring\\w*|"        \
    "umgeh\\w*|verwirf|verwerfen sie|hor auf\\w*|befolge? nicht|nicht (mehr )?befolgen)"
#define DE_RULES                                                                                   \
    "(anweisung\\w*|instruktion\\w*|regeln|vorgaben|befehle?|richtlinie\\w*|einschrankung\\w*|"    \
    "programmierung|systemprompt\\w*|prompts?|beschrankung\\w*|vorschrift\\w*)"

const struct inject_rule inject_rules[] = {
    /* ---- overriding the instructions ---- */
    {"ignore … instructions", "\\b" EN_OVERRIDE "\\b" SEP "\\b" EN_RULES "\\b", 3.0f},
    {"previous instructions",
     "\\b(previous|prior|above|earlier|preceding|original|initial|former|old|all|your)( "
     "\\w+)? " EN_RULES "\\b",
     1.2f},
    {"forget everything",
     "\\b(forget|ignore|disregard)( about)? (everything|anything|all (of )?(that|this|the above|"
     "the previous)|the above|what (i|you|we) (said|told|wrote|were told|discussed))",
     2.5f},
    {"new instructions", "\\bnew (instructions?|rules|task|directive|role|persona|prompt)s?\\b",
     1.2f},
    {"from now on",
     "\\b(from now on|starting now|henceforth|for the rest of (this|the) conversation)\\b", 1.0f},
    {"ignoriere … Anweisungen", "\\b" DE_OVERRIDE "\\b" SEP "\\b" DE_RULES "\\b", 3.0f},
    {"vorherige Anweisungen",
     "\\b(vorherige\\w*|vorige\\w*|bisherige\\w*|obige\\w*|fruhere\\w*|ursprungliche\\w*|alle\\w*|"
     "deine\\w*|ihre\\w*)( \\w+)? " DE_RULES "\\b",
     1.2f},
    {"vergiss alles",
     "\\b(vergiss|vergesst|vergessen sie|ignorier\\w*)( bitte)? (alles|das alles|all das|das "
     "obige|das vorherige|das bisherige|was (ich|du|man|wir|dir|ihnen))",
     2.5f},
    {"ab jetzt gilt",
     "\\b(ab jetzt|ab sofort|von nun an|ab hier|ab heute)\\b" SEP_S
     "\\b(bist du|du bist|antwortest|antworte|gilt|gelten|sollst|wirst "
     "du|spielst|spiel|handelst)\\b",
     2.0f},
    {"neue Anweisungen", "\\bneue (anweisung\\w*|regeln|aufgabe|rolle|instruktion\\w*|befehle)\\b",
     1.2f},

    /* ---- getting the system prompt out ---- */
    {"system prompt",
     "\\b(system|initial|original|hidden|secret|internal|developer|pre)[ -]?(prompt|instructions|"
     "message|directives|configuration|anweisung\\w*|nachricht|instruktion\\w*)\\b|\\bsystemprompt",
     2.0f},
    {"reveal your instructions",
     "\\b(reveal|show|print|display|output|repeat|tell|give|share|list|leak|dump|expose|write "
     "out|spell out|paste|recite|summari[sz]e)\\b" SEP_S
     "\\byour (\\w+ )?(instructions|rules|prompt|guidelines|programming|directives|configuration|"
     "training data)\\b",
     2.0f},
    {"the text above",
     "\\b(repeat|output|print|copy|recite|summari[sz]e|translate)\\b" SEP_S
     "\\b(above|before this (message|line|point)|preceding|so far)\\b|\\b(text|words|everything|"
     "content|message|instructions) (above|before this|preceding this)",
     1.8f},
    {"what were you told",
     "\\bwhat (were|are|was) (you|your) (told|instructed|programmed|initial|original|given)\\b",
     2.0f},
    {"verbatim", "\\b(verbatim|word for word|wortlich|wortwortlich|wort fur wort)\\b", 1.0f},
    {"zeig deine Anweisungen",
     "\\b(zeig\\w*|gib\\w*|nenn\\w*|wiederhol\\w*|verrat\\w*|ausgeben|gebe?n? aus|druck\\w*|"
     "schreib\\w*|sag\\w*|teil\\w*|kopier\\w*)\\b" SEP_S
     "\\b(deine\\w*|dein|ihre (system\\w*|anweisung\\w*|instruktion\\w*|prompt\\w*|"
     "programmierung))( \\w+)? (anweisung\\w*|instruktion\\w*|regeln|vorgaben|prompt\\w*|"
     "konfiguration|programmierung|system\\w*)?",
     1.8f},
    {"der Text oben",
     "\\b(text|alles|inhalt|nachricht\\w*) (oben|daruber|davor|vor dieser nachricht|am anfang)\\b",
     1.2f},

    /* ---- role play and jailbreak personas ---- */
    {"do anything now", "\\bdo anything now\\b|\\bdan mode\\b|\\bdan ?[0-9]+(\\.[0-9]+)?\\b", 4.0f},
    {"DAN", "\\bdan\\b", 1.2f},
    {"developer mode",
     "\\b(developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|evil|chaos|opposite|"
     "maintenance|debug|admin)[ -]?(mode|modus)\\b|\\bentwicklermodus\\b",
     2.5f},
    {"jailbreak", "\\bjail ?br(eak|oken|eaking)\\w*", 2.5f},
    {"you are now",
     "\\b(you are|you're|you will|you'll|you shall)( \\w+)? (now|going to|about to|from now)( "
     "\\w+)? "
     "(be|act|play|pretend|become|simulate|roleplay|respond|answer|behave)\\b",
     2.0f},
    {"pretend to be",
     "\\bpretend(ing)? (to be|you are|you're|that you|to have)\\b|\\bimagine (you are|you're|that "
     "you)\\b",
     1.5f},
    {"act as",
     "\\b(act|acting|behave|respond|answer|reply|roleplay|role[ -]play) (as|like) "
     "(a|an|the|my|if)\\b",
     1.0f},
    {"I want you to act as", "\\bi want you to (act|pretend|play|be|become|simulate|respond)\\b",
     1.5f},
    {"stay in character",
     "\\b(stay|staying|remain|keep) in character\\b|\\bbreak(ing)? character\\b|\\bin character\\b",
     2.0f},
    {"simulate an AI",
     "\\bsimulat(e|ion|ing)\\b" SEP_S "\\b(ai|chatbot|model|mode|persona|machine)\\b", 1.2f},
    {"without restrictions",
     "\\b(no|without|free of|free from|not bound by|regardless of|bypass\\w*|any) (\\w+ ){0,2}"
     "(restrictions?|limitations?|filters?|filtering|censorship|ethics|ethical (guidelines|"
     "constraints)|morals?|moral (guidelines|constraints)|boundaries|safeguards|guardrails)\\b",
     1.8f},
    {"content policy",
     "\\b(openai|anthropic|content|usage|safety|community)('s)? "
     "(polic(y|ies)|guidelines|filters?)\\b",
     1.8f},
    {"uncensored",
     "\\b(uncensored|unfiltered|unrestricted|amoral|unethical|immoral|unhinged|no morals|no "
     "ethics|without morals)\\b",
     1.2f},
    {"as an AI", "\\bas an ai( language model)?\\b|\\b(large )?language models?\\b", 0.8f},
    {"two answers",
     "\\b(two|2|both) (different |separate "
     ")?(responses|answers|replies|paragraphs|outputs|ways)\\b",
     1.0f},
    {"tagged answers",
     "\\[ ?(classic|jailbreak|jailbroken|normal|developer mode|dan|gpt|chatgpt)( response| "
     "output)? ?\\]|"
     "\\((normal|developer mode) output\\)|\\b(classic|normal|developer mode) (response|output)\\b",
     2.0f},
    {"prompt slot",
     "\\[ ?(insert|your) [^\\]]{0,20}(prompt|question|request)[^\\]]{0,10}\\]|\\{\\{? ?prompt "
     "?\\}?\\}",
     2.0f},
    {"names a model",
     "\\b(chatgpt|gpt ?-?[345]\\w*|openai|bard|gemini|claude|llama|mistral|llm|ai model|ai "
     "assistant)\\b",
     0.8f},
    {"fiction frame",
     "\\b(hypothetical(ly)?|fictional|fictive|in a (story|novel|movie|game)|for (a|my) "
     "(novel|story|screenplay|book))\\b",
     0.6f},
    {"token game", "\\btokens?\\b" SEP "\\b(lose|lost|deduct\\w*|run out|die|dies|death|cease)\\b",
     1.5f},
    {"never refuse",
     "\\b(never|don't|do not|will not|won't|must not|mustn't|cannot|can't|can not|should not|shall "
     "not)( ever)? (refuse|decline|say no|deny|apologi[sz]e|warn|remind|mention|add (any )?"
     "(warnings|disclaimers))",
     1.5f},
    {"harmful content",
     "\\b(illegal|harmful|dangerous|explicit|offensive|nsfw|unethical|violent|malicious) "
     "(content|things|actions|activities|requests|questions|information|topics|advice)\\b",
     1.0f},
    {"du bist jetzt",
     "\\b(du bist|sie sind|du wirst|sie werden)( \\w+)? (jetzt|nun|ab jetzt|ab sofort|ab heute|von "
     "nun an|ab hier)\\b",
     2.0f},
    {"tu so als ob",
     "\\b(tu|tue|tun sie|tust)( mal)? so,? (als|wie)\\b|\\bstell(e)? dir vor,? (du|dass du)\\b|"
     "\\bgib dich als\\b|\\bversetz\\w* dich in\\b",
     1.5f},
    {"spiel eine Rolle",
     "\\b(spiel\\w*|ubernimm\\w*) (\\w+ )?(rolle)\\b|\\brollenspiel\\b|\\bverhalte? dich "
     "(wie|als)\\b|"
     "\\b(antworte|agiere|handle|fungiere) (als|wie)\\b",
     1.2f},
    {"ohne Einschränkungen",
     "\\b(ohne|keine|keinerlei|frei von) (\\w+ ){0,2}(einschrankung\\w*|filter\\w*|zensur|grenzen|"
     "beschrankung\\w*|moral|ethik|skrupel|richtlinien|regeln)\\b",
     1.8f},
    {"unzensiert", "\\b(unzensiert\\w*|ungefiltert\\w*|uneingeschrankt\\w*|amoralisch\\w*)\\b",
     1.2f},

    /* ---- other people's data, secrets ---- */
    {"other customers' data",
     "\\b(all|other|every|another|any)( \\w+)? (customers?|users?|clients?|accounts?|people|buyers|"
     "members)('s|s')? (\\w+ )?(data|details|information|info|addresses|e-?mails?|e-?mail "
     "addresses|orders?|order history|passwords?|phone numbers|credit cards?|payment "
     "\\w+|names)\\b",
     2.5f},
    {"data of other customers",
     "\\b(data|details|information|info|addresses|e-?mails?|e-?mail addresses|orders|order "
     "history|passwords|phone numbers|credit cards|payment \\w+|names)( \\w+)? of (all|other|every|"
     "the other|another|any)( \\w+)? "
     "(customers?|users?|clients?|accounts?|people|buyers|members)\\b",
     2.5f},
    {"Daten anderer Kunden",
     "\\b(daten|adressen|e-?mail\\w*|bestellungen|passw\\w*|namen|telefonnummern|konten|"
     "zahlungsdaten|bestellhistorie)( \\w+)? (aller|anderer|fremder|samtlicher|jedes|jeder)( "
     "\\w+)? "
     "(kunden|nutzer|benutzer|kaufer|mitglieder)\\w*\\b",
     2.5f},
    {"secrets",
     "\\b(passwords?|api[ -]?keys?|secret keys?|access tokens?|credentials|private keys?|"
     "admin (panel|access|rights|password))\\b",
     0.8f},
    {"dump the database",
     "\\b(dump|export|list|show|give|print|download|select|read)\\b" SEP_S
     "\\b(database|all (users|customers|orders|records|accounts)|tables?|credentials|user "
     "table)\\b",
     1.2f},
    {"fremde Kundendaten",
     "\\b(alle\\w*|andere\\w*|fremde\\w*|samtliche\\w*|jede\\w*)( \\w+)? (kunden|nutzer|benutzer|"
     "kaufer|mitglieder)\\w*\\b" SEP_S
     "\\b(daten|adressen|e-?mail\\w*|bestellungen|passw\\w*|namen|telefonnummern|konten)\\b",
     2.5f},
    {"Kundendaten", "\\b(kundendaten|kundenliste|nutzerdaten|zugangsdaten|datenbank|passworter)\\b",
     0.8f},
    {"price to zero",
     "\\b(set|change|make|reduce|update|andere?|setze?)\\b" SEP_S "\\b(price|preis)\\w*\\b" SEP_S
     "\\b(0|zero|null|free|kostenlos|gratis|1 cent)\\b",
     1.8f},

    /* ---- text meant for the model, inside data ---- */
    {"note to the AI",
     "\\b(note|message|instructions?|hinweis|nachricht|anweisung) (to|for|an) (the |den |die "
     ")?(ai|ki|"
     "assistant|assistent\\w*|model|llm|chatbot|language model|sprachmodell|bot)\\b|\\b(ai|ki|"
     "assistant|assistent|chatbot|llm|bot)\\w*: ?(ignore|ignoriere|vergiss|forget|you must|du "
     "musst|new instructions?|neue anweisung\\w*)",
     2.5f},
    {"chat template tokens",
     "<\\|? ?(im_start|im_end|system|endoftext|eot_id|start_header_id)|\\[/?inst\\]|<<sys>>|#{2,} "
     "?(instruction|system|new instructions?)\\b|(^|\\n)(system|assistant) ?:",
     2.5f},
    {"decode and follow",
     "\\b(base ?64|rot ?-?13|hex|decode|decoded|encoded|reverse[ds]?|backwards|ruckwarts|"
     "entschlussel\\w*|dekodier\\w*)\\b" SEP
     "\\b(follow|execute|do what|obey|instructions?|befolge\\w*|ausfuhr\\w*|anweisung\\w*)\\b",
     1.5f},
};

const size_t inject_n_rules = sizeof(inject_rules) / sizeof(inject_rules[0]);

/* Tricks the normaliser saw (enum text_obf, bit i = entry i): a text that hides its
 * letters is suspect in itself, more so when it also matches a rule. */
const struct inject_obf inject_obfs[INJECT_N_OBF] = {
    {"invisible characters", 1.0f}, {"look-alike letters", 1.5f}, {"leetspeak", 0.8f},
    {"spaced-out letters", 0.8f},   {"base64 text", 0.5f},        {"hex text", 0.5f},
    {"URL-encoded text", 0.3f},     {"rot13 text", 0.5f},
};
