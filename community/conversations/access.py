"""The object helpers of every conversation view: participants only; anyone else gets 404, as if nothing existed."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from portfolios.models import Enrolment

from .models import Conversation, MessageFile
from .selectors import Participant, message_file_of, participants_of


@dataclass
class ConversationAccess:
    enrolment: Enrolment
    participants: list[Participant]
    conversation: Conversation | None  # none until the first message

    def participant(self, user) -> Participant:
        return next(p for p in self.participants if p.user.pk == user.pk)


def get_conversation_for(request: HttpRequest, enrolment_pk: int) -> ConversationAccess:
    """The conversation of an enrolment of the current centre the person takes part in, else 404."""
    centre = request.leap.centre
    if centre is None:
        raise Http404
    enrolment = (Enrolment.objects.filter(pk=enrolment_pk, centre=centre)
                 .select_related("learner", "assessor", "version", "centre").first())
    if enrolment is None:
        raise Http404
    participants = participants_of(enrolment)
    if request.user.pk not in {p.user.pk for p in participants}:
        raise Http404
    conversation = Conversation.objects.filter(enrolment=enrolment).first()
    if conversation is not None:
        conversation.enrolment = enrolment
    return ConversationAccess(enrolment, participants, conversation)


def get_message_file_for(request: HttpRequest, pk: int) -> MessageFile:
    """A voice note or attachment of a conversation of the current centre the person takes part in, else 404."""
    attached = message_file_of(pk)
    centre = request.leap.centre
    if attached is None or centre is None:
        raise Http404
    enrolment = attached.message.conversation.enrolment
    if enrolment.centre_id != centre.pk or request.user.pk not in {p.user.pk for p in participants_of(enrolment)}:
        raise Http404
    return attached
