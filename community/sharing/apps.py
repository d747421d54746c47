from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "community.sharing"
    label = "sharing"
    verbose_name = "Sharing and peer comments"

    def ready(self) -> None:
        # Badges asks before anything of a learner's is made public: learners under 18 are refused.
        from badges.awards.services import public_sharing_refusals

        from .services import public_sharing_refusal

        if public_sharing_refusal not in public_sharing_refusals:
            public_sharing_refusals.append(public_sharing_refusal)
