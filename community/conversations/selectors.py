"""Who takes part in an enrolment's conversation, the conversations a person has, and what is unread.

Participants follow the enrolment: its learner, its assessor, every assessor who countersigned a review of the
learner's evidence on it, and the moderator of each sample of it still open (not yet acknowledged by the
assessor). Nobody else, whatever their role, sees the conversation.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.request_cache import Fetched, Read, forget_shared, read_through
from assessment.models import Review
from moderation.models import Sample
from portfolios.models import Enrolment, Evidence
from qualifications.models import AssessmentCriterion

from .models import Conversation, ConversationRead, Message, MessageFile

PAGE_SIZE = 50
EPOCH = timezone.datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))
OPEN_SAMPLES = (Sample.Status.STARTED, Sample.Status.AWAITING_SECOND, Sample.Status.SIGNED)

LEARNER, ASSESSOR, COUNTERSIGNER, MODERATOR = "learner", "assessor", "countersigner", "moderator"
PARTICIPANT_ROLES = {LEARNER: _("Learner"), ASSESSOR: _("Assessor"), COUNTERSIGNER: _("Countersigning assessor"),
                     MODERATOR: _("Internal moderator")}


@dataclass(frozen=True)
class Participant:
    user: User
    role: str

    @property
    def role_label(self) -> str:
        return str(PARTICIPANT_ROLES[self.role])


def _countersigners(enrolment_ref) -> QuerySet:
    return Review.objects.filter(submission__evidence__enrolment=enrolment_ref, countersigned_by__isnull=False)


def _open_samples(enrolment_ref) -> QuerySet:
    return Sample.objects.filter(enrolment=enrolment_ref, status__in=OPEN_SAMPLES)


def participants_of(enrolment: Enrolment) -> list[Participant]:
    """The learner first, then the assessor, countersigners and moderators; each person once. One query (the
    learner and assessor come with the enrolment when it was loaded with them)."""
    others = (User.objects.filter(Q(pk__in=_countersigners(enrolment).values("countersigned_by"))
                                  | Q(pk__in=_open_samples(enrolment).values("moderator")))
              .exclude(pk__in=[enrolment.learner_id, enrolment.assessor_id])
              .annotate(moderates=Exists(_open_samples(enrolment).filter(moderator=OuterRef("pk"))))
              .order_by("first_name", "last_name", "pk"))
    people = [Participant(enrolment.learner, LEARNER), Participant(enrolment.assessor, ASSESSOR)]
    return people + [Participant(u, MODERATOR if u.moderates else COUNTERSIGNER) for u in others]


def enrolments_conversed_by(*, user: User, centre) -> QuerySet[Enrolment]:
    """The enrolments at `centre` whose conversation `user` takes part in (a subquery wherever it is used)."""
    return Enrolment.objects.filter(centre=centre).filter(
        Q(learner=user) | Q(assessor=user)
        | Q(pk__in=Review.objects.filter(countersigned_by=user).values("submission__evidence__enrolment"))
        | Q(pk__in=Sample.objects.filter(moderator=user, status__in=OPEN_SAMPLES).values("enrolment")))


def read_at_of(user: User):
    return Coalesce(Subquery(ConversationRead.objects.filter(conversation=OuterRef("conversation"), user=user)
                             .values("last_read_at")[:1]), Value(EPOCH, output_field=DateTimeField()))


def unread_messages(*, user: User, centre) -> QuerySet[Message]:
    """Messages of others, in the person's conversations at `centre`, sent after they last read it."""
    return (Message.objects.filter(conversation__enrolment__in=enrolments_conversed_by(user=user, centre=centre))
            .exclude(author=user).alias(read_at=read_at_of(user)).filter(created_at__gt=F("read_at")))


# Every unread count is read under one shared generation, replaced whenever anything it depends on changes: a
# message, a read receipt, or who takes part (an enrolment's learner or assessor, a countersignature, a sample).
# `receivers.py` replaces it on those models' saves and deletes; the services do after their bulk updates.
UNREAD_GENERATION = "conversations"


def unread_count_read(*, user: User, centre) -> Read:
    """What `unread_count` reads from the cache (for `accounts.request_cache.prefetch`)."""
    return f"unread_messages:{centre.pk}", user.pk, (UNREAD_GENERATION,)


def unread_count(*, user: User, centre, fetched: Fetched | None = None) -> int:
    """The navigation's number: unread messages in all the person's conversations here. One cache round trip
    while nothing it depends on has changed (none when `fetched` brought it), else one query."""
    name, user_id, shared = unread_count_read(user=user, centre=centre)
    return read_through(name, user_id, lambda: unread_messages(user=user, centre=centre).count(), shared=shared,
                        fetched=fetched)


def forget_unread_messages() -> None:
    forget_shared(UNREAD_GENERATION)


def conversations_of(*, user: User, centre) -> QuerySet[Conversation]:
    """The person's conversations with at least one message: unread first, then the latest. One query."""
    read_at = Coalesce(Subquery(ConversationRead.objects.filter(conversation=OuterRef("pk"), user=user)
                                .values("last_read_at")[:1]), Value(EPOCH, output_field=DateTimeField()))
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-pk")
    return (Conversation.objects.filter(enrolment__in=enrolments_conversed_by(user=user, centre=centre),
                                        last_message_at__isnull=False)
            .select_related("enrolment__learner", "enrolment__assessor", "enrolment__version")
            .alias(read_at=read_at)
            .annotate(unread=Count("messages", filter=Q(messages__created_at__gt=F("read_at"))
                                   & ~Q(messages__author=user)),
                      latest_author=Subquery(latest.values("author__first_name")[:1]),
                      latest_text=Subquery(latest.values("text")[:1]))
            .order_by(Case(When(unread__gt=0, then=Value(0)), default=Value(1)), "-last_message_at", "-pk"))


def conversation_page(conversation: Conversation | None, *, before: int | None = None) -> tuple[list[Message], bool]:
    """The newest PAGE_SIZE messages (before the message `before`, for "earlier messages"), oldest first, and
    whether there are earlier ones. Two queries whatever the number of messages (the messages, their files)."""
    if conversation is None:
        return [], False
    messages = (Message.objects.filter(conversation=conversation)
                .select_related("author", "evidence", "criterion__unit").prefetch_related("files"))
    if before:
        messages = messages.filter(pk__lt=before)
    page = list(messages.order_by("-created_at", "-pk")[:PAGE_SIZE + 1])
    return page[:PAGE_SIZE][::-1], len(page) > PAGE_SIZE


def reads_of(conversation: Conversation | None) -> dict[int, ConversationRead]:
    if conversation is None:
        return {}
    return {r.user_id: r for r in ConversationRead.objects.filter(conversation=conversation)}


def referable_evidence(enrolment: Enrolment) -> QuerySet[Evidence]:
    """Evidence a message may point to: the enrolment's, once submitted (drafts are the learner's alone)."""
    return (Evidence.objects.filter(enrolment=enrolment).exclude(status=Evidence.Status.DRAFT)
            .order_by("-submitted_at", "-pk"))


def referable_criteria(enrolment: Enrolment) -> QuerySet[AssessmentCriterion]:
    return (AssessmentCriterion.objects.filter(unit__enrolment_units__enrolment=enrolment)
            .select_related("unit").order_by("unit__position", "position", "pk"))


def message_file_of(pk: int) -> MessageFile | None:
    return (MessageFile.objects.filter(pk=pk)
            .select_related("message__conversation__enrolment__learner", "message__conversation__enrolment__assessor",
                            "message__author").first())
