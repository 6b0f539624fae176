"""The customer's notification after the partner's answer or the timeout.

``handle_message(body)`` is the whole use case (the SQS handler calls it);
the providers (Bedrock, template) only turn a :class:`Case` into a sentence.
"""

from chalicelib.notify.case import Case
from chalicelib.notify.service import InProgress, Outcome, handle_message

__all__ = ["Case", "InProgress", "Outcome", "handle_message"]
