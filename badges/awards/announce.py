"""Telling the learner of a new badge: once, when it is baked, with the badge attached."""

from django.urls import reverse
from django.utils.text import slugify

from badges.models import Award
from badges.openbadges import ob2
from notifications.services import notify


def wallet_url(award: Award) -> str:
    return f"{reverse('wallet')}#award-{award.uuid}"


def award_announce(*, award: Award) -> None:
    """Tell the learner of a new badge, with the baked badge (OB 2.0 PNG) attached when there is one."""
    badge_class, recipient = award.badge_class, award.recipient
    attachments = []
    if award.baked_ob2:
        attachments.append({"storage_name": award.baked_ob2.name, "mimetype": "image/png",
                            "filename": f"{slugify(badge_class.name)[:60] or 'badge'}.png"})
    notify(recipient=recipient, kind="badge_awarded", url=wallet_url(award), attachments=attachments,
           context={"learner_name": recipient.first_name, "badge_name": badge_class.name,
                    "centre_name": badge_class.centre.name, "narrative": award.narrative,
                    "image_url": ob2.badge_image_url(badge_class),
                    "expires": award.expires_at.date().isoformat() if award.expires_at else ""})
