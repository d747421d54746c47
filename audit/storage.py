"""Where checkpoints go in production: S3, each object under object lock when the bucket supports it."""

from datetime import UTC, datetime, timedelta

from storages.backends.s3 import S3Storage


class CheckpointS3Storage(S3Storage):
    """S3Storage that asks for an object lock on every checkpoint it writes (`lock_days` > 0).

    COMPLIANCE mode: nobody, not even the bucket's root account, can delete or overwrite the object before the
    date; GOVERNANCE mode lets holders of s3:BypassGovernanceRetention do it. The bucket must have been created
    with object lock enabled."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "lock_days": 0, "lock_mode": "COMPLIANCE"}

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if self.lock_days:
            params["ObjectLockMode"] = self.lock_mode
            params["ObjectLockRetainUntilDate"] = datetime.now(UTC) + timedelta(days=self.lock_days)
        return params
