"""A loose message that is only small talk: no observation.

People answer the bot as they would a person ("Bedankt!", "Hoi", "ok 👍", "Doei", "Fijne avond nog",
"Is dit een echt persoon?", "hoe werkt dit?", "sorry, verkeerde chat", "Is dit anoniem?", "do you
speak English?", "Wat?") after a confirmation, a coach's answer, or on their first try. Asking "Wil
je dit als melding naar de wijkcoach sturen?" about that is odd; the bot answers in kind and shows
the menu. Both languages are recognised whatever the person's setting.

The rule, in full: a message of at most a few words counts only when EVERY word in it is one of the
words below (or in one of the fixed phrases), and at least one of them says what kind of small talk
it is (a thanks, a greeting, a goodbye, a wish, praise for the bot, a yes or no or laugh, a test, a
sorry, a question about the bot: is it a person, who reads this, how does it work, how do I report
something, is it anonymous, what is kept, which language). The rest may only go with those: words
of address ("wijkcoach", "meneer", "allemaal"), praise ("top", "super"), small words ("wel",
"heel", "even", "later") and what a thanks is for when that is the bot's or the coach's answer or
help ("voor het snelle antwoord", "voor het luisteren"). Words of asking ("hier", "kan", "iets") go
only with a question (how to tell the coach something, what is kept, which language: "kan ik hier
iets melden?"); what praise is for only with praise ("leuk initiatief!", "love this idea"); what a
sorry is for only with a sorry ("sorry voor de typfouten", "sorry, mn zoontje zat op mn telefoon").
A few words count only alone ("Wat?" did not understand, "stop" wants out; "wat een troep" and
"stop de hardrijders" say something), and a time span is never a goodbye ("dag en nacht", typed
under an observation, is added to it). A single word about anything else ("lamp", "park", "kapot")
makes it a message to offer: "Bedankt, maar de lamp is nog kapot", "Dankjewel voor de nieuwe
prullenbakken in het park!" and "het is hier fijn" are observations. So a real observation is never
swallowed by these lists; a small-talk sentence with a word they lack is only offered as a melding.

Three allowances, each narrow, for how people type:
  - a word misspelt by one letter (wrong, missing, extra or two swapped) that is no word itself
    and whose nearest known word is a small-talk word ("bedant", "hallp", "goedemoregn",
    "dnak"): `bot.grouping.language` knows which words exist ("water" is no "later");
  - letters held down, a greeting said twice, praise made stronger ("hoiii", "doeii",
    "hoihoi", "superleuk");
  - one first name in a thanks, greeting, goodbye, wish or praise ("bedankt Anja", "thank you
    so much, Sarah", "hoi, ik ben Mieke"): with a capital, not the first word, not after "de"
    or "voor", a word the word lists know (a firm or a street they lack is no name), and no word
    of the grouping vocabulary or of those a resident may thank for their work in the wijk
    ("Bedankt Politie!", "Dank Gemeente" are observations).
Congratulations and wishes to a person ("Gefeliciteerd Ans!!", "fijne verjaardag opa", "get well
soon") get a friendly word and the note that this chat is the wijkbot's; questions how to change or
take back a sent melding ("Kan ik mijn bericht nog aanpassen?") or where one's meldingen are and
whether news comes ("krijg ik bericht?") are answered with Mijn meldingen; and a message for someone
close that calls nobody ("neem jij melk mee", "ben er over 10 min", "can you pick up the kids at
3?") is one whose every word is of an errand, a time or a person spoken to, with such a person
or an errand first. What a congratulation is for ("diploma", "opa") goes only with one, an
errand's words only with an errand, and so on; "wie ruimt die troep bij de glasbak op?" and "kan
de gemeente de bladeren eens ophalen?" name what they are about and are offered.
A number only goes with a test ("test 123"), a congratulation or a time in an errand ("25 jarig
huwelijk", "om 3 uur"), so "bedankt, nr 12" is offered; counting alone
("1 2 3") and letters along a row of the keyboard ("asdfgh") are a try. A message that starts by
calling someone close ("mam", "schat", "honey") was meant for them, unless it names a matter of
the wijk as the grouping knows them ("schat, er ligt glas op de stoep" is offered) or says what
they did ("Mam zegt dat de lamp kapot is"). "help!" or "HELP"
may be a cry for help, and so is what the urgent check (`bot.urgent.detect`) finds urgent in
either language ("help me"): never answered as small talk.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.text import has_words
from bot.grouping import language
from bot.grouping.vocabulary import default_vocabulary
from bot.urgent import detect


class SmallTalk(StrEnum):
    THANKS = "thanks"
    GREETING = "greeting"
    GOODBYE = "goodbye"
    WISH = "wish"  # "Fijne avond", "Prettige feestdagen", "slaap lekker": wished back
    BOT = "bot"  # "Is dit een echt persoon?", "wie leest dit?": what the bot is, who reads
    HELP = "help"  # "hoe werkt dit?", "wat kan je?": how to tell the coach something
    PRAISE = "praise"  # "leuke bot!", "goed gedaan", "wat handig": thanked for
    SORRY = "sorry"  # "sorry, verkeerde chat", "oeps", "laat maar", "was niet voor jou": no problem
    PRIVACY = "privacy"  # "Is dit anoniem?", "wat doe je met mijn gegevens?": name, data, erasing
    LANGUAGE = "language"  # "do you speak English?", "can you translate that": /taal
    ELSEWHERE = "elsewhere"  # "mam ik ben om 6 uur thuis", "Schat, neem jij brood mee?": not for us
    CONGRATS = "congrats"  # "Gefeliciteerd Ans!!", "beterschap", "good luck": for someone else
    CHANGE = "change"  # "Kan ik mijn bericht nog aanpassen?", "how do I delete my report"
    MINE = "mine"  # "waar zie ik mijn meldingen", "krijg ik bericht?": Mijn meldingen, news
    NOTHING = "nothing"  # emoji, punctuation, "ok", "ja", "haha", "test": nothing to report


def _words(line: str) -> frozenset[str]:
    return frozenset(line.split())


# The words that say what kind of small talk a message is ("kinds"), by kind.
_THANKING = _words(
    "bedankt dank dankjewel dankje dankuwel danku merci thanks thank thx tnx thnx ty cheers"
)
# Praise of an answer or a confirmation: thanked for in return ("Top!" "Graag gedaan!").
_PRAISING = _words("top super fijn geweldig perfect prima fantastisch gaaf great awesome")
_THANKS = _THANKING | _PRAISING
# Praise for the bot itself ("leuke bot", "wat handig"): a thank-you back.
_PRAISE = _words(
    "handig slim knap leuk leuke mooie handige slimme handy useful helpful clever brilliant "
    "vet tof toff gezellig chill"
)
# What is praised, when that is the bot or the idea of it ("leuk initiatief!", "love this idea"):
# only with praise ("Leuk initiatief die buurtmoestuin!" names what it praises: an observation).
_PRAISED = _words("idee idea initiatief initiative concept")
_GREETING = _words(
    "hoi hallo hey hee hé hoy hi hello hai hiya heya howdy yo moi moin goedemorgen ewa "
    "goeiemorgen goedemiddag goeiemiddag goedenavond goeienavond goedendag goeiedag "
    "morning afternoon evening gm"
)
# "morgen!", "morgen allemaal" greet; "morgen" alone may say when ("tomorrow") under a text.
_MORNING = _words("morgen")
_GOODBYE = _words(
    "doei doeg dag daag houdoe ajuus ciao ziens bye goodbye welterusten goodnight "
    "goedenacht goeienacht groetjes groeten groet gr grtz mvg cya kusjes kusje liefs xoxo"
)
# A wish is a wishing word and a time to wish it for ("fijne avond", "have a nice weekend").
_WISHING = _words(
    "fijne prettige prettig gezellige goede goeie fijn gelukkig nice happy merry good great lovely"
)
_TIMES = _words(
    "dag avond middag ochtend nacht weekend week feestdagen kerst kerstdagen nieuwjaar vakantie "
    "zondag jaarwisseling pasen paasdagen vandaag day evening night holidays christmas year today "
    "tomorrow"
)
_NOTHING = _words(
    "ok oke oké okay okee okido oki okidoki k kk goed alright fine ja jawel jazeker jep jup jaja "
    "nee neen niks niets nothing "
    "nope yes yeah yep yup no nah klopt precies inderdaad zeker tuurlijk hmm hm oh ah aha oja lol "
    "lmao cool nice mooi exactly duidelijk helder begrepen snap understood sure test testje testen "
    "testing proberen probeersel try trying testbericht huh hè eh euh uh xd"
)
_TEST = _words("test testje testen testing proberen try trying testbericht")
_SORRY = _words("sorry sry excuus excuses oeps oops oopsie whoops foutje vergissing apologies")
# What a sorry is for, only with a sorry: typing errors, the phone, a child at it, the wrong app
# ("sorry voor de typfouten, dikke vingers", "haha sorry, mn zoontje zat op mn telefoon",
# "sorry ik dacht dat dit de buurtapp was").
_SORRY_FOR = _words(
    "typfout typfouten typo typos spelfout spelfouten autocorrect vingers fingers telefoon "
    "mobiel phone zoontje dochtertje zoon dochter kind kid son daughter zat op pakte drukte "
    "grabbed pressed on dacht thought was buurtapp groepsapp whatsapp groep group"
)
# haha, hihi, hehe, hahaha, whahaha, bwahaha ("hoge" is no laugh)
_LAUGH = re.compile(r"(?:a|w|bw|mw)?(h[aeiou])\1+h?")
# Is it a person? The question, and the words it takes.
_BOT = _words(
    "bot robot chatbot computer mens persoon human person ai echt real wijkbot wijkcoach coach app "
    "chatgpt automatisch automated"
)
_BEING = _words("is ben bent are am r praat spreek talking speaking")
# "help" asks how the bot works; "help!" or "HELP" may be a cry for help and is left alone.
_HELP = _words("help hulp helpen uitleg info informatie menu start")
# Who sees it, what is kept, can it be wiped ("Is dit anoniem?", "wat doe je met mijn
# gegevens?", "can I delete my message"): the name, /mijngegevens, /vergeetmij.
_PRIVACY = _words(
    "anoniem anonymous anonymously privacy privé prive gegevens persoonsgegevens data "
    "verwijderen verwijder wissen wis delete erase remove"
)
# Which language it speaks ("do you speak English?", "can you translate that").
_LANGUAGE = _words(
    "engels english nederlands dutch speak speaks spreekt vertalen vertaal vertaling translate "
    "translation taal language"
)
# How to set the language ("hoe zet ik de taal op engels"): only with one of those.
_SETTING = _words("zet zetten instellen op change switch set to in")
# How to tell the coach something ("hoe kan ik iets melden?", "ik wil de wijkcoach spreken",
# "I have a question"): these words only go with that, never with another kind ("hier" says
# where something is: "het is hier fijn" is an observation).
_REPORTING = _words(
    "melden meld melding meldingen doorgeven vraag vragen spreken bereiken contact "
    "typen sturen schrijven report reports reporting question ask talk reach type send write "
    "foto fotos photo photos picture bericht berichten message messages"
)
_ASKING = _words(
    "hier here iets something kan kun mag can may wil want hoe how waar where moet should doe "
    "doen do maken make heb have gebruik use laten"
)

# Congratulations and wishes to a person ("Gefeliciteerd Ans!!", "fijne verjaardag opa",
# "beterschap", "get well soon", "good luck"): meant for someone, or shared with the chat.
_CONGRATULATING = _words(
    "gefeliciteerd gefeliciteerdd felicitaties proficiat feliciteren congrats congratulations "
    "congratz verjaardag birthday bday jarig jarige beterschap sterkte succes luck hoera hiep "
    "hieperdepiep"
)
# What, or whom, a congratulation is for: only with one ("gefeliciteerd met je diploma kerel",
# "van harte jarige job", "congrats on the new baby"); the names one calls family, a friend.
_CONGRATULATED = _words(
    "diploma examen exam exams rijbewijs baan job huwelijk trouwdag bruiloft jubileum pensioen "
    "geboorte baby kleine zoon dochter kleinkind kleindochter kleinzoon wedding anniversary "
    "graduation jaar jarig jaren years year old oud veel many more trots proud "
    "opa oma mam mama pap papa schat schatje lieverd liefje broer zus neef nicht tante oom "
    "jongen jongens meid meiden kerel man vriend vriendin maat schatjes kanjer toppers topper "
    "grandma grandpa granny mum mom dad bro sis buddy mate babe darling honey son daughter "
    "knie rug operatie knee back surgery"
)
# Meant for someone close, though nobody is called: where one is, when one comes, what to
# bring or fetch ("ben er over 10 min", "neem jij melk mee", "can you pick up the kids at 3?").
# Each only with someone spoken to or speaking (`_PERSONAL`), or an errand said at the start.
_ERRANDS = _words(
    "ophalen halen haal haalt oppikken brengen breng brengt wegbrengen meenemen neem neemt "
    "bel bellen belt app appen appt vergeet vergeten uitlaten regelen onderweg thuis straks "
    "vanavond klaar sleutel sleutels tas jas boodschappen melk brood eieren kinderen kids hond "
    "oppas eten avondeten training appie file laat begint pick grab bring call text home "
    "tonight dinner keys bag milk bread groceries pub late koffie afspreken feed cat kat poes"
)
# Small words and times that go with an errand ("om 3 uur", "over 10 min", "on the way").
_ERRAND_WITH = _words(
    "mee als niet bij nodig iets uur min minuten minuutjes kwartier kwart om over in "
    "up at some way when on zin zullen did back"
)
_PERSONAL = _words("jij je jou me mij ik ben sta kom we wij you u me i im ill be")
_ERRANDS_FIRST = _words("neem bel haal breng vergeet app grab call bring pick text")
# Changing or taking back a sent melding ("Kan ik mijn bericht nog aanpassen?", "hoe verwijder
# ik mijn melding", "kan dat weg?"): with a word for what was sent.
_CHANGING = _words(
    "aanpassen aangepast veranderen verander wijzigen wijzig bewerken bewerk verbeteren "
    "terugnemen intrekken weg edit change correct undo"
)
# Deleting a melding is taking it back ("hoe verwijder ik mijn melding"); deleting one's data
# is a question of privacy.
_CHANGING_PRIVACY = _words("verwijderen verwijder wissen wis delete erase remove")
_SENT = _words(
    "gestuurd verstuurd verzonden gestuurde verstuurde sturen after sending sent dat it that "
    "verkeerds verkeerd wrong"
)
# What becomes of one's own meldingen: where they are, whether news comes, how long it takes.
_MINE_WITH = _words(
    "als er mee gedaan gebeurt voordat iemand reageert reageren antwoordt oude eerdere "
    "zie vind terug if when anything done happens before someone answers old see find back "
    "lang long duurt takes wanneer"
)


# Fixed phrases: their words count only together, in this order (a word in them may say
# nothing alone: "tot", "werkt", "verkeerde"). Written without apostrophes ("whats").
def _phrases_of(kind: SmallTalk, phrases: str) -> dict[str, SmallTalk]:
    return {phrase.strip(): kind for phrase in phrases.split(",")}


_PHRASES: dict[str, SmallTalk] = {
    **_phrases_of(
        SmallTalk.GREETING,
        "hoe gaat het, hoe gaat ie, hoe gaat t, hoe is het, hoe is t, hoe gaat het ermee, "
        "alles goed, alles oké, alles ok, alles oke, alles lekker, how are you, how r u, "
        "how are u, how is it going, hows it going, how are things, whats up, wassup, sup, "
        "good morning, good afternoon, good evening, goede morgen, goeie morgen",
    ),
    **_phrases_of(
        SmallTalk.GOODBYE,
        "tot ziens, tot later, tot morgen, tot straks, tot zo, tot snel, tot gauw, "
        "tot de volgende keer, tot een volgende keer, see you, see ya, see you later, bye bye, "
        "geen tijd, heb geen tijd, nu geen tijd, heb nu geen tijd, heb nu even geen tijd, "
        "heb even geen tijd, ik moet weg, moet weg, ik moet gaan, no time, "
        "gotta go, got to go, have to go, i have to go, "
        "good night, vriendelijke groet, met vriendelijke groet, hartelijke groet, "
        "vriendelijke groeten, hartelijke groeten, kind regards, best regards, regards, "
        "see you soon",
    ),
    **_phrases_of(
        SmallTalk.WISH,
        "slaap lekker, sleep well, take care, have a good one, het beste, all the best, "
        "pas goed op jezelf",
    ),
    **_phrases_of(
        SmallTalk.CONGRATS,
        "van harte, van harte gefeliciteerd, hartelijk gefeliciteerd, trots op je, trots op jou, "
        "proud of you, so proud of you, congrats on, congratulations on, good luck with, "
        "get well soon, get well, veel geluk, all the best for, fijne verjaardag, "
        "veel plezier, have fun, goede reis, fijne reis, have a safe trip, safe trip, "
        "happy birthday, happy bday, happy anniversary, wat een schatje, what a cutie",
    ),
    **_phrases_of(
        SmallTalk.ELSEWHERE,
        "waar ben je, waar ben jij, waar blijf je, waar zit je, ben je er al, ben er over, "
        "ben er om, ben er zo, ik ben er, ik kom eraan, kom eraan, sta voor de deur, "
        "ik sta voor de deur, ben thuis, ik ben thuis, eten is klaar, hou je van me, "
        "ik hou van je, hou van je, ik mis je, mis je, where are you, where r u, be there in, "
        "be there at, on my way, im here, dinner is ready, love you, i love you, miss you, "
        "dont be late, see you tonight, see you at, kom je, kom jij, heb je, heb jij, "
        "hoe laat begint, hoe laat ben je, hoe laat kom je, what time do you, ik kom zo, "
        "kom zo, whats for dinner, running late, im running late",
    ),
    **_phrases_of(
        SmallTalk.MINE,
        "waar zie ik mijn meldingen, waar zie ik mijn oude meldingen, waar vind ik mijn meldingen, "
        "krijg ik bericht, krijg ik antwoord, krijg ik een antwoord, krijg ik een reactie, "
        "hoor ik nog iets, hoor ik iets, hoe lang duurt het, how long does it take, "
        "how long will it take, will i hear back, do i get an answer, will i get an answer, "
        "where are my reports, where can i see my reports, where do i see my reports, "
        "waar kan ik zien, heb je mijn bericht gelezen, heb je mijn melding gelezen, "
        "heb je mijn bericht ontvangen, heb je mijn melding ontvangen, is mijn melding aangekomen, "
        "is mijn bericht aangekomen, did my report arrive, did you get my report, "
        "did you get my message",
    ),
    **_phrases_of(
        SmallTalk.THANKS,
        "many thanks, thanks a lot, thanks a bunch, thanks a million, much appreciated",
    ),
    **_phrases_of(
        SmallTalk.PRAISE,
        "goed gedaan, goed bezig, goed werk, goed gemaakt, mooi gemaakt, leuk gemaakt, "
        "knap gemaakt, well done, good job, great job, nice job, good work, love it, i love it, "
        "love this, nice bot, great bot, good bot, cool bot, nice one, good one, "
        # That it exists, that one may take part ("leuk dat ik mee mag denken").
        "dat jullie dit doen, dat je dit doet, dat u dit doet, dat ik mee mag denken, "
        "dat we mee mogen denken, dat ik mee mag doen, dat we mee mogen doen",
    ),
    # Who is this, who reads it, is anyone there.
    **_phrases_of(
        SmallTalk.BOT,
        "wie leest dit, wie lees dit, wie leest dit mee, wie leest mee, "
        "wie leest mijn berichten, wie ben jij, wie ben je, wie bent u, wie is dit, wie is daar, "
        "wat ben jij, wat ben je, hoe heet je, hoe heet jij, hoe heet u, is er iemand, "
        "is hier iemand, is daar iemand, iemand daar, iemand thuis, iemand, ben je daar, "
        "ben je er, ben jij daar, who reads this, who is reading this, whos reading this, "
        "who reads my messages, who am i talking to, who am i speaking to, who is this, "
        "whos this, who is there, whos there, who are you, what are you, what is your name, "
        "whats your name, is anyone there, anyone there, anybody there, is there anyone, "
        "are you there, lees jij mee, lees je mee, leest iemand dit, leest er iemand mee, "
        "wie leest dit eigenlijk, who actually reads this, who even reads this, "
        "wie zit hier achter, wie zit er achter, wie zit erachter, does anyone read this, "
        "is anyone reading this, who reads all this, who reads all of this, "
        # Is it the municipality, does it go there: the coach reads it.
        "is dit de gemeente, is dit van de gemeente, gaat dit naar de gemeente, "
        "wordt dit doorgestuurd naar de gemeente, komt dit bij de gemeente, "
        "is this the municipality, is this the council, does this go to the municipality, "
        "does this go to the council",
    ),
    # How does it work, what can it do.
    **_phrases_of(
        SmallTalk.HELP,
        "hoe werkt dit, hoe werkt het, hoe werkt dat, hoe werkt deze bot, hoe werkt deze app, "
        "werkt dit, werkt het, doet dit het, doet ie het, wat kan je, wat kun je, wat kan jij, "
        "wat kun jij, wat kunt u, wat doe je, wat doe jij, wat doet deze bot, wat doet dit, "
        "wat moet ik doen, wat moet ik hier doen, wat kan ik doen, wat kan ik hier, "
        "wat kan ik hier doen, wat is dit, wat is dit voor iets, wat is dit voor bot, "
        "hoe moet dit, hoe gebruik ik dit, how does this work, how does it work, "
        "does this work, is this working, how do i use this, what can you do, what do you do, "
        "what is this, what is this bot, what do i do, what should i do, what can i do here, "
        "wat kan ik hier mee, wat kan ik hier allemaal mee, wat kan ik ermee, wat moet ik ermee, "
        "werkt dit ding, werkt dit ding wel, doet dit ding het, does this thing work, "
        "what can i do with this, "
        # Not understood: the bot's question, or the answer.
        "wat bedoel je, wat bedoel jij, wat bedoelt u, wat bedoelen jullie, wat betekent dat, "
        "wat betekent dit, ik snap er niks van, ik snap er niets van, snap er niks van, "
        "snap er niets van, ik snap het niet, snap het niet, snapte ik niet, snap ik niet, "
        "ik begrijp het niet, begrijp het niet, begreep ik niet, begrijp ik niet, "
        "what do you mean, what does that mean, what does this mean, i dont understand, "
        "dont understand, i dont get it, dont get it, didnt understand, wait what",
    ),
    **_phrases_of(
        SmallTalk.SORRY,
        "laat maar, laat maar zitten, vergeet het, vergeet het maar, never mind, nevermind, "
        "nvm, forget it, verkeerde chat, verkeerde persoon, verkeerde app, verkeerde groep, "
        "verkeerd gestuurd, verkeerd bericht, per ongeluk, per ongeluk gestuurd, wrong chat, "
        "wrong person, wrong group, wrong app, by accident, by mistake, my bad, my mistake, "
        # Meant for someone else, or not meant at all.
        "was niet voor jou, was niet voor jou bedoeld, niet voor jou bedoeld, was niet voor u, "
        "was niet voor jullie, wasnt meant for you, wasnt for you, not meant for you, "
        "was not meant for you, was not for you, dat bedoelde ik niet, bedoelde ik niet, "
        "bedoel ik niet, thats not what i meant, not what i meant, i didnt mean that, "
        "hoeft niet, hoeft niet opgeslagen te worden, hoeft niet bewaard te worden, "
        "niet opslaan, niet bewaren, dont save it, dont save this, no need to save it",
    ),
    **_phrases_of(
        SmallTalk.NOTHING,
        "ik snap het, snap ik, i see, got it, sure thing, ok dan, oke dan, okay then, jij ook, "
        "you too, same to you, insgelijks, geen probleem, geeft niet, no problem, no worries, "
        "np, dat was het, dat was het wel, dat is het, dat is alles, dat was alles, thats it, "
        "thats all, om te horen, good to hear, glad to hear, sounds good, sounds great, all good, "
        "ik weet het niet, weet ik niet, geen idee, no idea, i dont know, dont know, idk, "
        "test message, test bericht, of dit werkt, of het werkt, if this works, if it works, "
        # A question for a phone or a friend: the time, the weather.
        "hoe laat is het, what time is it, wat voor weer wordt het, hoe wordt het weer, "
        "whats the weather, whats the weather like, wat een vraag, what a question, "
        "wat is het weer, mooi weer, lekker weer, nice weather, ik verveel me, im bored, "
        "i am bored",
    ),
}
_LONGEST_PHRASE = max(len(p.split()) for p in _PHRASES)
# Said alone, and only then: "Wat?" did not understand, "stop" wants out ("wat een troep" and "stop
# de hardrijders" say something).
_ALONE: dict[str, SmallTalk] = {
    # A newcomer who reads little Dutch asks for English, or says so: /taal.
    **_phrases_of(
        SmallTalk.LANGUAGE,
        "can we speak english, can we talk english, can we talk in english, can you talk english, "
        "can we use english, english alsjeblieft, engels alsjeblieft, engels graag, "
        "kunnen we engels praten, kunnen we engels spreken, kunnen we in het engels, "
        "kan het in het engels, kan dit in het engels, in het engels, "
        "i dont speak dutch, i don't speak dutch, i don’t speak dutch, i do not speak dutch, "
        "i dont understand dutch, i don't understand dutch, i speak no dutch, "
        "my dutch is not good, my dutch is bad, my dutch is not so good, "
        "ik spreek geen nederlands, ik spreek weinig nederlands, ik spreek niet goed nederlands, "
        "ik begrijp geen nederlands, ik versta geen nederlands",
    ),
    **_phrases_of(SmallTalk.HELP, "wat, what, huh wat, wat zeg je, pardon, sorry wat"),
    **_phrases_of(SmallTalk.NOTHING, "stop, cancel, annuleren, annuleer"),
}
# Whom one calls this at the start of a message is someone close, never the bot ("mam ik ben om 6
# uur thuis", "honey can you grab milk"): the message was meant for them.
_CLOSE = _words(
    "mam mama mams pap papa paps schat schatje lieverd liefje liefie honey babe mum mom mummy "
    "mommy dad daddy darling sweetheart sweetie"
)
# After those, a word that makes them the one the message is about ("Mam zegt dat de lamp kapot
# is", "Dad and I noticed"): not called, so no message for them.
_TOLD_OF = _words(
    "en and van of is was heeft had has zegt zei vond vindt says said thinks thought noticed zag "
    "saw hoorde heard ook also too"
)
# Times that say how long something goes on, never a goodbye: "dag en nacht" under an observation.
_SPANS = frozenset({"dag en nacht", "nacht en dag", "day and night", "night and day"})

# Words that only go with the others. Of address: who is thanked or greeted.
_ADDRESS = _words(
    "wijkbot bot wijkcoach coach meneer mevrouw allemaal iedereen jullie jij je u jou daar "
    "you u ya youre ur all everyone there team dear sir madam guys mate buddy pal me mij joh man "
    "buurtjes"
)
# What a thanks is for, when that is the conversation itself: an answer, help, taking it up.
_FOR = _words(
    "antwoord antwoorden reactie hulp uitleg info informatie moeite snelle snel vlotte vlot "
    "oppakken opgepakt late reply answer response help quick fast luisteren listening reageren "
    "meedenken"
)
# Small words that join the others ("dank je wel", "heel erg bedankt", "voor het snelle
# antwoord", "en tot ziens", "thank you so much", "hoe gaat het met je"), and fillers that say
# nothing of their own ("even", "ff", "zeg", "eigenlijk", "nou", "maar").
_WITH = _words(
    "wel heel erg hartelijk hoor nog en ook alvast voor het de een dat zo echt echte even ff "
    "weer nogmaals van harte tot hoe gaat met alles dit of ik zeg eigenlijk nou dan hoor wat "
    "very much so and too for the a your real this or i have new to with it again good "
    "helemaal ga beaucoup mijn naam verder graag verkeerd verkeerde x xx xxx oh well just then "
    "my name im please kindly now wrong dikke mn die that also later vorige previous zon he pls"
)

_KINDS = (
    _THANKS | _PRAISE | _GREETING | _GOODBYE | _NOTHING | _SORRY | _BOT | _BEING | _HELP | _PRIVACY
) | (_LANGUAGE | _CONGRATULATING)
_ALL = (
    (_KINDS | _MORNING | _WISHING | _TIMES | _ADDRESS | _FOR | _WITH | _REPORTING | _ASKING)
    | (
        _PRAISED
        | _SORRY_FOR
        | _CONGRATULATED
        | _ERRANDS
        | _ERRAND_WITH
        | _PERSONAL
        | _CHANGING
        | _SENT
        | _MINE_WITH
    )
    | (_SETTING | _CLOSE)
)
# Words that go with any kind; every other word of the lists only with its own kinds.
_FREE = _KINDS | _WISHING | _TIMES | _ADDRESS | _FOR | _WITH
_ONLY_PRAISED = _PRAISED - _FREE


def _only_with(
    *groups: tuple[frozenset[str], frozenset[SmallTalk]],
) -> dict[str, frozenset[SmallTalk]]:
    """Per word that says nothing of its own, the kinds it may go with (all its groups')."""
    allowed: dict[str, frozenset[SmallTalk]] = {}
    for words, kinds in groups:
        for word in words - _FREE:
            allowed[word] = allowed.get(word, frozenset()) | kinds
    return allowed


# Kinds that are questions: words of asking and of reporting go with them.
_QUESTIONS = frozenset(
    {SmallTalk.HELP, SmallTalk.PRIVACY, SmallTalk.LANGUAGE, SmallTalk.CHANGE, SmallTalk.MINE}
)
_CHANGES = frozenset({SmallTalk.CHANGE, SmallTalk.MINE})
# Words that say nothing of their own, each only with the kinds it goes with: words of asking
# with a question ("het is hier fijn", "kan het" say something), what is reported with a question
# or a thanks ("bedankt voor het doorgeven"), what praise is for with praise, what a sorry is for
# with a sorry ("telefoon", "kind", "groep" are else a subject), what a congratulation is for
# with one, an errand with a message for someone close, and so on.
_ONLY_WITH = _only_with(
    (_ASKING, _QUESTIONS | {SmallTalk.ELSEWHERE}),
    (_REPORTING, _QUESTIONS | {SmallTalk.THANKS}),
    (_PRAISED, frozenset({SmallTalk.PRAISE, SmallTalk.THANKS})),
    (_SORRY_FOR - _ASKING, frozenset({SmallTalk.SORRY})),
    (_CONGRATULATED, frozenset({SmallTalk.CONGRATS})),
    (_ERRANDS | _ERRAND_WITH | _PERSONAL | _CLOSE, frozenset({SmallTalk.ELSEWHERE})),
    (_CHANGING | _SENT, _CHANGES),
    (_MINE_WITH, _CHANGES),
    (_SETTING, frozenset({SmallTalk.LANGUAGE})),
)
_MOST_WORDS = 10
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")
_LONG_RUN = re.compile(r"(\w)\1{2,}")  # "hoiii", "bedanktt", "neee"
_DOUBLE = re.compile(r"(\w)\1")
_INTENSE = ("super", "mega", "reuze", "hyper")
# "test 123": the numbers people type to test.
_TEST_NUMBERS = _words("1 12 123 1234 12345 1 2 3")
# Those a resident thanks or greets for their work in the wijk: a melding, not a name.
_NOT_NAMES = _words(
    "gemeente stadsdeel stadsbeheer wijk buurt buren bewoners vrijwilligers wijkteam "
    "council municipality city town neighbours neighbors residents volunteers"
)
# "ik ben Mieke", "mijn naam is Sarah", "I am Tom": a greeting.
_INTRODUCING = _words("ben heet is am im")
# A name never follows these ("bedankt voor Anja"?): a capital after them names a place or a firm.
_NOT_BEFORE_NAME = _words("de het een the a an voor for van of met with to tot")
# What may be said to someone by name.
_TO_SOMEONE = frozenset(
    {
        SmallTalk.THANKS,
        SmallTalk.GREETING,
        SmallTalk.GOODBYE,
        SmallTalk.WISH,
        SmallTalk.PRAISE,
        SmallTalk.CONGRATS,
    }
)


def _known(word: str) -> str | None:
    """The word as the lists spell it ("hoiii" is "hoi", "neee" is "nee", "bedant" is
    "bedankt"), or None."""
    word = word.replace("’", "").replace("'", "")
    if _LAUGH.fullmatch(word) or _LAUGH.fullmatch(_DOUBLE.sub(r"\1", word)):
        return "haha"
    for form in (word, _LONG_RUN.sub(r"\1", word), _LONG_RUN.sub(r"\1\1", word)):
        if form in _ALL:
            return form
    for prefix in _INTENSE:
        if word.startswith(prefix) and word[len(prefix) :] in _PRAISE | _THANKS:
            return word[len(prefix) :]  # "superleuk", "megabedankt"
    if word in (w + w for w in _GREETING | _GOODBYE):
        return word[: len(word) // 2]  # "hoihoi", "doeidoei", "byebye"
    if language.known(word):
        return None  # a word of its own ("boot" is no "bot")
    single = _DOUBLE.sub(r"\1", word)  # "heey", "hoii", "doeii"
    if single in _ALL:
        return single
    return _misspelt(word)


def _misspelt(word: str) -> str | None:
    """The small-talk word an unknown word is one typo from, or None. Only a word that exists
    in neither language counts ("water" is no "later"); a long one takes the nearest known
    word, a short one of four letters only two letters swapped or one left out ("dnak",
    "helo")."""
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return None
    meant = language.correction(word)
    if meant is not None:
        return meant if meant in _KINDS else None
    if len(word) == 4:
        swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(3)}
        left_out = {
            word[:i] + c + word[i:] for i in range(1, 5) for c in "abcdefghijklmnopqrstuvwxyz"
        }
        found = sorted((swapped | left_out) & _KINDS)
        if len(found) == 1:
            return found[0]
    return None


def _is_name(raw: str, before: str | None) -> bool:
    """A first name, after the word `before`: "Anja" in "bedankt Anja", "Sarah" in "thank you so
    much, Sarah"."""
    lower = raw.lower()
    return (
        before is not None
        and before not in _NOT_BEFORE_NAME
        and raw[:1].isupper()
        and raw[1:].islower()
        and raw.isalpha()
        and 2 <= len(raw) <= 15
        and lower not in _NOT_NAMES
        and language.known(lower)  # a name people use; not a firm's or a street's
        and not default_vocabulary().matcher.token_roles(lower)
    )


def _phrases(words: list[str]) -> list[SmallTalk | None]:
    """Per word, the kind of the fixed phrase it is part of (the longest from left to right),
    or None."""
    covered: list[SmallTalk | None] = [None] * len(words)
    at = 0
    while at < len(words):
        for size in range(min(_LONGEST_PHRASE, len(words) - at), 0, -1):
            kind = _PHRASES.get(" ".join(words[at : at + size]))
            if kind is not None:
                covered[at : at + size] = [kind] * size
                at += size
                break
        else:
            at += 1
    return covered


def kind_of(text: str) -> SmallTalk | None:
    """What a loose message (after `clean_input`) is, when it is small talk; None otherwise."""
    if not has_words(text):
        return SmallTalk.NOTHING
    raw = _WORD.findall(text)
    if not raw or len(raw) > _MOST_WORDS:
        return None
    lowered = " ".join(w.lower() for w in raw)
    if any(f" {span} " in f" {lowered} " for span in _SPANS):
        return None  # "dag en nacht": how long something goes on, said of an observation
    if lowered in _ALONE:
        return _ALONE[lowered]
    if _counting(raw) or _mashed(raw):
        return SmallTalk.NOTHING  # "1 2 3", "asdfgh": a try, nothing to report
    if (
        raw[0].lower() in _CLOSE
        and len(raw) > 1
        and raw[1].lower() not in _TOLD_OF
        and not _names_a_matter(raw)
        and not _urgent(text)
    ):
        return SmallTalk.ELSEWHERE  # "Schat, neem jij brood mee?"
    numbers = {w for w in raw if w.isdigit()}
    raw = [w for w in raw if not w.isdigit()]
    read = _read(raw) if raw else None
    if read is None:
        return None  # a word about something else: an observation to offer
    words, kinds, named = read
    said = set(words)
    question = "?" in text or _known(raw[0].lower()) in _BEING
    crying = "!" in text or any(w.isupper() and len(w) > 1 for w in raw)
    if said & _HELP and not said & _THANKS and crying:
        return None  # "help!", "HELP": perhaps a cry for help; asked about, never answered away
    greets = "!" in text or bool(said & _ADDRESS)
    kind = _kind(said, kinds, question, greets, _known(raw[0].lower()))
    if numbers and not _numbered(kind, said, numbers):
        return None  # a number is a house, a time, an amount: something to report
    if said & _ONLY_PRAISED and kind is SmallTalk.NOTHING:
        kind = SmallTalk.PRAISE  # "nice initiative!"
    if any(kind not in _ONLY_WITH.get(word, (kind,)) for word in said):
        return None  # "het is hier fijn", "idee", "kind": words that say something after all
    if named and kind not in _TO_SOMEONE:
        return None  # "ok Anja": a name goes with a thanks, a greeting, a goodbye, a wish
    if kind is not None and _urgent(text):
        return None  # "help me": someone may need help now; never answered away
    return kind


def _numbered(kind: SmallTalk | None, said: set[str], numbers: set[str]) -> bool:
    """Whether the numbers go with the small talk: "test 123", "25 jarig huwelijk", a time in
    a message for someone close ("om 3 uur", "be there in 10")."""
    if said & _TEST and numbers <= _TEST_NUMBERS:
        return True
    small = all(len(n) <= 2 for n in numbers)
    return small and kind in (SmallTalk.CONGRATS, SmallTalk.ELSEWHERE)


def _names_a_matter(raw: list[str]) -> bool:
    """Whether a word names a matter of the wijk, as the grouping knows them ("stoep", "lamp",
    "rats"): "schat, er ligt glas op de stoep" is an observation, whoever it calls."""
    matcher = default_vocabulary().matcher
    # A concept's strong term ("s") or a part of one of its combos ("c"), as
    # bot/grouping/matching.py's Role says; a weak hint ("w") alone is no matter named.
    return any(role[0] in ("s", "c") for w in raw for _, role in matcher.token_roles(w.lower()))


def _urgent(text: str) -> bool:
    return any(detect.check(text, lang) for lang in ("nl", "en"))


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _counting(raw: list[str]) -> bool:
    """ "1 2 3", "123", "12345": counting, as people do to try."""
    joined = "".join(raw)
    return all(w.isdigit() for w in raw) and len(joined) >= 3 and "123456789".startswith(joined)


def _mashed(raw: list[str]) -> bool:
    """ "asdfgh", "qwerty": letters along a row of the keyboard, typed to try."""
    return len(raw) == 1 and len(raw[0]) >= 5 and any(raw[0].lower() in r for r in _KEYBOARD_ROWS)


def _read(raw: list[str]) -> tuple[list[str], set[SmallTalk], bool] | None:
    """The words of a message as the lists spell them, the kinds of its phrases, and whether
    it names someone; None when a word is none of those."""
    lowered = [w.lower().replace("’", "").replace("'", "") for w in raw]
    covered = _phrases(lowered)
    kinds = {kind for kind in covered if kind is not None}
    words: list[str] = []
    before: str | None = None  # the word before, as the lists spell it, or its phrase's kind
    named = False
    for at, (word, lower) in enumerate(zip(raw, lowered, strict=True)):
        if covered[at] is not None:
            before = covered[at]
            continue
        known = _known(lower)
        if known is None:
            if at == 0 or named or not _is_name(word, before):
                return None
            named = True
            if before in _INTRODUCING:
                kinds.add(SmallTalk.GREETING)
            before = None
            continue
        words.append(known)
        before = known
    return words, kinds, named


def _kind(
    said: set[str], kinds: set[SmallTalk], question: bool, greets: bool, first: str | None
) -> SmallTalk | None:
    """Which small talk it is, from its words and phrases: the first that fits, in this order."""
    if SmallTalk.MINE in kinds:
        return SmallTalk.MINE  # "hoe lang duurt het voordat iemand reageert"
    if (said & _BOT and said & _BEING and question) or SmallTalk.BOT in kinds:
        return SmallTalk.BOT
    if (said & _CHANGING and said & (_REPORTING | _SENT)) or (
        said & _CHANGING_PRIVACY and said & _REPORTING
    ):
        return SmallTalk.CHANGE  # "kan ik mijn bericht nog aanpassen?", "delete my report"
    if said & _PRIVACY and not said & _THANKS:
        return SmallTalk.PRIVACY
    if said & _LANGUAGE and not said & _THANKS:
        return SmallTalk.LANGUAGE
    if SmallTalk.HELP in kinds or (said & (_HELP | _REPORTING) and not said & _THANKS):
        return SmallTalk.HELP
    if said & _CONGRATULATING or SmallTalk.CONGRATS in kinds:
        return SmallTalk.CONGRATS
    if SmallTalk.ELSEWHERE in kinds or (
        said & _ERRANDS and (said & _PERSONAL or first in _ERRANDS_FIRST)
    ):
        return SmallTalk.ELSEWHERE  # "neem jij melk mee", "ben er over 10 min"
    if (said & _WISHING and said & _TIMES) or SmallTalk.WISH in kinds:
        return SmallTalk.WISH
    if said & _THANKING or SmallTalk.THANKS in kinds:
        return SmallTalk.THANKS
    if said & _PRAISE or SmallTalk.PRAISE in kinds:
        return SmallTalk.PRAISE
    if said & _PRAISING:
        return SmallTalk.THANKS
    if said & _GREETING or SmallTalk.GREETING in kinds or (said & _MORNING and greets):
        return SmallTalk.GREETING
    if said & _GOODBYE or SmallTalk.GOODBYE in kinds:
        return SmallTalk.GOODBYE
    if said & _SORRY or SmallTalk.SORRY in kinds:
        return SmallTalk.SORRY
    if said & _NOTHING or "haha" in said or SmallTalk.NOTHING in kinds:
        return SmallTalk.NOTHING
    return None
