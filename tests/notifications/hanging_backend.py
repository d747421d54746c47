import time

from django.core.mail.backends.filebased import EmailBackend


class AcceptThenHangBackend(EmailBackend):
    """Writes the message to a file (the mail server has accepted it), then hangs, for the worker to be killed."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        time.sleep(600)
        return sent
