"""A coach starts next year's spiegel: "Begin aan volgend jaar", then "Ja, begin <year>";
at most next year's (bot.spiegel.editing.may_begin): the button is not offered beyond it, and an
older button for a year further ahead says from when it can be begun.

The question is a run of one press (`flows.one_press`): its "Ja" carries the run's nonce, and
the edition it makes keeps the run's key with the coach's person id
(bot.spiegel.editing.run_key). That press delivered again (the bot died behind the commit, or
the confirmation got lost) shows the edition as made by it; a "Ja" of another message, or one
pressed after the command line or a colleague made the edition, says the edition was made
before, and shows it. The question keeps nothing current: a melding being written stays where it
was, and a text typed later is no answer to it.
"""

from __future__ import annotations

from bot.spiegel import editing as service
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, NewEdition
from handlers.common import Turn
from handlers.spiegel import views
from handlers.spiegel.reading import show_overview
from models import Edition

RUN = "spiegel_edition"  # the name in the runs' keys (bot.telegram.flows.request_key)


async def ask(turn: Turn, edition: Edition) -> None:
    """ "Begin aan volgend jaar": the question, as the pressed message, its "Ja" a run's; for
    an edition that is next year's already (an older button), that it cannot be yet."""
    assert edition.id is not None
    service.require(turn.who.actor, edition.wijk_id)
    if not service.may_begin(edition.year + 1, this_year(turn)):
        await turn.answer()
        await turn.reply(*views.too_far_ahead(turn.who, edition.id, edition.year + 1))
        return
    run = await flows.one_press(turn.context, RUN)
    await turn.answer()
    await turn.reply(*views.confirm_new_edition(turn.who, edition.id, edition.year + 1, run.nonce))


async def confirmed(turn: Turn, pressed: NewEdition) -> None:
    """ "Ja, begin <year>": next year's edition, made now, by this press before, or else before."""
    who = turn.who
    key = _key(turn, pressed.nonce)
    with turn.services.db.session() as session:
        edition = session.get(Edition, pressed.edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        service.require(who.actor, edition.wijk_id)
        following = service.carried_on(session, edition, key)
        if following is None:
            try:
                new, carried = service.new_edition(
                    session,
                    who.actor,
                    edition.wijk_id,
                    edition.year + 1,
                    this_year=this_year(turn),
                    request_key=key,
                )
            except service.EditError as refused:
                await turn.answer()
                if refused.message_key == "spiegel_editing.year_too_far":
                    await turn.reply(*views.too_far_ahead(who, edition.id or 0, edition.year + 1))
                else:
                    await turn.reply(who.t(refused.message_key, **refused.values))
                return
            following = service.Following(new, carried, by_this_run=True)
    new = following.edition
    assert new.id is not None
    await turn.answer()
    if following.by_this_run:
        said = who.t("spiegel_editing.new_edition_done", year=new.year, count=following.carried)
    else:
        said = who.t("spiegel_editing.new_edition_made_before", year=new.year)
    await turn.reply(said)
    await show_overview(turn.update, turn.context, who, new.id)


def this_year(turn: Turn) -> int:
    services = turn.services
    return service.year_now(services.clock.now(), services.tz)


def _key(turn: Turn, nonce: int) -> str | None:
    """What the edition made by a press of run `nonce` keeps. None: a button from before the
    runs (nonce 0), whose press is no run's."""
    actor = turn.who.actor
    if actor is None or nonce == 0:
        return None
    return service.run_key(flows.request_key(RUN, nonce), actor.id)
